"""A simulated training log: one runner's dated runs, some with a chest strap, with known ground truth.

:func:`simulate_log` builds the runs with :func:`runload.simulate.simulate_run` for one
:class:`~runload.simulate.Athlete` (so the true k̂_ref, height, cadence model and easy speed are known);
:func:`write_log` writes them as files a ``runload batch`` reads.  Used by
``benchmarks/validate_calibration.py`` and the tests of personal norms and calibration.
"""

from __future__ import annotations

import gzip
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import numpy as np

from .errors import RunloadError
from .simulate import KINDS, Athlete, simulate_run
from .simulate_write import WRITERS
from .simulated_run import SimulatedRun

__all__ = ["LOG_KINDS", "EXPORT_MIX", "simulate_log", "write_log", "log_file_name"]

LOG_KINDS = ("easy", "intervals", "easy", "hills")
"""The default weekly rotation of run kinds (two easy runs, intervals, hills)."""

EXPORT_MIX = ("fit", "gpx", "fit", "tcx", "fit.gz", "gpx.gz", "fit", "fit", "tcx.gz", "fit")
"""The formats of ``write_log(..., fmt="mix")`` in rotation, like a bulk export of several years: half FIT,
GPX and TCX from other apps, some gzipped.  Runs with a strap are always FIT (only FIT keeps running
dynamics)."""

_FIRST_DAY = date(2024, 3, 4)  # a Monday: files never depend on the wall clock
_START_UTC = time(6, 30)


def simulate_log(athlete: Athlete | None = None, *, n_runs: int = 12, weeks: int = 4, sensor_runs: int = 4,
                 seed: int = 0, kinds: tuple[str, ...] = LOG_KINDS, first_day: date = _FIRST_DAY,
                 duration_s: int | None = None, only: range | None = None) -> list[SimulatedRun]:
    """``n_runs`` runs of one athlete spread evenly over ``weeks`` weeks, ``sensor_runs`` of them with a strap.

    Parameters
    ----------
    athlete : Athlete, optional
        Who runs (default :class:`~runload.simulate.Athlete` ()).
    n_runs : int
        Number of runs (1–2000).
    weeks : int
        Weeks the log spans (≥ 1); run *i* starts on day ⌊i·7·weeks/n_runs⌋ after ``first_day``, at
        06:30 UTC plus up to 2 h (from the seed).
    sensor_runs : int
        How many runs carry running dynamics (``stance_time_ms`` …); which ones is drawn from ``seed``.
    seed : int
        Same seed, same log; run *i* is simulated with seed ``1000·seed + i``.
    kinds : tuple of str
        Kinds of :data:`runload.simulate.KINDS` in rotation (``easy_dynamics`` is not needed: any kind
        gets a strap through ``sensor_runs``).
    first_day : datetime.date
        Day of the first run.
    duration_s : int, optional  [s]
        Length of every run (:func:`~runload.simulate.simulate_run`); ``None``: each kind's plan.
    only : range, optional
        Simulate only the runs with these indices (the same runs as in the whole log), e.g. to write a
        long log in parts.

    Returns
    -------
    list of SimulatedRun
        In start order; ``run.has_running_dynamics`` tells the sensor runs, ``run.truth`` holds the true
        contact time.

    Raises
    ------
    RunloadError
        A count is out of range or a kind is unknown.
    """
    n_runs, weeks, sensor_runs = int(n_runs), int(weeks), int(sensor_runs)
    if not 1 <= n_runs <= 2000:
        raise RunloadError(None, f"n_runs must be between 1 and 2000, got {n_runs}")
    if weeks < 1:
        raise RunloadError(None, f"weeks must be at least 1, got {weeks}")
    if not 0 <= sensor_runs <= n_runs:
        raise RunloadError(None, f"sensor_runs must be between 0 and n_runs ({n_runs}), got {sensor_runs}")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise RunloadError(None, f"unknown run kinds {unknown}; use some of {', '.join(KINDS)}")
    athlete = athlete or Athlete()
    rng = np.random.default_rng([0x109, int(seed)])
    with_sensor = set(rng.choice(n_runs, size=sensor_runs, replace=False).tolist())
    minutes = rng.integers(0, 120, n_runs)
    runs = []
    for i in (range(n_runs) if only is None else only):
        day = first_day + timedelta(days=(i * 7 * weeks) // n_runs)
        start = datetime.combine(day, _START_UTC, tzinfo=timezone.utc) + timedelta(minutes=int(minutes[i]))
        sim = simulate_run(kinds[i % len(kinds)], seed=1000 * int(seed) + i, athlete=athlete,
                           dynamics=i in with_sensor, start=start, duration_s=duration_s)
        sim.params["log_index"] = i  # which format write_log(fmt="mix") gives it
        runs.append(sim)
    return runs


def log_file_name(sim: SimulatedRun, fmt: str = "fit") -> str:
    """``YYYY-MM-DD_HHMM_<kind>[_strap].<fmt>``: unique within a log, sorted by start."""
    strap = "_strap" if sim.has_running_dynamics else ""
    return f"{sim.start:%Y-%m-%d_%H%M}_{sim.kind}{strap}.{fmt}"


def write_log(runs: list[SimulatedRun], folder: str | Path, fmt: str = "fit") -> list[Path]:
    """Write ``runs`` into ``folder`` (created) as ``fmt`` files named by :func:`log_file_name`.

    ``fmt`` is ``"fit"``, ``"gpx"``, ``"tcx"`` (``.gz`` appended: gzipped) or ``"mix"``: run *i* of the log
    (its index in :func:`simulate_log`, so a log written in parts is the same) in the format
    :data:`EXPORT_MIX` ``[i % 10]``, a strap run in FIT.  Only FIT keeps the running dynamics; GPX and
    TCX files of sensor runs lose them (as exports do).

    Raises
    ------
    RunloadError
        Unknown format, or the folder or a file cannot be written.
    """
    def known(f: str) -> bool:
        return f.removesuffix(".gz") in WRITERS

    if fmt != "mix" and not known(fmt):
        raise RunloadError(None, f"unknown format {fmt!r}; use one of {', '.join(WRITERS)} (.gz) or mix")
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RunloadError(out, f"cannot create the log folder: {e.strerror or e}") from e
    paths: list[Path] = []
    for sim in runs:
        this = fmt
        if fmt == "mix":
            index = sim.params.get("log_index", 0)
            this = "fit" if sim.has_running_dynamics else EXPORT_MIX[index % len(EXPORT_MIX)]
        path = out / log_file_name(sim, this)
        if path in paths:  # two runs started in the same minute
            path = path.with_name(f"{path.name.split('.')[0]}_{len(paths)}.{this}")
        data = WRITERS[this.removesuffix(".gz")](sim)
        if this.endswith(".gz"):
            data = gzip.compress(data, mtime=0)  # byte for byte the same file for the same log
        try:
            path.write_bytes(data)
        except OSError as e:
            raise RunloadError(path, f"cannot write: {e.strerror or e}") from e
        paths.append(path)
    return paths
