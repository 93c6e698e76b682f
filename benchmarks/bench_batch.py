"""Benchmark: `runload batch` (runload.batch.process_log) on a simulated training log.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--files 200] [--minutes 60] [--jobs 1 2] [--no-reports]
[--format mix] [--keep DIR]``.  Not a timed test.  Writes a simulated training log
(:func:`runload.simulate_log.simulate_log`: one runner, ``--files`` runs of ``--minutes`` at 1 Hz over
``files / 5`` weeks, a quarter with a chest strap, written as a bulk export: ``--format mix`` (default)
is :data:`runload.simulate_log.EXPORT_MIX`, half FIT and GPX/TCX, some gzipped; or one format) into a temporary folder (or ``--keep DIR``, reused when it holds the same log), then for each
``--jobs`` value runs a fresh batch into a new OUTDIR and prints files/s (everything: the look at each file
for the personal norms, the analysis with them, the store, every report and the dashboard), an
unchanged re-run's time, the wall time of each pass (the first look, the norms, the analysis, the reports),
and the peak resident memory (VmHWM) of every worker process seen while the
batch ran, and of the parent.  With ``--jobs 1`` it also prints the batch's CPU time as a ratio to reading
and analysing every file once in the same process (``runload.analyze_file``, nothing stored or rendered):
the floor of any batch, so the ratio is what learning the norms, storing and reporting cost on top.
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


def _write_chunk(args) -> int:
    from runload.simulate_log import simulate_log, write_log

    folder, n, minutes, first, last, fmt = args
    runs = simulate_log(n_runs=n, weeks=max(1, n // 5), sensor_runs=n // 4, seed=7, duration_s=60 * minutes,
                        only=range(first, last))
    return len(write_log(runs, folder, fmt=fmt))


def _write_log(folder: Path, n: int, minutes: int, fmt: str = "mix") -> int:
    """The benchmark's log in ``folder`` (reused when it already holds ``n`` files), written in parallel."""
    import concurrent.futures

    folder.mkdir(parents=True, exist_ok=True)
    if sum(1 for _ in folder.iterdir()) == n:
        return n
    step = 50
    chunks = [(folder, n, minutes, i, min(n, i + step), fmt) for i in range(0, n, step)]
    with concurrent.futures.ProcessPoolExecutor() as pool:
        return sum(pool.map(_write_chunk, chunks))


class Phases:
    """Notes when each pass of the batch ends, as a ``progress`` callable: the first look (``staged``),
    the analysis (``analysed``: counted as each group of files is stored) and the reports (``refreshed``);
    and times the norms, learnt in between (:func:`runload.batch.refresh.learn_norms`, wrapped while the
    batch runs)."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.last: dict[str, float] = {}  # pass → when its count last grew [s since the start]
        self.seen: dict[str, int] = {}  # pass → its count then
        self.norms = (float("nan"), float("nan"))

    def __call__(self, counts) -> None:
        now = time.perf_counter() - self.t0
        for name in ("staged", "analysed", "refreshed"):
            n = getattr(counts, name)
            if n and self.seen.get(name) != n:
                self.seen[name], self.last[name] = n, now

    def timing_norms(self):
        """A context in which the batch's ``learn_norms`` is timed."""
        import contextlib

        from runload.batch import engine

        learn = engine.learn_norms

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return learn(*args, **kwargs)
            finally:
                self.norms = (start - self.t0, time.perf_counter() - self.t0)

        @contextlib.contextmanager
        def context():
            engine.learn_norms = timed
            try:
                yield
            finally:
                engine.learn_norms = learn

        return context()

    def describe(self, elapsed: float) -> str:
        last, (n0, n1) = self.last, self.norms
        parts = [f"first look {last.get('staged', float('nan')):.1f} s", f"norms {n1 - n0:.1f} s",
                 f"analysis and store {last.get('analysed', float('nan')) - n1:.1f} s"]
        if "refreshed" in last:
            parts.append(f"reports {last['refreshed'] - last['analysed']:.1f} s")
        parts.append(f"rest (refresh, dashboard) {elapsed - max(last.values(), default=0.0):.1f} s")
        return ", ".join(parts)


def _reference_cpu(log: Path) -> float:
    """CPU seconds to read and analyse every file of ``log`` once, in this process, with nothing stored or
    rendered: the floor a batch (which also learns the norms, stores and reports) is compared with."""
    from runload import analyze_file

    t0 = time.process_time()
    for path in sorted(log.iterdir()):
        analyze_file(path)
    return time.process_time() - t0


def add_log_arguments(ap: argparse.ArgumentParser, files: int) -> None:
    """The options of the simulated log (:func:`_write_log`), shared with ``bench_worker.py``."""
    ap.add_argument("--files", type=int, default=files)
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--format", default="mix", help="mix (default), fit, gpx, tcx, fit.gz, …")
    ap.add_argument("--keep", type=Path, default=None, help="write (or reuse) the simulated log here")


def main() -> None:
    ap = argparse.ArgumentParser()
    add_log_arguments(ap, files=200)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-reports", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from runload.batch import process_log

    with tempfile.TemporaryDirectory() as tmp:
        log = args.keep or Path(tmp) / "log"
        t0 = time.perf_counter()
        n = _write_log(log, args.files, args.minutes, args.format)
        size = sum(p.stat().st_size for p in log.iterdir())
        print(f"simulated log ({args.format}): {n} runs of {args.minutes} min ({size / 2**20:.1f} MiB) in "
              f"{time.perf_counter() - t0:.1f} s")
        for jobs in args.jobs:
            out = Path(tmp) / f"out{jobs}"
            watcher = PeakWatcher()
            watcher.start()
            t0, c0 = time.perf_counter(), time.process_time()
            phases = Phases()
            with phases.timing_norms():
                s = process_log([log], out, jobs=jobs, reports=not args.no_reports, progress=phases)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
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
            print(f"  wall time by pass: {phases.describe(elapsed)}")
            if jobs == 1:  # everything ran in this process: its CPU time is the batch's
                ref = _reference_cpu(log)
                print(f"jobs=1 CPU {cpu:.1f} s = {cpu / ref:.2f} × reading and analysing every file once "
                      f"({ref:.1f} s, same process)")


if __name__ == "__main__":
    main()
