"""The spring–mass (sine-wave) model of running of Morin et al. 2005, forward and inverse.

Pure functions on scalars, arrays or Series (science.md §1.5).  Forces are in body weights, so mass
cancels; :func:`stiffness_morin2005` converts to SI units when a mass is given.  The model's coefficients
(k̂_ref, cadence exponent, leg-length ratio, preferred-cadence model and its clamps) are read from the
versioned gait model file (:mod:`runload.gait_model`, ``runload/models/gait_v*.toml``).

:func:`cadence_pref` is the one preferred cadence of runload: the gait model and the load model call it.

References
----------
.. [1] Morin JB, Dalleau G, Kyröläinen H, Jeannin T, Belli A. A simple method for measuring stiffness
   during running. J Appl Biomech 2005;21:167–180. doi:10.1123/jab.21.2.167
.. [2] Farley CT, González O. Leg stiffness and stride frequency in human running. J Biomech
   1996;29:181–186. doi:10.1016/0021-9290(95)00029-1
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .gait_model import GAIT_MODEL

__all__ = [
    "G",
    "LEG_LENGTH_RATIO",
    "KHAT_REF_DEFAULT",
    "CADENCE_EXPONENT_FARLEY1996",
    "SPEED_EXPONENT_DEFAULT",
    "leg_length_winter",
    "peak_force_morin2005",
    "leg_stiffness_morin2005",
    "stiffness_morin2005",
    "cadence_pref",
    "cadence_pref_population",
    "target_stiffness_farley1996",
    "contact_time_morin2005",
    "contact_time_morin2005_exists",
]

G = 9.81  # [m/s²]
# From the gait model file (runload/models/gait_v*.toml, which cites the sources):
LEG_LENGTH_RATIO = GAIT_MODEL.leg_length_ratio  # L0 = 0.53 · H, Winter's ratio [1]
KHAT_REF_DEFAULT = GAIT_MODEL.khat_ref  # 13, Morin 2005 treadmill group (science.md §1.5.4)
CADENCE_EXPONENT_FARLEY1996 = GAIT_MODEL.cadence_exponent  # 1.39, Farley & González 1996 [2]
#: Population default of the fitted device-equivalence speed term (not physiology; gait_v*.toml).
SPEED_EXPONENT_DEFAULT = GAIT_MODEL.speed_exponent

# Newton iterations of the inverse model (a bracketed Newton converges in about six; the cap only bounds
# the pathological case, where bisection steps still shrink the bracket below 1 µs, science.md §1.5.3).
_NEWTON_MAX_ITERATIONS = 100
_NEWTON_TOLERANCE = 1e-15  # relative step at which an iteration has converged (a few units in the last place)
_TC_MIN_S = 0.03


def _wrap(result: np.ndarray, like):
    """Return ``result`` in the type of ``like`` (Series keeps its index, scalars stay scalars)."""
    if isinstance(like, pd.Series):
        return pd.Series(result, index=like.index)
    if np.ndim(like) == 0:
        return float(result)
    return result


def leg_length_winter(height_m):
    """Leg length L0 = 0.53 · H [m] from body height H [m] (Winter's ratio, as used in [1]_)."""
    return LEG_LENGTH_RATIO * np.asarray(height_m, dtype=float)


def _peak_force(t, tc):
    """F̂max = (π/2)·T_step/tc for arrays [BW]: the one formula of the sine-wave peak force."""
    return 0.5 * np.pi * t / tc


def peak_force_morin2005(step_time_s, contact_time_s):
    """Peak vertical force of the sine-wave model, F̂max = (π/2)·T_step/tc [body weights].

    Parameters
    ----------
    step_time_s : array-like  [s]   T_step = 60 / cadence_spm
    contact_time_s : array-like  [s]

    Examples
    --------
    >>> round(peak_force_morin2005(0.353, 0.250), 3)
    2.218
    """
    t = np.asarray(step_time_s, dtype=float)
    tc = np.asarray(contact_time_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((tc > 0) & (t >= tc), _peak_force(t, tc), np.nan)
    return _wrap(out, contact_time_s)


def _sine_model(tc, t, v, l0):
    """(F̂ [BW], Δyc [m], ΔL [m]) of the sine-wave model for arrays (science.md §1.5.2; no type wrapping).

    F̂ = (π/2)·T/tc; Δyc = g·tc²·(F̂/π² − 1/8); ΔL = L0 − √(L0² − (v·tc/2)²) + Δyc.
    """
    f = _peak_force(t, tc)
    dyc = G * tc**2 * (f / np.pi**2 - 0.125)
    with np.errstate(invalid="ignore"):
        dl = l0 - np.sqrt(l0**2 - (v * tc / 2.0) ** 2) + dyc
    return f, dyc, dl


def _khat(tc, t, v, l0):
    """Dimensionless leg stiffness k̂ = F̂·L0/ΔL for arrays (no type wrapping)."""
    f, _, dl = _sine_model(tc, t, v, l0)
    return f * l0 / dl


def leg_stiffness_morin2005(speed_mps, contact_time_s, step_time_s, leg_length_m):
    """Dimensionless leg stiffness k̂ = k_leg·L0/(m·g) of the sine-wave model [-].

    Notes
    -----
    F̂ = (π/2)·T/tc; Δyc = g·tc²·(F̂/π² − 1/8); ΔL = L0 − √(L0² − (v·tc/2)²) + Δyc; k̂ = F̂·L0/ΔL.
    NaN where v·tc/2 ≥ L0 (the leg cannot sweep that far) or tc ≥ T_step (no flight).
    """
    v = np.asarray(speed_mps, dtype=float)
    tc = np.asarray(contact_time_s, dtype=float)
    t = np.asarray(step_time_s, dtype=float)
    l0 = np.asarray(leg_length_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = _khat(tc, t, v, l0)
        k = np.where((tc > 0) & (tc <= t) & (v * tc / 2 < l0), k, np.nan)
    return _wrap(k, contact_time_s)


def stiffness_morin2005(speed_mps, contact_time_s, flight_time_s, leg_length_m, body_mass_kg=None):
    """All spring–mass outputs of Morin 2005 [1]_ for given timing (science.md §1.5.2, §1.6).

    Parameters
    ----------
    speed_mps : array-like  [m/s]
    contact_time_s, flight_time_s : array-like  [s]
    leg_length_m : float  [m]
    body_mass_kg : float, optional  [kg]  needed only for forces in N and stiffness in N/m

    Returns
    -------
    dict of arrays
        ``peak_force_bw`` [BW], ``com_drop_m`` Δyc [m], ``leg_compression_m`` ΔL [m], ``khat_leg`` [-],
        ``khat_vert`` [-] (k_vert·L0/(m·g)); with a mass also ``peak_force_n`` [N], ``k_vert_n_per_m``
        and ``k_leg_n_per_m`` [N/m].

    Notes
    -----
    Valid for level, steady running; not valid on inclines (Meyer et al. 2023).
    """
    v = np.asarray(speed_mps, dtype=float)
    tc = np.asarray(contact_time_s, dtype=float)
    tf = np.asarray(flight_time_s, dtype=float)
    l0 = float(leg_length_m)
    f, dyc, dl = _sine_model(tc, tc + tf, v, l0)
    out = {
        "peak_force_bw": f,
        "com_drop_m": dyc,
        "leg_compression_m": dl,
        "khat_leg": f * l0 / dl,
        "khat_vert": f * l0 / dyc,
    }
    if body_mass_kg is not None:
        w = float(body_mass_kg) * G
        out["peak_force_n"] = f * w
        out["k_vert_n_per_m"] = f * w / dyc
        out["k_leg_n_per_m"] = f * w / dl
    return out


def cadence_pref_population(speed_mps):
    """Population preferred cadence 165 + 7·(v − 3) spm, clamped to 150–200 [steps/min].

    science.md §1.5.3 / §3.2 [D]: anchored on de Ruiter/van Oeveren 2019 (165 ± 8 spm at 3.04 m/s).  The
    population branch of :func:`cadence_pref` (coefficients from the gait model file).
    """
    m = GAIT_MODEL
    v = np.asarray(speed_mps, dtype=float)
    c = m.cadence_pref_at_reference_spm + m.cadence_pref_slope_spm_per_mps * (v - m.cadence_pref_reference_speed_mps)
    return _wrap(np.clip(c, *m.cadence_pref_population_range_spm), speed_mps)


def cadence_pref(speed_mps, grade_pct=None, cadence_model=None):
    """The runner's preferred cadence c_pref(v, i) [steps/min] (science.md §3.2): the one in runload.

    Parameters
    ----------
    speed_mps : array-like  [m/s]
    grade_pct : array-like, optional  [%]
        Grade in **percent** (as the ``grade_pct`` column); NaN or missing counts as level.
    cadence_model : (b0, b1, b2, b3), optional
        Personal model c_pref = b0 + b1·v + b2·i⁺ + b3·i⁻ with i the grade as a fraction (grade_pct/100),
        i⁺ = max(i, 0) and i⁻ = max(−i, 0) (the coefficients :func:`runload.calibrate.fit_cadence_model`
        returns), clamped to the personal range of the model file (130–230 spm).  ``None``: the population
        default 165 + 7·(v − 3) clamped to 150–200 spm (:func:`cadence_pref_population`; no grade term).

    Returns
    -------
    ndarray (Series for a Series ``speed_mps``)  [steps/min]
        Always within the clamp of the branch used.

    Examples
    --------
    >>> float(cadence_pref(3.0))
    165.0
    >>> float(cadence_pref(7.0, 0.0, (150.0, 26.0, 0.0, 0.0)))  # 332 unclamped: above any running cadence
    230.0
    """
    v = np.asarray(speed_mps, dtype=float)
    if cadence_model is None:
        out = np.asarray(cadence_pref_population(v), dtype=float)
    else:
        b0, b1, b2, b3 = (float(b) for b in cadence_model)
        g = np.zeros_like(v) if grade_pct is None else np.asarray(grade_pct, dtype=float)
        i = np.nan_to_num(g, nan=0.0) / 100.0
        c = b0 + b1 * v + b2 * np.maximum(i, 0.0) + b3 * np.maximum(-i, 0.0)
        out = np.clip(c, *GAIT_MODEL.cadence_pref_personal_range_spm)
    if np.ndim(out) == 0:
        return float(out)
    return _wrap(out, speed_mps) if np.shape(out) == np.shape(speed_mps) else out


def target_stiffness_farley1996(cadence_spm, cadence_pref_spm, khat_ref=KHAT_REF_DEFAULT,
                                exponent=CADENCE_EXPONENT_FARLEY1996):
    """Cadence-dependent leg stiffness k̂ = k̂_ref · (c / c_pref)^1.39 [-] (Farley & González 1996 [2]_)."""
    c = np.asarray(cadence_spm, dtype=float)
    cp = np.asarray(cadence_pref_spm, dtype=float)
    return _wrap(khat_ref * (c / cp) ** exponent, cadence_spm)


def contact_time_morin2005(speed_mps, cadence_spm, leg_length_m, khat_target):
    """Contact time tc [s] that makes the sine-wave leg stiffness equal ``khat_target`` (inverse model).

    Parameters
    ----------
    speed_mps : array-like  [m/s]
    cadence_spm : array-like  [steps/min]
    leg_length_m : float or array-like  [m]
    khat_target : float or array-like  [-]  e.g. :func:`target_stiffness_farley1996`

    Returns
    -------
    tc : same type as ``speed_mps``  [s]
        NaN where there is no root (flight time would have to be negative: walking or grounded running),
        and where an input is missing or not positive.

    Notes
    -----
    k̂_leg(tc) falls monotonically on (0.03 s, min(0.9999·T, 0.999·2·L0/v)); a root exists when k̂ at the
    lower bound is at or above the target and at the upper bound at or below it (science.md §1.5.3).
    The root is found to floating-point precision (a few units in the last place, far below the 1 µs
    science.md asks for) by Newton's method on ψ(tc) = tc·ΔL(tc) = (π/2)·T·L0/k̂, which rises with tc,
    kept inside the shrinking bracket (a bisection step where Newton would leave it) — vectorised, no
    per-sample Python loop, and about six iterations instead of the 60 of a bisection (issue 10).

    Examples
    --------
    >>> round(contact_time_morin2005(3.0, 165.0, 0.53 * 1.75, 13.0), 3)  # science.md §1.5.5
    0.265
    """
    ok, lo, hi, t, v, l0, k = _bracket(speed_mps, cadence_spm, leg_length_m, khat_target)
    tc = np.full(ok.shape, np.nan)
    if ok.any():
        tc[ok] = _solve_bracketed(lo[ok], hi[ok], t[ok], v[ok], l0[ok], k[ok])
    return _wrap(tc, speed_mps)


def contact_time_morin2005_exists(speed_mps, cadence_spm, leg_length_m, khat_target) -> np.ndarray:
    """Where :func:`contact_time_morin2005` has a root (its contact time is finite), without solving for it.

    The gait's state needs only this (a running second without a root is walking, science.md §1.5.3), so a
    batch's first look, which learns the norms from the state, skips the solve.

    Returns
    -------
    ndarray of bool  (the broadcast shape of the inputs)
    """
    return _bracket(speed_mps, cadence_spm, leg_length_m, khat_target)[0]


def _bracket(speed_mps, cadence_spm, leg_length_m, khat_target):
    """The inputs broadcast to arrays, where a root exists (``ok``) and the bracket [lo, hi] and step time T
    [s] the solve starts from: (ok, lo, hi, t, v, l0, k)."""
    v, c, l0, k = np.broadcast_arrays(
        np.asarray(speed_mps, dtype=float),
        np.asarray(cadence_spm, dtype=float),
        np.asarray(leg_length_m, dtype=float),
        np.asarray(khat_target, dtype=float),
    )
    ok = (v > 0) & (c > 0) & (l0 > 0) & (k > 0) & np.isfinite(v + c + l0 + k)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # over: a speed or cadence near 0
        t = np.where(ok, 60.0 / c, np.nan)
        hi = np.minimum(0.9999 * t, 0.999 * 2.0 * l0 / v)
        lo = np.full_like(hi, _TC_MIN_S)
        ok &= hi > lo
        # A root exists when k̂ at the upper bound is at or below the target (k̂ falls with tc).
        ok &= _khat(hi, t, v, l0) <= k
        ok &= _khat(lo, t, v, l0) >= k
    return ok, lo, hi, t, v, l0, k


def _solve_bracketed(lo, hi, t, v, l0, k):
    """The root of k̂(tc) = k in [lo, hi] (1-D arrays, a root in every bracket) [s].

    Safeguarded Newton on ψ(x) = x·ΔL(x) − (π/2)·T·L0/k, which rises through 0 on the bracket:
    ΔL = L0 − √(L0² − (v·x/2)²) + g·(x·T/(2π) − x²/8) (:func:`_sine_model`), written
    L0 − √(…) = (v·x/2)² / (L0 + √(…)) to keep its precision at short contact times.  Each iteration
    works on the roots not yet converged only.
    """
    target = 0.5 * np.pi * t * l0 / k
    a2 = 0.25 * v * v
    gt = G * t / (2.0 * np.pi)
    x = 0.5 * (lo + hi)
    out = x.copy()
    act = np.arange(len(x))
    for _ in range(_NEWTON_MAX_ITERATIONS):
        root = np.sqrt(l0 * l0 - a2 * x * x)
        dl = a2 * x * x / (l0 + root) + gt * x - 0.125 * G * x * x
        f = x * dl - target
        fp = dl + x * (a2 * x / root + gt - 0.25 * G * x)
        below = f < 0
        lo = np.where(below, x, lo)
        hi = np.where(below, hi, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - f / fp
        new = np.where((new >= lo) & (new <= hi), new, 0.5 * (lo + hi))
        done = (np.abs(new - x) <= _NEWTON_TOLERANCE * x) | (hi - lo <= _NEWTON_TOLERANCE * x)
        out[act] = new
        if done.all():
            break
        keep = ~done
        act, x, lo, hi = act[keep], new[keep], lo[keep], hi[keep]
        target, a2, gt, l0 = target[keep], a2[keep], gt[keep], l0[keep]
    return out
