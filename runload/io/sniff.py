"""Decide a file's format from its bytes: FIT, GPX or TCX.

* FIT: the header's first byte is its size (12 or 14) and bytes 8–11 spell ``.FIT``.
* GPX / TCX: XML whose root element is ``<gpx>`` / ``<TrainingCenterDatabase>`` (any prefix).  A byte
  order mark (UTF-8 or UTF-16), the XML declaration, comments, processing instructions, a DOCTYPE and
  whitespace before the root are skipped.  Only the first :data:`SNIFF_BYTES` are looked at; nothing is
  parsed or expanded here (the readers parse safely).

The extension is only a tie-breaker: a file whose bytes are clearly XML but whose root element is missing
or wrong (a broken or truncated document named ``.gpx``/``.tcx``) goes to the reader its extension names, which then reports where
the XML breaks; a ``.fit`` file whose header is damaged goes to the FIT reader for the same reason.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import UnsupportedFormatError

__all__ = ["sniff_format", "SNIFF_BYTES"]

#: How much of the file the XML sniffer looks at [bytes].
SNIFF_BYTES = 64 * 1024

_XML_ROOTS = {"gpx": "gpx", "TrainingCenterDatabase": "tcx"}
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_EXTENSIONS = {".fit": "fit", ".gpx": "gpx", ".tcx": "tcx"}


def _is_fit(data: bytes) -> bool:
    return len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT"


def _head_text(data: bytes) -> str:
    """The start of the file as text, good enough to read XML markup (ASCII) from."""
    head = data[:SNIFF_BYTES]
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:].decode("utf-8", errors="replace")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="replace")
    return head.decode("latin-1")


def _skip_to_root(text: str) -> str | None:
    """Text from the root element's ``<`` on; ``None`` when the prolog does not end inside the head."""
    s = text.lstrip()
    while True:
        if s.startswith("<?"):
            end = s.find("?>")
            if end < 0:
                return None
            s = s[end + 2:].lstrip()
        elif s.startswith("<!--"):
            end = s.find("-->", 4)
            if end < 0:
                return None
            s = s[end + 3:].lstrip()
        elif s.startswith("<!DOCTYPE") or s.startswith("<!doctype"):
            bracket, close = s.find("["), s.find(">")
            if close < 0:
                return None
            if 0 <= bracket < close:  # internal subset: ends at "]" followed by ">"
                m = re.compile(r"\]\s*>").search(s, bracket)
                if m is None:
                    return None
                close = m.end() - 1
            s = s[close + 1:].lstrip()
        else:
            return s


def _extension(path) -> str | None:
    """Format named by the extension, ignoring a trailing ``.gz`` (``run.fit.gz`` → ``fit``)."""
    if path is None:
        return None
    name = str(path).rsplit("!", 1)[-1]  # archive member display names: export.zip!a/b.fit
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


#: Well-known file signatures, to say what a wrong file is without quoting its content.
_KNOWN_MAGICS = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"%PDF", "a PDF document"),
                 (b"BZh", "bzip2 data"), (b"\xfd7zXZ", "xz data"), (b"7z\xbc\xaf", "a 7-Zip archive"),
                 (b"Rar!", "a RAR archive"), (b"SQLite format 3", "an SQLite database"))


def _describe(data: bytes) -> str:
    """What the bytes look like, in words — never the bytes themselves (they may be private)."""
    for magic, kind in _KNOWN_MAGICS:
        if data.startswith(magic):
            return kind
    head = data[:512]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut at the end of the sample
            return "binary data"
    return "text"


def sniff_format(data: bytes, path: str | Path | None = None) -> str:
    """Return ``"fit"``, ``"gpx"`` or ``"tcx"`` for the (decompressed) bytes of a file.

    Parameters
    ----------
    data : bytes
        The file's content, already decompressed.
    path : path-like or str, optional
        Used in error messages and, when the bytes alone do not decide, as a tie-breaker.

    Returns
    -------
    str
        ``"fit"``, ``"gpx"`` or ``"tcx"``.

    Raises
    ------
    UnsupportedFormatError
        Empty file, or bytes that are none of the three (the message says what was found: other XML,
        a zip archive, gzip data, …).
    """
    if len(data) == 0:
        raise UnsupportedFormatError(path, "the file is empty (0 bytes)")
    if _is_fit(data):
        return "fit"
    if data[:2] == b"\x1f\x8b":
        raise UnsupportedFormatError(path, "gzip data inside gzip data (compressed twice); decompress it once")
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        raise UnsupportedFormatError(
            path, "a zip archive: pass it to `runload inspect` or runload.io.archive.discover, which "
                  "read the runs inside it")
    ext = _extension(path)
    rest = _skip_to_root(_head_text(data))
    if rest is not None and rest.startswith("<"):
        m = _ROOT.match(rest)
        if m is not None:
            root = m.group(1)
            if root in _XML_ROOTS:
                return _XML_ROOTS[root]
            if ext in ("gpx", "tcx"):
                return ext  # damaged GPX/TCX (e.g. its root tag lost): the reader says what is wrong
            raise UnsupportedFormatError(
                path, f"XML whose root element is <{root}>, not <gpx> (GPX) or <TrainingCenterDatabase> (TCX)")
    text = _head_text(data).lstrip()
    if text.startswith("<") and ext in ("gpx", "tcx"):
        return ext  # XML whose start is damaged: the reader says where it breaks
    if ext == "fit" and data[0] in (12, 14):
        return "fit"  # damaged FIT header: the FIT reader says what is wrong
    if text.startswith("<"):
        raise UnsupportedFormatError(path, "XML without a recognisable root element (not GPX or TCX)")
    raise UnsupportedFormatError(path, f"not a FIT, GPX or TCX file ({_describe(data)})")
