"""Shared fixtures: small inventories and frames built in code, in pytest's tmp_path."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely import LineString, Point

from geoasset.store import create_inventory


@pytest.fixture
def inventory(tmp_path):
    """An empty inventory in a temporary folder."""
    return create_inventory(tmp_path / "inventory.gpkg")


def make_poles(n: int = 5, *, prefix: str = "P", owner: str = "PLN") -> gpd.GeoDataFrame:
    """``n`` poles 10 m apart (about 0.00009°) along a parallel near Kupang."""
    return gpd.GeoDataFrame(
        {
            "pole_id": [f"{prefix}{i}" for i in range(n)],
            "owner": [owner] * n,
            "height_m": [9.0] * n,
        },
        geometry=[Point(123.6 + i * 0.00009, -10.17) for i in range(n)],
        crs=4326,
    )


def make_roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"road_id": ["R1"], "name": ["Simpang Polda – Bandara El Tari"], "road_class": ["raya"]},
        geometry=[LineString([(123.60, -10.17), (123.62, -10.17)])],
        crs=4326,
    )


@pytest.fixture
def poles():
    return make_poles()


@pytest.fixture(scope="session")
def kupang_session(tmp_path_factory):
    """One `run_pipeline` on the bundled Kupang data (tariffs example, 2026), shared by the
    tests that only read its outputs."""
    from pathlib import Path

    from geoasset.pipeline import run_pipeline

    layers = Path(__file__).parent.parent / "layers"
    out = tmp_path_factory.mktemp("kupang_session")
    return run_pipeline(layers / "kupang", out, tariffs=layers / "tariffs_example.csv", year=2026)
