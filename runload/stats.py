"""Small statistics shared by every stage: the time-weighted mean and median runload uses."""

from __future__ import annotations

import numpy as np

__all__ = ["weighted_mean", "weighted_median"]


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
