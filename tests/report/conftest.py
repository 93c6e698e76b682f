"""A factory of realistic :class:`~runload.analysis.Analysis` objects for the report tests.

The run is synthetic (a seeded out-and-back with a hill, intervals of pace, 1 Hz samples) and every
column of the Analysis contract is filled, so the report can be tested without the readers and the
science pipeline.  Switches drop parts to test partial analyses (no load, no hints, no positions, no
heart rate, no altitude, no device dynamics).  Contact time comes from :mod:`runload.springmass`, so it
has realistic magnitudes.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from runload.analysis import HINTS_FOOTER, MUSCLE_GROUPS, UPPER_BODY_GROUPS, Analysis, Hint
from runload.profile import AthleteProfile
from runload.run import DeveloperField, Device, Run, RunMeta, WatchTotals
from runload.springmass import (
    cadence_pref_population,
    contact_time_morin2005,
    target_stiffness_farley1996,
)

PHASES = ("phase_absorption", "phase_midstance", "phase_propulsion", "phase_early_swing", "phase_late_swing")
DRIVERS = ("driver_speed", "driver_cadence", "driver_uphill", "driver_downhill", "driver_volume")


def make_analysis(
    duration_s: int = 1800,
    *,
    seed: int = 0,
    positions: bool = True,
    heart_rate: bool = True,
    altitude: bool = True,
    dynamics: bool = True,
    with_load: bool = True,
    with_hints: bool = True,
    name: str | None = "Morning run by the lake",
    manufacturer: str | None = "garmin",
    product: str | None = "fenix3",
    lap_label: str = "Lap",
    developer_field: str | None = None,
) -> Analysis:
    """A synthetic but internally consistent analysis of a ``duration_s`` run at 1 Hz."""
    rng = np.random.default_rng(seed)
    n = int(duration_s)
    start = datetime(2024, 5, 4, 6, 30, tzinfo=timezone.utc)
    index = pd.date_range(start, periods=n, freq="1s", tz="UTC", name="time")
    t = np.arange(n, dtype=float)
    # Pace: easy 3.0 m/s with two faster blocks and noise; a short stop in the middle.
    speed = 3.0 + 0.8 * ((t % 600) > 420) + rng.normal(0, 0.08, n)
    stop = (t > n * 0.5) & (t < n * 0.5 + 20)
    speed[stop] = 0.0
    distance = np.concatenate([[0.0], np.cumsum(speed[1:])])
    # Terrain: one hill of 40 m in the first half, back down in the second.
    altitude_m = 120 + 40 * np.sin(np.pi * np.clip(distance / max(distance[-1], 1.0), 0, 1)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        grade = np.gradient(altitude_m) / np.gradient(distance) * 100.0
    grade = np.clip(np.nan_to_num(grade), -20, 20)
    cadence = cadence_pref_population(np.maximum(speed, 2.0)) + rng.normal(0, 2, n)
    cadence[stop] = np.nan
    state = np.where(stop, "standing", "running").astype(object)
    leg = 0.53 * 1.78
    khat = target_stiffness_farley1996(cadence, cadence_pref_population(np.maximum(speed, 2.0)))
    with np.errstate(invalid="ignore"):
        tc_s = contact_time_morin2005(np.maximum(speed, 2.0), cadence, leg, khat)
    step_ms = 60000.0 / cadence
    contact_ms = np.asarray(tc_s, dtype=float) * 1000.0
    flight_ms = step_ms - contact_ms
    source = np.where(stop, "none", "device" if dynamics else "model").astype(object)
    if dynamics:  # a device gap: the pod dropped out for two minutes, the model filled in
        gap = (t > 300) & (t < 420)
        source[gap] = "model"
    lat0, lon0 = 46.05, 14.5
    heading = np.where(t < n / 2, 0.0, np.pi)
    east = np.cumsum(speed * np.cos(heading + 0.3 * np.sin(t / 200)))
    north = np.cumsum(speed * np.sin(heading + 0.3 * np.sin(t / 200)))

    raw = {
        "elapsed_s": t, "distance_m": distance, "speed_mps": speed, "cadence_spm": cadence,
        "lap": (distance // 1000).astype("int64"),
    }
    if heart_rate:
        raw["heart_rate_bpm"] = 130 + 25 * (speed - 3.0) + 10 * t / n + rng.normal(0, 1.5, n)
    if altitude:
        raw["altitude_m"] = altitude_m
    if positions:
        raw["latitude_deg"] = lat0 + north / 111_195.0
        raw["longitude_deg"] = lon0 + east / (111_195.0 * np.cos(np.radians(lat0)))
    if dynamics:
        stance = np.where(source == "device", contact_ms, np.nan)
        raw["stance_time_ms"] = stance
    run_samples = pd.DataFrame(raw, index=index)

    n_laps = int(distance[-1] // 1000) + 1
    laps = pd.DataFrame({
        "start": [index[np.searchsorted(distance, 1000 * k)] for k in range(n_laps)],
        "distance_m": [min(1000.0, distance[-1] - 1000 * k) for k in range(n_laps)],
    })
    meta = RunMeta(
        source="/tmp/synthetic.fit", format="fit", sport="running", sub_sport="generic",
        device=Device(manufacturer=manufacturer, product=product, software="11.20"),
        start=start, name=name,
        watch=WatchTotals(distance_m=float(distance[-1]) * 1.004, timer_s=float(n - 20), elapsed_s=float(n),
                          avg_cadence_spm=float(np.nanmean(cadence)), ascent_m=40.0, descent_m=40.0,
                          avg_heart_rate_bpm=float(np.nanmean(raw["heart_rate_bpm"])) if heart_rate else None),
        laps=laps,
        developer_fields=[DeveloperField(developer_field, "ms", "app")] if developer_field else [],
    )
    run = Run(samples=run_samples, meta=meta)

    samples = pd.DataFrame({
        "speed_mps": speed, "distance_m": distance, "cadence_spm": cadence,
        "altitude_m": altitude_m if altitude else np.nan, "grade_pct": grade if altitude else np.nan,
        "dt_s": np.ones(n), "state": state, "accelerating": np.zeros(n, dtype=bool),
        "step_time_ms": step_ms, "stride_time_ms": 2 * step_ms, "contact_time_ms": contact_ms,
        "flight_time_ms": flight_ms, "swing_time_ms": 2 * step_ms - contact_ms,
        "duty_factor": contact_ms / (2 * step_ms),
        "absorption_time_ms": 0.4 * contact_ms, "midstance_time_ms": 0.2 * contact_ms,
        "propulsion_time_ms": 0.4 * contact_ms, "early_swing_time_ms": 0.5 * (2 * step_ms - contact_ms),
        "late_swing_time_ms": 0.5 * (2 * step_ms - contact_ms), "contact_time_source": source,
    }, index=index)
    samples.loc[stop, ["contact_time_ms", "flight_time_ms", "duty_factor"]] = np.nan

    seg_rows = []
    for k in range(n_laps):
        mask = (distance >= 1000 * k) & (distance < 1000 * (k + 1))
        if not mask.any():
            continue
        sec = float(mask.sum())
        dist = float(np.ptp(distance[mask]))
        pace = sec / dist * 1000 if dist > 0 else np.nan
        seg_rows.append(dict(
            kind="lap", label=f"{lap_label} {k + 1}", start=index[mask][0], end=index[mask][-1],
            duration_s=sec, distance_m=dist, pace_s_per_km=pace, gap_s_per_km=pace * 0.98,
            grade_pct=float(np.nanmean(grade[mask])) if altitude else np.nan,
            cadence_spm=float(np.nanmean(cadence[mask])),
            heart_rate_bpm=float(np.nanmean(raw["heart_rate_bpm"][mask])) if heart_rate else np.nan,
            contact_time_ms=float(np.nanmean(contact_ms[mask])), flight_time_ms=float(np.nanmean(flight_ms[mask])),
            duty_factor=float(np.nanmean(contact_ms[mask] / (2 * step_ms[mask]))),
            contact_time_source="device" if dynamics else "model",
        ))
    seg_rows.append(dict(kind="climb", label="climb 1", start=index[0], end=index[n // 3], duration_s=n / 3,
                         distance_m=float(distance[n // 3]), pace_s_per_km=330.0, gap_s_per_km=300.0,
                         grade_pct=3.1, cadence_spm=168.0, heart_rate_bpm=np.nan, contact_time_ms=250.0,
                         flight_time_ms=105.0, duty_factor=0.36, contact_time_source="model"))
    segments = pd.DataFrame(seg_rows)

    moving = float((~stop).sum())
    summary = {
        "distance_m": float(distance[-1]), "elapsed_s": float(n), "moving_s": moving, "timer_s": float(n - 20),
        "pace_s_per_km": n / distance[-1] * 1000, "moving_pace_s_per_km": moving / distance[-1] * 1000,
        "gap_s_per_km": n / distance[-1] * 1000 * 0.985, "moving_gap_s_per_km": moving / distance[-1] * 1000 * 0.985,
        "avg_cadence_spm": float(np.nanmean(cadence)),
        "avg_heart_rate_bpm": float(np.nanmean(raw["heart_rate_bpm"])) if heart_rate else np.nan,
        "ascent_m": 40.0 if altitude else np.nan, "descent_m": 40.0 if altitude else np.nan,
        "contact_time_ms": float(np.nanmean(contact_ms)), "flight_time_ms": float(np.nanmean(flight_ms)),
        "duty_factor": 0.37, "contact_time_source": "device" if dynamics else "model",
        "device_contact_share": float(np.mean(source == "device")),
        "model_contact_share": float(np.mean(source == "model")), "walking_share": 0.0,
        "grade_known_share": 1.0 if altitude else 0.0, "altitude_source": "barometric" if altitude else "none",
    }

    load = load_samples = None
    if with_load:
        rel = rng.uniform(40, 160, len(MUSCLE_GROUPS)) * duration_s / 3600 * 1.5
        phases = rng.dirichlet(np.ones(len(PHASES)), len(MUSCLE_GROUPS))
        drivers = rng.uniform(0.8, 1.6, (len(MUSCLE_GROUPS), len(DRIVERS)))
        load = pd.DataFrame(phases, columns=list(PHASES), index=pd.Index(MUSCLE_GROUPS, name="group"))
        load.insert(0, "rel_load", rel)
        load.insert(1, "intensity_per_km", rng.uniform(80, 130, len(MUSCLE_GROUPS)))
        for j, d in enumerate(DRIVERS):
            load[d] = drivers[:, j]
        load["top_driver"] = [DRIVERS[j].removeprefix("driver_") for j in drivers.argmax(axis=1)]
        load["approximate"] = [g in UPPER_BODY_GROUPS for g in MUSCLE_GROUPS]
        load_samples = pd.DataFrame({f"load_{g}_au": np.full(n, r / n) for g, r in zip(MUSCLE_GROUPS, rel, strict=True)},
                                    index=index)

    hints = []
    if with_hints:
        hints = [
            Hint(id="H7", title="More downhill than usual", severity="moderate", evidence="C",
                 evidence_label="limited", groups=["quadriceps", "foot_ankle"], values={"descent_m": 40.0},
                 message="This run had an estimated 40 m of descent, more than in your own recent running. "
                         "Downhill running may increase load on the front of the thigh. Building descents "
                         "gradually can help. Evidence: limited.",
                 tips=["Lunges", "Step-downs"]),
            Hint(id="Q1", title="Contact time estimated", severity="info", evidence="D",
                 evidence_label="model-based", groups=[], values={"device_contact_share": 0.0},
                 message="Contact time was estimated from pace and cadence (about ±10 %).", tips=[]),
        ]
    return Analysis(run=run, profile=AthleteProfile(height_m=1.78), samples=samples, segments=segments,
                    summary=summary, load=load, load_samples=load_samples, hints=hints,
                    footer=HINTS_FOOTER, model_versions={"gait": "gait_v1", "load": "load_v1"})


@pytest.fixture
def analysis() -> Analysis:
    return make_analysis()


@pytest.fixture
def analysis_factory():
    return make_analysis
