"""``geoasset report``: inventory tables (roads, bridges, monuments, poles, lines)."""

from __future__ import annotations

import json

import click

from geoasset.cli.options import existing_inventory_arg, json_option, lang_option


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
    from geoasset.jobs import write_inventory_report
    from geoasset.text import terminal_text

    tables = write_inventory_report(inventory, output or None, lang=lang, overwrite=overwrite)
    if output:
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
