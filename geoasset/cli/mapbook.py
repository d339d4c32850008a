"""``geoasset mapbook``: printed map sheets along one corridor, one PDF page per stretch."""

from __future__ import annotations

import click

from geoasset.cli.options import existing_inventory_arg, output_file_option


@click.command(short_help="Printed map sheets (PDF) along one corridor.")
@existing_inventory_arg
@click.option("--corridor", "corridor_id", required=True, help="Corridor id, e.g. KPG-101.")
@output_file_option("PDF to write (its folder must exist).")
@click.option(
    "--paper",
    type=click.Choice(["A3", "A4"], case_sensitive=False),
    default="A3",
    show_default=True,
    help="Landscape paper size.",
)
@click.option(
    "--stretch",
    "stretch_m",
    type=click.FloatRange(min=10, max=100_000),
    default=500.0,
    show_default=True,
    metavar="METRES",
    help="Metres of road per page.",
)
@click.option(
    "--scale",
    type=click.IntRange(min=100, max=1_000_000),
    default=2500,
    show_default=True,
    metavar="N",
    help="Map scale 1:N; a page whose stretch does not fit uses the next larger scale.",
)
@click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default="id",
    show_default=True,
    help="Language of the labels.",
)
@click.option("--office", default="", help="Office name printed in the title block.")
@click.option(
    "--date",
    "issued_on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date printed on the sheets, YYYY-MM-DD (default: today).",
)
@click.option("--overwrite", is_flag=True, help="Replace the PDF if it exists.")
def mapbook(
    inventory, corridor_id, path, paper, stretch_m, scale, lang, office, issued_on, overwrite
):
    """Write a map book of one corridor of INVENTORY.gpkg: landscape PDF pages along the
    road, each with the corridor, centreline, STA ticks, asset ids, grid, scale bar,
    north arrow, title block, key map and the table of the assets on the page.

    Needs the corridors and the chainage stored (geoasset run, or geoasset corridors
    and geoasset chainage).

    \b
    Example:
      geoasset mapbook out/inventory.gpkg --corridor KPG-101 -o kpg-101.pdf
      geoasset mapbook out/inventory.gpkg --corridor NTT-001 -o ntt-001.pdf --paper A4 \\
          --stretch 300 --lang en --overwrite
    """
    from geoasset.jobs import write_corridor_mapbook

    book = write_corridor_mapbook(
        inventory,
        path,
        corridor_id=corridor_id,
        paper=paper.upper(),
        stretch_m=stretch_m,
        scale=scale,
        lang=lang,
        office=office,
        issued_on=issued_on.date() if issued_on else None,
        overwrite=overwrite,
    )
    scales = ", ".join(f"1:{s:,}" for s in book.scales)
    click.echo(f"{book.path}: {book.pages} page(s), scale {scales}")
