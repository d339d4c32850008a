"""QGIS styles inside the GeoPackage and the project file; loaded by QGIS itself where installed."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from geoasset.cli.main import cli
from geoasset.errors import GeoassetError
from geoasset.maps import NK_COLORS, OTHER_COLOR, OWNER_COLORS
from geoasset.qgis import STYLE_NAME, STYLED_LAYERS, write_layer_styles, write_qgis_project
from geoasset.store import open_inventory

SYSTEM_PYTHON = "/usr/bin/python3"


def rgba(color: str) -> str:
    return ",".join(str(int(color[i : i + 2], 16)) for i in (1, 3, 5)) + ",255"


@pytest.fixture
def styled(kupang_session, tmp_path):
    path = tmp_path / "inventory.gpkg"
    shutil.copy(kupang_session.inventory, path)
    inventory = open_inventory(path)
    return inventory, write_layer_styles(inventory)


def style_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return con.execute(
            "SELECT f_table_name, styleName, useAsDefault, styleQML FROM layer_styles ORDER BY id"
        ).fetchall()


def categories(qml: str) -> list[tuple[str, str]]:
    """(value, fill colour) of each category of a categorized renderer."""
    root = ET.fromstring(qml.split("'SYSTEM'>", 1)[1])
    symbols = {
        s.get("name"): s.find(".//Option[@name='color']").get("value")
        if s.find(".//Option[@name='color']") is not None
        else s.find(".//Option[@name='line_color']").get("value")
        for s in root.iter("symbol")
    }
    return [(c.get("value"), symbols[c.get("symbol")]) for c in root.iter("category")]


def test_every_layer_gets_one_default_style(styled):
    inventory, layers = styled
    expected = [layer for layer in STYLED_LAYERS if inventory.has_layer(layer)]
    assert layers == expected and "poles" in layers and "corridors" in layers
    rows = style_rows(inventory.path)
    assert [(r[0], r[1], r[2]) for r in rows] == [(layer, STYLE_NAME, 1) for layer in expected]
    write_layer_styles(inventory)  # again: replaced, not doubled
    assert len(style_rows(inventory.path)) == len(expected)


def test_owner_colours_follow_the_map_order(styled):
    inventory, _ = styled
    # Independent rule: owners by number of poles + utility lines, most first.
    owners = pd.concat(
        [inventory.read(n, columns=["owner"])["owner"] for n in ("poles", "utility_lines")]
    )
    ranked = owners.value_counts(sort=False).sort_values(ascending=False, kind="stable")
    qml = {r[0]: r[3] for r in style_rows(inventory.path)}
    expected = [
        (owner, rgba(OWNER_COLORS[i])) for i, owner in enumerate(ranked.index[: len(OWNER_COLORS)])
    ]
    assert categories(qml["poles"]) == [*expected, ("", rgba(OTHER_COLOR))]
    assert categories(qml["bridges"])[:6] == [(str(k), rgba(NK_COLORS[k])) for k in range(6)]


def test_styles_of_other_users_are_kept_but_not_default(styled):
    inventory, _ = styled
    with sqlite3.connect(inventory.path) as con:
        con.execute(
            "INSERT INTO layer_styles (f_table_name, styleName, styleQML, useAsDefault) "
            "VALUES ('poles', 'my style', '<qgis/>', 1)"
        )
    write_layer_styles(inventory)
    rows = [(r[0], r[1], r[2]) for r in style_rows(inventory.path) if r[0] == "poles"]
    assert sorted(rows) == [("poles", STYLE_NAME, 1), ("poles", "my style", 0)]


def test_gdal_still_reads_every_layer_and_sees_the_styles_table(styled):
    inventory, layers = styled
    listed = {name for name, _ in pyogrio.list_layers(inventory.path)}
    assert set(layers) <= listed and "layer_styles" in listed
    with sqlite3.connect(inventory.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(inventory.read("poles")) == 445


def test_project_references_the_inventory_relatively(styled, tmp_path):
    inventory, layers = styled
    (tmp_path / "maps").mkdir()
    project = write_qgis_project(inventory, tmp_path / "maps" / "kupang.qgs")
    root = ET.parse(project).getroot()
    sources = [e.text for e in root.iter("datasource")]
    assert [s.split("layername=")[1] for s in sources] == layers
    for source in sources:
        relative = source.split("|")[0]
        assert not os.path.isabs(relative)
        assert (project.parent / relative).resolve() == Path(inventory.path).resolve()
    with pytest.raises(GeoassetError, match="already exists"):
        write_qgis_project(inventory, project)
    with pytest.raises(GeoassetError, match="no such folder"):
        write_qgis_project(inventory, tmp_path / "nowhere" / "x.qgs")


def test_cli_refuses_existing_project_and_missing_folder(styled, tmp_path):
    inventory, _ = styled
    runner = CliRunner()
    first = runner.invoke(cli, ["qgis-project", str(inventory.path)])
    assert first.exit_code == 0, first.output
    assert Path(inventory.path).with_suffix(".qgs").is_file()
    again = runner.invoke(cli, ["qgis-project", str(inventory.path)])
    assert again.exit_code == 1 and "already exists" in again.output
    missing = runner.invoke(
        cli, ["qgis-project", str(inventory.path), "-o", str(tmp_path / "no" / "x.qgs")]
    )
    assert missing.exit_code == 1 and "no such folder" in missing.output
    assert "Traceback" not in again.output + missing.output


QGIS_CHECK = """
import json, os, sys
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
read = project.read(sys.argv[1])
loaded = {node.name(): [node.layer().isValid(), node.layer().renderer().type(),
                        node.layer().featureCount()]
          for node in project.layerTreeRoot().findLayers() if node.layer() is not None}
direct = QgsVectorLayer(sys.argv[2] + "|layername=poles", "poles", "ogr")
print(json.dumps({"read": read, "loaded": loaded, "direct": direct.renderer().type()}))
sys.stdout.flush()
os._exit(0)  # PyQGIS may crash while tearing down an application that loaded a project
"""


def qgis_available() -> bool:
    """Whether the system Python imports PyQGIS (asked when the test runs, not in every
    test process's collection: starting it takes up to a second)."""
    if not Path(SYSTEM_PYTHON).exists():
        return False
    done = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True)
    return done.returncode == 0


def test_qgis_loads_the_project_with_every_style(styled, tmp_path):
    if not qgis_available():
        pytest.skip("QGIS (Debian qgis, python3-qgis) not installed")
    inventory, layers = styled
    project = write_qgis_project(inventory, tmp_path / "kupang.qgs")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", QGIS_CHECK, str(project), str(inventory.path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["read"] is True
    categorized = {"poles", "utility_lines", "bridges"}
    assert result["loaded"] == {
        layer: [
            True,
            "categorizedSymbol" if layer in categorized else "singleSymbol",
            inventory.count(layer),
        ]
        for layer in layers
    }
    # Opened directly (not through the project), the layer takes its stored default style.
    assert result["direct"] == "categorizedSymbol"
