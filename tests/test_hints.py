"""Tests of runload.hints: rules of science.md §3.3, wording rules §3.1, rate limits and the registry."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from runload.analysis import HINTS_FOOTER, LEG_GROUPS, UPPER_BODY_GROUPS, Analysis, Hint
from runload.errors import InvalidMethodError, RunloadWarning
from runload.hints import (
    ANCHOR_PERSONAL,
    ANCHOR_POPULATION,
    EVIDENCE_LABELS,
    MAX_HINTS_PER_RUN,
    RULES,
    HintHistory,
    WordingError,
    _hint,
    check_wording,
    find_forbidden,
    register_rule,
    run_hints,
    select_hints,
)
from runload.load import compute_load
from runload.profile import AthleteProfile, Calibration
from runload.run import Run, RunMeta

POPULATION = AthleteProfile(height_m=1.78)
PERSONAL = AthleteProfile(height_m=1.78, cadence_model=(144.0, 7.0, 0.0, 0.0))  # c_pref(3 m/s) = 165
START = pd.Timestamp("2024-06-10 07:00", tz="UTC")
# A stiffness calibration only (as `runload calibrate` writes without a cadence model): contact time is
# personal, the cadence norm and the easy pace are still the population defaults.
CALIBRATED = AthleteProfile(height_m=1.78, khat_ref=12.6, calibration=Calibration(
    khat_ref=12.6, cadence_exponent=1.39, residual_sd_ms=15.6, mae_ms=12.6, n_seconds=2357))


def samples(segments, source="model", balance=None):
    """Concatenate constant segments ``(seconds, speed_mps, cadence_spm, grade_pct)`` at 1 Hz."""
    rows = [np.repeat([[v, c, g]], int(n), axis=0) for n, v, c, g in segments]
    data = np.vstack(rows)
    idx = pd.date_range(START, periods=len(data), freq="s")
    df = pd.DataFrame(data, columns=["speed_mps", "cadence_spm", "grade_pct"], index=idx)
    df["dt_s"] = 1.0
    df["state"] = "running"
    df["accelerating"] = False
    df["distance_m"] = df["speed_mps"].cumsum()
    df["contact_time_source"] = source
    if balance is not None:
        df["stance_time_balance_pct"] = balance(len(df))
    return df


def analysis(df, profile=POPULATION, with_load=True, sub_sport=None):
    run = Run(df, RunMeta(source="synthetic.fit", format="fit", start=df.index[0] if len(df) else None,
                          sub_sport=sub_sport))
    load = load_samples = None
    if with_load:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunloadWarning)
            result = compute_load(df, profile)
        load, load_samples = result.per_group, result.samples
    summary = {"distance_m": float(df["distance_m"].iloc[-1]) if len(df) else 0.0}
    return Analysis(run=run, profile=profile, samples=df, segments=pd.DataFrame(), summary=summary, load=load,
                    load_samples=load_samples, model_versions={"load": "load_v1"} if with_load else {})


def ids(hints):
    return [h.id for h in hints]


def by_id(hints, rule_id):
    return next(h for h in hints if h.id == rule_id)


def assert_well_formed(h: Hint):
    assert find_forbidden(h.message) == []
    check_wording(h.message, require_anchor=not h.id.startswith("Q"))
    assert h.evidence in EVIDENCE_LABELS and h.evidence_label == EVIDENCE_LABELS[h.evidence]
    assert h.message.endswith(f"Evidence: {h.evidence_label}.")
    assert h.message.lower().count("estimated") == 1  # science.md §3.1 rule 1: one "estimated" qualifier
    assert not set(h.groups) & set(UPPER_BODY_GROUPS)
    assert h.values and all(isinstance(k, str) for k in h.values)


# --- H5 cadence (science.md §4.5 item 7: 8 % under the personal model on a flat run → tier 1) ------------------

def test_h5_tier1_with_personal_model():
    a = analysis(samples([(1800, 3.0, 0.92 * 165, 0.0)]), PERSONAL)
    h = by_id(run_hints(a), "H5")
    assert h.severity == "tier 1" and h.evidence == "B" and h.evidence_label == "moderate"
    assert h.groups == ["quadriceps", "glutes"]
    # The guide's exercises that straighten the knee under load (quadriceps first), then the glutes' own; one
    # "Squats"; no downhill-only eccentric tip on a cadence hint.
    assert [t.name for t in h.advice["strengthening"]] == ["Squats", "Lunges", "Box squats", "Donkey kicks"]
    assert set(h.advice) == {"strengthening"} and h.tips == [t.text for t in h.advice["strengthening"]]
    assert ANCHOR_PERSONAL in h.message and "about 8 % below your own usual cadence" in h.message
    assert h.values["cadence_deficit_pct"] == pytest.approx(8.0, abs=0.01)
    assert h.values["cadence_norm"] == "personal"
    quads = a.load.loc["quadriceps", "driver_cadence"]  # the load model's cadence driver, ≈ 1.15
    assert 1.12 < quads < 1.18
    assert f"quadriceps load per stride was about {(quads - 1) * 100:.0f} % higher" in h.message
    assert_well_formed(h)


def test_h5_tier2_population_anchor_and_no_load():
    hints = run_hints(analysis(samples([(1800, 3.0, 0.88 * 165, 0.0)]), with_load=False))
    h = by_id(hints, "H5")
    assert h.severity == "tier 2" and ANCHOR_POPULATION in h.message and "estimated step length" in h.message
    # Without a personal cadence model nothing is "usual" for this runner: the norm is the population's.
    assert "usual" not in h.message + h.title and "below the norm for this pace, compared with typical runners" in h.message
    assert h.title == "Longer steps than typical at this pace"
    assert_well_formed(h)


@pytest.mark.parametrize("with_load", [True, False])
def test_h5_calibration_alone_is_not_a_personal_cadence_norm(with_load):
    h = by_id(run_hints(analysis(samples([(1800, 3.0, 0.90 * 165, 0.0)]), CALIBRATED, with_load)), "H5")
    assert ANCHOR_PERSONAL not in h.message and "your own usual cadence" not in h.message
    assert h.values["cadence_norm"] == "population"
    assert_well_formed(h)


@pytest.mark.parametrize("case", ["small deficit", "hilly", "grade unknown", "too short"])
def test_h5_not_triggered(case):
    segments = {"small deficit": [(1800, 3.0, 0.97 * 165, 0.0)], "hilly": [(1800, 3.0, 0.9 * 165, 4.0)],
                "grade unknown": [(1800, 3.0, 0.9 * 165, np.nan)], "too short": [(200, 3.0, 0.9 * 165, 0.0)]}
    assert "H5" not in ids(run_hints(analysis(samples(segments[case]), PERSONAL)))


# --- hills, fast running, long runs --------------------------------------------------------------------------

def test_h7_downhill_quads_and_foot():
    df = samples([(600, 3.0, 165, 0.0), (1500, 3.3, 160, -8.0)])  # 3.3·1500·0.08 = 396 m of descent
    h = by_id(run_hints(analysis(df)), "H7")
    assert h.groups == ["quadriceps", "foot_ankle"] and h.evidence_label == "limited"
    assert h.values["steep_descent_m"] == pytest.approx(396.0)
    assert "soreness" in h.message and "usually settles" in h.message
    assert any("Finger test" in t for t in h.tips)  # the guide gives shoe advice for the feet
    assert_well_formed(h)


def test_h8_uphill_glutes_hamstrings_calves():
    df = samples([(900, 2.5, 165, 10.0), (600, 3.0, 165, 0.0)])  # 15 min at 10 %: 225 m, climb ≥ 10 min
    h = by_id(run_hints(analysis(df)), "H8")
    assert h.groups == ["glutes", "hamstrings", "calves"] and h.evidence_label == "model-based"
    assert "Squats" in h.tips and "Romanian deadlifts" in h.tips and "Seated calf raise" in h.tips
    assert_well_formed(h)


def test_h6_fast_running_and_sprint_wording():
    df = samples([(600, 3.0, 165, 0.0), (400, 4.0, 175, 0.0), (30, 6.5, 190, 0.0), (600, 3.0, 165, 0.0)])
    h = by_id(run_hints(analysis(df)), "H6")
    assert h.groups == ["hamstrings", "hip_flexors"] and h.values["sprints"] is True
    assert "sprints or strides" in h.message and "Skating squats" in h.tips
    assert_well_formed(h)
    assert "H6" not in ids(run_hints(analysis(samples([(3000, 3.0, 165, 0.0), (120, 4.0, 175, 0.0)]))))
    # A steady run at 4 m/s is not "fast" without a personal easy speed; with one at 3.0 m/s it is.
    steady = samples([(1800, 4.0, 172, 0.0)])
    assert "H6" not in ids(run_hints(analysis(steady)))
    assert "H6" in ids(run_hints(analysis(steady, AthleteProfile(height_m=1.78, easy_speed_mps=2.9))))
    # A calibrated stiffness does not make the 3.0 m/s default easy pace "yours".
    h = by_id(run_hints(analysis(df, CALIBRATED)), "H6")
    assert ANCHOR_POPULATION in h.message and "your easy pace" not in h.message


def test_h6_states_the_per_stride_load_of_the_fast_running_not_the_run_average():
    # 6 × 3 min at 4.5 m/s between easy 3.0 m/s running: the hamstring load per stride *during the
    # intervals* equals that of a steady 4.5 m/s run (load model, science.md §2.3: Dorn 2012 direction),
    # far above the whole-run mean that the easy running dilutes.
    easy, fast = (120, 3.0, 165.0, 0.0), (180, 4.5, 175.5, 0.0)
    df = samples([(600, 3.0, 165.0, 0.0)] + [easy, fast] * 6 + [(600, 3.0, 165.0, 0.0)])
    a = analysis(df)
    h = by_id(run_hints(a), "H6")
    steady = compute_load(samples([(3600, 4.5, 175.5, 0.0)]), POPULATION).per_group.loc["hamstrings"]
    per_stride = steady["rel_load"] / (100.0 * steady["driver_volume"])  # mean per-stride ℓ, 1 = easy stride
    assert_allclose(h.values["hamstrings_per_stride_fast_ratio"], per_stride, rtol=1e-9)  # same model, exact
    assert per_stride > 1.3 > a.load.loc["hamstrings", "driver_speed"]
    assert f"hamstring load per stride was about {(per_stride - 1) * 100:.0f} % above an easy" in h.message
    assert_well_formed(h)


def test_hints_read_the_load_the_analysis_carries_and_never_rebuild_the_model():
    # Issue 8: RunContext rebuilt the load model (load_v1 by name) and its reference run to undo the per-sample
    # scaling.  The analysis' own load must be used as it is: here one computed with a model whose reference
    # run lasts 30 min, which a rebuilt load_v1 reference (60 min) would misread by a factor of 2.
    import dataclasses

    from runload.load import load_model

    model = dataclasses.replace(load_model(), reference_duration_s=1800.0)
    easy, fast = (120, 3.0, 165.0, 0.0), (180, 4.5, 175.5, 0.0)
    df = samples([(600, 3.0, 165.0, 0.0)] + [easy, fast] * 6 + [(600, 3.0, 165.0, 0.0)])
    a = analysis(df)
    result = compute_load(df, POPULATION, model)
    a.load, a.load_samples = result.per_group, result.samples
    h = by_id(run_hints(a), "H6")
    steady = compute_load(samples([(3600, 4.5, 175.5, 0.0)]), POPULATION, model).per_group.loc["hamstrings"]
    per_stride = steady["rel_load"] / (100.0 * steady["driver_volume"])
    assert_allclose(h.values["hamstrings_per_stride_fast_ratio"], per_stride, rtol=1e-9)


def test_evaluated_rules_follow_the_inputs():
    from runload.hints import evaluated_rules

    with_load = [r.id for r in evaluated_rules(analysis(samples([(60, 3.0, 165.0, 0.0)])))]
    without = [r.id for r in evaluated_rules(analysis(samples([(60, 3.0, 165.0, 0.0)]), with_load=False))]
    history = [r.id for r in evaluated_rules(analysis(samples([(60, 3.0, 165.0, 0.0)])), HintHistory())]
    assert "H1" not in with_load and "H1" in history
    assert set(without) == {r.id for r in RULES.values() if r.needs <= {"samples"}}
    assert set(with_load) >= set(without)


def test_single_run_hill_and_long_run_hints_do_not_claim_a_personal_comparison():
    # H7/H8/H9 use fixed thresholds (300 m, 10 min, 75 min), so even with a fully personal profile they
    # must not say "compared with your own recent running" (science.md §3.1 rule 1: an honest anchor).
    personal = AthleteProfile(height_m=1.78, easy_speed_mps=3.1, cadence_model=(144.0, 7.0, 0.0, 0.0))
    df = samples([(1500, 3.3, 163, -8.0), (1200, 2.6, 170, 10.0)], source="device")
    found = {h.id: h for h in run_hints(analysis(df, personal))}
    assert set(found) == {"H7", "H8"}
    for h in found.values():
        assert ANCHOR_PERSONAL not in h.message and ANCHOR_POPULATION in h.message
    h9 = by_id(run_hints(analysis(samples([(80 * 60, 3.0, 165, 0.0)]), personal)), "H9")
    assert ANCHOR_POPULATION in h9.message


def test_hill_hints_say_what_the_hills_added_to_the_run():
    df = samples([(600, 3.0, 165, 0.0), (1500, 3.3, 160, -8.0)])
    a = analysis(df)
    quads = a.load.loc["quadriceps", "driver_downhill"]
    h = by_id(run_hints(a), "H7")
    assert f"the descents added about {(quads - 1) * 100:.0f} % to this run's estimated quadriceps load" in h.message


def test_h9_long_run_only_without_history():
    df = samples([(80 * 60, 3.0, 165, 0.0)])
    h = by_id(run_hints(analysis(df)), "H9")
    assert h.groups == ["calves"] and "Double-leg calf raise" in h.tips
    assert h.values["calves_rel_load"] == pytest.approx(80 / 60 * 100, rel=1e-6)
    assert_well_formed(h)
    assert "H9" not in ids(run_hints(analysis(samples([(70 * 60, 3.0, 165, 0.0)]))))


# --- H4 balance (science.md §4.5 item 7: 51.0 % steady → no H4; a shift → informational) ---------------------

def test_h4_never_on_the_absolute_band_alone():
    for level in (51.0, 53.5):
        df = samples([(1800, 3.0, 165, 0.0)], balance=lambda n, b=level: np.full(n, b))
        assert "H4" not in ids(run_hints(analysis(df)))


def test_h4_shift_within_run_is_informational():
    df = samples([(1800, 3.0, 165, 0.0)], balance=lambda n: np.where(np.arange(n) < n // 2, 50.1, 51.5))
    h = by_id(run_hints(analysis(df)), "H4")
    assert h.severity == "info" and h.evidence == "D" and h.groups == []
    assert "normal" in h.message
    assert_well_formed(h)


# --- data quality --------------------------------------------------------------------------------------------

def test_quality_hints_listed_after_training_hints():
    df = samples([(1800, 3.0, np.nan, np.nan)], source="model")
    hints = run_hints(analysis(df))
    assert ids(hints) == ["Q1", "Q2", "Q3"]
    for h in hints:
        assert h.severity == "info" and h.tips == []
        assert_well_formed(h)
    gps = analysis(df)
    gps.summary["altitude_source"] = "gps"
    assert "GPS altitude alone" in by_id(run_hints(gps), "Q2").message
    assert ids(run_hints(analysis(samples([(1800, 3.0, 165, 0.0)], source="device")))) == []
    assert "assume a typical cadence" in by_id(hints, "Q1").message
    assert "runload calibrate" in by_id(hints, "Q3").message


def test_q3_does_not_ask_a_calibrated_runner_to_calibrate():
    h = by_id(run_hints(analysis(samples([(1800, 3.0, 165, 0.0)], source="model"), CALIBRATED)), "Q3")
    assert "calibrat" in h.message and "your personal calibration" in h.message
    assert "or a personal calibration" not in h.message and "runload calibrate" not in h.message
    assert "±16 ms" in h.message  # the calibration's residual SD, 15.6 ms
    assert h.values["calibrated"] is True
    assert_well_formed(h)


def test_q2_on_a_treadmill_says_level_not_missing_altitude():
    df = samples([(1800, 3.0, 165, np.nan)], source="device")
    h = by_id(run_hints(analysis(df, sub_sport="treadmill")), "Q2")
    assert h.title == "Indoor run: slope taken as level" and "no usable altitude" not in h.message
    assert "incline" in h.message and h.values["indoor"] is True
    assert_well_formed(h)
    assert "no usable altitude" in by_id(run_hints(analysis(df)), "Q2").message


# --- rate limits ----------------------------------------------------------------------------------------------

def test_at_most_two_training_hints_ranked_by_tier_and_evidence():
    df = samples([(1500, 3.3, 0.84 * 168.5, 0.0), (1500, 3.3, 150, -9.0), (1200, 2.6, 150, 10.0),
                  (300, 4.2, 176, 0.0)], source="model")  # H5 tier 2, H7, H8, H9 and Q3 all trigger
    hints = run_hints(analysis(df))
    training = [h for h in hints if not h.id.startswith("Q")]
    assert len(training) == MAX_HINTS_PER_RUN
    assert training[0].id == "H5" and training[0].severity == "tier 2"
    assert training[1].id == "H7"  # info tier: evidence C beats D (H8, H9)
    assert ids(hints)[-1] == "Q3"


def _hint_stub(rule_id, severity="info", evidence="C"):
    return Hint(rule_id, "t", severity, evidence, EVIDENCE_LABELS[evidence], ["calves"], {"x": 1}, "m")


def test_select_hints_repeat_and_weekly_limits():
    now = START
    shown = pd.DataFrame({"time": [now - pd.Timedelta(days=2)], "id": ["H7"], "severity": ["info"]})
    picked = select_hints([_hint_stub("H7"), _hint_stub("H8", evidence="D")], now=now, shown=shown)
    assert ids(picked) == ["H8"]  # H7 not repeated within 7 days
    shown_old = shown.assign(time=[now - pd.Timedelta(days=8)])
    assert ids(select_hints([_hint_stub("H7")], now=now, shown=shown_old)) == ["H7"]
    risen = pd.DataFrame({"time": [now - pd.Timedelta(days=1)], "id": ["H5"], "severity": ["tier 1"]})
    assert ids(select_hints([_hint_stub("H5", "tier 2", "B")], now=now, shown=risen)) == ["H5"]
    week = pd.DataFrame({"time": [now - pd.Timedelta(days=d) for d in (1, 2)], "id": ["H1", "H2"],
                         "severity": ["small", "info"]})
    assert len(select_hints([_hint_stub("H7"), _hint_stub("H8")], now=now, shown=week)) == 1  # 3 per week


# --- history rules (H1; science.md §4.5 item 7) -------------------------------------------------------------

def history(weeks=10, longest_m=10_000.0):
    starts = [START - pd.Timedelta(days=3 * k + 1) for k in range(weeks * 7 // 3)]
    dist = [longest_m if k % 5 == 0 else 0.7 * longest_m for k in range(len(starts))]
    return HintHistory(runs=pd.DataFrame({"start": starts, "distance_m": dist, "duration_s": 3000.0}))


def test_h1_moderate_spike_with_calves_piggyback():
    df = samples([(int(13_500 / 3.0), 3.0, 165, 0.0)])  # 13.5 km = 1.35 × the 30-day longest, 75 min
    hints = run_hints(analysis(df), history(longest_m=10_000.0))
    h = by_id(hints, "H1")
    assert h.severity == "moderate" and h.evidence_label == "moderate"
    assert h.values["distance_ratio"] == pytest.approx(1.35, rel=1e-3)
    assert h.groups == ["calves"] and "Achilles" in h.message and "H9" not in ids(hints)
    assert "35 % longer" in h.message
    assert_well_formed(h)


def test_h1_suppressed_with_short_history_and_not_run_without_history():
    df = samples([(int(13_500 / 3.0), 3.0, 165, 0.0)])
    assert "H1" not in ids(run_hints(analysis(df), history(weeks=3)))
    assert "H1" not in ids(run_hints(analysis(df)))


def test_registry_skips_rules_whose_inputs_are_missing():
    calls = []

    @register_rule("HX", needs=("samples", "load", "history"))
    def probe(ctx):
        calls.append(ctx)
        return None

    try:
        df = samples([(600, 3.0, 165, 0.0)])
        run_hints(analysis(df))
        run_hints(analysis(df, with_load=False), HintHistory())
        assert calls == []
        run_hints(analysis(df), HintHistory())
        assert len(calls) == 1
    finally:
        RULES.pop("HX")
    with pytest.raises(InvalidMethodError):
        register_rule("HY", kind="alarm")
    with pytest.raises(InvalidMethodError):
        register_rule("HY", needs=("weather",))


# --- wording guard ------------------------------------------------------------------------------------------

GOOD = ("Your estimated calf load was higher, compared with your own recent running. Building gradually may "
        "help. Evidence: model-based.")


@pytest.mark.parametrize("phrase", [
    "You will get runner's knee.", "You are at risk of injury.", "Your risk is 30 % higher.",
    "You have runner's knee.", "This suggests a diagnosis of tendinitis.", "This will cause an injury.",
    "This is dangerous.", "You have weak hamstrings.", "You are quad-dominant.", "This definitely helps.",
    "Increase your cadence by 15 %.", "This prevents injuries.",
])
def test_guard_rejects_forbidden_phrases(phrase):
    assert find_forbidden(phrase)
    with pytest.raises(WordingError):
        check_wording(GOOD.replace("Building gradually may help.", phrase))


def test_guard_requires_qualifier_anchor_and_label():
    assert check_wording(GOOD) == GOOD
    with pytest.raises(WordingError, match="estimated"):
        check_wording(GOOD.replace("estimated ", ""))
    with pytest.raises(WordingError, match="anchor"):
        check_wording(GOOD.replace(ANCHOR_PERSONAL, "today"))
    check_wording(GOOD.replace(ANCHOR_PERSONAL, "today"), require_anchor=False)
    with pytest.raises(WordingError, match="evidence"):
        check_wording(GOOD.replace(" Evidence: model-based.", ""))
    with pytest.raises(WordingError, match="upper-body"):
        _hint("H8", "t", "info", "D", ["core"], {"x": 1}, GOOD)


def test_footer_is_the_standing_text():
    assert "not medical advice" in HINTS_FOOTER and "cannot detect or diagnose" in HINTS_FOOTER


@settings(max_examples=40, deadline=None)
@given(
    speed=st.floats(2.0, 7.0), cadence_ratio=st.floats(0.8, 1.15), grade=st.floats(-15.0, 15.0),
    minutes=st.integers(5, 120), fast_minutes=st.integers(0, 20), drift=st.floats(0.0, 3.0),
    personal=st.booleans(), with_load=st.booleans(), with_cadence=st.booleans(),
)
def test_no_rule_input_produces_forbidden_wording(speed, cadence_ratio, grade, minutes, fast_minutes, drift,
                                                  personal, with_load, with_cadence):
    profile = PERSONAL if personal else POPULATION
    c = (144.0 + 7.0 * speed) * cadence_ratio if with_cadence else np.nan
    segs = [(minutes * 60, speed, c, grade), (fast_minutes * 60 + 1, speed * 1.4, c, 0.0)]
    df = samples(segs, balance=lambda n: np.where(np.arange(n) < n // 2, 50.0, 50.0 + drift))
    hints = run_hints(analysis(df, profile, with_load=with_load))
    assert len([h for h in hints if not h.id.startswith("Q")]) <= MAX_HINTS_PER_RUN
    for h in hints:
        assert_well_formed(h)
        assert set(h.groups) <= set(LEG_GROUPS)
        if not h.id.startswith("Q") and h.id != "H4":
            assert h.groups and h.tips


def test_empty_run_gives_no_hints():
    df = samples([(10, 3.0, 165, 0.0)]).iloc[:0]
    assert run_hints(analysis(df)) == []


def test_thresholds_come_from_the_versioned_hints_file():
    from runload.hints import HINTS_MODEL, SPIKE_TIERS, hint_thresholds
    from runload.model_files import available_models

    assert HINTS_MODEL in available_models("hints")
    data = hint_thresholds()
    assert data["version"] == HINTS_MODEL
    # the module constants are read from the file, not typed twice
    assert SPIKE_TIERS == tuple((float(a), b) for a, b in data["H1"]["tiers"])
