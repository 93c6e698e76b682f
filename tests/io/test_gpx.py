"""GPX reader: real catalogue files, extension namespaces, cadence units, segments, safety."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import catalog_entries, entry_path, shared_params
from numpy.testing import assert_allclose
from xml_docs import read_doc, read_file_quietly

from runload.errors import CorruptFileError, EmptyRunError, NotARunError, RunloadError, RunloadWarning
from runload.io import read_run, read_runs
from runload.io.gpx import GPX_PARSERS, read_gpx_bytes
from runload.io.gpx_fast import FAST_DECODER
from runload.io.gpx_gpxpy import GPX_DECODER
from runload.schema import COLUMNS, validate

GPX_ENTRIES = catalog_entries(format="gpx")

TPX_V1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
TPX_V2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"


def gpx_doc(points: str, *, head: str = "", trk_type: str | None = "running", version: str = "1.1",
            extra_ns: str = "", creator: str = "runload tests") -> bytes:
    type_el = f"<type>{trk_type}</type>" if trk_type is not None else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}'
        f'<gpx version="{version}" creator="{creator}" xmlns="http://www.topografix.com/GPX/1/{version[-1]}" '
        f'{extra_ns}><trk><name>test run</name>{type_el}{points}</trk></gpx>'
    ).encode()


def trkpt(i: int, ext: str = "", *, lat: float = 46.0, lon0: float = 14.0, step_deg: float = 0.0001,
          body: str = "") -> str:
    t = pd.Timestamp("2024-05-01T06:00:00Z") + pd.Timedelta(seconds=i)
    return (f'<trkpt lat="{lat}" lon="{lon0 + i * step_deg}"><ele>{300 + i}</ele>'
            f'<time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time>{body}'
            f'{"<extensions>" + ext + "</extensions>" if ext else ""}</trkpt>')


def seg(points: list[str]) -> str:
    return "<trkseg>" + "".join(points) + "</trkseg>"


def read(data: bytes, **kw):
    return read_doc("gpx", data, **kw)


# --- real files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", shared_params(GPX_ENTRIES))
def test_catalogue_gpx_gives_runs_or_runload_error(entry):
    path = entry_path(entry)
    try:
        runs = read_file_quietly("gpx", path)
    except RunloadError as e:
        assert str(path) in str(e)
        # files the catalogue knows to hold no timed track must fail, and only those
        assert not entry["has_time"] or entry["n_tracks"] == 0 or "biking" in str(entry["track_types"])
        return
    assert runs, "a reader returns runs or raises"
    assert entry["points_with_time"] > 0
    for run in runs:
        s = validate(run.samples)
        assert len(s) > 0 and s.index.tz is not None
        assert run.meta.format == "gpx" and run.meta.source == str(path)
        assert {"elapsed_s", "lap", "timer_on", "latitude_deg", "longitude_deg", "distance_m"} <= set(s.columns)
        assert set(s.columns) <= set(COLUMNS)
        assert (s["lap"] == 0).all()
        # the timer is off only at the last point of each timer interval (as a FIT record at a stop)
        ends = [s.index.get_loc(pd.Timestamp(b)) for _, b in run.meta.timer_intervals]
        assert np.flatnonzero(~s["timer_on"].to_numpy()).tolist() == ends
        d = s["distance_m"].dropna().to_numpy()
        assert np.all(np.diff(d) >= 0) and d[0] == 0
        assert not any(s[c].isna().all() for c in s.columns), "all-NaN columns must be absent"
        assert "speed_mps" not in s or entry["point_extension_stats"].get("speed"), "speed never invented"
        assert run.meta.watch is None


@pytest.mark.parametrize("entry", shared_params([e for e in GPX_ENTRIES if e.get("is_running")
                                                 or e["path"].endswith(("nike_run.gpx", "/run.gpx",
                                                                        ".fit.gpx"))]))
def test_catalogue_running_gpx_matches_catalogue(entry):
    path = entry_path(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        runs = read_gpx_bytes(path.read_bytes(), source=str(path))
    assert len(runs) == entry["n_tracks"] == 1
    s = runs[0].samples
    # start as decoded by gpxpy 1.6.2 (catalogue)
    assert runs[0].meta.start == pd.Timestamp(entry["start_time"])
    # gpxpy length_2d uses an equirectangular approximation, ours is haversine: agree within 0.5 %
    # (the catalogue rounds to 0.1 m)
    assert_allclose(s["distance_m"].iloc[-1], entry["length_2d_m"], rtol=5e-3, atol=0.1)
    assert_allclose(s["elapsed_s"].iloc[-1], entry["time_span_s"], atol=1e-3)
    stats = entry["point_extension_stats"]
    if "hr" in stats:
        assert_allclose(s["heart_rate_bpm"].median(), stats["hr"]["median"], atol=1.0)
    if "cad" in stats:  # stored as strides/min; the frame holds steps/min
        assert runs[0].meta.cadence_unit_in_file == "strides/min"
        assert_allclose(s["cadence_spm"].median(), 2 * stats["cad"]["median"], atol=2.0)
    else:
        assert "cadence_spm" not in s


def test_garmin_connect_gpx_values(shared_data):
    path = shared_data / "corriporai__runpandas/runpandas/tests/io/data/gpx/garmin_connect.gpx"
    runs, messages = read(path.read_bytes())
    run = runs[0]
    assert run.meta.sport == "running" and run.meta.name == "Foo Bar"
    assert str(run.meta.device) == "Garmin Connect"
    s = run.samples
    assert len(s) == 3
    # catalogue: hr 120..130, cad 70..80 strides/min
    assert s["heart_rate_bpm"].min() == 120 and s["heart_rate_bpm"].max() == 130
    assert_allclose(s["cadence_spm"].to_numpy(), 2 * np.array([70.0, 75.0, 80.0]), atol=1e-9)
    assert any("strides/min" in m for m in messages)


def test_route_only_and_untimed_and_waypoint_files(shared_data):
    gp = shared_data / "tkrajina__gpxpy/test_files"
    with pytest.raises(EmptyRunError, match="route"):
        read_gpx_bytes((gp / "route.gpx").read_bytes(), source="route.gpx")
    with pytest.raises(EmptyRunError, match="no timestamps"):
        read_gpx_bytes((gp / "track-with-extremes.gpx").read_bytes(), source="x.gpx")
    with pytest.raises(EmptyRunError, match="waypoint"):
        read_gpx_bytes((gp / "unicode_with_bom.gpx").read_bytes(), source="x.gpx")


def test_mountain_biking_is_not_a_run_unless_asked(shared_data):
    path = shared_data / "OpenTracksApp__OpenTracks/src/androidTest/res/raw/" \
                         "legacy_gpx_trackpointextensions_incorrect.gpx"
    with pytest.raises(NotARunError, match="mountain biking") as info:
        read_gpx_bytes(path.read_bytes(), source=str(path))
    assert info.value.sport == "mountain biking"
    runs, _ = read(path.read_bytes(), include_non_running=True)
    assert runs[0].meta.sport == "mountain biking"
    assert len(runs[0].meta.timer_intervals) == 3  # three <trkseg>
    assert runs[0].samples["power_w"].dropna().tolist() == [50.0]  # pwr:PowerInWatts


# --- synthetic documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("ns", [TPX_V1, TPX_V2])
@pytest.mark.parametrize("prefix", ["gpxtpx", "ns3"])
def test_trackpoint_extension_v1_v2_any_prefix(ns, prefix):
    ext = (f"<{prefix}:TrackPointExtension><{prefix}:atemp>21.5</{prefix}:atemp><{prefix}:hr>150</{prefix}:hr>"
           f"<{prefix}:cad>88</{prefix}:cad></{prefix}:TrackPointExtension><power>250</power>")
    doc = gpx_doc(seg([trkpt(i, ext) for i in range(5)]), extra_ns=f'xmlns:{prefix}="{ns}"')
    runs, _ = read(doc)
    s = runs[0].samples
    assert_allclose(s["heart_rate_bpm"], 150.0)
    assert_allclose(s["cadence_spm"], 176.0)  # 88 strides/min doubled
    assert_allclose(s["temperature_c"], 21.5)
    assert_allclose(s["power_w"], 250.0)
    assert_allclose(s["altitude_m"], 300.0 + np.arange(5))
    assert "speed_mps" not in s  # not recorded → not invented


def test_tpx_speed_preferred_and_gpx10_core_speed():
    doc = gpx_doc(seg([trkpt(i, '<nmea:speed>9.9</nmea:speed><g:TrackPointExtension><g:speed>3.5</g:speed>'
                                 '</g:TrackPointExtension>') for i in range(3)]),
                  extra_ns=f'xmlns:g="{TPX_V2}" xmlns:nmea="http://trekbuddy.net/2009/01/gpx/nmea"')
    assert_allclose(read(doc)[0][0].samples["speed_mps"], 3.5)
    doc10 = gpx_doc(seg([trkpt(i, body="<speed>2.75</speed>") for i in range(3)]), version="1.0")
    assert_allclose(read(doc10)[0][0].samples["speed_mps"], 2.75)


def test_wtemp_used_when_no_atemp_and_zero_is_data():
    doc = gpx_doc(seg([trkpt(i, "<g:TrackPointExtension><g:wtemp>0</g:wtemp><g:hr>0</g:hr>"
                                "</g:TrackPointExtension>") for i in range(3)]), extra_ns=f'xmlns:g="{TPX_V1}"')
    s = read(doc)[0][0].samples
    assert (s["temperature_c"] == 0).all() and (s["heart_rate_bpm"] == 0).all()


def test_cadence_already_in_steps_per_minute_is_kept():
    ext = "<g:TrackPointExtension><g:cad>{}</g:cad></g:TrackPointExtension>"
    cads = [0, 168, 170, 172, 171, 0]  # treadmill export in steps/min, zeros while standing
    doc = gpx_doc(seg([trkpt(i, ext.format(c)) for i, c in enumerate(cads)]), extra_ns=f'xmlns:g="{TPX_V2}"')
    runs, messages = read(doc)
    assert runs[0].meta.cadence_unit_in_file == "steps/min"
    assert_allclose(runs[0].samples["cadence_spm"], cads)
    assert any("steps/min" in m for m in messages)


def test_cadence_strides_doubled_with_zeros_ignored_for_the_decision():
    ext = "<g:TrackPointExtension><g:cad>{}</g:cad></g:TrackPointExtension>"
    cads = [0, 0, 0, 0, 84, 86, 85]  # median of all values is 0; of the non-zero ones 85 strides/min
    doc = gpx_doc(seg([trkpt(i, ext.format(c)) for i, c in enumerate(cads)]), extra_ns=f'xmlns:g="{TPX_V2}"')
    runs, _ = read(doc)
    assert runs[0].meta.cadence_unit_in_file == "strides/min"
    assert_allclose(runs[0].samples["cadence_spm"], 2 * np.array(cads, dtype=float))


def test_segments_are_concatenated_and_the_gap_is_timer_off():
    first = [trkpt(i) for i in range(5)]
    # the runner walked 0.01° (~770 m) while paused: a watch does not count it
    second = [trkpt(i, lon0=14.01) for i in range(65, 70)]
    runs, _ = read(gpx_doc(seg(first) + seg([]) + seg(second)))
    run = runs[0]
    s = run.samples
    assert len(s) == 10 and len(run.meta.timer_intervals) == 2
    assert run.meta.timer_intervals[1][0] == pd.Timestamp("2024-05-01T06:01:05Z")
    step_m = 2 * 6_371_008.8 * np.arcsin(np.cos(np.radians(46.0)) * np.sin(np.radians(1e-4) / 2))
    # 8 steps of 0.0001° longitude at 46° N (hand calculation with the haversine formula)
    assert_allclose(s["distance_m"].iloc[-1], 8 * step_m, rtol=1e-9)
    assert_allclose(s["elapsed_s"].iloc[-1], 69.0)


def test_gap_spent_standing_is_a_pause_running_through_a_dropout_is_not():
    # one <trkseg>: 0..9 s at 1 Hz, 60 s without a point, 70..79 s (Garmin does not split on auto-pause)
    def pts(jump_deg):  # 0.0001° of longitude per point; the gap adds one more step and jump_deg
        return [trkpt(i) for i in range(10)] + [trkpt(i, lon0=14.0 - 0.006 + jump_deg) for i in range(70, 80)]
    step_m = 2 * 6_371_008.8 * np.arcsin(np.cos(np.radians(46.0)) * np.sin(np.radians(1e-4) / 2))  # 7.72 m
    # standing: the point after the gap is 1 step (7.7 m in 61 s: 0.13 m/s) from the one before
    run = read(gpx_doc(seg(pts(0.0))))[0][0]
    assert [(b - a).total_seconds() for a, b in run.meta.timer_intervals] == [9.0, 9.0]
    assert_allclose(run.samples["distance_m"].iloc[-1], 18 * step_m, rtol=1e-9)  # the drift is not counted
    # running through a GPS dropout: 0.005° (386 m in 61 s, 6.3 m/s) is timer time and distance
    run = read(gpx_doc(seg(pts(0.005))))[0][0]
    assert len(run.meta.timer_intervals) == 1
    assert_allclose(run.samples["distance_m"].iloc[-1], 19 * step_m + 50 * step_m, rtol=1e-6)


def test_points_without_time_dropped_with_warning():
    pts = [trkpt(i) for i in range(4)]
    pts.insert(2, '<trkpt lat="46" lon="14.5"><ele>1</ele></trkpt>')
    runs, messages = read(gpx_doc(seg(pts)))
    assert len(runs[0].samples) == 4
    assert any("without a valid timestamp" in m for m in messages)


def test_no_sport_is_treated_as_run_with_warning_and_strava_code_9_is_running():
    runs, messages = read(gpx_doc(seg([trkpt(0), trkpt(1)]), trk_type=None))
    assert runs and any("treated as a run" in m for m in messages)
    runs, messages = read(gpx_doc(seg([trkpt(0), trkpt(1)]), trk_type="9"))
    assert runs and not any("treated as a run" in m for m in messages)


def test_cycling_type_raises_not_a_run():
    with pytest.raises(NotARunError, match="cycling"):
        read_gpx_bytes(gpx_doc(seg([trkpt(0)]), trk_type="cycling"), source="ride.gpx")


def test_one_run_per_track():
    doc = gpx_doc(seg([trkpt(0), trkpt(1)]) + "</trk><trk><type>running</type>" + seg([trkpt(100), trkpt(101)]))
    runs, _ = read(doc)
    assert [r.meta.session_index for r in runs] == [0, 1] and all(r.meta.n_sessions == 2 for r in runs)
    assert runs[1].meta.start == pd.Timestamp("2024-05-01T06:01:40Z")


def test_control_characters_stripped_from_strings_but_markup_kept():
    # XML 1.0 forbids most C0 controls, but DEL and the C1 controls (U+009B is the terminal CSI) pass
    doc = gpx_doc(seg([trkpt(0)]), creator="Watch\x7f &lt;b&gt;").replace(
        b"<name>test run</name>", "<name>Morning\u009b[2J run &lt;script&gt;</name>".encode())
    runs, _ = read(doc)
    assert runs[0].meta.name == "Morning[2J run <script>"  # kept as data: escaping is the report's job
    assert str(runs[0].meta.device) == "Watch <b>"


def test_invalid_numbers_become_nan_with_warning():
    pts = [trkpt(i) for i in range(3)]
    pts[1] = pts[1].replace("<ele>301</ele>", "<ele>n/a</ele>")
    runs, messages = read(gpx_doc(seg(pts)))
    assert np.isnan(runs[0].samples["altitude_m"].iloc[1])
    assert any("altitude_m values are not numbers" in m for m in messages)


def test_broken_xml_names_the_line():
    doc = gpx_doc(seg([trkpt(0), trkpt(1)])).replace(b"</trkseg>", b"</trksegx>")
    with pytest.raises(CorruptFileError, match=r"line \d+, column \d+"):
        read_gpx_bytes(doc, source="broken.gpx")


def billion_laughs(root: str) -> bytes:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{"".join(ents)}]>\n'
            f'<{root}><trk><name>&lol9;</name></trk></{root}>').encode()


def test_billion_laughs_refused_fast():
    t0 = time.perf_counter()
    with pytest.raises(CorruptFileError, match="unsafe XML"):
        read_gpx_bytes(billion_laughs("gpx"), source="bomb.gpx")
    assert time.perf_counter() - t0 < 2.0  # expansion would be 10^9 × "lol" (3 GB)


def test_external_entity_refused():
    doc = (b'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           b'<gpx version="1.1"><trk><name>&xxe;</name></trk></gpx>')
    with pytest.raises(CorruptFileError, match="unsafe XML"):
        read_gpx_bytes(doc, source="xxe.gpx")


# --- gpxpy is the reference parser (the fast one must agree with it: test_gpx_parsers.py) ---------------


@pytest.mark.parametrize("parser", GPX_PARSERS)
@pytest.mark.parametrize("entry", shared_params([e for e in GPX_ENTRIES if e["points_with_time"] > 0
                                                 and e["n_tracks"] > 0]))
def test_points_and_times_are_gpxpy_s(entry, parser):
    import gpxpy

    path = entry_path(entry)
    gpx = gpxpy.parse(path.read_text(encoding="utf-8-sig"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunloadWarning)
            runs = read_gpx_bytes(path.read_bytes(), source=str(path), include_non_running=True, parser=parser)
    except EmptyRunError:
        return  # a track without timestamps (covered above)
    timed = [t for t in gpx.tracks if any(p.time for s in t.segments for p in s.points)]
    assert len(runs) == len(timed)
    for run, track in zip(runs, timed, strict=True):
        times = sorted({pd.Timestamp(p.time).tz_convert("UTC") if pd.Timestamp(p.time).tz else
                        pd.Timestamp(p.time).tz_localize("UTC") for s in track.segments for p in s.points if p.time})
        assert run.samples.index.tolist() == times
        assert run.meta.decoder == (GPX_DECODER if parser == "gpxpy" else FAST_DECODER)


def test_gpxpy_parser_goes_through_gpxpy_parse(monkeypatch):
    import gpxpy

    calls = []
    real_parse = gpxpy.parse

    def spy(text, *args, **kwargs):
        calls.append(text)
        gpx = real_parse(text, *args, **kwargs)
        gpx.tracks[0].name = "renamed by gpxpy"  # what gpxpy returns is what the run shows
        return gpx

    monkeypatch.setattr(gpxpy, "parse", spy)
    runs, _ = read(gpx_doc(seg([trkpt(0), trkpt(1)])), parser="gpxpy")
    assert len(calls) == 1 and runs[0].meta.name == "renamed by gpxpy"
    runs, _ = read(gpx_doc(seg([trkpt(0), trkpt(1)])))  # the default parser does not call gpxpy
    assert len(calls) == 1 and runs[0].meta.name == "test run" and runs[0].meta.decoder == FAST_DECODER


def test_values_gpxpy_rejects_are_repaired_not_fatal():
    pts = [trkpt(i, body="<fix>bogus</fix><sat>many</sat>") for i in range(3)]
    pts[2] = pts[2].replace('lat="46.0" ', "")  # gpxpy: latitude is mandatory
    runs, messages = read(gpx_doc(seg(pts)))
    s = runs[0].samples
    assert len(s) == 3 and s["latitude_deg"].isna().tolist() == [False, False, True]
    assert any("incomplete; dropped" in m for m in messages)  # lon without lat
    assert not any("not numbers" in m for m in messages)  # a missing lat is missing, not invalid


def test_latin1_document_and_gpx10_extensions():
    ext = "<g:TrackPointExtension><g:hr>140</g:hr></g:TrackPointExtension>"
    doc = gpx_doc(seg([trkpt(i, ext) for i in range(3)]), version="1.0", extra_ns=f'xmlns:g="{TPX_V1}"')
    doc = doc.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').replace(
        b"<name>test run</name>", "<name>Läufchen</name>".encode("latin-1"))
    run = read(doc)[0][0]
    assert run.meta.name == "Läufchen"
    assert_allclose(run.samples["heart_rate_bpm"], 140.0)  # gpxpy drops 1.0 extensions; the tree has them


# --- issue 8: separate heart-rate track, several tracks ---------------------------------------------------

ST_NS = "urn:uuid:D0EB2ED5-49B6-44e3-B13C-CF15BE7DD7DD"  # SportTracks' namespace for <st:activity>


def _st_heart_rate(samples: list[tuple[float, float]]) -> str:
    t0 = pd.Timestamp("2024-05-01T06:00:00Z")
    rows = "".join(f'<st:heartRate time="{(t0 + pd.Timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")}" '
                   f'bpm="{bpm:g}"/>' for s, bpm in samples)
    return (f'<extensions><st:activity xmlns:st="{ST_NS}" startTime="2024-05-01T06:00:00Z">'
            f"<st:heartRateTrack>{rows}</st:heartRateTrack></st:activity></extensions>")


def test_separate_heart_rate_track_is_aligned_by_time():
    # points every second for 30 s; heart rate every 4 s from second 2 to 22 (SportTracks export)
    hr = [(s, 100.0 + s) for s in range(2, 23, 4)]
    doc = gpx_doc(seg([trkpt(i) for i in range(30)]))
    doc = doc.replace(b"</gpx>", _st_heart_rate(hr).encode() + b"</gpx>")
    runs, messages = read(doc)
    got = runs[0].samples["heart_rate_bpm"].to_numpy()
    # interpolated between the heart-rate samples (100 + s on the line through them), missing outside them
    assert_allclose(got[2:23], 100.0 + np.arange(2, 23))
    assert np.isnan(got[:2]).all() and np.isnan(got[23:]).all()
    assert any("heart-rate track" in m and "21 points" in m for m in messages)


def test_heart_rate_track_not_bridged_over_a_long_gap_and_point_values_win():
    hr = [(0, 120.0), (2, 122.0), (28, 150.0)]
    points = [trkpt(i, "<gpxtpx:TrackPointExtension><gpxtpx:hr>99</gpxtpx:hr></gpxtpx:TrackPointExtension>"
                    if i == 1 else "") for i in range(30)]
    doc = gpx_doc(seg(points), extra_ns=f'xmlns:gpxtpx="{TPX_V2}"').replace(
        b"</gpx>", _st_heart_rate(hr).encode() + b"</gpx>")
    runs, _ = read(doc)
    got = runs[0].samples["heart_rate_bpm"].to_numpy()
    assert got[0] == 120.0 and got[1] == 99.0 and got[2] == 122.0 and got[28] == 150.0
    assert np.isnan(got[3:28]).all()  # 26 s without a heart-rate sample: not interpolated


def test_several_tracks_are_several_runs_and_read_run_says_how_many_more(tmp_path):
    tracks = "".join(f"<trk><type>running</type>{seg([trkpt(i + 100 * k) for i in range(10)])}</trk>"
                     for k in range(3))
    doc = gpx_doc("").replace(b"<trk><name>test run</name><type>running</type></trk>", tracks.encode())
    path = tmp_path / "three.gpx"
    path.write_bytes(doc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        runs = read_runs(path)
    assert len(runs) == 3 and [r.meta.session_index for r in runs] == [0, 1, 2]
    with pytest.warns(RunloadWarning, match="using the first, 2 more"):
        read_run(path)
