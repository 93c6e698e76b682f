"""Segments (runload/segments.py): laps, splits, intervals, hills, time weighting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from test_clean import smart_mask, synthetic_run

from runload.errors import InvalidMethodError
from runload.pipeline import analyze_run
from runload.segments import SEGMENT_COLUMNS, cost_of_running_minetti2002, detect_segments


def _speed_steps(t):
    """3.0 m/s, with a 3.6 m/s stretch every 10 minutes (steps, not smooth)."""
    return np.where((t // 300) % 2 == 1, 3.6, 3.0)


def _hills(d):
    return 100 + 15 * np.sin(2 * np.pi * d / 2000)


def test_minetti_polynomial_values():
    # science.md §4.3: Cr(0) = 3.6, Cr(+0.10) ≈ 5.97, Cr(−0.10) ≈ 2.15 J/kg/m; minimum ≈ 1.78 near −0.18
    assert_allclose(cost_of_running_minetti2002([0.0, 0.10, -0.10]), [3.6, 5.97, 2.15], atol=0.006)
    grid = np.linspace(-0.45, 0.45, 901)
    cr = cost_of_running_minetti2002(grid)
    assert_allclose(cr.min(), 1.78, atol=0.01)
    assert_allclose(grid[np.argmin(cr)], -0.18, atol=0.01)
    assert np.isnan(cost_of_running_minetti2002(0.5))


def test_irregular_sampling_gives_the_same_summaries_as_1hz():
    kw = dict(speed_mps=_speed_steps, duration_s=3600, altitude=_hills, laps_every_s=600)
    full = analyze_run(synthetic_run(**kw))
    smart = analyze_run(synthetic_run(keep=smart_mask(3600, seed=7), **kw))
    assert len(smart.samples) < 0.35 * len(full.samples)
    for key, tol in [("distance_m", 0.002), ("timer_s", 0.001), ("pace_s_per_km", 0.005),
                     ("gap_s_per_km", 0.005), ("avg_cadence_spm", 0.005), ("contact_time_ms", 0.005),
                     ("duty_factor", 0.005), ("avg_heart_rate_bpm", 0.005)]:
        assert_allclose(smart.summary[key], full.summary[key], rtol=tol, err_msg=key)
    laps_full = full.segments[full.segments["kind"] == "lap"].reset_index(drop=True)
    laps_smart = smart.segments[smart.segments["kind"] == "lap"].reset_index(drop=True)
    assert len(laps_full) == len(laps_smart) == 6
    # A lap boundary falls between smart samples: up to 7 s of the 600 s lap moves to its neighbour.
    for col in ("duration_s", "distance_m", "pace_s_per_km", "cadence_spm", "contact_time_ms"):
        assert_allclose(laps_smart[col], laps_full[col], rtol=0.015, err_msg=col)


def test_laps_and_splits():
    run = synthetic_run(speed_mps=3.0, duration_s=1800, laps_every_s=600)
    a = analyze_run(run)
    seg = a.segments
    assert list(seg.columns[: len(SEGMENT_COLUMNS)]) == list(SEGMENT_COLUMNS)
    assert all(c.startswith("rel_load_") for c in seg.columns[len(SEGMENT_COLUMNS):])  # per-segment load
    laps = seg[seg["kind"] == "lap"]
    assert list(laps["label"]) == ["Lap 1", "Lap 2", "Lap 3"]
    assert_allclose(laps["duration_s"], [600, 600, 599])  # the last sample has no weight
    assert_allclose(laps["distance_m"], [1800, 1800, 1797])
    assert_allclose(laps["pace_s_per_km"], 1000 / 3.0, rtol=1e-9)
    splits = seg[seg["kind"] == "split"]
    assert list(splits["label"]) == [f"km {k}" for k in range(1, 7)]
    assert_allclose(splits["distance_m"].iloc[:5], 1000.0, atol=3.0)
    assert (seg["contact_time_source"] == "device").all()


def test_laps_from_meta_start_times_and_miles():
    run = synthetic_run(speed_mps=3.0, duration_s=1800)
    laps = pd.DataFrame({"start": [run.samples.index[0], run.samples.index[900]]})
    a = analyze_run(run)
    seg = detect_segments(a.samples, laps, units="imperial")
    assert list(seg.loc[seg["kind"] == "lap", "duration_s"]) == [900.0, 899.0]
    assert list(seg.loc[seg["kind"] == "split", "label"]) == ["mi 1", "mi 2", "mi 3", "mi 4"]
    with pytest.raises(InvalidMethodError, match="units"):
        detect_segments(a.samples, units="furlongs")


def test_intervals_are_detected():
    speed = lambda t: np.where((t >= 600) & (t < 2400) & ((t - 600) % 300 < 180), 4.5, 2.6)  # noqa: E731
    a = analyze_run(synthetic_run(speed_mps=speed, duration_s=3000))
    seg = a.segments
    work = seg[seg["kind"] == "work"]
    assert len(work) == 6
    assert_allclose(work["duration_s"], 180, atol=8)
    assert_allclose(work["pace_s_per_km"], 1000 / 4.5, rtol=0.03)
    assert len(seg[seg["kind"] == "recovery"]) == 5
    assert not (seg["kind"] == "steady").any()


def test_steady_run_is_one_steady_segment():
    a = analyze_run(synthetic_run(speed_mps=3.2, duration_s=1800))
    steady = a.segments[a.segments["kind"] == "steady"]
    assert len(steady) == 1
    assert_allclose(steady["duration_s"], 1799.0)
    assert not a.segments["kind"].isin(["work", "recovery", "climb", "descent"]).any()


def test_climbs_and_descents():
    def alt(d):
        return 100 + 0.06 * np.clip(d - 1000, 0, 1000) - 0.06 * np.clip(d - 2000, 0, 1000)

    a = analyze_run(synthetic_run(speed_mps=3.0, duration_s=1400, altitude=alt))
    seg = a.segments
    climb = seg[seg["kind"] == "climb"]
    descent = seg[seg["kind"] == "descent"]
    assert len(climb) == 1 and len(descent) == 1
    assert_allclose(climb["grade_pct"], 6.0, atol=0.3)
    assert_allclose(descent["grade_pct"], -6.0, atol=0.3)
    # Grade-adjusted pace (Minetti): faster-equivalent uphill, slower-equivalent downhill at −6 %.
    assert (climb["gap_s_per_km"] < climb["pace_s_per_km"]).all()
    assert (descent["gap_s_per_km"] > descent["pace_s_per_km"]).all()
    ratio = cost_of_running_minetti2002(0.06) / 3.6
    assert_allclose(climb["pace_s_per_km"] / climb["gap_s_per_km"], ratio, rtol=0.03)


def test_no_samples_gives_an_empty_table():
    a = analyze_run(synthetic_run(duration_s=60))
    seg = detect_segments(a.samples.iloc[:0])
    assert len(seg) == 0 and list(seg.columns) == list(SEGMENT_COLUMNS)
