"""``geoasset survey-form``: the XLSForm of a layer, for KoBoToolbox, ODK Central or Ona."""

from __future__ import annotations

from pathlib import Path

import click

from geoasset.schema import INVENTORY_LAYERS


@click.command("survey-form")
@click.argument("layer", type=click.Choice([n for n in INVENTORY_LAYERS if n != "parcels"]))
@click.option(
    "-o",
    "--out",
    "path",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="XLSForm workbook to write (.xlsx).",
)
@click.option(
    "--xform",
    type=click.Path(dir_okay=False, path_type=str),
    help="Also write the XForm XML (what ODK Collect runs).",
)
@click.option("--overwrite", is_flag=True, help="Replace files that exist.")
def survey_form(layer, path, xform, overwrite):
    """Write the survey form of LAYER, made from the layer specification.

    \b
    Example:
      geoasset survey-form poles -o tiang.xlsx
    """
    from geoasset.errors import GeoassetError
    from geoasset.survey_form import write_survey_form
    from geoasset.survey_form import xform as to_xform

    for target in filter(None, (path, xform)):
        if Path(target).exists() and not overwrite:
            raise GeoassetError(f"{target} already exists; use --overwrite to replace it")
    written = write_survey_form(layer, path, overwrite=overwrite)
    click.echo(f"XLSForm {written}")
    if xform:
        target = Path(xform)
        if not target.parent.is_dir():
            raise GeoassetError(f"{target.parent}: no such folder")
        target.write_text(to_xform(written), encoding="utf-8")
        click.echo(f"XForm   {target}")
