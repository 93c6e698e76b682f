"""Run hints: rules, wording, evidence grades and rate limits (science.md §3).

Rules live in a registry.  Each :class:`Rule` declares the inputs it needs — ``"samples"`` (the analysed
run), ``"load"`` (per-group load) or ``"history"`` (a training log, :class:`HintHistory`) — and
:func:`run_hints` evaluates only the rules whose inputs are present.  The rules registered here are the
single-run forms (H4–H9) and H1 (needs a :class:`HintHistory`); the data-quality rules Q1–Q3 register
from :mod:`runload.hint_quality`.  Over a training log the history forms of
H1, H3, H4, H6–H10 and the shoe-mileage note live in :mod:`runload.history.rules`; there they replace the
single-run forms of H1, H4, H6, H7, H8 and H9 once a run's history is sufficient (H5 stays single-run).

Thresholds (rate limits, rules and the ranking) are read once from the versioned file
``runload/models/hints_v2.toml`` (:func:`hint_thresholds`, :data:`HINTS_MODEL`); the module constants below
come from it.

Output of :func:`run_hints`: at most :data:`MAX_HINTS_PER_RUN` training hints, the most relevant first,
followed by the data-quality hints (ids ``Q…``), which are listed separately, do not count against the
limit and belong with the report's data notes.  With a history, hints shown in the last 7 days cap the
week at :data:`MAX_HINTS_PER_WEEK` and a hint is not repeated within 7 days unless its tier rises (§3.1
rule 6).

Ranking (which hints the cap keeps, :func:`hint_relevance`, [D]): each rule records in its values how far
its trigger exceeded its threshold, as a normalised excess ``trigger_excess_ratio`` = observed / threshold
− 1 of the rule's main quantity (H1 distance ÷ longest against 1.10, H4 balance shift against 1.0 point, H5
cadence deficit against 5 %, H6 fast distance or time against 1 km or 4 min, H7 steep descent against
300 m, H8 steep ascent or climbing time against 300 m or 10 min, H9 calf load against one easy hour).
Relevance = evidence weight (A 1, B 0.75, C 0.5, D 0.25) × (1 + the excess, capped at 3); the gates that
only make a rule applicable (minimum shares and durations) do not count.  A hint without a recorded
excess (a history rule of :mod:`runload.history.rules`, a hint read from an older store) ranks as if just
at its threshold.  Ties: severity tier, then registry order.

Tips: every training hint carries the catalogue's categorised tips for its groups
(:func:`hint_advice`, :func:`runload.muscles.advice_for`: strengthening, mobility, shoes and equipment, each
with its source); ``Hint.tips`` keeps their texts as one list for the store and older callers.

Every message passes :func:`check_wording` (§3.1): it must contain an "estimated" qualifier, an anchor
("compared with your own recent running" or "compared with typical runners") and an evidence label, and
must not contain a forbidden phrase (diagnosis, prediction, risk figures, weakness claims, alarm words).
Upper-body groups never drive hints (§2.9).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .analysis import LEG_GROUPS, Analysis, Hint
from .errors import InvalidMethodError
from .hint_context import HintHistory, RunContext, run_start
from .hint_wording import (
    ANCHOR_PERSONAL,
    ANCHOR_POPULATION,
    FORBIDDEN_PATTERNS,
    WordingError,
    check_wording,
    find_forbidden,
)
from .model_files import read_model_file
from .muscles import advice_for
from .springmass import cadence_pref
from .stats import weighted_mean

__all__ = [
    "EVIDENCE_LABELS", "SEVERITY_RANK", "MAX_HINTS_PER_RUN", "MAX_HINTS_PER_WEEK", "REPEAT_DAYS",
    "ANCHOR_PERSONAL", "ANCHOR_POPULATION", "FORBIDDEN_PATTERNS", "WordingError", "check_wording",
    "find_forbidden", "HintHistory", "history_is_sufficient", "spike_hint", "spike_from_longest", "RunContext",
    "Rule", "RULES",
    "register_rule", "run_hints", "hint_candidates", "evaluated_rules", "select_hints", "HINTS_MODEL",
    "hint_thresholds", "THRESHOLDS", "hint_advice", "hint_relevance", "EXCESS_KEY",
]

EVIDENCE_LABELS = {"A": "strong", "B": "moderate", "C": "limited", "D": "model-based"}  # §3.1 rule 3
SEVERITY_RANK = {"info": 0, "small": 1, "tier 1": 1, "moderate": 2, "tier 2": 2, "large": 3}
HINTS_MODEL = "hints_v2"  # the thresholds of §3.1 rule 6 and §3.3: runload/models/hints_v2.toml


@functools.cache
def hint_thresholds(version: str = HINTS_MODEL) -> dict:
    """The parsed threshold file ``runload/models/<version>.toml`` (sections per rule; cached).

    The thresholds of the rate limits (§3.1 rule 6) and of the single-run and history forms of the rules
    (§3.3) live there once; the module constants below and :mod:`runload.history.rules` read them.
    """
    return read_model_file(version, "hints")[0]


THRESHOLDS = hint_thresholds()
MAX_HINTS_PER_RUN = THRESHOLDS["rate_limits"]["max_per_run"]  # §3.1 rule 6
MAX_HINTS_PER_WEEK = THRESHOLDS["rate_limits"]["max_per_week"]
REPEAT_DAYS = THRESHOLDS["rate_limits"]["repeat_days"]
MIN_HISTORY_DAYS = THRESHOLDS["rate_limits"]["min_history_days"]  # load-change hints need ≥ 4 weeks …
MIN_HISTORY_RUNS = THRESHOLDS["rate_limits"]["min_history_runs"]  # … and ≥ 8 runs of history


# Thresholds of the single-run forms of §3.3 (the history forms: runload.history.rules), from THRESHOLDS.
LEVEL_GRADE_RATIO = THRESHOLDS["terrain"]["level_grade_ratio"]  # level means |i| < 2 %
CADENCE_LOW_RATIO = THRESHOLDS["H5"]["low_ratio"]  # H5: seconds with c < 0.95·c_pref …
CADENCE_LOW_SHARE = THRESHOLDS["H5"]["low_share"]  # … on > 50 % of level steady running …
CADENCE_DEFICIT_TIER1 = THRESHOLDS["H5"]["deficit_tier1"]  # … with a mean deficit ≥ 5 % (tier 1) …
CADENCE_DEFICIT_TIER2 = THRESHOLDS["H5"]["deficit_tier2"]  # … or ≥ 10 % (tier 2)
CADENCE_SPEED_RANGE_MPS = tuple(THRESHOLDS["H5"]["speed_range_mps"])  # the cadence norm's 2.2–6 m/s (§3.2)
MIN_LEVEL_RUNNING_S = THRESHOLDS["H5"]["min_level_running_s"]  # [D] ≥ 5 min of level steady running
FAST_SPEED_RATIO = THRESHOLDS["H6"]["fast_speed_ratio"]  # H6: v_fast ≥ 1.15 · v_easy (§3.2)
FAST_MIN_DISTANCE_M = THRESHOLDS["H6"]["min_distance_m"]  # H6: ≥ 1 km …
FAST_MIN_TIME_S = THRESHOLDS["H6"]["min_time_s"]  # … or ≥ 4 min of fast running …
FAST_MIN_SHARE = THRESHOLDS["H6"]["single_run_min_share"]  # … [D] making up ≥ 20 % of the running time
SPRINT_SPEED_MPS = THRESHOLDS["H6"]["sprint_speed_mps"]  # H6: "sprints/strides" wording
STEEP_GRADE_RATIO = THRESHOLDS["terrain"]["steep_grade_ratio"]  # H7/H8: grade ≤ −5 % / ≥ +5 %
HILL_MIN_M = THRESHOLDS["hills"]["min_m"]  # H7/H8: ≥ 300 m of steep descent or ascent
CLIMB_GRADE_RATIO = THRESHOLDS["terrain"]["climb_grade_ratio"]  # H8: ≥ 10 min at i ≥ 0.08
CLIMB_MIN_TIME_S = THRESHOLDS["hills"]["climb_min_time_s"]
LONG_RUN_S = THRESHOLDS["H9"]["long_run_s"]  # H9: ≥ 75 min …
LONG_RUN_MIN_CALVES = THRESHOLDS["H9"]["min_calves_rel_load"]  # … [D] single-run form: calves above an easy hour
BALANCE_SHIFT_PCT = THRESHOLDS["H4"]["shift_pct_points"]  # H4: ≥ 1.0 percentage point, never the band alone
SPIKE_TIERS = tuple((float(limit), str(tier)) for limit, tier in THRESHOLDS["H1"]["tiers"])  # H1 (RUNSAFE)
EVIDENCE_WEIGHTS = {str(k): float(v) for k, v in THRESHOLDS["ranking"]["evidence_weights"].items()}  # [D] ranking
EXCESS_CAP = float(THRESHOLDS["ranking"]["excess_cap"])  # [D] a trigger 4× its threshold counts as 4×
EXCESS_KEY = "trigger_excess_ratio"  # Hint.values key: observed / threshold − 1 of the rule's main quantity

@dataclass(frozen=True)
class Rule:
    """A registered hint rule.

    Attributes
    ----------
    id : str  ``"H5"``, ``"Q1"`` …
    needs : frozenset[str]  inputs it needs: ``"samples"``, ``"load"``, ``"history"``
    kind : str  ``"training"`` (rate limited) or ``"quality"`` (listed separately)
    evaluate : callable  RunContext → Hint or None
    """

    id: str
    needs: frozenset
    kind: str
    evaluate: Callable


RULES: dict[str, Rule] = {}


def register_rule(id: str, needs=("samples",), kind: str = "training"):
    """Decorator adding a rule to :data:`RULES` (later registrations replace a rule of the same id)."""
    if kind not in ("training", "quality"):
        raise InvalidMethodError("kind", kind, ("training", "quality"))
    unknown = set(needs) - {"samples", "load", "history"}
    if unknown:
        raise InvalidMethodError("needs", sorted(unknown), ("samples", "load", "history"))

    def wrap(func):
        RULES[id] = Rule(id, frozenset(needs), kind, func)
        return func
    return wrap


def _hint(id, title, severity, evidence, groups, values, message, kind="training", excess=None) -> Hint:
    """A checked :class:`Hint`; ``excess`` (observed / threshold − 1) goes to ``values[EXCESS_KEY]``."""
    groups = list(groups)
    if kind == "training" and not set(groups) <= set(LEG_GROUPS):
        raise WordingError(f"{id}: upper-body groups never drive hints ({groups})")
    message = check_wording(message, require_anchor=kind == "training")
    if excess is not None and np.isfinite(excess):
        values = {**values, EXCESS_KEY: float(excess)}
    tips = [t.text for tips in hint_advice(id, groups).values() for t in tips] if kind == "training" else []
    return Hint(id=id, title=title, severity=severity, evidence=evidence, evidence_label=EVIDENCE_LABELS[evidence],
                groups=groups, values=values, message=message, tips=tips)


def hint_advice(rule_id: str, groups) -> dict:
    """The categorised tips a hint of rule ``rule_id`` on ``groups`` shows (:func:`runload.muscles.advice_for`).

    Returns
    -------
    dict
        Category (``"strengthening"``, ``"mobility"``, ``"shoes"``) → list of :class:`runload.muscles.Tip`;
        empty for data-quality notes (ids ``Q…``) and for upper-body groups, which never drive hints.
    """
    if str(rule_id).startswith("Q"):
        return {}
    return advice_for([g for g in groups if g in LEG_GROUPS], rule_id)


def hint_relevance(hint: Hint) -> float:
    """How relevant a training hint is for the cap of §3.1 rule 6 (module docstring, "Ranking").

    Evidence weight (A 1, B 0.75, C 0.5, D 0.25; ``[ranking]`` of the hints file) × (1 + the normalised
    excess ``values[EXCESS_KEY]``, clipped to 0 … :data:`EXCESS_CAP`); no recorded excess counts as 0.
    """
    values = hint.values if isinstance(hint.values, dict) else {}
    try:
        excess = float(values.get(EXCESS_KEY, 0.0))
    except (TypeError, ValueError):
        excess = 0.0
    excess = min(max(excess, 0.0), EXCESS_CAP) if np.isfinite(excess) else 0.0
    return EVIDENCE_WEIGHTS.get(hint.evidence, min(EVIDENCE_WEIGHTS.values())) * (1.0 + excess)


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.0f} %"


def _driver_note(ctx: RunContext, group: str, driver: str, raised: str, otherwise: str) -> str:
    """``raised`` with ``{pct}`` filled by how much ``driver`` raised ``group``'s load, else ``otherwise``."""
    factor = ctx.load_value(group, f"driver_{driver}")
    return raised.format(pct=_pct(factor - 1)) if np.isfinite(factor) and factor > 1 else otherwise


# --- training rules ------------------------------------------------------------------------------------------

@register_rule("H5")
def cadence_for_speed(ctx: RunContext) -> Hint | None:
    """H5: cadence below the speed-matched norm on level, steady running (over-striding proxy)."""
    lo, hi = CADENCE_SPEED_RANGE_MPS
    ok = (ctx.steady & (np.abs(ctx.grade) < LEVEL_GRADE_RATIO) & np.isfinite(ctx.cadence) & (ctx.cadence > 0)
          & (ctx.speed >= lo) & (ctx.speed <= hi))
    seconds = ctx.dt[ok].sum()
    if seconds < MIN_LEVEL_RUNNING_S:
        return None
    c, w = ctx.cadence[ok], ctx.dt[ok]
    c_pref = cadence_pref(ctx.speed[ok], 100.0 * ctx.grade[ok], ctx.profile.cadence_model)
    share = float(w[c < CADENCE_LOW_RATIO * c_pref].sum() / seconds)
    cadence, norm = weighted_mean(c, w), weighted_mean(c_pref, w)
    deficit = 1.0 - cadence / norm
    if share <= CADENCE_LOW_SHARE or deficit < CADENCE_DEFICIT_TIER1:
        return None
    severity = "tier 2" if deficit >= CADENCE_DEFICIT_TIER2 else "tier 1"
    if ctx.personal_cadence:
        norm, anchor, usual = "your own usual cadence at this pace", ANCHOR_PERSONAL, "usual"
    else:  # population norm 165 + 7(v − 3): nothing here is "usual" for this runner
        norm, anchor, usual = "the norm for this pace", ANCHOR_POPULATION, "typical"
    quads = ctx.load_value("quadriceps", "driver_cadence")
    extra = (f" The estimated quadriceps load per stride was about {_pct(quads - 1)} higher than with a "
             f"{usual} step length." if np.isfinite(quads) and quads > 1 else "")
    step = "your step length" if extra else "your estimated step length"  # one "estimated" qualifier
    message = (f"On level running your cadence was about {_pct(deficit)} below {norm}, {anchor}, so {step} "
               f"was longer than {usual} for this pace.{extra} Longer steps for a given pace are associated with "
               "more load on the front of the thigh and the knee. If you want to try a change, a small step-rate "
               "increase of about 5 % is the gentlest change studied; build it in gradually. Evidence: moderate.")
    values = {"cadence_spm": cadence, "cadence_norm_spm": norm,
              "cadence_deficit_pct": deficit * 100, "low_cadence_share_pct": share * 100,
              "level_running_min": seconds / 60.0,
              "cadence_norm": "personal" if ctx.personal_cadence else "population"}
    return _hint("H5", f"Longer steps than {usual} at this pace", severity, "B", ["quadriceps", "glutes"], values,
                 message, excess=deficit / CADENCE_DEFICIT_TIER1 - 1.0)


@register_rule("H6")
def fast_running(ctx: RunContext) -> Hint | None:
    """H6 (single-run form): a substantial amount of running well above the easy pace.

    v_fast = 1.15 · v_easy (§3.2).  Without a personal easy speed the run's own median running speed is
    a floor for v_easy, so a runner whose usual pace is quicker than the 3 m/s default is not flagged on
    every steady run; intervals and strides still stand out.
    """
    v_easy = ctx.profile.easy_speed_mps
    running_speed = ctx.speed[ctx.running]
    if not ctx.personal_speed and np.isfinite(running_speed).any():  # indoor runs may have no speed
        v_easy = max(v_easy, float(np.nanmedian(running_speed)))
    v_fast = FAST_SPEED_RATIO * v_easy
    fast = ctx.running & (ctx.speed >= v_fast)
    time_s, dist_m = float(ctx.dt[fast].sum()), float(ctx.horizontal_m[fast].sum())
    if not (dist_m >= FAST_MIN_DISTANCE_M or time_s >= FAST_MIN_TIME_S):
        return None
    if ctx.running_s <= 0 or time_s / ctx.running_s < FAST_MIN_SHARE:
        return None
    sprint = bool(np.any(ctx.steady & (ctx.speed >= SPRINT_SPEED_MPS)))
    if ctx.personal_speed:
        easy, anchor = "your easy pace", ANCHOR_PERSONAL
    else:
        easy, anchor = "an easy pace for this run", ANCHOR_POPULATION
    what = "fast running, including sprints or strides," if sprint else "fast running"
    ham = ctx.per_stride_load("hamstrings", fast)  # over the fast running only, not the whole run
    est = (f"at those speeds the estimated hamstring load per stride was about {_pct(ham - 1)} above an easy, "
           "level stride" if np.isfinite(ham) and ham > 1
           else "the estimated hamstring and hip-flexor load per stride rises with speed")
    message = (f"This run included about {time_s / 60:.0f} min ({dist_m / 1000:.1f} km) of {what} well above "
               f"{easy}, {anchor}. Fast running loads the hamstrings and hip flexors more: {est}. Sudden "
               "jumps in fast running have been associated with hamstring strains in team-sport studies. Easing "
               "into speed work and keeping fast volume steady from week to week can help. Evidence: limited.")
    values = {"fast_time_min": time_s / 60, "fast_distance_m": dist_m, "fast_speed_threshold_mps": v_fast,
              "fast_share_pct": 100 * time_s / ctx.running_s, "sprints": sprint,
              "hamstrings_per_stride_fast_ratio": ham}
    excess = max(dist_m / FAST_MIN_DISTANCE_M, time_s / FAST_MIN_TIME_S) - 1.0
    return _hint("H6", "A lot of fast running", "info", "C", ["hamstrings", "hip_flexors"], values, message,
                 excess=excess)


def _hill(ctx: RunContext, sign: int) -> tuple[float, float]:
    """(vertical metres, horizontal metres) on grades steeper than ±5 % in direction ``sign``."""
    steep = ctx.moving & np.isfinite(ctx.grade) & (sign * ctx.grade >= STEEP_GRADE_RATIO)
    return float((sign * ctx.grade[steep] * ctx.horizontal_m[steep]).sum()), float(ctx.horizontal_m[steep].sum())


@register_rule("H7")
def downhill(ctx: RunContext) -> Hint | None:
    """H7 (single-run form): a lot of steep descent (quadriceps, knee, foot)."""
    descent, horizontal = _hill(ctx, -1)
    if descent < HILL_MIN_M:
        return None
    est = _driver_note(ctx, "quadriceps", "downhill",
                       "; the descents added about {pct} to this run's estimated quadriceps load",
                       ", and your estimated quadriceps load rises with it")
    # The single-run thresholds are fixed, not personal, so the anchor is the population one.
    message = (f"This run had about {descent:.0f} m of steep descent (grades of 5 % or more), a lot of downhill "
               f"{ANCHOR_POPULATION}. Downhill running loads the front of "
               f"the thigh, the knee and the feet more than flat running{est}. Muscle soreness for a day or two "
               "after a big descent is common and usually settles; building descents gradually can help your "
               "legs adapt. Evidence: limited.")
    values = {"steep_descent_m": descent, "steep_descent_distance_m": horizontal}
    return _hint("H7", "A lot of downhill running", "info", "C", ["quadriceps", "foot_ankle"], values, message,
                 excess=descent / HILL_MIN_M - 1.0)


@register_rule("H8")
def uphill(ctx: RunContext) -> Hint | None:
    """H8 (single-run form): a lot of steep ascent (glutes, hamstrings, calves)."""
    ascent, horizontal = _hill(ctx, +1)
    climb = ctx.moving & np.isfinite(ctx.grade) & (ctx.grade >= CLIMB_GRADE_RATIO)
    climb_s = float(ctx.dt[climb].sum())
    if ascent < HILL_MIN_M and climb_s < CLIMB_MIN_TIME_S:
        return None
    est = _driver_note(ctx, "glutes", "uphill", " (the climbs added about {pct} to this run's estimated glute load)",
                       " (an estimated rise in glute and hamstring load)")
    message = (f"This run had about {ascent:.0f} m of steep climbing and {climb_s / 60:.0f} min on grades of 8 % "
               f"or more, a lot of uphill {ANCHOR_POPULATION}. Uphill running shifts work to the hips{est} and may "
               "increase load on the calves and Achilles tendon. Tendons adapt more slowly than fitness, so "
               "building hill volume gradually can help. Evidence: model-based.")
    values = {"steep_ascent_m": ascent, "steep_ascent_distance_m": horizontal, "climb_time_min": climb_s / 60}
    excess = max(ascent / HILL_MIN_M, climb_s / CLIMB_MIN_TIME_S) - 1.0
    return _hint("H8", "A lot of uphill running", "info", "D", ["glutes", "hamstrings", "calves"], values, message,
                 excess=excess)


@register_rule("H9", needs=("samples", "load"))
def long_run(ctx: RunContext) -> Hint | None:
    """H9 (single-run form): a long run that loaded the calves more than an easy hour.

    science.md §3.3 fires H9 on a run of ≥ 75 min that is also an H1 spike (longer than the recent
    longest), or on a calf load ≥ 1.3× the largest of the previous 30 days: both need the runner's
    history.  One file cannot tell whether a run was a step up, so this form never advises on the next
    run's length (an Ironman marathon or a planned race is not "too long"): it says what the run was,
    that the calves and Achilles tendon carry the highest forces and adapt slowly (§2.1, grade D), and
    that long runs are usually built up step by step (§3.1 rule 4), with the guide's calf and shoe tips.
    It fires only when the estimated calf load is above one hour of easy running (100, §2.8,
    ``min_calves_rel_load``): a long but walking-heavy hike loads the calves less than an easy hour
    (walking strides carry about 1.2 body weights against 2–3 for running, §1.5.7) and is not a long
    run for them.  It needs the load (without it nothing says the calves were loaded).  With a history
    the comparison with the runner's own recent longest runs belongs to :mod:`runload.history.rules`
    (H1 with the calves note, H9 on the calf load), so this form is not evaluated then.
    """
    if ctx.history is not None or ctx.moving_s < LONG_RUN_S:
        return None
    calves = ctx.load_value("calves", "rel_load")
    if not (np.isfinite(calves) and calves > LONG_RUN_MIN_CALVES):
        return None
    message = (f"This run lasted about {ctx.moving_s / 60:.0f} min with an estimated calf load of {calves:.0f} "
               f"(100 = one hour of easy running), a long run {ANCHOR_POPULATION}. The calf muscles and Achilles "
               "tendon carry the highest forces in running and tendons adapt more slowly than fitness, so long "
               "runs are usually built up step by step. One file does not show how this run compares with your "
               "recent long runs; a training log (runload batch) compares each run with your own recent longest. "
               "Evidence: model-based.")
    values = {"moving_time_min": ctx.moving_s / 60, "calves_rel_load": calves}
    return _hint("H9", "Long run: calves and Achilles", "info", "D", ["calves"], values, message,
                 excess=calves / LONG_RUN_MIN_CALVES - 1.0)


@register_rule("H4")
def gct_balance(ctx: RunContext) -> Hint | None:
    """H4 (single-run form): contact-time balance shifted within the run; informational only."""
    b = ctx.balance()
    if b is None:
        return None
    ok = ctx.steady & np.isfinite(b) & np.isfinite(ctx.grade) & (np.abs(ctx.grade) < LEVEL_GRADE_RATIO)
    idx = np.flatnonzero(ok)
    if len(idx) < 60:
        return None
    thirds = np.array_split(idx, 3)
    first, last = float(np.median(b[thirds[0]])), float(np.median(b[thirds[-1]]))
    shift = abs(last - 50.0) - abs(first - 50.0)
    if shift < BALANCE_SHIFT_PCT:
        return None
    message = (f"Your ground contact time balance moved from {first:.1f} % to {last:.1f} % left between the "
               "first and last third of this run. Being a little off 50 % is normal: "
               f"{ANCHOR_POPULATION}, most runners sit outside the 49.3–50.7 % band. A shift within a run can "
               "reflect fatigue, terrain, sensor placement or a niggle, and the estimated shift depends on how "
               "the sensor sits. If it stays shifted over several runs and you notice discomfort, an easy day is "
               "a safe option. Evidence: model-based.")
    values = {"balance_first_third_pct": first, "balance_last_third_pct": last, "balance_shift_pct_points": shift,
              "balance_median_pct": float(np.median(b[idx]))}
    return _hint("H4", "Contact-time balance shifted during the run", "info", "D", [], values, message,
                 excess=shift / BALANCE_SHIFT_PCT - 1.0)


def history_is_sufficient(runs: pd.DataFrame, start) -> bool:
    """Whether ``runs`` before ``start`` are enough history for a load-change hint (§3.1 rule 6).

    Parameters
    ----------
    runs : pandas.DataFrame
        Earlier runs with a ``start`` column (UTC).
    start : pandas.Timestamp
        Start of the run being judged (UTC).

    Returns
    -------
    bool
        True when there are ≥ :data:`MIN_HISTORY_RUNS` runs before ``start`` and the first of them is
        ≥ :data:`MIN_HISTORY_DAYS` days before it.
    """
    starts = pd.to_datetime(runs["start"], utc=True)
    before = starts[starts < pd.Timestamp(start)]
    return len(before) >= MIN_HISTORY_RUNS and (pd.Timestamp(start) - before.min()).days >= MIN_HISTORY_DAYS


def spike_hint(start, distance_m: float, moving_s: float, runs: pd.DataFrame) -> Hint | None:
    """H1 from run-level figures: this run > 110 % of the longest run of the previous 30 days.

    Used by the registered rule :func:`session_spike` (one analysed run) and by
    :mod:`runload.history` (every run of a training-log store).

    Parameters
    ----------
    start : pandas.Timestamp
        Start of the run (UTC).
    distance_m : float
        Its distance [m].
    moving_s : float
        Its moving time [s] (≥ 75 min adds the calves note of H9).
    runs : pandas.DataFrame
        Other runs: ``start`` (UTC), ``distance_m`` [m]; only those strictly before ``start`` count.

    Returns
    -------
    Hint or None
        Tier "small" (> 1.10), "moderate" (> 1.30) or "large" (> 2.00) of §3.3; None below 1.10, without a
        run in the 30 days before, or with a short history (:func:`history_is_sufficient`).
    """
    if start is None or runs.empty:
        return None
    start = pd.Timestamp(start)
    if not history_is_sufficient(runs, start):
        return None
    starts = pd.to_datetime(runs["start"], utc=True)
    recent = runs[(starts < start) & (starts >= start - pd.Timedelta(days=30))]
    longest = float(pd.to_numeric(recent["distance_m"], errors="coerce").max()) if len(recent) else float("nan")
    return spike_from_longest(distance_m, longest, moving_s)


def spike_from_longest(distance_m: float, longest_30d_m: float, moving_s: float) -> Hint | None:
    """H1 from the run's distance and the longest run of the previous 30 days (§3.3 tiers).

    The one place H1's tiers and wording live: :func:`spike_hint` (one analysed run) and
    :mod:`runload.history` (every run of a training log, windows computed once) both call it.  The caller
    checks the history is sufficient (:func:`history_is_sufficient`).

    Parameters
    ----------
    distance_m : float
        The run's distance [m].
    longest_30d_m : float
        The longest run that started in the 30 days before it [m]; NaN without one.
    moving_s : float
        The run's moving time [s] (≥ 75 min adds the calves note of H9).

    Returns
    -------
    Hint or None
        None below a ratio of 1.10 or without a finite, positive ``longest_30d_m``.
    """
    longest = float(longest_30d_m) if longest_30d_m is not None else float("nan")
    distance = float(distance_m) if distance_m is not None else float("nan")
    if not (np.isfinite(longest) and longest > 0 and np.isfinite(distance)):
        return None
    ratio = distance / longest
    severity = next((tier for limit, tier in SPIKE_TIERS if ratio > limit), None)
    if severity is None:
        return None
    groups, calves_note = [], ""
    if moving_s is not None and np.isfinite(moving_s) and moving_s >= LONG_RUN_S:  # H9 piggybacks on H1
        groups, calves_note = ["calves"], " Long runs add most to the calves and Achilles tendon."
    message = (f"This run was about {_pct(ratio - 1)} longer than your longest run in the last 30 days, "
               f"{ANCHOR_PERSONAL}, with a correspondingly higher estimated load.{calves_note} In a large study "
               "of runners, single runs well beyond the recent longest were associated with more overuse "
               "injuries. If you're building distance, you might keep the next long run near today's. "
               "Evidence: moderate.")
    values = {"distance_m": distance, "longest_30d_m": longest, "distance_ratio": ratio}
    lowest = min(limit for limit, _tier in SPIKE_TIERS)
    return _hint("H1", "Longer than your recent longest run", severity, "B", groups, values, message,
                 excess=ratio / lowest - 1.0)


@register_rule("H1", needs=("samples", "history"))
def session_spike(ctx: RunContext) -> Hint | None:
    """H1: this run > 110 % of the longest run of the previous 30 days (Frandsen/Nielsen 2025, grade B)."""
    distance = float(ctx.analysis.summary.get("distance_m", ctx.horizontal_m.sum()))
    return spike_hint(ctx.start, distance, ctx.moving_s, ctx.history.runs)


# --- engine --------------------------------------------------------------------------------------------------

def select_hints(candidates: list[Hint], now=None, shown=None) -> list[Hint]:
    """Apply the rate limits of §3.1 rule 6 to training-hint candidates.

    Ranked by :func:`hint_relevance` (normalised excess and evidence grade, module docstring), then
    severity tier, then registry order.  With ``shown`` (earlier
    hints: a DataFrame with ``time``, ``id``, ``severity``, or a sequence of ``(time, id, severity)``
    tuples — the cheap form for a walk over a whole training log) and ``now``: a hint shown in the last
    7 days is dropped unless its tier rose, and the week holds at most :data:`MAX_HINTS_PER_WEEK`.
    """
    order = list(RULES)
    ranked = sorted(candidates, key=lambda h: (-hint_relevance(h), -SEVERITY_RANK.get(h.severity, 0),
                                               order.index(h.id) if h.id in order else len(order)))
    budget = MAX_HINTS_PER_RUN
    if shown is not None and len(shown) and now is not None:
        now = pd.Timestamp(now)
        if isinstance(shown, pd.DataFrame):
            shown = zip(pd.to_datetime(shown["time"], utc=True), shown["id"], shown["severity"], strict=True)
        since = now - pd.Timedelta(days=REPEAT_DAYS)
        recent = [(hid, sev) for time, hid, sev in shown if pd.Timestamp(time) > since]
        budget = min(budget, max(0, MAX_HINTS_PER_WEEK - len(recent)))
        best: dict[str, int] = {}
        for hid, sev in recent:
            best[hid] = max(best.get(hid, 0), SEVERITY_RANK.get(sev, 0))
        ranked = [h for h in ranked if h.id not in best or SEVERITY_RANK.get(h.severity, 0) > best[h.id]]
    return ranked[:budget]


def evaluated_rules(analysis: Analysis, history: HintHistory | None = None) -> list[Rule]:
    """The registered rules :func:`run_hints` evaluates for these inputs, in registry order.

    A rule runs when every input it needs is present: ``"samples"`` always, ``"load"`` when
    ``analysis.load`` is set, ``"history"`` when ``history`` is given.  The report's methods section
    (:func:`runload.references.methods_for_analysis`) lists exactly these.
    """
    available = {"samples"} | ({"load"} if analysis.load is not None else set()) | (
        {"history"} if history is not None else set())
    return [rule for rule in RULES.values() if rule.needs <= available]


def run_hints(analysis: Analysis, history: HintHistory | None = None) -> list[Hint]:
    """The hints for one analysed run: ≤ 2 training hints, then the data-quality hints.

    Parameters
    ----------
    analysis : Analysis
        With ``samples`` (and ``load`` for the load-based wording; rules needing ``load`` are skipped
        without it).
    history : HintHistory, optional
        Enables history rules (H1) and the weekly/repeat rate limits.

    Returns
    -------
    list[Hint]
        Every message has passed :func:`check_wording`.  Never diagnostic; see ``analysis.footer``.
    """
    training, quality = hint_candidates(analysis, history)
    shown = history.shown if history is not None else None
    return select_hints(training, now=run_start(analysis), shown=shown) + quality


def hint_candidates(analysis: Analysis, history: HintHistory | None = None) -> tuple[list[Hint], list[Hint]]:
    """Every hint the evaluated rules raise for ``analysis``, before the rate limits.

    Returns
    -------
    (list[Hint], list[Hint])
        The training hints (in registry order, not yet limited by :func:`select_hints`) and the
        data-quality hints.
    """
    ctx = RunContext(analysis, history)
    training, quality = [], []
    for rule in evaluated_rules(analysis, history):
        hint = rule.evaluate(ctx)
        if hint is not None:
            (training if rule.kind == "training" else quality).append(hint)
    return training, quality


# The data-quality rules (Q1–Q3) register themselves on import; they live in their own module.
from . import hint_quality  # noqa: E402

_MOVED_TO_HINT_QUALITY = ("no_cadence", "grade_unknown", "estimated_contact_time", "INDOOR_SUB_SPORTS",
                          "QUALITY_MIN_SHARE")


def __getattr__(name):
    """The data-quality rules and their constants stay importable from here (:mod:`runload.hint_quality`)."""
    if name in _MOVED_TO_HINT_QUALITY:
        return getattr(hint_quality, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
