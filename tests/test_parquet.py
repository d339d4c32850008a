"""GeoParquet: export and import (file and partitioned dataset), CRS and axis order pinned."""

from __future__ import annotations

import json
from pathlib import Path

import dask_geopandas
import geopandas as gpd
import pyarrow.parquet as pq
import pytest
import shapely
from click.testing import CliRunner
from shapely import Point

from geoasset.cli.main import cli
from geoasset.errors import GeoassetError
from geoasset.parquet import (
    file_crs,
    read_geoparquet,
    write_geoparquet,
    write_geoparquet_dataset,
)
from geoasset.store import Batch, create_inventory, open_inventory

KUPANG = Path(__file__).parent.parent / "layers" / "kupang"


def _raw_xy(path: Path) -> tuple[float, float]:
    """x, y of the first geometry as stored (WKB decoded by shapely, no geopandas)."""
    table = pq.read_table(path)
    geo = json.loads(table.schema.metadata[b"geo"])
    wkb = table.column(geo["primary_column"])[0].as_py()
    point = shapely.from_wkb(wkb)
    return point.x, point.y


@pytest.fixture
def poles():
    return gpd.GeoDataFrame(
        {"pole_id": ["P1", "P2"], "owner": ["PLN", "Telkom"], "kind": ["electric", "telecom"]},
        geometry=[Point(123.6712, -10.1701), Point(123.6720, -10.1705)],
        crs=4326,
    )


def test_epsg4326_is_stored_longitude_first_with_its_crs(tmp_path, poles):
    """EPSG:4326 declares latitude first; GeoParquet stores x = longitude regardless."""
    path = write_geoparquet(poles, tmp_path / "poles.parquet")
    assert _raw_xy(path) == (123.6712, -10.1701)
    assert file_crs(path).to_epsg() == 4326
    back = read_geoparquet(path)
    assert back.crs.to_epsg() == 4326
    assert (back.geometry.x.tolist(), back.geometry.y.tolist()) == (
        [123.6712, 123.6720],
        [-10.1701, -10.1705],
    )
    # the metadata as written (PROJJSON), read without geopandas
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["columns"]["geometry"]["crs"]["id"] == {"authority": "EPSG", "code": 4326}
    # another engine (dask-geopandas) reads the same CRS and axes
    other = dask_geopandas.read_parquet(path).compute()
    assert other.crs.to_epsg() == 4326
    assert other.geometry.iloc[0].x == 123.6712


def test_a_utm_frame_keeps_its_crs_and_easting_northing(tmp_path, poles):
    utm = poles.to_crs(32751)
    path = write_geoparquet(utm, tmp_path / "utm.parquet")
    x, y = _raw_xy(path)
    assert 500_000 < x < 700_000 and 8_800_000 < y < 8_900_000  # easting, northing
    back = read_geoparquet(path)
    assert back.crs.to_epsg() == 32751
    assert back.geometry.iloc[0].equals_exact(utm.geometry.iloc[0], 1e-9)


def test_a_dataset_reads_as_one_frame_and_refuses_mixed_crs(tmp_path, poles):
    folder = tmp_path / "poles"
    write_geoparquet_dataset([poles.iloc[:1], poles.iloc[1:]], folder)
    assert read_geoparquet(folder)["pole_id"].tolist() == ["P1", "P2"]
    write_geoparquet(poles.iloc[1:].to_crs(32751), folder / "part-00002.parquet")
    with pytest.raises(GeoassetError, match="part-00002.parquet: CRS EPSG:32751 differs"):
        read_geoparquet(folder)
    with pytest.raises(GeoassetError, match="not a GeoParquet file"):
        pq.write_table(
            pq.read_table(folder / "part-00000.parquet")
            .drop(["geometry"])
            .replace_schema_metadata({}),
            tmp_path / "plain.parquet",
        )
        read_geoparquet(tmp_path / "plain.parquet")


def test_export_and_import_through_the_cli(tmp_path, poles):
    inv = create_inventory(tmp_path / "a.gpkg")
    inv.write({"poles": poles}, batch=Batch(command="test"))
    runner = CliRunner()
    out = tmp_path / "poles.parquet"
    result = runner.invoke(cli, ["export", str(inv.path), "poles", "-o", str(out)])
    assert result.exit_code == 0, result.output
    exported = read_geoparquet(out)
    assert exported.crs.to_epsg() == 4326
    assert exported["pole_id"].tolist() == ["P1", "P2"]
    # refused without --overwrite: exit 1, one line
    again = runner.invoke(cli, ["export", str(inv.path), "poles", "-o", str(out)])
    assert again.exit_code == 1 and "exists" in again.output

    # a partitioned dataset in UTM (one file per tile) imports into EPSG:4326
    folder = tmp_path / "tiles"
    utm = poles.to_crs(32751)
    write_geoparquet_dataset([utm.iloc[:1], utm.iloc[1:]], folder, names=["t0", "t1"])
    target = create_inventory(tmp_path / "b.gpkg")
    result = runner.invoke(cli, ["import", str(target.path), "poles", str(folder)])
    assert result.exit_code == 0, result.output
    stored = open_inventory(target.path).read("poles")
    assert stored.crs.to_epsg() == 4326
    assert stored["pole_id"].tolist() == ["P1", "P2"]
    for got, want in zip(stored.geometry, poles.geometry, strict=True):
        assert got.distance(want) < 1e-9  # degrees: lon/lat not swapped


def test_kupang_poles_round_trip(tmp_path):
    """Every Kupang pole survives export to GeoParquet and import back, to the coordinate."""
    inv = create_inventory(tmp_path / "k.gpkg")
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["import", str(inv.path), "poles", str(KUPANG / "poles.csv")]).exit_code
        == 0
    )
    out = tmp_path / "k.parquet"
    assert runner.invoke(cli, ["export", str(inv.path), "poles", "-o", str(out)]).exit_code == 0
    again = create_inventory(tmp_path / "k2.gpkg")
    result = runner.invoke(cli, ["import", str(again.path), "poles", str(out)])
    assert result.exit_code == 0, result.output
    a = open_inventory(inv.path).read("poles")
    b = open_inventory(again.path).read("poles")
    assert len(a) == len(b) > 100
    assert a["pole_id"].tolist() == b["pole_id"].tolist()
    assert a.geometry.geom_equals_exact(b.geometry, 1e-12).all()
