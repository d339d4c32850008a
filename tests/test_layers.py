"""The reference data in ``layers/``: readable, documented, where it says and reproducible.

Every file is opened with the real readers (pyogrio/GDAL, pandas for CSV). Counts are
compared with the table in ``layers/README.md``; geometry checks are done in
WGS 84 / UTM 51S (EPSG:32751), those of West Jakarta in UTM 48S (EPSG:32748). Coordinates in the CSVs are parsed here with a small
parser of this module and cross-checked with :func:`geoasset.coords.parse_angle`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pyproj import Geod
from shapely.geometry import Point

from geoasset.coords import parse_angle
from geoasset.schema import LAYERS, RUMIJA_MIN_WIDTH_M
from geoasset.validate import validate_layer

LAYERS_DIR = Path(__file__).resolve().parents[1] / "layers"
KUPANG = LAYERS_DIR / "kupang"
MAUMERE = LAYERS_DIR / "maumere"
BOUNDARIES = LAYERS_DIR / "boundaries"
JAKARTA = LAYERS_DIR / "jakarta_west"
METRIC = 32751
JAKARTA_METRIC = 32748

#: NTT's bounding box (lon_min, lat_min, lon_max, lat_max), about 118.9-125.2 E, 8-11.1 S
NTT_BBOX = (118.9, -11.1, 125.2, -8.0)
#: DKI Jakarta's bounding box (the mainland), about 106.68-106.98 E, 6.08-6.38 S
JAKARTA_BBOX = (106.65, -6.40, 107.0, -6.05)
#: West Jakarta: the links whose centroid lies west of this meridian
JAKARTA_WEST_OF = 106.828
#: OSM highway values (TYPE) of the West Jakarta file, as documented in layers/README.md
JAKARTA_TYPES = {
    "residential": 7603,
    "tertiary": 530,
    "secondary": 460,
    "primary": 311,
    "motorway_link": 73,
    "primary_link": 61,
    "unclassified": 60,
    "footway": 59,
    "motorway": 51,
    "service": 47,
    "living_street": 16,
    "road": 8,
    "secondary_link": 5,
    "trunk": 1,
    "pedestrian": 1,
    "track": 1,
}

#: Column synonyms of the importer's conventions (layers/ keeps to these).
SYNONYMS = {"nama": "name", "pemilik": "owner", "jenis": "kind", "tinggi": "height_m"}
LAT_NAMES = ("lat", "latitude", "lintang", "y")
LON_NAMES = ("lon", "lng", "longitude", "bujur", "x")

#: Schema fields filled later by geoasset (chainage), not expected in a field file.
DERIVED = {
    "poles": {"road_id", "sta_m", "sta", "offset_m", "side"},
    "monuments": {"road_id", "sta_m", "sta", "offset_m", "side"},
    "bridges": {"sta_m", "sta", "offset_m", "side"},
    "utility_lines": {"road_id", "sta_from_m", "sta_to_m", "sta", "side"},
    "roads": set(),
    "parcels": set(),
    "areas": set(),
}

#: The deliberate errors of poles.csv, as documented in layers/README.md
#: (1-based data row -> error).
POLE_ERRORS = {
    24: "empty_owner",
    89: "swapped_lat_lon",
    146: "height_text",
    202: "lat_out_of_range",
    261: "bad_date",
    334: "missing_lon",
    453: "duplicate_id",
}
BAD_COORDINATE_ROWS = {89, 202, 334}

GENERATED = [
    "roads.geojson",
    "bridges.csv",
    "monuments.kml",
    "poles.csv",
    "utility_lines.geojson",
    "parcels.geojson",
]

# --------------------------------------------------------------------------- helpers

_DMS = re.compile(
    r"""^\s*(?P<d>\d+)\s*[°\s]\s*(?P<m>\d+)\s*['\s]\s*(?P<s>\d+(?:\.\d+)?)\s*"?\s*(?P<h>[NSEW])\s*$"""
)


def angle(text: str) -> float:
    """Decimal degrees from ``-10.17``, ``10°10'12.53"S`` or ``123 40 15.21 E``; NaN if empty.

    Independent of geoasset's parser on purpose: the tests cross-check the two.
    """
    text = str(text).strip()
    if not text:
        return math.nan
    match = _DMS.match(text)
    if match is None:
        return float(text)
    value = int(match["d"]) + int(match["m"]) / 60 + float(match["s"]) / 3600
    return -value if match["h"] in "SW" else value


def survey_date(text: str) -> dt.date | None:
    """An ISO or day-first (``15/06/2026``) date, or ``None`` if ``text`` is not one."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def coordinate_columns(frame: pd.DataFrame) -> tuple[str, str]:
    lower = {c.lower(): c for c in frame.columns}
    lat = next(lower[n] for n in LAT_NAMES if n in lower)
    lon = next(lower[n] for n in LON_NAMES if n in lower)
    return lat, lon


def csv_points(path: Path) -> gpd.GeoDataFrame:
    """A CSV as points (EPSG:4326) with the columns renamed to schema fields."""
    frame = read_csv(path)
    lat_col, lon_col = coordinate_columns(frame)
    lat = frame[lat_col].map(angle)
    lon = frame[lon_col].map(angle)
    frame = frame.drop(columns=[lat_col, lon_col]).rename(columns=SYNONYMS)
    frame.index = range(1, len(frame) + 1)  # data row numbers, as the README counts them
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def read_layer_file(path: Path) -> gpd.GeoDataFrame:
    """Any file of layers/ as a GeoDataFrame with lower-case, synonym-mapped columns."""
    if path.suffix == ".csv":
        return csv_points(path)
    frame = pyogrio.read_dataframe(path)
    frame.columns = [c if c == "geometry" else c.lower() for c in frame.columns]
    return frame.rename(columns=SYNONYMS)


def readme_table() -> dict[str, tuple[str, int]]:
    """``file -> (layer, features)`` from the Files table of layers/README.md."""
    rows = {}
    for line in (LAYERS_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([^`]+)` \| ([^|]+) \| (\d+) \|", line)
        if match:
            rows[match[1]] = (match[2].strip(), int(match[3]))
    return rows


@functools.cache
def load_script(name: str):
    """Import a generator script of layers/ as a module (they import layerio)."""
    sys.path.insert(0, str(LAYERS_DIR))
    try:
        spec = importlib.util.spec_from_file_location(f"layers_{name}", LAYERS_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(LAYERS_DIR))


def same_text(a: str, b: str) -> bool:
    """Equal, allowing a difference of one unit in the last printed digit of a number.

    Guards the reproducibility test against a PROJ/GEOS version that rounds one
    coordinate of millions the other way; everything else must match exactly.
    """
    number = re.compile(r"(-?\d+\.\d+)")
    pa, pb = number.split(a), number.split(b)
    if len(pa) != len(pb):
        return False
    for i, (x, y) in enumerate(zip(pa, pb, strict=True)):
        if i % 2 == 0:
            if x != y:
                return False
        else:
            decimals = max(len(x.split(".")[1]), len(y.split(".")[1]))
            if abs(float(x) - float(y)) > 1.01 * 10**-decimals:
                return False
    return True


@pytest.fixture(scope="module")
def roads_metric() -> gpd.GeoDataFrame:
    return gpd.read_file(KUPANG / "roads.geojson").to_crs(METRIC)


@pytest.fixture(scope="module")
def poles() -> gpd.GeoDataFrame:
    return csv_points(KUPANG / "poles.csv")


@pytest.fixture(scope="module")
def desa() -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(BOUNDARIES / "kupang_desa_kelurahan.geojson")


# --------------------------------------------------------------------------- every file


#: example tables that are not layers: described in the prose of layers/README.md
EXAMPLE_TABLES = (
    "tariffs_example.csv",
    "owners_example.csv",
    "statements_example.toml",
    "permits_example.csv",
    "payments_example.csv",
)


def test_readme_lists_every_file():
    documented = readme_table()
    on_disk = {
        str(p.relative_to(LAYERS_DIR))
        for p in LAYERS_DIR.rglob("*")
        if p.suffix in (".geojson", ".csv", ".kml") and p.name not in EXAMPLE_TABLES
    }
    prose = (LAYERS_DIR / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in prose and (LAYERS_DIR / name).is_file() for name in EXAMPLE_TABLES)
    assert on_disk == set(documented) - {"kupang/photos/*.jpg"}
    assert len(list((KUPANG / "photos").glob("*.jpg"))) == documented["kupang/photos/*.jpg"][1]


@pytest.mark.parametrize(
    "name",
    [name for name, (layer, _) in readme_table().items() if not name.endswith("*.jpg")],
)
def test_file_opens_with_documented_count_and_lies_in_its_region(name):
    layer, count = readme_table()[name]
    frame = read_layer_file(LAYERS_DIR / name)
    assert len(frame) == count
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    if name == "kupang/poles.csv":
        frame = frame.drop(index=list(BAD_COORDINATE_ROWS))
    bounds = frame.geometry.bounds
    region = JAKARTA_BBOX if name.startswith("jakarta_west/") else NTT_BBOX
    lon_min, lat_min, lon_max, lat_max = region
    outside = frame[
        (bounds.minx < lon_min)
        | (bounds.maxx > lon_max)
        | (bounds.miny < lat_min)
        | (bounds.maxy > lat_max)
    ]
    if name == "boundaries/ntt_kabupaten_kota.geojson":
        # the province's own outline reaches 7.78 S (north coast of Flores and Alor)
        outside = outside[outside.geometry.bounds.maxy > -7.7]
    assert outside.empty, f"{name}: rows outside {region}: {outside.index.tolist()}"


@pytest.mark.parametrize(
    "name",
    [name for name, (layer, _) in readme_table().items() if layer in LAYERS],
)
def test_file_has_the_schema_columns(name):
    layer, _ = readme_table()[name]
    frame = read_layer_file(LAYERS_DIR / name)
    expected = set(LAYERS[layer].field_names) - DERIVED[layer]
    assert expected <= set(frame.columns), sorted(expected - set(frame.columns))
    assert "source" in frame.columns
    geom_types = set(frame.geometry.geom_type)
    assert geom_types <= set(LAYERS[layer].geometry_types), geom_types


@pytest.mark.parametrize(
    "name",
    [name for name, (layer, _) in readme_table().items() if layer in LAYERS],
)
def test_rows_pass_the_schema_except_the_documented_errors(name):
    layer, _ = readme_table()[name]
    frame = read_layer_file(LAYERS_DIR / name)
    keep = [c for c in frame.columns if c in LAYERS[layer].field_names or c == "geometry"]
    frame = frame[keep].reset_index(drop=True)
    result = validate_layer(frame, layer, source=name)
    bad_rows = {p.row for p in result.problems}
    if name == "kupang/poles.csv":
        # the validator checks fields (and flags both rows of the duplicate id);
        # coordinates are the importer's job
        assert bad_rows <= set(POLE_ERRORS) | {121}
        assert bad_rows >= {24, 121, 146, 261, 453}
    else:
        assert not result.problems, [str(p) for p in result.problems]


def test_every_row_says_where_it_comes_from():
    for name in readme_table():
        if name.endswith("*.jpg") or name.startswith(("boundaries/", "jakarta_west/")):
            continue
        source = read_layer_file(LAYERS_DIR / name)["source"]
        if name.startswith("kupang/") or name.endswith("_example.geojson"):
            assert source.str.contains("synthetic|approximate").all(), name
        else:
            assert source.str.contains("© OpenStreetMap contributors, ODbL 1.0").all(), name


def test_csv_coordinates_read_the_same_with_geoasset_parser():
    for name in ("poles.csv", "bridges.csv"):
        frame = read_csv(KUPANG / name)
        for column, axis in (("lintang", "lat"), ("bujur", "lon")):
            for row, text in enumerate(frame[column], start=1):
                if name == "poles.csv" and row in BAD_COORDINATE_ROWS:
                    continue
                assert parse_angle(text, axis=axis) == pytest.approx(angle(text), abs=1e-9)
    dms = read_csv(KUPANG / "poles.csv")["lintang"].str.contains("S")
    assert dms.sum() >= 10


@given(st.floats(min_value=-89.9999, max_value=89.9999, allow_nan=False))
def test_generator_dms_round_trips_through_geoasset_parser(value):
    kupang = load_script("make_kupang")
    for style in ("symbol", "space"):
        text = kupang.dms(value, "N", "S", style)
        assert parse_angle(text, axis="lat") == pytest.approx(value, abs=0.006 / 3600)
        assert angle(text) == pytest.approx(value, abs=0.006 / 3600)


# --------------------------------------------------------------------------- boundaries


def test_boundaries_are_byte_copies_with_documented_checksums():
    readme = (LAYERS_DIR / "README.md").read_text(encoding="utf-8")
    for path in BOUNDARIES.glob("*.geojson"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"`{path.name}` | `{digest}`" in readme


# --------------------------------------------------------------------------- Maumere


def test_maumere_keeps_every_osm_way_and_its_length():
    roads = pyogrio.read_dataframe(MAUMERE / "roads.geojson")
    other = pyogrio.read_dataframe(MAUMERE / "excluded" / "non_road_ways.geojson")
    foot = pyogrio.read_dataframe(MAUMERE / "excluded" / "non_vehicle_ways.geojson")
    assert (len(roads), len(other), len(foot)) == (147, 4, 5)
    ids = pd.concat([roads["osm_id"], other["osm_id"], foot["osm_id"]])
    assert ids.is_unique and len(ids) == 156
    assert (roads["road_id"] == "OSM-" + roads["osm_id"].astype(str)).all()
    assert set(other["waterway"].dropna()) | set(other["aeroway"].dropna()) == {
        "river",
        "canal",
        "runway",
        "taxiway",
    }
    # length two ways: planar in UTM 51S and geodesic on the ellipsoid
    every = pd.concat([roads.geometry, other.geometry, foot.geometry])
    utm = every.to_crs(METRIC).length.sum()
    geod = Geod(ellps="WGS84")
    geodesic = sum(geod.geometry_length(g) for g in every)
    assert utm == pytest.approx(147_264, abs=150)  # the source: 156 ways, ~148 km
    assert geodesic == pytest.approx(utm, rel=1e-3)
    assert roads.to_crs(METRIC).length.sum() == pytest.approx(133_380, abs=150)
    assert foot.to_crs(METRIC).length.sum() == pytest.approx(6_050, abs=50)


def test_maumere_highway_mapping_matches_the_readme():
    roads = pyogrio.read_dataframe(MAUMERE / "roads.geojson")
    mapping = {
        "secondary": ("sedang", "kolektor"),
        "tertiary": ("kecil", "lokal"),
        "unclassified": ("kecil", "lokal"),
        "residential": ("kecil", "lingkungan"),
        "living_street": ("kecil", "lingkungan"),
        "service": ("kecil", "lingkungan"),
        "road": ("kecil", None),
    }
    for row in roads.itertuples():
        road_class, function = mapping[row.highway]
        assert row.road_class == road_class
        assert (None if pd.isna(row.function) else row.function) == function
    assert roads["status"].isna().all() and roads["network"].isna().all()
    foot = pyogrio.read_dataframe(MAUMERE / "excluded" / "non_vehicle_ways.geojson")
    assert foot["highway"].value_counts().to_dict() == {"footway": 3, "pedestrian": 2}
    assert foot["reason"].str.contains("not a road for motor vehicles").all()
    assert (roads["kabupaten"] == "Kabupaten Sikka").all()
    assert (roads["sta_start_m"] == 0).all()
    assert roads["highway"].value_counts()["road"] == 67
    assert roads["osm_bridge"].eq("yes").sum() == 3


# --------------------------------------------------------------------------- Kupang


def test_generator_is_reproducible(tmp_path):
    out = tmp_path / "kupang"
    subprocess.run(
        [sys.executable, str(LAYERS_DIR / "make_kupang.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    for name in GENERATED:
        committed = (KUPANG / name).read_text(encoding="utf-8")
        fresh = (out / name).read_text(encoding="utf-8")
        assert same_text(committed, fresh), f"{name} differs from a fresh run"
    photos = sorted(p.name for p in (KUPANG / "photos").glob("*.jpg"))
    assert photos == sorted(p.name for p in (out / "photos").glob("*.jpg"))
    for name in photos:
        a = np.asarray(Image.open(KUPANG / "photos" / name), dtype=float)
        b = np.asarray(Image.open(out / "photos" / name), dtype=float)
        assert a.shape == b.shape and np.abs(a - b).mean() < 2


def test_pilot_road_and_its_junctions(roads_metric):
    roads = roads_metric.set_index("road_id")
    pilot = roads.loc["NTT-001"]
    assert pilot["name"] == "Simpang Polda – Bandara El Tari"
    assert (pilot["road_class"], pilot["status"], pilot["function"], pilot["network"]) == (
        "raya",
        "provinsi",
        "arteri",
        "primer",
    )
    assert pilot["kabupaten"] == "Kota Kupang"
    airport = gpd.GeoSeries([Point(123.671, -10.172)], crs=4326).to_crs(METRIC).iloc[0]
    assert Point(pilot.geometry.coords[-1]).distance(airport) < 300
    assert 5_000 < pilot.geometry.length < 9_000
    # junctions share an exact vertex with the pilot road (compare the written lon/lat)
    lonlat = gpd.read_file(KUPANG / "roads.geojson").set_index("road_id").geometry
    pilot_vertices = set(lonlat["NTT-001"].coords)
    kinds = {}
    for road_id in ("KPG-101", "KPG-102", "KPG-103", "KPG-104"):
        coords = list(lonlat[road_id].coords)
        assert coords[0] in pilot_vertices or set(coords[1:-1]) & pilot_vertices
        kinds[road_id] = "T" if coords[0] in pilot_vertices else "crossing"
        assert roads.loc[road_id, "road_class"] in ("sedang", "kecil")
    assert sorted(kinds.values()) == ["T", "T", "T", "crossing"]
    assert lonlat["KPG-101"].crosses(lonlat["NTT-001"])
    oo = roads.loc["NTT-002"]
    assert (oo["name"], oo["status"], oo["kabupaten"]) == (
        "Oelamasi – Oepoli",
        "provinsi",
        "Kabupaten Kupang",
    )


def test_roads_lie_in_their_kabupaten(desa):
    roads = gpd.read_file(KUPANG / "roads.geojson")
    for row in roads.itertuples():
        area = shapely.union_all(desa.loc[desa["nama_kab"] == row.kabupaten].geometry.values)
        assert all(area.covers(Point(c)) for c in row.geometry.coords), row.road_id
        # the desa polygons leave sub-metre slivers between neighbours
        outside = gpd.GeoSeries([row.geometry.difference(area)], crs=4326).to_crs(METRIC)
        assert outside.length.iloc[0] < 2.0, row.road_id


def nearest_road(poles: gpd.GeoDataFrame, roads: gpd.GeoDataFrame) -> pd.DataFrame:
    """Road, chainage, offset and side of each pole, from the nearest centreline."""
    records = []
    for idx, pt in poles.geometry.items():
        dist = roads.distance(pt)
        road = roads.loc[dist.idxmin()]
        line = road.geometry
        s = line.project(pt)
        a = np.asarray(line.interpolate(max(s - 1, 0)).coords[0])
        b = np.asarray(line.interpolate(min(s + 1, line.length)).coords[0])
        v = np.asarray(pt.coords[0]) - a
        cross = (b - a)[0] * v[1] - (b - a)[1] * v[0]
        second = dist.drop(dist.idxmin()).min()
        records.append(
            {
                "row": idx,
                "road_id": road["road_id"],
                "chainage": s,
                "offset": dist.min(),
                "margin": second - dist.min(),
                "side": "left" if cross > 0 else "right",
                "half_row": (road["rumija_m"] if road["rumija_m"] == road["rumija_m"] else
                             RUMIJA_MIN_WIDTH_M[road["road_class"]]) / 2,
            }
        )  # fmt: skip
    return pd.DataFrame(records).set_index("row")


@pytest.fixture(scope="module")
def located(poles, roads_metric):
    usable = poles.drop(index=list(BAD_COORDINATE_ROWS))
    usable = usable[~usable["pole_id"].duplicated(keep="first")]
    return nearest_road(usable.to_crs(METRIC), roads_metric)


def test_poles_are_40_to_60_m_apart_on_each_side(located):
    groups = located.groupby(["road_id", "side"])
    assert len(groups) == 10  # both sides of the pilot road and of 4 connecting roads
    gaps_explained = len(BAD_COORDINATE_ROWS)
    long_gaps = 0
    for (road_id, side), group in groups:
        steps = np.diff(np.sort(group["chainage"].to_numpy()))
        assert len(steps) >= 10, (road_id, side)
        assert steps.min() >= 40, (road_id, side, steps.min())
        long = steps[steps > 60]
        # a pole refused for its coordinates leaves one double-length gap
        assert ((long >= 80) & (long <= 120)).all(), (road_id, side, long)
        long_gaps += len(long)
    assert long_gaps <= gaps_explained
    assert located["margin"].min() > 1.5  # no pole is ambiguous between two roads


def test_pole_offsets_mostly_inside_the_right_of_way(located):
    inside = located["offset"] <= located["half_row"]
    assert inside.mean() > 0.8
    assert (~inside).sum() >= 20
    pilot = located[located["road_id"] == "NTT-001"]
    assert (pilot["offset"] <= 12.5).mean() > 0.85
    assert (pilot["offset"] > 12.5).any()


def test_pole_attributes(poles):
    clean = poles.drop(index=list(POLE_ERRORS))
    owners = set(clean["owner"])
    assert {"PLN", "Telkom", "Telkomsel", "Indosat", "Iconnet", "Moratel"} <= owners
    assert set(clean["kind"]) == {"electric", "telecom", "street_light"}
    heights = clean["height_m"].str.replace(",", ".").astype(float)
    assert heights.between(7, 13).all()
    assert 0.2 < (clean["permit_no"] != "").mean() < 0.8
    dates = clean["surveyed_on"].map(survey_date)
    assert dates.notna().all()
    assert dates.min() >= dt.date(2025, 1, 1)
    assert dates.max() <= dt.date(2026, 12, 31)
    assert (dates >= dt.date(2026, 6, 1)).sum() > 10  # mid-2026 surveys
    assert (clean["source"] == "synthetic – geoasset make_kupang.py seed 2026").all()


def test_documented_pole_errors_and_no_others(poles):
    raw = read_csv(KUPANG / "poles.csv")
    raw.index = range(1, len(raw) + 1)
    found = {}
    seen = set()
    for row, r in raw.iterrows():
        lat, lon = angle(r["lintang"]), angle(r["bujur"])
        if r["pemilik"] == "":
            found[row] = "empty_owner"
        elif math.isnan(lat) or math.isnan(lon):
            found[row] = "missing_lon" if math.isnan(lon) else "missing_lat"
        elif abs(lat) > 90 and 118 < lat < 126 and -12 < lon < -8:
            found[row] = "swapped_lat_lon"
        elif abs(lat) > 90:
            found[row] = "lat_out_of_range"
        elif re.search(r"[a-z]", r["tinggi"]):
            found[row] = "height_text"
        elif survey_date(r["surveyed_on"]) is None:
            found[row] = "bad_date"
        elif r["pole_id"] in seen:
            found[row] = "duplicate_id"
        seen.add(r["pole_id"])
    assert found == POLE_ERRORS
    assert len(raw) - len(POLE_ERRORS) == 446


def test_photos_are_small_real_jpegs_referenced_by_poles(poles):
    referenced = {p for p in poles["photo"] if p}
    files = {f"photos/{p.name}" for p in (KUPANG / "photos").glob("*.jpg")}
    assert referenced == files and len(files) >= 2
    for name in files:
        path = KUPANG / name
        assert path.stat().st_size < 20_000
        with Image.open(path) as img:
            assert img.format == "JPEG" and img.size == (240, 320)


def test_utility_lines(roads_metric):
    lines = gpd.read_file(KUPANG / "utility_lines.geojson").to_crs(METRIC)
    assert lines["line_id"].is_unique
    assert {"overhead_cable", "fibre", "water_pipe", "buried_cable"} <= set(lines["kind"])
    assert "PDAM Kota Kupang" in set(lines.loc[lines["kind"] == "water_pipe", "owner"])
    pilot = roads_metric.set_index("road_id").geometry["NTT-001"]
    no_permit = lines[lines["permit_no"].isna()]
    assert no_permit.geometry.crosses(pilot).any()
    centrelines = shapely.union_all(roads_metric.geometry.values)
    farthest = lines.geometry.map(lambda g: max(centrelines.distance(Point(c)) for c in g.coords))
    # one line leaves the right-of-way for good (the Telkom branch, ~210 m away); the
    # others stay near the road, through poles that may stand just outside the Rumija
    assert (farthest > 50).sum() == 1
    assert farthest[farthest <= 50].max() < 25


def test_overhead_lines_hop_between_poles(located, poles):
    lines = gpd.read_file(KUPANG / "utility_lines.geojson").to_crs(METRIC)
    pts = poles.drop(index=list(BAD_COORDINATE_ROWS)).to_crs(METRIC)
    tree = shapely.STRtree(pts.geometry.values)
    unmatched = 0
    overhead = lines[lines["kind"] == "overhead_cable"]
    for line_id, line in zip(overhead["line_id"], overhead.geometry, strict=True):
        vertices = shapely.points(np.asarray(line.coords))
        _, dist = tree.query_nearest(vertices, return_distance=True, all_matches=False)
        # a line still runs through a pole whose row has unusable coordinates
        unmatched += int((dist >= 1.0).sum())
        spans = np.hypot(*np.diff(np.asarray(line.coords), axis=0).T)
        if line_id != "LINE-000029":  # the drop across the road
            assert 38 < spans.min() and spans.max() < 62, (line_id, spans.min(), spans.max())
    assert unmatched <= len(BAD_COORDINATE_ROWS)


def test_bridges(roads_metric):
    bridges = csv_points(KUPANG / "bridges.csv").to_crs(METRIC)
    reported = bridges[bridges["road_id"] == "NTT-002"].set_index("name")
    assert reported["length_m"].astype(float).to_dict() == {
        "Jembatan Bipolo": 25.0,
        "Jembatan Kapsali": 100.0,
        "Jembatan Termanu": 100.0,
        "Jembatan Nunpisa": 30.0,
    }
    assert reported["condition_nk"].astype(int).isin([3, 4]).all()
    road = roads_metric.set_index("road_id").geometry
    for b in bridges.itertuples():
        assert road[b.road_id].distance(b.geometry) < 1.0, b.name
    assert read_csv(KUPANG / "bridges.csv")["lintang"].str.contains("°").sum() == 4


def test_monuments(desa):
    monuments = read_layer_file(KUPANG / "monuments.kml").set_index("monument_id")
    pancasila = monuments.loc["MON-001"]
    assert pancasila["name"] == "Monumen Pancasila"
    assert pancasila["status"] in ("stalled", "under_construction")
    assert float(pancasila["estimated_cost_rp"]) == 17_000_000_000
    assert pancasila["funding"]
    nitneo = desa.loc[desa["kode"] == "53.01.05.2009"].geometry.iloc[0]
    assert nitneo.contains(pancasila.geometry)
    assert set(monuments.geometry.geom_type) == {"Point", "Polygon"}


def test_parcel_covers_part_of_the_pilot_road(roads_metric):
    parcels = gpd.read_file(KUPANG / "parcels.geojson").to_crs(METRIC)
    parcel = parcels.iloc[0]
    assert parcel["road_id"] == "NTT-001" and parcel["certificate_no"]
    assert parcel.geometry.is_valid
    pilot = roads_metric.set_index("road_id").geometry["NTT-001"]
    inside = pilot.intersection(parcel.geometry).length
    assert inside == pytest.approx(2_500, abs=5)  # STA 2+000 - 4+500
    # 14 m + 15 m wide: area = length x width, to within the curvature of the road
    assert parcel.geometry.area == pytest.approx(2_500 * 29, rel=0.01)


@pytest.mark.parametrize(
    ("layer", "name", "written", "refused"),
    [
        ("roads", "kupang/roads.geojson", 6, 0),
        ("bridges", "kupang/bridges.csv", 6, 0),
        ("monuments", "kupang/monuments.kml", 3, 0),
        ("poles", "kupang/poles.csv", 445, 8),  # both rows of the duplicate id
        ("utility_lines", "kupang/utility_lines.geojson", 30, 0),
        ("parcels", "kupang/parcels.geojson", 1, 0),
        ("roads", "maumere/roads.geojson", 147, 0),
        # raw OSM: the 59 footways and 1 pedestrian way are not roads
        ("roads", "jakarta_west/roads_osm.geojson", 9227, 60),
        ("roads", "jakarta_west/corridor_crash_6_links.geojson", 6, 0),
    ],
)
def test_importer_takes_the_files_and_refuses_only_the_documented_rows(
    tmp_path, layer, name, written, refused
):
    from geoasset.ingest import import_layer
    from geoasset.store import create_inventory, open_inventory

    create_inventory(tmp_path / "inventory.gpkg")
    rejects = tmp_path / "rejects.csv"
    report = import_layer(
        tmp_path / "inventory.gpkg", layer, LAYERS_DIR / name, rejects_path=rejects
    )
    assert (report.rows_written, report.rows_refused) == (written, refused)
    assert open_inventory(tmp_path / "inventory.gpkg").count(layer) == written
    if name == "kupang/poles.csv":
        rows = set(pd.read_csv(rejects, encoding="utf-8-sig")["source_row"])
        assert rows == set(POLE_ERRORS) | {121}
    elif refused:
        refused_rows = pd.read_csv(rejects, encoding="utf-8-sig")
        assert set(refused_rows["TYPE"]) == {"footway", "pedestrian"}


# --------------------------------------------------------------------------- West Jakarta


@pytest.fixture(scope="module")
def jakarta() -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(JAKARTA / "roads_osm.geojson")


def test_jakarta_keeps_the_raw_osm_columns_and_counts(jakarta):
    assert list(jakarta.columns) == ["TYPE", "NAME", "ONEWAY", "LANES", "geometry"]
    assert len(jakarta) == 9287
    assert jakarta["TYPE"].value_counts().to_dict() == JAKARTA_TYPES
    assert int(jakarta["NAME"].notna().sum()) == 4316
    assert set(jakarta["ONEWAY"].dropna()) == {"yes", "-1", "no"}
    assert int(jakarta["LANES"].notna().sum()) == 30
    assert set(jakarta.geometry.geom_type) == {"LineString"}
    assert jakarta.geometry.is_valid.all() and not jakarta.geometry.is_empty.any()
    assert jakarta.to_crs(JAKARTA_METRIC).length.sum() == pytest.approx(2_736_861, rel=1e-4)


def test_jakarta_is_the_western_half(jakarta):
    centroid_x = jakarta.to_crs(JAKARTA_METRIC).centroid.to_crs(4326).x
    assert centroid_x.max() < JAKARTA_WEST_OF
    assert centroid_x.max() > JAKARTA_WEST_OF - 0.01  # cut at the meridian, not short of it


def test_jakarta_coordinates_have_osm_precision():
    text = (JAKARTA / "roads_osm.geojson").read_text(encoding="utf-8")
    decimals = [len(d) for d in re.findall(r"-?\d+\.(\d+)", text)]
    assert max(decimals) == 7
    header = json.loads(text[: text.index('"features"')] + '"features": []}')
    assert "crs" not in header  # RFC 7946: WGS 84 lon/lat, no crs member


def test_jakarta_crash_case_is_six_roads_in_the_roads_schema():
    crash = pyogrio.read_dataframe(JAKARTA / "corridor_crash_6_links.geojson")
    assert crash["road_id"].tolist() == [
        "JKT-00446", "JKT-09543", "JKT-08929", "JKT-08974", "JKT-08976", "JKT-08975",
    ]  # fmt: skip
    assert set(crash.columns) - {"geometry"} <= set(LAYERS["roads"].field_names)
    assert not validate_layer(crash, "roads", source="crash").problems
    assert crash["road_class"].tolist() == ["kecil", "kecil", "raya", "raya", "raya", "raya"]
    assert set(crash.geometry.geom_type) == {"LineString"}


def test_jakarta_files_carry_the_odbl_credit():
    readme = (LAYERS_DIR / "README.md").read_text(encoding="utf-8")
    credits = readme[readme.index("## Credits and licences") :].split("\n- **")[1]
    assert "© OpenStreetMap contributors, ODbL 1.0" in credits
    for name in ("jakarta_west/roads_osm.geojson", "jakarta_west/corridor_crash_6_links.geojson"):
        assert f"`{name}`" in credits
    assert "inasafe/inasafe_data" in readme and "`exposure/jakarta_roads.shp`" in readme
