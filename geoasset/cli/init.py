"""``geoasset init``: create an empty inventory GeoPackage."""

from __future__ import annotations

import click

from geoasset.cli.options import inventory_arg


@click.command(short_help="Create an empty inventory GeoPackage.")
@inventory_arg
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
def init(inventory: str, overwrite: bool) -> None:
    """Create INVENTORY.gpkg with every inventory layer (EPSG:4326), a metadata
    table and a history table.

    \b
    Example:
      geoasset init kupang.gpkg
    """
    from geoasset.store import create_inventory

    inv = create_inventory(inventory, overwrite=overwrite)
    click.echo(f"created {inv.path} with layers: {', '.join(inv.layers())}", err=True)
