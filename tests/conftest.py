"""Shared fixtures: small inventories and frames built in code, in pytest's tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from shapely import LineString, Point

from geoasset.store import Inventory, create_inventory, open_inventory


@pytest.fixture(scope="session")
def empty_inventory_file(tmp_path_factory) -> Path:
    """One empty inventory made by `create_inventory` for the test session; tests copy it
    (a file copy takes a millisecond, making the GeoPackage's tables about a second)."""
    path = tmp_path_factory.mktemp("empty") / "inventory.gpkg"
    create_inventory(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["inventory.gpkg"]  # no -wal
    return path


def copy_of_empty_inventory(template: Path, path: Path) -> Inventory:
    """A fresh empty inventory at ``path``: a copy of ``template``."""
    shutil.copyfile(template, path)
    return open_inventory(path)


@pytest.fixture
def inventory(tmp_path, empty_inventory_file):
    """An empty inventory in a temporary folder."""
    return copy_of_empty_inventory(empty_inventory_file, tmp_path / "inventory.gpkg")


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
    tests that only read its outputs (pipeline, README and notebook tests).

    With several test processes (pytest-xdist) the first one to need it runs it, under a
    file lock, and the others read its summary: one run for the whole test session.
    """
    import json
    import time
    from dataclasses import asdict

    from geoasset.locking import try_lock, unlock
    from geoasset.pipeline import RunSummary, run_pipeline

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder every worker's own temporary folder is in
    out, record = root / "kupang_session", root / "kupang_session.json"
    layers = Path(__file__).parent.parent / "layers"
    with open(root / "kupang_session.lock", "a+b") as handle:
        while not try_lock(handle):
            time.sleep(0.1)
        try:
            if not record.exists():
                summary = run_pipeline(
                    layers / "kupang", out, tariffs=layers / "tariffs_example.csv", year=2026
                )
                record.write_text(json.dumps(asdict(summary), default=str), encoding="utf-8")
            fields = json.loads(record.read_text(encoding="utf-8"))
        finally:
            unlock(handle)
    fields["inventory"] = Path(fields["inventory"])
    fields["outputs"] = {name: Path(path) for name, path in fields["outputs"].items()}
    return RunSummary(**fields)
