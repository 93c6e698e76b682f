"""``runload inspect``: what is in a file — device, sport, fields, and the watch's totals beside ours."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import click

from ..errors import RunloadError
from ..io import FIT_DECODERS, discover, read_source_runs
from ..io._track import sport_kind
from ..summary import summarize_run

__all__ = ["inspect", "inspect_source"]


def _clean(value):
    """JSON-safe value: NaN/inf → None, numpy scalars → Python."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def inspect_source(source, decoder: str = "fitdecode") -> dict:
    """Describe one file (a :class:`~runload.io.archive.Source`) as a JSON-ready dict.

    The first running session is described (else the first whose sport is not stated as another one,
    else the first session); ``sessions`` lists every session found.
    """
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
        "warnings": list(dict.fromkeys([*meta.warnings, *(str(w.message) for w in caught)])),
    }
    return _clean(out)


def _hms(seconds) -> str:
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _num(value, fmt: str, unit: str) -> str:
    return "–" if value is None else f"{value:{fmt}} {unit}"


def _text(info: dict) -> str:
    watch = info["watch"] or {}
    rows = [
        ("format", f"{info['format']}" + (f" ({info['compression']})" if info["compression"] else "")
         + (f", decoder {info['decoder']}" if info["decoder"] else "")),
        ("device", info["device"] or "–"),
        ("sport", " / ".join(s for s in (info["sport"], info["sub_sport"]) if s) or "–"),
        ("name", info["name"] or "–"),
        ("start", info["start"] or "–"),
        ("elapsed", f"{_hms(info['elapsed_s'])}" + (f"   watch {_hms(watch.get('elapsed_s'))}" if watch else "")),
        ("timer", f"{_hms(info['timer_s'])}" + (f"   watch {_hms(watch.get('timer_s'))}" if watch else "")),
        ("distance", _num(None if info["distance_m"] is None else info["distance_m"] / 1000, ".3f", "km")
         + (f"   watch {_num(None if watch.get('distance_m') is None else watch['distance_m'] / 1000, '.3f', 'km')}"
            if watch else "")),
        ("cadence", _num(info["avg_cadence_spm"], ".1f", "spm")
         + (f"   watch {_num(watch.get('avg_cadence_spm'), '.1f', 'spm')}" if watch else "")),
        ("heart rate", _num(info["avg_heart_rate_bpm"], ".0f", "bpm")),
        ("samples", str(info["n_samples"])),
        ("columns", ", ".join(info["columns"]) or "–"),
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


@click.command(name="inspect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line.")
@click.option("--fit-decoder", type=click.Choice(FIT_DECODERS), default="fitdecode", show_default=True,
              help="FIT decoder (fitparse is the reference decoder).")
def inspect(paths: tuple[Path, ...], as_json: bool, fit_decoder: str) -> None:
    """Show what is in FILES (FIT, GPX, TCX, .gz, folders, zip exports): device, sport, durations,
    distance, cadence, the canonical columns, and the watch's own totals beside runload's.

    A file that cannot be read prints one 'Error: FILE: reason' line; the others are still inspected
    and the exit code is 1.
    """
    failed = 0
    sources = discover(paths)
    for i, source in enumerate(sources):
        try:
            info = inspect_source(source, decoder=fit_decoder)
        except Exception as e:  # noqa: BLE001 - one line per bad file, the others still inspected
            failed += 1
            reason = e.reason if isinstance(e, RunloadError) else f"unexpected {type(e).__name__}: {e}"
            if as_json:
                click.echo(json.dumps({"path": source.name, "error": reason}))
            else:
                click.echo(f"Error: {source.name}: {reason}", err=True)
            continue
        if as_json:
            click.echo(json.dumps(info))
        else:
            click.echo(("\n" if i else "") + _text(info))
    if failed:
        raise click.exceptions.Exit(1)
