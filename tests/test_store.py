"""The training-log store (runload/store/): one transaction per file, one writer, nothing lost.

Real DuckDB files in tmp_path and real Analysis objects: simulated runs written as FIT/TCX files
(runload.simulate, simulate_write), read back and analysed by runload.analyze_run.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import catalog_entries, entry_path, shared_params
from multirun_files import THREE_RUNS, three_run_tcx

from runload import __version__
from runload.errors import RunloadError, RunloadWarning
from runload.io import read_runs
from runload.pipeline import analyze_file, analyze_run
from runload.profile import AthleteProfile
from runload.simulate import KINDS, simulate_run
from runload.simulate_write import fit_bytes
from runload.store import (
    SCHEMA_VERSION,
    StoreError,
    StoreLockedError,
    check_store,
    content_hash,
    export_parquet,
    open_log,
    open_store,
    profile_hash,
)
from runload.store.rows import analysis_rows
from runload.store.tables import SAMPLE_COLUMNS, TABLES

ROOT = Path(__file__).resolve().parents[1]


def _analysed(path: Path, data: bytes):
    path.write_bytes(data)
    return [analyze_run(r) for r in read_runs(path)]


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("sim")


@pytest.fixture(scope="module")
def intervals(sim_dir):
    """(bytes, [Analysis]) of a simulated interval session written as FIT (hints fire on it)."""
    data = fit_bytes(simulate_run("intervals", seed=1))
    return data, _analysed(sim_dir / "intervals.fit", data)


@pytest.fixture(scope="module")
def easy(sim_dir):
    data = fit_bytes(simulate_run("easy_dynamics", seed=2))
    return data, _analysed(sim_dir / "easy.fit", data)


@pytest.fixture(scope="module")
def three(sim_dir):
    path = three_run_tcx(sim_dir / "three.tcx")
    return path.read_bytes(), [analyze_run(r) for r in read_runs(path)]


def _counts(out) -> dict:
    log = open_log(out)
    return {t: int(log.sql(f"SELECT count(*) AS n FROM {t}")["n"].iloc[0]) for t in TABLES if t != "meta"}


# -- what is stored -----------------------------------------------------------------------------------------

def test_samples_round_trip_every_analysed_column(tmp_path, intervals):
    data, (a,) = intervals
    with open_store(tmp_path) as store:
        (rid,) = store.put_result("runs/intervals.fit", content_hash(data), [a])
    got = open_log(tmp_path).samples(rid)
    want = a.samples.join(a.load_samples)
    assert got.index.equals(want.index)
    for col in want.columns:
        w, g = want[col], got[col]
        if pd.api.types.is_float_dtype(w):
            np.testing.assert_allclose(g.to_numpy(float), w.to_numpy(float), rtol=0, atol=0, err_msg=col)
        else:
            assert list(g.astype(object)) == list(w.astype(object)), col
    # Columns this file lacks are there, all NULL: the column set is the same for every run.
    assert list(got.columns) == [c for c in SAMPLE_COLUMNS if c not in ("run_id", "time")]
    assert got["power_w"].isna().all()


def test_run_row_segments_load_and_hints(tmp_path, intervals):
    data, (a,) = intervals
    with open_store(tmp_path) as store:
        (rid,) = store.put_result("export.zip!activities/intervals.fit", content_hash(data), [a])
    log = open_log(tmp_path)
    run = log.runs.loc[rid]
    meta = a.run.meta
    assert run["source"] == "export.zip!activities/intervals.fit"
    assert run["content_hash"] == content_hash(data) and len(run["content_hash"]) == 64
    assert (run["session_index"], run["n_sessions"], run["format"], run["sport"]) == (0, 1, "fit", "running")
    assert run["device"] == "Development runload simulator"
    assert run["start_utc"] == pd.Timestamp(meta.start)
    # The simulated FIT file says local time is UTC+2: the wall clock reads two hours later.
    assert run["utc_offset_s"] == 7200
    assert run["start_local"] == pd.Timestamp(meta.start).tz_localize(None) + pd.Timedelta(hours=2)
    assert run["distance_m"] == pytest.approx(a.summary["distance_m"])
    assert run["watch_distance_m"] == pytest.approx(meta.watch.distance_m)
    assert run["contact_time_source"] == a.summary["contact_time_source"]
    assert run["gait_model"] == a.model_versions["gait"] and run["load_model"] == a.model_versions["load"]
    assert run["profile_hash"] == profile_hash(a.profile)
    assert run["runload_version"] == __version__
    assert list(run["store_warnings"]) == []
    segs = log.segments
    assert len(segs) == len(a.segments) == run["n_segments"]
    assert list(segs["kind"]) == list(a.segments["kind"])
    assert list(segs["start_utc"]) == list(a.segments["start"])
    load = log.load.set_index("muscle_group")
    assert list(load.index) == list(a.load.index)
    np.testing.assert_allclose(load["rel_load"], a.load["rel_load"])
    hints = log.hints
    assert len(a.hints) >= 1 and list(hints["hint_id"]) == [h.id for h in a.hints]
    assert list(hints["groups"].iloc[0]) == a.hints[0].groups
    assert list(hints["tips"].iloc[0]) == a.hints[0].tips
    assert check_store(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_column_an_analysis_makes_is_stored(tmp_path, kind):
    """A column the analysis gains must get a store column (else it would only be named in a warning)."""
    data = fit_bytes(simulate_run(kind, seed=4))
    analyses = _analysed(tmp_path / f"{kind}.fit", data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunloadWarning)
        with open_store(tmp_path / "out") as store:
            store.put_result(f"{kind}.fit", content_hash(data), analyses)
    assert all(len(w) == 0 for w in open_log(tmp_path / "out").runs["store_warnings"])


def test_a_column_the_store_does_not_know_is_named_not_silently_dropped(tmp_path, easy):
    data, (a,) = easy
    b = replace(a, samples=a.samples.assign(new_metric_x=1.0))
    with open_store(tmp_path) as store, pytest.warns(RunloadWarning, match="new_metric_x"):
        (rid,) = store.put_result("easy.fit", content_hash(data), [b])
    (msg,) = open_log(tmp_path).runs.loc[rid, "store_warnings"]
    assert "samples" in msg and "new_metric_x" in msg


def test_every_session_of_a_multi_run_file_is_a_run(tmp_path, three):
    data, analyses = three
    assert len(analyses) == len(THREE_RUNS)
    with open_store(tmp_path) as store:
        ids = store.put_result("three.tcx", content_hash(data), analyses)
    runs = open_log(tmp_path).runs
    assert len(set(ids)) == 3 and set(runs.index) == set(ids)
    assert sorted(runs["session_index"]) == [0, 1, 2] and set(runs["n_sessions"]) == {3}
    assert check_store(tmp_path) == []


REAL = [e for role in ("run_rd", "run", "gpx", "tcx") for e in catalog_entries(role=role)[:1]]


@pytest.mark.parametrize("entry", shared_params(REAL))
def test_real_files_store_every_column(tmp_path, entry):
    path = entry_path(entry)
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the readers' repair warnings are theirs
        analyses = analyze_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunloadWarning)
        with open_store(tmp_path) as store:
            ids = store.put_result(entry["path"], content_hash(data), analyses)
    log = open_log(tmp_path)
    assert all(len(w) == 0 for w in log.runs["store_warnings"])
    for rid, a in zip(ids, analyses, strict=True):
        got = log.samples(rid)
        assert got.index.equals(a.samples.index)
        np.testing.assert_array_equal(got["distance_m"].to_numpy(float), a.samples["distance_m"].to_numpy(float))
    assert log.runs["content_hash"].eq(entry["sha256"]).all()
    assert check_store(tmp_path) == []


# -- one place per file, re-runs -----------------------------------------------------------------------------

def test_each_file_ends_in_exactly_one_table(tmp_path, easy, three):
    data, analyses = easy
    h = content_hash(data)
    with open_store(tmp_path) as store:
        store.put_failure("easy.fit", h, "read", RunloadError("easy.fit", "bad CRC"))
        assert store.entry("easy.fit").status == "failure"
        assert list(store.sql("SELECT stage, error FROM failures").iloc[0]) == ["read", "easy.fit: bad CRC"]
        store.put_result("easy.fit", h, analyses)  # failure → success: no stale failure row
    assert _counts(tmp_path) == {"runs": 1, "samples": len(analyses[0].samples), "segments":
                                 len(analyses[0].segments), "muscle_load": 9,
                                 "hints": len({id(h) for h in analyses[0].hints + analyses[0].hint_candidates}),
                                 "history_hints": 0, "log_hints": 0, "norms": 0, "skipped": 0, "failures": 0}
    with open_store(tmp_path) as store:
        store.put_skipped("easy.fit", h, "not a run (sport: cycling)", "cycling")  # success → skipped
    assert {k: v for k, v in _counts(tmp_path).items() if v} == {"skipped": 1}
    with open_store(tmp_path) as store:
        store.put_result("easy.fit", h, analyses)
        store.put_result("three.tcx", content_hash(three[0]), three[1])
        # The file at a source changed (three runs now): the old run and all its rows go.
        store.put_result("easy.fit", content_hash(three[0]), three[1])
    log = open_log(tmp_path)
    assert list(log.runs["source"].value_counts().sort_index()) == [3, 3]
    assert len(log.skipped) == 0 and len(log.failures) == 0
    assert check_store(tmp_path) == []
    with open_store(tmp_path) as store:
        store.put_failure("x.gpx", "ab" * 32, "analyse", ValueError("boom"))
    fail = open_log(tmp_path).failures.iloc[0]
    assert (fail["stage"], fail["error_type"], fail["error"]) == ("analyse", "ValueError", "boom")


def _tables(out) -> dict:
    """Every row of the run tables, in a fixed order (analysed_at and the stats aside)."""
    log = open_log(out)
    order = {"runs": "run_id", "samples": "run_id, time", "segments": "run_id, seq",
             "muscle_load": "run_id, muscle_group", "hints": "run_id, seq"}
    out = {}
    for table, key in order.items():
        frame = log.sql(f"SELECT * FROM {table} ORDER BY {key}")
        out[table] = frame.drop(columns=[c for c in ("analysed_at",) if c in frame])
    return out


def test_a_long_logs_calibration_is_not_stored_with_every_run(tmp_path, easy):
    # The load test of issue 12: each run's profile_json carried the calibration with the ids of the
    # ~5,000 runs it was fitted on (100 KB a run: 341 MB for 3,392 runs), and the store's checkpoint
    # failed under its memory limit.  The stored profile keeps the number of runs, not their ids.
    import json

    from runload.profile import Calibration

    data, (a,) = easy
    cal = Calibration(khat_ref=11.2, cadence_exponent=1.39, residual_sd_ms=8.0, mae_ms=5.0, n_seconds=10**6,
                      runs=[f"{i:016x}" for i in range(20_000)], fitted_at="2026-12-01", device="fr965")
    calibrated = replace(a, profile=replace(a.profile, khat_ref=11.2, calibration=cal))
    with open_store(tmp_path) as store:
        store.put_result("a.fit", content_hash(data), [calibrated])
    stored = open_log(tmp_path).sql("SELECT profile_json FROM runs")["profile_json"].iloc[0]
    assert len(stored) < 2_000
    profile = json.loads(stored)
    assert profile["calibration"]["n_runs"] == 20_000 and "runs" not in profile["calibration"]
    assert profile["calibration"]["khat_ref"] == 11.2 and profile["khat_ref"] == 11.2


def test_files_stored_together_are_stored_as_one_by_one(tmp_path, easy, intervals, three):
    # Issue 10: a batch stores its files in groups, each table's rows of the group in one insert.  Files
    # with other columns (device dynamics or not, three sessions in one file) keep every value and type.
    files = [("a/easy.fit", easy), ("a/intervals.fit", intervals), ("a/three.tcx", three)]
    now = pd.Timestamp("2026-12-01 10:00", tz="UTC").to_pydatetime()

    def rows(source, data, analyses):
        return [analysis_rows(a, source, content_hash(data), None, now) for a in analyses]

    with open_store(tmp_path / "one") as store:
        for source, (data, analyses) in files:
            store.put_rows(source, content_hash(data), rows(source, data, analyses))
    with open_store(tmp_path / "group") as store:
        ids = store.put_rows_many([(source, content_hash(data), rows(source, data, analyses))
                                   for source, (data, analyses) in files])
    assert [len(i) for i in ids] == [1, 1, 3]
    one, group = _tables(tmp_path / "one"), _tables(tmp_path / "group")
    for table in one:
        assert len(one[table]) > 0 or table == "hints"
        pd.testing.assert_frame_equal(group[table], one[table], check_exact=True, obj=table)
    assert check_store(tmp_path / "group") == []


def _insert_with_parameters(self, table, columns, records):
    """The reference for the store's columnar inserts: each record bound as parameters, one statement per row
    (how runs and hints were inserted before issue 10)."""
    if records:
        self._con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                              [list(r) for r in records])


def test_runs_and_hints_go_in_as_parameters_would_put_them(tmp_path, easy, intervals, three, monkeypatch):
    # Issue 10: run rows, hints and the log's hints are inserted through a frame, one statement, not one
    # statement per row; and report keys set in one UPDATE.  Every value and type as row-by-row parameters
    # put them: missing values, a gear with quotes and accents, warnings (lists), JSON, three sessions.
    from dataclasses import replace as dc_replace

    from runload.store import Store

    now = pd.Timestamp("2026-12-01 10:00", tz="UTC").to_pydatetime()
    data, (a,) = intervals
    assert a.hints, "the interval session raises hints"
    warned = dc_replace(a, run=dc_replace(a.run, meta=dc_replace(a.run.meta, warnings=["clock jump: kept", "ü 'x'"])))
    files = [("a/easy.fit", easy[0], easy[1], None), ("a/intervals.fit", data, [warned], "Pegasus 40 «Läufer's»"),
             ("a/three.tcx", three[0], three[1], "")]
    groups = [(source, content_hash(d), [analysis_rows(x, source, content_hash(d), None, now, gear=gear) for x in an])
              for source, d, an, gear in files]
    history = [(r.run["run_id"], h) for _, _, rows in groups for r in rows for h in warned.hints]
    final = {groups[1][2][0].run["run_id"]: [dc_replace(h, origin="log") for h in warned.hints]}
    keys = {groups[0][2][0].run["run_id"]: "key-a", groups[2][2][1].run["run_id"]: None}

    def store_all(out):
        with open_store(out) as store:
            store.put_rows_many(groups)
            store.put_history_hints(history, final)
            store.set_report_keys(keys)
        tables = _tables(out)
        log = open_log(out)
        for table in ("history_hints", "log_hints"):
            tables[table] = log.sql(f"SELECT * FROM {table} ORDER BY run_id, seq")
        return tables

    ours = store_all(tmp_path / "frame")
    monkeypatch.setattr(Store, "_insert_records", _insert_with_parameters)
    monkeypatch.setattr(Store, "set_report_keys", lambda self, k: self._write(lambda: self._con.executemany(
        "UPDATE runs SET report_key = ? WHERE run_id = ?", [(v, rid) for rid, v in k.items()])))
    reference = store_all(tmp_path / "parameters")
    for table in ("runs", "hints", "history_hints", "log_hints"):
        assert len(reference[table]) > 0, table
        pd.testing.assert_frame_equal(ours[table], reference[table], check_exact=True, obj=table)
    runs = ours["runs"].set_index("run_id")
    assert runs["gear"].tolist().count("Pegasus 40 «Läufer's»") == 1
    assert runs.loc[groups[0][2][0].run["run_id"], "report_key"] == "key-a"
    assert list(runs.loc[groups[1][2][0].run["run_id"], "reader_warnings"]) == ["clock jump: kept", "ü 'x'"]


def test_a_group_with_a_bad_file_writes_nothing(tmp_path, easy, intervals):
    (data, analyses), (idata, ianalyses) = easy, intervals
    good = ("a.fit", content_hash(data), [analysis_rows(a, "a.fit", content_hash(data), None) for a in analyses])
    other = [analysis_rows(a, "elsewhere.fit", content_hash(idata), None) for a in ianalyses]
    with open_store(tmp_path) as store:
        with pytest.raises(StoreError, match="rows of another file"):
            store.put_rows_many([good, ("b.fit", content_hash(idata), other)])
        with pytest.raises(StoreError, match="the same file twice"):
            store.put_rows_many([good, good])
        assert store.entry("a.fit") is None
    assert _counts(tmp_path)["runs"] == 0 and check_store(tmp_path) == []


def test_needs_processing_only_new_changed_or_remodelled_files(tmp_path, easy):
    data, analyses = easy
    h, mv = content_hash(data), dict(analyses[0].model_versions)
    default = profile_hash(None)
    with open_store(tmp_path) as store:
        assert store.needs_processing("easy.fit", h, mv, default)  # new
        store.put_result("easy.fit", h, analyses, profile_hash=default)
        store.put_skipped("bike.fit", "cd" * 32, "not a run (sport: cycling)", "cycling")
        store.put_failure("broken.fit", "ef" * 32, "read", "bad header", model_versions=mv,
                          profile_hash=default)
    with open_store(tmp_path) as store:  # what the store remembers survives closing it
        assert not store.needs_processing("easy.fit", h, mv, default)
        assert store.needs_processing("easy.fit", "0" * 64, mv, default)  # content changed
        assert store.needs_processing("easy.fit", h, {**mv, "load": "load_v2"}, default)  # model changed
        assert store.needs_processing("easy.fit", h, mv, profile_hash(AthleteProfile(height_m=1.9)))
        assert not store.needs_processing("bike.fit", "cd" * 32, {**mv, "load": "load_v2"}, "other")
        assert not store.needs_processing("broken.fit", "ef" * 32, mv, default)
        assert store.needs_processing("broken.fit", "ef" * 32, {**mv, "gait": "gait_v9"}, default)
        assert store.needs_processing("elsewhere.fit", h, mv, default)  # same bytes at another source


def test_profile_hash_changes_with_any_field():
    base = profile_hash(AthleteProfile())
    assert base == profile_hash(AthleteProfile())
    assert len({base, profile_hash(None), profile_hash(AthleteProfile(mass_kg=71)),
                profile_hash(AthleteProfile(khat_ref=12.0))}) == 4


def test_a_failed_or_interrupted_write_leaves_the_previous_state(tmp_path, easy, intervals, monkeypatch):
    from runload.store.writer import Store

    data, analyses = easy
    with open_store(tmp_path) as store:
        store.put_result("a.fit", content_hash(data), analyses)
    before = _counts(tmp_path)
    real = Store._insert_frame

    def interrupted(self, table, frame):
        real(self, table, frame)
        if table == "segments":
            raise KeyboardInterrupt  # Ctrl-C between two inserts of one run

    monkeypatch.setattr(Store, "_insert_frame", interrupted)
    with open_store(tmp_path) as store:
        with pytest.raises(KeyboardInterrupt):
            store.put_result("a.fit", content_hash(intervals[0]), intervals[1])
        with pytest.raises(KeyboardInterrupt):
            store.put_result("b.fit", content_hash(intervals[0]), intervals[1])
        assert store.entry("a.fit").content_hash == content_hash(data)
        assert store.entry("b.fit") is None
    assert _counts(tmp_path) == before
    assert check_store(tmp_path) == []


class _InterruptedConnection:
    """A store connection whose sample insert is cut by Ctrl-C the way DuckDB does it: the statement is
    interrupted, the transaction is left aborted, and ``InterruptException`` is raised."""

    def __init__(self, con):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        if sql.startswith("INSERT INTO samples"):
            with pytest.raises(duckdb.Error):
                self._con.execute("SELECT CAST('x' AS INTEGER)")  # leaves the transaction aborted
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
        return self._con.execute(sql, *args)


def test_ctrl_c_inside_a_statement_is_an_interrupt_not_a_store_error(tmp_path, easy):
    # CI found it: a Ctrl-C during the sample insert left the transaction aborted, the cleanup that
    # followed (unregistering the frame) failed on it, and its error hid the interrupt — the batch said
    # "writing the store failed" and exited 1 instead of 130.
    data, analyses = easy
    with open_store(tmp_path) as store:
        real = store._con
        store._con = _InterruptedConnection(real)
        with pytest.raises(KeyboardInterrupt):
            store.put_result("a.fit", content_hash(data), analyses)
        store._con = real
        assert store.entry("a.fit") is None
        store.put_result("a.fit", content_hash(data), analyses)  # the connection is usable again
    assert check_store(tmp_path) == []


def test_bad_calls_and_bad_stores_raise_store_errors(tmp_path, easy):
    with open_store(tmp_path / "ok") as store:
        with pytest.raises(StoreError, match="put_skipped"):
            store.put_result("empty.fit", "ab" * 32, [])
        with pytest.raises(StoreError, match="content hash"):
            store.put_skipped("x.fit", "", "no reason")
        # Rows a batch's worker built go in only under the file they were built for.
        data, analyses = easy
        rows = [analysis_rows(a, "easy.fit", content_hash(data), None) for a in analyses]
        with pytest.raises(StoreError, match="another file"):
            store.put_rows("other.fit", content_hash(data), rows)
        with pytest.raises(StoreError, match="another file"):
            store.put_rows("easy.fit", "cd" * 32, rows)
        assert store.put_rows("easy.fit", content_hash(data), rows) == [r.run["run_id"] for r in rows]
    with pytest.raises(StoreError, match="no training-log store"):
        open_log(tmp_path / "nowhere")
    with pytest.raises(StoreError, match="no run"):
        open_log(tmp_path / "ok").samples("0123456789abcdef")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="output folder") as e:
        open_store(tmp_path / "file" / "out")
    assert str(tmp_path / "file" / "out") in str(e.value)
    other = tmp_path / "other"
    other.mkdir()
    duckdb.connect(str(other / "runload.duckdb")).execute("CREATE TABLE t (x INT)").close()
    with pytest.raises(StoreError, match="not a runload store"):
        open_store(other)
    with open_store(tmp_path / "old"):
        pass
    con = duckdb.connect(str(tmp_path / "old" / "runload.duckdb"))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreError, match="schema version"):
        open_store(tmp_path / "old")


def test_check_store_finds_partial_runs_and_double_accounting(tmp_path, easy):
    data, analyses = easy
    with open_store(tmp_path) as store:
        (rid,) = store.put_result("a.fit", content_hash(data), analyses)
    assert check_store(tmp_path) == []
    con = duckdb.connect(str(tmp_path / "runload.duckdb"))
    con.execute("DELETE FROM samples WHERE run_id = ? AND elapsed_s < 10", [rid])
    con.execute("INSERT INTO failures (source, content_hash, runload_version, recorded_at) "
                "VALUES ('a.fit', 'x', '0', now())")
    con.execute("INSERT INTO hints (run_id, seq) VALUES ('gone', 0)")
    con.close()
    problems = check_store(tmp_path)
    assert any(p.startswith(f"run {rid}:") and "samples rows" in p for p in problems)
    assert "a.fit: in 2 of runs / skipped / failures" in problems
    assert "1 hints rows of missing run gone" in problems


# -- one writer, readers, crashes ----------------------------------------------------------------------------

_HOLD = """
import sys
from runload.store import open_store
store = open_store(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
store.close()
"""


def _python(code: str, *args, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw)


def test_a_second_writer_fails_at_once_with_a_clear_message(tmp_path):
    out = tmp_path / "log"
    holder = _python(_HOLD, out)
    try:
        assert holder.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        with pytest.raises(StoreLockedError, match="in use") as e:
            open_store(out)
        assert time.monotonic() - t0 < 2.0
        assert str(out) in str(e.value)
        with pytest.raises(StoreLockedError, match="another runload batch is writing"):
            open_log(out)  # DuckDB: one writer OR readers
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0, holder.stderr
    # Writer gone: readers work, several processes at once.
    with open_store(out), pytest.raises(StoreLockedError, match="already writes"):
        open_store(out)  # the same process too (DuckDB itself would share its instance)
    reader = "import sys, runload.store as s; print(len(s.open_log(sys.argv[1]).runs)); sys.stdin.readline()"
    readers = [_python(reader, out) for _ in range(2)]
    try:
        assert [p.stdout.readline().strip() for p in readers] == ["0", "0"]
    finally:
        for p in readers:
            p.communicate("\n", timeout=30)
    assert [p.returncode for p in readers] == [0, 0], [p.stderr for p in readers]


_WRITE_MANY = """
import pickle, sys, time
from runload.store import open_store
from runload.store.writer import Store
analyses = pickle.loads(open(sys.argv[2], "rb").read())
mid_at = int(sys.argv[3])
real = Store._insert_frame
n = [0]
def insert(self, table, frame):
    real(self, table, frame)
    if table == "samples" and n[0] == mid_at:
        print("mid", flush=True)  # killed here: the run's runs and samples rows are written, not committed
        time.sleep(60)
Store._insert_frame = insert
with open_store(sys.argv[1]) as store:
    for i in range(1000):
        n[0] = i
        store.put_result(f"run{i}.fit", f"{i:064x}", analyses)
        print("committed", i, flush=True)
"""


@pytest.mark.parametrize("trial", ["mid-transaction", "random-1", "random-2"])
def test_sigkill_during_writes_leaves_a_consistent_store(tmp_path, easy, trial):
    data, analyses = easy
    pkl = tmp_path / "analyses.pkl"
    pkl.write_bytes(pickle.dumps(analyses))
    out = tmp_path / "log"
    mid_at = 3 if trial == "mid-transaction" else -1
    proc = _python(_WRITE_MANY, out, pkl, mid_at)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == "mid" or (mid_at < 0 and len(lines) >= 4):
                break
        if mid_at < 0:  # kill at a random moment (most of the time goes into put_result)
            time.sleep(np.random.default_rng().uniform(0.0, 0.5))
    finally:
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=30)
    lines += [x.strip() for x in rest.splitlines()]
    committed = [int(x.split()[1]) for x in lines if x.startswith("committed")]
    assert committed == list(range(len(committed))) and len(committed) >= 3, err
    assert check_store(out) == []
    sources = set(open_log(out).runs["source"])
    if trial == "mid-transaction":
        assert lines[-1] == "mid" and sources == {"run0.fit", "run1.fit", "run2.fit"}
    else:  # every printed commit is there; the run in flight is all there (committed, not yet printed) or not
        n = len(committed)
        assert sources in ({f"run{i}.fit" for i in range(n)}, {f"run{i}.fit" for i in range(n + 1)})
    with open_store(out) as store:  # reopens as a writer after the crash
        store.put_result("after.fit", "f" * 64, analyses)
    assert check_store(out) == []


# -- export ---------------------------------------------------------------------------------------------------

def test_export_parquet_writes_every_table(tmp_path, intervals, easy):
    with open_store(tmp_path / "log") as store:
        (rid,) = store.put_result("i.fit", content_hash(intervals[0]), intervals[1])
        store.put_result("e.fit", content_hash(easy[0]), easy[1])
        store.put_skipped("bike.fit", "cd" * 32, "not a run (sport: cycling)", "cycling")
    files = export_parquet(tmp_path / "log", tmp_path / "pq")
    assert set(files) == set(TABLES)
    con = duckdb.connect()
    counts = _counts(tmp_path / "log")
    for table, n in counts.items():
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(files[table])]).fetchone()[0] == n
    con.execute("SET TimeZone = 'UTC'")
    got = con.execute("SELECT * FROM read_parquet(?) WHERE run_id = ? ORDER BY time",
                      [str(files["samples"]), rid]).df().set_index("time")
    np.testing.assert_allclose(got["contact_time_ms"], intervals[1][0].samples["contact_time_ms"])
    assert got.index.equals(intervals[1][0].samples.index)


def test_the_store_bounds_duckdbs_memory(tmp_path):
    # DuckDB's default buffer pool is 80 % of the machine's memory: a long batch's writer grew with the log.
    from runload.store.writer import STORE_MEMORY_LIMIT, connect

    with open_store(tmp_path):
        pass
    con = connect(tmp_path, read_only=True)
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    # far below DuckDB's default (80 % of this machine's memory); DuckDB shows 128 MB as "122.0 MiB"
    assert limit.replace(" ", "").lower().startswith(("122", "128")), (limit, STORE_MEMORY_LIMIT)


def test_single_threaded_runs_duckdb_on_one_thread_and_restores_its_setting(tmp_path, easy):
    # Issue 10: the batch's writer thread writes beside worker processes that take every core.
    with open_store(tmp_path) as store:
        threads = store.sql("SELECT current_setting('threads') AS n")["n"][0]
        with store.single_threaded():
            assert store.sql("SELECT current_setting('threads') AS n")["n"][0] == 1
            store.put_result("a.fit", "h1", easy[1])
        assert store.sql("SELECT current_setting('threads') AS n")["n"][0] == threads
        with pytest.raises(RuntimeError), store.single_threaded():
            raise RuntimeError("a write that failed")
        assert store.sql("SELECT current_setting('threads') AS n")["n"][0] == threads
        assert store.sql("SELECT count(*) AS n FROM runs")["n"][0] == 1
    with pytest.raises(StoreError, match="closed"), store.single_threaded():
        pass


def test_file_stats_survive_reopen_and_a_store_made_before_them_gets_the_table(tmp_path):
    from runload.store.writer import FILE_STATS_TABLE, RACY_WINDOW_NS

    out = tmp_path / "log"
    with open_store(out) as store:
        store.put_skipped("a.gpx", "a" * 64, "route")
        now = 10 * RACY_WINDOW_NS
        store.note_stat("a.gpx", 100, now - 2 * RACY_WINDOW_NS, "a" * 64, now)
        store.note_stat("b.gpx", 100, now - RACY_WINDOW_NS // 2, "b" * 64, now)  # racy: not remembered
    with open_store(out) as store:  # written on close
        assert store.known_hash("a.gpx", 100, now - 2 * RACY_WINDOW_NS) == "a" * 64
        assert store.known_hash("a.gpx", 101, now - 2 * RACY_WINDOW_NS) is None  # another size
        assert store.known_hash("a.gpx", 100, now) is None  # another modification time
        assert store.known_hash("b.gpx", 100, now - RACY_WINDOW_NS // 2) is None
        store.remove("a.gpx")
        assert store.known_hash("a.gpx", 100, now - 2 * RACY_WINDOW_NS) is None  # no entry: read it
        store._con.execute(f"DROP TABLE {FILE_STATS_TABLE}")  # as a store written before the cache
    with open_store(out) as store:
        assert store.sql(f"SELECT count(*) AS n FROM {FILE_STATS_TABLE}")["n"].iloc[0] == 0
