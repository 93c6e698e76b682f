"""Benchmark: CPU time of ``analyze_run`` per stage, as a ratio to fitparse decoding the same file's records.

Run: ``.venv/bin/python benchmarks/bench_analyze.py [--repeat 7] [--no-long]``.  Not a timed test.

Three runs, each analysed alone and with personal norms (as ``runload batch`` analyses every run):

* the real 2.35-hour FIT run of the issue (``activity_2944936628.fit``, 7,969 records, shared data);
* a one-hour simulated easy run (``simulate_run("easy", duration_s=3600)``, the batch case);
* a ten-hour simulated easy run (the cost must stay linear in samples; skip with ``--no-long``): the
  simulator stops at 6 h, so a 6-h and a 4-h run written as two FIT files, read and spliced into one
  run; its reference is fitparse decoding both files.

The simulated runs are written as FIT (:func:`runload.simulate_write.fit_bytes`) and read back, so every run
has a FIT file whose records fitparse can decode: the reference is fitparse decoding that file's
``record`` messages (``FitFile(path).get_messages("record")`` with ``get_values()``), measured in the same
process before, between and after the analyses (median of the three).  Printed: the medians of ``--repeat`` CPU times (``time.process_time``)
of the reference, of ``analyze_run`` and of each stage (clean, gait, segments, summary, load,
segment_load, hints — timed by wrapping the stage functions the pipeline calls), and each as a share of
the reference.  Absolute times are noisy on a shared machine; the ratios much less so.
Target (issue 10, the analysis half): ``analyze_run`` ≤ 0.025 × the reference.  To compare with an older
version, put its package first on the path: ``git archive <commit> runload | tar -x -C /tmp/old`` and
``PYTHONPATH=/tmp/old .venv/bin/python benchmarks/bench_analyze.py`` (stages it lacks are left out).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REAL_FIT = ROOT.parent / "shared/data/roznet__connectstats/ConnectStatsTests/samples/fit_files/activity_2944936628.fit"
sys.path.insert(0, str(ROOT / "tests"))

from analysis_pins import norms  # noqa: E402 - the personal norms the analysis pins use, one definition

STAGES = {  # pipeline attribute → label
    "clean_samples": "clean", "compute_gait": "gait", "_segments_and_whole": "segments", "_summary": "summary",
    "compute_load": "load", "segment_load": "segment_load", "hint_candidates": "hints",
}


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def fitparse_records(path: Path) -> None:
    """The reference: fitparse decoding the file's record messages (values included)."""
    import fitparse

    for message in fitparse.FitFile(str(path)).get_messages("record"):
        message.get_values()


def spliced(runs):
    """One run of consecutive runs (samples, laps and timer intervals one after the other)."""
    if len(runs) == 1:
        return runs[0]
    from runload.run import Run

    frames, laps, intervals, dist0, lap0 = [], [], [], 0.0, 0
    for run in runs:
        s = run.samples.copy()
        if "distance_m" in s:
            s["distance_m"] = s["distance_m"] + dist0
            dist0 = float(s["distance_m"].max())
        if "lap" in s:
            s["lap"] = s["lap"] + lap0
            lap0 = int(s["lap"].max()) + 1
        frames.append(s)
        laps.append(run.meta.laps)
        intervals += list(run.meta.timer_intervals)
    meta = dataclasses.replace(runs[0].meta, laps=pd.concat(laps, ignore_index=True), timer_intervals=intervals,
                               watch=None)
    return Run(samples=pd.concat(frames), meta=meta)


def staged_analysis(run, repeat: int, **kw) -> tuple[list[float], dict[str, list[float]]]:
    """CPU times of ``analyze_run(run, **kw)`` and of each stage, ``repeat`` times (after one warm-up)."""
    from runload import pipeline

    spent: dict[str, float] = defaultdict(float)
    originals = {name: getattr(pipeline, name) for name in STAGES if hasattr(pipeline, name)}

    def timed(name, fn):
        def wrapper(*a, **k):
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[STAGES[name]] += time.process_time() - t0
        return wrapper

    totals, stages = [], defaultdict(list)
    try:
        for name, fn in originals.items():
            setattr(pipeline, name, timed(name, fn))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(repeat + 1):
                spent.clear()
                total = _cpu(lambda: pipeline.analyze_run(run, **kw))
                if i:  # the first call warms caches (model files, imports)
                    totals.append(total)
                    for name, label in STAGES.items():
                        if name in originals:
                            stages[label].append(spent[label])
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)
    return totals, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-long", action="store_true", help="skip the 10-hour simulated run")
    args = parser.parse_args()

    from runload import read_run
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes

    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        if REAL_FIT.exists():
            files["real 2.35 h FIT"] = [REAL_FIT]
        else:
            print(f"(missing {REAL_FIT}: real run skipped)", file=sys.stderr)
        files["simulated 1 h"] = [Path(tmp) / "easy_1h.fit"]
        files["simulated 1 h"][0].write_bytes(fit_bytes(simulate_run("easy", duration_s=3600, seed=11)))
        if not args.no_long:  # the simulator stops at 6 h: a 6-h and a 4-h run, the second after the first
            first = simulate_run("easy", duration_s=6 * 3600, seed=12)
            start = (first.records.index[-1] + pd.Timedelta(seconds=1)).to_pydatetime()
            second = simulate_run("easy", duration_s=4 * 3600, seed=13, start=start)
            files["simulated 10 h"] = [Path(tmp) / "easy_6h.fit", Path(tmp) / "easy_4h.fit"]
            for path, sim in zip(files["simulated 10 h"], (first, second), strict=True):
                path.write_bytes(fit_bytes(sim))
        print(f"CPU medians of {args.repeat}; shares of fitparse decoding the same file's records")
        for label, paths in files.items():
            paths = paths if isinstance(paths, list) else [paths]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run = spliced([read_run(p) for p in paths])
            # The reference is measured between the analyses (before, between and after), so a machine
            # that gets busier or quieter during the measurement moves both alike.
            refs = [_cpu(lambda ps=paths: [fitparse_records(p) for p in ps])]
            results = {}
            for mode, kw in (("alone", {}), ("with norms", {"norms": norms()})):
                results[mode] = staged_analysis(run, args.repeat, **kw)
                refs.append(_cpu(lambda ps=paths: [fitparse_records(p) for p in ps]))
            ref = statistics.median(refs)
            print(f"\n{label}: {len(run.samples):,} samples; fitparse records {ref:.3f} s "
                  f"(median of {len(refs)}: {', '.join(f'{r:.2f}' for r in refs)})")
            for mode, (totals, stages) in results.items():
                total = statistics.median(totals)
                parts = ", ".join(f"{k} {statistics.median(v) / ref:.4f}" for k, v in stages.items())
                print(f"  analyze_run {mode}: {total * 1000:.1f} ms = {total / ref:.4f} × fitparse  ({parts})")


if __name__ == "__main__":
    main()
