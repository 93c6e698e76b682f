"""The fast read of GPX track points (issue 10): the ``<trkseg>`` bodies are read by one regular expression
and only the rest of the document becomes an ElementTree.

A one-hour GPX of 1 Hz points holds some 20,000 elements, nearly all inside ``<trkpt>``; parsing them
took a third of the GPX read and walking them point by point (:mod:`runload.io.gpx_fast`) most of the
rest.  :func:`read_gpx_xml` instead cuts out the body of each ``<trkseg>`` (no attributes, no prefix)
whose text has the plain form GPX 1.1 exporters write — points ``<trkpt lat=".." lon="..">`` (either
order, either quote, nothing else) holding, in schema order, ``ele``, ``time`` and ``extensions`` with one
Garmin ``TrackPointExtension`` whose values ``atemp``, ``wtemp``, ``depth``, ``hr``, ``cad``, ``speed``,
``course``, ``bearing`` come in schema order, each at most once, in the extension's prefix (or none);
GPX elements unprefixed, blanks between elements, values of printable ASCII without blanks — takes its
values as texts, and parses what is left (the *skeleton*) with the C parser.  A cut ``<trkseg>`` stays in the
skeleton as an empty element whose :data:`SEGMENT_BODY` attribute numbers its body.

The rules that make the cut safe are :mod:`runload.io.xml_cut`'s (as for TCX, :mod:`runload.io.tcx_points`):
every ``<`` of a body lies in a match of such a point (the ``<`` of the matches counted against the
body's), every end tag repeats its start tag, no ``&``, no ``]]>``, no ``<!`` or processing instruction in the document, each
prefix a body uses declared where its ``<trkseg>`` is, and the body's depth within the limit.  GPX adds
one: the document declares at most one default namespace, so an unprefixed element of a body is in the
namespace of the root, as the tree read requires of the points it reads.

What the reader reads from these texts is what it reads from the tree (``tests/io/test_gpx_points.py``
compares both on the corpus, the simulator's files, edited documents and random edits): within one
``TrackPointExtension`` each column has at most one element, so the extension rules of
:func:`runload.io.gpx_fast.extension_values` reduce to ``atemp`` before ``wtemp``.  A document the fast
reader hands to gpxpy (another GPX version, a namespace gpxpy sees differently, …) is parsed whole again.
"""

from __future__ import annotations

import operator
import re
from functools import lru_cache

from .xml_cut import (
    BLANK,
    SKIPPED,
    VALUE,
    declared_prefixes,
    may_cut,
    plain_body,
    read_cut,
    skeleton,
)
from .xmlsafe import XmlDocument

__all__ = ["SEGMENT_BODY", "BODY_DEPTH", "TEXT_KEYS", "read_gpx_xml"]

#: Attribute of a cut ``<trkseg>`` in the skeleton: the index of its body's texts.
SEGMENT_BODY = "runload-trkseg-body"
#: Levels a cut body adds below its ``<trkseg>`` (trkpt, extensions, TrackPointExtension, hr).
BODY_DEPTH = 4
#: Keys of the texts of a body: the point's attributes, its elements and the extension values it reads.
TEXT_KEYS = ("lat", "lon", "ele", "time", "atemp", "wtemp", "hr", "cad", "speed")

# the values of Garmin's TrackPointExtension (v1 and v2) in schema order; those not read are skipped
_EXTENSION_FIELDS = ("atemp", "wtemp", "depth", "hr", "cad", "speed", "course", "bearing")
_START, _END = b"<trkseg>", b"</trkseg>"
_DEFAULT_NAMESPACE = re.compile(rb"xmlns[ \t\r\n]*=")
_ATTRIBUTE = rb"""[ \t\r\n]++(lat|lon)=(["'])([!#-%(-;=-~]*+)\{q}"""  # no blank, quote, & or < in the value
_LAT = b"lat"
# findall's groups: the whole point, the two attributes (name, quote, value), ele, time, the extension's
# prefix and the values it reads
_WHOLE, _NAME1, _VALUE1, _NAME2, _VALUE2 = 0, 1, 3, 4, 6
_GROUPS = {"ele": 7, "time": 8, "atemp": 10, "wtemp": 11, "hr": 12, "cad": 13, "speed": 14}


def _field(name: str) -> bytes:
    """An optional value of the extension, its tag in the extension's prefix (group 10)."""
    inner = VALUE if name in _GROUPS else SKIPPED
    tag = rb"\10" + name.encode()
    return b"(?:" + BLANK + b"<" + tag + b">" + inner + b"</" + tag + b">)?"


@lru_cache(maxsize=16)
def _pattern(prefixes: tuple[bytes, ...]) -> re.Pattern:
    """The regular expression of one ``<trkpt>`` (the groups of :data:`_GROUPS`), extension elements in
    one of ``prefixes`` (the same for the extension and its values) or none."""
    prefix = b"((?:(?:" + b"|".join(re.escape(p) for p in prefixes) + b"):)?)" if prefixes else b"()"
    extension = (b"(?:" + BLANK + b"<" + prefix + b"TrackPointExtension>"
                 + b"".join(_field(n) for n in _EXTENSION_FIELDS) + BLANK + rb"</\10TrackPointExtension>)?")
    return re.compile(
        BLANK + b"(<trkpt" + _ATTRIBUTE.replace(rb"\{q}", rb"\3") + _ATTRIBUTE.replace(rb"\{q}", rb"\6")
        + rb"[ \t\r\n]*>"
        + b"(?:" + BLANK + b"<ele>" + VALUE + b"</ele>)?" + b"(?:" + BLANK + b"<time>" + VALUE + b"</time>)?"
        + b"(?:" + BLANK + b"<extensions>" + extension + BLANK + b"</extensions>)?" + BLANK + b"</trkpt>)")


def _body_texts(body: bytes, pattern: re.Pattern) -> dict[str, list[str]] | None:
    """Texts of the points of one ``<trkseg>`` body ("" where missing) under :data:`TEXT_KEYS`, or
    ``None`` unless the body is a sequence of plain points (see the module docstring)."""
    if not plain_body(body):
        return None
    matches = pattern.findall(body)
    if not matches:
        return None if b"<" in body else {key: [] for key in TEXT_KEYS}
    columns = list(zip(*matches, strict=True))
    if b"".join(columns[_WHOLE]).count(b"<") != body.count(b"<"):  # a "<" outside the points
        return None
    n = len(matches)
    names = columns[_NAME1]
    if any(map(operator.eq, names, columns[_NAME2])):  # lat twice or lon twice
        return None

    def text(column: tuple[bytes, ...]) -> list[str]:
        return b"\n".join(column).decode("ascii").split("\n")

    if names.count(_LAT) == n:
        lat, lon = columns[_VALUE1], columns[_VALUE2]
    else:  # lon first in some points
        lat = tuple(v1 if a == _LAT else v2 for a, v1, v2 in zip(names, columns[_VALUE1], columns[_VALUE2],
                                                                  strict=True))
        lon = tuple(v2 if a == _LAT else v1 for a, v1, v2 in zip(names, columns[_VALUE1], columns[_VALUE2],
                                                                  strict=True))
    return {"lat": text(lat), "lon": text(lon), **{key: text(columns[_GROUPS[key]]) for key in TEXT_KEYS[2:]}}


def _cut_segments(data: bytes) -> tuple[bytes, list[dict[str, list[str]]]] | None:
    """The skeleton of ``data`` and the texts of each cut body, or ``None`` when nothing may be cut."""
    if not may_cut(data, SEGMENT_BODY.encode()) or len(_DEFAULT_NAMESPACE.findall(data)) > 1:
        return None
    prefixes = declared_prefixes(data)
    pattern = _pattern(prefixes)
    cuts: list[tuple[int, int, bytes, bytes]] = []
    bodies: list[dict[str, list[str]]] = []
    start = data.find(_START)
    while start >= 0:
        end = data.find(_END, start)
        if end < 0:
            break
        body = data[start + len(_START):end]
        texts = _body_texts(body, pattern)
        if texts is not None:
            cuts.append((start, end + len(_END), b"trkseg", body))
            bodies.append(texts)
        start = data.find(_START, end)
    if not bodies:
        return None
    return skeleton(data, cuts, SEGMENT_BODY, prefixes), bodies


def read_gpx_xml(data: bytes, source: str) -> tuple[XmlDocument, list[dict[str, list[str]]] | None]:
    """Parse a GPX document, reading plain ``<trkseg>`` bodies without building their elements.

    Returns :func:`runload.io.xml_cut.read_cut`'s document and, for each cut body, the texts of its
    points under :data:`TEXT_KEYS`, ``""`` where missing; ``None`` when the whole document was parsed.

    Raises
    ------
    CorruptFileError
        As :func:`runload.io.xmlsafe.read_xml`.
    """
    return read_cut(data, source, _cut_segments, SEGMENT_BODY, BODY_DEPTH)
