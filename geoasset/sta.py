"""STA labels: a chainage in metres written as surveyors write it (``STA 12+300``).

Examples
--------
>>> format_sta(12300.4), format_sta_range(0, 1574.2)
('STA 12+300', 'STA 0+000 – 1+574')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["format_sta", "format_sta_range"]


# -- labels --------------------------------------------------------------------------
def _round_metres(metres: float) -> int:
    return int(np.floor(float(metres) + 0.5))


def format_sta(metres: float) -> str:
    """The chainage label of ``metres``: ``STA km+mmm``, rounded to the metre.

    Parameters
    ----------
    metres
        Chainage in metres from the road's start; never negative.

    Examples
    --------
    >>> format_sta(12300)
    'STA 12+300'
    >>> format_sta(1999.5)
    'STA 2+000'
    >>> format_sta(7.2)
    'STA 0+007'
    >>> format_sta(-3)
    Traceback (most recent call last):
    ...
    ValueError: chainage must be a finite number of metres >= 0, got -3
    """
    value = float(metres)
    if not np.isfinite(value) or _round_metres(value) < 0:
        raise ValueError(f"chainage must be a finite number of metres >= 0, got {metres!r}")
    whole = _round_metres(value)
    return f"STA {whole // 1000}+{whole % 1000:03d}"


def format_sta_range(start_m: float, end_m: float) -> str:
    """The label of a stretch of road: ``STA 0+120 – 0+480``.

    Examples
    --------
    >>> format_sta_range(120, 480)
    'STA 0+120 – 0+480'
    """
    return f"{format_sta(start_m)} – {format_sta(end_m).removeprefix('STA ')}"


def _labels(metres: np.ndarray, index=None) -> pd.Series:
    """``format_sta`` over an array, vectorised; missing where ``metres`` is NaN."""
    metres = np.asarray(metres, dtype="float64")
    ok = np.isfinite(metres)
    whole = pd.Series(
        np.maximum(np.floor(np.where(ok, metres, 0.0) + 0.5), 0).astype("int64"), index=index
    )
    km, m = (whole // 1000).astype("str"), (whole % 1000).astype("str").str.zfill(3)
    return ("STA " + km + "+" + m).where(ok)


def _range_labels(start: np.ndarray, end: np.ndarray, index=None) -> pd.Series:
    """``format_sta_range`` over arrays; missing where either end is NaN."""
    return _labels(start, index) + " – " + _labels(end, index).str.removeprefix("STA ")
