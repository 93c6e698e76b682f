"""Benchmark: write N analysed one-hour 1 Hz runs into a training-log store (runload/store/).

Run: ``.venv/bin/python benchmarks/bench_store.py [--runs 100] [--duration-s 3600]``.  Not a timed test.
One real :class:`~runload.analysis.Analysis` (the clean-tests' synthetic 1 Hz run with device contact
time, altitude and positions, through ``analyze_run``) is written ``--runs`` times under different
sources and content hashes, each in its own transaction, as ``runload batch`` will.  Prints the total
and per-run time, samples per second, the store's size, the time to reopen the store (which loads what it
holds for ``needs_processing``) and to answer ``needs_processing`` for every run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_clean import synthetic_run  # noqa: E402

from runload.geo import EARTH_RADIUS_M  # noqa: E402
from runload.pipeline import analyze_run  # noqa: E402
from runload.store import open_store, profile_hash  # noqa: E402


def one_hour_analysis(duration_s: int):
    run = synthetic_run(speed_mps=lambda t: 3.0 + 0.3 * np.sin(t / 300.0), duration_s=duration_s,
                        altitude=lambda d: 400.0 + 15.0 * np.sin(d / 800.0), laps_every_s=300)
    d = run.samples["distance_m"].to_numpy()
    run.samples["latitude_deg"] = 47.0 + np.degrees(d / EARTH_RADIUS_M)  # due north
    run.samples["longitude_deg"] = 8.5
    return analyze_run(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--duration-s", type=int, default=3600)
    args = parser.parse_args()
    analysis = one_hour_analysis(args.duration_s)
    n_samples = len(analysis.samples)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "log"
        t0 = time.perf_counter()
        with open_store(out) as store:
            for i in range(args.runs):
                store.put_result(f"log/run{i:05d}.fit", f"{i:064x}", [analysis])
        total = time.perf_counter() - t0
        size_mb = (out / "runload.duckdb").stat().st_size / 1e6
        t1 = time.perf_counter()
        with open_store(out) as store:
            t2 = time.perf_counter()
            mv, ph = analysis.model_versions, profile_hash(analysis.profile)
            todo = sum(store.needs_processing(f"log/run{i:05d}.fit", f"{i:064x}", mv, ph)
                       for i in range(args.runs))
            t3 = time.perf_counter()
    print(f"{args.runs} runs × {n_samples} samples: {total:.2f} s ({1000 * total / args.runs:.0f} ms per run, "
          f"{args.runs * n_samples / total / 1e3:.0f} k samples/s), store {size_mb:.1f} MB")
    print(f"reopen {t2 - t1:.3f} s, needs_processing × {args.runs}: {1000 * (t3 - t2):.1f} ms ({todo} to do)")


if __name__ == "__main__":
    main()
