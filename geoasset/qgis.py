"""QGIS opens the inventory styled: layer styles inside the GeoPackage and a project file.

QGIS reads a GeoPackage's ``layer_styles`` table and applies the row marked
``useAsDefault`` when a layer is added, so the styles travel with the file: an officer who
opens ``inventory.gpkg`` in QGIS sees roads, corridors, poles by owner and bridges by
condition in the colours of the HTML field map (:mod:`geoasset.maps`). A project file
(``.qgs``) next to the inventory adds every layer in a sensible order with the same styles.

>>> print(_rgba("#1f77b4"))
31,119,180,255
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

from geoasset.errors import GeoassetError
from geoasset.maps import NK_COLORS, OTHER_COLOR, OWNER_COLORS, _owner_palette
from geoasset.outputs import atomic_path as _atomic

#: the name geoasset's rows carry in ``layer_styles`` (other styles are left alone)
STYLE_NAME = "geoasset"

#: layers drawn, bottom to top
STYLED_LAYERS = (
    "parcels",
    "corridors",
    "roads",
    "utility_lines",
    "bridges",
    "monuments",
    "poles",
    "qa_findings",
)

ROAD_COLOR = "#1f1f1f"
CORRIDOR_COLOR = "#7a0177"
MONUMENT_COLOR = "#6a3d9a"
PARCEL_COLOR = "#33a02c"
FINDING_COLOR = "#e31a1c"

_LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


def _rgba(color: str, alpha: int = 255) -> str:
    value = color.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{red},{green},{blue},{alpha}"


def _options(**values) -> str:
    items = "".join(
        f'<Option name="{name}" type="QString" value={quoteattr(str(value))}/>'
        for name, value in values.items()
    )
    return f'<Option type="Map">{items}</Option>'


def _symbol(kind: str, name: str, layer_class: str, options: str) -> str:
    return (
        f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer_class}" enabled="1" pass="0" locked="0">{options}</layer>'
        "</symbol>"
    )


def marker(name: str, color: str, size_mm: float = 2.4, outline: str = "#ffffff") -> str:
    """A circle marker symbol."""
    options = _options(
        name="circle",
        color=_rgba(color),
        outline_color=_rgba(outline),
        outline_width="0.3",
        outline_width_unit="MM",
        size=size_mm,
        size_unit="MM",
    )
    return _symbol("marker", name, "SimpleMarker", options)


def line(name: str, color: str, width_mm: float = 0.6) -> str:
    """A solid line symbol."""
    options = _options(line_color=_rgba(color), line_width=width_mm, line_width_unit="MM")
    return _symbol("line", name, "SimpleLine", options)


def fill(name: str, color: str, alpha: int = 60, outline: str | None = None) -> str:
    """A translucent fill with a solid outline."""
    options = _options(
        color=_rgba(color, alpha),
        outline_color=_rgba(outline or color),
        outline_width="0.4",
        outline_width_unit="MM",
        style="solid",
    )
    return _symbol("fill", name, "SimpleFill", options)


def _qml(renderer: str) -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        f'<qgis version="3.22.0" styleCategories="Symbology">{renderer}</qgis>'
    )


def single_renderer(symbol: str) -> str:
    """A renderer drawing every feature with one symbol (its name must be ``0``)."""
    return (
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<symbols>{symbol}</symbols></renderer-v2>"
    )


def categorized_renderer(attribute: str, categories: list[tuple[str, str, str]]) -> str:
    """A renderer by the value of ``attribute``: ``(value, label, symbol)`` per category,
    symbols named ``0``, ``1``, ...; a value of ``""`` catches all other values."""
    rows = "".join(
        f'<category render="true" symbol="{i}" value={quoteattr(value)} label={quoteattr(label)}/>'
        for i, (value, label, _) in enumerate(categories)
    )
    symbols = "".join(symbol for _, _, symbol in categories)
    return (
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attribute)} symbollevels="0" '
        f'enableorderby="0" forceraster="0"><categories>{rows}</categories>'
        f"<symbols>{symbols}</symbols></renderer-v2>"
    )


def _by_owner(frames: dict[str, pd.DataFrame], draw) -> str:
    palette = _owner_palette(frames)
    categories = [
        (owner, owner, draw(str(i), OWNER_COLORS[code]))
        for i, (owner, code) in enumerate(sorted(palette.items(), key=lambda item: item[1]))
    ]
    categories.append(("", "other", draw(str(len(categories)), OTHER_COLOR)))
    return categorized_renderer("owner", categories)


def renderers(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The QGIS renderer of each styled layer, in the colours of the HTML map.

    ``frames`` are the inventory's poles and utility lines (for the owner colours: the
    owners with most assets get the first colours, as in the map).

    >>> sorted(renderers({}))[:3]
    ['bridges', 'corridors', 'monuments']
    """
    bridge_categories = [
        (str(nk), f"NK {nk}", marker(str(nk), NK_COLORS[nk], 3.2, "#000000")) for nk in range(6)
    ]
    bridge_categories.append(("", "NK ?", marker("6", NK_COLORS[-1], 3.2, "#000000")))
    return {
        "parcels": single_renderer(fill("0", PARCEL_COLOR, 40)),
        "corridors": single_renderer(fill("0", CORRIDOR_COLOR, 50)),
        "roads": single_renderer(line("0", ROAD_COLOR, 0.8)),
        "utility_lines": _by_owner(frames, lambda name, color: line(name, color, 0.5)),
        "bridges": categorized_renderer("condition_nk", bridge_categories),
        "monuments": single_renderer(marker("0", MONUMENT_COLOR, 3.0)),
        "poles": _by_owner(frames, lambda name, color: marker(name, color, 2.2)),
        "qa_findings": single_renderer(marker("0", FINDING_COLOR, 2.6, "#000000")),
    }


def _inventory_renderers(inventory, present: list[str]) -> dict[str, str]:
    """:func:`renderers` for the layers ``present`` in an inventory (owners read from it)."""
    frames = {
        name: inventory.read(name, columns=["owner"])
        for name in ("poles", "utility_lines")
        if name in present
    }
    return renderers(frames)


def _geometry_columns(con: sqlite3.Connection) -> dict[str, str]:
    rows = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
    return {table: column for table, column in rows}


def write_layer_styles(inventory) -> list[str]:
    """Store geoasset's style of every styled layer the inventory has in ``layer_styles``,
    as the default style; returns the layers styled.

    Rows named :data:`STYLE_NAME` are replaced; styles saved by QGIS users under other
    names stay, but geoasset's row becomes the default. One transaction, under the
    inventory's write lock.
    """
    present = [layer for layer in STYLED_LAYERS if inventory.has_layer(layer)]
    styles = _inventory_renderers(inventory, present)
    # Under the inventory's lock (no other writer; stale staging tables dropped) and its
    # fault translation (disk full, read-only file); one SQLite transaction, rolled back
    # by the connection's context on any error.
    with inventory.transaction(), inventory._write_faults():
        with contextlib.closing(inventory._connect()) as con, con:
            con.execute("BEGIN IMMEDIATE")
            con.execute(_LAYER_STYLES_DDL)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
                "VALUES ('layer_styles', 'attributes', 'layer_styles')"
            )
            geometry = _geometry_columns(con)
            for layer in present:
                con.execute(
                    "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?", (layer,)
                )
                con.execute(
                    "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                    (layer, STYLE_NAME),
                )
                con.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '')",
                    (
                        layer,
                        geometry.get(layer, "geom"),
                        STYLE_NAME,
                        _qml(styles[layer]),
                        "style of the geoasset field map",
                    ),
                )
    return present


_GEOMETRY_NAMES = {"POINT": "Point", "LINESTRING": "Line", "POLYGON": "Polygon"}


def _layer_id(layer: str) -> str:
    # QGIS replaces layer ids that look like plain names; a prefixed id is kept.
    return f"geoasset_{layer}"


def _project_layer(layer: str, source: str, geometry_type: str, renderer: str) -> str:
    kind = geometry_type.upper().removeprefix("MULTI")
    return (
        f'<maplayer type="vector" geometry="{_GEOMETRY_NAMES.get(kind, "Unknown")}">'
        f"<id>{_layer_id(layer)}</id><datasource>{source}|layername={layer}</datasource>"
        f"<layername>{layer}</layername>"
        "<srs><spatialrefsys><authid>EPSG:4326</authid></spatialrefsys></srs>"
        f'<provider encoding="UTF-8">ogr</provider>{renderer}</maplayer>'
    )


def write_qgis_project(inventory, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a QGIS project (``.qgs``) showing the inventory's layers with geoasset's styles.

    The GeoPackage is referenced by a path relative to the project, so the two can be
    copied together. Returns the project path.
    """
    target = Path(path)
    if target.suffix.lower() != ".qgs":
        raise GeoassetError(f"{target}: the project file must end in .qgs")
    if not target.parent.is_dir():
        raise GeoassetError(f"{target.parent}: no such folder")
    if target.exists() and not overwrite:
        raise GeoassetError(f"{target} already exists")
    with sqlite3.connect(inventory.path) as con:
        types = dict(
            con.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns")
        )
    present = [layer for layer in STYLED_LAYERS if layer in types]
    styles = _inventory_renderers(inventory, present)
    source = Path(
        os.path.relpath(Path(inventory.path).resolve(), target.resolve().parent)
    ).as_posix()
    layers = "".join(
        _project_layer(layer, f"./{source}", types[layer], styles[layer]) for layer in present
    )
    tree = "".join(
        f'<layer-tree-layer id="{_layer_id(layer)}" name="{layer}" source="./{source}|layername={layer}" '
        'providerKey="ogr" checked="Qt::Checked" expanded="1"/>'
        for layer in reversed(present)
    )
    order = "".join(f"<item>{_layer_id(layer)}</item>" for layer in reversed(present))
    text = (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis projectname={quoteattr(target.stem)} version="3.22.0">'
        "<projectCrs><spatialrefsys><authid>EPSG:4326</authid></spatialrefsys></projectCrs>"
        f'<layer-tree-group>{tree}<custom-order enabled="0">{order}</custom-order></layer-tree-group>'
        f"<projectlayers>{layers}</projectlayers>"
        '<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties>'
        "</qgis>\n"
    )
    with _atomic(target) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return target
