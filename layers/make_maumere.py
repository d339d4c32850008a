"""Convert the OpenStreetMap roads of Maumere (Kab. Sikka) into the geoasset roads schema.

Input: the OSM extract ``maumere_osm_roads.geojson`` (156 ways, taken from
``test/roads_Maumere.shp`` of github.com/inasafe/inasafe_data; the original shapefile
works as input too). Output, committed in ``layers/maumere/``:

- ``roads.geojson``: every way the OSM mapping takes as a road, in the roads schema;
- ``excluded/non_road_ways.geojson``: the ways without a ``highway`` tag (a river, a
  canal, a runway and a taxiway);
- ``excluded/non_vehicle_ways.geojson``: the ways whose ``highway`` value the mapping
  does not take as a road (footways, pedestrian ways), with the reason;

so that nothing of the source is lost. The ``highway`` → ``road_class`` / ``function``
mapping is geoasset's own (:mod:`geoasset.osm`, documented in the README), the one
``geoasset import`` applies to raw OSM roads; it is an assumption.
© OpenStreetMap contributors, ODbL 1.0.

Usage::

    python layers/make_maumere.py --src maumere_osm_roads.geojson [--out layers/maumere]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pyogrio
from layerio import write_geojson

from geoasset.osm import HIGHWAY_CLASSES, exclusion_message

SOURCE = (
    "© OpenStreetMap contributors, ODbL 1.0; OSM extract c. 2011-2012 "
    "via inasafe/inasafe_data test/roads_Maumere.shp"
)
KABUPATEN = "Kabupaten Sikka"


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def convert(src: Path, out: Path) -> tuple[int, int, int]:
    """Write the three output files; return (roads, non-road ways, non-vehicle ways)."""
    frame = pyogrio.read_dataframe(src)
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        frame = frame.set_crs(4326, allow_override=True) if frame.crs is None else frame
        frame = frame.to_crs(4326)
    roads, others, non_vehicle = [], [], []
    for row in frame.itertuples(index=False):
        highway = _text(getattr(row, "highway", None))
        osm_id = int(row.osm_id)
        if highway is None:
            props = {
                "osm_id": osm_id,
                "aeroway": _text(getattr(row, "aeroway", None)),
                "waterway": _text(getattr(row, "waterway", None)),
                "reason": "no highway tag: not a road",
                "source": SOURCE,
            }
            others.append((props, row.geometry))
            continue
        if highway not in HIGHWAY_CLASSES:
            raise SystemExit(f"osm_id {osm_id}: highway={highway!r} has no road_class mapping")
        mapped = HIGHWAY_CLASSES[highway]
        if mapped.road_class is None:
            props = {
                "osm_id": osm_id,
                "highway": highway,
                "name": _text(getattr(row, "name", None)),
                "reason": exclusion_message(highway, mapped.excluded),
                "source": SOURCE,
            }
            non_vehicle.append((props, row.geometry))
            continue
        props = {
            "road_id": f"OSM-{osm_id}",
            "name": _text(getattr(row, "name", None)),
            "status": mapped.status,
            "function": mapped.function,
            "network": mapped.network,
            "road_class": mapped.road_class,
            "rumija_m": None,
            "sta_start_m": 0.0,
            "surface": None,
            "condition": None,
            "kabupaten": KABUPATEN,
            "source": SOURCE,
            "osm_id": osm_id,
            "highway": highway,
            "osm_bridge": _text(getattr(row, "bridge", None)),
            "osm_layer": _text(getattr(row, "layer", None)),
            "osm_oneway": _text(getattr(row, "oneway", None)),
        }
        roads.append((props, row.geometry))
    out.mkdir(parents=True, exist_ok=True)
    (out / "excluded").mkdir(exist_ok=True)
    n_roads = write_geojson(out / "roads.geojson", roads, name="roads")
    n_other = write_geojson(
        out / "excluded" / "non_road_ways.geojson", others, name="non_road_ways"
    )
    n_foot = write_geojson(
        out / "excluded" / "non_vehicle_ways.geojson", non_vehicle, name="non_vehicle_ways"
    )
    return n_roads, n_other, n_foot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="maumere_osm_roads.geojson")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "maumere", help="output directory"
    )
    args = parser.parse_args()
    n_roads, n_other, n_foot = convert(args.src, args.out)
    print(
        f"wrote {n_roads} roads, {n_other} non-road ways and {n_foot} ways not for "
        f"vehicles to {args.out}"
    )


if __name__ == "__main__":
    main()
