"""One timer and one pause rule (issue 8): the summary's timer equals the sum of the cleaned samples'
weights on simulated and real runs; the cleaning and the summary use the same pause gap; sparse indoor
recording without distance is not read as pauses (defect 11)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import catalog_entries, entry_path, shared_params
from numpy.testing import assert_allclose
from test_clean import synthetic_run

import runload
from runload.clean import clean_samples, sample_intervals
from runload.errors import RunloadError, RunloadWarning
from runload.io import READERS
from runload.io._track import PAUSE_GAP_S, PAUSE_SPEED_MPS, pause_after
from runload.io.tcx import read_tcx_bytes
from runload.pipeline import analyze_run
from runload.run import Run, RunMeta
from runload.simulate import simulate_run
from runload.simulate_write import WRITERS, tcx_bytes
from runload.summary import summarize_run


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        return fn(*args, **kwargs)


def assert_one_timer(run: Run) -> float:
    """summarize_run's timer is the sum of the cleaned weights (the same quantity, to rounding)."""
    timer = _quiet(summarize_run, run)["timer_s"]
    cleaned = _quiet(clean_samples, run)
    assert_allclose(cleaned["dt_s"].sum(), timer, rtol=1e-12, atol=1e-6)
    assert_allclose(sample_intervals(run)[1].sum(), timer, rtol=1e-12, atol=1e-6)
    return timer


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("kind,smart", [("easy", False), ("intervals", True), ("hills", True), ("treadmill", False)])
def test_summary_timer_is_the_sum_of_the_cleaned_weights_on_simulated_files(kind, smart, fmt):
    sim = simulate_run(kind, seed=4, smart_recording=smart)
    if fmt == "gpx" and not sim.has_gps:
        pytest.skip("a treadmill run has no positions; GPX needs a track")
    run = _quiet(READERS[fmt], WRITERS[fmt](sim), source=f"sim.{fmt}")[0]
    timer = assert_one_timer(run)
    # and it is the true timer; a GPX/TCX track cannot tell how much of the smart-recording gap (≤ 7 s)
    # before a pause the timer still ran
    assert_allclose(timer, sim.summary()["timer_s"], atol=7.0 if smart and fmt != "fit" else 2.0)


def test_one_pause_gap_for_cleaning_and_summary():
    # GPX-like track (no timer information): a runner stands still for gaps just under and over the gap
    for gap in (PAUSE_GAP_S - 2.0, PAUSE_GAP_S + 5.0):
        keep = np.ones(600, dtype=bool)
        keep[301:301 + int(gap) - 1] = False
        speed = np.where((np.arange(600) >= 300) & (np.arange(600) < 300 + gap), 0.0, 3.0)
        run = synthetic_run(speed_mps=speed, duration_s=600, keep=keep, fmt="gpx", with_speed=False, device=False)
        timer = assert_one_timer(run)
        paused = gap > PAUSE_GAP_S
        assert_allclose(timer, 599.0 - (gap if paused else 0.0), atol=1e-9)


def test_pause_rule_judges_standing_by_distance_and_without_distance_by_cadence():
    t = np.array([0.0, 1, 2, 60, 61, 62])
    still = np.array([0.0, 3, 6, 6 + 58 * 0.4 * PAUSE_SPEED_MPS, 12, 15])
    assert pause_after(t, still).tolist() == [False, False, True, False, False]
    # indoors without a foot pod: the distance stays 0; steps on both sides of the gap: the timer ran
    zeros = np.zeros(6)
    assert not pause_after(t, zeros, cadence_spm=np.full(6, 170.0)).any()
    assert pause_after(t, zeros, cadence_spm=np.array([170.0, 170, 0, 170, 170, 170])).tolist() == \
        [False, False, True, False, False]
    assert not pause_after(t, zeros).any()  # nothing says the runner stood still


def _sparse_indoor_sim(seed: int = 5):
    """A treadmill run recorded indoors without a foot pod (distance and speed 0), a point every 3–45 s."""
    sim = simulate_run("treadmill", seed=seed)
    sim.truth["distance_m"] = 0.0
    sim.truth["speed_mps"] = 0.0
    rng = np.random.default_rng(seed)
    n = len(sim.truth)
    rows = np.cumsum(rng.integers(3, 46, size=n))
    mask = np.zeros(n, dtype=bool)
    mask[rows[rows < n]] = True
    mask[0] = mask[-1] = True
    mask[sim.laps["first_row"].to_numpy()] = True
    sim.record_mask = mask
    return sim


def test_sparse_indoor_recording_without_distance_is_not_read_as_pauses():
    sim = _sparse_indoor_sim()
    run = _quiet(read_tcx_bytes, tcx_bytes(sim), source="indoor.tcx")[0]
    s = run.samples
    assert (np.diff(s["elapsed_s"].to_numpy()) > PAUSE_GAP_S).sum() > 40  # many long gaps
    truth = sim.summary()
    timer = assert_one_timer(run)
    assert_allclose(timer, truth["timer_s"], atol=1.0)
    analysis = _quiet(analyze_run, run)
    assert analysis.summary["running_s"] > 0.95 * truth["timer_s"]  # stepping at 150+ spm: running
    assert analysis.summary["standing_s"] == 0.0


def test_sparse_indoor_frame_without_timer_information():
    sim = _sparse_indoor_sim(seed=6)
    frame = sim.records[["elapsed_s", "distance_m", "speed_mps", "cadence_spm", "heart_rate_bpm"]].copy()
    frame["elapsed_s"] -= frame["elapsed_s"].iloc[0]
    run = Run(frame, RunMeta(source="indoor.tcx", format="tcx", sport="running", start=frame.index[0]))
    timer = assert_one_timer(run)
    assert_allclose(timer, frame["elapsed_s"].iloc[-1], atol=1e-9)
    with pytest.warns(RunloadWarning, match="records steps but no movement"):
        cleaned = clean_samples(run)
    assert (cleaned["state"] == "running").mean() > 0.95


def _read_all(entry) -> list[Run]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return runload.read_runs(entry_path(entry))
        except RunloadError:
            return []


_CORPUS = [e for e in catalog_entries() if e.get("is_running") or e.get("role") in ("gpx", "tcx", "pair")]


@pytest.mark.parametrize("entry", shared_params(_CORPUS))
def test_summary_timer_is_the_sum_of_the_cleaned_weights_on_real_files(entry):
    for run in _read_all(entry):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # numpy warnings never reach the user
            assert_one_timer(run)

