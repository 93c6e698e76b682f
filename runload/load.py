"""Relative mechanical load per muscle group (science.md §2).

Per sample and per group the model builds a phase-resolved per-stride load ℓ_g from three physical
drivers and a grade factor (science.md §2.3):

    F̂   = (π/2)·T_step/tc                                      support force (sine model) [BW]
    S_g = (F̂/F̂_ref)·(v/v_ref)^a_g·(c_pref/c)^α_g·cap_g(v)       stance driver
    D_g = (v/v_ref)·(f_stride/f_ref)^γ_g                        swing driver
    G_g = 1 + U_g·min(i⁺, 0.30) + Dn_g·min(i⁻, 0.30)            grade factor
    ℓ_g = G_g·[(w_abs + w_mid + w_prop)_g·S_g + (w_esw + w_lsw)_g·D_g]

summed over strides (n = Δt·c/120 per sample) and divided by the same sum for a synthetic reference run:
one hour of level running at the runner's easy speed v_ref and preferred cadence (§2.8).  So a group's
``rel_load`` of 100 means "as much as one hour of your easy running"; the numbers are per group and must
not be compared between groups (§2.8).  Coefficients live in ``runload/models/load_v1.toml``.

The run's mean per-stride load factorises exactly into four drivers (speed, cadence, uphill, downhill),
and ``rel_load / 100`` is their product times the volume driver (strides ÷ strides of the reference run);
this is how :func:`explain_load` tells a runner *why* a group is high (the wording, one for the CLI, the
JSON and the report, is :func:`runload.load_drivers.driver_text`, re-exported here).

The result is an index of mechanical demand, not a muscle force (science.md §2.11).

References
----------
.. [1] Morin JB et al. J Appl Biomech 2005;21:167–180 (support force); the other anchors of each
   coefficient are listed by :func:`runload.references.references_for` (``load.*`` model ids).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .analysis import MUSCLE_GROUPS
from .errors import MissingColumnError, RunloadError, RunloadWarning
from .gait_model import RUNNING_CADENCE_MIN_SPM
from .jsonable import jsonable
from .load_drivers import DRIVER_LABELS, DRIVERS, describe_driver, driver_text, main_drivers, top_driver
from .model_files import available_models, read_model_file
from .profile import AthleteProfile
from .springmass import (
    cadence_pref,
    contact_time_morin2005,
    peak_force_morin2005,
    target_stiffness_farley1996,
)

__all__ = [
    "DEFAULT_LOAD_MODEL",
    "PHASES",
    "STANCE_PHASES",
    "SWING_PHASES",
    "DRIVERS",
    "GroupCoefficients",
    "LoadModel",
    "LoadReference",
    "LoadResult",
    "available_load_models",
    "load_model",
    "reference_condition",
    "compute_load",
    "segment_load",
    "load_to_json",
    "explain_load",
    "describe_driver",
    "driver_text",
    "main_drivers",
    "DRIVER_LABELS",
]

#: The load model version used when none is named (a file in runload/models/).
DEFAULT_LOAD_MODEL = "load_v1"
STANCE_PHASES = ("absorption", "midstance", "propulsion")
SWING_PHASES = ("early_swing", "late_swing")
PHASES = STANCE_PHASES + SWING_PHASES

_MOVING_STATES = ("running", "walking")


@dataclass(frozen=True)
class GroupCoefficients:
    """One row of the science.md §2.7 table.

    Attributes
    ----------
    weights : dict[str, float]  [-]  phase → share of the group's load at the reference (sum 1)
    a : float  [-]  extra speed exponent of the stance driver
    alpha : float  [-]  step-length exponent (SL/SL_pref = c_pref/c)
    gamma : float  [-]  stride-frequency exponent of the swing driver
    calf_cap : bool  apply the high-speed plateau cap(v)
    uphill, downhill : float  [-]  grade factors U and Dn per unit grade (rise/run)
    approximate : bool  upper-body group: shown apart, never used for hints (§2.9)
    """

    weights: dict
    a: float
    alpha: float
    gamma: float
    calf_cap: bool
    uphill: float
    downhill: float
    approximate: bool

    @property
    def stance_weight(self) -> float:
        return sum(self.weights[p] for p in STANCE_PHASES)

    @property
    def swing_weight(self) -> float:
        return sum(self.weights[p] for p in SWING_PHASES)


@dataclass(frozen=True)
class LoadModel:
    """All coefficients of one load-model version (read from ``runload/models/<version>.toml``).

    Attributes
    ----------
    version : str
    groups : dict[str, GroupCoefficients]  the nine :data:`~runload.analysis.MUSCLE_GROUPS`
    max_grade_ratio : float  [-]  grade at which the grade factor saturates (0.30)
    cap_start_speed_mps, cap_slope_per_mps, cap_floor_ratio : float  calf cap above ``cap_start_speed_mps``
        [m/s]: cap = max(floor, 1 − slope·(v − start))
    walking_peak_force_bw : float  [BW]  F̂ of walking seconds (1.2, science.md §1.5.7)
    walking_step_length_factor : bool  apply c_pref/c to walking seconds (default no)
    beta : float  [-]  intensity emphasis ℓ^β (1)
    reference_duration_s : float  [s]  duration of the reference easy run (3600)
    driver_min_factor : float  [-]  a driver must exceed this factor to be named ``top_driver``
    """

    version: str
    groups: dict
    max_grade_ratio: float
    cap_start_speed_mps: float
    cap_slope_per_mps: float
    cap_floor_ratio: float
    walking_peak_force_bw: float
    walking_step_length_factor: bool
    beta: float
    reference_duration_s: float
    driver_min_factor: float


def available_load_models() -> list[str]:
    """Versions of the load model shipped with runload (``load_v1``, …)."""
    return available_models("load")


def load_model(version: str = DEFAULT_LOAD_MODEL) -> LoadModel:
    """Read the coefficients of load-model ``version`` from the package data.

    Raises
    ------
    InvalidMethodError
        ``version`` is not shipped.
    RunloadError
        The file is malformed (missing group or key, phase weights not summing to 1).
    """
    data, resource = read_model_file(version, "load")
    try:
        groups = {}
        for name in MUSCLE_GROUPS:
            g = data["groups"][name]
            weights = {p: float(g[f"w_{p}"]) for p in PHASES}
            if not math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9):
                raise RunloadError(resource, f"phase weights of {name} sum to {sum(weights.values())}, not 1")
            groups[name] = GroupCoefficients(
                weights=weights, a=float(g["a"]), alpha=float(g["alpha"]), gamma=float(g["gamma"]),
                calf_cap=bool(g["calf_cap"]), uphill=float(g["uphill"]), downhill=float(g["downhill"]),
                approximate=bool(g["approximate"]),
            )
        return LoadModel(
            version=str(data["version"]),
            groups=groups,
            max_grade_ratio=float(data["grade"]["max_grade_ratio"]),
            cap_start_speed_mps=float(data["cap"]["start_speed_mps"]),
            cap_slope_per_mps=float(data["cap"]["slope_per_mps"]),
            cap_floor_ratio=float(data["cap"]["floor_ratio"]),
            walking_peak_force_bw=float(data["walking"]["peak_force_bw"]),
            walking_step_length_factor=bool(data["walking"]["use_step_length_factor"]),
            beta=float(data["aggregation"]["beta"]),
            reference_duration_s=float(data["aggregation"]["reference_duration_s"]),
            driver_min_factor=float(data["drivers"]["min_factor"]),
        )
    except KeyError as e:
        raise RunloadError(resource, f"load model is missing key {e}") from e


@lru_cache(maxsize=8)
def _shipped_model(version: str) -> LoadModel:
    """:func:`load_model` read once per version (the shipped files do not change while runload runs)."""
    return load_model(version)


@dataclass(frozen=True)
class LoadReference:
    """The synthetic reference run every load is divided by (science.md §2.8).

    Attributes
    ----------
    speed_mps : float  [m/s]  v_ref, the runner's easy level speed
    cadence_spm : float  [steps/min]  c_ref = c_pref(v_ref, 0)
    contact_time_s : float  [s]  Morin model at v_ref, c_ref and the profile's k̂_ref
    peak_force_bw : float  [BW]  F̂_ref
    stride_frequency_hz : float  [Hz]  f_ref = c_ref/120
    duration_s : float  [s]
    strides : float  [-]  strides of the reference run, duration·f_ref
    distance_m : float  [m]  duration·v_ref
    """

    speed_mps: float
    cadence_spm: float
    contact_time_s: float
    peak_force_bw: float
    stride_frequency_hz: float
    duration_s: float
    strides: float
    distance_m: float


@lru_cache(maxsize=64)
def _reference_timing(v: float, cadence_model: tuple | None, leg_length_m: float, khat_ref: float):
    """(c_ref [steps/min], tc [s]) of the reference run: a pure function of these numbers, solved once each."""
    c = float(cadence_pref(v, 0.0, cadence_model))
    return c, float(contact_time_morin2005(v, c, leg_length_m, khat_ref))


def reference_condition(profile: AthleteProfile, model: LoadModel) -> LoadReference:
    """Build the reference easy run of ``profile`` (§2.8); raises RunloadError if it is not a run."""
    v = float(profile.easy_speed_mps)
    cadence_model = None if profile.cadence_model is None else tuple(float(b) for b in profile.cadence_model)
    c, tc = _reference_timing(v, cadence_model, float(profile.leg_length_m), float(profile.khat_ref))
    if not (np.isfinite(tc) and tc > 0):
        raise RunloadError(None, f"easy speed {v} m/s at {c:.0f} spm gives no running reference "
                                 "(the spring–mass model finds no contact time)")
    f_ref = c / 120.0
    return LoadReference(
        speed_mps=v, cadence_spm=c, contact_time_s=tc, peak_force_bw=float(peak_force_morin2005(60.0 / c, tc)),
        stride_frequency_hz=f_ref, duration_s=model.reference_duration_s,
        strides=model.reference_duration_s * f_ref, distance_m=model.reference_duration_s * v,
    )


@dataclass
class LoadResult:
    """Output of :func:`compute_load`.

    Attributes
    ----------
    per_group : pandas.DataFrame
        Index ``group``; columns as in :class:`runload.analysis.Analysis` ``load``: ``rel_load``,
        ``intensity_per_km``, ``phase_<phase>``, ``driver_<driver>``, ``top_driver`` (largest driver above
        the model's ``[drivers] min_factor``, or ``"none"``), ``stride_driver`` (the same among the
        per-stride drivers, volume left out), ``cadence_ratio`` (the run's :attr:`cadence_ratio`, so a row
        alone can be worded by :func:`driver_text`) and ``approximate``.
    samples : pandas.DataFrame
        Index of the input; ``load_<group>_au`` per sample, scaled so that the sum over samples is the
        group's ``rel_load`` (100 = one hour of easy running).  0 for standing/paused samples, NaN where
        a moving sample lacks speed or time weight.  ``strides_au``: the sample's strides on the same
        scale (100 = the strides of the reference hour), so Σ load ÷ Σ strides_au over a stretch is its
        mean per-stride load (1 = an easy, level stride).
    reference : LoadReference
    model_version : str
    distance_m : float  [m]  Σ v·Δt over moving samples (the per-km denominator)
    strides : float  [-]  strides over moving samples
    cadence_ratio : float  [-]  stride-weighted mean of c/c_pref over running samples (NaN if none)
    walking_share : float  [-]  share of the strides taken walking
    """

    per_group: pd.DataFrame
    samples: pd.DataFrame
    reference: LoadReference
    model_version: str
    distance_m: float
    strides: float
    cadence_ratio: float
    walking_share: float


def _column(samples: pd.DataFrame, name: str) -> np.ndarray:
    if name in samples:
        return pd.to_numeric(samples[name], errors="coerce").to_numpy(dtype=float)
    return np.full(len(samples), np.nan)


def _moving_masks(samples: pd.DataFrame, cadence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(running, walking) boolean masks from ``state`` and ``contact_time_source``."""
    source = samples["contact_time_source"].astype(str).to_numpy() if "contact_time_source" in samples else None
    if "state" in samples:
        state = samples["state"].astype(str).to_numpy()
        walking = state == "walking"
        running = state == "running"
    else:  # no classification: cadence decides (science.md §1.4)
        walking = cadence < RUNNING_CADENCE_MIN_SPM
        running = ~walking
    if source is not None:
        to_walk = running & (source == "walking")
        running, walking = running & ~to_walk, walking | to_walk
    return running, walking


def compute_load(samples: pd.DataFrame, profile: AthleteProfile | None = None,
                 model: LoadModel | str | None = None) -> LoadResult:
    """Per-sample and per-run load of the nine muscle groups (science.md §2.3–§2.8).

    Parameters
    ----------
    samples : pandas.DataFrame
        Analysed samples: ``speed_mps`` [m/s] and ``dt_s`` [s] are required; ``cadence_spm``
        [steps/min], ``grade_pct`` [%] (NaN = unknown → level, G = 1), ``state``, ``contact_time_ms``
        [ms] and ``contact_time_source`` are used when present.  Missing cadence on a moving sample is
        replaced by the runner's preferred cadence at that speed (a :class:`RunloadWarning` says how
        much); missing contact time is estimated with the inverse Morin model.
    profile : AthleteProfile, optional
        ``easy_speed_mps`` (v_ref), ``cadence_model``, ``height_m``, ``khat_ref``, ``cadence_exponent``.
    model : LoadModel or str, optional
        A model or a version name; default ``load_v1``.

    Returns
    -------
    LoadResult

    Notes
    -----
    Walking samples use F̂ = 1.2 BW (science.md §1.5.7) and, unless the model says otherwise, a neutral
    step-length factor.  Standing and paused samples carry no load.  Valid for level and graded running
    at 2.5–5 m/s; outside (sprints, slopes > 20 %, walking) it is an extrapolation (§2.11).
    """
    profile = profile or AthleteProfile()
    if model is None or isinstance(model, str):
        model = _shipped_model(model or DEFAULT_LOAD_MODEL)
    for name in ("speed_mps", "dt_s"):
        if name not in samples:
            raise MissingColumnError(None, f"the load model needs the column {name!r}")
    ref = reference_condition(profile, model)

    v = _column(samples, "speed_mps")
    dt = _column(samples, "dt_s")
    c_raw = _column(samples, "cadence_spm")
    grade_pct = _column(samples, "grade_pct")
    i = np.nan_to_num(grade_pct / 100.0, nan=0.0)
    running, walking = _moving_masks(samples, np.where(np.isfinite(c_raw), c_raw, np.inf))
    moving = running | walking

    c_pref = np.asarray(cadence_pref(v, grade_pct, profile.cadence_model), dtype=float)  # NaN grade: level
    no_cadence = moving & ~(np.isfinite(c_raw) & (c_raw > 0))
    share = float(np.nansum(dt[no_cadence]) / max(np.nansum(dt[moving]), 1e-9)) if no_cadence.any() else 0.0
    if share > 0:  # samples of no duration (the last one) change nothing and are not worth a warning
        amount = f"{share:.0%}" if share >= 0.01 else "under 1 %"
        warnings.warn(f"no cadence on {amount} of moving time: the load model assumed your usual cadence "
                      "at that speed there", RunloadWarning, stacklevel=2)
    c = np.where(no_cadence, c_pref, c_raw)

    # Contact time: device/model value from the gait stage, else the inverse Morin model (§1.5.3).
    khat_actual = target_stiffness_farley1996(c, c_pref, profile.khat_ref, profile.cadence_exponent)
    tc_model = np.asarray(contact_time_morin2005(v, c, profile.leg_length_m, khat_actual), dtype=float)
    tc_given = _column(samples, "contact_time_ms") / 1000.0
    tc = np.where(np.isfinite(tc_given) & (tc_given > 0), tc_given, tc_model)
    with np.errstate(divide="ignore", invalid="ignore"):
        step_time = 60.0 / c
    peak_running = np.asarray(peak_force_morin2005(step_time, tc), dtype=float)
    # No root, or tc ≥ T_step (no flight phase): walking or grounded running (§1.5.3, §1.5.7).
    walking = walking | (running & ~np.isfinite(peak_running))
    running = running & ~walking

    with np.errstate(divide="ignore", invalid="ignore"):
        peak = np.where(walking, model.walking_peak_force_bw, peak_running)
        # Counterfactual at the runner's norm cadence: the model's cadence effect on F̂ is removed, any
        # device-vs-model difference stays with speed (it is not a cadence effect).
        tc_norm = np.asarray(contact_time_morin2005(v, c_pref, profile.leg_length_m, profile.khat_ref), dtype=float)
        force_ratio = (np.asarray(peak_force_morin2005(60.0 / c_pref, tc_norm), dtype=float)
                       / np.asarray(peak_force_morin2005(step_time, tc_model), dtype=float))
        force_ratio = np.where(np.isfinite(force_ratio) & running, force_ratio, 1.0)
        peak_norm = peak * force_ratio
        step_ratio = np.where(running | model.walking_step_length_factor, c_pref / c, 1.0)
        c_for_norm = np.where(running, c_pref, c)  # walking: no cadence counterfactual
        speed_ratio = v / ref.speed_mps
        f_ratio = (c / 120.0) / ref.stride_frequency_hz
        f_ratio_norm = (c_for_norm / 120.0) / ref.stride_frequency_hz
        strides = np.where(moving, dt * c / 120.0, 0.0)

    up = np.minimum(np.maximum(i, 0.0), model.max_grade_ratio)
    down = np.minimum(np.maximum(-i, 0.0), model.max_grade_ratio)
    beta = model.beta
    stride_sum = np.nansum(strides)
    distance = float(np.nansum(np.where(moving, v * dt, 0.0)))

    run_strides = np.where(running, strides, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cad_ratio = np.nansum(run_strides * c / c_pref) / np.nansum(run_strides) if run_strides.sum() > 0 else np.nan

    rows, per_sample = {}, {}
    for name, g in model.groups.items():
        cap = np.ones_like(v)
        if g.calf_cap:
            cap = np.clip(1.0 - model.cap_slope_per_mps * (v - model.cap_start_speed_mps), model.cap_floor_ratio, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            speed_term = speed_ratio**g.a * cap
            stance = (peak / ref.peak_force_bw) * speed_term * step_ratio**g.alpha
            swing = speed_ratio * f_ratio**g.gamma
            stance_norm = (peak_norm / ref.peak_force_bw) * speed_term
            swing_norm = speed_ratio * f_ratio_norm**g.gamma
        g_up = 1.0 + g.uphill * up
        g_down = 1.0 + g.downhill * down
        level = g.stance_weight * stance + g.swing_weight * swing
        norm = g.stance_weight * stance_norm + g.swing_weight * swing_norm
        ell = g_up * g_down * level  # only one of up/down is non-zero, so G = G_up·G_down exactly
        ell_b = ell**beta
        contrib = np.where(moving, strides * ell_b, 0.0)
        per_sample[f"load_{name}_au"] = 100.0 * contrib / ref.strides

        w_strides = np.where(moving & np.isfinite(contrib), strides, 0.0)
        total = np.nansum(contrib)
        rel = 100.0 * total / ref.strides
        row = {"rel_load": rel,
               "intensity_per_km": rel * ref.distance_m / distance if distance > 0 else np.nan}
        # Phase shares: each phase's part of ℓ, weighted like ℓ^β.
        scale = np.where(ell > 0, ell_b / ell, 0.0)
        for p in PHASES:
            part = g_up * g_down * g.weights[p] * (stance if p in STANCE_PHASES else swing) * scale
            row[f"phase_{p}"] = np.nansum(w_strides * part) / total if total > 0 else np.nan
        sums = [np.nansum(w_strides * x**beta) for x in (norm, level, g_up * level, ell)]
        n_ok = np.nansum(w_strides)
        with np.errstate(divide="ignore", invalid="ignore"):
            row["driver_speed"] = sums[0] / n_ok if n_ok > 0 else np.nan
            row["driver_cadence"] = sums[1] / sums[0] if sums[0] > 0 else np.nan
            row["driver_uphill"] = sums[2] / sums[1] if sums[1] > 0 else np.nan
            row["driver_downhill"] = sums[3] / sums[2] if sums[2] > 0 else np.nan
        row["driver_volume"] = n_ok / ref.strides
        row["top_driver"] = top_driver(row, model.driver_min_factor)
        row["stride_driver"] = top_driver({**row, "driver_volume": np.nan}, model.driver_min_factor)
        row["cadence_ratio"] = float(cad_ratio)
        row["approximate"] = g.approximate
        rows[name] = row

    per_group = pd.DataFrame.from_dict(rows, orient="index")
    per_group.index.name = "group"
    # Strides on the same scale (100 = the strides of the reference hour): Σ load_au ÷ Σ strides_au over any
    # stretch is its mean per-stride load relative to an easy, level stride (used by the hints).
    per_sample["strides_au"] = 100.0 * np.where(moving, np.nan_to_num(strides), 0.0) / ref.strides
    load_samples = pd.DataFrame(per_sample, index=samples.index)
    return LoadResult(
        per_group=per_group, samples=load_samples, reference=ref, model_version=model.version,
        distance_m=distance, strides=float(stride_sum), cadence_ratio=float(cad_ratio),
        walking_share=float(np.nansum(np.where(walking, strides, 0.0)) / stride_sum) if stride_sum > 0 else np.nan,
    )


def _datetime64(index: pd.DatetimeIndex) -> np.ndarray:
    """The instants of ``index`` as a ``datetime64`` array (UTC when tz-aware), comparable across units."""
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.to_numpy()


def segment_load(load_samples: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Add ``rel_load_<group>`` (100 = one hour of easy running) to each row of ``segments``.

    Parameters
    ----------
    load_samples : pandas.DataFrame
        :attr:`LoadResult.samples` (time index, ``load_<group>_au`` columns).
    segments : pandas.DataFrame
        With ``start`` and ``end`` (same time zone as the index).  A sample belongs to a segment when
        start ≤ t < end; the last sample of the run also belongs to segments ending at it.

    Returns
    -------
    pandas.DataFrame
        A copy of ``segments`` with one column per group; loads of consecutive segments add up to the
        run's.
    """
    out = segments.copy()
    cols = [c for c in load_samples.columns if c.startswith("load_") and c.endswith("_au")]
    if not len(segments):
        for col in cols:
            out[f"rel_load_{col[5:-3]}"] = pd.Series(dtype=float)
        return out
    for name in ("start", "end"):
        if name not in segments:
            raise MissingColumnError(None, f"segments need the column {name!r}")
    # datetime64 arrays (UTC for a tz-aware index), not object arrays of Timestamps: one conversion per
    # array instead of one Python object per sample.
    stamps = _datetime64(load_samples.index)
    order = np.argsort(stamps, kind="stable")
    times = stamps[order]
    values = np.nan_to_num(load_samples[cols].to_numpy(dtype=float)[order], nan=0.0)
    cum = np.vstack([np.zeros((1, len(cols))), np.cumsum(values, axis=0)])
    start = _datetime64(pd.DatetimeIndex(segments["start"])) if len(times) else np.array([])
    end = _datetime64(pd.DatetimeIndex(segments["end"])) if len(times) else np.array([])
    lo = np.searchsorted(times, start, side="left")
    hi = np.searchsorted(times, end, side="left")
    if len(times):
        hi = np.where(end >= times[-1], np.searchsorted(times, end, side="right"), hi)
    sums = cum[hi] - cum[np.minimum(lo, hi)]
    for k, col in enumerate(cols):
        out[f"rel_load_{col[5:-3]}"] = sums[:, k]
    return out


def load_to_json(per_group: pd.DataFrame) -> dict:
    """``per_group`` as plain JSON-able data: group → rel_load, intensity_per_km, phases, drivers, …

    NaN becomes ``None``; ``"why"`` is :func:`driver_text` (the sentence the CLI and report also show).
    """
    out = {}
    for group, row in per_group.iterrows():
        out[str(group)] = {
            "rel_load": float(row["rel_load"]),
            "intensity_per_km": float(row["intensity_per_km"]),
            "phases": {p: float(row[f"phase_{p}"]) for p in PHASES},
            "drivers": {d: float(row[f"driver_{d}"]) for d in DRIVERS},
            "top_driver": str(row["top_driver"]),
            "stride_driver": str(row.get("stride_driver", "none")),
            "why": driver_text(row),
            "approximate": bool(row["approximate"]),
        }
    return jsonable(out)


def explain_load(result: LoadResult) -> dict:
    """group → :func:`driver_text` (the sentence form) for every group of ``result``.

    A long hilly run reads "Mainly from the duration …; per stride, mostly from downhill running …".
    """
    return {str(group): driver_text(row) for group, row in result.per_group.iterrows()}
