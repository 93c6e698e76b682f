"""The watch's own summaries in a FIT file, in runload units: session totals, laps, the device, the
runner's user profile, and developer fields (Stryd, Connect IQ apps).

Helpers of :mod:`runload.io.fit`, which turns the records into samples; kept apart so that each module
holds one concern.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from ..run import DeveloperField, Device, WatchTotals
from .fit_decode import FIT_EPOCH_UNIX_S, FitMessage, FitRecords

__all__ = ["watch_totals", "laps_frame", "athlete_from_messages", "device_from_messages", "developer_info",
           "enum_name", "utc_offset_s", "product_name"]

#: Known Connect IQ application ids (developer_data_id.application_id) → who wrote the fields.
_KNOWN_APPS = {
    "18fb2cf0-1a4b-430d-ad66-988c847421f4": "Stryd",
    "660a581e-5301-460c-8f2f-034c8b6dc90f": "Stryd",
}

def enum_name(value) -> str | None:
    return None if value is None else str(value)


def _f(fields: dict, *names: str) -> float | None:
    """First of ``names`` present as a number, as float."""
    for name in names:
        v = fields.get(name)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return None


def _steps_per_min(fields: dict, whole: tuple[str, ...], frac: str) -> float | None:
    c = _f(fields, *whole)
    return None if c is None else 2.0 * (c + (_f(fields, frac) or 0.0))


def watch_totals(f: dict, foot: bool) -> WatchTotals:
    cadence = _steps_per_min(f, ("avg_running_cadence", "avg_cadence"), "avg_fractional_cadence")
    return WatchTotals(
        distance_m=_f(f, "total_distance"),
        timer_s=_f(f, "total_timer_time"),
        elapsed_s=_f(f, "total_elapsed_time"),
        avg_cadence_spm=cadence if foot else None,
        avg_speed_mps=_f(f, "enhanced_avg_speed", "avg_speed"),
        max_speed_mps=_f(f, "enhanced_max_speed", "max_speed"),
        avg_heart_rate_bpm=_f(f, "avg_heart_rate"),
        max_heart_rate_bpm=_f(f, "max_heart_rate"),
        ascent_m=_f(f, "total_ascent"),
        descent_m=_f(f, "total_descent"),
        avg_stance_time_ms=_f(f, "avg_stance_time"),
        avg_vertical_oscillation_mm=_f(f, "avg_vertical_oscillation"),
        avg_step_length_mm=_f(f, "avg_step_length"),
        calories_kcal=_f(f, "total_calories"),
    )


def laps_frame(laps: list[dict], foot: bool) -> pd.DataFrame:
    """One row per lap (start, timer and elapsed time [s], distance [m], cadence [steps/min], heart rate
    [bpm], trigger); columns without any value are left out."""
    if not laps:
        return pd.DataFrame()

    def numbers(values) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype="float64")

    columns = {
        "timer_s": numbers(_f(f, "total_timer_time") for f in laps),
        "elapsed_s": numbers(_f(f, "total_elapsed_time") for f in laps),
        "distance_m": numbers(_f(f, "total_distance") for f in laps),
        "avg_cadence_spm": numbers(
            _steps_per_min(f, ("avg_running_cadence", "avg_cadence"), "avg_fractional_cadence") if foot
            else None for f in laps
        ),
        "avg_heart_rate_bpm": numbers(_f(f, "avg_heart_rate") for f in laps),
    }
    rows: dict = {"start": pd.to_datetime([f["start_time"] for f in laps], utc=True)}
    rows.update((name, col) for name, col in columns.items() if not np.isnan(col).all())
    trigger = [enum_name(f.get("lap_trigger")) for f in laps]
    if any(t is not None for t in trigger):
        rows["trigger"] = trigger
    return pd.DataFrame(rows)


# --- file-level meta ----------------------------------------------------------------------------------


def athlete_from_messages(messages: dict[str, list[FitMessage]]) -> tuple[float | None, float | None]:
    """Height [m] and body mass [kg] from the watch's ``user_profile`` message, when plausible.

    The FIT profile scales ``height`` to metres and ``weight`` to kilograms; values outside the ranges
    :class:`~runload.profile.AthleteProfile` accepts (1.0–2.5 m, 25–250 kg) are treated as unset.
    """
    for m in messages.get("user_profile", []):
        height, mass = _f(m.fields, "height"), _f(m.fields, "weight")
        height = height if height is not None and 1.0 <= height <= 2.5 else None
        mass = mass if mass is not None and 25.0 <= mass <= 250.0 else None
        if height is not None or mass is not None:
            return height, mass
    return None, None


def device_from_messages(messages: dict[str, list[FitMessage]]) -> Device:
    """The recording device: manufacturer, product name (see :func:`product_name`), serial, software."""
    fid = (messages.get("file_id") or [FitMessage("file_id", {})])[0].fields
    creator = next((m.fields for m in messages.get("device_info", [])
                    if m.fields.get("device_index") in ("creator", 0)), {})
    software = _f(creator, "software_version")
    if software is None:
        fc = (messages.get("file_creator") or [FitMessage("file_creator", {})])[0].fields
        raw = _f(fc, "software_version")  # file_creator stores version × 100 (FIT profile: no scale)
        software = None if raw is None else raw / 100.0
    serial = fid.get("serial_number", creator.get("serial_number"))
    manufacturer = fid.get("manufacturer", creator.get("manufacturer"))
    return Device(
        manufacturer=enum_name(manufacturer),
        product=product_name(fid, creator),
        serial=enum_name(serial),
        software=None if software is None else f"{software:g}",
    )


def product_name(fid: dict, creator: dict) -> str | None:
    """The device's product name.

    In this order: the name the file writes itself (``file_id.product_name``, then the creator
    ``device_info.product_name`` or ``descriptor`` — COROS, Suunto and Wahoo write these); the decoder's
    name for a Garmin product number; the name in the maintained FIT profiles of fitdecode and
    python-fitparse for a Garmin product number the decoder left as a number (the newer of the two
    profiles knows more devices); otherwise ``"product N"``, so that a bare number is never shown as if
    it were a name.  ``None`` when the file names no product at all.
    """
    for fields in (fid, creator):
        for key in ("product_name", "descriptor"):
            v = fields.get(key)
            if isinstance(v, str) and v.strip().strip("\x00"):
                return v.strip().strip("\x00")
    product = fid.get("garmin_product", fid.get("product"))
    maker = fid.get("manufacturer")
    if product is None:
        product = creator.get("garmin_product", creator.get("product"))
        maker = creator.get("manufacturer", maker)
    if product is None:
        return None
    if isinstance(product, str):
        return product
    if isinstance(product, int) and not isinstance(product, bool):
        name = _profile_product(maker, product)
        if name is not None:
            return name
    return f"product {product}"


def _profile_product(manufacturer, number: int) -> str | None:
    """Name of a product number in the decoders' FIT profiles, or None.

    The profile says which manufacturers' ``file_id.product`` is a named type (``garmin_product`` for
    garmin, dynastream, dynastream_oem and tacx; ``favero_product`` for Favero); the name comes from
    fitdecode's profile, else from python-fitparse's (the newer of the two knows more devices).
    """
    try:
        from fitdecode.profile import FIELD_TYPES as fitdecode_types
        from fitdecode.profile import MESSAGE_TYPES
        product = next(f for f in MESSAGE_TYPES[0].fields.values() if f.name == "product")
        types = [sf.name for sf in product.subfields
                 if any(manufacturer in (r.value, r.raw_value) for r in sf.ref_fields)]
    except (ImportError, KeyError, AttributeError, StopIteration):
        return None
    for type_name in types:
        name = getattr(fitdecode_types.get(type_name), "enum", {}).get(number)
        if name is None:
            try:
                from fitparse.profile import FIELD_TYPES as fitparse_types
                name = getattr(fitparse_types.get(type_name), "values", {}).get(number)
            except ImportError:
                name = None
        if name is not None:
            return str(name)
    return None


#: [s] Local time offsets are whole quarter hours (UTC+5:45 Nepal is the finest in use).
_OFFSET_STEP_S = 900
#: [s] The largest offset from UTC in use (UTC+14, Kiribati; UTC−12); a larger difference is a broken clock.
_MAX_OFFSET_S = 14 * 3600


def utc_offset_s(messages: dict[str, list[FitMessage]]) -> float | None:
    """Local time minus UTC [s] from the ``activity`` message, rounded to a quarter hour.

    The FIT ``activity`` message stamps its end both in UTC (``timestamp``) and in the watch's local
    time (``local_timestamp``, FIT SDK type local_date_time); their difference is the watch's offset.
    ``None`` when either is missing or the difference is more than 14 h (an unset clock).
    """
    for m in messages.get("activity", []):
        utc, local = m.fields.get("timestamp"), m.fields.get("local_timestamp")
        if isinstance(local, int) and not isinstance(local, bool):  # the decoder left a raw count
            local = _FIT_EPOCH + timedelta(seconds=local)
        if not (isinstance(utc, datetime) and isinstance(local, datetime)):
            continue
        diff = (local.replace(tzinfo=None) - utc.replace(tzinfo=None)).total_seconds()
        if abs(diff) > _MAX_OFFSET_S + _OFFSET_STEP_S / 2:
            continue
        return float(round(diff / _OFFSET_STEP_S) * _OFFSET_STEP_S)
    return None


_FIT_EPOCH = datetime(1989, 12, 31)


def _uuid(value) -> str | None:
    if isinstance(value, (tuple, list)) and len(value) == 16 and all(isinstance(b, int) for b in value):
        h = bytes(value).hex()
    elif isinstance(value, (bytes, bytearray)) and len(value) == 16:
        h = bytes(value).hex()
    else:
        return None
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def developer_info(messages: dict[str, list[FitMessage]], records: FitRecords) -> dict:
    """Developer fields seen in records → :class:`DeveloperField`, and the time span each appears in.

    Only records with a valid timestamp count; the fields are listed in order of first appearance.
    """
    apps: dict = {}
    for m in messages.get("developer_data_id", []):
        f = m.fields
        uuid = _uuid(f.get("application_id"))
        name = _KNOWN_APPS.get(uuid or "")
        if name is None and f.get("manufacturer_id") is not None:
            name = str(f["manufacturer_id"])
        if name is None and uuid is not None:
            name = f"Connect IQ app {uuid}"
        apps[f.get("developer_data_index")] = name
    timed = records.timestamp_s >= 0
    seen = []
    for order, (key, (present, _values)) in enumerate(records.developer.items()):
        where = np.flatnonzero(present & timed)
        if len(where):
            seen.append((int(where[0]), order, key, records.timestamp_s[where]))
    seen.sort(key=lambda x: x[:2])
    fields: dict = {}
    times: dict = {}
    for _first, _order, key, stamps in seen:
        index, name, units = key
        fields[key] = DeveloperField(name=name, units=units, application=apps.get(index))
        times[key] = [_fit_time(int(stamps.min())), _fit_time(int(stamps.max()))]
    return {"fields": fields, "times": times}


def _fit_time(seconds: int) -> pd.Timestamp:
    """A FIT time [s since 1989-12-31 UTC] as a tz-aware UTC Timestamp."""
    return pd.Timestamp((seconds + FIT_EPOCH_UNIX_S) * 1_000_000_000, tz="UTC")
