"""``geoasset diff``: what changed between two dates (added, removed, moved, changed)."""

from __future__ import annotations

import click

from geoasset.cli.options import existing_inventory_arg

__all__ = ["diff"]


@click.command(name="diff", short_help="What changed between two dates.")
@existing_inventory_arg
@click.option("--from", "date_from", required=True, metavar="DATE", help="Earlier date.")
@click.option("--to", "date_to", required=True, metavar="DATE", help="Later date.")
@click.option(
    "--recorded",
    is_flag=True,
    help="Compare what the inventory held on those dates (record time), not the ground.",
)
@click.option(
    "--layer", "layers", multiple=True, metavar="LAYER", help="Only this layer (repeatable)."
)
@click.option(
    "--by",
    type=click.Choice(["road_id", "owner"]),
    multiple=True,
    help="Also print the counts per road or per owner (repeatable).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="PATH",
    help="Also write the changes with their positions (.gpkg or .geojson: a map layer; .csv).",
)
def diff(inventory, date_from, date_to, recorded, layers, by, output) -> None:
    """Print the assets of INVENTORY.gpkg that were added, removed, moved or changed
    between --from and --to (tab-separated on stdout), with their road and owner.
    Dates are ground dates; --recorded compares the inventory as it was held.

    \b
    Example:
      geoasset diff kupang.gpkg --from 2025-11-01 --to 2026-06-30 --by road_id --by owner
    """
    from geoasset.history_diff import summarise
    from geoasset.jobs import changes_between
    from geoasset.tariffs import parse_date

    for option, value in (("--from", date_from), ("--to", date_to)):
        try:
            parse_date(value)
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
            ) from None
    changes = changes_between(
        inventory, date_from, date_to, recorded=recorded, layers=list(layers) or None
    )
    table = changes.drop(columns="geometry")
    click.echo(table.to_csv(sep="\t", index=False, na_rep="", float_format="%.1f"), nl=False)
    for key in by:
        click.echo(f"\nper {key}")
        click.echo(summarise(changes, key).to_csv(sep="\t", index=False), nl=False)
    counts = changes["change"].value_counts().to_dict()
    click.echo(
        f"{len(changes)} changes from {date_from} to {date_to}"
        + (" (as recorded)" if recorded else "")
        + "".join(f", {n} {k}" for k, n in counts.items()),
        err=True,
    )
    if output:
        from geoasset.history_diff import write_changes

        write_changes(changes, output)
        click.echo(f"changes written to {output}", err=True)
