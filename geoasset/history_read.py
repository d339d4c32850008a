"""Reading the asset history: a layer as of a date, one asset's versions, a period.

Two clocks (:mod:`geoasset.history`):

* **ground** (default): the inventory as it now knows the ground was on a day: the
  versions standing that day (``valid_from`` ≤ day ≤ ``valid_to``), corrections made
  since included;
* **recorded** (``recorded=True``): the inventory exactly as it was held at an instant
  (the versions recorded by then and not yet superseded), standing on that instant's day.
  A date alone means the end of that day (UTC).

A layer without any history (an inventory made before history was kept) reads as its
current rows.

Examples
--------
>>> import os, tempfile, geopandas as gpd
>>> from shapely import Point
>>> from geoasset.store import Batch, create_inventory
>>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "h.gpkg"))
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"],
...     "surveyed_on": ["2025-11-01"]}, geometry=[Point(123.6, -10.17)], crs=4326)
>>> inv.write({"poles": poles}, batch=Batch(command="doctest"))
>>> len(read_as_of(inv, "poles", "2025-10-31")), len(read_as_of(inv, "poles", "2026-01-01"))
(0, 1)
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio

from geoasset.gpkg_tables import _table_exists
from geoasset.history import BATCHES_TABLE, GEOMETRY_KEY, VERSIONS_TABLE, iso_dates
from geoasset.history_outside import gpkg_geometries
from geoasset.schema import LAYERS
from geoasset.tariffs import parse_date

__all__ = ["read_as_of", "read_for_period", "asset_history", "instant"]

_VERSION_COLUMNS = (
    "version_id, layer, asset_id, change, valid_from, valid_to, recorded_at, superseded_at, "
    "batch_id, superseded_by, content"
)


def instant(value) -> str:
    """A record-time bound as stored (``...Z``): a date means the end of that day.

    >>> instant("2026-06-30"), instant("2026-06-30T08:00:00")
    ('2026-06-30T23:59:59.999999Z', '2026-06-30T08:00:00.000000Z')
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return f"{value.isoformat()}T23:59:59.999999Z"
    else:
        text = str(value).strip().replace(" ", "T").removesuffix("Z")
        if "T" not in text:
            return f"{parse_date(text).isoformat()}T23:59:59.999999Z"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        from datetime import UTC

        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, str) and "T" in value:
        return value[:10]
    return parse_date(value).isoformat()


def _select(inventory, layer: str, where: list[str], params: list) -> pd.DataFrame:
    with contextlib.closing(inventory._connect()) as con:
        if not _table_exists(con, VERSIONS_TABLE):
            return pd.DataFrame(columns=[c.strip() for c in _VERSION_COLUMNS.split(",")])
        cursor = con.execute(
            f"SELECT {_VERSION_COLUMNS} FROM {VERSIONS_TABLE} WHERE layer = ? AND "  # noqa: S608
            + " AND ".join(where)
            + " ORDER BY version_id",
            [layer, *params],
        )
        names = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=names)


def has_history(inventory, layer: str) -> bool:
    with contextlib.closing(inventory._connect()) as con:
        if not _table_exists(con, VERSIONS_TABLE):
            return False
        row = con.execute(
            f"SELECT 1 FROM {VERSIONS_TABLE} WHERE layer = ? LIMIT 1",  # noqa: S608
            (layer,),
        ).fetchone()
        return row is not None


def _known(recorded_at: str | None) -> tuple[list[str], list]:
    """What the inventory held (now, or at ``recorded_at``); ``deleted`` markers (a row
    deleted by another program) stand on no ground day."""
    if recorded_at is None:
        return ["superseded_at IS NULL", "change <> 'deleted'"], []
    return [
        "recorded_at <= ?",
        "(superseded_at IS NULL OR superseded_at > ?)",
        "change <> 'deleted'",
    ], [recorded_at, recorded_at]


def versions_as_of(inventory, layer: str, when, *, recorded: bool = False) -> pd.DataFrame:
    """The version rows making up ``layer`` as of ``when`` (see the module docstring)."""
    where, params = _known(instant(when) if recorded else None)
    day = _day(when)
    where += ["(valid_from IS NULL OR valid_from <= ?)", "(valid_to IS NULL OR valid_to >= ?)"]
    return _select(inventory, layer, where, [*params, day, day])


def materialise(
    inventory, layer: str, versions: pd.DataFrame, reader=None, current=None
) -> gpd.GeoDataFrame:
    """The rows of ``versions``: live ones from the layer (read by ``reader(inventory,
    layer)``, default ``inventory.read``), ended ones from their archive.

    Date fields come back as ISO text, assets in the order they entered the inventory.
    """
    spec = LAYERS[layer]
    live_ids = set(versions.loc[versions["content"].isna(), "asset_id"])
    parts = []
    if live_ids and inventory.has_layer(layer):
        if current is not None:  # the stored rows, already read by the caller
            pass
        elif reader is None and len(live_ids) <= 500:  # a few assets: read only their rows
            quoted = ", ".join("'" + str(a).replace("'", "''") + "'" for a in sorted(live_ids))
            current = pyogrio.read_dataframe(
                inventory.path,
                layer=layer,
                where=f'"{spec.id_field}" IN ({quoted})',
                use_arrow=True,
            )
            current = current.set_crs(4326, allow_override=True)
        else:
            current = reader(inventory, layer) if reader else inventory.read(layer)
        column = current[spec.id_field].astype("str")
        try:
            ids = pa.array(column.array).cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            ids = pa.array(column.to_numpy(dtype=object), pa.string())
        wanted = pc.is_in(ids, value_set=pa.array(sorted(live_ids), pa.string()))
        current = current[pc.fill_null(wanted, False).to_numpy(zero_copy_only=False)].copy()
        current["_asset"] = current[spec.id_field].astype("str").to_numpy()
        parts.append(_normal(current, spec))
    archived = versions[versions["content"].notna()]
    if len(archived):
        records = [json.loads(text) for text in archived["content"]]
        geometry = gpkg_geometries(
            [bytes.fromhex(r.pop(GEOMETRY_KEY)) if r.get(GEOMETRY_KEY) else None for r in records]
        )
        for r in records:
            r.pop("fid", None)
        frame = gpd.GeoDataFrame(pd.DataFrame(records), geometry=list(geometry), crs=4326)
        frame["_asset"] = archived["asset_id"].to_numpy()
        frame["_version"] = archived["version_id"].to_numpy()
        parts.append(_normal(frame, spec))
    if not parts:
        from geoasset.empty_inventory import empty_layer

        return _normal(empty_layer(layer), spec).drop(columns=["_asset"], errors="ignore")
    rows = pd.concat(parts, ignore_index=True)
    rows = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    versions = versions.reset_index(drop=True)
    live_version = dict(
        zip(
            versions.loc[versions["content"].isna(), "asset_id"],
            versions.loc[versions["content"].isna(), "version_id"],
            strict=True,
        )
    )
    if "_version" not in rows:
        rows["_version"] = np.nan
    rows["_version"] = rows["_version"].fillna(rows["_asset"].map(live_version))
    rows = rows[rows["_version"].isin(set(versions["version_id"]))]
    # assets in the order they entered the inventory, as the layer keeps them
    first_seen = _first_seen(inventory, layer)
    rank = rows["_asset"].map(first_seen).fillna(np.inf).to_numpy(dtype=float)
    rows = rows.iloc[np.lexsort((rows["_version"].to_numpy(dtype=float), rank))]
    rows["version_id"] = rows["_version"].astype("int64")
    return rows.drop(columns=["_asset", "_version"]).reset_index(drop=True)


def _first_seen(inventory, layer: str) -> dict[str, int]:
    with contextlib.closing(inventory._connect()) as con:
        return dict(
            con.execute(
                f"SELECT asset_id, min(version_id) FROM {VERSIONS_TABLE} WHERE layer = ? "  # noqa: S608
                "GROUP BY asset_id",
                (layer,),
            ).fetchall()
        )


def _normal(frame: gpd.GeoDataFrame, spec) -> gpd.GeoDataFrame:
    frame = frame.copy()
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    for f in spec.fields:
        if f.name not in frame:
            continue
        if f.type == "date":
            frame[f.name] = pd.array(iso_dates(frame[f.name]), dtype="str")
        elif f.type in ("int", "float"):
            frame[f.name] = pd.to_numeric(frame[f.name], errors="coerce").astype("float64")
        else:
            values = frame[f.name].astype("str")
            frame[f.name] = values.where(frame[f.name].notna())
    return frame


def read_as_of(inventory, layer: str, when, *, recorded: bool = False) -> gpd.GeoDataFrame:
    """``layer`` as it stood on the ground on ``when`` (or, ``recorded``, as the
    inventory held it then); one row per asset, with its ``version_id``.

    See the module docstring for an example.
    """
    if not has_history(inventory, layer):
        return _normal(inventory.read(layer), LAYERS[layer])
    return materialise(inventory, layer, versions_as_of(inventory, layer, when, recorded=recorded))


def read_for_period(
    inventory,
    layer: str,
    first,
    last,
    *,
    as_of=None,
    recorded: bool = False,
    reader=None,
    ids=None,
    current=None,
) -> gpd.GeoDataFrame:
    """One row per asset standing on some day from ``first`` to ``last``, for billing.

    The row is the asset's latest version in the period; ``present_from`` is the first
    ground day of its versions there (empty: before the records), ``present_to`` the
    last (empty: still standing). ``as_of`` limits what is known: by ground dates
    (default) versions starting after it are left out and ends after it are not yet
    known; with ``recorded`` the inventory as held at that instant is used. ``ids``
    limits the assets read; ``current``: the stored layer, if the caller read it.
    """
    first, last = _day(first), _day(last)
    if not has_history(inventory, layer):
        frame = reader(inventory, layer) if reader else inventory.read(layer)
        return _normal(frame, LAYERS[layer]).assign(present_from=None, present_to=None)
    known = instant(as_of) if (recorded and as_of is not None) else None
    where, params = _known(known)
    horizon = last if as_of is None or recorded else min(last, _day(as_of))
    where += ["(valid_from IS NULL OR valid_from <= ?)", "(valid_to IS NULL OR valid_to >= ?)"]
    params = [*params, horizon, first]
    if ids is not None:
        where.append("asset_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(str(i) for i in ids)))
    versions = _select(inventory, layer, where, params)
    if as_of is not None and not recorded:
        cut = _day(as_of)
        ends = versions["valid_to"].where(
            versions["valid_to"].isna() | (versions["valid_to"] <= cut)
        )
        versions = versions.assign(valid_to=ends)
    start = versions["valid_from"].fillna("")
    order = np.lexsort((versions["version_id"].to_numpy(), start.to_numpy(dtype=object)))
    versions = versions.iloc[order]
    latest = versions.drop_duplicates("asset_id", keep="last")
    # the first ground day of each asset's versions; none if one of them has none
    days = pd.to_datetime(versions["valid_from"], format="%Y-%m-%d", errors="coerce")
    stamp = days.to_numpy(dtype="datetime64[D]")
    number = np.where(np.isnat(stamp), np.iinfo("int64").min, stamp.astype("int64"))
    first_day = pd.Series(number).groupby(versions["asset_id"].to_numpy(dtype=object)).min()
    earliest = pd.Series(
        np.where(
            first_day.to_numpy() == np.iinfo("int64").min,
            None,
            first_day.to_numpy().astype("datetime64[D]").astype(str),
        ),
        index=first_day.index,
    )
    rows = materialise(inventory, layer, latest, reader, current)
    by_version = latest.set_index("version_id")
    asset = by_version.loc[rows["version_id"], "asset_id"].to_numpy()
    rows["present_from"] = pd.array(earliest.reindex(asset).to_numpy(dtype=object), dtype="str")
    rows["present_to"] = pd.array(
        by_version.loc[rows["version_id"], "valid_to"].to_numpy(dtype=object), dtype="str"
    )
    return rows


def asset_history(inventory, asset_id: str, *, layer: str | None = None) -> pd.DataFrame:
    """Every version of one asset, oldest first, with the batch that recorded it.

    Columns: ``layer, asset_id, version_id, change, valid_from, valid_to, recorded_at,
    superseded_at, batch_id, command, officer, app, sources, owner, lon, lat``.
    """
    layers = [layer] if layer else [n for n in LAYERS if n != "corridors"]
    found = []
    for name in layers:
        if name not in LAYERS or not inventory.has_layer(name):
            continue
        rows = _select(inventory, name, ["asset_id = ?"], [asset_id])
        if len(rows):
            content = materialise(inventory, name, rows)
            by_version = content.set_index("version_id")
            rows["owner"] = rows["version_id"].map(
                by_version["owner"] if "owner" in by_version else {}
            )
            points = by_version.geometry.representative_point()
            rows["lon"] = rows["version_id"].map(points.x).round(7)
            rows["lat"] = rows["version_id"].map(points.y).round(7)
            found.append(rows.drop(columns=["content"]))
    if not found:
        return pd.DataFrame()
    out = pd.concat(found, ignore_index=True)
    batches = batch_table(inventory)
    out = out.merge(batches, on="batch_id", how="left", suffixes=("", "_batch"))
    columns = [
        "layer", "asset_id", "version_id", "change", "valid_from", "valid_to", "recorded_at",
        "superseded_at", "batch_id", "command", "officer", "app", "sources", "owner", "lon", "lat",
    ]  # fmt: skip
    return out.sort_values(["recorded_at", "version_id"])[columns].reset_index(drop=True)


def batch_table(inventory) -> pd.DataFrame:
    """The ``batches`` table: one row per batch (sources as ``file (sha256 prefix)``)."""
    with contextlib.closing(inventory._connect()) as con:
        if not _table_exists(con, BATCHES_TABLE):
            return pd.DataFrame(columns=["batch_id", "command", "officer", "app", "sources"])
        cursor = con.execute(f"SELECT * FROM {BATCHES_TABLE} ORDER BY recorded_at")  # noqa: S608
        frame = pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])
    frame["sources"] = frame["sources"].map(_sources_text)
    return frame.drop(columns=["recorded_at"])


def _sources_text(text) -> str:
    if not text:
        return ""
    return "; ".join(
        f"{s.get('file', '')} ({str(s.get('sha256', ''))[:12]})" for s in json.loads(text)
    )


def day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()
