"""HTML reports of analysed runs.

``write_report(analysis, "run.html")`` writes one self-contained page: summary with the watch's own
totals, hints with their evidence and the standing footer, a body map and load per muscle group, pace /
heart rate / cadence / elevation / gait timing over distance or time, the route, laps and segments, and
a methods-and-limits section listing the models and rules that produced it.  ``write_reports(inputs,
out)`` reports every running session of several files (one page per run, an index page, failures kept
apart; :mod:`.batch` documents the output names).  plotly is imported only when a report is written, so
``import runload`` stays fast.

Modules: :mod:`.figures` (pure figure builders), :mod:`.bodymap` (the body map), :mod:`.html` (page
assembly with autoescaped Jinja2 templates), :mod:`.norms_notes` (the "Personal norms" part),
:mod:`.many` (many files and runs), :mod:`.dashboard` and :mod:`.dashboard_figures` (``OUTDIR/index.html``
of a training log), :mod:`.units` (metric/imperial display).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .many import ReportBatch, ReportOutcome, write_reports

if TYPE_CHECKING:
    from ..analysis import Analysis

__all__ = ["write_report", "write_report_frame", "write_reports", "ReportBatch", "ReportOutcome"]


def write_report(analysis: Analysis, path: str | os.PathLike, *, units: str = "metric", plotlyjs: str = "inline",
                 run_links: list[tuple[str, str]] | None = None) -> Path:
    """Write the HTML report of one analysed run.

    Parameters
    ----------
    analysis : runload.Analysis
        The result of :func:`runload.analyze_run`.  Partial analyses are fine: no load, no hints, no
        positions, heart rate, altitude or device running dynamics just leave those parts out.
    path : path-like
        The HTML file to write (its folder is created).
    units : {"metric", "imperial"}
        Display units (km, m, min/km or mi, ft, min/mi).  Internally everything stays SI.
    plotlyjs : str
        ``"inline"`` (default; works offline, adds ~4.8 MB), ``"cdn"`` (smaller, needs the network to
        view) or a path relative to the report's folder of a shared ``plotly.min.js`` (written there when
        missing; handy for many reports in one folder).
    run_links : list of (label, href), optional
        The reports of every run of the same file, in file order (the page links them and marks its own).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InvalidMethodError
        Unknown ``units``.
    RunloadError
        The file (or the shared plotly.js) cannot be written.
    """
    from .html import report_chunks
    from .units import get_units

    units = get_units(units)
    path = Path(path)
    return _write_chunks(path, report_chunks(analysis, units=units, plotlyjs=plotlyjs, out_dir=path.parent,
                                             run_links=run_links))


def write_report_frame(frame, path: str | os.PathLike, *, hints: list | None = None,
                       history_rules: tuple[str, ...] | None = None) -> Path:
    """Write the report page of a :class:`~runload.report.html.ReportFrame`, showing ``hints`` and listing
    ``history_rules`` in its methods (``None``: the analysis's own): the page :func:`write_report` writes for
    the analysis with those hints and rules (to the same folder it was rendered for: a shared plotly.js
    path is relative to it).

    Raises
    ------
    RunloadError
        The file cannot be written.
    """
    return _write_chunks(Path(path), frame.chunks(hints, history_rules))


def _write_chunks(path: Path, chunks) -> Path:
    from ..errors import RunloadError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
    except OSError as e:
        raise RunloadError(path, f"cannot write the report: {e.strerror or e}") from e
    return path
