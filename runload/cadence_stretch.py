"""Cadence recorded at half the step rate over a stretch of a run (strides/min instead of steps/min).

The readers convert a whole file whose cadence is in strides/min (:func:`runload.io._track.apply_cadence_unit`,
FIT's 2 × cadence).  Some files switch convention for a stretch only: a Suunto file records ~86 "spm" at
5:20 /km over 3 km (issue 8, defect 4).  Judged per sample those seconds look like walking and get a
walking contact time.  Here the unit is judged per stretch against speed (science.md §1.2, §1.5.8):

* step length = speed · 60 / cadence.  Walking steps are at most about 1 m long (a fast walk, 2 m/s at
  120 steps/min); running steps below 2 m/s or so are shorter still.  A cadence below
  :data:`~runload.io._track.STRIDES_MEDIAN_LIMIT_SPM` that implies a step longer than
  :data:`HALF_CADENCE_STEP_MIN_M` at a running speed (at least :data:`HALF_CADENCE_SPEED_MIN_MPS`) is
  a stride rate: at 3 m/s, 86 steps/min would be 2.1-m steps, 172 steps/min are 1.05-m steps.
* A *stretch* is a maximal run of samples none of which has a cadence at or above that limit (a device
  that counts strides writes every value of the stretch below it).  It is doubled when at least
  :data:`HALF_CADENCE_MIN_S` seconds, and at least half of its moving time, are such seconds.

The cleaning stage (:func:`runload.clean.clean_samples`) doubles the stretch's cadence and warns naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .io._track import STRIDES_MEDIAN_LIMIT_SPM

__all__ = ["HALF_CADENCE_STEP_MIN_M", "HALF_CADENCE_SPEED_MIN_MPS", "HALF_CADENCE_MIN_S",
           "HalfCadenceStretch", "half_cadence_stretches"]

#: An implied step this long [m] at a cadence below the strides limit is a stride, not a step: walking
#: steps reach about 1 m (2 m/s at 120 steps/min); a half-counted running cadence implies twice the real
#: running step, ≥ 1.4 m even at 2 m/s and 170 steps/min [D].
HALF_CADENCE_STEP_MIN_M = 1.3
#: Below this speed [m/s] GPS speed noise is too large to judge a step length [D].
HALF_CADENCE_SPEED_MIN_MPS = 1.5
#: A stretch is doubled only when it holds at least this much time [s] of half-cadence evidence, so a
#: few seconds of a cadence sensor's dropout never re-scale anything [D].
HALF_CADENCE_MIN_S = 30.0


@dataclass(frozen=True)
class HalfCadenceStretch:
    """One stretch recorded at half the step rate: samples ``first``…``last`` (inclusive).

    ``start_s``/``end_s`` [s] elapsed time, ``distance_m`` [m] covered (NaN without distance),
    ``median_cadence_spm`` [steps/min] as recorded and ``median_speed_mps`` [m/s].
    """

    first: int
    last: int
    start_s: float
    end_s: float
    distance_m: float
    median_cadence_spm: float
    median_speed_mps: float

    def describe(self) -> str:
        """Plain-language description of the stretch, for a warning."""
        where = f"from {_clock(self.start_s)} to {_clock(self.end_s)}"
        if np.isfinite(self.distance_m):
            where += f" ({self.distance_m / 1000:.1f} km)"
        return (f"cadence {self.median_cadence_spm:.0f} steps/min at {self.median_speed_mps:.1f} m/s {where} is "
                "half the step rate of a runner at that speed; counted as strides/min and doubled")


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def half_cadence_stretches(elapsed_s, speed_mps, cadence_spm, distance_m=None) -> list[HalfCadenceStretch]:
    """Stretches whose cadence is a stride rate (see the module docstring).

    Parameters
    ----------
    elapsed_s : array-like  [s]  sample times, non-decreasing
    speed_mps : array-like  [m/s]  speed (NaN where unknown)
    cadence_spm : array-like  [steps/min]  cadence as recorded (NaN where missing)
    distance_m : array-like, optional  [m]  cumulative distance, to name the stretch

    Returns
    -------
    list of HalfCadenceStretch
        In time order; empty when no stretch qualifies.
    """
    t = np.asarray(elapsed_s, dtype=float)
    v = np.asarray(speed_mps, dtype=float)
    c = np.asarray(cadence_spm, dtype=float)
    n = len(t)
    if n < 2:
        return []
    dt = np.diff(t, append=t[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        stepping = (c > 0) & (v >= HALF_CADENCE_SPEED_MIN_MPS)
        half = stepping & (c < STRIDES_MEDIAN_LIMIT_SPM) & (v * 60.0 / c > HALF_CADENCE_STEP_MIN_M)
        low = ~(c >= STRIDES_MEDIAN_LIMIT_SPM)  # NaN counts as low: it does not contradict strides
    edges = np.flatnonzero(np.diff(np.concatenate([[0], low.astype(np.int8), [0]])))
    d = np.full(n, np.nan) if distance_m is None else np.asarray(distance_m, dtype=float)
    out = []
    for a, b in zip(edges[::2], edges[1::2] - 1, strict=True):
        half_s = dt[a:b + 1][half[a:b + 1]].sum()
        moving_s = dt[a:b + 1][stepping[a:b + 1]].sum()
        if half_s < HALF_CADENCE_MIN_S or half_s < 0.5 * moving_s:
            continue
        sel = np.arange(a, b + 1)[half[a:b + 1]]
        end = min(b + 1, n - 1)
        out.append(HalfCadenceStretch(
            first=int(a), last=int(b), start_s=float(t[a]), end_s=float(t[end]),
            distance_m=float(d[end] - d[a]) if np.isfinite(d[end] - d[a]) else np.nan,
            median_cadence_spm=float(np.median(c[sel])), median_speed_mps=float(np.median(v[sel]))))
    return out
