"""`runload sample` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from runload.cli import cli
from runload.simulate import SAMPLE_SET


def test_sample_writes_the_set(tmp_path):
    out = tmp_path / "runs"
    result = CliRunner().invoke(cli, ["sample", "-o", str(out)])
    assert result.exit_code == 0, result.output
    expected = [f"{stem}.{fmt}" for stem, _, _, formats, _ in SAMPLE_SET for fmt in formats] + ["manifest.json"]
    listed = [line.split()[0] for line in result.output.splitlines()[:-1]]
    assert listed == [str(out / name) for name in expected]
    assert result.output.splitlines()[-1].startswith(f"{len(expected)} files, ")
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["file"] for e in manifest["files"]] == expected[:-1]


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
