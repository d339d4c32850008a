"""Statements as files: one PDF and one XLSX per owner, and an index of them all.

The PDF is a draft SKRD in Bahasa Indonesia (``lang="en"`` for English labels): office,
number, period, the owner's identity, the objects by corridor and STA with quantity ×
tariff = amount, the legal basis of each tariff, the total in figures and in words, the
due date, the account and the signature block. Text is drawn with DejaVu Sans (the font
matplotlib ships) when a statement holds text outside Windows-1252, else with the PDF core
fonts (much faster for thousands of rows), so any owner name prints as written. Control
characters are shown as ``\\xNN``, never sent raw. Large batches use every core.

All files of one call are written to temporary names and moved into place together:
either every statement exists or none does.

>>> statement_file_stem("001/SKRD/2026", "PT PLN (Persero)")
'001-SKRD-2026_PT-PLN-Persero'
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import xlsxwriter
from babel.dates import format_date
from fpdf import FPDF
from matplotlib import font_manager

from geoasset.money import LOCALES, format_rupiah
from geoasset.owners import load_owners
from geoasset.reports import _neutralise_text, _staged_files, neutralise
from geoasset.statements import (
    Statement,
    StatementError,
    StatementSettings,
    build_statements,
    load_statement_settings,
    statements_index,
)

INDEX_NAME = "statements_index.xlsx"

LABELS = {
    "id": {
        "title": "SURAT KETETAPAN RETRIBUSI DAERAH (SKRD)",
        "subtitle": "Retribusi pemanfaatan ruang milik jalan (Rumija) — DRAF",
        "unconfigured": "Draf tanpa pengaturan kantor (berkas pengaturan tidak diberikan)",
        "number": "Nomor",
        "period": "Masa retribusi",
        "to": "Kepada",
        "address": "Alamat",
        "tax_id": "NPWRD",
        "contact": "Kontak",
        "written": "Nama dalam inventaris",
        "objects": "Rincian objek retribusi",
        "columns": (
            "No",
            "Aset",
            "Koridor",
            "STA",
            "Volume",
            "Tarif (Rp)",
            "Hari",
            "Jumlah (Rp)",
            "Kode tarif",
        ),
        "basis": "Dasar hukum tarif",
        "total": "Jumlah ketetapan",
        "words": "Terbilang",
        "due": "Jatuh tempo",
        "account": "Kode rekening",
        "bank": "Pembayaran ke",
        "issued": "Diterbitkan",
        "page": "Halaman",
        "notes": {
            "no owners register: addressed as written": "Tanpa daftar pemilik: nama sesuai inventaris",
            "owner not in the owners register: addressed as written": "Pemilik tidak ada di daftar pemilik: nama sesuai inventaris",
        },
    },
    "en": {
        "title": "REGIONAL RETRIBUTION ASSESSMENT (SKRD)",
        "subtitle": "Retribution for the use of road land (Rumija) — DRAFT",
        "unconfigured": "Draft without office settings (no settings file given)",
        "number": "Number",
        "period": "Period",
        "to": "To",
        "address": "Address",
        "tax_id": "Retribution no.",
        "contact": "Contact",
        "written": "Names in the inventory",
        "objects": "Objects assessed",
        "columns": (
            "No",
            "Asset",
            "Corridor",
            "STA",
            "Quantity",
            "Rate (Rp)",
            "Days",
            "Amount (Rp)",
            "Tariff",
        ),
        "basis": "Legal basis of the tariffs",
        "total": "Amount assessed",
        "words": "In words (Indonesian)",
        "due": "Due date",
        "account": "Account code",
        "bank": "Pay to",
        "issued": "Issued",
        "page": "Page",
        "notes": {},
    },
}

#: characters of each column of the objects table (monospaced), and right alignment
_WIDTHS = (6, 18, 14, 12, 16, 14, 9, 16, 22)
_RIGHT = (True, False, False, False, True, True, True, True, False)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text) -> str:
    """Text with control characters shown as ``\\xNN`` (never sent raw to a reader).

    >>> printable("PT\\x1b[31m X")
    'PT\\\\x1b[31m X'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def statement_file_stem(number: str, owner_name: str) -> str:
    """A file name (without suffix) from the statement number and owner, safe everywhere."""
    text = f"{number}_{owner_name}"
    text = re.sub(r"[^\w.+-]+", "-", text, flags=re.ASCII).strip("-.")
    text = re.sub(r"-*_-*", "_", text)
    return text[:120] or "statement"


@cache
def _font(family: str) -> str:
    properties = font_manager.FontProperties(family=family)
    return font_manager.findfont(properties, fallback_to_default=False)


_INDONESIAN_MARKS = str.maketrans({",": ".", ".": ","})


def _number(value, lang: str) -> str:
    """A quantity or amount with the digit grouping of ``lang`` (as Babel's, checked in tests).

    >>> _number(1234567, "id"), _number(1234.5, "id"), _number(1234.5, "en")
    ('1.234.567', '1.234,50', '1,234.50')
    """
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return text.translate(_INDONESIAN_MARKS) if lang == "id" else text


def _cell(text: str, width: int, right: bool) -> str:
    text = printable(text)
    if len(text) > width - 1:
        text = text[: width - 2] + "…"
    return text.rjust(width - 1) + " " if right else text.ljust(width)


def _row_texts(items: pd.DataFrame, lang: str) -> list[str]:
    """The objects table as lines of fixed-width text (one per line item)."""
    quantity = [
        f"{_number(q, lang)} {u}"
        for q, u in zip(items["quantity"], items.get("quantity_unit", ""), strict=True)
    ]
    columns = [
        [str(i) for i in range(1, len(items) + 1)],
        items["asset_id"].astype(str).tolist(),
        items["corridor_id"].fillna("").astype(str).tolist(),
        items["sta"].fillna("").astype(str).tolist(),
        quantity,
        [_number(r, lang) for r in items["rate_rp"]],
        [f"{d}/{p}" for d, p in zip(items["days"], items["period_days"], strict=True)],
        [_number(a, lang) for a in items["amount_rp"]],
        items["tariff_id"].fillna("").astype(str).tolist(),
    ]
    return [
        "".join(_cell(v, w, r) for v, w, r in zip(values, _WIDTHS, _RIGHT, strict=True))
        for values in zip(*columns, strict=True)
    ]


class _StatementPDF(FPDF):
    def __init__(self, footer_text: str, page_label: str, *, unicode: bool):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        self.page_label = page_label
        if unicode:
            self.add_font("DejaVu", fname=_font("DejaVu Sans"))
            self.add_font("DejaVu", style="B", fname=_font("DejaVu Sans:bold"))
            self.add_font("DejaVuMono", fname=_font("DejaVu Sans Mono"))
            self.sans, self.mono = "DejaVu", "DejaVuMono"
        else:
            self.core_fonts_encoding = _CORE_ENCODING
            self.sans, self.mono = "Helvetica", "Courier"
        self.set_auto_page_break(True, margin=15)
        self.set_margins(12, 12, 12)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(self.sans, size=7)
        self.cell(
            0, 4, f"{self.footer_text} — {self.page_label} {self.page_no()}/{{nb}}", align="C"
        )


def _period(year: int, lang: str) -> str:
    locale = LOCALES[lang]
    first, last = date(year, 1, 1), date(year, 12, 31)
    return (
        f"{format_date(first, 'long', locale=locale)} – {format_date(last, 'long', locale=locale)}"
    )


_CORE_ENCODING = "windows-1252"


def _fits_core_fonts(texts) -> bool:
    try:
        "\n".join(texts).encode(_CORE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def statement_pdf(statement: Statement, settings: StatementSettings, lang: str = "id") -> bytes:
    """The statement as PDF bytes (see the module docstring)."""
    words = LABELS[lang]
    locale = LOCALES[lang]
    rows = _row_texts(statement.items, lang)
    texts = [
        *rows,
        *(str(v) for v in vars(settings).values()),
        *(str(v) for v in vars(statement).values() if not isinstance(v, pd.DataFrame)),
        *statement.items.get("legal_basis", pd.Series(dtype=str)).astype(str).unique(),
        *(str(v) for v in words.values() if isinstance(v, str)),
    ]
    pdf = _StatementPDF(
        printable(f"{words['number']} {statement.number}"),
        words["page"],
        unicode=not _fits_core_fonts(texts),
    )
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 9, bold: bool = False, height: float = 4.6, align="L"):
        pdf.set_font(pdf.sans, style="B" if bold else "", size=size)
        pdf.multi_cell(width, height, printable(text), align=align, new_x="LMARGIN", new_y="NEXT")

    if settings.office_name:
        line(settings.office_name, size=11, bold=True, align="C")
    if settings.office_address:
        line(settings.office_address, align="C")
    pdf.ln(2)
    line(words["title"], size=13, bold=True, align="C")
    line(words["subtitle"], align="C")
    if not settings.configured:
        line(words["unconfigured"], size=8, align="C")
    pdf.ln(3)
    line(f"{words['number']}: {statement.number}")
    line(f"{words['period']}: {_period(statement.year, lang)}")
    pdf.ln(2)
    line(f"{words['to']}: {statement.owner_name}", bold=True)
    for key in ("address", "tax_id", "contact"):
        if statement.company.get(key):
            line(f"{words[key]}: {statement.company[key]}")
    line(f"{words['written']}: {'; '.join(statement.names_as_written)}", size=8)
    if statement.note:
        line(words["notes"].get(statement.note, statement.note), size=8)
    pdf.ln(3)
    line(words["objects"], bold=True)
    header = "".join(
        _cell(h, w, r) for h, w, r in zip(words["columns"], _WIDTHS, _RIGHT, strict=True)
    )
    pdf.set_font(pdf.mono, size=7.5)
    pdf.cell(width, 4, header, new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.h - 17
    for text in rows:
        if pdf.get_y() > bottom:
            pdf.add_page()
            pdf.set_font(pdf.mono, size=7.5)
            pdf.cell(width, 4, header, new_x="LMARGIN", new_y="NEXT")
        pdf.text(pdf.l_margin, pdf.get_y() + 3, text)
        pdf.set_y(pdf.get_y() + 3.4)
    pdf.ln(3)
    line(f"{words['total']}: {format_rupiah(statement.total_rp, lang)}", size=11, bold=True)
    line(f"{words['words']}: {statement.total_words}")
    line(f"{words['due']}: {format_date(statement.due_on, 'long', locale=locale)}")
    if settings.account_code:
        line(f"{words['account']}: {settings.account_code}")
    if settings.bank_account:
        line(f"{words['bank']}: {settings.bank_account}")
    pdf.ln(3)
    bases = statement.items.drop_duplicates("tariff_id")[["tariff_id", "legal_basis"]]
    if len(bases):
        line(words["basis"], bold=True, size=8)
        for tariff_id, basis in bases.itertuples(index=False):
            line(f"{tariff_id}: {basis}", size=7.5, height=3.8)
    pdf.ln(6)
    place = f"{settings.place}, " if settings.place else ""
    issued = format_date(statement.issued_on, "long", locale=locale)
    for text, bold in (
        (f"{place}{issued}", False),
        (settings.signatory_title, False),
        ("", False),
        ("", False),
        (settings.signatory_name, True),
        (settings.signatory_id, False),
    ):
        pdf.set_x(pdf.l_margin + width * 0.62)
        pdf.set_font(pdf.sans, style="B" if bold else "", size=9)
        pdf.multi_cell(width * 0.38, 4.6, printable(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _statement_head(statement: Statement, settings: StatementSettings) -> pd.DataFrame:
    head = {
        "number": statement.number,
        "year": statement.year,
        "owner_id": statement.owner_id,
        "owner_name": statement.owner_name,
        "names_as_written": "; ".join(statement.names_as_written),
        **{
            f"owner_{k}": v
            for k, v in statement.company.items()
            if k not in ("owner_id", "legal_name")
        },
        "issued_on": statement.issued_on.isoformat(),
        "due_on": statement.due_on.isoformat(),
        "total_rp": statement.total_rp,
        "total_words": statement.total_words,
        "account_code": settings.account_code,
        "note": statement.note,
    }
    return pd.DataFrame({"field": list(head), "value": [str(v) for v in head.values()]})


def _write_sheet(book, title: str, frame: pd.DataFrame, money) -> None:
    sheet = book.add_worksheet(title)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [neutralise(str(c)) for c in frame.columns])
    columns = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            columns.append(column.tolist())
        else:
            columns.append(_neutralise_text(column.fillna("")).tolist())
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        sheet.write_row(row, 0, values)
    for position, name in enumerate(frame.columns):
        if str(name).endswith("_rp"):
            sheet.set_column(position, position, 16, money)
    if len(frame.columns):
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)


def _write_book(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Sheets written by XlsxWriter: text neutralised (:func:`geoasset.reports.neutralise`)
    and never read as a formula or link, control characters escaped by XlsxWriter, money
    with a thousands format, a frozen header and a filter."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(str(path), options)
    money = book.add_format({"num_format": "#,##0"})
    for title, frame in sheets.items():
        _write_sheet(book, title, frame, money)
    book.close()


def statement_xlsx(statement: Statement, settings: StatementSettings, path: Path) -> None:
    """The statement as an XLSX workbook: sheets ``SKRD`` (the head), ``Rincian`` (the line
    items) and ``Dasar hukum`` (the legal basis of each tariff used)."""
    items = statement.items
    sheets = {
        "SKRD": _statement_head(statement, settings),
        "Rincian": items.drop(columns="legal_basis", errors="ignore"),
    }
    if "legal_basis" in items:
        sheets["Dasar hukum"] = items.drop_duplicates("tariff_id")[["tariff_id", "legal_basis"]]
    _write_book(path, sheets)


def _write_pair(statement: Statement, settings: StatementSettings, lang: str, pdf_path, xlsx_path):
    Path(pdf_path).write_bytes(statement_pdf(statement, settings, lang))
    statement_xlsx(statement, settings, Path(xlsx_path))


#: line items above which statements are written by a pool of processes
PARALLEL_ITEMS = 50_000


def write_statements(
    statements: list[Statement],
    directory: str | os.PathLike,
    *,
    settings: StatementSettings | None = None,
    lang: str = "id",
    overwrite: bool = False,
) -> list[Path]:
    """Write each statement as PDF and XLSX, and ``statements_index.xlsx``; all or nothing.

    Refuses, before writing anything, to replace an existing file unless ``overwrite``.
    Returns the paths written, index last.
    """
    if lang not in LABELS:
        raise StatementError(f"unknown language {lang!r}; use one of {', '.join(LABELS)}")
    settings = settings or StatementSettings()
    directory = Path(directory)
    targets = []
    for statement in statements:
        stem = statement_file_stem(statement.number, statement.owner_name)
        targets.append((statement, directory / f"{stem}.pdf", directory / f"{stem}.xlsx"))
    index_path = directory / INDEX_NAME
    every = [p for _, pdf, xlsx in targets for p in (pdf, xlsx)] + [index_path]
    if len(set(every)) != len(every):
        raise StatementError("two statements would get the same file name; check statement.number")
    existing = [p for p in every if p.exists()]
    if existing and not overwrite:
        raise StatementError(
            f"{existing[0]} already exists ({len(existing)} statement file(s) would be replaced)"
        )
    with _staged_files() as stage:
        jobs = [
            (statement, settings, lang, stage.path(pdf_path), stage.path(xlsx_path))
            for statement, pdf_path, xlsx_path in targets
        ]
        workers = min(os.cpu_count() or 1, len(jobs))
        if workers > 1 and sum(len(s.items) for s in statements) > PARALLEL_ITEMS:
            with ProcessPoolExecutor(workers) as pool:
                for done in [pool.submit(_write_pair, *job) for job in jobs]:
                    done.result()
        else:
            for job in jobs:
                _write_pair(*job)
        index = statements_index(statements)
        index["pdf"] = [pdf.name for _, pdf, _ in targets]
        _write_book(stage.path(index_path), {"Index": index})
        stage.commit()
    return every


def statements_for_inventory(
    inventory,
    directory: str | os.PathLike,
    *,
    year: int,
    owners: str | os.PathLike | None = None,
    settings: str | os.PathLike | None = None,
    issued_on: date | None = None,
    lang: str = "id",
    overwrite: bool = False,
) -> tuple[list[Statement], list[Path]]:
    """Statements of the assessment stored in ``inventory`` (an :class:`~geoasset.store.Inventory`).

    ``owners`` and ``settings`` are paths of the owners register (CSV) and the settings
    (TOML); without them statements are addressed as written and marked as drafts
    without settings.
    """
    if not inventory.has_layer("assessment_items"):
        raise StatementError(f"{inventory.path}: no assessment stored; assess {year} first")
    items = pd.DataFrame(
        inventory.read("assessment_items").drop(columns="geometry", errors="ignore")
    )
    if items.empty:
        raise StatementError(f"{inventory.path}: the stored assessment has no line items")
    register = load_owners(owners) if owners is not None else None
    options = load_statement_settings(settings) if settings is not None else StatementSettings()
    statements = build_statements(
        items,
        year=year,
        issued_on=issued_on or date.today(),
        owners=register,
        settings=options,
    )
    paths = write_statements(
        statements, directory, settings=options, lang=lang, overwrite=overwrite
    )
    return statements, paths
