"""A re-survey killed midway (kill -9 while staging the layer, or inside the swap
transaction after the versions are written) leaves the inventory and its history as
they were; the next update applies cleanly."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from geoasset.history_survey import survey_update
from geoasset.ingest import import_layer
from geoasset.store import create_inventory
from tests.processes import run_geoasset, start_python
from tests.test_reliability_failures import integrity, staging_tables, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_history import make_resurvey  # noqa: E402
from bench_import import make_csv  # noqa: E402


def digest(path: Path) -> str:
    """The poles, every version, every batch and the history table, as SQLite holds them."""
    parts = []
    with contextlib.closing(sqlite3.connect(path)) as con:
        for table, order in (
            ("poles", "fid"),
            ("asset_versions", "version_id"),
            ("batches", "batch_id"),
            ("history", "fid"),
        ):
            parts.append(repr(con.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()))  # noqa: S608
    return hashlib.sha256("".join(parts).encode()).hexdigest()


@pytest.fixture
def surveyed(tmp_path) -> tuple[Path, Path, dict]:
    first, second = tmp_path / "s1.csv", tmp_path / "s2.csv"
    make_csv(first, 3000)
    expected = make_resurvey(first, second, 600)
    inventory = tmp_path / "inventory.gpkg"
    create_inventory(inventory)
    import_layer(inventory, "poles", first)
    survey_update(inventory, "poles", first, surveyed_on="2025-08-17")  # a batch already kept
    return inventory, second, expected


HANG_WHILE_STAGING = """
import pathlib, time, pyogrio
def hanging(real):
    def write_then_hang(*args, **kwargs):
        real(*args, **kwargs)
        pathlib.Path("staged.marker").touch()
        time.sleep(600)
    return write_then_hang
pyogrio.write_arrow = hanging(pyogrio.write_arrow)
pyogrio.write_dataframe = hanging(pyogrio.write_dataframe)
from geoasset.cli.main import main
main()
"""

HANG_IN_SWAP = """
import pathlib, time
import geoasset.store as store
def hang(con, layer):
    (n,) = con.execute("SELECT count(*) FROM asset_versions").fetchone()
    pathlib.Path("swapping.marker").write_text(str(n))
    time.sleep(600)
store._after_swap_hook = hang
from geoasset.cli.main import main
main()
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
@pytest.mark.parametrize(
    ("script", "marker"), [(HANG_WHILE_STAGING, "staged.marker"), (HANG_IN_SWAP, "swapping.marker")]
)
def test_killed_update_leaves_inventory_and_history_as_before(surveyed, tmp_path, script, marker):
    inventory, second, expected = surveyed
    before = digest(inventory)
    code = (
        "import sys; sys.argv = ['geoasset', 'import', "
        f"{str(inventory)!r}, 'poles', {str(second)!r}, '--update']\n" + script
    )
    process = start_python(code, cwd=tmp_path)
    wait_for(tmp_path / marker, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if marker == "swapping.marker":  # the versions were written, then rolled back
        with contextlib.closing(sqlite3.connect(inventory)) as con:
            (kept,) = con.execute("SELECT count(*) FROM asset_versions").fetchone()
        assert int((tmp_path / marker).read_text()) > kept
    assert digest(inventory) == before
    assert integrity(inventory) == "ok"
    done = run_geoasset("import", str(inventory), "poles", str(second), "--update", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not staging_tables(inventory)
    summary = (
        f"{expected['added']} added, {expected['moved']} moved, {expected['changed']} changed, "
        f"{expected['removed']} removed"
    )
    assert summary in done.stderr
    assert integrity(inventory) == "ok"
