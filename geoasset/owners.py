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
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from geoasset.errors import SchemaError, ValidationProblem
from geoasset.tables import read_rows

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
    source = str(path)
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        frame, numbers = _read_xlsx(Path(path))
        return parse_owners(frame, numbers=numbers, source=source)
    frame, numbers, problems = read_rows(path, source, "owners register", SchemaError, COLUMNS)
    if problems:
        raise SchemaError(source, problems)
    return parse_owners(frame, numbers=numbers, source=source)


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise SchemaError(str(path), [ValidationProblem(None, None, "no such file")]) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        problem = ValidationProblem(None, None, f"not an XLSX workbook ({exc})")
        raise SchemaError(str(path), [problem]) from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise SchemaError(str(path), [ValidationProblem(None, None, "the first sheet is empty")])
    header = [str(c).strip().lower() if c is not None else "" for c in rows[0]]
    body = [
        (number, row)
        for number, row in enumerate(rows[1:], start=1)
        if any(v not in (None, "") for v in row)
    ]
    data = {
        name: ["" if row[i] is None else str(row[i]) for _, row in body]
        for i, name in enumerate(header)
        if name
    }
    return pd.DataFrame(data, dtype=object), [number for number, _ in body]


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
