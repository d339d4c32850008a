"""The nearest corridor of assets outside every corridor, and the distance to it.

Real corridors have thousands of vertices across kilometres, so the search never measures
an asset against whole corridors: it runs on small pieces of the corridors' boundaries
(:func:`_boundary_pieces`) with a radius growing from :data:`_FIRST_RADIUS_M` to the
search distance, and measures in the metric CRS.
"""

from __future__ import annotations

import numpy as np
import shapely

from geoasset.assessment_space import _pairwise, _query, _Space

#: Polygons with more vertices than this are cut into pieces of their boundary of
#: _PIECE_SEGMENTS segments for the nearest-corridor search.
_PIECE_MIN_VERTICES = 128
_PIECE_SEGMENTS = 32


def _metric_pieces(pieces, used: np.ndarray, space: _Space, cache: dict | None) -> np.ndarray:
    """The pieces at ``used`` in the metric CRS; with a ``cache``, each piece is projected
    once for all the searches against the same corridors."""
    if cache is None:
        return space.to_metric(pieces[used])
    projected = cache.setdefault(("metric", space.metric.to_wkt()), np.empty(len(pieces), object))
    missing = used[shapely.is_missing(projected[used])]
    projected[missing] = space.to_metric(pieces[missing])
    return projected[used]


def _boundary(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, shapely.STRtree]:
    """The boundary pieces of ``geoms`` (:func:`_boundary_pieces`), their owners and
    their tree."""
    pieces, owner = _boundary_pieces(geoms)
    return pieces, owner, shapely.STRtree(pieces)


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


def _distances(
    geoms: np.ndarray, corridors, space: _Space, search_m: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest corridor and metric distance to it, for assets outside every corridor,
    searched up to ``search_m`` metres away (``None``: no limit).

    ``corridors`` has ``geoms`` (stored CRS) and ``rank`` (string order of the ids), and
    may have a ``cache`` dict that keeps the boundary pieces for the next search.
    Returns the corridor's position and the distance in metres; -1 and NaN for an asset
    with no corridor within ``search_m``. The search runs on small pieces of the
    corridors' boundaries (:func:`_boundary_pieces`) in the stored CRS with a growing
    radius (20 m, 40 m, 80 m, ... up to the search distance): an asset is settled in the
    first round whose radius holds its nearest piece with a margin for the
    stored-to-metric scale (:meth:`_Space.scale`), so no asset fans out over every
    corridor within the search distance. The distance is measured in the metric CRS
    between the asset and the projected pieces of the candidate corridors. Ties go to
    the smallest corridor_id.
    """
    n = len(geoms)
    nearest = np.full(n, -1, dtype="int64")
    distance = np.full(n, np.nan)
    if n == 0:
        return nearest, distance
    least, most = space.scale(geoms)
    ratio = most / least * (1 + 1e-9)
    last = np.inf if search_m is None else search_m / least * ratio
    cache = getattr(corridors, "cache", None)
    if cache is None:
        pieces, owner, tree = _boundary(corridors.geoms)
    else:
        if "boundary" not in cache:
            cache["boundary"] = _boundary(corridors.geoms)
        pieces, owner, tree = cache["boundary"]
    found_asset, found_piece, found_gap = [], [], []
    active, radius = np.arange(n), min(_FIRST_RADIUS_M / least, last)
    bounds = shapely.bounds(geoms)
    while len(active):
        # pieces whose boxes come within the radius of the asset's box, each measured
        # once (a ``dwithin`` query would measure them, and the pairs again here)
        reach = np.minimum(radius, np.finfo(float).max / 4)
        boxes = shapely.box(*(bounds[active] + [-reach, -reach, reach, reach]).T)
        asset, piece = _query(tree, boxes)
        asset = active[asset]
        gap = _pairwise(shapely.distance, geoms[asset], pieces[piece])
        within = gap <= radius
        asset, piece, gap = asset[within], piece[within], gap[within]
        closest = np.full(n, np.inf)
        np.minimum.at(closest, asset, gap)
        # settled: every piece that could be the nearest in metres is within the radius
        settled = closest * ratio <= radius
        keep = settled[asset] & (gap <= closest[asset] * ratio + 1e-12)
        found_asset.append(asset[keep])
        found_piece.append(piece[keep])
        found_gap.append(gap[keep])
        if radius >= last:
            break
        active = active[~settled[active]]
        radius = min(radius * 2, last)
    asset, piece = np.concatenate(found_asset), np.concatenate(found_piece)
    if space.same:
        metres = np.concatenate(found_gap)
    else:
        # measured between the projected asset and the projected piece (a few dozen
        # vertices): the distance in the metric CRS itself
        assets_used, asset_at = np.unique(asset, return_inverse=True)
        pieces_used, piece_at = np.unique(piece, return_inverse=True)
        metres = _pairwise(
            shapely.distance,
            space.to_metric(geoms[assets_used])[asset_at.reshape(-1)],
            _metric_pieces(pieces, pieces_used, space, cache)[piece_at.reshape(-1)],
        )
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
