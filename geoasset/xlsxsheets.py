"""A fast writer of plain tables as an XLSX workbook (SpreadsheetML in a zip file).

The reports write tens of thousands of line items; a general spreadsheet library spends
microseconds of Python per cell on objects and styles. Here each column is turned into
cell XML in one list comprehension and rows are written in blocks straight into the zip
member, so a workbook of a million cells takes about a second.

Cells are written as openpyxl writes them in write-only mode, so a workbook reads back
the same: numbers as ``%.16g``, text as inline strings (``xml:space="preserve"`` when it
has surrounding blanks), booleans as ``1``/``0``, dates as serial days with the format
``yyyy-mm-dd`` (``yyyy-mm-dd h:mm:ss`` with a time). Text that cannot be stored in XML
(control characters) raises openpyxl's ``IllegalCharacterError``, text over 32,767
characters a ``ValueError``, as there. Only a few styles exist: bold (headers, total
rows), the thousands format ``#,##0`` (money) and both together.

Examples
--------
>>> import tempfile, os
>>> from openpyxl import load_workbook
>>> path = os.path.join(tempfile.mkdtemp(), "t.xlsx")
>>> sheet = Sheet("Owners", ["owner", "amount_rp"], [["PLN", None], [1500, 2.5]],
...               money=[False, True])
>>> write_workbook([sheet], path)
>>> cells = load_workbook(path)["Owners"]["A1":"B3"]
>>> [[c.value for c in row] for row in cells]
[['owner', 'amount_rp'], ['PLN', 1500], [None, 2.5]]
>>> cells[1][1].number_format, cells[0][0].font.b
('#,##0', True)
"""

from __future__ import annotations

import datetime
import math
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Sheet", "write_workbook", "column_letter"]

#: Style ids of the workbook's cellXfs (see _STYLES).
PLAIN, BOLD, MONEY, BOLD_MONEY, DATE, DATETIME = range(6)
#: Rows turned into XML and written per block (bounds the memory of a large sheet).
BLOCK_ROWS = 20_000
#: Longest text a cell may hold (Excel's limit).
MAX_TEXT = 32_767

_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # as openpyxl refuses them
_NEEDS_ESCAPE = re.compile(r"[&<>\r]")
_EPOCH = datetime.datetime(1899, 12, 30)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></font><font><b val="1"/></font></fonts>'
    '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
    "</fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass
class Sheet:
    """One worksheet: a header row, the columns' values, an optional total row.

    ``columns`` are the header texts; ``values`` one list of plain Python values per
    column (``None`` for an empty cell); ``money`` marks the columns whose numbers take
    the thousands format; ``total`` the values of a bold last row (``total_money``: its
    columns in the thousands format, default ``money``); ``widths`` the column widths
    (14 by default); the first row is frozen, filtered (``filter``) and printed on
    every page; pages are A4 landscape, one page wide.
    """

    title: str
    columns: Sequence[str]
    values: Sequence[Sequence]
    money: Sequence[bool] | None = None
    total: Sequence | None = None
    total_money: Sequence[bool] | None = None
    widths: Sequence[float] | None = None
    #: a filter on the header row over the data rows (not the total row)
    filter: bool = True
    rows: int = field(init=False)

    def __post_init__(self) -> None:
        lengths = {len(v) for v in self.values}
        if len(self.values) != len(self.columns) or len(lengths) > 1:
            raise ValueError("a sheet needs one list of values per column, all as long")
        self.rows = lengths.pop() if lengths else 0


def column_letter(position: int) -> str:
    """Spreadsheet letters of 1-based column ``position``.

    >>> column_letter(1), column_letter(26), column_letter(28)
    ('A', 'Z', 'AB')
    """
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_workbook(sheets: Sequence[Sheet], path: str | os.PathLike) -> None:
    """Write ``sheets`` (titles already valid and unique) as an XLSX file at ``path``."""
    with zipfile.ZipFile(Path(path), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", _root_rels())
        archive.writestr("xl/workbook.xml", _workbook(sheets))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        archive.writestr("xl/styles.xml", _STYLES)
        for number, sheet in enumerate(sheets, start=1):
            member = f"xl/worksheets/sheet{number}.xml"
            large = sheet.rows * max(1, len(sheet.columns)) * 256 > 2**31  # ZIP64 if needed
            with archive.open(member, "w", force_zip64=large) as handle:
                for part in _sheet_xml(sheet):
                    handle.write(part.encode("utf-8"))


# -- package parts ----------------------------------------------------------------------
def _content_types(count: int) -> str:
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{kind}.worksheet+xml"/>'
        for n in range(1, count + 1)
    )
    return (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _root_rels() -> str:
    return (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )


def _workbook(sheets: Sequence[Sheet]) -> str:
    listed = "".join(
        f'<sheet name={quoteattr(s.title)} sheetId="{n}" r:id="rId{n}"/>'
        for n, s in enumerate(sheets, start=1)
    )
    names = []
    for index, sheet in enumerate(sheets):
        quoted = "'" + sheet.title.replace("'", "''") + "'"
        names.append(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
            f"{escape(quoted)}!$1:$1</definedName>"
        )
        if sheet.filter and sheet.columns:
            last = column_letter(len(sheet.columns))
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                f"{escape(quoted)}!$A$1:${last}${sheet.rows + 1}</definedName>"
            )
    return (
        f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{listed}</sheets>'
        f"<definedNames>{''.join(names)}</definedNames></workbook>"
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    styles = f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    return f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{sheets}{styles}</Relationships>'


# -- worksheets -------------------------------------------------------------------------
def _sheet_xml(sheet: Sheet):
    """The worksheet XML in pieces: head, header row, blocks of rows, total row, tail."""
    count = len(sheet.columns)
    widths = sheet.widths or [14] * count
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{w:g}" customWidth="1"/>'
        for n, w in enumerate(widths, start=1)
    )
    yield (
        f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}'
        "<sheetData>"
    )
    letters = [column_letter(n) for n in range(1, count + 1)]
    money = list(sheet.money or [False] * count)
    yield _row(1, [_cells(letters[k], ["1"], [sheet.columns[k]], BOLD) for k in range(count)])
    for start in range(0, sheet.rows, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, sheet.rows)
        numbers = [str(r) for r in range(start + 2, stop + 2)]
        columns = [
            _cells(letters[k], numbers, sheet.values[k][start:stop], MONEY if money[k] else PLAIN)
            for k in range(count)
        ]
        yield "".join(
            f'<row r="{r}">{"".join(cells)}</row>'
            for r, cells in zip(numbers, zip(*columns, strict=True), strict=True)
        )
    if sheet.total is not None:
        r = str(sheet.rows + 2)
        total_money = money if sheet.total_money is None else list(sheet.total_money)
        cells = [
            _cells(letters[k], [r], [sheet.total[k]], BOLD_MONEY if total_money[k] else BOLD)
            for k in range(count)
        ]
        yield _row(sheet.rows + 2, cells)
    autofilter = ""
    if sheet.filter and count:
        autofilter = f'<autoFilter ref="A1:{letters[-1]}{sheet.rows + 1}"/>'
    yield (
        f'</sheetData>{autofilter}<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" '
        'header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )


def _row(number: int, columns: list[list[str]]) -> str:
    return f'<row r="{number}">{"".join(c[0] for c in columns)}</row>'


def _cells(letter: str, numbers: Sequence[str], values: Sequence, style: int) -> list[str]:
    """Cell XML of one column. :data:`MONEY` styles numbers only; a bold style
    (:data:`BOLD`, :data:`BOLD_MONEY`) every cell, empty ones too."""
    always = style in (BOLD, BOLD_MONEY)
    number_style = style
    other_style = PLAIN if style == MONEY else style
    kinds = {type(v) for v in values}
    kinds.discard(type(None))
    if kinds <= {int, float}:
        s_num = f' s="{number_style}"' if number_style != PLAIN else ""
        s_none = f' s="{other_style}"' if always and other_style != PLAIN else ""
        return [
            f'<c r="{letter}{r}"{s_none} t="n"></c>'
            if v is None
            else f'<c r="{letter}{r}"{s_num} t="n"><v>{_number(v)}</v></c>'
            for r, v in zip(numbers, values, strict=True)
        ]
    if kinds <= {str}:
        s = f' s="{other_style}"' if always and other_style != PLAIN else ""
        _check_texts(values)
        return [
            f'<c r="{letter}{r}"{s} t="n"></c>' if v is None else _text(letter, r, v, s)
            for r, v in zip(numbers, values, strict=True)
        ]
    return [
        _any(letter, r, v, number_style, other_style, always)
        for r, v in zip(numbers, values, strict=True)
    ]


def _number(value) -> str:
    if math.isnan(value) or math.isinf(value):
        return ""
    return f"{float(value):.16g}"  # openpyxl's "%.16g" % value


def _check_texts(values: Sequence) -> None:
    texts = [v for v in values if v is not None]
    joined = "\n".join(texts)
    if _ILLEGAL.search(joined):
        from openpyxl.utils.exceptions import IllegalCharacterError

        bad = next(v for v in texts if _ILLEGAL.search(v))
        raise IllegalCharacterError(f"{bad} cannot be used in worksheets.")
    if len(joined) > MAX_TEXT and any(len(v) > MAX_TEXT for v in texts):
        raise ValueError("Cell contents are limited to 32,767 characters")


def _text(letter: str, row: str, value: str, style: str) -> str:
    if value == "":
        return f'<c r="{letter}{row}"{style} t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    if _NEEDS_ESCAPE.search(value):
        value = escape(value, {"\r": "&#13;"})
    return f'<c r="{letter}{row}"{style} t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _any(letter: str, row: str, value, number_style: int, other_style: int, always: bool):
    """One cell of a mixed column, typed as openpyxl types it."""

    def attr(style: int, force: bool = False) -> str:
        return f' s="{style}"' if (always or force) and style != PLAIN else ""

    if value is None:
        return f'<c r="{letter}{row}"{attr(other_style)} t="n"></c>'
    if isinstance(value, bool):
        return f'<c r="{letter}{row}"{attr(other_style)} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        style = attr(number_style, force=number_style != PLAIN)
        return f'<c r="{letter}{row}"{style} t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, Decimal):  # a number, not in the money format
        return f'<c r="{letter}{row}"{attr(other_style)} t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, str):
        _check_texts([value])
        return _text(letter, row, value, attr(other_style))
    if isinstance(value, datetime.datetime | datetime.date):
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                raise TypeError("Excel does not support timezones in datetimes.")
            style, serial = DATETIME, _serial(value)
        else:
            style, serial = DATE, _serial(datetime.datetime.combine(value, datetime.time()))
        if other_style != PLAIN:
            style = other_style  # a bold row keeps its style (no date format there)
        return f'<c r="{letter}{row}" s="{style}" t="n"><v>{_number(serial)}</v></c>'
    raise ValueError(f"Cannot convert {value!r} to Excel")


def _serial(moment: datetime.datetime) -> float:
    """Excel's serial day number (1900 date system, as openpyxl computes it)."""
    days = (moment - _EPOCH).days
    if 0 < days <= 60:
        days -= 1
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    fraction = (seconds + moment.microsecond / 1e6) / 86400
    return days + fraction if fraction else days
