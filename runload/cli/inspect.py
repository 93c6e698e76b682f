"""``runload inspect``: what is in a file — device, sport, fields, and the watch's totals beside ours."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import RunloadError
from ..io.fit_decode import DECODERS, DEFAULT_FIT_DECODER
from . import RunloadCommand
from ._common import echo, error_line, error_reason, is_developer_warning, sources_of
from .choices import UNIT_SYSTEMS

if TYPE_CHECKING:
    from ..report.units import Units

__all__ = ["inspect", "inspect_source"]


def inspect_source(source, decoder: str = DEFAULT_FIT_DECODER) -> dict:
    """Describe one file (a :class:`~runload.io.archive.Source`) as a JSON-ready dict.

    The first running session is described (else the first whose sport is not stated as another one,
    else the first session); ``sessions`` lists every session found.
    """
    from ..io import read_source_runs  # noqa: PLC0415 - the readers load when a file is inspected, not for --help
    from ..io._track import sport_kind  # noqa: PLC0415
    from ..jsonable import jsonable  # noqa: PLC0415
    from ..summary import summarize_run  # noqa: PLC0415

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = read_source_runs(source, decoder=decoder, include_non_running=True)
    if not runs:
        raise RunloadError(source.name, "no sessions found")
    kinds = [sport_kind(r.meta.sport) for r in runs]
    shown = min(range(len(runs)), key=lambda i: ("running", "unknown", "other").index(kinds[i]))
    run = runs[shown]
    summary = summarize_run(run)
    meta = run.meta
    out = {
        "path": source.name,
        "format": meta.format,
        "compression": meta.compression,
        "decoder": meta.decoder,
        "sport": meta.sport,
        "sub_sport": meta.sub_sport,
        "device": str(meta.device) if (meta.device.manufacturer or meta.device.product) else None,
        "name": meta.name,
        "start": summary.get("start"),
        "utc_offset_s": meta.utc_offset_s,
        "timezone": meta.timezone,
        "distance_m": summary.get("distance_m"),
        "elapsed_s": summary.get("elapsed_s"),
        "timer_s": summary.get("timer_s"),
        "avg_cadence_spm": summary.get("avg_cadence_spm"),
        "avg_heart_rate_bpm": summary.get("avg_heart_rate_bpm"),
        "n_samples": len(run.samples),
        "columns": list(run.samples.columns),
        "developer_fields": [
            {"name": f.name, "units": f.units, "application": f.application} for f in meta.developer_fields
        ],
        "watch": meta.watch.as_dict() if meta.watch is not None else None,
        "session_index": shown,
        "sessions": [
            {
                "index": i,
                "sport": r.meta.sport,
                "sub_sport": r.meta.sub_sport,
                "start": r.meta.start.isoformat() if r.meta.start else None,
                "n_samples": len(r.samples),
            }
            for i, r in enumerate(runs)
        ],
        "warnings": list(dict.fromkeys([*meta.warnings, *(str(w.message) for w in caught
                                                            if not is_developer_warning(w.category))])),
    }
    return jsonable(out)


def _text(info: dict, units: str | Units = "metric") -> str:
    """One file's description as aligned text; distances in ``units``, the start in local time."""
    from ..report.units import MISSING, format_duration, format_local_time, format_number, get_units  # noqa: PLC0415

    u = get_units(units)
    watch = info["watch"] or {}

    def beside(ours: str, theirs: str | None) -> str:
        return ours + (f"   watch {theirs}" if watch else "")

    def km(metres) -> str:
        return u.format_distance(metres, digits=3)

    rows = [
        ("format", f"{info['format']}" + (f" ({info['compression']})" if info["compression"] else "")
         + (f", decoder {info['decoder']}" if info["decoder"] else "")),
        ("device", info["device"] or MISSING),
        ("sport", " / ".join(s for s in (info["sport"], info["sub_sport"]) if s) or MISSING),
        ("name", info["name"] or MISSING),
        ("start", format_local_time(info["start"], info.get("utc_offset_s"), info.get("timezone"), seconds=True)
         if info["start"] else MISSING),
        ("elapsed", beside(format_duration(info["elapsed_s"]), format_duration(watch.get("elapsed_s")))),
        ("timer", beside(format_duration(info["timer_s"]), format_duration(watch.get("timer_s")))),
        ("distance", beside(km(info["distance_m"]), km(watch.get("distance_m")))),
        ("cadence", beside(format_number(info["avg_cadence_spm"], "{:.1f}", "spm"),
                           format_number(watch.get("avg_cadence_spm"), "{:.1f}", "spm"))),
        ("heart rate", format_number(info["avg_heart_rate_bpm"], unit="bpm")),
        ("samples", str(info["n_samples"])),
        ("columns", ", ".join(info["columns"]) or MISSING),
    ]
    if info["developer_fields"]:
        rows.append(("dev fields", ", ".join(
            f"{f['name']} [{f['units'] or '-'}]" + (f" ({f['application']})" if f["application"] else "")
            for f in info["developer_fields"])))
    if len(info["sessions"]) > 1:
        rows.append(("sessions", ", ".join(
            f"{s['index']}: {s['sport'] or '?'}" + (" (shown)" if s["index"] == info["session_index"] else "")
            for s in info["sessions"])))
    for w in info["warnings"]:
        rows.append(("warning", w))
    width = max(len(k) for k, _ in rows)
    return "\n".join([info["path"], *(f"  {k:<{width}}  {v}" for k, v in rows)])


@click.command(name="inspect", cls=RunloadCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line.")
@click.option("--fit-decoder", type=click.Choice(tuple(DECODERS)), default=DEFAULT_FIT_DECODER, show_default=True,
              help="FIT decoder (fitparse is the reference decoder).")
@click.option("--units", type=click.Choice(UNIT_SYSTEMS), default="metric", show_default=True,
              help="Distances in km or miles (the JSON stays in metres and seconds).")
def inspect(paths: tuple[Path, ...], as_json: bool, fit_decoder: str, units: str) -> None:
    """Show what is in FILES (FIT, GPX, TCX, .gz, folders, zip exports): device, sport, durations,
    distance, cadence, the canonical columns, and the watch's own totals beside runload's.

    A file that cannot be read (or is missing, or a folder without run files) prints one
    'Error: FILE: reason' line on stderr (with --json also {"path", "error"} on stdout); the others are
    still inspected and the exit code is 1.
    """
    from ..jsonable import dumps  # noqa: PLC0415

    failed = 0
    shown = 0
    for item in sources_of(paths):
        try:
            if isinstance(item, RunloadError):
                raise item
            info = inspect_source(item, decoder=fit_decoder)
        except Exception as e:  # noqa: BLE001 - one line per bad file, the others still inspected
            failed += 1
            if as_json:
                name = e.path if isinstance(e, RunloadError) and e.path else getattr(item, "name", None)
                echo(dumps({"path": name, "error": error_reason(e)}))
            echo(f"Error: {error_line(e, getattr(item, 'name', None))}", err=True)
            continue
        if as_json:
            echo(dumps(info))
        else:
            echo(("\n" if shown else "") + _text(info, units))
        shown += 1
    if failed:
        raise click.exceptions.Exit(1)
