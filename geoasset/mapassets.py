"""The scripts and stylesheets of a field map, inlined so one HTML file works offline.

Leaflet and Leaflet.markercluster are read from the installed ``XStatic-Leaflet`` and
``XStatic-Leaflet-MarkerCluster`` packages; geoasset's own small script and stylesheet
come from ``geoasset/assets``. Images that Leaflet's stylesheet refers to (layer-control
icon, default marker) become ``data:`` URIs, so nothing is looked up next to the HTML
file. :func:`external_resources` lists every script, stylesheet or image a page would
fetch from the network; a saved map must have none.

Examples
--------
>>> html = inline_assets()
>>> "L.markerClusterGroup" in html and "geoasset" in html
True
>>> external_resources(html)
[]
>>> external_resources('<script src="https://cdn.example.org/x.js"></script>')
['https://cdn.example.org/x.js']
"""

from __future__ import annotations

import base64
import functools
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

__all__ = ["inline_assets", "external_resources", "asset_versions"]

#: geoasset's own files in ``geoasset/assets``, in load order.
OWN_SCRIPTS = ("fieldmap.js",)
OWN_STYLES = ("fieldmap.css",)

_SOURCE_MAP = re.compile(r"^\s*//[#@]\s*sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(?P<url>[^'\")]+)\1\s*\)")
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as xleaflet

    return Path(xleaflet.BASE_DIR)


def _markercluster_dir() -> Path:
    import xstatic.pkg.leaflet_markercluster as xcluster

    return Path(xcluster.BASE_DIR)


def asset_versions() -> dict[str, str]:
    """Versions of the inlined libraries.

    Examples
    --------
    >>> sorted(asset_versions())
    ['leaflet', 'leaflet.markercluster']
    """
    import xstatic.pkg.leaflet as xleaflet
    import xstatic.pkg.leaflet_markercluster as xcluster

    return {"leaflet": xleaflet.VERSION, "leaflet.markercluster": xcluster.VERSION}


def _data_uri(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}[path.suffix]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _embed_css_images(css: str, folder: Path) -> str:
    """Replace ``url(relative.png)`` by a data URI of the file in ``folder``."""

    def replace(match: re.Match) -> str:
        url = match.group("url")
        if url.startswith(("data:", "#")):
            return match.group(0)
        if _REMOTE.match(url):
            raise ValueError(f"stylesheet refers to a remote file {url!r}")
        return f'url("{_data_uri(folder / url)}")'

    return _CSS_URL.sub(replace, css)


def _script(js: str) -> str:
    # "<\/" means "</" inside a JS string, regex or comment, but cannot end the element.
    js = _SOURCE_MAP.sub("", js).replace("</", "<\\/")
    return f"<script>\n{js}\n</script>"


def _style(css: str) -> str:
    css = _SOURCE_MAP.sub("", css).replace("</", "<\\/")
    return f"<style>\n{css}\n</style>"


def _default_icon_script(images: Path) -> str:
    """Point Leaflet's default marker icon at data URIs (folium.Marker works too)."""
    urls = {
        "iconUrl": _data_uri(images / "marker-icon.png"),
        "iconRetinaUrl": _data_uri(images / "marker-icon-2x.png"),
        "shadowUrl": _data_uri(images / "marker-shadow.png"),
    }
    options = ", ".join(f'{k}: "{v}"' for k, v in urls.items())
    return f'L.Icon.Default.imagePath = "";\nL.Icon.Default.mergeOptions({{{options}}});'


@functools.cache
def inline_assets() -> str:
    """``<style>`` and ``<script>`` elements holding every library a field map needs."""
    leaflet = _leaflet_dir()
    cluster = _markercluster_dir()
    own = resources.files("geoasset") / "assets"
    parts = [
        _style(_embed_css_images((leaflet / "leaflet.css").read_text("utf-8"), leaflet)),
        _style((cluster / "MarkerCluster.css").read_text("utf-8")),
        _style((cluster / "MarkerCluster.Default.css").read_text("utf-8")),
        *(_style((own / name).read_text("utf-8")) for name in OWN_STYLES),
        _script((leaflet / "leaflet.js").read_text("utf-8")),
        _script(_default_icon_script(leaflet / "images")),
        _script((cluster / "leaflet.markercluster.js").read_text("utf-8")),
        *(_script((own / name).read_text("utf-8")) for name in OWN_SCRIPTS),
    ]
    return "\n".join(parts)


class _ResourceFinder(HTMLParser):
    """Collect the URLs a browser would fetch for scripts, styles, images and frames."""

    ATTRS = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "iframe": ("src",),
        "source": ("src", "srcset"),
        "embed": ("src",),
        "object": ("data",),
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name in self.ATTRS.get(tag, ()):
                self.urls.append(value.strip())
            elif name == "style":
                self.urls.extend(m.group("url") for m in _CSS_URL.finditer(value))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls.extend(m.group("url") for m in _CSS_URL.finditer(data))
            self.urls.extend(re.findall(r"@import\s+['\"]([^'\"]+)['\"]", data))


def external_resources(html_text: str) -> list[str]:
    """Every script, stylesheet, image or frame in ``html_text`` loaded from the network.

    Links (``<a href>``) and the tile URL templates inside scripts are not resources
    the page loads by itself and are not listed.
    """
    finder = _ResourceFinder()
    finder.feed(html_text)
    finder.close()
    return [url for url in finder.urls if _REMOTE.match(url)]
