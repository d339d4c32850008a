"""Dividing a city's inventory into square areas, one detailed map each.

:func:`maps_per` chooses corridor or area maps; :class:`_AreaGrid` names the squares;
:func:`_partition` puts each corridor and asset in exactly one area.

Examples
--------
>>> maps_per(3), maps_per(9263)
('corridor', 'area')
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.crs import metric_crs
from geoasset.mapdata import MAP_LAYERS, _items_of

#: :func:`save_field_maps` (what ``geoasset run`` writes) draws one map per area instead
#: of one per corridor when the inventory has more corridors than this. A city's 9,000
#: corridor maps would be 9,000 files, 3 GB and 20 minutes of writing.
AREA_MAPS_PAST_CORRIDORS = 200
#: Side of the square areas of :func:`save_area_maps`, in metres of the inventory's
#: metric CRS (the UTM zone of its corridors). At 2 km West Jakarta makes 95 areas, the
#: densest with about 440 corridors and 3,300 poles: a map of a few MB.
AREA_SIZE_M = 2000.0
#: What a folder of maps holds (:func:`maps_per`).
MAPS_PER = ("auto", "corridor", "area")


def maps_per(n_corridors: int, per: str = "auto") -> str:
    """``"area"`` or ``"corridor"``: which maps :func:`save_field_maps` writes.

    ``per="auto"`` chooses areas past :data:`AREA_MAPS_PAST_CORRIDORS` corridors.

    Examples
    --------
    >>> maps_per(3), maps_per(9263), maps_per(9263, "corridor")
    ('corridor', 'area', 'corridor')
    """
    if per not in MAPS_PER:
        raise ValueError(f"per must be one of {', '.join(MAPS_PER)}, not {per!r}")
    if per != "auto":
        return per
    return "area" if n_corridors > AREA_MAPS_PAST_CORRIDORS else "corridor"


@dataclass(frozen=True)
class _AreaGrid:
    """Squares of ``size`` metres in ``crs``, aligned on multiples of ``size``.

    A feature lies in the square holding its representative point (a point on its
    surface, :func:`shapely.point_on_surface`, computed in the stored coordinates).
    """

    crs: pyproj.CRS
    size: float

    @classmethod
    def of(cls, frames: dict, size: float | None = None) -> _AreaGrid:
        size = float(AREA_SIZE_M if size is None else size)
        if not size > 0:
            raise ValueError(f"area size must be positive, not {size!r}")
        for name in ("corridors", *MAP_LAYERS):
            frame = frames.get(name)
            if frame is not None and len(frame):
                return cls(metric_crs(frame), size)
        return cls(pyproj.CRS.from_epsg(4326), size)  # nothing to draw: never used

    def tiles(self, geoms: gpd.GeoSeries) -> np.ndarray:
        """The ``(column, row)`` of the square holding each geometry, as int64 pairs."""
        if not len(geoms):
            return np.zeros((0, 2), dtype=np.int64)
        points = shapely.point_on_surface(np.asarray(geoms.values, dtype=object))
        transform = pyproj.Transformer.from_crs(geoms.crs or "EPSG:4326", self.crs, always_xy=True)
        x, y = transform.transform(shapely.get_x(points), shapely.get_y(points))
        return np.floor(np.column_stack([x, y]) / self.size).astype(np.int64)

    def names(self, tiles: np.ndarray) -> list[str]:
        """``E<km>_N<km>``: the easting and northing of each square's south-west corner."""

        def km(v: float) -> str:
            return f"{v / 1000:.3f}".rstrip("0").rstrip(".")

        return [f"E{km(c * self.size)}_N{km(r * self.size)}" for c, r in tiles.tolist()]


@dataclass
class _Area:
    name: str
    rows: dict[str, np.ndarray]  # layer -> row positions in frames[layer]
    items: np.ndarray  # row positions in frames["assessment_items"]


def _group_rows(codes: np.ndarray) -> dict[int, np.ndarray]:
    """Row positions (ascending) per non-negative code."""
    keep = np.flatnonzero(codes >= 0)
    order = keep[np.argsort(codes[keep], kind="stable")]
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    return {int(codes[g[0]]): g for g in np.split(order, cuts) if len(g)}


def _row_of(ids: pd.Series) -> pd.Series:
    """Position of the first row holding each id."""
    position = pd.Series(np.arange(len(ids)), index=ids.astype(str).to_numpy())
    return position[~position.index.duplicated()]


def _lookup(keys: pd.Series, table: pd.Series) -> np.ndarray:
    """``table[key]`` for each key as int64, -1 where missing."""
    found = keys.astype(str).map(table).to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isfinite(found), found, -1).astype(np.int64)


def _first_item_corridor(items: pd.DataFrame | None, ids: pd.Series, corridor_row: pd.Series):
    """Row of the corridor of each asset's first line item, -1 for an asset not billed."""
    if items is None or "corridor_id" not in items or not len(items):
        return np.full(len(ids), -1, dtype=np.int64)
    first = items["corridor_id"].astype(str).groupby(items["asset_id"].astype(str)).first()
    return _lookup(ids, pd.Series(_lookup(first, corridor_row), index=first.index))


def _containing_corridor(geoms: gpd.GeoSeries, corridors: gpd.GeoSeries) -> np.ndarray:
    """Row of the first corridor holding each geometry's representative point, else -1."""
    out = np.full(len(geoms), -1, dtype=np.int64)
    if not len(geoms) or not len(corridors):
        return out
    points = shapely.point_on_surface(np.asarray(geoms.values, dtype=object))
    tree = shapely.STRtree(points)  # corridors as queries: each prepared once
    polygon, point = tree.query(np.asarray(corridors.values, dtype=object), predicate="intersects")
    order = np.lexsort((polygon, point))  # by point, then lowest corridor row
    point, polygon = point[order], polygon[order]
    first = np.r_[True, point[1:] != point[:-1]] if len(point) else np.zeros(0, bool)
    out[point[first]] = polygon[first]
    return out


def _located_corridor(frame: pd.DataFrame, corridors: pd.DataFrame) -> np.ndarray:
    """Row of the corridor of each asset's road (``road_id``, from
    :func:`geoasset.chainage.locate_assets`) at its chainage ``sta_m``: the last one
    starting at or before it, else the road's first; -1 without a located road."""
    out = np.full(len(frame), -1, dtype=np.int64)
    need = {"road_id", "sta_from_m"}
    if not len(frame) or not {"road_id", "sta_m"} <= set(frame) or not need <= set(corridors):
        return out
    starts = pd.DataFrame(
        {
            "road": corridors["road_id"].astype(str).to_numpy(),
            "start": pd.to_numeric(corridors["sta_from_m"], errors="coerce").to_numpy(),
            "row": np.arange(len(corridors)),
        }
    ).dropna(subset=["start"])
    starts = starts[corridors["road_id"].notna().to_numpy()[starts["row"]]]
    starts = starts.sort_values(["start", "road", "row"], kind="stable")
    first = starts.sort_values(["road", "start", "row"]).groupby("road")["row"].first()
    assets = pd.DataFrame(
        {
            "road": frame["road_id"].astype(str).to_numpy(),
            "at": pd.to_numeric(frame["sta_m"], errors="coerce").to_numpy(),
            "i": np.arange(len(frame)),
        }
    )
    located = frame["road_id"].notna().to_numpy()
    chained = assets[located & assets["at"].notna().to_numpy()].sort_values("at", kind="stable")
    if len(chained) and len(starts):
        hit = pd.merge_asof(
            chained, starts, left_on="at", right_on="start", by="road", direction="backward"
        )
        ok = hit["row"].notna().to_numpy()
        out[hit["i"].to_numpy()[ok]] = hit["row"].to_numpy()[ok].astype(np.int64)
    rest = located & (out < 0)
    out[rest] = _lookup(assets.loc[rest, "road"], first)
    return out


_ASSET_LAYERS = ("utility_lines", "bridges", "monuments", "poles")


def _partition(frames: dict, grid: _AreaGrid) -> list[_Area]:
    """Each corridor and each asset in exactly one area; roads in every area they serve.

    A corridor is in the square holding its representative point. An asset (pole,
    utility line, bridge, monument) is in the area of the corridor of its first line
    item, else of the first corridor holding its representative point, else of the
    corridor of the road it was located on (:func:`geoasset.chainage.locate_assets`,
    within 50 m) at its chainage, else in the square holding that point. A road is drawn (for its chainage) in each area holding
    one of its corridors; a road without corridors in its own square. An area's line
    items are those of its corridors and of its assets. Areas are ordered north to
    south, then west to east.
    """
    squares: dict[str, np.ndarray] = {}  # layer -> (n, 2) square of each row
    corridors = frames.get("corridors")
    corridor_row = pd.Series(dtype="int64")
    if corridors is not None:
        squares["corridors"] = grid.tiles(corridors.geometry)
        corridor_row = _row_of(corridors["corridor_id"])
    for name in _ASSET_LAYERS:
        frame = frames.get(name)
        if frame is None:
            continue
        tiles = grid.tiles(frame.geometry)
        if corridors is not None:
            ids = (
                frame[MAP_LAYERS[name]]
                if MAP_LAYERS[name] in frame
                else pd.Series([""] * len(frame))
            )
            row = _first_item_corridor(_items_of(frames, name), ids, corridor_row)
            free = row < 0
            row[free] = _containing_corridor(frame.geometry[free], corridors.geometry)
            free = row < 0
            row[free] = _located_corridor(frame[free], corridors)
            tiles[row >= 0] = squares["corridors"][row[row >= 0]]
        squares[name] = tiles
    roads = frames.get("roads")
    road_of = np.zeros(0, dtype=np.int64)  # (square, road row) pairs: a road may repeat
    if roads is not None:
        pairs = np.zeros((0, 3), dtype=np.int64)
        if corridors is not None and "road_id" in corridors and "road_id" in roads:
            at = _lookup(corridors["road_id"], _row_of(roads["road_id"]))
            pairs = np.column_stack([squares["corridors"][at >= 0], at[at >= 0]])
        alone = np.setdiff1d(np.arange(len(roads)), pairs[:, 2])
        alone_tiles = grid.tiles(roads.geometry.iloc[alone])
        pairs = np.unique(np.vstack([pairs, np.column_stack([alone_tiles, alone])]), axis=0)
        squares["roads"], road_of = pairs[:, :2], pairs[:, 2]

    # number the squares in use north to south, west to east
    names = list(squares)
    stacked = np.vstack([squares[n] for n in names]) if names else np.zeros((0, 2), np.int64)
    every, inverse = np.unique(stacked, axis=0, return_inverse=True)
    order = np.lexsort((every[:, 0], -every[:, 1]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = np.split(rank[inverse.ravel()], np.cumsum([len(squares[n]) for n in names])[:-1])
    code = dict(zip(names, codes, strict=True)) if names else {}
    rows = {name: _group_rows(c) for name, c in code.items()}
    if "roads" in rows:
        rows["roads"] = {a: np.sort(road_of[g]) for a, g in rows["roads"].items()}

    items = frames.get("assessment_items")
    item_rows: dict[int, np.ndarray] = {}
    if items is not None and len(items):
        by_corridor = np.full(len(items), -1, dtype=np.int64)
        if "corridor_id" in items and "corridors" in code:
            at = _lookup(items["corridor_id"], corridor_row)
            by_corridor[at >= 0] = code["corridors"][at[at >= 0]]
        by_asset = np.full(len(items), -1, dtype=np.int64)
        layers = items["layer"].astype(str) if "layer" in items else None
        for name in _ASSET_LAYERS:
            frame = frames.get(name)
            if name not in code or MAP_LAYERS[name] not in frame:
                continue
            if layers is None:  # line items without a layer column are the poles'
                mine = np.full(len(items), name == "poles")
            else:
                mine = (layers == name).to_numpy()
            table = pd.Series(code[name], index=frame[MAP_LAYERS[name]].astype(str).to_numpy())
            table = table[~table.index.duplicated()]
            by_asset[mine] = _lookup(items.loc[mine, "asset_id"], table)
        for a, g in _group_rows(by_corridor).items():
            item_rows[a] = g
        for a, g in _group_rows(by_asset).items():
            item_rows[a] = np.union1d(item_rows[a], g) if a in item_rows else g
    empty = np.zeros(0, dtype=np.int64)
    return [
        _Area(
            name=name,
            rows={layer: by[a] for layer, by in rows.items() if a in by},
            items=item_rows.get(a, empty),
        )
        for a, name in enumerate(grid.names(every[order]))
    ]


@dataclass(frozen=True)
class AreaRow:
    """One line of the per-area index: what the area's map shows and bills."""

    name: str
    file: str
    corridors: int
    poles: int
    billed_poles: int
    revenue_rp: int | None
    corridor_ids: tuple[str, ...]
