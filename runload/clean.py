"""Cleaning: time base, pauses, speed and distance repair, smoothing, grade, running vs walking.

:func:`clean_samples` turns the canonical frame a reader returns into the frame every later stage
works on.  It keeps the reader's index (one row per recorded sample, irregular sampling left as
recorded) and adds or replaces:

``elapsed_s``       [s]   time since the first sample
``dt_s``            [s]   weight of the sample: the timer-running part of the interval until the next
                          sample, capped at :data:`MAX_SAMPLE_WEIGHT_S` (a GPS dropout does not give
                          one sample minutes of weight; a pause gives it none)
``distance_m``      [m]   cumulative distance, non-decreasing, spikes removed, paused drift removed
``speed_mps``       [m/s] repaired (spikes and dropouts replaced by speed from distance; derived from
                          distance when the file has none, e.g. GPX) and smoothed (5 s rolling median)
``cadence_spm``     [steps/min] implausible values removed, 5 s rolling median
``heart_rate_bpm``  [1/min] values outside 20–250 removed
``altitude_m``      [m]   5 s rolling median of the recorded altitude
``grade_pct``       [%]   slope over a centred distance window (NaN when unknown), see :func:`grade_from_altitude`
``acceleration_mps2`` [m/s²] dv/dt over a centred 4 s window
``accelerating``    bool  |dv/dt| > 0.3 m/s² (science.md §1.5.7)
``state``           str   ``running``, ``walking``, ``standing`` or ``paused``

The columns ``speed_mps``, ``distance_m``, ``cadence_spm``, ``heart_rate_bpm``, ``altitude_m`` and
``grade_pct`` are always present in the cleaned frame (all-NaN when the file lacks them), so that later
stages need no existence checks.  All windows are in seconds or metres, never in rows, so a file with
smart (irregular) recording gives the same result as one recorded every second.

Sample weighting (zero-order hold): each sample stands for the interval until the next sample — FIT
smart recording writes a record when a value changes, so a value holds until the next record.  The last
sample has weight 0, so the weights of a run without pauses add up to its elapsed time, as the watch's
timer does, and a segment of samples i0…i1 covers exactly [t_i0, t_(i1+1)).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .errors import EmptyRunError, InvalidMethodError, RunloadWarning
from .geo import cumulative_distance_m
from .run import Run

__all__ = [
    "RUNNING_CADENCE_MIN_SPM",
    "RUNNING_SPEED_MIN_MPS",
    "STATES",
    "ALTITUDE_SOURCES",
    "clean_samples",
    "timer_seconds",
    "altitude_source",
    "grade_from_altitude",
    "sample_intervals",
]

# science.md §1.4 / §1.5.7: adults switch from walking to running at about 140 spm.
RUNNING_CADENCE_MIN_SPM = 140.0
RUNNING_SPEED_MIN_MPS = 1.8
# Without cadence only speed can tell; the walk–run transition speed is about 2.0–2.1 m/s [D].
RUNNING_SPEED_NO_CADENCE_MPS = 2.1
STANDING_SPEED_MPS = 0.5  # below this the runner is standing (GPS drift included) [D]
STANDING_CADENCE_SPM = 50.0  # a cadence below this with a slow speed is standing, not walking [D]
ACCELERATING_MPS2 = 0.3  # science.md §1.5.7
MAX_SPEED_MPS = 12.5  # faster than any human; a value above it is a spike
MAX_CADENCE_SPM = 260.0  # faster than any sprinter's step rate
HEART_RATE_RANGE_BPM = (20.0, 250.0)
MAX_SAMPLE_WEIGHT_S = 30.0  # a timer-on gap longer than this counts only this long as a sample weight
PAUSE_GAP_S = 15.0  # without timer information, a gap this long covered this slowly is a pause [D]
SMOOTH_WINDOW_S = 5.0  # rolling-median window for speed, cadence and altitude (Appendix A)
SPEED_FROM_DISTANCE_WINDOW_S = 5.0
ACCELERATION_WINDOW_S = 4.0
# science.md §2.6: ≥ 30 m for barometric altitude, ≥ 100 m for GPS-only altitude.
GRADE_WINDOW_M = {"barometric": 40.0, "gps": 100.0}
GRADE_MAX_RATIO = 0.45  # clamp (Minetti 2002 range)
GRADE_ZERO_RATIO = 0.01  # |i| below this is treated as level
GRADE_NOISE_MAX_RATIO = 0.02  # robust SD of the grade noise above which grade is unknown [D]

STATES = ("running", "walking", "standing", "paused")
ALTITUDE_SOURCES = ("auto", "barometric", "gps")


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
    s = pd.Series(values, index=index)
    window = pd.Timedelta(seconds=window_s)
    return s.rolling(window, center=True, min_periods=1).median().to_numpy(dtype=float)


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
        events, else counted when the sample has ``timer_on``; without any timer information the whole
        interval counts unless it is a gap of more than 15 s covered at under 0.5 m/s (an auto-pause in a
        GPX track).  Not capped: see :data:`MAX_SAMPLE_WEIGHT_S` for the weights.
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
            timer_dt = np.diff(f, append=f[-1])
            return dt, np.clip(timer_dt, 0.0, None)
    if "timer_on" in samples.columns:
        # The interval after sample i counts when the timer was on at sample i (a stop at sample i ends
        # the counting); this is how the corpus' Garmin watches add up their timer time.
        on = samples["timer_on"].to_numpy(dtype=bool)
        return dt, np.where(on, dt, 0.0)
    timer_dt = dt.copy()
    dist = _col(samples, "distance_m")
    if np.isfinite(dist).sum() >= 2:
        d = np.maximum.accumulate(_interp_valid(t, dist))
        dd = np.diff(d, append=d[-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            pause = (dt > PAUSE_GAP_S) & (dd / dt < STANDING_SPEED_MPS)
        timer_dt[pause] = 0.0
    return dt, timer_dt


def timer_seconds(run: Run) -> float:
    """Time the watch's timer ran [s] (comparable with the watch's ``total_timer_time``)."""
    return float(sample_intervals(run)[1].sum())


def altitude_source(run: Run, choice: str = "auto") -> str:
    """Decide whether the run's altitude is barometric or GPS-only.

    ``auto``: FIT files are taken as barometric (most Garmin watches that write ``enhanced_altitude``
    have a barometric altimeter, science.md §2.6); GPX and TCX as GPS-only unless told otherwise.
    The noise check in :func:`grade_from_altitude` still rejects a profile that is too noisy.
    """
    if choice not in ALTITUDE_SOURCES:
        raise InvalidMethodError("altitude_source", choice, ALTITUDE_SOURCES)
    if choice != "auto":
        return choice
    return "barometric" if run.meta.format == "fit" else "gps"


def grade_from_altitude(distance_m, altitude_m, window_m: float = 40.0,
                        noise_max_ratio: float = GRADE_NOISE_MAX_RATIO) -> tuple[np.ndarray, float]:
    """Grade [%] from altitude over a centred horizontal-distance window (science.md §2.6).

    Parameters
    ----------
    distance_m : array-like  [m]  cumulative horizontal distance, non-decreasing
    altitude_m : array-like  [m]  smoothed altitude (NaN where missing)
    window_m : float  [m]  full window width (≥ 30 m barometric, ≥ 100 m GPS)
    noise_max_ratio : float  [-]  when the robust SD of the altitude noise translates into a grade noise
        above this, every grade is unknown (NaN)

    Returns
    -------
    grade_pct : ndarray  [%]
        i = Δaltitude / Δdistance over [d − w/2, d + w/2] (clipped at the ends; NaN when less than half
        a window of distance is available), clamped to ±45 %, and 0 where |i| < 1 %.
    noise_ratio : float  [-]  estimated SD of the grade noise (NaN when it cannot be estimated)

    Notes
    -----
    Standing samples share a distance; their altitudes are averaged, so a stop does not create a
    vertical wall.  The noise estimate is 1.4826·MAD of the altitude residual from its window mean,
    times √2 / (w/2) (the difference of two noisy points half a window apart from the centre).
    """
    d = np.asarray(distance_m, dtype=float)
    a = np.asarray(altitude_m, dtype=float)
    out = np.full(d.shape, np.nan)
    ok = np.isfinite(d) & np.isfinite(a)
    if ok.sum() < 3:
        return out, np.nan
    du, inverse = np.unique(d[ok], return_inverse=True)
    au = np.bincount(inverse, weights=a[ok]) / np.bincount(inverse)
    if len(du) < 3 or du[-1] - du[0] < window_m / 2:
        return out, np.nan
    half = window_m / 2.0
    valid_d = np.isfinite(d)
    dd = np.where(valid_d, d, du[0])
    lo = np.maximum(dd - half, du[0])
    hi = np.minimum(dd + half, du[-1])
    span = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (np.interp(hi, du, au) - np.interp(lo, du, au)) / span
    ratio[(span < half) | ~valid_d] = np.nan
    # Noise: residual of each profile point from the mean of its neighbours within the window.
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (au[1:] + au[:-1]) * np.diff(du))])
    plo = np.maximum(du - half, du[0])
    phi = np.minimum(du + half, du[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (np.interp(phi, du, cum) - np.interp(plo, du, cum)) / (phi - plo)
    resid = au - mean
    resid = resid[np.isfinite(resid)]
    noise = np.nan
    if len(resid) >= 10:
        mad = np.median(np.abs(resid - np.median(resid)))
        noise = float(1.4826 * mad * np.sqrt(2.0) / half)
        if noise > noise_max_ratio:
            return out, noise
    ratio = np.clip(ratio, -GRADE_MAX_RATIO, GRADE_MAX_RATIO)
    ratio[np.abs(ratio) < GRADE_ZERO_RATIO] = 0.0
    out[:] = 100.0 * ratio
    return out, noise


def _warn(run: Run, message: str) -> None:
    msg = f"{run.meta.source}: {message}"
    warnings.warn(msg, RunloadWarning, stacklevel=3)


def _clean_distance(run: Run, t: np.ndarray, dt: np.ndarray, counted: np.ndarray) -> tuple[np.ndarray, int]:
    """Cumulative distance [m]: recorded, else from positions, else from speed; spikes and paused drift removed."""
    s = run.samples
    dist = _col(s, "distance_m")
    if np.isfinite(dist).sum() < 2:
        dist = cumulative_distance_m(_col(s, "latitude_deg"), _col(s, "longitude_deg"))
    if np.isfinite(dist).sum() < 2:
        speed = _col(s, "speed_mps")
        if np.isfinite(speed).sum() < 2:
            return np.full(len(t), np.nan), 0
        dist = np.cumsum(np.where(np.isfinite(speed), speed, 0.0) * dt)
    dist = np.maximum.accumulate(_interp_valid(t, dist))
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


def _classify(speed: np.ndarray, cadence: np.ndarray, activity, paused: np.ndarray) -> np.ndarray:
    """Per-sample state: running, walking, standing or paused (science.md §1.4, §1.5.7)."""
    v_known, c_known = np.isfinite(speed), np.isfinite(cadence)
    with np.errstate(invalid="ignore"):
        running = np.where(
            v_known & c_known,
            (cadence >= RUNNING_CADENCE_MIN_SPM) & (speed >= RUNNING_SPEED_MIN_MPS),
            np.where(c_known, cadence >= RUNNING_CADENCE_MIN_SPM,
                     v_known & (speed >= RUNNING_SPEED_NO_CADENCE_MPS)),
        )
        slow_cadence = ~c_known | (cadence < STANDING_CADENCE_SPM)
        standing = np.where(
            v_known,
            (speed < STANDING_SPEED_MPS) | (c_known & (cadence < STANDING_CADENCE_SPM) & (speed < 1.5)),
            slow_cadence,
        )
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
    out = s.copy()
    index = s.index
    t = _seconds(index)
    dt, timer_dt = sample_intervals(run)
    counted = timer_dt > 0
    out["elapsed_s"] = t
    out["dt_s"] = np.minimum(timer_dt, MAX_SAMPLE_WEIGHT_S)

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
    out["speed_mps"] = speed
    if n_dist_spikes or n_speed_fixed > 0.01 * len(s):
        _warn(run, f"replaced {n_dist_spikes} distance jump(s) and {n_speed_fixed} speed spike(s) or "
                   "dropout(s) with the speed from distance")

    cadence = _col(s, "cadence_spm")
    with np.errstate(invalid="ignore"):
        cadence[(cadence < 0) | (cadence > MAX_CADENCE_SPM)] = np.nan
    out["cadence_spm"] = _rolling_median(cadence, index, SMOOTH_WINDOW_S)

    hr = _col(s, "heart_rate_bpm")
    with np.errstate(invalid="ignore"):
        hr[(hr < HEART_RATE_RANGE_BPM[0]) | (hr > HEART_RATE_RANGE_BPM[1])] = np.nan
    out["heart_rate_bpm"] = hr

    # Grade from altitude over a distance window; device grade only when there is no altitude.
    alt = _col(s, "altitude_m")
    source = altitude_source(run, altitude)
    window = grade_window_m if grade_window_m is not None else GRADE_WINDOW_M[source]
    if np.isfinite(alt).sum() >= 3:
        alt = _rolling_median(alt, index, SMOOTH_WINDOW_S)
        grade, noise = grade_from_altitude(distance, alt, window)
        if np.isnan(grade).all() and np.isfinite(noise) and noise > GRADE_NOISE_MAX_RATIO:
            _warn(run, f"altitude too noisy for a grade ({source}, noise ≈ {100 * noise:.1f} % grade); "
                       "grade left unknown")
    elif "grade_pct" in s.columns and s["grade_pct"].notna().sum() >= 3:
        ratio = _rolling_median(_col(s, "grade_pct"), index, 10.0) / 100.0
        ratio = np.clip(ratio, -GRADE_MAX_RATIO, GRADE_MAX_RATIO)
        ratio[np.abs(ratio) < GRADE_ZERO_RATIO] = 0.0
        grade = 100.0 * ratio
    else:
        grade = np.full(len(s), np.nan)
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
    out["state"] = _classify(speed, out["cadence_spm"].to_numpy(), activity, paused)
    return out
