"""The default GPX parser: columns straight from the ElementTree tree, read the way gpxpy reads them.

:func:`runload.io.xmlsafe.read_xml` has already parsed the document safely (with the C parser when there
is no DOCTYPE); this module takes the tracks, segments and points from that tree — no second parse, no
object per point; the plain ``<trkseg>`` bodies :mod:`runload.io.gpx_points` cut out of it as texts — and gives what :mod:`runload.io.gpx_gpxpy` (gpxpy, the reference) gives, value for
value (``tests/io/test_gpx_parsers.py`` and ``tests/io/test_xml_pins.py`` check it on every GPX of the
corpus and on simulated documents edited every way the readers repair):

* elements are found as gpxpy finds them: the children named ``trk``, ``trkseg``, ``trkpt``, the first
  child named ``ele``, ``time``, ``name``, … in the document's default (GPX) namespace or in none; track
  ``<type>`` and per-point ``<extensions>`` only in GPX 1.1, ``<speed>`` only in GPX 1.0 (gpxpy's field
  lists), GPX 1.0 extensions by local name as the reference takes them from the tree;
* numbers as gpxpy converts them (``float`` of the stripped text): an empty or absent ``lat``/``lon``
  is missing, any other text that is not a finite number is counted and dropped, like the reference's
  repair of values gpxpy rejects;
* times: texts of the form ``YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm]`` (surrounding blanks allowed) are parsed
  together by pandas, truncated to microseconds as gpxpy reads them.

A document this module cannot promise to read as gpxpy does — another GPX version, another encoding
than UTF-8/ASCII/ISO-8859-1, the GPX namespace bound to a prefix or declared twice, a time text of
another form, a ``<bounds>`` or ``<number>`` gpxpy would reject — is left to gpxpy
(:func:`fast_content` returns ``None``), so the result never depends on which parser ran; only
``RunMeta.decoder`` says which one did.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ._track import TrackPoints
from .gpx_points import SEGMENT_BODY
from .xmlsafe import (
    XmlDocument,
    ascii_compatible,
    bad_times_message,
    clean_text,
    declared_encoding,
    local_name,
    namespace,
    parse_times,
    to_float,
)

__all__ = ["FAST_DECODER", "POINT_COLUMNS", "GpxContent", "GpxTrack", "extension_values", "fast_content"]

#: Value of ``RunMeta.decoder`` for GPX runs this module read.
FAST_DECODER = "runload GPX reader (xml.etree)"

_TPX_NAMESPACE_PREFIX = "{http://www.garmin.com/xmlschemas/TrackPointExtension/"

# extension local name (lower case) → canonical column
_EXTENSION_COLUMNS = {
    "hr": "heart_rate_bpm",
    "heartrate": "heart_rate_bpm",
    "cad": "cadence_spm",
    "cadence": "cadence_spm",
    "power": "power_w",
    "powerinwatts": "power_w",
    "watts": "power_w",
    "atemp": "temperature_c",
    "speed": "speed_mps",
}
_WATER_TEMPERATURE = "wtemp"
#: Columns read from a point's extensions.
POINT_COLUMNS = ("heart_rate_bpm", "cadence_spm", "power_w", "temperature_c", "speed_mps")
_WATER = object()  # marks wtemp in the tag table


@dataclass
class GpxTrack:
    """One ``<trk>``: its name and type as written (uncleaned), and a function giving its points."""

    name: str | None
    type: str | None
    points: Callable[[], TrackPoints]


@dataclass
class GpxContent:
    """What the GPX reader needs from a parsed document."""

    creator: str | None
    name: str | None
    tracks: list[GpxTrack]
    empty_reason: str
    decoder: str


_TAG_INFO: dict[object, tuple[object, bool]] = {}  # tag → (column, _WATER or None; from TrackPointExtension)


def _tag_info(tag: object) -> tuple[object, bool]:
    try:
        return _TAG_INFO[tag]
    except KeyError:
        pass
    name = local_name(tag).lower()
    column = _WATER if name == _WATER_TEMPERATURE else _EXTENSION_COLUMNS.get(name)
    info = (column, isinstance(tag, str) and tag.startswith(_TPX_NAMESPACE_PREFIX))
    if len(_TAG_INFO) > 10_000:
        _TAG_INFO.clear()
    _TAG_INFO[tag] = info
    return info


def extension_values(extensions: list[Element]) -> dict[str, str]:
    """Extension values of one point keyed by canonical column (texts, not yet numbers).

    ``extensions`` are the children of the point's ``<extensions>``.  The first value of a column wins,
    except that one from Garmin's TrackPointExtension wins over look-alikes (fit2gpx also writes
    ``nmea:speed``); ``wtemp`` (water) is the temperature only when there is no ``atemp``.
    """
    found: dict[str, str] = {}
    preferred: set[str] = set()
    water: str | None = None
    info = _TAG_INFO
    for top in extensions:
        for el in top.iter():
            column, is_tpx = info.get(el.tag) or _tag_info(el.tag)
            if column is None:
                continue
            text = el.text
            if text is None or not text.strip():
                continue
            if column is _WATER:
                water = water or text
                continue
            if column not in found or (is_tpx and column not in preferred):
                found[column] = text
                if is_tpx:
                    preferred.add(column)
    if water is not None and "temperature_c" not in found:
        found["temperature_c"] = water
    return found


# gpxpy removes the first default-namespace declaration of the text before it parses
_DEFAULT_NS = re.compile(rb"""\sxmlns=(['"])([^'"]+)\1""")
# a time gpxpy and pandas read alike (gpxpy: its RE_TIMESTAMP; pandas: ISO 8601)
_PLAIN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?")
_PLAIN_TIMES = re.compile(f"(?:{_PLAIN_TIME.pattern}\n)*")  # such times, each ended by a newline
_ENCODINGS = (None, "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1")
# tags gpxpy looks up in the GPX namespace: written without it while the root has one, gpxpy would see them
_GPX_TAGS = ("metadata", "name", "bounds", "trk", "rte", "wpt", "number", "type", "trkseg", "trkpt", "ele",
             "time", "speed", "extensions")


def _floats(texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """``float`` of each text (gpxpy's conversion): values (NaN where missing or not a finite number) and
    the mask of the present texts that were not finite numbers."""
    try:
        if None in texts:  # numpy would read None as NaN
            raise ValueError
        values = np.array(texts, dtype="float64")  # float() of each: the same conversion, vectorised
        invalid = ~np.isfinite(values)
    except ValueError:
        values = np.full(len(texts), np.nan)
        invalid = np.zeros(len(texts), dtype=bool)
        for i, text in enumerate(texts):
            if text is None:
                continue
            try:
                values[i] = float(text)
            except ValueError:
                invalid[i] = True
        invalid |= ~np.isfinite(values) & ~np.array([t is None for t in texts], dtype=bool)
    values[invalid] = np.nan
    return values, invalid


def _plain_times(body: dict[str, list[str]]) -> bool:
    """Whether every time text of a cut body (no blanks; "" where missing) is of the plain form."""
    return _PLAIN_TIMES.fullmatch("\n".join(t for t in body["time"] if t) + "\n") is not None


def _is_int(text: str | None) -> bool:
    try:
        int(text.strip())
    except ValueError:
        return False
    return True


def _is_float(text: str | None) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def _texts(points: list[Element], tag: str) -> list[str | None]:
    """Text of each point's first child ``tag`` (``None`` when it has none, or the child is empty)."""
    return [None if (e := p.find(tag)) is None else e.text for p in points]


class _Reader:
    """Track points of one document (``tag(name)``: the tag gpxpy calls ``name``)."""

    def __init__(self, doc: XmlDocument, version: str, ns: str, bodies: list | None = None):
        self.doc = doc
        self.bodies = bodies or []
        self.version = version
        self.prefix = "{" + ns + "}" if ns else ""

    def tag(self, name: str) -> str:
        return self.prefix + name

    def first_text(self, element: Element | None, name: str) -> str | None:
        found = None if element is None else element.find(self.tag(name))
        return None if found is None else found.text

    def points(self, track: Element) -> TrackPoints:
        segment_tag, point_tag = self.tag("trkseg"), self.tag("trkpt")
        texts: dict[str, list[str | None]] = {k: [] for k in ("lat", "lon", "ele", "time", *POINT_COLUMNS)}
        seg: list[int] = []
        core_speed: list[str | None] = []  # GPX 1.0 <speed>
        cut = True  # every point's texts from a cut body: stripped, without control characters
        for s, segment in enumerate(track.iterfind(segment_tag)):
            body = segment.get(SEGMENT_BODY)
            if body is not None:
                n = self._cut_points(self.bodies[int(body)], texts)
            else:
                n = self._tree_points(segment.findall(point_tag), texts, core_speed)
                cut = cut and not n
            seg.extend([s] * n)
        warn: list[str] = []
        columns: dict[str, np.ndarray] = {}
        for name, attr in (("latitude_deg", "lat"), ("longitude_deg", "lon"), ("altitude_m", "ele")):
            columns[name], invalid = _floats(texts[attr])
            if invalid.any():
                warn.append(f"{int(invalid.sum())} {name} values are not numbers; dropped")
        cleaned = texts["time"] if cut else [clean_text(t) for t in texts["time"]]
        times, _ = parse_times(cleaned, stripped=cut)
        times = pd.DatetimeIndex(times.as_unit("ns").floor("us"))  # gpxpy keeps microseconds
        present = np.fromiter((t is not None for t in cleaned), dtype=bool, count=len(cleaned))
        if (present & np.asarray(times.isna())).any():
            warn.append(bad_times_message(cleaned, times, self.doc.data))
        for name in POINT_COLUMNS:
            columns[name], n_bad = to_float(texts[name], stripped=cut)
            if n_bad:
                warn.append(f"{n_bad} {name} values are not numbers; dropped")
        if self.version == "1.0":  # GPX 1.0 <speed>, where no extension gives one (never a warning)
            core, _ = _floats(core_speed)
            columns["speed_mps"] = np.where(np.isnan(columns["speed_mps"]), core, columns["speed_mps"])
        return TrackPoints(times=times, columns=columns, segment=np.asarray(seg, dtype="int64"),
                           lap=np.zeros(len(seg), dtype="int64"), warnings=warn)

    def _tree_points(self, points: list[Element], texts: dict[str, list], core_speed: list) -> int:
        """Add the texts of ``points`` (elements) to ``texts``; how many there are."""
        for attr in ("lat", "lon"):
            texts[attr] += [t if t is not None and t.strip() else None  # blank: missing
                            for t in (p.get(attr) for p in points)]
        texts["ele"] += _texts(points, self.tag("ele"))
        texts["time"] += _texts(points, self.tag("time"))
        if self.version == "1.1":
            ext_tag = self.tag("extensions")
            ext_lists = [list(x) if (x := p.find(ext_tag)) is not None else [] for p in points]
        else:  # GPX 1.0: every <extensions> child, any namespace (as the reference takes them from the tree)
            ext_lists = [[e for x in p if local_name(x.tag) == "extensions" for e in x] for p in points]
            core_speed += _texts(points, self.tag("speed"))
        found = [extension_values(x) if x else {} for x in ext_lists]
        for name in POINT_COLUMNS:
            texts[name] += [f.get(name) for f in found]
        return len(points)

    @staticmethod
    def _cut_points(body: dict[str, list[str]], texts: dict[str, list]) -> int:
        """Add the texts of a cut body (:mod:`runload.io.gpx_points`; "" where missing) to ``texts``; how
        many points it holds.  Each column has at most one element in a point's TrackPointExtension, so
        extension_values's rules come down to ``wtemp`` standing in for a missing ``atemp``."""
        for key, name in (("lat", "lat"), ("lon", "lon"), ("ele", "ele"), ("time", "time"),
                          ("hr", "heart_rate_bpm"), ("cad", "cadence_spm"), ("speed", "speed_mps")):
            texts[name] += [t or None for t in body[key]]
        texts["temperature_c"] += [a or w or None for a, w in zip(body["atemp"], body["wtemp"], strict=True)]
        texts["power_w"] += [None] * len(body["time"])
        return len(body["time"])


def _plain(doc: XmlDocument) -> tuple[str, str] | None:
    """``(version, GPX namespace)`` when gpxpy would see the document as this module does, else ``None``."""
    root, data = doc.root, doc.data
    version = root.get("version")
    if version not in ("1.0", "1.1") or not ascii_compatible(data) or declared_encoding(data) not in _ENCODINGS:
        return None
    ns = namespace(root.tag)
    first = _DEFAULT_NS.search(data)
    if first is None or ns == "":
        return (version, ns) if first is None and ns == "" else None
    if first.group(2).decode("latin-1") != ns:
        return None
    uri = ns.encode("latin-1")
    declared = data.count(b'xmlns="' + uri + b'"') + data.count(b"xmlns='" + uri + b"'")
    quoted = data.count(b'"' + uri + b'"') + data.count(b"'" + uri + b"'")
    if declared != 1 or quoted != 1:
        return None  # declared again further in, or bound to a prefix: gpxpy would not see those as GPX
    tags = set(map(attrgetter("tag"), root.iter()))
    if any(name in tags for name in _GPX_TAGS):
        return None  # a GPX element outside the GPX namespace: gpxpy would see it
    return version, ns


def fast_content(doc: XmlDocument, source: str, bodies: list | None = None) -> GpxContent | None:
    """The tracks of a checked GPX document (points computed when asked for), or ``None`` when the
    document is one to leave to gpxpy (see the module docstring).

    ``bodies``: the texts of the ``<trkseg>`` bodies :func:`runload.io.gpx_points.read_gpx_xml` cut out of
    ``doc``; ``None`` also when a document with cut bodies is not GPX 1.1 (their form is 1.1's: the
    caller parses the whole document then)."""
    plain = _plain(doc)
    if plain is None or (bodies is not None and plain[0] != "1.1"):
        return None
    version, ns = plain
    reader = _Reader(doc, version, ns, bodies)
    root, tag = doc.root, reader.tag
    metadata = root.find(tag("metadata")) if version == "1.1" else root
    bounds = None if metadata is None else metadata.find(tag("bounds"))
    if bounds is not None and not all(_is_float(bounds.get(a)) for a in ("minlat", "maxlat", "minlon", "maxlon")
                                      if bounds.get(a) is not None):
        return None
    tracks = root.findall(tag("trk"))
    if any(not _is_int(t) for parent in tracks + root.findall(tag("rte"))
           if (t := reader.first_text(parent, "number")) is not None):
        return None
    all_texts = [t for track in tracks for p in track.iter(tag("time"))
                 if (t := (p.text or "").strip())]
    if not all(_PLAIN_TIME.fullmatch(t) for t in all_texts) or not all(map(_plain_times, bodies or ())):
        return None

    def track_of(track: Element) -> GpxTrack:
        return GpxTrack(name=reader.first_text(track, "name"),
                        type=reader.first_text(track, "type") if version == "1.1" else None,
                        points=lambda: reader.points(track))

    if tracks:
        empty = ""
    elif (n := len(root.findall(tag("rte")))):
        empty = f"holds {n} route(s) (a planned course without times), no recorded track"
    elif (n := len(root.findall(tag("wpt")))):
        empty = f"holds only {n} waypoint(s), no recorded track"
    else:
        empty = "no tracks"
    return GpxContent(creator=root.get("creator"), name=reader.first_text(metadata, "name"),
                      tracks=[track_of(t) for t in tracks], empty_reason=empty, decoder=FAST_DECODER)
