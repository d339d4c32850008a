"""Billing on ground dates: the assets standing in the period, each for its own days.

The assessment (:func:`geoasset.assessment.assess`) bills an asset from the first day it
is known to stand on the land to the end of the period. With the asset history
(:mod:`geoasset.history`) an asset may also have left the ground during the period:

* :func:`billing_frames` reads, per layer, every asset standing on some day of the period
  (:func:`geoasset.history_read.read_for_period`): its latest version, billed from the
  first ground day of its versions (a moved pole keeps its first survey's date), and its
  last ground day where it was removed. ``as_of`` (with ``recorded``) reproduces what the
  inventory knew on a date, so an assessment made then is made again with the same line
  items.
* :func:`assess_over_time` bills the assets still standing over the whole period and
  those removed during it up to their last day (one assessment per distinct last day,
  over the same corridors and tariffs), and merges the line items in the assessment's
  own order. A pole removed on 30 September 2026 is billed Jan 1 to Sep 30 both
  included: 273/365 of its yearly rate, rounded as every line item is (half-up to the
  rupiah, once).

A layer without history is billed as stored, as before.
"""

from __future__ import annotations

import contextlib
import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from geoasset.gpkg_tables import _table_exists
from geoasset.history import VERSIONS_TABLE, date_field
from geoasset.history_read import has_history, read_for_period

__all__ = ["billing_frames", "assess_over_time", "BILLED_LAYERS"]

BILLED_LAYERS = ("poles", "utility_lines", "areas")
log = logging.getLogger(__name__)


def _only_current(inventory, layer: str, last: str) -> bool:
    """True when the stored layer is exactly what stood in a period ending ``last``:
    no version ended or archived, none starting after the period."""
    with contextlib.closing(inventory._connect()) as con:
        if not _table_exists(con, VERSIONS_TABLE):
            return True
        row = con.execute(
            f"SELECT EXISTS (SELECT 1 FROM {VERSIONS_TABLE} WHERE layer = ? AND "  # noqa: S608
            "superseded_at IS NULL AND (content IS NOT NULL OR valid_from > ?))",
            (layer, last),
        ).fetchone()
        return not row[0]


def billing_frames(
    inventory, first, last, *, as_of=None, recorded: bool = False, reader=None
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, pd.Series]]:
    """The billed layers for the period, and per layer each row's last ground day.

    ``reader(inventory, layer)`` reads a stored layer (default
    :func:`geoasset.validate.read_layer`, values as stored so bad rows are refused).
    Returns ``(frames, ends)``: ``ends[layer]`` holds ISO dates (missing: standing).

    Examples
    --------
    >>> import os, tempfile, geopandas as gpd
    >>> from shapely import Point
    >>> from geoasset.store import Batch, create_inventory
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "b.gpkg"))
    >>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"],
    ...     "surveyed_on": ["2025-11-01"]}, geometry=[Point(123.6, -10.17)], crs=4326)
    >>> inv.write({"poles": poles}, batch=Batch(command="doctest"))
    >>> frames, ends = billing_frames(inv, "2026-01-01", "2026-12-31")
    >>> len(frames["poles"]), bool(ends["poles"].isna().all())
    (1, True)
    """
    from geoasset.history_read import _day

    if reader is None:
        from geoasset.validate import read_layer as reader
    first, last = _day(first), _day(last)
    frames, ends = {}, {}
    for layer in BILLED_LAYERS:
        if not inventory.has_layer(layer) or not inventory.count(layer):
            if not has_history(inventory, layer):
                continue
        plain = as_of is None and _only_current(inventory, layer, last)
        if plain or not has_history(inventory, layer):
            frame = reader(inventory, layer)
            frames[layer] = frame
            ends[layer] = pd.Series([None] * len(frame), dtype="str")
            continue
        frame = read_for_period(inventory, layer, first, last, as_of=as_of, recorded=recorded)
        column = date_field(layer)
        if column is not None:
            start = frame["present_from"]
            own = frame[column] if column in frame else pd.Series([None] * len(frame))
            frame[column] = start.where(start.notna(), own.astype("str"))
        ends[layer] = frame["present_to"].reset_index(drop=True)
        frames[layer] = frame.drop(columns=["present_from", "present_to", "version_id"])
    return frames, ends


def assess_over_time(frames: dict[str, gpd.GeoDataFrame], ends: dict[str, pd.Series], **options):
    """:func:`geoasset.assessment.assess` of ``frames``, each asset billed to its last
    ground day where it ends inside the period (see the module docstring).

    ``options`` are those of ``assess`` (``corridors``, ``tariffs``, ``year`` or
    ``period_from``/``period_to``, ...).
    """
    from geoasset.assessment import assess, billing_period
    from geoasset.assessment_result import Assessment

    year = options.pop("year", None)
    first, last = billing_period(
        year, options.pop("period_from", None), options.pop("period_to", None)
    )
    cut: dict[str, np.ndarray] = {}
    for layer, frame in frames.items():
        end = ends.get(layer, pd.Series([None] * len(frame)))
        text = end.astype(object).where(end.notna(), None).to_numpy()
        cut[layer] = np.array(
            [e if e is not None and e < last.isoformat() else "" for e in text], dtype=object
        )
    days = sorted({e for c in cut.values() for e in c if e})
    whole = {layer: frame[cut[layer] == ""] for layer, frame in frames.items()}
    main = assess(
        **{layer: whole.get(layer) for layer in BILLED_LAYERS},
        year=year,
        period_from=None if year is not None else first,
        period_to=None if year is not None else last,
        **options,
    )
    if not days:
        return main
    parts = [main]
    for day in days:
        if day < first.isoformat():
            continue
        subset = {layer: frame[cut[layer] == day] for layer, frame in frames.items()}
        parts.append(
            assess(
                **{layer: subset.get(layer) for layer in BILLED_LAYERS},
                period_from=first,
                period_to=day,
                **options,
            )
        )
        log.info("%d assets billed to their last day %s", sum(len(f) for f in subset.values()), day)
    items = [p.items for p in parts if len(p.items)]
    items = pd.concat(items, ignore_index=True) if items else main.items
    position = {}
    for layer, frame in frames.items():
        key = frame.columns[0] if len(frame.columns) else None
        ids = frame[_id_field(layer, frame)].astype("str") if key else pd.Series([], dtype="str")
        position.update({(layer, a): i for i, a in enumerate(ids)})
    corridor_order = {c: i for i, c in enumerate(main.corridors["corridor_id"])}
    layer_order = {name: i for i, name in enumerate(BILLED_LAYERS)}
    order = np.lexsort(
        (
            items["tariff_id"].astype("str").to_numpy(dtype=object),
            items["billed_from"].astype("str").to_numpy(dtype=object),
            np.array(
                [
                    position.get((name, a), 0)
                    for name, a in zip(items["layer"], items["asset_id"], strict=True)
                ]
            ),
            items["layer"].map(layer_order).to_numpy(),
            items["corridor_id"].map(corridor_order).to_numpy(),
        )
    )
    items = items.iloc[order].reset_index(drop=True)
    items["item_id"] = np.arange(1, len(items) + 1, dtype="int64")
    items = gpd.GeoDataFrame(items, geometry=main.items.geometry.name, crs=main.items.crs)
    found = [p.not_billable for p in parts if len(p.not_billable)]
    not_billable = pd.concat(found, ignore_index=True) if found else main.not_billable
    not_billable = gpd.GeoDataFrame(
        not_billable, geometry=main.not_billable.geometry.name, crs=4326
    )
    parameters = dict(main.parameters)
    parameters["line_items"] = str(len(items))
    parameters["not_billable"] = str(len(not_billable))
    parameters["grand_total_rp"] = str(int(items["amount_rp"].sum()))
    parameters["assets_ended_in_period"] = str(sum(int((c != "").sum()) for c in cut.values()))
    for layer, frame in frames.items():
        parameters[f"assets_{layer}"] = str(len(frame))
    return Assessment(
        items=items,
        not_billable=not_billable,
        tariffs=main.tariffs,
        corridors=main.corridors,
        parameters=parameters,
        timings=main.timings,
    )


def _id_field(layer: str, frame) -> str:
    from geoasset.schema import LAYERS

    spec = LAYERS.get(layer)
    if spec is not None and spec.id_field in frame:
        return spec.id_field
    return {"areas": "area_id"}.get(layer, frame.columns[0])
