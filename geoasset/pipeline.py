"""The main job end to end (``geoasset run``): one call per stage, nothing else.

A folder of field files named by layer (``roads.geojson``, ``poles.csv``, ...) becomes
``OUT_DIR/inventory.gpkg`` with corridors, chainage, QA findings and the assessment, plus
the XLSX reports and the field maps. Each stage is a library function documented in its
own module; this one only wires them together and reports progress.

Nothing is half-written: every existing output is refused (without ``overwrite``)
before anything is written; the run writes into a hidden staging folder beside
``OUT_DIR`` (at the same depth, so relative photo paths stay right) and moves every
output into ``OUT_DIR`` only when all of them are complete. A failure leaves ``OUT_DIR``
as it was.

Examples
--------
>>> find_sources("no/such/folder")
Traceback (most recent call last):
...
geoasset.errors.SourceError: no/such/folder: no such folder
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from geoasset.errors import OutputExistsError, SourceError
from geoasset.schema import INVENTORY_LAYERS

__all__ = [
    "RunSummary",
    "find_sources",
    "planned_outputs",
    "run_pipeline",
    "SOURCE_SUFFIXES",
    "STAGES",
]

log = logging.getLogger(__name__)

#: File suffixes ``geoasset run`` picks up, in order of preference for one layer.
SOURCE_SUFFIXES = (
    ".gpkg",
    ".geojson",
    ".json",
    ".shp",
    ".zip",
    ".kml",
    ".kmz",
    ".gpx",
    ".xlsx",
    ".csv",
)

STAGES = ("import", "corridors", "chainage", "qa", "assess", "reports", "maps")


@dataclass
class RunSummary:
    """What a run produced: counts, money, QA and where each output is."""

    inventory: Path
    imported: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    corridors: int = 0
    corridor_area_m2: float = 0.0
    located: dict[str, int] = field(default_factory=dict)
    qa_errors: int = 0
    qa_warnings: int = 0
    billable_assets: int = 0
    total_rp: int | None = None
    invalid_rows: int = 0  # stored rows not billed: they fail the layer specification
    year: int | None = None
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def assets(self) -> int:
        return sum(n for layer, n in self.imported.items() if layer not in ("roads", "parcels"))

    def lines(self) -> list[str]:
        """The summary as printed at the end of ``geoasset run``."""
        imported = ", ".join(f"{layer} {n}" for layer, n in self.imported.items())
        refused = ", ".join(f"{layer} {n}" for layer, n in self.refused.items() if n)
        rows = [
            ("inventory", str(self.inventory)),
            ("imported", imported + (f" (refused: {refused})" if refused else "")),
            ("assets", str(self.assets)),
            ("corridors", f"{self.corridors} ({self.corridor_area_m2 / 10_000:,.2f} ha)"),
            ("QA findings", f"{self.qa_errors} errors, {self.qa_warnings} warnings"),
        ]
        if self.total_rp is not None:
            rows.append(("billable assets", str(self.billable_assets)))
            rows.append((f"total {self.year}", f"Rp {self.total_rp:,} per year"))
        rows.extend((name, str(path)) for name, path in self.outputs.items())
        width = max(len(name) for name, _ in rows) + 2
        return [f"{name:<{width}}{value}" for name, value in rows]


def find_sources(source_dir: str | Path) -> dict[str, Path]:
    """The field file for each inventory layer in ``source_dir``, found by file name.

    A file ``poles.csv`` feeds the ``poles`` layer; ``roads.geojson`` the ``roads`` layer.
    """
    folder = Path(source_dir)
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such folder")
    found: dict[str, Path] = {}
    for layer in INVENTORY_LAYERS:
        for suffix in SOURCE_SUFFIXES:
            candidate = folder / f"{layer}{suffix}"
            if candidate.is_file():
                found[layer] = candidate
                break
    if "roads" not in found:
        raise SourceError(
            f"{folder}: no roads file (expected roads.geojson, roads.shp, roads.gpkg, ...); "
            f"files there: {', '.join(sorted(p.name for p in folder.iterdir())) or 'none'}"
        )
    return found


def run_pipeline(
    source_dir: str | Path,
    out_dir: str | Path,
    *,
    tariffs: str | Path | None = None,
    year: int | None = None,
    lang: str = "en",
    overwrite: bool = False,
    split_every: float | None = None,
    crs=None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunSummary:
    """Build an inventory from ``source_dir`` and produce every output in ``out_dir``.

    Parameters
    ----------
    source_dir
        Folder with one field file per layer (see :func:`find_sources`).
    out_dir
        Output folder; created if needed. ``inventory.gpkg`` there is refused unless
        ``overwrite``.
    tariffs
        Tariff schedule CSV; without it the assessment stage is skipped.
    year
        Billing year (default: the current year).
    progress
        Called as ``progress(stage, done, total)``; the CLI draws bars with it.
    """
    from geoasset.tariffs import load_tariffs

    report = progress or (lambda stage, done, total: None)
    sources = find_sources(source_dir)
    year = year or date.today().year
    schedule = load_tariffs(tariffs) if tariffs else None  # fail before writing
    out = Path(out_dir)
    planned = planned_outputs(sources, year=year, assessment=schedule is not None)
    if not overwrite:
        _refuse_existing(out, planned)
    out.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(inventory=out / "inventory.gpkg", year=year)
    with _staging_folder(out) as stage:
        _run_stages(stage, sources, schedule, summary, lang, split_every, crs, report)
        _move_outputs(stage, out, planned)
        summary.outputs = {
            name: out / Path(path).relative_to(stage) for name, path in summary.outputs.items()
        }
    log.info("run finished: %s", summary.inventory)
    return summary


def planned_outputs(sources: dict[str, Path], *, year: int, assessment: bool) -> list[str]:
    """Names of the files and folders a run writes into its output folder.

    Examples
    --------
    >>> names = planned_outputs({"roads": Path("roads.geojson")}, year=2026, assessment=True)
    >>> names[:3], names[-1]
    (['inventory.gpkg', 'inventory.qgs', 'roads.rejects.csv'], 'maps')
    """
    names = ["inventory.gpkg", "inventory.qgs", *(f"{layer}.rejects.csv" for layer in sources)]
    if assessment:
        names.append(f"retribution_{year}.xlsx")
    return [*names, "inventory_report.xlsx", "field_map.html", "maps"]


def _refuse_existing(out: Path, planned: list[str]) -> None:
    existing = [out / name for name in planned if (out / name).exists()]
    if existing:
        raise OutputExistsError(
            existing[0], f" ({len(existing)} output(s) of an earlier run in {out})"
        )


@contextlib.contextmanager
def _staging_folder(out: Path) -> Iterator[Path]:
    """A hidden folder beside ``out`` (same parent, so the same relative paths to photos
    and sources), removed with whatever is left in it."""
    stage = out.parent / f".{out.name}.run-{uuid.uuid4().hex[:8]}.partial"
    stage.mkdir()
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _move_outputs(stage: Path, out: Path, planned: list[str]) -> None:
    """Move every staged output into ``out``; remove planned outputs this run did not
    produce again (the rejects file of a layer now without refused rows)."""
    for name in planned:
        staged, target = stage / name, out / name
        if staged.is_dir():
            _replace_folder(staged, target)
        elif staged.exists():
            os.replace(staged, target)
        elif target.is_file():
            target.unlink()


def _replace_folder(staged: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)


def _run_stages(stage, sources, schedule, summary, lang, split_every, crs, report) -> None:
    """Every stage of :func:`run_pipeline`, writing into the folder ``stage``."""
    from geoasset.assessment import assess, write_assessment
    from geoasset.chainage import locate_assets
    from geoasset.corridors import build_corridors
    from geoasset.ingest import import_layer
    from geoasset.maps import field_map, save_field_maps, save_map
    from geoasset.qa import run_qa, summarise_findings
    from geoasset.qgis import write_layer_styles, write_qgis_project
    from geoasset.reports import write_tables_xlsx, write_xlsx
    from geoasset.store import Batch, create_inventory
    from geoasset.summary import inventory_report

    out = stage
    year = summary.year
    inventory = stage / "inventory.gpkg"
    inv = create_inventory(inventory)

    report("import", 0, len(sources))
    for done, (layer, source) in enumerate(sources.items(), start=1):
        result = import_layer(
            inventory, layer, source, mode="replace", rejects_path=out / f"{layer}.rejects.csv"
        )
        summary.imported[layer] = result.rows_written
        summary.refused[layer] = result.rows_refused
        if result.rejects_path:
            summary.outputs[f"rejects {layer}"] = Path(result.rejects_path)
        report("import", done, len(sources))

    frames = {layer: inv.read(layer) for layer in INVENTORY_LAYERS if inv.count(layer)}
    roads = frames["roads"]

    report("corridors", 0, 1)
    corridor_frame = build_corridors(
        roads, parcels=frames.get("parcels"), crs=crs, split_every=split_every
    )
    inv.write({"corridors": corridor_frame}, batch=Batch(command="run corridors"))
    summary.corridors = len(corridor_frame)
    summary.corridor_area_m2 = float(corridor_frame["area_m2"].sum())
    frames["corridors"] = corridor_frame
    report("corridors", 1, 1)

    assets = {
        layer: frames[layer]
        for layer in ("poles", "bridges", "monuments", "utility_lines")
        if layer in frames
    }
    report("chainage", 0, 1)
    located = locate_assets(assets, roads, corridors=corridor_frame, crs=crs)
    inv.write(located, batch=Batch(command="run chainage"))
    frames.update(located)
    summary.located = {
        layer: int(frame["road_id"].notna().sum()) for layer, frame in located.items()
    }
    report("chainage", 1, 1)

    report("qa", 0, 1)
    findings = run_qa(frames, crs=crs)
    inv.write(
        {"qa_findings": findings, "qa_summary": summarise_findings(findings)},
        batch=Batch(command="run qa"),
    )
    summary.qa_errors = int((findings["severity"] == "error").sum())
    summary.qa_warnings = int((findings["severity"] == "warning").sum())
    report("qa", 1, 1)

    if schedule is not None:
        report("assess", 0, 1)
        assessment = assess(
            poles=frames.get("poles"),
            utility_lines=frames.get("utility_lines"),
            areas=frames.get("areas"),
            corridors=corridor_frame,
            tariffs=schedule,
            year=year,
            roads=roads,
            crs=crs,
        )
        write_assessment(inv, assessment)
        summary.total_rp = int(assessment.grand_total)
        summary.billable_assets = int(assessment.items["asset_id"].nunique())
        summary.invalid_rows = int(assessment.parameters.get("invalid_rows", "0"))
        report("assess", 1, 1)

    report("reports", 0, 2)
    if schedule is not None:
        path = out / f"retribution_{year}.xlsx"
        write_xlsx(assessment, path, lang=lang)
        summary.outputs["revenue report"] = path
    report("reports", 1, 2)
    path = out / "inventory_report.xlsx"
    write_tables_xlsx(inventory_report(frames, lang=lang), path)
    summary.outputs["inventory report"] = path
    report("reports", 2, 2)

    report("maps", 0, 1)
    overview = out / "field_map.html"
    save_map(
        field_map(inventory, lang=lang, title="geoasset field map", corridor_maps="maps"),
        overview,
    )
    summary.outputs["field map"] = overview
    maps_dir = out / "maps"
    save_field_maps(inventory, maps_dir, lang=lang)  # per corridor, per area for a city
    summary.outputs["corridor maps"] = maps_dir / "index.html"
    report("maps", 1, 1)

    report("qgis", 0, 1)
    write_layer_styles(inv)  # QGIS opens every layer in the map's colours
    summary.outputs["QGIS project"] = write_qgis_project(inv, out / "inventory.qgs")
    report("qgis", 1, 1)
