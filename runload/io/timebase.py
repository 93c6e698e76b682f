"""One repair of a run's time axis, used by every reader (FIT, GPX, TCX).

Watches write their samples in the order they measured them, but the clock that stamps them can fail:

* a single sample (or a handful) carries a wrong time — out of order, or days away — while its
  neighbours agree with each other ("isolated out-of-order samples", found by mutation fuzzing and in a
  TCX trackpoint timed 10 s before the start);
* the clock *steps* and stays stepped: every later sample continues from the new clock (a Garmin FIT
  file whose clock jumps forward by 20 days mid-run; a GPS time fix that sets the clock back).

:func:`repair_time_axis` keeps every sample and its file order, and returns a non-decreasing time axis:

* an isolated run of at most :data:`MAX_OUTLIER_RUN` samples whose times do not fit between the
  neighbours on either side (while the neighbours fit with each other) gets times interpolated between
  those neighbours, linearly by position (the shortest such run wins); such a run at the very start or
  end of the file, with a neighbour on one side only, is placed one typical step apart from it; one
  warning gives the count;
* a clock jump — a persistent backward step of any size, or a persistent forward step longer than
  :data:`MAX_REAL_PAUSE_S` — shifts the sample after it and all later ones so that they continue from
  the last good sample after one typical sampling step; the index of that sample is recorded as a
  *break* (readers treat the timer as stopped across it: the jump becomes a pause of one step) and one
  warning per jump names when it happened and how big it was.

How a long real pause is told from a jump.  A forward step is ambiguous: a café stop of an hour with
the timer stopped and a clock that jumps by an hour look the same in the time stamps alone.  This function
judges by size: a step forward of up to :data:`MAX_REAL_PAUSE_S` (12 h) is a pause and left alone — the
readers then find it as a pause from the timer events (FIT ``event`` timer stop/start) or from a gap in
time with no distance covered (:func:`runload.io._track.pause_after`); a longer forward step cannot be a
pause inside one recorded session (watches save or discard an activity left paused for hours; an ultra
race with a sleep stop is still shorter) and is a jump.  A backward step is never real.  Forward jumps
shorter than 12 h (a time-zone slip of the clock) are therefore kept as pauses; the distance continuing
across such a gap would tell them apart, which this function (times only) does not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["TimeRepair", "repair_time_axis", "MAX_REAL_PAUSE_S", "MAX_OUTLIER_RUN", "DEFAULT_STEP_S"]

#: [s] The longest forward step between two consecutive samples that can still be a real pause inside
#: one recorded session (see the module docstring); a longer step forward is a clock jump.
MAX_REAL_PAUSE_S = 12 * 3600.0

#: At most this many consecutive samples with wrong times count as "isolated" (interpolated); a longer
#: stretch that does not return to the old clock is a clock jump.  Five samples are five seconds at the
#: usual 1-Hz recording: a glitch of the clock, not a new clock.
MAX_OUTLIER_RUN = 5

#: [s] Sampling step assumed when the samples give none (fewer than two increasing times).
DEFAULT_STEP_S = 1.0

_NS = 1_000_000_000


@dataclass
class TimeRepair:
    """The repaired time axis.

    Attributes
    ----------
    t_ns : numpy.ndarray
        int64 ns since the Unix epoch, same length and order as the input, non-decreasing.
    breaks : list[int]
        Indices ``i`` where a clock jump was removed between sample ``i-1`` and ``i`` (the timer is
        treated as stopped across that gap: a pause).
    warnings : list[str]
        One human-readable line per repair.
    """

    t_ns: np.ndarray
    breaks: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def repair_time_axis(t_ns: np.ndarray, *, typical_step_s: float | None = None) -> TimeRepair:
    """Repair out-of-order samples and clock jumps; never reorder or drop a sample.

    Parameters
    ----------
    t_ns : numpy.ndarray
        Sample times, int64 ns since the Unix epoch, in file order.
    typical_step_s : float, optional
        [s] The recording interval, used as the gap that replaces a removed jump and to extrapolate a
        wrong first sample.  Default: the median of the positive steps between samples (1 s if none).

    Returns
    -------
    TimeRepair
        See the module docstring for the rules.
    """
    raw = np.asarray(t_ns, dtype="int64")
    n = len(raw)
    out = raw.copy()
    if n < 2:
        return TimeRepair(out)
    step_ns = _typical_step_ns(raw, typical_step_s)
    max_pause_ns = int(MAX_REAL_PAUSE_S * _NS)

    def fits(later: int, earlier: int) -> bool:
        d = later - earlier
        return 0 <= d <= max_pause_ns

    steps = np.diff(raw)
    odd = np.flatnonzero((steps < 0) | (steps > max_pause_ns)) + 1  # samples after an impossible raw step
    if len(odd) == 0:
        return TimeRepair(out)
    breaks: list[int] = []
    notes: list[str] = []
    outlier = np.zeros(n, dtype=bool)
    offset = 0  # ns added to every sample from the last jump on
    i = 1
    while i < n:
        if fits(raw[i] + offset, out[i - 1]):
            # every raw step up to the next impossible one is fine: copy that stretch at once
            k = int(np.searchsorted(odd, i, side="right"))
            nxt = int(odd[k]) if k < len(odd) else n
            out[i:nxt] = raw[i:nxt] + offset
            i = nxt
            continue
        # The step from i-1 to i is impossible: the shortest run of wrong samples around it?
        run = _wrong_run(raw, out, i, offset, fits)
        if run is not None:
            first, last = run
            if last == n - 1:  # trailing: no sample after it, one step apart from the last good one
                out[first:] = out[first - 1] + step_ns * np.arange(1, n - first + 1)
            elif first == 0:  # leading: no sample before it, one step apart before the first good one
                out[:last + 1] = raw[last + 1] + offset - step_ns * np.arange(last + 1, 0, -1)
            else:
                _interpolate(out, first - 1, last + 1, raw[last + 1] + offset)
            outlier[first:last + 1] = True
            if last + 1 < n:
                out[last + 1] = raw[last + 1] + offset
            i = last + 2
            continue
        # (c) a clock jump: sample i and all later ones continue from sample i-1 after one step.
        shift = out[i - 1] + step_ns - (raw[i] + offset)  # the jump's size is -shift (beyond one step)
        offset += shift
        out[i] = raw[i] + offset
        breaks.append(i)
        notes.append(_jump_note(-shift, out[i - 1] - out[0]))
        i += 1
    if outlier.any():
        k = int(outlier.sum())
        notes.insert(0, f"{k} sample(s) had out-of-order timestamps; each got a time between its neighbours")
    return TimeRepair(out, breaks, notes)


def _wrong_run(raw, out, i, offset, fits) -> tuple[int, int] | None:
    """The shortest run ``first..last`` (at most :data:`MAX_OUTLIER_RUN` samples, touching the impossible
    step before sample ``i``) whose neighbours fit with each other; runs at the start or end of the file,
    which have a neighbour on one side only, come last.  None: the step is a clock jump."""
    n = len(raw)
    for length in range(1, MAX_OUTLIER_RUN + 1):
        for first in range(i, i - length - 1, -1):  # the sample after the step first, then earlier ones
            last = first + length - 1
            if first >= 1 and i - 1 <= last < n - 1 and fits(raw[last + 1] + offset, out[first - 1]):
                return first, last
    for length in range(1, MAX_OUTLIER_RUN + 1):
        if length >= i and n - length > MAX_OUTLIER_RUN:
            return 0, length - 1
        if n - length <= i and n - length >= 1 and n > 2 * MAX_OUTLIER_RUN:
            return n - length, n - 1
    return None


def _typical_step_ns(raw: np.ndarray, typical_step_s: float | None) -> int:
    if typical_step_s is not None and np.isfinite(typical_step_s) and typical_step_s > 0:
        return int(round(typical_step_s * _NS))
    d = np.diff(raw)
    d = d[(d > 0) & (d <= MAX_REAL_PAUSE_S * _NS)]
    return int(np.median(d)) if len(d) else int(DEFAULT_STEP_S * _NS)


def _interpolate(out: np.ndarray, left: int, right: int, right_ns: int) -> None:
    """Times of samples left+1 … right-1 linearly (by position) between out[left] and ``right_ns``."""
    k = np.arange(1, right - left)
    span = right_ns - out[left]
    out[left + 1:right] = out[left] + (span * k) // (right - left)


def _duration(ns: int) -> str:
    """Human duration: '20 d 3 h', '1 h 5 min', '41 min 10 s', '12 s'."""
    s = abs(int(ns)) / _NS
    d, rem = divmod(round(s), 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    if d:
        return f"{d} d {h} h"
    if h:
        return f"{h} h {m} min"
    if m:
        return f"{m} min {sec} s"
    return f"{s:.3g} s"


def _jump_note(jump_ns: int, at_ns: int) -> str:
    at = round(at_ns / _NS)
    clock = f"{at // 3600:02d}:{at % 3600 // 60:02d}:{at % 60:02d}"
    way = "forward" if jump_ns > 0 else "backward"
    return (f"clock jumped {way} {_duration(jump_ns)} after {clock} of the run; the jump is treated as a "
            "pause and the later samples continue from the last good one")
