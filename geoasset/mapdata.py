"""Reading an inventory for a field map and encoding its layers as compact JSON tables.

Layers become column tables (repeated values dictionary-encoded, :func:`_column`),
geometries nested ``[lat, lon, …]`` lists (:func:`_encode_geometry`), roads their parts
with the chainage of every vertex (:func:`_road_chainage`); :func:`_select` cuts the
frames to some corridors or roads.

Examples
--------
>>> import pandas as pd
>>> _column(pd.Series(["a", "b"] * 8))["d"]
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.crs import metric_crs
from geoasset.errors import GeoassetError
from geoasset.store import Inventory

#: Inventory layers drawn, bottom to top, with their id column.
MAP_LAYERS = {
    "corridors": "corridor_id",
    "roads": "road_id",
    "utility_lines": "line_id",
    "bridges": "bridge_id",
    "monuments": "monument_id",
    "poles": "pole_id",
}
ASSESSMENT_LAYERS = ("assessment_items", "assessment_totals", "assessment_not_billable")
#: Assets this close to a selected corridor or road are shown on its map.
SELECTION_MARGIN_M = 50.0


def _as_inventory(inventory: Inventory) -> Inventory:
    """The open inventory a map is drawn from (the jobs open it from a path:
    :func:`geoasset.jobs.field_map`)."""
    if not isinstance(inventory, Inventory):
        raise TypeError(
            f"a map is drawn from an open Inventory, not {inventory!r}: open it with "
            "geoasset.open_inventory(path), or call geoasset.field_map(path)"
        )
    inventory.check()
    return inventory


def _read_frames(inv: Inventory) -> dict[str, pd.DataFrame]:
    """The layers a map uses that the inventory has, with rows."""
    rows = inv.counts([*MAP_LAYERS, *ASSESSMENT_LAYERS])
    frames = {}
    for name, count in rows.items():
        if count:
            frame = inv.read(name)
            if isinstance(frame, gpd.GeoDataFrame) and name != "assessment_totals":
                frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
            frames[name] = frame.reset_index(drop=True)
    return frames


def _plain(series: pd.Series) -> list:
    """A column as JSON values (``None`` for missing)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return [None if pd.isna(v) else bool(v) for v in series.astype(object)]
    if pd.api.types.is_float_dtype(series.dtype):
        values = np.round(series.to_numpy(dtype="float64", na_value=np.nan), 6)
        out = values.astype(object)
        out[~np.isfinite(values)] = None
        return out.tolist()
    if pd.api.types.is_integer_dtype(series.dtype):
        return [None if pd.isna(v) else int(v) for v in series.astype(object)]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [
            None if pd.isna(v) else (v.date().isoformat() if v == v.normalize() else v.isoformat())
            for v in series
        ]
    if isinstance(series.dtype, pd.StringDtype):  # text or missing, nothing else
        return series.to_numpy(dtype=object, na_value=None).tolist()
    values = series.astype(object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        out = values.to_numpy(copy=True)
        out[values.isna().to_numpy()] = None
        return out.tolist()
    return [_plain_value(v) for v in values]


def _plain_value(value):
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 6) if np.isfinite(value) else None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _column(series: pd.Series):
    """A column as a plain list, or dictionary-encoded ``{"d": values, "c": codes}``."""
    n = len(series)
    if n >= 8:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        if len(uniques) <= n // 4:
            return {"d": _plain(pd.Series(uniques)), "c": codes.tolist()}
    return _plain(series)


def _table(frame: pd.DataFrame, columns: Sequence[str]) -> dict:
    return {
        "n": len(frame),
        "cols": list(columns),
        "data": {c: _column(frame[c]) for c in columns},
    }


def _flat(coords, digits: int = 7) -> list[float]:
    """``[lat, lon, lat, lon, …]`` rounded to 1e-7° (about 1 cm) by default."""
    xy = np.asarray(coords, dtype="float64")[:, :2]
    return np.round(xy[:, ::-1], digits).ravel().tolist()


def _encode_geometry(geom, digits: int = 7) -> list:
    """``[1, [lat, lon]]`` | ``[2, [part, …]]`` | ``[3, [[ring, …], …]]``."""
    kind = geom.geom_type
    if kind == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        lines = [g for g in geom.geoms if g.geom_type in ("LineString", "MultiLineString")]
        geom = shapely.union_all(polys or lines or list(geom.geoms))
        kind = geom.geom_type
    if kind == "Point":
        return [1, np.round([geom.y, geom.x], 7).tolist()]
    if kind == "MultiPoint":
        first = geom.geoms[0]
        return [1, np.round([first.y, first.x], 7).tolist()]
    if kind in ("LineString", "LinearRing"):
        return [2, [_flat(geom.coords, digits)]]
    if kind == "MultiLineString":
        return [2, [_flat(g.coords, digits) for g in geom.geoms if not g.is_empty]]
    polygons = [geom] if kind == "Polygon" else list(geom.geoms)
    return [
        3,
        [
            [_flat(p.exterior.coords, digits), *(_flat(r.coords, digits) for r in p.interiors)]
            for p in polygons
            if not p.is_empty
        ],
    ]


def _anchors(geoms: gpd.GeoSeries, digits: int = 7) -> tuple[list[float], list[float]]:
    """A point on each geometry (the point itself, else a point on the surface/line)."""
    pts = shapely.point_on_surface(np.asarray(geoms.values, dtype=object))
    return (
        np.round(shapely.get_y(pts), digits).tolist(),
        np.round(shapely.get_x(pts), digits).tolist(),
    )


def _road_parts(geom) -> list:
    """A road's lines in chainage order: merged when they join, else as stored."""
    if geom.geom_type == "LineString":
        return [geom]
    merged = shapely.line_merge(geom, directed=True)
    if merged.geom_type == "LineString":
        return [merged]
    return [g for g in geom.geoms if not g.is_empty and len(g.coords) > 0]


def _road_chainage(roads: gpd.GeoDataFrame) -> tuple[list[list], list[list]]:
    """Each road's parts (as ``[2, parts]`` geometry) and the chainage of every vertex.

    Chainage is measured in the roads' metric CRS from ``sta_start_m`` (0 when missing)
    along the parts in order; a gap between parts that do not join adds nothing.
    """
    crs = metric_crs(roads)
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    if "sta_start_m" in roads:
        starts = pd.to_numeric(roads["sta_start_m"], errors="coerce").fillna(0.0).to_numpy()
    else:
        starts = np.zeros(len(roads))
    parts = [_road_parts(shapely.force_2d(geom)) for geom in roads.geometry]
    coords = [np.asarray(part.coords)[:, :2] for road in parts for part in road]
    # every vertex projected in one call (a call per part costs more than the work)
    xy = np.concatenate(coords) if coords else np.zeros((0, 2))
    x, y = to_metric.transform(xy[:, 0], xy[:, 1])
    ends = np.cumsum([len(c) for c in coords])
    geoms, chainages, k = [], [], 0
    for road, start in zip(parts, starts, strict=True):
        flat, ch = [], []
        position = float(start)
        for _ in road:
            at = slice(ends[k] - len(coords[k]), ends[k])
            cumulative = position + np.concatenate(
                [[0.0], np.cumsum(np.hypot(np.diff(x[at]), np.diff(y[at])))]
            )
            flat.append(_flat(coords[k]))
            ch.append(np.round(cumulative, 2).tolist())
            position = float(cumulative[-1])
            k += 1
        geoms.append([2, flat])
        chainages.append(ch)
    return geoms, chainages


def _inside(points: gpd.GeoSeries, polygons: gpd.GeoSeries) -> np.ndarray:
    """Whether each geometry intersects any polygon.

    The tree holds the points and the polygons are the queries, so each polygon is
    prepared once (a city's corridors have millions of vertices; testing every
    candidate point against an unprepared polygon took 20 s for 100,000 poles).
    """
    tree = shapely.STRtree(np.asarray(points.values, dtype=object))
    hits = tree.query(np.asarray(polygons.values, dtype=object), predicate="intersects")
    inside = np.zeros(len(points), dtype=bool)
    inside[hits[1]] = True
    return inside


def _corridor_revenue(frames: dict) -> dict[str, int] | None:
    """Assessed Rp per corridor id, or ``None`` when the inventory has no assessment."""
    totals = frames.get("assessment_totals")
    if totals is not None and {"level", "key", "amount_rp"} <= set(totals.columns):
        rows = totals[totals["level"].astype(str).isin(["corridor", "corridor_id"])]
        if len(rows):
            amounts = pd.to_numeric(rows["amount_rp"], errors="coerce").fillna(0)
            return {str(k): int(v) for k, v in zip(rows["key"], amounts, strict=True)}
    items = frames.get("assessment_items")
    if items is not None and {"corridor_id", "amount_rp"} <= set(items.columns):
        sums = (
            pd.to_numeric(items["amount_rp"], errors="coerce")
            .fillna(0)
            .groupby(items["corridor_id"].astype(str))
            .sum()
        )
        return {str(k): int(v) for k, v in sums.items()}
    if totals is not None or items is not None:
        return {}
    return None


def _items_of(frames: dict, layer: str) -> pd.DataFrame | None:
    items = frames.get("assessment_items")
    if items is None or "asset_id" not in items:
        return None
    if "layer" in items:
        items = items[items["layer"].astype(str) == layer]
    return items


def _as_ids(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values]


def _check_known(source: str, layer: str, column: str, frame, wanted: list[str]) -> None:
    if not wanted:
        return
    if frame is None or column not in frame:
        raise GeoassetError(
            f"{source}: layer {layer!r} is empty; cannot select {column} {wanted[0]!r}"
        )
    known = set(frame[column].astype(str))
    unknown = [w for w in wanted if w not in known]
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        examples = ", ".join(repr(k) for k in sorted(known)[:8])
        raise GeoassetError(
            f"{source}: unknown {column} {listed} in layer {layer!r} (it has {examples}"
            f"{', …' if len(known) > 8 else ''})"
        )


def _select(
    frames: dict, source: str, corridor_ids: list[str], road_ids: list[str]
) -> tuple[dict, object]:
    """The frames cut to the selected corridors / roads, and the area they cover."""
    if not corridor_ids and not road_ids:
        return frames, None
    corridors = frames.get("corridors")
    roads = frames.get("roads")
    _check_known(source, "corridors", "corridor_id", corridors, corridor_ids)
    _check_known(source, "roads", "road_id", roads, road_ids)
    out = dict(frames)
    areas = []
    if corridors is not None:
        keep = corridors["corridor_id"].astype(str).isin(corridor_ids)
        if road_ids and "road_id" in corridors:
            keep |= corridors["road_id"].astype(str).isin(road_ids)
        out["corridors"] = corridors[keep].reset_index(drop=True)
        areas.extend(out["corridors"].geometry)
    if roads is not None:
        wanted = set(road_ids)
        if corridors is not None and "road_id" in corridors:
            wanted |= set(out["corridors"]["road_id"].astype(str))
        out["roads"] = roads[roads["road_id"].astype(str).isin(wanted)].reset_index(drop=True)
        areas.extend(out["roads"][out["roads"]["road_id"].astype(str).isin(road_ids)].geometry)
    area = gpd.GeoSeries([shapely.union_all(areas)], crs="EPSG:4326")
    metric = metric_crs(area)
    zone = area.to_crs(metric).buffer(SELECTION_MARGIN_M).to_crs("EPSG:4326").iloc[0]
    shapely.prepare(zone)
    for name in ("utility_lines", "bridges", "monuments", "poles"):
        frame = frames.get(name)
        if frame is not None:
            keep = shapely.intersects(zone, np.asarray(frame.geometry.values, dtype=object))
            out[name] = frame[keep].reset_index(drop=True)
    items = frames.get("assessment_items")
    if items is not None and corridor_ids and "corridor_id" in items:
        chosen = set(out["corridors"]["corridor_id"].astype(str))
        out["assessment_items_selected"] = items[items["corridor_id"].astype(str).isin(chosen)]
    return out, area.iloc[0]


def _attach_items(layer: dict, frame: pd.DataFrame, items: pd.DataFrame | None) -> None:
    if items is None:
        return
    rows = pd.Series(np.arange(len(frame)), index=frame[layer["id"]].astype(str))
    rows = rows[~rows.index.duplicated()]
    position = items["asset_id"].astype(str).map(rows)
    chosen = items[position.notna()].assign(__row=position[position.notna()].astype(int))
    chosen = chosen.sort_values("__row", kind="stable")
    skip = {"asset_id", "layer", "owner", "__row"}
    if isinstance(chosen, gpd.GeoDataFrame):
        skip.add(chosen.geometry.name)
    columns = [c for c in chosen.columns if c not in skip]
    table = _table(chosen, columns)
    table["data"]["__row"] = chosen["__row"].tolist()
    layer["items"] = table
