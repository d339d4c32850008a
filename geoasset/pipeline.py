"""The main job end to end (``geoasset run``): one call per stage, nothing else.

A folder of field files named by layer (``roads.geojson``, ``poles.csv``, ...) becomes
``OUT_DIR/inventory.gpkg`` with corridors, chainage, QA findings and the assessment, plus
the XLSX reports and the field maps. Each stage is a job of :mod:`geoasset.jobs`, the
same the ``geoasset`` commands call; this module only wires them together and reports
progress.

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

from geoasset.errors import SourceError
from geoasset.outputs import check_outputs
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

    def lines(self, lang: str = "en") -> list[str]:
        """The summary as printed at the end of ``geoasset run``, in ``lang``."""
        from geoasset.i18n import t
        from geoasset.money import format_rupiah

        def name(layer: str) -> str:
            return t(layer, lang) if lang != "en" else layer

        def output(key: str) -> str:
            if key.startswith("rejects "):
                return t("run_rejects", lang).format(layer=name(key.removeprefix("rejects ")))
            term = "run_" + key.replace(" ", "_").lower()
            return t(term, lang) if term != t(term, lang) else key

        imported = ", ".join(f"{name(layer)} {n}" for layer, n in self.imported.items())
        refused = ", ".join(f"{name(layer)} {n}" for layer, n in self.refused.items() if n)
        area = format_decimal(self.corridor_area_m2 / 10_000, "#,##0.00", lang)
        rows = [
            (t("run_inventory", lang), str(self.inventory)),
            (
                t("run_imported", lang),
                imported + (f" ({t('run_refused', lang)}: {refused})" if refused else ""),
            ),
            (t("run_assets", lang), str(self.assets)),
            (t("run_corridors", lang), f"{self.corridors} ({area} ha)"),
            (
                t("run_qa", lang),
                t("run_qa_counts", lang).format(errors=self.qa_errors, warnings=self.qa_warnings),
            ),
        ]
        if self.total_rp is not None:
            rows.append((t("run_billable", lang), str(self.billable_assets)))
            rows.append(
                (
                    t("run_total", lang).format(year=self.year),
                    f"{format_rupiah(self.total_rp, lang)} {t('run_per_year', lang)}",
                )
            )
        rows.extend((output(key), str(path)) for key, path in self.outputs.items())
        width = max(len(label) for label, _ in rows) + 2
        return [f"{label:<{width}}{value}" for label, value in rows]


def format_decimal(value: float, pattern: str, lang: str) -> str:
    """``value`` with the digit grouping of ``lang`` (Babel).

    >>> format_decimal(1234.5, "#,##0.00", "id")
    '1.234,50'
    """
    from babel.numbers import format_decimal as babel_decimal

    from geoasset.money import LOCALES

    return babel_decimal(value, format=pattern, locale=LOCALES[lang])


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
    engine: Callable | None = None,
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
    engine
        Computes the assessment in place of :func:`geoasset.assessment.assess`
        (:func:`geoasset.distributed.engine`: part by part on a Dask cluster).
    """
    from geoasset.tariffs import load_tariffs

    report = progress or (lambda stage, done, total: None)
    sources = find_sources(source_dir)
    year = year or date.today().year
    schedule = load_tariffs(tariffs) if tariffs else None  # fail before writing
    out = Path(out_dir)
    planned = planned_outputs(sources, year=year, assessment=schedule is not None)
    check_outputs([out / name for name in planned], overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(inventory=out / "inventory.gpkg", year=year)
    with _staging_folder(out) as stage:
        _run_stages(stage, sources, schedule, summary, lang, split_every, crs, report, engine)
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


def _run_stages(
    stage, sources, schedule, summary, lang, split_every, crs, report, engine=None
) -> None:
    """Every stage of :func:`run_pipeline`: the jobs of :mod:`geoasset.jobs`, writing into
    the folder ``stage``."""
    from geoasset import jobs
    from geoasset.store import create_inventory

    out = stage
    inv = create_inventory(stage / "inventory.gpkg")

    report("import", 0, len(sources))
    for done, (layer, source) in enumerate(sources.items(), start=1):
        result = jobs.import_file(
            inv, layer, source, mode="replace", rejects_path=out / f"{layer}.rejects.csv"
        )
        summary.imported[layer] = result.rows_written
        summary.refused[layer] = result.rows_refused
        if result.rejects_path:
            summary.outputs[f"rejects {layer}"] = Path(result.rejects_path)
        report("import", done, len(sources))

    report("corridors", 0, 1)
    corridors = jobs.build_corridors(inv, crs=crs, split_every=split_every)
    summary.corridors = len(corridors)
    summary.corridor_area_m2 = float(corridors["area_m2"].sum())
    report("corridors", 1, 1)

    report("chainage", 0, 1)
    located = jobs.locate_assets(inv, crs=crs)
    summary.located = {
        layer: int(frame["road_id"].notna().sum()) for layer, frame in located.items()
    }
    report("chainage", 1, 1)

    report("qa", 0, 1)
    quality = jobs.check_quality(inv, crs=crs)
    summary.qa_errors = quality.errors
    summary.qa_warnings = quality.warnings
    report("qa", 1, 1)

    report("assess", 0, 1)
    if schedule is not None:
        xlsx = out / f"retribution_{summary.year}.xlsx"
        assessed = jobs.assess(
            inv, tariffs=schedule, year=summary.year, crs=crs, xlsx=xlsx, lang=lang, engine=engine
        )
        summary.total_rp = int(assessed.assessment.grand_total)
        summary.billable_assets = int(assessed.assessment.items["asset_id"].nunique())
        summary.invalid_rows = assessed.invalid_rows
        summary.outputs["revenue report"] = xlsx
    report("assess", 1, 1)

    report("reports", 0, 1)
    path = out / "inventory_report.xlsx"
    jobs.write_inventory_report(inv, path, lang=lang)
    summary.outputs["inventory report"] = path
    report("reports", 1, 1)

    report("maps", 0, 1)
    overview = out / "field_map.html"
    jobs.write_field_map(inv, overview, lang=lang, title="geoasset field map", corridor_maps="maps")
    summary.outputs["field map"] = overview
    maps_dir = out / "maps"
    jobs.write_detail_maps(inv, maps_dir, lang=lang)  # per corridor, per area for a city
    summary.outputs["corridor maps"] = maps_dir / "index.html"
    report("maps", 1, 1)

    report("qgis", 0, 1)
    _, summary.outputs["QGIS project"] = jobs.write_qgis_project(inv, out / "inventory.qgs")
    report("qgis", 1, 1)
