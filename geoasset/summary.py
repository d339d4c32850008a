"""Plain summaries of an inventory: what it holds (``geoasset info``) and the
inventory report beside revenue (``geoasset report``).

:func:`inventory_report` returns plain tables keyed by name; the CLI prints them, writes
them to XLSX or emits JSON. Lengths are measured in a metric CRS
(:func:`geoasset.crs.metric_crs`), never in degrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from geoasset.crs import metric_crs
from geoasset.i18n import in_words, t

if TYPE_CHECKING:
    from geoasset.store import Inventory

__all__ = ["describe_inventory", "inventory_report", "REPORT_TABLES"]


def describe_inventory(inv: Inventory, *, batches: int = 5) -> dict:
    """Layers (rows, geometry type, CRS, extent), schema version and the ``batches``
    most recent batches of an open inventory (:func:`geoasset.jobs.inventory_info`
    opens it from its path).

    Examples
    --------
    >>> import tempfile, os
    >>> from geoasset.store import create_inventory
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "i.gpkg"))
    >>> describe_inventory(inv)["layers"][0]["rows"]
    0
    """
    layers = []
    for name in inv.layers():
        meta = pyogrio.read_info(inv.path, layer=name, force_total_bounds=True)
        bounds = meta.get("total_bounds")
        layers.append(
            {
                "name": name,
                "rows": int(meta["features"]),
                "geometry": meta.get("geometry_type"),
                "crs": meta.get("crs"),
                "extent": None
                if bounds is None or meta["features"] == 0
                else [float(v) for v in bounds],
            }
        )
    history = inv.history().tail(batches)
    return {
        "path": str(inv.path),
        "schema_version": inv.metadata().get("schema_version"),
        "layers": layers,
        "batches": history.astype(object).where(history.notna(), None).to_dict("records")
        if len(history)
        else [],
    }


#: table name -> what it holds
REPORT_TABLES = {
    "roads_by_status": "road length by status",
    "roads_by_function": "road length by function and network",
    "roads_by_condition": "road length by condition",
    "bridges_by_condition": "bridges by BMS condition (NK 0–5)",
    "bridge_priority": "bridges, worst condition first, then longest",
    "monuments_by_status": "monuments by status with estimated cost",
    "poles_by_owner": "poles by owner and kind",
    "lines_by_owner": "utility line length by owner and kind",
}

UNKNOWN = "(not recorded)"


def _lengths_km(frame: gpd.GeoDataFrame) -> pd.Series:
    if len(frame) == 0:
        return pd.Series([], dtype="float64")
    metres = frame.geometry.to_crs(metric_crs(frame)).length
    return (metres / 1000.0).round(3)


def _by(frame: pd.DataFrame, keys: list[str], **aggregations) -> pd.DataFrame:
    data = frame.copy()
    for key in keys:
        if key not in data:
            data[key] = None
        data[key] = data[key].astype("object").where(data[key].notna(), UNKNOWN)
    grouped = data.groupby(keys, dropna=False).agg(**aggregations).reset_index()
    return grouped.sort_values(keys, kind="stable").reset_index(drop=True)


def _road_tables(roads: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    roads = roads.assign(length_km=_lengths_km(roads))
    out = {}
    for name, keys in (
        ("roads_by_status", ["status"]),
        ("roads_by_function", ["function", "network"]),
        ("roads_by_condition", ["condition"]),
    ):
        table = _by(roads, keys, links=("road_id", "size"), length_km=("length_km", "sum"))
        table["length_km"] = table["length_km"].round(3)
        out[name] = table
    return out


def _bridge_tables(bridges: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame(bridges.drop(columns=bridges.geometry.name))
    for column in ("condition_nk", "length_m"):
        if column not in frame:
            frame[column] = None
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    by_condition = _by(
        frame, ["condition_nk"], bridges=("bridge_id", "size"), length_m=("length_m", "sum")
    )
    columns = [
        c for c in ("bridge_id", "name", "road_id", "condition_nk", "length_m", "sta") if c in frame
    ]
    priority = (
        frame[columns]
        .sort_values(
            ["condition_nk", "length_m", "bridge_id"],
            ascending=[False, False, True],
            na_position="last",
        )
        .reset_index(drop=True)
    )
    priority.insert(0, "priority", range(1, len(priority) + 1))
    return {"bridges_by_condition": by_condition, "bridge_priority": priority}


def _monument_tables(monuments: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame(monuments.drop(columns=monuments.geometry.name))
    if "estimated_cost_rp" not in frame:
        frame["estimated_cost_rp"] = None
    frame["estimated_cost_rp"] = pd.to_numeric(frame["estimated_cost_rp"], errors="coerce")
    table = _by(
        frame,
        ["status"],
        monuments=("monument_id", "size"),
        estimated_cost_rp=("estimated_cost_rp", "sum"),
    )
    table["estimated_cost_rp"] = table["estimated_cost_rp"].round().astype("int64")
    return {"monuments_by_status": table}


def inventory_report(
    frames: Mapping[str, gpd.GeoDataFrame], *, lang: str = "en"
) -> dict[str, pd.DataFrame]:
    """Summary tables of an inventory's roads, bridges, monuments, poles and lines.

        Parameters
        ----------
        frames
            Layer name -> GeoDataFrame (as read from the inventory); absent layers are
            skipped.
        lang
            ``"en"`` or ``"id"``: the language of the column headings.

        Returns
        -------
        dict
            Table name (see :data:`REPORT_TABLES`) -> DataFrame.

        Examples
        --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame(
    ...     {"road_id": ["R1", "R2"], "status": ["provinsi", "provinsi"],
    ...      "function": ["arteri", "lokal"], "condition": ["baik", "rusak_berat"]},
    ...     geometry=[LineString([(0, 0), (1000, 0)]), LineString([(0, 0), (0, 500)])],
    ...     crs=32751)
    >>> tables = inventory_report({"roads": roads})
    >>> tables["roads_by_status"][["status", "links", "length_km"]].to_dict("records")
    [{'status': 'provinsi', 'links': 2, 'length_km': 1.5}]
    """
    tables: dict[str, pd.DataFrame] = {}
    roads = frames.get("roads")
    if roads is not None and len(roads):
        tables.update(_road_tables(roads))
    bridges = frames.get("bridges")
    if bridges is not None and len(bridges):
        tables.update(_bridge_tables(bridges))
    monuments = frames.get("monuments")
    if monuments is not None and len(monuments):
        tables.update(_monument_tables(monuments))
    poles = frames.get("poles")
    if poles is not None and len(poles):
        tables["poles_by_owner"] = _by(poles, ["owner", "kind"], poles=("pole_id", "size"))
    lines = frames.get("utility_lines")
    if lines is not None and len(lines):
        lines = lines.assign(length_km=_lengths_km(lines))
        table = _by(
            lines, ["owner", "kind"], lines=("line_id", "size"), length_km=("length_km", "sum")
        )
        table["length_km"] = table["length_km"].round(3)
        tables["lines_by_owner"] = table
    if lang != "en":  # coded values (electric, complete) in words, then the headings
        tables = {
            name: in_words(table, lang).rename(columns=lambda c: t(c, lang))
            for name, table in tables.items()
        }
    return tables
