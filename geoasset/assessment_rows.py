"""Which rows of an asset layer may be billed: those that meet their layer specification.

:func:`_billable_rows` refuses exactly the rows :func:`geoasset.validate.validate_layer`
(the check ``geoasset validate`` runs) refuses, with the same problems, at a fraction of
its cost. A vectorised screen (:func:`_suspect_rows`) marks every row that *could* fail:
a value with control characters, a blank required value, an id repeated once stripped,
a choice value not plainly allowed, a date not plainly ``YYYY-MM-DD``, a number not
plainly finite and in range, a geometry missing, empty, of another type, not valid, not
finite or outside longitude/latitude. Only the marked rows go through ``validate_layer``,
with their own row numbers. Every check that depends on other rows (repeated ids,
ambiguous day/month dates) involves only marked rows, so the verdict on them is the one
the whole layer would get. A clean layer is screened with numpy and Arrow, with Python
work per distinct value (owners, kinds, dates), never per row.
"""

from __future__ import annotations

import functools
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geoasset.assessment_arrays import _text
from geoasset.assessment_result import _LAYERS, NOT_BILLABLE_COLUMNS
from geoasset.errors import SchemaError, ValidationProblem
from geoasset.schema import FieldSpec, LayerSpec, layer_spec
from geoasset.text import strip_controls_series

log = logging.getLogger("geoasset.assessment")

_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4}
_TYPE_IDS |= {"MultiLineString": 5, "MultiPolygon": 6}
_BLANK_WORDS = ("", "nan", "none", "null")
_PLAIN_DATE = r"\d{4}-\d{2}-\d{2}"


@functools.cache
def _no_rows() -> gpd.GeoDataFrame:
    """No refused row: built once (an empty GeoDataFrame takes milliseconds to make);
    callers take a copy."""
    return gpd.GeoDataFrame(
        {name: pd.Series(dtype=object) for name in NOT_BILLABLE_COLUMNS},
        geometry=gpd.GeoSeries([], crs=4326),
    )


def _billable_rows(
    frame: gpd.GeoDataFrame | None, layer: str
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame]:
    """(rows that meet the layer specification, the others as ``invalid_row`` entries).

    A row with a duplicate id, a blank owner, an unknown kind or an unreadable date
    (edited in QGIS after the import) is never billed; it is listed as not billable with
    every reason (row number in the layer, field, rule), as ``geoasset validate`` reports
    it. Control characters are removed from the text of the rows kept.
    """
    from geoasset.validate import ROW_COLUMN, validate_layer

    empty = _no_rows().copy()
    if frame is None or len(frame) == 0:
        return frame, empty
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise SchemaError(layer, [ValidationProblem(None, "geometry", "layer has no CRS")])
    id_column = _LAYERS[layer][0]
    checked = frame
    if id_column not in frame.columns and "asset_id" in frame.columns:
        checked = frame.rename(columns={"asset_id": id_column})
    spec = layer_spec(layer)
    suspect, cleaned = _suspect_rows(checked, spec)
    if checked is not frame:
        cleaned = cleaned.rename(columns={id_column: "asset_id"})
    if not suspect.any():
        return cleaned, empty
    rows = np.flatnonzero(suspect)
    result = validate_layer(
        checked.iloc[rows], spec, source=f"layer {layer!r}", row_numbers=rows + 1
    )
    if result.ok:
        return cleaned, empty
    reasons: dict[int, list[str]] = {}
    for problem in result.problems:
        reasons.setdefault(problem.row, []).append(str(problem))
    refused = result.rejected[ROW_COLUMN].to_numpy(dtype="int64") - 1
    keep = np.ones(len(frame), dtype=bool)
    keep[refused] = False
    valid = cleaned.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    original = frame.iloc[refused]
    ids = _text(checked[id_column].iloc[refused] if id_column in checked else None, len(refused))
    log.warning(
        "layer %r: %d row(s) fail the layer specification and are not billed "
        "(listed as not billable, reason invalid_row)",
        layer,
        len(refused),
    )
    table = pd.DataFrame(
        {
            "asset_id": ids.where(ids.notna(), [f"{layer}#{r + 1}" for r in refused]),
            "layer": layer,
            "owner": _text(original["owner"] if "owner" in original else None, len(refused)),
            "kind": _text(original["kind"] if "kind" in original else None, len(refused)),
            "reason": "invalid_row",
            "detail": ["; ".join(reasons[int(r) + 1]) for r in refused],
            "quantity_outside": np.nan,
            "distance_to_corridor_m": np.nan,
            "nearest_corridor_id": None,
        }
    )
    geometry = gpd.GeoSeries(original.geometry.values, crs=frame.crs).to_crs(4326)
    return valid, gpd.GeoDataFrame(table, geometry=geometry.values, crs=4326)


def _suspect_rows(frame: gpd.GeoDataFrame, spec: LayerSpec) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    """(rows :func:`~geoasset.validate.validate_layer` could refuse, ``frame`` with control
    characters removed from the specification's fields).

    The mask holds every row ``validate_layer`` refuses (and possibly a few it accepts);
    rows outside it are accepted.
    """
    n = len(frame)
    suspect = np.zeros(n, dtype=bool)
    cleaned = frame
    for field in spec.fields:
        if field.name not in frame.columns:
            if field.required:
                return np.ones(n, dtype=bool), cleaned
            continue
        values = frame[field.name]
        if values.dtype == object and not values.notna().any():
            continue  # nothing written in it: nothing to refuse unless required
        clean, found = strip_controls_series(values)
        if found.any():
            suspect |= found.to_numpy(dtype=bool)
            if cleaned is frame:
                cleaned = frame.copy()
            cleaned[field.name] = clean
        if field.type in ("int", "float"):
            suspect |= _odd_numbers(clean, field)
        elif field.type == "date":
            suspect |= _odd_dates(clean)
        else:
            suspect |= _odd_text(clean, field, is_id=field.name == spec.id_field)
    for field in spec.fields:
        if field.required and field.name in frame.columns:
            missing = frame[field.name].isna().to_numpy(dtype=bool)
            suspect |= missing
    suspect |= _odd_geometries(frame, spec)
    return suspect, cleaned


def _per_distinct(values: pd.Series, odd) -> np.ndarray:
    """``odd`` (a mask function of a Series of distinct values) spread back to the rows;
    missing values are not odd."""
    codes, distinct = pd.factorize(values)
    if len(distinct) == 0:
        return np.zeros(len(values), dtype=bool)
    flags = np.append(np.asarray(odd(pd.Series(distinct)), dtype=bool), False)
    return flags[codes]


def _odd_text(values: pd.Series, field: FieldSpec, *, is_id: bool) -> np.ndarray:
    out = np.zeros(len(values), dtype=bool)
    if not (field.required or field.allowed is not None or is_id):
        return out  # free text: never refused
    text = values.astype("str")
    if field.required:
        # blank, or anything that strips or reads as a blank word: checked exactly
        out |= _per_distinct(
            text, lambda d: (d.str.strip() != d) | d.str.lower().isin(_BLANK_WORDS)
        )
    if field.allowed is not None:
        allowed = set(field.allowed)

        def unknown(distinct: pd.Series) -> np.ndarray:
            norm = distinct.str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
            return ~norm.isin(allowed).to_numpy(dtype=bool)

        out |= _per_distinct(text, unknown)
    if is_id:
        stripped = text.str.strip()
        if not stripped[stripped.notna()].is_unique:
            out |= (stripped.notna() & stripped.duplicated(keep=False)).to_numpy(dtype=bool)
    return out


def _odd_numbers(values: pd.Series, field: FieldSpec) -> np.ndarray:
    given = values.notna().to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(values.dtype):
        return given  # let the full check decide
    if pd.api.types.is_numeric_dtype(values.dtype):
        number = values.to_numpy(dtype="float64", na_value=np.nan)
    else:
        text = values.astype("str").str.strip()
        try:
            number = text.astype("float64[pyarrow]").to_numpy(dtype="float64", na_value=np.nan)
        except (ValueError, TypeError, NotImplementedError, pa.ArrowInvalid):
            number = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        odd = given & ~np.isfinite(number)
        if field.minimum is not None:
            odd |= number < field.minimum
        if field.maximum is not None:
            odd |= number > field.maximum
        if field.type == "int":
            odd |= given & (number != np.round(number))
    return odd


def _odd_dates(values: pd.Series) -> np.ndarray:
    dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return np.zeros(len(values), dtype=bool)
    if isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_date(dtype.pyarrow_dtype) or pa.types.is_timestamp(dtype.pyarrow_dtype)
    ):
        return np.zeros(len(values), dtype=bool)

    def odd(distinct: pd.Series) -> np.ndarray:
        if distinct.dtype == object:
            return np.ones(len(distinct), dtype=bool)  # spreadsheet cells: checked exactly
        plain = distinct.str.fullmatch(_PLAIN_DATE).to_numpy(dtype=bool, na_value=False)
        real = pd.to_datetime(distinct, format="%Y-%m-%d", errors="coerce").notna()
        return ~(plain & real.to_numpy(dtype=bool))

    if values.dtype == object:
        values = values.astype("str") if _all_text(values) else values
    return _per_distinct(values, odd)


def _all_text(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(len(present)) and pd.api.types.infer_dtype(present, skipna=True) == "string"


def _odd_geometries(frame: gpd.GeoDataFrame, spec: LayerSpec) -> np.ndarray:
    shapes = np.asarray(frame.geometry.values)
    types = shapely.get_type_id(shapes)
    odd = shapely.is_missing(shapes) | shapely.is_empty(shapes)
    odd |= ~np.isin(types, [_TYPE_IDS[t] for t in spec.geometry_types])
    bounds = shapely.bounds(shapes)
    # a point's bounds are its coordinates; other shapes are checked vertex by vertex
    odd[(types == 0) & ~np.isfinite(bounds).all(axis=1)] = True
    others = np.flatnonzero(~odd & (types != 0))
    coords, index = shapely.get_coordinates(shapes[others], return_index=True)
    odd[others[index[~np.isfinite(coords).all(axis=1)]]] = True
    rest = others[~odd[others]]  # finite points are valid
    odd[rest[~shapely.is_valid(shapes[rest])]] = True
    if frame.crs is not None and frame.crs.is_geographic:
        with np.errstate(invalid="ignore"):
            odd |= (
                (bounds[:, 0] < -180)
                | (bounds[:, 2] > 180)
                | (bounds[:, 1] < -90)
                | (bounds[:, 3] > 90)
            )
    return odd
