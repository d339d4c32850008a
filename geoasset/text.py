"""Text made safe for where it goes: the inventory, a spreadsheet, a CSV, a terminal.

Field data is not trusted. Four rules, each in one place:

* **Stored text** holds no control characters: :func:`strip_controls` removes the C0
  controls (``U+0000``–``U+001F`` except tab, line feed and carriage return), ``DEL`` and
  the C1 controls (``U+0080``–``U+009F``). A NUL would otherwise cut the text short in
  GDAL (``PL\\0N`` stored as ``PL``); the importer removes them and says so.
* **Spreadsheet cells** (XLSX, CSV): text that a spreadsheet would run as a formula gets
  a leading single quote (:func:`neutralise`); characters an XLSX (or KML) file, being
  XML, cannot hold are removed (:func:`xml_text`).
* **Terminal output** never carries escape sequences from the data: :func:`terminal_text`
  shows every control character as ``\\xNN`` (line breaks of the text itself are kept).
* **HTML** is escaped where the page is built (:mod:`geoasset.maps`).

Examples
--------
>>> strip_controls("PL\\x00N")
'PLN'
>>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("PLN"), neutralise(-5)
('\\'=HYPERLINK("http://x")', 'PLN', -5)
>>> terminal_text("PLN\\x1b[2J")
'PLN\\\\x1b[2J'
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "CONTROL_PATTERN",
    "FORMULA_TRIGGERS",
    "has_controls",
    "neutralise",
    "neutralise_frame",
    "strip_controls",
    "strip_controls_series",
    "terminal_text",
    "unneutralise",
    "xml_frame",
    "xml_text",
]

#: Control characters never stored: C0 except tab, LF, CR; DEL; C1.
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_PATTERN)
#: What a terminal must not receive raw: every control character but the line feed.
_TERMINAL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
#: What XML 1.0 (an XLSX cell, a KML value) cannot hold; tab, LF and CR are allowed.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_PLAIN_NUMBER = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$")

#: First characters that make a spreadsheet treat a text cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a control character :func:`strip_controls` removes.

    Examples
    --------
    >>> has_controls("PLN"), has_controls("PL\\x00N"), has_controls("a\\tb")
    (False, True, False)
    """
    return _CONTROL.search(text) is not None


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab, line feed and carriage return are kept).

    Examples
    --------
    >>> strip_controls("Telkom\\x07 \\x9bFO")
    'Telkom FO'
    """
    return _CONTROL.sub("", text)


def _may_hold_controls(values: pd.Series) -> bool:
    """False when no byte of the column's UTF-8 text can start a control character:
    one pass of numpy over Arrow's buffers, so clean columns skip the regex."""
    try:
        array = pa.array(values.array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return True
    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    for chunk in array.chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        if data is None:
            continue
        width = 8 if pa.types.is_large_string(chunk.type) else 4
        bounds = np.frombuffer(offsets, dtype=f"int{width * 8}")[chunk.offset :]
        text = np.frombuffer(data, dtype=np.uint8)[bounds[0] : bounds[len(chunk)]]
        # C0 but tab/LF/CR, DEL, and 0xC2 (lead byte of the C1 controls, also of ° and NBSP)
        suspicious = (text < 0x20) & (text != 9) & (text != 10) & (text != 13)
        if suspicious.any() or (text == 0x7F).any() or (text == 0xC2).any():
            return True
    return False


def _matches(values: pd.Series, pattern: str) -> pd.Series:
    """Mask of the text cells of ``values`` in which ``pattern`` is found."""
    if isinstance(values.dtype, pd.StringDtype):
        if getattr(values.dtype, "storage", None) == "pyarrow" and not _may_hold_controls(values):
            return pd.Series(False, index=values.index)
        return values.str.contains(pattern, regex=True, na=False).astype(bool)
    if values.dtype != object:
        return pd.Series(False, index=values.index)
    text = pd.Series(
        [v if isinstance(v, str) else "" for v in values.tolist()], index=values.index, dtype="str"
    )
    return text.str.contains(pattern, regex=True).astype(bool)


def strip_controls_series(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(``values`` without control characters, mask of the cells that held some).

    Missing values stay missing; values that are not text are left alone.

    Examples
    --------
    >>> import pandas as pd
    >>> clean, found = strip_controls_series(pd.Series(["PL\\x00N", "PLN"]))
    >>> clean.tolist(), found.tolist()
    (['PLN', 'PLN'], [True, False])
    """
    found = _matches(values, CONTROL_PATTERN)
    if not found.any():
        return values, found
    cleaned = values.copy()
    cleaned[found] = [strip_controls(v) for v in values[found]]
    return cleaned, found


def neutralise(value):
    """``value`` made safe for a spreadsheet cell: text that a spreadsheet would read as
    a formula gets a leading single quote; everything else is returned unchanged.

    Examples
    --------
    >>> neutralise("@SUM(A1)"), neutralise(" -1+2"), neutralise("Telkom - FO")
    ("'@SUM(A1)", "' -1+2", 'Telkom - FO')
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`neutralise` applied to every text cell (numbers unchanged).

    For small tables written as CSV outside the report writers (rejects files).

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_frame(pd.DataFrame({"owner": ["=1+1", "PLN"], "n": [1, 2]})).values.tolist()
    [["'=1+1", 1], ['PLN', 2]]
    """
    out = frame.copy()
    for name in out.columns:
        values = out[name]
        if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
            out[name] = values.astype(object).map(_neutralise_cell, na_action="ignore")
    return out


def _neutralise_cell(value):
    """:func:`neutralise`, except for plain numbers (``-10.17`` is a number, not a formula)."""
    if isinstance(value, str) and _PLAIN_NUMBER.match(value):
        return value
    return neutralise(value)


def unneutralise(value):
    """The value :func:`neutralise` was given: a leading quote before a formula trigger
    is removed. For files geoasset wrote that come back (a corrected rejects file).

    Examples
    --------
    >>> unneutralise("'=1+1"), unneutralise("'PLN"), unneutralise("PLN")
    ('=1+1', "'PLN", 'PLN')
    """
    if (
        isinstance(value, str)
        and value.startswith("'")
        and value[1:].lstrip(" ").startswith(FORMULA_TRIGGERS)
    ):
        return value[1:]
    return value


def xml_text(value):
    """``value`` without the characters XML 1.0 (an XLSX cell, KML) cannot hold; other
    values unchanged.

    Examples
    --------
    >>> xml_text("PLN\\x01"), xml_text(3)
    ('PLN', 3)
    """
    if isinstance(value, str) and _XML_ILLEGAL.search(value):
        return _XML_ILLEGAL.sub("", value)
    return value


def xml_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`xml_text` applied to the text columns that need it.

    Only columns holding such a character are copied, so clean tables cost one scan.

    Examples
    --------
    >>> import pandas as pd
    >>> xml_frame(pd.DataFrame({"owner": ["PL\\x00N", "PLN"], "n": [1, 2]}))["owner"].tolist()
    ['PLN', 'PLN']
    """
    out = frame
    for name in frame.columns:
        values = frame[name]
        bad = _matches(values, _XML_ILLEGAL.pattern)
        if bad.any():
            if out is frame:
                out = frame.copy()
            cleaned = values.astype(object).copy()
            cleaned[bad] = [xml_text(v) for v in values[bad]]
            out[name] = cleaned
    return out


def terminal_text(text: str) -> str:
    """``text`` with every control character but the line feed shown as ``\\xNN``.

    Examples
    --------
    >>> print(terminal_text("PLN\\x1b]0;owned\\x07"))
    PLN\\x1b]0;owned\\x07
    """
    return _TERMINAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
