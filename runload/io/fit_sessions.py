"""Which FIT records belong to which session, the repaired clock, and the timer.

Helpers of :mod:`runload.io.fit`.

Sessions by message order
    A FIT activity file is written in order: a session's records come before its ``session`` message
    ("summary last", what watches write, one session after another in multisport files).  When the
    session messages are interleaved with the records (records before the first session message and
    records between two session messages), a record belongs to the first session message that follows
    it; records after the last session message belong to the last session.  So the record stamped at the
    boundary of two legs (the last record of the bike, stamped at the second the run starts) stays with
    the leg it was written in, and no record is ever dropped because a session's *stated* elapsed time
    is short (a clock jump, swapped timer/elapsed values, a missing final lap).

    When all session messages sit together — before the records ("summary first", as Garmin Connect
    re-exports and the jimmykane triathlon fixture) or after all of them (Fenix 2 multisport) — the order
    says nothing and the records are split by time at the sessions' start times only: a record at or
    after a session's start belongs to it, except a record stamped exactly at a start that the previous
    session still covers (its start + elapsed time), which stays with the previous session.  Records
    before the first session's start belong to the first session.  One session takes every record.

Repaired clock
    :func:`runload.io.timebase.repair_time_axis` repairs each session's record times.  The timer events,
    laps and the session start are stamped by the same faulty clock, so their times are moved like the
    records' (:class:`ClockMap`): a time goes with the stretch of records (between two clock jumps) that
    was being written when the message was, unless it lies in the raw time range of an earlier stretch
    (a lap that started before the jump).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from .fit_decode import FitMessage
from .fit_meta import enum_name

__all__ = ["Session", "sessions_from", "assign_sessions", "ClockMap", "timer_events", "timer_intervals",
           "remove_gaps", "timer_on"]

_TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})

#: [s] A message's time belongs to a stretch of records between clock jumps when it lies within this much
#: of the stretch's raw time range (a lap or stop event a few seconds after the stretch's last record).
_STRETCH_SLACK_S = 60.0


class Session:
    """A session message reduced to what the split needs (``fields`` is the raw session message)."""

    def __init__(self, fields: dict, sport, sub_sport, start, end, pos: int = -1):
        self.fields, self.sport, self.sub_sport, self.start, self.end = fields, sport, sub_sport, start, end
        self.pos = pos  # position of the session message in the file (-1: none)


def sessions_from(messages: list[FitMessage], first_record_time: datetime | None,
                  positions: list[int] | None = None) -> list[Session]:
    """The distinct session messages, in time order (a repeated summary counts once, at its last copy).

    ``positions`` are the messages' positions in the file (default: their index in ``messages``).
    """
    out: list[Session] = []
    for pos, m in zip(range(len(messages)) if positions is None else positions, messages, strict=True):
        if m.name != "session":
            continue
        f = m.fields
        start = f.get("start_time")
        start = start if isinstance(start, datetime) else None
        elapsed = f.get("total_elapsed_time")
        end = None
        if start is not None and isinstance(elapsed, (int, float)):
            end = start + pd.Timedelta(seconds=float(elapsed))
        elif isinstance(f.get("timestamp"), datetime):
            end = f["timestamp"]
        out.append(Session(f, enum_name(f.get("sport")), enum_name(f.get("sub_sport")), start, end, pos))
    # Files that repeat the summary (triathlon "summary first" + "summary last") list a session twice.
    unique: dict = {}
    for s in out:
        unique[(s.start, s.sport, s.fields.get("total_elapsed_time"))] = s  # the last copy's position wins
    ordered = sorted(unique.values(), key=lambda s: (s.start is None, s.start or datetime.min, s.pos))
    for i, s in enumerate(ordered):  # a session without start_time starts where the previous one ended
        if s.start is None:
            s.start = ordered[i - 1].end if i else first_record_time
    return ordered


def assign_sessions(record_pos: np.ndarray, record_ns: np.ndarray, sessions: list[Session]) -> np.ndarray:
    """Session number (index into ``sessions``) of every record; never -1 (see the module docstring).

    Parameters
    ----------
    record_pos : ndarray of int
        Positions of the record messages in the file.
    record_ns : ndarray of int64
        Their raw times [ns since the Unix epoch].
    sessions : list of Session
        In time order, as :func:`sessions_from` gives them.
    """
    n = len(record_pos)
    if len(sessions) <= 1 or n == 0:
        return np.zeros(n, dtype=int)
    by_pos = sorted(range(len(sessions)), key=lambda k: sessions[k].pos)
    ses_pos = np.array([sessions[k].pos for k in by_pos])
    slot = np.searchsorted(ses_pos, record_pos, side="left")  # first session message after the record
    between = (slot > 0) & (slot < len(ses_pos))
    if (slot == 0).any() and between.any() and (ses_pos >= 0).all():
        return np.array(by_pos)[np.clip(slot, 0, len(ses_pos) - 1)]
    starts = np.array([_ns(s.start) for s in sessions], dtype="int64")
    ends = np.array([_ns(s.end) if s.end is not None else np.iinfo("int64").min for s in sessions])
    owner = np.clip(np.searchsorted(starts, record_ns, side="right") - 1, 0, None)
    prev = np.clip(owner - 1, 0, None)
    on_boundary = (owner > 0) & (record_ns == starts[owner]) & (record_ns <= ends[prev])
    return np.where(on_boundary, owner - 1, owner)


def _ns(value) -> int:
    """Nanoseconds since the epoch (naive datetimes are UTC, as FIT times are)."""
    return pd.Timestamp(value).as_unit("ns").value


class ClockMap:
    """Moves raw FIT times onto the repaired time axis of the records.

    Parameters
    ----------
    record_pos : ndarray of int
        File positions of the records, in file order.
    raw_ns, new_ns : ndarray of int64
        Their raw and repaired times [ns].
    stretch : ndarray of int
        Number of the stretch (records between two clock jumps, counted over the whole file) of each record.
    """

    def __init__(self, record_pos: np.ndarray, raw_ns: np.ndarray, new_ns: np.ndarray, stretch: np.ndarray):
        self.identity = bool(np.array_equal(raw_ns, new_ns))
        self.pos = record_pos
        self.stretch = stretch
        n_stretch = int(stretch.max()) + 1 if len(stretch) else 0
        self.lo = np.full(n_stretch, np.iinfo("int64").max)
        self.hi = np.full(n_stretch, np.iinfo("int64").min)
        self.shift = np.zeros(n_stretch, dtype="int64")
        if self.identity or n_stretch == 0:
            return
        order = np.argsort(stretch, kind="stable")
        ids = stretch[order]
        firsts = np.flatnonzero(np.r_[True, np.diff(ids) != 0])
        raw_sorted, moved = raw_ns[order], (new_ns - raw_ns)[order]
        for a, b in zip(firsts, [*firsts[1:], len(order)], strict=True):
            k = ids[a]
            self.lo[k], self.hi[k] = raw_sorted[a:b].min(), raw_sorted[a:b].max()
            # the stretch's own shift: most samples have it (an interpolated outlier does not)
            self.shift[k] = int(np.median(moved[a:b]))

    def __call__(self, when: datetime, pos: int) -> datetime:
        """``when`` (stamped by the message at file position ``pos``) on the repaired axis."""
        if self.identity or len(self.pos) == 0:
            return when
        t = _ns(when)
        i = max(int(np.searchsorted(self.pos, pos, side="right")) - 1, 0)  # last record before the message
        hint = int(self.stretch[i])
        slack = int(_STRETCH_SLACK_S * 1e9)
        for k in range(hint, -1, -1):
            if self.lo[k] - slack <= t <= self.hi[k] + slack:
                return (pd.Timestamp(t + int(self.shift[k]), tz="UTC")).to_pydatetime()
        return (pd.Timestamp(t + int(self.shift[hint]), tz="UTC")).to_pydatetime()


def timer_events(messages: list[FitMessage], clock: ClockMap,
                 positions: list[int] | None = None) -> list[tuple[datetime, bool]]:
    """(time on the repaired axis, True for start / False for stop) of the timer events, in time order.

    ``positions`` are the messages' positions in the file (default: their index in ``messages``).
    """
    out = []
    for pos, m in zip(range(len(messages)) if positions is None else positions, messages, strict=True):
        if m.name != "event":
            continue
        f = m.fields
        if f.get("event") != "timer" or not isinstance(f.get("timestamp"), datetime):
            continue
        kind = f.get("event_type")
        if kind == "start":
            out.append((clock(f["timestamp"], pos), True))
        elif kind in _TIMER_STOPS:
            out.append((clock(f["timestamp"], pos), False))
    out.sort(key=lambda x: x[0])
    return out


def timer_intervals(events, start: datetime, end: datetime) -> list[tuple[datetime, datetime]] | None:
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


def remove_gaps(intervals: list[tuple[datetime, datetime]],
                gaps: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """``intervals`` minus the ``gaps`` (the timer is stopped across a removed clock jump)."""
    out = list(intervals)
    for g0, g1 in gaps:
        nxt = []
        for a, b in out:
            if b <= g0 or a >= g1:
                nxt.append((a, b))
                continue
            if a < g0:
                nxt.append((a, g0))
            if b > g1:
                nxt.append((g1, b))
        out = nxt
    return out


def timer_on(index: pd.DatetimeIndex, intervals: list[tuple[datetime, datetime]]) -> np.ndarray:
    """Whether the timer ran during the interval that follows each sample (the last: at the sample).

    ``timer_on[i]`` says whether the time from sample i to sample i+1 is timer time (the convention of
    :mod:`runload.summary` and :mod:`runload.clean`): True when the timer ran for at least half of it.
    So the record written just before a stop (the watch wrote no record at the stop itself) is off: the
    pause that follows it is not timer time.  The last sample, and samples with the next one at the same
    time, are on when the timer runs at the sample (a record stamped at the stop is off).
    """
    t = index.as_unit("ns").asi8
    if len(t) == 0:
        return np.zeros(0, dtype=bool)
    bounds = np.array([_ns(x) for iv in sorted(intervals) for x in iv], dtype="int64")
    at = np.searchsorted(bounds, t, side="right") % 2 == 1
    if len(bounds) == 0:
        return at
    rel = (t - t[0]) / 1e9
    knots = (bounds - t[0]) / 1e9
    lengths = np.diff(knots)[::2]
    cum = np.concatenate([[0.0], np.repeat(np.cumsum(lengths), 2)[:-1]])
    covered = np.interp(rel, knots, cum)  # timer time from t[0] to each sample [s]
    dt = np.diff(rel)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.diff(covered) / dt
    out = at.copy()
    out[:-1] = np.where(dt > 0, frac >= 0.5, at[:-1])
    return out
