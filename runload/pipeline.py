"""``analyze_run``: clean → gait → segments → summary (→ load → hints), one pure function per run.

The same run, profile and ``gait_source`` always give the same :class:`~runload.analysis.Analysis`;
``model_versions`` records which models produced it, so results can be recomputed when a model changes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .analysis import Analysis
from .clean import clean_samples
from .errors import InvalidMethodError
from .gait import GAIT_MODEL_ID, GAIT_SOURCES, compute_gait, gait_state, summarize_gait
from .grade import altitude_source
from .hints import HINTS_MODEL, hint_candidates, run_start, select_hints
from .io.fit_decode import DEFAULT_FIT_DECODER
from .load import DEFAULT_LOAD_MODEL, compute_load, segment_load
from .profile import AthleteProfile, given_profile, load_profile, profile_for_run
from .run import Run
from .segments import MIN_PACE_DISTANCE_M, UNITS, segment_spans, summarize_spans
from .stats import labelled
from .summary import summarize_run

if TYPE_CHECKING:
    from .norms import PersonalNorms

__all__ = ["analyze_run", "analyze_file", "current_model_versions", "gait_samples"]

# Totals taken from runload.summary.summarize_run: computed the way the watch computes them and checked
# against the watch's own session totals in that module's tests.
WATCH_COMPARABLE = ("elapsed_s", "timer_s", "distance_m", "avg_speed_mps", "avg_cadence_spm",
                    "avg_heart_rate_bpm", "max_heart_rate_bpm", "ascent_m", "descent_m")


def _finite(x) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return x if np.isfinite(x) else float("nan")


def _segments_and_whole(samples: pd.DataFrame, laps, units: str) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`~runload.segments.detect_segments` and the whole run summarised like a segment, in one pass
    of :func:`~runload.segments.summarize_spans` (each row depends only on its own span)."""
    n = len(samples)
    rows = segment_spans(samples, laps, units)
    if not rows:
        return (summarize_spans(samples, [], [], [], []),
                summarize_spans(samples, [0], [n - 1], ["run"], ["Run"]).iloc[0])
    i0, i1, kinds, labels = zip(*rows, strict=True)
    table = summarize_spans(samples, [*i0, 0], [*i1, n - 1], [*kinds, "run"], [*labels, "Run"])
    return table.iloc[:-1].copy(), table.iloc[-1]


def _summary(run: Run, samples: pd.DataFrame, units: str, whole: pd.Series | None = None) -> dict:
    """Run-level figures with units in the keys (see :class:`~runload.analysis.Analysis`).

    The watch-comparable totals (:data:`WATCH_COMPARABLE`) come from :func:`runload.summary.summarize_run`;
    pace and grade-adjusted pace (sample weights / cleaned distance, as in the segments table), moving time
    and the gait figures from the cleaned samples.  The watch's own
    totals, where the file has them, are under ``"watch"``.
    """
    n = len(samples)
    if whole is None:
        whole = summarize_spans(samples, [0], [n - 1], ["run"], ["Run"]).iloc[0]
    w = samples["dt_s"].to_numpy(dtype=float)
    state = samples["state"].to_numpy(dtype=object)
    moving_s = float(w[labelled(state, ("running", "walking"))].sum())
    totals = summarize_run(run)
    summary = {k: _finite(totals.get(k)) for k in WATCH_COMPARABLE}
    if np.isnan(summary["distance_m"]):
        summary["distance_m"] = _finite(whole["distance_m"])
    if np.isnan(summary["timer_s"]):
        summary["timer_s"] = _finite(whole["duration_s"])
    # Pace and grade-adjusted pace from the cleaned samples, like every segment row (a whole-run lap then
    # shows the same pace as the summary); the watch-comparable distance and timer time stay above.
    distance = _finite(whole["distance_m"])
    gait = summarize_gait(samples)
    summary.update({
        "moving_s": moving_s,
        "running_s": gait.pop("running_s"),
        "walking_s": float(w[state == "walking"].sum()),
        "standing_s": float(w[state == "standing"].sum()),
        "pace_s_per_km": _finite(whole["pace_s_per_km"]),
        "moving_pace_s_per_km": 1000.0 * moving_s / distance if distance >= MIN_PACE_DISTANCE_M else float("nan"),
        "gap_s_per_km": _finite(whole["gap_s_per_km"]),
        # The same Minetti-equivalent level distance over moving time (standing left out), as the pace card.
        "moving_gap_s_per_km": _finite(whole["gap_s_per_km"]) * moving_s / _finite(whole["duration_s"])
        if _finite(whole["duration_s"]) > 0 else float("nan"),
        "altitude_source": altitude_source(run),
        "grade_known_share": float(w[samples["grade_pct"].notna().to_numpy()].sum() / w.sum())
        if w.sum() > 0 else float("nan"),
        **gait,
        "units": units,
        "watch": run.meta.watch.as_dict() if run.meta.watch is not None else None,
    })
    return summary


def current_model_versions() -> dict[str, str]:
    """The model versions :func:`analyze_run` records in ``Analysis.model_versions`` today.

    A training-log store compares them with what it holds to know which runs must be recomputed.

    Examples
    --------
    >>> sorted(current_model_versions())
    ['gait', 'hints', 'load']
    """
    return {"gait": GAIT_MODEL_ID, "load": DEFAULT_LOAD_MODEL, "hints": HINTS_MODEL}


def _gait_stage(run: Run, profile: AthleteProfile | None, gait_source: str, norms: PersonalNorms | None,
                cleaned: pd.DataFrame | None = None, timing: bool = True) -> tuple[AthleteProfile, pd.DataFrame]:
    """The profile the run is analysed with and its cleaned samples joined with the gait: the first
    stages of :func:`analyze_run`, shared with :func:`gait_samples` (``cleaned``, ``timing``: as there)."""
    profile = profile_for_run(run, profile)
    if norms is not None:
        profile = norms.apply(profile)
    if cleaned is None:
        cleaned = clean_samples(run)
    if not timing:
        return profile, cleaned.assign(state=gait_state(cleaned, profile, gait_source))
    gait = compute_gait(cleaned, profile, gait_source)
    return profile, cleaned.drop(columns=["state"]).join(gait)


def gait_samples(run: Run, profile: AthleteProfile | None = None, *, norms: PersonalNorms | None = None,
                 cleaned: pd.DataFrame | None = None, timing: bool = True) -> tuple[AthleteProfile, pd.DataFrame]:
    """The cleaned samples of ``run`` with its gait timing and the gait's ``state``, without segments,
    load or hints: exactly the samples :func:`analyze_run` computes first, for what needs only those
    (a batch's first look at new files, to learn the personal norms: :mod:`runload.batch.engine`).

    Parameters
    ----------
    cleaned : pandas.DataFrame, optional
        ``clean_samples(run)`` when the caller already has it (as :func:`analyze_run`).
    timing : bool
        ``False``: the cleaned samples with the gait's ``state`` only (:func:`runload.gait.gait_state`; the
        same state, without the contact times, phases and spring–mass columns), which is all the personal
        norms read.

    Returns
    -------
    (AthleteProfile, pandas.DataFrame)
        The profile used (``norms`` applied) and the samples (as ``Analysis.samples``; with ``timing``
        false, the cleaned columns with the gait's ``state`` in place of the cleaned one).
    """
    return _gait_stage(run, profile, "auto", norms, cleaned, timing)


def analyze_run(run: Run, profile: AthleteProfile | None = None, gait_source: str = "auto",
                units: str = "metric", *, norms: PersonalNorms | None = None,
                cleaned: pd.DataFrame | None = None) -> Analysis:
    """Analyse one run: cleaned samples, gait timing, segments and a summary.

    Parameters
    ----------
    run : Run
        As returned by :func:`runload.read_run`.
    profile : AthleteProfile, optional
        Height, mass and the (calibrated) stiffness; the population defaults when omitted.
    gait_source : {"auto", "device", "model"}
        Where contact time comes from (:func:`runload.gait.compute_gait`).
    units : {"metric", "imperial"}
        Splits per km or per mile (values stay in SI units).
    norms : runload.norms.PersonalNorms, optional
        Personal norms learnt from the runner's training log (``runload batch``): they fill what the
        profile leaves at the population defaults (:meth:`~runload.norms.PersonalNorms.apply`) and are
        recorded in ``Analysis.norms``.
    cleaned : pandas.DataFrame, optional
        :func:`runload.clean.clean_samples` of ``run``, when the caller computed it already (a batch cleans
        each new file once, in its first look, for both the norms and the analysis); the caller vouches
        that it is exactly that (the run unchanged since), and it is not modified.  Cleaning again is
        the default; the warnings cleaning raises are then the caller's to keep.

    Returns
    -------
    Analysis
        The cleaned and analysed samples, gait timing, segments, summary, load per muscle group and
        hints of the run, with the model versions that produced them.

    Raises
    ------
    InvalidMethodError
        ``gait_source`` or ``units`` is not one of the documented choices.
    EmptyRunError
        The run has no samples.
    """
    if gait_source not in GAIT_SOURCES:
        raise InvalidMethodError("gait_source", gait_source, GAIT_SOURCES)
    if units not in UNITS:
        raise InvalidMethodError("units", units, tuple(UNITS))
    profile_source = "given" if profile is not None else (
        "file" if run.meta.athlete_height_m is not None else "default")
    profile, samples = _gait_stage(run, profile, gait_source, norms, cleaned)
    segments, whole = _segments_and_whole(samples, run.meta.laps, units)
    summary = _summary(run, samples, units, whole)
    summary["gait_source"] = gait_source
    summary["height_m"] = profile.height_m
    summary["profile_source"] = profile_source  # given | file (the watch's user profile) | default
    model_versions = {"gait": GAIT_MODEL_ID, "hints": HINTS_MODEL}  # the load model's once it ran

    analysis = Analysis(run=run, profile=profile, samples=samples, segments=segments, summary=summary,
                        model_versions=model_versions, norms=norms)

    # Muscle-group load (science.md §2) and the run hints (§3) read the analysed samples.
    load = compute_load(samples, profile)
    analysis.load, analysis.load_samples = load.per_group, load.samples
    analysis.segments = segment_load(load.samples, segments)
    analysis.model_versions["load"] = load.model_version
    training, quality = hint_candidates(analysis)
    analysis.hint_candidates = training
    analysis.hints = select_hints(training, now=run_start(analysis)) + quality
    return analysis


def analyze_file(path: str | os.PathLike, profile: AthleteProfile | str | os.PathLike | None = None, *,
                 height_m: float | None = None, mass_kg: float | None = None, gait_source: str = "auto",
                 units: str = "metric", decoder: str = DEFAULT_FIT_DECODER,
                 easy_speed_mps: float | None = None) -> list[Analysis]:
    """Read every running session of a file and analyse each (a TCX with three runs gives three).

    Parameters
    ----------
    path : path-like
        A FIT, GPX or TCX file (plain or ``.gz``).
    profile : AthleteProfile or path-like, optional
        The athlete profile, or a profile TOML to load (:func:`runload.profile.load_profile`).  Without
        one, each run uses the height and mass its watch's user profile records, else the defaults.
    height_m, mass_kg : float, optional
        [m], [kg] override the profile's (or the file's) values.
    gait_source, units
        As in :func:`analyze_run`.
    decoder : {"columnar", "fitdecode", "fitparse"}
        FIT decoder.
    easy_speed_mps : float, optional
        [m/s] overrides the profile's easy speed (``--easy-pace``).

    Returns
    -------
    list of Analysis
        One per running session, in file order; ``analysis.run.meta.session_index`` and ``n_sessions``
        say which.

    Raises
    ------
    RunloadError
        The file cannot be read (see :func:`runload.read_runs`), or an option is invalid.
    """
    from .io import read_runs

    if profile is not None and not isinstance(profile, AthleteProfile):
        profile = load_profile(profile)
    runs = read_runs(path, decoder=decoder)
    out = []
    for run in runs:
        given = given_profile(run, profile, height_m=height_m, mass_kg=mass_kg, easy_speed_mps=easy_speed_mps)
        out.append(analyze_run(run, given, gait_source=gait_source, units=units))
    return out
