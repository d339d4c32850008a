"""Benchmark: writing a million line items, as inventory layers and as CSV files.

Assesses the synthetic province of ``bench_assess.py`` (poles and 50 m cable spans against
corridors; not timed), keeps the first ``--items`` line items (default 1,000,000, about
85 % poles and 15 % pieces of line), then times, median of ``--runs``:

* ``geoasset.assessment.write_assessment``: the layers ``assessment_items``,
  ``assessment_totals`` and ``assessment_not_billable`` into a GeoPackage inventory;
* ``geoasset.reports.write_csvs``: ``line_items.csv`` (with ``lon, lat, wkt``), the four
  totals, ``not_billable.csv``, ``tariffs_used.csv`` and ``parameters.csv``;
* ``geoasset.reports.write_reports`` with both (what ``geoasset assess`` does): the CSVs
  are built while the layers are staged, and everything is put in place together.

Target: layers + CSVs of a million line items in at most 10 s.

Usage::

    python benchmarks/bench_line_items.py                  # 1,000,000 line items, 3 runs
    python benchmarks/bench_line_items.py --items 200000 --runs 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from timing import timed


def line_items(n_items: int, *, seed: int = 0):
    """An assessment of the synthetic province with exactly ``n_items`` line items."""
    from bench_assess import make_inventory

    from geoasset.assessment import Assessment, assess

    n_poles = max(1, int(n_items * 0.95))
    n_spans = max(1, int(n_items * 0.17))
    n_corridors = max(100, n_items // 10)
    poles, lines, corridors, tariffs, permits = make_inventory(
        n_poles, n_spans, n_corridors, seed=seed
    )
    result = assess(
        poles=poles,
        utility_lines=lines,
        corridors=corridors,
        tariffs=tariffs,
        permits=permits,
        year=2026,
    )
    if len(result.items) < n_items:
        raise SystemExit(f"only {len(result.items):,} line items; ask for fewer")
    items = result.items.iloc[:n_items].reset_index(drop=True)
    return Assessment(
        items=items,
        not_billable=result.not_billable,
        tariffs=result.tariffs,
        corridors=result.corridors,
        parameters=dict(result.parameters, line_items=str(n_items)),
    )


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
            write_assessment(inventory, assessment)
            return time.perf_counter() - started

        # the inventory is created outside the timing: only the assessment layers count
        layer_runs = [layers() for _ in range(args.runs)]
        layer_s = sorted(layer_runs)[len(layer_runs) // 2]
        print(
            f"layers (write_assessment)   {layer_s:7.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in layer_runs)})"
        )
        csv = timed(lambda: write_csvs(assessment, folder / "csv"), args.runs)
        size = sum(p.stat().st_size for p in csv.result) / 1e6
        print(
            f"CSVs (write_csvs)           {csv.median:7.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in csv.runs)}; {size:,.0f} MB)"
        )
        print(f"layers + CSVs, one after the other  {layer_s + csv.median:7.2f} s")

        def both():
            inventory = create_inventory(folder / f"run{next(count)}.gpkg")
            started = time.perf_counter()
            write_reports(assessment, inventory=inventory, csv_dir=folder / "reports")
            return time.perf_counter() - started

        both_runs = [both() for _ in range(args.runs)]
        both_s = sorted(both_runs)[len(both_runs) // 2]
        print(
            f"layers + CSVs (write_reports)      {both_s:7.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in both_runs)}; target <= 10 s for 1,000,000 items)"
        )


if __name__ == "__main__":
    main()
