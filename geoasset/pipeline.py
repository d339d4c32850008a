"""The main job end to end (``geoasset run``): one call per stage, nothing else.

A folder of field files named by layer (``roads.geojson``, ``poles.csv``, ...) becomes
``OUT_DIR/inventory.gpkg`` with corridors, chainage, QA findings and the assessment, plus
the XLSX reports and the field maps. Each stage is a library function documented in its
own module; this one only wires them together and reports progress.

Examples
--------
>>> find_sources("no/such/folder")
Traceback (most recent call last):
...
geoasset.errors.SourceError: no/such/folder: no such folder
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from geoasset.errors import SourceError
from geoasset.schema import INVENTORY_LAYERS

__all__ = ["RunSummary", "find_sources", "run_pipeline", "SOURCE_SUFFIXES", "STAGES"]

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
    from geoasset.assessment import assess, write_assessment
    from geoasset.chainage import locate_assets
    from geoasset.corridors import build_corridors
    from geoasset.ingest import import_layer
    from geoasset.maps import field_map, save_field_maps, save_map
    from geoasset.qa import run_qa, summarise_findings
    from geoasset.reports import write_tables_xlsx, write_xlsx
    from geoasset.store import Batch, create_inventory
    from geoasset.summary import inventory_report
    from geoasset.tariffs import load_tariffs

    report = progress or (lambda stage, done, total: None)
    sources = find_sources(source_dir)
    year = year or date.today().year
    schedule = load_tariffs(tariffs) if tariffs else None  # fail before writing
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inventory = out / "inventory.gpkg"
    inv = create_inventory(inventory, overwrite=overwrite)
    summary = RunSummary(inventory=inventory, year=year)

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
    log.info("run finished: %s", inventory)
    return summary
