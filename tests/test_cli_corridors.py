"""`geoasset corridors` and `geoasset chainage`: success and failure paths, exit codes."""

from __future__ import annotations

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely import LineString, Point, Polygon

from geoasset.cli.main import cli
from geoasset.store import Batch

X0, Y0 = 560_000.0, 8_870_000.0


def at(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def to_wgs84(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=32751,
    ).to_crs(4326)


def add_roads(inventory):
    roads = to_wgs84(
        [
            {
                "road_id": "R1",
                "name": "Jl. El Tari",
                "road_class": "raya",
                "kabupaten": "Kota Kupang",
                "geometry": LineString([at(0, 0), at(2500, 0)]),
            },
            {
                "road_id": "R2",
                "name": "Jl. Kecil",
                "road_class": "kecil",
                "geometry": LineString([at(1000, 0), at(1000, 400)]),
            },
        ]
    )
    inventory.write({"roads": roads}, batch=Batch(command="test"))


def test_corridors_writes_the_layer_and_prints_a_table(inventory):
    add_roads(inventory)
    result = run("corridors", inventory.path)
    assert result.exit_code == 0, result.output
    assert "2 corridors, 6.68 ha, computed in EPSG:32751" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["corridor_id", "road_id", "width_m", "area_m2"]
    assert lines[1].split() == ["R1", "R1", "25.00", "62500.00"]
    assert lines[2].split() == ["R2", "R2", "11.00", f"{11 * (400 - 12.5):.2f}"]
    stored = inventory.read("corridors")
    assert stored["corridor_id"].tolist() == ["R1", "R2"]
    assert (
        stored.loc[0, "kabupaten"] == "Kota Kupang" and stored.loc[0, "road_name"] == "Jl. El Tari"
    )
    assert stored["area_m2"].sum() == pytest.approx(62500 + 4262.5, abs=0.01)
    assert inventory.history()["command"].iloc[-1] == "corridors"


def test_corridors_says_which_road_took_the_land_of_a_landless_road(inventory):
    add_roads(inventory)
    spur = to_wgs84(
        [
            {
                "road_id": "SPUR",
                "road_class": "kecil",
                "geometry": LineString([at(500, 3), at(540, 3)]),
            }
        ]
    )
    inventory.write({"roads": spur}, batch=Batch(command="test"), mode="append")
    result = run("corridors", inventory.path)
    assert result.exit_code == 0, result.output
    assert (
        "1 road(s) without a corridor:\n  SPUR: its right-of-way lies wholly in the land of R1, "
        "which is wider (25 m against 11 m)\n" in result.stderr
    )
    assert inventory.read("corridors")["road_id"].tolist() == ["R1", "R2"]


def test_corridors_split_every_and_widths(inventory, tmp_path):
    add_roads(inventory)
    widths = tmp_path / "widths.csv"
    widths.write_text("road_class,width_m\nraya,30\n")
    result = run("corridors", inventory.path, "--split-every", 1000, "--widths", widths)
    assert result.exit_code == 0, result.output
    stored = inventory.read("corridors")
    assert stored["corridor_id"].tolist() == ["R1:0", "R1:1000", "R1:2000", "R2:0"]
    assert stored["sta"].tolist()[:3] == [
        "STA 0+000 – 1+000",
        "STA 1+000 – 2+000",
        "STA 2+000 – 2+500",
    ]
    assert stored["area_m2"].tolist()[:3] == pytest.approx([30000, 30000, 15000], abs=0.01)
    assert stored["width_source"].tolist() == ["widths_file"] * 3 + ["class"]
    # Running again replaces the layer.
    assert run("corridors", inventory.path).exit_code == 0
    assert inventory.count("corridors") == 2


def test_corridors_failures(inventory, tmp_path):
    result = run("corridors", inventory.path)
    assert result.exit_code == 1
    assert "layer 'roads' is empty; import roads first" in result.output
    add_roads(inventory)
    result = run("corridors", inventory.path, "--crs", "EPSG:4326")
    assert result.exit_code == 1
    assert "corridors refused: EPSG:4326 (WGS 84) is geographic" in result.output
    for bad in ("0", "-5", "nan"):
        result = run("corridors", inventory.path, "--split-every", bad)
        assert result.exit_code == 2, bad
        assert "Invalid value for '--split-every'" in result.output
    assert run("corridors", inventory.path, "--crs", "EPSG:99999999").exit_code == 2
    widths = tmp_path / "widths.csv"
    widths.write_text("road_class,width_m\nraya,lebar\n")
    result = run("corridors", inventory.path, "--widths", widths)
    assert result.exit_code == 1
    assert (
        "widths.csv row 1 field 'width_m': width must be a number of metres > 0, got 'lebar'"
        in result.output
    )
    assert "Traceback" not in result.output
    assert not inventory.has_layer("corridors") or inventory.count("corridors") == 0


def test_chainage_fills_the_asset_layers(inventory):
    add_roads(inventory)
    poles = to_wgs84(
        [
            {"pole_id": "P1", "owner": "PLN", "geometry": Point(at(300, 8))},
            {"pole_id": "P2", "owner": "PLN", "geometry": Point(at(1005, 200))},
            {"pole_id": "P3", "owner": "PLN", "geometry": Point(at(300, 900))},
        ]
    )
    bridges = to_wgs84([{"bridge_id": "B1", "name": "Kali", "geometry": Point(at(1800, -3))}])
    monuments = to_wgs84(
        [
            {
                "monument_id": "M1",
                "geometry": Polygon([at(50, 20), at(60, 20), at(60, 30), at(50, 30)]),
            }
        ]
    )
    cables = to_wgs84(
        [{"line_id": "C1", "owner": "Telkom", "geometry": LineString([at(100, -8), at(900, -8)])}]
    )
    inventory.write(
        {"poles": poles, "bridges": bridges, "monuments": monuments, "utility_lines": cables},
        batch=Batch(command="test"),
    )
    assert run("corridors", inventory.path).exit_code == 0
    result = run("chainage", inventory.path)
    assert result.exit_code == 0, result.output
    table = [line.split() for line in result.stdout.splitlines()]
    assert table[0] == ["layer", "located", "not_located"]
    assert ["poles", "2", "1"] in table and ["utility_lines", "1", "0"] in table
    got = inventory.read("poles").set_index("pole_id")
    assert got.loc["P1", ["road_id", "sta", "side"]].tolist() == ["R1", "STA 0+300", "left"]
    assert got.loc["P1", "offset_m"] == pytest.approx(8, abs=1e-6)
    assert got.loc["P2", ["road_id", "sta", "side"]].tolist() == ["R2", "STA 0+200", "right"]
    assert got["road_id"].isna().sum() == 1
    assert inventory.read("bridges").loc[0, "sta"] == "STA 1+800"
    assert inventory.read("utility_lines").loc[0, "sta"] == "STA 0+100 – 0+900"
    assert inventory.read("monuments").loc[0, "side"] == "left"
    batches = inventory.history()
    last = batches[batches["command"] == "chainage"]
    assert set(last["layer"]) == {"poles", "bridges", "monuments", "utility_lines"}
    assert last["batch_id"].nunique() == 1  # one atomic write


def test_chainage_failures(inventory):
    result = run("chainage", inventory.path)
    assert result.exit_code == 1
    assert "layer 'roads' is empty" in result.output
    add_roads(inventory)
    assert run("chainage", inventory.path, "--tolerance", "-1").exit_code == 2
    result = run("chainage", inventory.path, "--crs", "4326")
    assert result.exit_code == 1
    assert "chainage refused" in result.output
    result = run("chainage", inventory.path)  # empty asset layers: nothing to locate
    assert result.exit_code == 0, result.output
    assert ["poles", "0", "0"] in [line.split() for line in result.stdout.splitlines()]
