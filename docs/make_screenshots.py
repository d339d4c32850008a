"""Screenshots of the field maps of the Kupang pilot, on a phone and on a laptop.

Runs ``geoasset run`` on a copy of ``layers/kupang`` with the example tariffs in a
temporary folder, draws the NTT-001 corridor map and the overview, opens
them offline in Debian's Chromium (every request but the file itself is refused) and
saves:

* ``docs/field_map_phone.png`` – 390×844, a pole's popup with its photo thumbnail;
* ``docs/field_map_phone_search.png`` – 390×844, the panel unfolded, a chainage found;
* ``docs/field_map_phone_index.png`` – 390×844, the corridor index as cards;
* ``docs/field_map_desktop.png`` – 1280×800, the overview with a pole's popup.

Usage::

    python docs/make_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geoasset.jobs import field_map, save_corridor_maps  # noqa: E402
from geoasset.maps import save_map  # noqa: E402
from geoasset.pipeline import run_pipeline  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
POLE = "POLE-000057"  # on NTT-001, with a photo


def offline_page(browser, url: str, viewport: dict):
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.split("#")[0] == url.split("#")[0]
            else route.abort()
        ),
    )
    page.goto(url)
    return context, page


def wait_ready(page) -> None:
    page.wait_for_function("window.geoasset && window.geoasset.ready", timeout=60_000)
    page.wait_for_timeout(600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="geoasset-shots-") as folder:
        # the pilot's files copied beside the run, so that photo paths stay relative
        source = Path(folder) / "kupang"
        shutil.copytree(REPO / "layers" / "kupang", source)
        run = Path(folder) / "run"
        run_pipeline(source, run, tariffs=REPO / "layers" / "tariffs_example.csv")
        inventory = run / "inventory.gpkg"
        save_corridor_maps(inventory, run / "maps", overwrite=True)
        overview = save_map(
            field_map(inventory, title="Kupang pilot", corridor_maps="maps"),
            run / "overview.html",
        )
        corridor = run / "maps" / "NTT-001.html"
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            # phone: a pole's popup, photo included
            context, page = offline_page(browser, corridor.as_uri() + f"#id={POLE}", PHONE)
            wait_ready(page)
            page.wait_for_selector(".leaflet-popup-content img.ga-photo")
            page.evaluate("() => { geoasset.map.setZoom(18, {animate: false}); }")
            page.evaluate(f"geoasset.search({POLE!r})")
            page.wait_for_timeout(900)
            page.screenshot(path=str(args.out / "field_map_phone.png"))
            # phone: the panel unfolded, a chainage searched
            page.evaluate("() => { geoasset.map.closePopup(); }")
            page.click(".ga-panel-toggle")
            page.fill(".ga-search-input", "2+500")
            page.press(".ga-search-input", "Enter")
            page.wait_for_timeout(900)
            page.evaluate("() => { geoasset.setPanel(true); }")
            page.wait_for_timeout(300)
            page.screenshot(path=str(args.out / "field_map_phone_search.png"))
            context.close()
            # phone: the corridor index
            context, page = offline_page(browser, (run / "maps" / "index.html").as_uri(), PHONE)
            page.screenshot(path=str(args.out / "field_map_phone_index.png"))
            context.close()
            # laptop: the overview with a popup
            context, page = offline_page(browser, overview.as_uri(), DESKTOP)
            wait_ready(page)
            page.evaluate(f"geoasset.search({POLE!r})")
            page.evaluate("() => { geoasset.map.setZoom(16, {animate: false}); }")
            page.evaluate(f"geoasset.search({POLE!r})")
            page.wait_for_timeout(900)
            page.screenshot(path=str(args.out / "field_map_desktop.png"))
            context.close()
            browser.close()
    for name in ("phone", "phone_search", "phone_index", "desktop"):
        print(args.out / f"field_map_{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
