"""Whole-run totals computed from the samples, the way a running watch computes them.

:func:`summarize_run` is a pure function of a :class:`~runload.run.Run` (FIT, GPX or TCX).  Its totals are
checked against the watch's own session message (``Run.meta.watch``) in the tests, so the definitions
below follow what Garmin watches write:

* ``timer_s`` is the time the timer ran, from runload's one timer (:func:`runload.clean.sample_intervals`):
  the merged ``RunMeta.timer_intervals`` when the reader found them (FIT timer start → stop events; for
  GPX/TCX the stretches between recording splits and pauses, see :mod:`runload.io._track`); else the time
  between samples while ``timer_on``; else the time between samples with pauses
  (:func:`runload.io._track.pause_after`) left out.  It equals the sum of the cleaned samples' weights
  (``clean_samples(run)["dt_s"].sum()``).
* ``distance_m`` is the recorded cumulative distance after values inconsistent with their neighbours are
  treated as missing (:func:`runload.distance_repair.repair_distance`), so it is never negative and one
  out-of-order point cannot change it.
* ``avg_cadence_spm`` (and ``avg_heart_rate_bpm``) average over timer time, zeros included (standing
  still at a crossing lowers the watch's average cadence too), each sample weighted by half the timer
  time to each neighbour.  Measured on the corpus' Garmin files: this matches the watch's
  ``2 × (avg_running_cadence + avg_fractional_cadence)`` within 0.4 spm on every running file but one
  56-second file; leaving zeros out is off by up to 25 spm (FR965 ``garmin-stamina.fit``), weighting by
  the time to the previous sample alone by up to 0.8 spm.
* ``avg_speed_mps`` is distance / timer time, like the watch's ``avg_speed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clean import sample_intervals
from .distance_repair import repair_distance
from .geo import cumulative_distance_m, haversine_m
from .grade import altitude_source, climb_m
from .run import Run
from .stats import weighted_mean

__all__ = ["summarize_run"]


def summarize_run(run: Run) -> dict:
    """Totals of one run, from its samples.

    Parameters
    ----------
    run : Run
        Any run (samples follow :mod:`runload.schema`).

    Returns
    -------
    dict
        ``start`` (ISO 8601 UTC or None), ``n_samples``, ``elapsed_s`` [s] (first to last sample),
        ``timer_s`` [s] (time the timer ran), ``distance_m`` [m], ``avg_speed_mps`` [m/s],
        ``avg_cadence_spm`` [steps/min], ``avg_heart_rate_bpm`` and ``max_heart_rate_bpm`` [1/min],
        ``ascent_m``/``descent_m`` [m] (only when the run has altitude), ``columns`` (canonical columns
        present) and ``watch`` (the watch's own totals as a dict, or None).  Values a run cannot give
        are NaN.
    """
    s = run.samples
    n = len(s)
    times_s = (s.index - s.index[0]).total_seconds().to_numpy(dtype="float64") if n else np.zeros(0)
    # seg[i]: timer time of the segment ending at sample i (runload's one timer, runload.clean)
    timer_dt = sample_intervals(run)[1] if n else np.zeros(0)
    seg = np.concatenate([[0.0], timer_dt[:-1]]) if n else np.zeros(0)
    on = seg > 0  # on[i]: the segment ending at sample i counts as timer time
    # Each sample stands for half of the timer time to each neighbour (trapezoidal time weights).
    weights = (seg + np.append(seg[1:], 0.0)) / 2.0

    out: dict = {
        "start": s.index[0].isoformat() if n else (run.meta.start.isoformat() if run.meta.start else None),
        "n_samples": n,
        "elapsed_s": float(times_s[-1]) if n else np.nan,
        "timer_s": float(timer_dt.sum()) if n else np.nan,
        "distance_m": _distance_m(s, times_s),
    }
    out["avg_speed_mps"] = (
        out["distance_m"] / out["timer_s"] if out["timer_s"] > 0 else np.nan
    )
    out["avg_cadence_spm"] = _column_mean(s, "cadence_spm", weights)
    out["avg_heart_rate_bpm"] = _column_mean(s, "heart_rate_bpm", weights)
    out["max_heart_rate_bpm"] = float(s["heart_rate_bpm"].max()) if _has(s, "heart_rate_bpm") else np.nan
    if _has(s, "altitude_m"):
        out["ascent_m"], out["descent_m"] = _climb_m(s, on, times_s, altitude_source(run))
    out["columns"] = list(s.columns)
    out["watch"] = run.meta.watch.as_dict() if run.meta.watch is not None else None
    return out


def _has(s: pd.DataFrame, name: str) -> bool:
    return name in s.columns and bool(s[name].notna().any())


def _distance_m(s: pd.DataFrame, times_s: np.ndarray) -> float:
    """Distance covered [m]: the recorded cumulative distance (repaired), else the sum of great-circle steps."""
    if _has(s, "distance_m"):
        d = repair_distance(times_s, s["distance_m"].to_numpy(dtype="float64"))[0]
        return float(d[-1]) if 0 <= d[0] <= _START_SLACK_M else float(d[-1] - d[0])
    if _has(s, "latitude_deg") and _has(s, "longitude_deg"):
        pos = s[["latitude_deg", "longitude_deg"]].dropna().to_numpy()
        return float(np.nansum(haversine_m(pos[:-1, 0], pos[:-1, 1], pos[1:, 0], pos[1:, 1])))
    return np.nan


#: When the first recorded distance is at most this [m], the run's distance counts from 0 (the watch
#: starts counting at the timer start; the first record may already carry a few metres).  A larger first
#: value means the distance continues from an earlier session of a multisport file.
_START_SLACK_M = 50.0


def _column_mean(s: pd.DataFrame, name: str, weights: np.ndarray) -> float:
    """Time-weighted mean of a column over timer time (missing values left out, zeros kept)."""
    return weighted_mean(s[name], weights) if _has(s, name) else np.nan


def _climb_m(s: pd.DataFrame, on: np.ndarray, times_s: np.ndarray, source: str = "barometric") -> tuple[float, float]:
    """Total ascent and descent [m] over timer time: :func:`runload.grade.climb_m` on the run's samples.

    Hysteresis on the plausible altitude (the profile the grade is computed from: spikes and resets out,
    barometric catch-ups in), so the ascent shown and the grade the loads use tell one story.  ``source``
    ({"barometric", "gps"}, :func:`runload.grade.altitude_source`) sets the hysteresis.
    """
    if _has(s, "distance_m"):  # repaired as for the distance total: one bad value cannot freeze it
        dist = repair_distance(times_s, s["distance_m"].to_numpy(dtype=float))[0]
    elif _has(s, "latitude_deg") and _has(s, "longitude_deg"):
        dist = cumulative_distance_m(s["latitude_deg"].to_numpy(dtype=float), s["longitude_deg"].to_numpy(dtype=float))
    else:
        dist = np.full(len(s), np.nan)
    return climb_m(dist, s["altitude_m"].to_numpy(dtype=float), on, source=source)
