"""Field maps in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

Every request other than the map file itself is aborted, as on a laptop without signal:
the page must load with no console error (failed background tiles excepted), draw every
feature, and its popups, search, measure, locate and chainage tools must work.

Run as a script to save a screenshot of a map (not part of the test run)::

    python tests/test_maps_browser.py screenshot docs/field_map.png [--inventory X.gpkg]
        [--corridor ID] [--lang id]
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import pytest
from shapely import Point

sys.path.insert(0, str(Path(__file__).parent))
from test_maps import (  # noqa: E402  (shared builders of the test inventory)
    HOSTILE_MATERIAL,
    HOSTILE_OWNER,
    HOSTILE_SOURCE,
    ROADS,
    TO_WGS84,
    _with_photos,
    build_network_frames,
    make_map_inventory,
    point_at,
    read_payload,
)

from geoasset.maps import LIGHT_POLE_ZOOM, field_map, save_corridor_maps, save_map  # noqa: E402
from geoasset.store import Batch, create_inventory  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TILE_HOSTS = ("https://tile.openstreetmap.org/", "https://server.arcgisonline.com/")
VIEWPORT = {"width": 1280, "height": 800}


def launch(playwright) -> Chromium:
    """Debian's Chromium; never a browser downloaded by a test tool."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} not found: the map tests need Debian's Chromium "
            "(apt-get install chromium; .ci/run installs it)",
            pytrace=False,
        )
    return Chromium(playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))


#: Run in every document a kept tab loads: alerts are recorded instead of shown.
RECORD_ALERTS = "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"


class Chromium:
    """A launched Chromium that keeps one tab per kind of page (viewport and context
    options) and lends it to one map after another.

    A new tab costs Chromium a renderer process: about 0.6 s of processor time and 0.3 s
    before the map starts loading. A kept tab is sent to ``about:blank`` between maps, so
    every map still loads as a new document, with nothing of the last one left.
    """

    def __init__(self, browser) -> None:
        self.browser = browser
        self._tabs: dict[str, object] = {}

    def tab(self, viewport: dict, options: dict):
        """The kept tab for ``viewport`` and context ``options`` (made on first use)."""
        key = repr((sorted(viewport.items()), sorted(options.items())))
        page = self._tabs.get(key)
        if page is None or page.is_closed():
            context = self.browser.new_context(viewport=viewport, **options)
            context.add_init_script(RECORD_ALERTS)
            page = self._tabs[key] = context.new_page()
        return page

    def give_back(self, page, route=None) -> None:
        """Remove ``route`` and blank the tab for the next map; a tab that will not blank
        (hung or crashed) is closed, and the next map gets a new one."""
        from playwright.sync_api import Error

        if page.is_closed():
            return
        try:
            if route is not None:
                page.unroute("**/*", route)
            page.goto("about:blank", timeout=10_000)
        except Error:
            page.context.close()

    def close(self) -> None:
        self.browser.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


class MapPage:
    """A saved map shown offline in a kept tab, recording errors and requests."""

    def __init__(
        self, browser: Chromium, path: Path, viewport: dict | None = None, **context_options
    ):
        self.url = path.resolve().as_uri()
        self.browser = browser
        self.page = browser.tab(viewport or VIEWPORT, context_options)
        self.console: list = []
        self.page_errors: list[str] = []
        self.blocked: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)
        self.page.route("**/*", self._route)

    def _on_page_error(self, exc) -> None:
        self.page_errors.append(str(exc))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console.append((message.text, message.location.get("url", "")))

    def _route(self, route) -> None:
        if route.request.url.split("#")[0] == self.url.split("#")[0]:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, timeout_ms: int = 30_000) -> float:
        """Load the map; return the page's own time to ready (ms since navigation)."""
        self.page.goto(self.url, wait_until="commit")
        self.page.wait_for_function(
            "window.geoasset && window.geoasset.ready", timeout=timeout_ms, polling=50
        )
        return self.js("geoasset.readyMs")

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def errors(self) -> list:
        """Console errors and uncaught exceptions, except background tiles we blocked."""
        own = [
            (text, url)
            for text, url in self.console
            if not (
                url.startswith(TILE_HOSTS) and url in self.blocked and "net::ERR_FAILED" in text
            )
        ]
        return own + self.page_errors

    def popup_text(self) -> str:
        self.page.wait_for_selector(".leaflet-popup-content .ga-popup", timeout=10_000)
        return self.page.inner_text(".leaflet-popup-content")

    def click_latlng(self, lat: float, lon: float) -> None:
        point = self.js(
            "([lat, lon]) => geoasset.map.latLngToContainerPoint([lat, lon])", [lat, lon]
        )
        box = self.page.locator(".folium-map").bounding_box()
        self.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    def set_view(self, lat: float, lon: float, zoom: int) -> None:
        self.js(
            "([lat, lon, z]) => geoasset.map.setView([lat, lon], z, {animate: false})",
            [lat, lon, zoom],
        )
        self.page.wait_for_timeout(150)

    def close(self) -> None:
        """Stop recording and give the tab back to the browser."""
        self.page.remove_listener("console", self._on_console)
        self.page.remove_listener("pageerror", self._on_page_error)
        self.browser.give_back(self.page, self._route)


@pytest.fixture(scope="module")
def kupang(tmp_path_factory):
    """The hand-made inventory and its saved map."""
    folder = tmp_path_factory.mktemp("kupang")
    inv, facts = make_map_inventory(folder / "kupang.gpkg")
    m = field_map(inv)
    path = save_map(m, folder / "kupang.html")
    return {"inv": inv, "facts": facts, "map": m, "path": path, "folder": folder}


@pytest.fixture
def page(browser, kupang):
    mp = MapPage(browser, kupang["path"])
    mp.open()
    yield mp
    mp.close()


def wgs84(point: Point) -> tuple[float, float]:
    lon, lat = TO_WGS84.transform(point.x, point.y)
    return lat, lon


def pole_latlng(facts: dict, index: int) -> tuple[float, float]:
    return wgs84(facts["utm_points"][index])


# ----------------------------------------------------------------------------- loading
def test_map_loads_offline_with_every_feature(page, kupang):
    assert page.errors() == []
    # the background travels in the page: nothing at all is requested
    assert page.blocked == []
    counts = page.js("geoasset.counts")
    assert counts["background_lines"] > 0 and counts["place_names"] > 0
    expected = kupang["map"].counts
    assert {k: counts[k] for k in expected} == expected
    assert expected["poles"] == len(kupang["facts"]["stations"])
    # ticks every 100 m: R1 0…2100 m → 22, R2 500…1700 m → 13; labels at whole km: 3 + 1
    assert counts["ticks"] == 35 and counts["km_labels"] == 4
    drawn = page.js("geoasset.drawn()")
    assert {k: drawn[k] for k in expected} == expected
    # the fitted view holds the whole network: every tick and every STA label is drawn
    assert page.js("geoasset.map.getZoom()") >= 13
    assert drawn["km_labels"] == 4
    labels = page.page.locator(".ga-sta-label").all_inner_texts()
    assert sorted(labels) == ["STA 0+000", "STA 1+000", "STA 1+000", "STA 2+000"]
    assert page.page.locator(".leaflet-control-scale").count() == 1
    assert page.page.locator(".leaflet-control-layers-base input").count() == 3
    # online tiles only when chosen; offline they fail, the offline background comes
    # back and the officer is told so
    page.page.hover(".leaflet-control-layers")
    page.page.get_by_label("OpenStreetMap").check()
    page.page.wait_for_function("document.querySelector('.ga-notice.ga-show') !== null")
    assert "plain background" in page.page.inner_text(".ga-notice")
    assert page.blocked and all(url.startswith(TILE_HOSTS) for url in page.blocked)
    assert page.errors() == []


def test_clicking_a_pole_opens_its_popup(page, kupang):
    facts = kupang["facts"]
    lat, lon = pole_latlng(facts, 2)  # P000003: 10 m high, 8 m left at STA 0+125
    page.set_view(lat, lon, 19)
    page.click_latlng(lat, lon)
    text = page.popup_text()
    assert "Pole P000003" in text
    assert "STA 0+125" in text
    amount = facts["amount_by_pole"]["P000003"]
    assert amount == 10 * 80_000
    assert f"Rp {amount:,}" in text
    assert "T-POLE" in text and "no permit" in text
    assert page.js("geoasset.lastPopup.id") == "P000003"
    assert page.errors() == []


def test_search_box_finds_an_asset(page):
    page.page.fill(".ga-search-input", "  p000010 ")
    page.page.press(".ga-search-input", "Enter")
    text = page.popup_text()
    assert "Pole P000010" in text and "STA 0+475" in text
    page.page.fill(".ga-search-input", "B2")
    page.page.press(".ga-search-input", "Enter")
    page.page.wait_for_function("geoasset.lastPopup.id === 'B2'")
    assert "Termanu" in page.popup_text()
    page.page.fill(".ga-search-input", "no-such-asset")
    page.page.press(".ga-search-input", "Enter")
    assert "Not found" in page.page.inner_text(".ga-search-results")
    assert page.errors() == []


def test_hostile_values_render_as_text(page):
    assert page.js("geoasset.search('P000004')") is True  # owner and material are hostile
    text = page.popup_text()
    assert HOSTILE_OWNER in text
    assert HOSTILE_MATERIAL in text
    assert page.js("geoasset.search('P000006')") is True
    assert HOSTILE_SOURCE in page.popup_text()
    page.page.wait_for_timeout(300)
    assert page.js("window.__alerts") == []
    assert page.page.locator(".leaflet-popup-content img, .ga-legend img").count() == 0
    assert HOSTILE_OWNER in page.page.inner_text(".ga-legend")
    assert not [url for url in page.blocked if url.rstrip("/").endswith("/x")]
    assert page.errors() == []


def test_clicks_on_roads_and_corridors_give_chainage(page):
    r1 = _utm_line(0)
    # inside the corridor, 10 m left of R1 at 500 m
    lat, lon = wgs84(point_at(r1, 500.0, 10.0))
    exact = page.js("([lat, lon]) => geoasset.locateOnRoad('R1', lat, lon)", [lat, lon])
    assert exact["sta_m"] == pytest.approx(500.0, abs=0.05)
    assert exact["offset_m"] == pytest.approx(10.0, abs=0.05)
    assert exact["side"] == "left"
    page.set_view(lat, lon, 20)
    page.click_latlng(lat, lon)
    text = page.popup_text()
    assert "Corridor R1:0" in text and "At the clicked point" in text
    assert "STA 0+500" in text and "left" in text
    # on the road itself, 1 m right of the centreline at 1700 m (past the bend at 1300 m)
    lat, lon = wgs84(point_at(r1, 1700.0, -1.0))
    page.set_view(lat, lon, 20)
    page.click_latlng(lat, lon)
    text = page.popup_text()
    assert "Road R1" in text and "STA 1+700" in text and "right" in text
    loc = page.js("geoasset.lastLocation")
    assert loc["road_id"] == "R1" and loc["sta_m"] == pytest.approx(1700.0, abs=0.5)
    assert loc["offset_m"] == pytest.approx(1.0, abs=0.3)
    # R2 starts at STA 0+500 and runs south
    lat, lon = wgs84(point_at(_utm_line(1), 700.0, 3.0))
    loc = page.js("([lat, lon]) => geoasset.locateOnRoad('R2', lat, lon)", [lat, lon])
    assert loc["sta"] == "STA 1+200" and loc["side"] == "left"
    assert page.errors() == []


def test_measure_tool(page):
    page.page.click(".ga-tool-measure")
    box = page.page.locator(".folium-map").bounding_box()
    points = [(400, 400), (700, 400), (700, 600)]
    for x, y in points:
        page.page.mouse.click(box["x"] + x, box["y"] + y)
    latlngs = [
        page.js("([x, y]) => geoasset.map.containerPointToLatLng([x, y])", list(p)) for p in points
    ]
    measured = page.js("geoasset.measured")
    expected = sum(_haversine(a, b) for a, b in zip(latlngs, latlngs[1:], strict=False))
    assert measured == pytest.approx(expected, rel=1e-9)
    from pyproj import Geod

    geodesic = sum(
        Geod(ellps="WGS84").inv(a["lng"], a["lat"], b["lng"], b["lat"])[2]
        for a, b in zip(latlngs, latlngs[1:], strict=False)
    )
    assert measured == pytest.approx(geodesic, rel=5e-3)
    assert page.page.locator(".ga-measure-label").count() == 3
    assert page.page.locator(".leaflet-popup").count() == 0  # measuring opens no popups
    page.page.click(".ga-tool-measure")
    assert page.js("geoasset.state.measuring") is False
    assert page.errors() == []


def test_fullscreen_button(page):
    page.page.click(".ga-tool-fullscreen")
    page.page.wait_for_function("document.fullscreenElement !== null")
    assert page.js("document.fullscreenElement === geoasset.map.getContainer()")
    page.page.click(".ga-tool-fullscreen")
    page.page.wait_for_function("document.fullscreenElement === null")
    assert page.errors() == []


def test_locate_me_shows_nearest_chainage(browser, kupang):
    lat, lon = wgs84(point_at(_utm_line(1), 500.0, -4.0))  # 4 m right of R2 at STA 1+000
    mp = MapPage(
        browser,
        kupang["path"],
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 5},
        permissions=["geolocation"],
    )
    try:
        mp.open()
        mp.page.click(".ga-tool-locate")
        text = mp.popup_text()
        assert "You are here" in text
        assert "STA 1+000" in text and "right" in text and "R2" in text
        assert mp.errors() == []
    finally:
        mp.close()


def test_indonesian_map(browser, tmp_path):
    inv, _ = make_map_inventory(tmp_path / "id.gpkg")
    path = save_map(field_map(inv, lang="id"), tmp_path / "id.html")
    mp = MapPage(browser, path)
    try:
        mp.open()
        mp.js("geoasset.search('P000001')")
        text = mp.popup_text()
        assert "Tiang P000001" in text and "Pemilik" in text and "kiri" in text
        assert "Rp 560.000" in text  # 7 m × Rp 80.000, Indonesian digit grouping
        assert "Legenda" in mp.page.inner_text(".ga-legend")
        assert mp.errors() == []
    finally:
        mp.close()


def test_embedded_photo_is_shown_without_a_request(browser, tmp_path):
    inv = _with_photos(tmp_path)
    path = save_map(field_map(inv, embed_photos=True), tmp_path / "photos.html")
    mp = MapPage(browser, path)
    try:
        mp.open()
        mp.js("geoasset.search('P000001')")
        mp.popup_text()
        mp.page.wait_for_function("document.querySelector('.ga-photo').complete")
        assert mp.js("document.querySelector('.ga-photo').naturalWidth") == 320
        mp.js("geoasset.search('P000002')")
        assert "photo missing: photos/gone.jpg" in mp.popup_text()
        assert all(url.startswith(TILE_HOSTS) for url in mp.blocked)
        assert mp.errors() == []
    finally:
        mp.close()


def test_light_overview_loads_offline_and_links_to_corridor_maps(browser, tmp_path):
    inv, facts = make_map_inventory(tmp_path / "kupang.gpkg")
    save_corridor_maps(inv, tmp_path / "maps")
    path = save_map(field_map(inv, light=True, corridor_maps="maps"), tmp_path / "city.html")
    mp = MapPage(browser, path)
    try:
        mp.open()
        assert mp.errors() == []
        assert all(url.startswith(TILE_HOSTS) for url in mp.blocked), mp.blocked
        assert mp.js("geoasset.counts.poles") == len(facts["stations"])
        # zoomed out below the pole zoom: corridors and roads only
        lat, lon = pole_latlng(facts, 2)  # P000003: 8 m left at STA 0+125, in R1:0
        mp.set_view(lat, lon, LIGHT_POLE_ZOOM - 2)
        drawn = mp.js("geoasset.drawn()")
        assert drawn["poles"] == 0 and drawn["corridors"] == 3 and drawn["roads"] == 2
        # zoomed in, exactly the poles in the (padded) view are drawn
        mp.set_view(lat, lon, LIGHT_POLE_ZOOM + 1)
        box = mp.js(
            "(() => { const b = geoasset.map.getBounds().pad(0.2);"
            " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()"
        )
        points = [pole_latlng(facts, i) for i in range(len(facts["stations"]))]
        in_view = sum(box[0] <= a <= box[2] and box[1] <= b <= box[3] for a, b in points)
        assert 0 < in_view < len(points)
        assert mp.js("geoasset.drawn().poles") == in_view
        mp.set_view(lat, lon, 19)
        mp.click_latlng(lat, lon)
        text = mp.popup_text()
        assert "Pole P000003" in text and "STA 0+125" in text
        assert f"Rp {facts['amount_by_pole']['P000003']:,}" in text
        assert "Open the corridor map R1:0" in text
        href = mp.js(
            "new URL(document.querySelector('.ga-corridor-link').getAttribute('href'),"
            " location.href).href"
        )
        assert href == (tmp_path / "maps" / "R1_0.html").resolve().as_uri()
        # a corridor's popup: its billed poles and retribution, and the same link
        assert mp.js("geoasset.search('R1:1000')") is True
        text = mp.popup_text()
        billed = [p for p in facts["amount_by_pole"] if int(p[1:]) * 50 - 25 >= 1000]
        assert f"Billed poles\t{len(billed)}" in text
        assert f"Rp {facts['revenue']['R1:1000']:,}" in text
        assert "Open the corridor map R1:1000" in text
        assert mp.errors() == []
    finally:
        mp.close()
    corridor = MapPage(browser, tmp_path / "maps" / "R1_0.html")
    try:
        corridor.open()
        assert corridor.js("geoasset.counts.corridors") == 1
        assert "R1:0" in corridor.page.title()
        assert corridor.errors() == []
    finally:
        corridor.close()


def test_area_map_loads_offline_and_the_overview_links_to_it(browser, tmp_path, monkeypatch):
    from geoasset import mapareas, maps

    monkeypatch.setattr(mapareas, "AREA_MAPS_PAST_CORRIDORS", 2)  # area mode on the pilot
    monkeypatch.setattr(mapareas, "AREA_SIZE_M", 500.0)
    inv, facts = make_map_inventory(tmp_path / "kupang.gpkg")
    written = maps.save_field_maps(inv, tmp_path / "maps")
    path = save_map(field_map(inv, light=True, corridor_maps="maps"), tmp_path / "city.html")
    mp = MapPage(browser, path)
    try:
        mp.open()
        lat, lon = pole_latlng(facts, 2)  # P000003, billed in R1:0
        mp.set_view(lat, lon, 19)
        mp.click_latlng(lat, lon)
        assert "Open the map of the area with corridor R1:0" in mp.popup_text()
        href = mp.js(
            "new URL(document.querySelector('.ga-corridor-link').getAttribute('href'),"
            " location.href).href"
        )
        assert mp.errors() == []
    finally:
        mp.close()
    target = next(p for p in written if p.resolve().as_uri() == href)
    area = MapPage(browser, target)
    try:
        area.open()
        assert area.errors() == []
        assert all(url.startswith(TILE_HOSTS) for url in area.blocked), area.blocked
        assert "R1:0" in area.js("geoasset.search('R1:0') && document.body.innerText")
        shown = read_payload(target.read_text("utf-8"))
        poles = next(layer for layer in shown["layers"] if layer["name"] == "poles")
        assert area.js("geoasset.counts.poles") == poles["n"] > 0
        # full detail, as in a corridor map: the pole's line items in its popup
        area.set_view(lat, lon, 19)
        area.click_latlng(lat, lon)
        text = area.popup_text()
        assert "Pole P000003" in text and f"Rp {facts['amount_by_pole']['P000003']:,}" in text
        assert "Line item" in text
        assert area.errors() == []
    finally:
        area.close()


@pytest.mark.slow
def test_100k_pole_map_loads(browser, tmp_path):
    inv = create_inventory(tmp_path / "big.gpkg")
    inv.write(build_network_frames(100_000), batch=Batch(command="test"))
    started = time.perf_counter()
    m = field_map(inv, light=False)  # the full map at scale (an overview would be light)
    path = save_map(m, tmp_path / "big.html")
    generated = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    assert size_mb <= 25.0
    mp = MapPage(browser, path)
    try:
        ready_ms = mp.open(timeout_ms=120_000)
        print(
            f"\n100,000 poles: HTML {size_mb:.1f} MB, generated in {generated:.1f} s, "
            f"ready in the browser after {ready_ms / 1000:.2f} s (target 5 s); "
            f"timings {mp.js('geoasset.timings')}"
        )
        assert mp.js("geoasset.counts.poles") == 100_000
        assert mp.js("geoasset.drawn().poles") == 100_000  # every pole sits in a drawn cluster
        assert mp.js("geoasset.search('P054321')") is True
        text = mp.popup_text()
        assert "Pole P054321" in text and "STA " in text
        assert mp.errors() == []
    finally:
        mp.close()


# ----------------------------------------------------------------------------- helpers
def _utm_line(index: int):
    from shapely import LineString

    return LineString(ROADS[index][1])


def _haversine(a: dict, b: dict, radius: float = 6371000.0) -> float:
    """Leaflet's distance: great circle on a sphere of 6371 km."""
    phi1, phi2 = math.radians(a["lat"]), math.radians(b["lat"])
    dphi = phi2 - phi1
    dlmb = math.radians(b["lng"] - a["lng"])
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


def screenshot(
    png: Path,
    *,
    inventory: Path | None = None,
    corridors: list[str] | None = None,
    lang: str = "en",
    pole: str | None = None,
) -> Path:
    """Save a PNG of a field map (of ``inventory``, else of the hand-made one).

    With ``pole``, its popup is open in the picture.
    """
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        if inventory is None:
            inv, _ = make_map_inventory(Path(folder) / "kupang.gpkg", hostile=False)
        else:
            inv = inventory
        path = save_map(
            field_map(inv, corridor_ids=corridors, lang=lang), Path(folder) / "map.html"
        )
        with sync_playwright() as playwright:
            chromium = launch(playwright)
            mp = MapPage(chromium, path)
            mp.open(timeout_ms=120_000)
            if pole:
                mp.js("(id) => geoasset.search(id)", pole)
                mp.js("geoasset.map.setZoom(geoasset.map.getZoom() - 1, {animate: false})")
                mp.popup_text()
            mp.page.wait_for_timeout(7000)  # let the offline notice fade
            png.parent.mkdir(parents=True, exist_ok=True)
            mp.page.screenshot(path=str(png))
            chromium.close()
    return png


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Screenshot of a geoasset field map.")
    parser.add_argument("command", choices=["screenshot"])
    parser.add_argument("png", type=Path)
    parser.add_argument("--inventory", type=Path)
    parser.add_argument("--corridor", action="append", dest="corridors")
    parser.add_argument("--lang", default="en", choices=["en", "id"])
    parser.add_argument("--pole", help="open this pole's popup")
    options = parser.parse_args()
    print(
        screenshot(
            options.png,
            inventory=options.inventory,
            corridors=options.corridors,
            lang=options.lang,
            pole=options.pole,
        )
    )
