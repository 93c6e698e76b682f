"""Seeded synthetic runs with known ground truth, and the ``sample_runs/`` set written from them.

:func:`simulate_run` builds one run second by second from a plan of segments (target speed, terrain,
route, laps) for one simulated athlete, and keeps the truth beside it; :func:`write_sample_runs` writes
the ten named sample files as FIT, GPX and TCX (writers in :mod:`runload.simulate_write`) plus
``manifest.json``.  A runner's dated training log (several runs, some with a strap), and the 12-week log of
``sample_runs/`` that holds the ten (``runload sample``), are built by :mod:`runload.simulate_log`.

The truth, per second (``SimulatedRun.truth``, index ``time`` UTC)
-------------------------------------------------------------------
- ``speed_mps``: target speed of the segment through a first-order lag (τ = 5 s, acceleration) plus AR(1)
  noise (σ 0.06 m/s on the road, 0.02 m/s on a treadmill belt).  Horizontal speed, as GPS watches report.
- ``cadence_pref_spm``: the athlete's own preferred cadence c_pref(v, i) =
  :func:`~runload.springmass.cadence_pref_population` (v) + a per-run offset, times a grade term of
  +0.57 % per % uphill (Padulo et al. 2013: +4 % at 7 %) and +0.3 % per % downhill, i.e. lower cadence
  downhill (direction from Vernillo et al. 2017; size [D]) (science.md §3.2).
- ``cadence_spm``: c_pref plus AR(1) noise (σ 1.5 spm) and white noise (σ 0.8 spm) [D].
- ``khat_leg_ratio``: the true dimensionless leg stiffness k̂ =
  :func:`~runload.springmass.target_stiffness_farley1996` (c, c_pref, k̂_ref) with the athlete's true
  k̂_ref (``params["khat_ref"]``, default 11.5 — deliberately not the model default 13, so that an
  uncalibrated estimate is biased and calibration has something to find).
- ``contact_time_ms``: :func:`~runload.springmass.contact_time_morin2005` (v, c, L0 = 0.53·H, k̂), with
  H = ``params["height_m"]``; ``flight_time_ms`` = 60000/c − tc.  NaN where the model has no root
  (standing, walking pace after the pause).
- ``grade_pct``, ``altitude_m``: terrain as a function of position (a gentle park loop, grade within
  ±3 %; a hill road of 6–10 % for the repeats), so altitude and grade are exactly consistent.
- ``distance_m``: Σ v·Δt over seconds the timer ran; ``latitude_deg``/``longitude_deg``: the heading
  integrated at v·Δt per second around a fixed origin (noise-free, so distance from positions matches).
- ``heart_rate_bpm``: a first-order lag (τ = 25 s) towards a steady state linear in the grade-equivalent
  speed v·(1 + 0.045·i⁺ − 0.02·i⁻) plus a slow drift and noise [D: a demonstration model, not physiology].
- ``timer_on`` and ``lap``: what the watch's timer and lap button did.
- Running dynamics (``easy_dynamics``, or any kind with ``dynamics=True``), as a chest strap would
  report them: ``stance_time_ms`` = tc + N(0, 3 ms) (no bias, so calibrating k̂ on it recovers k̂_ref), ``stance_time_pct`` = 100·tc/T_stride,
  ``step_length_mm`` = 1000·v·60/c (+ N(0, 8 mm)), ``vertical_oscillation_mm`` = 1.15 × the sine-model
  COM excursion Δyc + g·tf²/8 (science.md §1.7; torso travel exceeds COM travel [D]) + N(0, 2 mm),
  ``vertical_ratio_pct`` = 100·VO/step length, ``stance_time_balance_pct`` around 50.6 %.

References
----------
.. [1] Morin JB et al. A simple method for measuring stiffness during running. J Appl Biomech
   2005;21:167–180. doi:10.1123/jab.21.2.167
.. [2] Farley CT, González O. Leg stiffness and stride frequency in human running. J Biomech
   1996;29:181–186. doi:10.1016/0021-9290(95)00029-1
.. [3] Padulo J et al. Step frequency and step length are modulated by grade in uphill running.
   Int J Sports Med 2013 (science.md §3.2).
.. [4] Vernillo G et al. Biomechanics and physiology of uphill and downhill running. Sports Med
   2017;47:615–629. doi:10.1007/s40279-016-0605-y
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InvalidMethodError, RunloadError
from .gait_model import GAIT_MODEL
from .geo import EARTH_RADIUS_M
from .simulate_write import WRITERS, gzip_bytes, sample_file_entry, write_bytes
from .simulated_run import SimulatedRun
from .springmass import (
    G,
    cadence_pref_population,
    contact_time_morin2005,
    leg_length_winter,
    stiffness_morin2005,
    target_stiffness_farley1996,
)

__all__ = ["KINDS", "LOG_KINDS_EXTRA", "ALL_KINDS", "SAMPLE_SET", "SAMPLE_STARTS", "Athlete", "SimulatedRun",
           "simulate_run", "sample_run", "write_sample_files", "write_manifest", "write_sample_runs"]

KINDS = ("easy", "intervals", "hills", "treadmill", "easy_dynamics")
"""The kinds of the sample set and of the analysis pins (tests/analysis_pins.py iterates over them)."""

LOG_KINDS_EXTRA = ("tempo", "hill_repeats", "downhill_race", "walk_break")
"""Further kinds for a training log (:mod:`runload.simulate_log`): ``tempo`` (15 min warm-up, 20 min at
~3.75 m/s, 10 min cool-down), ``hill_repeats`` (10 × ~380 m up the 6–10 % road and back), ``downhill_race``
(a point-to-point road race of ~9.9 km with ~5.6 km descending at 5–8 %, between a warm-up and a
cool-down jog) and ``walk_break`` (20 min easy, 3 min walking at ~1.45 m/s, 20 min easy)."""

ALL_KINDS = KINDS + LOG_KINDS_EXTRA

ORIGIN_LAT_DEG = 47.3745  # a park loop near Zürich's Dolder (any fixed origin would do)
ORIGIN_LON_DEG = 8.5710
ORIGIN_ALTITUDE_M = 560.0
LOOP_LENGTH_M = 1600.0  # perimeter of the park loop
HILL_BEARING_RAD = np.deg2rad(60.0)  # the hill road leaves the loop heading east-north-east
DESCENT_BEARING_RAD = np.deg2rad(200.0)  # the race's descent road heads south-south-west

_SPEED_LAG_S = 5.0
_HR_LAG_S = 25.0
_GRADE_UP_CADENCE = 0.0057  # +4 % cadence at 7 % grade (Padulo 2013, science.md §3.2)
_GRADE_DOWN_CADENCE = 0.003  # per % of downhill grade: cadence falls (Vernillo 2017 direction) [D]
_VO_TORSO_FACTOR = 1.15  # torso vs COM excursion [D] (science.md §1.7: they differ, torso larger)
_WALK_CADENCE_SPM = 112.0  # walking step rate at ~1.45 m/s [D]; +12 spm per m/s faster


@dataclass(frozen=True)
class Athlete:
    """The simulated athlete behind every sample run (one person, so calibration carries over).

    Attributes
    ----------
    height_m : float  [m]  leg length L0 = 0.53·H (Winter's ratio).
    body_mass_kg : float  [kg]  only for calories.
    khat_ref : float  [-]  true dimensionless leg stiffness at preferred cadence (model default is 13).
    cadence_offset_spm : float  [steps/min]  personal offset from the population cadence model.
    hr_rest_bpm, hr_max_bpm : float  [1/min]
    easy_speed_mps : float  [m/s]  the athlete's easy pace: every target speed of the run plans scales with
        it (the plans are written for 3.0 m/s; the default leaves them as they are).
    cadence_slope_spm_per_mps : float or None  [steps/min per m/s]  personal slope of the preferred
        cadence: c_pref(v) = c_pop(3 m/s) + offset + slope·(v − 3 m/s), unclamped; ``None`` (default)
        keeps the population model's slope and clamps (:func:`~runload.springmass.cadence_pref_population`).
    """

    height_m: float = 1.78
    body_mass_kg: float = 70.0
    khat_ref: float = 11.5
    cadence_offset_spm: float = -3.0
    hr_rest_bpm: float = 52.0
    hr_max_bpm: float = 188.0
    easy_speed_mps: float = 3.0
    cadence_slope_spm_per_mps: float | None = None


@dataclass(frozen=True)
class _Segment:
    """One piece of a run plan: ``duration_s`` seconds at ``speed_mps`` on ``route``.

    ``route``: "loop" (park loop terrain), "out"/"back" (the hill road), "belt" (treadmill), "down" (the
    race's descent road); ``lap``: the intensity of the new lap this segment starts (None: same lap);
    ``paused``: timer off; ``walk``: the athlete walks (walking cadence, no spring-mass contact time).
    """

    duration_s: int
    speed_mps: float
    route: str = "loop"
    lap: str | None = None
    trigger: str = "manual"
    paused: bool = False
    walk: bool = False


# --- plans -------------------------------------------------------------------------------------------

_STARTS = {  # fixed start times: one training week, so files never depend on the wall clock
    "easy": datetime(2024, 5, 6, 6, 30, tzinfo=timezone.utc),
    "intervals": datetime(2024, 5, 7, 17, 15, tzinfo=timezone.utc),
    "hills": datetime(2024, 5, 9, 6, 45, tzinfo=timezone.utc),
    "treadmill": datetime(2024, 5, 10, 18, 0, tzinfo=timezone.utc),
    "easy_dynamics": datetime(2024, 5, 12, 8, 0, tzinfo=timezone.utc),
    "tempo": datetime(2024, 5, 16, 17, 30, tzinfo=timezone.utc),
    "hill_repeats": datetime(2024, 5, 30, 6, 45, tzinfo=timezone.utc),
    "downhill_race": datetime(2024, 6, 9, 7, 0, tzinfo=timezone.utc),
    "walk_break": datetime(2024, 4, 13, 8, 30, tzinfo=timezone.utc),
}
_KIND_CODE = {k: i + 1 for i, k in enumerate(ALL_KINDS)}  # KINDS keep their codes 1–5


def _plan(kind: str, rng: np.random.Generator, scale: float = 1.0) -> list[_Segment]:
    """Segments of a run; durations and speeds vary a little with the seed.

    ``scale``: the athlete's easy speed / 3.0 m/s; every target speed is multiplied by it (1.0 leaves the
    plans as written, bit for bit).
    """
    jitter = rng.uniform(-0.08, 0.08)  # day form: ±0.08 m/s on every target speed
    if kind in ("easy", "easy_dynamics"):
        dur = 1800 if kind == "easy" else 1980
        return [_Segment(dur, 3.0 * scale + jitter, lap="active", trigger="distance")]
    if kind == "intervals":
        plan = [_Segment(300, 3.0 * scale + jitter, lap="warmup"), _Segment(40, 0.0, paused=True),
                _Segment(300, 3.0 * scale + jitter)]  # a stop to tie a shoe: the timer is paused for 40 s
        for _ in range(6):
            plan += [_Segment(180, 4.5 * scale + jitter, lap="active"),
                     _Segment(120, 2.5 * scale + jitter, lap="rest")]
        return plan + [_Segment(600, 2.9 * scale + jitter, lap="cooldown")]
    if kind == "hills":
        plan = [_Segment(600, 3.0 * scale + jitter, lap="warmup")]
        for _ in range(6):  # 300 m up at ~2.7 m/s, back down at ~3.3 m/s
            plan += [_Segment(111, 2.7 * scale + jitter, route="out", lap="active"),
                     _Segment(91, 3.3 * scale + jitter, route="back", lap="rest")]
        return plan + [_Segment(480, 2.9 * scale + jitter, lap="cooldown")]
    if kind == "treadmill":  # a step test on the belt: 5 min stages
        speeds = [2.6, 2.8, 3.1, 3.4, 3.7, 4.0, 2.5]
        kinds = ["warmup"] + ["active"] * 5 + ["cooldown"]
        return [_Segment(300, s * scale, route="belt", lap=k) for s, k in zip(speeds, kinds, strict=True)]
    return _log_plan(kind, jitter, scale)


def _log_plan(kind: str, jitter: float, scale: float) -> list[_Segment]:
    """Plans of :data:`LOG_KINDS_EXTRA` (same conventions as :func:`_plan`)."""
    if kind == "tempo":
        return [_Segment(900, 3.0 * scale + jitter, lap="warmup"), _Segment(1200, 3.75 * scale + jitter, lap="active"),
                _Segment(600, 2.9 * scale + jitter, lap="cooldown")]
    if kind == "hill_repeats":  # 10 × ~380 m up at ~2.7 m/s, back down at ~3.3 m/s
        plan = [_Segment(600, 3.0 * scale + jitter, lap="warmup")]
        for _ in range(10):
            plan += [_Segment(140, 2.7 * scale + jitter, route="out", lap="active"),
                     _Segment(115, 3.3 * scale + jitter, route="back", lap="rest")]
        return plan + [_Segment(480, 2.9 * scale + jitter, lap="cooldown")]
    if kind == "downhill_race":  # warm-up jog, flat start, the descent, flat finish, cool-down jog
        return [_Segment(600, 2.9 * scale + jitter, lap="warmup"), _Segment(500, 3.9 * scale + jitter, lap="active"),
                _Segment(1350, 4.2 * scale + jitter, route="down", lap="active"),
                _Segment(600, 3.8 * scale + jitter, lap="active"), _Segment(600, 2.7 * scale + jitter, lap="cooldown")]
    if kind == "walk_break":
        return [_Segment(1200, 3.0 * scale + jitter, lap="active"), _Segment(180, 1.45, walk=True, lap="rest"),
                _Segment(1200, 3.0 * scale + jitter, lap="active")]
    raise InvalidMethodError("kind", kind, ALL_KINDS)


def _cut(plan: list[_Segment], duration_s: int) -> list[_Segment]:
    """The first ``duration_s`` seconds of ``plan``; a one-segment plan (an easy run) is stretched to it."""
    if len(plan) == 1:
        return [dataclasses.replace(plan[0], duration_s=duration_s)]
    out, left = [], duration_s
    for seg in plan:
        if left <= 0:
            break
        out.append(seg if seg.duration_s <= left else dataclasses.replace(seg, duration_s=left))
        left -= seg.duration_s
    while out[-1].paused:  # a run does not end standing with the timer off
        out.pop()
    return out


def _ar1(rng: np.random.Generator, n: int, sigma: float, phi: float) -> np.ndarray:
    """Stationary AR(1) noise with standard deviation ``sigma`` and lag-1 correlation ``phi``."""
    e = rng.normal(0.0, sigma * np.sqrt(1.0 - phi**2), n)
    e[0] = rng.normal(0.0, sigma)
    from scipy.signal import lfilter  # noqa: PLC0415 - scipy loads when a run is simulated

    return lfilter([1.0], [1.0, -phi], e)


def _lag(x: np.ndarray, tau_s: float, x0: float) -> np.ndarray:
    """First-order lag y' = (x − y)/τ at 1 s steps, starting at ``x0`` (vectorised IIR filter)."""
    a = np.exp(-1.0 / tau_s)
    from scipy.signal import lfilter  # noqa: PLC0415

    y, _ = lfilter([1.0 - a], [1.0, -a], x, zi=[a * x0])
    return y


def _loop_altitude(d_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Park-loop terrain: altitude above the origin [m] and its slope [%] at loop distance ``d_m``."""
    w = 2.0 * np.pi / LOOP_LENGTH_M
    alt = 4.0 * np.sin(w * d_m) + 1.5 * np.sin(3.0 * w * d_m + 1.0)
    slope = 4.0 * w * np.cos(w * d_m) + 4.5 * w * np.cos(3.0 * w * d_m + 1.0)
    return alt, 100.0 * slope


def _descent_altitude(s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Descent road of the downhill race: grade −6.5 ± 1.5 %, altitude change [m] and grade [%] at ``s_m``."""
    w = 2.0 * np.pi / 250.0
    grade = -(6.5 + 1.5 * np.sin(w * s_m))
    alt = -(0.065 * s_m + 0.015 * (1.0 - np.cos(w * s_m)) / w)
    return alt, grade


def _hill_altitude(s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hill-road terrain: grade 8 ± 2 % along the road, altitude gained [m] and grade [%] at ``s_m``."""
    w = 2.0 * np.pi / 200.0
    grade = 8.0 + 2.0 * np.sin(w * s_m)
    alt = 0.08 * s_m + 0.02 * (1.0 - np.cos(w * s_m)) / w
    return alt, grade


def _check_positive(name: str, value: float, lo: float, hi: float) -> float:
    value = float(value)
    if not (lo <= value <= hi):  # also catches NaN
        raise RunloadError(None, f"{name} must be between {lo} and {hi}, got {value!r}")
    return value


def simulate_run(kind: str, *, seed: int = 0, athlete: Athlete | None = None,
                 smart_recording: bool = False, dynamics: bool | None = None,
                 start: datetime | None = None, duration_s: int | None = None) -> SimulatedRun:
    """Simulate one run of ``kind`` with known ground truth, reproducibly from ``seed``.

    Parameters
    ----------
    kind : {"easy", "intervals", "hills", "treadmill", "easy_dynamics"} or one of :data:`LOG_KINDS_EXTRA`
        ``easy``: 30 min steady ~3.0 m/s on a gentle park loop, auto-lap every km.  ``intervals``: 10 min
        warm-up, a 40 s timer pause, 6 × (3 min ~4.5 m/s / 2 min jog ~2.5 m/s), 10 min cool-down.
        ``hills``: warm-up, 6 × 300 m up and down a 6–10 % road, cool-down.  ``treadmill``: 5-min speed
        stages 2.6–4.0 m/s on a belt, no GPS, no altitude, distance from a foot pod.  ``easy_dynamics``:
        33 min easy with chest-strap running dynamics.  The training-log kinds ``tempo``,
        ``hill_repeats``, ``downhill_race`` and ``walk_break`` are described at :data:`LOG_KINDS_EXTRA`;
        walking seconds have a walking cadence and no contact time (NaN: the spring-mass model is for
        running).
    seed : int
        Same seed, same run (bit for bit); the run's speeds, noise and cadence offset change with it.
    athlete : Athlete, optional
        Who runs; default :class:`Athlete` () (H 1.78 m, k̂_ref 11.5).
    smart_recording : bool
        Keep only a smart-recording-like subset of seconds in the file (gaps of 1–7 s, lap edges kept).
    dynamics : bool, optional
        Running dynamics as a chest strap reports them (``stance_time_ms`` …, module docstring) for any
        kind.  ``None`` (default): only for ``easy_dynamics``.  For the other kinds their noise comes from
        a random stream of its own, so the same run with and without the strap has the same truth.
    start : datetime, optional
        Start of the run (timezone-aware; naive means UTC); default a fixed time of one training week.
    duration_s : int, optional  [s]
        Length of the run: an easy run is stretched or shortened to it, the other plans are cut after it
        (60 s – 6 h).  ``None``: the plan as described above.

    Returns
    -------
    SimulatedRun

    Raises
    ------
    InvalidMethodError
        ``kind`` is not one of :data:`ALL_KINDS`.
    RunloadError
        An athlete parameter is outside its plausible range.

    Examples
    --------
    >>> run = simulate_run("easy", seed=1)
    >>> bool(run.truth["cadence_spm"].between(140, 200).all())
    True
    >>> round(run.summary()["distance_m"])
    5351
    """
    if kind not in ALL_KINDS:
        raise InvalidMethodError("kind", kind, ALL_KINDS)
    athlete = athlete or Athlete()
    _check_positive("height_m", athlete.height_m, 1.0, 2.5)
    _check_positive("khat_ref", athlete.khat_ref, 5.0, 40.0)
    _check_positive("body_mass_kg", athlete.body_mass_kg, 30.0, 200.0)
    scale = _check_positive("easy_speed_mps", athlete.easy_speed_mps, 1.5, 7.0) / 3.0
    if athlete.cadence_slope_spm_per_mps is not None:
        _check_positive("cadence_slope_spm_per_mps", athlete.cadence_slope_spm_per_mps, 0.0, 30.0)
    rng = np.random.default_rng([_KIND_CODE[kind], int(seed)])
    plan = _plan(kind, rng, scale)
    if duration_s is not None:
        plan = _cut(plan, int(_check_positive("duration_s", duration_s, 60, 6 * 3600)))

    seg_of = np.repeat(np.arange(len(plan)), [s.duration_s for s in plan])
    n = len(seg_of) + 1  # one sample at t = 0, then one per second
    seg_of = np.concatenate([[0], seg_of])
    target = np.array([s.speed_mps for s in plan])[seg_of]
    paused = np.array([s.paused for s in plan])[seg_of]
    route = np.array([s.route for s in plan])[seg_of]
    belt = route == "belt"

    # Speed: lagged target (acceleration) + AR(1) fluctuation; exactly zero while standing.
    noise = _ar1(rng, n, 0.02 if kind == "treadmill" else 0.06, 0.95)
    speed = np.where(paused, 0.0, np.maximum(_lag(target, _SPEED_LAG_S, target[0]) + noise, 0.0))

    on = ~paused
    dt = np.zeros(n)
    dt[1:] = (on[1:] & on[:-1]).astype(float)
    step = speed * dt  # metres covered in the second ending at each row
    distance = np.cumsum(step)

    # Terrain and route: loop distance and hill-road coordinate advance only on their routes.
    direction = np.select([route == "out", route == "back"], [1.0, -1.0], 0.0)
    d_loop = np.cumsum(np.where(route == "loop", step, 0.0))
    s_hill = np.cumsum(direction * step)
    alt_loop, grade_loop = _loop_altitude(d_loop)
    alt_hill, grade_hill = _hill_altitude(s_hill)
    grade = np.where(route == "loop", grade_loop, direction * grade_hill)
    grade = np.where(belt, 0.0, grade)
    altitude = ORIGIN_ALTITUDE_M + alt_loop + alt_hill
    down = route == "down"
    if down.any():  # the race's descent road (no other kind has it, so their terrain is untouched)
        s_down = np.cumsum(np.where(down, step, 0.0))
        alt_down, grade_down = _descent_altitude(s_down)
        grade = np.where(down, grade_down, grade)
        altitude = altitude + alt_down
    grade[paused] = 0.0

    # Cadence: the athlete's preferred cadence at this speed and grade, plus noise.
    offset = athlete.cadence_offset_spm + rng.normal(0.0, 1.5)
    grade_term = np.where(grade > 0, _GRADE_UP_CADENCE * grade, _GRADE_DOWN_CADENCE * grade)
    c_pref = (_athlete_cadence(athlete, speed) + offset) * (1.0 + grade_term)
    cadence = c_pref + _ar1(rng, n, 1.5, 0.9) + rng.normal(0.0, 0.8, n)
    walk = np.array([s.walk for s in plan])[seg_of]
    if walk.any():  # walking steps: a stream of its own, so the running seconds keep their noise
        walk_rng = np.random.default_rng([_KIND_CODE[kind], int(seed), 2])
        walking = _WALK_CADENCE_SPM + 12.0 * (speed - 1.45) + walk_rng.normal(0.0, 2.0, n)
        cadence = np.where(walk, walking, cadence)
        c_pref = np.where(walk, np.nan, c_pref)
    cadence = np.where(paused, 0.0, cadence)
    c_pref = np.where(paused, np.nan, c_pref)

    # Contact time from the athlete's true stiffness (inverse Morin 2005 model).
    leg_m = float(leg_length_winter(athlete.height_m))
    with np.errstate(divide="ignore", invalid="ignore"):
        khat = np.where(paused | walk, np.nan, target_stiffness_farley1996(cadence, c_pref, athlete.khat_ref))
        tc_s = contact_time_morin2005(speed, cadence, leg_m, khat)
        tf_s = 60.0 / cadence - tc_s

    # Heart rate: lag towards a steady state set by grade-equivalent speed; slow drift; noise.
    v_eq = speed * (1.0 + np.where(grade > 0, 0.045 * grade, 0.02 * grade))
    span = athlete.hr_max_bpm - athlete.hr_rest_bpm
    hr_ss = athlete.hr_rest_bpm + 20.0 + span * np.clip(v_eq / 6.8, 0.0, 1.0) + 0.1 * np.arange(n) / 60.0
    hr_ss = np.where(paused, athlete.hr_rest_bpm + 45.0, np.minimum(hr_ss, athlete.hr_max_bpm))
    hr = _lag(hr_ss, _HR_LAG_S, athlete.hr_rest_bpm + 40.0) + _ar1(rng, n, 1.0, 0.8)

    t0 = pd.Timestamp(_STARTS[kind] if start is None else start)
    t0 = t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")
    index = pd.DatetimeIndex(t0 + pd.to_timedelta(np.arange(n), unit="s"), name="time")
    laps = _laps(plan, seg_of, distance, on)
    lap_of = np.zeros(n, dtype="int64")
    lap_of[laps["first_row"].to_numpy()[1:]] = 1
    lap_of = np.cumsum(lap_of)

    truth = pd.DataFrame(
        {
            "elapsed_s": np.arange(n, dtype=float),
            "timer_on": on,
            "lap": lap_of,
            "speed_mps": speed,
            "distance_m": distance,
            "cadence_spm": cadence,
            "cadence_pref_spm": c_pref,
            "heart_rate_bpm": hr,
            "grade_pct": grade,
            "contact_time_ms": 1000.0 * tc_s,
            "flight_time_ms": 1000.0 * tf_s,
            "khat_leg_ratio": khat,
        },
        index=index,
    )
    if kind != "treadmill":
        heading = _heading(route, d_loop, s_hill)
        north = np.cumsum(step * np.cos(heading))
        east = np.cumsum(step * np.sin(heading))
        truth["altitude_m"] = altitude
        truth["latitude_deg"] = ORIGIN_LAT_DEG + np.rad2deg(north / EARTH_RADIUS_M)
        truth["longitude_deg"] = ORIGIN_LON_DEG + np.rad2deg(
            east / (EARTH_RADIUS_M * np.cos(np.deg2rad(ORIGIN_LAT_DEG))))
    if kind == "easy_dynamics" and dynamics is not False:
        _add_running_dynamics(truth, leg_m, rng)
    elif dynamics:  # a stream of its own: the run's other truth is the same with or without the strap
        _add_running_dynamics(truth, leg_m, np.random.default_rng([_KIND_CODE[kind], int(seed), 1]))

    record_mask = on.copy()
    if smart_recording:
        record_mask &= _smart_mask(rng, n, laps)
    params = {
        "kind": kind,
        "seed": int(seed),
        "height_m": athlete.height_m,
        "leg_length_m": leg_m,
        "body_mass_kg": athlete.body_mass_kg,
        "khat_ref": athlete.khat_ref,
        "cadence_exponent": 1.39,
        "cadence_offset_spm": float(offset),
        "easy_speed_mps": athlete.easy_speed_mps,
        "cadence_slope_spm_per_mps": athlete.cadence_slope_spm_per_mps,
        "hr_rest_bpm": athlete.hr_rest_bpm,
        "hr_max_bpm": athlete.hr_max_bpm,
        "sampling": "smart" if smart_recording else "1s",
        "sport": "running",
        "sub_sport": "treadmill" if kind == "treadmill" else "generic",
    }
    return SimulatedRun(kind=kind, truth=truth, laps=laps, params=params, record_mask=record_mask)


def _athlete_cadence(athlete: Athlete, speed_mps: np.ndarray) -> np.ndarray:
    """The athlete's preferred cadence on the level before the per-run offset [steps/min] (see Athlete)."""
    if athlete.cadence_slope_spm_per_mps is None:
        return cadence_pref_population(speed_mps)
    ref_v = GAIT_MODEL.cadence_pref_reference_speed_mps
    return GAIT_MODEL.cadence_pref_at_reference_spm + athlete.cadence_slope_spm_per_mps * (speed_mps - ref_v)


def _heading(route: np.ndarray, d_loop: np.ndarray, s_hill: np.ndarray) -> np.ndarray:
    """Bearing from north [rad]: a closed wiggly loop, θ(d) = 2πd/P + 0.5·sin(3·2πd/P), or the hill road.

    The loop closes because ∫₀ᴾ exp(i·θ(d)) dd = 0 for a wiggle of integer order ≥ 2.
    """
    w = 2.0 * np.pi / LOOP_LENGTH_M
    loop = w * d_loop + 0.5 * np.sin(3.0 * w * d_loop)
    return np.select([route == "out", route == "back", route == "down"],
                     [HILL_BEARING_RAD, HILL_BEARING_RAD + np.pi, DESCENT_BEARING_RAD], loop)


def _laps(plan: list[_Segment], seg_of: np.ndarray, distance: np.ndarray, on: np.ndarray) -> pd.DataFrame:
    """Lap table: manual laps where a segment opens one, auto-laps every 1000 m on distance-trigger runs."""
    firsts, intensity, trigger = [], [], []
    for i, seg in enumerate(plan):
        if seg.lap is None:
            continue
        rows = np.flatnonzero(seg_of == i)
        if seg.trigger == "distance":
            km = np.floor(distance[rows] / 1000.0)
            starts = rows[np.flatnonzero(np.diff(km, prepend=km[0] - 1) > 0)]
        else:
            starts = rows[:1]
        firsts += list(starts)
        intensity += [seg.lap] * len(starts)
        trigger += [seg.trigger] * len(starts)
    firsts[0] = 0  # the first lap starts with the first sample
    laps = pd.DataFrame({"first_row": firsts, "intensity": intensity, "trigger": trigger})
    laps["last_row"] = np.append(laps["first_row"].to_numpy()[1:] - 1, len(seg_of) - 1)
    laps.loc[laps.index[-1], "trigger"] = "session_end"
    return laps[["first_row", "last_row", "intensity", "trigger"]]


def _add_running_dynamics(truth: pd.DataFrame, leg_m: float, rng: np.random.Generator) -> None:
    """Chest-strap running dynamics derived from the true gait (see module docstring)."""
    n = len(truth)
    v = truth["speed_mps"].to_numpy()
    c = truth["cadence_spm"].to_numpy()
    tc = truth["contact_time_ms"].to_numpy() / 1000.0
    tf = truth["flight_time_ms"].to_numpy() / 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        com = stiffness_morin2005(v, tc, tf, leg_m)["com_drop_m"] + G * tf**2 / 8.0
        stance = 1000.0 * tc + rng.normal(0.0, 3.0, n)
        step_len = 1000.0 * v * 60.0 / c + rng.normal(0.0, 8.0, n)
        vo = 1000.0 * _VO_TORSO_FACTOR * com + rng.normal(0.0, 2.0, n)
        truth["stance_time_ms"] = stance
        truth["stance_time_pct"] = stance * c / 1200.0  # 100 · tc / (120/c s)
        truth["stance_time_balance_pct"] = 50.6 + _ar1(rng, n, 0.4, 0.97)
        truth["vertical_oscillation_mm"] = vo
        truth["vertical_ratio_pct"] = 100.0 * vo / step_len
        truth["step_length_mm"] = step_len


def _smart_mask(rng: np.random.Generator, n: int, laps: pd.DataFrame) -> np.ndarray:
    """Rows a smart-recording watch keeps: gaps of 1–7 s, plus the first and last row of every lap."""
    gaps = rng.integers(1, 8, n)
    keep = np.zeros(n, dtype=bool)
    rows = np.cumsum(gaps) - gaps[0]
    keep[rows[rows < n]] = True
    keep[laps["first_row"].to_numpy()] = True
    keep[laps["last_row"].to_numpy()] = True
    return keep


# --- the sample set ----------------------------------------------------------------------------------

SAMPLE_SET = (
    # (file, kind, seed, smart recording, start: None = the kind's fixed start in the week of 6 May 2024)
    ("easy.fit", "easy", 1, False, None),
    ("easy.gpx.gz", "easy", 11, False, datetime(2024, 3, 28, 6, 40, tzinfo=timezone.utc)),
    ("easy.tcx.gz", "easy", 12, False, datetime(2024, 4, 6, 7, 10, tzinfo=timezone.utc)),
    ("easy_smart.fit", "easy", 13, True, datetime(2024, 4, 20, 7, 5, tzinfo=timezone.utc)),
    ("intervals.fit", "intervals", 2, False, None),
    ("hills.fit", "hills", 3, False, None),
    ("hills.gpx.gz", "hills", 14, False, datetime(2024, 4, 18, 6, 45, tzinfo=timezone.utc)),
    ("hills.tcx.gz", "hills", 15, False, datetime(2024, 4, 25, 6, 50, tzinfo=timezone.utc)),
    ("treadmill.fit", "treadmill", 4, False, None),
    ("easy_dynamics.fit", "easy_dynamics", 5, False, None),
)
"""The ten named files at the top of ``sample_runs/``, each its own activity of the one simulated runner,
dated inside the training log of :func:`runload.simulate_log.write_sample_log` (which writes them with the
rest of the log).  ``easy.fit``, ``intervals.fit``, ``hills.fit``, ``treadmill.fit`` and
``easy_dynamics.fit`` are the week of 6 May 2024 (the kinds' fixed starts); the GPX, TCX and
smart-recording files are easy and hill runs of March and April.

GPX and TCX are gzip-compressed (as in a Strava bulk export): at one point a second they are 0.4–0.9 MB
each uncompressed, 17× smaller compressed, and the readers take ``.gz`` directly."""

SAMPLE_STARTS = {f: start for f, _, _, _, start in SAMPLE_SET if start is not None}
"""Start of each file of :data:`SAMPLE_SET` that does not use its kind's fixed start."""

# The athlete fields manifest.json lists: those the sample set was written with.  Fields added later for
# other simulations (easy_speed_mps, cadence_slope_spm_per_mps) keep their defaults in the sample set,
# which leave the runs unchanged, so the committed manifest stays as it is.
_MANIFEST_ATHLETE_FIELDS = ("height_m", "body_mass_kg", "khat_ref", "cadence_offset_spm", "hr_rest_bpm",
                            "hr_max_bpm")
MANIFEST_DESCRIPTION = ("Synthetic runs from runload.simulate with known ground truth; regenerate with "
                        "`runload sample -o sample_runs`.")
MANIFEST_TRUTH_NOTES = {
    "duration_s": "timer time [s]; elapsed_s includes pauses",
    "avg_cadence_spm": "time-weighted mean of the true per-second cadence [steps/min]",
    "mean_contact_time_ms": "true contact time from contact_time_morin2005 with the athlete's khat_ref "
                            "via target_stiffness_farley1996 [ms]",
    "files": "FIT cadence is strides/min + fractional_cadence; GPX cad and TCX RunCadence are "
             "whole strides/min as Garmin exports them",
}


def sample_run(file: str, athlete: Athlete | None = None) -> SimulatedRun:
    """The simulated run behind file ``file`` of :data:`SAMPLE_SET` (e.g. ``"hills.tcx.gz"``).

    Raises
    ------
    InvalidMethodError
        ``file`` is not in the sample set.
    """
    for name, kind, seed, smart, start in SAMPLE_SET:
        if name == file:
            return simulate_run(kind, seed=seed, athlete=athlete, smart_recording=smart, start=start)
    raise InvalidMethodError("file", file, [f for f, *_ in SAMPLE_SET])


def write_sample_files(out_dir: str | Path, athlete: Athlete | None = None) -> tuple[list[Path], list[dict]]:
    """Write the files of :data:`SAMPLE_SET` into ``out_dir``; return their paths and manifest entries."""
    out = Path(out_dir)
    written: list[Path] = []
    entries = []
    for name, *_ in SAMPLE_SET:
        sim = sample_run(name, athlete)
        suffix = name.split(".", 1)[1]
        fmt, _, compression = suffix.partition(".")
        raw = WRITERS[fmt](sim)
        data = gzip_bytes(raw) if compression == "gz" else raw
        path = out / name
        write_bytes(path, data)
        written.append(path)
        entries.append(sample_file_entry(name, sim, fmt, raw, data))
    return written, entries


def write_manifest(out_dir: str | Path, entries: list[dict], athlete: Athlete | None = None, **extra) -> Path:
    """Write ``manifest.json``: description, the athlete, truth notes, ``files`` and ``extra`` sections."""
    athlete = athlete or Athlete()
    manifest = {
        "description": MANIFEST_DESCRIPTION,
        "athlete": {k: getattr(athlete, k) for k in _MANIFEST_ATHLETE_FIELDS},
        "truth_notes": MANIFEST_TRUTH_NOTES,
        "files": entries,
        **extra,
    }
    path = Path(out_dir) / "manifest.json"
    write_bytes(path, (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def write_sample_runs(out_dir: str | Path) -> list[Path]:
    """Write the ten named sample files (:data:`SAMPLE_SET`) and a ``manifest.json`` of them into ``out_dir``.

    ``runload sample`` writes them as part of the whole training log
    (:func:`runload.simulate_log.write_sample_log`); this writes only the ten.

    Parameters
    ----------
    out_dir : path-like
        Created if missing.  Existing files of the same names are overwritten; nothing is deleted.

    Returns
    -------
    list of Path
        The run files in :data:`SAMPLE_SET` order, then ``manifest.json``.

    Notes
    -----
    Everything is fixed (start times, serial numbers, seeds, attribute order), so two calls give
    byte-for-byte identical files; ``manifest.json`` records each file's sha256.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RunloadError(out, f"cannot create the output folder: {e.strerror or e}") from e
    written, entries = write_sample_files(out)
    return written + [write_manifest(out, entries)]
