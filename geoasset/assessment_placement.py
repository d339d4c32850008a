"""Which corridor holds which asset and how much of it: poles in the corridor covering
them, lines and areas cut by corridor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geoasset.assessment_arrays import _first_per_group
from geoasset.assessment_inputs import (
    _Assets,
    _Corridors,
)
from geoasset.assessment_space import (
    _THREAD_MIN,
    _clean_collections,
    _pairwise,
    _query,
    _Space,
    _usable,
)


@dataclass
class _Pieces:
    """Asset pieces inside corridors: one per asset per corridor it lies in."""

    asset: np.ndarray
    corridor: np.ndarray
    quantity: np.ndarray  # units / m / m², unrounded
    geometry: np.ndarray  # EPSG:4326
    whole: np.ndarray  # the whole asset lies in this corridor

    def select(self, mask: np.ndarray) -> _Pieces:
        return _Pieces(*(getattr(self, f)[mask] for f in _PIECE_FIELDS))

    @classmethod
    def concat(cls, pieces: list[_Pieces]) -> _Pieces:
        if not pieces:
            return cls(*(np.empty(0, dtype=d) for d in ("int64", "int64", "f8", object, bool)))
        return cls(*(np.concatenate([getattr(p, f) for p in pieces]) for f in _PIECE_FIELDS))


_PIECE_FIELDS = ("asset", "corridor", "quantity", "geometry", "whole")


def _place_points(
    index: np.ndarray, assets: _Assets, corridors: _Corridors, space: _Space
) -> _Pieces:
    """Each point in the corridor covering it (smallest corridor_id on a shared edge)."""
    index = index[_usable(assets.geoms[index])]
    tree = shapely.STRtree(assets.geoms[index])
    # each corridor tests the points near it: worth a thread once the points are many
    minimum = 0 if len(index) >= _THREAD_MIN else _THREAD_MIN
    corridor, point = _query(tree, corridors.geoms, predicate="intersects", minimum=minimum)
    point, corridor = _first_per_group(index[point], corridors.rank[corridor], corridor)
    return _Pieces(
        asset=point,
        corridor=corridor,
        quantity=np.ones(len(point)),
        geometry=space.to_wgs84(assets.geoms[point]),
        whole=np.ones(len(point), dtype=bool),
    )


def _place_shapes(
    index: np.ndarray, measure_name: str, assets: _Assets, corridors: _Corridors, space: _Space
) -> tuple[_Pieces, np.ndarray]:
    """Pieces of lines (areas) per corridor, and each asset's length (area) outside all."""
    measure = space.length if measure_name == "length" else space.area
    dimension = 1 if measure_name == "length" else 2
    index = index[_usable(assets.geoms[index])]
    geoms = assets.geoms
    n = len(assets)
    total = np.zeros(n)
    total[index] = measure(geoms[index])

    # 1. Wholly inside one corridor: the full measure, no intersection computed.
    tree = shapely.STRtree(geoms[index])
    corridor, asset = _query(tree, corridors.geoms, predicate="contains_properly")
    asset, corridor = _first_per_group(index[asset], corridors.rank[corridor], corridor)
    whole = np.zeros(n, dtype=bool)
    whole[asset] = True

    # 2. The rest: intersect with each corridor they touch.
    rest = index[~whole[index]]
    part_asset, part_corridor = _query(corridors.tree, geoms[rest], predicate="intersects")
    part_asset = rest[part_asset]
    parts = _pairwise(shapely.intersection, geoms[part_asset], corridors.geoms[part_corridor])
    amount = measure(parts)
    inside = np.bincount(part_asset, weights=amount, minlength=n)
    doubled = np.zeros(n, dtype=bool)
    doubled[rest] = inside[rest] > total[rest] * (1 + 1e-9) + 1e-9
    if doubled.any():
        # Corridors sharing a stretch of boundary (or overlapping): the smallest
        # corridor_id takes the shared part, the next one what is left, and so on.
        redo = doubled[part_asset]
        order = np.lexsort((corridors.rank[part_corridor[redo]], part_asset[redo]))
        redo_asset, redo_corridor = part_asset[redo][order], part_corridor[redo][order]
        redo_parts = np.empty(len(redo_asset), dtype=object)
        remaining: dict[int, object] = {}
        for k, (a, c) in enumerate(zip(redo_asset.tolist(), redo_corridor.tolist(), strict=True)):
            left = remaining.get(a, geoms[a])
            redo_parts[k] = shapely.intersection(left, corridors.geoms[c])
            remaining[a] = shapely.difference(left, corridors.geoms[c])
        part_asset = np.concatenate([part_asset[~redo], redo_asset])
        part_corridor = np.concatenate([part_corridor[~redo], redo_corridor])
        parts = np.concatenate([parts[~redo], redo_parts])
        amount = measure(parts)
        inside = np.bincount(part_asset, weights=amount, minlength=n)
    keep = amount > 0
    part_asset, part_corridor = part_asset[keep], part_corridor[keep]
    parts, amount = _clean_collections(parts[keep], dimension), amount[keep]
    outside = np.zeros(n)
    outside[rest] = np.clip(total[rest] - inside[rest], 0.0, None)
    pieces = _Pieces(
        asset=np.concatenate([asset, part_asset]),
        corridor=np.concatenate([corridor, part_corridor]),
        quantity=np.concatenate([total[asset], amount]),
        geometry=space.to_wgs84(np.concatenate([geoms[asset], parts])),
        whole=np.concatenate([np.ones(len(asset), bool), np.zeros(len(part_asset), bool)]),
    )
    return pieces, outside
