"""Retribution assessment: assets × right-of-way corridors × tariff schedule → line items.

:func:`assess` gives one **line item per asset per tariff row**: which asset (pole, utility
line, area), where (corridor, road, STA), how much of it (1 pole; metres of a line inside
that corridor; m² of an area inside it), for how many days, at which rate, under which
regulation. Every total is a sum of line items (:meth:`Assessment.totals`), never computed
separately, so every rupiah traces to one asset, one tariff row and one measured quantity.

Where an asset is billed
------------------------
Corridors are a partition of the right-of-way (:mod:`geoasset.corridors`): each square
metre belongs to one corridor, so nothing is billed twice.

* A pole is billed to the corridor that covers it. A pole exactly on the boundary shared
  by two corridors is billed once, to the corridor with the smallest ``corridor_id``
  (string order); the same rule settles any overlap in corridors not built by geoasset.
* A line (or area) is split by corridor: each corridor bills the metres (m²) of the line
  inside it. A line lying exactly along a shared boundary bills those metres to the
  corridor with the smallest ``corridor_id``. Metres outside every corridor are not
  billed; they are reported in :attr:`Assessment.not_billable` (reason
  ``partly_outside``). Lengths and areas are measured in a metric CRS
  (:func:`geoasset.crs.metric_crs`, or the corridors' ``metric_crs``).
* Quantities are rounded half-up to 0.01 m (0.01 m²) and that rounded quantity is the one
  shown and billed; a piece that rounds to 0.00 is not billed.
* An asset outside every corridor is listed in ``not_billable`` (reason
  ``outside_right_of_way``) with its distance to the nearest corridor, in metres, when
  a corridor is within ``search_distance_m`` (default 100 m, the Ruwasja); farther
  assets are listed too, with the distance and nearest corridor left empty and the
  detail "more than 100 m from any corridor". Assets inside a corridor but first known
  after the period (``not_in_period``) and days on which no tariff row applies
  (``no_tariff``) are listed there too.
* Money only from valid rows: a pole or line that fails its layer specification
  (:func:`geoasset.validate.validate_layer`, the check ``geoasset validate`` runs: a
  duplicate id, a blank owner, an unknown kind, an unreadable date, e.g. after an edit in
  QGIS) is never billed; it is listed in ``not_billable`` (reason ``invalid_row``) with
  every problem (row in its layer, field, rule) as the detail.

How it is computed
------------------
Which corridor holds an asset is decided in the corridors' own CRS, as stored (EPSG:4326
in an inventory), so a million poles and a hundred thousand corridors are never
re-projected; lengths, areas and distances are measured in the metric CRS from projected
coordinates. Poles: one STRtree query of the corridors against the poles (GEOS prepares
each corridor once). Lines: the spans wholly inside one corridor
(``contains_properly``) take their full length without any intersection; only the spans
crossing a corridor boundary are intersected. Assets outside every corridor: the nearest
corridor is searched on small pieces of the corridors' boundaries with a radius growing
from 20 m to ``search_distance_m``, never over every corridor in reach. Large GEOS calls
run in two threads. The rows are checked against their layer specification by a vectorised screen;
only the rows it cannot clear go through ``validate_layer``
(:mod:`geoasset.assessment_rows`).

The work is split by concern: :mod:`geoasset.assessment_inputs` (corridors and asset
layers as arrays),
:mod:`geoasset.assessment_rows` (the rows that may be billed),
:mod:`geoasset.assessment_placement` (which corridor holds what),
:mod:`geoasset.assessment_nearest` (the nearest corridor of assets outside),
:mod:`geoasset.assessment_billing` (period, tariff rows, days, exact amounts, payment
status), :mod:`geoasset.assessment_items` (the line items and not-billable tables) and
:mod:`geoasset.assessment_result` (:class:`Assessment`, its columns and totals). This
module is the entry point: import from here.

Days, the convention and the rounding rule
------------------------------------------
**Day count: actual/actual.** An asset is billed from the first day it is known to stand
on the land (the earliest of ``surveyed_on`` for poles / ``installed_on`` for lines and
areas, and the ``valid_from`` of its permit; the start of the period when none is known)
to the end of the period, and only on days its tariff row is valid. Both ends are
included. A yearly rate is multiplied by (days billed in year *y*) / (days in year *y*,
365 or 366), summed over the calendar years of the period; a daily rate by the days
billed. A pole surveyed on 1 July 2026 is billed 184/365 of its annual rate.

**Rounding:** each line item is computed exactly (integer arithmetic on the rate in
hundredths of a rupiah, the quantity in hundredths, and the day fraction) and rounded
half-up to the whole rupiah once; totals are sums of rounded line items.

Payment status (with a permits table)
-------------------------------------
The ``assess`` job (``geoasset assess``, ``geoasset run``) of an inventory holding
``permits`` and ``payments`` tables settles the line items against them as the statements
do (:func:`geoasset.ledger.settle`): ``paid``, ``partly_paid`` (paid to 30 June: 184 of
365 days unpaid, rounded half-up once), ``unpaid`` or ``no_permit``, with each item's
``paid_rp`` and ``unpaid_rp``; the totals sum those. With a permits file (``paid_until``)
instead: ``paid`` when the asset's permit (``permit_no``, same owner) overlaps the billed days and
``paid_until`` reaches the last billed day; ``unpaid`` when it does not (a partial
payment is ``unpaid``: the revenue office reconciles it); ``no_permit`` when the asset has
no permit number, the number is not in the table, the permit belongs to another owner, or
its validity does not overlap the billed days. Without a permits table: ``unknown``.
Arrears are the ``unpaid`` and ``no_permit`` amounts.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely import Point, box
>>> corridors = gpd.GeoDataFrame(
...     {"corridor_id": ["R1"], "road_id": ["R1"], "kabupaten": ["Kota Kupang"],
...      "road_status": ["provinsi"], "road_class": ["raya"]},
...     geometry=[box(570000, 8875000, 571000, 8875025)], crs=32751).to_crs(4326)
>>> poles = gpd.GeoDataFrame(
...     {"pole_id": ["P1", "P2"], "owner": ["PLN", "PLN"], "kind": ["electric"] * 2,
...      "surveyed_on": [None, "2026-07-01"]},
...     geometry=[Point(570100, 8875010), Point(570200, 8875010)], crs=32751).to_crs(4326)
>>> tariffs = pd.DataFrame({"tariff_id": ["T1"], "object": ["pole"],
...     "unit": ["per_unit_year"], "rate_rp": [730000], "valid_from": ["2026-01-01"],
...     "valid_to": ["2026-12-31"], "legal_basis": ["EXAMPLE"]})
>>> result = assess(poles=poles, utility_lines=None, corridors=corridors,
...                 tariffs=tariffs, year=2026)
>>> result.items[["asset_id", "days", "amount_rp"]].to_numpy().tolist()
[['P1', 365, 730000], ['P2', 184, 368000]]
>>> result.grand_total
1098000
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from geoasset.assessment_arrays import _centi
from geoasset.assessment_billing import (
    _bill,
    _permit_index,
    _present_from,
    billing_period,
)
from geoasset.assessment_inputs import (
    _assets,
    _check_corridors,
    _choose_crs,
    _Clock,
    _ids_unique,
    _prepare_corridors,
    _search_distance,
)
from geoasset.assessment_items import (
    _items_frame,
    _not_billable,
    _sta_along_roads,
)
from geoasset.assessment_nearest import (
    _distances as _distances,  # the nearest-corridor search, also used by geoasset.qa
)
from geoasset.assessment_placement import (
    _Pieces,
    _place_points,
    _place_shapes,
)
from geoasset.assessment_result import (
    BOUNDARY_RULE,
    DAY_COUNT,
    ITEM_COLUMNS,
    NOT_BILLABLE_COLUMNS,
    NOT_BILLABLE_REASONS,
    PAYMENT_STATUSES,
    ROUNDING,
    SEARCH_DISTANCE_M,
    TOTAL_KEYS,
    Assessment,
)
from geoasset.assessment_rows import _billable_rows, _no_rows
from geoasset.assessment_space import _Space
from geoasset.bulk import cycle_collector_paused
from geoasset.tariffs import parse_permits, parse_tariffs

__all__ = [
    "Assessment",
    "assess",
    "write_assessment",
    "billing_period",
    "DAY_COUNT",
    "ROUNDING",
    "BOUNDARY_RULE",
    "PAYMENT_STATUSES",
    "SEARCH_DISTANCE_M",
    "NOT_BILLABLE_REASONS",
    "TOTAL_KEYS",
    "ITEM_COLUMNS",
    "NOT_BILLABLE_COLUMNS",
]

log = logging.getLogger("geoasset.assessment")


# -- the assessment --------------------------------------------------------------------
def assess(
    *,
    poles: gpd.GeoDataFrame | None,
    utility_lines: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame,
    tariffs: pd.DataFrame,
    year: int | None = None,
    period_from=None,
    period_to=None,
    permits: pd.DataFrame | None = None,
    crs=None,
    roads: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    search_distance_m: float | None = SEARCH_DISTANCE_M,
) -> Assessment:
    """Assess the retribution owed for assets standing in right-of-way corridors.

    Parameters
    ----------
    poles, utility_lines
        Inventory layers (``None`` or empty when there are none). Poles are billed per
        unit; lines per metre inside each corridor.
    corridors
        The corridors partition (:func:`geoasset.corridors.build_corridors`) with at
        least ``corridor_id, road_id, kabupaten, road_status, road_class``; ``sta`` (or
        ``sta_from_m``/``sta_to_m``) labels the pieces.
    tariffs
        A schedule from :func:`geoasset.tariffs.load_tariffs` (a raw frame is validated).
    year, period_from, period_to
        The billing period: a calendar year, or two dates (both included).
    permits
        Optional permits table (:func:`geoasset.tariffs.load_permits`) for the payment
        status of each line item.
    crs
        Metric CRS to measure in (default: the corridors' ``metric_crs``, else the UTM
        zone of the corridors).
    roads
        Optional roads: line items without an STA of their own are located along them
        (:func:`geoasset.chainage.locate_points` / ``locate_lines``); without roads they
        carry the STA range of their corridor piece.
    areas
        Optional area objects (polygons with ``area_id, owner, kind, installed_on``),
        billed per m² inside each corridor under tariff object ``area``.
    search_distance_m
        How far from an asset outside every corridor to look for the nearest corridor,
        in metres (default :data:`SEARCH_DISTANCE_M`, 100 m: the Ruwasja). Farther
        assets are still listed in ``not_billable`` (``outside_right_of_way``), with an
        empty distance and nearest corridor and the detail "more than 100 m from any
        corridor". ``None`` searches without limit (slower on large networks).

    Returns
    -------
    Assessment

    Raises
    ------
    TariffError
        A malformed schedule, or equally specific tariff rows competing for an asset
        (the message names the asset and the tariff ids).
    SchemaError
        Corridors without the required columns, or with duplicate ids.

    Examples
    --------
    See the module docstring.
    """
    clock = _Clock()
    checked = _check_inputs(
        corridors, tariffs, permits, (year, period_from, period_to), search_distance_m
    )
    return _assess_checked(
        layers={"poles": poles, "utility_lines": utility_lines, "areas": areas},
        corridors=corridors,
        crs=crs,
        roads=roads,
        clock=clock,
        **checked,
    )


def _check_inputs(corridors, tariffs, permits, period, search_distance_m) -> dict:
    """The checks of :func:`assess` on what is not an asset layer, in its order: the
    search distance, the ``(year, period_from, period_to)`` period, the tariffs and
    permits (parsed), the corridors' columns and ids. Returns the keyword arguments
    ``search_m``, ``period``, ``schedule`` and ``permit_table`` of :func:`_assess_checked`.
    """
    search_m = _search_distance(search_distance_m)
    year = period[0]
    first, last = billing_period(*period)
    schedule = parse_tariffs(tariffs, source=tariffs.attrs.get("source", "tariff schedule"))
    permit_table = None
    if permits is not None:
        permit_table = parse_permits(permits, source=permits.attrs.get("source", "permits"))
    _check_corridors(corridors)
    return {
        "search_m": search_m,
        "period": (first, last, year),
        "schedule": schedule,
        "permit_table": permit_table,
    }


@cycle_collector_paused()
def _assess_checked(
    *,
    layers: dict[str, gpd.GeoDataFrame | None],
    corridors: gpd.GeoDataFrame,
    schedule: pd.DataFrame,
    permit_table: pd.DataFrame | None,
    period: tuple,
    crs,
    roads: gpd.GeoDataFrame | None,
    search_m: float | None,
    screened: bool = False,
    clock: _Clock | None = None,
) -> Assessment:
    """:func:`assess` on inputs already checked: ``schedule`` and ``permit_table`` parsed
    (:func:`~geoasset.tariffs.parse_tariffs`, :func:`~geoasset.tariffs.parse_permits`),
    the corridors' columns and ids checked, ``period`` the ``(first, last, year)`` of
    :func:`billing_period`; with ``screened`` the ``layers`` hold only rows that passed
    their layer specification (so none is set apart again).

    :func:`geoasset.distributed.assess_partitioned` checks the inputs once for the whole
    network and assesses each part with this. The cyclic garbage collector is paused
    while it runs (:func:`~geoasset.bulk.cycle_collector_paused`).
    """
    clock = clock or _Clock()
    first, last, year = period
    metric = _choose_crs(corridors, crs)
    space = _Space(stored=pyproj.CRS(corridors.crs), metric=metric)
    corr = _prepare_corridors(corridors)
    invalid = [_no_rows()]
    if not screened:
        layers = dict(layers)
        for name, frame in list(layers.items()):
            layers[name], refused = _billable_rows(frame, name)
            invalid.append(refused)
    invalid = pd.concat(invalid, ignore_index=True)
    assets = _assets(layers, space)
    clock.lap("inputs")

    placed, outside = [], np.zeros(len(assets))
    for code, measure in enumerate(assets.measures):
        index = assets.range(code)
        if measure == "count":
            placed.append(_place_points(index, assets, corr, space))
        else:
            pieces, out = _place_shapes(index, measure, assets, corr, space)
            placed.append(pieces)
            outside += out
        clock.lap(f"place {assets.names[code]}")
    piece = _Pieces.concat(placed)
    q_centi = _centi(piece.quantity)
    piece, q_centi = piece.select(q_centi > 0), q_centi[q_centi > 0]

    permit_index = _permit_index(assets, permit_table)
    present = _present_from(assets, permit_index, permit_table, first)
    billed, unbilled_days = _bill(
        piece=piece,
        q_centi=q_centi,
        assets=assets,
        active_from=np.maximum(present, first.toordinal()),
        corr=corr,
        schedule=schedule,
        first=first,
        last=last,
    )
    clock.lap("tariffs and days")
    items, own_sta, item_asset = _items_frame(
        billed=billed,
        piece=piece,
        q_centi=q_centi,
        assets=assets,
        corr=corr,
        schedule=schedule,
        permit_index=permit_index,
        permits=permit_table,
        first=first,
        last=last,
    )
    clock.lap("line items")
    if roads is not None and len(items):
        items = _sta_along_roads(items, ~own_sta, roads, corridors, metric)
        clock.lap("sta along roads")
    not_billable = _not_billable(
        assets=assets,
        piece=piece,
        outside=outside,
        present=present,
        unbilled_days=unbilled_days,
        corr=corr,
        space=space,
        last=last,
        search_m=search_m,
    )
    if len(invalid):
        not_billable = gpd.GeoDataFrame(
            pd.concat([not_billable, invalid], ignore_index=True), crs=4326
        )
    clock.lap("not billable")
    log.info(
        "assessed %d assets into %d line items in %.2f s",
        len(assets),
        len(items),
        clock.total,
    )
    parameters = {
        "period_from": first.isoformat(),
        "period_to": last.isoformat(),
        "period_days": str(last.toordinal() - first.toordinal() + 1),
        "year": "" if year is None else str(year),
        "metric_crs": metric.to_string(),
        "tariff_source": str(schedule.attrs.get("source", "")),
        "tariff_sha256": str(schedule.attrs.get("sha256", "")),
        "permits_source": "" if permit_table is None else str(permit_table.attrs.get("source")),
        "day_count": DAY_COUNT,
        "rounding": ROUNDING,
        "boundary_rule": BOUNDARY_RULE,
        "search_distance_m": "unlimited" if search_m is None else f"{search_m:g}",
        "corridors": str(len(corr)),
        **{
            f"assets_{name}": str(int((assets.layer == i).sum()))
            for i, name in enumerate(assets.names)
        },
        "invalid_rows": str(len(invalid)),
        "line_items": str(len(items)),
        "not_billable": str(len(not_billable)),
        "grand_total_rp": str(int(items["amount_rp"].sum())),
        "generated_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    info = pd.DataFrame(corridors.drop(columns=corridors.geometry.name)).reset_index(drop=True)
    info["corridor_id"] = corr.ids
    info["sta"] = corr.text["sta"]
    info = info.iloc[np.argsort(corr.order)].reset_index(drop=True)
    result = Assessment(
        items=items,
        not_billable=not_billable,
        tariffs=schedule,
        corridors=info,
        parameters=parameters,
        timings=clock.laps,
    )
    if _ids_unique(assets):
        # the asset's position is a code of (layer, asset_id): totals need no string hashing
        result._cache["asset_codes"] = (items, item_asset)
    return result


@cycle_collector_paused()
def write_assessment(inventory, assessment: Assessment, *, source: str = "") -> None:
    """Store an assessment in the inventory, in one atomic write.

    Layers: ``assessment_items`` (line items, with geometry), ``assessment_totals``
    (attribute table from :meth:`Assessment.totals_table`: level, key, assets, items,
    amount_rp, paid_rp, unpaid_rp, no_permit_rp, arrears_rp) and
    ``assessment_not_billable`` (with geometry). Earlier assessment layers are replaced;
    the batch is recorded in the inventory's history as command ``assess``.
    """
    from geoasset.store import Batch

    inventory.write(
        {
            "assessment_items": assessment.items,
            "assessment_totals": assessment.totals_table(),
            "assessment_not_billable": assessment.not_billable,
        },
        batch=Batch(command="assess", source=source),
        mode="replace",
    )
