"""The reference GPX parser: gpxpy, behind the defusedxml check (selected with ``parser="gpxpy"``).

gpxpy turns the text into tracks, segments and points (time, position, elevation, GPX 1.0 ``<speed>``)
and keeps each point's ``<extensions>`` children as ElementTree elements.  gpxpy parses with the
standard-library ElementTree (or lxml when installed), which expands internal entities, so it is only
given bytes :func:`runload.io.xmlsafe.read_xml` has parsed safely (entities and external references
refused, whitespace before ``<?xml`` and undeclared namespace prefixes repaired).  gpxpy rejects a whole
file for one value it cannot convert (``<ele>n/a</ele>``, a ``<trkpt>`` without ``lat``, an unknown
``<fix>``); such a file is handed to gpxpy again with those values blanked, and the affected column gets a
warning instead.  gpxpy keeps no extensions for GPX 1.0 documents; for those they are taken from the
same points of the defusedxml tree.

This was runload's only GPX parser; :mod:`runload.io.gpx_fast` reads the same documents about ten times
faster and is checked against it (``tests/io/test_gpx_parsers.py``).  gpxpy is imported only when this
module is.
"""

from __future__ import annotations

import codecs
from datetime import datetime
from xml.etree.ElementTree import Element, tostring

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd

from ..errors import CorruptFileError
from ._track import TrackPoints
from .gpx_fast import POINT_COLUMNS, GpxContent, GpxTrack, extension_values
from .xmlsafe import (
    XmlDocument,
    bad_times_message,
    child_text,
    children,
    declared_encoding,
    namespace,
    parse_times,
    plausible_times,
    read_xml,
    to_float,
)

__all__ = ["GPX_DECODER", "gpxpy_content"]

#: Value of ``RunMeta.decoder`` for GPX runs gpxpy parsed.
GPX_DECODER = f"gpxpy {gpxpy.__version__} (defusedxml pre-check)"

# values gpxpy converts in a point (tag → converter); an unconvertible one fails gpxpy's whole parse
_POINT_NUMBER_TAGS = {"ele": float, "speed": float, "course": float, "magvar": float, "geoidheight": float,
                      "hdop": float, "vdop": float, "pdop": float, "ageofdgpsdata": float, "sat": int,
                      "dgpsid": int}
_FIX_VALUES = ("none", "2d", "3d", "dgps", "pps", "3")  # gpxpy's accepted <fix> values
_POINT_TAGS = ("trkpt", "rtept", "wpt")


def _decode(data: bytes, source: str) -> str:
    """The document as text for gpxpy (BOM, else the XML declaration's encoding, else UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = declared_encoding(data) or "utf-8"
    try:
        return data.decode("utf-8-sig" if encoding.replace("_", "-") in ("utf-8", "utf8") else encoding)
    except (LookupError, UnicodeDecodeError) as e:
        raise CorruptFileError(source, f"unreadable XML: {e}") from e


def _is_number(text: str, convert: type) -> bool:
    try:
        convert(text.strip())
    except (ValueError, TypeError):
        return False
    return True


def _repaired_text(root: Element) -> tuple[str, dict[tuple[int, str], int]]:
    """Serialise ``root`` (modified in place) with the values gpxpy cannot convert blanked.

    Invalid numbers become ``nan`` (gpxpy reads them as NaN; the reader counts them as not numbers),
    an unknown ``<fix>`` is removed.  The default (GPX) namespace is dropped from the tags, as gpxpy does
    before parsing.

    Returns
    -------
    text : str
    missing : dict
        ``(track index, column)`` → number of track points without a ``lat``/``lon`` attribute (they
        were set to ``nan`` and are missing, not invalid).
    """
    gpx_ns = namespace(root.tag)
    if gpx_ns:
        prefix = "{" + gpx_ns + "}"
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.startswith(prefix):
                el.tag = el.tag[len(prefix):]
    missing: dict[tuple[int, str], int] = {}
    track_of: dict[int, int] = {}
    for t, track in enumerate(children(root, "trk")):
        for point in track.iter("trkpt"):
            track_of[id(point)] = t
    for tag in _POINT_TAGS:
        for point in root.iter(tag):
            for attr, column in (("lat", "latitude_deg"), ("lon", "longitude_deg")):
                value = point.get(attr)
                if value is None or not value.strip():
                    key = (track_of.get(id(point), -1), column)
                    missing[key] = missing.get(key, 0) + 1
                    point.set(attr, "nan")
                elif not _is_number(value, float):
                    point.set(attr, "nan")
            for field in list(point):
                convert = _POINT_NUMBER_TAGS.get(field.tag) if isinstance(field.tag, str) else None
                if convert is not None and field.text is not None and not _is_number(field.text, convert):
                    if convert is float:
                        field.text = "nan"
                    else:
                        point.remove(field)
                elif field.tag == "fix" and field.text not in _FIX_VALUES:
                    point.remove(field)
    return tostring(root, encoding="unicode"), missing


def _parse_gpx(doc: XmlDocument, source: str) -> tuple[gpxpy.gpx.GPX, dict[tuple[int, str], int]]:
    """gpxpy on the checked bytes (again on a repaired copy if gpxpy rejects a value).

    Returns
    -------
    gpx : gpxpy.gpx.GPX
    missing : dict
        Positions absent from the file, see :func:`_repaired_text` (empty when gpxpy read it as is).
    """
    text = _decode(doc.data, source)
    try:
        return gpxpy.parse(text), {}
    except gpxpy.gpx.GPXXMLSyntaxException as e:  # defusedxml parsed it, so this is not expected
        raise CorruptFileError(source, f"broken XML: {e}") from e
    except gpxpy.gpx.GPXException:
        pass
    repaired, missing = _repaired_text(read_xml(doc.data, source).root)
    try:
        return gpxpy.parse(repaired), missing
    except gpxpy.gpx.GPXException as e:
        raise CorruptFileError(source, f"invalid GPX: {e}") from e


def _offset_s(value: datetime | None) -> float:
    """UTC offset of a gpxpy datetime [s]; NaN for an offset no clock has (gpxpy keeps ``+99:00`` as it
    reads it, and :meth:`datetime.utcoffset` then raises ``ValueError``: outside ±24 h)."""
    if value is None:
        return 0.0
    try:
        offset = value.utcoffset()
    except ValueError:
        return np.nan
    return 0.0 if offset is None else offset.total_seconds()


def _utc_times(values: list[datetime | None]) -> pd.DatetimeIndex:
    """gpxpy datetimes (naive = UTC, or with a fixed offset) → UTC index; ``None`` and impossible offsets
    → NaT (counted as unreadable timestamps by the caller)."""
    naive = np.array([np.datetime64("NaT") if v is None else np.datetime64(v.replace(tzinfo=None), "us")
                      for v in values], dtype="datetime64[us]")
    offset_s = np.array([_offset_s(v) for v in values], dtype="float64")
    impossible = np.isnan(offset_s)
    naive[impossible] = np.datetime64("NaT")
    offset_s[impossible] = 0.0
    utc = naive - (offset_s * 1e6).astype("int64").astype("timedelta64[us]")
    # microseconds, the resolution gpxpy reads and pandas gives ISO 8601 texts
    return pd.DatetimeIndex(utc).tz_localize("UTC")


def _tree_points(root: Element, t: int) -> list[Element]:
    """The ``<trkpt>`` elements of the ``t``-th ``<trk>`` of the defusedxml tree, in document order."""
    tracks = children(root, "trk")
    if t >= len(tracks):
        return []
    return [p for segment in children(tracks[t], "trkseg") for p in children(segment, "trkpt")]


def _track_points(track: gpxpy.gpx.GPXTrack, t: int, root: Element, version: str | None,
                  missing: dict[tuple[int, str], int], data: bytes) -> TrackPoints:
    """Collect the points of every segment of ``track`` (gpxpy) into arrays (``data`` locates bad times)."""
    points = [p for segment in track.segments for p in segment.points]
    seg = [s for s, segment in enumerate(track.segments) for _ in segment.points]
    tree = _tree_points(root, t)
    aligned = len(tree) == len(points)
    if version == "1.0":  # gpxpy keeps no extensions in GPX 1.0; the defusedxml tree has them
        ext_lists = ([[e for x in children(p, "extensions") for e in x] for p in tree]
                     if aligned else [[] for _ in points])
    else:
        ext_lists = [p.extensions for p in points]
    ext_values: dict[str, list[str | None]] = {c: [] for c in POINT_COLUMNS}
    for found in map(extension_values, ext_lists):
        for c in POINT_COLUMNS:
            ext_values[c].append(found.get(c))
    warn: list[str] = []
    gpx_times = [p.time for p in points]
    times = _utc_times(gpx_times)
    unread = [i for i, v in enumerate(gpx_times) if v is None]
    if unread and aligned:  # no <time>, or one gpxpy's pattern does not take (surrounding blanks): try pandas
        parsed, _ = parse_times([child_text(tree[i], "time") for i in unread])
        values = times.tz_convert(None).to_numpy(copy=True)
        values[unread] = parsed.tz_convert(None).to_numpy().astype("datetime64[us]")
        times = pd.DatetimeIndex(values).tz_localize("UTC")
    times = times.where(plausible_times(times))  # year 1 from gpxpy, 1677, …: not a recorded time
    texts = [child_text(p, "time") for p in tree] if aligned else []
    if any(text is not None and pd.isna(v) for text, v in zip(texts, times, strict=False)):
        warn.append(bad_times_message(texts, times, data))
    columns: dict[str, np.ndarray] = {}
    raw = {"latitude_deg": [p.latitude for p in points], "longitude_deg": [p.longitude for p in points],
           "altitude_m": [p.elevation for p in points]}
    for name, values in raw.items():
        numbers = np.array([np.nan if v is None else v for v in values], dtype="float64")
        bad = ~np.isfinite(numbers)
        n_bad = int(bad.sum()) - int((np.array([v is None for v in values], dtype=bool)).sum()) \
            - missing.get((t, name), 0)
        numbers[bad] = np.nan
        if n_bad:
            warn.append(f"{n_bad} {name} values are not numbers; dropped")
        columns[name] = numbers
    for name in POINT_COLUMNS:
        values, n_bad = to_float(ext_values[name])
        if n_bad:
            warn.append(f"{n_bad} {name} values are not numbers; dropped")
        columns[name] = values
    core_speed = np.array([np.nan if getattr(p, "speed", None) is None else p.speed for p in points],
                          dtype="float64")
    core_speed[~np.isfinite(core_speed)] = np.nan
    speed = columns["speed_mps"]
    columns["speed_mps"] = np.where(np.isnan(speed), core_speed, speed)
    n = len(points)
    return TrackPoints(times=times, columns=columns, segment=np.asarray(seg, dtype="int64"),
                       lap=np.zeros(n, dtype="int64"), warnings=warn)


def _describe_empty(gpx: gpxpy.gpx.GPX) -> str:
    if gpx.routes:
        return f"holds {len(gpx.routes)} route(s) (a planned course without times), no recorded track"
    if gpx.waypoints:
        return f"holds only {len(gpx.waypoints)} waypoint(s), no recorded track"
    return "no tracks"


def gpxpy_content(doc: XmlDocument, source: str) -> GpxContent:
    """The tracks of a checked GPX document as gpxpy reads them (points computed when asked for)."""
    gpx, missing = _parse_gpx(doc, source)

    def track(t: int, trk: gpxpy.gpx.GPXTrack) -> GpxTrack:
        return GpxTrack(name=trk.name, type=trk.type,
                        points=lambda: _track_points(trk, t, doc.root, gpx.version, missing, doc.data))

    return GpxContent(creator=gpx.creator, name=gpx.name, tracks=[track(t, trk) for t, trk in enumerate(gpx.tracks)],
                      empty_reason=_describe_empty(gpx), decoder=GPX_DECODER)
