"""``geoasset permits`` and ``geoasset payments``: the office's permits and receipts
imported into the inventory, where statements settle the line items against them."""

from __future__ import annotations

import click

from geoasset.cli.options import billing_lang_option, existing_inventory_arg

_file = click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, path_type=str), metavar="FILE"
)


def _mode(append: bool, overwrite: bool, default: str) -> str:
    if append and overwrite:
        raise click.UsageError("give --append or --overwrite, not both")
    return "append" if append else "replace" if overwrite else default


def _report(table: str, rows: int, inventory: str, file: str, lang: str) -> None:
    from geoasset.i18n import t
    from geoasset.text import terminal_text

    click.echo(
        f"{terminal_text(file)} -> {t(table, lang)}: {rows} {t('rows', lang)} "
        f"{t('imported', lang)} {t('into', lang)} {terminal_text(inventory)}"
    )


@click.command(short_help="Import permits (CSV/XLSX) into the inventory.")
@existing_inventory_arg
@_file
@click.option("--append", is_flag=True, help="Add to the permits already stored.")
@click.option("--overwrite", is_flag=True, help="Replace the permits already stored.")
@billing_lang_option
def permits(inventory, file, append, overwrite, lang):
    """Import the permits of FILE (CSV or XLSX: permit_no, owner, assets, corridor_id,
    valid_from, valid_to, note) into the permits table of INVENTORY.gpkg. Every problem
    of the file is listed with its row and field, and nothing is imported then.

    \b
    Example:
      geoasset permits out/inventory.gpkg layers/permits_example.csv
    """
    from geoasset.jobs import import_permits_file

    table = import_permits_file(inventory, file, mode=_mode(append, overwrite, "create"))
    _report("permits", len(table), inventory, file, lang)


@click.command(short_help="Import payments (CSV/XLSX) into the inventory.")
@existing_inventory_arg
@_file
@click.option("--overwrite", is_flag=True, help="Replace the payments already stored.")
@billing_lang_option
def payments(inventory, file, overwrite, lang):
    """Add the payments of FILE (CSV or XLSX: payment_id, permit_no, paid_on,
    period_from, period_to, amount_rp, reference) to the payments table of
    INVENTORY.gpkg (receipts accumulate; --overwrite replaces them). Each payment settles
    its period of its permit; the permits must be imported first.

    \b
    Example:
      geoasset payments out/inventory.gpkg layers/payments_example.csv
    """
    from geoasset.jobs import import_payments_file

    table = import_payments_file(inventory, file, mode="replace" if overwrite else "append")
    _report("payments", len(table), inventory, file, lang)
