"""Tests of runload.load: science.md §2.10 table, published effects (§4.3) and invariants (§4.5)."""

from __future__ import annotations

import dataclasses
import inspect
import json
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
    DRIVER_LABELS,
    DRIVERS,
    PHASES,
    available_load_models,
    compute_load,
    describe_driver,
    driver_text,
    explain_load,
    load_model,
    load_to_json,
    main_drivers,
    segment_load,
)
from runload.profile import AthleteProfile
from runload.springmass import cadence_pref, contact_time_morin2005, target_stiffness_farley1996

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
        c_pref = cadence_pref(speed_mps)
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


# --- published effects (science.md §2.4–§2.6, §4.3): the papers' numbers, not the model's own columns ----------
# Each tolerance is stated where it is used.  Where the model departs from a paper the test says so in its
# name and asserts the documented departure; docs/model_vs_papers.md records every one of them.


def test_lenhart2014_cadence_plus_10pct_quads_minus_14pct():
    # Lenhart et al. 2014: peak patellofemoral force −14 % at 110 % step rate (mean of 30 runners; reported
    # to the percent).  α_quads was anchored on it (§2.5), so ±2 percentage points.
    base = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    fast = compute_load(frame(3.0, 1.10 * 165.0), PROFILE, MODEL)
    assert_allclose(per_stride(fast, "quadriceps") / per_stride(base, "quadriceps"), 1 - 0.14, atol=0.02)


def test_lenhart2015_table1_hamstrings_and_hip_flexors_within_the_muscles_range():
    # Lenhart et al. 2015 Table 1 (N/kg at 100 % → 110 % step rate): semimembranosus stance 8.38 → 8.95 and late
    # swing 13.54 → 13.98; iliacus 19.29 → 20.43, psoas 13.19 → 13.36, rectus femoris early swing 8.00 → 9.11.
    # A group is several muscles: its change must lie within the range of its muscles' changes.
    base = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    fast = compute_load(frame(3.0, 1.10 * 165.0), PROFILE, MODEL)
    ham = per_stride(fast, "hamstrings") / per_stride(base, "hamstrings")
    hip = per_stride(fast, "hip_flexors") / per_stride(base, "hip_flexors")
    assert 13.98 / 13.54 <= ham <= 8.95 / 8.38
    assert 13.36 / 13.19 <= hip <= 9.11 / 8.00


def test_willson2014_step_length_per_km_model_underpredicts():
    # Willson et al. 2014 (3.7 m/s): patellofemoral stress per mile +14 % with 10 % longer steps, −7.5 % with
    # 10 % shorter steps.  The model gets the direction but only about half the long-step rise (stress is more
    # sensitive than force; science.md §2.5, docs/model_vs_papers.md).
    v = 3.7
    c = float(cadence_pref(v))
    base = compute_load(frame(v, c), PROFILE, MODEL)
    longer = per_km(compute_load(frame(v, c / 1.10), PROFILE, MODEL), "quadriceps") / per_km(base, "quadriceps")
    shorter = per_km(compute_load(frame(v, c / 0.90), PROFILE, MODEL), "quadriceps") / per_km(base, "quadriceps")
    assert 1.0 < longer <= 1 + 0.14 / 2 + 0.01  # documented: about half of the paper's +14 %
    assert 1 - 0.075 < shorter < 1.0


def test_achilles_tensiometry_calves_1_23():
    # Shear-wave tensiometry (PMC11096059): Achilles force 8.2 → 10.1 BW (×1.23) from 2.68 → 4.47 m/s.  Tolerance
    # ±0.05, the agreement science.md §4.3 accepts (model ×1.26, 0.03 above the paper: docs/model_vs_papers.md).
    slow = compute_load(frame(2.68, float(cadence_pref(2.68))), PROFILE, MODEL)
    fast = compute_load(frame(4.47, float(cadence_pref(4.47))), PROFILE, MODEL)
    assert_allclose(per_stride(fast, "calves") / per_stride(slow, "calves"), 10.1 / 8.2, atol=0.05)


def test_petersen2014_ankle_rises_more_than_knee_with_speed():
    # Petersen et al. 2014, 8 → 16 km/h: peak plantarflexor moment +0.74 Nm/kg, knee extensor +0.52 Nm/kg.
    slow = compute_load(frame(8 / 3.6, float(cadence_pref(8 / 3.6))), PROFILE, MODEL)
    fast = compute_load(frame(16 / 3.6, float(cadence_pref(16 / 3.6))), PROFILE, MODEL)
    calves = per_stride(fast, "calves") / per_stride(slow, "calves")
    quads = per_stride(fast, "quadriceps") / per_stride(slow, "quadriceps")
    assert calves > quads > 1.0


def test_petersen2015_per_km_knee_load_model_underpredicts():
    # Petersen et al. 2015: cumulative knee load per 1000 m is 1.8× higher at 8 km/h than at 15.8 km/h
    # (impulse-based).  The peak-based model gives the direction with a smaller factor (science.md §2.4).
    slow = compute_load(frame(8 / 3.6, float(cadence_pref(8 / 3.6))), PROFILE, MODEL)
    fast = compute_load(frame(15.8 / 3.6, float(cadence_pref(15.8 / 3.6))), PROFILE, MODEL)
    assert 1.0 < per_km(slow, "quadriceps") / per_km(fast, "quadriceps") < 1.8


DOWN_9DEG = -100 * math.tan(math.radians(9.0))
GK2005_IMPACT, GK2005_BRAKING = 1.54, 1.73  # Gottschall & Kram 2005 at −9°: impact +54 %, braking +73 %


def test_gottschall_kram2005_downhill_foot_matches_impact_peak():
    # The foot/ankle group takes the landing: compared with the normal impact peak (+54 %).  Tolerance 5 % of
    # the paper's ratio: the grade coefficient Dn_foot = 3 is a design choice anchored on "≈ +54 %" (§2.6).
    level = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    down = compute_load(frame(3.0, 165.0, DOWN_9DEG), PROFILE, MODEL)
    assert_allclose(per_stride(down, "foot_ankle") / per_stride(level, "foot_ankle"), GK2005_IMPACT,
                    rtol=0.05)
    assert down.per_group.loc["quadriceps", "top_driver"] == "downhill"


def test_gottschall_kram2005_downhill_quads_model_exceeds_paper():
    # The quadriceps brake the descent.  The model's ×1.79 is above both forces the paper measured (impact +54 %,
    # braking +73 %): documented in docs/model_vs_papers.md (Dn_quads = 5 also carries the eccentric-work
    # evidence of DeVita 2008).  If a re-fit brings it to the paper, update the document and this test.
    level = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    down = compute_load(frame(3.0, 165.0, DOWN_9DEG), PROFILE, MODEL)
    quads = per_stride(down, "quadriceps") / per_stride(level, "quadriceps")
    assert quads > GK2005_BRAKING > GK2005_IMPACT
    assert quads <= GK2005_BRAKING * 1.05  # the documented excess: under 5 % above the braking peak


UP_12DEG = 100 * math.tan(math.radians(12.0))


def test_roberts_belliveau2005_uphill_hip_takes_the_added_work():
    # Roberts & Belliveau 2005 (0 → 12°): net hip work per step −0.25 → +0.88 J/kg; the hip takes almost all
    # the added work.  Hip-extensor groups must rise more than the knee and ankle groups, glutes most.
    level = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    up = compute_load(frame(3.0, 165.0, UP_12DEG), PROFILE, MODEL)
    ratio = {g: per_stride(up, g) / per_stride(level, g) for g in LEG_GROUPS}
    assert ratio["glutes"] == max(ratio.values())
    assert min(ratio["glutes"], ratio["hamstrings"]) > max(ratio["quadriceps"], ratio["calves"])


@pytest.mark.xfail(strict=True, reason="model departs from the paper: quads ×1.21 and calves ×1.32 per stride at "
                                       "12° where knee and ankle work were unchanged (docs/model_vs_papers.md)")
def test_roberts_belliveau2005_uphill_knee_and_ankle_unchanged_model_disagrees():
    # Roberts & Belliveau 2005: knee and ankle work per step similar at 0, 6 and 12°.  "Unchanged" read as
    # within ±10 %.  The model raises every group uphill (U ≥ 1); this xfail records that and does not lock in
    # the size of the departure.
    level = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    up = compute_load(frame(3.0, 165.0, UP_12DEG), PROFILE, MODEL)
    for g in ("quadriceps", "calves"):
        assert_allclose(per_stride(up, g) / per_stride(level, g), 1.0, atol=0.10)


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
    # science.md §1.5.7: walking seconds use a fixed F̂ (load_v1.toml [walking]) and, by default, a neutral
    # step-length factor.  Properties: a walking second's load does not depend on its contact time, rises with
    # the model's walking force, and does not depend on the runner's running-cadence norm at walking speed.
    v, c = 1.4, 110.0
    walk = frame(v, c, state="walking", with_contact=False)
    base = compute_load(walk, PROFILE, MODEL)
    other_tc = compute_load(walk.assign(contact_time_ms=700.0, contact_time_source="walking"), PROFILE, MODEL)
    assert_allclose(other_tc.per_group["rel_load"].to_numpy(float), base.per_group["rel_load"].to_numpy(float))
    heavier = compute_load(walk, PROFILE, dataclasses.replace(MODEL, walking_peak_force_bw=2.4))
    stance_groups = [g for g in LEG_GROUPS if MODEL.groups[g].stance_weight > 0]
    assert (heavier.per_group.loc[stance_groups, "rel_load"] > base.per_group.loc[stance_groups, "rel_load"]).all()
    # Two personal cadence norms equal at the easy speed (same reference) but 20 spm apart at walking speed.
    flat = AthleteProfile(height_m=1.78, cadence_model=(144.0, 7.0, 0.0, 0.0))  # 165 spm at 3 m/s
    steep = AthleteProfile(height_m=1.78, cadence_model=(106.5, 19.5, 0.0, 0.0))  # 165 spm at 3 m/s
    assert cadence_pref(v, 0.0, flat.cadence_model) - cadence_pref(v, 0.0, steep.cadence_model) == pytest.approx(20)
    a, b = compute_load(walk, flat, MODEL), compute_load(walk, steep, MODEL)
    assert_allclose(a.per_group["rel_load"].to_numpy(float), b.per_group["rel_load"].to_numpy(float), rtol=1e-9)
    assert base.walking_share == 1.0


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


def test_no_cadence_warning_only_when_it_changes_something():
    # The last sample stands for no time (dt 0): a missing cadence there changes no load, so no warning
    # "no cadence on 0 % of moving time"; a short gap still says how small it is.
    df = frame(3.5, 168.5, with_contact=False)
    df.iloc[-1, df.columns.get_loc("dt_s")] = 0.0
    df.iloc[-1, df.columns.get_loc("cadence_spm")] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunloadWarning)
        compute_load(df, PROFILE, MODEL)
    df = frame(3.5, 168.5, with_contact=False, n=1000)
    df.iloc[:3, df.columns.get_loc("cadence_spm")] = np.nan
    with pytest.warns(RunloadWarning, match="no cadence on under 1 % of moving time"):
        compute_load(df, PROFILE, MODEL)


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
    # One hour at the runner's own easy speed and own preferred cadence is the reference: 100 in every group.
    profile = AthleteProfile(height_m=1.78, easy_speed_mps=2.8, cadence_model=(150.0, 8.0, 40.0, -30.0))
    c_ref = float(cadence_pref(2.8, 0.0, profile.cadence_model))
    result = compute_load(frame(2.8, c_ref, n=3600, profile=profile, with_contact=False), profile, MODEL)
    assert result.reference.cadence_spm == pytest.approx(c_ref)
    assert_allclose(result.per_group["rel_load"].to_numpy(float), 100.0, rtol=1e-9)


def test_load_uses_the_one_preferred_cadence_of_the_gait_model():
    # Issue 8: load's own c_pref was unclamped (244 spm at 7 m/s with this personal model) while gait clamps
    # it to 230 spm.  Running at 230 spm at 7 m/s is then the runner's norm: cadence ratio 1, no cadence driver.
    profile = AthleteProfile(height_m=1.78, cadence_model=(90.0, 22.0, 0.0, 0.0))
    c_gait = float(cadence_pref(7.0, 0.0, profile.cadence_model))
    result = compute_load(frame(7.0, c_gait, profile=profile, with_contact=False), profile, MODEL)
    assert result.cadence_ratio == pytest.approx(1.0)
    assert_allclose(result.per_group["driver_cadence"].to_numpy(float), 1.0, rtol=1e-9)
    # The grade terms of a personal model count too (grade_pct in %, as the gait stage passes it).
    hill = AthleteProfile(height_m=1.78, cadence_model=(150.0, 8.0, 40.0, -30.0))
    c_up = float(cadence_pref(3.0, 10.0, hill.cadence_model))
    up = compute_load(frame(3.0, c_up, 10.0, profile=hill, with_contact=False), hill, MODEL)
    assert up.cadence_ratio == pytest.approx(1.0)


def test_contact_time_without_flight_takes_the_walking_branch():
    # A contact time at or beyond the step time has no flight phase: the Morin peak force does not apply
    # (springmass.peak_force_morin2005 is NaN there), so the second is loaded as walking (§1.5.7), never with
    # a peak force below π/2 BW from the running formula.
    df = frame(3.0, 165.0).assign(contact_time_ms=400.0, contact_time_source="device")  # T_step = 364 ms
    result = compute_load(df, PROFILE, MODEL)
    walking = compute_load(frame(3.0, 165.0, state="walking", with_contact=False), PROFILE, MODEL)
    assert result.walking_share == 1.0
    assert_allclose(result.per_group["rel_load"].to_numpy(float), walking.per_group["rel_load"].to_numpy(float))


def test_driver_min_factor_comes_from_the_model_file():
    # Issue 8: main_drivers/explain_load used a hard-coded 1.05 beside the model's [drivers] min_factor.
    strict = dataclasses.replace(MODEL, driver_min_factor=1.5)
    df = frame(3.0, 165.0, -8.0, n=7200)  # two hours downhill: volume ×2, downhill ≈ ×1.4 per stride
    loose = compute_load(df, PROFILE, MODEL).per_group.loc["quadriceps"]
    tight = compute_load(df, PROFILE, strict).per_group.loc["quadriceps"]
    assert loose["top_driver"] == "volume" and tight["top_driver"] == "volume"
    assert [d for d, _ in main_drivers(loose)] == ["volume", "downhill"]
    assert [d for d, _ in main_drivers(tight)] == ["volume"]  # downhill ×1.4 is below the model's 1.5
    assert "downhill" not in driver_text(tight) and "downhill" in driver_text(loose)
    assert "min_factor" not in inspect.signature(main_drivers).parameters
    assert "min_factor" not in inspect.signature(explain_load).parameters


def test_driver_wording_short_and_sentence():
    df = frame(3.0, 165.0, -8.0, n=7200)
    row = compute_load(df, PROFILE, MODEL).per_group.loc["quadriceps"]
    down = row["driver_downhill"]
    assert driver_text(row, short=True) == f"duration {row['driver_volume']:.1f}×, downhill {(down - 1) * 100:+.0f} %"
    assert driver_text(row).startswith("Mainly from the duration: 2.0× the strides of an hour of easy running; "
                                       "per stride, mostly from downhill running (+")
    easy = compute_load(frame(3.0, 165.0), PROFILE, MODEL).per_group.loc["calves"]
    assert driver_text(easy, short=True) == "like easy running"
    assert driver_text(easy).startswith("No single driver stands out")
    slow_steps = compute_load(frame(3.0, 140.0, n=7200), PROFILE, MODEL).per_group.loc["quadriceps"]
    assert "longer steps" in driver_text(slow_steps, short=True)
    assert set(DRIVER_LABELS) == set(DRIVERS)


def test_empty_run_gives_zero_load_and_nan_factors():
    result = compute_load(frame(3.0, 165.0).iloc[:0], PROFILE, MODEL)
    assert (result.per_group["rel_load"] == 0).all()
    assert result.per_group["driver_speed"].isna().all()
    assert result.per_group["intensity_per_km"].isna().all()
    assert (result.per_group["top_driver"] == "none").all()


def test_per_group_frame_matches_analysis_contract():
    result = compute_load(frame(3.0, 165.0), PROFILE, MODEL)
    expected = ["rel_load", "intensity_per_km"] + [f"phase_{p}" for p in PHASES] + \
        [f"driver_{d}" for d in DRIVERS] + ["top_driver", "stride_driver", "cadence_ratio", "approximate"]
    assert list(result.per_group.columns) == expected
    assert result.per_group.index.name == "group"
    assert list(result.per_group.index) == list(MUSCLE_GROUPS)
    assert list(result.per_group.index[result.per_group["approximate"]]) == list(UPPER_BODY_GROUPS)
    assert list(result.samples.columns) == [f"load_{g}_au" for g in MUSCLE_GROUPS] + ["strides_au"]


def test_load_to_json_and_explanations():
    df = frame(3.0, 165.0, -8.0, n=4000)
    result = compute_load(df, PROFILE, MODEL)
    data = load_to_json(result.per_group)
    assert set(data) == set(MUSCLE_GROUPS)
    q = data["quadriceps"]
    assert set(q["phases"]) == set(PHASES) and set(q["drivers"]) == set(DRIVERS)
    assert q["top_driver"] == "downhill" and q["approximate"] is False and data["core"]["approximate"] is True
    json.dumps(data, allow_nan=False)
    empty = load_to_json(compute_load(df.iloc[:0], PROFILE, MODEL).per_group)
    assert empty["calves"]["drivers"]["speed"] is None
    text = explain_load(result)
    assert text["quadriceps"].startswith("Mainly from downhill running (+40 % per stride)")
    assert {g: data[g]["why"] for g in data} == text  # the JSON says what the CLI and the report say
    assert describe_driver("cadence", 1.2, cadence_ratio=0.9).startswith("longer steps")
    assert describe_driver("volume", 1.5) == "the duration: 1.5× the strides of an hour of easy running"
    with pytest.raises(InvalidMethodError):
        describe_driver("wind", 1.2)
    with pytest.raises(InvalidMethodError):
        describe_driver("wind", 1.2, short=True)


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
    c = float(cadence_pref(v))
    assert per_stride(_stride(v, c, grade + more), "glutes") > per_stride(_stride(v, c, grade), "glutes")
    assert per_stride(_stride(v, c, -grade - more), "quadriceps") > per_stride(_stride(v, c, -grade), "quadriceps")


@settings(max_examples=40, deadline=None)
@given(st.floats(2.2, 5.8), st.floats(0.05, 1.0))
def test_calves_per_stride_rise_with_speed_up_to_6(v, dv):
    v2 = min(v + dv, 6.0)
    c1, c2 = float(cadence_pref(v)), float(cadence_pref(v2))
    assert per_stride(_stride(v2, c2), "calves") > per_stride(_stride(v, c1), "calves")


@settings(max_examples=40, deadline=None)
@given(st.floats(2.2, 8.5), st.floats(0.05, 1.5))
def test_hamstrings_and_hip_flexors_rise_with_speed(v, dv):
    c1, c2 = float(cadence_pref(v)), float(cadence_pref(v + dv))
    slow, fast = _stride(v, c1), _stride(v + dv, c2)
    for g in ("hamstrings", "hip_flexors"):
        assert per_stride(fast, g) > per_stride(slow, g)
