"""``geoasset qgis-project``: store the map's styles in the inventory and write a QGIS project."""

from __future__ import annotations

import click

from geoasset.cli.options import existing_inventory_arg, output_file_option


@click.command("qgis-project")
@existing_inventory_arg
@output_file_option(
    "Project file to write (default: INVENTORY with the suffix .qgs, next to it).",
    dest="project",
    required=False,
)
@click.option("--overwrite", is_flag=True, help="Replace the project file if it exists.")
def qgis_project(inventory, project, overwrite):
    """Style INVENTORY.gpkg for QGIS and write a project that opens every layer.

    The styles go into the GeoPackage's layer_styles table as default styles (QGIS
    applies them whenever a layer of the file is added); the project lists the layers,
    bottom to top, with the same styles and a path relative to the project.

    \b
    Example:
      geoasset qgis-project out/inventory.gpkg
    """
    from geoasset.jobs import write_qgis_project

    styled, target = write_qgis_project(inventory, project, overwrite=overwrite)
    click.echo(f"styled {len(styled)} layer(s) in {inventory}: {', '.join(styled)}")
    click.echo(f"project {target}")
