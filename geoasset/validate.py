"""Check rows against a layer specification, collecting every problem.

:func:`validate_layer` takes a GeoDataFrame whose columns already carry the schema's
field names (values may still be raw text from a field file), coerces each field to its
type, and splits the rows into the valid ones and the refused ones, each refused row with
every reason. It never stops at the first problem, so a field crew fixes a survey in one
pass. The work is vectorised per field; only failing rows are visited one by one.

Values are strict: a date is ``YYYY-MM-DD`` or day-first ``DD/MM/YYYY`` and nothing else
(impossible dates, a year alone and slash dates that read two ways in one column are
refused) and comes out as an Arrow ``date32`` (a GeoPackage DATE once stored); a number
must be finite (``inf``, ``1e400``, the word ``nan`` are refused), and so must every
coordinate of a geometry; control characters are removed from text with a warning.
The same check guards the money: :func:`geoasset.assessment.assess` bills only the rows
it accepts.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point
>>> rows = gpd.GeoDataFrame({"pole_id": ["P1", "P2"], "owner": ["PLN", ""],
...                          "height_m": ["9", "nine"]},
...                         geometry=[Point(123.6, -10.2), Point(123.6, -10.2)], crs=4326)
>>> result = validate_layer(rows, "poles", source="poles.csv")
>>> len(result.valid), len(result.rejected)
(1, 1)
>>> print(result.problems[0])
row 2 field 'owner': required value is empty
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geoasset.errors import ValidationProblem
from geoasset.schema import PANDAS_DTYPES, LayerSpec, layer_spec
from geoasset.text import strip_controls_series

__all__ = [
    "PANDAS_DTYPES",
    "ValidationResult",
    "validate_layer",
    "validate_inventory",
    "assign_ids",
    "REASON_COLUMN",
    "DATE_FORMS",
    "parse_date_text",
    "read_layer",
]

#: How each schema field type is held in pandas (and so written by pyogrio): dates as
#: Arrow ``date32``, which the store (through Arrow) writes as GeoPackage DATE columns.
logger = logging.getLogger(__name__)

REASON_COLUMN = "reject_reason"
ROW_COLUMN = "source_row"

_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
# What Python's str.isspace() calls whitespace, spelled for Arrow's RE2 regex engine.
_SPACE = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]"
BLANK_PATTERN = rf"^{_SPACE}*((?i)nan|none|null)?{_SPACE}*$"


@dataclass
class ValidationResult:
    """Valid rows (typed), refused rows (as given, with reasons) and every problem."""

    valid: gpd.GeoDataFrame
    rejected: pd.DataFrame
    problems: list[ValidationProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _is_blank(values: pd.Series) -> pd.Series:
    """Missing, empty, whitespace or the words nan/none/null (any case)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        text = pa.array(values.array)
        blank = values.isna().to_numpy(dtype=bool, copy=True)
        # A blank value is empty or starts with whitespace (a byte <= 0x20, or any
        # non-ASCII character) or with the n of nan/none/null: a one-byte test in Arrow
        # leaves the exact regex for the few values that pass it.
        first = pc.binary_slice(text.cast(pa.large_binary()), 0, 1)
        maybe = pc.or_(
            pc.or_(pc.less_equal(first, b" "), pc.greater_equal(first, b"\x80")),
            pc.is_in(first, pa.array([b"n", b"N"], pa.large_binary())),
        )
        check = np.flatnonzero(np.asarray(pc.fill_null(maybe, False)) & ~blank)
        if len(check):
            words = pc.match_substring_regex(text.take(check), BLANK_PATTERN)
            blank[check] = np.asarray(words)
        return pd.Series(blank, index=values.index)
    as_text = values.astype("str").str.strip()
    return values.isna() | (as_text == "") | as_text.str.lower().isin(["nan", "none", "null"])


def _per_distinct(values: pd.Series, convert) -> pd.Series:
    """``convert`` applied once per distinct value of ``values``, spread back to every row.

    Field files repeat the same few values (survey dates, owners), so this does the
    string work on a handful of values instead of a million.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    converted = convert(pd.Series(distinct, dtype=values.dtype)).reset_index(drop=True)
    missing = pd.Series([None], dtype=converted.dtype)
    out = pd.concat([converted, missing], ignore_index=True).take(
        np.where(codes < 0, len(converted), codes)
    )
    return out.set_axis(values.index)


def _to_float(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    try:  # fast path (Arrow, in C++): every value a plain number or missing
        return values.astype("float64[pyarrow]").astype("float64")
    except (ValueError, TypeError, NotImplementedError):
        pass
    text = values.astype("str").str.strip()
    comma = text.str.contains(",", regex=False, na=False)
    comma[comma] = text[comma].str.match(_DECIMAL_COMMA.pattern)
    text = text.where(~comma, text.str.replace(",", ".", regex=False))
    return pd.to_numeric(text, errors="coerce").astype("float64")


_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: How a date field may be written: ISO, or day first with slashes (the Indonesian habit).
DATE_FORMS = "YYYY-MM-DD or DD/MM/YYYY"
_DATE_HINT = "use YYYY-MM-DD"


def parse_date_text(text: str) -> tuple[str | None, str | None]:
    """(ISO date, None) for a date written ``YYYY-MM-DD`` or ``DD/MM/YYYY``, else
    (None, why it is refused). A time after an ISO date (``2026-07-01 00:00:00``, as
    spreadsheets write dates) is dropped.

    Examples
    --------
    >>> parse_date_text("17/08/2026"), parse_date_text("2026-08-17T00:00:00")
    (('2026-08-17', None), ('2026-08-17', None))
    >>> parse_date_text("2026-13-07")[1]
    "'2026-13-07' is not a date (use YYYY-MM-DD)"
    >>> parse_date_text("2026/07/01")[1]
    "'2026/07/01' is not a date (use YYYY-MM-DD)"
    """
    value = text.strip()
    iso = _ISO_DATE.match(value)
    day_first = None if iso else _DAY_FIRST.match(value)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif day_first:
        day, month, year = (int(g) for g in day_first.groups())
    else:
        return None, f"{text!r} is not a date ({_DATE_HINT})"
    try:
        return date(year, month, day).isoformat(), None
    except ValueError:
        return None, f"{text!r} is not a date ({_DATE_HINT})"


def _to_date(values: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """ISO date text per value, and the refused values with the reason.

    Dates are ``YYYY-MM-DD`` or day-first ``DD/MM/YYYY`` (the Indonesian habit). A
    column whose slash dates include a month-first one (``07/13/2026``) makes every
    slash date that reads two ways (``07/12/2026``) ambiguous, so those are refused too.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        iso = values.dt.strftime("%Y-%m-%d").astype("str").where(values.notna(), None)
        return iso, {}
    if values.dtype == object:  # spreadsheet cells: dates, datetimes and text mixed
        codes, distinct = pd.factorize(values)
        cells = pd.Series([_date_cell(v) for v in distinct] + [None], dtype=object)
        values = pd.Series(cells.to_numpy()[codes], index=values.index, dtype=object)
    text = values.astype("str")
    codes, uniques = pd.factorize(text)  # missing values: code -1, the last slot below
    distinct = [str(v) for v in uniques]
    parsed = {value: parse_date_text(value) for value in distinct}
    month_first = sorted(
        value
        for value in distinct
        if (m := _DAY_FIRST.match(value.strip())) and int(m.group(2)) > 12 >= int(m.group(1))
    )
    if month_first:
        for value in distinct:
            m = _DAY_FIRST.match(value.strip())
            if m and parsed[value][1] is None and m.group(1) != m.group(2):
                if int(m.group(1)) <= 12 and int(m.group(2)) <= 12:
                    parsed[value] = (
                        None,
                        f"{value!r} is ambiguous: this column also holds {month_first[0]!r}, "
                        f"written month first; write dates as YYYY-MM-DD",
                    )
    iso = np.array([parsed[v][0] for v in distinct] + [None], dtype=object)[codes]
    refused = {v: p[1] for v, p in parsed.items() if p[1] is not None}
    return pd.Series(iso, index=text.index, dtype="str"), refused


def _date32(iso: pd.Series) -> pd.Series:
    """ISO date text as an Arrow ``date32`` column (a GeoPackage DATE once stored)."""
    text = pa.array(iso.astype(object).where(iso.notna(), None), type=pa.string())
    return pd.Series(pd.arrays.ArrowExtensionArray(pc.cast(text, pa.date32())), index=iso.index)


def _date_cell(value):
    """A spreadsheet date cell as ISO text; other values unchanged."""
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _normalise_choice(values: pd.Series) -> pd.Series:
    """``"Rusak Ringan"``, ``" rusak-ringan"`` -> ``"rusak_ringan"``."""
    return _per_distinct(
        values.astype("str"),
        lambda distinct: distinct.str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True),
    )


def validate_layer(
    frame: gpd.GeoDataFrame,
    layer: str | LayerSpec,
    *,
    source: str = "",
    row_numbers: Iterable[int] | None = None,
    existing_ids: Iterable[str] = (),
    fix: bool = False,
) -> ValidationResult:
    """Validate ``frame`` against a layer specification.

    Parameters
    ----------
    frame
        Rows to check, columns named as the schema's fields; other columns are kept
        as text.
    layer
        Layer name or :class:`~geoasset.schema.LayerSpec`.
    source
        Name of the file the rows came from, used in messages.
    row_numbers
        The 1-based row number of each row in its source (default: 1, 2, ...).
    existing_ids
        Ids already in the inventory; a row repeating one is refused.
    fix
        Repair invalid geometries with ``shapely.make_valid`` instead of refusing them.
    """
    spec = layer if isinstance(layer, LayerSpec) else layer_spec(layer)
    n = len(frame)
    rows = np.arange(1, n + 1) if row_numbers is None else np.asarray(list(row_numbers))
    reasons: dict[int, list[ValidationProblem]] = defaultdict(list)

    def refuse(mask: pd.Series | np.ndarray, field_name: str | None, message) -> None:
        for pos in np.flatnonzero(np.asarray(mask)):
            text = message(pos) if callable(message) else message
            reasons[pos].append(ValidationProblem(int(rows[pos]), field_name, text))

    original = _without_controls(frame.reset_index(drop=True), rows, source or spec.name)
    out = {}
    for spec_field in spec.fields:
        name = spec_field.name
        if name not in original.columns:
            if spec_field.required:
                refuse(np.ones(n, bool), name, "required column is missing")
            out[name] = pd.Series(index=pd.RangeIndex(n), dtype=PANDAS_DTYPES[spec_field.type])
            continue
        raw = original[name]
        blank = _is_blank(raw)
        if spec_field.required:
            refuse(blank, name, "required value is empty")
        if spec_field.type in ("int", "float"):
            number = _to_float(raw)
            bad = number.isna() & ~blank
            refuse(bad, name, lambda p, raw=raw: f"{raw.iloc[p]!r} is not a number")
            infinite = number.notna() & ~np.isfinite(number.fillna(0.0))
            words = blank & raw.notna()  # "nan" written out is a word, not a missing value
            if words.any() and not pd.api.types.is_numeric_dtype(raw):
                said = raw[words].astype("str").str.strip().str.lower().eq("nan")
                infinite |= said.reindex(raw.index, fill_value=False).astype(bool)
            refuse(infinite, name, lambda p, raw=raw: f"{raw.iloc[p]!r} is not a finite number")
            number = number.where(~infinite)
            if spec_field.type == "int":
                fractional = number.notna() & (number != np.round(number))
                refuse(
                    fractional, name, lambda p, raw=raw: f"{raw.iloc[p]!r} is not a whole number"
                )
                number = number.where(~fractional)
            if spec_field.minimum is not None:
                low = number < spec_field.minimum
                refuse(
                    low,
                    name,
                    lambda p, v=number, f=spec_field: f"{v.iloc[p]:g} is below {f.minimum:g}",
                )
            if spec_field.maximum is not None:
                high = number > spec_field.maximum
                refuse(
                    high,
                    name,
                    lambda p, v=number, f=spec_field: f"{v.iloc[p]:g} is above {f.maximum:g}",
                )
            value = number.round().astype("Int64") if spec_field.type == "int" else number
        elif spec_field.type == "date":
            value, refused = _to_date(raw.where(~blank))
            bad = value.isna() & ~blank
            text = raw.astype("str")
            refuse(
                bad,
                name,
                lambda p, text=text, refused=refused: refused.get(
                    text.iloc[p], f"{text.iloc[p]!r} is not a date ({_DATE_HINT})"
                ),
            )
            value = _date32(value)
        else:
            value = raw.astype("str").where(~blank, None)
            if spec_field.allowed is not None:
                value = _normalise_choice(raw).where(~blank, None)
                unknown = ~blank & ~value.isin(spec_field.allowed)
                refuse(
                    unknown,
                    name,
                    lambda p, raw=raw, f=spec_field: (
                        f"{raw.iloc[p]!r} is not one of {', '.join(f.allowed)}"
                    ),
                )
            elif name == spec.id_field:
                value = value.str.strip()
        out[name] = value.reset_index(drop=True)

    ids = out[spec.id_field]
    given = ids.notna()
    if ids[given].is_unique:  # the usual case, found with one hash pass
        dup_in_file = pd.Series(False, index=ids.index)
    else:
        dup_in_file = given & ids.duplicated(keep=False)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for pos in np.flatnonzero(dup_in_file.to_numpy()):
        rows_of[ids.iloc[pos]].append(int(rows[pos]))

    def repeated(p: int) -> str:
        where = rows_of[ids.iloc[p]]
        shown = ", ".join(map(str, where[:10])) + (", ..." if len(where) > 10 else "")
        return f"duplicate id {ids.iloc[p]!r} ({len(where)} rows: {shown})"

    refuse(dup_in_file, spec.id_field, repeated)
    existing = set(existing_ids)
    if existing:
        clash = given & ids.isin(existing)
        refuse(clash, spec.id_field, lambda p: f"id {ids.iloc[p]!r} is already in the inventory")

    geometry = gpd.GeoSeries(original.geometry.values, crs=frame.crs)
    missing = geometry.isna().to_numpy() | shapely.is_empty(geometry.values)
    refuse(missing, "geometry", "geometry is missing or empty")
    shapes = np.asarray(geometry.values)
    not_finite = ~missing & ~_finite_coordinates(shapes)
    refuse(not_finite, "geometry", "coordinates are not finite numbers")
    missing = missing | not_finite  # checked no further
    wrong = ~missing & ~np.isin(shapely.get_type_id(shapes), _type_ids(spec.geometry_types))
    refuse(
        wrong,
        "geometry",
        lambda p: (
            f"{shapes[p].geom_type} is not allowed in {spec.name} "
            f"({', '.join(spec.geometry_types)})"
        ),
    )
    invalid = ~missing & ~wrong & ~shapely.is_valid(geometry.values)
    if invalid.any():
        if fix:
            repaired = shapely.make_valid(geometry.values[invalid])
            geometry = geometry.copy()
            geometry.values[invalid] = repaired
            still_wrong = ~np.isin(shapely.get_type_id(repaired), _type_ids(spec.geometry_types))
            refuse(
                _scatter(invalid, still_wrong),
                "geometry",
                "geometry could not be repaired into an allowed type",
            )
        else:
            refuse(
                invalid,
                "geometry",
                lambda p: (
                    f"invalid geometry ({shapely.is_valid_reason(geometry.values[p])}); "
                    "use fix=True to repair it"
                ),
            )
    if frame.crs is not None and frame.crs.is_geographic:
        ok = ~missing
        bounds = shapely.bounds(geometry.values)
        outside = ok & (
            (bounds[:, 0] < -180)
            | (bounds[:, 2] > 180)
            | (bounds[:, 1] < -90)
            | (bounds[:, 3] > 90)
        )
        refuse(outside, "geometry", "coordinates outside longitude ±180 / latitude ±90")

    extra = [c for c in original.columns if c not in out and c != original.geometry.name]
    for name in extra:
        values = original[name]
        out[name] = values.astype("str").where(~values.isna(), None)

    typed = gpd.GeoDataFrame(out, geometry=geometry.values, crs=frame.crs)
    bad_rows = np.zeros(n, bool)
    bad_rows[list(reasons)] = True
    problems = [p for pos in sorted(reasons) for p in reasons[pos]]
    rejected = pd.DataFrame(original.drop(columns=original.geometry.name)[bad_rows])
    rejected.insert(0, ROW_COLUMN, rows[bad_rows])
    rejected["geometry_wkt"] = [
        None if g is None or g.is_empty else g.wkt for g in original.geometry[bad_rows]
    ]
    rejected[REASON_COLUMN] = [
        "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in reasons[pos])
        for pos in np.flatnonzero(bad_rows)
    ]
    valid = typed[~bad_rows].reset_index(drop=True)
    return ValidationResult(
        valid=valid, rejected=rejected.reset_index(drop=True), problems=problems
    )


def _without_controls(frame: gpd.GeoDataFrame, rows: np.ndarray, source: str):
    """``frame`` with control characters removed from its text, each removal logged.

    A NUL or an escape sequence in a field value is never stored: GDAL would cut the
    text at a NUL (``PL\\0N`` stored as ``PL``) and a terminal would run the escape.
    """
    out = frame
    for name in frame.columns:
        if name == frame.geometry.name:
            continue
        cleaned, found = strip_controls_series(frame[name])
        if not found.any():
            continue
        if out is frame:
            out = frame.copy()
        out[name] = cleaned
        where = rows[found.to_numpy()]
        shown = ", ".join(map(str, where[:10])) + (", ..." if len(where) > 10 else "")
        logger.warning(
            "%s: field %r: control characters removed from %d value(s) (rows %s)",
            source,
            name,
            len(where),
            shown,
        )
    return out


def _finite_coordinates(shapes: np.ndarray) -> np.ndarray:
    """Per geometry: every coordinate is a finite number (missing geometries: True)."""
    finite = np.ones(len(shapes), bool)
    present = np.flatnonzero(~pd.isna(shapes))
    coords, index = shapely.get_coordinates(shapes[present], return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    finite[present[np.unique(index[bad])]] = False
    return finite


def _type_ids(names: Iterable[str]) -> list[int]:
    codes = {
        "Point": 0,
        "LineString": 1,
        "Polygon": 3,
        "MultiPoint": 4,
        "MultiLineString": 5,
        "MultiPolygon": 6,
    }
    return [codes[n] for n in names]


def _scatter(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(mask), bool)
    out[np.flatnonzero(mask)] = values
    return out


def assign_ids(
    frame: gpd.GeoDataFrame, layer: str | LayerSpec, *, existing_ids: Iterable[str] = ()
) -> gpd.GeoDataFrame:
    """Give rows without an id a stable one, ``PREFIX-000123``, after the highest in use.

    Examples
    --------
    >>> import geopandas as gpd
    >>> f = gpd.GeoDataFrame({"pole_id": [None, "POLE-000007", None]}, geometry=[None] * 3)
    >>> assign_ids(f, "poles", existing_ids=["POLE-000002"])["pole_id"].tolist()
    ['POLE-000008', 'POLE-000007', 'POLE-000009']
    """
    spec = layer if isinstance(layer, LayerSpec) else layer_spec(layer)
    ids = frame[spec.id_field]
    missing = ids.isna() | (ids.astype("str").str.strip() == "")
    if not missing.any():
        return frame
    pattern = re.compile(rf"^{re.escape(spec.id_prefix)}-(\d+)$")
    used = [*existing_ids, *ids[~missing].astype("str")]
    numbers = [int(m.group(1)) for m in map(pattern.match, used) if m]
    start = max(numbers, default=0) + 1
    out = frame.copy()
    new_ids = [f"{spec.id_prefix}-{start + i:06d}" for i in range(int(missing.sum()))]
    out.loc[missing.to_numpy(), spec.id_field] = new_ids
    return out


_GDAL_BAD_CONTENT = re.compile(
    r"(?:Invalid|Non-conformant) content for record (\d+) in column (.+?)(?::|,) (.*?)"
    r"(?:, successfully parsed)?$"
)


def read_layer(inventory, layer: str) -> gpd.GeoDataFrame:
    """Read a stored layer for checking, with every value as it is stored.

    GDAL reads text that is not a date from a DATE column (written by hand or by a SQL
    edit) as a date anyway: ``2026/07/01`` as 1 July, ``2026-13-07`` as 1 January 1970,
    saying so only in a warning. Those cells come back here as the stored text, so
    :func:`validate_layer` refuses them like any other date written wrongly.

    Examples
    --------
    >>> import os, tempfile, geopandas as gpd
    >>> from shapely import Point
    >>> from geoasset.store import Batch, create_inventory
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "a.gpkg"))
    >>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
    ...                          geometry=[Point(123.6, -10.17)], crs=4326)
    >>> inv.write({"poles": poles}, batch=Batch(command="doctest"))
    >>> read_layer(inv, "poles")["pole_id"].tolist()
    ['P1']
    """
    import warnings

    import pyogrio

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        frame = inventory.read(layer)
    bad = []
    for warning in caught:
        match = _GDAL_BAD_CONTENT.search(str(warning.message))
        if match and match.group(2) in frame.columns:
            bad.append((int(match.group(1)), match.group(2), match.group(3)))
        else:
            logger.warning("layer %r: %s", layer, warning.message)
    if not bad:
        return frame
    fids = pyogrio.read_dataframe(
        inventory.path, layer=layer, columns=[], read_geometry=False, fid_as_index=True
    ).index
    position = pd.Series(np.arange(len(fids)), index=fids)
    frame = frame.copy()
    for record, column, text in bad:
        if record in position.index:
            values = frame[column].astype(object)
            values.iloc[int(position[record])] = text
            frame[column] = values
    return frame


def validate_inventory(inventory) -> dict[str, list[ValidationProblem]]:
    """Re-check every schema layer stored in an inventory; collect every problem.

    ``inventory`` is an open :class:`~geoasset.store.Inventory` (to check a file by its
    path, :func:`geoasset.jobs.validate_inventory` opens it). Layers of the
    schema (:data:`~geoasset.schema.LAYERS`) found in the file are read and passed to
    :func:`validate_layer` (types, required values, allowed values, duplicate ids,
    geometry type and validity); row numbers count the layer's features from 1.

    Returns
    -------
    dict
        Layer name -> its problems (an empty list for a clean layer).

    Examples
    --------
    >>> import os, tempfile, geopandas as gpd
    >>> from shapely import Point
    >>> from geoasset.store import Batch, create_inventory
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "a.gpkg"))
    >>> poles = gpd.GeoDataFrame({"pole_id": ["P1", "P1"], "owner": ["PLN", "PLN"]},
    ...                          geometry=[Point(123.6, -10.17)] * 2, crs=4326)
    >>> inv.write({"poles": poles}, batch=Batch(command="doctest"))
    >>> print(validate_inventory(inv)["poles"][0])
    row 1 field 'pole_id': duplicate id 'P1' (2 rows: 1, 2)
    """
    from geoasset.schema import LAYERS

    stored = set(inventory.layers())
    return {
        name: validate_layer(read_layer(inventory, name), name, source=f"layer {name!r}").problems
        for name in LAYERS
        if name in stored
    }
