"""``geoasset corridors``: build the right-of-way (Rumija) corridors of the roads."""

from __future__ import annotations

import math

import click

from geoasset.cli.options import crs_option, existing_inventory_arg


def _split_every(ctx: click.Context, param: click.Parameter, value):
    if value is not None and not (math.isfinite(value) and value > 0):
        raise click.BadParameter(f"must be a number of metres > 0, got {value!r}")
    return value


@click.command(short_help="Right-of-way corridors of the roads (a partition of the land).")
@existing_inventory_arg
@crs_option("Metric CRS to compute in (projected, metres); default: UTM zone of the roads.")
@click.option(
    "--split-every",
    type=float,
    metavar="METRES",
    callback=_split_every,
    help="Cut each corridor into chainage pieces this long (e.g. 1000: STA 0+000 – 1+000).",
)
@click.option(
    "--widths",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    metavar="FILE",
    help="CSV 'road_class,width_m' overriding the PP 34/2006 minimum width per class.",
)
def corridors(inventory: str, crs, split_every: float | None, widths: str | None) -> None:
    """Build the Rumija corridor of every road of INVENTORY.gpkg and write them as the
    'corridors' layer (replacing it).

    Width: the road's parcel if one exists, else its rumija_m, else the widths file,
    else the minimum for its class (30/25/15/11 m). Where the right-of-way of roads
    overlaps, the land goes to a certified parcel first, then to the wider road, then
    to the nearer centreline, then to the smaller road_id: no land is counted twice. The number of corridors, their
    area and the metric CRS go to stderr; a table of the corridors to stdout.

    \b
    Example:
      geoasset corridors kupang.gpkg
      geoasset corridors kupang.gpkg --split-every 1000 --widths widths.csv
    """
    from geoasset.jobs import build_corridors

    result = build_corridors(inventory, widths=widths, crs=crs, split_every=split_every)
    metric = result["metric_crs"].iloc[0] if len(result) else "-"
    click.echo(
        f"{inventory}: {len(result)} corridors, {result['area_m2'].sum() / 1e4:,.2f} ha, "
        f"computed in {metric}",
        err=True,
    )
    skipped = result.attrs.get("skipped", {})
    if skipped:
        click.echo(f"{len(skipped)} road(s) without a corridor:", err=True)
        for road_id, reason in skipped.items():
            click.echo(f"  {road_id}: {reason}", err=True)
    cut = result["note"].astype(str) != ""
    for corridor_id, note in zip(result["corridor_id"][cut], result["note"][cut], strict=True):
        click.echo(f"corridor {corridor_id}: {note}", err=True)
    width = max([len("corridor_id"), *(len(c) for c in result["corridor_id"])])
    click.echo(f"{'corridor_id':<{width}}  {'road_id':<12}{'width_m':>9}{'area_m2':>14}")
    for row in result[["corridor_id", "road_id", "width_m", "area_m2"]].itertuples(index=False):
        click.echo(
            f"{row.corridor_id:<{width}}  {row.road_id:<12}{row.width_m:>9.2f}{row.area_m2:>14.2f}"
        )
