"""TCX (Garmin Training Center Database v2) reader: one :class:`~runload.run.Run` per ``<Activity>``.

Parsed with ``defusedxml`` (:mod:`runload.io.xmlsafe`).  tcxreader is not used: it drops trackpoints
without a position (treadmill minutes, GPS dropouts), which still carry time, heart rate and cadence.

What is read from each ``<Trackpoint>``:

==========================  ==========================================================================
column                      source
==========================  ==========================================================================
``latitude_deg``            ``Position/LatitudeDegrees``
``longitude_deg``           ``Position/LongitudeDegrees``
``altitude_m``              ``AltitudeMeters``
``distance_m``              ``DistanceMeters`` as recorded; from positions only when no point has it
``heart_rate_bpm``          ``HeartRateBpm/Value``
``cadence_spm``             ``Extensions/TPX/RunCadence``, else ``Cadence`` (strides/min in Garmin and
                            Strava exports: doubled when the median non-zero value is below 120)
``speed_mps``               ``Extensions/TPX/Speed`` (only when recorded)
``power_w``                 ``Extensions/TPX/Watts``
``lap``                     0-based number of the ``<Lap>`` holding the point
==========================  ==========================================================================

Timer: a second ``<Track>`` inside a lap starts after the timer was stopped; the first ``<Track>`` of a
new lap does not (Garmin opens one per lap), and gaps spent standing are pauses
(:mod:`runload.io._track`).
The watch totals are the lap sums (``TotalTimeSeconds``, ``DistanceMeters``, ``Calories``), the
timer-weighted lap averages and the lap maxima; the laps frame holds each lap.
"""

from __future__ import annotations

import warnings
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ..errors import CorruptFileError, EmptyRunError, NotARunError, RunloadWarning
from ..run import Device, Run, RunMeta, WatchTotals
from ..schema import validate
from ._track import TrackPoints, apply_cadence_unit, build_samples, sport_kind
from .xmlsafe import (
    XML_DECODER,
    child,
    child_text,
    children,
    clean_text,
    local_name,
    parse_times,
    parse_xml,
    to_float,
)

__all__ = ["read_tcx_bytes"]

# TPX extension local name (lower case) → canonical column
_TPX_COLUMNS = {"speed": "speed_mps", "runcadence": "cadence_spm", "watts": "power_w"}
_POINT_COLUMNS = ("latitude_deg", "longitude_deg", "altitude_m", "distance_m", "heart_rate_bpm",
                  "cadence_spm", "speed_mps", "power_w")


def _trackpoint(point: Element) -> dict[str, str | None]:
    """Texts of one ``<Trackpoint>`` keyed by canonical column (plus ``time``)."""
    out: dict[str, str | None] = {}
    bike_cadence = None
    for el in point:
        name = local_name(el.tag)
        if name == "Time":
            out["time"] = el.text
        elif name == "Position":
            out["latitude_deg"] = child_text(el, "LatitudeDegrees")
            out["longitude_deg"] = child_text(el, "LongitudeDegrees")
        elif name == "AltitudeMeters":
            out["altitude_m"] = el.text
        elif name == "DistanceMeters":
            out["distance_m"] = el.text
        elif name == "HeartRateBpm":
            out["heart_rate_bpm"] = child_text(el, "Value")
        elif name == "Cadence":
            bike_cadence = el.text
        elif name == "Extensions":
            for ext in el.iter():
                col = _TPX_COLUMNS.get(local_name(ext.tag).lower())
                if col is not None and ext.text is not None and ext.text.strip() and col not in out:
                    out[col] = ext.text
    if "cadence_spm" not in out and bike_cadence is not None:
        out["cadence_spm"] = bike_cadence
    return out


def _activity_points(activity: Element) -> TrackPoints:
    """All trackpoints of an activity, with lap number and recording segment (a lap's second and later
    ``<Track>`` elements each start a segment)."""
    rows: list[dict[str, str | None]] = []
    lap_no: list[int] = []
    seg_no: list[int] = []
    segment = 0
    for lap_i, lap in enumerate(children(activity, "Lap")):
        for track_i, track in enumerate(children(lap, "Track")):
            # a lap's first <Track> continues the timer interval of the lap before; a further one
            # starts after a timer stop (pauses Garmin does not split out are found by build_samples)
            if track_i:
                segment += 1
            for point in children(track, "Trackpoint"):
                rows.append(_trackpoint(point))
                lap_no.append(lap_i)
                seg_no.append(segment)
    warn: list[str] = []
    times, n_bad_time = parse_times(r.get("time") for r in rows)
    if n_bad_time:
        warn.append(f"{n_bad_time} timestamps could not be parsed")
    columns = {}
    for name in _POINT_COLUMNS:
        values, n_bad = to_float(r.get(name) for r in rows)
        if n_bad:
            warn.append(f"{n_bad} {name} values are not numbers; dropped")
        columns[name] = values
    return TrackPoints(times=times, columns=columns, segment=np.asarray(seg_no, dtype="int64"),
                       lap=np.asarray(lap_no, dtype="int64"), warnings=warn)


def _lap_number(lap: Element, *path: str) -> float:
    text = child_text(lap, *path)
    if text is None:
        return np.nan
    value, _ = to_float([text])
    return float(value[0])


def _laps_frame(activity: Element) -> pd.DataFrame:
    """One row per ``<Lap>`` in runload units (cadence still as stored; see :func:`_apply_cadence`)."""
    rows = []
    for lap in children(activity, "Lap"):
        avg_cad = np.nan
        extensions = child(lap, "Extensions")
        for el in extensions.iter() if extensions is not None else ():
            if local_name(el.tag).lower() == "avgruncadence":
                avg_cad = float(to_float([el.text])[0][0])
        if np.isnan(avg_cad):
            avg_cad = _lap_number(lap, "Cadence")
        rows.append({
            "start": clean_text(lap.get("StartTime")),
            "timer_s": _lap_number(lap, "TotalTimeSeconds"),
            "distance_m": _lap_number(lap, "DistanceMeters"),
            "avg_cadence_spm": avg_cad,
            "avg_heart_rate_bpm": _lap_number(lap, "AverageHeartRateBpm", "Value"),
            "max_heart_rate_bpm": _lap_number(lap, "MaximumHeartRateBpm", "Value"),
            "max_speed_mps": _lap_number(lap, "MaximumSpeed"),
            "calories_kcal": _lap_number(lap, "Calories"),
            "trigger": child_text(lap, "TriggerMethod"),
            "intensity": child_text(lap, "Intensity"),
        })
    if not rows:
        return pd.DataFrame()
    laps = pd.DataFrame(rows)
    laps["start"] = parse_times(laps["start"])[0]
    for name in list(laps.columns):
        if laps[name].isna().all():
            laps = laps.drop(columns=name)
    return laps


def _weighted(values: pd.Series, weights: pd.Series) -> float | None:
    ok = values.notna() & weights.notna() & (weights > 0)
    if not ok.any():
        return None
    return float(np.average(values[ok], weights=weights[ok]))


def _watch_totals(laps: pd.DataFrame) -> WatchTotals | None:
    """The watch's own totals from the laps: sums, timer-weighted averages and maxima."""
    if laps.empty:
        return None

    def total(name: str) -> float | None:
        return float(laps[name].sum()) if name in laps and laps[name].notna().any() else None

    def maximum(name: str) -> float | None:
        return float(laps[name].max()) if name in laps and laps[name].notna().any() else None

    timer = total("timer_s")
    distance = total("distance_m")
    weights = laps["timer_s"] if "timer_s" in laps else pd.Series(np.nan, index=laps.index)
    return WatchTotals(
        distance_m=distance,
        timer_s=timer,
        avg_speed_mps=distance / timer if distance is not None and timer else None,
        max_speed_mps=maximum("max_speed_mps"),
        avg_heart_rate_bpm=_weighted(laps["avg_heart_rate_bpm"], weights) if "avg_heart_rate_bpm" in laps else None,
        max_heart_rate_bpm=maximum("max_heart_rate_bpm"),
        avg_cadence_spm=_weighted(laps["avg_cadence_spm"], weights) if "avg_cadence_spm" in laps else None,
        calories_kcal=total("calories_kcal"),
    )


def _device(activity: Element) -> Device:
    # <Author> on the document names the exporting software, not the watch: not used
    creator = child(activity, "Creator")
    if creator is None:
        return Device()
    major = child_text(creator, "Version", "VersionMajor")
    minor = child_text(creator, "Version", "VersionMinor")
    software = f"{major}.{minor.zfill(2) if minor else '00'}" if major else None
    return Device(product=child_text(creator, "Name"), serial=child_text(creator, "UnitId"), software=software)


def read_tcx_bytes(data: bytes, *, source: str, decoder: str | None = None,
                   include_non_running: bool = False) -> list[Run]:
    """Read every running activity of a TCX document.

    Parameters
    ----------
    data : bytes
        The TCX document (decompressed).
    source : str
        Display path, used in messages and ``RunMeta.source``.
    decoder : str, optional
        Ignored (accepted so every reader has the same signature).
    include_non_running : bool
        Also return activities whose ``Sport`` names another sport (``Biking``).

    Returns
    -------
    list of Run
        One per activity with timed trackpoints, in file order (multisport sessions included).

    Raises
    ------
    CorruptFileError
        Broken or unsafe XML, or the root element is not ``<TrainingCenterDatabase>``.
    EmptyRunError
        No activity (e.g. a course file) or no trackpoint with a time.
    NotARunError
        Every activity names a sport other than running (and ``include_non_running`` is False).
    """
    root = parse_xml(data, source)
    if local_name(root.tag) != "TrainingCenterDatabase":
        raise CorruptFileError(source, f"root element is <{local_name(root.tag)}>, not <TrainingCenterDatabase>")
    activities = [el for el in root.iter() if local_name(el.tag) == "Activity"]
    if not activities:
        n_courses = sum(1 for el in root.iter() if local_name(el.tag) == "Course")
        what = f"holds {n_courses} course(s) (planned routes)" if n_courses else "holds no activity"
        raise EmptyRunError(source, f"{what}, no recorded activity")

    runs: list[Run] = []
    skipped_sports: list[str] = []
    n_empty = 0
    for a, activity in enumerate(activities):
        sport = clean_text(activity.get("Sport"))
        kind = sport_kind(sport)
        if kind == "other" and not include_non_running:
            skipped_sports.append(sport or "?")
            continue
        points = _activity_points(activity)
        frame, intervals = build_samples(points)
        if frame is None:
            n_empty += 1
            continue
        messages = list(points.warnings)
        if kind == "unknown":
            messages.append(f"activity {a}: the file states Sport={sport!r}; treated as a run")
        laps = _laps_frame(activity)
        unit = apply_cadence_unit(frame, messages, laps)
        start_ids, _ = parse_times([child_text(activity, "Id")])
        start = start_ids[0] if not pd.isna(start_ids[0]) else frame.index[0]
        meta = RunMeta(
            source=source, format="tcx", sport=sport, device=_device(activity),
            start=start.to_pydatetime(), name=child_text(activity, "Notes"), watch=_watch_totals(laps),
            laps=laps, decoder=XML_DECODER, timer_intervals=intervals, cadence_unit_in_file=unit,
        )
        meta.warnings = [f"{source}: {m}" for m in messages]
        runs.append(Run(samples=validate(frame), meta=meta))

    if not runs:
        if skipped_sports:
            sports = ", ".join(sorted(set(skipped_sports)))
            raise NotARunError(source, sports, f"not a run (Sport: {sports})")
        raise EmptyRunError(source, "no trackpoint with a time in any activity")
    for i, run in enumerate(runs):
        run.meta.session_index = i
        run.meta.n_sessions = len(runs)
        if n_empty:
            run.meta.warnings.append(f"{source}: skipped {n_empty} activit(y/ies) without timed trackpoints")
        for message in run.meta.warnings:
            warnings.warn(message, RunloadWarning, stacklevel=2)
    return runs
