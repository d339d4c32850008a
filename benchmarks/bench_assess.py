"""Benchmark: retribution assessment of poles and utility-line spans against corridors.

Builds a synthetic province in EPSG:32751 (stored in EPSG:4326 as the inventory keeps it):
gently curving roads, each buffered into a 20 m right-of-way and cut every kilometre into
corridor pieces (an exact partition); poles and 50 m cable spans scattered along the
roads, about 10 % outside the right-of-way and about 5 % of spans crossing a piece
boundary. Then it times, in the same run:

* ``geoasset.assessment.assess`` (the assessment itself, median of ``--runs``);
* the stages of the assessment (poles placed in corridors, lines measured per corridor,
  tariffs and days, line items, not billable with distances);
* the plain baselines: ``geopandas.sjoin(poles, corridors, predicate="within")`` for the
  poles, and the naive line measure (``intersection`` of every bounding-box candidate
  pair, in metres) for the spans; ``--overlay`` adds ``geopandas.overlay``;
* separately, reading the inputs from a GeoPackage inventory and writing the results
  (inventory layers and CSVs; the XLSX with ``--xlsx``).

With ``--city CORRIDORS.gpkg`` it measures instead the poles of a real network
(:func:`measure_city_assessment`): West Jakarta's OSM roads (``benchmarks/city.py``), their
corridors read from that GeoPackage (built with ``geoasset.corridors.build_corridors`` and
cached there on the first run), ``--poles`` seeded poles (default 100,000 here).

Usage::

    python benchmarks/bench_assess.py                      # 1,000,000 poles, 200,000 spans, 100,000 corridors
    python benchmarks/bench_assess.py --poles 100000 --spans 20000 --corridors 10000
    python benchmarks/bench_assess.py --city city_corridors.gpkg --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from timing import timed

PIECE_M = 1000.0
PIECES_PER_ROAD = 50
ROW_SPACING_M = 400.0
HALF_WIDTH_M = 10.0
SPAN_M = 50.0
ORIGIN = (560000.0, 8860000.0)  # EPSG:32751, east of Kupang
METRIC = "EPSG:32751"

OWNERS_POLES = np.array(["PLN", "Telkom", "Indosat", "XL Axiata", "Iconnet", "Pemda"])
KINDS_POLES = np.array(["electric", "telecom", "telecom", "telecom", "telecom", "street_light"])
OWNERS_LINES = np.array(["PLN", "Telkom", "Indosat", "PDAM", "Iconnet"])
KINDS_LINES = np.array(["overhead_cable", "fibre", "fibre", "water_pipe", "buried_cable"])


def make_inventory(n_poles: int, n_spans: int, n_corridors: int, *, seed: int = 0):
    """Synthetic (poles, utility_lines, corridors, tariffs) frames, EPSG:4326."""
    rng = np.random.default_rng(seed)
    n_roads = -(-n_corridors // PIECES_PER_ROAD)
    rows = max(1, int(np.ceil(np.sqrt(n_roads * 8))))
    road = np.arange(n_roads)
    road_y = ORIGIN[1] + (road % rows) * ROW_SPACING_M
    road_x = ORIGIN[0] + (road // rows) * (PIECES_PER_ROAD * PIECE_M + 1000.0)

    def centre_y(r, x):
        return road_y[r] + 30.0 * np.sin(x / 700.0 + r)

    xs = np.arange(0.0, PIECES_PER_ROAD * PIECE_M + 1, 50.0)
    coords = np.stack(
        [
            np.broadcast_to(road_x[:, None] + xs, (n_roads, xs.size)),
            centre_y(road[:, None], xs[None, :]),
        ],
        axis=-1,
    )
    buffers = shapely.buffer(shapely.linestrings(coords), HALF_WIDTH_M, cap_style="flat")
    k = np.arange(n_corridors)
    r, p = k // PIECES_PER_ROAD, k % PIECES_PER_ROAD
    boxes = shapely.box(
        road_x[r] + p * PIECE_M, road_y[r] - 100, road_x[r] + (p + 1) * PIECE_M, road_y[r] + 100
    )
    pieces = shapely.intersection(buffers[r], boxes)
    statuses = np.array(["provinsi", "kabupaten", "nasional"])[r % 3]
    classes = np.array(["raya", "sedang", "kecil"])[(r // 3) % 3]
    corridors = gpd.GeoDataFrame(
        {
            "corridor_id": [f"R{a:05d}:{b * 1000:.0f}" for a, b in zip(r, p, strict=True)],
            "road_id": [f"R{a:05d}" for a in r],
            "road_status": statuses,
            "road_class": classes,
            "kabupaten": np.where(r % 2 == 0, "Kota Kupang", "Kab. Kupang"),
            "sta_from_m": p * PIECE_M,
            "sta_to_m": (p + 1) * PIECE_M,
            "sta": [f"STA {b}+000 – {b + 1}+000" for b in p],
            "area_m2": shapely.area(pieces),
            "metric_crs": METRIC,
        },
        geometry=pieces,
        crs=METRIC,
    )

    def along(n, margin):
        c = rng.integers(0, n_corridors, n)
        rr = c // PIECES_PER_ROAD
        x = (c % PIECES_PER_ROAD) * PIECE_M + rng.uniform(0, PIECE_M - margin, n)
        return rr, x

    rr, x = along(n_poles, 0.0)
    inside = rng.random(n_poles) < 0.9
    offset = np.where(
        inside,
        rng.uniform(-9, 9, n_poles),
        rng.choice([-1, 1], n_poles) * rng.uniform(12, 150, n_poles),
    )
    who = rng.integers(0, len(OWNERS_POLES), n_poles)
    surveyed = np.where(
        rng.random(n_poles) < 0.2,
        (np.datetime64("2026-01-01") + rng.integers(0, 365, n_poles)).astype(str),
        "2025-11-15",
    )
    poles = gpd.GeoDataFrame(
        {
            "pole_id": [f"POLE-{i:07d}" for i in range(n_poles)],
            "owner": OWNERS_POLES[who],
            "kind": KINDS_POLES[who],
            "surveyed_on": surveyed,
            "permit_no": np.where(rng.random(n_poles) < 0.5, "IZN-" + OWNERS_POLES[who], None),
        },
        geometry=shapely.points(road_x[rr] + x, centre_y(rr, x) + offset),
        crs=METRIC,
    )

    rr, x = along(n_spans, SPAN_M)
    offset = np.where(
        rng.random(n_spans) < 0.9,
        rng.uniform(-8, 8, n_spans),
        rng.choice([-1, 1], n_spans) * rng.uniform(5, 100, n_spans),
    )
    start = np.stack([road_x[rr] + x, centre_y(rr, x) + offset], axis=-1)
    end = np.stack([road_x[rr] + x + SPAN_M, centre_y(rr, x + SPAN_M) + offset], axis=-1)
    who = rng.integers(0, len(OWNERS_LINES), n_spans)
    lines = gpd.GeoDataFrame(
        {
            "line_id": [f"LINE-{i:07d}" for i in range(n_spans)],
            "owner": OWNERS_LINES[who],
            "kind": KINDS_LINES[who],
            "installed_on": np.where(rng.random(n_spans) < 0.1, "2026-03-01", None),
        },
        geometry=shapely.linestrings(np.stack([start, end], axis=1)),
        crs=METRIC,
    )
    tariffs = pd.DataFrame(
        {
            "tariff_id": ["P", "P-E", "P-SL", "L", "L-FO-25", "L-FO-26", "L-WP"],
            "object": ["pole"] * 3 + ["utility_line"] * 4,
            "kind": ["", "electric", "street_light", "", "fibre", "fibre", "water_pipe"],
            "unit": ["per_unit_year"] * 3 + ["per_m_year"] * 4,
            "rate_rp": [480000, 720000, 0, 13000, 25000, 30000, 20000],
            "road_status": [""] * 7,
            "road_class": [""] * 7,
            "valid_from": ["2026-01-01"] * 5 + ["2026-07-01", "2026-01-01"],
            "valid_to": ["2026-12-31"] * 4 + ["2026-06-30", "2026-12-31", "2026-12-31"],
            "legal_basis": ["EXAMPLE ONLY – benchmark"] * 7,
        }
    )
    permits = pd.DataFrame(
        {
            "permit_no": "IZN-" + OWNERS_POLES,
            "owner": OWNERS_POLES,
            "valid_from": "2020-01-01",
            "valid_to": "2030-12-31",
            "paid_until": np.where(np.arange(len(OWNERS_POLES)) % 2 == 0, "2026-12-31", None),
        }
    )
    return poles.to_crs(4326), lines.to_crs(4326), corridors.to_crs(4326), tariffs, permits


def _naive_lines(lines_m: gpd.GeoDataFrame, corridors_m: gpd.GeoDataFrame) -> float:
    """Length of every line inside every corridor: bounding-box candidates, then the
    intersection of every candidate pair (inputs already in metres)."""
    left, right = corridors_m.sindex.query(lines_m.geometry, predicate="intersects")
    parts = shapely.intersection(lines_m.geometry.values[left], corridors_m.geometry.values[right])
    return float(shapely.length(parts).sum())


def _overlay_lines(lines_m: gpd.GeoDataFrame, corridors_m: gpd.GeoDataFrame) -> float:
    parts = gpd.overlay(lines_m, corridors_m, how="intersection", keep_geom_type=True)
    return float(parts.length.sum())


def _pole_rates(tariffs: pd.DataFrame, year: int) -> dict:
    """Yearly pole rate by kind (``None``: any kind) from a plain schedule: rows for
    poles on every road, valid the whole year. Anything richer is refused."""
    rows = tariffs[tariffs["object"] == "pole"]
    rates = {}
    for row in rows.itertuples():
        plain = not (getattr(row, "road_status", "") or getattr(row, "road_class", ""))
        whole = str(row.valid_from) <= f"{year}-01-01" and str(row.valid_to or "9999") >= (
            f"{year}-12-31"
        )
        if not (plain and whole and row.unit == "per_unit_year"):
            raise ValueError(f"tariff row {row.tariff_id!r} is too rich for the baseline")
        rates[row.kind or None] = Fraction(str(row.rate_rp))
    return rates


def independent_pole_total(corridors, poles, tariffs, year: int) -> int:
    """The amount owed for ``poles``, computed without geoasset's placement: a pole
    touching any corridor (``sjoin(..., "intersects")``, each pole once) owes its kind's
    yearly rate × (days from ``surveyed_on`` to 31 December) / days of the year, rounded
    half-up to the rupiah."""
    rates = _pole_rates(tariffs, year)
    joined = gpd.sjoin(poles, corridors[["geometry"]], predicate="intersects")
    inside = poles.loc[joined.index.unique()]
    first, last = date(year, 1, 1), date(year, 12, 31)
    year_days = last.toordinal() - first.toordinal() + 1
    total = 0
    for (kind, surveyed), count in inside.groupby(["kind", "surveyed_on"]).size().items():
        start = max(date.fromisoformat(surveyed), first) if surveyed else first
        rate = rates.get(kind, rates.get(None))
        if rate is None or start > last:
            continue
        amount = rate * Fraction(last.toordinal() - start.toordinal() + 1, year_days)
        total += count * int(amount + Fraction(1, 2))
    return total


def measure_city_assessment(corridors, poles, tariffs, repeat: int = 5, *, year: int = 2026):
    """Time ``assess`` of ``poles`` (with its not-billable report) against the baseline
    ``geopandas.sjoin(poles, corridors, predicate="within")`` + the fee sum, back to back
    in each of ``repeat`` runs; check the amount against an independent computation.
    Both keep what they derive from the corridors' shapes with the layer's spatial index
    (geopandas its tree; the assessment the prepared shapes, tree and boundary pieces),
    so the first run of each also builds those.

    Returns a dict: ``assess_s`` and ``baseline_s`` (medians), ``ratio`` (median of the
    runs' ratios), ``assess_runs``/``baseline_runs``, ``stages`` (seconds per stage of the
    last assessment), ``items``, ``outside``, ``beyond_search``, ``amount_rp`` and
    ``independent_rp`` (:func:`independent_pole_total`), ``billed_once``.

    Example: ``measure_city_assessment(corridors, seeded_poles(roads, 100_000), tariffs)``.
    """
    from geoasset.assessment import assess

    rates = {k: float(v) for k, v in _pole_rates(tariffs, year).items()}

    def run_assess():
        return assess(
            poles=poles, utility_lines=None, corridors=corridors, tariffs=tariffs, year=year
        )

    def run_baseline():
        joined = gpd.sjoin(poles, corridors, predicate="within")
        fee = joined["kind"].map(rates).fillna(rates.get(None, 0.0))
        return float(fee.sum())

    assess_runs, baseline_runs, result = [], [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run_assess()
        assess_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        run_baseline()
        baseline_runs.append(time.perf_counter() - started)
    items = result.items
    outside = result.not_billable[result.not_billable["reason"] == "outside_right_of_way"]
    return {
        "assess_s": statistics.median(assess_runs),
        "baseline_s": statistics.median(baseline_runs),
        "ratio": statistics.median(a / b for a, b in zip(assess_runs, baseline_runs, strict=True)),
        "assess_runs": assess_runs,
        "baseline_runs": baseline_runs,
        "stages": dict(result.timings),
        "items": len(items),
        "outside": len(outside),
        "beyond_search": int(outside["distance_to_corridor_m"].isna().sum()),
        "amount_rp": result.grand_total,
        "independent_rp": independent_pole_total(corridors, poles, tariffs, year),
        "billed_once": bool(not items["asset_id"].duplicated().any()),
    }


CITY_TARIFFS = pd.DataFrame(
    {
        "tariff_id": ["P", "P-E", "P-SL"],
        "object": ["pole"] * 3,
        "kind": ["", "electric", "street_light"],
        "unit": ["per_unit_year"] * 3,
        "rate_rp": [480000, 720000, 150000],
        "valid_from": ["2026-01-01"] * 3,
        "valid_to": ["2026-12-31"] * 3,
        "legal_basis": ["EXAMPLE ONLY – benchmark"] * 3,
    }
)


def city(corridors_path: Path, n_poles: int, repeat: int) -> dict:
    """West Jakarta: corridors cached in ``corridors_path``, ``n_poles`` seeded poles."""
    from city import jakarta_roads, seeded_poles

    roads = jakarta_roads()
    if corridors_path.exists():
        corridors = gpd.read_file(corridors_path, layer="corridors")
    else:
        from geoasset.corridors import build_corridors

        started = time.perf_counter()
        corridors = build_corridors(roads)
        print(f"built {len(corridors):,} corridors in {time.perf_counter() - started:.1f} s")
        corridors.to_file(corridors_path, layer="corridors", driver="GPKG")
    poles = seeded_poles(roads, n_poles, seed=0)
    figures = measure_city_assessment(corridors, poles, CITY_TARIFFS, repeat)
    print(f"West Jakarta: {len(poles):,} poles, {len(corridors):,} corridors, {repeat} runs")
    print(
        f"assess (with not billable)          {figures['assess_s']:7.2f} s  "
        f"({', '.join(f'{t:.2f}' for t in figures['assess_runs'])})"
    )
    for stage, seconds in figures["stages"].items():
        print(f"  {stage:<33} {seconds:7.2f} s")
    print(
        f"baseline sjoin(within) + fee sum    {figures['baseline_s']:7.2f} s  "
        f"({', '.join(f'{t:.2f}' for t in figures['baseline_runs'])})"
    )
    print(f"ratio (median of the runs' ratios)  {figures['ratio']:7.2f}")
    print(
        f"{figures['items']:,} line items, {figures['outside']:,} poles outside "
        f"({figures['beyond_search']:,} beyond the search distance); billed once: "
        f"{figures['billed_once']}"
    )
    same = "equal" if figures["amount_rp"] == figures["independent_rp"] else "DIFFERENT"
    print(
        f"amount Rp {figures['amount_rp']:,}; independent point-in-polygon Rp "
        f"{figures['independent_rp']:,}: {same}"
    )
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--poles", type=int, default=None, help="default 1,000,000 (city: 100,000)")
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--corridors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of the assessment (median)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-io", action="store_true", help="skip the read/write timings")
    parser.add_argument("--xlsx", action="store_true", help="also time writing the XLSX")
    parser.add_argument("--overlay", action="store_true", help="also time geopandas.overlay")
    parser.add_argument(
        "--city",
        type=Path,
        metavar="CORRIDORS.gpkg",
        help="measure West Jakarta's poles against the corridors cached in this file",
    )
    args = parser.parse_args(argv)
    if args.city is not None:
        city(args.city, args.poles or 100_000, args.runs)
        return
    args.poles = args.poles or 1_000_000

    from bench_line_items import fresh

    from geoasset.assessment import assess
    from geoasset.reports import write_assessment, write_csvs, write_reports, write_xlsx
    from geoasset.store import Batch, create_inventory

    started = time.perf_counter()
    poles, lines, corridors, tariffs, permits = make_inventory(
        args.poles, args.spans, args.corridors, seed=args.seed
    )
    print(
        f"data: {len(poles):,} poles, {len(lines):,} spans, {len(corridors):,} corridors "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )

    def run():
        return assess(
            poles=poles,
            utility_lines=lines,
            corridors=corridors,
            tariffs=tariffs,
            permits=permits,
            year=2026,
        )

    median, times, result = timed(run, args.runs)
    print(
        f"geoasset assess (everything)             {median:7.2f} s  (median of "
        f"{len(times)}: {', '.join(f'{t:.2f}' for t in times)})"
    )
    for stage, seconds in result.timings.items():
        print(f"  {stage:<38} {seconds:7.2f} s")
    print(
        f"  {len(result.items):,} line items, {len(result.not_billable):,} not billable, "
        f"grand total Rp {result.grand_total:,}"
    )

    if not args.no_baselines:
        median, _, joined = timed(
            lambda: gpd.sjoin(poles, corridors, predicate="within"), min(args.runs, 3)
        )
        print(
            f"baseline sjoin(poles, corridors, within)  {median:7.2f} s  ({len(joined):,} pairs; "
            f"compare 'place poles')"
        )
        lines_m, corridors_m = lines.to_crs(METRIC), corridors.to_crs(METRIC)
        median, _, metres = timed(lambda: _naive_lines(lines_m, corridors_m), min(args.runs, 3))
        print(
            f"baseline lines: intersect all candidates {median:7.2f} s  ({metres:,.0f} m inside; "
            f"compare 'place utility_lines')"
        )
        if args.overlay:
            median, _, metres = timed(lambda: _overlay_lines(lines_m, corridors_m), 1)
            print(f"baseline lines: geopandas.overlay        {median:7.2f} s  ({metres:,.0f} m)")
        billed = result.items[result.items["layer"] == "utility_lines"]
        metres_fast = billed.drop_duplicates(["asset_id", "corridor_id"])["quantity"].sum()
        print(f"  geoasset billed {metres_fast:,.0f} m of line (each piece rounded to the cm)")

    if not args.no_io:
        with tempfile.TemporaryDirectory() as folder:
            inventory = create_inventory(Path(folder) / "bench.gpkg")
            inventory.write(
                {"poles": poles, "utility_lines": lines, "corridors": corridors},
                batch=Batch(command="bench"),
            )
            started = time.perf_counter()
            for name in ("poles", "utility_lines", "corridors"):
                inventory.read(name)
            print(
                f"read inputs from the GeoPackage          {time.perf_counter() - started:7.2f} s"
            )
            started = time.perf_counter()
            write_assessment(inventory, fresh(result))
            layers_s = time.perf_counter() - started
            print(f"write assessment layers (GeoPackage)     {layers_s:7.2f} s")
            started = time.perf_counter()
            write_csvs(fresh(result), Path(folder) / "csv")
            csvs_s = time.perf_counter() - started
            print(f"write CSVs                               {csvs_s:7.2f} s")
            print(f"  layers + CSVs ({len(result.items):,} line items)  {layers_s + csvs_s:7.2f} s")
            started = time.perf_counter()
            write_reports(fresh(result), inventory=inventory, csv_dir=Path(folder) / "reports")
            print(
                f"write_reports (layers + CSVs)            {time.perf_counter() - started:7.2f} s"
            )
            if args.xlsx:
                started = time.perf_counter()
                write_xlsx(result, Path(folder) / "report.xlsx")
                print(
                    f"write XLSX                               {time.perf_counter() - started:7.2f} s"
                )


if __name__ == "__main__":
    main()
