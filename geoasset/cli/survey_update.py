"""``geoasset import ... --update``: a re-survey applied as one batch (the printing)."""

from __future__ import annotations

import click
import pandas as pd

__all__ = ["run_update"]

SHOWN_CHANGES = 50


def run_update(inventory: str, layer: str, source: str, **options) -> None:
    """Apply (or, with ``dry_run``, show) a survey; the changes go to stdout as a table.

    Example: ``geoasset import kupang.gpkg poles survei_2026.csv --update --dry-run``
    """
    from geoasset.cli.main import cli_message
    from geoasset.history_survey import survey_update

    report = survey_update(inventory, layer, source, **options)
    name = click.format_filename(source)
    for problem in report.problems[:20]:
        click.echo(f"  {name} {cli_message(problem)}", err=True)
    if len(report.problems) > 20:
        click.echo(f"  ... and {len(report.problems) - 20} more", err=True)
    changes = report.changes
    if len(changes):
        click.echo("asset_id\tchange\tdetail\tsource_row")
        for row in changes.head(SHOWN_CHANGES).itertuples():
            shown = "" if pd.isna(row.source_row) else int(row.source_row)
            click.echo(f"{row.asset_id}\t{row.change}\t{row.detail}\t{shown}")
        if len(changes) > SHOWN_CHANGES:
            click.echo(f"... and {len(changes) - SHOWN_CHANGES} more changes")
    click.echo(report.summary(), err=True)
    if report.rejects_path is not None:
        click.echo(f"refused rows written to {report.rejects_path}", err=True)
    if options.get("dry_run"):
        click.echo("dry run: nothing written", err=True)
    elif report.written:
        click.echo(f"recorded as batch {report.batch_id}", err=True)
    elif not len(changes) and report.rows_refused == report.rows_read:
        raise click.ClickException(
            f"{name}: nothing imported: all {report.rows_read} rows were refused"
        )
