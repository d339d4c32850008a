"""Tariff schedules and permits: load, validate, pick the row that applies.

A tariff schedule is a CSV a finance officer can edit, one row per rate:

=============  ==========================================================================
column         meaning
=============  ==========================================================================
tariff_id      unique id of the row, quoted on every line item it bills
object         what is charged: ``pole``, ``utility_line`` or ``area``
kind           optional: the asset kind (``electric``, ``fibre``, ``water_pipe``, ...)
unit           ``per_unit_year`` | ``per_m_year`` | ``per_m2_year`` | ``per_unit_day``
rate_rp        rupiah per unit (digits, at most 2 decimals, no thousands separators)
road_status    optional: ``nasional`` / ``provinsi`` / ``kabupaten`` / ``kota`` / ``desa``
road_class     optional: ``bebas_hambatan`` / ``raya`` / ``sedang`` / ``kecil``
valid_from     first day the rate applies (``YYYY-MM-DD``; ``DD/MM/YYYY`` is accepted)
valid_to       last day the rate applies (inclusive); empty means open-ended
legal_basis    the regulation and article the rate comes from
=============  ==========================================================================

:func:`load_tariffs` checks every row and reports every problem at once in a
:class:`~geoasset.errors.TariffError`, each naming the row and the column. Two rows with
the same key (object, kind, road_status, road_class) may not be valid on the same day.

Which row applies
-----------------
A row matches an asset when its object is the asset's and each of its non-empty optional
keys (kind, road_status, road_class) equals the asset's value (road status and class are
those of the corridor the asset stands in). Among the rows valid on a day, the most
specific one wins (the one with most non-empty optional keys). Two matching rows equally
specific on the same day are an error that names the asset and the tariff ids: the
schedule must say which rate applies, geoasset never guesses.

The example schedule
--------------------
``layers/tariffs_example.csv`` is an **example**: NTT's own tariff table is not public.
Each row's ``legal_basis`` starts with "EXAMPLE ONLY" and names the regulation whose range
the rate follows: poles Rp480,000–720,000 a year (Kab. Cilacap, Perda 1/2024:
Rp80,000 per metre of pole height, 6–9 m poles), cables and pipes Rp13,000–70,000 per
metre a year (DKI Jakarta 2019 proposal for utility ducts), temporary structures Rp2,000
a day (Kab. Cilacap), areas Rp280,000 per m² a year (Kab. Batang, Perda 8/2023); all valid
in 2026. Replace it with the province's schedule before billing anyone.

Permits (:func:`load_permits`) are a second small table, ``permit_no, owner, valid_from,
valid_to, paid_until``, used to mark line items paid / unpaid / without permit.

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({
...     "tariff_id": ["T1", "T2"], "object": ["pole", "pole"], "kind": ["", "electric"],
...     "unit": ["per_unit_year"] * 2, "rate_rp": ["500000", "720000"],
...     "valid_from": ["2026-01-01"] * 2, "valid_to": ["2026-12-31"] * 2,
...     "legal_basis": ["EXAMPLE"] * 2})
>>> schedule = parse_tariffs(rows, source="example")
>>> [a.tariff_ids for a in applicable_tariffs(
...     schedule, object="pole", kind="electric",
...     period_from=date(2026, 1, 1), period_to=date(2026, 12, 31))]
[('T2',)]
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from geoasset.errors import SchemaError, TariffError, ValidationProblem
from geoasset.schema import LAYERS, ROAD_CLASSES, ROAD_STATUSES
from geoasset.tables import read_rows

__all__ = [
    "UNITS",
    "OBJECTS",
    "TARIFF_COLUMNS",
    "PERMIT_COLUMNS",
    "KEY_FIELDS",
    "Applicable",
    "load_tariffs",
    "parse_tariffs",
    "applicable_tariffs",
    "load_permits",
    "parse_permits",
    "parse_date",
]

#: Units a rate may be given in.
UNITS = ("per_unit_year", "per_m_year", "per_m2_year", "per_unit_day")


@dataclass(frozen=True)
class ObjectSpec:
    """What an ``object`` value of the schedule means for the assessment."""

    layer: str
    units: tuple[str, ...]
    kinds: tuple[str, ...] | None
    measure: str  # "count" | "length" | "area"


#: object -> the inventory layer it is assessed from, its units and allowed kinds.
OBJECTS: dict[str, ObjectSpec] = {
    "pole": ObjectSpec(
        "poles", ("per_unit_year", "per_unit_day"), LAYERS["poles"].field("kind").allowed, "count"
    ),
    "utility_line": ObjectSpec(
        "utility_lines", ("per_m_year",), LAYERS["utility_lines"].field("kind").allowed, "length"
    ),
    "area": ObjectSpec("areas", ("per_m2_year",), None, "area"),
}

TARIFF_COLUMNS = (
    "tariff_id",
    "object",
    "kind",
    "unit",
    "rate_rp",
    "road_status",
    "road_class",
    "valid_from",
    "valid_to",
    "legal_basis",
)
#: The optional match keys; how many are filled is a row's specificity.
KEY_FIELDS = ("kind", "road_status", "road_class")
_REQUIRED_COLUMNS = tuple(c for c in TARIFF_COLUMNS if c not in KEY_FIELDS)

PERMIT_COLUMNS = ("permit_no", "owner", "valid_from", "valid_to", "paid_until")
_PERMIT_REQUIRED = ("permit_no", "owner", "valid_from")

_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}([.,]\d{3})+$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_BLANK_TEXT = {"", "nan", "none", "null", "nat", "<na>"}


# -- value parsing -------------------------------------------------------------------
def _is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, str) and value.strip().lower() in _BLANK_TEXT


def _text(value) -> str | None:
    return None if _is_blank(value) else str(value).strip()


def _choice(value) -> str | None:
    text = _text(value)
    return None if text is None else re.sub(r"[\s\-]+", "_", text.lower())


def parse_date(value) -> date:
    """A date from ISO ``YYYY-MM-DD`` text, day-first ``DD/MM/YYYY`` text or a date.

    Raises :class:`ValueError` with the value quoted.

    Examples
    --------
    >>> parse_date("2026-07-01"), parse_date("01/07/2026")
    (datetime.date(2026, 7, 1), datetime.date(2026, 7, 1))
    """
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10] if len(text) >= 10 and text[10:11] in "T " else text)
    except ValueError:
        pass
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def _parse_rate(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | np.integer):
        rate = Decimal(int(value))
    elif isinstance(value, float | np.floating | Decimal):
        rate = Decimal(str(value))
    else:
        text = str(value).strip()
        if _THOUSANDS.match(text):
            plain = re.sub(r"[.,]", "", text)
            raise ValueError(
                f"{text!r} looks like a number with thousands separators; write {plain} "
                "(digits only)"
            )
        if not _PLAIN_NUMBER.match(text):
            raise ValueError(f"{text!r} is not a number (write digits only, e.g. 80000)")
        rate = Decimal(text)
    if not rate.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if rate < 0:
        raise ValueError(f"rate {value!r} is negative")
    if rate != rate.quantize(Decimal("0.01")):
        raise ValueError(f"rate {value!r} has more than 2 decimals")
    return rate.quantize(Decimal("0.01")) if rate != rate.to_integral() else Decimal(int(rate))


# -- tariffs -------------------------------------------------------------------------
def load_tariffs(path: str | os.PathLike) -> pd.DataFrame:
    """Read and validate a tariff schedule CSV.

    Parameters
    ----------
    path
        The CSV file (UTF-8, comma or semicolon separated, header row first), or a folder
        of such files: versions side by side (e.g. one per regulation), each checked on
        its own and against the others (unique ``tariff_id``; no key with overlapping
        validity in two files), so an assessment of any year picks the rows valid then.

    Returns
    -------
    DataFrame
        One row per tariff row, columns :data:`TARIFF_COLUMNS` plus ``specificity``
        (number of non-empty optional keys) and ``source_row`` (1-based data row).
        ``rate_rp`` holds :class:`~decimal.Decimal`, the dates :class:`~datetime.date`
        (``valid_to`` ``None`` when open-ended), and ``source_file``. ``attrs["source"]``
        names the file (or folder and files), ``attrs["sha256"]`` each file's SHA-256, so
        an assessment records exactly which schedule it used.

    Raises
    ------
    TariffError
        Listing every problem of the file (row, column, quoted value).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tariffs.csv")
    >>> _ = open(path, "w").write(
    ...     "tariff_id,object,unit,rate_rp,valid_from,valid_to,legal_basis\\n"
    ...     "T1,pole,per_unit_year,80.000,2026-01-01,2026-12-31,EXAMPLE\\n"
    ...     "T2,pole,per_year,5000,2026-01-01,2025-12-31,EXAMPLE\\n")
    >>> load_tariffs(path)
    Traceback (most recent call last):
    ...
    geoasset.errors.TariffError: 3 problem(s) in tariffs.csv:
      tariffs.csv row 1 field 'rate_rp': '80.000' looks like a number with thousands separators; write 80000 (digits only)
      tariffs.csv row 2 field 'unit': 'per_year' is not a unit; use per_unit_year, per_m_year, per_m2_year or per_unit_day
      tariffs.csv row 2 field 'valid_to': 2025-12-31 is before valid_from 2026-01-01
    """
    if os.path.isdir(path):
        return _load_schedule_folder(Path(path))
    source = os.path.basename(os.fspath(path))
    frame, numbers, problems = read_rows(path, source, "tariff", TariffError, TARIFF_COLUMNS)
    schedule = parse_tariffs(frame, source=source, row_numbers=numbers, problems=problems)
    schedule["source_file"] = source
    schedule.attrs["sha256"] = f"{source}:{_sha256(path)}"
    return schedule


def _sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_schedule_folder(folder: Path) -> pd.DataFrame:
    """Every ``*.csv`` of ``folder`` as one schedule: versions side by side.

    Each file is checked on its own, then across files: a ``tariff_id`` is unique in the
    folder and no two files give the same key overlapping validity.
    """
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise TariffError(
            str(folder),
            [ValidationProblem(None, None, "no tariff schedule (*.csv) in this folder")],
        )
    schedules = [load_tariffs(path) for path in files]
    combined = pd.concat(schedules, ignore_index=True)
    problems = []
    seen: dict[str, tuple[str, int]] = {}
    for tariff_id, name, row in zip(
        combined["tariff_id"], combined["source_file"], combined["source_row"], strict=True
    ):
        if tariff_id in seen:
            first = seen[tariff_id]
            problems.append(
                ValidationProblem(
                    None,
                    "tariff_id",
                    f"{name} row {row}: duplicate tariff_id {tariff_id!r} "
                    f"(first in {first[0]} row {first[1]})",
                )
            )
        else:
            seen[tariff_id] = (name, int(row))
    rows = combined.to_dict("records")
    problems.extend(_overlaps(rows, where=lambda r: (r["source_file"], r["source_row"])))
    if problems:
        raise TariffError(f"{folder.name}/", problems)
    combined.attrs["source"] = f"{folder.name}/ ({', '.join(p.name for p in files)})"
    combined.attrs["sha256"] = "; ".join(s.attrs["sha256"] for s in schedules)
    return combined


def parse_tariffs(
    frame: pd.DataFrame,
    *,
    source: str = "tariff schedule",
    row_numbers: Sequence[int] | None = None,
    problems: Iterable[ValidationProblem] = (),
) -> pd.DataFrame:
    """Validate a tariff schedule given as a frame (text or typed values).

    Accepts the output of :func:`load_tariffs` unchanged, so it is safe to call twice.
    See :func:`load_tariffs` for the result; raises :class:`TariffError`.
    """
    problems = list(problems)
    columns = {str(c).strip().lower(): c for c in frame.columns}
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(frame) + 1))
    if "source_row" in columns and row_numbers is None:
        numbers = [int(v) for v in frame[columns["source_row"]]]
    found = ", ".join(columns) or "none"
    for name in _REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(
                ValidationProblem(
                    None, name, f"column is missing from the header row (columns found: {found})"
                )
            )
    if len(frame) == 0:
        problems.append(
            ValidationProblem(None, None, "no tariff rows (the file has only a header)")
        )
    if len(frame) == 0:
        raise TariffError(source, problems)

    def column(name: str) -> list:
        return list(frame[columns[name]]) if name in columns else [None] * len(frame)

    rows: list[dict] = []
    for pos, row_values in enumerate(zip(*(column(c) for c in TARIFF_COLUMNS), strict=True)):
        raw = dict(zip(TARIFF_COLUMNS, row_values, strict=True))
        n = numbers[pos]
        out: dict = {"source_row": n}

        def problem(field: str | None, message: str, n=n) -> None:
            problems.append(ValidationProblem(n, field, message))

        for name in ("tariff_id", "legal_basis"):
            out[name] = _text(raw[name])
            if out[name] is None and name in columns:
                problem(name, "required value is empty")
        obj = _choice(raw["object"])
        out["object"] = obj
        spec = OBJECTS.get(obj) if obj else None
        if obj is None:
            if "object" in columns:
                problem("object", "required value is empty")
        elif spec is None:
            problem("object", f"{raw['object']!r} is not one of {', '.join(OBJECTS)}")
        unit = _choice(raw["unit"])
        out["unit"] = unit
        if unit is None:
            if "unit" in columns:
                problem("unit", "required value is empty")
        elif unit not in UNITS:
            problem(
                "unit",
                f"{raw['unit']!r} is not a unit; use {', '.join(UNITS[:-1])} or {UNITS[-1]}",
            )
        elif spec is not None and unit not in spec.units:
            problem(
                "unit",
                f"unit {unit!r} does not fit object {obj!r} (use {' or '.join(spec.units)})",
            )
        out["rate_rp"] = None
        if _is_blank(raw["rate_rp"]):
            if "rate_rp" in columns:
                problem("rate_rp", "required value is empty")
        else:
            try:
                out["rate_rp"] = _parse_rate(raw["rate_rp"])
            except ValueError as exc:
                problem("rate_rp", str(exc))
        kind = _choice(raw["kind"])
        out["kind"] = kind
        if kind is not None and spec is not None and spec.kinds and kind not in spec.kinds:
            problem("kind", f"{raw['kind']!r} is not a kind of {obj} ({', '.join(spec.kinds)})")
        for name, allowed in (("road_status", ROAD_STATUSES), ("road_class", ROAD_CLASSES)):
            value = _choice(raw[name])
            out[name] = value
            if value is not None and value not in allowed:
                problem(name, f"{raw[name]!r} is not one of {', '.join(allowed)}")
        for name in ("valid_from", "valid_to"):
            out[name] = None
            if _is_blank(raw[name]):
                if name == "valid_from" and "valid_from" in columns:
                    problem(name, "required value is empty")
                continue
            try:
                out[name] = parse_date(raw[name])
            except ValueError as exc:
                problem(name, str(exc))
        if out["valid_from"] and out["valid_to"] and out["valid_to"] < out["valid_from"]:
            problem("valid_to", f"{out['valid_to']} is before valid_from {out['valid_from']}")
        out["specificity"] = sum(out[k] is not None for k in KEY_FIELDS)
        rows.append(out)

    first_row: dict[str, int] = {}
    for row in rows:
        tid = row["tariff_id"]
        if tid is None:
            continue
        if tid in first_row:
            problems.append(
                ValidationProblem(
                    row["source_row"],
                    "tariff_id",
                    f"duplicate tariff_id {tid!r} (first at row {first_row[tid]})",
                )
            )
        else:
            first_row[tid] = row["source_row"]
    problems.extend(_overlaps(rows))
    if problems:
        problems.sort(key=lambda p: (p.row is not None, p.row or 0))
        raise TariffError(source, problems)
    out = pd.DataFrame(
        {name: pd.Series([r[name] for r in rows], dtype=object) for name in TARIFF_COLUMNS}
    )
    out["specificity"] = np.array([r["specificity"] for r in rows], dtype="int64")
    out["source_row"] = np.array([r["source_row"] for r in rows], dtype="int64")
    if "source_file" in columns:  # a schedule read before: keep which file each row is from
        out["source_file"] = list(frame[columns["source_file"]])
    out.attrs["source"] = frame.attrs.get("source", source)
    if frame.attrs.get("sha256"):
        out.attrs["sha256"] = frame.attrs["sha256"]
    return out


def _overlaps(rows: list[dict], where=None) -> list[ValidationProblem]:
    """Rows of the same key whose validity overlaps. ``where(row)`` names a row in the
    message (for rows of several files); by default the problem carries the row number."""
    problems = []
    dated = [r for r in rows if r["valid_from"] is not None and r["object"] is not None]
    by_key: dict[tuple, list[dict]] = {}
    for r in dated:
        by_key.setdefault((r["object"], *(r[k] for k in KEY_FIELDS)), []).append(r)
    for key, group in by_key.items():
        for a, b in itertools.combinations(group, 2):
            if where is not None and where(a)[0] == where(b)[0]:
                continue  # same file: checked when the file was read
            a_end = a["valid_to"] or date.max
            b_end = b["valid_to"] or date.max
            if a["valid_from"] <= b_end and b["valid_from"] <= a_end:
                label = ", ".join(
                    f"{k}={v}" for k, v in zip(("object", *KEY_FIELDS), key, strict=True) if v
                )
                other = (
                    f"row {a['source_row']}" if where is None else " row ".join(map(str, where(a)))
                )
                message = (
                    f"validity {_span(b)} overlaps {other} "
                    f"(tariff {a['tariff_id']!r}, {_span(a)}) for the same key ({label}); "
                    "end one row before the other starts"
                )
                if where is None:
                    problems.append(ValidationProblem(b["source_row"], "valid_from", message))
                else:
                    here = " row ".join(map(str, where(b)))
                    problems.append(ValidationProblem(None, "valid_from", f"{here}: {message}"))
    return problems


def _span(row: dict) -> str:
    return f"{row['valid_from']} – {row['valid_to'] or 'open'}"


@dataclass(frozen=True)
class Applicable:
    """The tariff row(s) applying to one asset key from ``first`` to ``last`` (inclusive).

    ``tariff_ids`` holds one id, or several when equally specific rows compete
    (``ambiguous``); ``positions`` are the rows' positions in the schedule frame.
    """

    first: date
    last: date
    tariff_ids: tuple[str, ...]
    positions: tuple[int, ...]
    specificity: int

    @property
    def ambiguous(self) -> bool:
        return len(self.tariff_ids) > 1


def applicable_tariffs(
    tariffs: pd.DataFrame | Sequence[dict],
    *,
    object: str,
    kind: str | None = None,
    road_status: str | None = None,
    road_class: str | None = None,
    period_from: date,
    period_to: date,
) -> list[Applicable]:
    """Which tariff row applies on which days of a period, for one asset key.

    The period is cut where any matching row starts or ends; on each piece the most
    specific valid row wins. Days no row covers are left out of the result.

    Parameters
    ----------
    tariffs
        A schedule from :func:`load_tariffs` / :func:`parse_tariffs` (or its rows as
        dicts, ``schedule.to_dict("records")``, when called many times).
    object, kind, road_status, road_class
        The asset's key (``None`` for an unknown kind, status or class: only rows that
        leave that key empty match).
    period_from, period_to
        The billing period, both days included.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({
    ...     "tariff_id": ["OLD", "NEW"], "object": ["utility_line"] * 2,
    ...     "unit": ["per_m_year"] * 2, "rate_rp": [13000, 15000],
    ...     "valid_from": ["2025-01-01", "2026-07-01"], "valid_to": ["2026-06-30", ""],
    ...     "legal_basis": ["EXAMPLE"] * 2})
    >>> for a in applicable_tariffs(parse_tariffs(rows), object="utility_line",
    ...         kind="fibre", period_from=date(2026, 1, 1), period_to=date(2026, 12, 31)):
    ...     print(a.first, a.last, a.tariff_ids)
    2026-01-01 2026-06-30 ('OLD',)
    2026-07-01 2026-12-31 ('NEW',)
    """
    asset = {"kind": kind, "road_status": road_status, "road_class": road_class}
    rows = tariffs.to_dict("records") if isinstance(tariffs, pd.DataFrame) else tariffs
    candidates = []
    for pos, row in enumerate(rows):
        if row["object"] != object:
            continue
        if any(not _is_blank(row[k]) and row[k] != asset[k] for k in KEY_FIELDS):
            continue
        start = max(row["valid_from"], period_from)
        end = min(row["valid_to"] or date.max, period_to)
        if start <= end:
            candidates.append((pos, start, end, row["tariff_id"], int(row["specificity"])))
    if not candidates:
        return []
    cuts = sorted(
        {c[1].toordinal() for c in candidates} | {c[2].toordinal() + 1 for c in candidates}
    )
    pieces: list[Applicable] = []
    for lo, hi in itertools.pairwise(cuts):
        valid = [c for c in candidates if c[1].toordinal() <= lo and c[2].toordinal() >= hi - 1]
        if not valid:
            continue
        best = max(c[4] for c in valid)
        winners = sorted((c for c in valid if c[4] == best), key=lambda c: c[3])
        ids = tuple(c[3] for c in winners)
        positions = tuple(c[0] for c in winners)
        first, last = date.fromordinal(lo), date.fromordinal(hi - 1)
        if pieces and pieces[-1].tariff_ids == ids and pieces[-1].last.toordinal() == lo - 1:
            first = pieces.pop().first
        pieces.append(Applicable(first, last, ids, positions, best))
    return pieces


# -- permits -------------------------------------------------------------------------
def load_permits(path: str | os.PathLike) -> pd.DataFrame:
    """Read and validate a permits CSV (``permit_no, owner, valid_from, valid_to,
    paid_until``); raise :class:`~geoasset.errors.SchemaError` listing every problem.

    ``valid_to`` empty means open-ended; ``paid_until`` empty means nothing paid.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "permits.csv")
    >>> _ = open(path, "w").write("permit_no,owner,valid_from,valid_to,paid_until\\n"
    ...                           "IZN-1,PLN,2026-01-01,2030-12-31,2026-12-31\\n")
    >>> load_permits(path).loc[0, "paid_until"]
    datetime.date(2026, 12, 31)
    """
    source = os.path.basename(os.fspath(path))
    frame, numbers, problems = read_rows(path, source, "permits", SchemaError, PERMIT_COLUMNS)
    return parse_permits(frame, source=source, row_numbers=numbers, problems=problems)


def parse_permits(
    frame: pd.DataFrame,
    *,
    source: str = "permits",
    row_numbers: Sequence[int] | None = None,
    problems: Iterable[ValidationProblem] = (),
) -> pd.DataFrame:
    """Validate a permits table given as a frame; see :func:`load_permits`."""
    problems = list(problems)
    columns = {str(c).strip().lower(): c for c in frame.columns}
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(frame) + 1))
    for name in _PERMIT_REQUIRED:
        if name not in columns:
            problems.append(ValidationProblem(None, name, "column is missing from the header row"))

    def column(name: str) -> list:
        return list(frame[columns[name]]) if name in columns else [None] * len(frame)

    rows = []
    first_row: dict[str, int] = {}
    for pos, values in enumerate(zip(*(column(c) for c in PERMIT_COLUMNS), strict=True)):
        raw = dict(zip(PERMIT_COLUMNS, values, strict=True))
        n = numbers[pos]
        out = {"permit_no": _text(raw["permit_no"]), "owner": _text(raw["owner"])}
        for name in ("permit_no", "owner"):
            if out[name] is None and name in columns:
                problems.append(ValidationProblem(n, name, "required value is empty"))
        for name in ("valid_from", "valid_to", "paid_until"):
            out[name] = None
            if _is_blank(raw[name]):
                if name == "valid_from" and name in columns:
                    problems.append(ValidationProblem(n, name, "required value is empty"))
                continue
            try:
                out[name] = parse_date(raw[name])
            except ValueError as exc:
                problems.append(ValidationProblem(n, name, str(exc)))
        if out["valid_from"] and out["valid_to"] and out["valid_to"] < out["valid_from"]:
            problems.append(
                ValidationProblem(
                    n, "valid_to", f"{out['valid_to']} is before valid_from {out['valid_from']}"
                )
            )
        pno = out["permit_no"]
        if pno is not None:
            if pno in first_row:
                problems.append(
                    ValidationProblem(
                        n,
                        "permit_no",
                        f"duplicate permit_no {pno!r} (first at row {first_row[pno]})",
                    )
                )
            else:
                first_row[pno] = n
        rows.append(out)
    if problems:
        raise SchemaError(source, problems)
    out = pd.DataFrame(
        {name: pd.Series([r[name] for r in rows], dtype=object) for name in PERMIT_COLUMNS}
    )
    out.attrs["source"] = frame.attrs.get("source", source)
    return out
