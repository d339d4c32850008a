"""The offline background of a field map: boundaries, other roads and place names.

A field map carries its own light background so that it reads without a network: the
administrative boundaries of NTT (kabupaten/kota and the desa/kelurahan of Kupang,
packed from ``layers/boundaries`` by :func:`pack_boundaries` into
``geoasset/assets/background/ntt_boundaries.json``: "cahyadsn/wilayah_boundaries;
geometry originally BIG", MIT licence), the inventory's roads that the map does not draw
itself, and the place names. Only what lies within the map's extent (and a margin of
:data:`MARGIN_M`) goes into the page, clipped and rounded to about a metre, so a
corridor map grows by a few kilobytes.

Examples
--------
>>> bg = background_payload({}, {}, [[-10.18, 123.60], [-10.16, 123.63]])
>>> sorted(bg), bg["credit"].startswith("Boundaries")
(['credit', 'lines', 'names', 'roads'], True)
>>> 0 < len(bg["lines"]) and any("Oebufu" in n[2] for n in bg["names"])
True
"""

from __future__ import annotations

import functools
import json
import os
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geoasset.crs import metric_crs
from geoasset.errors import GeoassetError

__all__ = ["background_payload", "pack_boundaries", "BOUNDARIES_FILE"]

#: Packed boundaries inside the package (see :func:`pack_boundaries`).
BOUNDARIES_FILE = "background/ntt_boundaries.json"
#: Around the map's extent, what the background still shows, in metres.
MARGIN_M = 1500.0
#: Douglas–Peucker tolerance of the packed boundaries and of the background roads, in m.
TOLERANCE_M = 25.0
#: Decimals of background coordinates (1e-5° is about 1.1 m).
DIGITS = 5
#: Zoom level from which the names of each level appear.
NAME_ZOOM = {"kabupaten_kota": 9, "kecamatan": 11, "desa_kelurahan": 13, "place": 12}
_CREDIT = "Boundaries: cahyadsn/wilayah_boundaries (MIT), geometry originally BIG"


def _line_parts(geoms) -> np.ndarray:
    """The LineStrings of ``geoms``, in order: the parts of multi-lines and collections
    and the rings of polygons; points, empty and one-point lines are left out."""
    parts = np.asarray(geoms, dtype=object)
    parts = parts[~shapely.is_missing(parts)]
    while len(parts):
        types = shapely.get_type_id(parts)
        polygonal = (types == 3) | (types == 6)
        if polygonal.any():
            parts = parts.copy()
            parts[polygonal] = shapely.boundary(parts[polygonal])
            types = shapely.get_type_id(parts)
        if not (types >= 4).any():  # no multi-part geometry or collection left
            break
        parts = shapely.get_parts(parts)
    keep = (shapely.get_type_id(parts) == 1) & (shapely.get_num_coordinates(parts) > 1)
    return parts[keep]


def _flat_lines(geoms, digits: int = DIGITS) -> list[list[float]]:
    """Each line of ``geoms`` (see :func:`_line_parts`) as ``[lat, lon, lat, lon, ...]``
    rounded to ``digits`` decimals.

    >>> _flat_lines([shapely.MultiLineString([[(123.6, -10.2), (123.7, -10.1)]])], 1)
    [[-10.2, 123.6, -10.1, 123.7]]
    """
    lines = _line_parts(geoms)
    if not len(lines):
        return []
    flat = np.round(shapely.get_coordinates(lines)[:, ::-1], digits).ravel().tolist()
    ends = np.cumsum(shapely.get_num_coordinates(lines)) * 2
    starts = np.concatenate([[0], ends[:-1]])
    return [flat[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def pack_boundaries(
    sources: list[str | os.PathLike], out: str | os.PathLike, tolerance_m: float = TOLERANCE_M
) -> Path:
    """Pack boundary polygons (GeoJSON with ``nama``, ``level`` and optionally
    ``centroid_lat``/``centroid_lng``) into the compact file the maps read.

    Each level's shared edges are drawn once (the union of its boundaries), simplified
    by ``tolerance_m`` in the metric CRS, rounded to :data:`DIGITS` decimals.

    Examples
    --------
    >>> import os, tempfile
    >>> src = os.path.join("layers", "boundaries", "ntt_kabupaten_kota.geojson")
    >>> out = pack_boundaries([src], os.path.join(tempfile.mkdtemp(), "b.json"))
    >>> data = json.loads(out.read_text())
    >>> len(data["names"]), sorted(data["lines"])
    (22, ['kabupaten_kota'])
    """
    lines: dict[str, list] = {}
    names: list = []
    for source in sources:
        frame = gpd.read_file(source).to_crs("EPSG:4326")
        if "level" not in frame or "nama" not in frame:
            raise GeoassetError(f"{source}: boundaries need the columns 'level' and 'nama'")
        metric = metric_crs(frame)
        for level, rows in frame.groupby("level", sort=True):
            edges = shapely.union_all([g.boundary for g in rows.to_crs(metric).geometry])
            edges = shapely.line_merge(edges)
            simple = shapely.simplify(edges, tolerance_m, preserve_topology=False)
            simple = gpd.GeoSeries([simple], crs=metric).to_crs("EPSG:4326").iloc[0]
            lines.setdefault(str(level), []).extend(_flat_lines([simple]))
            points = rows.geometry.representative_point()
            for (_, row), point in zip(rows.iterrows(), points, strict=True):
                lat = row.get("centroid_lat")
                lon = row.get("centroid_lng")
                if lat is None or lon is None or not np.isfinite([lat, lon]).all():
                    lat, lon = point.y, point.x
                names.append(
                    [
                        round(float(lat), DIGITS),
                        round(float(lon), DIGITS),
                        str(row["nama"]),
                        str(level),
                    ]
                )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {"credit": _CREDIT, "lines": lines, "names": names}
    out.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), "utf-8")
    return out


@functools.cache
def _packed() -> dict:
    """The packed boundaries, as shapely lines per level and name points."""
    text = (resources.files("geoasset") / "assets" / BOUNDARIES_FILE).read_text("utf-8")
    data = json.loads(text)
    lines = {}
    for level, flats in data["lines"].items():
        geoms = [shapely.LineString(np.asarray(f).reshape(-1, 2)[:, ::-1]) for f in flats]
        lines[level] = np.asarray(geoms, dtype=object)
    return {"credit": data["credit"], "lines": lines, "names": data["names"]}


def _box(bounds: list, margin_m: float) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of ``[[south, west], [north, east]]`` plus a margin."""
    (s, w), (n, e) = bounds
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * max(0.2, np.cos(np.radians((s + n) / 2))))
    return (w - dlon, s - dlat, e + dlon, n + dlat)


def _clipped(geoms, box) -> list[list[float]]:
    arr = np.asarray(geoms, dtype=object)
    if not len(arr):
        return []
    hit = shapely.intersects(arr, shapely.box(*box))
    return _flat_lines(shapely.clip_by_rect(arr[hit], *box))


def background_payload(
    frames: dict, shown: dict, bounds: list | None, extra: list | None = None
) -> dict | None:
    """The page's ``background``: boundary lines, other roads and names near ``bounds``.

    ``frames`` are the whole inventory's, ``shown`` what the map draws: roads of
    ``frames`` that ``shown`` leaves out are drawn grey. ``extra``: more vector files
    (lines, polygons; points with a ``name``/``nama`` column become place names).
    """
    if not bounds:
        return None
    box = _box(bounds, MARGIN_M)
    packed = _packed()
    lines: list = []
    for geoms in packed["lines"].values():
        lines.extend(_clipped(geoms, box))
    w, s, e, n = box
    names = [
        [lat, lon, name, NAME_ZOOM.get(level, 12)]
        for lat, lon, name, level in packed["names"]
        if s <= lat <= n and w <= lon <= e
    ]
    roads: list = []
    every = frames.get("roads")
    if every is not None and len(every):
        drawn = shown.get("roads")
        keep = np.ones(len(every), dtype=bool)
        if drawn is not None and len(drawn) and "road_id" in every:
            keep = ~every["road_id"].astype(str).isin(set(drawn["road_id"].astype(str))).to_numpy()
        if keep.any():
            roads = _clipped(_simplified(every.geometry[keep]), box)
    for path in extra or ():
        frame = gpd.read_file(path)
        frame = frame.to_crs("EPSG:4326") if frame.crs else frame.set_crs("EPSG:4326")
        points = frame.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
        lines.extend(_clipped(_simplified(frame.geometry[~points]), box))
        column = next((c for c in ("name", "nama") if c in frame), None)
        if column is not None:
            for geom, name in zip(frame.geometry[points], frame.loc[points, column], strict=True):
                p = geom.geoms[0] if geom.geom_type == "MultiPoint" else geom
                if s <= p.y <= n and w <= p.x <= e and isinstance(name, str) and name:
                    names.append([round(p.y, DIGITS), round(p.x, DIGITS), name, NAME_ZOOM["place"]])
    return {"lines": lines, "roads": roads, "names": names, "credit": packed["credit"]}


def _simplified(geoms: gpd.GeoSeries) -> np.ndarray:
    if not len(geoms):
        return np.zeros(0, dtype=object)
    metric = metric_crs(geoms)
    simple = shapely.simplify(
        np.asarray(geoms.to_crs(metric).values, dtype=object), TOLERANCE_M / 5
    )
    return np.asarray(gpd.GeoSeries(simple, crs=metric).to_crs("EPSG:4326").values, dtype=object)
