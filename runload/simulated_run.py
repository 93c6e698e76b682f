"""A simulated run and its ground truth: the data both :mod:`runload.simulate` (which builds it) and
:mod:`runload.simulate_write` (which writes it as FIT, GPX and TCX) need.

Kept apart so that the import graph is acyclic: ``simulate → simulate_write → simulated_run`` and
``simulate → simulated_run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .stats import weighted_mean

__all__ = ["KCAL_PER_KG_KM", "SimulatedRun"]

KCAL_PER_KG_KM = 1.0  # energy cost of running ≈ 1 kcal/kg/km [M-H]; for the FIT/TCX calorie fields


@dataclass
class SimulatedRun:
    """A synthetic run and its ground truth.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    truth : pandas.DataFrame
        One row per second, index ``time`` (UTC); columns described in the module docstring.  Rows with
        ``timer_on`` False are seconds the watch was paused (not written to files).
    laps : pandas.DataFrame
        One row per lap: ``first_row``, ``last_row`` (positions in ``truth``), ``intensity``, ``trigger``.
    params : dict
        Seed, athlete (height_m, khat_ref, …), cadence offset of this run, sampling, sport, sub_sport.
    record_mask : numpy.ndarray of bool
        Which truth rows a watch file holds: timer on, every second (or a smart-recording subset).
    """

    kind: str
    truth: pd.DataFrame
    laps: pd.DataFrame
    params: dict
    record_mask: np.ndarray = field(repr=False)

    @property
    def records(self) -> pd.DataFrame:
        """The truth rows the files hold."""
        return self.truth[self.record_mask]

    @property
    def start(self) -> pd.Timestamp:
        return self.truth.index[0]

    @property
    def has_gps(self) -> bool:
        return "latitude_deg" in self.truth.columns

    @property
    def has_running_dynamics(self) -> bool:
        return "stance_time_ms" in self.truth.columns

    def timer_dt_s(self) -> np.ndarray:
        """Seconds of timer time each truth row closes (0 for the first row and the row after a pause) [s]."""
        on = self.truth["timer_on"].to_numpy()
        dt = np.zeros(len(on))
        dt[1:] = (on[1:] & on[:-1]).astype(float)
        return dt

    def summary(self) -> dict:
        """Ground-truth totals and means (time-weighted over timer time), as plain floats."""
        t = self.truth
        dt = self.timer_dt_s()

        def wmean(col: str) -> float | None:
            if col not in t.columns:
                return None
            mean = weighted_mean(t[col], dt)
            return mean if np.isfinite(mean) else None

        out = {
            "timer_s": float(dt.sum()),
            "elapsed_s": float((t.index[-1] - t.index[0]).total_seconds()),
            "distance_m": float(t["distance_m"].iloc[-1]),
            "mean_speed_mps": float(t["distance_m"].iloc[-1] / dt.sum()),
            "mean_cadence_spm": wmean("cadence_spm"),
            "mean_heart_rate_bpm": wmean("heart_rate_bpm"),
            "mean_contact_time_ms": wmean("contact_time_ms"),
            "mean_flight_time_ms": wmean("flight_time_ms"),
            "mean_khat_leg_ratio": wmean("khat_leg_ratio"),
            "n_laps": len(self.laps),
        }
        if "altitude_m" in t.columns:
            d = np.diff(t["altitude_m"].to_numpy())
            out["ascent_m"] = float(d[d > 0].sum())
            out["descent_m"] = float(-d[d < 0].sum())
        if self.has_running_dynamics:
            out["mean_stance_time_ms"] = wmean("stance_time_ms")
            out["mean_vertical_oscillation_mm"] = wmean("vertical_oscillation_mm")
            out["mean_step_length_mm"] = wmean("step_length_mm")
            out["mean_stance_time_balance_pct"] = wmean("stance_time_balance_pct")
        return out
