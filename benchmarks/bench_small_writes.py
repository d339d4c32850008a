"""Benchmark: the fixed costs of the store and the field map, on the bundled Kupang data.

An officer's commands write a few hundred rows at a time, so what a write costs beyond
its rows matters as much as the bulk path (``bench_import.py``). Prints the median
wall-clock milliseconds of:

- ``create_inventory`` (a new, empty inventory);
- ``Inventory.write`` of the Kupang poles (445 rows) replacing themselves, and of the
  roads and poles together, next to a plain ``pyogrio.write_dataframe`` of the same
  poles into a new file;
- ``field_map`` of the whole Kupang inventory (the page, not its file).

Usage::

    python benchmarks/bench_small_writes.py              # 15 runs of each
    python benchmarks/bench_small_writes.py --repeat 31
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
from pathlib import Path

import pyogrio
from timing import timed

LAYERS = Path(__file__).resolve().parent.parent / "layers"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    from geoasset.maps import field_map
    from geoasset.pipeline import run_pipeline
    from geoasset.store import Batch, create_inventory, open_inventory

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        run = run_pipeline(
            LAYERS / "kupang", folder / "run", tariffs=LAYERS / "tariffs_example.csv", year=2026
        )
        path = folder / "inventory.gpkg"
        shutil.copy(run.inventory, path)
        inv = open_inventory(path)
        poles, roads = inv.read("poles"), inv.read("roads")
        counter = iter(range(10**6))

        def new_file(suffix: str) -> Path:
            return folder / f"{next(counter)}{suffix}"

        figures = {
            "create_inventory": timed(lambda: create_inventory(new_file(".gpkg")), args.repeat),
            f"write poles ({len(poles)} rows)": timed(
                lambda: inv.write({"poles": poles}, batch=Batch(command="bench")), args.repeat
            ),
            f"write roads ({len(roads)}) and poles": timed(
                lambda: inv.write({"roads": roads, "poles": poles}, batch=Batch(command="bench")),
                args.repeat,
            ),
            "  baseline pyogrio write of the poles": timed(
                lambda: pyogrio.write_dataframe(poles, new_file(".gpkg"), use_arrow=True),
                args.repeat,
            ),
            "field_map (page)": timed(lambda: field_map(inv), args.repeat),
        }
    for name, timing in figures.items():
        print(f"{name:<40} {timing.median * 1000:8.1f} ms   (median of {len(timing.runs)})")


if __name__ == "__main__":
    main()
