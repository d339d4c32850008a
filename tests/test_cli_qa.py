"""``geoasset qa``: exit codes, output, and the layers it writes to a real GeoPackage."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from geoasset.cli.main import cli
from geoasset.qa import DEFAULT_MIN_POLE_OFFSET_M, DEFAULT_NEAR_DUPLICATE_M, RULES
from geoasset.store import Batch, create_inventory, open_inventory
from tests.test_qa import HOSTILE, at, kupang_frames, utm


def run(*args: str):
    return CliRunner().invoke(cli, ["qa", *args])


def make_inventory(folder, name="kupang.gpkg", **changes):
    """An inventory GeoPackage of the clean Kupang frames, with ``changes`` applied."""
    inv = create_inventory(folder / name)
    frames = kupang_frames() | changes
    inv.write(frames, batch=Batch(command="test"), mode="replace")
    return inv


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """Inventories built once per module; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("templates")
    bridge_without_condition = utm([at(500, 0)], bridge_id=[HOSTILE[1]], condition_nk=[None])
    pole_without_owner = utm(
        [at(100, 5), at(200, -6)], pole_id=[HOSTILE[0], "P2"], owner=[None, "PLN"]
    )
    return {
        # A bridge without condition: one warning, no error.
        "warnings_only": make_inventory(
            folder, "warnings.gpkg", bridges=bridge_without_condition
        ).path,
        # A pole without an owner (error) next to a bridge without condition (warning).
        "with_error": make_inventory(
            folder,
            "errors.gpkg",
            poles=pole_without_owner,
            bridges=bridge_without_condition.assign(bridge_id=["B1"]),
        ).path,
    }


def copy_of(templates, name, tmp_path):
    target = tmp_path / f"{name}.gpkg"
    shutil.copyfile(templates[name], target)
    return open_inventory(target)


@pytest.fixture
def warnings_only(templates, tmp_path):
    return copy_of(templates, "warnings_only", tmp_path)


@pytest.fixture
def with_error(templates, tmp_path):
    return copy_of(templates, "with_error", tmp_path)


def test_list_needs_no_inventory():
    result = run("--list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert [line.split()[1] for line in lines] == [r.severity for r in RULES.values()]


def test_help_has_an_example_and_the_library_defaults():
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"[default: {DEFAULT_MIN_POLE_OFFSET_M:g} m]" in result.output
    assert f"[default: {DEFAULT_NEAR_DUPLICATE_M:g} m]" in result.output


def test_only_warnings_exit_0_and_the_summary_is_printed(warnings_only):
    result = run(str(warnings_only.path))
    assert result.exit_code == 0, result.output
    rows = {
        m.group(1): (m.group(2), int(m.group(3)))
        for m in re.finditer(r"^(\w+)\s+(error|warning)\s+(\d+)$", result.stdout, re.M)
    }
    assert set(rows) == set(RULES)
    assert rows["bridge_without_condition"] == ("warning", 1)
    assert sum(n for _, n in rows.values()) == 1
    assert "0 error(s), 1 warning(s)" in result.stderr


def test_an_error_exits_1(with_error):
    result = run(str(with_error.path))
    assert result.exit_code == 1
    assert re.search(r"^missing_owner\s+error\s+1$", result.stdout, re.M)
    assert "1 error(s), 1 warning(s)" in result.stderr


def test_json_carries_findings_and_summary(with_error):
    result = run(str(with_error.path), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == 1 and data["warnings"] == 1
    assert {row["rule"] for row in data["summary"]} == set(RULES)
    features = data["findings"]["features"]
    assert data["findings"]["type"] == "FeatureCollection"
    by_rule = {f["properties"]["rule"]: f for f in features}
    owner = by_rule["missing_owner"]
    assert owner["properties"]["asset_id"] == HOSTILE[0]
    assert f"id '{HOSTILE[0]}'" in owner["properties"]["message"]
    assert owner["geometry"]["type"] == "Point"
    expected = with_error.read("poles").geometry.iloc[0]
    assert owner["geometry"]["coordinates"] == pytest.approx([expected.x, expected.y])


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_findings_and_summary_are_stored_in_one_batch(with_error, engine):
    run(str(with_error.path))
    findings = with_error.read("qa_findings", engine=engine)
    assert findings.crs.to_epsg() == 4326
    assert sorted(findings["rule"]) == ["bridge_without_condition", "missing_owner"]
    row = findings[findings["rule"] == "missing_owner"].iloc[0]
    assert row["asset_id"] == HOSTILE[0] and row["severity"] == "error"
    assert f"id '{HOSTILE[0]}'" in row["message"]
    summary = with_error.read("qa_summary", engine=engine)
    assert int(summary["count"].sum()) == 2
    history = with_error.history()
    qa_rows = history[history["command"] == "qa"]
    assert sorted(qa_rows["layer"]) == ["qa_findings", "qa_summary"]
    assert qa_rows["batch_id"].nunique() == 1


def test_a_second_run_replaces_the_findings(with_error):
    run(str(with_error.path))
    run(str(with_error.path), "--rule", "bridge_without_condition")
    findings = with_error.read("qa_findings")
    assert findings["rule"].tolist() == ["bridge_without_condition"]
    summary = with_error.read("qa_summary")
    assert summary["rule"].tolist() == ["bridge_without_condition"]


def test_rule_selection_and_min_pole_offset(tmp_path):
    poles = utm([at(100, 2.5)], pole_id=["P1"], owner=["PLN"])
    inv = make_inventory(tmp_path, poles=poles)
    assert run(str(inv.path), "--rule", "pole_too_close").exit_code == 0
    result = run(str(inv.path), "--rule", "pole_too_close", "--min-pole-offset", "3", "--json")
    assert result.exit_code == 0  # a warning
    data = json.loads(result.stdout)
    assert data["summary"] == [{"rule": "pole_too_close", "severity": "warning", "count": 1}]
    assert "2.50 m" in data["findings"]["features"][0]["properties"]["message"]


def test_unknown_rule_is_a_bad_invocation(warnings_only):
    result = run(str(warnings_only.path), "--rule", "pole_too_close", "--rule", "no_such_rule")
    assert result.exit_code == 2
    assert "unknown rule 'no_such_rule'" in result.output
    assert "line_crossing_without_permit" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--crs", "EPSG:4326"], "geographic"),
        (["--min-pole-offset", "-1"], "--min-pole-offset"),
    ],
)
def test_bad_options_exit_2(warnings_only, args, message):
    result = run(str(warnings_only.path), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_missing_or_foreign_file(tmp_path):
    result = run(str(tmp_path / "nothing.gpkg"))
    assert result.exit_code == 2 and "does not exist" in result.output
    junk = tmp_path / "junk.gpkg"
    junk.write_text("not a geopackage")
    result = run(str(junk))
    assert result.exit_code == 1 and "not a GeoPackage" in result.output


def test_inventory_without_corridors_warns(tmp_path):
    inv = create_inventory(tmp_path / "bare.gpkg")
    frames = kupang_frames()
    del frames["corridors"]
    inv.write(frames, batch=Batch(command="test"))
    result = run(str(inv.path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    [finding] = data["findings"]["features"]
    assert finding["properties"]["layer"] == "corridors"
    assert finding["properties"]["severity"] == "warning"
    assert finding["geometry"] is None
