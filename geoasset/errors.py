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
    "InventoryWriteError",
    "OutputExistsError",
    "LayerNotFoundError",
    "LayerNotEmptyError",
    "SchemaError",
    "SourceError",
    "CRSError",
    "TariffError",
    "ValidationProblem",
    "describe_fault",
    "fault_cause",
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


class OutputExistsError(GeoassetError):
    """An output file exists and the caller did not ask to overwrite it (nothing written)."""

    def __init__(self, path, detail: str = ""):
        self.path = path
        self.detail = detail
        super().__init__(f"{path} already exists{detail}; use overwrite to replace it")


class InventoryWriteError(InventoryError):
    """The inventory could not be written: disk full, read-only file or folder, I/O error.

    Nothing was changed; the message names the file and the cause.
    """


#: Phrases of SQLite, GDAL and the OS, and the cause a user can act on.
_FAULT_CAUSES = (
    (("database or disk is full", "disk is full", "no space left"), "disk full"),
    (
        ("readonly database", "read-only", "permission denied", "access is denied"),
        "read-only file or folder (no permission to write)",
    ),
    (("database is locked", "database table is locked"), "locked by another program"),
    (("unable to open database file",), "cannot open the file (folder read-only or missing?)"),
    (("disk i/o error",), "disk I/O error"),
)


def fault_cause(exc: BaseException) -> str:
    """A short, actionable cause for an environment fault (disk full, read-only, ...).

    Examples
    --------
    >>> import errno
    >>> fault_cause(OSError(errno.ENOSPC, "No space left on device"))
    'disk full'
    >>> fault_cause(OSError(errno.EACCES, "Permission denied"))
    'read-only file or folder (no permission to write)'
    """
    import errno

    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC:
        return "disk full"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "read-only file or folder (no permission to write)"
    if code == errno.ENOENT:
        return "no such file or folder"
    text = str(exc).lower()
    for phrases, cause in _FAULT_CAUSES:
        if any(phrase in text for phrase in phrases):
            return cause
    text = str(getattr(exc, "strerror", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _final_name(path: str) -> str:
    """The file a staged ``.<name>.<8 hex>.partial`` stands for (the one the user named).

    >>> _final_name("out/.report.xlsx.0a1b2c3d.partial")
    'out/report.xlsx'
    """
    import re

    folder, _, name = path.replace("\\", "/").rpartition("/")
    staged = re.fullmatch(r"\.(.+)\.[0-9a-f]{8}\.partial", name)
    if staged is None:
        return path
    return f"{folder}/{staged.group(1)}" if folder else staged.group(1)


def describe_fault(exc: BaseException) -> str:
    """One line for an unexpected exception: ``<file>: <what>`` where a file is known.

    Examples
    --------
    >>> import errno
    >>> describe_fault(FileNotFoundError(errno.ENOENT, "No such file", "out/x.xlsx"))
    'out/x.xlsx: no such file or folder'
    >>> describe_fault(ValueError("bad\\nsecond line"))
    'ValueError: bad'
    """
    filename = getattr(exc, "filename", None)
    if isinstance(exc, OSError) and filename is not None:
        return f"{_final_name(str(filename))}: {fault_cause(exc)}"
    if isinstance(exc, OSError) or type(exc).__module__.startswith(("sqlite3", "pyogrio")):
        return fault_cause(exc)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
