"""runload.batch.process_log: every file accounted for once, resumable, one writer, no needless work."""

from __future__ import annotations

import os
import shutil
import time
import warnings
from pathlib import Path

import pytest
from batch_logs import good_files, mixed_log, store_tables

import runload.batch.worker as worker
import runload.io.archive as archive
from runload.batch import process_log
from runload.errors import StoreLockedError
from runload.store import check_store, open_store


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_file_ends_in_exactly_one_table(tmp_path, jobs):
    expect = mixed_log(tmp_path / "log")
    out = tmp_path / "out"
    summary = process_log([tmp_path / "log"], out, jobs=jobs, progress="none")
    tables = store_tables(out)
    for source, table in expect.items():
        holders = [t for t, sources in tables.items() if source in sources]
        assert holders == [table], (source, holders)
    assert set().union(*tables.values()) == set(expect)
    assert check_store(out) == []
    assert (summary.files, summary.analysed, summary.skipped, summary.failed) == (7, 3, 2, 2)
    assert not summary.ok and "2 failed" in summary.line()
    stages = {p.source.removeprefix(f"{tmp_path}/log/"): p.stage for p in summary.failures}
    assert stages == {"corrupt.fit": "read", "export.zip!../evil.fit": "read"}
    import runload

    skipped = runload.open_log(out).sql("SELECT source, sport, reason FROM skipped ORDER BY source")
    assert skipped["sport"].tolist()[0] == "Biking"
    assert "route" in skipped["reason"].tolist()[1]
    failures = runload.open_log(out).sql("SELECT source, error_type FROM failures ORDER BY source")
    assert failures["error_type"].tolist() == ["CorruptFileError", "ArchiveError"]
    assert len(list((out / "runs").glob("*.html"))) == 3
    assert (out / "plotly.min.js").is_file() and (out / "index.html").is_file()


def test_unchanged_rerun_does_no_analysis(tmp_path, monkeypatch):
    good_files(tmp_path / "log", 3)
    out = tmp_path / "out"
    analysed = []
    monkeypatch.setattr(worker, "ANALYSE_HOOK", analysed.append)
    import runload.io.dispatch as dispatch

    reads = []
    real_read = dispatch.read_bytes_runs
    monkeypatch.setattr(dispatch, "read_bytes_runs", lambda *a, **k: reads.append(1) or real_read(*a, **k))
    first = process_log([tmp_path / "log"], out, jobs=1, progress="none")
    # A first batch analyses each file once: a light look for the personal norms first, then the analysis
    # with its month's norms, stored, and its report completed from the frame cached meanwhile, once the
    # hints over the whole log are known (issue 10: it analysed every file twice and stored it twice).
    assert len(analysed) == 3 and first.analysed == 3 and first.ok
    assert len(reads) == 3  # the analysis uses the runs its first look read and cached
    assert not (out / ".runload-cache").exists()  # the cache lives as long as the batch
    assert len(list((out / "runs").glob("*.html"))) == 3
    analysed.clear()
    t0 = time.perf_counter()
    again = process_log([tmp_path / "log"], out, jobs=1, progress="none")
    elapsed = time.perf_counter() - t0
    assert analysed == [] and again.unchanged == 3 and again.analysed == 0
    assert elapsed < 5.0  # one read + hash per file, the dashboard; no analysis
    # A changed file and a new one are processed, the others not.
    (tmp_path / "log" / "easy_00.fit").write_bytes((tmp_path / "log" / "easy_01.fit").read_bytes())
    good_files(tmp_path / "log2", 1, start_seed=40)
    third = process_log([tmp_path / "log", tmp_path / "log2"], out, jobs=1, progress="none")
    assert (third.analysed, third.unchanged) == (2, 2) and len(analysed) == 2  # analysed once each


def test_an_unchanged_plain_file_is_not_read_again(tmp_path, monkeypatch):
    files = good_files(tmp_path / "log", 3)
    an_hour_ago = time.time() - 3600
    for p in files:
        os.utime(p, (an_hour_ago, an_hour_ago))
    out = tmp_path / "out"
    assert process_log([tmp_path / "log"], out, jobs=1, progress="none").analysed == 3
    reads = []
    real = archive.load_bytes

    def counting(path, *args, **kwargs):
        reads.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(archive, "load_bytes", counting)
    again = process_log([tmp_path / "log"], out, jobs=1, progress="none")
    assert reads == [] and again.unchanged == 3  # same size and modification time as when hashed
    # Another run written over one file (new content, new modification time): read and analysed.
    files[0].write_bytes(good_files(tmp_path / "other", 1, start_seed=40)[0].read_bytes())
    os.utime(files[0], (an_hour_ago + 60, an_hour_ago + 60))
    third = process_log([tmp_path / "log"], out, jobs=1, progress="none")
    assert (third.analysed, third.unchanged) == (1, 2) and reads.count("easy_00.fit") >= 1
    assert set(reads) == {"easy_00.fit"}
    # A file modified just before the batch stat'ed it may change again within the same timestamp: it is
    # not trusted, so the next batch reads it again (and still finds it unchanged).
    fresh = good_files(tmp_path / "fresh", 1, start_seed=50)[0]
    process_log([tmp_path / "log", tmp_path / "fresh"], out, jobs=1, progress="none")
    reads.clear()
    fourth = process_log([tmp_path / "log", tmp_path / "fresh"], out, jobs=1, progress="none")
    assert reads == [fresh.name] and fourth.unchanged == 4 and fourth.analysed == 0


def test_a_missing_report_is_written_again(tmp_path, monkeypatch):
    good_files(tmp_path / "log", 2)
    out = tmp_path / "out"
    process_log([tmp_path / "log"], out, jobs=1, progress="none")
    reports = sorted((out / "runs").glob("*.html"))
    reports[0].unlink()
    analysed = []
    monkeypatch.setattr(worker, "ANALYSE_HOOK", analysed.append)
    summary = process_log([tmp_path / "log"], out, jobs=1, progress="none")
    # Both runs are stored and unchanged; the second pass analyses the one file again to write its report.
    assert (summary.analysed, summary.unchanged, len(analysed)) == (0, 2, 1)
    assert reports[0].is_file()


def test_a_report_that_cannot_be_written_keeps_its_run(tmp_path):
    good_files(tmp_path / "log", 2)
    out = tmp_path / "out"
    process_log([tmp_path / "log"], out, jobs=1, progress="none")
    target = sorted((out / "runs").glob("*.html"))[0]
    target.unlink()
    target.mkdir()  # writing the report now fails
    summary = process_log([tmp_path / "log"], out, jobs=1, progress="none")
    assert (summary.analysed, summary.unchanged, summary.failed) == (0, 2, 0)
    assert [p.stage for p in summary.report_errors] == ["report"] and not summary.ok
    assert "1 reports not written" in summary.line()
    assert len(store_tables(out)["runs"]) == 2 and check_store(out) == []
    page = (out / "index.html").read_text()
    assert page.count("(no report)") == 1
    target.rmdir()
    fixed = process_log([tmp_path / "log"], out, jobs=1, progress="none")
    assert fixed.ok and target.is_file()


def test_second_batch_on_the_same_outdir_fails_at_once(tmp_path, monkeypatch):
    good_files(tmp_path / "log", 1)
    out = tmp_path / "out"
    analysed = []
    monkeypatch.setattr(worker, "ANALYSE_HOOK", analysed.append)
    with open_store(out):
        with pytest.raises(StoreLockedError, match="in use"):
            process_log([tmp_path / "log"], out, jobs=1, progress="none")
    assert analysed == []


def test_a_worker_that_dies_fails_only_its_file(tmp_path, monkeypatch):
    import batch_logs

    import runload.batch.engine as engine

    good_files(tmp_path / "log", 4)
    (tmp_path / "log" / "easy_01.fit").rename(tmp_path / "log" / "die_01.fit")
    monkeypatch.setattr(engine, "process_file", batch_logs.die_or_process)
    out = tmp_path / "out"
    summary = process_log([tmp_path / "log"], out, jobs=2, progress="none")
    assert (summary.analysed, summary.failed) == (3, 1)
    assert summary.failures[0].source.endswith("die_01.fit") and summary.failures[0].stage == "analyse"
    assert "worker process" in summary.failures[0].reason
    assert check_store(out) == [] and len(store_tables(out)["runs"]) == 3


def test_no_reports(tmp_path):
    good_files(tmp_path / "log", 1)
    out = tmp_path / "out"
    summary = process_log([tmp_path / "log"], out, jobs=1, reports=False, progress="none")
    assert summary.ok and not (out / "runs").exists()
    assert "(no report)" in (out / "index.html").read_text()


def test_progress_callback_counts_every_file(tmp_path):
    mixed_log(tmp_path / "log")
    seen = []
    process_log([tmp_path / "log"], tmp_path / "out", jobs=1,
                progress=lambda c: seen.append((c.done, c.total, c.refreshed)))
    assert seen[:7] == [(k, 7, 0) for k in range(1, 8)]  # every discovered file, once
    # then the 3 files with runs are analysed with the norms (the total grows by 3), and their reports are
    # written once the hints over the log are known (3 more)
    assert seen[-1] == (13, 13, 3) and [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)


def test_missing_input_is_a_clear_error(tmp_path):
    from runload.errors import RunloadError

    with pytest.raises(RunloadError, match="no such file"):
        process_log([tmp_path / "nope"], tmp_path / "out", progress="none")
    assert not (tmp_path / "out").exists()
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_pool_broken_before_the_next_submit_retries_that_file_too(tmp_path):
    # CI found it: a worker died and the pool was marked broken before the parent collected the death,
    # so the *next* submit raised BrokenProcessPool out of process_log instead of that file being retried.
    from concurrent.futures.process import BrokenProcessPool

    import runload.batch.engine as engine
    from runload.store import content_hash

    class BrokenPool:
        def submit(self, *args, **kwargs):
            raise BrokenProcessPool("A child process terminated abruptly")

        def shutdown(self, *args, **kwargs):
            pass

    (path,) = good_files(tmp_path, 1)
    data = path.read_bytes()
    task = worker.FileTask(str(path), data, None, content_hash(data))
    runner = engine._LocalRunner(2)
    runner.pool.shutdown(wait=True)
    runner.pool = BrokenPool()
    recorded, failed = [], []
    runner.submit(task)  # raised before
    runner.pool = BrokenPool()  # drain replaces the broken pool; the file is retried alone in a fresh one
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runner.drain(0, recorded.append, lambda *args: failed.append(args))
    runner.close()
    assert failed == [] and [r.status for r in recorded] == ["runs"]


def test_stored_files_not_given_this_time_are_named_not_refreshed(tmp_path):
    good_files(tmp_path / "a", 1)
    good_files(tmp_path / "b", 1, start_seed=30)
    out = tmp_path / "out"
    process_log([tmp_path / "a"], out, jobs=1, progress="none")
    for report in (out / "runs").glob("*.html"):
        report.unlink()  # a's report is now missing, but this batch is not given a's folder
    summary = process_log([tmp_path / "b"], out, jobs=1, progress="none")
    assert summary.not_refreshed == [str(tmp_path / "a" / "easy_00.fit")]
    assert "1 stored files not given this time keep their older norms or reports" in summary.line()
    assert len(list((out / "runs").glob("*.html"))) == 1  # b's; a's waits for a batch given its file


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "writer-thread"])
def test_a_file_the_store_refuses_fails_alone_not_its_group(tmp_path, monkeypatch, jobs):
    # Issue 10: analysed files are stored in groups, one transaction each.  A group the store refuses is
    # written again file by file, so only the file whose rows are refused fails (stage "store").
    import duckdb

    from runload.store.writer import Store

    good_files(tmp_path / "log", 4)
    bad = str(tmp_path / "log" / "easy_02.fit")
    insert = Store._insert_runs
    groups = []

    def refuse_one(self, rows):
        groups.append(len(rows))
        if any(r.run["source"] == bad for r in rows):
            raise duckdb.ConstraintException("Constraint Error: a value the store refuses")
        insert(self, rows)

    monkeypatch.setattr(Store, "_insert_runs", refuse_one)
    summary = process_log([tmp_path / "log"], tmp_path / "out", jobs=jobs, progress="none", reports=False)
    assert groups[0] == 4  # the four files went in together first
    assert (summary.analysed, summary.failed) == (3, 1) and summary.runs == 3
    assert [(p.source, p.stage) for p in summary.failures] == [(bad, "store")]
    tables = store_tables(tmp_path / "out")
    assert tables["failures"] == {bad} and len(tables["runs"]) == 3 and bad not in tables["runs"]
    assert check_store(tmp_path / "out") == []
