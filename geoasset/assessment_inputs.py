"""Inputs of the assessment as arrays: the corridors checked and prepared (what depends on
their shapes alone kept with the layer), and the asset layers merged.
"""

from __future__ import annotations

import logging
import time
import weakref
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.assessment_arrays import (
    _choice,
    _ordinals,
    _sta_labels,
    _text,
)
from geoasset.assessment_result import (
    _LAYERS,
    CORRIDOR_COLUMNS,
)
from geoasset.assessment_space import _Space
from geoasset.crs import metric_crs, parse_crs, require_metric
from geoasset.errors import SchemaError, ValidationProblem
from geoasset.tariffs import OBJECTS

log = logging.getLogger("geoasset.assessment")


class _Clock:
    """Seconds per stage, logged at debug level."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now
        log.debug("%s: %.2f s", name, self.laps[name])

    @property
    def total(self) -> float:
        return self.last - self.start


@dataclass
class _Corridors:
    """The corridors as arrays: ids, string rank, shapes (stored CRS), tree, attributes."""

    ids: pd.Series
    rank: np.ndarray  # string order of corridor_id: settles shared boundaries
    order: np.ndarray  # display order: road, chainage, corridor_id
    geoms: np.ndarray
    tree: shapely.STRtree
    text: dict[str, pd.Series]
    status_code: np.ndarray
    status_values: list
    class_code: np.ndarray
    class_values: list
    #: the layer's shapes, their tree and the boundary pieces of the nearest-corridor
    #: search, kept with the layer (:func:`_layer_cache`)
    cache: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


def _check_corridors(corridors) -> None:
    if corridors is None or len(corridors) == 0:
        raise SchemaError(
            "corridors", [ValidationProblem(None, None, "no corridors; build them first")]
        )
    problems = [
        ValidationProblem(None, c, "column is missing")
        for c in CORRIDOR_COLUMNS
        if c not in corridors.columns
    ]
    if corridors.crs is None:
        problems.append(ValidationProblem(None, "geometry", "layer has no CRS"))
    if "corridor_id" in corridors.columns:
        ids = _text(corridors["corridor_id"], len(corridors))
        for pos in np.flatnonzero(ids.isna().to_numpy())[:10]:
            problems.append(
                ValidationProblem(int(pos) + 1, "corridor_id", "required value is empty")
            )
        for value in ids[ids.duplicated() & ids.notna()].unique()[:10]:
            problems.append(
                ValidationProblem(None, "corridor_id", f"duplicate corridor_id {value!r}")
            )
    if problems:
        raise SchemaError("corridors", problems)


def _prepare_corridors(corridors: gpd.GeoDataFrame) -> _Corridors:
    n = len(corridors)
    ids = _text(corridors["corridor_id"], n)
    order = ids.argsort(kind="stable").to_numpy()
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(n)
    cache = _layer_cache(corridors)
    geoms = cache["geoms"]
    text = {
        c: _text(corridors[c], n) for c in ("road_id", "kabupaten", "road_status", "road_class")
    }
    if "sta" in corridors.columns:
        text["sta"] = _text(corridors["sta"], n)
    elif {"sta_from_m", "sta_to_m"} <= set(corridors.columns):
        text["sta"] = _sta_labels(corridors["sta_from_m"], corridors["sta_to_m"])
    else:
        text["sta"] = _text(None, n)
    chainage = (
        pd.to_numeric(corridors["sta_from_m"], errors="coerce").to_numpy(dtype="float64")
        if "sta_from_m" in corridors.columns
        else np.zeros(n)
    )
    road = text["road_id"].fillna("").to_numpy(dtype=object)
    display = np.lexsort((rank, np.nan_to_num(chainage, nan=np.inf), _string_rank(road)))
    order = np.empty(n, dtype="int64")
    order[display] = np.arange(n)
    status = _choice(text["road_status"])
    klass = _choice(text["road_class"])
    status_code, status_values = pd.factorize(status)
    class_code, class_values = pd.factorize(klass)
    return _Corridors(
        ids=ids,
        rank=rank,
        order=order,
        geoms=geoms,
        tree=cache["tree"],
        text=text,
        status_code=status_code.astype("int64") + 1,
        status_values=[None, *status_values],
        class_code=class_code.astype("int64") + 1,
        class_values=[None, *class_values],
        cache=cache,
    )


#: What the assessment derives from a corridors layer's shapes alone, kept as long as the
#: layer's spatial index (geopandas drops the index when a geometry changes): a second
#: assessment against the same corridors (a what-if on the tariffs) reuses it.
_LAYER_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _layer_cache(corridors: gpd.GeoDataFrame) -> dict:
    """The shapes of ``corridors`` and their tree (``geoms``, ``tree``), kept with the
    layer's spatial index; the nearest-corridor search adds its boundary pieces."""
    index = corridors.sindex
    cache = _LAYER_CACHE.get(index)
    if cache is None:
        # copies of the shapes, prepared once (GEOS indexes each polygon's edges when
        # first used; the poles are placed by querying with the corridors); the caller's
        # shapes are left as they are
        geoms = shapely.force_2d(corridors.geometry.values.to_numpy())
        shapely.prepare(geoms)
        cache = {"geoms": geoms, "tree": shapely.STRtree(geoms)}
        _LAYER_CACHE[index] = cache
    return cache


def _string_rank(values: np.ndarray) -> np.ndarray:
    _, inverse = np.unique(values.astype(str), return_inverse=True)
    return inverse.reshape(-1)


def _choose_crs(corridors: gpd.GeoDataFrame, crs) -> pyproj.CRS:
    if crs is not None:
        return require_metric(crs)
    if "metric_crs" in corridors.columns:
        values = {v for v in corridors["metric_crs"].dropna().astype(str).unique() if v.strip()}
        if len(values) == 1:
            return require_metric(parse_crs(values.pop()))
    return metric_crs(corridors)


@dataclass
class _Assets:
    """Every asset layer as one set of arrays (``layer`` codes index ``names``)."""

    names: list[str]
    objects: list[str]
    measures: list[str]
    layer: np.ndarray
    ids: pd.Series
    owner: pd.Series
    kind: pd.Series
    permit_no: pd.Series
    sta: pd.Series
    present_from: np.ndarray  # ordinal, -1 unknown
    geoms: np.ndarray  # in the corridors' CRS

    def __len__(self) -> int:
        return len(self.layer)

    def range(self, code: int) -> np.ndarray:
        return np.flatnonzero(self.layer == code)


def _assets(frames: dict[str, gpd.GeoDataFrame | None], space: _Space) -> _Assets:
    parts = []
    for name, frame in frames.items():
        if frame is None or len(frame) == 0:
            continue
        if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
            raise SchemaError(name, [ValidationProblem(None, "geometry", "layer has no CRS")])
        id_column, date_column = _LAYERS[name]
        if id_column not in frame.columns and "asset_id" in frame.columns:
            id_column = "asset_id"
        n = len(frame)

        def column(col: str, frame=frame):
            return frame[col] if col in frame.columns else None

        ids = _text(column(id_column), n)
        missing = ids.isna().to_numpy()
        if missing.any():
            ids[missing] = [f"{name}#{i + 1}" for i in np.flatnonzero(missing)]
        geometry = frame.geometry
        if not geometry.crs.equals(space.stored):
            geometry = geometry.to_crs(space.stored)
        parts.append(
            {
                "name": name,
                "ids": ids,
                "owner": _text(column("owner"), n),
                "kind": _choice(_text(column("kind"), n)),
                "permit_no": _text(column("permit_no"), n),
                "sta": _text(column("sta"), n),
                "present_from": _ordinals(column(date_column), n),
                "geoms": geometry.values.to_numpy(),
            }
        )
    names = [p["name"] for p in parts]
    objects = [next(o for o, spec in OBJECTS.items() if spec.layer == name) for name in names]

    def series(key):
        if not parts:
            return _text(None, 0)
        return pd.concat([p[key] for p in parts], ignore_index=True)

    def array(key, dtype):
        return np.concatenate([p[key] for p in parts]) if parts else np.empty(0, dtype=dtype)

    layer = [np.full(len(p["ids"]), i, dtype="int64") for i, p in enumerate(parts)]
    return _Assets(
        names=names,
        objects=objects,
        measures=[OBJECTS[o].measure for o in objects],
        layer=np.concatenate(layer) if parts else np.empty(0, dtype="int64"),
        ids=series("ids"),
        owner=series("owner"),
        kind=series("kind"),
        permit_no=series("permit_no"),
        sta=series("sta"),
        present_from=array("present_from", "int64"),
        geoms=array("geoms", object),
    )


def _ids_unique(assets: _Assets) -> bool:
    """Whether no two assets of a layer share an id."""
    return not any(
        assets.ids[assets.layer == code].duplicated().any() for code in range(len(assets.names))
    )


def _search_distance(value) -> float | None:
    if value is None:
        return None
    try:
        metres = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"search_distance_m must be a number of metres, not {value!r}") from None
    if np.isnan(metres) or metres <= 0:
        raise ValueError(f"search_distance_m must be positive, not {value!r}")
    return None if np.isinf(metres) else metres
