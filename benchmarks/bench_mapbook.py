"""Map book of a 10 km corridor: one A3 page per 500 m, poles every 25 m on both sides.

The road is synthetic (a gentle S-curve near Kupang, EPSG:32751), the poles seeded
(three owners, 2-12 m from the centreline) plus one overhead line per kilometre. The
corridor and the chainage are built untimed; the figure is the median wall time of
``write_mapbook`` (checks, sheets, drawing, PDF), and the run checks that the PDF has
``ceil(length / stretch)`` pages.

    python benchmarks/bench_mapbook.py --km 10 --repeat 3
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from timing import timed

X0, Y0 = 565_000.0, 8_875_000.0


def synthetic_corridor(km: float, *, seed: int = 3):
    """(roads, poles, utility lines) in EPSG:4326: a ``km`` long S-curve and its assets."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, km * 1000 * 0.95, 400)
    y = 400 * np.sin(x / (km * 1000) * 2 * math.pi)
    line = shapely.linestrings(np.column_stack([X0 + x, Y0 + y]))
    line = shapely.ops.substring(line, 0, km * 1000)
    roads = gpd.GeoDataFrame(
        {"road_id": ["BENCH-1"], "name": ["Synthetic S-curve"], "road_class": ["sedang"]},
        geometry=[line],
        crs=32751,
    )
    along = np.arange(5, line.length, 25.0)
    here = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(line, along + 0.5))
    d = (ahead - here) / np.hypot(*(ahead - here).T)[:, None]
    side = np.where(np.arange(len(along)) % 2 == 0, 1.0, -1.0)
    offset = rng.uniform(2, 7, len(along)) * side
    xy = here + np.column_stack([-d[:, 1], d[:, 0]]) * offset[:, None]
    owners = np.array(["PLN", "Telkom", "Pemkot Kupang"])[rng.integers(0, 3, len(along))]
    poles = gpd.GeoDataFrame(
        {
            "pole_id": [f"POLE-{k:06d}" for k in range(len(along))],
            "owner": owners,
            "kind": np.where(owners == "PLN", "electric", "telecom"),
            "height_m": 9.0,
        },
        geometry=shapely.points(xy),
        crs=32751,
    )
    starts = np.arange(0, line.length - 500, 1000.0)
    lines = gpd.GeoDataFrame(
        {
            "line_id": [f"LINE-{k:04d}" for k in range(len(starts))],
            "owner": "PLN",
            "kind": "overhead_cable",
        },
        geometry=[shapely.offset_curve(shapely.ops.substring(line, a, a + 800), 6) for a in starts],
        crs=32751,
    )
    return roads.to_crs(4326), poles.to_crs(4326), lines.to_crs(4326)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--km", type=float, default=10.0, help="corridor length (default 10)")
    parser.add_argument("--stretch", type=float, default=500.0, help="metres per page")
    parser.add_argument("--paper", default="A3", choices=["A3", "A4"])
    parser.add_argument("--repeat", type=int, default=3, help="runs (median)")
    args = parser.parse_args()

    from pypdf import PdfReader

    from geoasset.chainage import locate_assets
    from geoasset.corridors import build_corridors
    from geoasset.mapbook import write_mapbook

    roads, poles, lines = synthetic_corridor(args.km)
    corridors = build_corridors(roads)
    assets = locate_assets({"poles": poles, "utility_lines": lines}, roads, corridors=corridors)
    print(f"corridor {args.km:g} km; {len(poles)} poles, {len(lines)} lines")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "bench.pdf"
        timing = timed(
            lambda: write_mapbook(
                target,
                overwrite=True,
                corridor_id="BENCH-1",
                corridors=corridors,
                roads=roads,
                assets=assets,
                paper=args.paper,
                stretch_m=args.stretch,
            ),
            args.repeat,
        )
        book = timing.result
        pages = len(PdfReader(target).pages)
        expected = math.ceil(args.km * 1000 / args.stretch)
        assert pages == book.pages == expected, (pages, book.pages, expected)
        size = target.stat().st_size
    runs = ", ".join(f"{s:.2f}" for s in timing.runs)
    print(
        f"write_mapbook: {timing.median:.2f} s median ({runs}); {pages} pages "
        f"({timing.median / pages * 1000:.0f} ms/page), {size / 1e6:.2f} MB, "
        f"scales {book.scales}"
    )


if __name__ == "__main__":
    main()
