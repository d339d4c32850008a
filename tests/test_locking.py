"""The file lock the store holds while it writes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from geoasset.cli.main import cli
from geoasset.errors import GeoassetError
from geoasset.locking import lock_wait_seconds, try_lock, unlock
from geoasset.store import Inventory


def test_second_handle_is_refused_until_the_first_unlocks(tmp_path):
    path = tmp_path / "inventory.gpkg"
    path.write_bytes(b"SQLite format 3\x00")
    with open(path, "rb") as first, open(path, "rb") as second:
        assert try_lock(first)
        assert not try_lock(second)
        unlock(first)
        assert try_lock(second)
        unlock(second)
    assert path.read_bytes() == b"SQLite format 3\x00"  # the lock writes nothing


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon", "5 s"])
def test_a_lock_wait_that_is_no_number_of_seconds_is_refused(value):
    with pytest.raises(GeoassetError, match=f"GEOASSET_LOCK_WAIT must be .*got '{value}'"):
        lock_wait_seconds({"GEOASSET_LOCK_WAIT": value})


def test_the_inventory_waits_as_long_as_the_environment_says(inventory, monkeypatch):
    monkeypatch.setenv("GEOASSET_LOCK_WAIT", "0.2")
    assert Inventory(inventory.path).lock_timeout == 0.2
    assert Inventory(inventory.path, lock_timeout=3).lock_timeout == 3  # a caller's own
    monkeypatch.delenv("GEOASSET_LOCK_WAIT")
    assert Inventory(inventory.path).lock_timeout == 5.0


def test_a_bad_lock_wait_is_one_line_from_the_command_line(inventory):
    result = CliRunner().invoke(
        cli, ["info", str(inventory.path)], env={"GEOASSET_LOCK_WAIT": "soon"}
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: GEOASSET_LOCK_WAIT must be a number of seconds, 0 or more; got 'soon'"
    ]
