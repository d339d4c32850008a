"""Linear referencing: where an asset stands along its road (STA, offset, side).

Every asset gets the road it belongs to, its chainage ``sta_m`` (metres from the road's
first vertex plus the road's ``sta_start_m``), the label ``STA 12+300``, its distance
``offset_m`` from the centreline and the ``side`` ("left" / "right" of the direction the
road was digitised in, "on" within 1 cm of the centreline).

Which road: the right-of-way corridor the asset stands in, when corridors are given;
otherwise (or outside every corridor) the nearest road centreline within
``tolerance_m``. Equidistant candidates go to the smaller ``road_id``. Everything is
measured in a metric CRS (:func:`geoasset.crs.metric_crs`: the UTM zone of the roads, or
the CRS the caller names), never in degrees.

Road centrelines are prepared once (:func:`geoasset.centrelines.centrelines`, also
importable from here); STA labels come from :mod:`geoasset.sta`.

The work is vectorised. The centrelines are cut once into their straight segments
(with the chainage at each segment's start); one envelope query of a
:class:`shapely.STRtree` of the segments gives every asset its candidate segments within
``tolerance_m``, and the distances, the nearest segment, the foot of the perpendicular,
the chainage and the side are then computed for all assets at once in numpy. At a vertex
the direction of travel is the mean of the two segments meeting there, so an asset
outside a bend is on the side it looks to be on.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString, Point
>>> roads = gpd.GeoDataFrame({"road_id": ["R1"], "sta_start_m": [1000.0]},
...                          geometry=[LineString([(500000, 8870000), (501000, 8870000)])],
...                          crs=32751)
>>> poles = gpd.GeoSeries([Point(500250, 8870004)], crs=32751)
>>> located = locate_points(poles, roads)
>>> located[["road_id", "sta", "offset_m", "side"]].to_dict("records")
[{'road_id': 'R1', 'sta': 'STA 1+250', 'offset_m': 4.0, 'side': 'left'}]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoasset.centrelines import (
    Centrelines,
    _texts,
    centrelines,
)
from geoasset.errors import CRSError, SchemaError, ValidationProblem
from geoasset.sta import (
    _labels,
    _range_labels,
    format_sta,
    format_sta_range,
)

__all__ = [
    "ON_CENTRELINE_M",
    "TOLERANCE_M",
    "Centrelines",
    "centrelines",
    "format_sta",
    "format_sta_range",
    "locate_points",
    "locate_lines",
    "locate_assets",
    "POINT_LAYERS",
    "LINE_LAYERS",
]

log = logging.getLogger(__name__)

#: An asset closer than this to the centreline is "on" it (side = "on").
ON_CENTRELINE_M = 0.01
#: Outside every corridor, the nearest road is taken only within this distance (metres).
TOLERANCE_M = 50.0

#: Step used to read the direction of the road at a projected point.
_DIRECTION_STEP_M = 1e-3

#: Asset layers located as points, and as lines, by :func:`locate_assets`.
POINT_LAYERS = ("poles", "bridges", "monuments")
LINE_LAYERS = ("utility_lines",)

_RESULT_COLUMNS = ("road_id", "sta_m", "sta", "offset_m", "side")
_LINE_COLUMNS = ("road_id", "sta_from_m", "sta_to_m", "sta", "side")


# -- locating ------------------------------------------------------------------------
def _first_per_group(groups: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Positions of the best row per group: sorted by ``keys`` (first key most important)."""
    order = np.lexsort((*reversed(keys), groups))
    g = groups[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    return order[first]


class _Locator:
    """Centrelines (and optional corridors) with their spatial indexes, reused per layer."""

    def __init__(self, roads, corridors, tolerance_m: float, crs):
        tol = float(tolerance_m)
        if not np.isfinite(tol) or tol < 0:
            raise ValueError(f"tolerance_m must be a number of metres >= 0, got {tolerance_m!r}")
        self.tolerance = tol
        self.lines = centrelines(roads, crs=crs)
        if len(self.lines) == 0:
            raise SchemaError("roads", [ValidationProblem(None, None, "no usable road line")])
        self.rank = np.empty(len(self.lines), dtype="int64")
        self.rank[np.argsort(self.lines.road_id.astype(str), kind="stable")] = np.arange(
            len(self.lines)
        )
        self.corridor_polys = None
        if corridors is not None and len(corridors):
            if "road_id" not in corridors.columns:
                raise SchemaError(
                    "corridors", [ValidationProblem(None, "road_id", "column is missing")]
                )
            if corridors.crs is None:
                raise CRSError("chainage refused: corridors have no CRS")
            index = {rid: k for k, rid in enumerate(self.lines.road_id)}
            owner = np.array([index.get(r, -1) for r in _texts(corridors["road_id"])])
            polys = np.asarray(corridors.geometry.to_crs(self.lines.crs).to_numpy(), object)
            keep = (owner >= 0) & ~shapely.is_missing(polys) & ~shapely.is_empty(polys)
            self.corridor_owner = owner[keep]
            self.corridor_polys = polys[keep]

    def to_metric(self, geoseries: gpd.GeoSeries) -> np.ndarray:
        if geoseries.crs is None:
            raise CRSError("chainage refused: assets have no CRS")
        return np.asarray(geoseries.to_crs(self.lines.crs).to_numpy(), dtype=object)

    def locate(self, points: np.ndarray, forced: np.ndarray | None = None):
        """Road index (-1: none), segment and position on it, for each point.

        The road is ``forced`` where given (>= 0), else the corridor the point stands in,
        else the nearest road within the tolerance (ties: the smaller road_id, then the
        smaller chainage). Candidates come from one envelope query of the segment tree;
        distances are computed in numpy.
        """
        n = len(points)
        road = np.full(n, -1, dtype="int64") if forced is None else forced.copy()
        valid = ~(shapely.is_missing(points) | shapely.is_empty(points))
        road[~valid] = -1
        xy = np.full((n, 2), np.nan)
        if valid.any():
            xy[valid] = shapely.get_coordinates(points[valid])
        if self.corridor_polys is not None:
            todo = np.flatnonzero(valid & (road < 0))
            # The points in a tree, queried by each corridor: GEOS prepares every
            # corridor once instead of testing each point against whole polygons.
            ci, pi = shapely.STRtree(points[todo]).query(
                self.corridor_polys, predicate="intersects"
            )
            if len(pi):
                # On a shared corridor edge: the road whose centreline is nearer.
                cand = self.corridor_owner[ci]
                dist = shapely.distance(self.lines.geometry[cand], points[todo[pi]])
                best = _first_per_group(pi, dist, self.rank[cand])
                road[todo[pi[best]]] = cand[best]
        segs = self.lines.segments()
        seg = np.full(n, -1, dtype="int64")
        t = np.zeros(n)
        reach = self.tolerance
        which = np.flatnonzero(valid)
        # Envelope query: two-point lines spanning each point's square of side 2 * reach.
        square = shapely.linestrings(np.stack([xy[which] - reach, xy[which] + reach], axis=1))
        pi, si = segs.tree.query(square)
        pi = which[pi]
        own = road[pi]
        keep = (own < 0) | (segs.road[si] == own)
        pi, si = pi[keep], si[keep]
        if len(pi):
            pos, dist = segs.project(si, xy[pi])
            near = dist <= reach
            pi, si, pos, dist = pi[near], si[near], pos[near], dist[near]
            best = _first_per_group(
                pi, dist, self.rank[segs.road[si]], segs.start[si] + pos * segs.length[si]
            )
            seg[pi[best]] = si[best]
            t[pi[best]] = pos[best]
        road[seg >= 0] = segs.road[seg[seg >= 0]]
        # A road given (or found by corridor) farther than the tolerance: measure along it.
        far = np.flatnonzero((road >= 0) & (seg < 0))
        if len(far):
            along = shapely.line_locate_point(self.lines.geometry[road[far]], points[far])
            seg[far], t[far] = segs.at(road[far], along)
        return road, seg, t, xy

    def measure(self, points: np.ndarray, forced: np.ndarray | None = None):
        """Road index, chainage, offset and side of ``points``."""
        road, seg, t, xy = self.locate(points, forced)
        n = len(points)
        sta = np.full(n, np.nan)
        offset = np.full(n, np.nan)
        side = np.full(n, None, dtype=object)
        ok = np.flatnonzero(seg >= 0)
        if len(ok) == 0:
            return road, sta, offset, side
        segs = self.lines.segments()
        s, u, p = seg[ok], t[ok], xy[ok]
        a, b = segs.a[s], segs.b[s]
        foot = a + u[:, None] * (b - a)
        sta[ok] = self.lines.sta_start[road[ok]] + segs.start[s] + u * segs.length[s]
        off = np.hypot(*(p - foot).T)
        offset[ok] = off
        # Direction of travel; at a vertex, the mean of the two segments meeting there.
        unit = _unit(b - a)
        direction = unit.copy()
        at_start = (u <= 0) & segs.prev[s]
        at_end = (u >= 1) & segs.next[s]
        direction[at_start] += _unit(segs.b[s[at_start] - 1] - segs.a[s[at_start] - 1])
        direction[at_end] += _unit(segs.b[s[at_end] + 1] - segs.a[s[at_end] + 1])
        v = p - foot
        cross = direction[:, 0] * v[:, 1] - direction[:, 1] * v[:, 0]
        side[ok] = np.where(off < ON_CENTRELINE_M, "on", np.where(cross > 0, "left", "right"))
        return road, sta, offset, side

    def road_ids(self, road: np.ndarray) -> np.ndarray:
        out = np.full(len(road), None, dtype=object)
        out[road >= 0] = self.lines.road_id[road[road >= 0]]
        return out


def _unit(d: np.ndarray) -> np.ndarray:
    return d / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-300)[:, None]


def _as_points(geoms: np.ndarray) -> np.ndarray:
    """Points stay; lines give their midpoint; polygons a point inside them."""
    out = np.array(geoms, dtype=object)
    kind = shapely.get_type_id(out)
    lines = np.isin(kind, [1, 2, 5])
    if lines.any():
        out[lines] = shapely.line_interpolate_point(out[lines], 0.5, normalized=True)
    other = ~np.isin(kind, [-1, 0, 1, 2, 5]) & ~shapely.is_empty(out)
    if other.any():
        out[other] = shapely.point_on_surface(out[other])
    return out


def _geoseries(assets) -> gpd.GeoSeries:
    if isinstance(assets, gpd.GeoDataFrame):
        return assets.geometry
    if isinstance(assets, gpd.GeoSeries):
        return assets
    raise TypeError(f"assets must be a GeoDataFrame or GeoSeries, not {type(assets).__name__}")


def _point_frame(locator: _Locator, assets, forced: np.ndarray | None = None) -> pd.DataFrame:
    geoseries = _geoseries(assets)
    points = _as_points(locator.to_metric(geoseries))
    road, sta, offset, side = locator.measure(points, forced)
    return pd.DataFrame(
        {
            "road_id": pd.Series(locator.road_ids(road), index=geoseries.index, dtype="str"),
            "sta_m": pd.Series(sta, index=geoseries.index),
            "sta": _labels(sta, geoseries.index),
            "offset_m": pd.Series(offset, index=geoseries.index),
            "side": pd.Series(side, index=geoseries.index, dtype="str"),
        }
    )


def locate_points(
    points,
    roads: gpd.GeoDataFrame,
    *,
    corridors: gpd.GeoDataFrame | None = None,
    tolerance_m: float = TOLERANCE_M,
    crs=None,
) -> pd.DataFrame:
    """Road, chainage, offset and side of point assets.

    Parameters
    ----------
    points
        GeoDataFrame or GeoSeries of the assets, any CRS. Lines are located at their
        midpoint, polygons at a point inside them.
    roads
        The ``roads`` layer (``road_id``, optional ``sta_start_m``).
    corridors
        Optional ``corridors`` layer (``road_id`` + polygons): an asset standing in a
        corridor belongs to that corridor's road.
    tolerance_m
        Outside every corridor, the nearest road is taken only within this distance.
    crs
        Metric CRS to measure in; default the UTM zone of the roads.

    Returns
    -------
    DataFrame
        Indexed like ``points``: ``road_id``, ``sta_m``, ``sta`` (``STA 12+300``),
        ``offset_m``, ``side`` (``left``/``right``/``on``); missing values where no road
        was found.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString, Point
    >>> roads = gpd.GeoDataFrame({"road_id": ["R1"]}, crs=32751,
    ...     geometry=[LineString([(0, 0), (100, 0), (100, 100)])])
    >>> pts = gpd.GeoSeries([Point(103, 40), Point(50, 0), Point(500, 500)], crs=32751)
    >>> out = locate_points(pts, roads, crs=32751)
    >>> out[["road_id", "sta", "offset_m", "side"]].values.tolist()
    [['R1', 'STA 0+140', 3.0, 'right'], ['R1', 'STA 0+050', 0.0, 'on'], [nan, nan, nan, nan]]
    """
    locator = _Locator(roads, corridors, tolerance_m, crs)
    return _point_frame(locator, points)


def _line_frame(locator: _Locator, lines) -> pd.DataFrame:
    geoseries = _geoseries(lines)
    geoms = locator.to_metric(geoseries)
    n = len(geoms)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    kind = shapely.get_type_id(geoms)
    is_line = valid & np.isin(kind, [1, 2, 5])
    start = np.full(n, None, dtype=object)
    end = np.full(n, None, dtype=object)
    if is_line.any():
        merged = shapely.line_merge(geoms[is_line])
        start[is_line] = shapely.line_interpolate_point(merged, 0.0, normalized=True)
        end[is_line] = shapely.line_interpolate_point(merged, 1.0, normalized=True)
    other = valid & ~is_line
    if other.any():
        start[other] = end[other] = _as_points(geoms[other])
    road, sta_from, _, side_from = locator.measure(start)
    at_end, _, _, _ = locator.measure(end)
    missing = road < 0
    if missing.any():  # no road at the start: the road of the end, measured from there
        road[missing] = at_end[missing]
        sub = np.flatnonzero(missing & (road >= 0))
        _, sta_from[sub], _, side_from[sub] = locator.measure(start[sub], road[sub])
    _, sta_to, _, side_to = locator.measure(end, road)
    side = np.full(n, None, dtype=object)
    for k in np.flatnonzero(road >= 0):
        sides = {side_from[k], side_to[k]} - {"on"}
        side[k] = "on" if not sides else sides.pop() if len(sides) == 1 else "both"
    return pd.DataFrame(
        {
            "road_id": pd.Series(locator.road_ids(road), index=geoseries.index, dtype="str"),
            "sta_from_m": pd.Series(sta_from, index=geoseries.index),
            "sta_to_m": pd.Series(sta_to, index=geoseries.index),
            "sta": _range_labels(sta_from, sta_to, geoseries.index),
            "side": pd.Series(side, index=geoseries.index, dtype="str"),
        }
    )


def locate_lines(
    lines,
    roads: gpd.GeoDataFrame,
    *,
    corridors: gpd.GeoDataFrame | None = None,
    tolerance_m: float = TOLERANCE_M,
    crs=None,
) -> pd.DataFrame:
    """Road and chainage of the start and end of line assets (cables, pipes).

    The road is the one found for the line's first point (or, if none, its last point);
    both ends are measured along that road, so ``sta_from_m`` > ``sta_to_m`` when the
    line runs against the road's direction. ``side`` is "left"/"right" when both ends
    are on that side, "both" when they are on opposite sides, "on" when both are on the
    centreline.

    Parameters
    ----------
    lines
        GeoDataFrame or GeoSeries of lines, any CRS.
    roads, corridors, tolerance_m, crs
        As for :func:`locate_points`.

    Returns
    -------
    DataFrame
        Indexed like ``lines``: ``road_id``, ``sta_from_m``, ``sta_to_m``,
        ``sta`` (``STA 0+120 – 0+480``), ``side``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame({"road_id": ["R1"]}, crs=32751,
    ...     geometry=[LineString([(0, 0), (1000, 0)])])
    >>> cable = gpd.GeoSeries([LineString([(120, -6), (480, -6)])], crs=32751)
    >>> locate_lines(cable, roads, crs=32751).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'road_id': 'R1', 'sta_from_m': 120.0, 'sta_to_m': 480.0, 'sta': 'STA 0+120 – 0+480',
      'side': 'right'}]
    """
    locator = _Locator(roads, corridors, tolerance_m, crs)
    return _line_frame(locator, lines)


def locate_assets(
    frames: Mapping[str, gpd.GeoDataFrame],
    roads: gpd.GeoDataFrame,
    *,
    corridors: gpd.GeoDataFrame | None = None,
    tolerance_m: float = TOLERANCE_M,
    crs=None,
) -> dict[str, gpd.GeoDataFrame]:
    """Fill the chainage fields of the asset layers in ``frames``.

    ``poles``, ``bridges`` and ``monuments`` are located as points (lines at their
    midpoint, polygons at a point inside them) and get ``road_id``, ``sta_m``, ``sta``,
    ``offset_m``, ``side``; ``utility_lines`` get ``road_id``, ``sta_from_m``,
    ``sta_to_m``, ``sta``, ``side``. A bridge whose ``road_id`` already names a known
    road keeps it and is measured along that road. Other frames come back unchanged.

    Parameters
    ----------
    frames
        Layer name -> GeoDataFrame.
    roads, corridors, tolerance_m, crs
        As for :func:`locate_points`.

    Returns
    -------
    dict
        The same layer names, each a copy with the fields filled.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString, Point
    >>> roads = gpd.GeoDataFrame({"road_id": ["R1"]}, crs=32751,
    ...     geometry=[LineString([(0, 0), (1000, 0)])])
    >>> poles = gpd.GeoDataFrame({"pole_id": ["P1"]}, crs=32751, geometry=[Point(10, 5)])
    >>> out = locate_assets({"poles": poles}, roads, crs=32751)
    >>> out["poles"][["pole_id", "road_id", "sta", "side"]].values.tolist()
    [['P1', 'R1', 'STA 0+010', 'left']]
    """
    locator = _Locator(roads, corridors, tolerance_m, crs)
    index = {rid: k for k, rid in enumerate(locator.lines.road_id)}
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, frame in frames.items():
        if name in POINT_LAYERS:
            forced = None
            if name == "bridges" and "road_id" in frame.columns:
                forced = np.array(
                    [index.get(r, -1) for r in _texts(frame["road_id"])],
                    dtype="int64",
                )
            located = _point_frame(locator, frame, forced)
            columns = _RESULT_COLUMNS
        elif name in LINE_LAYERS:
            located = _line_frame(locator, frame)
            columns = _LINE_COLUMNS
        else:
            out[name] = frame
            continue
        filled = frame.copy()
        for column in columns:
            filled[column] = located[column]
        out[name] = filled
    return out
