"""The columnar FIT decoder gives what fitdecode gives: on every FIT file of the corpus, on files written
byte by byte (big-endian definitions, compressed timestamps, developer fields, re-definitions, chained
files), on hypothesis-generated files cut at any byte; and it hands over to fitdecode when it cannot."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
from conftest import catalog_entries, entry_path, shared_params
from fit_agreement import assert_same_decode, assert_same_read
from fit_bytes import FitWriter
from fit_cache import decode_cached, use_decode_cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runload.errors import RunloadError
from runload.io import fit_columns
from runload.io.fit import read_fit_bytes
from runload.io.fit_columnar import READER_MESSAGES, decode_columnar, decode_columnar_all
from runload.io.fit_decode import DECODERS, DEFAULT_FIT_DECODER, decode_fitdecode

FIT_FILES = catalog_entries(format="fit")

#: Corpus files the fast path hands to fitdecode (damaged files, and ``hr`` messages when every message
#: is decoded); every other file must be decoded by the columnar decoder itself.
DAMAGED = {"activity-unexpected-eof.fit", "activity-filecrc.fit", "activity-settings-nodata.fit",
           "activity-settings-corruptheader.fit", "activity-activity-filecrc.fit", "nick.fit",
           "strava-android-app-201.10-b1218918.fit"}
HR_MESSAGES = {"HrmPluginTestActivity.fit", "sample_mulitple_header.fit", "event_timestamp.fit",
               "garmin-fr935-cr.fit"}


@pytest.fixture(autouse=True)
def _decode_once(monkeypatch):
    use_decode_cache(monkeypatch)


def _name(entry) -> str:
    return entry["path"].rsplit("/", 1)[-1]


@pytest.mark.parametrize("entry", shared_params(FIT_FILES))
def test_corpus_decode_agrees_with_fitdecode(entry):
    data = entry_path(entry).read_bytes()
    ref = decode_cached("fitdecode", data)
    fast = decode_columnar(data)
    full = decode_columnar_all(data)
    if _name(entry) in DAMAGED:
        assert fast.decoder == full.decoder == "fitdecode" and "declined" in fast.fallback
    else:
        assert fast.decoder == "columnar" and fast.fallback is None, fast.fallback
        assert full.decoder == ("fitdecode" if _name(entry) in HR_MESSAGES else "columnar")
    assert_same_decode(fast, ref, only=READER_MESSAGES)
    assert_same_decode(full, ref)


def _read(data: bytes, source: str, decoder: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = read_fit_bytes(data, source=source, decoder=decoder, include_non_running=True)
        except RunloadError as exc:
            out = exc
    return out, caught


@pytest.mark.parametrize("entry", shared_params(FIT_FILES))
def test_corpus_read_agrees_with_fitdecode(entry):
    path = entry_path(entry)
    data = path.read_bytes()
    fast, fast_w = _read(data, str(path), "columnar")
    ref, ref_w = _read(data, str(path), "fitdecode")
    assert_same_read(fast, ref, fast_w, ref_w)
    if not isinstance(fast, Exception):
        want = "fitdecode" if _name(entry) in DAMAGED else "columnar"
        assert {r.meta.decoder for r in fast} == {want}


def test_the_default_decoder_is_the_columnar_one():
    assert DEFAULT_FIT_DECODER == "columnar" and DECODERS[DEFAULT_FIT_DECODER] is not None


def test_sentinels_are_fitdecodes():
    from fitdecode.types import BASE_TYPES

    for ident, (code, sentinel) in fit_columns._NUMPY.items():
        base = BASE_TYPES[ident]
        assert np.dtype(code).itemsize == base.size
        if sentinel is None:
            assert base.parse(float("nan")) is None and base.parse(1.5) == 1.5
        else:
            assert base.parse(sentinel) is None
            assert base.parse(sentinel - 1 if sentinel else 1) is not None


# --- hand-over to fitdecode -----------------------------------------------------------------------


def _small_run(**kw) -> bytes:
    w = FitWriter()
    _file_id(w)
    w.define(1, 20, [(253, "uint32", 1), (5, "uint32", 1), (3, "uint8", 1)], **kw)
    for i in range(10):
        w.data(1, [1_000_000_000 + i, 300 * i, 140])
    return w.bytes()


def _file_id(w: FitWriter) -> None:
    w.define(0, 0, [(0, "enum", 1), (1, "uint16", 1), (4, "uint32", 1)])
    w.data(0, [4, 1, 1_000_000_000])


def test_a_failure_inside_the_fast_path_hands_the_whole_file_to_fitdecode(monkeypatch, caplog):
    def broken(self):
        raise ValueError("boom")

    monkeypatch.setattr(fit_columns.RecordColumns, "build", broken)
    data = _small_run()
    result = decode_columnar(data)
    assert result.decoder == "fitdecode" and "ValueError: boom" in result.fallback
    assert_same_decode(result, decode_fitdecode(data))
    with caplog.at_level(logging.DEBUG, logger="runload.io.fit"), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        run, = read_fit_bytes(data, source="x.fit", decoder="columnar")
    assert run.meta.decoder == "fitdecode"
    assert not [w for w in seen if "declined" in str(w.message) or "boom" in str(w.message)]  # no user warning
    assert any("declined" in r.getMessage() and r.levelno == logging.DEBUG for r in caplog.records)


def test_a_damaged_file_is_read_as_fitdecode_reads_it():
    data = _small_run()
    cut = data[:-7]
    assert decode_columnar(cut).decoder == "fitdecode"
    assert_same_read(*_pair(cut))
    flipped = bytearray(data)
    flipped[40] ^= 0x10
    assert_same_read(*_pair(bytes(flipped)))


def _pair(data: bytes):
    fast, fast_w = _read(data, "x.fit", "columnar")
    ref, ref_w = _read(data, "x.fit", "fitdecode")
    return fast, ref, fast_w, ref_w


# --- files written byte by byte -------------------------------------------------------------------

_RECORD = [(253, "uint32", 1), (0, "sint32", 1), (1, "sint32", 1), (5, "uint32", 1), (6, "uint16", 1),
           (2, "uint16", 1), (3, "uint8", 1), (4, "uint8", 1), (53, "uint8", 1), (42, "enum", 1),
           (41, "uint16", 1), (7, "uint16", 1)]
_COMPRESSED = [(0, "sint32", 1), (1, "sint32", 1), (8, "byte", 3), (3, "uint8", 1), (73, "uint32", 1)]

value_of = {
    "uint32": st.integers(0, 0xFFFFFFFE), "sint32": st.integers(-(2**31), 2**31 - 2),
    "uint16": st.integers(0, 0xFFFE), "uint8": st.integers(0, 0xFE), "enum": st.integers(0, 0xFE),
    "byte": st.integers(0, 0xFF),
}


def _maybe(base):
    return st.one_of(st.none(), value_of[base])


@st.composite
def fit_files(draw) -> bytes:
    """A FIT activity: file_id, developer descriptions, records (normal and compressed-timestamp
    headers, both byte orders, identical re-definitions, developer fields, invalid values), events,
    a session; sometimes chained with a second file."""
    parts = []
    for _ in range(draw(st.integers(1, 2))):
        w = FitWriter()
        _file_id(w)
        dev = draw(st.booleans())
        if dev:
            w.define(2, 207, [(3, "uint8", 1), (1, "byte", 16)])
            w.data(2, [0, list(range(16))])
            w.define(2, 206, [(0, "uint8", 1), (1, "uint8", 1), (2, "uint8", 1), (3, "string", 8),
                              (8, "string", 8), (15, "uint8", 1)])
            w.data(2, [0, 0, 0x84, "Power", "Watts", 7])
            w.data(2, [0, 1, 0x02, "Flag", None, None])
        t = draw(st.integers(0x10000000, 0x40000000))
        w.define(3, 21, [(253, "uint32", 1), (0, "enum", 1), (1, "enum", 1)])
        w.data(3, [t, 0, 0])
        big = draw(st.booleans())
        dev_fields = [(0, 2, 0, "uint16"), (1, 1, 0, "uint8")] if dev else []
        w.define(1, 20, _RECORD, big_endian=big, dev_fields=dev_fields)
        w.define(0, 20, _COMPRESSED, big_endian=draw(st.booleans()))
        for _ in range(draw(st.integers(2, 25))):
            step = draw(st.integers(0, 40))
            t += step
            if step < 31 and draw(st.booleans()):
                values = [draw(_maybe(b)) if b != "byte" else [draw(value_of["byte"]) for _ in range(3)]
                          for _, b, _ in _COMPRESSED]
                w.data(0, values, time_offset=t & 0x1F)
                continue
            if draw(st.integers(0, 9)) == 0:  # an identical re-definition
                w.define(1, 20, _RECORD, big_endian=big, dev_fields=dev_fields)
            values = [t if n == 253 and draw(st.integers(0, 9)) else draw(_maybe(b)) for n, b, _ in _RECORD]
            values += [draw(_maybe("uint16")), draw(_maybe("uint8"))] if dev else []
            w.data(1, values)
        w.data(3, [t, 0, 4])
        w.define(4, 18, [(253, "uint32", 1), (2, "uint32", 1), (5, "enum", 1), (7, "uint32", 1),
                         (9, "uint32", 1)])
        w.data(4, [t, t - 100, 1, 100_000, 50_000])
        parts.append(w.bytes())
    return b"".join(parts)


_HYPO = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_HYPO
@given(data=fit_files())
def test_written_files_decode_as_with_fitdecode(data):
    fast = decode_columnar_all(data)
    assert fast.decoder == "columnar", fast.fallback
    assert_same_decode(fast, decode_fitdecode(data))


@_HYPO
@given(data=fit_files(), cut=st.floats(0, 1))
def test_files_cut_at_any_byte_read_as_with_fitdecode(data, cut):
    cut_data = data[: int(len(data) * cut)]
    assert_same_decode(decode_columnar_all(cut_data), decode_fitdecode(cut_data))
    assert_same_read(*_pair(cut_data))


def test_written_file_uses_every_construct():
    """The generator's constructs, once by hand: big-endian, compressed headers, developer fields."""
    w = FitWriter()
    _file_id(w)
    w.define(2, 207, [(3, "uint8", 1), (1, "byte", 16)])
    w.data(2, [0, list(range(16))])
    w.define(2, 206, [(0, "uint8", 1), (1, "uint8", 1), (2, "uint8", 1), (3, "string", 8),
                      (8, "string", 8), (15, "uint8", 1)])
    w.data(2, [0, 0, 0x84, "Power", "Watts", 7])
    w.define(1, 20, _RECORD, big_endian=True, dev_fields=[(0, 2, 0, "uint16")])
    w.define(0, 20, _COMPRESSED)
    t = 1_000_000_000
    for i in range(40):
        if i % 3:
            w.data(0, [None, None, [i, 0x10, i], 150, 3000], time_offset=(t + i) & 0x1F)
        else:
            w.data(1, [t + i, 10, 20, 100 * i, 3000, 2600, 150, 85, 64, 1, 2500, None, 250])
    data = w.bytes()
    fast = decode_columnar_all(data)
    assert fast.decoder == "columnar"
    ref = decode_fitdecode(data)
    assert_same_decode(fast, ref)
    rec = fast.records
    assert (rec.timestamp_s == t + np.arange(40)).all()  # compressed headers continue the clock
    assert np.isfinite(rec.columns["distance"]).all()  # accumulated from compressed_speed_distance
    present, power = rec.developer[(0, "Power", "Watts")]
    assert present[::3].all() and (power[::3] == 250).all()


def test_a_developer_field_described_again_names_the_later_records():
    """fitdecode binds a definition to the description current when it is read: an identical definition
    after a new description must not reuse the earlier one (the columnar decoder caches definitions)."""
    w = FitWriter()
    _file_id(w)
    w.define(2, 207, [(3, "uint8", 1)])
    w.data(2, [0])
    describe = [(0, "uint8", 1), (1, "uint8", 1), (2, "uint8", 1), (3, "string", 8), (8, "string", 8)]
    record = [(253, "uint32", 1), (5, "uint32", 1)]
    for k, name in enumerate(["Power", "Force"]):
        w.define(2, 206, describe)
        w.data(2, [0, 0, 0x84, name, "W"])
        w.define(1, 20, record, dev_fields=[(0, 2, 0, "uint16")])
        for i in range(3):
            w.data(1, [1_000_000_000 + 3 * k + i, 100 * i, 200 + k])
    data = w.bytes()
    fast = decode_columnar_all(data)
    assert fast.decoder == "columnar"
    assert_same_decode(fast, decode_fitdecode(data))
    assert list(fast.records.developer) == [(0, "Power", "W"), (0, "Force", "W")]
