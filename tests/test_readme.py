"""The README's tour shows what the code prints today: every command is re-run and compared."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def geoasset(args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "geoasset.cli", *args.split()[1:]]
    return subprocess.run(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )


@pytest.mark.slow
def test_tour_output_is_what_the_code_prints(tmp_path):
    (tmp_path / "layers").symlink_to(ROOT / "layers")
    steps = tour_steps()
    assert [command.split()[1] for command, _ in steps if command.startswith("geoasset")] == [
        "init", "import", "import", "corridors", "chainage", "qa", "assess", "map", "report",
    ]  # fmt: skip
    for command, expected in steps:
        if command.startswith("#"):
            for layer, name in HIDDEN_IMPORTS:
                done = geoasset(
                    f"geoasset -q import kupang.gpkg {layer} layers/kupang/{name}", tmp_path
                )
                assert done.returncode == 0, done.stdout
            continue
        shown = geoasset(command, tmp_path).stdout.splitlines()
        if expected and expected[-1] == "...":
            expected = expected[:-1]
            shown = shown[: len(expected)]
        assert shown == expected, command
