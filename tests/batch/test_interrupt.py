"""Ctrl-C and SIGKILL during `runload batch`: the store stays consistent and the next batch resumes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_logs import first_look_started, good_files, sigint_at_default, store_tables

from runload.store import check_store

RUNLOAD = Path(sys.executable).with_name("runload")
N_FILES = 6


def _start(log: Path, out: Path) -> subprocess.Popen:
    args = [str(RUNLOAD), "batch", str(log), "-o", str(out), "--jobs", "2", "--progress", "none"]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=sigint_at_default, text=True)


def _wait_for_the_first_look(out: Path, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    """Until the batch is in the middle of its work (:func:`batch_logs.first_look_started`)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the batch ended before it could be interrupted: {proc.communicate()}")
        if first_look_started(out):
            return
        time.sleep(0.02)
    pytest.fail("no file was read")


def _resume_and_check(log: Path, out: Path, stored_before: int) -> None:
    assert check_store(out) == []
    args = [str(RUNLOAD), "batch", str(log), "-o", str(out), "--jobs", "2", "--progress", "none"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"{N_FILES - stored_before} analysed" in done.stdout, done.stdout
    assert f"{stored_before} unchanged" in done.stdout, done.stdout
    tables = store_tables(out)
    assert len(tables["runs"]) == N_FILES and not tables["skipped"] and not tables["failures"]
    assert check_store(out) == []
    assert len(list((out / "runs").glob("*.html"))) == N_FILES  # the second pass finished too


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("log")
    good_files(folder, N_FILES)
    return folder


def test_ctrl_c_leaves_a_consistent_store_and_the_next_batch_resumes(log, tmp_path):
    out = tmp_path / "out"
    proc = _start(log, out)
    _wait_for_the_first_look(out, proc)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    stored = len(store_tables(out)["runs"])
    assert 0 <= stored <= N_FILES  # none: interrupted before the group was written; all: in the reports
    _resume_and_check(log, out, stored)


def _group_gone(pgid: int, timeout_s: float = 30) -> bool:
    """Whether every process of the process group ``pgid`` has exited (within ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_sigterm_stops_the_batch_and_its_workers_as_ctrl_c_does(log, tmp_path):
    # Found on 2026-12-03: `kill` of a running `runload batch` (SIGTERM to the parent alone, as a service
    # manager or a CI timeout sends it) ended the parent at once and left its forkserver and both worker
    # processes running, orphaned.  SIGTERM now takes Ctrl-C's way: workers stopped, store closed.
    out = tmp_path / "out"
    proc = _start(log, out)
    _wait_for_the_first_look(out, proc)
    os.kill(proc.pid, signal.SIGTERM)  # the parent only
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # orphaned workers hold the batch's pipes open
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the batch's processes outlived it")
    gone = _group_gone(proc.pid)  # the batch's session: parent, forkserver, workers, resource tracker
    if not gone:
        os.killpg(proc.pid, signal.SIGKILL)
    assert gone, "processes of the batch outlived it"
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    stored = len(store_tables(out)["runs"])
    _resume_and_check(log, out, stored)


def _kill_trial(log: Path, out: Path, delay_s: float) -> None:
    proc = _start(log, out)
    _wait_for_the_first_look(out, proc)
    time.sleep(delay_s)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    stored = len(store_tables(out)["runs"])
    _resume_and_check(log, out, stored)


def test_sigkill_leaves_a_consistent_store(log, tmp_path):
    _kill_trial(log, tmp_path / "out", 0.0)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(20))
def test_sigkill_at_random_points(log, tmp_path, trial):
    _kill_trial(log, tmp_path / "out", random.Random(trial).uniform(0.0, 3.0))
