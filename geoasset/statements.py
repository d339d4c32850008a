"""Statements per owner: draft SKRD (Surat Ketetapan Retribusi Daerah) from an assessment.

A statement gathers the line items of one owner (one company of the owners register,
:mod:`geoasset.owners`, or, without a register, one owner name as written) for one year:
its number (from a configurable pattern), the period, the owner's identity, every object
by corridor and STA with quantity × tariff = amount and the legal basis, the total in
figures and in Indonesian words, the due date, the account code and the signature block.
The totals of all statements are the assessment's grand total, to the rupiah.

Settings come from a TOML file (see ``layers/statements_example.toml``)::

    [office]
    name = "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi NTT"
    address = "Kupang"
    [statement]
    number = "{seq:03d}/SKRD-RMJ/{year}"   # fields: seq, year, owner_id
    due_days = 30
    account_code = "..."
    bank_account = "..."
    place = "Kupang"
    [signatory]
    name = "..."
    title = "..."
    id = "NIP ..."

The files themselves are written by :mod:`geoasset.statement_files`.

>>> amount_in_words(1_001_000)
'satu juta seribu rupiah'
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

import pandas as pd
from num2words import num2words

from geoasset.errors import GeoassetError
from geoasset.money import whole_rupiah
from geoasset.owners import OwnersRegister

#: columns of the line items a statement lists, in order
ITEM_COLUMNS = (
    "asset_id",
    "layer",
    "kind",
    "corridor_id",
    "sta",
    "quantity",
    "quantity_unit",
    "unit",
    "rate_rp",
    "days",
    "period_days",
    "amount_rp",
    "tariff_id",
    "legal_basis",
    "permit_no",
    "payment_status",
    "paid_rp",
    "unpaid_rp",
)

#: columns a settled statement adds to its items
_SETTLEMENT_COLUMNS = ("payment_status", "paid_rp", "unpaid_rp")

#: columns of a statement's arrears table
ARREARS_COLUMNS = ("year", "number", "due_on", "outstanding_rp", "months_late", "sanction_rp")

NOT_IN_REGISTER = "owner not in the owners register: addressed as written"
NO_REGISTER = "no owners register: addressed as written"


class StatementError(GeoassetError):
    """Statements cannot be made (bad settings, no assessment for the year...)."""


@dataclass(frozen=True)
class StatementSettings:
    """What every statement of an office carries besides its items."""

    office_name: str = ""
    office_address: str = ""
    number_pattern: str = "{seq:03d}/SKRD/{year}"
    due_days: int = 30
    account_code: str = ""
    bank_account: str = ""
    place: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    signatory_id: str = ""
    #: late-payment sanction on arrears: percent per started month after the due date
    #: (0: none; no rate is set by this package, the office sets its regulation's)
    sanction_percent_per_month: float = 0.0
    #: months after which the sanction stops growing
    sanction_max_months: int = 24
    #: False for the built-in defaults: every statement then says it is a draft without settings
    configured: bool = False

    def number(self, seq: int, year: int, owner_id: str) -> str:
        """The statement number of the ``seq``-th owner.

        >>> StatementSettings().number(7, 2026, "PLN")
        '007/SKRD/2026'
        """
        return self.number_pattern.format(seq=seq, year=year, owner_id=owner_id)


_SETTINGS_KEYS = {
    ("office", "name"): "office_name",
    ("office", "address"): "office_address",
    ("statement", "number"): "number_pattern",
    ("statement", "due_days"): "due_days",
    ("statement", "account_code"): "account_code",
    ("statement", "bank_account"): "bank_account",
    ("statement", "place"): "place",
    ("signatory", "name"): "signatory_name",
    ("signatory", "title"): "signatory_title",
    ("signatory", "id"): "signatory_id",
    ("sanction", "percent_per_month"): "sanction_percent_per_month",
    ("sanction", "max_months"): "sanction_max_months",
}


def load_statement_settings(path: str | os.PathLike) -> StatementSettings:
    """Read statement settings from a TOML file; every problem names the file and key.

    >>> from geoasset.samples import bundled_layers
    >>> load_statement_settings(bundled_layers() / "statements_example.toml").due_days
    30
    """
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise StatementError(f"{path}: no such settings file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StatementError(f"{path}: not a TOML settings file ({exc})") from None
    values = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise StatementError(f"{path}: {section}: expected a [{section}] table")
        for key, value in table.items():
            name = _SETTINGS_KEYS.get((section, key))
            if name is None:
                known = ", ".join(f"{s}.{k}" for s, k in _SETTINGS_KEYS)
                raise StatementError(f"{path}: unknown setting {section}.{key} (known: {known})")
            values[name] = value
    settings = StatementSettings(**values, configured=True)
    _check_settings(settings, str(path))
    return settings


def _check_settings(settings: StatementSettings, source: str) -> None:
    types = {f.name: f.type for f in fields(StatementSettings)}
    for name, kind in types.items():
        value = getattr(settings, name)
        wanted = {"int": int, "bool": bool, "float": (int, float)}.get(kind, str)
        if not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
            label = "a number" if kind == "float" else kind
            raise StatementError(f"{source}: {name} must be {label}, not {value!r}")
    if not 0 <= settings.sanction_percent_per_month <= 100:
        raise StatementError(
            f"{source}: sanction.percent_per_month must be 0–100, "
            f"not {settings.sanction_percent_per_month}"
        )
    if not 0 <= settings.sanction_max_months <= 1200:
        raise StatementError(
            f"{source}: sanction.max_months must be 0–1200, not {settings.sanction_max_months}"
        )
    if not 0 <= settings.due_days <= 366:
        raise StatementError(f"{source}: statement.due_days must be 0–366, not {settings.due_days}")
    try:
        first = settings.number(1, 2026, "OWNER")
    except (KeyError, IndexError, ValueError) as exc:
        raise StatementError(
            f"{source}: statement.number {settings.number_pattern!r} is not a valid pattern "
            f"({exc}); use the fields {{seq}}, {{year}} and {{owner_id}}"
        ) from None
    if first == settings.number(2, 2026, "OWNER"):
        raise StatementError(
            f"{source}: statement.number {settings.number_pattern!r} gives every statement "
            "the same number; include {seq}"
        )


def amount_in_words(amount) -> str:
    """An amount of rupiah in Indonesian words ("terbilang"), by num2words.

    num2words says "satu ribu" inside larger numbers; Indonesian says "seribu".

    >>> amount_in_words(851357218)
    'delapan ratus lima puluh satu juta tiga ratus lima puluh tujuh ribu dua ratus delapan belas rupiah'
    >>> amount_in_words(0)
    'nol rupiah'
    """
    value = whole_rupiah(amount)
    words = num2words(abs(value), lang="id")
    words = re.sub(r"\bsatu ribu\b", "seribu", words)
    return f"{'minus ' if value < 0 else ''}{words} rupiah"


@dataclass
class Statement:
    """One owner's statement for one year (see the module docstring)."""

    number: str
    owner_id: str
    owner_name: str
    names_as_written: tuple[str, ...]
    year: int
    issued_on: date
    due_on: date
    items: pd.DataFrame
    total_rp: int
    total_words: str
    company: dict[str, str] = field(default_factory=dict)
    note: str = ""
    #: True when the items were settled against the inventory's permits and payments
    settled: bool = False
    #: this year's amount paid, billed and unpaid (with a permit), and without a permit
    paid_rp: int = 0
    unpaid_rp: int = 0
    no_permit_rp: int = 0
    #: earlier years still owed: year, number, due_on, outstanding_rp, months_late, sanction_rp
    arrears: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ARREARS_COLUMNS))
    arrears_rp: int = 0
    sanction_rp: int = 0

    @property
    def due_rp(self) -> int:
        """What the owner is asked to pay: this year's unpaid amount (all of it when the
        items are not settled), the arrears and the sanction."""
        this_year = self.unpaid_rp + self.no_permit_rp if self.settled else self.total_rp
        return this_year + self.arrears_rp + self.sanction_rp

    @property
    def assets(self) -> int:
        """Number of distinct assets billed."""
        return int(self.items["asset_id"].nunique())


def assessment_year(items: pd.DataFrame) -> int | None:
    """The year the line items bill (from ``billed_from``), or ``None`` without items."""
    if items.empty:
        return None
    years = pd.Series(items["billed_from"].astype(str).str[:4]).unique()
    if len(years) != 1:
        raise StatementError(f"the line items bill several years ({', '.join(sorted(years))})")
    return int(years[0])


def build_statements(
    items: pd.DataFrame,
    *,
    year: int,
    issued_on: date,
    owners: OwnersRegister | None = None,
    settings: StatementSettings | None = None,
    arrears: pd.DataFrame | None = None,
) -> list[Statement]:
    """One :class:`Statement` per owner of the line items of an assessment.

    Owners of the register are merged under their ``owner_id`` (all their aliases on one
    statement); names not in the register, or all names without a register, get a
    statement each, addressed as written, with a note saying so. Statements are numbered
    in the order of the owner names they are addressed to.

    Items settled by :func:`geoasset.ledger.settle` (with ``paid_rp`` and ``unpaid_rp``)
    give each statement its paid, unpaid and no-permit amounts; ``arrears``
    (:func:`geoasset.ledger.arrears_by_year`) adds what earlier years still owe, with
    the sanction of ``settings`` (an owner with arrears only gets a statement too).

    >>> items = pd.DataFrame({"asset_id": ["P1", "P2"], "owner": ["PLN", "pln"],
    ...     "amount_rp": [1000, 2500], "billed_from": ["2026-01-01"] * 2})
    >>> [(s.number, s.owner_name, s.total_rp) for s in build_statements(
    ...     items, year=2026, issued_on=date(2026, 3, 1))]
    [('001/SKRD/2026', 'PLN', 1000), ('002/SKRD/2026', 'pln', 2500)]
    """
    from geoasset.ledger import months_late, sanction

    settings = settings or StatementSettings()
    found = assessment_year(items)
    if found is not None and found != year:
        raise StatementError(
            f"the stored assessment bills {found}, not {year}; assess {year} first"
        )
    if arrears is None:
        arrears = pd.DataFrame(columns=["owner", *ARREARS_COLUMNS])
    settled = "unpaid_rp" in items.columns
    names = items["owner"].astype(str)
    every_name = list(dict.fromkeys([*names.unique(), *arrears["owner"].astype(str)]))
    if owners is None:
        group_of = {name: name for name in every_name}
        unmatched = set(group_of)
    else:
        matched, missing = owners.match(every_name)
        group_of = {**matched, **{name: name for name in missing}}
        unmatched = set(missing)
    groups = names.map(group_of)
    arrears_groups = arrears["owner"].astype(str).map(group_of)
    written_by_key: dict[str, set[str]] = {}
    for name in every_name:
        written_by_key.setdefault(group_of[name], set()).add(name)
    heads = []
    for key, written in written_by_key.items():
        registered = key not in unmatched
        company = owners.company(key) if registered and owners is not None else {}
        heads.append((company.get("legal_name", key), key, tuple(sorted(written))))
    heads.sort(key=lambda head: (head[0].casefold(), head[0], head[1]))
    due_on = issued_on + timedelta(days=settings.due_days)
    # the assessment's own status ("unknown" without permits) is not the settlement's
    shown = [c for c in ITEM_COLUMNS if settled or c not in _SETTLEMENT_COLUMNS]
    statements = []
    for seq, (addressed_to, key, written) in enumerate(heads, start=1):
        own = _in_road_order(items.loc[groups == key])
        total = int(own["amount_rp"].sum())
        registered = key not in unmatched
        note = "" if registered else (NO_REGISTER if owners is None else NOT_IN_REGISTER)
        owed = _owner_arrears(
            arrears.loc[arrears_groups == key], issued_on, settings, months_late, sanction
        )
        statement = Statement(
            number=settings.number(seq, year, key),
            owner_id=key,
            owner_name=addressed_to,
            names_as_written=written,
            year=year,
            issued_on=issued_on,
            due_on=due_on,
            items=own.reindex(columns=[c for c in shown if c in own.columns]),
            total_rp=total,
            total_words=amount_in_words(total),
            company=owners.company(key) if registered and owners is not None else {},
            note=note,
            settled=settled,
            arrears=owed,
            arrears_rp=int(owed["outstanding_rp"].sum()),
            sanction_rp=int(owed["sanction_rp"].sum()),
        )
        if settled:
            no_permit = own["payment_status"].astype(str) == "no_permit"
            statement.paid_rp = int(own["paid_rp"].sum())
            statement.no_permit_rp = int(own["unpaid_rp"][no_permit].sum())
            statement.unpaid_rp = int(own["unpaid_rp"][~no_permit].sum())
        statements.append(statement)
    return statements


def _owner_arrears(rows, issued_on, settings, months_late, sanction) -> pd.DataFrame:
    """An owner's arrears, one row per earlier statement, with months late and sanction."""
    out = pd.DataFrame(
        {
            "year": rows["year"].astype(int).to_numpy(),
            "number": rows["number"].astype(str).to_numpy(),
            "due_on": rows["due_on"].astype(str).to_numpy(),
            "outstanding_rp": rows["outstanding_rp"].astype("int64").to_numpy(),
        }
    )
    out["months_late"] = [months_late(date.fromisoformat(d[:10]), issued_on) for d in out["due_on"]]
    out["sanction_rp"] = [
        sanction(
            int(amount),
            int(months),
            percent_per_month=settings.sanction_percent_per_month,
            max_months=settings.sanction_max_months,
        )
        for amount, months in zip(out["outstanding_rp"], out["months_late"], strict=True)
    ]
    out["months_late"] = out["months_late"].astype("int64")
    out["sanction_rp"] = out["sanction_rp"].astype("int64")
    return out.sort_values(["year", "number"]).reset_index(drop=True)


def _in_road_order(items: pd.DataFrame) -> pd.DataFrame:
    """Items by corridor, then STA as a number of metres (``STA 2+000`` before ``STA 10+000``)."""
    keys = pd.DataFrame(index=items.index)
    keys["corridor"] = items["corridor_id"].astype(str) if "corridor_id" in items else ""
    if "sta" in items:
        parts = items["sta"].astype(str).str.extract(r"(\d+)\+(\d+)").astype(float)
        keys["metres"] = parts[0] * 1000 + parts[1]
    else:
        keys["metres"] = 0.0
    keys["asset"] = items["asset_id"].astype(str)
    order = keys.sort_values(["corridor", "metres", "asset"], na_position="last").index
    return items.loc[order]


def statements_index(statements: list[Statement]) -> pd.DataFrame:
    """One row per statement: number, owner, assets, items, total, what is paid and owed
    (this year, earlier years, sanction), the amount due and the due date.

    >>> statements_index([]).columns.tolist()[6:]
    ['total_rp', 'paid_rp', 'unpaid_rp', 'no_permit_rp', 'arrears_rp', 'sanction_rp', 'due_rp', 'due_on', 'note']
    """
    return pd.DataFrame(
        [
            {
                "number": s.number,
                "owner_id": s.owner_id,
                "owner_name": s.owner_name,
                "names_as_written": "; ".join(s.names_as_written),
                "assets": s.assets,
                "items": len(s.items),
                "total_rp": s.total_rp,
                "paid_rp": s.paid_rp,
                "unpaid_rp": s.unpaid_rp,
                "no_permit_rp": s.no_permit_rp,
                "arrears_rp": s.arrears_rp,
                "sanction_rp": s.sanction_rp,
                "due_rp": s.due_rp,
                "due_on": s.due_on,
                "note": s.note,
            }
            for s in statements
        ],
        columns=[
            "number",
            "owner_id",
            "owner_name",
            "names_as_written",
            "assets",
            "items",
            "total_rp",
            "paid_rp",
            "unpaid_rp",
            "no_permit_rp",
            "arrears_rp",
            "sanction_rp",
            "due_rp",
            "due_on",
            "note",
        ],
    )
