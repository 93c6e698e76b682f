"""A second the watch measured as running never gets a walking contact time (science.md §1.5.8, issue 8).

The fixture is a simulated run with chest-strap running dynamics whose cadence is halved over a 10-min
stretch (as a Suunto file did, ~86 spm at 5:20 /km) while the strap's stance time still says running.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from runload.clean import clean_samples
from runload.errors import RunloadWarning
from runload.gait import compute_gait
from runload.gait_model import GAIT_MODEL
from runload.pipeline import analyze_run
from runload.profile import AthleteProfile
from runload.run import Run, RunMeta
from runload.schema import COLUMNS
from runload.simulate import simulate_run

HALF_START_S, HALF_END_S = 600, 1200


def _half_cadence_run() -> tuple[Run, np.ndarray]:
    """The simulated run with cadence halved on [600 s, 1200 s), and the mask of the halved records."""
    rec = simulate_run("easy_dynamics", seed=3).records
    frame = rec[[c for c in rec.columns if c in COLUMNS]].copy()
    t = (frame.index - frame.index[0]).total_seconds().to_numpy()
    half = (t >= HALF_START_S) & (t < HALF_END_S)
    frame.loc[half, "cadence_spm"] = frame.loc[half, "cadence_spm"] / 2.0
    return Run(frame, RunMeta(source="half_cadence.fit", format="fit")), half


def _measured_running(samples) -> np.ndarray:
    """Seconds the watch measured as running: device contact time 150–400 ms at ≥ 2 m/s (the rule)."""
    stance = samples["stance_time_ms"].to_numpy(dtype=float)
    speed = samples["speed_mps"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return (stance >= 150) & (stance <= 400) & (speed >= 2.0)


def test_fixture_has_a_half_cadence_stretch_the_watch_measured_as_running():
    run, half = _half_cadence_run()
    cadence = run.samples["cadence_spm"].to_numpy()[half]
    assert np.nanmedian(cadence) < 100  # ~85 spm: below any running cadence
    assert _measured_running(run.samples)[half].mean() > 0.95


@pytest.mark.parametrize("gait_source", ["auto", "model"])
def test_gait_never_gives_walking_contact_time_to_measured_running(gait_source):
    """The guard in gait.py itself: cleaned samples that still carry the halved cadence and ``walking``."""
    run, half = _half_cadence_run()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cleaned = clean_samples(run)
    # Whatever clean.py decides about the stretch, hand gait.py the worst case: halved cadence, walking.
    t = (cleaned.index - cleaned.index[0]).total_seconds().to_numpy()
    stretch = (t >= HALF_START_S) & (t < HALF_END_S)
    raw_cadence = run.samples["cadence_spm"].reindex(cleaned.index).to_numpy()
    cleaned.loc[stretch, "cadence_spm"] = raw_cadence[stretch]
    cleaned.loc[stretch & (cleaned["state"] == "running").to_numpy(), "state"] = "walking"
    measured = _measured_running(cleaned) & stretch
    assert measured.sum() > 500

    with pytest.warns(RunloadWarning, match="measured as running"):
        g = compute_gait(cleaned, AthleteProfile(height_m=1.78), gait_source)
    source = g["contact_time_source"].to_numpy()[measured]
    assert not (source == "walking").any()
    assert (g["state"].to_numpy()[measured] == "running").all()
    tc = g["contact_time_ms"].to_numpy()[measured]
    # A running contact time: finite, within the device's running range, not 0.62·T_stride (~870 ms).
    assert np.isfinite(tc).all()
    assert (tc < GAIT_MODEL.measured_running_contact_time_ms[1]).all()
    truth = cleaned["stance_time_ms"].to_numpy()[measured]
    assert np.median(np.abs(tc - truth)) < 40  # population estimate vs the strap, well within ±15 %


def test_analyze_never_gives_walking_contact_time_to_measured_running():
    run, half = _half_cadence_run()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = analyze_run(run, AthleteProfile(height_m=1.78), gait_source="model")
    s = analysis.samples
    measured = _measured_running(s)
    t = (s.index - s.index[0]).total_seconds().to_numpy()
    in_stretch = measured & (t >= HALF_START_S) & (t < HALF_END_S)
    assert in_stretch.sum() > 500
    assert not (s["contact_time_source"].to_numpy()[measured] == "walking").any()
    assert (s["contact_time_ms"].to_numpy()[in_stretch] < 400).all()


def test_no_root_on_measured_running_is_not_walking():
    """A second the model has no root for (very soft target leg) but the strap says running."""
    import pandas as pd

    index = pd.date_range("2024-05-01T07:00:00Z", periods=3, freq="20s", name="time")
    frame = pd.DataFrame({
        "speed_mps": [2.1, 2.1, 1.4], "cadence_spm": [170.0, 170.0, 110.0], "grade_pct": 0.0,
        "state": ["running", "running", "walking"], "accelerating": False, "dt_s": 1.0,
        "stance_time_ms": [300.0, np.nan, np.nan],
    }, index=index)
    g = compute_gait(frame, AthleteProfile(khat_ref=6.0), gait_source="model", input_window_s=None)
    # Row 0: the strap measured running → never walking.  Row 1: no device evidence, no root → walking.
    # Row 2: a walking second stays walking.
    assert list(g["contact_time_source"]) == ["model", "walking", "walking"]
    assert list(g["state"]) == ["running", "walking", "walking"]
