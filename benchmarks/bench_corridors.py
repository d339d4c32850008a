"""Benchmark: right-of-way corridors (with the partition) for a synthetic road network.

The network is seeded and synthetic: a perturbed grid of junctions about 150 m apart
(UTM 51S, near Kupang), some links removed (T-junctions, dead ends), some links bent,
one road class per street (mostly kecil, some sedang/raya, a few bebas hambatan).
Prints the median time of ``build_corridors`` and, in the same run, the baseline it is
compared with: a plain shapely buffer of the same lines.

    python benchmarks/bench_corridors.py --n 100000 --repeat 3
    python benchmarks/bench_corridors.py --n 10000 --check   # also verify the partition
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
import shapely
from timing import timed

CLASSES = np.array(["bebas_hambatan", "raya", "sedang", "kecil"])
CLASS_SHARE = [0.01, 0.07, 0.17, 0.75]
ORIGIN = (560000.0, 8860000.0)  # EPSG:32751, east of Kupang


def synthetic_roads(
    n_links: int, *, seed: int = 0, spacing: float = 150.0, metric: bool = False
) -> gpd.GeoDataFrame:
    """``n_links`` road links of a perturbed grid network (EPSG:4326, or 32751)."""
    rng = np.random.default_rng(seed)
    drop = 0.12
    side = int(np.ceil(np.sqrt(n_links / (2 * (1 - drop))))) + 1
    gx, gy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    jitter = rng.normal(0, spacing * 0.1, (side, side, 2))
    x = ORIGIN[0] + gx * spacing + jitter[..., 0]
    y = ORIGIN[1] + gy * spacing + jitter[..., 1]
    street_class_h = rng.choice(len(CLASSES), side, p=CLASS_SHARE)
    street_class_v = rng.choice(len(CLASSES), side, p=CLASS_SHARE)
    i, j = np.meshgrid(np.arange(side - 1), np.arange(side), indexing="ij")
    h = np.column_stack([i.ravel(), j.ravel(), i.ravel() + 1, j.ravel()])
    h_cls = street_class_h[h[:, 1]]
    v = h[:, [1, 0, 3, 2]]
    v_cls = street_class_v[v[:, 0]]
    links = np.concatenate([h, v])
    cls = np.concatenate([h_cls, v_cls])
    keep = rng.permutation(len(links))[:n_links]
    keep.sort()
    links, cls = links[keep], cls[keep]
    start = np.column_stack([x[links[:, 0], links[:, 1]], y[links[:, 0], links[:, 1]]])
    end = np.column_stack([x[links[:, 2], links[:, 3]], y[links[:, 2], links[:, 3]]])
    n = len(links)
    # 0, 1 or 2 bends per link, away from the junctions.
    bends = rng.choice(3, n, p=[0.4, 0.4, 0.2])
    d = end - start
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    coords, index = [start], [np.arange(n)]
    for b in (1, 2):
        has = bends >= b
        t = np.where(bends == 1, 0.5, (b - 0.5) / 2 + 0.0)[has] + rng.uniform(-0.1, 0.1, has.sum())
        off = rng.normal(0, 6.0, has.sum())[:, None]
        coords.append(start[has] + d[has] * t[:, None] + normal[has] * off)
        index.append(np.flatnonzero(has))
    coords.append(end)
    index.append(np.arange(n))
    order_key = np.concatenate([np.full(len(ix), k) for k, ix in enumerate(index)])
    all_index = np.concatenate(index)
    order = np.lexsort((order_key, all_index))
    lines = shapely.linestrings(np.concatenate(coords)[order], indices=all_index[order])
    road_class = CLASSES[cls]
    rumija = np.where(rng.random(n) < 0.02, 18.0, np.nan)
    roads = gpd.GeoDataFrame(
        {
            "road_id": [f"R{k:06d}" for k in range(n)],
            "name": [f"Jalan {k}" for k in range(n)],
            "status": np.where(road_class == "kecil", "kota", "provinsi"),
            "road_class": road_class,
            "rumija_m": rumija,
            "kabupaten": "Kota Kupang",
        },
        geometry=lines,
        crs=32751,
    )
    return roads if metric else roads.to_crs(4326)


def check_partition(corridors: gpd.GeoDataFrame) -> tuple[int, float]:
    """Pairs of corridors whose interiors overlap by more than 1e-6 m², and the worst."""
    metric = corridors.to_crs(corridors["metric_crs"].iloc[0]).geometry.values
    a, b = shapely.STRtree(metric).query(metric, predicate="intersects")
    keep = a < b
    area = shapely.area(shapely.intersection(metric[a[keep]], metric[b[keep]]))
    return int((area > 1e-6).sum()), float(area.max(initial=0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="road links (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split-every", type=float, default=None, help="also cut pieces")
    parser.add_argument("--check", action="store_true", help="verify no overlaps afterwards")
    args = parser.parse_args()

    from geoasset.corridors import build_corridors
    from geoasset.schema import RUMIJA_MIN_WIDTH_M

    roads = synthetic_roads(args.n, seed=args.seed)
    metric = roads.to_crs(32751)
    lines = metric.geometry.values
    widths = np.where(
        metric["rumija_m"].notna(), metric["rumija_m"], metric["road_class"].map(RUMIJA_MIN_WIDTH_M)
    )
    length_km = shapely.length(lines).sum() / 1000
    print(f"network: {len(roads)} links, {length_km:,.0f} km, seed {args.seed}")

    base, _, _ = timed(
        lambda: shapely.buffer(lines, widths / 2, cap_style="flat", join_style="round"),
        args.repeat,
    )
    print(f"baseline  plain shapely.buffer of all links:   {base:7.2f} s (median of {args.repeat})")
    tree_t, _, _ = timed(
        lambda: shapely.STRtree(buffers := shapely.buffer(lines, widths / 2)).query(
            buffers, predicate="intersects"
        ),
        1,
    )
    print(f"baseline  buffer + STRtree overlapping pairs:  {tree_t:7.2f} s")
    took, _, corridors = timed(
        lambda: build_corridors(roads, split_every=args.split_every), args.repeat
    )
    print(
        f"build_corridors (partition{', split' if args.split_every else ''}):"
        f"{took:14.2f} s (median of {args.repeat}) -> {len(corridors)} rows, "
        f"{corridors['area_m2'].sum() / 1e4:,.1f} ha, {corridors['metric_crs'].iloc[0]}"
    )
    print(f"ratio to plain buffer: {took / base:.1f}x; target <= 30 s at 100,000 links")
    if args.check:
        bad, worst = check_partition(corridors)
        union = shapely.union_all(
            shapely.buffer(lines, widths / 2, cap_style="flat", join_style="round")
        ).area
        total = corridors["area_m2"].sum()
        print(
            f"check: {bad} overlapping pairs (worst {worst:.2e} m²); "
            f"sum of corridors {total:,.2f} m² vs union of buffers {union:,.2f} m² "
            f"(diff {total - union:.4f} m²)"
        )


if __name__ == "__main__":
    main()
