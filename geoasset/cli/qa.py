"""``geoasset qa``: run the right-of-way quality rules on an inventory."""

from __future__ import annotations

import json

import click

from geoasset.cli.options import existing_inventory_arg, json_option, metric_crs_option


def _list_rules(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from geoasset.qa import RULES

    width = max(len(name) for name in RULES)
    for rule in RULES.values():
        click.echo(f"{rule.name:<{width}}  {rule.severity:<8} {rule.description}")
    ctx.exit(0)


def _check_rules(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    if not value:
        return None
    from geoasset.qa import RULES

    for name in value:
        if name not in RULES:
            raise click.BadParameter(
                f"unknown rule {name!r}; rules are: {', '.join(RULES)}", param=param
            )
    return list(value)


@click.command(short_help="Check an inventory against the right-of-way quality rules.")
@existing_inventory_arg
@json_option
@click.option(
    "--list",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_list_rules,
    help="List the rules with their severity and exit.",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="NAME",
    callback=_check_rules,
    help="Run only this rule (repeatable); default: every rule.",
)
@click.option(
    "--min-pole-offset",
    type=click.FloatRange(min=0),
    default=None,
    metavar="METRES",
    help="Minimum distance of a pole from a road centreline [default: 2 m].",
)
@click.option(
    "--near-duplicate",
    type=click.FloatRange(min=0),
    default=None,
    metavar="METRES",
    help="Poles of one owner nearer than this are reported [default: 1 m].",
)
@metric_crs_option("Projected CRS in metres to measure in [default: UTM zone of the data].")
@click.pass_context
def qa(
    ctx: click.Context,
    inventory: str,
    as_json: bool,
    rules: list[str] | None,
    min_pole_offset: float | None,
    near_duplicate: float | None,
    crs,
) -> None:
    """Run the quality rules on INVENTORY.gpkg: assets outside every right-of-way,
    poles too close to a centreline, duplicate ids, near-duplicate poles, lines
    crossing a road without a permit, missing owners, invalid geometry, corridors
    computed in degrees, bridges without a condition.

    Writes the findings to the layer qa_findings (with geometry, to review in QGIS) and
    their counts to the table qa_summary, and prints the summary. Exits with 1 if any
    finding is an error, 0 if there are only warnings.

    \b
    Example:
      geoasset qa --list
      geoasset qa kupang.gpkg --min-pole-offset 3
      geoasset qa kupang.gpkg --rule asset_outside_row --json > findings.json
    """
    from geoasset.jobs import check_quality
    from geoasset.qa import FINDINGS_LAYER

    options = {}
    if min_pole_offset is not None:
        options["min_pole_offset_m"] = min_pole_offset
    if near_duplicate is not None:
        options["near_duplicate_m"] = near_duplicate
    report = check_quality(inventory, rules=rules, crs=crs, **options)
    summary = report.summary
    if as_json:
        data = {
            "inventory": inventory,
            "errors": report.errors,
            "warnings": report.warnings,
            "summary": summary.to_dict(orient="records"),
            "findings": report.findings.to_geo_dict(na="null"),
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=int))
    else:
        click.echo(f"{'rule':<30}{'severity':<10}{'count':>8}")
        for row in summary.itertuples(index=False):
            click.echo(f"{row.rule:<30}{row.severity:<10}{row.count:>8}")
    click.echo(
        f"{report.errors} error(s), {report.warnings} warning(s); findings written to "
        f"layer '{FINDINGS_LAYER}' of {inventory}",
        err=True,
    )
    if report.errors:
        ctx.exit(1)
