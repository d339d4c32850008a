"""Billing: the period, the tariff row applying to each piece on each day, exact amounts
in whole rupiah, and the payment status of each line item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from geoasset.assessment_arrays import (
    _leap,
    _text,
)
from geoasset.assessment_inputs import _Assets
from geoasset.assessment_result import PAYMENT_STATUSES
from geoasset.errors import TariffError, ValidationProblem
from geoasset.tariffs import applicable_tariffs, parse_date

#: Common denominator of 1/365 and 1/366: a day of a 365-day year weighs 366, of a leap
#: year 365, so a whole year always weighs YEAR_WEIGHT.
_YEAR_WEIGHT = 365 * 366
_INT64_SAFE = 2**62


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
