"""Import a large pole CSV into a fresh inventory and read the layer back.

Prints the seconds of ``import_layer`` (CSV -> validated layer in the GeoPackage) and of
``Inventory.read("poles")``, next to the plain baselines measured in the same run:
``pyogrio.write_dataframe`` of the same rows (Arrow) and ``pyogrio.read_dataframe``.
Targets for 1,000,000 rows on a 2-core machine: import <= 10 s, read <= 3 s.

Usage::

    python benchmarks/bench_import.py            # 1,000,000 rows
    python benchmarks/bench_import.py --n 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from geoasset.ingest import import_layer
from geoasset.store import create_inventory, open_inventory


def make_csv(path: Path, n: int, *, seed: int = 20250817) -> None:
    """``n`` poles scattered around Kupang, written as a field team's CSV would be."""
    rng = np.random.default_rng(seed)
    owners = np.array(["PLN", "Telkom", "Indosat", "XL Axiata", "PDAM"])
    kinds = np.array(["electric", "telecom", "street_light", "other"])
    frame = pd.DataFrame(
        {
            "pole_id": np.char.add("POLE-", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
            "owner": owners[rng.integers(0, len(owners), n)],
            "kind": kinds[rng.integers(0, len(kinds), n)],
            "height_m": np.round(rng.uniform(6, 14, n), 1),
            "material": np.where(rng.random(n) < 0.7, "beton", "besi"),
            "surveyed_on": "2025-08-17",
            "lat": np.round(-10.17 + rng.normal(0, 0.02, n), 7),
            "lon": np.round(123.62 + rng.normal(0, 0.03, n), 7),
            "source": "synthetic benchmark",
        }
    )
    frame.to_csv(path, index=False)


def timed(function, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds (CPU of this process, all threads) of ``repeat`` calls.

    ``function`` receives the run number, so each run can use its own fresh inventory.
    """
    walls, cpus, result = [], [], None
    for i in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(i)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "poles.csv"
        start = time.perf_counter()
        make_csv(csv, args.n)
        print(f"rows                     {args.n:>12,}")
        print(f"CSV size (MB)            {csv.stat().st_size / 1e6:>12.1f}")
        print(f"write CSV (s, setup)     {time.perf_counter() - start:>12.2f}")
        print(f"load average (1 min)     {os.getloadavg()[0]:>12.2f}   on {os.cpu_count()} cores")

        inventories = [folder / f"inventory{i}.gpkg" for i in range(args.repeat)]
        for path in inventories:  # created beforehand: only the import is timed
            create_inventory(path)

        import_s, import_cpu, report = timed(
            lambda i: import_layer(inventories[i], "poles", csv), args.repeat
        )
        assert report.rows_written == args.n, report.summary()
        inv = open_inventory(inventories[0])
        read_s, read_cpu, frame = timed(lambda i: inv.read("poles"), args.repeat)
        assert len(frame) == args.n
        # The spatial index geoasset packs itself must be complete and sound (untimed).
        with contextlib.closing(sqlite3.connect(inventories[0])) as con:
            (indexed,) = con.execute("SELECT count(*) FROM rtree_poles_geom").fetchone()
            (check,) = con.execute("SELECT rtreecheck('rtree_poles_geom')").fetchone()
        assert indexed == args.n and check == "ok", (indexed, check)

        baseline = folder / "baseline.gpkg"

        def plain_write(i):
            baseline.unlink(missing_ok=True)
            pyogrio.write_dataframe(frame, baseline, layer="poles", use_arrow=True)

        write_base_s, write_base_cpu, _ = timed(plain_write, args.repeat)
        read_base_s, read_base_cpu, _ = timed(
            lambda i: pyogrio.read_dataframe(baseline, layer="poles", use_arrow=True), args.repeat
        )

    print(f"{'':26}{'wall s':>10}{'cpu s':>10}")
    rows = [
        ("geoasset import", import_s, import_cpu, "target <= 10 s wall at 1M rows"),
        ("  baseline pyogrio write", write_base_s, write_base_cpu, "same rows, use_arrow=True"),
        ("geoasset read", read_s, read_cpu, "target <= 3 s wall at 1M rows"),
        ("  baseline pyogrio read", read_base_s, read_base_cpu, "use_arrow=True"),
    ]
    for label, wall, cpu, note in rows:
        print(f"{label:<26}{wall:>10.2f}{cpu:>10.2f}   {note}")
    print(f"import / baseline write    {import_s / write_base_s:>10.2f}")
    print(f"spatial index              {indexed:>10,} entries, rtreecheck {check}")


if __name__ == "__main__":
    main()
