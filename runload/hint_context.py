"""What the hint rules read about one analysed run: :class:`RunContext` and :class:`HintHistory`.

Split from :mod:`runload.hints` (which re-exports both): the per-sample arrays every rule shares, computed
once from an :class:`~runload.analysis.Analysis`, and the earlier runs a history rule may compare with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .analysis import Analysis
from .profile import AthleteProfile

__all__ = ["HintHistory", "RunContext", "run_start"]


@dataclass
class HintHistory:
    """What the history rules and rate limits know about earlier runs (from the training-log store).

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per earlier run: ``start`` (UTC), ``distance_m`` [m], ``duration_s`` [s].
    shown : pandas.DataFrame
        Hints already shown: ``time`` (UTC), ``id``, ``severity``.
    """

    runs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["start", "distance_m", "duration_s"]))
    shown: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["time", "id", "severity"]))


def _has_personal_cadence(profile: AthleteProfile) -> bool:
    """True when c_pref is the runner's own cadence model (§3.2), not the population norm."""
    return profile.cadence_model is not None


def _has_personal_easy_speed(profile: AthleteProfile) -> bool:
    """True when v_easy is the runner's own easy speed, not the population default of 3.0 m/s.

    A stiffness calibration (``profile.calibration``) is about contact time only: it makes neither the
    cadence norm nor the easy pace personal.
    """
    return profile.easy_speed_mps != AthleteProfile().easy_speed_mps


def run_start(analysis: Analysis):
    """The run's start (UTC): the file's, else its first sample's time; None without samples."""
    s = analysis.samples
    return analysis.run.meta.start or (s.index.min() if len(s) else None)


class RunContext:
    """Per-sample arrays the rules share, computed once from an :class:`Analysis`."""

    def __init__(self, analysis: Analysis, history: HintHistory | None = None):
        self.analysis, self.history = analysis, history
        s = analysis.samples
        n = len(s)

        def col(name):
            return pd.to_numeric(s[name], errors="coerce").to_numpy(float) if name in s else np.full(n, np.nan)

        self.speed, self.cadence, self.dt = col("speed_mps"), col("cadence_spm"), np.nan_to_num(col("dt_s"))
        self.grade = col("grade_pct") / 100.0
        state = s["state"].astype(str).to_numpy() if "state" in s else np.full(n, "running")
        self.running = state == "running"
        self.moving = self.running | (state == "walking")
        accel = s["accelerating"].astype("boolean").fillna(False).to_numpy(bool) if "accelerating" in s else np.zeros(n, bool)
        self.steady = self.running & ~accel
        self.source = s["contact_time_source"].astype(str).to_numpy() if "contact_time_source" in s else None
        self.profile = analysis.profile
        self.personal_cadence = _has_personal_cadence(analysis.profile)
        self.personal_speed = _has_personal_easy_speed(analysis.profile)
        self.running_s = float(self.dt[self.running].sum())
        self.moving_s = float(self.dt[self.moving].sum())
        self.horizontal_m = np.where(self.moving, np.nan_to_num(self.speed) * self.dt, 0.0)
        self.start = run_start(analysis)

    def load_value(self, group: str, column: str) -> float:
        load = self.analysis.load
        if load is None or group not in load.index:
            return float("nan")
        return float(load.loc[group, column])

    def per_stride_load(self, group: str, mask: np.ndarray) -> float:
        """Mean per-stride load of ``group`` over the samples in ``mask`` [-] (1 = an easy, level stride).

        Σ load_<group>_au ÷ Σ strides_au over ``mask``: both columns of ``analysis.load_samples`` are on
        the scale of :func:`runload.load.compute_load` (100 = one hour of easy running), so the load model
        is not rebuilt here.  NaN without per-sample loads and strides.
        """
        loads = self.analysis.load_samples
        column = f"load_{group}_au"
        if loads is None or column not in loads or "strides_au" not in loads or not mask.any():
            return float("nan")
        index = self.analysis.samples.index
        load = pd.to_numeric(loads[column], errors="coerce").reindex(index).to_numpy(float)
        strides = pd.to_numeric(loads["strides_au"], errors="coerce").reindex(index).to_numpy(float)
        ok = mask & np.isfinite(load) & np.isfinite(strides)
        if not ok.any() or strides[ok].sum() <= 0:
            return float("nan")
        return float(load[ok].sum() / strides[ok].sum())

    def balance(self) -> np.ndarray | None:
        for frame in (self.analysis.samples, self.analysis.run.samples):
            if "stance_time_balance_pct" in frame:
                values = pd.to_numeric(frame["stance_time_balance_pct"], errors="coerce")
                return values.reindex(self.analysis.samples.index).to_numpy(float)
        return None
