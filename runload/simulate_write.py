"""FIT, GPX and TCX writers for :class:`~runload.simulate.SimulatedRun` (the sample files).

Each writer returns the file's bytes and depends only on the run: fixed serial numbers, the run's own
start time, fixed decimal places and attribute order, so regenerating gives identical bytes.

FIT
    The header, definitions and every non-record message (file_id, device_info, timer events, laps,
    session, activity) are encoded by ``fit_tool`` from its FIT profile.  Record *data* messages — one
    per second, thousands per run — are packed with numpy into the layout of the fit_tool definition,
    using the same profile scale/offset and ``round((value + offset) · scale)`` as fit_tool
    (fit_tool builds ~80 field objects per message, about 1 ms a record).  Running cadence is written as
    FIT wants it: ``cadence`` whole strides/min plus ``fractional_cadence`` in 1/128 strides/min.  The
    whole-file CRC is the FIT CRC-16 (CRC-16/ARC) over header and records.
GPX 1.1
    Garmin TrackPointExtension v2 with ``hr`` and ``cad`` in whole strides/min, as Garmin Connect exports.
TCX v2
    Trackpoints with DistanceMeters and the ActivityExtension v2 ``TPX`` (``Speed``, ``RunCadence`` in
    whole strides/min); laps carry the watch's totals and an ``LX`` extension with the average cadence.

Also the helpers that write the sample files byte for byte (:func:`gzip_bytes`, :func:`write_bytes`) and
describe each in ``manifest.json`` (:func:`sample_file_entry`).
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from fit_tool.definition_message import DefinitionMessage
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.fit_file_header import FitFileHeader, ProfileVersion, ProtocolVersion
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import (
    Activity,
    ActivityType,
    AntplusDeviceType,
    Event,
    EventType,
    FileType,
    Intensity,
    LapTrigger,
    Manufacturer,
    SessionTrigger,
    SourceType,
    Sport,
    SubSport,
    TimerTrigger,
)
from fit_tool.record import Record

from .errors import RunloadError
from .simulated_run import KCAL_PER_KG_KM, SimulatedRun
from .stats import weighted_mean

__all__ = ["WRITERS", "fit_bytes", "gpx_bytes", "tcx_bytes", "fit_crc16", "lap_totals", "sample_file_entry",
           "write_bytes", "gzip_bytes"]

PRODUCT_NAME = "runload simulator"
SERIAL_NUMBER = 3_141_592_653  # fixed: files never depend on the machine or the clock
STRAP_SERIAL_NUMBER = 2_718_281_828
SOFTWARE_VERSION = 1.0
UTC_OFFSET_S = 7200  # the simulated watch's local time zone (CEST), for activity.local_timestamp
_UNIX_TO_FIT_S = 631_065_600  # 1989-12-31T00:00:00Z, the FIT epoch
_PROTOCOL = ProtocolVersion(2, 0)
_PROFILE = ProfileVersion(21, 141)  # fixed, so a fit_tool update does not change the header bytes

# Local message numbers (one per message type, so definitions are written once).
_LOCAL = {"file_id": 0, "record": 1, "device_info": 2, "event": 3, "lap": 4, "session": 5, "activity": 6}

_INTENSITY = {"active": Intensity.ACTIVE, "rest": Intensity.REST, "warmup": Intensity.WARMUP,
              "cooldown": Intensity.COOLDOWN}
_LAP_TRIGGER = {"manual": LapTrigger.MANUAL, "distance": LapTrigger.DISTANCE,
                "session_end": LapTrigger.SESSION_END}


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def fit_crc16(data: bytes, crc: int = 0) -> int:
    """FIT file CRC (CRC-16/ARC, reflected polynomial 0xA001), byte-table form of the SDK's nibble code."""
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _ms(ts: pd.Timestamp) -> int:
    """Milliseconds since the Unix epoch, the unit fit_tool's date_time fields take."""
    return round(pd.Timestamp(ts).timestamp() * 1000.0)


def _split_cadence(spm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps/min → FIT whole strides/min and fractional strides/min (multiples of 1/128)."""
    q = np.round(np.asarray(spm, dtype=float) * 64.0)  # 1/128 stride = 1/64 step
    return np.floor(q / 128.0), np.mod(q, 128.0) / 128.0


def lap_totals(sim: SimulatedRun, first: int, last: int) -> dict:
    """What a watch would store for rows ``first``…``last`` of the truth (a lap or the whole session).

    Returns plain floats in runload units: ``start`` (timestamp), ``end``, ``elapsed_s``, ``timer_s``,
    ``distance_m``, ``avg_speed_mps``, ``max_speed_mps``, ``avg_heart_rate_bpm``, ``max_heart_rate_bpm``,
    ``avg_cadence_spm``, ``max_cadence_spm``, ``ascent_m``, ``descent_m``, ``calories_kcal``,
    ``strides`` and, with running dynamics, time-weighted averages of each dynamics column.
    Averages are time-weighted over the seconds the timer ran (a watch samples every second, also
    when it records smartly).
    """
    t = sim.truth
    dt = sim.timer_dt_s()[first:last + 1]
    rows = t.iloc[first:last + 1]
    on = rows["timer_on"].to_numpy()

    def avg(col: str) -> float:
        return weighted_mean(rows[col], dt)

    start = t.index[first - 1] if first > 0 else t.index[0]
    speed = rows["speed_mps"].to_numpy()
    dist = float(np.sum(speed * dt))
    out = {
        "start": start,
        "end": t.index[last],
        "elapsed_s": float((t.index[last] - start).total_seconds()),
        "timer_s": float(dt.sum()),
        "distance_m": dist,
        "avg_speed_mps": dist / float(dt.sum()),
        "max_speed_mps": float(speed[on].max()),
        "avg_heart_rate_bpm": avg("heart_rate_bpm"),
        "max_heart_rate_bpm": float(rows["heart_rate_bpm"].to_numpy()[on].max()),
        "avg_cadence_spm": avg("cadence_spm"),
        "max_cadence_spm": float(rows["cadence_spm"].to_numpy()[on].max()),
        "calories_kcal": KCAL_PER_KG_KM * sim.params["body_mass_kg"] * dist / 1000.0,
        "strides": float(np.sum(rows["cadence_spm"].to_numpy() / 120.0 * dt)),
    }
    if "altitude_m" in t.columns:
        alt = t["altitude_m"].to_numpy()[max(first - 1, 0):last + 1]
        d = np.diff(alt)
        out["ascent_m"] = float(d[d > 0].sum())
        out["descent_m"] = float(-d[d < 0].sum())
    if sim.has_running_dynamics:
        for col in ("stance_time_ms", "stance_time_pct", "stance_time_balance_pct",
                    "vertical_oscillation_mm", "vertical_ratio_pct", "step_length_mm"):
            out[col] = avg(col)
    return out


# --- FIT -----------------------------------------------------------------------------------------------

def _record_columns(sim: SimulatedRun) -> dict[str, np.ndarray]:
    """FIT record field name → values in the unit fit_tool's setter takes (NaN = invalid)."""
    r = sim.records
    cad, frac = _split_cadence(r["cadence_spm"].to_numpy())
    cols = {"timestamp": r.index.as_unit("ms").asi8.astype(float)}
    if sim.has_gps:
        cols["position_lat"] = r["latitude_deg"].to_numpy()
        cols["position_long"] = r["longitude_deg"].to_numpy()
    cols["distance"] = r["distance_m"].to_numpy()
    cols["enhanced_speed"] = r["speed_mps"].to_numpy()
    if "altitude_m" in r.columns:
        cols["enhanced_altitude"] = r["altitude_m"].to_numpy()
    cols["heart_rate"] = np.round(r["heart_rate_bpm"].to_numpy())
    cols["cadence"] = cad
    cols["fractional_cadence"] = frac
    cols["activity_type"] = np.full(len(r), float(ActivityType.RUNNING.value))
    if sim.has_running_dynamics:
        cols["stance_time"] = r["stance_time_ms"].to_numpy()
        cols["stance_time_percent"] = r["stance_time_pct"].to_numpy()
        cols["stance_time_balance"] = r["stance_time_balance_pct"].to_numpy()
        cols["vertical_oscillation"] = r["vertical_oscillation_mm"].to_numpy()
        cols["vertical_ratio"] = r["vertical_ratio_pct"].to_numpy()
        cols["step_length"] = r["step_length_mm"].to_numpy()
    return cols


_NUMPY_TYPE = {"ENUM": "u1", "UINT8": "u1", "SINT8": "i1", "UINT16": "<u2", "SINT16": "<i2",
               "UINT32": "<u4", "SINT32": "<i4"}


class _RecordEncoder:
    """Vectorised encoder for record data messages in the layout of a fit_tool definition."""

    def __init__(self, names: list[str]):
        template = RecordMessage(local_id=_LOCAL["record"])
        self.fields = [template.get_field_by_name(name) for name in names]
        for f in self.fields:
            f.set_encoded_value(0, f.base_type.invalid_raw_value() ^ 1)  # any valid value: mark defined
        self.definition = DefinitionMessage.from_data_message(template)
        order = [fd.field_id for fd in self.definition.field_definitions]
        by_id = {f.field_id: (name, f) for name, f in zip(names, self.fields, strict=True)}
        self.layout = [by_id[i] for i in order]
        self.dtype = np.dtype([("header", "u1")] + [(name, _NUMPY_TYPE[f.base_type.name])
                                                      for name, f in self.layout])

    def definition_bytes(self) -> bytes:
        return Record.from_message(self.definition).to_bytes()

    def data_bytes(self, cols: dict[str, np.ndarray], rows: np.ndarray) -> bytes:
        out = np.zeros(len(rows), dtype=self.dtype)
        out["header"] = _LOCAL["record"]
        for name, f in self.layout:
            x = cols[name][rows]
            scale = 1.0 if f.scale is None else float(f.scale)
            offset = 0.0 if f.offset is None else float(f.offset)
            with np.errstate(invalid="ignore"):
                raw = np.round((x + offset) * scale)
            info = np.iinfo(out.dtype[name])
            invalid = f.base_type.invalid_raw_value()
            bad = ~np.isfinite(raw) | (raw < info.min) | (raw > info.max) | (raw == invalid)
            out[name] = np.where(bad, invalid, np.nan_to_num(raw)).astype(out.dtype[name])
        return out.tobytes()


class _FitStream:
    """Byte chunks of a FIT file in order; non-record messages go through one fit_tool builder."""

    def __init__(self):
        self.builder = FitFileBuilder(auto_define=True, min_string_size=0)
        self.chunks: list[bytes] = []

    def add(self, message) -> None:
        n = len(self.builder.records)
        self.builder.add(message)
        self.chunks.extend(r.to_bytes() for r in self.builder.records[n:])

    def to_bytes(self) -> bytes:
        body = b"".join(self.chunks)
        header = FitFileHeader(len(body), protocol_version=_PROTOCOL, profile_version=_PROFILE,
                               gen_crc=True).to_bytes()
        crc = fit_crc16(body, fit_crc16(header))
        return header + body + crc.to_bytes(2, "little")


def _timer_event(ts: pd.Timestamp, start: bool) -> EventMessage:
    m = EventMessage(local_id=_LOCAL["event"])
    m.timestamp = _ms(ts)
    m.event = Event.TIMER
    m.event_type = EventType.START if start else EventType.STOP_ALL
    m.timer_trigger = TimerTrigger.MANUAL
    m.event_group = 0
    return m


def _set_totals(m, tot: dict, sim: SimulatedRun) -> None:
    """Fields lap and session share, from :func:`lap_totals`."""
    m.timestamp = _ms(tot["end"])
    m.start_time = _ms(tot["start"])
    m.total_elapsed_time = tot["elapsed_s"]
    m.total_timer_time = tot["timer_s"]
    m.total_distance = round(tot["distance_m"], 2)
    m.enhanced_avg_speed = round(tot["avg_speed_mps"], 3)
    m.enhanced_max_speed = round(tot["max_speed_mps"], 3)
    m.avg_speed = round(tot["avg_speed_mps"], 3)
    m.max_speed = round(tot["max_speed_mps"], 3)
    m.avg_heart_rate = round(tot["avg_heart_rate_bpm"])
    m.max_heart_rate = round(tot["max_heart_rate_bpm"])
    cad, frac = _split_cadence(np.array([tot["avg_cadence_spm"], tot["max_cadence_spm"]]))
    m.avg_running_cadence = int(cad[0])
    m.avg_fractional_cadence = float(frac[0])
    m.max_running_cadence = int(cad[1])
    m.max_fractional_cadence = float(frac[1])
    m.total_strides = round(tot["strides"])
    m.total_calories = round(tot["calories_kcal"])
    if "ascent_m" in tot:
        m.total_ascent = round(tot["ascent_m"])
        m.total_descent = round(tot["descent_m"])
    if sim.has_running_dynamics:
        m.avg_stance_time = round(tot["stance_time_ms"], 1)
        m.avg_stance_time_percent = round(tot["stance_time_pct"], 2)
        m.avg_stance_time_balance = round(tot["stance_time_balance_pct"], 2)
        m.avg_vertical_oscillation = round(tot["vertical_oscillation_mm"], 1)
        m.avg_vertical_ratio = round(tot["vertical_ratio_pct"], 2)
        m.avg_step_length = round(tot["step_length_mm"], 1)
    m.sport = Sport.RUNNING
    m.sub_sport = SubSport.TREADMILL if sim.params["sub_sport"] == "treadmill" else SubSport.GENERIC
    if sim.has_gps:
        t = sim.truth
        first = max(t.index.get_loc(tot["start"]), 0)
        m.start_position_lat = float(t["latitude_deg"].iloc[first])
        m.start_position_long = float(t["longitude_deg"].iloc[first])


def fit_bytes(sim: SimulatedRun) -> bytes:
    """Encode ``sim`` as a FIT activity file (see the module docstring for the layout)."""
    t = sim.truth
    start = t.index[0]
    s = _FitStream()

    m = FileIdMessage(local_id=_LOCAL["file_id"])
    m.type = FileType.ACTIVITY
    m.manufacturer = Manufacturer.DEVELOPMENT.value
    m.product = 1
    m.serial_number = SERIAL_NUMBER
    m.time_created = _ms(start)
    m.product_name = PRODUCT_NAME
    s.add(m)
    devices = [(0, 1, SERIAL_NUMBER, PRODUCT_NAME, None)]
    if sim.has_running_dynamics:
        devices.append((1, 2, STRAP_SERIAL_NUMBER, "runload simulated chest strap", AntplusDeviceType.HEART_RATE))
    for index, product, serial, name, ant_type in devices:
        m = DeviceInfoMessage(local_id=_LOCAL["device_info"])
        m.timestamp = _ms(start)
        m.device_index = index
        m.manufacturer = Manufacturer.DEVELOPMENT.value
        m.product = product
        m.serial_number = serial
        m.software_version = SOFTWARE_VERSION
        m.product_name = name
        if ant_type is not None:
            m.antplus_device_type = ant_type.value
            m.source_type = SourceType.ANTPLUS
        else:
            m.source_type = SourceType.LOCAL
        s.add(m)

    cols = _record_columns(sim)
    enc = _RecordEncoder(list(cols))
    s.chunks.append(enc.definition_bytes())
    rec_rows = np.flatnonzero(sim.record_mask)  # truth row of each record
    on = t["timer_on"].to_numpy()
    run_starts = np.flatnonzero(on & ~np.r_[False, on[:-1]])
    run_ends = np.flatnonzero(on & ~np.r_[on[1:], False])
    lap_ends = sim.laps["last_row"].to_numpy()
    cuts = np.union1d(run_ends, lap_ends)
    prev = 0
    for cut in cuts:
        if prev in run_starts:
            s.add(_timer_event(t.index[prev], start=True))
        block = np.flatnonzero((rec_rows >= prev) & (rec_rows <= cut))
        if len(block):
            s.chunks.append(enc.data_bytes(cols, block))
        if cut in run_ends:
            s.add(_timer_event(t.index[cut], start=False))
        if cut in lap_ends:
            k = int(np.flatnonzero(lap_ends == cut)[0])
            lap = sim.laps.iloc[k]
            m = LapMessage(local_id=_LOCAL["lap"])
            m.message_index = k
            m.event = Event.LAP
            m.event_type = EventType.STOP
            _set_totals(m, lap_totals(sim, int(lap["first_row"]), int(lap["last_row"])), sim)
            m.intensity = _INTENSITY[lap["intensity"]]
            m.lap_trigger = _LAP_TRIGGER[lap["trigger"]]
            s.add(m)
        prev = int(cut) + 1
        while prev < len(t) and not on[prev]:
            prev += 1

    tot = lap_totals(sim, 0, len(t) - 1)
    m = SessionMessage(local_id=_LOCAL["session"])
    m.message_index = 0
    m.event = Event.SESSION
    m.event_type = EventType.STOP
    _set_totals(m, tot, sim)
    m.first_lap_index = 0
    m.num_laps = len(sim.laps)
    m.trigger = SessionTrigger.ACTIVITY_END
    s.add(m)
    m = ActivityMessage(local_id=_LOCAL["activity"])
    m.timestamp = _ms(tot["end"])
    m.total_timer_time = tot["timer_s"]
    m.num_sessions = 1
    m.type = Activity.MANUAL
    m.event = Event.ACTIVITY
    m.event_type = EventType.STOP
    m.local_timestamp = round(tot["end"].timestamp()) - _UNIX_TO_FIT_S + UTC_OFFSET_S
    s.add(m)
    return s.to_bytes()


# --- GPX and TCX ---------------------------------------------------------------------------------------

def _iso(index: pd.DatetimeIndex, millis: bool = False) -> np.ndarray:
    fmt = "%Y-%m-%dT%H:%M:%S.000Z" if millis else "%Y-%m-%dT%H:%M:%SZ"
    return np.asarray(index.strftime(fmt), dtype=object)


def _fmt(values: np.ndarray, spec: str) -> np.ndarray:
    return np.array([format(v, spec) for v in values.tolist()], dtype=object)


def _strides(spm: np.ndarray) -> np.ndarray:
    """Whole strides/min as Garmin's GPX/TCX exports store running cadence."""
    return np.round(np.asarray(spm) / 2.0).astype(int)


def gpx_bytes(sim: SimulatedRun, cadence: bool = True) -> bytes:
    """Encode ``sim`` as GPX 1.1 with Garmin TrackPointExtension v2 (``hr``; ``cad`` in strides/min).

    ``cadence=False`` leaves ``cad`` out, as a phone app without a foot pod records a run.

    Raises
    ------
    ValueError
        The run has no positions (a treadmill run cannot be a GPX track).
    """
    if not sim.has_gps:
        raise ValueError(f"a {sim.kind} run has no positions; GPX needs a track")
    r = sim.records
    cad = ("</gpxtpx:hr><gpxtpx:cad>" + _strides(r["cadence_spm"].to_numpy()).astype(str).astype(object)
           + "</gpxtpx:cad>") if cadence else "</gpxtpx:hr>"
    pts = (
        '<trkpt lat="' + _fmt(r["latitude_deg"].to_numpy(), ".7f") + '" lon="'
        + _fmt(r["longitude_deg"].to_numpy(), ".7f") + '"><ele>' + _fmt(r["altitude_m"].to_numpy(), ".1f")
        + "</ele><time>" + _iso(r.index) + "</time><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>"
        + np.round(r["heart_rate_bpm"].to_numpy()).astype(int).astype(str).astype(object)
        + cad + "</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
    )
    name = escape(f"runload sample: {sim.kind} (seed {sim.params['seed']})")
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx creator="runload simulator" version="1.1" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd'
        ' http://www.garmin.com/xmlschemas/TrackPointExtension/v2'
        ' http://www.garmin.com/xmlschemas/TrackPointExtensionv2.xsd">\n'
        f"<metadata><name>{name}</name><time>{_iso(r.index[:1])[0]}</time></metadata>\n"
        f"<trk><name>{name}</name><type>running</type><trkseg>\n"
    )
    return (head + "".join(pts) + "</trkseg></trk>\n</gpx>\n").encode("utf-8")


_TCX_INTENSITY = {"active": "Active", "warmup": "Active", "cooldown": "Active", "rest": "Resting"}
_TCX_TRIGGER = {"manual": "Manual", "distance": "Distance", "session_end": "Manual"}


def tcx_bytes(sim: SimulatedRun) -> bytes:
    """Encode ``sim`` as TCX v2 (laps with totals; trackpoints with TPX Speed and RunCadence in strides/min)."""
    t = sim.truth
    rec_rows = np.flatnonzero(sim.record_mask)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
        ' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2'
        ' http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd">\n'
        f'<Activities><Activity Sport="Running"><Id>{_iso(t.index[:1], millis=True)[0]}</Id>\n'
    ]
    for _, lap in sim.laps.iterrows():
        first, last = int(lap["first_row"]), int(lap["last_row"])
        tot = lap_totals(sim, first, last)
        parts.append(
            f'<Lap StartTime="{_iso(pd.DatetimeIndex([tot["start"]]), millis=True)[0]}">'
            f"<TotalTimeSeconds>{tot['timer_s']:.1f}</TotalTimeSeconds>"
            f"<DistanceMeters>{tot['distance_m']:.2f}</DistanceMeters>"
            f"<MaximumSpeed>{tot['max_speed_mps']:.3f}</MaximumSpeed>"
            f"<Calories>{round(tot['calories_kcal'])}</Calories>"
            f"<AverageHeartRateBpm><Value>{round(tot['avg_heart_rate_bpm'])}</Value></AverageHeartRateBpm>"
            f"<MaximumHeartRateBpm><Value>{round(tot['max_heart_rate_bpm'])}</Value></MaximumHeartRateBpm>"
            f"<Intensity>{_TCX_INTENSITY[lap['intensity']]}</Intensity>"
            f"<TriggerMethod>{_TCX_TRIGGER[lap['trigger']]}</TriggerMethod><Track>\n"
        )
        r = t.iloc[rec_rows[(rec_rows >= first) & (rec_rows <= last)]]
        pos = ""
        if sim.has_gps:
            pos = ("<Position><LatitudeDegrees>" + _fmt(r["latitude_deg"].to_numpy(), ".7f")
                   + "</LatitudeDegrees><LongitudeDegrees>" + _fmt(r["longitude_deg"].to_numpy(), ".7f")
                   + "</LongitudeDegrees></Position><AltitudeMeters>" + _fmt(r["altitude_m"].to_numpy(), ".1f")
                   + "</AltitudeMeters>")
        pts = (
            "<Trackpoint><Time>" + _iso(r.index, millis=True) + "</Time>" + pos
            + "<DistanceMeters>" + _fmt(r["distance_m"].to_numpy(), ".2f") + "</DistanceMeters><HeartRateBpm><Value>"
            + np.round(r["heart_rate_bpm"].to_numpy()).astype(int).astype(str).astype(object)
            + "</Value></HeartRateBpm><Extensions><ns3:TPX><ns3:Speed>" + _fmt(r["speed_mps"].to_numpy(), ".3f")
            + "</ns3:Speed><ns3:RunCadence>" + _strides(r["cadence_spm"].to_numpy()).astype(str).astype(object)
            + "</ns3:RunCadence></ns3:TPX></Extensions></Trackpoint>\n"
        )
        parts.extend(pts.tolist())
        parts.append(
            "</Track><Extensions><ns3:LX>"
            f"<ns3:AvgSpeed>{tot['avg_speed_mps']:.3f}</ns3:AvgSpeed>"
            f"<ns3:AvgRunCadence>{round(tot['avg_cadence_spm'] / 2)}</ns3:AvgRunCadence>"
            f"<ns3:MaxRunCadence>{round(tot['max_cadence_spm'] / 2)}</ns3:MaxRunCadence>"
            "</ns3:LX></Extensions></Lap>\n"
        )
    parts.append(
        '<Creator xsi:type="Device_t"><Name>runload simulator</Name>'
        f"<UnitId>{SERIAL_NUMBER}</UnitId><ProductID>1</ProductID>"
        "<Version><VersionMajor>1</VersionMajor><VersionMinor>0</VersionMinor>"
        "<BuildMajor>0</BuildMajor><BuildMinor>0</BuildMinor></Version></Creator>\n"
        "</Activity></Activities></TrainingCenterDatabase>\n"
    )
    return "".join(parts).encode("utf-8")


WRITERS = {"fit": fit_bytes, "gpx": gpx_bytes, "tcx": tcx_bytes}


# --- writing the sample files -----------------------------------------------------------------------------

def _round(x, nd: int = 3):
    if x is None or isinstance(x, (int, np.integer)):
        return None if x is None else int(x)
    return round(float(x), nd)


def sample_file_entry(name: str, sim: SimulatedRun, fmt: str, raw: bytes, data: bytes) -> dict:
    """The manifest entry of one written file: format, sampling, sizes, sha256 and the run's ground truth.

    Parameters
    ----------
    name : str
        The file's path relative to the sample folder.
    sim : SimulatedRun
    fmt : {"fit", "gpx", "tcx"}
    raw, data : bytes
        The encoded file, and the bytes written (``data`` is ``raw`` gzip-compressed when they differ).
    """
    truth = {k: _round(v) for k, v in sim.summary().items()}
    compressed = data is not raw and data != raw
    return {
        "file": name,
        "kind": sim.kind,
        "format": fmt,
        "compression": "gzip" if compressed else None,
        "seed": sim.params["seed"],
        "sampling": sim.params["sampling"],
        "sub_sport": sim.params["sub_sport"],
        "n_records": int(len(sim.records)),
        "duration_s": truth["timer_s"],
        "elapsed_s": truth["elapsed_s"],
        "distance_m": truth["distance_m"],
        "avg_cadence_spm": truth["mean_cadence_spm"],
        "has_gps": sim.has_gps,
        "has_running_dynamics": sim.has_running_dynamics and fmt == "fit",
        "n_laps": int(len(sim.laps)) if fmt != "gpx" else 0,
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "sha256_uncompressed": hashlib.sha256(raw).hexdigest(),
        "truth": truth,
    }


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (its folder created); a failure is a :class:`RunloadError`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as e:
        raise RunloadError(path, f"cannot write: {e.strerror or e}") from e


def gzip_bytes(raw: bytes) -> bytes:
    """gzip with mtime 0 and no file name in the header: the same content always gives the same bytes."""
    return gzip.compress(raw, compresslevel=9, mtime=0)

"""Format → writer returning the file's bytes."""
