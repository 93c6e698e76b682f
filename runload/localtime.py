"""Local time of a run: the time zone at its start position and the UTC offset there at its start.

GPX and TCX store times in UTC and say nothing about where the runner's clock was, so the zone is
looked up from the first position with ``timezonefinder`` (offline: its polygons ship with the package,
nothing is fetched) and the offset at the start time comes from the IANA database through
:mod:`zoneinfo`, so summer time is applied on the dates it was in force.  ``timezonefinder`` loads its
data on first use, so it is imported only when a zone is looked up.  Without it (or without a position)
the local time is unknown and runs are shown in UTC.

FIT files carry their own local time (``activity.local_timestamp``); the FIT reader fills
``RunMeta.utc_offset_s`` from it and this module is not needed there.
"""

from __future__ import annotations

import atexit
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

__all__ = ["local_time", "run_local_time"]


@lru_cache(maxsize=1)
def _finder():
    """The one ``TimezoneFinder`` (its data is loaded once); ``None`` when the package is missing."""
    try:
        from timezonefinder import TimezoneFinder
    except ImportError:
        return None
    finder = TimezoneFinder()  # reads its polygon files on demand (in_memory=True costs ~3 s and 50 MB)
    cleanup = getattr(finder, "cleanup", None)
    if cleanup is not None:  # close the mapped data files at exit, not when the finder is collected
        atexit.register(cleanup)
    return finder


def local_time(lat_deg: float, lon_deg: float, when: datetime) -> tuple[float | None, str | None]:
    """UTC offset and IANA zone name at a position and instant.

    Parameters
    ----------
    lat_deg, lon_deg : float
        Position [deg] (WGS84).
    when : datetime
        The instant (tz-aware; a naive value is taken as UTC).

    Returns
    -------
    utc_offset_s : float or None
        [s] local time minus UTC at ``when`` (summer time included).
    timezone : str or None
        IANA name such as ``"Europe/Ljubljana"``; on the open sea the nautical zone (``"Etc/GMT+2"``).
        Both are ``None`` when the position is missing or invalid or no zone is known.

    Examples
    --------
    Ljubljana is UTC+2 in July (summer time) and UTC+1 in January:

    >>> from datetime import datetime, timezone
    >>> local_time(46.05, 14.51, datetime(2024, 7, 1, 6, tzinfo=timezone.utc))
    (7200.0, 'Europe/Ljubljana')
    >>> local_time(46.05, 14.51, datetime(2024, 1, 15, 6, tzinfo=timezone.utc))[0]
    3600.0
    """
    lat, lon = float(lat_deg), float(lon_deg)
    if not (np.isfinite(lat) and np.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None, None
    finder = _finder()
    if finder is None:
        return None, None
    name = finder.timezone_at(lng=lon, lat=lat)
    if name is None:
        return None, None
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None, name
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    offset = when.astimezone(zone).utcoffset()
    return (None if offset is None else offset.total_seconds()), name


def run_local_time(samples, start: datetime | None = None) -> tuple[float | None, str | None]:
    """:func:`local_time` at the first position of a run's samples.

    Parameters
    ----------
    samples : pandas.DataFrame
        Canonical samples (:mod:`runload.schema`); ``latitude_deg``/``longitude_deg`` are used.
    start : datetime, optional
        The instant for the offset; the first sample's time when omitted.

    Returns
    -------
    (utc_offset_s, timezone)
        As :func:`local_time`; ``(None, None)`` when no sample has a position.
    """
    if "latitude_deg" not in samples or "longitude_deg" not in samples or samples.empty:
        return None, None
    lat = samples["latitude_deg"].to_numpy(dtype="float64")
    lon = samples["longitude_deg"].to_numpy(dtype="float64")
    ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if ok.size == 0:
        return None, None
    when = start if start is not None else samples.index[0].to_pydatetime()
    return local_time(lat[ok[0]], lon[ok[0]], when)
