"""``OUTDIR/index.html`` of a training log: the dashboard ``runload batch`` writes from its store.

What it shows (and nothing it cannot back with the store; personal norms and shoes come with the
history features):

* weekly volume — distance [km] and running time [h] per week (weeks start on Monday, local dates);
* weekly load per muscle group — the sum of each run's relative load (``muscle_load.rel_load``,
  arbitrary units: comparable within one group across weeks, not between groups), stacked bars;
* the history hints (``history_hints``: the single-session spike H1), newest first, each with its run
  linked, its tier, the distances that triggered it and its message;
* every run, newest first by local start, linking to ``runs/<name>.html`` (``no report`` when the file is
  missing, e.g. after ``--no-reports`` or a report error);
* the skipped files (with the sport and reason) and the failed files (stage, error type and message).

Strings from files (names, sources, errors) are escaped by the autoescaped Jinja template; the figure
data is JSON made safe for ``<script>`` (:func:`runload.report.html.safe_json`).  plotly.js is the
shared ``OUTDIR/plotly.min.js`` (written when missing), so the page works offline.  Runs without a
known start are listed as ``undated`` and left out of the weekly charts (the table says how many).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from ..analysis import MUSCLE_GROUPS
from ..errors import RunloadError, printable
from ..muscles import display_name
from .figures import PLOT_CONFIG, base_layout
from .html import _ENV, figure_json, plotlyjs_tag, safe_json
from .units import format_duration, get_units

__all__ = ["write_dashboard", "render_dashboard", "dashboard_frames", "INDEX_FILE"]

INDEX_FILE = "index.html"
_PLOTLY = "plotly.min.js"
# One colour per muscle group for the stacked load bars (legs warm, upper body grey-blue).
_GROUP_COLORS = ["#92400e", "#b45309", "#d97706", "#f59e0b", "#fbbf24", "#fcd34d", "#64748b", "#94a3b8",
                 "#cbd5e1", "#475569", "#1e293b"]


def dashboard_frames(sql: Callable[[str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames the dashboard is made of, queried through ``sql`` (``Store.sql`` or ``TrainingLog.sql``).

    Returns
    -------
    dict
        ``runs`` (one row per run), ``weekly`` (week, distance_km, hours, runs), ``load`` (week,
        muscle_group, rel_load), ``history_hints`` (one row per history hint with its run), ``skipped``,
        ``failures``.
    """
    runs = sql("SELECT run_id, source, session_index, name, start_local, distance_m, timer_s, "
               "pace_s_per_km, avg_heart_rate_bpm, device, contact_time_source FROM runs "
               "ORDER BY start_local DESC NULLS LAST, source, session_index")
    weekly = sql("SELECT date_trunc('week', start_local) AS week, sum(distance_m) / 1000 AS distance_km, "
                 "sum(timer_s) / 3600 AS hours, count(*) AS runs FROM runs WHERE start_local IS NOT NULL "
                 "GROUP BY 1 ORDER BY 1")
    load = sql("SELECT date_trunc('week', r.start_local) AS week, l.muscle_group, "
               "sum(l.rel_load) AS rel_load FROM muscle_load l JOIN runs r USING (run_id) "
               "WHERE r.start_local IS NOT NULL "
               "GROUP BY 1, 2 ORDER BY 1, 2")
    history = sql("SELECT r.run_id, r.source, r.session_index, r.name, r.start_local, h.hint_id, h.title, "
                  "h.severity, h.evidence_label, h.values_json, h.message FROM history_hints h "
                  "JOIN runs r USING (run_id) ORDER BY r.start_local DESC NULLS LAST, r.source, h.seq")
    skipped = sql("SELECT source, sport, reason FROM skipped ORDER BY source")
    failures = sql("SELECT source, stage, error_type, error FROM failures ORDER BY source")
    return {"runs": runs, "weekly": weekly, "load": load, "history_hints": history, "skipped": skipped,
            "failures": failures}


def _weeks(frame: pd.DataFrame) -> list[str]:
    return [pd.Timestamp(w).strftime("%Y-%m-%d") for w in frame["week"]]


def _volume_figure(weekly: pd.DataFrame) -> go.Figure | None:
    if weekly.empty:
        return None
    weeks = _weeks(weekly)
    fig = go.Figure()
    fig.add_bar(x=weeks, y=weekly["distance_km"].round(2).tolist(), name="distance [km]",
                marker_color="#b45309", yaxis="y", offsetgroup="d",
                hovertemplate="week of %{x}<br>%{y:.1f} km<extra></extra>")
    fig.add_bar(x=weeks, y=weekly["hours"].round(2).tolist(), name="time [h]", marker_color="#64748b",
                yaxis="y2", offsetgroup="t", hovertemplate="week of %{x}<br>%{y:.1f} h<extra></extra>")
    fig.update_layout(**base_layout(
        barmode="group", height=320, legend=dict(orientation="h", y=1.12),
        xaxis=dict(title="week (Monday, local date)", type="category"),
        yaxis=dict(title="distance [km]", rangemode="tozero"),
        yaxis2=dict(title="time [h]", overlaying="y", side="right", rangemode="tozero", showgrid=False),
    ))
    return fig


def _load_figure(load: pd.DataFrame) -> go.Figure | None:
    if load.empty:
        return None
    wide = load.pivot_table(index="week", columns="muscle_group", values="rel_load", aggfunc="sum")
    wide = wide.sort_index()
    weeks = _weeks(wide.reset_index())
    groups = [g for g in MUSCLE_GROUPS if g in wide.columns] + sorted(set(wide.columns) - set(MUSCLE_GROUPS))
    fig = go.Figure()
    for i, g in enumerate(groups):
        label = display_name(g) if g in MUSCLE_GROUPS else str(g)
        fig.add_bar(x=weeks, y=wide[g].fillna(0).round(3).tolist(), name=label,
                    marker_color=_GROUP_COLORS[i % len(_GROUP_COLORS)],
                    hovertemplate=f"{label}<br>week of %{{x}}<br>%{{y:.2f}} au<extra></extra>")
    fig.update_layout(**base_layout(
        barmode="stack", height=380, legend=dict(orientation="h", y=-0.25),
        xaxis=dict(title="week (Monday, local date)", type="category"),
        yaxis=dict(title="relative load [au]", rangemode="tozero"),
    ))
    return fig


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


def _history_rows(hints: pd.DataFrame, reports_dir: Path, units) -> list[dict]:
    """The history hints, newest first: the run (linked), the tier and the evidence (the distances)."""
    rows = []
    for h in hints.itertuples(index=False):
        start, title, href = _run_link(h, reports_dir)
        try:
            values = json.loads(h.values_json) if isinstance(h.values_json, str) else {}
        except ValueError:
            values = {}
        evidence = ""
        if h.hint_id == "H1" and {"distance_m", "longest_30d_m", "distance_ratio"} <= set(values):
            evidence = (f"{units.format_distance(values['distance_m'])} vs the longest of the previous 30 days "
                        f"{units.format_distance(values['longest_30d_m'])} ({values['distance_ratio']:.2f}×)")
        rows.append(dict(
            when=start.strftime("%Y-%m-%d %H:%M") if start is not None else "undated", title=title, href=href,
            hint=_text(h.title), severity=_text(h.severity), evidence_label=_text(h.evidence_label),
            evidence=evidence, message=_text(h.message),
        ))
    return rows


def render_dashboard(frames: dict[str, pd.DataFrame], out_dir: Path, *, reports: bool = True,
                     units: str = "metric", title: str = "runload training log") -> str:
    """The dashboard page (see the module docstring) for ``frames`` from :func:`dashboard_frames`."""
    shown = get_units(units)
    figures = {k: f for k, f in (("volume", _volume_figure(frames["weekly"])),
                                 ("load", _load_figure(frames["load"]))) if f is not None}
    payload = "{" + ",".join(f"{json.dumps(k)}:{figure_json(f)}" for k, f in figures.items()) + "}"
    runs = _run_rows(frames["runs"], Path(out_dir) / "runs", shown)
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
        history_hints=_history_rows(frames.get("history_hints", pd.DataFrame()), Path(out_dir) / "runs", shown),
        reports=reports,
        skipped=[{k: _text(v) for k, v in row.items()} for row in frames["skipped"].to_dict("records")],
        failures=[{k: _text(v) for k, v in row.items()} for row in frames["failures"].to_dict("records")],
    ))


def write_dashboard(sql: Callable[[str], pd.DataFrame], out_dir: str | os.PathLike, *, reports: bool = True,
                    units: str = "metric") -> Path:
    """Write ``OUT_DIR/index.html`` from the store read through ``sql``; returns its path.

    Raises
    ------
    RunloadError
        The page cannot be written.
    """
    out_dir = Path(out_dir)
    page = render_dashboard(dashboard_frames(sql), out_dir, reports=reports, units=units)
    target = out_dir / INDEX_FILE
    tmp = target.with_name(f".{INDEX_FILE}.{os.getpid()}.tmp")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        raise RunloadError(target, f"cannot write the dashboard: {e.strerror or e}") from e
    return target
