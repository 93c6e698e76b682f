"""The fast read of TCX trackpoints (issue 10): the ``<Track>`` bodies are read by one regular expression
and only the rest of the document becomes an ElementTree.

A one-hour TCX holds some 50,000 elements, nearly all inside ``<Trackpoint>``; building their tree took
half the read and walking it most of the rest.  :func:`read_tcx_xml` instead cuts out the body of each
``<Track>`` whose text has the plain form every known exporter writes — trackpoints holding, in schema
order, ``Time``, ``Position`` (``LatitudeDegrees``, ``LongitudeDegrees``), ``AltitudeMeters``,
``DistanceMeters``, ``HeartRateBpm/Value``, ``Cadence``, ``SensorState`` and ``Extensions/TPX``
(``Speed``, ``RunCadence``, ``Watts``, in any order: exporters differ), each at most once, any
namespace prefix, blanks between elements, values of printable ASCII without blanks (one regular
expression, :class:`_Pattern`, matches such a trackpoint) — takes its values as texts, and
parses what is left (the *skeleton*: laps, activity, creator) with the C parser.  A cut ``<Track>``
stays in the skeleton as an empty element whose :data:`TRACK_BODY` attribute numbers its body.

The result is the tree the whole document would give, minus the trackpoints, plus their texts:

* a body is cut only when every ``<`` in it begins a tag of such a trackpoint (the tags counted
  against the matches), every end tag repeats its start tag, and every byte is printable ASCII or a
  blank (no ``&``, no ``]]>``): the body is then well-formed and holds nothing else the reader reads;
* only documents in which every ``<`` begins a tag are cut: no ``<!`` (DOCTYPE, comment, CDATA) and no
  processing instruction after the XML declaration, an ASCII-compatible encoding;
* the cut element names each namespace prefix its body uses (``ns3:runload-prefix=""``), so the
  skeleton parses only where the prefixes are declared in its scope, as the body needs them to be;
* the skeleton must parse with the C parser (as :func:`~runload.io.xmlsafe.read_xml` tries first),
  and each cut ``<Track>`` lie :data:`BODY_DEPTH` levels within :data:`~runload.io.xmlsafe.MAX_XML_DEPTH`.

Anything else — another form of trackpoint, whitespace inside a value, a comment, broken XML — is read
from the whole tree by :func:`runload.io.xmlsafe.read_xml` as before (a body that is not cut stays in
the skeleton and is read element by element), so the result never depends on which way was taken:
``tests/io/test_tcx_points.py`` compares both on every TCX of the corpus and on edited documents.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import permutations

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

__all__ = ["TRACK_BODY", "BODY_DEPTH", "TEXT_COLUMNS", "read_tcx_xml"]

#: Attribute of a cut ``<Track>`` in the skeleton: the index of its body's texts.
TRACK_BODY = "runload-track-body"
#: Levels a cut body adds below its ``<Track>`` (Trackpoint, Extensions, TPX, Speed).
BODY_DEPTH = 4
#: Keys of the texts of a body: ``time`` and the canonical columns, in :mod:`runload.io.tcx` order.
TEXT_COLUMNS = ("time", "latitude_deg", "longitude_deg", "altitude_m", "distance_m", "heart_rate_bpm",
                "cadence_spm", "speed_mps", "power_w")

_TPX_XMLNS = rb'(?: xmlns="http://www\.garmin\.com/xmlschemas/ActivityExtension/v2")?'
_TRACK_NAME = re.compile(rb"Track>")  # found by a fast literal search; then checked for an end tag
_TRACK_END = re.compile(rb"</((?:[A-Za-z_][\w.\-]*:)?)Track>")
# the fields of a trackpoint: (name, kind) with kind "value" (a text read), "skip" (a text ignored) or
# a tuple of the fields inside; in schema order, each optional in <Trackpoint>, required in <Position>
# and <HeartRateBpm>, and in any order in <TPX>
_FIELDS = (
    ("Time", "value"),
    ("Position", (("LatitudeDegrees", "value"), ("LongitudeDegrees", "value"))),
    ("AltitudeMeters", "value"),
    ("DistanceMeters", "value"),
    ("HeartRateBpm", (("Value", "value"),)),
    ("Cadence", "value"),
    ("SensorState", "skip"),
    ("Extensions", (("TPX", (("Speed", "value"), ("RunCadence", "value"), ("Watts", "value"))),)),
)


class _Pattern:
    """The regular expression of one trackpoint for a set of namespace prefixes, and its group roles."""

    def __init__(self, prefixes: tuple[bytes, ...]):
        alternatives = b"|".join(re.escape(p) for p in prefixes)
        self.prefix = b"(?:(?:" + alternatives + b"):)?" if prefixes else b""
        self.names: list[int] = []  # groups holding an element's (prefixed) name: non-empty when present
        self.values: dict[str, list[int]] = {}  # field → groups of its text (one per order it may take)
        self.groups = 0
        self.regex = re.compile(self._element("Trackpoint", _FIELDS, optional=False))

    def _group(self) -> int:
        self.groups += 1
        return self.groups

    def _element(self, name: str, kind: str | tuple, *, optional: bool = True) -> bytes:
        """Pattern of one element (its end tag repeats its start tag's name through a backreference)."""
        g = self._group()
        self.names.append(g - 1)
        attrs = _TPX_XMLNS if name == "TPX" else b""
        start = BLANK + b"<(?P<g%d>" % g + self.prefix + name.encode() + b")" + attrs + b">"
        end = b"</(?P=g%d)>" % g
        if kind == "value":
            self.values.setdefault(name, []).append(self._group() - 1)
            inner = VALUE
        elif kind == "skip":
            inner = SKIPPED
        elif name == "TPX":  # its fields in any order (exporters differ), each at most once
            inner = b"(?:" + b"|".join(b"".join(self._element(n, k) for n, k in order)
                                       for order in permutations(kind)) + b")" + BLANK
        else:
            optional_inside = name == "Trackpoint"
            inner = b"".join(self._element(n, k, optional=optional_inside) for n, k in kind) + BLANK
        return b"(?:" + start + inner + end + (b")?" if optional else b")")


@lru_cache(maxsize=16)
def _pattern(prefixes: tuple[bytes, ...]) -> _Pattern:
    return _Pattern(prefixes)


def _body_texts(body: bytes, pattern: _Pattern) -> dict[str, list[str]] | None:
    """Texts of the trackpoints of one ``<Track>`` body ("" where missing), or ``None`` unless the body
    is a sequence of plain trackpoints (see the module docstring)."""
    if not plain_body(body):
        return None
    matches = pattern.regex.findall(body)
    n_groups = pattern.groups
    columns = list(zip(*matches, strict=True)) if matches else [()] * n_groups
    n_elements = sum(len(columns[g]) - columns[g].count(b"") for g in pattern.names if any(columns[g]))
    if 2 * n_elements != body.count(b"<"):
        return None

    n = len(matches)
    empty = [""] * n

    def text(field: str) -> list[str]:
        # one group per order the field may take; only the order that matched a point has its text
        texts = [b"\n".join(columns[g]).decode("ascii").split("\n") for g in pattern.values[field]
                 if any(columns[g])]
        if len(texts) > 1:
            return list(map("".join, zip(*texts, strict=True)))
        return texts[0] if texts else empty

    run_cadence, cadence = text("RunCadence"), text("Cadence")
    return {
        "time": text("Time"),
        "latitude_deg": text("LatitudeDegrees"),
        "longitude_deg": text("LongitudeDegrees"),
        "altitude_m": text("AltitudeMeters"),
        "distance_m": text("DistanceMeters"),
        "heart_rate_bpm": text("Value"),
        # RunCadence when it has a text, else the (bike) Cadence, as runload.io.tcx reads a trackpoint
        "cadence_spm": [r or c for r, c in zip(run_cadence, cadence, strict=True)],
        "speed_mps": text("Speed"),
        "power_w": text("Watts"),
    }


def _cut_tracks(data: bytes) -> tuple[bytes, list[dict[str, list[str]]]] | None:
    """The skeleton of ``data`` and the texts of each cut body, or ``None`` when nothing may be cut."""
    if not may_cut(data, TRACK_BODY.encode()):
        return None
    prefixes = declared_prefixes(data)
    pattern = _pattern(prefixes)
    cuts: list[tuple[int, int, bytes, bytes]] = []
    bodies: list[dict[str, list[str]]] = []
    pos = 0
    for name in _TRACK_NAME.finditer(data, pos):
        tag = data.rfind(b"<", pos, name.start())
        end = None if tag < 0 else _TRACK_END.fullmatch(data, tag, name.end())
        if end is None:
            continue
        prefix = end.group(1)
        start_tag = b"<" + prefix + b"Track>"
        start = data.rfind(start_tag, pos, end.start())
        if start < 0:
            continue
        body = data[start + len(start_tag):end.start()]
        texts = _body_texts(body, pattern)
        if texts is None:
            continue
        cuts.append((start, end.end(), prefix + b"Track", body))
        bodies.append(texts)
        pos = end.end()
    if not bodies:
        return None
    return skeleton(data, cuts, TRACK_BODY, prefixes), bodies


def read_tcx_xml(data: bytes, source: str) -> tuple[XmlDocument, list[dict[str, list[str]]] | None]:
    """Parse a TCX document, reading plain ``<Track>`` bodies without building their elements.

    Returns :func:`runload.io.xml_cut.read_cut`'s document and, for each cut body, the texts of its
    trackpoints under :data:`TEXT_COLUMNS` (stripped), ``""`` where missing; ``None`` when the whole
    document was parsed.

    Raises
    ------
    CorruptFileError
        As :func:`runload.io.xmlsafe.read_xml`.
    """
    return read_cut(data, source, _cut_tracks, TRACK_BODY, BODY_DEPTH)
