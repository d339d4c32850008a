"""``geoasset history``: every version of one asset, with the batch that recorded it."""

from __future__ import annotations

import click

from geoasset.cli.options import existing_inventory_arg

__all__ = ["history"]


@click.command(name="history", short_help="Every version of one asset, with its batch.")
@existing_inventory_arg
@click.argument("asset_id")
@click.option("--layer", metavar="LAYER", help="Layer of the asset [default: any layer].")
def history(inventory: str, asset_id: str, layer: str | None) -> None:
    """Print every version of ASSET_ID in INVENTORY.gpkg, oldest first (tab-separated
    on stdout): the change, its ground dates (valid_from..valid_to), when the
    inventory recorded and superseded it, and the batch (command, officer, app, source
    file with its SHA-256 prefix). Edits made outside geoasset since its last write are
    recorded first.

    \b
    Example:
      geoasset history kupang.gpkg POLE-000121
    """
    from geoasset.jobs import history_of_asset

    table = history_of_asset(inventory, asset_id, layer=layer)
    if not len(table):
        raise click.ClickException(
            f"{click.format_filename(inventory)}: no asset {asset_id!r} in the history"
        )
    click.echo(table.to_csv(sep="\t", index=False, na_rep=""), nl=False)
