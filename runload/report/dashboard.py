"""``OUTDIR/index.html`` of a training log: the dashboard ``runload batch`` writes from its store.

What it shows (each part with an honest empty state when the log has nothing for it):

* weekly volume — distance [km] and running time [h] per week (weeks start on Monday, local dates), and
  the weekly change of science.md §3.3 H2 as a NOTE under the chart (a week more than 30 % above the one
  before, with ≥ 10 km in that one), never as an alert;
* weekly load per muscle group — the sum of each run's relative load (``muscle_load.rel_load``,
  arbitrary units: comparable within one group across weeks, not between groups), stacked bars;
* runs against the recent past — each run's distance and the line at 110 % of the longest run of its
  previous 30 days (the single-session spike H1, the primary history rule);
* hint history — the training hints each run's report shows (``log_hints``), newest first, with their
  run linked, where they came from (the run alone or the training log), tier and what was seen;
* contact-time balance — the per-run median balance where a sensor measured it;
* shoes — distance per gear (Strava ``activities.csv``), with the documented threshold of the shoe hint;
* every run, newest first by local start, linking to ``runs/<name>.html`` (``no report`` when the file is
  missing, e.g. after ``--no-reports`` or a report error);
* the skipped files (with the sport and reason) and the failed files (stage, error type and message).

The history figures come from :mod:`runload.history` (one implementation of each quantity); the figures
are drawn by :mod:`.dashboard_figures`.  Strings from files (names, gear, sources, errors) are escaped by
the autoescaped Jinja template; the figure data is JSON made safe for ``<script>``
(:func:`runload.report.html.safe_json`).  plotly.js is the shared ``OUTDIR/plotly.min.js`` (written when
missing), so the page works offline.  Runs without a known start are listed as ``undated`` and left out of
the weekly charts (the table says how many).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from markupsafe import Markup

from ..errors import RunloadError, printable
from ..hints import MIN_HISTORY_DAYS, MIN_HISTORY_RUNS
from .dashboard_figures import SPIKE_RATIO, balance_figure, spikes_figure, volume_figure, weekly_load_figure
from .figures import PLOT_CONFIG
from .html import _ENV, figure_json, plotlyjs_tag, safe_json
from .units import format_duration, get_units

__all__ = ["write_dashboard", "render_dashboard", "dashboard_frames", "INDEX_FILE"]

INDEX_FILE = "index.html"
_PLOTLY = "plotly.min.js"


def dashboard_frames(sql: Callable[[str], pd.DataFrame], figures: pd.DataFrame | None = None) -> dict:
    """The frames the dashboard is made of, queried through ``sql`` (``Store.sql`` or ``TrainingLog.sql``).

    Parameters
    ----------
    sql : callable
        ``sql(query) -> pandas.DataFrame`` on the store.
    figures : pandas.DataFrame, optional
        The per-run figures of the log (:attr:`runload.history.LogHistory.figures`) when the caller has
        them already; else computed (:func:`runload.history.run_figures`: aggregate queries over samples).

    Returns
    -------
    dict
        ``runs`` (one row per run, newest first), ``weekly`` (:func:`runload.history.weekly_summary`),
        ``load`` (:func:`runload.history.weekly_group_load`), ``spikes``
        (:func:`runload.history.spike_frame`), ``balance`` (:func:`runload.history.balance_trend`),
        ``shoes`` (:func:`runload.history.shoe_mileage`), ``log_hints`` (the training hints of every run
        report with their run), ``skipped``, ``failures``.
    """
    from ..history import (
        balance_trend,
        run_figures,
        shoe_mileage,
        spike_frame,
        weekly_group_load,
        weekly_summary,
    )

    runs = sql("SELECT run_id, source, session_index, name, start_local, distance_m, timer_s, "
               "pace_s_per_km, avg_heart_rate_bpm, device, contact_time_source FROM runs "
               "ORDER BY start_local DESC NULLS LAST, source, session_index")
    if figures is None:
        figures = run_figures(sql)
    dated = not figures.empty
    # The training hints the run reports show (data-quality notes, ids Q…, stay in the reports).
    hints = sql("SELECT r.run_id, r.source, r.session_index, r.name, r.start_local, h.hint_id, h.title, "
                "h.severity, h.evidence_label, h.values_json, h.message, h.origin FROM log_hints h "
                "JOIN runs r USING (run_id) WHERE h.hint_id NOT LIKE 'Q%' "
                "ORDER BY r.start_local DESC NULLS LAST, r.source, r.session_index, h.seq")
    skipped = sql("SELECT source, sport, reason FROM skipped ORDER BY source")
    failures = sql("SELECT source, stage, error_type, error FROM failures ORDER BY source")
    return {
        "runs": runs,
        "weekly": weekly_summary(figures),
        "load": weekly_group_load(None, figures) if dated else pd.DataFrame(),
        "spikes": spike_frame(figures) if dated else pd.DataFrame(),
        "balance": balance_trend(figures) if dated else pd.DataFrame(),
        "shoes": shoe_mileage(figures),
        "log_hints": hints,
        "skipped": skipped,
        "failures": failures,
    }


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _run_link(r, reports_dir: Path) -> tuple[pd.Timestamp | None, str, str | None]:
    """A run's local start, its title and the link to its report (None when the file is missing)."""
    from ..batch.names import report_name

    start = None if pd.isna(r.start_local) else pd.Timestamp(r.start_local)
    name = report_name(r.run_id, r.source, _text(r.name) or None, start, int(r.session_index))
    href = f"{reports_dir.name}/{quote(name)}" if (reports_dir / name).is_file() else None
    return start, _text(r.name) or r.source.replace("\\", "/").rsplit("/", 1)[-1], href


def _run_rows(runs: pd.DataFrame, reports_dir: Path, units) -> list[dict]:
    rows = []
    for r in runs.itertuples(index=False):
        start, title, href = _run_link(r, reports_dir)
        rows.append(dict(
            when=start.strftime("%Y-%m-%d %H:%M") if start is not None else "undated",
            title=title,
            href=href,
            distance=units.format_distance(r.distance_m),
            duration=format_duration(r.timer_s),
            pace=units.format_pace(r.pace_s_per_km),
            heart_rate="" if pd.isna(r.avg_heart_rate_bpm) else f"{r.avg_heart_rate_bpm:.0f}",
            contact=_text(r.contact_time_source),
            source=r.source,
        ))
    return rows


def _first_sentence(message: str) -> str:
    """The "what we saw" part of a hint message (its first sentence, §3.1 message template)."""
    text = message.strip()
    cut = text.find(". ")
    return text[:cut + 1] if cut > 0 else text


def _hint_rows(hints: pd.DataFrame, reports_dir: Path, units) -> list[dict]:
    """The hints the run reports show (``log_hints``), newest first: the run (linked), where the hint came
    from (``origin``: this run alone, or the training log), its tier and what was seen."""
    rows = []
    for h in hints.itertuples(index=False):
        start, title, href = _run_link(h, reports_dir)
        try:
            values = json.loads(h.values_json) if isinstance(h.values_json, str) else {}
        except ValueError:
            values = {}
        values = values if isinstance(values, dict) else {}
        message = _text(h.message)
        evidence = _first_sentence(message)
        if h.hint_id == "H1" and {"distance_m", "longest_30d_m", "distance_ratio"} <= set(values):
            try:
                evidence = (f"{units.format_distance(values['distance_m'])} vs the longest of the previous 30 days "
                            f"{units.format_distance(values['longest_30d_m'])} ({float(values['distance_ratio']):.2f}×)")
            except (TypeError, ValueError):
                pass
        origin = _text(getattr(h, "origin", "run"))
        rows.append(dict(
            when=start.strftime("%Y-%m-%d %H:%M") if start is not None else "undated", title=title, href=href,
            hint=_text(h.title), hint_id=_text(h.hint_id), severity=_text(h.severity),
            evidence_label=_text(h.evidence_label), evidence=evidence, message=message,
            origin=origin, origin_text="your training log" if origin == "log" else "this run",
        ))
    return rows


def _week_notes(weekly: pd.DataFrame, units) -> list[dict]:
    """The weeks with the weekly-change flag of :func:`runload.history.weekly_summary` (§3.3 H2), newest
    first: a note in the weekly summary, never an alert."""
    if weekly is None or weekly.empty or "h2" not in weekly:
        return []
    previous = pd.to_numeric(weekly["distance_m"], errors="coerce").shift(1)
    notes = []
    for week, flagged in weekly["h2"].fillna(False).astype(bool).items():
        if flagged:
            notes.append(dict(
                week=pd.Timestamp(week).strftime("%Y-%m-%d"),
                distance=units.format_distance(weekly.at[week, "distance_m"], digits=1),
                previous=units.format_distance(previous[week], digits=1),
                change=f"{100 * float(weekly.at[week, 'change_ratio']):.0f} %",
            ))
    return notes[::-1]


def _shoe_rows(shoes: pd.DataFrame, units) -> list[dict]:
    """Distance per gear (:func:`runload.history.shoe_mileage`), most used first, with the date it passed
    the documented threshold of the shoe note (a reminder, never an alarm)."""
    if shoes is None or shoes.empty:
        return []
    rows = []

    def day(value) -> str:
        return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")

    for gear, g in shoes.sort_values("distance_km", ascending=False).iterrows():
        rows.append(dict(gear=_text(gear), distance=units.format_distance(1000.0 * float(g["distance_km"]), digits=0),
                         runs=int(g["runs"]), first=day(g["first"]), last=day(g["last"]),
                         passed=day(g["passed_on"])))
    return rows


def render_dashboard(frames: dict, out_dir: Path, *, reports: bool = True,
                     units: str = "metric", title: str = "runload training log") -> str:
    """The dashboard page (see the module docstring) for ``frames`` from :func:`dashboard_frames`.

    Frames missing from ``frames`` (e.g. a store without history figures) show their empty state.
    """
    shown = get_units(units)
    empty = pd.DataFrame()
    figures = {k: f for k, f in (
        ("volume", volume_figure(frames.get("weekly"), shown)),
        ("load", weekly_load_figure(frames.get("load"))),
        ("spikes", spikes_figure(frames.get("spikes"), shown)),
        ("balance", balance_figure(frames.get("balance"))),
    ) if f is not None}
    payload = "{" + ",".join(f"{json.dumps(k)}:{figure_json(f)}" for k, f in figures.items()) + "}"
    reports_dir = Path(out_dir) / "runs"
    runs = _run_rows(frames["runs"], reports_dir, shown)
    from ..history.frames import WEEKLY_CHANGE_LIMIT, WEEKLY_CHANGE_MIN_PREVIOUS_KM
    from ..history.rules import SHOE_MILEAGE_KM

    template = _ENV.get_template("dashboard.html.j2")
    return printable(template.render(
        title=title,
        n_runs=len(runs),
        n_undated=sum(r["when"] == "undated" for r in runs),
        total_distance=shown.format_distance(frames["runs"]["distance_m"].sum(min_count=1)),
        figures=list(figures),
        figures_json=Markup(payload),
        plot_config=Markup(safe_json(PLOT_CONFIG)),
        plotlyjs=plotlyjs_tag(_PLOTLY, Path(out_dir)) if figures else Markup(""),
        runs=runs,
        hints=_hint_rows(frames.get("log_hints", empty), reports_dir, shown),
        week_notes=_week_notes(frames.get("weekly"), shown),
        shoes=_shoe_rows(frames.get("shoes"), shown),
        shoe_threshold=shown.format_distance(1000.0 * SHOE_MILEAGE_KM, digits=0),
        week_change=f"{100 * WEEKLY_CHANGE_LIMIT:.0f} %",
        week_min_previous=shown.format_distance(1000.0 * WEEKLY_CHANGE_MIN_PREVIOUS_KM, digits=0),
        spike_percent=f"{SPIKE_RATIO * 100:.0f} %",
        history_min=f"{MIN_HISTORY_DAYS // 7} weeks and {MIN_HISTORY_RUNS} runs",
        reports=reports,
        skipped=[{k: _text(v) for k, v in row.items()} for row in frames["skipped"].to_dict("records")],
        failures=[{k: _text(v) for k, v in row.items()} for row in frames["failures"].to_dict("records")],
    ))


def write_dashboard(sql: Callable[[str], pd.DataFrame], out_dir: str | os.PathLike, *, reports: bool = True,
                    units: str = "metric", figures: pd.DataFrame | None = None) -> Path:
    """Write ``OUT_DIR/index.html`` from the store read through ``sql``; returns its path.

    ``figures``: the log's per-run figures (:attr:`runload.history.LogHistory.figures`) when the caller
    computed them already (saves the aggregate queries over ``samples``).

    Raises
    ------
    RunloadError
        The page cannot be written.
    """
    out_dir = Path(out_dir)
    page = render_dashboard(dashboard_frames(sql, figures), out_dir, reports=reports, units=units)
    target = out_dir / INDEX_FILE
    tmp = target.with_name(f".{INDEX_FILE}.{os.getpid()}.tmp")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        with contextlib.suppress(OSError):  # a full disk must not also leave the partial page behind
            tmp.unlink()
        raise RunloadError(target, f"cannot write the dashboard: {e.strerror or e}") from e
    return target
