"""History over a training log: per-run and daily/weekly figures, and the history hints (science.md §3.2–§3.3).

Pure functions on the frames of a training-log store (:func:`runload.open_log`: ``log.runs``,
``log.load``; or the same columns from SQL).  Dates are LOCAL dates (``start_local``, the wall-clock time
where the run was; the UTC start where the local time is unknown); weeks start on Monday.  The history
rules compare a run only with runs that started strictly BEFORE it (no look-ahead), and are suppressed
until there are ≥ 4 weeks and ≥ 8 runs of history (§3.1 rule 6, :func:`runload.hints.history_is_sufficient`).

Implemented rule: H1, the single-session spike (:func:`runload.hints.spike_hint`; Frandsen/Nielsen 2025,
grade B).  Not yet: the rate limits of §3.1 rule 6 across a run's other hints (≤ 2 per run, ≤ 3 per week, no
repeat within 7 days) are not applied to history hints.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from .analysis import Hint
from .hints import HintHistory, history_is_sufficient, spike_hint

__all__ = ["run_table", "daily_group_load", "weekly_group_load", "daily_volume", "weekly_volume",
           "history_before", "history_hints", "RUN_COLUMNS", "update_history_hints"]

# The columns of the store's ``runs`` table that run_table reads.
RUN_COLUMNS = ("run_id", "start_utc", "start_local", "distance_m", "timer_s", "elapsed_s", "moving_s")


def run_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per dated run, in start order: the figures the history needs.

    Parameters
    ----------
    runs : pandas.DataFrame
        The store's ``runs`` (``log.runs``; ``run_id`` as index or column) with ``start_utc``,
        ``start_local``, ``distance_m`` [m], ``timer_s`` [s], ``elapsed_s`` [s], ``moving_s`` [s].

    Returns
    -------
    pandas.DataFrame
        Index ``run_id``; columns ``start`` (UTC), ``local_date`` (``datetime64``, midnight of the local
        date), ``distance_m`` [m], ``duration_s`` [s] (timer time, else elapsed), ``moving_s`` [s].  Runs
        without a start are left out (they cannot be placed in a history).
    """
    frame = runs.reset_index() if "run_id" not in runs.columns else runs
    out = pd.DataFrame({"run_id": frame["run_id"].astype(str).to_numpy()})
    out["start"] = pd.to_datetime(pd.Series(frame["start_utc"].to_numpy()), utc=True)
    local = pd.to_datetime(pd.Series(frame["start_local"].to_numpy()), errors="coerce")
    if getattr(local.dt, "tz", None) is not None:
        local = local.dt.tz_localize(None)
    fallback = out["start"].dt.tz_localize(None)
    out["local_date"] = local.fillna(fallback).dt.normalize()

    def num(name):
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(float) if name in frame else float("nan")

    out["distance_m"] = num("distance_m")
    duration = pd.Series(num("timer_s"), dtype=float)
    out["duration_s"] = duration.fillna(pd.Series(num("elapsed_s"), dtype=float)).to_numpy()
    out["moving_s"] = num("moving_s")
    out = out[out["start"].notna()].sort_values(["start", "run_id"], kind="stable")
    return out.set_index("run_id")


def daily_volume(runs: pd.DataFrame) -> pd.DataFrame:
    """Distance [m], duration [s] and number of runs per local date (from :func:`run_table`)."""
    return runs.groupby("local_date").agg(distance_m=("distance_m", "sum"), duration_s=("duration_s", "sum"),
                                          runs=("distance_m", "size"))


def weekly_volume(runs: pd.DataFrame) -> pd.DataFrame:
    """Like :func:`daily_volume` per week (index: the Monday of the local week)."""
    weeks = runs["local_date"] - pd.to_timedelta(runs["local_date"].dt.day_of_week, unit="D")
    return runs.assign(week=weeks).groupby("week").agg(
        distance_m=("distance_m", "sum"), duration_s=("duration_s", "sum"), runs=("distance_m", "size"))


def daily_group_load(load: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Relative load per muscle group per local date.

    Parameters
    ----------
    load : pandas.DataFrame
        The store's ``muscle_load`` rows (``log.load``): ``run_id``, ``muscle_group``, ``rel_load`` [au].
    runs : pandas.DataFrame
        :func:`run_table` (gives each run's local date).

    Returns
    -------
    pandas.DataFrame
        Index ``local_date``, one column per muscle group: the sum of the runs' ``rel_load`` [au]
        (comparable within a group across days, not between groups); 0 where a group has no row that day.
    """
    rows = load[["run_id", "muscle_group", "rel_load"]].merge(
        runs[["local_date"]], left_on="run_id", right_index=True, how="inner")
    return rows.pivot_table(index="local_date", columns="muscle_group", values="rel_load", aggfunc="sum",
                            fill_value=0.0)


def weekly_group_load(load: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Like :func:`daily_group_load` per week (index: the Monday of the local week) [au]."""
    daily = daily_group_load(load, runs)
    weeks = daily.index - pd.to_timedelta(daily.index.day_of_week, unit="D")
    return daily.groupby(weeks).sum().rename_axis("week")


def history_before(runs: pd.DataFrame, start) -> HintHistory | None:
    """The :class:`~runload.hints.HintHistory` for a run starting at ``start``: only runs before it.

    Parameters
    ----------
    runs : pandas.DataFrame
        :func:`run_table` of the whole log.
    start : pandas.Timestamp
        The run's start (UTC).

    Returns
    -------
    HintHistory or None
        Runs that started strictly before ``start`` (``start``, ``distance_m`` [m], ``duration_s`` [s]);
        None while the history is too short for load-change hints (< 4 weeks or < 8 runs, §3.1 rule 6).
    """
    start = pd.Timestamp(start)
    before = runs[runs["start"] < start]
    if not history_is_sufficient(before, start):
        return None
    return HintHistory(runs=before[["start", "distance_m", "duration_s"]].reset_index(drop=True))


def history_hints(runs: pd.DataFrame) -> Iterator[tuple[str, Hint]]:
    """The history hints of every run of the log, in start order, as ``(run_id, hint)``.

    Each run is judged against :func:`history_before` it (no look-ahead), so adding later runs never
    changes an earlier run's hints.

    Parameters
    ----------
    runs : pandas.DataFrame
        :func:`run_table` of the whole log.
    """
    for rid, run in runs.iterrows():
        history = history_before(runs, run["start"])
        if history is None:
            continue
        hint = spike_hint(run["start"], run["distance_m"], run["moving_s"], history.runs)
        if hint is not None:
            yield str(rid), hint


def update_history_hints(store) -> int:
    """Recompute the history hints of every run in ``store`` and replace its ``history_hints`` table.

    All runs are recomputed (a new run changes the history of the runs after it); cheap, as it reads only
    the ``runs`` table.  One transaction (:meth:`runload.store.Store.put_history_hints`).

    Parameters
    ----------
    store : runload.store.Store
        The open writer.

    Returns
    -------
    int
        Number of history hints stored.
    """
    runs = run_table(store.sql(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs"))
    return store.put_history_hints(list(history_hints(runs)))
