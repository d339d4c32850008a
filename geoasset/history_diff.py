"""What changed in the inventory between two dates: added, removed, moved, changed.

:func:`diff_inventory` reads every layer with history as of both dates
(:func:`geoasset.history_read.read_as_of`: ground dates by default, ``recorded`` for what
the inventory held on those dates) and compares them asset by asset (content hashes,
:func:`geoasset.history.row_hashes`). Each change is one row with its road and owner,
so :func:`summarise` answers "which poles appeared on this road since last year's
survey?" per road or per owner.

Examples
--------
>>> import os, tempfile, geopandas as gpd
>>> from shapely import Point
>>> from geoasset.store import Batch, create_inventory
>>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "d.gpkg"))
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"],
...     "surveyed_on": ["2025-11-01"]}, geometry=[Point(123.6, -10.17)], crs=4326)
>>> inv.write({"poles": poles}, batch=Batch(command="doctest"))
>>> diff_inventory(inv, "2025-10-01", "2025-12-01")[["asset_id", "change"]].values.tolist()
[['P1', 'added']]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.history import VERSIONED_LAYERS, hashed_columns, row_hashes
from geoasset.history_read import has_history, read_as_of
from geoasset.schema import LAYERS

__all__ = ["diff_inventory", "summarise", "CHANGE_KINDS"]

CHANGE_KINDS = ("added", "removed", "moved", "changed", "moved+changed")
_COLUMNS = ["layer", "asset_id", "change", "road_id", "owner", "detail", "moved_m"]
_GEOD = pyproj.Geod(ellps="WGS84")


def diff_inventory(
    inventory, date_from, date_to, *, recorded: bool = False, layers=None
) -> gpd.GeoDataFrame:
    """One row per asset that differs between ``date_from`` and ``date_to``.

    Columns ``layer, asset_id, change, road_id, owner, detail, moved_m, geometry`` (the
    later position; a removed asset's last one). ``change`` is one of
    :data:`CHANGE_KINDS`; ``detail`` lists changed fields as ``field: old -> new``.
    """
    names = layers or [n for n in VERSIONED_LAYERS if has_history(inventory, n)]
    parts = []
    for layer in names:
        before = read_as_of(inventory, layer, date_from, recorded=recorded)
        after = read_as_of(inventory, layer, date_to, recorded=recorded)
        parts.append(_layer_diff(layer, before, after))
    parts = [p for p in parts if len(p)]
    if not parts:
        return gpd.GeoDataFrame(
            {c: pd.Series([], dtype="float64" if c == "moved_m" else "str") for c in _COLUMNS},
            geometry=gpd.GeoSeries([], crs=4326),
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=4326)


def _layer_diff(layer: str, before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> pd.DataFrame:
    spec = LAYERS[layer]
    key = spec.id_field
    before = before.drop_duplicates(key).set_index(before[key].astype("str")).sort_index()
    after = after.drop_duplicates(key).set_index(after[key].astype("str")).sort_index()
    rows = []
    for asset in after.index.difference(before.index):
        rows.append(_row(layer, asset, "added", after.loc[asset], "", np.nan))
    for asset in before.index.difference(after.index):
        rows.append(_row(layer, asset, "removed", before.loc[asset], "", np.nan))
    both = before.index.intersection(after.index)
    if len(both):
        a, b = before.loc[both], after.loc[both]
        common = [c for c in a.columns if c in b.columns and c != "version_id"]
        a_attr, a_geom = row_hashes(gpd.GeoDataFrame(a[common], geometry="geometry"), spec)
        b_attr, b_geom = row_hashes(gpd.GeoDataFrame(b[common], geometry="geometry"), spec)
        moved, changed = a_geom != b_geom, a_attr != b_attr
        distance = _metres(a.geometry.values, b.geometry.values)
        compared = hashed_columns([c for c in common if c != "geometry"], spec)
        for i in np.flatnonzero(moved | changed):
            asset = both[i]
            fields = [
                f"{c}: {_shown(a.iloc[i][c])} -> {_shown(b.iloc[i][c])}"
                for c in compared
                if _shown(a.iloc[i][c]) != _shown(b.iloc[i][c])
            ]
            kind = (
                "moved+changed" if moved[i] and changed[i] else "moved" if moved[i] else "changed"
            )
            detail = "; ".join(([f"moved {distance[i]:.1f} m"] if moved[i] else []) + fields)
            rows.append(
                _row(layer, asset, kind, b.iloc[i], detail, distance[i] if moved[i] else np.nan)
            )
    frame = pd.DataFrame(rows, columns=[*_COLUMNS, "geometry"])
    order = {k: i for i, k in enumerate(CHANGE_KINDS)}
    frame = frame.iloc[np.lexsort((frame["asset_id"].to_numpy(dtype=object),
                                   frame["change"].map(order).to_numpy()))]  # fmt: skip
    return frame.reset_index(drop=True)


def _row(layer, asset, kind, row, detail, moved) -> list:
    road = row.get("road_id") if layer != "roads" else asset
    return [layer, asset, kind, _text(road), _text(row.get("owner")), detail, moved, row.geometry]


def _text(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _shown(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def _metres(a, b) -> np.ndarray:
    pa_, pb = shapely.point_on_surface(np.asarray(a)), shapely.point_on_surface(np.asarray(b))
    xa, ya, xb, yb = shapely.get_x(pa_), shapely.get_y(pa_), shapely.get_x(pb), shapely.get_y(pb)
    bad = np.isnan(xa) | np.isnan(xb)
    z = np.zeros(len(xa))
    _, _, d = _GEOD.inv(
        np.where(bad, z, xa), np.where(bad, z, ya), np.where(bad, z, xb), np.where(bad, z, yb)
    )
    d = np.asarray(d, dtype=float)
    d[bad] = np.nan
    return d


def summarise(changes: pd.DataFrame, by: str = "road_id") -> pd.DataFrame:
    """Counts of each kind of change per ``by`` (``road_id`` or ``owner``), with a total.

    >>> changes = pd.DataFrame({"road_id": ["R1", "R1", None], "owner": ["PLN"] * 3,
    ...                         "change": ["added", "moved", "added"]})
    >>> summarise(changes).values.tolist()
    [['(none)', 1, 0, 0, 0, 0, 1], ['R1', 1, 0, 1, 0, 0, 2]]
    """
    keys = changes[by].astype(object).where(changes[by].notna(), "(none)")
    table = pd.crosstab(keys, changes["change"]).reindex(columns=list(CHANGE_KINDS), fill_value=0)
    table["total"] = table.sum(axis=1)
    table.index.name = by
    table.columns.name = None
    return table.reset_index()


def write_changes(changes: gpd.GeoDataFrame, path) -> None:
    """Write the changes as a map layer (``.gpkg``, ``.geojson``) or a table (``.csv``),
    through a temporary file so a failed write leaves nothing half-written."""
    import os
    import uuid
    from pathlib import Path

    import pyogrio

    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.DataFrame(changes.drop(columns="geometry"))
            frame["wkt"] = changes.geometry.to_wkt()
            frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            driver = "GPKG" if path.suffix.lower() == ".gpkg" else "GeoJSON"
            pyogrio.write_dataframe(changes, tmp, layer="changes", driver=driver)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
