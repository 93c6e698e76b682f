"""Benchmark: `runload batch` (runload.batch.process_log) on a simulated training log.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--files 200] [--jobs 1 2] [--no-reports]``.
Not a timed test.  Writes ``--files`` simulated runs (``intervals`` runs of ~52 min at 1 Hz, distinct
seeds, FIT) into a temporary folder, then for each ``--jobs`` value runs a fresh batch into a new OUTDIR
and prints files/s, an unchanged re-run's time, and the peak resident memory (VmHWM) of every worker
process seen while the batch ran, and of the parent.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
import warnings
from pathlib import Path


def _descendants(root: int) -> list[int]:
    parents = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parents[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


def _hwm_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class PeakWatcher(threading.Thread):
    """Polls the peak RSS (VmHWM) of every descendant process (the workers) until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peaks: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in _descendants(os.getpid()):
                hwm = _hwm_mib(pid)
                if hwm is not None:
                    self.peaks[pid] = max(hwm, self.peaks.get(pid, 0.0))
            self.stop.wait(0.5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-reports", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from runload.batch import process_log
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log"
        log.mkdir()
        t0 = time.perf_counter()
        for i in range(args.files):
            (log / f"run_{i:04d}.fit").write_bytes(fit_bytes(simulate_run("intervals", seed=i)))
        size = sum(p.stat().st_size for p in log.iterdir())
        print(f"simulated {args.files} runs ({size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f} s")
        for jobs in args.jobs:
            out = Path(tmp) / f"out{jobs}"
            watcher = PeakWatcher()
            watcher.start()
            t0 = time.perf_counter()
            s = process_log([log], out, jobs=jobs, reports=not args.no_reports, progress="none")
            elapsed = time.perf_counter() - t0
            watcher.stop.set()
            watcher.join()
            t1 = time.perf_counter()
            again = process_log([log], out, jobs=jobs, reports=not args.no_reports, progress="none")
            rerun = time.perf_counter() - t1
            workers = sorted(watcher.peaks.values(), reverse=True)
            parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"jobs={jobs}: {s.analysed} analysed, {s.failed} failed in {elapsed:.1f} s = "
                  f"{s.analysed / elapsed:.2f} files/s; unchanged re-run {rerun:.2f} s "
                  f"({again.unchanged} unchanged); peak RSS parent {parent:.0f} MiB, "
                  f"workers {', '.join(f'{w:.0f}' for w in workers) or 'in-process'} MiB")


if __name__ == "__main__":
    main()
