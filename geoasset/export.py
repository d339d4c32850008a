"""Write an inventory layer to a file for other tools, the format chosen by extension.

``.geojson``/``.json`` (GeoJSON), ``.csv`` (``lon``/``lat`` columns for point layers,
a ``wkt`` column otherwise; UTF-8 with BOM so Excel shows Indonesian text), ``.shp``
(ESRI shapefile; field names cut to 10 characters and text to 254 by the format),
``.kml``/``.kmz`` (KML), ``.gpkg`` (GeoPackage) and ``.parquet`` (GeoParquet, with its
CRS: :mod:`geoasset.parquet`). Values are written verbatim: export
is data interchange, so text beginning with ``=``, ``+``, ``-`` or ``@`` is not altered
(only characters XML cannot hold are left out of KML, which would be unreadable otherwise).
An existing file is replaced only with ``overwrite=True``; the new file appears whole or
not at all.

Examples
--------
>>> import os, tempfile, geopandas as gpd
>>> from shapely import Point
>>> frame = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
...                          geometry=[Point(123.6, -10.17)], crs=4326)
>>> table_for_csv(frame).to_dict("records")
[{'pole_id': 'P1', 'owner': 'PLN', 'lon': 123.6, 'lat': -10.17}]
"""

from __future__ import annotations

import logging
import os
import re
import uuid
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geoasset.errors import GeoassetError, OutputExistsError
from geoasset.text import xml_frame

__all__ = [
    "EXPORT_FORMATS",
    "check_export_path",
    "export_format",
    "table_for_csv",
    "write_layer_file",
]

logger = logging.getLogger(__name__)

#: file extension -> GDAL driver ("CSV" is written by pandas)
EXPORT_FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".csv": "CSV",
    ".shp": "ESRI Shapefile",
    ".kml": "KML",
    ".kmz": "LIBKML",
    ".gpkg": "GPKG",
    ".parquet": "Parquet",  # GeoParquet, written by geoasset.parquet
}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def export_format(path: str | os.PathLike) -> str:
    """The driver for ``path``'s extension; :class:`GeoassetError` for an unknown one.

    Examples
    --------
    >>> export_format("poles.GeoJSON")
    'GeoJSON'
    """
    suffix = Path(path).suffix.lower()
    try:
        driver = EXPORT_FORMATS[suffix]
    except KeyError:
        known = ", ".join(EXPORT_FORMATS)
        raise GeoassetError(
            f"{path}: cannot tell the format from {suffix!r}; use {known}"
        ) from None
    if driver == "KML" and "LIBKML" in pyogrio.list_drivers(write=True):
        driver = "LIBKML"  # keeps every attribute as ExtendedData
    return driver


def table_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a plain table: ``lon``/``lat`` for points, else a ``wkt`` column.

    A layer whose rows are all points (or empty) gets ``lon`` and ``lat``; any other
    geometry gets ``wkt``. Attribute tables come back unchanged.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        return pd.DataFrame(frame)
    geometry = frame.geometry
    table = pd.DataFrame(frame.drop(columns=geometry.name))
    values = geometry.values
    present = ~(geometry.isna().to_numpy() | shapely.is_empty(values))
    points = bool((geometry.geom_type[present] == "Point").all())
    if points:
        lon = pd.Series(shapely.get_x(values), dtype="float64").where(present)
        lat = pd.Series(shapely.get_y(values), dtype="float64").where(present)
        table[_free("lon", table)] = lon.to_numpy()
        table[_free("lat", table)] = lat.to_numpy()
    else:
        wkt = shapely.to_wkt(values, rounding_precision=-1)
        table[_free("wkt", table)] = pd.Series(wkt, dtype="object").where(present).to_numpy()
    return table


def _free(name: str, table: pd.DataFrame) -> str:
    taken = {str(c).lower() for c in table.columns}
    candidate, i = name, 2
    while candidate.lower() in taken:
        candidate, i = f"{name}_{i}", i + 1
    return candidate


def check_export_path(path: str | os.PathLike, *, overwrite: bool = False) -> str:
    """The driver for ``path``; refuses an existing file (unless ``overwrite``) and a
    missing folder, before anything is read."""
    path = Path(path)
    driver = export_format(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(path)
    if not path.parent.is_dir():
        raise GeoassetError(f"{path}: folder {path.parent} does not exist")
    return driver


def write_layer_file(
    frame: pd.DataFrame, path: str | os.PathLike, *, layer: str, overwrite: bool = False
) -> int:
    """Write the rows of ``layer`` (a frame read from an inventory) to ``path``; return the
    number of rows written. The extension picks the format (:data:`EXPORT_FORMATS`); an
    existing file is refused unless ``overwrite``. :func:`geoasset.jobs.export_layer`
    reads the layer from the inventory and calls this.

    Examples
    --------
    >>> import os, tempfile, geopandas as gpd
    >>> from shapely import Point
    >>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["=1+1"]},
    ...                          geometry=[Point(123.6, -10.17)], crs=4326)
    >>> path = os.path.join(tempfile.mkdtemp(), "poles.csv")
    >>> write_layer_file(poles, path, layer="poles")
    1
    >>> pd.read_csv(path, dtype=str)[["owner", "lon"]].values.tolist()
    [['=1+1', '123.6']]
    """
    path = Path(path)
    driver = check_export_path(path, overwrite=overwrite)
    if driver != "CSV":
        if not isinstance(frame, gpd.GeoDataFrame):
            raise GeoassetError(
                f"layer {layer!r} has no geometry; export it to .csv instead of {path.suffix}"
            )
        if driver == "ESRI Shapefile":
            _check_shapefile(frame, layer)
        if driver in ("KML", "LIBKML"):  # XML: a control character would break the file
            frame = xml_frame(frame)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.partial{path.suffix}")
    try:
        if driver == "CSV":
            table_for_csv(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
        elif driver == "Parquet":
            from geoasset.parquet import write_geoparquet

            write_geoparquet(frame, tmp, overwrite=True)
        else:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                pyogrio.write_dataframe(frame, tmp, layer=layer, driver=driver, **_options(driver))
            for warning in caught:  # GDAL's notes (e.g. shapefile limits), kept short
                text = re.sub(r"'([^']{40})[^']{20,}'", r"'\1…'", str(warning.message))
                logger.warning("%s: %s", path.name, text)
        _move_into_place(tmp, path, driver)
    finally:
        for part in _parts(tmp, driver):
            part.unlink(missing_ok=True)
    logger.info("wrote %d rows of %s to %s", len(frame), layer, path)
    return len(frame)


def _options(driver: str) -> dict:
    if driver == "ESRI Shapefile":
        return {"layer_options": {"ENCODING": "UTF-8"}}
    return {}


def _check_shapefile(frame: gpd.GeoDataFrame, layer: str) -> None:
    kinds = {t.removeprefix("Multi") for t in frame.geom_type.dropna().unique()}
    if len(kinds) > 1:
        raise GeoassetError(
            f"layer {layer!r} mixes {', '.join(sorted(kinds))} geometries; a shapefile holds "
            "one type: export to .gpkg or .geojson"
        )


def _parts(path: Path, driver: str) -> list[Path]:
    if driver == "ESRI Shapefile":
        return [path.with_suffix(s) for s in _SHAPEFILE_PARTS]
    return [path]


def _move_into_place(tmp: Path, path: Path, driver: str) -> None:
    if driver == "ESRI Shapefile":
        for old in _parts(path, driver):
            old.unlink(missing_ok=True)
        for part in _parts(tmp, driver):
            if part.exists():
                os.replace(part, path.with_suffix(part.suffix))
    else:
        os.replace(tmp, path)
