"""The packed R-tree, checked by SQLite's own R-tree module against brute force."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoasset.rtree import node_capacity, pack_rtree, round_down, round_up

NODE_SIZE = 1228  # what SQLite gives a 2-D R-tree on 4 KiB pages
CAPACITY = node_capacity(NODE_SIZE)


def load(bounds: np.ndarray, ids: np.ndarray | None = None) -> sqlite3.Connection:
    """An in-memory SQLite R-tree whose shadow tables hold the packed tree."""
    ids = np.arange(1, len(bounds) + 1) if ids is None else ids
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
    (size,) = con.execute("SELECT length(data) FROM r_node WHERE nodeno = 1").fetchone()
    assert size == NODE_SIZE
    packed = pack_rtree(ids, bounds, node_size=size)
    for shadow in ("node", "rowid", "parent"):
        con.execute(f"DELETE FROM r_{shadow}")
    con.executemany("INSERT INTO r_node VALUES (?, ?)", packed.nodes)
    con.executemany("INSERT INTO r_rowid VALUES (?, ?)", packed.rowids.tolist())
    con.executemany("INSERT INTO r_parent VALUES (?, ?)", packed.parents.tolist())
    con.commit()
    return con


def check(con: sqlite3.Connection) -> str:
    return con.execute("SELECT rtreecheck('r')").fetchone()[0]


def query(con: sqlite3.Connection, box) -> list[int]:
    minx, miny, maxx, maxy = box
    rows = con.execute(
        "SELECT id FROM r WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?",
        (minx, maxx, miny, maxy),
    )
    return sorted(r[0] for r in rows)


def brute_force(bounds: np.ndarray, box) -> list[int]:
    """Rows whose box, rounded outwards to 32-bit floats as stored, meets ``box``."""
    minx, miny, maxx, maxy = box
    keep = ~np.isnan(bounds).any(axis=1)
    b = np.where(keep[:, None], bounds, 0)
    stored = [
        f(b[:, i]).astype(np.float64)
        for f, i in ((round_down, 0), (round_down, 1), (round_up, 2), (round_up, 3))
    ]
    hit = (
        keep & (stored[2] >= minx) & (stored[0] <= maxx) & (stored[3] >= miny) & (stored[1] <= maxy)
    )
    return (np.flatnonzero(hit) + 1).tolist()


def random_boxes(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo = np.column_stack([rng.normal(123.6, 0.05, n), rng.normal(-10.17, 0.05, n)])
    size = rng.exponential(0.001, (n, 2)) * (rng.random((n, 1)) < 0.5)  # half are points
    return np.hstack([lo, lo + size])


@pytest.mark.parametrize("n", [0, 1, CAPACITY, CAPACITY + 1, CAPACITY**2, CAPACITY**2 + 1, 20_000])
def test_packed_tree_passes_sqlite_check_and_answers_queries(n):
    bounds = random_boxes(n)
    con = load(bounds)
    assert check(con) == "ok"
    assert con.execute("SELECT count(*) FROM r").fetchone()[0] == n
    rng = np.random.default_rng(n)
    for _ in range(20):
        x, y = rng.normal(123.6, 0.05), rng.normal(-10.17, 0.05)
        box = (x, y, x + rng.exponential(0.02), y + rng.exponential(0.02))
        assert query(con, box) == brute_force(bounds, box)


def test_depth_and_node_count_follow_the_capacity():
    assert pack_rtree(np.arange(1, 2), random_boxes(1), node_size=NODE_SIZE).depth == 0
    two_levels = pack_rtree(
        np.arange(1, CAPACITY + 2), random_boxes(CAPACITY + 1), node_size=NODE_SIZE
    )
    assert two_levels.depth == 1
    assert len(two_levels.nodes) == 3  # a root over two leaves
    n = CAPACITY**2 + 1
    three = pack_rtree(np.arange(1, n + 1), random_boxes(n), node_size=NODE_SIZE)
    assert three.depth == 2
    assert len(three.rowids) == n
    assert len(three.parents) == len(three.nodes) - 1  # every node but the root
    assert [nodeno for nodeno, _ in three.nodes] == list(range(1, len(three.nodes) + 1))


def test_missing_boxes_are_left_out_and_ids_kept():
    bounds = random_boxes(200)
    bounds[[3, 50, 199]] = np.nan
    ids = np.arange(1000, 1200)
    con = load(bounds, ids)
    assert check(con) == "ok"
    stored = [r[0] for r in con.execute("SELECT id FROM r ORDER BY id")]
    assert stored == [i for i in ids.tolist() if i not in (1003, 1050, 1199)]


def test_sqlite_can_keep_editing_a_packed_tree():
    bounds = random_boxes(5_000)
    con = load(bounds)
    con.execute("DELETE FROM r WHERE id % 3 = 0")
    con.executemany(
        "INSERT INTO r VALUES (?, ?, ?, ?, ?)",
        [(10_000 + i, 0.0 + i, 1.0 + i, 0.0, 1.0) for i in range(500)],
    )
    con.execute("UPDATE r SET minx = 0, maxx = 0.5, miny = 0.2, maxy = 0.3 WHERE id = 1")
    assert check(con) == "ok"
    assert con.execute("SELECT count(*) FROM r").fetchone()[0] == 5_000 - 5_000 // 3 + 500
    assert query(con, (0.0, 0.0, 0.1, 1.0)) == [1, 10_000]


def test_boxes_are_no_looser_than_sqlite_rounds_them():
    """SQLite's own insert rounds outwards too; ours is as tight or tighter, never inside."""
    bounds = random_boxes(2_000, seed=7)
    ours = load(bounds)
    theirs = sqlite3.connect(":memory:")
    theirs.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
    theirs.executemany(
        "INSERT INTO r VALUES (?, ?, ?, ?, ?)",
        [(i + 1, b[0], b[2], b[1], b[3]) for i, b in enumerate(bounds.tolist())],
    )
    mine = np.array(ours.execute("SELECT minx, maxx, miny, maxy FROM r ORDER BY id").fetchall())
    sqlites = np.array(
        theirs.execute("SELECT minx, maxx, miny, maxy FROM r ORDER BY id").fetchall()
    )
    true = bounds[:, [0, 2, 1, 3]]
    assert (mine[:, [0, 2]] <= true[:, [0, 2]]).all() and (mine[:, [1, 3]] >= true[:, [1, 3]]).all()
    assert (mine[:, [0, 2]] >= sqlites[:, [0, 2]]).all()
    assert (mine[:, [1, 3]] <= sqlites[:, [1, 3]]).all()


finite = st.floats(min_value=-1e30, max_value=1e30, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=50))
def test_rounding_is_outward_and_tight(values):
    values = np.array(values)
    down, up = round_down(values), round_up(values)
    assert (down.astype(np.float64) <= values).all()
    assert (up.astype(np.float64) >= values).all()
    # one step further would cross the value: the bound is the nearest 32-bit float
    assert (np.nextafter(down, np.float32(np.inf)).astype(np.float64) > values).all()
    assert (np.nextafter(up, np.float32(-np.inf)).astype(np.float64) < values).all()


boxes = st.tuples(finite, finite, st.floats(0, 1e3), st.floats(0, 1e3)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3])
)


@settings(max_examples=60, deadline=None)
@given(st.lists(boxes, min_size=0, max_size=300), boxes)
def test_any_boxes_give_a_sound_tree(box_list, probe):
    bounds = np.array(box_list, dtype=np.float64).reshape(-1, 4)
    con = load(bounds)
    assert check(con) == "ok"
    assert query(con, probe) == brute_force(bounds, probe)
