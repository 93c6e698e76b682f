"""`runload inspect` over real files: a result or one clear error line for every file."""

import gzip
import json
import zipfile

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_RUNS_DIR, SHARED_DATA_DIR, require_shared_data
from fit_cache import use_decode_cache

from runload.cli import cli


@pytest.fixture(autouse=True)
def _decode_once(monkeypatch):
    use_decode_cache(monkeypatch)  # each (file, decoder) is decoded once per session (tests/io/fit_cache.py)


REQUIRED = {"path", "format", "sport", "device", "start", "distance_m", "elapsed_s", "timer_s",
            "avg_cadence_spm", "columns", "watch"}


@pytest.mark.slow
def test_inspect_every_shared_file_json():
    catalog = require_shared_data()
    result = CliRunner().invoke(cli, ["inspect", "--json", str(SHARED_DATA_DIR)])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == len(catalog["files"])
    by_path = {}
    for obj in lines:
        if "error" in obj:
            assert set(obj) == {"path", "error"}
            assert obj["error"] and not obj["error"].startswith("unexpected"), obj
        else:
            assert REQUIRED <= set(obj), obj["path"]
        by_path[obj["path"]] = obj
    # Files both reference decoders read cleanly must not fail (truncated ones may still give a Run).
    for entry in catalog["files"]:
        obj = next(v for k, v in by_path.items() if k.endswith(entry["path"]))
        if entry.get("parses_ok_fitparse") and entry.get("parses_ok_fitdecode") and entry.get("n_records", 0) > 1:
            assert "error" not in obj, (entry["path"], obj)
    assert result.exit_code == (1 if any("error" in o for o in lines) else 0)


def test_inspect_text_and_bad_file(tmp_path):
    require_shared_data()
    good = next(SHARED_DATA_DIR.rglob("activity-small-fenix2-run.fit"))
    bad = tmp_path / "notes.fit"
    bad.write_text("this is not a watch file")
    result = CliRunner().invoke(cli, ["inspect", str(good), str(bad)])
    assert result.exit_code == 1
    assert "activity-small-fenix2-run.fit" in result.stdout
    assert "running" in result.stdout and "watch" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and str(bad) in errors[0]
    assert "Traceback" not in result.output


def _json_lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_inspect_sample_runs_folder_agrees_with_the_watch():
    # a folder, walked recursively: every run file inside (FIT, GPX, TCX, plain or gzipped, the Strava export's
    # activities), and neither the manifest nor activities.csv is a run file
    suffixes = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
    files = sorted(p for p in SAMPLE_RUNS_DIR.rglob("*") if p.name.endswith(suffixes))
    assert files, "sample_runs/ is empty: run `runload sample -o sample_runs`"
    manifest = json.loads((SAMPLE_RUNS_DIR / "manifest.json").read_text())
    no_cadence = {str(SAMPLE_RUNS_DIR / e["file"]) for e in manifest["files"] if not e.get("has_cadence", True)}
    result = CliRunner().invoke(cli, ["inspect", "--json", str(SAMPLE_RUNS_DIR)])
    assert result.exit_code == 0, result.output
    objs = _json_lines(result)
    assert sorted(o["path"] for o in objs) == [str(p) for p in files]
    for o in objs:
        assert o["compression"] == ("gzip" if o["path"].endswith(".gz") else None)
        assert o["sport"].lower() == "running" and o["distance_m"] > 1000
        assert o["avg_cadence_spm"] is None if o["path"] in no_cadence else o["avg_cadence_spm"] > 140
        if o["watch"] is not None:  # FIT session / TCX lap sums, written by the simulator from its truth
            assert abs(o["timer_s"] - o["watch"]["timer_s"]) <= 1.0, o["path"]
            assert abs(o["distance_m"] - o["watch"]["distance_m"]) <= 0.005 * o["watch"]["distance_m"]


def test_inspect_zip_export_members_and_errors(tmp_path):
    # a bulk export: gzipped members in a sub-folder, a member that is not a run file, a broken one
    fit = (SAMPLE_RUNS_DIR / "hills.fit").read_bytes()
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as z:
        z.writestr("activities/1.tcx.gz", (SAMPLE_RUNS_DIR / "easy.tcx.gz").read_bytes())
        z.writestr("activities/2.fit.gz", gzip.compress(fit))
        z.writestr("activities/3.fit", b"not a watch file")
        z.writestr("README.txt", "Garmin export")
    result = CliRunner().invoke(cli, ["inspect", "--json", str(export)])
    assert result.exit_code == 1
    objs = _json_lines(result)
    assert [o["path"] for o in objs] == [f"{export}!activities/{n}" for n in ("1.tcx.gz", "2.fit.gz", "3.fit")]
    tcx, fit_obj, bad = objs
    assert (tcx["format"], tcx["compression"], fit_obj["format"], fit_obj["compression"]) == ("tcx", "gzip", "fit", "gzip")
    assert tcx["timer_s"] == tcx["watch"]["timer_s"] == 1800.0  # one <Track> per lap is not a pause
    assert fit_obj["timer_s"] == fit_obj["watch"]["timer_s"]
    assert set(bad) == {"path", "error"} and "not a FIT, GPX or TCX file" in bad["error"]
    text = CliRunner().invoke(cli, ["inspect", str(export)])
    assert text.exit_code == 1
    assert f"{export}!activities/1.tcx.gz\n" in text.stdout and "timer       30:00   watch 30:00" in text.stdout
    assert text.stderr.strip() == f"Error: {export}!activities/3.fit: {bad['error']}"


def test_inspect_describes_the_running_session(tmp_path):
    # a TCX whose first activity states no sport ("Other") and whose second is the run: the run is shown
    def activity(sport: str, start_s: int) -> str:
        times = [f"2024-05-01T06:{start_s // 60 + i // 60:02d}:{i % 60:02d}Z" for i in range(3)]
        points = "".join(f"<Trackpoint><Time>{t}</Time><DistanceMeters>{3 * i}</DistanceMeters></Trackpoint>"
                         for i, t in enumerate(times))
        return (f'<Activity Sport="{sport}"><Id>{times[0]}</Id><Lap StartTime="{times[0]}">'
                f"<TotalTimeSeconds>2</TotalTimeSeconds><Track>{points}</Track></Lap></Activity>")
    path = tmp_path / "two.tcx"
    path.write_text('<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
                    f"<Activities>{activity('Other', 0)}{activity('Running', 600)}</Activities>"
                    "</TrainingCenterDatabase>")
    result = CliRunner().invoke(cli, ["inspect", "--json", str(path)])
    (obj,) = _json_lines(result)
    assert obj["sport"] == "Running" and obj["session_index"] == 1
    assert [s["sport"] for s in obj["sessions"]] == ["Other", "Running"]
    text = CliRunner().invoke(cli, ["inspect", str(path)]).stdout
    assert "sessions    0: Other, 1: Running (shown)" in text
