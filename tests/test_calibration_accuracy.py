"""The README's figure for automatic personal calibration (issue 9, "Measure"), on simulated runners.

Three simulated runners (true k̂_ref 9, 11.5, 15; their own height, easy pace and cadence), each with a log
of 8 runs of 20 min over six weeks, 3 of them with a chest strap, go through the real ``runload batch``
without and with personal norms (``process_log(..., norms=False/True)``); the stored model contact time of
every run without a strap is compared with the simulator's truth — the same code as
``benchmarks/validate_calibration.py`` (:mod:`runload.calibration_validation`).  The median per-run error
before and after must be the figures stated (±1 ms), and calibration must help every runner.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, SHARED_DATA_DIR, require_shared_data

from runload import read_run
from runload.calibration_validation import (
    README_LOG,
    SIMULATED_RUNNERS,
    measure_simulated,
    model_contact_error,
    strip_running_dynamics,
)
from runload.errors import RunloadError
from runload.simulate import simulate_run
from runload.simulate_write import fit_bytes

# The figures the README states (docs/calibration.md): median per-run error of the runs without a sensor,
# before and after the batch's personal calibration [ms].  Measured with
# `.venv/bin/python benchmarks/validate_calibration.py --part simulated`.
README_CALIBRATION = re.compile(
    r"per-run contact-time error \*\*([0-9.]+) ms\*\* before, \*\*([0-9.]+) ms\*\* after")


def _readme_claim() -> tuple[float, float]:
    found = README_CALIBRATION.search((PROJECT_DIR / "README.md").read_text(encoding="utf-8"))
    assert found, "the README no longer states the calibration figures this test checks"
    return float(found.group(1)), float(found.group(2))


STATED_BEFORE_MS, STATED_AFTER_MS = _readme_claim()
DYNAMICS = ("stance_time_ms", "stance_time_pct", "stance_time_balance_pct", "vertical_oscillation_mm",
            "vertical_ratio_pct", "step_length_mm")


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return measure_simulated(tmp_path_factory.mktemp("calibration"))


def test_every_run_without_a_sensor_is_measured(measured):
    no_sensor = README_LOG["n_runs"] - README_LOG["sensor_runs"]
    assert len(measured) == len(SIMULATED_RUNNERS) * no_sensor
    assert (measured["seconds"] > 600).all()  # most of each 20 min run has a model estimate
    assert measured["norms_used"].all()  # the after-batch analysed every one with personal norms
    assert not measured["norms_used_before"].any()  # and the before-batch none


def test_median_error_before_and_after_is_the_stated_figure(measured):
    before, after = measured["before_ms"].median(), measured["after_ms"].median()
    assert abs(before - STATED_BEFORE_MS) <= 1.0, f"before: {before:.2f} ms, stated {STATED_BEFORE_MS} ms"
    assert abs(after - STATED_AFTER_MS) <= 1.0, f"after: {after:.2f} ms, stated {STATED_AFTER_MS} ms"


def test_calibration_lowers_the_error_of_every_runner(measured):
    per = measured.groupby("runner")[["before_ms", "after_ms"]].median()
    assert (per["after_ms"] < per["before_ms"]).all(), per
    # the uncalibrated model's bias has the sign of k̂_ref − 13: too short for a soft runner, too long for a stiff one
    bias = measured.groupby("khat_true")["bias_before_ms"].median()
    assert bias[9.0] < -20 and bias[15.0] > 10


# --- the measuring tools ---------------------------------------------------------------------------------

def test_model_contact_error_compares_running_model_seconds_only():
    t = pd.date_range("2024-03-04 06:00", periods=6, freq="s", tz="UTC", name="time")
    samples = pd.DataFrame({
        "contact_time_ms": [250.0, 260.0, 240.0, 300.0, 270.0, 255.0],
        "contact_time_source": ["model", "model", "model", "device", "model", "walking"],
        "state": ["running", "running", "running", "running", "standing", "walking"],
    }, index=t)
    truth = pd.Series([240.0, 250.0, np.nan, 200.0, 200.0, 200.0], index=t)
    err = model_contact_error(samples, truth)
    assert (err.median_abs_ms, err.bias_ms, err.seconds) == (10.0, 10.0, 2)  # rows 0 and 1 only
    empty = model_contact_error(samples.iloc[3:], truth)
    assert empty.seconds == 0 and np.isnan(empty.median_abs_ms)


def test_strip_running_dynamics_hides_the_strap_and_keeps_the_rest(tmp_path):
    sim = simulate_run("easy", seed=3, dynamics=True, duration_s=300)
    data = fit_bytes(sim)
    (tmp_path / "strap.fit").write_bytes(data)
    (tmp_path / "nostrap.fit").write_bytes(strip_running_dynamics(data))
    with_strap, without = read_run(tmp_path / "strap.fit"), read_run(tmp_path / "nostrap.fit")
    assert with_strap.samples["stance_time_ms"].notna().all()
    assert all(c not in without.samples or without.samples[c].isna().all() for c in DYNAMICS)
    keep = [c for c in with_strap.samples.columns if c not in DYNAMICS]
    pd.testing.assert_frame_equal(without.samples[keep], with_strap.samples[keep])
    assert without.meta.watch == with_strap.meta.watch  # laps and session untouched
    with pytest.raises(RunloadError, match="not a FIT file"):
        strip_running_dynamics(b"<gpx/>" * 10)
    with pytest.raises(RunloadError, match="chained or truncated"):
        strip_running_dynamics(data[:-100])


def test_strip_running_dynamics_on_a_real_garmin_file(tmp_path):
    require_shared_data()
    path = SHARED_DATA_DIR / "roznet__connectstats/ConnectStatsTests/samples/organizer_json/activity_1378220136.fit"
    copy = tmp_path / "nostrap.fit"
    copy.write_bytes(strip_running_dynamics(path.read_bytes(), str(path)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original, stripped = read_run(path), read_run(copy)
    assert original.samples["stance_time_ms"].notna().sum() > 500
    assert "stance_time_ms" not in stripped.samples or stripped.samples["stance_time_ms"].isna().all()
    keep = [c for c in original.samples.columns if c not in DYNAMICS]
    pd.testing.assert_frame_equal(stripped.samples[keep], original.samples[keep])
