"""Cleaning: time base, pauses, speed and distance repair, smoothing, grade, running vs walking.

:func:`clean_samples` turns the canonical frame a reader returns into the frame every later stage
works on.  It keeps the reader's index (one row per recorded sample, irregular sampling left as
recorded) and adds or replaces:

``elapsed_s``       [s]   time since the first sample
``dt_s``            [s]   weight of the sample: the timer-running part of the interval until the next
                          sample (a pause gives it none), see :func:`sample_intervals`; the weights add
                          up to the run's timer time, ``summarize_run(run)["timer_s"]``
``distance_m``      [m]   cumulative distance, non-decreasing: values inconsistent with their
                          neighbours interpolated (:mod:`runload.distance_repair`), spikes and paused
                          drift removed
``speed_mps``       [m/s] repaired (spikes and dropouts replaced by speed from distance; derived from
                          distance when the file has none, e.g. GPX) and smoothed (5 s rolling median)
``cadence_spm``     [steps/min] implausible values removed, stretches recorded at half the step rate
                          doubled (:mod:`runload.cadence_stretch`), 5 s rolling median
``heart_rate_bpm``  [1/min] values outside 20–250 removed
``altitude_m``      [m]   5 s rolling median of the recorded altitude
``grade_pct``       [%]   slope judged locally (NaN where unknown), see :func:`runload.grade.grade_for_run`
``acceleration_mps2`` [m/s²] dv/dt over a centred 4 s window
``accelerating``    bool  |dv/dt| > 0.3 m/s² (science.md §1.5.7)
``state``           str   ``running``, ``walking``, ``standing`` (not moving) or ``paused``

The columns ``speed_mps``, ``distance_m``, ``cadence_spm``, ``heart_rate_bpm``, ``altitude_m`` and
``grade_pct`` are always present in the cleaned frame (all-NaN when the file lacks them), so that later
stages need no existence checks.  All windows are in seconds or metres, never in rows, so a file with
smart (irregular) recording gives the same result as one recorded every second.

Sample weighting (zero-order hold): each sample stands for the interval until the next sample — FIT
smart recording writes a record when a value changes, so a value holds until the next record.  The last
sample has weight 0 (unless the file's timer events show the timer running on after it), so the weights
of a run without pauses add up to its elapsed time, as the watch's timer does, and a segment of samples
i0…i1 covers exactly [t_i0, t_(i1+1)).  The weights are not capped: a long gap with the timer running
(a GPS dropout, sparse indoor recording) is time the runner spent, held at the values of the sample
before it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .cadence_stretch import half_cadence_stretches
from .distance_repair import repair_distance
from .errors import EmptyRunError, RunloadWarning
from .geo import cumulative_distance_m
from .grade import altitude_source, grade_for_run
from .io._track import pause_after
from .run import Run
from .stats import centred_median

__all__ = [
    "RUNNING_CADENCE_MIN_SPM",
    "RUNNING_SPEED_MIN_MPS",
    "STATES",
    "clean_samples",
    "timer_seconds",
    "sample_intervals",
]

# science.md §1.4 / §1.5.7: adults switch from walking to running at about 140 spm.
from .gait_model import RUNNING_CADENCE_MIN_SPM  # noqa: E402, I001 - one walk–run threshold (gait_v*.toml)
RUNNING_SPEED_MIN_MPS = 1.8
# Without cadence only speed can tell; the walk–run transition speed is about 2.0–2.1 m/s [D].
RUNNING_SPEED_NO_CADENCE_MPS = 2.1
STANDING_SPEED_MPS = 0.5  # below this the runner is standing (GPS drift included) [D]
STANDING_CADENCE_SPM = 50.0  # without a speed, a cadence below this is standing, not walking [D]
ACCELERATING_MPS2 = 0.3  # science.md §1.5.7
MAX_SPEED_MPS = 12.5  # faster than any human; a value above it is a spike
MAX_CADENCE_SPM = 260.0  # faster than any sprinter's step rate
HEART_RATE_RANGE_BPM = (20.0, 250.0)
SMOOTH_WINDOW_S = 5.0  # rolling-median window for speed, cadence and altitude (Appendix A)
SPEED_FROM_DISTANCE_WINDOW_S = 5.0
ACCELERATION_WINDOW_S = 4.0

STATES = ("running", "walking", "standing", "paused")


def _seconds(index: pd.DatetimeIndex) -> np.ndarray:
    """Seconds since the first timestamp, as float."""
    if len(index) == 0:
        return np.zeros(0)
    return np.asarray((index - index[0]) / pd.Timedelta(seconds=1), dtype=float)


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A float column as an array; all-NaN when the frame lacks it."""
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, copy=True)
    return np.full(len(frame), np.nan)


def _rolling_median(values: np.ndarray, index: pd.DatetimeIndex, window_s: float) -> np.ndarray:
    """Centred time-based rolling median (NaN ignored, NaN where the window holds no value)."""
    return centred_median(values, index, window_s)


def _interp_valid(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Linear interpolation of the NaNs of ``x`` over ``t`` (ends held); all-NaN stays all-NaN."""
    ok = np.isfinite(x)
    if ok.all() or not ok.any():
        return x.copy()
    return np.interp(t, t[ok], x[ok])


def _window_difference(t: np.ndarray, x: np.ndarray, half_window: float) -> tuple[np.ndarray, np.ndarray]:
    """(x(t + h) − x(t − h), actual span) with ``x`` linear in ``t`` and the window clipped at the ends."""
    lo = np.maximum(t - half_window, t[0])
    hi = np.minimum(t + half_window, t[-1])
    return np.interp(hi, t, x) - np.interp(lo, t, x), hi - lo


def sample_intervals(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """Interval after each sample and the part of it during which the watch's timer ran.

    Parameters
    ----------
    run : Run

    Returns
    -------
    dt_s, timer_dt_s : ndarray  [s]
        ``dt_s[i]`` = t_(i+1) − t_i (0 for the last sample).  ``timer_dt_s[i]`` is the part of that
        interval with the timer running: exact from ``run.meta.timer_intervals`` when the file has timer
        events (overlaps merged; timer time before the first sample counts for the first sample, after
        the last sample for the last one, so the weights add up to the watch's timer), else counted when
        the sample has ``timer_on``; without any timer information the whole interval counts unless it
        is a pause by runload's one pause rule (:func:`runload.io._track.pause_after`: a gap of more
        than 20 s covered at under 0.5 m/s; where the recording measures no distance, a gap with no
        steps on one side).

    Notes
    -----
    This is the one timer of runload: :func:`timer_seconds`, the cleaned ``dt_s`` and
    :func:`runload.summary.summarize_run`'s ``timer_s`` are all its sum.
    """
    samples = run.samples
    t = _seconds(samples.index)
    dt = np.diff(t, append=t[-1] if len(t) else 0.0)
    intervals = run.meta.timer_intervals
    if intervals:
        t0 = samples.index[0]
        bounds = sorted(
            ((pd.Timestamp(a) - t0) / pd.Timedelta(seconds=1), (pd.Timestamp(b) - t0) / pd.Timedelta(seconds=1))
            for a, b in intervals
        )
        # Merge overlaps, then F(t) = timer time up to t is piecewise linear through these knots.
        knots_t, knots_f, total, last_end = [], [], 0.0, -np.inf
        for a, b in bounds:
            a = max(a, last_end)
            if b <= a:
                continue
            knots_t += [a, b]
            knots_f += [total, total + (b - a)]
            total += b - a
            last_end = b
        if knots_t:
            f = np.interp(t, knots_t, knots_f)
            timer_dt = np.diff(f, append=total)  # the last sample holds until the timer's last stop
            timer_dt[0] += f[0]  # timer time before the first sample
            return dt, np.clip(timer_dt, 0.0, None)
    if "timer_on" in samples.columns:
        # The interval after sample i counts when the timer was on at sample i (a stop at sample i ends
        # the counting); this is how the corpus' Garmin watches add up their timer time.
        on = samples["timer_on"].to_numpy(dtype=bool)
        return dt, np.where(on, dt, 0.0)
    timer_dt = dt.copy()
    if len(t) > 1:
        pause = pause_after(t, *(_col(samples, c) if c in samples.columns else None for c in (
            "distance_m", "latitude_deg", "longitude_deg", "cadence_spm")))
        timer_dt[:-1][pause] = 0.0
    return dt, timer_dt


def timer_seconds(run: Run) -> float:
    """Time the watch's timer ran [s] (comparable with the watch's ``total_timer_time``)."""
    return float(sample_intervals(run)[1].sum())


def _warn(run: Run, message: str) -> None:
    msg = f"{run.meta.source}: {message}"
    warnings.warn(msg, RunloadWarning, stacklevel=3)


def _clean_distance(run: Run, t: np.ndarray, dt: np.ndarray, counted: np.ndarray) -> tuple[np.ndarray, int]:
    """Cumulative distance [m]: recorded, else from positions, else from speed; values inconsistent with
    their neighbours interpolated and resets continued (:func:`runload.distance_repair.repair_distance`,
    warned), spikes and paused drift removed."""
    s = run.samples
    dist = _col(s, "distance_m")
    if np.isfinite(dist).sum() < 2:
        dist = cumulative_distance_m(_col(s, "latitude_deg"), _col(s, "longitude_deg"))
    if np.isfinite(dist).sum() < 2:
        speed = _col(s, "speed_mps")
        if np.isfinite(speed).sum() < 2:
            return np.full(len(t), np.nan), 0
        dist = np.cumsum(np.where(np.isfinite(speed), speed, 0.0) * dt)
    dist, n_inconsistent, resets = repair_distance(t, dist)
    if n_inconsistent:
        _warn(run, f"{n_inconsistent} recorded distance value(s) did not fit the samples around them "
                   "(out of order or a spike); treated as missing and interpolated")
    if resets:
        _warn(run, "the recorded distance started again from a lower value at "
                   + ", ".join(f"{t[i]:.0f} s" for i in resets) + "; continued from the value before")
    dist = np.maximum.accumulate(dist)  # no-op after the repair; keeps the guarantee explicit
    inc = np.diff(dist, append=dist[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(dt > 0, inc / dt, np.where(inc > 0, np.inf, 0.0))
    spike = implied > MAX_SPEED_MPS
    if spike.any():
        # Replace an impossible jump with the local typical speed times the interval.
        good_v = np.where(spike | ~np.isfinite(implied), np.nan, implied)
        local = _rolling_median(good_v, s.index, 15.0)
        inc = np.where(spike, np.nan_to_num(local) * dt, inc)
    inc = np.where(counted, inc, 0.0)  # the watch does not count distance while paused
    return dist[0] + np.concatenate([[0.0], np.cumsum(inc[:-1])]), int(spike.sum())


def _movement_unmeasured(s: pd.DataFrame) -> bool:
    """Whether the file shows steps but measures no movement: no positions, no recorded distance that
    ever grows, no speed above 0, and a cadence above 0 somewhere.  Its zeros mean "not measured"."""
    lat, lon = _col(s, "latitude_deg"), _col(s, "longitude_deg")
    d, v, c = _col(s, "distance_m"), _col(s, "speed_mps"), _col(s, "cadence_spm")
    with np.errstate(invalid="ignore"):
        if (np.isfinite(lat) & np.isfinite(lon)).sum() >= 2 or np.any(v > 0):
            return False
        if np.any(np.diff(d[np.isfinite(d)]) > 0):
            return False
        return bool(np.any(c > 0))


def _classify(speed: np.ndarray, cadence: np.ndarray, activity, paused: np.ndarray) -> np.ndarray:
    """Per-sample state: running, walking, standing or paused (science.md §1.4, §1.5.7).

    Standing means not moving: with a known speed, slower than :data:`STANDING_SPEED_MPS`, whatever the
    cadence (slow uphill hiking at 0.5–1 m/s is walking even when the watch counts few or no steps, e.g.
    hands on the knees or on poles); without a speed, a cadence below :data:`STANDING_CADENCE_SPM` or
    none.
    """
    v_known, c_known = np.isfinite(speed), np.isfinite(cadence)
    with np.errstate(invalid="ignore"):
        running = np.where(
            v_known & c_known,
            (cadence >= RUNNING_CADENCE_MIN_SPM) & (speed >= RUNNING_SPEED_MIN_MPS),
            np.where(c_known, cadence >= RUNNING_CADENCE_MIN_SPM,
                     v_known & (speed >= RUNNING_SPEED_NO_CADENCE_MPS)),
        )
        slow_cadence = ~c_known | (cadence < STANDING_CADENCE_SPM)
        standing = np.where(v_known, speed < STANDING_SPEED_MPS, slow_cadence)
    if activity is not None:
        walking_type = np.asarray(activity == "walking", dtype=bool)
        running &= ~walking_type
    state = np.where(running, "running", np.where(standing, "standing", "walking"))
    state = np.where(paused, "paused", state)
    return state.astype(object)


def clean_samples(run: Run, *, altitude: str = "auto", grade_window_m: float | None = None) -> pd.DataFrame:
    """Clean a run's samples for analysis (see the module docstring for the columns).

    Parameters
    ----------
    run : Run
    altitude : {"auto", "barometric", "gps"}
        Where the altitude comes from; decides the grade window (see :func:`altitude_source`).
    grade_window_m : float, optional  [m]
        Override the grade window (default 40 m barometric, 100 m GPS).

    Returns
    -------
    pandas.DataFrame
        Same index as ``run.samples``; the reader's other columns are kept unchanged.

    Raises
    ------
    EmptyRunError
        When the run has no samples.

    Warns
    -----
    RunloadWarning
        When speed or distance spikes were replaced, or the altitude is too noisy for a grade.
    """
    s = run.samples
    if len(s) == 0:
        raise EmptyRunError(run.meta.source, "no samples to analyse")
    # The reader's columns, then the cleaned ones: a dict keeps a replaced column in its place and appends a
    # new one, as assigning to a DataFrame does, and the frame is built once at the end.
    out = {c: s[c] for c in s.columns}
    index = s.index
    t = _seconds(index)
    dt, timer_dt = sample_intervals(run)
    counted = timer_dt > 0
    out["elapsed_s"] = t
    out["dt_s"] = timer_dt

    # Paused: timer off at the sample itself.
    if "timer_on" in s.columns:
        paused = ~s["timer_on"].to_numpy(dtype=bool)
    elif run.meta.timer_intervals:
        inside = np.zeros(len(s), dtype=bool)
        for a, b in run.meta.timer_intervals:
            inside |= (index >= pd.Timestamp(a)) & (index <= pd.Timestamp(b))
        paused = ~inside
    else:
        paused = np.zeros(len(s), dtype=bool)

    distance, n_dist_spikes = _clean_distance(run, t, dt, counted)
    unmeasured = _movement_unmeasured(s)
    if unmeasured:
        distance = np.full(len(t), np.nan)
        _warn(run, "the file records steps but no movement (no positions, a distance that never grows, no "
                   "speed: indoors without a foot pod?); distance and speed unknown, running and walking "
                   "judged from cadence")
    out["distance_m"] = distance

    # Speed: from distance where the recorded speed is missing, a spike or a dropout.
    if np.isfinite(distance).any() and len(t) > 1:
        diff, span = _window_difference(t, distance, SPEED_FROM_DISTANCE_WINDOW_S / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            v_dist = np.where(span > 0, diff / span, np.nan)
    else:
        v_dist = np.full(len(t), np.nan)
    v_raw = _col(s, "speed_mps")
    n_speed_fixed = 0
    if np.isfinite(v_raw).any():
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(v_raw) | (v_raw < 0) | (v_raw > MAX_SPEED_MPS)
            fixable = np.isfinite(v_dist)
            spike = fixable & (v_raw > np.maximum(1.5 * v_dist, v_dist + 1.5))
            dropout = fixable & (v_dist > 1.5) & (v_raw < 0.3 * v_dist)
        replace = (bad | spike | dropout) & ~(paused & np.isfinite(v_raw))  # paused drift is left alone
        n_speed_fixed = int((replace & fixable & np.isfinite(v_raw)).sum())
        speed = np.where(replace, v_dist, v_raw)
    else:
        speed = v_dist
    with np.errstate(invalid="ignore"):
        speed = np.where(speed > MAX_SPEED_MPS, np.nan, speed)
    speed = _rolling_median(speed, index, SMOOTH_WINDOW_S)
    if unmeasured:
        speed = np.full(len(t), np.nan)
    out["speed_mps"] = speed
    if n_dist_spikes or n_speed_fixed > 0.01 * len(s):
        _warn(run, f"replaced {n_dist_spikes} distance jump(s) and {n_speed_fixed} speed spike(s) or "
                   "dropout(s) with the speed from distance")

    cadence = _col(s, "cadence_spm")
    with np.errstate(invalid="ignore"):
        cadence[(cadence < 0) | (cadence > MAX_CADENCE_SPM)] = np.nan
    # Cadence unit judged per stretch against speed (science.md §1.2, §1.5.8): strides/min stretches doubled.
    for stretch in half_cadence_stretches(t, speed, cadence, distance):
        cadence[stretch.first:stretch.last + 1] *= 2.0
        _warn(run, stretch.describe())
    out["cadence_spm"] = _rolling_median(cadence, index, SMOOTH_WINDOW_S)

    hr = _col(s, "heart_rate_bpm")
    with np.errstate(invalid="ignore"):
        hr[(hr < HEART_RATE_RANGE_BPM[0]) | (hr > HEART_RATE_RANGE_BPM[1])] = np.nan
    out["heart_rate_bpm"] = hr

    # Grade judged locally from the altitude (runload/grade.py); the device's grade only without altitude.
    alt = _col(s, "altitude_m")
    if np.isfinite(alt).sum() >= 3:
        alt = _rolling_median(alt, index, SMOOTH_WINDOW_S)
    device_grade = _rolling_median(_col(s, "grade_pct"), index, 10.0) if "grade_pct" in s.columns else None
    grade, grade_notes = grade_for_run(t, distance, alt, source=altitude_source(run, altitude),
                                       window_m=grade_window_m, device_grade_pct=device_grade)
    for note in grade_notes:
        _warn(run, note)
    out["altitude_m"] = alt
    out["grade_pct"] = grade

    if len(t) > 1 and np.isfinite(speed).sum() >= 2:
        v_filled = _interp_valid(t, speed)
        dv, span = _window_difference(t, v_filled, ACCELERATION_WINDOW_S / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            acc = np.where(span > 0, dv / span, np.nan)
        acc[~np.isfinite(speed)] = np.nan
    else:
        acc = np.full(len(t), np.nan)
    out["acceleration_mps2"] = acc
    with np.errstate(invalid="ignore"):
        out["accelerating"] = np.abs(acc) > ACCELERATING_MPS2

    activity = s["activity_type"].to_numpy() if "activity_type" in s.columns else None
    out["state"] = _classify(speed, out["cadence_spm"], activity, paused)
    return pd.DataFrame(out, index=index, copy=True)
