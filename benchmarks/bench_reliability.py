"""The full concurrency runs of the reliability suite: 20 repetitions, 200,000 poles.

The suite (``tests/test_reliability_concurrency.py``) runs each scenario 5 times on a
20,000-pole inventory to stay fast; this runs the same tests at the size the issue asks
for and prints, per repetition, the rows, distinct ids, duplicates and what each process
reported. Any lost row, duplicate id or total that differs from the serial run fails.

Usage::

    PYTHONPATH=$PWD python benchmarks/bench_reliability.py            # 20 reps, 200k poles
    PYTHONPATH=$PWD python benchmarks/bench_reliability.py --reps 3 --poles 50000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--poles", type=int, default=200_000)
    parser.add_argument("-k", default="", help="pytest -k expression to pick scenarios")
    args = parser.parse_args()
    env = {
        **os.environ,
        "GEOASSET_RELIABILITY_REPS": str(args.reps),
        "GEOASSET_RELIABILITY_POLES": str(args.poles),
    }
    command = [
        sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
        str(ROOT / "tests" / "test_reliability_concurrency.py"),
    ]  # fmt: skip
    if args.k:
        command += ["-k", args.k]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
