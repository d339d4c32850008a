"""The frame of the quality rules: parameters, the rule registry, and the helpers every
rule uses to read a layer, measure in metres and report a finding (see :mod:`geoasset.qa`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.crs import metric_crs
from geoasset.errors import CRSError
from geoasset.schema import LAYERS

#: Default minimum distance of a pole from a road centreline, metres (a default, not law).
DEFAULT_MIN_POLE_OFFSET_M = 2.0
#: Default distance under which two poles of one owner are reported as one, metres.
DEFAULT_NEAR_DUPLICATE_M = 1.0
SEVERITIES = ("error", "warning")
FINDINGS_COLUMNS = ("layer", "asset_id", "rule", "severity", "message", "geometry")
FINDINGS_LAYER = "qa_findings"
SUMMARY_LAYER = "qa_summary"

#: Layers whose assets must stand inside a right-of-way corridor.
ROW_ASSET_LAYERS = ("poles", "utility_lines", "bridges", "monuments")
#: layer -> id field, for the inventory layers and the corridors.
ID_FIELDS = {name: spec.id_field for name, spec in LAYERS.items()} | {"corridors": "corridor_id"}
#: An ``area_m2`` below this fraction of the area measured in metres was computed in degrees.
DEGREE_AREA_RATIO = 1e-3
#: A line crossing a road this near (metres) to its own end is taken to end on the road.
CROSSING_END_TOLERANCE_M = 1.0

_NOUNS = {
    "poles": "pole",
    "utility_lines": "utility line",
    "bridges": "bridge",
    "monuments": "monument",
}
_BLANK_WORDS = ("nan", "none", "null")


@dataclass(frozen=True)
class QAParams:
    """The parameters every rule receives.

    ``crs`` is the projected CRS in metres to measure in; ``None`` lets each rule take
    the UTM zone of the data it reads (:func:`run_qa` resolves it once for all rules).
    """

    min_pole_offset_m: float = DEFAULT_MIN_POLE_OFFSET_M
    near_duplicate_m: float = DEFAULT_NEAR_DUPLICATE_M
    crs: pyproj.CRS | None = None


RuleFunction = Callable[[Mapping[str, gpd.GeoDataFrame], QAParams], gpd.GeoDataFrame]


@dataclass(frozen=True)
class Rule:
    """One quality rule: its function, the severity of its findings and what it checks."""

    name: str
    function: RuleFunction
    severity: str
    description: str


#: rule name -> :class:`Rule`, in the order the rules run and are listed.
RULES: dict[str, Rule] = {}


def _rule(name: str, severity: str, description: str):
    def register(function: RuleFunction) -> RuleFunction:
        if severity not in SEVERITIES:
            raise ValueError(f"rule {name!r}: severity must be one of {SEVERITIES}")
        RULES[name] = Rule(name, function, severity, description)
        return function

    return register


# -- helpers ---------------------------------------------------------------------------


def _empty_findings() -> gpd.GeoDataFrame:
    columns = {c: pd.Series([], dtype="str") for c in FINDINGS_COLUMNS[:-1]}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=4326))


def _findings(
    rule: str,
    layer: str | list[str],
    asset_ids: list,
    messages: list[str],
    geometries: list,
    *,
    severity: str | None = None,
) -> gpd.GeoDataFrame:
    """A findings frame for ``rule`` (severity: the rule's own unless given)."""
    if not messages:
        return _empty_findings()
    n = len(messages)
    layers = [layer] * n if isinstance(layer, str) else list(layer)
    data = {
        "layer": pd.Series(layers, dtype="str"),
        "asset_id": pd.Series(asset_ids, dtype="str"),
        "rule": pd.Series([rule] * n, dtype="str"),
        "severity": pd.Series([severity or RULES[rule].severity] * n, dtype="str"),
        "message": pd.Series(messages, dtype="str"),
    }
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(list(geometries), crs=4326))


def _layer(frames: Mapping[str, gpd.GeoDataFrame], name: str) -> gpd.GeoDataFrame | None:
    """Layer ``name`` in EPSG:4326 with a 0..n-1 index, or ``None`` if absent."""
    frame = frames.get(name)
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    if frame.crs is None and not len(frame):
        frame = frame.set_crs(4326)  # no coordinates, nothing to place
    elif frame.crs is None:
        raise CRSError(f"layer {name!r} has no CRS; set it before running the quality rules")
    if not frame.crs.equals(pyproj.CRS.from_epsg(4326)):
        frame = frame.to_crs(4326)
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return frame  # already as wanted: the same object for every rule (see _metric)
    return frame.reset_index(drop=True)


def _ids(frame: gpd.GeoDataFrame, layer: str) -> np.ndarray:
    column = ID_FIELDS.get(layer)
    if column is None or column not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    values = frame[column]
    return np.where(values.isna().to_numpy(), None, values.astype("str").to_numpy(dtype=object))


def _is_missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _blank(frame: pd.DataFrame, column: str) -> np.ndarray:
    """True where ``column`` is missing, empty or a null word; all True if no column."""
    if column not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    values = frame[column]
    text = values.astype("str").str.strip()
    blank = values.isna() | (text == "") | text.str.lower().isin(_BLANK_WORDS)
    return blank.to_numpy(dtype=bool)


def _where(layer: str, row: int, asset_id: str | None) -> str:
    """``layer 'poles' row 3, id 'P1'`` (``row`` 0-based in, 1-based out)."""
    text = f"layer '{layer}' row {row + 1}"
    return text if asset_id is None else f"{text}, id '{asset_id}'"


def _present(geoms: gpd.GeoSeries) -> np.ndarray:
    """Positions of rows with a non-empty geometry."""
    values = geoms.to_numpy()
    return np.flatnonzero(~shapely.is_missing(values) & ~shapely.is_empty(values))


def _measure_crs(frames: Mapping[str, gpd.GeoDataFrame], params: QAParams) -> pyproj.CRS:
    """``params.crs``, else the UTM zone of the whole inventory."""
    return params.crs if params.crs is not None else _inventory_crs(frames)


def _metric(
    frames: Mapping[str, gpd.GeoDataFrame], params: QAParams, layer: gpd.GeoDataFrame
) -> gpd.GeoSeries:
    """``layer``'s geometry in the metric CRS of the whole inventory (or ``params.crs``).

    Projected once per layer and CRS while the layer is alive: several rules measure the
    same poles and corridors.
    """
    crs = _measure_crs(frames, params)
    key = (id(layer), None if crs is None else crs.to_wkt())
    cached = _METRIC_CACHE.get(key)
    if cached is not None and cached[0] is layer:
        return cached[1]
    projected = layer.geometry.to_crs(crs)
    _METRIC_CACHE[key] = (layer, projected)
    return projected


#: (id of a layer, CRS) -> (the layer, its projected geometry); emptied by :func:`run_qa`.
_METRIC_CACHE: dict[tuple[int, str | None], tuple[gpd.GeoDataFrame, gpd.GeoSeries]] = {}


def _inventory_crs(frames: Mapping[str, gpd.GeoDataFrame]) -> pyproj.CRS | None:
    """The UTM zone of the centre of every geometry in ``frames``; ``None`` if none."""
    bounds = []
    for name in frames:
        frame = _layer(frames, name)
        if frame is None:
            continue
        present = frame.geometry.iloc[_present(frame.geometry)]
        if len(present):
            bounds.append(present.total_bounds)
    if not bounds:
        return None
    b = np.array(bounds)
    box = shapely.box(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    return metric_crs(gpd.GeoSeries([box], crs=4326))
