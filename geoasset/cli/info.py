"""``geoasset info``: what an inventory holds."""

from __future__ import annotations

import json

import click

from geoasset.cli.options import existing_inventory_arg, json_option


@click.command(short_help="Layers, counts, extent and last batches of an inventory.")
@existing_inventory_arg
@json_option
@click.option("--batches", default=5, show_default=True, help="How many recent batches to list.")
def info(inventory: str, as_json: bool, batches: int) -> None:
    """Describe INVENTORY.gpkg: layers with row counts, extent and CRS, schema
    version and the most recent write batches.

    \b
    Example:
      geoasset info kupang.gpkg --json
    """
    from geoasset.jobs import inventory_info

    data = inventory_info(inventory, batches=batches)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"inventory  {data['path']}")
    click.echo(f"schema     version {data['schema_version']}")
    width = max([len(layer["name"]) for layer in data["layers"]] + [5]) + 2
    click.echo(f"{'layer':<{width}}{'rows':>8}  {'geometry':<16}extent (lon/lat)")
    for layer in data["layers"]:
        extent = layer["extent"]
        text = "" if extent is None else " ".join(f"{v:.5f}" for v in extent)
        click.echo(
            f"{layer['name']:<{width}}{layer['rows']:>8}  {layer['geometry'] or '-':<16}{text}"
        )
    if data["batches"]:
        click.echo("recent batches:")
        for b in data["batches"]:
            click.echo(
                f"  {b['time_utc'][:19]}  {b['command']:<10} {b['layer']:<{width}}"
                f"+{b['rows_added']} replaced {b['rows_replaced']} refused {b['rows_refused']}"
                f"  {b['source']}"
            )
