"""The assessment part by part, on a Dask cluster (or in this process).

:func:`assess_partitioned` splits the assets into spatial parts (:mod:`geoasset.tiles`),
assesses each part as :func:`geoasset.assessment.assess` does, with the corridors and
roads within the margin of its assets, and merges the parts' line items and not-billable
rows into one :class:`~geoasset.assessment.Assessment` equal to the single-process one:
the same rows, in the same order, with the same amounts to the rupiah and quantities to
the hundredth.

* Rows that fail their layer specification (duplicate ids, blank owners, ...) are set
  apart before the split, on the whole layer, as the single-process path does.
* The tariffs and permits are parsed, the period and the corridors checked and the
  metric CRS chosen once for the whole network; every part is assessed from them.
* Line items are ordered as :func:`~geoasset.assessment.assess` orders them (corridor
  display order, layer, asset, billed from, tariff row) and numbered again.

With ``client`` (a :class:`distributed.Client`) the parts run as tasks on the cluster's
workers; :func:`cluster` starts a ``LocalCluster`` of worker processes (one thread each)
or connects to an existing scheduler. A worker that dies fails the run with
:class:`WorkerLostError` (no retry on another worker, no partial result), so the
inventory is left as it was.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely import Point, box
>>> corridors = gpd.GeoDataFrame(
...     {"corridor_id": ["R1", "R2"], "road_id": ["R1", "R2"], "kabupaten": ["K"] * 2,
...      "road_status": ["provinsi"] * 2, "road_class": ["raya"] * 2},
...     geometry=[box(570000, 8875000, 571000, 8875025), box(590000, 8875000, 591000, 8875025)],
...     crs=32751).to_crs(4326)
>>> poles = gpd.GeoDataFrame(
...     {"pole_id": ["P1", "P2"], "owner": ["PLN", "PLN"], "kind": ["electric"] * 2},
...     geometry=[Point(570100, 8875010), Point(590200, 8875010)], crs=32751).to_crs(4326)
>>> tariffs = pd.DataFrame({"tariff_id": ["T1"], "object": ["pole"],
...     "unit": ["per_unit_year"], "rate_rp": [730000], "valid_from": ["2026-01-01"],
...     "valid_to": ["2026-12-31"], "legal_basis": ["EXAMPLE"]})
>>> result = assess_partitioned(poles=poles, utility_lines=None, corridors=corridors,
...                             tariffs=tariffs, year=2026, tile_size_m=5000)
>>> result.items[["item_id", "asset_id", "amount_rp"]].to_numpy().tolist()
[[1, 'P1', 730000], [2, 'P2', 730000]]
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd

from geoasset.assessment_result import SEARCH_DISTANCE_M
from geoasset.errors import GeoassetError

__all__ = [
    "LAYER_ORDER",
    "WorkerLostError",
    "assess_partitioned",
    "cluster",
    "engine",
    "run_parts",
]

log = logging.getLogger(__name__)

#: The asset layers in the order the assessment codes them.
LAYER_ORDER = ("poles", "utility_lines", "areas")
_ID_COLUMNS = {"poles": "pole_id", "utility_lines": "line_id", "areas": "area_id"}
_REASONS = (
    "outside_right_of_way",
    "partly_outside",
    "no_geometry",
    "not_in_period",
    "no_tariff",
)
#: Default number of parts per worker when neither tiles nor parts are given.
PARTS_PER_WORKER = 4


class WorkerLostError(GeoassetError):
    """A worker of the cluster died while it held a part of the work."""


# -- running parts -----------------------------------------------------------------------
def run_parts(
    function: Callable,
    payloads: list,
    *,
    client=None,
    progress: Callable[[int, int], None] | None = None,
    what: str = "part",
) -> list:
    """``[function(p) for p in payloads]``, in this process or as tasks of ``client``.

    ``progress(done, total)`` is called after each part. On a cluster, a worker that dies
    raises :class:`WorkerLostError`; an error inside a part is raised as it is.
    """
    total = len(payloads)
    report = progress or (lambda done, total: None)
    report(0, total)
    if client is None:
        results = []
        for done, payload in enumerate(payloads, start=1):
            results.append(function(payload))
            report(done, total)
        return results
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    token = uuid.uuid4().hex[:8]
    futures = [
        client.submit(function, payload, key=f"geoasset-{what}-{i}-{token}", pure=False)
        for i, payload in enumerate(payloads)
    ]
    number = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * total
    try:
        for done, future in enumerate(as_completed(futures, loop=client.loop), start=1):
            results[number[future.key]] = future.result()
            report(done, total)
    except (KilledWorker, FutureCancelledError) as exc:
        for f in futures:
            f.cancel()
        raise WorkerLostError(
            f"a Dask worker died while computing {what} {_failed(futures, number)} of "
            f"{total}; nothing was written ({type(exc).__name__})"
        ) from None
    return results


def _failed(futures, number) -> str:
    bad = [number[f.key] + 1 for f in futures if f.status in ("error", "cancelled", "lost")]
    return str(bad[0]) if bad else "?"


@contextlib.contextmanager
def cluster(
    *, workers: int | None = None, scheduler: str | None = None, memory_limit: str = "4GiB"
) -> Iterator:
    """A :class:`distributed.Client`: of a new ``LocalCluster`` of ``workers`` processes
    (one thread each, ``memory_limit`` each, a dead worker fails its task at once), or
    of the running scheduler at ``scheduler`` (``tcp://host:8786``). Closed on exit.
    """
    import dask
    from distributed import Client, LocalCluster

    if (workers is None) == (scheduler is None):
        raise GeoassetError("give either a number of workers or a scheduler address")
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise GeoassetError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client
        return
    if workers < 1:
        raise GeoassetError(f"workers must be 1 or more, got {workers}")
    settings = {
        "distributed.scheduler.allowed-failures": 0,
        "distributed.worker.daemon": False,
        "distributed.admin.system-monitor.gil.enabled": False,
    }
    with dask.config.set(settings):
        local = LocalCluster(
            n_workers=workers,
            processes=True,
            threads_per_worker=1,
            memory_limit=memory_limit,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
        with local, Client(local, set_as_default=False) as client:
            yield client


@contextlib.contextmanager
def engine(
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Callable | None]:
    """The assessment function for :func:`geoasset.jobs.assess` (``engine=``): ``None``
    (the single-process path) without ``workers`` or ``scheduler``, else
    :func:`assess_partitioned` on that cluster, calling ``progress(done, total)`` per part.
    """
    if workers is None and scheduler is None:
        yield None
        return
    with cluster(workers=workers, scheduler=scheduler) as client:
        n = len(client.scheduler_info().get("workers", {})) or 1

        def run(**options):
            return assess_partitioned(
                **options, client=client, parts=n * PARTS_PER_WORKER, progress=progress
            )

        yield run


# -- the assessment in parts ---------------------------------------------------------------
def _assess_part(payload: dict):
    from geoasset.assessment import _assess_checked

    result = _assess_checked(**payload, screened=True)
    return result.items, result.not_billable, result.parameters


def assess_partitioned(
    *,
    poles: gpd.GeoDataFrame | None,
    utility_lines: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame,
    tariffs: pd.DataFrame,
    year: int | None = None,
    period_from=None,
    period_to=None,
    permits: pd.DataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    crs=None,
    search_distance_m: float | None = SEARCH_DISTANCE_M,
    tile_size_m: float | None = None,
    parts: int | None = None,
    client=None,
    progress: Callable[[int, int], None] | None = None,
):
    """:func:`geoasset.assessment.assess` part by part; the same result.

    Parameters are those of :func:`~geoasset.assessment.assess`, plus ``tile_size_m``
    (square tiles of this many metres) or ``parts`` (Hilbert ranges; default 4),
    ``client`` (run the parts on a Dask cluster; default in this process) and
    ``progress(done, total)`` per part. The tariffs, permits, period and corridors are
    checked and the rows screened once, here; each part is assessed from them.
    """
    from geoasset.assessment import Assessment, _check_inputs
    from geoasset.assessment_inputs import _choose_crs, _prepare_corridors
    from geoasset.assessment_rows import _billable_rows
    from geoasset.tiles import margin_m, plan_parts

    # the checks of assess, once for the whole network (each part trusts them)
    checked = _check_inputs(
        corridors, tariffs, permits, (year, period_from, period_to), search_distance_m
    )
    search = checked["search_m"]
    metric = _choose_crs(corridors, crs)
    frames, invalid = {}, []
    for name, frame in zip(LAYER_ORDER, (poles, utility_lines, areas), strict=True):
        valid, bad = _billable_rows(frame, name)
        if valid is not None and len(valid):
            frames[name] = valid.reset_index(drop=True)
        invalid.append(bad)
    widest = float(pd.to_numeric(corridors.get("width_m"), errors="coerce").max() or 0)
    plan = plan_parts(
        {name: f.geometry for name, f in frames.items()},
        corridors.geometry,
        crs=metric,
        margin=None if search is None else margin_m(widest if np.isfinite(widest) else 0, search),
        roads_of_corridors=corridors["road_id"].to_numpy(dtype=object),
        road_ids=None if roads is None else roads["road_id"].to_numpy(dtype=object),
        tile_size_m=tile_size_m,
        parts=parts if parts is not None or tile_size_m is not None else 4,
    )
    for part in plan:
        if not len(part.corridors):  # nothing within reach: any corridor says so
            part.corridors = np.array([0])
    common = {**checked, "crs": metric}
    payloads = [
        {
            "layers": {
                name: frames[name].iloc[part.assets[name]] if name in part.assets else None
                for name in LAYER_ORDER
            },
            "corridors": corridors.iloc[part.corridors],
            "roads": None if roads is None else roads.iloc[part.roads],
            **common,
        }
        for part in plan
    ]
    if not payloads:  # no asset at all: one part with the whole network
        payloads = [
            {
                "layers": dict.fromkeys(LAYER_ORDER),
                "corridors": corridors,
                "roads": roads,
                **common,
            }
        ]
    done = run_parts(_assess_part, payloads, client=client, progress=progress)
    corr = _prepare_corridors(corridors)
    schedule = checked["schedule"]
    items = _merge_items([d[0] for d in done], frames, corr, schedule)
    invalid_rows = pd.concat(invalid, ignore_index=True)
    not_billable = _merge_not_billable([d[1] for d in done], frames, invalid_rows)
    parameters = _merge_parameters(done[0][2], frames, corr, invalid_rows, items, not_billable)
    info = pd.DataFrame(corridors.drop(columns=corridors.geometry.name)).reset_index(drop=True)
    info["corridor_id"] = corr.ids
    info["sta"] = corr.text["sta"]
    info = info.iloc[np.argsort(corr.order)].reset_index(drop=True)
    log.info("assessed %d parts into %d line items", len(payloads), len(items))
    return Assessment(
        items=items,
        not_billable=not_billable,
        tariffs=schedule,
        corridors=info,
        parameters=parameters,
    )


def _positions(frames: dict) -> dict[str, pd.Series]:
    """asset id -> row of the asset in its (valid) layer."""
    out = {}
    for name, frame in frames.items():
        column = _ID_COLUMNS[name] if _ID_COLUMNS[name] in frame.columns else "asset_id"
        ids = frame[column].astype(object).where(frame[column].notna(), None)
        ids = [f"{name}#{i + 1}" if v is None else str(v) for i, v in enumerate(ids)]
        out[name] = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
    return out


def _asset_keys(table: pd.DataFrame, positions: dict) -> tuple[np.ndarray, np.ndarray]:
    layer = np.full(len(table), len(LAYER_ORDER), dtype="int64")
    row = np.zeros(len(table), dtype="int64")
    for code, name in enumerate(LAYER_ORDER):
        mask = (table["layer"] == name).to_numpy()
        if mask.any():
            layer[mask] = code
            row[mask] = positions[name].reindex(table.loc[mask, "asset_id"]).to_numpy()
    return layer, row


def _merge_items(tables: list, frames: dict, corr, schedule) -> gpd.GeoDataFrame:
    items = pd.concat(tables, ignore_index=True)
    items = gpd.GeoDataFrame(items, geometry=items.geometry.name, crs=4326)
    if not len(items):
        return tables[0]
    display = pd.Series(corr.order, index=pd.Index(corr.ids.to_numpy(dtype=object)))
    tariff_row = pd.Series(
        np.arange(len(schedule)), index=pd.Index(schedule["tariff_id"].astype(str))
    )
    layer, row = _asset_keys(items, _positions(frames))
    order = np.lexsort(
        (
            tariff_row.reindex(items["tariff_id"].astype(str)).to_numpy(),
            items["billed_from"].astype(str).to_numpy(),
            row,
            layer,
            display.reindex(items["corridor_id"].astype(object)).to_numpy(),
        )
    )
    items = items.iloc[order].reset_index(drop=True)
    items["item_id"] = np.arange(1, len(items) + 1, dtype="int64")
    return items


def _merge_not_billable(tables: list, frames: dict, invalid: pd.DataFrame) -> gpd.GeoDataFrame:
    table = pd.concat(tables, ignore_index=True)
    if len(table):
        layer, row = _asset_keys(table, _positions(frames))
        reason = pd.Categorical(table["reason"], categories=_REASONS).codes
        order = np.lexsort((np.arange(len(table)), row, layer, reason))
        table = table.iloc[order].reset_index(drop=True)
    if len(invalid):
        table = pd.concat([table, invalid], ignore_index=True)
    return gpd.GeoDataFrame(table, geometry=table.geometry.name, crs=4326)


def _merge_parameters(first: dict, frames, corr, invalid, items, not_billable) -> dict:
    out: dict[str, str] = {}
    for key, value in first.items():
        if key.startswith("assets_"):
            continue
        if key == "invalid_rows":
            for name, frame in frames.items():
                out[f"assets_{name}"] = str(len(frame))
        out[key] = value
    out.update(
        corridors=str(len(corr)),
        invalid_rows=str(len(invalid)),
        line_items=str(len(items)),
        not_billable=str(len(not_billable)),
        grand_total_rp=str(int(items["amount_rp"].sum())),
        generated_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return out
