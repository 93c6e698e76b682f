"""``runload sample``: regenerate the synthetic sample training log (FIT, GPX, TCX, a Strava export) and its
manifest."""

from __future__ import annotations

from pathlib import Path

import click

from . import RunloadCommand
from ._common import echo

__all__ = ["sample"]


@click.command(name="sample", cls=RunloadCommand)
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("sample_runs"),
              show_default=True, help="Folder to write the files into (created if missing).")
def sample(out_dir: Path) -> None:
    """Write the seeded synthetic training log of one runner, with known ground truth.

    Twelve weeks, 50 runs: ten named single runs at the top (easy, intervals, hills, treadmill and
    easy-with-running-dynamics FIT files, gzipped GPX and TCX), the other runs in log/ (FIT, GPX, TCX, some
    gzipped) and a Strava export in strava_export/ (activities.csv with names and shoes), and manifest.json
    with each file's sha256, its ground truth and the hints it is built to raise.  The same command always
    writes the same bytes.
    """
    from ..simulate_log import write_sample_log

    paths = write_sample_log(out_dir)
    total = 0
    for path in paths:
        size = path.stat().st_size
        total += size
        echo(f"{path}  {size / 1024:.1f} KiB")
    echo(f"{len(paths)} files, {total / 1024:.0f} KiB in {out_dir}")
