"""Permits and payments inside the inventory: paid periods, arrears across years, the
warning list of assets without a permit, the late-payment sanction."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from geoasset.cli.main import cli
from geoasset.errors import SchemaError
from geoasset.ledger import months_late, sanction, settle
from geoasset.payments import parse_payment_table
from geoasset.permits import parse_permit_table
from geoasset.store import open_inventory
from tests.test_statements import OWNERS, pdf_text

LAYERS = Path(__file__).parent.parent / "layers"
PERMITS = LAYERS / "permits_example.csv"
PAYMENTS = LAYERS / "payments_example.csv"
TARIFFS = LAYERS / "tariffs_example.csv"
NAMES_AS_WRITTEN = "Nama dalam inventaris"
PLN_PERMIT = "IPBJ/PUPR-NTT/2021/007"  # paid 1 January – 30 June 2026 in the example


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# -- one line item, by hand --------------------------------------------------------------
def one_item(**changes):
    item = {
        "asset_id": "P1",
        "owner": "PLN",
        "corridor_id": "R1",
        "permit_no": "IZ-1",
        "quantity": 1.0,
        "unit": "per_unit_year",
        "rate_rp": 720000.0,
        "billed_from": "2026-01-01",
        "billed_to": "2026-12-31",
        "days": 365,
        "amount_rp": 720000,
    }
    item.update(changes)
    return pd.DataFrame([item])


PERMIT = pd.DataFrame(
    {
        "permit_no": ["IZ-1"],
        "owner": ["pln"],
        "assets": [""],
        "corridor_id": [""],
        "valid_from": ["2020-01-01"],
        "valid_to": [""],
    }
)


def paid(*periods):
    return pd.DataFrame(
        {
            "permit_no": ["IZ-1"] * len(periods),
            "period_from": [p[0] for p in periods],
            "period_to": [p[1] for p in periods],
        }
    )


def test_paid_to_30_june_leaves_184_of_365_days_unpaid():
    out = settle(one_item(), PERMIT, paid(("2026-01-01", "2026-06-30"))).iloc[0]
    assert (out["paid_days"], out["unpaid_days"]) == (181, 184)
    assert out["unpaid_rp"] == half_up(Decimal(720000) * 184 / 365) == 362959
    assert out["paid_rp"] + out["unpaid_rp"] == 720000
    assert out["payment_status"] == "partly_paid"


@pytest.mark.parametrize(
    "periods, status, unpaid",
    [
        ([("2026-01-01", "2026-12-31")], "paid", 0),
        ([("2025-01-01", "2026-12-31")], "paid", 0),
        ([], "unpaid", 720000),
        # two receipts that touch: one paid period, not two
        ([("2026-01-01", "2026-03-31"), ("2026-04-01", "2026-06-30")], "partly_paid", 362959),
        # overlapping receipts are not counted twice: 1 January – 31 July is 212 days
        (
            [("2026-01-01", "2026-06-30"), ("2026-06-01", "2026-07-31")],
            "partly_paid",
            half_up(Decimal(720000) * 153 / 365),
        ),
    ],
)
def test_paid_periods_are_a_union_of_days(periods, status, unpaid):
    out = settle(one_item(), PERMIT, paid(*periods) if periods else None).iloc[0]
    assert out["payment_status"] == status and out["unpaid_rp"] == unpaid


def test_a_daily_rate_and_an_area_are_settled_by_days_and_quantity():
    daily = settle(
        one_item(unit="per_unit_day", rate_rp=2000.0, amount_rp=730000),
        PERMIT,
        paid(("2026-01-01", "2026-06-30")),
    ).iloc[0]
    assert daily["unpaid_rp"] == 2000 * 184
    area = settle(
        one_item(unit="per_m2_year", rate_rp=280000.0, quantity=4.68, amount_rp=1310400),
        PERMIT,
        paid(("2026-01-01", "2026-06-30")),
    ).iloc[0]
    assert area["unpaid_rp"] == half_up(Decimal("280000") * Decimal("4.68") * 184 / 365)


@pytest.mark.parametrize(
    "changes, permit_changes",
    [
        ({"permit_no": ""}, {}),  # no number on the asset, no list, no corridor
        ({"permit_no": "IZ-9"}, {}),  # a number not in the table
        ({}, {"owner": "Telkom"}),  # someone else's permit
        ({}, {"valid_to": "2025-12-31"}),  # expired before the year
    ],
)
def test_without_a_fitting_permit_the_asset_is_on_the_warning_list(changes, permit_changes):
    permits = PERMIT.assign(**permit_changes)
    out = settle(one_item(**changes), permits, paid(("2026-01-01", "2026-12-31"))).iloc[0]
    assert out["payment_status"] == "no_permit"
    assert out["unpaid_rp"] == 720000 and out["permit_no"] == ""


def test_permit_by_asset_list_or_by_corridor():
    listed = PERMIT.assign(permit_no="IZ-L", assets="P0; P1")
    out = settle(one_item(permit_no=""), listed, None).iloc[0]
    assert out["permit_no"] == "IZ-L"
    corridor = PERMIT.assign(permit_no="IZ-C", corridor_id="R1")
    out = settle(one_item(permit_no=""), corridor, None).iloc[0]
    assert out["permit_no"] == "IZ-C"


def test_sanction_is_a_parameter_capped_in_months():
    assert months_late(date(2026, 4, 1), date(2026, 4, 1)) == 0
    assert months_late(date(2026, 4, 1), date(2026, 4, 2)) == 1
    assert months_late(date(2025, 4, 1), date(2027, 4, 1)) == 24
    assert sanction(1_234_567, 3, percent_per_month=0, max_months=24) == 0
    assert sanction(1_234_567, 3, percent_per_month=2, max_months=24) == half_up(
        Decimal(1_234_567) * Decimal("0.06")
    )
    assert sanction(1_000_000, 40, percent_per_month=2, max_months=24) == 480_000


# -- tables ------------------------------------------------------------------------------
def test_permit_and_payment_problems_are_collected_with_row_and_field():
    permits = pd.DataFrame(
        {
            "permit_no": ["A", "A", ""],
            "owner": ["PLN", "", "X"],
            "valid_from": ["2026-01-01", "2026-02-30", "2026-01-01"],
            "valid_to": ["2025-01-01", "", ""],
        }
    )
    with pytest.raises(SchemaError) as caught:
        parse_permit_table(permits, source="permits.csv")
    text = str(caught.value)
    for expected in (
        "row 1 field 'valid_to': 2025-01-01 is before valid_from 2026-01-01",
        "row 2 field 'owner': is blank",
        "row 2 field 'valid_from': '2026-02-30' is not a date",
        "row 2 field 'permit_no': duplicate permit_no 'A' (first at row 1)",
        "row 3 field 'permit_no': is blank",
    ):
        assert expected in text
    payments = pd.DataFrame(
        {
            "permit_no": ["A", "B"],
            "paid_on": ["2026-01-05", "2026-01-05"],
            "period_from": ["2026-01-01", "2026-01-01"],
            "period_to": ["2026-06-30", "2026-06-30"],
            "amount_rp": ["1.250.000", "12,5"],
        }
    )
    with pytest.raises(SchemaError) as caught:
        parse_payment_table(payments, permits=["A"], source="payments.csv")
    text = str(caught.value)
    assert "row 2 field 'permit_no': 'B' is not in the inventory's permits" in text
    assert "row 2 field 'amount_rp': '12,5' is not a whole amount of rupiah" in text
    assert "row 1" not in text


# -- the Kupang inventory, through the CLI -----------------------------------------------
@pytest.fixture(scope="module")
def kupang_bills(kupang_session, tmp_path_factory):
    """The Kupang inventory with the example permits and payments, statements for 2026."""
    folder = tmp_path_factory.mktemp("bills")
    inventory = folder / "inventory.gpkg"
    shutil.copy(kupang_session.inventory, inventory)
    assert invoke("permits", inventory, PERMITS).exit_code == 0
    done = invoke("payments", inventory, PAYMENTS)
    assert done.exit_code == 0, done.output
    # assessed again with the permits and payments in the inventory: settled as billed
    done = invoke(
        "assess", inventory, "--tariffs", TARIFFS, "--year", 2026, "-o", folder / "r.xlsx"
    )
    assert done.exit_code == 0, done.output
    out = folder / "skrd"
    done = invoke(
        "statements",
        inventory,
        "--year",
        2026,
        "-o",
        out,
        "--owners",
        OWNERS,
        "--issued-on",
        "2026-03-02",
    )
    assert done.exit_code == 0, done.output
    return inventory, out, done.output


def test_kupang_permit_paid_to_30_june(kupang_bills):
    inventory, out, _ = kupang_bills
    items = pd.DataFrame(open_inventory(inventory).read("statement_ledger"))
    pln = items[items["permit_no"] == PLN_PERMIT]
    assert len(pln) > 100
    # Independently: the PLN assets of that permit billed all year owe 184/365 of it.
    book = load_workbook(next(out.glob("*PT-PLN*.xlsx")))
    rows = list(book["Rincian"].iter_rows(values_only=True))
    head, body = rows[0], rows[1:-1]
    col = {name: head.index(name) for name in head}
    checked = 0
    for row in body:
        if row[col["No. izin"]] != PLN_PERMIT or row[col["Hari"]] != 365:
            continue
        rate = Decimal(str(row[col["Tarif (Rp)"]])) * Decimal(str(row[col["Volume"]]))
        assert row[col["Belum dibayar (Rp)"]] == half_up(rate * 184 / 365)
        assert row[col["Dibayar (Rp)"]] + row[col["Belum dibayar (Rp)"]] == row[col["Jumlah (Rp)"]]
        checked += 1
    assert checked > 100


def test_kupang_assessment_paid_and_unpaid_are_the_statements_to_the_rupiah(kupang_bills):
    inventory, out, _ = kupang_bills
    book = load_workbook(inventory.parent / "r.xlsx")
    rows = list(book["Owners"].iter_rows(values_only=True))
    head, body = rows[0], [r for r in rows[1:] if r[0] not in (None, "TOTAL")]
    col = {name: head.index(name) for name in head}
    workbook = {r[col["owner"]]: r for r in body}
    # The statements' index: each statement's totals and its owner names as written.
    index = list(
        load_workbook(out / "statements_index.xlsx")["Daftar SKRD"].iter_rows(values_only=True)
    )
    ihead, ibody = index[0], index[1:-1]
    icol = {name: ihead.index(name) for name in ihead}
    compared = 0
    for row in ibody:
        own = [workbook[name] for name in row[icol[NAMES_AS_WRITTEN]].split("; ")]
        for header, column in (
            ("Dibayar (Rp)", "paid_rp"),
            ("Belum dibayar (Rp)", "unpaid_rp"),
            ("Tanpa izin (Rp)", "no_permit_rp"),
            ("Jumlah ketetapan (Rp)", "amount_rp"),
        ):
            assert sum(r[col[column]] for r in own) == row[icol[header]], (row, header)
        compared += 1
    assert compared >= 5
    # Line by line, the stored assessment is what the statements settled (ledger).
    items = pd.DataFrame(open_inventory(inventory).read("assessment_items"))
    ledger = pd.DataFrame(open_inventory(inventory).read("statement_ledger"))
    key = ["asset_id", "layer", "corridor_id", "billed_from"]
    both = items.merge(ledger, on=key, suffixes=("", "_ledger"), validate="one_to_one")
    assert len(both) == len(items) == len(ledger)
    for column in ("payment_status", "paid_rp", "unpaid_rp", "permit_no"):
        assert (both[column].astype(str) == both[f"{column}_ledger"].astype(str)).all(), column


def test_kupang_assessment_paid_to_30_june_is_184_of_365_unpaid(kupang_bills):
    inventory, _, _ = kupang_bills
    items = pd.DataFrame(open_inventory(inventory).read("assessment_items"))
    pln = items[(items["permit_no"] == PLN_PERMIT) & (items["days"] == 365)]
    assert len(pln) > 100
    assert set(pln["payment_status"]) == {"partly_paid"}
    for rate, quantity, amount, paid_rp, unpaid_rp in zip(
        pln["rate_rp"],
        pln["quantity"],
        pln["amount_rp"],
        pln["paid_rp"],
        pln["unpaid_rp"],
        strict=True,
    ):
        exact = Decimal(str(rate)) * Decimal(str(quantity))
        assert unpaid_rp == half_up(exact * 184 / 365)
        assert paid_rp + unpaid_rp == amount
    # Telkom paid all of 2026 for its permit 2022/019: those items are paid in full.
    telkom = items[items["permit_no"] == "IPBJ/PUPR-NTT/2022/019"]
    assert len(telkom) and set(telkom["payment_status"]) == {"paid"}
    assert (telkom["unpaid_rp"] == 0).all()


def test_kupang_assets_without_permit_on_the_warning_list(kupang_bills):
    inventory, out, output = kupang_bills
    with open(out / "assets_without_permit.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {row["Aset"] for row in rows}
    assert "LINE-000024" in ids  # Moratel's fibre: no permit number in the survey
    assert "LINE-000012" not in ids  # PLN, permit 503/IPJ/PUPR-KPG/2022/118
    items = pd.DataFrame(open_inventory(inventory).read("assessment_items"))
    no_number = items[items["permit_no"].fillna("").astype(str).str.strip() == ""]
    assert set(no_number["asset_id"]) <= ids
    index = load_workbook(out / "statements_index.xlsx")
    assert index.sheetnames == ["Daftar SKRD", "Tanpa izin"]
    sheet = list(index["Tanpa izin"].iter_rows(values_only=True))
    assert len(sheet) - 2 == len(rows)  # header and total row
    assert f"{len(rows)} — " in output


def test_kupang_statements_still_sum_to_the_assessment(kupang_bills):
    inventory, out, _ = kupang_bills
    items = pd.DataFrame(open_inventory(inventory).read("assessment_items"))
    index = list(
        load_workbook(out / "statements_index.xlsx")["Daftar SKRD"].iter_rows(values_only=True)
    )
    head, body = index[0], index[1:-1]
    total = head.index("Jumlah ketetapan (Rp)")
    assert sum(r[total] for r in body) == int(items["amount_rp"].sum())
    paid_col, unpaid, np_col = (
        head.index(h) for h in ("Dibayar (Rp)", "Belum dibayar (Rp)", "Tanpa izin (Rp)")
    )
    for r in body:
        assert r[paid_col] + r[unpaid] + r[np_col] == r[total]


def write_2025_tariffs(path: Path) -> Path:
    text = TARIFFS.read_text(encoding="utf-8").replace("2026-", "2025-")
    path.write_text(text, encoding="utf-8")
    return path


def test_arrears_from_2025_appear_separately_on_2026_statement(kupang_session, tmp_path):
    inventory = tmp_path / "inventory.gpkg"
    shutil.copy(kupang_session.inventory, inventory)
    tariffs_2025 = write_2025_tariffs(tmp_path / "tariffs_2025.csv")
    settings = tmp_path / "settings.toml"
    settings.write_text(
        (LAYERS / "statements_example.toml")
        .read_text(encoding="utf-8")
        .replace("percent_per_month = 0", "percent_per_month = 2"),
        encoding="utf-8",
    )
    assert invoke("permits", inventory, PERMITS).exit_code == 0
    # 2025: Telkom pays the year for its permit 2022/019; PLN pays nothing.
    receipts = tmp_path / "paid_2025.csv"
    receipts.write_text(
        "payment_id,permit_no,paid_on,period_from,period_to,amount_rp\n"
        "KW-2025-1,IPBJ/PUPR-NTT/2022/019,2025-02-01,2025-01-01,2025-12-31,1\n",
        encoding="utf-8",
    )
    assert invoke("payments", inventory, receipts).exit_code == 0
    done = invoke("assess", inventory, "--tariffs", tariffs_2025, "--year", 2025)
    assert done.exit_code == 0, done.output
    done = invoke(
        "statements",
        inventory,
        "--year",
        2025,
        "-o",
        tmp_path / "2025",
        "--owners",
        OWNERS,
        "--settings",
        settings,
        "--issued-on",
        "2025-03-03",
    )
    assert done.exit_code == 0, done.output
    items_2025 = pd.DataFrame(open_inventory(inventory).read("assessment_items"))
    # Independently: PLN's 2025 arrears are its 2025 amounts (no PLN payment for 2025).
    pln_names = {"PLN", "PT PLN (Persero) UIW NTT"}
    pln_2025 = int(items_2025.loc[items_2025["owner"].isin(pln_names), "amount_rp"].sum())
    assert pln_2025 > 0

    assert invoke("payments", inventory, PAYMENTS).exit_code == 0  # the 2026 receipts
    done = invoke("assess", inventory, "--tariffs", TARIFFS, "--year", 2026)
    assert done.exit_code == 0, done.output
    done = invoke(
        "statements",
        inventory,
        "--year",
        2026,
        "-o",
        tmp_path / "2026",
        "--owners",
        OWNERS,
        "--settings",
        settings,
        "--issued-on",
        "2026-03-02",
    )
    assert done.exit_code == 0, done.output
    pdf = next((tmp_path / "2026").glob("*PT-PLN*.pdf"))
    text = pdf_text(pdf)
    assert "Tunggakan tahun sebelumnya" in text
    ledger = pd.DataFrame(open_inventory(inventory).read("statement_ledger"))
    (number_2025,) = ledger.loc[
        (ledger["year"] == 2025) & ledger["owner"].isin(pln_names), "number"
    ].unique()
    assert f"2025 — {number_2025} — Jatuh tempo 2 April 2025" in text
    figures = f"{pln_2025:,}".replace(",", ".")
    assert f"Rp {figures}" in text
    # Due 2 April 2025 (30 days after 3 March), stated 2 March 2026: 11 started months.
    months = months_late(date(2025, 4, 2), date(2026, 3, 2))
    assert months == 11
    expected_sanction = half_up(Decimal(pln_2025) * Decimal("0.02") * months)
    sheet = load_workbook(next((tmp_path / "2026").glob("*PT-PLN*.xlsx")))
    head = {r[0]: r[1] for r in sheet["SKRD"].iter_rows(min_row=2, values_only=True)}
    assert head["Tunggakan tahun sebelumnya"] == pln_2025
    assert head["Sanksi administratif"] == expected_sanction
    assert head["Jumlah yang harus dibayar"] == (
        head["Ditagih dan belum dibayar tahun ini"]
        + head["Aset tanpa izin (tahun ini)"]
        + pln_2025
        + expected_sanction
    )
    assert head["Jumlah ketetapan"] != head["Jumlah yang harus dibayar"]
    arrears = list(sheet["Tunggakan"].iter_rows(values_only=True))
    assert arrears[1][0] == 2025 and arrears[1][3] == pln_2025
    # Telkom paid 2025 for the permit 2022/019: those assets owe nothing from 2025.
    telkom = pdf_text(next((tmp_path / "2026").glob("*PT-Telkom-Indonesia*.pdf")))
    telkom_2025 = ledger[(ledger["year"] == 2025) & (ledger["owner"] == "Telkom")]
    still_owed = int(
        telkom_2025.loc[telkom_2025["permit_no"] != "IPBJ/PUPR-NTT/2022/019", "amount_rp"].sum()
    )
    assert f"Rp {still_owed:,}".replace(",", ".") in telkom
    assert set(ledger["year"]) == {2025, 2026}


def test_cli_refuses_bad_files_with_row_and_field(kupang_session, tmp_path):
    inventory = tmp_path / "inventory.gpkg"
    shutil.copy(kupang_session.inventory, inventory)
    done = invoke("payments", inventory, PAYMENTS)
    assert done.exit_code == 1 and "no permits; import them first" in done.output
    bad = tmp_path / "permits.csv"
    bad.write_text("permit_no,owner,valid_from\nA,PLN,31/02/2026\n", encoding="utf-8")
    done = invoke("permits", inventory, bad)
    assert done.exit_code == 1
    assert re.search(r"row 1 field 'valid_from': '31/02/2026' is not a date", done.output)
    assert "Traceback" not in done.output
    assert invoke("permits", inventory, PERMITS).exit_code == 0
    again = invoke("permits", inventory, PERMITS)
    assert again.exit_code == 1 and "use --append or --overwrite" in again.output
    appended = invoke("permits", inventory, PERMITS, "--append")
    assert appended.exit_code == 1 and "is already in the inventory" in appended.output
    assert invoke("permits", inventory, PERMITS, "--overwrite").exit_code == 0


def test_hostile_names_on_the_warning_list_stay_text_everywhere(tmp_path):
    from geoasset.statement_files import statement_pdf, write_statements
    from geoasset.statements import StatementSettings, build_statements
    from tests.test_statements import HOSTILE, ISSUED, small_items

    items = small_items(HOSTILE).assign(
        billed_to="2026-12-31", permit_no=["", "IZ-1", "", "@SUM(1)"]
    )
    permits = pd.DataFrame(
        {
            "permit_no": ["IZ-1"],
            "owner": [HOSTILE[1]],
            "assets": [""],
            "corridor_id": [""],
            "valid_from": ["2026-01-01"],
            "valid_to": [""],
        }
    )
    settled = settle(items, permits, None)
    assert settled["payment_status"].tolist() == ["no_permit", "unpaid", "no_permit", "no_permit"]
    made = build_statements(settled, year=2026, issued_on=ISSUED)
    paths = write_statements(made, tmp_path)
    with open(tmp_path / "assets_without_permit.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    owners = {row["Pemilik"] for row in rows}
    assert "'" + HOSTILE[0] in owners and "'" + HOSTILE[3] in owners
    assert all(not o.startswith(("=", "+", "-", "@")) for o in owners)
    for path in paths:
        if path.suffix == ".xlsx":
            for sheet in load_workbook(path).worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (path.name, cell.coordinate)
                        if isinstance(cell.value, str):
                            assert not cell.value.startswith(("=", "+", "@")), cell.value
    for statement in made:
        text = pdf_text(statement_pdf(statement, StatementSettings(), "id"))
        assert statement.owner_name.replace("\x1b", "\\x1b") in text
        assert "\x1b" not in text


def test_an_owner_with_arrears_only_gets_a_statement():
    from geoasset.statements import StatementSettings, build_statements
    from tests.test_statements import ISSUED, small_items

    items = settle(small_items(["PLN"]).assign(billed_to="2026-12-31", permit_no=""), None, None)
    arrears = pd.DataFrame(
        {
            "owner": ["Telkom"],
            "year": [2025],
            "number": ["009/SKRD/2025"],
            "due_on": ["2025-04-02"],
            "outstanding_rp": [500_000],
        }
    )
    settings = StatementSettings(sanction_percent_per_month=1.5, sanction_max_months=6)
    made = build_statements(items, year=2026, issued_on=ISSUED, arrears=arrears, settings=settings)
    telkom = next(s for s in made if s.owner_id == "Telkom")
    assert telkom.total_rp == 0 and telkom.arrears_rp == 500_000
    assert telkom.sanction_rp == half_up(Decimal(500_000) * Decimal("0.015") * 6)  # capped
    assert telkom.due_rp == 500_000 + telkom.sanction_rp


def test_permits_and_payments_from_xlsx_read_like_the_csv(tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    from geoasset.payments import read_payment_file
    from geoasset.permits import read_permit_file

    book = Workbook()
    book.active.append(["Permit_No", "owner", "assets", "valid_from", "valid_to"])
    book.active.append(["IZ-1", "PLN", "P1;P2", datetime(2026, 1, 1), None])
    book.active.append([None, None, None, None, None])  # a blank row is skipped
    book.active.append(["IZ-2", "Telkom", None, "15/02/2026", datetime(2030, 12, 31)])
    book.save(tmp_path / "permits.xlsx")
    permits = read_permit_file(tmp_path / "permits.xlsx")
    assert permits[["permit_no", "valid_from", "valid_to"]].values.tolist() == [
        ["IZ-1", "2026-01-01", ""],
        ["IZ-2", "2026-02-15", "2030-12-31"],
    ]
    book = Workbook()
    book.active.append(["permit_no", "paid_on", "period_from", "period_to", "amount_rp"])
    book.active.append(["IZ-1", datetime(2026, 1, 20), "2026-01-01", "2026-06-30", 357041.0])
    book.active.append(["IZ-3", datetime(2026, 1, 20), "2026-01-01", "2026-06-30", 1.5])
    book.save(tmp_path / "payments.xlsx")
    with pytest.raises(SchemaError) as caught:
        read_payment_file(tmp_path / "payments.xlsx", permits=["IZ-1", "IZ-2"])
    text = str(caught.value)
    # rows are counted from the first data row, as for CSV files (geoasset.tables)
    assert "payments.xlsx" in text and "row 2 field 'permit_no': 'IZ-3'" in text
    assert "row 2 field 'amount_rp': '1.5' is not a whole amount of rupiah" in text
    assert "row 1" not in text


@given(
    rate=st.integers(0, 50_000_000),
    centi=st.integers(1, 1_000_000),
    first=st.integers(0, 364),
    length=st.integers(0, 364),
    paid_from=st.integers(-30, 400),
    paid_length=st.integers(0, 400),
)
@settings(max_examples=200, deadline=None)
def test_paid_and_unpaid_always_add_up_to_the_amount(
    rate, centi, first, length, paid_from, paid_length
):
    """Property: paid + unpaid = the amount, unpaid is the exact share of the unpaid days
    rounded half-up once (checked with fractions), for any paid period."""
    from datetime import timedelta
    from fractions import Fraction

    start = date(2026, 1, 1)
    lo = start + timedelta(days=first)
    hi = min(lo + timedelta(days=length), date(2026, 12, 31))
    days = (hi - lo).days + 1
    quantity = Decimal(centi) / 100
    exact = Fraction(rate) * Fraction(quantity) * days / 365
    amount = (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)
    item = one_item(
        rate_rp=float(rate),
        quantity=float(quantity),
        billed_from=lo.isoformat(),
        billed_to=hi.isoformat(),
        days=days,
        amount_rp=amount,
    )
    p_lo = start + timedelta(days=paid_from)
    p_hi = p_lo + timedelta(days=paid_length)
    out = settle(item, PERMIT, paid((p_lo.isoformat(), p_hi.isoformat()))).iloc[0]
    overlap = max(0, (min(hi, p_hi) - max(lo, p_lo)).days + 1)
    assert out["paid_days"] == overlap and out["unpaid_days"] == days - overlap
    share = Fraction(rate) * Fraction(quantity) * (days - overlap) / 365
    expected = (2 * share.numerator + share.denominator) // (2 * share.denominator)
    assert out["unpaid_rp"] == min(expected, amount)
    assert out["paid_rp"] + out["unpaid_rp"] == amount
