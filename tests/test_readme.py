"""The README's tour shows what the code prints today: every command is re-run and compared."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from geoasset.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_IMPORTS = [
    ("bridges", "bridges.csv"),
    ("monuments", "monuments.kml"),
    ("utility_lines", "utility_lines.geojson"),
    ("parcels", "parcels.geojson"),
]


def tour_steps() -> list[tuple[str, list[str]]]:
    """(command, expected lines) for each ``$ geoasset ...`` line of the tour."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A five-minute tour.*?```console\n(.*?)```", text, re.S).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif not line.startswith("(exit status"):
            steps[-1][1].append(line)
    return steps


def geoasset(args: str, cwd: Path) -> Result:
    """Run one ``$ geoasset ...`` line of the tour in ``cwd``, as the command-line entry
    point does (the same command group, 80 columns), with its standard output and error
    in the order they were written."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner(env={"COLUMNS": "80"}).invoke(cli, args.split()[1:])
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def tour(kupang_session) -> tuple[Path, list[tuple[str, list[str], list[str]]]]:
    """The tour run once, command by command, in a fresh folder beside the session's run
    (the same depth, so the photo paths, relative to the inventory, compare): (folder,
    [(command, expected lines, printed lines)]). Both tests below read it."""
    folder = kupang_session.inventory.parent.with_name(f"tour-{os.getpid()}")
    folder.mkdir()
    (folder / "layers").symlink_to(ROOT / "layers")
    shown = []
    for command, expected in tour_steps():
        if command.startswith("#"):
            for layer, name in HIDDEN_IMPORTS:
                done = geoasset(
                    f"geoasset -q import kupang.gpkg {layer} layers/kupang/{name}", folder
                )
                assert done.exit_code == 0, done.output
            continue
        shown.append((command, expected, geoasset(command, folder).output.splitlines()))
    return folder, shown


@pytest.mark.slow
def test_tour_output_is_what_the_code_prints(tour):
    _, steps = tour
    assert [command.split()[1] for command, _, _ in steps] == [
        "init", "import", "import", "corridors", "chainage", "qa", "assess", "map", "report",
    ]  # fmt: skip
    for command, expected, shown in steps:
        if expected and expected[-1] == "...":
            expected = expected[:-1]
            shown = shown[: len(expected)]
        assert shown == expected, command


COMPARED_LAYERS = (
    "roads",
    "bridges",
    "monuments",
    "poles",
    "utility_lines",
    "parcels",
    "corridors",
    "qa_findings",
    "assessment_items",
    "assessment_totals",
    "assessment_not_billable",
)


def _comparable(frame):
    """A layer as plain values in a stable order (geometry as WKB hex)."""
    import pandas as pd

    table = pd.DataFrame(frame).copy()
    if "geometry" in table:
        table["geometry"] = [None if g is None else g.wkb_hex for g in table["geometry"]]
    table = table.astype(object).where(table.notna(), None)
    return table.sort_values(list(table.columns), key=lambda c: c.astype(str)).reset_index(
        drop=True
    )


@pytest.mark.slow
def test_tour_and_run_produce_the_same_inventory(tmp_path, tour, kupang_session):
    """The step-by-step commands of the tour and `geoasset run` write the same layers, line
    items and totals (one path from inventory to outputs)."""
    import pandas as pd

    from geoasset.store import open_inventory

    folder, _ = tour
    tour = open_inventory(folder / "kupang.gpkg")
    run = open_inventory(kupang_session.inventory)
    for layer in COMPARED_LAYERS:
        pd.testing.assert_frame_equal(
            _comparable(tour.read(layer)), _comparable(run.read(layer)), obj=layer
        )
    # The map of a corridor drawn from either inventory holds the same data: the HTML is
    # the same once folium's random element ids are set aside.
    from geoasset.maps import field_map, save_map

    pages = []
    for name, inventory in (("tour", tour), ("run", run)):
        path = tmp_path / f"{name}.html"
        save_map(field_map(inventory, corridor_ids=["NTT-001"], title="NTT-001"), path)
        pages.append(
            re.sub(r"[0-9a-f]{32}|(?<=-)[0-9a-f]{12}\b", "ID", path.read_text(encoding="utf-8"))
        )
    assert pages[0] == pages[1]
