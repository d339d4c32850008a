"""``geoasset run``: the main job, from a folder of field files to reports and maps."""

from __future__ import annotations

import click

from geoasset.cli.options import check_cluster_options, cluster_options, crs_option, lang_option


@click.command(short_help="Build the inventory and every output from a folder of field files.")
@click.argument("source_dir", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Output folder (created if needed).",
)
@click.option(
    "--tariffs",
    type=click.Path(exists=True, path_type=str),
    help="Tariff schedule CSV, or a folder of versions; without it the assessment is skipped.",
)
@click.option("--year", type=click.IntRange(1900, 2200), help="Billing year [default: this year].")
@click.option(
    "--split-every",
    type=click.FloatRange(min=1, min_open=False),
    help="Cut corridors into chainage pieces of this many metres.",
)
@crs_option("Metric CRS for lengths and areas [default: UTM zone of the data].")
@lang_option
@click.option("--overwrite", is_flag=True, help="Replace OUT_DIR/inventory.gpkg if it exists.")
@cluster_options
@click.pass_context
def run(
    ctx, source_dir, out_dir, tariffs, year, split_every, crs, lang, overwrite, workers, scheduler
) -> None:
    """Import every layer file in SOURCE_DIR (roads.geojson, poles.csv, ...), build the
    right-of-way corridors and chainage, run the QA rules, assess retribution with the
    tariff schedule, and write OUT_DIR/inventory.gpkg, the XLSX reports and the field
    maps. Progress goes to stderr; the final summary to stdout.

    With --workers N (or --scheduler ADDRESS) the assessment runs part by part on a
    Dask cluster, with the same line items and totals; a worker that dies fails the run
    (exit status 1) and OUT_DIR is left as it was.

    \b
    Example:
      geoasset run layers/kupang -o out --tariffs layers/tariffs_example.csv --year 2026
      geoasset run layers/kupang -o out --tariffs layers/tariffs_example.csv --workers 2
    """
    from tqdm import tqdm

    from geoasset.i18n import t

    quiet = ctx.obj.get("verbosity", 0) < 0 if ctx.obj else False
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if quiet:
            return
        bar = bars.get(stage)
        if bar is None:
            label = t(f"stage_{stage}", lang)
            unit = t("stage_step", lang)
            bar = bars[stage] = tqdm(total=total, desc=f"{label:<10}", unit=unit, leave=True)
        bar.total = max(total, 1)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    from geoasset.distributed import engine
    from geoasset.pipeline import run_pipeline

    check_cluster_options(workers, scheduler)
    parts = (lambda done, total: progress("assess", done, total)) if tariffs else None
    on = bool(tariffs)  # the cluster only computes the assessment
    try:
        with engine(
            workers=workers if on else None, scheduler=scheduler if on else None, progress=parts
        ) as assess_engine:
            summary = run_pipeline(
                source_dir,
                out_dir,
                tariffs=tariffs,
                year=year,
                lang=lang,
                overwrite=overwrite,
                split_every=split_every,
                crs=crs,
                progress=progress,
                engine=assess_engine,
            )
    finally:  # an error message starts on a line of its own
        for bar in bars.values():
            bar.close()
    for line in summary.lines(lang):
        click.echo(line)
    if summary.invalid_rows:
        raise click.ClickException(
            f"{summary.invalid_rows:,} row(s) fail the layer specification and were not "
            "billed (listed as not billable, reason invalid_row)"
        )
