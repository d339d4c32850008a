"""Spatial partitions of a network: square tiles or Hilbert ranges, with a margin.

Large work runs part by part; the same parts are what :mod:`geoasset.distributed` sends to
the workers of a Dask cluster. A part is exact at its borders because of two rules:

* **One home per asset.** Every asset (pole, line, area) and every corridor has exactly
  one home part, chosen by its representative point in the metric CRS (the point itself,
  or :func:`shapely.point_on_surface` of a line or polygon): a pole on a tile border is
  assessed, and billed, by one part only.
* **Context by distance, not by tile.** A part carries, besides its home assets, every
  corridor within the margin of any of those assets (not of the tile), and the roads of
  those corridors. A line crossing three tiles is assessed whole by its home part, which
  sees every corridor it crosses; a pole's nearest corridor (searched up to
  ``search_distance_m``) is always in its part. The result of a part is therefore the
  result the whole network gives for its home assets.

The margin (:func:`margin_m`) is the widest right-of-way plus the reach of the
nearest-centreline and nearest-corridor rules (the assessment's search distance, 100 m,
the Ruwasja; chainage's tolerance, 50 m).

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point
>>> pts = gpd.GeoSeries([Point(10, 10), Point(999, 5), Point(1000, 5)], crs=32751)
>>> square_tiles(pts, size_m=1000, origin=(0, 0)).tolist()
[0, 0, 1]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoasset.errors import GeoassetError

__all__ = [
    "Part",
    "hilbert_ranges",
    "margin_m",
    "plan_parts",
    "representative_points",
    "square_tiles",
]


def margin_m(widest_row_m: float = 30.0, reach_m: float = 100.0) -> float:
    """The margin a part needs around its assets: the widest right-of-way plus the reach
    of the nearest-centreline and nearest-corridor rules, in metres.

    >>> margin_m(30, 100)
    130.0
    """
    if not (widest_row_m >= 0 and reach_m >= 0):
        raise GeoassetError(f"margin: widths must be 0 or more, got {widest_row_m}, {reach_m}")
    return float(widest_row_m) + float(reach_m)


def representative_points(geoms) -> np.ndarray:
    """x, y of each geometry's representative point (NaN for a missing or empty one).

    >>> from shapely import LineString
    >>> representative_points([LineString([(0, 0), (4, 0)]), None]).round(1).tolist()
    [[0.0, 0.0], [nan, nan]]
    """
    values = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    out = np.full((len(values), 2), np.nan)
    ok = ~(shapely.is_missing(values) | shapely.is_empty(values))
    if ok.any():
        kinds = shapely.get_type_id(values[ok])
        points = values[ok].copy()
        not_point = kinds != 0
        points[not_point] = shapely.point_on_surface(points[not_point])
        out[ok] = shapely.get_coordinates(points)
    return out


def square_tiles(geoms, *, size_m: float, origin: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """The home tile of each geometry: square tiles of ``size_m`` metres from ``origin``
    (in the geometries' metric CRS), as one int64 code per geometry (missing geometries
    go to tile 0). Codes are dense: 0, 1, ... in order of (row, column) of the tile.

    A point exactly on a tile edge belongs to the tile east/north of it.
    """
    if not size_m > 0:
        raise GeoassetError(f"tile size must be more than 0 m, got {size_m!r}")
    xy = representative_points(geoms)
    cells = np.floor((xy - np.asarray(origin, dtype=float)) / float(size_m))
    cells[~np.isfinite(cells)] = np.nan
    ok = np.isfinite(cells).all(axis=1)
    codes = np.zeros(len(xy), dtype="int64")
    if ok.any():
        pairs = cells[ok].astype("int64")
        _, dense = np.unique(pairs[:, ::-1], axis=0, return_inverse=True)
        codes[ok] = dense.reshape(-1)
    return codes


def hilbert_ranges(geoms, *, parts: int, bounds: Sequence[float] | None = None) -> np.ndarray:
    """The home part of each geometry: its representative point's distance along a
    Hilbert curve over ``bounds`` (default: the points' bounds), cut into ``parts``
    ranges of about equal counts. Missing geometries go to part 0.

    >>> from shapely import Point
    >>> pts = [Point(0, 0), Point(100, 100), Point(1, 1), Point(99, 99)]
    >>> hilbert_ranges(pts, parts=2).tolist()
    [0, 1, 0, 1]
    """
    if parts < 1:
        raise GeoassetError(f"parts must be 1 or more, got {parts!r}")
    xy = representative_points(geoms)
    ok = np.isfinite(xy).all(axis=1)
    codes = np.zeros(len(xy), dtype="int64")
    if not ok.any() or parts == 1:
        return codes
    points = gpd.GeoSeries(shapely.points(xy[ok]))
    if bounds is None:
        bounds = points.total_bounds
    distance = points.hilbert_distance(total_bounds=tuple(bounds), level=16).to_numpy()
    order = np.argsort(distance, kind="stable")
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    # equal counts, but one Hilbert distance never straddles two parts
    cut = np.minimum(rank * parts // len(order), parts - 1)
    first_of_distance = {}
    for d, c in zip(distance[order].tolist(), cut[order].tolist(), strict=True):
        first_of_distance.setdefault(d, c)
    codes[ok] = [first_of_distance[d] for d in distance.tolist()]
    return codes


@dataclass
class Part:
    """One part of the work: its home assets (row positions per layer), the corridors
    within the margin of them and the roads of those corridors (row positions)."""

    key: int
    assets: dict[str, np.ndarray] = field(default_factory=dict)
    corridors: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))
    roads: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))
    home_corridors: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))

    @property
    def size(self) -> int:
        """How many home assets the part holds."""
        return int(sum(len(v) for v in self.assets.values()))


def plan_parts(
    assets: Mapping[str, gpd.GeoSeries | None],
    corridors: gpd.GeoSeries,
    *,
    crs,
    margin: float | None,
    roads_of_corridors: np.ndarray | None = None,
    road_ids: np.ndarray | None = None,
    tile_size_m: float | None = None,
    parts: int | None = None,
) -> list[Part]:
    """Split ``assets`` (geometries per layer, any CRS) into parts with their context.

    Parameters
    ----------
    assets
        Geometries of each asset layer (``None`` for a missing layer).
    corridors
        The corridors' geometries (any CRS).
    crs
        The metric CRS in which tiles, points and the margin are measured.
    margin
        Metres: every corridor within this distance of a home asset joins the part;
        ``None`` takes every corridor (an unlimited search).
    roads_of_corridors, road_ids
        ``road_id`` of each corridor and of each road: a part lists the rows of the roads
        of its corridors.
    tile_size_m, parts
        Square tiles of this size, or this many Hilbert ranges (exactly one of them).

    Returns
    -------
    list of Part
        Parts with at least one home asset, in key order. Every corridor is the home of
        exactly one part (by its representative point; parts without assets receive the
        corridors of the nearest key), so the union of the parts' home corridors is the
        whole network.
    """
    if (tile_size_m is None) == (parts is None):
        raise GeoassetError("give either a tile size or a number of parts")
    metric = {
        name: gpd.GeoSeries(g, crs=g.crs).to_crs(crs).values.to_numpy()
        for name, g in assets.items()
        if g is not None and len(g)
    }
    corridor_geoms = gpd.GeoSeries(corridors, crs=corridors.crs).to_crs(crs).values.to_numpy()
    everything = np.concatenate([*metric.values(), corridor_geoms]) if metric else corridor_geoms
    if tile_size_m is not None:
        xy = representative_points(everything)
        ok = np.isfinite(xy).all(axis=1)
        origin = (np.floor(xy[ok].min(axis=0) / tile_size_m) * tile_size_m) if ok.any() else (0, 0)
        codes = square_tiles(everything, size_m=tile_size_m, origin=tuple(origin))
    else:
        codes = hilbert_ranges(everything, parts=parts)
    found: dict[int, Part] = {}
    start = 0
    for name, geoms in metric.items():
        layer_codes = codes[start : start + len(geoms)]
        start += len(geoms)
        order = np.argsort(layer_codes, kind="stable")
        keys, first = np.unique(layer_codes[order], return_index=True)
        for key, rows in zip(keys.tolist(), np.split(order, first[1:]), strict=True):
            found.setdefault(key, Part(key)).assets[name] = np.sort(rows)
    home = codes[start:]
    result = sorted(found.values(), key=lambda p: p.key)
    if not result:
        return []
    keys = np.array([p.key for p in result])
    owner = np.clip(np.searchsorted(keys, home), 0, len(keys) - 1)
    for i, part in enumerate(result):
        part.home_corridors = np.flatnonzero(owner == i)
    tree = shapely.STRtree(corridor_geoms)
    for part in result:
        if margin is None:
            part.corridors = np.arange(len(corridor_geoms))
        else:
            geoms = np.concatenate([metric[n][rows] for n, rows in part.assets.items()])
            geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
            hits = tree.query(geoms, predicate="dwithin", distance=float(margin))[1]
            part.corridors = np.unique(hits)
        if roads_of_corridors is not None and road_ids is not None:
            wanted = pd.unique(pd.Series(roads_of_corridors).iloc[part.corridors])
            part.roads = np.flatnonzero(pd.Series(road_ids).isin(wanted).to_numpy())
    return result
