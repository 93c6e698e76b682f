"""runload.io.limits: how many runs one file may hold (issue 12's fuzzing found the unbounded case)."""

from __future__ import annotations

import re
import time

import pytest
from multirun_files import three_run_tcx

import runload.io.limits as limits
from runload.errors import TooManyRunsError
from runload.io import read_runs
from runload.io.fit import FIT_DECODERS
from runload.simulate import simulate_run
from runload.simulate_write import fit_bytes, gpx_bytes

_TRACK = ('<trk><name>t{i}</name><trkseg><trkpt lat="47.0" lon="8.5"><time>2026-05-0{d}T07:00:{s:02d}Z</time>'
          '</trkpt><trkpt lat="47.0001" lon="8.5"><time>2026-05-0{d}T07:00:{t:02d}Z</time></trkpt></trkseg></trk>')


def _tracks_gpx(n: int) -> bytes:
    body = "".join(_TRACK.format(i=i, d=1 + i % 9, s=i % 50, t=i % 50 + 5) for i in range(n))
    return (f'<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
            f'xmlns="http://www.topografix.com/GPX/1/1">{body}</gpx>').encode()


def test_a_gpx_of_thousands_of_tiny_tracks_is_refused_in_bounded_time(tmp_path):
    # The fuzz input: 5,001 two-point tracks in 1.7 MB read for 11 s of CPU (2.3 ms a track); twice as many
    # would have broken the 20 s bound.  Now refused once the 1,000th run is built, with the reason.
    path = tmp_path / "tracks.gpx"
    path.write_bytes(_tracks_gpx(5001))
    t0 = time.process_time()
    with pytest.raises(TooManyRunsError, match=r"more than 1,000 running tracks in one file"):
        read_runs(path)
    assert time.process_time() - t0 < 10.0  # ~3 s here: at most 1,000 runs are built


def test_up_to_the_limit_every_run_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RUNS_PER_FILE", 3)
    path = tmp_path / "three.gpx"
    path.write_bytes(_tracks_gpx(3))
    assert [r.meta.name for r in read_runs(path)] == ["t0", "t1", "t2"]
    path.write_bytes(_tracks_gpx(4))
    with pytest.raises(TooManyRunsError, match="more than 3 running tracks"):
        read_runs(path)


def test_tcx_activities_count_too(tmp_path, monkeypatch):
    path = three_run_tcx(tmp_path / "three.tcx")
    assert len(read_runs(path)) == 3
    monkeypatch.setattr(limits, "MAX_RUNS_PER_FILE", 2)
    with pytest.raises(TooManyRunsError, match="more than 2 running activities"):
        read_runs(path)


@pytest.mark.parametrize("decoder", FIT_DECODERS)
def test_fit_sessions_count_too(tmp_path, monkeypatch, decoder):
    path = tmp_path / "easy.fit"
    path.write_bytes(fit_bytes(simulate_run("easy", seed=1, duration_s=300)))
    assert len(read_runs(path, decoder=decoder)) == 1
    monkeypatch.setattr(limits, "MAX_RUNS_PER_FILE", 0)
    with pytest.raises(TooManyRunsError, match="more than 0 running sessions"):
        read_runs(path, decoder=decoder)


def test_the_limit_is_far_above_real_files(tmp_path):
    # A multi-track GPX written like a watch's (one track per activity, here three) reads every track.
    texts = [gpx_bytes(simulate_run("easy", seed=s, duration_s=300)).decode() for s in (1, 2, 3)]
    tracks = [re.search(r"<trk>.*?</trk>", t, re.S).group(0) for t in texts]
    head, tail = texts[0].split(tracks[0])
    path = tmp_path / "three.gpx"
    path.write_text(head + "".join(tracks) + tail, encoding="utf-8")
    assert len(read_runs(path)) == 3 <= limits.MAX_RUNS_PER_FILE
