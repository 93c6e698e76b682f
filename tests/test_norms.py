"""Personal norms learnt from a training log (runload/norms.py), on a real DuckDB store of simulated runs.

The simulated runner (runload.simulate.Athlete) has a known true stiffness k̂_ref, a known cadence slope and
per-run cadence offsets (SimulatedRun.params), and a known easy speed: the norms must recover them from the
store, month by month, without look-ahead.
"""

from __future__ import annotations

import dataclasses
import shutil
import warnings
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from runload.calibrate import calibration_frame, calibration_seconds
from runload.errors import RunloadError
from runload.norms import PersonalNorms, norms_for, update_norms
from runload.pipeline import analyze_file, analyze_run
from runload.profile import AthleteProfile, Calibration
from runload.simulate import Athlete, simulate_run
from runload.simulate_write import fit_bytes
from runload.store import content_hash, open_log, open_store

RUNNER = Athlete(khat_ref=9.5, easy_speed_mps=3.3, cadence_slope_spm_per_mps=10.0, cadence_offset_spm=-3.0)
KINDS = ("easy", "intervals", "easy", "treadmill")
FIRST = datetime(2026, 8, 3, 7, 0, tzinfo=timezone.utc)
DURATION_S = 1200


def _add(store, folder, sim):
    data = fit_bytes(sim)
    path = folder / f"{sim.start:%Y%m%d_%H%M}_{sim.kind}{'_strap' if sim.has_running_dynamics else ''}.fit"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store.put_result(str(path), content_hash(data), analyze_file(path))
    return str(path)


def _sim(i: int, athlete=RUNNER, start=None, kind=None, sensor=None):
    return simulate_run(kind or KINDS[i % len(KINDS)], seed=i, athlete=athlete,
                        dynamics=(i % 3 == 0) if sensor is None else sensor,
                        start=start or FIRST + timedelta(days=5 * i), duration_s=DURATION_S)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    """18 runs every 5 days from 3 Aug to 28 Oct 2026, every third one with a chest strap."""
    root = tmp_path_factory.mktemp("norms")
    files = root / "files"
    files.mkdir()
    sims, sources = [], []
    with open_store(root / "out") as store:
        for i in range(18):
            sim = _sim(i)
            sims.append(sim)
            sources.append(_add(store, files, sim))
    return {"root": root, "sims": sims, "sources": sources}


@pytest.fixture
def store_copy(log, tmp_path):
    """A writable copy of the module's store (tests that add or remove runs)."""
    shutil.copytree(log["root"] / "out", tmp_path / "out")
    store = open_store(tmp_path / "out")
    yield store, tmp_path
    store.close()


@pytest.fixture(scope="module")
def norms(log):
    return update_norms(open_log(log["root"] / "out").sql, {})


def _run_ids(store_dir) -> dict[str, str]:
    runs = open_log(store_dir).sql("SELECT source, run_id FROM runs")
    return dict(zip(runs["source"], runs["run_id"], strict=True))


def test_months_windows_and_norms_for(norms):
    assert list(norms) == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    october = norms[date(2026, 10, 1)]
    assert (october.window_start, october.window_end) == (date(2026, 8, 2), date(2026, 10, 1))
    assert norms_for(norms, pd.Timestamp("2026-10-31 23:59")) is october
    assert norms_for(norms, datetime(2026, 9, 1, 0, 0)) is norms[date(2026, 9, 1)]
    assert norms_for(norms, pd.NaT) is None and norms_for(norms, None) is None
    assert norms_for(norms, date(2026, 11, 2)) is None  # no runs in November: no norms
    # August has no data before it: population cadence and easy speed, but the log's calibration.
    august = norms[date(2026, 8, 1)]
    assert august.cadence_model is None and august.easy_speed_mps is None and august.calibration is not None


def test_cadence_model_recovered(log, norms):
    october = norms[date(2026, 10, 1)]
    in_window = [s for s in log["sims"] if date(2026, 8, 2) <= s.start.date() < date(2026, 10, 1)]
    assert october.cadence_runs == len(in_window) == 12
    assert october.cadence_minutes > 0.8 * 12 * DURATION_S / 60  # most seconds are steady running
    b0, b1, b2, b3 = october.cadence_model
    # Truth (runload.simulate): c_pref = 165 + slope·(v − 3) + the run's offset on the level.
    assert_allclose(b1, RUNNER.cadence_slope_spm_per_mps, atol=1.0)
    offset = np.mean([s.params["cadence_offset_spm"] for s in in_window])
    assert_allclose(b0 + 3.0 * b1, 165.0 + offset, atol=1.5)
    assert b2 > 0 > b3  # uphill raises the cadence, downhill lowers it (the simulator's grade terms)


def test_easy_speed_recovered(norms):
    october = norms[date(2026, 10, 1)]
    # The simulator's easy speed is 3.3 m/s ± 0.08 day form; the default would be 3.0 m/s.
    assert_allclose(october.easy_speed_mps, RUNNER.easy_speed_mps, atol=0.1)
    assert october.easy_runs >= 8  # treadmill, easy and the level parts of interval runs in 8 weeks
    sentences = october.describe()
    assert sentences[0] == "Cadence norm: yours, fitted on 12 runs (" + f"{october.cadence_minutes / 60:.1f}" \
        + " h) from 2 Aug to 30 Sep 2026."
    pace = 1000.0 / october.easy_speed_mps
    assert sentences[1] == (f"Easy pace: yours, {int(pace // 60)}:{round(pace % 60):02d} /km, median level running "
                            f"of {october.easy_runs} runs in the 8 weeks before October 2026.")


def test_calibration_recovers_the_runners_stiffness(log, norms):
    cal = norms[date(2026, 10, 1)].calibration
    assert all(n.calibration == cal for n in norms.values())  # one calibration for the log
    ids = _run_ids(log["root"] / "out")
    sensor = {ids[src]: sim.kind for src, sim in zip(log["sources"], log["sims"], strict=True)
              if sim.has_running_dynamics}
    # All dates (Aug, Sep and Oct); not the treadmill runs: no grade, so no level seconds (§1.5.4).
    assert sorted(cal.runs) == sorted(r for r, kind in sensor.items() if kind != "treadmill")
    assert len(sensor) == 6 and len(cal.runs) == 4
    assert cal.device == "runloadsimulator"
    # True k̂_ref 9.5 (default 13); the gait model's device-equivalence speed term (−0.5 at 3 m/s = 1) moves
    # the fitted k̂ by a few per cent at this runner's 3.3 m/s.
    assert abs(cal.khat_ref - RUNNER.khat_ref) < 0.8
    assert cal.mae_ms < 8.0 and cal.n_seconds > 4 * 600  # level seconds of 4 × 20 min
    text = norms[date(2026, 10, 1)].describe()[2]
    assert text.startswith("Contact time where the watch did not measure it: estimated, calibrated on 4 of your "
                           "runs with a runloadsimulator (typical error ±")
    assert norms[date(2026, 10, 1)].calibration_pool == 6  # every run with device contact time
    # Applied to a new run without a sensor: the model's contact time is closer to the truth.
    sim = _sim(30, start=datetime(2026, 10, 30, 7, tzinfo=timezone.utc), kind="easy", sensor=False)
    run = _read(sim, log["root"] / "new.fit")
    truth = sim.truth["contact_time_ms"]

    def error(profile):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = analyze_run(run, profile)
        tc = a.samples["contact_time_ms"][a.samples["contact_time_source"] == "model"]
        return float(np.median(np.abs(tc - truth.reindex(tc.index))))

    base = AthleteProfile(height_m=RUNNER.height_m)
    before, after = error(base), error(norms[date(2026, 10, 1)].apply(base))
    assert after < 0.5 * before and after < 6.0


def _read(sim, path):
    from runload.io import read_run

    path.write_bytes(fit_bytes(sim))
    return read_run(path)


def test_store_seconds_are_the_calibration_seconds_of_the_run(log):
    # One core for both paths: the store's analysed samples give the seconds calibrate.py takes from a run.
    from runload.io import read_run

    source = next(s for s, sim in zip(log["sources"], log["sims"], strict=True) if sim.has_running_dynamics)
    stored = open_log(log["root"] / "out")
    rid = _run_ids(log["root"] / "out")[source]
    frame = stored.sql(f"SELECT * FROM samples WHERE run_id = '{rid}' ORDER BY time").set_index("time")
    frame.index = frame.index.as_unit("ns")
    from_store = calibration_frame(frame)
    from_run = calibration_seconds(read_run(source))
    assert len(from_store) > 600
    pd.testing.assert_frame_equal(from_store, from_run, check_freq=False, check_names=False)


def test_no_look_ahead(log, norms, store_copy):
    store, folder = store_copy
    fast = dataclasses.replace(RUNNER, easy_speed_mps=4.2, cadence_slope_spm_per_mps=4.0)
    for k in range(4):  # November: a different runner's numbers, no sensor (the calibration stays)
        _add(store, folder, _sim(40 + k, fast, FIRST + timedelta(days=95 + 4 * k), sensor=False))
    again = update_norms(store.sql, {})  # from scratch: nothing reused
    for month in (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)):
        for field in ("cadence_model", "easy_speed_mps", "cadence_runs", "easy_runs", "fingerprint"):
            assert getattr(again[month], field) == getattr(norms[month], field), (month, field)
        assert again[month].key == norms[month].key
    november = again[date(2026, 11, 1)]
    assert november.cadence_runs == 12  # 8 Sep … 28 Oct; the November runs themselves are not in it


def test_short_history_gives_no_norms(tmp_path):
    with open_store(tmp_path / "out") as store:
        for i in (0, 2):  # two easy runs without a sensor, one in September, one in October
            _add(store, tmp_path, _sim(i, start=datetime(2026, 9 + i // 2, 20, 7, tzinfo=timezone.utc), sensor=False))
        norms = update_norms(store.sql, {})
    assert norms == {}
    assert norms_for(norms, pd.Timestamp("2026-10-20 09:00")) is None


def test_calibration_needs_two_sensor_runs(tmp_path):
    with open_store(tmp_path / "out") as store:
        for i in range(3):  # one run with a sensor: science.md §1.5.4 asks for at least 2
            _add(store, tmp_path, _sim(i, sensor=i == 0))
        norms = update_norms(store.sql, {})
    assert norms == {}


def test_refit_policy(log, norms, store_copy):
    store, folder = store_copy
    previous = norms
    cal0 = previous[date(2026, 10, 1)].calibration
    assert len(cal0.runs) == 4 and previous[date(2026, 10, 1)].calibration_pool == 6

    def sensor_run(k):
        return _add(store, folder, _sim(60 + k, start=FIRST + timedelta(days=2 + 5 * k), kind="easy", sensor=True))

    sensor_run(0)  # 7 runs with a sensor: less than 20 % more than 6, the fit is kept
    kept = update_norms(store.sql, previous)
    assert kept[date(2026, 10, 1)].calibration == cal0
    assert kept[date(2026, 10, 1)].calibration_pool == 6
    sensor_run(1)  # 8 ≥ 1.2 · 6: refitted, on all 6 usable ones (4 + the 2 new)
    refit = update_norms(store.sql, kept)
    cal1 = refit[date(2026, 10, 1)].calibration
    assert len(cal1.runs) == 6 and set(cal0.runs) < set(cal1.runs)
    assert refit[date(2026, 10, 1)].calibration_pool == 8
    assert update_norms(store.sql, refit)[date(2026, 10, 1)].calibration == cal1  # nothing new: kept
    # A run the fit used is gone (a file removed or changed): refitted without it.
    gone = next(s for s, sim in zip(log["sources"], log["sims"], strict=True)
                if sim.has_running_dynamics and sim.kind == "easy")
    gone_id = _run_ids(log["root"] / "out")[gone]
    store.remove(gone)
    after = update_norms(store.sql, refit)[date(2026, 10, 1)].calibration
    assert gone_id not in after.runs and len(after.runs) == 5


def test_unchanged_months_read_no_samples(log, norms):
    queries = []
    sql = open_log(log["root"] / "out").sql

    def spy(query):
        queries.append(query)
        return sql(query)

    again = update_norms(spy, norms)
    assert {m: n.key for m, n in again.items()} == {m: n.key for m, n in norms.items()}
    per_run = [q for q in queries if "FROM samples" in q and "GROUP BY" not in q]
    assert per_run == []  # nothing changed: no month's window and no calibration run was read
    # From scratch, samples are read a window of runs at a time, never the whole table.
    queries.clear()
    update_norms(spy, {})
    reads = [q for q in queries if "FROM samples" in q and "GROUP BY" not in q]
    assert reads and all("WHERE run_id IN" in q for q in reads)


def test_norms_of_another_gait_model_are_not_reused(log, norms):
    sql = open_log(log["root"] / "out").sql
    stale = {m: dataclasses.replace(n, gait_model="gait-old", easy_speed_mps=9.9) for m, n in norms.items()}
    again = update_norms(sql, stale)
    assert again[date(2026, 10, 1)].easy_speed_mps == norms[date(2026, 10, 1)].easy_speed_mps
    assert again[date(2026, 10, 1)].gait_model == norms[date(2026, 10, 1)].gait_model != "gait-old"
    # The same gait model: the stored values are reused (which is why the version matters).
    assert update_norms(sql, {m: dataclasses.replace(n, easy_speed_mps=9.9) for m, n in norms.items()}
                        )[date(2026, 10, 1)].easy_speed_mps == 9.9


def test_a_changed_run_recomputes_its_months_only(log, norms, store_copy):
    store, folder = store_copy
    sim = _sim(5)  # 28 Aug, in the windows of September and October; not a sensor run
    assert not sim.has_running_dynamics
    truth = sim.truth.copy()
    truth["cadence_spm"] += 1.0  # the same run, edited: another content hash
    store.remove(log["sources"][5])
    _add(store, folder, dataclasses.replace(sim, truth=truth))
    again = update_norms(store.sql, norms)
    assert again[date(2026, 8, 1)].fingerprint == norms[date(2026, 8, 1)].fingerprint
    for month in (date(2026, 9, 1), date(2026, 10, 1)):
        assert again[month].fingerprint != norms[month].fingerprint
        assert again[month].cadence_model != norms[month].cadence_model


# --- PersonalNorms on its own -------------------------------------------------------------------------------

CAL = Calibration(khat_ref=10.2, cadence_exponent=1.39, residual_sd_ms=6.0, mae_ms=7.6, n_seconds=5400,
                  runs=["a1", "b2"], fitted_at="2026-11-30", device="fr965", speed_exponent=-0.5)


def _norms(**changes) -> PersonalNorms:
    base = PersonalNorms(month=date(2026, 11, 1), cadence_model=(140.0, 8.0, 60.0, -20.0), cadence_runs=14,
                         cadence_minutes=576.0, easy_speed_mps=1000 / 312, easy_runs=12, easy_minutes=420.0,
                         window_start=date(2026, 9, 2), window_end=date(2026, 11, 1), calibration=CAL,
                         fingerprint="abc", calibration_pool=9)
    return dataclasses.replace(base, **changes)


def test_apply_fills_only_what_the_user_did_not_set():
    n = _norms()
    filled = n.apply(AthleteProfile(height_m=1.82))
    assert filled.height_m == 1.82
    assert filled.cadence_model == n.cadence_model and filled.easy_speed_mps == n.easy_speed_mps
    assert (filled.khat_ref, filled.cadence_exponent, filled.speed_exponent) == (10.2, 1.39, -0.5)
    assert filled.calibration == CAL
    assert n.apply(None) == dataclasses.replace(filled, height_m=1.75)
    own = Calibration(khat_ref=15.0, cadence_exponent=1.2, residual_sd_ms=5.0, mae_ms=4.0, n_seconds=900)
    user = AthleteProfile(cadence_model=(150.0, 7.0, 0.0, 0.0), easy_speed_mps=2.8, khat_ref=15.0,
                          cadence_exponent=1.2, calibration=own)
    assert n.apply(user) == user  # every explicit value wins
    assert n.apply(AthleteProfile(khat_ref=11.0)).khat_ref == 11.0  # a hand-set k̂ without a calibration too
    assert n.apply(AthleteProfile(khat_ref=11.0)).cadence_model == n.cadence_model
    empty = _norms(cadence_model=None, easy_speed_mps=None, calibration=None)
    assert empty.apply(AthleteProfile()) == AthleteProfile()


def test_describe_labels_estimates_and_defaults():
    text = _norms().describe()
    assert text == [
        "Cadence norm: yours, fitted on 14 runs (9.6 h) from 2 Sep to 31 Oct 2026.",
        "Easy pace: yours, 5:12 /km, median level running of 12 runs in the 8 weeks before November 2026.",
        "Contact time where the watch did not measure it: estimated, calibrated on 2 of your runs with a "
        "Forerunner 965 (typical error ±6 ms on those runs).",
    ]
    assert _norms().describe("imperial")[1].startswith("Easy pace: yours, 8:22 /mi")
    short = _norms(cadence_model=None, cadence_runs=2, cadence_minutes=50.0, easy_speed_mps=None, easy_runs=2,
                   easy_minutes=30.0, calibration=None).describe()
    assert short[0] == ("Cadence norm: population model (the 60 days before November 2026 hold 2 runs (50 min) "
                        "of steady running; yours needs ≥ 3 runs and ≥ 60 min).")
    assert short[1].startswith("Easy pace: default 5:33 /km (")
    assert "estimated with the population model" in short[2]


def test_json_round_trip_and_bad_json():
    for n in (_norms(), _norms(cadence_model=None, calibration=None, easy_speed_mps=None)):
        back = PersonalNorms.from_json(n.to_json())
        assert back == n and back.key == n.key
        assert isinstance(back.month, date) and (back.cadence_model is None or isinstance(back.cadence_model, tuple))
    for bad in ("not json", "[]", '{"format": 99}', _norms().to_json().replace('"month"', '"mnth"')):
        with pytest.raises(RunloadError, match="bad personal norms JSON"):
            PersonalNorms.from_json(bad)


def test_key_follows_the_numbers_only(norms):
    n = _norms()
    same = _norms(fingerprint="other", cadence_runs=15, calibration_pool=10,
                  calibration=dataclasses.replace(CAL, fitted_at="2027-01-01", runs=["x"]))
    assert same.key == n.key and len(n.key) == 16
    assert _norms(cadence_model=(140.0, 8.5, 60.0, -20.0)).key != n.key
    assert _norms(easy_speed_mps=3.3).key != n.key
    assert _norms(calibration=dataclasses.replace(CAL, khat_ref=10.3)).key != n.key
    assert _norms(calibration=None).key != n.key
    # Stable across processes and batches: a digest of the values, not of object identity.
    assert PersonalNorms.from_json(n.to_json()).key == n.key
    assert len({v.key for v in norms.values()}) == 3


def test_runs_staged_in_place_of_the_stored_ones_give_the_same_norms(log):
    # A batch's first look stages new files (runload.batch.staging.StagedRuns) instead of storing them; the
    # norms learnt from the staged runs equal those of the store holding the same runs: the seconds computed
    # from the first look's frame equal those read back from the samples table (issue 10).
    staged = _staged(log, None)
    stored_log = open_log(log["root"] / "out")
    stored = update_norms(stored_log.sql)
    learnt = update_norms(stored_log.sql, staged=staged)
    assert any(n.cadence_model is not None for n in stored.values())
    assert any(n.calibration is not None for n in stored.values())
    assert {m: n.to_json() for m, n in learnt.items()} == {m: n.to_json() for m, n in stored.items()}


def _staged(log, folder):
    """The log's files staged as a batch's first look stages them (in ``folder``; None: in memory)."""
    from runload.batch.staging import StagedRuns
    from runload.io.dispatch import read_bytes_runs
    from runload.pipeline import gait_samples
    from runload.store.rows import norm_input_rows

    staged = StagedRuns(folder)
    for source in log["sources"]:
        data = open(source, "rb").read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for run in read_bytes_runs(data, source_name=source):
                profile, samples = gait_samples(run, timing=False)  # as a first look
                row, seconds = norm_input_rows(run, profile, samples, source, content_hash(data))
                staged.add(source, [row], [seconds])
    return staged


def test_months_learnt_on_worker_processes_are_those_learnt_here(log, tmp_path):
    # A batch learns the months' cadence models and easy speeds on its workers, idle meanwhile
    # (update_norms's map), each task reading its runs' staged files: the same norms as in one process.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    staged = _staged(log, tmp_path / "staged")
    sql = open_log(log["root"] / "out").sql
    here = update_norms(sql, staged=staged)
    sent = []
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        def on_workers(fn, items):
            sent.extend(items)
            return list(pool.map(fn, items))

        there = update_norms(sql, staged=staged, map=on_workers)
    months = [month for month, *_ in sent]  # every month but the first (no run before it) went to the workers
    assert len(set(months)) == len(months) >= len(here) - 1 and set(months) <= set(here)
    assert any(n.cadence_model is not None for n in here.values())
    assert {m: n.to_json() for m, n in there.items()} == {m: n.to_json() for m, n in here.items()}
    in_memory = _staged(log, None)  # seconds not in files: learnt here, whatever the map
    assert update_norms(sql, staged=in_memory, map=lambda fn, items: pytest.fail("no file to send")) == here


def test_the_calibration_is_stored_once_and_shared_when_read(log, tmp_path):
    # A 20,000-run log's norms failed to commit (issue 12's load test): the calibration, with the ids of
    # the ~5,000 runs it was fitted on, was written in full in each of 924 months' rows (~90 MB).  Now it
    # is written once (the last month's row) and shared by the months when read back.
    import json

    from runload.norms import SAME_CALIBRATION

    norms = update_norms(open_log(log["root"] / "out").sql, {})
    cal = norms[max(norms)].calibration
    assert cal is not None and len(norms) >= 3
    big = dataclasses.replace(cal, runs=[f"{i:016x}" for i in range(20_000)])  # as a long log's
    norms = {m: dataclasses.replace(n, calibration=big) for m, n in norms.items()}
    with open_store(tmp_path / "out") as store:
        store.put_norms(norms)
        back = store.norms()
    raw = open_log(tmp_path / "out").sql("SELECT month, norms_json FROM norms ORDER BY month")
    sizes = raw["norms_json"].str.len()
    assert sizes.iloc[-1] > 20_000 * 16 and (sizes.iloc[:-1] < 2_000).all()
    assert all(json.loads(t)["calibration"] == SAME_CALIBRATION for t in raw["norms_json"].iloc[:-1])
    assert {m: n.to_json() for m, n in back.items()} == {m: n.to_json() for m, n in norms.items()}
    assert len({id(n.calibration) for n in back.values()}) == 1  # one object: pickled once per task
    public = open_log(tmp_path / "out").norms
    assert [PersonalNorms.from_json(t).to_json() for t in public["norms_json"]] == [n.to_json() for n in back.values()]
