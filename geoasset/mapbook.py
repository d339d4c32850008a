"""Printed map sheets along a corridor: one landscape PDF page per stretch of road.

Each page shows ``stretch_m`` metres of the corridor's road (e.g. 500 m at 1:2,500 on
A3): the Rumija polygon, the centreline with STA ticks every 100 m, the poles, utility
lines, bridges and monuments with their ids, a coordinate grid in the metric CRS, a
scale bar and a north arrow (grid north); beside the map a title block (office,
corridor, road, STA range, sheet, scale, date), a key map with the page's stretch in
red, and a table of the assets on the page (id, kind, owner, STA, offset, side).

An asset is on the page whose STA range holds the chainage that ``geoasset chainage``
stored on it (``sta_m``; for a utility line the range ``sta_from_m`` – ``sta_to_m``
overlapping the page); nothing is re-measured here. Assets of the page are drawn in
their owner's colour and labelled; others in view are drawn grey, without a label.

Rendering is matplotlib's PDF backend, offline, no tiles. The PDF is written to a
temporary file next to the target and moved into place when complete, so a failure
never leaves a partial file.

Example (``tests/test_mapbook.py`` runs it on the Kupang pilot)::

    from geoasset.store import open_inventory
    mapbook_for_inventory(open_inventory("out/inventory.gpkg"), "kpg-101.pdf",
                          corridor_id="KPG-101", lang="id")
    # Mapbook(path=PosixPath('kpg-101.pdf'), pages=4, scales=(2500,))
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from babel.numbers import format_decimal
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from geoasset.chainage import centrelines
from geoasset.crs import metric_crs, parse_crs
from geoasset.errors import GeoassetError
from geoasset.i18n import LANGUAGES, TERMS, t
from geoasset.mapbook_draw import draw_sheet
from geoasset.mapbook_layout import PAPERS, Layout, Sheet, cut_line, page_layout, plan_sheets
from geoasset.money import LOCALES

__all__ = [
    "ASSET_LAYERS",
    "Book",
    "Mapbook",
    "asset_table",
    "check_target",
    "mapbook_for_inventory",
    "prepare_book",
    "render_book",
    "sheet_rows",
    "write_mapbook",
]

log = logging.getLogger(__name__)

#: Asset layers drawn and listed, with their id column.
ASSET_LAYERS = {
    "poles": "pole_id",
    "utility_lines": "line_id",
    "bridges": "bridge_id",
    "monuments": "monument_id",
}


@dataclass(frozen=True)
class Mapbook:
    """A written map book: its file, page count and the scales its pages use."""

    path: Path
    pages: int
    scales: tuple[int, ...]


@dataclass
class Book:
    """Everything one map book draws, in the metric CRS (built by :func:`prepare_book`)."""

    corridor_id: str
    road_id: str
    road_name: str
    crs_label: str
    centreline: object  # LineString | MultiLineString
    sta_start_m: float  # chainage at the centreline's first vertex
    span: object  # the piece of centreline the corridor covers (all of it, or a chainage piece)
    corridor: object  # polygonal geometry
    roads: gpd.GeoSeries  # every road centreline, for context
    assets: dict[str, gpd.GeoDataFrame]  # layer -> assets, with "asset_id"
    table: pd.DataFrame  # the corridor's assets with a stored chainage (asset_table)
    owner_colours: dict[str, str]
    layout: Layout
    sheets: list[Sheet]
    scale: int  # the scale asked for; a sheet may use a larger one to fit
    lang: str
    office: str
    issued_on: date

    def number(self, value: float, decimals: int = 0) -> str:
        """``value`` grouped and with the decimal mark of the book's language."""
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=LOCALES[self.lang])

    def side(self, value) -> str:
        if value in ("left", "right"):
            return t(value, self.lang)
        return t("mapbook_on", self.lang) if value == "on" else ""


# -- checks --------------------------------------------------------------------------
def check_target(path: str | os.PathLike, *, overwrite: bool) -> Path:
    """Refuse a target whose folder is missing, that is a folder, or that exists
    (unless ``overwrite``); before anything is read or drawn."""
    path = Path(path)
    if not path.parent.is_dir():
        raise GeoassetError(f"{path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise GeoassetError(f"{path} is a folder; give the name of the PDF to write")
    if path.exists() and not overwrite:
        raise GeoassetError(f"{path} already exists; use overwrite to replace it")
    return path


def _corridor_rows(corridors: gpd.GeoDataFrame, corridor_id: str, source: str) -> gpd.GeoDataFrame:
    if corridors is None or corridors.empty:
        raise GeoassetError(
            f"{source}: no corridors; build them first (geoasset corridors INVENTORY)"
        )
    rows = corridors[corridors["corridor_id"].astype("str") == str(corridor_id)]
    if rows.empty:
        known = sorted(corridors["corridor_id"].dropna().astype("str").unique())
        more = f" and {len(known) - 8} more" if len(known) > 8 else ""
        raise GeoassetError(
            f"corridor {corridor_id!r} not found in {source}; known: {', '.join(known[:8])}{more}"
        )
    return rows


def _corridor_range(rows: pd.DataFrame, road_start: float, road_end: float) -> tuple[float, float]:
    """The chainage range of a corridor: its stored ``sta_from_m`` – ``sta_to_m`` (a
    corridor cut in chainage pieces covers part of its road), else the whole road."""
    if {"sta_from_m", "sta_to_m"} <= set(rows.columns):
        low = pd.to_numeric(rows["sta_from_m"], errors="coerce").min()
        high = pd.to_numeric(rows["sta_to_m"], errors="coerce").max()
        if np.isfinite(low) and np.isfinite(high) and high > low:
            return max(float(low), road_start), min(float(high), road_end)
    return road_start, road_end


def _check_chainage(assets: Mapping[str, gpd.GeoDataFrame], source: str) -> None:
    """Refuse asset layers with rows but no stored chainage at all."""
    missing = []
    for layer, frame in assets.items():
        column = "sta_from_m" if layer == "utility_lines" else "sta_m"
        if len(frame) and (column not in frame.columns or frame[column].isna().all()):
            missing.append(layer)
    if missing:
        raise GeoassetError(
            f"{source}: no chainage stored on {', '.join(missing)}; "
            "run geoasset chainage INVENTORY first"
        )


# -- data ----------------------------------------------------------------------------
def _text(frame: pd.DataFrame, column: str, default: str = "") -> pd.Series:
    if column not in frame.columns:
        return pd.Series(default, index=frame.index, dtype="object")
    return frame[column].astype("object").where(frame[column].notna(), default).astype("str")


def asset_table(
    assets: Mapping[str, gpd.GeoDataFrame], road_id: str, *, lang: str = "en"
) -> pd.DataFrame:
    """The assets stored on road ``road_id`` with a chainage, ordered by STA.

    Columns: ``layer``, ``asset_id``, ``kind``, ``owner``, ``sta_from_m``, ``sta_to_m``
    (equal for point assets), ``sta`` (as stored), ``offset_m``, ``side``.

    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> poles = gpd.GeoDataFrame({"pole_id": ["P2", "P1"], "owner": ["PLN", "Telkom"],
    ...     "kind": ["electric", "telecom"], "road_id": ["R1", "R1"], "sta_m": [80.0, 20.0],
    ...     "sta": ["STA 0+080", "STA 0+020"], "offset_m": [6.0, 7.5],
    ...     "side": ["left", "right"]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    >>> asset_table({"poles": poles}, "R1")[["asset_id", "sta", "side"]].values.tolist()
    [['P1', 'STA 0+020', 'right'], ['P2', 'STA 0+080', 'left']]
    """
    kinds = {"bridges": t("map_bridge", lang), "monuments": t("map_monument", lang)}
    parts = []
    for layer, frame in assets.items():
        if "road_id" not in frame.columns or not len(frame):
            continue
        if layer == "utility_lines":
            start, end = frame.get("sta_from_m"), frame.get("sta_to_m")
        else:
            start = end = frame.get("sta_m")
        if start is None or end is None:
            continue
        low = np.fmin(start.to_numpy("float64"), end.to_numpy("float64"))
        high = np.fmax(start.to_numpy("float64"), end.to_numpy("float64"))
        keep = (frame["road_id"].astype("object") == road_id).to_numpy() & np.isfinite(low)
        rows = frame[keep]
        kind = _text(rows, "kind", kinds.get(layer, ""))
        if layer in kinds and "kind" not in rows.columns:
            kind = pd.Series(kinds[layer], index=rows.index)
        parts.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "asset_id": _text(rows, ASSET_LAYERS[layer]),
                    "kind": kind,
                    "owner": _text(rows, "owner"),
                    "sta_from_m": low[keep],
                    "sta_to_m": high[keep],
                    "sta": _text(rows, "sta"),
                    "offset_m": rows["offset_m"].to_numpy("float64")
                    if "offset_m" in rows.columns
                    else np.nan,
                    "side": _text(rows, "side"),
                    "geometry": rows.geometry.to_numpy(),
                },
                index=rows.index,
            )
        )
    columns = ["layer", "asset_id", "kind", "owner", "sta_from_m", "sta_to_m", "sta"]
    if not parts:
        return pd.DataFrame(columns=[*columns, "offset_m", "side", "geometry"])
    table = pd.concat(parts, ignore_index=True)
    return table.sort_values(["sta_from_m", "asset_id"], kind="stable", ignore_index=True)


def sheet_rows(table: pd.DataFrame, sheet: Sheet, *, last: bool) -> pd.DataFrame:
    """The rows of :func:`asset_table` on ``sheet``: a point asset whose chainage is in
    the sheet's range (:meth:`Sheet.holds`), a line whose range overlaps it."""
    point = table["sta_from_m"] == table["sta_to_m"]
    inside = sheet.holds(table["sta_from_m"], last=last)
    overlaps = (table["sta_from_m"] <= sheet.sta_to_m) & (table["sta_to_m"] >= sheet.sta_from_m)
    return table[(point & inside) | (~point & overlaps)]


def _owner_colours(assets: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Owner colours as the HTML map gives them: the owners with most poles and utility
    lines in the whole inventory get its palette in order, the rest grey."""
    from geoasset.maps import OTHER_COLOR, OWNER_COLORS

    counts: dict[str, int] = {}
    for layer in ("poles", "utility_lines"):
        frame = assets.get(layer)
        if frame is not None and "owner" in frame.columns:
            for owner, n in frame["owner"].dropna().astype("str").value_counts().items():
                counts[owner] = counts.get(owner, 0) + int(n)
    ranked = sorted(counts, key=lambda owner: (-counts[owner], owner))
    colours = {owner: OWNER_COLORS[k] for k, owner in enumerate(ranked[: len(OWNER_COLORS)])}
    colours[""] = OTHER_COLOR
    return colours


def prepare_book(
    *,
    corridor_id: str,
    corridors: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    assets: Mapping[str, gpd.GeoDataFrame],
    paper: str = "A3",
    stretch_m: float = 500.0,
    scale: int = 2500,
    lang: str = "en",
    office: str = "",
    issued_on: date | None = None,
    source: str = "the inventory",
) -> Book:
    """Check the inputs and put everything in the metric CRS; cut the sheets."""
    if paper not in PAPERS:
        raise GeoassetError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    if not (math.isfinite(stretch_m) and stretch_m > 0):
        raise GeoassetError(f"stretch must be a positive number of metres, not {stretch_m!r}")
    if not (isinstance(scale, int) and scale > 0):
        raise GeoassetError(f"scale must be a positive whole number, not {scale!r}")
    rows = _corridor_rows(corridors, corridor_id, source)
    _check_chainage(assets, source)
    road_ids = rows["road_id"].dropna().astype("str").unique()
    if len(road_ids) != 1:
        raise GeoassetError(f"corridor {corridor_id!r} has {len(road_ids)} roads; expected one")
    road_id = road_ids[0]
    road_rows = roads[roads["road_id"].astype("str") == road_id]
    if road_rows.empty:
        raise GeoassetError(f"road {road_id!r} of corridor {corridor_id!r} not in {source}")
    stored = rows["metric_crs"].dropna() if "metric_crs" in rows.columns else pd.Series([])
    crs = parse_crs(stored.iloc[0]) if len(stored) else metric_crs(road_rows)
    lines = centrelines(road_rows, crs=crs)
    if not len(lines):
        raise GeoassetError(f"road {road_id!r}: {lines.skipped.get(road_id, 'no centreline')}")
    layout = page_layout(paper)
    centreline, road_start = lines.geometry[0], float(lines.sta_start[0])
    sta_from, sta_to = _corridor_range(rows, road_start, road_start + centreline.length)
    span = cut_line(centreline, sta_from - road_start, sta_to - road_start)
    unlocated = {
        layer: int(frame["road_id"].isna().sum())
        for layer, frame in assets.items()
        if "road_id" in frame.columns and frame["road_id"].isna().any()
    }
    if unlocated:
        log.info("not on any road, drawn but never listed: %s", unlocated)
    metric_assets = {}
    for layer, frame in assets.items():
        moved = frame.to_crs(crs) if len(frame) else frame.set_crs(crs, allow_override=True)
        moved = moved.assign(asset_id=_text(moved, ASSET_LAYERS[layer]))
        metric_assets[layer] = moved[~moved.geometry.is_empty & moved.geometry.notna()]
    table = asset_table(metric_assets, road_id, lang=lang)
    road_name = str(road_rows["name"].iloc[0]) if "name" in road_rows.columns else ""
    return Book(
        corridor_id=str(corridor_id),
        road_id=road_id,
        road_name="" if road_name == "nan" else road_name,
        crs_label=lines.crs_label,
        centreline=centreline,
        sta_start_m=road_start,
        corridor=shapely.union_all(rows.to_crs(crs).geometry.to_numpy()),
        roads=roads.geometry.to_crs(crs),
        assets=metric_assets,
        table=table,
        owner_colours=_owner_colours(assets),
        layout=layout,
        span=span,
        sheets=plan_sheets(
            span,
            sta_start_m=sta_from,
            stretch_m=stretch_m,
            scale=scale,
            frame_mm=layout.frame_mm,
        ),
        scale=scale,
        lang=lang,
        office=office,
        issued_on=issued_on or date.today(),
    )


# -- writing -------------------------------------------------------------------------
def render_book(book: Book, path: Path) -> None:
    """Draw every sheet of ``book`` into the PDF ``path`` (overwritten)."""
    width, height = book.layout.size_mm
    metadata = {
        "Title": f"{t('mapbook_title', book.lang)} {book.corridor_id}",
        "Subject": f"{book.road_id} {book.road_name}",
        "Creator": "geoasset",
    }
    with (
        _quiet_font_lookup(),
        matplotlib.rc_context(_fonts(book)),
        PdfPages(path, metadata=metadata) as pdf,
    ):
        for k, sheet in enumerate(book.sheets):
            figure = Figure(figsize=(width / 25.4, height / 25.4))
            rows = sheet_rows(book.table, sheet, last=k == len(book.sheets) - 1)
            draw_sheet(figure, book, sheet, rows)
            pdf.savefig(figure)


#: The PDF core fonts: nothing embedded, about twice as fast to draw as DejaVu.
_CORE_FONTS = {
    "pdf.use14corefonts": True,
    "font.weight": "medium",  # the weight the core fonts' metrics name
    "font.family": "sans-serif",
    "font.sans-serif": ["Helvetica"],
    "font.monospace": ["Courier"],
}
_EMBEDDED_FONTS = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.monospace": ["DejaVu Sans Mono"],
}


@contextlib.contextmanager
def _quiet_font_lookup() -> Iterator[None]:
    """Hide matplotlib's notes that a core font has one weight only (it is used as is)."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _fonts(book: Book) -> dict:
    """The PDF core fonts when every text of the book is in Windows-1252 (what they can
    show), else DejaVu (shipped with matplotlib, embedded), so any name prints as written."""
    texts = [book.office, book.road_name, book.road_id, book.corridor_id, book.crs_label]
    texts += [pair[LANGUAGES.index(book.lang)] for key, pair in TERMS.items()]
    for column in ("asset_id", "kind", "owner", "sta", "side"):
        texts += book.table[column].astype("str").tolist()
    try:
        "\n".join(texts).encode("cp1252")
    except UnicodeEncodeError:
        return _EMBEDDED_FONTS
    return _CORE_FONTS


def write_mapbook(path: str | os.PathLike, *, overwrite: bool = False, **options) -> Mapbook:
    """Write the map book of one corridor to ``path``, whole or not at all.

    Parameters
    ----------
    path
        The PDF to write; its folder must exist.
    overwrite
        Replace an existing file (else it is refused before anything is drawn).
    **options
        Passed to :func:`prepare_book`: ``corridor_id``, ``corridors``, ``roads``,
        ``assets`` (layer -> frame, chainage stored), ``paper`` ("A3"/"A4"),
        ``stretch_m``, ``scale``, ``lang`` ("en"/"id"), ``office``, ``issued_on``.

    Returns
    -------
    Mapbook
        The file, its page count and the scales used.
    """
    target = check_target(path, overwrite=overwrite)
    book = prepare_book(**options)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".pdf.tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        render_book(book, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    scales = tuple(sorted({sheet.scale for sheet in book.sheets}))
    return Mapbook(path=target, pages=len(book.sheets), scales=scales)


def mapbook_for_inventory(
    inventory, path: str | os.PathLike, *, corridor_id: str, overwrite: bool = False, **options
) -> Mapbook:
    """Read the corridor, roads and assets of an :class:`~geoasset.store.Inventory` and
    write the map book (:func:`write_mapbook`; ``options`` as there)."""
    check_target(path, overwrite=overwrite)
    source = str(inventory.path)
    corridors = inventory.read("corridors") if inventory.has_layer("corridors") else None
    _corridor_rows(corridors, corridor_id, source)
    roads = inventory.read("roads")
    assets = {layer: inventory.read(layer) for layer in ASSET_LAYERS if inventory.has_layer(layer)}
    return write_mapbook(
        path,
        overwrite=overwrite,
        corridor_id=corridor_id,
        corridors=corridors,
        roads=roads,
        assets=assets,
        source=source,
        **options,
    )
