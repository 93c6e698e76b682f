"""``runload sample``: regenerate the synthetic sample runs (FIT, GPX, TCX) and their manifest."""

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
    """Write the seeded synthetic sample runs with known ground truth.

    Easy, intervals, hills, treadmill and easy-with-running-dynamics runs as FIT, the easy and hills
    runs also as gzip-compressed GPX and TCX, and manifest.json with each file's sha256 and its ground
    truth.  The same command always writes the same bytes.
    """
    from ..simulate import write_sample_runs

    paths = write_sample_runs(out_dir)
    total = 0
    for path in paths:
        size = path.stat().st_size
        total += size
        echo(f"{path}  {size / 1024:.1f} KiB")
    echo(f"{len(paths)} files, {total / 1024:.0f} KiB in {out_dir}")
