"""Cleaning: sample weights, pauses, speed repair, grade, states (runload/clean.py).

``synthetic_run`` builds canonical frames with a known truth; the other test modules import it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from runload.clean import clean_samples, sample_intervals, timer_seconds
from runload.errors import EmptyRunError, RunloadWarning
from runload.pipeline import analyze_run
from runload.run import Device, Run, RunMeta
from runload.springmass import cadence_pref_population, contact_time_morin2005, target_stiffness_farley1996

START = pd.Timestamp("2024-05-01T07:00:00Z")


def synthetic_run(speed_mps=3.0, duration_s=1200, *, height_m=1.75, khat_ref=13.0, cadence_spm=None,
                  altitude=None, device=True, fmt="fit", keep=None, timer_on=None, with_speed=True,
                  laps_every_s=None, product="fenix5", source=None) -> Run:
    """A 1 Hz run whose device contact time is exactly the default Morin model's.

    ``speed_mps`` and ``cadence_spm``: scalars, arrays or functions of time [s]; cadence defaults to the
    population c_pref.  ``altitude``: a function of distance [m].  ``keep``: boolean mask of rows to keep
    (irregular sampling).  ``timer_on``: boolean array.
    """
    t = np.arange(duration_s, dtype=float)

    def value(x):
        x = x(t) if callable(x) else x
        return np.broadcast_to(np.asarray(x, dtype=float), t.shape).copy()

    v = value(speed_mps)
    c = cadence_pref_population(v) if cadence_spm is None else value(cadence_spm)
    k = target_stiffness_farley1996(c, cadence_pref_population(v), khat_ref)
    tc_ms = 1000.0 * contact_time_morin2005(v, c, 0.53 * height_m, k)
    on = np.ones(len(t), dtype=bool) if timer_on is None else np.asarray(timer_on, dtype=bool)
    step = np.where(on, v, 0.0)
    d = np.concatenate([[0.0], np.cumsum(step[:-1])])
    cols = {"elapsed_s": t, "distance_m": d, "cadence_spm": c, "heart_rate_bpm": 120.0 + 10.0 * v}
    if with_speed:
        cols["speed_mps"] = v
    if altitude is not None:
        cols["altitude_m"] = altitude(d)
    if device:
        cols["stance_time_ms"] = tc_ms
    index = pd.DatetimeIndex(START + pd.to_timedelta(t, unit="s"), name="time").as_unit("ns")
    frame = pd.DataFrame(cols, index=index)
    if timer_on is not None:
        frame["timer_on"] = on
    if laps_every_s:
        frame["lap"] = (t // laps_every_s).astype("int64")
    if keep is not None:
        frame = frame[np.asarray(keep, dtype=bool)].copy()
        frame["elapsed_s"] -= frame["elapsed_s"].iloc[0]
    meta = RunMeta(source=source or f"synthetic.{fmt}", format=fmt, sport="running",
                   device=Device("garmin", product), start=frame.index[0])
    return Run(frame, meta)


def smart_mask(n: int, seed: int = 1) -> np.ndarray:
    """Keep rows at random gaps of 1–7 s (like Garmin smart recording), first and last row kept."""
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.integers(1, 8, size=n))
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    keep[times[times < n]] = True
    return keep


def test_weights_add_up_to_elapsed_time_and_last_sample_has_none():
    run = synthetic_run(duration_s=600, keep=smart_mask(600))
    cleaned = clean_samples(run)
    assert cleaned.index.equals(run.samples.index)
    assert cleaned["dt_s"].iloc[-1] == 0.0
    assert_allclose(cleaned["dt_s"].sum(), 599.0, atol=1e-9)  # exact: 599 s from first to last sample
    assert (cleaned["state"] == "running").all()


def test_pause_from_timer_on_is_not_counted():
    on = np.ones(900, dtype=bool)
    on[300:360] = False  # a 60 s stop at the lights, samples written while paused
    run = synthetic_run(duration_s=900, timer_on=on)
    cleaned = clean_samples(run)
    assert (cleaned["state"].iloc[300:360] == "paused").all()
    assert cleaned["dt_s"].iloc[300:360].sum() == 0.0
    # The interval after sample i counts when the timer is on at i: 900 − 1 − 60 s.
    assert_allclose(timer_seconds(run), 839.0, atol=1e-9)
    assert_allclose(cleaned["dt_s"].sum(), 839.0, atol=1e-9)
    # Distance does not grow while paused.
    assert cleaned["distance_m"].iloc[359] == cleaned["distance_m"].iloc[300]


def test_pause_from_timer_intervals_is_exact():
    run = synthetic_run(duration_s=600)
    run.samples = run.samples.drop(run.samples.index[200:260])  # watch writes nothing while paused
    run.meta.timer_intervals = [(START, START + pd.Timedelta(seconds=199.5)),
                                (START + pd.Timedelta(seconds=260), START + pd.Timedelta(seconds=599))]
    dt, timer_dt = sample_intervals(run)
    assert_allclose(timer_dt.sum(), 199.5 + 339.0, atol=1e-9)
    assert_allclose(dt.sum(), 599.0, atol=1e-9)


def test_gap_without_timer_information_at_standstill_is_a_pause():
    # GPX track: no speed, no timer; the runner stopped for 5 minutes with the recording paused.
    v = np.where((np.arange(1200) >= 400) & (np.arange(1200) < 700), 0.0, 3.0)
    keep = np.ones(1200, dtype=bool)
    keep[401:700] = False
    run = synthetic_run(speed_mps=v, duration_s=1200, keep=keep, fmt="gpx", with_speed=False, device=False)
    cleaned = clean_samples(run)
    assert_allclose(cleaned["dt_s"].sum(), 1199.0 - 300.0, atol=1.0)


def test_gpx_speed_is_derived_from_distance():
    speed = lambda t: 3.0 + 0.5 * np.sin(2 * np.pi * t / 600)  # noqa: E731
    run = synthetic_run(speed_mps=speed, duration_s=1200, fmt="gpx", with_speed=False, device=False)
    cleaned = clean_samples(run)
    truth = speed(np.arange(1200.0))
    # The synthetic distance is a left Riemann sum, so distance-derived speed lags half a second:
    # |dv/dt|·0.5 s ≤ 0.5·(2π/600)·0.5 ≈ 2.6e-3 m/s; the 5 s centred difference adds < 1e-4 m/s.
    assert_allclose(cleaned["speed_mps"].to_numpy()[5:-5], truth[5:-5], atol=3e-3)


def test_speed_spikes_and_dropouts_are_replaced_with_a_warning():
    run = synthetic_run(duration_s=600)
    raw = run.samples["speed_mps"].to_numpy().copy()
    raw[100:110] = 25.0  # impossible
    raw[200:230] = 0.0  # dropout while distance keeps growing
    raw[300:304] = 9.0  # spike, plausible on its own
    run.samples["speed_mps"] = raw
    with pytest.warns(RunloadWarning, match="speed spike"):
        cleaned = clean_samples(run)
    assert_allclose(cleaned["speed_mps"].to_numpy(), 3.0, atol=1e-9)  # distance says 3 m/s throughout


def test_states_running_walking_standing():
    t = np.arange(900)
    v = np.where(t < 300, 3.0, np.where(t < 600, 1.4, 0.0))
    c = np.where(t < 300, 165.0, np.where(t < 600, 110.0, 0.0))
    run = synthetic_run(speed_mps=v, cadence_spm=c, duration_s=900, device=False)
    state = clean_samples(run)["state"].to_numpy()
    assert (state[10:290] == "running").all()
    assert (state[310:590] == "walking").all()
    assert (state[610:] == "standing").all()
    assert set(state) <= {"running", "walking", "standing", "paused"}


def test_fit_activity_type_walking_is_walking():
    run = synthetic_run(duration_s=120)
    run.samples["activity_type"] = "walking"
    assert (clean_samples(run)["state"] == "walking").all()


def test_accelerating_flag():
    v = np.concatenate([np.full(100, 2.5), 2.5 + 0.5 * np.arange(1, 11), np.full(90, 7.5)])
    run = synthetic_run(speed_mps=v, duration_s=200, device=False)
    cleaned = clean_samples(run)
    assert cleaned["accelerating"].iloc[103:108].all()  # 0.5 m/s² > 0.3 m/s²
    assert not cleaned["accelerating"].iloc[:90].any()
    assert not cleaned["accelerating"].iloc[120:].any()


def test_empty_run_is_an_error():
    run = synthetic_run(duration_s=10)
    run.samples = run.samples.iloc[:0]
    with pytest.raises(EmptyRunError, match="synthetic.fit"):
        clean_samples(run)


def test_all_nan_columns_do_not_break_cleaning():
    run = synthetic_run(duration_s=100, device=False)
    run.samples["speed_mps"] = np.nan
    run.samples["cadence_spm"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cleaned = clean_samples(run)
    assert_allclose(cleaned["speed_mps"].to_numpy()[3:-3], 3.0, atol=1e-9)  # from distance
    assert cleaned["cadence_spm"].isna().all()
    assert (cleaned["state"] == "running").all()  # 3 m/s without cadence: running by speed


@pytest.mark.parametrize("cadence_spm", [100.0, 40.0, 0.0])
def test_slow_uphill_hiking_is_moving_not_standing(cadence_spm):
    # issue 8, defect 11: a mountain stretch hiked at 0.55–0.95 m/s on +20 %; the watch counts ~100
    # steps/min, or few or none with the hands on the knees or on poles
    speed = lambda t: 0.75 + 0.2 * np.sin(2 * np.pi * t / 300)  # noqa: E731
    run = synthetic_run(speed_mps=speed, cadence_spm=cadence_spm, duration_s=1800, device=False,
                        altitude=lambda d: 1200.0 + 0.2 * d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        cleaned = clean_samples(run)
        summary = analyze_run(run).summary
    assert (cleaned["state"] == "walking").all()
    assert_allclose(summary["moving_s"], 1799.0, atol=1e-9)  # every second of the timer is moving
    assert summary["standing_s"] == 0.0


def test_standing_still_is_standing():
    # GPS drift at a crossing: 0.2 m/s, no steps
    run = synthetic_run(speed_mps=0.2, cadence_spm=0.0, duration_s=120, device=False)
    assert (clean_samples(run)["state"] == "standing").all()
