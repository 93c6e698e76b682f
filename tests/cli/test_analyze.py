"""`runload analyze` through click's CliRunner."""

from __future__ import annotations

import json
import re

import pandas as pd
from click.testing import CliRunner
from conftest import SAMPLE_RUNS_DIR, SHARED_DATA_DIR, require_shared_data

from runload.cli import cli
from runload.cli.analyze import format_analysis, format_segments_table

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


def _three_run_tcx(path):
    """A TCX holding three runs (simulated easy runs on three mornings)."""
    from runload.simulate import simulate_run
    from runload.simulate_write import tcx_bytes

    docs = [tcx_bytes(simulate_run("easy", seed=seed)).decode().replace("2024-05-06T", f"2024-05-0{6 + i}T")
            for i, seed in enumerate((1, 2, 3))]
    activities = [d[d.index("<Activity "):d.index("</Activities>")] for d in docs]
    head = docs[0][:docs[0].index("<Activity ")]
    path.write_text(head + "".join(activities) + "</Activities></TrainingCenterDatabase>")
    return path


def test_every_run_of_a_multi_run_file(tmp_path):
    # Defect 6: a TCX holding three runs analysed only the first.
    path = _three_run_tcx(tmp_path / "three.tcx")
    result = CliRunner().invoke(cli, ["analyze", "--json", str(path)])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["run"]["index"] for d in docs] == [0, 1, 2]
    assert all(d["run"]["n_sessions"] == 3 and d["path"] == str(path) for d in docs)
    assert [d["run"]["start"][:10] for d in docs] == ["2024-05-06", "2024-05-07", "2024-05-08"]
    assert all(abs(d["summary"]["distance_m"] - 5400) < 600 for d in docs)  # 30 min at ~3 m/s each
    text = CliRunner().invoke(cli, ["analyze", str(path)])
    assert text.exit_code == 0, text.output
    headers = [line for line in text.stdout.splitlines() if line.startswith("three.tcx")]
    assert headers == [f"three.tcx  (run {i} of 3)" for i in (1, 2, 3)]
    assert "running sessions in the file; using the first" not in text.output


def test_imperial_units_everywhere_and_paces_never_60_seconds():
    # Defect 8: with --units imperial no figure stays in metres or per km; no pace reads "m:60".
    result = CliRunner().invoke(cli, ["analyze", "--units", "imperial", str(SAMPLE_RUNS_DIR / "hills.fit")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "/km" not in out and " km" not in out and "dist km" not in out
    assert re.search(r"ascent \d+ ft", out) and "/mi" in out
    assert not re.search(r"\b\d+:60\b", out)
    metric = CliRunner().invoke(cli, ["analyze", str(SAMPLE_RUNS_DIR / "hills.fit")]).stdout
    assert re.search(r"ascent \d+ m\b", metric) and "/mi" not in metric


def test_segments_table_pace_formats():
    # A pace of 359.6 s/km is 6:00 (the old formatter printed 5:60); a lap where the runner stood is "—".
    frame = pd.DataFrame([
        dict(kind="lap", label="Lap 1", duration_s=359.6, distance_m=1000.0, pace_s_per_km=359.6,
             gap_s_per_km=359.6, grade_pct=-0.01, cadence_spm=170.0, heart_rate_bpm=140.0, contact_time_ms=250.0,
             flight_time_ms=90.0, duty_factor=0.37, contact_time_source="device"),
        dict(kind="lap", label="Lap 2", duration_s=600.0, distance_m=41.0, pace_s_per_km=14649.0,
             gap_s_per_km=14649.0, grade_pct=0.0, cadence_spm=float("nan"), heart_rate_bpm=95.0,
             contact_time_ms=float("nan"), flight_time_ms=float("nan"), duty_factor=float("nan"),
             contact_time_source="none"),
    ])
    lines = format_segments_table(frame, "metric").splitlines()
    lap1, lap2 = lines[1].split(), lines[2].split()
    assert lap1[3:7] == ["6:00", "1.00", "6:00", "6:00"] and lap1[7] == "+0.0"  # label "Lap 1" is 2 words
    assert lap2[3:7] == ["10:00", "0.04", "—", "—"]
    assert "dist km" in lines[0] and "pace/km" in lines[0]


def test_start_shown_in_local_time_with_its_offset():
    # Defect 8: times were shown in UTC although the run has a local time.
    from runload.io import read_run
    from runload.pipeline import analyze_run

    run = read_run(SAMPLE_RUNS_DIR / "easy.fit")
    run.meta.utc_offset_s, run.meta.timezone = 7200.0, None
    analysis = analyze_run(run)
    text = format_analysis(analysis)
    assert text.splitlines()[1].startswith("  2024-05-06 08:30 (UTC+02:00)")
    assert analysis.as_json_dict()["run"]["start_local"].startswith("2024-05-06T08:30:00+02:00")
    run.meta.utc_offset_s = None
    assert format_analysis(analyze_run(run)).splitlines()[1].startswith("  2024-05-06 06:30 UTC")
