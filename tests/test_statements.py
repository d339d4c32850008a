"""Statements per owner (draft SKRD): totals, PDF text, XLSX, register, settings, CLI."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from babel.numbers import format_decimal
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from geoasset.cli.main import cli
from geoasset.errors import SchemaError
from geoasset.owners import load_owners, name_key, parse_owners
from geoasset.statement_files import (
    INDEX_NAME,
    _number,
    statement_pdf,
    statements_for_inventory,
    write_statements,
)
from geoasset.statements import (
    NO_REGISTER,
    NOT_IN_REGISTER,
    StatementError,
    StatementSettings,
    amount_in_words,
    build_statements,
    load_statement_settings,
)
from geoasset.store import open_inventory

LAYERS = Path(__file__).parent.parent / "layers"
OWNERS = LAYERS / "owners_example.csv"
SETTINGS = LAYERS / "statements_example.toml"
ISSUED = date(2026, 3, 2)


def pdf_text(path_or_bytes) -> str:
    source = (
        path_or_bytes
        if isinstance(path_or_bytes, Path)
        else __import__("io").BytesIO(path_or_bytes)
    )
    text = "\n".join(page.extract_text() for page in PdfReader(source).pages)
    return re.sub(r"\s+", " ", text)


def alias_map_from_csv(path: Path) -> dict[str, str]:
    """Owner name (as compared) -> owner_id, read independently with the csv module."""
    names = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for name in [row["owner_id"], row["legal_name"], *row["aliases"].split(";")]:
                names[" ".join(name.split()).casefold()] = row["owner_id"]
    return names


@pytest.fixture(scope="module")
def kupang_statements(kupang_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("skrd")
    inventory = open_inventory(kupang_session.inventory)
    made, paths = statements_for_inventory(
        inventory, out, year=2026, owners=OWNERS, settings=SETTINGS, issued_on=ISSUED
    )
    items = pd.DataFrame(inventory.read("assessment_items").drop(columns="geometry"))
    return made, paths, items, kupang_session


def test_totals_sum_to_the_assessment_to_the_rupiah(kupang_statements):
    made, _, items, run = kupang_statements
    assert sum(s.total_rp for s in made) == int(items["amount_rp"].sum()) == run.total_rp
    assert run.total_rp == 851_357_218
    # Per company: an independent grouping of the line items through the register's names.
    names = alias_map_from_csv(OWNERS)
    company = items["owner"].map(lambda o: names.get(" ".join(o.split()).casefold(), o))
    expected = (
        company.groupby(company)
        .size()
        .index.map(lambda key: int(items.loc[company == key, "amount_rp"].sum()))
    )
    by_key = dict(zip(company.groupby(company).size().index, expected, strict=True))
    assert {s.owner_id: s.total_rp for s in made} == by_key


def test_every_line_item_is_on_exactly_one_statement(kupang_statements):
    made, _, items, _ = kupang_statements
    listed = pd.concat([s.items[["asset_id", "tariff_id", "amount_rp"]] for s in made])
    assert len(listed) == len(items)
    assert sorted(map(tuple, listed.values.tolist())) == sorted(
        map(tuple, items[["asset_id", "tariff_id", "amount_rp"]].values.tolist())
    )


def test_pdf_holds_owner_assets_amount_in_figures_and_words(kupang_statements):
    made, paths, _, _ = kupang_statements
    pdfs = {p.name: p for p in paths if p.suffix == ".pdf"}
    assert len(pdfs) == len(made) == 8
    for statement in made:
        (path,) = [
            p for name, p in pdfs.items() if name.startswith(statement.number.replace("/", "-"))
        ]
        text = pdf_text(path)
        assert statement.owner_name in text
        assert statement.number in text
        for asset_id in statement.items["asset_id"]:
            assert asset_id in text, (path.name, asset_id)
        figures = format_decimal(statement.total_rp, locale="id_ID")
        assert f"Rp {figures}" in text
        assert statement.total_words in text
        assert "Kepala Dinas PUPR Provinsi NTT" in text  # signature block from the settings
        assert "Masa retribusi: 1 Januari 2026 – 31 Desember 2026" in text


def test_register_merges_aliases_and_names_the_unregistered(kupang_statements):
    made, _, _, _ = kupang_statements
    by_id = {s.owner_id: s for s in made}
    assert by_id["PLN-UIW-NTT"].owner_name == "PT PLN (Persero) Unit Induk Wilayah NTT"
    assert by_id["PLN-UIW-NTT"].company["tax_id"] == "CONTOH-NPWRD-0001"
    # "Pemkot Kupang" is not in the example register: addressed as written, with a note.
    assert by_id["Pemkot Kupang"].note == NOT_IN_REGISTER
    assert all(s.note == "" for key, s in by_id.items() if key != "Pemkot Kupang")


def test_index_and_xlsx_agree_with_the_statements(kupang_statements):
    made, paths, _, _ = kupang_statements
    index_path = [p for p in paths if p.name == INDEX_NAME][0]
    sheet = load_workbook(index_path)["Daftar SKRD"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    number, amount = header.index("Nomor"), header.index("Jumlah ketetapan (Rp)")
    totals = {r[number]: r[amount] for r in body}
    assert totals == {s.number: s.total_rp for s in made}
    assert total[0] == "Jumlah" and total[amount] == sum(s.total_rp for s in made)
    statement = made[0]
    xlsx = [
        p
        for p in paths
        if p.suffix == ".xlsx" and p.name.startswith(statement.number.replace("/", "-"))
    ][0]
    book = load_workbook(xlsx)
    assert book.sheetnames == ["SKRD", "Rincian", "Dasar hukum"]
    items = list(book["Rincian"].iter_rows(values_only=True))
    amount = items[0].index("Jumlah (Rp)")
    assert sum(r[amount] for r in items[1:-1]) == items[-1][amount] == statement.total_rp
    assert len(items) == len(statement.items) + 2
    assert book["Rincian"].freeze_panes == "A2"
    # A workbook a finance officer keeps: thousands format, real dates, filter, print setup.
    sheet = book["Rincian"]
    assert sheet.cell(2, amount + 1).number_format == "#,##0"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows.replace("$", "") == "1:1"
    head = {r[0]: r[1] for r in book["SKRD"].iter_rows(min_row=2, values_only=True)}
    assert head["Jatuh tempo"].date() == statement.due_on
    assert head["Jumlah ketetapan"] == statement.total_rp
    widths = {sheet.column_dimensions[c].width for c in "ABCDEFGH"}
    assert len(widths) > 2  # widths from the content, not one width for all


@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "nol rupiah"),
        (1_000, "seribu rupiah"),
        (1_001_000, "satu juta seribu rupiah"),
        (11_500, "sebelas ribu lima ratus rupiah"),
        (
            220_364_424,
            "dua ratus dua puluh juta tiga ratus enam puluh empat ribu empat ratus dua puluh empat rupiah",
        ),
    ],
)
def test_amount_in_words_checked_by_hand(amount, words):
    assert amount_in_words(amount) == words


@pytest.mark.parametrize("value", [0, 7, 1234567, -2500, 1234.5, 0.25, 98765.43])
def test_number_grouping_matches_babel(value):
    for lang, locale in (("id", "id_ID"), ("en", "en_US")):
        expected = format_decimal(
            value, locale=locale, format="#,##0" if float(value).is_integer() else "#,##0.00"
        )
        assert _number(value, lang) == expected


def small_items(owners: list[str]) -> pd.DataFrame:
    n = len(owners)
    return pd.DataFrame(
        {
            "asset_id": [f"P{i}" for i in range(n)],
            "owner": owners,
            "kind": "electric",
            "corridor_id": "R1",
            "sta": [f"STA {i}+000" for i in range(n)],
            "quantity": 1.0,
            "quantity_unit": "unit",
            "unit": "per_unit_year",
            "rate_rp": 1000.0,
            "billed_from": "2026-01-01",
            "days": 365,
            "period_days": 365,
            "amount_rp": [1000 * (i + 1) for i in range(n)],
            "tariff_id": "T1",
            "legal_basis": "Perda (contoh)",
        }
    )


def test_items_in_road_order_by_metres_not_by_text():
    items = small_items(["A"] * 12)
    made = build_statements(items, year=2026, issued_on=ISSUED)
    assert made[0].items["sta"].tolist() == [f"STA {i}+000" for i in range(12)]


def test_without_register_each_name_is_its_own_statement():
    made = build_statements(small_items(["PLN", "PT PLN", "Telkom"]), year=2026, issued_on=ISSUED)
    assert [(s.owner_name, s.note) for s in made] == [
        ("PLN", NO_REGISTER),
        ("PT PLN", NO_REGISTER),
        ("Telkom", NO_REGISTER),
    ]
    assert [s.number for s in made] == ["001/SKRD/2026", "002/SKRD/2026", "003/SKRD/2026"]


def test_register_with_a_name_claimed_twice_is_refused_with_rows():
    frame = pd.DataFrame(
        {"owner_id": ["A", "B"], "legal_name": ["PT A", "PT B"], "aliases": ["Shared", " shared. "]}
    )
    with pytest.raises(SchemaError, match=r"row 2.*also belongs to A \(row 1\)"):
        parse_owners(frame)


def test_register_missing_required_values_named(tmp_path):
    path = tmp_path / "owners.csv"
    path.write_text("owner_id;legal_name\nX;\n;PT Y\n", encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_owners(path)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {(1, "legal_name"), (2, "owner_id")}


def test_name_key_ignores_case_spaces_and_end_punctuation():
    assert name_key(" PT  Telkom. ") == name_key("pt telkom") == "pt telkom"


def test_wrong_year_refused():
    with pytest.raises(StatementError, match="bills 2026, not 2025"):
        build_statements(small_items(["A"]), year=2025, issued_on=ISSUED)


HOSTILE = [
    '=HYPERLINK("http://x","klik")',
    "\x1b[31mPT Merah\x1b[0m",
    "Ünïcödé Ωmega Кирилл — Ṭest",
    "+62 811 PLN",
]


def test_hostile_owner_names_print_literally_and_stay_neutral_in_xlsx(tmp_path):
    made = build_statements(small_items(HOSTILE), year=2026, issued_on=ISSUED)
    paths = write_statements(made, tmp_path)
    for statement in made:
        text = pdf_text(statement_pdf(statement, StatementSettings(), "id"))
        shown = statement.owner_name.replace("\x1b", "\\x1b")
        assert shown in text
        assert "\x1b" not in text
    for path in paths:
        if path.suffix == ".xlsx":
            for sheet in load_workbook(path).worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
                        if isinstance(cell.value, str):
                            assert not cell.value.lstrip(" ").startswith(("=", "+", "@")), (
                                cell.value
                            )


def test_existing_files_refused_before_anything_is_written(tmp_path):
    made = build_statements(small_items(["A", "B"]), year=2026, issued_on=ISSUED)
    paths = write_statements(made, tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in paths}
    paths[0].unlink()  # one file gone, the others there: still nothing is replaced
    with pytest.raises(StatementError, match="already exists"):
        write_statements(made, tmp_path)
    assert not paths[0].exists()
    assert {p: p.stat().st_mtime_ns for p in paths[1:]} == {p: stamps[p] for p in paths[1:]}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths[1:])
    write_statements(made, tmp_path, overwrite=True)
    assert all(p.exists() for p in paths)


def test_settings_problems_name_the_file_and_key(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text('[statement]\nnumber = "SKRD/{year}"\n', encoding="utf-8")
    with pytest.raises(StatementError, match=r"s.toml.*same number; include \{seq\}"):
        load_statement_settings(bad)
    bad.write_text('[statement]\nnumbr = "x"\n', encoding="utf-8")
    with pytest.raises(StatementError, match=r"unknown setting statement.numbr"):
        load_statement_settings(bad)
    bad.write_text("[statement]\ndue_days = 'thirty'\n", encoding="utf-8")
    with pytest.raises(StatementError, match=r"due_days must be int"):
        load_statement_settings(bad)
    bad.write_text("[statement\n", encoding="utf-8")
    with pytest.raises(StatementError, match=r"not a TOML settings file"):
        load_statement_settings(bad)
    settings = load_statement_settings(SETTINGS)
    assert settings.configured and settings.number(3, 2026, "X") == "003/SKRD-RMJ/PUPR-NTT/2026"


def test_cli_statements(kupang_session, tmp_path):
    runner = CliRunner()
    args = [
        "statements",
        str(kupang_session.inventory),
        "--year",
        "2026",
        "-o",
        str(tmp_path / "skrd"),
    ]
    done = runner.invoke(cli, [*args, "--owners", str(OWNERS), "--issued-on", "2026-03-02"])
    assert done.exit_code == 0, done.output
    assert "8 SKRD, jumlah Rp 851.357.218" in done.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "already exists" in again.output and "Traceback" not in again.output
    wrong_year = runner.invoke(cli, [*args[:3], "2025", *args[4:], "--overwrite"])
    assert wrong_year.exit_code == 1 and "assess 2025 first" in wrong_year.output


def test_register_from_xlsx_reads_like_the_csv(tmp_path):
    from openpyxl import Workbook

    with open(OWNERS, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.active.append([None] * len(rows[0]))  # a blank row at the end is no company
    path = tmp_path / "owners.xlsx"
    book.save(path)
    from_xlsx, from_csv = load_owners(path), load_owners(OWNERS)
    assert from_xlsx.keys == from_csv.keys
    pd.testing.assert_frame_equal(from_xlsx.companies, from_csv.companies)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK not really")
    with pytest.raises(SchemaError, match="broken.xlsx.*not an XLSX workbook"):
        load_owners(broken)
