"""TCX reader: real catalogue files, lap totals, position-less trackpoints, cadence, sports, safety."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_RUNS_DIR, catalog_entries, entry_path, shared_params
from numpy.testing import assert_allclose
from xml_docs import read_doc, read_file_quietly

from runload.errors import CorruptFileError, EmptyRunError, NotARunError, RunloadError, RunloadWarning
from runload.io import read_run, read_runs
from runload.io.tcx import read_tcx_bytes
from runload.schema import COLUMNS, validate
from runload.summary import summarize_run

TCX_ENTRIES = catalog_entries(format="tcx")
NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"


def tp(i: int, *, pos: bool = True, dist: float | None = None, hr: int | None = 150, cad: str = "",
       tpx: str = "") -> str:
    t = (pd.Timestamp("2024-05-01T06:00:00Z") + pd.Timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    parts = [f"<Time>{t}</Time>"]
    if pos:
        parts.append(f"<Position><LatitudeDegrees>46.0</LatitudeDegrees>"
                     f"<LongitudeDegrees>{14 + i * 1e-4}</LongitudeDegrees></Position>")
    if dist is not None:
        parts.append(f"<DistanceMeters>{dist}</DistanceMeters>")
    if hr is not None:
        parts.append(f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>")
    parts.append(cad)
    if tpx:
        parts.append(f"<Extensions><ax:TPX>{tpx}</ax:TPX></Extensions>")
    return "<Trackpoint>" + "".join(parts) + "</Trackpoint>"


def lap(start_s: int, tracks: list[list[str]], *, total_s: float = 10.0, dist_m: float = 30.0,
        extra: str = "") -> str:
    start = (pd.Timestamp("2024-05-01T06:00:00Z") + pd.Timedelta(seconds=start_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = "".join("<Track>" + "".join(t) + "</Track>" for t in tracks)
    return (f'<Lap StartTime="{start}"><TotalTimeSeconds>{total_s}</TotalTimeSeconds>'
            f"<DistanceMeters>{dist_m}</DistanceMeters><Calories>10</Calories>"
            f"<AverageHeartRateBpm><Value>150</Value></AverageHeartRateBpm>"
            f"<MaximumHeartRateBpm><Value>160</Value></MaximumHeartRateBpm>"
            f"<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>{body}{extra}</Lap>")


def tcx_doc(laps: list[str], sport: str = "Running", creator: str = "Forerunner 965") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase xmlns="{NS}" xmlns:ax="{AX}">'
            f'<Activities><Activity Sport="{sport}"><Id>2024-05-01T06:00:00.000Z</Id>{"".join(laps)}'
            f'<Creator><Name>{creator}</Name><UnitId>1234</UnitId><ProductID>4315</ProductID><Version>'
            f'<VersionMajor>19</VersionMajor><VersionMinor>18</VersionMinor></Version></Creator>'
            f'</Activity></Activities></TrainingCenterDatabase>').encode()


def read(data: bytes, **kw):
    return read_doc("tcx", data, **kw)


# --- real files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", shared_params(TCX_ENTRIES))
def test_catalogue_tcx_gives_runs_or_runload_error(entry):
    path = entry_path(entry)
    try:
        runs = read_file_quietly("tcx", path)
    except RunloadError as e:
        assert str(path) in str(e)
        assert not entry["parses_ok_xml"], f"only broken XML may fail here, got {e}"
        assert isinstance(e, CorruptFileError)
        return
    assert len(runs) == entry["n_activities"]
    run = runs[0]
    s = validate(run.samples)
    assert set(s.columns) <= set(COLUMNS)
    assert run.meta.format == "tcx" and run.meta.sport == entry["sport"]
    # every trackpoint is kept, also those without a position (at most a repeated timestamp is dropped)
    assert entry["n_trackpoints"] - 1 <= len(s) <= entry["n_trackpoints"]
    counts = entry["trackpoint_field_counts"]
    if counts["Position"] < counts["Time"]:
        assert entry["n_trackpoints"] - 1 - counts["Position"] <= s["latitude_deg"].isna().sum()
    # the watch's totals are the lap sums (catalogue, ElementTree)
    assert run.meta.watch is not None
    assert_allclose(run.meta.watch.timer_s, entry["laps_TotalTimeSeconds_sum"], rtol=1e-9)
    assert_allclose(run.meta.watch.distance_m, entry["laps_DistanceMeters_sum"], rtol=1e-6)
    assert len(run.meta.laps) == entry["n_laps"]
    assert sorted(s["lap"].unique()) == list(range(entry["n_laps"]))[: s["lap"].nunique()]
    # timer time from the trackpoints (laps continue the timer, pauses are gaps spent standing) within
    # the 1 % the issue allows against the watch's lap sum; counting every lap boundary as a timer stop
    # (and gaps as running) was 2.5 % off on the 17-lap 2020-12-20 run and 23 % on the FR610 run
    assert_allclose(summarize_run(run)["timer_s"], entry["laps_TotalTimeSeconds_sum"], rtol=0.01)
    # recorded DistanceMeters is kept: the last one is the lap sum within rounding
    assert_allclose(s["distance_m"].max(), entry["laps_DistanceMeters_sum"], rtol=1e-3)
    assert run.meta.start == pd.Timestamp(entry["start_time"])
    stats = entry["trackpoint_runcadence_stats"]
    if stats:
        assert run.meta.cadence_unit_in_file == "strides/min"
        assert_allclose(s["cadence_spm"].median(), 2 * stats["median"], atol=2.0)
    if counts["Speed"]:
        assert s["speed_mps"].notna().sum() >= counts["Speed"] - 1
    else:
        assert "speed_mps" not in s


def test_malformed_tcx_is_refused_for_its_missing_root(shared_data):
    # runpandas' malformed.tcx lacks <TrainingCenterDatabase> and uses xsi: undeclared (line 4653); the
    # undeclared prefix is repaired (see test_xml_repairs.py), the missing root is what makes it unreadable
    path = shared_data / "corriporai__runpandas/runpandas/tests/io/data/tcx/malformed.tcx"
    with pytest.raises(CorruptFileError, match=r"malformed\.tcx: root element is <Activities>"):
        read_tcx_bytes(path.read_bytes(), source=str(path))


def test_pair_tcx_device_laps_and_timer_intervals(shared_data):
    path = shared_data / "roznet__connectstats/ConnectStatsTests/samples/tcx/activity_234979239.tcx"
    runs, _ = read(path.read_bytes())
    meta = runs[0].meta
    assert meta.device.product == "Garmin Forerunner 610"
    # six laps of one <Track> each; the timer stopped nine times, seen as gaps spent standing (the FIT file
    # of the same run has the same ten intervals from its timer events: tests/io/test_pairs.py)
    assert len(meta.timer_intervals) == 10
    assert_allclose(summarize_run(runs[0])["timer_s"], meta.watch.timer_s, rtol=1e-3)  # 2856 s vs 2857.15 s
    assert {"start", "timer_s", "distance_m", "avg_cadence_spm", "avg_heart_rate_bpm", "trigger"} <= set(meta.laps)
    # lap AvgRunCadence is strides/min in the file; converted like the samples
    assert 150 < meta.laps["avg_cadence_spm"].median() < 190


# --- synthetic documents ------------------------------------------------------------------------------


def test_trackpoints_without_position_are_kept():
    pts = [tp(0), tp(1, pos=False), tp(2, pos=False, hr=None), tp(3)]
    runs, _ = read(tcx_doc([lap(0, [pts])]))
    s = runs[0].samples
    assert len(s) == 4
    assert s["latitude_deg"].isna().tolist() == [False, True, True, False]
    assert s["heart_rate_bpm"].isna().tolist() == [False, False, True, False]
    # no DistanceMeters: from positions, NaN where a point has none
    assert np.isnan(s["distance_m"].iloc[1]) and s["distance_m"].iloc[0] == 0
    assert s["distance_m"].iloc[3] > 0


def test_tpx_speed_watts_runcadence():
    pts = [tp(i, dist=3.0 * i, tpx=f"<ax:Speed>3.0</ax:Speed><ax:RunCadence>{85 + i % 2}</ax:RunCadence>"
                                   f"<ax:Watts>{240 + i}</ax:Watts>") for i in range(6)]
    runs, messages = read(tcx_doc([lap(0, [pts])]))
    s = runs[0].samples
    assert_allclose(s["speed_mps"], 3.0)
    assert_allclose(s["cadence_spm"], 2 * (85 + np.arange(6) % 2))
    assert_allclose(s["power_w"], 240 + np.arange(6))
    assert_allclose(s["distance_m"], 3.0 * np.arange(6))  # recorded distance kept as is
    assert runs[0].meta.cadence_unit_in_file == "strides/min"
    assert any("doubled" in m for m in messages)


def test_cadence_element_in_steps_per_minute_not_doubled():
    pts = [tp(i, cad=f"<Cadence>{170 + i}</Cadence>") for i in range(5)]
    runs, _ = read(tcx_doc([lap(0, [pts])]))
    assert runs[0].meta.cadence_unit_in_file == "steps/min"
    assert_allclose(runs[0].samples["cadence_spm"], 170 + np.arange(5))


def test_laps_tracks_and_watch_totals():
    lap1 = lap(0, [[tp(0), tp(1)], [tp(5), tp(6)]], total_s=4.0, dist_m=12.0,
               extra="<Extensions><ax:LX><ax:AvgRunCadence>84</ax:AvgRunCadence></ax:LX></Extensions>")
    lap2 = lap(7, [[tp(7), tp(8), tp(9)]], total_s=12.0, dist_m=36.0,
               extra="<Extensions><ax:LX><ax:AvgRunCadence>88</ax:AvgRunCadence></ax:LX></Extensions>")
    runs, _ = read(tcx_doc([lap1, lap2]))
    run = runs[0]
    assert run.samples["lap"].tolist() == [0, 0, 0, 0, 1, 1, 1]
    # the second <Track> of lap 1 follows a timer stop; lap 2's track continues the timer 1 s later
    assert [(b - a).total_seconds() for a, b in run.meta.timer_intervals] == [1.0, 4.0]
    assert run.samples["timer_on"].tolist() == [True, False, True, True, True, True, False]
    w = run.meta.watch
    assert_allclose([w.timer_s, w.distance_m, w.calories_kcal, w.max_heart_rate_bpm], [16.0, 48.0, 20.0, 160.0])
    assert_allclose(w.avg_speed_mps, 3.0)
    # lap cadence only (no trackpoint cadence): strides/min → steps/min, weighted by lap timer time
    assert_allclose(w.avg_cadence_spm, 2 * (84 * 4 + 88 * 12) / 16, rtol=1e-12)
    assert run.meta.device.product == "Forerunner 965" and run.meta.device.software == "19.18"
    assert run.meta.device.serial == "1234"


def test_a_new_lap_is_not_a_timer_stop():
    # Garmin Connect (and runload's simulator) open a <Track> per <Lap>, one sampling interval after the
    # lap before: three 10-s laps at 1 Hz are 29 s of timer time, not 3 × 9 s
    laps = [lap(10 * k, [[tp(i, dist=3.0 * i) for i in range(10 * k, 10 * k + 10)]]) for k in range(3)]
    run = read(tcx_doc(laps))[0][0]
    assert run.samples["lap"].tolist() == [0] * 10 + [1] * 10 + [2] * 10
    assert len(run.meta.timer_intervals) == 1
    assert summarize_run(run)["timer_s"] == 29.0
    assert run.samples["timer_on"].sum() == 29  # off only at the last point, as a FIT record at the stop


def test_pause_is_a_gap_spent_standing():
    # 0..9 s running 3 m/s, then no point for 60 s while standing (1 m of drift), then 70..79 s running
    pts = [tp(i, dist=3.0 * i) for i in range(10)] + [tp(i, dist=28.0 + 3.0 * (i - 70)) for i in range(70, 80)]
    run = read(tcx_doc([lap(0, [pts], total_s=18.0)]))[0][0]
    assert [(b - a).total_seconds() for a, b in run.meta.timer_intervals] == [9.0, 9.0]
    assert summarize_run(run)["timer_s"] == 18.0 and run.samples["timer_on"].iloc[9] == np.False_
    # the same gap covering 180 m more (running through a GPS/sensor dropout) is timer time
    pts = [tp(i, dist=3.0 * i) for i in range(10)] + [tp(i, dist=210.0 + 3.0 * (i - 70)) for i in range(70, 80)]
    run = read(tcx_doc([lap(0, [pts], total_s=79.0)]))[0][0]
    assert len(run.meta.timer_intervals) == 1 and summarize_run(run)["timer_s"] == 79.0


def test_sample_run_tcx_timer_matches_its_laps():
    # the simulator's TCX has a <Track> per lap 1 s apart and no pause: timer = elapsed = the lap sums
    files = sorted(SAMPLE_RUNS_DIR.glob("*.tcx.gz"))
    assert files, "sample_runs/ has no TCX files: run `runload sample -o sample_runs`"
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunloadWarning)
            run = read_run(path)
        got = summarize_run(run)
        assert got["timer_s"] == run.meta.watch.timer_s == got["elapsed_s"], path.name


def test_biking_is_not_a_run_unless_asked():
    doc = tcx_doc([lap(0, [[tp(0), tp(1)]])], sport="Biking")
    with pytest.raises(NotARunError, match="Biking"):
        read_tcx_bytes(doc, source="ride.tcx")
    runs, _ = read(doc, include_non_running=True)
    assert runs[0].meta.sport == "Biking"


def test_other_sport_is_a_run_with_warning():
    runs, messages = read(tcx_doc([lap(0, [[tp(0), tp(1)]])], sport="Other"))
    assert runs and any("Sport='Other'" in m and "treated as a run" in m for m in messages)


def test_no_activities_and_no_times():
    course = (f'<TrainingCenterDatabase xmlns="{NS}"><Courses><Course><Name>loop</Name></Course></Courses>'
              f"</TrainingCenterDatabase>").encode()
    with pytest.raises(EmptyRunError, match="course"):
        read_tcx_bytes(course, source="course.tcx")
    untimed = tcx_doc([lap(0, [[tp(0).replace("<Time>", "<Tim>").replace("</Time>", "</Tim>")]])])
    with pytest.raises(EmptyRunError, match="no trackpoint with a time"):
        read_tcx_bytes(untimed, source="x.tcx")


def test_wrong_root_is_corrupt():
    with pytest.raises(CorruptFileError, match="not <TrainingCenterDatabase>"):
        read_tcx_bytes(b"<Activities/>", source="x.tcx")


def test_billion_laughs_tcx_refused_fast():
    ents = ['<!ENTITY a0 "lol">'] + [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE TrainingCenterDatabase [{"".join(ents)}]>\n'
           f'<TrainingCenterDatabase xmlns="{NS}"><Activities><Activity Sport="Running"><Notes>&a9;</Notes>'
           f"</Activity></Activities></TrainingCenterDatabase>").encode()
    t0 = time.perf_counter()
    with pytest.raises(CorruptFileError, match="unsafe XML"):
        read_tcx_bytes(doc, source="bomb.tcx")
    assert time.perf_counter() - t0 < 2.0


# --- issue 8: several runs in one file, distance only in the lap -------------------------------------


def _activity(start: pd.Timestamp, n: int, sport: str = "Running") -> str:
    def point(i: int) -> str:
        t = (start + pd.Timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"<Trackpoint><Time>{t}</Time><DistanceMeters>{3.0 * i}</DistanceMeters></Trackpoint>"

    iso = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'<Activity Sport="{sport}"><Id>{iso}</Id><Lap StartTime="{iso}"><TotalTimeSeconds>{n - 1}'
            f"</TotalTimeSeconds><DistanceMeters>{3.0 * (n - 1)}</DistanceMeters><Track>"
            + "".join(point(i) for i in range(n)) + "</Track></Lap></Activity>")


def test_three_runs_in_one_tcx_are_all_read(tmp_path):
    day = pd.Timestamp("2024-05-01T06:00:00Z")
    activities = [_activity(day, 20), _activity(day + pd.Timedelta(hours=2), 30, "Biking"),
                  _activity(day + pd.Timedelta(hours=5), 25), _activity(day + pd.Timedelta(hours=9), 40)]
    doc = (f'<?xml version="1.0"?><TrainingCenterDatabase xmlns="{NS}"><Activities>{"".join(activities)}'
           "</Activities></TrainingCenterDatabase>").encode()
    path = tmp_path / "three.tcx"
    path.write_bytes(doc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        runs = read_runs(path)
    assert [len(r.samples) for r in runs] == [20, 25, 40]
    assert [r.meta.session_index for r in runs] == [0, 1, 2] and {r.meta.n_sessions for r in runs} == {3}
    assert [r.meta.watch.distance_m for r in runs] == [57.0, 72.0, 117.0]
    with pytest.warns(RunloadWarning, match=r"3 running sessions in the file; using the first, 2 more"):
        first = read_run(path)
    assert len(first.samples) == 20 and any("2 more" in w for w in first.meta.warnings)


def test_indoor_lap_distance_is_spread_over_the_lap_and_said():
    # an indoor run: trackpoints with time and heart rate only, the distance only on the laps
    lap1 = lap(0, [[tp(i, pos=False) for i in range(11)]], total_s=10.0, dist_m=30.0)
    lap2 = lap(11, [[tp(i, pos=False) for i in range(11, 31)]], total_s=20.0, dist_m=80.0)
    runs, messages = read(tcx_doc([lap1, lap2]))
    s = runs[0].samples
    # lap 1: 30 m over 10 s (3 m/s); lap 2 continues from the end of lap 1: 80 m over 20 s (4 m/s)
    assert_allclose(s["distance_m"].iloc[[0, 5, 10, 20, 30]], [0.0, 15.0, 30.0, 70.0, 110.0])
    assert runs[0].meta.watch.distance_m == 110.0
    assert summarize_run(runs[0])["distance_m"] == pytest.approx(110.0)
    assert any("distance_m spread over each lap" in m for m in messages)


def test_lap_distance_not_used_when_trackpoints_carry_distance():
    lap1 = lap(0, [[tp(i, pos=False, dist=2.0 * i) for i in range(11)]], total_s=10.0, dist_m=30.0)
    runs, messages = read(tcx_doc([lap1]))
    assert_allclose(runs[0].samples["distance_m"].iloc[-1], 20.0)
    assert not any("spread over each lap" in m for m in messages)
