"""The assessment on a real Dask ``LocalCluster`` of 2 worker processes: the same layers,
line items and totals as the single-process path on Kupang and West Jakarta; progress per
part; a killed worker fails the run with exit 1 and leaves the inventory as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import pytest
import shapely
from click.testing import CliRunner

from geoasset import jobs
from geoasset.cli.main import cli
from geoasset.distributed import cluster, engine, run_parts
from geoasset.store import Batch, create_inventory, open_inventory

LAYERS = Path(__file__).parent.parent / "layers"
TARIFFS = LAYERS / "tariffs_example.csv"
# one process runs them all, so the module's cluster starts once; each takes seconds
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dask_cluster")]
ASSESSMENT_LAYERS = ("assessment_items", "assessment_totals", "assessment_not_billable")


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes, one thread each, shared by this module."""
    with cluster(workers=2) as c:
        yield c


def _same_layers(a: Path, b: Path, layers=ASSESSMENT_LAYERS) -> None:
    one, two = open_inventory(a), open_inventory(b)
    for layer in layers:
        x, y = one.read(layer), two.read(layer)
        assert len(x) > 0, layer
        pd.testing.assert_frame_equal(pd.DataFrame(x), pd.DataFrame(y), obj=layer)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_progress_is_reported_per_part(client):
    calls = []
    out = run_parts(abs, [-1, -2, -3], client=client, progress=lambda d, t: calls.append((d, t)))
    assert out == [1, 2, 3]
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_run_with_two_workers_equals_the_single_process_run_on_kupang(kupang_session, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(LAYERS / "kupang"), "-o", str(out), "--tariffs", str(TARIFFS)]
    result = CliRunner().invoke(cli, [*args, "--year", "2026", "--workers", "2"])
    assert result.exit_code == 0, result.output
    single = kupang_session.inventory
    _same_layers(single, out / "inventory.gpkg", (*ASSESSMENT_LAYERS, "corridors"))
    totals = open_inventory(out / "inventory.gpkg").read("assessment_totals")
    grand = totals.loc[totals["level"] == "total", "amount_rp"].sum()
    items = open_inventory(single).read("assessment_items")
    assert grand == items["amount_rp"].sum() == kupang_session.total_rp  # to the rupiah
    assert f"{kupang_session.total_rp:,}".replace(",", ".") in result.output.replace(",", ".")
    assert "/8" in result.output  # the assessment's bar counts 8 parts (2 workers x 4)


def _west_jakarta(path: Path, west_jakarta, *, poles: int = 6000, seed: int = 7) -> Path:
    """West Jakarta's OSM roads and corridors (the session's) with seeded poles and cables
    along the roads."""
    roads, corridors = west_jakarta
    rng = np.random.default_rng(seed)
    metric = roads.to_crs(32748).geometry.values
    length = shapely.length(metric)
    road = rng.choice(len(metric), size=poles, p=length / length.sum())
    at = shapely.line_interpolate_point(metric[road], rng.random(poles) * length[road])
    xy = shapely.get_coordinates(at) + rng.normal(0, 6, (poles, 2))
    owners = np.array(["PLN", "Telkom", "Indosat"])
    pole_frame = gpd.GeoDataFrame(
        {
            "pole_id": [f"P{k:06d}" for k in range(poles)],
            "owner": owners[rng.integers(0, 3, poles)],
            "kind": np.array(["electric", "telecom", "other"])[rng.integers(0, 3, poles)],
            "surveyed_on": rng.choice(["2025-01-01", "2026-07-01", "2027-02-01"], poles),
        },
        geometry=shapely.points(xy),
        crs=32748,
    ).to_crs(4326)
    longest = np.argsort(-length)[:150]
    cables = shapely.offset_curve(metric[longest], rng.uniform(-7, 7, len(longest)))
    line_frame = gpd.GeoDataFrame(
        {
            "line_id": [f"L{k:04d}" for k in range(len(longest))],
            "owner": "Telkom",
            "kind": rng.choice(["fibre", "buried_cable"], len(longest)),
        },
        geometry=cables,
        crs=32748,
    ).to_crs(4326)
    inv = create_inventory(path)
    inv.write(
        {"roads": roads, "poles": pole_frame, "utility_lines": line_frame},
        batch=Batch(command="test"),
    )
    inv.write({"corridors": corridors}, batch=Batch(command="corridors"))
    return path


def test_west_jakarta_on_the_cluster_equals_the_single_process(client, west_jakarta, tmp_path):
    single = _west_jakarta(tmp_path / "single.gpkg", west_jakarta)
    parted = tmp_path / "parted.gpkg"
    shutil.copy(single, parted)
    one = jobs.assess(single, tariffs=TARIFFS, year=2026)
    with engine(scheduler=client.scheduler.address) as on_cluster:
        two = jobs.assess(parted, tariffs=TARIFFS, year=2026, engine=on_cluster)
    assert one.assessment.grand_total == two.assessment.grand_total > 0
    _same_layers(single, parted)
    items = open_inventory(parted).read("assessment_items")
    assert set(items["layer"]) == {"poles", "utility_lines"}
    # metres of cable to the hundredth, as one process measured them
    metres = items.loc[items["layer"] == "utility_lines", "quantity"].sum()
    assert metres == pytest.approx(
        one.assessment.items.query("layer == 'utility_lines'")["quantity"].sum(), abs=1e-6
    )


def test_a_killed_worker_fails_the_run_and_leaves_the_inventory(client, kupang_session, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(kupang_session.inventory.parent, out)
    before = {p.name: _sha(p) for p in out.iterdir() if p.is_file()}
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            for worker, keys in client.processing().items():
                if any(str(k).startswith("geoasset-") for k in keys):
                    psutil.Process(pids[worker]).kill()
                    killed.append(worker)
                    return
            time.sleep(0.002)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    args = ["run", str(LAYERS / "kupang"), "-o", str(out), "--tariffs", str(TARIFFS)]
    args += ["--year", "2026", "--overwrite", "--scheduler", client.scheduler.address]
    result = CliRunner().invoke(cli, args)
    killer.join(timeout=5)
    assert killed, "no assessment task was seen running"
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1  # one line of its own, after the progress bars
    assert errors[0].startswith("Error: a Dask worker died while computing part")
    assert "Traceback" not in result.output
    after = {p.name: _sha(p) for p in out.iterdir() if p.is_file()}
    assert after == before  # the inventory and every report are as they were
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_assess_command_on_the_cluster_with_permits(client, kupang_session, tmp_path):
    """``geoasset assess --scheduler``: the same layers, summary and payment statuses."""
    single, parted = tmp_path / "single.gpkg", tmp_path / "parted.gpkg"
    shutil.copy(kupang_session.inventory, single)
    shutil.copy(kupang_session.inventory, parted)
    args = ["--tariffs", str(TARIFFS), "--year", "2026"]
    args += ["--permits", str(LAYERS / "permits_example.csv")]
    runner = CliRunner()
    one = runner.invoke(cli, ["assess", str(single), *args])
    two = runner.invoke(
        cli, ["assess", str(parted), *args, "--scheduler", client.scheduler.address]
    )
    assert one.exit_code == two.exit_code == 0, two.output
    _same_layers(single, parted)
    statuses = open_inventory(parted).read("assessment_items")["payment_status"]
    assert statuses.nunique() > 1  # paid, unpaid, no_permit: the permits were used
    assert one.stdout == two.stdout  # the corridor-by-corridor totals as printed
    both = runner.invoke(cli, ["assess", str(parted), *args, "--workers", "2", "--scheduler", "x"])
    assert both.exit_code == 2 and "not both" in both.output
