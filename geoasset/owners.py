"""The owners register: who the companies behind the owner names are.

Field teams write an owner the way they know it ("PLN", "PT PLN (Persero) UIW NTT"). A
statement (:mod:`geoasset.statements`) is addressed to a legal person, so the register
lists each company once, with the names it goes by:

=============  ======================================================================
column         meaning
=============  ======================================================================
owner_id *     the register's own key, e.g. ``PLN-UIW-NTT``
legal_name *   the name a statement is addressed to
address        postal address
tax_id         NPWRD (regional retribution number) or NPWP
contact        person, phone or e-mail
aliases        other names of the same company, separated by ``;``
=============  ======================================================================

An owner name of the inventory matches a company when it equals (ignoring case, spaces
and punctuation at the ends) its ``owner_id``, ``legal_name`` or one of its ``aliases``.
A name that matches no company is reported, never guessed; a name that would match two
companies is an error of the register.

>>> register = parse_owners(pd.DataFrame({"owner_id": ["PLN"], "legal_name": ["PT PLN (Persero)"],
...                                       "aliases": ["PLN UIW NTT; pln"]}))
>>> register.match(["pln uiw ntt", "Telkom"])
({'pln uiw ntt': 'PLN'}, ['Telkom'])
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pandas as pd

from geoasset.errors import SchemaError, ValidationProblem
from geoasset.office_tables import read_table

#: columns of the register, required ones first
COLUMNS = ("owner_id", "legal_name", "address", "tax_id", "contact", "aliases")
REQUIRED = ("owner_id", "legal_name")


def name_key(name: str) -> str:
    """The form in which owner names are compared.

    >>> name_key("  PT  PLN (Persero). ")
    'pt pln (persero)'
    """
    text = re.sub(r"\s+", " ", str(name)).strip(" .,;:-")
    return text.casefold()


@dataclass(frozen=True)
class OwnersRegister:
    """Companies (one row per ``owner_id``) and the lookup of their names."""

    companies: pd.DataFrame
    keys: dict[str, str]

    def company(self, owner_id: str) -> dict[str, str]:
        """The register's row of ``owner_id`` as a dict of text."""
        row = self.companies.loc[owner_id]
        return {column: str(row[column]) for column in COLUMNS if column in row.index}

    def match(self, names) -> tuple[dict[str, str], list[str]]:
        """``({name: owner_id} for names found, [names not in the register])``."""
        found, missing = {}, []
        for name in dict.fromkeys(str(n) for n in names):
            owner_id = self.keys.get(name_key(name))
            if owner_id is None:
                missing.append(name)
            else:
                found[name] = owner_id
        return found, missing


def load_owners(path: str | os.PathLike) -> OwnersRegister:
    """Read an owners register from a CSV file (``,`` or ``;`` separated, UTF-8) or the
    first sheet of an XLSX workbook (header in row 1).

    Raises :class:`~geoasset.errors.SchemaError` listing every problem with its row.
    """
    frame, numbers = read_table(path, kind="owners register", columns=COLUMNS)
    return parse_owners(frame, numbers=numbers, source=str(path))


def parse_owners(
    frame: pd.DataFrame, *, numbers: list[int] | None = None, source: str = "owners register"
) -> OwnersRegister:
    """Check a register table and build the name lookup (see the module docstring)."""
    numbers = list(numbers) if numbers is not None else list(range(1, len(frame) + 1))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(
            source, [ValidationProblem(None, c, "required column is missing") for c in missing]
        )
    problems: list[ValidationProblem] = []  # other columns (notes...) are kept out
    table = frame.reindex(columns=list(COLUMNS)).astype(object)
    table = table.where(table.notna(), "").astype(str)
    table = table.apply(lambda column: column.str.strip())
    keys: dict[str, str] = {}
    claimed_at: dict[str, int] = {}
    for number, row in zip(numbers, table.itertuples(index=False), strict=True):
        for column in REQUIRED:
            if not getattr(row, column):
                problems.append(ValidationProblem(number, column, "is blank"))
        if not row.owner_id:
            continue
        names = [row.owner_id, row.legal_name, *row.aliases.split(";")]
        for name in names:
            key = name_key(name)
            if not key:
                continue
            other = keys.get(key)
            if other is not None and other != row.owner_id:
                problems.append(
                    ValidationProblem(
                        number,
                        "aliases",
                        f"name {name.strip()!r} also belongs to {other} (row {claimed_at[key]})",
                    )
                )
            keys.setdefault(key, row.owner_id)
            claimed_at.setdefault(key, number)
    duplicated = table["owner_id"][table["owner_id"].duplicated() & (table["owner_id"] != "")]
    for position in duplicated.index:
        problems.append(ValidationProblem(numbers[position], "owner_id", "appears twice"))
    if problems:
        raise SchemaError(source, problems)
    return OwnersRegister(companies=table.set_index("owner_id", drop=False), keys=keys)
