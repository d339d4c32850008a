"""Coordinate parsing: decimal degrees, DMS text, hemisphere letters, vectorised columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoasset.coords import format_dms, parse_angle, parse_coordinates

# value = deg + min/60 + sec/3600, written out by hand for each case
KUPANG_LAT = -(10 + 10 / 60 + 12.5 / 3600)
KUPANG_LON = 123 + 40 / 60 + 15 / 3600


@pytest.mark.parametrize(
    ("text", "axis", "expected"),
    [
        ("-10.1702", "lat", -10.1702),
        ("-10,1702", "lat", -10.1702),
        ("10,1702 LS", "lat", -10.1702),
        ("10.1702S", "lat", -10.1702),
        ("10°10'12.5\"S", "lat", KUPANG_LAT),
        ("10° 10' 12.5\" S", "lat", KUPANG_LAT),
        ("10º10′12.5″S", "lat", KUPANG_LAT),  # ordinal sign and primes, as typed in Excel
        ("S 10 10 12.5", "lat", KUPANG_LAT),
        ("10:10:12.5 S", "lat", KUPANG_LAT),
        ("10°10'12,5\" LS", "lat", KUPANG_LAT),
        ("ls 10 10 12.5", "lat", KUPANG_LAT),
        ("-10 10 12.5", "lat", KUPANG_LAT),
        ("-10 10 12.5 S", "lat", KUPANG_LAT),  # redundant but consistent
        ("−10.1702", "lat", -10.1702),  # Unicode minus sign
        ("-10° 10.2'", "lat", -(10 + 10.2 / 60)),
        ("10 10.2 LU", "lat", 10 + 10.2 / 60),
        ("N 5", "lat", 5.0),
        ("123 40 15 E", "lon", KUPANG_LON),
        ("123°40'15\" BT", "lon", KUPANG_LON),
        ("BB 123 40 15", "lon", -KUPANG_LON),
        ("123 40 15 W", "lon", -KUPANG_LON),
        ("123°", "lon", 123.0),
        ("+123.5", "lon", 123.5),
    ],
)
def test_parse_angle_accepts_field_notations(text, axis, expected):
    assert parse_angle(text, axis=axis) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "axis", "message"),
    [
        ("10°75'00\"S", "lat", "minutes 75 must be below 60"),
        ("10°10'60\"S", "lat", "seconds 60 must be below 60"),
        ("10 60 0 S", "lat", "minutes 60 must be below 60"),
        ("10.5 10 S", "lat", "only the last part may have decimals"),
        ("10 10.5 12 S", "lat", "only the last part may have decimals"),
        ("123 40 15 E", "lat", "is a longitude (hemisphere E), not a latitude"),
        ("10 10 12 LS", "lon", "is a latitude (hemisphere LS), not a longitude"),
        ("-10 10 12 N", "lat", "the sign contradicts hemisphere N"),
        ("+10 10 12 S", "lat", "the sign contradicts hemisphere S"),
        ("S 10 10 12 S", "lat", "two hemisphere letters"),
        ("95 S", "lat", "latitude -95 is outside ±90"),
        ("181 E", "lon", "longitude 181 is outside ±180"),
        ("ten south", "lat", "is not a coordinate"),
        ("10'", "lat", "is not a coordinate"),
        ("1012'", "lat", "is not a coordinate"),
        ("10,10,12", "lat", "is not a coordinate"),
        ("", "lat", "value is empty"),
    ],
)
def test_parse_angle_refuses_with_reason(text, axis, message):
    with pytest.raises(ValueError, match=None) as info:
        parse_angle(text, axis=axis)
    assert message in str(info.value)


def test_parse_angle_without_axis_takes_either_hemisphere_and_no_range():
    assert parse_angle("123 40 15 E") == pytest.approx(KUPANG_LON)
    assert parse_angle("100 S") == -100.0


def test_format_dms_styles_and_rounding_carry():
    assert format_dms(KUPANG_LAT, axis="lat", decimals=1) == "10°10'12.5\"S"
    assert format_dms(KUPANG_LON, axis="lon", decimals=0, style="spaces") == "123 40 15 E"
    assert format_dms(KUPANG_LAT, axis="lat", decimals=1, style="colons") == "10:10:12.5 S"
    assert format_dms(KUPANG_LAT, axis="lat", decimals=1, style="prefix") == "S 10 10 12.5"
    assert format_dms(-KUPANG_LON, axis="lon", style="indonesian", decimals=0) == ("123°40'15\" BB")
    # 59.9999 s rounds up into the next minute and degree, never to "60"
    assert format_dms(10 + 59 / 60 + 59.9999 / 3600, axis="lat", decimals=2) == "11°0'0.00\"N"


# -- properties ------------------------------------------------------------------------

STYLES = st.sampled_from(["symbols", "spaces", "colons", "prefix", "indonesian"])


@settings(max_examples=300, deadline=None)
@given(
    axis=st.sampled_from(["lat", "lon"]),
    fraction=st.floats(min_value=-1, max_value=1, allow_nan=False),
    style=STYLES,
)
def test_format_then_parse_round_trips(axis, fraction, style):
    value = fraction * (90 if axis == "lat" else 180)
    text = format_dms(value, axis=axis, decimals=8, style=style)
    assert abs(parse_angle(text, axis=axis) - value) <= 1e-9


@settings(max_examples=300, deadline=None)
@given(
    deg=st.integers(min_value=0, max_value=89),
    minutes=st.integers(min_value=0, max_value=59),
    seconds=st.floats(min_value=0, max_value=59.999, allow_nan=False),
    south=st.booleans(),
    letters=st.sampled_from([("N", "S"), ("LU", "LS")]),
    template=st.sampled_from(
        ["{d}°{m}'{s}\"{h}", "{d} {m} {s} {h}", "{h} {d} {m} {s}", "{d}:{m}:{s} {h}"]
    ),
)
def test_hand_written_dms_parses_to_its_value_with_hemisphere_sign(
    deg, minutes, seconds, south, letters, template
):
    seconds_text = f"{seconds:.6f}"
    hemisphere = letters[1] if south else letters[0]
    text = template.format(d=deg, m=minutes, s=seconds_text, h=hemisphere)
    expected = deg + minutes / 60 + float(seconds_text) / 3600
    parsed = parse_angle(text, axis="lat")
    assert abs(parsed - (-expected if south else expected)) <= 1e-9
    if expected:
        assert (parsed < 0) == south


@settings(max_examples=200, deadline=None)
@given(
    deg=st.integers(min_value=0, max_value=89),
    bad_minutes=st.integers(min_value=60, max_value=999),
    bad_seconds=st.floats(min_value=60, max_value=999, allow_nan=False),
    which=st.sampled_from(["minutes", "seconds"]),
)
def test_out_of_range_minutes_or_seconds_are_refused(deg, bad_minutes, bad_seconds, which):
    if which == "minutes":
        text = f"{deg}°{bad_minutes}'0\"S"
    else:
        text = f"{deg}°10'{bad_seconds:.3f}\"S"
    with pytest.raises(ValueError, match=f"{which} .* must be below 60"):
        parse_angle(text, axis="lat")


# -- vectorised -------------------------------------------------------------------------


def test_parse_coordinates_matches_the_scalar_parser_cell_by_cell():
    cells = ["-10.17", "10°10'12.5\"S", "", None, "95", "10 75 0 S", "-10,5", "x", "-10.17"]
    values, problems = parse_coordinates(pd.Series(cells, dtype="object"), axis="lat")
    by_position = dict(problems)
    for pos, cell in enumerate(cells):
        if cell is None or cell == "":
            assert by_position[pos] == "value is empty"
            assert np.isnan(values[pos])
            continue
        try:
            expected = parse_angle(cell, axis="lat")
        except ValueError as exc:
            assert np.isnan(values[pos])
            assert by_position[pos] == str(exc) or "outside ±90" in by_position[pos]
        else:
            assert values[pos] == pytest.approx(expected)
            assert pos not in by_position
    assert [p for p, _ in problems] == [2, 3, 4, 5, 7]


def test_parse_coordinates_fast_paths_numbers_and_arrow_text():
    numbers = pd.Series([123.6, np.nan, 181.0])
    values, problems = parse_coordinates(numbers, axis="lon")
    assert values[0] == 123.6
    assert problems == [(1, "value is empty"), (2, "longitude 181 is outside ±180")]
    text = pd.Series(["123.6", "123.7", None], dtype="str")
    values, problems = parse_coordinates(text, axis="lon")
    assert values[:2].tolist() == [123.6, 123.7]
    assert problems == [(2, "value is empty")]


def test_parse_coordinates_without_range_check_keeps_the_value():
    values, problems = parse_coordinates(pd.Series(["123.6"]), axis="lat", check_range=False)
    assert values.tolist() == [123.6] and problems == []


def test_parse_coordinates_projected_axes_take_plain_numbers_only():
    values, problems = parse_coordinates(
        pd.Series(["575000.5", "575000,5", "10°S", "inf"]), axis="x"
    )
    assert values[:2].tolist() == [575000.5, 575000.5]
    assert [p for p, _ in problems] == [2, 3]
    assert "'10°S' is not a number" in problems[0][1]


def test_parse_coordinates_rejects_unknown_axis():
    with pytest.raises(ValueError, match="axis must be one of"):
        parse_coordinates(pd.Series([1.0]), axis="z")
