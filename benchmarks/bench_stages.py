"""Benchmark: the stages of ``geoasset run`` after the corridors, on West Jakarta.

The corridors of a city take most of a run and are measured by ``bench_city.py``; this
script builds them once (untimed) and then times what ``geoasset run`` does next, stage
by stage, calling the jobs exactly as :func:`geoasset.pipeline.run_pipeline` calls them:
chainage, QA, the assessment (with its workbook), the inventory report, the overview map
and the area maps. Each run
starts from a fresh copy of the inventory holding the imported layers and the corridors.

Usage::

    python benchmarks/bench_stages.py                        # 50,000 poles, 3 runs
    python benchmarks/bench_stages.py --keep city.gpkg       # keep the built inventory
    python benchmarks/bench_stages.py --inventory city.gpkg  # reuse it: no corridor build
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench_city import TARIFFS, write_sources

STAGES = ("chainage", "qa", "assess", "reports", "maps")


def build_inventory(path: Path, n_poles: int, seed: int) -> None:
    """Import the West Jakarta roads and the seeded poles and build the corridors."""
    from geoasset.corridors import build_corridors
    from geoasset.ingest import import_layer
    from geoasset.pipeline import find_sources
    from geoasset.schema import INVENTORY_LAYERS
    from geoasset.store import Batch, create_inventory

    with tempfile.TemporaryDirectory() as folder:
        sources = write_sources(Path(folder) / "field", n_poles, seed)
        inv = create_inventory(path, overwrite=True)
        for layer, source in find_sources(sources).items():
            import_layer(path, layer, source, mode="replace")
        frames = {name: inv.read(name) for name in INVENTORY_LAYERS if inv.count(name)}
        corridors = build_corridors(frames["roads"], parcels=frames.get("parcels"))
        inv.write({"corridors": corridors}, batch=Batch(command="run corridors"))


def run_stages(base: Path, out: Path) -> dict[str, float]:
    """Seconds of each stage after the corridors, on a copy of ``base`` in ``out``: the
    jobs :func:`geoasset.pipeline.run_pipeline` calls, as it calls them."""
    from geoasset import jobs
    from geoasset.store import open_inventory
    from geoasset.tariffs import load_tariffs

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    inventory = out / "inventory.gpkg"
    shutil.copy(base, inventory)
    inv = open_inventory(inventory)
    schedule, seconds = load_tariffs(TARIFFS), {}

    started = time.perf_counter()
    jobs.locate_assets(inv)
    seconds["chainage"] = time.perf_counter() - started

    started = time.perf_counter()
    jobs.check_quality(inv)
    seconds["qa"] = time.perf_counter() - started

    started = time.perf_counter()
    jobs.assess(inv, tariffs=schedule, year=2026, xlsx=out / "retribution_2026.xlsx")
    seconds["assess"] = time.perf_counter() - started  # with its workbook, as run does

    started = time.perf_counter()
    jobs.write_inventory_report(inv, out / "inventory_report.xlsx")
    seconds["reports"] = time.perf_counter() - started

    started = time.perf_counter()
    jobs.write_field_map(
        inv, out / "field_map.html", title="geoasset field map", corridor_maps="maps"
    )
    jobs.write_detail_maps(inv, out / "maps")
    seconds["maps"] = time.perf_counter() - started
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poles", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per stage (median)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inventory", type=Path, help="an inventory built by --keep")
    parser.add_argument("--keep", type=Path, help="keep the built inventory here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        base = args.inventory
        if base is None:
            base = args.keep or Path(folder) / "base.gpkg"
            started = time.perf_counter()
            build_inventory(base, args.poles, args.seed)
            print(f"inventory with corridors built in {time.perf_counter() - started:.1f} s")
        runs = [run_stages(base, Path(folder) / "out") for _ in range(args.runs)]
    print(f"West Jakarta, stages after the corridors, median of {args.runs} run(s):")
    for stage in STAGES:
        values = [run[stage] for run in runs]
        each = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {stage:<9}{statistics.median(values):6.2f} s   ({each})")
    totals = [sum(run.values()) for run in runs]
    print(f"  {'total':<9}{statistics.median(totals):6.2f} s   (target <= 15 s)")


if __name__ == "__main__":
    main()
