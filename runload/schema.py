"""The canonical per-sample frame every reader returns.

One row per sample, index ``time`` (tz-aware UTC).  Column names carry their unit; a column a file does
not have is absent, never filled with zeros.  Sampling stays as recorded (smart recording is irregular).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import MissingColumnError

__all__ = ["Column", "COLUMNS", "RUNNING_DYNAMICS", "validate", "require"]


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    dtype: str
    description: str


COLUMNS: dict[str, Column] = {
    c.name: c
    for c in [
        Column("elapsed_s", "s", "float64", "time since the first sample of the run"),
        Column("distance_m", "m", "float64", "cumulative distance as recorded (or from positions)"),
        Column("speed_mps", "m/s", "float64", "speed as recorded (or from distance/time)"),
        Column("cadence_spm", "steps/min", "float64", "step rate, both feet counted"),
        Column("heart_rate_bpm", "1/min", "float64", "heart rate"),
        Column("altitude_m", "m", "float64", "altitude (barometric where the device has one)"),
        Column("grade_pct", "%", "float64", "slope as recorded by the device"),
        Column("latitude_deg", "deg", "float64", "WGS84 latitude"),
        Column("longitude_deg", "deg", "float64", "WGS84 longitude"),
        Column("power_w", "W", "float64", "running power"),
        Column("temperature_c", "degC", "float64", "temperature"),
        Column("stance_time_ms", "ms", "float64", "ground contact time of one foot (device)"),
        Column("stance_time_pct", "%", "float64", "contact time / stride time (device)"),
        Column("stance_time_balance_pct", "%", "float64", "left foot share of contact time (device)"),
        Column("vertical_oscillation_mm", "mm", "float64", "torso vertical travel per step (device)"),
        Column("vertical_ratio_pct", "%", "float64", "vertical oscillation / step length (device)"),
        Column("step_length_mm", "mm", "float64", "step length (device)"),
        Column("activity_type", "", "object", "FIT activity type of the sample (running, walking, …)"),
        Column("lap", "", "int64", "0-based lap number"),
        Column("timer_on", "", "bool", "True while the watch's timer was running"),
    ]
}

RUNNING_DYNAMICS = (
    "stance_time_ms",
    "stance_time_pct",
    "stance_time_balance_pct",
    "vertical_oscillation_mm",
    "vertical_ratio_pct",
    "step_length_mm",
)


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Check that ``frame`` follows the canonical schema; return it unchanged.

    Raises ``ValueError`` naming the offending column: the readers are ours, so a violation is a bug,
    not a user error.
    """
    if frame.index.name != "time":
        raise ValueError(f"index must be named 'time', not {frame.index.name!r}")
    if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
        raise ValueError("index must be a tz-aware DatetimeIndex")
    if str(frame.index.tz) != "UTC":
        raise ValueError(f"index must be in UTC, not {frame.index.tz}")
    if not frame.index.is_monotonic_increasing:
        raise ValueError("index must be sorted by time")
    for name in frame.columns:
        if name not in COLUMNS:
            raise ValueError(f"unknown column {name!r}")
        want = COLUMNS[name].dtype
        got = frame[name].dtype
        if want == "float64" and not pd.api.types.is_float_dtype(got):
            raise ValueError(f"column {name!r} must be float, is {got}")
        if want in ("int64", "bool") and str(got) != want:
            raise ValueError(f"column {name!r} must be {want}, is {got}")
    return frame


def require(frame: pd.DataFrame, *names: str, path: str | None = None) -> None:
    """Raise :class:`MissingColumnError` unless every column in ``names`` is present and not all-NaN."""
    missing = [n for n in names if n not in frame.columns or frame[n].isna().all()]
    if missing:
        raise MissingColumnError(path, f"needs column(s) {', '.join(missing)}")
