"""One way to read a table file: encoding and delimiter sniffing, decimal comma.

Field files (``poles.csv``), tariff schedules, permits, widths files and owners registers
are all read here, under the same rules:

- **encoding**: as the caller names it, else UTF-8 (with or without a BOM), UTF-16 with a
  BOM, else cp1252 (Windows, what Excel writes) with a warning naming the first byte
  that is not UTF-8; text is never stored broken;
- **delimiter**: the most frequent of ``,`` ``;`` tab ``|`` in the header line (Excel in an
  Indonesian locale writes ``;``);
- **numbers**: a decimal comma (``12,5``) reads as ``12.5`` (:func:`parse_decimal`);
- **rows**: numbered from 1 at the first data row (the header is row 0), blank lines
  skipped but counted, so a message's row number is the row a spreadsheet user sees
  below the header.

Examples
--------
>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "widths.csv")
>>> _ = open(path, "w", encoding="utf-8").write("Road_Class;width_m\\nraya;12,5\\n\\nkecil;8\\n")
>>> table = read_table(path)
>>> table.header, table.delimiter, table.rows
(['road_class', 'width_m'], ';', [1, 3])
>>> [parse_decimal(v) for v in table.frame["width_m"]]
[12.5, 8.0]
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geoasset.errors import SchemaError, SourceError, ValidationProblem

__all__ = [
    "DELIMITERS",
    "Table",
    "TableReadError",
    "decode_text",
    "detect_encoding",
    "parse_decimal",
    "read_frame",
    "read_rows",
    "read_table",
    "sniff_delimiter",
]

logger = logging.getLogger(__name__)

#: Delimiters a table file may use, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


class TableReadError(SourceError):
    """A table file that cannot be read as a table; ``reason`` says why, without the path."""

    def __init__(self, path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Table:
    """A table file read as text: every value a ``str`` (``""`` where a row is short).

    ``header`` is stripped and lower-cased (as given with ``lower=False``); ``rows`` is
    the 1-based data row number of each frame row; ``long_rows`` lists
    ``(row, values)`` of rows with more non-empty values than the header has columns.
    """

    header: list[str]
    frame: pd.DataFrame
    rows: list[int]
    encoding: str
    delimiter: str
    long_rows: list[tuple[int, int]] = field(default_factory=list)


def detect_encoding(data: bytes, name: str) -> str:
    """The encoding of a text file's bytes: UTF-8 / UTF-16 by BOM, UTF-8, else cp1252.

    Falling back to cp1252 (or latin-1 where cp1252 cannot decode) logs a warning.

    Examples
    --------
    >>> detect_encoding("Café".encode("utf-8"), "a.csv")
    'utf-8'
    >>> detect_encoding(codecs.BOM_UTF8 + b"x", "a.csv")
    'utf-8-sig'
    >>> detect_encoding("Café".encode("cp1252"), "a.csv")
    'cp1252'
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        data.decode("cp1252")
        used = "cp1252"
    except UnicodeDecodeError:
        used = "latin-1"
    logger.warning(
        "%s: not UTF-8 (byte %d); read as %s, the usual encoding of Excel CSV exports",
        name,
        first_bad,
        used,
    )
    return used


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of :data:`DELIMITERS`.

    Examples
    --------
    >>> sniff_delimiter("road_class;width_m"), sniff_delimiter("a,b;c,d"), sniff_delimiter("x")
    (';', ',', ',')
    """
    counts = {sep: line.count(sep) for sep in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def parse_decimal(text) -> float:
    """A number written with a decimal point or a decimal comma (``"12,5"`` is 12.5).

    Raises ``ValueError`` for anything else (``"1.234,5"``, ``"wide"``, empty).

    Examples
    --------
    >>> parse_decimal("12,5"), parse_decimal(" 30 "), parse_decimal("-0.25")
    (12.5, 30.0, -0.25)
    >>> parse_decimal("1.234,5")
    Traceback (most recent call last):
    ...
    ValueError: '1.234,5' is not a number
    """
    raw = str(text).strip()
    plain = raw.replace(",", ".") if _DECIMAL_COMMA.match(raw) else raw
    try:
        return float(plain)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None


def decode_text(path: str | os.PathLike, *, encoding: str | None = None) -> tuple[bytes, str]:
    """The bytes of ``path`` and the encoding they are read with (see the module rules).

    Raises :class:`TableReadError` for a missing or unreadable file, an unknown
    encoding, or bytes that are not valid in the encoding named.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TableReadError(path, "no such file") from None
    except IsADirectoryError:
        raise TableReadError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise TableReadError(path, f"cannot read the file ({exc.strerror})") from None
    if encoding is None:
        return data, detect_encoding(data, path.name)
    try:
        data.decode(encoding)
    except LookupError:
        raise TableReadError(path, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise TableReadError(
            path, f"not valid {encoding} text ({exc.reason} at byte {exc.start})"
        ) from None
    return data, encoding


def read_table(
    path: str | os.PathLike, *, encoding: str | None = None, lower: bool = True
) -> Table:
    """Read a small table file (tariffs, permits, widths, owners) as text.

    Every cell is kept as written (stripped of nothing but the header), so the caller's
    validation can quote it. An empty file gives a table with no header; a header that
    names a column twice, or a row longer than the header, is for the caller to report
    (``long_rows``).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w", encoding="utf-8").write("a,b\\n1,2,3\\n4\\n")
    >>> table = read_table(path)
    >>> table.frame.values.tolist(), table.long_rows
    ([['1', '2'], ['4', '']], [(1, 3)])
    """
    data, used = decode_text(path, encoding=encoding)
    text = data.decode(used).lstrip("\ufeff")
    if not text.strip():
        return Table([], pd.DataFrame(), [], used, ",")
    lines = text.splitlines()
    delimiter = sniff_delimiter(lines[0])
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header_cells = next(reader)
        body = [
            (number, values)
            for number, values in enumerate(reader, start=1)
            if any(v.strip() for v in values)
        ]
    except csv.Error as exc:
        raise TableReadError(path, f"not a CSV file ({exc})") from None
    header = [h.strip().lower() if lower else h.strip() for h in header_cells]
    width = len(header)
    long_rows = [
        (number, len(values))
        for number, values in body
        if len(values) > width and any(v.strip() for v in values[width:])
    ]
    columns = {
        i: [values[i] if i < len(values) else "" for _, values in body] for i in range(width)
    }
    frame = pd.DataFrame(columns, dtype=object)
    frame.columns = header
    return Table(header, frame, [n for n, _ in body], used, delimiter, long_rows)


def read_frame(path: str | os.PathLike, *, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a field file (up to millions of rows) into a frame of strings, fast (Arrow).

    Same encoding and delimiter rules as :func:`read_table`; empty cells are missing
    values, every other cell a ``str``. Returns ``(frame, encoding used)``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "poles.csv")
    >>> _ = open(path, "w", encoding="utf-8").write("pole_id;lat\\nP1;-10,17\\nP2;\\n")
    >>> frame, used = read_frame(path)
    >>> frame.values.tolist(), used
    ([['P1', '-10,17'], ['P2', nan]], 'utf-8')
    """
    data, used = decode_text(path, encoding=encoding)
    logger.info("%s: reading as %s", Path(path).name, used)
    head = data[:65536].decode(used, errors="replace").lstrip("\ufeff")
    first_line = head.splitlines()[0] if head.strip() else ""
    if not first_line.strip():
        raise TableReadError(path, "file is empty (no header line)")
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            engine="pyarrow",
            sep=sniff_delimiter(first_line),
            encoding=used,
            dtype="str",
            keep_default_na=False,
            na_values=[""],
        )
    except pd.errors.EmptyDataError:
        raise TableReadError(path, "file is empty (no header line)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise TableReadError(path, f"not a well-formed CSV file ({reason})") from None
    return frame, used


def read_rows(
    path: str | os.PathLike,
    source: str,
    kind: str,
    error: type[SchemaError],
    columns: Sequence[str],
) -> tuple[pd.DataFrame, list[int], list[ValidationProblem]]:
    """``(frame of text, data row numbers, problems)`` of a small table file to validate.

    A missing, unreadable or empty file, or a header naming a column twice, raises
    ``error`` (a :class:`~geoasset.errors.SchemaError`) at once; rows longer than the
    header are returned as problems, for the caller to report with its own.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "permits.csv")
    >>> _ = open(path, "w", encoding="utf-8").write("permit_no;owner\\nIZN-1;PLN;x\\n")
    >>> frame, rows, problems = read_rows(path, "permits.csv", "permits", SchemaError, ["permit_no"])
    >>> rows, [str(p) for p in problems]
    ([1], ['row 1: has 3 values but the header has 2 columns'])
    """
    if not os.path.isfile(path):
        raise error(source, [ValidationProblem(None, None, f"no such {kind} file")])
    try:
        table = read_table(path)
    except TableReadError as exc:
        raise error(source, [ValidationProblem(None, None, exc.reason)]) from None
    if not table.header:
        raise error(
            source,
            [
                ValidationProblem(
                    None,
                    None,
                    f"file is empty: row 1 should be the header ({', '.join(columns)}), "
                    "then one row per entry",
                )
            ],
        )
    problems = []
    seen = set()
    for name in table.header:
        if name in seen:
            problems.append(ValidationProblem(None, name, "column appears twice in the header row"))
        seen.add(name)
    if problems:
        raise error(source, problems)
    width = len(table.header)
    for n, count in table.long_rows:
        problems.append(
            ValidationProblem(n, None, f"has {count} values but the header has {width} columns")
        )
    return table.frame, table.rows, problems
