"""Benchmark: chainage (road, STA, offset, side) of many poles along a synthetic network.

Poles are seeded and synthetic: spread along the links of the network of
``bench_corridors.py`` at random chainages, 1-15 m left or right of the centreline,
plus 2 % far from any road. Prints the median time of ``locate_points`` (nearest road
within 50 m) and, in the same run, the baseline: a plain ``STRtree.query_nearest`` of
the same points against the same lines (metric CRS, no chainage, no side, no labels).
With ``--corridors`` it also times the corridor-first lookup (corridors built untimed).

    python benchmarks/bench_chainage.py --n 1000000 --links 100000 --repeat 3
    python benchmarks/bench_chainage.py --n 100000 --links 10000 --corridors
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
import shapely
from bench_corridors import synthetic_roads
from timing import timed


def synthetic_poles(roads_metric: gpd.GeoDataFrame, n: int, *, seed: int = 1) -> gpd.GeoSeries:
    """``n`` poles near the roads (EPSG:4326); 2 % of them far from every road."""
    rng = np.random.default_rng(seed)
    lines = roads_metric.geometry.to_numpy()
    length = shapely.length(lines)
    pick = rng.choice(len(lines), n, p=length / length.sum())
    along = rng.uniform(0, length[pick])
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(lines[pick], along + 0.5))
    here = shapely.get_coordinates(shapely.line_interpolate_point(lines[pick], along))
    d = ahead - here
    d /= np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    offset = rng.uniform(1, 15, n) * rng.choice([-1, 1], n)
    xy = here + np.column_stack([-d[:, 1], d[:, 0]]) * offset[:, None]
    far = rng.random(n) < 0.02
    xy[far] += rng.uniform(300, 600, (far.sum(), 2))
    return gpd.GeoSeries(shapely.points(xy), crs=roads_metric.crs).to_crs(4326)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="poles (default 1000000)")
    parser.add_argument("--links", type=int, default=100_000, help="road links (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--corridors", action="store_true", help="also time corridor lookup")
    args = parser.parse_args()

    from geoasset.chainage import locate_points

    roads = synthetic_roads(args.links)
    metric = roads.to_crs(32751)
    poles = synthetic_poles(metric, args.n)
    print(f"network: {len(roads)} links; {len(poles)} poles")

    lines = metric.geometry.to_numpy()
    pts = poles.to_crs(32751).geometry.to_numpy()

    def baseline():
        return shapely.STRtree(lines).query_nearest(pts, max_distance=50.0)

    base, _, _ = timed(baseline, args.repeat)
    print(f"baseline  STRtree.query_nearest (metric, no chainage): {base:7.2f} s")
    reproject, _, _ = timed(lambda: poles.to_crs(32751), args.repeat)
    print(f"baseline  reprojecting the poles to EPSG:32751:        {reproject:7.2f} s")
    took, _, out = timed(lambda: locate_points(poles, roads, tolerance_m=50.0), args.repeat)
    found = int(out["road_id"].notna().sum())
    print(
        f"locate_points (nearest road, 50 m):                   {took:7.2f} s "
        f"(median of {args.repeat}); {found} located, {len(out) - found} not"
    )
    print(f"target <= 20 s for 1,000,000 poles; {len(poles) / took:,.0f} poles/s")
    if args.corridors:
        from geoasset.corridors import build_corridors

        corridors = build_corridors(roads)
        took, _, out = timed(lambda: locate_points(poles, roads, corridors=corridors), args.repeat)
        found = int(out["road_id"].notna().sum())
        print(
            f"locate_points (corridor first, then nearest):        {took:7.2f} s "
            f"(median of {args.repeat}); {found} located"
        )


if __name__ == "__main__":
    main()
