"""Statements for a large assessment: N line items across M owners, PDF + XLSX + index.

    python benchmarks/bench_statements.py --items 1000000 --owners 50 --runs 3

Prints the median wall time of building and writing every statement, and checks that the
statements' totals equal the sum of the line items.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date

import numpy as np
import pandas as pd

from geoasset.statement_files import write_statements
from geoasset.statements import build_statements


def line_items(n: int, owners: int, seed: int = 7) -> pd.DataFrame:
    """``n`` pole line items of ``owners`` owners over 200 corridors (seeded)."""
    rng = np.random.default_rng(seed)
    metres = rng.integers(0, 40_000, n)
    days = rng.integers(1, 366, n)
    rate = rng.choice([360_000, 720_000, 1_200_000], n)
    return pd.DataFrame(
        {
            "asset_id": [f"POLE-{i:07d}" for i in range(n)],
            "layer": "poles",
            "owner": [f"Owner {k:02d}" for k in rng.integers(0, owners, n)],
            "kind": "electric",
            "corridor_id": [f"R-{k:03d}" for k in rng.integers(0, 200, n)],
            "sta": [f"STA {m // 1000}+{m % 1000:03d}" for m in metres],
            "quantity": 1.0,
            "quantity_unit": "unit",
            "unit": "per_unit_year",
            "rate_rp": rate.astype(float),
            "billed_from": "2026-01-01",
            "days": days,
            "period_days": 365,
            "amount_rp": (rate * days) // 365,
            "tariff_id": "EX-2026-POLE",
            "legal_basis": "example",
            "permit_no": "",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--owners", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = line_items(args.items, args.owners)
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as directory:
            start = time.perf_counter()
            statements = build_statements(items, year=2026, issued_on=date(2026, 3, 2))
            write_statements(statements, directory)
            times.append(time.perf_counter() - start)
        assert sum(s.total_rp for s in statements) == int(items["amount_rp"].sum())
    print(
        f"statements: {args.items:,} line items, {len(statements)} owners: "
        f"median {statistics.median(times):.1f} s over {args.runs} run(s) "
        f"({', '.join(f'{t:.1f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
