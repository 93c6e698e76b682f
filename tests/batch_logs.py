"""Training-log folders for the batch tests, built from runload.simulate writers and edited copies."""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

ROUTE_GPX = (b'<?xml version="1.0"?>'
             b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
             b'<rte><name>planned loop</name><rtept lat="46" lon="14"/>'
             b'<rtept lat="46.01" lon="14.01"/></rte></gpx>')


@functools.cache
def run_bytes(kind: str, seed: int, fmt: str) -> bytes:
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes, gpx_bytes, tcx_bytes

    sim = simulate_run(kind, seed=seed)
    return {"fit": fit_bytes, "gpx": gpx_bytes, "tcx": tcx_bytes}[fmt](sim)


def good_files(folder: Path, n: int, start_seed: int = 10) -> list[Path]:
    """``n`` simulated easy runs as FIT files (distinct bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"easy_{i:02d}.fit"
        p.write_bytes(run_bytes("easy", start_seed + i, "fit"))
        out.append(p)
    return out


def mixed_log(folder: Path) -> dict[str, str]:
    """A folder of every kind of file a batch meets; returns source name → the table it must end in."""
    folder.mkdir(parents=True, exist_ok=True)
    expect = {}
    (folder / "good.fit").write_bytes(run_bytes("easy", 1, "fit"))
    expect["good.fit"] = "runs"
    (folder / "sub").mkdir()
    (folder / "sub" / "hills.gpx").write_bytes(run_bytes("hills", 3, "gpx"))
    expect["sub/hills.gpx"] = "runs"
    bike = run_bytes("easy", 2, "tcx").replace(b'Sport="Running"', b'Sport="Biking"')
    (folder / "bike.tcx").write_bytes(bike)
    expect["bike.tcx"] = "skipped"
    (folder / "route.gpx").write_bytes(ROUTE_GPX)
    expect["route.gpx"] = "skipped"
    (folder / "corrupt.fit").write_bytes(run_bytes("easy", 1, "fit")[:14] + b"\xff" * 500)
    expect["corrupt.fit"] = "failures"
    with zipfile.ZipFile(folder / "export.zip", "w") as z:
        z.writestr("ok.fit", run_bytes("easy", 4, "fit"))
        z.writestr("../evil.fit", run_bytes("easy", 5, "fit"))
    expect["export.zip!ok.fit"] = "runs"
    expect["export.zip!../evil.fit"] = "failures"
    return {f"{folder}/{k}": v for k, v in expect.items()}


def store_tables(outdir: Path) -> dict[str, set[str]]:
    """Which sources each of runs / skipped / failures holds."""
    import runload

    log = runload.open_log(outdir)
    return {t: set(log.sql(f"SELECT DISTINCT source FROM {t}")["source"])
            for t in ("runs", "skipped", "failures")}


def die_or_process(task):
    """A worker function that kills its own process for files named ``die_*`` (a stand-in for a crash:
    the kernel's OOM killer, a segfault in a C extension), and processes the others."""
    import os

    from runload.batch.worker import process_file

    if "die_" in task.source:
        os._exit(9)
    return process_file(task)


def first_look_started(out: Path) -> bool:
    """Whether a batch into ``out`` has read a file for the norms (its seconds staged in the batch's cache,
    :class:`runload.batch.staging.StagedRuns`): most of its work is then still ahead, so a signal sent now
    lands in the middle of it.  (The store's write-ahead log grows only when a group of analysed files is
    written: for a few files, once, near the end.)"""
    from runload.batch.names import CACHE_FOLDER

    try:
        return any((out / CACHE_FOLDER / "norms").iterdir())
    except OSError:  # not there yet, or removed once the norms were learnt
        return False


def sigint_at_default() -> None:
    """``preexec_fn`` of a batch a test interrupts with SIGINT: the signal at its default, as in a program a
    terminal runs in the foreground.  A test suite started in the background of a non-interactive shell
    (``cmd &``, as a CI runner may start it) passes SIGINT on ignored, and a Python started with SIGINT
    ignored never raises KeyboardInterrupt: the batch would run to its end (seen in a CI rehearsal)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
