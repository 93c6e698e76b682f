"""The data-quality rules Q1–Q3 of the hints registry: no cadence, slope unknown, contact time estimated.

They say what the file lacks and how that affects the estimates; they carry no tips, are not rate limited
and do not count against the two hints a run shows (:mod:`runload.hints`).  The report lists them with
its data notes, not among the hints.  Imported by :mod:`runload.hints`, which they register with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import LEG_GROUPS, Hint
from .hint_context import RunContext
from .hints import THRESHOLDS, _hint, _pct, register_rule

__all__ = ["INDOOR_SUB_SPORTS", "QUALITY_MIN_SHARE", "no_cadence", "grade_unknown", "estimated_contact_time"]

INDOOR_SUB_SPORTS = ("treadmill", "indoor_running", "virtual_activity")  # FIT sub_sport names
QUALITY_MIN_SHARE = THRESHOLDS["quality"]["min_share"]  # Q1–Q3: a data gap on ≥ 10 % (cadence) or > 50 % (grade, contact time)


def _share(ctx: RunContext, mask: np.ndarray) -> float:
    return float(ctx.dt[mask & ctx.moving].sum() / ctx.moving_s) if ctx.moving_s > 0 else 0.0


@register_rule("Q1", kind="quality")
def no_cadence(ctx: RunContext) -> Hint | None:
    share = _share(ctx, ~(np.isfinite(ctx.cadence) & (ctx.cadence > 0)))
    if share < QUALITY_MIN_SHARE:
        return None
    usual = "your usual cadence" if ctx.personal_cadence else "a typical cadence"
    message = (f"The file has no cadence for {_pct(share)} of the run, so the estimated loads there assume {usual} "
               "at each speed and cannot show longer or shorter steps. A watch or foot pod that "
               "records cadence makes the analysis more precise. Evidence: model-based.")
    return _hint("Q1", "No cadence", "info", "D", list(LEG_GROUPS), {"no_cadence_share_pct": share * 100},
                 message, kind="quality")


@register_rule("Q2", kind="quality")
def grade_unknown(ctx: RunContext) -> Hint | None:
    share = _share(ctx, ~np.isfinite(ctx.grade))
    if share <= 0.5:
        return None
    gps = str(ctx.analysis.summary.get("altitude_source", "")).lower() == "gps"
    indoor = str(ctx.analysis.run.meta.sub_sport or "").lower() in INDOOR_SUB_SPORTS
    if indoor:  # a treadmill file has no altitude by nature; the belt's incline is not recorded
        message = ("This was an indoor run and the file records no incline, so the estimated loads treat it as "
                   "level; if the treadmill was inclined, the extra uphill work is not counted. "
                   "Evidence: model-based.")
    else:
        s = ctx.analysis.samples
        has_altitude = "altitude_m" in s and int(pd.to_numeric(s["altitude_m"], errors="coerce").notna().sum()) >= 3
        if gps:
            why = "GPS altitude alone is too noisy for slopes, so "
        elif has_altitude:  # altitude exists (and gives an ascent): it was judged implausible there
            why = "the recorded altitude is too irregular there (spikes, steps or noise) to give a slope, so "
        else:
            why = "the file has no usable altitude, so "
        message = (f"Slope is unknown for {_pct(share)} of the run: {why}the estimated loads treat those parts as "
                   "flat and cannot show uphill or downhill work. Evidence: model-based.")
    title = "Indoor run: slope taken as level" if indoor else "Slope unknown"
    return _hint("Q2", title, "info", "D", list(LEG_GROUPS),
                 {"grade_unknown_share_pct": share * 100, "gps_altitude_only": gps, "indoor": indoor}, message, kind="quality")


@register_rule("Q3", kind="quality")
def estimated_contact_time(ctx: RunContext) -> Hint | None:
    if ctx.source is None:
        return None
    share = float(ctx.dt[ctx.running & (ctx.source == "model")].sum() / ctx.running_s) if ctx.running_s else 0.0
    if share <= 0.5:
        return None
    calibration = ctx.profile.calibration
    if calibration is not None:  # the runner already calibrated: say so, and do not suggest it again
        sd_ms = float(calibration.residual_sd_ms)
        accuracy = (f"typical error about ±{sd_ms:.0f} ms on the runs it was fitted on" if np.isfinite(sd_ms)
                    else "fitted on your measured runs")
        message = (f"Ground contact time was estimated from pace, cadence and height for {_pct(share)} of the run "
                   f"using your personal calibration ({accuracy}), not measured by a sensor on this run. "
                   "Evidence: model-based.")
    else:
        message = (f"Ground contact time was estimated from pace, cadence and height for {_pct(share)} of the run "
                   "(typically within about ±10 %), not measured by a sensor. A chest strap or pod with running "
                   "dynamics, or a personal calibration (runload calibrate), narrows this. Evidence: model-based.")
    return _hint("Q3", "Contact time estimated", "info", "D", list(LEG_GROUPS),
                 {"estimated_contact_share_pct": share * 100, "calibrated": calibration is not None}, message,
                 kind="quality")
