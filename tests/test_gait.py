"""Gait timing (runload/gait.py): model tables, identities, walking branch, sources."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from test_clean import synthetic_run

from runload.clean import clean_samples
from runload.errors import InvalidMethodError, MissingColumnError, RunloadWarning
from runload.gait import (
    CONTACT_TIME_SOURCES,
    GAIT_COLUMNS,
    GAIT_SOURCES,
    cadence_pref,
    compute_gait,
    contact_time_powerlaw,
    gait_state,
    model_inputs,
    summarize_gait,
    target_stiffness,
)
from runload.profile import AthleteProfile
from runload.springmass import cadence_pref_population, contact_time_morin2005, target_stiffness_farley1996


def _frame(speed, cadence, *, stance=None, grade=0.0, state="running", accelerating=False):
    """A cleaned frame built directly (one row per value)."""
    speed = np.atleast_1d(np.asarray(speed, dtype=float))
    n = len(speed)
    index = pd.date_range("2024-05-01T07:00:00Z", periods=n, freq="1s", name="time")
    frame = pd.DataFrame({
        "speed_mps": speed,
        "cadence_spm": np.broadcast_to(np.asarray(cadence, dtype=float), (n,)).copy(),
        "grade_pct": np.broadcast_to(np.asarray(grade, dtype=float), (n,)).copy(),
        "state": np.broadcast_to(np.asarray(state, dtype=object), (n,)).copy(),
        "accelerating": np.broadcast_to(np.asarray(accelerating, dtype=bool), (n,)).copy(),
        "dt_s": 1.0,
    }, index=index)
    if stance is not None:
        frame["stance_time_ms"] = np.broadcast_to(np.asarray(stance, dtype=float), (n,)).copy()
    return frame


# science.md §1.5.5: k̂ = 13, cadence 165 + 7(v − 3); tc [s] for H 1.60 / 1.75 / 1.90 m.
TABLE_155 = [
    (2.5, 161.5, 0.274, 0.295, 0.318),
    (3.0, 165.0, 0.247, 0.265, 0.283),
    (3.5, 168.5, 0.226, 0.242, 0.257),
    (4.0, 172.0, 0.209, 0.223, 0.237),
    (5.0, 179.0, 0.183, 0.195, 0.206),
    (6.0, 186.0, 0.162, 0.173, 0.183),
]


@pytest.mark.parametrize("col,height", [(2, 1.60), (3, 1.75), (4, 1.90)])
def test_typical_values_table_all_heights(col, height):
    v = np.array([row[0] for row in TABLE_155])
    c = np.array([row[1] for row in TABLE_155])
    expected_ms = 1000 * np.array([row[col] for row in TABLE_155])
    # The table is the science.md model: no device-equivalence speed term (δ = 0); rows are a table.
    g = compute_gait(_frame(v, c), AthleteProfile(height_m=height), gait_source="model", input_window_s=None,
                     speed_exponent=0.0)
    assert (g["contact_time_source"] == "model").all()
    assert_allclose(g["contact_time_ms"], expected_ms, atol=2.0)  # science.md §1.5.5, ±2 ms
    if height == 1.75:
        # tf column and DF of the same table (tf ±2 ms; DF to two decimals)
        assert_allclose(g["flight_time_ms"], [76, 99, 114, 126, 141, 150], atol=2.0)
        assert_allclose(g["duty_factor"], [0.40, 0.36, 0.34, 0.32, 0.29, 0.27], atol=0.006)
        assert_allclose(g["peak_force_bw"], [1.98, 2.16, 2.31, 2.45, 2.71, 2.93], atol=0.01)


def test_cadence_effect_at_fixed_speed():
    # science.md §1.5.5: 3.33 m/s, preferred 170 spm: −10 % cadence → tc 0.271 s, +10 % → 0.236 s
    # (those values are for H 1.78 m, the height of the §4.1 reference check).
    profile = AthleteProfile(height_m=1.78, cadence_model=(170.0, 0.0, 0.0, 0.0))
    g = compute_gait(_frame([3.33, 3.33], [153.0, 187.0]), profile, gait_source="model", input_window_s=None,
                     speed_exponent=0.0)  # the science.md model; rows are a table, not a time series
    assert_allclose(g["contact_time_ms"], [271.0, 236.0], atol=1.5)


def test_identities_of_the_garmin_test_vector():
    # science.md §4.1: 166 spm, device GCT 291 ms, 3.191 m/s.
    g = compute_gait(_frame(3.191, 166.0, stance=291.0), AthleteProfile(), gait_source="device")
    row = g.iloc[0]
    assert row["contact_time_source"] == "device"
    assert_allclose(row["step_time_ms"], 60000 / 166, rtol=1e-12)
    assert_allclose(row["stride_time_ms"], 120000 / 166, rtol=1e-12)
    assert_allclose(row["flight_time_ms"], row["step_time_ms"] - 291.0, rtol=1e-12)  # tf = T_step − tc
    assert_allclose(row["swing_time_ms"], row["stride_time_ms"] - 291.0, rtol=1e-12)  # T_swing = T_stride − tc
    assert_allclose(row["swing_time_ms"], row["step_time_ms"] + row["flight_time_ms"], rtol=1e-12)
    assert_allclose(row["duty_factor"], 0.403, atol=5e-4)  # 0.291 / 0.7229 (stance_time_percent 40.0)
    assert_allclose(row["flight_time_ms"], 70.0, atol=0.5)
    assert_allclose(row["swing_time_ms"], 432.0, atol=0.5)
    # Sub-phases (§1.8) add up to contact and swing.
    assert_allclose(row["absorption_time_ms"] + row["midstance_time_ms"] + row["propulsion_time_ms"], 291.0)
    assert_allclose(row["early_swing_time_ms"] + row["late_swing_time_ms"], row["swing_time_ms"])
    assert_allclose(row["absorption_time_ms"], 0.40 * 291.0)


def test_walking_branch_and_no_root_are_flagged_never_negative_flight():
    # walking: 110 spm at 1.4 m/s; grounded running: 145 spm at 1.9 m/s with a very soft leg (no root).
    frame = _frame([1.4, 1.9, 3.0], [110.0, 145.0, 165.0], state=["walking", "running", "running"])
    g = compute_gait(frame, AthleteProfile(khat_ref=8.0), gait_source="model", input_window_s=None)  # rows are a table, not a time series
    assert list(g["contact_time_source"]) == ["walking", "walking", "model"]
    assert g["state"].iloc[1] == "walking"  # no root → walking (science.md §1.5.3)
    # Novacheck 1998: walking stance is about 62 % of the gait cycle, with no flight.
    assert_allclose(g["duty_factor"].iloc[:2], 0.62, atol=0.005)
    assert (g["contact_time_ms"].iloc[:2] > g["step_time_ms"].iloc[:2]).all()  # double support: tc > T_step
    assert_allclose(g["flight_time_ms"].iloc[:2], 0.0)
    assert (g["flight_time_ms"].dropna() >= 0).all()


@pytest.mark.filterwarnings("ignore:.*measured as running")  # the grid holds strap values at walking cadences
def test_flight_time_is_never_negative_over_a_grid():
    v, c = np.meshgrid(np.linspace(1.0, 9.0, 40), np.linspace(60, 240, 40))
    frame = _frame(v.ravel(), c.ravel(), stance=np.linspace(100, 500, v.size))
    for source in ("auto", "device", "model"):
        g = compute_gait(frame, AthleteProfile(), gait_source=source)
        assert (g["flight_time_ms"].dropna() >= 0).all(), source
        assert (g["swing_time_ms"].dropna() > 0).all(), source
        assert set(g["contact_time_source"]) <= set(CONTACT_TIME_SOURCES)


def test_device_values_used_only_when_plausible():
    # 500 ms is outside 120–450 ms; 330 ms at 180 spm leaves < 10 ms of flight (T_step 333 ms).
    frame = _frame([3.0, 3.0, 3.0], [165.0, 165.0, 180.0], stance=[250.0, 500.0, 330.0])
    frame.index = pd.date_range("2024-05-01", periods=3, freq="20s", tz="UTC", name="time")  # no smoothing overlap
    g = compute_gait(frame, AthleteProfile(), gait_source="auto")
    assert list(g["contact_time_source"]) == ["device", "model", "model"]
    assert g["contact_time_ms"].iloc[0] == 250.0
    only_device = compute_gait(frame, AthleteProfile(), gait_source="device")
    assert list(only_device["contact_time_source"]) == ["device", "none", "none"]
    assert only_device["contact_time_ms"].iloc[1:].isna().all()
    model = compute_gait(frame, AthleteProfile(), gait_source="model")
    assert (model["contact_time_source"] == "model").all()


def test_invalid_gait_source_and_uncleaned_frame():
    with pytest.raises(InvalidMethodError, match="gait_source"):
        compute_gait(_frame(3.0, 165.0), gait_source="magic")
    with pytest.raises(MissingColumnError, match="clean_samples"):
        compute_gait(_frame(3.0, 165.0).drop(columns="state"))


def test_powerlaw_fallback_without_cadence():
    frame = _frame([2.5, 4.0, 8.0], np.nan)
    g = compute_gait(frame, AthleteProfile(), gait_source="model", input_window_s=None)  # a table
    # Without cadence: the §1.5.5 table at the population cadence (H 1.75 m: 0.295 s, 0.223 s), within
    # the 2.5 % the power-law fit is allowed (science.md §1.5.5 [D]).
    assert_allclose(g["contact_time_ms"].iloc[:2], [295.0, 223.0], rtol=0.025)
    assert list(g["contact_time_source"]) == ["model", "model", "none"]  # 8 m/s is outside 1.8–7 m/s
    assert g["flight_time_ms"].isna().all()  # no cadence, no step time


def test_powerlaw_follows_the_default_model_within_2_percent():
    v = np.linspace(1.8, 7.0, 30)
    model = contact_time_morin2005(v, cadence_pref_population(v), 0.53 * 1.75, 13.0)
    assert_allclose(contact_time_powerlaw(v), model, rtol=0.025)  # science.md §1.5.5 fit [D]
    assert np.isnan(contact_time_powerlaw(1.0))
    s = contact_time_powerlaw(pd.Series([3.0, 4.0], index=[5, 6]))
    assert list(s.index) == [5, 6]


def test_springmass_outputs_only_on_level_steady_running():
    frame = _frame([3.0] * 4, 165.0, grade=[0.0, 5.0, np.nan, 0.0], accelerating=[False, False, False, True])
    g = compute_gait(frame, AthleteProfile(mass_kg=70), gait_source="model", input_window_s=None)  # rows are a table, not a time series
    assert np.isfinite(g["khat_leg"].iloc[0])
    assert g[["peak_force_bw", "khat_leg", "k_vert_kn_per_m", "k_leg_kn_per_m"]].iloc[1:].isna().all().all()
    # The model solved k̂_leg = k̂_target; at c = c_pref and the 3 m/s reference speed that is k̂_ref = 13.
    assert_allclose(g["khat_leg"].iloc[0], 13.0, rtol=1e-6)
    # §4.2 order of magnitude: k_leg of recreational runners 10.37 ± 2.34 kN/m (Morin 2005 treadmill).
    assert 10.37 - 2 * 2.34 < g["k_leg_kn_per_m"].iloc[0] < 10.37 + 2 * 2.34


def test_low_confidence_on_steep_grades():
    g = compute_gait(_frame([3.0] * 3, 170.0, grade=[2.0, 9.0, -12.0]), gait_source="model", input_window_s=None)  # rows are a table, not a time series
    assert list(g["contact_time_low_confidence"]) == [False, True, True]


def test_personal_cadence_model():
    assert_allclose(cadence_pref(3.0), 165.0)  # de Ruiter / van Oeveren 2019 anchor (science.md §3.2)
    assert_allclose(cadence_pref([3.0, 3.0, 3.0], [0.0, 5.0, -5.0], (150.0, 8.0, 100.0, -60.0)),
                    [174.0, 179.0, 171.0])  # 150 + 24 (+ 100·0.05, or −60·0.05): grade in percent
    # One clamp policy: a personal model never leaves 130–230 spm (a steep b1 at 7 m/s would give 332).
    assert cadence_pref(7.0, 0.0, (150.0, 26.0, 0.0, 0.0)) == 230.0
    assert cadence_pref(0.5, 0.0, (150.0, 26.0, 0.0, 0.0)) == 163.0
    assert cadence_pref(0.0, 0.0, (100.0, 5.0, 0.0, 0.0)) == 130.0


def test_known_contact_time_recovered_from_a_synthetic_run():
    # The device values are the Morin model with k̂ 11.5 and H 1.80: the model with that profile recovers
    # them; with the defaults (k̂ 13, H 1.75) it is within the ±10–11 % of science.md §1.5.6.
    speed = lambda t: 3.2 + 0.6 * np.sin(2 * np.pi * t / 900)  # noqa: E731
    run = synthetic_run(speed_mps=speed, duration_s=1800, height_m=1.80, khat_ref=11.5)
    cleaned = clean_samples(run)
    truth = cleaned["stance_time_ms"].to_numpy()
    # The synthetic device is the science.md model (no device-equivalence speed term, δ = 0).
    g = compute_gait(cleaned, AthleteProfile(height_m=1.80, khat_ref=11.5), gait_source="model", speed_exponent=0.0)
    assert_allclose(g["contact_time_ms"].to_numpy()[5:-5], truth[5:-5], rtol=0.01)
    default = compute_gait(cleaned, AthleteProfile(), gait_source="model")["contact_time_ms"].to_numpy()
    err = default / truth - 1
    assert np.all(np.abs(err[5:-5]) < 0.12)


def test_summary_is_time_weighted_over_running():
    frame = _frame([3.0, 3.0, 1.4], [165.0, 165.0, 110.0], stance=[250.0, 270.0, np.nan],
                   state=["running", "running", "walking"])
    frame.index = pd.date_range("2024-05-01", periods=3, freq="30s", tz="UTC", name="time")
    frame["dt_s"] = [10.0, 30.0, 20.0]
    g = compute_gait(frame, AthleteProfile(), gait_source="auto")
    summary = summarize_gait(frame.drop(columns="state").join(g))
    assert_allclose(summary["contact_time_ms"], (250 * 10 + 270 * 30) / 40)  # hand calculation
    assert_allclose(summary["device_contact_share"], 40 / 60)
    assert_allclose(summary["walking_share"], 20 / 60)
    assert summary["contact_time_source"] == "device"
    assert set(GAIT_COLUMNS) <= set(g.columns)


def test_empty_and_all_nan_frames():
    empty = _frame([3.0], 165.0).iloc[:0]
    assert len(compute_gait(empty)) == 0
    g = compute_gait(_frame([np.nan, np.nan], np.nan))
    assert (g["contact_time_source"] == "none").all()
    assert g["contact_time_ms"].isna().all()


def test_simulated_runs_when_available():
    simulate = pytest.importorskip("runload.simulate")
    from runload.pipeline import analyze_run
    from runload.run import Run, RunMeta
    from runload.schema import COLUMNS

    sim = simulate.simulate_run("easy_dynamics", seed=3)
    rec = sim.records
    frame = rec[[c for c in rec.columns if c in COLUMNS]].copy()
    athlete = sim.params.get("athlete", {})
    height = athlete.get("height_m", 1.78) if isinstance(athlete, dict) else 1.78
    run = Run(frame, RunMeta(source="simulated.fit", format="fit"))
    valid = rec["contact_time_ms"].notna().to_numpy()
    est = analyze_run(run, AthleteProfile(height_m=height), gait_source="model").samples["contact_time_ms"]
    err = (est.to_numpy() - rec["contact_time_ms"].to_numpy())[valid]
    err = err[np.isfinite(err)]
    # True k̂ 11.5 vs model 13 and a personal cadence offset: uncalibrated error within ±10–11 % (1 SD,
    # science.md §1.5.6); require the mean absolute error to stay under 12 %.
    assert np.mean(np.abs(err)) / np.nanmean(rec["contact_time_ms"]) < 0.12


def _series(speed, cadence, *, dt=None, state="running"):
    """A cleaned frame as a time series: sample i at t_i = Σ dt (1 s apart by default)."""
    speed = np.asarray(speed, dtype=float)
    dt = np.ones(len(speed)) if dt is None else np.asarray(dt, dtype=float)
    t = np.concatenate([[0.0], np.cumsum(dt[:-1])])
    frame = _frame(speed, cadence, state=state)
    frame.index = pd.DatetimeIndex(pd.Timestamp("2024-05-01T07:00:00Z") + pd.to_timedelta(t, unit="s"), name="time")
    frame["dt_s"] = dt
    return frame


def test_model_inputs_time_weighted_running_only():
    # 61 one-second samples; a walking sample in the middle does not pull the mean.
    speed = np.full(61, 3.0)
    speed[30] = 1.0
    state = np.array(["running"] * 61, dtype=object)
    state[30] = "walking"
    v, c = model_inputs(_series(speed, 170.0, state=state), 30.0)
    assert_allclose(v[[0, 15, 29, 31, 60]], 3.0, rtol=1e-12)  # only running samples (3.0) in every window
    assert v[30] == 1.0  # a walking sample keeps its own value
    assert_allclose(c, 170.0, rtol=1e-12)
    # Time weighting: a sample worth 4 s counts four times a 1 s sample (hand calculation).
    v2, _ = model_inputs(_series([3.0, 4.0, 3.0], 170.0, dt=[4.0, 1.0, 1.0]), 100.0)
    assert_allclose(v2, (3.0 * 4 + 4.0 * 1 + 3.0 * 1) / 6, rtol=1e-12)
    # No window: the cleaned columns unchanged.
    v3, _ = model_inputs(_series(speed, 170.0, state=state), None)
    assert_allclose(v3, speed)


def test_model_inputs_same_for_smart_recording():
    # Piecewise-constant speed (2 min blocks); smart recording keeps the changes and every 7th second.
    t = np.arange(600)
    speed = np.where((t // 120) % 2 == 0, 2.8, 3.6)
    full = _series(speed, 170.0)
    keep = (t % 7 == 0) | np.r_[True, np.diff(speed) != 0]
    idx = np.flatnonzero(keep)
    smart = _series(speed[idx], 170.0, dt=np.diff(np.r_[idx, 600]).astype(float))
    v_full, _ = model_inputs(full, 30.0)
    v_smart, _ = model_inputs(smart, 30.0)
    assert_allclose(v_smart[:-3], v_full[idx][:-3], atol=1e-9)  # exact under zero-order hold (ends clip)


def test_noisy_inputs_are_averaged_before_the_model():
    # GPS-like ±0.4 m/s alternation around 3.0 m/s: the 30 s window gives the §1.5.5 value at 3.0 m/s.
    n = 300
    speed = 3.0 + 0.4 * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    g = compute_gait(_series(speed, 165.0), AthleteProfile(), gait_source="model")
    inner = g["contact_time_ms"].to_numpy()[20:-20]
    assert_allclose(inner, 265.0, atol=2.0)  # science.md §1.5.5, 3.0 m/s, 165 spm, H 1.75: 0.265 s
    raw = compute_gait(_series(speed, 165.0), AthleteProfile(), gait_source="model", input_window_s=None)
    assert np.ptp(raw["contact_time_ms"].to_numpy()[20:-20]) > 15  # per-second noise goes straight in
    assert np.ptp(inner) < 1.0  # … and the window removes it


def test_target_stiffness_speed_term():
    v = np.array([2.0, 3.0, 4.5, 6.0])
    c = np.array([158.0, 165.0, 175.5, 186.0])
    cp = cadence_pref_population(v)
    farley = target_stiffness_farley1996(c, cp, 13.0, 1.39)
    assert_allclose(target_stiffness(v, c, cp, 13.0, 1.39), farley)  # δ = 0: the science.md model
    ratio = target_stiffness(v, c, cp, 13.0, 1.39, -0.5) / farley
    assert_allclose(ratio[1], 1.0)  # unchanged at the 3 m/s reference
    assert np.all(np.diff(ratio) < 0)  # δ < 0: stiffness falls with speed, so contact time falls less
    frame = _frame([3.0, 5.0], [165.0, 179.0])
    base = compute_gait(frame, gait_source="model", input_window_s=None, speed_exponent=0.0)["contact_time_ms"].to_numpy()
    soft = compute_gait(frame, gait_source="model", input_window_s=None, speed_exponent=-0.6)["contact_time_ms"]
    assert_allclose(soft.iloc[0], base[0], rtol=1e-9)  # unchanged at the 3 m/s reference
    assert soft.iloc[1] > base[1] + 10  # lower stiffness at 5 m/s → longer contact


@pytest.mark.filterwarnings("ignore:.*measured as running")
@pytest.mark.parametrize("khat_ref", [8.0, 13.0, 20.0])
@pytest.mark.parametrize("source", GAIT_SOURCES)
def test_gait_state_is_the_state_compute_gait_gives(source, khat_ref):
    # Issue 10: a batch's first look learns the norms from the state alone (no contact-time solve): over a
    # grid of speeds and cadences, with and without strap values and with soft legs (no root → walking), the
    # state must be compute_gait's own, label for label.
    v, c = np.meshgrid(np.linspace(1.0, 7.0, 25), np.linspace(90, 220, 25))
    state = np.where(c.ravel() < 135, "walking", "running").astype(object)
    state[::17] = "standing"
    demoted = 0
    for stance, window in itertools.product((None, np.linspace(100, 500, v.size)), (None, 30.0)):
        frame = _frame(v.ravel(), c.ravel(), stance=stance, state=state, grade=np.linspace(-12, 12, v.size))
        profile = AthleteProfile(khat_ref=khat_ref)
        expected = compute_gait(frame, profile, source, input_window_s=window)["state"].to_numpy(dtype=object)
        got = gait_state(frame, profile, source, input_window_s=window)
        assert got.dtype == object and list(got) == list(expected)
        demoted += int(((state == "running") & (expected == "walking")).sum())
    if source == "device":
        assert demoted == 0  # no model, no root to miss
    elif khat_ref <= 13.0:
        assert demoted > 0  # the no-root demotion is covered (soft legs: slow, quick steps)


def test_gait_state_warns_and_raises_as_compute_gait_does():
    frame = _frame([3.0, 3.0], [80.0, 80.0], stance=[250.0, 250.0], state=["walking", "walking"])
    with pytest.warns(RunloadWarning, match="measured as running") as full:
        compute_gait(frame)
    with pytest.warns(RunloadWarning, match="measured as running") as alone:
        state = gait_state(frame)
    assert [str(w.message) for w in alone] == [str(w.message) for w in full]
    assert list(state) == ["running", "running"]
    with pytest.raises(InvalidMethodError):
        gait_state(frame, gait_source="watch")
    with pytest.raises(MissingColumnError):
        gait_state(frame.drop(columns=["accelerating"]))
