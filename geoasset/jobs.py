"""The jobs: one function per stage, from an inventory GeoPackage to its outputs.

Each job opens the inventory, reads the layers it needs, calls the frame function that
computes (``corridors.build_corridors``, ``chainage.locate_assets``, ``qa.run_qa``,
``assessment.assess``, ...) and writes the result: layers into the inventory (one
atomic write, recorded in its history), files under the one overwrite policy and atomic
write of :mod:`geoasset.outputs`. Every output a job would replace is refused before it
computes anything, unless ``overwrite``.

The ``geoasset`` commands, ``geoasset run`` (:func:`geoasset.pipeline.run_pipeline`)
and the notebooks call these same jobs, so the step-by-step commands and the main job
produce the same layers, line items, totals and maps. The frame functions remain for
work without files (a notebook's what-if, a test).

========================  ===========================  ===============================
job                       command                      writes
========================  ===========================  ===============================
:func:`import_file`       ``geoasset import``          an inventory layer, rejects CSV
:func:`validate_inventory`  ``geoasset validate``      nothing (the problems found)
:func:`inventory_info`    ``geoasset info``            nothing (what the inventory holds)
:func:`export_layer`      ``geoasset export``          a layer as GeoJSON, CSV, SHP...
:func:`history_of_asset`  ``geoasset history``         nothing (an asset's versions)
:func:`changes_between`   ``geoasset diff``            nothing (the changes found)
:func:`build_corridors`   ``geoasset corridors``       ``corridors``
:func:`locate_assets`     ``geoasset chainage``        chainage fields of the assets
:func:`check_quality`     ``geoasset qa``              ``qa_findings``, ``qa_summary``
:func:`assess`            ``geoasset assess``          ``assessment_*``, XLSX, CSVs
:func:`import_permits_file`  ``geoasset permits``     the ``permits`` table
:func:`import_payments_file`  ``geoasset payments``   the ``payments`` table
:func:`write_statements`  ``geoasset statements``      a statement per owner
:func:`write_inventory_report`  ``geoasset report``    XLSX
:func:`write_field_map`   ``geoasset map -o``          one HTML map
:func:`write_detail_maps` ``geoasset map --per-...``   a folder of maps with an index
:func:`write_corridor_mapbook`  ``geoasset mapbook``  a PDF map book of a corridor
:func:`write_qgis_project`  ``geoasset qgis-project``  layer styles, a ``.qgs`` project
========================  ===========================  ===============================

Examples
--------
>>> import os, tempfile
>>> from geoasset.store import create_inventory
>>> inv = create_inventory(os.path.join(tempfile.mkdtemp(), "kupang.gpkg"))
>>> build_corridors(inv)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
geoasset.errors.GeoassetError: ...kupang.gpkg: layer 'roads' is empty; import roads first
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geoasset.errors import GeoassetError
from geoasset.outputs import check_output, check_outputs

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoasset.assessment import Assessment
    from geoasset.ingest import ImportReport
    from geoasset.mapbook import Mapbook
    from geoasset.maps import FieldMap
    from geoasset.qa import QAReport
    from geoasset.store import Inventory

__all__ = [
    "ASSET_LAYERS",
    "AssessmentJob",
    "assess",
    "build_corridors",
    "changes_between",
    "check_quality",
    "export_layer",
    "field_map",
    "history_of_asset",
    "import_file",
    "import_payments_file",
    "import_permits_file",
    "inventory_info",
    "locate_assets",
    "open_with_roads",
    "save_corridor_maps",
    "validate_inventory",
    "write_detail_maps",
    "write_corridor_mapbook",
    "write_field_map",
    "write_inventory_report",
    "write_qgis_project",
    "write_statements",
]

#: The layers located along the roads, in the order they are reported.
ASSET_LAYERS = ("poles", "bridges", "monuments", "utility_lines")


def _open(inventory) -> Inventory:
    from geoasset.store import Inventory, open_inventory

    return inventory if isinstance(inventory, Inventory) else open_inventory(inventory)


def open_with_roads(inventory) -> Inventory:
    """Open ``inventory``; refuse, saying what to do, when it has no roads."""
    inv = _open(inventory)
    if not inv.count("roads"):
        raise GeoassetError(f"{inv.path}: layer 'roads' is empty; import roads first")
    return inv


def validate_inventory(inventory) -> dict[str, list]:
    """Re-check every layer stored in the inventory against its specification: layer
    name -> its problems (see :func:`geoasset.validate.validate_inventory`)."""
    from geoasset.validate import validate_inventory as problems_of

    return problems_of(_open(inventory))


# -- import ----------------------------------------------------------------------------
def import_file(inventory, layer: str, source: str | os.PathLike, **options) -> ImportReport:
    """Import a field file into ``layer`` of ``inventory``: see
    :func:`geoasset.ingest.import_layer` for the options (mode, mapping, rejects...)."""
    from geoasset.ingest import import_layer

    return import_layer(inventory, layer, source, **options)


# -- export and info -------------------------------------------------------------------
def export_layer(
    inventory,
    layer: str,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    as_of=None,
    recorded: bool = False,
) -> int:
    """Write ``layer`` of ``inventory`` to ``path``; return the number of rows written.

    The extension picks the format (:data:`geoasset.export.EXPORT_FORMATS`); an existing
    file is refused unless ``overwrite``. With ``as_of`` the layer as it stood on the
    ground that day (``recorded``: as the inventory held it then;
    :func:`geoasset.history_read.read_as_of`), with each row's ``version_id``; an asset
    layer only. Any layer can be exported, derived ones such as ``corridors`` too.

    Examples
    --------
    >>> import os, tempfile, geopandas as gpd
    >>> from shapely import Point
    >>> from geoasset.store import Batch, create_inventory
    >>> folder = tempfile.mkdtemp()
    >>> inv = create_inventory(os.path.join(folder, "a.gpkg"))
    >>> poles = gpd.GeoDataFrame({"pole_id": ["P1"], "owner": ["PLN"]},
    ...                          geometry=[Point(123.6, -10.17)], crs=4326)
    >>> inv.write({"poles": poles}, batch=Batch(command="doctest"))
    >>> export_layer(inv.path, "poles", os.path.join(folder, "poles.geojson"))
    1
    """
    from geoasset.export import check_export_path, write_layer_file

    check_export_path(path, overwrite=overwrite)
    inv = _open(inventory)
    if as_of is None:
        frame = inv.read(layer)
    else:
        from geoasset.history import VERSIONED_LAYERS
        from geoasset.history_read import read_as_of

        if layer not in VERSIONED_LAYERS:
            raise GeoassetError(f"layer {layer!r} has no history; as_of= applies to asset layers")
        frame = read_as_of(inv, layer, as_of, recorded=recorded)
    return write_layer_file(frame, path, layer=layer, overwrite=overwrite)


def inventory_info(inventory, *, batches: int = 5) -> dict:
    """What the inventory holds: layers (rows, geometry type, CRS, extent), schema version
    and the ``batches`` most recent writes (:func:`geoasset.summary.describe_inventory`).

    Examples
    --------
    >>> import tempfile, os
    >>> from geoasset.store import create_inventory
    >>> p = os.path.join(tempfile.mkdtemp(), "i.gpkg")
    >>> _ = create_inventory(p)
    >>> inventory_info(p)["layers"][0]["rows"]
    0
    """
    from geoasset.summary import describe_inventory

    return describe_inventory(_open(inventory), batches=batches)


# -- history ---------------------------------------------------------------------------
def history_of_asset(inventory, asset_id: str, *, layer: str | None = None) -> pd.DataFrame:
    """Every version of one asset, oldest first, once the edits other programs made since
    geoasset's last write are recorded (:func:`geoasset.history_read.asset_history`)."""
    from geoasset.history_outside import catch_up
    from geoasset.history_read import asset_history

    inv = _open(inventory)
    catch_up(inv)
    return asset_history(inv, asset_id, layer=layer)


def changes_between(
    inventory, date_from, date_to, *, recorded: bool = False, layers=None
) -> gpd.GeoDataFrame:
    """The assets that differ between two dates, once the edits other programs made are
    recorded (:func:`geoasset.history_diff.diff_inventory`)."""
    from geoasset.history_diff import diff_inventory
    from geoasset.history_outside import catch_up

    inv = _open(inventory)
    catch_up(inv)
    return diff_inventory(inv, date_from, date_to, recorded=recorded, layers=layers)


# -- corridors and chainage -----------------------------------------------------------------
def build_corridors(
    inventory,
    *,
    widths: str | os.PathLike | Mapping[str, float] | None = None,
    crs=None,
    split_every: float | None = None,
) -> gpd.GeoDataFrame:
    """Build the right-of-way corridors of the inventory's roads (and parcels) and store
    them as the ``corridors`` layer, replacing it. Returns the corridors.

    See :func:`geoasset.corridors.build_corridors` for ``widths``, ``crs`` and
    ``split_every``.
    """
    from geoasset.corridors import build_corridors as corridors_of
    from geoasset.store import Batch

    inv = open_with_roads(inventory)
    parcels = inv.read("parcels") if inv.count("parcels") else None
    result = corridors_of(
        inv.read("roads"), parcels=parcels, widths=widths, crs=crs, split_every=split_every
    )
    source = Path(widths).name if isinstance(widths, str | os.PathLike) else ""
    inv.write({"corridors": result}, batch=Batch(command="corridors", source=source))
    return result


def locate_assets(
    inventory, *, tolerance_m: float = 50.0, crs=None
) -> Mapping[str, gpd.GeoDataFrame]:
    """Locate every asset of the inventory along its road (road, STA, offset, side) and
    store the chainage fields, in one write.

    An import that lands while the assets are located is not lost: the write happens
    only if the layers read are unchanged, else they are read again under the lock
    (:meth:`geoasset.store.Inventory.update`). See :func:`geoasset.chainage.locate_assets`.
    """
    from geoasset.chainage import locate_assets as locate
    from geoasset.store import Batch

    inv = open_with_roads(inventory)

    def change(frames: dict) -> dict:
        corridors = frames.get("corridors")
        return locate(
            {name: frames[name] for name in ASSET_LAYERS if name in frames},
            frames["roads"],
            corridors=corridors if corridors is not None and len(corridors) else None,
            tolerance_m=tolerance_m,
            crs=crs,
        )

    return inv.update(
        ["roads", "corridors", *ASSET_LAYERS],
        change,
        # chainage changes no asset: their versions stand (no row compared)
        batch=Batch(command="chainage", touched={layer: [] for layer in ASSET_LAYERS}),
    )


# -- quality ---------------------------------------------------------------------------
def check_quality(
    inventory,
    *,
    rules: Iterable[str] | None = None,
    crs=None,
    write: bool = True,
    **options,
) -> QAReport:
    """Run the quality rules on the inventory and, with ``write``, replace the layers
    ``qa_findings`` (geometry) and ``qa_summary`` in one write.

    ``options`` are those of :func:`geoasset.qa.run_qa` (``min_pole_offset_m``,
    ``near_duplicate_m``); layers the file lacks are skipped.
    """
    from geoasset.qa import (
        FINDINGS_LAYER,
        SUMMARY_LAYER,
        QAReport,
        check_rule_names,
        run_qa,
        summarise_findings,
    )
    from geoasset.schema import INVENTORY_LAYERS
    from geoasset.store import Batch

    names = check_rule_names(rules)
    inv = _open(inventory)
    present = set(inv.layers())
    frames = {n: inv.read(n) for n in (*INVENTORY_LAYERS, "corridors") if n in present}
    findings = run_qa(frames, rules=names, crs=crs, **options)
    report = QAReport(findings=findings, summary=summarise_findings(findings, rules=names))
    if write:
        inv.write(
            {FINDINGS_LAYER: report.findings, SUMMARY_LAYER: report.summary},
            batch=Batch(command="qa"),
            mode="replace",
        )
    return report


# -- assessment ------------------------------------------------------------------------
@dataclass
class AssessmentJob:
    """An assessment as stored, and the report files written."""

    assessment: Assessment
    written: list[Path] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        """Stored rows not billed because they fail the layer specification."""
        return int(self.assessment.parameters.get("invalid_rows", "0"))


def assess(
    inventory,
    *,
    tariffs: str | os.PathLike | pd.DataFrame,
    year: int | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    permits: str | os.PathLike | pd.DataFrame | None = None,
    crs=None,
    xlsx: str | os.PathLike | None = None,
    csv_dir: str | os.PathLike | None = None,
    lang: str = "en",
    overwrite: bool = False,
    started: Callable[[int, int], None] | None = None,
    as_of=None,
    recorded: bool = False,
    engine: Callable[..., Assessment] | None = None,
) -> AssessmentJob:
    """Assess the retribution of the inventory's poles, utility lines and areas and store it
    (layers ``assessment_items``, ``assessment_totals``, ``assessment_not_billable``),
    with the XLSX workbook and the CSV files if asked, all or nothing.

    ``tariffs`` and ``permits`` are files (loaded and checked here) or tables already
    loaded. Without ``permits``, an inventory holding ``permits`` (and ``payments``)
    tables settles the line items against them as the statements do
    (:func:`geoasset.ledger.settle`): status ``paid``, ``partly_paid``, ``unpaid`` or
    ``no_permit``, with each item's ``paid_rp`` and ``unpaid_rp`` to the rupiah. Poles and lines are read as stored and re-checked against their layer
    specification (a row edited in QGIS into something invalid is not billed); lines get
    their STA on their roads as :func:`locate_assets` gives it. Existing report files
    are refused before anything is computed, unless ``overwrite``. ``started`` is called
    with the number of assets and of corridors once they are read. Assets are those
    standing in the period by the asset history, each billed to its last day there;
    ``as_of`` (``recorded``) bills what the inventory knew then
    (:mod:`geoasset.history_billing`). ``engine`` computes each assessment in place of
    :func:`geoasset.assessment.assess`, with the same keywords and result
    (:func:`geoasset.distributed.engine`: part by part on a Dask cluster).
    """
    from geoasset.assessment import billing_period
    from geoasset.history_billing import assess_over_time, billing_frames
    from geoasset.reports import CSV_FILES, write_reports
    from geoasset.tariffs import load_permits, load_tariffs
    from geoasset.validate import read_layer

    planned = [] if xlsx is None else [check_output(xlsx, overwrite=overwrite)]
    if csv_dir is not None:
        planned += check_outputs(
            [Path(csv_dir) / name for name in CSV_FILES], overwrite=overwrite, what="report(s)"
        )
    inv = _open(inventory)
    schedule = load_tariffs(tariffs) if isinstance(tariffs, str | os.PathLike) else tariffs
    source = str(schedule.attrs.get("source", ""))  # the file's name, in the history
    if isinstance(permits, str | os.PathLike):
        permits = load_permits(permits)
    if not inv.count("corridors"):
        raise GeoassetError(f"{inv.path} has no corridors layer; build the corridors first")
    with inv.transaction():
        pass  # records edits made by other programs first
    first, last = billing_period(year, period_from, period_to)
    frames, ends = billing_frames(
        inv, first, last, as_of=as_of, recorded=recorded, reader=read_layer
    )
    corridors = inv.read("corridors")
    if started is not None:
        started(sum(len(f) for f in frames.values()), len(corridors))
    result = assess_over_time(
        frames,
        ends,
        engine=engine,
        corridors=corridors,
        tariffs=schedule,
        year=year,
        period_from=period_from,
        period_to=period_to,
        permits=permits,
        roads=inv.read("roads") if inv.count("roads") else None,
        crs=crs,
    )
    if permits is None:
        _settle_with_stored_permits(inv, result)
    written = write_reports(
        result, inventory=inv, xlsx=xlsx, csv_dir=csv_dir, source=source, lang=lang
    )
    return AssessmentJob(result, written)


def _settle_with_stored_permits(inv: Inventory, result: Assessment) -> None:
    """Settle the line items against the inventory's ``permits`` and ``payments`` tables
    when it has them (:func:`geoasset.ledger.settle_assessment`): the payment status and
    the paid / unpaid amounts are then those the statements show."""
    from geoasset.ledger import settle_assessment
    from geoasset.payments import stored_payments
    from geoasset.permits import stored_permits

    permits = stored_permits(inv)
    if permits is not None:
        settle_assessment(result, permits, stored_payments(inv))


# -- permits, payments, statements ------------------------------------------------------
def import_permits_file(inventory, path: str | os.PathLike, *, mode: str = "create"):
    """Import a permits file into the inventory (:func:`geoasset.permits.import_permits`);
    returns the rows imported."""
    from geoasset.permits import import_permits

    return import_permits(_open(inventory), path, mode=mode)


def import_payments_file(inventory, path: str | os.PathLike, *, mode: str = "append"):
    """Import a payments file into the inventory (:func:`geoasset.payments.import_payments`);
    returns the rows imported."""
    from geoasset.payments import import_payments

    return import_payments(_open(inventory), path, mode=mode)


def write_statements(inventory, directory: str | os.PathLike, *, year: int, **options):
    """Write the retribution statements of ``year``, one per owner, into ``directory``
    (:func:`geoasset.statement_files.statements_for_inventory`, ``options`` as there).
    Returns the statements and the files written."""
    from geoasset.statement_files import statements_for_inventory

    return statements_for_inventory(_open(inventory), directory, year=year, **options)


# -- reports and maps ------------------------------------------------------------------
def write_inventory_report(
    inventory, output: str | os.PathLike | None = None, *, lang: str = "en", overwrite: bool = False
) -> dict[str, pd.DataFrame]:
    """The inventory report's tables (:func:`geoasset.summary.inventory_report`), written
    as the sheets of the XLSX ``output`` if given. Returns the tables."""
    from geoasset.reports import write_tables_xlsx
    from geoasset.schema import INVENTORY_LAYERS
    from geoasset.summary import inventory_report

    if output is not None:
        check_output(output, overwrite=overwrite)
    inv = _open(inventory)
    frames = {layer: inv.read(layer) for layer, n in inv.counts(INVENTORY_LAYERS).items() if n}
    tables = inventory_report(frames, lang=lang)
    if output is not None:
        write_tables_xlsx(tables, output, lang=lang)
    return tables


def field_map(
    inventory,
    *,
    corridor_ids: Iterable[str] | str | None = None,
    road_ids: Iterable[str] | str | None = None,
    title: str | None = None,
    lang: str = "en",
    **options,
) -> FieldMap:
    """The field-review map of an inventory or of the path of its GeoPackage, of some of
    its corridors or roads (:func:`geoasset.maps.field_map`, with its other ``options``);
    a ``folium.Map`` that displays inline in Jupyter.

    Examples
    --------
    >>> import os, tempfile
    >>> from geoasset.store import create_inventory
    >>> path = create_inventory(os.path.join(tempfile.mkdtemp(), "empty.gpkg")).path
    >>> field_map(path, title="Kupang").map_title
    'Kupang'
    """
    from geoasset.maps import field_map as map_of

    return map_of(
        _open(inventory),
        corridor_ids=corridor_ids,
        road_ids=road_ids,
        title=title,
        lang=lang,
        **options,
    )


def save_corridor_maps(inventory, directory: str | os.PathLike, **options) -> list[Path]:
    """One map per corridor of the inventory (or of the path of its GeoPackage) in
    ``directory``, with ``index.html``: :func:`geoasset.maps.save_corridor_maps`."""
    from geoasset.maps import save_corridor_maps as maps_of

    return maps_of(_open(inventory), directory, **options)


def write_field_map(
    inventory, output: str | os.PathLike, *, overwrite: bool = False, **options
) -> tuple[FieldMap, Path]:
    """Draw the inventory's field-review map (:func:`geoasset.maps.field_map`, with its
    ``options``) into one self-contained HTML file. Returns the map and the file."""
    from geoasset.maps import field_map, save_map

    check_output(output, overwrite=overwrite)
    inv = _open(inventory)
    drawn = field_map(inv, **options)
    return drawn, save_map(drawn, output, overwrite=overwrite)


def write_detail_maps(
    inventory,
    folder: str | os.PathLike,
    *,
    per: str = "auto",
    overwrite: bool = False,
    **options,
) -> list[Path]:
    """One map per corridor (``per="corridor"``) or per area (``"area"``) in ``folder``
    with an ``index.html``; ``"auto"`` takes areas past
    :data:`geoasset.maps.AREA_MAPS_PAST_CORRIDORS` corridors. Returns the paths, the
    index last. A folder that already holds maps is refused unless ``overwrite``."""
    from geoasset.maps import save_area_maps, save_corridor_maps, save_field_maps

    folder = Path(folder)
    check_outputs([folder / "index.html"], overwrite=overwrite)
    inv = _open(inventory)
    if per == "auto":
        return save_field_maps(inv, folder, overwrite=overwrite, **options)
    save = save_area_maps if per == "area" else save_corridor_maps
    return save(inv, folder, overwrite=overwrite, **options)


def write_corridor_mapbook(
    inventory, path: str | os.PathLike, *, corridor_id: str, overwrite: bool = False, **options
) -> Mapbook:
    """The PDF map book of one corridor of the inventory (or of the path of its
    GeoPackage): :func:`geoasset.mapbook.mapbook_for_inventory`, ``options`` as there
    (``paper``, ``stretch_m``, ``scale``, ``lang``...). An existing ``path`` is refused
    unless ``overwrite``."""
    from geoasset.mapbook import check_target, mapbook_for_inventory

    check_target(path, overwrite=overwrite)
    return mapbook_for_inventory(
        _open(inventory), path, corridor_id=corridor_id, overwrite=overwrite, **options
    )


def write_qgis_project(
    inventory, project: str | os.PathLike | None = None, *, overwrite: bool = False
) -> tuple[list[str], Path]:
    """Store geoasset's styles in the inventory and write a QGIS project showing every
    layer (default: the inventory's name with ``.qgs``, beside it). Returns the layers
    styled and the project path."""
    from geoasset.qgis import write_layer_styles
    from geoasset.qgis import write_qgis_project as project_of

    inv = _open(inventory)
    target = check_output(
        project if project is not None else inv.path.with_suffix(".qgs"), overwrite=overwrite
    )
    project_of(inv, target, overwrite=True)  # checks the folder before styling
    return write_layer_styles(inv), target
