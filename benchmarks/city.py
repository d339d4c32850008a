"""West Jakarta test city: real OpenStreetMap roads and seeded synthetic poles.

The roads are ``layers/jakarta_west/roads_osm.geojson`` (9,287 real links, raw OSM
columns, © OpenStreetMap contributors, ODbL 1.0). There are no open pole data, so poles
are generated along the roads with a fixed seed: most stand inside the right-of-way, a
share stands up to 60 m outside it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROADS_OSM = Path(__file__).resolve().parents[1] / "layers" / "jakarta_west" / "roads_osm.geojson"
METRIC = "EPSG:32748"  # WGS 84 / UTM 48S, the zone of Jakarta

# OSM highway -> road class (provisional; the library's OSM mapping replaces it)
_CLASSES = {
    "motorway": "bebas_hambatan",
    "trunk": "bebas_hambatan",
    "motorway_link": "raya",
    "trunk_link": "raya",
    "primary": "raya",
    "secondary": "raya",
    "primary_link": "sedang",
    "secondary_link": "sedang",
    "tertiary": "sedang",
}
OWNERS = np.array(["PLN", "Telkom", "Indosat", "XL Axiata", "Iconnet", "Pemda"])
KINDS = np.array(["electric", "telecom", "telecom", "telecom", "telecom", "street_light"])


def jakarta_roads() -> gpd.GeoDataFrame:
    """The West Jakarta roads in the roads layer's columns (EPSG:4326)."""
    raw = gpd.read_file(ROADS_OSM)
    return gpd.GeoDataFrame(
        {
            "road_id": [f"JKT-{k:05d}" for k in range(len(raw))],
            "name": raw["NAME"].fillna(""),
            "road_class": raw["TYPE"].map(_CLASSES).fillna("kecil"),
            "status": "kota",
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
            "source": "synthetic – benchmarks/city.py seed %d" % seed,
        },
        geometry=shapely.points(xy),
        crs=METRIC,
    )
    return poles.to_crs(4326)
