"""The partition rule: every piece of overlapping right-of-way goes to one road.

See :mod:`geoasset.corridors` for the rule. :func:`_partition` finds the touching pairs
(one :class:`shapely.STRtree` query), gives the shared land of unequal pairs to the
higher-ranked road, cuts the overlaps of equal pairs by the nearer centreline
(:mod:`geoasset.bisectors`, :mod:`geoasset.bisectors_voronoi`), subtracts what each road
loses (one vectorised difference per round), snaps the corridors to a 2**-25 m grid with
identical shared boundaries (:func:`_snap`), and checks that no two of them share land.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.errors import GEOSException

from geoasset.bisectors import _nearer_convex, _nearer_star
from geoasset.bisectors_voronoi import _PIECE_M, _nearer_voronoi
from geoasset.overlays import (
    _AREA_EPS,
    _FALLBACK_GRIDS_M,
    _OVERLAY_GRID_M,
    _envelopes,
    _from_rings,
    _grouped_union,
    _overlay,
    _polygonal,
    _query,
    _ranks,
    _threaded,
    _vertex_owners,
)
from geoasset.parallel import map_threads, side_by_side, split

#: Margin (m) added around an overlap when looking for the centreline pieces that matter.
_MARGIN_M = 0.01
#: Distance (m) between the points sampled along a centreline near the road it is paired with.
_MAX_SPACING_M = 0.5
#: A cut no other cut has to meet is simplified within this share of the sample spacing.
_SIMPLIFY = 0.25
#: Corridors are snapped to this grid (m) so they stay valid through EPSG:4326 and back.
_GRID_M = 2.0**-25
#: Two snapped corridors that overlap by more than this (m²) share land: snapping moves a
#: vertex by up to a few grid steps, which along a long edge overlaps about a mm².
_SHARED_M2 = 1e-4


def _subtract(
    polys: np.ndarray, losers: np.ndarray, pieces: np.ndarray, *, grid: float = _OVERLAY_GRID_M
) -> tuple[np.ndarray, np.ndarray]:
    """``polys[k]`` minus every piece lost by ``k``: one vectorised difference per round.

    Each round subtracts from every road a set of its pieces whose envelopes do not meet
    along the road's longer side, merged into one multipolygon (valid, as the parts are
    apart), so a long road with many junctions is processed a few times, not once per
    piece. (Subtracting a road's pieces merged into one union is slower in GEOS.) Every
    difference is snap-rounded on ``grid`` (m). Returns the corridors and, per piece (in
    the given order), whether it needed a grid.
    """
    polys = polys.copy()
    retried = np.zeros(len(losers), dtype=bool)
    if len(losers) == 0:
        return polys, retried
    pieces = _polygonal(pieces)
    box = shapely.bounds(pieces)
    road_box = shapely.bounds(polys[losers])
    along = (road_box[:, 2] - road_box[:, 0]) < (road_box[:, 3] - road_box[:, 1])
    lo = np.where(along, box[:, 1], box[:, 0])
    hi = np.where(along, box[:, 3], box[:, 2])
    # Greedy interval colouring per road: a piece joins the first round whose last piece
    # of that road ends before it starts.
    order = np.lexsort((lo, losers))
    rounds = np.empty(len(losers), dtype="int64")
    ends: dict[int, list[float]] = {}
    for k, road, start, stop in zip(
        order.tolist(), losers[order].tolist(), lo[order].tolist(), hi[order].tolist(), strict=True
    ):
        last = ends.setdefault(road, [])
        for r, end in enumerate(last):
            if end < start:
                last[r] = stop
                rounds[k] = r
                break
        else:
            last.append(stop)
            rounds[k] = len(last) - 1
    for r in range(int(rounds.max()) + 1):
        sel = np.flatnonzero(rounds == r)
        who, slot = np.unique(losers[sel], return_inverse=True)
        parts, owner = shapely.get_parts(pieces[sel], return_index=True)
        group = slot[owner]
        order = np.argsort(group, kind="stable")
        present, index = np.unique(group[order], return_inverse=True)
        merged = np.full(len(who), shapely.MultiPolygon(), dtype=object)
        merged[present] = shapely.multipolygons(parts[order], indices=index)
        polys[who], again = _overlay(
            shapely.difference, polys[who], merged, subtracts=True, grid=grid
        )
        retried[sel] = again[slot]
    return polys, retried


def _sharing_land(corridors: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which pairs ``(a, b)`` of corridors still share land: more than :data:`_SHARED_M2`
    (on a 1 nm grid, which GEOS computes robustly).

    Only the pairs whose interiors meet at all (an exact relate, much cheaper than an
    overlay) are intersected; between snapped, edge-matched corridors they are few.
    """
    both = ~(shapely.is_empty(corridors[a]) | shapely.is_empty(corridors[b]))
    shared = np.zeros(len(a), dtype=bool)
    rows = np.flatnonzero(both)
    try:
        meet = _threaded(
            lambda x, y: shapely.relate_pattern(x, y, "2********"),
            corridors[a[rows]],
            corridors[b[rows]],
        )
        rows = rows[np.asarray(meet, dtype=bool)]
    except GEOSException:
        pass  # every pair is intersected
    if len(rows):
        common = _threaded(
            lambda x, y: shapely.intersection(x, y, grid_size=_OVERLAY_GRID_M),
            corridors[a[rows]],
            corridors[b[rows]],
        )
        shared[rows] = shapely.area(common) > _SHARED_M2
    return shared


def _triples(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``k`` = ``(a[k], b[k])`` with each third road ``z`` paired with both:
    (k, z)."""
    neighbours: dict[int, set[int]] = defaultdict(set)
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        neighbours[x].add(y)
        neighbours[y].add(x)
    ks: list[int] = []
    zs: list[int] = []
    for k, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        for z in neighbours[x] & neighbours[y]:
            ks.append(k)
            zs.append(z)
    return np.array(ks, dtype="int64"), np.array(zs, dtype="int64")


def _triangle_closure(
    a: np.ndarray, b: np.ndarray, voronoi: np.ndarray, tk: np.ndarray, tz: np.ndarray
) -> np.ndarray:
    """Extend the Voronoi pairs so that no three roads sharing land mix methods.

    ``(tk, tz)`` lists each pair ``tk`` whose overlap road ``tz`` reaches too: where
    such a pair is cut on Voronoi cells, so are the pairs of ``tz`` with its two roads,
    growing the set until no place shared by three roads mixes exact bisectors and
    Voronoi cells (which measure distance a little differently).
    """
    voronoi = voronoi.copy()
    if not voronoi.any() or len(tk) == 0:
        return voronoi
    pair_of = {(x, y): k for k, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True))}
    x, y, z = a[tk].tolist(), b[tk].tolist(), tz.tolist()
    j1 = np.array([pair_of[(min(p, q), max(p, q))] for p, q in zip(x, z, strict=True)])
    j2 = np.array([pair_of[(min(p, q), max(p, q))] for p, q in zip(y, z, strict=True)])
    while True:
        new = voronoi[tk] & ~(voronoi[j1] & voronoi[j2])
        if not new.any():
            return voronoi
        voronoi[j1[new]] = True
        voronoi[j2[new]] = True


def _segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every straight segment of ``lines`` (n, 2, 2), with start and count per line."""
    parts, owner = shapely.get_parts(lines, return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    seg = np.stack([xy[:-1][same], xy[1:][same]], axis=1)
    seg_line = owner[part[:-1][same]]
    start = np.searchsorted(seg_line, np.arange(len(lines)))
    count = np.bincount(seg_line, minlength=len(lines))
    return seg, start, count


def _near_segments(
    seg: np.ndarray, start: np.ndarray, count: np.ndarray, road: np.ndarray, lo, hi
) -> tuple[np.ndarray, np.ndarray]:
    """Every segment of ``road[k]`` that meets box ``[lo[k], hi[k]]``: (k, segment index)."""
    n_seg = count[road]
    pair = np.repeat(np.arange(len(road)), n_seg)
    index = np.repeat(start[road], n_seg) + _ranks(n_seg)
    p0 = seg[index, 0]
    d = seg[index, 1] - p0
    t0 = np.zeros(len(index))
    t1 = np.ones(len(index))
    hit = np.ones(len(index), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis in (0, 1):  # Liang-Barsky clipping of each segment by the box
            for p, q in (
                (-d[:, axis], p0[:, axis] - lo[pair, axis]),
                (d[:, axis], hi[pair, axis] - p0[:, axis]),
            ):
                r = q / p
                hit &= ~((p == 0) & (q < 0))
                t0 = np.where(p < 0, np.maximum(t0, r), t0)
                t1 = np.where(p > 0, np.minimum(t1, r), t1)
    hit &= t0 <= t1
    return pair[hit], index[hit]


def _only_segment(
    seg: np.ndarray, start: np.ndarray, count: np.ndarray, road: np.ndarray, lo, hi
) -> np.ndarray:
    """Per pair, the index of the one segment of ``road`` that meets box [lo, hi], else -1."""
    m = len(road)
    pair, index = _near_segments(seg, start, count, road, lo, hi)
    hits = np.bincount(pair, minlength=m)
    out = np.full(m, -1, dtype="int64")
    one = hits[pair] == 1
    out[pair[one]] = index[one]
    return out


def _star(
    seg: np.ndarray,
    start: np.ndarray,
    count: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    overlap: np.ndarray,
    reach: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs whose centrelines near their overlap all leave one shared vertex.

    A point of the overlap is within ``reach`` of its nearest point on either road, so
    only the segments within ``reach`` of the overlap matter. Where each of them, on both
    roads, starts or ends at the same point ``v`` (a junction node) and the overlap lies
    within its length as seen from ``v``, the distance from a point of the overlap to
    either road is its distance to rays leaving ``v``
    (:func:`geoasset.bisectors._nearer_star`). Returns the apex per pair (NaN where not
    a star) and the rays: (pair, side 0 = ``a`` / 1 = ``b``, angle).
    """
    m = len(a)
    bounds = shapely.bounds(overlap)
    lo, hi = bounds[:, :2] - reach[:, None], bounds[:, 2:] + reach[:, None]
    found = [_near_segments(seg, start, count, road, lo, hi) for road in (a, b)]
    pair = np.concatenate([found[0][0], found[1][0]])
    index = np.concatenate([found[0][1], found[1][1]])
    side = np.concatenate([np.zeros(len(found[0][0]), "int64"), np.ones(len(found[1][0]), "int64")])
    near = shapely.dwithin(shapely.linestrings(seg[index]), overlap[pair], reach[pair])
    pair, index, side = pair[near], index[near], side[near]
    order = np.argsort(pair, kind="stable")
    pair, index, side = pair[order], index[order], side[order]
    ends = seg[index]  # (h, 2, 2)
    first = np.searchsorted(pair, np.arange(m))
    has = np.bincount(pair, minlength=m) > 0
    # The overlap's vertices, to see how far it reaches along each segment.
    xy, owner = shapely.get_coordinates(overlap, return_index=True)
    xy_first = np.searchsorted(owner, np.arange(m))
    xy_count = np.bincount(owner, minlength=m)
    apex = np.full((m, 2), np.nan)
    ok = np.zeros(m, dtype=bool)
    for end in (0, 1):  # the apex is an end of the pair's first segment
        v = np.full((m, 2), np.nan)
        v[has] = ends[first[has], end]
        at = np.all(ends == v[pair][:, None, :], axis=2)  # (h, 2): which end is v
        touches = at.any(axis=1)
        far = ends[np.arange(len(pair)), np.where(at[:, 0], 1, 0)]
        d = far - v[pair]
        length = np.hypot(d[:, 0], d[:, 1])
        n = xy_count[pair]
        row = np.repeat(np.arange(len(pair)), n)
        q = xy[np.repeat(xy_first[pair], n) + _ranks(n)] - v[pair][row]
        along = np.full(len(pair), -np.inf)
        np.maximum.at(along, row, (q * d[row]).sum(1))  # |d| times the reach along it
        beyond = along > length * length
        bad = np.bincount(pair[~touches | beyond], minlength=m) > 0
        sides = np.bincount(pair, weights=side, minlength=m)
        both = (sides > 0) & (sides < np.bincount(pair, minlength=m))
        good = has & ~bad & both & ~ok
        apex[good] = v[good]
        ok |= good
    use = ok[pair]
    pair, index, side = pair[use], index[use], side[use]
    ends = seg[index]
    at_start = np.all(ends[:, 0] == apex[pair], axis=1)
    d = np.where(at_start[:, None], ends[:, 1] - ends[:, 0], ends[:, 0] - ends[:, 1])
    real = np.hypot(d[:, 0], d[:, 1]) > 0  # a repeated vertex is no ray
    angle = np.arctan2(d[real, 1], d[real, 0])
    return apex, pair[real], side[real], angle


@dataclass
class _Partition:
    """The corridors (local coordinates) and how the partition rule was applied."""

    corridors: np.ndarray
    stats: dict[str, int]
    #: per overlapping pair that needed a snapped overlay: (road, road, where)
    fallbacks: list[tuple[int, int, shapely.Geometry]]


def _partition(
    polys: np.ndarray,
    lines: np.ndarray,
    width: np.ndarray,
    parcel: np.ndarray,
    id_rank: np.ndarray,
) -> _Partition:
    """Apply the partition rule to the right-of-way polygons ``polys``."""
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    level = parcel.astype("int64") * 10**12 + np.round(width * 1000).astype("int64")
    a_wins = level[a] > level[b]
    b_wins = level[b] > level[a]
    equal = ~a_wins & ~b_wins
    stats = {"touching_pairs": int(len(a))}

    # A narrower road simply loses all the land it shares with a wider one.
    losers = [a[b_wins], b[a_wins]]
    winners = [b[b_wins], a[a_wins]]
    pieces = [polys[b[b_wins]], polys[a[a_wins]]]
    flagged = [np.zeros(len(losers[0]), dtype=bool), np.zeros(len(losers[1]), dtype=bool)]
    if equal.any():
        ea, eb = a[equal], b[equal]
        lose_a, lose_b, retried, counts = _equal_pairs(ea, eb, polys, lines, width, parcel, id_rank)
        stats.update(counts)
        losers += [ea, eb]
        winners += [eb, ea]
        pieces += [lose_a, lose_b]
        flagged += [retried, retried]
    losers_all = np.concatenate(losers)
    winners_all = np.concatenate(winners)
    pieces_all = np.concatenate(pieces)
    flagged_all = np.concatenate(flagged)
    real = np.array([g is not None for g in pieces_all], dtype=bool)
    real[real] = shapely.area(pieces_all[real]) > _AREA_EPS
    corridors, retried = _subtract(polys, losers_all[real], pieces_all[real])
    flagged_all[np.flatnonzero(real)[retried]] = True
    # A last check, on the corridors as delivered (snapped), that no two share land (a
    # wrong overlay GEOS did not report would show here); such corridors are rebuilt on
    # a coarser grid and noted.
    snapped = _snap(corridors)
    shared = _sharing_land(snapped, a, b)
    if shared.any():
        redo = np.unique(np.concatenate([a[shared], b[shared]]))
        use = real & np.isin(losers_all, redo)
        again, _ = _subtract(polys, losers_all[use], pieces_all[use], grid=_FALLBACK_GRIDS_M[0])
        corridors[redo] = again[redo]
        snapped = _snap(corridors)
        pair_key = np.minimum(losers_all, winners_all) * len(polys) + np.maximum(
            losers_all, winners_all
        )
        flagged_all |= np.isin(pair_key, a[shared] * len(polys) + b[shared])
    fallbacks: dict[tuple[int, int], shapely.Geometry] = {}
    for k in np.flatnonzero(flagged_all):
        pair = (int(min(losers_all[k], winners_all[k])), int(max(losers_all[k], winners_all[k])))
        where = pieces_all[k] if real[k] else polys[losers_all[k]]
        fallbacks.setdefault(pair, shapely.point_on_surface(where))
    return _Partition(snapped, stats, [(x, y, where) for (x, y), where in fallbacks.items()])


def _shift(geoms: np.ndarray, offset: np.ndarray) -> np.ndarray:
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: xy + offset)


def _snap(polys: np.ndarray) -> np.ndarray:
    """Snap the corridors (local coordinates) to a 2**-25 m (30 nm) grid, edge-matched.

    Floating-point overlays leave slivers and near-pinches a nanometre wide, which a
    round trip through EPSG:4326 (it moves points by about 1 nm) can turn into invalid
    polygons. GEOS snap-rounding (:func:`shapely.set_precision`) puts every vertex on
    the grid (a power of two, exact when the local origin is added back) and clear of
    the edges it does not belong to; :func:`_edge_match` then gives neighbours identical
    shared boundaries.
    """

    def snap(geoms):
        return shapely.set_precision(geoms, _GRID_M)

    try:
        snapped = _threaded(snap, polys)
    except GEOSException:
        snapped = np.empty(len(polys), dtype=object)
        for k, geom in enumerate(polys):
            try:
                snapped[k] = snap(geom)
            except GEOSException:
                snapped[k] = _polygonal(np.array([shapely.make_valid(geom)], object))[0]
    snapped = _polygonal(snapped)
    matched = _edge_match(snapped, 4 * _GRID_M)
    bad = ~shapely.is_valid(matched)
    matched[bad] = snapped[bad]  # (never seen) keep the plain snapped polygon
    return matched


def _edge_match(polys: np.ndarray, tolerance: float) -> np.ndarray:
    """Give neighbouring polygons the same vertices along the boundaries they share.

    Snapped one by one, two corridors that share a boundary can disagree by a grid
    step: a vertex of one rounded to the next grid point from the other's copy, or a
    vertex of one lying on an edge of the other that has no vertex there (a
    "T-vertex"). Vertices of different polygons within ``tolerance`` of each other are
    unified (to the smaller coordinates), then each vertex within ``tolerance`` of a
    neighbour's edge is inserted into that edge, so the shared boundary is the same in
    both.
    """
    out = polys.copy()
    use = np.flatnonzero(~(shapely.is_missing(polys) | shapely.is_empty(polys)))
    if len(use) < 2:
        return out
    kind, xy, offsets = shapely.to_ragged_array(polys[use])
    ring_off = offsets[0]
    ring_of, geom_of = _vertex_owners(offsets)
    closing = ring_off[1:] - 1  # a ring's closing point repeats its first
    vertex = np.ones(len(xy), dtype=bool)
    vertex[closing] = False
    vertex = np.flatnonzero(vertex)

    # One envelope query finds, for every vertex, the edges of other polygons near it
    # (exact tests follow in numpy). A vertex near another polygon's vertex is near that
    # vertex's edges too, and the envelopes are three times the tolerance, so the pairs
    # still hold after step 1 moves vertices by up to the tolerance.
    start = np.flatnonzero(ring_of[1:] == ring_of[:-1])  # edge k runs xy[k] -> xy[k + 1]
    tree = shapely.STRtree(shapely.linestrings(np.stack([xy[start], xy[start + 1]], axis=1)))
    vi, ei = _query(tree, _envelopes(xy[vertex], 3 * tolerance))
    v, e = vertex[vi], start[ei]
    keep = geom_of[v] != geom_of[e]
    v, e = v[keep], e[keep]
    changed = np.zeros(len(use), dtype=bool)

    # 1. Nearly coincident vertices of different polygons become one point.
    vi = np.concatenate([v, v])
    vj = np.concatenate([e, np.where(np.isin(e + 1, closing), ring_off[:-1][ring_of[e]], e + 1)])
    near = np.any(xy[vi] != xy[vj], axis=1) & (np.hypot(*(xy[vi] - xy[vj]).T) <= tolerance)
    if near.any():
        vi, vj = vi[near], vj[near]
        smaller = (xy[vj, 0] < xy[vi, 0]) | ((xy[vj, 0] == xy[vi, 0]) & (xy[vj, 1] < xy[vi, 1]))
        vi, vj = vi[smaller], vj[smaller]
        order = np.lexsort((xy[vj, 1], xy[vj, 0], vi))  # the smallest partner first
        vi, vj = vi[order], vj[order]
        first = np.ones(len(vi), dtype=bool)
        first[1:] = vi[1:] != vi[:-1]
        xy[vi[first]] = xy[vj[first]]
        xy[closing] = xy[ring_off[:-1]]
        changed[geom_of[vi[first]]] = True

    # 2. A vertex lying on a neighbour's edge is inserted into that edge.
    p, a, b = xy[v], xy[e], xy[e + 1]
    d = b - a
    t = ((p - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-300)
    foot = a + np.clip(t, 0, 1)[:, None] * d
    new = (
        (np.hypot(*(p - foot).T) <= tolerance)
        & (np.abs(p - a).max(1) > tolerance)
        & (np.abs(p - b).max(1) > tolerance)
        & (t > 0)
        & (t < 1)
    )
    coords, rings = xy, ring_off
    if new.any():
        e, t, p = e[new], t[new], p[new]
        key = np.unique(np.column_stack([e, t, p]), axis=0)  # one insert per place per edge
        e, t, p = key[:, 0].astype("int64"), key[:, 1], key[:, 2:]
        order = np.lexsort(
            (np.concatenate([np.full(len(xy), -1.0), t]), np.concatenate([np.arange(len(xy)), e]))
        )
        coords = np.concatenate([xy, p])[order]
        added = np.bincount(ring_of[e], minlength=len(ring_off) - 1)
        rings = np.concatenate([[0], np.cumsum(np.diff(ring_off) + added)])
        changed[geom_of[e]] = True
    if not changed.any():
        return out
    matched = _from_rings(kind, coords, rings, offsets)
    out[use[changed]] = matched[changed]
    return out


def _equal_pairs(ea, eb, polys, lines, width, parcel, id_rank):
    """Land each road of an equal-width pair loses to the other (None: nothing)."""
    m = len(ea)
    lose_a = np.full(m, None, dtype=object)
    lose_b = np.full(m, None, dtype=object)
    retried = np.zeros(m, dtype=bool)
    a_first = id_rank[ea] < id_rank[eb]
    buffered = ~(parcel[ea] | parcel[eb])
    margin = width[ea] / 2 + _MARGIN_M
    seg, seg_start, seg_count = _segments(lines)

    # Cheap test first: the box where both buffers' envelopes meet.
    box_a, box_b = shapely.bounds(polys[ea]), shapely.bounds(polys[eb])
    lo = np.maximum(box_a[:, :2], box_b[:, :2]) - margin[:, None]
    hi = np.minimum(box_a[:, 2:], box_b[:, 2:]) + margin[:, None]
    only_a = _only_segment(seg, seg_start, seg_count, ea, lo, hi)
    only_b = _only_segment(seg, seg_start, seg_count, eb, lo, hi)
    quick = buffered & (only_a >= 0) & (only_b >= 0)

    # The others: the exact overlap, and the test again on its (smaller) envelope.
    overlap = np.full(m, None, dtype=object)
    slow = np.flatnonzero(~quick)
    positive = np.ones(m, dtype=bool)
    straight = quick.copy()
    if len(slow):
        overlap[slow], retried[slow] = _overlay(
            shapely.intersection, polys[ea[slow]], polys[eb[slow]]
        )
        positive[slow] = shapely.area(overlap[slow]) > _AREA_EPS
        bounds = shapely.bounds(overlap[slow])
        grow = margin[slow, None]
        oa = _only_segment(
            seg, seg_start, seg_count, ea[slow], bounds[:, :2] - grow, bounds[:, 2:] + grow
        )
        ob = _only_segment(
            seg, seg_start, seg_count, eb[slow], bounds[:, :2] - grow, bounds[:, 2:] + grow
        )
        only_a[slow], only_b[slow] = oa, ob
        straight[slow] = buffered[slow] & (oa >= 0) & (ob >= 0) & positive[slow]
    # Junctions: both roads near the overlap are rays from a shared node, cut exactly too.
    star = np.zeros(m, dtype=bool)
    ask = np.flatnonzero(positive & buffered & ~straight & (overlap != None))  # noqa: E711
    if len(ask):
        apex, ray_pair, ray_side, ray_angle = _star(
            seg, seg_start, seg_count, ea[ask], eb[ask], overlap[ask], margin[ask]
        )
        star[ask] = np.isfinite(apex[:, 0])
    # Places three roads of one rank share: their three cuts must meet, so they are cut
    # by one method. Only a third road that reaches the pair's overlap counts.
    pos = np.flatnonzero(positive)
    tk, tz = _triples(ea[pos], eb[pos])
    need = np.unique(pos[tk][overlap[pos[tk]] == None])  # noqa: E711 (quick pairs)
    if len(need):
        overlap[need], again = _overlay(shapely.intersection, polys[ea[need]], polys[eb[need]])
        retried[need] |= again
    meets = shapely.intersects(overlap[pos[tk]], polys[tz])
    tk, tz = tk[meets], tz[meets]
    voronoi = _triangle_closure(ea[pos], eb[pos], ~(straight | star)[pos], tk, tz)
    use_voronoi = np.zeros(m, dtype=bool)
    use_voronoi[pos] = voronoi

    fast = np.flatnonzero(straight & ~use_voronoi)
    junction = np.flatnonzero(star & ~use_voronoi)
    approx = np.flatnonzero(use_voronoi)

    def exact_cuts():
        if len(fast):
            chunks = [fast[block] for block in split(len(fast), minimum=8192)]

            def cut(rows):
                return _nearer_convex(
                    seg[only_a[rows]], seg[only_b[rows]], width[ea[rows]] / 2, a_first[rows]
                )

            for rows, (la, lb) in zip(chunks, map_threads(cut, chunks), strict=True):
                lose_a[rows], lose_b[rows] = la, lb
        if len(junction):
            slot = np.full(m, -1, dtype="int64")
            slot[junction] = np.arange(len(junction))
            ray_slot = slot[ask[ray_pair]]
            mine = ray_slot >= 0
            got, again = _nearer_star(
                overlap[junction],
                apex[slot[ask] >= 0],
                ray_slot[mine],
                ray_side[mine],
                ray_angle[mine],
                ~a_first[junction],
            )
            retried[junction] |= again
            _settle(junction, got, overlap, lose_a, lose_b, retried)

    def voronoi_cuts():
        if len(approx):
            need = approx[[overlap[k] is None for k in approx]]
            if len(need):
                overlap[need], retried[need] = _overlay(
                    shapely.intersection, polys[ea[need]], polys[eb[need]]
                )
            spacing = np.minimum(_MAX_SPACING_M, width / 20)
            vm = np.where(
                buffered[approx], margin[approx] + 2 * spacing[ea[approx]] + _PIECE_M / 2, 1e12
            )
            # Where a third road of its rank reaches the overlap, the pair's cut must meet the
            # other two cuts and stays as computed; elsewhere the pair decides its land alone
            # and its cut is simplified.
            shared = np.full(m, None, dtype=object)
            third = use_voronoi[pos[tk]]
            k3, z3 = pos[tk][third], tz[third]
            if len(k3):
                parts, _ = _overlay(shapely.intersection, overlap[k3], polys[z3])
                present, slot = np.unique(k3, return_inverse=True)
                shared[present] = _grouped_union(parts, slot, len(present), coverage=False)
            got, again = _nearer_voronoi(
                overlap[approx],
                ea[approx],
                eb[approx],
                lines,
                spacing,
                vm,
                id_rank,
                _SIMPLIFY * spacing[ea[approx]],
                shared[approx],
            )
            retried[approx] |= again
            _settle(approx, got, overlap, lose_a, lose_b, retried)

    # The exact cuts (numpy mostly) run beside the Voronoi cuts (GEOS mostly); they fill
    # different rows.
    side_by_side(exact_cuts, voronoi_cuts)
    counts = {
        "equal_width_pairs": int(positive.sum()),
        "bisector_pairs": int(len(fast) + len(junction)),
        "voronoi_pairs": int(len(approx)),
    }
    return lose_a, lose_b, retried, counts


def _settle(rows, got, overlap, lose_a, lose_b, retried) -> None:
    """Pairs ``rows`` whose ``a`` loses ``got`` of their overlap: ``b`` loses the rest."""
    none_b = np.array([g is None for g in got], dtype=bool)
    all_b = np.array([g is o for g, o in zip(got, overlap[rows], strict=True)], dtype=bool)
    split = ~none_b & ~all_b
    lose_a[rows[~none_b]] = got[~none_b]
    lose_a[rows[split]] = _polygonal(got[split])
    lose_b[rows[none_b]] = overlap[rows[none_b]]
    lose_b[rows[split]], again = _overlay(
        shapely.difference, overlap[rows[split]], lose_a[rows[split]], subtracts=True
    )
    retried[rows[split]] |= again
