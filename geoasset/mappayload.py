"""The JSON document a field map's page draws: layers, legend, labels and links.

:func:`_build` turns an inventory's frames (cut to a selection) into one document;
a city's overview is made *light* (:data:`LIGHT_MAX_FEATURES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoasset.crs import metric_crs
from geoasset.i18n import t
from geoasset.mapareas import (
    _AreaGrid,
    _containing_corridor,
    _first_item_corridor,
    _row_of,
    maps_per,
)
from geoasset.mapbackground import background_payload
from geoasset.mapbasemap import read_basemap
from geoasset.mapdata import (
    MAP_LAYERS,
    _anchors,
    _corridor_revenue,
    _encode_geometry,
    _items_of,
    _select,
    _table,
)
from geoasset.mapindex import _corridor_files
from geoasset.mapphotos import PHOTO_BUDGET_KB, MissingPhoto, PhotoBudget, _photos
from geoasset.mapstyle import (
    _LEGEND_ORDER,
    _STYLERS,
    CHAINAGE,
    CLUSTER_OFF_ZOOM,
    ID_LABEL_ZOOM,
    MAX_ZOOM,
    POLE_STATUSES,
    _Context,
    _fmt_int,
    _owner_legend,
    _owner_palette,
    _pole_status,
)

#: An overview (no selection) is drawn *light* when a full map would carry more than
#: this many features (all layers) or this many vertices (lines and polygons): corridors
#: simplified by LIGHT_TOLERANCE_M, poles reduced to a few columns (with their billed
#: corridor and amount instead of the line items) and drawn only in the view from zoom
#: LIGHT_POLE_ZOOM on; every detail stays in the per-corridor maps. Below both limits
#: (a kabupaten pilot) the overview is the full map. The limits keep a full map under
#: about 10 MB and a few seconds in a phone's browser.
LIGHT_MAX_FEATURES = 20_000
LIGHT_MAX_VERTICES = 250_000
#: Display tolerance of corridor outlines in a light overview, in metres.
LIGHT_TOLERANCE_M = 0.5
#: Pole columns a light overview carries (``corridor_id`` and ``amount_rp`` from the
#: line items).
LIGHT_POLE_COLUMNS = ("pole_id", "owner", "kind", "road_id", "sta", "corridor_id", "amount_rp")
#: Labels the page's script looks up.
_JS_LABELS = (
    "sta",
    "status",
    "tariff",
    "amount_rp",
    "revenue",
    "photo",
    "map_accuracy",
    "map_attributes",
    "map_billed_poles",
    "map_chainage",
    "map_clicked_point",
    "map_distance",
    "map_fullscreen",
    "map_fullscreen_unavailable",
    "map_item",
    "map_items",
    "map_legend",
    "map_locate",
    "map_location_unavailable",
    "map_measure",
    "map_measure_hint",
    "map_nearest",
    "map_no_road_near",
    "map_not_found",
    "map_open_corridor",
    "map_photo_missing",
    "map_plain",
    "map_search",
    "map_search_placeholder",
    "map_tiles_offline",
    "map_you_are_here",
    "map_background",
    "map_basemap",
    "map_panel_toggle",
    "map_search_placeholder_all",
    "map_snap",
    "map_id_labels",
    "map_photo_in_map",
)


@dataclass
class _Built:
    payload: dict
    counts: dict[str, int]
    missing: list[MissingPhoto]
    bounds: list | None
    total_rp: int | None
    light: bool = False
    maps_per: str | None = None


def _layer_base(frame, name: str, lang: str, digits: int = 7) -> dict:
    """A layer's attribute table, anchor points and labels."""
    id_column = MAP_LAYERS[name]
    columns = [c for c in frame.columns if c != frame.geometry.name]
    layer = {
        "name": name,
        "label": t(name, lang),
        "label_one": t(_SINGULAR.get(name, name), lang),
        "id": id_column,
        "kind": "points" if name == "poles" else "features",
        **_table(frame, columns),
    }
    layer["lat"], layer["lon"] = _anchors(frame.geometry, digits)
    return layer


_SINGULAR = {
    "corridors": "corridor",
    "roads": "road",
    "utility_lines": "map_utility_line",
    "bridges": "map_bridge",
    "monuments": "map_monument",
    "poles": "map_pole",
}
_PHOTO_LAYERS = ("poles", "utility_lines", "bridges", "monuments")


def _total_rp(frames: dict, shown: dict, revenue: dict | None, selected: bool) -> int | None:
    """Assessed Rp of what the map shows (the sum of its line items)."""
    if revenue is None:
        return None
    if "assessment_items_selected" in shown:
        amounts = shown["assessment_items_selected"]["amount_rp"]
    elif selected:
        ids = shown["corridors"]["corridor_id"].astype(str) if "corridors" in shown else []
        return int(sum(revenue.get(i, 0) for i in ids))
    elif "assessment_items" in frames:
        amounts = frames["assessment_items"]["amount_rp"]
    else:
        return int(sum(revenue.values()))
    return int(pd.to_numeric(amounts, errors="coerce").fillna(0).sum())


def _view_box(area, bounds: list) -> list | None:
    """``[[south, west], [north, east]]`` of the selection, else of everything shown."""
    if area is not None:
        minx, miny, maxx, maxy = area.bounds
        return [[miny, minx], [maxy, maxx]]
    if not bounds:
        return None
    b = np.array(bounds)
    return [
        [float(b[:, 1].min()), float(b[:, 0].min())],
        [float(b[:, 3].max()), float(b[:, 2].max())],
    ]


def _words(lang: str, layers: list[dict]) -> dict:
    """Every label the page's script shows, in ``lang``."""
    columns = {c for layer in layers for c in layer["cols"]}
    columns |= {c for layer in layers if layer.get("items") for c in layer["items"]["cols"]}
    return {
        "num": {"group": "." if lang == "id" else ",", "decimal": "," if lang == "id" else "."},
        "labels": {
            **{k: t(k, lang) for k in _JS_LABELS},
            "side_left": t("left", lang),
            "side_right": t("right", lang),
            "side_on": t("map_on_centreline", lang),
        },
        "fields": {c: t(c, lang) for c in sorted(columns)},
        "values": {
            "side": {
                "left": t("left", lang),
                "right": t("right", lang),
                "on": t("map_on_centreline", lang),
            },
            "payment_status": {
                "paid": t("paid", lang),
                "partly_paid": t("partly_paid", lang),
                "unpaid": t("unpaid", lang),
                "no_permit": t("no_permit", lang),
                "unknown": t("map_unknown", lang),
            },
        },
        "status": [
            {"label": t(key, lang), "stroke": stroke, "weight": weight, "fill_opacity": opacity}
            for key, stroke, weight, opacity in POLE_STATUSES
        ],
    }


def _with_status(frames: dict) -> dict:
    """``frames`` with each pole's billing status in ``__status`` (computed once)."""
    poles = frames.get("poles")
    if poles is None or "__status" in poles:
        return frames
    # billing status needs every corridor, so before selecting
    return {**frames, "poles": poles.assign(__status=_pole_status(frames, poles))}


def _too_heavy(shown: dict) -> bool:
    """Whether a full map of ``shown`` passes :data:`LIGHT_MAX_FEATURES` or
    :data:`LIGHT_MAX_VERTICES` (the rule for drawing an overview light)."""
    features = vertices = 0
    for name in MAP_LAYERS:
        frame = shown.get(name)
        if frame is None or not len(frame):
            continue
        features += len(frame)
        if name != "poles":
            geoms = np.asarray(frame.geometry.values, dtype=object)
            vertices += int(shapely.get_num_coordinates(geoms).sum())
    return features > LIGHT_MAX_FEATURES or vertices > LIGHT_MAX_VERTICES


def _display_geometry(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """``geoms`` simplified by :data:`LIGHT_TOLERANCE_M` (Douglas–Peucker, in metres).

    For display only: a shape the simplification would erase (a sliver narrower than the
    tolerance) keeps its stored outline, so every feature stays drawn and clickable.
    """
    metric = metric_crs(geoms)
    projected = np.asarray(geoms.to_crs(metric).values, dtype=object)
    # without topology checks: 15x faster on a city's corridors and the same outlines
    simple = shapely.simplify(projected, LIGHT_TOLERANCE_M, preserve_topology=False)
    lost = shapely.is_empty(simple) & ~shapely.is_empty(projected)
    simple[lost] = projected[lost]
    return gpd.GeoSeries(simple, index=geoms.index, crs=metric).to_crs("EPSG:4326")


def _light_poles(frame: pd.DataFrame, frames: dict) -> gpd.GeoDataFrame:
    """The poles of a light overview: a few columns, and each pole's billed corridor and
    amount (the sum of its line items) in place of the line items themselves."""
    keep = [c for c in LIGHT_POLE_COLUMNS if c in frame and c not in ("corridor_id", "amount_rp")]
    out = frame[[*keep, "__status", frame.geometry.name]].copy()
    items = _items_of(frames, "poles")
    if items is not None and len(items):
        ids = items["asset_id"].astype(str)
        key = frame["pole_id"].astype(str)
        if "corridor_id" in items:
            first = items["corridor_id"].groupby(ids).first()
            out["corridor_id"] = key.map(first).astype(object).to_numpy()
        amounts = pd.to_numeric(items["amount_rp"], errors="coerce").fillna(0)
        total = amounts.groupby(ids).sum()
        out["amount_rp"] = key.map(total).round().astype("Int64").to_numpy()
    return out


def _corridor_links(frames: dict, folder: str, per: str = "auto") -> dict:
    """``{"base": URL of the folder, "files": {corridor id: file name}, "per": kind}``:
    the names :func:`save_corridor_maps` gives when writing every corridor, or with
    ``per="area"`` (or ``"auto"`` past :data:`AREA_MAPS_PAST_CORRIDORS` corridors) the
    area map :func:`save_area_maps` draws each corridor in."""
    corridors = frames.get("corridors")
    base = "/".join(quote(part) for part in str(folder).replace("\\", "/").split("/"))
    base = base if not base or base.endswith("/") else base + "/"
    per = maps_per(0 if corridors is None else len(corridors), per)
    if corridors is None:
        return {"base": base, "files": {}, "per": per}
    ids = corridors["corridor_id"].astype(str)
    if per == "area":
        grid = _AreaGrid.of(frames)
        names = [f"{n}.html" for n in grid.names(grid.tiles(corridors.geometry))]
        files = dict(zip(ids, names, strict=True))
    else:
        ordered, names = _corridor_files(corridors)
        files = dict(zip(ordered["corridor_id"].astype(str), names, strict=True))
    return {"base": base, "files": files, "per": per}


def _build(
    frames: dict,
    *,
    source: str,
    base_dir: Path | None,
    corridor_ids: list[str],
    road_ids: list[str],
    lang: str,
    embed_photos: bool,
    light: bool | None = None,
    corridor_maps: str | None = None,
    maps_per: str = "auto",
    palette: dict[str, int] | None = None,
    area: bool = False,
    photo_budget_kb: float | None = PHOTO_BUDGET_KB,
    background: bool | list = True,
    basemap: str | None = None,
) -> _Built:
    """The page's JSON document for ``frames`` cut to the selection.

    ``area``: ``frames`` are one area's (:func:`save_area_maps`); the total is the
    retribution of the area's corridors. ``palette``: owner colours shared by several
    maps (default: from ``frames``). ``embed_photos=None``: thumbnails in a corridor or
    area map (within ``photo_budget_kb``), links to those maps from an overview.
    ``background``: draw the packed boundaries and the roads not shown (a list: more
    vector files too); ``basemap``: an MBTiles or PMTiles file whose tiles of the map's
    extent go into the page.
    """
    revenue = _corridor_revenue(frames)
    frames = _with_status(frames)
    shown, area_shape = _select(frames, source, corridor_ids, road_ids)
    if light is None:
        light = not (corridor_ids or road_ids or area) and _too_heavy(shown)
    palette = _owner_palette(frames) if palette is None else palette
    ctx = _Context(frames, revenue, palette, lang, light)
    selected = bool(corridor_ids or road_ids or area)
    embed = selected if embed_photos is None else bool(embed_photos)
    budget = PhotoBudget(photo_budget_kb)
    links = None if corridor_maps is None else _corridor_links(frames, corridor_maps, maps_per)

    layers, counts, missing, bounds = [], {}, [], []
    legend: dict[str, dict] = {}
    for name, styler in _STYLERS.items():
        frame = shown.get(name)
        if frame is None or not len(frame):
            continue
        frame = frame.copy()
        if MAP_LAYERS[name] not in frame:  # ids to search by and to name in popups
            frame.insert(0, MAP_LAYERS[name], [f"{name}:{i + 1}" for i in range(len(frame))])
        digits = 7
        if light and name == "poles":
            frame, digits = _light_poles(frame, frames), 6
        layer = _layer_base(frame.drop(columns="__status", errors="ignore"), name, lang, digits)
        if name != "poles":
            geoms = frame.geometry
            if light and name == "corridors":
                geoms, digits = _display_geometry(geoms), 6
            layer["geom"] = [_encode_geometry(shapely.force_2d(g), digits) for g in geoms]
        legend[name] = styler(layer, frame, ctx)
        if name in _PHOTO_LAYERS and not (light and name == "poles"):
            in_maps = None if embed or links is None else _photo_maps(frame, name, frames, links)
            layer["photos"], lost = _photos(
                frame, name, layer["id"], base_dir, embed, budget, in_maps
            )
            missing.extend(lost)
        layers.append(layer)
        counts[name] = len(frame)
        bounds.append(frame.total_bounds)
    owners = _owner_legend(shown, ctx.palette, lang)
    if owners:
        legend["owners"] = owners

    box = _view_box(area_shape, bounds)
    payload = {
        "lang": lang,
        **_words(lang, layers),
        "bounds": box,
        "layers": layers,
        "legend": [legend[k] for k in _LEGEND_ORDER if k in legend],
        "chainage": CHAINAGE,
        "cluster_zoom": CLUSTER_OFF_ZOOM,
        "light": light,
        "id_label_zoom": ID_LABEL_ZOOM,
        "max_zoom": MAX_ZOOM,
    }
    view = None if selected else _focus(shown, box)
    if view:
        payload["view"] = view
    if background is not False:
        extra = background if isinstance(background, (list, tuple)) else None
        payload["background"] = background_payload(frames, shown, box, extra)
    if basemap is not None:
        payload["basemap"] = read_basemap(basemap, box)
    linked = None
    if links is not None:
        linked = links.pop("per")
        if linked == "area":
            payload["labels"]["map_open_corridor"] = t("map_open_area_of", lang)
        payload["corridor_maps"] = links
    total = _total_rp(frames, shown, revenue, bool(corridor_ids or road_ids or area))
    return _Built(payload, counts, missing, box, total, light, linked)


def _photo_maps(frame: pd.DataFrame, name: str, frames: dict, links: dict) -> list:
    """Per row the address of the corridor or area map showing the asset (the map of
    the corridor of its first line item, else of the corridor it stands in), ending in
    ``#id=ASSET`` so that the map opens its popup; ``None`` when there is none."""
    corridors = frames.get("corridors")
    id_column = MAP_LAYERS[name]
    if corridors is None or not len(corridors) or id_column not in frame:
        return [None] * len(frame)
    ids = frame[id_column].astype(str)
    corridor_row = _row_of(corridors["corridor_id"])
    row = _first_item_corridor(_items_of(frames, name), ids, corridor_row)
    free = row < 0
    if free.any():
        row[free] = _containing_corridor(frame.geometry[free], corridors.geometry)
    names = corridors["corridor_id"].astype(str).to_numpy()
    out = []
    for asset_id, r in zip(ids, row, strict=True):
        file = links["files"].get(names[r]) if r >= 0 else None
        out.append(None if file is None else f"{links['base']}{quote(file)}#id={quote(asset_id)}")
    return out


def _focus(shown: dict, box: list | None) -> list | None:
    """Where an overview opens: the poles' extent (2nd to 98th percentile) when the whole
    map is more than 50 times larger (a long rural road beside a town's network)."""
    poles = shown.get("poles")
    if box is None or poles is None or len(poles) < 20:
        return None
    lat, lon = poles.geometry.y.to_numpy(), poles.geometry.x.to_numpy()
    s, n = np.quantile(lat, [0.02, 0.98])
    w, e = np.quantile(lon, [0.02, 0.98])
    (bs, bw), (bn, be) = box
    whole = (bn - bs) * (be - bw)
    if whole <= 50 * max((n - s) * (e - w), 1e-8):
        return None
    return [[float(s), float(w)], [float(n), float(e)]]


def _subtitle(built: _Built, lang: str) -> str:
    parts = []
    if built.total_rp is not None:
        parts.append(f"{t('revenue', lang)}: Rp {_fmt_int(built.total_rp, lang)}")
    if built.counts.get("poles"):
        parts.append(f"{_fmt_int(built.counts['poles'], lang)} {t('poles', lang).lower()}")
    if built.counts.get("corridors"):
        parts.append(
            f"{_fmt_int(built.counts['corridors'], lang)} {t('map_corridors_short', lang)}"
        )
    if built.light:
        parts.append(t("map_light_areas" if built.maps_per == "area" else "map_light", lang))
    return " · ".join(parts)


def _default_title(frames: dict, corridor_ids: list[str], road_ids: list[str], lang: str) -> str:
    title = t("map_title", lang)
    if len(corridor_ids) == 1 and not road_ids:
        corridors = frames["corridors"]
        row = corridors[corridors["corridor_id"].astype(str) == corridor_ids[0]].iloc[0]
        name = row.get("road_name")
        sta = row.get("sta")
        bits = [corridor_ids[0]]
        if isinstance(name, str) and name:
            bits.append(name)
        if isinstance(sta, str) and sta:
            bits.append(sta)
        return f"{title}: {' – '.join(bits)}"
    chosen = [*corridor_ids, *road_ids]
    if chosen:
        return f"{title}: {', '.join(chosen[:4])}{' …' if len(chosen) > 4 else ''}"
    return title
