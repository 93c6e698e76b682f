"""The result of analysing one run: the contract between the science modules and the reports.

Every stage fills its part; :mod:`runload.report` only draws what is here and never computes science.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .profile import AthleteProfile
from .run import Run

__all__ = ["Hint", "Analysis", "MUSCLE_GROUPS", "LEG_GROUPS", "UPPER_BODY_GROUPS", "HINTS_FOOTER"]

LEG_GROUPS = ("glutes", "quadriceps", "hamstrings", "hip_flexors", "calves", "foot_ankle")
UPPER_BODY_GROUPS = ("core", "shoulders", "back")
MUSCLE_GROUPS = LEG_GROUPS + UPPER_BODY_GROUPS

# science.md §3.1 rule 5: the standing footer of every list of hints.
HINTS_FOOTER = (
    "runload estimates training load from your watch data using models from laboratory research. "
    "It is not medical advice and cannot detect or diagnose injuries. If you have pain that persists "
    "for more than a few days, gets worse, or changes how you run, stop and consult a qualified health "
    "professional."
)


@dataclass
class Hint:
    """One run hint (science.md §3).

    Attributes
    ----------
    id : str  rule id, e.g. ``"H5"`` or ``"Q1"`` for data-quality hints
    title : str  short heading
    severity : str  tier, e.g. ``"info"``, ``"small"``, ``"moderate"``, ``"large"``, ``"tier 1"``
    evidence : str  grade ``"A"``–``"D"``
    evidence_label : str  ``"strong"``, ``"moderate"``, ``"limited"`` or ``"model-based"``
    groups : list[str]  muscle groups involved (keys of :data:`MUSCLE_GROUPS`)
    values : dict  the numbers that triggered it, with units in the keys
    message : str  the hint text, following the wording rules of science.md §3.1
    tips : list[str]  the texts of the tips for those groups (:attr:`advice` has them by category, with sources)
    origin : str  ``"run"`` (a rule judged on this run alone) or ``"log"`` (a history rule judged against
        the runner's training log, :mod:`runload.history`)
    """

    id: str
    title: str
    severity: str
    evidence: str
    evidence_label: str
    groups: list[str]
    values: dict
    message: str
    tips: list[str] = field(default_factory=list)
    origin: str = "run"

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    @property
    def advice(self) -> dict:
        """Tips by category (strengthening, mobility, shoes) with their sources (:func:`runload.hints.hint_advice`)."""
        from .hints import hint_advice

        return hint_advice(self.id, self.groups or [])


@dataclass
class Analysis:
    """Everything runload computed for one run.

    Attributes
    ----------
    run : Run
        The run as read (raw canonical samples and meta).
    profile : AthleteProfile
        The athlete profile the numbers were computed with.
    samples : pandas.DataFrame
        Same index as ``run.samples``.  Cleaned columns (``speed_mps``, ``distance_m``, ``cadence_spm``,
        ``altitude_m``, ``grade_pct`` — NaN where unknown —, ``dt_s`` sample weight [s], ``state`` ∈
        {running, walking, standing, paused}, ``accelerating``) and gait columns (``step_time_ms``,
        ``stride_time_ms``, ``contact_time_ms``, ``flight_time_ms``, ``swing_time_ms``, ``duty_factor``,
        ``absorption_time_ms``, ``midstance_time_ms``, ``propulsion_time_ms``, ``early_swing_time_ms``,
        ``late_swing_time_ms``, ``contact_time_source`` ∈ {device, model, walking, none}, and on level
        steady running ``peak_force_bw``, ``khat_leg``, ``k_vert_kn_per_m``, ``k_leg_kn_per_m``).
    segments : pandas.DataFrame
        One row per lap, split and detected segment: ``kind`` (lap, split, steady, work, recovery, climb,
        descent), ``label``, ``start``, ``end`` (UTC), ``duration_s``, ``distance_m``, ``pace_s_per_km``,
        ``gap_s_per_km`` (grade-adjusted, Minetti 2002), ``grade_pct``, ``cadence_spm``,
        ``heart_rate_bpm``, ``contact_time_ms``, ``flight_time_ms``, ``duty_factor``,
        ``contact_time_source``, and once the load model ran ``rel_load_<group>`` per muscle group
        (100 = one hour of the runner's easy running).
    summary : dict
        Run-level figures with units in the keys (``distance_m``, ``elapsed_s``, ``moving_s``,
        ``timer_s``, ``pace_s_per_km`` and ``gap_s_per_km`` (over timer time, as the watch's average
        pace), ``moving_pace_s_per_km`` and ``moving_gap_s_per_km`` (over moving time), ``avg_cadence_spm``, ``avg_heart_rate_bpm``,
        ``ascent_m``, ``descent_m``, ``contact_time_ms``, ``flight_time_ms``, ``duty_factor``,
        ``contact_time_source``, ``device_contact_share`` …).
    load : pandas.DataFrame or None
        Index ``group`` (the nine :data:`MUSCLE_GROUPS`), columns ``rel_load`` (100 = one hour of the
        runner's easy running), ``intensity_per_km`` (100 = easy running per km), ``phase_absorption``,
        ``phase_midstance``, ``phase_propulsion``, ``phase_early_swing``, ``phase_late_swing`` (shares
        summing to 1), ``driver_speed``, ``driver_cadence``, ``driver_uphill``, ``driver_downhill``,
        ``driver_volume`` (factors, 1 = as in easy running), ``top_driver`` (of the run) and
        ``stride_driver`` (of a stride, duration left out), ``cadence_ratio`` (cadence over the runner's
        norm), ``approximate`` (True for the upper body).
    load_samples : pandas.DataFrame or None
        Same index as ``samples``; ``load_<group>_au`` per sample and ``strides_au`` (strides on the same
        scale), so per-stride loads need no second run of the load model.
    hints : list[Hint]
        The training hints shown (at most two, §3.1 rule 6), then the data-quality hints.  In a training
        log (``runload batch``) the training hints are the final ones over the log: single-run and history
        hints merged under the rate limits (``origin`` says which).
    hint_candidates : list[Hint]
        Every training hint the single-run rules raised, before the rate limits (the store keeps them,
        so the rate limits can be applied again over a whole log).
    norms : runload.norms.PersonalNorms or None
        The personal norms learnt from the runner's training log that this run was analysed with
        (``None``: population defaults, or only what the given profile sets).
    history_rules : tuple of str
        The history rules evaluated for this run over its training log (``runload batch``, once the log
        before it is long enough); empty for a run analysed alone.
    footer : str
        The standing footer that accompanies every list of hints.
    model_versions : dict
        Versions of the models used (``{"gait": "...", "load": "load_v1"}``).
    """

    run: Run
    profile: AthleteProfile
    samples: pd.DataFrame
    segments: pd.DataFrame
    summary: dict
    load: pd.DataFrame | None = None
    load_samples: pd.DataFrame | None = None
    hints: list[Hint] = field(default_factory=list)
    hint_candidates: list[Hint] = field(default_factory=list)
    norms: object | None = None
    history_rules: tuple[str, ...] = ()
    footer: str = HINTS_FOOTER
    model_versions: dict = field(default_factory=dict)

    @property
    def quality_hints(self) -> list[Hint]:
        """The data-quality hints among :attr:`hints`: those that are not training candidates."""
        return [h for h in self.hints if not any(h is c for c in self.hint_candidates)]

    def as_json_dict(self) -> dict:
        """The analysis as JSON-ready data (what ``runload analyze --json`` prints, one object per run).

        Keys: ``path`` (the file), ``run`` (which session of the file — ``index`` 0-based and
        ``n_sessions`` —, format, sport, device, start in UTC and in local time with ``utc_offset_s`` and
        ``timezone``, the reader's ``warnings``), ``summary`` (:attr:`summary`), ``gait`` (running-time
        averages, where contact time came from, model versions and profile), ``segments`` (one object per
        row of :attr:`segments`), ``load`` (:func:`runload.load.load_to_json`), ``hints`` and ``footer``.
        NaN is ``null`` and times are ISO 8601 (:func:`runload.jsonable.jsonable`).
        """
        from .jsonable import jsonable
        from .load import load_to_json
        from .report.units import local_time

        meta, s, p = self.run.meta, self.summary, self.profile
        start_local = local_time(meta.start, meta.utc_offset_s, meta.timezone)
        run = {
            "index": meta.session_index,
            "n_sessions": meta.n_sessions,
            "format": meta.format,
            "sport": meta.sport,
            "sub_sport": meta.sub_sport,
            "device": str(meta.device) if (meta.device.manufacturer or meta.device.product) else None,
            "name": meta.name,
            "start": meta.start,
            "start_local": start_local,
            "utc_offset_s": meta.utc_offset_s,
            "timezone": meta.timezone,
            "warnings": list(meta.warnings),
        }
        gait = {
            "contact_time_ms": s.get("contact_time_ms"),
            "flight_time_ms": s.get("flight_time_ms"),
            "swing_time_ms": s.get("swing_time_ms"),
            "step_time_ms": s.get("step_time_ms"),
            "duty_factor": s.get("duty_factor"),
            "contact_time_source": s.get("contact_time_source"),
            "source_shares": {
                "device": s.get("device_contact_share"),
                "model": s.get("model_contact_share"),
                "walking": s.get("walking_share"),
                "none": s.get("none_share"),
            },
            "low_confidence_share": s.get("low_confidence_share"),
            "gait_source": s.get("gait_source"),
            "model_versions": self.model_versions,
            "profile": {"height_m": p.height_m, "khat_ref": p.khat_ref, "cadence_exponent": p.cadence_exponent,
                        "calibrated": p.calibration is not None},
        }
        return jsonable({
            "path": meta.source, "run": run, "summary": s, "gait": gait, "segments": self.segments,
            "load": load_to_json(self.load) if self.load is not None else None,
            "hints": [h.as_dict() for h in self.hints],
            "footer": self.footer,
        })

    def to_json(self) -> str:
        """:meth:`as_json_dict` as one line of strict JSON (no ``NaN``)."""
        from .jsonable import dumps

        return dumps(self.as_json_dict())
