"""The fast TCX trackpoint read (runload/io/tcx_points.py) gives what the whole-tree read gives.

The reference is the element-by-element read of the full ElementTree (the only TCX read before issue 10,
still used for every ``<Track>`` the fast read does not cut): each document is read both ways and the
runs, laps, metadata and warnings — or the error — must be the same.  The documents are the corpus TCX
files, the simulator's, edits at the edge of what the fast read accepts, and random edits (hypothesis).
"""

from __future__ import annotations

import re
import warnings

import cut_reads
import pytest
from conftest import require_shared_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from xml_pins import documents

from runload.errors import RunloadWarning
from runload.io.tcx import read_tcx_bytes
from runload.io.tcx_points import TRACK_BODY, read_tcx_xml
from runload.io.xmlsafe import MAX_XML_DEPTH, parse_times, to_float
from runload.simulate import simulate_run
from runload.simulate_write import tcx_bytes

AX = b"http://www.garmin.com/xmlschemas/ActivityExtension/v2"


# the TCX reader read with its cut and from the whole tree (the reader calls read_tcx_xml to parse)
READS = cut_reads.CutReads(read_tcx_bytes, read_tcx_xml, "runload.io.tcx.read_tcx_xml", "test.tcx")
both_ways, n_cut = READS.both_ways, READS.n_cut


def _base() -> bytes:
    """A 2-minute simulated run with two laps (the second lap's points in two <Track>s)."""
    data = tcx_bytes(simulate_run("easy", duration_s=90, seed=3))
    lap = data[data.index(b"<Lap "):data.rindex(b"</Lap>") + 6]
    second = lap.replace(b"06:30:", b"06:40:").replace(b"06:31:", b"06:41:")
    second = second.replace(b"</Trackpoint>\n<Trackpoint><Time>2024-05-06T06:40:40",
                            b"</Trackpoint>\n</Track><Track><Trackpoint><Time>2024-05-06T06:40:40", 1)
    return data.replace(b"</Lap>", b"</Lap>\n" + second, 1)


BASE = _base()


def _point(i: int, body: bytes) -> bytes:
    """BASE with the ``i``-th trackpoint's content replaced by ``body``."""
    parts = BASE.split(b"<Trackpoint>")
    rest = parts[i + 1]
    parts[i + 1] = body + rest[rest.index(b"</Trackpoint>"):]
    return b"<Trackpoint>".join(parts)


_T = b"<Time>2024-05-06T06:30:05.000Z</Time>"
_POS = b"<Position><LatitudeDegrees>47.3746</LatitudeDegrees><LongitudeDegrees>8.5711</LongitudeDegrees></Position>"
# name → (document, whether the fast read cuts every <Track> of it)
EDITS = {
    "base": (BASE, True),
    "run cadence before speed": (re.sub(rb"(<ns3:Speed>[^<]*</ns3:Speed>)(<ns3:RunCadence>[^<]*</ns3:RunCadence>)",
                                        rb"<ns3:Watts>250</ns3:Watts>\2\1", BASE), True),
    "tpx any order": (_point(4, _T + b"<Extensions><ns3:TPX><ns3:RunCadence>88</ns3:RunCadence><ns3:Watts>3"
                                  b"</ns3:Watts><ns3:Speed>2.5</ns3:Speed></ns3:TPX></Extensions>"), True),
    "bike cadence": (_point(5, _T + _POS + b"<Cadence>77</Cadence>"), True),
    "bike cadence and empty run cadence": (_point(5, _T + b"<Cadence>77</Cadence><Extensions><ns3:TPX>"
                                                     b"<ns3:RunCadence></ns3:RunCadence></ns3:TPX></Extensions>"),
                                           True),
    "bike and run cadence": (_point(5, _T + b"<Cadence>77</Cadence><Extensions><ns3:TPX><ns3:RunCadence>90"
                                       b"</ns3:RunCadence></ns3:TPX></Extensions>"), True),
    "sensor state": (_point(6, _T + b"<SensorState>Present</SensorState>"), True),
    "time only": (_point(7, _T), True),
    "empty values": (_point(8, _T + b"<AltitudeMeters></AltitudeMeters><HeartRateBpm><Value></Value>"
                               b"</HeartRateBpm>"), True),
    "bad values": (_point(9, _T + b"<Position><LatitudeDegrees>north</LatitudeDegrees><LongitudeDegrees>inf"
                               b"</LongitudeDegrees></Position><DistanceMeters>1e999</DistanceMeters>"
                               b"<HeartRateBpm><Value>0x1F</Value></HeartRateBpm>"), True),
    "bad time": (_point(10, b"<Time>2024-02-30T00:00:00Z</Time>"), True),
    "no time": (_point(11, b"<AltitudeMeters>5</AltitudeMeters>"), True),
    "tpx namespace attribute": (BASE.replace(b"<ns3:TPX>", b'<TPX xmlns="' + AX + b'">').replace(
        b"</ns3:TPX>", b"</TPX>"), True),
    "text between trackpoints": (BASE.replace(b"</Trackpoint>\n", b"</Trackpoint>tail>x\n", 3), True),
    "crlf": (BASE.replace(b"\n", b"\r\n"), True),
    "pretty printed": (BASE.replace(b"><", b">\n    <"), True),
    # not cut: the tree reads these tracks (or the whole document)
    "blank around a value": (_point(3, b"<Time> 2024-05-06T06:30:03.000Z </Time>"), False),
    "self-closing value": (_point(3, _T + b"<AltitudeMeters/>"), False),
    "two altitudes": (_point(3, _T + b"<AltitudeMeters>1</AltitudeMeters><AltitudeMeters>2</AltitudeMeters>"),
                      False),
    "speed twice": (_point(3, _T + b"<Extensions><ns3:TPX><ns3:Speed>1</ns3:Speed><ns3:Speed>2</ns3:Speed>"
                              b"</ns3:TPX></Extensions>"), False),
    "latitude only": (_point(3, _T + b"<Position><LatitudeDegrees>47.3</LatitudeDegrees></Position>"), False),
    "character reference": (_point(3, _T + b"<AltitudeMeters>&#49;2</AltitudeMeters>"), False),
    "entity": (_point(3, _T + b"<AltitudeMeters>1&amp;2</AltitudeMeters>"), False),
    "non-ascii value": (_point(3, _T + "<AltitudeMeters>１２</AltitudeMeters>".encode()), False),
    "c1 control in latitude": (_point(3, _T + "<Position><LatitudeDegrees>47.3\x85</LatitudeDegrees>"
                                              "<LongitudeDegrees>8.5</LongitudeDegrees></Position>".encode()), False),
    "unknown element": (_point(3, _T + b"<Foo>1</Foo>"), False),
    "attribute": (_point(3, _T + b'<AltitudeMeters unit="m">4</AltitudeMeters>'), False),
    "comment": (BASE.replace(b"</Trackpoint>", b"</Trackpoint><!-- x -->", 1), False),
    "cdata": (_point(3, _T + b"<AltitudeMeters><![CDATA[12]]></AltitudeMeters>"), False),
    "processing instruction": (BASE.replace(b"<Activities>", b"<?pi x?><Activities>"), False),
    "processing instruction first": (b"<?pi <Track></Track> ?>" + BASE[BASE.index(b"?>") + 2:], False),
    "no declaration": (BASE[BASE.index(b"?>") + 2:].lstrip(), True),
    "marker attribute in the file": (BASE.replace(b"<Activities>", b'<Activities ' + TRACK_BODY.encode()
                                                  + b'="0">'), False),
    "track with attribute": (BASE.replace(b"<Track>", b'<Track id="1">', 1), False),
    "prefix declared on the activity": (BASE.replace(b' xmlns:ns3="' + AX + b'"', b"").replace(
        b"<Activity ", b'<Activity xmlns:ns3="' + AX + b'" '), True),
    "prefix declared on the tpx": (BASE.replace(b' xmlns:ns3="' + AX + b'"', b"").replace(
        b"<ns3:TPX>", b'<ns3:TPX xmlns:ns3="' + AX + b'">').replace(b"<ns3:LX>", b'<ns3:LX xmlns:ns3="' + AX + b'">'),
        False),
    # broken or refused documents: the same error both ways
    "mismatched prefix": (_point(3, _T + b"<Extensions><ns3:TPX><ns3:Speed>1</Speed></ns3:TPX></Extensions>"),
                          False),
    "undeclared prefix": (BASE.replace(b"<ns3:", b"<nsx:").replace(b"</ns3:", b"</nsx:"), False),
    "undefined entity": (_point(3, _T + b"<AltitudeMeters>&foo;</AltitudeMeters>"), False),
    "cdata end in a value": (_point(3, _T + b"<AltitudeMeters>1]]>2</AltitudeMeters>"), False),
    "control character": (_point(3, _T + b"<AltitudeMeters>1\x012</AltitudeMeters>"), False),
    "unclosed track": (BASE.replace(b"</Track>", b"", 1), False),
    # the deepest TPX value at MAX_XML_DEPTH (read), one level deeper (refused)
    "deep": (BASE.replace(b"<Activities>", b"<Activities>" + b"<a>" * (MAX_XML_DEPTH - 9))
             .replace(b"</Activities>", b"</a>" * (MAX_XML_DEPTH - 9) + b"</Activities>"), True),
    "too deep": (BASE.replace(b"<Activities>", b"<Activities>" + b"<a>" * (MAX_XML_DEPTH - 8))
                 .replace(b"</Activities>", b"</a>" * (MAX_XML_DEPTH - 8) + b"</Activities>"), False),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_fast_read_gives_the_tree_read(name):
    data, all_cut = EDITS[name]
    fast, tree = both_ways(data)
    assert fast == tree
    n_tracks = len(re.findall(rb"<Track[ >]", data))
    assert (n_cut(data) == n_tracks) == all_cut


def test_edits_reach_what_they_test():
    """The documents test what their names say (plumbing check of the edits above)."""
    assert n_cut(BASE) == 3  # three <Track>s in two laps
    for name in ("mismatched prefix", "undefined entity", "cdata end in a value", "control character",
                 "unclosed track", "too deep"):
        fast, _ = both_ways(EDITS[name][0])
        assert fast[0]["error"] == "CorruptFileError", name
    fast, _ = both_ways(EDITS["deep"][0])
    assert "error" not in fast[0]
    fast, _ = both_ways(EDITS["undeclared prefix"][0])
    assert "namespace prefix(es) nsx used without a declaration" in " ".join(fast[-1]["warnings"])
    fast, _ = both_ways(EDITS["bad values"][0])
    warnings = " ".join(fast[-1]["warnings"])
    for column in ("latitude_deg", "longitude_deg", "distance_m", "heart_rate_bpm"):
        assert f"1 {column} values are not numbers" in warnings


def test_tpx_order_does_not_change_the_values():
    """RunCadence before Speed (the 2020-12-20 corpus export) is read like the schema order."""
    tpx = b"<Extensions><ns3:TPX>%s</ns3:TPX></Extensions>"
    speed, cadence = b"<ns3:Speed>2.5</ns3:Speed>", b"<ns3:RunCadence>88</ns3:RunCadence>"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        runs = [read_tcx_bytes(_point(5, _T + tpx % body), source="t.tcx")[0] for body in
                (speed + cadence, cadence + speed)]
    a, b = (r.samples.iloc[5] for r in runs)
    assert a["speed_mps"] == b["speed_mps"] == 2.5
    assert a["cadence_spm"] == b["cadence_spm"] == 176  # strides/min doubled


def test_multisport_and_other_sports_both_ways():
    other = BASE.replace(b'Sport="Running"', b'Sport="Biking"')
    both = BASE.replace(b"</Activity>", b"</Activity>" + other[other.index(b"<Activity "):
                                                               other.index(b"</Activities>")], 1)
    for kw in ({}, {"include_non_running": True}):
        fast, tree = both_ways(both, **kw)
        assert fast == tree
    fast, tree = both_ways(other)
    assert fast == tree and fast[0]["error"] == "NotARunError"


_SNIPPETS = [b" ", b"\n", b"x", b"&amp;", b"&#49;", b"<!-- c -->", b"<![CDATA[1]]>", b"<Foo/>", b"]]>",
             b"<ns3:Speed>1</ns3:Speed>", b"<Speed>2</Speed>", b"<Cadence>80</Cadence>", b"</Trackpoint><Trackpoint>",
             b"<SensorState>Absent</SensorState>", "\x85".encode(), "é".encode(), b"\t", b"<ns3:Watts>5</ns3:Watts>",
             b"<RunCadence></RunCadence>", b"<AltitudeMeters/>", b"<x:Speed>1</x:Speed>", b"<Value>9</Value>",
             b"<Time>2024-05-06T06:30:30Z</Time>", b"</Track><Track>", b"<Track>", b"</Track>", b"<", b">", b"1e5"]
_POSITIONS = [m.start() for m in re.finditer(rb"<", BASE[BASE.index(b"<Track>"):])]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_POSITIONS), st.integers(0, 2), st.sampled_from(_SNIPPETS)),
                min_size=1, max_size=4))
def test_random_edits_read_the_same_both_ways(edits):
    """Snippets inserted at (or replacing the tag at) random places of the trackpoints, read both ways."""
    data = cut_reads.edited(BASE, BASE.index(b"<Track>"), edits)
    fast, tree = both_ways(data)
    assert fast == tree


_PINNED_TCX = {name: data for name, (fmt, data) in documents().items() if fmt == "tcx"}


@pytest.mark.parametrize("name", list(_PINNED_TCX))
def test_corpus_and_pinned_documents_read_the_same_both_ways(name):
    if name.startswith("shared:"):
        require_shared_data()
    data = _PINNED_TCX[name]
    fast, tree = both_ways(data)
    assert fast == tree


def test_plain_corpus_exports_are_cut(shared_data):
    """Every well-formed corpus TCX takes the fast read for all its tracks (the speed claim holds on
    real exports, not only the simulator's)."""
    for path in sorted(shared_data.rglob("*.tcx")):
        data = path.read_bytes()
        if path.name == "malformed.tcx":  # no root element: refused, read by the defused parser
            assert n_cut(data) == 0
            continue
        assert n_cut(data) == data.count(b"<Track>"), path.name


@pytest.mark.slow
def test_fast_read_is_at_least_twice_as_fast_as_the_tree_read():
    """CPU of a 1-hour TCX read, fast vs whole tree, in interleaved rounds of one process (the machine is
    shared: the medians' ratio is what compares)."""
    data = tcx_bytes(simulate_run("easy", duration_s=3600, seed=1))
    fast_ms, tree_ms = READS.cpu_both_ways(data)
    assert fast_ms * 2 < tree_ms, f"fast {fast_ms:.0f} ms, tree {tree_ms:.0f} ms"


_NUMBER_TEXTS = st.one_of(st.none(), st.just(""), st.sampled_from(["1", "-0", "1e3", "1e400", "nan", "inf", "0x10",
                                                                   "1_000", "12.5", ".5", "5.", "+7", "1,5", "n/a"]),
                          st.from_regex(r"[!-%'-;=-~]{1,12}", fullmatch=True))


@settings(deadline=None)
@given(st.lists(_NUMBER_TEXTS, max_size=30))
def test_to_float_of_stripped_texts_is_to_float(texts):
    """``stripped=True`` (the fast read's texts) converts as the stripping conversion does."""
    got, n_got = to_float(texts, stripped=True)
    want, n_want = to_float(texts)
    assert n_got == n_want
    assert_array_equal(got, want)


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(""), st.sampled_from(
    ["2024-05-06T06:30:00Z", "2024-05-06T06:30:00.123+02:00", "0000-01-01T00:00:00Z", "2024-02-30T00:00:00Z",
     "1e308", "2024-05-06", "x"])), max_size=20))
def test_parse_times_of_stripped_texts_is_parse_times(texts):
    got, n_got = parse_times(texts, stripped=True)
    want, n_want = parse_times(texts)
    assert n_got == n_want
    assert got.equals(want)
