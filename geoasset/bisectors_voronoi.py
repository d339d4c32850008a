"""The nearest-centreline cut of an overlap on the Voronoi cells of sampled points.

Where neither exact cut of :mod:`geoasset.bisectors` applies, both centrelines are
sampled (:func:`_densify_near`: dense only where a road comes near the road it is paired
with) and the overlap is cut along the boundary between the two roads' Voronoi cells
(:func:`_nearer_voronoi`). The cells come from one Delaunay triangulation per pair
(:func:`_sides_cells`, scipy's Qhull); GEOS's Voronoi diagram is the fallback.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import shapely
from scipy.spatial import Delaunay, QhullError
from shapely.errors import GEOSException

from geoasset.overlays import (
    _from_rings,
    _grouped_union,
    _overlay,
    _ranks,
    _threaded,
    _vertex_owners,
)
from geoasset.parallel import side_by_side, split

#: Longest piece (m) of a centreline sampled at one spacing; also the coarsest spacing.
_PIECE_M = 8.0
#: A piece that near its partner is cut into this many pieces, each with its spacing.
_REFINE = 4
#: Four far points, at this multiple of a pair's extent, bound every cell of its samples
#: without changing any cell within that extent.
_FAR = 2.0
#: Circumcentres are rounded to 1/_CENTRE_GRID m around each pair's centre.
_CENTRE_GRID = 2.0**30
_FAR_CORNERS = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])


def _nearer_voronoi(
    overlap: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    lines: np.ndarray,
    spacing: np.ndarray,
    margin: np.ndarray,
    id_rank: np.ndarray,
    tolerance: np.ndarray | None = None,
    exact_within: np.ndarray | None = None,
) -> np.ndarray:
    """The part of each overlap nearer to centreline ``b`` than ``a``, by Voronoi cells.

    Each road's centreline is sampled once (:func:`_densify_near`: the same points in every
    pair it is in), so the distance each pair compares is one function per road and three
    roads sharing a place never leave a gap. A point on both centrelines belongs to the
    smaller road_id. Where ``tolerance[k] > 0`` the cut is simplified within that many
    metres, except inside ``exact_within[k]`` (the land a third road of the same rank
    reaches, where the cut must meet the other cuts): the cells of points sampled apart
    leave a zigzag of many short edges, which every later overlay would pay for.
    """
    m = len(overlap)
    out = np.full(m, None, dtype=object)
    roads = np.unique(np.concatenate([a, b]))
    bounds = shapely.bounds(overlap)
    lo = bounds[:, :2] - margin[:, None]
    hi = bounds[:, 2:] + margin[:, None]
    xy, owner, gap = _densify_near(lines, roads, a, b, spacing, lo, hi)
    # A sample can be nearest to a point of the overlap only within its reach plus half the
    # widest gap between samples there (``margin`` allows for the widest gap of all).
    reach = margin[:, None] - _PIECE_M / 2 + gap / 2
    # On a 1 µm grid (2**-20 m): nearly coincident points would upset GEOS's Voronoi.
    xy = np.round(xy * 2.0**20) / 2.0**20
    # One point per place per road (closed and self-touching lines repeat vertices).
    order = np.lexsort((xy[:, 1], xy[:, 0], owner))
    owner, xy = owner[order], xy[order]
    repeated = np.zeros(len(owner), dtype=bool)
    repeated[1:] = (owner[1:] == owner[:-1]) & np.all(xy[1:] == xy[:-1], axis=1)
    owner, xy = owner[~repeated], xy[~repeated]
    road_slot = np.full(len(lines), -1, dtype="int64")
    road_slot[roads] = np.arange(len(roads))
    starts = np.searchsorted(owner, np.arange(len(roads)))
    ends = np.searchsorted(owner, np.arange(len(roads)), side="right")
    sel_pair, sel_point, sel_side = [], [], []
    for side, roads_of in ((0, a), (1, b)):
        s = road_slot[roads_of]
        count = ends[s] - starts[s]
        pair = np.repeat(np.arange(m), count)
        point = np.repeat(starts[s], count) + _ranks(count)
        grow = reach[pair, side, None]
        inside = np.all(
            (xy[point] >= bounds[pair, :2] - grow) & (xy[point] <= bounds[pair, 2:] + grow), axis=1
        )
        sel_pair.append(pair[inside])
        sel_point.append(point[inside])
        sel_side.append(np.full(inside.sum(), side, dtype="int64"))
    pair = np.concatenate(sel_pair)
    point = np.concatenate(sel_point)
    side = np.concatenate(sel_side)
    # Same place on both centrelines: keep it for the smaller road_id only.
    loses_tie = np.where(side == 0, id_rank[a[pair]], id_rank[b[pair]])
    order = np.lexsort((loses_tie, xy[point, 1], xy[point, 0], pair))
    pair, point, side = pair[order], point[order], side[order]
    dup = np.zeros(len(pair), dtype=bool)
    dup[1:] = (pair[1:] == pair[:-1]) & np.all(xy[point[1:]] == xy[point[:-1]], axis=1)
    pair, point, side = pair[~dup], point[~dup], side[~dup]

    has_b = np.zeros(m, dtype=bool)
    has_b[pair[side == 1]] = True
    has_a = np.zeros(m, dtype=bool)
    has_a[pair[side == 0]] = True
    out[has_b & ~has_a] = overlap[has_b & ~has_a]
    todo = np.flatnonzero(has_a & has_b)
    if len(todo) == 0:
        return out, np.zeros(m, dtype=bool)
    keep = np.isin(pair, todo)
    pair, point, side = pair[keep], point[keep], side[keep]
    exact = None if exact_within is None else exact_within[todo]
    simplify = None if tolerance is None else tolerance[todo]

    def cut(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The part nearer ``b`` of the overlaps of pairs ``todo[rows]``, and which of them
        needed a grid."""
        mine = np.isin(pair, todo[rows])
        slot = np.searchsorted(todo[rows], pair[mine])
        region = _nearer_region(xy[point[mine]], side[mine] == 1, slot, bounds[todo[rows]])
        if simplify is not None:
            region = _simplified(region, simplify[rows], None if exact is None else exact[rows])
        return _overlay(shapely.intersection, overlap[todo[rows]], region)

    # Blocks of pairs side by side: while one holds Python's lock (making the points,
    # taking the cells apart), another is in GEOS (Voronoi cells, unions).
    blocks = split(len(todo), minimum=2, interleave=True)
    found = side_by_side(*(partial(cut, rows) for rows in blocks))
    retried = np.zeros(len(todo), dtype=bool)
    for rows, (got, again) in zip(blocks, found, strict=True):
        out[todo[rows]] = got
        retried[rows] = again
    return out, np.isin(np.arange(m), todo[retried])


def _nearer_region(xy: np.ndarray, is_b: np.ndarray, slot: np.ndarray, bounds: np.ndarray):
    """Per pair ``0..n-1`` (``bounds`` of its overlap), the union of the Voronoi cells of
    its points ``xy[slot == k]`` on road ``b`` (``is_b``).

    The cells are taken from a Delaunay triangulation (:func:`_sides_cells`); a pair
    whose triangulation leaves a point out or whose union is not valid falls back to
    GEOS's Voronoi diagram within a frame around the overlap and the points
    (:func:`_geos_region`). Either way the region agrees with the cells wherever the
    overlap is.
    """
    region, ok = _sides_cells(xy, is_b, slot, bounds)
    ok[ok] = shapely.is_valid(region[ok])
    if not ok.all():
        redo = np.flatnonzero(~ok)
        mine = np.isin(slot, redo)
        region[redo] = _geos_region(
            xy[mine], is_b[mine], np.searchsorted(redo, slot[mine]), bounds[redo]
        )
    return region


def _sides_cells(xy: np.ndarray, is_b: np.ndarray, slot: np.ndarray, bounds: np.ndarray):
    """Per pair, the union of the Voronoi cells of its points on road ``b``, from one
    Delaunay triangulation per pair; and which pairs it could do.

    A sample's cell is the polygon of the circumcentres of the triangles around it, in
    order of angle. Four far points (:data:`_FAR`) around each pair make every sample's
    cell bounded; no point of the box around its points and its overlap (``bounds``) is
    nearer to them than to a sample.

    >>> xy = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> bounds = np.array([[0.0, -1.0, 2.0, 1.0]])
    >>> region, ok = _sides_cells(xy, np.array([False, True]), np.array([0, 0]), bounds)
    >>> bool(ok[0]), bool(shapely.contains_xy(region[0], 1.5, 0.0))
    (True, True)
    >>> bool(shapely.contains_xy(region[0], 0.5, 0.0))
    False
    """
    n = len(bounds)
    first = np.searchsorted(slot, np.arange(n))
    count = np.bincount(slot, minlength=n)
    lo, hi = _extent(xy, slot, bounds)
    centre = (lo + hi) / 2
    far = _FAR * np.hypot(*(hi - lo).T) + 10.0
    ok = np.zeros(n, dtype=bool)
    found, found_pair = [], []
    for k in np.flatnonzero(count > 0):
        local = np.concatenate(
            [xy[first[k] : first[k] + count[k]] - centre[k], _FAR_CORNERS * far[k]]
        )
        try:
            triangulation = Delaunay(local)
        except QhullError:
            continue
        if len(triangulation.coplanar):  # a sample Qhull merged with another
            continue
        ok[k] = True
        found.append(triangulation.simplices)
        found_pair.append(np.full(len(triangulation.simplices), k))
    region = np.full(n, None, dtype=object)
    if not found:
        return region, ok
    local, pair = np.concatenate(found), np.concatenate(found_pair)
    real = local < count[pair][:, None]
    corner = _FAR_CORNERS[np.where(real, 0, local - count[pair][:, None])]
    site = np.where(real, local + first[pair][:, None], -1)
    vertex = np.where(
        real[..., None],
        xy[np.maximum(site, 0)] - centre[pair][:, None, :],
        corner * far[pair][:, None, None],
    )
    u, v = vertex[:, 1] - vertex[:, 0], vertex[:, 2] - vertex[:, 0]
    den = 2 * (u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    uu, vv = (u * u).sum(1), (v * v).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.stack([v[:, 1] * uu - u[:, 1] * vv, u[:, 0] * vv - v[:, 0] * uu], 1)
        local_centre = vertex[:, 0] + offset / den[:, None]
    # Cocircular samples (evenly spaced along parallel roads) give triangles whose
    # circumcentres differ by a rounding error, in any order: on a 2**-30 m grid they
    # are one point, so no cell folds over.
    circumcentre = np.round(local_centre * _CENTRE_GRID) / _CENTRE_GRID + centre[pair]
    bad = np.bincount(pair[~np.isfinite(circumcentre).all(1)], minlength=n) > 0
    # The cells of road b's samples: each sample's triangles in order of angle.
    site, triangle = site.ravel(), np.repeat(np.arange(len(local)), 3)
    use = site >= 0
    use[use] = is_b[site[use]] & ~bad[pair[triangle[use]]]
    site, triangle = site[use], triangle[use]
    to = circumcentre[triangle] - xy[site]
    order = np.lexsort((np.arctan2(to[:, 1], to[:, 0]), site))
    site, triangle = site[order], triangle[order]
    cell_site, start, size = np.unique(site, return_index=True, return_counts=True)
    closed = size + 1  # each ring ends on its first vertex
    at = _ranks(closed)
    at[at == np.repeat(size, closed)] = 0
    rings = shapely.linearrings(
        circumcentre[triangle[np.repeat(start, closed) + at]],
        indices=np.repeat(np.arange(len(cell_site)), closed),
    )
    cells = shapely.polygons(rings)  # simple: their vertices go round the sample in order
    ok &= ~bad
    keep = ok[slot[cell_site]]
    try:
        region[ok] = _grouped_union(cells[keep], slot[cell_site[keep]], n, coverage=True)[ok]
    except GEOSException:  # cells that overlap by a rounding error: one pair at a time
        for k in np.flatnonzero(ok):
            try:
                region[k] = shapely.coverage_union_all(cells[slot[cell_site] == k])
            except GEOSException:
                ok[k] = False
    # The cells of a pair tile its region, so the region has their total area; cells that
    # overlap (folded by rounding) do not, and their pair falls back.
    total = np.bincount(slot[cell_site[keep]], weights=shapely.area(cells[keep]), minlength=n)
    ok[ok] = np.isclose(shapely.area(region[ok]), total[ok], rtol=1e-9, atol=0.0)
    return region, ok


def _extent(xy: np.ndarray, slot: np.ndarray, bounds: np.ndarray):
    """Per pair, the corners (lo, hi) of the box around its overlap (``bounds``) and its
    points ``xy[slot == k]``."""
    lo, hi = bounds[:, :2].copy(), bounds[:, 2:].copy()
    np.minimum.at(lo, slot, xy)
    np.maximum.at(hi, slot, xy)
    return lo, hi


def _geos_region(xy: np.ndarray, is_b: np.ndarray, slot: np.ndarray, bounds: np.ndarray):
    """:func:`_nearer_region` on GEOS's Voronoi diagram, within a frame around the overlap
    and the points."""
    n = len(bounds)
    points = shapely.multipoints(xy, indices=slot)
    lo, hi = _extent(xy, slot, bounds)
    frame = shapely.box(lo[:, 0] - 1, lo[:, 1] - 1, hi[:, 0] + 1, hi[:, 1] + 1)
    try:
        cells = _threaded(
            lambda p, f: shapely.voronoi_polygons(p, extend_to=f, ordered=True),
            points,
            frame,
            minimum=2,
        )
        parts, cell_pair = shapely.get_parts(cells, return_index=True)
        if len(parts) != len(xy) or np.any(cell_pair != slot):
            raise GEOSException("Voronoi diagram lost input points")
        return _grouped_union(parts[is_b], slot[is_b], n, coverage=True)
    except GEOSException:
        return np.array(
            [_voronoi_region(points[k], frame[k], is_b[slot == k]) for k in range(n)],
            dtype=object,
        )


def _simplified(region: np.ndarray, tolerance: np.ndarray, exact_within) -> np.ndarray:
    """``region`` simplified within ``tolerance`` (where > 0), except inside
    ``exact_within`` (None or missing: simplified everywhere).

    Around ``exact_within`` the rings are simplified in runs between pinned vertices
    (:func:`_simplified_around`); a polygon that would come out invalid is instead
    simplified whole and its part inside ``exact_within`` put back by overlays.
    """
    region = region.copy()
    loose = np.flatnonzero((tolerance > 0) & ~shapely.is_missing(region))
    keep = np.full(len(region), None, dtype=object) if exact_within is None else exact_within
    pinned = loose[~shapely.is_missing(keep[loose])]
    plain = loose[shapely.is_missing(keep[loose])]
    region[plain] = _threaded(shapely.simplify, region[plain], tolerance[plain], minimum=256)
    if len(pinned) == 0:
        return region
    out = _simplified_around(region[pinned], tolerance[pinned], keep[pinned])
    bad = ~_threaded(shapely.is_valid, out)
    if bad.any():
        rows = pinned[bad]
        simple = shapely.simplify(region[rows], tolerance[rows])
        inner, _ = _overlay(shapely.intersection, region[rows], keep[rows])
        outer, _ = _overlay(shapely.difference, simple, keep[rows])
        out[bad], _ = _overlay(shapely.union, inner, outer)
    region[pinned] = out
    return region


def _simplified_around(polys: np.ndarray, tolerance: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Polygons simplified within ``tolerance`` away from ``keep``, exact near it.

    A vertex is pinned where one of its edges comes within twice the tolerance of
    ``keep`` (and the first vertex of each ring); each run of edges between pinned
    vertices is simplified as a line (its ends stay), so every edge of a run lies more
    than twice the tolerance from ``keep`` and the simplified run, within the tolerance
    of it, stays clear of ``keep``: the region inside ``keep`` is unchanged. The result
    may be invalid (runs simplified apart can cross); the caller checks.
    """
    kind, xy, offsets = shapely.to_ragged_array(polys)
    ring_off = offsets[0]
    n_rings = len(ring_off) - 1
    ring_of, geom_of = _vertex_owners(offsets)
    # edge k runs xy[k] -> xy[k + 1] within one ring
    edge = np.flatnonzero(ring_of[1:] == ring_of[:-1])
    reach = 2 * tolerance[geom_of[edge]]
    box = shapely.bounds(keep)[geom_of[edge]]
    p, q = xy[edge], xy[edge + 1]
    maybe = np.all(
        (np.maximum(p, q) >= box[:, :2] - reach[:, None])
        & (np.minimum(p, q) <= box[:, 2:] + reach[:, None]),
        axis=1,
    )
    near = np.zeros(len(edge), dtype=bool)
    if maybe.any():
        shapely.prepare(keep)
        segs = shapely.linestrings(np.stack([p[maybe], q[maybe]], axis=1))
        near[maybe] = _threaded(shapely.dwithin, segs, keep[geom_of[edge[maybe]]], reach[maybe])
    pin = np.zeros(len(xy), dtype=bool)
    pin[edge[near]] = True
    pin[edge[near] + 1] = True
    pin[ring_off[:-1]] = True
    pin[ring_off[1:] - 1] = True
    # runs: from each pinned vertex to the next one of its ring
    at = np.flatnonzero(pin)
    last = np.append(ring_of[at][1:] != ring_of[at][:-1], True)
    run_start, run_end = at[~last], at[1:][~last[:-1]]
    count = run_end - run_start + 1
    vertex = np.repeat(run_start, count) + _ranks(count)
    lines = shapely.linestrings(xy[vertex], indices=np.repeat(np.arange(len(count)), count))
    run_geom = geom_of[run_start]
    simple = _threaded(
        lambda g, t: shapely.simplify(g, t, preserve_topology=False),
        lines,
        tolerance[run_geom],
        minimum=256,
    )
    coords, run = shapely.get_coordinates(simple, return_index=True)
    # each run's last vertex is the next run's first: kept once, and each ring closed
    ring_last = np.zeros(len(coords), dtype=bool)
    run_last = np.append(run[1:] != run[:-1], True)
    closes = np.append(ring_of[run_start][1:] != ring_of[run_start][:-1], True)
    ring_last[run_last] = closes[run[run_last]]
    keep_vertex = ~run_last | ring_last
    coords, run = coords[keep_vertex], run[keep_vertex]
    ring = ring_of[run_start][run]
    sizes = np.bincount(ring, minlength=n_rings)
    short = sizes < 4
    if short.any():  # a ring simplified to a sliver: left as it was
        old = short[ring_of]
        coords = np.concatenate([coords[~short[ring]], xy[old]])
        ring = np.concatenate([ring[~short[ring]], ring_of[old]])
        order = np.argsort(ring, kind="stable")
        coords, ring = coords[order], ring[order]
        sizes = np.bincount(ring, minlength=n_rings)
    rings = np.concatenate([[0], np.cumsum(sizes)])
    return _from_rings(kind, coords, rings, offsets)


def _densify_near(lines, roads, a, b, spacing, lo, hi):
    """Points along each road of ``roads`` (sorted indices into ``lines``), dense where it
    comes near the roads it is paired with: (xy, index into ``roads``) per point, and per
    pair the widest gap between the points of road ``a`` and of road ``b`` in its box.

    Each road is cut into pieces of at most :data:`_PIECE_M`; a piece inside the box
    ``[lo, hi]`` of one of the road's pairs ``(a, b)`` gets points ``sqrt(2 s d)`` apart,
    between ``s = spacing[road]`` and :data:`_PIECE_M`, where ``d`` is its distance to the
    nearest partner road of those pairs (a piece nearer than :data:`_PIECE_M` is first cut
    into :data:`_REFINE` pieces, each measured). At a point where the two roads are equally
    far (``D``) the foot of that point on either road is at most ``2 D`` from the other
    road, so the distance to the nearest sample exceeds ``D`` by at most
    ``step**2 / (8 D) <= s / 2``. The points depend on the road and its partners only,
    never on the pair, so one road has one distance function in all its pairs. Every
    vertex of the road is a point.
    """
    slot = np.full(len(lines), -1, dtype="int64")
    slot[roads] = np.arange(len(roads))
    parts, part_road = shapely.get_parts(
        shapely.segmentize(lines[roads], _PIECE_M), return_index=True
    )
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = np.flatnonzero(part[1:] == part[:-1])
    p0, p1 = xy[same], xy[same + 1]
    road = part_road[part[same]]
    first = np.searchsorted(road, np.arange(len(roads)))
    count = np.bincount(road, minlength=len(roads))
    piece_lo, piece_hi = np.minimum(p0, p1), np.maximum(p0, p1)
    hit_piece, hit_road, hit_pair, hit_side = [], [], [], []
    for side, (own, other) in enumerate(((a, b), (b, a))):
        k = count[slot[own]]
        pair = np.repeat(np.arange(len(own)), k)
        piece = np.repeat(first[slot[own]], k) + _ranks(k)
        hit = np.all((piece_hi[piece] >= lo[pair]) & (piece_lo[piece] <= hi[pair]), axis=1)
        hit_piece.append(piece[hit])
        hit_road.append(other[pair[hit]])
        hit_pair.append(pair[hit])
        hit_side.append(np.full(int(hit.sum()), side))
    hit_piece, hit_road = np.concatenate(hit_piece), np.concatenate(hit_road)
    hit_pair, hit_side = np.concatenate(hit_pair), np.concatenate(hit_side)
    parent = np.arange(len(p0))
    near = _nearest_partner(p0, p1, hit_piece, hit_road, lines)
    # Pieces near a partner are cut in _REFINE and measured again: near a junction the
    # spacing then grows within a few metres instead of staying fine for a whole piece.
    close = np.flatnonzero(near < _PIECE_M)
    if len(close):
        sub = np.repeat(close, _REFINE)
        t0 = (_ranks(np.full(len(close), _REFINE)) / _REFINE)[:, None]
        q0 = p0[sub] + t0 * (p1 - p0)[sub]
        q1 = q0 + (p1 - p0)[sub] / _REFINE
        index = np.full(len(p0), -1, dtype="int64")
        index[close] = np.arange(len(close)) * _REFINE
        use = index[hit_piece] >= 0
        child = np.repeat(index[hit_piece[use]], _REFINE) + np.tile(
            np.arange(_REFINE), int(use.sum())
        )
        sub_near = _nearest_partner(q0, q1, child, np.repeat(hit_road[use], _REFINE), lines)
        keep = np.ones(len(p0), dtype=bool)
        keep[close] = False
        p0, p1 = np.concatenate([p0[keep], q0]), np.concatenate([p1[keep], q1])
        road = np.concatenate([road[keep], road[sub]])
        near = np.concatenate([near[keep], sub_near])
        parent = np.concatenate([parent[keep], sub])
    fine = spacing[roads][road]
    step = np.clip(np.sqrt(2 * fine * near), fine, _PIECE_M)
    n = np.maximum(np.ceil(np.hypot(*(p1 - p0).T) / step - 1e-9), 1).astype("int64")
    n[~np.isfinite(near)] = 1  # a piece no pair looks at: its ends are enough
    # Widest gap between samples on each piece of a pair's box, per side: a sample farther
    # than half of it beyond the reach of the overlap is nobody's nearest sample there.
    widest = np.zeros(int(parent.max(initial=-1)) + 1)
    np.maximum.at(widest, parent, np.hypot(*(p1 - p0).T) / n)
    gap = np.zeros((len(a), 2))
    np.maximum.at(gap, (hit_pair, hit_side), widest[hit_piece])
    total = n + 1
    which = np.repeat(np.arange(len(road)), total)
    t = _ranks(total) / np.repeat(n, total)
    return p0[which] + t[:, None] * (p1 - p0)[which], road[which], gap


def _nearest_partner(p0, p1, piece, partner, lines) -> np.ndarray:
    """Per segment ``p0 -> p1``: its distance to the nearest of the lines ``partner``
    listed for it in ``piece`` (inf for a segment not listed)."""
    near = np.full(len(p0), np.inf)
    segs = shapely.linestrings(np.stack([p0[piece], p1[piece]], axis=1))
    np.minimum.at(near, piece, _threaded(shapely.distance, segs, lines[partner]))
    return near


def _voronoi_region(points, frame, mine: np.ndarray):
    """Union of the Voronoi cells of ``points[mine]``, one pair at a time (fallback)."""
    try:
        cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame, ordered=True))
        if len(cells) == len(mine):
            return shapely.coverage_union_all(cells[mine])
    except GEOSException:
        pass
    # Snap the points together a little and find which point each cell holds.
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame, tolerance=1e-5))
    pts = shapely.get_parts(points)
    ci, pi = shapely.STRtree(pts).query(cells, predicate="intersects")
    first = np.unique(ci, return_index=True)[1]
    ours = np.unique(ci[first][mine[pi[first]]])
    return shapely.union_all(cells[ours])
