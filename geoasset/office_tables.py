"""Small office tables (owners register, permits, payments) from CSV or XLSX files.

A CSV file is read by :func:`geoasset.tables.read_rows` (encoding and delimiter
sniffed); a workbook from its first sheet, header in row 1. Every value comes back as text (blank: ``""``) with the
file's row number of each data row, so a problem can name the row the officer sees.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
>>> _ = open(path, "w").write("permit_no;owner\\nA-1;PLN\\n")
>>> frame, rows = read_table(path, kind="permits", columns=("permit_no", "owner"))
>>> frame.to_dict("records"), rows
([{'permit_no': 'A-1', 'owner': 'PLN'}], [1])
"""

from __future__ import annotations

import datetime
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from geoasset.errors import SchemaError, ValidationProblem
from geoasset.tables import read_rows

__all__ = ["check_rows", "key_problems", "read_table", "refuse_if_filled", "stored_table"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def read_table(
    path: str | os.PathLike, *, kind: str, columns: Sequence[str]
) -> tuple[pd.DataFrame, list[int]]:
    """``(frame of text, data row numbers)`` of a CSV file or a workbook's first sheet.

    Raises :class:`~geoasset.errors.SchemaError` naming the file for a missing or
    unreadable file, an empty one, or a header with a column twice.
    """
    source = str(path)
    if Path(path).suffix.lower() in WORKBOOK_SUFFIXES:
        return _read_xlsx(Path(path))
    frame, numbers, problems = read_rows(path, source, kind, SchemaError, columns)
    if problems:
        raise SchemaError(source, problems)
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    return frame, list(numbers)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise SchemaError(str(path), [ValidationProblem(None, None, "no such file")]) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        problem = ValidationProblem(None, None, f"not an XLSX workbook ({exc})")
        raise SchemaError(str(path), [problem]) from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise SchemaError(str(path), [ValidationProblem(None, None, "the first sheet is empty")])
    header = [str(c).strip().lower() if c is not None else "" for c in rows[0]]
    seen: set[str] = set()
    twice = [n for n in header if n and (n in seen or seen.add(n))]
    if twice:
        problems = [
            ValidationProblem(None, n, "column appears twice in the header row") for n in twice
        ]
        raise SchemaError(str(path), problems)
    body = [
        (number, row)
        for number, row in enumerate(rows[1:], start=1)
        if any(v not in (None, "") for v in row)
    ]
    data = {
        name: [_cell_text(row[i]) if i < len(row) else "" for _, row in body]
        for i, name in enumerate(header)
        if name
    }
    return pd.DataFrame(data, dtype=object), [number for number, _ in body]


#: kinds of value :func:`check_rows` knows
VALUE_KINDS = ("text", "date", "rupiah")
#: a whole amount: digits, or digits grouped by thousands with "." or "," (1.250.000)
_WHOLE_RUPIAH = re.compile(r"^(\d+|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+)$")


def check_rows(
    frame: pd.DataFrame,
    *,
    numbers: Sequence[int],
    fields: dict[str, tuple[str, bool]],
    source: str,
) -> tuple[pd.DataFrame, list[ValidationProblem]]:
    """Check every row against ``fields`` (``name -> (kind, required)``) and collect
    every problem with its row and field; dates come back as ISO text, money as ``int``.

    >>> frame = pd.DataFrame({"no": ["A", ""], "on": ["01/07/2026", "2026-13-01"]})
    >>> table, problems = check_rows(frame, numbers=[1, 2], source="t.csv",
    ...     fields={"no": ("text", True), "on": ("date", True)})
    >>> table["on"].tolist(), [str(p) for p in problems]
    (['2026-07-01', ''], ["row 2 field 'no': is blank", "row 2 field 'on': '2026-13-01' is not a date (YYYY-MM-DD or DD/MM/YYYY)"])
    """
    from geoasset.tariffs import parse_date

    missing = [name for name, (_, required) in fields.items() if required and name not in frame]
    if missing:
        raise SchemaError(
            source, [ValidationProblem(None, c, "required column is missing") for c in missing]
        )
    table = frame.reindex(columns=list(fields)).astype(object)
    table = table.where(table.notna(), "").astype(str).apply(lambda c: c.str.strip())
    problems: list[ValidationProblem] = []
    out: dict[str, list] = {name: [] for name in fields}
    for number, row in zip(numbers, table.itertuples(index=False), strict=True):
        for name, value in zip(fields, row, strict=True):
            kind, required = fields[name]
            if not value:
                if required:
                    problems.append(ValidationProblem(number, name, "is blank"))
                out[name].append(0 if kind == "rupiah" else "")
                continue
            if kind == "date":
                try:
                    value = parse_date(value).isoformat()
                except ValueError:
                    problems.append(
                        ValidationProblem(
                            number, name, f"{value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)"
                        )
                    )
                    value = ""
            elif kind == "rupiah":
                digits = re.sub(r"^rp\.?\s*", "", value, flags=re.IGNORECASE)
                if not _WHOLE_RUPIAH.match(digits):
                    problems.append(
                        ValidationProblem(
                            number, name, f"{value!r} is not a whole amount of rupiah"
                        )
                    )
                    value = 0
                else:
                    value = int(re.sub(r"[.,]", "", digits))
            out[name].append(value)
    result = pd.DataFrame(out, columns=list(fields))
    for name, (kind, _) in fields.items():
        result[name] = result[name].astype("int64" if kind == "rupiah" else object)
    return result, problems


def key_problems(
    keys: Sequence[str], numbers: Sequence[int], field: str, known=()
) -> list[ValidationProblem]:
    """Problems of a key column: a key already stored (``known``), or repeated in the
    file (naming the row where it first appears). Blank keys are not checked here.

    >>> [str(p) for p in key_problems(["A", "B", "A", "C"], [1, 2, 3, 4], "no", known=["C"])]
    ["row 3 field 'no': duplicate no 'A' (first at row 1)", "row 4 field 'no': 'C' is already in the inventory"]
    """
    stored = set(known)
    first: dict[str, int] = {}
    problems = []
    for number, key in zip(numbers, keys, strict=True):
        if not key:
            continue
        if key in stored:
            problems.append(
                ValidationProblem(number, field, f"{key!r} is already in the inventory")
            )
        elif key in first:
            problems.append(
                ValidationProblem(
                    number, field, f"duplicate {field} {key!r} (first at row {first[key]})"
                )
            )
        first.setdefault(key, number)
    return problems


def stored_table(inventory, name: str, columns: Sequence[str]) -> pd.DataFrame | None:
    """The inventory's table ``name`` as text in ``columns`` (blank: ``""``), or ``None``
    when the inventory has no such table."""
    if not inventory.has_layer(name):
        return None
    frame = pd.DataFrame(inventory.read(name)).drop(columns="geometry", errors="ignore")
    frame = frame.reindex(columns=list(columns))
    return frame.astype(object).where(frame.notna(), "").astype(str)


def refuse_if_filled(path, inventory, existing: pd.DataFrame | None, noun: str) -> None:
    """Refuse to create a table the inventory already holds rows of
    (:class:`~geoasset.errors.SchemaError` naming the file being imported)."""
    if existing is not None and len(existing):
        problem = ValidationProblem(
            None,
            None,
            f"{inventory.path} already has {len(existing)} {noun}; use append or overwrite",
        )
        raise SchemaError(str(path), [problem])
