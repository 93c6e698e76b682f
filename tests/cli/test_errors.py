"""One error convention for every command: one `Error: PATH: reason` line and exit 1, never "unexpected X".

Covers issue 8 defect 9: missing files, folders without runs, a closed stdout, a full disk, non-UTF-8 file
names, numpy floating-point warnings and the "not a FIT/GPX/TCX" message.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_RUNS_DIR

from runload.cli import cli

RUNLOAD = [sys.executable, "-m", "runload"]
EASY = SAMPLE_RUNS_DIR / "easy.fit"


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONUTF8": "0"}
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([*RUNLOAD, *args], stderr=subprocess.PIPE, env=env, timeout=300, **kwargs)


@pytest.mark.parametrize("command", [
    ["inspect"], ["inspect", "--json"], ["analyze"], ["analyze", "--json"], ["calibrate", "-o", "p.toml"],
    ["report", "-o", "r.html"]])
def test_missing_file_is_the_same_error_in_every_command(command, tmp_path):
    missing = str(tmp_path / "nope.fit")
    result = CliRunner().invoke(cli, [*command, missing])
    assert result.exit_code == 1, result.output
    assert f"Error: {missing}: no such file" in result.stderr.splitlines()
    assert "Usage:" not in result.output and "unexpected" not in result.output


@pytest.mark.parametrize("command", [["analyze"], ["calibrate", "-o", "p.toml"]])
def test_missing_profile_is_the_same_error(command, tmp_path):
    missing = str(tmp_path / "me.toml")
    result = CliRunner().invoke(cli, [*command, "--profile", missing, str(EASY)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {missing}: no such file\n"


def test_a_folder_without_run_files_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("no runs here")
    for args in (["inspect", str(tmp_path)], ["inspect", "--json", str(tmp_path)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: {tmp_path}: no run files")
    # beside a good file: the good one is still inspected
    result = CliRunner().invoke(cli, ["inspect", str(tmp_path), str(EASY)])
    assert result.exit_code == 1 and "easy.fit" in result.stdout
    assert result.stderr.startswith(f"Error: {tmp_path}: no run files")


def test_a_folder_where_a_file_is_needed(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path}: is a folder")


def test_closed_stdout_ends_quietly():
    # `runload inspect x.fit | head -c0`: the reader is gone; Unix tools stop without a message.
    proc = subprocess.Popen([*RUNLOAD, "inspect", str(EASY), str(EASY)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=300)
    assert stderr == ""
    assert proc.returncode != 0


def test_full_disk_on_stdout_is_one_error_line():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = _run(["inspect", str(EASY)], stdout=full)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    assert stderr == "Error: standard output: No space left on device\n", stderr


def test_full_disk_when_writing_a_file_is_one_error_line(monkeypatch, tmp_path):
    import runload.profile

    target = tmp_path / "p.toml"

    def no_space(profile, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(runload.profile, "save_profile", no_space)  # the command imports it when it runs
    result = CliRunner().invoke(cli, ["calibrate", "-o", str(target), str(SAMPLE_RUNS_DIR / "easy_dynamics.fit")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {target}: No space left on device"
    assert "Traceback" not in result.output


def test_non_utf8_file_names(tmp_path):
    # A file name that is not UTF-8 (bytes 0xff, 0xfe) prints with \xNN escapes, never a UnicodeEncodeError.
    folder = os.fsencode(tmp_path)
    good, bad = folder + b"/run-\xff.fit", folder + b"/notes-\xfe.fit"
    shutil.copyfile(EASY, good)
    with open(bad, "wb") as f:
        f.write(b"a shopping list, not a watch file")
    proc = _run([b"inspect", good, bad])
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 1
    assert "run-\\xff.fit" in out and "running" in out
    (line,) = err.splitlines()
    assert line.startswith("Error: ") and "notes-\\xfe.fit: not a FIT, GPX or TCX file" in line
    proc = _run([b"analyze", good])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().startswith("run-\\xff.fit")
    assert "unexpected" not in proc.stderr.decode()


def test_numpy_floating_point_warnings_never_reach_the_user(monkeypatch):
    import runload.pipeline

    def noisy(*args, **kwargs):
        np.array([1.0, 0.0]) / np.array([0.0, 0.0])  # divide by zero, invalid value
        np.nanmean(np.array([np.nan]))  # "Mean of empty slice", a RuntimeWarning
        warnings.warn("a real repair", UserWarning, stacklevel=1)
        return []

    monkeypatch.setattr(runload.pipeline, "analyze_file", noisy)  # the command imports it when it runs
    result = CliRunner().invoke(cli, ["analyze", str(EASY)])
    assert result.exit_code == 0, result.output
    assert result.stderr == "Warning: a real repair\n"


def test_not_a_watch_file_message_does_not_quote_the_file(tmp_path):
    bad = tmp_path / "notes.fit"
    bad.write_text("my PIN is 1234, and this is not a watch file")
    result = CliRunner().invoke(cli, ["inspect", str(bad)])
    assert result.exit_code == 1
    assert "not a FIT, GPX or TCX file" in result.stderr
    assert "PIN" not in result.stderr and "1234" not in result.stderr


def test_an_unexpected_error_still_is_one_line(monkeypatch):
    import runload.pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(runload.pipeline, "analyze_file", broken)
    result = CliRunner().invoke(cli, ["analyze", str(EASY)])
    assert result.exit_code == 1
    assert result.stderr == "Error: unexpected ZeroDivisionError: division by zero (run with --debug for details)\n"


def test_debug_shows_numpy_floating_point_warnings(monkeypatch):
    # The floating-point state is set where the command runs (runload.cli.RunloadCommand), so that
    # `runload CMD --help` needs no numpy; --debug still lets the warnings through.
    import runload.pipeline

    def noisy(*args, **kwargs):
        np.array([1.0]) / np.array([0.0])
        return []

    monkeypatch.setattr(runload.pipeline, "analyze_file", noisy)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        result = CliRunner().invoke(cli, ["--debug", "analyze", str(EASY)])
    assert result.exit_code == 0, result.output
