import pytest

from runload.errors import RunloadError
from runload.profile import AthleteProfile, Calibration, load_profile, save_profile


def test_round_trip_with_calibration(tmp_path):
    p = AthleteProfile(height_m=1.82, mass_kg=71.5, khat_ref=14.2, cadence_model=(150.0, 6.0, 40.0, -20.0),
                       calibration=Calibration(14.2, 1.39, 12.5, 9.8, 3600, ["a.fit", "b.fit"], "2026-11-23", "fenix3"))
    save_profile(p, tmp_path / "p.toml")
    assert load_profile(tmp_path / "p.toml") == p


def test_leg_length_is_winter_ratio():
    assert AthleteProfile(height_m=1.80).leg_length_m == pytest.approx(0.954)


def test_bad_values_are_runload_errors(tmp_path):
    with pytest.raises(RunloadError, match="height"):
        AthleteProfile(height_m=17.5)
    bad = tmp_path / "bad.toml"
    bad.write_text("height_m = 1.8\nshoe = 'x'\n")
    with pytest.raises(RunloadError, match="unknown profile keys: shoe"):
        load_profile(bad)
    bad.write_text("height_m = [")
    with pytest.raises(RunloadError, match="cannot read profile"):
        load_profile(bad)
