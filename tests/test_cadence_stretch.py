"""Issue 8, defect 4: cadence at half the step rate over a stretch is found per stretch against speed,
doubled with a warning naming the stretch, and the stretch is running (runload/cadence_stretch.py,
runload/clean.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from test_clean import synthetic_run
from test_clean_distance import sim_run

from runload.cadence_stretch import half_cadence_stretches
from runload.clean import clean_samples
from runload.errors import RunloadWarning
from runload.pipeline import analyze_run


def _halved_run():
    run, sim = sim_run("easy", seed=3, fmt="fit")
    d = run.samples["distance_m"].to_numpy()
    stretch = (d >= 1000.0) & (d < 4000.0)  # 3 km at ~3 m/s recorded in strides/min
    run.samples.loc[stretch, "cadence_spm"] = run.samples.loc[stretch, "cadence_spm"] / 2.0
    return run, sim, stretch


def test_a_three_km_stretch_at_half_cadence_is_doubled_and_running():
    run, sim, stretch = _halved_run()
    with pytest.warns(RunloadWarning, match=r"\(3\.0 km\) is half the step rate.*doubled") as record:
        cleaned = clean_samples(run)
    message = next(str(w.message) for w in record if "half the step rate" in str(w.message))
    t0 = run.samples["elapsed_s"].to_numpy()[stretch][0]
    assert f"from {int(t0) // 60}:{int(t0) % 60:02d}" in message  # names where the stretch starts
    # doubled back, the cadence is exactly the one of the same run recorded in steps/min throughout
    unedited = clean_samples(sim_run("easy", seed=3, fmt="fit")[0])
    assert_allclose(cleaned["cadence_spm"].to_numpy(), unedited["cadence_spm"].to_numpy(), atol=1e-9)
    assert (cleaned["state"].to_numpy()[stretch] == "running").mean() > 0.99
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        gait = analyze_run(run, gait_source="model").samples
    # a running second never gets the walking contact time (830–930 ms in the defect report)
    assert (gait["contact_time_source"].to_numpy()[stretch] != "walking").all()
    assert np.nanmax(gait["contact_time_ms"].to_numpy()[stretch]) < 400.0


def test_walking_and_full_cadence_running_are_left_alone():
    t = np.arange(1800)
    v = np.where(t < 600, 3.0, np.where(t < 1200, 1.4, 3.2))
    c = np.where(t < 600, 168.0, np.where(t < 1200, 112.0, 172.0))  # a 10-minute walk at 112 spm
    run = synthetic_run(speed_mps=v, cadence_spm=c, duration_s=1800, device=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunloadWarning)
        cleaned = clean_samples(run)
    assert_allclose(cleaned["cadence_spm"].to_numpy()[610:1190], 112.0)
    assert (cleaned["state"].to_numpy()[610:1190] == "walking").all()
    # a few seconds of a dropping cadence sensor (half values, 10 s) re-scale nothing
    c2 = c.copy()
    c2[300:310] = 84.0
    assert half_cadence_stretches(t, v, c2) == []
