"""The batch's second pass (runload.batch.refresh): personal norms per month, the hints over the log in the
reports, and what an unchanged, a changed or an interrupted batch does again."""

from __future__ import annotations

import functools
import shutil
from datetime import date

import pandas as pd
import pytest

import runload
from runload.batch import BatchInterrupted, process_log, worker


@functools.cache
def _log_folder(root: str) -> list:
    from runload.simulate_log import simulate_log, write_log

    # 14 runs of 20 min over 10 weeks (March–May 2024), 5 with a chest strap.
    runs = simulate_log(n_runs=14, weeks=10, sensor_runs=5, seed=3, duration_s=1200)
    return write_log(runs, root)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    folder = tmp_path_factory.mktemp("log")
    _log_folder(str(folder))
    return folder


def _batch(log, out):
    """One batch of ``log`` into ``out``: its summary and how many runs it analysed."""
    analysed = []
    worker.ANALYSE_HOOK = analysed.append
    try:
        summary = process_log([log], out, jobs=1, progress="none")
    finally:
        worker.ANALYSE_HOOK = None
    return summary, len(analysed)


@pytest.fixture(scope="module")
def first(log, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return (out, *_batch(log, out))


def _runs(out):
    return runload.open_log(out).sql(
        "SELECT run_id, source, start_local, norms_key, report_key FROM runs ORDER BY start_local")


def test_each_run_is_analysed_with_its_months_norms(first):
    from runload.norms import norms_for

    out, summary, _ = first
    assert summary.ok and summary.analysed == 14
    log = runload.open_log(out)
    norms = {pd.Timestamp(r.month).date(): r.key for r in log.sql("SELECT month, key FROM norms").itertuples()}
    assert norms, "no personal norms learnt from 14 runs over 10 weeks"
    runs = _runs(out)
    assert runs["norms_key"].notna().all()  # the calibration on the strap runs reaches every month
    from runload.store import open_store

    del log
    with open_store(out) as store:
        stored = store.norms()
    for r in runs.itertuples():
        month = date(r.start_local.year, r.start_local.month, 1)
        assert r.norms_key == norms_for(stored, pd.Timestamp(r.start_local)).key == norms[month]
    # March has no earlier runs: no personal cadence model or easy pace yet; May has both.
    assert stored[date(2024, 3, 1)].cadence_model is None and stored[date(2024, 3, 1)].easy_speed_mps is None
    assert stored[date(2024, 5, 1)].cadence_model is not None and stored[date(2024, 5, 1)].easy_speed_mps
    assert stored[date(2024, 5, 1)].calibration is not None


def test_reports_show_the_final_hints_and_the_norms(first):
    out, summary, n_analyses = first
    runs = _runs(out)
    assert runs["report_key"].notna().all(), "a report written without recording what it shows"
    reports = sorted((out / "runs").glob("*.html"))
    assert len(reports) == 14
    # Each file is read twice at most (first pass, then with its norms and hints), plus re-rendered reports.
    assert n_analyses == 14  # each run analysed once: its report rendered from the cached analysis
    from runload.batch.names import report_name

    log = runload.open_log(out)
    final = log.sql("SELECT h.run_id, h.message, r.source, r.name, r.start_local, r.session_index "
                    "FROM log_hints h JOIN runs r USING (run_id)")
    assert len(final), "no hint over a 10-week log"
    for row in final.itertuples():  # every final hint is in that run's report
        page = out / "runs" / report_name(row.run_id, row.source, row.name, pd.Timestamp(row.start_local),
                                          row.session_index)
        assert _has(page, row.message)
    from runload.norms import norms_for
    from runload.store import open_store

    del log
    with open_store(out) as store:
        norms = store.norms()
    runs = runload.open_log(out).sql("SELECT run_id, source, name, start_local, session_index FROM runs")
    for row in runs.itertuples():  # and every report says which personal norms it used
        start = pd.Timestamp(row.start_local)
        page = out / "runs" / report_name(row.run_id, row.source, row.name, start, row.session_index)
        for sentence in norms_for(norms, start).describe():
            assert _has(page, sentence), sentence


def _has(page, message: str) -> bool:
    import html

    text = page.read_text()
    return html.escape(message, quote=False) in text or message in text


def test_an_unchanged_batch_analyses_nothing(first, log):
    summary, analysed = _batch(log, first[0])
    assert summary.ok and summary.unchanged == 14 and analysed == 0


def test_no_norms_refreshes_every_run_with_norms(first, log, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first[0], out)
    summary = process_log([log], out, jobs=1, progress="none", norms=False)
    assert summary.ok
    runs = _runs(out)
    assert runs["norms_key"].isna().all()
    assert runs["report_key"].notna().all()
    # and back: the norms return
    process_log([log], out, jobs=1, progress="none")
    runs = _runs(out)
    assert runs["norms_key"].notna().all()


def test_an_interrupted_second_pass_resumes(log, tmp_path, monkeypatch):
    out = tmp_path / "out"

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    from runload.batch import engine

    # Interrupted once every run is stored with its norms, before the hints over the log and the reports.
    monkeypatch.setattr(engine, "log_history", interrupt)
    with pytest.raises(BatchInterrupted):
        process_log([log], out, jobs=1, progress="none")
    monkeypatch.undo()
    runs = _runs(out)
    assert len(runs) == 14 and runs["report_key"].isna().all()  # stored, not yet reported
    assert runs["norms_key"].notna().all()
    assert not (out / ".runload-cache").exists()  # the interrupted batch's cache is not left behind
    summary = process_log([log], out, jobs=1, progress="none")  # nothing new, but the reports are owed
    assert summary.ok and summary.unchanged == 14
    runs = _runs(out)
    assert runs["report_key"].notna().all()
    assert len(list((out / "runs").glob("*.html"))) == 14


def test_interrupted_while_learning_the_norms_stores_nothing_half_done(log, tmp_path, monkeypatch):
    out = tmp_path / "out"

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    from runload.batch import engine

    # The new files were only looked at for the norms (staged in temporary tables): nothing of them is in
    # the store, and the next batch does them all.
    monkeypatch.setattr(engine, "learn_norms", interrupt)
    with pytest.raises(BatchInterrupted):
        process_log([log], out, jobs=1, progress="none")
    monkeypatch.undo()
    assert len(_runs(out)) == 0
    summary = process_log([log], out, jobs=1, progress="none")
    assert summary.ok and summary.analysed == 14
    runs = _runs(out)
    assert runs["report_key"].notna().all() and runs["norms_key"].notna().all()


def test_the_norms_learnt_before_the_analysis_are_those_of_the_stored_runs(first, log, tmp_path):
    # Issue 10: the batch learns the norms from what its first look staged (temporary tables), no longer from
    # the runs it stored without norms in a first pass.  The norms must be the same: fitted again here by
    # update_norms on a store of the same files analysed without norms (what that first pass stored).
    from runload.norms import update_norms
    from runload.store import open_store

    plain = tmp_path / "plain"
    summary = process_log([log], plain, jobs=1, progress="none", norms=False, reports=False)
    assert summary.ok and summary.analysed == 14
    fitted = update_norms(runload.open_log(plain).sql, {})
    with open_store(first[0]) as store:
        learnt = store.norms()
    assert fitted and {m: n.key for m, n in fitted.items()} == {m: n.key for m, n in learnt.items()}
    assert {m: n.fingerprint for m, n in fitted.items()} == {m: n.fingerprint for m, n in learnt.items()}
