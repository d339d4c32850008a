"""GeoPackage tables seen from SQLite: exists, stamp, triggers, drop and rename.

A GeoPackage table is more than its SQLite table: registry rows (``gpkg_contents``,
``gpkg_geometry_columns``, ``gpkg_extensions``, ``gpkg_ogr_contents``), an R-tree and
the triggers that keep it current. These helpers move all of them together; the store
calls them inside its own transactions.

>>> import sqlite3
>>> con = sqlite3.connect(":memory:")
>>> _ = con.execute("CREATE TABLE t (a)")
>>> _table_exists(con, "t"), _quote('odd"name')
(True, '"odd""name"')
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

__all__ = ["GPKG_REGISTRIES", "STAGING_PREFIX"]

STAGING_PREFIX = "geoasset_staging_"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _table_stamp(con: sqlite3.Connection, table: str) -> tuple | None:
    """(last change, rows, largest row id) of ``table``, or None if it does not exist."""
    if not _table_exists(con, table):
        return None
    (changed,) = con.execute(
        "SELECT max(last_change) FROM gpkg_contents WHERE table_name = ?", (table,)
    ).fetchone()
    rows, largest = con.execute(f"SELECT count(*), max(rowid) FROM {_quote(table)}").fetchone()  # noqa: S608
    return changed, rows, largest


def _listed_tables(con: sqlite3.Connection) -> list[str]:
    """The tables a GeoPackage lists (``gpkg_contents``) that exist, in the order GDAL
    lists them (feature tables first); raises :class:`sqlite3.DatabaseError` if the file
    is not a GeoPackage."""
    rows = con.execute(
        "SELECT c.table_name FROM gpkg_contents c JOIN sqlite_master m "
        "ON m.name = c.table_name AND m.type IN ('table', 'view') "
        "ORDER BY c.data_type != 'features', c.rowid"
    ).fetchall()
    return [str(name) for (name,) in rows]


def _row_count(con: sqlite3.Connection, table: str) -> int:
    (rows,) = con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()  # noqa: S608
    return int(rows)


def _triggers(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).fetchall()


def _geometry_column(con: sqlite3.Connection, table: str) -> str | None:
    row = con.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
    ).fetchone()
    return row[0] if row else None


def _table_exists(con: sqlite3.Connection, table: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return row is not None


GPKG_REGISTRIES = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions", "gpkg_ogr_contents")


def _drop_table(con: sqlite3.Connection, table: str) -> None:
    """Drop a GeoPackage table with its triggers, R-tree index and registry rows."""
    for name, _ in _triggers(con, table):
        con.execute(f"DROP TRIGGER {_quote(name)}")
    geom = _geometry_column(con, table)
    if geom and _table_exists(con, f"rtree_{table}_{geom}"):
        con.execute(f"DROP TABLE {_quote(f'rtree_{table}_{geom}')}")
    if _table_exists(con, table):
        con.execute(f"DROP TABLE {_quote(table)}")
    for registry in reversed(GPKG_REGISTRIES):
        if _table_exists(con, registry):
            con.execute(f"DELETE FROM {registry} WHERE table_name = ?", (table,))  # noqa: S608


def _rename_table(con: sqlite3.Connection, old: str, new: str) -> None:
    """Rename a GeoPackage table with its R-tree, triggers and registry rows."""
    triggers = _triggers(con, old)
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER {_quote(name)}")
    geom = _geometry_column(con, old)
    con.execute(f"ALTER TABLE {_quote(old)} RENAME TO {_quote(new)}")
    if geom and _table_exists(con, f"rtree_{old}_{geom}"):
        con.execute(
            f"ALTER TABLE {_quote(f'rtree_{old}_{geom}')} RENAME TO {_quote(f'rtree_{new}_{geom}')}"
        )
    con.execute(
        "UPDATE gpkg_contents SET table_name = ?, identifier = ?, last_change = ? WHERE table_name = ?",
        (new, new, _now(), old),
    )
    for registry in GPKG_REGISTRIES[1:]:
        if _table_exists(con, registry):
            con.execute(f"UPDATE {registry} SET table_name = ? WHERE table_name = ?", (new, old))  # noqa: S608
    for _, sql in triggers:
        con.execute(sql.replace(old, new))
