"""Generate the Kupang reference inventory in ``layers/kupang/`` (synthetic / approximate).

No open road centrelines of Kota Kupang and no open utility-pole data exist, so this
seeded script stands in for a field survey of the pilot corridor "Simpang Polda – Bandara
El Tari". Everything it writes is labelled synthetic or approximate in each row's
``source`` field and in ``layers/README.md``. The only real input is the desa/kelurahan
boundary file in ``layers/boundaries/`` (to place Monumen Pancasila inside Desa Nitneo
and to check that every road lies on land in the right kabupaten/kota).

Output (all EPSG:4326, coordinates with 6 decimals):

- ``roads.geojson``: the pilot road, four connecting city roads (one crossing, three
  T-junctions) and the Oelamasi – Oepoli provincial road in Kab. Kupang;
- ``bridges.csv``: Indonesian headers, some coordinates in degrees-minutes-seconds;
- ``monuments.kml``: Monumen Pancasila (Desa Nitneo) and two synthetic tugu;
- ``poles.csv``: poles every 40–60 m on both sides of the city roads, with a few
  deliberate data-entry errors (listed in ``layers/README.md``);
- ``utility_lines.geojson``: overhead cables and fibre hopping between the poles, buried
  cables and water pipes, one crossing without a permit, one leaving the right-of-way;
- ``parcels.geojson``: one certified right-of-way parcel along part of the pilot road;
- ``photos/*.jpg``: small drawn pole pictures referenced from ``poles.csv``.

The output is byte-for-byte reproducible for a given ``--seed`` (default 2026).

Usage::

    python layers/make_kupang.py [--out DIR] [--seed 2026]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from layerio import DECIMALS, write_csv, write_geojson, write_kml
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

HERE = Path(__file__).resolve().parent
DESA_FILE = HERE / "boundaries" / "kupang_desa_kelurahan.geojson"
SEED = 2026
METRIC_EPSG = 32751  # WGS 84 / UTM zone 51S

_TO_METRIC = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_EPSG, 4326, always_xy=True)

KOTA = "Kota Kupang"
KAB = "Kabupaten Kupang"

#: Half-width of the right-of-way (Rumija) of each city road, metres: PP 34/2006 class
#: minimum / 2, or the road's own rumija_m / 2.
HALF_ROW = {"raya": 12.5, "sedang": 7.5, "kecil": 5.5}


def source_text(seed: int, what: str = "synthetic") -> str:
    return f"{what} – geoasset make_kupang.py seed {seed}"


# --------------------------------------------------------------------------- geometry


def to_metric(lonlat: list[tuple[float, float]]) -> np.ndarray:
    lon, lat = np.asarray(lonlat, dtype=float).T
    x, y = _TO_METRIC.transform(lon, lat)
    return np.column_stack([x, y])


def to_lonlat_geom(geom):
    """Transform a metric shapely geometry to lon/lat, rounded to DECIMALS."""

    def tx(coords: np.ndarray) -> np.ndarray:
        lon, lat = _TO_LONLAT.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    return shapely.transform(geom, tx)


def lonlat(pt: Point) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(pt.x, pt.y)
    return round(lon, DECIMALS), round(lat, DECIMALS)


def chaikin(points: np.ndarray, iterations: int) -> np.ndarray:
    """Corner-cutting smoothing of an open polyline; the end points stay fixed."""
    pts = np.asarray(points, dtype=float)
    for _ in range(iterations):
        p, q = pts[:-1], pts[1:]
        cut = np.empty((2 * len(p), 2))
        cut[0::2] = 0.75 * p + 0.25 * q
        cut[1::2] = 0.25 * p + 0.75 * q
        pts = np.vstack([pts[:1], cut[1:-1], pts[-1:]])
    return pts


def insert_vertex(line: LineString, s: float) -> tuple[LineString, tuple[float, float]]:
    """Return ``line`` with a vertex at chainage ``s`` and that vertex."""
    coords = np.asarray(line.coords)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    i = int(np.searchsorted(cum, s, side="right")) - 1
    t = (s - cum[i]) / seg[i]
    p = coords[i] + t * (coords[i + 1] - coords[i])
    new = np.vstack([coords[: i + 1], p, coords[i + 1 :]])
    return LineString(new), (float(p[0]), float(p[1]))


def frame_at(line: LineString, s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point, unit tangent and unit left normal of ``line`` at chainage ``s``."""
    a = np.asarray(line.interpolate(max(s - 1.0, 0.0)).coords[0])
    b = np.asarray(line.interpolate(min(s + 1.0, line.length)).coords[0])
    t = (b - a) / np.hypot(*(b - a))
    n = np.array([-t[1], t[0]])
    return np.asarray(line.interpolate(s).coords[0]), t, n


def offset_point(line: LineString, s: float, offset: float) -> Point:
    """The point ``offset`` metres left (>0) or right (<0) of ``line`` at chainage ``s``."""
    p, _, n = frame_at(line, s)
    return Point(*(p + offset * n))


# --------------------------------------------------------------------------- roads


@dataclass
class Road:
    road_id: str
    name: str
    status: str
    function: str
    network: str
    road_class: str
    kabupaten: str
    line: LineString  # metric
    rumija_m: float | None = None
    surface: str | None = None
    condition: str | None = None
    source_kind: str = "approximate centreline, synthetic"

    @property
    def half_row(self) -> float:
        return self.rumija_m / 2 if self.rumija_m else HALF_ROW[self.road_class]


#: Pilot road, approximate: from the Polda NTT junction area (Kel. Oebufu / Naikoten)
#: east through Kayu Putih, Tuak Daun Merah, Liliba and Penfui to El Tari airport.
PILOT_WAYPOINTS = [
    (123.6085, -10.1752),
    (123.6160, -10.1741),
    (123.6235, -10.1720),
    (123.6310, -10.1712),
    (123.6390, -10.1722),
    (123.6465, -10.1705),
    (123.6540, -10.1712),
    (123.6615, -10.1730),
    (123.6665, -10.1728),
    (123.6705, -10.1722),
]

#: Oelamasi (Kab. Kupang's seat, by Naibonat) north via Bipolo, Fatuleu Barat and the
#: Amfoang hills to Naikliu on the north coast, then east to Oepoli (Amfoang Timur).
#: Approximate: waypoints near desa centroids of the boundary file.
OELAMASI_OEPOLI_WAYPOINTS = [
    (123.8455, -10.0885),  # Naibonat (Oelamasi)
    (123.8364, -10.0556),  # Nunkurus
    (123.8460, -10.0170),  # Oelatimo
    (123.8130, -9.9951),  # Bipolo
    (123.7690, -9.9500),
    (123.7381, -9.8952),  # Poto
    (123.7460, -9.8500),
    (123.7769, -9.8240),  # Nuataus
    (123.7750, -9.7700),
    (123.7818, -9.7379),  # Nefoneut
    (123.7947, -9.6770),  # Letkole
    (123.7802, -9.6201),  # Saukibe
    (123.7892, -9.5942),  # Timau
    (123.8111, -9.5361),  # Afoan
    (123.8541, -9.5253),  # Naikliu
    (123.8931, -9.4943),  # Kolabe
    (123.9124, -9.4660),  # Lilmus
    (123.9751, -9.4707),  # Nunuanah
    (124.0171, -9.4345),  # Kifu
    (124.0350, -9.3950),
    (124.0400, -9.3600),  # Oepoli (approximate)
]

#: (road_id, name, class, function, rumija_m, pilot chainage of the junction (m),
#:  arms as lists of (along the left normal, along the pilot) offsets in metres,
#:  the left-normal arm first; a T-junction has one arm).
CONNECTING = [
    (
        "KPG-101",
        "Oebufu – Kayu Putih",
        "sedang",
        "kolektor",
        None,
        1500.0,
        [[(60, 0), (350, 25), (750, -20)], [(-60, 0), (-380, -30), (-820, 10)]],
    ),
    ("KPG-102", "Simpang Liliba Barat – Liliba Selatan", "kecil", "lokal", None, 2700.0,
     [[(-60, 0), (-400, 40), (-720, 20)]]),
    ("KPG-103", "Simpang Liliba Timur – Oesapa Selatan", "kecil", "lokal", 20.0, 4150.0,
     [[(60, 0), (420, -35), (900, 15), (1080, 30)]]),
    ("KPG-104", "Simpang Penfui – Penfui Selatan", "sedang", "kolektor", None, 5700.0,
     [[(-60, 0), (-450, -25), (-950, -60)]]),
]  # fmt: skip


def build_roads() -> list[Road]:
    pilot = LineString(chaikin(to_metric(PILOT_WAYPOINTS), 4))
    junctions = {}
    for road_id, *_, s, _ in CONNECTING:
        pilot, junctions[road_id] = insert_vertex(pilot, s)
    roads = [
        Road(
            "NTT-001",
            "Simpang Polda – Bandara El Tari",
            "provinsi",
            "arteri",
            "primer",
            "raya",
            KOTA,
            pilot,
            surface="aspal hotmix",
            condition="baik",
        )
    ]
    for road_id, name, road_class, function, rumija, s, arms in CONNECTING:
        j = np.asarray(junctions[road_id])
        _, t, n = frame_at(pilot, s)
        halves = []
        for arm in arms:
            pts = np.vstack([j] + [j + a * n + b * t for a, b in arm])
            halves.append(chaikin(pts, 3))
        if len(halves) == 1:
            coords = halves[0]
        else:  # a crossing: run from the far end of the second arm through the junction
            coords = np.vstack([halves[1][::-1], halves[0][1:]])
        roads.append(
            Road(
                road_id,
                name,
                "kota",
                function,
                "sekunder",
                road_class,
                KOTA,
                LineString(coords),
                rumija_m=rumija,
                surface="aspal",
                condition="sedang",
            )
        )
    roads.append(
        Road(
            "NTT-002",
            "Oelamasi – Oepoli",
            "provinsi",
            "kolektor",
            "primer",
            "sedang",
            KAB,
            LineString(chaikin(to_metric(OELAMASI_OEPOLI_WAYPOINTS), 3)),
            surface="aspal / telford",
            condition="rusak_berat",
            source_kind="approximate alignment through desa centroids, synthetic",
        )
    )
    return roads


# --------------------------------------------------------------------------- poles

#: Left side (in the road's direction): runs of PLN poles carrying the distribution line,
#: broken now and then by one or two poles of someone else. Right side: telecom operators
#: and street lights, mixed pole by pole.
PLN_RUN = (6, 16)
LEFT_BREAKS = [("Pemkot Kupang", 50), ("Iconnet", 30), ("Moratel", 20)]
CITY_OWNERS = {
    "right": [
        ("Telkom", 36),
        ("Telkomsel", 15),
        ("Indosat", 13),
        ("Iconnet", 12),
        ("Moratel", 12),
        ("Pemkot Kupang", 12),
    ],
}
KIND = {"PLN": "electric", "Pemkot Kupang": "street_light"}
HEIGHTS = {
    "electric": [(9, 30), (11, 25), (12, 25), (13, 20)],
    "telecom": [(7, 35), ("7.5", 20), (8, 25), (9, 20)],
    "street_light": [(7, 20), (8, 30), (9, 30), (10, 20)],
}
MATERIALS = {
    "electric": [("beton", 90), ("besi", 10)],
    "telecom": [("besi", 80), ("beton", 20)],
    "street_light": [("besi", 100)],
}
#: owner -> (permit number, share of that owner's poles with it), pilot road (provincial)
PERMITS_PROV = {
    "PLN": ("IPBJ/PUPR-NTT/2021/007", 0.85),
    "Telkom": ("IPBJ/PUPR-NTT/2022/019", 0.7),
    "Telkomsel": ("IPBJ/PUPR-NTT/2024/031", 0.5),
    "Indosat": ("IPBJ/PUPR-NTT/2025/004", 0.3),
    "Iconnet": ("IPBJ/PUPR-NTT/2025/012", 0.25),
}
#: city roads: permits of the Kota Kupang public-works office
PERMITS_KOTA = {
    "PLN": ("503/IPJ/PUPR-KPG/2022/118", 0.8),
    "Telkom": ("503/IPJ/PUPR-KPG/2023/042", 0.6),
    "Iconnet": ("503/IPJ/PUPR-KPG/2025/009", 0.3),
}
#: (road_id, side) -> (first survey day, date style)
CAMPAIGNS = {
    ("NTT-001", "left"): (dt.date(2025, 7, 14), "iso"),
    ("NTT-001", "right"): (dt.date(2025, 8, 4), "iso"),
    ("KPG-101", "left"): (dt.date(2026, 1, 19), "iso"),
    ("KPG-101", "right"): (dt.date(2026, 1, 26), "iso"),
    ("KPG-102", "left"): (dt.date(2026, 6, 8), "iso"),
    ("KPG-102", "right"): (dt.date(2026, 6, 10), "iso"),
    ("KPG-103", "left"): (dt.date(2026, 6, 15), "dayfirst"),
    ("KPG-103", "right"): (dt.date(2026, 6, 16), "dayfirst"),
    ("KPG-104", "left"): (dt.date(2026, 7, 6), "iso"),
    ("KPG-104", "right"): (dt.date(2026, 7, 8), "iso"),
}
POLES_PER_DAY = 30
STEP_MIN, STEP_MAX = 42.0, 58.0  # written spacing stays within 40-60 m after rounding
CLEARANCE_M = 2.0  # a pole is this much closer to its own road than to any other


def weighted(rng: random.Random, options):
    values = [v for v, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights=weights)[0]


@dataclass
class Pole:
    road: Road
    side: str
    chainage: float
    offset: float
    point: Point  # metric
    owner: str = ""
    kind: str = ""
    height: str = ""
    material: str = ""
    permit_no: str = ""
    surveyed_on: str = ""
    photo: str = ""
    pole_id: str = ""


def draw_offset(rng: random.Random, road: Road) -> float:
    """Distance from the centreline: mostly inside the Rumija, about 1 in 10 outside."""
    half = road.half_row
    if rng.random() < 0.1:
        return round(rng.uniform(half + 1.0, half + 7.5), 2)
    return round(rng.uniform(min(3.0, half - 2.5), half - 0.5), 2)


def walk_side(rng: random.Random, road: Road, side: str, others: list[LineString]) -> list[Pole]:
    """Place poles along one side of ``road`` with 42–58 m between neighbours.

    A candidate is refused if it lies within ``CLEARANCE_M`` of being as close to another
    road as to its own (so poles never stand in a junction); near junctions the offset
    falls back to 3 m, which always leaves a free spot in the 16 m window.
    """
    line = road.line
    sign = 1.0 if side == "left" else -1.0
    poles: list[Pole] = []
    prev = None
    end = line.length - 3.0

    def fits(s: float, d: float) -> tuple[Point, float] | None:
        pt = offset_point(line, s, sign * d)
        own = line.distance(pt)
        if any(o.distance(pt) <= own + CLEARANCE_M for o in others):
            return None
        c = line.project(pt)
        if prev is not None and not (STEP_MIN <= c - prev <= STEP_MAX):
            return None
        return pt, c

    while True:
        if prev is None:
            target = rng.uniform(6.0, 22.0)
            grid = [6.0 + 0.5 * k for k in range(60)]
        else:
            target = prev + rng.uniform(STEP_MIN + 2, STEP_MAX - 2)
            grid = [prev + STEP_MIN + 0.5 * k for k in range(int((STEP_MAX - STEP_MIN) * 2) + 1)]
        grid = sorted(grid, key=lambda v: (abs(v - target), v))
        d = draw_offset(rng, road)
        found = None
        for offset in (d, 3.0):
            for s in grid:
                if s > end:
                    continue
                hit = fits(s, offset)
                if hit:
                    found = (s, offset, *hit)
                    break
            if found:
                break
        if found is None:
            if all(s > end for s in grid):
                return poles
            raise RuntimeError(f"{road.road_id} {side}: no place for a pole after {prev:.1f} m")
        s, offset, pt, c = found
        poles.append(Pole(road=road, side=side, chainage=c, offset=offset, point=pt))
        prev = c


def survey_date(start: dt.date, index: int, style: str) -> str:
    day = start
    for _ in range(index // POLES_PER_DAY):
        day += dt.timedelta(days=1)
        if day.weekday() == 6:  # no survey on Sundays
            day += dt.timedelta(days=1)
    return day.isoformat() if style == "iso" else day.strftime("%d/%m/%Y")


def left_owners(rng: random.Random, n: int) -> list[str]:
    owners: list[str] = []
    while len(owners) < n:
        owners += ["PLN"] * rng.randint(*PLN_RUN)
        owners += [weighted(rng, LEFT_BREAKS)] * rng.randint(1, 2)
    return owners[:n]


def build_poles(rng: random.Random, roads: list[Road]) -> list[Pole]:
    city = [r for r in roads if r.kabupaten == KOTA]
    poles: list[Pole] = []
    for road in city:
        others = [r.line for r in roads if r is not road]
        for side in ("left", "right"):
            start, style = CAMPAIGNS[(road.road_id, side)]
            permits = PERMITS_PROV if road.status == "provinsi" else PERMITS_KOTA
            placed = walk_side(rng, road, side, others)
            if side == "left":
                owners = left_owners(rng, len(placed))
            else:
                owners = [weighted(rng, CITY_OWNERS[side]) for _ in placed]
            for i, pole in enumerate(placed):
                pole.owner = owners[i]
                pole.kind = KIND.get(pole.owner, "telecom")
                pole.height = str(weighted(rng, HEIGHTS[pole.kind]))
                pole.material = weighted(rng, MATERIALS[pole.kind])
                permit, share = permits.get(pole.owner, ("", 0.0))
                pole.permit_no = permit if rng.random() < share else ""
                pole.surveyed_on = survey_date(start, i, style)
            poles.extend(placed)
    for i, pole in enumerate(poles, start=1):
        pole.pole_id = f"POLE-{i:06d}"
    return poles


# --------------------------------------------------------------------------- formats


def dms(value: float, positive: str, negative: str, style: str) -> str:
    """``10°10'12.53"S`` (style "symbol") or ``123 40 15.21 E`` (style "space")."""
    hemi = positive if value >= 0 else negative
    hundredths = round(abs(value) * 360000)
    deg, rest = divmod(hundredths, 360000)
    minutes, sec = divmod(rest, 6000)
    seconds = f"{sec // 100:02d}.{sec % 100:02d}"
    if style == "symbol":
        return f"{deg}°{minutes:02d}'{seconds}\"{hemi}"
    return f"{deg} {minutes:02d} {seconds} {hemi}"


# --------------------------------------------------------------------------- poles.csv

POLE_HEADER = [
    "pole_id",
    "pemilik",
    "kind",
    "tinggi",
    "material",
    "permit_no",
    "surveyed_on",
    "photo",
    "lintang",
    "bujur",
    "keterangan",
    "source",
]

#: Deliberate data-entry errors: row index (0-based, before the duplicate is appended)
#: -> error. Documented in layers/README.md; the importer must refuse these rows.
ERROR_ROWS = {
    23: "empty_owner",
    88: "swapped_lat_lon",
    145: "height_text",
    201: "lat_out_of_range",
    260: "bad_date",
    333: "missing_lon",
}
DUPLICATE_OF = 120  # a second survey of this pole is appended with the same pole_id
DMS_EVERY = 37  # every 37th row (not an error row) has DMS coordinates
PHOTO_ROWS = (11, 56, 190, 301)
NOTES = [
    "tiang miring",
    "berbagi dengan Iconnet",
    "dekat saluran drainase",
    "kabel menjuntai",
    "tiang baru",
    "nomor tiang tidak terbaca",
]


def pole_rows(rng: random.Random, poles: list[Pole], seed: int) -> tuple[list[list], dict]:
    """The CSV rows of ``poles`` with the deliberate errors applied; also the error list."""
    src = source_text(seed)
    rows: list[list] = []
    errors: dict[str, str] = {}
    for i, p in enumerate(poles):
        lon, lat = lonlat(p.point)
        lat_txt, lon_txt = f"{lat:.6f}", f"{lon:.6f}"
        if i % DMS_EVERY == 5 and i not in ERROR_ROWS:
            style = "symbol" if (i // DMS_EVERY) % 2 == 0 else "space"
            lat_txt, lon_txt = dms(lat, "N", "S", style), dms(lon, "E", "W", style)
        height = p.height
        if p.kind == "telecom" and height == "7.5" and rng.random() < 0.3:
            height = "7,5"  # decimal comma, as Excel in an Indonesian locale writes it
        if i in PHOTO_ROWS:
            p.photo = f"photos/{p.pole_id}.jpg"
        note = rng.choice(NOTES) if rng.random() < 0.06 else ""
        row = [
            p.pole_id,
            p.owner,
            p.kind,
            height,
            p.material,
            p.permit_no,
            p.surveyed_on,
            p.photo,
            lat_txt,
            lon_txt,
            note,
            src,
        ]
        error = ERROR_ROWS.get(i)
        if error == "empty_owner":
            row[1] = ""
        elif error == "swapped_lat_lon":
            row[8], row[9] = lon_txt, lat_txt
        elif error == "height_text":
            row[3] = "sembilan"
        elif error == "lat_out_of_range":
            row[8] = f"{lat * 10:.6f}"  # a slipped decimal point
        elif error == "bad_date":
            row[6] = "2026-02-30"
        elif error == "missing_lon":
            row[9] = ""
        if error:
            errors[p.pole_id] = error
        rows.append(row)
    dup = list(rows[DUPLICATE_OF])
    lon, lat = lonlat(poles[DUPLICATE_OF].point)
    dup[8], dup[9] = f"{lat + 0.000007:.6f}", f"{lon - 0.000005:.6f}"  # GPS ~1 m off
    dup[6] = "2026-03-02"
    dup[10] = "survei ulang"
    rows.append(dup)
    errors[f"{dup[0]} (second row)"] = "duplicate_id"
    return rows, errors


# --------------------------------------------------------------------------- photos


def draw_photos(poles: list[Pole], out: Path) -> list[str]:
    """Small JPEGs (a drawn pole with its id) for the poles that reference a photo."""
    from PIL import Image, ImageDraw

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pole in poles:
        if not pole.photo:
            continue
        img = Image.new("RGB", (240, 320), (150, 195, 235))
        draw = ImageDraw.Draw(img)
        draw.rectangle([0, 240, 240, 320], fill=(120, 105, 80))  # verge
        draw.rectangle([0, 275, 240, 320], fill=(70, 70, 75))  # road
        top = 240 - int(float(pole.height.replace(",", ".")) * 15)
        colour = (180, 180, 175) if pole.material == "beton" else (110, 110, 120)
        draw.rectangle([112, top, 128, 245], fill=colour)
        draw.line([80, top + 12, 160, top + 12], fill=(60, 60, 60), width=4)  # crossarm
        if pole.kind == "street_light":
            draw.ellipse([150, top + 4, 166, top + 20], fill=(250, 230, 120))
        draw.line([0, top + 30, 240, top + 40], fill=(30, 30, 30), width=2)  # cable
        draw.rectangle([4, 4, 236, 42], fill=(255, 255, 255))
        draw.text((10, 8), f"{pole.pole_id}  {pole.owner}", fill=(0, 0, 0))
        draw.text((10, 24), f"{pole.kind}  {pole.height} m  {pole.surveyed_on}", fill=(0, 0, 0))
        path = out / Path(pole.photo).name
        img.save(path, "JPEG", quality=70, optimize=True)
        written.append(path.name)
    return written


# --------------------------------------------------------------------------- lines


def line_through(points: list[Point]) -> LineString:
    return LineString([lonlat(p) for p in points])


def build_lines(rng: random.Random, roads: list[Road], poles: list[Pole], seed: int):
    src = source_text(seed)
    by_side: dict[tuple[str, str], list[Pole]] = {}
    for p in poles:
        by_side.setdefault((p.road.road_id, p.side), []).append(p)
    lines = []

    def add(owner, kind, permit, installed, geom, note=""):
        lines.append(
            {
                "owner": owner,
                "kind": kind,
                "permit_no": permit or None,
                "installed_on": installed,
                "keterangan": note or None,
                "source": src,
                "geometry": geom,
            }
        )

    # PLN overhead cable along each run of consecutive PLN poles (split after 10-18 poles)
    for (road_id, _side), seq in by_side.items():
        permit = (PERMITS_PROV if road_id.startswith("NTT") else PERMITS_KOTA)["PLN"][0]
        runs, run = [], []
        for p in seq + [None]:
            if p is not None and p.owner == "PLN":
                run.append(p)
                continue
            while len(run) >= 3:
                n = rng.randint(10, 18)
                if len(run) - n < 4:  # a short tail joins the last span
                    n = len(run)
                runs.append(run[:n])
                run = run[n:]
            run = []
        for run in runs:
            add("PLN", "overhead_cable", permit, "2019-05-20", line_through([p.point for p in run]))
    pilot = next(r for r in roads if r.road_id == "NTT-001")
    left, right = by_side[("NTT-001", "left")], by_side[("NTT-001", "right")]
    # Iconnet fibre strung on the poles of the pilot's left side (co-location)
    add(
        "Iconnet",
        "fibre",
        PERMITS_PROV["Iconnet"][0],
        "2023-02-14",
        line_through([p.point for p in left[5:45]]),
    )
    # fibre hopping the poles of the right side, in stretches per operator
    tel_right = right
    stretches = [
        ("Telkom", 0, 45, "2018-09-03"),
        ("Telkom", 45, 90, "2018-09-03"),
        ("Telkomsel", 20, 60, "2022-11-21"),
        ("Moratel", 60, 110, "2024-04-08"),
    ]
    for owner, a, b, installed in stretches:
        permit = PERMITS_PROV.get(owner, ("", 0))[0]
        add(owner, "fibre", permit, installed, line_through([p.point for p in tel_right[a:b]]))

    # buried cable and water pipe at a fixed offset inside the right-of-way
    def along(road: Road, s0: float, s1: float, offset: float, step: float = 100.0):
        ss = list(np.arange(s0, s1, step)) + [s1]
        return line_through([offset_point(road.line, float(s), offset) for s in ss])

    add(
        "Indosat",
        "buried_cable",
        PERMITS_PROV["Indosat"][0],
        "2025-03-10",
        along(pilot, 800.0, 2400.0, -10.5),
    )
    add(
        "PDAM Kota Kupang",
        "water_pipe",
        "IPBJ/PUPR-NTT/2016/002",
        "2016-10-01",
        along(pilot, 400.0, 3200.0, -9.0),
    )
    add(
        "PDAM Kota Kupang",
        "water_pipe",
        "IPBJ/PUPR-NTT/2020/015",
        "2020-08-17",
        along(pilot, 3300.0, 6600.0, 8.5),
    )
    kpg101 = next(r for r in roads if r.road_id == "KPG-101")
    add(
        "PDAM Kota Kupang",
        "water_pipe",
        "503/IPJ/PUPR-KPG/2021/077",
        "2021-06-30",
        along(kpg101, 20.0, kpg101.line.length - 20.0, 5.0),
    )
    # an overhead drop crossing the pilot road without any permit
    a = next(p for p in right if p.owner == "Iconnet" and p.chainage > 2000)
    b = min(left, key=lambda p: abs(p.chainage - a.chainage))
    add(
        "Iconnet",
        "overhead_cable",
        None,
        "2025-11-05",
        line_through([a.point, b.point]),
        "melintang jalan tanpa izin",
    )
    # a fibre branch leaving the right-of-way into the neighbourhood
    c = next(p for p in right if p.owner == "Telkom" and p.chainage > 5000)
    s = c.chainage
    away = [offset_point(pilot.line, s, -d) for d in (40.0, 120.0, 210.0)]
    away = [c.point, *away]
    add(
        "Telkom",
        "fibre",
        PERMITS_PROV["Telkom"][0],
        "2021-01-18",
        line_through(away),
        "cabang ke perumahan, keluar Rumija",
    )
    return lines


# --------------------------------------------------------------------------- bridges

#: Oelamasi – Oepoli bridges named in press reports (length, all "rusak berat"); the
#: positions along the approximate road are guesses: fraction of the road's length.
REPORTED_BRIDGES = [("Kapsali", 100.0, 0.42), ("Termanu", 100.0, 0.58), ("Nunpisa", 30.0, 0.74)]


def build_bridges(roads: list[Road], desa, seed: int) -> list[list]:
    road = {r.road_id: r for r in roads}
    oo = road["NTT-002"]
    bipolo = desa.loc[desa["nama"] == "Bipolo"].geometry.iloc[0].centroid
    s_bipolo = oo.line.project(Point(to_metric([(bipolo.x, bipolo.y)])[0]))
    reported = [("Bipolo", 25.0, s_bipolo / oo.line.length)] + REPORTED_BRIDGES
    reported.sort(key=lambda b: b[2])
    approx = source_text(seed, "approximate position, synthetic")
    rows = []
    for seq, (name, length, frac) in enumerate(reported, start=1):
        lon, lat = lonlat(oo.line.interpolate(frac * oo.line.length))
        rows.append(
            [f"5301.2.002.{seq:03d}", f"Jembatan {name}", "NTT-002", length, "", "", "", "",
             3, "", dms(lat, "N", "S", "symbol"), dms(lon, "E", "W", "symbol"),
             "rusak berat (laporan media); kondisi NK 3 = rusak berat", approx]
        )  # fmt: skip
    synthetic = source_text(seed)
    pilot, kpg101 = road["NTT-001"], road["KPG-101"]
    for bridge_id, name, r, s, length, width, spans, kind, year, nk, when in [
        ("5371.2.001.001", "Jembatan Liliba", pilot, 4420.0, 42.0, 14.0, 2,
         "beton bertulang", 1996, 1, "2025-09-10"),
        ("5371.4.101.001", "Jembatan Oebufu", kpg101, 1080.0, 12.0, 9.0, 1,
         "plat beton", 2004, 2, "2025-09-11"),
    ]:  # fmt: skip
        lon, lat = lonlat(r.line.interpolate(s))
        rows.append(
            [bridge_id, name, r.road_id, length, width, spans, kind, year, nk, when,
             f"{lat:.6f}", f"{lon:.6f}", "", synthetic]
        )  # fmt: skip
    return rows


BRIDGE_HEADER = [
    "bridge_id",
    "nama",
    "road_id",
    "length_m",
    "width_m",
    "spans",
    "structure_type",
    "year_built",
    "condition_nk",
    "inspected_on",
    "lintang",
    "bujur",
    "keterangan",
    "source",
]


# --------------------------------------------------------------------------- monuments

#: A point inside Desa Nitneo (kode 53.01.05.2009), checked against the boundary file.
NITNEO_POINT = (123.5316, -10.2253)


def build_monuments(roads: list[Road], desa, seed: int):
    nitneo = desa.loc[desa["kode"] == "53.01.05.2009"].geometry.iloc[0]
    pancasila = Point(NITNEO_POINT)
    if not nitneo.contains(pancasila):
        raise RuntimeError(f"{NITNEO_POINT} is not inside Desa Nitneo")
    pilot = next(r for r in roads if r.road_id == "NTT-001")
    # a 12 m x 12 m gateway monument 16 m left of the pilot road, 150 m before its end:
    # it straddles the edge of the right-of-way
    p, t, n = frame_at(pilot.line, pilot.line.length - 150.0)
    c = p + 16.0 * n
    square = [c + a * 6.0 * t + b * 6.0 * n for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    gateway = to_lonlat_geom(Polygon(square))
    q = offset_point(pilot.line, 35.0, -18.0)
    return [
        (
            {
                "monument_id": "MON-001",
                "name": "Monumen Pancasila",
                "kind": "monumen",
                "status": "stalled",
                "estimated_cost_rp": 17000000000,
                "funding": "APBD Provinsi NTT; revitalisation estimate raised from "
                "Rp13 billion to Rp17 billion (press reports)",
                "tinggi_m": 50,
                "source": "approximate position (a point inside Desa Nitneo, Kupang Barat; "
                "boundary cahyadsn/wilayah_boundaries); attributes from press reports",
            },
            pancasila,
        ),
        (
            {
                "monument_id": "MON-002",
                "name": "Tugu Gerbang Bandara El Tari",
                "kind": "tugu",
                "status": "complete",
                "estimated_cost_rp": 1250000000,
                "funding": "APBD Provinsi NTT 2019",
                "tinggi_m": 9,
                "source": source_text(seed),
            },
            gateway,
        ),
        (
            {
                "monument_id": "MON-003",
                "name": "Tugu Simpang Polda",
                "kind": "tugu",
                "status": "planned",
                "estimated_cost_rp": 850000000,
                "funding": "usulan APBD Kota Kupang 2027",
                "tinggi_m": 7,
                "source": source_text(seed),
            },
            Point(lonlat(q)),
        ),
    ]


# --------------------------------------------------------------------------- parcels

PARCEL_FROM_M, PARCEL_TO_M = 2000.0, 4500.0
PARCEL_LEFT_M, PARCEL_RIGHT_M = 14.0, 15.0


def build_parcels(roads: list[Road], seed: int):
    pilot = next(r for r in roads if r.road_id == "NTT-001")
    ss = list(np.arange(PARCEL_FROM_M, PARCEL_TO_M, 50.0)) + [PARCEL_TO_M]
    left = [offset_point(pilot.line, float(s), PARCEL_LEFT_M) for s in ss]
    right = [offset_point(pilot.line, float(s), -PARCEL_RIGHT_M) for s in ss]
    ring = Polygon([(p.x, p.y) for p in left + right[::-1]])
    return [
        (
            {
                "parcel_id": "PARCEL-001",
                "road_id": "NTT-001",
                "certificate_no": "Hak Pakai No. 00017/Liliba",
                "keterangan": "Rumija bersertifikat STA 2+000 – 4+500",
                "source": source_text(seed, "synthetic, not a real certificate"),
            },
            to_lonlat_geom(ring),
        )
    ]


# --------------------------------------------------------------------------- checks


def check_on_land(roads: list[Road], desa) -> None:
    """Every road vertex lies inside its kabupaten/kota in the boundary file."""
    for road in roads:
        area = shapely.union_all(desa.loc[desa["nama_kab"] == road.kabupaten].geometry.values)
        geom = to_lonlat_geom(road.line)
        outside = [c for c in geom.coords if not area.covers(Point(c))]
        if outside:
            raise RuntimeError(f"{road.road_id}: {len(outside)} vertices outside {road.kabupaten}")


# --------------------------------------------------------------------------- main


def generate(out: Path, *, seed: int = SEED) -> dict[str, int]:
    """Write every file into ``out``; return the feature count per file."""
    rng = random.Random(seed)
    desa = pyogrio.read_dataframe(DESA_FILE)
    roads = build_roads()
    check_on_land(roads, desa)
    poles = build_poles(rng, roads)
    rows, errors = pole_rows(rng, poles, seed)
    lines = build_lines(rng, roads, poles, seed)

    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    counts["roads.geojson"] = write_geojson(
        out / "roads.geojson",
        [
            (
                {
                    "road_id": r.road_id,
                    "name": r.name,
                    "status": r.status,
                    "function": r.function,
                    "network": r.network,
                    "road_class": r.road_class,
                    "rumija_m": r.rumija_m,
                    "sta_start_m": 0.0,
                    "surface": r.surface,
                    "condition": r.condition,
                    "kabupaten": r.kabupaten,
                    "source": source_text(seed, r.source_kind),
                },
                to_lonlat_geom(r.line),
            )
            for r in roads
        ],
        name="roads",
    )
    counts["poles.csv"] = write_csv(out / "poles.csv", POLE_HEADER, rows)
    counts["bridges.csv"] = write_csv(
        out / "bridges.csv", BRIDGE_HEADER, build_bridges(roads, desa, seed)
    )
    counts["monuments.kml"] = write_kml(
        out / "monuments.kml", build_monuments(roads, desa, seed), document="monuments"
    )
    counts["utility_lines.geojson"] = write_geojson(
        out / "utility_lines.geojson",
        [
            ({"line_id": f"LINE-{i:06d}", **{k: v for k, v in ln.items() if k != "geometry"}},
             ln["geometry"])
            for i, ln in enumerate(lines, start=1)
        ],
        name="utility_lines",
    )  # fmt: skip
    counts["parcels.geojson"] = write_geojson(
        out / "parcels.geojson", build_parcels(roads, seed), name="parcels"
    )
    counts["photos"] = len(draw_photos(poles, out / "photos"))
    counts["deliberate pole errors"] = len(errors)
    for pole_id, error in errors.items():
        print(f"  deliberate error: {pole_id}: {error}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "kupang", help="output directory")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default 2026)")
    args = parser.parse_args()
    counts = generate(args.out, seed=args.seed)
    for name, n in counts.items():
        print(f"{name}: {n}")


if __name__ == "__main__":
    main()
