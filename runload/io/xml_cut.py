"""What the fast track reads of TCX and GPX share (issue 10): when the bodies of a document's track
elements may be cut out and read by a regular expression, and the checks a cut body must pass.

:mod:`runload.io.tcx_points` cuts ``<Track>`` bodies, :mod:`runload.io.gpx_points` ``<trkseg>`` bodies.
Both parse the rest of the document (the *skeleton*) with the C parser and keep each cut element as an
empty element whose marker attribute numbers its body.  The rules below are what makes the cut safe: the
skeleton parses only where the whole document would have, and a body holds nothing the reader would read
differently from its tree (see the two modules' docstrings for the form of a plain body).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain
from xml.etree.ElementTree import Element

from .xmlsafe import (
    MAX_XML_DEPTH,
    PLAIN_XML_DECODER,
    XmlDocument,
    ascii_compatible,
    check_attributes,
    parse_plain,
    read_xml,
    strip_leading_space,
)

__all__ = ["PREFIX_ATTR", "BLANK", "VALUE", "SKIPPED", "may_cut", "declared_prefixes", "plain_body", "skeleton",
           "bodies_within_depth", "read_cut"]

#: Attribute added to a cut element for each namespace prefix its body uses, so that the skeleton parses
#: only where the prefix is declared in the element's scope, as the body needs it to be.
PREFIX_ATTR = b"runload-prefix"
#: Blanks between elements (possessive: never given back).
BLANK = rb"[ \t\r\n]*+"
#: The text of a value, captured: printable ASCII but blank, ``&`` and ``<``.
VALUE = rb"([!-%'-;=-~]*+)"
#: The same, not captured (a text the reader ignores).
SKIPPED = rb"[!-%'-;=-~]*+"

_BOM_UTF8 = b"\xef\xbb\xbf"
_DECLARATION = re.compile(rb"<\?xml[ \t\r\n]")  # the XML declaration (a processing instruction is not cut)
_DECLARED_PREFIX = re.compile(rb"xmlns:([A-Za-z_][\w.\-]*)[ \t\r\n]*=")
# bytes allowed anywhere in a body: tab, newline, carriage return and printable ASCII except &
_BODY_BYTES = bytes([9, 10, 13, *(b for b in range(32, 127) if b != ord("&"))])


def _markup(data: bytes, char: bytes, start: int = 0) -> bool:
    """Whether ``data`` holds ``<`` + ``char`` after ``start`` (searched by the rare ``char``)."""
    i = data.find(char, start + 1)
    while i >= 0:
        if data[i - 1] == ord("<"):
            return True
        i = data.find(char, i + 1)
    return False


def may_cut(data: bytes, marker: bytes) -> bool:
    """Whether any body of ``data`` may be cut: an ASCII-compatible encoding, every ``<`` the start of a
    tag (no ``<!``: DOCTYPE, comment, CDATA; no processing instruction after the XML declaration), and
    neither ``marker`` (the cut element's attribute) nor :data:`PREFIX_ATTR` already in the text."""
    head = data.removeprefix(_BOM_UTF8)
    return not (not ascii_compatible(data) or _markup(data, b"!") or _markup(head, b"?", 1)
                or (head.startswith(b"<?") and not _DECLARATION.match(head))
                or marker in data or PREFIX_ATTR in data)


def declared_prefixes(data: bytes) -> tuple[bytes, ...]:
    """Every namespace prefix ``data`` declares anywhere (sorted)."""
    return tuple(sorted(set(_DECLARED_PREFIX.findall(data))))


def plain_body(body: bytes) -> bool:
    """Whether every byte of ``body`` is printable ASCII or a blank, with no ``&`` and no ``]]>``."""
    return not body.translate(None, _BODY_BYTES) and b"]]>" not in body


def skeleton(data: bytes, cuts: list[tuple[int, int, bytes, bytes]], marker: str,
             prefixes: tuple[bytes, ...]) -> bytes:
    """``data`` with each cut ``(start, end, name, body)`` — the element ``data[start:end]``, ``name`` its
    (prefixed) name — replaced by an empty element of that name whose ``marker`` attribute numbers the
    cut, with a :data:`PREFIX_ATTR` attribute for each of ``prefixes`` its ``body`` uses.  ``cuts`` in
    document order, not overlapping."""
    pieces: list[bytes] = []
    pos = 0
    for i, (start, end, name, body) in enumerate(cuts):
        attrs = b"".join(b" " + p + b":" + PREFIX_ATTR + b'=""' for p in prefixes if p + b":" in body)
        pieces += [data[pos:start], b"<" + name + b" " + marker.encode() + b'="%d"' % i + attrs + b"/>"]
        pos = end
    pieces.append(data[pos:])
    return b"".join(pieces)


def bodies_within_depth(root: Element, marker: str, body_depth: int) -> bool:
    """Whether every cut element (carrying ``marker``) lies ``body_depth`` levels (what its body adds)
    within :data:`~runload.io.xmlsafe.MAX_XML_DEPTH` (root: level 1), so its body did too."""
    level, depth = [root], 1
    while level:
        if depth > MAX_XML_DEPTH - body_depth and any(e.get(marker) is not None for e in level):
            return False
        level = list(chain.from_iterable(level))
        depth += 1
    return True


def read_cut(data: bytes, source: str, cut: Callable[[bytes], tuple[bytes, list] | None], marker: str,
             body_depth: int) -> tuple[XmlDocument, list | None]:
    """Parse ``data`` with the bodies ``cut`` takes out of it, or the whole document.

    Parameters
    ----------
    data : bytes
        The whole document.
    source : str
        File name for error messages.
    cut : callable
        Given the document (leading blanks stripped as :func:`~runload.io.xmlsafe.read_xml` strips them),
        its skeleton and the texts of each cut body, or ``None`` when nothing may be cut.
    marker, body_depth
        The attribute of a cut element, and how many levels its body adds (:func:`bodies_within_depth`).

    Returns
    -------
    doc : XmlDocument
        As :func:`~runload.io.xmlsafe.read_xml` returns it (same ``data``, ``warnings`` and ``parser``),
        except that a cut element is empty and carries ``marker``.
    bodies : list or None
        What ``cut`` gave for each body; ``None`` when the whole document was parsed (no ``marker`` then).

    Raises
    ------
    CorruptFileError
        As :func:`~runload.io.xmlsafe.read_xml`.
    """
    check_attributes(data, source)
    stripped, _ = strip_leading_space(data)
    pieces = cut(stripped)
    if pieces is not None:
        root = parse_plain(pieces[0])
        if root is not None and bodies_within_depth(root, marker, body_depth):
            return XmlDocument(root=root, data=stripped, warnings=[], parser=PLAIN_XML_DECODER), pieces[1]
    return read_xml(data, source), None
