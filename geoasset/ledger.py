"""What is paid and what is owed: line items against permits and payments, across years.

Each line item of a year's assessment is **settled** against the inventory's permits
(:mod:`geoasset.permits`) and payments (:mod:`geoasset.payments`):

* **Which permit.** The permit that lists the asset in ``assets``; else the permit whose
  number the asset carries (``permit_no``); else a permit of the owner for the item's
  corridor (``corridor_id``). The permit's owner must be the asset's owner (same name,
  ignoring case and spaces, or the same company of the owners register), and its
  validity must overlap the billed days; otherwise the asset has **no permit** and is on
  the warning list.
* **Which days are paid.** The union of the periods of the permit's payments. A payment
  settles its period, not an amount: a permit paid to 30 June 2026 leaves 1 July – 31
  December unpaid, 184 of 2026's 365 days.
* **How much is unpaid.** Actual/actual like the assessment: the unpaid share is the
  rate × quantity × unpaid days / days of the year (× unpaid days for a daily rate),
  computed exactly and rounded half-up to the rupiah once; the paid share is the line
  item's amount minus it, so paid + unpaid = the amount, to the rupiah.

Statuses: ``paid`` (every billed day paid), ``partly_paid``, ``unpaid`` (a permit, no day
paid) and ``no_permit``. Arrears of earlier years are the unpaid shares of the line items
of their statements (kept in the ``statement_ledger`` table), settled again against the
payments as they are now, so a late payment clears them. A late-payment sanction is a
percentage per started month after the due date, capped in months
(:func:`sanction`); its rate comes from the settings file (default 0).

>>> items = pd.DataFrame({"asset_id": ["P1"], "owner": ["PLN"], "corridor_id": ["R1"],
...     "permit_no": ["IZ-1"], "quantity": [1.0], "unit": ["per_unit_year"],
...     "rate_rp": [720000.0], "billed_from": ["2026-01-01"], "billed_to": ["2026-12-31"],
...     "days": [365], "amount_rp": [720000]})
>>> permits = pd.DataFrame({"permit_no": ["IZ-1"], "owner": ["pln"], "assets": [""],
...     "corridor_id": [""], "valid_from": ["2025-01-01"], "valid_to": [""]})
>>> payments = pd.DataFrame({"permit_no": ["IZ-1"], "period_from": ["2026-01-01"],
...     "period_to": ["2026-06-30"], "paid_on": ["2026-01-20"], "amount_rp": [357041]})
>>> settle(items, permits, payments)[["payment_status", "unpaid_days", "paid_rp", "unpaid_rp"]].values.tolist()
[['partly_paid', 184, 357041, 362959]]
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from geoasset.owners import OwnersRegister, name_key

__all__ = [
    "LEDGER_COLUMNS",
    "LEDGER_TABLE",
    "SETTLEMENT_STATUSES",
    "arrears_by_year",
    "months_late",
    "sanction",
    "settle",
    "settle_assessment",
    "stored_ledger",
    "write_ledger",
]

LEDGER_TABLE = "statement_ledger"
SETTLEMENT_STATUSES = ("paid", "partly_paid", "unpaid", "no_permit")

#: columns of the statement ledger: each line item of each year's statements
LEDGER_COLUMNS = (
    "year",
    "number",
    "owner",
    "asset_id",
    "layer",
    "kind",
    "corridor_id",
    "sta",
    "permit_no",
    "quantity",
    "unit",
    "rate_rp",
    "billed_from",
    "billed_to",
    "days",
    "amount_rp",
    "payment_status",
    "paid_rp",
    "unpaid_rp",
    "issued_on",
    "due_on",
)


def _owner_of(owners: OwnersRegister | None):
    """Name -> comparison key: the register's company when it knows the name."""

    def key(name: str) -> str:
        k = name_key(name)
        if owners is not None:
            return "id:" + owners.keys[k] if k in owners.keys else k
        return k

    return key


def _intervals(payments: pd.DataFrame | None) -> dict[str, list[tuple[int, int]]]:
    """Permit number -> merged paid periods, as (first, last) day ordinals."""
    out: dict[str, list[tuple[int, int]]] = {}
    if payments is None or not len(payments):
        return out
    spans: dict[str, list[tuple[int, int]]] = {}
    for permit, start, end in zip(
        payments["permit_no"].astype(str),
        payments["period_from"].astype(str),
        payments["period_to"].astype(str),
        strict=True,
    ):
        spans.setdefault(permit, []).append(
            (date.fromisoformat(start[:10]).toordinal(), date.fromisoformat(end[:10]).toordinal())
        )
    for permit, pieces in spans.items():
        merged: list[list[int]] = []
        for lo, hi in sorted(pieces):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        out[permit] = [(lo, hi) for lo, hi in merged]
    return out


def _paid_days(spans: list[tuple[int, int]], lo: int, hi: int) -> int:
    return sum(max(0, min(hi, b) - max(lo, a) + 1) for a, b in spans)


def _ordinal(text: str, default: int) -> int:
    text = str(text or "")[:10]
    return date.fromisoformat(text).toordinal() if text else default


def _resolve(items: pd.DataFrame, permits: pd.DataFrame, owner_key) -> np.ndarray:
    """Row in ``permits`` of each item's permit (-1: none that fits)."""
    by_asset: dict[str, int] = {}
    by_number: dict[str, int] = {}
    by_corridor: dict[tuple[str, str], int] = {}
    owners = [owner_key(o) for o in permits["owner"].astype(str)]
    for row, (number, assets, corridor) in enumerate(
        zip(
            permits["permit_no"].astype(str),
            permits["assets"].fillna("").astype(str),
            permits["corridor_id"].fillna("").astype(str),
            strict=True,
        )
    ):
        by_number.setdefault(number, row)
        for asset in filter(None, (a.strip() for a in assets.split(";"))):
            by_asset.setdefault(asset, row)
        if corridor.strip():
            by_corridor.setdefault((corridor.strip(), owners[row]), row)
    starts = [_ordinal(v, date.min.toordinal()) for v in permits["valid_from"]]
    ends = [_ordinal(v, date.max.toordinal()) for v in permits["valid_to"]]
    found = np.full(len(items), -1, dtype="int64")
    permit_no = items["permit_no"] if "permit_no" in items else pd.Series("", index=items.index)
    columns = zip(
        items["asset_id"].astype(str),
        items["owner"].astype(str),
        permit_no.fillna("").astype(str),
        items["corridor_id"].fillna("").astype(str),
        items["billed_from"].astype(str),
        items["billed_to"].astype(str),
        strict=True,
    )
    for i, (asset, owner, number, corridor, first, last) in enumerate(columns):
        key = owner_key(owner)
        row = by_asset.get(asset, -1)
        if row < 0:
            row = by_number.get(number.strip(), -1)
        if row < 0 or owners[row] != key:
            row = by_corridor.get((corridor, key), -1)
        if row < 0 or owners[row] != key:
            continue
        if starts[row] > _ordinal(last, 0) or ends[row] < _ordinal(first, 0):
            continue
        found[i] = row
    return found


def _half_up(value: Fraction) -> int:
    """Round a non-negative exact value half-up to a whole number."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def _unpaid_share(rate, quantity, unit: str, unpaid_days: int, billed_from: str) -> int:
    """Rate × quantity × unpaid days (/ days of the year for a yearly rate), half-up once."""
    exact = Fraction(Decimal(str(rate))) * Fraction(Decimal(str(quantity))) * unpaid_days
    if not str(unit).endswith("_day"):
        year = int(str(billed_from)[:4])
        exact /= 366 if calendar.isleap(year) else 365
    return _half_up(exact)


def settle(
    items: pd.DataFrame,
    permits: pd.DataFrame | None,
    payments: pd.DataFrame | None,
    *,
    owners: OwnersRegister | None = None,
) -> pd.DataFrame:
    """The line items with their permit and what of them is paid (see the module docstring).

    Adds ``permit_no`` (the permit that covers the item, blank without one),
    ``payment_status``, ``paid_days``, ``unpaid_days``, ``paid_rp`` and ``unpaid_rp``.
    """
    out = items.copy()
    n = len(out)
    days = out["days"].to_numpy(dtype="int64") if n else np.zeros(0, "int64")
    amount = out["amount_rp"].to_numpy(dtype="int64") if n else np.zeros(0, "int64")
    if permits is None or not len(permits) or not n:
        row = np.full(n, -1, dtype="int64")
    else:
        row = _resolve(out, permits, _owner_of(owners))
    numbers = (
        permits["permit_no"].astype(str).to_numpy(dtype=object)
        if permits is not None and len(permits)
        else np.array([], dtype=object)
    )
    permit = np.where(row >= 0, numbers[np.maximum(row, 0)] if len(numbers) else "", "")
    spans = _intervals(payments)
    paid_days = np.zeros(n, dtype="int64")
    firsts = out["billed_from"].astype(str).tolist() if n else []
    lasts = out["billed_to"].astype(str).tolist() if n else []
    for i in np.flatnonzero(row >= 0):
        pieces = spans.get(permit[i])
        if pieces:
            lo = date.fromisoformat(firsts[i][:10]).toordinal()
            hi = date.fromisoformat(lasts[i][:10]).toordinal()
            paid_days[i] = min(int(days[i]), _paid_days(pieces, lo, hi))
    unpaid_days = days - paid_days
    unpaid = amount.copy()
    unpaid[paid_days >= days] = 0
    partial = np.flatnonzero((paid_days > 0) & (paid_days < days))
    for i in partial:
        unpaid[i] = min(
            amount[i],
            _unpaid_share(
                out["rate_rp"].iat[i],
                out["quantity"].iat[i],
                out["unit"].iat[i],
                int(unpaid_days[i]),
                firsts[i],
            ),
        )
    status = np.where(
        row < 0,
        "no_permit",
        np.where(paid_days >= days, "paid", np.where(paid_days > 0, "partly_paid", "unpaid")),
    )
    out["permit_no"] = permit.astype(object)
    out["payment_status"] = status.astype(object)
    out["paid_days"] = paid_days
    out["unpaid_days"] = unpaid_days
    out["paid_rp"] = amount - unpaid
    out["unpaid_rp"] = unpaid
    return out


def settle_assessment(
    assessment,
    permits: pd.DataFrame,
    payments: pd.DataFrame | None,
    *,
    source: str = "inventory permits and payments",
    owners=None,
):
    """The assessment with its line items settled (:func:`settle`), so its payment status
    and paid / unpaid totals are those of the statements. Returns ``assessment``.

    >>> from geoasset.assessment import Assessment
    >>> items = pd.DataFrame({"asset_id": ["P1"], "layer": ["poles"], "owner": ["PLN"],
    ...     "corridor_id": ["R1"], "road_id": ["R"], "kabupaten": ["K"], "quantity": [1.0],
    ...     "permit_no": ["IZ-1"], "unit": ["per_unit_year"], "rate_rp": [720000.0],
    ...     "billed_from": ["2026-01-01"], "billed_to": ["2026-12-31"], "days": [365],
    ...     "amount_rp": [720000], "payment_status": ["unknown"]})
    >>> permits = pd.DataFrame({"permit_no": ["IZ-1"], "owner": ["PLN"], "assets": [""],
    ...     "corridor_id": [""], "valid_from": ["2025-01-01"], "valid_to": [""]})
    >>> payments = pd.DataFrame({"permit_no": ["IZ-1"], "period_from": ["2026-01-01"],
    ...     "period_to": ["2026-06-30"]})
    >>> a = Assessment(items, items[:0], items[:0], pd.DataFrame({"corridor_id": ["R1"]}))
    >>> total = settle_assessment(a, permits, payments).totals_table().iloc[-1]
    >>> [int(total[c]) for c in ("paid_rp", "unpaid_rp", "no_permit_rp")]
    [357041, 362959, 0]
    """
    assessment.items = settle(assessment.items, permits, payments, owners=owners)
    assessment._cache.clear()  # totals of the items before settling
    assessment.parameters["permits_source"] = source
    return assessment


def months_late(due_on: date, on: date) -> int:
    """Started months after ``due_on`` up to ``on`` (0 when not late).

    >>> months_late(date(2025, 4, 1), date(2026, 3, 2)), months_late(date(2026, 4, 1), date(2026, 3, 1))
    (12, 0)
    """
    if on <= due_on:
        return 0
    months = (on.year - due_on.year) * 12 + on.month - due_on.month
    return months + (1 if on.day > due_on.day else 0)


def sanction(outstanding: int, months: int, *, percent_per_month: float, max_months: int) -> int:
    """The late-payment sanction on ``outstanding`` rupiah, rounded half-up once.

    >>> sanction(1_000_000, 30, percent_per_month=2, max_months=24)
    480000
    >>> sanction(1_000_000, 5, percent_per_month=0, max_months=24)
    0
    """
    rate = Fraction(Decimal(str(percent_per_month))) / 100
    return _half_up(outstanding * rate * min(months, max_months))


def arrears_by_year(
    ledger: pd.DataFrame | None,
    permits: pd.DataFrame | None,
    payments: pd.DataFrame | None,
    *,
    before: int,
    owners: OwnersRegister | None = None,
) -> pd.DataFrame:
    """What is still owed from the statements of years before ``before``: one row per
    owner name, year and statement, with ``outstanding_rp`` > 0 and the ``due_on`` date.
    """
    columns = ["owner", "year", "number", "due_on", "outstanding_rp", "no_permit_rp"]
    if ledger is None or not len(ledger):
        return pd.DataFrame(columns=columns)
    old = ledger[pd.to_numeric(ledger["year"]).astype(int) < before]
    if not len(old):
        return pd.DataFrame(columns=columns)
    settled = settle(old, permits, payments, owners=owners)
    settled["no_permit_rp"] = np.where(
        settled["payment_status"] == "no_permit", settled["unpaid_rp"], 0
    )
    settled["year"] = pd.to_numeric(settled["year"]).astype(int)
    sums = (
        settled.groupby(["owner", "year", "number", "due_on"], sort=True)[
            ["unpaid_rp", "no_permit_rp"]
        ]
        .sum()
        .reset_index()
        .rename(columns={"unpaid_rp": "outstanding_rp"})
    )
    return sums.loc[sums["outstanding_rp"] > 0, columns].reset_index(drop=True)


def stored_ledger(inventory) -> pd.DataFrame | None:
    """The inventory's ``statement_ledger`` table, or ``None`` when it has none."""
    if not inventory.has_layer(LEDGER_TABLE):
        return None
    frame = pd.DataFrame(inventory.read(LEDGER_TABLE)).drop(columns="geometry", errors="ignore")
    return frame.reindex(columns=list(LEDGER_COLUMNS))


def ledger_rows(items: pd.DataFrame, statements, *, year: int) -> pd.DataFrame:
    """This year's line items as ledger rows, each with its statement's number and dates
    and what was paid of it when the statement was made (the arrears of later years are
    settled again against the payments as they are then)."""
    number, issued, due = {}, {}, {}
    for statement in statements:
        for name in statement.names_as_written:
            number[name] = statement.number
            issued[name] = statement.issued_on.isoformat()
            due[name] = statement.due_on.isoformat()
    owner = items["owner"].astype(str)
    rows = items.reindex(columns=list(LEDGER_COLUMNS)).copy()
    rows["year"] = year
    rows["number"] = owner.map(number)
    rows["issued_on"] = owner.map(issued)
    rows["due_on"] = owner.map(due)
    text = ("owner", "asset_id", "layer", "kind", "corridor_id", "sta", "permit_no", "unit")
    for column in (*text, "payment_status"):
        rows[column] = rows[column].astype(object).where(rows[column].notna(), "").astype(str)
    for column in ("paid_rp", "unpaid_rp"):  # as settled when the statement was made
        rows[column] = pd.to_numeric(rows[column], errors="coerce").fillna(0).astype("int64")
    for column in ("billed_from", "billed_to"):
        rows[column] = rows[column].astype(str).str[:10]
    return rows


def write_ledger(inventory, items: pd.DataFrame, statements, *, year: int) -> None:
    """Keep this year's line items in the ``statement_ledger`` table of ``inventory``,
    replacing the rows the year had (statements made again), keeping other years'."""
    from geoasset.store import Batch

    with inventory.lock():
        old = stored_ledger(inventory)
        rows = ledger_rows(items, statements, year=year)
        if old is not None and len(old):
            old = old[pd.to_numeric(old["year"]).astype(int) != year]
            rows = pd.concat([old, rows], ignore_index=True)
        inventory.write({LEDGER_TABLE: rows}, batch=Batch(command=f"statements {year}"))
