"""Read FIT activity files into canonical :class:`~runload.run.Run` objects.

The bytes go through a decoder from :mod:`runload.io.fit_decode` (the columnar numpy decoder by default,
fitdecode and ``fitparse`` selectable), which yields plain messages and the records as one block of
columns.  This module turns those into runs, column-wise:

1. damage: a bad header or a CRC mismatch is a :class:`CorruptFileError`; a file that ends early or hits
   an undefined local message keeps the samples before the damage with a warning;
2. the ``record`` messages become one frame in runload units (semicircles → degrees, running cadence in
   strides/min → steps/min = 2 × (cadence + fractional_cadence), enhanced fields preferred), in file order;
3. the records are assigned to sessions by message order (a record belongs to the session message that
   follows it; see :mod:`runload.io.fit_sessions` for files that write all sessions together), never by
   the session's stated elapsed time, so no record is dropped; with no session message the whole file is
   one run;
4. each session's time axis is repaired (:func:`runload.io.timebase.repair_time_axis`): a single
   out-of-order timestamp is interpolated between its neighbours, a clock jump is removed (the later
   records continue from the last good one, the timer is stopped across the jump) with one warning per
   jump; timer events, laps and the session start move with the records they were written beside;
5. per session: ``lap`` numbers from the lap start times, ``timer_on`` from timer start/stop events
   (``timer_on`` of a record says whether the timer ran during the interval after it, so the record
   before a stop is off), and :class:`RunMeta` with the watch's own totals (:class:`WatchTotals`), laps,
   the device's name and the local time offset (``activity.local_timestamp`` − ``timestamp``).

Values the device marks invalid (the FIT base type's sentinel) are missing, never zero.  Running-dynamics
fields of exactly 0 (contact time, oscillation, step length, ratios) are missing too: a watch writes 0
when no step was measured, and 0 ms of ground contact is not a measurement.  A heart rate of 0 is
likewise a lost sensor.  Cadence, speed and power of 0 are data (standing still).
"""

from __future__ import annotations

import logging
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
from .fit_decode import (
    DECODERS,
    DEFAULT_FIT_DECODER,
    FIT_DATETIME_MIN,
    FIT_EPOCH_UNIX_S,
    FitDecodeResult,
    FitMessage,
    FitRecords,
)
from .fit_meta import (
    athlete_from_messages,
    developer_info,
    device_from_messages,
    enum_name,
    laps_frame,
    utc_offset_s,
    watch_totals,
)
from .fit_sessions import (
    ClockMap,
    Session,
    assign_sessions,
    remove_gaps,
    sessions_from,
    timer_events,
    timer_intervals,
    timer_on,
)
from .limits import check_run_count
from .timebase import repair_time_axis

__all__ = ["FIT_DECODERS", "read_fit_bytes", "FOOT_SPORTS", "SEMICIRCLE_TO_DEG"]

#: Decoders :func:`read_fit_bytes` accepts (the default is ``DEFAULT_FIT_DECODER``).
FIT_DECODERS = tuple(DECODERS)

_LOG = logging.getLogger(__name__)

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
_FINAL_ORDER = (
    "elapsed_s", "distance_m", "speed_mps", "cadence_spm", "heart_rate_bpm", "altitude_m", "grade_pct",
    "latitude_deg", "longitude_deg", "power_w", "temperature_c", "stance_time_ms", "stance_time_pct",
    "stance_time_balance_pct", "vertical_oscillation_mm", "vertical_ratio_pct", "step_length_mm",
    "activity_type", "lap", "timer_on",
)


def read_fit_bytes(
    data: bytes, *, source: str, decoder: str = DEFAULT_FIT_DECODER, include_non_running: bool = False
) -> list[Run]:
    """Read every running session of a FIT file.

    Parameters
    ----------
    data : bytes
        The whole file (already decompressed).
    source : str
        Path or name of the file, used in messages and ``RunMeta.source``.
    decoder : {"columnar", "fitdecode", "fitparse"}
        Which FIT decoder to use (see :mod:`runload.io.fit_decode`).  ``RunMeta.decoder`` names the one
        that actually decoded (``"fitdecode"`` when the columnar decoder handed a file over).
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
    result = decode(bytes(data)).with_records()
    if result.fallback:  # the decoder that ran is in RunMeta.decoder; why is for debugging only
        _LOG.debug("%s: %s", source, result.fallback)
    records = result.records
    positions = result.positions
    notes: list[str] = []
    _absolute_times(result.messages, source, notes, records)
    messages = _by_name(result.messages)
    _check_damage(result, source, records, notes)

    raw = _records_frame(records, source, notes, _native_power_fields(messages.get("field_description", [])))
    sessions = sessions_from(result.messages, _first_time(raw), positions)
    if not sessions:
        sport_msg = (messages.get("sport") or [FitMessage("sport", {})])[0].fields
        sport = enum_name(sport_msg.get("sport"))
        if sport is None:
            notes.append(f"{source}: no sport recorded in the file; read as a run")
        sessions = [Session({}, sport, enum_name(sport_msg.get("sub_sport")), _first_time(raw), None)]

    chosen = [s for s in sessions if include_non_running or s.sport is None or s.sport in RUNNING_SPORTS]
    if not chosen:
        found = ", ".join(dict.fromkeys(str(s.sport) for s in sessions))
        raise NotARunError(source, found)
    if raw.empty:
        raise EmptyRunError(source, "no records with a valid timestamp in the file")

    rec_pos = raw["_pos"].to_numpy()
    raw_ns = raw["_raw_ns"].to_numpy()
    owner = assign_sessions(rec_pos, raw_ns, sessions)
    session_notes: dict[int, list[str]] = {}  # repairs of one session's clock concern its run only
    new_ns, stretch, gaps = _repair_clock(raw_ns, owner, sessions, source, session_notes)
    clock = ClockMap(rec_pos, raw_ns, new_ns, stretch)
    raw.index = pd.DatetimeIndex(pd.to_datetime(new_ns, utc=True), name="time").as_unit("ns")
    laps_all = [{**m.fields, "start_time": clock(m.fields["start_time"], pos)}
                for pos, m in zip(positions, result.messages, strict=True)
                if m.name == "lap" and isinstance(m.fields.get("start_time"), datetime)]
    events = timer_events(result.messages, clock, positions)
    device = device_from_messages(messages)
    athlete = athlete_from_messages(messages)
    dev_info = developer_info(messages, records)
    offset = utc_offset_s(messages)
    runs: list[Run] = []
    run_sessions: list[int] = []
    for session_no, session in enumerate(sessions):
        if session not in chosen:
            continue
        part = raw[owner == session_no]
        if len(part) < MIN_SAMPLES:
            notes.append(f"{source}: session {session_no} ({session.sport}) has {len(part)} record(s); skipped")
            continue
        check_run_count(len(runs), source, "sessions")
        run = _build_run(_merge_duplicates(part), session, clock, laps_all, events, gaps.get(session_no, []),
                         device, dev_info, source, result.decoder or decoder, athlete,
                         damaged=result.error is not None)
        run.meta.utc_offset_s = offset
        runs.append(run)
        run_sessions.append(session_no)
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
    for run, session_no in zip(runs, run_sessions, strict=True):
        for note in session_notes.get(session_no, []):
            warnings.warn(note, RunloadWarning, stacklevel=2)
            run.meta.warnings.append(note)
    return runs


# --- damage -------------------------------------------------------------------------------------------


def _check_damage(result: FitDecodeResult, source: str, records: FitRecords, notes: list[str]) -> None:
    """Raise for fatal damage; otherwise note what was repaired."""
    for soft in result.warnings:
        notes.append(f"{source}: decoder warning: {soft}")
    err = result.error
    if err is None:
        return
    where = f" at byte offset {err.offset}" if err.offset is not None else ""
    usable = bool((records.timestamp_s >= 0).any())
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


def _absolute_times(messages: list[FitMessage], source: str, notes: list[str], records: FitRecords) -> None:
    """Turn relative FIT times into datetimes, in place.

    A FIT ``date_time`` below 0x10000000 is "seconds since the device powered up" (FIT SDK, type
    date_time): the device's clock was not set, e.g. a Forerunner 70 without GPS.  The decoders leave such
    values as integers; we count them from the FIT epoch (1989-12-31 UTC) so that the run keeps its
    durations and order, and say that the dates are not real.  The records' times stay FIT seconds
    (:attr:`FitRecords.timestamp_s`, counted from the same epoch either way); they only count here.
    """
    relative = int(((records.timestamp_s >= 0) & (records.timestamp_s < FIT_DATETIME_MIN)).sum())
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


def _numbers(column: np.ndarray | None, n: int) -> np.ndarray:
    """A record column as float64 (missing, tuples, strings and other non-numbers → NaN)."""
    if column is None:
        return np.full(n, np.nan)
    if column.dtype != object:
        return column.astype("float64", copy=False)
    return np.array([v if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan for v in column],
                    dtype="float64")


def _records_frame(
    records: FitRecords, source: str, notes: list[str], native_power: set | frozenset = frozenset()
) -> pd.DataFrame:
    """All records as one frame with raw-but-converted columns, in file order (never sorted here).

    The index is the raw UTC time; ``_pos`` is the record's position among the file's messages and
    ``_raw_ns`` its raw time [ns].  Cadence stays in the internal columns ``_cadence_rpm``/
    ``_fractional_rpm`` until the session's sport is known; developer power goes to ``_dev_power_w``.
    Built column by column from the decoder's :class:`FitRecords` block (no per-record Python loop).
    """
    keep = records.timestamp_s >= 0
    dropped = int(len(keep) - keep.sum())
    if dropped:
        notes.append(f"{source}: {dropped} record(s) without a valid timestamp dropped")
    n = int(keep.sum())
    if not n:
        return pd.DataFrame({"_pos": np.zeros(0, dtype="int64"), "_raw_ns": np.zeros(0, dtype="int64")},
                            index=pd.DatetimeIndex([], tz="UTC", name="time"))
    raw_ns = (records.timestamp_s[keep] + FIT_EPOCH_UNIX_S) * 1_000_000_000
    index = pd.DatetimeIndex(raw_ns.view("datetime64[ns]"), name="time").tz_localize("UTC")
    cols = records.columns
    col = {name: _numbers(cols.get(name), len(keep))[keep] for name in _RAW_FIELDS
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
    out["_dev_power_w"] = _developer_power(records, native_power)[keep]
    for name in _ZERO_IS_MISSING:
        out[name] = np.where(out[name] == 0, np.nan, out[name])
    out["_pos"] = records.positions[keep].astype("int64")
    out["_raw_ns"] = raw_ns.astype("int64")
    frame = pd.DataFrame(out, index=index)
    activity = cols.get("activity_type")
    if activity is not None:
        activity = activity[keep]
        if activity.dtype != object:
            activity = np.array([None if np.isnan(a) else a for a in activity], dtype=object)
        if any(a is not None for a in activity):
            frame["activity_type"] = pd.Series([None if a is None else str(a) for a in activity],
                                               index=index, dtype="object")
    return frame


def _merge_duplicates(part: pd.DataFrame) -> pd.DataFrame:
    """One session's records (repaired, non-decreasing times) with records of one timestamp merged.

    Two records with one timestamp (a lap record and a sensor record, say) become one: the first
    non-missing value per column wins.
    """
    part = part.sort_index(kind="stable")
    if part.index.has_duplicates:
        part = part.groupby(level=0, sort=True).first()
        if "activity_type" in part:
            part["activity_type"] = part["activity_type"].astype("object")
    return part


def _repair_clock(raw_ns: np.ndarray, owner: np.ndarray, sessions: list, source: str,
                  notes: dict[int, list[str]]):
    """Repair each session's time axis (:func:`~runload.io.timebase.repair_time_axis`).

    Returns
    -------
    new_ns : ndarray of int64
        Repaired times of all records, in file order.
    stretch : ndarray of int
        Number of the stretch between clock jumps of each record (over the whole file, in file order).
    gaps : dict
        Session number → list of (end of the last good sample, first sample after the jump) on the
        repaired axis: the timer is stopped across each.
    """
    new_ns = raw_ns.copy()
    stretch = np.zeros(len(raw_ns), dtype=int)
    gaps: dict[int, list] = {}
    counted = 0
    for k in sorted(set(owner.tolist()), key=lambda k: np.flatnonzero(owner == k)[0]):
        idx = np.flatnonzero(owner == k)
        rep = repair_time_axis(raw_ns[idx])
        new_ns[idx] = rep.t_ns
        seg = np.searchsorted(np.array(rep.breaks, dtype=int), np.arange(len(idx)), side="right")
        stretch[idx] = counted + seg
        counted += len(rep.breaks) + 1
        gaps[k] = [(pd.Timestamp(rep.t_ns[b - 1], tz="UTC").to_pydatetime(),
                    pd.Timestamp(rep.t_ns[b], tz="UTC").to_pydatetime()) for b in rep.breaks]
        where = f" session {k} ({sessions[k].sport}):" if len(sessions) > 1 else ""
        notes.setdefault(k, []).extend(f"{source}:{where} {w}" for w in rep.warnings)
    return new_ns, stretch, gaps


def _native_power_fields(descriptions: list[FitMessage]) -> set[tuple]:
    """(developer_data_index, field_name) of developer fields whose native field is ``record.power``."""
    out = set()
    for m in descriptions:
        f = m.fields
        if f.get("native_mesg_num") in ("record", 20) and f.get("native_field_num") == _NATIVE_POWER_FIELD:
            out.add((f.get("developer_data_index"), f.get("field_name")))
    return out


def _developer_power(records: FitRecords, native_power: set | frozenset) -> np.ndarray:
    """Power [W] from a developer field that declares ``record.power`` as its native field (NaN elsewhere)."""
    values = np.full(len(records), np.nan)
    if not native_power:
        return values
    for (index, name, _units), (_present, numbers) in records.developer.items():
        if (index, name) in native_power:
            values = np.where(np.isnan(values), numbers, values)
    return values


def _first_time(raw: pd.DataFrame) -> datetime | None:
    return raw.index[0].to_pydatetime() if len(raw) else None


# --- one run ------------------------------------------------------------------------------------------


def _build_run(part, session, clock, laps_all, events, gaps, device, dev_info, source, decoder, athlete,
               damaged: bool = False) -> Run:
    """One session's Run from its records (``part``: repaired times, merged duplicates).

    The session spans its first to its last record, and further to its stated end (start + elapsed
    time) or, after a clock jump, to the time of its session message: records are never cut at the
    stated end, but a timer that ran past the last record (a stop event a few seconds later) counts.
    In a ``damaged`` file the session ends at its last record read: the timer events and totals written
    before the damage (Strava writes its session first) describe samples that were lost, so the timer
    intervals are clipped there; the watch's totals stay as written.  Across a clock jump (``gaps``)
    the timer is stopped.
    """
    foot = session.sport in FOOT_SPORTS or session.sport is None
    index = part.index
    cols = {name: part[name].to_numpy() for name in part.columns}  # built as arrays, framed once below
    if foot:
        frac = cols["_fractional_rpm"]
        cols["cadence_spm"] = 2.0 * (cols["_cadence_rpm"] + np.where(np.isnan(frac), 0.0, frac))
    if np.isnan(cols["power_w"]).all():
        cols["power_w"] = cols["_dev_power_w"]
    first_pos = int(cols["_pos"].min())
    raw_span = (pd.Timestamp(int(cols["_raw_ns"].min()), tz="UTC"),
                pd.Timestamp(int(cols["_raw_ns"].max()), tz="UTC"))
    t0, t_last = index[0], index[-1]
    cols["elapsed_s"] = (index - t0).total_seconds().to_numpy().astype("float64")
    start = clock(session.start, first_pos) if session.start is not None else t0.to_pydatetime()
    end = t_last
    if not gaps and session.end is not None:
        end = max(end, pd.Timestamp(clock(session.end, first_pos)))
    elif gaps and session.pos >= 0 and isinstance(session.fields.get("timestamp"), datetime):
        end = max(end, pd.Timestamp(clock(session.fields["timestamp"], session.pos)))
    if damaged:
        end = min(end, t_last)
    end = end.to_pydatetime()

    laps = [f for f in laps_all if start - pd.Timedelta(seconds=1) <= f["start_time"] <= end]
    laps.sort(key=lambda f: f["start_time"])
    if laps:
        lap_starts = pd.DatetimeIndex([f["start_time"] for f in laps]).as_unit("ns").asi8
        cols["lap"] = np.clip(np.searchsorted(lap_starts, index.as_unit("ns").asi8, side="right") - 1, 0, None)
    else:
        cols["lap"] = np.zeros(len(index))
    cols["lap"] = cols["lap"].astype("int64")

    intervals = timer_intervals(events, start, end)
    if gaps:
        intervals = remove_gaps(intervals if intervals is not None else [(start, end)], gaps)
    if intervals is not None:
        cols["timer_on"] = timer_on(index, intervals)
    frame = pd.DataFrame({name: pd.Series(cols[name], index=index, dtype=object) if cols[name].dtype == object
                          else cols[name]
                          for name in _FINAL_ORDER if name in cols and not _all_missing(cols[name])}, index=index)
    validate(frame)

    used = {key for key in _dev_keys(raw_span, dev_info)}
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


def _all_missing(values: np.ndarray) -> bool:
    """Whether a column has no value at all (``DataFrame.dropna(axis=1, how="all")``'s test)."""
    if values.dtype.kind == "f":
        return bool(np.isnan(values).all())
    return bool(pd.isna(values).all())


def _dev_keys(raw_span: tuple[pd.Timestamp, pd.Timestamp], dev_info: dict):
    """Developer fields seen in the session's records (by their raw, unrepaired times)."""
    first, last = raw_span
    for key, times in dev_info["times"].items():
        if times[0] <= last and times[1] >= first:
            yield key
