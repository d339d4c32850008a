"""Benchmark: writing a million line items, as inventory layers and as CSV files.

Assesses the synthetic province of ``bench_assess.py`` (poles and 50 m cable spans against
corridors; not timed) into about ``--items`` line items (default 1,000,000: 80 % poles,
20 % pieces of line), then times, median of ``--runs``:

* ``geoasset.assessment.write_assessment``: the layers ``assessment_items``,
  ``assessment_totals`` and ``assessment_not_billable`` into a GeoPackage inventory;
* ``geoasset.reports.write_csvs``: ``line_items.csv`` (with ``lon, lat, wkt``), the four
  totals, ``not_billable.csv``, ``tariffs_used.csv`` and ``parameters.csv``;
* ``geoasset.reports.write_reports`` with both, as ``geoasset assess`` writes them (files
  staged, layers written, files moved into place).

Target: layers + CSVs of a million line items in at most 10 s.

Usage::

    python benchmarks/bench_line_items.py                  # 1,000,000 line items, 3 runs
    python benchmarks/bench_line_items.py --items 200000 --runs 1
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from timing import timed


def line_items(n_items: int, *, seed: int = 0):
    """An assessment of the synthetic province with about ``n_items`` line items (90 % of
    the poles and nearly every span inside; a span crossing a corridor boundary gives two
    items)."""
    from bench_assess import make_inventory

    from geoasset.assessment import assess

    poles, lines, corridors, tariffs, permits = make_inventory(
        max(1, round(n_items * 0.887)),
        max(1, round(n_items * 0.159)),
        max(100, n_items // 10),
        seed=seed,
    )
    return assess(
        poles=poles,
        utility_lines=lines,
        corridors=corridors,
        tariffs=tariffs,
        permits=permits,
        year=2026,
    )


def fresh(assessment):
    """The assessment as ``assess`` returned it: totals not yet computed (each timed
    write computes them, as ``geoasset assess`` does once)."""
    kept = {k: v for k, v in assessment._cache.items() if k == "asset_codes"}
    return dataclasses.replace(assessment, _cache=kept)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from geoasset.assessment import write_assessment
    from geoasset.reports import write_csvs, write_reports
    from geoasset.store import create_inventory

    started = time.perf_counter()
    assessment = line_items(args.items, seed=args.seed)
    items = assessment.items
    lines = int((items["layer"] == "utility_lines").sum())
    print(
        f"{len(items):,} line items ({len(items) - lines:,} poles, {lines:,} pieces of line), "
        f"{len(assessment.not_billable):,} not billable (assessed in "
        f"{time.perf_counter() - started:.1f} s, not timed)"
    )
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        count = iter(range(3 * args.runs))

        def layers():
            inventory = create_inventory(folder / f"run{next(count)}.gpkg")
            started = time.perf_counter()
            write_assessment(inventory, fresh(assessment))
            return time.perf_counter() - started

        # the inventory is created outside the timing: only the assessment layers count
        layer_runs = [layers() for _ in range(args.runs)]
        layer_s = sorted(layer_runs)[len(layer_runs) // 2]
        print(
            f"layers (write_assessment)   {layer_s:7.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in layer_runs)})"
        )
        csv = timed(lambda: write_csvs(fresh(assessment), folder / "csv"), args.runs)
        size = sum(p.stat().st_size for p in csv.result) / 1e6
        print(
            f"CSVs (write_csvs)           {csv.median:7.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in csv.runs)}; {size:,.0f} MB)"
        )
        print(f"layers + CSVs, one after the other  {layer_s + csv.median:7.2f} s")

        def both():
            inventory = create_inventory(folder / f"run{next(count)}.gpkg")
            started = time.perf_counter()
            write_reports(fresh(assessment), inventory=inventory, csv_dir=folder / "reports")
            return time.perf_counter() - started

        both_runs = [both() for _ in range(args.runs)]
        both_s = sorted(both_runs)[len(both_runs) // 2]
        print(
            f"layers + CSVs (write_reports)      {both_s:7.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in both_runs)}; target <= 10 s for 1,000,000 items)"
        )


if __name__ == "__main__":
    main()
