"""Benchmark: a nation-scale network assessed tile by tile on a local Dask cluster.

Generates (seeded) a network of ``--links`` road links and ``--poles`` poles, streamed tile
by tile to GeoParquet datasets (``roads/``, ``poles/``, ``utility_lines/``: one file per
tile, so generation holds one tile in memory). A tile is a block of a 1 km road grid
(like a kabupaten's network: every link 1 km, four-way junctions at the grid nodes, classes
jalan raya / sedang / kecil); tiles stand 3 km apart, farther than the margin
(:func:`geoasset.tiles.margin_m`: widest right-of-way + 100 m search), so each tile's
corridors and assessment are those of the whole network. Then, with 1 and with 2 local
worker processes (``LocalCluster``, one thread each, 4 GiB each), it runs per tile, as
Dask tasks, the stages of ``geoasset run`` that scale with the network:

* ``corridors``: :func:`geoasset.corridors.build_corridors` of the tile's roads, written
  to ``corridors/`` as GeoParquet;
* ``assess``: :func:`geoasset.assessment.assess` of the tile's poles and cables against
  its corridors (line items located along its roads), line items written to
  ``items/``.

It prints the wall time of each stage, the total in rupiah (equal for 1 and 2 workers),
the peak memory (RSS) of each worker, and the single-process time of one tile run in
this process (the sample) with the whole network's time estimated from it.

Usage::

    python benchmarks/bench_nation.py                                 # 501,952 links, 10,000,078 poles
    python benchmarks/bench_nation.py --links 20000 --poles 200000    # a quick run
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

METRIC = "EPSG:32750"  # WGS 84 / UTM 50S: the generated nation lies in one zone
TARIFFS = Path(__file__).resolve().parents[1] / "layers" / "tariffs_example.csv"
GRID = 31  # cells per tile side: 2 * 31 * 32 = 1,984 links of 1 km per tile
SPACING = 1000.0  # m
GAP = 3000.0  # m between tiles
CLASSES = np.array(["raya", "sedang", "kecil"])
OWNERS = np.array(["PLN", "Telkom", "Indosat", "XL Axiata", "Iconnet", "Pemda"])
KINDS = np.array(["electric", "telecom", "telecom", "telecom", "telecom", "street_light"])


def links_per_tile(grid: int = GRID) -> int:
    """Links of one tile: the horizontal and vertical edges of a ``grid`` x ``grid`` block.

    >>> links_per_tile(31)
    1984
    """
    return 2 * grid * (grid + 1)


# -- generation ------------------------------------------------------------------------
def tile_frames(tile: int, columns: int, poles_per_link: float, seed: int):
    """Roads, poles and cables of one tile (EPSG:4326), from its own seeded generator."""
    rng = np.random.default_rng([seed, tile])
    x0 = 200_000.0 + (tile % columns) * (GRID * SPACING + GAP)
    y0 = 8_700_000.0 + (tile // columns) * (GRID * SPACING + GAP)
    ticks = np.arange(GRID + 1) * SPACING
    i, j = np.meshgrid(np.arange(GRID), np.arange(GRID + 1), indexing="ij")
    horizontal = np.stack([x0 + ticks[i], y0 + ticks[j], x0 + ticks[i + 1], y0 + ticks[j]], -1)
    vertical = np.stack([x0 + ticks[j], y0 + ticks[i], x0 + ticks[j], y0 + ticks[i + 1]], -1)
    ends = np.concatenate([horizontal.reshape(-1, 4), vertical.reshape(-1, 4)])
    n = len(ends)
    lines = shapely.linestrings(ends.reshape(n, 2, 2))
    roads = gpd.GeoDataFrame(
        {
            "road_id": [f"T{tile:04d}-{k:04d}" for k in range(n)],
            "road_class": CLASSES[rng.integers(0, 3, n)],
            "status": "provinsi",
            "kabupaten": f"Kabupaten {tile:04d}",
        },
        geometry=lines,
        crs=METRIC,
    )
    count = math.ceil(poles_per_link * n)
    road = rng.integers(0, n, count)
    along = rng.uniform(1.0, SPACING - 1.0, count)
    start, stop = ends[road, :2], ends[road, 2:]
    direction = (stop - start) / SPACING
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    outside = rng.random(count) < 0.1
    offset = np.where(outside, rng.uniform(8.0, 60.0, count), rng.uniform(0.5, 5.0, count))
    offset *= rng.choice([-1.0, 1.0], count)
    xy = start + direction * along[:, None] + normal * offset[:, None]
    owner = rng.integers(0, len(OWNERS), count)
    poles = gpd.GeoDataFrame(
        {
            "pole_id": [f"T{tile:04d}-P{k:06d}" for k in range(count)],
            "owner": OWNERS[owner],
            "kind": KINDS[owner],
            "surveyed_on": "2026-03-01",
        },
        geometry=shapely.points(xy),
        crs=METRIC,
    )
    cable_roads = rng.choice(n, size=max(1, n // 40), replace=False)
    side = rng.uniform(2.0, 4.0, len(cable_roads))
    cables = gpd.GeoDataFrame(
        {
            "line_id": [f"T{tile:04d}-L{k:04d}" for k in range(len(cable_roads))],
            "owner": "Telkom",
            "kind": "fibre",
        },
        geometry=shapely.offset_curve(lines[cable_roads], side),
        crs=METRIC,
    )
    return roads.to_crs(4326), poles.to_crs(4326), cables.to_crs(4326)


def generate(folder: Path, *, links: int, poles: int, seed: int) -> int:
    """Write the network tile by tile as GeoParquet datasets; returns the number of tiles."""
    from geoasset.parquet import write_geoparquet

    tiles = math.ceil(links / links_per_tile())
    columns = math.ceil(math.sqrt(tiles))
    per_link = poles / (tiles * links_per_tile())
    for name in ("roads", "poles", "utility_lines"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    for tile in range(tiles):
        frames = tile_frames(tile, columns, per_link, seed)
        for name, frame in zip(("roads", "poles", "utility_lines"), frames, strict=True):
            write_geoparquet(frame, folder / name / f"tile-{tile:05d}.parquet", overwrite=True)
    return tiles


# -- the tasks -----------------------------------------------------------------------------
def peak_rss() -> int:
    """Peak resident memory of this process, in bytes."""
    try:
        import resource  # POSIX only

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak) * (1 if sys.platform == "darwin" else 1024)
    except ImportError:
        import psutil

        info = psutil.Process().memory_info()
        return int(getattr(info, "peak_wset", info.rss))


def _worker() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:
        return "this process"


def corridors_task(folder: str, tile: int) -> dict:
    """Build the corridors of one tile and store them; times and memory."""
    from geoasset.corridors import build_corridors
    from geoasset.parquet import read_geoparquet, write_geoparquet

    name = f"tile-{tile:05d}.parquet"
    started = time.perf_counter()
    roads = read_geoparquet(Path(folder) / "roads" / name)
    corridors = build_corridors(roads, crs=METRIC)
    out = Path(folder) / "corridors"
    out.mkdir(exist_ok=True)
    write_geoparquet(corridors, out / name, overwrite=True)
    return {
        "tile": tile,
        "corridors": len(corridors),
        "area_m2": float(corridors["area_m2"].sum()),
        "seconds": time.perf_counter() - started,
        "worker": _worker(),
        "peak": peak_rss(),
    }


def assess_task(folder: str, tile: int, year: int) -> dict:
    """Assess one tile's poles and cables against its corridors; store the line items."""
    from geoasset.assessment import assess
    from geoasset.parquet import read_geoparquet, write_geoparquet
    from geoasset.tariffs import load_tariffs

    name = f"tile-{tile:05d}.parquet"
    root = Path(folder)
    started = time.perf_counter()
    result = assess(
        poles=read_geoparquet(root / "poles" / name),
        utility_lines=read_geoparquet(root / "utility_lines" / name),
        corridors=read_geoparquet(root / "corridors" / name),
        roads=read_geoparquet(root / "roads" / name),
        tariffs=load_tariffs(TARIFFS),
        year=year,
        crs=METRIC,
    )
    out = root / "items"
    out.mkdir(exist_ok=True)
    write_geoparquet(result.items, out / name, overwrite=True)
    return {
        "tile": tile,
        "items": len(result.items),
        "total_rp": result.grand_total,
        "not_billable": len(result.not_billable),
        "seconds": time.perf_counter() - started,
        "worker": _worker(),
        "peak": peak_rss(),
    }


# -- running ---------------------------------------------------------------------------
def run_on_cluster(folder: Path, tiles: int, workers: int, year: int) -> dict:
    """Both stages on a LocalCluster of ``workers`` processes; wall times, totals, memory."""
    from geoasset.distributed import cluster, run_parts

    def progress(stage):
        def report(done, total):
            if done == total or done % max(1, total // 10) == 0:
                print(f"  {stage}: {done}/{total} tiles", file=sys.stderr, flush=True)

        return report

    figures: dict = {"workers": workers}
    with cluster(workers=workers) as client:
        for stage, task, extra in (
            ("corridors", corridors_task, ()),
            ("assess", assess_task, (year,)),
        ):
            started = time.perf_counter()
            results = run_parts(
                _Call(task, str(folder), extra),
                list(range(tiles)),
                client=client,
                progress=progress(stage),
                what=stage,
            )
            figures[stage] = time.perf_counter() - started
            figures[f"{stage}_results"] = results
        figures["peak"] = client.run(peak_rss)
    return figures


class _Call:
    """``task(folder, tile, *extra)`` as a picklable one-argument function."""

    def __init__(self, task, folder: str, extra: tuple):
        self.task, self.folder, self.extra = task, folder, extra

    def __call__(self, tile: int) -> dict:
        return self.task(self.folder, tile, *self.extra)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=500_000, help="road links (at least)")
    parser.add_argument("--poles", type=int, default=10_000_000, help="poles (about)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--folder", type=Path, help="where the datasets go [a temporary one]")
    args = parser.parse_args(argv)

    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench_nation_"))
    started = time.perf_counter()
    tiles = generate(folder, links=args.links, poles=args.poles, seed=args.seed)
    generation = time.perf_counter() - started
    links = tiles * links_per_tile()
    poles = sum(pq.read_metadata(p).num_rows for p in (folder / "poles").iterdir())
    print(
        f"network: {links:,} links, {poles:,} poles in {tiles} tiles of {links_per_tile():,} links"
    )
    print(f"generate (streamed to GeoParquet, one tile in memory): {generation:,.1f} s")
    print(f"generation process peak memory: {peak_rss() / 2**30:.2f} GiB")

    # the sample: one tile in this process, the single-process path
    sample, sample_total = {}, None
    for stage, task, extra in (
        ("corridors", corridors_task, ()),
        ("assess", assess_task, (args.year,)),
    ):
        done = task(str(folder), 0, *extra)
        sample[stage] = done["seconds"]
        sample_total = done.get("total_rp", sample_total)
    single = sum(sample.values())
    print(
        f"single process, sample tile 0: corridors {sample['corridors']:.2f} s, "
        f"assess {sample['assess']:.2f} s; whole network at that rate "
        f"(estimate): {single * tiles / 60:,.1f} min"
    )

    totals = set()
    for workers in args.workers:
        figures = run_on_cluster(folder, tiles, workers, args.year)
        total = sum(r["total_rp"] for r in figures["assess_results"])
        items = sum(r["items"] for r in figures["assess_results"])
        totals.add(total)
        per_tile = pd.Series([r["seconds"] for r in figures["assess_results"]]) + pd.Series(
            [r["seconds"] for r in figures["corridors_results"]]
        )
        print(f"\n{workers} worker(s) (LocalCluster, processes, 1 thread each):")
        print(f"  corridors: {figures['corridors']:,.1f} s wall")
        print(f"  assess:    {figures['assess']:,.1f} s wall")
        print(f"  line items {items:,}, total Rp {total:,}")
        tile0 = next(r for r in figures["assess_results"] if r["tile"] == 0)["total_rp"]
        print(f"  tile 0 equals the single-process sample: {tile0 == sample_total}")
        print(
            f"  per tile: median {per_tile.median():.2f} s, max {per_tile.max():.2f} s "
            f"(corridors + assess)"
        )
        for worker, peak in sorted(figures["peak"].items()):
            flag = "" if peak < 4 * 2**30 else "  ABOVE 4 GiB"
            print(f"  peak memory {worker}: {peak / 2**30:.2f} GiB{flag}")
    print("\ntotals equal for every worker count:", len(totals) == 1)
    if args.folder is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
