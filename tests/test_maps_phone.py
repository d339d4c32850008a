"""Field maps on a phone (390×844) and a laptop (1280×800), offline, in real Chromium.

Popups must lie wholly inside the viewport and under no control (panel, tools, layer
switcher, legend, scale); the legend, the notices and the index pages must be readable
or scroll on purpose; nothing may be requested from the network; labels, search by
name/owner/chainage and measuring (no snapping unless asked) must work by touch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_maps import (  # noqa: E402
    ROADS,
    TO_WGS84,
    _with_photos,
    make_map_inventory,
    point_at,
)
from test_maps_browser import MapPage, launch, pole_latlng, wgs84  # noqa: E402
from test_maps_offline import make_mbtiles, network_box  # noqa: E402

from geoasset.maps import field_map, save_area_maps, save_corridor_maps, save_map  # noqa: E402

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP, "short": {"width": 1280, "height": 480}}

# every rectangle a popup must not overlap, as the page lays it out
CONTROL_RECTS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('.leaflet-control-container .leaflet-control')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.height) out.push({name: el.className, l: r.left, t: r.top, r: r.right, b: r.bottom});
  }
  return out;
}"""
RECT = """(sel) => { const el = document.querySelector(sel); if (!el) return null;
  const r = el.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; }"""


def overlaps(a: dict, b: dict) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


def inside(a: dict, viewport: dict) -> bool:
    return (
        a["l"] >= 0 and a["t"] >= 0 and a["r"] <= viewport["width"] and a["b"] <= viewport["height"]
    )


def popup_rect(mp: MapPage) -> dict:
    mp.page.wait_for_selector(".leaflet-popup-content .ga-popup", timeout=10_000)
    # let the pan that brings the popup into the free room end
    mp.page.wait_for_function(
        "!geoasset.map._panAnim || !geoasset.map._panAnim._inProgress", timeout=5_000
    )
    mp.page.wait_for_timeout(400)
    wrapper = mp.js(RECT, ".leaflet-popup-content-wrapper")
    tip = mp.js(RECT, ".leaflet-popup-tip-container")
    return {
        "l": min(wrapper["l"], tip["l"]),
        "t": wrapper["t"],
        "r": max(wrapper["r"], tip["r"]),
        "b": max(wrapper["b"], tip["b"]),
    }


def check_popup_clear(mp: MapPage, viewport: dict) -> None:
    rect = popup_rect(mp)
    assert inside(rect, viewport), (rect, viewport)
    for control in mp.js(CONTROL_RECTS):
        assert not overlaps(rect, control), (rect, control)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def kupang(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    inv, facts = make_map_inventory(folder / "kupang.gpkg")
    path = save_map(field_map(inv), folder / "kupang.html")
    return {"inv": inv, "facts": facts, "path": path, "folder": folder}


def open_map(browser, path: Path, viewport: dict, **options) -> MapPage:
    mp = MapPage(browser, path, viewport=viewport, **options)
    mp.open()
    return mp


# ----------------------------------------------------------------------------- popups
@pytest.mark.parametrize("where", ["phone", "desktop"])
def test_pole_popup_is_on_screen_and_under_no_control(browser, kupang, where):
    viewport = VIEWPORTS[where]
    mp = open_map(browser, kupang["path"], viewport)
    try:
        lat, lon = pole_latlng(kupang["facts"], 2)  # P000003
        # the pole right at the top-right corner, under the panel: opened by search
        mp.set_view(lat, lon, 19)
        mp.js(
            "([x, y]) => geoasset.map.panBy([x, y], {animate: false})",
            [-(viewport["width"] / 2 - 30), viewport["height"] / 2 - 40],
        )
        mp.js("geoasset.search('P000003')")
        assert "Pole P000003" in mp.popup_text()
        check_popup_clear(mp, viewport)
        mp.js("geoasset.map.closePopup()")
        # tapped near the right edge of the free room, half-way down: the popup must
        # not run off the screen nor under the right-hand column
        mp.set_view(lat, lon, 19)
        free = mp.js("geoasset.freeRect()")
        mp.js(
            "([x, y]) => geoasset.map.panBy([x, y], {animate: false})",
            [
                viewport["width"] / 2 - (free["right"] - 12),
                viewport["height"] / 2 - (free["top"] + free["bottom"]) / 2,
            ],
        )
        mp.page.wait_for_timeout(200)
        mp.click_latlng(lat, lon)
        assert "Pole P000003" in mp.popup_text()
        check_popup_clear(mp, viewport)
        # the popup's facts are readable: within its box, scrolling on purpose if long
        content = mp.js(RECT, ".leaflet-popup-content")
        assert content["r"] - content["l"] >= 150
        overflow = mp.js(
            "getComputedStyle(document.querySelector('.leaflet-popup-content')).overflowY"
        )
        tall = mp.js(
            "(() => { const c = document.querySelector('.leaflet-popup-content');"
            " return c.scrollHeight > c.clientHeight + 1; })()"
        )
        assert not tall or overflow in ("auto", "scroll")
        if where == "phone":  # the panel folded to one bar and the legend to a button
            assert mp.js("document.querySelector('.ga-panel').classList.contains('ga-collapsed')")
            assert mp.js("document.querySelector('.ga-legend details').open") is False
        assert mp.errors() == [] and mp.blocked == []
    finally:
        mp.close()


@pytest.mark.parametrize("where", ["phone", "desktop", "short"])
def test_legend_panel_and_notice_never_overlap(browser, kupang, where):
    viewport = VIEWPORTS[where]
    mp = open_map(browser, kupang["path"], viewport)
    try:
        if where == "phone":
            # folded panel: one bar of the screen's width, well under a quarter of it
            panel = mp.js(RECT, ".ga-panel")
            assert panel["b"] - panel["t"] <= 60 and panel["r"] - panel["l"] <= viewport["width"]
            mp.page.click(".ga-panel-toggle")  # unfolds: search is there, big enough to tap
            box = mp.page.locator(".ga-search-input").bounding_box()
            assert box["height"] >= 40
            mp.page.click(".ga-panel-toggle")
            mp.page.click(".ga-legend summary")  # the legend opens on purpose
        legend = mp.js(RECT, ".ga-legend")
        assert inside(legend, viewport), legend
        scrolls = mp.js(
            "(() => { const l = document.querySelector('.ga-legend');"
            " return [l.scrollHeight > l.clientHeight + 1, getComputedStyle(l).overflowY]; })()"
        )
        assert not scrolls[0] or scrolls[1] in ("auto", "scroll")
        if where == "short":  # a laptop's low window: the legend scrolls, on purpose
            assert scrolls == [True, "auto"]
        controls = mp.js(CONTROL_RECTS)
        for i, a in enumerate(controls):
            for b in controls[i + 1 :]:
                assert not overlaps(a, b), (a, b)
        # a notice (e.g. online tiles unavailable) sits clear of every control
        mp.js("geoasset.setLegend(true)")
        mp.js("geoasset.notice('Background map unavailable (offline): plain background shown')")
        notice = mp.js(RECT, ".ga-notice")
        assert inside(notice, viewport)
        for control in mp.js(CONTROL_RECTS):
            assert not overlaps(notice, control), (notice, control)
        assert mp.errors() == [] and mp.blocked == []
    finally:
        mp.close()


def test_tools_are_big_enough_to_tap_on_a_phone(browser, kupang):
    mp = open_map(browser, kupang["path"], PHONE)
    try:
        for selector in (".ga-tool-measure", ".ga-tool-locate", ".leaflet-control-layers-toggle"):
            if mp.page.locator(selector).count():
                box = mp.page.locator(selector).bounding_box()
                assert box["width"] >= 44 and box["height"] >= 44, (selector, box)
        assert mp.js("document.querySelector('.leaflet-control-zoom').offsetParent") is None
    finally:
        mp.close()


# ----------------------------------------------------------------------------- index
@pytest.mark.parametrize("where", ["phone", "desktop"])
def test_index_page_reads_on_a_phone(browser, kupang, tmp_path, where):
    save_corridor_maps(kupang["inv"], tmp_path / "maps")
    save_area_maps(kupang["inv"], tmp_path / "areas", size_m=500.0)
    viewport = VIEWPORTS[where]
    page = browser.tab(viewport, {})
    try:
        page.goto((tmp_path / "maps" / "index.html").as_uri())
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= viewport["width"], width  # no sideways scrolling
        links = page.locator("tbody a")
        assert links.count() == 3
        for k in range(3):
            box = links.nth(k).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        if where == "phone":  # each value named in its card
            card = page.locator("tbody tr:first-child")
            assert card.locator("td[data-label='Poles']").count() == 1
            label = page.evaluate(
                "getComputedStyle(document.querySelector(\"tbody td[data-label='Poles']\"),"
                " '::before').content"
            )
            assert label == '"Poles"'
            assert page.locator("thead").is_hidden()
        page.goto((tmp_path / "areas" / "index.html").as_uri())
        assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
        assert page.locator("tbody a").count() >= 2
    finally:
        browser.give_back(page)


# ----------------------------------------------------------------------------- offline
@pytest.mark.parametrize("where", ["phone", "desktop"])
def test_background_is_drawn_with_no_request(browser, kupang, where):
    path = save_map(
        field_map(kupang["inv"], corridor_ids=["R2"]), kupang["folder"] / f"r2-{where}.html"
    )
    mp = open_map(browser, path, VIEWPORTS[where])
    try:
        mp.page.wait_for_timeout(300)
        inked = mp.js(
            """() => {
              const canvas = document.querySelector('.leaflet-ga-background-pane canvas');
              const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let n = 0;
              for (let k = 3; k < data.length; k += 4) if (data[k] > 0) n++;
              return n;
            }"""
        )
        assert inked > 500, inked  # boundary lines and the grey road R1 are on the canvas
        # zoomed out to where desa names show: the nearby desa are named
        mp.js("() => { geoasset.map.setZoom(13, {animate: false}); }")
        mp.page.wait_for_timeout(300)
        assert mp.js("geoasset.drawn()")["place_names"] > 0
        assert mp.page.locator(".ga-place-label").count() > 0
        assert "wilayah_boundaries" in mp.page.inner_text(".leaflet-control-attribution")
        assert mp.blocked == [] and mp.errors() == []
    finally:
        mp.close()


def test_mbtiles_basemap_is_shown_offline(browser, tmp_path):
    inv, _ = make_map_inventory(tmp_path / "kupang.gpkg")
    make_mbtiles(tmp_path / "office.mbtiles", network_box(inv))
    path = save_map(
        field_map(inv, corridor_ids=["R1:0"], basemap=tmp_path / "office.mbtiles"),
        tmp_path / "m.html",
    )
    for viewport in (PHONE, DESKTOP):
        mp = open_map(browser, path, viewport)
        try:
            mp.page.wait_for_function(
                "[...document.querySelectorAll('.leaflet-tile-container img')]"
                ".filter(i => i.src.startsWith('data:image/png') && i.complete"
                " && i.naturalWidth === 256).length > 0",
                timeout=10_000,
            )
            assert mp.blocked == [] and mp.errors() == []
            base = mp.page.locator(".leaflet-control-layers-base input:checked + span")
            assert "Kantor Kupang" in base.inner_text()
        finally:
            mp.close()


# ----------------------------------------------------------------------------- labels, search
def test_ids_and_100_m_chainage_at_close_zoom(browser, kupang):
    mp = open_map(browser, kupang["path"], DESKTOP)
    try:
        lat, lon = pole_latlng(kupang["facts"], 2)
        mp.set_view(lat, lon, 18)
        mp.page.wait_for_timeout(300)
        ids = mp.page.locator(".ga-id-label").all_inner_texts()
        assert "P000003" in ids
        minor = mp.page.locator(".ga-sta-minor").all_inner_texts()
        assert "0+100" in minor or "0+200" in minor
        mp.set_view(lat, lon, 15)
        mp.page.wait_for_timeout(300)
        assert mp.js("geoasset.drawn()")["id_labels"] == 0
        assert mp.js("geoasset.drawn()")["sta_labels"] == 0
    finally:
        mp.close()


def test_search_by_chainage_name_and_owner(browser, kupang):
    mp = open_map(browser, kupang["path"], PHONE)
    try:
        # 1+200 is on R1 and on R2 (which starts at STA 0+500): both offered
        assert mp.js("geoasset.search('1+200')") is False
        hits = mp.page.locator(".ga-search-results .ga-hit").all_inner_texts()
        assert sorted(hits) == ["R1 STA 1+200", "R2 STA 1+200"]
        # with the road: straight there; the point agrees with the survey geometry
        assert mp.js("geoasset.search('R2 STA 1+200')") is True
        text = mp.popup_text()
        assert "STA 1+200" in text and "R2" in text
        r2 = ROADS[1][1]
        from shapely import LineString

        lat, lon = wgs84(point_at(LineString(r2), 700.0, 0.0))
        at = mp.js("geoasset.pointAtSta('R2', 1200)")
        assert at[0] == pytest.approx(lat, abs=2e-6) and at[1] == pytest.approx(lon, abs=2e-6)
        check_popup_clear(mp, PHONE)
        # a bridge by its name, poles by their owner
        assert mp.js("geoasset.search('termanu')") is True
        assert "Termanu" in mp.popup_text()
        assert mp.js("geoasset.search('telkom')") is False
        hits = mp.page.locator(".ga-search-results .ga-hit").all_inner_texts()
        assert hits and all("Telkom" in h for h in hits)
        assert mp.errors() == []
    finally:
        mp.close()
    assert TO_WGS84  # (shared transformer of the fixtures)


def test_measure_does_not_snap_unless_asked(browser, kupang):
    mp = open_map(browser, kupang["path"], DESKTOP)
    try:
        lat, lon = pole_latlng(kupang["facts"], 2)
        mp.set_view(lat, lon, 19)
        mp.page.click(".ga-tool-measure")
        assert mp.page.locator(".ga-tool-snap").is_visible()
        pole = mp.js("([lat, lon]) => geoasset.map.latLngToContainerPoint([lat, lon])", [lat, lon])
        box = mp.page.locator(".folium-map").bounding_box()
        far = (pole["x"] - 300, pole["y"])
        near = (pole["x"] + 3, pole["y"] + 2)  # on the pole's circle, 3.6 px off its centre
        for x, y in (far, near):
            mp.page.mouse.click(box["x"] + x, box["y"] + y)
        clicked = [
            mp.js("([x, y]) => geoasset.map.containerPointToLatLng([x, y])", list(p))
            for p in (far, near)
        ]
        raw = mp.js("([a, b]) => L.latLng(a).distanceTo(L.latLng(b))", [clicked[0], clicked[1]])
        assert mp.js("geoasset.measured") == pytest.approx(raw, abs=0.01)
        # asked to snap: the same click lands on the pole
        mp.page.click(".ga-tool-measure")
        mp.page.click(".ga-tool-measure")
        mp.page.click(".ga-tool-snap")
        for x, y in (far, near):
            mp.page.mouse.click(box["x"] + x, box["y"] + y)
        snapped = mp.js("([a, b]) => L.latLng(a).distanceTo(L.latLng(b))", [clicked[0], [lat, lon]])
        assert mp.js("geoasset.measured") == pytest.approx(snapped, abs=0.01)
        assert abs(snapped - raw) > 0.05
        assert mp.errors() == []
    finally:
        mp.close()


# ----------------------------------------------------------------------------- photos
def test_overview_photo_opens_in_the_corridor_map(browser, tmp_path):
    inv = _with_photos(tmp_path)
    save_corridor_maps(inv, tmp_path / "maps")
    overview = save_map(field_map(inv, corridor_maps="maps"), tmp_path / "overview.html")
    mp = open_map(browser, overview, PHONE)
    try:
        mp.js("geoasset.search('P000001')")
        mp.page.wait_for_selector(".ga-photo-link")
        href = mp.js(
            "new URL(document.querySelector('.ga-photo-link').getAttribute('href'),"
            " location.href).href"
        )
    finally:
        mp.close()
    assert href.endswith("#id=P000001")
    target = Path(href.split("#")[0].removeprefix("file://"))
    assert target.is_file()
    mp = MapPage(browser, target, viewport=PHONE)
    try:
        mp.url = href
        mp.open()
        mp.page.wait_for_selector(".leaflet-popup-content img.ga-photo")
        assert mp.js("geoasset.lastPopup.id") == "P000001"
        assert mp.js("document.querySelector('img.ga-photo').naturalWidth") == 320
        check_popup_clear(mp, PHONE)
        assert mp.errors() == [] and mp.blocked == []
    finally:
        mp.close()
