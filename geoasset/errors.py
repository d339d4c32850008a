"""Exceptions raised by geoasset.

Every error a user can cause is a :class:`GeoassetError`; the CLI turns them into a
one-line message and exit code 1. Messages name the thing and quote the value, e.g.
``layer 'poles' row 17: owner is empty``.
"""

from __future__ import annotations

__all__ = [
    "GeoassetError",
    "InventoryError",
    "InventoryLockedError",
    "LayerNotFoundError",
    "LayerNotEmptyError",
    "SchemaError",
    "SourceError",
    "CRSError",
    "TariffError",
    "ValidationProblem",
]

from dataclasses import dataclass


class GeoassetError(Exception):
    """Base class of every error geoasset raises on purpose."""


class InventoryError(GeoassetError):
    """The inventory GeoPackage is missing, unreadable or not a geoasset inventory."""


class InventoryLockedError(InventoryError):
    """Another process holds the inventory's write lock."""


class LayerNotFoundError(InventoryError):
    """A layer name that the inventory (or the schema) does not know."""


class LayerNotEmptyError(InventoryError):
    """A write would clobber existing rows without ``append`` or ``overwrite``."""


class SourceError(GeoassetError):
    """A field file that cannot be opened or understood."""


class CRSError(GeoassetError):
    """A missing, unknown or unsuitable coordinate reference system."""


@dataclass(frozen=True)
class ValidationProblem:
    """One problem in one row of a table.

    ``row`` is the 1-based data row in the source (header excluded), or ``None`` for a
    problem of the whole table.
    """

    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [] if self.row is None else [f"row {self.row}"]
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{' '.join(where)}: {self.message}" if where else self.message


class SchemaError(GeoassetError):
    """Rows that do not satisfy a layer specification; carries every problem found."""

    def __init__(self, source: str, problems: list[ValidationProblem]):
        self.source = source
        self.problems = list(problems)
        shown = "\n".join(f"  {source} {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in {source}:\n{shown}{tail}")


class TariffError(SchemaError):
    """A tariff schedule with problems (bad unit, negative rate, overlapping rows...)."""
