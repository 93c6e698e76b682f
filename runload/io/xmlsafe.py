"""Safe XML parsing and value conversion shared by the GPX and TCX readers.

Every XML document from a user goes through :func:`parse_xml`, which uses ``defusedxml`` so entity
declarations (the "billion laughs" expansion bomb) and external entities/DTDs fetched from elsewhere are
refused before anything is expanded.  Broken XML becomes a :class:`~runload.errors.CorruptFileError`
naming the line and column.

Element names are compared by *local name* (the part after ``}``): real exports bind the same
namespaces to different prefixes (``gpxtpx:``, ``ns3:``, ``ns2:``) and some omit the namespace, so
matching on the local name is both tolerant and unambiguous inside the element we are looking at.
Strings taken from a file are kept as data (escaping is the report's job) with control characters
removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree.ElementTree import Element, ParseError

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from ..errors import CorruptFileError

__all__ = ["XML_DECODER", "parse_xml", "local_name", "child", "children", "child_text", "clean_text",
           "to_float", "parse_times"]

#: Value of ``RunMeta.decoder`` for runs read from XML.
XML_DECODER = "defusedxml.ElementTree"

# C0 controls except tab/newline/carriage return, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse_xml(data: bytes, source: str) -> Element:
    """Parse ``data`` into an ElementTree root with entity expansion and external entities forbidden.

    Parameters
    ----------
    data : bytes
        The whole document (already decompressed).
    source : str
        File name for error messages.

    Returns
    -------
    xml.etree.ElementTree.Element
        The root element.

    Raises
    ------
    CorruptFileError
        The document is not well-formed (message names line and column) or declares entities / external
        references (refused, never expanded).
    """
    try:
        return _defused_fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise CorruptFileError(
            source, f"unsafe XML refused ({type(e).__name__}: entity declarations and external "
                    "references are not allowed in GPX/TCX)") from e
    except ParseError as e:
        line, column = getattr(e, "position", (None, None))
        msg = str(e).split(":")[0]
        raise CorruptFileError(source, f"broken XML at line {line}, column {column}: {msg}") from e
    except (ValueError, LookupError) as e:  # unknown encoding name, undecodable bytes
        raise CorruptFileError(source, f"unreadable XML: {e}") from e


def local_name(tag: object) -> str:
    """``'{ns}name'`` → ``'name'``; comments and processing instructions (non-str tags) → ``''``."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    """``'{ns}name'`` → ``'ns'`` (``''`` when the tag has no namespace)."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def children(element: Element, name: str) -> list[Element]:
    """Direct children of ``element`` whose local name is ``name`` (any namespace), in document order."""
    return [c for c in element if local_name(c.tag) == name]


def child(element: Element | None, *path: str) -> Element | None:
    """Follow direct children by local name (``child(lap, "AverageHeartRateBpm", "Value")``)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if local_name(c.tag) == name), None)
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


def _stripped(values: Iterable[str | None]) -> pd.Series:
    """Texts as an object Series with surrounding whitespace removed; empty → None."""
    raw = pd.Series(list(values), dtype=object)
    present = raw.notna()
    if present.any():
        raw[present] = raw[present].astype(str).str.strip()
        raw[raw == ""] = None
    return raw


def to_float(values: Iterable[str | None]) -> tuple[np.ndarray, int]:
    """Convert texts to float64; missing → NaN.

    Returns
    -------
    numbers : numpy.ndarray of float64
    n_invalid : int
        How many present texts were not numbers (they became NaN too; the caller warns).
    """
    raw = _stripped(values)
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", copy=True)
    # inf is not a measurement either
    numbers[~np.isfinite(numbers)] = np.nan
    n_invalid = int((raw.notna().to_numpy() & np.isnan(numbers)).sum())
    return numbers, n_invalid


def parse_times(values: Iterable[str | None]) -> tuple[pd.DatetimeIndex, int]:
    """Parse ISO 8601 timestamps (``Z``, offsets, fractional seconds) to a tz-aware UTC index.

    Timestamps without a zone are taken as UTC (GPX and TCX times are UTC by specification).

    Returns
    -------
    times : pandas.DatetimeIndex (UTC), NaT where missing or unparseable
    n_invalid : int
        How many present texts were not valid timestamps.
    """
    raw = _stripped(values)
    times = pd.DatetimeIndex(pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601"))
    n_invalid = int((raw.notna().to_numpy() & times.isna()).sum())
    return times, n_invalid
