"""Simulated training logs for the promise tests of issue 12: a long log written in parallel, and the peak
memory of the processes a batch starts.

:func:`write_long_log` writes ``n`` short runs (any number: :func:`runload.simulate_log.simulate_log` makes
at most 2,000 runs at a time, so the log is written as parts of 2,000 that follow each other in time, one
sub-folder each).  The peak resident memory of the batch's workers is read from ``/proc`` by
``benchmarks/bench_batch.py``'s :class:`PeakWatcher` (psutil is not a dependency), loaded here by path.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import multiprocessing
from datetime import date, timedelta
from pathlib import Path

PART = 2000  # simulate_log's largest log
RUNS_PER_WEEK = 5
#: The first Monday of the long log: 20,000 runs at 5 a week span 77 years, which must end before 2100 (GPX
#: and TCX times past 2099 are refused as implausible: a log starting in 2024 lost its last 65 files so).
FIRST_DAY = date(2000, 1, 3)
BENCH_BATCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_batch.py"


def bench_batch():
    """``benchmarks/bench_batch.py`` as a module (its ``PeakWatcher``, ``_hwm_mib``)."""
    spec = importlib.util.spec_from_file_location("runload_bench_batch", BENCH_BATCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_chunk(args) -> int:
    from runload.simulate_log import simulate_log, write_log

    folder, part, first, last, minutes, fmt = args
    weeks = PART // RUNS_PER_WEEK
    runs = simulate_log(n_runs=PART, weeks=weeks, sensor_runs=PART // 4, seed=part, duration_s=60 * minutes,
                        first_day=FIRST_DAY + timedelta(weeks=part * weeks), only=range(first, last))
    return len(write_log(runs, folder / f"part_{part:03d}", fmt=fmt))


def write_long_log(folder: Path, n: int, minutes: int = 5, fmt: str = "mix", workers: int = 2) -> int:
    """Write ``n`` simulated runs of ``minutes`` into ``folder`` (parts of 2,000 runs, 5 a week, one after
    the other); returns the number of files written."""
    chunks = []
    for start in range(0, n, 50):
        part, first = divmod(start, PART)
        chunks.append((folder, part, first, min(first + 50, PART, n - part * PART), minutes, fmt))
    ctx = multiprocessing.get_context("fork")  # before any batch: no DuckDB connection or thread to copy
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        return sum(pool.map(_write_chunk, chunks))
