"""`geoasset mapbook`: printed map sheets, checked by reading the PDF's text back."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from shapely import LineString, Point

from geoasset.cli.main import cli
from geoasset.mapbook_layout import fitting_scale, page_layout, plan_sheets
from geoasset.store import Batch

STRETCH_M = 500.0


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def page_texts(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def sta(metres: float) -> str:
    """The STA label, written here independently of geoasset.chainage."""
    whole = int(math.floor(metres + 0.5))
    return f"{whole // 1000}+{whole % 1000:03d}"


def road_length_m(inventory_path, road_id: str) -> tuple[float, float]:
    """(chainage at the start, length) of a road, measured in its UTM zone."""
    roads = gpd.read_file(inventory_path, layer="roads", engine="pyogrio")
    road = roads[roads["road_id"] == road_id]
    metric = road.to_crs(road.estimate_utm_crs())
    start = road["sta_start_m"].fillna(0).iloc[0] if "sta_start_m" in road else 0.0
    return float(start), float(metric.length.sum())


def stored_poles(inventory_path, road_id: str):
    poles = gpd.read_file(inventory_path, layer="poles", engine="pyogrio")
    return poles[(poles["road_id"] == road_id) & poles["sta_m"].notna()]


# -- the Kupang corridors --------------------------------------------------------------
@pytest.fixture(scope="module")
def kupang_books(kupang_session, tmp_path_factory):
    """The pilot corridor in English (A3, 500 m) and KPG-101 in Bahasa Indonesia (A4, 300 m)."""
    out = tmp_path_factory.mktemp("mapbook")
    books = {}
    for corridor, paper, stretch, lang in (
        ("NTT-001", "A3", 500, "en"),
        ("KPG-101", "A4", 300, "id"),
    ):
        path = out / f"{corridor}.pdf"
        result = run(
            "mapbook",
            kupang_session.inventory,
            "--corridor",
            corridor,
            "-o",
            path,
            "--paper",
            paper,
            "--stretch",
            stretch,
            "--lang",
            lang,
            "--date",
            "2026-03-01",
        )
        assert result.exit_code == 0, result.output
        books[corridor] = (path, stretch, lang, result.output)
    return books


@pytest.mark.parametrize("corridor", ["NTT-001", "KPG-101"])
def test_page_count_matches_the_corridor_length(kupang_session, kupang_books, corridor):
    path, stretch, _, output = kupang_books[corridor]
    _, length = road_length_m(kupang_session.inventory, corridor)
    expected = math.ceil(length / stretch)
    assert len(PdfReader(path).pages) == expected
    assert f"{expected} page(s)" in output
    assert expected == {"NTT-001": 14, "KPG-101": 6}[corridor]  # 6.87 km, 1.57 km


@pytest.mark.parametrize("corridor", ["NTT-001", "KPG-101"])
def test_each_page_holds_its_sta_range_and_the_ids_of_its_poles(
    kupang_session, kupang_books, corridor
):
    path, stretch, _, _ = kupang_books[corridor]
    start, length = road_length_m(kupang_session.inventory, corridor)
    poles = stored_poles(kupang_session.inventory, corridor)
    texts = page_texts(path)
    listed = set()
    for k, text in enumerate(texts):
        low, high = start + k * stretch, start + min((k + 1) * stretch, length)
        assert f"STA {sta(low)} – {sta(high)}" in text
        last = k == len(texts) - 1
        inside = (poles["sta_m"] >= low) & (
            (poles["sta_m"] <= high) if last else (poles["sta_m"] < high)
        )
        ids = poles.loc[inside, "pole_id"].tolist()
        missing = [pole_id for pole_id in ids if pole_id not in text]
        assert not missing, f"page {k + 1}: {missing}"
        far = poles.loc[(poles["sta_m"] < low - 1000) | (poles["sta_m"] > high + 1000), "pole_id"]
        assert not [pole_id for pole_id in far if pole_id in text], f"page {k + 1}"
        listed.update(ids)
    assert listed == set(poles["pole_id"]) and len(listed) > 20


def test_pages_carry_the_title_block_key_map_and_table_in_the_language(kupang_books):
    english = page_texts(kupang_books["NTT-001"][0])[0]
    for label in (
        "Map sheet",
        "Sheet 1 / 14",
        "Key map",
        "Assets on this sheet",
        "1:2,500",
        "EPSG:32751",
        "2026-03-01",
        "Simpang Polda",
    ):
        assert label in english
    indonesian = page_texts(kupang_books["KPG-101"][0])[0]
    for label in (
        "Peta lembar",
        "Lembar 1 / 6",
        "Peta kunci",
        "Aset pada lembar ini",
        "Tanggal: 2026-03-01",
        "Pemilik",
        "Sisi",
    ):
        assert label in indonesian
    assert "Assets on this sheet" not in indonesian


def test_a_utility_line_is_listed_on_every_page_it_runs_through(kupang_session, kupang_books):
    lines = gpd.read_file(kupang_session.inventory, layer="utility_lines", engine="pyogrio")
    line = lines[(lines["road_id"] == "NTT-001") & lines["sta_from_m"].notna()].iloc[0]
    low, high = sorted([line["sta_from_m"], line["sta_to_m"]])
    texts = page_texts(kupang_books["NTT-001"][0])
    pages = [k for k, text in enumerate(texts) if line["line_id"] in text]
    assert pages == list(range(int(low // STRETCH_M), int(high // STRETCH_M) + 1))


# -- bad input -------------------------------------------------------------------------
def assert_refused(result, *phrases):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.count("\n") == 0, message
    for phrase in phrases:
        assert phrase in message


def test_unknown_corridor_lists_known_ids(kupang_session, tmp_path):
    result = run(
        "mapbook", kupang_session.inventory, "--corridor", "NOPE", "-o", tmp_path / "x.pdf"
    )
    assert_refused(result, "corridor 'NOPE' not found", "KPG-101", "NTT-001")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_and_missing_folder_are_refused(kupang_session, tmp_path):
    target = tmp_path / "book.pdf"
    target.write_bytes(b"keep me")
    result = run("mapbook", kupang_session.inventory, "--corridor", "KPG-102", "-o", target)
    assert_refused(result, "already exists", "overwrite")
    assert target.read_bytes() == b"keep me"
    missing = tmp_path / "no_such_folder" / "book.pdf"
    result = run("mapbook", kupang_session.inventory, "--corridor", "KPG-102", "-o", missing)
    assert_refused(result, "does not exist")
    assert not missing.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


def test_a_failure_while_drawing_leaves_the_old_file_and_no_temporary(
    kupang_session, tmp_path, monkeypatch
):
    import geoasset.mapbook
    from geoasset.store import open_inventory

    target = tmp_path / "book.pdf"
    target.write_bytes(b"old book")
    pages = []

    def failing_draw(figure, book, sheet, rows):
        pages.append(sheet.number)
        if sheet.number == 2:
            raise OSError("disk full")
        real_draw(figure, book, sheet, rows)

    real_draw = geoasset.mapbook.draw_sheet
    monkeypatch.setattr(geoasset.mapbook, "draw_sheet", failing_draw)
    with pytest.raises(OSError, match="disk full"):
        geoasset.mapbook.mapbook_for_inventory(
            open_inventory(kupang_session.inventory),
            target,
            corridor_id="KPG-101",
            overwrite=True,
        )
    assert pages == [1, 2]
    assert target.read_bytes() == b"old book"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


X0, Y0 = 560_000.0, 8_870_000.0


def small_inventory(inventory, owner: str) -> None:
    """One 1.2 km road and four poles (metric CRS, stored in WGS 84)."""
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1"], "name": ["Jl. Uji"], "road_class": ["sedang"]},
        geometry=[LineString([(X0, Y0), (X0 + 1200, Y0)])],
        crs=32751,
    ).to_crs(4326)
    poles = gpd.GeoDataFrame(
        {"pole_id": ["A-1", "A-2", "A-3", "A-4"], "owner": [owner] * 4, "height_m": [9.0] * 4},
        geometry=[Point(X0 + x, Y0 + 5) for x in (10, 499.5, 500.5, 1199)],
        crs=32751,
    ).to_crs(4326)
    inventory.write({"roads": roads, "poles": poles}, batch=Batch(command="test"))


def test_inventory_without_corridors_or_chainage_is_refused(inventory, tmp_path):
    small_inventory(inventory, "PLN")
    out = tmp_path / "book.pdf"
    assert_refused(run("mapbook", inventory.path, "--corridor", "R1", "-o", out), "no corridors")
    assert run("corridors", inventory.path).exit_code == 0
    assert_refused(
        run("mapbook", inventory.path, "--corridor", "R1", "-o", out),
        "no chainage stored on poles",
        "geoasset chainage",
    )
    assert not out.exists()


def test_any_owner_name_prints_as_written(inventory, tmp_path):
    """Text outside Windows-1252 (and a '$') switches to the embedded font, still text."""
    owner = "PT Ωmega $x$ Jaya"
    small_inventory(inventory, owner)
    assert run("corridors", inventory.path).exit_code == 0
    assert run("chainage", inventory.path).exit_code == 0
    out = tmp_path / "book.pdf"
    assert run("mapbook", inventory.path, "--corridor", "R1", "-o", out).exit_code == 0
    texts = page_texts(out)
    assert len(texts) == 3
    # 499.5 m rounds to STA 0+500 but is stored before the page boundary: page 1.
    assert "A-1" in texts[0] and "A-2" in texts[0] and "A-3" in texts[1] and "A-4" in texts[2]
    assert "A-2" not in texts[1]
    assert owner in texts[0]
    assert "STA 1+000 – 1+200" in texts[2]
    result = run(
        "mapbook", inventory.path, "--corridor", "R1", "-o", out, "--overwrite", "--stretch", 2000
    )
    assert result.exit_code == 0, result.output
    assert len(page_texts(out)) == 1


# -- layout ----------------------------------------------------------------------------
@settings(deadline=None, max_examples=60)
@given(
    length=st.floats(min_value=1.0, max_value=5_000.0),
    stretch=st.floats(min_value=50.0, max_value=5_000.0),
    start=st.floats(min_value=0.0, max_value=50_000.0),
)
def test_sheets_cover_the_road_once(length, stretch, start):
    assume(abs(length - round(length / stretch) * stretch) > 1e-3)  # slivers: test below
    sheets = plan_sheets(
        LineString([(0, 0), (length / 2, 0), (length / 2, length / 2)]),
        sta_start_m=start,
        stretch_m=stretch,
        scale=2500,
        frame_mm=page_layout("A3").frame_mm,
    )
    assert len(sheets) == math.ceil(length / stretch)
    bounds = np.array([(s.sta_from_m, s.sta_to_m) for s in sheets])
    assert bounds[0, 0] == start and bounds[-1, 1] == pytest.approx(start + length)
    assert np.array_equal(bounds[1:, 0], bounds[:-1, 1])
    assert all(
        s.stretch.length == pytest.approx(s.sta_to_m - s.sta_from_m, abs=1e-6) for s in sheets
    )


def test_a_last_sliver_stays_on_the_sheet_before():
    sheets = plan_sheets(
        LineString([(0, 0), (1000.0004, 0)]),
        sta_start_m=0,
        stretch_m=500,
        scale=2500,
        frame_mm=page_layout("A3").frame_mm,
    )
    assert [(s.sta_from_m, s.sta_to_m) for s in sheets] == [(0, 500), (500, 1000.0004)]


def test_a_stretch_too_big_for_the_frame_moves_to_a_larger_scale():
    frame = page_layout("A4").frame_mm
    usable = [(side - 24) / 1000 for side in frame]
    assert fitting_scale((usable[0] * 2500, usable[1] * 2500), frame, 2500) == 2500
    assert fitting_scale((usable[0] * 2500 + 1, 10), frame, 2500) == 5000
    # every sheet of a 500 m straight road at 1:2,500 on A4 gets the scale that fits
    sheets = plan_sheets(
        LineString([(0, 0), (2000, 0)]), sta_start_m=0, stretch_m=500, scale=2500, frame_mm=frame
    )
    assert {s.scale for s in sheets} == {5000}


def test_a_chainage_piece_of_a_corridor_gets_only_its_own_stretch(inventory, tmp_path):
    small_inventory(inventory, "PLN")
    assert run("corridors", inventory.path, "--split-every", 500).exit_code == 0
    assert run("chainage", inventory.path).exit_code == 0
    out = tmp_path / "piece.pdf"
    result = run("mapbook", inventory.path, "--corridor", "R1:500", "-o", out, "--lang", "en")
    assert result.exit_code == 0, result.output
    (text,) = page_texts(out)
    assert "STA 0+500 – 1+000" in text
    assert "A-3" in text
    assert "A-1" not in text and "A-2" not in text and "A-4" not in text


@pytest.mark.parametrize(
    "option, value", [("--stretch", 0), ("--scale", 0), ("--paper", "A0"), ("--lang", "fr")]
)
def test_bad_options_are_usage_errors(kupang_session, tmp_path, option, value):
    out = tmp_path / "x.pdf"
    result = run(
        "mapbook", kupang_session.inventory, "--corridor", "KPG-101", "-o", out, option, value
    )
    assert result.exit_code == 2
    assert option in result.output
    assert not out.exists()


def test_owner_colours_rank_owners_like_the_html_map():
    """Most poles + utility lines in the inventory first; ties alphabetical."""
    import pandas as pd

    from geoasset.mapbook import _owner_colours
    from geoasset.maps import OTHER_COLOR, OWNER_COLORS

    poles = pd.DataFrame({"owner": ["Telkom"] * 3 + ["PLN", "Indosat", None]})
    lines = pd.DataFrame({"owner": ["PLN"] * 3 + ["Iconnet"]})
    colours = _owner_colours({"poles": poles, "utility_lines": lines})
    assert [colours[o] for o in ("PLN", "Telkom", "Iconnet", "Indosat")] == list(OWNER_COLORS[:4])
    assert colours[""] == OTHER_COLOR
