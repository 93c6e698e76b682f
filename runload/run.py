"""The :class:`Run`: one running session as read from a file.

The samples follow :mod:`runload.schema`; everything about the file and the watch travels beside them in
:class:`RunMeta` (not in ``DataFrame.attrs``, which pandas drops on many operations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

__all__ = ["Device", "DeveloperField", "WatchTotals", "RunMeta", "Run"]


@dataclass(frozen=True)
class Device:
    """The recording device as the file names it (strings come from the file: escape before display)."""

    manufacturer: str | None = None
    product: str | None = None
    serial: str | None = None
    software: str | None = None

    def __str__(self) -> str:
        """The device as a person would name it: the product, after the maker unless the product names it.

        Examples
        --------
        >>> str(Device("garmin", "fr935"))
        'Garmin fr935'
        >>> str(Device("suunto", "Suunto Vertical 2"))
        'Suunto Vertical 2'
        >>> str(Device("wahoo_fitness", "ELEMNT BOLT")), str(Device())
        ('Wahoo Fitness ELEMNT BOLT', 'unknown device')
        """
        maker = self.manufacturer.replace("_", " ").strip().title() if self.manufacturer else None
        if self.product and maker and self.product.lower().startswith(maker.lower()):
            return self.product
        parts = [p for p in (maker, self.product) if p]
        return " ".join(parts) if parts else "unknown device"


@dataclass(frozen=True)
class DeveloperField:
    """A FIT developer field found in the records (Stryd, RunScribe, …)."""

    name: str
    units: str | None = None
    application: str | None = None  # manufacturer/app where the file says (e.g. "Stryd")


@dataclass
class WatchTotals:
    """The watch's own session summary, converted to runload units.  ``None`` where the file lacks it.

    Attributes
    ----------
    distance_m : float | None  [m]
    timer_s : float | None  [s]  time the timer ran (the watch's "moving/timer time")
    elapsed_s : float | None  [s]
    avg_cadence_spm : float | None  [steps/min]  (FIT: 2 × (avg_running_cadence + avg_fractional_cadence))
    avg_speed_mps, max_speed_mps : float | None  [m/s]
    avg_heart_rate_bpm, max_heart_rate_bpm : float | None  [1/min]
    ascent_m, descent_m : float | None  [m]
    avg_stance_time_ms : float | None  [ms]
    avg_vertical_oscillation_mm : float | None  [mm]
    avg_step_length_mm : float | None  [mm]
    calories_kcal : float | None  [kcal]
    """

    distance_m: float | None = None
    timer_s: float | None = None
    elapsed_s: float | None = None
    avg_cadence_spm: float | None = None
    avg_speed_mps: float | None = None
    max_speed_mps: float | None = None
    avg_heart_rate_bpm: float | None = None
    max_heart_rate_bpm: float | None = None
    ascent_m: float | None = None
    descent_m: float | None = None
    avg_stance_time_ms: float | None = None
    avg_vertical_oscillation_mm: float | None = None
    avg_step_length_mm: float | None = None
    calories_kcal: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        return dict(self.__dict__)


@dataclass
class RunMeta:
    """Everything about a run except its samples.

    Attributes
    ----------
    source : str
        Path of the file (for a member of an archive: ``archive.zip!member``).
    format : str
        ``"fit"``, ``"gpx"`` or ``"tcx"``.
    compression : str | None
        ``"gzip"`` when the file was gzip-compressed.
    sport, sub_sport : str | None
        As the file states them (FIT enum names; GPX ``<type>``; TCX ``Sport`` attribute).
    device : Device
    start : datetime | None
        Start of the session, tz-aware UTC.
    name : str | None
        Activity or track name from the file.
    watch : WatchTotals | None
        The watch's own session totals (FIT session message; TCX lap sums), ``None`` if the file has none.
    laps : pandas.DataFrame
        One row per lap as the watch recorded it: ``start`` (UTC), ``timer_s``, ``elapsed_s``,
        ``distance_m``, ``avg_cadence_spm``, ``avg_heart_rate_bpm``, ``trigger`` (columns the file lacks
        are absent).  Empty frame when the file has no laps.
    developer_fields : list[DeveloperField]
    session_index, n_sessions : int
        Which running session of the file this is (0-based), and how many running sessions the file
        holds.
    decoder : str | None
        FIT decoder that decoded the file (``"columnar"``, ``"fitdecode"`` — also when the columnar decoder
        handed a damaged file over — or ``"fitparse"``), the XML reader for GPX/TCX.
    timer_intervals : list[tuple[datetime, datetime]]
        Periods the timer ran: from FIT timer events; for GPX/TCX the stretches between recording splits
        and pauses (:mod:`runload.io._track`); empty when unknown.
    warnings : list[str]
        Repairs made while reading (truncation, dropped invalid values, unit guesses).
    cadence_unit_in_file : str | None
        ``"strides/min"`` or ``"steps/min"``: what the file stored before conversion.
    athlete_height_m, athlete_mass_kg : float | None
        [m], [kg] the runner's height and mass as the watch's user profile records them (FIT
        ``user_profile``); :func:`runload.profile.profile_for_run` uses them when no profile is given.
    utc_offset_s : float | None
        [s] local time minus UTC at the start of the run: from the FIT ``activity.local_timestamp``, or
        for GPX/TCX from the time zone at the first position; ``None`` when unknown (show UTC).
    timezone : str | None
        IANA time-zone name (``"Europe/Ljubljana"``) where it was derived from the position.
    """

    source: str
    format: str
    compression: str | None = None
    sport: str | None = None
    sub_sport: str | None = None
    device: Device = field(default_factory=Device)
    start: datetime | None = None
    name: str | None = None
    watch: WatchTotals | None = None
    laps: pd.DataFrame = field(default_factory=pd.DataFrame)
    developer_fields: list[DeveloperField] = field(default_factory=list)
    session_index: int = 0
    n_sessions: int = 1
    decoder: str | None = None
    timer_intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cadence_unit_in_file: str | None = None
    athlete_height_m: float | None = None
    athlete_mass_kg: float | None = None
    utc_offset_s: float | None = None
    timezone: str | None = None


@dataclass
class Run:
    """One running session: canonical ``samples`` (see :mod:`runload.schema`) plus ``meta``.

    Returned by :func:`runload.read_run` / :func:`runload.read_runs`; build one by hand only from a frame
    that follows the canonical schema.

    Parameters
    ----------
    samples : pandas.DataFrame
        One row per sample, index ``time`` (tz-aware UTC); columns carry their unit in the name
        (``speed_mps``, ``cadence_spm``, ``stance_time_ms``, …).  A quantity the file does not have is an
        absent column, never zeros.
    meta : RunMeta
        Source, format, sport, device, start, the watch's own totals and the laps.

    Attributes
    ----------
    laps : pandas.DataFrame
        ``meta.laps``: one row per lap as the watch recorded it (empty when the file has none).
    """

    samples: pd.DataFrame
    meta: RunMeta

    @property
    def laps(self) -> pd.DataFrame:
        return self.meta.laps

    def __repr__(self) -> str:
        start = self.meta.start.isoformat() if self.meta.start else "?"
        return (
            f"<Run {self.meta.format} {self.meta.sport or '?'} {start} "
            f"{len(self.samples)} samples, columns={list(self.samples.columns)}>"
        )
