"""Chainage: road, STA, offset and side of assets, checked against hand-computed values.

Geometry is drawn in EPSG:32751 (metres) near Kupang and handed over in EPSG:4326.
"""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, MultiLineString, Point, Polygon

from geoasset.chainage import (
    centrelines,
    format_sta,
    format_sta_range,
    locate_assets,
    locate_lines,
    locate_points,
)
from geoasset.corridors import build_corridors
from geoasset.crs import metric_crs
from geoasset.errors import CRSError, SchemaError

X0, Y0 = 560_000.0, 8_870_000.0
UTM = 32751


def at(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def line(*points) -> LineString:
    return LineString([at(x, y) for x, y in points])


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=UTM,
    ).to_crs(4326)


def points(*xy) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(at(x, y)) for x, y in xy], crs=UTM).to_crs(4326)


#: An L-shaped road: 100 m east, then 100 m north; its chainage starts at 1,000 m.
BENT = frame(
    [{"road_id": "L", "sta_start_m": 1000.0, "geometry": line((0, 0), (100, 0), (100, 100))}]
)


def test_format_sta():
    assert format_sta(0) == "STA 0+000"
    assert format_sta(12300) == "STA 12+300"
    assert format_sta(12299.5) == "STA 12+300"
    assert format_sta(12299.49) == "STA 12+299"
    assert format_sta(999.6) == "STA 1+000"
    assert format_sta(-0.4) == "STA 0+000"
    assert format_sta_range(120, 480) == "STA 0+120 – 0+480"
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="chainage must be a finite number of metres >= 0"):
            format_sta(bad)


def test_point_on_a_bent_road_gets_sta_offset_and_side():
    pts = points((103, 40), (50, 7), (50, -2), (60, 0), (105, -5), (97, 97), (500, 500))
    out = locate_points(pts, BENT)
    assert list(out.columns) == ["road_id", "sta_m", "sta", "offset_m", "side"]
    assert out.index.tolist() == pts.index.tolist()
    expected = [
        # road, sta_m, label, offset, side (direction: east, then north)
        ("L", 1140.0, "STA 1+140", 3.0, "right"),  # east of the northbound leg
        ("L", 1050.0, "STA 1+050", 7.0, "left"),  # north of the eastbound leg
        ("L", 1050.0, "STA 1+050", 2.0, "right"),
        ("L", 1060.0, "STA 1+060", 0.0, "on"),
        ("L", 1100.0, "STA 1+100", math.hypot(5, 5), "right"),  # outside the corner
        ("L", 1197.0, "STA 1+197", 3.0, "left"),  # inside the bend, nearer the 2nd leg
    ]
    for k, (road, sta_m, label, offset, side) in enumerate(expected):
        row = out.iloc[k]
        assert row["road_id"] == road
        assert row["sta_m"] == pytest.approx(sta_m, abs=1e-6)
        assert row["sta"] == label
        assert row["offset_m"] == pytest.approx(offset, abs=1e-6)
        assert row["side"] == side, k
    far = out.iloc[-1]
    assert pd.isna(far["road_id"]) and np.isnan(far["sta_m"]) and pd.isna(far["side"])


def test_nearest_road_within_tolerance_and_ties():
    roads = frame(
        [
            {"road_id": "B", "geometry": line((0, 10), (200, 10))},
            {"road_id": "A", "geometry": line((0, -10), (200, -10))},
        ]
    )
    out = locate_points(points((50, 0), (50, 8), (50, 45), (50, 70)), roads, tolerance_m=50)
    assert out["road_id"].tolist()[:3] == ["A", "B", "B"]  # equidistant: smaller id
    assert pd.isna(out["road_id"].iloc[3])  # 60 m from B
    assert out["offset_m"].iloc[2] == pytest.approx(35)
    strict = locate_points(points((50, 45)), roads, tolerance_m=30)
    assert pd.isna(strict["road_id"].iloc[0])


def test_corridor_decides_the_road():
    roads = frame(
        [
            {"road_id": "RAYA", "road_class": "raya", "geometry": line((0, 0), (200, 0))},
            {"road_id": "KECIL", "road_class": "kecil", "geometry": line((100, 0), (100, 100))},
        ]
    )
    corridors = build_corridors(roads)
    # 1 m from the kecil centreline but inside the raya's right-of-way (12.5 m).
    pts = points((101, 10), (101, 20), (130, 40))
    plain = locate_points(pts, roads)
    assert plain["road_id"].tolist() == ["KECIL", "KECIL", "KECIL"]
    located = locate_points(pts, roads, corridors=corridors)
    assert located["road_id"].tolist() == ["RAYA", "KECIL", "KECIL"]
    assert located["sta_m"].iloc[0] == pytest.approx(101)
    assert located["offset_m"].iloc[0] == pytest.approx(10)
    assert located["side"].iloc[0] == "left"
    # Outside every corridor, the nearest road within the tolerance still counts.
    assert located["offset_m"].iloc[2] == pytest.approx(30)


def test_lines_get_start_and_end_chainage():
    roads = frame([{"road_id": "R", "geometry": line((0, 0), (1000, 0))}])
    cables = gpd.GeoSeries(
        [
            line((120, -6), (300, -6), (480, -6)),
            line((480, 6), (120, 6)),  # against the road's direction
            line((200, 5), (210, -5)),  # crossing it
            line((5000, 0), (5100, 0)),  # nowhere near
        ],
        crs=UTM,
    ).to_crs(4326)
    out = locate_lines(cables, roads)
    assert list(out.columns) == ["road_id", "sta_from_m", "sta_to_m", "sta", "side"]
    assert out["sta"].tolist()[:3] == [
        "STA 0+120 – 0+480",
        "STA 0+480 – 0+120",
        "STA 0+200 – 0+210",
    ]
    assert out["sta_from_m"].tolist()[:3] == pytest.approx([120, 480, 200], abs=1e-6)
    assert out["sta_to_m"].tolist()[:3] == pytest.approx([480, 120, 210], abs=1e-6)
    assert out["side"].tolist()[:3] == ["right", "left", "both"]
    assert pd.isna(out["road_id"].iloc[3]) and pd.isna(out["sta"].iloc[3])


def test_locate_assets_fills_every_asset_layer():
    roads = frame(
        [
            {"road_id": "R1", "geometry": line((0, 0), (1000, 0))},
            {"road_id": "R2", "sta_start_m": 500.0, "geometry": line((0, 300), (1000, 300))},
        ]
    )
    poles = frame(
        [
            {"pole_id": "P1", "owner": "PLN", "geometry": Point(at(10, 5))},
            {"pole_id": "P2", "owner": "PLN", "geometry": Point(at(10, 295))},
        ]
    )
    bridges = frame(
        [
            # A bridge whose road is known is measured along that road, even if nearer another.
            {"bridge_id": "B1", "road_id": "R1", "geometry": Point(at(400, 200))},
            {"bridge_id": "B2", "road_id": None, "geometry": line((600, 290), (640, 290))},
        ]
    )
    monuments = frame(
        [
            {
                "monument_id": "M1",
                "geometry": Polygon([at(50, 20), at(60, 20), at(60, 30), at(50, 30)]),
            }
        ]
    )
    lines = frame([{"line_id": "C1", "owner": "Telkom", "geometry": line((100, 3), (250, 3))}])
    other = frame([{"x": 1, "geometry": Point(at(0, 0))}])
    out = locate_assets(
        {
            "poles": poles,
            "bridges": bridges,
            "monuments": monuments,
            "utility_lines": lines,
            "parcels": other,
        },
        roads,
        tolerance_m=100,
    )
    assert out["parcels"] is other
    p = out["poles"]
    assert p["road_id"].tolist() == ["R1", "R2"]
    assert p["sta"].tolist() == ["STA 0+010", "STA 0+510"]
    assert p["side"].tolist() == ["left", "right"]
    assert p["pole_id"].tolist() == ["P1", "P2"] and "owner" in p
    b = out["bridges"]
    assert b["road_id"].tolist() == ["R1", "R2"]
    assert b["sta_m"].tolist() == pytest.approx([400, 1120], abs=1e-6)  # B2 at its midpoint
    assert b["offset_m"].tolist() == pytest.approx([200, 10], abs=1e-6)
    m = out["monuments"]
    assert m["road_id"].iloc[0] == "R1" and m["side"].iloc[0] == "left"
    assert 50 <= m["sta_m"].iloc[0] <= 60 and 20 <= m["offset_m"].iloc[0] <= 30
    u = out["utility_lines"]
    assert u[["road_id", "sta", "side"]].values.tolist() == [["R1", "STA 0+100 – 0+250", "left"]]
    assert "road_id" not in poles.columns  # the input frames are not modified


def test_multipart_loop_and_degenerate_roads(caplog):
    roads = frame(
        [
            # Two parts that do not touch: walked in the order stored.
            {
                "road_id": "GAP",
                "geometry": MultiLineString([[at(0, 0), at(100, 0)], [at(200, 0), at(300, 0)]]),
            },
            # Second part digitised backwards: merged and oriented like the first part.
            {
                "road_id": "REV",
                "geometry": MultiLineString(
                    [[at(0, 500), at(100, 500)], [at(200, 500), at(100, 500)]]
                ),
            },
            {
                "road_id": "LOOP",
                "geometry": line((0, 1000), (100, 1000), (100, 1100), (0, 1100), (0, 1000)),
            },
            {"road_id": "DOT", "geometry": line((0, 2000), (0, 2000))},
        ]
    )
    with caplog.at_level(logging.WARNING):
        lines = centrelines(roads)
    assert lines.skipped == {"DOT": "zero length (all its vertices are at one place)"}
    assert "DOT (zero length" in caplog.text
    out = locate_points(points((250, 1), (150, 501), (100, 1050), (-3, 1050)), roads)
    assert out["road_id"].tolist() == ["GAP", "REV", "LOOP", "LOOP"]
    assert out["sta_m"].tolist() == pytest.approx([150, 150, 150, 350], abs=1e-6)
    assert out["side"].tolist() == ["left", "left", "on", "right"]


def test_errors():
    with pytest.raises(ValueError, match="tolerance_m must be a number of metres >= 0"):
        locate_points(points((0, 0)), BENT, tolerance_m=-1)
    with pytest.raises(CRSError, match="chainage refused: EPSG:4326 .* is geographic"):
        locate_points(points((0, 0)), BENT, crs=4326)
    with pytest.raises(SchemaError, match="field 'road_id': column is missing"):
        locate_points(points((0, 0)), BENT.drop(columns="road_id"))
    bad = BENT.assign(sta_start_m=[-5.0])
    with pytest.raises(SchemaError, match="row 1 field 'sta_start_m'"):
        locate_points(points((0, 0)), bad)


# -- properties ----------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-40, 40), min_size=2, max_size=8),
    st.lists(st.floats(0, 1), min_size=2, max_size=25),
)
def test_property_chainage_is_monotonic_along_a_road(dys, fractions):
    # An x-monotone polyline (so it never crosses itself), 20 m per step.
    xs = np.arange(len(dys)) * 20.0
    ys = np.cumsum(dys)
    road = frame([{"road_id": "R", "geometry": line(*zip(xs, ys, strict=True))}])
    geom = road.to_crs(UTM).geometry.iloc[0]
    along = np.sort(np.asarray(fractions)) * geom.length
    pts = gpd.GeoSeries(shapely.line_interpolate_point(geom, along), crs=UTM).to_crs(4326)
    sta = locate_points(pts, road)["sta_m"].to_numpy()
    assert not np.isnan(sta).any()
    assert np.all(np.diff(sta) >= -1e-6)
    assert sta == pytest.approx(along, abs=1e-3)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(118.9, 125.2), st.floats(-11.0, -8.0)), min_size=1, max_size=20)
)
def test_property_metric_round_trip_moves_no_point_more_than_1_mm(lonlat):
    wgs84 = gpd.GeoSeries([Point(x, y) for x, y in lonlat], crs=4326)
    crs = metric_crs(wgs84)
    metric = wgs84.to_crs(crs)
    back = metric.to_crs(4326)
    # Measure the displacement on the ellipsoid, in metres.
    geod = pyproj.Geod(ellps="WGS84")
    _, _, moved = geod.inv(
        wgs84.x.to_numpy(), wgs84.y.to_numpy(), back.x.to_numpy(), back.y.to_numpy()
    )
    assert np.max(np.abs(moved)) < 1e-3
    again = back.to_crs(crs)
    assert np.max(np.hypot(again.x - metric.x, again.y - metric.y)) < 1e-3


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=5),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.tuples(st.floats(-20, 220), st.floats(-20, 220)), min_size=1, max_size=30),
)
def test_property_agrees_with_shapely_linear_referencing(polylines, xy):
    """A second method: GEOS's nearest road, line_locate_point and distance."""
    rows = [
        {"road_id": f"R{k}", "geometry": line(*[(5.0 * x, 5.0 * y) for x, y in pts])}
        for k, pts in enumerate(polylines)
        if LineString(pts).length > 0
    ]
    if not rows:
        return
    roads = frame(rows)
    pts = points(*xy)
    out = locate_points(pts, roads, tolerance_m=1e6)
    prepared = centrelines(roads)
    lines = prepared.geometry
    position = {rid: k for k, rid in enumerate(prepared.road_id)}
    geoms = pts.to_crs(UTM).to_numpy()
    dist = shapely.distance(lines[:, None], geoms[None, :])  # roads x points
    best = dist.min(axis=0)
    for k, road_id in enumerate(out["road_id"]):
        r = position[road_id]
        assert dist[r, k] == pytest.approx(best[k], abs=1e-6)  # the nearest road
        assert out["offset_m"].iloc[k] == pytest.approx(best[k], abs=1e-6)
        along = shapely.line_locate_point(lines[r], geoms[k])
        foot = shapely.line_interpolate_point(lines[r], out["sta_m"].iloc[k])
        # Same chainage, or (self-touching lines) another point at the same distance.
        assert out["sta_m"].iloc[k] == pytest.approx(along, abs=1e-6) or shapely.distance(
            foot, geoms[k]
        ) == pytest.approx(best[k], abs=1e-6)
