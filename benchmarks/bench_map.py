"""Field maps at scale: HTML size, generation time and browser load time.

For each pole count the inventory is a square grid of roads 1 km apart with a pole
about every 50 m (the test suite's ``build_network_frames``). Figures:

* HTML size of the saved map;
* generation time: ``field_map`` + ``save_map`` (median of ``--runs``, one run at
  100,000 poles);
* browser load time: navigation start until the map reports ``geoasset.ready``, in
  headless Chromium (``/usr/bin/chromium``) with every request but the file blocked
  (median of ``--runs``).

Baseline in the same run (``--baseline``, on by default): the usual folium export, one
``folium.Marker`` with a popup per pole in a ``MarkerCluster``, its CDN scripts served
from the XStatic files (jQuery, used only to parse popup HTML, by a stand-in); load
time = until the first cluster icon is drawn. Targets from
the issue: at 100,000 poles at most 25 MB and usable within 5 s.

City case (``--city``): West Jakarta's 9,287 real OSM roads (``benchmarks/city.py``)
with seeded poles, corridors, chainage and the assessment with
``layers/tariffs_example.csv``, built once into ``--city-inventory`` (reused when that file
exists; building takes a few minutes). Figures for the overview as ``geoasset run`` writes
it (light past the limits of ``geoasset.maps.LIGHT_MAX_FEATURES``), the full map of the
same inventory (what the overview was before this rule), and the map of one corridor (the one with
the median vertex count). Target from issue 10: overview at most 25 MB, ready within 5 s.
Then the detailed maps ``geoasset run`` writes next to the overview (``save_field_maps``:
one per area past ``AREA_MAPS_PAST_CORRIDORS`` corridors): number of files, total MB,
time to write them all, and the largest map's MB and Chromium ready time.

Usage::

    python benchmarks/bench_map.py --n 1000 10000      # quick
    python benchmarks/bench_map.py                     # 1k, 10k, 100k
    python benchmarks/bench_map.py --n --city 100000 --city-inventory city.gpkg
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_maps import build_network_frames  # noqa: E402
from test_maps_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from geoasset.maps import field_map, save_map  # noqa: E402
from geoasset.store import Batch, create_inventory  # noqa: E402

TARGET_MB = 25.0
TARGET_S = 5.0


def generate(inventory, out: Path, runs: int, **options) -> tuple[float, float, bool]:
    """(median seconds, MB, light?) of field_map + save_map (full map unless ``options``)."""
    options = {"light": False, **options}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        m = field_map(inventory, **options)
        save_map(m, out, overwrite=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times), out.stat().st_size / 1e6, m.light


def load_times(browser, path: Path, runs: int, *, ready: str, serve: dict | None = None) -> float:
    """Median seconds from navigation start until ``ready`` (a JS expression) holds."""
    url = path.resolve().as_uri()
    serve = serve or {}
    results = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()

        def route(r):
            if r.request.url == url:
                r.continue_()
            elif r.request.url in serve:
                body, kind = serve[r.request.url]
                r.fulfill(body=body, content_type=kind)
            else:
                r.abort()

        page.route("**/*", route)
        page.goto(url, wait_until="commit", timeout=300_000)
        page.wait_for_function(ready, timeout=60_000, polling=20)
        results.append(page.evaluate("performance.now()") / 1000)
        context.close()
    return statistics.median(results)


def baseline_map(frames: dict):
    """The usual folium export: one Marker with a popup per pole in a MarkerCluster."""
    import folium
    from folium.plugins import MarkerCluster

    poles = frames["poles"]
    minx, miny, maxx, maxy = poles.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=11, tiles=None, max_zoom=19
    )
    m.options["max_zoom"] = 19
    cluster = MarkerCluster().add_to(m)
    for pole_id, owner, sta, point in zip(
        poles["pole_id"], poles["owner"], poles["sta"], poles.geometry, strict=True
    ):
        folium.Marker([point.y, point.x], popup=f"{pole_id}<br>{owner}<br>{sta}").add_to(cluster)
    return m


def cdn_files() -> dict:
    """Leaflet and markercluster CDN URLs folium uses -> the XStatic files' content."""
    import xstatic.pkg.leaflet as xleaflet
    import xstatic.pkg.leaflet_markercluster as xcluster
    from folium.folium import _default_css, _default_js
    from folium.plugins import MarkerCluster

    leaflet, cluster = Path(xleaflet.BASE_DIR), Path(xcluster.BASE_DIR)
    files = {}
    for name, url in [
        *_default_js,
        *_default_css,
        *MarkerCluster.default_js,
        *MarkerCluster.default_css,
    ]:
        source = {
            "leaflet": leaflet / "leaflet.js",
            "leaflet_css": leaflet / "leaflet.css",
            "markerclusterjs": cluster / "leaflet.markercluster.js",
            "markerclustercss": cluster / "MarkerCluster.css",
            "markerclusterdefaultcss": cluster / "MarkerCluster.Default.css",
        }.get(name)
        if source is not None:
            kind = "text/css" if source.suffix == ".css" else "application/javascript"
            files[url] = (source.read_bytes(), kind)
    # folium builds popups with jQuery's $(html)[0]; a two-line stand-in does that here
    jquery = next(url for name, url in _default_js if name == "jquery")
    files[jquery] = (
        b"window.$ = function (html) { var t = document.createElement('template');"
        b" t.innerHTML = String(html).trim(); return [t.content.firstChild]; };",
        "application/javascript",
    )
    return files


def build_city(path: Path, n_poles: int) -> None:
    """West Jakarta with ``n_poles`` seeded poles, corridors, chainage and assessment."""
    from city import jakarta_roads, seeded_poles

    from geoasset.assessment import assess, write_assessment
    from geoasset.chainage import locate_assets
    from geoasset.corridors import build_corridors
    from geoasset.tariffs import load_tariffs

    started = time.perf_counter()
    roads = jakarta_roads()
    inv = create_inventory(path)
    inv.write(
        {"roads": roads, "poles": seeded_poles(roads, n_poles, seed=1)},
        batch=Batch(command="bench_map city"),
    )
    roads, poles = inv.read("roads"), inv.read("poles")
    corridors = build_corridors(roads)
    inv.write({"corridors": corridors}, batch=Batch(command="bench_map city"))
    located = locate_assets({"poles": poles}, roads, corridors=corridors)
    inv.write(located, batch=Batch(command="bench_map city"))
    tariffs = Path(__file__).resolve().parents[1] / "layers" / "tariffs_example.csv"
    result = assess(
        poles=located["poles"],
        utility_lines=None,
        corridors=corridors,
        tariffs=load_tariffs(tariffs),
        year=2026,
        roads=roads,
    )
    write_assessment(inv, result)
    print(f"built {path} in {time.perf_counter() - started:.0f} s", flush=True)


def city(args, browser, folder: Path) -> None:
    """The West Jakarta figures: overview, full map, one corridor's map."""
    import shapely

    from geoasset.store import open_inventory

    path = Path(args.city_inventory) if args.city_inventory else Path(folder) / "city.gpkg"
    if not path.exists():
        build_city(path, args.city)
    inv = open_inventory(path)
    corridors = inv.read("corridors")
    vertices = shapely.get_num_coordinates(corridors.geometry.values)
    median = corridors["corridor_id"].iloc[int(vertices.argsort()[len(vertices) // 2])]
    print(
        f"\nWest Jakarta: {inv.count('roads'):,} roads, {len(corridors):,} corridors "
        f"({int(vertices.sum()):,} vertices), {inv.count('poles'):,} poles",
        flush=True,
    )
    cases = [
        ("overview (geoasset run)", {"light": None, "corridor_maps": "maps"}),
        ("full map (light=False)", {"light": False}),
        (f"corridor {median}", {"corridor_ids": [median]}),
    ]
    for name, options in cases:
        out = Path(folder) / "city.html"
        seconds, mb, light = generate(inv, out, args.runs, **options)
        load = (
            load_times(browser, out, args.runs, ready="window.geoasset && geoasset.ready")
            if browser
            else None
        )
        name += " (light)" if light else ""
        print(
            f"  {name:<32} HTML {mb:6.1f} MB, build {seconds:5.2f} s, "
            f"Chromium ready {'-' if load is None else f'{load:.2f} s'}",
            flush=True,
        )
    print(f"  targets for the overview: HTML <= {TARGET_MB:g} MB, ready within {TARGET_S:g} s")
    area_maps(inv, browser, Path(folder), args.runs)


def area_maps(inv, browser, folder: Path, runs: int) -> None:
    """What ``geoasset run`` writes next to the overview of a city: one map per area."""
    import shutil

    from geoasset.maps import AREA_MAPS_PAST_CORRIDORS, AREA_SIZE_M, maps_per, save_field_maps

    per = maps_per(inv.count("corridors"))
    out = folder / "maps"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    paths = save_field_maps(inv, out)
    seconds = time.perf_counter() - started
    sizes = {p: p.stat().st_size / 1e6 for p in paths}
    largest = max(sizes, key=sizes.get)
    load = (
        load_times(browser, largest, runs, ready="window.geoasset && geoasset.ready")
        if browser and largest.name != "index.html"
        else None
    )
    print(
        f"  maps/ (geoasset run, per {per}: past {AREA_MAPS_PAST_CORRIDORS} corridors, "
        f"squares of {AREA_SIZE_M / 1000:g} km): {len(paths)} files ({len(paths) - 1} maps + "
        f"index.html), {sum(sizes.values()):.1f} MB, written in {seconds:.1f} s",
        flush=True,
    )
    print(
        f"  largest map {largest.name}: HTML {sizes[largest]:.1f} MB, Chromium ready "
        f"{'-' if load is None else f'{load:.2f} s'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, nargs="*", default=[1_000, 10_000, 100_000], help="pole counts"
    )
    parser.add_argument(
        "--city", type=int, metavar="POLES", help="also the West Jakarta case with POLES poles"
    )
    parser.add_argument(
        "--city-inventory",
        metavar="FILE.gpkg",
        help="West Jakarta inventory to reuse (built there first if missing)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser load times")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the folium.Marker baseline"
    )
    args = parser.parse_args()

    browser = playwright = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            sys.exit(f"{CHROMIUM} not found (apt-get install chromium), or use --no-browser")
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in args.n:
            frames = build_network_frames(n)
            inv = create_inventory(Path(folder) / f"poles{n}.gpkg")
            inv.write(frames, batch=Batch(command="bench"))
            runs = 1 if n >= 100_000 else args.runs
            out = Path(folder) / f"map{n}.html"
            seconds, mb, _ = generate(inv, out, runs)
            load = (
                load_times(browser, out, args.runs, ready="window.geoasset && geoasset.ready")
                if browser
                else None
            )
            row = {"n": n, "mb": mb, "gen_s": seconds, "load_s": load}
            if not args.no_baseline:
                started = time.perf_counter()
                base = baseline_map(frames)
                base_out = Path(folder) / f"baseline{n}.html"
                base.save(str(base_out))
                row["base_gen_s"] = time.perf_counter() - started
                row["base_mb"] = base_out.stat().st_size / 1e6
                if browser:
                    row["base_load_s"] = load_times(
                        browser,
                        base_out,
                        1 if n >= 100_000 else args.runs,
                        ready="document.querySelector('.marker-cluster') !== null",
                        serve=cdn_files(),
                    )
            rows.append(row)
            print(_format(row), flush=True)
        if args.city:
            city(args, browser, Path(folder))
    if browser:
        browser.close()
        playwright.stop()
    if not rows:
        return
    print(f"\ntargets at 100,000 poles: HTML <= {TARGET_MB:g} MB, usable within {TARGET_S:g} s")
    print(
        "measured before in this environment at 100,000 poles: folium.Marker in MarkerCluster "
        "77 MB / 42 s to generate / 5.2 s to load; FastMarkerCluster 4.8 MB / 0.5 s / 2.4 s"
    )


def _format(row: dict) -> str:
    def f(value, unit, digits=2):
        return "-" if value is None else f"{value:.{digits}f} {unit}"

    text = (
        f"{row['n']:>7,} poles  geoasset: HTML {f(row['mb'], 'MB', 1)}, generate {f(row['gen_s'], 's')}, "
        f"browser ready {f(row['load_s'], 's')}"
    )
    if "base_mb" in row:
        text += (
            f"  | folium.Marker baseline: HTML {f(row['base_mb'], 'MB', 1)}, generate "
            f"{f(row['base_gen_s'], 's')}, first clusters {f(row.get('base_load_s'), 's')}"
        )
    return text


if __name__ == "__main__":
    main()
