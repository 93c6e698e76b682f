"""The versioned coefficients of the gait (contact-time) model, read from ``runload/models/gait_v*.toml``.

Every coefficient of :mod:`runload.gait` and :mod:`runload.springmass` — reference stiffness k̂_ref,
cadence exponent, the fitted device-equivalence speed term, the preferred-cadence population model and
its clamps, the walk–run cadence threshold, the walking stance fraction, the device plausibility rules,
the model input window, the power-law fallback and the sub-phase fractions — lives once, in the model
file, and is loaded the way :func:`runload.load.load_model` loads ``load_v1.toml``.  The model version
recorded in ``Analysis.model_versions["gait"]`` is the file's ``version``.

:data:`GAIT_MODEL` is the shipped default (:data:`DEFAULT_GAIT_MODEL`); the module-level constants of
:mod:`runload.gait`, :mod:`runload.springmass` and :data:`RUNNING_CADENCE_MIN_SPM` (used by
:mod:`runload.clean`) are read from it.  This module imports nothing else from runload but the errors and
the model-file reader, so every other module can import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RunloadError
from .model_files import available_models, read_model_file

__all__ = [
    "DEFAULT_GAIT_MODEL",
    "GAIT_MODEL",
    "GaitModel",
    "RUNNING_CADENCE_MIN_SPM",
    "available_gait_models",
    "load_gait_model",
]

DEFAULT_GAIT_MODEL = "gait_v3"


@dataclass(frozen=True)
class GaitModel:
    """All coefficients of one gait-model version (units in the names; science.md §1).

    Attributes
    ----------
    version : str
    khat_ref, cadence_exponent : float  [-]  target stiffness k̂_ref·(c/c_pref)^exponent (§1.5.3)
    leg_length_ratio : float  [-]  L0 / height
    speed_exponent : float  [-]  fitted device-equivalence term (v/reference)^speed_exponent; not physiology
    speed_reference_mps : float  [m/s]
    cadence_pref_at_reference_spm, cadence_pref_reference_speed_mps, cadence_pref_slope_spm_per_mps : float
        population preferred cadence at + slope·(v − reference) [steps/min]
    cadence_pref_population_range_spm, cadence_pref_personal_range_spm : (float, float)  [steps/min]
    running_cadence_min_spm : float  [steps/min]  walk–run threshold
    measured_running_contact_time_ms : (float, float)  [ms]  a device value here (at a speed of at least
        ``measured_running_speed_min_mps`` [m/s]) means "the watch measured running" (§1.5.8)
    measured_running_speed_min_mps : float  [m/s]
    walking_stance_fraction : float  [-]  tc / T_stride when walking
    device_contact_time_range_ms : (float, float)  [ms]
    device_min_flight_ms, device_smooth_window_s, device_running_speed_min_mps : float  [ms], [s], [m/s]
    input_window_s : float  [s]
    powerlaw_coefficient_s, powerlaw_exponent : float  [s], [-]
    powerlaw_speed_range_mps : (float, float)  [m/s]
    springmass_max_grade_pct, low_confidence_grade_pct : float  [%]
    phase_fractions : dict[str, tuple[str, float]]  column → ("contact" | "swing", fraction)
    """

    version: str
    khat_ref: float
    cadence_exponent: float
    leg_length_ratio: float
    speed_exponent: float
    speed_reference_mps: float
    cadence_pref_at_reference_spm: float
    cadence_pref_reference_speed_mps: float
    cadence_pref_slope_spm_per_mps: float
    cadence_pref_population_range_spm: tuple[float, float]
    cadence_pref_personal_range_spm: tuple[float, float]
    running_cadence_min_spm: float
    measured_running_contact_time_ms: tuple[float, float]
    measured_running_speed_min_mps: float
    walking_stance_fraction: float
    device_contact_time_range_ms: tuple[float, float]
    device_min_flight_ms: float
    device_smooth_window_s: float
    device_running_speed_min_mps: float
    input_window_s: float
    powerlaw_coefficient_s: float
    powerlaw_exponent: float
    powerlaw_speed_range_mps: tuple[float, float]
    springmass_max_grade_pct: float
    low_confidence_grade_pct: float
    phase_fractions: dict


def available_gait_models() -> list[str]:
    """Versions of the gait model shipped with runload (``gait_v3``, …)."""
    return available_models("gait")


def _range(value, where: str) -> tuple[float, float]:
    lo, hi = (float(x) for x in value)
    if not lo < hi:
        raise RunloadError(where, f"range {value} is not increasing")
    return lo, hi


def load_gait_model(version: str = DEFAULT_GAIT_MODEL) -> GaitModel:
    """Read the coefficients of gait-model ``version`` from the package data.

    Raises
    ------
    InvalidMethodError
        ``version`` is not shipped.
    RunloadError
        The file is malformed (missing key, a range that is not increasing, sub-phase fractions of
        contact or swing not summing to 1).

    Examples
    --------
    >>> load_gait_model("gait_v3").running_cadence_min_spm
    140.0
    """
    data, where = read_model_file(version, "gait")
    try:
        stiff, dev_eq, cp = data["stiffness"], data["device_equivalence"], data["cadence_pref"]
        cls, device, power, sm = data["classification"], data["device"], data["powerlaw"], data["springmass_outputs"]
        phases = {name: (str(p["part"]), float(p["fraction"])) for name, p in data["phases"].items()}
        for part in ("contact", "swing"):
            total = sum(f for q, f in phases.values() if q == part)
            if abs(total - 1.0) > 1e-9:
                raise RunloadError(where, f"sub-phase fractions of {part} sum to {total}, not 1")
        return GaitModel(
            version=str(data["version"]),
            khat_ref=float(stiff["khat_ref"]),
            cadence_exponent=float(stiff["cadence_exponent"]),
            leg_length_ratio=float(stiff["leg_length_ratio"]),
            speed_exponent=float(dev_eq["speed_exponent"]),
            speed_reference_mps=float(dev_eq["reference_speed_mps"]),
            cadence_pref_at_reference_spm=float(cp["population_at_reference_spm"]),
            cadence_pref_reference_speed_mps=float(cp["population_reference_speed_mps"]),
            cadence_pref_slope_spm_per_mps=float(cp["population_slope_spm_per_mps"]),
            cadence_pref_population_range_spm=_range(cp["population_range_spm"], where),
            cadence_pref_personal_range_spm=_range(cp["personal_range_spm"], where),
            running_cadence_min_spm=float(cls["running_cadence_min_spm"]),
            measured_running_contact_time_ms=_range(cls["measured_running_contact_time_ms"], where),
            measured_running_speed_min_mps=float(cls["measured_running_speed_min_mps"]),
            walking_stance_fraction=float(data["walking"]["stance_fraction"]),
            device_contact_time_range_ms=_range(device["contact_time_range_ms"], where),
            device_min_flight_ms=float(device["min_flight_ms"]),
            device_smooth_window_s=float(device["smooth_window_s"]),
            device_running_speed_min_mps=float(device["running_speed_min_mps"]),
            input_window_s=float(data["inputs"]["window_s"]),
            powerlaw_coefficient_s=float(power["coefficient_s"]),
            powerlaw_exponent=float(power["exponent"]),
            powerlaw_speed_range_mps=_range(power["speed_range_mps"], where),
            springmass_max_grade_pct=float(sm["max_grade_pct"]),
            low_confidence_grade_pct=float(sm["low_confidence_grade_pct"]),
            phase_fractions=phases,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise RunloadError(where, f"gait model is missing or has a malformed key ({e})") from e


#: The shipped gait model.
GAIT_MODEL = load_gait_model()
#: Walk–run threshold [steps/min]: the one value clean.py, gait.py and load.py use (science.md §1.4).
RUNNING_CADENCE_MIN_SPM = GAIT_MODEL.running_cadence_min_spm
