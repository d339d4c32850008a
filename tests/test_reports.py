"""Reports: formula neutralisation read back with openpyxl and the csv module, totals in
the workbook, all-or-nothing writes, the inventory layers and the terminal table."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from geoasset import reports
from geoasset.assessment import write_assessment
from geoasset.errors import InventoryError
from geoasset.reports import (
    CSV_FILES,
    format_summary,
    neutralise,
    write_csvs,
    write_reports,
    write_tables_xlsx,
    write_xlsx,
)
from geoasset.store import Inventory, open_inventory
from tests.test_assess import YEAR, lines_frame, poles_frame, run, tariff_rows

HOSTILE = {
    "=": "=cmd|' /C calc'!A0",
    "+": "+62 812 3456",
    "-": "-2+3",
    "@": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "space": "  =1+1",
}


@pytest.fixture
def hostile():
    """An assessment whose text fields come from hostile field data."""
    poles = poles_frame(
        [
            {
                "pole_id": HOSTILE["@"],
                "owner": HOSTILE["="],
                "kind": "electric",
                "permit_no": HOSTILE["-"],
                "x": 1100,
                "y": 0,
            },
            {"pole_id": "P2", "owner": HOSTILE["+"], "kind": "telecom", "x": 1200, "y": 0},
            {"pole_id": "P3", "owner": HOSTILE["space"], "kind": "telecom", "x": 100, "y": 0},
            {"pole_id": "OUT", "owner": HOSTILE["tab"], "x": 100, "y": 80},
        ]
    )
    lines = lines_frame(
        [
            {
                "line_id": "C1",
                "owner": HOSTILE["cr"],
                "kind": "fibre",
                "coords": [(900, 4), (1150, 4)],
            }
        ]
    )
    tariffs = tariff_rows(
        ("P", "pole", "", "per_unit_year", 480000, "", "", *YEAR),
        ("P-EL", "pole", "electric", "per_unit_year", 720000, "", "", *YEAR),
        ("L", "utility_line", "", "per_m_year", 25000, "", "", *YEAR),
        ("UNUSED", "utility_line", "gas_pipe", "per_m_year", 70000, "", "", *YEAR),
    )
    tariffs.loc[0, "legal_basis"] = '=WEBSERVICE("http://x")'
    return run(poles, lines, tariffs=tariffs)


def test_neutralise():
    for value in HOSTILE.values():
        assert neutralise(value) == "'" + value
    assert neutralise("PLN - Kupang") == "PLN - Kupang"
    assert neutralise(-5) == -5 and neutralise(2.5) == 2.5 and neutralise(None) is None


def all_cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_xlsx_neutralises_text_and_keeps_numbers(tmp_path, hostile):
    path = write_xlsx(hostile, tmp_path / "report.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        "Corridors",
        "Owners",
        "Roads",
        "Kabupaten",
        "Line items",
        "Not billable",
        "Tariffs used",
        "Parameters",
    ]
    cells = list(all_cells(workbook))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for raw in HOSTILE.values():
        assert raw not in texts
    assert "'" + HOSTILE["="] in texts and "'" + HOSTILE["@"] in texts
    # Leading whitespace of field values is trimmed by the assessment, then neutralised.
    assert "'=1+1" in texts
    assert '\'=WEBSERVICE("http://x")' in texts

    items = workbook["Line items"]
    header = [c.value for c in items[1]]
    rows = [[c.value for c in r] for r in items.iter_rows(min_row=2)]
    assert len(rows) == len(hostile.items)
    amounts = [r[header.index("amount_rp")] for r in rows]
    assert all(isinstance(a, int) for a in amounts)
    assert sum(amounts) == hostile.grand_total
    assert {"lon", "lat"} <= set(header)


def test_xlsx_totals_and_sheets_are_sums_of_line_items(tmp_path, hostile):
    workbook = load_workbook(write_xlsx(hostile, tmp_path / "report.xlsx"))
    for title in ("Corridors", "Owners", "Roads", "Kabupaten"):
        sheet = workbook[title]
        header = [c.value for c in sheet[1]]
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
        body, total = rows[:-1], rows[-1]
        column = header.index("amount_rp")
        assert total[0] == "TOTAL"
        assert total[column] == sum(r[column] for r in body) == hostile.grand_total
        assert sheet.cell(2, column + 1).number_format == "#,##0"
    tariffs = [r[0].value for r in workbook["Tariffs used"].iter_rows(min_row=2)]
    assert tariffs == ["P", "P-EL", "L"]  # UNUSED bills nothing
    parameters = {r[0].value: r[1].value for r in workbook["Parameters"].iter_rows(min_row=2)}
    assert parameters["period_from"] == "2026-01-01"
    assert parameters["day_count"].startswith("actual/actual")
    assert parameters["grand_total_rp"] == str(hostile.grand_total)
    not_billable = [[c.value for c in r] for r in workbook["Not billable"].iter_rows(min_row=2)]
    assert [r[0] for r in not_billable] == ["OUT"]
    indonesian = load_workbook(write_xlsx(hostile, tmp_path / "id.xlsx", lang="id"))
    assert indonesian.sheetnames[:2] == ["Koridor", "Pemilik"]


def test_csv_neutralises_text_and_keeps_numbers(tmp_path, hostile):
    files = write_csvs(hostile, tmp_path / "csv")
    assert [f.name for f in files] == list(CSV_FILES)
    with open(tmp_path / "csv" / "line_items.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(hostile.items)
    owners = {r["owner"] for r in rows}
    assert "'" + HOSTILE["="] in owners and "'=1+1" in owners
    assert not owners & set(HOSTILE.values())
    assert {r["asset_id"] for r in rows} >= {"'" + HOSTILE["@"]}
    assert sum(int(r["amount_rp"]) for r in rows) == hostile.grand_total
    assert all(r["wkt"].startswith(("POINT", "LINESTRING")) for r in rows)
    with open(tmp_path / "csv" / "not_billable.csv", encoding="utf-8-sig", newline="") as handle:
        outside = list(csv.DictReader(handle))
    assert outside[0]["owner"] == "'=1+1"
    assert float(outside[0]["distance_to_corridor_m"]) == pytest.approx(70.0, abs=0.01)
    with open(tmp_path / "csv" / "totals_owner.csv", encoding="utf-8-sig", newline="") as handle:
        owners = list(csv.DictReader(handle))
    assert sum(int(r["amount_rp"]) for r in owners) == hostile.grand_total


def test_generic_writers_neutralise_tab_and_carriage_return(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"text": list(HOSTILE.values()), "number": range(len(HOSTILE))})
    workbook = load_workbook(write_tables_xlsx({"t": frame}, tmp_path / "t.xlsx"))
    cells = [r[0] for r in workbook["t"].iter_rows(min_row=2)]

    # (depending on the XML writer, a carriage return may come back as a line feed)
    def unify(text):
        return text.replace("\r", "\n")

    assert [unify(c.value) for c in cells] == ["'" + unify(v) for v in HOSTILE.values()]
    assert {c.data_type for c in cells} == {"s"}
    reports.write_csv(frame, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE.values()]
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(len(HOSTILE))]


def test_reports_are_all_or_nothing(tmp_path, hostile):
    broken = Inventory(tmp_path / "no-such-inventory.gpkg")
    xlsx, folder = tmp_path / "report.xlsx", tmp_path / "out" / "csv"
    with pytest.raises(InventoryError):
        write_reports(hostile, inventory=broken, xlsx=xlsx, csv_dir=folder)
    assert not xlsx.exists() and not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_csv_failure_leaves_the_inventory_unchanged(tmp_path, hostile, inventory):
    """The CSVs are written while the layers are staged; the layers replace the stored
    ones only once every CSV is written."""
    (tmp_path / "taken").write_text("a file where the CSV folder should go")
    before = open_inventory(inventory.path).history()
    with pytest.raises(OSError):
        write_reports(
            hostile,
            inventory=inventory,
            xlsx=tmp_path / "report.xlsx",
            csv_dir=tmp_path / "taken" / "csv",
        )
    inv = open_inventory(inventory.path)
    assert len(inv.history()) == len(before)
    assert "assess" not in set(inv.history()["command"])
    assert inv.count("assessment_items") == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".gpkg") == ["taken"]


def test_reports_write_files_and_layers_in_one_batch(tmp_path, hostile, inventory):
    written = write_reports(
        hostile,
        inventory=inventory,
        xlsx=tmp_path / "report.xlsx",
        csv_dir=tmp_path / "csv",
        source="tariffs.csv",
    )
    assert [p.name for p in written] == ["report.xlsx", *CSV_FILES]
    assert all(p.exists() for p in written)
    assert not list(tmp_path.rglob("*.partial"))
    inv = open_inventory(inventory.path)
    history = inv.history()
    batch = history[history["command"] == "assess"]
    assert set(batch["layer"]) == {
        "assessment_items",
        "assessment_totals",
        "assessment_not_billable",
    }
    assert batch["batch_id"].nunique() == 1 and set(batch["source"]) == {"tariffs.csv"}
    items = inv.read("assessment_items")
    assert sorted(set(items.geom_type)) == ["LineString", "Point"]
    assert int(items["amount_rp"].sum()) == hostile.grand_total
    assert items["owner"].tolist() == hostile.items["owner"].tolist()
    totals = inv.read("assessment_totals")
    assert {"level", "key", "assets", "amount_rp"} <= set(totals.columns)
    assert totals.loc[totals["level"] == "total", "amount_rp"].item() == hostile.grand_total
    assert inv.read("assessment_not_billable")["asset_id"].tolist() == ["OUT"]
    # A second assessment replaces the first.
    write_assessment(inv, hostile)
    assert inv.count("assessment_items") == len(hostile.items)


def test_line_items_continue_on_further_sheets(tmp_path, hostile, monkeypatch):
    monkeypatch.setattr(reports, "XLSX_MAX_ROWS", 4)  # two rows per sheet
    workbook = load_workbook(write_xlsx(hostile, tmp_path / "report.xlsx"))
    parts = [n for n in workbook.sheetnames if n.startswith("Line items")]
    assert parts == ["Line items", "Line items (2)", "Line items (3)"]
    rows = sum(workbook[n].max_row - 1 for n in parts)
    assert rows == len(hostile.items)


def test_tables_workbook_sanitises_sheet_names(tmp_path):
    import pandas as pd

    path = write_tables_xlsx(
        {"roads/bridges": pd.DataFrame({"a": [1]}), "Roads_bridges": pd.DataFrame({"a": [2]})},
        tmp_path / "t.xlsx",
    )
    assert load_workbook(path).sheetnames == ["roads_bridges", "Roads_bridges (2)"]


def test_summary_table(hostile):
    text = format_summary(hostile)
    lines = text.splitlines()
    assert lines[0] == "retribution 2026-01-01 – 2026-12-31"
    assert lines[2].split() == [
        "corridor",
        "road",
        "STA",
        "poles",
        "line",
        "m",
        "amount",
        "(Rp)",
        "arrears",
        "(Rp)",
    ]
    body = [line for line in lines if line.startswith(("R1:", "R2", "TOTAL"))]
    assert [line.split()[0] for line in body] == ["R1:0", "R1:1000", "R2", "TOTAL"]
    assert f"{hostile.grand_total:,}" in body[-1]
    assert "not billed: outside_right_of_way 1" in text
    short = format_summary(hostile, limit=1)
    assert "... 2 more corridors" in short and f"{hostile.grand_total:,}" in short


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path, hostile):
    path = Path(tmp_path / "report.xlsx")
    path.write_bytes(b"old")
    with pytest.raises(ValueError, match="language"):
        write_xlsx(hostile, path, lang="fr")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def _csv_module_bytes(frame) -> bytes:
    """What Python's csv module writes for ``frame``: each cell as a plain Python value,
    missing as None, text neutralised (a second, per-cell computation)."""
    import io
    import math

    def plain(value):
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, pd.Timestamp):
            return value.date()
        return neutralise(value.item() if hasattr(value, "item") else value)

    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(frame.columns)
    for row in frame.astype(object).itertuples(index=False):
        writer.writerow([plain(v) for v in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def test_csv_bytes_equal_the_csv_module_for_hostile_and_odd_values(tmp_path):
    rng = np.random.default_rng(3)
    n = 4000
    floats = np.concatenate(
        [
            rng.uniform(-200, 200, n // 4),
            np.round(rng.uniform(0, 1e6, n // 4), 2),
            rng.standard_normal(n // 4) * 10.0 ** rng.integers(-8, 20, n // 4),
            np.tile([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-4, 9.99e-5, 1e16, 1e15, 3.0], n // 40),
        ]
    )
    texts = np.array(
        ["PLN", *HOSTILE.values(), "a,b", 'say "hi"', "line\nbreak", "", None, "＋62", "é 中"],
        dtype=object,
    )
    frame = pd.DataFrame(
        {
            "amount": floats,
            "count": rng.integers(-(10**12), 10**12, n),
            "maybe": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 99, n)), "Int64"),
            "flag": rng.random(n) < 0.5,
            "owner": pd.array(rng.choice(texts, n), dtype="str"),
            "unique": pd.array(
                [f"{t}-{i}" for i, t in enumerate(rng.choice(texts[:-3], n))], "str"
            ),
            "plain": pd.Series(rng.choice(texts[texts != None], n), dtype=object),  # noqa: E711
            "mixed": pd.Series(rng.choice(np.array([1, "x", None, 2.5, "=y"], object), n)),
            "day": pd.to_datetime(rng.choice(["2026-01-01", "2026-07-01", None], n)),
        }
    )
    # pandas may hold a text column in several Arrow chunks
    halves = [frame["owner"].iloc[: n // 2], frame["owner"].iloc[n // 2 :]]
    frame["chunked"] = pd.concat(halves, ignore_index=True)
    for columns in (list(frame.columns), ["owner"], ["amount"], ["chunked"]):
        part = frame[columns]
        reports.write_csv(part, tmp_path / "t.csv")
        assert (tmp_path / "t.csv").read_bytes() == _csv_module_bytes(part), columns
    reports.write_csv(frame.iloc[:0], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_bytes() == _csv_module_bytes(frame.iloc[:0])


def test_csv_files_of_an_assessment_equal_the_csv_module(tmp_path, hostile):
    files = write_csvs(hostile, tmp_path / "csv")
    tables = reports._tables(hostile, wkt=True)
    for path in files:
        expected = _csv_module_bytes(tables[path.stem])
        assert path.read_bytes() == expected, path.name
