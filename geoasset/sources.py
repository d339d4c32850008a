"""Field files read into a GeoDataFrame in EPSG:4326, before any column mapping.

CSV and XLSX with coordinate columns (decimal degrees or degrees-minutes-seconds text,
see :mod:`geoasset.coords`) or a WKT column, GeoJSON, shapefile (also zipped), KML and
KMZ, GPX and GeoPackage. Every row keeps a 1-based ``source_row``; coordinates that
cannot be read leave the row without geometry and a problem saying why.
"""

from __future__ import annotations

import codecs
import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pyproj
import shapely

from geoasset.column_mapping import _find_column, _norm
from geoasset.coords import parse_coordinates
from geoasset.crs import parse_crs
from geoasset.errors import CRSError, SourceError, ValidationProblem
from geoasset.schema import LayerSpec, layer_spec
from geoasset.survey_apps import (
    SurveyTable,
    link_photos,
    qfield_meta,
    read_export_file,
    survey_table,
)
from geoasset.tables import read_frame
from geoasset.text import unneutralise
from geoasset.validate import REASON_COLUMN, ROW_COLUMN
from geoasset.xmlsources import strict_gpx, strict_kml

__all__ = ["LAT_NAMES", "LON_NAMES", "WKT_NAMES", "read_source"]

logger = logging.getLogger("geoasset.ingest")

TABLE_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
VECTOR_MEMBER_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg", ".kml", ".gpx")

#: Column names (normalised: lower case, ``_`` for spaces, units in brackets removed)
#: recognised as latitude / longitude, in order of preference.
LAT_NAMES = ("lat", "latitude", "lintang", "y", "northing", "y_coord", "koordinat_y", "point_y")
LON_NAMES = (
    "lon",
    "lng",
    "long",
    "longitude",
    "bujur",
    "x",
    "easting",
    "x_coord",
    "koordinat_x",
    "point_x",
)
#: Column names recognised as WKT geometry when a table has no coordinate columns.
WKT_NAMES = ("wkt", "geometry_wkt", "wkt_geom", "geometry", "geom", "the_geom")


#: Fields LIBKML adds to every KML layer, with the values that mean "not set".
_KML_DEFAULTS = {
    "timestamp": (),
    "begin": (),
    "end": (),
    "altitudeMode": (),
    "tessellate": (-1,),
    "extrude": (0,),
    "visibility": (-1, 1),
    "drawOrder": (),
    "icon": (),
    "snippet": (),
}
_GEOMETRY_WKT = "geometry_wkt"


@dataclass
class _Source:
    """A source file read into a frame, before column mapping."""

    path: Path
    frame: gpd.GeoDataFrame  # original columns, ROW_COLUMN, geometry (EPSG:4326)
    problems: list[ValidationProblem]  # coordinate problems found while reading
    consumed: list[str]  # columns turned into the geometry
    encoding: str | None = None
    vector: bool = False  # geometry came from the file itself (not from columns)
    app: SurveyTable | None = None  # the survey app that wrote it (columns set aside)

    @property
    def name(self) -> str:
        return self.path.name


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


# -- reading ---------------------------------------------------------------------


def read_source(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    source_layer: str | None = None,
    x: str | None = None,
    y: str | None = None,
    crs=None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a field file into a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    path
        CSV, XLSX, GeoJSON, shapefile (``.shp`` or a ``.zip`` holding one), KML, KMZ,
        GPX or GeoPackage.
    layer
        Inventory layer the rows are meant for; with several layers in the file, the
        one whose geometry suits it is read (GPX: waypoints for points, routes or
        tracks for lines).
    source_layer
        Layer (GeoPackage, KML folder, GPX ``waypoints``/``routes``/``tracks``), sheet
        (XLSX) or file inside a zip to read.
    x, y
        Coordinate columns of a table; by default found by name (:data:`LON_NAMES`,
        :data:`LAT_NAMES`, case-insensitive), else a WKT column (:data:`WKT_NAMES`).
    crs
        CRS of the coordinates when the file declares none (tables default to
        EPSG:4326). A file's own CRS is replaced by this one, with a warning.
    encoding
        Text encoding of the file; by default UTF-8 (with or without BOM), else cp1252
        (with a warning), else latin-1 for a CSV. Vector files use the encoding they
        declare (a shapefile's ``.cpg``); text that is not valid UTF-8 is read as cp1252
        with a warning. Text that is not valid in the encoding used is refused
        (:class:`~geoasset.errors.SourceError`), never stored.

    Returns
    -------
    geopandas.GeoDataFrame
        The file's columns with their original names and values, ``source_row``
        (1-based) and ``geometry``. Rows whose coordinates could not be read have no
        geometry; ``frame.attrs["problems"]`` lists why
        (:class:`~geoasset.errors.ValidationProblem`), ``frame.attrs["encoding"]`` the
        encoding a CSV was read with.

    Raises
    ------
    SourceError
        The file is missing, empty, unreadable, or has no coordinate columns.
    CRSError
        ``crs`` is unknown, or a file without CRS holds coordinates that are not
        longitude/latitude.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "poles.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("id,owner,Latitude,Longitude\\nP1,PLN,-10.17,123.6\\nP2,PLN,95,123.6\\n")
    >>> frame = read_source(path)
    >>> frame[["id", "source_row"]].values.tolist()
    [['P1', 1], ['P2', 2]]
    >>> frame.geometry.iloc[0].wkt, frame.geometry.iloc[1]
    ('POINT (123.6 -10.17)', None)
    >>> print(frame.attrs["problems"][0])
    row 2 field 'Latitude': latitude 95 is outside ±90
    """
    spec = None if layer is None else layer_spec(layer)
    source = _read(
        Path(path), spec=spec, source_layer=source_layer, x=x, y=y, crs=crs, encoding=encoding
    )
    frame = source.frame
    frame.attrs["problems"] = source.problems
    frame.attrs["encoding"] = source.encoding
    frame.attrs["coordinate_columns"] = source.consumed
    return frame


def _read(
    path: Path,
    *,
    spec: LayerSpec | None,
    source_layer: str | None,
    x: str | None,
    y: str | None,
    crs,
    encoding: str | None,
) -> _Source:
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet" or (path.is_dir() and any(path.rglob("*.parquet"))):
        return _parquet_source(path, crs=crs)
    if path.is_dir():
        raise SourceError(f"{path}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: file is empty (0 bytes)")
    crs = None if crs is None else parse_crs(crs)
    suffix = path.suffix.lower()
    if suffix in (".json", ".zip") and _maybe_app_export(path):
        found = read_export_file(path)
        if found is not None:
            return _table_source(path, found[0], x=x, y=y, crs=crs, encoding="utf-8")
    if suffix in TABLE_SUFFIXES:
        if source_layer is not None:
            logger.warning(
                "%s: a CSV has no layers; ignoring source layer %r", path.name, source_layer
            )
        table, used = read_frame(path, encoding=encoding)
        return _table_source(path, table, x=x, y=y, crs=crs, encoding=used)
    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(path, source_layer)
        return _table_source(path, table, x=x, y=y, crs=crs, encoding=None)
    if suffix == ".xls":
        raise SourceError(f"{path}: old Excel .xls files are not read; save it as .xlsx or .csv")
    return _vector_source(path, spec=spec, source_layer=source_layer, crs=crs, encoding=encoding)


def _maybe_app_export(path: Path) -> bool:
    """False for a GeoJSON file (the head names a Feature), so it is not parsed twice."""
    if path.suffix.lower() != ".json":
        return True
    with open(path, "rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    return '"Feature' not in head


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError(f"{path}: not a readable XLSX workbook ({exc})") from None
    with book:
        sheets = [str(s) for s in book.sheet_names]
        if sheet is not None and sheet not in sheets:
            raise SourceError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(sheets)})")
        name = sheet if sheet is not None else sheets[0]
        table = pd.read_excel(
            book, sheet_name=name, dtype=object, keep_default_na=False, na_values=[""]
        )
    table.columns = [str(c) for c in table.columns]
    if len(table.columns) == 0:
        raise SourceError(f"{path}: sheet {name!r} is empty")
    return table


def _coordinate_columns(
    columns: list[str], x: str | None, y: str | None, path: Path
) -> tuple[str, str] | None:
    """The (x, y) columns, or None when the table has neither and none was named."""
    normal = {c: _norm(c) for c in columns}

    def find(names: tuple[str, ...]) -> str | None:
        for candidate in names:
            for column, n in normal.items():
                if n == candidate:
                    return column
        return None

    xcol = _find_column(columns, x, "x=", path) if x is not None else find(LON_NAMES)
    ycol = _find_column(columns, y, "y=", path) if y is not None else find(LAT_NAMES)
    if xcol is None and ycol is None:
        return None
    if xcol is None or ycol is None:
        missing, names, option = (
            ("longitude", LON_NAMES, "x=") if xcol is None else ("latitude", LAT_NAMES, "y=")
        )
        raise SourceError(
            f"{path}: no {missing} column: looked for {', '.join(names)}; "
            f"columns found: {', '.join(map(str, columns))}; name it with {option}"
        )
    if xcol == ycol:
        raise SourceError(f"{path}: column {xcol!r} cannot be both x and y")
    return xcol, ycol


def _table_source(
    path: Path,
    table: pd.DataFrame,
    *,
    x: str | None,
    y: str | None,
    crs: pyproj.CRS | None,
    encoding: str | None,
) -> _Source:
    left_over = [c for c in (ROW_COLUMN, REASON_COLUMN) if c in table.columns]
    if left_over:
        logger.info("%s: ignoring columns of a rejects file: %s", path.name, ", ".join(left_over))
        table = table.drop(columns=left_over)
        # a rejects file quotes values a spreadsheet would run as formulas; take them back
        table = table.apply(lambda column: column.map(unneutralise, na_action="ignore"))
    table = table.reset_index(drop=True)
    rows = np.arange(1, len(table) + 1)
    filled = table.notna().to_numpy().any(axis=1) if len(table.columns) else np.zeros(0, bool)
    if len(table) and not filled.all():
        logger.info("%s: skipping %d empty rows", path.name, int((~filled).sum()))
        table, rows = table[filled].reset_index(drop=True), rows[filled]
    if len(table) == 0:
        raise SourceError(f"{path}: no data rows (only a header line)")
    table.columns = [str(c) for c in table.columns]
    try:
        app = survey_table(table)  # a survey app's export: its own columns set aside
    except ValueError as exc:
        raise SourceError(f"{path}: {exc}") from None
    if app is not None:
        logger.info("%s: a %s export; its columns are kept for the batch", path.name, app.app)
        table = link_photos(app.frame, path.parent)
    columns = [str(c) for c in table.columns]
    problems: list[ValidationProblem] = []
    pair = _coordinate_columns(columns, x, y, path)
    if pair is None:
        wkt = next((c for n in WKT_NAMES for c in columns if _norm(c) == n), None)
        if wkt is None:
            raise SourceError(
                f"{path}: no coordinate columns: looked for latitude in {', '.join(LAT_NAMES)}, "
                f"longitude in {', '.join(LON_NAMES)} or a WKT column ({', '.join(WKT_NAMES)}); "
                f"columns found: {', '.join(columns)}; name them with x= and y="
            )
        text = table[wkt]
        with np.errstate(invalid="ignore"):  # NaN coordinates: refused by the validation
            geometry = shapely.from_wkt(
                text.to_numpy(dtype=object, na_value=None), on_invalid="ignore"
            )
        for pos in np.flatnonzero(pd.isna(geometry)):
            value = text.iloc[pos]
            message = "value is empty" if pd.isna(value) else f"{_short(value)} is not valid WKT"
            problems.append(ValidationProblem(int(rows[pos]), wkt, message))
        geometry = _flat(geometry, path.name)
        consumed = [wkt]
    else:
        xcol, ycol = pair
        geographic = crs is None or crs.is_geographic
        xs, xbad = parse_coordinates(
            table[xcol], axis="lon" if geographic else "x", check_range=False
        )
        ys, ybad = parse_coordinates(
            table[ycol], axis="lat" if geographic else "y", check_range=False
        )
        found = [(pos, ycol, msg) for pos, msg in ybad] + [(pos, xcol, msg) for pos, msg in xbad]
        if geographic:
            with np.errstate(invalid="ignore"):
                lat_out = np.abs(ys) > 90
                lon_out = np.abs(xs) > 180
                swapped = lat_out & (np.abs(xs) <= 90) & (np.abs(ys) <= 180)
            for pos in np.flatnonzero(swapped):
                found.append(
                    (
                        pos,
                        ycol,
                        f"latitude {ys[pos]:.10g} is outside ±90 while longitude {xs[pos]:.10g} "
                        f"would be a latitude: columns {ycol!r} and {xcol!r} look swapped",
                    )
                )
            for pos in np.flatnonzero(lat_out & ~swapped):
                found.append((pos, ycol, f"latitude {ys[pos]:.10g} is outside ±90"))
            for pos in np.flatnonzero(lon_out & ~swapped):
                found.append((pos, xcol, f"longitude {xs[pos]:.10g} is outside ±180"))
        found.sort(key=lambda item: item[0])
        problems = [ValidationProblem(int(rows[pos]), col, msg) for pos, col, msg in found]
        bad = np.zeros(len(table), bool)
        bad[[pos for pos, _, _ in found]] = True
        geometry = shapely.points(xs, ys)
        geometry[bad] = None
        consumed = [xcol, ycol]
    table[ROW_COLUMN] = rows
    geometry_name = "geometry" if "geometry" not in columns else "_geometry"
    table[geometry_name] = geometry
    frame = gpd.GeoDataFrame(table, geometry=geometry_name, crs=crs or "EPSG:4326")
    if frame.crs != "EPSG:4326":
        frame = frame.to_crs("EPSG:4326")
    return _Source(path, frame, problems, consumed, encoding=encoding, app=app)


def _flat(geometry: np.ndarray, name: str) -> np.ndarray:
    """Geometries without Z or M, with a note saying how many had them (layers are 2D)."""
    geometry = np.asarray(geometry, dtype=object)
    given = ~pd.isna(geometry)
    extra = np.zeros(len(geometry), bool)
    extra[given] = shapely.has_z(geometry[given]) | shapely.has_m(geometry[given])
    if extra.any():
        logger.warning(
            "%s: %d geometries have Z or M values; dropped (inventory layers are 2D)",
            name,
            int(extra.sum()),
        )
        geometry = geometry.copy()
        geometry[extra] = shapely.force_2d(geometry[extra])
    return geometry


def _zip_member(path: Path, source_layer: str | None) -> tuple[str, str | None]:
    """The ``/vsizip/`` path of the vector file in a zip, and the layer still to pick."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        raise SourceError(f"{path}: not a valid zip file") from None
    members = [
        n
        for n in names
        if Path(n).suffix.lower() in VECTOR_MEMBER_SUFFIXES and not n.startswith("__MACOSX")
    ]
    if not members:
        raise SourceError(
            f"{path}: no shapefile (or GeoJSON, GeoPackage, KML, GPX) inside; "
            f"it holds: {', '.join(names[:20])}"
        )
    chosen = [m for m in members if source_layer in (m, Path(m).name, Path(m).stem)]
    if chosen:
        return f"/vsizip/{path.resolve()}/{chosen[0]}", None
    if len(members) == 1:
        return f"/vsizip/{path.resolve()}/{members[0]}", source_layer
    raise SourceError(
        f"{path}: holds several files ({', '.join(members)}); choose one with source_layer="
    )


def _family(geometry_type: str | None) -> str | None:
    if not geometry_type:
        return None
    text = geometry_type.replace("3D ", "").split(" ")[0]
    return text.removeprefix("Multi")


def _pick_layer(path: Path, target: str, spec: LayerSpec | None, source_layer: str | None) -> str:
    try:
        listed = pyogrio.list_layers(target)
    except pyogrio.errors.DataSourceError as exc:
        raise SourceError(f"{path}: cannot be read as a vector file ({exc})") from None
    names = [str(n) for n, _ in listed]
    if not names:
        raise SourceError(f"{path}: holds no layers")
    if source_layer is not None:
        if source_layer not in names:
            raise SourceError(f"{path}: no layer {source_layer!r} (layers: {', '.join(names)})")
        return source_layer
    if len(names) == 1:
        return names[0]
    infos = {n: pyogrio.read_info(target, layer=n, force_feature_count=True) for n in names}
    driver = infos[names[0]].get("driver")
    nonempty = [
        n for n in names if infos[n]["features"] and infos[n].get("geometry_type") is not None
    ]
    if driver == "GPX":  # the points of routes and tracks repeat the lines
        nonempty = [n for n in nonempty if n not in ("route_points", "track_points")]
    if spec is not None:
        wanted = {_family(t) for t in spec.geometry_types}
        suited = [
            n
            for n in nonempty
            if _family(infos[n]["geometry_type"]) in wanted | {"Unknown", "GeometryCollection"}
        ]
        if len(suited) == 1:
            return suited[0]
    if len(nonempty) == 1:
        return nonempty[0]
    if not nonempty:
        raise SourceError(f"{path}: has no features (layers: {', '.join(names)})")
    listing = ", ".join(
        f"{n} ({infos[n]['geometry_type']}, {infos[n]['features']})" for n in nonempty
    )
    raise SourceError(f"{path}: holds several layers ({listing}); choose one with source_layer=")


def _vector_source(
    path: Path,
    *,
    spec: LayerSpec | None,
    source_layer: str | None,
    crs: pyproj.CRS | None,
    encoding: str | None = None,
) -> _Source:
    target = str(path)
    if path.suffix.lower() == ".zip":
        target, source_layer = _zip_member(path, source_layer)
    name = _pick_layer(path, target, spec, source_layer)
    try:
        info = pyogrio.read_info(target, layer=name)
        frame, encoding = _read_vector_text(path, target, name, encoding)
    except pyogrio.errors.DataSourceError as exc:
        raise SourceError(f"{path}: cannot be read ({exc})") from None
    except (pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as exc:
        raise SourceError(f"{path}: layer {name!r} cannot be read ({exc})") from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise SourceError(f"{path}: layer {name!r} has no geometry")
    if len(frame) == 0:
        raise SourceError(f"{path}: layer {name!r} has no features")
    driver = info.get("driver")
    if driver in ("LIBKML", "KML"):
        frame = _clean_kml(frame)
    if driver in ("LIBKML", "KML", "GPX"):  # drop the driver's fields that hold nothing
        empty = [c for c in frame.columns if c != "geometry" and frame[c].isna().all()]
        frame = frame.drop(columns=empty)
    if driver == "GPX":
        # GPX's own <type> (e.g. "user") is not an asset kind; extension fields GDAL
        # wrote come back as ogr_<name>
        names = set(frame.columns)
        renames = {c: c[4:] for c in frame.columns if c.startswith("ogr_") and c[4:] not in names}
        if "type" in names:
            renames["type"] = "gpx_type"
        frame = frame.rename(columns=renames)
    frame = frame.drop(columns=[c for c in (ROW_COLUMN, REASON_COLUMN) if c in frame.columns])
    frame = frame.reset_index(drop=True)
    problems: list[ValidationProblem] = []
    if driver == "GPX":
        frame, problems = strict_gpx(path, target, name, frame)
    elif driver in ("LIBKML", "KML"):
        frame, problems = strict_kml(path, target, name, frame)
    frame.insert(len(frame.columns) - 1, ROW_COLUMN, np.arange(1, len(frame) + 1))
    frame = frame.set_geometry(_flat(frame.geometry.values, path.name), crs=frame.crs)
    frame = _apply_crs(path, frame, crs)
    logger.info("%s: read layer %r (%s, %d features)", path.name, name, driver, len(frame))
    app = qfield_meta(path)
    return _Source(path, frame, problems, [], encoding=encoding, vector=True, app=app)


def _read_vector_text(
    path: Path, target: str, layer: str, encoding: str | None
) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer with its text decoded: as ``encoding`` when given, else as the file
    declares (a shapefile's ``.cpg``), else as UTF-8, else as cp1252 with a warning.

    Text that is not valid in the encoding used is refused, never stored.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SourceError(f"{path}: unknown encoding {encoding!r}") from None
        frame = _read_decoded(target, layer, encoding)
        broken = _invalid_text_columns(frame)
        if broken:
            raise SourceError(
                f"{path}: column {broken[0]!r} is not valid {encoding} text; "
                "give the file's encoding with encoding="
            )
        return frame, encoding
    frame = pyogrio.read_dataframe(target, layer=layer, use_arrow=True)
    broken = _invalid_text_columns(frame)
    if not broken:
        return frame, None
    frame = _read_decoded(target, layer, "cp1252")
    if _invalid_text_columns(frame):
        raise SourceError(
            f"{path}: column {broken[0]!r} is neither UTF-8 nor cp1252 text; "
            "give the file's encoding with encoding="
        )
    logger.warning(
        "%s: text of column %r is not UTF-8; read as cp1252 (Windows), the usual encoding "
        "of such files; give encoding= if that is wrong",
        path.name,
        broken[0],
    )
    return frame, "cp1252"


def _read_decoded(target: str, layer: str, encoding: str) -> gpd.GeoDataFrame:
    try:  # GDAL decodes shapefiles itself, Arrow included
        return pyogrio.read_dataframe(target, layer=layer, encoding=encoding, use_arrow=True)
    except ValueError:  # other drivers: pyogrio decodes, without Arrow
        return pyogrio.read_dataframe(target, layer=layer, encoding=encoding)


def _invalid_text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding text that is not valid UTF-8 (GDAL passes undeclared bytes on)."""
    broken = []
    for name in frame.columns:
        values = frame[name]
        if not isinstance(values.dtype, pd.StringDtype | pd.ArrowDtype):
            continue
        try:
            pa.array(values.array).validate(full=True)
        except (pa.ArrowInvalid, TypeError):
            broken.append(str(name))
    return broken


def _clean_kml(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    drop = []
    for column, defaults in _KML_DEFAULTS.items():
        if column in frame.columns:
            values = frame[column].dropna()
            if values.empty or values.isin(defaults).all():
                drop.append(column)
    frame = frame.drop(columns=drop)
    if "id" in frame.columns:  # the placemark's XML id, not an asset id
        frame = frame.rename(columns={"id": "kml_id"})
    return frame


def _parquet_source(path: Path, *, crs: pyproj.CRS | None) -> _Source:
    """A GeoParquet file or dataset folder (:mod:`geoasset.parquet`), CRS as it carries."""
    from geoasset.errors import GeoassetError
    from geoasset.parquet import read_geoparquet

    try:
        frame = read_geoparquet(path)
    except GeoassetError as exc:
        raise SourceError(str(exc)) from None
    if len(frame) == 0:
        raise SourceError(f"{path}: has no rows")
    frame = frame.drop(columns=[c for c in (ROW_COLUMN, REASON_COLUMN) if c in frame.columns])
    frame = frame.reset_index(drop=True)
    frame.insert(len(frame.columns) - 1, ROW_COLUMN, np.arange(1, len(frame) + 1))
    frame = frame.set_geometry(_flat(frame.geometry.values, path.name), crs=frame.crs)
    frame = _apply_crs(path, frame, crs)
    logger.info("%s: read GeoParquet (%d rows)", path.name, len(frame))
    return _Source(path, frame, [], [], encoding=None, vector=True)


def _apply_crs(path: Path, frame: gpd.GeoDataFrame, crs: pyproj.CRS | None) -> gpd.GeoDataFrame:
    declared = frame.crs
    if crs is not None:
        if declared is not None and not declared.equals(crs):
            logger.warning(
                "%s declares %s; using %s as given",
                path.name,
                declared.to_string(),
                crs.to_string(),
            )
        frame = frame.set_crs(crs, allow_override=True)
    elif declared is None:
        bounds = frame.geometry.total_bounds
        if np.all(np.isfinite(bounds)) and (
            -180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90
        ):
            logger.warning(
                "%s has no CRS; its coordinates look like longitude/latitude, "
                "assuming EPSG:4326 (give crs= otherwise)",
                path.name,
            )
            frame = frame.set_crs("EPSG:4326")
        else:
            extent = ", ".join(f"{v:.6g}" for v in bounds)
            raise CRSError(
                f"{path}: has no CRS and its coordinates ({extent}) are not "
                "longitude/latitude; give its CRS with crs=, e.g. EPSG:32751"
            )
    return frame.to_crs("EPSG:4326")
