"""``geoasset map``: success and failure paths, exit codes and messages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from test_maps import (  # noqa: E402
    built,  # noqa: F401 (a fixture: a copy of the map test inventory)
    built_once,  # noqa: F401 (the fixture it copies, written once per module)
    read_payload,
)

from geoasset.cli.main import cli  # noqa: E402
from geoasset.mapassets import external_resources  # noqa: E402


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def inventory(built):  # noqa: F811 (the imported fixture)
    inv, facts = built
    return inv.path, facts


def test_map_to_a_file(inventory, tmp_path):
    path, facts = inventory
    out = tmp_path / "kupang.html"
    result = run("map", path, "-o", out, "--title", "Kupang", "--lang", "id")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert f"{len(facts['stations'])} poles" in result.stderr
    text = out.read_text("utf-8")
    assert external_resources(text) == []
    payload = read_payload(text)
    assert payload["title"] == "Kupang" and payload["lang"] == "id"


def test_map_of_one_corridor(inventory, tmp_path):
    path, _ = inventory
    out = tmp_path / "r1.html"
    result = run("map", path, "-o", out, "--corridor", "R1:0", "--road", "R2")
    assert result.exit_code == 0, result.output
    corridors = next(
        layer
        for layer in read_payload(out.read_text("utf-8"))["layers"]
        if layer["name"] == "corridors"
    )
    assert corridors["n"] == 2


def test_map_per_corridor(inventory, tmp_path):
    path, _ = inventory
    folder = tmp_path / "maps"
    result = run("map", path, "--per-corridor", folder)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "R1_0.html",
        "R1_1000.html",
        "R2.html",
        "index.html",
    ]
    assert result.stdout.splitlines()[-1] == str(folder / "index.html")
    again = run("map", path, "--per-corridor", folder)
    assert again.exit_code == 1
    assert "use --overwrite" in again.output
    assert run("map", path, "--per-corridor", folder, "--overwrite").exit_code == 0


def test_exactly_one_output_is_required(inventory, tmp_path):
    path, _ = inventory
    neither = run("map", path)
    assert neither.exit_code == 2
    assert "exactly one of -o/--output, --per-corridor and --per-area" in neither.output
    both = run("map", path, "-o", tmp_path / "a.html", "--per-corridor", tmp_path / "maps")
    assert both.exit_code == 2
    assert not (tmp_path / "a.html").exists()


def test_unknown_corridor_fails_naming_it(inventory, tmp_path):
    path, _ = inventory
    result = run(
        "map", path, "-o", tmp_path / "x.html", "--corridor", "R1:0", "--corridor", "K-404"
    )
    assert result.exit_code == 1
    assert "Error:" in result.output and "'K-404'" in result.output
    assert not (tmp_path / "x.html").exists()


def test_existing_output_is_not_overwritten(inventory, tmp_path):
    path, _ = inventory
    out = tmp_path / "kupang.html"
    out.write_text("keep")
    result = run("map", path, "-o", out)
    assert result.exit_code == 1
    assert f"{out} already exists; use --overwrite" in result.output
    assert out.read_text() == "keep"
    assert run("map", path, "-o", out, "--overwrite").exit_code == 0
    assert out.read_text() != "keep"


def test_bad_language_and_missing_inventory(tmp_path):
    result = run("map", tmp_path / "none.gpkg", "-o", tmp_path / "x.html")
    assert result.exit_code == 2 and "does not exist" in result.output
    (tmp_path / "inv.gpkg").write_text("")
    result = run("map", tmp_path / "inv.gpkg", "-o", tmp_path / "x.html", "--lang", "fr")
    assert result.exit_code == 2 and "'fr' is not one of 'en', 'id'" in result.output


def test_help_has_an_example():
    result = run("map", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and "--per-corridor" in result.output


def test_light_overview_with_links(inventory, tmp_path):
    path, facts = inventory
    out = tmp_path / "city.html"
    result = run("map", path, "-o", out, "--light", "--corridor-maps", "maps")
    assert result.exit_code == 0, result.output
    assert f"wrote light overview {out}" in result.stderr
    payload = read_payload(out.read_text("utf-8"))
    assert payload["light"] is True
    assert payload["corridor_maps"]["files"] == {
        "R1:0": "R1_0.html",
        "R1:1000": "R1_1000.html",
        "R2": "R2.html",
    }
    full = tmp_path / "full.html"
    assert run("map", path, "-o", full, "--full").exit_code == 0
    assert read_payload(full.read_text("utf-8"))["light"] is False
    # the default for the small pilot is the full map, said without "light"
    result = run("map", path, "-o", tmp_path / "auto.html")
    assert result.stderr.startswith(f"wrote {tmp_path / 'auto.html'} (")
    assert f"{len(facts['stations'])} poles" in result.stderr


def test_light_goes_with_one_file(inventory, tmp_path):
    path, _ = inventory
    result = run("map", path, "--per-corridor", tmp_path / "maps", "--light")
    assert result.exit_code == 2
    assert "--light/--full, --corridor-maps and --area-maps go with -o/--output" in result.output
    assert not (tmp_path / "maps").exists()


def test_per_area_maps_and_links(inventory, tmp_path, monkeypatch):
    from geoasset import maps

    monkeypatch.setattr(maps, "AREA_SIZE_M", 500.0)
    path, facts = inventory
    folder = tmp_path / "areas"
    result = run("map", path, "--per-area", folder)
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.splitlines()]
    assert written[-1] == folder / "index.html" and all(p.exists() for p in written)
    assert f"wrote {len(written) - 1} area map(s)" in result.stderr
    index = (folder / "index.html").read_text("utf-8")
    assert f"Rp {sum(facts['amount_by_pole'].values()):,}" in index
    again = run("map", path, "--per-area", folder)
    assert again.exit_code == 1 and "use --overwrite" in again.output
    assert run("map", path, "--per-area", folder, "--overwrite").exit_code == 0
    # the overview links each corridor to the area map drawing it
    out = tmp_path / "city.html"
    assert run("map", path, "-o", out, "--area-maps", "areas").exit_code == 0
    files = read_payload(out.read_text("utf-8"))["corridor_maps"]["files"]
    assert set(files) == {"R1:0", "R1:1000", "R2"}
    for cid, name in files.items():
        assert (
            cid
            in read_payload((folder / name).read_text("utf-8"))["layers"][0]["data"]["corridor_id"]
        )
    # one corridor's map on demand, as before
    one = tmp_path / "one.html"
    assert run("map", path, "-o", one, "--corridor", "R2").exit_code == 0
    assert read_payload(one.read_text("utf-8"))["layers"][0]["n"] == 1


def test_per_area_usage_errors(inventory, tmp_path):
    path, _ = inventory
    both = run("map", path, "--per-area", tmp_path / "a", "--per-corridor", tmp_path / "b")
    assert both.exit_code == 2 and "exactly one of" in both.output
    chosen = run("map", path, "--per-area", tmp_path / "a", "--corridor", "R2")
    assert chosen.exit_code == 2 and "--corridor and --road go with" in chosen.output
    links = run("map", path, "-o", tmp_path / "x.html", "--area-maps", "a", "--corridor-maps", "b")
    assert links.exit_code == 2 and "at most one of --corridor-maps and --area-maps" in links.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "x.html").exists()


def test_map_with_a_basemap_and_without_background(inventory, tmp_path):
    from test_maps_offline import make_mbtiles

    path, _ = inventory
    w, s, e, n = (123.60, -10.20, 123.70, -10.15)
    make_mbtiles(tmp_path / "office.mbtiles", (s, w, n, e), zooms=(13, 14))
    out = tmp_path / "r2.html"
    result = run(
        "map", path, "-o", out, "--corridor", "R2", "--basemap", tmp_path / "office.mbtiles"
    )
    assert result.exit_code == 0, result.output
    payload = read_payload(out.read_text("utf-8"))
    assert payload["basemap"]["tiles"] and payload["background"]["lines"]
    bare = tmp_path / "bare.html"
    result = run("map", path, "-o", bare, "--corridor", "R2", "--no-background")
    assert result.exit_code == 0, result.output
    assert "background" not in read_payload(bare.read_text("utf-8"))
    result = run("map", path, "-o", tmp_path / "x.html", "--basemap", tmp_path / "nope.mbtiles")
    assert result.exit_code == 2 and "nope.mbtiles" in result.output
    (tmp_path / "bad.mbtiles").write_text("text")
    result = run("map", path, "-o", tmp_path / "y.html", "--basemap", tmp_path / "bad.mbtiles")
    assert result.exit_code == 1 and "must be an MBTiles or PMTiles file" in result.output
    assert "Traceback" not in result.output
