"""``runload analyze FILE``: gait timing summary, segments, load and hints in the terminal (or as JSON).

Every running session of the file is analysed (:func:`runload.pipeline.analyze_file`): one text block per
run, headed "run 2 of 3" when the file holds several, or one JSON object per line
(:meth:`runload.analysis.Analysis.to_json`, the library's shape).  Every figure follows ``--units``
through :mod:`runload.report.units`, the one display formatter.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import RunloadCommand
from ._common import check_inputs, echo
from .choices import GAIT_SOURCES, UNIT_SYSTEMS

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis import Analysis
    from ..profile import AthleteProfile
    from ..report.units import Units

__all__ = ["analyze", "build_profile", "format_analysis", "format_segments_table"]


def build_profile(profile_path: Path | None, height_m: float | None, mass_kg: float | None,
                  run) -> AthleteProfile | None:
    """The profile from ``--profile`` (else the defaults with the height and mass the file's user profile
    records) with ``--height``/``--mass`` taking precedence (:func:`runload.profile.profile_for_run`);
    ``None`` when no option was given, so that :func:`runload.analyze_run` records the file/default source.
    """
    from ..profile import given_profile, load_profile  # noqa: PLC0415 - the library loads when a command runs

    return given_profile(run, load_profile(profile_path) if profile_path else None,
                         height_m=height_m, mass_kg=mass_kg)


def _shares(s: dict) -> str:
    return ", ".join(f"{name} {100 * s[key]:.0f} %"
                     for name, key in (("device", "device_contact_share"), ("model", "model_contact_share"),
                                       ("walking", "walking_share"), ("none", "none_share"))
                     if is_finite(s.get(key)) and s[key] > 0)


def is_finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def format_segments_table(frame: pd.DataFrame, units: str | Units = "metric") -> str:
    """The laps/splits/segments table: every distance and pace in ``units`` (paces of standing or absurd
    stretches as an em dash, :func:`runload.report.units.plausible_pace`)."""
    from ..report.units import format_duration, format_number, get_units  # noqa: PLC0415

    u = get_units(units)
    unit = u.distance_unit
    header = ["kind", "label", "time", f"dist {unit}", f"pace/{unit}", f"GAP/{unit}", "grade%", "spm", "HR",
              "GCT ms", "flight ms", "DF", "source"]
    rows = [header]
    for r in frame.itertuples(index=False):
        rows.append([
            r.kind, r.label, format_duration(r.duration_s), u.format_distance(r.distance_m, unit=False),
            u.format_pace(r.pace_s_per_km, unit=False), u.format_pace(r.gap_s_per_km, unit=False),
            format_number(r.grade_pct, "{:+.1f}"), format_number(r.cadence_spm),
            format_number(r.heart_rate_bpm), format_number(r.contact_time_ms), format_number(r.flight_time_ms),
            format_number(r.duty_factor, "{:.2f}"), r.contact_time_source,
        ])
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(str(v).ljust(w) if i < 2 else str(v).rjust(w)
                               for i, (v, w) in enumerate(zip(row, widths, strict=True))).rstrip()
                     for row in rows)


def format_analysis(analysis: Analysis, units: str | Units = "metric") -> str:
    """One run's analysis as text: a header (file, "run 2 of 3" for a file with several runs, local start
    time, device), totals, gait, segments, load and hints — every figure in ``units``."""
    from ..report.units import format_duration, format_local_time, format_number, get_units  # noqa: PLC0415
    from .render_load import format_hints, format_load_table  # noqa: PLC0415

    u = get_units(units)
    s, p, meta = analysis.summary, analysis.profile, analysis.run.meta
    title = Path(meta.source).name if meta.source else "run"
    if meta.n_sessions > 1:
        title += f"  (run {meta.session_index + 1} of {meta.n_sessions})"
    about = [format_local_time(meta.start, meta.utc_offset_s, meta.timezone)]
    if meta.device.manufacturer or meta.device.product:
        about.append(str(meta.device))
    if meta.sport:
        about.append(meta.sport)
    lines = [
        title,
        "  " + "   ".join(about),
        f"  distance {u.format_distance(s['distance_m'])}   timer {format_duration(s['timer_s'])}"
        f"   moving {format_duration(s['moving_s'])}   elapsed {format_duration(s['elapsed_s'])}",
        f"  pace {u.format_pace(s['pace_s_per_km'])}   moving pace {u.format_pace(s.get('moving_pace_s_per_km'))}"
        f"   grade-adjusted {u.format_pace(s['gap_s_per_km'])}",
        f"  cadence {format_number(s['avg_cadence_spm'], unit='spm')}"
        f"   heart rate {format_number(s['avg_heart_rate_bpm'], unit='bpm')}"
        f"   ascent {u.format_elevation(s.get('ascent_m'))}",
        "",
        "Gait (running time, time-weighted)",
        f"  contact {format_number(s['contact_time_ms'], unit='ms')}   flight {format_number(s['flight_time_ms'], unit='ms')}"
        f"   swing {format_number(s['swing_time_ms'], unit='ms')}   duty factor {format_number(s['duty_factor'], '{:.2f}')}",
        f"  contact time from: {_shares(s) or 'no estimate'}"
        + ("   (model estimates ±~10 % uncalibrated)"
           if (s.get("model_contact_share") or 0) > 0 and p.calibration is None else ""),
        f"  profile: height {p.height_m:.2f} m"
        + {"file": " (watch user profile)", "default": " (default)"}.get(s.get("profile_source"), "")
        + f", k̂_ref {p.khat_ref:.1f}"
        + (" (calibrated)" if p.calibration is not None else " (population default)"),
        "",
        "Segments",
        format_segments_table(analysis.segments, u) if len(analysis.segments) else "  none",
        "",
    ]
    if analysis.load is not None:
        lines += [format_load_table(analysis.load, u), ""]
    lines.append(format_hints(analysis.hints, analysis.footer))
    return "\n".join(lines)


@click.command(name="analyze", cls=RunloadCommand)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per run, one per line (path, run, summary, gait, segments, load, hints, "
                   "footer).")
@click.option("--height", "height_m", type=click.FloatRange(1.0, 2.5), help="Body height [m] (default 1.75).")
@click.option("--mass", "mass_kg", type=click.FloatRange(25, 250), help="Body mass [kg] (default 70).")
@click.option("--profile", "profile_path", type=click.Path(path_type=Path),
              help="Athlete profile TOML (e.g. written by `runload calibrate`).")
@click.option("--gait-source", type=click.Choice(GAIT_SOURCES), default="auto", show_default=True,
              help="Contact time from the device where plausible (auto), the device only, or the model only.")
@click.option("--units", type=click.Choice(UNIT_SYSTEMS), default="metric", show_default=True,
              help="Splits and every distance, pace and height in km and m or in miles and feet.")
@click.option("--easy-pace", "easy_pace", default=None, metavar="M:SS",
              help="Your easy running pace per km (per mile with --units imperial), e.g. 5:45: the load model's "
                   "reference (default: the profile's, else 5:33 /km).")
def analyze(path: Path, as_json: bool, height_m: float | None, mass_kg: float | None,
            profile_path: Path | None, gait_source: str, units: str, easy_pace: str | None) -> None:
    """Gait timing, laps/splits/segments, estimated load per muscle group and hints for every run in PATH.

    A file holding several runs (a TCX with three activities, a FIT with two running sessions) gives one
    block per run ("run 2 of 3"), or with --json one JSON object per line.  Contact time comes from the
    watch when it measured it, otherwise from a spring–mass model of speed and cadence (an estimate,
    about ±10 % before personal calibration).  Loads are indices of mechanical demand from laboratory
    models; hints are not medical advice.
    """
    from ..pipeline import analyze_file  # noqa: PLC0415
    from ..report.units import parse_pace  # noqa: PLC0415

    easy_speed = 1000.0 / parse_pace(easy_pace, units) if easy_pace is not None else None
    check_inputs([path] + ([profile_path] if profile_path is not None else []))
    analyses = analyze_file(path, profile_path, height_m=height_m, mass_kg=mass_kg, gait_source=gait_source,
                            units=units, easy_speed_mps=easy_speed)
    for i, analysis in enumerate(analyses):
        if as_json:
            echo(analysis.to_json())
        else:
            echo(("\n" if i else "") + format_analysis(analysis, units))
