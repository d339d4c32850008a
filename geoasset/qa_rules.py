"""The quality rules, one small function each, registered in :data:`geoasset.qa.RULES` in
the order they run (see :mod:`geoasset.qa` for what each checks).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.crs import parse_crs, require_metric
from geoasset.errors import CRSError
from geoasset.qa_core import (
    _BLANK_WORDS,
    _NOUNS,
    CROSSING_END_TOLERANCE_M,
    DEFAULT_MIN_POLE_OFFSET_M,
    DEFAULT_NEAR_DUPLICATE_M,
    DEGREE_AREA_RATIO,
    ID_FIELDS,
    ROW_ASSET_LAYERS,
    _blank,
    _empty_findings,
    _findings,
    _ids,
    _is_missing,
    _layer,
    _measure_crs,
    _metric,
    _present,
    _rule,
    _where,
)
from geoasset.schema import LAYERS

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


#: Said in a finding (read in QGIS and reports by both kinds of user): the remedy
#: named for the command and for the function.
_REBUILD = (
    "rebuild the corridors in a projected CRS, e.g. EPSG:32751 "
    "(geoasset corridors --crs, or build_corridors(crs=))"
)


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
