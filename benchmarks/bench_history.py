"""Apply a re-survey batch to a large pole inventory with its history.

Imports ``--n`` poles (the first survey, as ``bench_import.py`` does), then applies a
re-survey of ``--batch`` of them with ``survey_update`` (``geoasset import ... --update``):
per 100 surveyed rows, 90 unchanged, 4 moved 5-30 m, 3 with a new owner, 2 new poles
and 1 removed. Prints the seconds of each step, checks what was written (versions,
layer rows) and, with ``--kill-after S``, kills a second application S seconds in and
checks that the inventory is exactly as before.

Target on a 2-core machine: a 100,000-row batch on 1,000,000 poles applies in <= 15 s.

Usage::

    python benchmarks/bench_history.py                         # 1,000,000 poles, 100,000 rows
    python benchmarks/bench_history.py --n 100000 --batch 10000 --kill-after 1.5
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geoasset.ingest import import_layer
from geoasset.store import create_inventory

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import make_csv  # noqa: E402


def make_resurvey(first: Path, path: Path, batch: int, *, seed: int = 20260630) -> dict[str, int]:
    """A re-survey of ``batch`` poles of the first survey (see the module docstring)."""
    rng = np.random.default_rng(seed)
    poles = pd.read_csv(first)
    picked = poles.iloc[np.sort(rng.choice(len(poles), size=batch, replace=False))].copy()
    picked["surveyed_on"] = "2026-06-30"
    picked["status"] = ""
    kind = rng.random(batch)
    moved = kind < 0.04
    changed = (kind >= 0.04) & (kind < 0.07)
    removed = (kind >= 0.07) & (kind < 0.08)
    step = rng.uniform(5, 30, moved.sum()) / 111_320.0
    picked.loc[moved, "lat"] = (picked.loc[moved, "lat"] + step).round(7)
    picked.loc[changed, "owner"] = "Owner baru"
    picked.loc[removed, "status"] = "dibongkar"
    new = int(round(batch * 0.02))
    extra = picked.iloc[:new].copy()
    extra["pole_id"] = [f"NEW-{i:07d}" for i in range(new)]
    extra["status"] = ""
    extra["lat"] = (extra["lat"] + 0.0003).round(7)
    table = pd.concat([picked, extra], ignore_index=True)
    table.to_csv(path, index=False)
    return {
        "moved": int(moved.sum()),
        "changed": int(changed.sum()),
        "removed": int(removed.sum()),
        "added": new,
    }


def digest(path: Path) -> str:
    """What SQLite holds of the poles, their versions and the batches."""
    parts = []
    with contextlib.closing(sqlite3.connect(path)) as con:
        for sql in (
            "SELECT * FROM poles ORDER BY fid",
            "SELECT * FROM asset_versions ORDER BY version_id",
            "SELECT * FROM batches ORDER BY batch_id",
        ):
            parts.append(repr(con.execute(sql).fetchall()))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


UPDATE = """
import sys
from geoasset.history_survey import survey_update
survey_update(sys.argv[1], "poles", sys.argv[2])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="poles (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=100_000, help="re-surveyed rows")
    parser.add_argument("--kill-after", type=float, default=None, metavar="S")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first, second = folder / "survey_2025.csv", folder / "survey_2026.csv"
        make_csv(first, args.n)
        expected = make_resurvey(first, second, args.batch)
        inventory = folder / "inventory.gpkg"
        create_inventory(inventory)
        print(f"poles                      {args.n:>12,}")
        print(f"re-surveyed rows           {args.batch + expected['added']:>12,}")
        print(f"load average (1 min)       {os.getloadavg()[0]:>12.2f}   on {os.cpu_count()} cores")
        started = time.perf_counter()
        import_layer(inventory, "poles", first)
        print(f"first import (s)           {time.perf_counter() - started:>12.2f}")

        if args.kill_after is not None:
            before = digest(inventory)
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
            process = subprocess.Popen(
                [sys.executable, "-c", UPDATE, str(inventory), str(second)], env=env
            )
            time.sleep(args.kill_after)
            alive = process.poll() is None
            process.send_signal(signal.SIGKILL)
            process.wait()
            same = digest(inventory) == before
            print(f"killed after (s)           {args.kill_after:>12.2f}   "
                  f"{'midway' if alive else 'after it ended'}; previous state kept: {same}")  # fmt: skip

        from geoasset.history_survey import survey_update

        started = time.perf_counter()
        report = survey_update(inventory, "poles", second)
        seconds = time.perf_counter() - started
        counts = report.counts()
        assert counts == expected, (counts, expected)
        with contextlib.closing(sqlite3.connect(inventory)) as con:
            (live,) = con.execute("SELECT count(*) FROM poles").fetchone()
            (versions,) = con.execute("SELECT count(*) FROM asset_versions").fetchone()
        assert live == args.n + expected["added"] - expected["removed"]
        print(
            f"re-survey batch (s)        {seconds:>12.2f}   target <= 15 s at 1M poles / 100k rows"
        )
        print(f"changes                    {counts}")
        print(f"version rows               {versions:>12,}")


if __name__ == "__main__":
    main()
