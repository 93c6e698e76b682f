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


def test_profile_for_run_uses_the_watch_user_profile_then_overrides():
    """FIT user_profile height/mass feed the default profile; a given profile and --height win."""
    import warnings

    from conftest import SHARED_DATA_DIR, require_shared_data

    from runload.io import read_run
    from runload.profile import profile_for_run

    require_shared_data()
    path = SHARED_DATA_DIR / "jimmykane__fit-parser" / "test" / "running-with-developer-data.fit"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_decoder = [read_run(path, decoder=d) for d in ("fitdecode", "fitparse")]
    for run in by_decoder:  # catalogue/user_profile of this Fenix 5X file: 1.83 m, 75.5 kg
        assert run.meta.athlete_height_m == pytest.approx(1.83)
        assert run.meta.athlete_mass_kg == pytest.approx(75.5)
    run = by_decoder[0]
    assert profile_for_run(run).height_m == pytest.approx(1.83)
    assert profile_for_run(run).mass_kg == pytest.approx(75.5)
    assert profile_for_run(run, height_m=1.70).height_m == pytest.approx(1.70)
    assert profile_for_run(run, height_m=1.70).mass_kg == pytest.approx(75.5)
    given = AthleteProfile(height_m=1.60)
    assert profile_for_run(run, given) is given
    run.meta.athlete_height_m = run.meta.athlete_mass_kg = None
    assert profile_for_run(run) == AthleteProfile()


def test_given_profile_is_none_unless_the_user_gave_something():
    """analyze_run records where the profile came from, so nothing given must stay None."""
    from types import SimpleNamespace

    from runload.profile import given_profile

    run = SimpleNamespace(meta=SimpleNamespace(athlete_height_m=1.83, athlete_mass_kg=75.5))
    assert given_profile(run) is None
    assert given_profile(run, height_m=1.70).height_m == pytest.approx(1.70)
    assert given_profile(run, height_m=1.70).mass_kg == pytest.approx(75.5)  # the rest from the file
    mine = AthleteProfile(height_m=1.65, mass_kg=55.0)
    assert given_profile(run, mine) == mine
