"""Quality rules: one positive and one negative case per rule, on frames built by hand.

Geometry is laid out in WGS 84 / UTM 51S (EPSG:32751, Kupang) where distances are known
by construction, then stored in EPSG:4326 as the inventory holds it. Corridors are
built here by buffering the road by hand, independently of geoasset.corridors.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, MultiLineString, Point, Polygon

from geoasset.errors import CRSError
from geoasset.qa import (
    DEFAULT_MIN_POLE_OFFSET_M,
    FINDINGS_COLUMNS,
    RULES,
    QAParams,
    run_qa,
    summarise_findings,
)

UTM = 32751
X0, Y0 = 573_000.0, 8_875_000.0  # near Kupang; the road runs east 1 km from here
HALF_WIDTH = 12.5  # jalan raya: 25 m Rumija

HOSTILE = [
    "P1'); DROP TABLE poles;--",
    '<script>alert("x")</script>',
    "Tiang «PLN» ü\tline\nbreak",
]


def utm(geoms, **columns) -> gpd.GeoDataFrame:
    """A frame whose geometry is given in EPSG:32751, returned in EPSG:4326."""
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=UTM).to_crs(4326)


def at(dx: float, dy: float) -> Point:
    return Point(X0 + dx, Y0 + dy)


def road_line(y: float = 0.0, length: float = 1000.0) -> LineString:
    return LineString([(X0, Y0 + y), (X0 + length, Y0 + y)])


def make_roads() -> gpd.GeoDataFrame:
    return utm([road_line()], road_id=["R1"], road_class=["raya"], name=["Simpang – Bandara"])


def make_corridors(*, metric_crs: str | None = "EPSG:32751", area_m2: float | None = None):
    """The Rumija of R1: a flat-capped 25 m buffer, the contract's corridor columns."""
    shape = road_line().buffer(HALF_WIDTH, cap_style="flat")
    return utm(
        [shape],
        corridor_id=["R1"],
        road_id=["R1"],
        road_name=["Simpang – Bandara"],
        road_status=["provinsi"],
        road_class=["raya"],
        kabupaten=["Kota Kupang"],
        sta_from_m=[0.0],
        sta_to_m=[1000.0],
        sta=["STA 0+000 – 1+000"],
        width_m=[25.0],
        width_source=["class"],
        area_m2=[shape.area if area_m2 is None else area_m2],
        metric_crs=[metric_crs],
    )


def kupang_frames() -> dict[str, gpd.GeoDataFrame]:
    """A clean inventory: every rule finds nothing."""
    return {
        "roads": make_roads(),
        "corridors": make_corridors(),
        "poles": utm(
            [at(100, 5), at(200, -6), at(300, 8)],
            pole_id=["P1", "P2", "P3"],
            owner=["PLN", "PLN", "Telkom"],
        ),
        "utility_lines": utm(
            [LineString([(X0 + 10, Y0 + 6), (X0 + 900, Y0 + 6)])],
            line_id=["L1"],
            owner=["Telkom"],
            permit_no=[None],
        ),
        "bridges": utm([at(500, 0)], bridge_id=["B1"], condition_nk=[0]),
        "monuments": utm(
            [Polygon([(X0 + 700, Y0 + 9), (X0 + 705, Y0 + 9), (X0 + 705, Y0 + 20)])],
            monument_id=["M1"],
        ),
    }


def rule(name: str, frames, **params) -> gpd.GeoDataFrame:
    return run_qa(frames, rules=[name], **params)


def test_clean_inventory_has_no_findings():
    findings = run_qa(kupang_frames())
    assert len(findings) == 0
    assert list(findings.columns) == list(FINDINGS_COLUMNS)
    assert findings.crs.to_epsg() == 4326


def test_registry_entries_are_complete():
    for name, entry in RULES.items():
        assert entry.name == name
        assert entry.severity in ("error", "warning")
        assert entry.description and "\n" not in entry.description
        assert callable(entry.function)
    # Every rule can be called alone with the frames dict and the parameters.
    out = RULES["duplicate_id"].function(kupang_frames(), QAParams())
    assert len(out) == 0


# -- invalid_geometry ----------------------------------------------------------------


def test_invalid_geometry_reports_the_reason_and_empty_and_missing():
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    frames = {
        "parcels": utm([bowtie], parcel_id=[HOSTILE[1]], road_id=["R1"]),
        "poles": utm([at(1, 5), None, Point()], pole_id=["P1", "P2", "P3"], owner=["PLN"] * 3),
    }
    found = rule("invalid_geometry", frames)
    assert found["asset_id"].tolist() == [HOSTILE[1], "P2", "P3"]
    assert found["layer"].tolist() == ["parcels", "poles", "poles"]
    assert set(found["severity"]) == {"error"}
    assert "Self-intersection" in found.message.iloc[0]
    assert f"id '{HOSTILE[1]}'" in found.message.iloc[0]
    assert found.message.iloc[1].endswith("row 2, id 'P2': geometry is missing")
    assert found.message.iloc[2].endswith("row 3, id 'P3': geometry is empty")
    assert found.geometry.iloc[0].equals(frames["parcels"].geometry.iloc[0])
    assert found.geometry.iloc[1] is None and found.geometry.iloc[2] is None


def test_invalid_geometry_passes_valid_shapes():
    assert len(rule("invalid_geometry", kupang_frames())) == 0


# -- duplicate_id --------------------------------------------------------------------


@pytest.mark.parametrize("dup", ["P1", *HOSTILE])
def test_duplicate_id_flags_every_row_with_the_id(dup):
    poles = utm([at(100, 5), at(200, 5), at(300, 5)], pole_id=[dup, "P9", dup], owner=["PLN"] * 3)
    found = rule("duplicate_id", {"poles": poles})
    assert found["asset_id"].tolist() == [dup, dup]
    assert set(found["severity"]) == {"error"}
    assert f"id '{dup}' is used by 2 rows (rows 1, 3)" in found.message.iloc[0]
    assert found.message.iloc[1].startswith("layer 'poles' row 3:")
    assert found.geometry.iloc[1].equals(poles.geometry.iloc[2])


def test_duplicate_id_ignores_unique_and_missing_ids():
    poles = utm([at(100, 5), at(200, 5), at(300, 5)], pole_id=["P1", None, None], owner=["X"] * 3)
    frames = kupang_frames() | {"poles": poles}
    assert len(rule("duplicate_id", frames)) == 0


# -- missing_owner -------------------------------------------------------------------


def test_missing_owner_flags_blank_owners_on_poles_and_lines():
    poles = utm(
        [at(100, 5), at(200, 5), at(300, 5), at(400, 5)],
        pole_id=[HOSTILE[0], "P2", "P3", "P4"],
        owner=[None, "  ", "PLN", "nan"],
    )
    lines = utm([LineString([at(0, 6), at(50, 6)])], line_id=[HOSTILE[2]])  # no owner column
    found = rule("missing_owner", {"poles": poles, "utility_lines": lines})
    assert found["asset_id"].tolist() == [HOSTILE[0], "P2", "P4", HOSTILE[2]]
    assert set(found["severity"]) == {"error"}
    assert (
        found.message.iloc[0] == f"layer 'poles' row 1, id '{HOSTILE[0]}': field 'owner' is empty"
    )
    assert f"id '{HOSTILE[2]}'" in found.message.iloc[3]
    assert found.geometry.iloc[3].equals(lines.geometry.iloc[0])


def test_missing_owner_passes_owned_assets_and_ownerless_layers():
    # bridges and monuments belong to the road authority: no owner field to check.
    assert len(rule("missing_owner", kupang_frames())) == 0


# -- corridors_in_degrees ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("EPSG:4326", "computed in 'EPSG:4326' (WGS 84), a geographic CRS in degrees"),
        ("EPSG:9470", "a geographic CRS in degrees"),  # SRGI2013 geographic
        ("", "field 'metric_crs' is empty"),
        (None, "field 'metric_crs' is empty"),
        (HOSTILE[0], f"field 'metric_crs' is '{HOSTILE[0]}', which is not a CRS"),
    ],
)
def test_corridors_with_geographic_or_unknown_metric_crs_are_refused(value, reason):
    frames = kupang_frames() | {"corridors": make_corridors(metric_crs=value)}
    found = rule("corridors_in_degrees", frames)
    assert found["asset_id"].tolist() == ["R1"]
    assert found.severity.iloc[0] == "error"
    assert reason in found.message.iloc[0]
    assert "rebuild the corridors in a projected CRS" in found.message.iloc[0]
    assert found.geometry.iloc[0].equals(frames["corridors"].geometry.iloc[0])


def test_corridors_without_metric_crs_column_are_refused():
    frames = kupang_frames()
    frames["corridors"] = frames["corridors"].drop(columns="metric_crs")
    found = rule("corridors_in_degrees", frames)
    assert len(found) == 1 and found.severity.iloc[0] == "error"
    assert "has no field 'metric_crs'" in found.message.iloc[0]


def test_corridor_area_in_square_degrees_is_refused():
    shape = road_line().buffer(HALF_WIDTH, cap_style="flat")
    in_degrees = shapely.area(gpd.GeoSeries([shape], crs=UTM).to_crs(4326).iloc[0])  # ~2e-6
    frames = kupang_frames() | {"corridors": make_corridors(area_m2=in_degrees)}
    found = rule("corridors_in_degrees", frames)
    assert found["asset_id"].tolist() == ["R1"]
    assert "computed in degrees" in found.message.iloc[0]
    assert "(25,000.00 m²)" in found.message.iloc[0]  # 1000 m × 25 m, measured in UTM 51S


def test_corridors_in_metres_pass():
    # An area 1 % off (another metric CRS, a parcel) is not "in degrees".
    frames = kupang_frames() | {"corridors": make_corridors(area_m2=24_750.0)}
    assert len(rule("corridors_in_degrees", frames)) == 0
    assert len(rule("corridors_in_degrees", kupang_frames(), crs="EPSG:23881")) == 0


@pytest.mark.parametrize("crs", [4326, "EPSG:9470", "+proj=longlat +datum=WGS84"])
def test_run_qa_refuses_a_geographic_crs(crs):
    with pytest.raises(CRSError, match="geographic"):
        run_qa(kupang_frames(), crs=crs)


# -- asset_outside_row ---------------------------------------------------------------


def test_assets_outside_every_corridor_are_reported_with_the_distance():
    frames = kupang_frames()
    frames["poles"] = utm(
        [at(100, 5), at(100, 20)], pole_id=["P1", HOSTILE[1]], owner=["PLN", "PLN"]
    )
    frames["utility_lines"] = utm(
        [LineString([at(0, 40), at(500, 40)])], line_id=["L1"], owner=["Telkom"]
    )
    frames["bridges"] = utm([at(1010, 0)], bridge_id=["B1"], condition_nk=[2])
    frames["monuments"] = utm([Polygon([at(0, -30), at(5, -30), at(5, -25)])], monument_id=["M1"])
    found = rule("asset_outside_row", frames)
    assert found["asset_id"].tolist() == [HOSTILE[1], "L1", "B1", "M1"]
    assert found["layer"].tolist() == ["poles", "utility_lines", "bridges", "monuments"]
    assert set(found["severity"]) == {"warning"}
    # Distances by hand: 20 - 12.5, 40 - 12.5, 1010 - 1000 (flat end cap), 25 - 12.5.
    for message, metres in zip(found.message, ["7.50", "27.50", "10.00", "12.50"], strict=True):
        assert f"{metres} m from the nearest (corridor 'R1')" in message
    assert f"id '{HOSTILE[1]}'" in found.message.iloc[0]
    assert found.geometry.iloc[0].equals(frames["poles"].geometry.iloc[1])


def test_the_nearest_corridor_has_no_distance_limit_and_ties_go_to_the_smaller_id():
    frames = kupang_frames()
    # A second corridor "A2" 30 m north of R1's edge, and a winding one with many vertices.
    north = shapely.box(X0, Y0 + 42.5, X0 + 1000, Y0 + 67.5)
    winding = LineString([at(x, -200 + 20 * math.sin(x / 15)) for x in range(0, 1000, 5)])
    bend = winding.buffer(HALF_WIDTH, quad_segs=16)
    assert shapely.get_num_coordinates(bend) > 500  # searched on pieces of its boundary
    corridors = make_corridors()
    extra = utm([north, bend], corridor_id=["A2", "W3"], road_id=["R2", "R3"])
    frames["corridors"] = pd.concat([corridors, extra.to_crs(corridors.crs)], ignore_index=True)
    poles = [at(500, 27.5), at(500, -5000), at(333, -150)]
    frames["poles"] = utm(poles, pole_id=["MID", "FAR", "BEND"], owner=["PLN"] * 3)
    found = rule("asset_outside_row", frames)
    assert found["asset_id"].tolist() == ["MID", "FAR", "BEND"]
    # Midway (15 m from both): the smaller corridor_id, "A2" before "R1".
    assert "15.00 m from the nearest (corridor 'A2')" in found.message.iloc[0]
    # 5 km away: still measured, from the winding corridor, checked by shapely itself.
    far = shapely.distance(poles[1], bend)
    assert far > 4000
    assert f"{far:.2f} m from the nearest (corridor 'W3')" in found.message.iloc[1]
    near = shapely.distance(poles[2], bend)
    assert 0 < near < shapely.distance(poles[2], corridors.geometry.iloc[0])
    assert f"{near:.2f} m from the nearest (corridor 'W3')" in found.message.iloc[2]


def test_assets_inside_or_partly_inside_a_corridor_pass():
    frames = kupang_frames()
    frames["utility_lines"] = utm(  # crosses the corridor edge: partly inside
        [LineString([at(50, 0), at(50, 60)])], line_id=["L1"], owner=["Telkom"]
    )
    frames["poles"] = utm([at(0, 12.5)], pole_id=["P1"], owner=["PLN"])  # on the boundary
    assert len(rule("asset_outside_row", frames)) == 0


def test_without_corridors_one_warning_says_so():
    frames = kupang_frames()
    del frames["corridors"]
    found = rule("asset_outside_row", frames)
    assert len(found) == 1
    assert found.severity.iloc[0] == "warning" and found.layer.iloc[0] == "corridors"
    assert "missing or empty" in found.message.iloc[0] and "6 asset(s)" in found.message.iloc[0]
    # Nothing to check, nothing to say.
    assert len(rule("asset_outside_row", {"roads": make_roads()})) == 0


# -- pole_too_close ------------------------------------------------------------------


def test_pole_closer_than_the_minimum_offset():
    frames = kupang_frames()
    frames["poles"] = utm(
        [at(100, 1.5), at(200, -2.5), at(300, 0)],
        pole_id=["P1", "P2", HOSTILE[0]],
        owner=["PLN"] * 3,
    )
    found = rule("pole_too_close", frames)
    assert found["asset_id"].tolist() == ["P1", HOSTILE[0]]
    assert set(found["severity"]) == {"warning"}
    assert "pole stands 1.50 m from the centreline of road 'R1'" in found.message.iloc[0]
    assert f"closer than the minimum {DEFAULT_MIN_POLE_OFFSET_M:g} m" in found.message.iloc[0]
    assert "0.00 m" in found.message.iloc[1]
    # A wider minimum catches the pole at 2.5 m too.
    wider = rule("pole_too_close", frames, min_pole_offset_m=3.0)
    assert wider["asset_id"].tolist() == ["P1", "P2", HOSTILE[0]]


def test_pole_near_a_multilinestring_road():
    frames = kupang_frames()
    frames["roads"] = utm(
        [MultiLineString([road_line(), road_line(y=100)])], road_id=["R1"], road_class=["raya"]
    )
    frames["poles"] = utm([at(100, 3), at(100, 98.5)], pole_id=["P1", "P2"], owner=["PLN"] * 2)
    found = rule("pole_too_close", frames)
    assert found["asset_id"].tolist() == ["P2"]  # 1.5 m from the road's second part
    assert "1.50 m from the centreline of road 'R1'" in found.message.iloc[0]


def test_pole_equidistant_from_two_roads_is_reported_once():
    frames = kupang_frames()
    frames["roads"] = utm(
        [road_line(y=0), road_line(y=3)], road_id=["R1", "R2"], road_class=["kecil"] * 2
    )
    frames["poles"] = utm([at(500, 1.5)], pole_id=["P1"], owner=["PLN"])
    found = rule("pole_too_close", frames)
    assert found["asset_id"].tolist() == ["P1"]
    assert "1.50 m" in found.message.iloc[0]


def test_pole_far_enough_passes():
    frames = kupang_frames()
    frames["poles"] = utm([at(100, 2.01), at(100, -3)], pole_id=["P1", "P2"], owner=["PLN"] * 2)
    assert len(rule("pole_too_close", frames)) == 0
    assert len(rule("pole_too_close", frames, min_pole_offset_m=0)) == 0


# -- near_duplicate_pole -------------------------------------------------------------


def test_near_duplicate_poles_of_the_same_owner():
    frames = kupang_frames()
    frames["poles"] = utm(
        [at(100, 5), at(100.4, 5), at(100.4, 5), at(101.5, 5)],
        pole_id=["P1", HOSTILE[2], "P3", "P4"],
        owner=["PLN", " pln ", "Telkom", "PLN"],
    )
    found = rule("near_duplicate_pole", frames)
    assert found["asset_id"].tolist() == [HOSTILE[2]]
    assert found.severity.iloc[0] == "warning"
    message = found.message.iloc[0]
    assert "pole stands 0.40 m from pole 'P1' of the same owner ' pln '" in message
    assert f"id '{HOSTILE[2]}'" in message
    assert found.geometry.iloc[0].equals(frames["poles"].geometry.iloc[1])


def test_poles_apart_or_of_other_owners_pass():
    frames = kupang_frames()
    frames["poles"] = utm(
        [at(100, 5), at(101.2, 5), at(100.3, 5), at(100.6, 5)],
        pole_id=["P1", "P2", "P3", "P4"],
        owner=["PLN", "PLN", "Telkom", None],
    )
    assert len(rule("near_duplicate_pole", frames)) == 0


def brute_force_pairs(xy: np.ndarray, owners: list[str], limit: float) -> set[tuple[int, int]]:
    """Every pair of the same owner nearer than ``limit``, by a plain double loop."""
    pairs = set()
    for i in range(len(xy)):
        for j in range(i + 1, len(xy)):
            if owners[i] == owners[j] and np.hypot(*(xy[i] - xy[j])) < limit:
                pairs.add((i, j))
    return pairs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(0, 6, allow_nan=False),
            st.floats(0, 6, allow_nan=False),
            st.sampled_from(["PLN", "Telkom"]),
        ),
        min_size=2,
        max_size=25,
    )
)
def test_near_duplicate_matches_a_double_loop(rows):
    poles = utm(
        [at(x, 20 + y) for x, y, _ in rows],
        pole_id=[f"P{k}" for k in range(len(rows))],
        owner=[o for *_, o in rows],
    )
    xy = shapely.get_coordinates(poles.to_crs(UTM).geometry)
    expected = brute_force_pairs(xy, poles["owner"].tolist(), 1.0)
    found = rule("near_duplicate_pole", {"poles": poles})
    # One finding per pair, on its second pole; the message names the first pole.
    got = {
        (int(msg.split("from pole 'P")[1].split("'")[0]), int(aid[1:]))
        for aid, msg in zip(found["asset_id"], found["message"], strict=True)
    }
    assert got == expected


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-30, 30, allow_nan=False), min_size=1, max_size=20))
def test_pole_too_close_matches_the_distance_to_the_line(offsets):
    poles = utm(
        [at(10 + 40 * k, dy) for k, dy in enumerate(offsets)],
        pole_id=[f"P{k}" for k in range(len(offsets))],
        owner=["PLN"] * len(offsets),
    )
    roads = make_roads()
    distances = poles.to_crs(UTM).distance(roads.to_crs(UTM).geometry.iloc[0]).to_numpy()
    found = rule("pole_too_close", {"poles": poles, "roads": roads})
    expected = [f"P{k}" for k in np.flatnonzero(distances < DEFAULT_MIN_POLE_OFFSET_M)]
    assert found["asset_id"].tolist() == expected


# -- line_crossing_without_permit ----------------------------------------------------


def test_line_crossing_a_road_without_permit():
    frames = kupang_frames()
    frames["roads"] = utm(
        [road_line(), LineString([at(0, 50), at(1000, 50)])],
        road_id=["R1", "R2"],
        road_class=["raya", "kecil"],
    )
    frames["utility_lines"] = utm(
        [LineString([at(500, -20), at(500, 20)]), LineString([at(600, -20), at(600, 60)])],
        line_id=[HOSTILE[0], "L2"],
        owner=["Telkom", "PDAM"],
        permit_no=["", None],
    )
    found = rule("line_crossing_without_permit", frames)
    assert found["asset_id"].tolist() == [HOSTILE[0], "L2"]
    assert set(found["severity"]) == {"error"}
    crossing = gpd.GeoSeries([at(500, 0)], crs=UTM).to_crs(4326).iloc[0]
    assert (
        f"utility line crosses road 'R1' (at {crossing.x:.6f}, {crossing.y:.6f}) "
        "and field 'permit_no' is empty"
    ) in found.message.iloc[0]
    assert f"id '{HOSTILE[0]}'" in found.message.iloc[0]
    assert "and 1 other road(s)" in found.message.iloc[1]
    assert found.geometry.iloc[1].equals(frames["utility_lines"].geometry.iloc[1])


def test_lines_with_permit_parallel_or_ending_on_the_road_pass():
    frames = kupang_frames()
    frames["utility_lines"] = utm(
        [
            LineString([at(500, -20), at(500, 20)]),  # crosses, has a permit
            LineString([at(10, 6), at(900, 6)]),  # runs alongside
            LineString([at(700, 20), at(700, 0)]),  # ends on the centreline (touches)
            LineString([at(800, 20), at(800, -0.6)]),  # ends 0.6 m past it
        ],
        line_id=["L1", "L2", "L3", "L4"],
        owner=["Telkom"] * 4,
        permit_no=["IZN/2025/017", None, None, None],
    )
    assert len(rule("line_crossing_without_permit", frames)) == 0


# -- bridge_without_condition --------------------------------------------------------


def test_bridge_without_condition_is_a_warning():
    frames = kupang_frames()
    frames["bridges"] = utm(
        [at(500, 0), at(600, 0)],
        bridge_id=[HOSTILE[1], "B2"],
        condition_nk=pd.array([None, 0], dtype="Int64"),
    )
    found = rule("bridge_without_condition", frames)
    assert found["asset_id"].tolist() == [HOSTILE[1]]
    assert found.severity.iloc[0] == "warning"
    assert found.message.iloc[0].startswith(
        f"layer 'bridges' row 1, id '{HOSTILE[1]}': field 'condition_nk' is empty"
    )


def test_bridge_with_condition_passes():
    # NK 0 (good) is a value, not a blank.
    assert len(rule("bridge_without_condition", kupang_frames())) == 0


# -- run_qa and the summary ----------------------------------------------------------


def test_findings_in_rule_order_and_projected_frames_accepted():
    frames = kupang_frames()
    frames["poles"] = utm([at(100, 1), at(100, 1.3)], pole_id=["P1", "P1"], owner=[None, "X"])
    frames["bridges"] = frames["bridges"].assign(condition_nk=None).to_crs(UTM)
    found = run_qa(frames)
    assert found["rule"].tolist() == [
        "duplicate_id",
        "duplicate_id",
        "missing_owner",
        "pole_too_close",
        "pole_too_close",
        "bridge_without_condition",
    ]
    assert found.crs.to_epsg() == 4326
    expected = gpd.GeoSeries([at(500, 0)], crs=UTM).to_crs(4326).iloc[0]
    assert found.geometry.iloc[-1].distance(expected) < 1e-9


def test_summary_counts_per_rule_and_severity():
    frames = kupang_frames()
    frames["poles"] = utm([at(100, 1), at(100, 1.3)], pole_id=["P1", "P1"], owner=[None, "X"])
    del frames["corridors"]
    found = run_qa(frames)
    summary = summarise_findings(found, rules=list(RULES))
    counts = dict(zip(summary["rule"], summary["count"], strict=True))
    assert counts == {
        "invalid_geometry": 0,
        "duplicate_id": 2,
        "missing_owner": 1,
        "corridors_in_degrees": 0,
        "road_without_land": 0,
        "corridor_cut_fallback": 0,
        "asset_outside_row": 1,
        "pole_too_close": 2,
        "near_duplicate_pole": 0,
        "line_crossing_without_permit": 0,
        "bridge_without_condition": 0,
    }
    assert summary["count"].sum() == len(found)
    assert list(summarise_findings(found).columns) == ["rule", "severity", "count"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown rule 'nope'; rules are: invalid_geometry"):
        run_qa(kupang_frames(), rules=["nope"])
    with pytest.raises(ValueError, match="min_pole_offset_m"):
        run_qa(kupang_frames(), min_pole_offset_m=-1)
    with pytest.raises(CRSError, match="layer 'poles' has no CRS"):
        run_qa({"poles": gpd.GeoDataFrame({"pole_id": ["P1"]}, geometry=[Point(0, 0)])})
    assert len(run_qa({})) == 0
    assert len(run_qa({"poles": gpd.GeoDataFrame({"pole_id": []}, geometry=[])})) == 0


# -- corridors: roads without land, fallback cuts ---------------------------------------
def test_road_without_land_names_the_road_that_holds_it_and_why():
    from geoasset.corridors import build_corridors

    roads = utm(
        [road_line(), LineString([(X0 + 300, Y0 + 3), (X0 + 340, Y0 + 3)])],
        road_id=["R1", "SPUR"],
        road_class=["raya", "kecil"],
    )
    frames = {"roads": roads, "corridors": build_corridors(roads)}
    found = rule("road_without_land", frames)
    assert found["asset_id"].tolist() == ["SPUR"]
    assert found["severity"].tolist() == ["warning"]
    assert found["message"].iloc[0] == (
        "layer 'roads' row 2, id 'SPUR': the road has no land of its own: its right-of-way "
        "lies wholly in the land of R1, which is wider (25 m against 11 m)"
    )
    x, y = gpd.GeoSeries(found.geometry, crs=4326).to_crs(UTM).get_coordinates().iloc[0]
    assert (x, y) == (pytest.approx(X0 + 320, abs=1e-3), pytest.approx(Y0 + 3, abs=1e-3))
    assert rule("road_without_land", kupang_frames()).empty


def test_corridor_cut_on_a_grid_is_reported_from_its_note():
    frames = kupang_frames()
    note = "boundary with R2 cut on a snapped grid near -10.170000, 123.600000 (GEOS refused)"
    frames["corridors"]["note"] = [note]
    found = rule("corridor_cut_fallback", frames)
    assert found["message"].tolist() == [f"layer 'corridors' row 1, id 'R1': {note}"]
    frames["corridors"]["note"] = [""]
    assert rule("corridor_cut_fallback", frames).empty
