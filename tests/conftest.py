"""Shared fixtures: small inventories and frames built in code, in pytest's tmp_path."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, Point

from geoasset.store import Inventory, create_inventory, open_inventory


@pytest.fixture(scope="session")
def empty_inventory_file(tmp_path_factory) -> Path:
    """One empty inventory made by `create_inventory` for the test session; tests copy it
    (a file copy, without the checks and the stamping of `create_inventory`)."""
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


def made_once(tmp_path_factory, name: str, make) -> Path:
    """``root/name``, made by ``make(path)`` once for the whole test session.

    With several test processes (pytest-xdist) the first one to need it makes it, under a
    file lock, and the others wait for it and use the same files.
    """
    import time

    from geoasset.locking import try_lock, unlock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder every worker's own temporary folder is in
    path, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "a+b") as handle:
        while not try_lock(handle):
            time.sleep(0.1)
        try:
            if not done.exists():
                make(path)
                done.touch()
        finally:
            unlock(handle)
    return path


@pytest.fixture(scope="session")
def kupang_session(tmp_path_factory):
    """One `run_pipeline` on the bundled Kupang data (tariffs example, 2026), shared by the
    tests that only read its outputs (pipeline, README and notebook tests)."""
    import json
    from dataclasses import asdict

    from geoasset.pipeline import RunSummary, run_pipeline

    layers = Path(__file__).parent.parent / "layers"

    def run(folder: Path) -> None:
        summary = run_pipeline(
            layers / "kupang", folder / "out", tariffs=layers / "tariffs_example.csv", year=2026
        )
        record = json.dumps(asdict(summary), default=str)
        (folder / "summary.json").write_text(record, encoding="utf-8")

    folder = made_once(tmp_path_factory, "kupang_session", run)
    fields = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    fields["inventory"] = Path(fields["inventory"])
    fields["outputs"] = {name: Path(path) for name, path in fields["outputs"].items()}
    return RunSummary(**fields)


def west_jakarta_roads() -> gpd.GeoDataFrame:
    """West Jakarta's OSM roads (9,287 links) imported through the OSM mapping as a user
    would: the links the mapping classifies, with their class and status."""
    from geoasset.osm import classify, highway_column

    raw = gpd.read_file(
        Path(__file__).parent.parent / "layers" / "jakarta_west" / "roads_osm.geojson"
    )
    mapped = classify(raw[highway_column(raw)])
    keep = mapped["road_class"].notna().to_numpy()
    return gpd.GeoDataFrame(
        {
            "road_id": [f"JKT-{k:05d}" for k in np.flatnonzero(keep)],
            "road_class": mapped["road_class"][keep].to_numpy(),
            "status": mapped["status"][keep].fillna("kota").to_numpy(),
            "kabupaten": "DKI Jakarta",
        },
        geometry=raw.geometry.values[keep],
        crs=raw.crs,
    )


@pytest.fixture(scope="session")
def west_jakarta(tmp_path_factory) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(roads, corridors) of West Jakarta; the corridors are built once for the session
    (about ten seconds) and shared by the corridor and the cluster tests."""
    import pickle

    from geoasset.corridors import build_corridors

    def build(folder: Path) -> None:
        folder.mkdir(exist_ok=True)  # (left by a build that failed)
        roads = west_jakarta_roads()
        frames = (roads, build_corridors(roads))
        (folder / "frames.pickle").write_bytes(pickle.dumps(frames))

    folder = made_once(tmp_path_factory, "west_jakarta", build)
    return pickle.loads((folder / "frames.pickle").read_bytes())  # noqa: S301 (made above)


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the default, see pyproject.toml): one test process per core (of those
    this process may use). One more, to use a core while a test waits for a browser or
    a child process, made the suite slower on 2 cores: 193 s against 169 s, with 321 s
    of processor time against 262 s, back to back; the waiting tests' children use the
    cores, and every test process collects the whole suite."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # Windows and macOS
        cores = os.cpu_count() or 1
    return cores


#: Fixtures that make a test slow: the whole `geoasset run` of the Kupang data, the
#: corridors of West Jakarta.
SLOW_FIXTURES = {"kupang_session", "west_jakarta"}


def pytest_itemcollected(item):
    """A test that needs the whole Kupang run or West Jakarta's corridors is marked slow,
    so that ``-m "not slow"`` leaves it out."""
    if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.slow)


def pytest_collection_modifyitems(config, items):
    """The modules with the most slow or browser tests first, each module's tests in their
    own order. The test processes take whole modules in this order (``--dist loadscope
    --no-loadscope-reorder``), so the long modules start early instead of keeping one
    process busy at the end while the others wait."""
    module = {id(item): item.nodeid.split("::")[0] for item in items}
    heavy = Counter(
        module[id(item)]
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("browser")
    )
    first_seen = {name: k for k, name in enumerate(dict.fromkeys(module.values()))}
    items.sort(key=lambda item: (-heavy[module[id(item)]], first_seen[module[id(item)]]))
