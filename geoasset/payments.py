"""Payments inside the inventory: which period of which permit has been paid.

A payment is a row of the ``payments`` table, imported from a CSV or XLSX file
(``geoasset payments INVENTORY FILE``):

=============  ======================================================================
column         meaning
=============  ======================================================================
payment_id     the receipt's number (blank: ``permit_no/period_from``), unique
permit_no *    the permit paid for; must be in the inventory's ``permits`` table
paid_on *      the day the money was received
period_from *  first day the payment settles
period_to *    last day the payment settles (both included)
amount_rp *    the amount received, whole rupiah (``1250000`` or ``1.250.000``)
reference      bank reference, free text
=============  ======================================================================

What a payment settles is its period (:mod:`geoasset.ledger`): a permit paid from
1 January to 30 June 2026 leaves the days from 1 July unpaid, whatever the amount.

>>> frame = pd.DataFrame({"permit_no": ["IZ-1"], "paid_on": ["2026-02-01"],
...     "period_from": ["2026-01-01"], "period_to": ["30/06/2026"], "amount_rp": ["1.250.000"]})
>>> row = parse_payment_table(frame, permits=["IZ-1"]).iloc[0]
>>> row["payment_id"], int(row["amount_rp"])
('IZ-1/2026-01-01', 1250000)
"""

from __future__ import annotations

import os

import pandas as pd

from geoasset.errors import SchemaError, ValidationProblem
from geoasset.office_tables import (
    check_rows,
    key_problems,
    read_table,
    refuse_if_filled,
    stored_table,
)
from geoasset.permits import PERMITS_TABLE, stored_permits

__all__ = [
    "PAYMENT_FIELDS",
    "PAYMENTS_TABLE",
    "import_payments",
    "parse_payment_table",
    "read_payment_file",
    "stored_payments",
]

PAYMENTS_TABLE = "payments"

#: column -> (kind, required)
PAYMENT_FIELDS = {
    "payment_id": ("text", False),
    "permit_no": ("text", True),
    "paid_on": ("date", True),
    "period_from": ("date", True),
    "period_to": ("date", True),
    "amount_rp": ("rupiah", True),
    "reference": ("text", False),
}


def parse_payment_table(
    frame: pd.DataFrame, *, permits, numbers=None, source: str = "payments", known=()
) -> pd.DataFrame:
    """Check a payments table against the permit numbers ``permits``; every problem
    (row, field) is reported together. ``known`` are payment ids already stored.

    Raises :class:`~geoasset.errors.SchemaError`.
    """
    numbers = list(numbers) if numbers is not None else list(range(1, len(frame) + 1))
    table, problems = check_rows(frame, numbers=numbers, fields=PAYMENT_FIELDS, source=source)
    table["payment_id"] = [
        pid or (f"{permit}/{start}" if permit and start else "")
        for pid, permit, start in zip(
            table["payment_id"], table["permit_no"], table["period_from"], strict=True
        )
    ]
    permits = set(permits)
    for number, row in zip(numbers, table.itertuples(index=False), strict=True):
        if row.permit_no and row.permit_no not in permits:
            problems.append(
                ValidationProblem(
                    number, "permit_no", f"{row.permit_no!r} is not in the inventory's permits"
                )
            )
        if row.period_from and row.period_to and row.period_to < row.period_from:
            problems.append(
                ValidationProblem(
                    number, "period_to", f"{row.period_to} is before period_from {row.period_from}"
                )
            )
    problems += key_problems(table["payment_id"], numbers, "payment_id", known)
    if problems:
        raise SchemaError(source, sorted(problems, key=lambda p: p.row or 0))
    return table


def read_payment_file(path: str | os.PathLike, *, permits, known=()) -> pd.DataFrame:
    """Read and check a payments file (CSV or XLSX, see the module docstring)."""
    frame, numbers = read_table(path, kind="payments", columns=tuple(PAYMENT_FIELDS))
    return parse_payment_table(
        frame, permits=permits, numbers=numbers, source=str(path), known=known
    )


def stored_payments(inventory) -> pd.DataFrame | None:
    """The inventory's ``payments`` table, or ``None`` when it has none."""
    frame = stored_table(inventory, PAYMENTS_TABLE, PAYMENT_FIELDS)
    if frame is not None:
        frame["amount_rp"] = pd.to_numeric(frame["amount_rp"], errors="coerce")
        frame["amount_rp"] = frame["amount_rp"].fillna(0).astype("int64")
    return frame


def import_payments(inventory, path: str | os.PathLike, *, mode: str = "append") -> pd.DataFrame:
    """Import a payments file into ``inventory`` (``mode``: ``append``, the default, as
    receipts accumulate; ``replace``; or ``create``). Returns the rows imported.

    Payments need the permits first (``geoasset permits``).
    """
    from geoasset.store import Batch

    with inventory.lock():
        permits = stored_permits(inventory)
        if permits is None or not len(permits):
            raise SchemaError(
                str(path),
                [
                    ValidationProblem(
                        None,
                        None,
                        f"{inventory.path} has no {PERMITS_TABLE}; import them first "
                        "(geoasset permits)",
                    )
                ],
            )
        existing = stored_payments(inventory)
        if mode == "create":
            refuse_if_filled(path, inventory, existing, "payment(s)")
        known = existing["payment_id"].tolist() if mode == "append" and existing is not None else ()
        table = read_payment_file(path, permits=permits["permit_no"].tolist(), known=known)
        inventory.write(
            {PAYMENTS_TABLE: table},
            batch=Batch(command="payments", source=str(path)),
            mode="append" if mode == "append" else "replace",
        )
    return table
