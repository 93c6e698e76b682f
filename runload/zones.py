"""Heart-rate and pace zones: the time a run spent in each.

Zones are conventions for describing intensity, not physiology measured by runload: the report shows
them so a runner can compare a run with what their watch or training plan says.

Heart rate — five zones as fractions of the maximum heart rate (:data:`HR_ZONE_FRACTIONS`, the common
%HRmax scheme that Garmin's default zones follow): 50–60 %, 60–70 %, 70–80 %, 80–90 %, 90–100 % of HRmax,
and "below zone 1" under 50 %.  HRmax is the profile's ``hr_max_bpm``; without it the highest heart rate
of the run stands in (a lower bound of the runner's maximum, so the zones then read high — the page says
so).

Pace — five zones as percentages of the threshold pace (time per km; :data:`PACE_ZONE_PERCENT`), after
Joe Friel's run pace zones as commonly tabulated (Z1 slower than 129 %, Z2 114–129 %, Z3 106–114 %,
Z4 100–106 %, Z5 faster than threshold pace; his Z5a–c are merged into one).  The threshold pace is the
profile's ``threshold_pace_s_per_km``; without it it is *assumed* from the easy pace the load model uses
(``easy_speed_mps``): easy running is taken to sit in the middle of zone 2, so threshold pace = easy pace ÷
:data:`EASY_PACE_PER_THRESHOLD` — a stated assumption, labelled as such on the page.

Time in zone is the sum of the samples' weights ``dt_s`` (:mod:`runload.clean`: the timer-running part of
each sample interval).  Heart rate counts every timed sample with a heart rate; pace counts only moving
samples (state not ``standing``/``paused``) at a speed ≥ 1 m/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["HR_ZONE_FRACTIONS", "PACE_ZONE_PERCENT", "EASY_PACE_PER_THRESHOLD", "MIN_PACE_SPEED_MPS", "Zones",
           "hr_zones", "pace_zones", "time_in_zones", "run_zones"]

#: Lower bounds of HR zones 1–5 as a fraction of HRmax (zone 5 runs to HRmax and above).
HR_ZONE_FRACTIONS = (0.50, 0.60, 0.70, 0.80, 0.90)
HR_ZONE_NAMES = ("below zone 1", "zone 1 (very light)", "zone 2 (light)", "zone 3 (moderate)", "zone 4 (hard)",
                 "zone 5 (maximum)")
#: Pace zone bounds in % of threshold pace (time per distance), slowest first: Z1 slower than 129 %, …
PACE_ZONE_PERCENT = (129.0, 114.0, 106.0, 100.0)
PACE_ZONE_NAMES = ("zone 1 (recovery)", "zone 2 (aerobic, easy)", "zone 3 (tempo)", "zone 4 (threshold)",
                   "zone 5 (faster than threshold)")
#: Assumed easy pace ÷ threshold pace without a threshold pace in the profile: the middle of zone 2.
EASY_PACE_PER_THRESHOLD = (PACE_ZONE_PERCENT[0] + PACE_ZONE_PERCENT[1]) / 200.0
MIN_PACE_SPEED_MPS = 1.0  # slower than 16:40 /km is not counted as running at a pace [m/s]


@dataclass
class Zones:
    """One zone scheme with the time a run spent in each zone.

    Attributes
    ----------
    kind : {"hr", "pace"}
    names : list[str]  one per zone, lowest intensity first
    lower : list[float]  lower bound of each zone in the scheme's own unit: bpm for heart rate, m/s for
        pace (speed; the first zone's bound is 0 or −inf)
    seconds : list[float]  [s] time in each zone
    anchor : float  HRmax [bpm] or threshold pace [s/km]
    source : str  where the anchor came from: ``"profile"``, ``"run"`` (highest HR of the run) or
        ``"assumed"`` (threshold pace from the easy pace)
    """

    kind: str
    names: list[str]
    lower: list[float]
    seconds: list[float]
    anchor: float
    source: str

    @property
    def total_s(self) -> float:
        return float(sum(self.seconds))


def time_in_zones(values, weights_s, lower) -> list[float]:
    """Seconds of ``values`` in each zone ``[lower[k], lower[k+1])`` (the last zone open above).

    Samples with a non-finite value or weight, or below ``lower[0]``, are not counted.

    >>> time_in_zones([100, 130, 150, 170, 40], [1, 1, 2, 1, 5], [50, 120, 160])
    [1.0, 3.0, 1.0]
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights_s, dtype=float)
    bounds = np.asarray(lower, dtype=float)
    ok = np.isfinite(v) & np.isfinite(w) & (v >= bounds[0])
    k = np.searchsorted(bounds, v[ok], side="right") - 1
    return [float(x) for x in np.bincount(k, weights=w[ok], minlength=len(bounds))[: len(bounds)]]


def hr_zones(heart_rate_bpm, weights_s, hr_max_bpm: float | None) -> Zones | None:
    """Time in the %HRmax zones; ``hr_max_bpm`` ``None`` → the highest heart rate recorded stands in.

    ``None`` without any heart rate.
    """
    hr = np.asarray(heart_rate_bpm, dtype=float)
    finite = hr[np.isfinite(hr) & (hr > 0)]
    if finite.size == 0:
        return None
    source = "profile"
    if hr_max_bpm is None or not math.isfinite(float(hr_max_bpm)) or hr_max_bpm <= 0:
        hr_max_bpm, source = float(finite.max()), "run"
    lower = [0.0] + [f * float(hr_max_bpm) for f in HR_ZONE_FRACTIONS]
    return Zones("hr", list(HR_ZONE_NAMES), lower, time_in_zones(hr, weights_s, lower), float(hr_max_bpm), source)


def pace_zones(speed_mps, weights_s, threshold_pace_s_per_km: float | None, easy_speed_mps: float) -> Zones | None:
    """Time in the pace zones around the threshold pace [s/km] (``None`` → assumed from the easy speed).

    ``speed_mps`` should hold NaN where the runner stood (those seconds are not counted).  ``None`` without
    a speed of at least :data:`MIN_PACE_SPEED_MPS`.
    """
    v = np.asarray(speed_mps, dtype=float)
    v = np.where(v >= MIN_PACE_SPEED_MPS, v, np.nan)
    if not np.isfinite(v).any():
        return None
    source = "profile"
    if threshold_pace_s_per_km is None:
        threshold_pace_s_per_km = 1000.0 / float(easy_speed_mps) / EASY_PACE_PER_THRESHOLD
        source = "assumed"
    threshold_speed = 1000.0 / float(threshold_pace_s_per_km)
    lower = [MIN_PACE_SPEED_MPS] + [threshold_speed * 100.0 / p for p in PACE_ZONE_PERCENT]
    return Zones("pace", list(PACE_ZONE_NAMES), lower, time_in_zones(v, weights_s, lower),
                 float(threshold_pace_s_per_km), source)


def run_zones(analysis) -> dict[str, Zones]:
    """The HR and pace zones of an :class:`~runload.analysis.Analysis` (keys ``"hr"``, ``"pace"``; a scheme
    is left out when the run lacks its input)."""
    samples = analysis.samples
    out = {}
    if samples is None or "dt_s" not in samples.columns:
        return out
    weights = samples["dt_s"].to_numpy(dtype=float)
    profile = analysis.profile
    if "heart_rate_bpm" in samples.columns:
        z = hr_zones(samples["heart_rate_bpm"].to_numpy(dtype=float), weights, profile.hr_max_bpm)
        if z is not None:
            out["hr"] = z
    if "speed_mps" in samples.columns:
        speed = samples["speed_mps"].to_numpy(dtype=float)
        if "state" in samples.columns:
            speed = np.where(samples["state"].isin(["standing", "paused"]).to_numpy(), np.nan, speed)
        z = pace_zones(speed, weights, getattr(profile, "threshold_pace_s_per_km", None), profile.easy_speed_mps)
        if z is not None:
            out["pace"] = z
    return out
