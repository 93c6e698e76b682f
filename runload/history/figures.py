"""Per-run figures of a training log, read from the store with aggregate SQL (science.md §2.8, §3.2).

The ``samples`` table is never read whole into pandas: three aggregate queries grouped by ``run_id`` give
every figure the history rules need (:func:`run_figures`):

1. steep descent/ascent [m] (grade ≤ −5 % / ≥ +5 %, horizontal distance × grade on moving seconds, the
   single-run form's :func:`runload.hints._hill` over SQL), time at grade ≥ 8 % [s], the median
   contact-time balance of level (|i| < 2 %) steady running and its median offset |b − 50| [percentage
   points] (with ≥ 60 such samples, as the single-run H4), the fastest steady speed [m/s];
2. a histogram of level steady speed (0.05 m/s bins, seconds per bin) per run, from which the personal
   speed zones of §3.2 are pooled over the previous 56 / 90 days exactly to the bin width:
   v_easy_med = median level speed over 56 days, v_fast = max(P90 of level speed over 90 days,
   1.15·v_easy_med).  Only runs that started BEFORE the run count (no look-ahead); a run with no level
   running in its previous 90 days uses its own level median as v_easy_med;
3. the high-speed running (HSR, running seconds at v ≥ that run's v_fast) [m, s], joining the small
   per-run threshold table (an inline ``VALUES`` list).

Grade and speed NaNs are mapped to NULL first (DuckDB orders NaN above every number, so ``i >= 0.05``
would be true for NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import MUSCLE_GROUPS
from ..hints import CLIMB_GRADE_RATIO, FAST_SPEED_RATIO, LEVEL_GRADE_RATIO, STEEP_GRADE_RATIO, THRESHOLDS
from ..store.tables import sql_string

__all__ = ["RUN_COLUMNS", "run_table", "run_figures", "daily_volume", "weekly_volume", "daily_group_load",
           "weekly_group_load", "local_start_times", "SPEED_BIN_MPS", "EASY_SPEED_DAYS", "FAST_SPEED_DAYS"]

# The columns of the store's ``runs`` table that run_table reads (``gear`` when the store has it).
RUN_COLUMNS = ("run_id", "start_utc", "start_local", "distance_m", "timer_s", "elapsed_s", "moving_s")

SPEED_BIN_MPS = 0.05  # histogram bin of level steady speed: pooled quantiles are exact to this width
EASY_SPEED_DAYS = THRESHOLDS["H6"]["easy_speed_days"]  # §3.2: v_easy_med = median level speed over 56 days
FAST_SPEED_DAYS = THRESHOLDS["H6"]["fast_speed_days"]  # §3.2: v_fast = max(P90 over 90 days, 1.15·v_easy_med)
FAST_SPEED_QUANTILE = THRESHOLDS["H6"]["fast_speed_quantile"]
MIN_BALANCE_SAMPLES = 60  # as the single-run H4 (runload.hints.gct_balance)

# Per-sample quantities with NaN mapped to NULL (see the module docstring).
_SAMPLES = """
    SELECT run_id,
           CASE WHEN isfinite(dt_s) AND dt_s > 0 THEN dt_s ELSE 0 END AS dt,
           state IN ('running', 'walking') AS moving,
           state = 'running' AS running,
           state = 'running' AND NOT coalesce(accelerating, false) AS steady,
           CASE WHEN isfinite(grade_pct) THEN grade_pct / 100.0 END AS i,
           CASE WHEN isfinite(speed_mps) THEN speed_mps END AS v,
           CASE WHEN isfinite(stance_time_balance_pct) THEN stance_time_balance_pct END AS b
    FROM samples"""

_LEVEL = f"steady AND abs(i) < {LEVEL_GRADE_RATIO!r} AND v > 0"

_BALANCE = f"steady AND abs(i) < {LEVEL_GRADE_RATIO!r} AND b IS NOT NULL"

_AGGREGATE = f"""
WITH s AS ({_SAMPLES})
SELECT run_id,
       sum(CASE WHEN moving AND i <= -{STEEP_GRADE_RATIO!r} THEN -i * coalesce(v, 0) * dt ELSE 0 END) AS steep_descent_m,
       sum(CASE WHEN moving AND i >= {STEEP_GRADE_RATIO!r} THEN i * coalesce(v, 0) * dt ELSE 0 END) AS steep_ascent_m,
       sum(CASE WHEN moving AND i >= {CLIMB_GRADE_RATIO!r} THEN dt ELSE 0 END) AS climb_s,
       sum(CASE WHEN {_LEVEL} THEN dt ELSE 0 END) AS level_steady_s,
       max(v) FILTER (WHERE steady) AS max_steady_speed_mps,
       median(b) FILTER (WHERE {_BALANCE}) AS balance_median_pct,
       median(abs(b - 50)) FILTER (WHERE {_BALANCE}) AS balance_offset_pct,
       count(b) FILTER (WHERE {_BALANCE}) AS balance_n
FROM s GROUP BY run_id"""

_HISTOGRAM = f"""
WITH s AS ({_SAMPLES})
SELECT run_id, least(CAST(floor(v / {SPEED_BIN_MPS}) AS INTEGER), 399) AS bin, sum(dt) AS seconds
FROM s WHERE {_LEVEL} GROUP BY run_id, bin"""

_HSR = """
WITH s AS ({samples}), t(run_id, v_fast) AS (VALUES {values})
SELECT s.run_id,
       sum(s.dt) FILTER (WHERE s.running AND s.v >= t.v_fast) AS hsr_s,
       sum(s.v * s.dt) FILTER (WHERE s.running AND s.v >= t.v_fast) AS hsr_m
FROM s JOIN t ON s.run_id = t.run_id GROUP BY s.run_id"""


def local_start_times(runs: pd.DataFrame) -> pd.Series:
    """Each run's local start (naive wall-clock time, ``start_local``), the UTC start where it is missing.

    Parameters
    ----------
    runs : pandas.DataFrame  with ``start_local`` and ``start_utc``

    Returns
    -------
    pandas.Series  ``datetime64`` (NaT for a run without a start), on the index of ``runs``
    """
    local = pd.to_datetime(runs["start_local"], errors="coerce")
    if getattr(local.dt, "tz", None) is not None:
        local = local.dt.tz_localize(None)
    utc = pd.to_datetime(runs["start_utc"], errors="coerce", utc=True).dt.tz_localize(None)
    return local.fillna(utc)


def run_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per dated run, in start order: the figures the history needs.

    Parameters
    ----------
    runs : pandas.DataFrame
        The store's ``runs`` (``log.runs``; ``run_id`` as index or column) with ``start_utc``,
        ``start_local``, ``distance_m`` [m], ``timer_s`` [s], ``elapsed_s`` [s], ``moving_s`` [s] and
        optionally ``gear``.

    Returns
    -------
    pandas.DataFrame
        Index ``run_id``; columns ``start`` (UTC), ``local_date`` (``datetime64``, midnight of the local
        date), ``distance_m`` [m], ``duration_s`` [s] (timer time, else elapsed), ``moving_s`` [s], ``gear``
        (None where unknown).  Runs without a start are left out (they cannot be placed in a history).
    """
    frame = runs.reset_index() if "run_id" not in runs.columns else runs
    out = pd.DataFrame({"run_id": frame["run_id"].astype(str).to_numpy()})
    out["start"] = pd.to_datetime(pd.Series(frame["start_utc"].to_numpy()), utc=True)
    out["local_date"] = local_start_times(frame.reset_index(drop=True)).dt.normalize()

    def num(name):
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(float) if name in frame else float("nan")

    out["distance_m"] = num("distance_m")
    duration = pd.Series(num("timer_s"), dtype=float)
    out["duration_s"] = duration.fillna(pd.Series(num("elapsed_s"), dtype=float)).to_numpy()
    out["moving_s"] = num("moving_s")
    gear = frame["gear"].to_numpy(object) if "gear" in frame else np.full(len(frame), None, dtype=object)
    out["gear"] = [g if isinstance(g, str) and g.strip() else None for g in gear]
    out = out[out["start"].notna()].sort_values(["start", "run_id"], kind="stable")
    return out.set_index("run_id")


def _pooled_quantile(hist: np.ndarray, q: float) -> float:
    """Quantile ``q`` of speeds given seconds per bin (linear within the bin) [m/s]; NaN when empty."""
    total = hist.sum()
    if total <= 0:
        return float("nan")
    cum = np.cumsum(hist)
    k = int(np.searchsorted(cum, q * total, side="left"))
    below = cum[k - 1] if k > 0 else 0.0
    frac = (q * total - below) / hist[k] if hist[k] > 0 else 0.0
    return float((k + frac) * SPEED_BIN_MPS)


def _speed_zones(table: pd.DataFrame, hist: pd.DataFrame) -> pd.DataFrame:
    """Per run: its own level median/P90 speed and v_easy_med, v_fast from the runs before it (§3.2)."""
    ids = list(table.index)
    n_bins = 400
    matrix = np.zeros((len(ids), n_bins))
    if len(hist):
        pos = pd.Series(np.arange(len(ids)), index=ids)
        h = hist[hist["run_id"].isin(pos.index)]
        np.add.at(matrix, (pos[h["run_id"]].to_numpy(), h["bin"].to_numpy(int).clip(0, n_bins - 1)),
                  h["seconds"].to_numpy(float))
    prefix = np.vstack([np.zeros(n_bins), np.cumsum(matrix, axis=0)])  # prefix[k] = runs 0..k-1
    starts = table["start"].to_numpy("datetime64[ns]")
    own_med = np.array([_pooled_quantile(row, 0.5) for row in matrix])
    own_p90 = np.array([_pooled_quantile(row, FAST_SPEED_QUANTILE) for row in matrix])
    easy = np.full(len(ids), np.nan)
    fast = np.full(len(ids), np.nan)
    lo56 = np.searchsorted(starts, starts - np.timedelta64(EASY_SPEED_DAYS, "D"), side="left")
    lo90 = np.searchsorted(starts, starts - np.timedelta64(FAST_SPEED_DAYS, "D"), side="left")
    first_same = np.searchsorted(starts, starts, side="left")  # runs strictly before (equal starts excluded)
    for k in range(len(ids)):
        hi = first_same[k]
        v_easy = _pooled_quantile(prefix[hi] - prefix[lo56[k]], 0.5) if hi > lo56[k] else float("nan")
        p90 = _pooled_quantile(prefix[hi] - prefix[lo90[k]], FAST_SPEED_QUANTILE) if hi > lo90[k] else float("nan")
        if not np.isfinite(v_easy):
            v_easy = own_med[k]  # no level running before it: its own level median
        easy[k] = v_easy
        fast[k] = np.nanmax([p90, FAST_SPEED_RATIO * v_easy]) if np.isfinite(v_easy) or np.isfinite(p90) else np.nan
    return pd.DataFrame({"level_speed_median_mps": own_med, "level_speed_p90_mps": own_p90,
                         "v_easy_mps": easy, "v_fast_mps": fast}, index=table.index)


def run_figures(sql) -> pd.DataFrame:
    """Every figure the history rules and the dashboard need, one row per dated run, in start order.

    Parameters
    ----------
    sql : callable
        ``sql(query) -> pandas.DataFrame`` on the store (``Store.sql`` / ``TrainingLog.sql``).

    Returns
    -------
    pandas.DataFrame
        :func:`run_table` columns, plus ``steep_descent_m``, ``steep_ascent_m`` [m], ``climb_s`` [s],
        ``level_steady_s`` [s], ``level_speed_median_mps``, ``level_speed_p90_mps`` (the run's own),
        ``v_easy_mps``, ``v_fast_mps`` (its personal zones from the runs before it, §3.2),
        ``max_steady_speed_mps``, ``hsr_m`` [m], ``hsr_s`` [s] (running at v ≥ ``v_fast_mps``),
        ``balance_median_pct``, ``balance_offset_pct`` (median |b − 50|, percentage points; NaN without
        ≥ 60 level steady samples with a balance), and ``load_<group>`` (``muscle_load.rel_load`` [au],
        NaN without a load row) for every group of :data:`runload.analysis.MUSCLE_GROUPS`.
    """
    # (a store of another schema version is refused when opened, so every column is there)
    table = run_table(sql(f"SELECT {', '.join(RUN_COLUMNS)}, gear FROM runs"))
    agg = sql(_AGGREGATE).set_index("run_id")
    agg.index = agg.index.astype(str)
    table = table.join(agg, how="left")
    for name in ("steep_descent_m", "steep_ascent_m", "climb_s", "level_steady_s"):
        table[name] = pd.to_numeric(table[name], errors="coerce").fillna(0.0)
    few = pd.to_numeric(table["balance_n"], errors="coerce").fillna(0) < MIN_BALANCE_SAMPLES
    table.loc[few, ["balance_median_pct", "balance_offset_pct"]] = np.nan
    table = table.drop(columns="balance_n")
    table = table.join(_speed_zones(table, sql(_HISTOGRAM)))
    table["hsr_m"], table["hsr_s"] = 0.0, 0.0
    known = table["v_fast_mps"].dropna()
    if len(known):
        values = ", ".join(f"({sql_string(rid)}, {v!r})" for rid, v in known.items())
        hsr = sql(_HSR.format(samples=_SAMPLES, values=values)).set_index("run_id")
        hsr.index = hsr.index.astype(str)
        for name in ("hsr_m", "hsr_s"):
            table[name] = pd.to_numeric(hsr[name], errors="coerce").reindex(table.index).fillna(0.0)
    load = sql("SELECT run_id, muscle_group, rel_load FROM muscle_load")
    load["run_id"] = load["run_id"].astype(str)
    wide = load.pivot_table(index="run_id", columns="muscle_group", values="rel_load", aggfunc="sum")
    for group in MUSCLE_GROUPS:
        table[f"load_{group}"] = (pd.to_numeric(wide[group], errors="coerce").reindex(table.index)
                                  if group in wide else np.nan)
    return table


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
        ``None``: taken from the ``load_<group>`` columns of ``runs`` (:func:`run_figures`).
    runs : pandas.DataFrame
        :func:`run_table` or :func:`run_figures` (gives each run's local date).

    Returns
    -------
    pandas.DataFrame
        Index ``local_date``, one column per muscle group: the sum of the runs' ``rel_load`` [au]
        (comparable within a group across days, not between groups); 0 where a group has no row that day.
    """
    if load is None:
        cols = [c for c in runs.columns if c.startswith("load_")]
        load = (runs[cols].rename(columns=lambda c: c[len("load_"):]).rename_axis("run_id").reset_index()
                .melt(id_vars="run_id", var_name="muscle_group", value_name="rel_load").dropna())
    rows = load[["run_id", "muscle_group", "rel_load"]].merge(
        runs[["local_date"]], left_on="run_id", right_index=True, how="inner")
    return rows.pivot_table(index="local_date", columns="muscle_group", values="rel_load", aggfunc="sum",
                            fill_value=0.0)


def weekly_group_load(load: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Like :func:`daily_group_load` per week (index: the Monday of the local week) [au]."""
    daily = daily_group_load(load, runs)
    weeks = daily.index - pd.to_timedelta(daily.index.day_of_week, unit="D")
    return daily.groupby(weeks).sum().rename_axis("week")
