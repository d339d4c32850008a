"""Importing field files: every format written here, read back through both engines.

Each test writes its own files under tmp_path with pyogrio, pandas or the standard
library, imports them with :func:`geoasset.ingest.import_layer` and checks what the
inventory holds against the values written (coordinates computed independently).
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import fiona
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from shapely import LineString, MultiLineString, Point, Polygon

from geoasset.errors import (
    CRSError,
    GeoassetError,
    LayerNotEmptyError,
    SchemaError,
    SourceError,
)
from geoasset.ingest import import_layer, map_columns, read_source
from geoasset.schema import INVENTORY_LAYERS
from geoasset.store import create_inventory

HOSTILE = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "kutip \"ganda\", 'tunggal'; koma",
    "panjang " + "x" * 10_000,
]
OWNERS = ["PLN", "Telkom", *HOSTILE]
NOTE = "Jl. Sudirman – Oebobo"  # en dash: not ASCII, in cp1252 it is byte 0x96


def field_poles(*, hostile: bool = True) -> gpd.GeoDataFrame:
    """Six poles near Bandara El Tari as a field team reports them.

    ``hostile=False`` keeps text a shapefile or a spreadsheet can hold unchanged
    (no 10,000-character value, no leading ``=`` that Excel turns into a formula).
    """
    owners = OWNERS if hostile else ["PLN", "Telkom", "<script>alert(1)</script>", "PDAM"]
    n = len(owners)
    return gpd.GeoDataFrame(
        {
            "pole_id": [f"T-{i:03d}" for i in range(1, n + 1)],
            "owner": owners,
            "kind": ["electric", "telecom", "electric", "other", "street_light", "electric"][:n],
            "height_m": [9.0, 10.5, 7.25, 12.0, 9.0, 11.0][:n],
            "catatan": [NOTE] * n,
        },
        geometry=[Point(123.6 + i * 0.0001, -10.17 - i * 0.0001) for i in range(n)],
        crs=4326,
    )


def as_table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["lat"] = frame.geometry.y
    table["lon"] = frame.geometry.x
    return table


def write_csv(frame, path, **kwargs):
    as_table(frame).to_csv(path, index=False, **kwargs)
    return path


def write_source(kind: str, folder, frame=None):
    """Write poles in format ``kind``; return (path, options for import_layer, frame)."""
    frame = field_poles(hostile=kind not in ("xlsx", "shp", "zip")) if frame is None else frame
    options: dict = {}
    if kind == "csv":
        path = write_csv(frame, folder / "poles.csv")
    elif kind == "xlsx":
        path = folder / "poles.xlsx"
        as_table(frame).to_excel(path, index=False, sheet_name="tiang")
    elif kind == "geojson":
        path = folder / "poles.geojson"
        pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    elif kind in ("shp", "zip"):
        path = folder / "poles.shp"
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8")
        if kind == "zip":
            archive = folder / "poles.zip"
            with zipfile.ZipFile(archive, "w") as z:
                for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                    z.write(path.with_suffix(suffix), f"tiang/poles{suffix}")
            path = archive
    elif kind in ("kml", "kmz"):
        path = folder / f"poles.{kind}"
        pyogrio.write_dataframe(frame, path, driver="LIBKML", layer="tiang")
    elif kind == "gpx":
        path = folder / "poles.gpx"
        waypoints = frame.rename(columns={"pole_id": "name", "owner": "desc"})
        pyogrio.write_dataframe(
            waypoints[["name", "desc", "geometry"]], path, driver="GPX", layer="waypoints"
        )
        options["mapping"] = {"name": "pole_id", "desc": "owner"}
    elif kind == "gpkg":
        path = folder / "survey.gpkg"
        pyogrio.write_dataframe(frame, path, layer="tiang")
        cable = gpd.GeoDataFrame(
            {"line_id": ["K1"]},
            geometry=[LineString([(123.6, -10.17), (123.61, -10.17)])],
            crs=4326,
        )
        pyogrio.write_dataframe(cable, path, layer="kabel")
        options["source_layer"] = "tiang"
    else:
        raise ValueError(kind)
    return path, options, frame


FORMATS = ["csv", "xlsx", "geojson", "shp", "zip", "kml", "kmz", "gpx", "gpkg"]


@pytest.mark.parametrize("kind", FORMATS)
def test_every_format_round_trips_through_both_engines(tmp_path, inventory, kind):
    path, options, frame = write_source(kind, tmp_path)
    report = import_layer(inventory.path, "poles", path, **options)
    assert (report.rows_read, report.rows_written, report.rows_refused) == (
        len(frame),
        len(frame),
        0,
    )
    assert report.rejects_path is None
    expected = frame.sort_values("pole_id").reset_index(drop=True)
    for engine in ("pyogrio", "fiona"):
        stored = inventory.read("poles", engine=engine).sort_values("pole_id")
        stored = stored.reset_index(drop=True)
        assert stored.crs.to_epsg() == 4326
        assert stored["pole_id"].tolist() == expected["pole_id"].tolist()
        assert stored["owner"].tolist() == expected["owner"].tolist(), engine
        np.testing.assert_allclose(stored.geometry.x, expected.geometry.x, atol=1e-9)
        np.testing.assert_allclose(stored.geometry.y, expected.geometry.y, atol=1e-9)
        if kind != "gpx":  # GPX waypoints carry only name and description
            assert stored["height_m"].tolist() == expected["height_m"].tolist()
            assert stored["kind"].tolist() == expected["kind"].tolist()
            assert stored["catatan"].tolist() == [NOTE] * len(frame)  # extra column kept
    # GDAL itself reads the inventory back
    assert pyogrio.read_info(inventory.path, layer="poles")["features"] == len(frame)
    assert "poles" in fiona.listlayers(inventory.path)
    with fiona.open(inventory.path, layer="poles") as layer:
        assert layer.crs.to_epsg() == 4326
        assert len(layer) == len(frame)


def test_hostile_strings_are_stored_verbatim_from_csv_and_geojson(tmp_path, inventory):
    frame = field_poles()
    path = write_csv(frame, tmp_path / "a.csv")
    import_layer(inventory.path, "poles", path)
    geojson = tmp_path / "b.geojson"
    other = frame.assign(pole_id=[f"G-{i}" for i in range(len(frame))])
    pyogrio.write_dataframe(other, geojson, driver="GeoJSON")
    import_layer(inventory.path, "poles", geojson, mode="append")
    stored = inventory.read("poles", engine="fiona")
    for text in HOSTILE:
        assert (stored["owner"] == text).sum() == 2
    assert stored["owner"].str.len().max() == len(HOSTILE[-1])


def test_indonesian_headers_semicolons_decimal_commas_and_dms(tmp_path, inventory):
    path = tmp_path / "tiang_survei.csv"
    path.write_text(
        "No;Pemilik;Jenis;Tinggi (m);Lintang;Bujur;Keterangan\n"
        "1;PLN;Electric;9,5;10°10'12.5\"S;123°40'15\"E;depan kantor\n"
        "2;Telkom;telecom;8;S 10 10 13;123 40 16 BT;\n"
        "3;PLN;street light;7;-10,1702;123,6710;\n",
        encoding="utf-8",
    )
    report = import_layer(inventory.path, "poles", path, mapping={"No": "pole_id"})
    assert report.rows_written == 3, report.problems
    stored = inventory.read("poles").sort_values("pole_id").reset_index(drop=True)
    assert stored["pole_id"].tolist() == ["1", "2", "3"]
    assert stored["owner"].tolist() == ["PLN", "Telkom", "PLN"]
    assert stored["kind"].tolist() == ["electric", "telecom", "street_light"]
    assert stored["height_m"].tolist() == [9.5, 8.0, 7.0]
    assert stored["Keterangan"].tolist()[0] == "depan kantor"
    assert stored.geometry.y[0] == pytest.approx(-(10 + 10 / 60 + 12.5 / 3600), abs=1e-12)
    assert stored.geometry.x[1] == pytest.approx(123 + 40 / 60 + 16 / 3600, abs=1e-12)
    assert stored.geometry.y[2] == pytest.approx(-10.1702)


def test_map_columns_priorities_and_extras():
    assert map_columns(["Nama", "Panjang", "ID"], "bridges") == {
        "Nama": "name",
        "Panjang": "length_m",
        "ID": "bridge_id",
    }
    # a column named as the field wins over a synonym; the synonym column is kept as is
    assert map_columns(["pemilik", "Owner"], "poles") == {"pemilik": "pemilik", "Owner": "owner"}
    with pytest.raises(SchemaError, match="layer 'poles' has no field 'colour'"):
        map_columns(["a"], "poles", mapping={"a": "colour"})
    with pytest.raises(SourceError, match=r"column 'b' \(mapping=\) not found; columns found: a"):
        map_columns(["a"], "poles", mapping={"b": "owner"})


def test_cp1252_csv_is_read_and_reported(tmp_path, inventory, caplog):
    path = tmp_path / "excel_export.csv"
    write_csv(field_poles(hostile=False), path, encoding="cp1252")
    assert b"\x96" in path.read_bytes()  # the en dash, as Excel on Windows writes it
    with caplog.at_level(logging.WARNING, logger="geoasset"):
        report = import_layer(inventory.path, "poles", path)
    assert report.encoding == "cp1252"
    assert "not UTF-8" in caplog.text and "cp1252" in caplog.text
    assert set(inventory.read("poles")["catatan"]) == {NOTE}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_encodings(tmp_path, inventory, encoding):
    path = tmp_path / "poles.csv"
    write_csv(field_poles(hostile=False), path, encoding=encoding, sep="\t")
    report = import_layer(inventory.path, "poles", path)
    assert report.rows_written == 4
    assert set(inventory.read("poles")["catatan"]) == {NOTE}


def test_projected_csv_is_reprojected_to_wgs84(tmp_path, inventory):
    utm = pyproj.Transformer.from_crs(4326, 32751, always_xy=True)
    east, north = utm.transform(123.67, -10.17)
    path = tmp_path / "utm.csv"
    path.write_text(f"pole_id,owner,Easting,Northing\nU1,PLN,{east:.3f},{north:.3f}\n")
    import_layer(inventory.path, "poles", path, crs="EPSG:32751")
    point = inventory.read("poles").geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((123.67, -10.17), abs=1e-7)


def test_shapefile_crs_is_used_or_required(tmp_path, inventory):
    frame = field_poles(hostile=False).to_crs(32751)
    path = tmp_path / "utm.shp"
    pyogrio.write_dataframe(frame, path)
    import_layer(inventory.path, "poles", path)
    stored = inventory.read("poles").sort_values("pole_id")
    np.testing.assert_allclose(stored.geometry.x, field_poles(hostile=False).geometry.x, atol=1e-9)
    # the same file without its .prj: UTM metres are not degrees, so the CRS is required
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="has no CRS .* give its CRS with crs=, e.g."):
        import_layer(inventory.path, "poles", path, mode="replace")
    report = import_layer(inventory.path, "poles", path, mode="replace", crs=32751)
    assert report.rows_written == 4


def test_wkt_csv_and_gpx_tracks_fill_line_layers(tmp_path, inventory):
    csv = tmp_path / "kabel.csv"
    pd.DataFrame(
        {
            "line_id": ["K1", "K2"],
            "owner": ["Telkom", "PLN"],
            "Geometry": ["LINESTRING (123.6 -10.17, 123.61 -10.17)", "LINESTRING (1 2"],
        }
    ).to_csv(csv, index=False)
    report = import_layer(inventory.path, "utility_lines", csv)
    assert report.rows_written == 1
    assert str(report.problems[0]) == "row 2 field 'Geometry': 'LINESTRING (1 2' is not valid WKT"
    rejects = pd.read_csv(report.rejects_path, dtype=str)
    assert rejects["Geometry"].tolist() == ["LINESTRING (1 2"]

    gpx = tmp_path / "track.gpx"
    track = gpd.GeoDataFrame(
        {"name": ["K3"], "desc": ["Telkom"]},
        geometry=[MultiLineString([[(123.6, -10.18), (123.62, -10.18)]])],
        crs=4326,
    )
    pyogrio.write_dataframe(track, gpx, driver="GPX", layer="tracks")
    report = import_layer(
        inventory.path,
        "utility_lines",
        gpx,
        mode="append",
        mapping={"name": "line_id", "desc": "owner"},
    )
    assert report.rows_written == 1, report.problems
    stored = inventory.read("utility_lines").set_index("line_id")
    assert stored.geometry["K3"].geom_type == "LineString"  # one-part track made simple
    assert stored.geometry["K3"].length == pytest.approx(0.02)


GPX_BOTH = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="handheld" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="-10.17" lon="123.6"><name>W1</name><desc>PLN</desc></wpt>
  <wpt lat="-10.17" lon="123.61"><name>W2</name><desc>PLN</desc></wpt>
  <rte><name>R1</name><desc>Telkom</desc>
    <rtept lat="-10.17" lon="123.6"/><rtept lat="-10.17" lon="123.61"/>
  </rte>
</gpx>
"""


def test_gpx_picks_the_layer_matching_the_target(tmp_path, inventory):
    # a handheld's file with waypoints and a route: poles take the waypoints, lines the route
    path = tmp_path / "both.gpx"
    path.write_text(GPX_BOTH, encoding="utf-8")
    frame = read_source(path, layer="poles")
    assert frame["name"].tolist() == ["W1", "W2"]
    assert read_source(path, layer="utility_lines")["name"].tolist() == ["R1"]
    with pytest.raises(SourceError, match="holds several layers"):
        read_source(path)
    mapping = {"name": "pole_id", "desc": "owner"}
    report = import_layer(inventory.path, "poles", path, mapping=mapping)
    assert report.rows_written == 2
    mapping = {"name": "line_id", "desc": "owner"}
    report = import_layer(inventory.path, "utility_lines", path, mapping=mapping)
    assert inventory.read("utility_lines").geometry.iloc[0].length == pytest.approx(0.01)


def test_geopackage_with_several_layers_needs_a_choice(tmp_path, inventory):
    path, _, _ = write_source("gpkg", tmp_path)
    extra = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(123.6, -10.17)], crs=4326)
    pyogrio.write_dataframe(extra, path, layer="tiang_lama")
    with pytest.raises(
        SourceError, match="holds several layers .*tiang.*tiang_lama.*with source_layer="
    ):
        import_layer(inventory.path, "poles", path)
    with pytest.raises(SourceError, match="no layer 'nope'"):
        import_layer(inventory.path, "poles", path, source_layer="nope")


def test_invalid_geometry_is_refused_or_fixed(tmp_path, inventory):
    bowtie = Polygon([(123.6, -10.17), (123.61, -10.18), (123.61, -10.17), (123.6, -10.18)])
    square = Polygon([(123.6, -10.17), (123.61, -10.17), (123.61, -10.18), (123.6, -10.18)])
    frame = gpd.GeoDataFrame(
        {"monument_id": ["M1", "M2"], "name": ["Tugu A", "Tugu B"]},
        geometry=[square, bowtie],
        crs=4326,
    )
    path = tmp_path / "tugu.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    report = import_layer(inventory.path, "monuments", path)
    assert report.rows_written == 1
    assert str(report.problems[0]).startswith("row 2 field 'geometry': invalid geometry (Self")
    rejects = pd.read_csv(report.rejects_path, dtype=str)
    assert rejects["geometry_wkt"][0].startswith("POLYGON ((123.6 -10.17")
    report = import_layer(inventory.path, "monuments", path, mode="replace", fix=True)
    assert report.rows_written == 2
    fixed = inventory.read("monuments").set_index("monument_id").geometry["M2"]
    assert fixed.is_valid and fixed.area == pytest.approx(0.5 * 0.01 * 0.01)


def test_rejects_keep_original_values_and_every_reason(tmp_path, inventory):
    path = tmp_path / "survey.csv"
    path.write_text(
        "pole_id,owner,height_m,lat,lon,catatan\n"
        "P1,PLN,9,-10.17,123.6,first\n"
        'P2,,nine,-10.17,123.6,"=HYPERLINK(""http://x"",""y"")"\n'
        "P1,PLN,9,-10.17,123.6,again\n"
        "P4,PLN,9,123.6,-10.17,swapped\n"
        "P5,PLN,9,-95,123.6,far\n"
        "P6,PLN,9,10°75'S,123.6,bad dms\n"
        "P7,PLN,9,-10.17,123.6,good\n",
        encoding="utf-8",
    )
    report = import_layer(inventory.path, "poles", path)
    # both copies of a duplicated id are refused: the file cannot say which one is right
    assert (report.rows_read, report.rows_written, report.rows_refused) == (7, 1, 6)
    assert report.rejects_path == tmp_path / "survey.poles.rejects.csv"
    text = [str(p) for p in report.problems]
    assert text[0] == "row 1 field 'pole_id': duplicate id 'P1' (2 rows: 1, 3)"
    assert "row 2 field 'owner': required value is empty" in text
    assert "row 2 field 'height_m': 'nine' is not a number" in text
    assert "row 3 field 'pole_id': duplicate id 'P1' (2 rows: 1, 3)" in text
    swapped = next(t for t in text if t.startswith("row 4"))
    assert swapped.startswith("row 4 field 'lat': latitude 123.6 is outside ±90")
    assert swapped.endswith("columns 'lat' and 'lon' look swapped")
    assert "row 5 field 'lat': latitude -95 is outside ±90" in text
    assert "row 6 field 'lat': \"10°75'S\": minutes 75 must be below 60" in text
    assert not any("geometry is missing" in t for t in text)  # said once, by the coordinate
    rejects = pd.read_csv(report.rejects_path, dtype=str, keep_default_na=False)
    assert rejects.columns.tolist() == [
        "source_row",
        "pole_id",
        "owner",
        "height_m",
        "lat",
        "lon",
        "catatan",
        "reject_reason",
    ]
    assert rejects["source_row"].tolist() == ["1", "2", "3", "4", "5", "6"]
    # a formula is quoted for the spreadsheet; numbers stay numbers
    assert rejects["catatan"][1] == '\'=HYPERLINK("http://x","y")'
    assert rejects["lat"][4] == "-95"
    assert rejects["height_m"][1] == "nine"
    assert rejects["lat"][5] == "10°75'S"
    assert rejects["reject_reason"][1] == (
        "owner: required value is empty; height_m: 'nine' is not a number"
    )
    assert inventory.read("poles")["pole_id"].tolist() == ["P7"]
    # the history records the batch with its refused rows
    last = inventory.history().iloc[-1]
    assert (last["command"], last["source"], last["rows_added"], last["rows_refused"]) == (
        "import",
        "survey.csv",
        1,
        6,
    )


def test_ids_are_assigned_after_those_in_use(tmp_path, inventory):
    first = tmp_path / "a.csv"
    first.write_text("pole_id,owner,lat,lon\nPOLE-000041,PLN,-10.17,123.6\n")
    import_layer(inventory.path, "poles", first)
    second = tmp_path / "b.csv"
    second.write_text("owner,lat,lon\nPLN,-10.17,123.6\nTelkom,-10.18,123.6\n")
    report = import_layer(inventory.path, "poles", second, mode="append")
    assert report.ids_assigned == 2
    assert sorted(inventory.read("poles")["pole_id"]) == [
        "POLE-000041",
        "POLE-000042",
        "POLE-000043",
    ]


def test_duplicates_against_the_inventory_on_append_but_not_on_replace(tmp_path, inventory):
    path = write_csv(field_poles(hostile=False), tmp_path / "p.csv")
    import_layer(inventory.path, "poles", path)
    report = import_layer(inventory.path, "poles", path, mode="append")
    assert report.rows_written == 0 and report.rows_refused == 4
    assert (
        str(report.problems[0]) == "row 1 field 'pole_id': id 'T-001' is already in the inventory"
    )
    assert inventory.count("poles") == 4
    report = import_layer(inventory.path, "poles", path, mode="replace")
    assert report.rows_written == 4 and inventory.count("poles") == 4


def test_create_into_non_empty_layer_writes_nothing(tmp_path, inventory):
    path = write_csv(field_poles(hostile=False), tmp_path / "p.csv")
    import_layer(inventory.path, "poles", path)
    bad = tmp_path / "bad.csv"
    bad.write_text("pole_id,owner,lat,lon\nX,,-10.17,123.6\n")
    with pytest.raises(
        LayerNotEmptyError, match=r"inventory.gpkg: layer 'poles' already has 4 rows"
    ):
        import_layer(inventory.path, "poles", bad)
    assert not (tmp_path / "bad.poles.rejects.csv").exists()


def test_strict_writes_nothing_and_lists_every_problem(tmp_path, inventory):
    path = tmp_path / "p.csv"
    path.write_text("pole_id,owner,lat,lon\nA,PLN,-10.17,123.6\nB,,-10.17,123.6\nC,PLN,,123.6\n")
    with pytest.raises(SchemaError) as info:
        import_layer(inventory.path, "poles", path, strict=True)
    assert [str(p) for p in info.value.problems] == [
        "row 2 field 'owner': required value is empty",
        "row 3 field 'lat': value is empty",
    ]
    assert "p.csv row 2 field 'owner'" in str(info.value)
    assert inventory.count("poles") == 0
    assert not (tmp_path / "p.poles.rejects.csv").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"empty\.csv: file is empty \(0 bytes\)"),
        (b"pole_id,owner,lat,lon\n", r"empty\.csv: no data rows \(only a header line\)"),
        (b"pole_id,owner,lat,lon\n,,,\n", r"empty\.csv: no data rows"),
        (
            b"pole_id,owner,northing_x\nP1,PLN,3\n",
            r"no coordinate columns: looked for latitude in lat, latitude, lintang.*"
            r"columns found: pole_id, owner, northing_x",
        ),
        (
            b"pole_id,owner,lat\nP1,PLN,3\n",
            r"no longitude column: looked for lon, lng.*name it with x=$",
        ),
        (
            b"pole_id,lat,lon\nP1,-10.17,123.6\n",
            r"no column for required field\(s\) owner.*map one with mapping=\{'COLUMN': 'owner'\}",
        ),
        (b"a,b,lat,lon\n1,2,3,4,5\n", r"not a well-formed CSV file"),
    ],
)
def test_unreadable_tables_are_source_errors_naming_the_file(tmp_path, inventory, content, message):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        import_layer(inventory.path, "poles", path)
    assert inventory.count("poles") == 0


def test_empty_vector_and_excel_sources(tmp_path, inventory):
    path = tmp_path / "none.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(SourceError, match="none.geojson: layer 'none' has no features"):
        import_layer(inventory.path, "poles", path)
    xlsx = tmp_path / "kosong.xlsx"
    pd.DataFrame({"pole_id": [], "owner": [], "lat": [], "lon": []}).to_excel(xlsx, index=False)
    with pytest.raises(SourceError, match="kosong.xlsx: no data rows"):
        import_layer(inventory.path, "poles", xlsx)
    with pytest.raises(SourceError, match="no sheet 'x' \\(sheets: Sheet1\\)"):
        import_layer(inventory.path, "poles", xlsx, source_layer="x")


def test_read_source_reports_coordinate_problems_in_attrs(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,Lintang,Bujur\nA,-10.17,123.6\nB,-10.17,200\n")
    frame = read_source(path)
    assert frame["source_row"].tolist() == [1, 2]
    assert frame.geometry.iloc[1] is None
    assert [str(p) for p in frame.attrs["problems"]] == [
        "row 2 field 'Bujur': longitude 200 is outside ±180"
    ]
    assert frame.attrs["encoding"] == "utf-8"


def test_missing_file_and_bad_crs(tmp_path, inventory):
    with pytest.raises(SourceError, match="nope.csv: no such file"):
        import_layer(inventory.path, "poles", tmp_path / "nope.csv")
    path = write_csv(field_poles(hostile=False), tmp_path / "p.csv")
    with pytest.raises(CRSError, match="unknown CRS 'EPSG:0'"):
        import_layer(inventory.path, "poles", path, crs="EPSG:0")


def test_second_inventory_is_independent(tmp_path):
    # the default rejects path sits beside the inventory, not beside the source
    out = tmp_path / "out"
    out.mkdir()
    inv = create_inventory(out / "kupang.gpkg")
    path = tmp_path / "p.csv"
    path.write_text("pole_id,owner,lat,lon\nA,,-10.17,123.6\nB,PLN,-10.17,123.6\n")
    report = import_layer(inv.path, "poles", path)
    assert report.rejects_path == out / "p.poles.rejects.csv"
    assert report.rejects_path.exists()


def test_zip_with_several_shapefiles_takes_a_source_layer(tmp_path, inventory):
    frame = field_poles(hostile=False)
    archive = tmp_path / "kiriman.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, part in (("tiang_pln", frame[:2]), ("tiang_telkom", frame[2:])):
            shp = tmp_path / f"{name}.shp"
            pyogrio.write_dataframe(part, shp)
            for suffix in (".shp", ".shx", ".dbf", ".prj"):
                z.write(shp.with_suffix(suffix), f"{name}{suffix}")
    with pytest.raises(
        SourceError, match="holds several files .*tiang_pln.shp.*with source_layer="
    ):
        import_layer(inventory.path, "poles", archive)
    report = import_layer(inventory.path, "poles", archive, source_layer="tiang_telkom")
    assert report.rows_written == 2
    assert inventory.read("poles")["pole_id"].tolist() == ["T-003", "T-004"]


def test_xlsx_sheet_with_dms_text_and_numbers(tmp_path, inventory):
    path = tmp_path / "survei.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"catatan": ["ringkasan"]}).to_excel(writer, sheet_name="ringkasan")
        pd.DataFrame(
            {
                "Kode": ["X1", "X2"],
                "Pemilik": ["PLN", "Telkom"],
                "Lintang": ["10°10'12.5\"LS", -10.1702],
                "Bujur": ["123 40 15 BT", 123.6710],
                "Tanggal Survei": [pd.Timestamp("2025-08-17"), "17/08/2025"],
            }
        ).to_excel(writer, sheet_name="tiang", index=False)
    report = import_layer(inventory.path, "poles", path, source_layer="tiang")
    assert report.rows_written == 2, report.problems
    stored = inventory.read("poles").sort_values("pole_id").reset_index(drop=True)
    assert stored["surveyed_on"].astype("str").tolist() == ["2025-08-17", "2025-08-17"]
    assert stored.geometry.y[0] == pytest.approx(-(10 + 10 / 60 + 12.5 / 3600))
    assert stored.geometry.x[0] == pytest.approx(123 + 40 / 60 + 15 / 3600)
    assert stored.geometry.y[1] == pytest.approx(-10.1702)


def test_shapefile_without_prj_in_degrees_is_taken_as_wgs84(tmp_path, inventory, caplog):
    path = tmp_path / "noprj.shp"
    pyogrio.write_dataframe(field_poles(hostile=False), path)
    path.with_suffix(".prj").unlink()
    with caplog.at_level(logging.WARNING, logger="geoasset"):
        report = import_layer(inventory.path, "poles", path)
    assert report.rows_written == 4
    assert "noprj.shp has no CRS; its coordinates look like longitude/latitude" in caplog.text


def test_rejects_folder_must_exist(tmp_path, inventory):
    path = write_csv(field_poles(), tmp_path / "p.csv")
    with pytest.raises(GeoassetError, match="folder .*missing does not exist"):
        import_layer(inventory.path, "poles", path, rejects_path=tmp_path / "missing" / "r.csv")
    assert inventory.count("poles") == 0


REFERENCE = Path(__file__).resolve().parents[1] / "layers" / "kupang"


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="reference data not present")
def test_reference_layers_import(tmp_path):
    """Every layer file of the Kupang reference data imports; its planted errors are caught."""
    files = sorted(
        p for p in REFERENCE.iterdir() if p.stem in INVENTORY_LAYERS and p.suffix != ".md"
    )
    if not files:
        pytest.skip("no reference layer files yet")
    inv = create_inventory(tmp_path / "kupang.gpkg")
    for path in files:
        report = import_layer(inv.path, path.stem, path)
        assert report.rows_written > 0, (path.name, report.problems[:5])
        assert report.rows_written + report.rows_refused == report.rows_read
        assert inv.count(path.stem) == report.rows_written


def test_field_csv_reaches_the_store_as_plain_columns(tmp_path, inventory, monkeypatch):
    """Every column an import hands the store (photos, dates, choices, extras) has a plain
    type, so a pole layer is written by the Arrow fast path, never the general one."""
    real = pyogrio.write_dataframe

    def general_path(frame, path, **kwargs):
        assert not kwargs["layer"].endswith("_poles"), dict(frame.dtypes)
        return real(frame, path, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", general_path)
    report = import_layer(inventory.path, "poles", REFERENCE / "poles.csv")
    assert report.rows_written > 400
    stored = inventory.read("poles")
    assert stored["photo"].notna().sum() > 0
    assert stored["surveyed_on"].astype("str").str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
