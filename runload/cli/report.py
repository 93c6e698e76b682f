"""``runload report FILE... -o OUT``: HTML reports of runs (the loop is :func:`runload.report.write_reports`).

One file and OUT not a folder: OUT is the HTML file (further runs of the same file beside it as
``<stem>-run2.html`` …).  Several files, or OUT an existing folder or ending in ``/``: OUT is a folder
with one ``<file name>.html`` per run and an ``index.html`` linking them (:mod:`runload.report.many`).
A file that cannot be read or analysed prints one ``Error: FILE: reason`` line; the others are still
reported and the exit code is 1 if any failed.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import click

from . import RunloadCommand
from ._common import check_inputs, echo, error_line

UNIT_CHOICES = ("metric", "imperial")


@click.command(name="report", cls=RunloadCommand)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="HTML file (one input) or folder (several inputs, an existing folder, or a path ending in /).")
@click.option("--height", type=float, default=None, help="Body height [m] (default 1.75 or the profile's).")
@click.option("--mass", type=float, default=None, help="Body mass [kg] (default 70 or the profile's).")
@click.option("--profile", "profile_path", type=click.Path(path_type=Path), default=None,
              help="Athlete profile TOML (as written by `runload calibrate`).")
@click.option("--easy-pace", "easy_pace", default=None, metavar="M:SS",
              help="Your easy running pace per km (per mile with --units imperial), e.g. 5:45: the load model's "
                   "reference and the anchor of the assumed pace zones (default: the profile's, else 5:33 /km).")
@click.option("--units", type=click.Choice(UNIT_CHOICES), default="metric", show_default=True,
              help="Display units.")
@click.option("--plotlyjs", default="inline", show_default=True, metavar="inline|cdn|PATH",
              help="Embed plotly.js (offline), link the CDN, or use a shared plotly.min.js at PATH "
                   "relative to the report (written there if missing).")
@click.pass_context
def report(ctx: click.Context, files: tuple[Path, ...], output: str, height: float | None, mass: float | None,
           profile_path: Path | None, easy_pace: str | None, units: str, plotlyjs: str) -> None:
    """Write HTML reports: summary, hints, body map and muscle-group load, charts, laps and route.

    Every running session of a file gets its own report.

    \b
    runload report morning.fit -o morning.html
    runload report runs/*.fit -o reports/      (one report per run + index.html)
    """
    from ..profile import load_profile
    from ..report import write_reports
    from ..report.units import parse_pace

    debug = bool(ctx.obj and ctx.obj.get("debug"))
    easy_speed = 1000.0 / parse_pace(easy_pace, units) if easy_pace is not None else None
    profile = None
    if profile_path is not None:
        check_inputs([profile_path])
        profile = load_profile(profile_path)

    def show(outcome) -> None:
        if outcome.ok:
            echo(f"Wrote {outcome.path}")
            return
        if debug:
            traceback.print_exception(outcome.error)
        echo(f"Error: {error_line(outcome.error, outcome.source)}", err=True)

    batch = write_reports(files, output, profile=profile, height_m=height, mass_kg=mass, units=units,
                          plotlyjs=plotlyjs, easy_speed_mps=easy_speed, on_outcome=show)
    if batch.index is not None:
        echo(f"Wrote {batch.index}")
    if batch.failures:
        ctx.exit(1)
