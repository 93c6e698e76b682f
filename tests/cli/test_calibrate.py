"""`runload calibrate` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import SHARED_DATA_DIR, require_shared_data

from runload.cli import cli
from runload.profile import AthleteProfile, load_profile

FENIX3 = ["MaksVasilev__fit2gpx/test/68MK1405.FIT",
          "roznet__connectstats/ConnectStatsTests/samples/organizer_json/activity_1378220136.fit"]
NO_DYNAMICS = "corriporai__runpandas/runpandas/tests/io/data/gpx/stopped_example.gpx"


def test_calibrate_writes_a_profile(tmp_path):
    require_shared_data()
    out = tmp_path / "profile.toml"
    args = ["calibrate", *(str(SHARED_DATA_DIR / p) for p in FENIX3), "-o", str(out), "--height", "1.8"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "k̂_ref" in result.output and "MAE" in result.output and "68MK1405.FIT" in result.output
    profile = load_profile(out)
    assert profile.height_m == 1.8
    assert profile.calibration is not None and profile.calibration.device == "fenix3"
    assert 8 <= profile.khat_ref <= 20
    assert profile.calibration.mae_ms < 20


def test_calibrate_without_device_contact_time_is_an_error(tmp_path):
    require_shared_data()
    result = CliRunner().invoke(cli, ["calibrate", str(SHARED_DATA_DIR / NO_DYNAMICS), "-o", str(tmp_path / "p.toml")])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "no device contact time" in errors[0]
    assert all(line.startswith(("Error:", "Warning:")) for line in result.output.splitlines())
    assert not (tmp_path / "p.toml").exists()


def test_calibrate_speed_exponent_is_stored_and_used(tmp_path):
    """--fit-speed-exponent writes the personal speed term into the profile that analyze reads."""
    dyn = Path(__file__).resolve().parents[2] / "sample_runs" / "easy_dynamics.fit"
    out = tmp_path / "me.toml"
    result = CliRunner().invoke(cli, ["calibrate", str(dyn), "-o", str(out), "--height", "1.78",
                                      "--fit-speed-exponent"])
    assert result.exit_code == 0, result.output
    assert "speed exponent" in result.output
    profile = load_profile(out)
    assert profile.calibration is not None
    assert profile.speed_exponent == profile.calibration.speed_exponent
    assert -1.5 <= profile.speed_exponent <= 1.0
    # easy_dynamics spans too little speed (0.14 m/s) to fit δ, so the population default is kept.
    assert profile.speed_exponent == AthleteProfile().speed_exponent
