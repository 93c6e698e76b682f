"""The rolling medians of the cleaning, the gait and the grade (runload.stats.window_median and friends)
give exactly pandas' numbers, on irregular time indexes of every unit, duplicates, NaN and odd windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runload import grade
from runload.stats import centred_median, centred_windows, window_median


def test_window_median_documented_cases():
    got = window_median([1.0, 5.0, np.nan, 2.0], [0, 0, 1, 3], [1, 2, 4, 3])
    np.testing.assert_array_equal(got, [1.0, 3.0, 3.5, np.nan])


@pytest.mark.parametrize("unit", ["ns", "us", "ms", "s"])
@pytest.mark.parametrize("window_s", [0.5, 2.0, 5.0, 7.0, 10.0, 30.0])
def test_centred_median_is_pandas_rolling_median(unit, window_s):
    rng = np.random.default_rng(len(unit) * 100 + int(window_s * 10))
    for trial in range(25):
        n = int(rng.integers(1, 400))
        step = rng.choice([0.25, 0.5, 1.0, 1.0, 2.5, 3.0, 7.0], size=n)  # samples exactly on window edges
        if trial % 3 == 0:
            step = step + rng.uniform(0, 0.001, n)
        if trial % 4 == 0:
            step[rng.random(n) < 0.2] = 0.0  # duplicate timestamps
        t0 = pd.Timestamp("2026-05-01 06:00:00.123456789", tz="UTC") if trial % 2 else pd.Timestamp("2019-01-01")
        index = pd.DatetimeIndex(t0 + pd.to_timedelta(np.cumsum(step), unit="s")).as_unit(unit)
        x = np.round(rng.normal(size=n), 1 if trial % 2 else 6)  # ties
        x[rng.random(n) < 0.2] = np.nan
        expected = (pd.Series(x, index=index).rolling(pd.Timedelta(seconds=window_s), center=True, min_periods=1)
                    .median().to_numpy())
        np.testing.assert_array_equal(centred_median(x, index, window_s), expected)


def test_centred_windows_of_one_second_samples():
    index = pd.date_range("2026-01-01", periods=6, freq="1s", tz="UTC")
    start, end = centred_windows(index, 5.0)  # (t − 2.5 s, t + 2.5 s]
    assert start.tolist() == [0, 0, 0, 1, 2, 3]
    assert end.tolist() == [3, 4, 5, 6, 6, 6]


def test_a_shuffled_index_still_fails_as_pandas_does():
    index = pd.DatetimeIndex(pd.to_datetime([3, 1, 2], unit="s", utc=True))
    with pytest.raises(ValueError, match="monotonic"):
        centred_median(np.ones(3), index, 5.0)


@pytest.mark.parametrize("half", [3.0, 20.0, 40.0, 80.0])
def test_side_medians_are_pandas_left_closed_rolling_medians(half):
    rng = np.random.default_rng(int(half))
    for trial in range(30):
        n = int(rng.integers(3, 500))
        steps = rng.choice([0.001, 0.3, 1.0, 3.0, 7.0, 40.0], size=n) * rng.uniform(0.5, 1.5, n)
        if trial % 3 == 0:
            steps = np.round(steps)  # points exactly on the window edges
        du = np.unique(np.cumsum(steps) + rng.uniform(0, 1000))
        au = np.round(rng.normal(0, 5, len(du)), 1)
        au[rng.random(len(du)) < 0.2] = np.nan
        w = pd.Timedelta(seconds=half)
        before = pd.Series(au, index=pd.to_timedelta(du - du[0], unit="s")).rolling(
            w, closed="left", min_periods=1).median().to_numpy()
        after = pd.Series(au[::-1], index=pd.to_timedelta(du[-1] - du[::-1], unit="s")).rolling(
            w, closed="left", min_periods=1).median().to_numpy()[::-1]
        got_before, got_after = grade._side_medians(du, au, half)
        np.testing.assert_array_equal(got_before, before)
        np.testing.assert_array_equal(got_after, after)


def test_the_repaired_profile_is_remembered_read_only_and_by_value():
    du = np.arange(0.0, 600.0, 3.0)
    au = 100.0 + 0.05 * du
    au[50] += 30.0  # a spike
    first = grade._repaired(du, au, 20.0)
    again = grade._repaired(du.copy(), au.copy(), 20.0)
    assert again is first
    assert first[1][50] and first[1].sum() == 1
    with pytest.raises(ValueError, match="read-only"):
        first[0][0] = 0.0
    other = au.copy()
    other[100] += 30.0
    assert grade._repaired(du, other, 20.0)[1].sum() == 2  # other values, computed afresh
