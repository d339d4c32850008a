"""Read field files and import them into an inventory layer, explaining every refused row.

Formats: CSV and XLSX with coordinate columns (decimal degrees or degrees-minutes-seconds
text, see :mod:`geoasset.coords`) or a WKT column, GeoJSON, shapefile (also zipped), KML
and KMZ (GDAL's LIBKML driver), GPX and GeoPackage. :func:`read_source` turns a file into
a GeoDataFrame in EPSG:4326 with a 1-based ``source_row`` per row; :func:`import_layer`
maps its columns to the layer's fields, validates every row
(:func:`geoasset.validate.validate_layer`), writes the valid rows through the store in one
atomic batch and the refused rows, with their original values and every reason, to a
rejects CSV.

Raw OpenStreetMap roads (a ``highway`` column, or ``TYPE`` in older extracts) are
recognised: :mod:`geoasset.osm` fills ``road_class``, ``function`` and ``status`` from
the documented ``highway`` mapping, ids come from ``osm_id`` where present, and ways
that are not roads are refused with the reason (see ``osm`` in :func:`import_layer`).

Row numbers count data rows from 1, the header excluded (row 1 of a CSV is its second
line); for vector files they count features in file order.

Examples
--------
>>> import os, tempfile
>>> from geoasset.store import create_inventory
>>> folder = tempfile.mkdtemp()
>>> inv = create_inventory(os.path.join(folder, "kupang.gpkg"))
>>> csv = os.path.join(folder, "tiang.csv")
>>> with open(csv, "w", encoding="utf-8") as f:
...     _ = f.write("ID;Pemilik;Tinggi (m);Lintang;Bujur\\n"
...                 "T1;PLN;9;-10,1702;123,6010\\n"
...                 "T2;;9;10°10'12\\"LS;123°36'04\\"BT\\n")
>>> report = import_layer(inv.path, "poles", csv)
>>> report.rows_written, report.rows_refused
(1, 1)
>>> print(report.problems[0])
row 2 field 'owner': required value is empty
>>> os.path.basename(report.rejects_path)
'tiang.poles.rejects.csv'
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoasset.bulk import cycle_collector_paused
from geoasset.column_mapping import (  # noqa: F401 (kept importable from here)
    _ID_NAMES,
    _RESERVED,
    SYNONYMS,
    _check_mapping,
    _find_column,
    _norm,
    map_columns,
)
from geoasset.errors import (
    GeoassetError,
    LayerNotEmptyError,
    SchemaError,
    SourceError,
    ValidationProblem,
    fault_cause,
)
from geoasset.osm import (
    MAPPED_FIELDS,
    HighwayClass,
    OsmSummary,
    classify,
    exclusion_message,
    highway_column,
    id_column,
    osm_classes,
    osm_road_id,
)
from geoasset.schema import LayerSpec, layer_spec
from geoasset.sources import (  # noqa: F401 (kept importable from here)
    _GEOMETRY_WKT,
    EXCEL_SUFFIXES,
    LAT_NAMES,
    LON_NAMES,
    TABLE_SUFFIXES,
    WKT_NAMES,
    _read,
    _Source,
    read_source,
)
from geoasset.store import WRITE_MODES, Batch, Inventory, open_inventory
from geoasset.text import neutralise_frame
from geoasset.validate import REASON_COLUMN, ROW_COLUMN, assign_ids, validate_layer

__all__ = [
    "LAT_NAMES",
    "LON_NAMES",
    "WKT_NAMES",
    "SYNONYMS",
    "ImportReport",
    "read_source",
    "map_columns",
    "import_layer",
    "default_rejects_path",
]

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What :func:`import_layer` did.

    ``problems`` holds every problem of every refused row (a row may have several);
    ``rejects_path`` is ``None`` when no row was refused.
    """

    source: str
    layer: str
    rows_read: int
    rows_written: int
    rows_refused: int
    rejects_path: Path | None
    problems: list[ValidationProblem] = field(default_factory=list)
    ids_assigned: int = 0
    encoding: str | None = None
    osm: OsmSummary | None = None

    def summary(self) -> str:
        """One line for a log: what went where."""
        text = (
            f"{Path(self.source).name} -> {self.layer}: {self.rows_read} rows read, "
            f"{self.rows_written} written, {self.rows_refused} refused"
        )
        if self.osm is not None and self.osm.excluded:
            text += f" ({self.osm.excluded} not taken as roads by the OSM highway mapping)"
        if self.ids_assigned:
            text += f", {self.ids_assigned} ids assigned"
        return text


# -- import ----------------------------------------------------------------------


def default_rejects_path(
    inventory: str | os.PathLike, source: str | os.PathLike, layer: str
) -> Path:
    """``<inventory folder>/<source stem>.<layer>.rejects.csv``.

    Examples
    --------
    >>> default_rejects_path("data/kupang.gpkg", "field/tiang.xlsx", "poles").as_posix()
    'data/tiang.poles.rejects.csv'
    """
    return Path(inventory).parent / f"{Path(source).stem}.{layer}.rejects.csv"


def _conform_geometry(geometry: np.ndarray, spec: LayerSpec) -> np.ndarray:
    """Single-part multi geometries as simple ones where the layer takes only simple ones."""
    geometry = np.array(geometry, dtype=object)
    types = shapely.get_type_id(geometry)
    for multi_id, single in ((4, "Point"), (5, "LineString"), (6, "Polygon")):
        if single not in spec.geometry_types or f"Multi{single}" in spec.geometry_types:
            continue
        multi = np.flatnonzero(types == multi_id)
        if not len(multi):
            continue
        if single == "LineString":
            merged = shapely.line_merge(geometry[multi])
            simple = shapely.get_type_id(merged) == 1
            geometry[multi[simple]] = merged[simple]
        else:
            one = shapely.get_num_geometries(geometry[multi]) == 1
            geometry[multi[one]] = shapely.get_geometry(geometry[multi[one]], 0)
    return geometry


@cycle_collector_paused()
def import_layer(
    inventory_path: str | os.PathLike | Inventory,
    layer: str,
    source: str | os.PathLike,
    *,
    mapping: Mapping[str, str] | None = None,
    x: str | None = None,
    y: str | None = None,
    crs=None,
    mode: str = "create",
    strict: bool = False,
    fix: bool = False,
    rejects_path: str | os.PathLike | None = None,
    source_layer: str | None = None,
    encoding: str | None = None,
    osm: bool | None = None,
    osm_classes_file: str | os.PathLike | Mapping[str, HighwayClass] | None = None,
) -> ImportReport:
    """Import a field file into an inventory layer.

    Every row is checked against the layer's specification; valid rows get an id where
    they have none (:func:`~geoasset.validate.assign_ids`) and are written in one atomic
    batch (recorded in the inventory's history), refused rows go to a rejects CSV with
    their original values, ``source_row`` and ``reject_reason``.

    Parameters
    ----------
    inventory_path
        The inventory GeoPackage (or an :class:`~geoasset.store.Inventory`).
    layer
        Inventory layer to fill, e.g. ``"poles"``.
    source
        The field file; see :func:`read_source` for formats, ``source_layer``, ``x``,
        ``y``, ``crs`` and ``encoding``.
    mapping
        Source column -> field, for columns whose names are not recognised.
    mode
        ``"create"`` (the layer must be empty), ``"append"`` or ``"replace"``.
    strict
        Write nothing if any row is refused; raise :class:`~geoasset.errors.SchemaError`
        listing every problem.
    fix
        Repair invalid geometries with ``shapely.make_valid`` instead of refusing them.
    rejects_path
        Where to write refused rows (only written when a row is refused); default
        :func:`default_rejects_path`.
    osm
        Roads only: apply the OpenStreetMap ``highway`` mapping (:mod:`geoasset.osm`).
        ``None`` (default): when the file has a ``highway`` column (or a ``TYPE`` column
        of highway values) and no ``road_class`` column of its own. The mapping fills
        ``road_class``, ``function``, ``status`` and ``network``; ways it does not take
        as roads (footways, ...) are refused with the reason; an ``osm_id``/``id``
        column becomes ``road_id`` ``OSM-<id>``. ``False`` never applies it.
    osm_classes_file
        Override file of the mapping (or ``highway`` -> :class:`~geoasset.osm.HighwayClass`);
        implies ``osm``.

    Returns
    -------
    ImportReport

    Raises
    ------
    LayerNotEmptyError
        ``mode="create"`` and the layer already has rows (nothing is written).
    SourceError, CRSError, SchemaError
        The file cannot be read, a required column is missing, ``strict`` and a row
        was refused, or the OSM override file has problems.
    """
    spec = layer_spec(layer)
    if mode not in WRITE_MODES:
        raise ValueError(f"mode must be one of {', '.join(WRITE_MODES)}, not {mode!r}")
    wants_osm = osm is True or osm_classes_file is not None
    if osm is False and osm_classes_file is not None:
        raise ValueError("osm=False and an OSM classes file contradict each other")
    if wants_osm and spec.name != "roads":
        raise SourceError(
            f"{source}: the OpenStreetMap highway mapping applies to the roads layer, not {layer!r}"
        )
    classes = osm_classes(osm_classes_file) if spec.name == "roads" and osm is not False else None
    if isinstance(inventory_path, Inventory):
        inv = inventory_path
        inv.check()
    else:
        inv = open_inventory(inventory_path)
    source = Path(source)
    mapping = _check_mapping(mapping, spec, source.name)
    existing_rows = inv.count(layer)
    if mode == "create" and existing_rows:
        raise LayerNotEmptyError(
            f"{inv.path}: layer {layer!r} already has {existing_rows} rows; use append or overwrite"
        )
    rejects = (
        Path(rejects_path)
        if rejects_path is not None
        else default_rejects_path(inv.path, source, layer)
    )
    if not rejects.parent.is_dir():
        raise GeoassetError(f"{rejects}: folder {rejects.parent} does not exist")

    src = _read(
        source,
        spec=spec,
        source_layer=source_layer,
        x=x,
        y=y,
        crs=crs,
        encoding=encoding,
    )
    raw = src.frame
    geometry_name = raw.geometry.name
    attributes = [c for c in raw.columns if c not in (geometry_name, ROW_COLUMN, *src.consumed)]
    renames = map_columns(attributes, spec, mapping=mapping, source=src.name)
    _require_columns(src, spec, renames, attributes)
    frame = raw[[*attributes, geometry_name]].rename(columns=renames)
    frame = frame.set_geometry(_conform_geometry(raw.geometry.values, spec), crs=raw.crs)
    rows = raw[ROW_COLUMN].to_numpy()
    osm_summary, osm_problems = None, []
    if classes is not None:
        found = _osm_source(src, attributes, renames, classes, forced=wants_osm)
        if found is not None:
            column, id_col = found
            label = "built-in" if osm_classes_file is None else _mapping_label(osm_classes_file)
            frame, keep, osm_summary, osm_problems = _apply_osm(
                src, frame, renames, classes, column, id_col, label
            )
            rows = rows[keep]

    # From the id check to the swap under the write lock: two imports at once never
    # store the same id twice.
    with inv.transaction():
        return _check_and_write(
            inv, spec, src, source, frame, rows, osm_problems, osm_summary,
            mode=mode, strict=strict, fix=fix, rejects=rejects,
        )  # fmt: skip


def _check_and_write(
    inv: Inventory,
    spec: LayerSpec,
    src: _Source,
    source: Path,
    frame: gpd.GeoDataFrame,
    rows: np.ndarray,
    osm_problems: list[ValidationProblem],
    osm_summary,
    *,
    mode: str,
    strict: bool,
    fix: bool,
    rejects: Path,
) -> ImportReport:
    """The part of :func:`import_layer` that runs under the inventory's write lock:
    duplicate ids against the stored layer, id assignment, rejects file, write."""
    layer = spec.name
    raw = src.frame
    existing_rows = inv.count(layer)
    if mode == "create" and existing_rows:
        raise LayerNotEmptyError(
            f"{inv.path}: layer {layer!r} already has {existing_rows} rows; use append or overwrite"
        )
    existing_ids: list[str] = []
    if mode == "append" and existing_rows:
        ids = inv.read(layer, columns=[spec.id_field])[spec.id_field]
        existing_ids = ids.dropna().astype("str").tolist()
    try:
        result = validate_layer(
            frame, spec, source=src.name, row_numbers=rows, existing_ids=existing_ids, fix=fix
        )
    except shapely.errors.GEOSException as exc:  # e.g. --fix on a NaN coordinate
        raise SourceError(
            f"{src.name}: a geometry cannot be checked or repaired ({exc}); "
            "is a coordinate not a number?"
        ) from exc
    coordinate_rows = {p.row for p in src.problems}
    problems = sorted(
        [
            *src.problems,
            *osm_problems,
            *(
                p
                for p in result.problems
                if not (p.field == "geometry" and p.row in coordinate_rows)
            ),
        ],
        key=lambda p: p.row or 0,
    )
    refused_rows = {p.row for p in problems}
    if strict and problems:
        raise SchemaError(src.name, problems)

    valid = result.valid
    if "photo" in valid.columns:
        valid["photo"] = rebase_photo_paths(valid["photo"], source=source, inventory=inv.path)
    missing_ids = int(valid[spec.id_field].isna().sum())
    valid = assign_ids(valid, spec, existing_ids=existing_ids)
    report = ImportReport(
        source=str(source),
        layer=layer,
        rows_read=len(raw),
        rows_written=len(valid),
        rows_refused=len(refused_rows),
        rejects_path=None,
        problems=problems,
        ids_assigned=missing_ids,
        encoding=src.encoding,
        osm=osm_summary,
    )
    if len(valid) + len(refused_rows) != len(raw):  # a broken invariant, not a user error
        raise RuntimeError(
            f"{src.name}: {len(raw)} rows read but {len(valid)} valid + {len(refused_rows)} refused"
        )
    if refused_rows:  # before the rows are committed: no import without its rejects
        _write_rejects(rejects, src, problems, refused_rows)
        report.rejects_path = rejects
    if len(valid) and mode == "append" and existing_rows:
        valid = _dates_as_stored(inv, spec, valid)
    if len(valid):
        batch = Batch(
            command="import",
            source=source.name,
            refused={layer: len(refused_rows)},
            kind="import",
            meta=_batch_meta(source, src),
        )
        inv.write({layer: valid}, batch=batch, mode=mode)
    logger.info("%s", report.summary())
    return report


def _batch_meta(source: Path, src: _Source) -> dict:
    """What the ``batches`` table keeps of an import: the file and its SHA-256, and the
    survey app's summary (app, devices, submitters, submission times) when an app wrote it."""
    from geoasset.history import file_record

    meta: dict = {"sources": [file_record(source)]}
    if src.app is not None:
        meta.update(src.app.meta)
        if src.app.meta.get("surveyors"):
            meta["officer"] = src.app.meta["surveyors"]
        if src.app.app_columns:
            meta["app_columns"] = ", ".join(map(str, src.app.app_columns))
    return meta


def _dates_as_stored(inv: Inventory, spec: LayerSpec, valid: gpd.GeoDataFrame):
    """Dates as ISO text where the stored layer keeps them as TEXT (an inventory made
    before dates were DATE columns), so appended rows match the rows already there."""
    info = pyogrio.read_info(inv.path, layer=spec.name)
    stored = dict(zip(info["fields"], info["dtypes"], strict=True))
    for f in spec.fields:
        if f.type == "date" and f.name in valid and stored.get(f.name) == "object":
            dates = valid[f.name]
            valid[f.name] = dates.astype("str").where(dates.notna(), None).astype("str")
    return valid


def _mapping_label(value) -> str:
    return Path(value).name if isinstance(value, (str, os.PathLike)) else "the given mapping"


def _osm_source(
    src: _Source,
    attributes: list[str],
    renames: Mapping[str, str],
    classes: Mapping[str, HighwayClass],
    *,
    forced: bool,
) -> tuple[str, str | None] | None:
    """(highway column, id column) when the OSM mapping applies to this roads file."""
    column = highway_column(src.frame, attributes, classes)
    own = [c for c, target in renames.items() if target == "road_class"]
    if column is None:
        if forced:
            raise SourceError(
                f"{src.path}: no OpenStreetMap highway column (looked for 'highway', or "
                f"'type' holding highway values); columns found: {', '.join(attributes)}"
            )
        return None
    if own:
        if forced:
            raise SourceError(
                f"{src.path}: has its own road_class column {own[0]!r} besides the OSM "
                f"highway column {column!r}; import it without the OSM mapping, or rename "
                "that column to use the mapping"
            )
        logger.info(
            "%s: has a road_class column (%r); the OSM highway mapping is not applied",
            src.name,
            own[0],
        )
        return None
    return column, id_column(attributes)


def _apply_osm(
    src: _Source,
    frame: gpd.GeoDataFrame,
    renames: Mapping[str, str],
    classes: Mapping[str, HighwayClass],
    column: str,
    id_col: str | None,
    label: str,
) -> tuple[gpd.GeoDataFrame, np.ndarray, OsmSummary, list[ValidationProblem]]:
    """Fill the mapped fields and OSM ids; split off the ways that are not roads."""
    raw = src.frame
    rows = raw[ROW_COLUMN].to_numpy()
    classified = classify(raw[column].reset_index(drop=True), classes)
    excluded = classified["excluded"].notna().to_numpy()
    keep = ~excluded
    frame = frame.reset_index(drop=True)
    for name in MAPPED_FIELDS:
        mapped = classified[name]
        if name in frame.columns:  # the file's own values win where it has them
            own = frame[name].astype(object)
            blank = own.isna() | own.astype(str).str.strip().eq("")
            frame[name] = own.where(~blank, mapped)
        else:
            frame[name] = mapped
    feeds_id = [c for c, target in renames.items() if target == "road_id"]
    if id_col is not None and (not feeds_id or feeds_id == [id_col]):
        ids = osm_road_id(raw[id_col].reset_index(drop=True))
        kept = ids[keep]
        nth = kept.groupby(kept).cumcount()
        repeated = nth[nth > 0]
        if len(repeated):
            logger.info(
                "%s: %d ways repeat an OSM id (a way cut into pieces by the extract); "
                "numbered OSM-<id>-2, -3, ...",
                src.name,
                len(repeated),
            )
            ids.loc[repeated.index] = kept[repeated.index] + "-" + (repeated + 1).astype(str)
        frame["road_id"] = ids
    problems = [
        ValidationProblem(int(rows[pos]), column, exclusion_message(value, reason))
        for pos, value, reason in zip(
            np.flatnonzero(excluded),
            classified["highway"].to_numpy()[excluded],
            classified["excluded"].to_numpy()[excluded],
            strict=True,
        )
    ]
    summary = OsmSummary.from_classified(
        classified, rows, highway_column=column, id_column=id_col, mapping=label
    )
    logger.info("%s", "\n".join(summary.lines()))
    return frame[keep].reset_index(drop=True), keep, summary, problems


def rebase_photo_paths(
    photos: pd.Series, *, source: str | os.PathLike, inventory: str | os.PathLike
) -> pd.Series:
    """Make relative photo paths, written relative to the field file, relative to the inventory.

    Field teams write ``photos/P12.jpg`` next to their survey file; maps resolve photos
    relative to the inventory. A relative path whose file exists beside the source is
    rewritten; absolute paths and paths that exist nowhere are kept as given.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "survey" / "photos").mkdir(parents=True)
    >>> _ = (root / "survey" / "photos" / "a.jpg").write_bytes(b"jpg")
    >>> rebase_photo_paths(pd.Series(["photos/a.jpg", "nope.jpg", float("nan")]),
    ...                    source=root / "survey" / "poles.csv",
    ...                    inventory=root / "out" / "inv.gpkg").tolist()
    ['../survey/photos/a.jpg', 'nope.jpg', nan]
    """
    source_dir = Path(source).resolve().parent
    inventory_dir = Path(inventory).resolve().parent

    def rebase(value):
        if not isinstance(value, str) or not value.strip() or Path(value).is_absolute():
            return value
        candidate = source_dir / value
        if source_dir == inventory_dir or not candidate.is_file():
            return value
        return Path(os.path.relpath(candidate, inventory_dir)).as_posix()

    given = photos.notna()
    if not given.any():
        return photos
    rebased = {value: rebase(value) for value in photos[given].unique()}
    return photos.where(~given, photos.map(rebased)).astype(photos.dtype)


def _require_columns(
    src: _Source, spec: LayerSpec, renames: Mapping[str, str], columns: list[str]
) -> None:
    present = set(renames.values())
    missing = [f.name for f in spec.fields if f.required and f.name not in present]
    if missing:
        names = ", ".join(missing)
        raise SourceError(
            f"{src.path}: no column for required field(s) {names} of layer {spec.name!r}; "
            f"columns found: {', '.join(map(str, columns))}; "
            f"map one with mapping={{'COLUMN': {missing[0]!r}}}"
        )


def _write_rejects(
    path: Path, src: _Source, problems: list[ValidationProblem], refused_rows: set
) -> None:
    reasons: dict[int, list[str]] = defaultdict(list)
    for p in problems:
        reasons[p.row].append(f"{p.field}: {p.message}" if p.field else p.message)
    raw = src.frame
    mask = raw[ROW_COLUMN].isin(refused_rows).to_numpy()
    picked = raw[mask]
    table = pd.DataFrame(picked.drop(columns=[raw.geometry.name, ROW_COLUMN]))
    table.insert(0, ROW_COLUMN, picked[ROW_COLUMN].to_numpy())
    if src.vector:
        table[_GEOMETRY_WKT] = [
            None if g is None or g.is_empty else g.wkt for g in picked.geometry.values
        ]
    table[REASON_COLUMN] = ["; ".join(reasons[r]) for r in picked[ROW_COLUMN]]
    table = neutralise_frame(table)  # field values are opened in a spreadsheet
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.replace(tmp, path)
    except OSError as exc:  # nothing is imported without its rejects file
        raise GeoassetError(
            f"{path}: cannot write the rejects file: {fault_cause(exc)}; nothing imported"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("%s: %d refused rows written to %s", src.name, len(table), path)
