"""Area objects (kiosks, cabinets, billboard footings): imported from a file, billed per m²."""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from geoasset.cli.main import cli
from geoasset.store import open_inventory

LAYERS = Path(__file__).parent.parent / "layers"
AREAS = LAYERS / "areas_example.geojson"
TARIFFS = LAYERS / "tariffs_example.csv"


@pytest.fixture(scope="module")
def assessed_with_areas(kupang_session, tmp_path_factory):
    folder = tmp_path_factory.mktemp("areas")
    inventory = folder / "inventory.gpkg"
    shutil.copy(kupang_session.inventory, inventory)
    runner = CliRunner()
    done = runner.invoke(cli, ["import", str(inventory), "areas", str(AREAS)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(
        cli, ["assess", str(inventory), "--tariffs", str(TARIFFS), "--year", "2026"]
    )
    assert done.exit_code == 0, done.output
    return inventory


def test_area_imported_from_a_file_is_billed_per_m2(assessed_with_areas):
    items = pd.DataFrame(open_inventory(assessed_with_areas).read("assessment_items"))
    billed = items[items["layer"] == "areas"].set_index("asset_id")
    assert sorted(billed.index) == ["AREA-0001", "AREA-0002", "AREA-0003", "AREA-0004"]
    assert set(billed["unit"]) == {"per_m2_year"}
    # Independently: the polygon's area in UTM 51S, rounded to 0.01 m², × Rp 280,000 per
    # m² per year × days / 365 (AREA-0004 was installed on 1 February 2026: 334 days).
    metric = gpd.read_file(AREAS).to_crs(32751).set_index("area_id")
    for area_id, row in billed.iterrows():
        m2 = Decimal(metric.area[area_id]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        days = 334 if area_id == "AREA-0004" else 365
        expected = (m2 * 280_000 * days / 365).quantize(Decimal(1), ROUND_HALF_UP)
        assert row["quantity"] == pytest.approx(float(m2))
        assert int(row["days"]) == days
        assert int(row["amount_rp"]) == int(expected)


def test_area_appears_on_its_owners_statement(assessed_with_areas, tmp_path):
    from tests.test_statements import OWNERS, pdf_text

    done = CliRunner().invoke(
        cli,
        [
            "statements",
            str(assessed_with_areas),
            "--year",
            "2026",
            "-o",
            str(tmp_path),
            "--owners",
            str(OWNERS),
            "--issued-on",
            "2026-03-02",
        ],
    )
    assert done.exit_code == 0, done.output
    pln = next(tmp_path.glob("*PT-PLN-Persero*.pdf"))
    assert "AREA-0001" in pdf_text(pln)
    kiosk = next(tmp_path.glob("*Koperasi-Kios-Oesapa*.pdf"))
    assert "AREA-0002" in pdf_text(kiosk)
