"""The command group, `init` and `info`: success and failure paths, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from geoasset.cli.main import COMMANDS, cli
from geoasset.store import Batch, open_inventory
from tests.conftest import make_poles


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_every_command_has_help_with_an_example():
    for name in COMMANDS:
        result = run(name, "--help")
        assert result.exit_code == 0, (name, result.output)
        assert "Example" in result.output, name


def test_init_then_info(tmp_path):
    path = tmp_path / "kupang.gpkg"
    result = run("init", path)
    assert result.exit_code == 0, result.output
    inv = open_inventory(path)
    inv.write({"poles": make_poles(3)}, batch=Batch(command="test", source="survey.csv"))
    result = run("info", path, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    poles = next(layer for layer in data["layers"] if layer["name"] == "poles")
    assert poles["rows"] == 3
    assert poles["extent"][0] == 123.6
    assert data["batches"][-1]["source"] == "survey.csv"
    text = run("info", path)
    assert "poles" in text.output and "survey.csv" in text.output


def test_init_refuses_to_clobber(tmp_path):
    path = tmp_path / "kupang.gpkg"
    run("init", path)
    result = run("init", path)
    assert result.exit_code == 1
    assert f"{path} already exists" in result.output
    assert "Traceback" not in result.output


def test_info_on_missing_and_foreign_files(tmp_path):
    assert run("info", tmp_path / "nope.gpkg").exit_code == 2  # click: path does not exist
    junk = tmp_path / "junk.gpkg"
    junk.write_text("not a database")
    result = run("info", junk)
    assert result.exit_code == 1
    assert "not a GeoPackage" in result.output


def test_unknown_command_is_a_usage_error():
    assert run("frobnicate").exit_code == 2
