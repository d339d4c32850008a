"""``geoasset chainage``: road, STA, offset and side of every asset of an inventory."""

from __future__ import annotations

import math

import click

from geoasset.cli.options import crs_option, existing_inventory_arg


def _tolerance(ctx: click.Context, param: click.Parameter, value):
    if not (math.isfinite(value) and value >= 0):
        raise click.BadParameter(f"must be a number of metres >= 0, got {value!r}")
    return value


@click.command(short_help="Road, STA, offset and side of every asset.")
@existing_inventory_arg
@click.option(
    "--tolerance",
    type=float,
    default=50.0,
    show_default=True,
    metavar="METRES",
    callback=_tolerance,
    help="Outside every corridor, take the nearest road only within this distance.",
)
@crs_option("Metric CRS to measure in (projected, metres); default: UTM zone of the roads.")
def chainage(inventory: str, tolerance: float, crs) -> None:
    """Locate the poles, bridges, monuments and utility lines of INVENTORY.gpkg along
    their roads and store road_id, sta_m, sta ('STA 12+300'), offset_m and side
    (left/right of the road's digitised direction) on them, in one atomic write.

    An asset's road is the corridor it stands in (if 'geoasset corridors' was run),
    else the nearest road within --tolerance. Utility lines get the chainage of their
    start and end. Prints, per layer, how many assets were located and not located.

    \b
    Example:
      geoasset chainage kupang.gpkg
      geoasset chainage kupang.gpkg --tolerance 25
    """
    from geoasset.jobs import locate_assets

    located = locate_assets(inventory, tolerance_m=tolerance, crs=crs)
    click.echo(f"{'layer':<16}{'located':>10}{'not_located':>13}")
    for name, frame in located.items():
        found = int(frame["road_id"].notna().sum())
        click.echo(f"{name:<16}{found:>10}{len(frame) - found:>13}")
