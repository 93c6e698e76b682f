"""Benchmark: CPU of ``read_run`` on GPX and TCX (1 h and 10 h at 1 Hz) against gpxpy parsing the same GPX,
and the peak RSS of ``runload inspect`` on a 10-hour GPX.

Run: ``.venv/bin/python benchmarks/bench_xml_read.py [--repeat 5] [--no-rss]``.  Not a timed test.

The documents are simulated easy runs (:func:`runload.simulate.simulate_run`, written with
:mod:`runload.simulate_write`: GPX with TrackPointExtension hr/cad, TCX with laps, TPX speed and cadence);
a 10-hour one is a 6-h and a 4-h run spliced into one track / activity (the simulator stops at 6 h).
CPU time is ``time.process_time`` around each call, median of ``--repeat`` rounds; every figure is also
given as a ratio to ``gpxpy.parse`` of the same hour's GPX text, measured in the same rounds, because the
machine is shared and only ratios are comparable between runs.  Rows: ``read_run`` with the default
(fast) GPX parser, the same on the document with a comment after its XML declaration, which makes it parse
the whole tree and read every point element by element (:mod:`runload.io.gpx_points` cuts the ``<trkseg>``
bodies out of documents without comments), with ``parser="gpxpy"`` (the reference, and the only parser
before issue 10), the TCX reader, and the TCX reader on the document with such a comment (the whole tree
again: the only TCX read before issue 10; :mod:`runload.io.tcx_points` cuts the ``<Track>`` bodies).
The RSS figure is ``ru_maxrss`` of a child process running ``runload inspect`` on the 10-h GPX (the issue
measured 266 MB before).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

from runload.errors import RunloadWarning
from runload.io import read_run
from runload.io.gpx import read_gpx_bytes
from runload.simulate import simulate_run
from runload.simulate_write import gpx_bytes, tcx_bytes

ROOT = Path(__file__).resolve().parents[1]


def documents(hours: int) -> tuple[bytes, bytes]:
    """GPX and TCX bytes of an easy run of ``hours`` hours (1 or 10)."""
    if hours <= 6:
        sim = simulate_run("easy", duration_s=hours * 3600, seed=1)
        return gpx_bytes(sim), tcx_bytes(sim)
    a = simulate_run("easy", duration_s=6 * 3600, seed=1)
    start = (a.records.index[-1] + pd.Timedelta(seconds=1)).to_pydatetime()
    b = simulate_run("easy", duration_s=(hours - 6) * 3600, seed=2, start=start)
    ga, gb = gpx_bytes(a), gpx_bytes(b)
    gpx = ga.replace(b"</trkseg>", gb[gb.index(b"<trkpt"):gb.index(b"</trkseg>")] + b"</trkseg>", 1)
    ta, tb = tcx_bytes(a), tcx_bytes(b)
    tcx = ta.replace(b"<Creator", tb[tb.index(b"<Lap "):tb.rindex(b"</Lap>") + 6] + b"\n<Creator", 1)
    return gpx, tcx


def cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def inspect_rss_mb(path: Path) -> float:
    """Peak RSS [MB] of ``runload inspect path`` in a fresh child (ru_maxrss of that child alone)."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL, check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / ".venv" / "bin" / "runload"), "inspect", str(path)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-rss", action="store_true", help="skip the runload inspect memory figure")
    args = parser.parse_args()
    import gpxpy

    warnings.simplefilter("ignore", RunloadWarning)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for hours in (1, 10):
            gpx, tcx = documents(hours)
            for fmt, data in (("gpx", gpx), ("tcx", tcx)):
                paths[fmt, hours] = Path(tmp) / f"run_{hours}h.{fmt}"
                paths[fmt, hours].write_bytes(data)
        texts = {h: paths["gpx", h].read_text(encoding="utf-8") for h in (1, 10)}
        names = ("gpxpy.parse", "read_run gpx", "read_run gpx (tree)", "read_run gpx (gpxpy)", "read_run tcx",
                 "read_run tcx (tree)")
        rows = {(name, h): [] for h in (1, 10) for name in names}
        for h in (1, 10):  # a comment: the readers parse the whole tree (see the module docstring)
            for fmt in ("gpx", "tcx"):
                paths[f"{fmt} tree", h] = Path(tmp) / f"run_{h}h_tree.{fmt}"
                data = paths[fmt, h].read_bytes()
                end = data.index(b"?>") + 2
                paths[f"{fmt} tree", h].write_bytes(data[:end] + b"<!-- whole tree -->" + data[end:])
        for fmt_hours in paths:  # warm-up: imports, caches
            read_run(paths[fmt_hours])
        read_gpx_bytes(paths["gpx", 1].read_bytes(), source="bench.gpx", parser="gpxpy")

        for _ in range(args.repeat):
            for h in (1, 10):
                rows["gpxpy.parse", h].append(cpu(lambda h=h: gpxpy.parse(texts[h])))
                rows["read_run gpx", h].append(cpu(lambda h=h: read_run(paths["gpx", h])))
                rows["read_run gpx (tree)", h].append(cpu(lambda h=h: read_run(paths["gpx tree", h])))
                data = paths["gpx", h].read_bytes()
                rows["read_run gpx (gpxpy)", h].append(
                    cpu(lambda d=data: read_gpx_bytes(d, source="bench.gpx", parser="gpxpy")))
                rows["read_run tcx", h].append(cpu(lambda h=h: read_run(paths["tcx", h])))
                rows["read_run tcx (tree)", h].append(cpu(lambda h=h: read_run(paths["tcx tree", h])))
        n_points = {h: texts[h].count("<trkpt") for h in (1, 10)}
        print(f"CPU, median of {args.repeat}; ratio to gpxpy.parse of the same GPX")
        print(f"{'':24s} {'1 h':>22s} {'10 h':>22s}")
        for name in names:
            cells = []
            for h in (1, 10):
                med = statistics.median(rows[name, h])
                ref = statistics.median(rows["gpxpy.parse", h])
                cells.append(f"{med * 1e3:7.1f} ms {med / ref:5.2f}× "
                             f"{med * 1e6 / n_points[h]:4.1f}µs/pt")
            print(f"{name:24s} {cells[0]:>22s} {cells[1]:>22s}")
        print(f"points: {n_points[1]} (1 h), {n_points[10]} (10 h)")
        for fmt in ("GPX", "TCX"):
            for h in (1, 10):
                fast, tree = (statistics.median(rows[name, h]) for name in (f"read_run {fmt.lower()}",
                                                                            f"read_run {fmt.lower()} (tree)"))
                print(f"{fmt} {h} h: the fast point read takes {fast / tree:.2f}× the CPU of the whole-tree read "
                      f"({tree / fast:.1f}× faster)")
        if not args.no_rss:
            print(f"runload inspect 10-h GPX: peak RSS {inspect_rss_mb(paths['gpx', 10]):.0f} MB; "
                  f"10-h TCX: {inspect_rss_mb(paths['tcx', 10]):.0f} MB")


if __name__ == "__main__":
    main()
