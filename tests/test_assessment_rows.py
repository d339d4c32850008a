"""The assessment bills exactly the rows ``validate_layer`` accepts.

``geoasset.assessment_rows`` screens a layer in bulk and sends only the rows that could
fail to ``validate_layer``; these tests compare its verdict, row by row and problem by
problem, with ``validate_layer`` run on the whole layer.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, Point

from geoasset.assessment import assess
from geoasset.assessment_rows import _billable_rows, _suspect_rows
from geoasset.schema import layer_spec
from geoasset.validate import ROW_COLUMN, validate_layer

IDS = ["P1", "P2", " P1", "P1 ", "P\x001", "P3", "", None, "nan"]
OWNERS = ["PLN", "Telkom", "", " ", "nan", "None", "PL\x00N", "\x00", None, " PLN", "\u00a0"]
KINDS = ["electric", "Street Light", "TELECOM ", "street-light", "tower", "", None, "null"]
HEIGHTS = [9.0, "9", " 11.5 ", "nine", "inf", "1,5", None, -1, 101, "nan", "1e400", "", 100]
DATES = [
    "2026-03-01",
    "01/07/2026",
    "07/13/2026",
    "07/12/2026",
    "12/12/2026",
    "2026/07/01",
    "2026-13-07",
    "2026-02-30",
    "2026-07-01 00:00:00",
    "20260701",
    "",
    None,
]
GEOMETRIES = [
    Point(123.6, -10.2),
    Point(123.7, -10.1),
    None,
    Point(),
    Point(math.nan, -10.2),
    Point(200.0, -10.2),
    LineString([(123.6, -10.2), (123.7, -10.2)]),
]

ROW = st.fixed_dictionaries(
    {
        "pole_id": st.sampled_from(IDS),
        "owner": st.sampled_from(OWNERS),
        "kind": st.sampled_from(KINDS),
        "height_m": st.sampled_from(HEIGHTS),
        "surveyed_on": st.sampled_from(DATES),
        "geometry": st.sampled_from(GEOMETRIES),
    }
)


def frame_of(rows: list[dict], *, text_heights: bool) -> gpd.GeoDataFrame:
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows])
    for column in ("pole_id", "owner", "kind", "surveyed_on"):
        table[column] = table[column].astype("str")
    if text_heights:
        table["height_m"] = table["height_m"].map(lambda v: None if v is None else str(v))
        table["height_m"] = table["height_m"].astype("str")
    else:
        numbers = [v if isinstance(v, float | int) else None for v in table["height_m"]]
        table["height_m"] = pd.Series(numbers, dtype="float64")
    return gpd.GeoDataFrame(table, geometry=[r["geometry"] for r in rows], crs=4326)


def full_verdict(frame: gpd.GeoDataFrame, layer: str) -> dict[int, str]:
    """Refused rows (0-based) and their detail, from ``validate_layer`` on the whole layer."""
    result = validate_layer(frame, layer, source=f"layer {layer!r}")
    reasons: dict[int, list[str]] = {}
    for problem in result.problems:
        reasons.setdefault(problem.row, []).append(str(problem))
    refused = result.rejected[ROW_COLUMN].to_numpy(dtype="int64") - 1
    return {int(r): "; ".join(reasons[int(r) + 1]) for r in refused}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=12), st.booleans())
def test_screened_check_refuses_what_validate_layer_refuses(rows, text_heights):
    frame = frame_of(rows, text_heights=text_heights)
    expected = full_verdict(frame, "poles")
    valid, invalid = _billable_rows(frame, "poles")
    assert len(valid) == len(frame) - len(expected)
    assert invalid["detail"].tolist() == list(expected.values())
    # the rows kept are the others, in order, with control characters removed
    kept = [i for i in range(len(frame)) if i not in expected]
    assert (
        valid["height_m"].astype(str).tolist() == frame["height_m"].iloc[kept].astype(str).tolist()
    )
    assert not valid["owner"].dropna().str.contains("\x00", regex=False).any()


def test_lines_screened_like_validate_layer():
    good = LineString([(123.6, -10.2), (123.7, -10.2)])
    bowtie_free_but_invalid = LineString([(123.6, -10.2), (123.6, -10.2)])
    frame = gpd.GeoDataFrame(
        {
            "line_id": ["L1", "L2", "L3", "L4", "L1"],
            "owner": ["PLN", "PLN", "", "PLN", "Telkom"],
            "kind": ["fibre", "fibre", "fibre", "rope", "fibre"],
            "installed_on": ["2026-01-01", "2026-02-01", "2026-02-01", "2026-02-01", None],
        },
        geometry=[good, bowtie_free_but_invalid, good, good, good],
        crs=4326,
    )
    expected = full_verdict(frame, "utility_lines")
    assert sorted(expected) == [0, 1, 2, 3, 4]
    valid, invalid = _billable_rows(frame, "utility_lines")
    assert len(valid) == 0
    assert invalid["detail"].tolist() == list(expected.values())


def test_clean_layer_is_accepted_by_the_screen_alone():
    n = 2000
    rng = np.random.default_rng(1)
    frame = gpd.GeoDataFrame(
        {
            "pole_id": pd.Series([f"P{i}" for i in range(n)], dtype="str"),
            "owner": rng.choice(["PLN", "Telkom"], n),
            "kind": rng.choice(["electric", "telecom", "Street Light"], n),
            "height_m": rng.choice([9.0, 11.0, np.nan], n),
            "surveyed_on": rng.choice(["2026-03-01", "2025-12-31"], n),
            "permit_no": None,
        },
        geometry=[Point(123.6 + i * 1e-5, -10.2) for i in range(n)],
        crs=4326,
    )
    suspect, cleaned = _suspect_rows(frame, layer_spec("poles"))
    assert not suspect.any() and cleaned is frame
    valid, invalid = _billable_rows(frame, "poles")
    assert len(valid) == n and len(invalid) == 0


def test_a_row_with_a_bad_height_is_not_billed_and_the_rest_is():
    frame = frame_of(
        [
            {"pole_id": "P1", "owner": "PLN", "kind": "electric", "height_m": "nine",
             "surveyed_on": "2026-03-01", "geometry": Point(123.6, -10.2)},
            {"pole_id": "P2", "owner": "PLN", "kind": "electric", "height_m": "9",
             "surveyed_on": "01/07/2026", "geometry": Point(123.6, -10.2)},
        ],
        text_heights=True,
    )  # fmt: skip
    corridors = gpd.GeoDataFrame(
        {
            "corridor_id": ["C1"],
            "road_id": ["R1"],
            "kabupaten": ["Kota Kupang"],
            "road_status": ["provinsi"],
            "road_class": ["raya"],
        },
        geometry=[Point(123.6, -10.2).buffer(0.001)],
        crs=4326,
    )
    tariffs = pd.DataFrame(
        {
            "tariff_id": ["T1"],
            "object": ["pole"],
            "unit": ["per_unit_year"],
            "rate_rp": [365000],
            "valid_from": ["2026-01-01"],
            "valid_to": ["2026-12-31"],
            "legal_basis": ["EXAMPLE"],
        }
    )
    result = assess(
        poles=frame, utility_lines=None, corridors=corridors, tariffs=tariffs, year=2026
    )
    assert result.items["asset_id"].tolist() == ["P2"]
    assert result.items["days"].tolist() == [184]  # 1 July (day first) to 31 December
    assert result.grand_total == 184_000
    refused = result.not_billable[result.not_billable["reason"] == "invalid_row"]
    assert refused["detail"].tolist() == ["row 1 field 'height_m': 'nine' is not a number"]


POINTS = [Point(123.6, -10.2)] * 5
BASE = {"owner": ["PLN"] * 5, "kind": ["electric"] * 5}
ODD_COLUMNS = {
    "int ids, one repeated": {"pole_id": [1, 2, 2, 3, 4], **BASE},
    "float ids": {"pole_id": [1.0, 2.0, np.nan, 3.5, 1.0], **BASE},
    "dates in a spreadsheet's cells": {
        "pole_id": list("abcde"),
        **BASE,
        "surveyed_on": pd.Series(
            [date(2026, 1, 1), None, "2026-13-01", datetime(2026, 3, 1), "01/02/2026"],
            dtype=object,
        ),
    },
    "dates with a time zone": {
        "pole_id": list("abcde"),
        **BASE,
        "surveyed_on": pd.to_datetime(
            ["2026-01-01", None, "2026-02-01", "2026-03-01", "2026-04-01"]
        ).tz_localize("Asia/Jakarta"),
    },
    "owners of mixed types": {
        "pole_id": list("abcde"),
        "owner": pd.Series(["PLN", None, 5, "", " x "], dtype=object),
        "kind": ["electric"] * 5,
    },
    "kinds as categories": {
        "pole_id": list("abcde"),
        "owner": ["PLN"] * 5,
        "kind": pd.Categorical(["electric", "tower", None, "Street Light", "telecom"]),
    },
    "nullable integer heights": {
        "pole_id": list("abcde"),
        **BASE,
        "height_m": pd.array([1, None, 200, -3, 50], dtype="Int64"),
    },
    "no owner column": {"pole_id": list("abcde"), "kind": ["electric"] * 5},
}


@pytest.mark.parametrize("columns", ODD_COLUMNS.values(), ids=ODD_COLUMNS.keys())
def test_columns_of_any_type_are_screened_like_validate_layer(columns):
    frame = gpd.GeoDataFrame(columns, geometry=POINTS, crs=4326)
    expected = full_verdict(frame, "poles")
    valid, invalid = _billable_rows(frame, "poles")
    assert invalid["detail"].tolist() == list(expected.values())
    assert len(valid) == len(frame) - len(expected)


def test_areas_and_odd_geometries_are_screened_like_validate_layer():
    square = Point(123.6, -10.2).buffer(0.001)
    areas = gpd.GeoDataFrame(
        {"area_id": list("abcde"), "owner": ["X"] * 5, "kind": ["kiosk", "atm", "Kiosk ", None, "cabinet"]},
        geometry=[square] * 4 + [Point(123.6, -10.2)],
        crs=4326,
    )  # fmt: skip
    poles = gpd.GeoDataFrame(
        {"pole_id": list("abcde"), **BASE},
        geometry=[Point(np.inf, 1), Point(1, 1), None, Point(1, 100), Point(1, 1)],
        crs=4326,
    )
    for frame, layer in ((areas, "areas"), (poles, "poles")):
        expected = full_verdict(frame, layer)
        assert len(expected) in (2, 3)
        valid, invalid = _billable_rows(frame, layer)
        assert invalid["detail"].tolist() == list(expected.values())
        assert len(valid) == len(frame) - len(expected)
