"""`runload calibrate` through click's CliRunner."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import SHARED_DATA_DIR, require_shared_data

from runload.cli import cli
from runload.profile import load_profile

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
    assert result.output.startswith("Error:") and "no device contact time" in result.output
    assert not (tmp_path / "p.toml").exists()
