"""Parse the coordinates field crews write: decimal degrees and degrees-minutes-seconds.

Accepted forms (case and spacing are free):

* decimal degrees, with a decimal point or comma: ``-10.1702``, ``-10,1702``,
  ``10.1702 S``;
* degrees-minutes-seconds or degrees-decimal minutes: ``10°10'12.5"S``,
  ``123 40 15 E``, ``S 10 10 12.5``, ``10:10:12.5 S``, ``-10° 10.2'``;
* hemisphere letters in English (``N S E W``) or Indonesian (``LU`` lintang utara = N,
  ``LS`` lintang selatan = S, ``BT`` bujur timur = E, ``BB`` bujur barat = W), before or
  after the number.

Only the last part may carry decimals, minutes and seconds must be below 60, and a sign
that contradicts the hemisphere letter is refused. :func:`parse_coordinates` is the
vectorised form used by the importers: plain numbers take a fast path and only the other
cells go through the text parser.

Examples
--------
>>> parse_angle("10°10'12.5\\"S", axis="lat")
-10.170138888888888
>>> parse_angle("123 40 15 BT", axis="lon")
123.67083333333333
>>> format_dms(-10.170138888888888, axis="lat", decimals=1)
'10°10\\'12.5"S'
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

__all__ = ["HEMISPHERES", "AXES", "parse_angle", "format_dms", "parse_coordinates"]

#: hemisphere letter -> (axis, sign)
HEMISPHERES: dict[str, tuple[str, int]] = {
    "N": ("lat", 1),
    "S": ("lat", -1),
    "E": ("lon", 1),
    "W": ("lon", -1),
    "LU": ("lat", 1),
    "LS": ("lat", -1),
    "BT": ("lon", 1),
    "BB": ("lon", -1),
}

#: axis -> (name in messages, largest absolute value); ``x``/``y`` are projected metres.
AXES: dict[str, tuple[str, float]] = {
    "lat": ("latitude", 90.0),
    "lon": ("longitude", 180.0),
    "x": ("x", math.inf),
    "y": ("y", math.inf),
}

_TRANSLATE = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2013": "-",  # en dash typed as a minus
        "\u00ba": "°",  # masculine ordinal, common in Indonesian spreadsheets
        "\u02da": "°",  # ring above
        "\u2032": "'",  # prime
        "\u2019": "'",
        "\u2018": "'",
        "\u00b4": "'",
        "`": "'",
        "\u2033": '"',  # double prime
        "\u201d": '"',
        "\u201c": '"',
        "\u00a0": " ",  # no-break space
    }
)
_HEMI = "LS|LU|BT|BB|[NSEW]"
_LEADING = re.compile(rf"^({_HEMI})(?=[\s\d.,+-])", re.IGNORECASE)
_TRAILING = re.compile(rf"(?<=[\s\d°'\"])({_HEMI})$", re.IGNORECASE)
_NUM = r"\d+(?:[.,]\d+)?"
_BODY = re.compile(
    rf"""
    (?P<sign>[-+])?\s*
    (?P<deg>{_NUM})
    (?:
        \s*°                                   # degrees only, with a degree sign
      | (?:\s*°\s*|\s*:\s*|\s+)(?P<min>{_NUM}) # then minutes
        (?:
            \s*'                               # minutes with a minute sign
          | (?:\s*'\s*|\s*:\s*|\s+)(?P<sec>{_NUM})\s*(?:"|'')?   # then seconds
        )?
    )?
    """,
    re.VERBOSE,
)
_PLAIN = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_angle(text: str, *, axis: str | None = None) -> float:
    """Parse one coordinate written as decimal degrees or degrees-minutes-seconds.

    Parameters
    ----------
    text
        The coordinate as written, e.g. ``10°10'12.5"S`` or ``-10,17``.
    axis
        ``"lat"`` or ``"lon"``: refuse a hemisphere letter of the other axis and a
        value outside ±90 / ±180. ``None`` accepts either and checks no range.

    Returns
    -------
    float
        Decimal degrees, negative south and west.

    Raises
    ------
    ValueError
        With a message quoting ``text`` and saying what is wrong.

    Examples
    --------
    >>> parse_angle("S 10 10 12.5")
    -10.170138888888888
    >>> parse_angle("-10° 10.2'")
    -10.17
    >>> parse_angle("10°75'00\\"S")
    Traceback (most recent call last):
    ...
    ValueError: '10°75\\'00"S': minutes 75 must be below 60
    """
    if axis is not None and axis not in ("lat", "lon"):
        raise ValueError(f"axis must be 'lat', 'lon' or None, not {axis!r}")
    return _parse(text, axis=axis, check_range=axis is not None)


def _parse(text: str, *, axis: str | None, check_range: bool) -> float:
    original = text
    text = str(text).translate(_TRANSLATE).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        raise ValueError("value is empty")
    hemisphere = None
    lead = _LEADING.search(text)
    trail = _TRAILING.search(text)
    if lead and trail:
        raise ValueError(f"{original!r}: two hemisphere letters")
    found = lead or trail
    if found:
        hemisphere = found.group(1).upper()
        text = (text[found.end() :] if lead else text[: found.start()]).strip()
    match = _BODY.fullmatch(text)
    if match is None:
        raise ValueError(f"{original!r} is not a coordinate (use e.g. -10.17 or 10°10'12\"S)")
    deg, minutes, seconds = match.group("deg", "min", "sec")
    parts = [p for p in (deg, minutes, seconds) if p is not None]
    if any(re.search(r"[.,]", p) for p in parts[:-1]):
        raise ValueError(f"{original!r}: only the last part may have decimals")
    value = _number(deg)
    if minutes is not None:
        m = _number(minutes)
        if m >= 60:
            raise ValueError(f"{original!r}: minutes {minutes} must be below 60")
        value += m / 60
    if seconds is not None:
        s = _number(seconds)
        if s >= 60:
            raise ValueError(f"{original!r}: seconds {seconds} must be below 60")
        value += s / 3600
    sign = -1 if match.group("sign") == "-" else 1
    if hemisphere is not None:
        hemi_axis, hemi_sign = HEMISPHERES[hemisphere]
        if axis is not None and hemi_axis != axis:
            raise ValueError(
                f"{original!r} is a {AXES[hemi_axis][0]} (hemisphere {hemisphere}), "
                f"not a {AXES[axis][0]}"
            )
        if match.group("sign") is not None and sign != hemi_sign:
            raise ValueError(f"{original!r}: the sign contradicts hemisphere {hemisphere}")
        sign = hemi_sign
    value *= sign
    if check_range and axis is not None:
        name, limit = AXES[axis]
        if abs(value) > limit:
            raise ValueError(f"{original!r}: {name} {value:.10g} is outside ±{limit:g}")
    return value


def format_dms(value: float, *, axis: str, decimals: int = 2, style: str = "symbols") -> str:
    """Write decimal degrees as degrees-minutes-seconds text that :func:`parse_angle` reads.

    Parameters
    ----------
    value
        Decimal degrees.
    axis
        ``"lat"`` (hemisphere N/S) or ``"lon"`` (E/W).
    decimals
        Decimals of the seconds.
    style
        ``"symbols"`` ``10°10'12.5"S``, ``"spaces"`` ``10 10 12.5 S``, ``"colons"``
        ``10:10:12.5 S``, ``"prefix"`` ``S 10 10 12.5`` or ``"indonesian"``
        ``10°10'12.5" LS``.

    Examples
    --------
    >>> format_dms(123.670833333, axis="lon", decimals=0, style="spaces")
    '123 40 15 E'
    >>> format_dms(-10.17, axis="lat", decimals=0, style="indonesian")
    '10°10\\'12" LS'
    """
    if axis not in ("lat", "lon"):
        raise ValueError(f"axis must be 'lat' or 'lon', not {axis!r}")
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite angle")
    negative = value < 0
    scale = 10**decimals
    # whole units of 1/scale arc seconds, so rounding carries into minutes and degrees
    total = round(abs(value) * 3600 * scale)
    deg, rest = divmod(total, 3600 * scale)
    minutes, sec_units = divmod(rest, 60 * scale)
    seconds = f"{sec_units / scale:.{decimals}f}"
    letters = ("S", "N") if axis == "lat" else ("W", "E")
    hemi = letters[0] if negative else letters[1]
    if style == "symbols":
        return f"{deg}°{minutes}'{seconds}\"{hemi}"
    if style == "spaces":
        return f"{deg} {minutes} {seconds} {hemi}"
    if style == "colons":
        return f"{deg}:{minutes}:{seconds} {hemi}"
    if style == "prefix":
        return f"{hemi} {deg} {minutes} {seconds}"
    if style == "indonesian":
        local = {"S": "LS", "N": "LU", "E": "BT", "W": "BB"}[hemi]
        return f"{deg}°{minutes}'{seconds}\" {local}"
    raise ValueError(f"unknown style {style!r}")


def _fast_numbers(values: pd.Series) -> np.ndarray | None:
    """All values as float64 if every one is a plain number or missing, else ``None``."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    try:  # Arrow casts text to numbers in C++; it fails on any non-number
        return values.astype("float64[pyarrow]").to_numpy(dtype="float64", na_value=np.nan)
    except (ValueError, TypeError, NotImplementedError):
        return None


def parse_coordinates(
    values, *, axis: str, check_range: bool = True
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Parse a column of coordinates; report every cell that is not one.

    Parameters
    ----------
    values
        A Series (or sequence) of numbers and/or text.
    axis
        ``"lat"`` or ``"lon"`` for degrees (decimal or DMS text, hemisphere letters of
        that axis); ``"x"`` or ``"y"`` for projected coordinates (plain numbers only,
        decimal point or comma).
    check_range
        Refuse latitudes outside ±90 and longitudes outside ±180.

    Returns
    -------
    values : numpy.ndarray
        float64, NaN where a cell is empty or was refused.
    problems : list of (int, str)
        ``(position, message)`` for every refused or empty cell, position 0-based.

    Examples
    --------
    >>> import pandas as pd
    >>> values, problems = parse_coordinates(
    ...     pd.Series(["-10.17", "10°10'12\\"S", "10,5 LS", "", "95"]), axis="lat")
    >>> values.round(4).tolist()
    [-10.17, -10.17, -10.5, nan, nan]
    >>> problems
    [(3, 'value is empty'), (4, 'latitude 95 is outside ±90')]
    """
    if axis not in AXES:
        raise ValueError(f"axis must be one of {', '.join(AXES)}, not {axis!r}")
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype="object")
    series = series.reset_index(drop=True)
    name, limit = AXES[axis]
    problems: dict[int, str] = {}
    out = _fast_numbers(series)
    if out is None:
        numbers = pd.to_numeric(series, errors="coerce")
        out = np.array(numbers.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
        todo = np.flatnonzero(np.isnan(out) & series.notna().to_numpy())
        if len(todo):
            text = series.iloc[todo].astype("str").to_numpy(dtype=object)
            parsed: dict[str, float | str] = {}
            for pos, cell in zip(todo, text, strict=True):
                if cell not in parsed:
                    parsed[cell] = _parse_cell(cell, axis)
                result = parsed[cell]
                if isinstance(result, str):
                    problems[int(pos)] = result
                else:
                    out[pos] = result
    else:
        out = out.copy()
    missing = np.isnan(out)
    for pos in np.flatnonzero(missing):
        cell = series.iloc[pos]
        written = isinstance(cell, str) and cell.strip()  # "nan" is a word, not a blank
        problems.setdefault(int(pos), f"{cell!r} is not a number" if written else "value is empty")
    if check_range and math.isfinite(limit):
        outside = ~missing & ~(np.abs(out) <= limit)
        for pos in np.flatnonzero(outside):
            problems[int(pos)] = f"{name} {out[pos]:.10g} is outside ±{limit:g}"
        out[outside] = np.nan
    elif not math.isfinite(limit):
        infinite = ~missing & ~np.isfinite(out)
        for pos in np.flatnonzero(infinite):
            problems[int(pos)] = f"{name} {out[pos]:.10g} is not a finite number"
        out[infinite] = np.nan
    return out, sorted(problems.items())


def _parse_cell(cell: str, axis: str) -> float | str:
    """A number, or the message saying why ``cell`` is not one."""
    if not cell.strip():
        return "value is empty"
    if axis in ("x", "y"):
        text = cell.strip()
        if _PLAIN.match(text):
            return _number(text)
        return f"{cell!r} is not a number"
    try:
        return _parse(cell, axis=axis, check_range=False)
    except ValueError as exc:
        return str(exc)
