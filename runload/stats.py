"""Small statistics shared by every stage: the time-weighted mean and median runload uses, and the median
over windows of consecutive samples that the rolling medians of the cleaning and the grade use."""

from __future__ import annotations

import numpy as np

__all__ = ["weighted_mean", "weighted_median", "window_median", "centred_windows", "centred_median", "labelled"]

#: Over a whole series, windows longer than this many samples go to pandas' rolling median (a skip list,
#: O(n log w)) instead of sorting an n × w matrix, which is faster only for short windows (measured: 5 s
#: windows of 1 s samples 3× faster; 25-sample windows 1.7× slower).
WINDOW_MEDIAN_MAX_SORT = 16
WINDOW_MEDIAN_CHUNK = 1 << 20  # values sorted at once (8 MB)


def labelled(labels: np.ndarray, names) -> np.ndarray:
    """Which ``labels`` (an object array of strings, e.g. a frame's ``state``) are one of ``names``.

    ``np.isin``'s answer, one comparison per name: ``np.isin`` sorts object arrays, 165 µs for 3,600
    labels and two names against 120 µs (issue 10).

    >>> labelled(np.array(["running", "paused", "walking"], dtype=object), ("running", "walking")).tolist()
    [True, False, True]
    """
    out = np.zeros(len(labels), dtype=bool)
    for name in names:
        out |= labels == name
    return out


def weighted_mean(values, weights) -> float:
    """Σ w·x / Σ w over the finite values with positive, finite weight; NaN when there are none.

    Parameters
    ----------
    values, weights : array-like
        Values and their weights (runload weights samples by the seconds they stand for, ``dt_s``).

    Returns
    -------
    float
        The weighted mean, or NaN when no value has a positive weight.

    Examples
    --------
    A value held for 3 s counts three times as much as one held for 1 s; missing values are left out:

    >>> weighted_mean([10.0, 20.0, float("nan")], [3.0, 1.0, 5.0])
    12.5
    >>> weighted_mean([1.0], [0.0])
    nan
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    if not ok.any():
        return float("nan")
    return float(np.sum(x[ok] * w[ok]) / np.sum(w[ok]))


def weighted_median(values, weights) -> float:
    """The weighted median: the value at half the total weight (midpoint convention); NaN when none.

    Parameters
    ----------
    values, weights : array-like
        Values and their weights (seconds, ``dt_s``); non-finite values and weights ≤ 0 are left out.

    Examples
    --------
    >>> weighted_median([3.0, 2.0, 4.0], [1.0, 1.0, 1.0])
    3.0
    >>> weighted_median([2.0, 4.0], [3.0, 1.0])
    2.5
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    if not ok.any():
        return float("nan")
    order = np.argsort(x[ok], kind="stable")
    x, w = x[ok][order], w[ok][order]
    cum = np.cumsum(w) - 0.5 * w
    return float(np.interp(0.5 * w.sum(), cum, x))


def window_median(values, start, end) -> np.ndarray:
    """Median of ``values[start[i]:end[i]]`` for every i, NaN left out; NaN where a window has no value.

    The same numbers as pandas' rolling median over those windows (the middle value, or the mean of the
    two middle values of an even count): short windows, or a few rows, by sorting the windows at once,
    long windows over a whole series by pandas itself (:data:`WINDOW_MEDIAN_MAX_SORT`).

    Parameters
    ----------
    values : array-like of float
    start, end : array-like of int
        Window bounds (``end`` exclusive, ``start <= end``), e.g. from ``np.searchsorted`` on the sample
        times.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> window_median([1.0, 5.0, float("nan"), 2.0], [0, 0, 1, 3], [1, 2, 4, 3]).tolist()
    [1.0, 3.0, 3.5, nan]
    """
    x = np.asarray(values, dtype=float)
    start = np.asarray(start, dtype=np.int64)
    length = np.asarray(end, dtype=np.int64) - start
    out = np.full(len(start), np.nan)
    width = int(length.max()) if len(length) else 0
    if width == 0:
        return out
    if width > WINDOW_MEDIAN_MAX_SORT and len(start) == len(x):
        import pandas as pd
        from pandas.api.indexers import BaseIndexer

        class _Bounds(BaseIndexer):
            def get_window_bounds(self, num_values=0, min_periods=None, center=None, closed=None, step=None):
                return start, start + length

        return pd.Series(x).rolling(_Bounds(), min_periods=1).median().to_numpy(dtype=float, copy=True)
    # Rows grouped by window length (up to 8, 16, 32, … samples), so each sorts only about its own length;
    # at most WINDOW_MEDIAN_CHUNK values sorted at once.
    lower, upper = 0, 8
    while lower < width:
        rows_all = np.flatnonzero((length > lower) & (length <= upper))
        cols = min(upper, width)
        step = max(1, WINDOW_MEDIAN_CHUNK // cols)
        offsets = np.arange(cols)
        for k in range(0, len(rows_all), step):
            rows = rows_all[k:k + step]
            idx = start[rows, None] + offsets
            window = np.where(offsets < length[rows, None], x[np.minimum(idx, len(x) - 1)], np.nan)
            window.sort(axis=1)  # NaN last
            count = np.count_nonzero(~np.isnan(window), axis=1)
            has = count > 0
            r, c = np.flatnonzero(has), count[has]
            out[rows[has]] = 0.5 * (window[r, (c - 1) // 2] + window[r, c // 2])
        lower, upper = upper, 2 * upper
    return out


def centred_windows(index, window_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (``start``, ``end`` exclusive) of the centred time windows of ``index``.

    The windows of pandas' ``rolling(pd.Timedelta(seconds=window_s), center=True)`` on a monotonic
    DatetimeIndex: the samples in (t − w/2, t + w/2] on the index's own integer clock (w/2 rounded down
    to its unit), closed on both sides when w is an odd number of clock ticks.

    Parameters
    ----------
    index : pandas.DatetimeIndex  non-decreasing
    window_s : float  [s]  full window width
    """
    import pandas as pd

    ticks = index.asi8
    w = int(pd.Timedelta(seconds=window_s).to_timedelta64().astype(f"m8[{index.unit}]").astype(np.int64))
    start_bound = ticks - w // 2
    if w % 2 == 1:  # pandas closes both ends when half a window is a fraction of a tick
        start_bound = start_bound - 1
    start = np.minimum(np.searchsorted(ticks, start_bound, side="right"), np.arange(len(ticks)))
    return start, np.searchsorted(ticks, ticks + w // 2, side="right")


def centred_median(values, index, window_s: float) -> np.ndarray:
    """Centred time-based rolling median (NaN left out, NaN where the window holds no value).

    The numbers of ``pd.Series(values, index).rolling(pd.Timedelta(seconds=window_s), center=True,
    min_periods=1).median()`` (:func:`centred_windows`, :func:`window_median`), which it falls back to for
    an index that is not monotonic (pandas then raises).
    """
    import pandas as pd

    if not index.is_monotonic_increasing:
        s = pd.Series(values, index=index)
        return s.rolling(pd.Timedelta(seconds=window_s), center=True, min_periods=1).median().to_numpy(dtype=float)
    return window_median(values, *centred_windows(index, window_s))
