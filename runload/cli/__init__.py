"""The ``runload`` command line: thin click commands over the library.

Each command lives in its own module and only parses arguments, calls the library and prints.  Errors
follow one convention (:mod:`runload.cli._common`): a :class:`~runload.errors.RunloadError` or an
operating-system error becomes one ``Error: PATH: reason`` line and exit code 1, a closed stdout ends the
command quietly, and ``--debug`` shows the traceback instead.  numpy floating-point warnings never reach
the user (the analysis treats NaN as "unknown"); ``--debug`` shows every warning with its source.

The group is lazy (click's "LazyGroup" pattern): it knows each command's name and one-line help
(:data:`COMMANDS`) and imports a command's module only when that command runs or shows its own help, so
``runload --help`` imports neither the library nor numpy.  ``tests/cli/test_lazy_cli.py`` checks that
:data:`COMMANDS` says what the command modules say.
"""

from __future__ import annotations

import importlib
import sys
import traceback
import warnings
from gettext import gettext as _

import click

from .. import __version__
from ..errors import RunloadError
from ._common import (
    DEVELOPER_WARNINGS,
    error_line,
    is_broken_pipe,
    is_developer_warning,
    printable,
    quiet_broken_pipe,
)

__all__ = ["cli", "COMMANDS", "RunloadCommand", "RunloadGroup"]

# click ≥ 8.4 suggests close names ("Did you mean …?") from the commands it has loaded; older click has none.
_NO_SUCH_COMMAND = getattr(click.exceptions, "NoSuchCommand", ())

#: Command name (also its module under ``runload.cli``) → the first paragraph of the command's help, which
#: ``runload --help`` lists (click shortens it).  A test compares it with the command's own help.
COMMANDS: dict[str, str] = {
    "analyze": "Gait timing, laps/splits/segments, estimated load per muscle group and hints for every run in "
               "PATH.",
    "batch": "Analyse a training log: files, folders and Garmin/Strava zip exports into OUTDIR.",
    "calibrate": "Fit your leg stiffness from runs whose watch measured ground contact time.",
    "export": "Export the store a `runload batch` wrote in OUTDIR.",
    "inspect": "Show what is in FILES (FIT, GPX, TCX, .gz, folders, zip exports): device, sport, durations, "
               "distance, cadence, the canonical columns, and the watch's own totals beside runload's.",
    "report": "Write HTML reports: summary, hints, body map and muscle-group load, charts, laps and route.",
    "sample": "Write the seeded synthetic training log of one runner, with known ground truth.",
}


class RunloadCommand(click.Command):
    """A runload command: numpy floating-point warnings are silenced while it runs (shown with --debug).

    numpy is imported only here, when a command actually runs (not for ``--help``).
    """

    def invoke(self, ctx: click.Context):
        root = ctx.find_root()
        if not isinstance(root.command, RunloadGroup):  # called on its own (tests): numpy as configured
            return super().invoke(ctx)
        import numpy as np  # noqa: PLC0415 - keeps `runload --help` and `runload CMD --help` free of numpy

        with np.errstate(all="warn" if root.params.get("debug") else "ignore"):
            return super().invoke(ctx)


class RunloadGroup(click.Group):
    """The lazy ``runload`` group; it turns exceptions into one ``Error:`` line (the traceback with --debug)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"{__name__}.{cmd_name}")
            self.add_command(getattr(module, cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except _NO_SUCH_COMMAND as e:  # "Did you mean …?" from every name, without importing the commands
            raise type(e)(e.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, as click writes them, without importing any command."""
        rows = []
        for name in self.list_commands(ctx):
            loaded = self.commands.get(name)
            if loaded is None:
                rows.append((name, click.Command(name, help=COMMANDS[name])))
            elif not loaded.hidden:
                rows.append((name, loaded))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _cmd in rows)
        rows = [(name, cmd.get_short_help_str(limit)) for name, cmd in rows]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug"))
        try:
            with warnings.catch_warnings():
                if not debug:
                    warnings.showwarning = _show_warning
                    for category in DEVELOPER_WARNINGS:
                        warnings.filterwarnings("ignore", category=category)
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the CLI promises no bare tracebacks
            if is_broken_pipe(e):  # the reader went away (`| head`): stop quietly, as Unix tools do
                quiet_broken_pipe()
                sys.exit(1)
            if debug:
                traceback.print_exc()
                sys.exit(1)
            if isinstance(e, OSError) and e.filename is None:
                quiet_broken_pipe()  # stdout failed (a full disk): the final flush must not fail again
            message = error_line(e)
            if not isinstance(e, (RunloadError, OSError, UnicodeError)):
                message += " (run with --debug for details)"
            raise click.ClickException(message) from None


@click.group(cls=RunloadGroup)
@click.version_option(__version__, prog_name="runload")
@click.option("--debug", is_flag=True, help="Show tracebacks and every warning instead of one-line messages.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """runload: gait timing, muscle-group load and training hints from FIT, GPX and TCX files.

    Estimates come from published models; they are approximations, not medical advice.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one ``Warning: …`` line on stderr (the source location only with --debug)."""
    if is_developer_warning(category):
        return
    click.echo(printable(f"Warning: {message}"), err=True)
