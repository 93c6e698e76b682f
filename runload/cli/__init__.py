"""The ``runload`` command line: thin click commands over the library.

Each command lives in its own module and only parses arguments, calls the library and prints.  A
:class:`~runload.errors.RunloadError` becomes one ``Error: FILE: reason`` line and exit code 1; any other
exception is reported the same way, and ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys
import traceback
import warnings

import click

from .. import __version__
from ..errors import RunloadError


class RunloadGroup(click.Group):
    """A click group that turns exceptions into one ``Error:`` line (the traceback only with --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except RunloadError as e:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the CLI promises no bare tracebacks
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
                sys.exit(1)
            raise click.ClickException(f"unexpected {type(e).__name__}: {e} (run with --debug for details)") from None


@click.group(cls=RunloadGroup)
@click.version_option(__version__, prog_name="runload")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """runload: gait timing, muscle-group load and training hints from FIT, GPX and TCX files.

    Estimates come from published models; they are approximations, not medical advice.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if not debug:
        warnings.showwarning = _show_warning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one ``Warning: …`` line on stderr (the source location only with --debug)."""
    click.echo(f"Warning: {message}", err=True)


def _register() -> None:
    from .analyze import analyze
    from .calibrate import calibrate
    from .inspect import inspect
    from .report import report
    from .sample import sample

    for command in (inspect, analyze, report, sample, calibrate):
        cli.add_command(command)


_register()
