"""Raw OpenStreetMap roads: the highway mapping, its override file, and real imports.

Expectations are written out here (:data:`DOCUMENTED`), not taken from
:mod:`geoasset.osm`; the real West Jakarta file is imported through GDAL into a fresh
GeoPackage and its counts per class are compared with a count made with pandas from the
raw file.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from geoasset.cli.main import cli
from geoasset.errors import SchemaError, SourceError
from geoasset.ingest import import_layer
from geoasset.osm import (
    HIGHWAY_CLASSES,
    HighwayClass,
    classify,
    highway_column,
    load_osm_classes,
    osm_classes,
    osm_road_id,
)
from geoasset.store import create_inventory, open_inventory

ROOT = Path(__file__).resolve().parents[1]
JAKARTA = ROOT / "layers" / "jakarta_west" / "roads_osm.geojson"

NO_MOTOR = "not a road for motor vehicles"
#: Every documented highway value -> (road_class, function, status) or the start of the
#: reason it is refused, as in the README table.
DOCUMENTED: dict[str, tuple[str, str | None, str | None] | str] = {
    "motorway": ("bebas_hambatan", "arteri", "nasional"),
    "motorway_link": ("bebas_hambatan", "arteri", "nasional"),
    "trunk": ("raya", "arteri", None),
    "trunk_link": ("raya", "arteri", None),
    "primary": ("raya", "arteri", None),
    "primary_link": ("raya", "arteri", None),
    "secondary": ("sedang", "kolektor", None),
    "secondary_link": ("sedang", "kolektor", None),
    "tertiary": ("kecil", "lokal", None),
    "tertiary_link": ("kecil", "lokal", None),
    "unclassified": ("kecil", "lokal", None),
    "residential": ("kecil", "lingkungan", None),
    "living_street": ("kecil", "lingkungan", None),
    "service": ("kecil", "lingkungan", None),
    "road": ("kecil", None, None),
    "track": ("kecil", None, None),
    "footway": NO_MOTOR,
    "pedestrian": NO_MOTOR,
    "path": NO_MOTOR,
    "cycleway": NO_MOTOR,
    "steps": NO_MOTOR,
    "bridleway": NO_MOTOR,
    "corridor": NO_MOTOR,
    "elevator": NO_MOTOR,
    "platform": NO_MOTOR,
    "via_ferrata": NO_MOTOR,
    "busway": "bus-only way",
    "bus_guideway": "bus-only way",
    "construction": "not a road open to traffic",
    "proposed": "not a road open to traffic",
    "planned": "not a road open to traffic",
    "abandoned": "not a road open to traffic",
    "disused": "not a road open to traffic",
    "razed": "not a road open to traffic",
    "raceway": "a race track",
}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def osm_file(path: Path, frame: pd.DataFrame, geometry, *, driver=None) -> Path:
    """Write ``frame`` with ``geometry`` (EPSG:4326) through GDAL."""
    gdf = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=list(geometry), crs=4326)
    pyogrio.write_dataframe(gdf, path, driver=driver)
    return path


@pytest.fixture(scope="module")
def jakarta_raw() -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(JAKARTA)


def write_classes(tmp_path: Path, text: str, name: str = "osm_classes.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the mapping


def test_the_mapping_is_exactly_the_documented_one():
    assert set(HIGHWAY_CLASSES) == set(DOCUMENTED)


@pytest.mark.parametrize("highway", sorted(DOCUMENTED))
def test_every_documented_value(highway):
    expected = DOCUMENTED[highway]
    # also as an OSM file would spell it at worst: upper case, padded
    got = classify(pd.Series([highway, f" {highway.upper()} "])).iloc[1]
    assert got["highway"] == highway
    if isinstance(expected, tuple):
        assert (got["road_class"], got["function"], got["status"]) == expected
        assert got["network"] is None and got["excluded"] is None
    else:
        assert got["road_class"] is None and got["function"] is None
        assert got["excluded"].startswith(expected)


def test_links_take_their_parents_row():
    for parent in ("motorway", "trunk", "primary", "secondary", "tertiary"):
        assert HIGHWAY_CLASSES[f"{parent}_link"] == HIGHWAY_CLASSES[parent]


def test_readme_table_is_the_mapping():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Using OpenStreetMap roads") :]
    section = section[: section.index("\n## ")]
    table = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("OSM `highway`", "---"):
            continue
        for value in cells[0].split(", "):
            table[value] = cells[1:]
    assert set(table) == set(DOCUMENTED)
    for value, (road_class, function, status) in table.items():
        expected = DOCUMENTED[value]
        if isinstance(expected, tuple):
            assert (road_class, function or None, status or None) == expected, value
        else:
            assert road_class.startswith("not a road"), value


def test_empty_and_unknown_values_are_refused_with_the_reason():
    got = classify(pd.Series([None, "", float("nan"), "primaryy", "primary;secondary"]))
    assert got["road_class"].isna().all()
    assert got["excluded"].iloc[:3].tolist() == ["no highway value: not a road"] * 3
    assert got["excluded"].iloc[3].startswith("not in the OSM mapping")
    assert "OSM classes file" in got["excluded"].iloc[4]


def test_osm_ids():
    ids = pd.Series(["123", "way/456", 789.0, 42, "w77", "node/5", None, ""], dtype=object)
    assert osm_road_id(ids).tolist() == [
        "OSM-123", "OSM-456", "OSM-789", "OSM-42", "OSM-77", "OSM-node-5", None, None,
    ]  # fmt: skip


def test_highway_column_by_name_or_by_values():
    frame = pd.DataFrame({"Highway": ["x"], "type": ["primary"]})
    assert highway_column(frame) == "Highway"
    osm_type = pd.DataFrame({"TYPE": ["primary"] * 19 + ["primaryy"], "NAME": ["a"] * 20})
    assert highway_column(osm_type) == "TYPE"  # 95 % known values
    field_type = pd.DataFrame({"TYPE": ["primary"] * 17 + ["aspal"] * 3})
    assert highway_column(field_type) is None  # 85 %: a field file's own 'type'
    assert highway_column(pd.DataFrame({"jenis": ["primary"]})) is None
    assert highway_column(pd.DataFrame({"type": [None, None]})) is None


# --------------------------------------------------------------------------- override file


def test_override_file_replaces_adds_and_excludes(tmp_path):
    path = write_classes(
        tmp_path,
        "\ufeffHighway;Road_Class;function;status;network\n"
        "service;exclude;;;\n"
        " Tertiary ;SEDANG;kolektor;kabupaten;primer\n"
        "\n"
        "escape;kecil;;;\n",
    )
    rows = load_osm_classes(path)
    assert rows == {
        "service": HighwayClass(None, excluded="road_class 'exclude' in osm_classes.csv row 1"),
        "tertiary": HighwayClass("sedang", "kolektor", "kabupaten", "primer"),
        "escape": HighwayClass("kecil"),
    }
    classes = osm_classes(path)
    assert classes["primary"] == HIGHWAY_CLASSES["primary"]  # untouched rows stay
    assert classes["escape"].road_class == "kecil"
    got = classify(pd.Series(["service", "tertiary", "escape"]), classes)
    assert got["road_class"].tolist() == [None, "sedang", "kecil"]
    assert got["excluded"].iloc[0] == "road_class 'exclude' in osm_classes.csv row 1"


def test_override_row_replaces_the_whole_row(tmp_path):
    path = write_classes(tmp_path, "highway,road_class\nprimary,sedang\n")
    assert osm_classes(path)["primary"] == HighwayClass("sedang")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "highway,road_class\nservice,lebar\n",
            ["row 1 field 'road_class': unknown road class 'lebar' (known: bebas_hambatan, "
             "raya, sedang, kecil, or exclude)"],
        ),
        ("highway,road_class\nservice,\n", ["row 1 field 'road_class': road class is empty"]),
        ("highway,road_class\n,kecil\n", ["row 1 field 'highway': highway value is empty"]),
        (
            "highway,road_class\nservice,kecil\ntrack,kecil\nService,exclude\n",
            ["row 3 field 'highway': 'service' is given again (first at row 1)"],
        ),
        (
            "highway,road_class,function\nservice,kecil,lingkungan\ntrack,kecil,fungsi\n",
            ["row 2 field 'function': unknown function 'fungsi' (known: arteri, kolektor, "
             "lokal, lingkungan)"],
        ),
        (
            "highway,road_class,status\ntrack,exclude,desa\n",
            ["row 1 field 'status': an excluded highway takes no status (got 'desa')"],
        ),
        (
            "highway,road_class,network\ntrack,kecil,tersier\n",
            ["row 1 field 'network': unknown network 'tersier' (known: primer, sekunder)"],
        ),
        (
            "highway,road_class\nmain road,kecil\n",
            ["row 1 field 'highway': 'main road' is not an OSM highway value"],
        ),
        ("highway,road_class\ntrack,kecil,extra\n", ["row 1: has 3 values but the header has 2"]),
        ("highway,class\ntrack,kecil\n", ["field 'road_class': column is missing", "field 'class': unknown column"]),
        ("highway,road_class,fungsi\ntrack,kecil,lokal\n", ["field 'fungsi': unknown column"]),
        ("highway,road_class,road_class\ntrack,kecil,kecil\n", ["field 'road_class': column appears twice"]),
        ("\n\n", ["file is empty"]),
    ],
)  # fmt: skip
def test_bad_override_files_name_row_and_column(tmp_path, text, expected):
    path = write_classes(tmp_path, text)
    with pytest.raises(SchemaError) as info:
        load_osm_classes(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{len(expected)} problem(s) in osm_classes.csv:"
    for line, wanted in zip(lines[1:], expected, strict=True):
        assert line.startswith(f"  osm_classes.csv {wanted}"), line


def test_override_file_that_cannot_be_read(tmp_path):
    with pytest.raises(SourceError, match="no such OSM classes file"):
        load_osm_classes(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("highway,road_class\njalan_ca\xf1a,kecil\n".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8"):
        load_osm_classes(latin)


# --------------------------------------------------------------------------- real imports


def expected_per_class(raw: pd.DataFrame, table: dict) -> dict[str, int]:
    """Ways per road_class counted with pandas from the raw TYPE column and ``table``."""
    classes = (
        raw["TYPE"].str.lower().map({k: v[0] for k, v in table.items() if isinstance(v, tuple)})
    )
    return classes.value_counts().to_dict()


@pytest.fixture(scope="module")
def jakarta_cli(tmp_path_factory):
    """The West Jakarta file imported into a fresh inventory with the CLI."""
    folder = tmp_path_factory.mktemp("jakarta")
    create_inventory(folder / "jakarta.gpkg")
    result = run("import", folder / "jakarta.gpkg", "roads", JAKARTA)
    return folder, result


def test_jakarta_imports_with_no_mapping(jakarta_cli, jakarta_raw):
    folder, result = jakarta_cli
    assert result.exit_code == 0, result.output
    roads = open_inventory(folder / "jakarta.gpkg").read("roads")
    expected = expected_per_class(jakarta_raw, DOCUMENTED)
    assert roads["road_class"].value_counts().to_dict() == expected
    assert sum(expected.values()) == len(roads) == 9227
    # every written road carries the documented function and status of its TYPE
    for row in roads[["TYPE", "road_class", "function", "status"]].drop_duplicates().itertuples():
        road_class, function, status = DOCUMENTED[row.TYPE]
        got = tuple(None if pd.isna(v) else v for v in (row.road_class, row.function, row.status))
        assert got == (road_class, function, status), row.TYPE
    assert roads["network"].isna().all()
    # no id in this extract: the importer's own ids; the raw columns stay
    assert roads["road_id"].str.fullmatch(r"ROAD-\d{6}").all() and roads["road_id"].is_unique
    raw_named = jakarta_raw[jakarta_raw["TYPE"].map(lambda t: isinstance(DOCUMENTED[t], tuple))]
    assert sorted(roads["name"].dropna()) == sorted(raw_named["NAME"].dropna())
    assert {"TYPE", "ONEWAY", "LANES"} <= set(roads.columns)


def test_jakarta_import_reports_what_the_mapping_did(jakarta_cli, jakarta_raw):
    _, result = jakarta_cli
    err = result.stderr
    assert result.stdout == ""
    assert "highway from column 'TYPE', classes from the built-in mapping, no id column" in err
    for value, n in jakarta_raw["TYPE"].value_counts().items():
        line = next(x for x in err.splitlines() if x.split()[:1] == [value])
        assert int(line.split()[1]) == n, line
        expected = DOCUMENTED[value]
        if isinstance(expected, tuple):
            assert line.split()[2] == expected[0]
        else:
            assert f"excluded: {expected}" in line
    per_class = expected_per_class(jakarta_raw, DOCUMENTED)
    assert (
        f"ways per road_class: bebas_hambatan {per_class['bebas_hambatan']}, "
        f"raya {per_class['raya']}, sedang {per_class['sedang']}, "
        f"kecil {per_class['kecil']}; excluded 60"
    ) in err
    assert "9287 rows read, 9227 written, 60 refused" in err
    # the excluded ways are summarised, not listed one by one
    assert "row " not in err


def test_readme_shows_what_the_import_prints(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Using OpenStreetMap roads") :]
    block = re.search(r"```console\n(.*?)```", section, re.S).group(1).splitlines()
    assert block[0].startswith("$ geoasset import ")
    command, expected = block[0][len("$ geoasset ") :].split(), block[1:]
    (tmp_path / "layers").symlink_to(ROOT / "layers")
    monkeypatch.chdir(tmp_path)
    create_inventory(tmp_path / command[1])
    shown = run(*command).stderr.splitlines()
    cut = expected.index("  ...")
    assert shown[:cut] == expected[:cut]
    assert shown[len(shown) - len(expected[cut + 1 :]) :] == expected[cut + 1 :]


def test_jakarta_excluded_ways_are_in_the_rejects_file(jakarta_cli, jakarta_raw):
    folder, _ = jakarta_cli
    rejects = pd.read_csv(folder / "roads_osm.roads.rejects.csv", encoding="utf-8-sig")
    not_roads = jakarta_raw.index[jakarta_raw["TYPE"].isin(["footway", "pedestrian"])] + 1
    assert sorted(rejects["source_row"]) == sorted(not_roads)
    assert (
        rejects["reject_reason"]
        .str.fullmatch(
            r"TYPE: highway '(footway|pedestrian)' excluded: not a road for motor vehicles .*"
        )
        .all()
    )
    # with their geometry, so that nothing vanishes
    first = rejects.iloc[0]
    raw = jakarta_raw.iloc[first["source_row"] - 1]
    assert gpd.GeoSeries.from_wkt([first["geometry_wkt"]]).iloc[0].equals_exact(raw.geometry, 1e-9)


def test_jakarta_with_an_override_file(tmp_path, jakarta_raw):
    classes = write_classes(
        tmp_path, "highway,road_class,function\nservice,exclude,\ntertiary,sedang,kolektor\n"
    )
    inv = create_inventory(tmp_path / "inv.gpkg")
    report = import_layer(inv.path, "roads", JAKARTA, osm_classes_file=classes)
    table = dict(DOCUMENTED, service="excluded", tertiary=("sedang", "kolektor", None))
    expected = expected_per_class(jakarta_raw, table)
    roads = inv.read("roads")
    assert roads["road_class"].value_counts().to_dict() == expected
    assert report.rows_refused == 60 + 47
    assert report.osm.mapping == "osm_classes.csv"
    assert report.osm.per_class == {c: expected[c] for c in report.osm.per_class}
    assert (roads.loc[roads["TYPE"] == "tertiary", "status"].isna()).all()


def test_ids_kept_from_the_source(tmp_path, jakarta_raw):
    part = jakarta_raw.iloc[:6]
    frame = pd.DataFrame(
        {
            "OSM_ID": [1001, 1002, 1003, 1003, 1004, 1005],  # 1003: a way cut in two
            "HIGHWAY": ["primary", "footway", "residential", "residential", None, "bogus"],
            "NAME": ["Jl. Satu", None, "Jl. Tiga", "Jl. Tiga", None, None],
        }
    )
    # a shapefile, as the old extracts came: upper-case, 10-character column names
    path = osm_file(tmp_path / "roads.shp", frame, part.geometry)
    inv = create_inventory(tmp_path / "inv.gpkg")
    report = import_layer(inv.path, "roads", path)
    roads = inv.read("roads").sort_values("road_id")
    assert roads["road_id"].tolist() == ["OSM-1001", "OSM-1003", "OSM-1003-2"]
    assert roads["OSM_ID"].tolist() == ["1001", "1003", "1003"]  # extra columns: text
    assert roads["name"].tolist() == ["Jl. Satu", "Jl. Tiga", "Jl. Tiga"]
    assert report.ids_assigned == 0
    assert report.osm.id_column == "OSM_ID"
    rejects = pd.read_csv(report.rejects_path, encoding="utf-8-sig").set_index("source_row")
    assert rejects["reject_reason"].to_dict() == {
        2: "HIGHWAY: highway 'footway' excluded: not a road for motor vehicles "
        "(no PP 34/2006 class)",
        5: "HIGHWAY: no highway value: not a road",
        6: "HIGHWAY: highway 'bogus' excluded: not in the OSM mapping (give it a road_class "
        "in an OSM classes file)",
    }


def test_overpass_style_ids(tmp_path, jakarta_raw):
    frame = pd.DataFrame(
        {"@id": ["way/77", "way/78"], "highway": ["trunk", "trunk_link"], "name": ["A", None]}
    )
    path = osm_file(tmp_path / "export.geojson", frame, jakarta_raw.geometry.iloc[:2])
    inv = create_inventory(tmp_path / "inv.gpkg")
    import_layer(inv.path, "roads", path)
    roads = inv.read("roads").sort_values("road_id")
    assert roads["road_id"].tolist() == ["OSM-77", "OSM-78"]
    assert roads["road_class"].tolist() == ["raya", "raya"]


def test_a_road_class_column_wins_over_auto_detection(tmp_path, jakarta_raw):
    frame = pd.DataFrame({"highway": ["footway", "primary"], "kelas": ["kecil", "sedang"]})
    path = osm_file(tmp_path / "mixed.geojson", frame, jakarta_raw.geometry.iloc[:2])
    inv = create_inventory(tmp_path / "inv.gpkg")
    report = import_layer(inv.path, "roads", path)
    assert report.osm is None and report.rows_written == 2
    assert sorted(inv.read("roads")["road_class"]) == ["kecil", "sedang"]
    result = run("import", inv.path, "roads", path, "--osm", "--overwrite")
    assert result.exit_code == 1
    assert "has its own road_class column 'kelas' besides the OSM highway column" in result.output
    assert "Traceback" not in result.output


def test_no_osm_imports_the_raw_columns_only(tmp_path, jakarta_raw):
    path = osm_file(
        tmp_path / "raw.geojson",
        jakarta_raw[["TYPE", "NAME"]].iloc[:20],
        jakarta_raw.geometry.iloc[:20],
    )
    inv = create_inventory(tmp_path / "inv.gpkg")
    result = run("import", inv.path, "roads", path, "--no-osm")
    assert result.exit_code == 0, result.output
    assert "OpenStreetMap" not in result.output
    roads = inv.read("roads")
    assert len(roads) == 20 and roads["road_class"].isna().all()


# --------------------------------------------------------------------------- CLI errors


def test_bad_override_file_on_the_command_line(tmp_path, inventory):
    classes = write_classes(tmp_path, "highway,road_class\nservice,lebar\ntrack,kecil,x\n")
    result = run("import", inventory.path, "roads", JAKARTA, "--osm-classes", classes)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 2 problem(s) in osm_classes.csv:",
        "  osm_classes.csv row 1 field 'road_class': unknown road class 'lebar' "
        "(known: bebas_hambatan, raya, sedang, kecil, or exclude)",
        "  osm_classes.csv row 2: has 3 values but the header has 2",
    ]
    assert inventory.count("roads") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["poles", "--osm"], "--osm and --osm-classes apply to the roads layer, not 'poles'"),
        (["roads", "--no-osm", "--osm-classes", "{classes}"], "cannot be used together"),
        (["roads", "--osm-classes", "{missing}"], "does not exist"),
    ],
)
def test_bad_osm_invocations(tmp_path, inventory, args, message):
    classes = write_classes(tmp_path, "highway,road_class\ntrack,kecil\n")
    args = [a.format(classes=classes, missing=tmp_path / "nope.csv") for a in args]
    result = run("import", inventory.path, args[0], JAKARTA, *args[1:])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_osm_forced_on_a_file_without_highway(tmp_path, inventory):
    path = ROOT / "layers" / "kupang" / "roads.geojson"
    result = run("import", inventory.path, "roads", path, "--osm")
    assert result.exit_code == 1
    assert re.search(
        r"roads\.geojson: no OpenStreetMap highway column .* columns found: ", result.stderr
    )
    assert inventory.count("roads") == 0


# --------------------------------------------------------------------------- geoasset run


@pytest.mark.slow
def test_run_on_a_folder_with_raw_osm_roads(tmp_path, jakarta_raw):
    # a few blocks of West Jakarta around a footway: raw OSM columns, named roads.geojson
    footway = jakarta_raw[jakarta_raw["TYPE"] == "footway"].geometry.iloc[0]
    near = jakarta_raw[jakarta_raw.geometry.intersects(footway.buffer(0.004))]
    assert 10 < len(near) < 200 and "footway" in set(near["TYPE"])
    source = tmp_path / "src"
    source.mkdir()
    osm_file(source / "roads.geojson", near.drop(columns="geometry"), near.geometry)
    result = run("run", source, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    roads = open_inventory(tmp_path / "out" / "inventory.gpkg").read("roads")
    kept = near[near["TYPE"].map(lambda t: isinstance(DOCUMENTED[t], tuple))]
    assert len(roads) == len(kept)
    assert roads["road_class"].value_counts().to_dict() == expected_per_class(kept, DOCUMENTED)
    rejects = pd.read_csv(tmp_path / "out" / "roads.rejects.csv", encoding="utf-8-sig")
    assert set(rejects["TYPE"]) == set(near["TYPE"]) - set(kept["TYPE"])
    corridors = open_inventory(tmp_path / "out" / "inventory.gpkg").read("corridors")
    assert set(corridors["road_id"]) <= set(roads["road_id"]) and len(corridors)
