"""The nearest-centreline cut of the overlap of two roads of equal width, exactly.

Three ways, chosen per pair by :mod:`geoasset.partition`: exact bisectors when both
centrelines near the overlap are single straight segments (:func:`_nearer_convex`, all
in numpy) or rays leaving one shared node (:func:`_nearer_star`, a junction), else the
Voronoi cells of points sampled along both centrelines
(:func:`geoasset.bisectors_voronoi._nearer_voronoi`).
"""

from __future__ import annotations

import numpy as np
import shapely

from geoasset.overlays import _AREA_EPS, _overlay, _polygonal, _ranks

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
