"""The history rules of science.md §3.3 over the per-run figures of a training log.

Every rule judges a run against the runs that started strictly BEFORE it (and, for 7-day totals, the run
itself), so adding later runs never changes an earlier run's hints.  Windows are rolling, in start time
(UTC): "7 days" is (t − 7 d, t], "the previous 4 weeks" (t − 35 d, t − 7 d], "the previous 30 days"
[t − 30 d, t).  No rule fires while the history is short (< 8 runs or < 28 days before the run,
:func:`runload.hints.history_is_sufficient`, §3.1 rule 6).

Thresholds are read from ``runload/models/hints_v2.toml`` (:func:`runload.hints.hint_thresholds`).

Rules (id, evidence grade, §3.3 trigger; deviations from science.md marked *):

- **H1** single-session spike (B): :func:`runload.hints.spike_from_longest`; ≥ 75 min carries H9's calves note.
- **H3** EWMA-ACWR (C): λ_a = 2/8, λ_c = 2/29 on daily distance (local dates) and on each leg group's
  daily ``rel_load``; > 1.5 with chronic ≥ 10 km/week and ≥ 6 weeks of log.  *The EWMAs start at 0 before
  the first run (Williams 2017 does not fix the start); *a group's ratio is judged with the same
  chronic-distance gate (≥ 10 km/week) since L_g has no km floor.  Worded "load change vs your recent
  average", never "risk" or a "sweet spot" (§3.5).
- **H4** contact-time balance trend (D, informational): the run's median |b − 50| on level steady running
  exceeds the median of that figure over the runs of the previous 8 weeks by ≥ 1.0 percentage point on
  ≥ 3 consecutive runs with a balance, or the median b is outside 47.8–52.2 % (Garmin's red zone) on
  ≥ 3 consecutive runs with a balance (*"≥ 3 runs" read as consecutive); fires on the third.  The 8-week
  median needs ≥ 3 runs.
- **H6** fast-running spike (C): 7-day HSR distance (or time) with z ≥ 1.0 against the 8 previous weekly
  HSR totals (sample SD; SD 0 counts as z = ∞ when above the mean) and ≥ 1.5× their mean, and ≥ 1 km or
  ≥ 4 min of HSR in the 7 days; or the first "HSR session" (≥ 1 km or ≥ 4 min of HSR, *the same minimum)
  after ≥ 21 days without one.  *The run itself must have some HSR (a run without fast running never
  carries it).  HSR uses each run's own v_fast (:mod:`runload.history.figures`).
- **H7** downhill (C): 7-day steep descent > 2× the mean weekly of the previous 4 weeks and ≥ 300 m; or
  the run's descent > 1.5× the largest single-run descent of the previous 30 days (*and ≥ 300 m, the
  single-run form's floor, so 15 m after a flat month is not "a lot").  *The run itself must have
  some steep descent.
- **H8** uphill (D): the same on steep ascent; or ≥ 10 min at i ≥ 8 % in this run when the previous
  28 days had < 10 min in total.
- **H9** long run, calves (D): the run's calves ``rel_load`` ≥ 1.3× the highest single-run calves load of
  the previous 30 days; not on a run H1 flags ("piggyback on H1, one message": H1 carries the calves note
  when the run lasted ≥ 75 min).
- **H10** group-load spike (D): 7-day L_g ÷ the mean of the 4 previous weekly L_g ≥ 1.5 for a leg group;
  the top group only; *not when the previous 4 weeks had no load (no baseline).
- **S1** shoe mileage (D): the run takes a gear's cumulative logged distance past
  :data:`SHOE_MILEAGE_KM`.  Basis: Cook, Kester & Brunet 1985 (Am J Sports Med 13:248) — shoes kept
  about 75 % of their shock absorption after 50 miles (80 km) of machine running and 60 % after 500 miles
  (800 km); shoes worn by runners fell to about 80 %, levelling off near 500 miles.  Later studies
  (e.g. a 640 km test in Int J Sports Phys Ther 2017;12:616) measured midsole changes; no study links
  shoe mileage to injuries, and the 480–800 km replacement advice is convention.  Grade D, wording says
  so, and only distance logged with that gear counts.

When a run's history is sufficient, these history forms REPLACE the single-run forms of H1, H4, H6, H7,
H8, H9 stored as candidates in the ``hints`` table (:data:`HISTORY_FORMS`); H5 (cadence) stays single-run.
H2 (weekly progression) is not a per-run alert: it is a column of the weekly frame
(:func:`runload.history.frames.weekly_summary`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import LEG_GROUPS, Hint
from ..hints import (
    ANCHOR_PERSONAL,
    ANCHOR_POPULATION,
    BALANCE_SHIFT_PCT,
    CLIMB_MIN_TIME_S,
    FAST_MIN_DISTANCE_M,
    FAST_MIN_TIME_S,
    HILL_MIN_M,
    MIN_HISTORY_DAYS,
    MIN_HISTORY_RUNS,
    SPRINT_SPEED_MPS,
    THRESHOLDS,
    _hint,
    spike_from_longest,
)
from ..muscles import display_name

__all__ = ["history_candidates", "sufficient_mask", "spike_candidates", "acwr_daily", "balance_baseline",
           "HISTORY_FORMS", "SHOE_MILEAGE_KM", "ACWR_LIMIT", "ACWR_MIN_CHRONIC_KM_WEEK", "ACWR_MIN_DAYS",
           "ACUTE_LAMBDA", "CHRONIC_LAMBDA"]

DAY = np.timedelta64(1, "D")
_T = THRESHOLDS  # runload/models/hints_v2.toml (runload.hints.hint_thresholds)
SPIKE_WINDOW_DAYS = _T["H1"]["window_days"]  # H1, H7, H9: the previous 30 days
ACUTE_LAMBDA = 2 / (_T["H3"]["acute_days"] + 1)  # H3, §3.3 (Williams et al. 2017)
CHRONIC_LAMBDA = 2 / (_T["H3"]["chronic_days"] + 1)
ACWR_LIMIT = _T["H3"]["limit"]  # H3: > 1.5 only
ACWR_MIN_CHRONIC_KM_WEEK = _T["H3"]["min_chronic_km_per_week"]  # §3.5: ratios explode near zero chronic load
ACWR_MIN_DAYS = _T["H3"]["min_days"]  # H3: ≥ 6 weeks of data
BALANCE_BASE_DAYS = _T["H4"]["baseline_days"]  # H4: the runner's 8-week median
BALANCE_MIN_BASE_RUNS = _T["H4"]["baseline_min_runs"]  # [D] runs with a balance needed for that median
BALANCE_RUNS = _T["H4"]["consecutive_runs"]  # H4: on ≥ 3 consecutive runs
BALANCE_RED_PCT = _T["H4"]["red_zone_pct_points"]  # H4: Garmin's red zone, > 52.2 % either side
HSR_Z = _T["H6"]["z"]  # H6: z-score ≥ 1.0 …
HSR_RATIO = _T["H6"]["ratio"]  # … and ratio ≥ 1.5 …
HSR_BASE_WEEKS = _T["H6"]["base_weeks"]  # … vs the weekly HSR of the previous 8 weeks
HSR_GAP_DAYS = _T["H6"]["gap_days"]  # H6: first HSR session after ≥ 21 days without any
HILL_WEEK_RATIO = _T["hills"]["week_ratio"]  # H7/H8: 7-day total > 2× the mean weekly of the previous 4 weeks
HILL_RUN_RATIO = _T["hills"]["run_ratio"]  # H7/H8: single run > 1.5× the 30-day maximum
BASE_WEEKS = _T["hills"]["base_weeks"]  # H7, H8, H10: the previous 4 weeks
CALVES_RATIO = _T["H9"]["calves_ratio"]  # H9: calves L_g ≥ 1.3× the 30-day maximum single-session calves L_g
GROUP_SPIKE_RATIO = _T["H10"]["ratio"]  # H10
SHOE_MILEAGE_KM = _T["shoes"]["mileage_km"]  # S1 [D]: ≈ 500 miles, where Cook et al. 1985 saw the loss level off

# Rule ids whose history form replaces the single-run candidate when the history is sufficient.
HISTORY_FORMS = ("H1", "H3", "H4", "H6", "H7", "H8", "H9", "H10", "S1")


class _Windows:
    """Rolling-window sums and maxima over runs sorted by start (vectorised with prefix sums)."""

    def __init__(self, figures: pd.DataFrame):
        self.t = figures["start"].to_numpy("datetime64[ns]")
        self.n = len(self.t)
        self.k = np.arange(self.n)
        self.before = np.searchsorted(self.t, self.t, side="left")  # first run starting at the same time

    def _cut(self, days: float, side: str) -> np.ndarray:
        return np.searchsorted(self.t, self.t - days * DAY, side=side)

    def sum_7d(self, values: np.ndarray) -> np.ndarray:
        """Σ over (t − 7 d, t], the run included, later runs excluded."""
        cs = np.concatenate([[0.0], np.cumsum(np.nan_to_num(values))])
        return cs[self.k + 1] - cs[self._cut(7, "right")]

    def sum_between(self, values: np.ndarray, far_days: float, near_days: float) -> np.ndarray:
        """Σ over (t − far_days, t − near_days] (near_days > 0: strictly before the run)."""
        cs = np.concatenate([[0.0], np.cumsum(np.nan_to_num(values))])
        return cs[self._cut(near_days, "right")] - cs[self._cut(far_days, "right")]

    def sum_before(self, values: np.ndarray, days: float) -> np.ndarray:
        """Σ over [t − days, t) (runs strictly before)."""
        cs = np.concatenate([[0.0], np.cumsum(np.nan_to_num(values))])
        return cs[self.before] - cs[self._cut(days, "left")]

    def max_before(self, values: np.ndarray, days: float) -> np.ndarray:
        """max over [t − days, t); NaN without a finite value there."""
        lo = self._cut(days, "left")
        return np.array([np.nanmax(values[a:b]) if b > a and np.isfinite(values[a:b]).any() else np.nan
                         for a, b in zip(lo, self.before, strict=True)])


def sufficient_mask(figures: pd.DataFrame) -> np.ndarray:
    """Per run: ≥ 8 runs and ≥ 28 days of history before it (§3.1 rule 6; :func:`history_is_sufficient`)."""
    w = _Windows(figures)
    if not w.n:
        return np.zeros(0, bool)
    return (w.before >= MIN_HISTORY_RUNS) & (w.t - w.t[0] >= MIN_HISTORY_DAYS * DAY)


def _col(figures: pd.DataFrame, name: str) -> np.ndarray:
    if name not in figures:
        return np.full(len(figures), np.nan)
    return pd.to_numeric(figures[name], errors="coerce").to_numpy(float)


def _ratio(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.where(a > 0, np.inf, np.nan))


def spike_candidates(figures: pd.DataFrame, ok: np.ndarray | None = None) -> list[tuple[str, Hint]]:
    """H1 for every run (``figures`` or :func:`runload.history.run_table`), in start order."""
    w = _Windows(figures)
    ok = sufficient_mask(figures) if ok is None else ok
    longest = w.max_before(_col(figures, "distance_m"), SPIKE_WINDOW_DAYS)
    dist, moving = _col(figures, "distance_m"), _col(figures, "moving_s")
    out = []
    for k in np.flatnonzero(ok):
        hint = spike_from_longest(dist[k], longest[k], moving[k])
        if hint is not None:
            out.append((str(figures.index[k]), hint))
    return out


def acwr_daily(figures: pd.DataFrame, column: str) -> pd.DataFrame:
    """EWMA acute and chronic load per local date of ``column`` (§3.3 H3; both start at 0).

    Returns
    -------
    pandas.DataFrame
        Index: every local date from the first run to the last; ``value`` (daily sum), ``acute``,
        ``chronic`` (EWMA per day, in the column's unit per day) and ``ratio`` (acute ÷ chronic).
    """
    daily = pd.Series(_col(figures, column), index=figures["local_date"]).fillna(0.0).groupby(level=0).sum()
    if daily.empty:
        return pd.DataFrame(columns=["value", "acute", "chronic", "ratio"])
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max(), freq="D"), fill_value=0.0)
    a = c = 0.0  # EWMA_d = λ·x_d + (1 − λ)·EWMA_{d−1}, from 0 (pandas' ewm starts at the first value)
    acute_v, chronic_v = np.empty(len(daily)), np.empty(len(daily))
    for j, x in enumerate(daily.to_numpy(float)):
        a = ACUTE_LAMBDA * x + (1 - ACUTE_LAMBDA) * a
        c = CHRONIC_LAMBDA * x + (1 - CHRONIC_LAMBDA) * c
        acute_v[j], chronic_v[j] = a, c
    acute, chronic = pd.Series(acute_v, daily.index), pd.Series(chronic_v, daily.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(chronic > 0, acute / chronic.where(chronic > 0, 1.0), np.nan)
    return pd.DataFrame({"value": daily, "acute": acute, "chronic": chronic, "ratio": ratio})


def _acwr_at_runs(figures: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(acute, chronic) EWMA per run on its local date, counting only runs of that date up to it."""
    days = acwr_daily(figures, column)
    values = np.nan_to_num(_col(figures, column))
    dates = figures["local_date"].to_numpy("datetime64[ns]")
    same_day = pd.Series(values).groupby(dates).cumsum().to_numpy()  # runs of the date up to this one
    prev = pd.DatetimeIndex(dates) - pd.Timedelta(days=1)
    a_prev = days["acute"].reindex(prev).fillna(0.0).to_numpy()
    c_prev = days["chronic"].reindex(prev).fillna(0.0).to_numpy()
    return (ACUTE_LAMBDA * same_day + (1 - ACUTE_LAMBDA) * a_prev,
            CHRONIC_LAMBDA * same_day + (1 - CHRONIC_LAMBDA) * c_prev)


def balance_baseline(figures: pd.DataFrame) -> pd.DataFrame:
    """H4's figures per run with a balance: offset, the 8-week median before it and the excess.

    Returns
    -------
    pandas.DataFrame
        Index ``run_id`` (runs with a balance only): ``balance_median_pct``, ``balance_offset_pct``,
        ``baseline_offset_pct`` (median offset of the runs with a balance in the previous 56 days; NaN
        with fewer than 3), ``excess_pct_points`` and ``red_zone`` (median b outside 47.8–52.2 %).
    """
    has = figures[np.isfinite(_col(figures, "balance_offset_pct"))]
    t = has["start"].to_numpy("datetime64[ns]")
    off = has["balance_offset_pct"].to_numpy(float)
    lo = np.searchsorted(t, t - BALANCE_BASE_DAYS * DAY, side="left")
    hi = np.searchsorted(t, t, side="left")
    base = np.array([np.median(off[a:b]) if b - a >= BALANCE_MIN_BASE_RUNS else np.nan for a, b in zip(lo, hi, strict=True)])
    return pd.DataFrame({"start": has["start"], "balance_median_pct": has["balance_median_pct"],
                         "balance_offset_pct": off, "baseline_offset_pct": base, "excess_pct_points": off - base,
                         "red_zone": np.abs(has["balance_median_pct"].to_numpy(float) - 50.0) > BALANCE_RED_PCT},
                        index=has.index)


# --- the rules ------------------------------------------------------------------------------------------

def _acwr(figures, w, ok) -> dict[int, Hint]:
    acute_d, chronic_d = _acwr_at_runs(figures, "distance_m")
    old = (w.t - (w.t[0] if w.n else w.t)) >= ACWR_MIN_DAYS * DAY
    gate = ok & old & (7 * chronic_d / 1000.0 >= ACWR_MIN_CHRONIC_KM_WEEK)
    ratios = {"distance": _ratio(acute_d, chronic_d)}
    for g in LEG_GROUPS:
        if f"load_{g}" in figures:
            a, c = _acwr_at_runs(figures, f"load_{g}")
            ratios[g] = np.where(c > 0, _ratio(a, c), np.nan)
    out = {}
    for k in np.flatnonzero(gate):
        fired = {name: float(r[k]) for name, r in ratios.items() if np.isfinite(r[k]) and r[k] > ACWR_LIMIT}
        if not fired:
            continue
        groups = {g: r for g, r in fired.items() if g != "distance"}
        top = max(groups, key=groups.get) if groups else None
        parts = []
        if "distance" in fired:
            parts.append(f"{fired['distance']:.2f} for your distance")
        if top:
            parts.append(f"{groups[top]:.2f} for your estimated {display_name(top).lower()} load")
        message = (f"Your load change vs your recent average (the acute:chronic ratio of the last days against the "
                   f"last weeks) was {' and '.join(parts)}, compared with your own recent running: a bigger jump "
                   "than usual. This estimated indicator is debated; a large study of runners found no harmful "
                   "association with it, so read it as a note, not a verdict. If the jump was not planned, an "
                   "easy day is a safe option. Evidence: limited.")
        values = {"acwr_distance": float(ratios["distance"][k]), "chronic_km_per_week": 7 * chronic_d[k] / 1000.0,
                  **{f"acwr_{g}": r for g, r in groups.items()}, "top_group": top}
        out[k] = _hint("H3", "Load change vs your recent average", "info", "C", [top] if top else [], values,
                       message)
    return out


def _balance(figures, ok) -> dict[int, Hint]:
    frame = balance_baseline(figures)
    pos = {rid: k for k, rid in enumerate(figures.index)}
    shifted = (frame["excess_pct_points"] >= BALANCE_SHIFT_PCT).to_numpy()
    red = frame["red_zone"].to_numpy(bool)
    out = {}

    def streak(flags: np.ndarray) -> np.ndarray:  # True where this and the previous runs all hold
        if not len(flags):
            return np.zeros(0, bool)
        counts = np.convolve(flags.astype(int), np.ones(BALANCE_RUNS, int))[: len(flags)]
        return counts >= BALANCE_RUNS

    for j in np.flatnonzero(streak(shifted) | streak(red)):
        k = pos[frame.index[j]]
        if not ok[k]:
            continue
        last = slice(j - BALANCE_RUNS + 1, j + 1)
        row = frame.iloc[j]
        if shifted[last].all():
            what = (f"further from 50 % than usual on your last {BALANCE_RUNS} runs with a balance sensor (median "
                    f"offset {row['balance_offset_pct']:.1f} percentage points against your 8-week median of "
                    f"{row['baseline_offset_pct']:.1f})")
        elif red[last].all():
            what = (f"outside 47.8–52.2 % left on your last {BALANCE_RUNS} runs with a balance sensor (median "
                    f"{row['balance_median_pct']:.1f} % left on this run)")
        else:
            continue
        message = (f"Your ground contact time balance was {what}, {ANCHOR_PERSONAL}. Being a little off 50 % is "
                   "normal, and most runners sit outside the 49.3–50.7 % band. A shift over several runs can reflect "
                   "fatigue, terrain, sensor placement or a niggle, and the estimated balance depends on how the "
                   "sensor sits. If you notice discomfort, an easy day is a safe option. Evidence: model-based.")
        values = {"balance_median_pct": float(row["balance_median_pct"]),
                  "balance_offset_pct_points": float(row["balance_offset_pct"]),
                  "baseline_offset_pct_points": float(row["baseline_offset_pct"]), "red_zone": bool(red[j])}
        out[k] = _hint("H4", "Contact-time balance shifted over several runs", "info", "D", [], values, message)
    return out


def _weekly_blocks(w: _Windows, values: np.ndarray, weeks: int) -> np.ndarray:
    """(n_runs, weeks) totals over (t − 7(j+1) d, t − 7j d], j = 1 … weeks."""
    return np.column_stack([w.sum_between(values, 7 * (j + 1), 7 * j) for j in range(1, weeks + 1)])


def _z(current: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    mean, sd = blocks.mean(axis=1), blocks.std(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, (current - mean) / np.where(sd > 0, sd, 1.0),
                        np.where(current > mean, np.inf, 0.0))


def _fast(figures, w, ok) -> dict[int, Hint]:
    hsr_m, hsr_s = _col(figures, "hsr_m"), _col(figures, "hsr_s")
    cur_m, cur_s = w.sum_7d(hsr_m), w.sum_7d(hsr_s)
    blocks_m, blocks_s = _weekly_blocks(w, hsr_m, HSR_BASE_WEEKS), _weekly_blocks(w, hsr_s, HSR_BASE_WEEKS)
    ratio_m, ratio_s = _ratio(cur_m, blocks_m.mean(axis=1)), _ratio(cur_s, blocks_s.mean(axis=1))
    spike = (((_z(cur_m, blocks_m) >= HSR_Z) & (ratio_m >= HSR_RATIO))
             | ((_z(cur_s, blocks_s) >= HSR_Z) & (ratio_s >= HSR_RATIO)))
    spike &= (cur_m >= FAST_MIN_DISTANCE_M) | (cur_s >= FAST_MIN_TIME_S)
    session = (hsr_m >= FAST_MIN_DISTANCE_M) | (hsr_s >= FAST_MIN_TIME_S)
    recent = w.sum_before(session.astype(float), HSR_GAP_DAYS) > 0
    first = session & ~recent
    v_fast, vmax = _col(figures, "v_fast_mps"), _col(figures, "max_steady_speed_mps")
    out = {}
    for k in np.flatnonzero(ok & (hsr_s > 0) & (spike | first)):
        sprint = bool(np.isfinite(vmax[k]) and vmax[k] >= SPRINT_SPEED_MPS)
        what = "fast running, including sprints or strides," if sprint else "fast running"
        if spike[k]:
            r = ratio_m[k] if np.isfinite(ratio_m[k]) else ratio_s[k]
            size = "far more than" if not np.isfinite(r) else f"about {r:.1f}×"
            saw = (f"Over the last 7 days you ran about {cur_s[k] / 60:.0f} min ({cur_m[k] / 1000:.1f} km) of {what} "
                   f"(at or above {v_fast[k]:.1f} m/s, your own fast-speed threshold), {size} your weekly average of "
                   f"the previous {HSR_BASE_WEEKS} weeks, {ANCHOR_PERSONAL}.")
        else:
            saw = (f"This run had about {hsr_s[k] / 60:.0f} min ({hsr_m[k] / 1000:.1f} km) of {what} (at or above "
                   f"{v_fast[k]:.1f} m/s), your first in at least {HSR_GAP_DAYS} days, {ANCHOR_PERSONAL}.")
        message = (f"{saw} Fast running raises the estimated load on the hamstrings and hip flexors. Sudden jumps in "
                   "fast running have been associated with hamstring strains in team-sport studies. Easing into "
                   "speed work and keeping fast volume steady from week to week can help. Evidence: limited.")
        values = {"hsr_7d_m": float(cur_m[k]), "hsr_7d_min": float(cur_s[k] / 60),
                  "hsr_weekly_mean_8w_m": float(blocks_m[k].mean()), "hsr_run_m": float(hsr_m[k]),
                  "fast_speed_threshold_mps": float(v_fast[k]), "first_after_gap": bool(first[k] and not spike[k]),
                  "sprints": sprint}
        out[k] = _hint("H6", "More fast running than usual", "info", "C", ["hamstrings", "hip_flexors"], values,
                       message)
    return out


def _hill_rule(figures, w, ok, sign: int) -> dict[int, Hint]:
    column = "steep_descent_m" if sign < 0 else "steep_ascent_m"
    run = _col(figures, column)
    week = w.sum_7d(run)
    base = w.sum_between(run, 7 * (BASE_WEEKS + 1), 7) / BASE_WEEKS
    most = w.max_before(run, SPIKE_WINDOW_DAYS)
    weekly = (week > HILL_WEEK_RATIO * base) & (week >= HILL_MIN_M)
    single = (run > HILL_RUN_RATIO * np.nan_to_num(most)) & (run >= HILL_MIN_M) & np.isfinite(most)
    climb = np.zeros(w.n, bool)
    climb_s = _col(figures, "climb_s")
    if sign > 0:
        climb = (climb_s >= CLIMB_MIN_TIME_S) & (w.sum_before(climb_s, 7 * BASE_WEEKS) < CLIMB_MIN_TIME_S)
    out = {}
    word = "descent" if sign < 0 else "climbing"
    for k in np.flatnonzero(ok & (run > 0) & (weekly | single | climb)):
        if weekly[k]:
            saw = (f"Over the last 7 days you ran about {week[k]:.0f} m of steep {word} (grades of 5 % or more), "
                   f"{'far more than' if base[k] <= 0 else f'about {week[k] / base[k]:.1f}×'} your weekly average of "
                   f"the previous {BASE_WEEKS} weeks, {ANCHOR_PERSONAL}.")
        elif single[k]:
            saw = (f"This run had about {run[k]:.0f} m of steep {word}, about {run[k] / most[k]:.1f}× the most of "
                   f"any run in the previous {SPIKE_WINDOW_DAYS} days, {ANCHOR_PERSONAL}.")
        else:
            saw = (f"This run had about {climb_s[k] / 60:.0f} min on grades of 8 % or more, after less than "
                   f"{CLIMB_MIN_TIME_S / 60:.0f} min in total over the previous 4 weeks, {ANCHOR_PERSONAL}.")
        values = {f"{column[:-2]}_7d_m": float(week[k]), f"{column[:-2]}_weekly_mean_4w_m": float(base[k]),
                  f"{column[:-2]}_run_m": float(run[k]), f"{column[:-2]}_max_30d_m": float(most[k])}
        if sign < 0:
            message = (f"{saw} Downhill running loads the front of the thigh, the knee and the feet more than flat "
                       "running, with an estimated rise in quadriceps load. Muscle soreness for a day or two after a "
                       "big descent is common and usually settles; building descents gradually can help your legs "
                       "adapt. Evidence: limited.")
            out[k] = _hint("H7", "More downhill than usual", "info", "C", ["quadriceps", "foot_ankle"], values,
                           message)
        else:
            values["climb_run_min"] = float(climb_s[k] / 60)
            message = (f"{saw} Uphill running shifts work to the hips (an estimated rise in glute and hamstring "
                       "load) and may increase load on the calves and Achilles tendon. Tendons adapt more slowly "
                       "than fitness, so building hill volume gradually can help. Evidence: model-based.")
            out[k] = _hint("H8", "More uphill than usual", "info", "D", ["glutes", "hamstrings", "calves"], values,
                           message)
    return out


def _calves(figures, w, ok, h1: dict[int, Hint]) -> dict[int, Hint]:
    calves = _col(figures, "load_calves")
    most = w.max_before(calves, SPIKE_WINDOW_DAYS)
    out = {}
    with np.errstate(invalid="ignore"):
        fire = ok & np.isfinite(calves) & np.isfinite(most) & (most > 0) & (calves >= CALVES_RATIO * most)
    for k in np.flatnonzero(fire):
        if k in h1:
            continue  # H9 piggybacks on H1: one message (H1 carries the calves note from 75 min)
        message = (f"This run's estimated calf load was {calves[k]:.0f} (100 = one hour of easy running), about "
                   f"{calves[k] / most[k]:.1f}× your highest single run of the previous {SPIKE_WINDOW_DAYS} days, "
                   f"{ANCHOR_PERSONAL}. The calf muscles and Achilles tendon carry the highest forces in running and "
                   "tendons adapt more slowly than fitness; keeping the next few runs at or below this one may "
                   "help. Evidence: model-based.")
        values = {"calves_rel_load": float(calves[k]), "calves_max_30d": float(most[k]),
                  "calves_ratio": float(calves[k] / most[k])}
        out[k] = _hint("H9", "Calves and Achilles: more than your recent runs", "info", "D", ["calves"], values,
                       message)
    return out


def _group_spike(figures, w, ok) -> dict[int, Hint]:
    ratios = {}
    for g in LEG_GROUPS:
        values = _col(figures, f"load_{g}")
        base = w.sum_between(values, 7 * (BASE_WEEKS + 1), 7) / BASE_WEEKS
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(base > 0, w.sum_7d(values) / np.where(base > 0, base, 1.0), np.nan)
        ratios[g] = np.where(np.nan_to_num(values) > 0, r, np.nan)  # the run itself adds to that group
    table = pd.DataFrame(ratios)
    passed = (table >= GROUP_SPIKE_RATIO).to_numpy().any(axis=1)
    out = {}
    for k in np.flatnonzero(ok & passed):
        row = table.iloc[k].dropna()
        row = row[row >= GROUP_SPIKE_RATIO]
        top = str(row.idxmax())
        name = display_name(top).lower()
        message = (f"Your estimated {name} load over the last 7 days was about {row[top]:.1f}× your weekly average "
                   f"of the previous {BASE_WEEKS} weeks, {ANCHOR_PERSONAL} (estimated from pace, cadence and hills). "
                   "Muscles and tendons adapt to load over weeks; building up gradually gives them time, and an easy "
                   "day is a safe option. Evidence: model-based.")
        values = {"group": top, "group_load_ratio": float(row[top]),
                  **{f"{g}_ratio": float(v) for g, v in row.items()}}
        out[k] = _hint("H10", f"More {name} load than usual", "info", "D", [top], values, message)
    return out


def _shoes(figures, ok) -> dict[int, Hint]:
    out = {}
    if "gear" not in figures:
        return out
    dist = np.nan_to_num(_col(figures, "distance_m"))
    limit = SHOE_MILEAGE_KM * 1000.0
    gear = figures["gear"].to_numpy(object)
    totals: dict[str, float] = {}
    for k, g in enumerate(gear):
        if g is None:
            continue
        before = totals.get(g, 0.0)
        totals[g] = before + dist[k]
        if ok[k] and before < limit <= totals[g]:
            message = (f"The shoes logged as “{g}” have now carried about {totals[g] / 1000:.0f} km of the runs in "
                       f"your log, past the {SHOE_MILEAGE_KM:.0f} km at which many runners replace theirs, "
                       f"{ANCHOR_POPULATION} (an estimated figure: runs logged without these shoes are not counted). "
                       "Lab tests found running shoes lose part of their cushioning over the first few hundred "
                       "kilometres, levelling off near this distance; no study has linked shoe mileage itself to "
                       "injuries. Checking the midsole for creases, or rotating in a newer pair, is a simple option. "
                       "Evidence: model-based.")
            values = {"gear": g, "gear_distance_km": totals[g] / 1000, "threshold_km": SHOE_MILEAGE_KM}
            out[k] = _hint("S1", "Shoe mileage", "info", "D", [], values, message)
    return out


def history_candidates(figures: pd.DataFrame) -> tuple[list[tuple[str, Hint]], np.ndarray]:
    """Every history-rule hint of every run, and which runs have a sufficient history.

    Parameters
    ----------
    figures : pandas.DataFrame
        :func:`runload.history.figures.run_figures` (sorted by start).

    Returns
    -------
    (list of (run_id, Hint), numpy.ndarray of bool)
        The hints in start order, for each run in the order H1, H3, H4, H6, H7, H8, H9, H10, S1, each with
        ``origin = "log"``; and per run whether its history is sufficient.
    """
    w = _Windows(figures)
    ok = sufficient_mask(figures)
    pos = {rid: k for k, rid in enumerate(figures.index)}
    h1 = {pos[rid]: h for rid, h in spike_candidates(figures, ok)}
    per_rule = [h1, _acwr(figures, w, ok), _balance(figures, ok), _fast(figures, w, ok),
                _hill_rule(figures, w, ok, -1), _hill_rule(figures, w, ok, +1), _calves(figures, w, ok, h1),
                _group_spike(figures, w, ok), _shoes(figures, ok)]
    out = []
    for k in range(w.n):
        for rule in per_rule:
            if k in rule:
                rule[k].origin = "log"
                out.append((str(figures.index[k]), rule[k]))
    return out, ok
