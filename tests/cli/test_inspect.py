"""`runload inspect` over real files: a result or one clear error line for every file."""

import json

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_RUNS_DIR, SHARED_DATA_DIR, require_shared_data

from runload.cli import cli

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


def test_inspect_sample_runs():
    files = sorted(SAMPLE_RUNS_DIR.glob("*.fit"))
    if not files:
        pytest.fail("sample_runs/ has no FIT files: run `runload sample -o sample_runs`")
    result = CliRunner().invoke(cli, ["inspect", "--json", *map(str, files)])
    assert result.exit_code == 0, result.output
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objs) == len(files)
    assert all(o["sport"] == "running" and o["distance_m"] > 1000 for o in objs)
