"""Tariff schedules and permits: every malformed file class is reported with row and
column, all problems at once; the row that applies is the most specific one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from geoasset.errors import SchemaError, TariffError
from geoasset.tariffs import (
    TARIFF_COLUMNS,
    applicable_tariffs,
    load_permits,
    load_tariffs,
    parse_date,
    parse_tariffs,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "layers" / "tariffs_example.csv"
HEADER = "tariff_id,object,kind,unit,rate_rp,road_status,road_class,valid_from,valid_to,legal_basis"
GOOD = [
    "T1,pole,,per_unit_year,480000,,,2026-01-01,2026-12-31,Perda X pasal 1",
    "T2,pole,electric,per_unit_year,720000,,,2026-01-01,2026-12-31,Perda X pasal 2",
    "T3,utility_line,fibre,per_m_year,25000,provinsi,raya,2026-01-01,,Perda X pasal 3",
]

#: Malformed file class -> (file text, expected row, expected column, quoted value).
MALFORMED = {
    "missing column": (
        "tariff_id,object,kind,unit,road_status,road_class,valid_from,valid_to,legal_basis\n"
        "T1,pole,,per_unit_year,,,2026-01-01,2026-12-31,Perda\n",
        None,
        "rate_rp",
        "missing from the header row",
    ),
    "unknown unit": (
        f"{HEADER}\n{GOOD[0]}\nT2,pole,,per_pole_year,5,,,2026-01-01,2026-12-31,Perda\n",
        2,
        "unit",
        "'per_pole_year' is not a unit",
    ),
    "overlapping rows": (
        f"{HEADER}\n{GOOD[0]}\nT9,pole,,per_unit_year,500000,,,2026-06-01,,Perda\n",
        2,
        "valid_from",
        "overlaps row 1 (tariff 'T1', 2026-01-01 – 2026-12-31)",
    ),
    "text in rate": (
        f"{HEADER}\nT1,pole,,per_unit_year,Rp 80000,,,2026-01-01,2026-12-31,Perda\n",
        1,
        "rate_rp",
        "'Rp 80000' is not a number",
    ),
    "empty file": ("", None, None, "file is empty: row 1 should be the header (tariff_id, object"),
    "header only": (f"{HEADER}\n", None, None, "no tariff rows"),
    "negative rate": (
        f"{HEADER}\nT1,pole,,per_unit_year,-5,,,2026-01-01,2026-12-31,Perda\n",
        1,
        "rate_rp",
        "rate '-5' is negative",
    ),
    "thousands separator": (
        f"{HEADER}\nT1,pole,,per_unit_year,80.000,,,2026-01-01,2026-12-31,Perda\n",
        1,
        "rate_rp",
        "'80.000' looks like a number with thousands separators; write 80000",
    ),
    "bad date": (
        f"{HEADER}\nT1,pole,,per_unit_year,5,,,2026-02-30,2026-12-31,Perda\n",
        1,
        "valid_from",
        "'2026-02-30' is not a date",
    ),
    "end before start": (
        f"{HEADER}\nT1,pole,,per_unit_year,5,,,2026-06-01,2026-05-31,Perda\n",
        1,
        "valid_to",
        "2026-05-31 is before valid_from 2026-06-01",
    ),
    "duplicate id": (
        f"{HEADER}\n{GOOD[0]}\nT1,utility_line,,per_m_year,5,,,2026-01-01,2026-12-31,Perda\n",
        2,
        "tariff_id",
        "duplicate tariff_id 'T1' (first at row 1)",
    ),
    "unit does not fit object": (
        f"{HEADER}\nT1,pole,,per_m_year,5,,,2026-01-01,2026-12-31,Perda\n",
        1,
        "unit",
        "unit 'per_m_year' does not fit object 'pole'",
    ),
    "unknown kind": (
        f"{HEADER}\nT1,utility_line,fiber,per_m_year,5,,,2026-01-01,2026-12-31,Perda\n",
        1,
        "kind",
        "'fiber' is not a kind of utility_line",
    ),
    "unknown road status": (
        f"{HEADER}\nT1,pole,,per_unit_year,5,propinsi,,2026-01-01,2026-12-31,Perda\n",
        1,
        "road_status",
        "'propinsi' is not one of nasional",
    ),
    "empty legal basis": (
        f"{HEADER}\nT1,pole,,per_unit_year,5,,,2026-01-01,2026-12-31,\n",
        1,
        "legal_basis",
        "required value is empty",
    ),
}


def write(tmp_path: Path, text: str, name: str = "tariffs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_schedule_is_valid_marked_as_example_and_in_the_domain_ranges():
    schedule = load_tariffs(EXAMPLE)
    assert schedule["tariff_id"].is_unique
    assert all(text.startswith("EXAMPLE ONLY") for text in schedule["legal_basis"])
    assert set(schedule["valid_from"]) == {date(2026, 1, 1)}
    assert set(schedule["valid_to"]) == {date(2026, 12, 31)}
    rate = dict(zip(schedule["tariff_id"], schedule["rate_rp"], strict=True))
    units = dict(zip(schedule["tariff_id"], schedule["unit"], strict=True))
    for tariff_id, unit in units.items():
        if unit == "per_m_year":  # DKI 2019 proposal: Rp13,000–70,000 per metre per year
            assert 13_000 <= rate[tariff_id] <= 70_000
        if unit == "per_m2_year":  # Kab. Batang 8/2023: Rp280,000 per m² per year
            assert rate[tariff_id] == 280_000
        if unit == "per_unit_day":  # Kab. Cilacap: Rp2,000 per day
            assert rate[tariff_id] == 2_000
    poles = schedule[(schedule["object"] == "pole") & (schedule["unit"] == "per_unit_year")]
    # Kab. Cilacap 1/2024: Rp80,000 per metre of pole height; poles are 6-12 m tall.
    assert all(r == 0 or 6 * 80_000 <= r <= 12 * 80_000 for r in poles["rate_rp"])


def test_load_returns_typed_rows(tmp_path):
    schedule = load_tariffs(write(tmp_path, "\n".join([HEADER, *GOOD]) + "\n"))
    assert list(schedule.columns) == [*TARIFF_COLUMNS, "specificity", "source_row", "source_file"]
    row = schedule.iloc[2]
    assert row["rate_rp"] == Decimal(25000) and row["valid_to"] is None
    assert row["valid_from"] == date(2026, 1, 1)
    assert schedule["specificity"].tolist() == [0, 1, 3]
    assert schedule.attrs["source"] == "tariffs.csv"


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_name_the_row_and_column(tmp_path, case):
    text, row, column, fragment = MALFORMED[case]
    path = write(tmp_path, text)
    with pytest.raises(TariffError) as caught:
        load_tariffs(path)
    problems = caught.value.problems
    assert any(p.row == row and p.field == column and fragment in p.message for p in problems), [
        str(p) for p in problems
    ]
    message = str(caught.value)
    assert "tariffs.csv" in message
    if row is not None:
        assert f"row {row} field '{column}'" in message
    elif column is not None:
        assert f"field '{column}'" in message


def test_every_problem_is_reported_at_once(tmp_path):
    text = "\n".join(
        [
            HEADER,
            "T1,pole,,per_year,abc,,,2026-13-01,2026-12-31,Perda",
            "T1,cable,,per_m_year,-1,,,2026-01-01,2025-01-01,",
            GOOD[1],
        ]
    )
    with pytest.raises(TariffError) as caught:
        load_tariffs(write(tmp_path, text))
    where = {(p.row, p.field) for p in caught.value.problems}
    assert {
        (1, "unit"),
        (1, "rate_rp"),
        (1, "valid_from"),
        (2, "object"),
        (2, "rate_rp"),
        (2, "valid_to"),
        (2, "legal_basis"),
        (2, "tariff_id"),
    } <= where
    assert str(caught.value).startswith(f"{len(caught.value.problems)} problem(s) in tariffs.csv")


def test_semicolons_bom_day_first_dates_and_case_are_accepted(tmp_path):
    text = (
        "\ufeffTariff_ID;Object;Kind;Unit;Rate_Rp;Road_Status;Road_Class;Valid_From;Valid_To;"
        "Legal_Basis;notes\n"
        "T1;Pole;Electric;Per Unit Year;720000.50;Provinsi;Bebas Hambatan;01/01/2026;31/12/2026;"
        "Perda 1/2024, pasal 5;free text\n"
    )
    schedule = load_tariffs(write(tmp_path, text))
    row = schedule.iloc[0]
    assert (row["object"], row["kind"], row["unit"]) == ("pole", "electric", "per_unit_year")
    assert (row["road_status"], row["road_class"]) == ("provinsi", "bebas_hambatan")
    assert row["rate_rp"] == Decimal("720000.50")
    assert row["valid_to"] == date(2026, 12, 31)
    assert row["legal_basis"] == "Perda 1/2024, pasal 5"


def test_missing_file_and_more_than_two_decimals(tmp_path):
    with pytest.raises(TariffError, match="no such tariff file"):
        load_tariffs(tmp_path / "nope.csv")
    text = f"{HEADER}\nT1,pole,,per_unit_year,1.0051,,,2026-01-01,2026-12-31,Perda\n"
    with pytest.raises(TariffError, match="more than 2 decimals"):
        load_tariffs(write(tmp_path, text))


def test_parse_is_idempotent_and_accepts_typed_values():
    frame = pd.DataFrame(
        {
            "tariff_id": ["A"],
            "object": ["pole"],
            "unit": ["per_unit_year"],
            "rate_rp": [480000],
            "valid_from": [date(2026, 1, 1)],
            "valid_to": [pd.Timestamp("2026-12-31")],
            "legal_basis": ["X"],
        }
    )
    once = parse_tariffs(frame)
    twice = parse_tariffs(once)
    assert once.equals(twice)
    assert parse_date("2026-07-01T00:00:00") == date(2026, 7, 1)


def schedule_of(*rows):
    columns = ("tariff_id", "object", "kind", "road_status", "road_class", "valid_from", "valid_to")
    frame = pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])
    frame["unit"] = ["per_unit_year" if o == "pole" else "per_m_year" for o in frame["object"]]
    frame["rate_rp"] = 1
    frame["legal_basis"] = "x"
    return parse_tariffs(frame)


def stretches(schedule, **asset):
    found = applicable_tariffs(
        schedule, period_from=date(2026, 1, 1), period_to=date(2026, 12, 31), **asset
    )
    return [(a.first.isoformat(), a.last.isoformat(), a.tariff_ids) for a in found]


def test_most_specific_row_wins_day_by_day():
    schedule = schedule_of(
        ("ANY", "pole", "", "", "", "2020-01-01", ""),
        ("EL", "pole", "electric", "", "", "2026-04-01", "2026-06-30"),
        ("EL-PROV-RAYA", "pole", "electric", "provinsi", "raya", "2026-05-01", "2026-05-31"),
    )
    assert stretches(
        schedule, object="pole", kind="electric", road_status="provinsi", road_class="raya"
    ) == [
        ("2026-01-01", "2026-03-31", ("ANY",)),
        ("2026-04-01", "2026-04-30", ("EL",)),
        ("2026-05-01", "2026-05-31", ("EL-PROV-RAYA",)),
        ("2026-06-01", "2026-06-30", ("EL",)),
        ("2026-07-01", "2026-12-31", ("ANY",)),
    ]
    # Another class: the three-key row does not match; an unknown kind only the general row.
    assert stretches(schedule, object="pole", kind="electric", road_class="sedang")[1][2] == ("EL",)
    assert stretches(schedule, object="pole") == [("2026-01-01", "2026-12-31", ("ANY",))]
    assert stretches(schedule, object="utility_line", kind="fibre") == []


def test_equally_specific_rows_are_ambiguous_only_where_both_apply():
    schedule = schedule_of(
        ("BY-KIND", "utility_line", "fibre", "", "", "2026-01-01", "2026-12-31"),
        ("BY-CLASS", "utility_line", "", "", "raya", "2026-07-01", "2026-12-31"),
    )
    found = applicable_tariffs(
        schedule,
        object="utility_line",
        kind="fibre",
        road_class="raya",
        period_from=date(2026, 1, 1),
        period_to=date(2026, 12, 31),
    )
    assert [a.ambiguous for a in found] == [False, True]
    assert found[1].tariff_ids == ("BY-CLASS", "BY-KIND")
    assert found[1].first == date(2026, 7, 1)


def test_permits_are_validated_with_every_problem(tmp_path):
    path = write(
        tmp_path,
        "permit_no,owner,valid_from,valid_to,paid_until\n"
        "IZ-1,PLN,2026-01-01,,2026-12-31\n"
        "IZ-1,,2026-13-01,2025-01-01,soon\n",
        "permits.csv",
    )
    with pytest.raises(SchemaError) as caught:
        load_permits(path)
    where = {(p.row, p.field) for p in caught.value.problems}
    assert {(2, "permit_no"), (2, "owner"), (2, "valid_from"), (2, "paid_until")} <= where
    assert "permits.csv row 2 field 'paid_until': 'soon' is not a date" in str(caught.value)
    good = write(
        tmp_path,
        "permit_no,owner,valid_from,valid_to,paid_until\nIZ-1,PLN,2026-01-01,,\n",
        "ok.csv",
    )
    permits = load_permits(good)
    assert permits.loc[0, "valid_to"] is None and permits.loc[0, "paid_until"] is None


# --------------------------------------------------------------------------- versions
def _versions(folder):
    """2026: the example schedule; 2025: the same keys at 80 % of the rates, other ids."""
    import csv as csv_module
    import shutil

    example = Path(__file__).parent.parent / "layers" / "tariffs_example.csv"
    folder.mkdir()
    shutil.copy(example, folder / "2026.csv")
    with open(example, encoding="utf-8", newline="") as handle:
        rows = list(csv_module.DictReader(handle))
    with open(folder / "2025.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv_module.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    **row,
                    "tariff_id": row["tariff_id"].replace("2026", "2025"),
                    "rate_rp": str(int(row["rate_rp"]) * 4 // 5),
                    "valid_from": "2025-01-01",
                    "valid_to": "2025-12-31",
                }
            )
    return folder


def test_a_folder_of_versions_reproduces_each_year(kupang_session, tmp_path):
    import hashlib

    from geoasset.assessment import assess
    from geoasset.store import open_inventory

    folder = _versions(tmp_path / "tariffs")
    inventory = open_inventory(kupang_session.inventory)
    frames = {
        name: inventory.read(name) for name in ("poles", "utility_lines", "corridors", "roads")
    }
    both = load_tariffs(folder)
    assert sorted(set(both["source_file"])) == ["2025.csv", "2026.csv"]
    expected_hashes = "; ".join(
        f"{name}:{hashlib.sha256((folder / name).read_bytes()).hexdigest()}"
        for name in ("2025.csv", "2026.csv")
    )
    assert both.attrs["sha256"] == expected_hashes
    for year in (2025, 2026):
        alone = load_tariffs(folder / f"{year}.csv")
        with_folder = assess(**frames, tariffs=both, year=year)
        with_file = assess(**frames, tariffs=alone, year=year)
        columns = ["asset_id", "tariff_id", "days", "amount_rp"]
        pd.testing.assert_frame_equal(
            with_folder.items[columns].reset_index(drop=True),
            with_file.items[columns].reset_index(drop=True),
        )
        assert with_folder.items["tariff_id"].str.contains(str(year)).all()
        assert with_folder.parameters["tariff_sha256"] == expected_hashes
    assert assess(**frames, tariffs=both, year=2026).grand_total == 851_357_218


def test_versions_that_overlap_or_reuse_an_id_are_refused_naming_both_files(tmp_path):
    folder = _versions(tmp_path / "tariffs")
    text = (folder / "2025.csv").read_text(encoding="utf-8").replace("2025-12-31", "2026-01-31")
    (folder / "2025.csv").write_text(text, encoding="utf-8")
    with pytest.raises(TariffError) as caught:
        load_tariffs(folder)
    message = str(caught.value)
    assert "2026.csv row 1: validity 2026-01-01 – 2026-12-31 overlaps 2025.csv row 1" in message
    text = (folder / "2025.csv").read_text(encoding="utf-8").replace("2026-01-31", "2025-12-31")
    (folder / "2025.csv").write_text(
        text.replace("EX-2025-POLE,", "EX-2026-POLE,"), encoding="utf-8"
    )
    with pytest.raises(
        TariffError, match=r"duplicate tariff_id 'EX-2026-POLE' \(first in 2025.csv row 1\)"
    ):
        load_tariffs(folder)


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(TariffError, match="no tariff schedule"):
        load_tariffs(tmp_path)
