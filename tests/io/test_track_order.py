"""GPX/TCX points stay in document order with a repaired time axis (issue 8, defect 2), and placeholder
positions before the GPS fix are missing positions, not points of the run (defect 11)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from xml_docs import read_doc, simulated_docs

from runload.geo import haversine_m
from runload.summary import summarize_run


@pytest.fixture(scope="module")
def docs():
    return simulated_docs(seed=5)


read = read_doc


_TIME = {"gpx": re.compile(rb"<time>([^<]*)</time>"), "tcx": re.compile(rb"<Time>([^<]*)</Time>")}


def _point_times(fmt: str, data: bytes) -> list[re.Match]:
    found = list(_TIME[fmt].finditer(data))
    return found[1:] if fmt == "gpx" else found  # GPX: <metadata><time> first


def _set_time(fmt: str, data: bytes, k: int, when: pd.Timestamp) -> bytes:
    m = _point_times(fmt, data)[k]
    return data[:m.start(1)] + when.strftime("%Y-%m-%dT%H:%M:%S.000Z").encode() + data[m.end(1):]


@pytest.mark.parametrize("fmt", ["tcx", "gpx"])
def test_one_point_timed_before_the_start_affects_only_itself(docs, fmt):
    """Defect 2: a trackpoint 10 s before the start was sorted first; its distance froze the run."""
    data = docs[fmt]
    times = _point_times(fmt, data)
    start = pd.Timestamp(times[0].group(1).decode())
    k = len(times) // 2
    bad = _set_time(fmt, data, k, start - pd.Timedelta(seconds=10))
    (run,), messages = read(fmt, bad)
    (reference,), _ = read(fmt, data)
    s, ref = run.samples, reference.samples
    assert len(s) >= len(ref) - 1  # at most the bad point itself is lost
    assert s.index.is_monotonic_increasing and s.index[0] == ref.index[0]
    # document order kept: the positions/distances are those of the file, in the file's order
    d = s["distance_m"].to_numpy()
    assert np.all(np.diff(d[~np.isnan(d)]) >= 0)
    assert d[0] == ref["distance_m"].iloc[0]
    np.testing.assert_allclose(np.nanmax(d), np.nanmax(ref["distance_m"]), rtol=1e-9)
    if "latitude_deg" in s:
        np.testing.assert_array_equal(s["latitude_deg"].iloc[:k], ref["latitude_deg"].iloc[:k])
    summary, reference_summary = summarize_run(run), summarize_run(reference)
    assert summary["distance_m"] > 0 and summary["avg_speed_mps"] > 0
    assert summary["distance_m"] == pytest.approx(reference_summary["distance_m"], rel=0.01)
    assert any("sorted" not in m for m in messages)
    assert not any("sorted the points by time" in m for m in messages)


@pytest.mark.parametrize("fmt", ["tcx", "gpx"])
def test_clock_jump_forward_keeps_every_point_and_becomes_a_timer_stop(docs, fmt):
    data = docs[fmt]
    times = _point_times(fmt, data)
    k = len(times) // 3
    jumped = data
    for i in range(k, len(times)):  # the clock jumps 20 days forward at point k and stays there
        t = pd.Timestamp(_point_times(fmt, jumped)[i].group(1).decode()) + pd.Timedelta(days=20)
        jumped = _set_time(fmt, jumped, i, t)
    (run,), messages = read(fmt, jumped)
    (reference,), _ = read(fmt, data)
    assert len(run.samples) == len(reference.samples)
    assert (run.samples.index[-1] - run.samples.index[0]) < pd.Timedelta(days=1)
    assert len(run.meta.timer_intervals) > len(reference.meta.timer_intervals)
    assert summarize_run(run)["distance_m"] == pytest.approx(summarize_run(reference)["distance_m"], rel=0.01)


# --- placeholder positions -------------------------------------------------------------------------------


def _set_positions(data: bytes, rows: range, lat: float, lon: float) -> bytes:
    points = data.split(b"<trkpt ")
    for i in rows:
        new = f'lat="{lat}" lon="{lon}"'.encode()
        points[i + 1] = re.sub(rb'^lat="[^"]*" lon="[^"]*"', new, points[i + 1])
    return b"<trkpt ".join(points)


def _path_m(samples: pd.DataFrame) -> float:
    lat, lon = samples["latitude_deg"].to_numpy(), samples["longitude_deg"].to_numpy()
    ok = ~np.isnan(lat)
    return float(np.sum(haversine_m(lat[ok][:-1], lon[ok][:-1], lat[ok][1:], lon[ok][1:])))


def test_zero_zero_positions_at_the_start_are_missing_positions(docs):
    data = _set_positions(docs["gpx"], range(4), 0.0, 0.0)
    (run,), messages = read("gpx", data)
    (reference,), _ = read("gpx", docs["gpx"])
    s = run.samples
    assert len(s) == len(reference.samples)  # the samples are kept (heart rate, cadence, time)
    assert s["latitude_deg"].iloc[:4].isna().all() and s["heart_rate_bpm"].iloc[:4].notna().all()
    assert not ((s["latitude_deg"] == 0) & (s["longitude_deg"] == 0)).any()
    # without the fix the run was ~5,000 km long (0°, 0° to Europe)
    assert s["distance_m"].max() == pytest.approx(reference.samples["distance_m"].max(), rel=0.02)
    assert any("0°, 0°" in m for m in messages)


def test_positions_before_the_gps_fix_far_away_are_missing_positions(docs):
    data = _set_positions(docs["gpx"], range(6), 48.2, 16.37)  # the last fix of an earlier run, ~300 km away
    (run,), messages = read("gpx", data)
    (reference,), _ = read("gpx", docs["gpx"])
    s = run.samples
    assert len(s) == len(reference.samples)
    assert s["latitude_deg"].iloc[:6].isna().all() and s["latitude_deg"].iloc[6:].notna().all()
    assert _path_m(s) == pytest.approx(_path_m(reference.samples.iloc[6:]), rel=1e-9)
    assert any("before the GPS fix" in m for m in messages)


def test_a_long_gps_dropout_run_through_is_not_a_placeholder(docs):
    # 1.2 km without positions, covered at running speed: a real stretch, both sides kept
    points = docs["gpx"].split(b"<trkpt ")
    n = len(points) - 1
    (reference,), _ = read("gpx", docs["gpx"])
    d = reference.samples["distance_m"].to_numpy()
    gap = np.flatnonzero((d > d[n // 4]) & (d < d[n // 4] + 1200)) + 1
    kept = b"<trkpt ".join([p for i, p in enumerate(points) if i not in set(gap.tolist())])
    (run,), messages = read("gpx", kept)
    assert run.samples["latitude_deg"].notna().all()
    assert not any("GPS fix" in m or "0°, 0°" in m for m in messages)
