"""Field-review maps: one self-contained HTML file that works offline.

:func:`field_map` draws an inventory's corridors (coloured by assessed retribution),
roads with chainage ticks, poles (coloured by owner, ringed by billing status), utility
lines, bridges (BMS condition) and monuments on a :class:`folium.Map`, which displays
inline in Jupyter. :func:`save_map` writes it as one HTML file carrying Leaflet,
Leaflet.markercluster (from the XStatic packages) and geoasset's own script, so it opens
without a network; only the background tiles (OpenStreetMap, Esri World Imagery) need
one, and without them the layers show on a plain background.

The data travels as one JSON document of column tables (repeated values
dictionary-encoded), drawn on a canvas; popups are built on click from a table row, so
100,000 poles make a file of a few megabytes that a browser opens in seconds.
Every value is escaped when the page shows it.

A city is drawn *light*: an overview (no selection) past :data:`LIGHT_MAX_FEATURES`
features or :data:`LIGHT_MAX_VERTICES` vertices keeps roads with their chainage and
every corridor (its outline simplified by :data:`LIGHT_TOLERANCE_M` for display and
coloured by retribution, its billed poles and amount in the popup, a link to its own
map with ``corridor_maps``), while the poles carry a few columns and their billed amount
and are drawn one by one only in the view from zoom :data:`LIGHT_POLE_ZOOM`. Line items,
photos and the exact outlines live in the per-corridor maps (:func:`save_corridor_maps`),
which are drawn as before. West Jakarta (9,287 roads, 9,263 corridors, 100,000 poles):
about 12 MB instead of 80 MB (``benchmarks/bench_map.py --city``).

Past :data:`AREA_MAPS_PAST_CORRIDORS` corridors the detailed maps are drawn per area
(:func:`save_area_maps`, chosen by :func:`save_field_maps` as ``geoasset run`` does):
squares of :data:`AREA_SIZE_M` in the metric CRS, each corridor and asset in exactly
one, drawn in full detail, and an index of areas with their corridors, poles and revenue.
West Jakarta at 100,000 poles: 99 maps, the largest 3.4 MB, 107 MB written in about 12 s
instead of 9,263 corridor maps (3 GB). The overview's popups link to the area map.

Examples
--------
>>> import os, tempfile, geopandas as gpd
>>> from shapely import LineString, Point
>>> from geoasset.store import Batch, create_inventory
>>> folder = tempfile.mkdtemp()
>>> inv = create_inventory(os.path.join(folder, "inventory.gpkg"))
>>> roads = gpd.GeoDataFrame({"road_id": ["R1"]},
...     geometry=[LineString([(123.60, -10.17), (123.62, -10.17)])], crs=4326)
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
...     geometry=[Point(123.61, -10.1701)], crs=4326)
>>> inv.write({"roads": roads, "poles": poles}, batch=Batch(command="doctest"))
>>> m = field_map(inv, title="Kupang")
>>> m.counts["poles"], m.counts["roads"]
(1, 1)
>>> path = save_map(m, os.path.join(folder, "map.html"))
>>> "cdn." in path.read_text()
False
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from geoasset.crs import metric_crs
from geoasset.errors import GeoassetError
from geoasset.i18n import LANGUAGES, t
from geoasset.mapassets import external_resources, inline_assets
from geoasset.store import Inventory, open_inventory

__all__ = [
    "FieldMap",
    "MAP_LAYERS",
    "MissingPhoto",
    "field_map",
    "save_map",
    "save_corridor_maps",
    "save_area_maps",
    "save_field_maps",
    "maps_per",
]

log = logging.getLogger(__name__)

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

#: Poles are clustered (Leaflet.markercluster) from this many on; fewer are drawn one by one.
CLUSTER_MIN_POINTS = 5000
#: Zoom level from which clustered poles are shown one by one.
CLUSTER_OFF_ZOOM = 16
MAX_ZOOM = 20
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
#: Zoom level from which a light overview draws poles (one by one, in the view).
LIGHT_POLE_ZOOM = 16
#: Pole columns a light overview carries (``corridor_id`` and ``amount_rp`` from the
#: line items).
LIGHT_POLE_COLUMNS = ("pole_id", "owner", "kind", "road_id", "sta", "corridor_id", "amount_rp")
#: Assets this close to a selected corridor or road are shown on its map.
SELECTION_MARGIN_M = 50.0
#: Longest side of an embedded photo thumbnail, in pixels.
THUMBNAIL_PX = 320
#: Chainage ticks every 100 m, ``STA k+000`` labels every km; zoom levels they appear at.
CHAINAGE = {
    "every": 100,
    "label_every": 1000,
    "tick_zoom": 15,
    "label_zoom": 13,
    "tolerance_m": 50.0,
}

TILES = (
    {
        "key": "map_osm",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        "contributors",
        "max_native_zoom": 19,
    },
    {
        "key": "map_satellite",
        "url": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/"
        "tile/{z}/{y}/{x}",
        "attr": "Tiles &copy; Esri &mdash; Source: Esri, Maxar, Earthstar Geographics, "
        "and the GIS User Community",
        "max_native_zoom": 18,
    },
)

OWNER_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#17becf",
    "#bcbd22",
    "#8c564b",
    "#e377c2",
    "#393b79",
)
OTHER_COLOR = "#9e9e9e"
REVENUE_COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NOT_ASSESSED_COLOR = "#bdbdbd"
NO_REVENUE_COLOR = "#f0f0f0"
#: BMS nilai kondisi 0 (good) … 5 (worst), then unknown.
NK_COLORS = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027", "#969696")
UNDERGROUND_KINDS = frozenset({"buried_cable", "water_pipe", "gas_pipe"})

#: Pole billing status, in code order: (i18n key, ring colour or None = owner colour,
#: ring width, fill opacity).
POLE_STATUSES = (
    ("billable", "#ffffff", 1.5, 0.95),
    ("unpaid", "#e31a1c", 3.0, 0.95),
    ("no_permit", "#111111", 3.0, 0.95),
    ("not_billable", None, 2.0, 0.15),
    ("map_not_assessed", "#666666", 1.0, 0.6),
)
BILLABLE, UNPAID, NO_PERMIT, OUTSIDE_ROW, NOT_ASSESSED = range(5)
_PAYMENT_RANK = {"no_permit": NO_PERMIT, "unpaid": UNPAID}

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
)

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class MissingPhoto:
    """A ``photo`` value that names no readable image."""

    layer: str
    asset_id: str
    photo: str
    reason: str

    def __str__(self) -> str:
        return f"layer {self.layer!r} {self.asset_id}: photo {self.photo!r} {self.reason}"


# ----------------------------------------------------------------------------- folium
class FieldMap(folium.Map):
    """A :class:`folium.Map` whose saved HTML carries its scripts and styles inline.

    Folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome…) are dropped; Leaflet
    and Leaflet.markercluster come from the installed XStatic packages.

    Attributes
    ----------
    counts
        Features drawn per layer.
    missing_photos
        Every :class:`MissingPhoto` met while building the map.
    total_rp
        Assessed retribution of what the map shows, or ``None`` without an assessment.
    light
        Whether the map is a light overview (see :data:`LIGHT_MAX_FEATURES`).
    """

    default_js: list = []
    default_css: list = []

    def __init__(self, *, title: str, **kwargs) -> None:
        super().__init__(tiles=None, prefer_canvas=True, control_scale=False, **kwargs)
        self.options["max_zoom"] = MAX_ZOOM
        self.map_title = title
        self.get_root().title = html.escape(title)
        self.counts: dict[str, int] = {}
        self.missing_photos: list[MissingPhoto] = []
        self.total_rp: int | None = None
        self.light = False

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        figure.header.add_child(_Raw(inline_assets()), name="geoasset_assets")
        super().render(**kwargs)


class _Raw(Element):
    """Text put into the page as it is.

    branca turns rendered macros into new templates; data must never pass through
    Jinja, or a value like ``{{ … }}`` would be evaluated.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _FieldLayers(MacroElement):
    """The inventory data (one JSON document) and the call that draws it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoasset.init(
            {{ this._parent.get_name() }},
            { {%- for name, layer in this.base_layers %}
                {{ name|tojson }}: {{ layer.get_name() }},
            {%- endfor %} },
            {{ this.data_id|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, payload: str, base_layers: list[tuple[str, folium.TileLayer]]):
        super().__init__()
        self._name = "GeoassetLayers"
        self.payload = payload
        self.base_layers = base_layers
        self.data_id = f"geoasset-data-{uuid.uuid4().hex[:12]}"

    def render(self, **kwargs) -> None:
        data = f'<script type="application/json" id="{self.data_id}">{self.payload}</script>'
        self.get_root().html.add_child(_Raw(data), name=self.data_id)
        super().render(**kwargs)


def _script_json(value) -> str:
    """JSON that is safe inside ``<script>``: no ``<``, ``>`` or ``&`` left to parse."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# ----------------------------------------------------------------------------- reading
def _as_inventory(inventory: Inventory | str | os.PathLike) -> Inventory:
    if isinstance(inventory, Inventory):
        inventory.check()
        return inventory
    return open_inventory(inventory)


def _read_frames(inv: Inventory) -> dict[str, pd.DataFrame]:
    """The layers a map uses that the inventory has, with rows."""
    present = set(inv.layers())
    frames = {}
    for name in (*MAP_LAYERS, *ASSESSMENT_LAYERS):
        if name in present and inv.count(name):
            frame = inv.read(name)
            if isinstance(frame, gpd.GeoDataFrame) and name != "assessment_totals":
                frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
            frames[name] = frame.reset_index(drop=True)
    return frames


# ----------------------------------------------------------------------------- encoding
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


# ----------------------------------------------------------------------------- photos
def _thumbnail(path: Path) -> str:
    try:
        from PIL import Image, ImageOps
    except ImportError:  # pragma: no cover - Pillow is installed with geoasset's extras
        raise GeoassetError("embedding photos needs Pillow: pip install Pillow") from None
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=75, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _photos(
    frame: pd.DataFrame, layer: str, id_column: str, base_dir: Path | None, embed: bool
) -> tuple[list | None, list[MissingPhoto]]:
    """Per row ``None`` or ``[kind, value, photo]``: kind ``img`` (data URI), ``link``
    (a file or web address, opened only when clicked) or ``missing``."""
    if "photo" not in frame or frame["photo"].isna().all():
        return None, []
    out: list = []
    missing: list[MissingPhoto] = []
    ids = frame[id_column].astype(object) if id_column in frame else pd.Series(frame.index)
    for asset_id, value in zip(ids, frame["photo"].astype(object), strict=True):
        if (
            value is None
            or (not isinstance(value, str) and pd.isna(value))
            or not str(value).strip()
        ):
            out.append(None)
            continue
        text = str(value).strip()
        if _URL.match(text):
            out.append(["link", text, text])
            continue
        path = Path(text)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            missing.append(MissingPhoto(layer, str(asset_id), text, f"not found at {path}"))
            out.append(["missing", None, text])
            continue
        if not embed:
            out.append(["link", path.resolve().as_uri(), text])
            continue
        try:
            out.append(["img", _thumbnail(path), text])
        except (OSError, ValueError) as exc:
            missing.append(
                MissingPhoto(layer, str(asset_id), text, f"is not a readable image ({exc})")
            )
            out.append(["missing", None, text])
    return out, missing


# ----------------------------------------------------------------------------- assessment
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


def _pole_status(frames: dict, poles: gpd.GeoDataFrame) -> np.ndarray:
    """Billing status code of every pole (see :data:`POLE_STATUSES`)."""
    status = np.full(len(poles), NOT_ASSESSED, dtype=np.int8)
    corridors = frames.get("corridors")
    if corridors is not None and len(corridors):
        status[~_inside(poles.geometry, corridors.geometry)] = OUTSIDE_ROW
    not_billable = frames.get("assessment_not_billable")
    if not_billable is not None and {"asset_id", "reason"} <= set(not_billable.columns):
        rows = not_billable
        if "layer" in rows:
            rows = rows[rows["layer"].astype(str) == "poles"]
        outside = rows["reason"].astype(str).str.contains("outside")
        ids = set(rows.loc[outside, "asset_id"].astype(str))
        status[poles["pole_id"].astype(str).isin(ids).to_numpy()] = OUTSIDE_ROW
    items = _items_of(frames, "poles")
    if items is not None and len(items):
        payment = (
            items["payment_status"].astype(str)
            if "payment_status" in items
            else pd.Series("unknown", index=items.index)
        )
        rank = payment.map(_PAYMENT_RANK).fillna(BILLABLE).astype(int)
        worst = rank.groupby(items["asset_id"].astype(str)).max()
        codes = poles["pole_id"].astype(str).map(worst)
        billed = codes.notna().to_numpy()
        status[billed] = codes[billed].astype(int).to_numpy()
    return status


# ----------------------------------------------------------------------------- selection
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


# ----------------------------------------------------------------------------- legend
def _fmt_int(value: float, lang: str) -> str:
    text = f"{round(value):,}"
    return text.replace(",", ".") if lang == "id" else text


def _nice_ceil(value: float) -> int:
    """``value`` rounded up to two significant digits."""
    if value <= 0:
        return 0
    step = 10 ** max(int(np.floor(np.log10(value))) - 1, 0)
    return int(np.ceil(value / step) * step)


def _revenue_classes(values: np.ndarray) -> list[int]:
    """Upper bounds of up to five classes of the positive values."""
    positive = np.unique(values[values > 0])
    if not len(positive):
        return []
    k = min(len(REVENUE_COLORS), len(positive))
    uppers = [
        _nice_ceil(float(np.quantile(positive, i / k, method="lower"))) for i in range(1, k + 1)
    ]
    return sorted(set(uppers))


# ----------------------------------------------------------------------------- building
@dataclass
class _Built:
    payload: dict
    counts: dict[str, int]
    missing: list[MissingPhoto]
    bounds: list | None
    total_rp: int | None
    light: bool = False
    maps_per: str | None = None


def _owner_palette(frames: dict) -> dict[str, int]:
    counts = pd.Series(dtype="int64")
    for name in ("poles", "utility_lines"):
        frame = frames.get(name)
        if frame is not None and "owner" in frame:
            counts = counts.add(frame["owner"].astype(str).value_counts(), fill_value=0)
    ordered = counts.sort_values(ascending=False, kind="stable")
    return {owner: i for i, owner in enumerate(ordered.index[: len(OWNER_COLORS)])}


def _owner_codes(frame: pd.DataFrame, palette: dict[str, int]) -> list[int]:
    other = len(OWNER_COLORS)
    if "owner" not in frame:
        return [other] * len(frame)
    return frame["owner"].astype(str).map(palette).fillna(other).astype(int).tolist()


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


@dataclass
class _Context:
    """What styling a layer needs besides the layer itself."""

    frames: dict
    revenue: dict[str, int] | None
    palette: dict[str, int]
    lang: str
    light: bool = False


def _billed_poles(frames: dict) -> pd.Series | None:
    """Distinct poles billed per corridor id (from the line items), or ``None``."""
    items = _items_of(frames, "poles")
    if items is None or "corridor_id" not in items:
        return None
    return items.groupby(items["corridor_id"].astype(str))["asset_id"].nunique()


def _style_corridors(layer: dict, frame: pd.DataFrame, ctx: _Context) -> dict:
    lang = ctx.lang
    ids = frame["corridor_id"].astype(str)
    amounts = [None if ctx.revenue is None else ctx.revenue.get(i, 0) for i in ids]
    uppers = _revenue_classes(np.array([a or 0 for a in amounts], dtype="float64"))
    colors = [REVENUE_COLORS[round(j)] for j in np.linspace(0, 4, len(uppers))] if uppers else []
    fill = [
        0 if a is None else 1 if a <= 0 else 2 + int(np.searchsorted(uppers, a, side="left"))
        for a in amounts
    ]
    items = ctx.frames.get("assessment_items")
    n_items = (
        items["corridor_id"].astype(str).value_counts()
        if items is not None and "corridor_id" in items
        else pd.Series(dtype="int64")
    )
    layer["style"] = {
        "fill": fill,
        "revenue": [a or 0 for a in amounts],
        "items": ids.map(n_items).fillna(0).astype(int).tolist(),
    }
    billed = _billed_poles(ctx.frames)
    if billed is not None:
        layer["style"]["poles"] = ids.map(billed).fillna(0).astype(int).tolist()
    layer["palette"] = {"fill": [NOT_ASSESSED_COLOR, NO_REVENUE_COLOR, *colors]}
    entries = []
    if None in amounts:
        entries.append({"label": t("map_not_assessed", lang), "color": NOT_ASSESSED_COLOR})
    if any(a == 0 for a in amounts):
        entries.append({"label": t("map_no_revenue", lang), "color": NO_REVENUE_COLOR})
    lower = 1
    for upper, color in zip(uppers, colors, strict=True):
        label = f"Rp {_fmt_int(lower, lang)} – {_fmt_int(upper, lang)}"
        entries.append({"label": label, "color": color})
        lower = upper + 1
    for entry in entries:
        entry.update(kind="fill", stroke="#7a0177")
    return {"title": f"{t('corridors', lang)} – {t('revenue', lang)}", "items": entries}


def _style_roads(layer: dict, frame: pd.DataFrame, ctx: _Context) -> dict:
    layer["geom"], layer["chainage"] = _road_chainage(frame)
    return {
        "title": t("roads", ctx.lang),
        "items": [
            {"label": t("road", ctx.lang), "color": "#1f1f1f", "kind": "line", "weight": 3},
            {"label": t("map_chainage", ctx.lang), "color": "#1f1f1f", "kind": "tick"},
        ],
    }


def _style_utility_lines(layer: dict, frame: pd.DataFrame, ctx: _Context) -> dict:
    kinds = frame["kind"].astype(str) if "kind" in frame else pd.Series("", index=frame.index)
    layer["style"] = {
        "fill": _owner_codes(frame, ctx.palette),
        "dashed": kinds.isin(UNDERGROUND_KINDS).astype(int).tolist(),
    }
    layer["palette"] = {"fill": [*OWNER_COLORS, OTHER_COLOR]}
    layer["items"] = None
    _attach_items(layer, frame, _items_of(ctx.frames, "utility_lines"))
    return {
        "title": t("utility_lines", ctx.lang),
        "inline": True,
        "items": [
            {"label": t("map_overhead", ctx.lang), "color": "#555", "kind": "line"},
            {
                "label": t("map_underground", ctx.lang),
                "color": "#555",
                "kind": "line",
                "dash": True,
            },
        ],
    }


def _style_bridges(layer: dict, frame: pd.DataFrame, ctx: _Context) -> dict:
    unknown = len(NK_COLORS) - 1
    if "condition_nk" in frame:
        nk = pd.to_numeric(frame["condition_nk"], errors="coerce")
        codes = [int(v) if pd.notna(v) and 0 <= v <= 5 and v == int(v) else unknown for v in nk]
    else:
        codes = [unknown] * len(frame)
    layer["style"] = {"fill": codes}
    layer["palette"] = {"fill": list(NK_COLORS)}
    entries = [
        {"label": str(k), "color": NK_COLORS[k], "kind": "dot", "stroke": "#000", "weight": 2}
        for k in range(unknown)
    ]
    if unknown in codes:
        entries.append(
            {
                "label": t("map_unknown", ctx.lang),
                "color": NK_COLORS[unknown],
                "kind": "dot",
                "stroke": "#000",
            }
        )
    return {
        "title": f"{t('bridges', ctx.lang)} – {t('condition_nk', ctx.lang)}",
        "inline": True,
        "items": entries,
    }


def _style_monuments(layer: dict, frame: pd.DataFrame, ctx: _Context) -> dict:
    label = t("monuments", ctx.lang)
    return {
        "title": label,
        "items": [{"label": label, "color": "#6a3d9a", "kind": "dot", "stroke": "#fff"}],
    }


def _style_poles(layer: dict, frame: pd.DataFrame, ctx: _Context) -> dict:
    status = frame["__status"].to_numpy()
    layer["style"] = {"fill": _owner_codes(frame, ctx.palette), "status": status.tolist()}
    layer["palette"] = {"fill": [*OWNER_COLORS, OTHER_COLOR]}
    layer["items"] = None
    if ctx.light:
        # drawn one by one in the view from this zoom on; no clusters to build
        layer["cluster"] = False
        layer["min_zoom"] = LIGHT_POLE_ZOOM
    else:
        layer["cluster"] = len(frame) >= CLUSTER_MIN_POINTS
        _attach_items(layer, frame, _items_of(ctx.frames, "poles"))
    items = []
    for code in sorted(set(status.tolist())):
        key, stroke, weight, opacity = POLE_STATUSES[code]
        items.append(
            {
                "label": t(key, ctx.lang),
                "color": "#9e9e9e",
                # a white ring would vanish on the legend's white: show it grey
                "stroke": "#9e9e9e" if stroke in (None, "#ffffff") else stroke,
                "weight": min(weight, 3),
                "opacity": opacity,
                "kind": "dot",
                "count": int((status == code).sum()),
            }
        )
    legend = {"title": t("map_pole_status", ctx.lang), "items": items}
    if ctx.light:
        legend["note"] = f"{t('map_poles_from_zoom', ctx.lang)} {LIGHT_POLE_ZOOM}"
    return legend


_STYLERS = {
    "corridors": _style_corridors,
    "roads": _style_roads,
    "utility_lines": _style_utility_lines,
    "bridges": _style_bridges,
    "monuments": _style_monuments,
    "poles": _style_poles,
}
_LEGEND_ORDER = ("poles", "owners", "corridors", "roads", "utility_lines", "bridges", "monuments")
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
) -> _Built:
    """The page's JSON document for ``frames`` cut to the selection.

    ``area``: ``frames`` are one area's (:func:`save_area_maps`); the total is the
    retribution of the area's corridors. ``palette``: owner colours shared by several
    maps (default: from ``frames``).
    """
    revenue = _corridor_revenue(frames)
    frames = _with_status(frames)
    shown, area_shape = _select(frames, source, corridor_ids, road_ids)
    if light is None:
        light = not (corridor_ids or road_ids or area) and _too_heavy(shown)
    palette = _owner_palette(frames) if palette is None else palette
    ctx = _Context(frames, revenue, palette, lang, light)

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
            layer["photos"], lost = _photos(frame, name, layer["id"], base_dir, embed_photos)
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
    }
    linked = None
    if corridor_maps is not None:
        links = _corridor_links(frames, corridor_maps, maps_per)
        linked = links.pop("per")
        if linked == "area":
            payload["labels"]["map_open_corridor"] = t("map_open_area_of", lang)
        payload["corridor_maps"] = links
    total = _total_rp(frames, shown, revenue, bool(corridor_ids or road_ids or area))
    return _Built(payload, counts, missing, box, total, light, linked)


def _owner_legend(shown: dict, palette: dict[str, int], lang: str) -> dict | None:
    counts = pd.Series(dtype="int64")
    for name in ("poles", "utility_lines"):
        frame = shown.get(name)
        if frame is not None and "owner" in frame and len(frame):
            counts = counts.add(frame["owner"].astype(str).value_counts(), fill_value=0)
    if not len(counts):
        return None
    items = []
    other = 0
    for owner, n in counts.sort_values(ascending=False, kind="stable").items():
        if owner in palette:
            items.append(
                {
                    "label": owner,
                    "color": OWNER_COLORS[palette[owner]],
                    "kind": "dot",
                    "count": int(n),
                }
            )
        else:
            other += int(n)
    if other:
        items.append(
            {"label": t("map_other", lang), "color": OTHER_COLOR, "kind": "dot", "count": other}
        )
    return {"title": t("owner", lang), "items": items}


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


def _make_map(
    frames: dict,
    *,
    source: str,
    base_dir: Path | None,
    corridor_ids=None,
    road_ids=None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool = False,
    light: bool | None = False,
    corridor_maps: str | None = None,
    maps_per: str = "auto",
    palette: dict[str, int] | None = None,
    area: bool = False,
) -> FieldMap:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    corridor_ids, road_ids = _as_ids(corridor_ids), _as_ids(road_ids)
    built = _build(
        frames,
        source=source,
        base_dir=base_dir,
        corridor_ids=corridor_ids,
        road_ids=road_ids,
        lang=lang,
        embed_photos=embed_photos,
        light=light,
        corridor_maps=corridor_maps,
        maps_per=maps_per,
        palette=palette,
        area=area,
    )
    if title is None:
        title = _default_title(frames, corridor_ids, road_ids, lang)
    built.payload["title"] = title
    built.payload["subtitle"] = _subtitle(built, lang)
    if built.bounds:
        (s, w), (n, e) = built.bounds
        location, zoom = [(s + n) / 2, (w + e) / 2], 14
    else:
        location, zoom = [0.0, 0.0], 2
    m = FieldMap(title=title, location=location, zoom_start=zoom)
    base_layers = []
    for i, spec in enumerate(TILES):
        name = t(spec["key"], lang)
        tiles = folium.TileLayer(
            tiles=spec["url"],
            attr=spec["attr"],
            name=name,
            max_zoom=MAX_ZOOM,
            max_native_zoom=spec["max_native_zoom"],
            show=i == 0,
            control=False,
        )
        tiles.add_to(m)
        base_layers.append((name, tiles))
    _FieldLayers(_script_json(built.payload), base_layers).add_to(m)
    m.counts = built.counts
    m.missing_photos = built.missing
    m.total_rp = built.total_rp
    m.light = built.light
    _log_missing(built.missing)
    return m


def _log_missing(missing: list) -> None:
    if missing:
        for photo in missing[:20]:
            log.warning("%s", photo)
        if len(missing) > 20:
            log.warning("... and %d more missing photo(s)", len(missing) - 20)


# ----------------------------------------------------------------------------- public
def field_map(
    inventory: Inventory | str | os.PathLike,
    *,
    corridor_ids: Iterable[str] | str | None = None,
    road_ids: Iterable[str] | str | None = None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool = False,
    light: bool | None = None,
    corridor_maps: str | os.PathLike | None = None,
    maps_per: str = "auto",
) -> FieldMap:
    """A field-review map of an inventory (or of some of its corridors or roads).

    Parameters
    ----------
    inventory
        An :class:`~geoasset.store.Inventory` or the path of its GeoPackage. Layers
        used when present: roads, corridors, poles, utility_lines, bridges, monuments,
        assessment_items, assessment_totals.
    corridor_ids, road_ids
        Show only these corridors / roads and the assets within
        :data:`SELECTION_MARGIN_M` of them; an unknown id raises
        :class:`~geoasset.errors.GeoassetError` naming it.
    title
        Heading of the map and of the HTML page (default: "Field review map" and the
        selection).
    lang
        ``"en"`` or ``"id"`` (Bahasa Indonesia) for every label.
    embed_photos
        Embed each asset's ``photo`` (resolved relative to the inventory's folder) as a
        JPEG thumbnail of :data:`THUMBNAIL_PX` pixels; otherwise popups link to the file.
        A missing photo is logged and listed in ``missing_photos``.
    light
        Draw a light overview: corridors simplified by :data:`LIGHT_TOLERANCE_M`, poles
        with a few columns, drawn from zoom :data:`LIGHT_POLE_ZOOM` on, no line items or
        photos in popups. ``None`` (default): light for an overview (no selection)
        past :data:`LIGHT_MAX_FEATURES` features or :data:`LIGHT_MAX_VERTICES` vertices.
    corridor_maps
        Folder of the per-corridor or per-area maps relative to where this map is saved,
        e.g. ``"maps"``: corridor and pole popups link to the map showing the corridor.
    maps_per
        What ``corridor_maps`` holds: ``"corridor"`` (:func:`save_corridor_maps`),
        ``"area"`` (:func:`save_area_maps`) or ``"auto"`` (default): what
        :func:`save_field_maps` and ``geoasset run`` write, per area past
        :data:`AREA_MAPS_PAST_CORRIDORS` corridors.

    Returns
    -------
    FieldMap
        A :class:`folium.Map`; save it with :func:`save_map`.

    Examples
    --------
    >>> import os, tempfile
    >>> from geoasset.store import create_inventory
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "empty.gpkg"))
    >>> m = field_map(inv, lang="id")
    >>> m.map_title, m.counts
    ('Peta tinjauan lapangan', {})
    >>> field_map(inv, corridor_ids=["K9"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoasset.errors.GeoassetError: ...empty.gpkg: layer 'corridors' is empty; cannot select corridor_id 'K9'
    """
    inv = _as_inventory(inventory)
    return _make_map(
        _read_frames(inv),
        source=str(inv.path),
        base_dir=inv.path.resolve().parent,
        corridor_ids=corridor_ids,
        road_ids=road_ids,
        title=title,
        lang=lang,
        embed_photos=embed_photos,
        light=light,
        corridor_maps=None if corridor_maps is None else Path(corridor_maps).as_posix(),
        maps_per=maps_per,
    )


def save_map(m: folium.Map, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``m`` as one self-contained HTML file; return its path.

    Refuses an existing file unless ``overwrite``, and a map whose page would load a
    script, stylesheet or image from the network (e.g. a folium plugin from a CDN).
    The file is written under a temporary name and renamed into place.

    Examples
    --------
    >>> import os, tempfile, folium
    >>> save_map(folium.Map(tiles=None), os.path.join(tempfile.mkdtemp(), "m.html"))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoasset.errors.GeoassetError: ...m.html: the map would load ... file(s) from the network (first 'https://.../leaflet.js'); ...
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise GeoassetError(f"{path} already exists; use overwrite to replace it")
    if not path.parent.is_dir():
        raise GeoassetError(f"{path}: folder {path.parent} does not exist")
    text = m.get_root().render()
    remote = external_resources(text)
    if remote:
        raise GeoassetError(
            f"{path}: the map would load {len(remote)} file(s) from the network (first "
            f"{remote[0]!r}); make it with geoasset.maps.field_map and add no CDN plugins"
        )
    _write_text(path, text)
    return path


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _file_name(corridor_id: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", corridor_id).strip("._") or "corridor"
    name, n = f"{stem}.html", 1
    while name.lower() in taken or name.lower() == "index.html":
        n += 1
        name = f"{stem}_{n}.html"
    taken.add(name.lower())
    return name


def _corridor_files(corridors: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The corridors in map order (road, chainage, id) and each one's file name."""
    order = [c for c in ("road_id", "sta_from_m", "corridor_id") if c in corridors]
    ordered = corridors.sort_values(order, kind="stable") if order else corridors
    taken: set[str] = set()
    return ordered, [_file_name(str(cid), taken) for cid in ordered["corridor_id"]]


def save_corridor_maps(
    inventory: Inventory | str | os.PathLike,
    directory: str | os.PathLike,
    *,
    corridor_ids: Iterable[str] | str | None = None,
    road_ids: Iterable[str] | str | None = None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool = False,
    overwrite: bool = False,
) -> list[Path]:
    """One field map per corridor in ``directory`` plus ``index.html`` linking them.

    The index lists each corridor with its road, chainage, poles and assessed
    retribution, and the total. ``corridor_ids`` / ``road_ids`` limit the corridors.
    Existing files are refused (before anything is written) unless ``overwrite``.
    The maps are drawn in ``workers`` processes (default: :data:`AREA_MAP_WORKERS` once
    there are :data:`PARALLEL_AREAS` areas, else one); the files are the same.
    Returns the paths written, ``index.html`` last.

    Examples
    --------
    >>> import os, tempfile
    >>> from geoasset.store import create_inventory
    >>> folder = tempfile.mkdtemp()
    >>> inv = create_inventory(os.path.join(folder, "empty.gpkg"))
    >>> [p.name for p in save_corridor_maps(inv, os.path.join(folder, "maps"))]
    ['index.html']
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    inv = _as_inventory(inventory)
    frames = _read_frames(inv)
    source = str(inv.path)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise GeoassetError(f"{directory} exists and is not a folder")
    if not directory.parent.is_dir():
        raise GeoassetError(f"{directory}: folder {directory.parent} does not exist")
    corridors = frames.get("corridors")
    wanted, roads_wanted = _as_ids(corridor_ids), _as_ids(road_ids)
    if corridors is None:
        _check_known(source, "corridors", "corridor_id", None, wanted or roads_wanted)
        corridors = gpd.GeoDataFrame({"corridor_id": []}, geometry=[], crs="EPSG:4326")
    _check_known(source, "corridors", "corridor_id", corridors, wanted)
    _check_known(source, "roads", "road_id", frames.get("roads"), roads_wanted)
    chosen = corridors
    if wanted or roads_wanted:
        keep = corridors["corridor_id"].astype(str).isin(wanted)
        if roads_wanted and "road_id" in corridors:
            keep |= corridors["road_id"].astype(str).isin(roads_wanted)
        chosen = corridors[keep]
    chosen, names = _corridor_files(chosen)
    targets = [directory / n for n in [*names, "index.html"]]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise GeoassetError(
            f"{existing[0]} already exists ({len(existing)} file(s) in {directory}); "
            "use overwrite to replace them"
        )
    directory.mkdir(exist_ok=True)

    revenue = _corridor_revenue(frames)
    frames = _with_status(frames)  # once for every map
    rows, written = [], []
    for (_, corridor), name in zip(chosen.iterrows(), names, strict=True):
        cid = str(corridor["corridor_id"])
        m = _make_map(
            frames,
            source=source,
            base_dir=inv.path.resolve().parent,
            corridor_ids=[cid],
            title=None if title is None else f"{title}: {cid}",
            lang=lang,
            embed_photos=embed_photos,
        )
        written.append(save_map(m, directory / name, overwrite=True))
        rows.append(
            (
                name,
                corridor,
                m.counts.get("poles", 0),
                None if revenue is None else revenue.get(cid, 0),
            )
        )
    index = directory / "index.html"
    _write_text(index, _index_html(rows, title or t("map_index_title", lang), source, lang))
    written.append(index)
    return written


def _index_html(rows: list, title: str, source: str, lang: str) -> str:
    esc = html.escape
    head = [
        t("corridor", lang),
        t("road", lang),
        t("sta", lang),
        t("width_m", lang),
        t("poles", lang),
        t("revenue", lang),
    ]
    body = []
    total = 0
    assessed = False
    for name, corridor, poles, amount in rows:
        road = " – ".join(
            str(v)
            for v in (corridor.get("road_id"), corridor.get("road_name"))
            if isinstance(v, str) and v
        )
        width = corridor.get("width_m")
        width_text = "" if width is None or pd.isna(width) else f"{float(width):g}"
        amount_text = "" if amount is None else f"Rp {_fmt_int(amount, lang)}"
        if amount is not None:
            total += amount
            assessed = True
        sta = corridor.get("sta")
        body.append(
            "<tr>"
            f'<td><a href="{esc(name)}">{esc(str(corridor["corridor_id"]))}</a></td>'
            f"<td>{esc(road)}</td><td>{esc(sta if isinstance(sta, str) else '')}</td>"
            f'<td class="n">{esc(width_text)}</td><td class="n">{_fmt_int(poles, lang)}</td>'
            f'<td class="n">{esc(amount_text)}</td></tr>'
        )
    foot = (
        f'<tr><th colspan="5">{esc(t("total", lang))}</th>'
        f'<th class="n">{esc(f"Rp {_fmt_int(total, lang)}" if assessed else "")}</th></tr>'
    )
    style = (
        "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}"
        "table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #ddd;"
        "text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}"
        "thead th{background:#f4f4f4}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n<p>{esc(Path(source).name)} · {len(rows)} "
        f"{esc(t('map_corridors_short', lang))}</p>\n"
        f"<table>\n<thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in head)}</tr></thead>\n"
        f"<tbody>\n{chr(10).join(body)}\n</tbody>\n<tfoot>{foot}</tfoot>\n</table>\n</body>\n</html>\n"
    )


# ----------------------------------------------------------------------------- per area
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


def _prepare_directory(directory: Path, names: list[str], overwrite: bool) -> None:
    """Refuse existing files (before anything is written) unless ``overwrite``."""
    if directory.exists() and not directory.is_dir():
        raise GeoassetError(f"{directory} exists and is not a folder")
    if not directory.parent.is_dir():
        raise GeoassetError(f"{directory}: folder {directory.parent} does not exist")
    existing = [directory / n for n in names if (directory / n).exists()]
    if existing and not overwrite:
        raise GeoassetError(
            f"{existing[0]} already exists ({len(existing)} file(s) in {directory}); "
            "use overwrite to replace them"
        )
    directory.mkdir(exist_ok=True)


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


def save_area_maps(
    inventory: Inventory | str | os.PathLike,
    directory: str | os.PathLike,
    *,
    size_m: float | None = None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool = False,
    overwrite: bool = False,
    workers: int | None = None,
) -> list[Path]:
    """One field map per area in ``directory`` plus ``index.html`` listing them.

    The areas are squares of ``size_m`` metres (default :data:`AREA_SIZE_M`) in the
    inventory's metric CRS. Each corridor and each asset is drawn in exactly one area
    (see :func:`_partition`): a corridor in the square holding a point of its surface,
    a pole with the corridor it is billed in (else the corridor it stands in, else the
    corridor of its located road at its chainage, else the square it stands in).
    An area's map shows its corridors, roads, poles and lines in full detail, like a
    corridor map. The index lists each area with its corridors, poles, billed poles and
    assessed retribution (the sum over its corridors); the totals are the inventory's.
    Existing files are refused (before anything is written) unless ``overwrite``.
    The maps are drawn in ``workers`` processes (default: :data:`AREA_MAP_WORKERS` once
    there are :data:`PARALLEL_AREAS` areas, else one); the files are the same.
    Returns the paths written, ``index.html`` last.

    Examples
    --------
    >>> import os, tempfile
    >>> from geoasset.store import create_inventory
    >>> folder = tempfile.mkdtemp()
    >>> inv = create_inventory(os.path.join(folder, "empty.gpkg"))
    >>> [p.name for p in save_area_maps(inv, os.path.join(folder, "areas"))]
    ['index.html']
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    inv = _as_inventory(inventory)
    frames = _with_status(_read_frames(inv))  # billing status needs every corridor
    source = str(inv.path)
    directory = Path(directory)
    grid = _AreaGrid.of(frames, size_m)
    areas = _partition(frames, grid)
    files = [f"{area.name}.html" for area in areas]
    _prepare_directory(directory, [*files, "index.html"], overwrite)

    revenue = _corridor_revenue(frames)
    palette = _owner_palette(frames)  # one owner colour in every map
    totals = frames.get("assessment_totals")
    if totals is not None and {"level", "key"} <= set(totals.columns):
        totals = totals[totals["level"].astype(str).isin(["corridor", "corridor_id"])]
    else:
        totals = None  # revenue from the line items, which every area carries
    corridors = frames.get("corridors")
    base = inv.path.resolve().parent
    heading = title or t("map_title", lang)
    subs, rows = [], []
    for area, name in zip(areas, files, strict=True):
        sub = {
            layer: frames[layer].iloc[at].reset_index(drop=True) for layer, at in area.rows.items()
        }
        for layer in ("assessment_items",):
            if layer in frames:
                sub[layer] = frames[layer].iloc[area.items].reset_index(drop=True)
        if totals is not None:  # the corridors' rows: their revenue
            ids = sub["corridors"]["corridor_id"] if "corridors" in sub else []
            sub["assessment_totals"] = totals[totals["key"].astype(str).isin(ids)]
        subs.append(sub)
        ids = () if "corridors" not in sub else tuple(sub["corridors"]["corridor_id"].astype(str))
        poles = sub.get("poles")
        billed = (
            0
            if poles is None
            else int(np.isin(poles["__status"], (BILLABLE, UNPAID, NO_PERMIT)).sum())
        )
        rows.append(
            AreaRow(
                name=area.name,
                file=name,
                corridors=len(ids),
                poles=0 if poles is None else len(poles),
                billed_poles=billed,
                revenue_rp=None if revenue is None else int(sum(revenue.get(i, 0) for i in ids)),
                corridor_ids=ids,
            )
        )
    jobs = [
        (
            sub,
            directory / name,
            {
                "source": source,
                "base_dir": base,
                "title": f"{heading}: {t('map_area', lang)} {area.name}",
                "lang": lang,
                "embed_photos": embed_photos,
                "light": False,
                "palette": palette,
                "area": True,
            },
        )
        for sub, area, name in zip(subs, areas, files, strict=True)
    ]
    del subs
    written = _draw_area_maps(jobs, workers)
    index = directory / "index.html"
    note = t("map_area_note", lang).format(
        size=f"{grid.size / 1000:g} km" if grid.size >= 1000 else f"{grid.size:g} m",
        crs=grid.crs.name if corridors is not None else "",
    )
    _write_text(
        index, _area_index_html(rows, title or t("map_area_index_title", lang), source, note, lang)
    )
    written.append(index)
    return written


#: Processes that draw area maps for a city (two cores are the smallest machine we serve).
AREA_MAP_WORKERS = max(1, min(2, os.cpu_count() or 1))
#: From this many areas on, :func:`save_area_maps` draws them in several processes.
PARALLEL_AREAS = 16


def _draw_area_maps(jobs: list[tuple[dict, Path, dict]], workers: int | None) -> list[Path]:
    """Draw and write each ``(frames, path, options)`` job; the paths, in job order.

    With more than one worker, every worker but this process gets every n-th job in a
    child Python (``python -c``: nothing of the caller's script is run again) that reads
    its jobs from a pickle file and writes its maps; this process draws its own share
    meanwhile.
    """
    if workers is None:
        workers = AREA_MAP_WORKERS if len(jobs) >= PARALLEL_AREAS else 1
    workers = max(1, min(int(workers), len(jobs)))
    if workers == 1:
        return [_area_map(*job)[0] for job in jobs]
    with tempfile.TemporaryDirectory(prefix="geoasset-maps-") as folder:
        children = [_start_worker(jobs[k::workers], Path(folder), k) for k in range(1, workers)]
        try:
            done = {k: _area_map(*jobs[k]) for k in range(0, len(jobs), workers)}
            for k, child in enumerate(children, start=1):
                for j, result in enumerate(_worker_results(*child)):
                    done[k + j * workers] = result
        finally:
            for child, _, _ in children:
                if child.poll() is None:
                    child.kill()
                    child.wait()
    for _, missing in done.values():
        _log_missing(missing)
    return [done[k][0] for k in range(len(jobs))]


def _start_worker(jobs: list, folder: Path, k: int) -> tuple[subprocess.Popen, Path, Path]:
    inbox, outbox, errors = folder / f"{k}.jobs", folder / f"{k}.done", folder / f"{k}.err"
    with open(inbox, "wb") as handle:
        pickle.dump(jobs, handle, protocol=pickle.HIGHEST_PROTOCOL)
    code = "from geoasset.maps import _area_map_worker; _area_map_worker()"
    # the child imports this very geoasset, wherever it was imported from
    here = str(Path(__file__).resolve().parents[1])
    paths = [here, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    with open(errors, "wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(inbox), str(outbox)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    return child, outbox, errors


def _worker_results(child: subprocess.Popen, outbox: Path, errors: Path) -> list:
    if child.wait() != 0 or not outbox.exists():
        tail = errors.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise GeoassetError(f"drawing area maps failed in a worker process:\n{tail}")
    with open(outbox, "rb") as handle:
        return pickle.load(handle)


def _area_map(frames: dict, path: Path, options: dict) -> tuple[Path, list]:
    """One area's map written to ``path``: the path and the photos not found."""
    m = _make_map(frames, **options)
    return save_map(m, path, overwrite=True), m.missing_photos


def _area_map_worker() -> None:
    """Entry of a worker process: ``python -c ... JOBS DONE`` (see :func:`_draw_area_maps`).

    Missing photos are returned, and logged by the parent.
    """
    inbox, outbox = sys.argv[1:3]
    log.disabled = True
    with open(inbox, "rb") as handle:
        jobs = pickle.load(handle)
    results = [_area_map(*job) for job in jobs]
    with open(outbox, "wb") as handle:
        pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)


def save_field_maps(
    inventory: Inventory | str | os.PathLike,
    directory: str | os.PathLike,
    *,
    per: str = "auto",
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool = False,
    overwrite: bool = False,
) -> list[Path]:
    """The detailed maps ``geoasset run`` writes next to the overview: one per corridor
    (:func:`save_corridor_maps`), or past :data:`AREA_MAPS_PAST_CORRIDORS` corridors one
    per area (:func:`save_area_maps`); ``per`` forces either. Returns the paths written,
    ``index.html`` last.
    """
    inv = _as_inventory(inventory)
    n = inv.count("corridors") if "corridors" in inv.layers() else 0
    options = {"title": title, "lang": lang, "embed_photos": embed_photos, "overwrite": overwrite}
    if maps_per(n, per) == "area":
        return save_area_maps(inv, directory, **options)
    return save_corridor_maps(inv, directory, **options)


def _area_index_html(rows: list[AreaRow], title: str, source: str, note: str, lang: str) -> str:
    esc = html.escape
    head = [
        t("map_area", lang),
        t("map_n_corridors", lang),
        t("poles", lang),
        t("map_billed_poles", lang),
        t("revenue", lang),
    ]
    assessed = any(r.revenue_rp is not None for r in rows)

    def rp(value) -> str:
        return "" if value is None else f"Rp {_fmt_int(value, lang)}"

    body = []
    for r in rows:
        listed = ""
        if r.corridor_ids:
            summary = f"{_fmt_int(r.corridors, lang)} {t('map_corridors_short', lang)}"
            listed = (
                f"<details><summary>{esc(summary)}</summary>"
                f"{esc(', '.join(r.corridor_ids))}</details>"
            )
        body.append(
            "<tr>"
            f'<td><a href="{esc(quote(r.file))}">{esc(r.name)}</a></td>'
            f'<td class="n">{_fmt_int(r.corridors, lang)}</td>'
            f'<td class="n">{_fmt_int(r.poles, lang)}</td>'
            f'<td class="n">{_fmt_int(r.billed_poles, lang)}</td>'
            f'<td class="n">{esc(rp(r.revenue_rp))}</td>'
            f"<td>{listed}</td>"
            "</tr>"
        )
    total_rp = sum(r.revenue_rp or 0 for r in rows) if assessed else None
    foot = (
        f"<tr><th>{esc(t('total', lang))}</th>"
        f'<th class="n">{_fmt_int(sum(r.corridors for r in rows), lang)}</th>'
        f'<th class="n">{_fmt_int(sum(r.poles for r in rows), lang)}</th>'
        f'<th class="n">{_fmt_int(sum(r.billed_poles for r in rows), lang)}</th>'
        f'<th class="n">{esc(rp(total_rp))}</th><th></th></tr>'
    )
    style = (
        "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}"
        "table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #ddd;"
        "text-align:left;vertical-align:top}.n{text-align:right;font-variant-numeric:tabular-nums}"
        "thead th{background:#f4f4f4}details{max-width:40rem;font-size:12px}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n<p>{esc(Path(source).name)} · {len(rows)} "
        f"{esc(t('map_areas_short', lang))}. {esc(note)}</p>\n"
        f"<table>\n<thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in head)}<th></th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(body)}\n</tbody>\n<tfoot>{foot}</tfoot>\n</table>\n</body>\n</html>\n"
    )
