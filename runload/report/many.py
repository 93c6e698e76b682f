"""Reports of several files and runs: the loop, the output names and the index page.

:func:`write_reports` is what ``runload report`` calls; the command only parses options and prints what
this returns.  Every running session of every input gets its own page (a TCX holding three runs gives
three reports), and a file that cannot be read or analysed becomes a failure entry while the others are
still reported.

Where the reports go (``out``)
------------------------------
* **A file** — one input and ``out`` is neither an existing folder nor a path ending in ``/``: the first
  run is written to ``out``; further runs of the same file beside it as ``<stem>-run2<suffix>``,
  ``<stem>-run3<suffix>`` … (``morning.html``, ``morning-run2.html``).  No index page.
* **A folder** — several inputs, or ``out`` is an existing folder or ends in ``/`` (it is created): one
  ``<file name>.html`` per input (``run.fit.html``), further runs as ``<file name>-run2.html`` …;
  inputs with the same file name get ``-2``, ``-3`` … (``run.fit-2.html``).  With several inputs, or a
  file with several runs, an ``index.html`` links every report — newest run first, with its date,
  distance, moving time, pace and top hint — and lists the files that failed.
* An existing regular file as ``out`` with several inputs is an error (nothing is written).

The reports of one file's runs link each other ("Run 2 of 3 in this file").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..errors import RunloadError, error_reason

if TYPE_CHECKING:
    from ..profile import AthleteProfile

__all__ = ["ReportOutcome", "ReportBatch", "write_reports", "report_names", "INDEX_NAME"]

INDEX_NAME = "index.html"


@dataclass
class ReportOutcome:
    """One report written, or one input (or run) that could not be reported.

    Attributes
    ----------
    source : str
        The input as given.
    path : pathlib.Path or None
        The HTML file written; ``None`` for a failure.
    run : int
        1-based number of the run within the file (0 when the file itself failed).
    n_runs : int
        Running sessions in the file (0 when it could not be read).
    title : str
        The run's name (or the file name), with "run k of n" for a file of several runs.
    when : str
        The run's start in its local time with the UTC offset (or UTC), for display.
    distance : str
        The run's distance for display, in the chosen units.
    time, pace : str
        The run's moving time and moving pace for display.
    top_hint : str
        The title of the run's first training hint ("" without one).
    start : datetime or None
        The run's start (UTC), for ordering the index.
    error : BaseException or None
        Why it failed: a :class:`~runload.errors.RunloadError` (or an unexpected exception, kept so
        ``--debug`` can show its traceback).
    """

    source: str
    path: Path | None = None
    run: int = 0
    n_runs: int = 0
    title: str = ""
    when: str = ""
    distance: str = ""
    time: str = ""
    pace: str = ""
    top_hint: str = ""
    start: object = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ReportBatch:
    """What :func:`write_reports` did: the outcomes in input and run order, and the index page if any."""

    outcomes: list[ReportOutcome] = field(default_factory=list)
    index: Path | None = None

    @property
    def written(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failures(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if not o.ok]


def _is_folder_target(out: str | os.PathLike, n_inputs: int) -> bool:
    text = os.fspath(out)
    ends_with_sep = text.endswith("/") or text.endswith(os.sep)
    return n_inputs > 1 or ends_with_sep or Path(text).is_dir()


def _unique(name: str, seen: set[str]) -> str:
    """``name`` or ``name`` with ``-2``, ``-3`` … before ``.html``, not yet in ``seen`` (case-insensitive)."""
    stem = name.removesuffix(".html")
    candidate, k = name, 1
    while candidate.lower() in seen:
        k += 1
        candidate = f"{stem}-{k}.html"
    seen.add(candidate.lower())
    return candidate


def report_names(file_names: list[str]) -> list[str]:
    """The report name of each input in a folder: ``<file name>.html``, made unique with ``-2``, ``-3`` ….

    Examples
    --------
    >>> report_names(["a.fit", "b/a.fit", "index"])
    ['a.fit.html', 'a.fit-2.html', 'index-2.html']
    """
    seen = {INDEX_NAME}
    return [_unique(f"{Path(name).name}.html", seen) for name in file_names]


def _run_name(first: str, run: int) -> str:
    """The file name of run ``run`` (1-based) of a file whose first report is named ``first``."""
    if run == 1:
        return first
    stem, suffix = (first[:-5], ".html") if first.lower().endswith(".html") else os.path.splitext(first)
    return f"{stem}-run{run}{suffix}"


def _display_source(source) -> str:
    return os.fsdecode(source) if isinstance(source, bytes) else str(source)


def write_reports(inputs: Iterable, out: str | os.PathLike, *,
                  profile: AthleteProfile | str | os.PathLike | None = None, height_m: float | None = None,
                  mass_kg: float | None = None, units: str = "metric", plotlyjs: str = "inline",
                  gait_source: str = "auto", easy_speed_mps: float | None = None,
                  on_outcome: Callable[[ReportOutcome], None] | None = None) -> ReportBatch:
    """Analyse every running session of every input and write one HTML report each (and an index).

    Parameters
    ----------
    inputs : iterable of path-like
        FIT, GPX or TCX files (plain or ``.gz``).
    out : path-like
        A file or a folder (see the module docstring for the rule and the names).
    profile : AthleteProfile or path-like, optional
        As in :func:`runload.pipeline.analyze_file` (default: each file's user profile, else defaults).
    height_m, mass_kg : float, optional
        [m], [kg] override the profile's values.
    units : {"metric", "imperial"}
        Display units and splits.
    plotlyjs : str
        As in :func:`runload.report.write_report`; a shared path is resolved against the output folder.
    gait_source : {"auto", "device", "model"}
    easy_speed_mps : float, optional
        [m/s] the runner's easy speed (``--easy-pace``), overriding the profile's.
    on_outcome : callable, optional
        Called with each :class:`ReportOutcome` as soon as it is known (the CLI prints progress with it).

    Returns
    -------
    ReportBatch
        Every report written and every failure; ``index`` is the index page or ``None``.

    Raises
    ------
    RunloadError
        No inputs; ``out`` is an existing file where a folder is needed; the index cannot be written.
    InvalidMethodError
        Unknown ``units``.
    """
    from ..pipeline import analyze_file
    from ..profile import AthleteProfile
    from . import write_report
    from .html import check_plotlyjs, render_index
    from .units import format_duration, format_local_time, get_units

    inputs = list(inputs)
    if not inputs:
        raise RunloadError(None, "no input files")
    shown = get_units(units)
    check_plotlyjs(plotlyjs)
    given = {k: v for k, v in (("height_m", height_m), ("mass_kg", mass_kg), ("easy_speed_mps", easy_speed_mps))
             if v is not None}
    if given:  # one error up front, not one per file
        AthleteProfile(**given)
    folder = _is_folder_target(out, len(inputs))
    out = Path(os.fspath(out))
    if folder and out.exists() and not out.is_dir():
        several = "with several inputs " if len(inputs) > 1 else ""
        raise RunloadError(out, f"is a file; {several}the output must be a folder")
    firsts = ([out / name for name in report_names([_display_source(p) for p in inputs])] if folder
              else [out])

    batch = ReportBatch()

    def record(outcome: ReportOutcome) -> None:
        batch.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    several_runs = False
    for source, first in zip(inputs, firsts, strict=True):
        label = _display_source(source)
        try:
            analyses = analyze_file(source, profile, height_m=height_m, mass_kg=mass_kg,
                                    gait_source=gait_source, units=units, easy_speed_mps=easy_speed_mps)
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others; the error is kept
            record(ReportOutcome(source=label, error=e))
            continue
        n = len(analyses)
        several_runs |= n > 1
        targets = [first.with_name(_run_name(first.name, k)) for k in range(1, n + 1)]
        links = [(f"run {k}", _href(t)) for k, t in enumerate(targets, start=1)] if n > 1 else None
        for k, (analysis, target) in enumerate(zip(analyses, targets, strict=True), start=1):
            meta = analysis.run.meta
            title = meta.name or Path(label).name
            if n > 1:
                title += f" (run {k} of {n})"
            summary = analysis.summary or {}
            outcome = ReportOutcome(
                source=label, path=target, run=k, n_runs=n, title=title,
                when=format_local_time(meta.start, meta.utc_offset_s, meta.timezone) if meta.start else "",
                distance=shown.format_distance(summary.get("distance_m")),
                time=format_duration(summary.get("moving_s")),
                pace=shown.format_pace(summary.get("moving_pace_s_per_km")),
                top_hint=_top_hint(analysis),
                start=meta.start,
            )
            try:
                write_report(analysis, target, units=units, plotlyjs=plotlyjs, run_links=links)
            except Exception as e:  # noqa: BLE001 - as above
                outcome.path, outcome.error = None, e
            record(outcome)

    if folder and (len(inputs) > 1 or several_runs):
        entries = [dict(href=_href(o.path), title=o.title, when=o.when, distance=o.distance, time=o.time,
                        pace=o.pace, top_hint=o.top_hint, source=Path(o.source).name)
                   for o in _by_date(batch.written)]
        failures = [dict(source=o.source, reason=error_reason(o.error)) for o in batch.failures]
        index = out / INDEX_NAME
        try:
            out.mkdir(parents=True, exist_ok=True)
            index.write_text(render_index(entries, failures), encoding="utf-8")
        except OSError as e:
            raise RunloadError(index, f"cannot write the index: {e.strerror or e}") from e
        batch.index = index
    return batch


def _top_hint(analysis) -> str:
    """The title of the run's first training hint, as its report lists them (data-quality notes, ids
    ``Q…``, are data notes there, not hints); ``""`` without one."""
    for h in analysis.hints or []:
        if not str(h.id).startswith("Q"):
            return str(h.title)
    return ""


def _by_date(outcomes: list[ReportOutcome]) -> list[ReportOutcome]:
    """Newest run first; runs without a start time last, in input order."""
    import pandas as pd

    def key(o: ReportOutcome):
        start = pd.Timestamp(o.start) if o.start is not None else None
        if start is not None and start.tzinfo is None:
            start = start.tz_localize("UTC")
        return (start is None, -start.value if start is not None else 0)

    return sorted(outcomes, key=key)


def _href(path: Path) -> str:
    """A link to ``path`` from its folder: the name percent-encoded (undecodable bytes of a non-UTF-8
    name stay the bytes on disk, so the link finds the file)."""
    return quote(path.name, errors="surrogateescape")


