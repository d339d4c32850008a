"""Work spread over threads and processes goes through Dask (geoasset.parallel) only."""

from __future__ import annotations

import ast
from pathlib import Path

import dask
import numpy as np
import pytest
import shapely
from distributed import Client, LocalCluster
from shapely.errors import GEOSException

import geoasset
from geoasset import parallel
from geoasset.overlays import _threaded

PACKAGE = Path(geoasset.__file__).parent


def test_blocks_in_threads_give_the_serial_result_in_order():
    points = shapely.points(np.random.default_rng(1).uniform(0, 100, (50_000, 2)))
    blocks = parallel.split(len(points), minimum=1)
    assert len(blocks) == parallel.threads()
    assert np.array_equal(np.concatenate(blocks), np.arange(len(points)))
    parts = parallel.map_threads(lambda rows: shapely.buffer(points[rows], 1.0), blocks)
    together = np.concatenate(parts)
    assert shapely.equals_exact(together, shapely.buffer(points, 1.0), 0).all()


def test_interleaved_blocks_are_put_back_in_row_order():
    values = np.arange(10_000, dtype=float)
    out = _threaded(lambda x: x * 2, values, minimum=1)
    assert np.array_equal(out, values * 2)


def test_an_error_in_a_block_reaches_the_caller_with_its_type():
    def fail(rows):
        if rows[0] > 0:
            raise GEOSException("IllegalArgumentException: test")
        return rows

    with dask.config.set({"geoasset.threads": 2}):
        with pytest.raises(GEOSException, match="test"):
            parallel.map_threads(fail, parallel.split(100, minimum=1))


def test_thread_count_follows_the_dask_setting():
    with dask.config.set({"geoasset.threads": 3}):
        assert parallel.threads() == 3
        assert len(parallel.split(9, minimum=1)) == 3
    with dask.config.set({"geoasset.threads": 1}):
        assert len(parallel.split(10_000, minimum=1)) == 1


def test_inside_a_dask_worker_blocks_run_one_after_the_other():
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster,
        Client(cluster) as client,
    ):
        assert client.submit(parallel.threads).result() == 1
        assert client.submit(parallel.split, 100_000, minimum=1).result()[0].size == 100_000


def test_processes_give_the_serial_result_in_order():
    calls = [(a, b) for a, b in zip(range(6), range(6, 0, -1), strict=True)]
    assert parallel.map_processes(max, calls, workers=2) == [max(*c) for c in calls]


def test_no_module_keeps_its_own_pool_of_threads_or_processes():
    pools = {"ThreadPoolExecutor", "ProcessPoolExecutor", "Pool", "Thread", "Process"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "parallel.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in {
                "concurrent.futures",
                "multiprocessing",
                "multiprocessing.pool",
                "threading",
            }:
                found += [f"{path.name}: {a.name}" for a in node.names if a.name in pools]
            if isinstance(node, ast.Import):
                found += [
                    f"{path.name}: import {a.name}"
                    for a in node.names
                    if a.name in {"concurrent.futures", "multiprocessing"}
                ]
    assert found == []
