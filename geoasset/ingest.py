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

import codecs
import logging
import os
import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pyproj
import shapely

from geoasset.bulk import cycle_collector_paused
from geoasset.coords import parse_coordinates
from geoasset.crs import parse_crs
from geoasset.errors import (
    CRSError,
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
from geoasset.store import WRITE_MODES, Batch, Inventory, open_inventory
from geoasset.tables import read_frame
from geoasset.text import neutralise_frame, unneutralise
from geoasset.validate import REASON_COLUMN, ROW_COLUMN, assign_ids, validate_layer
from geoasset.xmlsources import strict_gpx, strict_kml

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

#: Common Indonesian and English column names -> schema field. A synonym is used only
#: when the layer has that field and no column carries the field's own name.
#: ``id`` (and ``kode``) map to the layer's id field.
SYNONYMS = {
    "nama": "name",
    "nama_jalan": "name",
    "nama_ruas": "name",
    "nama_jembatan": "name",
    "pemilik": "owner",
    "operator": "owner",
    "perusahaan": "owner",
    "jenis": "kind",
    "tipe": "kind",
    "type": "kind",
    "tinggi": "height_m",
    "tinggi_m": "height_m",
    "height": "height_m",
    "bahan": "material",
    "no_izin": "permit_no",
    "nomor_izin": "permit_no",
    "izin": "permit_no",
    "permit": "permit_no",
    "tanggal_survei": "surveyed_on",
    "tgl_survei": "surveyed_on",
    "survey_date": "surveyed_on",
    "foto": "photo",
    "sumber": "source",
    "no_ruas": "road_id",
    "nomor_ruas": "road_id",
    "ruas": "road_id",
    "fungsi": "function",
    "kelas": "road_class",
    "kelas_jalan": "road_class",
    "lebar_rumija": "rumija_m",
    "permukaan": "surface",
    "kondisi": "condition",
    "kab_kota": "kabupaten",
    "panjang": "length_m",
    "length": "length_m",
    "lebar": "width_m",
    "width": "width_m",
    "bentang": "spans",
    "jumlah_bentang": "spans",
    "tahun_dibangun": "year_built",
    "nilai_kondisi": "condition_nk",
    "tanggal_inspeksi": "inspected_on",
    "biaya": "estimated_cost_rp",
    "perkiraan_biaya": "estimated_cost_rp",
    "sumber_dana": "funding",
    "no_sertifikat": "certificate_no",
    "nomor_sertifikat": "certificate_no",
    "tanggal_pasang": "installed_on",
}
_ID_NAMES = ("id", "kode")

#: Names an extra column may not keep in a GeoPackage layer; they get a ``src_`` prefix.
_RESERVED = ("fid", "ogc_fid", "geometry", "geom", ROW_COLUMN, REASON_COLUMN)
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


@dataclass
class _Source:
    """A source file read into a frame, before column mapping."""

    path: Path
    frame: gpd.GeoDataFrame  # original columns, ROW_COLUMN, geometry (EPSG:4326)
    problems: list[ValidationProblem]  # coordinate problems found while reading
    consumed: list[str]  # columns turned into the geometry
    encoding: str | None = None
    vector: bool = False  # geometry came from the file itself (not from columns)

    @property
    def name(self) -> str:
        return self.path.name


def _norm(name) -> str:
    """``'Tinggi (m)'`` -> ``'tinggi'``, ``'No. Izin'`` -> ``'no_izin'``."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(name).strip().lower())
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


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
    if path.is_dir():
        raise SourceError(f"{path}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: file is empty (0 bytes)")
    crs = None if crs is None else parse_crs(crs)
    suffix = path.suffix.lower()
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


def _find_column(columns: list[str], wanted: str, what: str, path: Path) -> str:
    if wanted in columns:
        return wanted
    matches = [c for c in columns if _norm(c) == _norm(wanted)]
    if len(matches) == 1:
        return matches[0]
    raise SourceError(
        f"{path}: {what} column {wanted!r} not found; columns found: {', '.join(map(str, columns))}"
    )


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

    xcol = _find_column(columns, x, "--x", path) if x is not None else find(LON_NAMES)
    ycol = _find_column(columns, y, "--y", path) if y is not None else find(LAT_NAMES)
    if xcol is None and ycol is None:
        return None
    if xcol is None or ycol is None:
        missing, names, option = (
            ("longitude", LON_NAMES, "--x") if xcol is None else ("latitude", LAT_NAMES, "--y")
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
    columns = [str(c) for c in table.columns]
    table.columns = columns
    problems: list[ValidationProblem] = []
    pair = _coordinate_columns(columns, x, y, path)
    if pair is None:
        wkt = next((c for n in WKT_NAMES for c in columns if _norm(c) == n), None)
        if wkt is None:
            raise SourceError(
                f"{path}: no coordinate columns: looked for latitude in {', '.join(LAT_NAMES)}, "
                f"longitude in {', '.join(LON_NAMES)} or a WKT column ({', '.join(WKT_NAMES)}); "
                f"columns found: {', '.join(columns)}; name them with --x and --y"
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
    return _Source(path, frame, problems, consumed, encoding=encoding)


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
        f"{path}: holds several files ({', '.join(members)}); choose one with --source-layer"
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
    raise SourceError(f"{path}: holds several layers ({listing}); choose one with --source-layer")


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
    return _Source(path, frame, problems, [], encoding=encoding, vector=True)


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
                "give the file's encoding with --encoding"
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
            "give the file's encoding with --encoding"
        )
    logger.warning(
        "%s: text of column %r is not UTF-8; read as cp1252 (Windows), the usual encoding "
        "of such files; give --encoding if that is wrong",
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
                "assuming EPSG:4326 (give --crs otherwise)",
                path.name,
            )
            frame = frame.set_crs("EPSG:4326")
        else:
            extent = ", ".join(f"{v:.6g}" for v in bounds)
            raise CRSError(
                f"{path}: has no CRS and its coordinates ({extent}) are not "
                "longitude/latitude; give its CRS with --crs, e.g. EPSG:32751"
            )
    return frame.to_crs("EPSG:4326")


# -- column mapping ----------------------------------------------------------------


def _check_mapping(mapping: Mapping[str, str] | None, spec: LayerSpec, source: str) -> dict:
    mapping = dict(mapping or {})
    problems = [
        ValidationProblem(
            None,
            target,
            f"--map {column}={target}: layer {spec.name!r} has no field {target!r} "
            f"(fields: {', '.join(spec.field_names)})",
        )
        for column, target in mapping.items()
        if target not in spec.field_names
    ]
    targets = list(mapping.values())
    problems += [
        ValidationProblem(None, t, f"several columns are mapped to field {t!r}")
        for t in sorted({t for t in targets if targets.count(t) > 1})
    ]
    if problems:
        raise SchemaError(source, problems)
    return mapping


def map_columns(
    columns: Iterable[str],
    layer: str | LayerSpec,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str = "",
) -> dict[str, str]:
    """Decide which column feeds which field of ``layer``; keep the others.

    In order: ``mapping`` (source column -> field), columns named as a field
    (case-insensitive, spaces and units in brackets ignored), then :data:`SYNONYMS`.
    Every other column keeps its name (prefixed ``src_`` when it would clash with a
    field or a reserved name such as ``fid``).

    Returns
    -------
    dict
        Every column -> its name in the layer.

    Examples
    --------
    >>> map_columns(["ID", "Pemilik", "Tinggi (m)", "catatan", "FID"], "poles")
    {'ID': 'pole_id', 'Pemilik': 'owner', 'Tinggi (m)': 'height_m', 'catatan': 'catatan', 'FID': 'src_FID'}
    >>> map_columns(["owner", "perusahaan"], "poles", mapping={"perusahaan": "owner"})
    {'owner': 'src_owner', 'perusahaan': 'owner'}
    """
    spec = layer if isinstance(layer, LayerSpec) else layer_spec(layer)
    columns = [str(c) for c in columns]
    mapping = _check_mapping(mapping, spec, source)
    fields = spec.field_names
    out: dict[str, str] = {}
    for column, target in mapping.items():
        out[_find_column(columns, column, "--map", Path(source or "source"))] = target
    taken = set(out.values())
    normal = {c: _norm(c) for c in columns}
    # names as the field names first, so a synonym never takes a field from its own column
    for pass_ in ("field", "synonym"):
        for column in columns:
            if column in out:
                continue
            n = normal[column]
            if pass_ == "field":
                target = n if n in fields else None
            else:
                target = spec.id_field if n in _ID_NAMES else SYNONYMS.get(n)
            if target in fields and target not in taken:
                out[column] = target
                taken.add(target)
    used = {t.lower() for t in taken} | {f.lower() for f in fields}
    for column in columns:
        if column in out:
            continue
        name = column
        if name.lower() in used or name.lower() in _RESERVED:
            name = f"src_{column}"
        base, i = name, 2
        while name.lower() in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name.lower())
        out[column] = name
    return {c: out[c] for c in columns}


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
        batch = Batch(command="import", source=source.name, refused={layer: len(refused_rows)})
        inv.write({layer: valid}, batch=batch, mode=mode)
    logger.info("%s", report.summary())
    return report


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
            f"map one with --map COLUMN={missing[0]}"
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
