"""One table reader: the same encoding, delimiter and decimal-comma rules for field files,
tariffs, permits, widths files and owners registers."""

from __future__ import annotations

import codecs
import logging

import pytest

from geoasset.corridors import load_widths
from geoasset.errors import SchemaError, SourceError
from geoasset.owners import load_owners
from geoasset.tables import (
    TableReadError,
    detect_encoding,
    parse_decimal,
    read_frame,
    read_table,
    sniff_delimiter,
)
from geoasset.tariffs import load_permits, load_tariffs

OWNER = "Perusahaan Café – “Jaya”"  # cp1252 and UTF-8 bytes differ


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,5", 12.5), ("12.5", 12.5), (" 30 ", 30.0), ("-0,25", -0.25), ("7", 7.0)],
)
def test_decimal_point_or_comma(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["1.234,5", "1,234,5", "wide", "", "12 ,5"])
def test_anything_else_is_not_a_number(text):
    with pytest.raises(ValueError, match="is not a number"):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb", "\t"), ("a|b", "|"), ("a;b,c;d", ";"), ("a", ",")],
)
def test_delimiter_is_the_most_frequent_in_the_header(line, expected):
    assert sniff_delimiter(line) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Café".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "Café".encode(), "utf-8-sig"),
        ("Café".encode("utf-16"), "utf-16"),
        (OWNER.encode("cp1252"), "cp1252"),
        (b"\x81\x8d", "latin-1"),  # bytes cp1252 leaves undefined
    ],
)
def test_encoding_detected(data, expected, caplog):
    with caplog.at_level(logging.WARNING):
        assert detect_encoding(data, "f.csv") == expected
    assert ("not UTF-8" in caplog.text) == (expected in ("cp1252", "latin-1"))


def test_read_table_numbers_rows_as_a_spreadsheet_shows_them(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(" A ;B\n1;2\n\n;\n3;4;5\n6\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == ["a", "b"] and table.delimiter == ";"
    assert table.rows == [1, 4, 5]  # blank rows 2 and 3 skipped but counted
    assert table.frame.values.tolist() == [["1", "2"], ["3", "4"], ["6", ""]]
    assert table.long_rows == [(4, 3)]
    assert read_table(path, lower=False).header == ["A", "B"]


def test_read_table_of_an_empty_file_has_no_header(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n  \n", encoding="utf-8")
    assert read_table(path).header == []


def test_unreadable_files_say_why(tmp_path):
    with pytest.raises(TableReadError, match="missing.csv: no such file"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(SourceError, match="is a folder"):
        read_table(tmp_path)
    path = tmp_path / "latin.csv"
    path.write_bytes(f"owner\n{OWNER}\n".encode("cp1252"))
    with pytest.raises(TableReadError, match="not valid utf-8 text"):
        read_table(path, encoding="utf-8")
    with pytest.raises(TableReadError, match="unknown encoding 'klingon'"):
        read_frame(path, encoding="klingon")


def test_small_tables_and_field_files_decode_cp1252_alike(tmp_path):
    path = tmp_path / "owners.csv"
    path.write_bytes(f"name;lat;lon\n{OWNER};-10,17;123,6\n".encode("cp1252"))
    table = read_table(path)
    frame, used = read_frame(path)
    assert table.encoding == used == "cp1252"
    assert table.frame["name"].tolist() == frame["name"].tolist() == [OWNER]
    assert frame["lat"].map(parse_decimal).tolist() == [-10.17]


def test_semicolon_widths_file_with_decimal_commas(tmp_path):
    # Excel in an Indonesian locale writes ';' and decimal commas.
    path = tmp_path / "widths.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"road_class;width_m\r\nraya;27,5\r\nkecil;12\r\n")
    assert load_widths(path) == {"raya": 27.5, "kecil": 12.0}


def test_widths_file_problems_name_the_row_after_a_blank_line(tmp_path):
    path = tmp_path / "widths.csv"
    path.write_text("road_class,width_m\nraya,25\n\nkecil,lebar\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="row 3 field 'width_m'.*got 'lebar'"):
        load_widths(path)


def test_cp1252_permits_and_semicolon_tariffs(tmp_path):
    permits = tmp_path / "permits.csv"
    permits.write_bytes(
        f"permit_no;owner;valid_from;valid_to;paid_until\nIZN-1;{OWNER};2026-01-01;;\n".encode(
            "cp1252"
        )
    )
    assert load_permits(permits)["owner"].tolist() == [OWNER]
    tariffs = tmp_path / "tariffs.csv"
    tariffs.write_text(
        "tariff_id;object;unit;rate_rp;valid_from;valid_to;legal_basis\n"
        "T1;pole;per_unit_year;80000;2026-01-01;;Perda 1/2026\n",
        encoding="utf-8",
    )
    assert load_tariffs(tariffs)["rate_rp"].tolist() == [80000]


def test_owners_register_with_semicolons(tmp_path):
    path = tmp_path / "owners.csv"
    path.write_text(
        "owner_id;legal_name;aliases;address\nPLN;PT PLN (Persero);PLN UIW NTT;Kupang\n",
        encoding="utf-8",
    )
    register = load_owners(path)
    assert register.company("PLN")["legal_name"] == "PT PLN (Persero)"
