"""The figures of the training-log dashboard (``OUTDIR/index.html``): pure frames → plotly figures.

Nothing here computes history: the frames come from :mod:`runload.history` through
:func:`runload.report.dashboard.dashboard_frames`; each builder returns ``None`` when its frame is empty,
so the page can say so instead of drawing an empty chart.  Colours are neutral and amber only (science.md
§3.1 rule 7).  Dates on the x axes are LOCAL dates (weeks start on Monday).

Frames (from :mod:`runload.history`, one row per week or per dated run):

* :func:`runload.history.weekly_summary` — index ``week``; ``distance_m``, ``duration_s``, ``h2`` (the
  weekly change of §3.3 H2) — :func:`volume_figure`;
* :func:`runload.history.weekly_group_load` — index ``week``, one column per muscle group [au] —
  :func:`weekly_load_figure` (stacked);
* :func:`runload.history.spike_frame` — ``local_date``, ``distance_m``, ``longest_30d_m`` (NaN without a
  run in the previous 30 days), ``ratio`` — :func:`spikes_figure`, with the line at :data:`SPIKE_RATIO` ×
  the recent longest;
* :func:`runload.history.balance_trend` — ``local_date``, ``balance_median_pct`` (the run's median left
  share [%]) — :func:`balance_figure`.

Each builder returns a plotly figure dict (:mod:`.figure_dicts`): dates as text lists, numbers as float64
typed arrays.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ..analysis import MUSCLE_GROUPS
from ..hints import SPIKE_TIERS
from ..muscles import display_name
from .figure_dicts import data_array, hline, typed_array
from .figures import COLORS, base_layout
from .units import Units

__all__ = ["SPIKE_RATIO", "volume_figure", "weekly_load_figure", "spikes_figure", "balance_figure"]

# H1 fires above this share of the longest run of the previous 30 days (the lowest tier of §3.3).
SPIKE_RATIO = min(limit for limit, _tier in SPIKE_TIERS)
# One colour per muscle group for the stacked load bars (legs warm, upper body grey-blue).
_GROUP_COLORS = ["#92400e", "#b45309", "#d97706", "#f59e0b", "#fbbf24", "#fcd34d", "#64748b", "#94a3b8",
                 "#cbd5e1", "#475569", "#1e293b"]


def _days(values) -> np.ndarray:
    """Local dates as ``YYYY-MM-DD`` strings (a numpy array of str objects)."""
    return pd.DatetimeIndex(values).strftime("%Y-%m-%d").to_numpy(dtype=object)


def _round(values, digits: int = 3) -> np.ndarray:
    """Floats for plotly (a numpy array: sent as a float64 typed array; NaN draws as a gap), rounded."""
    return np.round(np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float), digits)


def _f8(values) -> dict | list:
    return typed_array(values, "f8")


def volume_figure(weekly: pd.DataFrame, units: Units) -> dict | None:
    """Distance and running time [h] per week; weeks with the weekly-change note (H2) carry a marker."""
    if weekly is None or weekly.empty:
        return None
    weeks = _days(weekly.index)
    distance = units.distance(pd.to_numeric(weekly["distance_m"], errors="coerce"))
    u = units.distance_unit
    traces = [
        dict(type="bar", x=data_array(weeks), y=_f8(_round(distance, 2)), name=f"distance [{u}]",
             marker=dict(color="#b45309"), yaxis="y", offsetgroup="d",
             hovertemplate=f"week of %{{x}}<br>%{{y:.1f}} {u}<extra></extra>"),
        dict(type="bar", x=data_array(weeks), y=_f8(_round(pd.to_numeric(weekly["duration_s"], errors="coerce") / 3600.0, 2)),
             name="time [h]", marker=dict(color="#64748b"), yaxis="y2", offsetgroup="t",
             hovertemplate="week of %{x}<br>%{y:.1f} h<extra></extra>"),
    ]
    flagged = weekly["h2"].fillna(False).astype(bool).to_numpy() if "h2" in weekly else np.zeros(len(weekly), bool)
    if flagged.any():
        traces.append(dict(type="scatter", x=data_array(weeks[flagged]), y=_f8(_round(distance[flagged], 2)),
                           mode="markers", name="weekly change note (below)", yaxis="y",
                           marker=dict(symbol="triangle-down", size=11, color=COLORS["amber_dark"]),
                           hovertemplate="week of %{x}: see the weekly change note<extra></extra>"))
    layout = base_layout(
        barmode="group", height=320, legend=dict(orientation="h", y=1.15), margin=dict(l=60, r=60, t=40, b=40),
        xaxis=dict(title=dict(text="week (Monday, local date)"), type="category"),
        yaxis=dict(title=dict(text=f"distance [{u}]"), rangemode="tozero"),
        yaxis2=dict(title=dict(text="time [h]"), overlaying="y", side="right", rangemode="tozero", showgrid=False),
    )
    return {"data": traces, "layout": layout}


def weekly_load_figure(wide: pd.DataFrame) -> dict | None:
    """Relative load per muscle group per week [au], stacked (compare a group with itself only)."""
    if wide is None or wide.empty:
        return None
    wide = wide.sort_index()
    weeks = data_array(_days(wide.index))
    groups = [g for g in MUSCLE_GROUPS if g in wide.columns] + sorted(set(wide.columns) - set(MUSCLE_GROUPS))
    traces = []
    for i, g in enumerate(groups):
        label = html.escape(display_name(g) if g in MUSCLE_GROUPS else str(g))
        traces.append(dict(type="bar", x=weeks, y=_f8(_round(wide[g].fillna(0))), name=label,
                           marker=dict(color=_GROUP_COLORS[i % len(_GROUP_COLORS)]),
                           hovertemplate=f"{label}<br>week of %{{x}}<br>%{{y:.2f}} au<extra></extra>"))
    layout = base_layout(
        barmode="stack", height=380, legend=dict(orientation="h", y=-0.25),
        xaxis=dict(title=dict(text="week (Monday, local date)"), type="category"),
        yaxis=dict(title=dict(text="relative load [au]"), rangemode="tozero"),
    )
    return {"data": traces, "layout": layout}


def spikes_figure(spikes: pd.DataFrame, units: Units) -> dict | None:
    """Each run's distance against :data:`SPIKE_RATIO` × the longest run of its previous 30 days.

    Runs above the line are amber, the others grey; the line has a gap where the previous 30 days had no
    run.  Distances in the display unit.
    """
    if spikes is None or spikes.empty:
        return None
    when = _days(spikes["local_date"])
    distance = units.distance(pd.to_numeric(spikes["distance_m"], errors="coerce"))
    longest = units.distance(pd.to_numeric(spikes["longest_30d_m"], errors="coerce"))
    ratio = pd.to_numeric(spikes["ratio"], errors="coerce").to_numpy(float)
    above = np.isfinite(ratio) & (ratio > SPIKE_RATIO)
    u = units.distance_unit
    traces = [dict(type="scatter", x=data_array(when), y=_f8(_round(SPIKE_RATIO * longest, 3)), mode="lines",
                   name=f"{SPIKE_RATIO * 100:.0f} % of the longest run of the previous 30 days",
                   line=dict(color=COLORS["slate_light"], dash="dot", shape="hv"), connectgaps=False,
                   hovertemplate=f"%{{x}}<br>{SPIKE_RATIO * 100:.0f} % line: %{{y:.2f}} {u}<extra></extra>")]
    custom = np.column_stack([_round(longest, 2), _round(ratio, 2)])
    for mask, name, color in ((~above, "run", COLORS["slate"]),
                              (above, f"run above the {SPIKE_RATIO * 100:.0f} % line", COLORS["amber"])):
        if not mask.any():
            continue
        traces.append(dict(type="scatter", x=data_array(when[mask]), y=_f8(_round(distance[mask], 3)),
                           mode="markers", name=name, marker=dict(color=color, size=8),
                           customdata=_f8(custom[mask]),
                           hovertemplate=(f"%{{x}}<br>%{{y:.2f}} {u}<br>longest of the previous 30 days: "
                                          f"%{{customdata[0]}} {u}<br>ratio %{{customdata[1]}}<extra></extra>")))
    layout = base_layout(
        height=340, legend=dict(orientation="h", y=1.15),
        xaxis=dict(title=dict(text="run (local date)"), type="date"),
        yaxis=dict(title=dict(text=f"distance [{u}]"), rangemode="tozero"),
    )
    return {"data": traces, "layout": layout}


def balance_figure(balance: pd.DataFrame) -> dict | None:
    """The per-run median ground-contact-time balance [% left] over time, with the 50 % line."""
    if balance is None or balance.empty:
        return None
    when = _days(balance["local_date"])
    traces = [dict(type="scatter", x=data_array(when), y=_f8(_round(balance["balance_median_pct"], 2)),
                   mode="lines+markers", name="median balance", line=dict(color=COLORS["slate"]),
                   marker=dict(color=COLORS["amber"], size=7), hovertemplate="%{x}<br>%{y:.1f} % left<extra></extra>")]
    layout = base_layout(
        height=300, showlegend=False,
        xaxis=dict(title=dict(text="run (local date)"), type="date"),
        yaxis=dict(title=dict(text="contact-time balance [% left]")),
        shapes=[hline(50.0, dict(color=COLORS["muted"], dash="dot", width=1))],
    )
    return {"data": traces, "layout": layout}
