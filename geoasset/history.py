"""Asset history: every version of every asset row, on two clocks.

The inventory's layers hold the assets as they are now. Beside them, the table
``asset_versions`` keeps one row per version of each asset (keyed by layer and id):

=================  ===================================================================
``valid_from``      first day the version stands on the ground (ISO date; empty: not
                    known, since before the records)
``valid_to``        last day it stands there (empty: still standing); both ends count
``recorded_at``     when the inventory learnt it (UTC), with ``batch_id``
``superseded_at``   when the inventory stopped holding it, with ``superseded_by``
``change``          ``added``, ``moved``, ``changed``, ``moved+changed``, ``removed``
                    (a version closed by a removal), ``closed`` (a version closed by a
                    later one), ``deleted`` (a row deleted by another program: on no
                    ground day)
``attr_hash``,      a hash of the attributes (without the id, the chainage fields
``geom_hash``       computed by geoasset and ``surveyed_on``) and of the geometry,
                    where kept (empty: the hash of the layer's row)
``content``         the row as JSON once it is no longer the layer's row; empty while
                    the layer holds it
=================  ===================================================================

Rows are never edited except to close them (``superseded_at``/``superseded_by`` and the
archived ``content``): a move records the old version's end as a new row (``closed``)
recorded by the same batch, so the inventory "as recorded" at any instant is exactly the
rows recorded before it and superseded after it (:mod:`geoasset.history_read`).

Every store write of an inventory layer computes its versions here
(:func:`plan_versions`, vectorised: ids matched with an index, a hash per compared row)
and applies them in the swap transaction that replaces the layer, so a layer and its
history never disagree: :func:`close_versions` archives the ending rows before the old
table goes, :func:`insert_versions` records the new versions from the new table's own
rows in bulk SQL (a version is recorded without its hashes; they are computed from the
layer's row when it is next compared). The ``batches`` table records each batch once: kind, source files and their
SHA-256, officer, app, devices, ground date.

Edits made by other programs (QGIS, GDAL) are caught by triggers that copy the old row
into ``geoasset_edits_<layer>`` (:func:`install_edit_log`); see
:mod:`geoasset.history_outside`.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
...                          geometry=[Point(123.6, -10.17)], crs=4326)
>>> a, g = row_hashes(poles, "poles")
>>> b, h = row_hashes(poles.assign(owner="Telkom"), "poles")
>>> bool(a[0] == b[0]), bool(g[0] == h[0])
(False, True)
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoasset.gpkg_tables import _geometry_column, _quote, _table_exists
from geoasset.schema import INVENTORY_LAYERS, LAYERS, LayerSpec

__all__ = [
    "VERSIONS_TABLE",
    "BATCHES_TABLE",
    "VERSIONED_LAYERS",
    "row_hashes",
    "plan_versions",
    "date_field",
    "file_record",
]

VERSIONS_TABLE = "asset_versions"
BATCHES_TABLE = "batches"
EDITS_PREFIX = "geoasset_edits_"
TRIGGER_PREFIX = "geoasset_edit_"
VERSIONED_LAYERS = INVENTORY_LAYERS
#: key of the GeoPackage geometry blob (hex) in archived ``content``
GEOMETRY_KEY = "__gpkg_geometry__"

#: fields geoasset computes (chainage) or that record an observation, not the asset
_DERIVED = ("road_id", "sta_m", "sta", "offset_m", "side", "sta_from_m", "sta_to_m")
_OBSERVED = ("surveyed_on",)
#: the field holding the first day an asset stands on the ground, per layer
_DATE_FIELDS = {"poles": "surveyed_on", "utility_lines": "installed_on", "areas": "installed_on"}

_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (
        version_id INTEGER PRIMARY KEY,
        layer TEXT NOT NULL,
        asset_id TEXT NOT NULL,
        change TEXT NOT NULL,
        valid_from TEXT,
        valid_to TEXT,
        recorded_at TEXT NOT NULL,
        superseded_at TEXT,
        batch_id TEXT NOT NULL,
        superseded_by TEXT,
        attr_hash INTEGER,
        geom_hash INTEGER,
        content TEXT)""",
    f"""CREATE TABLE IF NOT EXISTS {BATCHES_TABLE} (
        batch_id TEXT PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        user TEXT,
        kind TEXT,
        command TEXT,
        ground_date TEXT,
        officer TEXT,
        app TEXT,
        devices TEXT,
        sources TEXT,
        meta TEXT,
        summary TEXT)""",
)


def ensure_tables(con: sqlite3.Connection) -> None:
    """Create the history tables if the inventory has none yet (inside a transaction)."""
    for sql in _SCHEMA:
        con.execute(sql)


def date_field(layer: str) -> str | None:
    """The field holding the first ground day of an asset of ``layer``, if any.

    >>> date_field("poles"), date_field("roads")
    ('surveyed_on', None)
    """
    return _DATE_FIELDS.get(layer)


def hashed_columns(columns, spec: LayerSpec) -> list[str]:
    """The columns of a layer frame that make up its attribute hash."""
    located = "sta" in spec.field_names or "sta_m" in spec.field_names
    skip = {spec.id_field, "fid", "geometry", "geom", "source_row", *_OBSERVED}
    if located:
        skip |= set(_DERIVED) - {spec.id_field}
    return sorted(str(c) for c in columns if str(c) not in skip)


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    text = str(value).strip()
    return text[:10] if text else None


def iso_dates(values) -> np.ndarray:
    """Dates of any stored form (date32, datetime, ISO text) as ISO text or None."""
    codes, uniques = pd.factorize(pd.Series(values).reset_index(drop=True), use_na_sentinel=True)
    table = np.array([*(_iso(v) for v in uniques), None], dtype=object)
    return table[codes]


def _column_hash(values: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(uint64 hash per row, True where the value is missing)."""
    values = values.reset_index(drop=True)
    if kind in ("int", "float"):
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(numbers)
        return pd.util.hash_array(np.where(missing, 0.0, numbers)), missing
    if kind == "date":
        text = iso_dates(values)
        missing = pd.isna(text)
        return pd.util.hash_array(np.where(missing, "", text).astype(object)), missing
    codes, uniques = pd.factorize(values)
    words = np.asarray([str(v).strip() for v in uniques], dtype=object)
    blank = np.asarray([w == "" for w in words], dtype=bool)
    hashed = pd.util.hash_array(words) if len(words) else np.zeros(0, dtype="uint64")
    hashed = np.concatenate([hashed, np.zeros(1, dtype="uint64")])
    blank = np.concatenate([blank, [True]])
    return hashed[codes], blank[codes]


@functools.cache  # a column name's weight never changes; hashing one costs 0.3 ms
def _name_weight(name: str) -> np.uint64:
    return np.uint64(int(pd.util.hash_array(np.array([name], dtype=object))[0]) | 1)


def geometry_hashes(geometries, spec: LayerSpec) -> np.ndarray:
    """A uint64 hash per geometry, as the GeoPackage stores it (2-D, multi where the
    layer is multi); 0 for a missing geometry."""
    geoms = np.asarray(geometries, dtype=object)
    out = np.zeros(len(geoms), dtype="uint64")
    present = ~shapely.is_missing(geoms)
    present[present] = ~shapely.is_empty(geoms[present])
    if not present.any():
        return out
    given = geoms[present]
    types = shapely.get_type_id(given)
    if (types == 0).all():
        xy = shapely.get_coordinates(given)
        with np.errstate(over="ignore"):
            out[present] = pd.util.hash_array(xy[:, 0]) * np.uint64(1000003) + pd.util.hash_array(
                xy[:, 1]
            )
        return out
    if spec.storage_geometry_type.startswith("Multi"):
        single = spec.storage_geometry_type.removeprefix("Multi")
        ids = {"Point": 0, "LineString": 1, "Polygon": 3}[single]
        make = {0: shapely.multipoints, 1: shapely.multilinestrings, 3: shapely.multipolygons}
        lone = np.flatnonzero(types == ids)
        if len(lone):
            given = given.copy()
            given[lone] = [make[ids]([g]) for g in given[lone]]
    wkb = shapely.to_wkb(shapely.force_2d(given), byte_order=1)
    out[present] = pd.util.hash_array(np.asarray(wkb, dtype=object))
    return out


def row_hashes(frame: pd.DataFrame, layer: str | LayerSpec) -> tuple[np.ndarray, np.ndarray]:
    """(attribute hash, geometry hash) per row, both int64, vectorised.

    The attribute hash covers every column but the id, ``surveyed_on`` (an observation)
    and the chainage fields geoasset computes; a missing value adds nothing, so a
    column that is all empty (added in QGIS, say) changes no hash. Numbers hash as
    floats, dates as ISO text, so a value reads back from the file with the same hash.
    """
    spec = layer if isinstance(layer, LayerSpec) else LAYERS[layer]
    n = len(frame)
    total = np.zeros(n, dtype="uint64")
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    columns = [c for c in frame.columns if c != geometry_name]
    kinds = {f.name: f.type for f in spec.fields}
    with np.errstate(over="ignore"):
        for name in hashed_columns(columns, spec):
            hashed, missing = _column_hash(frame[name], kinds.get(name, "str"))
            total += np.where(missing, np.uint64(0), hashed * _name_weight(name))
    if geometry_name is not None:
        geoms = geometry_hashes(frame.geometry.values, spec)
    else:
        geoms = np.zeros(n, dtype="uint64")
    return total.view("int64"), geoms.view("int64")


@dataclass
class VersionPlan:
    """The versions one write makes in one layer, staged for :func:`apply_versions`.

    ``rows``: one row per operation: ``op`` ``insert`` (a new version: ``asset_id``,
    hashes, ``valid_from``, ``change``) or ``close`` (the live version ``version_id`` ends:
    ``old_fid`` is its row in the layer being replaced, ``valid_to`` its last ground day,
    ``change`` ``closed`` or ``removed``).
    """

    layer: str
    rows: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    ids_ignored: int = 0
    ground: str | None = None  # the batch's ground date
    every_row: bool = False  # every row of the layer is a new version

    @property
    def empty(self) -> bool:
        return len(self.rows) == 0


_PLAN_COLUMNS = {
    "op": "str",
    "version_id": "int64",
    "old_fid": "int64",
    "pos": "int64",
    "asset_id": "str",
    "attr_hash": "Int64",
    "geom_hash": "Int64",
    "valid_from": "str",
    "valid_to": "str",
    "change": "str",
}


def live_versions(con: sqlite3.Connection, layer: str, only=None) -> pd.DataFrame:
    """The versions the layer's rows are (live), with their hashes and ground start;
    ``only`` limits them to those asset ids."""
    if not _table_exists(con, VERSIONS_TABLE):
        rows: list = []
    else:
        sql = (
            f"SELECT version_id, asset_id, attr_hash, geom_hash, valid_from FROM {VERSIONS_TABLE} "  # noqa: S608
            "WHERE layer = ? AND superseded_at IS NULL AND content IS NULL"
        )
        params: list = [layer]
        if only is not None:
            sql += " AND asset_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(only)))
        rows = con.execute(sql, params).fetchall()
    frame = pd.DataFrame(
        rows, columns=["version_id", "asset_id", "attr_hash", "geom_hash", "valid_from"]
    )
    return frame.astype({"version_id": "int64", "attr_hash": "Int64", "geom_hash": "Int64"})


def _text_ids(values) -> pd.Series:
    ids = pd.Series(values).reset_index(drop=True).astype("str").str.strip()
    return ids.where(ids.notna() & (ids != ""))


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def plan_versions(
    inventory,
    layer: str,
    frame: pd.DataFrame,
    batch,
    *,
    today: str,
    touched=None,
    previous: pd.DataFrame | None = None,
) -> VersionPlan | None:
    """The versions that writing ``frame`` as the whole of ``layer`` makes.

    New ids are ``added`` (ground start: the row's date field, else the batch's ground
    date); rows that differ from their live version are ``moved``/``changed`` from the
    batch's ground date (else ``today``), the old version closed the day before; live ids
    missing from ``frame`` are ``removed``, their last ground day taken from
    ``batch.ended_on`` (else the day before the ground date). Rows without an id, and
    repeats of an id, are not versioned. ``touched`` (or ``batch.touched[layer]``): the
    ids the writer added, changed or removed; only those are compared. ``previous``: the
    stored rows the writer read under the lock (else they are read when needed).

    A live version's hashes are computed when it is compared; new versions are recorded
    without them (the row they describe is the layer's own), so a first import of a
    million rows costs one SQL statement here.
    """
    spec = LAYERS.get(layer)
    if layer not in VERSIONED_LAYERS or spec is None or spec.id_field not in frame.columns:
        return None
    import contextlib

    if touched is None:
        touched = (getattr(batch, "touched", None) or {}).get(layer)
    if touched is not None and not _has_versions(inventory, layer):
        touched = None  # a layer without history yet: every row starts one
    positions = np.arange(len(frame))
    if touched is not None:
        touched = {str(t) for t in touched}
        keep = _text_ids(frame[spec.id_field]).isin(touched).to_numpy()
        frame, positions = frame[keep], positions[keep]
    with contextlib.closing(inventory._connect()) as con:
        live = live_versions(con, layer, only=touched)
    ids = _text_ids(frame[spec.id_field])
    usable = (ids.notna() & ~ids.duplicated(keep="first")).to_numpy()
    ground = getattr(batch, "ground_date", None) or None
    start = ground or today
    ended = getattr(batch, "ended_on", {}).get(layer, {})
    position = pd.Index(live["asset_id"]).get_indexer(ids.where(usable))
    position[~usable] = -2
    new = position == -1
    matched = np.flatnonzero(position >= 0)
    at = position[matched]
    labels = np.zeros(0, dtype=object)
    changed_rows = changed_at = np.zeros(0, dtype=int)
    if len(matched):
        attr, geom = row_hashes(frame.iloc[matched], spec)
        old_attr, old_geom = _live_hashes(inventory, spec, live.iloc[at], previous)
        attr_diff, geom_diff = old_attr != attr, old_geom != geom
        differ = attr_diff | geom_diff
        changed_rows, changed_at = matched[differ], at[differ]
        labels = np.where(
            attr_diff & geom_diff, "moved+changed", np.where(geom_diff, "moved", "changed")
        )[differ]
    present = np.zeros(len(live), dtype=bool)
    present[at] = True
    removed_at = np.flatnonzero(~present)

    parts = [_inserting(ids, positions, np.flatnonzero(new), "added", None)]
    ending = np.concatenate([changed_at, removed_at])
    old_fids = (
        _old_fids(inventory, spec, live["asset_id"].to_numpy()[ending]) if len(ending) else {}
    )
    if len(changed_rows):
        for label in ("moved", "changed", "moved+changed"):
            rows = changed_rows[labels == label]
            if len(rows):
                parts.append(_inserting(ids, positions, rows, label, start))
        parts.append(_closing(live.iloc[changed_at], old_fids, _day_before(start), "closed"))
    if len(removed_at):
        gone = live.iloc[removed_at]
        last = [ended.get(a) or _day_before(start) for a in gone["asset_id"]]
        parts.append(_closing(gone, old_fids, last, "removed"))
    rows = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    rows = rows.astype(_PLAN_COLUMNS)
    counts = {
        "added": int(new.sum()),
        "moved": int((labels == "moved").sum()),
        "changed": int((labels == "changed").sum()),
        "moved+changed": int((labels == "moved+changed").sum()),
        "removed": len(removed_at),
    }
    plan = VersionPlan(layer, rows, counts, ids_ignored=int((~usable).sum()))
    plan.ground = ground
    plan.every_row = bool(touched is None and new.all() and usable.all())
    return plan


def _has_versions(inventory, layer: str) -> bool:
    import contextlib

    with contextlib.closing(inventory._connect()) as con:
        if not _table_exists(con, VERSIONS_TABLE):
            return False
        found = con.execute(
            f"SELECT 1 FROM {VERSIONS_TABLE} WHERE layer = ? LIMIT 1",  # noqa: S608
            (layer,),
        ).fetchone()
        return found is not None


def _inserting(ids, positions, picked, change: str, valid_from) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "op": "insert",
            "version_id": -1,
            "old_fid": -1,
            "pos": positions[picked],
            "asset_id": ids.to_numpy(dtype=object)[picked],
            "attr_hash": None,
            "geom_hash": None,
            "valid_from": valid_from,
            "valid_to": None,
            "change": change,
        }
    )


def _live_hashes(inventory, spec: LayerSpec, live: pd.DataFrame, previous):
    """The stored hashes of live versions; where none is stored, the hashes of the
    layer's row (unchanged since: other programs' edits are recorded first)."""
    known = (live["attr_hash"].notna() & live["geom_hash"].notna()).to_numpy()
    out_attr = np.zeros(len(live), dtype="int64")
    out_geom = np.zeros(len(live), dtype="int64")
    out_attr[known] = live["attr_hash"].to_numpy()[known].astype("int64")
    out_geom[known] = live["geom_hash"].to_numpy()[known].astype("int64")
    if (~known).any():
        rows = previous if previous is not None else inventory.read(spec.name)
        stored = _text_ids(rows[spec.id_field])
        first = ~stored.duplicated(keep="first").to_numpy()
        index = pd.Index(stored[first])
        at = index.get_indexer(live["asset_id"].to_numpy(dtype=object)[~known])
        picked = np.flatnonzero(first)[np.maximum(at, 0)]
        a, g = row_hashes(rows.iloc[picked], spec)
        a[at < 0], g[at < 0] = 0, 0
        out_attr[~known], out_geom[~known] = a, g
    return out_attr, out_geom


def _closing(live: pd.DataFrame, old_fids: dict, last, change: str) -> pd.DataFrame:
    fids = [old_fids.get(a, -1) for a in live["asset_id"]]
    return pd.DataFrame(
        {
            "op": "close",
            "version_id": live["version_id"].to_numpy(),
            "old_fid": fids,
            "pos": -1,
            "asset_id": live["asset_id"].to_numpy(dtype=object),
            "attr_hash": live["attr_hash"].to_numpy(),
            "geom_hash": live["geom_hash"].to_numpy(),
            "valid_from": None,
            "valid_to": last,
            "change": change,
        }
    )


def _old_fids(inventory, spec: LayerSpec, ids) -> dict[str, int]:
    """Row ids (fid) in the stored layer of the given asset ids (one SQLite scan)."""
    import contextlib

    with contextlib.closing(inventory._connect()) as con:
        if not _table_exists(con, spec.name):
            return {}
        keys = [r[1] for r in con.execute(f"PRAGMA table_info({_quote(spec.name)})") if r[5]]
        fid = _quote(keys[0] if keys else "rowid")
        rows = con.execute(
            f"SELECT {fid}, {_quote(spec.id_field)} FROM {_quote(spec.name)} "  # noqa: S608
            f"WHERE {_quote(spec.id_field)} IN (SELECT value FROM json_each(?)) ORDER BY {fid}",
            (json.dumps([str(i) for i in pd.unique(pd.Series(ids, dtype=object))]),),
        ).fetchall()
    return {str(a).strip(): int(f) for f, a in rows}


def content_sql(con: sqlite3.Connection, layer: str, alias: str = "o") -> str:
    """SQL giving a row of ``layer`` as a JSON object (geometry as its GeoPackage blob in
    hex), built from the table's own columns; long rows are patched together from
    several ``json_object`` calls (SQLite takes at most 127 arguments)."""
    geometry = _geometry_column(con, layer)  # noqa: F821
    columns = [row[1] for row in con.execute(f"PRAGMA table_info({_quote(layer)})")]
    pairs = []
    for name in columns:
        value = f"{alias}.{_quote(name)}"
        if name == geometry:
            pairs.append(f"'{GEOMETRY_KEY}', hex({value})")
        else:
            pairs.append("'" + name.replace("'", "''") + f"', {value}")
    chunks = [pairs[i : i + 60] for i in range(0, len(pairs), 60)] or [[]]
    sql = f"json_object({', '.join(chunks[0])})"
    for chunk in chunks[1:]:
        sql = f"json_patch({sql}, json_object({', '.join(chunk)}))"
    return sql


def close_versions(con: sqlite3.Connection, plan: VersionPlan, batch, now: str) -> None:
    """In the swap transaction, before the old layer is dropped: the live versions the
    plan ends are closed (their row archived as JSON) and their end recorded as a new row."""
    ensure_tables(con)
    closing = plan.rows[plan.rows["op"] == "close"]
    if not len(closing) or not _table_exists(con, plan.layer):
        return
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS geoasset_closing (version_id INTEGER PRIMARY KEY, "
        "old_fid INTEGER, valid_to TEXT, change TEXT)"
    )
    con.execute("DELETE FROM temp.geoasset_closing")
    con.executemany(
        "INSERT INTO temp.geoasset_closing VALUES (?,?,?,?)",
        zip(
            closing["version_id"].tolist(),
            closing["old_fid"].tolist(),
            closing["valid_to"].astype(object).where(closing["valid_to"].notna(), None).tolist(),
            closing["change"].tolist(),
            strict=True,
        ),
    )
    v, content = VERSIONS_TABLE, content_sql(con, plan.layer)
    key = [r[1] for r in con.execute(f"PRAGMA table_info({_quote(plan.layer)})") if r[5]]
    fid = _quote(key[0] if key else "rowid")
    con.execute(
        f"UPDATE {v} SET superseded_at = ?, superseded_by = ?, "  # noqa: S608
        f"content = (SELECT {content} FROM {_quote(plan.layer)} o WHERE o.{fid} = c.old_fid) "
        f"FROM temp.geoasset_closing c WHERE {v}.version_id = c.version_id",
        (now, batch.batch_id),
    )
    con.execute(
        f"INSERT INTO {v} (layer, asset_id, change, valid_from, valid_to, recorded_at, "  # noqa: S608
        "batch_id, attr_hash, geom_hash, content) "
        "SELECT a.layer, a.asset_id, c.change, a.valid_from, c.valid_to, ?, ?, a.attr_hash, "
        f"a.geom_hash, a.content FROM temp.geoasset_closing c JOIN {v} a "
        "ON a.version_id = c.version_id ORDER BY c.version_id",
        (now, batch.batch_id),
    )
    con.execute("DELETE FROM temp.geoasset_closing")


def insert_versions(con: sqlite3.Connection, plan: VersionPlan, batch, now: str) -> None:
    """In the swap transaction, once the new layer is in place: its new versions, read
    from the layer's own rows in one SQL statement per kind of change."""
    ensure_tables(con)
    layer = plan.layer
    inserts = plan.rows[plan.rows["op"] == "insert"]
    if not len(inserts):
        return
    spec = LAYERS[layer]
    info = list(con.execute(f"PRAGMA table_info({_quote(layer)})"))
    columns = [r[1] for r in info]
    key = [r[1] for r in info if r[5]]
    fid = _quote(key[0] if key else "rowid")
    count, first, last = con.execute(
        f"SELECT count(*), min({fid}), max({fid}) FROM {_quote(layer)}"  # noqa: S608
    ).fetchone()
    in_order = first == 1 and last == count  # rows numbered 1.. in the frame's order
    dates = date_field(layer)
    ident = f"trim(CAST(s.{_quote(spec.id_field)} AS TEXT))"
    for (change, valid_from), group in inserts.groupby(
        [inserts["change"], inserts["valid_from"].fillna("")], sort=False
    ):
        if change == "added" and dates in columns:
            start_sql = f"COALESCE(substr(s.{_quote(dates)}, 1, 10), ?)"
            start = plan.ground
        elif change == "added":
            start_sql, start = "?", plan.ground
        else:
            start_sql, start = "?", valid_from or None
        if in_order and plan.every_row and len(group) == count:
            where, params = "", []
        elif in_order:
            where = f" WHERE s.{fid} IN (SELECT value FROM json_each(?))"  # noqa: S608
            params = [json.dumps((group["pos"].to_numpy() + 1).tolist())]
        else:
            where = f" WHERE {ident} IN (SELECT value FROM json_each(?))"  # noqa: S608
            params = [json.dumps(group["asset_id"].astype(str).tolist())]
        con.execute(
            f"INSERT INTO {VERSIONS_TABLE} (layer, asset_id, change, valid_from, recorded_at, "  # noqa: S608
            f"batch_id) SELECT ?, {ident}, ?, {start_sql}, ?, ? FROM {_quote(layer)} s"
            f"{where} ORDER BY s.{fid}",
            [layer, change, start, now, batch.batch_id, *params],
        )


def record_batch(
    con: sqlite3.Connection, batch, now: str, user: str, summary: dict[str, dict[str, int]]
) -> None:
    """One row in ``batches`` for ``batch`` (its metadata and the changes per layer)."""
    ensure_tables(con)
    meta = dict(getattr(batch, "meta", {}) or {})
    sources = meta.pop("sources", [])
    con.execute(
        f"INSERT OR REPLACE INTO {BATCHES_TABLE} (batch_id, recorded_at, user, kind, command, "  # noqa: S608
        "ground_date, officer, app, devices, sources, meta, summary) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            batch.batch_id,
            now,
            user,
            getattr(batch, "kind", "") or batch.command,
            batch.command,
            getattr(batch, "ground_date", None),
            meta.pop("officer", None),
            meta.pop("app", None),
            meta.pop("devices", None),
            json.dumps(sources, ensure_ascii=False),
            json.dumps(meta, ensure_ascii=False, default=str),
            json.dumps(summary),
        ),
    )


def install_edit_log(con: sqlite3.Connection, layer: str) -> None:
    """Triggers on ``layer`` that copy each row another program updates or deletes (and
    the id of each row it inserts) into ``geoasset_edits_<layer>``.

    Plain SQL (no JSON functions), so every SQLite that edits the file runs them.
    """
    columns = [row[1] for row in con.execute(f"PRAGMA table_info({_quote(layer)})")]
    log = EDITS_PREFIX + layer
    wanted = ["seq", "op", "row_fid", *columns]
    if _table_exists(con, log):
        have = [row[1] for row in con.execute(f"PRAGMA table_info({_quote(log)})")]
        if have != wanted:
            con.execute(f"DROP TABLE {_quote(log)}")
    quoted = ", ".join(_quote(c) for c in columns)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {_quote(log)} (seq INTEGER PRIMARY KEY, op TEXT, "
        f"row_fid INTEGER, {quoted})"
    )
    key = [row[1] for row in con.execute(f"PRAGMA table_info({_quote(layer)})") if row[5]]
    fid = _quote(key[0] if key else "rowid")
    old = ", ".join(f"OLD.{_quote(c)}" for c in columns)
    for op, when, values in (
        ("update", "AFTER UPDATE", f"'update', OLD.{fid}, {old}"),
        ("delete", "AFTER DELETE", f"'delete', OLD.{fid}, {old}"),
    ):
        name = _quote(f"{TRIGGER_PREFIX}{layer}_{op}")
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
        con.execute(
            f"CREATE TRIGGER {name} {when} ON {_quote(layer)} BEGIN "  # noqa: S608
            f"INSERT INTO {_quote(log)} (op, row_fid, {quoted}) VALUES ({values}); END"
        )
    name = _quote(f"{TRIGGER_PREFIX}{layer}_insert")
    con.execute(f"DROP TRIGGER IF EXISTS {name}")
    con.execute(
        f"CREATE TRIGGER {name} AFTER INSERT ON {_quote(layer)} BEGIN "  # noqa: S608
        f"INSERT INTO {_quote(log)} (op, row_fid) VALUES ('insert', NEW.{fid}); END"
    )


def file_record(path: str | os.PathLike) -> dict[str, object]:
    """``{"file", "sha256", "bytes"}`` of a source file, for the batch record.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> _ = open(p, "w").write("x")
    >>> file_record(p)["sha256"][:12]
    '2d711642b726'
    """
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in files:  # a folder (a partitioned dataset): its files' names and bytes
        if item != path:
            digest.update(item.relative_to(path).as_posix().encode("utf-8") + b"\0")
        with open(item, "rb") as handle:
            for block in iter(lambda handle=handle: handle.read(1 << 20), b""):
                digest.update(block)
    size = sum(item.stat().st_size for item in files)
    return {"file": path.name, "sha256": digest.hexdigest(), "bytes": size}
