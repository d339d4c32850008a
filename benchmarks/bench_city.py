"""Benchmark: the whole chain on a real city network, West Jakarta.

9,287 real OpenStreetMap links (``layers/jakarta_west/roads_osm.geojson``, imported
through the OSM mapping) and seeded synthetic poles (``benchmarks/city.py``). Each figure
is measured next to its baseline in the same run, so the ratios hold however busy the
machine is:

* corridors: ``build_corridors`` against ``shapely.buffer`` + ``union_all`` of the same
  roads at the same widths; and the partition checked (sum of corridor areas = their
  union = the union of the buffers);
* assessment of the poles (with the not-billable report) against ``geopandas.sjoin``
  ``within`` + the fee sum, and the amount against an independent point-in-polygon sum
  (``bench_assess.measure_city_assessment``);
* ``geoasset run`` on a folder holding the raw OSM roads and the poles CSV: wall time,
  peak memory, every output and its size;
* the overview map of that run (``field_map.html``): size and time until ready in
  headless Chromium (``--no-browser`` skips it).

Usage::

    python benchmarks/bench_city.py                  # 50,000 poles, 3 runs
    python benchmarks/bench_city.py --poles 100000 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from city import ROADS_OSM, jakarta_roads, seeded_poles

REPO = Path(__file__).resolve().parents[1]
TARIFFS = REPO / "layers" / "tariffs_example.csv"


def measure_corridors(roads, runs: int) -> dict:
    """Median seconds of ``build_corridors`` and of the plain buffer union, same run."""
    from geoasset.corridors import build_corridors
    from geoasset.crs import metric_crs
    from geoasset.schema import RUMIJA_MIN_WIDTH_M

    crs = metric_crs(roads)
    lines = roads.to_crs(crs).geometry.to_numpy()
    half = roads["road_class"].map(RUMIJA_MIN_WIDTH_M).to_numpy(float) / 2
    ours, base, result, union = [], [], None, None
    for _ in range(runs):
        started = time.perf_counter()
        union = shapely.union_all(
            shapely.buffer(lines, half, cap_style="flat", join_style="round", quad_segs=8)
        )
        base.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = build_corridors(roads)
        ours.append(time.perf_counter() - started)
    geoms = result.to_crs(crs).geometry.to_numpy()
    corridor_union = shapely.union_all(geoms).area
    return {
        "corridors_s": statistics.median(ours),
        "baseline_s": statistics.median(base),
        "ratio": statistics.median(a / b for a, b in zip(ours, base, strict=True)),
        "corridors": result,
        "count": len(result),
        "landless": len(result.attrs["skipped"]),
        "grid_cuts": int((result["note"] != "").sum()),
        "sum_m2": float(result["area_m2"].sum()),
        "union_m2": corridor_union,
        "buffers_m2": union.area,
        "valid": bool(shapely.is_valid(geoms).all()),
    }


def write_sources(folder: Path, n_poles: int, seed: int) -> Path:
    """A field folder as an officer would hand it in: raw OSM roads and a poles CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roads.geojson").write_bytes(ROADS_OSM.read_bytes())
    poles = seeded_poles(jakarta_roads(), n_poles, seed=seed)
    xy = shapely.get_coordinates(poles.geometry.values)
    table = poles.drop(columns="geometry").assign(
        longitude=np.round(xy[:, 0], 7), latitude=np.round(xy[:, 1], 7)
    )
    table.to_csv(folder / "poles.csv", index=False)
    return folder


def measure_run(sources: Path, out: Path) -> dict:
    """``geoasset run`` in a child process: wall seconds, peak memory, outputs."""
    command = [
        sys.executable, "-c", "from geoasset.cli.main import main; main()",
        "-q", "run", str(sources), "-o", str(out),
        "--tariffs", str(TARIFFS), "--year", "2026",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_mb = None
    try:  # POSIX only; a benchmark may say so
        import resource

        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    except ImportError:
        pass
    outputs = sorted(p for p in out.rglob("*") if p.is_file())
    return {
        "run_s": seconds,
        "exit": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "peak_mb": peak_mb,
        "outputs": [(p.relative_to(out), p.stat().st_size) for p in outputs],
    }


def overview_ready(path: Path, runs: int) -> float:
    """Median seconds until the overview map is ready in headless Chromium (offline)."""
    from bench_map import CHROMIUM, CHROMIUM_ARGS, load_times
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return load_times(browser, path, runs, ready="window.geoasset && geoasset.ready")
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poles", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-run", action="store_true", help="skip the whole geoasset run")
    parser.add_argument("--no-browser", action="store_true", help="skip Chromium")
    args = parser.parse_args(argv)

    from bench_assess import CITY_TARIFFS, measure_city_assessment

    roads = jakarta_roads()
    print(f"West Jakarta: {len(roads):,} roads (OSM mapping), {args.poles:,} seeded poles")

    c = measure_corridors(roads, args.runs)
    print(
        f"corridors: {c['corridors_s']:.2f} s against buffer + union_all {c['baseline_s']:.2f} s "
        f"(ratio {c['ratio']:.2f}x; target <= 5x)\n"
        f"  {c['count']:,} corridors, {c['landless']} roads without land, "
        f"{c['grid_cuts']} corridors with a grid cut, valid: {c['valid']}\n"
        f"  sum of areas {c['sum_m2']:,.1f} m2, their union {c['union_m2']:,.1f} m2, "
        f"union of the buffers {c['buffers_m2']:,.1f} m2 "
        f"(differences {abs(c['sum_m2'] - c['union_m2']) / c['buffers_m2']:.2e}, "
        f"{abs(c['sum_m2'] - c['buffers_m2']) / c['buffers_m2']:.2e}; target <= 5e-4)",
        flush=True,
    )

    poles = seeded_poles(roads, args.poles, seed=args.seed)
    a = measure_city_assessment(c["corridors"], poles, CITY_TARIFFS, args.runs)
    print(
        f"assessment: {a['assess_s']:.2f} s against sjoin(within) + fee sum "
        f"{a['baseline_s']:.2f} s (ratio {a['ratio']:.2f}x; target <= 2x)\n"
        f"  {a['items']:,} line items, {a['outside']:,} outside (of which "
        f"{a['beyond_search']:,} beyond the search distance); Rp {a['amount_rp']:,} against "
        f"Rp {a['independent_rp']:,} independently; every pole billed at most once: "
        f"{a['billed_once']}",
        flush=True,
    )

    if args.no_run:
        return
    with tempfile.TemporaryDirectory() as folder:
        sources = write_sources(Path(folder) / "field", args.poles, args.seed)
        r = measure_run(sources, Path(folder) / "out")
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:,.0f} MB"
        print(f"geoasset run: {r['run_s']:.1f} s (target <= 60 s), exit {r['exit']}, peak {peak}")
        if r["exit"] != 0:
            print(r["stderr"][-2000:])
        total = sum(size for _, size in r["outputs"])
        maps = [size for name, size in r["outputs"] if name.parts[0] == "maps"]
        for name, size in r["outputs"]:
            if name.parts[0] != "maps":
                print(f"  {name}: {size / 1e6:.2f} MB")
        if maps:
            print(f"  maps/: {len(maps)} files, {sum(maps) / 1e6:.1f} MB (largest "
                  f"{max(maps) / 1e6:.2f} MB)")  # fmt: skip
        print(f"  all outputs: {total / 1e6:.1f} MB")
        overview = Path(folder) / "out" / "field_map.html"
        if overview.exists() and not args.no_browser:
            ready = overview_ready(overview, args.runs)
            print(
                f"overview map: {overview.stat().st_size / 1e6:.1f} MB (target <= 25 MB), "
                f"ready in Chromium {ready:.2f} s (target <= 5 s)"
            )


if __name__ == "__main__":
    main()
