"""Permits inside the inventory: who may use which road land, from when to when.

A permit (*izin pemanfaatan ruang milik jalan*) is a row of the ``permits`` table of the
inventory, imported from a CSV or XLSX file (``geoasset permits INVENTORY FILE``):

=============  ======================================================================
column         meaning
=============  ======================================================================
permit_no *    the permit's number, unique in the inventory
owner *        the company holding it, as the inventory or the owners register names it
assets         asset ids it covers, separated by ``;`` (``POLE-000001;LINE-0003``)
corridor_id    a corridor it covers: every asset of ``owner`` billed in that corridor
valid_from *   first day of validity
valid_to       last day of validity (blank: open-ended)
note           free text
=============  ======================================================================

An asset is covered by the permit that lists it in ``assets``; else by the permit whose
number it carries in its own ``permit_no`` field; else by a permit of its owner for its
corridor (see :mod:`geoasset.ledger`). Dates are stored as ISO text.

>>> frame = pd.DataFrame({"permit_no": ["IZ-1"], "owner": ["PLN"],
...                       "assets": ["POLE-1; POLE-2"], "valid_from": ["01/01/2026"]})
>>> parse_permit_table(frame).loc[0, ["assets", "valid_from", "valid_to"]].tolist()
['POLE-1;POLE-2', '2026-01-01', '']
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

__all__ = [
    "PERMIT_FIELDS",
    "PERMITS_TABLE",
    "import_permits",
    "parse_permit_table",
    "read_permit_file",
    "stored_permits",
]

PERMITS_TABLE = "permits"

#: column -> (kind, required)
PERMIT_FIELDS = {
    "permit_no": ("text", True),
    "owner": ("text", True),
    "assets": ("text", False),
    "corridor_id": ("text", False),
    "valid_from": ("date", True),
    "valid_to": ("date", False),
    "note": ("text", False),
}


def parse_permit_table(
    frame: pd.DataFrame, *, numbers=None, source: str = "permits", known=()
) -> pd.DataFrame:
    """Check a permits table; every problem (row, field) is reported together.

    ``known`` are permit numbers already stored: a row repeating one is refused.
    Raises :class:`~geoasset.errors.SchemaError`.
    """
    numbers = list(numbers) if numbers is not None else list(range(1, len(frame) + 1))
    table, problems = check_rows(frame, numbers=numbers, fields=PERMIT_FIELDS, source=source)
    table["assets"] = [
        ";".join(part.strip() for part in text.split(";") if part.strip())
        for text in table["assets"]
    ]
    for number, row in zip(numbers, table.itertuples(index=False), strict=True):
        if row.valid_to and row.valid_from and row.valid_to < row.valid_from:
            problems.append(
                ValidationProblem(
                    number, "valid_to", f"{row.valid_to} is before valid_from {row.valid_from}"
                )
            )
    problems += key_problems(table["permit_no"], numbers, "permit_no", known)
    if problems:
        raise SchemaError(source, sorted(problems, key=lambda p: p.row or 0))
    return table


def read_permit_file(path: str | os.PathLike, *, known=()) -> pd.DataFrame:
    """Read and check a permits file (CSV or XLSX, see the module docstring)."""
    frame, numbers = read_table(path, kind="permits", columns=tuple(PERMIT_FIELDS))
    return parse_permit_table(frame, numbers=numbers, source=str(path), known=known)


def stored_permits(inventory) -> pd.DataFrame | None:
    """The inventory's ``permits`` table, or ``None`` when it has none."""
    return stored_table(inventory, PERMITS_TABLE, PERMIT_FIELDS)


def import_permits(inventory, path: str | os.PathLike, *, mode: str = "create") -> pd.DataFrame:
    """Import a permits file into ``inventory``: ``mode`` is ``create`` (refused when the
    inventory already has permits), ``append`` or ``replace``. Returns the rows imported.

    >>> import tempfile, os
    >>> from geoasset.store import create_inventory
    >>> folder = tempfile.mkdtemp()
    >>> inv = create_inventory(os.path.join(folder, "i.gpkg"))
    >>> path = os.path.join(folder, "permits.csv")
    >>> _ = open(path, "w").write("permit_no,owner,valid_from\\nIZ-1,PLN,2026-01-01\\n")
    >>> len(import_permits(inv, path)), stored_permits(inv).loc[0, "owner"]
    (1, 'PLN')
    """
    from geoasset.store import Batch

    with inventory.lock():
        existing = stored_permits(inventory)
        if mode == "create":
            refuse_if_filled(path, inventory, existing, "permit(s)")
        known = existing["permit_no"].tolist() if mode == "append" and existing is not None else ()
        table = read_permit_file(path, known=known)
        inventory.write(
            {PERMITS_TABLE: table},
            batch=Batch(command="permits", source=str(path)),
            mode="append" if mode == "append" else "replace",
        )
    return table
