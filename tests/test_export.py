"""`geoasset export` and geoasset.export: every format written, read back by GDAL and
re-imported; values verbatim; no silent overwrite."""

from __future__ import annotations

import fiona
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely import LineString, Point

from geoasset.cli.main import cli
from geoasset.errors import GeoassetError, LayerNotFoundError
from geoasset.export import table_for_csv, write_layer_file
from geoasset.ingest import import_layer
from geoasset.jobs import export_layer
from geoasset.store import Batch, create_inventory
from tests.test_ingest import HOSTILE, NOTE, field_poles, write_csv


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def stocked(inventory, tmp_path):
    """An inventory with the hostile field poles and two utility lines."""
    import_layer(inventory.path, "poles", write_csv(field_poles(), tmp_path / "tiang.csv"))
    lines = gpd.GeoDataFrame(
        {"line_id": ["K1", "K2"], "owner": ["Telkom", HOSTILE[1]], "kind": ["fibre", None]},
        geometry=[
            LineString([(123.6, -10.17), (123.61, -10.171)]),
            LineString([(123.6, -10.18), (123.605, -10.18), (123.61, -10.185)]),
        ],
        crs=4326,
    )
    inventory.write({"utility_lines": lines}, batch=Batch(command="test"))
    return inventory


@pytest.mark.parametrize("suffix", [".geojson", ".csv", ".shp", ".kml", ".kmz", ".gpkg"])
def test_export_then_import_round_trips(tmp_path, stocked, suffix):
    out = tmp_path / f"poles{suffix}"
    result = run("export", stocked.path, "poles", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"wrote 6 rows of poles to {out}" in result.stderr
    assert result.stdout == ""
    if suffix != ".csv":  # GDAL reads what was written
        assert pyogrio.read_info(out)["features"] == 6
    if suffix not in (".csv", ".kml", ".kmz"):  # fiona's own GDAL has no KML reader
        with fiona.open(out) as layer:
            assert len(layer) == 6
    again = create_inventory(tmp_path / "again.gpkg")
    import_layer(again.path, "poles", out)
    original = stocked.read("poles").sort_values("pole_id").reset_index(drop=True)
    back = again.read("poles").sort_values("pole_id").reset_index(drop=True)
    assert back["pole_id"].tolist() == original["pole_id"].tolist()
    np.testing.assert_allclose(back.geometry.x, original.geometry.x, atol=1e-9)
    np.testing.assert_allclose(back.geometry.y, original.geometry.y, atol=1e-9)
    assert back["height_m"].tolist() == original["height_m"].tolist()
    if suffix == ".shp":  # the format cuts text at 254 characters
        assert back["owner"].tolist()[:5] == original["owner"].tolist()[:5]
    else:
        assert back["owner"].tolist() == original["owner"].tolist()
        assert set(back["catatan"]) == {NOTE}


def test_csv_export_of_points_and_lines(tmp_path, stocked):
    points = tmp_path / "poles.csv"
    export_layer(stocked, "poles", points)
    table = pd.read_csv(points, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert table.columns[-2:].tolist() == ["lon", "lat"]
    assert float(table["lon"][0]) == 123.6 and float(table["lat"][0]) == -10.17
    lines = tmp_path / "kabel.csv"
    export_layer(stocked, "utility_lines", lines)
    table = pd.read_csv(lines, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert table["wkt"].tolist() == [
        "LINESTRING (123.6 -10.17, 123.61 -10.171)",
        "LINESTRING (123.6 -10.18, 123.605 -10.18, 123.61 -10.185)",
    ]
    again = create_inventory(tmp_path / "again.gpkg")
    report = import_layer(again.path, "utility_lines", lines)
    assert report.rows_written == 2
    assert again.read("utility_lines")["owner"].tolist() == ["Telkom", HOSTILE[1]]


def test_csv_export_keeps_formula_like_text_verbatim(tmp_path, stocked):
    out = tmp_path / "poles.csv"
    export_layer(stocked, "poles", out)
    raw = out.read_text(encoding="utf-8-sig")
    # quoted as CSV requires, never prefixed or escaped: export is data interchange
    assert '"=HYPERLINK(""http://x"",""y"")"' in raw
    assert "<script>alert(1)</script>" in raw
    assert "'=HYPERLINK" not in raw
    owners = pd.read_csv(out, dtype=str, encoding="utf-8-sig")["owner"].tolist()
    assert sorted(owners) == sorted(["PLN", "Telkom", *HOSTILE])


def test_existing_file_is_not_overwritten_without_flag(tmp_path, stocked):
    out = tmp_path / "poles.geojson"
    out.write_text("keep me")
    result = run("export", stocked.path, "poles", "-o", out)
    assert result.exit_code == 1
    assert f"Error: {out} already exists; use --overwrite to replace it" in (result.stderr)
    assert out.read_text() == "keep me"
    result = run("export", stocked.path, "poles", "-o", out, "--overwrite")
    assert result.exit_code == 0
    assert pyogrio.read_info(out)["features"] == 6
    assert not list(tmp_path.glob(".poles.*"))  # no partial files left


def test_shapefile_overwrite_replaces_every_part(tmp_path, stocked):
    out = tmp_path / "poles.shp"
    export_layer(stocked, "poles", out)
    with pytest.raises(GeoassetError, match="already exists"):
        export_layer(stocked, "poles", out)
    export_layer(stocked, "utility_lines", out, overwrite=True)
    assert pyogrio.read_info(out)["geometry_type"] == "LineString"
    assert pyogrio.read_info(out)["features"] == 2


def test_a_frame_is_written_without_an_inventory(tmp_path, stocked):
    """The job reads the layer and writes it; the frame function writes the same file
    from a frame a notebook holds."""
    poles = stocked.read("poles")
    by_job = export_layer(stocked.path, "poles", tmp_path / "job.csv")
    by_frame = write_layer_file(poles, tmp_path / "frame.csv", layer="poles")
    assert by_job == by_frame == 6
    assert (tmp_path / "job.csv").read_bytes() == (tmp_path / "frame.csv").read_bytes()
    with pytest.raises(GeoassetError, match="already exists"):
        write_layer_file(poles, tmp_path / "frame.csv", layer="poles")
    with pytest.raises(GeoassetError, match="has no history; as_of= applies to asset layers"):
        export_layer(stocked, "corridors", tmp_path / "c.csv", as_of="2026-01-01")


def test_bad_extension_and_unknown_layer(tmp_path, stocked):
    result = run("export", stocked.path, "poles", "-o", tmp_path / "poles.xls")
    assert result.exit_code == 2
    assert "Invalid value for '-o' / '--output'" in result.stderr
    assert "cannot tell the format from '.xls'" in result.stderr
    result = run("export", stocked.path, "tiang", "-o", tmp_path / "x.geojson")
    assert result.exit_code == 1
    assert "no layer 'tiang'" in result.stderr
    assert not (tmp_path / "x.geojson").exists()
    with pytest.raises(LayerNotFoundError):
        export_layer(stocked, "tiang", tmp_path / "x.csv")


def test_shapefile_refuses_mixed_geometry_types(tmp_path, inventory):
    bridges = gpd.GeoDataFrame(
        {"bridge_id": ["B1", "B2"]},
        geometry=[Point(123.6, -10.17), LineString([(123.6, -10.17), (123.601, -10.17)])],
        crs=4326,
    )
    inventory.write({"bridges": bridges}, batch=Batch(command="test"))
    with pytest.raises(GeoassetError, match="mixes LineString, Point geometries"):
        export_layer(inventory, "bridges", tmp_path / "bridges.shp")
    assert not list(tmp_path.glob("*bridges*"))
    assert export_layer(inventory, "bridges", tmp_path / "bridges.gpkg") == 2


def test_attribute_table_goes_to_csv_only(tmp_path, inventory):
    totals = pd.DataFrame({"level": ["owner"], "key": ["PLN"], "amount_rp": [1_000_000]})
    inventory.write({"assessment_totals": totals}, batch=Batch(command="test"))
    export_layer(inventory, "assessment_totals", tmp_path / "totals.csv")
    assert pd.read_csv(tmp_path / "totals.csv", encoding="utf-8-sig")["amount_rp"][0] == 1_000_000
    with pytest.raises(GeoassetError, match="has no geometry; export it to .csv"):
        export_layer(inventory, "assessment_totals", tmp_path / "totals.geojson")


def test_table_for_csv_leaves_missing_geometry_empty():
    frame = gpd.GeoDataFrame({"pole_id": ["A", "B"]}, geometry=[Point(1.5, 2.5), None], crs=4326)
    table = table_for_csv(frame)
    assert table["lon"].tolist()[0] == 1.5 and np.isnan(table["lat"].tolist()[1])
