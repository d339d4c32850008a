"""``geoasset validate``: re-check every layer of an inventory against the schema."""

from __future__ import annotations

import json

import click

from geoasset.cli.main import cli_message
from geoasset.cli.options import existing_inventory_arg, json_option

__all__ = ["validate"]


@click.command(short_help="Check every inventory layer against the schema.")
@existing_inventory_arg
@json_option
@click.pass_context
def validate(ctx: click.Context, inventory: str, as_json: bool) -> None:
    """Re-check every layer of INVENTORY.gpkg against its specification: types,
    required and allowed values, duplicate ids, geometry type and validity.

    Prints one line per problem on stdout, e.g.
    layer 'poles' row 17 field 'owner': required value is empty
    (rows count each layer's features from 1). Exit status 1 if any problem was found,
    0 if the inventory is clean.

    \b
    Example:
      geoasset validate kupang.gpkg
      geoasset validate kupang.gpkg --json > problems.json
    """
    from geoasset.jobs import validate_inventory

    found = validate_inventory(inventory)
    total = sum(len(p) for p in found.values())
    if as_json:
        data = {
            "inventory": inventory,
            "problems": [
                {"layer": layer, "row": p.row, "field": p.field, "message": cli_message(p.message)}
                for layer, problems in found.items()
                for p in problems
            ],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for layer, problems in found.items():
            for problem in problems:
                click.echo(f"layer {layer!r} {cli_message(problem)}")
    layers = ", ".join(f"{layer} {len(p)}" for layer, p in found.items())
    click.echo(f"{total} problem(s) in {len(found)} layers ({layers})", err=True)
    if total:
        ctx.exit(1)
