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
straight segments (the usual crossing), or rays leaving one shared node (the usual
junction: every segment of both roads within reach of the overlap starts or ends at that
node), the overlap is cut exactly along the bisectors of the two centrelines. Otherwise
(bends, curves, parcels) both centrelines are sampled and the overlap is cut along the
Voronoi cells of those points (from a Delaunay triangulation of each pair's points, Qhull
through scipy; GEOS's Voronoi diagram is the fallback). The points are
s = min(0.5 m, width/20) apart where a road comes close to the other road, and
sqrt(2·s·d) apart (at most 8 m) on a stretch d metres away from it, so that wherever the
two roads are equally far, the distances compared exceed the true ones by at most s/2
(25 cm for roads 10 m wide or more; the cut moves farther than that only where the two
roads run in nearly the same direction, and there either road is almost as near). The
far-apart stretches of dual carriageways thus cost few points. Pairs are cut one at a
time but with the same distance function per road (:mod:`geoasset.bisectors_voronoi`), so three
or more roads meeting at one place still share the land without gap or overlap; where
three roads share land, their three cuts use one method. Outside the land a third road
of the same width reaches, a Voronoi cut is simplified within s/4 (12.5 cm for 0.5 m),
so there a point goes to the farther road only where the two distances differ by less
than s (50 cm).

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

import logging
import os
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoasset.centrelines import Centrelines, _centrelines, _texts
from geoasset.corridor_pieces import _split
from geoasset.corridor_widths import _road_widths, _width_map, load_widths
from geoasset.errors import (
    CRSError,
    SchemaError,
    ValidationProblem,
)
from geoasset.overlays import _AREA_EPS, _grouped_union, _polygonal
from geoasset.partition import _partition, _shift
from geoasset.sta import _range_labels

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

_QUAD_SEGS = 8


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
