"""``runload analyze FILE``: gait timing summary and the segments table in the terminal (or as JSON)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click
import numpy as np
import pandas as pd

from ..analysis import Analysis
from ..gait import GAIT_SOURCES
from ..io import read_run
from ..load import load_to_json
from ..pipeline import analyze_run
from ..profile import AthleteProfile, load_profile, profile_for_run
from ..segments import UNITS
from .render_load import format_hints, format_load_table

__all__ = ["analyze", "analysis_to_dict", "json_safe", "build_profile"]

MILE_M = UNITS["imperial"][0]


def json_safe(value):
    """A JSON-serialisable copy: NaN/inf → None, numpy scalars → Python, timestamps → ISO 8601."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (pd.Timestamp,)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    return value


def build_profile(profile_path: Path | None, height_m: float | None, mass_kg: float | None,
                  run) -> AthleteProfile | None:
    """The profile from ``--profile`` (else the defaults with the height and mass the file's user profile
    records) with ``--height``/``--mass`` taking precedence (:func:`runload.profile.profile_for_run`);
    ``None`` when no option was given, so that :func:`runload.analyze_run` records the file/default source.
    """
    if profile_path is None and height_m is None and mass_kg is None:
        return None
    return profile_for_run(run, load_profile(profile_path) if profile_path else None,
                           height_m=height_m, mass_kg=mass_kg)


def analysis_to_dict(path: Path, analysis: Analysis) -> dict:
    """The JSON document of ``runload analyze --json``: ``path``, ``summary``, ``gait``, ``segments``."""
    s = analysis.summary
    gait = {
        "contact_time_ms": s.get("contact_time_ms"),
        "flight_time_ms": s.get("flight_time_ms"),
        "swing_time_ms": s.get("swing_time_ms"),
        "step_time_ms": s.get("step_time_ms"),
        "duty_factor": s.get("duty_factor"),
        "contact_time_source": s.get("contact_time_source"),
        "source_shares": {
            "device": s.get("device_contact_share"),
            "model": s.get("model_contact_share"),
            "walking": s.get("walking_share"),
            "none": s.get("none_share"),
        },
        "low_confidence_share": s.get("low_confidence_share"),
        "gait_source": s.get("gait_source"),
        "model_versions": analysis.model_versions,
        "profile": {"height_m": analysis.profile.height_m, "khat_ref": analysis.profile.khat_ref,
                    "cadence_exponent": analysis.profile.cadence_exponent,
                    "calibrated": analysis.profile.calibration is not None},
    }
    segments = analysis.segments.to_dict(orient="records")
    return json_safe({
        "path": str(path), "summary": s, "gait": gait, "segments": segments,
        "load": load_to_json(analysis.load) if analysis.load is not None else None,
        "hints": [h.as_dict() for h in analysis.hints],
        "footer": analysis.footer,
    })


def _num(x, fmt: str = "{:.0f}") -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else fmt.format(x)


def _pace(s_per_km, units: str) -> str:
    if s_per_km is None or not math.isfinite(s_per_km):
        return "–"
    sec = s_per_km * (MILE_M / 1000.0 if units == "imperial" else 1.0)
    return f"{int(sec // 60)}:{int(round(sec % 60)):02d}"


def _hms(seconds) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _distance(m, units: str) -> str:
    if m is None or not math.isfinite(m):
        return "–"
    return f"{m / MILE_M:.2f} mi" if units == "imperial" else f"{m / 1000:.2f} km"


def _table(frame: pd.DataFrame, units: str) -> str:
    unit = "mi" if units == "imperial" else "km"
    header = ["kind", "label", "time", "dist", f"pace/{unit}", f"GAP/{unit}", "grade%", "spm", "HR",
              "GCT ms", "flight ms", "DF", "source"]
    rows = [header]
    for r in frame.itertuples(index=False):
        rows.append([
            r.kind, r.label, _hms(r.duration_s), _distance(r.distance_m, units), _pace(r.pace_s_per_km, units),
            _pace(r.gap_s_per_km, units), _num(r.grade_pct, "{:+.1f}"), _num(r.cadence_spm),
            _num(r.heart_rate_bpm), _num(r.contact_time_ms), _num(r.flight_time_ms), _num(r.duty_factor, "{:.2f}"),
            r.contact_time_source,
        ])
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(str(v).ljust(w) if i < 2 else str(v).rjust(w)
                               for i, (v, w) in enumerate(zip(row, widths, strict=True))).rstrip()
                     for row in rows)


def _text(path: Path, analysis: Analysis, units: str) -> str:
    s = analysis.summary
    p = analysis.profile
    unit = "mi" if units == "imperial" else "km"
    shares = ", ".join(f"{name} {100 * s[key]:.0f} %"
                       for name, key in (("device", "device_contact_share"), ("model", "model_contact_share"),
                                         ("walking", "walking_share"), ("none", "none_share"))
                       if s.get(key) is not None and math.isfinite(s[key]) and s[key] > 0)
    lines = [
        f"{path.name}",
        f"  distance {_distance(s['distance_m'], units)}   timer {_hms(s['timer_s'])}   moving {_hms(s['moving_s'])}"
        f"   elapsed {_hms(s['elapsed_s'])}",
        f"  pace {_pace(s['pace_s_per_km'], units)}/{unit}   grade-adjusted {_pace(s['gap_s_per_km'], units)}/{unit}"
        f"   cadence {_num(s['avg_cadence_spm'])} spm   heart rate {_num(s['avg_heart_rate_bpm'])} bpm"
        f"   ascent {_num(s.get('ascent_m'))} m",
        "",
        "Gait (running time, time-weighted)",
        f"  contact {_num(s['contact_time_ms'])} ms   flight {_num(s['flight_time_ms'])} ms   "
        f"swing {_num(s['swing_time_ms'])} ms   duty factor {_num(s['duty_factor'], '{:.2f}')}",
        f"  contact time from: {shares or 'no estimate'}"
        + ("   (model estimates ±~10 % uncalibrated)"
           if (s.get("model_contact_share") or 0) > 0 and p.calibration is None else ""),
        f"  profile: height {p.height_m:.2f} m"
        + {"file": " (watch user profile)", "default": " (default)"}.get(s.get("profile_source"), "")
        + f", k̂_ref {p.khat_ref:.1f}"
        + (" (calibrated)" if p.calibration is not None else " (population default)"),
        "",
        "Segments",
        _table(analysis.segments, units) if len(analysis.segments) else "  none",
        "",
    ]
    if analysis.load is not None:
        lines += [format_load_table(analysis.load), ""]
    lines.append(format_hints(analysis.hints, analysis.footer))
    return "\n".join(lines)


@click.command(name="analyze")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (path, summary, gait, segments, load, hints, footer).")
@click.option("--height", "height_m", type=click.FloatRange(1.0, 2.5), help="Body height [m] (default 1.75).")
@click.option("--mass", "mass_kg", type=click.FloatRange(25, 250), help="Body mass [kg] (default 70).")
@click.option("--profile", "profile_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Athlete profile TOML (e.g. written by `runload calibrate`).")
@click.option("--gait-source", type=click.Choice(GAIT_SOURCES), default="auto", show_default=True,
              help="Contact time from the device where plausible (auto), the device only, or the model only.")
@click.option("--units", type=click.Choice(tuple(UNITS)), default="metric", show_default=True,
              help="Splits and display in km or miles.")
def analyze(path: Path, as_json: bool, height_m: float | None, mass_kg: float | None,
            profile_path: Path | None, gait_source: str, units: str) -> None:
    """Gait timing, laps/splits/segments, estimated load per muscle group and hints for one run.

    Contact time comes from the watch when it measured it, otherwise from a spring–mass model of
    speed and cadence (an estimate, about ±10 % before personal calibration).  Loads are indices of
    mechanical demand from laboratory models; hints are not medical advice.
    """
    run = read_run(path)
    profile = build_profile(profile_path, height_m, mass_kg, run)
    analysis = analyze_run(run, profile, gait_source=gait_source, units=units)
    if as_json:
        click.echo(json.dumps(analysis_to_dict(path, analysis)))
    else:
        click.echo(_text(path, analysis, units))
