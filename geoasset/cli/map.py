"""``geoasset map``: field-review maps as self-contained HTML files."""

from __future__ import annotations

from pathlib import Path

import click

from geoasset.cli.options import existing_inventory_arg


@click.command(short_help="Field-review map(s) as self-contained HTML that works offline.")
@existing_inventory_arg
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.html",
    help="Write one map to this file.",
)
@click.option(
    "--per-corridor",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write one map per corridor and an index.html linking them into DIR.",
)
@click.option(
    "--per-area",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write one map per area (squares of 2 km; what geoasset run writes for more than "
    "200 corridors) and an index.html listing them into DIR.",
)
@click.option(
    "--corridor",
    "corridors",
    multiple=True,
    metavar="ID",
    help="Only this corridor and the assets near it (repeatable).",
)
@click.option("--road", "roads", multiple=True, metavar="ID", help="Only this road (repeatable).")
@click.option("--title", metavar="TEXT", help="Heading of the map.")
@click.option(
    "--lang",
    type=click.Choice(["en", "id"]),
    default="en",
    show_default=True,
    help="Language of every label (id: Bahasa Indonesia).",
)
@click.option(
    "--embed-photos/--link-photos",
    default=None,
    help="Embed each asset's photo as a thumbnail (paths relative to the inventory) or "
    "link to it [default: embed in corridor and area maps; an overview links to them].",
)
@click.option(
    "--photo-budget",
    type=click.FloatRange(min=0),
    default=3000,
    show_default=True,
    metavar="KB",
    help="Most kilobytes of thumbnails in one map; the photos past it are links.",
)
@click.option(
    "--basemap",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="An MBTiles or PMTiles file of raster tiles: the tiles of the map's extent go "
    "into the HTML as an offline background.",
)
@click.option(
    "--background",
    "backgrounds",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="More vector data drawn light under the map (lines, polygons, named points; "
    "repeatable), besides the boundaries and roads drawn by default.",
)
@click.option(
    "--no-background", is_flag=True, help="Draw no offline background (boundaries, roads)."
)
@click.option(
    "--light/--full",
    default=None,
    help="Draw the overview light (corridors simplified, poles from zoom 16, detail in the "
    "corridor maps) or in full [default: light past 20,000 features or 250,000 vertices].",
)
@click.option(
    "--corridor-maps",
    metavar="DIR",
    help="Folder of the per-corridor maps, relative to FILE.html: popups link to them.",
)
@click.option(
    "--area-maps",
    metavar="DIR",
    help="Folder of the per-area maps, relative to FILE.html: popups link to them.",
)
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
def map(  # the command is called "map" (shadows the builtin here only)
    inventory: str,
    output: Path | None,
    per_corridor: Path | None,
    per_area: Path | None,
    corridors: tuple[str, ...],
    roads: tuple[str, ...],
    title: str | None,
    lang: str,
    embed_photos: bool | None,
    photo_budget: float,
    basemap: str | None,
    backgrounds: tuple[str, ...],
    no_background: bool,
    light: bool | None,
    corridor_maps: str | None,
    area_maps: str | None,
    overwrite: bool,
) -> None:
    """Draw INVENTORY.gpkg as a field-review map: corridors coloured by assessed
    retribution, roads with chainage, poles by owner and billing status, utility
    lines, bridges and monuments, with search, measure, locate-me and popups. The
    HTML file carries its own scripts and a light background (boundaries, roads,
    place names; --basemap tiles): it opens without a network, online tiles only when
    chosen. Give exactly one of -o, --per-corridor and --per-area.

    \b
    Example:
      geoasset map kupang.gpkg -o kupang.html --lang id
      geoasset map kupang.gpkg -o polda.html --corridor R1:0 --basemap office.mbtiles
      geoasset map kupang.gpkg --per-corridor maps/
      geoasset map city.gpkg --per-area maps/
      geoasset map city.gpkg -o city.html --area-maps maps/
      geoasset map city.gpkg -o one.html --corridor JKT-02742
    """
    if sum(x is not None for x in (output, per_corridor, per_area)) != 1:
        raise click.UsageError("give exactly one of -o/--output, --per-corridor and --per-area")
    if corridor_maps is not None and area_maps is not None:
        raise click.UsageError("give at most one of --corridor-maps and --area-maps")
    from geoasset.jobs import write_detail_maps, write_field_map

    options = {
        "corridor_ids": list(corridors) or None,
        "road_ids": list(roads) or None,
        "title": title,
        "lang": lang,
        "embed_photos": embed_photos,
        "photo_budget_kb": photo_budget,
        "background": False if no_background else list(backgrounds) or True,
        "basemap": basemap,
    }
    if output is None and (light is not None or corridor_maps or area_maps):
        raise click.UsageError(
            "--light/--full, --corridor-maps and --area-maps go with -o/--output"
        )
    if output is not None:
        links = (
            {"corridor_maps": area_maps, "maps_per": "area"}
            if area_maps is not None
            else {"corridor_maps": corridor_maps, "maps_per": "corridor"}
        )
        m, path = write_field_map(
            inventory, output, overwrite=overwrite, light=light, **links, **options
        )
        shown = ", ".join(f"{n} {layer}" for layer, n in m.counts.items())
        size = path.stat().st_size / 1e6
        kind = " light overview" if m.light else ""
        click.echo(f"wrote{kind} {path} ({size:.1f} MB): {shown or 'no features'}", err=True)
        if m.missing_photos:
            click.echo(f"{len(m.missing_photos)} photo(s) missing (listed above)", err=True)
        click.echo(str(path))
        return
    if per_area is not None:
        if corridors or roads:
            raise click.UsageError("--corridor and --road go with -o or --per-corridor")
        del options["corridor_ids"], options["road_ids"]
        paths = write_detail_maps(inventory, per_area, per="area", overwrite=overwrite, **options)
        click.echo(f"wrote {len(paths) - 1} area map(s) and {paths[-1]}", err=True)
    else:
        paths = write_detail_maps(
            inventory, per_corridor, per="corridor", overwrite=overwrite, **options
        )
        click.echo(f"wrote {len(paths) - 1} corridor map(s) and {paths[-1]}", err=True)
    for path in paths:
        click.echo(str(path))
