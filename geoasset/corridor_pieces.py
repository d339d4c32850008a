"""Chainage pieces of the corridors (``split_every``): each corridor cut into pieces
``STA 0+000 – 1+000``, ... by lines perpendicular to its centreline (see
:mod:`geoasset.corridors`, "Chainage pieces").
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

from geoasset.overlays import _grouped_union, _ranks

#: logged as the corridors it belongs to
log = logging.getLogger("geoasset.corridors")


# -- chainage pieces -----------------------------------------------------------------
def _split(
    corridors: np.ndarray,
    lines: np.ndarray,
    sta_start: np.ndarray,
    reach: np.ndarray,
    every: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut corridors at every multiple of ``every`` metres of chainage.

    Returns (corridor index, sta_from, sta_to, geometry) per piece, in corridor order.
    ``reach`` is how far from its centreline a corridor's land can lie.
    """
    length = shapely.length(lines)
    end = sta_start + length
    first_cut = (np.floor(sta_start / every) + 1) * every
    count = np.maximum(np.ceil((end - first_cut) / every), 0).astype("int64")
    # A cut at (or within a millimetre of) the road's end is no cut.
    last = first_cut + (count - 1) * every
    count -= (count > 0) & (last >= end - 1e-3)

    whole = np.flatnonzero(count == 0)
    out_index = [whole]
    out_from = [sta_start[whole]]
    out_to = [end[whole]]
    out_geom = [corridors[whole]]

    cut = np.flatnonzero(count > 0)
    if len(cut):
        owner = np.repeat(cut, count[cut])
        station = first_cut[owner] + _ranks(count[cut]) * every
        along = station - sta_start[owner]
        line = lines[owner]
        here = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
        back = shapely.get_coordinates(
            shapely.line_interpolate_point(line, np.maximum(along - 1e-3, 0))
        )
        d = here - back
        d /= np.hypot(d[:, 0], d[:, 1])[:, None]
        normal = np.stack([-d[:, 1], d[:, 0]], axis=1) * (reach[owner] + 1.0)[:, None]
        blades = shapely.linestrings(np.stack([here - normal, here + normal], axis=1))
        edges = shapely.get_parts(shapely.boundary(corridors[cut]), return_index=True)
        parts = np.concatenate([edges[0], blades])
        part_owner = np.concatenate([cut[edges[1]], owner])
        slot = np.searchsorted(cut, part_owner)
        order = np.argsort(slot, kind="stable")
        linework = shapely.node(shapely.multilinestrings(parts[order], indices=slot[order]))
        faces, face_slot = shapely.get_parts(
            shapely.polygonize(linework[:, None]), return_index=True
        )
        inside = shapely.point_on_surface(faces)
        keep = shapely.intersects(corridors[cut[face_slot]], inside)
        faces, face_slot, inside = faces[keep], face_slot[keep], inside[keep]
        road = cut[face_slot]
        chain = sta_start[road] + shapely.line_locate_point(lines[road], inside)
        piece = np.clip(np.floor(chain / every), np.floor(sta_start[road] / every), None)
        piece = np.minimum(piece, np.floor(sta_start[road] / every) + count[road])
        keys, group = np.unique(np.column_stack([face_slot, piece]), axis=0, return_inverse=True)
        group = group.ravel()
        merged = _grouped_union(faces, group, len(keys), coverage=True)
        k_road = cut[keys[:, 0].astype("int64")]
        k_from = np.maximum(keys[:, 1] * every, sta_start[k_road])
        k_to = np.minimum((keys[:, 1] + 1) * every, end[k_road])
        # Keep the cut only where the faces rebuild the corridor (they always should).
        got = np.bincount(np.searchsorted(cut, k_road), shapely.area(merged), minlength=len(cut))
        want = shapely.area(corridors[cut])
        good = np.abs(got - want) <= 1e-6 * np.maximum(want, 1.0)
        if not good.all():
            log.warning(
                "could not cut %d corridor(s) into chainage pieces; kept whole: %s",
                int((~good).sum()),
                ", ".join(map(str, cut[~good][:20])),
            )
        ok_piece = good[np.searchsorted(cut, k_road)]
        out_index += [k_road[ok_piece], cut[~good]]
        out_from += [k_from[ok_piece], sta_start[cut[~good]]]
        out_to += [k_to[ok_piece], end[cut[~good]]]
        out_geom += [merged[ok_piece], corridors[cut[~good]]]
    index = np.concatenate(out_index)
    sta_from = np.concatenate(out_from)
    order = np.lexsort((sta_from, index))
    return (
        index[order],
        sta_from[order],
        np.concatenate(out_to)[order],
        np.concatenate(out_geom)[order],
    )
