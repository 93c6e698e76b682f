"""Repair of a recorded cumulative distance: values inconsistent with their neighbours, and resets.

A watch's cumulative distance never decreases.  When a recorded value does not fit the values around
it — a distance far above (or below) both neighbours, a point whose timestamp placed it at the wrong
position (a TCX trackpoint stamped 10 s before the start is sorted first, carrying the distance of the
run's end), two neighbours with swapped timestamps — taking the running maximum would let that one value
freeze the distance of every later sample (issue 8, defect 2).  :func:`inconsistent_distance` finds
those values instead, so that the caller can treat them as missing and interpolate: a bad value affects
only its own sample.

The consistent values are the longest non-decreasing subsequence of the recorded ones (patience sorting,
O(n log n)): a value is kept when most of the run agrees with it, whatever its position.  A *reset* —
the distance falls below every one of the :data:`RESET_MIN_SAMPLES` values before it and the following
:data:`RESET_MIN_SAMPLES` values rise again from the lower level without reaching the level before (a
device restart, a lap-relative distance) — is "a decrease that later samples follow": the values after it are continued from the value
before it (:func:`continue_resets`) instead of being discarded.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

__all__ = ["RESET_MIN_SAMPLES", "inconsistent_distance", "continue_resets", "repair_distance"]

#: A fall in distance is a reset (continued, not discarded) only when at least this many samples
#: before it and after it are each consistent on their own.  A single bad value or a few swapped
#: timestamps never make such a pattern; a lap-relative or restarted distance does [D].
RESET_MIN_SAMPLES = 30
#: [m] A recorded cumulative distance beyond once round the Earth, or below zero, is no distance of a run:
#: that sample's value is treated as missing (issue 12: a negative first value made the whole analysed
#: distance negative; 1e12 m overflowed the grade's distance windows).
MAX_RECORDED_DISTANCE_M = 40_075_000.0


def inconsistent_distance(distance_m) -> np.ndarray:
    """Which recorded distances do not fit the non-decreasing sequence most samples follow.

    Parameters
    ----------
    distance_m : array-like  [m]
        Recorded cumulative distance in sample order; NaN where missing.

    Returns
    -------
    numpy.ndarray of bool
        True for finite values outside a longest non-decreasing subsequence of the finite values (a
        spike above, or a dip below, its neighbours is left out; where two values only disagree with
        each other, one of them is).  NaN values are False (already missing).
    """
    d = np.asarray(distance_m, dtype=float)
    idx = np.flatnonzero(np.isfinite(d))
    bad = np.zeros(d.shape, dtype=bool)
    if idx.size < 2 or np.all(np.diff(d[idx]) >= 0):
        return bad
    values = d[idx]
    tails: list[float] = []  # smallest tail value of a non-decreasing subsequence of each length
    tail_pos: list[int] = []
    prev = np.full(values.size, -1, dtype=np.int64)
    for k, x in enumerate(values):
        j = bisect_right(tails, x)
        if j == len(tails):
            tails.append(x)
            tail_pos.append(k)
        else:
            tails[j] = x
            tail_pos[j] = k
        prev[k] = tail_pos[j - 1] if j > 0 else -1
    keep = np.zeros(values.size, dtype=bool)
    k = tail_pos[-1]
    while k >= 0:
        keep[k] = True
        k = prev[k]
    bad[idx[~keep]] = True
    return bad


def continue_resets(distance_m) -> tuple[np.ndarray, list[int]]:
    """Continue the distance across resets (see the module docstring).

    Parameters
    ----------
    distance_m : array-like  [m]  recorded cumulative distance, NaN where missing

    Returns
    -------
    distance_m : numpy.ndarray  [m]
        With the values from each reset on shifted so that the distance does not change across it.
    resets : list of int
        Sample positions where a reset starts.
    """
    d = np.asarray(distance_m, dtype=float).copy()
    idx = np.flatnonzero(np.isfinite(d))
    n = RESET_MIN_SAMPLES
    resets: list[int] = []
    if idx.size < 2 * n:
        return d, resets
    values = d[idx]
    drops = np.flatnonzero(np.diff(values) < 0) + 1
    offset = 0.0
    for k in drops:
        if k < n or k + n > values.size:
            continue
        before = values[k - n:k] + offset
        after = values[k:k + n] + offset
        if (after[0] < before.min() and after[-1] < before[-1] and np.all(np.diff(before) >= 0)
                and np.all(np.diff(after) >= 0)):
            shift = before[-1] - after[0]
            offset += shift
            values[k:] += shift
            resets.append(int(idx[k]))
    d[idx] = values
    return d, resets


def repair_distance(elapsed_s, distance_m) -> tuple[np.ndarray, int, list[int]]:
    """A non-decreasing cumulative distance in which a bad value affects only its own sample.

    Parameters
    ----------
    elapsed_s : array-like  [s]  sample times, non-decreasing
    distance_m : array-like  [m]  recorded cumulative distance, NaN where missing

    Returns
    -------
    distance_m : numpy.ndarray  [m]
        Resets continued (:func:`continue_resets`), inconsistent values (:func:`inconsistent_distance`)
        and missing values linearly interpolated in time from the neighbouring good values (held at the
        ends); all-NaN stays all-NaN.
    n_inconsistent : int
        Number of recorded values treated as missing because they did not fit their neighbours, or were
        out of range (negative, or beyond :data:`MAX_RECORDED_DISTANCE_M`).
    resets : list of int
        Sample positions where the distance was reset and continued.
    """
    t = np.asarray(elapsed_s, dtype=float)
    d = np.array(distance_m, dtype=float)
    with np.errstate(invalid="ignore"):
        out_of_range = (d < 0.0) | (d > MAX_RECORDED_DISTANCE_M)
    d[out_of_range] = np.nan
    d, resets = continue_resets(d)
    bad = inconsistent_distance(d)
    d[bad] = np.nan
    bad |= out_of_range
    ok = np.isfinite(d)
    if ok.any() and not ok.all():
        d = np.interp(t, t[ok], d[ok])
    return d, int(bad.sum()), resets
