"""The dask engine of runload.batch on a real distributed.LocalCluster (loopback only, no dashboard)."""

from __future__ import annotations

import warnings

import pytest
from batch_logs import good_files, mixed_log, store_tables

from runload.batch import process_log
from runload.errors import RunloadError
from runload.store import check_store

distributed = pytest.importorskip("distributed")

#: The task of a file whose worker dies is given to another worker once, then the file fails.
ALLOWED_FAILURES = 1


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _cluster(n_workers: int, threads: int = 1, **config):
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES, **config}):
        cluster = distributed.LocalCluster(processes=True, n_workers=n_workers, threads_per_worker=threads,
                                           dashboard_address=None, host="127.0.0.1")
        try:
            yield cluster.scheduler_address
        finally:
            cluster.close()


@pytest.fixture(scope="module")
def scheduler():
    yield from _cluster(2)


@pytest.fixture(scope="module")
def lone_worker():
    """One worker of two threads that is given every task at once (no queuing on the scheduler)."""
    yield from _cluster(1, threads=2, **{"distributed.scheduler.worker-saturation": "inf"})


def _table(out, sql):
    import runload

    return runload.open_log(out).sql(sql)


def _comparable(out):
    """Every stored figure of a batch, without the times the rows were written."""
    runs = _table(out, "SELECT * EXCLUDE (analysed_at) FROM runs ORDER BY run_id")
    load = _table(out, "SELECT * FROM muscle_load ORDER BY run_id, muscle_group")
    samples = _table(out, "SELECT run_id, count(*) AS n, sum(dt_s) AS dt FROM samples GROUP BY run_id "
                          "ORDER BY run_id")
    hints = _table(out, "SELECT run_id, seq, hint_id, message FROM hints ORDER BY run_id, seq")
    skipped = _table(out, "SELECT * EXCLUDE (recorded_at) FROM skipped ORDER BY source")
    failures = _table(out, "SELECT * EXCLUDE (recorded_at) FROM failures ORDER BY source")
    return {"runs": runs, "muscle_load": load, "samples": samples, "hints": hints, "skipped": skipped,
            "failures": failures}


def test_dask_batch_stores_what_the_local_engine_stores(tmp_path, scheduler):
    import pandas as pd

    expect = mixed_log(tmp_path / "log")
    local, remote = tmp_path / "local", tmp_path / "dask"
    seen = []
    got = process_log([tmp_path / "log"], remote, engine="dask", scheduler=scheduler,
                      progress=lambda c: seen.append((c.done, c.total)))
    ref = process_log([tmp_path / "log"], local, jobs=1, progress="none")

    tables = store_tables(remote)
    for source, table in expect.items():
        holders = [t for t, sources in tables.items() if source in sources]
        assert holders == [table], (source, holders)
    assert set().union(*tables.values()) == set(expect)
    assert check_store(remote) == []
    # Progress: one step per file, then those of a second pass (which grows the total), ending complete.
    done = [d for d, _ in seen]
    assert done[:7] == list(range(1, 8)) and done == sorted(done) and seen[-1][0] == seen[-1][1]
    assert (got.files, got.analysed, got.skipped, got.failed, got.runs) == \
           (ref.files, ref.analysed, ref.skipped, ref.failed, ref.runs) == (7, 3, 2, 2, 3)
    assert sorted(p.source for p in got.failures) == sorted(p.source for p in ref.failures)

    a, b = _comparable(remote), _comparable(local)
    assert len(a["runs"]) == 3 and len(a["muscle_load"]) > 0 and len(a["samples"]) == 3
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)

    # The reports were rendered on the workers and written here by the parent: the same pages.
    pages = sorted(p.name for p in (remote / "runs").glob("*.html"))
    assert pages == sorted(p.name for p in (local / "runs").glob("*.html")) and len(pages) == 3
    for name in pages:
        assert (remote / "runs" / name).read_bytes() == (local / "runs" / name).read_bytes()
    assert not list((remote / "runs").glob(".*tmp"))
    assert got.report_errors == [] and (remote / "index.html").is_file()


def test_unchanged_rerun_on_dask_sends_nothing(tmp_path, scheduler):
    good_files(tmp_path / "log", 2)
    out = tmp_path / "out"
    first = process_log([tmp_path / "log"], out, engine="dask", scheduler=scheduler, progress="none")
    again = process_log([tmp_path / "log"], out, engine="dask", scheduler=scheduler, progress="none")
    assert (first.analysed, again.analysed, again.unchanged) == (2, 0, 2) and again.ok


def test_files_in_flight_are_bounded(tmp_path, scheduler, monkeypatch):
    from runload.batch.dask_engine import DaskRunner

    most = []
    submit = DaskRunner.submit

    def counting_submit(self, task):
        submit(self, task)
        most.append(len(self.in_flight))

    monkeypatch.setattr(DaskRunner, "submit", counting_submit)
    good_files(tmp_path / "log", 7)
    summary = process_log([tmp_path / "log"], tmp_path / "out", engine="dask", scheduler=scheduler,
                          progress="none")
    assert summary.analysed == 7 and len(most) >= 7  # a second pass may send the files again
    assert max(most) == 4  # 2 × the cluster's 2 worker threads


def test_cli_engine_dask(tmp_path, scheduler):
    from click.testing import CliRunner

    from runload.cli import cli

    good_files(tmp_path / "log", 1)
    args = ["batch", str(tmp_path / "log"), "-o", str(tmp_path / "out"), "--progress", "none"]
    result = CliRunner().invoke(cli, [*args, "--engine", "dask", "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    assert "1 analysed (1 runs)" in result.output
    assert len(store_tables(tmp_path / "out")["runs"]) == 1


@pytest.mark.parametrize(("options", "message"), [
    ({"engine": "dask"}, "scheduler"),
    ({"scheduler": "tcp://127.0.0.1:1"}, "--engine dask"),
    ({"engine": "dask", "scheduler": "tcp://127.0.0.1:1", "jobs": 2}, "--jobs"),
    ({"engine": "spark"}, "unknown engine"),
])
def test_engine_options_are_checked_before_any_work(tmp_path, options, message):
    good_files(tmp_path / "log", 1)
    with pytest.raises(RunloadError, match=message):
        process_log([tmp_path / "log"], tmp_path / "out", progress="none", **options)
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    import runload.batch.dask_engine as dask_engine

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_S", 1)
    good_files(tmp_path / "log", 1)
    with pytest.raises(RunloadError, match="cannot connect to the dask scheduler tcp://127.0.0.1:1"):
        process_log([tmp_path / "log"], tmp_path / "out", engine="dask", scheduler="tcp://127.0.0.1:1",
                    progress="none")


def _die_or_process(task):
    """Kill the dask worker process for files named ``die_*`` (a crash, the OOM killer)."""
    import os

    from runload.batch.dask_engine import remote_process_file

    if "die_" in task.source:
        os._exit(9)
    return remote_process_file(task)


def test_a_dask_worker_that_dies_fails_only_its_file(tmp_path, scheduler, monkeypatch):
    import runload.batch.dask_engine as dask_engine

    good_files(tmp_path / "log", 3)
    (tmp_path / "log" / "easy_01.fit").rename(tmp_path / "log" / "die_01.fit")
    monkeypatch.setattr(dask_engine, "remote_process_file", _die_or_process)
    out = tmp_path / "out"
    summary = process_log([tmp_path / "log"], out, engine="dask", scheduler=scheduler, progress="none")
    assert (summary.analysed, summary.failed) == (2, 1)
    assert summary.failures[0].source.endswith("die_01.fit") and summary.failures[0].stage == "analyse"
    assert "dask worker" in summary.failures[0].reason
    assert check_store(out) == [] and len(store_tables(out)["runs"]) == 2
    assert _table(out, "SELECT error_type FROM failures")["error_type"].tolist() == ["WorkerDied"]


def _die_beside_another_file(task):
    """Kill the dask worker for ``die_*`` files once another task is on the same worker (waiting at most
    1 s: alone, it dies after that); the other files start 0.5 s late, so they are still running when it
    dies."""
    import os
    import time

    from runload.batch.dask_engine import remote_process_file

    if "die_" not in task.source:
        time.sleep(0.5)
        return remote_process_file(task)
    worker = distributed.get_worker()
    deadline = time.monotonic() + 1
    while len(worker.state.tasks) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    os._exit(9)


def test_a_good_file_on_the_worker_a_bad_file_kills_is_not_lost(tmp_path, lone_worker, monkeypatch):
    # The race CI met, made certain: each time the bad file kills its worker, the good files running on
    # that worker are counted as suspects by the scheduler too; after allowed-failures + 1 deaths they
    # came back as KilledWorker with the bad one and were recorded as failed.
    import runload.batch.dask_engine as dask_engine

    good_files(tmp_path / "log", 3)
    (tmp_path / "log" / "easy_00.fit").rename(tmp_path / "log" / "die_00.fit")
    monkeypatch.setattr(dask_engine, "remote_process_file", _die_beside_another_file)
    out = tmp_path / "out"
    summary = process_log([tmp_path / "log"], out, engine="dask", scheduler=lone_worker, progress="none")
    assert [(p.source.rsplit("/", 1)[-1], p.stage) for p in summary.failures] == [("die_00.fit", "analyse")]
    assert (summary.analysed, summary.failed) == (2, 1)
    assert check_store(out) == [] and store_tables(out)["runs"] == {str(tmp_path / "log" / f"easy_0{i}.fit")
                                                                   for i in (1, 2)}
    assert _table(out, "SELECT error_type FROM failures")["error_type"].tolist() == ["WorkerDied"]


def test_ctrl_c_while_a_group_is_stored_ends_a_dask_batch_as_interrupted_with_the_group_whole(
        tmp_path, scheduler, monkeypatch):
    # The race CI met: the Ctrl-C landed while DuckDB converted a frame (con.register); the batch recorded a
    # store failure, went on and exited 1.  The batch now stores its groups in a thread (runload.batch.storing),
    # where no signal lands: here the SIGINT comes while that thread converts the second frame of the group
    # (the samples); the main thread stops the batch, and the group being written is finished, not torn.
    import signal

    from click.testing import CliRunner
    from ctrl_c import InterruptingConnection

    import runload.store.writer as writer
    from runload.cli import cli

    n = 3
    good_files(tmp_path / "log", n)
    out = tmp_path / "out"
    connect = writer.connect
    wrapped = []

    def interrupting_connect(*args, **kwargs):
        wrapped.append(InterruptingConnection(connect(*args, **kwargs), at=2))
        return wrapped[-1]

    monkeypatch.setattr(writer, "connect", interrupting_connect)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    args = ["batch", str(tmp_path / "log"), "-o", str(out), "--progress", "none", "--engine", "dask",
            "--scheduler", scheduler, "--no-reports"]
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert [w.interrupted for w in wrapped] == [True]
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "Error" not in result.output, result.output
    monkeypatch.undo()
    stored = len(store_tables(out)["runs"])
    assert check_store(out) == [] and stored == n and not store_tables(out)["failures"]  # the group, whole
    again = process_log([tmp_path / "log"], out, engine="dask", scheduler=scheduler, progress="none",
                        reports=False)
    assert (again.analysed, again.unchanged) == (0, n) and again.ok  # and its second pass is done now
    assert check_store(out) == [] and len(store_tables(out)["runs"]) == n


def test_ctrl_c_on_dask_leaves_a_consistent_store_and_the_next_batch_resumes(tmp_path, scheduler):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    n = 10
    good_files(tmp_path / "log", n)
    out = tmp_path / "out"
    args = [str(Path(sys.executable).with_name("runload")), "batch", str(tmp_path / "log"), "-o", str(out),
            "--engine", "dask", "--scheduler", scheduler, "--progress", "none"]
    from batch_logs import first_look_started, sigint_at_default

    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=sigint_at_default, text=True)
    # Wait until the batch is in the middle of its work: the Ctrl-C lands there.
    deadline = time.monotonic() + 120
    while not first_look_started(out):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no file was read"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the batch's process group only
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert check_store(out) == []
    stored = len(store_tables(out)["runs"])
    assert stored <= n
    again = process_log([tmp_path / "log"], out, engine="dask", scheduler=scheduler, progress="none")
    assert (again.analysed, again.unchanged) == (n - stored, stored) and again.ok
    assert len(store_tables(out)["runs"]) == n and check_store(out) == []
