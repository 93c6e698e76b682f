"""Gait timing per sample: contact, flight and swing time, duty factor and sub-phases (science.md §1).

:func:`compute_gait` works on the frame from :func:`runload.clean.clean_samples` and returns the gait
columns of :class:`runload.analysis.Analysis` (same index).  Where the file has a plausible device
contact time (``stance_time_ms``, §1.4) it is used; otherwise contact time comes from the inverse
spring–mass model of Morin et al. 2005 [1]_ with the cadence-dependent stiffness of Farley & González
1996 [2]_ (§1.5.3, implemented in :mod:`runload.springmass`).  Walking, and running samples for which
the model has no root (flight time would be negative), use the walking branch of §1.5.7 — never a second
the watch measured as running (§1.5.8, :func:`measured_running`).

Coefficients: every coefficient (k̂_ref, exponents, preferred cadence and its clamps, thresholds,
plausibility ranges, input window, power law, sub-phases) is read from the versioned model file
``runload/models/gait_v3.toml`` (:mod:`runload.gait_model`); :data:`GAIT_MODEL_ID`, recorded in
``Analysis.model_versions["gait"]``, is the file's version.

Device-equivalence speed term (deviation from science.md §1.5.3, decided under §1.5.8): the target
stiffness carries a factor (v / 3 m/s)^δ with a population δ fitted to the watches' contact time of the
shared corpus (gait_v3: δ = −0.5), adopted because leave-one-repository-out cross-validation lowered the
median per-file error (docs/gait_validation.md).  It is not physiology: it makes the estimate comparable
with what a watch reports, whose contact time falls less with speed than the spring–mass model's.  δ = 0
is the science.md model (the §1.5.5 table holds for it).

Model inputs (deviation from science.md Appendix A, which feeds the 5 s median speed straight into the
model): the model gets speed and cadence averaged over a centred **30 s** window of running time
(:func:`model_inputs`, time-weighted, :data:`MODEL_INPUT_WINDOW_S`).  The inverse model is a
steady-state relation between step-averaged quantities, and per-second GPS speed and cadence noise
otherwise goes straight into tc (measured on the shared Garmin files, docs/gait_validation.md: with the
per-file bias removed, the median MAE vs the watch's contact time falls from 9.3 ms with the 5 s
inputs to 8.5 ms with 30 s; 10 s gives 9.1, 60 s 8.6 — longer windows smear real pace changes of
interval runs).  A constant or slowly changing input is unchanged, so the §1.5.5 table still holds.

Sources (``contact_time_source``):

``device``   the watch's stance time, 7 s rolling median, within the §1.4 plausibility rules
``model``    inverse Morin model; without cadence the power law tc = 0.53·v^−0.62 s (§1.5.5)
``walking``  tc = 0.62·T_stride, flight 0 (Novacheck 1998, §1.5.7)
``none``     no estimate (standing, paused, or inputs missing)

References
----------
.. [1] Morin JB, Dalleau G, Kyröläinen H, Jeannin T, Belli A. A simple method for measuring stiffness
   during running. J Appl Biomech 2005;21:167–180. doi:10.1123/jab.21.2.167
.. [2] Farley CT, González O. Leg stiffness and stride frequency in human running. J Biomech
   1996;29:181–186. doi:10.1016/0021-9290(95)00029-1
.. [3] Novacheck TF. The biomechanics of running. Gait Posture 1998;7:77–95.
   doi:10.1016/S0966-6362(97)00038-6
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .errors import InvalidMethodError, MissingColumnError, RunloadWarning
from .gait_model import GAIT_MODEL, RUNNING_CADENCE_MIN_SPM
from .profile import AthleteProfile
from .springmass import (
    cadence_pref,
    contact_time_morin2005,
    contact_time_morin2005_exists,
    stiffness_morin2005,
    target_stiffness_farley1996,
)
from .stats import centred_median, labelled, weighted_mean

__all__ = [
    "GAIT_MODEL",
    "GAIT_MODEL_ID",
    "GAIT_SOURCES",
    "CONTACT_TIME_SOURCES",
    "GAIT_COLUMNS",
    "PHASE_FRACTIONS",
    "RUNNING_CADENCE_MIN_SPM",
    "compute_gait",
    "gait_state",
    "cadence_pref",
    "model_inputs",
    "measured_running",
    "target_stiffness",
    "contact_time_powerlaw",
    "device_contact_time",
    "summarize_gait",
]

# Every coefficient comes from the versioned model file runload/models/gait_v*.toml (runload.gait_model);
# the names below are kept for readers of this module.  The model version follows the file.
GAIT_MODEL_ID = GAIT_MODEL.version
GAIT_SOURCES = ("auto", "device", "model")
CONTACT_TIME_SOURCES = ("device", "model", "walking", "none")

# science.md §1.4: plausibility of a device contact time.
DEVICE_TC_RANGE_MS = GAIT_MODEL.device_contact_time_range_ms
DEVICE_MIN_FLIGHT_MS = GAIT_MODEL.device_min_flight_ms
DEVICE_SMOOTH_WINDOW_S = GAIT_MODEL.device_smooth_window_s
DEVICE_RUNNING_SPEED_MPS = GAIT_MODEL.device_running_speed_min_mps
# science.md §1.5.7: walking stance ≈ 62 % of the gait cycle (Novacheck 1998 [3]).
WALKING_STANCE_FRACTION = GAIT_MODEL.walking_stance_fraction
# science.md §1.5.5 fallback: tc ≈ 0.53·v^−0.62 s, a fit to the science.md default model, within 2.5 %
# of it from 1.8 to 7 m/s (checked in tests), so that is its validity range here [D].
POWERLAW_COEFFICIENT_S = GAIT_MODEL.powerlaw_coefficient_s
POWERLAW_EXPONENT = GAIT_MODEL.powerlaw_exponent
POWERLAW_SPEED_RANGE_MPS = GAIT_MODEL.powerlaw_speed_range_mps
# science.md §1.5.7 / §1.6: spring–mass outputs only on level steady running.
SPRINGMASS_MAX_GRADE_PCT = GAIT_MODEL.springmass_max_grade_pct
LOW_CONFIDENCE_GRADE_PCT = GAIT_MODEL.low_confidence_grade_pct
# Model inputs: time-weighted mean over this centred window of running samples (module docstring) [D].
MODEL_INPUT_WINDOW_S = GAIT_MODEL.input_window_s
# Reference speed of the device-equivalence speed term of the target stiffness (:func:`target_stiffness`).
SPEED_EXPONENT_REF_MPS = GAIT_MODEL.speed_reference_mps

# science.md §1.8: sub-phase windows as fractions of contact time and of swing time.
PHASE_FRACTIONS = dict(GAIT_MODEL.phase_fractions)

GAIT_COLUMNS = (
    "step_time_ms",
    "stride_time_ms",
    "contact_time_ms",
    "flight_time_ms",
    "swing_time_ms",
    "duty_factor",
    *PHASE_FRACTIONS,
    "contact_time_source",
    "contact_time_low_confidence",
    "peak_force_bw",
    "khat_leg",
    "k_vert_kn_per_m",
    "k_leg_kn_per_m",
)


def contact_time_powerlaw(speed_mps):
    """Contact time from speed alone, tc = 0.53·v^−0.62 [s] (science.md §1.5.5 fallback [D]).

    Used where the cadence is missing or not a running cadence; it has no device-equivalence term.

    Parameters
    ----------
    speed_mps : array-like  [m/s]

    Returns
    -------
    contact_time_s : same type as ``speed_mps``  [s]
        NaN outside 1.8–7 m/s (the range where it follows the default Morin model within 2 %).

    Examples
    --------
    >>> round(contact_time_powerlaw(3.0), 3)
    0.268
    """
    v = np.asarray(speed_mps, dtype=float)
    lo, hi = POWERLAW_SPEED_RANGE_MPS
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where((v >= lo) & (v <= hi), POWERLAW_COEFFICIENT_S * v**POWERLAW_EXPONENT, np.nan)
    if isinstance(speed_mps, pd.Series):
        return pd.Series(out, index=speed_mps.index)
    return float(out) if np.ndim(speed_mps) == 0 else out


def model_inputs(samples: pd.DataFrame, window_s: float | None = MODEL_INPUT_WINDOW_S) -> tuple[np.ndarray, np.ndarray]:
    """Speed and cadence as the contact-time model sees them: averaged over a centred time window.

    Parameters
    ----------
    samples : pandas.DataFrame
        Cleaned frame (DatetimeIndex) with ``speed_mps``, ``cadence_spm``, ``state`` and ``dt_s``.
    window_s : float or None  [s]
        Full width of the centred window (default :data:`MODEL_INPUT_WINDOW_S`); ``None`` or ≤ 0
        returns the cleaned columns unchanged.

    Returns
    -------
    speed_mps, cadence_spm : ndarray  [m/s], [steps/min]
        At running samples: Σ x·dt / Σ dt over the running samples within ±window/2 (time-weighted by
        ``dt_s``, so smart recording and 1 s recording agree; walking, standing and paused samples do not
        pull the average).  Elsewhere the cleaned value.  NaN where the window holds no finite value.

    Notes
    -----
    The window is a running integral (cumulative sums interpolated at t ± window/2), O(n).  Why 30 s:
    module docstring.
    """
    return _windowed_inputs(samples.index, samples["speed_mps"].to_numpy(dtype=float),
                            samples["cadence_spm"].to_numpy(dtype=float), samples["state"].to_numpy(dtype=object),
                            samples["dt_s"].to_numpy(dtype=float), window_s)


def _windowed_inputs(index: pd.DatetimeIndex, v: np.ndarray, c: np.ndarray, state: np.ndarray, dt: np.ndarray,
                     window_s: float | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`model_inputs` on arrays (the gait passes its own state and cadence without a frame copy)."""
    if window_s is None or window_s <= 0 or len(v) == 0:
        return v.copy(), c.copy()
    t = np.asarray((index - index[0]) / pd.Timedelta(seconds=1), dtype=float)
    running = state == "running"
    w = np.where(running, np.nan_to_num(dt), 0.0)
    half = window_s / 2.0
    outs = []
    for x in (v, c):
        ok = np.isfinite(x) & (w > 0)
        ww = np.where(ok, w, 0.0)
        cum_x = np.concatenate([[0.0], np.cumsum(np.where(ok, x * ww, 0.0))])
        cum_w = np.concatenate([[0.0], np.cumsum(ww)])
        # Knots: cum[k] is the integral up to the start of sample k; the last knot closes the last sample.
        knots = np.concatenate([t, [t[-1] + max(ww[-1], 1e-9)]])
        sx = np.interp(t + half, knots, cum_x) - np.interp(t - half, knots, cum_x)
        sw = np.interp(t + half, knots, cum_w) - np.interp(t - half, knots, cum_w)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(sw > 1e-9, sx / sw, np.nan)
        outs.append(np.where(running, mean, x))
    return outs[0], outs[1]


def target_stiffness(speed_mps, cadence_spm, cadence_pref_spm, khat_ref, cadence_exponent,
                     speed_exponent: float = 0.0):
    """Target dimensionless leg stiffness k̂ of the inverse model [-] (science.md §1.5.3).

    k̂ = k̂_ref · (c / c_pref)^exponent · (v / 3 m/s)^speed_exponent.  With ``speed_exponent`` 0 (the
    default of this function) this is exactly :func:`runload.springmass.target_stiffness_farley1996`.

    Parameters
    ----------
    speed_mps, cadence_spm, cadence_pref_spm : array-like  [m/s], [steps/min], [steps/min]
    khat_ref, cadence_exponent : float  [-]
    speed_exponent : float  [-]
        Fitted device-equivalence term, not physiology (leg stiffness is speed-independent in science.md,
        Farley & González 1996).  A negative value makes the estimate follow a device whose contact time
        falls less with speed than the spring–mass model's, as the Garmin watches of the shared data do
        (docs/gait_validation.md).  Population default in the gait model file (science.md §1.5.8);
        fitted per runner by :func:`runload.calibrate.fit_calibration` with ``fit_speed_exponent=True`` [D].
    """
    k = target_stiffness_farley1996(cadence_spm, cadence_pref_spm, khat_ref, cadence_exponent)
    if speed_exponent == 0:
        return k
    v = np.asarray(speed_mps, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return k * (v / SPEED_EXPONENT_REF_MPS) ** float(speed_exponent)


def device_contact_time(samples: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Device contact time smoothed and checked against science.md §1.4.

    Parameters
    ----------
    samples : pandas.DataFrame
        Cleaned frame with ``stance_time_ms``, ``cadence_spm`` and ``speed_mps``.

    Returns
    -------
    contact_time_ms : ndarray  [ms]  7 s rolling median of the plausible raw values
    valid : ndarray of bool
        120 ms ≤ tc ≤ 450 ms, cadence ≥ 140 spm, speed ≥ 1.8 m/s and tc < T_step − 10 ms.
    """
    n = len(samples)
    if "stance_time_ms" not in samples.columns:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    raw = pd.to_numeric(samples["stance_time_ms"], errors="coerce").to_numpy(dtype=float, copy=True)
    lo, hi = DEVICE_TC_RANGE_MS
    with np.errstate(invalid="ignore"):
        raw[(raw < lo) | (raw > hi)] = np.nan
    smooth = centred_median(raw, samples.index, DEVICE_SMOOTH_WINDOW_S)
    c = samples["cadence_spm"].to_numpy(dtype=float)
    v = samples["speed_mps"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        step_ms = 60000.0 / c
        valid = (
            np.isfinite(raw)
            & (smooth >= lo) & (smooth <= hi)
            & (c >= RUNNING_CADENCE_MIN_SPM)
            & (v >= DEVICE_RUNNING_SPEED_MPS)
            & (smooth < step_ms - DEVICE_MIN_FLIGHT_MS)
        )
    return smooth, valid


def measured_running(samples: pd.DataFrame) -> np.ndarray:
    """Seconds the watch itself measured as running (science.md §1.5.8).

    Parameters
    ----------
    samples : pandas.DataFrame
        Cleaned frame with ``speed_mps`` and, when the device measured it, ``stance_time_ms``.

    Returns
    -------
    ndarray of bool
        The sample's own device contact time is within 150–400 ms and the speed is ≥ 2 m/s (gait model
        file, ``[classification]``).  All False without ``stance_time_ms``.  Such a second is never
        given a walking contact time, whatever its cadence says (:func:`compute_gait`).
    """
    n = len(samples)
    if "stance_time_ms" not in samples.columns:
        return np.zeros(n, dtype=bool)
    stance = pd.to_numeric(samples["stance_time_ms"], errors="coerce").to_numpy(dtype=float)
    v = samples["speed_mps"].to_numpy(dtype=float)
    lo, hi = GAIT_MODEL.measured_running_contact_time_ms
    with np.errstate(invalid="ignore"):
        return (stance >= lo) & (stance <= hi) & (v >= GAIT_MODEL.measured_running_speed_min_mps)


def compute_gait(samples: pd.DataFrame, profile: AthleteProfile | None = None,
                 gait_source: str = "auto", *, input_window_s: float | None = MODEL_INPUT_WINDOW_S,
                 speed_exponent: float | None = None) -> pd.DataFrame:
    """Per-sample gait timing (science.md §1.3–§1.8).

    Parameters
    ----------
    samples : pandas.DataFrame
        Cleaned frame (:func:`runload.clean.clean_samples`): ``speed_mps``, ``cadence_spm``,
        ``grade_pct``, ``state``, ``accelerating``; ``stance_time_ms`` when the device measured it.
    profile : AthleteProfile, optional
        Height (leg length 0.53·H), ``khat_ref``, ``cadence_exponent``, ``cadence_model``, mass.
    gait_source : {"auto", "device", "model"}
        ``auto``: device contact time where plausible, the model elsewhere.  ``device``: device values
        only (running samples without one get source ``none``).  ``model``: ignore the device.
    input_window_s : float or None  [s]
        Window of the model's speed and cadence inputs (:func:`model_inputs`; default 30 s).
    speed_exponent : float, optional  [-]
        Device-equivalence speed term of the target stiffness (:func:`target_stiffness`).  ``None``: the
        profile's ``speed_exponent`` (its default is the population value of the gait model file; 0 is
        the science.md model).

    Returns
    -------
    pandas.DataFrame
        Same index; the columns of :data:`GAIT_COLUMNS` [ms, BW, -, kN/m as named] and ``state``
        (running samples for which the model has no root become ``walking``, §1.5.3; walking samples the
        watch measured as running become ``running``, §1.5.8).

    Warns
    -----
    RunloadWarning
        When seconds the watch measured as running were classified as walking or had a cadence below
        the running threshold (they are given a running contact time).

    Raises
    ------
    InvalidMethodError
        ``gait_source`` is not one of ``auto``, ``device``, ``model``.
    MissingColumnError
        ``samples`` has not been cleaned.

    Notes
    -----
    The model sees speed and cadence averaged over ``input_window_s`` of running (module docstring);
    the timing identities use the sample's own cadence.  Identities (§1.3): T_step = 60/c, T_stride = 120/c, tf = T_step − tc, T_swing = T_stride − tc,
    DF = tc/T_stride.  Flight time is never negative: a sample where it would be takes the walking
    branch.  Sub-phases follow §1.8: absorption 0–40 %, midstance 40–55 %, propulsion 55–100 % of tc;
    early and late swing each half of T_swing.  Spring–mass outputs (F̂max, k̂_leg, k_vert, k_leg) are
    given only on level (|i| ≤ 3 %, grade known), steady, running samples (Meyer et al. 2023: not valid
    on inclines).  ``contact_time_low_confidence`` marks samples with a contact time on |i| > 8 %.

    A second the watch measured as running (:func:`measured_running`: its own device contact time
    150–400 ms at ≥ 2 m/s, science.md §1.5.8) is never given a walking contact time: it is running even
    where the cleaned state says walking; where its cadence is below the running threshold (140 spm, e.g.
    a half-cadence stretch clean.py did not correct) the cadence is not used — contact time from speed
    alone (power law, source ``model``) or from the device, and no step timing (step, stride, flight,
    swing, duty factor NaN); where the model has no root, the power law too.
    """
    profile = profile or AthleteProfile()
    n = len(samples)
    state, walking, c, tc, source = _state_and_contact(samples, profile, gait_source, input_window_s,
                                                       speed_exponent, solve=True)
    v = samples["speed_mps"].to_numpy(dtype=float)
    grade = samples["grade_pct"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        step_ms = np.where(c > 0, 60000.0 / c, np.nan)
    stride_ms = 2.0 * step_ms

    # Walking branch (§1.5.7).
    walk = walking & np.isfinite(stride_ms)
    tc[walk] = WALKING_STANCE_FRACTION * stride_ms[walk]
    source[walk] = "walking"

    flight = np.where(source == "walking", 0.0, step_ms - tc)
    flight = np.where(np.isfinite(flight), np.maximum(flight, 0.0), np.nan)
    swing = stride_ms - tc
    with np.errstate(invalid="ignore", divide="ignore"):
        duty = tc / stride_ms

    cols = {
        "step_time_ms": step_ms,
        "stride_time_ms": stride_ms,
        "contact_time_ms": tc,
        "flight_time_ms": np.where(np.isfinite(tc), flight, np.nan),
        "swing_time_ms": swing,
        "duty_factor": duty,
    }
    for name, (part, fraction) in PHASE_FRACTIONS.items():
        cols[name] = fraction * (tc if part == "contact" else swing)
    cols["contact_time_source"] = source
    with np.errstate(invalid="ignore"):
        cols["contact_time_low_confidence"] = np.isfinite(tc) & (np.abs(grade) > LOW_CONFIDENCE_GRADE_PCT)

    # Spring–mass outputs on level, steady running (§1.6).
    with np.errstate(invalid="ignore"):
        level = (
            labelled(source, ("device", "model")) & (state == "running")
            & (np.abs(grade) <= SPRINGMASS_MAX_GRADE_PCT)
            & ~samples["accelerating"].to_numpy(dtype=bool)
            & np.isfinite(step_ms) & np.isfinite(v) & (flight > 0)
        )
    for name in ("peak_force_bw", "khat_leg", "k_vert_kn_per_m", "k_leg_kn_per_m"):
        cols[name] = np.full(n, np.nan)
    if level.any():
        sm = stiffness_morin2005(v[level], tc[level] / 1000.0, flight[level] / 1000.0,
                                 profile.leg_length_m, profile.mass_kg)
        cols["peak_force_bw"][level] = sm["peak_force_bw"]
        cols["khat_leg"][level] = sm["khat_leg"]
        cols["k_vert_kn_per_m"][level] = sm["k_vert_n_per_m"] / 1000.0
        cols["k_leg_kn_per_m"][level] = sm["k_leg_n_per_m"] / 1000.0
    cols["state"] = state
    return pd.DataFrame(cols, index=samples.index)


def gait_state(samples: pd.DataFrame, profile: AthleteProfile | None = None, gait_source: str = "auto", *,
               input_window_s: float | None = MODEL_INPUT_WINDOW_S, speed_exponent: float | None = None) -> np.ndarray:
    """The ``state`` column of :func:`compute_gait` alone (same parameters, warnings and errors).

    Running seconds for which the contact-time model has no root become walking and watch-measured running
    seconds stay running, as there; the model's root is only located, never solved for, and no timing is
    computed.  What the personal norms read of a run not stored yet (:func:`runload.pipeline.gait_samples`
    with ``timing=False``, a batch's first look): 1.1–1.6 ms against 2.3–2.4 ms for :func:`compute_gait` on
    the cleaned samples of a simulated one-hour run, without and with a strap's contact times (issue 10).

    Returns
    -------
    ndarray of object  (str labels, as ``compute_gait(...)["state"]``)
    """
    return _state_and_contact(samples, profile or AthleteProfile(), gait_source, input_window_s, speed_exponent,
                              solve=False)[0]


def _state_and_contact(samples: pd.DataFrame, profile: AthleteProfile, gait_source: str,
                       input_window_s: float | None, speed_exponent: float | None, *, solve: bool):
    """The classification and contact time of :func:`compute_gait` (its first steps), as arrays.

    Returns
    -------
    (state, walking, cadence_spm, contact_time_ms, contact_time_source)
        The final state and its walking mask; the cadence the timing uses (NaN where it is not a running
        cadence); the device and model contact times [ms] and their sources.  Without ``solve`` only the
        state and the walking mask are final (the model's roots are located, not solved for; no power law).
    """
    if gait_source not in GAIT_SOURCES:
        raise InvalidMethodError("gait_source", gait_source, GAIT_SOURCES)
    missing = [c for c in ("speed_mps", "cadence_spm", "grade_pct", "state", "accelerating")
               if c not in samples.columns]
    if missing:
        raise MissingColumnError(None, f"gait needs the cleaned column(s) {', '.join(missing)}; "
                                       "run clean_samples first")
    n = len(samples)
    v = samples["speed_mps"].to_numpy(dtype=float)
    c = samples["cadence_spm"].to_numpy(dtype=float)
    grade = samples["grade_pct"].to_numpy(dtype=float)
    state = samples["state"].to_numpy(dtype=object).copy()
    # science.md §1.5.8: what the watch measured as running is running, whatever the cadence says.
    measured = measured_running(samples) & labelled(state, ("running", "walking"))
    with np.errstate(invalid="ignore"):
        bad_cadence = measured & ~(c >= RUNNING_CADENCE_MIN_SPM)
    promoted = measured & (state == "walking")
    if promoted.any() or bad_cadence.any():
        secs = float(np.nansum(samples["dt_s"].to_numpy(dtype=float)[promoted | bad_cadence])) \
            if "dt_s" in samples.columns else float((promoted | bad_cadence).sum())
        warnings.warn(f"{secs:.0f} s the watch measured as running (device contact time) had a walking "
                      f"cadence or state: treated as running (contact time from speed alone and no step "
                      f"timing where the cadence is below {RUNNING_CADENCE_MIN_SPM:.0f} spm)", RunloadWarning,
                      stacklevel=3)
    state[promoted] = "running"
    running = state == "running"
    walking = state == "walking"
    c = np.where(bad_cadence, np.nan, c)  # not a running cadence: neither the model nor the timing use it

    tc = np.full(n, np.nan)
    source = np.full(n, "none", dtype=object)

    # Device (§1.4).
    if gait_source in ("auto", "device"):
        dev, dev_ok = device_contact_time(samples)
        use = running & dev_ok & ~bad_cadence
        tc[use] = dev[use]
        source[use] = "device"

    # Model (§1.5.3) for running samples still without a value, on the windowed inputs.
    if gait_source in ("auto", "model"):
        todo = running & (source == "none")
        vm, cm = _windowed_inputs(samples.index, v, c, state, samples["dt_s"].to_numpy(dtype=float), input_window_s)
        cm = np.where(bad_cadence, np.nan, cm)
        with_c = todo & np.isfinite(cm) & (cm > 0) & np.isfinite(vm)
        if with_c.any():
            if speed_exponent is None:
                speed_exponent = profile.speed_exponent
            cp = cadence_pref(vm[with_c], grade[with_c], profile.cadence_model)
            k = target_stiffness(vm[with_c], cm[with_c], cp, profile.khat_ref, profile.cadence_exponent,
                                 speed_exponent)
            idx = np.flatnonzero(with_c)
            if not solve:
                root = contact_time_morin2005_exists(vm[with_c], cm[with_c], profile.leg_length_m, k)
            else:
                est = 1000.0 * np.asarray(contact_time_morin2005(vm[with_c], cm[with_c], profile.leg_length_m, k))
                root = np.isfinite(est)
                tc[idx[root]] = est[root]
                source[idx[root]] = "model"
            # No root: flight time would have to be negative → walking or grounded running (§1.5.7),
            # except where the watch measured running (§1.5.8): those take the speed-only estimate.
            no_root = idx[~root]
            to_walk = no_root[~measured[no_root]]
            state[to_walk] = "walking"
            walking[to_walk] = True
            cm = cm.copy()
            cm[no_root[measured[no_root]]] = np.nan
        no_c = todo & ~np.isfinite(cm) & np.isfinite(vm)
        if solve and no_c.any():
            est = 1000.0 * np.asarray(contact_time_powerlaw(vm[no_c]))
            idx = np.flatnonzero(no_c)
            ok = np.isfinite(est)
            tc[idx[ok]] = est[ok]
            source[idx[ok]] = "model"

    return state, walking, c, tc, source


def summarize_gait(frame: pd.DataFrame) -> dict:
    """Time-weighted gait summary of the running samples (weights ``dt_s``).

    Returns
    -------
    dict
        ``contact_time_ms``, ``flight_time_ms``, ``swing_time_ms``, ``step_time_ms``, ``duty_factor``
        (means over running samples with a device or model contact time), ``contact_time_source``
        (the source with the most running time, ``none`` without any), ``device_contact_share``,
        ``model_contact_share``, ``walking_share``, ``none_share`` (shares of moving time, running plus
        walking, by source), ``low_confidence_share`` and ``running_s`` [s].
    """
    w = frame["dt_s"].to_numpy(dtype=float)
    src = frame["contact_time_source"].to_numpy(dtype=object)
    state = frame["state"].to_numpy(dtype=object)
    run_est = (state == "running") & labelled(src, ("device", "model"))
    wr = np.where(run_est, w, 0.0)
    out = {
        name: weighted_mean(frame[name], wr)
        for name in ("contact_time_ms", "flight_time_ms", "swing_time_ms", "step_time_ms", "duty_factor")
    }
    moving = labelled(state, ("running", "walking"))
    total = float(np.sum(w[moving]))
    for s in CONTACT_TIME_SOURCES:
        share = float(np.sum(w[moving & (src == s)]) / total) if total > 0 else float("nan")
        out[f"{s}_contact_share" if s in ("device", "model") else f"{s}_share"] = share
    running_by_source = {s: float(np.sum(w[(state == "running") & (src == s)])) for s in ("device", "model")}
    best = max(running_by_source, key=running_by_source.get)
    out["contact_time_source"] = best if running_by_source[best] > 0 else "none"
    low = frame["contact_time_low_confidence"].to_numpy(dtype=bool)
    out["low_confidence_share"] = float(np.sum(wr[low]) / np.sum(wr)) if np.sum(wr) > 0 else float("nan")
    out["running_s"] = float(np.sum(w[state == "running"]))
    return out
