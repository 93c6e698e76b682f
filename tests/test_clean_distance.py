"""Issue 8, defect 2: one bad distance or time value affects only its own sample (runload/distance_repair.py,
the cleaning in runload/clean.py and the summary in runload/summary.py).

Fixtures are simulated runs (runload.simulate) edited in the test: a point moved before the start, a
distance spike, two neighbours with swapped timestamps; and a written TCX whose last trackpoint is stamped
10 s before the start.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from runload.clean import clean_samples
from runload.distance_repair import RESET_MIN_SAMPLES, continue_resets, inconsistent_distance, repair_distance
from runload.errors import RunloadWarning
from runload.io.tcx import read_tcx_bytes
from runload.pipeline import analyze_run
from runload.run import Run, RunMeta
from runload.simulate import simulate_run
from runload.simulate_write import tcx_bytes
from runload.summary import summarize_run

COLUMNS = ("elapsed_s", "distance_m", "speed_mps", "cadence_spm", "heart_rate_bpm", "altitude_m",
           "latitude_deg", "longitude_deg")


def sim_run(kind: str = "easy", seed: int = 1, fmt: str = "tcx") -> tuple[Run, object]:
    """A Run holding a simulated run's records as a reader returns them (no timer information)."""
    sim = simulate_run(kind, seed=seed)
    frame = sim.records[[c for c in COLUMNS if c in sim.records.columns]].copy()
    if fmt == "tcx":
        frame = frame.drop(columns=["speed_mps"])  # TCX trackpoints carry no speed
    return Run(frame, RunMeta(source=f"sim.{fmt}", format=fmt, sport="running", start=frame.index[0])), sim


def resorted(frame: pd.DataFrame, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The frame with a new time index, sorted by time the way a reader sorts out-of-order points."""
    out = frame.copy()
    out.index = index
    out = out.sort_index(kind="stable")
    out["elapsed_s"] = (out.index - out.index[0]).total_seconds()
    return out


def clean_quietly(run: Run) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cleaned = clean_samples(run)
    return cleaned, [str(w.message) for w in caught if issubclass(w.category, RunloadWarning)]


def test_a_point_stamped_before_the_start_affects_only_itself():
    run, sim = sim_run()
    good, _ = clean_quietly(run)
    truth = sim.summary()
    # the last trackpoint (distance ≈ 5351 m) is stamped 10 s before the start and sorted first
    index = run.samples.index.to_numpy().copy()
    index[-1] = index[0] - np.timedelta64(10, "s")
    run.samples = resorted(run.samples, pd.DatetimeIndex(index, name="time"))
    cleaned, messages = clean_quietly(run)
    d = cleaned["distance_m"].to_numpy()
    assert np.all(np.diff(d) >= 0)
    assert any(re.search(r"\b1 recorded distance value", m) for m in messages), messages
    # every other sample keeps its distance and state: the bad point moved only itself
    assert_allclose(d[1:], good["distance_m"].to_numpy()[:-1], atol=1e-6)
    assert (cleaned["state"].to_numpy()[2:-1] == good["state"].to_numpy()[1:-2]).mean() > 0.99
    assert (cleaned["state"] == "running").mean() > 0.95  # not "every sample standing"
    got = summarize_run(run)
    # the truth's last sample is the one that was moved: 1 s of running less (~3 m)
    assert_allclose(got["distance_m"], truth["distance_m"], atol=5.0)
    assert got["distance_m"] > 0 and got["avg_speed_mps"] > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        analysis = analyze_run(run)
    assert analysis.summary["distance_m"] > 0 and analysis.summary["running_s"] > 0.9 * truth["timer_s"]
    assert analysis.summary["pace_s_per_km"] > 0


def test_a_distance_spike_affects_only_its_own_sample():
    run, _ = sim_run(fmt="fit")
    good, _ = clean_quietly(run)
    d = run.samples["distance_m"].to_numpy().copy()
    d[900] += 5000.0  # far above both neighbours
    d[1200] -= 800.0  # far below both neighbours
    run.samples["distance_m"] = d
    cleaned, messages = clean_quietly(run)
    assert any(re.search(r"\b2 recorded distance value", m) for m in messages), messages
    other = np.ones(len(d), dtype=bool)
    other[[900, 1200]] = False
    assert_allclose(cleaned["distance_m"].to_numpy()[other], good["distance_m"].to_numpy()[other], atol=1e-9)
    # the two bad samples are interpolated from their neighbours (1 s apart: within one step of ~3 m)
    assert_allclose(cleaned["distance_m"].to_numpy()[[900, 1200]], good["distance_m"].to_numpy()[[900, 1200]],
                    atol=0.5)
    assert_allclose(summarize_run(run)["distance_m"], summarize_run(sim_run(fmt="fit")[0])["distance_m"], atol=1e-9)


def test_swapped_neighbour_timestamps_affect_only_those_samples():
    run, _ = sim_run()
    good, _ = clean_quietly(run)
    frame = run.samples.copy()
    values = frame.to_numpy().copy()
    for i in (300, 700, 1500):  # rows i and i+1 swap their data (their timestamps were swapped)
        values[[i, i + 1]] = values[[i + 1, i]]
    run.samples = pd.DataFrame(values, index=frame.index, columns=frame.columns)
    cleaned, messages = clean_quietly(run)
    d = cleaned["distance_m"].to_numpy()
    assert np.all(np.diff(d) >= 0)
    assert any(re.search(r"\b3 recorded distance value", m) for m in messages), messages
    differ = np.flatnonzero(np.abs(d - good["distance_m"].to_numpy()) > 1e-6)
    assert set(differ) <= {300, 301, 700, 701, 1500, 1501}
    assert summarize_run(run)["distance_m"] == pytest.approx(good["distance_m"].iloc[-1], abs=1e-6)


def test_written_tcx_with_a_trackpoint_before_the_start():
    sim = simulate_run("easy", seed=2)
    text = tcx_bytes(sim).decode()
    times = re.findall(r"<Time>([^<]+)</Time>", text)
    early = (pd.Timestamp(times[0]) - pd.Timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    head, sep, tail = text.rpartition(f"<Time>{times[-1]}</Time>")
    data = (head + f"<Time>{early}</Time>" + tail).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        run = read_tcx_bytes(data, source="early.tcx")[0]
        analysis = analyze_run(run)
    truth = sim.summary()
    got = summarize_run(run)
    assert got["distance_m"] == pytest.approx(truth["distance_m"], rel=0.005)
    assert got["avg_speed_mps"] > 0
    assert np.all(np.diff(analysis.samples["distance_m"].to_numpy()) >= 0)
    assert analysis.summary["running_s"] > 0.9 * truth["timer_s"]
    assert analysis.summary["distance_m"] == pytest.approx(truth["distance_m"], rel=0.005)


def test_inconsistent_distance_finds_spikes_dips_and_misplaced_points():
    d = np.array([0.0, 3, 6, 9000, 12, 15, 1, 21, np.nan, 27])
    assert np.flatnonzero(inconsistent_distance(d)).tolist() == [3, 6]
    assert not inconsistent_distance(np.arange(10.0)).any()
    assert inconsistent_distance([5400.0, 0, 3, 6, 9]).tolist() == [True, False, False, False, False]


def test_a_reset_is_continued_not_discarded():
    # a device restart: 100 samples rising 3 m/s, then the distance starts again from 0
    n = RESET_MIN_SAMPLES * 3
    d = np.concatenate([3.0 * np.arange(n), 3.0 * np.arange(n)])
    fixed, resets = continue_resets(d)
    assert resets == [n]
    assert_allclose(fixed[-1], 3.0 * (n - 1) + 3.0 * (n - 1), atol=1e-9)  # hand sum of both legs
    repaired, n_bad, _ = repair_distance(np.arange(2 * n, dtype=float), d)
    assert n_bad == 0 and np.all(np.diff(repaired) >= 0)
    # one bad value before a short rise is not a reset
    assert continue_resets(np.concatenate([[9000.0], 3.0 * np.arange(n)]))[1] == []


def test_an_out_of_range_recorded_distance_affects_only_its_own_sample():
    # Issue 12 (fuzzing): a negative first value made the whole repaired distance negative, and 1e12 m
    # overflowed the grade's distance windows.  Each is treated as missing and filled from its neighbours.

    t = np.arange(6, dtype=float)
    d, n_bad, _ = repair_distance(t, [-5000.0, 3.0, 6.0, 1e12, 12.0, 15.0])
    assert n_bad == 2
    np.testing.assert_allclose(d, [3.0, 3.0, 6.0, 9.0, 12.0, 15.0])
