"""`runload sample` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from runload.cli import cli
from runload.simulate import SAMPLE_SET
from runload.simulate_log import SAMPLE_LOG


def test_sample_writes_the_set(tmp_path):
    out = tmp_path / "runs"
    result = CliRunner().invoke(cli, ["sample", "-o", str(out)])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.splitlines()[:-1]]
    # the named ten first, then the other runs of the log, the Strava activity list and the manifest
    named = [name for name, *_ in SAMPLE_SET]
    assert listed[:10] == [str(out / name) for name in named]
    assert listed[-2:] == [str(out / "strava_export" / "activities.csv"), str(out / "manifest.json")]
    assert len(listed) == len(SAMPLE_LOG) + 2
    assert result.output.splitlines()[-1].startswith(f"{len(listed)} files, ")
    on_disk = sorted(str(p) for p in out.rglob("*") if p.is_file())
    assert on_disk == sorted(listed)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [str(out / e["file"]) for e in manifest["files"]] == listed[:-2]


def test_sample_unwritable_target_is_one_error_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["sample", "-o", str(blocker / "sub")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert str(blocker / "sub") in result.output
    assert "Traceback" not in result.output


def test_sample_help():
    result = CliRunner().invoke(cli, ["sample", "--help"])
    assert result.exit_code == 0
    assert "--out-dir" in result.output
