"""runload.batch.worker: one file's work, and the first look's cache the analysis reuses."""

from __future__ import annotations

import re
import warnings

import pandas as pd
from batch_logs import run_bytes

import runload.clean as clean
import runload.pipeline as pipeline
from runload.batch.worker import FileTask, process_file, runs_path
from runload.store import content_hash


def _half_cadence_gpx() -> bytes:
    """A simulated GPX whose cadence drops to half for ten minutes: the reader warns (strides/min
    doubled) and so does the cleaning (the half-cadence stretch), so both kinds of warnings are kept."""
    text = run_bytes("easy", 3, "gpx").decode()
    seen = [0]

    def halve(m):
        seen[0] += 1
        value = int(m.group(2))
        return m.group(1) + str(round(value / 2) if 1000 <= seen[0] < 1600 else value) + m.group(3)

    return re.sub(r"(<gpxtpx:cad>)(\d+)(</gpxtpx:cad>)", halve, text).encode()


def _count_cleaning(monkeypatch) -> list:
    """Count every call of clean_samples, wherever it is called from."""
    cleans = []
    real = clean.clean_samples

    def counting(run, **kwargs):
        cleans.append(run)
        return real(run, **kwargs)

    monkeypatch.setattr(clean, "clean_samples", counting)
    monkeypatch.setattr(pipeline, "clean_samples", counting)
    return cleans


def test_the_analysis_of_a_first_look_cache_equals_a_fresh_one_and_cleans_nothing(tmp_path, monkeypatch):
    # Issue 10: a batch's first look cleans each new file for the personal norms; the analysis reuses
    # those cleaned samples (and raises their warnings again) instead of cleaning the file a second time.
    data = _half_cadence_gpx()
    source, key = "log/2024-05-01_easy.gpx", content_hash(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh = process_file(FileTask(source, data, None, key))
        look = process_file(FileTask(source, data, None, key, mode="norm_inputs", cache=str(tmp_path)))
        cached_runs = runs_path(tmp_path, source, key)
        assert look.status == "runs" and cached_runs.is_file()
        cleans = _count_cleaning(monkeypatch)
        cached = process_file(FileTask(source, b"", None, key, runs_file=str(cached_runs)))
    assert cleans == []  # cleaned once, by the first look
    assert fresh.status == cached.status == "runs" and len(fresh.rows) == len(cached.rows) == 1
    a, b = fresh.rows[0], cached.rows[0]
    warned = a.run["reader_warnings"]
    assert any("strides/min (median" in w for w in warned)  # the reader's
    assert any("is half the step rate" in w for w in warned)  # the cleaning's
    same = {k: v for k, v in a.run.items() if k != "analysed_at"}
    assert {k: v for k, v in b.run.items() if k != "analysed_at"} == same  # warnings in the same order too
    for name in ("samples", "segments", "load"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name))
    assert b.hints == a.hints


def test_a_file_read_and_analysed_without_a_cache_cleans_each_run_once(monkeypatch):
    data = run_bytes("easy", 3, "fit")
    cleans = _count_cleaning(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = process_file(FileTask("easy.fit", data, None, content_hash(data)))
    assert result.status == "runs" and len(cleans) == 1


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_a_batch_runs_blas_on_one_thread_in_its_workers_and_restores_the_caller(tmp_path, monkeypatch):
    # The batch's processes keep every core busy; BLAS threads on top only compete for them (issue 10).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import runload.batch.worker as worker
    from runload.batch import process_log
    from runload.batch.worker import init_worker

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=init_worker) as pool:
        threads = pool.submit(_blas_threads).result()
        assert threads and set(threads) == {1}  # numpy's BLAS (and scipy's, when loaded)
    before = _blas_threads()
    seen = []
    monkeypatch.setattr(worker, "ANALYSE_HOOK", lambda run: seen.append(_blas_threads()))
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "a.gpx").write_bytes(run_bytes("easy", 1, "gpx"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert process_log([tmp_path / "log"], tmp_path / "out", jobs=1, progress="none").ok
    assert seen and all(threads and set(threads) == {1} for threads in seen)  # jobs=1: analysed here
    assert _blas_threads() == before  # the caller's setting back once the batch ends



def _frozen_and_collected() -> tuple[int, int]:
    import gc

    class Node:
        pass

    node = Node()
    node.self = node  # a cycle made after the worker started: garbage for the collector, frozen or not
    del node
    return gc.get_freeze_count(), gc.collect()


def test_a_batch_worker_freezes_what_it_starts_with_and_still_collects_what_files_leave(tmp_path):
    # Issue 10: the preloaded modules' objects live as long as the worker; frozen, no full collection walks
    # them again.  The garbage of the files is collected as before.
    import gc

    from runload.batch.engine import _pool

    pool = _pool(1, in_process=False)
    try:
        frozen, collected = pool.submit(_frozen_and_collected).result()
    finally:
        pool.shutdown(wait=True)
    assert frozen > 10_000 and collected >= 1
    assert gc.get_freeze_count() == 0  # never the caller's


def test_the_analysis_of_a_first_look_cache_repairs_no_profile_the_first_look_repaired(tmp_path, monkeypatch):
    # Issue 10: the first look's grade repairs the cleaned altitude profile; the analysis's climbs repair
    # the same profile.  The analysis runs in another task (another process, after many other files), so
    # the repair travels with the cleaned samples: the analysis repairs only the raw profile (the summary's
    # ascent), and its results equal a fresh analysis (which repairs both, remembering the first).
    import runload.grade as grade

    data = run_bytes("hills", 5, "tcx")
    source, key = "log/2024-05-02_hills.tcx", content_hash(data)
    repairs = []
    real = grade._repair

    def counting(du, au, half):
        repairs.append(len(du))
        return real(du, au, half)

    monkeypatch.setattr(grade, "_repair", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkeypatch.setattr(grade, "_REPAIRED_MEMO", {})
        fresh = process_file(FileTask(source, data, None, key))
        assert len(repairs) == 2  # the cleaned profile (grade, then climbs: remembered) and the raw one
        monkeypatch.setattr(grade, "_REPAIRED_MEMO", {})
        look = process_file(FileTask(source, data, None, key, mode="norm_inputs", cache=str(tmp_path)))
        assert look.status == "runs" and len(repairs) == 3
        monkeypatch.setattr(grade, "_REPAIRED_MEMO", {})  # the analysis's process never saw the first look
        cached = process_file(FileTask(source, b"", None, key, runs_file=str(runs_path(tmp_path, source, key))))
    assert len(repairs) == 4  # the raw profile only
    assert all(not x.flags.writeable for entry in grade._REPAIRED_MEMO.values() for x in entry)
    a, b = fresh.rows[0], cached.rows[0]
    assert a.run["ascent_m"] > 0 and b.run["ascent_m"] == a.run["ascent_m"]
    for name in ("samples", "segments", "load"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name))
