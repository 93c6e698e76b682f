"""``runload batch PATH... -o OUTDIR``: a whole training log into a store, reports and a dashboard.

A thin command over :func:`runload.batch.process_log`: progress on stderr (a bar on a terminal, lines
otherwise), one summary line at the end naming the dashboard, exit code 0 when every file ended
analysed, unchanged or skipped, 1 when any failed or a report could not be written, 130 on Ctrl-C (the
store stays consistent; the same command resumes).
"""

from __future__ import annotations

from pathlib import Path

import click

from . import RunloadCommand
from ._common import check_inputs, echo


@click.command(name="batch", cls=RunloadCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              help="Output folder: runload.duckdb, runs/*.html, index.html (created; re-runs update it).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores).")
@click.option("--profile", "profile_path", type=click.Path(path_type=Path), default=None,
              help="Athlete profile TOML for every run (default: each file's watch profile, else defaults).")
@click.option("--height", type=float, default=None, help="Body height [m] for every run.")
@click.option("--mass", type=float, default=None, help="Body mass [kg] for every run.")
@click.option("--no-reports", is_flag=True, help="Only the store and the dashboard, no report per run.")
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="local: worker processes here; dask: the workers of a dask.distributed cluster.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="The dask scheduler's address (with --engine dask).")
@click.option("--norms/--no-norms", default=True, show_default=True,
              help="Learn personal norms from the log (cadence model, easy pace, contact-time calibration) "
                   "and analyse each run with its month's norms.")
@click.option("--progress", type=click.Choice(("auto", "bar", "lines", "none")), default="auto",
              show_default=True, help="Progress display on stderr.")
@click.pass_context
def batch(ctx: click.Context, paths: tuple[Path, ...], outdir: Path, jobs: int | None,
          profile_path: Path | None, height: float | None, mass: float | None, no_reports: bool,
          engine: str, scheduler: str | None, norms: bool, progress: str) -> None:
    """Analyse a training log: files, folders and Garmin/Strava zip exports into OUTDIR.

    Every file ends analysed, skipped (not a run) or failed, and the store remembers which: running the
    same command again only processes new or changed files.

    \b
    runload batch ~/runs export.zip -o log/
    runload export log/ --parquet log-parquet/
    runload batch ~/runs -o log/ --engine dask --scheduler tcp://SCHEDULER-HOST:8786
    """
    from ..batch import BatchInterrupted, process_log
    from ..profile import load_profile

    check_inputs(paths, dir_okay=True)
    if engine == "dask":
        _quiet_dask_logging()
    profile = None
    if profile_path is not None:
        check_inputs([profile_path])
        profile = load_profile(profile_path)
    try:
        summary = process_log(paths, outdir, jobs=jobs, profile=profile, height_m=height, mass_kg=mass,
                              reports=not no_reports, progress=progress, engine=engine, scheduler=scheduler,
                              norms=norms)
    except BatchInterrupted as e:
        echo(e.summary.line(), err=True)
        ctx.exit(130)
    for problem in summary.failures:
        echo(f"Error: {problem.source}: {problem.stage}: {problem.reason}", err=True)
    for problem in summary.report_errors:
        echo(f"Error: {problem.source}: report not written: {problem.reason}", err=True)
    echo(summary.line())
    if not summary.ok:
        ctx.exit(1)


def _quiet_dask_logging() -> None:
    """dask.distributed logs its own recoveries on stderr (``Couldn't gather 1 keys, rescheduling`` when a
    worker dies while its result is gathered); the batch reports what became of every file itself, so the
    command shows dask's errors only.  Set after importing distributed, whose import configures its
    loggers."""
    import logging

    try:
        import distributed  # noqa: F401 - configures the loggers set below
    except ImportError:
        return  # process_log says how to install it
    for name in ("distributed", "distributed.client", "distributed.worker", "distributed.scheduler",
                 "distributed.nanny", "distributed.core"):
        logging.getLogger(name).setLevel(logging.ERROR)
