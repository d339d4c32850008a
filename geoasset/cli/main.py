"""The ``geoasset`` command group: logging options, error handling, lazy commands.

Commands live one per module in this package and are imported only when run, so
``geoasset --help`` stays fast. Expected errors (:class:`~geoasset.errors.GeoassetError`)
become a one-line message on stderr and exit code 1; bad invocations exit 2 (click).
Any other failure (disk full, a read-only folder, a damaged file, an error in geoasset
itself) is one line too, ``Error: <file>: <what>``, exit 1; ``--debug`` (or ``-v``) shows
the traceback. Python warnings (numpy, pyogrio...) go to the log, shown with ``-v``.
"""

from __future__ import annotations

import importlib
import keyword
import logging
import os
import re
import warnings

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
    "permits": "permits",
    "payments": "permits",
    "mapbook": "mapbook",
    "qgis-project": "qgis_project",
    "survey-form": "survey_form",
    "history": "history",
    "diff": "diff",
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
        from geoasset.errors import GeoassetError, describe_fault

        try:
            return super().invoke(ctx)
        except GeoassetError as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            raise click.ClickException(cli_message(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 (one line for the user; --debug shows it)
            if _debugging(ctx):
                raise
            logging.getLogger("geoasset").debug("unexpected failure", exc_info=True)
            raise click.ClickException(
                f"{describe_fault(exc)} (run with --debug for details)"
            ) from None


#: How a library message names a remedy (an argument, a stage) -> the option or command.
_REMEDIES = (
    ("use append or overwrite", "use --append or --overwrite"),
    ("use overwrite", "use --overwrite"),
    ("use fix=True", "use --fix"),
    ("in an OSM classes file)", "in an --osm-classes file)"),
    ("build the corridors first", "run geoasset corridors first"),
    (
        "import roads first",
        "import roads first (e.g. geoasset import INVENTORY roads roads.geojson)",
    ),
)

#: A function argument named in a library message (``x=``) -> the command's option.
_OPTIONS = {
    "x": "--x",
    "y": "--y",
    "crs": "--crs",
    "encoding": "--encoding",
    "source_layer": "--source-layer",
    "as_of": "--as-of",
    "mapping": "--map",
}
#: ``name=`` standing alone (followed by a space, punctuation or the end), not ``crs=EPSG:4326``.
_ARGUMENT = re.compile(r"(?<![\w-])(" + "|".join(_OPTIONS) + r")=(?=[\s,;:.)]|$)")
#: ``mapping={'COLUMN': 'pole_id'}`` -> ``--map COLUMN=pole_id``.
_MAPPING = re.compile(r"mapping=\{'([^'{}]*)': '([^'{}]*)'\}")


def cli_message(exc: Exception | str) -> str:
    """The library's message with the option a user of the command gives instead of the
    argument a notebook user passes.

    Examples
    --------
    >>> from geoasset.errors import OutputExistsError
    >>> cli_message(OutputExistsError("out/map.html"))
    'out/map.html already exists; use --overwrite to replace it'
    >>> cli_message(ValueError("layer 'poles' already has 4 rows; use append or overwrite"))
    "layer 'poles' already has 4 rows; use --append or --overwrite"
    >>> cli_message("a.csv: column 'lon' (x=) not found; name them with x= and y=")
    "a.csv: column 'lon' (--x) not found; name them with --x and --y"
    >>> cli_message("a.csv: no column for owner; map one with mapping={'COLUMN': 'owner'}")
    'a.csv: no column for owner; map one with --map COLUMN=owner'
    """
    text = str(exc)
    for library, option in _REMEDIES:
        text = text.replace(library, option)
    text = _MAPPING.sub(r"--map \1=\2", text)
    return _ARGUMENT.sub(lambda m: _OPTIONS[m.group(1)], text)


class _CliWording(logging.Filter):
    """Log lines of the library with the command's options (:func:`cli_message`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("geoasset"):
            record.msg, record.args = cli_message(record.getMessage()), None
        return True


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` for the CLI: one log line instead of two raw ones."""
    where = f"{os.path.basename(filename)}:{lineno}"
    logging.getLogger("py.warnings").warning("%s: %s (%s)", category.__name__, message, where)


def _debugging(ctx: click.Context) -> bool:
    """True with ``--debug`` or ``-v``: failures keep their traceback."""
    settings = ctx.obj or {}
    return bool(settings.get("debug")) or settings.get("verbosity", 0) > 0


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.option("--debug", is_flag=True, help="Show the traceback of a failure.")
@click.version_option(__version__, prog_name="geoasset")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int, debug: bool) -> None:
    """geoasset: road-asset inventory, right-of-way corridors and retribution.

    \b
    Example:
      geoasset init inventory.gpkg
      geoasset import inventory.gpkg poles survey.xlsx
    """
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s")
    logging.getLogger("geoasset").setLevel(max(level, logging.DEBUG))
    # the library's log lines name arguments; the command's user reads its options
    wording, handlers = _CliWording(), list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(wording)
    ctx.call_on_close(lambda: [handler.removeFilter(wording) for handler in handlers])
    # warnings of the libraries underneath: to the log, one line, shown with -v
    warnings.showwarning = _log_warning
    warnings_level = logging.WARNING if verbose > 0 or debug else logging.ERROR
    logging.getLogger("py.warnings").setLevel(warnings_level)
    ctx.ensure_object(dict)
    ctx.obj["verbosity"] = verbose - quiet
    ctx.obj["debug"] = debug


def main() -> None:
    cli(prog_name="geoasset")
