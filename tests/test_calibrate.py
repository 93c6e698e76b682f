"""Personal calibration (runload/calibrate.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from test_clean import synthetic_run

from runload.calibrate import (
    calibrate_profile,
    device_family,
    fit_cadence_model,
    fit_calibration,
    huber_regression,
)
from runload.errors import RunloadError, RunloadWarning
from runload.profile import AthleteProfile
from runload.run import Device

# The synthetic devices below follow the science.md model (no device-equivalence speed term): calibrate
# from a profile with δ = 0 so that the fitted k̂ is comparable with the generating one.
SCIENCE = AthleteProfile(speed_exponent=0.0)


def _runs(khat, n=2, cadence_offset=0.0, duration_s=1500):
    """Runs with a speed wave and cadence deviations; device tc from the Morin model with ``khat``."""
    runs = []
    for k in range(n):
        speed = lambda t, k=k: 3.0 + 0.8 * np.sin(2 * np.pi * t / (600 + 100 * k))  # noqa: E731
        cadence = lambda t, s=speed: 165 + 7 * (s(t) - 3) + cadence_offset + 6 * np.sin(2 * np.pi * t / 397)  # noqa: E731
        runs.append(synthetic_run(speed_mps=speed, cadence_spm=cadence, duration_s=duration_s, khat_ref=khat,
                                  altitude=lambda d: 50.0 + 0.0 * d,
                                  source=f"run{k}.fit"))
    return runs


def test_recovers_a_known_stiffness():
    fit = fit_calibration(_runs(10.5), SCIENCE)
    assert_allclose(fit.khat_ref, 10.5, rtol=2e-3)  # synthetic truth
    assert fit.mae_after_ms < 0.5 < fit.mae_before_ms
    assert fit.mae_before_ms > 10  # k̂ 13 vs 10.5 is far off
    assert fit.profile.calibration.device == "fenix5"
    assert fit.profile.calibration.runs == ["run0.fit", "run1.fit"]
    assert fit.profile.calibration.n_seconds > 2000
    assert fit.profile.khat_ref == fit.khat_ref


def test_fit_exponent_recovers_the_cadence_exponent():
    # Device data made with exponent 1.0: build with the model directly.
    from runload.springmass import cadence_pref_population, contact_time_morin2005

    runs = _runs(12.0)
    for run in runs:
        s = run.samples
        c_pref = cadence_pref_population(s["speed_mps"].to_numpy())
        k = 12.0 * (s["cadence_spm"].to_numpy() / c_pref) ** 1.0
        s["stance_time_ms"] = 1000 * contact_time_morin2005(s["speed_mps"].to_numpy(), s["cadence_spm"].to_numpy(),
                                                            0.53 * 1.75, k)
    fit = fit_calibration(runs, SCIENCE, fit_exponent=True)
    assert_allclose([fit.khat_ref, fit.cadence_exponent], [12.0, 1.0], atol=0.05)


def test_single_run_warns_and_no_device_data_is_an_error():
    with pytest.warns(RunloadWarning, match="single run"):
        profile = calibrate_profile(_runs(11.0, n=1), SCIENCE)
    assert_allclose(profile.khat_ref, 11.0, rtol=2e-3)
    bare = synthetic_run(duration_s=600, device=False, source="nostrap.fit", altitude=lambda d: 0 * d)
    with pytest.raises(RunloadError, match="nostrap.fit: no device contact time"):
        calibrate_profile([bare])
    short = synthetic_run(duration_s=40, source="short.fit", altitude=lambda d: 0 * d)
    with pytest.raises(RunloadError, match="short.fit: only"):
        calibrate_profile(short)


def test_cadence_model_fitted_with_enough_runs():
    # 3 runs × 25 min, every runner 6 spm above the population: b1 ≈ 7, b0 ≈ 165 − 21 + 6.
    fit = fit_calibration(_runs(13.0, n=3, cadence_offset=6.0), SCIENCE)
    b0, b1, b2, b3 = fit.cadence_model
    assert_allclose(b0 + 3 * b1, 171.0, atol=0.5)
    assert_allclose(b1, 7.0, atol=0.3)
    assert (b2, b3) == (0.0, 0.0)  # no hills: grade terms not identifiable, left at 0
    assert fit.profile.cadence_model == fit.cadence_model
    # The stiffness is fitted with that c_pref: c/c_pref ≈ 1, so k̂ absorbs the cadence offset.
    assert 13.0 < fit.khat_ref < 14.5
    assert fit.mae_after_ms < 1.0


def test_cadence_model_needs_enough_data_and_plausible_values():
    v = np.linspace(2.5, 4.5, 200)
    assert fit_cadence_model(v, np.zeros_like(v), 150 + 8 * v, np.ones_like(v)) == pytest.approx((150, 8, 0, 0))
    assert fit_cadence_model(v, np.zeros_like(v), 300 - 40 * v, np.ones_like(v)) is None  # slope < 0
    fit = fit_calibration(_runs(13.0, n=2))
    assert fit.cadence_model is None  # fewer than 3 runs


def test_huber_regression_is_scipys_huber_minimiser_and_resists_outliers():
    # The reference: scipy's least_squares with the Huber loss, the solver the cadence model used before
    # (issue 10); the same objective, so the same minimiser, whatever the data.
    from scipy.optimize import least_squares

    rng = np.random.default_rng(3)
    n = 5000
    v = rng.uniform(2.3, 4.5, n)
    i = rng.normal(0.0, 0.03, n)
    x = np.column_stack([np.ones(n), v, np.maximum(i, 0), np.maximum(-i, 0)])
    y = 150 + 8 * v + 40 * np.maximum(i, 0) - 20 * np.maximum(-i, 0) + 3 * rng.standard_t(2, n)
    y[:250] += 60.0  # 5 % of seconds far off (a cadence lock-on to the arm swing)
    sw = np.sqrt(rng.choice([1.0, 2.0], n))
    b = huber_regression(x * sw[:, None], y * sw, 4.0)
    ref = least_squares(lambda bb: sw * (x @ bb - y), np.zeros(4), loss="huber", f_scale=4.0,
                        ftol=1e-12, xtol=1e-12, gtol=1e-12).x
    assert_allclose(b, ref, rtol=1e-6, atol=1e-6)
    ols = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
    assert abs(b[0] + 3 * b[1] - 174.0) < abs(ols[0] + 3 * ols[1] - 174.0) - 2.0  # the outliers pull OLS up


@pytest.mark.parametrize("product,family", [("fenix5x", "fenix5"), ("fr965", "fr965"), ("Forerunner 255", "fr255"),
                                             ("fenix6x_pro", "fenix6"), ("edge520", "edge520"), (None, None)])
def test_device_family(product, family):
    assert device_family(Device("garmin", product)) == family


def test_fit_speed_exponent_recovers_a_known_speed_term():
    # Device tc made with k̂ = 12·(v/3)^−0.6: the speed term is recovered; without it k̂ alone fits worse.
    from runload.springmass import cadence_pref_population, contact_time_morin2005

    runs = _runs(12.0)
    for run in runs:
        s = run.samples
        v, c = s["speed_mps"].to_numpy(), s["cadence_spm"].to_numpy()
        k = 12.0 * (c / cadence_pref_population(v)) ** 1.39 * (v / 3.0) ** -0.6
        s["stance_time_ms"] = 1000 * contact_time_morin2005(v, c, 0.53 * 1.75, k)
    fit = fit_calibration(runs, fit_speed_exponent=True, fit_cadence=False)
    assert_allclose([fit.khat_ref, fit.speed_exponent], [12.0, -0.6], atol=0.05)  # synthetic truth
    plain = fit_calibration(runs, SCIENCE, fit_cadence=False)
    assert plain.speed_exponent == 0.0  # not fitted: the profile's value is kept
    assert fit.mae_after_ms < 0.5 * plain.mae_after_ms


def test_speed_exponent_not_fitted_on_a_narrow_speed_range():
    runs = [synthetic_run(speed_mps=3.2, duration_s=900, khat_ref=12.0, altitude=lambda d: 0.0 * d,
                          source=f"steady{k}.fit") for k in range(2)]
    fit = fit_calibration(runs, SCIENCE, fit_speed_exponent=True, fit_cadence=False)
    assert fit.speed_exponent == 0.0  # speeds span < 0.4 m/s: not identifiable, the profile's value kept
    assert_allclose(fit.khat_ref, 12.0, rtol=2e-3)
    # From the default profile the population device-equivalence term is kept.
    default = fit_calibration(runs, fit_speed_exponent=True, fit_cadence=False)
    assert default.speed_exponent == AthleteProfile().speed_exponent


def test_fit_stiffness_takes_each_seconds_cadence_pref():
    # Two runs whose cadence norm differs (a training log: each month has its own cadence model).  Device tc
    # made with k̂ = 12·(c/c_pref)^1.39, c_pref 8 spm below the cadence in run 0 and 8 above in run 1: with
    # each second's c_pref the fit recovers k̂; one c_pref for all (the population model) cannot.
    from runload.calibrate import calibration_seconds, fit_stiffness, usable_seconds
    from runload.springmass import contact_time_morin2005

    parts = []
    for k, run in enumerate(_runs(12.0)):
        s = run.samples
        v, c = s["speed_mps"].to_numpy(), s["cadence_spm"].to_numpy()
        c_pref = c - 8.0 if k == 0 else c + 8.0
        s["stance_time_ms"] = 1000 * contact_time_morin2005(v, c, 0.53 * 1.75, 12.0 * (c / c_pref) ** 1.39)
        use, why_not = usable_seconds(calibration_seconds(run))
        assert why_not is None
        # the model inputs are 30 s averages of c: take c_pref from the same inputs, as the gait model does
        parts.append(use.assign(source=run.meta.source, cadence_pref_spm=use["cadence_spm"] + (-8.0 if k == 0 else 8.0)))
    data = pd.concat(parts)
    fit = fit_stiffness(data, SCIENCE, device="fenix5")
    assert_allclose(fit.khat_ref, 12.0, rtol=5e-3)  # synthetic truth
    assert fit.runs == ["run0.fit", "run1.fit"] and fit.calibration.runs == fit.runs
    assert fit.calibration.device == "fenix5" and fit.calibration.khat_ref == fit.khat_ref
    assert fit.mae_ms < 1.5
    one_norm = fit_stiffness(data.drop(columns="cadence_pref_spm"), SCIENCE)
    assert one_norm.mae_ms > 3 * fit.mae_ms


def test_usable_seconds_names_why_a_run_is_not_used():
    from runload.calibrate import calibration_seconds, usable_seconds

    short = synthetic_run(duration_s=40, source="short.fit", altitude=lambda d: 0 * d)
    use, why_not = usable_seconds(calibration_seconds(short))
    assert why_not.startswith("only ") and "needs 60 s" in why_not
    assert use["dt_s"].sum() < 60
