"""``geoasset report``: inventory tables (roads, bridges, monuments, poles, lines)."""

from __future__ import annotations

import json

import click

from geoasset.cli.options import (
    check_output_file,
    existing_inventory_arg,
    json_option,
    lang_option,
)


@click.command(short_help="Inventory report: road length, bridge priority, monuments, owners.")
@existing_inventory_arg
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the tables to this XLSX workbook.",
)
@json_option
@lang_option
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def report(inventory: str, output: str | None, as_json: bool, lang: str, overwrite: bool) -> None:
    """Summarise INVENTORY.gpkg: road length by status, function and condition;
    bridges by BMS condition with a priority list (worst first, then longest);
    monuments by status and estimated cost; poles and lines by owner.

    \b
    Example:
      geoasset report out/inventory.gpkg -o inventory_report.xlsx --lang id
    """
    from geoasset.i18n import t
    from geoasset.schema import INVENTORY_LAYERS
    from geoasset.store import open_inventory
    from geoasset.summary import inventory_report
    from geoasset.text import terminal_text

    if output:
        check_output_file(output, overwrite=overwrite)
    inv = open_inventory(inventory)
    frames = {layer: inv.read(layer) for layer in INVENTORY_LAYERS if inv.count(layer)}
    tables = inventory_report(frames, lang=lang)
    if output:
        from geoasset.reports import write_tables_xlsx

        write_tables_xlsx(tables, output)
        click.echo(f"wrote {output}", err=True)
    if as_json:
        data = {name: json.loads(table.to_json(orient="records")) for name, table in tables.items()}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not tables:
        click.echo("the inventory is empty", err=True)
    for name, table in tables.items():
        click.echo(f"\n{t(f'report_{name}', lang)}")
        click.echo(terminal_text(table.to_string(index=False)))  # no escapes from the data
