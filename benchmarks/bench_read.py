"""Benchmark: reading FIT runs, as shares of the CPU time fitparse needs to decode the same file's records.

Run: ``.venv/bin/python benchmarks/bench_read.py [--repeat 7] [--quick]``.  Not a timed test.

Issue 10's table, measured side by side in one process (CPU time, ``time.process_time``, medians of
``--repeat``), each stage divided by the reference on the same file:

* reference — python-fitparse decoding the records alone (``FitFile(...).get_messages("record")``, every
  value read), what the issue's goals are expressed in;
* ``fitdecode decode`` and ``columnar decode`` — the two decoders (:mod:`runload.io.fit_decode`) on the
  bytes in memory;
* ``read_run`` — the whole reader (columnar decoder) from the path: canonical frame, sessions, meta;
* ``analyze_run`` — the analysis of that run (:func:`runload.pipeline.analyze_run`);
* ``read + analyze`` — their sum (goal: ≤ 0.05, on a 2-hour run and on a 10-hour one).

Files: the shared corpus's 2.35-h Fenix run (connectstats ``activity_2944936628.fit``), the 1.8-h
``running.fit`` (FitFileParser), the 1-MB Fenix 2 multisport file (``read_run`` takes its first running
leg), and a 10-hour run simulated with :func:`runload.simulate.simulate_run` (a 6-h run continued by a
4-h one: the simulator stops at 6 h) and written as one FIT activity by
:func:`runload.simulate_write.fit_bytes` (in a temporary directory).  ``--quick``: two repeats, the first
real file and a 1-hour simulated run (a smoke run).  Prints a markdown table.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
REAL = [
    "roznet__connectstats/ConnectStatsTests/samples/fit_files/activity_2944936628.fit",
    "roznet__FitFileParser/Tests/FitFileParserSwiftTests/samples/running.fit",
    "dtcooper__python-fitparse/tests/files/activity-large-fenxi2-multisport.fit",
]


def _cpu(fn, repeat: int) -> float:
    """Median CPU time [s] of ``fn()`` over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def _fitparse_records(data: bytes) -> None:
    import fitparse

    for message in fitparse.FitFile(io.BytesIO(data), check_crc=True).get_messages("record"):
        message.get_values()


def _simulated(duration_s: int, folder: Path) -> Path:
    """A simulated easy run of ``duration_s`` as one FIT file.

    The simulator stops at 6 h: a longer run is a 6-h run continued by a second one (its time, elapsed
    time, distance, laps and rows moved to follow the first), written as one activity.
    """
    import numpy as np
    import pandas as pd

    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes
    from runload.simulated_run import SimulatedRun

    cap = 6 * 3600
    sim = simulate_run("easy", seed=1, duration_s=min(duration_s, cap))
    if duration_s > cap:
        rest = simulate_run("easy", seed=2, duration_s=duration_s - cap,
                            start=(sim.truth.index[-1] + pd.Timedelta(seconds=1)).to_pydatetime())
        tail = rest.truth.copy()
        tail["elapsed_s"] += sim.truth["elapsed_s"].iloc[-1] + 1.0
        tail["distance_m"] += sim.truth["distance_m"].iloc[-1]
        tail["lap"] += sim.truth["lap"].iloc[-1] + 1
        laps = rest.laps.copy()
        laps[["first_row", "last_row"]] += len(sim.truth)
        sim = SimulatedRun(sim.kind, pd.concat([sim.truth, tail]), pd.concat([sim.laps, laps], ignore_index=True),
                           sim.params, np.concatenate([sim.record_mask, rest.record_mask]))
    path = folder / f"simulated_{duration_s / 3600:g}h.fit"
    path.write_bytes(fit_bytes(sim))
    return path


def measure(path: Path, repeat: int) -> dict:
    """The stages on one file: seconds, and the number of records."""
    from runload.io import read_run
    from runload.io.fit_decode import DECODERS
    from runload.pipeline import analyze_run

    data = path.read_bytes()
    run = read_run(path, decoder="columnar")
    analyze_run(run)  # warm-up: imports, model files
    out = {
        "reference": _cpu(lambda: _fitparse_records(data), max(3, repeat // 2)),
        "fitdecode decode": _cpu(lambda: DECODERS["fitdecode"](data), repeat),
        "columnar decode": _cpu(lambda: DECODERS["columnar"](data), repeat),
        "read_run": _cpu(lambda: read_run(path, decoder="columnar"), repeat),
        "analyze_run": _cpu(lambda: analyze_run(run), repeat),
    }
    out["read + analyze"] = out["read_run"] + out["analyze_run"]
    out["records"] = len(DECODERS["columnar"](data).records)
    out["decoder"] = run.meta.decoder
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="2 repeats, one real file, a 1-h simulated run")
    args = parser.parse_args(argv)
    repeat = 2 if args.quick else args.repeat
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        files = [SHARED / p for p in (REAL[:1] if args.quick else REAL) if (SHARED / p).is_file()]
        files.append(_simulated(3600 if args.quick else 36000, Path(tmp)))
        rows = {f.name: measure(f, repeat) for f in files}
    stages = ["fitdecode decode", "columnar decode", "read_run", "analyze_run", "read + analyze"]
    names = list(rows)
    print(f"CPU time, medians of {repeat}; shares of fitparse decoding the same file's records\n")
    print("| stage | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    print("| records | " + " | ".join(f"{rows[n]['records']:,}" for n in names) + " |")
    print("| reference: fitparse records [s] | " + " | ".join(f"{rows[n]['reference']:.2f}" for n in names) + " |")
    for stage in stages:
        cells = [f"{rows[n][stage] / rows[n]['reference']:.4f} ({rows[n][stage] * 1000:.0f} ms)" for n in names]
        print(f"| {stage} | " + " | ".join(cells) + " |")
    print("| decoder that ran | " + " | ".join(rows[n]["decoder"] for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
