"""`runload analyze` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import SHARED_DATA_DIR, require_shared_data

from runload.cli import cli

RD_RUN = "roznet__connectstats/ConnectStatsTests/samples/fit_files/activity_2545022458.fit"
GPX_RUN = "corriporai__runpandas/runpandas/tests/io/data/gpx/stopped_example.gpx"


def test_json_output_has_the_documented_keys():
    require_shared_data()
    result = CliRunner().invoke(cli, ["analyze", "--json", str(SHARED_DATA_DIR / RD_RUN)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"path", "summary", "gait", "segments"} <= set(doc)
    assert {"contact_time_ms", "flight_time_ms", "swing_time_ms", "duty_factor", "source_shares"} <= set(doc["gait"])
    assert doc["gait"]["contact_time_source"] == "device"
    assert doc["segments"] and {"kind", "label", "pace_s_per_km", "contact_time_ms"} <= set(doc["segments"][0])
    assert "NaN" not in result.stdout  # NaN → null


def test_text_output_model_source_and_imperial_units():
    require_shared_data()
    result = CliRunner().invoke(cli, ["analyze", "--gait-source", "model", "--units", "imperial", "--height",
                                      "1.8", str(SHARED_DATA_DIR / GPX_RUN)])
    assert result.exit_code == 0, result.output
    assert "Gait" in result.output and "Segments" in result.output
    assert "mi 1" in result.output and "/mi" in result.output
    assert "height 1.80 m" in result.output


def test_errors_are_one_line(tmp_path):
    bogus = tmp_path / "notes.fit"
    bogus.write_text("this is not a watch file")
    result = CliRunner().invoke(cli, ["analyze", str(bogus)])
    assert result.exit_code == 1
    assert result.output.startswith("Error:") and "notes.fit" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["analyze", "--gait-source", "magic", str(bogus)])
    assert result.exit_code == 2


def test_profile_file_is_used(tmp_path):
    require_shared_data()
    profile = tmp_path / "me.toml"
    profile.write_text("height_m = 1.9\nkhat_ref = 11.0\n")
    result = CliRunner().invoke(cli, ["analyze", "--json", "--gait-source", "model", "--profile", str(profile),
                                      str(SHARED_DATA_DIR / RD_RUN)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert doc["gait"]["profile"]["height_m"] == 1.9 and doc["gait"]["profile"]["khat_ref"] == 11.0
