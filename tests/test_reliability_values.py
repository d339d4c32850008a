"""Strict values, safe text and money only from valid rows: each defect found by a
hostile tester reproduced on real files written and read through GDAL."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from openpyxl import load_workbook
from shapely import Point

from geoasset.cli.main import cli
from geoasset.ingest import import_layer
from geoasset.jobs import validate_inventory
from geoasset.store import Batch, open_inventory
from tests.test_assess import corridors_frame, lines_frame, poles_frame
from tests.test_cli_assess import TARIFFS

ELECTRIC_RP = 720_000  # T-POLE-EL per pole per year in TARIFFS
FIBRE_RP_PER_M = 25_000  # T-FO per metre per year in TARIFFS


def geoasset(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def edit_attributes(path: Path, *statements: str) -> None:
    """Edit attributes in SQL as a desktop GIS would. The GeoPackage's R-tree triggers
    name GDAL's spatial functions; attribute edits never call them."""
    con = sqlite3.connect(path)
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        con.create_function(name, 1, lambda geometry: None)
    with con:
        for statement in statements:
            con.execute(statement)
    con.close()


def column_type(path: Path, table: str, column: str) -> str:
    con = sqlite3.connect(path)
    try:
        return next(r[2] for r in con.execute(f'PRAGMA table_info("{table}")') if r[1] == column)
    finally:
        con.close()


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- money only from valid rows ----------------------------------------------------------
@pytest.fixture
def billed_world(tmp_path, inventory):
    """Eight electric poles imported from a CSV (dates in a real DATE column), a 250 m
    fibre cable and the corridors; the tariff file."""
    poles = poles_frame(
        [
            {"pole_id": f"P{i}", "owner": "PLN", "kind": "electric", "x": 100 * i, "y": 0}
            for i in range(1, 9)
        ]
    )
    table = pd.DataFrame(
        {
            "pole_id": poles["pole_id"],
            "owner": poles["owner"],
            "kind": poles["kind"],
            "surveyed_on": "2026-01-01",
            "lat": poles.geometry.y.map(repr),
            "lon": poles.geometry.x.map(repr),
        }
    )
    source = tmp_path / "poles.csv"
    table.to_csv(source, index=False)
    assert import_layer(inventory.path, "poles", source).rows_written == 8
    lines = lines_frame(
        [{"line_id": "C1", "owner": "Telkom", "kind": "fibre", "coords": [(1100, 4), (1350, 4)]}]
    )
    inventory.write(
        {"utility_lines": lines, "corridors": corridors_frame()}, batch=Batch(command="test")
    )
    tariffs = tmp_path / "tariffs.csv"
    tariffs.write_text(TARIFFS + "\n", encoding="utf-8")
    return inventory.path, tariffs


def stored_total(path: Path) -> int:
    return int(open_inventory(path).read("assessment_items")["amount_rp"].sum())


def test_assess_never_bills_a_row_validate_refuses(billed_world):
    gpkg, tariffs = billed_world
    assert column_type(gpkg, "poles", "surveyed_on") == "DATE"
    clean = geoasset("assess", gpkg, "--tariffs", tariffs, "--year", 2026)
    assert clean.exit_code == 0, clean.output
    assert stored_total(gpkg) == 8 * ELECTRIC_RP + 250 * FIBRE_RP_PER_M

    # edits made after the import, as in QGIS or with ogrinfo -sql
    edit_attributes(
        gpkg,
        "UPDATE poles SET pole_id = 'P1' WHERE pole_id = 'P2'",  # both copies refused
        "UPDATE poles SET owner = '' WHERE pole_id = 'P3'",
        "UPDATE poles SET kind = 'tower' WHERE pole_id = 'P4'",
        "UPDATE poles SET surveyed_on = '2026/07/01' WHERE pole_id = 'P5'",
        "UPDATE poles SET surveyed_on = '2026-13-07' WHERE pole_id = 'P6'",
    )
    problems = validate_inventory(gpkg)["poles"]
    refused_rows = {p.row for p in problems}
    assert refused_rows == {1, 2, 3, 4, 5, 6}
    checked = geoasset("validate", gpkg)
    assert checked.exit_code == 1
    assert "'2026/07/01' is not a date" in checked.output
    assert "'2026-13-07' is not a date" in checked.output

    result = geoasset("assess", gpkg, "--tariffs", tariffs, "--year", 2026)
    assert result.exit_code == 1
    assert "6 row(s) fail the layer specification and were not billed" in result.output
    assert "Traceback" not in result.output
    # only P7 and P8 and the cable are billed, each for the whole year
    assert stored_total(gpkg) == 2 * ELECTRIC_RP + 250 * FIBRE_RP_PER_M
    items = open_inventory(gpkg).read("assessment_items")
    assert sorted(set(items["asset_id"])) == ["C1", "P7", "P8"]
    invalid = open_inventory(gpkg).read("assessment_not_billable")
    invalid = invalid[invalid["reason"] == "invalid_row"]
    assert sorted(invalid["asset_id"]) == ["P1", "P1", "P3", "P4", "P5", "P6"]
    detail = dict(zip(invalid["asset_id"], invalid["detail"], strict=False))
    assert "row 3 field 'owner': required value is empty" in detail["P3"]
    assert "row 4 field 'kind': 'tower' is not one of" in detail["P4"]
    assert "row 5 field 'surveyed_on': '2026/07/01' is not a date" in detail["P5"]
    assert "row 6 field 'surveyed_on': '2026-13-07' is not a date" in detail["P6"]
    assert "duplicate id 'P1' (2 rows: 1, 2)" in detail["P1"]
    # the same rows validate refuses, no more, no fewer
    rows = {int(d.split()[1]) for text in invalid["detail"] for d in text.split("; ")}
    assert rows == refused_rows


# -- strict dates ---------------------------------------------------------------------------
def test_dates_impossible_ambiguous_or_undocumented_are_refused(tmp_path, inventory):
    dates = {
        "D1": "2026-13-07",  # month 13
        "D2": "07/12/2026",  # ambiguous next to D3
        "D3": "07/13/2026",  # month first
        "D4": "2026",
        "D5": "2026/07/01",
        "D6": "17/08/2026",
        "D7": "2026-07-01",
        "D8": "",
    }
    lines = ["id,owner,lat,lon,surveyed_on"]
    lines += [f"{k},PLN,-10.17,123.6,{v}" for k, v in dates.items()]
    report = import_layer(inventory.path, "poles", write_csv(tmp_path / "d.csv", "\n".join(lines)))
    text = {p.row: str(p) for p in report.problems}
    assert set(text) == {1, 2, 3, 4, 5}
    assert text[1] == "row 1 field 'surveyed_on': '2026-13-07' is not a date (use YYYY-MM-DD)"
    assert "'07/12/2026' is ambiguous" in text[2] and "'07/13/2026'" in text[2]
    assert text[4] == "row 4 field 'surveyed_on': '2026' is not a date (use YYYY-MM-DD)"
    assert text[5] == "row 5 field 'surveyed_on': '2026/07/01' is not a date (use YYYY-MM-DD)"
    assert column_type(inventory.path, "poles", "surveyed_on") == "DATE"
    stored = pyogrio.read_dataframe(inventory.path, layer="poles")
    by_id = dict(zip(stored["pole_id"], stored["surveyed_on"], strict=True))
    assert str(by_id.pop("D6").date()) == "2026-08-17"
    assert str(by_id.pop("D7").date()) == "2026-07-01"
    assert pd.isna(by_id.pop("D8")) and not by_id


# -- non-finite numbers -----------------------------------------------------------------------
def test_non_finite_lengths_are_refused(tmp_path, inventory):
    values = ["inf", "1e400", "-inf", "Infinity", "nan", "12.5"]
    lines = ["id,length_m,lat,lon"] + [f"B{i},{v},-10.17,123.6" for i, v in enumerate(values)]
    report = import_layer(
        inventory.path, "bridges", write_csv(tmp_path / "b.csv", "\n".join(lines))
    )
    assert (report.rows_written, report.rows_refused) == (1, 5)
    assert {str(p) for p in report.problems} == {
        f"row {i + 1} field 'length_m': {v!r} is not a finite number"
        for i, v in enumerate(values[:5])
    }
    assert inventory.read("bridges")["length_m"].tolist() == [12.5]


def test_non_finite_number_in_a_geopackage_source_is_refused(tmp_path, inventory):
    source = tmp_path / "jembatan.gpkg"
    frame = gpd.GeoDataFrame(
        {"bridge_id": ["B1", "B2", "B3"], "length_m": [float("inf"), 30.5, float("-inf")]},
        geometry=[Point(123.6, -10.17)] * 3,
        crs=4326,
    )
    pyogrio.write_dataframe(frame, source, layer="jembatan")
    report = import_layer(inventory.path, "bridges", source)
    assert report.rows_refused == 2
    assert [p.row for p in report.problems] == [1, 3]
    assert all("is not a finite number" in str(p) for p in report.problems)
    assert inventory.read("bridges")["bridge_id"].tolist() == ["B2"]


# -- control characters -----------------------------------------------------------------------
def test_nul_and_escape_characters_are_removed_with_a_warning(tmp_path, inventory, caplog):
    data = b"id,owner,lat,lon\nP1,PL\x00N,-10.17,123.6\nP2,Tel\x1b[31mkom,-10.17,123.6\n"
    path = tmp_path / "ctl.csv"
    path.write_bytes(data)
    with caplog.at_level(logging.WARNING):
        report = import_layer(inventory.path, "poles", path)
    assert report.rows_written == 2
    owners = dict(zip(*[inventory.read("poles")[c] for c in ("pole_id", "owner")], strict=True))
    assert owners == {"P1": "PLN", "P2": "Tel[31mkom"}  # not cut at the NUL
    assert "field 'owner': control characters removed from 2 value(s) (rows 1, 2)" in caplog.text


# -- Z and M ----------------------------------------------------------------------------------
def test_point_zm_in_a_wkt_column_is_stored_2d_with_a_note(tmp_path, inventory, caplog):
    text = (
        'id,owner,wkt\nP1,PLN,"POINT ZM (123.6 -10.17 5 7)"\nP2,PLN,"POINT Z (123.61 -10.17 5)"\n'
    )
    with caplog.at_level(logging.WARNING):
        report = import_layer(inventory.path, "poles", write_csv(tmp_path / "zm.csv", text))
    assert report.rows_written == 2
    assert "2 geometries have Z or M values; dropped" in caplog.text
    info = pyogrio.read_info(inventory.path, layer="poles")
    assert info["geometry_type"] == "Point"
    stored = inventory.read("poles")
    assert not shapely.has_z(stored.geometry.values).any()
    assert not shapely.has_m(stored.geometry.values).any()


# -- encodings ----------------------------------------------------------------------------------
OWNER = "Perusahaan Café – “Jaya”"  # é, en dash and curly quotes: bytes cp1252 and UTF-8 differ


def cp1252_shapefile(folder: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {"owner": [OWNER], "pole_id": ["P1"]}, geometry=[Point(123.6, -10.17)], crs=4326
    )
    path = folder / "tiang.shp"
    frame.to_file(path, encoding="cp1252")
    path.with_suffix(".cpg").unlink(missing_ok=True)  # as many field files arrive
    return path


def cp1252_geojson(folder: Path) -> Path:
    path = folder / "tiang.geojson"
    path.write_bytes(
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            f'"properties": {{"pole_id": "P1", "owner": "{OWNER}"}}, '
            '"geometry": {"type": "Point", "coordinates": [123.6, -10.17]}}]}'
        ).encode("cp1252")
    )
    return path


@pytest.mark.parametrize("make", [cp1252_shapefile, cp1252_geojson])
def test_cp1252_vector_files_are_decoded_never_stored_broken(tmp_path, inventory, make, caplog):
    source = make(tmp_path)
    with caplog.at_level(logging.WARNING):
        report = import_layer(inventory.path, "poles", source)
    assert report.rows_written == 1 and report.encoding == "cp1252"
    assert "is not UTF-8; read as cp1252" in caplog.text
    con = sqlite3.connect(inventory.path)
    raw = con.execute("SELECT CAST(owner AS BLOB) FROM poles").fetchone()[0]
    con.close()
    assert raw.decode("utf-8") == OWNER  # valid UTF-8 in the file itself
    # every reader of the layer works afterwards
    out = tmp_path / "out"
    out.mkdir()
    for args in (
        ("report", inventory.path),
        ("export", inventory.path, "poles", "-o", out / "poles.geojson"),
        ("qa", inventory.path),
        ("map", inventory.path, "-o", out / "map.html"),
    ):
        result = geoasset(*args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    assert OWNER in geoasset("report", inventory.path).output
    exported = pyogrio.read_dataframe(out / "poles.geojson")
    assert exported["owner"].tolist() == [OWNER]


def test_encoding_option_decodes_or_refuses(tmp_path, inventory):
    source = cp1252_geojson(tmp_path)
    wrong = geoasset("import", inventory.path, "poles", source, "--encoding", "utf-8")
    assert wrong.exit_code == 1
    assert "is not valid utf-8 text" in wrong.output
    assert inventory.count("poles") == 0  # nothing stored
    unknown = geoasset("import", inventory.path, "poles", source, "--encoding", "klingon")
    assert unknown.exit_code == 2 and "'klingon' is not a known text encoding" in unknown.output
    right = geoasset("import", inventory.path, "poles", source, "--encoding", "cp1252")
    assert right.exit_code == 0, right.output
    assert "read as cp1252" not in right.output  # stated, not guessed
    assert inventory.read("poles")["owner"].tolist() == [OWNER]


# -- GPX coordinates ----------------------------------------------------------------------------
GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="-10.17" lon="123.6"><name>Tugu A</name></wpt>
  <wpt lat="abc" lon="123.6"><name>Tugu B</name></wpt>
  <wpt lat="-10,17" lon="123.6"><name>Tugu C</name></wpt>
  <wpt lon="123.6"><name>Tugu D</name></wpt>
  <wpt lat="-10.18" lon="123.61"><name>Tugu E</name></wpt>
  <rte><name>Jalan X</name><rtept lat="-10.1" lon="123.6"/><rtept lat="x" lon="123.7"/></rte>
</gpx>
"""


def test_gpx_coordinates_are_read_strictly_and_every_waypoint_counted(tmp_path, inventory):
    path = tmp_path / "tugu.gpx"
    path.write_text(GPX, encoding="utf-8")
    report = import_layer(inventory.path, "monuments", path, source_layer="waypoints")
    assert (report.rows_read, report.rows_written, report.rows_refused) == (5, 2, 3)
    assert [str(p) for p in report.problems] == [
        "row 2 field 'lat': lat 'abc' is not a number (GPX writes e.g. -10.1702)",
        "row 3 field 'lat': lat '-10,17' is not a number (GPX writes e.g. -10.1702)",
        "row 4 field 'lat': lat is missing",
    ]
    stored = inventory.read("monuments")
    assert sorted(stored["name"]) == ["Tugu A", "Tugu E"]
    assert stored.geometry.y.round(2).tolist() == [-10.17, -10.18]
    rejects = pd.read_csv(report.rejects_path, dtype=str)
    assert rejects["source_row"].tolist() == ["2", "3", "4"]

    roads = import_layer(inventory.path, "roads", path, source_layer="routes")
    assert (roads.rows_read, roads.rows_written, roads.rows_refused) == (1, 0, 1)
    assert str(roads.problems[0]) == (
        "row 1 field 'lat': rtept 2: lat 'x' is not a number (GPX writes e.g. -10.1702)"
    )


# -- writers ------------------------------------------------------------------------------------
def test_rejects_csv_is_formula_neutralised_and_reimports_as_written(tmp_path, inventory):
    text = "id,owner,height_m,lat,lon\nP1,=cmd|' /C calc'!A0,nine,-10.17,123.6\n"
    report = import_layer(inventory.path, "poles", write_csv(tmp_path / "f.csv", text))
    rejects = pd.read_csv(report.rejects_path, dtype=str, keep_default_na=False)
    assert rejects["owner"].tolist() == ["'=cmd|' /C calc'!A0"]
    assert rejects["lat"].tolist() == ["-10.17"]  # a number is not a formula
    fixed = rejects.assign(height_m="9")
    fixed.to_csv(tmp_path / "fixed.csv", index=False)
    again = import_layer(inventory.path, "poles", tmp_path / "fixed.csv", mode="append")
    assert again.rows_written == 1
    assert inventory.read("poles")["owner"].tolist() == ["=cmd|' /C calc'!A0"]


HOSTILE_OWNER = "\x1b]0;owned\x07\x1b[2JEvil\x01 Corp"


@pytest.fixture
def hostile_inventory(inventory):
    """Poles whose owner holds terminal escapes and a control character, stored as a
    GIS edit could leave them (not through geoasset's import)."""
    poles = gpd.GeoDataFrame(
        {"pole_id": ["P1", "P2"], "owner": [HOSTILE_OWNER, "PLN"], "kind": ["electric"] * 2},
        geometry=[Point(123.6, -10.17), Point(123.61, -10.17)],
        crs=4326,
    )
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    return inventory


def test_report_terminal_output_carries_no_escape_sequences(hostile_inventory):
    result = geoasset("report", hostile_inventory.path)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;owned\\x07\\x1b[2JEvil\\x01 Corp" in result.output


def test_report_xlsx_with_a_control_character_in_an_owner(hostile_inventory, tmp_path):
    path = tmp_path / "report.xlsx"
    result = geoasset("report", hostile_inventory.path, "-o", path)
    assert result.exit_code == 0, result.output
    values = [
        cell
        for sheet in load_workbook(path).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]
    assert "\x1b]0;owned\x07\x1b[2JEvil Corp" not in values
    assert any(v.startswith("]0;owned") or "Evil Corp" in v for v in values)
    assert not any(ch in v for v in values for ch in "\x00\x01\x07\x1b")


def test_kml_export_with_a_control_character_stays_readable(hostile_inventory, tmp_path):
    path = tmp_path / "poles.kml"
    result = geoasset("export", hostile_inventory.path, "poles", "-o", path)
    assert result.exit_code == 0, result.output
    owners = pyogrio.read_dataframe(path)["owner"].tolist()
    assert owners == ["]0;owned[2JEvil Corp", "PLN"]  # C0 controls: not XML


def test_html_map_escapes_text(tmp_path, inventory):
    poles = gpd.GeoDataFrame(
        {"pole_id": ["P1"], "owner": ["<script>alert('x')</script>"], "kind": ["electric"]},
        geometry=[Point(123.6, -10.17)],
        crs=4326,
    )
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    out = tmp_path / "map.html"
    result = geoasset("map", inventory.path, "-o", out)
    assert result.exit_code == 0, result.output
    assert "<script>alert('x')</script>" not in out.read_text(encoding="utf-8")


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>tugu</name>
<Placemark><name>A</name><Point><coordinates>123.6,-10.17</coordinates></Point></Placemark>
<Placemark><name>B</name><Point><coordinates>abc,-10.17</coordinates></Point></Placemark>
<Placemark><name>C</name><Point><coordinates>123.6;-10.17</coordinates></Point></Placemark>
<Placemark><name>D</name><Point><coordinates>123.61,-10.18,12</coordinates></Point></Placemark>
</Document></kml>
"""


def test_kml_coordinates_are_read_strictly(tmp_path, inventory):
    path = tmp_path / "tugu.kml"
    path.write_text(KML, encoding="utf-8")
    report = import_layer(inventory.path, "monuments", path)
    assert (report.rows_read, report.rows_written, report.rows_refused) == (4, 2, 2)
    assert [str(p) for p in report.problems] == [
        "row 2 field 'coordinates': 'abc,-10.17' is not lon,lat (KML writes e.g. 123.6,-10.17)",
        "row 3 field 'coordinates': '123.6;-10.17' is not lon,lat (KML writes e.g. 123.6,-10.17)",
    ]
    stored = inventory.read("monuments").sort_values("name")
    assert stored["name"].tolist() == ["A", "D"]
    assert stored.geometry.x.round(2).tolist() == [123.6, 123.61]  # never longitude 0
    assert not shapely.has_z(stored.geometry.values).any()


def test_assess_terminal_table_carries_no_escape_sequences():
    from geoasset.reports import format_summary
    from tests.test_assess import run

    corridors = corridors_frame()
    corridors["road_id"] = ["\x1b[2JR1", "\x1b[2JR1", "R2"]
    poles = poles_frame([{"pole_id": "P1", "owner": "PLN", "kind": "electric", "x": 100, "y": 0}])
    text = format_summary(run(poles, corridors=corridors))
    assert "\x1b" not in text
    assert "\\x1b[2JR1" in text


def test_assessment_xlsx_with_control_characters_in_owners(tmp_path):
    from geoasset.reports import write_xlsx
    from tests.test_assess import run

    poles = poles_frame(
        [
            {"pole_id": "P1", "owner": "PL\x01N", "kind": "electric", "x": 100, "y": 0},
            {"pole_id": "P2", "owner": "\x1bEvil\x00", "kind": "tower", "x": 200, "y": 0},
        ]
    )
    result = run(poles)
    assert result.items["owner"].tolist() == ["PLN"]  # billed under the clean name
    path = write_xlsx(result, tmp_path / "retribusi.xlsx")
    cells = [
        cell
        for sheet in load_workbook(path).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]
    assert "PLN" in cells and "Evil" in cells  # the refused row, listed as not billable
    assert not any(ch in c for c in cells for ch in "\x00\x01\x1b")


def test_valid_rows_keep_their_dates_when_other_rows_are_refused():
    from tests.test_assess import run

    poles = poles_frame(
        [
            {"pole_id": "P1", "owner": "PLN", "kind": "electric", "x": 100, "y": 0},
            {"pole_id": "P2", "owner": "PLN", "kind": "electric", "x": 200, "y": 0},
            {"pole_id": "P3", "owner": "", "kind": "electric", "x": 300, "y": 0},
        ]
    )
    poles["surveyed_on"] = ["2026-07-01", "", "2026-01-01"]
    result = run(poles)
    days = dict(zip(result.items["asset_id"], result.items["days"], strict=True))
    assert days == {"P1": 184, "P2": 365}  # 1 July to 31 December, both included
    assert result.not_billable.loc[
        result.not_billable["reason"] == "invalid_row", "asset_id"
    ].tolist() == ["P3"]


def test_nan_coordinates_are_refused_with_the_reason_also_with_fix(tmp_path, inventory):
    poles = "id,owner,lat,lon\nP1,PLN,nan,123.6\nP2,PLN,-10.1,123.6\n"
    report = import_layer(inventory.path, "poles", write_csv(tmp_path / "p.csv", poles))
    assert [str(p) for p in report.problems] == ["row 1 field 'lat': 'nan' is not a number"]
    shapes = (
        'id,name,wkt\nM1,a,"POLYGON ((123.6 -10.1, nan -10.1, 123.7 -10.2, 123.6 -10.1))"\n'
        'M2,b,"POLYGON ((123.6 -10.1, 123.7 -10.2, 123.7 -10.1, 123.6 -10.2, 123.6 -10.1))"\n'
    )
    source = write_csv(tmp_path / "m.csv", shapes)
    report = import_layer(inventory.path, "monuments", source, fix=True)
    assert [str(p) for p in report.problems] == [
        "row 1 field 'geometry': coordinates are not finite numbers"
    ]
    assert inventory.read("monuments")["name"].tolist() == ["b"]  # the bow tie, repaired


def test_append_to_an_inventory_whose_dates_are_text(tmp_path, inventory):
    """Inventories made before dates were DATE columns keep TEXT dates; appended rows
    match them."""
    old = gpd.GeoDataFrame(
        {"pole_id": ["P1"], "owner": ["PLN"], "surveyed_on": ["2026-08-17"]},
        geometry=[Point(123.6, -10.17)],
        crs=4326,
    )
    inventory.write({"poles": old}, batch=Batch(command="test"))
    assert column_type(inventory.path, "poles", "surveyed_on") == "TEXT"
    text = "id,owner,lat,lon,surveyed_on\nP2,PLN,-10.17,123.6,01/07/2026\nP3,PLN,-10.17,123.6,\n"
    report = import_layer(
        inventory.path, "poles", write_csv(tmp_path / "b.csv", text), mode="append"
    )
    assert report.rows_written == 2
    con = sqlite3.connect(inventory.path)
    rows = con.execute("SELECT pole_id, surveyed_on FROM poles ORDER BY pole_id").fetchall()
    con.close()
    assert rows == [("P1", "2026-08-17"), ("P2", "2026-07-01"), ("P3", None)]
    assert validate_inventory(inventory.path)["poles"] == []
