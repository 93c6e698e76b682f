"""Benchmark: learning the personal norms of a first batch (``runload.norms.update_norms`` on staged runs).

Run: ``.venv/bin/python benchmarks/bench_norms.py [--files 400] [--minutes 60] [--repeat 3] [--keep DIR]``.
Not a timed test.  Writes a simulated log as ``bench_batch.py`` does (one runner, ``--files`` runs over
``files / 5`` weeks, mixed FIT/GPX/TCX), reads each file and stages what the norms read of its runs, as a
batch's first look does (:func:`runload.pipeline.gait_samples`, :func:`runload.store.rows.norm_input_rows`,
:class:`runload.batch.staging.StagedRuns` in memory), then times ``update_norms`` against an empty store, in
one process, interleaved (medians of ``--repeat``):

* with the cadence model's Huber fit as runload does it (:func:`runload.calibrate.huber_regression`), and
* with the reference: ``scipy.optimize.least_squares(..., loss="huber")``, the solver used before issue 10;

and prints the ratio and the largest difference of the months' cadence models between the two.  The norms
are learnt while the worker pool waits: their time is wall time of every first batch (≈ 1 month per 4 weeks
of log).

``--workers N``: instead, the staged seconds in files (as a batch keeps them) and the WALL time of
``update_norms`` as ``runload batch --jobs N`` learns them now — the months computed on ``N`` worker
processes (its ``map``), BLAS on one thread there and here (:func:`runload.batch.worker.one_blas_thread`) —
against the same in this process alone with BLAS's default threads (the batch before), interleaved (medians
of ``--repeat``); the norms must have the same keys (values to 6 decimals: one BLAS thread sums in another order).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import _write_log  # noqa: E402


def _scipy_huber(x, y, scale, **_):
    """The reference: scipy's least_squares with the Huber loss from the least-squares start (the code
    :func:`runload.calibrate.fit_cadence_model` ran before issue 10)."""
    import numpy as np
    from scipy.optimize import least_squares

    x0 = np.linalg.lstsq(x, y, rcond=None)[0]
    return least_squares(lambda b: x @ b - y, x0, loss="huber", f_scale=scale).x


def _stage(log: Path, folder: Path | None = None):
    import numpy as np

    from runload.batch.staging import StagedRuns
    from runload.io import read_runs
    from runload.pipeline import gait_samples
    from runload.store import content_hash
    from runload.store.rows import norm_input_rows

    staged = StagedRuns(folder)
    for path in sorted(log.iterdir()):
        key = content_hash(path.read_bytes())
        with np.errstate(all="ignore"):
            pairs = [norm_input_rows(run, *gait_samples(run), path.name, key) for run in read_runs(path)]
        staged.add(path.name, [row for row, _ in pairs], [secs for _, secs in pairs])
    return staged


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="write (or reuse) the simulated log here")
    ap.add_argument("--workers", type=int, default=0, help="time the months on N worker processes instead")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.workers:
        _on_workers(args)
        return

    import runload.calibrate as calibrate
    from runload.norms import update_norms
    from runload.store import open_store

    runload_huber = calibrate.huber_regression
    with tempfile.TemporaryDirectory() as tmp:
        log = args.keep or Path(tmp) / "log"
        n = _write_log(log, args.files, args.minutes)
        t0 = time.perf_counter()
        staged = _stage(log)
        print(f"simulated log: {n} runs of {args.minutes} min, staged in {time.perf_counter() - t0:.1f} s")
        times: dict[str, list[float]] = {"runload": [], "scipy": []}
        models = {}
        with open_store(Path(tmp) / "out") as store:
            for _ in range(args.repeat):
                for name, solver in (("runload", runload_huber), ("scipy", _scipy_huber)):
                    calibrate.huber_regression = solver
                    try:
                        c0 = time.process_time()
                        norms = update_norms(store.sql, staged=staged)
                        times[name].append(time.process_time() - c0)
                    finally:
                        calibrate.huber_regression = runload_huber
                    models[name] = {m: p.cadence_model for m, p in norms.items()}
    fitted = [m for m, b in models["runload"].items() if b is not None]
    diff = max((abs(a - b) for m in fitted for a, b in zip(models["runload"][m], models["scipy"][m], strict=True)),
               default=float("nan"))
    ours, ref = statistics.median(times["runload"]), statistics.median(times["scipy"])
    print(f"update_norms, {len(models['runload'])} months ({len(fitted)} with a personal cadence model), CPU time, "
          f"medians of {args.repeat}:")
    print(f"  runload (IRLS Huber fit):           {ours:7.2f} s")
    print(f"  reference (scipy least_squares):    {ref:7.2f} s   -> runload / reference = {ours / ref:.2f}")
    print(f"  largest difference of a cadence-model coefficient: {diff:.2e}")


def _on_workers(args) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from contextlib import nullcontext

    from runload.batch.worker import init_worker, one_blas_thread
    from runload.norms import update_norms
    from runload.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        log = args.keep or Path(tmp) / "log"
        n = _write_log(log, args.files, args.minutes)
        staged = _stage(log, Path(tmp) / "staged")
        times: dict[str, list[float]] = {"workers": [], "here": []}
        learnt = {}
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["runload.norms", "runload.batch.staging"])
        with open_store(Path(tmp) / "out") as store, ProcessPoolExecutor(args.workers, mp_context=ctx,
                                                                          initializer=init_worker) as pool:
            list(pool.map(abs, range(args.workers)))  # the workers started, as a batch's are by then
            for _ in range(args.repeat):
                for name, on in (("workers", lambda fn, items: list(pool.map(fn, items))), ("here", None)):
                    w0 = time.perf_counter()
                    with one_blas_thread() if on else nullcontext():
                        norms = update_norms(store.sql, staged=staged, map=on)
                    times[name].append(time.perf_counter() - w0)
                    learnt[name] = norms
    now, before = learnt["workers"], learnt["here"]
    # One BLAS thread sums in another order than two: the same norms to rounding (their keys, which decide
    # what is analysed again, round to 6 decimals).
    assert {m: p.key for m, p in now.items()} == {m: p.key for m, p in before.items()}, "other norms"
    diff = max((abs(a - b) for m, p in now.items() if p.cadence_model is not None
                for a, b in zip(p.cadence_model, before[m].cadence_model, strict=True)), default=0.0)
    ours, ref = statistics.median(times["workers"]), statistics.median(times["here"])
    print(f"update_norms of {n} staged runs ({len(learnt['here'])} months), wall time, medians of {args.repeat}:")
    print(f"  months on {args.workers} workers, BLAS on one thread: {ours:7.2f} s")
    print(f"  all in this process, BLAS's default threads: {ref:7.2f} s   -> now / before = {ours / ref:.2f}")
    print(f"  the same norms (keys); largest difference of a cadence-model coefficient: {diff:.1e}")


if __name__ == "__main__":
    main()
