"""Quality rules for a right-of-way inventory: one small function per rule.

:func:`run_qa` runs the rules of :data:`RULES` over a dict of inventory frames (the
inventory layers, plus ``corridors`` when they were built) and returns one finding per
problem: the layer, the asset's id, the rule, its severity (``"error"`` or
``"warning"``), a message naming the layer, row and field and quoting the value, and the
asset's geometry in EPSG:4326. :func:`summarise_findings` counts them per rule;
:func:`qa_inventory` reads an inventory GeoPackage, runs the rules and stores the
``qa_findings`` and ``qa_summary`` layers in one write.

Distances are measured in a metric CRS (:func:`geoasset.crs.metric_crs`: the UTM zone of
the whole inventory's centre unless the caller names one), never in degrees. Pair
searches use a shapely ``STRtree``, so the rules scale to a province's inventory.

Rules
-----
invalid_geometry (error)
    Missing, empty or invalid geometry, with shapely's reason.
duplicate_id (error)
    An id used by more than one row of a layer.
missing_owner (error)
    A pole or utility line without an owner (who would be billed?).
corridors_in_degrees (error)
    Corridors computed in a geographic CRS: their widths and areas are degrees, not
    metres. Refused outright; :func:`run_qa` itself refuses a geographic ``crs``.
line_crossing_without_permit (error)
    A utility line crossing a road centreline without a ``permit_no``. A line whose
    crossing point lies within :data:`CROSSING_END_TOLERANCE_M` of its own end ends on
    the road (a service drop digitised a little past the centreline); it does not cross.
road_without_land (warning)
    A road that has a centreline but no corridor: its right-of-way lies wholly in the
    land of other roads. The message names the road that holds the land and why (a
    certified parcel, a wider road, a nearer centreline, or the same line digitised twice),
    as :func:`geoasset.corridors.landless_roads` works it out.
corridor_cut_fallback (warning)
    A corridor whose boundary with another road could not be cut exactly in floating point
    and was cut snapped to a fine grid instead (still a partition, billed once); the
    corridor's ``note`` names the other road and the place. Worth a look in QGIS: such
    cuts come from ways that nearly coincide (a road digitised twice, say).
asset_outside_row (warning)
    A pole, utility line, bridge or monument touching no right-of-way corridor. It is not
    billable, so it is either mislocated or not on road land; the message gives the
    distance to the nearest corridor. Without a corridors layer, one warning says so.
pole_too_close (warning)
    A pole nearer than ``min_pole_offset_m`` to a road centreline. Permen PU
    20/PRT/M/2010 places utilities inside the Rumaja more than 1 m beyond the shoulder or
    sidewalk, an edge the inventory does not record; the default of
    :data:`DEFAULT_MIN_POLE_OFFSET_M` (2 m from the centreline) is therefore not law but a
    conservative default the user can change: closer than that, a pole stands on the
    travelled way of any two-lane road, or its position is wrong.
near_duplicate_pole (warning)
    Two poles of the same owner (compared without case and surrounding blanks) less
    than ``near_duplicate_m`` apart: most likely one pole surveyed twice.
bridge_without_condition (warning)
    A bridge without a BMS condition value (``condition_nk``).

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1", "P1"], "owner": ["PLN", None]},
...                          geometry=[Point(123.6, -10.17), Point(123.7, -10.17)], crs=4326)
>>> findings = run_qa({"poles": poles}, rules=["duplicate_id", "missing_owner"])
>>> findings[["asset_id", "rule", "severity"]].values.tolist()
[['P1', 'duplicate_id', 'error'], ['P1', 'duplicate_id', 'error'], ['P1', 'missing_owner', 'error']]
>>> print(findings.message.iloc[2])
layer 'poles' row 2, id 'P1': field 'owner' is empty
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.crs import metric_crs, parse_crs, require_metric
from geoasset.errors import CRSError
from geoasset.schema import INVENTORY_LAYERS, LAYERS

__all__ = [
    "DEFAULT_MIN_POLE_OFFSET_M",
    "DEFAULT_NEAR_DUPLICATE_M",
    "FINDINGS_COLUMNS",
    "FINDINGS_LAYER",
    "SEVERITIES",
    "SUMMARY_LAYER",
    "QAParams",
    "QAReport",
    "RULES",
    "Rule",
    "qa_inventory",
    "run_qa",
    "summarise_findings",
]

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


# -- the rules -------------------------------------------------------------------------


@_rule("invalid_geometry", "error", "missing, empty or invalid geometry (with the reason)")
def _invalid_geometry(frames, params):
    """Every row of every layer whose geometry is missing, empty or invalid."""
    layers, ids, messages, geoms = [], [], [], []
    for name in frames:
        frame = _layer(frames, name)
        if frame is None or not len(frame):
            continue
        g = frame.geometry
        missing = shapely.is_missing(g.to_numpy())
        empty = shapely.is_empty(g.to_numpy())
        invalid = ~missing & ~empty & ~g.is_valid.to_numpy()
        bad = np.flatnonzero(missing | empty | invalid)
        if not len(bad):
            continue
        shapes = g.to_numpy()
        reasons = shapely.is_valid_reason(shapes[bad])
        asset_ids = _ids(frame, name)
        for pos, reason in zip(bad, reasons, strict=True):
            if missing[pos]:
                problem, geom = "geometry is missing", None
            elif empty[pos]:
                problem, geom = "geometry is empty", None
            else:
                problem, geom = f"invalid geometry: {reason}", shapes[pos]
            layers.append(name)
            ids.append(asset_ids[pos])
            messages.append(f"{_where(name, pos, asset_ids[pos])}: {problem}")
            geoms.append(geom)
    return _findings("invalid_geometry", layers, ids, messages, geoms)


@_rule("duplicate_id", "error", "an id used by more than one row of a layer")
def _duplicate_id(frames, params):
    """Every row whose id another row of the same layer also has."""
    layers, ids, messages, geoms = [], [], [], []
    for name in frames:
        frame = _layer(frames, name)
        if frame is None or ID_FIELDS.get(name) not in frame.columns:
            continue
        asset_ids = pd.Series(_ids(frame, name), dtype="object")
        dup = asset_ids.notna() & asset_ids.duplicated(keep=False)
        if not dup.any():
            continue
        rows_of = asset_ids[dup].groupby(asset_ids[dup], sort=False).groups
        shapes = frame.geometry.to_numpy()
        for pos in np.flatnonzero(dup.to_numpy()):
            rows = [int(r) + 1 for r in rows_of[asset_ids[pos]]]
            listed = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
            layers.append(name)
            ids.append(asset_ids[pos])
            messages.append(
                f"layer '{name}' row {pos + 1}: id '{asset_ids[pos]}' is used by "
                f"{len(rows)} rows (rows {listed})"
            )
            geoms.append(shapes[pos])
    return _findings("duplicate_id", layers, ids, messages, geoms)


@_rule("missing_owner", "error", "a pole or utility line without an owner")
def _missing_owner(frames, params):
    """Rows of layers with an ``owner`` field (poles, utility lines) where it is blank."""
    layers, ids, messages, geoms = [], [], [], []
    for name, spec in LAYERS.items():
        frame = _layer(frames, name)
        if frame is None or "owner" not in spec.field_names:
            continue
        asset_ids = _ids(frame, name)
        shapes = frame.geometry.to_numpy()
        for pos in np.flatnonzero(_blank(frame, "owner")):
            layers.append(name)
            ids.append(asset_ids[pos])
            messages.append(f"{_where(name, pos, asset_ids[pos])}: field 'owner' is empty")
            geoms.append(shapes[pos])
    return _findings("missing_owner", layers, ids, messages, geoms)


def _crs_problem(text: str | None) -> str | None:
    """Why a corridor's ``metric_crs`` value is not a projected CRS in metres, or None."""
    if text is None or not text.strip() or text.strip().lower() in _BLANK_WORDS:
        return (
            "field 'metric_crs' is empty, so the CRS its width and area were measured in is unknown"
        )
    try:
        crs = parse_crs(str(text))
    except CRSError:
        return f"field 'metric_crs' is '{text}', which is not a CRS we know"
    try:
        require_metric(crs)
    except CRSError:
        kind = "a geographic CRS in degrees" if crs.is_geographic else "a CRS not in metres"
        return (
            f"corridor was computed in '{text}' ({crs.name}), {kind}, "
            "so its width and area are not metres"
        )
    return None


_REBUILD = "rebuild the corridors in a projected CRS (geoasset corridors --crs EPSG:32751)"


@_rule(
    "corridors_in_degrees",
    "error",
    "corridors computed in degrees (geographic metric_crs, or area_m2 far too small)",
)
def _corridors_in_degrees(frames, params):
    """Corridors whose ``metric_crs`` is geographic (or missing) or whose ``area_m2`` is
    absurdly small against the polygon's area measured in metres."""
    corridors = _layer(frames, "corridors")
    if corridors is None or not len(corridors):
        return _empty_findings()
    ids, messages, geoms = [], [], []
    if "metric_crs" not in corridors.columns:
        ids.append(None)
        messages.append(
            "layer 'corridors' has no field 'metric_crs', so the CRS their widths and areas "
            f"were measured in is unknown; {_REBUILD}"
        )
        geoms.append(None)
        crs_problems = [None] * len(corridors)
    else:
        values = [None if _is_missing(v) else str(v) for v in corridors["metric_crs"]]
        by_value = {v: _crs_problem(v) for v in set(values)}
        crs_problems = [by_value[v] for v in values]
    area_problems = [None] * len(corridors)
    if "area_m2" in corridors.columns:
        present = _present(corridors.geometry)
        if len(present):
            measured_in = _measure_crs(frames, params)
            measured = shapely.area(_metric(frames, params, corridors).to_numpy()[present])
            stated = pd.to_numeric(corridors["area_m2"], errors="coerce").to_numpy(float)[present]
            tiny = (measured > 0) & (stated < measured * DEGREE_AREA_RATIO)
            label = measured_in.to_string()
            for pos, a, m in zip(present[tiny], stated[tiny], measured[tiny], strict=True):
                area_problems[pos] = (
                    f"area_m2 is {a:.6g}, {a / m:.1e} of the area measured in {label} "
                    f"({m:,.2f} m²): it was computed in degrees"
                )
    asset_ids = _ids(corridors, "corridors")
    shapes = corridors.geometry.to_numpy()
    for pos, (a, b) in enumerate(zip(crs_problems, area_problems, strict=True)):
        reasons = [r for r in (a, b) if r]
        if reasons:
            ids.append(asset_ids[pos])
            messages.append(
                f"{_where('corridors', pos, asset_ids[pos])}: {'; '.join(reasons)}; {_REBUILD}"
            )
            geoms.append(shapes[pos])
    return _findings("corridors_in_degrees", "corridors", ids, messages, geoms)


@_rule(
    "road_without_land",
    "warning",
    "a road whose right-of-way lies wholly in the land of other roads (no corridor of its own)",
)
def _road_without_land(frames, params):
    """Roads with a centreline but no corridor, with who took their land and why."""
    from geoasset.corridors import landless_roads

    roads, corridors = _layer(frames, "roads"), _layer(frames, "corridors")
    if roads is None or corridors is None or not len(roads) or not len(corridors):
        return _empty_findings()
    table = landless_roads(roads, corridors, crs=params.crs)
    messages = [
        f"{_where('roads', row - 1, rid)}: the road has no land of its own: {message}"
        for rid, row, message in zip(table["road_id"], table["row"], table["message"], strict=True)
    ]
    return _findings(
        "road_without_land", "roads", table["road_id"].tolist(), messages, list(table["geometry"])
    )


@_rule(
    "corridor_cut_fallback",
    "warning",
    "a corridor boundary cut on a snapped grid because GEOS refused the exact cut",
)
def _corridor_cut_fallback(frames, params):
    """Corridors whose ``note`` says a boundary was cut on a snapped grid."""
    corridors = _layer(frames, "corridors")
    if corridors is None or "note" not in corridors.columns:
        return _empty_findings()
    notes = corridors["note"].fillna("").astype(str).to_numpy()
    rows = np.flatnonzero(np.char.find(notes.astype(str), "snapped grid") >= 0)
    ids = _ids(corridors, "corridors")
    shapes = corridors.geometry.to_numpy()
    return _findings(
        "corridor_cut_fallback",
        "corridors",
        [ids[k] for k in rows],
        [f"{_where('corridors', k, ids[k])}: {notes[k]}" for k in rows],
        [shapes[k] for k in rows],
    )


@_rule(
    "asset_outside_row",
    "warning",
    "a pole, utility line, bridge or monument touching no right-of-way corridor",
)
def _asset_outside_row(frames, params):
    """Assets that intersect no corridor, with the distance to the nearest one.

    The assets go into a tree queried by each corridor (GEOS prepares every corridor
    once); the nearest corridor of the assets outside is searched on small pieces of the
    corridors' boundaries with a growing radius, as the assessment does, without a
    distance limit. Ties go to the smallest corridor_id.
    """
    from geoasset.assessment import _distances, _Space

    assets = [(n, f) for n in ROW_ASSET_LAYERS if (f := _layer(frames, n)) is not None and len(f)]
    if not assets:
        return _empty_findings()
    corridors = _layer(frames, "corridors")
    kept = _present(corridors.geometry) if corridors is not None else np.array([], int)
    if not len(kept):
        count = sum(len(f) for _, f in assets)
        return _findings(
            "asset_outside_row",
            "corridors",
            [None],
            [
                f"layer 'corridors' is missing or empty: {count} asset(s) were not checked "
                "against the right-of-way; build the corridors first (geoasset corridors)"
            ],
            [None],
            severity="warning",
        )
    rows = _metric(frames, params, corridors).to_numpy()[kept]
    rows = np.where(shapely.is_valid(rows), rows, shapely.make_valid(rows))
    corridor_ids = _ids(corridors, "corridors")[kept]
    search = _NearestCorridor(rows, corridor_ids)
    crs = pyproj.CRS(_measure_crs(frames, params))
    space = _Space(stored=crs, metric=crs)
    layers, ids, messages, geoms = [], [], [], []
    for name, frame in assets:
        present = _present(frame.geometry)
        g = _metric(frames, params, frame).to_numpy()[present]
        inside = np.zeros(len(g), dtype=bool)
        inside[shapely.STRtree(g).query(rows, predicate="intersects")[1]] = True
        outside = np.flatnonzero(~inside)
        if not len(outside):
            continue
        nearest, dist = _distances(g[outside], search, space, None)
        asset_ids = _ids(frame, name)
        shapes = frame.geometry.to_numpy()
        for i, j, d in zip(outside.tolist(), nearest.tolist(), dist.tolist(), strict=True):
            pos = present[i]
            layers.append(name)
            ids.append(asset_ids[pos])
            nearest_id = "" if corridor_ids[j] is None else f" (corridor '{corridor_ids[j]}')"
            messages.append(
                f"{_where(name, pos, asset_ids[pos])}: {_NOUNS[name]} stands outside every "
                f"right-of-way corridor, {d:.2f} m from the nearest{nearest_id}"
            )
            geoms.append(shapes[pos])
    return _findings("asset_outside_row", layers, ids, messages, geoms)


class _NearestCorridor:
    """Corridor shapes and the string order of their ids, for the nearest-corridor search
    of :func:`geoasset.assessment._distances` (it reads ``geoms`` and ``rank``)."""

    def __init__(self, geoms: np.ndarray, ids: np.ndarray) -> None:
        self.geoms = geoms
        text = np.array(["" if v is None else str(v) for v in ids], dtype=object)
        self.rank = np.empty(len(geoms), dtype="int64")
        self.rank[np.argsort(text.astype(str), kind="stable")] = np.arange(len(geoms))


@_rule(
    "pole_too_close",
    "warning",
    f"a pole nearer than {DEFAULT_MIN_POLE_OFFSET_M:g} m (default) to a road centreline",
)
def _pole_too_close(frames, params):
    """Poles nearer than ``params.min_pole_offset_m`` to a road centreline."""
    poles, roads = _layer(frames, "poles"), _layer(frames, "roads")
    limit = params.min_pole_offset_m
    if poles is None or roads is None or not len(poles) or not len(roads) or limit <= 0:
        return _empty_findings()
    kept = _present(roads.geometry)
    present = _present(poles.geometry)
    if not len(kept) or not len(present):
        return _empty_findings()
    lines = _metric(frames, params, roads).to_numpy()[kept]
    g = _metric(frames, params, poles).to_numpy()[present]
    # Only poles with a road within the limit can be too close: found by each road
    # (prepared once) in a tree of the poles, then measured to their nearest road.
    near = np.unique(shapely.STRtree(g).query(lines, predicate="dwithin", distance=limit)[1])
    (src, dst), dist = shapely.STRtree(lines).query_nearest(
        g[near], max_distance=limit, return_distance=True, all_matches=False
    )
    src = near[src]
    close = dist < limit
    road_ids = _ids(roads, "roads")[kept]
    asset_ids = _ids(poles, "poles")
    shapes = poles.geometry.to_numpy()
    ids, messages, geoms = [], [], []
    for i, j, d in zip(src[close], dst[close], dist[close], strict=True):
        pos = present[i]
        road = "a road" if road_ids[j] is None else f"road '{road_ids[j]}'"
        ids.append(asset_ids[pos])
        messages.append(
            f"{_where('poles', pos, asset_ids[pos])}: pole stands {d:.2f} m from the "
            f"centreline of {road}, closer than the minimum {limit:g} m"
        )
        geoms.append(shapes[pos])
    return _findings("pole_too_close", "poles", ids, messages, geoms)


@_rule(
    "near_duplicate_pole",
    "warning",
    f"two poles of the same owner nearer than {DEFAULT_NEAR_DUPLICATE_M:g} m (default): "
    "surveyed twice?",
)
def _near_duplicate_pole(frames, params):
    """Pairs of poles of one owner nearer than ``params.near_duplicate_m``; the finding
    is on the second pole of each pair (in row order)."""
    poles = _layer(frames, "poles")
    if poles is None or len(poles) < 2 or "owner" not in poles.columns:
        return _empty_findings()
    owned = np.flatnonzero(~_blank(poles, "owner"))
    present = np.intersect1d(_present(poles.geometry), owned)
    if len(present) < 2:
        return _empty_findings()
    g = _metric(frames, params, poles).to_numpy()[present]
    limit = params.near_duplicate_m
    i, j = shapely.STRtree(g).query(g, predicate="dwithin", distance=limit)
    owners = poles["owner"].astype("str").to_numpy(dtype=object)[present]
    keys = np.array([o.strip().casefold() for o in owners], dtype=object)
    pair = (i < j) & (keys[i] == keys[j])
    i, j = i[pair], j[pair]
    dist = shapely.distance(g[i], g[j])
    near = dist < limit
    asset_ids = _ids(poles, "poles")
    shapes = poles.geometry.to_numpy()
    ids, messages, geoms = [], [], []
    for a, b, d in zip(i[near], j[near], dist[near], strict=True):
        first, pos = present[a], present[b]
        other = f"row {first + 1}" if asset_ids[first] is None else f"'{asset_ids[first]}'"
        ids.append(asset_ids[pos])
        messages.append(
            f"{_where('poles', pos, asset_ids[pos])}: pole stands {d:.2f} m from pole "
            f"{other} of the same owner '{owners[b]}'; surveyed twice?"
        )
        geoms.append(shapes[pos])
    return _findings("near_duplicate_pole", "poles", ids, messages, geoms)


@_rule(
    "line_crossing_without_permit",
    "error",
    "a utility line crossing a road centreline without a permit_no",
)
def _line_crossing_without_permit(frames, params):
    """Utility lines without ``permit_no`` whose interior crosses a road centreline."""
    lines, roads = _layer(frames, "utility_lines"), _layer(frames, "roads")
    if lines is None or roads is None or not len(lines) or not len(roads):
        return _empty_findings()
    candidates = np.intersect1d(
        _present(lines.geometry), np.flatnonzero(_blank(lines, "permit_no"))
    )
    kept = _present(roads.geometry)
    if not len(candidates) or not len(kept):
        return _empty_findings()
    g = lines.geometry.to_numpy()[candidates]
    road_shapes = roads.geometry.to_numpy()[kept]
    src, dst = shapely.STRtree(road_shapes).query(g, predicate="crosses")
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    # A crossing point within CROSSING_END_TOLERANCE_M of the line's end is the line
    # ending on the road (digitised a little past it), not crossing it.
    crs = _measure_crs(frames, params)
    line_m = gpd.GeoSeries(g[src], crs=4326).to_crs(crs).to_numpy()
    road_m = gpd.GeoSeries(road_shapes[dst], crs=4326).to_crs(crs).to_numpy()
    ends = shapely.buffer(shapely.boundary(line_m), CROSSING_END_TOLERANCE_M)
    away = shapely.difference(shapely.intersection(line_m, road_m), ends)
    real = ~shapely.is_empty(away)
    src, dst, away = src[real], dst[real], away[real]
    if not len(src):
        return _empty_findings()
    road_ids = _ids(roads, "roads")[kept]
    asset_ids = _ids(lines, "utility_lines")
    shapes = lines.geometry.to_numpy()
    first = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    counts = np.diff(np.r_[first, len(src)])
    where_ = gpd.GeoSeries(shapely.point_on_surface(away[first]), crs=crs).to_crs(4326)
    ids, messages, geoms = [], [], []
    for k, n, at in zip(first, counts, where_, strict=True):
        pos = candidates[src[k]]
        road = "a road" if road_ids[dst[k]] is None else f"road '{road_ids[dst[k]]}'"
        more = f" and {n - 1} other road(s)" if n > 1 else ""
        ids.append(asset_ids[pos])
        messages.append(
            f"{_where('utility_lines', pos, asset_ids[pos])}: utility line crosses {road}"
            f"{more} (at {at.x:.6f}, {at.y:.6f}) and field 'permit_no' is empty"
        )
        geoms.append(shapes[pos])
    return _findings("line_crossing_without_permit", "utility_lines", ids, messages, geoms)


@_rule("bridge_without_condition", "warning", "a bridge with no condition_nk (BMS condition)")
def _bridge_without_condition(frames, params):
    """Bridges whose ``condition_nk`` is blank."""
    bridges = _layer(frames, "bridges")
    if bridges is None or not len(bridges):
        return _empty_findings()
    asset_ids = _ids(bridges, "bridges")
    shapes = bridges.geometry.to_numpy()
    ids, messages, geoms = [], [], []
    for pos in np.flatnonzero(_blank(bridges, "condition_nk")):
        ids.append(asset_ids[pos])
        messages.append(
            f"{_where('bridges', pos, asset_ids[pos])}: field 'condition_nk' is empty; "
            "record the BMS condition (NK 0-5) of the last inspection"
        )
        geoms.append(shapes[pos])
    return _findings("bridge_without_condition", "bridges", ids, messages, geoms)


# -- running and summarising -------------------------------------------------------------


def _check_rule_names(rules: Iterable[str] | None) -> list[str]:
    if rules is None:
        return list(RULES)
    if isinstance(rules, str):
        rules = [rules]
    names = list(dict.fromkeys(rules))
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise ValueError(f"unknown rule {unknown[0]!r}; rules are: {', '.join(RULES)}")
    return [n for n in RULES if n in names]


def run_qa(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    rules: Iterable[str] | None = None,
    min_pole_offset_m: float = DEFAULT_MIN_POLE_OFFSET_M,
    near_duplicate_m: float = DEFAULT_NEAR_DUPLICATE_M,
    crs=None,
) -> gpd.GeoDataFrame:
    """Run quality rules over inventory frames.

    Parameters
    ----------
    frames
        Layer name -> GeoDataFrame (any CRS): the inventory layers (``roads``,
        ``poles``, ``utility_lines``, ``bridges``, ``monuments``, ``parcels``) and
        ``corridors`` if they were built. Absent layers are skipped; values that are not
        GeoDataFrames are ignored.
    rules
        Names from :data:`RULES` to run; all of them by default.
    min_pole_offset_m
        Minimum distance of a pole from a road centreline (rule ``pole_too_close``).
    near_duplicate_m
        Poles of one owner nearer than this are reported (``near_duplicate_pole``).
    crs
        Projected CRS in metres to measure in; default: the UTM zone of the centre of
        the inventory. A geographic CRS raises :class:`~geoasset.errors.CRSError`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``layer, asset_id, rule, severity, message, geometry`` (EPSG:4326), one
        row per finding, rules in :data:`RULES` order.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> bridges = gpd.GeoDataFrame({"bridge_id": ["B1"], "condition_nk": [None]},
    ...                            geometry=[Point(123.6, -10.17)], crs=4326)
    >>> run_qa({"bridges": bridges}, rules=["bridge_without_condition"]).severity.tolist()
    ['warning']
    >>> run_qa({"bridges": bridges}, crs="EPSG:4326")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoasset.errors.CRSError: EPSG:4326 (WGS 84) is geographic (degrees); ...
    """
    names = _check_rule_names(rules)
    for label, value in (
        ("min_pole_offset_m", min_pole_offset_m),
        ("near_duplicate_m", near_duplicate_m),
    ):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be a number of metres >= 0, not {value!r}")
    measure_in = require_metric(crs) if crs is not None else None
    normalised = {}
    for name in frames:
        frame = _layer(frames, name)
        if frame is not None:
            normalised[name] = frame
    if measure_in is None:
        measure_in = _inventory_crs(normalised)
    params = QAParams(
        min_pole_offset_m=float(min_pole_offset_m),
        near_duplicate_m=float(near_duplicate_m),
        crs=measure_in,
    )
    try:
        parts = [RULES[name].function(normalised, params) for name in names]
    finally:
        _METRIC_CACHE.clear()
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_findings()
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)[list(FINDINGS_COLUMNS)]


def summarise_findings(
    findings: pd.DataFrame, *, rules: Iterable[str] | None = None
) -> pd.DataFrame:
    """Count findings per rule and severity.

    Parameters
    ----------
    findings
        The output of :func:`run_qa`.
    rules
        Rule names to list with a count of 0 when they found nothing (e.g. the rules that
        were run), so the summary shows every check made.

    Examples
    --------
    >>> import pandas as pd
    >>> findings = pd.DataFrame({"rule": ["missing_owner", "missing_owner"],
    ...                          "severity": ["error", "error"]})
    >>> summarise_findings(findings, rules=["missing_owner", "duplicate_id"]).values.tolist()
    [['duplicate_id', 'error', 0], ['missing_owner', 'error', 2]]
    """
    counts = findings.groupby(["rule", "severity"], sort=False).size()
    rows = {key: int(n) for key, n in counts.items()}
    found = {rule for rule, _ in rows}
    for name in _check_rule_names(rules) if rules is not None else []:
        if name not in found:
            rows[(name, RULES[name].severity)] = 0
    order = {name: k for k, name in enumerate(RULES)}
    keys = sorted(rows, key=lambda k: (order.get(k[0], len(order)), k[0], SEVERITIES.index(k[1])))
    return pd.DataFrame(
        {
            "rule": pd.Series([k[0] for k in keys], dtype="str"),
            "severity": pd.Series([k[1] for k in keys], dtype="str"),
            "count": pd.Series([rows[k] for k in keys], dtype="int64"),
        }
    )


@dataclass
class QAReport:
    """The findings of a quality check and their summary."""

    findings: gpd.GeoDataFrame
    summary: pd.DataFrame

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == "warning").sum())


def qa_inventory(
    inventory,
    *,
    rules: Iterable[str] | None = None,
    min_pole_offset_m: float = DEFAULT_MIN_POLE_OFFSET_M,
    near_duplicate_m: float = DEFAULT_NEAR_DUPLICATE_M,
    crs=None,
    write: bool = True,
) -> QAReport:
    """Run the quality rules on an inventory GeoPackage and store the result.

    Reads the inventory layers and ``corridors`` (layers the file lacks are skipped),
    runs :func:`run_qa` and, with ``write``, replaces the layers ``qa_findings``
    (geometry) and ``qa_summary`` (attribute table) in one atomic write.

    Parameters
    ----------
    inventory
        Path of the ``.gpkg`` file, or an :class:`~geoasset.store.Inventory`.
    rules, min_pole_offset_m, near_duplicate_m, crs
        As for :func:`run_qa`.
    write
        Store the findings and the summary in the inventory.

    Examples
    --------
    >>> import tempfile, os
    >>> from geoasset.store import create_inventory
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "qa.gpkg"))
    >>> report = qa_inventory(inv)
    >>> report.errors, inv.has_layer("qa_findings")
    (0, True)
    """
    from geoasset.store import Batch, Inventory, open_inventory

    names = _check_rule_names(rules)
    inv = inventory if isinstance(inventory, Inventory) else open_inventory(os.fspath(inventory))
    present = set(inv.layers())
    frames = {n: inv.read(n) for n in (*INVENTORY_LAYERS, "corridors") if n in present}
    findings = run_qa(
        frames,
        rules=names,
        min_pole_offset_m=min_pole_offset_m,
        near_duplicate_m=near_duplicate_m,
        crs=crs,
    )
    summary = summarise_findings(findings, rules=names)
    if write:
        inv.write(
            {FINDINGS_LAYER: findings, SUMMARY_LAYER: summary},
            batch=Batch(command="qa"),
            mode="replace",
        )
    return QAReport(findings=findings, summary=summary)
