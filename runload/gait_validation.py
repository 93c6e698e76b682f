"""How well the contact-time model reproduces a run's own device contact time (the validation core).

The README's accuracy figure, ``benchmarks/validate_gait.py`` and ``tests/test_gait_accuracy.py`` all
score the model with these functions, so they cannot drift apart:

- :func:`device_reference`: the reference (the device ``stance_time`` per science.md §1.4: 120–450 ms,
  7 s rolling median, cadence ≥ 140 spm, speed ≥ 1.8 m/s, flight ≥ 10 ms) and the scored seconds (running
  seconds with a timer weight, **excluding accelerations** |dv/dt| > 0.3 m/s², §1.5.7: the steady-state
  model does not apply there);
- :func:`score_contact_time`: hide the device value, estimate contact time with ``gait_source="model"``
  and return the time-weighted MAE and bias on the scored seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .clean import ACCELERATING_MPS2
from .gait import MODEL_INPUT_WINDOW_S, compute_gait, device_contact_time
from .profile import AthleteProfile

__all__ = ["ContactTimeScore", "device_reference", "error_stats", "score_contact_time"]


@dataclass(frozen=True)
class ContactTimeScore:
    """Model against device contact time on one run.

    Attributes
    ----------
    mae_ms, bias_ms : float  [ms]  time-weighted mean |estimate − device| and mean (estimate − device)
    scored_s : float  [s]  seconds scored (weights ``dt_s``)
    valid_s : float  [s]  running seconds with a valid device value (accelerations included)
    """

    mae_ms: float
    bias_ms: float
    scored_s: float
    valid_s: float


def device_reference(cleaned: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference contact time and the masks of valid and scored seconds.

    Parameters
    ----------
    cleaned : pandas.DataFrame
        From :func:`runload.clean.clean_samples` (``stance_time_ms``, ``state``, ``dt_s``,
        ``acceleration_mps2``).

    Returns
    -------
    reference_ms : ndarray  [ms]  the smoothed device value (:func:`runload.gait.device_contact_time`)
    valid : ndarray of bool  running, timer weight > 0, device value valid (science.md §1.4)
    scored : ndarray of bool  ``valid`` and not accelerating (|dv/dt| ≤ 0.3 m/s²)
    """
    dev, dev_ok = device_contact_time(cleaned)
    w = cleaned["dt_s"].to_numpy(dtype=float)
    running = cleaned["state"].to_numpy(dtype=object) == "running"
    valid = dev_ok & running & (w > 0)
    acc = cleaned["acceleration_mps2"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        scored = valid & ~(np.abs(acc) > ACCELERATING_MPS2)
    return dev, valid, scored


def error_stats(estimate_ms, reference_ms, weights_s) -> tuple[float, float]:
    """(MAE, bias) of estimate − reference [ms], weighted by ``weights_s``; NaN where nothing is finite."""
    e = np.asarray(estimate_ms, dtype=float) - np.asarray(reference_ms, dtype=float)
    w = np.asarray(weights_s, dtype=float)
    ok = np.isfinite(e) & (w > 0)
    if not ok.any():
        return float("nan"), float("nan")
    return float(np.average(np.abs(e[ok]), weights=w[ok])), float(np.average(e[ok], weights=w[ok]))


def score_contact_time(cleaned: pd.DataFrame, profile: AthleteProfile | None = None, *,
                       speed_exponent: float | None = None,
                       input_window_s: float | None = MODEL_INPUT_WINDOW_S) -> ContactTimeScore:
    """Estimate contact time with the device value hidden and score it against the device.

    Parameters
    ----------
    cleaned : pandas.DataFrame
        A cleaned run with device contact time.
    profile : AthleteProfile, optional
        As ``runload analyze`` would use it (e.g. :func:`runload.profile.profile_for_run`).
    speed_exponent, input_window_s
        Passed to :func:`runload.gait.compute_gait` (defaults: the profile's, 30 s).

    Returns
    -------
    ContactTimeScore
        NaN errors when the run has no scored second.
    """
    reference, valid, scored = device_reference(cleaned)
    est = compute_gait(cleaned, profile, "model", input_window_s=input_window_s,
                       speed_exponent=speed_exponent)["contact_time_ms"].to_numpy(dtype=float)
    w = cleaned["dt_s"].to_numpy(dtype=float)
    mae, bias = error_stats(est, reference, np.where(scored, w, 0.0))
    return ContactTimeScore(mae_ms=mae, bias_ms=bias, scored_s=float(w[scored].sum()),
                            valid_s=float(w[valid].sum()))
