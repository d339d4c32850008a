"""GeoParquet: the exchange format between stages and for large inputs and outputs.

One file (``poles.parquet``) or a dataset (a folder of ``*.parquet`` files, e.g. one per
tile, possibly in ``key=value`` sub-folders) is read as one GeoDataFrame; a frame is
written as one file, or a stream of frames as a dataset, chunk by chunk, so a dataset
larger than memory is written without holding it.

The CRS travels in the file's ``geo`` metadata (GeoParquet 1.x, PROJJSON). Coordinates
are always stored x, y: longitude then latitude in EPSG:4326, easting then northing in
UTM, whatever axis order the CRS's definition declares (the GeoParquet specification;
the trap every engine falls into once). A file without ``geo`` metadata, or a dataset
whose files disagree on the CRS, is refused with a one-line error naming the file.

Examples
--------
>>> import os, tempfile, geopandas as gpd
>>> from shapely import Point
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1"]}, geometry=[Point(123.6, -10.17)], crs=4326)
>>> path = write_geoparquet(poles, os.path.join(tempfile.mkdtemp(), "poles.parquet"))
>>> back = read_geoparquet(path)
>>> back.crs.to_epsg(), back.geometry.iloc[0].x, back.geometry.iloc[0].y
(4326, 123.6, -10.17)
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
import pyproj

from geoasset.errors import GeoassetError, OutputExistsError

__all__ = [
    "dataset_files",
    "file_crs",
    "is_geoparquet",
    "read_geoparquet",
    "write_geoparquet",
    "write_geoparquet_dataset",
]

SUFFIX = ".parquet"


def is_geoparquet(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a ``.parquet`` file or a folder holding ``.parquet`` files.

    >>> is_geoparquet("poles.parquet"), is_geoparquet("poles.csv")
    (True, False)
    """
    path = Path(path)
    if path.is_dir():
        return bool(dataset_files(path))
    return path.suffix.lower() == SUFFIX


def dataset_files(path: str | os.PathLike) -> list[Path]:
    """The ``.parquet`` files of a dataset folder (sub-folders included), in name order;
    a single file for a file. Hidden files (``.``, ``_``) are skipped."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    return sorted(
        p
        for p in path.rglob(f"*{SUFFIX}")
        if p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
    )


def file_crs(path: str | os.PathLike) -> pyproj.CRS | None:
    """The CRS in the ``geo`` metadata of one GeoParquet file (``None`` if it says none).

    Raises :class:`GeoassetError` when the file has no ``geo`` metadata.
    """
    meta = pq.read_schema(path).metadata or {}
    if b"geo" not in meta:
        raise GeoassetError(f"{path}: not a GeoParquet file (no 'geo' metadata)")
    geo = json.loads(meta[b"geo"])
    column = geo["columns"][geo["primary_column"]]
    if "crs" not in column:  # the specification's default
        return pyproj.CRS("OGC:CRS84")
    return None if column["crs"] is None else pyproj.CRS.from_user_input(column["crs"])


def read_geoparquet(
    path: str | os.PathLike, *, columns: list[str] | None = None, bbox=None
) -> gpd.GeoDataFrame:
    """Read a GeoParquet file or dataset folder as one GeoDataFrame, in its own CRS.

    Parameters
    ----------
    path
        A ``.parquet`` file, or a folder of them (one dataset: the same columns and CRS).
    columns
        Columns to read (the geometry is always read).
    bbox
        (minx, miny, maxx, maxy) in the data's CRS: only rows whose geometry's bounding
        box intersects it (row groups are skipped by their statistics when the files
        carry a ``bbox`` covering column).
    """
    path = Path(path)
    if not path.exists():
        raise GeoassetError(f"{path}: no such file or folder")
    files = dataset_files(path)
    if not files:
        raise GeoassetError(f"{path}: folder holds no {SUFFIX} files")
    crs = None
    for i, file in enumerate(files):
        this = file_crs(file)
        if i == 0:
            crs = this
        elif (this is None) != (crs is None) or (this is not None and not this.equals(crs)):
            raise GeoassetError(
                f"{file}: CRS {_name(this)} differs from {_name(crs)} of {files[0].name}"
            )
    try:
        frames = [gpd.read_parquet(f, columns=_with_geometry(f, columns), bbox=bbox) for f in files]
    except (OSError, ValueError) as exc:
        raise GeoassetError(f"{path}: cannot be read ({exc})") from None
    if len(frames) == 1:
        frame = frames[0]
    else:
        frame = gpd.GeoDataFrame(
            gpd.pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs=crs
        )
    if crs is not None and crs.equals(pyproj.CRS("OGC:CRS84")):
        frame = frame.set_crs(4326, allow_override=True)  # same axes as stored: lon, lat
    return frame


def _with_geometry(file: Path, columns: list[str] | None) -> list[str] | None:
    if columns is None:
        return None
    geo = json.loads(pq.read_schema(file).metadata[b"geo"])
    primary = geo["primary_column"]
    return [*columns, primary] if primary not in columns else list(columns)


def _name(crs: pyproj.CRS | None) -> str:
    if crs is None:
        return "none"
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def write_geoparquet(
    frame: gpd.GeoDataFrame, path: str | os.PathLike, *, overwrite: bool = False
) -> Path:
    """Write ``frame`` (with its CRS) as one GeoParquet file, whole or not at all.

    The file carries a ``bbox`` covering column so that readers can skip row groups by
    area (GeoParquet 1.1). An existing file is refused unless ``overwrite``.
    """
    path = Path(path)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise GeoassetError(f"{path}: the table has no geometry; write it as .csv instead")
    if frame.crs is None:
        raise GeoassetError(f"{path}: the frame has no CRS; set one before writing")
    if path.exists() and not overwrite:
        raise OutputExistsError(path)
    if not path.parent.is_dir():
        raise GeoassetError(f"{path}: folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.partial{SUFFIX}")
    try:
        frame.to_parquet(
            tmp, index=False, compression="zstd", write_covering_bbox=True, row_group_size=65536
        )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_geoparquet_dataset(
    frames: Iterable[gpd.GeoDataFrame],
    folder: str | os.PathLike,
    *,
    names: Iterable[str] | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write a stream of frames as a GeoParquet dataset: one file per frame in ``folder``
    (``part-00000.parquet``, ... or ``names``), one frame in memory at a time. Every
    frame must have the same CRS. Returns the files written.

    >>> import tempfile, geopandas as gpd
    >>> from shapely import Point
    >>> chunks = (gpd.GeoDataFrame({"i": [i]}, geometry=[Point(i, 0)], crs=4326) for i in range(3))
    >>> folder = tempfile.mkdtemp()
    >>> [p.name for p in write_geoparquet_dataset(chunks, folder, overwrite=True)]
    ['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']
    >>> len(read_geoparquet(folder))
    3
    """
    folder = Path(folder)
    if folder.exists() and dataset_files(folder) and not overwrite:
        raise OutputExistsError(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    crs = None
    names = iter(names) if names is not None else None
    for i, frame in enumerate(frames):
        if i == 0:
            crs = frame.crs
        elif frame.crs != crs:
            raise GeoassetError(f"{folder}: chunk {i + 1} has CRS {frame.crs}, not {crs}")
        name = next(names) if names is not None else f"part-{i:05d}"
        written.append(write_geoparquet(frame, folder / f"{name}{SUFFIX}", overwrite=True))
    return written
