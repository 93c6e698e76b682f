"""GPX 1.0/1.1 reader: one :class:`~runload.run.Run` per recorded track (``<trk>``).

The document is parsed by gpxpy (the parser the project asked for): it turns the text into tracks,
segments and points (time, position, elevation, GPX 1.0 ``<speed>``) and keeps each point's
``<extensions>`` children as ElementTree elements, from which the values below are read.  gpxpy parses
with the standard-library ElementTree (or lxml when installed), which expands internal entities, so the
bytes are first parsed with ``defusedxml`` (:func:`runload.io.xmlsafe.read_xml`): entity declarations
("billion laughs") and external entities/DTDs are refused before gpxpy sees the text, broken XML is
reported with its line and column, and the root element is checked; whitespace before ``<?xml`` and
undeclared namespace prefixes are repaired there, and gpxpy is given the repaired bytes.  gpxpy rejects
a whole file for one value it cannot convert (``<ele>n/a</ele>``, a ``<trkpt>`` without ``lat``, an
unknown ``<fix>``); such a file is handed to gpxpy again with those values blanked, and the affected
column gets a warning instead.

What is read from each ``<trkpt>``:

==========================  ==========================================================================
column                      source
==========================  ==========================================================================
``latitude_deg``            ``lat`` attribute
``longitude_deg``           ``lon`` attribute
``altitude_m``              ``<ele>``
``heart_rate_bpm``          ``hr`` / ``heartrate`` in any extension (Garmin TrackPointExtension v1/v2)
``cadence_spm``             ``cad`` / ``cadence`` (strides/min in Garmin and Strava exports: doubled
                            when the median non-zero value is below 120, see :func:`._track.cadence_unit`)
``power_w``                 ``power`` (Strava, TrackPointExtension), ``PowerInWatts`` (Garmin
                            PowerExtension), ``watts``
``temperature_c``           ``atemp`` (air), else ``wtemp`` (water)
``speed_mps``               ``speed`` in TrackPointExtension v2, else GPX 1.0 ``<speed>``, else any
                            other ``speed`` extension — only when recorded, never invented
``distance_m``              computed from positions (haversine), not growing while the timer is off
==========================  ==========================================================================

Heart rate can also come from a separate track: SportTracks-style exports (Sports Tracker and others)
write ``<extensions><st:activity><st:heartRateTrack><st:heartRate time="…" bpm="…"/>`` beside the
``<trk>`` instead of a value per point.  Those values are aligned to the points by time (linear
interpolation between heart-rate samples at most :data:`HEART_RATE_TRACK_MAX_GAP_S` apart) wherever a
point has no heart rate of its own, with a warning saying so.

Extensions are matched by local name, so any namespace prefix (``gpxtpx:``, ``ns3:``) and both
TrackPointExtension versions work.  gpxpy keeps no extensions for GPX 1.0 documents; for those they are
taken from the same points of the defusedxml tree.

Segments of a track are concatenated; the gap between two segments is timer-off, and so is a gap spent
standing (a pause; see :mod:`runload.io._track`): ``RunMeta.timer_intervals`` holds the stretches
between them.  Routes (``<rte>``) and waypoints are plans, not recordings: a file with nothing else
gives :class:`~runload.errors.EmptyRunError`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from datetime import datetime
from xml.etree.ElementTree import Element, tostring

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd

from ..errors import CorruptFileError, EmptyRunError
from ..run import Device, Run
from ._track import TrackPoints, finish_runs, make_run, sport_kind
from .xmlsafe import (
    XmlDocument,
    bad_times_message,
    child_text,
    children,
    clean_text,
    local_name,
    namespace,
    parse_times,
    plausible_times,
    read_xml,
    to_float,
)

__all__ = ["read_gpx_bytes"]

_TPX_NAMESPACE_PREFIX = "http://www.garmin.com/xmlschemas/TrackPointExtension/"

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
_POINT_COLUMNS = ("heart_rate_bpm", "cadence_spm", "power_w", "temperature_c", "speed_mps")


#: Value of ``RunMeta.decoder`` for GPX runs.
GPX_DECODER = f"gpxpy {gpxpy.__version__} (defusedxml pre-check)"

_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# values gpxpy converts in a point (tag → converter); an unconvertible one fails gpxpy's whole parse
_POINT_NUMBER_TAGS = {"ele": float, "speed": float, "course": float, "magvar": float, "geoidheight": float,
                      "hdop": float, "vdop": float, "pdop": float, "ageofdgpsdata": float, "sat": int,
                      "dgpsid": int}
_FIX_VALUES = ("none", "2d", "3d", "dgps", "pps", "3")  # gpxpy's accepted <fix> values
_POINT_TAGS = ("trkpt", "rtept", "wpt")

#: Heart-rate samples of a separate ``<heartRateTrack>`` further apart than this [s] are not
#: interpolated between (a strap that lost contact); SportTracks writes one every few seconds.
HEART_RATE_TRACK_MAX_GAP_S = 10.0


def _extension_values(extensions: Iterable[Element]) -> dict[str, str]:
    """Extension values of one point keyed by canonical column (texts, not yet numbers).

    ``extensions`` are the children of the point's ``<extensions>`` (gpxpy's ``point.extensions``).
    """
    found: dict[str, str] = {}
    preferred: set[str] = set()
    water: str | None = None
    for top in extensions:
        for el in top.iter():
            name = local_name(el.tag).lower()
            text = el.text
            if text is None or not text.strip():
                continue
            if name == _WATER_TEMPERATURE:
                water = water or text
                continue
            col = _EXTENSION_COLUMNS.get(name)
            if col is None:
                continue
            # Garmin's TrackPointExtension wins over look-alikes (fit2gpx also writes nmea:speed)
            is_tpx = el.tag.startswith("{" + _TPX_NAMESPACE_PREFIX)
            if col not in found or (is_tpx and col not in preferred):
                found[col] = text
                if is_tpx:
                    preferred.add(col)
    if water is not None and "temperature_c" not in found:
        found["temperature_c"] = water
    return found


def _decode(data: bytes, source: str) -> str:
    """The document as text for gpxpy (BOM, else the XML declaration's encoding, else UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        match = _ENCODING.match(data.removeprefix(codecs.BOM_UTF8))
        encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
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


def _parse_gpx(data: bytes, source: str) -> tuple[gpxpy.gpx.GPX, XmlDocument, dict[tuple[int, str], int]]:
    """defusedxml check, then gpxpy (again on a repaired copy if gpxpy rejects a value).

    Returns
    -------
    gpx : gpxpy.gpx.GPX
    doc : XmlDocument
        The defusedxml tree (for GPX 1.0 extensions, timestamps and the heart-rate track) and the bytes
        gpxpy parsed (after :func:`~runload.io.xmlsafe.read_xml`'s repairs).
    missing : dict
        Positions absent from the file, see :func:`_repaired_text` (empty when gpxpy read it as is).
    """
    doc = read_xml(data, source)  # refuses entities and external references; broken XML → line, column
    root = doc.root
    if local_name(root.tag) != "gpx":
        raise CorruptFileError(source, f"root element is <{local_name(root.tag)}>, not <gpx>")
    text = _decode(doc.data, source)
    try:
        return gpxpy.parse(text), doc, {}
    except gpxpy.gpx.GPXXMLSyntaxException as e:  # defusedxml parsed it, so this is not expected
        raise CorruptFileError(source, f"broken XML: {e}") from e
    except gpxpy.gpx.GPXException:
        pass
    repaired, missing = _repaired_text(read_xml(doc.data, source).root)
    try:
        return gpxpy.parse(repaired), doc, missing
    except gpxpy.gpx.GPXException as e:
        raise CorruptFileError(source, f"invalid GPX: {e}") from e


def _heart_rate_track(root: Element) -> tuple[pd.DatetimeIndex, np.ndarray] | None:
    """Times and values [1/min] of every ``<heartRate time= bpm=>`` in a ``<heartRateTrack>``, by time."""
    texts, values = [], []
    for track in (el for el in root.iter() if local_name(el.tag) == "heartRateTrack"):
        for sample in track:
            if local_name(sample.tag) == "heartRate":
                texts.append(sample.get("time"))
                values.append(sample.get("bpm"))
    if not texts:
        return None
    times, _ = parse_times(texts)
    bpm, _ = to_float(values)
    ok = ~np.asarray(times.isna()) & ~np.isnan(bpm)
    if not ok.any():
        return None
    order = np.argsort(times[ok].asi8, kind="stable")
    return times[ok][order], bpm[ok][order]


def _align_heart_rate(points: TrackPoints, track: tuple[pd.DatetimeIndex, np.ndarray]) -> None:
    """Fill ``heart_rate_bpm`` of points without one from a separate heart-rate track, by time."""
    hr_times, bpm = track
    hr_s = hr_times.as_unit("ns").asi8 / 1e9
    t = points.times.as_unit("ns").asi8 / 1e9
    has_time = ~np.asarray(points.times.isna())
    value = np.full(t.shape, np.nan)
    if hr_s.size == 1:
        value[has_time & (t == hr_s[0])] = bpm[0]
    else:
        right = np.clip(np.searchsorted(hr_s, t, side="left"), 1, hr_s.size - 1)
        left = right - 1
        inside = has_time & (t >= hr_s[0]) & (t <= hr_s[-1])
        close = (hr_s[right] - hr_s[left]) <= HEART_RATE_TRACK_MAX_GAP_S
        exact = (t == hr_s[left]) | (t == hr_s[right])
        use = inside & (close | exact)
        value[use] = np.interp(t[use], hr_s, bpm)
    current = points.columns["heart_rate_bpm"]
    fill = np.isnan(current) & ~np.isnan(value)
    if fill.any():
        points.columns["heart_rate_bpm"] = np.where(fill, value, current)
        points.warnings.append(f"heart rate of {int(fill.sum())} points taken from the file's separate "
                               f"heart-rate track (<heartRateTrack>, {bpm.size} values), aligned by time")


def _utc_times(values: list[datetime | None]) -> pd.DatetimeIndex:
    """gpxpy datetimes (naive = UTC, or with a fixed offset) → UTC index; ``None`` → NaT."""
    naive = np.array([np.datetime64("NaT") if v is None else np.datetime64(v.replace(tzinfo=None), "us")
                      for v in values], dtype="datetime64[us]")
    offset_s = np.array([0.0 if v is None or v.utcoffset() is None else v.utcoffset().total_seconds()
                         for v in values], dtype="float64")
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
    ext_values: dict[str, list[str | None]] = {c: [] for c in _POINT_COLUMNS}
    for found in map(_extension_values, ext_lists):
        for c in _POINT_COLUMNS:
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
    for name in _POINT_COLUMNS:
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


def read_gpx_bytes(data: bytes, *, source: str, decoder: str | None = None,
                   include_non_running: bool = False) -> list[Run]:
    """Read every running ``<trk>`` of a GPX document (reader contract: :data:`runload.io.READERS`).

    ``decoder`` is ignored; ``include_non_running`` also returns tracks whose ``<type>`` names another
    sport.  Returns one run per track with timed points, in file order.

    Raises
    ------
    CorruptFileError
        Broken or unsafe XML, the root element is not ``<gpx>``, or no point has a valid time because
        every timestamp is unreadable (the message names the first one's line).
    EmptyRunError
        No track, only routes/waypoints, or no point with a timestamp.
    NotARunError
        Every track names a sport other than running (and ``include_non_running`` is False).
    """
    gpx, doc, missing = _parse_gpx(data, source)
    creator = clean_text(gpx.creator)
    if not gpx.tracks:
        raise EmptyRunError(source, _describe_empty(gpx))
    metadata_name = clean_text(gpx.name)
    hr_track = _heart_rate_track(doc.root)

    runs: list[Run] = []
    skipped_sports: list[str] = []
    n_untimed = 0
    bad_time: str | None = None
    for t, track in enumerate(gpx.tracks):
        sport = clean_text(track.type)
        if sport_kind(sport) == "other" and not include_non_running:
            skipped_sports.append(sport or "?")
            continue
        points = _track_points(track, t, doc.root, gpx.version, missing, doc.data)
        if len(points.times) == 0:
            continue
        if hr_track is not None:
            _align_heart_rate(points, hr_track)
        said = f"type {sport!r}" if sport else "no sport"
        run = make_run(points, source=source, fmt="gpx", sport=sport, file_warnings=doc.warnings,
                       unknown_sport=f"track {t}: the file states {said}", device=Device(product=creator),
                       name=clean_text(track.name) or metadata_name, watch=None, decoder=GPX_DECODER)
        if run is None:
            n_untimed += 1
            bad_time = bad_time or next((w for w in points.warnings if "timestamps could not" in w), None)
            continue
        runs.append(run)
    if not runs and bad_time and not skipped_sports:
        raise CorruptFileError(source, f"no track point has a valid time: {bad_time}")
    empty = ("no timestamps: the track points have no <time>, so this is a route or a drawn path, not a "
             "recorded run") if n_untimed else "the tracks hold no points"
    return finish_runs(runs, source=source, skipped_sports=skipped_sports, sport_label="track type",
                       empty_reason=empty, n_skipped=n_untimed,
                       skipped_note=f"skipped {n_untimed} track(s) without timestamps")
