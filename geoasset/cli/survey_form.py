"""``geoasset survey-form``: the XLSForm of a layer, for KoBoToolbox, ODK Central or Ona."""

from __future__ import annotations

import click

from geoasset.cli.options import output_file_option
from geoasset.schema import INVENTORY_LAYERS


@click.command("survey-form")
@click.argument("layer", type=click.Choice([n for n in INVENTORY_LAYERS if n != "parcels"]))
@output_file_option("XLSForm workbook to write (.xlsx).")
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
    from geoasset.outputs import atomic_path, check_output, check_outputs
    from geoasset.survey_form import write_survey_form
    from geoasset.survey_form import xform as to_xform

    check_outputs(filter(None, (path, xform)), overwrite=overwrite)
    written = write_survey_form(layer, path, overwrite=overwrite)
    click.echo(f"XLSForm {written}")
    if xform:
        target = check_output(xform, overwrite=True)  # its folder must exist
        with atomic_path(target) as temporary:
            temporary.write_text(to_xform(written), encoding="utf-8")
        click.echo(f"XForm   {target}")
