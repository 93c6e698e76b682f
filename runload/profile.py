"""The athlete profile: the few facts about the runner that the models need.

Defaults are population values from science.md and are documented per field; a profile can be saved to
and read from TOML (``runload calibrate`` writes one with a fitted stiffness).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import tomli_w

from .errors import RunloadError
from .springmass import (
    CADENCE_EXPONENT_FARLEY1996,
    KHAT_REF_DEFAULT,
    LEG_LENGTH_RATIO,
    SPEED_EXPONENT_DEFAULT,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["AthleteProfile", "Calibration", "load_profile", "save_profile", "profile_for_run", "given_profile"]


@dataclass
class Calibration:
    """How a personal stiffness was fitted (science.md §1.5.4).

    Attributes
    ----------
    khat_ref : float  [-]  fitted reference leg stiffness
    cadence_exponent : float  [-]  fitted (or default 1.39) cadence exponent
    speed_exponent : float  [-]  fitted personal speed term of the target stiffness (0 = not fitted)
    residual_sd_ms : float  [ms]  SD of model − device contact time over the fitting seconds
    mae_ms : float  [ms]
    n_seconds : int  seconds used
    runs : list[str]  source files the fit came from
    fitted_at : str  ISO date of the fit
    device : str | None  device family the device contact time came from
    """

    khat_ref: float
    cadence_exponent: float
    residual_sd_ms: float
    mae_ms: float
    n_seconds: int
    runs: list[str] = field(default_factory=list)
    fitted_at: str = ""
    device: str | None = None
    speed_exponent: float = 0.0


@dataclass
class AthleteProfile:
    """Facts about the runner.

    Attributes
    ----------
    height_m : float  [m]  default 1.75 (science.md §1.5.4 [D])
    mass_kg : float  [kg]  default 70; used only to show forces in N and stiffness in N/m
    khat_ref : float  [-]  reference dimensionless leg stiffness, default 13 (Morin 2005 treadmill group)
    cadence_exponent : float  [-]  default 1.39 (Farley & González 1996)
    speed_exponent : float  [-]  speed term δ of the target stiffness k̂·(v/3 m/s)^δ
        (:func:`runload.gait.target_stiffness`); default: the gait model file's fitted device-equivalence
        term (science.md §1.5.8; adopted because leave-one-repository-out cross-validation lowered the
        median per-file error, docs/gait_validation.md) — it makes the estimate follow what watches
        report, it is not physiology (0 is the science.md model).  A personal calibration may fit it
        (``runload calibrate --fit-speed-exponent``).
    easy_speed_mps : float  [m/s]  v_ref of the load model: the runner's median easy level speed,
        default 3.0 (science.md §2.3)
    cadence_model : tuple[float, float, float, float] | None
        Personal preferred cadence c_pref = b0 + b1·v + b2·i⁺ + b3·i⁻ [spm] (science.md §3.2);
        ``None`` uses the population 165 + 7·(v − 3).
    hr_max_bpm : float | None  [1/min]  maximum heart rate: the anchor of the report's heart-rate zones
        (:mod:`runload.zones`); without it the highest heart rate of each run stands in, as the report says
    threshold_pace_s_per_km : float | None  [s/km]  threshold pace (about the pace of an all-out hour): the
        anchor of the report's pace zones (:mod:`runload.zones`); without it it is assumed from
        ``easy_speed_mps``, as the report says
    calibration : Calibration | None
    """

    height_m: float = 1.75
    mass_kg: float = 70.0
    khat_ref: float = KHAT_REF_DEFAULT
    cadence_exponent: float = CADENCE_EXPONENT_FARLEY1996
    speed_exponent: float = SPEED_EXPONENT_DEFAULT
    easy_speed_mps: float = 3.0
    cadence_model: tuple[float, float, float, float] | None = None
    hr_max_bpm: float | None = None
    threshold_pace_s_per_km: float | None = None
    calibration: Calibration | None = None

    def __post_init__(self):
        if not 1.0 <= self.height_m <= 2.5:
            raise RunloadError(None, f"height {self.height_m} m is outside 1.0–2.5 m")
        if not 25 <= self.mass_kg <= 250:
            raise RunloadError(None, f"mass {self.mass_kg} kg is outside 25–250 kg")
        if not 0.5 <= self.easy_speed_mps <= 12.5:
            raise RunloadError(None, f"easy speed {self.easy_speed_mps} m/s is outside 0.5–12.5 m/s")
        if self.hr_max_bpm is not None and not 100 <= self.hr_max_bpm <= 250:
            raise RunloadError(None, f"hr_max_bpm {self.hr_max_bpm} is outside 100–250 bpm")
        if self.threshold_pace_s_per_km is not None and not 80 <= self.threshold_pace_s_per_km <= 2000:
            raise RunloadError(None, f"threshold pace {self.threshold_pace_s_per_km} s/km is outside 80–2000 s/km")

    @property
    def leg_length_m(self) -> float:
        """L0 = 0.53 · height [m] (Winter's ratio, Morin 2005)."""
        return LEG_LENGTH_RATIO * self.height_m

    @property
    def is_default(self) -> bool:
        return self == AthleteProfile()


def save_profile(profile: AthleteProfile, path: str | Path) -> None:
    """Write ``profile`` as TOML (``None`` values are left out).

    Parameters
    ----------
    profile : AthleteProfile
        The profile to save (e.g. the result of :func:`runload.calibrate_profile`).
    path : str or path-like
        The TOML file to write; :func:`load_profile` reads it back unchanged.

    Returns
    -------
    None
    """
    data = {k: v for k, v in asdict(profile).items() if v is not None}
    if "calibration" in data:
        data["calibration"] = {k: v for k, v in data["calibration"].items() if v is not None}
    if "cadence_model" in data:
        data["cadence_model"] = list(data["cadence_model"])
    Path(path).write_text(tomli_w.dumps(data))


def load_profile(path: str | Path) -> AthleteProfile:
    """Read a profile written by :func:`save_profile` (or by hand).

    Parameters
    ----------
    path : str or path-like
        A TOML file whose keys are :class:`AthleteProfile` fields (``height_m``, ``mass_kg``, …);
        missing keys keep their documented defaults.

    Returns
    -------
    AthleteProfile

    Raises
    ------
    RunloadError
        The file cannot be read or parsed, has unknown keys, or a value the profile rejects.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RunloadError(path, f"cannot read profile: {e}") from e
    known = {f.name for f in fields(AthleteProfile)}
    unknown = set(data) - known
    if unknown:
        raise RunloadError(path, f"unknown profile keys: {', '.join(sorted(unknown))}")
    if "calibration" in data:
        data["calibration"] = Calibration(**data["calibration"])
    if "cadence_model" in data:
        data["cadence_model"] = tuple(float(x) for x in data["cadence_model"])
    try:
        return AthleteProfile(**data)
    except TypeError as e:
        raise RunloadError(path, f"bad profile: {e}") from e


def profile_for_run(run, profile: AthleteProfile | None = None, *, height_m: float | None = None,
                    mass_kg: float | None = None, easy_speed_mps: float | None = None) -> AthleteProfile:
    """The profile to analyse ``run`` with.

    ``profile`` when given; otherwise the defaults with the height and mass the watch's user profile
    recorded in the file (``run.meta.athlete_height_m`` / ``athlete_mass_kg``), because the leg length
    drives the contact-time model (docs/gait_validation.md: the runner's own height lowers the median
    error).  ``height_m`` / ``mass_kg`` (e.g. ``--height``/``--mass``) and ``easy_speed_mps`` [m/s] (e.g.
    ``--easy-pace``) override both.
    """
    if profile is None:
        from_file = {k: v for k, v in (("height_m", run.meta.athlete_height_m),
                                       ("mass_kg", run.meta.athlete_mass_kg)) if v is not None}
        profile = AthleteProfile(**from_file)
    changes = {k: v for k, v in (("height_m", height_m), ("mass_kg", mass_kg), ("easy_speed_mps", easy_speed_mps))
               if v is not None}
    return replace(profile, **changes) if changes else profile


def given_profile(run, profile: AthleteProfile | None = None, *, height_m: float | None = None,
                  mass_kg: float | None = None, easy_speed_mps: float | None = None) -> AthleteProfile | None:
    """The profile a user gave for ``run`` (a profile and/or ``--height``/``--mass``/``--easy-pace``),
    resolved with :func:`profile_for_run`; ``None`` when nothing was given, so that
    :func:`runload.analyze_run` uses and records the file's (or the default) profile itself.
    """
    if profile is None and height_m is None and mass_kg is None and easy_speed_mps is None:
        return None
    return profile_for_run(run, profile, height_m=height_m, mass_kg=mass_kg, easy_speed_mps=easy_speed_mps)
