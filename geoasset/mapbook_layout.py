"""Where things go on a map-book page, and which stretch of road each page shows.

Pure geometry and arithmetic, no drawing: the paper and its panels in millimetres
(:func:`page_layout`), the stretches of a centreline cut every ``stretch_m`` metres of
chainage (:func:`plan_sheets`), the map scale that fits a stretch in the map frame
(:func:`fitting_scale`), and grid and tick spacing.

Examples
--------
>>> from shapely import LineString
>>> sheets = plan_sheets(LineString([(0, 0), (1200, 0)]), sta_start_m=0, stretch_m=500,
...                      scale=2500, frame_mm=(270, 260))
>>> [(s.sta_from_m, s.sta_to_m) for s in sheets]
[(0.0, 500.0), (500.0, 1000.0), (1000.0, 1200.0)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely import LineString, MultiLineString, Point

__all__ = [
    "PAPERS",
    "SCALES",
    "Layout",
    "Sheet",
    "cut_line",
    "fitting_scale",
    "grid_step",
    "page_layout",
    "plan_sheets",
    "point_and_direction",
]

#: Landscape paper sizes, (width, height) in millimetres.
PAPERS = {"A3": (420.0, 297.0), "A4": (297.0, 210.0)}

#: Map scales (the denominator) a sheet may use; a stretch too big for the requested
#: scale moves to the next one that fits.
SCALES = (500, 1000, 1250, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000, 100_000)

#: Room kept around the stretch inside the map frame (millimetres on paper), for labels.
FRAME_MARGIN_MM = 12.0

#: A last stretch shorter than this (metres) gets no sheet of its own.
SLIVER_M = 1e-3

Rect = tuple[float, float, float, float]  # x, y, width, height in mm from bottom-left


@dataclass(frozen=True)
class Layout:
    """The rectangles of one page, in millimetres from the bottom-left corner."""

    paper: str
    size_mm: tuple[float, float]
    map: Rect
    title: Rect
    key: Rect
    table: Rect

    def fraction(self, rect: Rect) -> list[float]:
        """``rect`` as figure fractions (what ``Figure.add_axes`` takes)."""
        width, height = self.size_mm
        x, y, w, h = rect
        return [x / width, y / height, w / width, h / height]

    @property
    def frame_mm(self) -> tuple[float, float]:
        return self.map[2], self.map[3]


def page_layout(paper: str) -> Layout:
    """Map frame on the left, title block, key map and asset table on the right.

    >>> page_layout("A3").map
    (20.0, 16.0, 266.0, 265.0)
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    width, height = PAPERS[paper]
    border = 10.0 if paper == "A3" else 8.0
    panel = 118.0 if paper == "A3" else 92.0
    grid_labels = 10.0 if paper == "A3" else 8.0  # room for the grid's coordinates
    map_w = width - panel - 2 * border - grid_labels - 6.0
    map_h = height - 2 * border - grid_labels + 4.0
    panel_x = width - border - panel
    title_h = 62.0 if paper == "A3" else 50.0
    key_h = 72.0 if paper == "A3" else 48.0
    top = height - border
    return Layout(
        paper=paper,
        size_mm=(width, height),
        map=(border + grid_labels, border + 6.0, map_w, map_h - 6.0),
        title=(panel_x, top - title_h, panel, title_h),
        key=(panel_x, top - title_h - 3.0 - key_h, panel, key_h),
        table=(panel_x, border, panel, top - title_h - key_h - 6.0 - border),
    )


@dataclass(frozen=True)
class Sheet:
    """One page: a stretch of road from ``sta_from_m`` to ``sta_to_m`` (chainage, metres),
    its piece of centreline, the centre of its map frame and its scale (1:``scale``)."""

    number: int
    sta_from_m: float
    sta_to_m: float
    stretch: LineString | MultiLineString
    centre: tuple[float, float]
    scale: int

    def extent(self, frame_mm: tuple[float, float]) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` of the map frame in metres (metric CRS)."""
        half_w = frame_mm[0] / 1000 * self.scale / 2
        half_h = frame_mm[1] / 1000 * self.scale / 2
        x, y = self.centre
        return x - half_w, x + half_w, y - half_h, y + half_h

    def holds(self, sta_m, *, last: bool) -> np.ndarray:
        """Whether each chainage is on this sheet: ``from <= sta < to`` (``<= to`` on the
        last sheet, so the road's end is on a page)."""
        sta = np.asarray(sta_m, dtype="float64")
        upper = sta <= self.sta_to_m if last else sta < self.sta_to_m
        return (sta >= self.sta_from_m) & upper


def fitting_scale(extent_m: tuple[float, float], frame_mm: tuple[float, float], scale: int) -> int:
    """``scale`` if a stretch ``extent_m`` (width, height) fits in the frame at 1:scale
    (with :data:`FRAME_MARGIN_MM` around it), else the first larger one of :data:`SCALES`.

    >>> fitting_scale((500, 300), (266, 265), 2500)
    2500
    >>> fitting_scale((500, 300), (176, 170), 2500)
    5000
    """
    usable = [(side - 2 * FRAME_MARGIN_MM) / 1000 for side in frame_mm]

    def fits(denominator: float) -> bool:
        return all(need <= have * denominator for need, have in zip(extent_m, usable, strict=True))

    if fits(scale):
        return int(scale)
    for candidate in SCALES:
        if candidate > scale and fits(candidate):
            return candidate
    needed = max(need / have for need, have in zip(extent_m, usable, strict=True))
    return int(math.ceil(needed / 10_000) * 10_000)


def _parts(line: LineString | MultiLineString) -> list[LineString]:
    return list(shapely.get_parts(line)) if isinstance(line, MultiLineString) else [line]


def cut_line(line: LineString | MultiLineString, start: float, end: float):
    """The piece of ``line`` from ``start`` to ``end`` metres along it (parts of a
    multi-part line walked in order, gaps not counted), as a line or multi-line.

    >>> cut_line(LineString([(0, 0), (10, 0)]), 2, 5).wkt
    'LINESTRING (2 0, 5 0)'
    """
    pieces, walked = [], 0.0
    for part in _parts(line):
        length = part.length
        a, b = max(start - walked, 0.0), min(end - walked, length)
        if b > a:
            pieces.append(shapely.ops.substring(part, a, b))
        walked += length
    lines = [p for p in pieces if isinstance(p, LineString) and p.length > 0]
    if not lines:
        return LineString()
    return lines[0] if len(lines) == 1 else MultiLineString(lines)


def point_and_direction(line: LineString | MultiLineString, along: float) -> tuple[Point, float]:
    """The point ``along`` metres down ``line`` and the direction of travel there
    (radians, counter-clockwise from east)."""
    walked = 0.0
    parts = _parts(line)
    for k, part in enumerate(parts):
        if along <= walked + part.length or k == len(parts) - 1:
            d = min(max(along - walked, 0.0), part.length)
            a = part.interpolate(max(d - 0.5, 0.0))
            b = part.interpolate(min(d + 0.5, part.length))
            return part.interpolate(d), math.atan2(b.y - a.y, b.x - a.x)
        walked += part.length
    raise ValueError("empty line")


def plan_sheets(
    line: LineString | MultiLineString,
    *,
    sta_start_m: float,
    stretch_m: float,
    scale: int,
    frame_mm: tuple[float, float],
) -> list[Sheet]:
    """Cut a centreline (metric CRS) into sheets of ``stretch_m`` metres of chainage.

    There are ``ceil(length / stretch_m)`` sheets; the last one is shorter (a last piece
    shorter than :data:`SLIVER_M` stays on the sheet before). Each sheet is
    centred on its stretch and uses ``scale`` unless the stretch does not fit in a frame
    of ``frame_mm`` at that scale (:func:`fitting_scale`).
    """
    if not stretch_m > 0:
        raise ValueError(f"stretch must be a positive number of metres, not {stretch_m!r}")
    length = float(line.length)
    count = max(1, math.ceil((length - SLIVER_M) / stretch_m))
    sheets = []
    for k in range(count):
        start = k * stretch_m
        end = length if k == count - 1 else (k + 1) * stretch_m
        piece = cut_line(line, start, end)
        xmin, ymin, xmax, ymax = piece.bounds if not piece.is_empty else line.bounds
        sheets.append(
            Sheet(
                number=k + 1,
                sta_from_m=float(sta_start_m + start),
                sta_to_m=float(sta_start_m + end),
                stretch=piece,
                centre=((xmin + xmax) / 2, (ymin + ymax) / 2),
                scale=fitting_scale((xmax - xmin, ymax - ymin), frame_mm, scale),
            )
        )
    return sheets


def grid_step(span_m: float, *, lines: int = 5) -> float:
    """A round grid interval giving about ``lines`` lines across ``span_m`` metres.

    >>> grid_step(660), grid_step(1300), grid_step(90)
    (100.0, 200.0, 20.0)
    """
    rough = span_m / lines
    magnitude = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= rough * 0.75:
            return float(factor * magnitude)
    return float(10 * magnitude)
