"""The union of one road's Voronoi cells, per pair, from a Delaunay triangulation.

Checked point by point against a brute-force nearest sample, and against GEOS's own
Voronoi diagram, on random samples and on the degenerate layouts real roads give
(samples on a regular grid, on straight parallel lines, on one line, and two a nanometre
apart, closer than the 1 µm grid the caller puts them on).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geoasset.bisectors_voronoi import _geos_region, _nearer_region, _sides_cells


def pairs_input(groups: list[tuple[np.ndarray, np.ndarray]]):
    """(xy, is_b, slot, bounds) for pairs given as (samples of a, samples of b)."""
    xy = np.concatenate([np.concatenate([a, b]) for a, b in groups])
    is_b = np.concatenate([np.r_[np.zeros(len(a), bool), np.ones(len(b), bool)] for a, b in groups])
    slot = np.repeat(np.arange(len(groups)), [len(a) + len(b) for a, b in groups])
    bounds = np.array([[*np.min(np.r_[a, b], 0), *np.max(np.r_[a, b], 0)] for a, b in groups])
    return xy, is_b, slot, bounds


def assert_nearest_sample_decides(region, groups, rng, margin=1e-6, boxes=None):
    """Every probe point inside a pair's extent (or its box) lies in the region iff its
    nearest sample is on road b (probes within ``margin`` of a tie are not judged)."""
    for k, (a, b) in enumerate(groups):
        lo, hi = np.min(np.r_[a, b], 0), np.max(np.r_[a, b], 0)
        if boxes is not None:
            lo, hi = boxes[k, :2], boxes[k, 2:]
        probe = lo + rng.random((2000, 2)) * (hi - lo)
        da = np.min(np.hypot(*(probe[:, None] - a[None]).transpose(2, 0, 1)), 1)
        db = np.min(np.hypot(*(probe[:, None] - b[None]).transpose(2, 0, 1)), 1)
        clear = np.abs(da - db) > margin
        inside = shapely.contains_xy(region[k], probe[clear, 0], probe[clear, 1])
        np.testing.assert_array_equal(inside, (db < da)[clear], err_msg=f"pair {k}")


def random_groups(rng, n_pairs=12):
    groups = []
    for _ in range(n_pairs):
        origin = rng.random(2) * 1000
        groups.append(
            (
                origin + rng.random((rng.integers(2, 60), 2)) * 40,
                origin + rng.random((rng.integers(2, 60), 2)) * 40,
            )
        )
    return groups


def degenerate_groups():
    t = np.arange(0, 40, 0.5)
    grid = np.array([(x, y) for x in range(10) for y in range(10)], float)
    return [
        # samples along two straight parallel roads, evenly spaced: cocircular fours
        (np.c_[t, np.zeros_like(t)], np.c_[t, np.full_like(t, 8.0)]),
        # a regular grid split in two
        (grid[grid[:, 0] < 5], grid[grid[:, 0] >= 5]),
        # every sample on one line
        (np.c_[t[::2], t[::2]], np.c_[t[1::2], t[1::2]]),
        # two samples a nanometre apart
        (np.array([[0.0, 0.0], [3.0, 1.0]]), np.array([[1e-9, 0.0], [0.0, 2.0], [2.0, 3.0]])),
    ]


def test_random_samples_match_the_nearest_sample_and_geos():
    rng = np.random.default_rng(7)
    groups = random_groups(rng)
    xy, is_b, slot, bounds = pairs_input(groups)
    region, ok = _sides_cells(xy, is_b, slot, bounds)
    assert ok.all()
    assert shapely.is_valid(region).all()
    assert_nearest_sample_decides(region, groups, rng)
    # A second method: GEOS's Voronoi diagram agrees wherever the overlap can be.
    geos = _geos_region(xy, is_b, slot, bounds)
    frame = shapely.box(*bounds.T)
    apart = shapely.area(shapely.symmetric_difference(region, geos, grid_size=1e-9) & frame)
    assert apart.max() < 1e-6


@pytest.mark.parametrize("case", range(4))
def test_degenerate_layouts_still_give_the_nearest_samples_region(case):
    groups = [degenerate_groups()[case]]
    xy, is_b, slot, bounds = pairs_input(groups)
    _, by_delaunay = _sides_cells(xy, is_b, slot, bounds)
    assert by_delaunay[0]  # no fallback needed
    region = _nearer_region(xy, is_b, slot, bounds)
    assert shapely.is_valid(region[0])
    assert_nearest_sample_decides(region, groups, np.random.default_rng(case), margin=1e-6)


def test_an_overlap_wider_than_the_samples_is_cut_by_them_all_over():
    # A junction's few samples, an overlap box reaching 25 m beyond them: the far points
    # that bound the cells must stay farther than every sample all over the box.
    groups = [(np.array([[0.0, 0.0], [1.0, 0.5]]), np.array([[0.0, 2.0], [1.5, 1.5]]))]
    xy, is_b, slot, _ = pairs_input(groups)
    box = np.array([[-25.0, -25.0, 26.0, 27.0]])
    region, ok = _sides_cells(xy, is_b, slot, box)
    assert ok[0]
    assert_nearest_sample_decides(region, groups, np.random.default_rng(3), boxes=box)
