"""GPX/TCX documents real exporters get wrong: whitespace or a BOM before ``<?xml``, undeclared namespace
prefixes, absurd timestamps and values, pathological nesting (issue 8, defects 5, 7 and 11)."""

from __future__ import annotations

import gzip
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from xml_docs import READERS, read_doc, simulated_docs

from runload.errors import CorruptFileError, RunloadWarning
from runload.io import read_run, read_runs
from runload.io.sniff import sniff_format


@pytest.fixture(scope="module")
def docs():
    return simulated_docs(seed=3)


@pytest.fixture(scope="module")
def refs(docs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        return {fmt: READERS[fmt](data, source="reference")[0] for fmt, data in docs.items()}


read = read_doc
BOM = b"\xef\xbb\xbf"


def line_number(data: bytes, needle: bytes) -> int:
    return data[:data.index(needle)].count(b"\n") + 1


# --- defect 5: whitespace / byte order mark before the XML declaration ------------------------------------


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
@pytest.mark.parametrize(("prefix", "gz"), [(b"\r\n", False), (b"  \n\t", True), (BOM + b"\n  ", False),
                                           (BOM + b"\n", True)],
                         ids=["crlf", "blanks-gz", "bom+ws", "bom+ws-gz"])
def test_whitespace_or_bom_before_declaration_is_read(tmp_path, docs, refs, fmt, prefix, gz):
    data = prefix + docs[fmt]
    assert sniff_format(data, f"run.{fmt}") == fmt
    path = tmp_path / (f"run.{fmt}.gz" if gz else f"run.{fmt}")
    path.write_bytes(gzip.compress(data) if gz else data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        run = read_run(path)
    pd.testing.assert_frame_equal(run.samples, refs[fmt].samples)


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_broken_xml_after_leading_blank_lines_names_the_line_in_the_file(docs, fmt):
    data = b"\n\n\n" + docs[fmt]
    cut = data.index(b"<time>" if fmt == "gpx" else b"<Time>", len(data) // 2)
    broken = data[:cut] + b"<oops>" + data[cut:]
    line = line_number(broken, b"<oops>")
    with pytest.raises(CorruptFileError, match=rf"test\.{fmt}: broken XML at line {line},"):
        read(fmt, broken)


# --- defect 11: undeclared namespace prefixes ----------------------------------------------------------


def test_gpx_with_undeclared_gpxdata_prefix_is_read_with_its_heart_rate(docs, refs):
    # Cluetrust "gpxdata:" extensions written without declaring xmlns:gpxdata
    data = (docs["gpx"].replace(b"<gpxtpx:hr>", b"<gpxdata:hr>").replace(b"</gpxtpx:hr>", b"</gpxdata:hr>")
            .replace(b' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"', b"")
            .replace(b"gpxtpx:", b"gpxdata:"))
    assert b"xmlns:gpxdata" not in data and b"<gpxdata:hr>" in data
    (run,), messages = read("gpx", data)
    np.testing.assert_array_equal(run.samples["heart_rate_bpm"], refs["gpx"].samples["heart_rate_bpm"])
    np.testing.assert_array_equal(run.samples["cadence_spm"], refs["gpx"].samples["cadence_spm"])
    assert any("gpxdata" in m and "without a declaration" in m for m in messages)


def test_tcx_with_undeclared_extension_prefix_is_read(docs, refs):
    data = docs["tcx"].replace(b' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"', b"")
    assert b"xmlns:ns3" not in data
    (run,), messages = read("tcx", data)
    np.testing.assert_array_equal(run.samples["speed_mps"], refs["tcx"].samples["speed_mps"])
    assert any("ns3" in m for m in messages)


def test_declared_prefixes_are_not_touched(docs):
    _, messages = read("gpx", docs["gpx"])
    assert not any("without a declaration" in m for m in messages)


# --- defect 7: absurd timestamps, pathological nesting ---------------------------------------------------


def _retime(fmt: str, data: bytes, which: list[int], text: bytes) -> bytes:
    tag = (b"<time>", b"</time>") if fmt == "gpx" else (b"<Time>", b"</Time>")
    parts = data.split(tag[0])
    for i in which:  # parts[0] is before the first time element (GPX: <metadata><time> is parts[1])
        k = i + 1 + (1 if fmt == "gpx" else 0)
        parts[k] = text + parts[k][parts[k].index(tag[1]):]
    return tag[0].join(parts)


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
@pytest.mark.parametrize("text", [b"0000-01-01T00:00:00Z", b"-0001-06-01T00:00:00Z", b"1677-01-01T00:00:00Z",
                                  b"99999-01-01T00:00:00Z", b"2024-13-45T99:00:00Z", b"1e308"])
def test_one_absurd_timestamp_drops_that_point_and_names_its_line(docs, refs, fmt, text):
    data = _retime(fmt, docs[fmt], [100], text)
    (run,), messages = read(fmt, data)
    reference = refs[fmt]
    assert len(run.samples) == len(reference.samples) - 1
    line = line_number(data, text)
    assert any(f"line {line}" in m and text.decode() in m for m in messages), messages
    assert run.samples.index.min() >= reference.samples.index.min()


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_only_year_zero_timestamps_is_a_corrupt_file_naming_the_line(docs, fmt):
    n = docs[fmt].count(b"<trkpt" if fmt == "gpx" else b"<Trackpoint>")
    data = _retime(fmt, docs[fmt], list(range(n)), b"0000-01-01T00:00:00Z")
    line = line_number(data, b"0000-01-01T00:00:00Z")
    with pytest.raises(CorruptFileError, match=rf"test\.{fmt}: .*line {line}, '0000-01-01T00:00:00Z'"):
        read(fmt, data)


def _deep(depth: int) -> bytes:
    return b"<extensions>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</extensions>"


@pytest.mark.parametrize("depth", [1000, 5000])
def test_deep_nesting_with_a_value_gpxpy_rejects_is_a_corrupt_file_naming_the_line(docs, depth):
    body = docs["gpx"].split(b"<trkpt ", 3)
    point = re.sub(rb"<ele>[^<]*</ele>", b"<ele>n/a</ele>", body[3], count=1)  # gpxpy rejects it
    point = point.replace(b"<extensions>", _deep(depth)[:-len(b"</extensions>")], 1)
    data = b"<trkpt ".join(body[:3] + [point])
    assert b"<ele>n/a</ele>" in data
    line = line_number(data, b"<a>")
    pattern = rf"test\.gpx: elements nested more than \d+ deep at line {line}\b"
    with pytest.raises(CorruptFileError, match=pattern):
        read("gpx", data)


def test_deep_nesting_in_tcx_is_a_corrupt_file(docs):
    data = docs["tcx"].replace(b"<Extensions>", _deep(2000).replace(b"extensions", b"X") + b"<Extensions>", 1)
    with pytest.raises(CorruptFileError, match=r"test\.tcx: elements nested more than \d+ deep at line \d+"):
        read("tcx", data)


# --- absurd values as text ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity", "1e400", "-1e999"])
def test_non_finite_numbers_in_gpx_become_missing_with_a_warning(docs, text):
    data = docs["gpx"]
    head, rest = data.split(b"<trkpt ", 1)
    first, tail = rest.split(b"</trkpt>", 1)
    t = text.encode()
    first = (b'lat="' + t + b'" lon="' + t + b'"' + first[first.index(b">"):]).replace(
        first[first.index(b"<ele>"):first.index(b"</ele>")], b"<ele>" + t, 1)
    first = first[:first.index(b"<gpxtpx:hr>") + 11] + t + first[first.index(b"</gpxtpx:hr>"):]
    (run,), messages = read("gpx", head + b"<trkpt " + first + b"</trkpt>" + tail)
    s = run.samples
    columns = ["latitude_deg", "longitude_deg", "altitude_m", "heart_rate_bpm"]
    assert np.isnan(s[columns].iloc[0]).all()
    assert np.isfinite(s[columns].iloc[1:]).all().all()
    for column in ("latitude_deg", "altitude_m", "heart_rate_bpm"):
        assert any(column in m and "not numbers" in m for m in messages)


@pytest.mark.parametrize("text", ["NaN", "inf", "1e400", "1e300", "-5e307"])
def test_absurd_numbers_in_tcx_read_cleanly(docs, text):
    t = text.encode()
    data = docs["tcx"]
    first_point = data.index(b"<Trackpoint>")
    for tag in (b"LatitudeDegrees", b"AltitudeMeters", b"Value"):
        start = data.index(b"<" + tag + b">", first_point) + len(tag) + 2
        data = data[:start] + t + data[data.index(b"</" + tag + b">", start):]
    (run,), _ = read("tcx", data)
    s = run.samples
    assert np.isnan(s["latitude_deg"].iloc[0]) and np.isnan(s["longitude_deg"].iloc[0])  # no half positions
    assert np.isfinite(s["latitude_deg"].iloc[1:]).all()
    finite = np.isfinite(float(text))
    assert np.isnan(s["altitude_m"].iloc[0]) != finite and np.isnan(s["heart_rate_bpm"].iloc[0]) != finite


def test_absurd_file_through_read_runs(tmp_path, docs):
    path = tmp_path / "bad.gpx"
    n = docs["gpx"].count(b"<trkpt")
    path.write_bytes(b"\n" + _retime("gpx", docs["gpx"], list(range(n)), b"0000-01-01T00:00:00Z"))
    with pytest.raises(CorruptFileError, match="bad.gpx"):
        read_runs(path)
