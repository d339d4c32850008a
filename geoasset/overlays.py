"""Robust vectorised overlays for the corridors: every overlay snap-rounded on a fine grid.

GEOS's floating-point overlay (3.14) can return a wrong answer without an error where
edges nearly coincide; every overlay here is snap-rounded on a 2**-30 m grid (robust by
construction), retried on coarser grids where GEOS refuses, and never raises a GEOS
error. The helpers work on aligned arrays and spread GEOS work over a few threads
(shapely releases the GIL).

Examples
--------
>>> import numpy as np, shapely
>>> a = np.array([shapely.box(0, 0, 2, 2)], dtype=object)
>>> b = np.array([shapely.box(1, 0, 3, 2)], dtype=object)
>>> out, retried = _overlay(shapely.intersection, a, b)
>>> float(shapely.area(out[0])), bool(retried[0])
(2.0, False)
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.errors import GEOSException

from geoasset.errors import GeoassetError
from geoasset.parallel import map_threads, split

#: Overlaps smaller than this (m²) are floating-point noise between touching polygons.
_AREA_EPS = 1e-9


def _threaded(op, *arrays: np.ndarray, minimum: int = 2048) -> np.ndarray:
    """``op(*arrays)`` on aligned arrays, split over a few threads (GEOS drops the GIL).

    Rows are dealt out in turn (row k to thread k mod n), so a run of heavy rows is shared
    between the threads rather than falling to one of them.
    """
    chunks = split(len(arrays[0]), minimum=minimum, interleave=True)
    if len(chunks) == 1:
        return op(*arrays)
    parts = map_threads(lambda idx: op(*(x[idx] for x in arrays)), chunks)
    joined = np.concatenate(parts)
    out = np.empty_like(joined)
    out[np.concatenate(chunks)] = joined
    return out


def _envelopes(xy: np.ndarray, reach: float) -> np.ndarray:
    """Geometries whose envelopes are the squares of half-side ``reach`` around ``xy``
    (two-point lines: cheaper to make than boxes, same envelope for an STRtree query)."""
    return shapely.linestrings(np.stack([xy - reach, xy + reach], axis=1))


def _query(tree: shapely.STRtree, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tree.query(geoms)`` (envelopes), split over threads; (input, tree) indices."""
    chunks = split(len(geoms), minimum=4096)
    if len(chunks) == 1:
        return tree.query(geoms)
    parts = map_threads(lambda idx: tree.query(geoms[idx]), chunks)
    first = np.concatenate([chunk[part[0]] for chunk, part in zip(chunks, parts, strict=True)])
    return first, np.concatenate([part[1] for part in parts])


#: Every overlay is snap-rounded on this grid (2**-30 m, about 1 nm): GEOS's floating-point
#: overlay (3.14) can return a wrong result without an error when edges nearly coincide
#: (a difference returned unchanged, or missing a few square metres), while snap-rounding
#: on a fixed grid is robust by construction (OverlayNG).
_OVERLAY_GRID_M = 2.0**-30
#: Coarser grids (m) an overlay GEOS refuses is retried on.
_FALLBACK_GRIDS_M = (1e-6, 1e-3)


#: An overlay of this many rows is worth a thread of its own (a row takes 0.1-10 ms).
_ROWS_PER_THREAD = 64


def _overlay(
    op, a: np.ndarray, b: np.ndarray, *, subtracts: bool = False, grid: float = _OVERLAY_GRID_M
) -> tuple[np.ndarray, np.ndarray]:
    """``op(a, b)`` on aligned arrays of polygons, snap-rounded on ``grid``; never raises a
    GEOS error.

    Inputs are reduced to their polygons first (GEOS refuses an overlay of a collection
    that mixes dimensions). A row GEOS refuses is retried snapped to the coarser
    grids of :data:`_FALLBACK_GRIDS_M`, and a result that vanished although the
    input had area (GEOS can lose a polygon whose edges nearly coincide with the
    other's) is recomputed the same way. Returns the polygonal results and the mask of
    rows that needed a grid, so the caller can report them. An invalid result (GEOS can
    return one from edges that nearly coincide) is redone the same way. ``subtracts``
    says ``op`` is a difference (only then can a vanished result be checked).
    """
    a, b = _polygonal(a), _polygonal(b)
    retried = np.zeros(len(a), dtype=bool)
    try:
        out = _threaded(lambda x, y: op(x, y, grid_size=grid), a, b, minimum=_ROWS_PER_THREAD)
    except GEOSException:
        out = np.empty(len(a), dtype=object)
        for k in range(len(a)):
            try:
                out[k] = op(a[k], b[k], grid_size=grid)
            except GEOSException:
                out[k] = None
    out = np.asarray(out, dtype=object)
    # GEOS can also return an invalid polygon from near-coincident edges: redone too.
    failed = np.flatnonzero(shapely.is_missing(out) | ~_threaded(shapely.is_valid, out))
    for k in failed:
        out[k] = _on_grid(op, a[k], b[k])
    retried[failed] = True
    if subtracts:
        vanished = np.flatnonzero((shapely.area(out) <= _AREA_EPS) & (shapely.area(a) > _AREA_EPS))
        for k in vanished[~shapely.covers(b[vanished], a[vanished])]:
            again = _on_grid(op, a[k], b[k])
            if shapely.area(again) > _AREA_EPS:  # GEOS had lost land: a finding
                out[k], retried[k] = again, True
    return _polygonal(out), retried


def _on_grid(op, a, b):
    """``op(a, b)`` snap-rounded on the first grid of :data:`_FALLBACK_GRIDS_M` that works.

    Each grid is tried on the inputs as they are, then on the inputs made valid and
    snapped to the grid first.
    """
    for grid in _FALLBACK_GRIDS_M:
        for snap_first in (False, True):
            try:
                pa, pb = a, b
                if snap_first:
                    pair = shapely.make_valid(np.array([a, b], dtype=object))
                    pa, pb = _polygonal(shapely.set_precision(_polygonal(pair), grid))
                return op(pa, pb, grid_size=grid)
            except GEOSException:
                continue
    raise GeoassetError(
        "could not compute a right-of-way overlay even on a 1 mm grid; "
        "please report this case with the roads involved"
    )


def _grouped_union(geoms: np.ndarray, groups: np.ndarray, n: int, *, coverage: bool) -> np.ndarray:
    """Union of ``geoms`` per group ``0..n-1`` (None for an empty group), vectorised.

    Groups are padded into rows of equal length (bucketed by size) and reduced along the
    row, so GEOS does the work without a Python loop per group. ``coverage`` says the
    pieces of a group only share edges (Voronoi cells, faces), which is much faster.
    """
    out = np.full(n, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(groups, kind="stable")
    g, geoms = groups[order], geoms[order]
    counts = np.bincount(g, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    single = np.flatnonzero(counts == 1)
    out[single] = geoms[starts[single]]
    several = np.flatnonzero(counts > 1)
    if len(several) == 0:
        return out
    width = 2 ** np.ceil(np.log2(counts[several])).astype(int)
    reduce = shapely.coverage_union_all if coverage else shapely.union_all
    for w in np.unique(width):
        members = several[width == w]
        table = np.full((len(members), w), None, dtype=object)
        pos = np.repeat(starts[members], counts[members]) + _ranks(counts[members])
        rows = np.repeat(np.arange(len(members)), counts[members])
        table[rows, _ranks(counts[members])] = geoms[pos]
        try:
            out[members] = _threaded(lambda rows: reduce(rows, axis=1), table, minimum=256)
        except GEOSException:
            out[members] = shapely.union_all(table, axis=1)
    return out


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for each count c, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def _vertex_owners(offsets: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Per coordinate of :func:`shapely.to_ragged_array` of (multi)polygons (its
    ``offsets``): the ring it is on and the geometry it belongs to.

    >>> _, xy, offsets = shapely.to_ragged_array([shapely.box(0, 0, 1, 1)])
    >>> [r.tolist() for r in _vertex_owners(offsets)]
    [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    """
    ring_off = offsets[0]
    ring_of = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off))
    geom_of = ring_of
    for upper in offsets[1:]:  # rings -> polygons (-> multipolygons)
        geom_of = np.repeat(np.arange(len(upper) - 1), np.diff(upper))[geom_of]
    return ring_of, geom_of


def _from_rings(kind, coords: np.ndarray, rings: np.ndarray, offsets: tuple) -> np.ndarray:
    """(Multi)polygons back from :func:`shapely.to_ragged_array` arrays whose rings now
    start at ``rings``; a multipolygon of one part comes back as a polygon."""
    out = shapely.from_ragged_array(kind, coords, (rings, *offsets[1:]))
    single = shapely.get_num_geometries(out) == 1
    out[single] = shapely.get_geometry(out[single], 0)
    return out


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Drop the points and lines an overlay may return next to its polygons."""
    geoms = np.asarray(geoms, dtype=object)
    kinds = shapely.get_type_id(geoms)
    out = geoms.copy()
    # A polygon that snapping collapsed to a line or a point has no land left.
    out[np.isin(kinds, (0, 1, 2, 4, 5))] = shapely.MultiPolygon()
    mixed = np.flatnonzero(kinds == 7)
    if len(mixed) == 0:
        return out
    parts, owner = shapely.get_parts(geoms[mixed], return_index=True)
    parts, owner = (
        shapely.get_parts(parts, return_index=True)[0],
        owner[shapely.get_parts(parts, return_index=True)[1]],
    )
    keep = shapely.get_type_id(parts) == 3
    out[mixed] = shapely.MultiPolygon()
    if keep.any():
        present, slot = np.unique(owner[keep], return_inverse=True)
        out[mixed[present]] = shapely.multipolygons(parts[keep], indices=slot)
    return out
