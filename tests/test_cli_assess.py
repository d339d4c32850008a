"""``geoasset assess``: a success path on a real inventory, and failures that write
nothing (bad tariff files, no corridors, ambiguous tariffs, bad options)."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from geoasset.cli.main import cli
from geoasset.store import Batch, open_inventory
from tests.test_assess import corridors_frame, lines_frame, poles_frame
from tests.test_tariffs import HEADER, MALFORMED

EXAMPLE = Path(__file__).resolve().parent.parent / "layers" / "tariffs_example.csv"

TARIFFS = "\n".join(
    [
        HEADER,
        "T-POLE,pole,,per_unit_year,480000,,,2026-01-01,2026-12-31,Perda contoh pasal 1",
        "T-POLE-EL,pole,electric,per_unit_year,720000,,,2026-01-01,2026-12-31,Perda contoh pasal 2",
        "T-FO,utility_line,fibre,per_m_year,25000,,,2026-01-01,2026-12-31,Perda contoh pasal 3",
    ]
)


@pytest.fixture
def world(tmp_path, inventory):
    """An inventory with poles, a cable and corridors, and a tariff file."""
    poles = poles_frame(
        [
            {"pole_id": f"P{i}", "owner": "PLN", "kind": "electric", "x": x, "y": 0}
            for i, x in enumerate((1100, 1200, 1300), start=1)
        ]
        + [
            {
                "pole_id": "J",
                "owner": "Telkom",
                "kind": "telecom",
                "permit_no": "IZ-9",
                "x": 500,
                "y": 0,
            },
            {"pole_id": "OUT", "owner": "PLN", "kind": "electric", "x": 100, "y": 80},
        ]
    )
    lines = lines_frame(
        [{"line_id": "C1", "owner": "Telkom", "kind": "fibre", "coords": [(1100, 4), (1350, 4)]}]
    )
    inventory.write(
        {"poles": poles, "utility_lines": lines, "corridors": corridors_frame()},
        batch=Batch(command="test"),
    )
    tariffs = tmp_path / "tariffs.csv"
    tariffs.write_text(TARIFFS + "\n", encoding="utf-8")
    return inventory.path, tariffs


def invoke(*args):
    return CliRunner().invoke(cli, ["assess", *map(str, args)])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_assess_writes_layers_reports_and_prints_the_table(tmp_path, world):
    gpkg, tariffs = world
    xlsx, folder = tmp_path / "retribusi.xlsx", tmp_path / "csv"
    result = invoke(gpkg, "--tariffs", tariffs, "--year", 2026, "-o", xlsx, "--csv", folder)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = {line.split()[0]: line for line in lines if line.startswith(("R1", "R2", "TOTAL"))}
    assert list(rows) == ["R1:0", "R1:1000", "R2", "TOTAL"]
    assert rows["R2"].split()[-2:] == ["0", "0"]
    # R1:1000: 3 x 720,000 + 250 m x 25,000; R1:0: the telecom pole in the junction.
    assert rows["R1:1000"].split()[-2] == "8,410,000"
    assert rows["R1:0"].split()[-2] == "480,000"
    assert rows["TOTAL"].split()[-2] == "8,890,000"
    assert "not billed: outside_right_of_way 1" in result.stdout
    assert "wrote" in result.stderr and "wrote" not in result.stdout
    assert xlsx.exists() and sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "line_items.csv",
            "totals_corridor.csv",
            "totals_owner.csv",
            "totals_road.csv",
            "totals_kabupaten.csv",
            "not_billable.csv",
            "tariffs_used.csv",
            "parameters.csv",
        ]
    )
    workbook = load_workbook(xlsx)
    total = [c.value for c in list(workbook["Corridors"].iter_rows())[-1]]
    assert total[0] == "TOTAL" and 8_890_000 in total
    inv = open_inventory(gpkg)
    assert inv.count("assessment_items") == 5
    history = inv.history()
    assert set(history.loc[history["command"] == "assess", "source"]) == {"tariffs.csv"}


def test_period_and_permits(tmp_path, world):
    gpkg, tariffs = world
    permits = tmp_path / "permits.csv"
    permits.write_text(
        "permit_no,owner,valid_from,valid_to,paid_until\nIZ-9,Telkom,2020-01-01,,2026-12-31\n",
        encoding="utf-8",
    )
    folder = tmp_path / "csv"
    result = invoke(
        gpkg,
        "--tariffs",
        tariffs,
        "--from",
        "2026-07-01",
        "--to",
        "2026-12-31",
        "--permits",
        permits,
        "--csv",
        folder,
    )
    assert result.exit_code == 0, result.output
    with open(folder / "line_items.csv", encoding="utf-8-sig", newline="") as handle:
        items = {r["asset_id"]: r for r in csv.DictReader(handle)}
    assert items["J"]["payment_status"] == "paid"
    assert items["P1"]["payment_status"] == "no_permit"
    assert items["J"]["days"] == "184" and items["J"]["amount_rp"] == str(round(480000 * 184 / 365))
    assert "retribution 2026-07-01 – 2026-12-31" in result.stdout


@pytest.mark.parametrize(
    "case", ["missing column", "unknown unit", "overlapping rows", "text in rate", "empty file"]
)
def test_malformed_tariff_file_fails_and_writes_nothing(tmp_path, world, case):
    gpkg, _ = world
    text, row, column, fragment = MALFORMED[case]
    bad = tmp_path / "bad_tariffs.csv"
    bad.write_text(text, encoding="utf-8")
    before = digest(gpkg)
    xlsx, folder = tmp_path / "report.xlsx", tmp_path / "csv"
    result = invoke(gpkg, "--tariffs", bad, "--year", 2026, "-o", xlsx, "--csv", folder)
    assert result.exit_code == 1, result.output
    assert "Error:" in result.stderr and "bad_tariffs.csv" in result.stderr
    assert fragment in result.stderr
    if row is not None:
        assert f"row {row} field '{column}'" in result.stderr
    elif column is not None:
        assert f"field '{column}'" in result.stderr and "header row" in result.stderr
    else:
        assert "row 1 should be the header (tariff_id, object, kind, unit, rate_rp" in result.stderr
    assert not xlsx.exists() and not folder.exists()
    assert digest(gpkg) == before
    assert result.stdout == ""


def test_ambiguous_tariffs_fail_naming_asset_and_rows(tmp_path, world):
    gpkg, _ = world
    tariffs = tmp_path / "ambiguous.csv"
    tariffs.write_text(
        "\n".join(
            [
                HEADER,
                "BY-KIND,pole,electric,per_unit_year,1,,,2026-01-01,2026-12-31,x",
                "BY-CLASS,pole,,per_unit_year,2,,raya,2026-01-01,2026-12-31,x",
            ]
        ),
        encoding="utf-8",
    )
    before = digest(gpkg)
    result = invoke(gpkg, "--tariffs", tariffs, "--year", 2026, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 1
    assert "poles asset 'P1'" in result.stderr
    assert "'BY-CLASS' (row 2) and 'BY-KIND' (row 1)" in result.stderr
    assert not (tmp_path / "r.xlsx").exists() and digest(gpkg) == before


def test_inventory_without_corridors(tmp_path, inventory):
    shutil.copy(EXAMPLE, tmp_path / "tariffs.csv")
    result = invoke(inventory.path, "--tariffs", tmp_path / "tariffs.csv", "--year", 2026)
    assert result.exit_code == 1
    assert "no corridors layer; run geoasset corridors first" in result.stderr


def test_refuses_to_overwrite_reports_without_overwrite(tmp_path, world):
    gpkg, tariffs = world
    xlsx = tmp_path / "report.xlsx"
    xlsx.write_bytes(b"keep me")
    result = invoke(gpkg, "--tariffs", tariffs, "--year", 2026, "-o", xlsx)
    assert result.exit_code == 1
    assert "already exists; use --overwrite" in result.stderr
    assert xlsx.read_bytes() == b"keep me"
    result = invoke(gpkg, "--tariffs", tariffs, "--year", 2026, "-o", xlsx, "--overwrite")
    assert result.exit_code == 0 and xlsx.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2026", "--from", "2026-01-01", "--to", "2026-02-01"], "not both"),
        ([], "give --year, or both --from and --to"),
        (["--from", "2026-01-01"], "give --year, or both --from and --to"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "is before --from"),
        (["--from", "tomorrow", "--to", "2026-01-01"], "'tomorrow' is not a date"),
        (["--year", "2026", "--crs", "EPSG:4326"], "geographic"),
        (["--year", "2026", "-o", "report.csv"], "must end in .xlsx"),
    ],
)
def test_bad_invocations_exit_2(tmp_path, inventory, args, message):
    tariffs = tmp_path / "tariffs.csv"
    tariffs.write_text(TARIFFS, encoding="utf-8")
    result = invoke(inventory.path, "--tariffs", tariffs, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_help_has_an_example():
    result = CliRunner().invoke(cli, ["assess", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "--tariffs" in result.output
