"""The jobs: each stage opens the inventory, computes, and writes under one overwrite rule."""

from __future__ import annotations

from pathlib import Path

import pyproj
import pytest
from click.testing import CliRunner
from conftest import make_poles, make_roads

from geoasset import jobs
from geoasset.cli.main import cli, cli_message
from geoasset.errors import GeoassetError, OutputExistsError
from geoasset.reports import CSV_FILES
from geoasset.store import Batch

TARIFFS = Path(__file__).parent.parent / "layers" / "tariffs_example.csv"


@pytest.fixture
def stocked(inventory):
    """One 2.2 km jalan raya (25 m Rumija) with five PLN poles 10 m apart on it."""
    inventory.write({"roads": make_roads(), "poles": make_poles()}, batch=Batch(command="test"))
    return inventory


def test_the_stages_write_their_layers_and_history(stocked, tmp_path):
    corridors = jobs.build_corridors(stocked)
    assert corridors["corridor_id"].tolist() == ["R1"]
    assert corridors["width_m"].tolist() == [25.0]
    located = jobs.locate_assets(stocked)
    # the poles stand on the centreline: their chainage is their distance on the ellipsoid
    # from the road's first vertex (0.00009° of longitude is 9.85 m at 10° S)
    geod = pyproj.Geod(ellps="WGS84")
    start = make_roads().geometry[0].coords[0]
    distances = [geod.inv(*start, p.x, p.y)[2] for p in make_poles().geometry]
    assert located["poles"]["sta_m"].to_numpy() == pytest.approx(distances, abs=0.05)
    assert located["poles"]["sta"].tolist() == [f"STA 0+{round(d):03d}" for d in distances]
    assert stocked.read("poles")["sta"].tolist() == located["poles"]["sta"].tolist()
    quality = jobs.check_quality(stocked)
    assert stocked.count("qa_findings") == len(quality.findings)
    job = jobs.assess(
        stocked, tariffs=TARIFFS, year=2026, xlsx=tmp_path / "r.xlsx", csv_dir=tmp_path / "csv"
    )
    items = stocked.read("assessment_items")
    # P0 stands on the road's first vertex, on the flat end of its corridor: not billed
    assert items["asset_id"].tolist() == ["P1", "P2", "P3", "P4"]
    assert stocked.read("assessment_not_billable")["asset_id"].tolist() == ["P0"]
    assert int(items["amount_rp"].sum()) == job.assessment.grand_total > 0
    assert (tmp_path / "r.xlsx").is_file()
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(CSV_FILES)
    history = stocked.history()
    commands = history.drop_duplicates("batch_id")["command"].tolist()
    assert commands[-4:] == ["corridors", "chainage", "qa", "assess"]
    assert set(history.loc[history["command"] == "assess", "source"]) == {TARIFFS.name}


def test_an_existing_output_is_refused_before_any_work(stocked, tmp_path):
    jobs.build_corridors(stocked)
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"earlier")
    with pytest.raises(OutputExistsError, match="r.xlsx already exists; use overwrite"):
        jobs.assess(stocked, tariffs=TARIFFS, year=2026, xlsx=report)
    assert not stocked.has_layer("assessment_items") or not stocked.count("assessment_items")
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "parameters.csv").write_text("earlier", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="parameters.csv already exists"):
        jobs.assess(stocked, tariffs=TARIFFS, year=2026, csv_dir=folder)
    assert report.read_bytes() == b"earlier"
    jobs.assess(stocked, tariffs=TARIFFS, year=2026, xlsx=report, overwrite=True)
    assert report.read_bytes()[:2] == b"PK"  # replaced by a workbook
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "inventory.gpkg", "r.xlsx"]


def test_a_missing_folder_is_refused(stocked, tmp_path):
    with pytest.raises(GeoassetError, match=r"x\.xlsx: no such folder"):
        jobs.write_inventory_report(stocked, tmp_path / "no" / "x.xlsx")
    with pytest.raises(GeoassetError, match=r"m\.html: no such folder"):
        jobs.write_field_map(stocked, tmp_path / "no" / "m.html")


def test_a_stage_before_its_input_says_what_is_missing(inventory, tmp_path):
    with pytest.raises(GeoassetError, match="layer 'roads' is empty; import roads first$"):
        jobs.locate_assets(inventory)
    inventory.write({"roads": make_roads()}, batch=Batch(command="test"))
    with pytest.raises(GeoassetError, match="has no corridors layer; build the corridors first"):
        jobs.assess(inventory, tariffs=TARIFFS, year=2026)


def test_the_command_names_the_option_where_the_library_names_the_argument(inventory):
    assert cli_message(OutputExistsError("out/a.xlsx", " (2 report(s) of an earlier run)")) == (
        "out/a.xlsx already exists (2 report(s) of an earlier run); use --overwrite to replace it"
    )
    result = CliRunner().invoke(cli, ["chainage", str(inventory.path)])
    assert result.exit_code == 1
    assert "import roads first (e.g. geoasset import INVENTORY roads roads.geojson)" in (
        result.output
    )


def test_qgis_project_goes_beside_the_inventory_by_default(stocked):
    styled, project = jobs.write_qgis_project(stocked)
    assert project == stocked.path.with_suffix(".qgs") and project.is_file()
    assert "roads" in styled and "poles" in styled
    with pytest.raises(OutputExistsError):
        jobs.write_qgis_project(stocked)
