"""Array helpers of the assessment: text, choice values, dates as ordinals, integer codes,
exact sums and half-up rounding of quantities, STA labels.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoasset.tariffs import parse_date

_ORDINAL_EPOCH = date(1970, 1, 1).toordinal()


_BLANKS = ["", "nan", "NaN", "none", "None", "null", "NULL", "<NA>"]


def _text(values, n: int) -> pd.Series:
    """Text as a ``str`` Series indexed ``0..n-1``: stripped, missing where blank."""
    if values is None:  # (made from Arrow nulls: a Python None per row takes milliseconds)
        return pd.Series(pd.array(pa.nulls(n, pa.large_string()), dtype="str"))
    series = pd.Series(values).reset_index(drop=True)
    if series.dtype != "str":
        series = series.astype("str")
    series = series.str.strip()
    return series.where(~series.isin(_BLANKS))


def _choice(text: pd.Series) -> pd.Series:
    """Choice values as the tariff schedule writes them: lower case, ``_`` for spaces."""
    codes, uniques = pd.factorize(text)
    if len(uniques) * 2 > len(text):
        return text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    values = pd.Series(uniques).str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return pd.Series(values.array.take(codes, allow_fill=True), index=text.index)


def _small(values) -> pd.api.extensions.ExtensionArray:
    """A short text array to ``take`` from (tariff ids, layer names, labels)."""
    return pd.array(np.asarray(list(values), dtype=object), dtype="str")


def _ordinals(values, n: int) -> np.ndarray:
    """Dates as proleptic ordinals (int64); -1 where missing or unparseable."""
    if values is None:
        return np.full(n, -1, dtype="int64")
    series = pd.Series(values).reset_index(drop=True)
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_date32(series.dtype.pyarrow_dtype):
        days = pa.array(series.array).cast(pa.int32()).cast(pa.int64())  # days since 1970
        missing = np.iinfo("int64").min
        out = np.asarray(pc.fill_null(days, missing).to_numpy(), dtype="int64")
        return np.where(out == missing, -1, out + _ORDINAL_EPOCH)
    if pd.api.types.is_datetime64_any_dtype(series):
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_localize(None)
        days = series.to_numpy(dtype="datetime64[D]")
        out = days.astype("int64") + _ORDINAL_EPOCH
        out[np.isnat(days)] = -1
        return out
    codes, uniques = pd.factorize(_text(series, n))
    parsed = np.array([*(_ordinal(v) for v in uniques), -1], dtype="int64")
    return parsed[codes]


def _ordinal(value) -> int:
    try:
        return parse_date(value).toordinal()
    except ValueError:
        return -1


def _codes(values: pd.Series) -> np.ndarray:
    """An int64 code per value, missing values sharing one code."""
    return pd.factorize(values, use_na_sentinel=False)[0].astype("int64")


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """Codes of ``values`` as text, missing as ``""``, numbered in sorted order.

    Returns the int64 codes and the sorted distinct values (``pd.factorize(...,
    sort=True)`` of the text, without turning a million cells into Python objects).
    """
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = None
    if array is None or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        text = values.astype(object).where(values.notna(), "")
        codes, uniques = pd.factorize(text, sort=True)
        return codes.astype("int64"), list(uniques)
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    words = ["" if w is None else w for w in encoded.dictionary.to_pylist()]
    names = sorted(set(words))
    position = pd.Index(names).get_indexer(words).astype("int64")
    return position[encoded.indices.to_numpy(zero_copy_only=False)], names


def _sum_per_key(key: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sum of ``values`` per ``key`` (0..size-1)."""
    if float(np.abs(values).sum(dtype="float64")) < 2.0**52:
        # every partial sum is an integer below 2**53: exact in float64
        return np.bincount(key, weights=values, minlength=size).astype("int64")
    out = np.zeros(size, dtype="int64")
    np.add.at(out, key, values)
    return out


def _centi(quantity: np.ndarray) -> np.ndarray:
    """Quantity in hundredths, rounded half-up on the exact binary value."""
    scaled = quantity * 100.0
    out = np.floor(scaled + 0.5)
    near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for i in np.flatnonzero(near):
        exact = (Decimal(float(quantity[i])) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        out[i] = float(exact)
    return out.astype("int64")


def _first_per_group(group: np.ndarray, order_key: np.ndarray, *others: np.ndarray):
    """For each value of ``group``, keep the pair with the smallest ``order_key``."""
    order = np.lexsort((order_key, group))
    group = group[order]
    keep = np.ones(len(group), dtype=bool)
    keep[1:] = group[1:] != group[:-1]
    return (group[keep], *(o[order][keep] for o in others))


def _sta_labels(start, end) -> pd.Series:
    """'STA 1+000 – 2+000' from chainage in metres."""
    a = np.floor(pd.to_numeric(pd.Series(start), errors="coerce").to_numpy(dtype=float) + 0.5)
    b = np.floor(pd.to_numeric(pd.Series(end), errors="coerce").to_numpy(dtype=float) + 0.5)
    ok = ~(np.isnan(a) | np.isnan(b))
    labels = np.full(len(a), None, dtype=object)
    labels[ok] = [
        f"STA {x // 1000}+{x % 1000:03d} – {y // 1000}+{y % 1000:03d}"
        for x, y in zip(a[ok].astype("int64").tolist(), b[ok].astype("int64").tolist(), strict=True)
    ]
    return pd.Series(pd.array(labels, dtype="str"))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
