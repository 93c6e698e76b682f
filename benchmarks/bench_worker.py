"""Benchmark: a batch worker's work per file, task by task, in one process.

Run: ``.venv/bin/python benchmarks/bench_worker.py [--files 40] [--minutes 60] [--format mix] [--keep DIR]``.
Not a timed test.  Writes the simulated log of ``benchmarks/bench_batch.py`` (or takes the first
``--files`` of ``--keep DIR``), then runs each file through the three tasks a batch's worker runs for it
(:func:`runload.batch.worker.process_file`): the first look (read, clean, the norms' inputs, the runs
pickled to the cache), the analysis from that cache (with the report's frame pickled), and the completion
of the report from the frame.  Between the first look and the analysis the process forgets what it
remembers of the file (the grade's repaired profiles), as a worker does after the thousands of other files
a batch gives it in between.  The process starts as a worker does (its forkserver's modules imported,
their objects frozen: ``init_worker``), then a first file runs untimed (imports, templates, first calls).
It prints the CPU time of each task per file and, as the ratio the benchmarks report, the whole against
reading and analysing every file once in the same process (``runload.analyze_file``, as
``bench_batch.py --jobs 1`` does: nothing cached, stored or rendered).

The machine's speed drifts (by a third within a day on the development machine); for a count that does
not, run it under ``valgrind --tool=callgrind`` with ``--no-reference``, once with ``--files N`` and once
with ``--files 1``, and compare the instructions per file, (Ir_N − Ir_1) / (N − 1), of two versions.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

from bench_batch import _write_log, add_log_arguments


def _tasks(paths: list[Path], work: Path) -> dict[str, float]:
    """CPU seconds of each of the worker's tasks over ``paths``."""
    import gzip

    import runload.grade as grade
    from runload.batch.worker import FileTask, cache_path, process_file, runs_path
    from runload.store import content_hash

    cache, reports = work / "cache", work / "runs"
    cache.mkdir(parents=True)
    reports.mkdir()
    cpu = {"first look": 0.0, "analysis": 0.0, "report": 0.0}
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        key, source = content_hash(data), str(path)
        t0 = time.process_time()
        look = process_file(FileTask(source, data, None, key, mode="norm_inputs", cache=str(cache)))
        t1 = time.process_time()
        grade._REPAIRED_MEMO.clear()  # a worker has seen thousands of files since this one's first look
        analysed = process_file(FileTask(source, b"", None, key, mode="analyse", cache=str(cache),
                                         runs_file=str(runs_path(cache, source, key)), profile_hash="bench",
                                         report_folder=str(reports)))
        t2 = time.process_time()
        frames = [str(cache_path(cache, rows.run["run_id"])) for rows in analysed.rows]
        done = process_file(FileTask(source, b"", None, key, mode="render", cache=frames, reports_dir=str(reports)))
        t3 = time.process_time()
        if not look.status == analysed.status == done.status == "runs" or done.report_errors:
            raise SystemExit(f"{path}: {look.status}/{analysed.status}/{done.status} "
                             f"{analysed.error or done.error or done.report_errors}")
        cpu["first look"] += t1 - t0
        cpu["analysis"] += t2 - t1
        cpu["report"] += t3 - t2
    return cpu


def _start_as_a_worker() -> None:
    """What a batch worker has done before its first file: import its forkserver's modules and freeze their
    objects out of the garbage collector's walks (:func:`runload.batch.worker.init_worker`)."""
    import gc
    import importlib

    from runload.batch.engine import WORKER_PRELOAD

    for module in WORKER_PRELOAD:
        importlib.import_module(module)
    gc.freeze()


def main() -> None:
    ap = argparse.ArgumentParser()
    add_log_arguments(ap, files=40)
    ap.add_argument("--no-reference", action="store_true", help="only the worker's tasks (for callgrind)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        log = args.keep or Path(tmp) / "log"
        if not (log.is_dir() and sum(1 for _ in log.iterdir()) >= args.files):
            _write_log(log, args.files, args.minutes, args.format)
        paths = sorted(log.iterdir())[:args.files]  # the first files of a longer log kept before
        _start_as_a_worker()
        _tasks(paths[:1], Path(tmp) / "warm")  # imports, templates and first calls, as a worker's first file
        cpu = _tasks(paths, Path(tmp) / "work")
        n = len(paths)
        total = sum(cpu.values())
        print(f"{n} files of {args.minutes} min ({args.format}): "
              + ", ".join(f"{k} {v / n * 1000:.1f} ms" for k, v in cpu.items())
              + f", total {total / n * 1000:.1f} ms of CPU per file")
        if args.no_reference:
            return
        from runload import analyze_file

        analyze_file(paths[0])  # warm, as above
        t0 = time.process_time()
        for path in paths:
            analyze_file(path)
        reference = time.process_time() - t0
        if reference:
            print(f"the worker's tasks: {total / reference:.2f} × reading and analysing each file once "
                  f"({reference / n * 1000:.1f} ms per file)")


if __name__ == "__main__":
    main()
