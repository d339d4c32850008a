"""GPX and KML coordinates checked as written, before GDAL's lenient reading is trusted.

GDAL reads a GPX ``lat="abc"`` as 0 and ``lat="-10,17"`` as -10, skips a waypoint
without ``lat``, and reads KML ``<coordinates>abc,-10.17</coordinates>`` as longitude 0.
:func:`strict_gpx` and :func:`strict_kml` read the XML themselves (no entities, no
network), check every coordinate, and return the layer GDAL read with the features whose
coordinates are wrong left without geometry, each with the reason; a waypoint GDAL
skipped comes back as a row without geometry, so every element read is counted.

Examples
--------
>>> _gpx_point_problem({"lat": "-10,17"}, "lat")
"lat '-10,17' is not a number (GPX writes e.g. -10.1702)"
>>> _kml_problem("123.6,-10.17 abc,-10.17")
"point 2: 'abc,-10.17' is not lon,lat (KML writes e.g. 123.6,-10.17)"
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np

from geoasset.errors import SourceError, ValidationProblem

__all__ = ["strict_gpx", "strict_kml"]

logger = logging.getLogger(__name__)


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


#: A GPX coordinate: an xsd:decimal (a decimal point, no exponent, no comma).
_GPX_DECIMAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")
#: GDAL's GPX layer -> (element of one feature, elements holding its coordinates).
_GPX_ELEMENTS = {
    "waypoints": ("wpt", ("wpt",)),
    "routes": ("rte", ("rtept",)),
    "tracks": ("trk", ("trkpt",)),
    "route_points": ("rtept", ("rtept",)),
    "track_points": ("trkpt", ("trkpt",)),
}


def _xml_bytes(path: Path, target: str) -> bytes:
    """The XML text of a GPX or KML source (inside a zip, or a KMZ's main document)."""
    if target.startswith("/vsizip/"):
        member = target[len(f"/vsizip/{path.resolve()}/") :]
        with zipfile.ZipFile(path) as archive:
            return archive.read(member)
    if path.suffix.lower() == ".kmz":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".kml")]
            main = "doc.kml" if "doc.kml" in names else names[0]
            return archive.read(main)
    return path.read_bytes()


def _parse_xml(path: Path, target: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(_xml_bytes(path, target), parser)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, IndexError) as exc:
        raise SourceError(f"{path}: not a well-formed file ({exc})") from None


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


#: A KML coordinate tuple: lon,lat[,altitude], no spaces inside, decimal points.
_KML_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_KML_TUPLE = re.compile(rf"^({_KML_NUMBER}),({_KML_NUMBER})(?:,{_KML_NUMBER})?$")


def _kml_problem(text: str) -> str | None:
    """Why a KML ``<coordinates>`` text is not a list of lon,lat[,alt] tuples, else None."""
    tuples = text.split()
    if not tuples:
        return "coordinates are empty"
    for number, item in enumerate(tuples, start=1):
        match = _KML_TUPLE.match(item)
        where = f"point {number}: " if len(tuples) > 1 else ""
        if match is None:
            return f"{where}{_short(item)} is not lon,lat (KML writes e.g. 123.6,-10.17)"
        lon, lat = float(match.group(1)), float(match.group(2))
        if not (abs(lon) <= 180 and abs(lat) <= 90):
            return f"{where}{_short(item)} is outside longitude ±180 / latitude ±90"
    return None


def strict_kml(
    path: Path, target: str, layer: str, frame: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[ValidationProblem]]:
    """GDAL reads KML coordinates ``abc,-10.17`` as longitude 0. Check every
    ``<coordinates>`` of each placemark as written; a placemark with a bad one keeps
    no geometry and gets the reason."""
    root = _parse_xml(path, target)
    placemarks = [e for e in root.iter() if _local(e) == "Placemark"]
    if len(placemarks) != len(frame):  # several folders: the placemarks of this one

        def folder(element) -> str | None:
            for parent in element.iterancestors():
                if _local(parent) in ("Folder", "Document"):
                    names = [c for c in parent if _local(c) == "name"]
                    return (names[0].text or "").strip() if names else None
            return None

        placemarks = [p for p in placemarks if folder(p) == layer]
    if len(placemarks) != len(frame):
        logger.warning(
            "%s: layer %r: %d features but %d placemarks found; coordinates are taken "
            "as GDAL reads them",
            path.name,
            layer,
            len(frame),
            len(placemarks),
        )
        return frame, []
    problems = []
    bad = np.zeros(len(frame), bool)
    for pos, placemark in enumerate(placemarks):
        for element in placemark.iter():
            if _local(element) == "coordinates":
                problem = _kml_problem(element.text or "")
                if problem is not None:
                    problems.append(ValidationProblem(pos + 1, "coordinates", problem))
                    bad[pos] = True
                    break
    if bad.any():
        geometry = np.asarray(frame.geometry.values, dtype=object).copy()
        geometry[bad] = None
        frame = frame.set_geometry(gpd.GeoSeries(geometry, crs=frame.crs).values)
    return frame, problems


def _gpx_point_problem(element, axis: str) -> str | None:
    """Why ``element``'s ``lat`` or ``lon`` attribute is not a coordinate, else None."""
    text = element.get(axis)
    limit = 90.0 if axis == "lat" else 180.0
    if text is None:
        return f"{axis} is missing"
    if not _GPX_DECIMAL.match(text):
        return f"{axis} {_short(text)} is not a number (GPX writes e.g. -10.1702)"
    if abs(float(text)) > limit:
        return f"{axis} {text.strip()} is outside ±{limit:g}"
    return None


def strict_gpx(
    path: Path, target: str, layer: str, frame: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[ValidationProblem]]:
    """GDAL reads a GPX ``lat="abc"`` as 0 and ``lat="-10,17"`` as -10, and skips a
    waypoint without ``lat``. Check every coordinate as written; a feature with a bad
    one keeps no geometry and gets the reason, and a skipped waypoint comes back as a
    row without geometry, so every element read is counted."""
    if layer not in _GPX_ELEMENTS:
        return frame, []
    feature_tag, point_tags = _GPX_ELEMENTS[layer]
    root = _parse_xml(path, target)
    features = [e for e in root.iter() if _local(e) == feature_tag]
    reasons: list[list[str]] = []
    kept: list[bool] = []
    for feature in features:
        points = (
            [feature]
            if feature_tag in point_tags
            else [e for e in feature.iter() if _local(e) in point_tags]
        )
        found = []
        for number, point in enumerate(points, start=1):
            for axis in ("lat", "lon"):
                problem = _gpx_point_problem(point, axis)
                if problem is not None:
                    where = "" if point is feature else f"{point_tags[0]} {number}: "
                    found.append((axis, where + problem))
        reasons.append(found)
        # GDAL drops a point element lacking lat or lon, and a route or track keeps its rows
        kept.append(
            feature_tag not in point_tags
            or (feature.get("lat") is not None and feature.get("lon") is not None)
        )
    positions = np.flatnonzero(kept)
    if len(positions) != len(frame):
        raise SourceError(
            f"{path}: layer {layer!r}: {len(features)} <{feature_tag}> elements, "
            f"{len(frame)} read; cannot check their coordinates"
        )
    labels = np.full(len(features), -1)
    labels[positions] = np.arange(len(frame))
    full = frame.reindex(labels).reset_index(drop=True)
    full = gpd.GeoDataFrame(full, geometry=frame.geometry.name, crs=frame.crs)
    problems = []
    bad = np.zeros(len(full), bool)
    for pos, found in enumerate(reasons):
        for axis, message in found:
            problems.append(ValidationProblem(pos + 1, axis, message))
        bad[pos] = bool(found)
    if bad.any():
        geometry = np.asarray(full.geometry.values, dtype=object).copy()
        geometry[bad] = None
        full = full.set_geometry(gpd.GeoSeries(geometry, crs=frame.crs).values)
    return full, problems
