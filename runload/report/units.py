"""Display units for reports: metric or imperial, chosen at render time.

Everything inside runload stays SI (metres, seconds, m/s); this module only converts for display and
formats numbers as a runner reads them (``5:23 /km``, ``1:02:03``).  Missing values (NaN/None) format as
an em dash, zero formats as zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidMethodError

__all__ = ["Units", "UNIT_SYSTEMS", "get_units", "format_duration", "is_missing"]

METRES_PER_MILE = 1609.344
METRES_PER_FOOT = 0.3048
MISSING = "—"


def is_missing(value) -> bool:
    """True for None and NaN (zero is data)."""
    if value is None:
        return True
    try:
        return bool(np.isnan(value))
    except TypeError:
        return False


def format_duration(seconds) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour) for a duration [s]; em dash when missing."""
    if is_missing(seconds):
        return MISSING
    total = int(round(float(seconds)))
    sign = "-" if total < 0 else ""
    h, rest = divmod(abs(total), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


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

    def format_distance(self, metres, digits: int = 2) -> str:
        if is_missing(metres):
            return MISSING
        return f"{float(self.distance(metres)):.{digits}f} {self.distance_unit}"

    def format_elevation(self, metres) -> str:
        if is_missing(metres):
            return MISSING
        return f"{float(self.elevation(metres)):.0f} {self.elevation_unit}"

    def format_pace(self, s_per_km) -> str:
        """``m:ss /km`` for a pace [s/km]; em dash when missing, not finite or not positive."""
        if is_missing(s_per_km) or not math.isfinite(float(s_per_km)) or float(s_per_km) <= 0:
            return MISSING
        return f"{format_duration(float(self.pace(s_per_km)))} {self.pace_unit}"

    def format_speed_as_pace(self, speed_mps) -> str:
        """A speed [m/s] shown as a pace."""
        if is_missing(speed_mps) or float(speed_mps) <= 0:
            return MISSING
        return self.format_pace(1000.0 / float(speed_mps))


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
