"""Where the assessment tests topology and where it measures (:class:`_Space`), and the
large GEOS calls it splits over threads (:mod:`geoasset.parallel`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geoasset.parallel import map_threads, split

#: Below this many inputs a large GEOS call runs as one call (GEOS runs without Python's
#: lock, so above it two cores give nearly twice the speed).
_THREAD_MIN = 20_000


def _query(
    tree: shapely.STRtree, geoms: np.ndarray, *, minimum: int = _THREAD_MIN, **kwargs
) -> tuple[np.ndarray, np.ndarray]:
    """``tree.query(geoms, ...)`` -> (input index, tree index), in threads when at least
    ``minimum`` inputs."""
    distance = kwargs.pop("distance", None)

    def query(chunk: np.ndarray):
        extra = {}
        if distance is not None:
            extra["distance"] = distance if np.isscalar(distance) else distance[chunk]
        found = tree.query(geoms[chunk], **kwargs, **extra)
        return chunk[found[0]], found[1]

    parts = map_threads(query, split(len(geoms), minimum=minimum))
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _pairwise(
    function, left: np.ndarray, right: np.ndarray, *, minimum: int = _THREAD_MIN
) -> np.ndarray:
    """A vectorised shapely function of two aligned arrays, in threads when at least
    ``minimum`` pairs."""
    parts = map_threads(lambda c: function(left[c], right[c]), split(len(left), minimum=minimum))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


@dataclass
class _Space:
    """Where topology is tested (the corridors' own CRS, as stored) and where lengths,
    areas and distances are measured (the metric CRS).

    Testing in the stored CRS avoids re-projecting a million poles and every corridor;
    only coordinates are projected to measure, and only the few geometries that need it
    (pieces, assets outside) are re-created.
    """

    stored: pyproj.CRS
    metric: pyproj.CRS

    def __post_init__(self) -> None:
        self.same = self.stored.equals(self.metric)
        self.transformer = (
            None
            if self.same
            else pyproj.Transformer.from_crs(self.stored, self.metric, always_xy=True)
        )
        self.wgs84 = self.stored.equals(pyproj.CRS.from_epsg(4326))

    def length(self, geoms: np.ndarray) -> np.ndarray:
        """Metric length of each geometry (points and polygons count 0)."""
        out = np.zeros(len(geoms))
        if len(geoms) == 0:
            return out
        if (shapely.get_type_id(geoms) == 1).all():
            parts, owner = geoms, np.arange(len(geoms))
        else:
            parts, owner = shapely.get_parts(geoms, return_index=True)
            linear = shapely.get_dimensions(parts) == 1
            parts, owner = parts[linear], owner[linear]
        coords, index = shapely.get_coordinates(parts, return_index=True)
        if len(coords) < 2:
            return out
        x, y = coords[:, 0], coords[:, 1]
        if self.transformer is not None:
            x, y = self.transformer.transform(x, y)
        segment = np.hypot(np.diff(x), np.diff(y)) * (index[1:] == index[:-1])
        per_part = np.bincount(index[:-1], weights=segment, minlength=len(parts))
        return np.bincount(owner, weights=per_part, minlength=len(geoms))

    def area(self, geoms: np.ndarray) -> np.ndarray:
        """Metric area of each geometry."""
        if len(geoms) == 0:
            return np.zeros(0)
        return shapely.area(self.to_metric(geoms))

    def to_metric(self, geoms: np.ndarray) -> np.ndarray:
        if self.same or len(geoms) == 0:
            return geoms
        transform = self.transformer.transform
        return shapely.transform(geoms, lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))

    def to_wgs84(self, geoms: np.ndarray) -> np.ndarray:
        if self.wgs84 or len(geoms) == 0:
            return geoms
        return gpd.GeoSeries(geoms, crs=self.stored).to_crs(4326).values.to_numpy()


def _clean_collections(geoms: np.ndarray, dimension: int) -> np.ndarray:
    """GeometryCollections from intersections reduced to their parts of ``dimension``."""
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):
        parts = shapely.get_parts(geoms[i])
        parts = shapely.get_parts(parts[shapely.get_dimensions(parts) == dimension])
        if dimension == 1:
            geoms[i] = shapely.line_merge(shapely.multilinestrings(parts))
        else:
            geoms[i] = shapely.multipolygons(parts)
    return geoms


def _usable(geoms: np.ndarray) -> np.ndarray:
    """Positions of the geometries that are neither missing nor empty."""
    return np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
