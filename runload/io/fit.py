"""Read FIT activity files into canonical :class:`~runload.run.Run` objects.

The bytes go through a decoder from :mod:`runload.io.fit_decode` (``fitdecode`` by default, ``fitparse``
as the reference), which yields plain messages.  This module turns those messages into runs:

1. damage: a bad header or a CRC mismatch is a :class:`CorruptFileError`; a file that ends early or hits
   an undefined local message keeps the samples before the damage with a warning;
2. the ``record`` messages become one frame in runload units (semicircles → degrees, running cadence in
   strides/min → steps/min = 2 × (cadence + fractional_cadence), enhanced fields preferred);
3. the frame is split per ``session`` (start_time … start_time + total_elapsed_time; a record on the
   boundary of two sessions goes to the later one); with no session message the whole file is one run;
4. per session: ``lap`` numbers from the lap start times, ``timer_on`` from timer start/stop events, and
   :class:`RunMeta` with the watch's own totals (:class:`WatchTotals`) and laps.

Values the device marks invalid (the FIT base type's sentinel) are missing, never zero.  Running-dynamics
fields of exactly 0 (contact time, oscillation, step length, ratios) are missing too: a watch writes 0
when no step was measured, and 0 ms of ground contact is not a measurement.  A heart rate of 0 is
likewise a lost sensor.  Cadence, speed and power of 0 are data (standing still).
"""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from ..errors import (
    CorruptFileError,
    EmptyRunError,
    InvalidMethodError,
    NotARunError,
    RunloadWarning,
    TruncatedFileWarning,
)
from ..run import Run, RunMeta
from ..schema import RUNNING_DYNAMICS, validate
from .fit_decode import DECODERS, FitDecodeResult, FitMessage
from .fit_meta import (
    athlete_from_messages,
    developer_info,
    device_from_messages,
    enum_name,
    laps_frame,
    watch_totals,
)

__all__ = ["FIT_DECODERS", "read_fit_bytes", "FOOT_SPORTS", "SEMICIRCLE_TO_DEG"]

#: Decoders :func:`read_fit_bytes` accepts; the first is the default.
FIT_DECODERS = tuple(DECODERS)

#: Degrees per semicircle: FIT stores angles as 2**31 semicircles = 180° (FIT SDK profile, type sint32).
SEMICIRCLE_TO_DEG = 180.0 / 2**31

#: A run needs at least this many timestamped samples (one sample has no duration).
MIN_SAMPLES = 2

#: Sports whose FIT cadence counts strides per minute of one foot (so steps/min is twice it).
FOOT_SPORTS = frozenset({"running", "walking", "hiking", "mountaineering", "snowshoeing", "floor_climbing"})

#: Sports read as runs.  Sub-sports (treadmill, trail, track, street, …) stay runs.
RUNNING_SPORTS = frozenset({"running"})

#: Record field → canonical column for fields copied as they are (the decoders already scale them).
_DIRECT = {
    "distance": "distance_m",
    "heart_rate": "heart_rate_bpm",
    "grade": "grade_pct",
    "power": "power_w",
    "temperature": "temperature_c",
    "stance_time": "stance_time_ms",
    "stance_time_percent": "stance_time_pct",
    "stance_time_balance": "stance_time_balance_pct",
    "vertical_oscillation": "vertical_oscillation_mm",
    "vertical_ratio": "vertical_ratio_pct",
    "step_length": "step_length_mm",
}
#: Columns where an exact 0 means "not measured" (see module docstring).
_ZERO_IS_MISSING = ("heart_rate_bpm", *RUNNING_DYNAMICS)
_RAW_FIELDS = (
    *_DIRECT,
    "timestamp", "speed", "enhanced_speed", "altitude", "enhanced_altitude", "position_lat",
    "position_long", "cadence", "fractional_cadence", "activity_type",
)
#: FIT ``record`` field number of ``power``: a developer field declaring it as its native field (Stryd)
#: fills ``power_w`` where the watch wrote no native power.
_NATIVE_POWER_FIELD = 7
#: FIT time zero: 1989-12-31T00:00:00Z (FIT SDK, type date_time).
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=timezone.utc)
_TIME_FIELDS = ("timestamp", "start_time")
_TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})
_FINAL_ORDER = (
    "elapsed_s", "distance_m", "speed_mps", "cadence_spm", "heart_rate_bpm", "altitude_m", "grade_pct",
    "latitude_deg", "longitude_deg", "power_w", "temperature_c", "stance_time_ms", "stance_time_pct",
    "stance_time_balance_pct", "vertical_oscillation_mm", "vertical_ratio_pct", "step_length_mm",
    "activity_type", "lap", "timer_on",
)


def read_fit_bytes(
    data: bytes, *, source: str, decoder: str = "fitdecode", include_non_running: bool = False
) -> list[Run]:
    """Read every running session of a FIT file.

    Parameters
    ----------
    data : bytes
        The whole file (already decompressed).
    source : str
        Path or name of the file, used in messages and ``RunMeta.source``.
    decoder : {"fitdecode", "fitparse"}
        Which FIT decoder to use (see :mod:`runload.io.fit_decode`).
    include_non_running : bool
        Return the sessions of every sport, not only running ones.

    Returns
    -------
    list of Run
        One per (running) session, in time order.

    Raises
    ------
    InvalidMethodError
        ``decoder`` is not one of :data:`FIT_DECODERS`.
    CorruptFileError
        Not a FIT file, CRC mismatch, or damaged before any sample.
    NotARunError
        No running session (the message names the sport found).
    EmptyRunError
        The file decodes but holds no timestamped samples (e.g. only a ``file_id``).

    Warns
    -----
    TruncatedFileWarning
        The file ends early; the samples before the damage are returned.
    RunloadWarning
        Other repairs (undefined local message, records without a valid timestamp, no sport recorded).
    """
    try:
        decode = DECODERS[decoder]
    except (KeyError, TypeError):
        raise InvalidMethodError("decoder", decoder, FIT_DECODERS) from None
    result = decode(bytes(data))
    notes: list[str] = []
    _absolute_times(result.messages, source, notes)
    messages = _by_name(result.messages)
    records = messages.get("record", [])
    _check_damage(result, source, records, notes)

    raw = _records_frame(records, source, notes, _native_power_fields(messages.get("field_description", [])))
    sessions = _sessions(messages, raw)
    if not sessions:
        sport_msg = (messages.get("sport") or [FitMessage("sport", {})])[0].fields
        sport = enum_name(sport_msg.get("sport"))
        if sport is None:
            notes.append(f"{source}: no sport recorded in the file; read as a run")
        sessions = [_Session({}, sport, enum_name(sport_msg.get("sub_sport")), _first_time(raw), None)]

    chosen = [s for s in sessions if include_non_running or s.sport is None or s.sport in RUNNING_SPORTS]
    if not chosen:
        found = ", ".join(dict.fromkeys(str(s.sport) for s in sessions))
        raise NotARunError(source, found)
    if raw.empty:
        raise EmptyRunError(source, "no records with a valid timestamp in the file")

    owner = _assign_sessions(raw.index, sessions)
    laps_all = messages.get("lap", [])
    timer_events = _timer_events(messages.get("event", []))
    device = device_from_messages(messages)
    athlete = athlete_from_messages(messages)
    dev_info = developer_info(messages)
    runs: list[Run] = []
    for session_no, session in enumerate(sessions):
        if session not in chosen:
            continue
        part = raw[owner == session_no]
        if len(part) < MIN_SAMPLES:
            notes.append(f"{source}: session {session_no} ({session.sport}) has {len(part)} record(s); skipped")
            continue
        runs.append(_build_run(part, session, laps_all, timer_events, device, dev_info, source, decoder, athlete,
                               damaged=result.error is not None))
    if not runs:
        raise EmptyRunError(
            source, f"fewer than {MIN_SAMPLES} timestamped records inside the running session(s)"
        )
    for index, run in enumerate(runs):
        run.meta.session_index = index
        run.meta.n_sessions = len(runs)
    for note in dict.fromkeys(notes):
        category = TruncatedFileWarning if "ends early" in note else RunloadWarning
        warnings.warn(note, category, stacklevel=2)
        for run in runs:
            run.meta.warnings.append(note)
    return runs


# --- damage -------------------------------------------------------------------------------------------


def _check_damage(result: FitDecodeResult, source: str, records: list[FitMessage], notes: list[str]) -> None:
    """Raise for fatal damage; otherwise note what was repaired."""
    for soft in result.warnings:
        notes.append(f"{source}: decoder warning: {soft}")
    err = result.error
    if err is None:
        return
    where = f" at byte offset {err.offset}" if err.offset is not None else ""
    usable = any(isinstance(r.fields.get("timestamp"), datetime) for r in records)
    if err.kind == "crc":
        raise CorruptFileError(source, f"CRC mismatch{where}: the file is damaged ({err.detail})")
    if err.kind == "header" and (err.offset in (None, 0) or not result.messages):
        raise CorruptFileError(source, f"not a FIT file: bad FIT header{where} ({err.detail})")
    if not usable:
        what = {"truncated": "file ends early", "undefined_message": "undefined local message"}
        raise CorruptFileError(
            source, f"{what.get(err.kind, 'cannot decode')}{where} before any sample ({err.detail})"
        )
    if err.kind == "truncated":
        notes.append(f"{source}: file ends early{where} (truncated); kept the {len(records)} records before it")
    elif err.kind == "header":
        notes.append(f"{source}: bytes{where} are not a FIT header; ignored everything from there on")
    else:
        notes.append(
            f"{source}: cannot decode{where} ({err.detail}); kept the {len(records)} records before it"
        )


def _absolute_times(messages: list[FitMessage], source: str, notes: list[str]) -> None:
    """Turn relative FIT times into datetimes, in place.

    A FIT ``date_time`` below 0x10000000 is "seconds since the device powered up" (FIT SDK, type
    date_time): the device's clock was not set, e.g. a Forerunner 70 without GPS.  The decoders leave such
    values as integers; we count them from the FIT epoch (1989-12-31 UTC) so that the run keeps its
    durations and order, and say that the dates are not real.
    """
    relative = 0
    for m in messages:
        for key in _TIME_FIELDS:
            v = m.fields.get(key)
            if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 0x10000000:
                m.fields[key] = FIT_EPOCH + timedelta(seconds=v)
                relative += 1
    if relative:
        notes.append(f"{source}: the device clock was not set (relative FIT times); dates count from "
                     f"{FIT_EPOCH.date()} and only durations are real")


# --- records → frame ----------------------------------------------------------------------------------


def _by_name(messages: list[FitMessage]) -> dict[str, list[FitMessage]]:
    out: dict[str, list[FitMessage]] = {}
    for m in messages:
        out.setdefault(m.name, []).append(m)
    return out


def _num(values: list) -> np.ndarray:
    """Numbers (None → NaN; tuples, strings and other junk → NaN) as float64."""
    return np.array([v if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan
                     for v in values], dtype="float64")


def _records_frame(
    records: list[FitMessage], source: str, notes: list[str], native_power: set | frozenset = frozenset()
) -> pd.DataFrame:
    """All records as one frame with raw-but-converted columns, index = UTC time, sorted, deduplicated.

    Cadence stays in the internal columns ``_cadence_rpm``/``_fractional_rpm`` until the session's sport
    is known; developer power goes to ``_dev_power_w``.
    """
    stamps = [r.fields.get("timestamp") for r in records]
    keep = [isinstance(t, datetime) for t in stamps]
    if not all(keep):
        notes.append(f"{source}: {keep.count(False)} record(s) without a valid timestamp dropped")
    recs = [r for r, k in zip(records, keep, strict=True) if k]
    if not recs:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="time"))
    index = pd.DatetimeIndex(pd.to_datetime([r.fields["timestamp"] for r in recs], utc=True), name="time")
    index = index.as_unit("ns")
    fields = [r.fields for r in recs]
    col = {name: _num([f.get(name) for f in fields]) for name in _RAW_FIELDS
           if name not in ("timestamp", "activity_type")}
    out: dict[str, np.ndarray] = {dst: col[src] for src, dst in _DIRECT.items()}
    out["speed_mps"] = np.where(np.isnan(col["enhanced_speed"]), col["speed"], col["enhanced_speed"])
    out["altitude_m"] = np.where(np.isnan(col["enhanced_altitude"]), col["altitude"], col["enhanced_altitude"])
    lat = col["position_lat"] * SEMICIRCLE_TO_DEG
    lon = col["position_long"] * SEMICIRCLE_TO_DEG
    bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    out["latitude_deg"] = np.where(bad, np.nan, lat)
    out["longitude_deg"] = np.where(bad, np.nan, lon)
    out["_cadence_rpm"] = col["cadence"]
    out["_fractional_rpm"] = col["fractional_cadence"]
    out["_dev_power_w"] = _developer_power(recs, native_power)
    for name in _ZERO_IS_MISSING:
        out[name] = np.where(out[name] == 0, np.nan, out[name])
    frame = pd.DataFrame(out, index=index)
    activity = [f.get("activity_type") for f in fields]
    if any(a is not None for a in activity):
        frame["activity_type"] = pd.Series([None if a is None else str(a) for a in activity],
                                           index=index, dtype="object")
    frame = frame.sort_index(kind="stable")
    if frame.index.has_duplicates:
        # Two records with one timestamp (a lap record and a sensor record, say): merge them, first
        # non-missing value per column wins.
        frame = frame.groupby(level=0, sort=True).first()
        if "activity_type" in frame:
            frame["activity_type"] = frame["activity_type"].astype("object")
    return frame


def _native_power_fields(descriptions: list[FitMessage]) -> set[tuple]:
    """(developer_data_index, field_name) of developer fields whose native field is ``record.power``."""
    out = set()
    for m in descriptions:
        f = m.fields
        if f.get("native_mesg_num") in ("record", 20) and f.get("native_field_num") == _NATIVE_POWER_FIELD:
            out.add((f.get("developer_data_index"), f.get("field_name")))
    return out


def _developer_power(recs: list[FitMessage], native_power: set | frozenset) -> np.ndarray:
    """Power [W] from a developer field that declares ``record.power`` as its native field (NaN elsewhere)."""
    values = np.full(len(recs), np.nan)
    if not native_power:
        return values
    for i, r in enumerate(recs):
        for (index, name, _units), value in r.developer.items():
            if (index, name) in native_power and isinstance(value, (int, float)):
                values[i] = value
                break
    return values


def _first_time(raw: pd.DataFrame) -> datetime | None:
    return raw.index[0].to_pydatetime() if len(raw) else None


# --- sessions -----------------------------------------------------------------------------------------


class _Session:
    """A session message reduced to what the split needs (``fields`` is the raw session message)."""

    def __init__(self, fields: dict, sport, sub_sport, start, end):
        self.fields, self.sport, self.sub_sport, self.start, self.end = fields, sport, sub_sport, start, end


def _sessions(messages: dict[str, list[FitMessage]], raw: pd.DataFrame) -> list[_Session]:
    out = []
    for m in messages.get("session", []):
        f = m.fields
        start = f.get("start_time")
        start = start if isinstance(start, datetime) else None
        elapsed = f.get("total_elapsed_time")
        end = None
        if start is not None and isinstance(elapsed, (int, float)):
            end = start + pd.Timedelta(seconds=float(elapsed))
        elif isinstance(f.get("timestamp"), datetime):
            end = f["timestamp"]
        out.append(_Session(f, enum_name(f.get("sport")), enum_name(f.get("sub_sport")), start, end))
    # Files that repeat the summary (triathlon "summary first" + "summary last") list a session twice.
    seen, unique = set(), []
    for s in out:
        key = (s.start, s.sport, s.fields.get("total_elapsed_time"))
        if key not in seen:
            seen.add(key)
            unique.append(s)
    unique.sort(key=lambda s: (s.start is None, s.start or datetime.min))
    for i, s in enumerate(unique):  # a session without start_time starts where the previous one ended
        if s.start is None:
            s.start = unique[i - 1].end if i else _first_time(raw)
    return unique


def _assign_sessions(index: pd.DatetimeIndex, sessions: list[_Session]) -> np.ndarray:
    """Session number of each record (-1 outside every session): the latest session started at or before
    the record, if the record is not after that session's end."""
    if len(sessions) == 1 and sessions[0].end is None:
        return np.zeros(len(index), dtype=int)
    t = _asi8(index)
    starts = np.array([_ns(s.start) for s in sessions], dtype="int64")
    ends = np.array([_ns(s.end) if s.end is not None else np.iinfo("int64").max for s in sessions])
    pos = np.searchsorted(starts, t, side="right") - 1
    inside = (pos >= 0) & (t <= ends[np.clip(pos, 0, None)])
    return np.where(inside, pos, -1)


def _ns(value) -> int:
    """Nanoseconds since the epoch (naive datetimes are UTC, as FIT times are)."""
    return pd.Timestamp(value).as_unit("ns").value


def _asi8(index: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds since the epoch, whatever unit pandas chose for the index."""
    if len(index) == 0:
        return np.zeros(0, dtype="int64")
    return index.as_unit("ns").asi8


def _timer_events(events: list[FitMessage]) -> list[tuple[datetime, bool]]:
    """(time, True for start / False for stop) of the timer events, in time order."""
    out = []
    for e in events:
        f = e.fields
        if f.get("event") != "timer" or not isinstance(f.get("timestamp"), datetime):
            continue
        kind = f.get("event_type")
        if kind == "start":
            out.append((f["timestamp"], True))
        elif kind in _TIMER_STOPS:
            out.append((f["timestamp"], False))
    out.sort(key=lambda x: x[0])
    return out


def _timer_intervals(events, start: datetime, end: datetime) -> list[tuple[datetime, datetime]] | None:
    """Periods the timer ran, clipped to [start, end]; None when the events say nothing about the session.

    A first event that is a stop means the timer was already running at the session start.  When no
    timer event falls at or before the session end (multisport files that log events only for the last
    leg), the timer is unknown for the session.
    """
    if not events or events[0][0] > end:
        return None
    intervals, begin = [], None
    if not events[0][1]:
        begin = min(start, events[0][0])
    for when, is_start in events:
        if is_start and begin is None:
            begin = when
        elif not is_start and begin is not None:
            intervals.append((begin, when))
            begin = None
    if begin is not None:
        intervals.append((begin, max(end, begin)))
    clipped = [(max(a, start), min(b, end)) for a, b in intervals]
    return [(a, b) for a, b in clipped if b > a]


# --- one run ------------------------------------------------------------------------------------------


def _build_run(part, session, laps_all, timer_events, device, dev_info, source, decoder, athlete,
               damaged: bool = False) -> Run:
    """One session's Run.  In a ``damaged`` file the session ends at its last record read: the timer
    events and totals written before the damage (Strava writes its session first) describe samples
    that were lost, so the timer intervals are clipped there; the watch's totals stay as written."""
    foot = session.sport in FOOT_SPORTS or session.sport is None
    frame = part.copy()
    if foot:
        frac = frame["_fractional_rpm"].fillna(0.0)
        frame["cadence_spm"] = 2.0 * (frame["_cadence_rpm"] + frac)
    if frame["power_w"].isna().all():
        frame["power_w"] = frame["_dev_power_w"]
    frame = frame.drop(columns=["_cadence_rpm", "_fractional_rpm", "_dev_power_w"])
    t0 = frame.index[0]
    frame["elapsed_s"] = (frame.index - t0).total_seconds().astype("float64")
    start = session.start if session.start is not None else t0.to_pydatetime()
    end = session.end if session.end is not None else frame.index[-1].to_pydatetime()
    if damaged:
        end = min(pd.Timestamp(end), frame.index[-1]).to_pydatetime()

    laps = [m.fields for m in laps_all if isinstance(m.fields.get("start_time"), datetime)
            and start - pd.Timedelta(seconds=1) <= m.fields["start_time"] <= end]
    laps.sort(key=lambda f: f["start_time"])
    if laps:
        lap_starts = _asi8(pd.DatetimeIndex([f["start_time"] for f in laps]))
        frame["lap"] = np.clip(np.searchsorted(lap_starts, _asi8(frame.index), side="right") - 1, 0, None)
    else:
        frame["lap"] = 0
    frame["lap"] = frame["lap"].astype("int64")

    intervals = _timer_intervals(timer_events, start, end)
    if intervals is not None:
        bounds = _asi8(pd.DatetimeIndex([x for iv in intervals for x in iv]))
        frame["timer_on"] = np.searchsorted(bounds, _asi8(frame.index), side="right") % 2 == 1
    frame = frame.dropna(axis=1, how="all")
    frame = frame[[c for c in _FINAL_ORDER if c in frame.columns]]
    validate(frame)

    used = {key for key in _dev_keys(part.index, dev_info)}
    meta = RunMeta(
        source=source,
        format="fit",
        sport=session.sport,
        sub_sport=session.sub_sport,
        device=device,
        start=pd.Timestamp(start).to_pydatetime(),
        watch=watch_totals(session.fields, foot) if session.fields else None,
        laps=laps_frame(laps, foot),
        developer_fields=[f for key, f in dev_info["fields"].items() if key in used],
        decoder=decoder,
        timer_intervals=intervals or [],
        cadence_unit_in_file="strides/min" if foot and "cadence_spm" in frame else None,
        athlete_height_m=athlete[0],
        athlete_mass_kg=athlete[1],
    )
    return Run(samples=frame, meta=meta)


def _dev_keys(index: pd.DatetimeIndex, dev_info: dict):
    first, last = (index[0], index[-1]) if len(index) else (None, None)
    for key, times in dev_info["times"].items():
        if first is not None and times[0] <= last and times[1] >= first:
            yield key
