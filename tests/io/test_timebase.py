"""repair_time_axis: out-of-order samples and clock jumps, never reordering or dropping a sample."""

from __future__ import annotations

import numpy as np
import pytest

from runload.io.timebase import MAX_OUTLIER_RUN, MAX_REAL_PAUSE_S, repair_time_axis

S = 1_000_000_000  # ns per second
T0 = 1_700_000_000 * S
DAY = 86_400 * S


def _axis(seconds) -> np.ndarray:
    return T0 + np.asarray(seconds, dtype="int64") * S


def test_clean_axis_and_real_pauses_are_untouched():
    # 1-Hz samples with a one-hour café stop (timer stopped): a pause, not a jump
    t = _axis([*range(0, 600), *range(4200, 4800)])
    r = repair_time_axis(t)
    np.testing.assert_array_equal(r.t_ns, t)
    assert r.breaks == [] and r.warnings == []


@pytest.mark.parametrize("bad", [-10, 30 * 86_400, 297])
def test_single_bad_timestamp_affects_only_itself(bad):
    # sample 300 says -10 s (before the start), +30 days, or 3 s back: only it moves, between its neighbours
    seconds = np.arange(600)
    seconds[300] = bad
    r = repair_time_axis(_axis(seconds))
    expected = _axis(np.arange(600))
    np.testing.assert_array_equal(np.delete(r.t_ns, 300), np.delete(expected, 300))
    assert expected[299] <= r.t_ns[300] <= expected[301]
    assert r.breaks == []
    assert len(r.warnings) == 1 and r.warnings[0].startswith("1 sample(s) had out-of-order timestamps")


def test_bad_first_sample_is_put_one_step_before_the_second():
    seconds = np.arange(100)
    seconds[0] = 20 * 86_400
    r = repair_time_axis(_axis(seconds))
    assert r.t_ns[0] == T0 and np.all(np.diff(r.t_ns) == S) and r.breaks == []


def test_a_few_swapped_samples_are_interpolated_in_file_order():
    seconds = np.arange(50)
    seconds[[10, 11]] = seconds[[11, 10]]
    seconds[[30, 31, 32]] = [33, 31, 29]  # a shuffled handful
    r = repair_time_axis(_axis(seconds))
    assert np.all(np.diff(r.t_ns) >= 0) and len(r.t_ns) == 50
    np.testing.assert_array_equal(r.t_ns[:10], _axis(np.arange(10)))
    np.testing.assert_array_equal(r.t_ns[40:], _axis(np.arange(40, 50)))
    assert r.breaks == []


def test_forward_clock_jump_continues_from_the_last_good_sample():
    # a Garmin clock that jumps forward by 20 days after 00:41:10 of the run and stays there
    seconds = np.concatenate([np.arange(0, 2471), np.arange(2471, 3000) + 20 * 86_400 + 3 * 3600])
    r = repair_time_axis(_axis(seconds))
    np.testing.assert_array_equal(r.t_ns, _axis(np.arange(3000)))  # one 1-s step across the jump
    assert r.breaks == [2471]
    assert r.warnings == ["clock jumped forward 20 d 3 h after 00:41:10 of the run; the jump is treated as "
                          "a pause and the later samples continue from the last good one"]


def test_backward_clock_jump_of_any_size_is_a_jump():
    for back_s in (3600, 2 * 86_400):
        seconds = np.concatenate([np.arange(0, 500), np.arange(500, 900) - back_s])
        r = repair_time_axis(_axis(seconds), typical_step_s=2.0)
        assert r.breaks == [500]
        assert r.t_ns[500] - r.t_ns[499] == 2 * S  # the given typical step
        np.testing.assert_array_equal(np.diff(r.t_ns[500:]), S)
        assert "backward" in r.warnings[0]


def test_forward_step_beyond_a_real_pause_is_a_jump_below_it_a_pause():
    below = MAX_REAL_PAUSE_S - 60
    above = MAX_REAL_PAUSE_S + 60
    for gap, is_jump in ((below, False), (above, True)):
        seconds = np.concatenate([np.arange(100), np.arange(100, 200) + int(gap)])
        r = repair_time_axis(_axis(seconds))
        assert (r.breaks == [100]) is is_jump


def test_outlier_run_longer_than_the_limit_is_a_jump_not_interpolated():
    seconds = np.arange(200)
    n_bad = MAX_OUTLIER_RUN + 1
    seconds[100:100 + n_bad] += 10 * 86_400  # six samples on a wrong clock, then back
    r = repair_time_axis(_axis(seconds))
    assert len(r.breaks) == 2  # forward at 100, back at 106: two jumps, nothing dropped
    assert len(r.t_ns) == 200 and np.all(np.diff(r.t_ns) >= 0)


def test_shuffled_timestamps_never_reorder_or_drop():
    rng = np.random.default_rng(7)
    seconds = np.arange(2000)
    idx = rng.choice(2000, 40, replace=False)
    seconds[idx] = rng.permutation(seconds[idx])
    r = repair_time_axis(_axis(seconds))
    assert len(r.t_ns) == 2000 and np.all(np.diff(r.t_ns) >= 0)
    assert (r.t_ns[-1] - r.t_ns[0]) / S == pytest.approx(1999, abs=60)  # the run keeps its duration


def test_short_inputs():
    assert len(repair_time_axis(np.zeros(0, dtype="int64")).t_ns) == 0
    r = repair_time_axis(_axis([5]))
    assert r.t_ns.tolist() == [T0 + 5 * S] and r.breaks == []


def test_bad_last_sample_is_put_one_step_after_the_one_before():
    seconds = np.arange(100)
    seconds[-1] = 40  # the watch stamped its final record with a stale time
    r = repair_time_axis(_axis(seconds))
    np.testing.assert_array_equal(r.t_ns, _axis(np.arange(100)))
    assert r.breaks == [] and "1 sample(s)" in r.warnings[0]


def test_two_wrong_samples_across_the_impossible_step():
    # sample 64 says 85 s (fits as a short pause), sample 65 says 30 s: both are wrong, not a clock jump
    seconds = np.arange(120)
    seconds[64], seconds[65] = 85, 30
    r = repair_time_axis(_axis(seconds))
    assert r.breaks == []
    np.testing.assert_array_equal(np.delete(r.t_ns, [64, 65]), np.delete(_axis(np.arange(120)), [64, 65]))
