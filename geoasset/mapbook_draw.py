"""Drawing one map-book page with matplotlib: map frame, title block, key map, table.

Called by :func:`geoasset.mapbook.render_book` with a :class:`~geoasset.mapbook.Book`
(everything in the metric CRS), one :class:`~geoasset.mapbook_layout.Sheet` and the
asset rows of that sheet. Every text from the inventory is drawn with ``parse_math=False``
(a ``$`` in an owner's name stays a ``$``) and with control characters shown as ``\\xNN``.
"""

from __future__ import annotations

import math
import re
from functools import partial

import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Affine2D

from geoasset.chainage import format_sta, format_sta_range
from geoasset.i18n import t
from geoasset.mapbook_layout import grid_step, point_and_direction

__all__ = ["draw_sheet"]

PT_PER_MM = 72 / 25.4
CORRIDOR_FILL = "#fbeeb8"
CORRIDOR_EDGE = "#b8860b"
ROAD_COLOUR = "#9a9a9a"
CENTRELINE_COLOUR = "#262626"
STRETCH_COLOUR = "#d62728"
INK = "#1a1a1a"
OFF_SHEET = "#b5b5b5"
MONO = "monospace"
STA_TICK_EVERY_M = 100.0
#: Structures have no owner colour: one colour per layer (when on the sheet).
STRUCTURE_COLOURS = {"bridges": "#6a3d9a", "monuments": "#b15928"}
MARKERS = {"poles": "o", "bridges": "s", "monuments": "^"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text) -> str:
    """Inventory text safe to print: control characters shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def upright(degrees: float) -> float:
    """An angle turned by 180° if needed so text drawn at it reads left to right.

    >>> upright(135.0), upright(-100.0), upright(90.0)
    (-45.0, 80.0, 90.0)
    """
    while degrees > 90:
        degrees -= 180
    while degrees <= -90:
        degrees += 180
    return degrees


# -- geometry to matplotlib ----------------------------------------------------------
def _line_coords(geometries) -> list[np.ndarray]:
    parts = shapely.get_parts(np.atleast_1d(np.asarray(geometries, dtype=object)))
    lines = [p for p in parts if p.geom_type in ("LineString", "LinearRing") and not p.is_empty]
    return [shapely.get_coordinates(p) for p in lines]


def _add_lines(ax, geometries, **style) -> None:
    coords = _line_coords(geometries)
    if coords:
        ax.add_collection(LineCollection(coords, **style))


def _add_polygons(ax, geometry, **style) -> None:
    paths = []
    for polygon in shapely.get_parts(geometry):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = shapely.get_coordinates(ring)
            codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            codes[0], codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            paths.append(MplPath(xy, codes))
    if paths:
        ax.add_patch(PathPatch(MplPath.make_compound_path(*paths), **style))


# -- the map frame -------------------------------------------------------------------
def _label_angles(book, points: np.ndarray) -> np.ndarray:
    """Direction (radians) from the centreline to each point; the left normal of the
    road for a point on the centreline. Labels are drawn along it, away from the road."""
    line = book.centreline
    along = shapely.line_locate_point(line, points)
    foot = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    xy = shapely.get_coordinates(points)
    dx, dy = (xy - foot).T
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(line, along + 0.5))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(line, along - 0.5))
    tx, ty = (ahead - behind).T
    on_line = np.hypot(dx, dy) < 0.05
    return np.where(on_line, np.arctan2(ty, tx) + math.pi / 2, np.arctan2(dy, dx))


def _label(ax, x, y, angle, text, metres_per_mm, *, size=4.6, gap_mm=1.4, **style) -> None:
    degrees = math.degrees(angle)
    readable = upright(degrees)
    ax.text(
        x + math.cos(angle) * gap_mm * metres_per_mm,
        y + math.sin(angle) * gap_mm * metres_per_mm,
        clean(text),
        rotation=readable,
        rotation_mode="anchor",
        ha="left" if abs(readable - degrees) < 1e-6 else "right",
        va="center",
        fontsize=size,
        color=INK,
        parse_math=False,
        clip_on=True,
        zorder=8,
        **style,
    )


def _draw_sta_ticks(ax, book, sheet, extent, metres_per_mm) -> None:
    xmin, xmax, ymin, ymax = extent
    reach = math.hypot(xmax - xmin, ymax - ymin)
    first = math.ceil(max(book.sta_start_m, sheet.sta_from_m - reach) / STA_TICK_EVERY_M)
    last = math.floor(
        min(sheet.sta_to_m + reach, book.sta_start_m + book.centreline.length) / STA_TICK_EVERY_M
    )
    half = 2.2 * metres_per_mm
    # labels at least 15 mm apart on paper: every tick at 1:2,500, every 2nd at 1:10,000
    label_every = next(
        n for n in (1, 2, 5, 10, 20, 50, 100, 10**9) if n * 100 / metres_per_mm >= 15
    )
    ticks = []
    for k in range(first, last + 1):
        sta = k * STA_TICK_EVERY_M
        point, direction = point_and_direction(book.centreline, sta - book.sta_start_m)
        if not (xmin <= point.x <= xmax and ymin <= point.y <= ymax):
            continue
        nx, ny = -math.sin(direction), math.cos(direction)
        ticks.append(
            [(point.x - nx * half, point.y - ny * half), (point.x + nx * half, point.y + ny * half)]
        )
        if k % label_every:
            continue
        text = format_sta(sta) if k % 10 == 0 else format_sta(sta).removeprefix("STA ")
        # on the centreline just past its tick, written along it: clear of the assets
        gap = 1.2 * metres_per_mm
        ax.text(
            point.x + math.cos(direction) * gap,
            point.y + math.sin(direction) * gap,
            text,
            rotation=upright(math.degrees(direction)),
            rotation_mode="anchor",
            ha="left" if upright(math.degrees(direction)) == math.degrees(direction) else "right",
            va="center",
            fontsize=5.4,
            fontweight="bold" if k % 10 == 0 else None,
            color=INK,
            clip_on=True,
            zorder=9,
            bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    if ticks:
        ax.add_collection(LineCollection(ticks, colors=CENTRELINE_COLOUR, linewidths=0.7, zorder=5))
    for sta in (sheet.sta_from_m, sheet.sta_to_m):  # match lines at the ends of the stretch
        point, direction = point_and_direction(book.centreline, sta - book.sta_start_m)
        nx, ny = -math.sin(direction), math.cos(direction)
        reach_m = 18 * metres_per_mm
        ax.plot(
            [point.x - nx * reach_m, point.x + nx * reach_m],
            [point.y - ny * reach_m, point.y + ny * reach_m],
            color=STRETCH_COLOUR,
            lw=0.9,
            ls=(0, (4, 2)),
            zorder=6,
        )


def _draw_assets(ax, book, sheet, rows, extent, metres_per_mm) -> None:
    from geoasset.maps import UNDERGROUND_KINDS

    xmin, xmax, ymin, ymax = extent
    colours = book.owner_colours
    for layer, frame in book.assets.items():
        view = frame.cx[xmin:xmax, ymin:ymax]
        mine = rows[rows["layer"] == layer]
        on_sheet = view["asset_id"].isin(set(mine["asset_id"])).to_numpy()
        owner = (
            view["owner"].astype("object").fillna("").astype("str")
            if "owner" in view.columns
            else pd.Series("", index=view.index)
        )
        own = owner.map(lambda o: colours.get(o, colours[""])).to_numpy()
        colour = np.where(on_sheet, STRUCTURE_COLOURS.get(layer, own), OFF_SHEET)
        if layer == "utility_lines":
            kind = (
                view["kind"].astype("str")
                if "kind" in view.columns
                else pd.Series("", index=view.index)
            )
            buried = kind.isin(UNDERGROUND_KINDS).to_numpy()
            for dashed in (False, True):
                pick = buried == dashed
                for c in np.unique(colour[pick]):
                    _add_lines(
                        ax,
                        view.geometry.to_numpy()[pick & (colour == c)],
                        colors=c,
                        linewidths=1.1 if c != OFF_SHEET else 0.7,
                        linestyles=(0, (3, 1.5)) if dashed else "solid",
                        zorder=4,
                    )
            continue
        xy = shapely.get_coordinates(shapely.point_on_surface(view.geometry.to_numpy()))
        marker = MARKERS[layer]
        size = {"poles": 10, "bridges": 28, "monuments": 28}[layer]
        if len(xy):
            ax.scatter(
                xy[~on_sheet, 0],
                xy[~on_sheet, 1],
                s=size * 0.6,
                c=OFF_SHEET,
                marker=marker,
                linewidths=0,
                zorder=6,
            )
            ax.scatter(
                xy[on_sheet, 0],
                xy[on_sheet, 1],
                s=size,
                c=colour[on_sheet],
                marker=marker,
                edgecolors=INK,
                linewidths=0.3,
                zorder=7,
            )
    _label_rows(ax, book, rows, metres_per_mm, extent)


def _label_rows(ax, book, rows, metres_per_mm, extent) -> None:
    """Every asset of the sheet gets its id: a point asset beside it, away from the road
    (across the road's direction); a line along itself, the k-th of n at (k+1)/(n+1) of
    its visible length so parallel lines do not stack their labels."""
    xmin, xmax, ymin, ymax = extent
    if rows.empty:
        return
    geometries = shapely.clip_by_rect(rows["geometry"].to_numpy(), xmin, ymin, xmax, ymax)
    is_line = (rows["sta_from_m"] != rows["sta_to_m"]).to_numpy() | (
        shapely.get_type_id(geometries) == 1
    )
    points = shapely.point_on_surface(geometries[~is_line])
    shown = ~shapely.is_empty(points)
    angles = _label_angles(book, points[shown])
    xy = shapely.get_coordinates(points[shown])
    ids = rows["asset_id"].to_numpy()[~is_line][shown]
    for (x, y), angle, text in zip(xy, angles, ids, strict=True):
        _label(ax, x, y, angle, text, metres_per_mm)
    lines, ids = geometries[is_line], rows["asset_id"].to_numpy()[is_line]
    keep = ~shapely.is_empty(lines)
    lines, ids = lines[keep], ids[keep]
    for k, (line, text) in enumerate(zip(lines, ids, strict=True)):
        line = shapely.line_merge(line) if line.geom_type == "MultiLineString" else line
        point, direction = point_and_direction(line, line.length * (k + 1) / (len(lines) + 1))
        ax.text(
            point.x - math.sin(direction) * 0.5 * metres_per_mm,
            point.y + math.cos(direction) * 0.5 * metres_per_mm,
            clean(text),
            rotation=upright(math.degrees(direction)),
            rotation_mode="anchor",
            ha="center",
            va="bottom",
            fontsize=4.2,
            fontstyle="italic",
            color=INK,
            parse_math=False,
            clip_on=True,
            zorder=8,
        )


def _draw_grid(ax, extent, metres_per_mm) -> None:
    """Grid lines every round number of metres, labelled with their coordinates outside
    the frame on all four sides (drawn directly: cheaper than matplotlib's tick machinery)."""
    xmin, xmax, ymin, ymax = extent
    step = grid_step(xmax - xmin)
    xs = np.arange(math.ceil(xmin / step) * step, xmax, step)
    ys = np.arange(math.ceil(ymin / step) * step, ymax, step)
    lines = [[(x, ymin), (x, ymax)] for x in xs] + [[(xmin, y), (xmax, y)] for y in ys]
    ax.add_collection(LineCollection(lines, colors="#7f7f7f", linewidths=0.25, zorder=2.5))
    gap = 1.2 * metres_per_mm
    style = {"fontsize": 5.5, "clip_on": False, "color": INK}
    for x in xs:
        ax.text(x, ymin - gap, f"{x:.0f}", ha="center", va="top", **style)
        ax.text(x, ymax + gap, f"{x:.0f}", ha="center", va="bottom", **style)
    for y in ys:
        ax.text(xmin - gap, y, f"{y:.0f}", ha="right", va="center", rotation=90, **style)
        ax.text(xmax + gap, y, f"{y:.0f}", ha="left", va="center", rotation=90, **style)
    ax.set_xticks([])
    ax.set_yticks([])


def _draw_scale_bar(ax, book, sheet, extent, metres_per_mm) -> None:
    xmin, xmax, ymin, ymax = extent
    length = grid_step(xmax - xmin, lines=4)
    x0, y0 = xmin + 6 * metres_per_mm, ymin + 7 * metres_per_mm
    height = 1.4 * metres_per_mm
    ax.add_patch(
        Rectangle(
            (x0 - 3 * metres_per_mm, y0 - 5 * metres_per_mm),
            length + 12 * metres_per_mm,
            12 * metres_per_mm,
            facecolor="white",
            edgecolor=INK,
            linewidth=0.4,
            zorder=9,
        )
    )
    for k in range(4):
        ax.add_patch(
            Rectangle(
                (x0 + k * length / 4, y0),
                length / 4,
                height,
                facecolor=INK if k % 2 == 0 else "white",
                edgecolor=INK,
                linewidth=0.4,
                zorder=10,
            )
        )
    for k in (0, 2, 4):
        text = book.number(k * length / 4) + (" m" if k == 4 else "")
        ax.text(
            x0 + k * length / 4,
            y0 - 0.8 * metres_per_mm,
            text,
            ha="center",
            va="top",
            fontsize=5,
            zorder=10,
        )
    ax.text(
        x0,
        y0 + height + 1.0 * metres_per_mm,
        f"1:{book.number(sheet.scale)}",
        ha="left",
        va="bottom",
        fontsize=6,
        fontweight="bold",
        zorder=10,
    )


def _draw_north_arrow(ax, book) -> None:
    ax.annotate(
        "",
        xy=(0.965, 0.955),
        xytext=(0.965, 0.885),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.8", "lw": 1.4, "color": INK},
        zorder=10,
    )
    ax.text(
        0.965,
        0.96,
        t("mapbook_north", book.lang),
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=9,
        fontweight="bold",
        zorder=10,
    )
    ax.text(
        0.965,
        0.875,
        t("mapbook_grid_north", book.lang),
        transform=ax.transAxes,
        ha="center",
        va="top",
        fontsize=4.5,
        zorder=10,
    )


def _draw_legend(ax, book, rows) -> None:
    lang = book.lang
    handles = [
        Patch(facecolor=CORRIDOR_FILL, edgecolor=CORRIDOR_EDGE, label=t("mapbook_corridor", lang)),
        Line2D([], [], color=CENTRELINE_COLOUR, lw=1.4, label=t("mapbook_centreline", lang)),
        Line2D(
            [], [], color=STRETCH_COLOUR, lw=0.9, ls=(0, (4, 2)), label=t("mapbook_match", lang)
        ),
        Line2D([], [], color=OFF_SHEET, marker="o", lw=0, label=t("mapbook_other_sheet", lang)),
    ]
    owners = [o for o in dict.fromkeys(rows["owner"]) if o][:8]
    for owner in owners:
        colour = book.owner_colours.get(owner, book.owner_colours[""])
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                marker="o",
                lw=0,
                markeredgecolor=INK,
                markeredgewidth=0.3,
                label=clean(owner)[:28],
            )
        )
    for layer, key in (("bridges", "map_bridge"), ("monuments", "map_monument")):
        if (rows["layer"] == layer).any():
            handles.append(
                Line2D(
                    [],
                    [],
                    color=STRUCTURE_COLOURS[layer],
                    marker=MARKERS[layer],
                    lw=0,
                    markeredgecolor=INK,
                    markeredgewidth=0.3,
                    label=t(key, lang),
                )
            )
    legend = ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=5,
        framealpha=0.92,
        edgecolor=INK,
        borderpad=0.6,
        title=t("map_legend", lang),
        title_fontsize=5.5,
    )
    legend.set_zorder(11)
    for text in legend.get_texts():
        text.set_parse_math(False)


def _draw_map(figure, book, sheet, rows) -> None:
    layout = book.layout
    ax = figure.add_axes(layout.fraction(layout.map))
    extent = sheet.extent(layout.frame_mm)
    xmin, xmax, ymin, ymax = extent
    metres_per_mm = sheet.scale / 1000
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.autoscale(False)
    _add_polygons(
        ax,
        shapely.clip_by_rect(book.corridor, xmin, ymin, xmax, ymax),
        facecolor=CORRIDOR_FILL,
        edgecolor=CORRIDOR_EDGE,
        linewidth=0.5,
        zorder=1,
    )
    roads = book.roads.cx[xmin:xmax, ymin:ymax].to_numpy()
    _add_lines(ax, roads, colors=ROAD_COLOUR, linewidths=0.8, zorder=2)
    _add_lines(ax, [book.centreline], colors=CENTRELINE_COLOUR, linewidths=0.6, zorder=3)
    _add_lines(ax, [sheet.stretch], colors=CENTRELINE_COLOUR, linewidths=1.4, zorder=3)
    _draw_sta_ticks(ax, book, sheet, extent, metres_per_mm)
    _draw_assets(ax, book, sheet, rows, extent, metres_per_mm)
    _draw_grid(ax, extent, metres_per_mm)
    _draw_scale_bar(ax, book, sheet, extent, metres_per_mm)
    _draw_north_arrow(ax, book)
    _draw_legend(ax, book, rows)


# -- the panel -----------------------------------------------------------------------
def _paper_axes(figure, book):
    """Axes over the whole page in millimetres, for the panel's frames and text."""
    width, height = book.layout.size_mm
    ax = figure.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return ax


def _panel(paper, rect):
    """Frame ``rect`` on the paper axes; the transform of millimetres inside it."""
    x, y, width, height = rect
    paper.add_patch(Rectangle((x, y), width, height, fill=False, edgecolor=INK, linewidth=0.6))
    return Affine2D().translate(x, y) + paper.transData


def _draw_title_block(paper, book, sheet) -> None:
    lang, rect = book.lang, book.layout.title
    write = partial(paper.text, transform=_panel(paper, rect))
    count = len(book.sheets)
    lines = [
        (clean(book.office), 6.5, "bold"),
        (
            f"{t('mapbook_title', lang)} · {t('corridor', lang)} {clean(book.corridor_id)}",
            11,
            "bold",
        ),
        (f"{t('road', lang)}: {clean(book.road_id)} {clean(book.road_name)}"[:70], 7, "normal"),
        (format_sta_range(sheet.sta_from_m, sheet.sta_to_m), 13, "bold"),
        (f"{t('mapbook_sheet', lang)} {sheet.number} / {count}", 8, "normal"),
        (
            f"{t('mapbook_scale', lang)} 1:{book.number(sheet.scale)} ({book.layout.paper}) · "
            f"{t('mapbook_stretch', lang)} {book.number(sheet.sta_to_m - sheet.sta_from_m)} m",
            7,
            "normal",
        ),
        (f"{t('mapbook_grid', lang)}: {book.crs_label}, m", 6.5, "normal"),
        (f"{t('mapbook_date', lang)}: {book.issued_on.isoformat()}", 6.5, "normal"),
    ]
    if sheet.scale != book.scale:
        lines.append(
            (t("mapbook_scale_changed", lang).format(scale=book.number(book.scale)), 5.5, "normal")
        )
    y = rect[3] - 4.0
    for text, size, weight in lines:
        if not text:
            continue
        write(3.0, y, text, fontsize=size, fontweight=weight, va="top", ha="left", parse_math=False)
        y -= size / PT_PER_MM * 1.45


def _draw_key_map(figure, book, sheet) -> None:
    ax = figure.add_axes(book.layout.fraction(book.layout.key))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    xmin, ymin, xmax, ymax = book.span.bounds
    pad = max(xmax - xmin, ymax - ymin) * 0.08 + 50
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    width_mm, height_mm = book.layout.key[2], book.layout.key[3]
    metres_per_mm = max((xmax - xmin) / width_mm, (ymax - ymin) / height_mm)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    ax.set_xlim(cx - width_mm * metres_per_mm / 2, cx + width_mm * metres_per_mm / 2)
    ax.set_ylim(cy - height_mm * metres_per_mm / 2, cy + height_mm * metres_per_mm / 2)
    ax.autoscale(False)
    roads = book.roads.cx[xmin:xmax, ymin:ymax].to_numpy()
    _add_lines(ax, roads, colors="#c8c8c8", linewidths=0.5)
    _add_lines(ax, [book.centreline], colors=CENTRELINE_COLOUR, linewidths=0.9)
    _add_lines(ax, [sheet.stretch], colors=STRETCH_COLOUR, linewidths=3.0, zorder=4)
    fx0, fx1, fy0, fy1 = sheet.extent(book.layout.frame_mm)
    ax.add_patch(
        Rectangle(
            (fx0, fy0),
            fx1 - fx0,
            fy1 - fy0,
            fill=False,
            edgecolor=STRETCH_COLOUR,
            linewidth=0.6,
            zorder=5,
        )
    )
    if len(book.sheets) <= 40:  # sheet numbers beside the road, left of each stretch
        for other in book.sheets:
            if other.stretch.is_empty:
                continue
            point, direction = point_and_direction(other.stretch, other.stretch.length / 2)
            gap = 2.2 * metres_per_mm
            ax.text(
                point.x - math.sin(direction) * gap,
                point.y + math.cos(direction) * gap,
                str(other.number),
                fontsize=5,
                ha="center",
                va="center",
                color=STRETCH_COLOUR if other.number == sheet.number else INK,
                fontweight="bold" if other.number == sheet.number else None,
                zorder=6,
                clip_on=True,
            )
    ax.text(
        0.02,
        0.97,
        t("mapbook_key_map", book.lang),
        transform=ax.transAxes,
        fontsize=7,
        fontweight="bold",
        va="top",
    )


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _table_lines(book, rows) -> tuple[str, list[str]]:
    lang = book.lang
    sta = [
        s.removeprefix("STA ").replace(" – ", "–") if s else format_sta(a).removeprefix("STA ")
        for s, a in zip(rows["sta"], rows["sta_from_m"], strict=True)
    ]
    offset = [
        book.number(v, 1) if np.isfinite(v) else "" for v in rows["offset_m"].astype("float64")
    ]
    columns = [
        (t("mapbook_id", lang), [clean(v) for v in rows["asset_id"]], None, False),
        (t("kind", lang), [clean(v) for v in rows["kind"]], 14, False),
        (t("owner", lang), [clean(v) for v in rows["owner"]], 16, False),
        (t("sta", lang), sta, None, False),
        (t("mapbook_offset", lang), offset, None, True),
        (t("side", lang), [book.side(v) for v in rows["side"]], 6, False),
    ]
    widths = []
    for header, values, cap, _ in columns:
        width = max([len(header), *map(len, values)])
        widths.append(min(width, cap) if cap else width)

    def line(cells):
        return " ".join(
            _cell(c, w).rjust(w) if right else _cell(c, w).ljust(w)
            for c, w, (_, _, _, right) in zip(cells, widths, columns, strict=True)
        )

    header = line([c[0] for c in columns])
    body = [line(cells) for cells in zip(*(c[1] for c in columns), strict=True)]
    return header, body


def _draw_table(paper, book, rows) -> None:
    lang, rect = book.lang, book.layout.table
    write = partial(paper.text, transform=_panel(paper, rect))
    width, height = rect[2] - 5.0, rect[3] - 11.0
    write(
        2.5,
        rect[3] - 2.5,
        f"{t('mapbook_assets', lang)} ({len(rows)})",
        fontsize=7,
        fontweight="bold",
        va="top",
    )
    if rows.empty:
        write(2.5, rect[3] - 8.0, t("mapbook_no_assets", lang), fontsize=6, va="top")
        return
    header, body = _table_lines(book, rows)
    chars = max(len(header), *map(len, body))
    for columns in (1, 2, 3):
        per_column = math.ceil(len(body) / columns)
        by_height = height / ((per_column + 1) * 1.22) * PT_PER_MM
        by_width = (width - 3.0 * (columns - 1)) / columns / (chars * 0.62) * PT_PER_MM
        size = min(6.5, by_height, by_width)
        if size >= 4.0 or columns == 3:
            break
    size = max(size, 3.0)
    step = size * 1.22 / PT_PER_MM
    fits = max(int(height // step) - 1, 1)
    column_width = chars * 0.62 * size / PT_PER_MM + 3.0
    shown = body[: fits * columns]
    for k in range(columns):
        chunk = shown[k * fits : (k + 1) * fits]
        if not chunk:
            break
        x, top = 2.5 + k * column_width, rect[3] - 8.0
        write(
            x,
            top,
            header,
            family=MONO,
            fontsize=size,
            fontweight="bold",
            va="top",
            parse_math=False,
        )
        write(
            x,
            top - step,
            "\n".join(chunk),
            family=MONO,
            fontsize=size,
            va="top",
            linespacing=1.22,
            parse_math=False,
        )
    if len(shown) < len(body):
        more = t("mapbook_more", lang).format(n=len(body) - len(shown))
        write(2.5, 1.5, more, fontsize=5.5, va="bottom", fontstyle="italic")


def draw_sheet(figure, book, sheet, rows) -> None:
    """Draw page ``sheet`` of ``book`` on ``figure`` (sized to the paper)."""
    paper = _paper_axes(figure, book)
    _draw_map(figure, book, sheet, rows)
    _draw_title_block(paper, book, sheet)
    _draw_key_map(figure, book, sheet)
    _draw_table(paper, book, rows)
