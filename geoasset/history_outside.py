"""Edits made by other programs (QGIS, GDAL, sqlite), recorded as a batch of their own.

Each inventory layer with history carries triggers (:func:`geoasset.history.install_edit_log`)
that copy every row another program updates or deletes, and the id of every row it
inserts, into ``geoasset_edits_<layer>``. The next time geoasset takes the inventory's
write lock (any import, update, history or diff), :func:`record_outside_edits` turns
that log into versions: the old row (from the log) is archived and closed, the new row
(from the layer) becomes the live version (``changed``, ``moved``, ``added``,
``removed``), all under one batch of kind ``outside edit`` ("edited outside geoasset")
in ``history`` and ``batches``. Rows added without an id get one (``POLE-000448``)
before they are recorded, so they are never billed as ``poles#447``.

A layer replaced wholesale by another program (``ogr2ogr -overwrite``) loses its
triggers; its ids are then compared with the live versions (added and removed assets
are recorded, and changed values where a version keeps its content hash: versions
written by a bulk import keep none), and the content of the versions it ended is not
known (archived as the id alone).

The ground date of an outside edit is the day it is found: changed and added rows start
that day (added rows: their own date field where given), removed rows end the day
before.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoasset.gpkg_tables import _geometry_column, _now, _quote, _table_exists
from geoasset.history import (
    EDITS_PREFIX,
    GEOMETRY_KEY,
    TRIGGER_PREFIX,
    VERSIONED_LAYERS,
    VERSIONS_TABLE,
    date_field,
    install_edit_log,
    iso_dates,
    live_versions,
    record_batch,
    row_hashes,
)
from geoasset.schema import LAYERS
from geoasset.validate import assign_ids

__all__ = ["record_outside_edits", "OUTSIDE_COMMAND", "gpkg_geometries"]

OUTSIDE_COMMAND = "edited outside geoasset"
log = logging.getLogger(__name__)

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_geometries(blobs) -> np.ndarray:
    """Shapely geometries from GeoPackage geometry blobs (``GP`` header + WKB).

    >>> import shapely
    >>> blob = b"GP\\x00\\x01" + b"\\x00" * 4 + shapely.to_wkb(shapely.Point(1, 2))
    >>> gpkg_geometries([blob, None])[0].wkt
    'POINT (1 2)'
    """
    out = np.full(len(blobs), None, dtype=object)
    for i, blob in enumerate(blobs):
        if blob is None or (not isinstance(blob, bytes | bytearray | memoryview)):
            continue
        blob = bytes(blob)
        if blob[:2] != b"GP" or len(blob) < 8:
            continue
        flags = blob[3]
        start = 8 + _ENVELOPE_BYTES.get((flags >> 1) & 0x07, 0)
        out[i] = shapely.from_wkb(blob[start:])
    return out


def _bounds(blob):
    geoms = gpkg_geometries([blob])
    if geoms[0] is None or geoms[0].is_empty:
        return None
    return shapely.bounds(geoms[0])


def spatial_functions(con: sqlite3.Connection) -> None:
    """The SQL functions GeoPackage R-tree triggers call (GDAL and QGIS provide them),
    so that an update of a layer from Python's sqlite keeps its index current."""
    con.create_function("ST_IsEmpty", 1, lambda b: 1 if _bounds(b) is None else 0)
    for i, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        con.create_function(
            name, 1, lambda b, i=i: None if (box := _bounds(b)) is None else float(box[i])
        )


def record_outside_edits(inventory) -> str | None:
    """Record what other programs changed since geoasset's last write; the batch id,
    or None when nothing changed. Runs under the inventory's write lock."""
    with contextlib.closing(inventory._connect()) as con:
        if not _table_exists(con, VERSIONS_TABLE):
            return None
        triggered = {
            row[0]
            for row in con.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                (TRIGGER_PREFIX + "%_update",),
            )
        }
        pending, lost = [], []
        for layer in VERSIONED_LAYERS:
            edits = EDITS_PREFIX + layer
            if not _table_exists(con, edits):
                continue
            if layer not in triggered:
                if _table_exists(con, layer):
                    lost.append(layer)
            elif con.execute(f"SELECT EXISTS (SELECT 1 FROM {_quote(edits)})").fetchone()[0]:  # noqa: S608
                pending.append(layer)
        if not pending and not lost:
            return None
        batch = _OutsideBatch()
        now = _now()
        today = datetime.now(UTC).date()
        spatial_functions(con)
        con.execute("BEGIN IMMEDIATE")
        try:
            summary = {}
            for layer in pending:
                summary[layer] = _from_log(con, layer, batch, now, today)
            for layer in lost:
                summary[layer] = _from_layer(con, layer, batch, now, today)
                install_edit_log(con, layer)
            from geoasset.store import HISTORY_COLUMNS, HISTORY_TABLE, _user

            for layer, counts in summary.items():
                con.execute(
                    f"INSERT INTO {HISTORY_TABLE} ({', '.join(_quote(c) for c in HISTORY_COLUMNS)}) "  # noqa: S608
                    "VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        batch.batch_id,
                        now,
                        _user(),
                        OUTSIDE_COMMAND,
                        "",
                        layer,
                        "outside edit",
                        counts.get("added", 0),
                        sum(v for k, v in counts.items() if k != "added"),
                        0,
                    ),
                )
            record_batch(con, batch, now, _user(), summary)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    log.warning(
        "%s: edits made outside geoasset recorded as batch %s (%s)",
        inventory.path,
        batch.batch_id,
        "; ".join(
            f"{layer}: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
            for layer, counts in summary.items()
        ),
    )
    return batch.batch_id


class _OutsideBatch:
    def __init__(self) -> None:
        self.batch_id = uuid.uuid4().hex[:12]
        self.command = OUTSIDE_COMMAND
        self.kind = "outside edit"
        self.ground_date = datetime.now(UTC).date().isoformat()
        self.meta: dict = {}


def _rows(con: sqlite3.Connection, sql: str, params=()) -> pd.DataFrame:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=names)


def _frame(rows: pd.DataFrame, geometry: str | None) -> gpd.GeoDataFrame:
    attributes = rows.drop(columns=[c for c in ("seq", "op", "row_fid", geometry) if c in rows])
    geoms = gpkg_geometries(rows[geometry].tolist()) if geometry in rows else [None] * len(rows)
    return gpd.GeoDataFrame(attributes.reset_index(drop=True), geometry=list(geoms), crs=4326)


def _content(row: pd.Series, geometry: str | None) -> str:
    data = {}
    for name, value in row.items():
        if name in ("seq", "op", "row_fid"):
            continue
        if name == geometry:
            data[GEOMETRY_KEY] = None if value is None else bytes(value).hex().upper()
        elif isinstance(value, bytes | bytearray | memoryview):
            data[name] = bytes(value).hex()
        elif value is None or (isinstance(value, float) and np.isnan(value)):
            data[name] = None
        else:
            data[name] = value.item() if hasattr(value, "item") else value
    return json.dumps(data, ensure_ascii=False)


def _from_log(con, layer: str, batch, now: str, today: date) -> dict[str, int]:
    spec = LAYERS[layer]
    edits = EDITS_PREFIX + layer
    geometry = _geometry_column(con, layer)
    key = [r[1] for r in con.execute(f"PRAGMA table_info({_quote(layer)})") if r[5]]
    fid = key[0] if key else "rowid"
    logged = _rows(con, f"SELECT * FROM {_quote(edits)} ORDER BY seq")  # noqa: S608
    first = logged.drop_duplicates("row_fid", keep="first").set_index("row_fid")
    touched = [int(f) for f in first.index]
    marks = ",".join("?" * len(touched))
    current = _rows(
        con,
        f"SELECT * FROM {_quote(layer)} WHERE {_quote(fid)} IN ({marks})",  # noqa: S608
        touched,
    )
    current = _give_ids(con, layer, spec, current, fid)
    current = current.set_index(fid, drop=False)
    live = live_versions(con, layer).drop_duplicates("asset_id", keep="last")
    live_at = {a: i for i, a in enumerate(live["asset_id"])}
    yesterday = (today - timedelta(days=1)).isoformat()
    counts = {"added": 0, "moved": 0, "changed": 0, "moved+changed": 0, "removed": 0}
    closes: list[tuple] = []  # (version index in live, content, valid_to, change)
    inserts: list[tuple] = []  # (asset id, change, valid_from, attr hash, geom hash)
    new_rows = _frame(current.reset_index(drop=True), geometry)
    new_attr, new_geom = row_hashes(new_rows, spec) if len(new_rows) else ([], [])
    position = {int(f): i for i, f in enumerate(current[fid])}
    dates = date_field(layer)
    for row_fid in touched:
        entry = first.loc[row_fid]
        old = None if entry["op"] == "insert" else entry
        old_id = None if old is None else _text(old.get(spec.id_field))
        at = position.get(row_fid)
        new_id = None if at is None else _text(current.iloc[at][spec.id_field])
        if old_id is not None and old_id in live_at and new_id != old_id:
            closes.append((live_at[old_id], _content(old, geometry), yesterday, "removed"))
            counts["removed"] += 1
        if at is None or new_id is None:
            continue
        if new_id != old_id or old_id not in live_at:
            if new_id in live_at and new_id != old_id:
                log.warning("%s: id %r is used twice; the repeat is not versioned", layer, new_id)
                continue
            start = None
            if dates in current.columns:
                start = iso_dates([current.iloc[at][dates]])[0]
            inserts.append((new_id, "added", start, int(new_attr[at]), int(new_geom[at])))
            counts["added"] += 1
            continue
        # the row before the edit (from the log) against the row now
        old_attr, old_geom = row_hashes(_frame(pd.DataFrame([old]), geometry), spec)
        attr_diff = int(old_attr[0]) != int(new_attr[at])
        geom_diff = int(old_geom[0]) != int(new_geom[at])
        if not (attr_diff or geom_diff):
            continue
        change = "moved+changed" if attr_diff and geom_diff else "moved" if geom_diff else "changed"
        counts[change] += 1
        closes.append((live_at[old_id], _content(old, geometry), yesterday, "closed"))
        inserts.append((new_id, change, today.isoformat(), int(new_attr[at]), int(new_geom[at])))
    _write(con, layer, live, closes, inserts, batch, now)
    con.execute(f"DELETE FROM {_quote(edits)}")  # noqa: S608
    return counts


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _give_ids(con, layer, spec, current: pd.DataFrame, fid: str) -> pd.DataFrame:
    """Rows another program added without an id get the next free one (never an id a
    retired asset had)."""
    ids = current[spec.id_field] if spec.id_field in current else pd.Series(dtype=object)
    blank = [i for i, v in enumerate(ids) if _text(v) is None]
    if not blank:
        return current
    used = [r[0] for r in con.execute(f"SELECT {_quote(spec.id_field)} FROM {_quote(layer)}")]  # noqa: S608
    used += [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT asset_id FROM {VERSIONS_TABLE} WHERE layer = ?",  # noqa: S608
            (layer,),
        )
    ]
    frame = gpd.GeoDataFrame({spec.id_field: [None] * len(blank)}, geometry=[None] * len(blank))
    given = assign_ids(frame, spec, existing_ids=[u for u in used if u is not None])
    current = current.copy()
    for pos, new_id in zip(blank, given[spec.id_field], strict=True):
        current.iloc[pos, current.columns.get_loc(spec.id_field)] = new_id
        con.execute(
            f"UPDATE {_quote(layer)} SET {_quote(spec.id_field)} = ? WHERE {_quote(fid)} = ?",  # noqa: S608
            (new_id, int(current.iloc[pos][fid])),
        )
        log.warning("%s: a row added outside geoasset had no id; it is now %s", layer, new_id)
    return current


def _write(con, layer, live, closes, inserts, batch, now) -> None:
    for index, content, valid_to, change in closes:
        version = live.iloc[index]
        vid = int(version["version_id"])
        con.execute(
            f"UPDATE {VERSIONS_TABLE} SET superseded_at = ?, superseded_by = ?, content = ? "  # noqa: S608
            "WHERE version_id = ?",
            (now, batch.batch_id, content, vid),
        )
        con.execute(
            f"INSERT INTO {VERSIONS_TABLE} (layer, asset_id, change, valid_from, valid_to, "  # noqa: S608
            "recorded_at, batch_id, attr_hash, geom_hash, content) SELECT layer, asset_id, ?, "
            "valid_from, ?, ?, ?, attr_hash, geom_hash, content FROM "
            f"{VERSIONS_TABLE} WHERE version_id = ?",
            (change, valid_to, now, batch.batch_id, vid),
        )
    con.executemany(
        f"INSERT INTO {VERSIONS_TABLE} (layer, asset_id, change, valid_from, recorded_at, "  # noqa: S608
        "batch_id, attr_hash, geom_hash) VALUES (?,?,?,?,?,?,?,?)",
        [(layer, a, c, f, now, batch.batch_id, h, g) for a, c, f, h, g in inserts],
    )


def _from_layer(con, layer: str, batch, now: str, today: date) -> dict[str, int]:
    """A layer that lost its triggers: compare every row with the live versions."""
    spec = LAYERS[layer]
    geometry = _geometry_column(con, layer)
    key = [r[1] for r in con.execute(f"PRAGMA table_info({_quote(layer)})") if r[5]]
    fid = key[0] if key else "rowid"
    rows = _rows(con, f"SELECT * FROM {_quote(layer)}")  # noqa: S608
    rows = _give_ids(con, layer, spec, rows, fid)
    frame = _frame(rows, geometry)
    attr, geom = row_hashes(frame, spec)
    live = live_versions(con, layer).drop_duplicates("asset_id", keep="last")
    live_at = {a: i for i, a in enumerate(live["asset_id"])}
    yesterday = (today - timedelta(days=1)).isoformat()
    counts = {"added": 0, "moved": 0, "changed": 0, "moved+changed": 0, "removed": 0}
    closes, inserts, seen = [], [], set()
    for i, value in enumerate(frame[spec.id_field]):
        asset = _text(value)
        if asset is None or asset in seen:
            continue
        seen.add(asset)
        lost = json.dumps({spec.id_field: asset, "content": "not known"})
        if asset not in live_at:
            inserts.append((asset, "added", None, int(attr[i]), int(geom[i])))
            counts["added"] += 1
            continue
        version = live.iloc[live_at[asset]]
        if pd.isna(version["attr_hash"]) or pd.isna(version["geom_hash"]):
            continue  # no hash kept for it: a value changed by a replacement goes unseen
        a, g = int(version["attr_hash"]) != int(attr[i]), int(version["geom_hash"]) != int(geom[i])
        if a or g:
            change = "moved+changed" if a and g else "moved" if g else "changed"
            counts[change] += 1
            closes.append((live_at[asset], lost, yesterday, "closed"))
            inserts.append((asset, change, today.isoformat(), int(attr[i]), int(geom[i])))
    for asset, index in live_at.items():
        if asset not in seen:
            lost = json.dumps({spec.id_field: asset, "content": "not known"})
            closes.append((index, lost, yesterday, "removed"))
            counts["removed"] += 1
    _write(con, layer, live, closes, inserts, batch, now)
    return counts
