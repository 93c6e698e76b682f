"""Benchmark: CPU time of one run report (``write_report``), the first and the later ones, and the page size.

Run: ``.venv/bin/python benchmarks/bench_report.py [--repeat 7] [--duration-s 3600] [--plotlyjs shared]``.
Not a timed test.  The analysis is built with the report tests' factory (tests/report/conftest.py: every
contract column, device and estimated gait, positions, heart rate, altitude, load and hints), so the page is
as large as a real report of that length gets.

What it prints (CPU time, ``time.process_time``; medians of ``--repeat``; one process):

* the first report (imports plotly.io and Jinja2, compiles the templates, builds the subplot grid) and the
  median of the later ones, with the share of the figures (building their dicts and serialising them);
* two references on the same figure dicts, so the figures hold on a busy machine where absolute times do
  not: ``plotly objects`` — the same figures built and validated as ``plotly.graph_objects.Figure`` and
  serialised by ``plotly.io.to_json`` (what the report paid before issue 10, ~0.1–0.2 s), and
  ``json.dumps`` — serialising the dicts alone (the floor);
* the page size inline and with ``--plotlyjs cdn``.

``--plotlyjs shared`` (default) links a shared ``../plotly.min.js`` as ``runload batch`` does; ``inline`` embeds
plotly.js (~4.8 MB more text per page to render and write) as ``runload report`` does by default.
Target (issue 10): a report ≤ 30 ms after the first.

``--dashboard-runs N`` also times the training-log dashboard (``OUTDIR/index.html`` of ``runload batch``) of a
log of N runs, three a week, built row by row (tests/history_logs.py; ~50 ms a run to build): the store
queries and history figures (:func:`runload.report.dashboard.dashboard_frames`) and the page itself
(:func:`runload.report.dashboard.render_dashboard`), once each after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "report"))

from conftest import make_analysis  # noqa: E402


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def _median_cpu(fn, repeat: int) -> float:
    return statistics.median(_cpu(fn) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--duration-s", type=int, default=3600)
    parser.add_argument("--plotlyjs", choices=("shared", "inline", "cdn"), default="shared")
    parser.add_argument("--dashboard-runs", type=int, default=0, metavar="N")
    args = parser.parse_args()
    analysis = make_analysis(args.duration_s)
    mode = {"shared": "../plotly.min.js"}.get(args.plotlyjs, args.plotlyjs)

    t0 = time.process_time()
    from runload.report import write_report
    from runload.report.bodymap import bodymap_figure
    from runload.report.figures import load_figure, route_figure, timeseries_figure
    from runload.report.html import figure_json

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "runs" / "bench.html"
        write_report(analysis, out, plotlyjs=mode)
        first = time.process_time() - t0
        later = _median_cpu(lambda: write_report(analysis, out, plotlyjs=mode), args.repeat)

        def figures():
            return [f for f in (bodymap_figure(analysis), load_figure(analysis), timeseries_figure(analysis),
                                route_figure(analysis)) if f is not None]

        build = _median_cpu(lambda: [figure_json(f) for f in figures()], args.repeat)
        dicts = figures()

        import plotly.graph_objects as go
        import plotly.io as pio

        objects = _median_cpu(lambda: [pio.to_json(go.Figure(f), engine="json") for f in dicts], args.repeat)
        floor = _median_cpu(lambda: [json.dumps(f) for f in dicts], args.repeat)
        size = write_report(analysis, Path(tmp) / "inline.html", plotlyjs="inline").stat().st_size
        cdn = write_report(analysis, Path(tmp) / "cdn.html", plotlyjs="cdn").stat().st_size

    ms = 1000.0
    print(f"samples: {len(analysis.samples)} (1 Hz); plotly.js {args.plotlyjs}; CPU time, medians of {args.repeat}")
    print(f"first report (imports, templates):   {first * ms:7.1f} ms")
    print(f"later reports:                       {later * ms:7.1f} ms   (target <= 30 ms)")
    print(f"  of which the figures (dicts, JSON): {build * ms:7.1f} ms")
    print(f"reference 'plotly objects' (same figures validated by plotly.graph_objects + to_json): "
          f"{objects * ms:.1f} ms -> report / reference = {later / objects:.2f}")
    print(f"reference 'json.dumps' of the figure dicts: {floor * ms:.1f} ms -> figures / reference = "
          f"{build / floor:.1f}")
    print(f"size inline: {size / 1e6:.3f} MB ({size / 2**20:.3f} MiB); with --plotlyjs cdn: {cdn / 1e6:.3f} MB")
    if args.dashboard_runs:
        _dashboard(args.dashboard_runs)


def _dashboard(n_runs: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from history_logs import LogBuilder

    from runload.report.dashboard import dashboard_frames, render_dashboard

    log = LogBuilder()
    log.weeks((n_runs + 2) // 3, km=10.0, balance=50.4, gear="shoe")
    with tempfile.TemporaryDirectory() as tmp:
        frames = dashboard_frames(log.sql)
        page = render_dashboard(frames, Path(tmp))  # warm-up (templates, plotly.min.js)
        query = _cpu(lambda: dashboard_frames(log.sql))
        render = _cpu(lambda: render_dashboard(frames, Path(tmp)))
    print(f"dashboard of {log.n} runs: store queries and history figures {query * 1000:.0f} ms, "
          f"page {render * 1000:.0f} ms ({len(page) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
