"""The main job end to end on the bundled Kupang reference data, and its failure paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from geoasset.cli.main import cli
from geoasset.errors import SourceError
from geoasset.pipeline import find_sources
from geoasset.store import open_inventory

LAYERS = Path(__file__).parent.parent / "layers"
KUPANG = LAYERS / "kupang"
TARIFFS = LAYERS / "tariffs_example.csv"


@pytest.fixture
def kupang_run(kupang_session):
    """The session's run of the bundled Kupang data (see conftest.py)."""
    return kupang_session


def test_every_layer_file_is_found():
    assert sorted(find_sources(KUPANG)) == sorted(
        ["roads", "bridges", "monuments", "poles", "utility_lines", "parcels"]
    )


@pytest.mark.slow
def test_run_builds_the_inventory_and_every_output(kupang_run):
    inv = open_inventory(kupang_run.inventory)
    for layer in ("corridors", "qa_findings", "assessment_items", "assessment_totals"):
        assert inv.has_layer(layer), layer
    # The poles file carries 7 deliberate errors; both rows of the duplicate id are refused.
    assert kupang_run.imported["poles"] == 445
    assert kupang_run.refused["poles"] == 8
    assert inv.count("poles") == 445
    for name, path in kupang_run.outputs.items():
        assert Path(path).exists(), name


@pytest.mark.slow
def test_total_is_the_sum_of_stored_line_items(kupang_run):
    inv = open_inventory(kupang_run.inventory)
    items = inv.read("assessment_items")
    assert kupang_run.total_rp == int(items["amount_rp"].sum()) > 0
    assert kupang_run.billable_assets == items["asset_id"].nunique()
    workbook = load_workbook(kupang_run.outputs["revenue report"], read_only=True)
    assert len(workbook.sheetnames) >= 5


@pytest.mark.slow
def test_every_located_pole_has_a_chainage(kupang_run):
    poles = open_inventory(kupang_run.inventory).read("poles")
    located = poles[poles["road_id"].notna()]
    assert len(located) == kupang_run.located["poles"] > 0
    assert located["sta"].str.match(r"^STA \d+\+\d{3}$").all()
    assert set(located["side"]) <= {"left", "right", "on"}


@pytest.mark.slow
def test_summary_lines_name_every_output(kupang_run):
    text = "\n".join(kupang_run.lines())
    assert f"Rp {kupang_run.total_rp:,} per year" in text
    for path in kupang_run.outputs.values():
        assert str(path) in text


@pytest.mark.slow
def test_run_command_success_and_failures(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["-q", "run", str(KUPANG), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "inventory" in result.stdout
    # the same output folder again is refused without --overwrite
    again = runner.invoke(cli, ["-q", "run", str(KUPANG), "-o", str(tmp_path / "out")])
    assert again.exit_code == 1
    assert "already exists" in again.output
    # no such folder: a usage error
    assert (
        runner.invoke(cli, ["run", str(tmp_path / "nope"), "-o", str(tmp_path / "x")]).exit_code
        == 2
    )
    # a folder without roads
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(cli, ["run", str(empty), "-o", str(tmp_path / "y")])
    assert result.exit_code == 1
    assert "no roads file" in result.output


@pytest.mark.slow
def test_bad_tariffs_stop_the_run_before_anything_is_written(tmp_path):
    bad = tmp_path / "tariffs.csv"
    bad.write_text("tariff_id,object,unit,rate_rp\nT1,pole,per_unit_year,lots\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["run", str(KUPANG), "-o", str(out), "--tariffs", str(bad), "--year", "2026"]
    )
    assert result.exit_code == 1
    assert "tariffs.csv" in result.output
    assert not (out / "inventory.gpkg").exists()


def test_find_sources_explains_a_folder_without_roads(tmp_path):
    (tmp_path / "poles.csv").write_text("lat,lon\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no roads file.*poles.csv"):
        find_sources(tmp_path)
