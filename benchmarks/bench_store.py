"""Benchmark: write N analysed one-hour 1 Hz runs into a training-log store (runload/store/).

Run: ``.venv/bin/python benchmarks/bench_store.py [--runs 100] [--duration-s 3600]``.  Not a timed test.
One real :class:`~runload.analysis.Analysis` (the clean-tests' synthetic 1 Hz run with device contact
time, altitude and positions, through ``analyze_run``) is written ``--runs`` times under different
sources and content hashes, each in its own transaction, then every file again (replacing it), as the two
passes of ``runload batch`` do; the rows are built before the timing, as batch workers build them.  This
is done twice in one process, with DuckDB's default checkpoint threshold (16 MB) and with the store's
(:data:`runload.store.writer.STORE_CHECKPOINT_THRESHOLD`), and the ratio printed.  Also prints samples per
second, the store's size, the time to reopen the store (which loads what it holds for
``needs_processing``) and to answer ``needs_processing`` for every run.  ``--group N [N …]`` also writes the
files N at a time (:meth:`~runload.store.Store.put_rows_many`, as ``runload batch`` stores them) and prints
the writer's CPU per run, the checkpoint at close included, against one transaction per file, in the same
process, and the store's size (``--group 16 35``: a transaction under and one over a DuckDB row group of
122,880 rows).  ``--mixed N`` writes N runs of 20 min to 2 h (1 Hz) in the groups ``runload batch`` makes
(:class:`runload.batch.storing.Group`: never past :data:`~runload.batch.storing.GROUP_SAMPLES`, two row
groups) — with DuckDB's default threads and on one thread (``Store.single_threaded``, as the batch's writer
thread writes them) —, in groups of 32 files or 60,000 samples (the batch's groups before), and in groups
closed once past two row groups, interleaved twice, and prints the writer's CPU per run (the checkpoint at
close included) and the store's size for each.
"""

from __future__ import annotations

import argparse
import contextlib
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
from runload.store import open_store, profile_hash, writer  # noqa: E402
from runload.store.rows import analysis_rows  # noqa: E402

#: DuckDB's own default checkpoint threshold, the reference of the comparison.
DUCKDB_DEFAULT_THRESHOLD = "16MB"


def one_hour_analysis(duration_s: int):
    run = synthetic_run(speed_mps=lambda t: 3.0 + 0.3 * np.sin(t / 300.0), duration_s=duration_s,
                        altitude=lambda d: 400.0 + 15.0 * np.sin(d / 800.0), laps_every_s=300)
    d = run.samples["distance_m"].to_numpy()
    run.samples["latitude_deg"] = 47.0 + np.degrees(d / EARTH_RADIUS_M)  # due north
    run.samples["longitude_deg"] = 8.5
    return analyze_run(run)


def _rows(analysis, i: int):
    """The store rows of ``analysis`` as file ``i`` of the log (built outside the timing, as batch workers do)."""
    return analysis_rows(analysis, f"log/run{i:05d}.fit", f"{i:064x}", profile_hash(analysis.profile))


def _write_log(out: Path, rows: list, threshold: str) -> tuple[float, float]:
    """Seconds to put every file, then to put every file again (the batch's two passes), checkpoint included."""
    writer.STORE_CHECKPOINT_THRESHOLD = threshold
    with open_store(out) as store:
        t0 = time.perf_counter()
        for i, r in enumerate(rows):
            store.put_rows(f"log/run{i:05d}.fit", f"{i:064x}", [r])
        t1 = time.perf_counter()
        for i, r in enumerate(rows):
            store.put_rows(f"log/run{i:05d}.fit", f"{i:064x}", [r])
    return t1 - t0, time.perf_counter() - t1  # the second includes the checkpoint when the store closes


def _cpu_per_run(out: Path, rows: list, group: int) -> tuple[float, float]:
    """CPU seconds per run to put every file, ``group`` files per transaction (1: :meth:`put_rows` each),
    the checkpoint when the store closes included, and the store's size [MiB] (a transaction that fills a
    DuckDB row group, 122,880 rows of a table, writes it to the database file at once: for some group sizes
    the checkpoint then rewrites it and the file grows)."""
    t0 = time.process_time()
    with open_store(out) as store:
        for g in range(0, len(rows), group):
            store.put_rows_many([(f"log/run{i:05d}.fit", f"{i:064x}", [rows[i]])
                                 for i in range(g, min(g + group, len(rows)))])
    cpu = (time.process_time() - t0) / len(rows)
    return cpu, sum(p.stat().st_size for p in out.iterdir()) / 2**20


def _grouped(sizes: list[int], policy: str) -> list[list[int]]:
    """File indexes in the groups of ``policy``: "batch" (:class:`runload.batch.storing.Group`), "before" (32
    files or once 60,000 samples) or "past" (once past GROUP_SAMPLES)."""
    from runload.batch.storing import GROUP_FILES, GROUP_SAMPLES, Group

    if policy == "batch":
        groups, group = [], Group()
        for i, n in enumerate(sizes):
            if not group.has_room(n):
                groups.append(group.take())
            group.add(i, n)
            if group.full:
                groups.append(group.take())
        return [*groups, group.take()] if group.results else groups
    most_files, most_samples = (32, 60_000) if policy == "before" else (GROUP_FILES, GROUP_SAMPLES)
    groups, current, n_samples = [], [], 0
    for i, n in enumerate(sizes):
        current.append(i)
        n_samples += n
        if len(current) >= most_files or n_samples >= most_samples:
            groups.append(current)
            current, n_samples = [], 0
    return [*groups, current] if current else groups


def _mixed(n_runs: int) -> None:
    """``--mixed``: the batch's groups against the former ones and groups just past two row groups."""
    import random

    from runload.store.rows import analysis_rows

    durations = [1200, 1800, 2400, 3000, 3600, 5400, 7200]
    analyses = {d: one_hour_analysis(d) for d in durations}
    rnd = random.Random(1)
    pick = [rnd.choice(durations) for _ in range(n_runs)]
    rows = [analysis_rows(analyses[d], f"log/run{i:05d}.fit", f"{i:064x}", profile_hash(analyses[d].profile))
            for i, d in enumerate(pick)]
    sizes = [len(r.samples) for r in rows]
    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(2):
            for policy in ("batch", "alone", "before", "past"):
                groups = _grouped(sizes, "batch" if policy == "alone" else policy)
                out = Path(tmp) / f"{policy}{rep}"
                t0 = time.process_time()
                with open_store(out) as store:
                    for g in groups:
                        # "alone": DuckDB on one thread, as the batch's writer thread writes the groups
                        with store.single_threaded() if policy == "alone" else contextlib.nullcontext():
                            store.put_rows_many([(f"log/run{i:05d}.fit", f"{i:064x}", [rows[i]]) for i in g])
                cpu = (time.process_time() - t0) / n_runs
                size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
                results.setdefault(policy, []).append((cpu, size, len(groups)))
    print(f"{n_runs} runs of 20 min to 2 h ({sum(sizes):,} samples); writer CPU per run, checkpoint included "
          "(best of 2):")
    for policy, label in (("batch", "runload batch's groups (never past two row groups)"),
                          ("alone", "the same, DuckDB on one thread (Store.single_threaded, as the batch's "
                                    "writer thread)"),
                          ("before", "32 files or 60,000 samples (the groups before)"),
                          ("past", "closed once past two row groups")):
        cpu, size, n = min(results[policy])
        print(f"  {1000 * cpu:5.1f} ms  store {size:6.1f} MiB  {n:3d} transactions  {label}")
    print(f"ratio batch / before: {min(results['batch'])[0] / min(results['before'])[0]:.2f}; "
          f"one thread / DuckDB's default: {min(results['alone'])[0] / min(results['batch'])[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--duration-s", type=int, default=3600)
    parser.add_argument("--group", type=int, nargs="+", default=[],
                        help="also write the files N per transaction (one or more N)")
    parser.add_argument("--mixed", type=int, default=0, metavar="N",
                        help="only: N runs of 20 min to 2 h in the batch's groups and others")
    args = parser.parse_args()
    if args.mixed:
        _mixed(args.mixed)
        return
    analysis = one_hour_analysis(args.duration_s)
    n_samples = len(analysis.samples)
    rows = [_rows(analysis, i) for i in range(args.runs)]
    ours = writer.STORE_CHECKPOINT_THRESHOLD
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for k, threshold in enumerate((DUCKDB_DEFAULT_THRESHOLD, ours)):
            times[threshold] = _write_log(Path(tmp) / f"log{k}", rows, threshold)
        out = Path(tmp) / "log1"
        size_mb = (out / "runload.duckdb").stat().st_size / 1e6
        t1 = time.perf_counter()
        with open_store(out) as store:
            t2 = time.perf_counter()
            mv, ph = analysis.model_versions, profile_hash(analysis.profile)
            todo = sum(store.needs_processing(f"log/run{i:05d}.fit", f"{i:064x}", mv, ph)
                       for i in range(args.runs))
            t3 = time.perf_counter()
    for threshold, (first, again) in times.items():
        total = first + again
        print(f"checkpoint_threshold {threshold}: {args.runs} runs × {n_samples} samples put in {first:.2f} s "
              f"({1000 * first / args.runs:.0f} ms per run, {args.runs * n_samples / first / 1e3:.0f} k samples/s), "
              f"put again (replacing) in {again:.2f} s ({1000 * again / args.runs:.0f} ms per run); both {total:.2f} s")
    ratio = sum(times[ours]) / sum(times[DUCKDB_DEFAULT_THRESHOLD])
    print(f"ratio {ours} / {DUCKDB_DEFAULT_THRESHOLD}: {ratio:.2f}; store {size_mb:.1f} MB")
    print(f"reopen {t2 - t1:.3f} s, needs_processing × {args.runs}: {1000 * (t3 - t2):.1f} ms ({todo} to do)")
    if args.group:
        groups = [1, *(g for g in args.group if g > 1)]
        with tempfile.TemporaryDirectory() as tmp:
            cpu = {}
            for rep in range(2):  # interleaved, twice
                for group in groups:
                    cpu.setdefault(group, []).append(_cpu_per_run(Path(tmp) / f"g{group}_{rep}", rows, group))
        one, size = min(cpu[1])
        print(f"writer CPU per run, checkpoint included: {1000 * one:.1f} ms one file per transaction "
              f"(store {size:.0f} MiB)")
        for group in groups[1:]:
            many, size = min(cpu[group])
            print(f"  {1000 * many:.1f} ms {group} per transaction ({group * n_samples:,} samples; "
                  f"{one / many:.2f} ×; store {size:.0f} MiB)")


if __name__ == "__main__":
    main()
