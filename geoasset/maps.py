"""Field-review maps: one self-contained HTML file that works offline.

:func:`field_map` draws an inventory's corridors (coloured by assessed retribution),
roads with chainage ticks, poles (coloured by owner, ringed by billing status), utility
lines, bridges (BMS condition) and monuments on a :class:`folium.Map`, which displays
inline in Jupyter. :func:`save_map` writes it as one HTML file carrying Leaflet,
Leaflet.markercluster (from the XStatic packages) and geoasset's own script, so it opens
without a network; only the background tiles (OpenStreetMap, Esri World Imagery) need
one, and without them the layers show on a plain background.

The data travels as one JSON document of column tables (repeated values
dictionary-encoded), drawn on a canvas; popups are built on click from a table row, so
100,000 poles make a file of a few megabytes that a browser opens in seconds.
Every value is escaped when the page shows it.

A city is drawn *light*: an overview (no selection) past :data:`LIGHT_MAX_FEATURES`
features or :data:`LIGHT_MAX_VERTICES` vertices keeps roads with their chainage and
every corridor (its outline simplified by :data:`LIGHT_TOLERANCE_M` for display and
coloured by retribution, its billed poles and amount in the popup, a link to its own
map with ``corridor_maps``), while the poles carry a few columns and their billed amount
and are drawn one by one only in the view from zoom :data:`LIGHT_POLE_ZOOM`. Line items,
photos and the exact outlines live in the per-corridor maps (:func:`save_corridor_maps`),
which are drawn as before. West Jakarta (9,287 roads, 9,263 corridors, 100,000 poles):
about 12 MB instead of 80 MB (``benchmarks/bench_map.py --city``).

Past :data:`AREA_MAPS_PAST_CORRIDORS` corridors the detailed maps are drawn per area
(:func:`save_area_maps`, chosen by :func:`save_field_maps` as ``geoasset run`` does):
squares of :data:`AREA_SIZE_M` in the metric CRS, each corridor and asset in exactly
one, drawn in full detail, and an index of areas with their corridors, poles and revenue.
West Jakarta at 100,000 poles: 99 maps, the largest 3.4 MB, 107 MB written in about 12 s
instead of 9,263 corridor maps (3 GB). The overview's popups link to the area map.

Examples
--------
>>> import os, tempfile, geopandas as gpd
>>> from shapely import LineString, Point
>>> from geoasset.store import Batch, create_inventory
>>> folder = tempfile.mkdtemp()
>>> inv = create_inventory(os.path.join(folder, "inventory.gpkg"))
>>> roads = gpd.GeoDataFrame({"road_id": ["R1"]},
...     geometry=[LineString([(123.60, -10.17), (123.62, -10.17)])], crs=4326)
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
...     geometry=[Point(123.61, -10.1701)], crs=4326)
>>> inv.write({"roads": roads, "poles": poles}, batch=Batch(command="doctest"))
>>> m = field_map(inv, title="Kupang")
>>> m.counts["poles"], m.counts["roads"]
(1, 1)
>>> path = save_map(m, os.path.join(folder, "map.html"))
>>> "cdn." in path.read_text()
False
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np

# geoasset.maps re-exports the public names of the modules a field map is made of
# (mapdata, mapstyle, mapphotos, mappayload, mappage, mapareas, mapindex).
from geoasset.errors import GeoassetError
from geoasset.i18n import LANGUAGES, t
from geoasset.mapareas import (  # noqa: F401
    AREA_MAPS_PAST_CORRIDORS,
    AREA_SIZE_M,
    MAPS_PER,
    AreaRow,
    _AreaGrid,
    _partition,
    maps_per,
)
from geoasset.mapdata import (  # noqa: F401
    MAP_LAYERS,
    SELECTION_MARGIN_M,
    _as_ids,
    _as_inventory,
    _check_known,
    _column,
    _corridor_revenue,
    _read_frames,
)
from geoasset.mapindex import (
    _area_index_html,
    _corridor_files,
    _index_html,
    _prepare_directory,
    _write_text,
)
from geoasset.mappage import MAX_ZOOM, TILES, FieldMap, _make_map, _script_json, save_map  # noqa: F401
from geoasset.mappayload import (  # noqa: F401
    LIGHT_MAX_FEATURES,
    LIGHT_MAX_VERTICES,
    LIGHT_POLE_COLUMNS,
    LIGHT_TOLERANCE_M,
    _display_geometry,
    _with_status,
)
from geoasset.mapphotos import PHOTO_BUDGET_KB, THUMBNAIL_PX, MissingPhoto, _log_missing  # noqa: F401
from geoasset.mapstyle import (  # noqa: F401
    BILLABLE,
    CHAINAGE,
    CLUSTER_MIN_POINTS,
    CLUSTER_OFF_ZOOM,
    LIGHT_POLE_ZOOM,
    NK_COLORS,
    NO_PERMIT,
    OTHER_COLOR,
    OWNER_COLORS,
    POLE_STATUSES,
    REVENUE_COLORS,
    UNDERGROUND_KINDS,
    UNPAID,
    _owner_palette,
    _revenue_classes,
)
from geoasset.store import Inventory

__all__ = [
    "FieldMap",
    "MAP_LAYERS",
    "MissingPhoto",
    "field_map",
    "save_map",
    "save_corridor_maps",
    "save_area_maps",
    "save_field_maps",
    "maps_per",
]

log = logging.getLogger(__name__)


def field_map(
    inventory: Inventory,
    *,
    corridor_ids: Iterable[str] | str | None = None,
    road_ids: Iterable[str] | str | None = None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool | None = None,
    light: bool | None = None,
    corridor_maps: str | os.PathLike | None = None,
    maps_per: str = "auto",
    photo_budget_kb: float | None = PHOTO_BUDGET_KB,
    background: bool | Iterable[str | os.PathLike] = True,
    basemap: str | os.PathLike | None = None,
) -> FieldMap:
    """A field-review map of an inventory (or of some of its corridors or roads).

    Parameters
    ----------
    inventory
        An open :class:`~geoasset.store.Inventory` (:func:`geoasset.jobs.field_map`
        takes the path of its GeoPackage). Layers
        used when present: roads, corridors, poles, utility_lines, bridges, monuments,
        assessment_items, assessment_totals.
    corridor_ids, road_ids
        Show only these corridors / roads and the assets within
        :data:`SELECTION_MARGIN_M` of them; an unknown id raises
        :class:`~geoasset.errors.GeoassetError` naming it.
    title
        Heading of the map and of the HTML page (default: "Field review map" and the
        selection).
    lang
        ``"en"`` or ``"id"`` (Bahasa Indonesia) for every label.
    embed_photos
        Embed each asset's ``photo`` (resolved relative to the inventory's folder) as a
        JPEG thumbnail of :data:`THUMBNAIL_PX` pixels, up to ``photo_budget_kb`` per map
        (``None``: no limit), past it link to the file. ``None`` (default): embed in a
        map of a selection; an overview with ``corridor_maps`` links each photo to the
        corridor or area map that embeds it. A missing photo is logged and listed in
        ``missing_photos``.
    light
        Draw a light overview: corridors simplified by :data:`LIGHT_TOLERANCE_M`, poles
        with a few columns, drawn from zoom :data:`LIGHT_POLE_ZOOM` on, no line items or
        photos in popups. ``None`` (default): light for an overview (no selection)
        past :data:`LIGHT_MAX_FEATURES` features or :data:`LIGHT_MAX_VERTICES` vertices.
    corridor_maps
        Folder of the per-corridor or per-area maps relative to where this map is saved,
        e.g. ``"maps"``: corridor and pole popups link to the map showing the corridor.
    maps_per
        What ``corridor_maps`` holds: ``"corridor"`` (:func:`save_corridor_maps`),
        ``"area"`` (:func:`save_area_maps`) or ``"auto"`` (default): what
        :func:`save_field_maps` and ``geoasset run`` write, per area past
        :data:`AREA_MAPS_PAST_CORRIDORS` corridors.
    background
        Draw the offline background (NTT boundaries and place names packed with
        geoasset, the inventory's roads the map leaves out) within the map's extent;
        a list of vector files adds their lines and named points. ``False``: none.
    basemap
        An MBTiles or PMTiles file of raster tiles: the tiles covering the map's extent
        go into the page as its first base layer (see :mod:`geoasset.mapbasemap`).

    Returns
    -------
    FieldMap
        A :class:`folium.Map`; save it with :func:`save_map`.

    Examples
    --------
    >>> import os, tempfile
    >>> from geoasset.store import create_inventory
    >>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "empty.gpkg"))
    >>> m = field_map(inv, lang="id")
    >>> m.map_title, m.counts
    ('Peta tinjauan lapangan', {})
    >>> field_map(inv, corridor_ids=["K9"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoasset.errors.GeoassetError: ...empty.gpkg: layer 'corridors' is empty; cannot select corridor_id 'K9'
    """
    inv = _as_inventory(inventory)
    return _make_map(
        _read_frames(inv),
        source=str(inv.path),
        base_dir=inv.path.resolve().parent,
        corridor_ids=corridor_ids,
        road_ids=road_ids,
        title=title,
        lang=lang,
        embed_photos=embed_photos,
        light=light,
        corridor_maps=None if corridor_maps is None else Path(corridor_maps).as_posix(),
        maps_per=maps_per,
        **_extras(photo_budget_kb, background, basemap),
    )


def _extras(photo_budget_kb, background, basemap) -> dict:
    """The photo budget, background and basemap options as ``_make_map`` takes them."""
    if background is not True and background is not False:
        background = [str(p) for p in background]
        for path in background:
            if not Path(path).is_file():
                raise GeoassetError(f"{path}: background file not found")
    if basemap is not None and not Path(basemap).is_file():
        raise GeoassetError(f"{basemap}: basemap file not found")
    return {
        "photo_budget_kb": photo_budget_kb,
        "background": background,
        "basemap": None if basemap is None else str(basemap),
    }


def save_corridor_maps(
    inventory: Inventory,
    directory: str | os.PathLike,
    *,
    corridor_ids: Iterable[str] | str | None = None,
    road_ids: Iterable[str] | str | None = None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool | None = None,
    overwrite: bool = False,
    photo_budget_kb: float | None = PHOTO_BUDGET_KB,
    background: bool | Iterable[str | os.PathLike] = True,
    basemap: str | os.PathLike | None = None,
) -> list[Path]:
    """One field map per corridor in ``directory`` plus ``index.html`` linking them.

    The index lists each corridor with its road, chainage, poles and assessed
    retribution, and the total. ``corridor_ids`` / ``road_ids`` limit the corridors.
    Existing files are refused (before anything is written) unless ``overwrite``.
    The maps are drawn in ``workers`` processes (default: :data:`AREA_MAP_WORKERS` once
    there are :data:`PARALLEL_AREAS` areas, else one); the files are the same.
    Returns the paths written, ``index.html`` last.

    Examples
    --------
    >>> import os, tempfile
    >>> from geoasset.store import create_inventory
    >>> folder = tempfile.mkdtemp()
    >>> inv = create_inventory(os.path.join(folder, "empty.gpkg"))
    >>> [p.name for p in save_corridor_maps(inv, os.path.join(folder, "maps"))]
    ['index.html']
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    inv = _as_inventory(inventory)
    frames = _read_frames(inv)
    source = str(inv.path)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise GeoassetError(f"{directory} exists and is not a folder")
    if not directory.parent.is_dir():
        raise GeoassetError(f"{directory}: folder {directory.parent} does not exist")
    corridors = frames.get("corridors")
    wanted, roads_wanted = _as_ids(corridor_ids), _as_ids(road_ids)
    if corridors is None:
        _check_known(source, "corridors", "corridor_id", None, wanted or roads_wanted)
        corridors = gpd.GeoDataFrame({"corridor_id": []}, geometry=[], crs="EPSG:4326")
    _check_known(source, "corridors", "corridor_id", corridors, wanted)
    _check_known(source, "roads", "road_id", frames.get("roads"), roads_wanted)
    chosen = corridors
    if wanted or roads_wanted:
        keep = corridors["corridor_id"].astype(str).isin(wanted)
        if roads_wanted and "road_id" in corridors:
            keep |= corridors["road_id"].astype(str).isin(roads_wanted)
        chosen = corridors[keep]
    chosen, names = _corridor_files(chosen)
    targets = [directory / n for n in [*names, "index.html"]]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise GeoassetError(
            f"{existing[0]} already exists ({len(existing)} file(s) in {directory}); "
            "use overwrite to replace them"
        )
    directory.mkdir(exist_ok=True)

    extras = _extras(photo_budget_kb, background, basemap)
    revenue = _corridor_revenue(frames)
    frames = _with_status(frames)  # once for every map
    rows, written = [], []
    for (_, corridor), name in zip(chosen.iterrows(), names, strict=True):
        cid = str(corridor["corridor_id"])
        m = _make_map(
            frames,
            source=source,
            base_dir=inv.path.resolve().parent,
            corridor_ids=[cid],
            title=None if title is None else f"{title}: {cid}",
            lang=lang,
            embed_photos=embed_photos,
            **extras,
        )
        written.append(save_map(m, directory / name, overwrite=True))
        rows.append(
            (
                name,
                corridor,
                m.counts.get("poles", 0),
                None if revenue is None else revenue.get(cid, 0),
            )
        )
    index = directory / "index.html"
    _write_text(index, _index_html(rows, title or t("map_index_title", lang), source, lang))
    written.append(index)
    return written


def save_area_maps(
    inventory: Inventory,
    directory: str | os.PathLike,
    *,
    size_m: float | None = None,
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool | None = None,
    overwrite: bool = False,
    workers: int | None = None,
    photo_budget_kb: float | None = PHOTO_BUDGET_KB,
    background: bool | Iterable[str | os.PathLike] = True,
    basemap: str | os.PathLike | None = None,
) -> list[Path]:
    """One field map per area in ``directory`` plus ``index.html`` listing them.

    The areas are squares of ``size_m`` metres (default :data:`AREA_SIZE_M`) in the
    inventory's metric CRS. Each corridor and each asset is drawn in exactly one area
    (see :func:`_partition`): a corridor in the square holding a point of its surface,
    a pole with the corridor it is billed in (else the corridor it stands in, else the
    corridor of its located road at its chainage, else the square it stands in).
    An area's map shows its corridors, roads, poles and lines in full detail, like a
    corridor map. The index lists each area with its corridors, poles, billed poles and
    assessed retribution (the sum over its corridors); the totals are the inventory's.
    Existing files are refused (before anything is written) unless ``overwrite``.
    The maps are drawn in ``workers`` processes (default: :data:`AREA_MAP_WORKERS` once
    there are :data:`PARALLEL_AREAS` areas, else one); the files are the same.
    Returns the paths written, ``index.html`` last.

    Examples
    --------
    >>> import os, tempfile
    >>> from geoasset.store import create_inventory
    >>> folder = tempfile.mkdtemp()
    >>> inv = create_inventory(os.path.join(folder, "empty.gpkg"))
    >>> [p.name for p in save_area_maps(inv, os.path.join(folder, "areas"))]
    ['index.html']
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    inv = _as_inventory(inventory)
    frames = _with_status(_read_frames(inv))  # billing status needs every corridor
    source = str(inv.path)
    directory = Path(directory)
    grid = _AreaGrid.of(frames, size_m)
    areas = _partition(frames, grid)
    files = [f"{area.name}.html" for area in areas]
    _prepare_directory(directory, [*files, "index.html"], overwrite)

    extras = _extras(photo_budget_kb, background, basemap)
    revenue = _corridor_revenue(frames)
    palette = _owner_palette(frames)  # one owner colour in every map
    totals = frames.get("assessment_totals")
    if totals is not None and {"level", "key"} <= set(totals.columns):
        totals = totals[totals["level"].astype(str).isin(["corridor", "corridor_id"])]
    else:
        totals = None  # revenue from the line items, which every area carries
    corridors = frames.get("corridors")
    base = inv.path.resolve().parent
    heading = title or t("map_title", lang)
    subs, rows = [], []
    for area, name in zip(areas, files, strict=True):
        sub = {
            layer: frames[layer].iloc[at].reset_index(drop=True) for layer, at in area.rows.items()
        }
        for layer in ("assessment_items",):
            if layer in frames:
                sub[layer] = frames[layer].iloc[area.items].reset_index(drop=True)
        if totals is not None:  # the corridors' rows: their revenue
            ids = sub["corridors"]["corridor_id"] if "corridors" in sub else []
            sub["assessment_totals"] = totals[totals["key"].astype(str).isin(ids)]
        subs.append(sub)
        ids = () if "corridors" not in sub else tuple(sub["corridors"]["corridor_id"].astype(str))
        poles = sub.get("poles")
        billed = (
            0
            if poles is None
            else int(np.isin(poles["__status"], (BILLABLE, UNPAID, NO_PERMIT)).sum())
        )
        rows.append(
            AreaRow(
                name=area.name,
                file=name,
                corridors=len(ids),
                poles=0 if poles is None else len(poles),
                billed_poles=billed,
                revenue_rp=None if revenue is None else int(sum(revenue.get(i, 0) for i in ids)),
                corridor_ids=ids,
            )
        )
    jobs = [
        (
            sub,
            directory / name,
            {
                "source": source,
                "base_dir": base,
                "title": f"{heading}: {t('map_area', lang)} {area.name}",
                "lang": lang,
                "embed_photos": embed_photos,
                **extras,
                "light": False,
                "palette": palette,
                "area": True,
            },
        )
        for sub, area, name in zip(subs, areas, files, strict=True)
    ]
    del subs
    written = _draw_area_maps(jobs, workers)
    index = directory / "index.html"
    note = t("map_area_note", lang).format(
        size=f"{grid.size / 1000:g} km" if grid.size >= 1000 else f"{grid.size:g} m",
        crs=grid.crs.name if corridors is not None else "",
    )
    _write_text(
        index, _area_index_html(rows, title or t("map_area_index_title", lang), source, note, lang)
    )
    written.append(index)
    return written


#: Processes that draw area maps for a city (two cores are the smallest machine we serve).
AREA_MAP_WORKERS = max(1, min(2, os.cpu_count() or 1))
#: From this many areas on, :func:`save_area_maps` draws them in several processes.
PARALLEL_AREAS = 16


def _draw_area_maps(jobs: list[tuple[dict, Path, dict]], workers: int | None) -> list[Path]:
    """Draw and write each ``(frames, path, options)`` job; the paths, in job order.

    With more than one worker, every worker but this process gets every n-th job in a
    child Python (``python -c``: nothing of the caller's script is run again) that reads
    its jobs from a pickle file and writes its maps; this process draws its own share
    meanwhile.
    """
    if workers is None:
        workers = AREA_MAP_WORKERS if len(jobs) >= PARALLEL_AREAS else 1
    workers = max(1, min(int(workers), len(jobs)))
    if workers == 1:
        return [_area_map(*job)[0] for job in jobs]
    with tempfile.TemporaryDirectory(prefix="geoasset-maps-") as folder:
        children = [_start_worker(jobs[k::workers], Path(folder), k) for k in range(1, workers)]
        try:
            done = {k: _area_map(*jobs[k]) for k in range(0, len(jobs), workers)}
            for k, child in enumerate(children, start=1):
                for j, result in enumerate(_worker_results(*child)):
                    done[k + j * workers] = result
        finally:
            for child, _, _ in children:
                if child.poll() is None:
                    child.kill()
                    child.wait()
    for _, missing in done.values():
        _log_missing(missing)
    return [done[k][0] for k in range(len(jobs))]


def _start_worker(jobs: list, folder: Path, k: int) -> tuple[subprocess.Popen, Path, Path]:
    inbox, outbox, errors = folder / f"{k}.jobs", folder / f"{k}.done", folder / f"{k}.err"
    with open(inbox, "wb") as handle:
        pickle.dump(jobs, handle, protocol=pickle.HIGHEST_PROTOCOL)
    code = "from geoasset.maps import _area_map_worker; _area_map_worker()"
    # the child imports this very geoasset, wherever it was imported from
    here = str(Path(__file__).resolve().parents[1])
    paths = [here, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    with open(errors, "wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(inbox), str(outbox)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    return child, outbox, errors


def _worker_results(child: subprocess.Popen, outbox: Path, errors: Path) -> list:
    if child.wait() != 0 or not outbox.exists():
        tail = errors.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise GeoassetError(f"drawing area maps failed in a worker process:\n{tail}")
    with open(outbox, "rb") as handle:
        return pickle.load(handle)


def _area_map(frames: dict, path: Path, options: dict) -> tuple[Path, list]:
    """One area's map written to ``path``: the path and the photos not found."""
    m = _make_map(frames, **options)
    return save_map(m, path, overwrite=True), m.missing_photos


def _area_map_worker() -> None:
    """Entry of a worker process: ``python -c ... JOBS DONE`` (see :func:`_draw_area_maps`).

    Missing photos are returned, and logged by the parent.
    """
    inbox, outbox = sys.argv[1:3]
    log.disabled = True
    with open(inbox, "rb") as handle:
        jobs = pickle.load(handle)
    results = [_area_map(*job) for job in jobs]
    with open(outbox, "wb") as handle:
        pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)


def save_field_maps(
    inventory: Inventory,
    directory: str | os.PathLike,
    *,
    per: str = "auto",
    title: str | None = None,
    lang: str = "en",
    embed_photos: bool | None = None,
    overwrite: bool = False,
    **options,
) -> list[Path]:
    """The detailed maps ``geoasset run`` writes next to the overview: one per corridor
    (:func:`save_corridor_maps`), or past :data:`AREA_MAPS_PAST_CORRIDORS` corridors one
    per area (:func:`save_area_maps`); ``per`` forces either. ``options``
    (``photo_budget_kb``, ``background``, ``basemap``) go to either. Returns the paths
    written, ``index.html`` last.
    """
    inv = _as_inventory(inventory)
    n = inv.count("corridors") if "corridors" in inv.layers() else 0
    options.update(title=title, lang=lang, embed_photos=embed_photos, overwrite=overwrite)
    if maps_per(n, per) == "area":
        return save_area_maps(inv, directory, **options)
    return save_corridor_maps(inv, directory, **options)
