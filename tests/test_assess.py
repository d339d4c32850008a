"""Assessment: hand-computed line items, the partition rules, days, permits, and a
brute-force second computation on a seeded random inventory.

Corridors are built by hand in EPSG:32751 (metres, near Kupang) and stored in EPSG:4326
as the inventory keeps them; the helpers here are reused by the report and CLI tests.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, Point, box

from geoasset.assessment import (
    ITEM_COLUMNS,
    NOT_BILLABLE_COLUMNS,
    TOTAL_KEYS,
    assess,
    billing_period,
)
from geoasset.errors import SchemaError, TariffError
from geoasset.tariffs import parse_tariffs

X0, Y0 = 570000.0, 8875000.0  # EPSG:32751, Kota Kupang
UTM = "EPSG:32751"
TO_UTM = pyproj.Transformer.from_crs(4326, 32751, always_xy=True)


def to_utm(geom):
    """A geometry in EPSG:4326 projected to EPSG:32751 (pyproj, scalar)."""
    return shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))


def at(x: float, y: float) -> tuple[float, float]:
    """Local metres -> EPSG:32751 coordinates."""
    return X0 + x, Y0 + y


def local_box(x1, y1, x2, y2):
    return box(*at(x1, y1), *at(x2, y2))


def corridors_frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Three corridors, a partition.

    ``R1`` runs east-west, 20 m wide, cut at chainage 1 000 m into ``R1:0`` and
    ``R1:1000``. ``R2`` runs north-south at x = 500 m, 20 m wide; the junction square
    belongs to ``R1:0`` (the higher class), so ``R2`` is two polygons.
    """
    junction = local_box(490, -10, 510, 10)
    r2 = local_box(490, -300, 510, 300).difference(junction)
    geoms = [local_box(0, -10, 1000, 10), local_box(1000, -10, 2000, 10), r2]
    frame = gpd.GeoDataFrame(
        {
            "corridor_id": ["R1:0", "R1:1000", "R2"],
            "road_id": ["R1", "R1", "R2"],
            "kabupaten": ["Kota Kupang", "Kota Kupang", "Kabupaten Kupang"],
            "road_status": ["provinsi", "provinsi", "kabupaten"],
            "road_class": ["raya", "raya", "sedang"],
            "sta_from_m": [0.0, 1000.0, 0.0],
            "sta_to_m": [1000.0, 2000.0, 600.0],
            "area_m2": [g.area for g in geoms],
            "metric_crs": [UTM] * 3,
        },
        geometry=geoms,
        crs=UTM,
    )
    return frame.to_crs(crs)


def poles_frame(rows: list[dict], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Poles from dicts with local ``x, y`` and any pole fields."""
    records = [{k: v for k, v in r.items() if k not in ("x", "y")} for r in rows]
    frame = gpd.GeoDataFrame(
        pd.DataFrame(records),
        geometry=[Point(at(r["x"], r["y"])) for r in rows],
        crs=UTM,
    )
    return frame.to_crs(crs)


def lines_frame(rows: list[dict], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Lines from dicts with local ``coords`` and any line fields."""
    records = [{k: v for k, v in r.items() if k != "coords"} for r in rows]
    frame = gpd.GeoDataFrame(
        pd.DataFrame(records),
        geometry=[LineString([at(*c) for c in r["coords"]]) for r in rows],
        crs=UTM,
    )
    return frame.to_crs(crs)


def tariff_rows(*rows: tuple) -> pd.DataFrame:
    """Tariff rows ``(id, object, kind, unit, rate, status, class, from, to)``."""
    columns = (
        "tariff_id",
        "object",
        "kind",
        "unit",
        "rate_rp",
        "road_status",
        "road_class",
        "valid_from",
        "valid_to",
    )
    frame = pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows], dtype=object)
    frame["legal_basis"] = [f"test basis for {r[0]}" for r in rows]
    return frame


YEAR = ("2026-01-01", "2026-12-31")
STANDARD = tariff_rows(
    ("P-ANY", "pole", "", "per_unit_year", 480000, "", "", *YEAR),
    ("P-EL", "pole", "electric", "per_unit_year", 720000, "", "", *YEAR),
    ("P-TMP", "pole", "other", "per_unit_day", 2000, "", "", *YEAR),
    ("L-ANY", "utility_line", "", "per_m_year", 13000, "", "", *YEAR),
    ("L-FO", "utility_line", "fibre", "per_m_year", 25000, "", "", *YEAR),
)


def run(poles=None, lines=None, tariffs=STANDARD, corridors=None, **kwargs):
    return assess(
        poles=poles,
        utility_lines=lines,
        corridors=corridors_frame() if corridors is None else corridors,
        tariffs=tariffs,
        **({"year": 2026} | kwargs),
    )


def half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


# -- hand-computed -------------------------------------------------------------------------
def test_three_poles_and_250_m_of_cable_in_one_corridor():
    poles = poles_frame(
        [
            {"pole_id": "P1", "owner": "PLN", "kind": "electric", "x": 1100, "y": 2},
            {"pole_id": "P2", "owner": "PLN", "kind": "electric", "x": 1200, "y": -3},
            {"pole_id": "P3", "owner": "PLN", "kind": "electric", "x": 1300, "y": 5},
        ]
    )
    lines = lines_frame(
        [{"line_id": "C1", "owner": "Telkom", "kind": "fibre", "coords": [(1100, 4), (1350, 4)]}]
    )
    result = run(poles, lines)
    items = result.items
    assert list(items["corridor_id"].unique()) == ["R1:1000"]
    # 3 poles x Rp720,000 + 250 m x Rp25,000 = 2,160,000 + 6,250,000
    assert result.grand_total == 8_410_000
    cable = items[items["asset_id"] == "C1"].iloc[0]
    assert cable["quantity"] == 250.0
    assert cable["amount_rp"] == 6_250_000
    assert cable["tariff_id"] == "L-FO"
    assert cable["legal_basis"] == "test basis for L-FO"
    assert cable["unit"] == "per_m_year" and cable["quantity_unit"] == "m"
    assert set(items.loc[items["layer"] == "poles", "amount_rp"]) == {720_000}
    assert items["sta"].tolist() == ["STA 1+000 – 2+000"] * 4
    totals = result.totals("corridor_id").set_index("corridor_id")
    assert totals.loc["R1:1000", "amount_rp"] == 8_410_000
    assert totals.loc["R1:1000", "poles"] == 3
    assert totals.loc["R1:1000", "line_m"] == 250.0
    assert result.not_billable.empty


def test_columns_and_huge_rates_stay_exact():
    lines = lines_frame(
        [{"line_id": "C", "owner": "X", "kind": "gas_pipe", "coords": [(1100, 4), (1350.37, 4)]}]
    )
    rate = "9999999999.99"  # past int64 for rate x quantity x day weight: Python integers
    tariffs = tariff_rows(("BIG", "utility_line", "", "per_m_year", rate, "", "", *YEAR))
    poles = poles_frame(
        [{"pole_id": "P", "owner": "X", "surveyed_on": "2026-03-03", "x": 1, "y": 1}]
    )
    result = run(poles, lines, tariffs=tariffs)
    assert list(result.items.columns) == [*ITEM_COLUMNS, "geometry"]
    assert list(result.not_billable.columns) == [*NOT_BILLABLE_COLUMNS, "geometry"]
    item = result.items.iloc[0]
    assert item["quantity"] == 250.37
    assert item["amount_rp"] == half_up(Fraction(rate) * Fraction("250.37"))


def test_pole_in_a_junction_is_billed_once_to_the_corridor_the_partition_gave_it():
    poles = poles_frame(
        [
            {"pole_id": "J", "owner": "PLN", "kind": "electric", "x": 500, "y": 0},
            {"pole_id": "N", "owner": "PLN", "kind": "electric", "x": 500, "y": 100},
        ]
    )
    result = run(poles)
    by_pole = result.items.set_index("asset_id")["corridor_id"]
    assert by_pole.to_dict() == {"J": "R1:0", "N": "R2"}
    assert len(result.items) == 2
    assert result.items.loc[result.items["asset_id"] == "N", "road_status"].item() == "kabupaten"


def test_pole_exactly_on_a_shared_boundary_goes_to_the_smallest_corridor_id():
    # In the corridors' own metric CRS the shared edge x = 1000 m is exact.
    corridors = corridors_frame(crs=UTM)
    poles = poles_frame([{"pole_id": "B", "owner": "PLN", "x": 1000, "y": 0}], crs=UTM)
    assert shapely.intersects(corridors.geometry, poles.geometry.iloc[0]).sum() == 2
    result = run(poles, corridors=corridors)
    assert result.items["corridor_id"].tolist() == ["R1:0"]
    assert result.grand_total == 480_000


def test_cable_crossing_a_corridor_boundary_is_billed_by_the_metre_on_each_side():
    lines = lines_frame(
        [
            {"line_id": "X", "owner": "Telkom", "kind": "fibre", "coords": [(900, 5), (1150, 5)]},
            {
                "line_id": "V",
                "owner": "PDAM",
                "kind": "water_pipe",
                "coords": [(500, -100), (500, 100)],
            },
            {"line_id": "O", "owner": "Telkom", "kind": "fibre", "coords": [(1900, 0), (2100, 0)]},
        ]
    )
    result = run(lines=lines)
    items = result.items.set_index(["asset_id", "corridor_id"])
    assert items.loc[("X", "R1:0"), "quantity"] == 100.0
    assert items.loc[("X", "R1:1000"), "quantity"] == 150.0
    assert items.loc[("X", "R1:0"), "amount_rp"] == 2_500_000
    assert items.loc[("X", "R1:1000"), "amount_rp"] == 3_750_000
    # The pipe crosses the junction: 20 m in R1:0, 90 m + 90 m in the two parts of R2.
    assert items.loc[("V", "R1:0"), "quantity"] == 20.0
    assert items.loc[("V", "R2"), "quantity"] == 180.0
    assert items.loc[("V", "R2"), "tariff_id"] == "L-ANY"
    # Parts sum to the length inside the right-of-way; the rest is reported.
    inside = result.items.groupby("asset_id")["quantity"].sum()
    assert inside.to_dict() == {"O": 100.0, "V": 200.0, "X": 250.0}
    outside = result.not_billable.set_index("asset_id")
    assert outside.loc["O", "reason"] == "partly_outside"
    assert outside.loc["O", "quantity_outside"] == 100.0
    assert "V" not in outside.index and "X" not in outside.index
    # The billed piece is the part inside the corridor, stored in EPSG:4326.
    piece = result.items[result.items["asset_id"] == "O"].geometry.iloc[0]
    metres = to_utm(piece)
    assert metres.bounds[2] == pytest.approx(X0 + 2000, abs=1e-6)
    assert result.items.crs.to_epsg() == 4326


def test_cable_along_a_shared_boundary_is_billed_once():
    corridors = corridors_frame(crs=UTM)
    lines = lines_frame(
        [{"line_id": "E", "owner": "PLN", "kind": "fibre", "coords": [(1000, -5), (1000, 5)]}],
        crs=UTM,
    )
    result = run(lines=lines, corridors=corridors)
    assert result.items[["corridor_id", "quantity"]].values.tolist() == [["R1:0", 10.0]]


def test_pole_surveyed_on_1_july_is_billed_184_of_365_days():
    poles = poles_frame(
        [
            {
                "pole_id": "P",
                "owner": "PLN",
                "kind": "electric",
                "surveyed_on": "2026-07-01",
                "x": 100,
                "y": 0,
            }
        ]
    )
    item = run(poles).items.iloc[0]
    assert item["days"] == 184 and item["period_days"] == 365
    assert item["day_fraction"] == "184/365"
    assert item["billed_from"] == "2026-07-01" and item["billed_to"] == "2026-12-31"
    assert item["amount_rp"] == half_up(Fraction(720000) * Fraction(184, 365)) == 362_959


def test_leap_year_and_a_period_across_new_year():
    poles = poles_frame(
        [
            {
                "pole_id": "P",
                "owner": "PLN",
                "kind": "electric",
                "surveyed_on": "2028-07-01",
                "x": 100,
                "y": 0,
            }
        ]
    )
    tariffs = tariff_rows(("P", "pole", "", "per_unit_year", 730000, "", "", "2020-01-01", ""))
    item = run(poles, tariffs=tariffs, year=2028).items.iloc[0]
    assert (item["days"], item["day_fraction"]) == (184, "184/366")
    assert item["amount_rp"] == half_up(Fraction(730000 * 184, 366))
    poles["surveyed_on"] = None
    result = run(
        poles, tariffs=tariffs, year=None, period_from="2027-07-01", period_to="2028-06-30"
    )
    item = result.items.iloc[0]
    assert item["days"] == 366 and item["day_fraction"] == "184/365 + 182/366"
    assert item["amount_rp"] == half_up(730000 * (Fraction(184, 365) + Fraction(182, 366)))


def test_rate_change_mid_year_gives_one_item_per_tariff_row():
    tariffs = tariff_rows(
        ("FO-H1", "utility_line", "fibre", "per_m_year", 25000, "", "", "2025-01-01", "2026-06-30"),
        ("FO-H2", "utility_line", "fibre", "per_m_year", 30000, "", "", "2026-07-01", ""),
    )
    lines = lines_frame(
        [{"line_id": "C", "owner": "Telkom", "kind": "fibre", "coords": [(1100, 4), (1350, 4)]}]
    )
    items = run(lines=lines, tariffs=tariffs).items.set_index("tariff_id")
    assert items.loc["FO-H1", "days"] == 181 and items.loc["FO-H2", "days"] == 184
    assert items.loc["FO-H1", "amount_rp"] == half_up(Fraction(250 * 25000 * 181, 365))
    assert items.loc["FO-H2", "amount_rp"] == half_up(Fraction(250 * 30000 * 184, 365))


def test_specific_row_valid_inside_the_period_splits_the_general_row_into_one_item():
    tariffs = tariff_rows(
        ("GEN", "pole", "", "per_unit_year", 365000, "", "", *YEAR),
        ("PROMO", "pole", "electric", "per_unit_year", 0, "", "", "2026-03-01", "2026-03-31"),
    )
    poles = poles_frame([{"pole_id": "P", "owner": "PLN", "kind": "electric", "x": 100, "y": 0}])
    items = run(poles, tariffs=tariffs).items.set_index("tariff_id")
    assert items.loc["GEN", "days"] == 334
    assert items.loc["GEN", "day_fraction"] == "334 days in separate stretches"
    assert items.loc["GEN", "amount_rp"] == 334_000
    assert items.loc["PROMO", "days"] == 31 and items.loc["PROMO", "amount_rp"] == 0


def test_daily_rate_and_most_specific_row():
    poles = poles_frame(
        [
            {
                "pole_id": "T",
                "owner": "Kontraktor",
                "kind": "other",
                "surveyed_on": "2026-12-02",
                "x": 100,
                "y": 0,
            },
            {"pole_id": "S", "owner": "Pemda", "kind": "street_light", "x": 200, "y": 0},
        ]
    )
    items = run(poles).items.set_index("asset_id")
    assert items.loc["T", "tariff_id"] == "P-TMP"
    assert items.loc["T", "days"] == 30 and items.loc["T", "day_fraction"] == "30 days"
    assert items.loc["T", "amount_rp"] == 60_000
    assert items.loc["S", "tariff_id"] == "P-ANY"


def test_equally_specific_rows_are_an_error_naming_the_asset_and_the_tariffs():
    tariffs = tariff_rows(
        ("BY-KIND", "pole", "electric", "per_unit_year", 1, "", "", *YEAR),
        ("BY-STATUS", "pole", "", "per_unit_year", 2, "provinsi", "", *YEAR),
    )
    poles = poles_frame(
        [
            {"pole_id": "P7", "owner": "PLN", "kind": "electric", "x": 100, "y": 0},
            {"pole_id": "P8", "owner": "PLN", "kind": "electric", "x": 200, "y": 0},
            {"pole_id": "Q", "owner": "PLN", "kind": "electric", "x": 500, "y": 100},
        ]
    )
    with pytest.raises(TariffError) as caught:
        run(poles, tariffs=tariffs)
    message = str(caught.value)
    assert "poles asset 'P7' and 1 other asset(s)" in message
    assert "'BY-KIND' (row 1) and 'BY-STATUS' (row 2)" in message
    assert "'Q'" not in message  # on a kabupaten road only BY-KIND matches


def test_assets_outside_every_corridor_with_distance_and_reasons():
    poles = poles_frame(
        [
            {"pole_id": "FAR", "owner": "PLN", "x": 300, "y": 60},
            {"pole_id": "VERY-FAR", "owner": "PLN", "x": 1500, "y": 2000},
            {"pole_id": "LATE", "owner": "PLN", "surveyed_on": "2027-02-01", "x": 100, "y": 0},
        ]
    )
    lines = lines_frame(
        [{"line_id": "L", "owner": "PDAM", "kind": "water_pipe", "coords": [(700, 40), (800, 40)]}]
    )
    tariffs = tariff_rows(("P", "pole", "", "per_unit_year", 1000, "", "", *YEAR))
    result = run(poles, lines, tariffs=tariffs)
    assert result.items.empty
    nb = result.not_billable.set_index("asset_id")
    assert nb.loc["FAR", "reason"] == "outside_right_of_way"
    assert nb.loc["FAR", "nearest_corridor_id"] == "R1:0"
    assert nb.loc["FAR", "distance_to_corridor_m"] == pytest.approx(50.0, abs=0.01)
    assert nb.loc["FAR", "detail"] == "50.00 m from corridor R1:0"
    # farther than the default search distance (100 m): listed, distance left empty
    assert nb.loc["VERY-FAR", "reason"] == "outside_right_of_way"
    assert pd.isna(nb.loc["VERY-FAR", "nearest_corridor_id"])
    assert np.isnan(nb.loc["VERY-FAR", "distance_to_corridor_m"])
    assert nb.loc["VERY-FAR", "detail"] == "more than 100 m from any corridor"
    assert result.parameters["search_distance_m"] == "100"
    assert nb.loc["L", "distance_to_corridor_m"] == pytest.approx(30.0, abs=0.01)
    assert nb.loc["L", "quantity_outside"] == 100.0
    assert nb.loc["LATE", "reason"] == "not_in_period"
    assert nb.loc["LATE", "nearest_corridor_id"] == "R1:0"
    assert nb.crs.to_epsg() == 4326

    # A wider search finds VERY-FAR's nearest corridor: the corner of R2 (510, 300) is
    # nearer than R1:1000 (1 990 m straight south).
    for search in (2500, None):
        wide = run(poles, lines, tariffs=tariffs, search_distance_m=search)
        nb = wide.not_billable.set_index("asset_id")
        assert nb.loc["VERY-FAR", "nearest_corridor_id"] == "R2"
        assert nb.loc["VERY-FAR", "distance_to_corridor_m"] == pytest.approx(
            math.hypot(990, 1700), abs=0.01
        )
    # ... and a narrower one leaves FAR (50 m) without a distance too.
    nb = run(poles, lines, tariffs=tariffs, search_distance_m=49.5).not_billable
    far = nb.set_index("asset_id").loc["FAR"]
    assert np.isnan(far["distance_to_corridor_m"])
    assert far["detail"] == "more than 49.50 m from any corridor"
    for bad in (0, -5, float("nan"), "far"):
        with pytest.raises(ValueError, match="search_distance_m"):
            run(poles, tariffs=tariffs, search_distance_m=bad)


def test_nearest_corridor_of_large_corridors_with_holes_matches_shapely():
    """Corridors with thousands of vertices (searched piece by piece) and a ring road
    (a polygon with a hole): nearest corridor and distance as shapely measures them on
    the projected shapes, within 100 m; none beyond."""
    t = np.linspace(0, 2000, 4001)
    wiggly = shapely.buffer(LineString(np.column_stack([X0 + t, Y0 + 40 * np.sin(t / 90)])), 10)
    ring = shapely.buffer(shapely.Point(*at(1000, 400)).buffer(150, quad_segs=64).exterior, 8)
    geoms = [wiggly, ring]
    assert shapely.get_num_coordinates(wiggly) > 1000 and shapely.get_num_interior_rings(ring)
    corridors = gpd.GeoDataFrame(
        {
            "corridor_id": ["W", "RING"],
            "road_id": ["W", "RING"],
            "kabupaten": ["Kota Kupang"] * 2,
            "road_status": ["provinsi"] * 2,
            "road_class": ["raya"] * 2,
        },
        geometry=geoms,
        crs=UTM,
    )
    rng = np.random.default_rng(7)
    xy = np.column_stack([X0 + rng.uniform(-150, 2150, 600), Y0 + rng.uniform(-150, 650, 600)])
    points = shapely.points(xy)
    poles = gpd.GeoDataFrame(
        {"pole_id": [f"P{i}" for i in range(600)], "owner": "PLN"}, geometry=points, crs=UTM
    )
    result = run(poles, corridors=corridors.to_crs(4326))
    nb = result.not_billable.set_index("asset_id")
    distances = np.column_stack([shapely.distance(points, g) for g in geoms])
    outside = distances.min(axis=1) > 0
    assert set(nb.index) == {f"P{i}" for i in np.flatnonzero(outside)}
    checked = {"near": 0, "far": 0, "hole": 0}
    for i in np.flatnonzero(outside):
        row, best = nb.loc[f"P{i}"], distances[i].min()
        if best < 100 - 0.01:
            assert row["distance_to_corridor_m"] == pytest.approx(best, abs=0.01)
            assert row["nearest_corridor_id"] == ["W", "RING"][int(distances[i].argmin())]
            checked["near"] += 1
            checked["hole"] += shapely.contains(shapely.Polygon(ring.interiors[0]), points[i])
        elif best > 100 + 0.01:
            assert np.isnan(row["distance_to_corridor_m"]) and pd.isna(row["nearest_corridor_id"])
            checked["far"] += 1
    assert min(checked.values()) > 5, checked


def test_no_tariff_for_a_kind_is_reported_not_guessed():
    tariffs = tariff_rows(
        ("EL", "pole", "electric", "per_unit_year", 1000, "", "", "2026-07-01", "")
    )
    poles = poles_frame(
        [
            {"pole_id": "TEL", "owner": "Telkom", "kind": "telecom", "x": 100, "y": 0},
            {"pole_id": "EL", "owner": "PLN", "kind": "electric", "x": 200, "y": 0},
        ]
    )
    result = run(poles, tariffs=tariffs)
    assert result.items["asset_id"].tolist() == ["EL"]
    nb = result.not_billable.set_index("asset_id")
    assert nb.loc["TEL", "detail"] == "no tariff row applies on 365 day(s) of the period"
    assert nb.loc["EL", "detail"] == "no tariff row applies on 181 day(s) of the period"


def test_permits_mark_items_and_sum_arrears_per_owner():
    poles = poles_frame(
        [
            {
                "pole_id": "PAID",
                "owner": "PLN",
                "kind": "electric",
                "permit_no": "A",
                "x": 100,
                "y": 0,
            },
            {
                "pole_id": "UNPAID",
                "owner": "PLN",
                "kind": "electric",
                "permit_no": "B",
                "x": 200,
                "y": 0,
            },
            {
                "pole_id": "NONE",
                "owner": "PLN",
                "kind": "electric",
                "permit_no": None,
                "x": 300,
                "y": 0,
            },
            {
                "pole_id": "OTHER",
                "owner": "Telkom",
                "kind": "electric",
                "permit_no": "A",
                "x": 400,
                "y": 0,
            },
            {
                "pole_id": "EXPIRED",
                "owner": "Telkom",
                "kind": "electric",
                "permit_no": "C",
                "x": 600,
                "y": 0,
            },
            {
                "pole_id": "FROM-PERMIT",
                "owner": "Telkom",
                "kind": "electric",
                "permit_no": "D",
                "surveyed_on": "2026-10-01",
                "x": 700,
                "y": 0,
            },
        ]
    )
    permits = pd.DataFrame(
        {
            "permit_no": ["A", "B", "C", "D"],
            "owner": ["PLN", "pln", "Telkom", "Telkom"],
            "valid_from": ["2020-01-01", "2020-01-01", "2015-01-01", "2026-04-01"],
            "valid_to": ["", "2030-12-31", "2019-12-31", ""],
            "paid_until": ["2026-12-31", "2026-06-30", "2019-12-31", "2026-12-31"],
        }
    )
    result = run(poles, permits=permits)
    status = result.items.set_index("asset_id")["payment_status"].to_dict()
    assert status == {
        "PAID": "paid",
        "UNPAID": "unpaid",
        "NONE": "no_permit",
        "OTHER": "no_permit",
        "EXPIRED": "no_permit",
        "FROM-PERMIT": "paid",
    }
    # The permit shows the pole there from 1 April, before the survey.
    assert result.items.set_index("asset_id").loc["FROM-PERMIT", "billed_from"] == "2026-04-01"
    owners = result.totals("owner").set_index("owner")
    assert owners.loc["PLN", "arrears_rp"] == 2 * 720_000
    assert owners.loc["Telkom", "arrears_rp"] == 2 * 720_000
    assert owners.loc["PLN", "paid_rp"] == 720_000
    assert run(poles).items["payment_status"].unique().tolist() == ["unknown"]


def test_area_objects_are_billed_per_square_metre_inside():
    areas = gpd.GeoDataFrame(
        {"area_id": ["K1", "K2"], "owner": ["Warung", "Bank"], "kind": ["kiosk", "cabinet"]},
        geometry=[local_box(1500, -5, 1510, 5), local_box(995, -5, 1005, 5)],
        crs=UTM,
    ).to_crs(4326)
    tariffs = tariff_rows(("A", "area", "", "per_m2_year", 280000, "", "", *YEAR))
    result = assess(
        poles=None,
        utility_lines=None,
        areas=areas,
        corridors=corridors_frame(),
        tariffs=tariffs,
        year=2026,
    )
    items = result.items.set_index(["asset_id", "corridor_id"])
    assert items.loc[("K1", "R1:1000"), "quantity"] == 100.0
    assert items.loc[("K1", "R1:1000"), "amount_rp"] == 28_000_000
    assert items.loc[("K2", "R1:0"), "quantity"] == 50.0
    assert items.loc[("K2", "R1:1000"), "quantity"] == 50.0
    assert result.totals("corridor_id")["area_m2"].sum() == 200.0


def test_inputs_are_checked():
    with pytest.raises(SchemaError, match="column is missing"):
        run(corridors=corridors_frame().drop(columns=["road_class"]))
    duplicated = corridors_frame()
    duplicated["corridor_id"] = ["A", "A", "B"]
    with pytest.raises(SchemaError, match="duplicate corridor_id 'A'"):
        run(corridors=duplicated)
    with pytest.raises(ValueError, match="not both"):
        billing_period(2026, "2026-01-01", "2026-02-01")
    with pytest.raises(ValueError, match="before"):
        billing_period(period_from="2026-02-01", period_to="2026-01-01")
    bad = STANDARD.copy()
    bad.loc[0, "unit"] = "per_year"
    with pytest.raises(TariffError, match="row 1 field 'unit'"):
        run(tariffs=bad)


def test_empty_inventory_gives_empty_items_and_zero_total():
    result = run()
    assert result.items.empty and result.grand_total == 0
    table = result.totals_table()
    assert set(table["amount_rp"]) == {0}
    # every corridor, road and kabupaten is listed, even with nothing billed
    assert table["level"].value_counts().to_dict() == {
        "corridor": 3,
        "road": 2,
        "kabupaten": 2,
        "total": 1,
    }
    assert result.totals("corridor_id")["corridor_id"].tolist() == ["R1:0", "R1:1000", "R2"]


# -- a second, independent computation -------------------------------------------------------
def random_world(seed: int, n_poles: int = 2500, n_lines: int = 700):
    """A grid of roads cut into chainage pieces, and random assets near them."""
    rng = np.random.default_rng(seed)
    horizontal = [0.0, 400.0, 800.0]
    vertical = [0.0, 700.0, 1400.0]
    h_buffers = [local_box(-200, y - 12, 1600, y + 12) for y in horizontal]
    union_h = shapely.union_all(h_buffers)
    rows, geoms = [], []
    for i, (y, buffer) in enumerate(zip(horizontal, h_buffers, strict=True)):
        cuts = [-200.0, 250.0, 900.0, 1600.0]
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            geoms.append(buffer.intersection(local_box(a, y - 50, b, y + 50)))
            rows.append((f"H{i}:{a + 200:.0f}", f"H{i}", "provinsi", "raya", a + 200, b + 200))
    for j, x in enumerate(vertical):
        geoms.append(local_box(x - 8, -150, x + 8, 950).difference(union_h))
        rows.append((f"V{j}", f"V{j}", "kabupaten", "sedang", 0.0, 1100.0))
    corridors = gpd.GeoDataFrame(
        pd.DataFrame(
            rows,
            columns=[
                "corridor_id",
                "road_id",
                "road_status",
                "road_class",
                "sta_from_m",
                "sta_to_m",
            ],
        ).assign(kabupaten=lambda f: np.where(f["road_id"].str.startswith("H"), "Kota", "Kab")),
        geometry=geoms,
        crs=UTM,
    ).to_crs(4326)

    def near_road(n):
        on_h = rng.random(n) < 0.6
        x = np.where(on_h, rng.uniform(-220, 1620, n), rng.choice(vertical, n))
        y = np.where(on_h, rng.choice(horizontal, n), rng.uniform(-170, 970, n))
        offset = rng.normal(0, 12, n)
        return np.where(on_h, x, x + offset), np.where(on_h, y + offset, y)

    owners = np.array(["PLN", "Telkom", "Indosat", "PDAM", "=HACK()"])
    pole_kinds = np.array(["electric", "telecom", "street_light", "other", None], dtype=object)
    x, y = near_road(n_poles)
    dates = np.array([None, "2025-05-01", "2026-02-28", "2026-07-01", "2026-12-31", "2027-01-02"])
    poles = gpd.GeoDataFrame(
        {
            "pole_id": [f"P{i:05d}" for i in range(n_poles)],
            "owner": rng.choice(owners, n_poles),
            "kind": rng.choice(pole_kinds, n_poles),
            "surveyed_on": rng.choice(dates, n_poles),
            "permit_no": rng.choice(
                np.array(["IZ-1", "IZ-2", "IZ-3", None], dtype=object), n_poles
            ),
        },
        geometry=shapely.points(X0 + x, Y0 + y),
        crs=UTM,
    ).to_crs(4326)
    line_kinds = np.array(["fibre", "water_pipe", "overhead_cable", "gas_pipe"])
    x, y = near_road(n_lines)
    angle = rng.uniform(0, 2 * np.pi, n_lines)
    length = rng.uniform(5, 400, n_lines)
    ends = np.stack(
        [
            np.stack([X0 + x, Y0 + y], -1),
            np.stack([X0 + x + length * np.cos(angle), Y0 + y + length * np.sin(angle)], -1),
        ],
        1,
    )
    lines = gpd.GeoDataFrame(
        {
            "line_id": [f"L{i:05d}" for i in range(n_lines)],
            "owner": rng.choice(owners, n_lines),
            "kind": rng.choice(line_kinds, n_lines),
            "installed_on": rng.choice(dates, n_lines),
            "permit_no": rng.choice(np.array(["IZ-1", "IZ-4", None], dtype=object), n_lines),
        },
        geometry=shapely.linestrings(ends),
        crs=UTM,
    ).to_crs(4326)
    tariffs = tariff_rows(
        ("P", "pole", "", "per_unit_year", 480000, "", "", "2025-01-01", ""),
        ("P-EL", "pole", "electric", "per_unit_year", 720000.5, "", "", *YEAR),
        (
            "P-EL-PROV",
            "pole",
            "electric",
            "per_unit_year",
            810000,
            "provinsi",
            "raya",
            "2026-04-01",
            "2026-09-30",
        ),
        ("P-SL", "pole", "street_light", "per_unit_year", 0, "", "", *YEAR),
        ("P-TMP", "pole", "other", "per_unit_day", 2000, "", "", "2026-03-01", ""),
        (
            "L-FO-1",
            "utility_line",
            "fibre",
            "per_m_year",
            25000,
            "",
            "",
            "2025-01-01",
            "2026-06-30",
        ),
        ("L-FO-2", "utility_line", "fibre", "per_m_year", 27500, "", "", "2026-07-01", ""),
        ("L-FO-KAB", "utility_line", "fibre", "per_m_year", 12345.67, "kabupaten", "", *YEAR),
        ("L-WP", "utility_line", "water_pipe", "per_m_year", 20000, "", "", *YEAR),
        ("L-OH", "utility_line", "overhead_cable", "per_m_year", 13000, "", "sedang", *YEAR),
    )
    permits = pd.DataFrame(
        {
            "permit_no": ["IZ-1", "IZ-2", "IZ-3", "IZ-4"],
            "owner": ["PLN", "Telkom", "PLN", "PDAM"],
            "valid_from": ["2020-01-01", "2026-03-15", "2018-01-01", "2026-01-01"],
            "valid_to": ["", "", "2025-12-31", ""],
            "paid_until": ["2026-12-31", "2026-05-31", "2025-12-31", ""],
        }
    )
    return poles, lines, corridors, tariffs, permits


def brute_force(poles, lines, corridors, tariffs, permits, first: date, last: date):
    """Per-asset loops over every corridor with scalar shapely, Decimal/Fraction money."""
    schedule = parse_tariffs(tariffs).to_dict("records")
    permit_rows = {
        r.permit_no: r
        for r in permits.assign(
            valid_from=lambda f: [date.fromisoformat(v) for v in f["valid_from"]],
            valid_to=lambda f: [date.fromisoformat(v) if v else date.max for v in f["valid_to"]],
            paid_until=lambda f: [
                date.fromisoformat(v) if v else date.min for v in f["paid_until"]
            ],
        ).itertuples()
    }
    ordered = corridors.sort_values("corridor_id", key=lambda s: s.astype(str))
    days = [first + timedelta(d) for d in range((last - first).days + 1)]
    chosen_cache: dict[tuple, list] = {}

    def chosen(key):
        """The tariff row chosen on each day of the period, by trying every row."""
        if key not in chosen_cache:
            obj, kind, status, klass = key
            per_day = []
            for day in days:
                matching = [
                    r
                    for r in schedule
                    if r["object"] == obj
                    and r["kind"] in (None, kind)
                    and r["road_status"] in (None, status)
                    and r["road_class"] in (None, klass)
                    and r["valid_from"] <= day <= (r["valid_to"] or date.max)
                ]
                if not matching:
                    per_day.append(None)
                    continue
                best = max(r["specificity"] for r in matching)
                winners = [r for r in matching if r["specificity"] == best]
                assert len(winners) == 1, "the test schedule has no ambiguity"
                per_day.append(winners[0])
            chosen_cache[key] = per_day
        return chosen_cache[key]

    def metres(geom, area=False):
        projected = to_utm(geom)
        return projected.area if area else projected.length

    expected: dict[tuple, dict] = {}
    outside: dict[tuple, tuple] = {}

    def bill(layer, obj, asset_id, kind, owner, permit_no, start, pieces):
        permit = permit_rows.get(permit_no)
        if permit is not None and permit.owner.casefold() != str(owner).casefold():
            permit = None
        known = [d for d in (start, permit.valid_from if permit else None) if d is not None]
        present = max(min(known), first) if known else first
        for corridor, quantity in pieces:
            q = Decimal(quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if q == 0:
                continue
            key = (obj, kind, corridor.road_status, corridor.road_class)
            billed: dict[str, list[date]] = {}
            for day, row in zip(days, chosen(key), strict=True):
                if row is not None and day >= present:
                    billed.setdefault(row["tariff_id"], []).append(day)
            for tariff_id, billed_days in billed.items():
                row = next(r for r in schedule if r["tariff_id"] == tariff_id)
                rate = Fraction(row["rate_rp"]) * Fraction(q)
                if row["unit"] == "per_unit_day":
                    amount = rate * len(billed_days)
                else:
                    amount = (
                        sum(
                            (Fraction(1, 366 if d.year % 4 == 0 else 365) for d in billed_days),
                            Fraction(0),
                        )
                        * rate
                    )
                if permit is None or not (
                    permit.valid_from <= billed_days[-1] and permit.valid_to >= billed_days[0]
                ):
                    status = "no_permit"
                else:
                    status = "paid" if permit.paid_until >= billed_days[-1] else "unpaid"
                expected[(layer, asset_id, corridor.corridor_id, tariff_id)] = {
                    "amount_rp": half_up(amount),
                    "days": len(billed_days),
                    "quantity": float(q),
                    "payment_status": status,
                }

    def nearest(geom):
        projected = to_utm(geom)
        best = min(
            (to_utm(c.geometry).distance(projected), c.corridor_id) for c in ordered.itertuples()
        )
        return best

    def text(value):
        return value if isinstance(value, str) else None

    def date_or_none(value):
        return date.fromisoformat(value) if isinstance(value, str) else None

    for pole in poles.itertuples():
        holder = next(
            (c for c in ordered.itertuples() if c.geometry.intersects(pole.geometry)), None
        )
        if holder is None:
            outside[("poles", pole.pole_id)] = nearest(pole.geometry)
            continue
        bill(
            "poles",
            "pole",
            pole.pole_id,
            text(pole.kind),
            pole.owner,
            text(pole.permit_no),
            date_or_none(pole.surveyed_on),
            [(holder, 1.0)],
        )
    for line in lines.itertuples():
        remaining, pieces = line.geometry, []
        for corridor in ordered.itertuples():
            piece = remaining.intersection(corridor.geometry)
            if metres(piece) > 0:
                pieces.append((corridor, metres(piece)))
                remaining = remaining.difference(corridor.geometry)
        if not pieces:
            outside[("utility_lines", line.line_id)] = nearest(line.geometry)
        bill(
            "utility_lines",
            "utility_line",
            line.line_id,
            text(line.kind),
            line.owner,
            text(line.permit_no),
            date_or_none(line.installed_on),
            pieces,
        )
    return expected, outside


@pytest.mark.slow
def test_fast_path_agrees_with_a_brute_force_computation_to_the_rupiah():
    poles, lines, corridors, tariffs, permits = random_world(seed=20260101)
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    result = assess(
        poles=poles,
        utility_lines=lines,
        corridors=corridors,
        tariffs=tariffs,
        permits=permits,
        year=2026,
    )
    expected, outside = brute_force(poles, lines, corridors, tariffs, permits, first, last)
    got = {
        (r.layer, r.asset_id, r.corridor_id, r.tariff_id): {
            "amount_rp": r.amount_rp,
            "days": r.days,
            "quantity": r.quantity,
            "payment_status": r.payment_status,
        }
        for r in result.items.itertuples()
    }
    assert len(got) == len(result.items) > 1500
    assert got.keys() == expected.keys()
    assert got == expected
    assert result.grand_total == sum(v["amount_rp"] for v in expected.values())

    nb = result.not_billable[result.not_billable["reason"] == "outside_right_of_way"]
    found = {
        (r.layer, r.asset_id): (r.distance_to_corridor_m, r.nearest_corridor_id)
        for r in nb.itertuples()
    }
    assert found.keys() == outside.keys() and len(found) > 100
    for key, (distance, corridor_id) in outside.items():
        assert found[key][0] == pytest.approx(distance, abs=0.01), key
        assert found[key][1] == corridor_id, key

    # A 15 m search: the nearer assets keep their distance, the others have none.
    narrow = assess(
        poles=poles,
        utility_lines=lines,
        corridors=corridors,
        tariffs=tariffs,
        year=2026,
        search_distance_m=15,
    ).not_billable
    narrow = narrow[narrow["reason"] == "outside_right_of_way"]
    found = {
        (r.layer, r.asset_id): (r.distance_to_corridor_m, r.nearest_corridor_id, r.detail)
        for r in narrow.itertuples()
    }
    assert found.keys() == outside.keys()
    near = {k for k, (d, _) in outside.items() if d < 15 - 0.01}
    far = {k for k, (d, _) in outside.items() if d > 15 + 0.01}
    assert len(near) > 50 and len(far) > 50
    for key in near:
        assert found[key][:2] == (pytest.approx(outside[key][0], abs=0.01), outside[key][1])
    for key in far:
        assert np.isnan(found[key][0]) and pd.isna(found[key][1]), key
        assert found[key][2] == "more than 15 m from any corridor"


# -- properties -----------------------------------------------------------------------------
OWNERS = st.sampled_from(["PLN", "Telkom", "PDAM", "Indosat", "-minus", "@at"])
KINDS = st.sampled_from(["electric", "telecom", "street_light", "other", None])
POLES = st.lists(
    st.tuples(st.floats(-50, 2050), st.floats(-40, 40), OWNERS, KINDS, st.integers(0, 400)),
    min_size=1,
    max_size=40,
)
RATES = st.lists(st.integers(0, 10_000_000), min_size=3, max_size=3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(POLES, RATES)
def test_every_total_is_a_sum_of_line_items(rows, rates):
    base = date(2026, 1, 1)
    poles = poles_frame(
        [
            {
                "pole_id": f"P{i}",
                "owner": owner,
                "kind": kind,
                "surveyed_on": (base + timedelta(days=offset)).isoformat(),
                "x": x,
                "y": y,
            }
            for i, (x, y, owner, kind, offset) in enumerate(rows)
        ]
    )
    tariffs = tariff_rows(
        ("A", "pole", "", "per_unit_year", rates[0], "", "", *YEAR),
        ("B", "pole", "electric", "per_unit_year", rates[1], "", "", "2026-01-01", "2026-08-31"),
        ("C", "pole", "other", "per_unit_day", rates[2], "", "", *YEAR),
    )
    result = run(poles, tariffs=tariffs)
    grand = result.grand_total
    assert grand == int(result.items["amount_rp"].sum())
    for by in TOTAL_KEYS:
        assert int(result.totals(by)["amount_rp"].sum()) == grand
    table = result.totals_table()
    for level in ("corridor", "owner", "road", "kabupaten"):
        assert int(table.loc[table["level"] == level, "amount_rp"].sum()) == grand
    assert int(table.loc[table["level"] == "total", "amount_rp"].item()) == grand


def test_pieces_are_located_along_roads_when_roads_are_given():
    pytest.importorskip("geoasset.chainage")
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1", "R2"]},
        geometry=[LineString([at(0, 0), at(2000, 0)]), LineString([at(500, -300), at(500, 300)])],
        crs=UTM,
    ).to_crs(4326)
    lines = lines_frame(
        [{"line_id": "X", "owner": "Telkom", "kind": "fibre", "coords": [(900, 5), (1150, 5)]}]
    )
    poles = poles_frame([{"pole_id": "P", "owner": "PLN", "x": 1234, "y": 3}])
    items = run(poles, lines, roads=roads).items.set_index(["asset_id", "corridor_id"])
    assert items.loc[("X", "R1:0"), "sta"] == "STA 0+900 – 1+000"
    assert items.loc[("X", "R1:1000"), "sta"] == "STA 1+000 – 1+150"
    assert items.loc[("P", "R1:1000"), "sta"] == "STA 1+234"


def test_a_corridor_moved_between_two_assessments_is_measured_where_it_now_is():
    """What an assessment derives from the corridors' shapes is kept with the layer's
    spatial index; changing a shape drops the index, so the next assessment sees it."""
    corridors = corridors_frame()
    poles = poles_frame(
        [
            {"pole_id": "IN", "owner": "PLN", "kind": "electric", "x": 1500, "y": 0},
            {"pole_id": "OUT", "owner": "PLN", "kind": "electric", "x": 1500, "y": 40},
        ]
    )
    first = run(poles, corridors=corridors)
    again = run(poles, corridors=corridors)  # same layer: same answer
    assert first.items["asset_id"].tolist() == again.items["asset_id"].tolist() == ["IN"]
    out = again.not_billable.set_index("asset_id").loc["OUT"]
    assert out["distance_to_corridor_m"] == pytest.approx(30.0, abs=0.01)
    # R1:1000 moved north: OUT is now inside, IN 35 m south of it
    moved = gpd.GeoSeries([local_box(1000, 35, 2000, 55)], crs=UTM).to_crs(4326).iloc[0]
    corridors.loc[corridors["corridor_id"] == "R1:1000", "geometry"] = moved
    after = run(poles, corridors=corridors)
    assert after.items["asset_id"].tolist() == ["OUT"]
    inside = after.not_billable.set_index("asset_id").loc["IN"]
    assert inside["nearest_corridor_id"] == "R1:1000"
    assert inside["distance_to_corridor_m"] == pytest.approx(35.0, abs=0.01)
