"""Benchmark: time ``write_report`` for a 1-h, 1 Hz run and report the page size.

Run: ``.venv/bin/python benchmarks/bench_report.py [--repeat 7] [--duration-s 3600]``.  Not a timed
test.  The analysis is built with the report tests' factory (tests/report/conftest.py: every contract
column, device and estimated gait, positions, heart rate, altitude, load and hints), so the page is as
large as a real 1-h report gets.  Targets: under 1 s and under 5 MB with plotly.js inline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "report"))

from conftest import make_analysis  # noqa: E402

from runload.report import write_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--duration-s", type=int, default=3600)
    args = parser.parse_args()
    analysis = make_analysis(args.duration_s)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.html"
        write_report(analysis, out)  # warm-up: imports, template compilation
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            write_report(analysis, out)
            times.append(time.perf_counter() - t0)
        size = out.stat().st_size
        cdn = write_report(analysis, Path(tmp) / "cdn.html", plotlyjs="cdn").stat().st_size
    print(f"samples: {len(analysis.samples)} (1 Hz)")
    print(f"write_report median: {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}, "
          f"n={args.repeat})")
    print(f"size inline: {size / 1e6:.3f} MB ({size / 2**20:.3f} MiB); with --plotlyjs cdn: {cdn / 1e6:.3f} MB")


if __name__ == "__main__":
    main()
