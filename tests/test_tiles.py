"""Spatial parts: one home per asset and per corridor, and the assessment part by part equal
to the single-process assessment on random networks cut by random tiles and Hilbert ranges.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, Point

from geoasset.assessment import assess
from geoasset.corridors import build_corridors
from geoasset.distributed import assess_partitioned
from geoasset.errors import GeoassetError
from geoasset.tariffs import load_tariffs
from geoasset.tiles import hilbert_ranges, margin_m, plan_parts, square_tiles

TARIFFS = Path(__file__).parent.parent / "layers" / "tariffs_example.csv"
UTM = 32751
X0, Y0 = 560_000.0, 8_870_000.0  # near Kupang


def _network(seed: int, roads: int = 7, poles: int = 150, lines: int = 12):
    """A random network near Kupang: straight and bent roads in a 3 km square, poles
    scattered near them (some exactly on the 500 m grid lines), cables along them."""
    rng = np.random.default_rng(seed)
    classes = np.array(["raya", "sedang", "kecil"])
    road_geoms = []
    for _ in range(roads):
        a, b = rng.uniform(0, 3000, 2), rng.uniform(0, 3000, 2)
        mid = (a + b) / 2 + rng.normal(0, 150, 2)
        road_geoms.append(LineString([a + (X0, Y0), mid + (X0, Y0), b + (X0, Y0)]))
    road_frame = gpd.GeoDataFrame(
        {
            "road_id": [f"R{i:02d}" for i in range(roads)],
            "road_class": rng.choice(classes, roads),
        },
        geometry=road_geoms,
        crs=UTM,
    ).to_crs(4326)
    along = rng.integers(0, roads, poles)
    xy = []
    for k, r in enumerate(along):
        p = road_geoms[r].interpolate(rng.uniform(0, road_geoms[r].length))
        x, y = p.x + rng.normal(0, 10), p.y + rng.normal(0, 10)
        if k % 5 == 0:  # on a tile edge of the 500 m and 1000 m grids
            x = X0 + round((x - X0) / 500) * 500
        xy.append((x, y))
    pole_frame = gpd.GeoDataFrame(
        {
            "pole_id": [f"P{i:04d}" for i in range(poles)],
            "owner": rng.choice(["PLN", "Telkom"], poles),
            "kind": rng.choice(["electric", "telecom", "other"], poles),
        },
        geometry=[Point(x, y) for x, y in xy],
        crs=UTM,
    ).to_crs(4326)
    cables = []
    for i in range(lines):
        g = road_geoms[i % roads]
        start = rng.uniform(0, g.length * 0.5)
        piece = shapely.ops.substring(g, start, start + rng.uniform(200, 2000))
        cables.append(shapely.offset_curve(piece, rng.uniform(-8, 8)))
    line_frame = gpd.GeoDataFrame(
        {
            "line_id": [f"L{i:03d}" for i in range(lines)],
            "owner": ["Telkom"] * lines,
            "kind": rng.choice(["fibre", "overhead_cable"], lines),
        },
        geometry=cables,
        crs=UTM,
    ).to_crs(4326)
    return road_frame, pole_frame, line_frame


@pytest.fixture(scope="module")
def schedule():
    return load_tariffs(TARIFFS)


def test_square_tiles_put_an_edge_point_in_one_tile():
    pts = gpd.GeoSeries([Point(999.999, 0), Point(1000, 0), Point(1000, 1000)], crs=UTM)
    assert square_tiles(pts, size_m=1000).tolist() == [0, 1, 2]


def test_hilbert_ranges_have_equal_counts():
    rng = np.random.default_rng(3)
    pts = shapely.points(rng.uniform(0, 10_000, (1000, 2)))
    codes = hilbert_ranges(pts, parts=4)
    assert np.bincount(codes).tolist() == [250, 250, 250, 250]


def test_margin_and_bad_sizes():
    assert margin_m(30, 100) == 130.0
    with pytest.raises(GeoassetError, match="tile size"):
        square_tiles([Point(0, 0)], size_m=0)
    with pytest.raises(GeoassetError, match="parts"):
        hilbert_ranges([Point(0, 0)], parts=0)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    cut=st.one_of(
        st.sampled_from([250.0, 500.0, 1000.0]).map(lambda s: ("tiles", s)),
        st.integers(1, 9).map(lambda n: ("hilbert", n)),
    ),
)
def test_parts_bill_border_assets_once_and_keep_the_corridors(schedule, seed, cut):
    roads, poles, lines = _network(seed)
    corridors = build_corridors(roads)
    how = {"tile_size_m": cut[1]} if cut[0] == "tiles" else {"parts": cut[1]}

    # every asset and every corridor has exactly one home part
    plan = plan_parts(
        {"poles": poles.geometry, "utility_lines": lines.geometry},
        corridors.geometry,
        crs=UTM,
        margin=margin_m(30, 100),
        **how,
    )
    for layer, frame in (("poles", poles), ("utility_lines", lines)):
        homes = np.concatenate([p.assets.get(layer, np.zeros(0, int)) for p in plan])
        assert sorted(homes.tolist()) == list(range(len(frame)))
    home = np.concatenate([p.home_corridors for p in plan])
    assert sorted(home.tolist()) == list(range(len(corridors)))
    # the union of the parts' corridors is the union of all corridors (independent check:
    # the areas of the unions, measured in UTM, agree and their difference is empty)
    metric = corridors.to_crs(UTM)
    whole = shapely.union_all(metric.geometry.values)
    by_part = shapely.union_all(
        [shapely.union_all(metric.geometry.values[p.home_corridors]) for p in plan]
    )
    assert shapely.difference(whole, by_part).area < 1e-6
    assert abs(whole.area - by_part.area) < 1e-6

    options = dict(
        poles=poles,
        utility_lines=lines,
        corridors=corridors,
        tariffs=schedule,
        year=2026,
        roads=roads,
    )
    single = assess(**options)
    parted = assess_partitioned(**options, **how)
    # border assets billed once: each pole is in at most one line item, as in one process
    pole_items = parted.items[parted.items["layer"] == "poles"]
    assert not pole_items["asset_id"].duplicated().any()
    assert parted.grand_total == single.grand_total
    pd.testing.assert_frame_equal(pd.DataFrame(parted.items), pd.DataFrame(single.items))
    pd.testing.assert_frame_equal(
        pd.DataFrame(parted.not_billable), pd.DataFrame(single.not_billable)
    )
    # the metres of every cable, billed or not, are those of one process
    metres = parted.items[parted.items["layer"] == "utility_lines"]["quantity"].sum()
    assert metres == pytest.approx(single.items.query("layer == 'utility_lines'")["quantity"].sum())


def test_a_pole_on_a_tile_corner_is_billed_once(schedule):
    """A pole at the corner shared by four tiles, inside a corridor crossing all four."""
    road = LineString([(X0 - 400, Y0), (X0 + 400, Y0)])
    roads = gpd.GeoDataFrame({"road_id": ["R1"], "road_class": ["raya"]}, geometry=[road], crs=UTM)
    poles = gpd.GeoDataFrame(
        {"pole_id": ["P1"], "owner": ["PLN"], "kind": ["electric"]},
        geometry=[Point(X0, Y0)],
        crs=UTM,
    )
    corridors = build_corridors(roads.to_crs(4326))
    result = assess_partitioned(
        poles=poles.to_crs(4326),
        utility_lines=None,
        corridors=corridors,
        tariffs=schedule,
        year=2026,
        tile_size_m=100,
    )
    assert result.items["asset_id"].tolist() == ["P1"]
    assert result.grand_total == 720_000  # EX-2026-POLE-EL, one year
