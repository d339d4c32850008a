"""What an assessment produces: the line-item and not-billable columns, the conventions,
and :class:`Assessment` with its totals (sums of line items).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geoasset.assessment_arrays import (
    _codes,
    _sorted_codes,
    _sum_per_key,
)

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


def _status_amounts(items, status, statuses, amount) -> dict[str, np.ndarray]:
    """Each line item's ``paid_rp``, ``unpaid_rp`` (with a permit) and ``no_permit_rp``:
    as settled (:func:`geoasset.ledger.settle`, a partly paid item split to the rupiah)
    when the items carry ``paid_rp`` and ``unpaid_rp``, else the whole amount by status."""
    if {"paid_rp", "unpaid_rp"} <= set(items.columns):
        paid = items["paid_rp"].to_numpy(dtype="int64")
        unpaid = items["unpaid_rp"].to_numpy(dtype="int64")
        no_permit = items["payment_status"].astype(str).to_numpy() == "no_permit"
        return {
            "paid_rp": paid,
            "unpaid_rp": np.where(no_permit, 0, unpaid),
            "no_permit_rp": np.where(no_permit, unpaid, 0),
        }
    return {
        f"{n}_rp": np.where(status == statuses.index(n), amount, 0)
        for n in ("paid", "unpaid", "no_permit")
        if n in statuses
    }


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
                **_status_amounts(items, status, statuses, amount),
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
            info = self.corridors.drop_duplicates("corridor_id")
            # each total's corridor, found once: the row of the corridors' table
            at = pd.Index(info["corridor_id"]).get_indexer(out["corridor_id"])
            order = np.argsort(np.where(at < 0, len(info), at), kind="stable")
            out, at = out.iloc[order].reset_index(drop=True), at[order]
            extra = [c for c in ("road_id", "kabupaten", "sta") if c in info.columns]
            for position, column in enumerate(extra, start=1):
                values = pd.Series(info[column].array.take(at, allow_fill=True))
                out.insert(position, column, values)
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
        amount = items["amount_rp"].astype("int64")
        codes = self._item_codes()
        grand = {
            "level": "total",
            "key": "",
            "assets": len(pd.unique(self._asset_codes())),
            "items": len(items),
            "amount_rp": int(amount.sum()),
            **{
                name: int(codes[name].sum()) if name in codes else 0
                for name in ("paid_rp", "unpaid_rp", "no_permit_rp")
            },
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
