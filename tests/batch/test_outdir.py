"""A read-only or full OUTDIR gives one clear error (issue 9); what was committed stays, the next batch resumes.

The real thing where the machine allows it: a small tmpfs mounted on a folder of tmp_path (root with
CAP_SYS_ADMIN, as on the CI machine), filled with a file of zeros for "full" and remounted read-only for
"read-only" — the kernel's own ENOSPC / EROFS, through DuckDB's and Python's own write paths.  Where
``mount`` is not permitted those tests skip, saying so; the tests at the end inject the same errors (the
exact texts DuckDB gives for them) into the store's connection instead, so the handling is exercised
everywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from batch_logs import good_files, store_tables

from runload.batch import process_log
from runload.errors import OutdirError, StoreError, outdir_problem
from runload.store import check_store, open_store

RUNLOAD = Path(sys.executable).with_name("runload")
DISK_BYTES = 32 * 2**20  # the tmpfs: room for plotly.js (4.6 MB), a few runs and their reports


def _mount_problem() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a small tmpfs needs root"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "no mount/umount command"
    return None


class Disk:
    """A tmpfs of :data:`DISK_BYTES` mounted at ``path``."""

    def __init__(self, path: Path):
        self.path = path

    def _mount(self, *options: str) -> subprocess.CompletedProcess:
        return subprocess.run(["mount", *options, str(self.path)], capture_output=True, text=True)

    def read_only(self) -> None:
        done = self._mount("-o", "remount,ro")
        assert done.returncode == 0, done.stderr

    def writable(self) -> None:
        done = self._mount("-o", "remount,rw")
        assert done.returncode == 0, done.stderr

    def fill(self) -> Path:
        """Fill the disk with zeros (the kernel says ENOSPC); returns the filler, to delete to make room."""
        filler = self.path / "filler.bin"
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 2**20)
                    f.flush()
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
        left = os.statvfs(self.path)
        assert left.f_bavail * left.f_frsize < 2**20
        return filler


@pytest.fixture
def disk(tmp_path):
    reason = _mount_problem()
    if reason:
        pytest.skip(f"no small file system to fill or make read-only: {reason}")
    path = tmp_path / "disk"
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"no small file system to fill or make read-only: mount is not permitted here "
                    f"({done.stderr.strip()})")
    try:
        yield Disk(path)
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _cli(log: Path, out: Path) -> subprocess.CompletedProcess:
    args = [str(RUNLOAD), "batch", str(log), "-o", str(out), "--jobs", "1", "--progress", "none"]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def _one_error_line(done: subprocess.CompletedProcess, outdir: Path, *words: str) -> str:
    """The CLI's promise: exit code 1 and exactly one ``Error: OUTDIR: reason`` line, no traceback."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"Error: {outdir}: "), lines
    for word in words:
        assert word in lines[0], lines
    return lines[0]


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("log")
    good_files(folder, 4)
    return folder


def test_a_read_only_outdir_is_one_clear_error(log, disk):
    stored = disk.path / "stored"
    first = _cli(log, stored)
    assert first.returncode == 0, first.stderr
    disk.read_only()
    # A new OUTDIR on a read-only file system, and one that already holds a store.
    _one_error_line(_cli(log, disk.path / "new"), disk.path / "new", "Read-only file system")
    _one_error_line(_cli(log, stored), stored, "Read-only file system")
    disk.writable()
    assert check_store(stored) == [] and len(store_tables(stored)["runs"]) == 4


def test_a_full_outdir_is_one_clear_error(log, disk):
    disk.fill()
    out = disk.path / "out"
    _one_error_line(_cli(log, out), out, "No space left on device")


def test_a_store_a_full_disk_kept_from_being_created_is_created_next_time(log, disk):
    # DuckDB creates the file, then cannot write its header: an empty runload.duckdb stayed behind, and
    # every later batch on that OUTDIR said "not a valid DuckDB database file", even with room again.
    filler = disk.fill()
    out = disk.path / "out"
    assert _cli(log, out).returncode == 1
    filler.unlink()
    again = _cli(log, out)
    assert again.returncode == 0, again.stderr
    assert check_store(out) == [] and len(store_tables(out)["runs"]) == 4


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "writer-thread"])
def test_a_store_that_fills_up_mid_batch_stops_with_one_error_and_keeps_what_was_committed(
        log, disk, monkeypatch, jobs):
    from click.testing import CliRunner

    import runload.batch.storing as storing
    from runload.cli import cli
    from runload.store.writer import Store

    out = disk.path / "out"
    put_rows_many = Store.put_rows_many
    stored: list[str] = []
    fillers: list[Path] = []

    def put_rows_then_fill(self, files):
        ids = put_rows_many(self, files)
        stored.extend(source for source, _, _ in files)
        if len(stored) == 2:
            fillers.append(disk.fill())  # the disk is full after the first two files are committed
        return ids

    monkeypatch.setattr(Store, "put_rows_many", put_rows_then_fill)
    monkeypatch.setattr(storing, "GROUP_FILES", 2)  # files are stored two at a time
    result = CliRunner().invoke(cli, ["batch", str(log), "-o", str(out), "--jobs", jobs, "--progress",
                                      "none"])
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {out}: cannot write the store: the disk is full"), \
        result.stderr
    assert len(stored) == 2 and fillers
    # Consistent; the two committed files are there; no file was recorded as failed for the full disk.
    tables = store_tables(out)
    assert check_store(out) == [] and tables["runs"] == set(stored)
    assert not tables["failures"] and not tables["skipped"]
    fillers[0].unlink()
    again = process_log([log], out, jobs=1, progress="none")
    assert (again.analysed, again.unchanged, again.failed) == (2, 2, 0) and again.ok
    assert check_store(out) == [] and len(store_tables(out)["runs"]) == 4


def test_dask_report_pages_on_a_full_disk_stop_the_batch(disk):
    pytest.importorskip("distributed")
    from runload.batch.dask_engine import _write_pages
    from runload.batch.worker import FileResult

    reports = disk.path / "runs"
    reports.mkdir()
    disk.fill()
    result = FileResult(source="a.fit", content_hash="h", status="runs")
    with pytest.raises(OutdirError, match="cannot write the reports: the disk is full"):
        _write_pages(result, {"a.html": b"x" * 2**21}, reports)
    assert not list(reports.iterdir())  # no partial page, no temporary file


# -- injected: the same errors without a file system to fill (run everywhere) -------------------------------

#: What DuckDB 2.0 says when a commit cannot write its log (the text measured on the full tmpfs above).
DUCKDB_FULL = 'TransactionContext Error: Failed to commit: Could not write file "{}": No space left on device'
DUCKDB_READ_ONLY = 'IO Error: Could not write file "{}": Read-only file system'


class _FailingCommit:
    """A store connection whose commit fails with ``error`` (after the statements ran)."""

    def __init__(self, con, error: Exception):
        self._con, self._error = con, error

    def __getattr__(self, name):
        return getattr(self._con, name)

    def commit(self):
        raise self._error


@pytest.mark.parametrize(("text", "meaning"), [(DUCKDB_FULL, "the disk is full"),
                                                (DUCKDB_READ_ONLY, "the folder is on a read-only file system")])
def test_a_commit_on_a_full_or_read_only_disk_is_an_outdir_error(tmp_path, text, meaning):
    import runload.store.writer as writer

    with open_store(tmp_path) as store:
        store.put_skipped("kept.gpx", "h1", "no run")
        real = store._con
        store._con = _FailingCommit(real, duckdb.IOException(text.format(writer.store_path(tmp_path))))
        with pytest.raises(OutdirError, match=f"{tmp_path}: cannot write the store: {meaning}") as caught:
            store.put_skipped("new.gpx", "h2", "no run")
        assert not isinstance(caught.value, StoreError)  # not a file's failure: the batch stops
        store._con = real
        assert store.entry("new.gpx") is None
    assert store_tables(tmp_path)["skipped"] == {"kept.gpx"} and check_store(tmp_path) == []


def test_other_store_errors_stay_store_errors(tmp_path):
    with open_store(tmp_path) as store:
        store._con = _FailingCommit(store._con, duckdb.IOException("IO Error: Permission denied"))
        with pytest.raises(StoreError, match="writing the store failed"):
            store.put_skipped("new.gpx", "h2", "no run")
        store._con = store._con._con


def test_outdir_problem_reads_errno_and_text():
    assert outdir_problem(OSError(errno.EROFS, os.strerror(errno.EROFS))) == \
        "the folder is on a read-only file system (Read-only file system)"
    wrapped = StoreError("out", "failed")
    wrapped.__cause__ = duckdb.IOException(DUCKDB_FULL.format("x.wal"))
    assert outdir_problem(wrapped) == "the disk is full (No space left on device)"
    assert outdir_problem(duckdb.IOException("IO Error: Permission denied")) is None
    assert outdir_problem(None) is None
