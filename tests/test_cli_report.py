"""``geoasset report`` and the inventory report tables, checked against hand-made data."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from shapely import LineString, Point

from geoasset.cli.main import cli
from geoasset.store import Batch
from geoasset.summary import REPORT_TABLES, inventory_report

UTM = 32751


def utm(frame: dict, geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=UTM).to_crs(4326)


@pytest.fixture
def filled(inventory):
    roads = utm(
        {
            "road_id": ["A", "B", "C"],
            "status": ["provinsi", "provinsi", "kota"],
            "function": ["arteri", "kolektor", "lokal"],
            "network": ["primer", "primer", "sekunder"],
            "condition": ["baik", "rusak_berat", None],
        },
        [
            LineString([(570000, 8875000), (573000, 8875000)]),  # 3 km
            LineString([(570000, 8876000), (570000, 8877500)]),  # 1.5 km
            LineString([(571000, 8878000), (571500, 8878000)]),  # 0.5 km
        ],
    )
    bridges = utm(
        {
            "bridge_id": ["B1", "B2", "B3", "B4"],
            "name": ["Kapsali", "Termanu", "Nunpisa", "Liliba"],
            "length_m": [100.0, 100.0, 30.0, 42.0],
            "condition_nk": [3, 4, 3, 1],
        },
        [Point(570500 + 100 * i, 8875000) for i in range(4)],
    )
    monuments = utm(
        {
            "monument_id": ["M1", "M2"],
            "status": ["stalled", "stalled"],
            "estimated_cost_rp": [17_000_000_000, 850_000_000],
        },
        [Point(570000, 8874000), Point(570100, 8874000)],
    )
    poles = utm(
        {
            "pole_id": ["P1", "P2", "P3"],
            "owner": ["PLN", "PLN", "=cmd|'/C calc'!A0"],
            "kind": ["electric"] * 3,
        },
        [Point(570000 + 50 * i, 8875005) for i in range(3)],
    )
    inventory.write(
        {"roads": roads, "bridges": bridges, "monuments": monuments, "poles": poles},
        batch=Batch(command="test"),
    )
    return inventory


def test_tables_match_hand_computed_figures(filled):
    frames = {layer: filled.read(layer) for layer in ("roads", "bridges", "monuments", "poles")}
    tables = inventory_report(frames)
    by_status = tables["roads_by_status"].set_index("status")
    assert by_status.loc["provinsi", "length_km"] == pytest.approx(4.5, abs=0.002)
    assert by_status.loc["kota", "length_km"] == pytest.approx(0.5, abs=0.002)
    assert tables["roads_by_condition"].set_index("condition").loc["(not recorded)", "links"] == 1
    # worst condition first, then the longest
    assert list(tables["bridge_priority"]["name"]) == ["Termanu", "Kapsali", "Nunpisa", "Liliba"]
    stalled = tables["monuments_by_status"].set_index("status").loc["stalled"]
    assert stalled["estimated_cost_rp"] == 17_850_000_000
    assert tables["poles_by_owner"]["poles"].sum() == 3


def test_report_json_and_indonesian_headings(filled):
    runner = CliRunner()
    result = runner.invoke(cli, ["report", str(filled.path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) <= set(REPORT_TABLES)
    assert data["bridge_priority"][0]["bridge_id"] == "B2"
    text = runner.invoke(cli, ["report", str(filled.path), "--lang", "id"]).output
    assert "Prioritas jembatan" in text and "Panjang (km)" in text


def test_report_xlsx_neutralises_formulas_and_refuses_to_clobber(filled, tmp_path):
    out = tmp_path / "report.xlsx"
    runner = CliRunner()
    assert runner.invoke(cli, ["report", str(filled.path), "-o", str(out)]).exit_code == 0
    sheet = load_workbook(out)["poles_by_owner"]
    owners = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "'=cmd|'/C calc'!A0" in owners
    again = runner.invoke(cli, ["report", str(filled.path), "-o", str(out)])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_report_on_a_missing_or_empty_inventory(inventory, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["report", str(tmp_path / "nope.gpkg")]).exit_code == 2
    result = runner.invoke(cli, ["report", str(inventory.path)])
    assert result.exit_code == 0
    assert "the inventory is empty" in result.output
