"""Clean failure: disk full, read-only files, missing folders, a killed process, a foreign
write lock, hostile inputs. Each time: one line on stderr naming the file, exit status 1,
no traceback, nothing half-written, nothing left behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from conftest import make_poles

from geoasset.cli.main import cli
from geoasset.errors import GeoassetError
from geoasset.ingest import import_layer
from geoasset.store import create_inventory, open_inventory
from tests.processes import run_geoasset, start_python

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
KUPANG = LAYERS / "kupang"


# -- helpers -------------------------------------------------------------------------
def one_line_error(err: str, *needles: str) -> None:
    """stderr's last line is ``Error: ...`` with every needle, and there is no traceback."""
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("Error: "), err
    for needle in needles:
        assert needle in last, err


def digest(path: Path, layer: str) -> tuple[str, int]:
    """A digest of a layer's rows as SQLite holds them, independent of GDAL."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        rows = con.execute(f'SELECT * FROM "{layer}" ORDER BY fid').fetchall()  # noqa: S608
    return hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows)


def staging_tables(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as con:
        rows = con.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'geoasset_staging%'"
        ).fetchall()
    return [r[0] for r in rows]


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


def wait_for(marker: Path, process, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        assert process.poll() is None, "the process ended before reaching the marker"
        assert time.monotonic() < deadline, "the process never reached the marker"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def kupang_template(tmp_path_factory) -> Path:
    """An inventory with the Kupang roads and 445 poles, made once for this module."""
    folder = tmp_path_factory.mktemp("kupang")
    path = folder / "kupang.gpkg"
    inv = create_inventory(path)
    import_layer(inv, "roads", KUPANG / "roads.geojson")
    import_layer(inv, "poles", KUPANG / "poles.csv", rejects_path=folder / "r.csv")
    assert not list(folder.glob("*-wal")), "the template is not one file"
    return path


@pytest.fixture
def kupang_inventory(tmp_path, kupang_template) -> Path:
    """A fresh copy of the Kupang inventory for one test (which may break it)."""
    path = tmp_path / "kupang.gpkg"
    shutil.copyfile(kupang_template, path)
    return path


def small_poles_file(path: Path, prefix: str = "NEW", n: int = 5) -> Path:
    rows = [f"{prefix}-{i},PLN,-10.17{i:02d},123.6{i:02d}" for i in range(n)]
    path.write_text("pole_id,owner,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@contextlib.contextmanager
def mounted(kind: str, target: Path, *options: str, source: str = "tmpfs"):
    """Mount a tmpfs or a read-only bind on ``target`` (needs root on Linux), or skip."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting needs root on Linux")
    target.mkdir(exist_ok=True)
    command = ["mount", *(["-t", kind] if kind else []), *options, source, str(target)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


# -- disk full -----------------------------------------------------------------------
def test_disk_full_while_staging_is_one_line_and_changes_nothing(
    kupang_inventory, tmp_path, monkeypatch
):
    """ENOSPC injected where GDAL writes (the data lands, then the disk "fills")."""
    before = digest(kupang_inventory, "poles")

    def filling(real):
        def disk_full(*args, **kwargs):
            real(*args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")

        return disk_full

    # Both of the store's writers (the Arrow fast path and the general one, which layers
    # with DATE columns may take).
    monkeypatch.setattr(pyogrio, "write_arrow", filling(pyogrio.write_arrow))
    monkeypatch.setattr(pyogrio, "write_dataframe", filling(pyogrio.write_dataframe))
    source = small_poles_file(tmp_path / "new.csv")
    result = CliRunner().invoke(
        cli, ["import", str(kupang_inventory), "poles", str(source), "--append"]
    )
    assert result.exit_code == 1
    one_line_error(result.output, str(kupang_inventory), "disk full")
    assert digest(kupang_inventory, "poles") == before
    assert not staging_tables(kupang_inventory)


def test_init_on_a_full_disk_is_one_line_and_leaves_no_file(tmp_path):
    """A tmpfs smaller than an empty inventory: ``init`` says so and leaves nothing."""
    with mounted("tmpfs", tmp_path / "tiny", "-o", "size=64k") as folder:
        done = run_geoasset("init", str(folder / "inv.gpkg"), cwd=tmp_path)
        assert done.returncode == 1
        one_line_error(done.stderr, str(folder / "inv.gpkg"), "disk full")
        assert list(folder.iterdir()) == []


def test_real_full_disk_changes_nothing_and_a_later_write_works(tmp_path):
    """A small tmpfs: the import runs out of space, the next (smaller) one succeeds."""
    with mounted("tmpfs", tmp_path / "small", "-o", "size=1200k") as folder:
        path = folder / "inv.gpkg"
        create_inventory(path)
        big = make_poles(60_000, prefix="BIG")
        big_file = tmp_path / "big.csv"
        pd.DataFrame(
            {
                "pole_id": big["pole_id"],
                "owner": "PLN",
                "lat": big.geometry.y,
                "lon": big.geometry.x,
            }
        ).to_csv(big_file, index=False)
        done = run_geoasset(
            "import",
            str(path),
            "poles",
            str(big_file),
            "--rejects",
            str(tmp_path / "r.csv"),
            cwd=tmp_path,
        )
        assert done.returncode == 1
        one_line_error(done.stderr, str(path), "disk full")
        assert open_inventory(path).count("poles") == 0
        assert integrity(path) == "ok"
        small = small_poles_file(tmp_path / "small.csv")
        done = run_geoasset("import", str(path), "poles", str(small), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert open_inventory(path).count("poles") == 5
        assert not staging_tables(path)


def test_rejects_file_that_cannot_be_written_imports_nothing(tmp_path, monkeypatch):
    """Issue: the import exited 1 after committing its rows."""
    inv = create_inventory(tmp_path / "inv.gpkg")

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(
        GeoassetError, match="rejects.csv: cannot write the rejects file: disk full"
    ):
        import_layer(inv, "poles", KUPANG / "poles.csv", rejects_path=tmp_path / "p.rejects.csv")
    assert inv.count("poles") == 0
    assert not (tmp_path / "p.rejects.csv").exists()


# -- read-only files and folders, missing folders ------------------------------------
@pytest.fixture
def read_only_copy(kupang_inventory, tmp_path):
    """The inventory in a folder nobody may write to (a read-only mount for root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "inv.gpkg").write_bytes(kupang_inventory.read_bytes())
    if os.name == "posix" and os.geteuid() == 0:
        with mounted("", tmp_path / "ro_view", "--bind", "-o", "ro", source=str(folder)) as view:
            yield view / "inv.gpkg"
        return
    (folder / "inv.gpkg").chmod(0o444)
    folder.chmod(0o555)
    try:
        yield folder / "inv.gpkg"
    finally:
        folder.chmod(0o755)
        (folder / "inv.gpkg").chmod(0o644)


def test_read_only_inventory_is_one_line_and_unchanged(read_only_copy, tmp_path):
    before = read_only_copy.read_bytes()
    source = small_poles_file(tmp_path / "new.csv")
    done = run_geoasset(
        "import", str(read_only_copy), "poles", str(source), "--append", cwd=tmp_path
    )
    assert done.returncode == 1
    one_line_error(done.stderr, str(read_only_copy), "read-only")
    assert read_only_copy.read_bytes() == before
    done = run_geoasset("chainage", str(read_only_copy), cwd=tmp_path)
    assert done.returncode == 1
    one_line_error(done.stderr, str(read_only_copy), "read-only")
    assert read_only_copy.read_bytes() == before


def test_report_into_a_missing_folder_is_one_line(kupang_inventory, tmp_path):
    done = run_geoasset("report", str(kupang_inventory), "-o", "missing/x.xlsx", cwd=tmp_path)
    assert done.returncode == 1
    one_line_error(done.stderr, "missing/x.xlsx", "does not exist")
    assert not (tmp_path / "missing").exists()


# -- a killed process ----------------------------------------------------------------
KILL_DURING_STAGING = """
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

KILL_DURING_SWAP = """
import pathlib, sys, time
import geoasset.store as store
def hang(con, layer):
    pathlib.Path("swapping.marker").touch()
    time.sleep(600)
store._after_swap_hook = hang
from geoasset.cli.main import main
main()
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
@pytest.mark.parametrize(
    ("script", "marker"),
    [(KILL_DURING_STAGING, "staged.marker"), (KILL_DURING_SWAP, "swapping.marker")],
)
def test_kill_9_leaves_the_inventory_as_before(kupang_inventory, tmp_path, script, marker):
    """kill -9 while GDAL stages the new poles, or in the middle of the swap transaction:
    the poles are as before, the file is sound, and the next write cleans up and works."""
    before = digest(kupang_inventory, "poles")
    source = small_poles_file(tmp_path / "new.csv")
    code = (
        f"import sys; sys.argv = ['geoasset', 'import', {str(kupang_inventory)!r}, 'poles', {str(source)!r}, '--append']\n"
        + script
    )
    process = start_python(code, cwd=tmp_path)
    wait_for(tmp_path / marker, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert digest(kupang_inventory, "poles") == before
    assert integrity(kupang_inventory) == "ok"
    if marker == "staged.marker":
        assert staging_tables(kupang_inventory)  # killed while staging: the table is left
    done = run_geoasset(
        "import", str(kupang_inventory), "poles", str(source), "--append", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert not staging_tables(kupang_inventory)
    assert digest(kupang_inventory, "poles")[1] == before[1] + 5
    assert integrity(kupang_inventory) == "ok"


# -- a foreign write lock (QGIS or GDAL editing the file) ----------------------------
HOLD_SQLITE_LOCK = """
import pathlib, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
pathlib.Path("held.marker").touch()
time.sleep(600)
"""


def test_foreign_write_lock_is_a_clear_message(kupang_inventory, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOASSET_LOCK_WAIT", "1")  # (5 s unless told)
    before = digest(kupang_inventory, "poles")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SQLITE_LOCK, str(kupang_inventory)], cwd=tmp_path, env=env
    )
    try:
        wait_for(tmp_path / "held.marker", holder)
        source = small_poles_file(tmp_path / "new.csv")
        done = run_geoasset(
            "import", str(kupang_inventory), "poles", str(source), "--append", cwd=tmp_path
        )
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    one_line_error(done.stderr, str(kupang_inventory), "another program is writing", "waited 1 s")
    assert digest(kupang_inventory, "poles") == before


# -- hostile inputs: one line, no traceback ------------------------------------------
def test_fix_with_a_nan_coordinate_is_one_line(kupang_inventory, tmp_path):
    source = tmp_path / "nan.geojson"
    source.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"parcel_id":"X1","road_id":"NTT-001"},"geometry":{"type":"Polygon","coordinates":'
        "[[[123.6,-10.1],[NaN,-10.2],[123.7,-10.3],[123.6,-10.1]]]}}]}",
        encoding="utf-8",
    )
    done = run_geoasset(
        "import", str(kupang_inventory), "parcels", str(source), "--fix", cwd=tmp_path
    )
    assert done.returncode == 1
    one_line_error(done.stderr, "nan.geojson")
    assert open_inventory(kupang_inventory).count("parcels") == 0


def test_damaged_xlsx_is_one_line(kupang_inventory, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["pole_id", "owner", "lat", "lon"])
    book.active.append(["X1", "PLN", -10.17, 123.6])
    book.save(tmp_path / "good.xlsx")
    (tmp_path / "damaged.xlsx").write_bytes((tmp_path / "good.xlsx").read_bytes()[:2000])
    done = run_geoasset(
        "import", str(kupang_inventory), "poles", "damaged.xlsx", "--append", cwd=tmp_path
    )
    assert done.returncode == 1
    one_line_error(done.stderr, "damaged.xlsx")


def test_decompression_bomb_photo_is_one_line_and_debug_shows_the_traceback(tmp_path):
    from PIL import Image

    Image.new("1", (20_000, 20_000)).save(tmp_path / "bomb.png")  # 400 Mpx in 50 kB
    small_poles_file(tmp_path / "p.csv")
    with open(tmp_path / "p.csv", "a", encoding="utf-8") as handle:
        handle.write("BOMB-1,PLN,-10.1750,123.6085\n")
    table = pd.read_csv(tmp_path / "p.csv")
    table["photo"] = ["", "", "", "", "", "bomb.png"]
    table.to_csv(tmp_path / "p.csv", index=False)
    inv = create_inventory(tmp_path / "inv.gpkg")
    import_layer(inv, "roads", KUPANG / "roads.geojson")
    import_layer(inv, "poles", tmp_path / "p.csv")
    done = run_geoasset("map", "inv.gpkg", "-o", "m.html", "--embed-photos", cwd=tmp_path)
    assert done.returncode == 1
    one_line_error(done.stderr, "decompression bomb")
    assert "BOMB-1" in done.stderr and "bomb.png" in done.stderr  # the pole and its photo
    assert not (tmp_path / "m.html").exists()
    debug = run_geoasset(
        "--debug", "map", "inv.gpkg", "-o", "m.html", "--embed-photos", cwd=tmp_path
    )
    assert debug.returncode == 1 and "Traceback" in debug.stderr


# -- geoasset run: refuse before writing, stage, and run twice -----------------------
def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_readme_first_command_twice_then_without_overwrite(tmp_path):
    """Issue 12: the README's first command, run a second time, stopped at the map."""
    command = [
        "run",
        str(KUPANG),
        "-o",
        "out",
        "--tariffs",
        str(LAYERS / "tariffs_example.csv"),
        "--year",
        "2026",
        "--overwrite",
    ]
    # as the README runs it: a new Python each time, importing everything itself
    first = run_geoasset(*command, cwd=tmp_path, fresh_interpreter=True)
    assert first.returncode == 0, first.stderr
    second = run_geoasset(*command, cwd=tmp_path, fresh_interpreter=True)
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in first.stderr + second.stderr
    out = tmp_path / "out"
    for name in (
        "inventory.gpkg",
        "retribution_2026.xlsx",
        "inventory_report.xlsx",
        "field_map.html",
        "maps/index.html",
        "poles.rejects.csv",
    ):
        assert (out / name).is_file(), name
    assert first.stdout == second.stdout  # same counts and totals both times
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left beside
    before = _snapshot(out)
    third = run_geoasset(*command[:-1], cwd=tmp_path)  # without --overwrite
    assert third.returncode == 1
    one_line_error(third.stderr, "already exists", "use --overwrite")
    assert _snapshot(out) == before  # refused before writing anything


# -- warnings of the libraries underneath go to the log --------------------------------
WARN_IN_REPORT = """
import sys
import numpy as np
import geoasset.summary as summary
real = summary.inventory_report
def noisy(*args, **kwargs):
    np.float64(1.0) / np.float64(0.0)  # numpy: RuntimeWarning, divide by zero
    return real(*args, **kwargs)
summary.inventory_report = noisy
sys.argv = ["geoasset", *sys.argv[1:]]
from geoasset.cli.main import main
main()
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_python_warnings_go_to_the_log(kupang_inventory, tmp_path, verbose):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default"}
    args = [*(["-v"] if verbose else []), "report", str(kupang_inventory)]
    done = subprocess.run(
        [sys.executable, "-c", WARN_IN_REPORT, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "RuntimeWarning" in line]
    if verbose:  # one log line, not the raw warning with its source line
        assert len(warned) == 1 and warned[0].startswith("WARNING: "), done.stderr
        assert "np.float64(1.0)" not in done.stderr  # no source line printed raw
    else:
        assert warned == [], done.stderr


def test_report_into_a_read_only_folder_is_one_line(kupang_inventory, read_only_copy, tmp_path):
    target = read_only_copy.parent / "report.xlsx"
    done = run_geoasset("report", str(kupang_inventory), "-o", str(target), cwd=tmp_path)
    assert done.returncode == 1
    one_line_error(done.stderr, f"{target}: read-only")
    assert sorted(p.name for p in read_only_copy.parent.iterdir()) == ["inv.gpkg"]
