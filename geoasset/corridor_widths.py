"""Width of each road's right-of-way: the road's own ``rumija_m``, a widths file, or the
minimum of its class (see :mod:`geoasset.corridors`, "Width of a road's Rumija").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geoasset.centrelines import Centrelines, _texts
from geoasset.errors import (
    SchemaError,
    ValidationProblem,
)
from geoasset.schema import ROAD_CLASSES, RUMIJA_MIN_WIDTH_M
from geoasset.tables import parse_decimal, read_rows

__all__ = ["load_widths"]


# -- widths --------------------------------------------------------------------------
def load_widths(path: str | os.PathLike) -> dict[str, float]:
    """Read a widths file: CSV with columns ``road_class,width_m`` (metres, total width).

    Parameters
    ----------
    path
        The CSV file, read by :func:`geoasset.tables.read_table` (``,`` or ``;``
        separated, any usual encoding). A decimal comma (``"12,5"``) is accepted.

    Returns
    -------
    dict
        road_class -> width in metres.

    Raises
    ------
    SchemaError
        A missing or unreadable file, or every bad row, naming the row (1 = first data
        row) and the column.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "widths.csv")
    >>> _ = open(path, "w").write("road_class,width_m\\nraya,30\\nkecil,wide\\n")
    >>> load_widths(path)
    Traceback (most recent call last):
    ...
    geoasset.errors.SchemaError: 1 problem(s) in widths.csv:
      widths.csv row 2 field 'width_m': width must be a number of metres > 0, got 'wide'
    """
    name = Path(path).name
    frame, numbers, problems = read_rows(
        path, name, "widths", SchemaError, ("road_class", "width_m")
    )
    missing = [c for c in ("road_class", "width_m") if c not in frame.columns]
    if missing:
        header = list(frame.columns)
        raise SchemaError(
            name,
            [
                ValidationProblem(None, c, f"column is missing (header is {header!r})")
                for c in missing
            ],
        )
    widths: dict[str, float] = {}
    first_row: dict[str, int] = {}
    for number, cls, raw in zip(
        numbers, frame["road_class"].str.strip(), frame["width_m"].str.strip(), strict=True
    ):
        if not cls:
            problems.append(ValidationProblem(number, "road_class", "road class is empty"))
        elif cls not in ROAD_CLASSES:
            problems.append(
                ValidationProblem(
                    number,
                    "road_class",
                    f"unknown road class {cls!r} (known: {', '.join(ROAD_CLASSES)})",
                )
            )
        elif cls in first_row:
            problems.append(
                ValidationProblem(
                    number, "road_class", f"{cls!r} is given again (first at row {first_row[cls]})"
                )
            )
        try:
            width = parse_decimal(raw)
        except ValueError:
            width = float("nan")
        if not (np.isfinite(width) and 0 < width <= 1000):
            problems.append(
                ValidationProblem(
                    number, "width_m", f"width must be a number of metres > 0, got {raw!r}"
                )
            )
        elif cls in ROAD_CLASSES and cls not in first_row:
            widths[cls] = width
            first_row[cls] = number
    if problems:
        raise SchemaError(name, problems)
    return widths


def _width_map(widths) -> dict[str, float]:
    if widths is None:
        return {}
    if isinstance(widths, (str, os.PathLike)):
        return load_widths(widths)
    if isinstance(widths, Mapping):
        out = {}
        for cls, value in widths.items():
            width = float(value)
            if not (np.isfinite(width) and width > 0):
                raise ValueError(f"widths[{cls!r}] must be a number of metres > 0, got {value!r}")
            out[str(cls)] = width
        return out
    raise TypeError(f"widths must be a path or a mapping, not {type(widths).__name__}")


def _road_widths(
    roads: gpd.GeoDataFrame, lines: Centrelines, table: dict[str, float], has_parcel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[ValidationProblem]]:
    """Width and its source for every road without a parcel; problems for the others."""
    n = len(lines)
    frame = roads.iloc[lines.rows]
    if "rumija_m" in frame.columns:
        raw = frame["rumija_m"]
        own = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        given = raw.notna().to_numpy() & (raw.astype("str").str.strip() != "").to_numpy()
    else:
        raw, own, given = None, np.full(n, np.nan), np.zeros(n, dtype=bool)
    classes = (
        pd.Series(_texts(frame["road_class"]), dtype=object)
        if "road_class" in frame.columns
        else pd.Series([None] * n, dtype=object)
    )
    from_file = classes.map(table).to_numpy(dtype="float64", na_value=np.nan)
    from_class = classes.map(RUMIJA_MIN_WIDTH_M).to_numpy(dtype="float64", na_value=np.nan)
    good_own = given & np.isfinite(own) & (own > 0)
    width = np.select(
        [good_own, ~given & np.isfinite(from_file), ~given & np.isfinite(from_class)],
        [own, from_file, from_class],
        np.nan,
    )
    source = np.select(
        [good_own, ~given & np.isfinite(from_file), ~given & np.isfinite(from_class)],
        ["road", "widths_file", "class"],
        "",
    ).astype(object)
    width[has_parcel] = np.nan
    source[has_parcel] = None
    problems: list[ValidationProblem] = []
    for k in np.flatnonzero(~has_parcel & given & ~good_own):
        problems.append(
            ValidationProblem(
                int(lines.rows[k]) + 1,
                "rumija_m",
                f"road {lines.road_id[k]!r}: Rumija width must be a number of metres > 0, "
                f"got {raw.iloc[k]!r}",
            )
        )
    known = ", ".join(dict.fromkeys([*table, *RUMIJA_MIN_WIDTH_M]))
    for k in np.flatnonzero(~has_parcel & ~given & np.isnan(width)):
        problems.append(
            ValidationProblem(
                int(lines.rows[k]) + 1,
                "road_class",
                f"road {lines.road_id[k]!r} has no Rumija width: rumija_m is empty, it has no "
                f"parcel and road_class {classes.iloc[k]!r} is not one of {known}",
            )
        )
    problems.sort(key=lambda p: p.row)
    return width, source, problems
