"""TCX (Garmin Training Center Database v2) reader: one :class:`~runload.run.Run` per ``<Activity>``.

Parsed once by :func:`runload.io.tcx_points.read_tcx_xml`: the ``<Track>`` bodies of plain documents are
read as texts by one regular expression and the rest by the C parser; anything else by
:func:`runload.io.xmlsafe.read_xml` (the C parser for documents without a DOCTYPE, defusedxml for the
others; ``RunMeta.decoder`` names which), its trackpoints element by element — the same values either
way.  tcxreader is not used: it drops trackpoints without a position (treadmill minutes, GPS dropouts),
which still carry time, heart rate and cadence.

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

from collections.abc import Callable
from itertools import chain
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from ..errors import CorruptFileError, EmptyRunError
from ..run import Device, Run, WatchTotals
from ..stats import weighted_mean
from ._track import TrackPoints, finish_runs, make_run, sport_kind
from .limits import check_run_count
from .tcx_points import TEXT_COLUMNS, TRACK_BODY, read_tcx_xml
from .xmlsafe import (
    bad_times_message,
    child,
    child_text,
    children,
    clean_text,
    descendants,
    local_name,
    parse_times,
    to_float,
)

__all__ = ["read_tcx_bytes"]

# TPX extension local name (lower case) → canonical column
_TPX_COLUMNS = {"speed": "speed_mps", "runcadence": "cadence_spm", "watts": "power_w"}
_POINT_COLUMNS = TEXT_COLUMNS[1:]  # all but "time"


_TPX_TAGS: dict[object, str | None] = {}  # tag → canonical column of a TPX extension (None: not one)


def _tpx_column(tag: object) -> str | None:
    try:
        return _TPX_TAGS[tag]
    except KeyError:
        pass
    if len(_TPX_TAGS) > 10_000:
        _TPX_TAGS.clear()
    column = _TPX_TAGS[tag] = _TPX_COLUMNS.get(local_name(tag).lower())
    return column


def _child_text(element: Element, name: str) -> str | None:
    """:func:`~runload.io.xmlsafe.child_text` of one level."""
    for c in element:
        if local_name(c.tag) == name:
            return clean_text(c.text)
    return None


def _trackpoint(point: Element) -> dict[str, str | None]:
    """Texts of one ``<Trackpoint>`` keyed by canonical column (plus ``time``)."""
    out: dict[str, str | None] = {}
    bike_cadence = None
    for el in point:
        name = local_name(el.tag)
        if name == "Time":
            out["time"] = el.text
        elif name == "Position":
            out["latitude_deg"] = _child_text(el, "LatitudeDegrees")
            out["longitude_deg"] = _child_text(el, "LongitudeDegrees")
        elif name == "AltitudeMeters":
            out["altitude_m"] = el.text
        elif name == "DistanceMeters":
            out["distance_m"] = el.text
        elif name == "HeartRateBpm":
            out["heart_rate_bpm"] = _child_text(el, "Value")
        elif name == "Cadence":
            bike_cadence = el.text
        elif name == "Extensions":
            for ext in el.iter():
                col = _TPX_TAGS[ext.tag] if ext.tag in _TPX_TAGS else _tpx_column(ext.tag)
                if col is not None and ext.text is not None and ext.text.strip() and col not in out:
                    out[col] = ext.text
    if "cadence_spm" not in out and bike_cadence is not None:
        out["cadence_spm"] = bike_cadence
    return out


def _activity_points(activity: Element, data: bytes, bodies: list[dict[str, list[str]]] | None) -> TrackPoints:
    """All trackpoints of an activity, with lap number and recording segment (a lap's second and later
    ``<Track>`` elements each start a segment).  ``data`` (the document) locates bad timestamps;
    ``bodies`` holds the texts of the ``<Track>`` bodies :func:`~runload.io.tcx_points.read_tcx_xml`
    cut out (``None``: none was)."""
    parts: list[dict[str, list[str | None]]] = []
    all_stripped = True
    lap_no: list[int] = []
    seg_no: list[int] = []
    segment = 0
    for lap_i, lap in enumerate(children(activity, "Lap")):
        for track_i, track in enumerate(children(lap, "Track")):
            # a lap's first <Track> continues the timer interval of the lap before; a further one
            # starts after a timer stop (pauses Garmin does not split out are found by build_samples)
            if track_i:
                segment += 1
            body = None if bodies is None else track.get(TRACK_BODY)
            if body is not None:
                texts = bodies[int(body)]
            else:
                rows = [_trackpoint(point) for point in children(track, "Trackpoint")]
                texts = {name: [r.get(name) for r in rows] for name in TEXT_COLUMNS}
                all_stripped = False
            parts.append(texts)
            n = len(texts["time"])
            lap_no += [lap_i] * n
            seg_no += [segment] * n

    def column(name: str) -> list[str | None]:
        return list(chain.from_iterable(part[name] for part in parts))

    warn: list[str] = []
    texts = column("time")
    times, n_bad_time = parse_times(texts, stripped=all_stripped)
    if n_bad_time:
        warn.append(bad_times_message(texts, times, data))
    columns = {}
    for name in _POINT_COLUMNS:
        values, n_bad = to_float(column(name), stripped=all_stripped)
        if n_bad:
            warn.append(f"{n_bad} {name} values are not numbers; dropped")
        columns[name] = values
    return TrackPoints(times=times, columns=columns, segment=np.asarray(seg_no, dtype="int64"),
                       lap=np.asarray(lap_no, dtype="int64"), warnings=warn)


# laps frame column → path of the number under <Lap>
_LAP_NUMBERS = {
    "timer_s": ("TotalTimeSeconds",),
    "distance_m": ("DistanceMeters",),
    "avg_heart_rate_bpm": ("AverageHeartRateBpm", "Value"),
    "max_heart_rate_bpm": ("MaximumHeartRateBpm", "Value"),
    "max_speed_mps": ("MaximumSpeed",),
    "calories_kcal": ("Calories",),
}


def _avg_run_cadence_text(lap: Element) -> str | None:
    """Text of the last ``AvgRunCadence`` in the lap's ``<Extensions>`` (``None`` without one)."""
    extensions = child(lap, "Extensions")
    text = None
    for el in extensions.iter() if extensions is not None else ():
        if local_name(el.tag).lower() == "avgruncadence":
            text = el.text if el.text is not None else ""
    return text


def _laps_frame(activity: Element) -> pd.DataFrame:
    """One row per ``<Lap>`` in runload units (cadence still as stored; converted by
    :func:`runload.io._track.apply_cadence_unit`).  Each column is converted at once (:func:`to_float`)."""
    laps_el = children(activity, "Lap")
    if not laps_el:
        return pd.DataFrame()
    numbers = {name: to_float([child_text(lap, *path) for lap in laps_el])[0] for name, path in _LAP_NUMBERS.items()}
    run_cadence = to_float([_avg_run_cadence_text(lap) for lap in laps_el])[0]
    cadence = to_float([child_text(lap, "Cadence") for lap in laps_el])[0]
    laps = pd.DataFrame({
        "start": parse_times([clean_text(lap.get("StartTime")) for lap in laps_el])[0],
        "timer_s": numbers["timer_s"],
        "distance_m": numbers["distance_m"],
        "avg_cadence_spm": np.where(np.isnan(run_cadence), cadence, run_cadence),
        "avg_heart_rate_bpm": numbers["avg_heart_rate_bpm"],
        "max_heart_rate_bpm": numbers["max_heart_rate_bpm"],
        "max_speed_mps": numbers["max_speed_mps"],
        "calories_kcal": numbers["calories_kcal"],
        "trigger": [child_text(lap, "TriggerMethod") for lap in laps_el],
        "intensity": [child_text(lap, "Intensity") for lap in laps_el],
    })
    for name in list(laps.columns):
        if laps[name].isna().all():
            laps = laps.drop(columns=name)
    return laps


def _weighted(values: pd.Series, weights: pd.Series) -> float | None:
    """Timer-weighted mean of a lap column (:func:`runload.stats.weighted_mean`); ``None`` when unknown."""
    mean = weighted_mean(values.to_numpy(dtype="float64"), weights.to_numpy(dtype="float64"))
    return None if np.isnan(mean) else mean


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


def _lap_distance(laps: pd.DataFrame) -> Callable[[pd.DataFrame, list[str]], None]:
    """``make_run`` adjustment: distance from the lap totals when no trackpoint carries distance or position.

    Indoor (treadmill) activities often record ``DistanceMeters`` only on the ``<Lap>``.  Each lap's
    distance is then spread over its samples in proportion to elapsed time, so the run's distance equals
    the watch's total and its speed is the lap's average speed; a warning says so.
    """

    def adjust(frame: pd.DataFrame, messages: list[str]) -> None:
        if "distance_m" in frame or "latitude_deg" in frame or "distance_m" not in laps:
            return
        lap_m = laps["distance_m"].to_numpy(dtype="float64")
        if not np.nansum(lap_m) > 0:
            return
        t = frame["elapsed_s"].to_numpy()
        lap_no = frame["lap"].to_numpy()
        distance = np.full(len(frame), np.nan)
        before = 0.0
        for i, metres in enumerate(np.nan_to_num(lap_m)):
            rows = np.flatnonzero(lap_no == i)
            if rows.size:
                # the lap runs from the previous lap's last sample (or its own first) to its last sample
                start = t[rows[0] - 1] if rows[0] > 0 else t[rows[0]]
                span = t[rows[-1]] - start
                share = (t[rows] - start) / span if span > 0 else np.ones(rows.size)
                distance[rows] = before + metres * share
            before += float(metres)
        frame["distance_m"] = distance
        messages.append("no trackpoint carries a distance or position: distance_m spread over each lap's "
                        f"time from the laps' DistanceMeters ({before:.0f} m in all), so speed is each lap's "
                        "average")

    return adjust


def read_tcx_bytes(data: bytes, *, source: str, decoder: str | None = None,
                   include_non_running: bool = False) -> list[Run]:
    """Read every running ``<Activity>`` of a TCX document (reader contract: :data:`runload.io.READERS`).

    ``decoder`` is ignored; ``include_non_running`` also returns activities whose ``Sport`` names another
    sport (``Biking``).  Returns one run per activity with timed trackpoints, in file order (multisport
    sessions included).

    Raises
    ------
    CorruptFileError
        Broken or unsafe XML, the root element is not ``<TrainingCenterDatabase>``, or no trackpoint has
        a valid time because every timestamp is unreadable (the message names the first one's line).
    EmptyRunError
        No activity (e.g. a course file) or no trackpoint with a time.
    NotARunError
        Every activity names a sport other than running (and ``include_non_running`` is False).
    """
    doc, bodies = read_tcx_xml(data, source)
    root = doc.root
    if local_name(root.tag) != "TrainingCenterDatabase":
        raise CorruptFileError(source, f"root element is <{local_name(root.tag)}>, not <TrainingCenterDatabase>")
    activities = descendants(root, "Activity")
    if not activities:
        n_courses = len(descendants(root, "Course"))
        what = f"holds {n_courses} course(s) (planned routes)" if n_courses else "holds no activity"
        raise EmptyRunError(source, f"{what}, no recorded activity")

    runs: list[Run] = []
    skipped_sports: list[str] = []
    n_empty = 0
    bad_time: str | None = None
    for a, activity in enumerate(activities):
        sport = clean_text(activity.get("Sport"))
        if sport_kind(sport) == "other" and not include_non_running:
            skipped_sports.append(sport or "?")
            continue
        check_run_count(len(runs), source, "activities")
        points = _activity_points(activity, doc.data, bodies)
        laps = _laps_frame(activity)
        start_ids, _ = parse_times([child_text(activity, "Id")])
        run = make_run(points, source=source, fmt="tcx", sport=sport, laps=laps, file_warnings=doc.warnings,
                       unknown_sport=f"activity {a}: the file states Sport={sport!r}",
                       adjust=_lap_distance(laps),
                       device=_device(activity), name=child_text(activity, "Notes"), decoder=doc.parser,
                       **({} if pd.isna(start_ids[0]) else {"start": start_ids[0].to_pydatetime()}))
        if run is None:
            n_empty += 1
            bad_time = bad_time or next((w for w in points.warnings if "timestamps could not" in w), None)
            continue
        run.meta.watch = _watch_totals(run.meta.laps)  # after make_run converted the lap cadence
        runs.append(run)
    if not runs and bad_time and not skipped_sports:
        raise CorruptFileError(source, f"no trackpoint has a valid time: {bad_time}")
    return finish_runs(runs, source=source, skipped_sports=skipped_sports, sport_label="Sport",
                       empty_reason="no trackpoint with a time in any activity", n_skipped=n_empty,
                       skipped_note=f"skipped {n_empty} activit(y/ies) without timed trackpoints")
