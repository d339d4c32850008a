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
run in two threads.

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
``paid`` when the asset's permit (``permit_no``, same owner) overlaps the billed days and
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
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely

from geoasset.bulk import cycle_collector_paused
from geoasset.crs import metric_crs, parse_crs, require_metric
from geoasset.errors import SchemaError, TariffError, ValidationProblem
from geoasset.tariffs import OBJECTS, applicable_tariffs, parse_date, parse_permits, parse_tariffs

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

DAY_COUNT = (
    "actual/actual: days billed, both ends included, divided by the days of their calendar "
    "year (365 or 366), summed over the years of the period; daily rates × days billed"
)
ROUNDING = (
    "each line item computed exactly from rate, quantity (rounded half-up to 0.01) and days, "
    "then rounded half-up to the whole rupiah; totals are sums of line items"
)
BOUNDARY_RULE = (
    "an asset (or part of a line) on the boundary shared by two corridors is billed to the "
    "corridor with the smallest corridor_id"
)
PAYMENT_STATUSES = ("paid", "unpaid", "no_permit", "unknown")
#: How far (metres) :func:`assess` looks for the nearest corridor of an asset outside
#: every corridor: the Ruwasja, the supervised strip beyond the right-of-way.
SEARCH_DISTANCE_M = 100.0
NOT_BILLABLE_REASONS = (
    "outside_right_of_way",
    "partly_outside",
    "no_tariff",
    "not_in_period",
    "no_geometry",
    "invalid_row",
)
#: Keys :meth:`Assessment.totals` groups by, with the level name used in the inventory.
TOTAL_KEYS = {
    "corridor_id": "corridor",
    "owner": "owner",
    "road_id": "road",
    "kabupaten": "kabupaten",
}

ITEM_COLUMNS = (
    "item_id",
    "asset_id",
    "layer",
    "owner",
    "kind",
    "corridor_id",
    "road_id",
    "kabupaten",
    "road_status",
    "road_class",
    "sta",
    "quantity",
    "quantity_unit",
    "unit",
    "rate_rp",
    "billed_from",
    "billed_to",
    "days",
    "period_days",
    "day_fraction",
    "amount_rp",
    "tariff_id",
    "legal_basis",
    "permit_no",
    "payment_status",
)
NOT_BILLABLE_COLUMNS = (
    "asset_id",
    "layer",
    "owner",
    "kind",
    "reason",
    "detail",
    "quantity_outside",
    "distance_to_corridor_m",
    "nearest_corridor_id",
)
CORRIDOR_COLUMNS = ("corridor_id", "road_id", "kabupaten", "road_status", "road_class")

#: layer -> (id column, date the asset is known to be there)
_LAYERS = {
    "poles": ("pole_id", "surveyed_on"),
    "utility_lines": ("line_id", "installed_on"),
    "areas": ("area_id", "installed_on"),
}
_QUANTITY_UNIT = {"count": "unit", "length": "m", "area": "m2"}

_ORDINAL_EPOCH = date(1970, 1, 1).toordinal()
#: Common denominator of 1/365 and 1/366: a day of a 365-day year weighs 366, of a leap
#: year 365, so a whole year always weighs YEAR_WEIGHT.
_YEAR_WEIGHT = 365 * 366
_INT64_SAFE = 2**62


@dataclass
class Assessment:
    """The result of :func:`assess`: line items, what was not billed, and the inputs used.

    Attributes
    ----------
    items
        One row per asset per tariff row (EPSG:4326), columns :data:`ITEM_COLUMNS`;
        geometry is the pole, or the piece of the line inside the corridor.
    not_billable
        Assets (or metres of them) not billed, columns :data:`NOT_BILLABLE_COLUMNS`:
        ``reason`` (one of :data:`NOT_BILLABLE_REASONS`) and a readable ``detail``;
        ``quantity_outside`` (units, m or m² not billed; empty for ``no_tariff``,
        ``not_in_period``, ``no_geometry``, ``invalid_row``); ``distance_to_corridor_m`` and
        ``nearest_corridor_id``: for ``outside_right_of_way``, the nearest corridor
        within the search distance and the distance to it — both empty, with the detail
        "more than 100 m from any corridor", when none is that near; 0 and the
        corridor holding the asset for ``not_in_period`` and ``no_tariff``; 0 and empty
        for ``partly_outside``; empty for ``invalid_row``.
    tariffs
        The tariff schedule as validated.
    corridors
        The corridors' attributes (no geometry), for summaries.
    parameters
        What the run was: period, CRS, conventions, sources, counts.
    timings
        Seconds spent in each stage of :func:`assess` (for benchmarks).
    """

    items: gpd.GeoDataFrame
    not_billable: gpd.GeoDataFrame
    tariffs: pd.DataFrame
    corridors: pd.DataFrame
    parameters: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def grand_total(self) -> int:
        """The sum of every line item, in rupiah."""
        return int(self.items["amount_rp"].sum())

    def totals(self, by: str = "corridor_id") -> pd.DataFrame:
        """Sums of line items grouped by ``corridor_id``, ``owner``, ``road_id`` or
        ``kabupaten``.

        Columns: the key, ``assets`` (distinct assets), ``items``, ``poles``, ``line_m``
        (metres of line inside, each piece counted once), ``area_m2``, ``amount_rp``,
        ``paid_rp``, ``unpaid_rp``, ``no_permit_rp`` and ``arrears_rp`` (unpaid +
        no permit); for corridors also the road, kabupaten and STA. Every corridor,
        road and kabupaten of the corridors layer is listed, with zeros where nothing
        is billed; owners are those with line items.
        """
        if by not in TOTAL_KEYS:
            raise ValueError(f"totals by {by!r}: use one of {', '.join(TOTAL_KEYS)}")
        token = (id(self.items), len(self.items), by)
        if token not in self._cache:
            self._cache[token] = self._totals(by)
        return self._cache[token].copy()

    def _asset_codes(self) -> np.ndarray:
        """A code per line item, equal for items of the same asset (layer and id)."""
        cached = self._cache.get("asset_codes")
        if cached is None or cached[0] is not self.items or len(cached[1]) != len(self.items):
            layer = _codes(self.items["layer"])
            asset = _codes(self.items["asset_id"])
            cached = (self.items, layer * (int(asset.max(initial=0)) + 1) + asset)
            self._cache["asset_codes"] = cached
        return cached[1]

    def _item_codes(self) -> dict[str, np.ndarray]:
        """Integer codes of the line items that every total uses (computed once)."""
        cached = self._cache.get("item_codes")
        if cached is None or cached[0] is not self.items or len(cached[0]) != len(self.items):
            items = self.items
            asset = self._asset_codes()
            layer, layers = _sorted_codes(items["layer"])
            status, statuses = _sorted_codes(items["payment_status"])
            # the first item of each asset piece (asset, corridor): its quantity counts once
            piece = _codes(items["corridor_id"]) * (int(asset.max(initial=0)) + 1) + asset
            amount = items["amount_rp"].to_numpy(dtype="int64")
            codes = {
                "asset": asset,
                "first_of_piece": ~pd.Series(piece).duplicated().to_numpy(),
                "amount_rp": amount,
                **{
                    n: layer == layers.index(n)
                    for n in ("poles", "utility_lines", "areas")
                    if n in layers
                },
                **{
                    f"{n}_rp": np.where(status == statuses.index(n), amount, 0)
                    for n in ("paid", "unpaid", "no_permit")
                    if n in statuses
                },
            }
            cached = (items, codes)
            self._cache["item_codes"] = cached
        return cached[1]

    def _totals(self, by: str) -> pd.DataFrame:
        # Integer codes and numpy sums: a million line items in a fraction of a second.
        items = self.items
        codes = self._item_codes()
        key, names = _sorted_codes(items[by])
        size = len(names)
        asset, first_of_piece = codes["asset"], codes["first_of_piece"]
        nothing = np.zeros(len(items), dtype=bool)
        # distinct (key, asset) pairs, once: they count assets, and poles among them
        span = int(asset.max(initial=0)) + 1
        pairs = pd.unique(key * span + asset)  # (np.unique without return_* hashes slowly)
        pole = np.zeros(span, dtype=bool)
        pole[asset[codes.get("poles", nothing) & items["asset_id"].notna().to_numpy()]] = True
        out = pd.DataFrame(
            {
                "assets": np.bincount(pairs // span, minlength=size).astype("int64"),
                "items": np.bincount(key, minlength=size).astype("int64"),
                "poles": np.bincount(pairs[pole[pairs % span]] // span, minlength=size),
            },
            index=pd.Index(names, dtype=object),
        )
        quantity = items["quantity"].to_numpy(dtype="float64")
        for name, column in (("utility_lines", "line_m"), ("areas", "area_m2")):
            chosen = codes.get(name, nothing) & first_of_piece
            sums = pd.Series(quantity[chosen]).groupby(key[chosen]).sum().round(2)
            out[column] = sums.reindex(range(size)).fillna(0).to_numpy(dtype="float64")
        out["poles"] = out["poles"].astype("int64")
        for column in ("amount_rp", "paid_rp", "unpaid_rp", "no_permit_rp"):
            values = codes.get(column, np.zeros(len(items), dtype="int64"))
            out[column] = _sum_per_key(key, values, size)
        out["arrears_rp"] = out["unpaid_rp"] + out["no_permit_rp"]
        if by in self.corridors.columns:
            # every corridor (road, kabupaten) is listed, with zeros where nothing is billed
            known = self.corridors[by].astype(object).where(self.corridors[by].notna(), "")
            missing = pd.Index(known.drop_duplicates()).difference(out.index)
            if len(missing):
                out = pd.concat([out, pd.DataFrame(0, index=missing, columns=out.columns)])
                if by != "corridor_id":
                    out = out.sort_index()
        out = out.rename_axis(by).reset_index()
        if by == "corridor_id" and len(self.corridors):
            position = pd.Series(
                np.arange(len(self.corridors)), index=self.corridors["corridor_id"]
            )
            out = out.iloc[np.argsort(out["corridor_id"].map(position).to_numpy(), kind="stable")]
            out = out.reset_index(drop=True)
            info = self.corridors.drop_duplicates("corridor_id").set_index("corridor_id")
            extra = [c for c in ("road_id", "kabupaten", "sta") if c in info.columns]
            for position, column in enumerate(extra, start=1):
                out.insert(position, column, out["corridor_id"].map(info[column]))
        return out

    def totals_table(self) -> pd.DataFrame:
        """Every total in one table: ``level`` (corridor / owner / road / kabupaten /
        total), ``key``, ``assets``, ``items``, ``amount_rp``, ``paid_rp``, ``arrears_rp``.
        """
        parts = []
        columns = ["assets", "items", "amount_rp", "paid_rp", "unpaid_rp", "no_permit_rp"]
        for by, level in TOTAL_KEYS.items():
            sums = self.totals(by)
            part = sums[[by, *columns, "arrears_rp"]].rename(columns={by: "key"})
            part.insert(0, "level", level)
            parts.append(part)
        items = self.items
        status = items["payment_status"]
        amount = items["amount_rp"].astype("int64")
        grand = {
            "level": "total",
            "key": "",
            "assets": len(pd.unique(self._asset_codes())),
            "items": len(items),
            "amount_rp": int(amount.sum()),
            "paid_rp": int(amount[status == "paid"].sum()),
            "unpaid_rp": int(amount[status == "unpaid"].sum()),
            "no_permit_rp": int(amount[status == "no_permit"].sum()),
        }
        grand["arrears_rp"] = grand["unpaid_rp"] + grand["no_permit_rp"]
        parts.append(pd.DataFrame([grand]))
        out = pd.concat(parts, ignore_index=True)
        for column in [*columns, "arrears_rp"]:
            out[column] = out[column].astype("int64")
        out["key"] = out["key"].astype(str)
        return out

    def tariffs_used(self) -> pd.DataFrame:
        """The tariff rows that bill at least one line item, with their item count and
        amount (sums of line items)."""
        items = self.items
        used = (
            pd.DataFrame({"tariff_id": items["tariff_id"], "amount_rp": items["amount_rp"]})
            .groupby("tariff_id")
            .agg(items=("amount_rp", "size"), amount_rp=("amount_rp", "sum"))
        )
        out = self.tariffs[self.tariffs["tariff_id"].isin(used.index)].copy()
        out["items"] = out["tariff_id"].map(used["items"]).astype("int64")
        out["amount_rp"] = out["tariff_id"].map(used["amount_rp"]).astype("int64")
        return out.reset_index(drop=True)


def billing_period(year: int | None = None, period_from=None, period_to=None) -> tuple[date, date]:
    """The billing period: a calendar ``year``, or ``period_from`` to ``period_to``
    (both included).

    Examples
    --------
    >>> billing_period(2026)
    (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    >>> billing_period(period_from="2026-07-01", period_to="2026-09-30")
    (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    """
    if period_from is None and period_to is None:
        if year is None:
            raise ValueError("give a year or both period_from and period_to")
        return date(int(year), 1, 1), date(int(year), 12, 31)
    if period_from is None or period_to is None:
        raise ValueError("give both period_from and period_to")
    if year is not None:
        raise ValueError("give either a year or period_from/period_to, not both")
    first, last = parse_date(period_from), parse_date(period_to)
    if last < first:
        raise ValueError(f"period_to {last} is before period_from {first}")
    return first, last


# -- small helpers ---------------------------------------------------------------------
_BLANKS = ["", "nan", "NaN", "none", "None", "null", "NULL", "<NA>"]


def _text(values, n: int) -> pd.Series:
    """Text as a ``str`` Series indexed ``0..n-1``: stripped, missing where blank."""
    if values is None:
        return pd.Series(pd.array(np.full(n, None, dtype=object), dtype="str"))
    series = pd.Series(values).reset_index(drop=True)
    if series.dtype != "str":
        series = series.astype("str")
    series = series.str.strip()
    return series.where(~series.isin(_BLANKS))


def _choice(text: pd.Series) -> pd.Series:
    """Choice values as the tariff schedule writes them: lower case, ``_`` for spaces."""
    codes, uniques = pd.factorize(text)
    if len(uniques) * 2 > len(text):
        return text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    values = pd.Series(uniques).str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return pd.Series(values.array.take(codes, allow_fill=True), index=text.index)


def _small(values) -> pd.api.extensions.ExtensionArray:
    """A short text array to ``take`` from (tariff ids, layer names, labels)."""
    return pd.array(np.asarray(list(values), dtype=object), dtype="str")


def _ordinals(values, n: int) -> np.ndarray:
    """Dates as proleptic ordinals (int64); -1 where missing or unparseable."""
    if values is None:
        return np.full(n, -1, dtype="int64")
    series = pd.Series(values).reset_index(drop=True)
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_date32(series.dtype.pyarrow_dtype):
        days = pa.array(series.array).cast(pa.int32()).cast(pa.int64())  # days since 1970
        missing = np.iinfo("int64").min
        out = np.asarray(pc.fill_null(days, missing).to_numpy(), dtype="int64")
        return np.where(out == missing, -1, out + _ORDINAL_EPOCH)
    if pd.api.types.is_datetime64_any_dtype(series):
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_localize(None)
        days = series.to_numpy(dtype="datetime64[D]")
        out = days.astype("int64") + _ORDINAL_EPOCH
        out[np.isnat(days)] = -1
        return out
    codes, uniques = pd.factorize(_text(series, n))
    parsed = np.array([*(_ordinal(v) for v in uniques), -1], dtype="int64")
    return parsed[codes]


def _ordinal(value) -> int:
    try:
        return parse_date(value).toordinal()
    except ValueError:
        return -1


def _codes(values: pd.Series) -> np.ndarray:
    """An int64 code per value, missing values sharing one code."""
    return pd.factorize(values, use_na_sentinel=False)[0].astype("int64")


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """Codes of ``values`` as text, missing as ``""``, numbered in sorted order.

    Returns the int64 codes and the sorted distinct values (``pd.factorize(...,
    sort=True)`` of the text, without turning a million cells into Python objects).
    """
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = None
    if array is None or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        text = values.astype(object).where(values.notna(), "")
        codes, uniques = pd.factorize(text, sort=True)
        return codes.astype("int64"), list(uniques)
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    words = ["" if w is None else w for w in encoded.dictionary.to_pylist()]
    names = sorted(set(words))
    position = pd.Index(names).get_indexer(words).astype("int64")
    return position[encoded.indices.to_numpy(zero_copy_only=False)], names


def _sum_per_key(key: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sum of ``values`` per ``key`` (0..size-1)."""
    if float(np.abs(values).sum(dtype="float64")) < 2.0**52:
        # every partial sum is an integer below 2**53: exact in float64
        return np.bincount(key, weights=values, minlength=size).astype("int64")
    out = np.zeros(size, dtype="int64")
    np.add.at(out, key, values)
    return out


def _centi(quantity: np.ndarray) -> np.ndarray:
    """Quantity in hundredths, rounded half-up on the exact binary value."""
    scaled = quantity * 100.0
    out = np.floor(scaled + 0.5)
    near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for i in np.flatnonzero(near):
        exact = (Decimal(float(quantity[i])) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        out[i] = float(exact)
    return out.astype("int64")


def _first_per_group(group: np.ndarray, order_key: np.ndarray, *others: np.ndarray):
    """For each value of ``group``, keep the pair with the smallest ``order_key``."""
    order = np.lexsort((order_key, group))
    group = group[order]
    keep = np.ones(len(group), dtype=bool)
    keep[1:] = group[1:] != group[:-1]
    return (group[keep], *(o[order][keep] for o in others))


def _sta_labels(start, end) -> pd.Series:
    """'STA 1+000 – 2+000' from chainage in metres."""
    a = np.floor(pd.to_numeric(pd.Series(start), errors="coerce").to_numpy(dtype=float) + 0.5)
    b = np.floor(pd.to_numeric(pd.Series(end), errors="coerce").to_numpy(dtype=float) + 0.5)
    ok = ~(np.isnan(a) | np.isnan(b))
    labels = np.full(len(a), None, dtype=object)
    labels[ok] = [
        f"STA {x // 1000}+{x % 1000:03d} – {y // 1000}+{y % 1000:03d}"
        for x, y in zip(a[ok].astype("int64").tolist(), b[ok].astype("int64").tolist(), strict=True)
    ]
    return pd.Series(pd.array(labels, dtype="str"))


def _to_4326(geoms: np.ndarray, crs) -> np.ndarray:
    if len(geoms) == 0:
        return geoms
    return gpd.GeoSeries(geoms, crs=crs).to_crs(4326).values.to_numpy()


def _clean_collections(geoms: np.ndarray, dimension: int) -> np.ndarray:
    """GeometryCollections from intersections reduced to their parts of ``dimension``."""
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):
        parts = shapely.get_parts(geoms[i])
        parts = shapely.get_parts(parts[shapely.get_dimensions(parts) == dimension])
        if dimension == 1:
            geoms[i] = shapely.line_merge(shapely.multilinestrings(parts))
        else:
            geoms[i] = shapely.multipolygons(parts)
    return geoms


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


#: Threads for the large GEOS calls (GEOS runs without Python's lock, so two cores give
#: nearly twice the speed); below _THREAD_MIN inputs a single call is faster.
_THREADS = max(1, min(4, os.cpu_count() or 1))
_THREAD_MIN = 20_000


def _chunks(n: int, minimum: int = _THREAD_MIN) -> list[np.ndarray]:
    if n < max(minimum, 2) or _THREADS == 1:
        return [np.arange(n)]
    return np.array_split(np.arange(n), _THREADS)


def _in_threads(function, chunks: list[np.ndarray]) -> list:
    if len(chunks) == 1:
        return [function(chunks[0])]
    with ThreadPoolExecutor(len(chunks)) as pool:
        return list(pool.map(function, chunks))


def _query(
    tree: shapely.STRtree, geoms: np.ndarray, *, minimum: int = _THREAD_MIN, **kwargs
) -> tuple[np.ndarray, np.ndarray]:
    """``tree.query(geoms, ...)`` -> (input index, tree index), in threads when at least
    ``minimum`` inputs."""
    distance = kwargs.pop("distance", None)

    def query(chunk: np.ndarray):
        extra = {}
        if distance is not None:
            extra["distance"] = distance if np.isscalar(distance) else distance[chunk]
        found = tree.query(geoms[chunk], **kwargs, **extra)
        return chunk[found[0]], found[1]

    parts = _in_threads(query, _chunks(len(geoms), minimum))
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _pairwise(function, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """A vectorised shapely function of two aligned arrays, in threads when large."""
    parts = _in_threads(lambda c: function(left[c], right[c]), _chunks(len(left)))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _nearest(
    tree: shapely.STRtree, geoms: np.ndarray, max_distance: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest tree geometries of each of ``geoms`` (ties all kept), at most
    ``max_distance`` away (``None``: no limit): (input index, tree index, distance)."""

    def query(chunk: np.ndarray):
        (which, found), dist = tree.query_nearest(
            geoms[chunk], max_distance=max_distance, return_distance=True, all_matches=True
        )
        return chunk[which], found, dist

    parts = _in_threads(query, _chunks(len(geoms)))
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


# -- coordinate spaces ------------------------------------------------------------------
@dataclass
class _Space:
    """Where topology is tested (the corridors' own CRS, as stored) and where lengths,
    areas and distances are measured (the metric CRS).

    Testing in the stored CRS avoids re-projecting a million poles and every corridor;
    only coordinates are projected to measure, and only the few geometries that need it
    (pieces, assets outside) are re-created.
    """

    stored: pyproj.CRS
    metric: pyproj.CRS

    def __post_init__(self) -> None:
        self.same = self.stored.equals(self.metric)
        self.transformer = (
            None
            if self.same
            else pyproj.Transformer.from_crs(self.stored, self.metric, always_xy=True)
        )
        self.wgs84 = self.stored.equals(pyproj.CRS.from_epsg(4326))

    def length(self, geoms: np.ndarray) -> np.ndarray:
        """Metric length of each geometry (points and polygons count 0)."""
        out = np.zeros(len(geoms))
        if len(geoms) == 0:
            return out
        if (shapely.get_type_id(geoms) == 1).all():
            parts, owner = geoms, np.arange(len(geoms))
        else:
            parts, owner = shapely.get_parts(geoms, return_index=True)
            linear = shapely.get_dimensions(parts) == 1
            parts, owner = parts[linear], owner[linear]
        coords, index = shapely.get_coordinates(parts, return_index=True)
        if len(coords) < 2:
            return out
        x, y = coords[:, 0], coords[:, 1]
        if self.transformer is not None:
            x, y = self.transformer.transform(x, y)
        segment = np.hypot(np.diff(x), np.diff(y)) * (index[1:] == index[:-1])
        per_part = np.bincount(index[:-1], weights=segment, minlength=len(parts))
        return np.bincount(owner, weights=per_part, minlength=len(geoms))

    def area(self, geoms: np.ndarray) -> np.ndarray:
        """Metric area of each geometry."""
        if len(geoms) == 0:
            return np.zeros(0)
        return shapely.area(self.to_metric(geoms))

    def to_metric(self, geoms: np.ndarray) -> np.ndarray:
        if self.same or len(geoms) == 0:
            return geoms
        transform = self.transformer.transform
        return shapely.transform(geoms, lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))

    def to_wgs84(self, geoms: np.ndarray) -> np.ndarray:
        if self.wgs84 or len(geoms) == 0:
            return geoms
        return gpd.GeoSeries(geoms, crs=self.stored).to_crs(4326).values.to_numpy()

    def scale(self, geoms: np.ndarray) -> tuple[float, float]:
        """Least and most metres per stored-CRS unit over the extent of ``geoms``.

        A distance ``d`` in the stored CRS is between ``least * d`` and ``most * d``
        metres. Geographic CRS: a degree of latitude is 110.57–111.70 km, a degree of
        longitude 111.32 km × cos(latitude). Other CRSs: measured by projecting unit
        steps at the corners and centre of the extent, widened by 2 %.
        """
        if self.same:
            return 1.0, 1.0
        west, south, east, north = shapely.total_bounds(geoms)
        if self.stored.is_geographic:
            high = min(max(abs(south), abs(north)), 89.0)
            low = 0.0 if south <= 0 <= north else min(abs(south), abs(north))
            least = min(110_574.0, 111_320.0 * np.cos(np.radians(high)))
            most = max(111_694.0, 111_320.0 * np.cos(np.radians(low)))
            return least * 0.999, most * 1.001
        x = np.array([west, west, east, east, (west + east) / 2])
        y = np.array([south, north, south, north, (south + north) / 2])
        x0, y0 = self.transformer.transform(x, y)
        steps = [self.transformer.transform(x + 1.0, y), self.transformer.transform(x, y + 1.0)]
        metres = np.concatenate([np.hypot(sx - x0, sy - y0) for sx, sy in steps])
        return float(metres.min()) / 1.02, float(metres.max()) * 1.02


# -- inputs --------------------------------------------------------------------------
class _Clock:
    """Seconds per stage, logged at debug level."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now
        log.debug("%s: %.2f s", name, self.laps[name])

    @property
    def total(self) -> float:
        return self.last - self.start


@dataclass
class _Corridors:
    """The corridors as arrays: ids, string rank, shapes (stored CRS), tree, attributes."""

    ids: pd.Series
    rank: np.ndarray  # string order of corridor_id: settles shared boundaries
    order: np.ndarray  # display order: road, chainage, corridor_id
    geoms: np.ndarray
    tree: shapely.STRtree
    text: dict[str, pd.Series]
    status_code: np.ndarray
    status_values: list
    class_code: np.ndarray
    class_values: list

    def __len__(self) -> int:
        return len(self.ids)


#: Polygons with more vertices than this are cut into pieces of their boundary of
#: _PIECE_SEGMENTS segments for the nearest-corridor search.
_PIECE_MIN_VERTICES = 128
_PIECE_SEGMENTS = 32


def _boundary_pieces(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Small shapes whose union is at least the corridors' boundaries, and their owners.

    Polygons with few vertices stay as they are; a larger polygon is replaced by its
    rings cut into lines of :data:`_PIECE_SEGMENTS` segments. For a geometry outside a
    polygon, the distance to the polygon is the distance to its rings, so the nearest
    piece gives the nearest corridor and the distance to it; small pieces have tight
    bounding boxes, so a tree search looks at few of them and measures each quickly
    (a real corridor can have tens of thousands of vertices across kilometres).
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    large = (shapely.get_type_id(parts) == 3) & (
        shapely.get_num_coordinates(parts) > _PIECE_MIN_VERTICES
    )
    rings, ring_part = shapely.get_rings(parts[large], return_index=True)
    xy = shapely.get_coordinates(rings)
    segments = np.maximum(shapely.get_num_coordinates(rings) - 1, 1)
    per_ring = -(-segments // _PIECE_SEGMENTS)
    piece_ring = np.repeat(np.arange(len(rings)), per_ring)
    within = np.arange(len(piece_ring)) - np.repeat(np.cumsum(per_ring) - per_ring, per_ring)
    count = np.minimum(_PIECE_SEGMENTS, segments[piece_ring] - within * _PIECE_SEGMENTS) + 1
    # Pieces follow each other along the ring and share their end vertex: output
    # position q holds vertex q - (pieces before q's piece) + (rings before q's ring).
    piece_of = np.repeat(np.arange(len(count)), count)
    vertex = np.arange(len(piece_of)) - piece_of + piece_ring[piece_of]
    lines = shapely.linestrings(xy[vertex], indices=piece_of)
    line_owner = owner[large][ring_part][piece_ring]
    return np.concatenate([parts[~large], lines]), np.concatenate([owner[~large], line_owner])


def _check_corridors(corridors) -> None:
    if corridors is None or len(corridors) == 0:
        raise SchemaError(
            "corridors", [ValidationProblem(None, None, "no corridors; build them first")]
        )
    problems = [
        ValidationProblem(None, c, "column is missing")
        for c in CORRIDOR_COLUMNS
        if c not in corridors.columns
    ]
    if corridors.crs is None:
        problems.append(ValidationProblem(None, "geometry", "layer has no CRS"))
    if "corridor_id" in corridors.columns:
        ids = _text(corridors["corridor_id"], len(corridors))
        for pos in np.flatnonzero(ids.isna().to_numpy())[:10]:
            problems.append(
                ValidationProblem(int(pos) + 1, "corridor_id", "required value is empty")
            )
        for value in ids[ids.duplicated() & ids.notna()].unique()[:10]:
            problems.append(
                ValidationProblem(None, "corridor_id", f"duplicate corridor_id {value!r}")
            )
    if problems:
        raise SchemaError("corridors", problems)


def _prepare_corridors(corridors: gpd.GeoDataFrame) -> _Corridors:
    n = len(corridors)
    ids = _text(corridors["corridor_id"], n)
    order = ids.argsort(kind="stable").to_numpy()
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(n)
    geoms = corridors.geometry.values.to_numpy()
    text = {
        c: _text(corridors[c], n) for c in ("road_id", "kabupaten", "road_status", "road_class")
    }
    if "sta" in corridors.columns:
        text["sta"] = _text(corridors["sta"], n)
    elif {"sta_from_m", "sta_to_m"} <= set(corridors.columns):
        text["sta"] = _sta_labels(corridors["sta_from_m"], corridors["sta_to_m"])
    else:
        text["sta"] = _text(None, n)
    chainage = (
        pd.to_numeric(corridors["sta_from_m"], errors="coerce").to_numpy(dtype="float64")
        if "sta_from_m" in corridors.columns
        else np.zeros(n)
    )
    road = text["road_id"].fillna("").to_numpy(dtype=object)
    display = np.lexsort((rank, np.nan_to_num(chainage, nan=np.inf), _string_rank(road)))
    order = np.empty(n, dtype="int64")
    order[display] = np.arange(n)
    status = _choice(text["road_status"])
    klass = _choice(text["road_class"])
    status_code, status_values = pd.factorize(status)
    class_code, class_values = pd.factorize(klass)
    return _Corridors(
        ids=ids,
        rank=rank,
        order=order,
        geoms=geoms,
        tree=shapely.STRtree(geoms),
        text=text,
        status_code=status_code.astype("int64") + 1,
        status_values=[None, *status_values],
        class_code=class_code.astype("int64") + 1,
        class_values=[None, *class_values],
    )


def _string_rank(values: np.ndarray) -> np.ndarray:
    _, inverse = np.unique(values.astype(str), return_inverse=True)
    return inverse.reshape(-1)


def _choose_crs(corridors: gpd.GeoDataFrame, crs) -> pyproj.CRS:
    if crs is not None:
        return require_metric(crs)
    if "metric_crs" in corridors.columns:
        values = {v for v in corridors["metric_crs"].dropna().astype(str).unique() if v.strip()}
        if len(values) == 1:
            return require_metric(parse_crs(values.pop()))
    return metric_crs(corridors)


@dataclass
class _Assets:
    """Every asset layer as one set of arrays (``layer`` codes index ``names``)."""

    names: list[str]
    objects: list[str]
    measures: list[str]
    layer: np.ndarray
    ids: pd.Series
    owner: pd.Series
    kind: pd.Series
    permit_no: pd.Series
    sta: pd.Series
    present_from: np.ndarray  # ordinal, -1 unknown
    geoms: np.ndarray  # in the corridors' CRS

    def __len__(self) -> int:
        return len(self.layer)

    def range(self, code: int) -> np.ndarray:
        return np.flatnonzero(self.layer == code)


def _assets(frames: dict[str, gpd.GeoDataFrame | None], space: _Space) -> _Assets:
    parts = []
    for name, frame in frames.items():
        if frame is None or len(frame) == 0:
            continue
        if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
            raise SchemaError(name, [ValidationProblem(None, "geometry", "layer has no CRS")])
        id_column, date_column = _LAYERS[name]
        if id_column not in frame.columns and "asset_id" in frame.columns:
            id_column = "asset_id"
        n = len(frame)

        def column(col: str, frame=frame):
            return frame[col] if col in frame.columns else None

        ids = _text(column(id_column), n)
        missing = ids.isna().to_numpy()
        if missing.any():
            ids[missing] = [f"{name}#{i + 1}" for i in np.flatnonzero(missing)]
        geometry = frame.geometry
        if not geometry.crs.equals(space.stored):
            geometry = geometry.to_crs(space.stored)
        parts.append(
            {
                "name": name,
                "ids": ids,
                "owner": _text(column("owner"), n),
                "kind": _choice(_text(column("kind"), n)),
                "permit_no": _text(column("permit_no"), n),
                "sta": _text(column("sta"), n),
                "present_from": _ordinals(column(date_column), n),
                "geoms": geometry.values.to_numpy(),
            }
        )
    names = [p["name"] for p in parts]
    objects = [next(o for o, spec in OBJECTS.items() if spec.layer == name) for name in names]

    def series(key):
        if not parts:
            return _text(None, 0)
        return pd.concat([p[key] for p in parts], ignore_index=True)

    def array(key, dtype):
        return np.concatenate([p[key] for p in parts]) if parts else np.empty(0, dtype=dtype)

    layer = [np.full(len(p["ids"]), i, dtype="int64") for i, p in enumerate(parts)]
    return _Assets(
        names=names,
        objects=objects,
        measures=[OBJECTS[o].measure for o in objects],
        layer=np.concatenate(layer) if parts else np.empty(0, dtype="int64"),
        ids=series("ids"),
        owner=series("owner"),
        kind=series("kind"),
        permit_no=series("permit_no"),
        sta=series("sta"),
        present_from=array("present_from", "int64"),
        geoms=array("geoms", object),
    )


# -- spatial: which corridor holds which asset, how much of it --------------------------
@dataclass
class _Pieces:
    """Asset pieces inside corridors: one per asset per corridor it lies in."""

    asset: np.ndarray
    corridor: np.ndarray
    quantity: np.ndarray  # units / m / m², unrounded
    geometry: np.ndarray  # EPSG:4326
    whole: np.ndarray  # the whole asset lies in this corridor

    def select(self, mask: np.ndarray) -> _Pieces:
        return _Pieces(*(getattr(self, f)[mask] for f in _PIECE_FIELDS))

    @classmethod
    def concat(cls, pieces: list[_Pieces]) -> _Pieces:
        if not pieces:
            return cls(*(np.empty(0, dtype=d) for d in ("int64", "int64", "f8", object, bool)))
        return cls(*(np.concatenate([getattr(p, f) for p in pieces]) for f in _PIECE_FIELDS))


_PIECE_FIELDS = ("asset", "corridor", "quantity", "geometry", "whole")


def _usable(geoms: np.ndarray) -> np.ndarray:
    return np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))


def _place_points(
    index: np.ndarray, assets: _Assets, corridors: _Corridors, space: _Space
) -> _Pieces:
    """Each point in the corridor covering it (smallest corridor_id on a shared edge)."""
    index = index[_usable(assets.geoms[index])]
    tree = shapely.STRtree(assets.geoms[index])
    # each corridor tests the points near it: worth a thread once the points are many
    minimum = 0 if len(index) >= _THREAD_MIN else _THREAD_MIN
    corridor, point = _query(tree, corridors.geoms, predicate="intersects", minimum=minimum)
    point, corridor = _first_per_group(index[point], corridors.rank[corridor], corridor)
    return _Pieces(
        asset=point,
        corridor=corridor,
        quantity=np.ones(len(point)),
        geometry=space.to_wgs84(assets.geoms[point]),
        whole=np.ones(len(point), dtype=bool),
    )


def _place_shapes(
    index: np.ndarray, measure_name: str, assets: _Assets, corridors: _Corridors, space: _Space
) -> tuple[_Pieces, np.ndarray]:
    """Pieces of lines (areas) per corridor, and each asset's length (area) outside all."""
    measure = space.length if measure_name == "length" else space.area
    dimension = 1 if measure_name == "length" else 2
    index = index[_usable(assets.geoms[index])]
    geoms = assets.geoms
    n = len(assets)
    total = np.zeros(n)
    total[index] = measure(geoms[index])

    # 1. Wholly inside one corridor: the full measure, no intersection computed.
    tree = shapely.STRtree(geoms[index])
    corridor, asset = _query(tree, corridors.geoms, predicate="contains_properly")
    asset, corridor = _first_per_group(index[asset], corridors.rank[corridor], corridor)
    whole = np.zeros(n, dtype=bool)
    whole[asset] = True

    # 2. The rest: intersect with each corridor they touch.
    rest = index[~whole[index]]
    part_asset, part_corridor = _query(corridors.tree, geoms[rest], predicate="intersects")
    part_asset = rest[part_asset]
    parts = _pairwise(shapely.intersection, geoms[part_asset], corridors.geoms[part_corridor])
    amount = measure(parts)
    inside = np.bincount(part_asset, weights=amount, minlength=n)
    doubled = np.zeros(n, dtype=bool)
    doubled[rest] = inside[rest] > total[rest] * (1 + 1e-9) + 1e-9
    if doubled.any():
        # Corridors sharing a stretch of boundary (or overlapping): the smallest
        # corridor_id takes the shared part, the next one what is left, and so on.
        redo = doubled[part_asset]
        order = np.lexsort((corridors.rank[part_corridor[redo]], part_asset[redo]))
        redo_asset, redo_corridor = part_asset[redo][order], part_corridor[redo][order]
        redo_parts = np.empty(len(redo_asset), dtype=object)
        remaining: dict[int, object] = {}
        for k, (a, c) in enumerate(zip(redo_asset.tolist(), redo_corridor.tolist(), strict=True)):
            left = remaining.get(a, geoms[a])
            redo_parts[k] = shapely.intersection(left, corridors.geoms[c])
            remaining[a] = shapely.difference(left, corridors.geoms[c])
        part_asset = np.concatenate([part_asset[~redo], redo_asset])
        part_corridor = np.concatenate([part_corridor[~redo], redo_corridor])
        parts = np.concatenate([parts[~redo], redo_parts])
        amount = measure(parts)
        inside = np.bincount(part_asset, weights=amount, minlength=n)
    keep = amount > 0
    part_asset, part_corridor = part_asset[keep], part_corridor[keep]
    parts, amount = _clean_collections(parts[keep], dimension), amount[keep]
    outside = np.zeros(n)
    outside[rest] = np.clip(total[rest] - inside[rest], 0.0, None)
    pieces = _Pieces(
        asset=np.concatenate([asset, part_asset]),
        corridor=np.concatenate([corridor, part_corridor]),
        quantity=np.concatenate([total[asset], amount]),
        geometry=space.to_wgs84(np.concatenate([geoms[asset], parts])),
        whole=np.concatenate([np.ones(len(asset), bool), np.zeros(len(part_asset), bool)]),
    )
    return pieces, outside


#: First radius (metres) of the nearest-corridor search; doubled until the search distance.
_FIRST_RADIUS_M = 20.0


def _distances(
    geoms: np.ndarray, corridors: _Corridors, space: _Space, search_m: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest corridor and metric distance to it, for assets outside every corridor,
    searched up to ``search_m`` metres away (``None``: no limit).

    Returns the corridor's position and the distance in metres; -1 and NaN for an asset
    with no corridor within ``search_m``. The search runs on small pieces of the
    corridors' boundaries (:func:`_boundary_pieces`) in the stored CRS with a growing
    radius (20 m, 40 m, 80 m, ... up to the search distance): an asset is settled in the
    first round whose radius holds its nearest piece with a margin for the
    stored-to-metric scale (:meth:`_Space.scale`), so no asset fans out over every
    corridor within the search distance. The distance is measured in the metric CRS
    between the asset and the projected pieces of the candidate corridors. Ties go to
    the smallest corridor_id.
    """
    n = len(geoms)
    nearest = np.full(n, -1, dtype="int64")
    distance = np.full(n, np.nan)
    if n == 0:
        return nearest, distance
    least, most = space.scale(geoms)
    ratio = most / least * (1 + 1e-9)
    last = np.inf if search_m is None else search_m / least * ratio
    pieces, owner = _boundary_pieces(corridors.geoms)
    tree = shapely.STRtree(pieces)
    found_asset, found_piece, found_gap = [], [], []
    active, radius = np.arange(n), min(_FIRST_RADIUS_M / least, last)
    while len(active):
        asset, piece = _query(tree, geoms[active], predicate="dwithin", distance=radius)
        asset = active[asset]
        gap = _pairwise(shapely.distance, geoms[asset], pieces[piece])
        closest = np.full(n, np.inf)
        np.minimum.at(closest, asset, gap)
        # settled: every piece that could be the nearest in metres is within the radius
        settled = closest * ratio <= radius
        keep = settled[asset] & (gap <= closest[asset] * ratio + 1e-12)
        found_asset.append(asset[keep])
        found_piece.append(piece[keep])
        found_gap.append(gap[keep])
        if radius >= last:
            break
        active = active[~settled[active]]
        radius = min(radius * 2, last)
    asset, piece = np.concatenate(found_asset), np.concatenate(found_piece)
    if space.same:
        metres = np.concatenate(found_gap)
    else:
        # measured between the projected asset and the projected piece (a few dozen
        # vertices): the distance in the metric CRS itself
        assets_used, asset_at = np.unique(asset, return_inverse=True)
        pieces_used, piece_at = np.unique(piece, return_inverse=True)
        metres = _pairwise(
            shapely.distance,
            space.to_metric(geoms[assets_used])[asset_at.reshape(-1)],
            space.to_metric(pieces[pieces_used])[piece_at.reshape(-1)],
        )
    corridor = owner[piece]
    order = np.lexsort((corridors.rank[corridor], metres, asset))
    asset, corridor, metres = asset[order], corridor[order], metres[order]
    first = np.ones(len(asset), dtype=bool)
    first[1:] = asset[1:] != asset[:-1]
    asset, corridor, metres = asset[first], corridor[first], metres[first]
    if search_m is not None:
        near = metres <= search_m
        asset, corridor, metres = asset[near], corridor[near], metres[near]
    nearest[asset] = corridor
    distance[asset] = metres
    return nearest, distance


# -- the assessment --------------------------------------------------------------------
@cycle_collector_paused()
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
    search_m = _search_distance(search_distance_m)
    first, last = billing_period(year, period_from, period_to)
    schedule = parse_tariffs(tariffs, source=tariffs.attrs.get("source", "tariff schedule"))
    permit_table = None
    if permits is not None:
        permit_table = parse_permits(permits, source=permits.attrs.get("source", "permits"))
    _check_corridors(corridors)
    metric = _choose_crs(corridors, crs)
    space = _Space(stored=pyproj.CRS(corridors.crs), metric=metric)
    corr = _prepare_corridors(corridors)
    poles, invalid_poles = _billable_rows(poles, "poles")
    utility_lines, invalid_lines = _billable_rows(utility_lines, "utility_lines")
    areas, invalid_areas = _billable_rows(areas, "areas")
    invalid = pd.concat([invalid_poles, invalid_lines, invalid_areas], ignore_index=True)
    assets = _assets({"poles": poles, "utility_lines": utility_lines, "areas": areas}, space)
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


def _billable_rows(
    frame: gpd.GeoDataFrame | None, layer: str
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame]:
    """(rows that meet the layer specification, the others as ``invalid_row`` entries).

    The check is :func:`geoasset.validate.validate_layer`, the one ``geoasset validate``
    runs: a row with a duplicate id, a blank owner, an unknown kind or an unreadable
    date (edited in QGIS after the import) is never billed; it is listed as not
    billable with every reason (row number in the layer, field, rule).
    """
    from geoasset.validate import ROW_COLUMN, validate_layer

    empty = gpd.GeoDataFrame(
        {name: pd.Series(dtype=object) for name in NOT_BILLABLE_COLUMNS},
        geometry=gpd.GeoSeries([], crs=4326),
    )
    if frame is None or len(frame) == 0:
        return frame, empty
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise SchemaError(layer, [ValidationProblem(None, "geometry", "layer has no CRS")])
    id_column = _LAYERS[layer][0]
    checked = frame
    if id_column not in frame.columns and "asset_id" in frame.columns:
        checked = frame.rename(columns={"asset_id": id_column})
    result = validate_layer(checked, layer, source=f"layer {layer!r}")
    if result.ok:
        return frame if checked is frame else result.valid, empty
    valid = result.valid
    if checked is not frame:
        valid = valid.rename(columns={id_column: "asset_id"})
    reasons: dict[int, list[str]] = {}
    for problem in result.problems:
        reasons.setdefault(problem.row, []).append(str(problem))
    refused = result.rejected[ROW_COLUMN].to_numpy(dtype="int64") - 1
    original = frame.iloc[refused]
    ids = _text(checked[id_column].iloc[refused] if id_column in checked else None, len(refused))
    log.warning(
        "layer %r: %d row(s) fail the layer specification and are not billed "
        "(listed as not billable, reason invalid_row)",
        layer,
        len(refused),
    )
    table = pd.DataFrame(
        {
            "asset_id": ids.where(ids.notna(), [f"{layer}#{r + 1}" for r in refused]),
            "layer": layer,
            "owner": _text(original["owner"] if "owner" in original else None, len(refused)),
            "kind": _text(original["kind"] if "kind" in original else None, len(refused)),
            "reason": "invalid_row",
            "detail": ["; ".join(reasons[int(r) + 1]) for r in refused],
            "quantity_outside": np.nan,
            "distance_to_corridor_m": np.nan,
            "nearest_corridor_id": None,
        }
    )
    geometry = gpd.GeoSeries(original.geometry.values, crs=frame.crs).to_crs(4326)
    return valid, gpd.GeoDataFrame(table, geometry=geometry.values, crs=4326)


def _ids_unique(assets: _Assets) -> bool:
    """Whether no two assets of a layer share an id."""
    return not any(
        assets.ids[assets.layer == code].duplicated().any() for code in range(len(assets.names))
    )


def _search_distance(value) -> float | None:
    if value is None:
        return None
    try:
        metres = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"search_distance_m must be a number of metres, not {value!r}") from None
    if np.isnan(metres) or metres <= 0:
        raise ValueError(f"search_distance_m must be positive, not {value!r}")
    return None if np.isinf(metres) else metres


def _permit_index(assets: _Assets, permits: pd.DataFrame | None) -> np.ndarray:
    """Row of each asset's permit in ``permits`` (-1: none, unknown, or another owner's)."""
    if permits is None or len(permits) == 0:
        return np.full(len(assets), -1, dtype="int64")
    index = pd.Index(permits["permit_no"].astype(str)).get_indexer(assets.permit_no)
    known = index >= 0
    permit_owner = _text(permits["owner"], len(permits)).str.casefold().to_numpy(dtype=object)
    asset_owner = assets.owner.str.casefold().to_numpy(dtype=object, na_value=None)
    mismatch = np.zeros(len(index), dtype=bool)
    mismatch[known] = permit_owner[index[known]] != asset_owner[known]
    index[mismatch] = -1
    return index.astype("int64")


def _present_from(assets, permit_index, permits, first: date) -> np.ndarray:
    """First day each asset is known to stand on the land (period start if unknown)."""
    never = np.iinfo("int64").max
    known = np.where(assets.present_from >= 0, assets.present_from, never)
    if permits is not None and len(permits):
        starts = np.array([d.toordinal() for d in permits["valid_from"]], dtype="int64")
        has = permit_index >= 0
        known[has] = np.minimum(known[has], starts[permit_index[has]])
    return np.where(known == never, first.toordinal(), known)


@dataclass
class _Billed:
    """Line items before sorting: piece, tariff row, days and exact amount."""

    piece: np.ndarray
    tariff: np.ndarray  # position in the schedule
    days: np.ndarray
    billed_from: np.ndarray
    billed_to: np.ndarray
    amount: np.ndarray


def _bill(*, piece, q_centi, assets, active_from, corr, schedule, first, last):
    """Each piece × each tariff row applying on some of its days, with the amount."""
    n = len(piece.asset)
    p0, p1 = first.toordinal(), last.toordinal()
    kind_code, kind_values = pd.factorize(assets.kind)
    kind_values = [None, *kind_values]
    sizes = (len(assets.objects), len(kind_values), len(corr.status_values), len(corr.class_values))
    key = np.ravel_multi_index(
        (
            assets.layer[piece.asset],
            kind_code[piece.asset].astype("int64") + 1,
            corr.status_code[piece.corridor],
            corr.class_code[piece.corridor],
        ),
        sizes,
    )
    keys, key_of_piece = np.unique(key, return_inverse=True)
    key_of_piece = key_of_piece.reshape(-1)

    # The schedule of each distinct key: stretches of the period and the row applying.
    rows = schedule.to_dict("records")
    sched_key, sched_tariff, sched_first, sched_last, ambiguous = [], [], [], [], []
    for k, value in enumerate(keys.tolist()):
        layer, kind, status, klass = np.unravel_index(value, sizes)
        asked = {
            "object": assets.objects[layer],
            "kind": kind_values[kind],
            "road_status": corr.status_values[status],
            "road_class": corr.class_values[klass],
        }
        for stretch in applicable_tariffs(rows, **asked, period_from=first, period_to=last):
            sched_key.append(k)
            sched_first.append(stretch.first.toordinal())
            sched_last.append(stretch.last.toordinal())
            if stretch.ambiguous:
                sched_tariff.append(-1 - len(ambiguous))
                ambiguous.append((stretch, asked))
            else:
                sched_tariff.append(stretch.positions[0])
    sched_key = np.asarray(sched_key, dtype="int64")
    sched_tariff = np.asarray(sched_tariff, dtype="int64")
    sched_first = np.asarray(sched_first, dtype="int64")
    sched_last = np.asarray(sched_last, dtype="int64")
    per_key = np.bincount(sched_key, minlength=len(keys))
    key_start = np.concatenate([[0], np.cumsum(per_key)[:-1]]).astype("int64")

    # Expand each piece over the stretches of its key; keep the days it is present.
    repeats = per_key[key_of_piece]
    item_piece = np.repeat(np.arange(n), repeats)
    within = np.arange(len(item_piece)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    j = key_start[key_of_piece[item_piece]] + within
    lo = np.maximum(active_from[piece.asset[item_piece]], sched_first[j])
    hi = sched_last[j]
    billed = hi >= lo
    item_piece, j, lo, hi = item_piece[billed], j[billed], lo[billed], hi[billed]
    tariff = sched_tariff[j]
    if (tariff < 0).any():
        _raise_ambiguous(tariff, item_piece, piece, assets, ambiguous, schedule)

    # Day fractions as exact integers: a day weighs 366 in a 365-day year and 365 in a
    # leap year, so days/365 and days/366 share the denominator _YEAR_WEIGHT.
    weights = np.full(p1 - p0 + 1, 366, dtype="int64")
    for y in range(first.year, last.year + 1):
        if _leap(y):
            a = max(date(y, 1, 1).toordinal(), p0) - p0
            b = min(date(y, 12, 31).toordinal(), p1) - p0
            weights[a : b + 1] = 365
    cumulative = np.concatenate([[0], np.cumsum(weights)])
    days = hi - lo + 1
    daily = schedule["unit"].to_numpy(dtype=object)[tariff] == "per_unit_day"
    weight = np.where(daily, days, cumulative[hi - p0 + 1] - cumulative[lo - p0])

    # One line item per piece per tariff row, even if the row applies on two separate
    # stretches of the period (a more specific row valid in between).
    pairs = sched_key * (len(schedule) + 1) + np.maximum(sched_tariff, 0)
    if len(item_piece) and len(np.unique(pairs)) < len(pairs):
        combined = item_piece * (len(schedule) + 1) + tariff
        unique, first_at, inverse = np.unique(combined, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if len(unique) < len(combined):
            days = np.bincount(inverse, weights=days).astype("int64")
            weight = np.bincount(inverse, weights=weight).astype("int64")
            lo_min = np.full(len(unique), np.iinfo("int64").max)
            np.minimum.at(lo_min, inverse, lo)
            hi_max = np.full(len(unique), np.iinfo("int64").min)
            np.maximum.at(hi_max, inverse, hi)
            item_piece, tariff, daily = item_piece[first_at], tariff[first_at], daily[first_at]
            lo, hi = lo_min, hi_max

    rate_centi = [int(r * 100) for r in schedule["rate_rp"]]
    amount = _amounts(
        np.array(rate_centi, dtype=object)[tariff], q_centi[item_piece], weight, daily
    )
    billed_days = np.bincount(item_piece, weights=days, minlength=n).astype("int64")
    active_days = np.maximum(p1 - active_from[piece.asset] + 1, 0)
    return _Billed(
        item_piece, tariff, days.astype("int64"), lo, hi, amount
    ), active_days - billed_days


def _amounts(rate_centi: np.ndarray, q_centi: np.ndarray, weight: np.ndarray, daily) -> np.ndarray:
    """round_half_up(rate × quantity × day fraction) in whole rupiah, exactly.

    Rate and quantity are in hundredths; the day fraction is weight / _YEAR_WEIGHT for
    yearly rates and weight (= days) for daily rates. int64 when it cannot overflow,
    Python integers otherwise.
    """
    if len(rate_centi) == 0:
        return np.zeros(0, dtype="int64")
    denominator = np.where(daily, 10_000, 10_000 * _YEAR_WEIGHT).astype("int64")
    bound = float(max(rate_centi.tolist())) * float(q_centi.max()) * float(weight.max())
    if 2 * bound + 2 * 10_000 * _YEAR_WEIGHT < _INT64_SAFE:
        numerator = rate_centi.astype("int64") * q_centi * weight
        return (2 * numerator + denominator) // (2 * denominator)
    numerator = rate_centi * q_centi.astype(object) * weight.astype(object)
    denominator = denominator.astype(object)
    return ((2 * numerator + denominator) // (2 * denominator)).astype("int64")


def _raise_ambiguous(tariff, item_piece, piece, assets, ambiguous, schedule) -> None:
    problems = []
    rows = dict(zip(schedule["tariff_id"], schedule["source_row"], strict=True))
    for code in sorted(set((-1 - tariff[tariff < 0]).tolist())):
        stretch, asked = ambiguous[code]
        hits = piece.asset[item_piece[tariff == -1 - code]]
        asset = hits[0]
        others = len(np.unique(hits)) - 1
        ids = " and ".join(f"{t!r} (row {rows[t]})" for t in stretch.tariff_ids)
        more = f" and {others} other asset(s) like it" if others else ""
        problems.append(
            ValidationProblem(
                None,
                None,
                f"{assets.names[assets.layer[asset]]} asset {assets.ids.iloc[asset]!r}{more} "
                f"({asked['object']}, kind {asked['kind'] or '-'}, road status "
                f"{asked['road_status'] or '-'}, road class {asked['road_class'] or '-'}) "
                f"matches tariff rows {ids} equally (specificity {stretch.specificity}) from "
                f"{stretch.first} to {stretch.last}; add a more specific row or narrow one",
            )
        )
    raise TariffError(schedule.attrs.get("source", "tariff schedule"), problems)


def _items_frame(
    *, billed, piece, q_centi, assets, corr, schedule, permit_index, permits, first, last
) -> gpd.GeoDataFrame:
    asset = piece.asset[billed.piece]
    corridor = piece.corridor[billed.piece]
    layer = assets.layer[asset]
    order = np.lexsort((billed.tariff, billed.billed_from, asset, layer, corr.order[corridor]))
    asset, corridor, layer = asset[order], corridor[order], layer[order]
    tariff, item_piece = billed.tariff[order], billed.piece[order]
    lo, hi, days = billed.billed_from[order], billed.billed_to[order], billed.days[order]
    n = len(order)
    units = schedule["unit"].to_numpy(dtype=object)
    daily = units[tariff] == "per_unit_day"
    status = _statuses(asset, lo, hi, permit_index, permits)

    own_sta = pd.Series(assets.sta.array.take(asset))
    corridor_sta = pd.Series(corr.text["sta"].array.take(corridor))
    own = (own_sta.notna() & piece.whole[item_piece]).to_numpy()
    sta = own_sta.where(own, corridor_sta)
    frame = pd.DataFrame(
        {
            "item_id": np.arange(1, n + 1, dtype="int64"),
            "asset_id": assets.ids.array.take(asset),
            "layer": _small(assets.names).take(layer),
            "owner": assets.owner.array.take(asset),
            "kind": assets.kind.array.take(asset),
            "corridor_id": corr.ids.array.take(corridor),
            **{c: corr.text[c].array.take(corridor) for c in CORRIDOR_COLUMNS[1:]},
            "sta": sta.array,
            "quantity": q_centi[item_piece] / 100.0,
            "quantity_unit": _small(_QUANTITY_UNIT[m] for m in assets.measures).take(layer),
            "unit": _small(units).take(tariff),
            "rate_rp": np.array([float(r) for r in schedule["rate_rp"]], dtype="float64")[tariff],
            "billed_from": _iso(lo),
            "billed_to": _iso(hi),
            "days": days,
            "period_days": np.full(n, last.toordinal() - first.toordinal() + 1, dtype="int64"),
            "day_fraction": _fractions(lo, hi, days, daily),
            "amount_rp": billed.amount[order].astype("int64"),
            "tariff_id": _small(schedule["tariff_id"]).take(tariff),
            "legal_basis": _small(schedule["legal_basis"]).take(tariff),
            "permit_no": assets.permit_no.array.take(asset),
            "payment_status": _small(PAYMENT_STATUSES).take(status),
        }
    )
    items = gpd.GeoDataFrame(frame, geometry=piece.geometry[item_piece], crs=4326)
    return items, own, asset


def _statuses(asset, lo, hi, permit_index, permits) -> np.ndarray:
    """Payment status codes (positions in PAYMENT_STATUSES) of line items."""
    if permits is None:
        return np.full(len(asset), PAYMENT_STATUSES.index("unknown"), dtype="int64")
    out = np.full(len(asset), PAYMENT_STATUSES.index("no_permit"), dtype="int64")
    if len(permits) == 0:
        return out
    starts = np.array([d.toordinal() for d in permits["valid_from"]], dtype="int64")
    ends = np.array(
        [date.max.toordinal() if d is None else d.toordinal() for d in permits["valid_to"]],
        dtype="int64",
    )
    paid = np.array([-1 if d is None else d.toordinal() for d in permits["paid_until"]], "int64")
    index = permit_index[asset]
    has = index >= 0
    i = index[has]
    state = np.where(paid[i] >= hi[has], 0, 1)
    state[(starts[i] > hi[has]) | (ends[i] < lo[has])] = PAYMENT_STATUSES.index("no_permit")
    out[has] = state
    return out


def _iso(ordinals: np.ndarray):
    unique, inverse = np.unique(ordinals, return_inverse=True)
    labels = _small(date.fromordinal(int(d)).isoformat() for d in unique)
    return labels.take(inverse.reshape(-1))


def _fractions(lo, hi, days, daily):
    """The day fraction as text: '184/365', '92/365 + 60/366' or '30 days'."""
    if len(lo) == 0:
        return _small([])
    span = int(hi.max() - lo.min() + 2)
    combined = ((lo - lo.min()) * span + (hi - lo.min())) * (span * 2) + days * 2 + daily
    unique, first_at, inverse = np.unique(combined, return_index=True, return_inverse=True)
    texts = []
    for k in first_at.tolist():
        a, b, d = date.fromordinal(int(lo[k])), date.fromordinal(int(hi[k])), int(days[k])
        if daily[k]:
            texts.append(f"{d} days")
        elif d != b.toordinal() - a.toordinal() + 1:
            texts.append(f"{d} days in separate stretches")
        else:
            parts = []
            for y in range(a.year, b.year + 1):
                y0, y1 = max(a, date(y, 1, 1)), min(b, date(y, 12, 31))
                parts.append(f"{y1.toordinal() - y0.toordinal() + 1}/{366 if _leap(y) else 365}")
            texts.append(" + ".join(parts))
    return _small(texts).take(inverse.reshape(-1))


def _sta_along_roads(items, missing, roads, corridors, metric) -> gpd.GeoDataFrame:
    """Locate along ``roads`` the items without an STA of their own (line pieces, assets
    never located): their corridor's STA range is replaced by their own STA."""
    from geoasset import chainage

    items = items.copy()
    points = (items["layer"] == "poles").to_numpy()
    for mask, locate in (
        (missing & points, chainage.locate_points),
        (missing & ~points, chainage.locate_lines),
    ):
        if not mask.any():
            continue
        located = locate(items[mask], roads, corridors=corridors, crs=metric)
        sta = pd.Series(located["sta"].to_numpy(dtype=object), index=items.index[mask])
        items.loc[mask, "sta"] = sta.where(sta.notna(), items.loc[mask, "sta"])
    return items


def _beyond_text(search_m: float | None) -> str:
    """The detail of an asset with no corridor within the search distance."""
    if search_m is None:
        return "no corridor"
    return f"more than {search_m:,.2f} m from any corridor".replace(".00 m", " m")


def _not_billable(
    *, assets, piece, outside, present, unbilled_days, corr, space, last, search_m
) -> gpd.GeoDataFrame:
    n = len(assets)
    placed = np.zeros(n, dtype=bool)
    placed[piece.asset] = True
    missing = np.zeros(n, dtype=bool)
    missing[:] = True
    missing[_usable(assets.geoms)] = False
    frames = []

    def add(index, reason, detail, quantity, distance, nearest, geometry):
        frames.append(
            pd.DataFrame(
                {
                    "asset_id": assets.ids.array.take(index),
                    "layer": _small(assets.names).take(assets.layer[index]),
                    "owner": assets.owner.array.take(index),
                    "kind": assets.kind.array.take(index),
                    "reason": reason,
                    "detail": _small(detail),
                    "quantity_outside": np.asarray(quantity, dtype="float64"),
                    "distance_to_corridor_m": np.asarray(distance, dtype="float64"),
                    "nearest_corridor_id": nearest,
                    "_geometry": geometry,
                }
            )
        )

    # Wholly outside every corridor, with the distance to the nearest one if it is
    # within the search distance.
    out = np.flatnonzero(~placed & ~missing)
    nearest, distance = _distances(assets.geoms[out], corr, space, search_m)
    nearest_id = corr.ids.array.take(nearest, allow_fill=True)
    measures = np.array(assets.measures, dtype=object)[assets.layer[out]]
    whole = np.ones(len(out))
    lines, areas = measures == "length", measures == "area"
    whole[lines] = space.length(assets.geoms[out[lines]])
    whole[areas] = space.area(assets.geoms[out[areas]])
    beyond = _beyond_text(search_m)
    add(
        out,
        "outside_right_of_way",
        [
            beyond if c < 0 else f"{d:.2f} m from corridor {i}"
            for d, c, i in zip(
                distance.tolist(), nearest.tolist(), nearest_id.tolist(), strict=True
            )
        ],
        _centi(whole) / 100.0,
        np.round(distance, 2),
        nearest_id,
        space.to_wgs84(assets.geoms[out]),
    )
    # Billed in part: the metres (m²) outside every corridor.
    partly = np.flatnonzero(placed & (_centi(outside) > 0))
    units = np.array([_QUANTITY_UNIT[m] for m in assets.measures], dtype=object)
    add(
        partly,
        "partly_outside",
        [f"{outside[i]:.2f} {units[assets.layer[i]]} outside every corridor" for i in partly],
        _centi(outside[partly]) / 100.0,
        np.zeros(len(partly)),
        _small([None] * len(partly)),
        space.to_wgs84(assets.geoms[partly]),
    )
    gone = np.flatnonzero(missing)
    add(
        gone,
        "no_geometry",
        ["geometry is missing or empty"] * len(gone),
        np.full(len(gone), np.nan),
        np.full(len(gone), np.nan),
        _small([None] * len(gone)),
        assets.geoms[gone],
    )
    # Inside a corridor but first known after the period.
    placed_assets, first_piece = np.unique(piece.asset, return_index=True)
    late = present[placed_assets] > last.toordinal()
    add(
        placed_assets[late],
        "not_in_period",
        [
            f"first known on {date.fromordinal(int(present[a]))}, after the period"
            for a in placed_assets[late]
        ],
        np.full(int(late.sum()), np.nan),
        np.zeros(int(late.sum())),
        corr.ids.array.take(piece.corridor[first_piece[late]]),
        space.to_wgs84(assets.geoms[placed_assets[late]]),
    )
    # Present, but on some days no tariff row applies.
    gaps = np.flatnonzero(unbilled_days > 0)
    add(
        piece.asset[gaps],
        "no_tariff",
        [
            f"no tariff row applies on {int(unbilled_days[g])} day(s) of the period"
            for g in gaps.tolist()
        ],
        np.full(len(gaps), np.nan),
        np.zeros(len(gaps)),
        corr.ids.array.take(piece.corridor[gaps]),
        piece.geometry[gaps],
    )
    table = pd.concat(frames, ignore_index=True)
    geometry = table.pop("_geometry").to_numpy()
    return gpd.GeoDataFrame(table, geometry=geometry, crs=4326)


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
