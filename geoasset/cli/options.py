"""Options, arguments and argument checks shared by several commands, declared once."""

from __future__ import annotations

import click

inventory_arg = click.argument(
    "inventory", type=click.Path(dir_okay=False, path_type=str), metavar="INVENTORY.gpkg"
)

existing_inventory_arg = click.argument(
    "inventory",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    metavar="INVENTORY.gpkg",
)


def _parse_crs(ctx: click.Context, param: click.Parameter, value):
    if value is None:
        return None
    from geoasset.crs import parse_crs
    from geoasset.errors import CRSError

    try:
        return parse_crs(value)
    except CRSError:
        raise click.BadParameter(f"unknown CRS {value!r} (use e.g. EPSG:32751)") from None


def _parse_metric_crs(ctx: click.Context, param: click.Parameter, value):
    crs = _parse_crs(ctx, param, value)
    if crs is None:
        return None
    from geoasset.crs import require_metric
    from geoasset.errors import CRSError

    try:
        return require_metric(crs)
    except CRSError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def crs_option(help_text: str):
    """``--crs``: any CRS pyproj knows (the library refuses an unsuitable one, exit 1)."""
    return click.option("--crs", callback=_parse_crs, metavar="CRS", help=help_text)


def metric_crs_option(help_text: str):
    """``--crs`` that must be projected in metres; anything else is a usage error (exit 2)."""
    return click.option("--crs", callback=_parse_metric_crs, metavar="CRS", help=help_text)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")

lang_option = click.option(
    "--lang",
    type=click.Choice(["en", "id"]),
    default="en",
    show_default=True,
    envvar="GEOASSET_LANG",
    show_envvar=True,
    help="Language of headings and labels (English or Bahasa Indonesia).",
)

#: ``--lang`` of the billing commands (statements, permits, payments): what the revenue
#: office sends is in Bahasa Indonesia unless asked otherwise.
billing_lang_option = click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default="id",
    show_default=True,
    envvar="GEOASSET_LANG",
    show_envvar=True,
    help="Language of the statements and messages (Bahasa Indonesia or English).",
)
