"""An offline raster basemap inside a field map: the tiles of an MBTiles or PMTiles
package that cover the map's extent.

The office's own tile package (``--basemap FILE``) is read with :mod:`sqlite3`
(MBTiles 1.3: ``metadata`` and ``tiles`` tables, TMS rows) or the ``pmtiles`` reader;
only the tiles that intersect the map's extent, at every zoom level the package has,
go into the page as base64, and the page draws them as its first base layer with no
request. Past :data:`MAX_BASEMAP_BYTES` the finest zoom levels are left out (Leaflet
scales the coarser tiles up). Vector tiles (``pbf``/MVT) are refused: the page draws
raster tiles only.

Examples
--------
>>> tile_range(15, [[-10.172, 123.611], [-10.170, 123.614]])
(27635, 27635, 17314, 17314)
"""

from __future__ import annotations

import base64
import gzip
import logging
import math
import os
import sqlite3
from pathlib import Path

from geoasset.errors import GeoassetError

__all__ = ["read_basemap", "tile_range", "MAX_BASEMAP_BYTES"]

log = logging.getLogger("geoasset.maps")

#: Most bytes of tiles one map carries (the finest zoom levels go first).
MAX_BASEMAP_BYTES = 8_000_000
RASTER = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}


def tile_range(zoom: int, bounds: list) -> tuple[int, int, int, int]:
    """``(x0, x1, y0, y1)`` of the XYZ tiles at ``zoom`` covering ``[[s, w], [n, e]]``."""
    (s, w), (n, e) = bounds
    count = 2**zoom

    def x_of(lon: float) -> int:
        return min(count - 1, max(0, int((lon + 180.0) / 360.0 * count)))

    def y_of(lat: float) -> int:
        lat = max(-85.05112878, min(85.05112878, lat))
        r = math.radians(lat)
        y = (1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * count
        return min(count - 1, max(0, int(y)))

    return x_of(w), x_of(e), y_of(n), y_of(s)


def _mbtiles(path: Path, bounds: list) -> tuple[dict, dict]:
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = [z for (z,) in db.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY 1")]
            tiles = {}
            for z in zooms:
                x0, x1, y0, y1 = tile_range(z, bounds)
                top = 2**z - 1  # TMS rows count from the south
                rows = db.execute(
                    "SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ? "
                    "AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ?",
                    (z, x0, x1, top - y1, top - y0),
                )
                for x, row, data in rows:
                    tiles[(z, x, top - row)] = bytes(data)
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise GeoassetError(f"{path}: not a readable MBTiles file ({exc})") from None
    info = {
        "name": meta.get("name") or path.stem,
        "format": (meta.get("format") or "png").lower(),
        "attribution": meta.get("attribution", ""),
        "minzoom": min(zooms) if zooms else 0,
        "maxzoom": max(zooms) if zooms else 0,
    }
    return info, tiles


def _pmtiles(path: Path, bounds: list) -> tuple[dict, dict]:
    try:
        from pmtiles.reader import MmapSource, Reader
        from pmtiles.tile import Compression, TileType
    except ImportError:  # pragma: no cover - installed with geoasset
        raise GeoassetError("reading PMTiles needs the pmtiles package") from None
    with open(path, "rb") as handle:
        try:
            reader = Reader(MmapSource(handle))
            header = reader.header()
            meta = reader.metadata()
        except Exception as exc:  # the reader raises plain errors on a damaged file
            raise GeoassetError(f"{path}: not a readable PMTiles file ({exc})") from None
        kinds = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp"}
        fmt = kinds.get(header["tile_type"], "pbf")
        tiles = {}
        if fmt in RASTER:
            gz = header["tile_compression"] == Compression.GZIP
            for z in range(header["min_zoom"], header["max_zoom"] + 1):
                x0, x1, y0, y1 = tile_range(z, bounds)
                for x in range(x0, x1 + 1):
                    for y in range(y0, y1 + 1):
                        data = reader.get(z, x, y)
                        if data:
                            tiles[(z, x, y)] = gzip.decompress(data) if gz else data
    info = {
        "name": (meta or {}).get("name") or path.stem,
        "format": fmt,
        "attribution": (meta or {}).get("attribution", ""),
        "minzoom": header["min_zoom"],
        "maxzoom": header["max_zoom"],
    }
    return info, tiles


def read_basemap(path: str | os.PathLike, bounds: list | None) -> dict | None:
    """The page's ``basemap``: the tiles of ``path`` covering ``bounds`` (``[[s, w],
    [n, e]]``), base64 by ``"z/x/y"``, with name, format, zoom range and attribution.

    ``None`` without bounds (an empty map). A package of vector tiles, or a file that
    is neither MBTiles nor PMTiles, raises :class:`~geoasset.errors.GeoassetError`.
    """
    path = Path(path)
    if not path.is_file():
        raise GeoassetError(f"{path}: basemap file not found")
    if not bounds:
        return None
    with open(path, "rb") as handle:
        magic = handle.read(16)
    if magic.startswith(b"PMTiles"):
        info, tiles = _pmtiles(path, bounds)
    elif magic.startswith(b"SQLite format 3"):
        info, tiles = _mbtiles(path, bounds)
    else:
        raise GeoassetError(f"{path}: a basemap must be an MBTiles or PMTiles file")
    fmt = RASTER.get(info["format"])
    if fmt is None:
        raise GeoassetError(
            f"{path}: tiles of format {info['format']!r} cannot be drawn offline; "
            "give a raster (png, jpg or webp) MBTiles or PMTiles"
        )
    # within the budget: drop the finest zoom levels first
    sizes: dict[int, int] = {}
    for (z, _, _), data in tiles.items():
        sizes[z] = sizes.get(z, 0) + (len(data) * 4 + 2) // 3
    kept, total = [], 0
    for z in sorted(sizes):
        if total + sizes[z] > MAX_BASEMAP_BYTES and kept:
            log.warning(
                "%s: zoom levels from %d on left out (over %d MB of tiles)",
                path,
                z,
                MAX_BASEMAP_BYTES // 1_000_000,
            )
            break
        kept.append(z)
        total += sizes[z]
    encoded = {
        f"{z}/{x}/{y}": base64.b64encode(data).decode("ascii")
        for (z, x, y), data in sorted(tiles.items())
        if z in kept
    }
    (s, w), (n, e) = bounds
    return {
        "name": info["name"],
        "format": fmt,
        "attribution": info["attribution"],
        "minzoom": min(kept) if kept else info["minzoom"],
        "maxzoom": max(kept) if kept else info["maxzoom"],
        "bounds": [[s, w], [n, e]],
        "tiles": encoded,
    }
