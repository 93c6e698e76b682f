"""Heart-rate and pace zones (runload.zones): time in zone from series whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PROJECT_DIR
from numpy.testing import assert_allclose

from runload.zones import EASY_PACE_PER_THRESHOLD, hr_zones, pace_zones, time_in_zones


def test_time_in_zones_sums_the_weights_per_band():
    # 10 s below the first bound (not counted), 30 s in the first band, 20 s in the open top band.
    values = [40] * 10 + [100] * 30 + [200] * 20
    assert time_in_zones(values, np.ones(60), [50, 150, 180]) == [30.0, 0.0, 20.0]


def test_hr_zones_from_the_profile_maximum():
    # HRmax 200: 600 s at 110 bpm (55 % → zone 1), 300 s at 150 bpm (75 % → zone 3), 100 s at 190 bpm
    # (95 % → zone 5), 50 s at 80 bpm (40 % → below zone 1); NaN seconds count nowhere.
    hr = np.r_[np.full(600, 110.0), np.full(300, 150.0), np.full(100, 190.0), np.full(50, 80.0), np.full(20, np.nan)]
    z = hr_zones(hr, np.ones(hr.size), 200.0)
    assert z.source == "profile" and z.anchor == 200.0
    assert z.seconds == [50.0, 600.0, 0.0, 300.0, 0.0, 100.0]
    assert z.total_s == 1050.0


def test_hr_zones_without_a_maximum_use_the_run_and_say_so():
    hr = np.linspace(100, 160, 61)
    z = hr_zones(hr, np.ones(61), None)
    assert z.source == "run" and z.anchor == 160.0
    assert z.seconds[-1] > 0  # the run's own peak is in zone 5 by definition
    assert hr_zones(np.full(5, np.nan), np.ones(5), 190) is None


def test_pace_zones_around_a_threshold_pace():
    # Threshold 5:00 /km (300 s/km).  6:40 /km is 133 % (zone 1), 5:30 is 110 % (zone 3),
    # 4:50 is 96.7 % (zone 5), standing (NaN) is not counted.
    speed = np.r_[np.full(100, 1000 / 400), np.full(200, 1000 / 330), np.full(50, 1000 / 290), np.full(30, np.nan)]
    z = pace_zones(speed, np.ones(speed.size), 300.0, easy_speed_mps=3.0)
    assert z.source == "profile"
    assert z.seconds == [100.0, 0.0, 200.0, 0.0, 50.0]


def test_assumed_threshold_puts_the_easy_pace_in_the_middle_of_zone_2():
    # Zone 2 spans 114–129 % of threshold pace (Friel); the stated assumption is that easy running sits
    # in its middle, 121.5 %.
    assert EASY_PACE_PER_THRESHOLD == pytest.approx(1.215)
    z = pace_zones(np.full(10, 3.0), np.ones(10), None, easy_speed_mps=3.0)
    assert z.source == "assumed"
    assert_allclose(z.anchor * 1.215, 1000 / 3.0)
    assert z.seconds == [0.0, 10.0, 0.0, 0.0, 0.0]
    assert pace_zones(np.full(5, 0.4), np.ones(5), None, 3.0) is None  # slower than 1 m/s: no pace


def test_profile_zone_anchors_round_trip_and_are_checked(tmp_path):
    from runload.errors import RunloadError
    from runload.profile import AthleteProfile, load_profile, save_profile

    path = tmp_path / "me.toml"
    save_profile(AthleteProfile(hr_max_bpm=187.0, threshold_pace_s_per_km=262.0), path)
    back = load_profile(path)
    assert back.hr_max_bpm == 187.0 and back.threshold_pace_s_per_km == 262.0
    for bad in (dict(hr_max_bpm=40.0), dict(threshold_pace_s_per_km=5.0), dict(easy_speed_mps=0.0)):
        with pytest.raises(RunloadError):
            AthleteProfile(**bad)


def test_run_zones_of_a_simulated_run_follow_its_heart_rate(tmp_path):
    # The simulated athlete of sample_runs has HRmax 188 bpm (sample_runs/manifest.json); with that in the
    # profile the easy run's heart rate (≈ 130–145 bpm, 70–77 % of 188) sits mostly in zone 3.
    import warnings
    from dataclasses import replace

    import runload
    from runload.zones import run_zones

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = runload.analyze_run(runload.read_run(PROJECT_DIR / "sample_runs" / "easy.fit"))
    a.profile = replace(a.profile, hr_max_bpm=188.0)
    z = run_zones(a)["hr"]
    assert z.source == "profile"
    assert z.seconds[3] / z.total_s > 0.5
    timer = float(a.samples["dt_s"].sum())
    assert z.total_s == pytest.approx(timer, rel=0.02)  # every timed second with a heart rate is counted once
