"""The fast GPX point read (runload/io/gpx_points.py) gives what the whole-tree read gives.

The reference is the fast GPX parser reading every point from the full ElementTree (runload/io/gpx_fast.py,
itself compared with gpxpy by test_gpx_parsers.py, which now runs the cut too): each document is read both
ways and the runs, metadata and warnings — or the error — must be the same.  The documents are the corpus
GPX files, the simulator's, edits at the edge of what the cut accepts, and random edits (hypothesis).
"""

from __future__ import annotations

import re
import warnings

import cut_reads
import pytest
from conftest import require_shared_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xml_pins import documents

from runload.errors import RunloadWarning
from runload.io.gpx import read_gpx_bytes
from runload.io.gpx_points import SEGMENT_BODY, read_gpx_xml
from runload.io.xmlsafe import MAX_XML_DEPTH
from runload.simulate import simulate_run
from runload.simulate_write import gpx_bytes

TPX2 = b"http://www.garmin.com/xmlschemas/TrackPointExtension/v2"


# the GPX reader read with its cut and from the whole tree (the reader calls read_gpx_xml to parse)
READS = cut_reads.CutReads(read_gpx_bytes, read_gpx_xml, "runload.io.gpx.read_gpx_xml", "test.gpx")
both_ways, n_cut = READS.both_ways, READS.n_cut


def _base() -> bytes:
    """A 90-s simulated run (hr and cad) in two segments."""
    data = gpx_bytes(simulate_run("easy", duration_s=90, seed=3))
    return data.replace(b"</trkpt>\n", b"</trkpt>\n</trkseg><trkseg>\n", 1)


BASE = _base()


def _point(i: int, body: bytes, attrs: bytes = b' lat="47.3746" lon="8.5711"') -> bytes:
    """BASE with the ``i``-th point's attributes and content replaced."""
    parts = BASE.split(b"<trkpt")
    rest = parts[i + 1]
    parts[i + 1] = attrs + b">" + body + rest[rest.index(b"</trkpt>"):]
    return b"<trkpt".join(parts)


_T = b"<time>2024-05-06T06:30:05Z</time>"


def _deeper(levels: int) -> bytes:
    """BASE with the segments ``levels`` elements deeper inside their track (no longer its points)."""
    first, last = BASE.index(b"<trkseg>"), BASE.rindex(b"</trkseg>") + len(b"</trkseg>")
    return (BASE[:first] + b"<extensions>" + b"<a>" * levels + BASE[first:last] + b"</a>" * levels
            + b"</extensions>" + BASE[last:])


def _tpx(inner: bytes) -> bytes:
    return b"<extensions><gpxtpx:TrackPointExtension>" + inner + b"</gpxtpx:TrackPointExtension></extensions>"


# name → (document, whether the fast read cuts every <trkseg> of it)
EDITS = {
    "base": (BASE, True),
    "lon before lat": (_point(3, _T, b' lon="8.5711" lat="47.3746"'), True),
    "single quotes": (_point(4, _T, b" lat='47.3746' lon=\"8.5711\""), True),
    "blanks in the start tag": (_point(4, _T, b'\n  lat="47.3746"\tlon="8.5711" '), True),
    "time only": (_point(5, _T), True),
    "no children": (_point(5, b""), True),
    "empty values": (_point(6, b"<ele></ele>" + _T + _tpx(b"<gpxtpx:hr></gpxtpx:hr>")), True),
    "empty latitude": (_point(6, _T, b' lat="" lon="8.5"'), True),
    "bad values": (_point(7, b"<ele>north</ele>" + _T + _tpx(b"<gpxtpx:hr>0x1F</gpxtpx:hr><gpxtpx:cad>inf</gpxtpx:cad>"),
                          b' lat="1e999" lon="x"'), True),
    "every extension field": (_point(8, _T + _tpx(
        b"<gpxtpx:atemp>21</gpxtpx:atemp><gpxtpx:wtemp>9</gpxtpx:wtemp><gpxtpx:depth>1</gpxtpx:depth>"
        b"<gpxtpx:hr>150</gpxtpx:hr><gpxtpx:cad>88</gpxtpx:cad><gpxtpx:speed>3.1</gpxtpx:speed>"
        b"<gpxtpx:course>90</gpxtpx:course><gpxtpx:bearing>80</gpxtpx:bearing>")), True),
    "water temperature only": (_point(9, _T + _tpx(b"<gpxtpx:wtemp>9</gpxtpx:wtemp>")), True),
    "empty air temperature": (_point(9, _T + _tpx(b"<gpxtpx:atemp></gpxtpx:atemp><gpxtpx:wtemp>9</gpxtpx:wtemp>")),
                              True),
    "empty extensions": (_point(10, _T + b"<extensions></extensions>"), True),
    "unprefixed extension": (_point(10, _T + b"<extensions><TrackPointExtension><hr>99</hr></TrackPointExtension>"
                                          b"</extensions>"), True),
    "bad time": (_point(11, b"<time>2024-02-30T00:00:00Z</time>"), True),
    "text between points": (BASE.replace(b"</trkpt>\n", b"</trkpt>tail>x\n", 3), True),
    "crlf": (BASE.replace(b"\n", b"\r\n"), True),
    "pretty printed": (BASE.replace(b"><", b">\n    <"), True),
    "no declaration": (BASE[BASE.index(b"?>") + 2:].lstrip(), True),
    "prefix declared on the track": (BASE.replace(b' xmlns:gpxtpx="' + TPX2 + b'"', b"").replace(
        b"<trk>", b'<trk xmlns:gpxtpx="' + TPX2 + b'">'), True),
    "no namespace": (BASE.replace(b' xmlns="http://www.topografix.com/GPX/1/1"', b""), True),
    # not cut: the tree reads these segments (or the whole document)
    "time before ele": (_point(3, _T + b"<ele>5</ele>"), False),
    "two elevations": (_point(3, b"<ele>1</ele><ele>2</ele>" + _T), False),
    "hr twice": (_point(3, _T + _tpx(b"<gpxtpx:hr>1</gpxtpx:hr><gpxtpx:hr>2</gpxtpx:hr>")), False),
    "cad before hr": (_point(3, _T + _tpx(b"<gpxtpx:cad>1</gpxtpx:cad><gpxtpx:hr>2</gpxtpx:hr>")), False),
    "values in another prefix": (_point(3, _T + b"<extensions><gpxtpx:TrackPointExtension><hr>1</hr>"
                                              b"</gpxtpx:TrackPointExtension></extensions>"), False),
    "lat twice": (_point(3, _T, b' lat="1" lat="2"'), False),
    "another extension": (_point(3, _T + b"<extensions><power>250</power></extensions>"), False),
    "blank around a value": (_point(3, b"<time> 2024-05-06T06:30:03Z </time>"), False),
    "self-closing value": (_point(3, _T + b"<ele/>"), False),
    "self-closing point": (BASE.replace(b"<trkpt", b'<trkpt lat="1" lon="2"/><trkpt', 1), False),
    "a third attribute": (_point(3, _T, b' lat="1" lon="2" x="3"'), False),
    "latitude only": (_point(3, _T, b' lat="1"'), False),
    "name element": (_point(3, _T + b"<name>x</name>"), False),
    "segment with attribute": (BASE.replace(b"<trkseg>", b'<trkseg id="1">', 1), False),
    "entity": (_point(3, b"<ele>1&amp;2</ele>" + _T), False),
    "character reference": (_point(3, b"<ele>&#49;2</ele>" + _T), False),
    "non-ascii value": (_point(3, "<ele>１２</ele>".encode() + _T), False),
    "comment": (BASE.replace(b"</trkpt>", b"</trkpt><!-- x -->", 1), False),
    "processing instruction": (BASE.replace(b"<trk>", b"<?pi x?><trk>"), False),
    "marker attribute in the file": (BASE.replace(b"<trk>", b"<trk " + SEGMENT_BODY.encode() + b'="0">'), False),
    "default namespace declared again": (BASE.replace(b"<trk>", b'<trk xmlns="http://example.com/other">'),
                                         False),
    "prefix declared on the extension": (BASE.replace(b' xmlns:gpxtpx="' + TPX2 + b'"', b"").replace(
        b"<gpxtpx:TrackPointExtension>", b'<gpxtpx:TrackPointExtension xmlns:gpxtpx="' + TPX2 + b'">'), False),
    # cut, then parsed whole again: the fast reader reads the cut form of GPX 1.1 only
    "gpx 1.0": (BASE.replace(b'version="1.1"', b'version="1.0"'), True),
    # broken or refused documents: the same error both ways
    "mismatched end tag": (_point(3, b"<ele>1</time>" + _T), False),
    "undeclared prefix": (BASE.replace(b' xmlns:gpxtpx="' + TPX2 + b'"', b""), False),
    "undefined entity": (_point(3, b"<ele>&foo;</ele>" + _T), False),
    "cdata end in a value": (_point(3, b"<ele>1]]>2</ele>" + _T), False),
    "control character": (_point(3, b"<ele>1\x012</ele>" + _T), False),
    "unclosed segment": (BASE.replace(b"</trkseg>", b"", 1), False),
    # the deepest extension value at MAX_XML_DEPTH (parsed), one level deeper (refused)
    "deep": (_deeper(MAX_XML_DEPTH - 8), True),
    "too deep": (_deeper(MAX_XML_DEPTH - 7), False),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_fast_read_gives_the_tree_read(name):
    data, all_cut = EDITS[name]
    fast, tree = both_ways(data)
    assert fast == tree
    n_segments = len(re.findall(rb"<trkseg[ >]", data))
    assert (n_cut(data) == n_segments) == all_cut


def test_edits_reach_what_they_test():
    """The documents test what their names say (plumbing check of the edits above)."""
    assert n_cut(BASE) == 2
    for name in ("mismatched end tag", "undefined entity", "cdata end in a value", "control character",
                 "unclosed segment", "too deep"):
        fast, _ = both_ways(EDITS[name][0])
        assert fast[0]["error"] == "CorruptFileError", name
    fast, _ = both_ways(EDITS["deep"][0])
    assert fast[0]["error"] == "EmptyRunError"  # parsed; its segments are no longer the track's
    fast, _ = both_ways(EDITS["bad values"][0])
    said = " ".join(fast[-1]["warnings"])
    for column in ("latitude_deg", "longitude_deg", "altitude_m", "heart_rate_bpm", "cadence_spm"):
        assert f"1 {column} values are not numbers" in said, column
    for name in ("every extension field", "water temperature only", "unprefixed extension"):
        assert n_cut(EDITS[name][0]) == 2, name


def test_extension_values_as_the_tree_gives_them():
    """A point with every TrackPointExtension value, and water temperature standing in for air."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        every = read_gpx_bytes(EDITS["every extension field"][0], source="t.gpx")[0].samples
        water = read_gpx_bytes(EDITS["empty air temperature"][0], source="t.gpx")[0].samples
    point = every[every["heart_rate_bpm"] == 150].iloc[0]
    assert (point["speed_mps"], point["temperature_c"]) == (3.1, 21)
    assert point["cadence_spm"] == 176  # strides/min doubled
    assert (water["temperature_c"] == 9).sum() == 1


_SNIPPETS = [b" ", b"\n", b"x", b"&amp;", b"&#49;", b"<!-- c -->", b"<![CDATA[1]]>", b"<foo/>", b"]]>",
             b"<ele>1</ele>", b"<time>2024-05-06T06:30:30Z</time>", b"<gpxtpx:hr>1</gpxtpx:hr>", b"<hr>2</hr>",
             b"<extensions>", b"</extensions>", b"</trkpt><trkpt lat='1' lon='2'>", b"</trkseg><trkseg>",
             b"<trkseg>", b"</trkseg>", "é".encode(), "\x85".encode(), b"\t", b"<", b">", b"1e5", b'lat="3"',
             b"<gpxtpx:atemp>4</gpxtpx:atemp>", b"<x:hr>1</x:hr>", b"<speed>2</speed>"]
_POSITIONS = [m.start() for m in re.finditer(rb"<", BASE[BASE.index(b"<trkseg>"):])]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_POSITIONS), st.integers(0, 2), st.sampled_from(_SNIPPETS)),
                min_size=1, max_size=4))
def test_random_edits_read_the_same_both_ways(edits):
    """Snippets inserted at (or replacing the tag at) random places of the points, read both ways."""
    data = cut_reads.edited(BASE, BASE.index(b"<trkseg>"), edits)
    fast, tree = both_ways(data)
    assert fast == tree


_PINNED_GPX = {name: data for name, (fmt, data) in documents().items() if fmt == "gpx"}


@pytest.mark.parametrize("name", list(_PINNED_GPX))
def test_corpus_and_pinned_documents_read_the_same_both_ways(name):
    if name.startswith("shared:"):
        require_shared_data()
    fast, tree = both_ways(_PINNED_GPX[name])
    assert fast == tree


def test_the_simulators_documents_are_cut():
    for name, data in _PINNED_GPX.items():
        if name.startswith("sim:"):
            assert n_cut(data) == data.count(b"<trkseg>"), name


def test_plain_corpus_exports_are_cut(shared_data):
    """Real exports of the plain form take the fast read (the speed holds on real files, not only the
    simulator's): Garmin Connect, Nike Run Club, Strava-style and OsmAnd-style files of the corpus."""
    cut = {path.name: n_cut(path.read_bytes()) for path in sorted(shared_data.rglob("*.gpx"))}
    for name in ("garmin_connect.gpx", "nike_run.gpx", "stopped_example.gpx", "track-with-less-sec-time.gpx",
                 "track-with-empty-segment.gpx"):
        assert cut[name] >= 1, (name, cut)


@pytest.mark.slow
def test_fast_read_is_at_least_half_again_as_fast_as_the_tree_read():
    """CPU of a 1-hour GPX read, fast vs whole tree, in interleaved rounds of one process (the machine is
    shared: the medians' ratio is what compares)."""
    data = gpx_bytes(simulate_run("easy", duration_s=3600, seed=1))
    fast_ms, tree_ms = READS.cpu_both_ways(data)
    assert fast_ms * 1.5 < tree_ms, f"fast {fast_ms:.0f} ms, tree {tree_ms:.0f} ms"
