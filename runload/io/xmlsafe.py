"""Safe XML parsing and value conversion shared by the GPX and TCX readers.

Every XML document from a user goes through :func:`read_xml` (or :func:`parse_xml`, its root), which
uses ``defusedxml`` so entity declarations (the "billion laughs" expansion bomb) and external
entities/DTDs fetched from elsewhere are refused before anything is expanded.  Broken XML becomes a
:class:`~runload.errors.CorruptFileError` naming the line and column.  Three repairs keep real exports
readable, each reported in :attr:`XmlDocument.warnings` where it changes what the file says:

* whitespace (and a UTF-8 byte order mark) before the ``<?xml`` declaration, which Garmin Connect
  writes into some TCX exports and the XML specification forbids, is removed (line numbers in messages
  still count the removed lines);
* namespace prefixes used without a declaration (``<gpxdata:hr>`` in files whose root declares no
  ``xmlns:gpxdata``) are declared on the root element with a placeholder namespace, so the elements are
  read by their local name like any other;
* elements nested deeper than :data:`MAX_XML_DEPTH` are refused with the line where the limit was
  crossed, before a recursive serialiser or gpxpy meets them (``RecursionError``);
* an element with more than :data:`MAX_XML_ATTRIBUTES` attributes is refused before parsing (both
  parsers build every attribute into a dict: a million short ones took 25× the document's size in
  memory; GPX and TCX elements carry a handful).

Element names are compared by *local name* (the part after ``}``): real exports bind the same
namespaces to different prefixes (``gpxtpx:``, ``ns3:``, ``ns2:``) and some omit the namespace, so
matching on the local name is both tolerant and unambiguous inside the element we are looking at.
Strings taken from a file are kept as data (escaping is the report's job) with control characters
removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import attrgetter
from xml.etree.ElementTree import Element, ParseError, XMLParser

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import _TreeBuilder as _DefusedTreeBuilder

from ..errors import CorruptFileError

__all__ = ["XML_DECODER", "MAX_XML_DEPTH", "MAX_XML_ATTRIBUTES", "check_attributes", "EARLIEST_TIME", "LATEST_TIME", "XmlDocument", "read_xml",
           "parse_xml", "line_of", "local_name", "descendants", "child", "children", "child_text", "clean_text",
           "to_float", "parse_times", "plausible_times", "bad_times_message", "UNDECLARED_NAMESPACE",
           "declared_encoding", "ascii_compatible", "namespace", "PLAIN_XML_DECODER", "strip_leading_space",
           "parse_plain"]

#: Value of ``RunMeta.decoder`` for runs read from XML parsed by defusedxml (documents with a DOCTYPE, …).
XML_DECODER = "defusedxml.ElementTree"
#: ... and from XML the C parser read (:func:`parse_plain`: no DOCTYPE, an ASCII-compatible encoding).
PLAIN_XML_DECODER = "xml.etree.ElementTree (no DTD)"

#: Deepest element nesting accepted.  GPX and TCX documents are at most about ten levels deep with their
#: extensions (TCX ``…/Trackpoint/Extensions/TPX/Speed`` is 9); Python's recursion limit (1,000), which
#: ElementTree's serialiser and gpxpy reach on deeper documents, is far above this.
MAX_XML_DEPTH = 100
#: Most attributes an element may have (counted as ``=`` signs between one ``<`` and the next, which
#: covers the start tag, where ``<`` cannot appear, and any text after it).  [D, issue 12]
MAX_XML_ATTRIBUTES = 1000

#: Timestamps outside [EARLIEST_TIME, LATEST_TIME) are not times a watch recorded (year 0, the proleptic
#: calendar's edge, a wrapped counter): they are treated like unparseable ones.  1970 is the Unix epoch a
#: watch without a clock fix writes; no GPS watch existed before it.
EARLIEST_TIME = pd.Timestamp("1970-01-01", tz="UTC")
LATEST_TIME = pd.Timestamp("2100-01-01", tz="UTC")

# C0 controls except tab/newline/carriage return, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BOM_UTF8 = b"\xef\xbb\xbf"
_LEADING_SPACE = re.compile(rb"[ \t\r\n]+")
# a prefixed element or attribute name (``<gpxdata:hr``, ``</gpxdata:hr``, `` xsi:type=``)
_PREFIX_USE = re.compile(rb"(?:</?|\s)([A-Za-z_][\w.\-]*):[A-Za-z_][\w.\-]*(?=[\s/>=])")
_PREFIX_DECLARED = re.compile(rb"xmlns:([A-Za-z_][\w.\-]*)\s*=")
_ROOT_START = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")
#: Namespace given to prefixes a document uses without declaring them (``urn:…:<prefix>``).
UNDECLARED_NAMESPACE = "urn:runload:undeclared-prefix:"
# the encoding an XML declaration names
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# encodings in which every ASCII character is the one byte it is in ASCII (so markup can be found as bytes)
_ASCII_COMPATIBLE = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "latin-1", "latin1", "iso8859-1"}
    | {f"iso-8859-{i}" for i in range(1, 17)} | {f"windows-{i}" for i in range(1250, 1259)}
    | {f"cp{i}" for i in range(1250, 1259)})
# the only markup that can declare an entity or reference an external one (both live in a DOCTYPE)
_DTD_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")


@dataclass
class XmlDocument:
    """A parsed document: its root, the bytes that were parsed (after the repairs), what was repaired and
    which parser read it (:data:`XML_DECODER` or :data:`PLAIN_XML_DECODER`)."""

    root: Element
    data: bytes
    warnings: list[str] = field(default_factory=list)
    parser: str = XML_DECODER


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


class _DepthLimitedBuilder(_DefusedTreeBuilder):
    """Tree builder that refuses nesting deeper than :data:`MAX_XML_DEPTH`."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parser = None

    def start(self, tag, attrs):
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise _TooDeep(self.parser.CurrentLineNumber if self.parser is not None else None)
        return super().start(tag, attrs)

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def strip_leading_space(data: bytes) -> tuple[bytes, int]:
    """Remove whitespace before an XML declaration (after a UTF-8 BOM): ``(data, lines removed)``.

    :func:`read_xml` does this first; ``XmlDocument.data`` holds the result."""
    body = data.removeprefix(_BOM_UTF8)
    m = _LEADING_SPACE.match(body)
    if m is None or not body[m.end():].startswith(b"<?xml"):
        return data, 0
    removed = m.group(0)
    lines = removed.count(b"\n") + removed.replace(b"\r\n", b"").count(b"\r")
    return body[m.end():], lines


def _declare_prefixes(data: bytes) -> tuple[bytes, list[str]]:
    """Declare the namespace prefixes ``data`` uses but never declares, on its root element.

    Works on ASCII-compatible encodings (UTF-8, ISO-8859-x); returns ``data`` unchanged otherwise.
    """
    used = {m.group(1) for m in _PREFIX_USE.finditer(data)} - {b"xml", b"xmlns"}
    missing = sorted(used - {m.group(1) for m in _PREFIX_DECLARED.finditer(data)})
    if not missing:
        return data, []
    pos = 0
    while True:  # skip the prolog: declaration, comments, processing instructions, DOCTYPE
        start = data.find(b"<", pos)
        if start < 0:
            return data, []
        if data.startswith(b"<?", start):
            pos = data.find(b"?>", start) + 2
        elif data.startswith(b"<!--", start):
            pos = data.find(b"-->", start) + 3
        elif data.startswith(b"<!", start):
            pos = data.find(b">", start) + 1
        else:
            break
        if pos < 3:
            return data, []
    m = _ROOT_START.match(data, start)
    if m is None:
        return data, []
    names = [p.decode("ascii") for p in missing]
    decl = b"".join(b' xmlns:' + p + b'="' + (UNDECLARED_NAMESPACE + p.decode("ascii")).encode("ascii") + b'"'
                    for p in missing)
    return data[:m.end()] + decl + data[m.end():], names


def declared_encoding(data: bytes) -> str | None:
    """The encoding named by the XML declaration of ``data`` (lower case), ``None`` when it names none."""
    match = _ENCODING.match(data.removeprefix(_BOM_UTF8))
    return match.group(1).decode("ascii").lower() if match else None


def ascii_compatible(data: bytes) -> bool:
    """Whether ``data`` starts with markup in an encoding where ASCII characters are their ASCII bytes
    (UTF-8 with or without a byte order mark, US-ASCII, ISO-8859-x, windows-125x)."""
    body = data.removeprefix(_BOM_UTF8)
    if not body.startswith(b"<") or b"\x00" in body[:4]:  # UTF-16/32 (with or without a BOM), EBCDIC, …
        return False
    return (declared_encoding(body) or "utf-8") in _ASCII_COMPATIBLE


def _within_depth(root: Element) -> bool:
    """Whether no element of the tree under ``root`` lies deeper than :data:`MAX_XML_DEPTH` (root: 1)."""
    level = [root]
    for _ in range(MAX_XML_DEPTH):
        level = list(chain.from_iterable(level))  # the children of every element of the level
        if not level:
            return True
    return False


def parse_plain(data: bytes) -> Element | None:
    """The tree of ``data`` parsed by the C parser, or ``None`` when :func:`_parse` must decide.

    Without a document type declaration XML can neither declare an entity nor reference an external one
    (expat then expands only the five predefined entities and character references), so a document whose
    bytes hold no ``<!DOCTYPE``/``<!ENTITY`` in an ASCII-compatible encoding is as safe to parse without
    defusedxml's handlers — and the C parser builds the same tree about ten times faster than the
    pure-Python parser those handlers need.  Anything else (a DOCTYPE, another encoding, broken XML,
    undeclared prefixes, nesting deeper than :data:`MAX_XML_DEPTH`) returns ``None``: the defused parse
    then refuses, repairs or reports it exactly as before.
    """
    if not ascii_compatible(data) or any(markup in data for markup in _DTD_MARKUP):
        return None
    parser = XMLParser()
    try:
        parser.feed(data)
        root = parser.close()
    except (ParseError, ValueError, LookupError):
        return None
    return root if _within_depth(root) else None


_parse_plain = parse_plain  # the names of the first plain parser (tests/io/test_xml_fast.py)
_strip_leading_space = strip_leading_space


def _parse(data: bytes) -> Element:
    target = _DepthLimitedBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    target.parser = parser.parser
    parser.feed(data)
    return parser.close()


def check_attributes(data: bytes, source: str) -> None:
    """Refuse a document with an element of more than :data:`MAX_XML_ATTRIBUTES` attributes, in linear
    time before any parser builds them (one pass over the bytes; a second only when the whole document
    holds more ``=`` than the limit).

    Raises
    ------
    CorruptFileError
        Such an element, with its line.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    eq = np.flatnonzero(b == 61)  # "="
    if eq.size <= MAX_XML_ATTRIBUTES:
        return
    lt = np.flatnonzero(b == 60)  # "<"
    counts = np.bincount(np.searchsorted(lt, eq, side="right"))
    worst = int(counts.argmax())
    if counts[worst] > MAX_XML_ATTRIBUTES:
        line = data.count(b"\n", 0, int(lt[worst - 1]) if worst else 0) + 1
        raise CorruptFileError(source, f"an element with more than {MAX_XML_ATTRIBUTES} attributes at line "
                                       f"{line} (not a GPX/TCX document structure)")


def read_xml(data: bytes, source: str) -> XmlDocument:
    """Parse ``data`` safely (no entity expansion, no external entities, bounded depth), with repairs.

    Parameters
    ----------
    data : bytes
        The whole document (already decompressed).
    source : str
        File name for error messages.

    Returns
    -------
    XmlDocument
        The root, the bytes actually parsed (hand these to a second parser such as gpxpy) and the
        repairs made (undeclared prefixes; whitespace before ``<?xml`` is removed without a warning).

    Raises
    ------
    CorruptFileError
        The document is not well-formed (message names line and column), declares entities / external
        references (refused, never expanded), nests elements deeper than :data:`MAX_XML_DEPTH` or gives an
        element more than :data:`MAX_XML_ATTRIBUTES` attributes.
    """
    check_attributes(data, source)
    data, line_offset = strip_leading_space(data)
    root = parse_plain(data)
    if root is not None:
        return XmlDocument(root=root, data=data, warnings=[], parser=PLAIN_XML_DECODER)
    notes: list[str] = []
    try:
        try:
            root = _parse(data)
        except ParseError as e:
            if str(e).split(":")[0] != "unbound prefix":
                raise
            repaired, names = _declare_prefixes(data)
            if not names:
                raise
            root = _parse(repaired)
            data = repaired
            notes.append(f"namespace prefix(es) {', '.join(names)} used without a declaration; read by "
                         "their element names")
    except _TooDeep as e:
        line = None if e.line is None else e.line + line_offset
        raise CorruptFileError(source, f"elements nested more than {MAX_XML_DEPTH} deep at line {line} "
                                       "(not a GPX/TCX document structure)") from None
    except DefusedXmlException as e:
        raise CorruptFileError(
            source, f"unsafe XML refused ({type(e).__name__}: entity declarations and external "
                    "references are not allowed in GPX/TCX)") from e
    except ParseError as e:
        line, column = getattr(e, "position", (None, None))
        if line is not None:
            line += line_offset
        msg = str(e).split(":")[0]
        raise CorruptFileError(source, f"broken XML at line {line}, column {column}: {msg}") from e
    except (ValueError, LookupError) as e:  # unknown encoding name, undecodable bytes
        raise CorruptFileError(source, f"unreadable XML: {e}") from e
    return XmlDocument(root=root, data=data, warnings=notes)


def parse_xml(data: bytes, source: str) -> Element:
    """The root element of ``data`` parsed by :func:`read_xml`."""
    return read_xml(data, source).root


def line_of(data: bytes, text: str | None) -> int | None:
    """1-based line of the first occurrence of ``text`` in ``data`` (UTF-8), ``None`` when not found."""
    if not text:
        return None
    pos = data.find(text.encode("utf-8", errors="replace"))
    if pos < 0:
        return None
    return data.count(b"\n", 0, pos) + 1


_LOCAL_NAMES: dict[object, str] = {}  # tag → local name: a document repeats a few dozen tags thousands of times


def local_name(tag: object) -> str:
    """``'{ns}name'`` → ``'name'``; comments and processing instructions (non-str tags) → ``''``."""
    try:
        return _LOCAL_NAMES[tag]
    except KeyError:
        pass
    name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
    if len(_LOCAL_NAMES) > 10_000:  # a document of made-up tags must not grow the cache without bound
        _LOCAL_NAMES.clear()
    _LOCAL_NAMES[tag] = name
    return name


def namespace(tag: str) -> str:
    """``'{ns}name'`` → ``'ns'`` (``''`` when the tag has no namespace)."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def children(element: Element, name: str) -> list[Element]:
    """Direct children of ``element`` whose local name is ``name`` (any namespace), in document order."""
    return [c for c in element if local_name(c.tag) == name]


def descendants(element: Element, name: str) -> list[Element]:
    """``element`` and the elements under it whose local name is ``name`` (any namespace), in document
    order (the tags are compared once per distinct tag, not once per element)."""
    elements = list(element.iter())
    tags = list(map(attrgetter("tag"), elements))
    wanted = {tag for tag in set(tags) if local_name(tag) == name}
    return list(compress(elements, map(wanted.__contains__, tags)))


def child(element: Element | None, *path: str) -> Element | None:
    """Follow direct children by local name (``child(lap, "AverageHeartRateBpm", "Value")``)."""
    for name in path:
        if element is None:
            return None
        for c in element:
            if local_name(c.tag) == name:
                element = c
                break
        else:
            return None
    return element


def child_text(element: Element | None, *path: str) -> str | None:
    """Cleaned text of the child at ``path`` (see :func:`clean_text`), ``None`` if absent or empty."""
    found = child(element, *path)
    return None if found is None else clean_text(found.text)


def clean_text(text: str | None) -> str | None:
    """Strip control characters and surrounding whitespace; empty → ``None``."""
    if text is None:
        return None
    text = _CONTROL.sub("", text).strip()
    return text or None


def _stripped(values: Iterable[object], stripped: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Texts with surrounding whitespace removed, as an object array (empty, ``None`` or NaN → ``None``),
    and the mask of the present ones.  ``stripped``: the values are texts without surrounding whitespace
    or ``None`` already, and are only checked for emptiness (one vectorised comparison, no loop)."""
    if stripped:
        raw = np.empty(len(values), dtype=object)
        raw[:] = values
        present = (raw != "") & np.not_equal(raw, None)
        raw[~present] = None
        return raw, present
    texts = [(v.strip() if isinstance(v, str) else None if v is None or pd.isna(v) else str(v).strip()) or None
             for v in values]
    raw = np.empty(len(texts), dtype=object)
    raw[:] = texts
    return raw, np.fromiter((t is not None for t in texts), dtype=bool, count=len(texts))


def to_float(values: Iterable[str | None], *, stripped: bool = False) -> tuple[np.ndarray, int]:
    """Convert texts to float64 (:func:`pandas.to_numeric`); missing → NaN.

    Parameters
    ----------
    values : iterable of str or None
        Texts; surrounding whitespace is ignored, and an empty text is missing like ``None``.
    stripped : bool
        ``values`` is a list of texts that carry no surrounding whitespace (or ``None``): the same
        result, without the per-text stripping.

    Returns
    -------
    numbers : numpy.ndarray of float64
    n_invalid : int
        How many present texts were not numbers (they became NaN too; the caller warns).
    """
    raw, present = _stripped(values, stripped)
    if not present.any():
        return np.full(len(raw), np.nan), 0
    numbers = np.array(pd.to_numeric(raw, errors="coerce"), dtype="float64")
    # inf is not a measurement either
    numbers[~np.isfinite(numbers)] = np.nan
    n_invalid = int((present & np.isnan(numbers)).sum())
    return numbers, n_invalid


def bad_times_message(texts: list[str | None], times: pd.DatetimeIndex, data: bytes) -> str:
    """Say how many timestamp texts did not give a valid time, quoting the first with its line in ``data``."""
    bad = [text.strip() for text, t in zip(texts, times, strict=True) if clean_text(text) and pd.isna(t)]
    if not bad:
        return "all timestamps are valid"
    line = line_of(data, bad[0])
    where = f"line {line}, " if line is not None else ""
    return (f"{len(bad)} timestamps could not be parsed or lie outside {EARLIEST_TIME.year}–"
            f"{LATEST_TIME.year - 1} (first: {where}{clean_text(bad[0])[:40]!r})")


def plausible_times(times: pd.DatetimeIndex) -> np.ndarray:
    """Mask of the timestamps inside [:data:`EARLIEST_TIME`, :data:`LATEST_TIME`) (NaT → False)."""
    with np.errstate(invalid="ignore"):
        return np.asarray((times >= EARLIEST_TIME) & (times < LATEST_TIME), dtype=bool)


def parse_times(values: Iterable[str | None], *, stripped: bool = False) -> tuple[pd.DatetimeIndex, int]:
    """Parse ISO 8601 timestamps (``Z``, offsets, fractional seconds) to a tz-aware UTC index.

    Timestamps without a zone are taken as UTC (GPX and TCX times are UTC by specification).  A
    timestamp outside :func:`plausible_times`'s window (year 0, 1677) counts as invalid.  ``stripped``
    as for :func:`to_float`.

    Returns
    -------
    times : pandas.DatetimeIndex (UTC), NaT where missing, unparseable or implausible
    n_invalid : int
        How many present texts were not valid timestamps.
    """
    raw, present = _stripped(values, stripped)
    times = pd.DatetimeIndex(pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601"))
    times = times.where(plausible_times(times))
    n_invalid = int((present & np.asarray(times.isna())).sum())
    return times, n_invalid
