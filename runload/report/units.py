"""Display formatting, the one place for it: units (metric/imperial), durations, paces, distances, times.

Everything inside runload stays SI (metres, seconds, m/s, UTC); this module only converts for display and
formats numbers as a runner reads them (``5:23 /km``, ``1:02:03``, ``2021-03-22 11:48 (UTC+01:00)``).  The
command line and the HTML report both use it.  Missing values (NaN/None) format as an em dash, zero
formats as zero.  It imports no plotly (the command line imports it).

A pace is shown only between :data:`FASTEST_PACE_S_PER_KM` and :data:`SLOWEST_PACE_S_PER_KM`: a lap
where the runner mostly stood (``4:04:09 /km``) or a stretch faster than any human shows an em dash,
because such a "pace" describes the recording, not the running.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from ..clean import MAX_SPEED_MPS, STANDING_SPEED_MPS
from ..errors import InvalidMethodError

__all__ = ["Units", "UNIT_SYSTEMS", "get_units", "format_duration", "format_number", "is_missing",
           "plausible_pace", "local_time", "format_utc_offset", "format_local_time", "MISSING",
           "SLOWEST_PACE_S_PER_KM", "FASTEST_PACE_S_PER_KM", "parse_pace"]

METRES_PER_MILE = 1609.344
METRES_PER_FOOT = 0.3048
MISSING = "—"
# Paces outside these bounds are not shown (an em dash instead).  Slowest: the standing speed of
# runload.clean (below it the runner stands; 0.5 m/s = 33:20 /km); fastest: its spike bound (a speed
# above any human's, 12.5 m/s = 1:20 /km).  Both follow the cleaning constants.
SLOWEST_PACE_S_PER_KM = 1000.0 / STANDING_SPEED_MPS
FASTEST_PACE_S_PER_KM = 1000.0 / MAX_SPEED_MPS


def is_missing(value) -> bool:
    """True for None, NaN and NaT (zero is data).

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(None), is_missing(0)
    (True, True, False)
    """
    if type(value) is float:  # the common case, without a numpy call
        return value != value
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    try:
        return bool(np.isnan(value))
    except (TypeError, ValueError):
        return False


def _finite(value) -> float | None:
    """``value`` as a finite float, else ``None``."""
    if type(value) is float:  # the common case (table cells), without a numpy call
        return value if math.isfinite(value) else None
    if is_missing(value):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def format_number(value, fmt: str = "{:.0f}", unit: str = "", missing: str = MISSING) -> str:
    """``value`` formatted with ``fmt`` (and `` unit``); ``missing`` when missing or not finite.

    Never shows a negative zero.

    Examples
    --------
    >>> format_number(172.4, unit="spm")
    '172 spm'
    >>> format_number(-0.04, "{:+.1f}")
    '+0.0'
    >>> format_number(float("nan"))
    '—'
    """
    v = _finite(value)
    if v is None:
        return missing
    text = fmt.format(v)
    if text.lstrip("+-").strip("0.,") == "" and text[:1] == "-":
        text = ("+" if "+" in fmt else "") + text[1:]
    return text + (f" {unit}" if unit else "")


def format_duration(seconds) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour) for a duration [s]; em dash when missing.

    The total is rounded to whole seconds first, so 359.6 s is ``6:00``, never ``5:60``.

    Examples
    --------
    >>> format_duration(359.6)
    '6:00'
    >>> format_duration(3723)
    '1:02:03'
    >>> format_duration(0)
    '0:00'
    """
    v = _finite(seconds)
    if v is None:
        return MISSING
    total = int(round(v))
    sign = "-" if total < 0 else ""
    h, rest = divmod(abs(total), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


def plausible_pace(s_per_km) -> bool:
    """True for a pace [s/km] worth showing: between :data:`FASTEST_PACE_S_PER_KM` and
    :data:`SLOWEST_PACE_S_PER_KM` (slower is standing, faster is a recording error).

    Examples
    --------
    >>> plausible_pace(330), plausible_pace(14649), plausible_pace(float("nan"))
    (True, False, False)
    """
    v = _finite(s_per_km)
    return v is not None and FASTEST_PACE_S_PER_KM <= v <= SLOWEST_PACE_S_PER_KM


@dataclass(frozen=True)
class Units:
    """One display system.

    Attributes
    ----------
    system : str  ``"metric"`` or ``"imperial"``
    distance_unit : str  ``"km"`` or ``"mi"``
    metres_per_distance_unit : float  [m] per displayed distance unit
    elevation_unit : str  ``"m"`` or ``"ft"``
    metres_per_elevation_unit : float  [m] per displayed elevation unit
    """

    system: str
    distance_unit: str
    metres_per_distance_unit: float
    elevation_unit: str
    metres_per_elevation_unit: float

    @property
    def pace_unit(self) -> str:
        """Label of a pace, e.g. ``"/km"``."""
        return f"/{self.distance_unit}"

    def distance(self, metres):
        """Distance [m] → displayed distance unit (scalars or arrays)."""
        return np.asarray(metres, dtype=float) / self.metres_per_distance_unit

    def elevation(self, metres):
        """Elevation [m] → displayed elevation unit."""
        return np.asarray(metres, dtype=float) / self.metres_per_elevation_unit

    def pace(self, s_per_km):
        """Pace [s/km] → seconds per displayed distance unit."""
        return np.asarray(s_per_km, dtype=float) * self.metres_per_distance_unit / 1000.0

    def format_distance(self, metres, digits: int = 2, unit: bool = True) -> str:
        """``12.34 km`` / ``7.67 mi`` for a distance [m] (without the unit when ``unit=False``).

        Examples
        --------
        >>> get_units("imperial").format_distance(1609.344)
        '1.00 mi'
        """
        if _finite(metres) is None:
            return MISSING
        return format_number(float(self.distance(metres)), f"{{:.{digits}f}}", self.distance_unit if unit else "")

    def format_elevation(self, metres, unit: bool = True, signed: bool = False) -> str:
        """``328 ft`` / ``100 m`` for a height [m] (an ascent, an altitude).

        Examples
        --------
        >>> get_units("imperial").format_elevation(100)
        '328 ft'
        """
        if _finite(metres) is None:
            return MISSING
        return format_number(float(self.elevation(metres)), "{:+.0f}" if signed else "{:.0f}",
                             self.elevation_unit if unit else "")

    def format_pace(self, s_per_km, unit: bool = True) -> str:
        """``m:ss /km`` (or ``/mi``) for a pace [s/km]; em dash when missing or not plausible
        (:func:`plausible_pace`: standing, or faster than any human).

        Examples
        --------
        >>> get_units("metric").format_pace(359.6)
        '6:00 /km'
        >>> get_units("imperial").format_pace(300)
        '8:03 /mi'
        >>> get_units("metric").format_pace(14649)  # a lap where the runner stood
        '—'
        """
        if not plausible_pace(s_per_km):
            return MISSING
        text = format_duration(float(self.pace(float(s_per_km))))
        return f"{text} {self.pace_unit}" if unit else text

    def format_speed_as_pace(self, speed_mps, unit: bool = True) -> str:
        """A speed [m/s] shown as a pace (em dash for standing).

        Examples
        --------
        >>> get_units("metric").format_speed_as_pace(3.0)
        '5:33 /km'
        """
        v = _finite(speed_mps)
        if v is None or v <= 0:
            return MISSING
        return self.format_pace(1000.0 / v, unit=unit)


UNIT_SYSTEMS: dict[str, Units] = {
    "metric": Units("metric", "km", 1000.0, "m", 1.0),
    "imperial": Units("imperial", "mi", METRES_PER_MILE, "ft", METRES_PER_FOOT),
}


def get_units(system: str | Units) -> Units:
    """The :class:`Units` for ``"metric"`` or ``"imperial"``; :class:`InvalidMethodError` otherwise."""
    if isinstance(system, Units):
        return system
    try:
        return UNIT_SYSTEMS[system]
    except (KeyError, TypeError):
        raise InvalidMethodError("units", system, tuple(UNIT_SYSTEMS)) from None


def parse_pace(text: str, units: str | Units = "metric", *, what: str = "--easy-pace") -> float:
    """A pace typed as ``M:SS`` or ``MM:SS`` per displayed distance unit (km, or mile with ``imperial``) →
    seconds per km.

    Raises
    ------
    RunloadError
        Not ``M:SS`` with seconds below 60, or outside the plausible paces (:func:`plausible_pace`);
        ``what`` names the option in the message.

    Examples
    --------
    >>> parse_pace("5:30")
    330.0
    >>> round(parse_pace("8:51", "imperial"), 1)  # 531 s per mile
    329.9
    """
    from ..errors import RunloadError

    u = get_units(units)
    parts = str(text).strip().split(":")
    ok = len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[1]) == 2 and int(parts[1]) < 60
    if not ok:
        raise RunloadError(None, f"{what} must be a pace as M:SS per {u.distance_unit} (e.g. 5:30), not {text!r}")
    per_unit = 60.0 * int(parts[0]) + int(parts[1])
    s_per_km = per_unit * 1000.0 / u.metres_per_distance_unit
    if not plausible_pace(s_per_km):
        raise RunloadError(None, f"{what} {text} per {u.distance_unit} is not a running pace (between "
                                 f"{u.format_pace(FASTEST_PACE_S_PER_KM)} and {u.format_pace(SLOWEST_PACE_S_PER_KM)})")
    return s_per_km


def _zone(utc_offset_s, tz_name) -> timezone | ZoneInfo | None:
    """The run's zone: the IANA zone where known (follows daylight saving), else the fixed offset."""
    if tz_name:
        try:
            return ZoneInfo(str(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = _finite(utc_offset_s)
    if offset is None or abs(offset) > 18 * 3600:
        return None
    return timezone(timedelta(seconds=round(offset)))


def local_time(when, utc_offset_s=None, tz_name=None) -> pd.Timestamp | None:
    """``when`` (UTC) as the run's local time, tz-aware; in UTC when the zone is unknown.

    Parameters
    ----------
    when : datetime or pandas.Timestamp
        A tz-aware time (a naive one is taken as UTC).
    utc_offset_s : float, optional
        [s] local time minus UTC (``RunMeta.utc_offset_s``).
    tz_name : str, optional
        IANA zone (``RunMeta.timezone``); preferred over the offset when both are known.

    Examples
    --------
    >>> local_time(pd.Timestamp("2021-03-22 10:48", tz="UTC"), 3600).isoformat()
    '2021-03-22T11:48:00+01:00'
    """
    if is_missing(when):
        return None
    ts = pd.Timestamp(when)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    zone = _zone(utc_offset_s, tz_name)
    return ts.tz_convert(zone if zone is not None else "UTC")


def format_utc_offset(seconds) -> str:
    """``UTC+01:00`` for an offset [s] from UTC.

    Examples
    --------
    >>> format_utc_offset(-12600)
    'UTC-03:30'
    """
    total = int(round(float(seconds) / 60.0))
    sign = "-" if total < 0 else "+"
    h, m = divmod(abs(total), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def format_local_time(when, utc_offset_s=None, tz_name=None, *, seconds: bool = False) -> str:
    """A time as the runner's clock showed it, with its offset; in UTC when the zone is unknown.

    Parameters
    ----------
    when : datetime or pandas.Timestamp
        A tz-aware time (a naive one is taken as UTC).
    utc_offset_s : float, optional
        [s] local time minus UTC (``RunMeta.utc_offset_s``).
    tz_name : str, optional
        IANA zone (``RunMeta.timezone``); preferred over the offset when both are known.
    seconds : bool
        Show seconds.

    Examples
    --------
    >>> t = pd.Timestamp("2021-03-22 10:48", tz="UTC")
    >>> format_local_time(t, 3600)
    '2021-03-22 11:48 (UTC+01:00)'
    >>> format_local_time(t)
    '2021-03-22 10:48 UTC'
    >>> format_local_time(t, tz_name="America/New_York")
    '2021-03-22 06:48 (UTC-04:00)'
    """
    ts = local_time(when, utc_offset_s, tz_name)
    if ts is None:
        return MISSING
    text = ts.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if _zone(utc_offset_s, tz_name) is None:
        return f"{text} UTC"
    return f"{text} ({format_utc_offset(ts.utcoffset().total_seconds())})"
