"""Personal calibration: the runner's leg stiffness k̂_ref and preferred-cadence model (science.md §1.5.4, §3.2).

:func:`calibrate_profile` fits the reference dimensionless leg stiffness k̂_ref of the inverse Morin
model [1]_ (and optionally the Farley & González cadence exponent [2]_, within 0.8–2.0) so that the
model's contact time matches the device's on level, steady running seconds at 2.2–6 m/s.  Runs without a
chest strap or pod then get "device-equivalent" estimates.  When there is enough running (≥ 3 runs and
≥ 60 min of steady running at 2.2–6 m/s) it also fits the personal cadence model
c_pref = b0 + b1·v + b2·i⁺ + b3·i⁻ with a Huber loss [3]_; the stiffness is then fitted with that
c_pref, since the gait model uses it.

Device contact time is a device-specific quantity (science.md §4.4), so calibrate per device family;
:func:`device_family` names it from the product (``fenix3``, ``fenix5``, ``fr965`` …).

References
----------
.. [1] Morin JB, Dalleau G, Kyröläinen H, Jeannin T, Belli A. A simple method for measuring stiffness
   during running. J Appl Biomech 2005;21:167–180. doi:10.1123/jab.21.2.167
.. [2] Farley CT, González O. Leg stiffness and stride frequency in human running. J Biomech
   1996;29:181–186. doi:10.1016/0021-9290(95)00029-1
.. [3] Huber PJ. Robust estimation of a location parameter. Ann Math Stat 1964;35:73–101.
   doi:10.1214/aoms/1177703732
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .clean import clean_samples
from .errors import RunloadError, RunloadWarning
from .gait import cadence_pref, device_contact_time, model_inputs, target_stiffness
from .profile import AthleteProfile, Calibration, profile_for_run
from .run import Device, Run
from .springmass import contact_time_morin2005

__all__ = [
    "CalibrationFit",
    "calibrate_profile",
    "fit_calibration",
    "calibration_seconds",
    "calibration_frame",
    "usable_seconds",
    "StiffnessFit",
    "fit_stiffness",
    "fit_cadence_model",
    "huber_regression",
    "personal_cadence_model",
    "device_family",
    "model_contact_time_ms",
]

# science.md §1.5.4: level (|i| < 2 %), steady (|dv/dt| < 0.1 m/s²) seconds at 2.2–6 m/s.
CAL_MAX_GRADE_PCT = 2.0
CAL_MAX_ACCEL_MPS2 = 0.1
CAL_SPEED_RANGE_MPS = (2.2, 6.0)
CAL_MIN_SECONDS = 60.0
CAL_MIN_RUNS = 2  # science.md §1.5.4: "when a runner has at least 2 runs with valid device tc"
KHAT_BOUNDS = (4.0, 40.0)  # wider than the 8–25 of §1.5.4 so that a device's bias can show [D]
EXPONENT_BOUNDS = (0.8, 2.0)  # science.md §1.5.4
# Speed term of the target stiffness (runload.gait.target_stiffness), not in science.md [D]: wide enough
# for the Garmin watches of the shared data (about −0.5 … −0.9, docs/gait_validation.md).
SPEED_EXPONENT_BOUNDS = (-1.5, 1.0)
# Below this spread of running speed (5th–95th percentile) the speed term is not identifiable [D].
SPEED_EXPONENT_MIN_RANGE_MPS = 0.4
# science.md §3.2: at least 3 runs and 60 min of steady running for a personal cadence model.
CADENCE_MIN_RUNS = 3
CADENCE_MIN_SECONDS = 3600.0
CADENCE_HUBER_SCALE_SPM = 4.0  # residuals beyond ±4 spm count linearly [D]
CADENCE_GRADE_MIN_SECONDS = 300.0  # a grade term is fitted only with ≥ 5 min on that side of ±2 % [D]
CADENCE_SLOPE_RANGE = (0.0, 25.0)  # spm per m/s; §3.2 expects 5–12
CADENCE_AT_3MPS_RANGE = (140.0, 210.0)


def device_family(device: Device | None) -> str | None:
    """Device family from the product name: ``fenix5x`` → ``fenix5``, ``fr965`` → ``fr965``.

    Families group watches whose running-dynamics algorithm is likely the same; ``None`` when the
    file names no product.
    """
    if device is None or not device.product:
        return None
    name = str(device.product).lower().replace(" ", "").replace("_", "")
    name = name.replace("forerunner", "fr")
    m = re.match(r"^(fenix|fr|epix|vivoactive|venu|instinct|enduro|marq)(\d+)", name)
    return m.group(1) + m.group(2) if m else name


def model_contact_time_ms(speed_mps, cadence_spm, grade_pct, profile: AthleteProfile,
                          khat_ref: float | None = None, exponent: float | None = None,
                          fill_no_root: bool = False, speed_exponent: float | None = None,
                          cadence_pref_spm=None) -> np.ndarray:
    """Model contact time [ms] for arrays, with ``profile``'s c_pref and optional k̂_ref / exponent.

    ``speed_mps`` and ``cadence_spm`` are used as given: pass the windowed model inputs
    (:func:`runload.gait.model_inputs`) to match :func:`runload.gait.compute_gait`.  ``speed_exponent``:
    see :func:`runload.gait.target_stiffness`; ``None`` takes the profile's.  ``cadence_pref_spm``
    [steps/min]: each sample's c_pref when it does not come from ``profile.cadence_model`` (a training
    log whose cadence model changes month by month, :mod:`runload.norms`).

    With ``fill_no_root`` a sample without a root gets the upper end of the search interval
    (min(T_step, 2·L0/v)), the limit the model tends to, so a least-squares fit sees a finite residual.
    """
    v = np.asarray(speed_mps, dtype=float)
    c = np.asarray(cadence_spm, dtype=float)
    if speed_exponent is None:
        speed_exponent = profile.speed_exponent
    if cadence_pref_spm is None:
        cp = cadence_pref(v, grade_pct, profile.cadence_model)
    else:
        cp = np.asarray(cadence_pref_spm, dtype=float)
    k = target_stiffness(v, c, cp, profile.khat_ref if khat_ref is None else khat_ref,
                         profile.cadence_exponent if exponent is None else exponent, speed_exponent)
    tc = 1000.0 * np.asarray(contact_time_morin2005(v, c, profile.leg_length_m, k), dtype=float)
    if fill_no_root:
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = 1000.0 * np.minimum(60.0 / c, 2.0 * profile.leg_length_m / v)
        tc = np.where(np.isfinite(tc), tc, limit)
    return tc


def calibration_seconds(run: Run) -> pd.DataFrame:
    """The samples of a run usable for calibration (science.md §1.5.4): :func:`calibration_frame` of the
    run's cleaned samples (:func:`runload.clean.clean_samples`)."""
    return calibration_frame(clean_samples(run))


def calibration_frame(cleaned: pd.DataFrame) -> pd.DataFrame:
    """The steady running seconds of one run, as the calibration and the cadence model use them.

    Parameters
    ----------
    cleaned : pandas.DataFrame
        One run's cleaned samples (DatetimeIndex) with ``speed_mps``, ``cadence_spm``, ``grade_pct``,
        ``dt_s``, ``acceleration_mps2``, ``state`` and, when the device measured it, ``stance_time_ms``:
        the frame of :func:`runload.clean.clean_samples`, or a run's rows of the training-log store's
        ``samples`` table (whose ``state`` is the gait's, :func:`runload.gait.compute_gait`).

    Returns
    -------
    pandas.DataFrame
        Columns ``speed_mps``, ``cadence_spm`` (the windowed model inputs of
        :func:`runload.gait.model_inputs`, as the gait model sees them), ``grade_pct``, ``dt_s``,
        ``contact_time_device_ms``
        (7 s median of the valid device values; NaN where the device value is not valid) and ``level``
        (bool: |i| < 2 % with a known grade, |dv/dt| < 0.1 m/s², 2.2–6 m/s, running).  Steady running
        rows at 2.2–6 m/s only (``level`` False rows are kept for the cadence model).
    """
    tc_dev, dev_ok = device_contact_time(cleaned)
    v, c = model_inputs(cleaned)
    acc = cleaned["acceleration_mps2"].to_numpy(dtype=float)
    grade = cleaned["grade_pct"].to_numpy(dtype=float)
    dt = cleaned["dt_s"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        steady = (
            (cleaned["state"].to_numpy(dtype=object) == "running")
            & (np.abs(acc) < CAL_MAX_ACCEL_MPS2)
            & (v >= CAL_SPEED_RANGE_MPS[0]) & (v <= CAL_SPEED_RANGE_MPS[1])
            & (dt > 0)
            & np.isfinite(c)
        )
        level = steady & (np.abs(grade) < CAL_MAX_GRADE_PCT)
    out = pd.DataFrame({
        "speed_mps": v,
        "cadence_spm": c,
        "grade_pct": grade,
        "dt_s": dt,
        "contact_time_device_ms": np.where(dev_ok, tc_dev, np.nan),
        "level": level,
    }, index=cleaned.index)
    return out[steady]


def usable_seconds(seconds: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The rows of :func:`calibration_frame` the stiffness fit uses, and why a run gives none.

    Returns
    -------
    (pandas.DataFrame, str or None)
        Level rows with a valid device contact time; the reason (a sentence) when they hold fewer than
        :data:`CAL_MIN_SECONDS` seconds (then the run is not used), else ``None``.
    """
    use = seconds[seconds["level"] & seconds["contact_time_device_ms"].notna()]
    total = float(use["dt_s"].sum())
    if total < CAL_MIN_SECONDS:
        return use, (f"only {total:.0f} s of level, steady running at 2.2–6 m/s with a valid device contact "
                     f"time (needs {CAL_MIN_SECONDS:.0f} s)")
    return use, None


def fit_cadence_model(speed_mps, grade_pct, cadence_spm, weights_s) -> tuple[float, float, float, float] | None:
    """Robust (Huber) fit of c = b0 + b1·v + b2·i⁺ + b3·i⁻ [steps/min] (science.md §3.2).

    Parameters
    ----------
    speed_mps, grade_pct, cadence_spm : array-like  [m/s], [%], [steps/min]
    weights_s : array-like  [s]  time weight of each sample

    Returns
    -------
    (b0, b1, b2, b3) or None
        i is the grade as a fraction.  A grade term is fitted only when there are ≥ 5 min on that side of
        ±2 %; otherwise it is 0 (the population model has no grade term).  ``None`` when the fit is not
        plausible (slope outside 0–25 spm per m/s, or c_pref(3 m/s) outside 140–210 spm).
    """
    v = np.asarray(speed_mps, dtype=float)
    i = np.nan_to_num(np.asarray(grade_pct, dtype=float)) / 100.0
    c = np.asarray(cadence_spm, dtype=float)
    w = np.asarray(weights_s, dtype=float)
    ok = np.isfinite(v) & np.isfinite(c) & (w > 0)
    v, i, c, w = v[ok], i[ok], c[ok], w[ok]
    if w.sum() <= 0 or np.ptp(v) <= 0:
        return None
    up, down = np.maximum(i, 0.0), np.maximum(-i, 0.0)
    use_up = w[i >= 0.02].sum() >= CADENCE_GRADE_MIN_SECONDS
    use_down = w[i <= -0.02].sum() >= CADENCE_GRADE_MIN_SECONDS
    columns = [np.ones_like(v), v] + ([up] if use_up else []) + ([down] if use_down else [])
    x = np.column_stack(columns)
    sw = np.sqrt(w)
    b = list(huber_regression(x * sw[:, None], c * sw, CADENCE_HUBER_SCALE_SPM))
    b0, b1 = b[0], b[1]
    b2 = b[2] if use_up else 0.0
    b3 = b[2 + int(use_up)] if use_down else 0.0
    if not (CADENCE_SLOPE_RANGE[0] <= b1 <= CADENCE_SLOPE_RANGE[1]):
        return None
    if not (CADENCE_AT_3MPS_RANGE[0] <= b0 + 3.0 * b1 <= CADENCE_AT_3MPS_RANGE[1]):
        return None
    return (float(b0), float(b1), float(b2), float(b3))


def huber_regression(x: np.ndarray, y: np.ndarray, scale: float, *, rtol: float = 1e-10,
                     max_iter: int = 500) -> np.ndarray:
    """The coefficients b minimising Σ ρ((x·b − y)/scale), ρ Huber's loss (quadratic within ±1, linear
    beyond), by iteratively reweighted least squares.

    The minimiser of ``scipy.optimize.least_squares(lambda b: x @ b - y, b0, loss="huber",
    f_scale=scale)`` (the same objective: scipy's loss is 2·ρ of the squared residual), to a tighter
    tolerance and in less time: 63 against 144 ms of CPU for a two-month window of 140,000 seconds; learning
    a first batch's norms takes 0.57 × the CPU time it took with scipy's (``benchmarks/bench_norms.py``;
    issue 10: the batch's parent fits one model per month while its workers wait).  Each step solves the
    p × p weighted normal equations with weights min(1, scale/|r|) (Huber, *Robust Statistics*, 1981, ch. 7;
    the objective is convex and no step increases it).  Starts from ordinary least squares; stops when no
    coefficient moves by more than ``rtol`` relative (about 7 steps on a cadence window).

    Parameters
    ----------
    x : numpy.ndarray  (n, p) design matrix (rows already weighted)
    y : numpy.ndarray  (n,) responses (weighted alike)
    scale : float  residuals beyond ±scale count linearly

    Returns
    -------
    numpy.ndarray  (p,)
    """
    b = np.linalg.lstsq(x, y, rcond=None)[0]  # not the normal equations: x may be rank-deficient here
    for _ in range(max_iter):
        r = np.abs(x @ b - y)
        u = np.minimum(1.0, scale / np.maximum(r, np.finfo(float).tiny))
        xu = x * u[:, None]
        try:
            step = np.linalg.solve(xu.T @ x, xu.T @ y)
        except np.linalg.LinAlgError:  # the inliers alone do not determine b: keep the last estimate
            break
        done = np.all(np.abs(step - b) <= rtol * (1.0 + np.abs(b)))
        b = step
        if done:
            break
    return b


@dataclass
class CalibrationFit:
    """The result of :func:`fit_calibration`.

    Attributes
    ----------
    profile : AthleteProfile  the calibrated profile (with ``calibration`` filled)
    khat_ref, cadence_exponent : float  [-]
    mae_before_ms, mae_after_ms : float  [ms]  time-weighted MAE of model vs device, before (the input
        profile) and after the fit
    bias_before_ms, bias_after_ms : float  [ms]  mean of model − device
    residual_sd_ms : float  [ms]  SD of model − device after the fit
    n_seconds : float  [s]  seconds used
    runs_used : list[str]  sources that contributed seconds
    skipped : dict[str, str]  source → why it gave no seconds
    device : str | None  device family (``a+b`` when mixed)
    cadence_model : tuple | None  fitted personal cadence model (None when not enough data)
    cadence_seconds : float  [s]  steady running seconds available for the cadence model
    speed_exponent : float  [-]  device-equivalence speed term of the target stiffness: fitted, or the
        input profile's (the population default of the gait model file) when not fitted
    """

    profile: AthleteProfile
    khat_ref: float
    cadence_exponent: float
    mae_before_ms: float
    mae_after_ms: float
    bias_before_ms: float
    bias_after_ms: float
    residual_sd_ms: float
    n_seconds: float
    runs_used: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    device: str | None = None
    cadence_model: tuple[float, float, float, float] | None = None
    cadence_seconds: float = 0.0
    speed_exponent: float = 0.0


def _as_runs(runs) -> list[Run]:
    from .io import read_run  # noqa: PLC0415 - io pulls the decoders; only needed for paths

    if isinstance(runs, (Run, str, Path)):
        runs = [runs]
    return [r if isinstance(r, Run) else read_run(r) for r in runs]


def _stats(model_ms: np.ndarray, device_ms: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """(MAE, bias, SD) of model − device, time-weighted [ms]."""
    err = model_ms - device_ms
    ok = np.isfinite(err)
    if not ok.any():
        return float("nan"), float("nan"), float("nan")
    e, ww = err[ok], w[ok]
    bias = float(np.average(e, weights=ww))
    return float(np.average(np.abs(e), weights=ww)), bias, float(np.sqrt(np.average((e - bias) ** 2, weights=ww)))


def fit_calibration(runs, profile: AthleteProfile | None = None, fit_exponent: bool = False,
                    fit_cadence: bool = True, fit_speed_exponent: bool = False) -> CalibrationFit:
    """Fit k̂_ref (and optionally the cadence exponent) and the personal cadence model.

    Parameters
    ----------
    runs : Run, path, or a sequence of them
        Runs of one runner, ideally with one device family.  Paths are read with :func:`runload.read_run`.
    profile : AthleteProfile, optional
        Starting profile (height matters: leg length 0.53·H); population defaults when omitted.
    fit_exponent : bool
        Also fit the cadence exponent within 0.8–2.0 (science.md §1.5.4).
    fit_cadence : bool
        Fit the personal cadence model when there is enough data (≥ 3 runs, ≥ 60 min).  Turn off when
        the runs are not all from the same runner: another runner's cadence model is worse than the
        population one.
    fit_speed_exponent : bool
        Also fit the speed term of the target stiffness (:func:`runload.gait.target_stiffness`, within
        −1.5…1) when the running speeds span ≥ 0.4 m/s (5th–95th percentile); otherwise it stays the
        profile's (the population default of the gait model file, science.md §1.5.8).  A fitted
        device-equivalence term, not physiology: it lets the estimate follow a device whose contact time
        changes less with speed than the spring–mass model's [D].

    Returns
    -------
    CalibrationFit

    Raises
    ------
    RunloadError
        When no run has at least 60 s of usable device contact time; the message gives each run's reason.

    Warns
    -----
    RunloadWarning
        With fewer than 2 runs contributing (science.md §1.5.4 asks for at least 2), or mixed device
        families.
    """
    runs = _as_runs(runs)
    if not runs:
        raise RunloadError(None, "calibration needs at least one run")
    profile = profile_for_run(runs[0], profile)  # one runner: the first file's user profile height
    parts, skipped, families, cad_parts = [], {}, set(), []
    for run in runs:
        source = run.meta.source
        secs = calibration_seconds(run)
        cad_parts.append(secs)
        if "stance_time_ms" not in run.samples.columns or run.samples["stance_time_ms"].isna().all():
            skipped[source] = "no device contact time (stance_time) in the file"
            continue
        use, why_not = usable_seconds(secs)
        if why_not is not None:
            skipped[source] = why_not
            continue
        parts.append(use.assign(source=source))
        families.add(device_family(run.meta.device) or "unknown")
    if not parts:
        reasons = "; ".join(f"{Path(k).name}: {v}" for k, v in skipped.items())
        raise RunloadError(None, f"no run has usable device contact time for calibration ({reasons})")
    data = pd.concat(parts)
    used = [str(x) for x in pd.unique(data["source"])]  # in order of appearance
    if len(used) < CAL_MIN_RUNS:
        warnings.warn(f"calibrating on a single run ({Path(used[0]).name}); science.md §1.5.4 asks for at "
                      f"least {CAL_MIN_RUNS} runs with device contact time", RunloadWarning, stacklevel=2)
    if len(families) > 1:
        warnings.warn(f"calibrating across device families {sorted(families)}: device contact time is "
                      "device-specific; calibrate per device", RunloadWarning, stacklevel=2)

    # Personal cadence model first (the stiffness fit must use the c_pref the gait model will use).
    fitted_cadence, _, cad_seconds = personal_cadence_model(cad_parts) if fit_cadence else \
        (None, 0, float(sum(p["dt_s"].sum() for p in cad_parts)))
    cadence_model = fitted_cadence if fitted_cadence is not None else profile.cadence_model

    v, c, g = (data[k].to_numpy(dtype=float) for k in ("speed_mps", "cadence_spm", "grade_pct"))
    before = model_contact_time_ms(v, c, g, profile)
    mae_before, bias_before, _ = _stats(before, data["contact_time_device_ms"].to_numpy(dtype=float),
                                        data["dt_s"].to_numpy(dtype=float))

    work = dataclasses.replace(profile, cadence_model=cadence_model, calibration=None)
    family = "+".join(sorted(families))
    fit = fit_stiffness(data, work, fit_exponent=fit_exponent, fit_speed_exponent=fit_speed_exponent,
                        device=family)
    new_profile = dataclasses.replace(work, khat_ref=fit.khat_ref, cadence_exponent=fit.cadence_exponent,
                                      speed_exponent=fit.speed_exponent, calibration=fit.calibration)
    return CalibrationFit(
        profile=new_profile, khat_ref=fit.khat_ref, cadence_exponent=fit.cadence_exponent,
        mae_before_ms=mae_before, mae_after_ms=fit.mae_ms, bias_before_ms=bias_before, bias_after_ms=fit.bias_ms,
        residual_sd_ms=fit.residual_sd_ms, n_seconds=fit.n_seconds, runs_used=used, skipped=skipped,
        device=family, cadence_model=fitted_cadence, cadence_seconds=cad_seconds, speed_exponent=fit.speed_exponent,
    )


def personal_cadence_model(parts) -> tuple[tuple[float, float, float, float] | None, int, float]:
    """The personal cadence model of science.md §3.2 from runs' steady seconds, when there are enough.

    Parameters
    ----------
    parts : iterable of pandas.DataFrame
        One :func:`calibration_frame` per run (``speed_mps``, ``grade_pct``, ``cadence_spm``, ``dt_s``).

    Returns
    -------
    (model or None, runs, seconds)
        :func:`fit_cadence_model` of all the seconds when ≥ :data:`CADENCE_MIN_RUNS` runs contribute steady
        seconds and they total ≥ :data:`CADENCE_MIN_SECONDS` (else ``None``, as when the fit is not
        plausible); the number of runs with steady seconds and the seconds [s].
    """
    parts = [p for p in parts if len(p)]
    seconds = float(sum(p["dt_s"].sum() for p in parts))
    n_runs = sum(1 for p in parts if p["dt_s"].sum() > 0)
    if n_runs < CADENCE_MIN_RUNS or seconds < CADENCE_MIN_SECONDS:
        return None, n_runs, seconds
    cad = pd.concat(parts)
    return fit_cadence_model(cad["speed_mps"], cad["grade_pct"], cad["cadence_spm"], cad["dt_s"]), n_runs, seconds


@dataclass
class StiffnessFit:
    """The result of :func:`fit_stiffness`.

    Attributes
    ----------
    khat_ref, cadence_exponent, speed_exponent : float  [-]  fitted (or kept) values
    mae_ms, bias_ms, residual_sd_ms : float  [ms]  time-weighted MAE, mean and SD of model − device after the fit
    n_seconds : float  [s]  seconds used
    runs : list[str]  the ``source`` values that contributed, in order of appearance
    calibration : Calibration  the record a profile keeps (fit date today, ``device`` as given)
    """

    khat_ref: float
    cadence_exponent: float
    speed_exponent: float
    mae_ms: float
    bias_ms: float
    residual_sd_ms: float
    n_seconds: float
    runs: list[str]
    calibration: Calibration


def fit_stiffness(seconds: pd.DataFrame, profile: AthleteProfile, *, fit_exponent: bool = False,
                  fit_speed_exponent: bool = False, device: str | None = None) -> StiffnessFit:
    """Fit k̂_ref (science.md §1.5.4) to device contact time on a frame of seconds: the core of
    :func:`fit_calibration` and of the training log's calibration (:mod:`runload.norms`).

    Parameters
    ----------
    seconds : pandas.DataFrame
        The rows of :func:`usable_seconds` of one or more runs: ``speed_mps``, ``cadence_spm``,
        ``grade_pct``, ``dt_s``, ``contact_time_device_ms``, ``source`` (the run each row came from) and
        optionally ``cadence_pref_spm`` [steps/min], each second's c_pref (otherwise from
        ``profile.cadence_model``).
    profile : AthleteProfile
        Leg length (height), the starting k̂_ref / cadence exponent, the speed exponent kept unless fitted.
    fit_exponent, fit_speed_exponent : bool
        As in :func:`fit_calibration`.
    device : str, optional
        Device family recorded in the :class:`~runload.profile.Calibration`.

    Returns
    -------
    StiffnessFit
    """
    from scipy.optimize import least_squares, minimize_scalar  # noqa: PLC0415 - scipy loads when fitting

    v, c, g = (seconds[k].to_numpy(dtype=float) for k in ("speed_mps", "cadence_spm", "grade_pct"))
    dev, w = seconds["contact_time_device_ms"].to_numpy(dtype=float), seconds["dt_s"].to_numpy(dtype=float)
    cp = seconds["cadence_pref_spm"].to_numpy(dtype=float) if "cadence_pref_spm" in seconds.columns else None
    sw = np.sqrt(w)

    def model(k, e, d, fill=False):
        return model_contact_time_ms(v, c, g, profile, k, e, fill_no_root=fill, speed_exponent=d,
                                     cadence_pref_spm=cp)

    def residuals(k, e, d):
        return sw * (model(k, e, d, fill=True) - dev)

    exponent, d0 = profile.cadence_exponent, profile.speed_exponent  # kept unless fitted
    res = minimize_scalar(lambda lk: float(np.sum(residuals(np.exp(lk), exponent, d0) ** 2)),
                          bounds=tuple(np.log(KHAT_BOUNDS)), method="bounded", options={"xatol": 1e-4})
    khat, speed_exp = float(np.exp(res.x)), d0
    v_lo, v_hi = np.nanpercentile(v, [5, 95]) if np.isfinite(v).any() else (0.0, 0.0)
    fit_d = fit_speed_exponent and (v_hi - v_lo) >= SPEED_EXPONENT_MIN_RANGE_MPS
    if fit_exponent or fit_d:
        names = ["k"] + (["e"] if fit_exponent else []) + (["d"] if fit_d else [])
        bounds = {"k": KHAT_BOUNDS, "e": EXPONENT_BOUNDS, "d": SPEED_EXPONENT_BOUNDS}
        start = {"k": khat, "e": exponent, "d": float(np.clip(d0, *SPEED_EXPONENT_BOUNDS))}

        def unpack(p):
            q = dict(zip(names, p, strict=True))
            return q["k"], q.get("e", exponent), q.get("d", d0)

        fit = least_squares(lambda p: residuals(*unpack(p)), [start[n] for n in names],
                            bounds=([bounds[n][0] for n in names], [bounds[n][1] for n in names]))
        khat, exponent, speed_exp = (float(x) for x in unpack(fit.x))
    mae, bias, sd = _stats(model(khat, exponent, speed_exp), dev, w)
    used = [str(x) for x in pd.unique(seconds["source"])] if "source" in seconds.columns else []
    calibration = Calibration(
        khat_ref=khat, cadence_exponent=exponent, residual_sd_ms=sd, mae_ms=mae,
        n_seconds=int(round(w.sum())), runs=used, fitted_at=date.today().isoformat(), device=device,
        speed_exponent=speed_exp,
    )
    return StiffnessFit(khat, exponent, speed_exp, mae, bias, sd, float(w.sum()), used, calibration)


def calibrate_profile(runs: Run | str | Path | Sequence[Run | str | Path], profile: AthleteProfile | None = None, fit_exponent: bool = False,
                      fit_speed_exponent: bool = False) -> AthleteProfile:
    """Personal calibration of the gait model (science.md §1.5.4): a profile with a fitted k̂_ref.

    Parameters
    ----------
    runs : Run, path, or a sequence of them
        One runner's runs with device contact time (chest strap, pod or watch running dynamics).
    profile : AthleteProfile, optional
        Height and mass to keep; population defaults when omitted.
    fit_exponent : bool
        Also fit the cadence exponent (0.8–2.0).
    fit_speed_exponent : bool
        Also fit the personal speed exponent of the device-equivalence term (science.md §1.5.8).

    Returns
    -------
    AthleteProfile
        ``khat_ref``, ``cadence_exponent``, ``cadence_model`` (when there was enough data) and
        ``calibration`` (k̂, exponent, residual SD, MAE, seconds, runs, date, device family).

    Raises
    ------
    RunloadError
        No run has usable device contact time.

    Examples
    --------
    >>> profile = calibrate_profile(["monday.fit", "thursday.fit"], AthleteProfile(height_m=1.80))  # doctest: +SKIP
    """
    return fit_calibration(runs, profile, fit_exponent, fit_speed_exponent=fit_speed_exponent).profile
