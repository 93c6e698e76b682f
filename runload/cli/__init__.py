"""The ``runload`` command line: thin click commands over the library.

Each command lives in its own module and only parses arguments, calls the library and prints.  Errors
follow one convention (:mod:`runload.cli._common`): a :class:`~runload.errors.RunloadError` or an
operating-system error becomes one ``Error: PATH: reason`` line and exit code 1, a closed stdout ends the
command quietly, and ``--debug`` shows the traceback instead.  numpy floating-point warnings never reach
the user (the analysis treats NaN as "unknown"); ``--debug`` shows every warning with its source.
"""

from __future__ import annotations

import sys
import traceback
import warnings

import click
import numpy as np

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


class RunloadGroup(click.Group):
    """A click group that turns exceptions into one ``Error:`` line (the traceback only with --debug)."""

    def invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug"))
        try:
            with warnings.catch_warnings(), np.errstate(all="warn" if debug else "ignore"):
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


def _register() -> None:
    from .analyze import analyze
    from .batch import batch
    from .calibrate import calibrate
    from .export import export
    from .inspect import inspect
    from .report import report
    from .sample import sample

    for command in (inspect, analyze, report, sample, calibrate, batch, export):
        cli.add_command(command)


_register()
