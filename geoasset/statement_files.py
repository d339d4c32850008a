"""Statements as files: one PDF and one XLSX per owner, and an index of them all.

The PDF is a draft SKRD in Bahasa Indonesia (``lang="en"`` for English labels): office,
number, period, the owner's identity, the objects by corridor and STA with quantity ×
tariff = amount, the legal basis of each tariff, the total in figures and in words, the
due date, the account and the signature block; with settled items (permits and payments
in the inventory, :mod:`geoasset.ledger`) also what is paid, billed and unpaid this year,
owed for assets without a permit, owed from earlier years with the sanction, and the
amount due. Every label comes from the term table (:mod:`geoasset.i18n`). Text is drawn with DejaVu Sans (the font
matplotlib ships) when a statement holds text outside Windows-1252, else with the PDF core
fonts (much faster for thousands of rows), so any owner name prints as written. Control
characters are shown as ``\\xNN``, never sent raw. Large batches use every core.

The XLSX holds the same (head, line items, legal bases, arrears) for the finance office:
readable headers, money in a thousands format, real dates, a total row, A4 landscape
(:mod:`geoasset.xlsxsheets`). Settled statements also give ``assets_without_permit.csv``
and a sheet of the index: the warning list.

All files of one call are written to temporary names and moved into place together:
either every statement exists or none does.

>>> statement_file_stem("001/SKRD/2026", "PT PLN (Persero)")
'001-SKRD-2026_PT-PLN-Persero'
"""

from __future__ import annotations

import os
import re
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
from babel.dates import format_date
from fpdf import FPDF
from matplotlib import font_manager

from geoasset import xlsxsheets
from geoasset.i18n import coded, header, people_table, t
from geoasset.money import LOCALES, format_rupiah
from geoasset.outputs import staged_files
from geoasset.owners import load_owners
from geoasset.parallel import cores, map_processes
from geoasset.reports import _neutralise_text, _write_csv_file, neutralise
from geoasset.statements import (
    NO_REGISTER,
    NOT_IN_REGISTER,
    Statement,
    StatementError,
    StatementSettings,
    amount_in_words,
    build_statements,
    load_statement_settings,
    statements_index,
)

INDEX_NAME = "statements_index.xlsx"
#: the warning list: assets without a permit, for warning letters
WARNINGS_NAME = "assets_without_permit.csv"
LANGUAGES = ("id", "en")

#: statement note (as stored) -> term key
_NOTES = {NO_REGISTER: "skrd_no_register", NOT_IN_REGISTER: "skrd_not_in_register"}


def note_text(note: str, lang: str) -> str:
    """A statement's note in ``lang``.

    >>> note_text(NO_REGISTER, "id")
    'Tanpa daftar pemilik: nama sesuai inventaris'
    """
    return t(_NOTES[note], lang) if note in _NOTES else note


#: characters of each column of the objects table (monospaced), and right alignment
_COLUMNS = (
    ("skrd_no", 6, True),
    ("skrd_asset", 18, False),
    ("corridor", 14, False),
    ("sta", 12, False),
    ("quantity", 16, True),
    ("rate_rp", 14, True),
    ("skrd_days", 9, True),
    ("amount_rp", 16, True),
    ("tariff_id", 22, False),
)
_STATUS_COLUMN = ("payment_status", 24, False)
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


def _table_columns(statement: Statement) -> tuple:
    return (*_COLUMNS, _STATUS_COLUMN) if statement.settled else _COLUMNS


def _row_texts(statement: Statement, lang: str) -> list[str]:
    """The objects table as lines of fixed-width text (one per line item)."""
    items = statement.items
    units = coded(
        "quantity_unit", items.get("quantity_unit", pd.Series("", index=items.index)), lang
    )
    quantity = [f"{_number(q, lang)} {u}" for q, u in zip(items["quantity"], units, strict=True)]
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
    layout = _table_columns(statement)
    if statement.settled:
        columns.append(coded("payment_status", items["payment_status"], lang).tolist())
    return [
        "".join(_cell(v, w, r) for v, (_, w, r) in zip(values, layout, strict=True))
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


def _sanction_text(settings: StatementSettings, lang: str) -> str:
    rate = _number(settings.sanction_percent_per_month, lang)
    return t("skrd_sanction_rate", lang).format(rate=rate, months=settings.sanction_max_months)


def statement_pdf(statement: Statement, settings: StatementSettings, lang: str = "id") -> bytes:
    """The statement as PDF bytes (see the module docstring)."""
    locale = LOCALES[lang]
    rows = _row_texts(statement, lang)
    layout = _table_columns(statement)
    head = "".join(_cell(t(key, lang), w, r) for key, w, r in layout)
    texts = [
        *rows,
        head,
        *(str(v) for v in vars(settings).values()),
        *(str(v) for v in vars(statement).values() if not isinstance(v, pd.DataFrame)),
        *statement.items.get("legal_basis", pd.Series(dtype=str)).astype(str).unique(),
        *(t(key, lang) for key in _PDF_TERMS),
    ]
    pdf = _StatementPDF(
        printable(f"{t('skrd_number', lang)} {statement.number}"),
        t("skrd_page", lang),
        unicode=not _fits_core_fonts(texts),
    )
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 9, bold: bool = False, height: float = 4.6, align="L"):
        pdf.set_font(pdf.sans, style="B" if bold else "", size=size)
        pdf.multi_cell(width, height, printable(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def money(key: str, amount: int, **options) -> None:
        line(f"{t(key, lang)}: {format_rupiah(amount, lang)}", **options)

    if settings.office_name:
        line(settings.office_name, size=11, bold=True, align="C")
    if settings.office_address:
        line(settings.office_address, align="C")
    pdf.ln(2)
    line(t("skrd_title", lang), size=13, bold=True, align="C")
    line(t("skrd_subtitle", lang), align="C")
    if not settings.configured:
        line(t("skrd_unconfigured", lang), size=8, align="C")
    pdf.ln(3)
    line(f"{t('skrd_number', lang)}: {statement.number}")
    line(f"{t('skrd_period', lang)}: {_period(statement.year, lang)}")
    pdf.ln(2)
    line(f"{t('skrd_to', lang)}: {statement.owner_name}", bold=True)
    for key in ("address", "tax_id", "contact"):
        if statement.company.get(key):
            line(f"{t('skrd_' + key, lang)}: {statement.company[key]}")
    line(f"{t('skrd_written', lang)}: {'; '.join(statement.names_as_written)}", size=8)
    if statement.note:
        line(note_text(statement.note, lang), size=8)
    pdf.ln(3)
    line(t("skrd_objects", lang), bold=True)
    pdf.set_font(pdf.mono, size=7.5)
    pdf.cell(width, 4, head, new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.h - 17
    for text in rows:
        if pdf.get_y() > bottom:
            pdf.add_page()
            pdf.set_font(pdf.mono, size=7.5)
            pdf.cell(width, 4, head, new_x="LMARGIN", new_y="NEXT")
        pdf.text(pdf.l_margin, pdf.get_y() + 3, text)
        pdf.set_y(pdf.get_y() + 3.4)
    pdf.ln(3)
    money("skrd_total", statement.total_rp, size=11, bold=True)
    line(f"{t('skrd_words', lang)}: {statement.total_words}")
    if statement.settled:
        pdf.ln(1)
        line(t("skrd_this_year", lang), bold=True)
        money("skrd_paid", statement.paid_rp)
        money("skrd_unpaid", statement.unpaid_rp)
        money("skrd_no_permit", statement.no_permit_rp)
    if len(statement.arrears):
        pdf.ln(1)
        line(t("skrd_arrears", lang), bold=True)
        for row in statement.arrears.itertuples(index=False):
            due = format_date(date.fromisoformat(str(row.due_on)[:10]), "long", locale=locale)
            line(
                f"{row.year} — {row.number} — {t('skrd_due', lang)} {due}: "
                f"{format_rupiah(row.outstanding_rp, lang)}; {t('skrd_months_late', lang)} "
                f"{row.months_late}; {t('skrd_sanction', lang)} "
                f"{format_rupiah(row.sanction_rp, lang)}",
                size=8.5,
            )
        money("skrd_arrears", statement.arrears_rp)
        money("skrd_sanction", statement.sanction_rp)
        line(f"({t('skrd_sanction', lang)}: {_sanction_text(settings, lang)})", size=8)
    if statement.settled or len(statement.arrears):
        pdf.ln(1)
        money("skrd_due_rp", statement.due_rp, size=11, bold=True)
        line(f"{t('skrd_due_words', lang)}: {amount_in_words(statement.due_rp)}")
    line(f"{t('skrd_due', lang)}: {format_date(statement.due_on, 'long', locale=locale)}")
    if settings.account_code:
        line(f"{t('skrd_account', lang)}: {settings.account_code}")
    if settings.bank_account:
        line(f"{t('skrd_bank', lang)}: {settings.bank_account}")
    pdf.ln(3)
    bases = statement.items.drop_duplicates("tariff_id")[["tariff_id", "legal_basis"]]
    if len(bases):
        line(t("skrd_basis", lang), bold=True, size=8)
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


#: term keys a statement's PDF may print (checked against the core fonts' encoding)
_PDF_TERMS = (
    "skrd_title",
    "skrd_subtitle",
    "skrd_unconfigured",
    "skrd_number",
    "skrd_period",
    "skrd_to",
    "skrd_address",
    "skrd_tax_id",
    "skrd_contact",
    "skrd_written",
    "skrd_objects",
    "skrd_total",
    "skrd_words",
    "skrd_this_year",
    "skrd_paid",
    "skrd_unpaid",
    "skrd_no_permit",
    "skrd_arrears",
    "skrd_due",
    "skrd_months_late",
    "skrd_sanction",
    "skrd_sanction_rate",
    "skrd_due_rp",
    "skrd_due_words",
    "skrd_account",
    "skrd_bank",
    "skrd_basis",
    "skrd_page",
    "skrd_no_register",
    "skrd_not_in_register",
    "partly_paid",
    "paid",
    "unpaid",
    "no_permit",
    "qty_m2",
)


def _statement_head(statement: Statement, settings: StatementSettings, lang: str) -> pd.DataFrame:
    """The statement's head as (field, value) rows: amounts as numbers, dates as dates."""
    head: list[tuple[str, object]] = [
        ("skrd_number", statement.number),
        ("skrd_year", str(statement.year)),
        ("skrd_owner_id", statement.owner_id),
        ("skrd_to", statement.owner_name),
        ("skrd_written", "; ".join(statement.names_as_written)),
        *(
            ("skrd_" + k, v)
            for k, v in statement.company.items()
            if k in ("address", "tax_id", "contact", "aliases")
        ),
        ("skrd_issued", statement.issued_on),
        ("skrd_due", statement.due_on),
        ("skrd_total", statement.total_rp),
        ("skrd_words", statement.total_words),
    ]
    if statement.settled:
        head += [
            ("skrd_paid", statement.paid_rp),
            ("skrd_unpaid", statement.unpaid_rp),
            ("skrd_no_permit", statement.no_permit_rp),
        ]
    if statement.settled or len(statement.arrears):
        head += [
            ("skrd_arrears", statement.arrears_rp),
            ("skrd_sanction", statement.sanction_rp),
            ("skrd_due_rp", statement.due_rp),
        ]
    head += [("skrd_account", settings.account_code)]
    if statement.note:
        head += [("skrd_note", t(_NOTES.get(statement.note, "skrd_note"), lang))]
    frame = pd.DataFrame(
        {
            header("field", lang): [t(k, lang) for k, _ in head],
            header("value", lang): pd.Series([v for _, v in head], dtype=object),
        }
    )
    frame.attrs["money_columns"] = (header("value", lang),)
    return frame


def _width(name: str, values: list) -> float:
    sample = [len(str(v)) for v in values[:200] if v is not None]
    return float(min(60, max(8, len(str(name)) + 2, *(n + 2 for n in sample))))


_CONTROL_TEXT = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"


def _cell_values(column: pd.Series) -> list:
    """A column as plain cell values: numbers, dates, or text neutralised (never read as
    a formula) with control characters shown as ``\\xNN``."""
    if pd.api.types.is_bool_dtype(column):
        return [v if isinstance(v, bool) else None for v in column.tolist()]
    if pd.api.types.is_integer_dtype(column) and not column.isna().any():
        return column.astype("int64").tolist()
    if pd.api.types.is_float_dtype(column):
        return [None if v != v else v for v in column.astype("float64").tolist()]
    if column.dtype == object and column.map(lambda v: isinstance(v, date | int | float)).any():
        out = []
        for value in column.tolist():
            if value is None or (isinstance(value, float) and value != value):
                out.append(None)
            elif isinstance(value, date | int | float) and not isinstance(value, bool):
                out.append(value)
            else:
                out.append(neutralise(printable(value)))
        return out
    text = column.astype(object).where(column.notna(), "").astype(str)
    if text.str.contains(_CONTROL_TEXT, regex=True).any():
        text = text.map(printable)
    return _neutralise_text(text).tolist()


def _sheet(title: str, frame: pd.DataFrame, lang: str, *, total: bool) -> xlsxsheets.Sheet:
    """One sheet: the header people read (bold, frozen, filtered, printed on every A4
    landscape page), money with thousands, dates as Excel dates, widths from the
    content and, when asked, a total row of the money columns."""
    marked = frame.attrs.get("money_columns", ())
    money = [str(name).endswith("(Rp)") or name in marked for name in frame.columns]
    values = [_cell_values(frame.iloc[:, i]) for i in range(frame.shape[1])]
    total_row = None
    if total and len(frame) and frame.shape[1]:
        total_row = [t("total", lang), *([None] * (frame.shape[1] - 1))]
        for i, column in enumerate(values):
            if i and money[i] and all(isinstance(v, int) or v is None for v in column):
                total_row[i] = sum(v for v in column if v is not None)
    return xlsxsheets.Sheet(
        title,
        [neutralise(printable(name)) for name in frame.columns],
        values,
        money=money,
        total=total_row,
        widths=[_width(name, column) for name, column in zip(frame.columns, values, strict=True)],
    )


def _write_book(path: Path, sheets: dict[str, tuple[pd.DataFrame, bool]], lang: str) -> None:
    """The sheets as an XLSX workbook (:mod:`geoasset.xlsxsheets`): every text an inline
    string, never a formula or a link."""
    xlsxsheets.write_workbook(
        [_sheet(title, frame, lang, total=total) for title, (frame, total) in sheets.items()],
        path,
    )


def statement_xlsx(
    statement: Statement, settings: StatementSettings, path: Path, lang: str = "id"
) -> None:
    """The statement as an XLSX workbook: sheets ``SKRD`` (the head), the line items
    (``Rincian``), the legal basis of each tariff used and, with arrears, the arrears."""
    items = statement.items
    sheets = {
        t("skrd_sheet_head", lang): (_statement_head(statement, settings, lang), False),
        t("line_items", lang): (
            people_table(items.drop(columns="legal_basis", errors="ignore"), lang),
            True,
        ),
    }
    if "legal_basis" in items:
        bases = items.drop_duplicates("tariff_id")[["tariff_id", "legal_basis"]]
        sheets[t("legal_basis", lang)] = (people_table(bases, lang), False)
    if len(statement.arrears):
        arrears = statement.arrears.assign(
            due_on=[date.fromisoformat(str(d)[:10]) for d in statement.arrears["due_on"]]
        ).rename(columns={"number": "statement"})
        sheets[t("skrd_sheet_arrears", lang)] = (people_table(arrears, lang), True)
    _write_book(path, sheets, lang)


def _write_pair(statement: Statement, settings: StatementSettings, lang: str, pdf_path, xlsx_path):
    Path(pdf_path).write_bytes(statement_pdf(statement, settings, lang))
    statement_xlsx(statement, settings, Path(xlsx_path), lang)


#: line items above which statements are written by several processes
PARALLEL_ITEMS = 50_000

#: columns of the warning list (assets without a permit)
WARNING_COLUMNS = (
    "asset_id",
    "layer",
    "kind",
    "owner",
    "corridor_id",
    "sta",
    "amount_rp",
    "statement",
)


def warning_list(statements: list[Statement]) -> pd.DataFrame:
    """Assets billed without a permit, one row per line item, with their statement.

    >>> warning_list([]).columns.tolist()[:4]
    ['asset_id', 'layer', 'kind', 'owner']
    """
    parts = []
    for statement in statements:
        if not statement.settled:
            continue
        items = statement.items
        rows = items[items["payment_status"].astype(str) == "no_permit"]
        if len(rows):
            part = rows.reindex(columns=list(WARNING_COLUMNS))
            part["owner"] = statement.owner_name
            part["statement"] = statement.number
            parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in WARNING_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out["amount_rp"] = out["amount_rp"].astype("int64")
    return out


def write_statements(
    statements: list[Statement],
    directory: str | os.PathLike,
    *,
    settings: StatementSettings | None = None,
    lang: str = "id",
    overwrite: bool = False,
) -> list[Path]:
    """Write each statement as PDF and XLSX, and ``statements_index.xlsx``; with settled
    statements also the warning list of assets without a permit (CSV, and a sheet of the
    index); all or nothing.

    Refuses, before writing anything, to replace an existing file unless ``overwrite``.
    Returns the paths written, index last.
    """
    if lang not in LANGUAGES:
        raise StatementError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    settings = settings or StatementSettings()
    directory = Path(directory)
    targets = []
    for statement in statements:
        stem = statement_file_stem(statement.number, statement.owner_name)
        targets.append((statement, directory / f"{stem}.pdf", directory / f"{stem}.xlsx"))
    index_path = directory / INDEX_NAME
    warnings = warning_list(statements)
    settled = any(s.settled for s in statements)
    extra = [directory / WARNINGS_NAME] if settled else []
    every = [p for _, pdf, xlsx in targets for p in (pdf, xlsx)] + extra + [index_path]
    if len(set(every)) != len(every):
        raise StatementError("two statements would get the same file name; check statement.number")
    existing = [p for p in every if p.exists()]
    if existing and not overwrite:
        raise StatementError(
            f"{existing[0]} already exists ({len(existing)} statement file(s) would be replaced)"
        )
    with staged_files() as stage:
        jobs = [
            (statement, settings, lang, stage.path(pdf_path), stage.path(xlsx_path))
            for statement, pdf_path, xlsx_path in targets
        ]
        large = sum(len(s.items) for s in statements) > PARALLEL_ITEMS
        map_processes(_write_pair, jobs, workers=cores() if large else 1)
        index = statements_index(statements)
        if not settled:
            index = index.drop(columns=["paid_rp", "unpaid_rp", "no_permit_rp"])
        if not settled and not any(len(s.arrears) for s in statements):
            index = index.drop(columns=["arrears_rp", "sanction_rp", "due_rp"])
        index["note"] = [note_text(n, lang) for n in index["note"]]
        index["pdf"] = [pdf.name for _, pdf, _ in targets]
        sheets = {t("skrd_sheet_index", lang): (people_table(index, lang), True)}
        if settled:
            people = people_table(warnings, lang)
            _write_csv_file(people, stage.path(directory / WARNINGS_NAME))
            sheets[t("skrd_warning_list", lang)] = (people, True)
        _write_book(stage.path(index_path), sheets, lang)
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

    ``owners`` and ``settings`` are paths of the owners register (CSV or XLSX) and the
    settings (TOML); without them statements are addressed as written and marked as
    drafts without settings. With a ``permits`` table in the inventory the line items are
    settled against the permits and payments (:func:`geoasset.ledger.settle`), the arrears
    of earlier years' statements are added, and this year's line items are kept in the
    ``statement_ledger`` table (replacing the year's earlier rows) for the years after.
    """
    from geoasset.ledger import arrears_by_year, settle, stored_ledger, write_ledger
    from geoasset.payments import stored_payments
    from geoasset.permits import stored_permits

    if not inventory.has_layer("assessment_items"):
        raise StatementError(f"{inventory.path}: no assessment stored; assess {year} first")
    items = pd.DataFrame(
        inventory.read("assessment_items").drop(columns="geometry", errors="ignore")
    )
    if items.empty:
        raise StatementError(f"{inventory.path}: the stored assessment has no line items")
    register = load_owners(owners) if owners is not None else None
    options = load_statement_settings(settings) if settings is not None else StatementSettings()
    permits = stored_permits(inventory)
    ledger = stored_ledger(inventory)
    arrears = None
    if permits is not None:
        payments = stored_payments(inventory)
        items = settle(items, permits, payments, owners=register)
        arrears = arrears_by_year(ledger, permits, payments, before=year, owners=register)
    statements = build_statements(
        items,
        year=year,
        issued_on=issued_on or date.today(),
        owners=register,
        settings=options,
        arrears=arrears,
    )
    paths = write_statements(
        statements, directory, settings=options, lang=lang, overwrite=overwrite
    )
    write_ledger(inventory, items, statements, year=year)
    return statements, paths
