"""Byte-deterministic writers for the reference files in ``layers/``.

The generators (``make_kupang.py``, ``make_maumere.py``) write their output with these
functions instead of GDAL so that a re-run gives exactly the same bytes whatever the
GDAL version: GeoJSON (RFC 7946, one feature per line, coordinates rounded to
:data:`DECIMALS` places), CSV (UTF-8, ``\\n`` line ends) and KML 2.2 with
``ExtendedData``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

__all__ = ["DECIMALS", "round_coords", "write_geojson", "write_csv", "write_kml"]

#: Decimal places of every coordinate written (1e-6 degree is about 0.1 m).
DECIMALS = 6


def round_coords(coords):
    """Round a nested coordinate sequence to :data:`DECIMALS` places."""
    if isinstance(coords, (int, float)):
        value = round(float(coords), DECIMALS)
        return 0.0 if value == 0 else value
    return [round_coords(c) for c in coords]


def _geometry_json(geom: BaseGeometry) -> dict:
    geo = mapping(geom)
    return {"type": geo["type"], "coordinates": round_coords(geo["coordinates"])}


def write_geojson(
    path: Path,
    features: Iterable[tuple[Mapping[str, object], BaseGeometry]],
    *,
    name: str,
) -> int:
    """Write ``(properties, geometry)`` pairs as an RFC 7946 FeatureCollection.

    Returns the number of features written.
    """
    lines = []
    for props, geom in features:
        feature = {"type": "Feature", "properties": dict(props), "geometry": _geometry_json(geom)}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps(
        {"type": "FeatureCollection", "name": name}, ensure_ascii=False, separators=(",", ":")
    )[:-1]
    text = head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    Path(path).write_text(text, encoding="utf-8")
    return len(lines)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a UTF-8 CSV with ``\\n`` line ends; ``None`` is written as an empty cell."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def _kml_coords(coords) -> str:
    return " ".join(f"{x:.{DECIMALS}f},{y:.{DECIMALS}f}" for x, y, *_ in coords)


def _kml_geometry(geom: BaseGeometry) -> str:
    if geom.geom_type == "Point":
        return f"<Point><coordinates>{_kml_coords(geom.coords)}</coordinates></Point>"
    if geom.geom_type == "LineString":
        return f"<LineString><coordinates>{_kml_coords(geom.coords)}</coordinates></LineString>"
    if geom.geom_type == "Polygon":
        rings = [
            "<outerBoundaryIs><LinearRing><coordinates>"
            f"{_kml_coords(geom.exterior.coords)}</coordinates></LinearRing></outerBoundaryIs>"
        ]
        rings += [
            "<innerBoundaryIs><LinearRing><coordinates>"
            f"{_kml_coords(r.coords)}</coordinates></LinearRing></innerBoundaryIs>"
            for r in geom.interiors
        ]
        return "<Polygon>" + "".join(rings) + "</Polygon>"
    raise ValueError(f"KML writer: unsupported geometry {geom.geom_type!r}")


def write_kml(
    path: Path,
    placemarks: Iterable[tuple[Mapping[str, object], BaseGeometry]],
    *,
    document: str,
    name_field: str = "name",
) -> int:
    """Write placemarks as KML 2.2; ``name_field`` becomes ``<name>``, the rest ``<Data>``."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        "<Document>",
        f"<name>{escape(document)}</name>",
    ]
    count = 0
    for props, geom in placemarks:
        parts.append("<Placemark>")
        parts.append(f"<name>{escape(str(props.get(name_field, '')))}</name>")
        parts.append("<ExtendedData>")
        for key, value in props.items():
            if key == name_field:
                continue
            text = "" if value is None else escape(str(value))
            parts.append(f'<Data name="{escape(key)}"><value>{text}</value></Data>')
        parts.append("</ExtendedData>")
        parts.append(_kml_geometry(geom))
        parts.append("</Placemark>")
        count += 1
    parts += ["</Document>", "</kml>", ""]
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    return count
