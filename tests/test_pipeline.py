"""analyze_run (runload/pipeline.py): the Analysis contract, on synthetic and real runs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from conftest import SAMPLE_RUNS_DIR, catalog_entries, entry_path, shared_params
from numpy.testing import assert_allclose
from test_clean import synthetic_run

import runload
from runload.analysis import LEG_GROUPS, MUSCLE_GROUPS, Analysis
from runload.errors import InvalidMethodError
from runload.gait import GAIT_COLUMNS, GAIT_MODEL_ID
from runload.pipeline import analyze_file, analyze_run
from runload.profile import AthleteProfile
from runload.segments import SEGMENT_COLUMNS

CLEAN_COLUMNS = ("speed_mps", "distance_m", "cadence_spm", "altitude_m", "grade_pct", "dt_s", "state",
                 "accelerating")
SUMMARY_KEYS = ("distance_m", "elapsed_s", "moving_s", "timer_s", "pace_s_per_km", "gap_s_per_km",
                "avg_cadence_spm", "avg_heart_rate_bpm", "ascent_m", "descent_m", "contact_time_ms",
                "flight_time_ms", "duty_factor", "contact_time_source", "device_contact_share")


def test_analysis_contract_on_a_synthetic_run():
    run = synthetic_run(speed_mps=3.0, duration_s=900, altitude=lambda d: 100 + 0.02 * d)
    a = analyze_run(run, AthleteProfile(height_m=1.75))
    assert isinstance(a, Analysis)
    assert a.samples.index.equals(run.samples.index)
    assert set(CLEAN_COLUMNS) <= set(a.samples.columns)
    assert set(GAIT_COLUMNS) <= set(a.samples.columns)
    assert list(a.segments.columns) == list(SEGMENT_COLUMNS) + [f"rel_load_{g}" for g in MUSCLE_GROUPS]
    assert set(SUMMARY_KEYS) <= set(a.summary)
    assert a.model_versions == {"gait": GAIT_MODEL_ID, "load": "load_v1", "hints": "hints_v2"}
    assert list(a.load.index) == list(MUSCLE_GROUPS)
    assert a.load_samples.index.equals(a.samples.index)
    assert all(h.evidence_label and h.message for h in a.hints)
    # A steady 15-min easy run: each leg group's load is about a quarter of an easy hour.
    assert ((a.load.loc[list(LEG_GROUPS), "rel_load"] > 15) & (a.load.loc[list(LEG_GROUPS), "rel_load"] < 35)).all()
    assert a.summary["contact_time_source"] == "device"
    assert_allclose(a.summary["device_contact_share"], 1.0)
    assert_allclose(a.summary["distance_m"], 2697.0)  # 899 s × 3 m/s (the last sample adds nothing)
    assert_allclose(a.summary["pace_s_per_km"], 1000 / 3, rtol=1e-9)
    assert_allclose(a.summary["ascent_m"], 0.02 * 2697, rtol=0.05)  # from runload.summary


def test_options_are_validated():
    run = synthetic_run(duration_s=60)
    with pytest.raises(InvalidMethodError, match="gait_source"):
        analyze_run(run, gait_source="watch")
    with pytest.raises(InvalidMethodError, match="units"):
        analyze_run(run, units="parsecs")


def test_public_api_and_determinism():
    run = synthetic_run(duration_s=300)
    a1 = runload.analyze_run(run, gait_source="model")
    a2 = runload.analyze_run(run, gait_source="model")
    assert a1.samples.equals(a2.samples)
    assert a1.summary["contact_time_source"] == "model"


def test_pause_handling_end_to_end():
    on = np.ones(1200, dtype=bool)
    on[500:620] = False
    a = analyze_run(synthetic_run(duration_s=1200, timer_on=on))
    assert_allclose(a.summary["moving_s"], 1199 - 120)
    assert_allclose(a.summary["elapsed_s"], 1199)
    assert (a.samples["contact_time_source"].iloc[500:620] == "none").all()


def test_moving_pace_and_moving_gap_leave_standing_out():
    # 10 min at 3 m/s, 5 min standing with the timer on (no distance), 10 min at 3 m/s, level: the pace
    # over moving time is 1000/3 s/km, the timer pace 1.25 × that, and the grade-adjusted paces follow.
    speed = np.where((np.arange(1500) >= 600) & (np.arange(1500) < 900), 0.0, 3.0)
    cadence = np.where(speed > 0, 170.0, 0.0)
    s = analyze_run(synthetic_run(speed_mps=speed, duration_s=1500, cadence_spm=cadence)).summary
    assert_allclose(s["moving_pace_s_per_km"], 1000 / 3, rtol=0.02)
    assert_allclose(s["pace_s_per_km"], 1.25 * 1000 / 3, rtol=0.02)
    assert_allclose(s["moving_gap_s_per_km"], s["moving_pace_s_per_km"], rtol=0.01)  # level: GAP = pace
    assert_allclose(s["gap_s_per_km"], s["pace_s_per_km"], rtol=0.01)


RUN_RD = [e for e in catalog_entries(role="run_rd")]


@pytest.mark.parametrize("entry", shared_params(RUN_RD))
def test_real_runs_with_running_dynamics(entry):
    path = entry_path(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = analyze_run(runload.read_run(path))
    watch = a.run.meta.watch
    if a.summary["running_s"] < 120 or watch is None or watch.avg_stance_time_ms is None:
        pytest.skip("too little running for a comparison with the watch")
    assert a.summary["contact_time_source"] == "device"
    assert a.summary["device_contact_share"] > 0.6
    # The watch's session average (all its steps) vs ours (valid running seconds): within 8 %.
    assert_allclose(a.summary["contact_time_ms"], watch.avg_stance_time_ms, rtol=0.08)
    # Sample weights add up to the watch's timer time (FIT timer events / timer_on), within 0.5 %.
    assert_allclose(a.samples["dt_s"].sum(), watch.timer_s, rtol=0.005)
    flight = a.samples["flight_time_ms"].dropna()
    assert (flight >= 0).all()
    assert set(a.samples["state"]) <= {"running", "walking", "standing", "paused"}


def test_analyze_file_reads_every_run_and_applies_the_profile(tmp_path):
    # analyze_file: the library's "every running session of a file" (defect 6), with --profile/--height.
    path = SAMPLE_RUNS_DIR / "easy.fit"
    (plain,) = analyze_file(path)
    assert plain.summary["profile_source"] in ("file", "default")
    profile = tmp_path / "me.toml"
    profile.write_text("height_m = 1.9\nkhat_ref = 11.0\n")
    (given,) = analyze_file(path, profile, height_m=1.6, units="imperial")
    assert (given.profile.height_m, given.profile.khat_ref) == (1.6, 11.0)
    assert given.summary["profile_source"] == "given" and given.summary["units"] == "imperial"
    assert given.run.meta.session_index == 0 and given.run.meta.n_sessions == 1


def test_analysis_json_is_strict_and_complete():
    run = synthetic_run(speed_mps=3.0, duration_s=900, altitude=lambda d: 100 + 0.02 * d)
    a = analyze_run(run, AthleteProfile(height_m=1.75))
    text = a.to_json()
    assert "NaN" not in text and "Infinity" not in text
    doc = json.loads(text)
    assert {"path", "run", "summary", "gait", "segments", "load", "hints", "footer"} <= set(doc)
    assert doc["run"]["index"] == 0 and doc["run"]["start"].endswith("+00:00")
    assert len(doc["segments"]) == len(a.segments)
    assert set(doc["load"]) == set(MUSCLE_GROUPS)
    assert doc["summary"]["distance_m"] == pytest.approx(a.summary["distance_m"])


def test_current_model_versions_are_what_an_analysis_records():
    from runload.pipeline import current_model_versions

    a = analyze_run(synthetic_run(duration_s=300))
    assert a.model_versions == current_model_versions()


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE_RUNS_DIR.glob("*.*") if p.suffix in (".fit", ".gz")))
def test_gait_samples_without_timing_are_the_cleaned_samples_with_the_gaits_state(name):
    # Issue 10: a batch's first look takes the state alone (gait_samples(timing=False)), which is all the
    # personal norms read: the same profile and state as the full gait stage, the cleaned columns unchanged.
    from runload.clean import clean_samples
    from runload.pipeline import gait_samples

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for run in runload.read_runs(SAMPLE_RUNS_DIR / name):
            cleaned = clean_samples(run)
            for profile in (None, AthleteProfile(height_m=1.6, khat_ref=9.0)):
                full_profile, full = gait_samples(run, profile, cleaned=cleaned)
                profile_, alone = gait_samples(run, profile, cleaned=cleaned, timing=False)
                assert profile_ == full_profile
                assert list(alone.columns) == list(cleaned.columns)
                assert list(alone["state"]) == list(full["state"])
                others = [c for c in cleaned.columns if c != "state"]
                assert alone[others].equals(cleaned[others]) and alone.index.equals(cleaned.index)
