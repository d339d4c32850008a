"""Right-of-way (Rumija) corridors: the land of each road, as a partition.

Width of a road's Rumija
------------------------
1. a certified land parcel of the road (``parcels.road_id``) **is** its Rumija where it
   covers the road; stretches of the road outside every parcel keep the buffer of rules
   2–4, cut off square where the road enters the parcel (``width_source`` "parcel";
   ``width_m`` is the mean width, corridor area / road length);
2. else the road's own ``rumija_m`` ("road");
3. else the width of its ``road_class`` in a widths file (``road_class,width_m``)
   ("widths_file");
4. else the minimum of PP 34/2006 Pasal 40(1) for its class
   (:data:`geoasset.schema.RUMIJA_MIN_WIDTH_M`: 30/25/15/11 m) ("class").

A road with none of these is an error: :class:`~geoasset.errors.SchemaError` lists every
such road with its row and ``road_id`` and nothing is built, because land silently left
out of the corridors would silently be left out of the retribution.

Without a parcel the Rumija is the centreline buffered by width/2 on each side, in a
metric CRS (:func:`geoasset.crs.metric_crs`: the UTM zone of the roads, or the CRS the
caller names, which must be projected in metres), with flat end caps (the corridor stops
at the end of the road) and **round joins**: a point is inside a road's buffer exactly
when it is within width/2 of its centreline (mitre joins would add corners farther than
that at bends), so a corridor agrees with the ``offset_m`` that chainage reports.
Corridors are stored in EPSG:4326; ``area_m2`` is measured in the metric CRS.

Partition rule
--------------
The corridors are a partition: where the right-of-way of two roads overlaps (junctions,
parallel roads), every piece of land belongs to exactly one corridor, so a pole is billed
once and a cable metre once. Each point of overlapping land goes to the road that wins
there:

1. a road whose Rumija is a certified parcel wins over a road whose Rumija is a buffer
   (the parcel is the surveyed truth, the buffer only an estimate);
2. else the road with the wider Rumija wins (widths compared to the millimetre);
3. on equal widths, the road whose centreline is nearer to that point wins;
4. on an exact tie (same distance), the smaller ``road_id`` wins.

How rule 3 is computed: for two roads whose centrelines near the overlap are single
straight segments (the usual junction and crossing), the overlap is cut exactly along
the bisectors of the two centrelines. Otherwise (bends, curves, parcels) both centrelines
are sampled and the overlap is cut along the Voronoi cells of those points
(:func:`shapely.voronoi_polygons`). The points are s = min(0.5 m, width/20) apart where
a road comes close to the other road, and sqrt(2·s·d) apart (at most 8 m) on a stretch
d metres away from it, so that wherever the two roads are equally far, the distances
compared exceed the true ones by at most s/2 (a few centimetres; the far-apart
stretches of dual carriageways cost few points). Pairs are cut one at a time but with the same distance function per road, so
three or more roads meeting at one place still share the land without gap or overlap.

Chainage pieces (``split_every``)
---------------------------------
``split_every=1000`` cuts each corridor into pieces ``STA 0+000 – 1+000``, ...: the
corridor is cut by lines perpendicular to the centreline at every multiple of
``split_every`` metres of chainage (``sta_start_m`` + distance along the road) and each
resulting face goes to the chainage of its nearest centreline point. The pieces of a
corridor never overlap and their areas sum to the corridor's area.

Awkward roads
-------------
Multi-part roads are merged (:func:`shapely.line_merge`); parts that do not join keep
their own strips and are walked in stored order for chainage. Closed loops and roads
that cross themselves are buffered as they are (the strip of a loop is a ring). Repeated
vertices are dropped. Roads that cannot be measured (no geometry, not a line, zero
length) and roads whose land is wholly taken by wider or nearer roads get no corridor;
they are logged and listed in ``result.attrs["skipped"]`` (road_id -> reason). Invalid
parcels are repaired with :func:`shapely.make_valid` (logged); parcels of unknown roads
are ignored (logged, listed in ``result.attrs["skipped_parcels"]``).

Precision and speed
-------------------
The work runs around a local origin (small coordinates keep GEOS's own robustness
fallbacks at the nanometre) and ends on a grid of 2**-25 m (30 nm) with neighbours
given identical shared boundaries, so the corridors stay valid and do not overlap after
the round trip through EPSG:4326. Every step is vectorised with shapely 2: one buffer
call for all roads, one :class:`shapely.STRtree` query for the pairs that touch, the
bisector cuts in numpy, then one vectorised difference per round of lost pieces (GEOS
work is spread over the machine's cores).

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString
>>> roads = gpd.GeoDataFrame(
...     {"road_id": ["R1", "R2"], "road_class": ["raya", "kecil"]}, crs=32751,
...     geometry=[LineString([(500000, 8870000), (500200, 8870000)]),
...               LineString([(500100, 8870000), (500100, 8870100)])])
>>> corridors = build_corridors(roads, crs=32751)
>>> corridors[["corridor_id", "width_m", "width_source", "area_m2"]].values.tolist()
[['R1', 25.0, 'class', 5000.0], ['R2', 11.0, 'class', 962.5]]
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException

from geoasset.chainage import Centrelines, _centrelines, _range_labels, _texts
from geoasset.errors import (
    CRSError,
    GeoassetError,
    SchemaError,
    SourceError,
    ValidationProblem,
)
from geoasset.schema import ROAD_CLASSES, RUMIJA_MIN_WIDTH_M

__all__ = [
    "CORRIDOR_COLUMNS",
    "WIDTH_SOURCES",
    "build_corridors",
    "landless_roads",
    "load_widths",
]

log = logging.getLogger(__name__)

#: Columns of the ``corridors`` layer, in order (plus ``geometry``).
CORRIDOR_COLUMNS = (
    "corridor_id",
    "road_id",
    "road_name",
    "road_status",
    "road_class",
    "kabupaten",
    "sta_from_m",
    "sta_to_m",
    "sta",
    "width_m",
    "width_source",
    "area_m2",
    "metric_crs",
    "note",
)

WIDTH_SOURCES = ("parcel", "road", "widths_file", "class")

#: Overlaps smaller than this (m²) are floating-point noise between touching polygons.
_AREA_EPS = 1e-9
#: Margin (m) added around an overlap when looking for the centreline pieces that matter.
_MARGIN_M = 0.01
#: Largest distance (m) between the points of a densified centreline.
_MAX_SPACING_M = 0.5
#: Longest piece (m) of a centreline sampled at one spacing; also the coarsest spacing.
_PIECE_M = 8.0
#: A piece that near its partner is cut into this many pieces, each with its spacing.
_REFINE = 4
_QUAD_SEGS = 8
#: Vertices of a computed piece closer than this (m) are one vertex.
_SAME_POINT_M = 1e-9
#: Corridors are snapped to this grid (m) so they stay valid through EPSG:4326 and back.
_GRID_M = 2.0**-25
#: Threads for the GEOS work (shapely releases the GIL); the machine's cores, at most 4.
_THREADS = min(4, os.cpu_count() or 1)
_DECIMAL_COMMA = re.compile(r"^\s*\d+,\d+\s*$")


# -- widths --------------------------------------------------------------------------
def load_widths(path: str | os.PathLike) -> dict[str, float]:
    """Read a widths file: CSV with columns ``road_class,width_m`` (metres, total width).

    Parameters
    ----------
    path
        The CSV file. A decimal comma (``"12,5"``) is accepted.

    Returns
    -------
    dict
        road_class -> width in metres.

    Raises
    ------
    SourceError
        The file cannot be read.
    SchemaError
        Every bad row, naming the row (1 = first data row) and the column.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "widths.csv")
    >>> _ = open(path, "w").write("road_class,width_m\\nraya,30\\nkecil,wide\\n")
    >>> load_widths(path)
    Traceback (most recent call last):
    ...
    geoasset.errors.SchemaError: 1 problem(s) in widths.csv:
      widths.csv row 2 field 'width_m': width must be a number of metres > 0, got 'wide'
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise SourceError(f"{path}: cannot read widths file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: widths file is not UTF-8 text") from None
    name = path.name
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise SchemaError(name, [ValidationProblem(None, None, "file is empty")])
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [c for c in ("road_class", "width_m") if c not in header]
    if missing:
        raise SchemaError(
            name,
            [
                ValidationProblem(None, c, f"column is missing (header is {rows[0]!r})")
                for c in missing
            ],
        )
    cls_col, width_col = header.index("road_class"), header.index("width_m")
    widths: dict[str, float] = {}
    first_row: dict[str, int] = {}
    problems: list[ValidationProblem] = []
    for number, cells in enumerate(rows[1:], start=1):
        cls = cells[cls_col].strip() if cls_col < len(cells) else ""
        raw = cells[width_col].strip() if width_col < len(cells) else ""
        if not cls:
            problems.append(ValidationProblem(number, "road_class", "road class is empty"))
        elif cls not in ROAD_CLASSES:
            problems.append(
                ValidationProblem(
                    number,
                    "road_class",
                    f"unknown road class {cls!r} (known: {', '.join(ROAD_CLASSES)})",
                )
            )
        elif cls in first_row:
            problems.append(
                ValidationProblem(
                    number, "road_class", f"{cls!r} is given again (first at row {first_row[cls]})"
                )
            )
        text = raw.replace(",", ".") if _DECIMAL_COMMA.match(raw) else raw
        try:
            width = float(text)
        except ValueError:
            width = float("nan")
        if not (np.isfinite(width) and 0 < width <= 1000):
            problems.append(
                ValidationProblem(
                    number, "width_m", f"width must be a number of metres > 0, got {raw!r}"
                )
            )
        elif cls in ROAD_CLASSES and cls not in first_row:
            widths[cls] = width
            first_row[cls] = number
    if problems:
        raise SchemaError(name, problems)
    return widths


def _width_map(widths) -> dict[str, float]:
    if widths is None:
        return {}
    if isinstance(widths, (str, os.PathLike)):
        return load_widths(widths)
    if isinstance(widths, Mapping):
        out = {}
        for cls, value in widths.items():
            width = float(value)
            if not (np.isfinite(width) and width > 0):
                raise ValueError(f"widths[{cls!r}] must be a number of metres > 0, got {value!r}")
            out[str(cls)] = width
        return out
    raise TypeError(f"widths must be a path or a mapping, not {type(widths).__name__}")


def _road_widths(
    roads: gpd.GeoDataFrame, lines: Centrelines, table: dict[str, float], has_parcel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[ValidationProblem]]:
    """Width and its source for every road without a parcel; problems for the others."""
    n = len(lines)
    frame = roads.iloc[lines.rows]
    if "rumija_m" in frame.columns:
        raw = frame["rumija_m"]
        own = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        given = raw.notna().to_numpy() & (raw.astype("str").str.strip() != "").to_numpy()
    else:
        raw, own, given = None, np.full(n, np.nan), np.zeros(n, dtype=bool)
    classes = (
        pd.Series(_texts(frame["road_class"]), dtype=object)
        if "road_class" in frame.columns
        else pd.Series([None] * n, dtype=object)
    )
    from_file = classes.map(table).to_numpy(dtype="float64", na_value=np.nan)
    from_class = classes.map(RUMIJA_MIN_WIDTH_M).to_numpy(dtype="float64", na_value=np.nan)
    good_own = given & np.isfinite(own) & (own > 0)
    width = np.select(
        [good_own, ~given & np.isfinite(from_file), ~given & np.isfinite(from_class)],
        [own, from_file, from_class],
        np.nan,
    )
    source = np.select(
        [good_own, ~given & np.isfinite(from_file), ~given & np.isfinite(from_class)],
        ["road", "widths_file", "class"],
        "",
    ).astype(object)
    width[has_parcel] = np.nan
    source[has_parcel] = None
    problems: list[ValidationProblem] = []
    for k in np.flatnonzero(~has_parcel & given & ~good_own):
        problems.append(
            ValidationProblem(
                int(lines.rows[k]) + 1,
                "rumija_m",
                f"road {lines.road_id[k]!r}: Rumija width must be a number of metres > 0, "
                f"got {raw.iloc[k]!r}",
            )
        )
    known = ", ".join(dict.fromkeys([*table, *RUMIJA_MIN_WIDTH_M]))
    for k in np.flatnonzero(~has_parcel & ~given & np.isnan(width)):
        problems.append(
            ValidationProblem(
                int(lines.rows[k]) + 1,
                "road_class",
                f"road {lines.road_id[k]!r} has no Rumija width: rumija_m is empty, it has no "
                f"parcel and road_class {classes.iloc[k]!r} is not one of {known}",
            )
        )
    problems.sort(key=lambda p: p.row)
    return width, source, problems


# -- parcels -------------------------------------------------------------------------
def _parcels(
    parcels: gpd.GeoDataFrame | None, lines: Centrelines
) -> tuple[dict[int, object], dict[str, str]]:
    """Road index -> the union of its parcels (metric CRS); skipped parcel -> reason."""
    if parcels is None or len(parcels) == 0:
        return {}, {}
    if "road_id" not in parcels.columns:
        raise SchemaError("parcels", [ValidationProblem(None, "road_id", "column is missing")])
    if parcels.crs is None:
        raise CRSError("corridors refused: parcels have no CRS")
    index = {rid: k for k, rid in enumerate(lines.road_id)}
    pids = (
        list(_texts(parcels["parcel_id"]))
        if "parcel_id" in parcels.columns
        else [None] * len(parcels)
    )
    names = [pid or f"row {row}" for row, pid in enumerate(pids, start=1)]
    geoms = np.asarray(parcels.geometry.to_crs(lines.crs).to_numpy(), dtype=object)
    invalid = np.flatnonzero(~shapely.is_valid(geoms) & ~shapely.is_missing(geoms))
    for k in invalid:  # few: each is logged with GEOS's reason
        log.warning(
            "parcel %s is invalid (%s); repaired", names[k], shapely.is_valid_reason(geoms[k])
        )
    geoms[invalid] = _polygonal(shapely.make_valid(geoms[invalid]))
    rids = _texts(parcels["road_id"])
    road = np.array([index.get(r, -1) for r in rids], dtype="int64")
    kind = shapely.get_type_id(geoms)
    area = np.where(np.isin(kind, [3, 6]), shapely.area(geoms), 0.0)
    reasons = np.select(
        [
            np.array([r is None for r in rids], dtype=bool),
            road < 0,
            shapely.is_missing(geoms) | (area <= _AREA_EPS),
        ],
        ["no road_id", "unknown road", "no polygon area"],
        "",
    )
    skipped = {
        names[k]: (
            f"road {rids[k]!r} is not among the roads"
            if reasons[k] == "unknown road"
            else reasons[k]
        )
        for k in np.flatnonzero(reasons != "")
    }
    if skipped:
        log.warning(
            "%d parcel(s) ignored: %s",
            len(skipped),
            ", ".join(f"{k} ({v})" for k, v in list(skipped.items())[:20]),
        )
    keep = np.flatnonzero(reasons == "")
    owners, slot = np.unique(road[keep], return_inverse=True)
    land = _grouped_union(geoms[keep], slot.ravel(), len(owners), coverage=False)
    return dict(zip(owners.tolist(), land, strict=True)), skipped


# -- vectorised helpers --------------------------------------------------------------
def _threaded(op, *arrays: np.ndarray, minimum: int = 2048) -> np.ndarray:
    """``op(*arrays)`` on aligned arrays, split over a few threads (GEOS drops the GIL).

    Rows are dealt out in turn (row k to thread k mod n), so a run of heavy rows is shared
    between the threads rather than falling to one of them.
    """
    n = len(arrays[0])
    if _THREADS < 2 or n < minimum:
        return op(*arrays)
    chunks = [np.arange(k, n, _THREADS) for k in range(_THREADS)]
    with ThreadPoolExecutor(_THREADS) as pool:
        parts = list(pool.map(lambda idx: op(*(x[idx] for x in arrays)), chunks))
    joined = np.concatenate(parts)
    out = np.empty_like(joined)
    out[np.concatenate(chunks)] = joined
    return out


def _envelopes(xy: np.ndarray, reach: float) -> np.ndarray:
    """Geometries whose envelopes are the squares of half-side ``reach`` around ``xy``
    (two-point lines: cheaper to make than boxes, same envelope for an STRtree query)."""
    return shapely.linestrings(np.stack([xy - reach, xy + reach], axis=1))


def _query(tree: shapely.STRtree, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tree.query(geoms)`` (envelopes), split over threads; (input, tree) indices."""
    n = len(geoms)
    if _THREADS < 2 or n < 4096:
        return tree.query(geoms)
    chunks = np.array_split(np.arange(n), _THREADS)
    with ThreadPoolExecutor(_THREADS) as pool:
        parts = list(pool.map(lambda idx: tree.query(geoms[idx]), chunks))
    first = np.concatenate([chunk[part[0]] for chunk, part in zip(chunks, parts, strict=True)])
    return first, np.concatenate([part[1] for part in parts])


#: Every overlay is snap-rounded on this grid (2**-30 m, about 1 nm): GEOS's floating-point
#: overlay (3.14) can return a wrong result without an error when edges nearly coincide
#: (a difference returned unchanged, or missing a few square metres), while snap-rounding
#: on a fixed grid is robust by construction (OverlayNG).
_OVERLAY_GRID_M = 2.0**-30
#: Coarser grids (m) an overlay GEOS refuses is retried on.
_FALLBACK_GRIDS_M = (1e-6, 1e-3)


def _overlay(
    op, a: np.ndarray, b: np.ndarray, *, subtracts: bool = False, grid: float = _OVERLAY_GRID_M
) -> tuple[np.ndarray, np.ndarray]:
    """``op(a, b)`` on aligned arrays of polygons, snap-rounded on ``grid``; never raises a
    GEOS error.

    Inputs are reduced to their polygons first (GEOS refuses an overlay of a collection
    that mixes dimensions). A row GEOS refuses is retried snapped to the coarser
    grids of :data:`_FALLBACK_GRIDS_M`, and a result that vanished although the
    input had area (GEOS can lose a polygon whose edges nearly coincide with the
    other's) is recomputed the same way. Returns the polygonal results and the mask of
    rows that needed a grid, so the caller can report them. An invalid result (GEOS can
    return one from edges that nearly coincide) is redone the same way. ``subtracts``
    says ``op`` is a difference (only then can a vanished result be checked).
    """
    a, b = _polygonal(a), _polygonal(b)
    retried = np.zeros(len(a), dtype=bool)
    try:
        out = _threaded(lambda x, y: op(x, y, grid_size=grid), a, b)
    except GEOSException:
        out = np.empty(len(a), dtype=object)
        for k in range(len(a)):
            try:
                out[k] = op(a[k], b[k], grid_size=grid)
            except GEOSException:
                out[k] = None
    out = np.asarray(out, dtype=object)
    # GEOS can also return an invalid polygon from near-coincident edges: redone too.
    failed = np.flatnonzero(shapely.is_missing(out) | ~_threaded(shapely.is_valid, out))
    for k in failed:
        out[k] = _on_grid(op, a[k], b[k])
    retried[failed] = True
    if subtracts:
        vanished = np.flatnonzero((shapely.area(out) <= _AREA_EPS) & (shapely.area(a) > _AREA_EPS))
        for k in vanished[~shapely.covers(b[vanished], a[vanished])]:
            again = _on_grid(op, a[k], b[k])
            if shapely.area(again) > _AREA_EPS:  # GEOS had lost land: a finding
                out[k], retried[k] = again, True
    return _polygonal(out), retried


def _on_grid(op, a, b):
    """``op(a, b)`` snap-rounded on the first grid of :data:`_FALLBACK_GRIDS_M` that works.

    Each grid is tried on the inputs as they are, then on the inputs made valid and
    snapped to the grid first.
    """
    for grid in _FALLBACK_GRIDS_M:
        for snap_first in (False, True):
            try:
                pa, pb = a, b
                if snap_first:
                    pair = shapely.make_valid(np.array([a, b], dtype=object))
                    pa, pb = _polygonal(shapely.set_precision(_polygonal(pair), grid))
                return op(pa, pb, grid_size=grid)
            except GEOSException:
                continue
    raise GeoassetError(
        "could not compute a right-of-way overlay even on a 1 mm grid; "
        "please report this case with the roads involved"
    )


def _grouped_union(geoms: np.ndarray, groups: np.ndarray, n: int, *, coverage: bool) -> np.ndarray:
    """Union of ``geoms`` per group ``0..n-1`` (None for an empty group), vectorised.

    Groups are padded into rows of equal length (bucketed by size) and reduced along the
    row, so GEOS does the work without a Python loop per group. ``coverage`` says the
    pieces of a group only share edges (Voronoi cells, faces), which is much faster.
    """
    out = np.full(n, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(groups, kind="stable")
    g, geoms = groups[order], geoms[order]
    counts = np.bincount(g, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    single = np.flatnonzero(counts == 1)
    out[single] = geoms[starts[single]]
    several = np.flatnonzero(counts > 1)
    if len(several) == 0:
        return out
    width = 2 ** np.ceil(np.log2(counts[several])).astype(int)
    reduce = shapely.coverage_union_all if coverage else shapely.union_all
    for w in np.unique(width):
        members = several[width == w]
        table = np.full((len(members), w), None, dtype=object)
        pos = np.repeat(starts[members], counts[members]) + _ranks(counts[members])
        rows = np.repeat(np.arange(len(members)), counts[members])
        table[rows, _ranks(counts[members])] = geoms[pos]
        try:
            out[members] = reduce(table, axis=1)
        except GEOSException:
            out[members] = shapely.union_all(table, axis=1)
    return out


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for each count c, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def _subtract(
    polys: np.ndarray, losers: np.ndarray, pieces: np.ndarray, *, grid: float = _OVERLAY_GRID_M
) -> tuple[np.ndarray, np.ndarray]:
    """``polys[k]`` minus every piece lost by ``k``: one vectorised difference per round.

    (Subtracting a road's pieces one at a time is faster in GEOS than subtracting them
    merged, and round ``r`` handles the ``r``-th piece of every road at once.) Every
    difference is snap-rounded on ``grid`` (m). Returns the corridors and, per piece
    (in the given order), whether it needed a grid.
    """
    polys = polys.copy()
    retried = np.zeros(len(losers), dtype=bool)
    if len(losers) == 0:
        return polys, retried
    order = np.argsort(losers, kind="stable")
    losers, pieces = losers[order], pieces[order]
    _, start, count = np.unique(losers, return_index=True, return_counts=True)
    rank = np.arange(len(losers)) - np.repeat(start, count)
    for r in range(int(rank.max()) + 1):
        sel = np.flatnonzero(rank == r)
        who = losers[sel]
        polys[who], retried[order[sel]] = _overlay(
            shapely.difference, polys[who], pieces[sel], subtracts=True, grid=grid
        )
    return polys, retried


def _sharing_land(corridors: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which pairs ``(a, b)`` of corridors still share land (on a 1 nm grid, which GEOS
    computes robustly)."""
    both = ~(shapely.is_empty(corridors[a]) | shapely.is_empty(corridors[b]))
    shared = np.zeros(len(a), dtype=bool)
    rows = np.flatnonzero(both)
    if len(rows):
        common = _threaded(
            lambda x, y: shapely.intersection(x, y, grid_size=_OVERLAY_GRID_M),
            corridors[a[rows]],
            corridors[b[rows]],
        )
        shared[rows] = shapely.area(common) > 1e-6
    return shared


# -- the partition -------------------------------------------------------------------
# -- convex pieces in numpy -----------------------------------------------------------
def _clip_convex(
    poly: np.ndarray, count: np.ndarray, grad: np.ndarray, const: np.ndarray, *, negative: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Clip convex polygons (m, K, 2) to ``grad . p + const <= 0`` (or ``>= 0``).

    Sutherland-Hodgman on every row at once. The points where an edge crosses the line
    depend only on the edge and the line, so clipping to both sides gives the two halves
    identical cut vertices.
    """
    m, k, _ = poly.shape
    rows = np.arange(m)[:, None]
    j = np.arange(k)[None, :]
    valid = j < count[:, None]
    nxt = np.where(j + 1 < count[:, None], j + 1, 0)
    ahead = poly[rows, nxt]
    val = poly[..., 0] * grad[:, :1] + poly[..., 1] * grad[:, 1:] + const[:, None]
    val_ahead = val[rows, nxt]
    if negative:
        inside, inside_ahead = val <= 0, val_ahead <= 0
    else:
        inside, inside_ahead = val >= 0, val_ahead >= 0
    crossing = (inside != inside_ahead) & valid
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(crossing, val / (val - val_ahead), 0.0)
    out = np.empty((m, 2 * k, 2))
    out[:, 0::2] = poly
    out[:, 1::2] = poly + t[..., None] * (ahead - poly)
    keep = np.empty((m, 2 * k), dtype=bool)
    keep[:, 0::2] = inside & valid
    keep[:, 1::2] = crossing
    n = keep.sum(1)
    result = np.zeros((m, max(int(n.max(initial=0)), 1), 2))
    r, c = np.nonzero(keep)
    result[r, (np.cumsum(keep, axis=1) - 1)[r, c]] = out[r, c]
    return result, n


def _convex_area(poly: np.ndarray, count: np.ndarray) -> np.ndarray:
    rows = np.arange(len(poly))[:, None]
    j = np.arange(poly.shape[1])[None, :]
    nxt = np.where(j + 1 < count[:, None], j + 1, 0)
    ahead = poly[rows, nxt]
    cross = poly[..., 0] * ahead[..., 1] - poly[..., 1] * ahead[..., 0]
    return np.abs(np.where(j < count[:, None], cross, 0.0).sum(1)) / 2


def _dedupe(poly: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop vertices within :data:`_SAME_POINT_M` of the one before (ring order)."""
    m, k, _ = poly.shape
    rows = np.arange(m)[:, None]
    j = np.arange(k)[None, :]
    prev = poly[rows, np.where(j == 0, np.maximum(count[:, None] - 1, 0), j - 1)]
    keep = (j < count[:, None]) & ~(
        (np.abs(poly - prev).max(axis=2) <= _SAME_POINT_M) & (count[:, None] > 1)
    )
    n = keep.sum(1)
    result = np.zeros_like(poly)
    r, c = np.nonzero(keep)
    result[r, (np.cumsum(keep, axis=1) - 1)[r, c]] = poly[r, c]
    return result, n


def _to_polygons(
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]], origin: np.ndarray, m: int
) -> np.ndarray:
    """Convex pieces (rows, polygons, counts) as one (Multi)Polygon per row 0..m-1.

    None where a row has no piece of positive area.
    """
    coords, ring_row, ring_size = [], [], []
    for rows, poly, count in pieces:
        if len(rows) == 0:
            continue
        poly, count = _dedupe(poly, count)
        ok = (count >= 3) & (_convex_area(poly, count) > _AREA_EPS)
        poly, count, rows = poly[ok], count[ok], rows[ok]
        take = np.arange(poly.shape[1])[None, :] < count[:, None]
        coords.append((poly + origin[rows, None, :])[take])
        ring_row.append(rows)
        ring_size.append(count)
    out = np.full(m, None, dtype=object)
    if not coords or sum(len(r) for r in ring_row) == 0:
        return out
    rows = np.concatenate(ring_row)
    rings = shapely.linearrings(
        np.concatenate(coords), indices=np.repeat(np.arange(len(rows)), np.concatenate(ring_size))
    )
    polys = shapely.polygons(rings)
    bad = ~shapely.is_valid(polys)
    if bad.any():  # a sliver whose vertices nearly coincide: repair, keep its polygons
        fixed = _polygonal(shapely.make_valid(polys[bad]))
        parts, which = shapely.get_parts(fixed, return_index=True)
        inner, sub = shapely.get_parts(parts, return_index=True)
        ok = shapely.get_type_id(inner) == 3
        polys = np.concatenate([polys[~bad], inner[ok]])
        rows = np.concatenate([rows[~bad], rows[bad][which[sub[ok]]]])
    order = np.argsort(rows, kind="stable")
    rows, polys = rows[order], polys[order]
    present, start, count = np.unique(rows, return_index=True, return_counts=True)
    single = count == 1
    out[present[single]] = polys[start[single]]
    several = np.flatnonzero(np.repeat(~single, count))
    if len(several):
        slot = np.searchsorted(present[~single], rows[several])
        out[present[~single]] = shapely.multipolygons(polys[several], indices=slot)
    return out


def _nearer_convex(
    seg_a: np.ndarray, seg_b: np.ndarray, half: np.ndarray, a_first: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split the overlap of two straight flat-capped buffers by the nearer centreline.

    ``seg_a``/``seg_b`` (m, 2, 2) are the only centreline segments near the overlap, so
    there the buffers are the rectangles around them and the overlap is the convex
    polygon where the rectangles meet. The distance from a point of the overlap to
    either centreline is its distance to the segment's supporting line, ``|f|`` with
    ``f(p) = n . (p - p0)``, so the overlap is cut exactly along the two bisectors of
    those lines: ``|f_b| < |f_a|`` <=> ``(f_b - f_a)(f_b + f_a) < 0``. Coincident lines
    tie everywhere and the overlap goes to ``a`` when ``a_first``.

    Returns (land ``a`` loses, land ``b`` loses), None where nothing.
    """
    m = len(seg_a)
    origin = (seg_a[:, 0] + seg_b[:, 0]) / 2
    pa, pb = seg_a - origin[:, None, :], seg_b - origin[:, None, :]

    def frame(seg):
        d = seg[:, 1] - seg[:, 0]
        u = d / np.hypot(d[:, 0], d[:, 1])[:, None]
        return u, np.stack([-u[:, 1], u[:, 0]], axis=1)

    def dot(x, y):
        return (x * y).sum(1)

    ua, na = frame(pa)
    ub, nb = frame(pb)
    h = half[:, None]
    poly = np.stack([pa[:, 0] + na * h, pa[:, 1] + na * h, pa[:, 1] - na * h, pa[:, 0] - na * h], 1)
    count = np.full(m, 4)
    for grad, const in (
        (nb, -dot(nb, pb[:, 0]) - half),
        (-nb, dot(nb, pb[:, 0]) - half),
        (-ub, dot(ub, pb[:, 0])),
        (ub, -dot(ub, pb[:, 1])),
    ):
        poly, count = _clip_convex(poly, count, grad, const, negative=True)
    lines = (
        (nb - na, -dot(nb, pb[:, 0]) + dot(na, pa[:, 0])),  # f_b - f_a
        (nb + na, -dot(nb, pb[:, 0]) - dot(na, pa[:, 0])),  # f_b + f_a
    )
    # b is nearer where |f_b| < |f_a|, i.e. where (f_b - f_a) and (f_b + f_a) differ in sign.
    valid = np.arange(poly.shape[1])[None, :] < count[:, None]
    side = []
    for grad, const in lines:
        val = poly[..., 0] * grad[:, :1] + poly[..., 1] * grad[:, 1:] + const[:, None]
        low = np.where(valid, val < 0, False).any(1)
        high = np.where(valid, val > 0, False).any(1)
        side.append(np.where(low & high, 0, np.where(low, -1, 1)))
    tie = np.zeros(m, dtype=bool)
    for grad, const in lines:
        tie |= (np.hypot(grad[:, 0], grad[:, 1]) < 1e-12) & (np.abs(const) < 1e-9)
    everything = np.arange(m)
    to_a: list = []  # pieces a loses
    to_b: list = []  # pieces b loses
    fixed = (side[0] != 0) & (side[1] != 0) & ~tie
    b_near = side[0] != side[1]
    to_a.append((everything[fixed & b_near], poly[fixed & b_near], count[fixed & b_near]))
    to_b.append((everything[fixed & ~b_near], poly[fixed & ~b_near], count[fixed & ~b_near]))
    for k in (0, 1):
        other = 1 - k
        cut = (side[k] == 0) & (side[other] != 0) & ~tie
        rows = everything[cut]
        grad, const = lines[k][0][cut], lines[k][1][cut]
        low = _clip_convex(poly[cut], count[cut], grad, const, negative=True)
        high = _clip_convex(poly[cut], count[cut], grad, const, negative=False)
        # On the low side of line k, b is nearer iff the other factor is positive.
        low_b = side[other][cut] > 0
        for sel, owner in ((low_b, to_a), (~low_b, to_b)):
            owner.append((rows[sel], low[0][sel], low[1][sel]))
        for sel, owner in ((~low_b, to_a), (low_b, to_b)):
            owner.append((rows[sel], high[0][sel], high[1][sel]))
    both = (side[0] == 0) & (side[1] == 0) & ~tie
    if both.any():
        rows = everything[both]
        g1, c1 = lines[0][0][both], lines[0][1][both]
        g2, c2 = lines[1][0][both], lines[1][1][both]
        for neg1 in (True, False):
            p1, k1 = _clip_convex(poly[both], count[both], g1, c1, negative=neg1)
            for neg2 in (True, False):
                q, kq = _clip_convex(p1, k1, g2, c2, negative=neg2)
                (to_a if neg1 != neg2 else to_b).append((rows, q, kq))
    lost_by_a = _to_polygons(to_a, origin, m)
    lost_by_b = _to_polygons(to_b, origin, m)
    if tie.any():
        rows = everything[tie]
        whole = _to_polygons(
            [(np.arange(len(rows)), poly[tie], count[tie])], origin[tie], len(rows)
        )
        lost_by_a[tie] = np.where(a_first[tie], None, whole)
        lost_by_b[tie] = np.where(a_first[tie], whole, None)
    return lost_by_a, lost_by_b


def _nearer_voronoi(
    overlap: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    lines: np.ndarray,
    spacing: np.ndarray,
    margin: np.ndarray,
    id_rank: np.ndarray,
) -> np.ndarray:
    """The part of each overlap nearer to centreline ``b`` than ``a``, by Voronoi cells.

    Each road's centreline is densified once (same points in every pair it is in), so
    the distance each pair compares is one function per road and three roads sharing a
    place never leave a gap. A point on both centrelines belongs to the smaller road_id.
    """
    m = len(overlap)
    out = np.full(m, None, dtype=object)
    roads = np.unique(np.concatenate([a, b]))
    bounds = shapely.bounds(overlap)
    lo = bounds[:, :2] - margin[:, None]
    hi = bounds[:, 2:] + margin[:, None]
    xy, owner = _densify_near(lines, roads, a, b, spacing, lo, hi)
    # On a 1 µm grid (2**-20 m): nearly coincident points would upset GEOS's Voronoi.
    xy = np.round(xy * 2.0**20) / 2.0**20
    # One point per place per road (closed and self-touching lines repeat vertices).
    order = np.lexsort((xy[:, 1], xy[:, 0], owner))
    owner, xy = owner[order], xy[order]
    repeated = np.zeros(len(owner), dtype=bool)
    repeated[1:] = (owner[1:] == owner[:-1]) & np.all(xy[1:] == xy[:-1], axis=1)
    owner, xy = owner[~repeated], xy[~repeated]
    road_slot = np.full(len(lines), -1, dtype="int64")
    road_slot[roads] = np.arange(len(roads))
    starts = np.searchsorted(owner, np.arange(len(roads)))
    ends = np.searchsorted(owner, np.arange(len(roads)), side="right")
    sel_pair, sel_point, sel_side = [], [], []
    for side, roads_of in ((0, a), (1, b)):
        s = road_slot[roads_of]
        count = ends[s] - starts[s]
        pair = np.repeat(np.arange(m), count)
        point = np.repeat(starts[s], count) + _ranks(count)
        inside = np.all((xy[point] >= lo[pair]) & (xy[point] <= hi[pair]), axis=1)
        sel_pair.append(pair[inside])
        sel_point.append(point[inside])
        sel_side.append(np.full(inside.sum(), side, dtype="int64"))
    pair = np.concatenate(sel_pair)
    point = np.concatenate(sel_point)
    side = np.concatenate(sel_side)
    # Same place on both centrelines: keep it for the smaller road_id only.
    loses_tie = np.where(side == 0, id_rank[a[pair]], id_rank[b[pair]])
    order = np.lexsort((loses_tie, xy[point, 1], xy[point, 0], pair))
    pair, point, side = pair[order], point[order], side[order]
    dup = np.zeros(len(pair), dtype=bool)
    dup[1:] = (pair[1:] == pair[:-1]) & np.all(xy[point[1:]] == xy[point[:-1]], axis=1)
    pair, point, side = pair[~dup], point[~dup], side[~dup]

    has_b = np.zeros(m, dtype=bool)
    has_b[pair[side == 1]] = True
    has_a = np.zeros(m, dtype=bool)
    has_a[pair[side == 0]] = True
    out[has_b & ~has_a] = overlap[has_b & ~has_a]
    todo = np.flatnonzero(has_a & has_b)
    if len(todo) == 0:
        return out, np.zeros(m, dtype=bool)
    keep = np.isin(pair, todo)
    pair, point, side = pair[keep], point[keep], side[keep]
    slot = np.searchsorted(todo, pair)
    points = shapely.multipoints(xy[point], indices=slot)
    pts_lo = np.full((len(todo), 2), np.inf)
    pts_hi = np.full((len(todo), 2), -np.inf)
    np.minimum.at(pts_lo, slot, xy[point])
    np.maximum.at(pts_hi, slot, xy[point])
    frame = shapely.box(
        np.minimum(bounds[todo, 0], pts_lo[:, 0]) - 1,
        np.minimum(bounds[todo, 1], pts_lo[:, 1]) - 1,
        np.maximum(bounds[todo, 2], pts_hi[:, 0]) + 1,
        np.maximum(bounds[todo, 3], pts_hi[:, 1]) + 1,
    )
    try:
        cells = _threaded(
            lambda p, f: shapely.voronoi_polygons(p, extend_to=f, ordered=True),
            points,
            frame,
            minimum=2,
        )
        parts, cell_pair = shapely.get_parts(cells, return_index=True)
        mine = side == 1
        if len(parts) != len(point) or np.any(cell_pair != slot):
            raise GEOSException("Voronoi diagram lost input points")
        region = _grouped_union(parts[mine], slot[mine], len(todo), coverage=True)
    except GEOSException:
        region = np.array(
            [_voronoi_region(points[k], frame[k], side[slot == k] == 1) for k in range(len(todo))],
            dtype=object,
        )
    out[todo], retried = _overlay(shapely.intersection, overlap[todo], region)
    return out, np.isin(np.arange(m), todo[retried])


def _densify_near(lines, roads, a, b, spacing, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Points along each road of ``roads`` (sorted indices into ``lines``), dense where it
    comes near the roads it is paired with; (xy, index into ``roads``) per point.

    Each road is cut into pieces of at most :data:`_PIECE_M`; a piece inside the box
    ``[lo, hi]`` of one of the road's pairs ``(a, b)`` gets points ``sqrt(2 s d)`` apart,
    between ``s = spacing[road]`` and :data:`_PIECE_M`, where ``d`` is its distance to the
    nearest partner road of those pairs (a piece nearer than :data:`_PIECE_M` is first cut
    into :data:`_REFINE` pieces, each measured). At a point where the two roads are equally
    far (``D``) the foot of that point on either road is at most ``2 D`` from the other
    road, so the distance to the nearest sample exceeds ``D`` by at most
    ``step**2 / (8 D) <= s / 2``. The points depend on the road and its partners only,
    never on the pair, so one road has one distance function in all its pairs. Every
    vertex of the road is a point.
    """
    slot = np.full(len(lines), -1, dtype="int64")
    slot[roads] = np.arange(len(roads))
    parts, part_road = shapely.get_parts(
        shapely.segmentize(lines[roads], _PIECE_M), return_index=True
    )
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = np.flatnonzero(part[1:] == part[:-1])
    p0, p1 = xy[same], xy[same + 1]
    road = part_road[part[same]]
    first = np.searchsorted(road, np.arange(len(roads)))
    count = np.bincount(road, minlength=len(roads))
    piece_lo, piece_hi = np.minimum(p0, p1), np.maximum(p0, p1)
    hit_piece, hit_road = [], []
    for own, other in ((a, b), (b, a)):
        k = count[slot[own]]
        pair = np.repeat(np.arange(len(own)), k)
        piece = np.repeat(first[slot[own]], k) + _ranks(k)
        hit = np.all((piece_hi[piece] >= lo[pair]) & (piece_lo[piece] <= hi[pair]), axis=1)
        hit_piece.append(piece[hit])
        hit_road.append(other[pair[hit]])
    hit_piece, hit_road = np.concatenate(hit_piece), np.concatenate(hit_road)
    near = _nearest_partner(p0, p1, hit_piece, hit_road, lines)
    # Pieces near a partner are cut in _REFINE and measured again: near a junction the
    # spacing then grows within a few metres instead of staying fine for a whole piece.
    close = np.flatnonzero(near < _PIECE_M)
    if len(close):
        sub = np.repeat(close, _REFINE)
        t0 = (_ranks(np.full(len(close), _REFINE)) / _REFINE)[:, None]
        q0 = p0[sub] + t0 * (p1 - p0)[sub]
        q1 = q0 + (p1 - p0)[sub] / _REFINE
        index = np.full(len(p0), -1, dtype="int64")
        index[close] = np.arange(len(close)) * _REFINE
        use = index[hit_piece] >= 0
        child = np.repeat(index[hit_piece[use]], _REFINE) + np.tile(
            np.arange(_REFINE), int(use.sum())
        )
        sub_near = _nearest_partner(q0, q1, child, np.repeat(hit_road[use], _REFINE), lines)
        keep = np.ones(len(p0), dtype=bool)
        keep[close] = False
        p0, p1 = np.concatenate([p0[keep], q0]), np.concatenate([p1[keep], q1])
        road = np.concatenate([road[keep], road[sub]])
        near = np.concatenate([near[keep], sub_near])
    fine = spacing[roads][road]
    step = np.clip(np.sqrt(2 * fine * near), fine, _PIECE_M)
    n = np.maximum(np.ceil(np.hypot(*(p1 - p0).T) / step - 1e-9), 1).astype("int64")
    n[~np.isfinite(near)] = 1  # a piece no pair looks at: its ends are enough
    total = n + 1
    which = np.repeat(np.arange(len(road)), total)
    t = _ranks(total) / np.repeat(n, total)
    return p0[which] + t[:, None] * (p1 - p0)[which], road[which]


def _nearest_partner(p0, p1, piece, partner, lines) -> np.ndarray:
    """Per segment ``p0 -> p1``: its distance to the nearest of the lines ``partner``
    listed for it in ``piece`` (inf for a segment not listed)."""
    near = np.full(len(p0), np.inf)
    segs = shapely.linestrings(np.stack([p0[piece], p1[piece]], axis=1))
    np.minimum.at(near, piece, _threaded(shapely.distance, segs, lines[partner]))
    return near


def _voronoi_region(points, frame, mine: np.ndarray):
    """Union of the Voronoi cells of ``points[mine]``, one pair at a time (fallback)."""
    try:
        cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame, ordered=True))
        if len(cells) == len(mine):
            return shapely.coverage_union_all(cells[mine])
    except GEOSException:
        pass
    # Snap the points together a little and find which point each cell holds.
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame, tolerance=1e-5))
    pts = shapely.get_parts(points)
    ci, pi = shapely.STRtree(pts).query(cells, predicate="intersects")
    first = np.unique(ci, return_index=True)[1]
    ours = np.unique(ci[first][mine[pi[first]]])
    return shapely.union_all(cells[ours])


def _triangle_closure(a: np.ndarray, b: np.ndarray, voronoi: np.ndarray) -> np.ndarray:
    """Extend the Voronoi pairs so that no three mutually overlapping roads mix methods.

    Only the pairs around roads already in a Voronoi pair are looked at, growing the
    set until no triangle of overlapping roads mixes exact bisectors and Voronoi cells.
    """
    voronoi = voronoi.copy()
    if not voronoi.any():
        return voronoi
    roads = np.unique(np.concatenate([a[voronoi], b[voronoi]]))
    while True:
        near = np.flatnonzero(np.isin(a, roads) | np.isin(b, roads))
        pair_of = {(int(a[k]), int(b[k])): int(k) for k in near}
        neighbours: dict[int, set[int]] = defaultdict(set)
        for x, y in pair_of:
            neighbours[x].add(y)
            neighbours[y].add(x)
        added = False
        for k in near[voronoi[near]]:
            x, y = int(a[k]), int(b[k])
            for z in neighbours[x] & neighbours[y]:
                for p, q in ((x, z), (y, z)):
                    j = pair_of[(min(p, q), max(p, q))]
                    if not voronoi[j]:
                        voronoi[j] = True
                        added = True
        if not added:
            return voronoi
        roads = np.unique(np.concatenate([a[voronoi], b[voronoi]]))


def _segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every straight segment of ``lines`` (n, 2, 2), with start and count per line."""
    parts, owner = shapely.get_parts(lines, return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    seg = np.stack([xy[:-1][same], xy[1:][same]], axis=1)
    seg_line = owner[part[:-1][same]]
    start = np.searchsorted(seg_line, np.arange(len(lines)))
    count = np.bincount(seg_line, minlength=len(lines))
    return seg, start, count


def _only_segment(
    seg: np.ndarray, start: np.ndarray, count: np.ndarray, road: np.ndarray, lo, hi
) -> np.ndarray:
    """Per pair, the index of the one segment of ``road`` that meets box [lo, hi], else -1."""
    m = len(road)
    n_seg = count[road]
    pair = np.repeat(np.arange(m), n_seg)
    index = np.repeat(start[road], n_seg) + _ranks(n_seg)
    p0 = seg[index, 0]
    d = seg[index, 1] - p0
    t0 = np.zeros(len(index))
    t1 = np.ones(len(index))
    hit = np.ones(len(index), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis in (0, 1):  # Liang-Barsky clipping of each segment by the box
            for p, q in (
                (-d[:, axis], p0[:, axis] - lo[pair, axis]),
                (d[:, axis], hi[pair, axis] - p0[:, axis]),
            ):
                r = q / p
                hit &= ~((p == 0) & (q < 0))
                t0 = np.where(p < 0, np.maximum(t0, r), t0)
                t1 = np.where(p > 0, np.minimum(t1, r), t1)
    hit &= t0 <= t1
    hits = np.bincount(pair[hit], minlength=m)
    out = np.full(m, -1, dtype="int64")
    one = hits[pair] == 1
    out[pair[hit & one]] = index[hit & one]
    return out


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Drop the points and lines an overlay may return next to its polygons."""
    geoms = np.asarray(geoms, dtype=object)
    kinds = shapely.get_type_id(geoms)
    out = geoms.copy()
    # A polygon that snapping collapsed to a line or a point has no land left.
    out[np.isin(kinds, (0, 1, 2, 4, 5))] = shapely.MultiPolygon()
    mixed = np.flatnonzero(kinds == 7)
    if len(mixed) == 0:
        return out
    parts, owner = shapely.get_parts(geoms[mixed], return_index=True)
    parts, owner = (
        shapely.get_parts(parts, return_index=True)[0],
        owner[shapely.get_parts(parts, return_index=True)[1]],
    )
    keep = shapely.get_type_id(parts) == 3
    out[mixed] = shapely.MultiPolygon()
    if keep.any():
        present, slot = np.unique(owner[keep], return_inverse=True)
        out[mixed[present]] = shapely.multipolygons(parts[keep], indices=slot)
    return out


@dataclass
class _Partition:
    """The corridors (local coordinates) and how the partition rule was applied."""

    corridors: np.ndarray
    stats: dict[str, int]
    #: per overlapping pair that needed a snapped overlay: (road, road, where)
    fallbacks: list[tuple[int, int, shapely.Geometry]]


def _partition(
    polys: np.ndarray,
    lines: np.ndarray,
    width: np.ndarray,
    parcel: np.ndarray,
    id_rank: np.ndarray,
) -> _Partition:
    """Apply the partition rule to the right-of-way polygons ``polys``."""
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    level = parcel.astype("int64") * 10**12 + np.round(width * 1000).astype("int64")
    a_wins = level[a] > level[b]
    b_wins = level[b] > level[a]
    equal = ~a_wins & ~b_wins
    stats = {"touching_pairs": int(len(a))}

    # A narrower road simply loses all the land it shares with a wider one.
    losers = [a[b_wins], b[a_wins]]
    winners = [b[b_wins], a[a_wins]]
    pieces = [polys[b[b_wins]], polys[a[a_wins]]]
    flagged = [np.zeros(len(losers[0]), dtype=bool), np.zeros(len(losers[1]), dtype=bool)]
    if equal.any():
        ea, eb = a[equal], b[equal]
        lose_a, lose_b, retried, counts = _equal_pairs(ea, eb, polys, lines, width, parcel, id_rank)
        stats.update(counts)
        losers += [ea, eb]
        winners += [eb, ea]
        pieces += [lose_a, lose_b]
        flagged += [retried, retried]
    losers_all = np.concatenate(losers)
    winners_all = np.concatenate(winners)
    pieces_all = np.concatenate(pieces)
    flagged_all = np.concatenate(flagged)
    real = np.array([g is not None for g in pieces_all], dtype=bool)
    real[real] = shapely.area(pieces_all[real]) > _AREA_EPS
    corridors, retried = _subtract(polys, losers_all[real], pieces_all[real])
    flagged_all[np.flatnonzero(real)[retried]] = True
    # A last check that no two corridors share land (a wrong overlay GEOS did not report
    # would show here); such corridors are rebuilt on a coarser grid and noted.
    shared = _sharing_land(corridors, a, b)
    if shared.any():
        redo = np.unique(np.concatenate([a[shared], b[shared]]))
        use = real & np.isin(losers_all, redo)
        again, _ = _subtract(polys, losers_all[use], pieces_all[use], grid=_FALLBACK_GRIDS_M[0])
        corridors[redo] = again[redo]
        pair_key = np.minimum(losers_all, winners_all) * len(polys) + np.maximum(
            losers_all, winners_all
        )
        flagged_all |= np.isin(pair_key, a[shared] * len(polys) + b[shared])
    fallbacks: dict[tuple[int, int], shapely.Geometry] = {}
    for k in np.flatnonzero(flagged_all):
        pair = (int(min(losers_all[k], winners_all[k])), int(max(losers_all[k], winners_all[k])))
        where = pieces_all[k] if real[k] else polys[losers_all[k]]
        fallbacks.setdefault(pair, shapely.point_on_surface(where))
    return _Partition(
        _snap(corridors), stats, [(x, y, where) for (x, y), where in fallbacks.items()]
    )


def _shift(geoms: np.ndarray, offset: np.ndarray) -> np.ndarray:
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: xy + offset)


def _snap(polys: np.ndarray) -> np.ndarray:
    """Snap the corridors (local coordinates) to a 2**-25 m (30 nm) grid, edge-matched.

    Floating-point overlays leave slivers and near-pinches a nanometre wide, which a
    round trip through EPSG:4326 (it moves points by about 1 nm) can turn into invalid
    polygons. GEOS snap-rounding (:func:`shapely.set_precision`) puts every vertex on
    the grid (a power of two, exact when the local origin is added back) and clear of
    the edges it does not belong to; :func:`_edge_match` then gives neighbours identical
    shared boundaries.
    """

    def snap(geoms):
        return shapely.set_precision(geoms, _GRID_M)

    try:
        snapped = _threaded(snap, polys)
    except GEOSException:
        snapped = np.empty(len(polys), dtype=object)
        for k, geom in enumerate(polys):
            try:
                snapped[k] = snap(geom)
            except GEOSException:
                snapped[k] = _polygonal(np.array([shapely.make_valid(geom)], object))[0]
    snapped = _polygonal(snapped)
    matched = _edge_match(snapped, 4 * _GRID_M)
    bad = ~shapely.is_valid(matched)
    matched[bad] = snapped[bad]  # (never seen) keep the plain snapped polygon
    return matched


def _edge_match(polys: np.ndarray, tolerance: float) -> np.ndarray:
    """Give neighbouring polygons the same vertices along the boundaries they share.

    Snapped one by one, two corridors that share a boundary can disagree by a grid
    step: a vertex of one rounded to the next grid point from the other's copy, or a
    vertex of one lying on an edge of the other that has no vertex there (a
    "T-vertex"). Vertices of different polygons within ``tolerance`` of each other are
    unified (to the smaller coordinates), then each vertex within ``tolerance`` of a
    neighbour's edge is inserted into that edge, so the shared boundary is the same in
    both.
    """
    out = polys.copy()
    use = np.flatnonzero(~(shapely.is_missing(polys) | shapely.is_empty(polys)))
    if len(use) < 2:
        return out
    kind, xy, offsets = shapely.to_ragged_array(polys[use])
    ring_off = offsets[0]
    ring_of = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off))
    geom_of = ring_of
    for upper in offsets[1:]:  # rings -> polygons (-> multipolygons)
        geom_of = np.repeat(np.arange(len(upper) - 1), np.diff(upper))[geom_of]
    closing = ring_off[1:] - 1  # a ring's closing point repeats its first
    vertex = np.ones(len(xy), dtype=bool)
    vertex[closing] = False
    vertex = np.flatnonzero(vertex)

    # One envelope query finds, for every vertex, the edges of other polygons near it
    # (exact tests follow in numpy). A vertex near another polygon's vertex is near that
    # vertex's edges too, and the envelopes are three times the tolerance, so the pairs
    # still hold after step 1 moves vertices by up to the tolerance.
    start = np.flatnonzero(ring_of[1:] == ring_of[:-1])  # edge k runs xy[k] -> xy[k + 1]
    tree = shapely.STRtree(shapely.linestrings(np.stack([xy[start], xy[start + 1]], axis=1)))
    vi, ei = _query(tree, _envelopes(xy[vertex], 3 * tolerance))
    v, e = vertex[vi], start[ei]
    keep = geom_of[v] != geom_of[e]
    v, e = v[keep], e[keep]
    changed = np.zeros(len(use), dtype=bool)

    # 1. Nearly coincident vertices of different polygons become one point.
    vi = np.concatenate([v, v])
    vj = np.concatenate([e, np.where(np.isin(e + 1, closing), ring_off[:-1][ring_of[e]], e + 1)])
    near = np.any(xy[vi] != xy[vj], axis=1) & (np.hypot(*(xy[vi] - xy[vj]).T) <= tolerance)
    if near.any():
        vi, vj = vi[near], vj[near]
        smaller = (xy[vj, 0] < xy[vi, 0]) | ((xy[vj, 0] == xy[vi, 0]) & (xy[vj, 1] < xy[vi, 1]))
        vi, vj = vi[smaller], vj[smaller]
        order = np.lexsort((xy[vj, 1], xy[vj, 0], vi))  # the smallest partner first
        vi, vj = vi[order], vj[order]
        first = np.ones(len(vi), dtype=bool)
        first[1:] = vi[1:] != vi[:-1]
        xy[vi[first]] = xy[vj[first]]
        xy[closing] = xy[ring_off[:-1]]
        changed[geom_of[vi[first]]] = True

    # 2. A vertex lying on a neighbour's edge is inserted into that edge.
    p, a, b = xy[v], xy[e], xy[e + 1]
    d = b - a
    t = ((p - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-300)
    foot = a + np.clip(t, 0, 1)[:, None] * d
    new = (
        (np.hypot(*(p - foot).T) <= tolerance)
        & (np.abs(p - a).max(1) > tolerance)
        & (np.abs(p - b).max(1) > tolerance)
        & (t > 0)
        & (t < 1)
    )
    coords, rings = xy, ring_off
    if new.any():
        e, t, p = e[new], t[new], p[new]
        key = np.unique(np.column_stack([e, t, p]), axis=0)  # one insert per place per edge
        e, t, p = key[:, 0].astype("int64"), key[:, 1], key[:, 2:]
        order = np.lexsort(
            (np.concatenate([np.full(len(xy), -1.0), t]), np.concatenate([np.arange(len(xy)), e]))
        )
        coords = np.concatenate([xy, p])[order]
        added = np.bincount(ring_of[e], minlength=len(ring_off) - 1)
        rings = np.concatenate([[0], np.cumsum(np.diff(ring_off) + added)])
        changed[geom_of[e]] = True
    if not changed.any():
        return out
    matched = shapely.from_ragged_array(kind, coords, (rings, *offsets[1:]))
    single = changed & (shapely.get_num_geometries(matched) == 1)
    matched[single] = shapely.get_geometry(matched[single], 0)
    out[use[changed]] = matched[changed]
    return out


def _equal_pairs(ea, eb, polys, lines, width, parcel, id_rank):
    """Land each road of an equal-width pair loses to the other (None: nothing)."""
    m = len(ea)
    lose_a = np.full(m, None, dtype=object)
    lose_b = np.full(m, None, dtype=object)
    retried = np.zeros(m, dtype=bool)
    a_first = id_rank[ea] < id_rank[eb]
    buffered = ~(parcel[ea] | parcel[eb])
    margin = width[ea] / 2 + _MARGIN_M
    seg, seg_start, seg_count = _segments(lines)

    # Cheap test first: the box where both buffers' envelopes meet.
    box_a, box_b = shapely.bounds(polys[ea]), shapely.bounds(polys[eb])
    lo = np.maximum(box_a[:, :2], box_b[:, :2]) - margin[:, None]
    hi = np.minimum(box_a[:, 2:], box_b[:, 2:]) + margin[:, None]
    only_a = _only_segment(seg, seg_start, seg_count, ea, lo, hi)
    only_b = _only_segment(seg, seg_start, seg_count, eb, lo, hi)
    quick = buffered & (only_a >= 0) & (only_b >= 0)

    # The others: the exact overlap, and the test again on its (smaller) envelope.
    overlap = np.full(m, None, dtype=object)
    slow = np.flatnonzero(~quick)
    positive = np.ones(m, dtype=bool)
    straight = quick.copy()
    if len(slow):
        overlap[slow], retried[slow] = _overlay(
            shapely.intersection, polys[ea[slow]], polys[eb[slow]]
        )
        positive[slow] = shapely.area(overlap[slow]) > _AREA_EPS
        bounds = shapely.bounds(overlap[slow])
        grow = margin[slow, None]
        oa = _only_segment(
            seg, seg_start, seg_count, ea[slow], bounds[:, :2] - grow, bounds[:, 2:] + grow
        )
        ob = _only_segment(
            seg, seg_start, seg_count, eb[slow], bounds[:, :2] - grow, bounds[:, 2:] + grow
        )
        only_a[slow], only_b[slow] = oa, ob
        straight[slow] = buffered[slow] & (oa >= 0) & (ob >= 0) & positive[slow]
    voronoi = _triangle_closure(ea[positive], eb[positive], ~straight[positive])
    use_voronoi = np.zeros(m, dtype=bool)
    use_voronoi[positive] = voronoi

    fast = np.flatnonzero(straight & ~use_voronoi)
    if len(fast):
        chunks = np.array_split(fast, _THREADS if len(fast) >= 8192 else 1)

        def cut(rows):
            return _nearer_convex(
                seg[only_a[rows]], seg[only_b[rows]], width[ea[rows]] / 2, a_first[rows]
            )

        with ThreadPoolExecutor(len(chunks)) as pool:  # numpy releases the GIL
            for rows, (la, lb) in zip(chunks, pool.map(cut, chunks), strict=True):
                lose_a[rows], lose_b[rows] = la, lb
    approx = np.flatnonzero(use_voronoi)
    if len(approx):
        need = approx[[overlap[k] is None for k in approx]]
        if len(need):
            overlap[need], retried[need] = _overlay(
                shapely.intersection, polys[ea[need]], polys[eb[need]]
            )
        spacing = np.minimum(_MAX_SPACING_M, width / 20)
        vm = np.where(
            buffered[approx], margin[approx] + 2 * spacing[ea[approx]] + _PIECE_M / 2, 1e12
        )
        got, again = _nearer_voronoi(
            overlap[approx], ea[approx], eb[approx], lines, spacing, vm, id_rank
        )
        retried[approx] |= again
        none_b = np.array([g is None for g in got], dtype=bool)
        all_b = np.array([g is o for g, o in zip(got, overlap[approx], strict=True)], dtype=bool)
        split = ~none_b & ~all_b
        lose_a[approx[~none_b]] = got[~none_b]
        lose_a[approx[split]] = _polygonal(got[split])
        lose_b[approx[none_b]] = overlap[approx[none_b]]
        lose_b[approx[split]], again = _overlay(
            shapely.difference, overlap[approx[split]], lose_a[approx[split]], subtracts=True
        )
        retried[approx[split]] |= again
    counts = {
        "equal_width_pairs": int(positive.sum()),
        "bisector_pairs": int(len(fast)),
        "voronoi_pairs": int(len(approx)),
    }
    return lose_a, lose_b, retried, counts


# -- chainage pieces -----------------------------------------------------------------
def _split(
    corridors: np.ndarray,
    lines: np.ndarray,
    sta_start: np.ndarray,
    reach: np.ndarray,
    every: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut corridors at every multiple of ``every`` metres of chainage.

    Returns (corridor index, sta_from, sta_to, geometry) per piece, in corridor order.
    ``reach`` is how far from its centreline a corridor's land can lie.
    """
    length = shapely.length(lines)
    end = sta_start + length
    first_cut = (np.floor(sta_start / every) + 1) * every
    count = np.maximum(np.ceil((end - first_cut) / every), 0).astype("int64")
    # A cut at (or within a millimetre of) the road's end is no cut.
    last = first_cut + (count - 1) * every
    count -= (count > 0) & (last >= end - 1e-3)

    whole = np.flatnonzero(count == 0)
    out_index = [whole]
    out_from = [sta_start[whole]]
    out_to = [end[whole]]
    out_geom = [corridors[whole]]

    cut = np.flatnonzero(count > 0)
    if len(cut):
        owner = np.repeat(cut, count[cut])
        station = first_cut[owner] + _ranks(count[cut]) * every
        along = station - sta_start[owner]
        line = lines[owner]
        here = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
        back = shapely.get_coordinates(
            shapely.line_interpolate_point(line, np.maximum(along - 1e-3, 0))
        )
        d = here - back
        d /= np.hypot(d[:, 0], d[:, 1])[:, None]
        normal = np.stack([-d[:, 1], d[:, 0]], axis=1) * (reach[owner] + 1.0)[:, None]
        blades = shapely.linestrings(np.stack([here - normal, here + normal], axis=1))
        edges = shapely.get_parts(shapely.boundary(corridors[cut]), return_index=True)
        parts = np.concatenate([edges[0], blades])
        part_owner = np.concatenate([cut[edges[1]], owner])
        slot = np.searchsorted(cut, part_owner)
        order = np.argsort(slot, kind="stable")
        linework = shapely.node(shapely.multilinestrings(parts[order], indices=slot[order]))
        faces, face_slot = shapely.get_parts(
            shapely.polygonize(linework[:, None]), return_index=True
        )
        inside = shapely.point_on_surface(faces)
        keep = shapely.intersects(corridors[cut[face_slot]], inside)
        faces, face_slot, inside = faces[keep], face_slot[keep], inside[keep]
        road = cut[face_slot]
        chain = sta_start[road] + shapely.line_locate_point(lines[road], inside)
        piece = np.clip(np.floor(chain / every), np.floor(sta_start[road] / every), None)
        piece = np.minimum(piece, np.floor(sta_start[road] / every) + count[road])
        keys, group = np.unique(np.column_stack([face_slot, piece]), axis=0, return_inverse=True)
        group = group.ravel()
        merged = _grouped_union(faces, group, len(keys), coverage=True)
        k_road = cut[keys[:, 0].astype("int64")]
        k_from = np.maximum(keys[:, 1] * every, sta_start[k_road])
        k_to = np.minimum((keys[:, 1] + 1) * every, end[k_road])
        # Keep the cut only where the faces rebuild the corridor (they always should).
        got = np.bincount(np.searchsorted(cut, k_road), shapely.area(merged), minlength=len(cut))
        want = shapely.area(corridors[cut])
        good = np.abs(got - want) <= 1e-6 * np.maximum(want, 1.0)
        if not good.all():
            log.warning(
                "could not cut %d corridor(s) into chainage pieces; kept whole: %s",
                int((~good).sum()),
                ", ".join(map(str, cut[~good][:20])),
            )
        ok_piece = good[np.searchsorted(cut, k_road)]
        out_index += [k_road[ok_piece], cut[~good]]
        out_from += [k_from[ok_piece], sta_start[cut[~good]]]
        out_to += [k_to[ok_piece], end[cut[~good]]]
        out_geom += [merged[ok_piece], corridors[cut[~good]]]
    index = np.concatenate(out_index)
    sta_from = np.concatenate(out_from)
    order = np.lexsort((sta_from, index))
    return (
        index[order],
        sta_from[order],
        np.concatenate(out_to)[order],
        np.concatenate(out_geom)[order],
    )


# -- roads left without land --------------------------------------------------------
def _lonlat(geoms: np.ndarray, crs) -> np.ndarray:
    """Coordinates (lon, lat) of point geometries given in ``crs``."""
    return shapely.get_coordinates(gpd.GeoSeries(geoms, crs=crs).to_crs(4326).values)


def _land_takers(
    landless: np.ndarray,
    lines: np.ndarray,
    own_width: np.ndarray,
    road_ids: np.ndarray,
    corridors: np.ndarray,
    has_land: np.ndarray,
    corridor_width: np.ndarray,
    corridor_source: np.ndarray,
) -> dict[int, str]:
    """For each road in ``landless``: which road's corridor holds its land, and why.

    The taker is the corridor that covers the longest stretch of the road's centreline;
    why is the first step of the partition rule that decides between the two roads.
    ``corridors`` are aligned with the roads (``has_land`` says which have land).
    """
    out: dict[int, str] = {}
    if len(landless) == 0:
        return out
    holders = np.flatnonzero(has_land)
    tree = shapely.STRtree(corridors[holders])
    road, hit = tree.query(lines[landless], predicate="intersects")
    covered = shapely.length(shapely.intersection(lines[landless[road]], corridors[holders[hit]]))
    order = np.lexsort((-covered, road))
    road, hit = road[order], hit[order]
    first = np.unique(road, return_index=True)[1]
    best = dict(zip(road[first].tolist(), holders[hit[first]].tolist(), strict=True))
    for i, k in enumerate(landless):
        j = best.get(i)
        if j is None:
            out[int(k)] = "its right-of-way is empty"
            continue
        other = road_ids[j]
        if corridor_source[j] == "parcel":
            why = f"the certified parcel of {other}"
        elif corridor_width[j] > own_width[k] + 5e-4:
            why = f"{other}, which is wider ({corridor_width[j]:g} m against {own_width[k]:g} m)"
        elif shapely.hausdorff_distance(lines[k], lines[j]) < 0.01:
            why = f"{other}, digitised at the same place (the smaller road_id keeps the land)"
        else:
            why = f"{other}, whose centreline is nearer (equal widths of {own_width[k]:g} m)"
        out[int(k)] = f"its right-of-way lies wholly in the land of {why}"
    return out


def landless_roads(
    roads: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    *,
    widths: Mapping[str, float] | str | os.PathLike | None = None,
    crs=None,
) -> pd.DataFrame:
    """Roads of ``roads`` that have a line but no corridor, with who took their land and why.

    Parameters
    ----------
    roads, corridors
        The ``roads`` and ``corridors`` layers (any CRS).
    widths, crs
        As for :func:`build_corridors` (a widths file changes a road's own width).

    Returns
    -------
    DataFrame
        ``road_id``, ``row`` (1-based row in ``roads``), ``message`` and ``geometry``
        (a point in the middle of the road, EPSG:4326).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame({"road_id": ["WIDE", "SHORT"], "rumija_m": [30.0, 10.0]},
    ...     crs=32751, geometry=[LineString([(500000, 8870000), (500100, 8870000)]),
    ...                          LineString([(500040, 8870002), (500060, 8870002)])])
    >>> landless_roads(roads, build_corridors(roads))["message"].tolist()
    ['its right-of-way lies wholly in the land of WIDE, which is wider (30 m against 10 m)']
    """
    lines, _ = _centrelines(roads, crs, what="corridors")
    width, _, _ = _road_widths(roads, lines, _width_map(widths), np.zeros(len(lines), bool))
    have = set(_texts(corridors["road_id"])) if len(corridors) else set()
    landless = np.flatnonzero([rid not in have for rid in lines.road_id])
    columns = ["road_id", "row", "message", "geometry"]
    if len(landless) == 0:
        return pd.DataFrame({c: [] for c in columns})
    corridor_road = _texts(corridors["road_id"])
    # One shape per road with land (the pieces of a split corridor are merged).
    holder, slot = np.unique(corridor_road, return_inverse=True)
    metric = np.asarray(corridors.geometry.to_crs(lines.crs).values, dtype=object)
    merged = _grouped_union(metric, slot.ravel(), len(holder), coverage=False)
    index = {rid: k for k, rid in enumerate(lines.road_id)}
    aligned = np.full(len(lines), None, dtype=object)
    has_land = np.zeros(len(lines), dtype=bool)
    corridor_width = np.full(len(lines), np.nan)
    corridor_source = np.full(len(lines), None, dtype=object)
    first = np.unique(slot.ravel(), return_index=True)[1]
    for h, rid in enumerate(holder):
        k = index.get(rid)
        if k is not None:
            aligned[k], has_land[k] = merged[h], True
            corridor_width[k] = float(corridors["width_m"].iloc[first[h]])
            corridor_source[k] = str(corridors["width_source"].iloc[first[h]])
    taken = _land_takers(
        landless,
        np.asarray(lines.geometry, dtype=object),
        width,
        lines.road_id,
        aligned,
        has_land,
        corridor_width,
        corridor_source,
    )
    middle = shapely.line_interpolate_point(lines.geometry[landless], 0.5, normalized=True)
    return pd.DataFrame(
        {
            "road_id": lines.road_id[landless].astype(str),
            "row": lines.rows[landless] + 1,
            "message": [taken[int(k)] for k in landless],
            "geometry": gpd.GeoSeries(middle, crs=lines.crs).to_crs(4326).values,
        }
    )


# -- public --------------------------------------------------------------------------
def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    return _texts(frame[name])


def _parcel_corridor(centreline, land, width: float, road_id) -> shapely.Geometry:
    """A parcel road's Rumija: the parcel where it covers the road, a buffer elsewhere.

    The buffer is cut off square (flat caps) where the centreline enters the parcel, so
    the certified land replaces the estimate exactly along the stretch it covers.
    """
    outside = shapely.difference(centreline, land)
    if shapely.length(outside) < 0.01:
        return land
    if not np.isfinite(width):
        log.warning(
            "road %s: %.0f m of road lie outside its parcel and it has no width to buffer them "
            "with; its corridor is the parcel alone",
            road_id,
            shapely.length(outside),
        )
        return land
    covered = shapely.intersection(centreline, land)
    strip = shapely.buffer(
        centreline, width / 2, cap_style="flat", join_style="round", quad_segs=_QUAD_SEGS
    )
    if shapely.length(covered) > 0:
        strip = shapely.difference(
            strip,
            shapely.buffer(
                covered, width / 2, cap_style="flat", join_style="round", quad_segs=_QUAD_SEGS
            ),
        )
    return shapely.make_valid(shapely.union(land, strip))


def build_corridors(
    roads: gpd.GeoDataFrame,
    *,
    parcels: gpd.GeoDataFrame | None = None,
    widths: Mapping[str, float] | str | os.PathLike | None = None,
    crs=None,
    split_every: float | None = None,
) -> gpd.GeoDataFrame:
    """Right-of-way corridors of ``roads``: one per road (or per chainage piece), a partition.

    See the module documentation for the width of each road and the partition rule.

    Parameters
    ----------
    roads
        The ``roads`` layer (``road_id``; ``road_class``, ``rumija_m``, ``sta_start_m``,
        ``name``, ``status``, ``kabupaten`` when present), any CRS.
    parcels
        Optional ``parcels`` layer (``road_id`` + polygons): certified Rumija land.
    widths
        Width per road class: a mapping or the path of a ``road_class,width_m`` CSV.
    crs
        Metric CRS to compute in (projected, metres); default the roads' UTM zone.
    split_every
        If given, cut each corridor into pieces of this many metres of chainage.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, columns :data:`CORRIDOR_COLUMNS` + ``geometry``; ``attrs["skipped"]``
        maps each road left without a corridor to the reason.

    Raises
    ------
    SchemaError
        Roads without an id, with a repeated id, a bad ``rumija_m`` or no width at all.
    CRSError
        ``crs`` is geographic or not in metres ("refused").

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> road = gpd.GeoDataFrame({"road_id": ["R9"], "rumija_m": [20.0]}, crs=32751,
    ...     geometry=[LineString([(500000, 8870000), (502500, 8870000)])])
    >>> pieces = build_corridors(road, split_every=1000)
    >>> pieces[["corridor_id", "sta", "area_m2"]].values.tolist()
    [['R9:0', 'STA 0+000 – 1+000', 20000.0], ['R9:1000', 'STA 1+000 – 2+000', 20000.0], ['R9:2000', 'STA 2+000 – 2+500', 10000.0]]
    """
    if split_every is not None:
        every = float(split_every)
        if not (np.isfinite(every) and every > 0):
            raise ValueError(f"split_every must be a number of metres > 0, got {split_every!r}")
    table = _width_map(widths)
    lines, problems = _centrelines(roads, crs, what="corridors")
    parcel_land, skipped_parcels = _parcels(parcels, lines)
    has_parcel = np.zeros(len(lines), dtype=bool)
    has_parcel[list(parcel_land)] = True
    width, source, width_problems = _road_widths(roads, lines, table, has_parcel)
    problems += width_problems
    if not problems and len(lines) == 0:
        listed = ", ".join(f"{k} ({v})" for k, v in list(lines.skipped.items())[:20])
        problems.append(ValidationProblem(None, None, f"no road has a usable line: {listed}"))
    if problems:
        raise SchemaError("roads", problems)

    skipped = dict(lines.skipped)
    # Work around a local origin: small coordinates keep GEOS's robustness fallbacks
    # (which snap by a tolerance relative to the coordinates' size) at the nanometre.
    origin = np.floor(np.nanmin(shapely.bounds(lines.geometry)[:, :2], axis=0) / 1000) * 1000
    geoms = _shift(lines.geometry, -origin)
    parcel_land = {
        k: _shift(np.array([v], dtype=object), -origin)[0] for k, v in parcel_land.items()
    }
    length = shapely.length(geoms)
    polys = np.empty(len(lines), dtype=object)
    buffered = ~has_parcel
    polys[buffered] = shapely.buffer(
        geoms[buffered],
        width[buffered] / 2,
        cap_style="flat",
        join_style="round",
        quad_segs=_QUAD_SEGS,
    )
    # Widths the parcel roads would have without their parcels: the stretches of road
    # that a parcel does not cover keep a buffered Rumija.
    fallback, _, _ = _road_widths(roads, lines, table, np.zeros(len(lines), dtype=bool))
    for k, land in parcel_land.items():
        polys[k] = _parcel_corridor(geoms[k], land, fallback[k], lines.road_id[k])
        width[k] = shapely.area(polys[k]) / length[k]
        source[k] = "parcel"
    id_rank = np.empty(len(lines), dtype="int64")
    id_rank[np.argsort(lines.road_id.astype(str), kind="stable")] = np.arange(len(lines))
    cut = _partition(polys, geoms, width, has_parcel, id_rank)
    corridors, stats = cut.corridors, cut.stats
    area = shapely.area(corridors)
    gone = area <= 1e-6
    taken = _land_takers(
        np.flatnonzero(gone), geoms, width, lines.road_id, corridors, ~gone, width, source
    )
    for k, message in taken.items():
        skipped[str(lines.road_id[k])] = message
    if gone.any():
        log.warning(
            "%d road(s) left without land of their own:\n  %s",
            int(gone.sum()),
            "\n  ".join(f"{lines.road_id[k]}: {m}" for k, m in list(taken.items())[:50]),
        )
    notes = np.full(len(lines), "", dtype=object)
    for x, y, where in cut.fallbacks:
        lon, lat = _lonlat(_shift(np.array([where], dtype=object), origin), lines.crs)[0]
        for k, other in ((x, y), (y, x)):
            notes[k] += (
                f"{'; ' if notes[k] else ''}boundary with {lines.road_id[other]} cut on a "
                f"snapped grid near {lat:.6f}, {lon:.6f} (GEOS failed on the exact cut)"
            )
        log.warning(
            "roads %s and %s: GEOS failed on the exact cut between their right-of-way; cut on "
            "a snapped grid instead (still a partition) near %.6f, %.6f",
            lines.road_id[x],
            lines.road_id[y],
            lat,
            lon,
        )
    log.info(
        "%d corridors in %s; %d touching pairs (%d overlaps of equal widths: %d cut on "
        "bisectors, %d on Voronoi cells)",
        int((~gone).sum()),
        lines.crs_label,
        stats["touching_pairs"],
        stats.get("equal_width_pairs", 0),
        stats.get("bisector_pairs", 0),
        stats.get("voronoi_pairs", 0),
    )
    use = np.flatnonzero(~gone)
    if split_every is None:
        index = use
        sta_from = lines.sta_start[use]
        sta_to = sta_from + length[use]
        pieces = corridors[use]
        ids = lines.road_id[use].astype(object)
    else:
        reach = np.where(has_parcel, 0.0, width / 2)
        if has_parcel.any():
            b = shapely.bounds(shapely.union(polys[has_parcel], geoms[has_parcel]))
            reach[has_parcel] = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        sub, sta_from, sta_to, pieces = _split(
            corridors[use], geoms[use], lines.sta_start[use], reach[use], float(split_every)
        )
        index = use[sub]
        ids = (
            pd.Series(lines.road_id[index], dtype="str")
            + ":"
            + pd.Series(np.round(sta_from).astype("int64")).astype("str")
        ).to_numpy(dtype=object)
    frame = roads.iloc[lines.rows[index]]
    result = gpd.GeoDataFrame(
        {
            "corridor_id": pd.Series(ids, dtype="str"),
            "road_id": pd.Series(lines.road_id[index], dtype="str"),
            "road_name": pd.Series(_column(frame, "name"), dtype="str"),
            "road_status": pd.Series(_column(frame, "status"), dtype="str"),
            "road_class": pd.Series(_column(frame, "road_class"), dtype="str"),
            "kabupaten": pd.Series(_column(frame, "kabupaten"), dtype="str"),
            "sta_from_m": sta_from,
            "sta_to_m": sta_to,
            "sta": pd.Series(_range_labels(sta_from, sta_to), dtype="str"),
            "width_m": width[index],
            "width_source": pd.Series(source[index], dtype="str"),
            "area_m2": shapely.area(pieces),
            "metric_crs": lines.crs_label,
            "note": pd.Series(notes[index], dtype="str"),
        },
        geometry=gpd.GeoSeries(_shift(pieces, origin), crs=lines.crs).to_crs(4326).values,
        crs=4326,
    )
    result.attrs["skipped"] = skipped
    result.attrs["skipped_parcels"] = skipped_parcels
    return result
