"""Field maps built from a hand-made inventory: content, escaping, selection, photos.

The inventory is made in UTM 51S (metres, near Kupang) so every chainage, offset and
amount is known by construction; the browser tests (test_maps_browser.py) reuse it.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import logging
import math
import re
import shutil
from html.parser import HTMLParser

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, Point
from shapely.ops import substring

from geoasset import mapareas, mappayload, maps
from geoasset.errors import GeoassetError
from geoasset.mapassets import external_resources
from geoasset.maps import (
    CLUSTER_MIN_POINTS,
    LIGHT_POLE_ZOOM,
    LIGHT_TOLERANCE_M,
    FieldMap,
    _column,
    _display_geometry,
    _revenue_classes,
    _script_json,
    field_map,
    maps_per,
    save_area_maps,
    save_corridor_maps,
    save_field_maps,
    save_map,
)
from geoasset.store import Batch, create_inventory, open_inventory

UTM = "EPSG:32751"
TO_WGS84 = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
HOSTILE_OWNER = "<img src=x onerror=alert(1)>"
HOSTILE_MATERIAL = "</script><script>alert(2)</script>"
HOSTILE_SOURCE = "{{ 7 * 7 }} {% raw %} ${alert(3)}"  # template syntax must stay text
TARIFF = {
    "tariff_id": "T-POLE",
    "rate_rp": 80_000,
    "unit": "m",
    "legal_basis": "Perda 1/2024 Pasal 5",
}

#: Road centrelines in UTM 51S: (road_id, vertices, sta_start_m, Rumija width)
ROADS = (
    ("R1", [(570000, 8875000), (571200, 8875500), (572000, 8875500)], 0.0, 25.0),
    ("R2", [(571200, 8875500), (571200, 8874300)], 500.0, 15.0),
)
R1_LENGTH = 1300.0 + 800.0
R2_LENGTH = 1200.0
OWNERS = ("PLN", "Telkom", "PT Indosat", HOSTILE_OWNER)
PAYMENTS = ("paid", "unpaid", "no_permit", "unknown")


def to_wgs84(geom):
    return shapely.transform(
        geom, lambda xy: np.column_stack(TO_WGS84.transform(xy[:, 0], xy[:, 1]))
    )


def point_at(line: LineString, sta: float, offset: float) -> Point:
    """The point ``offset`` metres left (+) or right (-) of ``line`` at distance ``sta``."""
    p = line.interpolate(sta)
    q = line.interpolate(min(sta + 0.5, line.length))
    r = line.interpolate(max(sta - 0.5, 0))
    dx, dy = q.x - r.x, q.y - r.y
    norm = math.hypot(dx, dy)
    return Point(p.x - dy / norm * offset, p.y + dx / norm * offset)


def build_frames(*, n_poles: int | None = None, hostile: bool = True, seed: int = 5) -> dict:
    """Every layer of the test inventory (EPSG:4326) and the facts the tests check.

    Poles stand every 50 m along R1 alternating left/right; every fifth stands 30 m out
    (outside the 25 m Rumija). With ``n_poles`` the poles are that many, spread along R1.
    """
    lines = {rid: LineString(v) for rid, v, _, _ in ROADS}
    r1 = lines["R1"]
    # corridors: R1 split at 1000 m, R2 minus R1 (a partition)
    pieces = []
    for a, b in ((0.0, 1000.0), (1000.0, R1_LENGTH)):
        geom = substring(r1, a, b).buffer(12.5, cap_style="flat", join_style="mitre")
        pieces.append((f"R1:{a:.0f}", "R1", "Simpang Polda – Bandara El Tari", a, b, 25.0, geom))
    r2_geom = (
        lines["R2"]
        .buffer(7.5, cap_style="flat")
        .difference(shapely.union_all([p[-1] for p in pieces]))
    )
    pieces.append(("R2", "R2", "Jalan Adisucipto", 500.0, 500.0 + R2_LENGTH, 15.0, r2_geom))
    corridors = gpd.GeoDataFrame(
        {
            "corridor_id": [p[0] for p in pieces],
            "road_id": [p[1] for p in pieces],
            "road_name": [p[2] for p in pieces],
            "road_status": "provinsi",
            "road_class": ["raya", "raya", "sedang"],
            "kabupaten": "Kota Kupang",
            "sta_from_m": [p[3] for p in pieces],
            "sta_to_m": [p[4] for p in pieces],
            "sta": [f"STA {sta(p[3])[4:]} – {sta(p[4])[4:]}" for p in pieces],
            "width_m": [p[5] for p in pieces],
            "width_source": "class",
            "area_m2": [p[6].area for p in pieces],
            "metric_crs": UTM,
        },
        geometry=[to_wgs84(p[6]) for p in pieces],
        crs=4326,
    )
    roads = gpd.GeoDataFrame(
        {
            "road_id": [r[0] for r in ROADS],
            "name": ["Simpang Polda – Bandara El Tari", "Jalan Adisucipto"],
            "status": "provinsi",
            "road_class": ["raya", "sedang"],
            "sta_start_m": [r[2] for r in ROADS],
            "kabupaten": "Kota Kupang",
        },
        geometry=[to_wgs84(lines[r[0]]) for r in ROADS],
        crs=4326,
    )

    rng = np.random.default_rng(seed)
    if n_poles is None:
        stations = np.arange(25.0, R1_LENGTH, 50.0)
        offsets = np.where(np.arange(len(stations)) % 2 == 0, 8.0, -8.0)
        offsets[4::5] = np.sign(offsets[4::5]) * 30.0
    else:
        stations = rng.uniform(5.0, R1_LENGTH - 5.0, n_poles)
        offsets = rng.choice([-30.0, -8.0, 8.0, 10.0], n_poles)
    n = len(stations)
    ids = [f"P{i + 1:06d}" for i in range(n)]
    owners = [OWNERS[i % (4 if hostile else 3)] for i in range(n)]
    heights = np.round(7.0 + (np.arange(n) % 5) * 1.5, 1)
    points = [point_at(r1, s, o) for s, o in zip(stations, offsets, strict=True)]
    poles = gpd.GeoDataFrame(
        {
            "pole_id": ids,
            "owner": owners,
            "kind": ["electric" if o == "PLN" else "telecom" for o in owners],
            "height_m": heights,
            "material": [HOSTILE_MATERIAL if hostile and i == 3 else "beton" for i in range(n)],
            "permit_no": [None if i % 4 == 2 else f"IZN-{i:05d}" for i in range(n)],
            "surveyed_on": "2025-03-14",
            "photo": None,
            "source": [HOSTILE_SOURCE if hostile and i == 5 else "survey 2025" for i in range(n)],
            "road_id": "R1",
            "sta_m": np.round(stations, 2),
            "sta": [sta(s) for s in stations],
            "offset_m": np.abs(offsets),
            "side": np.where(offsets > 0, "left", "right"),
        },
        geometry=[to_wgs84(p) for p in points],
        crs=4326,
    )
    inside = np.abs(offsets) < 12.5
    corridor_of = np.where(stations < 1000.0, "R1:0", "R1:1000")
    payment = np.array([PAYMENTS[i % 4] for i in range(n)])
    billed = np.flatnonzero(inside)
    amounts = np.round(heights[billed] * TARIFF["rate_rp"]).astype("int64")
    items = gpd.GeoDataFrame(
        {
            "item_id": [f"IT{k + 1:06d}" for k in range(len(billed))],
            "asset_id": [ids[i] for i in billed],
            "layer": "poles",
            "owner": [owners[i] for i in billed],
            "kind": "pole",
            "corridor_id": corridor_of[billed],
            "road_id": "R1",
            "kabupaten": "Kota Kupang",
            "sta": [sta(stations[i]) for i in billed],
            "quantity": heights[billed],
            "unit": TARIFF["unit"],
            "rate_rp": TARIFF["rate_rp"],
            "days": 365,
            "period_days": 365,
            "amount_rp": amounts,
            "tariff_id": TARIFF["tariff_id"],
            "legal_basis": TARIFF["legal_basis"],
            "permit_no": [poles["permit_no"].iloc[i] for i in billed],
            "payment_status": payment[billed],
        },
        geometry=[poles.geometry.iloc[i] for i in billed],
        crs=4326,
    )
    by_corridor = items.groupby("corridor_id")["amount_rp"].sum()
    totals = pd.DataFrame(
        {
            "level": ["corridor"] * len(by_corridor) + ["total"],
            "key": [*by_corridor.index, ""],
            "assets": [*items.groupby("corridor_id").size(), len(items)],
            "amount_rp": [*by_corridor.to_numpy(), by_corridor.sum()],
        }
    )
    fibre = LineString([point_at(r1, s, 5.0).coords[0] for s in (100.0, 500.0, 900.0)])
    utility_lines = gpd.GeoDataFrame(
        {"line_id": ["L1"], "owner": ["Telkom"], "kind": ["fibre"], "permit_no": [None]},
        geometry=[to_wgs84(fibre)],
        crs=4326,
    )
    bridges = gpd.GeoDataFrame(
        {
            "bridge_id": ["B1", "B2"],
            "name": ["Kapsali", "Termanu"],
            "road_id": "R1",
            "length_m": [100.0, 30.0],
            "condition_nk": [3, 1],
            "sta": [sta(1500.0), sta(1800.0)],
        },
        geometry=[to_wgs84(r1.interpolate(1500.0)), to_wgs84(r1.interpolate(1800.0))],
        crs=4326,
    )
    monuments = gpd.GeoDataFrame(
        {"monument_id": ["M1"], "name": ["Monumen Pancasila"], "estimated_cost_rp": [17e9]},
        geometry=[to_wgs84(point_at(r1, 1200.0, 40.0).buffer(15.0))],
        crs=4326,
    )
    facts = {
        "stations": stations,
        "offsets": offsets,
        "inside": inside,
        "payment": payment,
        "amount_by_pole": dict(zip([ids[i] for i in billed], amounts.tolist(), strict=True)),
        "revenue": by_corridor.to_dict(),
        "utm_points": points,
    }
    frames = {
        "roads": roads,
        "corridors": corridors,
        "poles": poles,
        "utility_lines": utility_lines,
        "bridges": bridges,
        "monuments": monuments,
        "assessment_items": items,
        "assessment_totals": totals,
    }
    return {"frames": frames, "facts": facts}


def build_network_frames(n_poles: int, *, seed: int = 7, spacing_m: float = 50.0) -> dict:
    """``n_poles`` poles about ``spacing_m`` apart along a square grid of straight roads
    1 km apart (UTM 51S near Kupang), each road with its 25 m corridor; poles inside a
    corridor get one line item. For scale tests and the benchmark."""
    k = max(2, math.ceil(math.sqrt(n_poles * spacing_m / 2000.0)))
    length = k * 1000.0
    x0, y0 = 560000.0, 8860000.0
    starts, dirs = [], []
    for j in range(k):
        starts.append((x0, y0 + j * 1000.0 + 500.0))
        dirs.append((1.0, 0.0))
        starts.append((x0 + j * 1000.0 + 500.0, y0))
        dirs.append((0.0, 1.0))
    starts, dirs = np.array(starts), np.array(dirs)
    road_ids = [f"N{r:03d}" for r in range(len(starts))]
    lines = [
        LineString([tuple(a), tuple(a + d * length)]) for a, d in zip(starts, dirs, strict=True)
    ]
    roads = gpd.GeoDataFrame(
        {
            "road_id": road_ids,
            "name": [f"Jalan {r}" for r in road_ids],
            "road_class": "raya",
            "sta_start_m": 0.0,
        },
        geometry=[to_wgs84(line) for line in lines],
        crs=4326,
    )
    corridors = gpd.GeoDataFrame(
        {
            "corridor_id": road_ids,
            "road_id": road_ids,
            "road_name": roads["name"],
            "sta_from_m": 0.0,
            "sta_to_m": length,
            "sta": f"STA 0+000 – {sta(length)[4:]}",
            "width_m": 25.0,
        },
        geometry=[to_wgs84(line.buffer(12.5, cap_style="flat")) for line in lines],
        crs=4326,
    )
    rng = np.random.default_rng(seed)
    road = rng.integers(0, len(starts), n_poles)
    station = np.round(rng.uniform(1.0, length - 1.0, n_poles), 2)
    offset = rng.choice([-30.0, -8.0, 8.0, 9.5], n_poles, p=[0.1, 0.45, 0.4, 0.05])
    normal = np.column_stack([-dirs[road, 1], dirs[road, 0]])
    xy = starts[road] + dirs[road] * station[:, None] + normal * offset[:, None]
    lon, lat = TO_WGS84.transform(xy[:, 0], xy[:, 1])
    ids = np.char.add("P", np.char.zfill(np.arange(1, n_poles + 1).astype(str), 6))
    owners = np.array(["PLN", "Telkom", "PT Indosat", "Iconnet", "PDAM"])[
        rng.integers(0, 5, n_poles)
    ]
    height = np.round(rng.choice([7.0, 9.0, 11.0, 13.0], n_poles), 1)
    poles = gpd.GeoDataFrame(
        {
            "pole_id": ids,
            "owner": owners,
            "kind": np.where(owners == "PLN", "electric", "telecom"),
            "height_m": height,
            "material": "beton",
            "permit_no": [f"IZN-{i:06d}" for i in range(n_poles)],
            "surveyed_on": "2025-03-14",
            "source": "survey 2025",
            "road_id": np.array(road_ids)[road],
            "sta_m": station,
            "sta": [sta(v) for v in station],
            "offset_m": np.abs(offset),
            "side": np.where(offset > 0, "left", "right"),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    billed = np.flatnonzero(np.abs(offset) < 12.5)
    payment = np.array(PAYMENTS)[rng.integers(0, 4, n_poles)]
    items = gpd.GeoDataFrame(
        {
            "item_id": [f"IT{i + 1:06d}" for i in range(len(billed))],
            "asset_id": ids[billed],
            "layer": "poles",
            "owner": owners[billed],
            "corridor_id": np.array(road_ids)[road[billed]],
            "sta": poles["sta"].to_numpy()[billed],
            "quantity": height[billed],
            "unit": "m",
            "rate_rp": TARIFF["rate_rp"],
            "amount_rp": np.round(height[billed] * TARIFF["rate_rp"]).astype("int64"),
            "tariff_id": TARIFF["tariff_id"],
            "legal_basis": TARIFF["legal_basis"],
            "payment_status": payment[billed],
        },
        geometry=poles.geometry.to_numpy()[billed],
        crs=4326,
    )
    sums = items.groupby("corridor_id")["amount_rp"].agg(["sum", "size"])
    totals = pd.DataFrame(
        {
            "level": "corridor",
            "key": sums.index,
            "assets": sums["size"].to_numpy(),
            "amount_rp": sums["sum"].to_numpy(),
        }
    )
    return {
        "roads": roads,
        "corridors": corridors,
        "poles": poles,
        "assessment_items": items,
        "assessment_totals": totals,
    }


def sta(metres: float) -> str:
    total = round(metres)
    return f"STA {total // 1000}+{total % 1000:03d}"


def make_map_inventory(path, **kwargs):
    """Write the test inventory to ``path``; return (inventory, facts)."""
    data = build_frames(**kwargs)
    inv = create_inventory(path)
    inv.write(data["frames"], batch=Batch(command="test"))
    return inv, data["facts"]


def read_payload(html_text: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="geoasset-data-\w+">(.*?)</script>', html_text, re.S
    )
    assert match, "no data document in the page"
    return json.loads(match.group(1))


def decode(table: dict, column: str) -> list:
    data = table["data"][column]
    if isinstance(data, list):
        return data
    return [None if c < 0 else data["d"][c] for c in data["c"]]


def layer_of(payload: dict, name: str) -> dict:
    return next(layer for layer in payload["layers"] if layer["name"] == name)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    """The test inventory, written once for this module (writing it takes about a second)."""
    return make_map_inventory(tmp_path_factory.mktemp("map_inventory") / "kupang.gpkg")


@pytest.fixture
def built(built_once, tmp_path):
    """A copy of the test inventory of this test's own, and its facts."""
    inv, facts = built_once
    path = tmp_path / "kupang.gpkg"
    shutil.copyfile(inv.path, path)
    return open_inventory(path), copy.deepcopy(facts)


# ----------------------------------------------------------------------------- content
def test_field_map_counts_every_layer(built):
    inv, facts = built
    m = field_map(inv)
    assert isinstance(m, folium.Map) and isinstance(m, FieldMap)
    assert m.counts == {
        "corridors": 3,
        "roads": 2,
        "utility_lines": 1,
        "bridges": 2,
        "monuments": 1,
        "poles": len(facts["stations"]),
    }
    assert m.total_rp == sum(facts["amount_by_pole"].values())
    # displays inline in Jupyter: an iframe holding the whole page
    assert "<iframe" in m._repr_html_()


def test_saved_map_is_self_contained(built, tmp_path):
    inv, _ = built
    path = save_map(field_map(inv), tmp_path / "map.html")
    text = path.read_text("utf-8")
    assert external_resources(text) == []

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

    parser = Tags()
    parser.feed(text)
    scripts = [a for tag, a in parser.tags if tag == "script"]
    assert scripts and all("src" not in a for a in scripts)
    assert not [a for tag, a in parser.tags if tag == "link"]
    for host in ("jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg", "fontawesome"):
        assert host not in text.lower()
    # every web address left is a tile template, an attribution link or an XML namespace
    allowed = (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "https://www.openstreetmap.org/copyright",
        "https://leafletjs.com",
        "http://www.w3.org/2000/svg",
        "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",  # a comment in Leaflet's CSS
    )
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", text))
    assert urls <= set(allowed), urls - set(allowed)
    # Leaflet's images are inlined
    assert "images/layers.png" not in text and "data:image/png;base64," in text


def test_plain_folium_map_is_refused(tmp_path):
    with pytest.raises(GeoassetError, match="from the network"):
        save_map(folium.Map(), tmp_path / "cdn.html")
    assert not (tmp_path / "cdn.html").exists()


def test_save_map_refuses_to_overwrite(built, tmp_path):
    inv, _ = built
    target = tmp_path / "map.html"
    target.write_text("keep me")
    with pytest.raises(GeoassetError, match="already exists"):
        save_map(field_map(inv), target)
    assert target.read_text() == "keep me"
    save_map(field_map(inv), target, overwrite=True)
    assert "geoasset.init" in target.read_text()


def test_pole_status_owner_and_amounts(built, tmp_path):
    inv, facts = built
    payload = read_payload(save_map(field_map(inv), tmp_path / "m.html").read_text("utf-8"))
    poles = layer_of(payload, "poles")
    ids = decode(poles, "pole_id")
    assert poles["n"] == len(ids) == len(facts["stations"])
    assert poles["cluster"] is False
    expected = []
    for inside, payment in zip(facts["inside"], facts["payment"], strict=True):
        if not inside:
            expected.append(3)  # outside the right-of-way
        else:
            expected.append({"paid": 0, "unknown": 0, "unpaid": 1, "no_permit": 2}[payment])
    assert poles["style"]["status"] == expected
    # line items hang on the right pole, with the amount computed by hand
    items = poles["items"]
    rows = items["data"]["__row"]
    amounts = decode(items, "amount_rp")
    got = {ids[r]: a for r, a in zip(rows, amounts, strict=True)}
    assert got == facts["amount_by_pole"]
    assert set(decode(items, "tariff_id")) == {"T-POLE"}
    # owners share one palette; the most common owners get their own colour
    owners = decode(poles, "owner")
    fills = poles["style"]["fill"]
    assert len({(o, f) for o, f in zip(owners, fills, strict=True)}) == len(set(owners))


def test_corridor_revenue_classes_follow_amounts(built, tmp_path):
    inv, facts = built
    payload = read_payload(save_map(field_map(inv), tmp_path / "m.html").read_text("utf-8"))
    corridors = layer_of(payload, "corridors")
    ids = decode(corridors, "corridor_id")
    revenue = dict(zip(ids, corridors["style"]["revenue"], strict=True))
    assert revenue == {**facts["revenue"], "R2": 0}
    fill = dict(zip(ids, corridors["style"]["fill"], strict=True))
    assert fill["R2"] == 1  # no retribution
    low, high = sorted(facts["revenue"], key=facts["revenue"].get)
    assert fill[high] > fill[low] >= 2
    legend = next(s for s in payload["legend"] if s["title"].startswith("Right-of-way"))
    assert legend["items"][0]["label"] == "no retribution"


def test_road_vertex_chainage_matches_the_survey(built, tmp_path):
    inv, _ = built
    payload = read_payload(save_map(field_map(inv), tmp_path / "m.html").read_text("utf-8"))
    roads = layer_of(payload, "roads")
    chainage = dict(zip(decode(roads, "road_id"), roads["chainage"], strict=True))
    # the centrelines were drawn in UTM 51S: R1 = 1300 m + 800 m, R2 = 1200 m from STA 0+500
    assert chainage["R1"][0] == pytest.approx([0.0, 1300.0, 2100.0], abs=0.02)
    assert chainage["R2"][0] == pytest.approx([500.0, 1700.0], abs=0.02)
    assert payload["chainage"]["every"] == 100 and payload["chainage"]["label_every"] == 1000


def test_multipart_road_is_walked_part_by_part(tmp_path):
    inv = create_inventory(tmp_path / "multi.gpkg")
    a = LineString([(570000, 8875000), (570300, 8875400)])  # 500 m
    b = LineString([(571000, 8875000), (571000, 8875300)])  # 300 m, does not join a
    road = shapely.MultiLineString([a, b])
    inv.write(
        {
            "roads": gpd.GeoDataFrame(
                {"road_id": ["M"], "sta_start_m": [1000.0]}, geometry=[to_wgs84(road)], crs=4326
            )
        },
        batch=Batch(command="test"),
    )
    payload = read_payload(save_map(field_map(inv), tmp_path / "m.html").read_text("utf-8"))
    roads = layer_of(payload, "roads")
    assert roads["chainage"][0] == [
        pytest.approx([1000.0, 1500.0], abs=0.02),
        pytest.approx([1500.0, 1800.0], abs=0.02),
    ]


def test_hostile_values_cannot_close_the_script(built, tmp_path):
    inv, _ = built
    text = save_map(field_map(inv, title="<b>Kupang</b> & co"), tmp_path / "m.html").read_text(
        "utf-8"
    )
    assert HOSTILE_OWNER not in text
    assert HOSTILE_MATERIAL not in text
    assert "<b>Kupang</b>" not in text
    assert "<title>&lt;b&gt;Kupang&lt;/b&gt; &amp; co</title>" in text
    payload = read_payload(text)  # the data document parses and keeps the values as they were
    poles = layer_of(payload, "poles")
    assert HOSTILE_OWNER in decode(poles, "owner")
    assert HOSTILE_MATERIAL in decode(poles, "material")
    assert HOSTILE_SOURCE in decode(poles, "source")
    assert payload["title"] == "<b>Kupang</b> & co"


# ----------------------------------------------------------------------------- selection
def test_corridor_selection_keeps_assets_near_it(built, tmp_path):
    inv, facts = built
    m = field_map(inv, corridor_ids=["R1:0"])
    assert m.counts["corridors"] == 1 and m.counts["roads"] == 1
    # independent check in UTM: poles within 50 m of the corridor polygon
    r1 = LineString(ROADS[0][1])
    piece = substring(r1, 0.0, 1000.0).buffer(12.5, cap_style="flat", join_style="mitre")
    near = sum(piece.distance(p) <= 50.0 for p in facts["utm_points"])
    assert m.counts["poles"] == near
    assert 0 < near < len(facts["stations"])
    assert m.total_rp == facts["revenue"]["R1:0"]
    assert (
        m.map_title
        == "Field review map: R1:0 – Simpang Polda – Bandara El Tari – STA 0+000 – 1+000"
    )


def test_road_selection(built):
    inv, _ = built
    m = field_map(inv, road_ids=["R2"])
    assert m.counts["roads"] == 1 and m.counts["corridors"] == 1
    assert "bridges" not in m.counts  # the bridges stand on R1, far from R2


def test_unknown_corridor_is_named(built):
    inv, _ = built
    with pytest.raises(GeoassetError, match=r"unknown corridor_id 'NOPE'.*'R1:0'"):
        field_map(inv, corridor_ids=["R1:0", "NOPE"])
    with pytest.raises(GeoassetError, match=r"unknown road_id 'R9'"):
        field_map(inv, road_ids="R9")


def test_bad_language(built):
    inv, _ = built
    with pytest.raises(ValueError, match="lang must be one of en, id"):
        field_map(inv, lang="fr")


def test_indonesian_labels(built, tmp_path):
    inv, _ = built
    payload = read_payload(
        save_map(field_map(inv, lang="id"), tmp_path / "m.html").read_text("utf-8")
    )
    assert payload["labels"]["side_left"] == "kiri"
    assert payload["fields"]["owner"] == "Pemilik"
    assert payload["num"] == {"group": ".", "decimal": ","}
    assert layer_of(payload, "poles")["label"] == "Tiang"


def test_empty_inventory_makes_an_empty_map(tmp_path):
    inv = create_inventory(tmp_path / "empty.gpkg")
    m = field_map(inv)
    assert m.counts == {}
    payload = read_payload(save_map(m, tmp_path / "m.html").read_text("utf-8"))
    assert payload["layers"] == [] and payload["bounds"] is None


def test_inventory_without_assessment(tmp_path):
    data = build_frames()
    frames = {k: v for k, v in data["frames"].items() if not k.startswith("assessment")}
    inv = create_inventory(tmp_path / "plain.gpkg")
    inv.write(frames, batch=Batch(command="test"))
    m = field_map(inv)
    assert m.total_rp is None
    payload = read_payload(save_map(m, tmp_path / "m.html").read_text("utf-8"))
    status = layer_of(payload, "poles")["style"]["status"]
    assert status == [4 if inside else 3 for inside in data["facts"]["inside"]]
    corridors = layer_of(payload, "corridors")
    assert set(corridors["style"]["fill"]) == {0}


def test_large_layers_are_clustered(tmp_path):
    inv, _ = make_map_inventory(tmp_path / "big.gpkg", n_poles=CLUSTER_MIN_POINTS)
    payload = read_payload(save_map(field_map(inv), tmp_path / "m.html").read_text("utf-8"))
    assert layer_of(payload, "poles")["cluster"] is True


# ----------------------------------------------------------------------------- photos
def _jpeg(path, size=(1200, 800)):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, "JPEG")


def _with_photos(tmp_path):
    data = build_frames(hostile=False)
    poles = data["frames"]["poles"]
    poles.loc[0, "photo"] = "photos/P000001.jpg"
    poles.loc[1, "photo"] = "photos/gone.jpg"
    poles.loc[2, "photo"] = "photos/broken.jpg"
    _jpeg(tmp_path / "photos" / "P000001.jpg")
    (tmp_path / "photos" / "broken.jpg").write_bytes(b"not a jpeg")
    inv = create_inventory(tmp_path / "photos.gpkg")
    inv.write(data["frames"], batch=Batch(command="test"))
    return inv


def test_embedded_photos_are_thumbnails(tmp_path, caplog):
    from PIL import Image

    inv = _with_photos(tmp_path)
    with caplog.at_level(logging.WARNING, logger="geoasset.maps"):
        m = field_map(inv, embed_photos=True)
    assert [(p.asset_id, p.photo) for p in m.missing_photos] == [
        ("P000002", "photos/gone.jpg"),
        ("P000003", "photos/broken.jpg"),
    ]
    assert "photos/gone.jpg" in caplog.text and "photos/broken.jpg" in caplog.text
    payload = read_payload(save_map(m, tmp_path / "m.html").read_text("utf-8"))
    photos = layer_of(payload, "poles")["photos"]
    kind, uri, name = photos[0]
    assert (kind, name) == ("img", "photos/P000001.jpg")
    assert uri.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.size == (320, 213)
    assert photos[1] == ["missing", None, "photos/gone.jpg"]
    assert photos[3] is None


def test_photos_are_linked_without_embedding(tmp_path):
    inv = _with_photos(tmp_path)
    m = field_map(inv)
    assert [p.asset_id for p in m.missing_photos] == ["P000002"]  # not opened, so not checked
    payload = read_payload(save_map(m, tmp_path / "m.html").read_text("utf-8"))
    kind, uri, _ = layer_of(payload, "poles")["photos"][0]
    assert kind == "link" and uri == (tmp_path / "photos" / "P000001.jpg").resolve().as_uri()


# ----------------------------------------------------------------------------- per corridor
def test_corridor_maps_and_index(built, tmp_path):
    inv, facts = built
    out = tmp_path / "maps"
    paths = save_corridor_maps(inv, out, lang="en")
    assert [p.name for p in paths] == ["R1_0.html", "R1_1000.html", "R2.html", "index.html"]
    index = (out / "index.html").read_text("utf-8")
    for name in ("R1_0.html", "R1_1000.html", "R2.html"):
        assert f'href="{name}"' in index
    total = sum(facts["revenue"].values())
    assert f"Rp {total:,}" in index
    assert f"Rp {facts['revenue']['R1:0']:,}" in index
    assert external_resources(index) == []
    with pytest.raises(GeoassetError, match="already exists"):
        save_corridor_maps(inv, out)
    again = save_corridor_maps(inv, out, corridor_ids=["R2"], overwrite=True)
    assert [p.name for p in again] == ["R2.html", "index.html"]


def test_corridor_maps_unknown_id(built, tmp_path):
    inv, _ = built
    with pytest.raises(GeoassetError, match="unknown corridor_id 'X'"):
        save_corridor_maps(inv, tmp_path / "maps", corridor_ids=["X"])
    assert not (tmp_path / "maps").exists()


# ----------------------------------------------------------------------------- light overview
def test_small_overview_is_full_and_the_limits_make_it_light(built, monkeypatch):
    inv, _ = built
    assert field_map(inv).light is False  # the Kupang pilot stays the full map
    monkeypatch.setattr(mappayload, "LIGHT_MAX_FEATURES", 20)  # it has 2 + 3 + 42 + 4 features
    assert field_map(inv).light is True
    assert field_map(inv, light=False).light is False
    assert field_map(inv, corridor_ids=["R2"]).light is False  # a selection is never light
    monkeypatch.setattr(mappayload, "LIGHT_MAX_FEATURES", 10_000)
    monkeypatch.setattr(mappayload, "LIGHT_MAX_VERTICES", 10)
    assert field_map(inv).light is True


def test_light_overview_agrees_with_the_assessment(built, tmp_path):
    inv, facts = built
    payload = read_payload(save_map(field_map(inv, light=True), tmp_path / "m.html").read_text())
    assert payload["light"] is True
    corridors = layer_of(payload, "corridors")
    ids = decode(corridors, "corridor_id")
    # expected from the test inventory's own line items, not from the map's code
    items = inv.read("assessment_items")
    amount = items.groupby("corridor_id")["amount_rp"].sum()
    billed = items.groupby("corridor_id")["asset_id"].nunique()
    assert dict(zip(ids, corridors["style"]["revenue"], strict=True)) == {
        cid: int(amount.get(cid, 0)) for cid in ids
    }
    assert dict(zip(ids, corridors["style"]["poles"], strict=True)) == {
        cid: int(billed.get(cid, 0)) for cid in ids
    }
    assert corridors["style"]["revenue"][ids.index("R1:0")] == facts["revenue"]["R1:0"]
    poles = layer_of(payload, "poles")
    assert poles["n"] == len(facts["stations"]) and poles["min_zoom"] == LIGHT_POLE_ZOOM
    assert poles["cluster"] is False and poles["items"] is None and "photos" not in poles
    assert set(poles["cols"]) <= set(maps.LIGHT_POLE_COLUMNS)
    per_pole = dict(zip(decode(poles, "pole_id"), decode(poles, "amount_rp"), strict=True))
    assert {k: v for k, v in per_pole.items() if v is not None} == facts["amount_by_pole"]
    inside = dict(zip(decode(poles, "pole_id"), facts["inside"], strict=True))
    assert all((per_pole[k] is None) == (not inside[k]) for k in per_pole)
    corridor_of = np.where(facts["stations"] < 1000.0, "R1:0", "R1:1000")
    expected = [c if i else None for c, i in zip(corridor_of, facts["inside"], strict=True)]
    assert decode(poles, "corridor_id") == expected
    # the status codes are the full map's
    full = read_payload(save_map(field_map(inv), tmp_path / "f.html").read_text())
    assert poles["style"] == {k: layer_of(full, "poles")["style"][k] for k in poles["style"]}
    assert "city overview" in payload["subtitle"]


def test_light_overview_is_a_fraction_of_the_full_map(tmp_path):
    inv = create_inventory(tmp_path / "net.gpkg")
    inv.write(build_network_frames(4000), batch=Batch(command="test"))

    def document(light: bool) -> int:  # bytes of the page's data, without the libraries
        text = save_map(field_map(inv, light=light), tmp_path / f"{light}.html").read_text()
        return len(json.dumps(read_payload(text), separators=(",", ":")))

    full, light = document(False), document(True)
    # per pole, the light map carries 7 short columns instead of 13 and no line items
    assert light < 0.5 * full, (light, full)


def test_display_geometry_stays_within_the_tolerance():
    centre = Point(560000.0, 8860000.0)
    stored = [
        LineString([(560000, 8860000), (560400, 8860300), (561000, 8860300)]).buffer(12.5),
        centre.buffer(0.2),  # narrower than the tolerance: kept as stored
    ]
    geoms = gpd.GeoSeries([to_wgs84(g) for g in stored], crs=4326)
    shown = _display_geometry(geoms).to_crs(UTM)
    original = geoms.to_crs(UTM)
    n_before = shapely.get_num_coordinates(original.values)
    n_after = shapely.get_num_coordinates(shown.values)
    assert n_after[0] < n_before[0] / 3
    assert shapely.hausdorff_distance(shown.iloc[0], original.iloc[0]) <= LIGHT_TOLERANCE_M
    assert not shown.iloc[1].is_empty and n_after[1] == n_before[1]


def test_overview_links_name_the_corridor_map_files(built, tmp_path):
    inv, _ = built
    written = save_corridor_maps(inv, tmp_path / "maps")
    payload = read_payload(
        save_map(field_map(inv, corridor_maps="maps"), tmp_path / "m.html").read_text()
    )
    links = payload["corridor_maps"]
    assert links["base"] == "maps/"
    assert sorted(links["files"].values()) == sorted(p.name for p in written[:-1])
    for cid, name in links["files"].items():
        text = (tmp_path / "maps" / name).read_text("utf-8")
        assert read_payload(text)["title"].startswith(f"Field review map: {cid}")
    odd = read_payload(
        save_map(field_map(inv, corridor_maps='a b/"x<'), tmp_path / "o.html").read_text()
    )
    assert odd["corridor_maps"]["base"] == "a%20b/%22x%3C/"
    assert "corridor_maps" not in read_payload(
        save_map(field_map(inv), tmp_path / "n.html").read_text()
    )


# ----------------------------------------------------------------------------- per area
def area_index(text: str) -> dict:
    """``{area name: (file, corridors, poles, billed poles, revenue)}`` from index.html,
    and ``"total"``: the footer's numbers."""

    def numbers(cells: list[str]) -> tuple:
        return tuple(int(re.sub(r"[^0-9]", "", c) or 0) for c in cells[1:5])

    rows = {}
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        link = re.match(r'<a href="([^"]+)">([^<]+)</a>', cells[0])
        rows[html_unescape(link.group(2))] = (html_unescape(link.group(1)), *numbers(cells))
    foot = text.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    rows["total"] = numbers(re.findall(r"<th[^>]*>(.*?)</th>", foot, re.S))
    return rows


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def read_area_maps(folder) -> dict:
    """``{file name: payload}`` of every area map in ``folder``."""
    return {
        p.name: read_payload(p.read_text("utf-8"))
        for p in sorted(folder.glob("*.html"))
        if p.name != "index.html"
    }


def test_maps_per_threshold(built, tmp_path, monkeypatch):
    inv, _ = built
    assert maps.AREA_MAPS_PAST_CORRIDORS == 200 and maps.AREA_SIZE_M == 2000.0
    assert maps_per(200) == "corridor" and maps_per(201) == "area"
    assert maps_per(5000, "corridor") == "corridor" and maps_per(1, "area") == "area"
    with pytest.raises(ValueError, match="per must be one of"):
        maps_per(1, "tile")
    # the pilot keeps exactly today's corridor maps, and the overview links to them
    written = save_field_maps(inv, tmp_path / "small")
    assert [p.name for p in written] == ["R1_0.html", "R1_1000.html", "R2.html", "index.html"]
    links = read_payload(
        save_map(field_map(inv, corridor_maps="small"), tmp_path / "s.html").read_text()
    )["corridor_maps"]
    assert links["files"] == {"R1:0": "R1_0.html", "R1:1000": "R1_1000.html", "R2": "R2.html"}
    # past the threshold: one map per area, and the overview's links follow
    monkeypatch.setattr(mapareas, "AREA_MAPS_PAST_CORRIDORS", 2)
    monkeypatch.setattr(mapareas, "AREA_SIZE_M", 500.0)
    written = save_field_maps(inv, tmp_path / "big")
    assert written[-1].name == "index.html"
    assert all(re.fullmatch(r"E[0-9.]+_N[0-9.]+\.html", p.name) for p in written[:-1])
    overview = read_payload(
        save_map(field_map(inv, corridor_maps="big"), tmp_path / "b.html").read_text()
    )
    files = overview["corridor_maps"]["files"]
    assert set(files) == {"R1:0", "R1:1000", "R2"}
    assert set(files.values()) <= {p.name for p in written}
    assert overview["labels"]["map_open_corridor"] == "Open the map of the area with corridor"
    # forced either way
    assert field_map(inv, corridor_maps="m", maps_per="corridor")  # no error
    assert save_field_maps(inv, tmp_path / "forced", per="corridor")[0].name == "R1_0.html"


def check_area_maps(inv, folder, written) -> dict:
    """Every corridor and pole in exactly one area map; the index against the line items
    (summed here, independently of geoasset.maps); links resolve. Returns the maps."""
    assert [p.parent for p in written] == [folder] * len(written)
    assert written[-1].name == "index.html"
    index_text = (folder / "index.html").read_text("utf-8")
    assert external_resources(index_text) == []
    index = area_index(index_text)
    total = index.pop("total")
    pages = read_area_maps(folder)
    assert sorted(pages) == sorted(p.name for p in written[:-1])
    assert sorted(f for f, *_ in index.values()) == sorted(pages)  # every link resolves

    corridors = inv.read("corridors")
    poles = inv.read("poles")
    items = inv.read("assessment_items")
    seen_corridors, seen_poles = [], []
    for name, (file, n_corridors, n_poles, n_billed, revenue) in index.items():
        payload = pages[file]
        assert payload["light"] is False and name in payload["title"]
        layers = {layer["name"]: layer for layer in payload["layers"]}
        ids = decode(layers["corridors"], "corridor_id") if "corridors" in layers else []
        pole_ids = decode(layers["poles"], "pole_id") if "poles" in layers else []
        seen_corridors += ids
        seen_poles += pole_ids
        assert (n_corridors, n_poles) == (len(ids), len(pole_ids))
        mine = items[items["corridor_id"].isin(ids)]
        assert revenue == int(mine["amount_rp"].sum()), name
        assert n_billed == mine["asset_id"].nunique()
        # a billed pole is drawn with its corridor, its line items in full detail
        assert set(mine["asset_id"]) <= set(pole_ids)
        if pole_ids:
            assert layers["poles"]["items"] is not None
    assert sorted(seen_corridors) == sorted(corridors["corridor_id"])  # each exactly once
    assert sorted(seen_poles) == sorted(poles["pole_id"])
    assert total == (
        len(corridors),
        len(poles),
        items["asset_id"].nunique(),
        int(items["amount_rp"].sum()),
    )
    return pages


def test_area_maps_partition_and_index(built, tmp_path, monkeypatch):
    inv, facts = built
    monkeypatch.setattr(mapareas, "AREA_SIZE_M", 500.0)
    folder = tmp_path / "areas"
    written = save_area_maps(inv, folder)
    pages = check_area_maps(inv, folder, written)
    assert len(pages) > 1
    # the Kupang corridors, by their representative point in 500 m squares of UTM 51S
    expected = {}
    for cid, geom in zip(
        inv.read("corridors")["corridor_id"],
        inv.read("corridors").to_crs(UTM).geometry,
        strict=True,
    ):
        point = geom.representative_point()
        expected[cid] = (
            f"E{math.floor(point.x / 500) / 2:g}_N{math.floor(point.y / 500) / 2:g}.html"
        )
    for cid, file in expected.items():
        layer = layer_of(pages[file], "corridors")
        assert cid in decode(layer, "corridor_id")
    total = sum(facts["amount_by_pole"].values())
    index = (folder / "index.html").read_text("utf-8")
    assert f"Rp {total:,}" in index
    # the area with both R1 corridors' neighbour: utility lines, bridges, monuments once
    for name in ("utility_lines", "bridges", "monuments"):
        ids = [
            i
            for page in pages.values()
            for layer in page["layers"]
            if layer["name"] == name
            for i in decode(layer, maps.MAP_LAYERS[name])
        ]
        assert sorted(ids) == sorted(inv.read(name)[maps.MAP_LAYERS[name]])
    # refused before anything is written, replaced with overwrite
    before = {p: p.stat().st_mtime_ns for p in written}
    with pytest.raises(GeoassetError, match="already exists"):
        save_area_maps(inv, folder)
    assert {p: p.stat().st_mtime_ns for p in written} == before
    assert save_area_maps(inv, folder, overwrite=True) == written
    # Jinja-safe and escaped: the hostile owner stays data
    text = written[0].read_text("utf-8")
    assert external_resources(text) == [] and "<img src=x" not in text.split("</script>", 1)[1]


def test_area_maps_of_a_network(tmp_path, monkeypatch):
    """Poles outside the right-of-way go with the corridor of their located road."""
    inv = create_inventory(tmp_path / "net.gpkg")
    frames = build_network_frames(3000)
    inv.write(frames, batch=Batch(command="test"))
    monkeypatch.setattr(mapareas, "AREA_SIZE_M", 1000.0)
    folder = tmp_path / "areas"
    pages = check_area_maps(inv, folder, save_area_maps(inv, folder, lang="id"))
    where = {}
    for file, page in pages.items():
        layers = {layer["name"]: layer for layer in page["layers"]}
        for cid in decode(layers["corridors"], "corridor_id") if "corridors" in layers else []:
            where[("corridor", cid)] = file
        for pid in decode(layers["poles"], "pole_id") if "poles" in layers else []:
            where[("pole", pid)] = file
    poles, corridors = frames["poles"], frames["corridors"]
    billed = dict(
        zip(
            frames["assessment_items"]["asset_id"],
            frames["assessment_items"]["corridor_id"],
            strict=True,
        )
    )
    outside = 0
    for pid, road, point in zip(poles["pole_id"], poles["road_id"], poles.geometry, strict=True):
        holding = [
            c
            for c, g in zip(corridors["corridor_id"], corridors.geometry, strict=True)
            if g.intersects(point)
        ]
        if pid in billed:
            expected = billed[pid]
        elif holding:
            expected = holding[0]  # the first corridor holding it (crossings overlap here)
        else:
            expected, outside = road, outside + 1  # the corridor of its road (one per road)
        assert where[("pole", pid)] == where[("corridor", expected)], pid
    assert outside > 100
    index = (folder / "index.html").read_text("utf-8")
    assert "Peta lapangan per area" in index and "Koridor" in index


def test_area_maps_drawn_by_worker_processes_are_the_same(tmp_path, monkeypatch):
    inv = create_inventory(tmp_path / "net.gpkg")
    inv.write(build_network_frames(600), batch=Batch(command="test"))
    monkeypatch.setattr(mapareas, "AREA_SIZE_M", 1000.0)
    alone, shared = tmp_path / "alone", tmp_path / "shared"
    written = save_area_maps(inv, alone, workers=1)
    assert len(written) > 4  # several areas for each of the 3 processes
    in_workers = save_area_maps(inv, shared, workers=3)
    assert [p.name for p in in_workers] == [p.name for p in written]
    assert read_area_maps(shared) == read_area_maps(alone)
    index = (shared / "index.html").read_text("utf-8")
    assert index == (alone / "index.html").read_text("utf-8")
    check_area_maps(inv, shared, in_workers)


def test_area_map_file_names_and_empty_inventory(tmp_path):
    grid = maps._AreaGrid(pyproj.CRS.from_epsg(32751), 2000.0)
    tiles = np.array([[345, 4437], [-1, 0], [0, -1]])
    assert grid.names(tiles) == ["E690_N8874", "E-2_N0", "E0_N-2"]
    inv = create_inventory(tmp_path / "empty.gpkg")
    written = save_area_maps(inv, tmp_path / "areas")
    assert [p.name for p in written] == ["index.html"]
    with pytest.raises(GeoassetError, match="does not exist"):
        save_area_maps(inv, tmp_path / "no" / "such")


# ----------------------------------------------------------------------------- properties
values = st.one_of(st.none(), st.text(max_size=12), st.integers(-(10**12), 10**12))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab<>&/'\"\u2028", max_size=6)), max_size=40))
def test_column_encoding_round_trips(column):
    series = pd.Series(column, dtype=object)
    encoded = json.loads(_script_json(_column(series)))
    decoded = (
        encoded
        if isinstance(encoded, list)
        else [None if c < 0 else encoded["d"][c] for c in encoded["c"]]
    )
    assert decoded == [None if v is None else v for v in column]


@settings(max_examples=80, deadline=None)
@given(
    st.recursive(
        values,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_script_json_is_inert_and_exact(value):
    text = _script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 10**10), min_size=1, max_size=60))
def test_revenue_classes_are_ordered_and_cover_the_maximum(amounts):
    values = np.array(amounts, dtype="float64")
    uppers = _revenue_classes(values)
    positive = values[values > 0]
    if not len(positive):
        assert uppers == []
        return
    assert uppers == sorted(set(uppers)) and len(uppers) <= 5
    assert uppers[-1] >= positive.max()
    classes = np.searchsorted(uppers, positive, side="left")
    order = np.argsort(positive, kind="stable")
    assert np.all(np.diff(classes[order]) >= 0)
