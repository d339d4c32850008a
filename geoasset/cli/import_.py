"""``geoasset import``: fill an inventory layer from a field file."""

from __future__ import annotations

import click

from geoasset.cli.options import crs_option, existing_inventory_arg
from geoasset.schema import INVENTORY_LAYERS

__all__ = ["import_"]

#: how many problems to print before pointing at the rejects file
SHOWN_PROBLEMS = 20


def _parse_map(ctx: click.Context, param: click.Parameter, values) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        column, sep, target = value.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise click.BadParameter(
                f"{value!r}: expected SOURCE_COLUMN=FIELD, e.g. --map Pemilik=owner"
            )
        if column in mapping:
            raise click.BadParameter(f"{value!r}: column {column!r} is mapped twice")
        mapping[column] = target.strip()
    return mapping


def _check_encoding(ctx: click.Context, param: click.Parameter, value):
    if value is None:
        return None
    import codecs

    try:
        return codecs.lookup(value).name
    except LookupError:
        raise click.BadParameter(f"{value!r} is not a known text encoding") from None


@click.command(name="import", short_help="Import a field file into an inventory layer.")
@existing_inventory_arg
@click.argument("layer", type=click.Choice(INVENTORY_LAYERS), metavar="LAYER")
@click.argument("source", type=click.Path(exists=True, dir_okay=True, path_type=str))
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="SRC=FIELD",
    callback=_parse_map,
    help="Take FIELD from source column SRC (repeatable).",
)
@click.option("--x", "x_column", metavar="COL", help="Column holding longitude (or x).")
@click.option("--y", "y_column", metavar="COL", help="Column holding latitude (or y).")
@crs_option(
    "CRS of the source's coordinates when it declares none (CSV/XLSX default EPSG:4326). "
    "Everything is stored in EPSG:4326."
)
@click.option(
    "--source-layer",
    metavar="NAME",
    help="Layer of a GeoPackage/KML/GPX, sheet of an XLSX, or file inside a zip.",
)
@click.option("--append", is_flag=True, help="Add the rows to a layer that has rows.")
@click.option("--overwrite", is_flag=True, help="Replace the rows of a layer that has rows.")
@click.option(
    "--update",
    is_flag=True,
    help="Apply SOURCE as a re-survey: add new ids, update known ids (moved beyond "
    "--tolerance, changed values), retire ids whose status says removed; kept in history.",
)
@click.option("--dry-run", is_flag=True, help="With --update: show the changes, write nothing.")
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    metavar="METRES",
    help="With --update: a position nearer than this to the stored one is not a move.",
)
@click.option("--surveyed-on", metavar="DATE", help="With --update: the survey's date.")
@click.option("--officer", metavar="NAME", help="With --update: who made the survey.")
@click.option("--strict", is_flag=True, help="Import nothing if any row is refused.")
@click.option("--fix", is_flag=True, help="Repair invalid geometries instead of refusing them.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="PATH",
    help="Where to write refused rows [default: SOURCE_STEM.LAYER.rejects.csv "
    "beside the inventory].",
)
@click.option(
    "--osm/--no-osm",
    default=None,
    help="Roads: apply (or never apply) the OpenStreetMap highway -> road_class mapping "
    "[default: when the file has a highway (or TYPE) column and no road_class].",
)
@click.option(
    "--osm-classes",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    metavar="FILE",
    help="CSV 'highway,road_class[,function,status,network]' replacing rows of the "
    "built-in OSM mapping (road_class 'exclude' refuses such ways); implies --osm.",
)
@click.option(
    "--encoding",
    callback=_check_encoding,
    metavar="NAME",
    help="Text encoding of the source (e.g. cp1252) [default: as the file declares, "
    "else UTF-8, else cp1252 with a warning].",
)
@click.pass_context
def import_(
    ctx: click.Context,
    inventory: str,
    layer: str,
    source: str,
    mapping: dict[str, str],
    x_column: str | None,
    y_column: str | None,
    crs,
    source_layer: str | None,
    append: bool,
    overwrite: bool,
    update: bool,
    dry_run: bool,
    tolerance: float,
    surveyed_on: str | None,
    officer: str | None,
    strict: bool,
    fix: bool,
    rejects: str | None,
    osm: bool | None,
    osm_classes: str | None,
    encoding: str | None,
) -> None:
    """Import SOURCE into LAYER of INVENTORY.gpkg (LAYER: roads, bridges, monuments,
    poles, utility_lines or parcels).

    SOURCE is a CSV or XLSX with coordinate columns (lat/latitude/lintang/y and
    lon/lng/longitude/bujur/x, or named with --x/--y; decimal degrees or text such as
    10°10'12.5"S, 123 40 15 E, 10,1702 LS), or a GeoJSON, shapefile (.shp or .zip),
    KML/KMZ, GPX or GeoPackage file. Columns named as the layer's fields (or common
    Indonesian names: nama, pemilik, jenis, tinggi...) are taken; other columns are kept
    as text.

    Raw OpenStreetMap roads (a 'highway' column, or 'TYPE' as in older extracts) need
    no mapping: road_class, function and status come from the documented highway
    mapping (see README, "Using OpenStreetMap roads"), osm_id/id becomes road_id
    'OSM-<id>', and ways that are not roads (footway, path, steps...) go to the rejects
    file with the reason. What the mapping did is printed per highway value.

    Every row is checked; valid rows are written, refused rows go to a rejects CSV (with
    their original values and every reason) whose path is printed. Without --append or
    --overwrite a layer that already has rows is left alone.

    Exit status: 0 when the valid rows were imported (even if some rows were refused);
    1 when nothing could be imported, when --strict and any row was refused (nothing is
    written then), or when the source cannot be read; 2 for a bad invocation.

    \b
    Example:
      geoasset import kupang.gpkg poles tiang_survei.csv
      geoasset import kupang.gpkg poles tiang.xlsx --map "No Tiang=pole_id" --append
      geoasset import kupang.gpkg roads jalan.zip --crs EPSG:23881 --overwrite
      geoasset import jakarta.gpkg roads roads_osm.geojson --osm-classes osm_classes.csv
    """
    if append and overwrite:
        raise click.UsageError("--append and --overwrite cannot be used together")
    if update and (append or overwrite):
        raise click.UsageError("--update cannot be used with --append or --overwrite")
    if dry_run and not update:
        raise click.UsageError("--dry-run applies to --update")
    if osm is False and osm_classes is not None:
        raise click.UsageError("--no-osm and --osm-classes cannot be used together")
    if (osm or osm_classes is not None) and layer != "roads":
        raise click.UsageError(f"--osm and --osm-classes apply to the roads layer, not {layer!r}")
    from geoasset.schema import layer_spec

    fields = layer_spec(layer).field_names
    for column, target in mapping.items():
        if target not in fields:
            raise click.BadParameter(
                f"'{column}={target}': layer {layer!r} has no field {target!r} "
                f"(fields: {', '.join(fields)})",
                param_hint="'--map'",
            )

    if update:
        from geoasset.cli.survey_update import run_update

        run_update(
            inventory, layer, source, mapping=mapping, x=x_column, y=y_column, crs=crs,
            source_layer=source_layer, encoding=encoding, tolerance_m=tolerance,
            surveyed_on=surveyed_on, officer=officer, dry_run=dry_run, strict=strict,
            fix=fix, rejects_path=rejects,
        )  # fmt: skip
        return
    from geoasset.cli.main import cli_message
    from geoasset.jobs import import_file

    mode = "append" if append else "replace" if overwrite else "create"
    report = import_file(
        inventory,
        layer,
        source,
        mapping=mapping,
        x=x_column,
        y=y_column,
        crs=crs,
        mode=mode,
        strict=strict,
        fix=fix,
        rejects_path=rejects,
        source_layer=source_layer,
        osm=osm,
        osm_classes_file=osm_classes,
        encoding=encoding,
    )
    problems = report.problems
    if report.osm is not None:
        for line in report.osm.lines():
            click.echo(cli_message(line), err=True)
        # the ways the mapping did not take are counted in its table, listed in the rejects
        problems = [p for p in problems if p.row not in report.osm.excluded_rows]
    for problem in problems[:SHOWN_PROBLEMS]:
        click.echo(f"  {click.format_filename(source)} {cli_message(problem)}", err=True)
    if len(problems) > SHOWN_PROBLEMS:
        click.echo(f"  ... and {len(problems) - SHOWN_PROBLEMS} more", err=True)
    click.echo(report.summary(), err=True)
    if report.rejects_path is not None:
        click.echo(f"refused rows written to {report.rejects_path}", err=True)
    if report.rows_written == 0:
        raise click.ClickException(
            f"{click.format_filename(source)}: nothing imported: "
            f"all {report.rows_read} rows were refused"
        )
