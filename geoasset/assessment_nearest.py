"""The nearest corridor of assets outside every corridor, and the distance to it.

Real corridors have thousands of vertices across kilometres, so the search never measures
an asset against whole corridors: it runs on small pieces of the corridors' boundaries
(:func:`_boundary_pieces`), projected once to the metric CRS, with a radius growing from
:data:`_FIRST_RADIUS_M` to the search distance.
"""

from __future__ import annotations

import numpy as np
import shapely

from geoasset.assessment_space import _pairwise, _query, _Space

#: Polygons with more vertices than this are cut into pieces of their boundary of
#: _PIECE_SEGMENTS segments for the nearest-corridor search.
_PIECE_MIN_VERTICES = 128
_PIECE_SEGMENTS = 32


def _metric_boundary(geoms: np.ndarray, space: _Space, cache: dict | None):
    """The boundary pieces of ``geoms`` (:func:`_boundary_pieces`) in the metric CRS,
    their owners and their tree; with a ``cache``, built once for every search against
    the same corridors in the same metric CRS."""
    key = ("metric boundary", space.metric.to_wkt())
    if cache is not None and key in cache:
        return cache[key]
    pieces, owner = _boundary_pieces(geoms)
    pieces = space.to_metric(pieces)
    found = pieces, owner, shapely.STRtree(pieces)
    if cache is not None:
        cache[key] = found
    return found


def _boundary_pieces(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Small shapes whose union is at least the corridors' boundaries, and their owners.

    Polygons with few vertices stay as they are; a larger polygon is replaced by its
    rings cut into lines of :data:`_PIECE_SEGMENTS` segments. For a geometry outside a
    polygon, the distance to the polygon is the distance to its rings, so the nearest
    piece gives the nearest corridor and the distance to it; small pieces have tight
    bounding boxes, so a tree search looks at few of them and measures each quickly
    (a real corridor can have tens of thousands of vertices across kilometres).
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    large = (shapely.get_type_id(parts) == 3) & (
        shapely.get_num_coordinates(parts) > _PIECE_MIN_VERTICES
    )
    rings, ring_part = shapely.get_rings(parts[large], return_index=True)
    xy = shapely.get_coordinates(rings)
    segments = np.maximum(shapely.get_num_coordinates(rings) - 1, 1)
    per_ring = -(-segments // _PIECE_SEGMENTS)
    piece_ring = np.repeat(np.arange(len(rings)), per_ring)
    within = np.arange(len(piece_ring)) - np.repeat(np.cumsum(per_ring) - per_ring, per_ring)
    count = np.minimum(_PIECE_SEGMENTS, segments[piece_ring] - within * _PIECE_SEGMENTS) + 1
    # Pieces follow each other along the ring and share their end vertex: output
    # position q holds vertex q - (pieces before q's piece) + (rings before q's ring).
    piece_of = np.repeat(np.arange(len(count)), count)
    vertex = np.arange(len(piece_of)) - piece_of + piece_ring[piece_of]
    lines = shapely.linestrings(xy[vertex], indices=piece_of)
    line_owner = owner[large][ring_part][piece_ring]
    return np.concatenate([parts[~large], lines]), np.concatenate([owner[~large], line_owner])


#: First radius (metres) of the nearest-corridor search; doubled until the search distance.
_FIRST_RADIUS_M = 20.0
#: A distance to a boundary piece of up to 32 segments costs several point-in-polygon
#: tests, so these calls use the threads from fewer pairs.
_DISTANCE_THREAD_MIN = 4096


def _distances(
    geoms: np.ndarray, corridors, space: _Space, search_m: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest corridor and metric distance to it, for assets outside every corridor,
    searched up to ``search_m`` metres away (``None``: no limit).

    ``corridors`` has ``geoms`` (stored CRS) and ``rank`` (string order of the ids), and
    may have a ``cache`` dict that keeps the projected boundary pieces and their tree for
    the next search. Returns the corridor's position and the distance in metres; -1 and
    NaN for an asset with no corridor within ``search_m``. The search runs on small
    pieces of the corridors' boundaries (:func:`_boundary_pieces`) projected to the
    metric CRS, with a growing radius (20 m, 40 m, 80 m, ... up to the search distance):
    an asset is settled in the first round whose radius holds its nearest piece, so no
    asset fans out over every corridor within the search distance, and each candidate
    piece is measured once. Ties go to the smallest corridor_id.
    """
    n = len(geoms)
    nearest = np.full(n, -1, dtype="int64")
    distance = np.full(n, np.nan)
    if n == 0:
        return nearest, distance
    pieces, owner, tree = _metric_boundary(
        corridors.geoms, space, getattr(corridors, "cache", None)
    )
    points = space.to_metric(geoms)
    last = np.inf if search_m is None else search_m
    found_asset, found_piece, found_gap = [], [], []
    active, radius = np.arange(n), min(_FIRST_RADIUS_M, last)
    bounds = shapely.bounds(points)
    while len(active):
        # pieces whose boxes come within the radius of the asset's box, each measured
        # once (a ``dwithin`` query would measure them, and the pairs again here)
        reach = np.minimum(radius, np.finfo(float).max / 4)
        boxes = shapely.box(*(bounds[active] + [-reach, -reach, reach, reach]).T)
        asset, piece = _query(tree, boxes)
        asset = active[asset]
        gap = _pairwise(
            shapely.distance, points[asset], pieces[piece], minimum=_DISTANCE_THREAD_MIN
        )
        within = gap <= radius
        asset, piece, gap = asset[within], piece[within], gap[within]
        closest = np.full(n, np.inf)
        np.minimum.at(closest, asset, gap)
        # settled: the nearest piece lies within the radius
        settled = closest <= radius
        keep = settled[asset] & (gap <= closest[asset])
        found_asset.append(asset[keep])
        found_piece.append(piece[keep])
        found_gap.append(gap[keep])
        if radius >= last:
            break
        active = active[~settled[active]]
        radius = min(radius * 2, last)
    asset, piece = np.concatenate(found_asset), np.concatenate(found_piece)
    metres = np.concatenate(found_gap)
    corridor = owner[piece]
    order = np.lexsort((corridors.rank[corridor], metres, asset))
    asset, corridor, metres = asset[order], corridor[order], metres[order]
    first = np.ones(len(asset), dtype=bool)
    first[1:] = asset[1:] != asset[:-1]
    asset, corridor, metres = asset[first], corridor[first], metres[first]
    if search_m is not None:
        near = metres <= search_m
        asset, corridor, metres = asset[near], corridor[near], metres[near]
    nearest[asset] = corridor
    distance[asset] = metres
    return nearest, distance
