"""Edits made with GDAL between two geoasset commands are recorded as their own batch."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from geoasset.cli.main import cli
from geoasset.history_outside import OUTSIDE_COMMAND
from geoasset.history_read import asset_history, read_as_of
from geoasset.store import Batch
from tests.conftest import make_poles

OGRINFO = shutil.which("ogrinfo")
OGR2OGR = shutil.which("ogr2ogr")


def gdal_sql(path, sql: str) -> None:
    """Run SQL on the GeoPackage with GDAL's ogrinfo, as a GIS officer would."""
    assert OGRINFO, "GDAL's ogrinfo is needed for this test"
    done = subprocess.run([OGRINFO, str(path), "-sql", sql], capture_output=True, text=True)
    assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr


@pytest.fixture
def stored(inventory):
    inventory.write({"poles": make_poles(5)}, batch=Batch(command="import"))
    return inventory


def test_gdal_edits_become_an_outside_batch_and_a_new_pole_gets_an_id(stored):
    inv = stored
    gdal_sql(inv.path, "UPDATE poles SET owner = 'Telkom' WHERE pole_id = 'P2'")
    gdal_sql(inv.path, "DELETE FROM poles WHERE pole_id = 'P4'")
    gdal_sql(
        inv.path,
        "INSERT INTO poles (owner, height_m, geom) SELECT 'XL', 11, geom FROM poles "
        "WHERE pole_id = 'P1'",
    )
    result = CliRunner().invoke(cli, ["history", str(inv.path), "P2"])
    assert result.exit_code == 0, result.output
    assert OUTSIDE_COMMAND in result.stdout
    history = inv.history()
    outside = history[history["command"] == OUTSIDE_COMMAND]
    assert outside[["layer", "rows_added", "rows_replaced"]].values.tolist() == [["poles", 1, 2]]
    poles = inv.read("poles")
    assert poles["pole_id"].notna().all()
    assert "POLE-000001" in set(poles["pole_id"])
    versions = asset_history(inv, "P2")
    assert versions["change"].tolist() == ["added", "closed", "changed"]
    assert versions["owner"].tolist() == ["PLN", "PLN", "Telkom"]
    assert asset_history(inv, "P4")["change"].tolist() == ["added", "removed"]
    assert asset_history(inv, "POLE-000001")["command"].tolist() == [OUTSIDE_COMMAND]
    # the old owner is still known as recorded before the edit
    first = inv.history()["time_utc"].iloc[0]
    held = read_as_of(inv, "poles", first, recorded=True).set_index("pole_id")
    assert held.loc["P2", "owner"] == "PLN" and "P4" in held.index


def test_no_edit_no_batch_and_geoasset_writes_are_not_outside_edits(stored):
    inv = stored
    with inv.transaction():
        pass
    poles = inv.read("poles")
    inv.write({"poles": poles}, batch=Batch(command="rewrite"))
    with inv.transaction():
        pass
    assert OUTSIDE_COMMAND not in set(inv.history()["command"])
    assert asset_history(inv, "P1")["change"].tolist() == ["added"]


def test_a_layer_replaced_by_ogr2ogr_is_compared_row_by_row(stored, tmp_path):
    inv = stored
    assert OGR2OGR, "GDAL's ogr2ogr is needed for this test"
    copy = tmp_path / "edited.gpkg"
    done = subprocess.run(
        [OGR2OGR, "-f", "GPKG", str(copy), str(inv.path), "poles", "-sql",
         "SELECT pole_id, owner, height_m, geom FROM poles WHERE pole_id <> 'P4' "
         "UNION ALL SELECT 'P9', 'XL', 12, geom FROM poles WHERE pole_id = 'P3'", "-nln", "poles"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [OGR2OGR, "-update", "-overwrite", str(inv.path), str(copy), "poles", "-nln", "poles"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    with inv.transaction():
        pass
    assert asset_history(inv, "P9")["change"].tolist() == ["added"]
    assert asset_history(inv, "P4")["change"].tolist() == ["added", "removed"]
    assert asset_history(inv, "P1")["change"].tolist() == ["added"]
