"""Fuzzing the FIT, GPX and TCX readers (issue 12): every input reads or raises a RunloadError, in bounded
time and memory, and every analysis of what it reads keeps its invariants.

The quick profile runs here (a few hundred mutated inputs per format, seeded from the simulator's files and
the shared data's small files); the long profile (≥ 100,000 inputs in worker processes) is
tests/promises/test_fuzz_long.py.  A failure prints its signature and the input's number: rebuild it with
``PYTHONPATH=tests .venv/bin/python -m promises.fuzzrun --only N --max-seed-bytes 25000 --write x.bin``.
"""

from __future__ import annotations

import os
import random
import struct
import warnings

import numpy as np
import pandas as pd
import pytest
from fit_bytes import crc16
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from promises.fuzzrun import KNOWN_DEFECTS, InputTimeout, bounded, check_input, load_seeds, run_one
from promises.mutate import Seed, fix_fit, mutate, swap_byte_order, walk_fit

from runload.errors import RunloadError
from runload.io.dispatch import read_bytes_runs
from runload.io.gpx import GPX_PARSERS, read_gpx_bytes
from runload.simulate import simulate_run
from runload.simulate_write import fit_bytes, gpx_bytes

#: Inputs per format in the quick profile (RUNLOAD_FUZZ_QUICK overrides).
QUICK_INPUTS = int(os.environ.get("RUNLOAD_FUZZ_QUICK", "150"))
QUICK_SEED_BYTES = 25_000


@pytest.fixture(scope="module")
def seeds() -> list[Seed]:
    return load_seeds(QUICK_SEED_BYTES)


def unknown_failures(records: list[dict]) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in records:
        if r["kind"] == "failed" and r["signature"] not in KNOWN_DEFECTS:
            out.setdefault(r["signature"], []).append({k: r[k] for k in ("i", "seed", "ops", "detail")})
    return out


@pytest.mark.parametrize("fmt", ["fit", "gpx", "tcx"])
def test_quick_mutation_profile(fmt, seeds):
    chosen = [s for s in seeds if s.fmt == fmt]
    assert len(chosen) >= 3, f"too few {fmt} seeds"
    records = [run_one(chosen, 12, i, seconds=20.0, memory_bytes=1 << 30) for i in range(QUICK_INPUTS)]
    kinds = {k: sum(r["kind"] == k for r in records) for k in ("read", "refused", "failed")}
    # the fuzzer reaches both sides: damaged inputs that still read, and refusals
    assert kinds["read"] >= QUICK_INPUTS // 10 and kinds["refused"] >= QUICK_INPUTS // 10, kinds
    assert not unknown_failures(records), unknown_failures(records)
    assert max(r["cpu_s"] for r in records) < 20.0  # CPU time: a busy shared machine must not fail it


# --- the helpers the fuzzer rests on ---------------------------------------------------------------


def test_fit_fixup_uses_the_sdk_crc(seeds):
    fit = next(s for s in seeds if s.fmt == "fit")
    broken = bytearray(fit.data)
    broken[-2:] = b"\x00\x00"
    fixed = fix_fit(bytes(broken))
    (size,) = struct.unpack_from("<I", fixed, 4)
    end = fixed[0] + size
    assert fixed == fit.data and struct.unpack_from("<H", fixed, end)[0] == crc16(fixed[:end])


def test_the_walker_follows_every_record_of_the_simulated_file(seeds):
    fit = next(s for s in seeds if s.fmt == "fit" and s.name.startswith("sim-"))
    hsize, end, recs = walk_fit(fit.data)
    assert recs[0].start == hsize and recs[-1].end == end  # no gap, nothing left over
    assert sum(r.kind == "data" and r.global_num == 20 for r in recs) >= 60  # a record a second


@pytest.mark.parametrize("decoder", ["columnar", "fitdecode", "fitparse"])
def test_both_byte_orders_read_the_same(decoder, seeds):
    # FIT protocol: a definition's architecture byte sets the byte order of its messages, so the same file
    # written big-endian says the same thing (independent truth: the protocol, not runload's decoder)
    fits = [s for s in seeds if s.fmt == "fit" and s.name.startswith("sim-")]
    fits += [s for s in seeds if s.fmt == "fit" and s.name.endswith(("activity.fit", "garmin-fenix-5-run.fit"))]
    assert len(fits) >= 5
    for seed in fits:
        big = swap_byte_order(seed.data)
        assert big != seed.data and walk_fit(big)[2][0].arch == 1 - walk_fit(seed.data)[2][0].arch
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = read_bytes_runs(seed.data, source_name=seed.name, decoder=decoder)
            b = read_bytes_runs(big, source_name=seed.name, decoder=decoder)
        assert len(a) == len(b) >= 1, seed.name
        for ra, rb in zip(a, b, strict=True):
            pd.testing.assert_frame_equal(ra.samples, rb.samples, obj=f"{seed.name} ({decoder})")


# --- regressions found by the fuzzer ---------------------------------------------------------------


@pytest.mark.parametrize("parser", GPX_PARSERS)
def test_a_time_offset_no_clock_has_is_an_unreadable_timestamp(parser):
    # campaign 12, input 33448: "+99:00" made gpxpy's datetime raise ValueError from utcoffset()
    data = gpx_bytes(simulate_run("easy", seed=3, duration_s=60))
    bad = data.replace(b"<time>2024-05-06T06:30:05Z</time>", b"<time>2024-05-06T06:30:05+99:00</time>")
    assert bad != data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (run,) = read_gpx_bytes(bad, source="t.gpx", parser=parser)
    assert len(run.samples) == 60  # 61 points, the one with the impossible offset dropped
    assert pd.Timestamp("2024-05-06T06:30:05Z") not in run.samples.index
    assert any("1 timestamps could not be parsed" in str(w.message) for w in caught)


# --- property-based: hypothesis drives the mutations and writes documents --------------------------

_FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _judged(data: bytes, name: str) -> None:
    try:
        with bounded(20.0):
            outcome = check_input(data, name)
    except InputTimeout:
        pytest.fail(f"{name}: more than 20 s")
    assert outcome.kind in ("read", "refused") or outcome.signature in KNOWN_DEFECTS, outcome


@_FUZZ
@given(st.integers(0, 2**32), st.sampled_from(["fit", "gpx", "tcx"]))
def test_hypothesis_mutation_chains(seeds, rng_seed, fmt):
    chosen = [s for s in seeds if s.fmt == fmt]
    rng = random.Random(rng_seed)
    seed = chosen[rng_seed % len(chosen)]
    data, _ = mutate(seed, rng, chosen)
    _judged(data, seed.name)


_NUMBER_TEXTS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", " ", "1e309", "-0", "0x10", "1,5", "NaN", "9" * 5000, "\u221e", "+-1"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="<&>\"]"), max_size=12),
)
_TIME_TEXTS = st.one_of(
    st.datetimes(min_value=pd.Timestamp("1600-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2300-01-01").to_pydatetime()).map(lambda d: d.isoformat() + "Z"),
    st.sampled_from(["", "0000-01-01T00:00:00Z", "2024-05-06T06:30:00+99:00", "2024-02-30T00:00:00Z", "T"]),
)


def _gpx(points: list[tuple[str, str, str, str, str]]) -> bytes:
    body = "".join(f'<trkpt lat="{lat}" lon="{lon}"><ele>{ele}</ele><time>{t}</time><extensions>'
                   f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr></gpxtpx:TrackPointExtension>"
                   "</extensions></trkpt>" for lat, lon, ele, t, hr in points)
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="h" '
            'xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2">'
            f"<trk><type>running</type><trkseg>{body}</trkseg></trk></gpx>").encode()


def _tcx(points: list[tuple[str, str, str, str, str]]) -> bytes:
    body = "".join(f"<Trackpoint><Time>{t}</Time><Position><LatitudeDegrees>{lat}</LatitudeDegrees>"
                   f"<LongitudeDegrees>{lon}</LongitudeDegrees></Position><AltitudeMeters>{ele}</AltitudeMeters>"
                   f"<DistanceMeters>{hr}</DistanceMeters><HeartRateBpm><Value>{hr}</Value></HeartRateBpm>"
                   "</Trackpoint>" for lat, lon, ele, t, hr in points)
    return ('<?xml version="1.0" encoding="UTF-8"?><TrainingCenterDatabase '
            'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
            '<Activity Sport="Running"><Id>2024-05-06T06:30:00Z</Id><Lap StartTime="2024-05-06T06:30:00Z">'
            f"<Track>{body}</Track></Lap></Activity></Activities></TrainingCenterDatabase>").encode()


def _plausible_points(n: int, start: int) -> list[tuple[str, str, str, str, str]]:
    t0 = pd.Timestamp("2024-05-06T06:30:00Z")
    return [(f"{47.37 + 2.7e-5 * k:.7f}", "8.5710000", "560.0",
             (t0 + pd.Timedelta(seconds=k)).strftime("%Y-%m-%dT%H:%M:%SZ"), str(start + 3 * k)) for k in range(n)]


@_FUZZ
@given(st.sampled_from(["gpx", "tcx"]), st.integers(2, 90),
       st.lists(st.tuples(st.integers(0, 89), st.integers(0, 4), st.one_of(_NUMBER_TEXTS, _TIME_TEXTS)),
                max_size=12))
def test_hypothesis_documents_with_absurd_texts(fmt, n, edits):
    # a plausible run whose values hypothesis replaces by absurd numbers and times, as text
    points = [list(p) for p in _plausible_points(n, 100)]
    for k, field, text in edits:
        points[k % n][field] = text
    data = (_gpx if fmt == "gpx" else _tcx)([tuple(p) for p in points])
    _judged(data, f"h.{fmt}")


def test_the_seeds_are_readable(seeds):
    # the fuzzer starts from files that read: a regression here would hollow out every profile above
    sims = [s for s in seeds if s.name.startswith("sim-")]
    assert len(sims) == 11
    for s in sims:
        assert check_input(s.data, s.name).kind == "read", s.name


def test_an_unreadable_input_is_refused_not_crashed():
    # the judge itself: a RunloadError is a refusal, anything else a failure with a signature
    assert check_input(b"", "x.fit").kind == "refused"
    fit = fit_bytes(simulate_run("easy", seed=1, duration_s=60))
    out = check_input(fit[:40], "x.fit")
    assert out.kind == "refused", out
    with pytest.raises(RunloadError):
        read_bytes_runs(np.zeros(100, dtype=np.uint8).tobytes(), source_name="x.fit")
