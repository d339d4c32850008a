"""The tables of an assessment: line items (sorted, labelled, located along roads) and the
assets (or metres of them) not billed, with the reason.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from geoasset.assessment_arrays import (
    _centi,
    _leap,
    _small,
)
from geoasset.assessment_billing import _statuses
from geoasset.assessment_nearest import _distances
from geoasset.assessment_result import (
    _QUANTITY_UNIT,
    CORRIDOR_COLUMNS,
    PAYMENT_STATUSES,
)
from geoasset.assessment_space import _usable


def _items_frame(
    *, billed, piece, q_centi, assets, corr, schedule, permit_index, permits, first, last
) -> gpd.GeoDataFrame:
    asset = piece.asset[billed.piece]
    corridor = piece.corridor[billed.piece]
    layer = assets.layer[asset]
    order = np.lexsort((billed.tariff, billed.billed_from, asset, layer, corr.order[corridor]))
    asset, corridor, layer = asset[order], corridor[order], layer[order]
    tariff, item_piece = billed.tariff[order], billed.piece[order]
    lo, hi, days = billed.billed_from[order], billed.billed_to[order], billed.days[order]
    n = len(order)
    units = schedule["unit"].to_numpy(dtype=object)
    daily = units[tariff] == "per_unit_day"
    status = _statuses(asset, lo, hi, permit_index, permits)

    own_sta = pd.Series(assets.sta.array.take(asset))
    corridor_sta = pd.Series(corr.text["sta"].array.take(corridor))
    own = (own_sta.notna() & piece.whole[item_piece]).to_numpy()
    sta = own_sta.where(own, corridor_sta)
    frame = pd.DataFrame(
        {
            "item_id": np.arange(1, n + 1, dtype="int64"),
            "asset_id": assets.ids.array.take(asset),
            "layer": _small(assets.names).take(layer),
            "owner": assets.owner.array.take(asset),
            "kind": assets.kind.array.take(asset),
            "corridor_id": corr.ids.array.take(corridor),
            **{c: corr.text[c].array.take(corridor) for c in CORRIDOR_COLUMNS[1:]},
            "sta": sta.array,
            "quantity": q_centi[item_piece] / 100.0,
            "quantity_unit": _small(_QUANTITY_UNIT[m] for m in assets.measures).take(layer),
            "unit": _small(units).take(tariff),
            "rate_rp": np.array([float(r) for r in schedule["rate_rp"]], dtype="float64")[tariff],
            "billed_from": _iso(lo),
            "billed_to": _iso(hi),
            "days": days,
            "period_days": np.full(n, last.toordinal() - first.toordinal() + 1, dtype="int64"),
            "day_fraction": _fractions(lo, hi, days, daily),
            "amount_rp": billed.amount[order].astype("int64"),
            "tariff_id": _small(schedule["tariff_id"]).take(tariff),
            "legal_basis": _small(schedule["legal_basis"]).take(tariff),
            "permit_no": assets.permit_no.array.take(asset),
            "payment_status": _small(PAYMENT_STATUSES).take(status),
        }
    )
    items = gpd.GeoDataFrame(frame, geometry=piece.geometry[item_piece], crs=4326)
    return items, own, asset


def _iso(ordinals: np.ndarray):
    unique, inverse = np.unique(ordinals, return_inverse=True)
    labels = _small(date.fromordinal(int(d)).isoformat() for d in unique)
    return labels.take(inverse.reshape(-1))


def _fractions(lo, hi, days, daily):
    """The day fraction as text: '184/365', '92/365 + 60/366' or '30 days'."""
    if len(lo) == 0:
        return _small([])
    span = int(hi.max() - lo.min() + 2)
    combined = ((lo - lo.min()) * span + (hi - lo.min())) * (span * 2) + days * 2 + daily
    unique, first_at, inverse = np.unique(combined, return_index=True, return_inverse=True)
    texts = []
    for k in first_at.tolist():
        a, b, d = date.fromordinal(int(lo[k])), date.fromordinal(int(hi[k])), int(days[k])
        if daily[k]:
            texts.append(f"{d} days")
        elif d != b.toordinal() - a.toordinal() + 1:
            texts.append(f"{d} days in separate stretches")
        else:
            parts = []
            for y in range(a.year, b.year + 1):
                y0, y1 = max(a, date(y, 1, 1)), min(b, date(y, 12, 31))
                parts.append(f"{y1.toordinal() - y0.toordinal() + 1}/{366 if _leap(y) else 365}")
            texts.append(" + ".join(parts))
    return _small(texts).take(inverse.reshape(-1))


def _sta_along_roads(items, missing, roads, corridors, metric) -> gpd.GeoDataFrame:
    """Locate along ``roads`` the items without an STA of their own (line pieces, assets
    never located): their corridor's STA range is replaced by their own STA."""
    from geoasset.chainage import TOLERANCE_M, _line_frame, _Locator, _point_frame

    items = items.copy()
    points = (items["layer"] == "poles").to_numpy()
    locator = None  # the roads' centrelines and index, made once for points and lines
    for mask, locate in ((missing & points, _point_frame), (missing & ~points, _line_frame)):
        if not mask.any():
            continue
        locator = locator or _Locator(roads, corridors, TOLERANCE_M, metric)
        located = locate(locator, items[mask])
        sta = pd.Series(located["sta"].to_numpy(dtype=object), index=items.index[mask])
        items.loc[mask, "sta"] = sta.where(sta.notna(), items.loc[mask, "sta"])
    return items


def _beyond_text(search_m: float | None) -> str:
    """The detail of an asset with no corridor within the search distance."""
    if search_m is None:
        return "no corridor"
    return f"more than {search_m:,.2f} m from any corridor".replace(".00 m", " m")


def _not_billable(
    *, assets, piece, outside, present, unbilled_days, corr, space, last, search_m
) -> gpd.GeoDataFrame:
    n = len(assets)
    placed = np.zeros(n, dtype=bool)
    placed[piece.asset] = True
    missing = np.zeros(n, dtype=bool)
    missing[:] = True
    missing[_usable(assets.geoms)] = False
    frames = []

    def add(index, reason, detail, quantity, distance, nearest, geometry):
        if frames and len(index) == 0:
            return  # (the first frame gives the columns even when empty)
        frames.append(
            pd.DataFrame(
                {
                    "asset_id": assets.ids.array.take(index),
                    "layer": _small(assets.names).take(assets.layer[index]),
                    "owner": assets.owner.array.take(index),
                    "kind": assets.kind.array.take(index),
                    "reason": reason,
                    "detail": _small(detail),
                    "quantity_outside": np.asarray(quantity, dtype="float64"),
                    "distance_to_corridor_m": np.asarray(distance, dtype="float64"),
                    "nearest_corridor_id": nearest,
                    "_geometry": geometry,
                }
            )
        )

    # Wholly outside every corridor, with the distance to the nearest one if it is
    # within the search distance.
    out = np.flatnonzero(~placed & ~missing)
    nearest, distance = _distances(assets.geoms[out], corr, space, search_m)
    nearest_id = corr.ids.array.take(nearest, allow_fill=True)
    measures = np.array(assets.measures, dtype=object)[assets.layer[out]]
    whole = np.ones(len(out))
    lines, areas = measures == "length", measures == "area"
    whole[lines] = space.length(assets.geoms[out[lines]])
    whole[areas] = space.area(assets.geoms[out[areas]])
    beyond = _beyond_text(search_m)
    add(
        out,
        "outside_right_of_way",
        [
            beyond if c < 0 else f"{d:.2f} m from corridor {i}"
            for d, c, i in zip(
                distance.tolist(), nearest.tolist(), nearest_id.tolist(), strict=True
            )
        ],
        _centi(whole) / 100.0,
        np.round(distance, 2),
        nearest_id,
        space.to_wgs84(assets.geoms[out]),
    )
    # Billed in part: the metres (m²) outside every corridor.
    partly = np.flatnonzero(placed & (_centi(outside) > 0))
    units = np.array([_QUANTITY_UNIT[m] for m in assets.measures], dtype=object)
    add(
        partly,
        "partly_outside",
        [f"{outside[i]:.2f} {units[assets.layer[i]]} outside every corridor" for i in partly],
        _centi(outside[partly]) / 100.0,
        np.zeros(len(partly)),
        _small([None] * len(partly)),
        space.to_wgs84(assets.geoms[partly]),
    )
    gone = np.flatnonzero(missing)
    add(
        gone,
        "no_geometry",
        ["geometry is missing or empty"] * len(gone),
        np.full(len(gone), np.nan),
        np.full(len(gone), np.nan),
        _small([None] * len(gone)),
        assets.geoms[gone],
    )
    # Inside a corridor but first known after the period.
    placed_assets, first_piece = np.unique(piece.asset, return_index=True)
    late = present[placed_assets] > last.toordinal()
    add(
        placed_assets[late],
        "not_in_period",
        [
            f"first known on {date.fromordinal(int(present[a]))}, after the period"
            for a in placed_assets[late]
        ],
        np.full(int(late.sum()), np.nan),
        np.zeros(int(late.sum())),
        corr.ids.array.take(piece.corridor[first_piece[late]]),
        space.to_wgs84(assets.geoms[placed_assets[late]]),
    )
    # Present, but on some days no tariff row applies.
    gaps = np.flatnonzero(unbilled_days > 0)
    add(
        piece.asset[gaps],
        "no_tariff",
        [
            f"no tariff row applies on {int(unbilled_days[g])} day(s) of the period"
            for g in gaps.tolist()
        ],
        np.full(len(gaps), np.nan),
        np.zeros(len(gaps)),
        corr.ids.array.take(piece.corridor[gaps]),
        piece.geometry[gaps],
    )
    table = pd.concat(frames, ignore_index=True)
    geometry = table.pop("_geometry").to_numpy()
    return gpd.GeoDataFrame(table, geometry=geometry, crs=4326)
