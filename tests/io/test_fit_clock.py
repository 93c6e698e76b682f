"""FIT reader on a broken clock: jumps and out-of-order timestamps in edited copies of real files.

Each test edits a copy of a corpus file in memory (never written into the project): the timestamps of
the messages after the middle record move by a clock jump, or one record's timestamp is made wrong, and
the file CRC is recomputed so that the copy is a valid FIT file.
"""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pytest
from fit_cache import use_decode_cache
from numpy.testing import assert_allclose

from runload.errors import RunloadWarning
from runload.io.fit import FIT_DECODERS, read_fit_bytes
from runload.simulate_write import fit_crc16
from runload.summary import summarize_run

# A Fenix 5X run (363 records, 1 km, timer start … stop_all, one lap) and a Fenix 3 run (2,162 records,
# 7.5 km): plain record headers (no compressed timestamps), so every record carries field 253.
SMALL = "roznet__connectstats/ConnectStatsTests/samples/fit_files/activity_2545022458.fit"
LONG = "MaksVasilev__fit2gpx/test/68MK1405.FIT"

_TIMESTAMP = 253  # FIT field number of `timestamp` in every message (uint32, s since 1989-12-31)
_START_TIME = {18: 2, 19: 2}  # session, lap: field 2 `start_time`
_LOCAL_TIMESTAMP = {34: 5}  # activity: field 5 `local_timestamp`
_RECORD = 20


def _messages(data: bytes):
    """(global message number, {field number: (byte offset, size)}) of every data message, in order."""
    header = data[0]
    end = header + struct.unpack_from("<I", data, 4)[0]
    defs: dict[int, tuple[int, bool, list]] = {}
    i = header
    out = []
    while i < end:
        h = data[i]
        i += 1
        if h & 0x80:
            raise AssertionError("compressed-timestamp headers: pick another file")
        local = h & 0x0F
        if h & 0x40:  # definition message
            big = data[i + 1] == 1
            glob = struct.unpack_from(">H" if big else "<H", data, i + 2)[0]
            n = data[i + 4]
            i += 5
            fields = [(data[i + 3 * k], data[i + 3 * k + 1]) for k in range(n)]
            i += 3 * n
            dev = 0
            if h & 0x20:
                nd = data[i]
                i += 1
                dev = sum(data[i + 3 * k + 1] for k in range(nd))
                i += 3 * nd
            defs[local] = (glob, big, fields, dev)
            continue
        glob, big, fields, dev = defs[local]
        where = {}
        for num, size in fields:
            where[num] = (i, size, big)
            i += size
        i += dev
        out.append((glob, where))
    return out


def _shift(data: bytearray, where: dict, field: int, delta_s: int, at_or_after: int | None = None) -> None:
    if field not in where:
        return
    offset, size, big = where[field]
    assert size == 4
    fmt = ">I" if big else "<I"
    value = struct.unpack_from(fmt, data, offset)[0]
    if value == 0xFFFFFFFF or (at_or_after is not None and value < at_or_after):
        return
    struct.pack_into(fmt, data, offset, value + delta_s)


def _with_crc(data: bytearray) -> bytes:
    struct.pack_into("<H", data, len(data) - 2, fit_crc16(bytes(data[:-2])))
    return bytes(data)


def clock_jump(original: bytes, delta_s: int) -> bytes:
    """The file as a watch whose clock jumped by ``delta_s`` after the middle record would write it.

    Every message after the middle record is stamped by the new clock; lap and session start times stay
    on the old clock when the lap or session started before the jump.
    """
    data = bytearray(original)
    msgs = _messages(original)
    records = [k for k, (glob, _) in enumerate(msgs) if glob == _RECORD]
    middle = records[len(records) // 2]
    jump_at = struct.unpack_from("<I", original, msgs[middle][1][_TIMESTAMP][0])[0]
    for glob, where in msgs[middle:]:
        _shift(data, where, _TIMESTAMP, delta_s)
        if glob in _START_TIME:
            _shift(data, where, _START_TIME[glob], delta_s, at_or_after=jump_at)
        if glob in _LOCAL_TIMESTAMP:
            _shift(data, where, _LOCAL_TIMESTAMP[glob], delta_s)
    return _with_crc(data)


def one_bad_timestamp(original: bytes, delta_s: int) -> bytes:
    """The file with the timestamp of the middle record moved by ``delta_s``."""
    data = bytearray(original)
    msgs = _messages(original)
    records = [where for glob, where in msgs if glob == _RECORD]
    _shift(data, records[len(records) // 2], _TIMESTAMP, delta_s)
    return _with_crc(data)


@pytest.fixture(autouse=True)
def _decode_once(monkeypatch):
    use_decode_cache(monkeypatch)


def _read(data: bytes, decoder: str = "fitdecode"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = read_fit_bytes(data, source="edited.fit", decoder=decoder)
    return runs, [str(w.message) for w in caught if issubclass(w.category, RunloadWarning)]


def test_editor_makes_valid_files_that_change_only_times(shared_data):
    original = (shared_data / SMALL).read_bytes()
    assert clock_jump(original, 0) == original  # a zero jump and the recomputed CRC give the file back
    edited = clock_jump(original, 20 * 86_400)
    assert len(edited) == len(original) and edited != original


@pytest.mark.parametrize("path", [SMALL, LONG])
@pytest.mark.parametrize("delta_s", [20 * 86_400 + 3 * 3600, -86_400], ids=["forward-20d", "backward-1d"])
def test_clock_jump_keeps_every_record_and_the_watch_totals(shared_data, path, delta_s):
    original = (shared_data / path).read_bytes()
    before, _ = _read(original)
    after, notes = _read(clock_jump(original, delta_s))
    b, a = before[0], after[0]
    assert len(a.samples) == len(b.samples)  # issue 8 defect 1: 102 of 567 records were kept
    assert a.samples.index.is_monotonic_increasing
    # elapsed time continues from the last good sample: the run lasts as long as before (±1 step)
    assert_allclose(a.samples["elapsed_s"].iloc[-1], b.samples["elapsed_s"].iloc[-1], atol=1.0)
    got, watch = summarize_run(a), a.meta.watch
    assert_allclose(got["distance_m"], watch.distance_m, rtol=0.005)
    assert_allclose(got["timer_s"], watch.timer_s, rtol=0.01)
    assert_allclose(got["avg_heart_rate_bpm"], summarize_run(b)["avg_heart_rate_bpm"], atol=0.5)
    way = "forward 20 d 3 h" if delta_s > 0 else "backward 1 d 0 h"
    jump_notes = [n for n in notes if "clock jumped" in n]
    assert len(jump_notes) == 1 and f"clock jumped {way}" in jump_notes[0]
    assert jump_notes == [w for w in a.meta.warnings if "clock jumped" in w]
    assert a.meta.start == b.meta.start


@pytest.mark.parametrize("delta_s", [-10 - 181, 30 * 86_400, -3], ids=["before-start", "plus-30d", "minus-3s"])
def test_one_bad_record_timestamp_affects_only_itself(shared_data, delta_s, decoder="fitdecode"):
    # issue 8 defect 2 (FIT part): one out-of-order record used to be sorted away from its neighbours
    original = (shared_data / SMALL).read_bytes()
    b = _read(original)[0][0]
    a, notes = _read(one_bad_timestamp(original, delta_s))
    a = a[0]
    assert len(a.samples) == len(b.samples)
    assert a.samples.index.is_monotonic_increasing
    moved = np.flatnonzero(a.samples.index != b.samples.index)
    assert len(moved) <= 1  # only the bad record's own time changes
    assert_allclose(a.samples["distance_m"].to_numpy(), b.samples["distance_m"].to_numpy())
    assert summarize_run(a)["distance_m"] == summarize_run(b)["distance_m"]
    assert any("out-of-order timestamps" in n for n in notes)


@pytest.mark.parametrize("decoder", FIT_DECODERS)
def test_decoders_agree_on_the_repaired_file(shared_data, decoder):
    edited = clock_jump((shared_data / SMALL).read_bytes(), 20 * 86_400)
    runs, _ = _read(edited, decoder)
    ref, _ = _read(edited, "fitdecode")
    assert runs[0].samples.index.equals(ref[0].samples.index)
    assert runs[0].meta.timer_intervals == ref[0].meta.timer_intervals


def shuffled_timestamps(original: bytes, n: int, seed: int) -> bytes:
    """The file with the timestamps of ``n`` random records permuted among themselves (mutation fuzzing)."""
    data = bytearray(original)
    records = [where for glob, where in _messages(original) if glob == _RECORD]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(records), n, replace=False)
    slots = [records[k][_TIMESTAMP] for k in chosen]
    values = [struct.unpack_from("<I", original, off)[0] for off, _, _ in slots]
    for (off, _, _), value in zip(slots, rng.permutation(values), strict=True):
        struct.pack_into("<I", data, off, int(value))
    return _with_crc(data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_record_timestamps_keep_distance_and_records(shared_data, seed):
    original = (shared_data / SMALL).read_bytes()
    b = _read(original)[0][0]
    a = _read(shuffled_timestamps(original, 6, seed))[0][0]
    assert len(a.samples) == len(b.samples) and a.samples.index.is_monotonic_increasing
    assert_allclose(a.samples["distance_m"].to_numpy(), b.samples["distance_m"].to_numpy())
    got, want = summarize_run(a), summarize_run(b)
    assert got["distance_m"] == want["distance_m"] and got["avg_speed_mps"] > 0
    assert_allclose(got["timer_s"], want["timer_s"], atol=2.0)
