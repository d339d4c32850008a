"""Colours, legends and per-layer styling of a field map.

Poles are coloured by owner (:data:`OWNER_COLORS`, most frequent first) and ringed by
billing status (:data:`POLE_STATUSES`); corridors filled by assessed retribution in up
to five classes (:func:`_revenue_classes`); bridges by BMS condition (:data:`NK_COLORS`).
The same colours are used by the QGIS styles and the printed map book.

Examples
--------
>>> _revenue_classes(__import__("numpy").array([0, 120, 4_500, 98_000]))
[120, 4500, 98000]
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geoasset.i18n import t
from geoasset.mapdata import _attach_items, _inside, _items_of, _road_chainage

#: Poles are clustered (Leaflet.markercluster) from this many on; fewer are drawn one by one.
CLUSTER_MIN_POINTS = 5000
#: Zoom level from which clustered poles are shown one by one.
CLUSTER_OFF_ZOOM = 16
#: Zoom level from which a light overview draws poles (one by one, in the view).
LIGHT_POLE_ZOOM = 16
#: Chainage ticks every 100 m, ``STA k+000`` labels every km (every 100 m from
#: ``minor_label_zoom``); zoom levels they appear at.
CHAINAGE = {
    "every": 100,
    "label_every": 1000,
    "tick_zoom": 15,
    "label_zoom": 13,
    "tolerance_m": 50.0,
    "minor_label_zoom": 17,
}
#: Deepest zoom of every field map.
MAX_ZOOM = 20
#: Zoom level from which poles, bridges and monuments are labelled with their id.
ID_LABEL_ZOOM = 18
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
_PAYMENT_RANK = {"no_permit": NO_PERMIT, "unpaid": UNPAID, "partly_paid": UNPAID}


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
