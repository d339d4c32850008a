"""The ``geoasset`` command group: logging options, error handling, lazy commands.

Commands live one per module in this package and are imported only when run, so
``geoasset --help`` stays fast. Expected errors (:class:`~geoasset.errors.GeoassetError`)
become a one-line message on stderr and exit code 1; bad invocations exit 2 (click).
"""

from __future__ import annotations

import importlib
import keyword
import logging

import click

from geoasset import __version__

#: command name -> module in geoasset.cli holding a click command of the same name
#: (``-`` read as ``_``; a Python keyword such as ``import`` gets a trailing ``_``).
COMMANDS = {
    "init": "init",
    "info": "info",
    "report": "report",
    "run": "run",
    "import": "import_",
    "validate": "validate",
    "export": "export",
    "qa": "qa",
    "assess": "assess",
    "map": "map",
    "corridors": "corridors",
    "chainage": "chainage",
    "statements": "statements",
    "mapbook": "mapbook",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        if module is None:
            return None
        attribute = name.replace("-", "_") + ("_" if keyword.iskeyword(name) else "")
        return getattr(importlib.import_module(f"geoasset.cli.{module}"), attribute)

    def invoke(self, ctx: click.Context):
        from geoasset.errors import GeoassetError

        try:
            return super().invoke(ctx)
        except GeoassetError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.version_option(__version__, prog_name="geoasset")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """geoasset: road-asset inventory, right-of-way corridors and retribution.

    \b
    Example:
      geoasset init inventory.gpkg
      geoasset import inventory.gpkg poles survey.xlsx
    """
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s")
    logging.getLogger("geoasset").setLevel(max(level, logging.DEBUG))
    ctx.ensure_object(dict)
    ctx.obj["verbosity"] = verbose - quiet


def main() -> None:
    cli(prog_name="geoasset")
