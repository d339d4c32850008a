"""Points sampled along paired centrelines for the Voronoi cut: dense only where needed.

The bound the corridors' documentation promises: wherever two paired roads are equally
far from a point, the distance from that point to the nearest sample of either road
exceeds the true distance by at most s/2 (elsewhere by at most s (dA + dB) / (4 dA)).
Checked against shapely's exact distances on a grid of points.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString

from geoasset.bisectors_voronoi import _PIECE_M, _densify_near

FINE = 0.5  # s, the spacing near the other road


def sample(lines: list[LineString], a: list[int], b: list[int]) -> list[np.ndarray]:
    """The distinct samples of every road (every pair looks at the whole plane)."""
    geoms = np.array(lines, dtype=object)
    roads = np.arange(len(geoms))
    xy, owner, _ = _densify_near(
        geoms,
        roads,
        np.array(a),
        np.array(b),
        np.full(len(geoms), FINE),
        np.full((len(a), 2), -1e9),
        np.full((len(a), 2), 1e9),
    )
    return [np.unique(np.round(xy[owner == k], 6), axis=0) for k in roads]


def near_both(first: LineString, second: LineString, reach: float) -> np.ndarray:
    """Points of a 25 cm grid within ``reach`` of both lines."""
    x0, y0, x1, y1 = shapely.union(first, second).bounds
    gx, gy = np.meshgrid(
        np.arange(x0 - reach, x1 + reach, 0.25), np.arange(y0 - reach, y1 + reach, 0.25)
    )
    gx, gy = gx.ravel(), gy.ravel()
    # Only points inside both buffers 10 cm wider are measured: those polygons hold every
    # point within `reach` of their line (their inner radius is reach + 0.1 times
    # cos(pi/32), above reach), so the points kept are the same.
    both = shapely.intersection(first.buffer(reach + 0.1), second.buffer(reach + 0.1))
    inside = shapely.contains_xy(both, gx, gy)
    points = shapely.points(gx[inside], gy[inside])
    keep = (shapely.distance(points, first) <= reach) & (shapely.distance(points, second) <= reach)
    return points[keep]


def assert_bound(points: np.ndarray, own: LineString, other: LineString, samples: np.ndarray):
    """Excess of the sampled distance to ``own`` at most max(s/2, s (dA + dB) / (4 dA)),
    so s/2 wherever the two roads are equally far."""
    da, db = shapely.distance(points, own), shapely.distance(points, other)
    nearest = shapely.distance(points, shapely.multipoints(samples))
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.maximum(FINE / 2, FINE * (da + db) / (4 * da))
    assert np.all(nearest - da <= np.nan_to_num(bound, nan=FINE / 2) + 1e-6)
    equal = np.abs(da - db) < 1e-3
    assert np.all(nearest[equal] - da[equal] <= FINE / 2 + 2e-3)


def test_vertices_are_kept_and_far_stretches_are_sparse():
    near = LineString([(0, 0), (100, 0)])
    far = LineString([(0, 12), (40, 12), (100, 60)])
    got = sample([near, far], [0], [1])
    for line, points in zip([near, far], got, strict=True):
        vertices = shapely.get_coordinates(line)
        assert all(np.hypot(*(points - v).T).min() < 1e-9 for v in vertices)
        assert shapely.distance(shapely.points(points), line).max() < 1e-9  # on the line
        along = np.sort(shapely.line_locate_point(line, shapely.points(points)))
        assert np.diff(along).max() <= _PIECE_M + 1e-9
    # 12 m apart and more: far fewer points than a uniform 0.5 m spacing (201 on `near`)
    assert len(got[0]) < 201 / 3


def test_parallel_roads_keep_the_bound_on_the_midline():
    first = LineString([(0, 0), (200, 0)])
    second = LineString([(0, 6), (200, 6)])
    mid = shapely.points(np.column_stack([np.arange(0, 200, 0.13), np.full(1539, 3.0)]))
    for points in sample([first, second], [0], [1]):
        nearest = shapely.distance(mid, shapely.multipoints(points))
        assert (nearest - 3.0).max() <= FINE / 2 + 1e-6
        assert len(points) <= 200 / 2 + 1  # 2 m apart (pieces near the other), not 0.5 m


@pytest.mark.parametrize("angle", [90, 30, 150])
def test_junction_keeps_the_bound(angle):
    through = LineString([(-60, 0), (0, 0), (60, 0)])
    t = np.radians(angle)
    branch = LineString([(0, 0), (60 * np.cos(t), 60 * np.sin(t))])
    a_pts, b_pts = sample([through, branch], [0], [1])
    points = near_both(through, branch, reach=7.5)
    assert len(points) > 1000
    assert_bound(points, through, branch, a_pts)
    assert_bound(points, branch, through, b_pts)


corner = st.tuples(st.floats(-40, 40), st.floats(-40, 40))


@settings(max_examples=20, deadline=None)
@given(
    st.lists(corner, min_size=2, max_size=5, unique=True),
    st.lists(corner, min_size=2, max_size=5, unique=True),
)
def test_property_bound_holds_for_bent_roads(first, second):
    a_line, b_line = LineString(first), LineString(second)
    if a_line.length < 1 or b_line.length < 1:
        return
    a_pts, b_pts = sample([a_line, b_line], [0], [1])
    points = near_both(a_line, b_line, reach=7.5)
    assert_bound(points, a_line, b_line, a_pts)
    assert_bound(points, b_line, a_line, b_pts)
