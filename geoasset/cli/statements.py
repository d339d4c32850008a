"""``geoasset statements``: one draft SKRD per owner (PDF and XLSX) and their index."""

from __future__ import annotations

import click

from geoasset.cli.options import billing_lang_option, existing_inventory_arg


@click.command()
@existing_inventory_arg
@click.option("--year", type=int, required=True, help="Year of the stored assessment.")
@click.option(
    "-o",
    "--out",
    "directory",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for the statements (created if missing).",
)
@click.option(
    "--owners",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="Owners register, CSV or XLSX (owner_id, legal_name, address, tax_id, contact, aliases).",
)
@click.option(
    "--settings",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="Office settings (TOML: number pattern, due days, account, signatory).",
)
@click.option(
    "--issued-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date of issue, YYYY-MM-DD (default: today); the due date counts from it.",
)
@billing_lang_option
@click.option("--overwrite", is_flag=True, help="Replace statement files that exist.")
def statements(inventory, year, directory, owners, settings, issued_on, lang, overwrite):
    """Write a draft SKRD per owner from the assessment stored in INVENTORY.gpkg.

    With permits and payments in the inventory (geoasset permits, geoasset payments)
    each statement separates what is paid, billed and unpaid this year, owed for assets
    without a permit (also listed in assets_without_permit.csv) and owed from earlier
    years' statements, with the sanction of the settings file, and the amount due.

    \b
    Example:
      geoasset statements out/inventory.gpkg --year 2026 -o out/skrd \\
          --owners layers/owners_example.csv --settings layers/statements_example.toml
    """
    from geoasset.i18n import t
    from geoasset.jobs import write_statements
    from geoasset.money import format_rupiah
    from geoasset.statement_files import (
        WARNINGS_NAME,
        note_text,
        printable,
    )

    made, paths = write_statements(
        inventory,
        directory,
        year=year,
        owners=owners,
        settings=settings,
        issued_on=issued_on.date() if issued_on else None,
        lang=lang,
        overwrite=overwrite,
    )
    settled = any(s.settled or len(s.arrears) for s in made)
    for statement in made:
        note = f"  ({note_text(statement.note, lang)})" if statement.note else ""
        due = f" {format_rupiah(statement.due_rp, lang):>20}" if settled else ""
        click.echo(
            f"{printable(statement.number):<28} {printable(statement.owner_name)[:44]:<44} "
            f"{format_rupiah(statement.total_rp, lang):>20}{due}{note}"
        )
    total = sum(statement.total_rp for statement in made)
    click.echo(
        f"{len(made)} {t('skrd_made', lang)}, {t('total', lang).lower()} "
        f"{format_rupiah(total, lang)}; {t('skrd_index', lang)} {paths[-1]}"
    )
    if settled:
        due = sum(statement.due_rp for statement in made)
        arrears = sum(statement.arrears_rp for statement in made)
        click.echo(
            f"{t('skrd_due_rp', lang)} {format_rupiah(due, lang)} "
            f"({t('skrd_arrears', lang).lower()} {format_rupiah(arrears, lang)})"
        )
    warnings = [p for p in paths if p.name == WARNINGS_NAME]
    if warnings:
        count = sum(
            int((s.items["payment_status"] == "no_permit").sum()) for s in made if s.settled
        )
        click.echo(f"{t('skrd_warnings_file', lang)}: {count} — {warnings[0]}")
