"""Tests of runload/geo.py: the one great-circle distance and local projection."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from runload.geo import EARTH_RADIUS_M, cumulative_distance_m, haversine_m, local_xy_m


def test_haversine_quarter_meridian():
    # Equator to pole along a meridian is a quarter of the great circle: π R / 2.
    assert_allclose(haversine_m(0.0, 0.0, 90.0, 0.0), np.pi * EARTH_RADIUS_M / 2, rtol=1e-12)


def test_haversine_nan_and_invalid_latitude():
    d = haversine_m([0.0, np.nan, 95.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0])
    assert np.isfinite(d[0]) and np.isnan(d[1]) and np.isnan(d[2])


def test_cumulative_distance_skips_missing_positions():
    d = cumulative_distance_m([46.0, np.nan, 46.001, 46.002], [14.0, np.nan, 14.0, 14.0])
    assert d[0] == 0.0 and np.isnan(d[1])
    assert_allclose(d[2:], [111.195, 222.39], atol=0.01)


def test_local_xy_m_known_offsets():
    # 0.001° of latitude = R·π/180·0.001 = 111.195 m (R = 6 371 008.8 m); longitude scaled by cos(lat).
    x, y = local_xy_m([46.0, 46.001, 46.0], [14.0, 14.0, 14.001])
    assert_allclose(y, [0.0, 111.195, 0.0], atol=0.01)
    assert_allclose(x[2], 111.195 * np.cos(np.radians(46.0003333)), rtol=1e-5)
