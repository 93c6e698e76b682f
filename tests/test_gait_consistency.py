"""Gait and load see the same preferred cadence, walking threshold and peak force (issue 8, "One function
per quantity").

Before, ``gait.cadence_pref`` (grade in %, clamped 130–230 spm) and ``load.preferred_cadence_spm`` (grade
as a ratio, unclamped) gave 230 and 330 spm at 7 m/s for a steep personal cadence model.  The test reads
the preferred cadence each stage actually used from its outputs: gait's from the leg stiffness it solved
for (k̂_leg = k̂_ref·(c/c_pref)^1.39·(v/3)^δ on level running), load's from its cadence ratio c/c_pref.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from runload import clean, gait, load
from runload.gait import compute_gait
from runload.gait_model import GAIT_MODEL, RUNNING_CADENCE_MIN_SPM
from runload.load import compute_load
from runload.profile import AthleteProfile

# A steep personal model with grade terms: 100 + 25·v (+100·i⁺ − 60·i⁻, i as a fraction): 175 spm at
# 3 m/s, 275 spm unclamped at 7 m/s.
PROFILE = AthleteProfile(cadence_model=(100.0, 25.0, 100.0, -60.0))


def _one_second(speed, cadence, grade_pct):
    index = pd.date_range("2024-05-01T07:00:00Z", periods=1, freq="1s", name="time")
    return pd.DataFrame({"speed_mps": [speed], "cadence_spm": [cadence], "grade_pct": [grade_pct],
                         "state": ["running"], "accelerating": [False], "dt_s": [1.0]}, index=index)


# Hand calculation: 175 + 100·0.02 = 177; 225 − 60·0.02 = 223.8; 275 clamped to 230 (grade in percent).
@pytest.mark.parametrize(("speed", "cadence", "grade_pct", "c_pref"),
                         [(3.0, 172.0, 2.0, 177.0), (5.0, 210.0, -2.0, 223.8), (7.0, 215.0, 0.0, 230.0)])
def test_gait_and_load_use_the_same_preferred_cadence(speed, cadence, grade_pct, c_pref):
    frame = _one_second(speed, cadence, grade_pct)
    g = compute_gait(frame, PROFILE, "model", input_window_s=None)
    assert g["contact_time_source"].iloc[0] == "model"
    k_speed = (speed / GAIT_MODEL.speed_reference_mps) ** PROFILE.speed_exponent
    ratio_gait = (g["khat_leg"].iloc[0] / (PROFILE.khat_ref * k_speed)) ** (1.0 / PROFILE.cadence_exponent)
    c_pref_gait = cadence / ratio_gait

    result = compute_load(frame.drop(columns="state").join(g), PROFILE)
    c_pref_load = cadence / result.cadence_ratio
    assert_allclose(c_pref_load, c_pref_gait, rtol=1e-6)
    # … and it is the personal model, clamped (275 spm at 7 m/s unclamped is no running cadence).
    assert_allclose(c_pref_gait, c_pref, rtol=1e-6)


def test_one_walking_threshold_and_one_peak_force():
    assert clean.RUNNING_CADENCE_MIN_SPM == gait.RUNNING_CADENCE_MIN_SPM == RUNNING_CADENCE_MIN_SPM
    assert RUNNING_CADENCE_MIN_SPM == GAIT_MODEL.running_cadence_min_spm
    # load.py calls the same functions as gait (no private copies left).
    assert load.cadence_pref is gait.cadence_pref
    assert load.peak_force_morin2005 is gait.stiffness_morin2005.__globals__["peak_force_morin2005"]
    assert not hasattr(load, "preferred_cadence_spm")
    assert not hasattr(load, "_WALK_CADENCE_SPM")


def test_gait_peak_force_is_the_morin_peak_force():
    frame = _one_second(3.5, 170.0, 0.0)
    g = compute_gait(frame, AthleteProfile(), "model", input_window_s=None).iloc[0]
    from runload.springmass import peak_force_morin2005

    assert_allclose(g["peak_force_bw"], peak_force_morin2005(g["step_time_ms"] / 1000, g["contact_time_ms"] / 1000),
                    rtol=1e-12)
    assert np.isfinite(g["peak_force_bw"])
