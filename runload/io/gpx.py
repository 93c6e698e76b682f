"""GPX 1.0/1.1 reader: one :class:`~runload.run.Run` per recorded track (``<trk>``).

The document is parsed with ``defusedxml`` (see :mod:`runload.io.xmlsafe`) rather than gpxpy: one safe
parse, direct access to every extension namespace, and the values go straight into arrays.

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
``distance_m``              computed from positions (haversine), not growing across segment gaps
==========================  ==========================================================================

Segments of a track are concatenated; the gap between two segments is timer-off
(``RunMeta.timer_intervals`` holds one interval per segment).  Routes (``<rte>``) and waypoints are
plans, not recordings: a file with nothing else gives :class:`~runload.errors.EmptyRunError`.
"""

from __future__ import annotations

import warnings
from xml.etree.ElementTree import Element

import numpy as np

from ..errors import CorruptFileError, EmptyRunError, NotARunError, RunloadWarning
from ..run import Device, Run, RunMeta
from ..schema import validate
from ._track import TrackPoints, build_samples, cadence_unit, sport_kind
from .xmlsafe import (
    XML_DECODER,
    child_text,
    children,
    clean_text,
    local_name,
    parse_times,
    parse_xml,
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


def _point_extensions(point: Element) -> dict[str, str]:
    """Extension values of one ``<trkpt>`` keyed by canonical column (texts, not yet numbers)."""
    found: dict[str, str] = {}
    preferred: set[str] = set()
    water: str | None = None
    for ext in point:
        if local_name(ext.tag) != "extensions":
            continue
        for el in ext.iter():
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


def _track_points(track: Element) -> TrackPoints:
    """Collect the points of every segment of ``track`` into arrays."""
    lat, lon, ele, time, seg = [], [], [], [], []
    ext_values: dict[str, list[str | None]] = {c: [] for c in _POINT_COLUMNS}
    core_speed: list[str | None] = []
    for s, segment in enumerate(children(track, "trkseg")):
        for point in children(segment, "trkpt"):
            lat.append(point.get("lat"))
            lon.append(point.get("lon"))
            ele.append(child_text(point, "ele"))
            time.append(child_text(point, "time"))
            core_speed.append(child_text(point, "speed"))  # GPX 1.0 core element
            seg.append(s)
            ext = _point_extensions(point)
            for c in _POINT_COLUMNS:
                ext_values[c].append(ext.get(c))
    warn: list[str] = []
    times, n_bad_time = parse_times(time)
    if n_bad_time:
        warn.append(f"{n_bad_time} timestamps could not be parsed")
    columns: dict[str, np.ndarray] = {}
    for name, texts in (("latitude_deg", lat), ("longitude_deg", lon), ("altitude_m", ele),
                        *((c, ext_values[c]) for c in _POINT_COLUMNS)):
        values, n_bad = to_float(texts)
        if n_bad:
            warn.append(f"{n_bad} {name} values are not numbers; dropped")
        columns[name] = values
    speed_core, _ = to_float(core_speed)
    speed = columns["speed_mps"]
    columns["speed_mps"] = np.where(np.isnan(speed), speed_core, speed)
    n = len(lat)
    return TrackPoints(times=times, columns=columns, segment=np.asarray(seg, dtype="int64"),
                       lap=np.zeros(n, dtype="int64"), warnings=warn)


def _describe_empty(root: Element) -> str:
    n_routes = len(children(root, "rte"))
    n_waypoints = len(children(root, "wpt"))
    if n_routes:
        return f"holds {n_routes} route(s) (a planned course without times), no recorded track"
    if n_waypoints:
        return f"holds only {n_waypoints} waypoint(s), no recorded track"
    return "no tracks"


def read_gpx_bytes(data: bytes, *, source: str, decoder: str | None = None,
                   include_non_running: bool = False) -> list[Run]:
    """Read every running track of a GPX document.

    Parameters
    ----------
    data : bytes
        The GPX document (decompressed).
    source : str
        Display path, used in messages and ``RunMeta.source``.
    decoder : str, optional
        Ignored (accepted so every reader has the same signature).
    include_non_running : bool
        Also return tracks whose ``<type>`` names another sport.

    Returns
    -------
    list of Run
        One per track with timed points, in file order.

    Raises
    ------
    CorruptFileError
        Broken or unsafe XML, or the root element is not ``<gpx>``.
    EmptyRunError
        No track, only routes/waypoints, or no point with a timestamp.
    NotARunError
        Every track names a sport other than running (and ``include_non_running`` is False).
    """
    root = parse_xml(data, source)
    if local_name(root.tag) != "gpx":
        raise CorruptFileError(source, f"root element is <{local_name(root.tag)}>, not <gpx>")
    creator = clean_text(root.get("creator"))
    tracks = children(root, "trk")
    if not tracks:
        raise EmptyRunError(source, _describe_empty(root))
    metadata_name = child_text(root, "metadata", "name")

    runs: list[Run] = []
    skipped_sports: list[str] = []
    n_untimed = 0
    for t, track in enumerate(tracks):
        sport = child_text(track, "type")
        kind = sport_kind(sport)
        if kind == "other" and not include_non_running:
            skipped_sports.append(sport or "?")
            continue
        points = _track_points(track)
        if len(points.times) == 0:
            continue
        frame, intervals = build_samples(points)
        if frame is None:
            n_untimed += 1
            continue
        messages = list(points.warnings)
        if kind == "unknown":
            said = f"type {sport!r}" if sport else "no sport"
            messages.append(f"track {t}: the file states {said}; treated as a run")
        unit = None
        if "cadence_spm" in frame.columns:
            unit, factor, median = cadence_unit(frame["cadence_spm"].to_numpy())
            if unit is not None:
                frame["cadence_spm"] = frame["cadence_spm"] * factor
                action = "doubled to steps/min" if factor == 2.0 else "kept as steps/min"
                messages.append(f"cadence in the file looks like {unit} (median {median:.0f}); {action}")
        meta = RunMeta(
            source=source, format="gpx", sport=sport, device=Device(product=creator),
            start=frame.index[0].to_pydatetime(), name=child_text(track, "name") or metadata_name,
            watch=None, decoder=XML_DECODER, timer_intervals=intervals, cadence_unit_in_file=unit,
        )
        meta.warnings = [f"{source}: {m}" for m in messages]
        runs.append(Run(samples=validate(frame), meta=meta))

    if not runs:
        if skipped_sports:
            sports = ", ".join(sorted(set(skipped_sports)))
            raise NotARunError(source, sports, f"not a run (track type: {sports})")
        if n_untimed:
            raise EmptyRunError(source, "no timestamps: the track points have no <time>, so this is a "
                                        "route or a drawn path, not a recorded run")
        raise EmptyRunError(source, "the tracks hold no points")
    for i, run in enumerate(runs):
        run.meta.session_index = i
        run.meta.n_sessions = len(runs)
        if n_untimed:
            run.meta.warnings.append(f"{source}: skipped {n_untimed} track(s) without timestamps")
        for message in run.meta.warnings:
            warnings.warn(message, RunloadWarning, stacklevel=2)
    return runs
