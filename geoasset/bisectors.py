"""The nearest-centreline cut of the overlap of two roads of equal width.

Three ways, chosen per pair by :mod:`geoasset.partition`: exact bisectors when both
centrelines near the overlap are single straight segments (:func:`_nearer_convex`, all
in numpy) or rays leaving one shared node (:func:`_nearer_star`, a junction), else the
Voronoi cells of points sampled along both centrelines (:func:`_nearer_voronoi`), dense
only where a road comes near the road it is paired with (:func:`_densify_near`).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import shapely
from shapely.errors import GEOSException

from geoasset.overlays import _AREA_EPS, _grouped_union, _overlay, _polygonal, _ranks, _threaded
from geoasset.parallel import side_by_side, split

#: Longest piece (m) of a centreline sampled at one spacing; also the coarsest spacing.
_PIECE_M = 8.0
#: A piece that near its partner is cut into this many pieces, each with its spacing.
_REFINE = 4
#: Vertices of a computed piece closer than this (m) are one vertex.
_SAME_POINT_M = 1e-9


def _clip_convex(
    poly: np.ndarray, count: np.ndarray, grad: np.ndarray, const: np.ndarray, *, negative: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Clip convex polygons (m, K, 2) to ``grad . p + const <= 0`` (or ``>= 0``).

    Sutherland-Hodgman on every row at once. The points where an edge crosses the line
    depend only on the edge and the line, so clipping to both sides gives the two halves
    identical cut vertices.
    """
    m, k, _ = poly.shape
    rows = np.arange(m)[:, None]
    j = np.arange(k)[None, :]
    valid = j < count[:, None]
    nxt = np.where(j + 1 < count[:, None], j + 1, 0)
    ahead = poly[rows, nxt]
    val = poly[..., 0] * grad[:, :1] + poly[..., 1] * grad[:, 1:] + const[:, None]
    val_ahead = val[rows, nxt]
    if negative:
        inside, inside_ahead = val <= 0, val_ahead <= 0
    else:
        inside, inside_ahead = val >= 0, val_ahead >= 0
    crossing = (inside != inside_ahead) & valid
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(crossing, val / (val - val_ahead), 0.0)
    out = np.empty((m, 2 * k, 2))
    out[:, 0::2] = poly
    out[:, 1::2] = poly + t[..., None] * (ahead - poly)
    keep = np.empty((m, 2 * k), dtype=bool)
    keep[:, 0::2] = inside & valid
    keep[:, 1::2] = crossing
    n = keep.sum(1)
    result = np.zeros((m, max(int(n.max(initial=0)), 1), 2))
    r, c = np.nonzero(keep)
    result[r, (np.cumsum(keep, axis=1) - 1)[r, c]] = out[r, c]
    return result, n


def _convex_area(poly: np.ndarray, count: np.ndarray) -> np.ndarray:
    rows = np.arange(len(poly))[:, None]
    j = np.arange(poly.shape[1])[None, :]
    nxt = np.where(j + 1 < count[:, None], j + 1, 0)
    ahead = poly[rows, nxt]
    cross = poly[..., 0] * ahead[..., 1] - poly[..., 1] * ahead[..., 0]
    return np.abs(np.where(j < count[:, None], cross, 0.0).sum(1)) / 2


def _dedupe(poly: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop vertices within :data:`_SAME_POINT_M` of the one before (ring order)."""
    m, k, _ = poly.shape
    rows = np.arange(m)[:, None]
    j = np.arange(k)[None, :]
    prev = poly[rows, np.where(j == 0, np.maximum(count[:, None] - 1, 0), j - 1)]
    keep = (j < count[:, None]) & ~(
        (np.abs(poly - prev).max(axis=2) <= _SAME_POINT_M) & (count[:, None] > 1)
    )
    n = keep.sum(1)
    result = np.zeros_like(poly)
    r, c = np.nonzero(keep)
    result[r, (np.cumsum(keep, axis=1) - 1)[r, c]] = poly[r, c]
    return result, n


def _to_polygons(
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]], origin: np.ndarray, m: int
) -> np.ndarray:
    """Convex pieces (rows, polygons, counts) as one (Multi)Polygon per row 0..m-1.

    None where a row has no piece of positive area.
    """
    coords, ring_row, ring_size = [], [], []
    for rows, poly, count in pieces:
        if len(rows) == 0:
            continue
        poly, count = _dedupe(poly, count)
        ok = (count >= 3) & (_convex_area(poly, count) > _AREA_EPS)
        poly, count, rows = poly[ok], count[ok], rows[ok]
        take = np.arange(poly.shape[1])[None, :] < count[:, None]
        coords.append((poly + origin[rows, None, :])[take])
        ring_row.append(rows)
        ring_size.append(count)
    out = np.full(m, None, dtype=object)
    if not coords or sum(len(r) for r in ring_row) == 0:
        return out
    rows = np.concatenate(ring_row)
    rings = shapely.linearrings(
        np.concatenate(coords), indices=np.repeat(np.arange(len(rows)), np.concatenate(ring_size))
    )
    polys = shapely.polygons(rings)
    bad = ~shapely.is_valid(polys)
    if bad.any():  # a sliver whose vertices nearly coincide: repair, keep its polygons
        fixed = _polygonal(shapely.make_valid(polys[bad]))
        parts, which = shapely.get_parts(fixed, return_index=True)
        inner, sub = shapely.get_parts(parts, return_index=True)
        ok = shapely.get_type_id(inner) == 3
        polys = np.concatenate([polys[~bad], inner[ok]])
        rows = np.concatenate([rows[~bad], rows[bad][which[sub[ok]]]])
    order = np.argsort(rows, kind="stable")
    rows, polys = rows[order], polys[order]
    present, start, count = np.unique(rows, return_index=True, return_counts=True)
    single = count == 1
    out[present[single]] = polys[start[single]]
    several = np.flatnonzero(np.repeat(~single, count))
    if len(several):
        slot = np.searchsorted(present[~single], rows[several])
        out[present[~single]] = shapely.multipolygons(polys[several], indices=slot)
    return out


def _nearer_convex(
    seg_a: np.ndarray, seg_b: np.ndarray, half: np.ndarray, a_first: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split the overlap of two straight flat-capped buffers by the nearer centreline.

    ``seg_a``/``seg_b`` (m, 2, 2) are the only centreline segments near the overlap, so
    there the buffers are the rectangles around them and the overlap is the convex
    polygon where the rectangles meet. The distance from a point of the overlap to
    either centreline is its distance to the segment's supporting line, ``|f|`` with
    ``f(p) = n . (p - p0)``, so the overlap is cut exactly along the two bisectors of
    those lines: ``|f_b| < |f_a|`` <=> ``(f_b - f_a)(f_b + f_a) < 0``. Coincident lines
    tie everywhere and the overlap goes to ``a`` when ``a_first``.

    Returns (land ``a`` loses, land ``b`` loses), None where nothing.
    """
    m = len(seg_a)
    origin = (seg_a[:, 0] + seg_b[:, 0]) / 2
    pa, pb = seg_a - origin[:, None, :], seg_b - origin[:, None, :]

    def frame(seg):
        d = seg[:, 1] - seg[:, 0]
        u = d / np.hypot(d[:, 0], d[:, 1])[:, None]
        return u, np.stack([-u[:, 1], u[:, 0]], axis=1)

    def dot(x, y):
        return (x * y).sum(1)

    ua, na = frame(pa)
    ub, nb = frame(pb)
    h = half[:, None]
    poly = np.stack([pa[:, 0] + na * h, pa[:, 1] + na * h, pa[:, 1] - na * h, pa[:, 0] - na * h], 1)
    count = np.full(m, 4)
    for grad, const in (
        (nb, -dot(nb, pb[:, 0]) - half),
        (-nb, dot(nb, pb[:, 0]) - half),
        (-ub, dot(ub, pb[:, 0])),
        (ub, -dot(ub, pb[:, 1])),
    ):
        poly, count = _clip_convex(poly, count, grad, const, negative=True)
    lines = (
        (nb - na, -dot(nb, pb[:, 0]) + dot(na, pa[:, 0])),  # f_b - f_a
        (nb + na, -dot(nb, pb[:, 0]) - dot(na, pa[:, 0])),  # f_b + f_a
    )
    # b is nearer where |f_b| < |f_a|, i.e. where (f_b - f_a) and (f_b + f_a) differ in sign.
    valid = np.arange(poly.shape[1])[None, :] < count[:, None]
    side = []
    for grad, const in lines:
        val = poly[..., 0] * grad[:, :1] + poly[..., 1] * grad[:, 1:] + const[:, None]
        low = np.where(valid, val < 0, False).any(1)
        high = np.where(valid, val > 0, False).any(1)
        side.append(np.where(low & high, 0, np.where(low, -1, 1)))
    tie = np.zeros(m, dtype=bool)
    for grad, const in lines:
        tie |= (np.hypot(grad[:, 0], grad[:, 1]) < 1e-12) & (np.abs(const) < 1e-9)
    everything = np.arange(m)
    to_a: list = []  # pieces a loses
    to_b: list = []  # pieces b loses
    fixed = (side[0] != 0) & (side[1] != 0) & ~tie
    b_near = side[0] != side[1]
    to_a.append((everything[fixed & b_near], poly[fixed & b_near], count[fixed & b_near]))
    to_b.append((everything[fixed & ~b_near], poly[fixed & ~b_near], count[fixed & ~b_near]))
    for k in (0, 1):
        other = 1 - k
        cut = (side[k] == 0) & (side[other] != 0) & ~tie
        rows = everything[cut]
        grad, const = lines[k][0][cut], lines[k][1][cut]
        low = _clip_convex(poly[cut], count[cut], grad, const, negative=True)
        high = _clip_convex(poly[cut], count[cut], grad, const, negative=False)
        # On the low side of line k, b is nearer iff the other factor is positive.
        low_b = side[other][cut] > 0
        for sel, owner in ((low_b, to_a), (~low_b, to_b)):
            owner.append((rows[sel], low[0][sel], low[1][sel]))
        for sel, owner in ((~low_b, to_a), (low_b, to_b)):
            owner.append((rows[sel], high[0][sel], high[1][sel]))
    both = (side[0] == 0) & (side[1] == 0) & ~tie
    if both.any():
        rows = everything[both]
        g1, c1 = lines[0][0][both], lines[0][1][both]
        g2, c2 = lines[1][0][both], lines[1][1][both]
        for neg1 in (True, False):
            p1, k1 = _clip_convex(poly[both], count[both], g1, c1, negative=neg1)
            for neg2 in (True, False):
                q, kq = _clip_convex(p1, k1, g2, c2, negative=neg2)
                (to_a if neg1 != neg2 else to_b).append((rows, q, kq))
    lost_by_a = _to_polygons(to_a, origin, m)
    lost_by_b = _to_polygons(to_b, origin, m)
    if tie.any():
        rows = everything[tie]
        whole = _to_polygons(
            [(np.arange(len(rows)), poly[tie], count[tie])], origin[tie], len(rows)
        )
        lost_by_a[tie] = np.where(a_first[tie], None, whole)
        lost_by_b[tie] = np.where(a_first[tie], whole, None)
    return lost_by_a, lost_by_b


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
    its points ``xy[slot == k]`` on road ``b`` (``is_b``), within a frame around both."""
    n = len(bounds)
    points = shapely.multipoints(xy, indices=slot)
    pts_lo = np.full((n, 2), np.inf)
    pts_hi = np.full((n, 2), -np.inf)
    np.minimum.at(pts_lo, slot, xy)
    np.maximum.at(pts_hi, slot, xy)
    frame = shapely.box(
        np.minimum(bounds[:, 0], pts_lo[:, 0]) - 1,
        np.minimum(bounds[:, 1], pts_lo[:, 1]) - 1,
        np.maximum(bounds[:, 2], pts_hi[:, 0]) + 1,
        np.maximum(bounds[:, 3], pts_hi[:, 1]) + 1,
    )
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
    ring_of = np.repeat(np.arange(n_rings), np.diff(ring_off))
    geom_of = ring_of
    for upper in offsets[1:]:  # rings -> polygons (-> multipolygons)
        geom_of = np.repeat(np.arange(len(upper) - 1), np.diff(upper))[geom_of]
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
    out = shapely.from_ragged_array(kind, coords, (rings, *offsets[1:]))
    single = shapely.get_num_geometries(out) == 1
    out[single] = shapely.get_geometry(out[single], 0)
    return out


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


def _nearer_star(
    overlap: np.ndarray,
    apex: np.ndarray,
    ray_pair: np.ndarray,
    ray_side: np.ndarray,
    ray_angle: np.ndarray,
    b_wins_tie: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The part of each overlap nearer to centreline ``b`` than ``a``, where both roads
    near the overlap are rays leaving one shared vertex ``apex`` (a junction node).

    The distance from ``p`` to a ray of angle ``t`` is ``|p - v| g(u - t)`` with ``u`` the
    angle of ``p - v`` and ``g(x) = |sin x|`` ahead of ``v`` (``cos x >= 0``), ``1``
    behind it, so which road is nearer depends on ``u`` alone: the overlap is cut exactly
    along rays from ``v`` (the angle bisectors of the two roads' rays, and the normals
    where a road's distance turns into the distance to ``v``). Equal distances go to
    ``b`` where ``b_wins_tie``. Returns (part ``a`` loses, None where nothing; which rows
    needed a snapped overlay).
    """
    m = len(overlap)
    out = np.full(m, None, dtype=object)
    order = np.lexsort((ray_side, ray_pair))
    ray_pair, ray_side, ray_angle = ray_pair[order], ray_side[order], ray_angle[order]
    n_side = np.zeros((m, 2), dtype="int64")
    np.add.at(n_side, (ray_pair, ray_side), 1)
    first = np.searchsorted(ray_pair, np.arange(m))
    # Candidate angles: bisectors of every ray of a with every ray of b, and the normals
    # of every ray; between two candidates the nearer road does not change.
    is_a = np.flatnonzero(ray_side == 0)
    k_b = n_side[ray_pair[is_a], 1]
    ia = np.repeat(is_a, k_b)
    ib = np.repeat(first[ray_pair[is_a]] + n_side[ray_pair[is_a], 0], k_b) + _ranks(k_b)
    mid = (ray_angle[ia] + ray_angle[ib]) / 2
    quarter = np.pi / 2
    cand = np.concatenate(
        [mid + k * quarter for k in range(4)] + [ray_angle + quarter, ray_angle - quarter]
    )
    cand_pair = np.concatenate([np.tile(ray_pair[ia], 4), ray_pair, ray_pair])
    cand = np.mod(cand, 2 * np.pi)
    order = np.lexsort((cand, cand_pair))
    cand, cand_pair = cand[order], cand_pair[order]
    fresh = np.ones(len(cand), dtype=bool)
    fresh[1:] = (cand_pair[1:] != cand_pair[:-1]) | (cand[1:] - cand[:-1] > 1e-12)
    cand, cand_pair = cand[fresh], cand_pair[fresh]
    # Interval j runs from cand[j] to the next candidate of its pair (around the circle).
    c_first = np.searchsorted(cand_pair, np.arange(m))
    c_count = np.bincount(cand_pair, minlength=m)
    last = np.ones(len(cand), dtype=bool)
    last[:-1] = cand_pair[1:] != cand_pair[:-1]
    end = np.empty(len(cand))
    end[:-1] = cand[1:]
    end[last] = cand[c_first[cand_pair[last]]] + 2 * np.pi
    centre = (cand + end) / 2
    # Distance factor of each road at the middle of each interval: min over its rays.
    n_rays = n_side[cand_pair].sum(1)
    which = np.repeat(np.arange(len(cand)), n_rays)
    ray = np.repeat(first[cand_pair], n_rays) + _ranks(n_rays)
    x = centre[which] - ray_angle[ray]
    g = np.where(np.cos(x) >= 0, np.abs(np.sin(x)), 1.0)
    f = np.full((len(cand), 2), np.inf)
    np.minimum.at(f, (which, ray_side[ray]), g)
    b_near = (f[:, 1] < f[:, 0] - 1e-12) | (
        (np.abs(f[:, 1] - f[:, 0]) <= 1e-12) & b_wins_tie[cand_pair]
    )
    b_count = np.bincount(cand_pair, weights=b_near, minlength=m)
    whole = (c_count > 0) & (b_count == c_count)
    out[whole] = overlap[whole]
    split = (b_count > 0) & ~whole
    if not split.any():
        return out, np.zeros(m, dtype=bool)
    keep = split[cand_pair]
    cand, end, cand_pair, b_near = cand[keep], end[keep], cand_pair[keep], b_near[keep]
    # Start each pair's circle at an interval a keeps, so runs of b do not wrap around.
    a_first = np.full(m, len(cand))
    np.minimum.at(a_first, cand_pair[~b_near], np.flatnonzero(~b_near))
    wrap = np.arange(len(cand)) < a_first[cand_pair]
    cand = np.where(wrap, cand + 2 * np.pi, cand)
    end = np.where(wrap, end + 2 * np.pi, end)
    order = np.lexsort((cand, cand_pair))
    cand, end, cand_pair, b_near = cand[order], end[order], cand_pair[order], b_near[order]
    starts_run = b_near.copy()
    starts_run[1:] &= ~b_near[:-1] | (cand_pair[1:] != cand_pair[:-1])
    run = np.cumsum(starts_run) - 1
    rows = np.flatnonzero(b_near)
    n_run = int(starts_run.sum())
    lo = np.full(n_run, np.inf)
    hi = np.full(n_run, -np.inf)
    np.minimum.at(lo, run[rows], cand[rows])
    np.maximum.at(hi, run[rows], end[rows])
    run_pair = cand_pair[starts_run]
    # Each run is a fan from the apex out past the overlap (chords of at most 45 degrees).
    bounds = shapely.bounds(overlap)
    corners = np.stack(
        [bounds[:, [0, 1]], bounds[:, [2, 1]], bounds[:, [2, 3]], bounds[:, [0, 3]]], 1
    )
    reach = np.hypot(*(corners - apex[:, None, :]).transpose(2, 0, 1)).max(1)
    radius = 2 * reach[run_pair] + 1
    steps = 8
    t = lo[:, None] + (hi - lo)[:, None] * (np.arange(steps + 1) / steps)[None, :]
    arc = apex[run_pair][:, None, :] + radius[:, None, None] * np.stack([np.cos(t), np.sin(t)], 2)
    v = apex[run_pair][:, None, :]
    ring = np.concatenate([v, arc, v], axis=1)
    fans = shapely.polygons(ring)
    present, slot = np.unique(run_pair, return_inverse=True)
    single = np.bincount(slot) == 1
    region = np.empty(len(present), dtype=object)
    region[single] = fans[np.isin(slot, np.flatnonzero(single))]
    several = ~single[slot]
    if several.any():
        sub_present, sub_slot = np.unique(slot[several], return_inverse=True)
        region[sub_present] = shapely.multipolygons(fans[several], indices=sub_slot)
    out[present], retried = _overlay(shapely.intersection, overlap[present], region)
    return out, np.isin(np.arange(m), present[retried])
