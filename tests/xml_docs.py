"""Helpers shared by the GPX/TCX tests: read a document in either format, collecting runload's warnings."""

from __future__ import annotations

import warnings
from pathlib import Path

from runload.errors import RunloadWarning
from runload.io.gpx import read_gpx_bytes
from runload.io.tcx import read_tcx_bytes
from runload.simulate import simulate_run
from runload.simulate_write import gpx_bytes, tcx_bytes

READERS = {"gpx": read_gpx_bytes, "tcx": read_tcx_bytes}


def read_doc(fmt: str, data: bytes, **kw):
    """Runs of a ``fmt`` document (source ``test.<fmt>``) and the texts of the RunloadWarnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = READERS[fmt](data, source=f"test.{fmt}", **kw)
    return runs, [str(w.message) for w in caught if issubclass(w.category, RunloadWarning)]


def read_file_quietly(fmt: str, path: Path):
    """Runs of the file at ``path`` (source: its path), RunloadWarnings ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        return READERS[fmt](path.read_bytes(), source=str(path))


def simulated_docs(seed: int) -> dict[str, bytes]:
    """The simulator's 30-min easy run (seed ``seed``) as GPX and TCX bytes."""
    sim = simulate_run("easy", seed=seed)
    return {"gpx": gpx_bytes(sim), "tcx": tcx_bytes(sim)}
