"""The XLSX table writer reads back exactly as the same cells written by openpyxl."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import IllegalCharacterError

from geoasset.xlsxsheets import BLOCK_ROWS, Sheet, column_letter, write_workbook

TEXTS = [
    "PLN",
    "",
    "  padded ",
    "a & b < c > d",
    "line\r\nbreak\ttab",
    "Jl. Sudirman – ruas 3",
    None,
]
NUMBERS = [0, -7, 12345678901234567, 0.1 + 0.2, 1e-9, 2.5, None]
MIXED = [
    True,
    False,
    datetime.date(2026, 3, 1),
    datetime.datetime(2026, 3, 1, 6, 30),
    Decimal("1.25"),
    "x",
    None,
]


def openpyxl_workbook(sheets: list[Sheet], path) -> None:
    """The same sheets written cell by cell with openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.title)
        ws.freeze_panes = "A2"
        for n, width in enumerate(sheet.widths or [14] * len(sheet.columns), start=1):
            ws.column_dimensions[column_letter(n)].width = width
        header = []
        for name in sheet.columns:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        money = sheet.money or [False] * len(sheet.columns)
        for row in zip(*sheet.values, strict=True):
            cells = []
            for value, m in zip(row, money, strict=True):
                if m and isinstance(value, int | float) and not isinstance(value, bool):
                    value = WriteOnlyCell(ws, value=value)
                    value.number_format = "#,##0"
                cells.append(value)
            ws.append(cells)
        if sheet.total is not None:
            cells = []
            for value, m in zip(sheet.total, money, strict=True):
                cell = WriteOnlyCell(ws, value=value)
                cell.font = bold
                if m:
                    cell.number_format = "#,##0"
                cells.append(cell)
            ws.append(cells)
    workbook.save(path)


def read_back(path) -> dict:
    workbook = load_workbook(path)
    return {
        ws.title: (
            ws.freeze_panes,
            {k: v.width for k, v in ws.column_dimensions.items()},
            [
                [(c.value, c.data_type, c.number_format, bool(c.font.b)) for c in row]
                for row in ws.iter_rows()
            ],
        )
        for ws in workbook.worksheets
    }


def test_cells_read_back_as_openpyxl_writes_them(tmp_path):
    sheets = [
        Sheet(
            "Line items & co",
            ["text", "amount_rp", "mixed"],
            [TEXTS, NUMBERS, MIXED],
            money=[False, True, True],
            total=["TOTAL", 99, None],
            widths=[44, 14, 14],
        ),
        Sheet("Empty", ["only"], [[]]),
    ]
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    write_workbook(sheets, ours)
    openpyxl_workbook(sheets, theirs)
    got, expected = read_back(ours), read_back(theirs)
    assert got == expected
    rows = got["Line items & co"][2]
    assert rows[5][0][0] == "line\r\nbreak\ttab"  # the CR survives the XML
    assert rows[3][1][0] == 1.234567890123457e16  # 16 significant digits, as openpyxl
    assert rows[-1][0] == ("TOTAL", "s", "General", True)


def test_many_rows_are_written_in_blocks(tmp_path):
    n = BLOCK_ROWS * 2 + 3
    ids = [f"P{k}" for k in range(n)]
    amounts = list(range(n))
    path = tmp_path / "big.xlsx"
    write_workbook(
        [Sheet("Poles", ["pole_id", "amount_rp"], [ids, amounts], money=[False, True])], path
    )
    ws = load_workbook(path, read_only=True)["Poles"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows == list(zip(ids, amounts, strict=True))


@pytest.mark.parametrize("value", ["bell\x07", "nul\x00"])
def test_text_xml_cannot_hold_is_refused_as_openpyxl_refuses_it(tmp_path, value):
    with pytest.raises(IllegalCharacterError):
        write_workbook([Sheet("t", ["c"], [[value]])], tmp_path / "t.xlsx")
    with pytest.raises(IllegalCharacterError):
        openpyxl_workbook([Sheet("t", ["c"], [[value]])], tmp_path / "o.xlsx")


def test_a_sheet_needs_columns_of_equal_length():
    with pytest.raises(ValueError, match="one list of values per column"):
        Sheet("t", ["a", "b"], [[1, 2], [3]])
