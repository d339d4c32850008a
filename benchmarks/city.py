"""West Jakarta test city: real OpenStreetMap roads and seeded synthetic poles.

The roads are ``layers/jakarta_west/roads_osm.geojson`` (9,287 real links, raw OSM
columns, © OpenStreetMap contributors, ODbL 1.0), classed by geoasset's own OSM
``highway`` mapping (:mod:`geoasset.osm`), as ``geoasset import`` and ``geoasset run``
class them: the 60 footways and pedestrian ways are not roads, so 9,227 links remain.
There are no open pole data, so poles are generated along the roads with a fixed seed:
most stand inside the right-of-way, a share stands up to 60 m outside it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoasset.osm import classify

ROADS_OSM = Path(__file__).resolve().parents[1] / "layers" / "jakarta_west" / "roads_osm.geojson"
METRIC = "EPSG:32748"  # WGS 84 / UTM 48S, the zone of Jakarta

OWNERS = np.array(["PLN", "Telkom", "Indosat", "XL Axiata", "Iconnet", "Pemda"])
KINDS = np.array(["electric", "telecom", "telecom", "telecom", "telecom", "street_light"])


def jakarta_roads() -> gpd.GeoDataFrame:
    """The West Jakarta roads in the roads layer's columns (EPSG:4326).

    ``road_id`` is ``JKT-<row>`` from the way's row in the file (0-based), so ids do not
    move when the mapping leaves a way out; ``status`` is the mapping's (``nasional``
    for toll roads), else ``kota``.
    """
    raw = gpd.read_file(ROADS_OSM)
    mapped = classify(raw["TYPE"])
    keep = mapped["road_class"].notna().to_numpy()
    raw, mapped = raw[keep], mapped[keep]
    return gpd.GeoDataFrame(
        {
            "road_id": [f"JKT-{k:05d}" for k in raw.index],
            "name": raw["NAME"].fillna("").to_numpy(),
            "road_class": mapped["road_class"].to_numpy(),
            "function": mapped["function"].to_numpy(),
            "status": mapped["status"].fillna("kota").to_numpy(),
            "kabupaten": "DKI Jakarta",
        },
        geometry=raw.geometry.values,
        crs=raw.crs,
    )


def seeded_poles(roads: gpd.GeoDataFrame, n: int, *, seed: int = 0, outside: float = 0.15):
    """``n`` synthetic poles along ``roads`` (EPSG:4326), ``outside`` of them beyond the ROW.

    A pole stands at a random chainage of a random road (weighted by length), offset
    sideways from the centreline: inside 5.5 m for most poles, 6–60 m for the others.
    """
    rng = np.random.default_rng(seed)
    lines = roads.to_crs(METRIC).geometry.values
    length = shapely.length(lines)
    road = rng.choice(len(lines), size=n, p=length / length.sum())
    along = rng.random(n) * length[road]
    here = shapely.get_coordinates(shapely.line_interpolate_point(lines[road], along))
    back = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[road], np.maximum(along - 0.5, 0))
    )
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(lines[road], along + 0.5))
    d = ahead - back
    d /= np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    far = rng.random(n) < outside
    offset = np.where(far, rng.uniform(6.0, 60.0, n), rng.uniform(0.5, 5.5, n))
    offset *= rng.choice([-1.0, 1.0], size=n)
    xy = here + normal * offset[:, None]
    owner = rng.integers(0, len(OWNERS), size=n)
    poles = gpd.GeoDataFrame(
        {
            "pole_id": pd.Series([f"JKT-P{k:07d}" for k in range(n)], dtype="str"),
            "owner": OWNERS[owner],
            "kind": KINDS[owner],
            "height_m": rng.choice([9.0, 11.0, 13.0], size=n),
            "surveyed_on": "2026-03-01",
            "source": f"synthetic – benchmarks/city.py seed {seed}",
        },
        geometry=shapely.points(xy),
        crs=METRIC,
    )
    return poles.to_crs(4326)
