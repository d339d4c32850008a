"""Validation against the layer specifications: every problem, with row and field."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import LineString, Point, Polygon

from geoasset.schema import LAYERS
from geoasset.validate import _is_blank, _per_distinct, assign_ids, validate_layer

HOSTILE = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    'O\'Brien "quoted"',
    "x" * 10_000,
]


def poles(**columns):
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(
        columns, geometry=[Point(123.6 + i * 1e-4, -10.17) for i in range(n)], crs=4326
    )


def test_collects_every_problem_of_every_row():
    frame = poles(
        pole_id=["P1", "P2", "P3", "P3"],
        owner=["PLN", "", "Telkom", "PLN"],
        height_m=["9", "sembilan", "-1", "12,5"],
        kind=["electric", "Electric", "tower", "telecom"],
        surveyed_on=["2026-07-01", "17/08/2025", "yesterday", ""],
    )
    result = validate_layer(frame, "poles", source="poles.csv", row_numbers=[2, 3, 4, 5])
    text = [str(p) for p in result.problems]
    assert "row 3 field 'owner': required value is empty" in text
    assert "row 3 field 'height_m': 'sembilan' is not a number" in text
    assert "row 4 field 'height_m': -1 is below 0" in text
    assert (
        "row 4 field 'kind': 'tower' is not one of electric, telecom, street_light, other" in text
    )
    assert "row 4 field 'surveyed_on': 'yesterday' is not a date (use YYYY-MM-DD)" in text
    assert "row 4 field 'pole_id': duplicate id 'P3' (2 rows: 4, 5)" in text
    assert "row 5 field 'pole_id': duplicate id 'P3' (2 rows: 4, 5)" in text
    assert list(result.valid["pole_id"]) == ["P1"]
    assert list(result.rejected["source_row"]) == [3, 4, 5]
    # Rejected rows keep their original values and carry every reason.
    assert result.rejected.loc[0, "height_m"] == "sembilan"
    assert "owner: required value is empty" in result.rejected.loc[0, "reject_reason"]


def test_types_are_coerced_and_choices_normalised():
    frame = poles(
        pole_id=["P1"],
        owner=["PLN"],
        height_m=["12,5"],
        kind=["Street Light"],
        surveyed_on=["17/08/2025"],
    )
    result = validate_layer(frame, "poles")
    assert result.ok
    row = result.valid.iloc[0]
    assert row["height_m"] == 12.5
    assert row["kind"] == "street_light"
    assert str(row["surveyed_on"]) == "2025-08-17"  # a date, stored as a GeoPackage DATE


def test_ids_against_the_inventory_and_extra_columns_kept():
    frame = poles(pole_id=["P1", "P9"], owner=["PLN", "PLN"], catatan=["tiang miring", None])
    result = validate_layer(frame, "poles", existing_ids={"P1"})
    assert [str(p) for p in result.problems] == [
        "row 1 field 'pole_id': id 'P1' is already in the inventory"
    ]
    assert result.valid["catatan"].isna().all()
    assert list(result.valid.columns).count("catatan") == 1


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_kept_verbatim(text):
    result = validate_layer(poles(pole_id=["P1"], owner=[text]), "poles")
    assert result.ok
    assert result.valid.loc[0, "owner"] == text


def test_geometry_problems():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame(
        {"parcel_id": ["A", "B", "C", "D"], "road_id": ["R1"] * 4},
        geometry=[bowtie, None, Point(0, 0), Polygon([(0, 0), (1, 0), (1, 1)])],
        crs=4326,
    )
    result = validate_layer(frame, "parcels")
    text = [str(p) for p in result.problems]
    assert text[0].startswith("row 1 field 'geometry': invalid geometry (Self-intersection")
    assert text[1] == "row 2 field 'geometry': geometry is missing or empty"
    assert (
        text[2] == "row 3 field 'geometry': Point is not allowed in parcels (Polygon, MultiPolygon)"
    )
    assert list(result.valid["parcel_id"]) == ["D"]
    fixed = validate_layer(frame, "parcels", fix=True)
    assert list(fixed.valid["parcel_id"]) == ["A", "D"]
    assert fixed.valid.geometry.is_valid.all()
    assert fixed.valid.geometry.iloc[0].area == pytest.approx(0.5)


def test_coordinates_out_of_range():
    frame = gpd.GeoDataFrame(
        {"pole_id": ["P1"], "owner": ["PLN"]}, geometry=[Point(123.6, -100.2)], crs=4326
    )
    result = validate_layer(frame, "poles")
    assert "outside longitude" in str(result.problems[0])


def test_missing_required_column():
    frame = gpd.GeoDataFrame({"pole_id": ["P1"]}, geometry=[Point(1, 1)], crs=4326)
    result = validate_layer(frame, "poles")
    assert str(result.problems[0]) == "row 1 field 'owner': required column is missing"


def test_lines_on_a_point_layer_are_refused():
    frame = gpd.GeoDataFrame(
        {"pole_id": ["P1"], "owner": ["PLN"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326
    )
    assert not validate_layer(frame, "poles").ok


@given(st.lists(st.one_of(st.none(), st.from_regex(r"POLE-\d{6}", fullmatch=True)), max_size=30))
def test_assigned_ids_are_unique_and_keep_given_ones(ids):
    frame = gpd.GeoDataFrame({"pole_id": ids}, geometry=[None] * len(ids))
    out = assign_ids(frame, "poles")
    given_ids = [i for i in ids if i is not None]
    assert out["pole_id"].notna().all()
    assert [v for v, i in zip(out["pole_id"], ids, strict=True) if i is not None] == given_ids
    new = [v for v, i in zip(out["pole_id"], ids, strict=True) if i is None]
    assert len(set(new)) == len(new)
    assert not set(new) & set(given_ids)


def test_every_layer_spec_is_consistent():
    for spec in LAYERS.values():
        names = spec.field_names
        assert len(names) == len(set(names)), spec.name
        assert spec.id_field in names
        assert np.all([f.type in ("str", "int", "float", "date") for f in spec.fields])


def plain(values: pd.Series) -> list:
    """Values as a list, every kind of missing value as None."""
    return [None if pd.isna(v) else v for v in values]


# Every code point Python's str.strip() removes, plus look-alikes that are not blank.
WHITESPACE = [chr(c) for c in range(0x3100) if chr(c).isspace()]


@pytest.mark.parametrize("dtype", ["str", object])
def test_blank_detection_matches_python_whitespace(dtype):
    words = ["", "nan", "NaN", "NULL", "none", "Nancy", "nullx", "0", "x"]
    values = [pad + w + pad for w in words for pad in ["", *WHITESPACE]] + [None]
    expected = [v is None or v.strip().lower() in ("", "nan", "none", "null") for v in values]
    got = _is_blank(pd.Series(values, dtype=dtype)).tolist()
    assert got == expected


def test_per_distinct_conversion_keeps_row_order_and_missing_values():
    values = pd.Series(["b", None, "a", "b", "a", None], dtype="str", index=[5, 4, 3, 2, 1, 0])
    calls = []

    def upper(distinct):
        calls.append(len(distinct))
        return distinct.str.upper()

    out = _per_distinct(values, upper)
    assert plain(out) == ["B", None, "A", "B", "A", None]
    assert list(out.index) == [5, 4, 3, 2, 1, 0]
    assert calls == [2]  # each distinct value converted once


def test_dates_in_mixed_forms_are_parsed_per_row():
    raw = ["2025-08-17", "17/08/2025", "", "kemarin", "2025-08-17", "01/02/2026", None]
    frame = poles(
        pole_id=[f"P{i}" for i in range(len(raw))], owner=["PLN"] * len(raw), surveyed_on=raw
    )
    result = validate_layer(frame, "poles")
    by_id = dict(
        zip(result.valid["pole_id"], plain(result.valid["surveyed_on"].astype("str")), strict=True)
    )
    assert by_id == {
        "P0": "2025-08-17",
        "P1": "2025-08-17",
        "P2": None,
        "P4": "2025-08-17",
        "P5": "2026-02-01",
        "P6": None,
    }
    assert [str(p) for p in result.problems] == [
        "row 4 field 'surveyed_on': 'kemarin' is not a date (use YYYY-MM-DD)"
    ]
