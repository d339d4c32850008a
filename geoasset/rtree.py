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
    >>> packed.depth, len(packed.nodes), len(packed.rowids)
    (1, 21, 1000)
    """
    capacity = node_capacity(node_size)
    ids = np.asarray(ids, dtype=np.int64)
    bounds = np.asarray(bounds, dtype=np.float64).reshape(-1, 4)
    if len(ids) != len(bounds):
        raise ValueError(f"{len(ids)} ids but {len(bounds)} bounds")
    keep = ~np.isnan(bounds).any(axis=1)
    # Boxes are held in cell order (minx, maxx, miny, maxy) as 32-bit floats.
    boxes = np.column_stack(
        [
            round_down(bounds[keep, 0]),
            round_up(bounds[keep, 2]),
            round_down(bounds[keep, 1]),
            round_up(bounds[keep, 3]),
        ]
    )
    entries = ids[keep]

    # Bottom-up: each level is the cells of one tree level in node order, `capacity` per
    # node; the ids of an inner level are indexes of nodes of the level below.
    levels: list[tuple[np.ndarray, np.ndarray]] = []
    while True:
        order = _str_order(boxes, capacity)
        entries, boxes = entries[order], boxes[order]
        levels.append((entries, boxes))
        if len(entries) <= capacity:
            break
        boxes = _node_boxes(boxes, capacity)
        entries = np.arange(len(boxes), dtype=np.int64)

    # Number the nodes top-down: the root is node 1, each level follows the one above.
    counts = [max(1, math.ceil(len(e) / capacity)) for e, _ in levels]
    first = np.cumsum([1, *counts[::-1]])[:-1][::-1]  # first node number of each level
    depth = len(levels) - 1
    nodes: list[tuple[int, bytes]] = []
    parents = []
    for level in range(depth, -1, -1):
        entries, boxes = levels[level]
        node_of = np.arange(len(entries)) // capacity + first[level]
        if level > 0:
            entries = entries + first[level - 1]
            parents.append(np.column_stack([entries, node_of]))
        header_depth = depth if level == depth else 0
        nodes += _node_blobs(
            entries, boxes, counts[level], int(first[level]), node_size, header_depth
        )
    leaves, _ = levels[0]
    rowids = np.column_stack([leaves, np.arange(len(leaves)) // capacity + first[0]])
    return PackedRTree(
        nodes=nodes,
        rowids=rowids.astype(np.int64),
        parents=np.vstack(parents).astype(np.int64) if parents else np.empty((0, 2), np.int64),
        depth=depth,
    )


def _str_order(boxes: np.ndarray, capacity: int) -> np.ndarray:
    """Sort-Tile-Recursive order: vertical slices by x centre, then by y centre within."""
    n = len(boxes)
    if n <= capacity:
        return np.arange(n)
    per_slice = math.ceil(math.sqrt(math.ceil(n / capacity))) * capacity
    slices = math.ceil(n / per_slice)
    by_x = np.argsort(boxes[:, 0] + boxes[:, 1])
    # Each slice is a run of `per_slice` boxes in x order; sort every run by y centre at
    # once as the rows of one array (the last run padded with +inf, which sorts last).
    cy = np.full(slices * per_slice, np.inf, dtype=np.float32)
    cy[:n] = boxes[by_x, 2] + boxes[by_x, 3]
    within = np.argsort(cy.reshape(slices, per_slice), axis=1)
    positions = (within + np.arange(slices)[:, None] * per_slice).ravel()
    return by_x[positions[positions < n]]


def _node_boxes(boxes: np.ndarray, capacity: int) -> np.ndarray:
    """The box around each consecutive group of ``capacity`` boxes."""
    starts = np.arange(0, len(boxes), capacity)
    return np.column_stack(
        [
            np.minimum.reduceat(boxes[:, 0], starts),
            np.maximum.reduceat(boxes[:, 1], starts),
            np.minimum.reduceat(boxes[:, 2], starts),
            np.maximum.reduceat(boxes[:, 3], starts),
        ]
    )


def _node_blobs(
    entries: np.ndarray,
    boxes: np.ndarray,
    count: int,
    first_nodeno: int,
    node_size: int,
    header_depth: int,
) -> list[tuple[int, bytes]]:
    """Blobs of ``count`` consecutive nodes holding the cells in order, full but the last.

    Unused cell slots stay zero, as in SQLite.
    """
    capacity = node_capacity(node_size)
    cells = np.zeros(count * capacity, dtype=CELL_DTYPE)
    cells["id"][: len(entries)] = entries
    for column, name in enumerate(("minx", "maxx", "miny", "maxy")):
        cells[name][: len(entries)] = boxes[:, column]
    per_node = np.clip(len(entries) - np.arange(count) * capacity, 0, capacity)
    pages = np.zeros((count, node_size), dtype=np.uint8)
    pages[:, 0:2] = np.frombuffer(int(header_depth).to_bytes(2, "big"), dtype=np.uint8)
    pages[:, 2:4] = per_node.astype(">u2").view(np.uint8).reshape(count, 2)
    width = capacity * CELL_DTYPE.itemsize
    pages[:, NODE_HEADER_BYTES : NODE_HEADER_BYTES + width] = cells.view(np.uint8).reshape(
        count, width
    )
    return [(first_nodeno + i, pages[i].tobytes()) for i in range(count)]
