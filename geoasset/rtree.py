"""Bulk-pack a GeoPackage spatial index: envelopes in, SQLite R-tree shadow rows out.

A GeoPackage spatial index is an SQLite R-tree virtual table
``rtree_<table>_<geom>(id, minx, maxx, miny, maxy)`` whose content lives in three
ordinary *shadow* tables:

- ``<rtree>_node(nodeno, data)``: one row per tree node. ``data`` is a fixed-size blob:
  2 bytes tree depth (root node only, big-endian), 2 bytes cell count, then the cells,
  each an 8-byte big-endian integer (row id in a leaf, child node number otherwise)
  followed by ``minx, maxx, miny, maxy`` as big-endian 32-bit floats. The root is
  node 1.
- ``<rtree>_rowid(rowid, nodeno)``: the leaf node of every indexed row.
- ``<rtree>_parent(nodeno, parentnode)``: the parent of every node except the root.

(File format as documented at the top of SQLite's ``ext/rtree/rtree.c``.)

Inserting a million rows through the virtual table splits nodes one row at a time.
:func:`pack_rtree` instead builds the whole tree at once with Sort-Tile-Recursive
packing (Leutenegger, Lopez & Edgington, 1997) and returns the shadow rows for the
store to insert. Coordinates are rounded outwards to 32-bit floats, so every stored box
contains its geometry, as SQLite itself does on insert.

Examples
--------
>>> import numpy as np
>>> packed = pack_rtree(np.array([1, 2, 3]), np.array([[0.0, 0.0, 1.0, 1.0],
...     [2.0, 2.0, 2.0, 2.0], [5.0, 0.5, 6.0, 1.5]]), node_size=1228)
>>> packed.depth, len(packed.nodes), len(packed.rowids)
(0, 1, 3)
>>> nodeno, blob = packed.nodes[0]
>>> nodeno, len(blob), int.from_bytes(blob[2:4], "big")
(1, 1228, 3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CELL_DTYPE", "PackedRTree", "node_capacity", "pack_rtree", "round_down", "round_up"]

# One cell of a two-dimensional R-tree node: id, minx, maxx, miny, maxy (big-endian).
CELL_DTYPE = np.dtype(
    [("id", ">i8"), ("minx", ">f4"), ("maxx", ">f4"), ("miny", ">f4"), ("maxy", ">f4")]
)
NODE_HEADER_BYTES = 4


@dataclass(frozen=True)
class PackedRTree:
    """The shadow-table rows of a packed R-tree.

    ``nodes`` holds ``(nodeno, blob)`` pairs (root first), ``rowids`` an ``(n, 2)`` array of
    ``(rowid, leaf nodeno)`` and ``parents`` an ``(m, 2)`` array of ``(nodeno, parent)``.
    ``depth`` is the number of levels below the root (0: the root is a leaf).
    """

    nodes: list[tuple[int, bytes]]
    rowids: np.ndarray
    parents: np.ndarray
    depth: int


def node_capacity(node_size: int) -> int:
    """Cells that fit in a node blob of ``node_size`` bytes.

    >>> node_capacity(1228)   # SQLite's default for a 2-D tree on 4 KiB pages
    51
    """
    capacity = (node_size - NODE_HEADER_BYTES) // CELL_DTYPE.itemsize
    if capacity < 2:
        raise ValueError(f"node_size {node_size} holds fewer than 2 cells")
    return capacity


def round_down(values: np.ndarray) -> np.ndarray:
    """The largest 32-bit floats not above ``values``.

    >>> float(round_down(np.array([0.1]))[0]) <= 0.1
    True
    """
    values = np.asarray(values, dtype=np.float64)
    single = values.astype(np.float32)
    above = single.astype(np.float64) > values
    single[above] = np.nextafter(single[above], np.float32(-np.inf))
    return single


def round_up(values: np.ndarray) -> np.ndarray:
    """The smallest 32-bit floats not below ``values``.

    >>> float(round_up(np.array([0.1]))[0]) >= 0.1
    True
    """
    values = np.asarray(values, dtype=np.float64)
    single = values.astype(np.float32)
    below = single.astype(np.float64) < values
    single[below] = np.nextafter(single[below], np.float32(np.inf))
    return single


def pack_rtree(ids: np.ndarray, bounds: np.ndarray, *, node_size: int) -> PackedRTree:
    """Pack row ``ids`` with their ``bounds`` (``minx, miny, maxx, maxy`` rows) into an R-tree.

    Rows whose bounds contain NaN (null or empty geometries) are left out, as a
    GeoPackage index leaves them out. ``node_size`` is the byte length of the existing
    root node blob of the target R-tree (SQLite fixes it when the table is created).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xy = rng.uniform(0, 100, (1000, 2))
    >>> packed = pack_rtree(np.arange(1, 1001), np.hstack([xy, xy]), node_size=1228)
    >>> packed.depth, len(packed.rowids), sorted(set(packed.rowids[:, 1]))[:2]
    (1, 1000, [2, 3])
    """
    capacity = node_capacity(node_size)
    ids = np.asarray(ids, dtype=np.int64)
    bounds = np.asarray(bounds, dtype=np.float64).reshape(-1, 4)
    if len(ids) != len(bounds):
        raise ValueError(f"{len(ids)} ids but {len(bounds)} bounds")
    keep = ~np.isnan(bounds).any(axis=1)
    cells = np.empty(int(keep.sum()), dtype=CELL_DTYPE)
    cells["id"] = ids[keep]
    cells["minx"] = round_down(bounds[keep, 0])
    cells["miny"] = round_down(bounds[keep, 1])
    cells["maxx"] = round_up(bounds[keep, 2])
    cells["maxy"] = round_up(bounds[keep, 3])

    levels: list[tuple[np.ndarray, np.ndarray]] = []  # (cells in node order, node of each)
    while True:
        cells = cells[_str_order(cells, capacity)]
        node_of_cell = np.arange(len(cells)) // capacity
        levels.append((cells, node_of_cell))
        if len(cells) <= capacity:
            break
        cells = _parent_cells(cells, node_of_cell)

    # Number the nodes top-down so the root is node 1 and children follow their parents.
    counts = [max(1, math.ceil(len(level_cells) / capacity)) for level_cells, _ in levels]
    first_nodeno, next_no = [0] * len(levels), 1
    for level in range(len(levels) - 1, -1, -1):
        first_nodeno[level] = next_no
        next_no += counts[level]

    depth = len(levels) - 1
    nodes: list[tuple[int, bytes]] = []
    parents: list[np.ndarray] = []
    for level in range(len(levels) - 1, -1, -1):
        level_cells, node_of_cell = levels[level]
        if level > 0:  # cell ids of an inner level are indexes of child nodes one level down
            level_cells = level_cells.copy()
            child_index = level_cells["id"]
            level_cells["id"] = child_index + first_nodeno[level - 1]
            parents.append(np.column_stack([level_cells["id"], node_of_cell + first_nodeno[level]]))
        header_depth = depth if level == depth else 0
        nodes.extend(
            _node_blobs(level_cells, counts[level], first_nodeno[level], node_size, header_depth)
        )
    leaf_cells, leaf_node = levels[0]
    rowids = np.column_stack([leaf_cells["id"].astype(np.int64), leaf_node + first_nodeno[0]])
    parent_rows = np.vstack(parents) if parents else np.empty((0, 2), dtype=np.int64)
    return PackedRTree(
        nodes=nodes, rowids=rowids, parents=parent_rows.astype(np.int64), depth=depth
    )


def _str_order(cells: np.ndarray, capacity: int) -> np.ndarray:
    """Sort-Tile-Recursive order: vertical slices by x centre, then by y centre within."""
    n = len(cells)
    if n <= capacity:
        return np.arange(n)
    cx = cells["minx"].astype(np.float64) + cells["maxx"].astype(np.float64)
    cy = cells["miny"].astype(np.float64) + cells["maxy"].astype(np.float64)
    leaves = math.ceil(n / capacity)
    per_slice = math.ceil(math.sqrt(leaves)) * capacity
    by_x = np.argsort(cx, kind="stable")
    slice_of = np.empty(n, dtype=np.int64)
    slice_of[by_x] = np.arange(n) // per_slice
    return np.lexsort((cy, slice_of))


def _parent_cells(cells: np.ndarray, node_of_cell: np.ndarray) -> np.ndarray:
    """One cell per node: the node's index as id and the union of its cells' boxes."""
    starts = np.flatnonzero(np.r_[True, node_of_cell[1:] != node_of_cell[:-1]])
    parent = np.empty(len(starts), dtype=CELL_DTYPE)
    parent["id"] = np.arange(len(starts))
    for name, reduce in (
        ("minx", np.minimum),
        ("miny", np.minimum),
        ("maxx", np.maximum),
        ("maxy", np.maximum),
    ):
        parent[name] = reduce.reduceat(cells[name].astype(np.float32), starts)
    return parent


def _node_blobs(
    cells: np.ndarray, count: int, first_nodeno: int, node_size: int, header_depth: int
) -> list[tuple[int, bytes]]:
    """Blobs of ``count`` consecutive nodes holding ``cells`` in order, ``capacity`` per node.

    Every node is full except the last; unused cell slots stay zero, as in SQLite.
    """
    capacity = node_capacity(node_size)
    body = np.zeros(count * capacity, dtype=CELL_DTYPE)
    body[: len(cells)] = cells
    per_node = np.minimum(capacity, len(cells) - np.arange(count) * capacity).clip(0)
    pages = np.zeros((count, node_size), dtype=np.uint8)
    pages[:, 0:2] = np.frombuffer(int(header_depth).to_bytes(2, "big"), dtype=np.uint8)
    pages[:, 2:4] = per_node.astype(">u2").view(np.uint8).reshape(count, 2)
    width = capacity * CELL_DTYPE.itemsize
    pages[:, NODE_HEADER_BYTES : NODE_HEADER_BYTES + width] = body.view(np.uint8).reshape(
        count, width
    )
    return [(first_nodeno + i, pages[i].tobytes()) for i in range(count)]
