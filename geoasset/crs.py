"""Coordinate reference systems: parse what users type, pick a metric CRS for the data.

Lengths, areas and buffers are never computed in degrees. :func:`metric_crs` returns the
user's CRS if it is projected in metres, else the UTM zone of the data's centroid.

Examples
--------
>>> utm_crs(123.67, -10.17).to_epsg()   # Kupang, El Tari airport
32751
>>> parse_crs("32751").name
'WGS 84 / UTM zone 51S'
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
from pyproj.exceptions import CRSError as ProjCRSError

from geoasset.errors import CRSError

__all__ = ["parse_crs", "utm_crs", "metric_crs", "require_metric", "to_metric"]


def parse_crs(text: str | int | pyproj.CRS) -> pyproj.CRS:
    """Parse ``EPSG:32751``, ``32751``, a PROJ string or WKT; raise :class:`CRSError`.

    Examples
    --------
    >>> parse_crs("EPSG:9999999")
    Traceback (most recent call last):
    ...
    geoasset.errors.CRSError: unknown CRS 'EPSG:9999999'
    """
    if isinstance(text, pyproj.CRS):
        return text
    value = str(text).strip()
    if value.isdigit():
        value = f"EPSG:{value}"
    try:
        return pyproj.CRS.from_user_input(value)
    except ProjCRSError:
        raise CRSError(f"unknown CRS {str(text)!r}") from None


def utm_crs(lon: float, lat: float) -> pyproj.CRS:
    """The WGS 84 UTM zone holding ``lon, lat`` (EPSG 326zz north, 327zz south)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CRSError(f"({lon}, {lat}) is not a longitude/latitude")
    zone = int(np.floor((lon + 180) / 6)) % 60 + 1
    return pyproj.CRS.from_epsg((32700 if lat < 0 else 32600) + zone)


def require_metric(crs: pyproj.CRS | str | int) -> pyproj.CRS:
    """Return ``crs`` if it is projected with metre units, else raise :class:`CRSError`.

    Examples
    --------
    >>> require_metric(4326)
    Traceback (most recent call last):
    ...
    geoasset.errors.CRSError: EPSG:4326 (WGS 84) is geographic (degrees); lengths, areas and buffers need a projected CRS in metres, e.g. EPSG:32751
    """
    crs = parse_crs(crs)
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in ("metre", "meter"):
        label = crs.to_string()
        raise CRSError(
            f"{label} ({crs.name}) is geographic (degrees); lengths, areas and buffers need "
            "a projected CRS in metres, e.g. EPSG:32751"
            if crs.is_geographic
            else f"{label} ({crs.name}) is not in metres"
        )
    return crs


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs=None) -> pyproj.CRS:
    """The CRS to measure ``frame`` in.

    ``crs`` if given (checked to be projected in metres), else the data's own CRS if it
    is already projected in metres, else the UTM zone of the data's centroid.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> metric_crs(gpd.GeoSeries([Point(123.6, -10.2)], crs=4326)).to_epsg()
    32751
    >>> metric_crs(gpd.GeoSeries([Point(500000, 8870000)], crs=23840)).to_epsg()
    23840
    """
    if crs is not None:
        return require_metric(crs)
    if frame.crs is None:
        raise CRSError("data has no CRS; cannot choose a metric CRS for it")
    if frame.crs.is_projected:
        try:
            return require_metric(frame.crs)
        except CRSError:
            pass
    if len(frame) == 0 or frame.geometry.is_empty.all():
        raise CRSError("data is empty; cannot choose a metric CRS for it")
    minx, miny, maxx, maxy = frame.geometry.to_crs(4326).total_bounds
    return utm_crs((minx + maxx) / 2, (miny + maxy) / 2)


def to_metric(frame, crs=None):
    """``frame`` reprojected to :func:`metric_crs`."""
    return frame.to_crs(metric_crs(frame, crs))
