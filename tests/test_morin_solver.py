"""The inverse Morin solver (Newton in a bracket, issue 10) finds the root to floating-point precision and
exactly where the bracket says a root exists; ``segment_load`` on a tz-aware index in another time zone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from runload.load import segment_load
from runload.springmass import _khat, contact_time_morin2005, leg_stiffness_morin2005


def _grid():
    rng = np.random.default_rng(7)
    n = 200_000
    v = rng.uniform(0.3, 10.0, n)
    c = rng.uniform(60.0, 260.0, n)
    l0 = rng.uniform(0.7, 1.1, n)
    k = rng.uniform(2.0, 40.0, n)
    v[:100] = np.nan
    c[100:200] = 0.0
    return v, c, l0, k


def test_the_root_gives_the_target_stiffness_to_round_off():
    v, c, l0, k = _grid()
    tc = contact_time_morin2005(v, c, l0, k)
    ok = np.isfinite(tc)
    assert ok.mean() > 0.5
    khat = leg_stiffness_morin2005(v[ok], tc[ok], 60.0 / c[ok], l0[ok])
    assert np.max(np.abs(khat / k[ok] - 1.0)) < 1e-12
    assert np.all((tc[ok] >= 0.03) & (tc[ok] < 60.0 / c[ok]))


def test_a_root_exactly_where_the_bracket_has_one():
    v, c, l0, k = _grid()
    tc = contact_time_morin2005(v, c, l0, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = 60.0 / c
        hi = np.minimum(0.9999 * t, 0.999 * 2.0 * l0 / v)
        lo = np.full_like(hi, 0.03)
        has = (np.isfinite(v) & (c > 0) & (hi > lo) & (_khat(hi, t, v, l0) <= k) & (_khat(lo, t, v, l0) >= k))
    np.testing.assert_array_equal(np.isfinite(tc), has)


def test_scalar_and_series_inputs_keep_their_type():
    assert round(contact_time_morin2005(3.0, 165.0, 0.53 * 1.75, 13.0), 3) == 0.265  # science.md §1.5.5
    s = pd.Series([3.0, 4.0], index=[5, 6])
    out = contact_time_morin2005(s, 170.0, 0.93, 13.0)
    assert isinstance(out, pd.Series) and out.index.tolist() == [5, 6]


def test_segment_load_on_a_local_time_index_and_utc_segments():
    index = pd.date_range("2026-03-29 00:59:50", periods=40, freq="1s", tz="UTC").tz_convert("Europe/Paris")
    load = pd.DataFrame({"load_calves_au": np.arange(40, dtype=float), "strides_au": 1.0}, index=index)
    cut = pd.Timestamp("2026-03-29 01:00:10", tz="UTC")
    segments = pd.DataFrame({"start": [index[0].tz_convert("UTC"), cut], "end": [cut, index[-1].tz_convert("UTC")]})
    out = segment_load(load, segments)
    assert out["rel_load_calves"].tolist() == [float(sum(range(20))), float(sum(range(20, 40)))]
