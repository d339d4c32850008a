"""Reports of an assessment: inventory layers, an XLSX workbook, CSVs, a terminal table.

Every figure in a report is read from :class:`~geoasset.assessment.Assessment`: line items,
and totals that are sums of them. Nothing is recomputed here.

Field data is not trusted: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return (after any leading spaces) is written with a leading single quote,
so no spreadsheet runs it as a formula (:func:`neutralise`). Numbers stay numbers.

Files are written atomically: into a temporary file next to the target, then moved into
place with :func:`os.replace`. :func:`write_reports` stages every file first and moves
them only after the inventory write succeeded, so a failure leaves nothing half written.

Examples
--------
>>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("PLN"), neutralise(-5)
('\\'=HYPERLINK("http://x")', 'PLN', -5)
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geoasset import i18n, xlsxsheets
from geoasset.assessment import Assessment, write_assessment
from geoasset.bulk import cycle_collector_paused
from geoasset.outputs import StagedFiles, staged_files
from geoasset.outputs import atomic_path as _atomic
from geoasset.parallel import map_threads
from geoasset.text import FORMULA_TRIGGERS, neutralise, terminal_text, xml_frame

__all__ = [
    "FORMULA_TRIGGERS",
    "XLSX_MAX_ROWS",
    "CSV_FILES",
    "neutralise",
    "write_assessment",
    "write_csv",
    "write_csvs",
    "write_xlsx",
    "write_tables_xlsx",
    "write_reports",
    "format_summary",
]

#: Rows per worksheet (Excel's limit, header included).
XLSX_MAX_ROWS = 1_048_576
#: The CSV files :func:`write_csvs` writes.
CSV_FILES = (
    "line_items.csv",
    "totals_corridor.csv",
    "totals_owner.csv",
    "totals_road.csv",
    "totals_kabupaten.csv",
    "not_billable.csv",
    "tariffs_used.csv",
    "parameters.csv",
)


# -- tables ----------------------------------------------------------------------------
def _plain(value):
    """A cell value as a plain Python object; missing values become ``None``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _neutralise_text(series: pd.Series) -> pd.Series:
    """:func:`neutralise` on a column of text, vectorised."""
    text = series.astype("str")
    risky = text.str.lstrip(" ").str[:1].isin(FORMULA_TRIGGERS).fillna(False)
    return text.where(~risky, "'" + text)


def _columns(frame: pd.DataFrame) -> list[list]:
    """Each column as a list of plain, neutralised values (whole-column conversions)."""
    out = []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_bool_dtype(series):
            out.append(series.astype(object).where(series.notna(), None).tolist())
        elif pd.api.types.is_integer_dtype(series) and not series.isna().any():
            out.append(series.astype("int64").tolist())
        elif pd.api.types.is_float_dtype(series):
            values = series.to_numpy(dtype="float64")
            out.append([None if v != v else v for v in values.tolist()])
        elif pd.api.types.is_string_dtype(series) and (
            series.dtype != object or series.dropna().map(type).eq(str).all()
        ):
            missing = series.isna().to_numpy()
            values = _neutralise_text(series).astype(object).tolist()
            out.append([None if m else v for v, m in zip(values, missing, strict=True)])
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
            out.append([neutralise(_plain(v)) for v in values])
    return out


def _items_table(assessment: Assessment, *, wkt: bool) -> pd.DataFrame:
    items = assessment.items
    table = pd.DataFrame(items.drop(columns=items.geometry.name))
    geoms = items.geometry.values.to_numpy()
    if len(geoms):
        lon, lat = _representative_xy(geoms)
        table["lon"], table["lat"] = np.round(lon, 7), np.round(lat, 7)
        if wkt:  # straight into Arrow: pandas would check a million strings one by one
            text = pa.array(
                shapely.to_wkt(geoms, rounding_precision=7, trim=True), pa.large_string()
            )
            table["wkt"] = pd.array(text, dtype="str")
    else:
        table["lon"], table["lat"] = [], []
        if wkt:
            table["wkt"] = []
    return table


def _representative_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of a point on each geometry (``point_on_surface``; a point is itself)."""
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)  # NaN unless a point
    other = shapely.get_type_id(geoms) != 0
    if other.any():
        points = shapely.point_on_surface(geoms[other])
        x[other], y[other] = shapely.get_x(points), shapely.get_y(points)
    return x, y


def _not_billable_table(assessment: Assessment) -> pd.DataFrame:
    frame = assessment.not_billable
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    geoms = frame.geometry.values.to_numpy()
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    if usable.any():
        lon[usable], lat[usable] = _representative_xy(geoms[usable])
    table["lon"], table["lat"] = np.round(lon, 7), np.round(lat, 7)
    return table


def _tariffs_table(assessment: Assessment) -> pd.DataFrame:
    used = assessment.tariffs_used()
    table = used.drop(columns=["specificity"], errors="ignore").copy()
    table["rate_rp"] = [float(v) if v != v.to_integral() else int(v) for v in table["rate_rp"]]
    for name in ("valid_from", "valid_to"):
        table[name] = [None if v is None else v.isoformat() for v in table[name]]
    return table


def _parameters_table(assessment: Assessment) -> pd.DataFrame:
    return pd.DataFrame(
        {"parameter": list(assessment.parameters), "value": list(assessment.parameters.values())}
    )


def _totals(assessment: Assessment, by: str) -> pd.DataFrame:
    table = assessment.totals(by)
    if not (assessment.items["layer"] == "areas").any():
        table = table.drop(columns=["area_m2"])
    return table


def _table_makers(assessment: Assessment, *, wkt: bool) -> dict[str, Callable[[], pd.DataFrame]]:
    """How to build each table of :func:`_tables`, to build them one at a time."""
    return {
        "line_items": lambda: _items_table(assessment, wkt=wkt),
        "totals_corridor": lambda: _totals(assessment, "corridor_id"),
        "totals_owner": lambda: _totals(assessment, "owner"),
        "totals_road": lambda: _totals(assessment, "road_id"),
        "totals_kabupaten": lambda: _totals(assessment, "kabupaten"),
        "not_billable": lambda: _not_billable_table(assessment),
        "tariffs_used": lambda: _tariffs_table(assessment),
        "parameters": lambda: _parameters_table(assessment),
    }


def _tables(assessment: Assessment, *, wkt: bool) -> dict[str, pd.DataFrame]:
    return {name: make() for name, make in _table_makers(assessment, wkt=wkt).items()}


def _write_csv_file(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as CSV: the bytes Python's ``csv.writer`` writes for the cells of
    :func:`_columns` (excel dialect: ``,``, ``"`` quoting only where needed, CRLF), in
    UTF-8 with a BOM.

    The body is built column by column with Arrow compute functions and written as one
    buffer: a million line items take seconds instead of half a minute of per-row
    Python. Text columns with few distinct values are neutralised and quoted once per
    value.
    """
    header = io.StringIO()
    csv.writer(header).writerow([neutralise(str(c)) for c in frame.columns])
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + header.getvalue().encode("utf-8"))
        if len(frame) == 0 or len(frame.columns) == 0:
            return
        blocks = [
            frame.iloc[i : i + _CSV_BLOCK_ROWS] for i in range(0, len(frame), _CSV_BLOCK_ROWS)
        ]
        if len(blocks) == 1:
            handle.write(_csv_body(blocks[0]))
            return
        # Arrow computes without Python's lock: blocks of rows in threads, kept in order
        for body in map_threads(_csv_body, blocks):
            handle.write(body)


#: Rows per block of a CSV file (each block is built in one piece of memory).
_CSV_BLOCK_ROWS = 200_000


def _utf8(value: str) -> pa.Scalar:
    """A large_string scalar, to combine with the columns."""
    return pa.scalar(value, pa.large_string())


def _csv_body(frame: pd.DataFrame) -> memoryview:
    """Every row of ``frame`` as CSV fields joined by commas, each row ending in CRLF."""
    cells = [_csv_cells(frame[name]) for name in frame.columns]
    if len(cells) == 1:  # csv.writer quotes a row made of one empty field
        cells[0] = pc.if_else(pc.equal(cells[0], _utf8("")), _utf8('""'), cells[0])
    cells[-1] = pc.binary_join_element_wise(cells[-1], _utf8("\r\n"), _utf8(""))
    rows = pc.binary_join_element_wise(*cells, _utf8(","))
    if isinstance(rows, pa.ChunkedArray):
        rows = rows.combine_chunks()
    _, offsets, data = rows.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64, count=len(rows) + 1, offset=rows.offset * 8)
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def _arrow(series: pd.Series, type: pa.DataType) -> pa.Array:
    """A column as one contiguous Arrow array (pandas may hold it in chunks)."""
    values = pa.array(series, type=type, from_pandas=True)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _csv_cells(series: pd.Series) -> pa.Array:
    """One column's CSV fields as a non-null large_string array: the text
    ``csv.writer`` writes for each cell of :func:`_columns` (``str()`` of the value,
    ``repr`` for floats, text neutralised, ``""`` when missing), quoted where needed."""
    if pd.api.types.is_bool_dtype(series):
        values = _arrow(series, pa.bool_())
        words = pc.if_else(values, _utf8("True"), _utf8("False"))
        return pc.fill_null(words, _utf8(""))
    if pd.api.types.is_integer_dtype(series):
        values = _arrow(series, pa.int64())
        return pc.fill_null(values.cast(pa.large_string()), _utf8(""))
    if pd.api.types.is_float_dtype(series):
        return _float_text(series.to_numpy(dtype="float64", na_value=np.nan))
    if pd.api.types.is_string_dtype(series) and (
        series.dtype != object or series.dropna().map(type).eq(str).all()
    ):
        if series.dtype == object:
            series = series.astype(object).where(series.notna(), None)
        values = _arrow(series, pa.large_string())
        if _repetitive(values):  # few distinct values: neutralise and quote each once
            encoded = pc.dictionary_encode(values)
            words = _quoted(_neutralised(encoded.dictionary.cast(pa.large_string())))
            return pc.fill_null(pc.take(words, encoded.indices), _utf8(""))
        return pc.fill_null(_quoted(_neutralised(values)), _utf8(""))
    values = series.astype(object).where(series.notna(), None).tolist()
    words = ["" if v is None else str(v) for v in (neutralise(_plain(v)) for v in values)]
    return _quoted(pa.array(words, type=pa.large_string()))


def _repetitive(values: pa.Array) -> bool:
    """Whether a sample of ``values`` repeats itself (then few values are distinct)."""
    sample = values.take(np.linspace(0, len(values) - 1, min(len(values), 1000)).astype(int))
    return pc.count_distinct(sample, mode="all").as_py() * 4 < len(sample)


def _neutralised(values: pa.Array) -> pa.Array:
    """:func:`neutralise` on an Arrow text array (only the risky values are rebuilt)."""
    first = pc.utf8_slice_codeunits(pc.utf8_ltrim(values, " "), 0, 1)
    risky = pc.fill_null(
        pc.is_in(first, value_set=pa.array(FORMULA_TRIGGERS, type=pa.large_string())), False
    )
    if not pc.any(risky).as_py():
        return values
    quoted = pc.binary_join_element_wise(_utf8("'"), values.filter(risky), _utf8(""))
    return pc.replace_with_mask(values, risky, quoted)


def _quoted(values: pa.Array) -> pa.Array:
    """CSV fields: a value holding a comma, quote, CR or LF quoted, its quotes doubled
    (only those values are rebuilt)."""
    needs = pc.fill_null(pc.match_substring_regex(values, '[,"\r\n]'), False)
    if not pc.any(needs).as_py():
        return values
    chosen = pc.replace_substring(values.filter(needs), '"', '""')
    quoted = pc.binary_join_element_wise(_utf8('"'), chosen, _utf8('"'), _utf8(""))
    return pc.replace_with_mask(values, needs, quoted)


def _float_text(values: np.ndarray) -> pa.Array:
    """``repr`` of each float (``""`` for NaN), as ``csv.writer`` writes them.

    Arrow prints the same shortest round-trip digits as Python; it only drops the
    ``.0`` of whole numbers and chooses exponents differently, so values Python
    prints with an exponent (below 1e-4, from 1e16) or Arrow did are printed by Python.
    """
    missing = np.isnan(values)
    finite = np.isfinite(values)
    text = pc.cast(pa.array(values, from_pandas=True), pa.large_string())
    magnitude = np.abs(values)
    python = ~missing & (~finite | ((magnitude < 1e-4) & (values != 0)) | (magnitude >= 1e16))
    python |= pc.fill_null(pc.match_substring(text, "e"), False).to_numpy(zero_copy_only=False)
    whole = finite & (values == np.trunc(values)) & ~python
    if whole.all():
        text = pc.binary_join_element_wise(text, _utf8(".0"), _utf8(""))
    elif whole.any():  # only those values are rebuilt
        mask = pa.array(whole)
        text = pc.replace_with_mask(
            text, mask, pc.binary_join_element_wise(text.filter(mask), _utf8(".0"), _utf8(""))
        )
    if python.any():
        words = [repr(v) for v in values[python].tolist()]
        text = pc.replace_with_mask(text, pa.array(python), pa.array(words, pa.large_string()))
    return pc.fill_null(text, _utf8(""))


@cycle_collector_paused()
def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as CSV (UTF-8 with BOM, for Excel), atomically, text neutralised.

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> write_csv(pd.DataFrame({"owner": ["=1+1"], "amount_rp": [5]}), path)
    >>> open(path, encoding="utf-8-sig").read().splitlines()
    ['owner,amount_rp', "'=1+1,5"]
    """
    with _atomic(path) as temporary:
        _write_csv_file(frame, temporary)


@cycle_collector_paused()
def write_csvs(assessment: Assessment, directory: str | os.PathLike) -> list[Path]:
    """Write the assessment as the CSV files :data:`CSV_FILES` into ``directory``
    (created if missing). Line items carry ``lon, lat`` and the piece's ``wkt``."""
    directory = Path(directory)
    with staged_files() as stage:
        _stage_csvs(stage, assessment, directory)
        stage.commit()
    return [directory / name for name in CSV_FILES]


# -- XLSX ------------------------------------------------------------------------------
#: table -> sheet title in English and in Bahasa Indonesia.
_SHEETS = {
    "totals_corridor": ("Corridors", "Koridor"),
    "totals_owner": ("Owners", "Pemilik"),
    "totals_road": ("Roads", "Ruas jalan"),
    "totals_kabupaten": ("Kabupaten", "Kabupaten"),
    "line_items": ("Line items", "Rincian"),
    "not_billable": ("Not billable", "Tidak ditagih"),
    "tariffs_used": ("Tariffs used", "Tarif"),
    "parameters": ("Parameters", "Parameter"),
}
_TOTAL_ROW_TABLES = {"totals_corridor", "totals_owner", "totals_road", "totals_kabupaten"}
_WIDE_COLUMNS = {"legal_basis", "detail", "wkt", "value", "parameter", "name"}
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(title: str, used: set[str]) -> str:
    base = title.translate(_SHEET_FORBIDDEN).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _write_workbook(
    sheets: Sequence[tuple[str, pd.DataFrame, bool, bool]], path: Path, lang: str | None = None
) -> None:
    """Write ``(title, frame, total_row, money_format)`` sheets (:mod:`geoasset.xlsxsheets`:
    column by column, the cells openpyxl's write-only mode would write). With ``lang``
    the headers and coded values are the words of :mod:`geoasset.i18n`; without, the
    column names a program reads."""
    used: set[str] = set()
    per_sheet = XLSX_MAX_ROWS - 2  # header and total rows
    out = []
    for title, frame, total_row, money_format in sheets:
        frame = pd.DataFrame(frame)
        frame = xml_frame(frame.drop(columns=[c for c in frame.columns if c == "geometry"]))
        header = [neutralise(str(name)) for name in frame.columns]
        total_label = "TOTAL"
        if lang is not None:
            header = [neutralise(i18n.header(str(name), lang)) for name in frame.columns]
            frame = i18n.in_words(frame, lang)
            total_label = i18n.t("sum_total", lang)
        widths = [44 if str(name) in _WIDE_COLUMNS else 14 for name in frame.columns]
        rupiah = [str(c).endswith("_rp") for c in frame.columns]
        columns = _columns(frame)
        chunks = max(1, math.ceil(len(frame) / per_sheet))
        for chunk in range(chunks):
            rows = slice(chunk * per_sheet, (chunk + 1) * per_sheet)
            last = chunk == chunks - 1
            out.append(
                xlsxsheets.Sheet(
                    _sheet_title(title if chunk == 0 else f"{title} ({chunk + 1})", used),
                    header,
                    [values[rows] for values in columns],
                    money=[money_format and m for m in rupiah],
                    total=_total_row(frame, total_label) if total_row and last else None,
                    total_money=rupiah,
                    widths=widths,
                )
            )
    xlsxsheets.write_workbook(out, path)


def _total_row(frame: pd.DataFrame, label: str = "TOTAL") -> list:
    """``label`` and the sums of the summed columns (each a sum of line-item sums)."""
    row = []
    for position, name in enumerate(frame.columns):
        value = None
        if position == 0:
            value = label
        elif name in ("items", "poles") or name.endswith("_rp"):
            value = int(frame[name].sum())
        elif name in ("line_m", "area_m2"):
            value = round(float(frame[name].sum()), 2)
        row.append(value)
    return row


def _assessment_sheets(assessment: Assessment, lang: str):
    if lang not in ("en", "id"):
        raise ValueError(f"language must be 'en' or 'id', not {lang!r}")
    tables = _tables(assessment, wkt=False)
    return [
        (i18n.t(f"sheet_{key}", lang), tables[key], key in _TOTAL_ROW_TABLES, key != "line_items")
        for key in _SHEETS
    ]


@cycle_collector_paused()
def write_xlsx(assessment: Assessment, path: str | os.PathLike, *, lang: str = "en") -> Path:
    """Write the assessment as an XLSX workbook, atomically.

    Sheets (titles in English, or Bahasa Indonesia with ``lang="id"``): totals per
    corridor, owner, road and kabupaten (each with a TOTAL row), line items (continued
    on further sheets past Excel's row limit), not billable, tariffs used, parameters of
    the run. Text cells are neutralised (:func:`neutralise`).
    """
    with _atomic(path) as temporary:
        _write_workbook(
            _assessment_sheets(assessment, lang), temporary, lang if lang == "id" else None
        )
    return Path(path)


@cycle_collector_paused()
def write_tables_xlsx(
    tables: Mapping[str, pd.DataFrame], path: str | os.PathLike, *, lang: str | None = None
) -> Path:
    """Write named tables as the sheets of one XLSX workbook, atomically.

    Sheet titles are the names (made valid: at most 31 characters, no ``[]:*?/\\``), or
    with ``lang="id"`` their titles in the term table (``sheet_<name>``) where it has one;
    ``*_rp`` columns get a thousands format; text cells are neutralised; a
    ``geometry`` column is left out.

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> from openpyxl import load_workbook
    >>> path = os.path.join(tempfile.mkdtemp(), "t.xlsx")
    >>> _ = write_tables_xlsx({"Owners": pd.DataFrame({"owner": ["+62 PLN"]})}, path)
    >>> load_workbook(path)["Owners"]["A2"].value
    "'+62 PLN"
    """

    def title(name: str) -> str:
        key = f"sheet_{name}"
        return i18n.t(key, lang) if lang == "id" and key in i18n.TERMS else name

    sheets = [(title(str(name)), frame, False, True) for name, frame in tables.items()]
    with _atomic(path) as temporary:
        _write_workbook(sheets, temporary)
    return Path(path)


# -- everything at once ------------------------------------------------------------------------
def _stage_csvs(stage: StagedFiles, assessment: Assessment, directory: Path) -> None:
    makers = _table_makers(assessment, wkt=True)
    for name in CSV_FILES:  # one table at a time: the largest is freed before the next
        _write_csv_file(makers[name.removesuffix(".csv")](), stage.path(directory / name))


@cycle_collector_paused()
def write_reports(
    assessment: Assessment,
    *,
    inventory=None,
    xlsx: str | os.PathLike | None = None,
    csv_dir: str | os.PathLike | None = None,
    source: str = "",
    lang: str = "en",
) -> list[Path]:
    """Write every requested output, all or nothing.

    The XLSX and the CSVs are first written to temporary files; then the inventory layers
    are written (one atomic batch); only then are the files moved into place. If anything
    fails before that, no output exists and the inventory is unchanged.

    Parameters
    ----------
    assessment
        From :func:`geoasset.assessment.assess`.
    inventory
        An :class:`~geoasset.store.Inventory` to store the assessment layers in
        (:func:`~geoasset.assessment.write_assessment`), or ``None``.
    xlsx, csv_dir
        The workbook to write, the folder for the CSV files (created if needed).
    source
        Recorded in the inventory's history (e.g. the tariff file's name).
    lang
        ``"en"`` or ``"id"``: language of the workbook's sheet titles; in Bahasa
        Indonesia also its headers and coded values (English keeps the column names a
        program reads).

    Returns
    -------
    list of Path
        The files written.
    """
    written: list[Path] = []
    with staged_files() as stage:
        if xlsx is not None:
            target = Path(xlsx)
            _write_workbook(
                _assessment_sheets(assessment, lang),
                stage.path(target),
                lang if lang == "id" else None,
            )
            written.append(target)
        if csv_dir is not None:
            _stage_csvs(stage, assessment, Path(csv_dir))
            written.extend(Path(csv_dir) / name for name in CSV_FILES)
        if inventory is not None:
            write_assessment(inventory, assessment, source=source)
        stage.commit()
    return written


# -- terminal ----------------------------------------------------------------------------
def _table(headers: Sequence[str], rows: Iterable[Sequence], right: Sequence[bool]) -> list[str]:
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(values):
        cells = [
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ]
        return "  ".join(cells).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def format_summary(assessment: Assessment, *, limit: int | None = None, lang: str = "en") -> str:
    """A readable corridor-by-corridor table with the total, for the terminal, in
    ``lang`` (numbers grouped as Babel groups them for that language).

    ``limit`` shows only that many corridors (the total still covers all of them).

    Examples
    --------
    See :mod:`geoasset.assessment`; the output looks like::

        corridor  road  STA                poles  line m  amount (Rp)
        --------  ----  -----------------  -----  ------  -----------
        R1        R1    STA 0+000 – 1+000      2    0.00    1,098,000
        TOTAL                                  2    0.00    1,098,000

    An ``area m²`` column follows ``line m`` when areas are billed.
    """
    from babel.numbers import format_decimal

    from geoasset.money import LOCALES

    locale = LOCALES[lang]

    def whole(value) -> str:
        return format_decimal(int(value), locale=locale)

    def metres(value) -> str:
        return format_decimal(round(float(value), 2), format="#,##0.00", locale=locale)

    def t(key: str) -> str:
        return i18n.t(key, lang)

    totals = assessment.totals("corridor_id")
    shown = totals if limit is None else totals.head(limit)
    rows = [
        [
            r.corridor_id,
            r.road_id,
            getattr(r, "sta", None),
            whole(r.poles),
            metres(r.line_m),
            metres(r.area_m2),
            whole(r.amount_rp),
            whole(r.arrears_rp),
        ]
        for r in shown.itertuples(index=False)
    ]
    if limit is not None and len(totals) > limit:
        more = t("sum_more_corridors").format(n=whole(len(totals) - limit))
        rows.append([more, "", "", "", "", "", "", ""])
    rows.append(
        [
            t("sum_total"),
            "",
            "",
            whole(totals["poles"].sum()),
            metres(totals["line_m"].sum()),
            metres(totals["area_m2"].sum()),
            whole(assessment.grand_total),
            whole(totals["arrears_rp"].sum()),
        ]
    )
    headers = [
        t("sum_corridor"),
        t("sum_road"),
        "STA",
        t("sum_poles"),
        t("sum_line_m"),
        t("sum_area_m2"),
        t("sum_amount"),
        t("sum_arrears"),
    ]
    right = [False, False, False, True, True, True, True, True]
    if not float(totals["area_m2"].sum()):  # no areas billed: no column of zeros
        rows = [row[:5] + row[6:] for row in rows]
        headers, right = headers[:5] + headers[6:], right[:5] + right[6:]
    lines = _table(headers, rows, right)
    p = assessment.parameters
    lines.insert(0, f"{t('sum_retribution')} {p.get('period_from')} – {p.get('period_to')}")
    lines.insert(1, "")
    lines.append("")
    lines.append(f"{t('sum_line_items')}: {whole(len(assessment.items))}")
    reasons = assessment.not_billable["reason"].value_counts()
    if len(reasons):
        # English keeps the reason codes (as the workbooks and CSV files do)
        parts = ", ".join(
            f"{k if lang == 'en' else i18n.t(k, lang)} {whole(v)}" for k, v in reasons.items()
        )
        lines.append(f"{t('sum_not_billed')}: {parts}")
    return terminal_text("\n".join(lines))
