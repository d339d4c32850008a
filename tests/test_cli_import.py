"""`geoasset import` and `geoasset validate`: every bad input, its exit code and message.

Each failure test checks the exit code, that the message names the file, row and field,
and that the inventory is unchanged (a digest of its tables read with sqlite3, not GDAL)
or holds exactly the valid rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely import Point, Polygon

from geoasset.cli.main import cli
from geoasset.store import Batch
from tests.test_ingest import HOSTILE, NOTE, field_poles, write_csv


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def state(path) -> dict[str, tuple[str, int]]:
    """Digest and row count of every table of a GeoPackage, read with sqlite3."""
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name")
        ]
        out = {}
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            out[table] = (hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows))
        return out
    finally:
        con.close()


@pytest.fixture
def filled(inventory, tmp_path):
    """An inventory whose poles layer already holds the four field poles."""
    path = write_csv(field_poles(hostile=False), tmp_path / "first.csv")
    result = run("import", inventory.path, "poles", path)
    assert result.exit_code == 0, result.output
    return inventory


def test_import_csv_success(tmp_path, inventory):
    path = write_csv(field_poles(), tmp_path / "tiang.csv")
    result = run("import", inventory.path, "poles", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "tiang.csv -> poles: 6 rows read, 6 written, 0 refused" in result.stderr
    stored = inventory.read("poles", engine="fiona")
    assert sorted(stored["owner"]) == sorted(["PLN", "Telkom", *HOSTILE])
    assert set(stored["catatan"]) == {NOTE}


def test_import_with_map_xy_and_custom_rejects(tmp_path, inventory):
    path = tmp_path / "odd.csv"
    path.write_text(
        "Nomor,Perusahaan PLN/Telkom,GPS_E,GPS_S\nA1,PLN,123.6,-10.17\nA2,,123.6,-10.17\n"
    )
    rejects = tmp_path / "refused.csv"
    result = run(
        "import",
        inventory.path,
        "poles",
        path,
        "--map",
        "Nomor=pole_id",
        "--map",
        "Perusahaan PLN/Telkom=owner",
        "--x",
        "GPS_E",
        "--y",
        "GPS_S",
        "--rejects",
        rejects,
    )
    assert result.exit_code == 0, result.output
    assert "odd.csv row 2 field 'owner': required value is empty" in result.stderr
    assert f"refused rows written to {rejects}" in result.stderr
    assert pd.read_csv(rejects)["Nomor"].tolist() == ["A2"]
    assert inventory.read("poles")["pole_id"].tolist() == ["A1"]


# -- bad invocations: exit 2, nothing touched -------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--crs", "EPSG:0"], "Invalid value for '--crs': unknown CRS 'EPSG:0'"),
        (["--map", "owner"], "Invalid value for '--map': 'owner': expected SOURCE_COLUMN=FIELD"),
        (["--map", "=owner"], "Invalid value for '--map': '=owner'"),
        (["--map", "pemilik=colour"], "Invalid value for '--map': 'pemilik=colour': layer"),
        (["--append", "--overwrite"], "--append and --overwrite cannot be used together"),
    ],
)
def test_bad_options_exit_2(tmp_path, inventory, extra, message):
    path = write_csv(field_poles(), tmp_path / "p.csv")
    before = state(inventory.path)
    result = run("import", inventory.path, "poles", path, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert state(inventory.path) == before


def test_unknown_layer_and_wrong_paths_exit_2(tmp_path, inventory):
    path = write_csv(field_poles(), tmp_path / "p.csv")
    before = state(inventory.path)
    result = run("import", inventory.path, "polez", path)
    assert result.exit_code == 2
    assert "Invalid value for 'LAYER': 'polez' is not one of 'roads'" in result.stderr
    result = run("import", inventory.path, "poles", tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert "nope.csv' does not exist" in result.stderr
    result = run("import", tmp_path / "none.gpkg", "poles", path)
    assert result.exit_code == 2
    assert "none.gpkg' does not exist" in result.stderr
    assert state(inventory.path) == before


# -- files that cannot be read: exit 1, nothing touched ---------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.csv: file is empty (0 bytes)"),
        (b"pole_id,owner,lat,lon\n", "empty.csv: no data rows (only a header line)"),
        (
            b"pole_id,owner,koordinat\nP1,PLN,-10.17 123.6\n",
            "no coordinate columns: looked for latitude in lat, latitude, lintang, y",
        ),
        (b"pole_id,lat,lon\nP1,-10.17,123.6\n", "no column for required field(s) owner"),
    ],
)
def test_unreadable_source_exit_1(tmp_path, filled, content, message):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    before = state(filled.path)
    result = run("import", filled.path, "poles", path, "--append")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert state(filled.path) == before
    assert not (tmp_path / "empty.poles.rejects.csv").exists()


def test_missing_columns_name_what_was_looked_for_and_found(tmp_path, inventory):
    path = tmp_path / "p.csv"
    path.write_text("pole_id,owner,koordinat\nP1,PLN,x\n")
    result = run("import", inventory.path, "poles", path)
    assert result.exit_code == 1
    assert "columns found: pole_id, owner, koordinat" in result.stderr
    assert "longitude in lon, lng, long, longitude, bujur, x" in result.stderr
    assert "name them with --x and --y" in result.stderr


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (b"pole_id,owner,lat\nP1,PLN,3\n", [], "no longitude column: looked for lon"),
        (b"pole_id,lat,lon\nP1,-10.17,123.6\n", [], "map one with --map COLUMN=owner"),
        (b"pole_id,owner,b,c\nP1,PLN,3,4\n", ["--x", "lon"], "column 'lon' (--x) not found"),
        (b"a,lat,lon\nP1,-10.17,123.6\n", ["--map", "b=owner"], "column 'b' (--map) not found"),
    ],
)
def test_errors_name_the_option_to_use(tmp_path, inventory, content, options, message):
    """The library names its arguments (x=, mapping=); the command names its options."""
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    result = run("import", inventory.path, "poles", path, *options)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "=)" not in result.stderr and "mapping=" not in result.stderr


def test_log_lines_name_the_option_to_use(tmp_path, inventory, caplog):
    frame = gpd.GeoDataFrame(
        {"pole_id": ["P1"], "owner": ["PLN"]}, geometry=[Point(123.6, -10.17)], crs=4326
    )
    path = tmp_path / "tiang.shp"
    pyogrio.write_dataframe(frame, path)
    path.with_suffix(".prj").unlink()
    with caplog.at_level(logging.WARNING, logger="geoasset"):
        result = run("import", inventory.path, "poles", path)
    assert result.exit_code == 0, result.output
    assert "assuming EPSG:4326 (give --crs otherwise)" in caplog.text


def test_non_empty_layer_is_refused_without_append_or_overwrite(tmp_path, filled):
    path = tmp_path / "second.csv"
    path.write_text("pole_id,owner,lat,lon\nN1,PLN,-10.17,123.6\nN2,,-10.17,123.6\n")
    before = state(filled.path)
    result = run("import", filled.path, "poles", path)
    assert result.exit_code == 1
    assert f"Error: {filled.path}: layer 'poles' already has 4 rows" in result.stderr
    assert state(filled.path) == before
    assert not (filled.path.parent / "second.poles.rejects.csv").exists()
    result = run("import", filled.path, "poles", path, "--append")
    assert result.exit_code == 0
    assert filled.count("poles") == 5
    result = run("import", filled.path, "poles", path, "--overwrite")
    assert result.exit_code == 0
    assert filled.read("poles")["pole_id"].tolist() == ["N1"]


# -- bad rows: valid rows written, the others explained ----------------------------------

GOOD = "G1,PLN,-10.17,123.6\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("B1,PLN,123.6,-10.17", "bad.csv row 2 field 'lat': latitude 123.6 is outside ±90"),
        ("B1,PLN,-10.17,190", "bad.csv row 2 field 'lon': longitude 190 is outside ±180"),
        ("B1,PLN,-91,123.6", "bad.csv row 2 field 'lat': latitude -91 is outside ±90"),
        ("B1,PLN,10°61'S,123.6", "bad.csv row 2 field 'lat': \"10°61'S\": minutes 61"),
        ("B1,PLN,-10.17,10 10 10 S", "row 2 field 'lon': '10 10 10 S' is a latitude"),
        ("G1,PLN,-10.18,123.6", "bad.csv row 2 field 'pole_id': duplicate id 'G1'"),
        ("B1,,-10.17,123.6", "bad.csv row 2 field 'owner': required value is empty"),
    ],
)
def test_bad_rows_are_refused_and_explained(tmp_path, inventory, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(f"pole_id,owner,lat,lon\n{GOOD}{row}\n", encoding="utf-8")
    result = run("import", inventory.path, "poles", path)
    rejects = tmp_path / "bad.poles.rejects.csv"
    if "duplicate" in message:  # both copies refused: nothing left to import
        assert result.exit_code == 1
        assert "nothing imported: all 2 rows were refused" in result.stderr
        assert inventory.count("poles") == 0
    else:
        assert result.exit_code == 0, result.output
        assert inventory.read("poles")["pole_id"].tolist() == ["G1"]
    assert message in result.stderr
    assert f"refused rows written to {rejects}" in result.stderr
    assert "source_row" in rejects.read_text(encoding="utf-8-sig")


def test_swapped_columns_are_named(tmp_path, inventory):
    path = tmp_path / "swap.csv"
    path.write_text("pole_id,owner,lat,lon\nS1,PLN,123.6,-10.17\nS2,PLN,123.7,-10.18\n")
    result = run("import", inventory.path, "poles", path)
    assert result.exit_code == 1
    assert "swap.csv row 1 field 'lat': latitude 123.6 is outside ±90 while longitude" in (
        result.stderr
    )
    assert "columns 'lat' and 'lon' look swapped" in result.stderr
    assert inventory.count("poles") == 0


def test_duplicate_ids_against_the_inventory(tmp_path, filled):
    path = tmp_path / "again.csv"
    path.write_text("pole_id,owner,lat,lon\nT-001,PLN,-10.17,123.6\nNEW,PLN,-10.17,123.6\n")
    result = run("import", filled.path, "poles", path, "--append")
    assert result.exit_code == 0
    assert "again.csv row 1 field 'pole_id': id 'T-001' is already in the inventory" in (
        result.stderr
    )
    stored = filled.read("poles")["pole_id"].tolist()
    assert sorted(stored) == ["NEW", "T-001", "T-002", "T-003", "T-004"]


def test_broken_geometry_refused_then_fixed(tmp_path, inventory):
    bowtie = Polygon([(123.6, -10.17), (123.61, -10.18), (123.61, -10.17), (123.6, -10.18)])
    frame = gpd.GeoDataFrame(
        {"monument_id": ["M1", "M2"], "name": ["Tugu", "Rusak"]},
        geometry=[Point(123.6, -10.17), bowtie],
        crs=4326,
    )
    path = tmp_path / "tugu.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    result = run("import", inventory.path, "monuments", path)
    assert result.exit_code == 0
    assert "tugu.geojson row 2 field 'geometry': invalid geometry (Self-intersection" in (
        result.stderr
    )
    assert "use --fix to repair it" in result.stderr
    assert inventory.read("monuments")["monument_id"].tolist() == ["M1"]
    result = run("import", inventory.path, "monuments", path, "--overwrite", "--fix")
    assert result.exit_code == 0
    assert inventory.read("monuments")["monument_id"].tolist() == ["M1", "M2"]


def test_unparsable_wkt_is_refused(tmp_path, inventory):
    path = tmp_path / "kabel.csv"
    path.write_text(
        'line_id,owner,wkt\nK1,PLN,"LINESTRING (123.6 -10.17, 123.7 -10.17)"\nK2,PLN,LINE\n'
    )
    result = run("import", inventory.path, "utility_lines", path)
    assert result.exit_code == 0
    assert "kabel.csv row 2 field 'wkt': 'LINE' is not valid WKT" in result.stderr
    assert inventory.read("utility_lines")["line_id"].tolist() == ["K1"]


def test_strict_refuses_the_whole_batch(tmp_path, inventory):
    path = tmp_path / "p.csv"
    path.write_text(f"pole_id,owner,lat,lon\n{GOOD}B1,,-10.17,123.6\n")
    before = state(inventory.path)
    result = run("import", inventory.path, "poles", path, "--strict")
    assert result.exit_code == 1
    assert "Error: 1 problem(s) in p.csv:" in result.stderr
    assert "p.csv row 2 field 'owner': required value is empty" in result.stderr
    assert state(inventory.path) == before
    assert not (tmp_path / "p.poles.rejects.csv").exists()


def test_cp1252_csv_imports_with_a_warning(tmp_path, inventory, caplog):
    path = tmp_path / "excel.csv"
    write_csv(field_poles(hostile=False), path, encoding="cp1252")
    with caplog.at_level(logging.WARNING, logger="geoasset"):
        result = run("import", inventory.path, "poles", path)
    assert result.exit_code == 0, result.output
    # the log goes to stderr (pytest's log capture takes it here)
    assert "excel.csv: not UTF-8" in caplog.text and "read as cp1252" in caplog.text
    assert set(inventory.read("poles", engine="fiona")["catatan"]) == {NOTE}


def test_hostile_strings_are_stored_verbatim(tmp_path, inventory):
    table = pd.DataFrame(
        {
            "pole_id": ["H1", "H2", "H3", "H4"],
            "owner": HOSTILE,
            "lat": [-10.17] * 4,
            "lon": [123.6] * 4,
            "note": list(reversed(HOSTILE)),
        }
    )
    path = tmp_path / "hostile.csv"
    table.to_csv(path, index=False)
    result = run("import", inventory.path, "poles", path)
    assert result.exit_code == 0, result.output
    for engine in ("pyogrio", "fiona"):
        stored = inventory.read("poles", engine=engine).sort_values("pole_id")
        assert stored["owner"].tolist() == HOSTILE
        assert stored["note"].tolist() == list(reversed(HOSTILE))


# -- validate --------------------------------------------------------------------------


def test_validate_clean_inventory(filled):
    result = run("validate", filled.path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 problem(s)" in result.stderr


def test_validate_reports_every_stored_problem(inventory):
    poles = gpd.GeoDataFrame(
        {"pole_id": ["P1", "P2", "P2"], "owner": ["PLN", None, "PLN"], "kind": ["x", None, None]},
        geometry=[Point(123.6, -10.17)] * 3,
        crs=4326,
    )
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    monuments = gpd.GeoDataFrame({"monument_id": ["M1"]}, geometry=[bowtie], crs=4326)
    inventory.write({"poles": poles, "monuments": monuments}, batch=Batch(command="test"))
    result = run("validate", inventory.path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "layer 'poles' row 2 field 'owner': required value is empty" in lines
    assert "layer 'poles' row 1 field 'kind': 'x' is not one of electric, telecom, " in (
        result.stdout
    )
    assert "layer 'poles' row 3 field 'pole_id': duplicate id 'P2' (2 rows: 2, 3)" in lines
    assert any(
        line.startswith("layer 'monuments' row 1 field 'geometry': invalid geometry")
        for line in lines
    )
    data = json.loads(run("validate", inventory.path, "--json").stdout)
    assert {"layer": "poles", "row": 2, "field": "owner", "message": "required value is empty"} in (
        data["problems"]
    )


def test_validate_refuses_a_file_that_is_not_an_inventory(tmp_path):
    other = tmp_path / "other.gpkg"
    pyogrio.write_dataframe(field_poles(), other, layer="x")
    result = run("validate", other)
    assert result.exit_code == 1
    assert "not a geoasset inventory" in result.stderr


def test_osm_roads_appended_twice_keep_their_ids_and_refuse_the_repeats(tmp_path, inventory):
    from shapely import LineString

    ways = gpd.GeoDataFrame(
        {
            "osm_id": [501, 502, 503],
            "highway": ["secondary", "steps", "residential"],
            "name": ["Jl. Kenari", None, "Gang Mawar"],
        },
        geometry=[
            LineString([(106.80, -6.20), (106.81, -6.20)]),
            LineString([(106.80, -6.21), (106.8005, -6.2101)]),
            LineString([(106.81, -6.20), (106.81, -6.21)]),
        ],
        crs=4326,
    )
    path = tmp_path / "osm.geojson"
    pyogrio.write_dataframe(ways, path)
    before = state(inventory.path)
    first = run("import", inventory.path, "roads", path)
    assert first.exit_code == 0, first.output
    assert "3 rows read, 2 written, 1 refused" in first.stderr
    assert "highway from column 'highway', classes from the built-in mapping, " in first.stderr
    assert "ids from 'osm_id'" in first.stderr
    roads = inventory.read("roads").sort_values("road_id")
    assert roads[["road_id", "road_class", "function"]].values.tolist() == [
        ["OSM-501", "sedang", "kolektor"],
        ["OSM-503", "kecil", "lingkungan"],
    ]
    stored = state(inventory.path)
    assert stored != before
    again = run("import", inventory.path, "roads", path, "--append")
    assert again.exit_code == 1
    assert "row 1 field 'road_id': " in again.stderr and "OSM-501" in again.stderr
    assert "nothing imported: all 3 rows were refused" in again.stderr
    assert state(inventory.path) == stored
