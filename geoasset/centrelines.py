"""Road centrelines prepared once for linear referencing (:mod:`geoasset.chainage`) and
for the corridors' chainage pieces.

Road centrelines are prepared once (:func:`centrelines`): consecutive repeated vertices
are dropped, zero-length parts removed, multi-part roads merged with
:func:`shapely.line_merge` (digitised direction kept; a road whose parts merge only when
one is reversed is merged and oriented like its first part). A road whose parts do not
form one line is walked part after part, in the order stored. Roads without geometry,
with a non-line geometry or with zero length (all vertices at one place) are skipped and
listed in :attr:`Centrelines.skipped`, with a logged warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.crs import metric_crs
from geoasset.errors import CRSError, SchemaError, ValidationProblem

__all__ = ["Centrelines", "centrelines", "crs_label"]

#: Vertices closer than this (metres) are one vertex; parts shorter than it are dropped.
_VERTEX_TOLERANCE_M = 1e-3

log = logging.getLogger(__name__)


# -- centrelines ---------------------------------------------------------------------
@dataclass
class Centrelines:
    """Road centrelines ready for measuring, in a metric CRS.

    Arrays are aligned: entry ``k`` is road ``road_id[k]``, stored at position
    ``rows[k]`` of the roads frame it came from.
    """

    crs: pyproj.CRS
    road_id: np.ndarray
    geometry: np.ndarray
    sta_start: np.ndarray
    rows: np.ndarray
    skipped: dict[str, str] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.road_id)

    @property
    def length(self) -> np.ndarray:
        return shapely.length(self.geometry)

    @property
    def crs_label(self) -> str:
        return crs_label(self.crs)

    def segments(self) -> _Segments:
        """The straight segments of every centreline (built once)."""
        if getattr(self, "_segments", None) is None:
            self._segments = _Segments(self.geometry)
        return self._segments


class _Segments:
    """Every straight segment of the centrelines, with its chainage, in numpy arrays.

    Segment ``k`` runs from ``a[k]`` to ``b[k]`` on road ``road[k]``, starting
    ``start[k]`` metres from the road's first vertex (parts of a multi-part road are
    walked in order, gaps not counted). ``prev``/``next`` say whether the same part
    continues before/after it, to read the direction at a vertex.
    """

    def __init__(self, lines: np.ndarray):
        parts, owner = shapely.get_parts(lines, return_index=True)
        xy, part = shapely.get_coordinates(parts, return_index=True)
        same = part[1:] == part[:-1]
        self.a, self.b = xy[:-1][same], xy[1:][same]
        seg_part = part[:-1][same]
        self.road = owner[seg_part]
        self.length = np.hypot(*(self.b - self.a).T)
        ends = np.cumsum(self.length)
        first = np.searchsorted(self.road, np.arange(len(lines)))
        base = np.concatenate([[0.0], ends])[first]  # length before each road's first segment
        self.start = ends - self.length - base[self.road]
        self.prev = np.zeros(len(seg_part), dtype=bool)
        self.prev[1:] = seg_part[1:] == seg_part[:-1]
        self.next = np.zeros(len(seg_part), dtype=bool)
        self.next[:-1] = seg_part[:-1] == seg_part[1:]
        self.first = first
        self.count = np.bincount(self.road, minlength=len(lines))
        self.tree = shapely.STRtree(shapely.linestrings(np.stack([self.a, self.b], axis=1)))

    def project(self, seg: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position along segment ``seg`` (0..1) of the point nearest to ``xy``, and the
        distance to it."""
        d = self.b[seg] - self.a[seg]
        t = ((xy - self.a[seg]) * d).sum(1) / np.maximum((d * d).sum(1), 1e-300)
        t = np.clip(t, 0.0, 1.0)
        foot = self.a[seg] + t[:, None] * d
        return t, np.hypot(*(xy - foot).T)

    def at(self, road: np.ndarray, along: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Segment and position on it of the point ``along`` metres down ``road``."""
        key = self.start + _road_base(self)[self.road]
        want = _road_base(self)[road] + along
        seg = np.searchsorted(key, want, side="right") - 1
        seg = np.clip(seg, self.first[road], self.first[road] + self.count[road] - 1)
        t = np.clip((along - self.start[seg]) / np.maximum(self.length[seg], 1e-300), 0.0, 1.0)
        return seg, t


def _road_base(segments: _Segments) -> np.ndarray:
    """Cumulative road lengths: one increasing key for (road, chainage) lookups."""
    if getattr(segments, "_base", None) is None:
        total = np.bincount(segments.road, segments.length, minlength=len(segments.count))
        segments._base = np.concatenate([[0.0], np.cumsum(total)[:-1]]) + np.arange(
            len(total)
        )  # + 1 m between roads, so a road's end never meets the next road's start
    return segments._base


def crs_label(crs: pyproj.CRS) -> str:
    """``EPSG:32751`` when the CRS has an authority code, else its name."""
    authority = crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_string()


def _texts(values: pd.Series) -> np.ndarray:
    """Trimmed text of each value (object array), None for missing or blank values."""
    text = values.astype("str").str.strip()
    out = text.to_numpy(dtype=object, na_value=None)
    out[(values.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)] = None
    return out


def _row_label(road_id: str | None, row: int) -> str:
    return repr(road_id) if road_id else f"at row {row}"


def _metric(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs, what: str) -> pyproj.CRS:
    try:
        return metric_crs(frame, crs)
    except CRSError as exc:
        raise CRSError(f"{what} refused: {exc}") from None


def _clean_lines(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop repeated vertices and zero-length parts; merge parts into one line if they join.

    Returns the cleaned lines (None where nothing is left), a mask of lines that had
    repeated vertices or degenerate parts, and a mask of non-line geometries.
    """
    n = len(geoms)
    kind = shapely.get_type_id(geoms)
    is_line = np.isin(kind, [1, 2, 5])  # LineString, LinearRing, MultiLineString
    out = np.full(n, None, dtype=object)
    repaired = np.zeros(n, dtype=bool)
    lines = np.where(is_line, geoms, None)
    parts, owner = shapely.get_parts(lines, return_index=True)
    if len(parts) == 0:
        return out, repaired, ~is_line
    parts, owner = parts[~shapely.is_empty(parts)], owner[~shapely.is_empty(parts)]
    rings = shapely.get_type_id(parts) == 2
    if rings.any():
        parts[rings] = shapely.linestrings(
            shapely.get_coordinates(parts[rings]), indices=_part_index(parts[rings])
        )
    before = shapely.get_num_coordinates(parts)
    parts = shapely.remove_repeated_points(parts, _VERTEX_TOLERANCE_M)
    after = shapely.get_num_coordinates(parts)
    keep = (after >= 2) & (shapely.length(parts) > _VERTEX_TOLERANCE_M)
    repaired[np.unique(owner[(after != before) | ~keep])] = True
    parts, owner = parts[keep], owner[keep]
    if len(parts) == 0:
        return out, repaired, ~is_line
    present, slot = np.unique(owner, return_inverse=True)
    counts = np.bincount(slot)
    multi = shapely.multilinestrings(parts, indices=slot)
    single = counts == 1
    out[present[single]] = parts[np.searchsorted(slot, np.flatnonzero(single))]
    if (~single).any():
        several = multi[~single]
        merged = shapely.line_merge(several, directed=True)
        ok = shapely.get_type_id(merged) == 1
        loose = shapely.line_merge(several)
        flip = ~ok & (shapely.get_type_id(loose) == 1)
        if flip.any():
            # Merged only with a part reversed: orient the result like the first part.
            first = shapely.get_point(shapely.get_geometry(several[flip], 0), 0)
            cand = loose[flip]
            start = shapely.get_point(cand, 0)
            end = shapely.get_point(cand, -1)
            reverse = shapely.distance(first, end) < shapely.distance(first, start)
            cand[reverse] = shapely.reverse(cand[reverse])
            merged[flip] = cand
            ok |= flip
        merged[~ok] = several[~ok]  # walk the parts in stored order
        out[present[~single]] = merged
    return out, repaired, ~is_line


def _part_index(parts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(parts)), shapely.get_num_coordinates(parts))


def _centrelines(
    roads: gpd.GeoDataFrame, crs=None, *, what: str = "chainage"
) -> tuple[Centrelines, list[ValidationProblem]]:
    """Prepare centrelines; return them with the attribute problems found (not raised)."""
    if not isinstance(roads, gpd.GeoDataFrame):
        raise TypeError(f"roads must be a GeoDataFrame, not {type(roads).__name__}")
    problems: list[ValidationProblem] = []
    if "road_id" not in roads.columns:
        raise SchemaError("roads", [ValidationProblem(None, "road_id", "column is missing")])
    if roads.crs is None:
        raise CRSError(f"{what} refused: roads have no CRS")
    if len(roads) == 0 or roads.geometry.is_empty.all() or roads.geometry.isna().all():
        raise SchemaError("roads", [ValidationProblem(None, None, "no road has a geometry")])
    target = _metric(roads, crs, what)

    ids = _texts(roads["road_id"])
    seen: dict[str, int] = {}
    for row, rid in enumerate(ids, start=1):
        if rid is None:
            problems.append(ValidationProblem(row, "road_id", "road id is empty"))
        elif rid in seen:
            problems.append(
                ValidationProblem(
                    row, "road_id", f"road id {rid!r} is used again (first at row {seen[rid]})"
                )
            )
        else:
            seen[rid] = row

    if "sta_start_m" in roads.columns:
        raw = roads["sta_start_m"]
        start = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        given = raw.notna().to_numpy() & (raw.astype("str").str.strip() != "").to_numpy()
        bad = given & ~(np.isfinite(start) & (start >= 0))
        for row in np.flatnonzero(bad):
            problems.append(
                ValidationProblem(
                    int(row) + 1,
                    "sta_start_m",
                    f"road {_row_label(ids[row], row + 1)}: chainage at the first vertex must "
                    f"be a number of metres >= 0, got {raw.iloc[row]!r}",
                )
            )
        start = np.where(np.isfinite(start) & (start >= 0), start, 0.0)
    else:
        start = np.zeros(len(roads))

    geoms = roads.geometry.to_crs(target).to_numpy()
    cleaned, repaired, not_line = _clean_lines(np.asarray(geoms, dtype=object))
    skipped: dict[str, str] = {}
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    missing = np.array([c is None for c in cleaned], dtype=bool)
    for row in np.flatnonzero(empty | not_line | missing):
        key = ids[row] or f"row {row + 1}"
        if empty[row]:
            skipped[key] = "no geometry"
        elif not_line[row]:
            skipped[key] = f"not a line ({geoms[row].geom_type})"
        else:
            skipped[key] = "zero length (all its vertices are at one place)"
    use = ~missing
    use &= np.array([rid is not None for rid in ids], dtype=bool)
    if skipped:
        listed = ", ".join(f"{k} ({v})" for k, v in list(skipped.items())[:20])
        more = f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        log.warning("%d road(s) skipped: %s%s", len(skipped), listed, more)
    fixed = [ids[r] for r in np.flatnonzero(repaired & use)]
    if fixed:
        log.info(
            "%d road(s) had repeated vertices or zero-length parts (removed): %s",
            len(fixed),
            ", ".join(map(str, fixed[:20])),
        )
    rows = np.flatnonzero(use)
    lines = Centrelines(
        crs=target,
        road_id=ids[rows],
        geometry=cleaned[rows],
        sta_start=start[rows],
        rows=rows,
        skipped=skipped,
        repaired=fixed,
    )
    return lines, problems


def centrelines(roads: gpd.GeoDataFrame, *, crs=None) -> Centrelines:
    """Road centrelines in the metric CRS, cleaned and merged, ready for measuring.

    Parameters
    ----------
    roads
        The ``roads`` layer (``road_id``, optional ``sta_start_m``), any CRS.
    crs
        The metric CRS to measure in; default the UTM zone of the roads.

    Raises
    ------
    SchemaError
        Missing or repeated road ids, bad ``sta_start_m`` (every problem listed).
    CRSError
        ``crs`` is not projected in metres ("refused").

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame({"road_id": ["A", "B"]}, crs=4326, geometry=[
    ...     LineString([(123.60, -10.17), (123.61, -10.17)]),
    ...     LineString([(123.60, -10.16), (123.60, -10.16)])])
    >>> lines = centrelines(roads)
    >>> lines.crs_label, list(lines.road_id), lines.skipped
    ('EPSG:32751', ['A'], {'B': 'zero length (all its vertices are at one place)'})
    """
    lines, problems = _centrelines(roads, crs)
    if problems:
        raise SchemaError("roads", problems)
    return lines
