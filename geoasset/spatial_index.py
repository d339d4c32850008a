"""The spatial index of a freshly written layer, packed by the store rather than GDAL.

GDAL builds a GeoPackage R-tree on one thread; the store packs it in one go
(:mod:`geoasset.rtree`) and copies the index's triggers and ``gpkg_extensions`` row from
the layer it replaces (or, for a layer new to the file, from another layer GDAL
indexed), so any GeoPackage tool that edits the layer later keeps the index current.
The store builds the index under the layer's own name in the transaction that puts the
staged table in place: renaming an R-tree (four tables) would cost SQLite as much as
the rest of a small write.

>>> import sqlite3
>>> _index_template(sqlite3.connect(":memory:"), "poles", "staging") is None
Traceback (most recent call last):
...
sqlite3.OperationalError: no such table: gpkg_geometry_columns
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import numpy as np

from geoasset.errors import InventoryError
from geoasset.gpkg_tables import (
    STAGING_PREFIX,
    _geometry_column,
    _quote,
    _table_exists,
    _triggers,
)
from geoasset.rtree import pack_rtree

__all__: list[str] = []


@dataclass(frozen=True)
class _IndexTemplate:
    """The spatial index GDAL gave an existing layer, restated for a new table."""

    geometry_column: str
    fid_column: str
    triggers: list[str]  # the R-tree maintenance triggers, rewritten for the new table
    extension: tuple  # the gpkg_extensions row: extension_name, definition, scope


def _index_template(con: sqlite3.Connection, layer: str, table: str) -> _IndexTemplate | None:
    """``layer``'s GDAL R-tree index restated for ``table``, or None if it has none.

    None also when the trigger text cannot be rewritten unambiguously; GDAL then builds
    the new table's index itself. With ``table == layer`` the triggers are the layer's own.
    """
    geom = _geometry_column(con, layer)
    if geom is None or not _table_exists(con, f"rtree_{layer}_{geom}"):
        return None
    registered = con.execute(
        "SELECT extension_name, definition, scope FROM gpkg_extensions WHERE table_name = ? "
        "AND column_name = ? AND extension_name = 'gpkg_rtree_index'",
        (layer, geom),
    ).fetchone()
    prefix = f"rtree_{layer}_{geom}_"
    triggers = [sql for name, sql in _triggers(con, layer) if name.startswith(prefix)]
    keys = [row[1] for row in con.execute(f"PRAGMA table_info({_quote(layer)})") if row[5]]
    if not registered or not triggers or len(keys) != 1:
        return None
    if table == layer:
        return _IndexTemplate(geom, keys[0], triggers, tuple(registered))
    # Names appear quoted in GDAL's trigger text: "rtree_<layer>_<geom>..." and ON "<layer>".
    old_rtree, new_rtree = (
        _quote(f"rtree_{layer}_{geom}")[:-1],
        _quote(f"rtree_{table}_{geom}")[:-1],
    )
    old_on, new_on = f"ON {_quote(layer)}", f"ON {_quote(table)}"
    rewritten = [sql.replace(old_rtree, new_rtree).replace(old_on, new_on) for sql in triggers]
    if any(old_rtree in sql or _quote(layer) in sql for sql in rewritten):
        return None
    return _IndexTemplate(geom, keys[0], rewritten, tuple(registered))


def _borrowed_template(con: sqlite3.Connection, table: str) -> _IndexTemplate | None:
    """For a layer new to the file: the spatial index of another layer GDAL indexed,
    restated for ``table`` (GDAL gives every layer the same kind of index), or None."""
    siblings = con.execute(
        "SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index' "
        "AND table_name NOT LIKE ? ORDER BY table_name",
        (STAGING_PREFIX + "%",),
    ).fetchall()
    for (sibling,) in siblings:
        template = _index_template(con, sibling, table)
        if template is not None:
            return template
    return None


def _create_spatial_index(
    con: sqlite3.Connection, table: str, bounds: np.ndarray, template: _IndexTemplate
) -> None:
    """Give the freshly written ``table`` the spatial index of ``template``, as GDAL makes it.

    The R-tree is packed in one go (:mod:`geoasset.rtree`) from ``bounds``, the
    ``minx, miny, maxx, maxy`` of each row in the order GDAL wrote them (fid 1, 2, ...).
    The triggers and the ``gpkg_extensions`` row are the template's, already restated
    for ``table``, so later edits by any GeoPackage tool keep the index current. Runs in
    the caller's transaction.
    """
    geom, fid = template.geometry_column, template.fid_column
    rtree = f"rtree_{table}_{geom}"
    # GDAL numbered the rows 1, 2, ... in frame order (a fresh AUTOINCREMENT table);
    # min and max come straight from the primary key, without a scan.
    count = len(bounds)
    first, last = con.execute(
        f"SELECT (SELECT min({_quote(fid)}) FROM {_quote(table)}), "  # noqa: S608
        f"(SELECT max({_quote(fid)}) FROM {_quote(table)})"
    ).fetchone()
    if (first, last) != ((1, count) if count else (None, None)):
        raise InventoryError(
            f"{table}: rows numbered {first}..{last}, expected 1..{count}; "
            "cannot index them in frame order"
        )
    con.execute(f"CREATE VIRTUAL TABLE {_quote(rtree)} USING rtree(id, minx, maxx, miny, maxy)")
    (node_size,) = con.execute(
        f"SELECT length(data) FROM {_quote(rtree + '_node')} WHERE nodeno = 1"  # noqa: S608
    ).fetchone()
    packed = pack_rtree(np.arange(1, count + 1), bounds, node_size=node_size)
    for shadow in ("node", "rowid", "parent"):
        con.execute(f"DELETE FROM {_quote(f'{rtree}_{shadow}')}")  # noqa: S608
    con.executemany(f"INSERT INTO {_quote(rtree + '_node')} VALUES (?, ?)", packed.nodes)  # noqa: S608
    # fid -> leaf node as one JSON array (0: not indexed): far faster than executemany
    leaf = np.zeros(count, dtype=np.int64)
    leaf[packed.rowids[:, 0] - 1] = packed.rowids[:, 1]
    con.execute(
        f"INSERT INTO {_quote(rtree + '_rowid')} (rowid, nodeno) "  # noqa: S608
        "SELECT key + 1, value FROM json_each(?) WHERE value > 0",
        (json.dumps(leaf.tolist()),),
    )
    con.executemany(
        f"INSERT INTO {_quote(rtree + '_parent')} VALUES (?, ?)",  # noqa: S608
        packed.parents.tolist(),
    )
    con.execute(
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, "
        "scope) VALUES (?, ?, ?, ?, ?)",
        (table, geom, *template.extension),
    )
    for trigger in template.triggers:
        con.execute(trigger)
