"""The "Personal norms" part of a run report: which cadence norm, easy pace and contact-time stiffness the
numbers of this run were computed with, and where each came from.

Three sources, per part (science.md §3.2 personal baselines, §1.5.4 calibration):

* **your training log** — :attr:`runload.analysis.Analysis.norms`, the
  :class:`runload.norms.PersonalNorms` of the run's month that ``runload batch`` learnt from the log; its
  own sentences (:meth:`~runload.norms.PersonalNorms.describe`) say from how many runs;
* **your profile** — a value the user gave (``--profile``), which wins over the log
  (:meth:`~runload.norms.PersonalNorms.apply` fills only what the user did not set);
* **population defaults** — the cadence norm of the gait model file (165 + 7·(v − 3) steps/min), the
  default easy speed of :class:`~runload.profile.AthleteProfile` (3.0 m/s) and the uncalibrated stiffness.

Numbers are read from the model file and the profile defaults, never retyped.  Contact time from the model
is labelled "estimated".
"""

from __future__ import annotations

import math

from ..analysis import Analysis
from ..gait_model import GAIT_MODEL
from ..profile import AthleteProfile
from ..references import same_norm_value
from ..springmass import cadence_pref
from .units import Units

__all__ = ["norms_notes"]

_DEFAULT = AthleteProfile()
_OVERRIDE = "; your profile's value was used for this run, not the log's"


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _cadence_text(model, units: Units) -> str:
    """A personal cadence model in words: its cadence at the reference speed on the level and its slope."""
    v_ref = GAIT_MODEL.cadence_pref_reference_speed_mps
    at_ref = float(cadence_pref(v_ref, 0.0, model))
    slope = _float(model[1])
    return (f"{at_ref:.0f} steps/min at {units.format_pace(1000.0 / v_ref)} on the level"
            + (f", {slope:+.1f} steps/min per m/s" if math.isfinite(slope) else ""))


def _population_cadence() -> str:
    m = GAIT_MODEL
    return (f"{m.cadence_pref_at_reference_spm:g} + {m.cadence_pref_slope_spm_per_mps:g}·(v − "
            f"{m.cadence_pref_reference_speed_mps:g}) steps/min, v in m/s")


def _speed_text(speed_mps: float, units: Units) -> str:
    return f"{units.format_pace(1000.0 / speed_mps)} ({speed_mps:.2f} m/s)"


def _calibration_text(profile: AthleteProfile) -> str:
    cal = profile.calibration
    if cal is None:
        return f"estimated with your profile's stiffness k̂ = {profile.khat_ref:.1f} (not fitted on measured runs)"
    sd = _float(getattr(cal, "residual_sd_ms", None))
    runs = len(getattr(cal, "runs", None) or [])
    device = getattr(cal, "device", None)
    on = f" on {runs} of your runs" if runs else ""
    with_device = f" with {device}" if device else ""
    error = f" (typical error ±{sd:.0f} ms)" if math.isfinite(sd) else ""
    return f"estimated, calibrated{on}{with_device} (k̂ = {profile.khat_ref:.1f}){error}"


def norms_notes(analysis: Analysis, units: Units) -> dict:
    """What the report's "Personal norms" part says.

    Parameters
    ----------
    analysis : Analysis
        ``analysis.norms`` (a :class:`runload.norms.PersonalNorms` or None) and ``analysis.profile`` (the
        profile the numbers were computed with, the norms already applied).
    units : Units

    Returns
    -------
    dict
        ``source`` — ``"log"`` (norms from the training log were used), ``"profile"`` (no log norms, but
        the user's profile sets at least one part) or ``"population"``; ``month`` — the month the log
        norms are for (``"November 2026"``) or ``""``; ``sentences`` — the norms' own description
        (empty without norms; it covers every part, saying where the population model was used); ``items``
        — one ``{"label", "source", "text"}`` per part NOT covered by those sentences: without norms, every
        part (the profile's value or the population default); with norms, a profile value that overrode
        the log's (the user's explicit values win).
    """
    profile, norms = analysis.profile, analysis.norms
    sentences = [str(s) for s in norms.describe(units.system)] if norms is not None else []
    items: list[dict] = []

    # Cadence norm.
    log_cadence = getattr(norms, "cadence_model", None)
    if profile.cadence_model is not None and not same_norm_value(profile.cadence_model, log_cadence):
        items.append(dict(label="Cadence norm", source="your profile",
                          text=_cadence_text(profile.cadence_model, units)
                          + _OVERRIDE * (norms is not None)))
    elif profile.cadence_model is None and norms is None:
        items.append(dict(label="Cadence norm", source="population default", text=_population_cadence()))

    # Easy pace (v_ref of the load model).
    speed = _float(profile.easy_speed_mps)
    personal_speed = not math.isclose(speed, _DEFAULT.easy_speed_mps)
    if personal_speed and not same_norm_value(speed, getattr(norms, "easy_speed_mps", None)):
        items.append(dict(label="Easy pace", source="your profile", text=_speed_text(speed, units)
                          + _OVERRIDE * (norms is not None)))
    elif not personal_speed and norms is None:
        items.append(dict(label="Easy pace", source="population default", text=_speed_text(speed, units)))

    # Contact-time stiffness.
    log_cal = getattr(norms, "calibration", None)
    profile_cal = profile.calibration
    from_log = profile_cal is not None and same_norm_value(profile_cal.khat_ref, getattr(log_cal, "khat_ref", None))
    stiffness_given = profile_cal is not None or not math.isclose(profile.khat_ref, _DEFAULT.khat_ref)
    if stiffness_given and not from_log:
        items.append(dict(label="Contact time", source="your profile", text=_calibration_text(profile)
                          + _OVERRIDE * (norms is not None)))
    elif not stiffness_given and norms is None:
        items.append(dict(label="Contact time", source="population default",
                          text=f"estimated with the uncalibrated population stiffness k̂ = {_DEFAULT.khat_ref:g} "
                               "(about ±10 %) where the watch did not measure it"))

    month = getattr(norms, "month", None)
    if norms is not None:
        source = "log"
    elif any(item["source"] == "your profile" for item in items):
        source = "profile"
    else:
        source = "population"
    return dict(source=source, month=f"{month:%B %Y}" if month is not None else "", sentences=sentences,
                items=items)
