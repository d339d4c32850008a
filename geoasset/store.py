"""The inventory GeoPackage: the only module that opens it.

An inventory is one GeoPackage file holding the asset layers (EPSG:4326), a
``geoasset_meta`` table (schema version) and a ``history`` table with one row per layer
per write batch.

How a write stays atomic
------------------------
GDAL (through pyogrio) writes every new layer version into a *staging* table of the same
file. Only when all staging tables are complete does one SQLite transaction drop the old
tables, rename the staging tables into place and record the batch in ``history``. A
failure while staging (bad data, disk full, Ctrl-C) leaves the real layers untouched and
the staging tables are dropped; a crash during the swap is rolled back by SQLite's
journal the next time the file is opened. Other layers are never rewritten.

Writers hold an exclusive lock on the file (:mod:`geoasset.locking`) for the whole
write; a second writer waits ``lock_timeout`` seconds (5, or ``GEOASSET_LOCK_WAIT``),
then gets :class:`~geoasset.errors.InventoryLockedError`. A program outside geoasset that holds
SQLite's own write lock (QGIS or GDAL editing the file) gets the same bounded wait and
the same error. Staging tables left by a killed process are dropped by the next writer.

Read, change, write
-------------------
A command that reads layers and writes what it computed from them must not lose a write
that happened in between. :meth:`Inventory.transaction` holds the lock from the first
read to the swap (imports check and assign ids inside it); :meth:`Inventory.update`
reads and computes without the lock and writes only if, under the lock, the layers it
read are unchanged, otherwise it reads and computes again holding the lock.

Environment faults while writing (disk full, read-only file or folder) raise
:class:`~geoasset.errors.InventoryWriteError` naming the file; the inventory is unchanged.

Bulk writes
-----------
A million poles should import in seconds, and two things make GDAL slow inside an existing
file: it builds the R-tree on one thread (its background builder only runs for the first
layer of a new file), and pyogrio turns each point into WKB one object at a time. So:

- a staging table of a layer that already has a GDAL spatial index is written without
  one, and the store packs the R-tree itself (:mod:`geoasset.rtree`) in the swap, under
  the layer's own name (renaming an R-tree costs SQLite more than a small write), with
  the index's triggers and ``gpkg_extensions`` row of the layer it replaces (for a layer
  new to the file, of another layer GDAL indexed), so any GeoPackage tool that edits
  the layer later keeps the index current;
- point layers, and derived layers (assessment items, ...), with plain column types go
  to GDAL as an Arrow table whose WKB column is built in bulk (:mod:`geoasset.wkb`).

Both are checked against GDAL's own output in the tests: the same indexed rows and
triggers, and byte-identical geometry blobs.

Examples
--------
>>> import tempfile, os, geopandas as gpd
>>> from shapely import Point
>>> path = os.path.join(tempfile.mkdtemp(), "inventory.gpkg")
>>> inv = create_inventory(path)
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
...                          geometry=[Point(123.6, -10.17)], crs=4326)
>>> inv.write({"poles": poles}, batch=Batch(command="doctest"))
>>> len(inv.read("poles"))
1
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoasset import history
from geoasset.arrow_layers import _arrow_table, _geometry_type, _point_table
from geoasset.batches import HISTORY_COLUMNS, Batch
from geoasset.bulk import cycle_collector_paused
from geoasset.empty_inventory import (
    HISTORY_TABLE,
    META_TABLE,
    STORE_CRS,
    empty_geopackage,
)
from geoasset.errors import (
    InventoryError,
    InventoryLockedError,
    InventoryWriteError,
    LayerNotEmptyError,
    LayerNotFoundError,
    fault_cause,
)
from geoasset.gpkg_tables import (
    STAGING_PREFIX,
    _drop_table,
    _listed_tables,
    _now,
    _quote,
    _rename_table,
    _row_count,
    _table_exists,
    _table_stamp,
)
from geoasset.locking import lock_wait_seconds, try_lock, unlock
from geoasset.schema import LAYERS
from geoasset.spatial_index import (
    _borrowed_template,
    _create_spatial_index,
    _index_template,
)
from geoasset.wkb import geometry_wkb

__all__ = ["Batch", "Inventory", "create_inventory", "open_inventory", "WRITE_MODES"]

WRITE_MODES = ("create", "append", "replace")
STAGING_CACHE_MB = 512

log = logging.getLogger(__name__)

#: Per thread: resolved inventory path -> how many nested ``lock()`` blocks hold it.
_held_locks = threading.local()


def create_inventory(path: str | os.PathLike, *, overwrite: bool = False) -> Inventory:
    """Create an empty inventory GeoPackage with every layer of the schema.

    Parameters
    ----------
    path
        The ``.gpkg`` file to create.
    overwrite
        Replace an existing file; without it an existing file is refused.

    Examples
    --------
    >>> import tempfile, os
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "a.gpkg"))
    >>> sorted(inv.layers())[:3]
    ['areas', 'bridges', 'monuments']
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InventoryError(f"{path}: an inventory must be a GeoPackage file ending in .gpkg")
    if path.exists() and not overwrite:
        raise InventoryError(f"{path} already exists; use overwrite to replace it")
    if not path.parent.is_dir():
        raise InventoryError(f"{path}: folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.partial.gpkg")
    try:
        tmp.write_bytes(empty_geopackage())
        with contextlib.closing(sqlite3.connect(tmp, isolation_level=None)) as con:
            now = _now()
            con.execute("BEGIN")
            con.execute(f"UPDATE {META_TABLE} SET value = ? WHERE key = 'created_utc'", (now,))  # noqa: S608
            con.execute("UPDATE gpkg_contents SET last_change = ?", (now,))
            con.execute("COMMIT")
        os.replace(tmp, path)
    except (OSError, sqlite3.Error) as exc:
        raise InventoryWriteError(f"{path}: cannot create: {fault_cause(exc)}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return Inventory(path)


def open_inventory(path: str | os.PathLike) -> Inventory:
    """Open an existing inventory, checking that it is one.

    Examples
    --------
    >>> open_inventory("no/such/file.gpkg")
    Traceback (most recent call last):
    ...
    geoasset.errors.InventoryError: no/such/file.gpkg: no such file
    """
    inv = Inventory(path)
    inv.check()
    return inv


class Inventory:
    """An inventory GeoPackage on disk.

    Cheap to create: it holds only the path. Every method opens and closes the file.
    """

    def __init__(self, path: str | os.PathLike, *, lock_timeout: float | None = None):
        self.path = Path(path)
        self.lock_timeout = lock_wait_seconds() if lock_timeout is None else lock_timeout

    def __repr__(self) -> str:
        return f"Inventory({str(self.path)!r})"

    # -- reading -----------------------------------------------------------------
    def check(self) -> list[str]:
        """Raise :class:`InventoryError` unless the file is a geoasset inventory; return
        the tables the GeoPackage lists."""
        if not self.path.exists():
            raise InventoryError(f"{self.path}: no such file")
        if not self.path.is_file():
            raise InventoryError(f"{self.path}: not a file")
        try:
            names = self._layer_names()
        except sqlite3.DatabaseError as exc:
            raise InventoryError(f"{self.path}: not a GeoPackage ({exc})") from None
        if META_TABLE not in names:
            raise InventoryError(
                f"{self.path}: not a geoasset inventory (no {META_TABLE} table); "
                "create one with 'geoasset init'"
            )
        return names

    def _layer_names(self) -> list[str]:
        # SQLite's listing: GDAL's opens the whole GeoPackage (a fifth of a small run).
        with contextlib.closing(self._connect()) as con:
            return _listed_tables(con)

    def layers(self) -> list[str]:
        """Names of the data layers (without internal tables)."""
        return _data_layers(self._layer_names())

    def has_layer(self, layer: str) -> bool:
        return layer in self.layers()

    def count(self, layer: str) -> int:
        """Number of rows in ``layer`` (0 if the layer does not exist)."""
        return self.counts([layer])[layer]

    def counts(self, layers: Sequence[str]) -> dict[str, int]:
        """The rows of each of ``layers`` (0 for a missing one), read on one connection."""
        with contextlib.closing(self._connect()) as con:
            present = set(_data_layers(_listed_tables(con)))
            return {n: _row_count(con, n) if n in present else 0 for n in layers}

    @cycle_collector_paused()
    def read(
        self,
        layer: str,
        *,
        engine: str = "pyogrio",
        columns: list[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read one layer; tables without geometry come back as a DataFrame.

        ``engine`` is ``"pyogrio"`` (Arrow, the bulk path) or ``"fiona"``.
        """
        names = self.check()
        if layer not in names:
            raise LayerNotFoundError(
                f"{self.path}: no layer {layer!r} (has: {', '.join(_data_layers(names))})"
            )
        if engine == "pyogrio":
            frame = pyogrio.read_dataframe(
                self.path, layer=layer, columns=columns, bbox=bbox, use_arrow=True
            )
        elif engine == "fiona":
            frame = gpd.read_file(
                self.path, layer=layer, engine="fiona", columns=columns, bbox=bbox
            )
        else:
            raise ValueError(f"engine must be 'pyogrio' or 'fiona', not {engine!r}")
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and "geometry" in frame:
            frame = frame.set_crs(STORE_CRS)
        return frame

    def metadata(self) -> dict[str, str]:
        meta = self.read(META_TABLE)
        return dict(zip(meta["key"], meta["value"], strict=True))

    def history(self) -> pd.DataFrame:
        """Every write batch, oldest first."""
        return pd.DataFrame(self.read(HISTORY_TABLE))

    def bounds(self, layer: str) -> tuple[float, float, float, float] | None:
        info = pyogrio.read_info(self.path, layer=layer, force_total_bounds=True)
        b = info.get("total_bounds")
        return None if b is None else tuple(float(v) for v in b)

    def stamp(self, layers: Sequence[str]) -> tuple:
        """What identifies the current content of ``layers``: changes with every write.

        Per layer: the last change GeoPackage writers record, the row count and the
        largest row id (``None`` for a missing layer). Used by :meth:`update`.
        """
        with contextlib.closing(self._connect()) as con:
            return tuple(_table_stamp(con, layer) for layer in layers)

    # -- writing -----------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the inventory's exclusive write lock (re-entrant within one thread)."""
        self.check()
        held = _held_locks.__dict__.setdefault("paths", {})
        key = os.path.normcase(str(self.path.resolve()))
        if key in held:
            held[key] += 1
            try:
                yield
            finally:
                held[key] -= 1
            return
        with open(self.path, "rb") as handle:
            deadline = time.monotonic() + self.lock_timeout
            while not try_lock(handle):
                if time.monotonic() >= deadline:
                    raise InventoryLockedError(
                        f"{self.path}: inventory is locked by another process "
                        f"(waited {self.lock_timeout:g} s); try again when it has finished"
                    )
                time.sleep(0.05)
            held[key] = 1
            try:
                yield
            finally:
                del held[key]
                unlock(handle)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Inventory]:
        """Hold the write lock from a read to the write that depends on it.

        Inside the block no other geoasset process writes the file, and no other
        program holds SQLite's write lock when the block starts; :meth:`write` calls in
        it do not wait for the lock again. Staging tables a killed writer left behind
        are dropped first.

        Examples
        --------
        >>> import tempfile, os, geopandas as gpd
        >>> from shapely import Point
        >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "t.gpkg"))
        >>> pole = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
        ...                         geometry=[Point(123.6, -10.17)], crs=4326)
        >>> with inv.transaction():
        ...     if inv.count("poles") == 0:
        ...         inv.write({"poles": pole}, batch=Batch(command="doctest"))
        >>> inv.count("poles")
        1
        """
        with self.lock():
            with self._write_faults():
                self._wait_for_foreign_writer()
                self._drop_stale_staging()
                if self._lock_depth() == 1:
                    from geoasset.history_outside import record_outside_edits

                    record_outside_edits(self)
            yield self

    def _lock_depth(self) -> int:
        held = _held_locks.__dict__.setdefault("paths", {})
        return held.get(os.path.normcase(str(self.path.resolve())), 0)

    def update(
        self,
        layers: Sequence[str],
        change: Callable[[dict[str, gpd.GeoDataFrame | pd.DataFrame]], Mapping],
        *,
        batch: Batch,
        mode: str = "replace",
        attempts: int = 2,
    ) -> Mapping[str, gpd.GeoDataFrame | pd.DataFrame]:
        """Read ``layers``, compute new layers with ``change(frames)``, write them.

        No write by another process between the read and the write is lost: the first
        ``attempts - 1`` tries read and compute without the lock (other writers go on)
        and write only if, under the lock, :meth:`stamp` of ``layers`` is unchanged; the
        last try holds the lock throughout. ``frames`` holds those of ``layers`` the
        file has.
        Returns what ``change`` returned (and was written).

        Examples
        --------
        >>> import tempfile, os, geopandas as gpd
        >>> from shapely import Point
        >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "u.gpkg"))
        >>> pole = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["pln"]},
        ...                         geometry=[Point(123.6, -10.17)], crs=4326)
        >>> inv.write({"poles": pole}, batch=Batch(command="doctest"))
        >>> def upper(frames):
        ...     poles = frames["poles"]
        ...     return {"poles": poles.assign(owner=poles["owner"].str.upper())}
        >>> _ = inv.update(["poles"], upper, batch=Batch(command="doctest"))
        >>> inv.read("poles")["owner"].tolist()
        ['PLN']
        """
        for attempt in range(1, max(attempts, 1) + 1):
            last = attempt >= attempts
            with self.transaction() if last else contextlib.nullcontext():
                try:
                    before = self.stamp(layers)
                    frames = self._read_present(layers)
                except (sqlite3.Error, pyogrio.errors.DataLayerError, LayerNotFoundError):
                    if last:  # under the lock nothing moves: a real failure
                        raise
                    log.info("%s: a layer was replaced while read; again under the lock", self.path)
                    continue
                result = change(frames)
                with self.transaction():
                    if self.stamp(layers) == before:
                        self.write(result, batch=batch, mode=mode)
                        return result
            log.info("%s: %s changed while computing; again under the lock", self.path, layers)
        raise AssertionError("unreachable: the last attempt holds the lock")

    def _read_present(self, layers: Sequence[str]) -> dict:
        present = set(self.layers())
        return {name: self.read(name) for name in layers if name in present}

    def write(
        self,
        layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
        *,
        batch: Batch,
        mode: str = "replace",
    ) -> None:
        """Write one or more layers in one atomic batch.

        Parameters
        ----------
        layers
            Layer name -> frame. GeoDataFrames are stored in EPSG:4326; plain
            DataFrames become attribute tables.
        batch
            What to record in ``history``.
        mode
            ``"create"`` refuses a layer that already has rows, ``"append"`` adds the
            rows after the existing ones, ``"replace"`` replaces the layer's rows.
        """
        if mode not in WRITE_MODES:
            raise ValueError(f"mode must be one of {WRITE_MODES}, not {mode!r}")
        with self.transaction(), self._write_faults():
            counts = self.counts(layers)
            if mode == "create":
                full = [n for n, c in counts.items() if c]
                if full:
                    raise LayerNotEmptyError(
                        f"{self.path}: layer {full[0]!r} already has {counts[full[0]]} rows; "
                        "use append or overwrite"
                    )
            staged: dict[str, str] = {}
            indexes: dict[str, tuple | None] = {}  # layer -> its R-tree, built at the swap
            versions: dict[str, history.VersionPlan] = {}
            today = datetime.now(UTC).date().isoformat()
            try:
                for name, frame in layers.items():
                    touched = None
                    previous = (batch.read_under_lock or {}).get(name)
                    if mode == "append" and counts[name]:
                        previous = self.read(name)
                        spec = LAYERS.get(name)
                        if spec is not None and spec.id_field in frame.columns:
                            touched = frame[spec.id_field].dropna().astype("str").tolist()
                        frame = _concat(previous, frame)
                    staged[name] = f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}_{name}"
                    indexes[name] = self._stage(staged[name], name, frame)
                    plan = history.plan_versions(
                        self, name, frame, batch, today=today, touched=touched, previous=previous
                    )
                    if plan is not None:
                        versions[name] = plan
                given = {n: len(f) for n, f in layers.items()}
                self._swap(staged, indexes, batch, mode, counts, given, versions)
            finally:
                self._drop_staging_quietly(staged.values())

    def _drop_staging_quietly(self, tables) -> None:
        """Drop this write's staging tables; on failure (disk full...) leave them to the
        next writer, which drops every stale staging table first."""
        try:
            with contextlib.closing(self._connect()) as con:
                listed = set(_listed_tables(con))
                for table in (t for t in tables if t in listed):
                    _drop_table(con, table)
        except Exception as exc:  # noqa: BLE001 (the write's own error is the one to report)
            log.warning("%s: staging tables left for the next write (%s)", self.path, exc)

    @contextlib.contextmanager
    def _write_faults(self) -> Iterator[None]:
        """Turn SQLite, GDAL and OS failures of a write into one clear geoasset error."""
        try:
            yield
        except (
            sqlite3.Error,
            pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError,
            OSError,
        ) as exc:
            cause = fault_cause(exc)
            if cause == "locked by another program":
                raise self._foreign_lock_error() from exc
            raise InventoryWriteError(f"{self.path}: cannot write: {cause}") from exc

    def _foreign_lock_error(self) -> InventoryLockedError:
        return InventoryLockedError(
            f"{self.path}: another program is writing to the inventory (QGIS or GDAL "
            f"editing it?); waited {self.lock_timeout:g} s - save or stop editing there "
            "and try again"
        )

    def _wait_for_foreign_writer(self) -> None:
        """Wait up to ``lock_timeout`` for SQLite's write lock, then give it back."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc).lower():
                raise self._foreign_lock_error() from exc
            raise
        finally:
            con.close()

    def _stage(self, table: str, layer: str, frame: gpd.GeoDataFrame | pd.DataFrame):
        """Write ``frame`` to the new ``table``; return the ``(bounds, template)`` of the
        spatial index :meth:`_swap` builds, or None (GDAL's index, or no geometry)."""
        kwargs: dict = {}
        template = spec = None
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None:
                raise InventoryError(f"layer {layer!r}: data has no CRS; cannot store it")
            frame = frame.to_crs(STORE_CRS)
            spec = LAYERS.get(layer)
            if spec is not None:
                kwargs["geometry_type"] = spec.storage_geometry_type
                kwargs["promote_to_multi"] = spec.storage_geometry_type.startswith("Multi")
            elif len(frame) == 0:
                kwargs["geometry_type"] = "Unknown"
            else:
                inferred = _geometry_type(np.asarray(frame.geometry.values))
                if inferred is not None:
                    kwargs["geometry_type"] = inferred
            with contextlib.closing(self._connect()) as con:
                template = _index_template(con, layer, layer)
                if template is None and not _table_exists(con, layer):
                    template = _borrowed_template(con, layer)
            if template is not None:  # we pack the spatial index ourselves, at the swap
                kwargs.update(
                    SPATIAL_INDEX=False,
                    GEOMETRY_NAME=template.geometry_column,
                    FID=template.fid_column,
                )
        # A larger SQLite page cache while GDAL builds the table (and its R-tree, if GDAL
        # builds it) saves about a tenth of a million-row write; it is a limit, not an
        # allocation.
        with _gdal_config(OGR_SQLITE_CACHE=str(STAGING_CACHE_MB)):
            points = None
            if kwargs.get("geometry_type") == "Point":
                points = _point_table(frame)
            elif spec is None and "geometry_type" in kwargs:  # derived layers
                points = _arrow_table(frame, geometry_wkb)
            if points is not None:
                kwargs.pop("promote_to_multi", None)
                pyogrio.write_arrow(
                    points,
                    self.path,
                    layer=table,
                    driver="GPKG",
                    geometry_name="geometry",
                    crs=STORE_CRS,
                    **kwargs,
                )
            else:
                pyogrio.write_dataframe(
                    frame, self.path, layer=table, driver="GPKG", use_arrow=True, **kwargs
                )
        return None if template is None else (shapely.bounds(frame.geometry.values), template)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self.lock_timeout, isolation_level=None)

    def _swap(
        self,
        staged: Mapping[str, str],
        indexes: Mapping[str, tuple | None],
        batch: Batch,
        mode: str,
        before: Mapping[str, int],
        given: Mapping[str, int],
        versions: Mapping[str, history.VersionPlan] | None = None,
    ) -> None:
        versions = versions or {}
        now = _now()
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            for layer, table in staged.items():
                if layer in versions:  # before the old rows go: ended versions keep them
                    history.close_versions(con, versions[layer], batch, now)
                _drop_table(con, layer)
                _rename_table(con, table, layer)
                if indexes.get(layer) is not None:
                    _create_spatial_index(con, layer, *indexes[layer])
                if layer in versions:
                    history.insert_versions(con, versions[layer], batch, now)
                    history.install_edit_log(con, layer)
                _after_swap_hook(con, layer)
                replaced = before[layer] if mode == "replace" else 0
                con.execute(
                    f"INSERT INTO {HISTORY_TABLE} ({', '.join(_quote(c) for c in HISTORY_COLUMNS)}) "  # noqa: S608 (constant names)
                    "VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        batch.batch_id,
                        now,
                        _user(),
                        batch.command,
                        batch.source,
                        layer,
                        mode,
                        given[layer],
                        replaced,
                        int(batch.refused.get(layer, 0)),
                    ),
                )
            if versions:
                summary = {layer: plan.counts for layer, plan in versions.items()}
                history.record_batch(con, batch, now, _user(), summary)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _drop_stale_staging(self) -> None:
        stale = [n for n in self._layer_names() if n.startswith(STAGING_PREFIX)]
        if stale:
            with contextlib.closing(self._connect()) as con:
                con.execute("BEGIN IMMEDIATE")
                for table in stale:
                    _drop_table(con, table)
                con.execute("COMMIT")


def _data_layers(names: list[str]) -> list[str]:
    """The data layers among a GeoPackage's tables (no metadata, history or staging)."""
    internal = (META_TABLE, HISTORY_TABLE)
    return [n for n in names if n not in internal and not n.startswith(STAGING_PREFIX)]


# Called inside the swap transaction after each layer is renamed into place. Tests
# replace it to inject a failure (or a crash) in the middle of a write.
def _after_swap_hook(con: sqlite3.Connection, layer: str) -> None:
    return None


@contextlib.contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for the duration of a block."""
    previous = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _concat(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if isinstance(new, gpd.GeoDataFrame) and new.crs is not None:
        new = new.to_crs(STORE_CRS)
    frames = [f for f in (old, new) if len(f)]
    if not frames:
        return new
    out = pd.concat(frames, ignore_index=True)
    if isinstance(new, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=STORE_CRS)
    return out
