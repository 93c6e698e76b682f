"""Grade [%] from altitude, judged locally (science.md §2.6).

:func:`grade_for_run` gives every sample of a cleaned run its grade, or NaN where the altitude cannot
tell it.  Unknown is decided per stretch, never for a whole run:

1. **Spikes** — a profile point further than any slope up to ±45 % allows (plus
   :data:`ALTITUDE_JUMP_MIN_M`) from the running medians of the profile on *both* sides of it (each
   :data:`SPIKE_WINDOW_M` long), in the same direction, is left out: the altitude returned to where
   it was, so the point is no terrain.  Only that point's grade is unknown.
2. **Steps** — a jump between neighbouring profile points steeper than ±45 % by more than
   :data:`ALTITUDE_JUMP_MIN_M` that does not return (the altitude stays at the new level) is one of two
   things.  A **catch-up** — the jump continues the way the profile went over the
   :data:`STEP_TREND_M` before it (a barometer that lagged on a climb or descent and caught up: run.fit,
   a Forerunner 645 Music, has four such jumps of 7–12 m within 1–2 s at the end of 8–13 % climbs and
   descents, and its watch states more ascent, 234 m, than all the rises of its records add up to, 219 m,
   so the watch counts them) — is kept: the runner did climb, only the recording was late.  Where in the
   lagging stretch the climb happened is unknown, so the jump is spread evenly over the
   :data:`STEP_SPREAD_M` before it, and grade and ascent both count it.  A **reset** — a jump against
   the trend or on the level (a GPS altitude re-fix, a barometer recalibration) — is no climb a runner
   makes: it is removed from the profile (it adds neither ascent nor a false climb); the grade around it
   comes from the profile on either side.  A spike (point 1) differs from the profile on *both* sides
   and returns; a step only from the side before it.  Jumps closer together than a window are not steps
   but a noisy stretch (point 4).
3. **Grade** — the slope of a least-squares line through the profile over a centred horizontal-distance
   window, the profile resampled every metre, so each metre counts once whatever the recording rate.  A
   line fit, not the difference of the window's end points: barometric altitude quantised to 1 m or
   0.2 m steps is not noise, and a fit over the window averages the staircase instead of rejecting it.
   The integral of this grade over distance is the rise of the profile, so ∫ max(i, 0)·dd tells the same
   story as the ascent (:func:`runload.summary.summarize_run` sums the same repaired profile,
   :func:`plausible_altitude`).
4. **Noise** — where the standard error of that slope (residual RMS of the fit, √12/(L·√n), n the
   independent samples in the window: one per :data:`NOISE_CORRELATION_S` of time, since the 5 s
   altitude median and GPS errors make neighbours alike) exceeds :data:`GRADE_SE_MAX_RATIO`, the next
   longer window of :data:`GRADE_WINDOWS_M` is tried; where none is good enough the grade is unknown.
5. **Ascent and descent** (:func:`climb_m`) — summed on the same repaired profile by hysteresis, as
   watches do: a climb counts from its lowest to its highest point once the altitude has turned back by
   more than :data:`ASCENT_HYSTERESIS_M` (3 m barometric, 5 m GPS), so noise and quantisation that
   reverse by less add nothing, and a climb's full height counts, not height minus the threshold.
   science.md does not specify the ascent; the hysteresis values are [D], measured as their comment says.

Windows: science.md §2.6 asks for ≥ 30 m with barometric altitude and ≥ 100 m with GPS altitude.  The
first window follows it (40 m barometric, 100 m GPS); the fallbacks are longer still (100 m and 200 m),
used only where the shorter window's fit is too uncertain — a deviation in the direction science.md
allows ("smooth it over ≥ 100 m or treat grade as unknown").  The clamp to ±45 % and the zeroing of
|i| < 1 % follow science.md §2.6.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .errors import InvalidMethodError
from .run import Run
from .stats import window_median

__all__ = [
    "ALTITUDE_SOURCES",
    "GRADE_WINDOW_M",
    "GRADE_WINDOWS_M",
    "GRADE_MAX_RATIO",
    "GRADE_ZERO_RATIO",
    "GRADE_SE_MAX_RATIO",
    "ALTITUDE_JUMP_MIN_M",
    "ASCENT_HYSTERESIS_M",
    "altitude_source",
    "climb_m",
    "grade_from_altitude",
    "grade_for_run",
    "plausible_altitude",
]

# science.md §2.6: ≥ 30 m for barometric altitude, ≥ 100 m for GPS-only altitude.
GRADE_WINDOW_M = {"barometric": 40.0, "gps": 100.0}
# Longer windows tried, in order, where the first one's slope is too uncertain (see the module docstring).
GRADE_WINDOWS_M = {"barometric": (40.0, 100.0, 200.0), "gps": (100.0, 200.0)}
GRADE_MAX_RATIO = 0.45  # clamp (Minetti 2002 range, science.md §2.6)
GRADE_ZERO_RATIO = 0.01  # |i| below this is treated as level (science.md §2.6)
# Standard error of the window's slope above which the grade is unknown [D]: 2 % grade moves the
# steepest grade factor (glutes, U = 8 per unit grade) by 0.16.
GRADE_SE_MAX_RATIO = 0.02
# An altitude jump must exceed what a ±45 % slope allows by this much to count as a spike or a step [D]:
# several times the 1 m quantisation of some barometric watches and the jitter of GPS altitude after
# the 5 s median of runload.clean.
ALTITUDE_JUMP_MIN_M = 5.0
# Window of each of the two running medians (before, after) the spike test compares with [m] (the
# barometric grade window; the same for GPS altitude, so the ascent and the grade drop the same points
# whatever the source).
SPIKE_WINDOW_M = 40.0
SPIKE_PASSES = 3  # spike search passes (a spike of several points hides its inner points from one pass)
# A step is a catch-up when the profile moved its way over this distance before it [m] (the GPS grade
# window), by at least GRADE_ZERO_RATIO of it; the catch-up is spread over STEP_SPREAD_M before the step [D].
STEP_TREND_M = 100.0
STEP_SPREAD_M = 100.0
# Hysteresis of the ascent and descent sums [m] [D], chosen by measurement (tests/test_ascent.py).
# Barometric 3 m: on the 16 corpus FIT files with ≥ 50 m of watch ascent the median error against the
# watch is −0.2 %, the median |error| 2.7 % (0 m: +38 % / 38 %, 1 m: +13 % / 23 %, 2 m: +5 % / 10 %,
# 4 m: −5 % / 8 %, 5 m: −8 % / 10 %), and simulated hill repeats with a barometer quantised to 1 m or
# 0.2 m are within −3 % of the truth.  GPS 5 m: simulated hill repeats with GPS altitude (wander SD 2 m
# over ~100 s, spikes) +5.6 % median, +16.6 % worst (3 m: +10.8 %, +18.9 %; a gentle 36 m park loop
# +28 % against +90 %); 7–10 m lose the climbs of the corpus' GPX export of a Fenix 3 run (5 m: +0.5 %
# of its watch's ascent, 10 m: −41 %).
ASCENT_HYSTERESIS_M = {"barometric": 3.0, "gps": 5.0}
# Time over which neighbouring altitude samples are alike (the 5 s median of runload.clean) [s]
NOISE_CORRELATION_S = 5.0
GRID_STEP_M = 1.0  # resampling step of the profile for the window fit
MAX_GRID_POINTS = 200_000  # beyond 200 km the step grows, so memory stays bounded
ALTITUDE_SOURCES = ("auto", "barometric", "gps")


def altitude_source(run: Run, choice: str = "auto") -> str:
    """Decide whether the run's altitude is barometric or GPS-only.

    ``auto``: FIT files are taken as barometric (most Garmin watches that write ``enhanced_altitude``
    have a barometric altimeter, science.md §2.6); GPX and TCX as GPS-only unless told otherwise.  The
    choice only sets the first grade window: a noisy stretch still falls back to longer windows or to
    unknown grade (:func:`grade_for_run`).
    """
    if choice not in ALTITUDE_SOURCES:
        raise InvalidMethodError("altitude_source", choice, ALTITUDE_SOURCES)
    if choice != "auto":
        return choice
    return "barometric" if run.meta.format == "fit" else "gps"


def _profile(distance_m: np.ndarray, altitude_m: np.ndarray, elapsed_s: np.ndarray | None = None):
    """Altitude per distinct distance (standing samples share a distance: their altitudes are averaged).

    Returns (distance, altitude, time, inverse) where ``inverse`` maps each usable sample to its point
    and is −1 for samples without distance or altitude.
    """
    d = np.asarray(distance_m, dtype=float)
    a = np.asarray(altitude_m, dtype=float)
    t = np.arange(len(d), dtype=float) if elapsed_s is None else np.asarray(elapsed_s, dtype=float)
    ok = np.isfinite(d) & np.isfinite(a) & np.isfinite(t)
    inverse = np.full(len(d), -1)
    if not ok.any():
        return np.zeros(0), np.zeros(0), np.zeros(0), inverse
    du, inv = np.unique(d[ok], return_inverse=True)
    counts = np.bincount(inv)
    au = np.bincount(inv, weights=a[ok]) / counts
    tu = np.bincount(inv, weights=t[ok]) / counts
    inverse[ok] = inv
    return du, au, tu, inverse


def _isolated(du: np.ndarray, flag: np.ndarray, gap_m: float) -> np.ndarray:
    """``flag`` kept only on runs of flagged points with no other flagged run within ``gap_m``.

    Outliers that crowd together are not spikes but a noisy stretch, which the fit's uncertainty judges.
    """
    idx = np.flatnonzero(flag)
    if len(idx) == 0:
        return flag
    new_run = np.concatenate([[True], np.diff(idx) > 1])
    run_id = np.cumsum(new_run) - 1
    starts, ends = du[idx[new_run]], du[idx[np.concatenate([new_run[1:], [True]])]]
    alone = np.ones(len(starts), dtype=bool)
    if len(starts) > 1:
        far = starts[1:] - ends[:-1] > gap_m
        alone[1:] &= far
        alone[:-1] &= far
    alone &= ends - starts <= gap_m / 2
    out = np.zeros(len(flag), dtype=bool)
    out[idx[alone[run_id]]] = True
    return out


def _side_windows(du: np.ndarray, half: float) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Bounds (start, end exclusive) of the ``half`` metres of profile points before and after each point
    (itself excluded).

    The windows are those of a pandas rolling median (``closed="left"``) over the distance read as a time
    index in nanoseconds, forwards for the points before and backwards for the points after.
    """
    n = len(du)
    before = _left_closed_windows(du - du[0], half)
    back_start, _ = _left_closed_windows(du[-1] - du[::-1], half)
    return before, (np.arange(1, n + 1), n - back_start[::-1])


def _left_closed_windows(x: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the windows [x_i − width, x_i) over non-decreasing ``x`` (``end`` exclusive), on the integer
    nanoseconds a pandas time index would hold (so the windows are exactly pandas' ones)."""
    ns = pd.to_timedelta(x, unit="s").as_unit("ns").asi8
    w = pd.Timedelta(seconds=width).as_unit("ns").value
    return np.searchsorted(ns, ns - w, side="left"), np.arange(len(ns))


def _side_medians(du: np.ndarray, au: np.ndarray, half: float) -> tuple[np.ndarray, np.ndarray]:
    """Running medians of the profile over the ``half`` metres before and after each point (itself excluded,
    NaN left out)."""
    (sb, eb), (sa, ea) = _side_windows(du, half)
    return window_median(au, sb, eb), window_median(au, sa, ea)


def _spikes_and_steps(du: np.ndarray, au: np.ndarray, half: float) -> tuple[np.ndarray, np.ndarray]:
    """Profile points that are spikes, and positions k of the steps between point k−1 and k."""
    if len(du) < 3:
        return np.zeros(len(du), dtype=bool), np.zeros(0, dtype=int)
    limit = GRADE_MAX_RATIO * half / 2 + ALTITUDE_JUMP_MIN_M
    flag = np.zeros(len(du), dtype=bool)
    # a spike a few points long is a minority of each side's window
    windows = _side_windows(du, 2 * half)
    medians = [window_median(au, start, end) for start, end in windows]
    for _ in range(SPIKE_PASSES):  # each pass compares with the profile without the spikes found so far
        before, after = medians
        with np.errstate(invalid="ignore"):
            up = (au - before > limit) & (au - after > limit)
            down = (before - au > limit) & (after - au > limit)
            # A point with one side only (the ends of the run) is judged against that side.
            one = np.isnan(before) | np.isnan(after)
            side = np.where(np.isnan(before), after, before)
            up |= one & (au - side > limit)
            down |= one & (side - au > limit)
        new = flag | up | down
        if (new == flag).all():
            break
        # The next pass's medians: only the windows holding a newly left-out point change.
        changed = np.concatenate([[0], np.cumsum(new & ~flag)])
        flag = new
        values = np.where(flag, np.nan, au)
        for median, (start, end) in zip(medians, windows, strict=True):
            rows = np.flatnonzero(changed[np.maximum(end, start)] > changed[start])
            median[rows] = window_median(values, start[rows], end[rows])
    spike = _isolated(du, flag, 2 * half)
    keep = np.flatnonzero(~spike)
    jumps = np.abs(np.diff(au[keep])) > GRADE_MAX_RATIO * np.diff(du[keep]) + ALTITUDE_JUMP_MIN_M
    step = np.zeros(len(du), dtype=bool)
    step[keep[1:][jumps]] = True
    # A step is an isolated jump; jumps within a window of each other are noise (judged by the fit).
    return spike, np.flatnonzero(_isolated(du, step, 2 * half))


def _catch_up(du: np.ndarray, au: np.ndarray, spike: np.ndarray, k: int) -> bool:
    """Whether the step into point k continues the profile's trend over :data:`STEP_TREND_M` before it."""
    jump = au[k] - au[k - 1]
    ok = ~spike[:k]
    d, a = du[:k][ok], au[:k][ok]
    if len(d) < 2:
        return False
    j = np.searchsorted(d, d[-1] - STEP_TREND_M)
    span = d[-1] - d[j]
    if span < STEP_TREND_M / 2:
        return False
    trend = a[-1] - a[j]
    return bool(np.sign(trend) == np.sign(jump) and abs(trend) >= GRADE_ZERO_RATIO * span)


def _repaired(du: np.ndarray, au: np.ndarray, half: float):
    """The repaired profile (module docstring points 1–2); the spike mask; distances of the removed steps.

    Remembered for the last few profiles (:data:`_REPAIRED_MEMO_SIZE`), keyed by a digest of every input
    value: an analysis repairs the same cleaned profile for the grade (:func:`grade_for_run`) and for the
    climbs (:func:`plausible_altitude` in :mod:`runload.segments`).  The arrays returned are read-only.
    """
    key = (float(half), len(du), hashlib.blake2b(du.tobytes() + au.tobytes(), digest_size=20).digest())
    hit = _REPAIRED_MEMO.get(key)
    if hit is None:
        hit = _repair(du, au, half)
        remember_repairs({key: hit})
    return hit


_REPAIRED_MEMO: dict = {}
_REPAIRED_MEMO_SIZE = 4


def remembered_repairs() -> dict:
    """The repaired profiles :func:`_repaired` remembers (a copy of its memo, oldest first).

    For a batch's worker to carry the repairs of a first look (the grade, :func:`grade_for_run`) with the
    cleaned samples they were computed for, to the process that analyses the run later
    (:func:`remember_repairs` there), so the climbs (:func:`plausible_altitude`) need not repair the same
    profile again.  Opaque: keys digest every input value, so an entry is used only for its own profile.
    """
    return dict(_REPAIRED_MEMO)


def remember_repairs(entries: dict) -> None:
    """Add ``entries`` (from :func:`remembered_repairs`, possibly of another process) to the memo."""
    for key, value in entries.items():
        for x in value:
            x.setflags(write=False)  # the memo's arrays are shared: read-only (unpickled ones are not)
        _REPAIRED_MEMO.pop(key, None)
        _REPAIRED_MEMO[key] = value
    while len(_REPAIRED_MEMO) > _REPAIRED_MEMO_SIZE:
        _REPAIRED_MEMO.pop(next(iter(_REPAIRED_MEMO)))


def _repair(du: np.ndarray, au: np.ndarray, half: float):
    """:func:`_repaired` computed."""
    spike, steps = _spikes_and_steps(du, au, half)
    a = au.copy()
    if spike.any() and (~spike).sum() >= 2:
        a[spike] = np.interp(du[spike], du[~spike], au[~spike])
    removed = []
    for k in steps:
        jump = a[k] - a[k - 1]
        after = du >= du[k]
        a[after] -= jump  # the step out of the profile …
        if _catch_up(du, au, spike, k):  # … and a catch-up spread over the stretch before it instead
            ramp = np.clip((du - (du[k] - STEP_SPREAD_M)) / STEP_SPREAD_M, 0.0, 1.0)
            a += jump * np.where(after, 1.0, ramp)
        else:
            removed.append(du[k])
    return a, spike, np.asarray(removed, dtype=float)


def plausible_altitude(distance_m, altitude_m) -> np.ndarray:
    """Altitude [m] per sample with spikes and steps no runner climbs taken out (see the module docstring).

    Parameters
    ----------
    distance_m : array-like  [m]  cumulative horizontal distance, non-decreasing
    altitude_m : array-like  [m]  altitude (NaN where missing)

    Returns
    -------
    ndarray  [m]
        Same length; a spike is replaced by the altitude interpolated from its neighbours, the altitude
        after a reset is shifted by the step, and a catch-up is spread over the stretch before it, so
        summing its rises counts no spike or reset but does count a catch-up.
        NaN where the sample has no altitude or no distance.
    """
    du, au, _, inverse = _profile(distance_m, altitude_m)
    out = np.full(len(inverse), np.nan)
    if len(du) < 3:
        a = np.asarray(altitude_m, dtype=float)
        return np.where(inverse >= 0, a, np.nan)
    a, _, _ = _repaired(du, au, SPIKE_WINDOW_M / 2)
    used = inverse >= 0
    # The sample's own altitude plus the shift of its profile point (keeps the sample-level detail).
    raw = np.asarray(altitude_m, dtype=float)
    out[used] = raw[used] + (a - au)[inverse[used]]
    return out


def _hysteresis_climb(alt: np.ndarray, threshold_m: float) -> tuple[float, float]:
    """Ascent and descent [m] of a profile, turning points confirmed by a reversal of more than ``threshold_m``.

    Each climb counts from its lowest to its highest point (not in chunks of the threshold), so a clean
    profile gives its exact rises whatever the threshold below its smallest undulation.
    """
    a = alt[np.isfinite(alt)]
    if len(a) < 2:
        return 0.0, 0.0
    # Only local extrema can be turning points: drop the samples between them (fast on long runs).
    keep = np.ones(len(a), dtype=bool)
    dif = np.diff(a)
    nz = np.flatnonzero(dif)
    if len(nz):
        sign = np.sign(dif[nz])
        inner = nz[1:][sign[1:] == sign[:-1]]  # a sample inside a monotone stretch
        keep[inner] = False
    a = a[keep]
    ascent = descent = 0.0
    ref = ext = float(a[0])
    direction = 0
    for x in a[1:].tolist():
        if direction > 0:
            if x > ext:
                ext = x
            elif ext - x > threshold_m:
                ascent += ext - ref
                ref, ext, direction = ext, x, -1
        elif direction < 0:
            if x < ext:
                ext = x
            elif x - ext > threshold_m:
                descent += ref - ext
                ref, ext, direction = ext, x, 1
        elif abs(x - ref) > threshold_m:
            ext, direction = x, (1 if x > ref else -1)
    if direction > 0:
        ascent += ext - ref
    elif direction < 0:
        descent += ref - ext
    return ascent, descent


def climb_m(distance_m, altitude_m, counted=None, *, source: str = "barometric") -> tuple[float, float]:
    """Total ascent and descent [m] of a run, from the profile the grade is computed from.

    Parameters
    ----------
    distance_m : array-like  [m]  cumulative horizontal distance (NaN where unknown)
    altitude_m : array-like  [m]  recorded altitude (NaN where missing)
    counted : array-like of bool, optional
        ``counted[i]``: the change from sample i−1 to i is timer time (an altitude change across a
        pause counts neither way).  Default: every change counts.
    source : {"barometric", "gps"}  sets the hysteresis (:data:`ASCENT_HYSTERESIS_M`)

    Returns
    -------
    ascent_m, descent_m : float  [m]
        Summed by hysteresis (module docstring point 5) on :func:`plausible_altitude` (spikes and resets
        out, catch-ups in), so ∫ max(grade, 0)·dd of :func:`grade_for_run` tells the same story.  Samples
        without a distance keep their recorded altitude.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.arange(0.0, 1000.0)
    >>> alt = 100 + np.round(0.05 * np.minimum(d, 1000 - d))  # 25 m up and down, in 1 m steps
    >>> climb_m(d, alt)
    (25.0, 25.0)
    """
    if source not in ASCENT_HYSTERESIS_M:
        raise InvalidMethodError("altitude_source", source, tuple(ASCENT_HYSTERESIS_M))
    alt = np.asarray(altitude_m, dtype=float)
    dist = np.asarray(distance_m, dtype=float)
    plausible = plausible_altitude(np.fmax.accumulate(dist), alt)  # non-decreasing, as the grade sees it
    alt = np.where(np.isnan(plausible), alt, plausible)
    ok = np.isfinite(alt)
    if ok.sum() < 2:
        return 0.0, 0.0
    counted = np.ones(len(alt), dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    a, idx = alt[ok], np.flatnonzero(ok)
    # The profile with the changes outside timer time taken out (a pause joins the stretches either side):
    # a change between two samples with altitude counts when every sample step between them does.
    not_counted = np.cumsum(~counted)
    change = np.where(not_counted[idx[1:]] == not_counted[idx[:-1]], np.diff(a), 0.0)
    profile = np.concatenate([[a[0]], a[0] + np.cumsum(change)])
    return _hysteresis_climb(profile, ASCENT_HYSTERESIS_M[source])


def _cum(v: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(v)])


def _grid(du: np.ndarray, au: np.ndarray) -> tuple:
    """The profile resampled every :data:`GRID_STEP_M` and the cumulative sums of the line fit (the part of
    :func:`_window_fit` that does not depend on the window, computed once for every window of a profile)."""
    step = max(GRID_STEP_M, (du[-1] - du[0]) / MAX_GRID_POINTS)
    n_grid = int(np.floor((du[-1] - du[0]) / step)) + 1
    u = step * np.arange(n_grid)
    y = np.interp(du[0] + u, du, au)
    y = y - y.mean()
    return step, n_grid, u, (_cum(np.ones(n_grid)), _cum(u), _cum(y), _cum(u * u), _cum(u * y), _cum(y * y))


def _window_fit(du: np.ndarray, au: np.ndarray, tu: np.ndarray | None, at: np.ndarray, half: float,
                grid: tuple | None = None):
    """Least-squares slope of the profile over [x − half, x + half] at each distance ``at``.

    Returns (slope [-], standard error of the slope [-], profile points in the window, span [m]).  The
    fit is computed on the profile resampled every :data:`GRID_STEP_M`; the residual variance is averaged
    over the window around each point (the noise of a stretch, not of one window).  ``grid``:
    :func:`_grid` of the same profile, when the caller already has it.
    """
    step, n_grid, u, (c1, cx, cy, cxx, cxy, cyy) = grid if grid is not None else _grid(du, au)
    cum = _cum

    def bounds(x):
        lo = np.clip(np.ceil((x - half) / step - 1e-9), 0, n_grid - 1).astype(int)
        hi = np.clip(np.floor((x + half) / step + 1e-9), 0, n_grid - 1).astype(int) + 1
        return lo, hi

    lo, hi = bounds(u)
    m = c1[hi] - c1[lo]
    sx, sy, sxx, sxy, syy = (c[hi] - c[lo] for c in (cx, cy, cxx, cxy, cyy))
    with np.errstate(divide="ignore", invalid="ignore"):
        vxx = sxx - sx * sx / m
        vxy = sxy - sx * sy / m
        slope = vxy / vxx
        resid = np.maximum(syy - sy * sy / m - slope * vxy, 0.0) / m
        c_resid = cum(np.nan_to_num(resid))
        resid = (c_resid[hi] - c_resid[lo]) / m  # over the stretch
        span = step * (m - 1)
        # Independent samples in the window: recorded points, at most one per NOISE_CORRELATION_S.
        i_lo = np.searchsorted(du, du[0] + step * lo, side="left")
        i_hi = np.searchsorted(du, du[0] + step * (hi - 1), side="right")
        points = i_hi - i_lo
        n_ind = points.astype(float)
        if tu is not None:
            duration = tu[np.maximum(i_hi - 1, 0)] - tu[np.minimum(i_lo, len(tu) - 1)]
            n_ind = np.minimum(n_ind, np.abs(duration) / NOISE_CORRELATION_S)
        n_ind = np.maximum(n_ind, 1.0)
        se = np.sqrt(resid) * np.sqrt(12.0 / n_ind) / span
    k = np.clip(np.rint((at - du[0]) / step), 0, n_grid - 1).astype(int)
    # The slope at the sample's own distance (linear between grid points); the rest from the nearest point.
    slope_at = np.interp(at, du[0] + u, slope)
    return slope_at, se[k], points[k], span[k]


def _finish(ratio: np.ndarray) -> np.ndarray:
    """Clamp to ±45 % and zero |i| < 1 % (science.md §2.6); ratio → percent."""
    ratio = np.clip(ratio, -GRADE_MAX_RATIO, GRADE_MAX_RATIO)
    ratio = np.where(np.abs(ratio) < GRADE_ZERO_RATIO, 0.0, ratio)
    return 100.0 * ratio


def grade_from_altitude(distance_m, altitude_m, window_m: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
    """Grade [%] by a least-squares line over a centred horizontal-distance window, and its uncertainty.

    Parameters
    ----------
    distance_m : array-like  [m]  cumulative horizontal distance, non-decreasing
    altitude_m : array-like  [m]  altitude (NaN where missing)
    window_m : float  [m]  full window width (≥ 30 m barometric, ≥ 100 m GPS)

    Returns
    -------
    grade_pct : ndarray  [%]
        Slope of the line fitted to the profile over [d − w/2, d + w/2] (clipped at the ends; NaN when
        less than half a window of distance, or fewer than two recorded points, are in it), clamped to
        ±45 %, and 0 where |i| < 1 %.  No spike, step or noise judgement: see :func:`grade_for_run`.
    se_ratio : ndarray  [-]  standard error of each slope (see the module docstring)

    Examples
    --------
    >>> import numpy as np
    >>> d = np.arange(0.0, 200.0, 3.0)
    >>> g, _ = grade_from_altitude(d, 100 + np.floor(0.05 * d))  # 5 %, quantised to 1 m steps
    >>> bool(abs(np.nanmean(g[10:-10]) - 5.0) < 0.5)
    True
    """
    d = np.asarray(distance_m, dtype=float)
    du, au, tu, _ = _profile(d, altitude_m)
    out = np.full(d.shape, np.nan)
    se = np.full(d.shape, np.nan)
    half = window_m / 2.0
    if len(du) < 3 or du[-1] - du[0] < half:
        return out, se
    at = np.isfinite(d)
    slope, err, points, span = _window_fit(du, au, None, d[at], half)
    bad = (span < half) | (points < 2)
    out[at] = np.where(bad, np.nan, _finish(slope))
    se[at] = np.where(bad, np.nan, err)
    return out, se


def _length(d: np.ndarray, mask: np.ndarray) -> float:
    """Distance [m] covered by the samples in ``mask`` (each sample to the next)."""
    inc = np.nan_to_num(np.diff(d, append=d[-1]) if len(d) else d)
    return float(inc[mask].sum())


def grade_for_run(elapsed_s, distance_m, altitude_m, *, source: str, window_m: float | None = None,
                  device_grade_pct=None) -> tuple[np.ndarray, list[str]]:
    """Grade [%] of every sample, unknown (NaN) only where the altitude is locally implausible.

    Parameters
    ----------
    elapsed_s : array-like  [s]  time of each sample since the start
    distance_m : array-like  [m]  cleaned cumulative horizontal distance, non-decreasing
    altitude_m : array-like  [m]  smoothed altitude (NaN where missing)
    source : {"barometric", "gps"}  decides the first window (:data:`GRADE_WINDOWS_M`)
    window_m : float, optional  [m]  the first window instead of the source's (longer fallbacks kept)
    device_grade_pct : array-like, optional  [%]
        The device's own grade (already smoothed), used only when the run has no altitude.

    Returns
    -------
    grade_pct : ndarray  [%]
        Spikes, steps and noisy stretches handled as the module docstring says; clamped to ±45 %, 0
        where |i| < 1 %.
    notes : list of str
        Warnings to give (what was left unknown and why); empty when every sample with altitude has a grade.
    """
    d = np.asarray(distance_m, dtype=float)
    alt = np.asarray(altitude_m, dtype=float)
    n = len(d)
    notes: list[str] = []
    if np.isfinite(alt).sum() < 3:
        if device_grade_pct is not None and np.isfinite(device_grade_pct).sum() >= 3:
            return _finish(np.asarray(device_grade_pct, dtype=float) / 100.0), notes
        return np.full(n, np.nan), notes
    windows = list(GRADE_WINDOWS_M[source])
    if window_m is not None:
        windows = [float(window_m)] + [w for w in windows if w > window_m]
    du, au, tu, inverse = _profile(d, alt, elapsed_s)
    out = np.full(n, np.nan)
    if len(du) < 3 or du[-1] - du[0] < windows[0] / 2:
        return out, notes
    a, spike, step_at = _repaired(du, au, SPIKE_WINDOW_M / 2)
    at = np.isfinite(d)
    grade = np.full(at.sum(), np.nan)
    grid = _grid(du, a)
    for w in windows:
        if not np.isnan(grade).any():  # every sample has its grade: a longer window changes nothing
            break
        slope, se, points, span = _window_fit(du, a, tu, d[at], w / 2, grid)
        good = np.isnan(grade) & (span >= w / 2) & (points >= 2) & (se <= GRADE_SE_MAX_RATIO)
        grade[good] = slope[good]
    out[at] = _finish(grade)
    is_spike = (inverse >= 0) & spike[np.maximum(inverse, 0)]
    out[is_spike] = np.nan
    noisy = at & np.isnan(out) & ~is_spike
    if is_spike.any() or len(step_at) or noisy.any():
        parts = []
        if noisy.any():
            parts.append(f"altitude too noisy over {_length(d, noisy):.0f} m")
        if is_spike.any():
            parts.append(f"{int(spike.sum())} altitude spike(s)")
        if len(step_at):
            parts.append(f"{len(step_at)} altitude step(s) no runner climbs")
        share = 100.0 * np.isnan(out[at]).mean()
        notes.append(f"grade left unknown on {share:.0f} % of the samples ({', '.join(parts)}); "
                     "the rest of the run keeps its grade")
    return out, notes
