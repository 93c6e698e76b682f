"""GPX 1.0/1.1 reader: one :class:`~runload.run.Run` per recorded track (``<trk>``).

The document is parsed once, safely, by :func:`runload.io.xmlsafe.read_xml` (entity declarations
("billion laughs") and external entities/DTDs refused, broken XML reported with its line and column,
whitespace before ``<?xml`` and undeclared namespace prefixes repaired), and the root element is checked.
Two parsers then read the tracks from it, selected with ``parser`` (:data:`GPX_PARSERS`):

* ``"fast"`` (the default, :mod:`runload.io.gpx_fast`): the columns straight from that tree, read the
  way gpxpy reads them; a document it cannot promise to read as gpxpy does goes to gpxpy;
* ``"gpxpy"`` (:mod:`runload.io.gpx_gpxpy`, the reference; gpxpy is imported only then): gpxpy parses the
  checked bytes again; values it rejects are blanked and the file parsed once more.

Both give the same frame and meta (``tests/io/test_gpx_parsers.py``); ``RunMeta.decoder`` names the one
that ran.  An unconvertible value (``<ele>n/a</ele>``, ``lat=""``) costs only that value, with a warning.

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
TrackPointExtension versions work, in GPX 1.1 and 1.0.

Segments of a track are concatenated; the gap between two segments is timer-off, and so is a gap spent
standing (a pause; see :mod:`runload.io._track`): ``RunMeta.timer_intervals`` holds the stretches
between them.  Routes (``<rte>``) and waypoints are plans, not recordings: a file with nothing else
gives :class:`~runload.errors.EmptyRunError`.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ..errors import CorruptFileError, EmptyRunError
from ..run import Device, Run
from ._track import TrackPoints, finish_runs, make_run, sport_kind
from .gpx_fast import GpxContent, fast_content
from .gpx_points import read_gpx_xml
from .limits import check_run_count
from .xmlsafe import ascii_compatible, clean_text, descendants, local_name, parse_times, read_xml, to_float

__all__ = ["GPX_PARSERS", "DEFAULT_GPX_PARSER", "read_gpx_bytes"]

#: GPX parsers ``read_gpx_bytes`` can use (``parser=``); the first is the default.
GPX_PARSERS = ("fast", "gpxpy")
DEFAULT_GPX_PARSER = GPX_PARSERS[0]

#: Heart-rate samples of a separate ``<heartRateTrack>`` further apart than this [s] are not
#: interpolated between (a strap that lost contact); SportTracks writes one every few seconds.
HEART_RATE_TRACK_MAX_GAP_S = 10.0


def _heart_rate_track(root: Element, data: bytes) -> tuple[pd.DatetimeIndex, np.ndarray] | None:
    """Times and values [1/min] of every ``<heartRate time= bpm=>`` in a ``<heartRateTrack>``, by time
    (``data``, the parsed bytes, spares the search through the tree when they cannot hold one)."""
    if ascii_compatible(data) and b"heartRateTrack" not in data:
        return None
    texts, values = [], []
    for track in descendants(root, "heartRateTrack"):
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


def _content(data: bytes, source: str, parser: str) -> tuple[GpxContent, Element, bytes, list[str]]:
    """Parse ``data`` once safely, check the root, read the tracks with ``parser`` (or gpxpy, see above)."""
    if parser not in GPX_PARSERS:
        raise ValueError(f"unknown GPX parser {parser!r}; one of {', '.join(GPX_PARSERS)}")
    # refuses entities and external references; broken XML → line, column
    doc, bodies = read_gpx_xml(data, source) if parser == "fast" else (read_xml(data, source), None)
    root = doc.root
    if local_name(root.tag) != "gpx":
        raise CorruptFileError(source, f"root element is <{local_name(root.tag)}>, not <gpx>")
    content = fast_content(doc, source, bodies) if parser == "fast" else None
    if content is None and bodies is not None:  # not for the fast read of cut bodies: the whole tree
        doc = read_xml(data, source)
        root = doc.root
        content = fast_content(doc, source)
    if content is None:
        from .gpx_gpxpy import gpxpy_content  # gpxpy is imported only for the documents it reads

        content = gpxpy_content(doc, source)
    return content, root, doc.data, doc.warnings


def read_gpx_bytes(data: bytes, *, source: str, decoder: str | None = None, include_non_running: bool = False,
                   parser: str = DEFAULT_GPX_PARSER) -> list[Run]:
    """Read every running ``<trk>`` of a GPX document (reader contract: :data:`runload.io.READERS`).

    ``decoder`` (the FIT decoder) is ignored; ``include_non_running`` also returns tracks whose ``<type>``
    names another sport; ``parser`` is one of :data:`GPX_PARSERS`.  Returns one run per track with timed
    points, in file order.

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
    content, root, data, file_warnings = _content(data, source, parser)
    creator = clean_text(content.creator)
    if not content.tracks:
        raise EmptyRunError(source, content.empty_reason)
    metadata_name = clean_text(content.name)
    hr_track = _heart_rate_track(root, data)

    runs: list[Run] = []
    skipped_sports: list[str] = []
    n_untimed = 0
    bad_time: str | None = None
    for t, track in enumerate(content.tracks):
        sport = clean_text(track.type)
        if sport_kind(sport) == "other" and not include_non_running:
            skipped_sports.append(sport or "?")
            continue
        points = track.points()
        if len(points.times) == 0:
            continue
        if hr_track is not None:
            _align_heart_rate(points, hr_track)
        check_run_count(len(runs), source, "tracks")
        said = f"type {sport!r}" if sport else "no sport"
        run = make_run(points, source=source, fmt="gpx", sport=sport, file_warnings=file_warnings,
                       unknown_sport=f"track {t}: the file states {said}", device=Device(product=creator),
                       name=clean_text(track.name) or metadata_name, watch=None, decoder=content.decoder)
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
