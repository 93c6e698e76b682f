"""summarize_run on hand-built runs (no I/O): timer, distance, time-weighted averages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from runload.io._track import PAUSE_GAP_S, PAUSE_SPEED_MPS
from runload.run import Run, RunMeta, WatchTotals
from runload.schema import validate
from runload.summary import summarize_run

T0 = datetime(2024, 5, 1, 7, 0, tzinfo=timezone.utc)


def _run(seconds, meta=None, **columns) -> Run:
    index = pd.DatetimeIndex([T0 + timedelta(seconds=float(s)) for s in seconds], name="time")
    frame = pd.DataFrame({k: np.asarray(v, dtype="float64") if k != "timer_on" else np.asarray(v, bool)
                          for k, v in columns.items()}, index=index)
    frame.insert(0, "elapsed_s", np.asarray(seconds, dtype="float64") - seconds[0])
    validate(frame)
    return Run(frame, meta or RunMeta(source="hand.gpx", format="gpx"))


def test_timer_from_gaps_without_timer_information():
    # 0..10 s at 1 Hz, a 99 s gap standing (3 m of drift), then 10 s more: 20 s of timer time
    t = list(range(11)) + list(range(110, 121))
    dist = np.concatenate([np.arange(11) * 3.0, 33.0 + np.arange(11) * 3.0])
    got = summarize_run(_run(t, distance_m=dist))
    assert 99 > PAUSE_GAP_S and 3.0 / 99 < PAUSE_SPEED_MPS
    assert_allclose(got["timer_s"], 20.0, atol=1e-9)  # hand count: 10 s + 10 s
    assert_allclose(got["elapsed_s"], 120.0, atol=1e-9)
    assert_allclose(got["avg_speed_mps"], 63.0 / 20.0, rtol=1e-12)
    # the same gap covering 300 m (a GPS dropout while running) is timer time
    got = summarize_run(_run(t, distance_m=np.where(np.arange(len(t)) > 10, dist + 297.0, dist)))
    assert_allclose(got["timer_s"], 120.0, atol=1e-9)
    # positions only: 0.01° of latitude (1112 m) in the gap is running, none is a pause
    lat = np.where(np.arange(len(t)) > 10, 45.01, 45.0)
    assert_allclose(summarize_run(_run(t, latitude_deg=lat, longitude_deg=np.full(len(t), 7.0)))["timer_s"], 120.0)
    assert_allclose(summarize_run(_run(t, latitude_deg=np.full(len(t), 45.0),
                                       longitude_deg=np.full(len(t), 7.0)))["timer_s"], 20.0)


def test_timer_from_timer_on_column_and_from_intervals():
    t = np.arange(10.0)
    on = [True, True, True, False, False, True, True, True, True, False]
    # counted segments end at samples 1, 2, 3 (timer on at 0..2) and 6, 7, 8, 9 (on at 5..8): 7 s
    assert_allclose(summarize_run(_run(t, timer_on=on))["timer_s"], 7.0, atol=1e-9)
    meta = RunMeta(source="x.fit", format="fit",
                   timer_intervals=[(T0, T0 + timedelta(seconds=2.5)), (T0 + timedelta(seconds=5), T0 +
                                                                          timedelta(seconds=9.25))])
    assert_allclose(summarize_run(_run(t, meta=meta, timer_on=on))["timer_s"], 6.75, atol=1e-9)


def test_cadence_average_is_time_weighted_with_zeros():
    # samples at 0, 1, 2, 12 s: trapezoidal weights 0.5, 1, 5.5, 5 (half the time to each neighbour)
    t = [0, 1, 2, 12]
    cad = [0.0, 160.0, 170.0, 180.0]
    want = (0 * 0.5 + 160 * 1 + 170 * 5.5 + 180 * 5) / 12.0  # hand calculation
    got = summarize_run(_run(t, cadence_spm=cad))
    assert_allclose(got["avg_cadence_spm"], want, rtol=1e-12)
    assert np.isnan(summarize_run(_run(t, cadence_spm=[np.nan] * 4))["avg_cadence_spm"])


def test_heart_rate_and_missing_values():
    got = summarize_run(_run([0, 1, 2, 3], heart_rate_bpm=[100, np.nan, 140, 150]))
    assert got["max_heart_rate_bpm"] == 150
    assert 100 < got["avg_heart_rate_bpm"] < 150
    assert "ascent_m" not in got and np.isnan(got["distance_m"]) and np.isnan(got["avg_cadence_spm"])


def test_distance_from_positions_when_no_distance_column():
    # 0.01 degree of latitude = 1111.95 m on a sphere of radius 6371008.8 m (2πR/36000)
    got = summarize_run(_run([0, 1], latitude_deg=[45.0, 45.01], longitude_deg=[7.0, 7.0]))
    assert_allclose(got["distance_m"], 2 * np.pi * 6_371_008.8 / 36000, rtol=1e-9)


def test_distance_of_a_later_multisport_leg_counts_from_its_first_sample():
    got = summarize_run(_run([0, 1, 2], distance_m=[5000.0, 5003.0, 5006.0]))
    assert_allclose(got["distance_m"], 6.0, atol=1e-9)
    got = summarize_run(_run([0, 1, 2], distance_m=[2.0, 5.0, 8.0]))  # first record a few metres in
    assert_allclose(got["distance_m"], 8.0, atol=1e-9)


def test_ascent_descent_from_smoothed_altitude():
    t = np.arange(0, 600, 1.0)
    alt = np.where(t < 300, 100 + t / 10, 130 - (t - 300) / 20)  # +30 m then −15 m
    got = summarize_run(_run(t, altitude_m=alt))
    # the 30-s mean rounds the summit off (numerically 1.25 m) and is one-sided at both ends (0.35 m net)
    assert_allclose(got["ascent_m"] - got["descent_m"], 15.0, atol=0.5)
    assert_allclose(got["ascent_m"], 30.0, atol=1.5)
    assert_allclose(got["descent_m"], 15.0, atol=1.5)


def test_watch_totals_and_columns_are_reported():
    meta = RunMeta(source="x.fit", format="fit", watch=WatchTotals(distance_m=10.0, timer_s=5.0))
    got = summarize_run(_run([0, 1, 2], meta=meta, distance_m=[0, 5, 10]))
    assert got["watch"]["distance_m"] == 10.0 and got["watch"]["avg_cadence_spm"] is None
    assert got["columns"] == ["elapsed_s", "distance_m"]
    assert got["start"] == T0.isoformat()
    assert summarize_run(_run([0, 1], distance_m=[0, 1]))["watch"] is None


def test_empty_run():
    frame = pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="time"))
    got = summarize_run(Run(frame, RunMeta(source="e.fit", format="fit")))
    assert got["n_samples"] == 0 and np.isnan(got["elapsed_s"]) and np.isnan(got["distance_m"])


def test_a_point_misplaced_before_the_start_does_not_make_distance_or_speed_negative():
    # issue 8, defect 2: the last point (5406 m) was stamped before the start and sorted first
    t = np.arange(0.0, 1803.0)
    dist = np.concatenate([[5406.0], 3.0 * np.arange(1802)])
    got = summarize_run(_run(t, distance_m=dist))
    assert_allclose(got["distance_m"], 3.0 * 1801, atol=1e-9)  # hand count: the good points' last value
    assert got["avg_speed_mps"] > 0
