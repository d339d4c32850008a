"""``geoasset export``: write an inventory layer to GeoJSON, CSV, shapefile, KML or GPKG."""

from __future__ import annotations

import click

from geoasset.cli.options import existing_inventory_arg

__all__ = ["export"]


def _check_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from geoasset.errors import GeoassetError
    from geoasset.export import export_format

    try:
        export_format(value)
    except GeoassetError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command(short_help="Write a layer to GeoJSON, CSV, shapefile, KML or GeoPackage.")
@existing_inventory_arg
@click.argument("layer")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    callback=_check_format,
    metavar="FILE",
    help="Output file; the extension picks the format: .geojson, .csv, .shp, .kml, .kmz, .gpkg, "
    ".parquet (GeoParquet).",
)
@click.option("--overwrite", is_flag=True, help="Replace FILE if it exists.")
@click.option(
    "--as-of", "as_of", metavar="DATE", help="The layer as it stood on the ground on DATE."
)
@click.option("--recorded", is_flag=True, help="With --as-of: as the inventory held it on DATE.")
def export(
    inventory: str, layer: str, output: str, overwrite: bool, as_of: str | None, recorded: bool
) -> None:
    """Write LAYER of INVENTORY.gpkg to FILE, in EPSG:4326.

    A .csv gets lon and lat columns for point layers and a wkt column otherwise
    (UTF-8 with BOM). Values are written verbatim: export is data interchange, so text
    beginning with =, +, - or @ is NOT altered; open such a CSV in a spreadsheet with
    care. A shapefile cuts field names to 10 characters and text to 254. An existing
    FILE is refused without --overwrite (exit status 1).

    \b
    Example:
      geoasset export kupang.gpkg poles -o poles.geojson
      geoasset export kupang.gpkg corridors -o corridors.csv --overwrite
      geoasset export kupang.gpkg poles -o poles_2025.gpkg --as-of 2025-12-31
      geoasset export kupang.gpkg poles -o poles.parquet
    """
    from geoasset.jobs import export_layer

    if recorded and as_of is None:
        raise click.UsageError("--recorded needs --as-of DATE")
    if as_of is not None:
        from geoasset.history_read import instant

        try:
            instant(as_of)
        except ValueError as exc:
            raise click.BadParameter(f"{as_of!r}: {exc}", param_hint="--as-of") from None
    rows = export_layer(
        inventory, layer, output, overwrite=overwrite, as_of=as_of, recorded=recorded
    )
    click.echo(f"wrote {rows} rows of {layer} to {output}", err=True)
