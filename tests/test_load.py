"""Tests of runload.load: science.md §2.10 table, published effects (§4.3) and invariants (§4.5)."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from runload.analysis import LEG_GROUPS, MUSCLE_GROUPS, UPPER_BODY_GROUPS
from runload.errors import InvalidMethodError, MissingColumnError, RunloadWarning
from runload.load import (
    DRIVERS,
    PHASES,
    available_load_models,
    compute_load,
    describe_driver,
    explain_load,
    load_model,
    load_to_json,
    preferred_cadence_spm,
    segment_load,
)
from runload.profile import AthleteProfile
from runload.springmass import cadence_pref_population, contact_time_morin2005, target_stiffness_farley1996

PROFILE = AthleteProfile(height_m=1.78)  # science.md §2.10 settings: H 1.78, v_ref 3.0 at 165 spm
MODEL = load_model()
TABLE_GROUPS = ("glutes", "quadriceps", "hamstrings", "hip_flexors", "calves", "foot_ankle")


def frame(speed_mps, cadence_spm, grade_pct=0.0, n=60, dt_s=1.0, state="running", profile=PROFILE,
          with_contact=True, start="2024-05-01 07:00"):
    """Synthetic analysed samples at constant conditions; contact time as the gait stage would give it
    (inverse Morin model, cadence-dependent stiffness, c_pref without grade terms)."""
    idx = pd.date_range(start, periods=n, freq=pd.Timedelta(seconds=dt_s), tz="UTC")
    df = pd.DataFrame({"speed_mps": float(speed_mps), "cadence_spm": float(cadence_spm),
                       "grade_pct": float(grade_pct), "dt_s": float(dt_s), "state": state}, index=idx)
    df["distance_m"] = np.cumsum(df["speed_mps"] * df["dt_s"])
    if with_contact:
        c_pref = cadence_pref_population(speed_mps)
        k = target_stiffness_farley1996(cadence_spm, c_pref, profile.khat_ref, profile.cadence_exponent)
        df["contact_time_ms"] = 1000 * contact_time_morin2005(speed_mps, cadence_spm, profile.leg_length_m, k)
        df["contact_time_source"] = "model"
    return df


def per_stride(result, group):
    """Mean per-stride load relative to the reference stride (= the product of the per-stride drivers)."""
    row = result.per_group.loc[group]
    return row["rel_load"] / 100.0 / row["driver_volume"]


def per_km(result, group):
    return result.per_group.loc[group, "intensity_per_km"] / 100.0


# science.md §2.10: (v, c, grade %) → (per stride, per km) for glutes, quads, hams, hip flex, calves, foot.
# Graded cases: cadence 3 % above/below the level norm 165 + 7(v − 3), c_pref without grade terms.
TABLE_2_10 = {
    "easy 3.0": (3.0, 165.0, 0.0, [(1.00, 1.00)] * 6),
    "steady 3.5": (3.5, 168.5, 0.0, [(1.17, 1.02), (1.04, 0.91), (1.17, 1.03), (1.16, 1.02), (1.07, 0.94),
                                     (1.08, 0.95)]),
    "tempo 4.0": (4.0, 172.0, 0.0, [(1.33, 1.04), (1.08, 0.84), (1.34, 1.05), (1.33, 1.04), (1.14, 0.89),
                                    (1.16, 0.91)]),
    "interval 5.0": (5.0, 179.0, 0.0, [(1.66, 1.08), (1.15, 0.75), (1.69, 1.10), (1.66, 1.08), (1.26, 0.82),
                                       (1.31, 0.85)]),
    "strides 6.5": (6.5, 189.5, 0.0, [(2.15, 1.14), (1.24, 0.66), (2.23, 1.18), (2.19, 1.16), (1.37, 0.73),
                                      (1.50, 0.80)]),
    "cadence -10%": (3.0, 148.5, 0.0, [(1.06, 0.96), (1.20, 1.08), (0.94, 0.84), (0.95, 0.86), (1.09, 0.98),
                                       (1.13, 1.02)]),
    "cadence +10%": (3.0, 181.5, 0.0, [(0.95, 1.04), (0.86, 0.94), (1.06, 1.17), (1.05, 1.15), (0.92, 1.02),
                                       (0.90, 0.99)]),
    "uphill +10% at 2.5": (2.5, 1.03 * 161.5, 10.0, [(1.47, 1.78), (1.00, 1.20), (1.18, 1.43), (1.02, 1.24),
                                                      (1.03, 1.24), (1.01, 1.22)]),
    "downhill -10% at 3.5": (3.5, 0.97 * 168.5, -10.0, [(1.36, 1.16), (1.64, 1.39), (1.21, 1.02),
                                                         (1.14, 0.97), (1.21, 1.03), (1.46, 1.24)]),
}


@pytest.mark.parametrize("case", list(TABLE_2_10))
def test_table_2_10(case):
    v, c, grade, expected = TABLE_2_10[case]
    result = compute_load(frame(v, c, grade), PROFILE, MODEL)
    got = np.array([[per_stride(result, g), per_km(result, g)] for g in TABLE_GROUPS])
    # science.md §2.10: "Tolerance for implementation tests: ±0.02 on these numbers".
    assert_allclose(got, np.array(expected), atol=0.02 + 1e-9)


def test_table_2_10_reference_values():
    # science.md §2.10 first row: tc 0.269 s, F̂ 2.13 BW at 3.0 m/s, 165 spm, H 1.78.
    ref = compute_load(frame(3.0, 165.0), PROFILE, MODEL).reference
    assert_allclose(ref.contact_time_s, 0.269, atol=0.001)
    assert_allclose(ref.peak_force_bw, 2.13, atol=0.005)
    assert ref.strides == pytest.approx(3600 * 165 / 120)


def test_one_hour_of_easy_running_is_100():
    # science.md §2.8: RelLoad = 100 for one hour on level ground at v_ref and c_pref(v_ref).
    result = compute_load(frame(3.0, 165.0, n=3600), PROFILE, MODEL)
    assert_allclose(result.per_group["rel_load"].to_numpy(float), 100.0, rtol=1e-9)
    assert_allclose(result.per_group["intensity_per_km"].to_numpy(float), 100.0, rtol=1e-9)
    assert (result.per_group["top_driver"] == "none").all()


def test_lenhart2014_cadence_plus_10pct_quads_minus_14pct():
    # Lenhart et al. 2014: peak patellofemoral force −14 % at 110 % step rate; model −14.5 % (science.md §4.3).
    base = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    fast = compute_load(frame(3.0, 1.10 * 165.0), PROFILE, MODEL)
    assert_allclose(per_stride(fast, "quadriceps") / per_stride(base, "quadriceps"), 0.86, atol=0.015)


def test_achilles_tensiometry_calves_1_23():
    # Shear-wave tensiometry (PMC11096059): Achilles force ×1.23 from 2.68 → 4.47 m/s; ±0.05 (task brief).
    slow = compute_load(frame(2.68, float(cadence_pref_population(2.68))), PROFILE, MODEL)
    fast = compute_load(frame(4.47, float(cadence_pref_population(4.47))), PROFILE, MODEL)
    assert_allclose(per_stride(fast, "calves") / per_stride(slow, "calves"), 1.23, atol=0.05)


def test_gottschall_kram2005_downhill_9deg_quads_1_8():
    # Gottschall & Kram 2005: at −9° impact +54 %, braking +73 %; model quads ×1.79 from grade alone.
    i = math.tan(math.radians(9.0))
    level = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    down = compute_load(frame(3.0, 165.0, -100 * i), PROFILE, MODEL)
    assert_allclose(per_stride(down, "quadriceps") / per_stride(level, "quadriceps"), 1.8, atol=0.05)
    assert_allclose(per_stride(down, "foot_ankle") / per_stride(level, "foot_ankle"), 1.47, atol=0.03)
    assert down.per_group.loc["quadriceps", "top_driver"] == "downhill"


def test_roberts_belliveau2005_uphill_hip_takes_the_work():
    # Roberts & Belliveau 2005: extra uphill work comes from the hip; knee and ankle similar (12°).
    i = math.tan(math.radians(12.0))
    level = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    up = compute_load(frame(3.0, 165.0, 100 * i), PROFILE, MODEL)
    ratio = {g: per_stride(up, g) / per_stride(level, g) for g in LEG_GROUPS}
    # science.md §4.3: glutes ×2.7, hamstrings ×1.8, quads ×1.2, calves ×1.3 at 12°.
    assert_allclose([ratio["glutes"], ratio["hamstrings"], ratio["quadriceps"], ratio["calves"]],
                    [2.7, 1.85, 1.21, 1.32], atol=0.06)
    assert ratio["glutes"] > ratio["hamstrings"] > ratio["calves"] > ratio["quadriceps"]


def test_drivers_multiply_to_rel_load():
    df = pd.concat([frame(3.4, 160.0, 6.0, n=900), frame(4.2, 176.0, -4.0, n=600, start="2024-05-01 07:15")])
    result = compute_load(df, PROFILE, MODEL)
    pg = result.per_group
    product = np.prod(pg[[f"driver_{d}" for d in DRIVERS]].to_numpy(float), axis=1)
    assert_allclose(product * 100, pg["rel_load"].to_numpy(float), rtol=1e-9)
    phases = pg[[f"phase_{p}" for p in PHASES]].to_numpy(float)
    assert_allclose(phases.sum(axis=1), 1.0, rtol=1e-9)
    assert (phases >= 0).all()


def test_per_sample_loads_sum_to_run_and_segments_add_up():
    df = pd.concat([frame(3.0, 165.0, 0.0, n=600), frame(3.6, 170.0, -7.0, n=400, start="2024-05-01 07:10")])
    result = compute_load(df, PROFILE, MODEL)
    sums = result.samples.sum()
    for g in MUSCLE_GROUPS:
        assert_allclose(sums[f"load_{g}_au"], result.per_group.loc[g, "rel_load"], rtol=1e-12)
    t = df.index
    segments = pd.DataFrame({"kind": "lap", "start": [t[0], t[600]], "end": [t[600], t[-1]]})
    out = segment_load(result.samples, segments)
    assert list(out["kind"]) == ["lap", "lap"]
    for g in MUSCLE_GROUPS:
        assert_allclose(out[f"rel_load_{g}"].sum(), result.per_group.loc[g, "rel_load"], rtol=1e-12)
    # The second lap is downhill: quads' share of it is larger than glutes' relative to lap 1.
    assert out["rel_load_quadriceps"][1] / out["rel_load_quadriceps"][0] > out["rel_load_hip_flexors"][1] / \
        out["rel_load_hip_flexors"][0]


def test_segment_load_empty_segments_and_missing_columns():
    result = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    empty = segment_load(result.samples, pd.DataFrame(columns=["start", "end"]))
    assert "rel_load_calves" in empty and len(empty) == 0
    with pytest.raises(MissingColumnError):
        segment_load(result.samples, pd.DataFrame({"start": [result.samples.index[0]]}))


def test_walking_branch_uses_fixed_force_and_no_cadence_factor():
    # science.md §1.5.7: walking seconds use F̂ = 1.2 BW; the step-length factor is neutral (load_v1.toml).
    v, c = 1.4, 110.0
    result = compute_load(frame(v, c, state="walking", with_contact=False), PROFILE, MODEL)
    ref = result.reference
    g = MODEL.groups["quadriceps"]
    stance = (1.2 / ref.peak_force_bw) * (v / ref.speed_mps) ** g.a
    swing = (v / ref.speed_mps) * ((c / 120) / ref.stride_frequency_hz) ** g.gamma
    assert_allclose(per_stride(result, "quadriceps"), g.stance_weight * stance + g.swing_weight * swing, rtol=1e-9)
    assert result.walking_share == 1.0


def test_standing_and_paused_samples_carry_no_load():
    df = frame(3.0, 165.0, n=120)
    df.iloc[60:, df.columns.get_loc("state")] = "paused"
    df.iloc[30:60, df.columns.get_loc("state")] = "standing"
    result = compute_load(df, PROFILE, MODEL)
    assert (result.samples.iloc[30:].to_numpy() == 0).all()
    assert_allclose(result.per_group["rel_load"].to_numpy(float), 100 * 30 / 3600, rtol=1e-9)


def test_missing_cadence_warns_and_assumes_the_norm():
    df = frame(3.5, 168.5, with_contact=False)
    df["cadence_spm"] = np.nan
    with pytest.warns(RunloadWarning, match="no cadence on 100%"):
        result = compute_load(df, PROFILE, MODEL)
    expected = compute_load(frame(3.5, 168.5, with_contact=False), PROFILE, MODEL)
    assert_allclose(result.per_group["rel_load"].to_numpy(float), expected.per_group["rel_load"].to_numpy(float))


def test_unknown_grade_counts_as_level():
    df = frame(3.5, 168.5)
    df["grade_pct"] = np.nan
    result = compute_load(df, PROFILE, MODEL)
    level = compute_load(frame(3.5, 168.5), PROFILE, MODEL)
    assert_allclose(result.per_group["rel_load"].to_numpy(float), level.per_group["rel_load"].to_numpy(float))
    assert (result.per_group[["driver_uphill", "driver_downhill"]].to_numpy(float) == 1.0).all()


def test_device_contact_time_changes_support_force_not_cadence_driver():
    base = frame(3.0, 165.0)
    longer = base.assign(contact_time_ms=300.0, contact_time_source="device")
    a, b = compute_load(base, PROFILE, MODEL), compute_load(longer, PROFILE, MODEL)
    # Longer contact → lower F̂ → lower stance load; the difference is not blamed on cadence.
    assert per_stride(b, "quadriceps") < per_stride(a, "quadriceps")
    assert_allclose(b.per_group["driver_cadence"].to_numpy(float), 1.0, rtol=1e-9)


def test_personal_cadence_model_and_easy_speed():
    profile = AthleteProfile(height_m=1.78, easy_speed_mps=2.8, cadence_model=(150.0, 8.0, 40.0, -30.0))
    assert_allclose(preferred_cadence_spm(3.0, 0.05, profile), 150 + 24 + 2.0)
    assert_allclose(preferred_cadence_spm(3.0, -0.05, profile), 150 + 24 - 1.5)
    assert_allclose(preferred_cadence_spm(3.0, np.nan, profile), 174.0)
    c_ref = 150 + 8 * 2.8
    result = compute_load(frame(2.8, c_ref, n=3600, profile=profile, with_contact=False), profile, MODEL)
    assert result.reference.cadence_spm == pytest.approx(c_ref)
    assert_allclose(result.per_group["rel_load"].to_numpy(float), 100.0, rtol=1e-9)


def test_empty_run_gives_zero_load_and_nan_factors():
    result = compute_load(frame(3.0, 165.0).iloc[:0], PROFILE, MODEL)
    assert (result.per_group["rel_load"] == 0).all()
    assert result.per_group["driver_speed"].isna().all()
    assert result.per_group["intensity_per_km"].isna().all()
    assert (result.per_group["top_driver"] == "none").all()


def test_per_group_frame_matches_analysis_contract():
    result = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    expected = ["rel_load", "intensity_per_km"] + [f"phase_{p}" for p in PHASES] + \
        [f"driver_{d}" for d in DRIVERS] + ["top_driver", "approximate"]
    assert list(result.per_group.columns) == expected
    assert result.per_group.index.name == "group"
    assert list(result.per_group.index) == list(MUSCLE_GROUPS)
    assert list(result.per_group.index[result.per_group["approximate"]]) == list(UPPER_BODY_GROUPS)
    assert list(result.samples.columns) == [f"load_{g}_au" for g in MUSCLE_GROUPS]


def test_load_to_json_and_explanations():
    df = frame(3.0, 165.0, -8.0, n=4000)
    result = compute_load(df, PROFILE, MODEL)
    data = load_to_json(result.per_group)
    assert set(data) == set(MUSCLE_GROUPS)
    q = data["quadriceps"]
    assert set(q["phases"]) == set(PHASES) and set(q["drivers"]) == set(DRIVERS)
    assert q["top_driver"] == "downhill" and q["approximate"] is False and data["core"]["approximate"] is True
    empty = load_to_json(compute_load(df.iloc[:0], PROFILE, MODEL).per_group)
    assert empty["calves"]["drivers"]["speed"] is None
    text = explain_load(result)
    assert text["quadriceps"].startswith("Mainly from downhill running (+40 % per stride)")
    assert describe_driver("cadence", 1.2, cadence_ratio=0.9).startswith("longer steps")
    assert describe_driver("volume", 1.5) == "the duration: 1.5× the strides of an hour of easy running"
    with pytest.raises(InvalidMethodError):
        describe_driver("wind", 1.2)


def test_model_file_and_errors():
    assert "load_v1" in available_load_models()
    assert MODEL.version == "load_v1" and set(MODEL.groups) == set(MUSCLE_GROUPS)
    with pytest.raises(InvalidMethodError):
        load_model("load_v0")
    with pytest.raises(MissingColumnError):
        compute_load(frame(3.0, 165.0).drop(columns="dt_s"), PROFILE, MODEL)
    assert compute_load(frame(3.0, 165.0), PROFILE, "load_v1").model_version == "load_v1"


def test_beta_emphasis_keeps_driver_identity():
    model = dataclasses.replace(MODEL, beta=3.0)
    result = compute_load(frame(4.5, 176.0, 3.0, n=600), PROFILE, model)
    pg = result.per_group
    product = np.prod(pg[[f"driver_{d}" for d in DRIVERS]].to_numpy(float), axis=1)
    assert_allclose(product * 100, pg["rel_load"].to_numpy(float), rtol=1e-9)
    base = compute_load(frame(4.5, 176.0, 3.0, n=600), PROFILE, MODEL)
    assert (pg["rel_load"] > base.per_group["rel_load"]).loc[list(LEG_GROUPS)].all()


# --- hypothesis invariants (science.md §4.5 item 6) -----------------------------------------------------------

STATES = st.sampled_from(["running", "running", "running", "walking", "standing", "paused"])


@st.composite
def sample_frames(draw, min_size=2, max_size=40):
    n = draw(st.integers(min_size, max_size))
    floats = lambda lo, hi: st.lists(st.floats(lo, hi), min_size=n, max_size=n)  # noqa: E731
    idx = pd.date_range("2024-05-01", periods=n, freq="s", tz="UTC")
    return pd.DataFrame({
        "speed_mps": draw(floats(0.5, 9.5)), "cadence_spm": draw(floats(90.0, 260.0)),
        "grade_pct": draw(floats(-45.0, 45.0)), "dt_s": draw(floats(0.2, 5.0)),
        "state": draw(st.lists(STATES, min_size=n, max_size=n)),
    }, index=idx)


@settings(max_examples=60, deadline=None)
@given(sample_frames(), st.integers(1, 39))
def test_loads_nonnegative_finite_and_additive(df, cut):
    cut = min(cut, len(df) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        whole = compute_load(df, PROFILE, MODEL)
        first, second = compute_load(df.iloc[:cut], PROFILE, MODEL), compute_load(df.iloc[cut:], PROFILE, MODEL)
    rel = whole.per_group["rel_load"].to_numpy(float)
    assert np.isfinite(rel).all() and (rel >= 0).all()
    assert np.isfinite(whole.samples.to_numpy()).all() and (whole.samples.to_numpy() >= 0).all()
    parts = first.per_group["rel_load"].to_numpy(float) + second.per_group["rel_load"].to_numpy(float)
    assert_allclose(parts, rel, rtol=1e-9, atol=1e-12)


def _stride(v, c, grade_pct=0.0):
    return compute_load(frame(v, c, grade_pct, n=1, with_contact=False), PROFILE, MODEL)


@settings(max_examples=40, deadline=None)
@given(st.floats(2.5, 6.0), st.floats(145.0, 215.0), st.floats(0.01, 0.15))
def test_quads_rise_when_cadence_falls(v, c, drop):
    assert per_stride(_stride(v, c * (1 - drop)), "quadriceps") > per_stride(_stride(v, c), "quadriceps")


@settings(max_examples=40, deadline=None)
@given(st.floats(2.0, 5.0), st.floats(0.0, 29.0), st.floats(0.5, 10.0))
def test_glutes_rise_with_uphill_and_quads_with_downhill(v, grade, more):
    c = float(cadence_pref_population(v))
    assert per_stride(_stride(v, c, grade + more), "glutes") > per_stride(_stride(v, c, grade), "glutes")
    assert per_stride(_stride(v, c, -grade - more), "quadriceps") > per_stride(_stride(v, c, -grade), "quadriceps")


@settings(max_examples=40, deadline=None)
@given(st.floats(2.2, 5.8), st.floats(0.05, 1.0))
def test_calves_per_stride_rise_with_speed_up_to_6(v, dv):
    v2 = min(v + dv, 6.0)
    c1, c2 = float(cadence_pref_population(v)), float(cadence_pref_population(v2))
    assert per_stride(_stride(v2, c2), "calves") > per_stride(_stride(v, c1), "calves")


@settings(max_examples=40, deadline=None)
@given(st.floats(2.2, 8.5), st.floats(0.05, 1.5))
def test_hamstrings_and_hip_flexors_rise_with_speed(v, dv):
    c1, c2 = float(cadence_pref_population(v)), float(cadence_pref_population(v + dv))
    slow, fast = _stride(v, c1), _stride(v + dv, c2)
    for g in ("hamstrings", "hip_flexors"):
        assert per_stride(fast, g) > per_stride(slow, g)
