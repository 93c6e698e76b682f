"""``runload export OUTDIR --parquet DIR``: the training-log store as Parquet files (one per table)."""

from __future__ import annotations

from pathlib import Path

import click

from . import RunloadCommand
from ._common import echo


@click.command(name="export", cls=RunloadCommand)
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--parquet", "dest", required=True, type=click.Path(path_type=Path),
              help="Folder for <table>.parquet (created; existing files are replaced).")
def export(outdir: Path, dest: Path) -> None:
    """Export the store a `runload batch` wrote in OUTDIR.

    \b
    runload export log/ --parquet log-parquet/
    """
    from ..store import export_parquet

    written = export_parquet(outdir, dest)
    for table, path in written.items():
        echo(f"Wrote {path} ({table})")
