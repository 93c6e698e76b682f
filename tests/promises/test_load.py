"""Issue 12 promise: a simulated 20,000-file training log completes with bounded memory per worker.

Slow (hours on 2 cores: on the shared development machine, load average ~11, writing the log took 11 min
and the batch's first 14,000 files went at 4.3 files/s, the workers' peaks flat at 75–82 MiB from file
1,000 on): ``make check-promises`` runs it.  ``RUNLOAD_LOAD_FILES`` sets another
number of files (e.g. 2000 for a quicker look).  The log (5-minute runs, as a mixed bulk export: FIT, GPX,
TCX, some gzipped) is written once into a temporary folder; the batch runs in this process with 2
workers, and the peak resident memory (VmHWM from ``/proc``) of every worker is watched while it runs.
Prints files/s and the peaks (``pytest -s``).

"Bounded" is checked against the log itself: a worker's peak when the whole log is done may not exceed
its peak after the first tenth of the log by more than 25 % + 32 MiB (memory that grows with the number
of files would), and stays under :data:`WORKER_LIMIT_MIB` in absolute terms.
"""

from __future__ import annotations

import os
import resource
import time

import pytest
from promises.faults_log import bench_batch, write_long_log

from runload.batch import process_log

pytestmark = pytest.mark.slow

N_FILES = int(os.environ.get("RUNLOAD_LOAD_FILES", "20000"))
JOBS = 2
WORKER_LIMIT_MIB = 400.0  # a worker analyses one 5-minute run at a time: ~110 MiB measured on 1-h runs


def test_a_20000_file_log_completes_with_bounded_memory_per_worker(tmp_path):
    log = tmp_path / "log"
    t0 = time.perf_counter()
    assert write_long_log(log, N_FILES) == N_FILES
    print(f"\nsimulated log: {N_FILES} runs of 5 min in {time.perf_counter() - t0:.0f} s", flush=True)

    watcher = bench_batch().PeakWatcher()
    early: dict[int, float] = {}
    marks = []

    def progress(counts) -> None:
        done = counts.done
        if not early and done >= N_FILES // 10:
            early.update(watcher.peaks)
        if done % 1000 == 0 and (not marks or marks[-1][0] != done):
            marks.append((done, time.perf_counter()))
            print(f"  {done}/{counts.total} files, {counts.rate():.2f} files/s, worker peaks "
                  f"{sorted(round(v) for v in watcher.peaks.values())} MiB", flush=True)

    watcher.start()
    t0 = time.perf_counter()
    try:
        summary = process_log([log], tmp_path / "out", jobs=JOBS, progress=progress)
    finally:
        watcher.stop.set()
        watcher.join()
    elapsed = time.perf_counter() - t0
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peaks = watcher.peaks
    print(f"batch: {summary.line()}\n{N_FILES / elapsed:.2f} files/s (both passes and every report); peak RSS "
          f"of the workers {sorted(round(v) for v in peaks.values())} MiB, of this process {parent:.0f} MiB",
          flush=True)

    assert summary.ok and summary.analysed == N_FILES and summary.failed == 0, summary.line()
    assert len(list((tmp_path / "out" / "runs").glob("*.html"))) == N_FILES
    assert peaks, "no worker process was seen"
    assert max(peaks.values()) < WORKER_LIMIT_MIB, peaks
    for pid, early_peak in early.items():
        if pid in peaks:
            assert peaks[pid] <= early_peak * 1.25 + 32, (pid, early_peak, peaks[pid])
