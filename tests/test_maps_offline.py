"""What a field map carries for working offline: background, basemap tiles, photos.

The MBTiles and PMTiles fixtures are made here (sqlite3 / the pmtiles writer, PNG tiles
drawn with Pillow); which tiles cover a map is recomputed with pyproj's Web Mercator,
independently of :func:`geoasset.mapbasemap.tile_range`.
"""

from __future__ import annotations

import base64
import io
import json
import math
import sqlite3
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyproj
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_maps import _with_photos, layer_of, make_map_inventory, read_payload  # noqa: E402

from geoasset.errors import GeoassetError  # noqa: E402
from geoasset.mapbackground import BOUNDARIES_FILE, background_payload, pack_boundaries  # noqa: E402
from geoasset.maps import field_map, save_corridor_maps, save_map  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MERCATOR = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
HALF = 20037508.342789244


# ----------------------------------------------------------------------------- fixtures
def png_tile(z: int, x: int, y: int) -> bytes:
    """A 256 px PNG in a colour of its own, with its address written on it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), ((x * 37) % 200 + 40, (y * 53) % 200 + 40, z * 12))
    ImageDraw.Draw(image).text((8, 8), f"{z}/{x}/{y}", fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def xyz_range(z: int, south: float, west: float, north: float, east: float):
    """XYZ tiles covering a box, from Web Mercator metres (pyproj)."""
    size = 2 * HALF / 2**z
    (x0, x1), (y0, y1) = MERCATOR.transform([west, east], [north, south])
    cols = range(math.floor((x0 + HALF) / size), math.floor((x1 + HALF) / size) + 1)
    rows = range(math.floor((HALF - y0) / size), math.floor((HALF - y1) / size) + 1)
    return cols, rows


def make_mbtiles(path: Path, box: tuple, zooms=(13, 14, 15, 16), fmt: str = "png") -> dict:
    """An MBTiles 1.3 file covering ``box`` (s, w, n, e); returns {(z, x, y): bytes}."""
    tiles = {}
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name text, value text)")
    db.execute(
        "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
        "tile_data blob)"
    )
    meta = {"name": "Kantor Kupang", "format": fmt, "attribution": "Survey office <b>2026</b>"}
    db.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
    for z in zooms:
        cols, rows = xyz_range(z, *box)
        for x in cols:
            for y in rows:
                data = png_tile(z, x, y)
                tiles[(z, x, y)] = data
                db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, data))
    db.commit()
    db.close()
    return tiles


def make_pmtiles(path: Path, tiles: dict) -> None:
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    with open(path, "wb") as handle:
        writer = Writer(handle)
        for (z, x, y), data in sorted(tiles.items(), key=lambda kv: zxy_to_tileid(*kv[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        zooms = [z for z, _, _ in tiles]
        writer.finalize(
            {
                "tile_type": TileType.PNG,
                "tile_compression": Compression.NONE,
                "min_zoom": min(zooms),
                "max_zoom": max(zooms),
                "min_lon_e7": int(123.5e7),
                "min_lat_e7": int(-10.3e7),
                "max_lon_e7": int(123.8e7),
                "max_lat_e7": int(-10.0e7),
                "center_zoom": min(zooms),
                "center_lon_e7": int(123.6e7),
                "center_lat_e7": int(-10.15e7),
            },
            {"name": "Kantor Kupang (PMTiles)", "attribution": "Survey office"},
        )


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offline")
    inv, facts = make_map_inventory(folder / "kupang.gpkg")
    return inv, facts, folder


def network_box(inv, pad: float = 0.02) -> tuple:
    w, s, e, n = inv.read("roads").total_bounds
    return (s - pad, w - pad, n + pad, e + pad)


# ----------------------------------------------------------------------------- background
def test_packed_boundaries_are_the_layers_files():
    """The packed file is what pack_boundaries makes of layers/boundaries, byte for byte."""
    sources = [
        REPO / "layers" / "boundaries" / "ntt_kabupaten_kota.geojson",
        REPO / "layers" / "boundaries" / "kupang_desa_kelurahan.geojson",
    ]
    packed = REPO / "geoasset" / "assets" / BOUNDARIES_FILE
    fresh = pack_boundaries(sources, packed.parent / ".check.json")
    try:
        assert fresh.read_bytes() == packed.read_bytes()
    finally:
        fresh.unlink()
    data = json.loads(packed.read_text("utf-8"))
    assert sorted(data["lines"]) == ["desa_kelurahan", "kabupaten_kota"]
    assert len(data["names"]) == 22 + 228
    assert "wilayah_boundaries" in data["credit"] and "MIT" in data["credit"]


def test_background_is_clipped_to_the_map(inventory, tmp_path):
    inv, _, _ = inventory
    whole = save_map(field_map(inv), tmp_path / "whole.html")
    one = save_map(field_map(inv, corridor_ids=["R2"]), tmp_path / "r2.html")
    bare = save_map(field_map(inv, corridor_ids=["R2"], background=False), tmp_path / "b.html")
    payload = read_payload(one.read_text("utf-8"))
    bg = payload["background"]
    (s, w), (n, e) = payload["bounds"]
    margin = 1500 / 111_320 * 1.05 / math.cos(math.radians(10.2))
    for flat in bg["lines"] + bg["roads"]:
        lats, lons = flat[0::2], flat[1::2]
        assert s - margin <= min(lats) and max(lats) <= n + margin
        assert w - margin <= min(lons) and max(lons) <= e + margin
    # R1 is not drawn on R2's map: it is in the background, grey
    assert [layer["n"] for layer in payload["layers"] if layer["name"] == "roads"] == [1]
    assert bg["roads"]
    # the desa and kabupaten around the test network are named: those of the source
    # files whose centroid lies within the extent and its margin
    near = set()
    for source in ("kupang_desa_kelurahan", "ntt_kabupaten_kota"):
        data = json.loads((REPO / "layers" / "boundaries" / f"{source}.geojson").read_text())
        for feature in data["features"]:
            p = feature["properties"]
            if s - margin <= p["centroid_lat"] <= n + margin:
                if w - margin <= p["centroid_lng"] <= e + margin:
                    near.add(p["nama"])
    assert {name for _, _, name, _ in bg["names"]} == near and "Liliba" in near
    assert "background" not in read_payload(bare.read_text("utf-8"))
    growth = one.stat().st_size - bare.stat().st_size
    assert 0 < growth < 150_000, growth
    # every road is drawn on the overview: no grey copy
    assert read_payload(whole.read_text("utf-8"))["background"]["roads"] == []


def test_background_of_an_extra_file(inventory, tmp_path):
    inv, _, _ = inventory
    extra = tmp_path / "places.geojson"
    w, s, e, n = inv.read("roads").total_bounds
    extra.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Pasar Oebobo"},
                        "geometry": {"type": "Point", "coordinates": [(w + e) / 2, (s + n) / 2]},
                    }
                ],
            }
        )
    )
    payload = read_payload(
        save_map(field_map(inv, background=[extra]), tmp_path / "m.html").read_text()
    )
    assert "Pasar Oebobo" in [name for _, _, name, _ in payload["background"]["names"]]
    with pytest.raises(GeoassetError, match="nowhere.geojson: background file not found"):
        field_map(inv, background=[tmp_path / "nowhere.geojson"])
    assert background_payload({}, {}, None) is None


# ----------------------------------------------------------------------------- basemap
def expected_tiles(tiles: dict, bounds: list) -> dict:
    (s, w), (n, e) = bounds
    out = {}
    for (z, x, y), data in tiles.items():
        cols, rows = xyz_range(z, s, w, n, e)
        if x in cols and y in rows:
            out[f"{z}/{x}/{y}"] = base64.b64encode(data).decode("ascii")
    return out


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_basemap_carries_the_tiles_of_the_extent_only(inventory, tmp_path, kind):
    inv, _, _ = inventory
    tiles = make_mbtiles(tmp_path / "office.mbtiles", network_box(inv))
    package = tmp_path / "office.mbtiles"
    if kind == "pmtiles":
        package = tmp_path / "office.pmtiles"
        make_pmtiles(package, tiles)
    without = save_map(field_map(inv, corridor_ids=["R2"]), tmp_path / "without.html")
    m = field_map(inv, corridor_ids=["R2"], basemap=package)
    with_tiles = save_map(m, tmp_path / "with.html")
    payload = read_payload(with_tiles.read_text("utf-8"))
    basemap = payload["basemap"]
    want = expected_tiles(tiles, payload["bounds"])
    assert basemap["tiles"] == want
    assert m.basemap_tiles == len(want) < len(tiles)  # only the corridor's tiles
    assert (basemap["minzoom"], basemap["maxzoom"], basemap["format"]) == (13, 16, "png")
    # the file grows by the tiles (base64) and their keys, nothing more
    growth = with_tiles.stat().st_size - without.stat().st_size
    carried = sum(len(k) + len(v) + 6 for k, v in want.items())
    assert carried <= growth <= carried + 1000, (growth, carried)


def test_basemap_errors(inventory, tmp_path):
    inv, _, _ = inventory
    vector = tmp_path / "vector.mbtiles"
    make_mbtiles(vector, network_box(inv), zooms=(13,), fmt="pbf")
    with pytest.raises(GeoassetError, match="format 'pbf' cannot be drawn offline"):
        field_map(inv, basemap=vector)
    text = tmp_path / "tiles.mbtiles"
    text.write_text("not a tile package")
    with pytest.raises(GeoassetError, match="must be an MBTiles or PMTiles file"):
        field_map(inv, basemap=text)
    with pytest.raises(GeoassetError, match="missing.mbtiles: basemap file not found"):
        field_map(inv, basemap=tmp_path / "missing.mbtiles")


# ----------------------------------------------------------------------------- photos
def test_corridor_maps_embed_photos_by_default_within_a_budget(tmp_path):
    inv = _with_photos(tmp_path)
    folder = tmp_path / "maps"
    save_corridor_maps(inv, folder)
    photos = layer_of(read_payload((folder / "R1_0.html").read_text("utf-8")), "poles")["photos"]
    assert photos[0][0] == "img" and photos[0][1].startswith("data:image/jpeg;base64,")
    thumb = len(photos[0][1])
    # a budget smaller than one thumbnail: the photo is a link
    save_corridor_maps(inv, folder, overwrite=True, photo_budget_kb=thumb / 2000)
    photos = layer_of(read_payload((folder / "R1_0.html").read_text("utf-8")), "poles")["photos"]
    assert photos[0][0] == "link"
    save_corridor_maps(inv, folder, overwrite=True, embed_photos=False)
    assert layer_of(read_payload((folder / "R1_0.html").read_text()), "poles")["photos"][0][0] == (
        "link"
    )


def test_overview_links_photos_to_the_map_that_embeds_them(tmp_path):
    inv = _with_photos(tmp_path)
    save_corridor_maps(inv, tmp_path / "maps")
    overview = save_map(field_map(inv, corridor_maps="maps"), tmp_path / "overview.html")
    photos = layer_of(read_payload(overview.read_text("utf-8")), "poles")["photos"]
    kind, url, name = photos[0]
    assert (kind, name) == ("map", "photos/P000001.jpg")
    parts = urlsplit(url)
    target = overview.parent / unquote(parts.path)
    assert target.is_file(), url  # no dead relative path
    assert parts.fragment == "id=P000001"
    there = layer_of(read_payload(target.read_text("utf-8")), "poles")
    ids = there["data"]["pole_id"]
    row = ids.index("P000001") if isinstance(ids, list) else None
    assert row is not None and there["photos"][row][0] == "img"


def test_thumbnail_is_a_jpeg_of_the_photo(tmp_path):
    from PIL import Image

    inv = _with_photos(tmp_path)
    payload = read_payload(
        save_map(field_map(inv, corridor_ids=["R1:0"]), tmp_path / "m.html").read_text()
    )
    uri = layer_of(payload, "poles")["photos"][0][1]
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.format == "JPEG" and max(image.size) == 320


def test_overview_opens_on_the_poles_not_on_a_long_rural_road(tmp_path):
    """A 100 km road beside a town's poles: the overview opens on the poles' extent."""
    import geopandas as gpd
    from shapely import LineString, Point

    from geoasset.store import Batch, create_inventory

    town = [Point(123.60 + 0.0005 * i, -10.17) for i in range(40)]
    roads = gpd.GeoDataFrame(
        {"road_id": ["TOWN", "RURAL"]},
        geometry=[
            LineString([(123.60, -10.1701), (123.62, -10.1701)]),
            LineString([(123.70, -10.10), (124.50, -9.60)]),
        ],
        crs=4326,
    )
    poles = gpd.GeoDataFrame(
        {"pole_id": [f"P{i}" for i in range(40)], "owner": ["PLN"] * 40}, geometry=town, crs=4326
    )
    inv = create_inventory(tmp_path / "two.gpkg")
    inv.write({"roads": roads, "poles": poles}, batch=Batch(command="test"))
    payload = read_payload(save_map(field_map(inv), tmp_path / "m.html").read_text("utf-8"))
    (s, w), (n, e) = payload["view"]
    lons = sorted(p.x for p in town)
    assert s == pytest.approx(-10.17) and n == pytest.approx(-10.17)
    assert lons[0] <= w <= lons[1] and lons[-2] <= e <= lons[-1]  # 2nd to 98th percentile
    assert payload["bounds"][1][1] == pytest.approx(124.50)  # the whole map stays reachable
    # a corridor map opens on its corridor, as before
    assert "view" not in read_payload(
        save_map(field_map(inv, road_ids=["RURAL"]), tmp_path / "r.html").read_text("utf-8")
    )
