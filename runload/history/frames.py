"""Frames for the training-log dashboard, from :attr:`runload.history.LogHistory.figures`.

Pure functions on the per-run figures (:func:`runload.history.figures.run_figures`), so the dashboard never
queries samples itself.  Weeks start on Monday (local dates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import LEG_GROUPS
from ..hints import SPIKE_TIERS, THRESHOLDS
from .rules import (
    ACWR_MIN_CHRONIC_KM_WEEK,
    ACWR_MIN_DAYS,
    SHOE_MILEAGE_KM,
    SPIKE_WINDOW_DAYS,
    _Windows,
    acwr_daily,
    balance_baseline,
)

__all__ = ["weekly_summary", "acwr_weekly", "spike_frame", "balance_trend", "shoe_mileage",
           "WEEKLY_CHANGE_LIMIT", "WEEKLY_CHANGE_MIN_PREVIOUS_KM"]

WEEKLY_CHANGE_LIMIT = THRESHOLDS["H2"]["change_limit"]  # H2 (§3.3): > 30 % more than the previous week …
WEEKLY_CHANGE_MIN_PREVIOUS_KM = THRESHOLDS["H2"]["min_previous_km"]  # … with ≥ 10 km that week; summary only


def _monday(dates: pd.Series | pd.DatetimeIndex):
    dates = pd.DatetimeIndex(dates)
    return dates - pd.to_timedelta(dates.day_of_week, unit="D")


def weekly_summary(figures: pd.DataFrame) -> pd.DataFrame:
    """Distance and time per local week with the H2 flag (weekly progression, informational).

    Returns
    -------
    pandas.DataFrame
        Index ``week`` (Monday; every week from the first to the last run, 0 where none); ``distance_m``
        [m], ``duration_s`` [s], ``moving_s`` [s], ``runs``, ``change_ratio`` (distance ÷ previous week's − 1;
        NaN after a week without running), ``h2`` (True when ``change_ratio`` > 0.30 with ≥ 10 km the week
        before; Nielsen et al. 2014, grade C: show in the weekly summary, never as an alert).
    """
    cols = ["distance_m", "duration_s", "moving_s", "runs", "change_ratio", "h2"]
    if figures.empty:
        return pd.DataFrame(columns=cols, index=pd.DatetimeIndex([], name="week"))
    week = _monday(figures["local_date"])
    g = figures.assign(week=week).groupby("week")
    out = pd.DataFrame({"distance_m": g["distance_m"].sum(), "duration_s": g["duration_s"].sum(),
                        "moving_s": g["moving_s"].sum(), "runs": g["distance_m"].size()})
    out = out.reindex(pd.date_range(out.index.min(), out.index.max(), freq="7D"), fill_value=0)
    out["runs"] = out["runs"].astype(int)
    previous = out["distance_m"].shift(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_ratio"] = np.where(previous > 0, out["distance_m"] / previous - 1.0, np.nan)
    out["h2"] = (out["change_ratio"] > WEEKLY_CHANGE_LIMIT) & (previous >= 1000 * WEEKLY_CHANGE_MIN_PREVIOUS_KM)
    return out.rename_axis("week")


def acwr_weekly(figures: pd.DataFrame) -> pd.DataFrame:
    """The EWMA load-change ratio (H3) at the end of each local week, on distance and per leg group.

    Returns
    -------
    pandas.DataFrame
        Index ``week`` (Monday); ``chronic_km_per_week``, ``acwr_distance`` and ``acwr_<group>`` (acute ÷
        chronic EWMA on the week's Sunday) and ``shown`` (chronic ≥ 10 km/week and ≥ 6 weeks since the first
        run; label it "load change vs your recent average", never a "sweet spot", §3.5).
    """
    if figures.empty:
        return pd.DataFrame(columns=["chronic_km_per_week", "acwr_distance", "shown"])
    dist = acwr_daily(figures, "distance_m")
    sundays = dist.index[dist.index.day_of_week == 6].append(dist.index[-1:]).unique()
    out = pd.DataFrame({"chronic_km_per_week": 7 * dist.loc[sundays, "chronic"] / 1000.0,
                        "acwr_distance": dist.loc[sundays, "ratio"]})
    for g in LEG_GROUPS:
        if f"load_{g}" in figures:
            out[f"acwr_{g}"] = acwr_daily(figures, f"load_{g}").reindex(sundays)["ratio"]
    first = figures["local_date"].min()
    out["shown"] = ((out["chronic_km_per_week"] >= ACWR_MIN_CHRONIC_KM_WEEK)
                    & ((sundays - first) >= pd.Timedelta(days=ACWR_MIN_DAYS)))
    out.index = _monday(sundays)
    return out.rename_axis("week")


def spike_frame(figures: pd.DataFrame) -> pd.DataFrame:
    """Each run's distance against the longest run of its previous 30 days (H1's figure, every run).

    Returns
    -------
    pandas.DataFrame
        Index ``run_id``; ``start``, ``local_date``, ``distance_m``, ``longest_30d_m`` (NaN without a run in
        the 30 days before), ``ratio`` and ``tier`` (§3.3: "small" > 1.10, "moderate" > 1.30, "large" > 2.00,
        else missing; shown whether or not the history is long enough for the hint).
    """
    w = _Windows(figures)
    dist = pd.to_numeric(figures["distance_m"], errors="coerce").to_numpy(float)
    longest = w.max_before(dist, SPIKE_WINDOW_DAYS)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(longest > 0, dist / longest, np.nan)
    tier = [next((t for limit, t in SPIKE_TIERS if r > limit), None) if np.isfinite(r) else None for r in ratio]
    return pd.DataFrame({"start": figures["start"], "local_date": figures["local_date"], "distance_m": dist,
                         "longest_30d_m": longest, "ratio": ratio, "tier": tier}, index=figures.index)


def balance_trend(figures: pd.DataFrame) -> pd.DataFrame:
    """Per run with a contact-time balance: its median, offset from 50 % and the 8-week baseline (H4).

    See :func:`runload.history.rules.balance_baseline` (``local_date`` added).
    """
    out = balance_baseline(figures)
    out.insert(1, "local_date", figures.loc[out.index, "local_date"])
    return out


def shoe_mileage(figures: pd.DataFrame) -> pd.DataFrame:
    """Logged distance per gear (shoes), with the date it passed :data:`SHOE_MILEAGE_KM`.

    Returns
    -------
    pandas.DataFrame
        Index ``gear``; ``distance_km``, ``runs``, ``first``, ``last`` (local dates), ``passed_on`` (local
        date of the run that took it past the threshold; NaT when not yet), ``threshold_km``.
    """
    cols = ["distance_km", "runs", "first", "last", "passed_on", "threshold_km"]
    if "gear" not in figures or figures["gear"].isna().all():
        return pd.DataFrame(columns=cols, index=pd.Index([], name="gear"))
    rows = figures[figures["gear"].notna()].copy()
    rows["cum_km"] = rows.groupby("gear")["distance_m"].cumsum() / 1000.0
    g = rows.groupby("gear")
    out = pd.DataFrame({"distance_km": g["cum_km"].max(), "runs": g.size(), "first": g["local_date"].min(),
                        "last": g["local_date"].max()})
    passed = rows[rows["cum_km"] >= SHOE_MILEAGE_KM].groupby("gear")["local_date"].min()
    out["passed_on"] = passed.reindex(out.index)
    out["threshold_km"] = SHOE_MILEAGE_KM
    return out
