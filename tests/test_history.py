"""Asset history end to end: a survey, a re-survey (2 moved, 3 new, 1 removed, 1 attribute
change), the inventory as of each date, each asset's versions, the changes between dates,
and billing on ground dates (a pole removed on 30 September billed 273/365)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from geoasset.cli.main import cli
from geoasset.history_billing import assess_over_time, billing_frames
from geoasset.history_read import asset_history, read_as_of
from geoasset.store import Batch, open_inventory
from geoasset.tariffs import parse_tariffs
from tests.test_assess import corridors_frame, poles_frame
from tests.test_tariffs import HEADER

FIRST = "2025-11-01"
SECOND = "2026-10-01"
TARIFFS = "\n".join(
    [
        HEADER,
        "T-POLE,pole,,per_unit_year,480000,,,2025-01-01,2026-12-31,Perda contoh pasal 1",
        "T-POLE-EL,pole,electric,per_unit_year,720000,,,2025-01-01,2026-12-31,Perda contoh pasal 2",
    ]
)


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def survey_csv(path, rows: list[dict]):
    """A field team's CSV: id, owner, kind, lat/lon (from local metres along road R1)."""
    frame = poles_frame(rows)
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["lat"] = frame.geometry.y.round(9)
    table["lon"] = frame.geometry.x.round(9)
    table.to_csv(path, index=False)
    return path


FIRST_ROWS = [
    {"pole_id": f"P{i}", "owner": "PLN" if i % 2 else "Telkom",
     "kind": "electric" if i % 2 else "telecom", "surveyed_on": FIRST, "x": 100.0 * i, "y": 3.0}
    for i in range(1, 9)
]  # fmt: skip


def second_rows() -> list[dict]:
    rows = []
    for row in FIRST_ROWS:
        row = dict(row, surveyed_on=SECOND)
        if row["pole_id"] == "P2":
            row["x"] += 30.0  # moved 30 m along the road
        if row["pole_id"] == "P3":
            row["y"] = -6.0  # moved 9 m across the road
        if row["pole_id"] == "P4":
            row["owner"] = "Indosat"  # attribute change
        if row["pole_id"] == "P6":
            row["x"] += 0.4  # GPS noise: not a move
        if row["pole_id"] == "P5":
            row.update(status="dibongkar", removed_on="2026-09-30", owner=None)
        rows.append(row)
    rows += [
        {"pole_id": "P9", "owner": "XL Axiata", "kind": "telecom", "surveyed_on": SECOND,
         "x": 1150.0, "y": 4.0},
        {"pole_id": None, "owner": "XL Axiata", "kind": "telecom", "surveyed_on": SECOND,
         "x": 1250.0, "y": 4.0},
        {"pole_id": "P10", "owner": "PLN", "kind": "electric", "surveyed_on": SECOND,
         "x": 1350.0, "y": 4.0},
    ]  # fmt: skip
    return rows


@pytest.fixture
def surveyed(tmp_path, inventory):
    """Corridors, a first survey imported, the 2025 assessment made, then a re-survey."""
    inventory.write({"corridors": corridors_frame()}, batch=Batch(command="test"))
    tariffs = tmp_path / "tariffs.csv"
    tariffs.write_text(TARIFFS + "\n", encoding="utf-8")
    first = survey_csv(tmp_path / "survei_2025.csv", FIRST_ROWS)
    result = run("import", inventory.path, "poles", first)
    assert result.exit_code == 0, result.output
    before = assess_items(inventory, tariffs, 2025)
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    second = survey_csv(tmp_path / "survei_2026.csv", second_rows())
    result = run("import", inventory.path, "poles", second, "--update", "--officer", "Yohanes")
    assert result.exit_code == 0, result.output
    return {
        "inv": inventory,
        "tariffs": tariffs,
        "before": before,
        "between": between,
        "second": second,
        "update_output": result.output,
    }


def assess_items(inv, tariffs_path, year, **as_of):
    tariffs = parse_tariffs(pd.read_csv(tariffs_path, dtype=str, keep_default_na=False))
    frames, ends = billing_frames(inv, f"{year}-01-01", f"{year}-12-31", **as_of)
    result = assess_over_time(
        frames, ends, corridors=inv.read("corridors"), tariffs=tariffs, year=year
    )
    return pd.DataFrame(result.items.drop(columns=result.items.geometry.name))


def positions(frame) -> dict[str, tuple[float, float]]:
    return {
        str(i): (round(g.x, 9), round(g.y, 9))
        for i, g in zip(frame["pole_id"], frame.geometry, strict=True)
    }


def expected_positions(rows) -> dict[str, tuple[float, float]]:
    frame = poles_frame([r for r in rows if r.get("status") is None])
    return positions(frame.assign(pole_id=[r["pole_id"] for r in rows if r.get("status") is None]))


def test_update_reports_the_seven_changes(surveyed):
    out = surveyed["update_output"]
    assert "3 added, 2 moved, 1 changed, 1 removed, 4 unchanged" in out
    assert "POLE-000001\tadded" in out  # the new pole without an id got one
    assert "P5\tremoved\tlast day 2026-09-30" in out


def test_as_of_each_date_is_what_was_surveyed_then(surveyed):
    inv = surveyed["inv"]
    then = read_as_of(inv, "poles", "2025-12-31")
    assert positions(then) == expected_positions(FIRST_ROWS)
    assert dict(zip(then["pole_id"], then["owner"], strict=True)) == {
        r["pole_id"]: r["owner"] for r in FIRST_ROWS
    }
    # before the first survey nothing stood in the records
    assert len(read_as_of(inv, "poles", "2025-10-31")) == 0
    # the day before the re-survey: P5 still stands, P2 still where it was
    eve = positions(read_as_of(inv, "poles", "2026-09-30"))
    assert eve == expected_positions(FIRST_ROWS)
    now = read_as_of(inv, "poles", SECOND)
    rows = second_rows()
    rows[9]["pole_id"] = "POLE-000001"
    wanted = expected_positions(rows)
    wanted["P6"] = expected_positions(FIRST_ROWS)["P6"]  # GPS noise kept the stored point
    got = positions(now)
    assert set(got) == set(wanted)
    for asset, xy in wanted.items():
        assert got[asset] == pytest.approx(xy, abs=1e-9), asset
    assert now.set_index("pole_id").loc["P4", "owner"] == "Indosat"
    # the first survey's date stays on re-surveyed poles (billing starts there)
    assert now.set_index("pole_id").loc["P2", "surveyed_on"] == FIRST
    # as recorded: between the two imports the inventory held the first survey
    held = read_as_of(inv, "poles", surveyed["between"], recorded=True)
    assert positions(held) == expected_positions(FIRST_ROWS)
    # and the live layer is the state as of the re-survey
    assert positions(inv.read("poles")) == got


def test_history_shows_each_version_with_its_batch(surveyed):
    inv = surveyed["inv"]
    table = asset_history(inv, "P2")
    assert table["change"].tolist() == ["added", "closed", "moved"]
    assert table["valid_from"].tolist() == [FIRST, FIRST, SECOND]
    assert table["valid_to"].tolist()[1] == "2026-09-30"
    assert table["command"].tolist() == ["import", "import --update", "import --update"]
    assert table["officer"].tolist()[2] == "Yohanes"
    assert "survei_2026.csv" in table["sources"].tolist()[2]
    assert table["superseded_at"].notna().tolist() == [True, False, False]
    result = run("history", inv.path, "P2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("layer\tasset_id\tversion_id\tchange")
    removed = asset_history(inv, "P5")
    assert removed["change"].tolist() == ["added", "removed"]
    assert removed["valid_to"].tolist()[1] == "2026-09-30"


def test_diff_lists_exactly_the_seven_changes(surveyed):
    inv = surveyed["inv"]
    result = run("diff", inv.path, "--from", FIRST, "--to", SECOND, "--by", "owner")
    assert result.exit_code == 0, result.output
    table = result.stdout.split("\n\nper owner\n")
    changes = pd.read_csv(pd.io.common.StringIO(table[0]), sep="\t")
    assert sorted(zip(changes["asset_id"], changes["change"], strict=True)) == sorted(
        [
            ("P9", "added"),
            ("P10", "added"),
            ("POLE-000001", "added"),
            ("P5", "removed"),
            ("P2", "moved"),
            ("P3", "moved"),
            ("P4", "changed"),
        ]
    )
    moved = changes.set_index("asset_id")["moved_m"]
    assert moved["P2"] == pytest.approx(30.0, abs=0.2)
    assert moved["P3"] == pytest.approx(9.0, abs=0.2)
    assert changes.set_index("asset_id").loc["P4", "detail"] == "owner: Telkom -> Indosat"
    owners = pd.read_csv(pd.io.common.StringIO(table[1]), sep="\t").set_index("owner")
    assert owners.loc["XL Axiata", "added"] == 2 and owners["total"].sum() == 7
    # the day before the re-survey, nothing had changed yet on the ground
    result = run("diff", inv.path, "--from", FIRST, "--to", "2026-09-29")
    assert result.exit_code == 0 and result.stdout.strip() == (
        "layer\tasset_id\tchange\troad_id\towner\tdetail\tmoved_m"
    )
    # as recorded: between the imports the inventory held the first survey only
    between = surveyed["between"].strftime("%Y-%m-%dT%H:%M:%S.%f")
    result = run("diff", inv.path, "--from", between, "--to", "2099-01-01", "--recorded")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 1 + 7


def test_2026_assessment_bills_the_removed_pole_pro_rata(surveyed):
    inv, tariffs = surveyed["inv"], surveyed["tariffs"]
    items = assess_items(inv, tariffs, 2026).set_index("asset_id")
    removed = items.loc["P5"]
    assert (removed["billed_from"], removed["billed_to"], removed["days"]) == (
        "2026-01-01",
        "2026-09-30",
        273,
    )
    exact = Decimal(720000) * 273 / 365
    assert removed["amount_rp"] == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # a moved pole is billed the whole year, a new one from the re-survey
    assert items.loc["P2", "days"] == 365 and items.loc["P2", "amount_rp"] == 480000
    assert items.loc["P9", "days"] == 92  # 1 October to 31 December
    assert items.loc["P4", "owner"] == "Indosat"
    assert len(items) == 11  # the 8 first surveyed (P5 until its removal) and 3 new
    assert list(items["item_id"]) == sorted(items["item_id"])
    # the CLI bills the same
    result = run("assess", inv.path, "--tariffs", tariffs, "--year", 2026)
    assert result.exit_code == 0, result.output
    stored = inv.read("assessment_items").set_index("asset_id")
    assert stored.loc["P5", "days"] == 273


def test_assessment_as_of_2025_is_made_again_after_the_2026_survey(surveyed):
    inv, tariffs, before = surveyed["inv"], surveyed["tariffs"], surveyed["before"]
    assert len(before) == 8
    ground = assess_items(inv, tariffs, 2025, as_of="2025-12-31")
    pd.testing.assert_frame_equal(ground, before)
    held = assess_items(inv, tariffs, 2025, as_of=surveyed["between"], recorded=True)
    pd.testing.assert_frame_equal(held, before)
    result = run("assess", inv.path, "--tariffs", tariffs, "--year", 2025, "--as-of", "2025-12-31")
    assert result.exit_code == 0, result.output
    stored = inv.read("assessment_items")
    assert np.array_equal(stored["amount_rp"].to_numpy(), before["amount_rp"].to_numpy())


def test_dry_run_writes_nothing(tmp_path, inventory):
    first = survey_csv(tmp_path / "a.csv", FIRST_ROWS)
    assert run("import", inventory.path, "poles", first).exit_code == 0
    before = inventory.read("poles")
    history = inventory.history()
    second = survey_csv(tmp_path / "b.csv", second_rows())
    result = run("import", inventory.path, "poles", second, "--update", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run: nothing written" in result.stderr
    assert len(result.stdout.strip().splitlines()) == 1 + 7
    pd.testing.assert_frame_equal(inventory.read("poles"), before)
    pd.testing.assert_frame_equal(inventory.history(), history)


def test_duplicates_within_the_survey_are_refused_naming_both_rows(tmp_path, inventory):
    first = survey_csv(tmp_path / "a.csv", FIRST_ROWS)
    assert run("import", inventory.path, "poles", first).exit_code == 0
    rows = second_rows()[:3] + [dict(second_rows()[1], owner="Telkom")]
    result = run(
        "import", inventory.path, "poles", survey_csv(tmp_path / "b.csv", rows), "--update"
    )
    assert "field 'pole_id': duplicate id 'P2' (2 rows: 2, 4)" in result.stderr
    # P2 stays, as it was: never lost with its duplicate
    stored = open_inventory(inventory.path).read("poles").set_index("pole_id")
    assert "P2" in stored.index and stored.loc["P2", "owner"] == "Telkom"


def test_removing_an_unknown_id_is_refused(tmp_path, inventory):
    first = survey_csv(tmp_path / "a.csv", FIRST_ROWS)
    assert run("import", inventory.path, "poles", first).exit_code == 0
    path = tmp_path / "gone.csv"
    path.write_text("pole_id,status,lat,lon\nP404,removed,,\nP1,removed,,\n", encoding="utf-8")
    result = run("import", inventory.path, "poles", path, "--update", "--surveyed-on", SECOND)
    assert result.exit_code == 0, result.output
    assert "row 1 field 'pole_id': id 'P404' is not in layer 'poles'" in result.stderr
    assert "P1" not in set(inventory.read("poles")["pole_id"])
    assert asset_history(inventory, "P1")["valid_to"].iloc[-1] == "2026-09-30"


def test_export_as_of_writes_the_layer_as_surveyed_then(surveyed, tmp_path):
    import geopandas as gpd

    inv = surveyed["inv"]
    out = tmp_path / "poles_2025.geojson"
    result = run("export", inv.path, "poles", "-o", out, "--as-of", "2025-12-31")
    assert result.exit_code == 0, result.output
    written = gpd.read_file(out)
    assert sorted(written["pole_id"]) == sorted(r["pole_id"] for r in FIRST_ROWS)
    assert positions(written) == expected_positions(FIRST_ROWS)
    result = run("export", inv.path, "corridors", "-o", tmp_path / "c.csv", "--as-of", "2025-12-31")
    assert result.exit_code == 1 and "has no history" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["history", "{inv}", "NOPE"], 1, "no asset 'NOPE' in the history"),
        (["diff", "{inv}", "--from", "kemarin", "--to", "2026-01-01"], 2, "'kemarin' is not a date"),
        (["import", "{inv}", "poles", "{csv}", "--dry-run"], 2, "--dry-run applies to --update"),
        (["import", "{inv}", "poles", "{csv}", "--update", "--append"], 2, "--update cannot be used"),
        (["assess", "{inv}", "--tariffs", "{csv}", "--year", "2026", "--recorded"], 2, "--recorded needs --as-of"),
    ],
)  # fmt: skip
def test_bad_history_invocations(tmp_path, inventory, args, code, message):
    csv = survey_csv(tmp_path / "a.csv", FIRST_ROWS)
    result = run(*[a.format(inv=inventory.path, csv=csv) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.stderr and "Traceback" not in result.stderr
