"""The field map's page: a :class:`folium.Map` carrying its scripts and data inline.

:func:`_make_map` puts the document of :func:`geoasset.mappayload._build` in a
:class:`FieldMap`; :func:`save_map` writes it as one self-contained HTML file.
"""

from __future__ import annotations

import html
import json
import os
import uuid
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from folium.template import Template

from geoasset.errors import GeoassetError
from geoasset.i18n import LANGUAGES, t
from geoasset.mapassets import external_resources, inline_assets
from geoasset.mapdata import _as_ids
from geoasset.mapindex import _write_text
from geoasset.mappayload import _build, _default_title, _subtitle
from geoasset.mapphotos import PHOTO_BUDGET_KB, MissingPhoto, _log_missing
from geoasset.mapstyle import MAX_ZOOM

TILES = (
    {
        "key": "map_osm",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        "contributors",
        "max_native_zoom": 19,
    },
    {
        "key": "map_satellite",
        "url": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/"
        "tile/{z}/{y}/{x}",
        "attr": "Tiles &copy; Esri &mdash; Source: Esri, Maxar, Earthstar Geographics, "
        "and the GIS User Community",
        "max_native_zoom": 18,
    },
)


class FieldMap(folium.Map):
    """A :class:`folium.Map` whose saved HTML carries its scripts and styles inline.

    Folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome…) are dropped; Leaflet
    and Leaflet.markercluster come from the installed XStatic packages.

    Attributes
    ----------
    counts
        Features drawn per layer.
    missing_photos
        Every :class:`MissingPhoto` met while building the map.
    total_rp
        Assessed retribution of what the map shows, or ``None`` without an assessment.
    light
        Whether the map is a light overview (see :data:`LIGHT_MAX_FEATURES`).
    """

    default_js: list = []
    default_css: list = []

    def __init__(self, *, title: str, **kwargs) -> None:
        super().__init__(tiles=None, prefer_canvas=True, control_scale=False, **kwargs)
        self.options["max_zoom"] = MAX_ZOOM
        self.map_title = title
        self.get_root().title = html.escape(title)
        self.counts: dict[str, int] = {}
        self.missing_photos: list[MissingPhoto] = []
        self.total_rp: int | None = None
        self.light = False
        self.basemap_tiles = 0

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        figure.header.add_child(_Raw(inline_assets()), name="geoasset_assets")
        super().render(**kwargs)


class _Raw(Element):
    """Text put into the page as it is.

    branca turns rendered macros into new templates; data must never pass through
    Jinja, or a value like ``{{ … }}`` would be evaluated.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _FieldLayers(MacroElement):
    """The inventory data (one JSON document) and the call that draws it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoasset.init(
            {{ this._parent.get_name() }},
            { {%- for name, layer in this.base_layers %}
                {{ name|tojson }}: {{ layer.get_name() }},
            {%- endfor %} },
            {{ this.data_id|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, payload: str, base_layers: list[tuple[str, folium.TileLayer]]):
        super().__init__()
        self._name = "GeoassetLayers"
        self.payload = payload
        self.base_layers = base_layers
        self.data_id = f"geoasset-data-{uuid.uuid4().hex[:12]}"

    def render(self, **kwargs) -> None:
        data = f'<script type="application/json" id="{self.data_id}">{self.payload}</script>'
        self.get_root().html.add_child(_Raw(data), name=self.data_id)
        super().render(**kwargs)


def _script_json(value) -> str:
    """JSON that is safe inside ``<script>``: no ``<``, ``>`` or ``&`` left to parse."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _make_map(
    frames: dict,
    *,
    source: str,
    base_dir: Path | None,
    corridor_ids=None,
    road_ids=None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool | None = None,
    light: bool | None = False,
    corridor_maps: str | None = None,
    maps_per: str = "auto",
    palette: dict[str, int] | None = None,
    area: bool = False,
    photo_budget_kb: float | None = PHOTO_BUDGET_KB,
    background: bool | list = True,
    basemap: str | None = None,
) -> FieldMap:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    corridor_ids, road_ids = _as_ids(corridor_ids), _as_ids(road_ids)
    built = _build(
        frames,
        source=source,
        base_dir=base_dir,
        corridor_ids=corridor_ids,
        road_ids=road_ids,
        lang=lang,
        embed_photos=embed_photos,
        light=light,
        corridor_maps=corridor_maps,
        maps_per=maps_per,
        palette=palette,
        area=area,
        photo_budget_kb=photo_budget_kb,
        background=background,
        basemap=basemap,
    )
    if title is None:
        title = _default_title(frames, corridor_ids, road_ids, lang)
    built.payload["title"] = title
    built.payload["subtitle"] = _subtitle(built, lang)
    if built.bounds:
        (s, w), (n, e) = built.bounds
        location, zoom = [(s + n) / 2, (w + e) / 2], 14
    else:
        location, zoom = [0.0, 0.0], 2
    m = FieldMap(title=title, location=location, zoom_start=zoom)
    base_layers = []
    for spec in TILES:
        name = t(spec["key"], lang)
        tiles = folium.TileLayer(
            tiles=spec["url"],
            attr=spec["attr"],
            name=name,
            max_zoom=MAX_ZOOM,
            max_native_zoom=spec["max_native_zoom"],
            show=False,  # online tiles only when chosen: the page opens with no request
            control=False,
        )
        tiles.add_to(m)
        base_layers.append((name, tiles))
    _FieldLayers(_script_json(built.payload), base_layers).add_to(m)
    m.counts = built.counts
    m.missing_photos = built.missing
    m.total_rp = built.total_rp
    m.light = built.light
    basemap_tiles = (built.payload.get("basemap") or {}).get("tiles", {})
    m.basemap_tiles = len(basemap_tiles)
    _log_missing(built.missing)
    return m


def save_map(m: folium.Map, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``m`` as one self-contained HTML file; return its path.

    Refuses an existing file unless ``overwrite``, and a map whose page would load a
    script, stylesheet or image from the network (e.g. a folium plugin from a CDN).
    The file is written under a temporary name and renamed into place.

    Examples
    --------
    >>> import os, tempfile, folium
    >>> save_map(folium.Map(tiles=None), os.path.join(tempfile.mkdtemp(), "m.html"))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoasset.errors.GeoassetError: ...m.html: the map would load ... file(s) from the network (first 'https://.../leaflet.js'); ...
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise GeoassetError(f"{path} already exists; use overwrite to replace it")
    if not path.parent.is_dir():
        raise GeoassetError(f"{path}: folder {path.parent} does not exist")
    text = m.get_root().render()
    remote = external_resources(text)
    if remote:
        raise GeoassetError(
            f"{path}: the map would load {len(remote)} file(s) from the network (first "
            f"{remote[0]!r}); make it with geoasset.maps.field_map and add no CDN plugins"
        )
    _write_text(path, text)
    return path
