"""``geoasset assess``: retribution per corridor from a tariff schedule."""

from __future__ import annotations

import click

from geoasset.cli.options import (
    check_cluster_options,
    cluster_options,
    existing_inventory_arg,
    lang_option,
    metric_crs_option,
)


def _date(ctx: click.Context, param: click.Parameter, value):
    if value is None:
        return None
    from geoasset.tariffs import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _instant(ctx: click.Context, param: click.Parameter, value):
    if value is None:
        return None
    from geoasset.history_read import instant

    try:
        instant(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: {exc}", param=param) from None
    return value


def _xlsx(ctx: click.Context, param: click.Parameter, value):
    if value is not None and not value.lower().endswith(".xlsx"):
        raise click.BadParameter(f"{value!r} must end in .xlsx", param=param)
    return value


@click.command(short_help="Retribution per corridor: line items, totals, XLSX and CSV reports.")
@existing_inventory_arg
@click.option(
    "--tariffs",
    "tariffs_path",
    required=True,
    type=click.Path(exists=True, path_type=str),
    metavar="PATH",
    help="Tariff schedule CSV (see layers/tariffs_example.csv), or a folder of versions.",
)
@click.option("--year", type=click.IntRange(1900, 2200), help="Bill this calendar year.")
@click.option("--from", "date_from", callback=_date, metavar="DATE", help="First day billed.")
@click.option("--to", "date_to", callback=_date, metavar="DATE", help="Last day billed.")
@click.option(
    "--permits",
    "permits_path",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    metavar="FILE",
    help="Permits CSV (permit_no, owner, valid_from, valid_to, paid_until): marks line "
    "items paid / unpaid / no permit. Without it, the permits and payments imported into "
    "the inventory settle the line items as the statements do.",
)
@click.option(
    "-o",
    "--output",
    "xlsx",
    callback=_xlsx,
    type=click.Path(dir_okay=False, path_type=str),
    metavar="REPORT.xlsx",
    help="Write the XLSX workbook here.",
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False, path_type=str),
    metavar="DIR",
    help="Write the CSV files into this folder.",
)
@click.option(
    "--as-of",
    "as_of",
    callback=_instant,
    metavar="DATE",
    help="Bill the inventory as it stood on the ground on DATE (what was known then: "
    "assets found later are left out), reproducing an assessment made then.",
)
@click.option(
    "--recorded", is_flag=True, help="With --as-of: the inventory exactly as held on DATE."
)
@click.option("--overwrite", is_flag=True, help="Replace existing report files.")
@click.option(
    "--rows",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Corridors listed on the terminal (0: all); the total covers all.",
)
@lang_option
@metric_crs_option(
    "Metric CRS for lengths and distances, e.g. EPSG:32751 (default: the corridors' metric_crs)."
)
@cluster_options
def assess(
    inventory: str,
    tariffs_path: str,
    year: int | None,
    date_from,
    date_to,
    permits_path: str | None,
    xlsx: str | None,
    csv_dir: str | None,
    as_of: str | None,
    recorded: bool,
    overwrite: bool,
    rows: int,
    lang: str,
    crs,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Assess the retribution owed for poles, utility lines and areas standing in the
    right-of-way corridors of INVENTORY.gpkg, for a calendar year (--year) or a
    period (--from and --to, both days included).

    Writes the layers assessment_items, assessment_totals and assessment_not_billable
    into the inventory, optionally an XLSX workbook and CSV files, and prints the
    corridor-by-corridor totals. Nothing is written if the tariff file has problems:
    every problem is listed with its row and column.

    Rows that fail the layer specification (duplicate id, blank owner, unknown kind,
    unreadable date: what geoasset validate refuses) are never billed: they are listed
    as not billable (reason invalid_row, with the row, field and rule), the reports are
    written, and the exit status is 1.

    \b
    Example:
      geoasset assess kupang.gpkg --tariffs layers/tariffs_example.csv --year 2026 \\
          -o retribusi_2026.xlsx --csv retribusi_2026/
    """
    if year is not None and (date_from or date_to):
        raise click.UsageError("give either --year or --from/--to, not both")
    if year is None and not (date_from and date_to):
        raise click.UsageError("give --year, or both --from and --to")
    if date_from and date_to and date_to < date_from:
        raise click.BadParameter(f"{date_to} is before --from {date_from}", param_hint="--to")
    if recorded and as_of is None:
        raise click.UsageError("--recorded needs --as-of DATE")
    check_cluster_options(workers, scheduler)

    from geoasset.i18n import t
    from geoasset.jobs import assess as assess_inventory
    from geoasset.reports import format_summary

    def announce(assets: int, corridors: int) -> None:
        message = t("sum_assessing", lang).format(assets=f"{assets:,}", corridors=f"{corridors:,}")
        click.echo(message, err=True)

    from geoasset.distributed import engine

    with engine(workers=workers, scheduler=scheduler) as on_cluster:
        job = assess_inventory(
            inventory,
            tariffs=tariffs_path,
            year=year,
            period_from=date_from,
            period_to=date_to,
            permits=permits_path,
            crs=crs,
            xlsx=xlsx,
            csv_dir=csv_dir,
            lang=lang,
            overwrite=overwrite,
            started=announce,
            as_of=as_of,
            recorded=recorded,
            engine=on_cluster,
        )
    click.echo(format_summary(job.assessment, limit=rows or None, lang=lang))
    layers = "assessment_items, assessment_totals, assessment_not_billable"
    click.echo(t("sum_wrote_layers", lang).format(layers=layers, path=inventory), err=True)
    for path in job.written:
        click.echo(t("sum_wrote", lang).format(path=path), err=True)
    invalid = job.invalid_rows
    if invalid:
        raise click.ClickException(
            f"{invalid:,} row(s) fail the layer specification and were not billed (listed "
            f"as not billable, reason invalid_row); fix them (geoasset validate {inventory}) "
            "and assess again"
        )
