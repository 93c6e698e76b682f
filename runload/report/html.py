"""Page assembly: an :class:`~runload.analysis.Analysis` and its figures → one HTML page.

The page is rendered from Jinja2 templates with autoescaping, so every string that came from a file
(names, devices, lap labels, developer field names, notes) is escaped in the HTML.  Figures travel as
JSON in a ``<script type="application/json">`` block (never executed) whose text is made safe with
:func:`safe_json` (data cleaned by :func:`runload.jsonable.dumps`): ``<``, ``>``, ``&``, U+2028 and
U+2029 become ``\\uXXXX`` escapes, so no file string can close the block or open a tag.

What the page says comes from the analysis and the shared wording: numbers are formatted by
:mod:`.units` (a pace outside its plausible bounds, e.g. a lap where the runner stood, shows "—"), the
"Pace" card is the moving pace (moving time over distance), times are the run's local time with its UTC
offset where the reader found one, the load drivers are worded by :func:`runload.load.driver_text` (as in
the CLI and the JSON) and the methods list only the models and rules that ran
(:func:`runload.references.methods_for_analysis`).

In a training log (``runload batch``) the hints are the final ones over the log: a hint a history rule
raised (``Hint.origin == "log"``) carries a small "from your training log" marker, with the same neutral
or amber styling as the others (science.md §3.1 rule 7).  The "Personal norms" part says which cadence
norm, easy pace and contact-time stiffness the numbers used and where they came from
(:func:`runload.report.norms_notes.norms_notes`).

Inside the figures, file strings are HTML-escaped too, because plotly renders a subset of HTML in hover
text.

plotly.js is included once per page: ``plotlyjs="inline"`` embeds it (offline, ~4.8 MB), ``"cdn"`` links
the CDN copy matching the installed plotly, anything else is a path (relative to the report's folder)
of a shared ``plotly.min.js``, written there if it does not exist yet.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..analysis import MUSCLE_GROUPS, UPPER_BODY_GROUPS, Analysis
from ..errors import RunloadError, printable
from ..jsonable import dumps
from ..load import driver_text
from ..muscles import display_name
from ..references import methods_for_analysis
from .bodymap import bodymap_figure
from .figure_dicts import plain_records
from .figures import (
    PHASE_COLORS,
    PLOT_CONFIG,
    load_figure,
    power_source,
    route_figure,
    sample_column,
    timeseries_figure,
)
from .norms_notes import norms_notes
from .units import (
    MISSING,
    Units,
    format_duration,
    format_local_time,
    format_number,
    get_units,
    is_missing,
    local_time,
)

__all__ = ["safe_json", "figure_json", "render_report", "report_chunks", "render_index", "plotlyjs_tag",
           "check_plotlyjs", "PLOTLYJS_MODES"]

PLOTLYJS_MODES = ("inline", "cdn")
SOURCE_WORDS = {
    "device": "measured by device",
    "model": "estimated (±~10 %)",
    "walking": "estimated (walking)",
    "none": "not available",
}
# How far a runload figure may differ from the watch's own before the header shows the watch's value.
WATCH_TOLERANCE = {
    "distance_m": (0.01, 10.0),  # 1 % or 10 m, whichever is larger
    "timer_s": (0.0, 5.0),
    "elapsed_s": (0.0, 5.0),
    "avg_cadence_spm": (0.0, 1.0),
    "avg_heart_rate_bpm": (0.0, 1.0),
    "ascent_m": (0.05, 5.0),
    "descent_m": (0.05, 5.0),
}

_ENV = Environment(
    loader=PackageLoader("runload.report", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "j2", "html.j2"), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def safe_json(obj_or_text) -> str:
    """JSON text that is safe inside ``<script>`` and HTML: ``< > &`` and U+2028/9 are ``\\u`` escapes.

    A string is taken as JSON text already; anything else is written by :func:`runload.jsonable.dumps`
    (NaN → null, numpy → Python, times → ISO 8601).
    """
    text = obj_or_text if isinstance(obj_or_text, str) else dumps(obj_or_text)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def figure_json(fig) -> str:
    """A plotly figure dict (:mod:`.figure_dicts`) as safe JSON text (see :func:`safe_json`).

    The text ``plotly.io.to_json(fig, validate=False, engine="json")`` writes — plotly's JSON encoder
    (NaN → null, numpy → lists), compact, ``/`` as ``\\u002f`` — without importing plotly's figure
    classes for it (~60 ms the first time in a process).  A ``plotly.graph_objects.Figure`` goes through
    ``plotly.io.to_json``.
    """
    if not isinstance(fig, dict):
        import plotly.io as pio

        return safe_json(pio.to_json(fig, validate=False, engine="json"))
    from _plotly_utils.utils import PlotlyJSONEncoder

    try:  # plotly's encoder re-parses its whole text when "NaN" appears anywhere (a base64 array often has it)
        text = json.dumps(fig, separators=(",", ":"), allow_nan=False, default=PlotlyJSONEncoder().default)
    except ValueError:  # a NaN or infinity: plotly's encoder writes it as null
        text = json.dumps(fig, cls=PlotlyJSONEncoder, separators=(",", ":"))
    return safe_json(text.replace("/", "\\u002f"))


def check_plotlyjs(mode) -> str:
    """``mode`` if it is a valid ``plotlyjs`` choice (``"inline"``, ``"cdn"`` or a non-empty path)."""
    if mode in PLOTLYJS_MODES or (isinstance(mode, str) and mode.strip()):
        return mode
    raise RunloadError(None, f"--plotlyjs must be 'inline', 'cdn' or a path, not {mode!r}")


@lru_cache(maxsize=1)
def _plotlyjs_size() -> int:
    """Size [bytes] of the installed plotly.js as UTF-8 (read once: every report of a batch checks its
    shared copy against it)."""
    from plotly.offline import get_plotlyjs

    return len(get_plotlyjs().encode("utf-8"))


@lru_cache(maxsize=1)
def _inline_plotlyjs() -> Markup:
    """The ``<script>`` embedding plotly.js (~4.8 MB; built once per process)."""
    from plotly.offline import get_plotlyjs

    return Markup("<script>" + get_plotlyjs() + "</script>")


def write_plotlyjs(target: Path) -> None:
    """Write plotly.js to ``target`` unless a complete copy is there, atomically (a temporary file, then
    a rename), so a full disk never leaves a truncated copy that every later page would load.

    Raises
    ------
    RunloadError
        The file cannot be written (:class:`~runload.errors.OutdirError` when the disk is full or the file
        system read-only).
    """
    from plotly.offline import get_plotlyjs

    from ..errors import OutdirError, outdir_problem

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if target.is_file() and target.stat().st_size == _plotlyjs_size():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(get_plotlyjs().encode("utf-8"))
        os.replace(tmp, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        problem = outdir_problem(e)
        if problem:
            raise OutdirError(target.parent, f"cannot write {target.name}: {problem}") from e
        raise RunloadError(target, f"cannot write plotly.js: {e.strerror or e}") from e


def plotlyjs_tag(mode: str, out_dir: Path | None = None) -> Markup:
    """The one ``<script>`` that loads plotly.js for a page.

    Parameters
    ----------
    mode : str
        ``"inline"`` (embed), ``"cdn"`` (link cdn.plot.ly) or a path of a shared ``plotly.min.js``
        relative to ``out_dir`` (or absolute); that file is written when missing.
    out_dir : Path
        Folder of the report (needed for a path).
    """
    if mode == "inline":
        return _inline_plotlyjs()
    if mode == "cdn":
        from plotly.io._utils import plotly_cdn_url

        return Markup('<script src="{}" charset="utf-8"></script>').format(plotly_cdn_url())
    check_plotlyjs(mode)
    out_dir = Path(out_dir or ".")
    target = Path(mode) if Path(mode).is_absolute() else out_dir / mode
    write_plotlyjs(target)
    src = quote(os.path.relpath(target.resolve(), out_dir.resolve()).replace(os.sep, "/"))
    return Markup('<script src="{}" charset="utf-8"></script>').format(src)


def _num(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v


def _summary_items(analysis: Analysis, units: Units) -> list[dict]:
    """Headline figures: label, value, and a note (e.g. "estimated")."""
    s = analysis.summary or {}
    source = s.get("contact_time_source")
    gait_note = SOURCE_WORDS.get(source, "estimated") if isinstance(source, str) else "estimated"
    # The timer pace (standing included, as the watch's average pace) only where it reads differently.
    timer_pace = units.format_pace(s.get("pace_s_per_km"))
    if timer_pace == units.format_pace(s.get("moving_pace_s_per_km")):
        timer_pace = MISSING
    items = [
        ("Distance", units.format_distance(s.get("distance_m")), ""),
        ("Moving time", format_duration(s.get("moving_s")), ""),
        ("Elapsed time", format_duration(s.get("elapsed_s")), ""),
        ("Pace", units.format_pace(s.get("moving_pace_s_per_km")), "over moving time"),
        ("Pace over timer time", timer_pace, "standing included"),
        ("Grade-adjusted pace", units.format_pace(s.get("moving_gap_s_per_km")),
         "over moving time, estimated (Minetti 2002)"),
        ("Heart rate", format_number(s.get("avg_heart_rate_bpm"), unit="bpm"), "average"),
        ("Cadence", format_number(s.get("avg_cadence_spm"), unit="spm"), "average, steps per minute"),
        ("Ascent", units.format_elevation(s.get("ascent_m")), ""),
        ("Descent", units.format_elevation(s.get("descent_m")), ""),
        ("Contact time", format_number(s.get("contact_time_ms"), unit="ms"), gait_note),
        ("Flight time", format_number(s.get("flight_time_ms"), unit="ms"), gait_note),
        *_file_extras(analysis),
    ]
    return [dict(label=label, value=value, note=note) for label, value, note in items if value != MISSING]


def _file_extras(analysis: Analysis) -> list[tuple[str, str, str]]:
    """Summary cards of what the file holds beyond the run's motion: the watch's calories, the average
    temperature and power (with its source), the device's vertical oscillation and contact-time balance."""
    watch = analysis.run.meta.watch
    kcal = getattr(watch, "calories_kcal", None)
    out = [("Calories", format_number(kcal if kcal else None, unit="kcal"), "as the watch says")]

    def mean(column):
        col = sample_column(analysis, column)
        return float(np.nanmean(col.to_numpy(float))) if col is not None else math.nan

    out.append(("Temperature", format_number(mean("temperature_c"), unit="°C"),
                "average, as the device recorded it (a watch worn on the wrist reads warmer than the air)"))
    source = power_source(analysis)
    if source is not None:
        out.append(("Power", format_number(mean("power_w"), unit="W"), f"average, from {source}"))
    out.append(("Vertical oscillation", format_number(mean("vertical_oscillation_mm"), unit="mm"),
                "average, measured by device"))
    out.append(("Contact-time balance", format_number(mean("stance_time_balance_pct"), "{:.1f}", "% left"),
                "average, measured by device; informational only"))
    return out


ZONE_SOURCES = {
    ("hr", "profile"): "HRmax {anchor} from your profile (hr_max_bpm)",
    ("hr", "run"): ("no hr_max_bpm in your profile: the highest heart rate of this run, {anchor}, stands in for "
                    "your maximum, so these zones read high unless this run reached it"),
    ("pace", "profile"): "threshold pace {anchor} from your profile (threshold_pace_s_per_km)",
    ("pace", "assumed"): ("no threshold pace in your profile: assumed {anchor}, from the easy pace {easy} "
                          "taken as the middle of zone 2 (an assumption; set threshold_pace_s_per_km)"),
}


def _zone_tables(analysis: Analysis, units: Units) -> list[dict]:
    """Time in heart-rate and pace zones (:func:`runload.zones.run_zones`), with where the anchor came from."""
    from ..zones import run_zones

    tables = []
    for kind, z in run_zones(analysis).items():
        if z.total_s <= 0:
            continue
        if kind == "hr":
            anchor, unit = format_number(z.anchor, unit="bpm"), "bpm"
            bounds = [format_number(b) for b in z.lower[1:]]
            slower, faster = "<", "≥"
        else:
            anchor, unit = units.format_pace(z.anchor), units.pace_unit
            bounds = [units.format_speed_as_pace(v, unit=False) for v in z.lower[1:]]
            slower, faster = "slower than", "faster than"
        ranges = ([f"{slower} {bounds[0]}"] + [f"{a}–{b}" for a, b in zip(bounds, bounds[1:], strict=False)]
                  + [f"{faster} {bounds[-1]}"])
        rows = [dict(name=name, range=rng, time=format_duration(sec),
                     share=format_number(100.0 * sec / z.total_s, unit="%"))
                for name, rng, sec in zip(z.names, ranges, z.seconds, strict=True)]
        source = ZONE_SOURCES[(kind, z.source)].format(
            anchor=anchor, easy=units.format_speed_as_pace(analysis.profile.easy_speed_mps))
        tables.append(dict(kind=kind, title="Heart-rate zones" if kind == "hr" else "Pace zones", rows=rows,
                           source=source, unit=unit))
    return tables


def _dynamics_notes(analysis: Analysis) -> dict:
    """What the running-dynamics part of the page says: the power source and the balance caveat."""
    return dict(
        power=power_source(analysis),
        balance=sample_column(analysis, "stance_time_balance_pct") is not None,
        dynamics=any(sample_column(analysis, c) is not None
                     for c in ("vertical_oscillation_mm", "vertical_ratio_pct", "step_length_mm")),
    )


def _watch_differences(analysis: Analysis, units: Units) -> list[dict]:
    """The watch's own totals that differ from runload's figures beyond :data:`WATCH_TOLERANCE`."""
    watch = analysis.run.meta.watch
    if watch is None:
        return []
    s = analysis.summary or {}
    ours = {
        "distance_m": s.get("distance_m"), "timer_s": s.get("timer_s", s.get("moving_s")),
        "elapsed_s": s.get("elapsed_s"), "avg_cadence_spm": s.get("avg_cadence_spm"),
        "avg_heart_rate_bpm": s.get("avg_heart_rate_bpm"), "ascent_m": s.get("ascent_m"),
        "descent_m": s.get("descent_m"),
    }
    labels = {
        "distance_m": ("Distance", units.format_distance),
        "timer_s": ("Timer time", format_duration),
        "elapsed_s": ("Elapsed time", format_duration),
        "avg_cadence_spm": ("Cadence", lambda v: format_number(v, unit="steps/min")),
        "avg_heart_rate_bpm": ("Heart rate", lambda v: format_number(v, unit="bpm")),
        "ascent_m": ("Ascent", units.format_elevation),
        "descent_m": ("Descent", units.format_elevation),
    }
    out = []
    for key, (rel_tol, abs_tol) in WATCH_TOLERANCE.items():
        w, o = _num(getattr(watch, key, None)), _num(ours.get(key))
        if not math.isfinite(w):
            continue
        label, fmt = labels[key]
        if not math.isfinite(o) or abs(w - o) > max(rel_tol * abs(w), abs_tol):
            out.append(dict(label=label, watch=fmt(w), ours=fmt(o) if math.isfinite(o) else MISSING))
    return out


def _load_rows(analysis: Analysis) -> list[dict]:
    load = analysis.load
    if load is None:
        return []
    rows = []
    for group, r in zip(load.index, plain_records(load), strict=True):  # plain dicts: no per-cell pandas
        approximate = bool(r.get("approximate", group in UPPER_BODY_GROUPS))
        phases = [dict(name=name, share=format_number(_num(r.get(col)) * 100, unit="%"))
                  for col, (name, _color) in PHASE_COLORS.items() if col in load.columns]
        drivers = [dict(name=d, factor=format_number(r.get(f"driver_{d}"), "{:.2f}"))
                   for d in ("speed", "cadence", "uphill", "downhill", "volume") if f"driver_{d}" in load.columns]
        top = r.get("top_driver")  # set by runload.load.compute_load, never a file string
        rows.append(dict(
            group=group, name=display_name(group) if group in MUSCLE_GROUPS else str(group),
            rel_load=format_number(r.get("rel_load")), intensity=format_number(r.get("intensity_per_km")),
            approximate=approximate, phases=phases, drivers=drivers,
            top_driver=driver_text(r, short=True) if isinstance(top, str) and top else MISSING,
        ))
    return rows


def _hint_rows(analysis: Analysis) -> list[dict]:
    """The training hints for the hints section, each with its tips by category (``advice``: heading and
    tips with their sources, :attr:`runload.analysis.Hint.advice`); data-quality hints (ids ``Q…``) go to the
    data notes (:func:`_data_notes`)."""
    from ..muscles import TIP_CATEGORIES

    rows = []
    for h in analysis.hints or []:
        if str(h.id).startswith("Q"):
            continue
        advice = [dict(category=category, heading=TIP_CATEGORIES[category],
                       tips=[dict(text=t.text, source=t.reference) for t in tips])
                  for category, tips in h.advice.items()]
        rows.append(dict(
            id=h.id, title=h.title, severity=h.severity, message=h.message,
            css="info" if h.severity == "info" else "attention",
            evidence_label=h.evidence_label, evidence=h.evidence,
            groups=[display_name(g) if g in MUSCLE_GROUPS else str(g) for g in (h.groups or [])],
            advice=advice,
            from_log=h.origin == "log",
        ))
    return rows


SEGMENT_TITLES = {"lap": "Laps (as recorded by the watch)", "split": "Splits"}
# The columns of Analysis.segments the tables show (:func:`_segment_rows`).
SEGMENT_COLUMNS = ("kind", "label", "distance_m", "duration_s", "pace_s_per_km", "gap_s_per_km", "grade_pct",
                   "cadence_spm", "heart_rate_bpm", "contact_time_ms", "flight_time_ms", "contact_time_source")


def _segment_tables(analysis: Analysis, units: Units) -> list[dict]:
    """One table per segment kind: laps first, then splits, then the others (steady, climbs …) in file order.

    Each: ``{"kind", "title", "open", "rows"}``; the splits start folded when the run also has laps (they
    often repeat the watch's auto-laps).
    """
    seg = analysis.segments
    if seg is None or len(seg) == 0:
        return []
    kinds = seg["kind"].astype(str).tolist() if "kind" in seg else ["segment"] * len(seg)
    records = plain_records(seg, SEGMENT_COLUMNS)
    by_kind: dict[str, list[dict]] = {}
    for kind, record in zip(kinds, records, strict=True):
        by_kind.setdefault(kind, []).append(record)
    order = ["lap", "split"] + [k for k in by_kind if k not in ("lap", "split")]
    tables = []
    for kind in order:
        part = by_kind.get(kind)
        if not part:
            continue
        title = SEGMENT_TITLES.get(kind, kind.replace("_", " ").capitalize() + " segments")
        tables.append(dict(kind=kind, title=title, rows=_segment_rows(part, units),
                           open=not (kind == "split" and "lap" in by_kind)))
    return tables


def _segment_rows(records: list[dict], units: Units) -> list[dict]:
    rows = []
    for r in records:
        source = r.get("contact_time_source")
        rows.append(dict(
            kind=str(r.get("kind", "")), label="" if is_missing(r.get("label")) else str(r.get("label")),
            distance=units.format_distance(r.get("distance_m")), duration=format_duration(r.get("duration_s")),
            pace=units.format_pace(r.get("pace_s_per_km")), gap=units.format_pace(r.get("gap_s_per_km")),
            grade=format_number(r.get("grade_pct"), "{:.1f}", "%"), cadence=format_number(r.get("cadence_spm")),
            hr=format_number(r.get("heart_rate_bpm")), contact=format_number(r.get("contact_time_ms")),
            flight=format_number(r.get("flight_time_ms")),
            source=SOURCE_WORDS.get(source, "") if isinstance(source, str) else "",
        ))
    return rows


def _methods(analysis: Analysis) -> tuple[list[dict], list[str]]:
    """Methods of what ran on ``analysis`` and one numbered reference list
    (:func:`runload.references.methods_for_analysis`).

    Returns ``(items, references)``: each item has ``title``, ``text``, ``evidence`` and ``refs`` (the
    1-based numbers of its citations in ``references``); every citation appears once in ``references``, in
    order of first use (as :func:`runload.references.methods_text` numbers them).
    """
    numbers: dict[str, int] = {}
    items = []
    for item in methods_for_analysis(analysis):
        refs = [numbers.setdefault(str(c), len(numbers) + 1) for c in item.get("references") or []]
        items.append(dict(title=str(item.get("title") or ""), text=str(item.get("text") or ""),
                          evidence=str(item.get("evidence") or ""), refs=refs))
    return items, list(numbers)


def _when(meta) -> tuple[str | None, str | None]:
    """The start as the runner's clock showed it: ``("Saturday 2024-05-04 08:30 (UTC+02:00, Europe/…)",
    "04 May 2024")``, in UTC when the reader found no local time; ``(None, None)`` without a start."""
    start = local_time(meta.start, meta.utc_offset_s, meta.timezone) if meta.start is not None else None
    if start is None:
        return None, None
    text = format_local_time(meta.start, meta.utc_offset_s, meta.timezone)
    if meta.timezone and text.endswith(")") and str(start.tzinfo) == str(meta.timezone):
        text = f"{text[:-1]}, {meta.timezone})"
    return f"{start:%A} {text}", f"{start:%d %B %Y}"


def _header(analysis: Analysis, run_links: list[tuple[str, str]] | None = None) -> dict:
    meta = analysis.run.meta
    when, day = _when(meta)
    n_runs = len(run_links or [])
    current = int(meta.session_index or 0)
    return dict(
        title=meta.name or (f"Run on {day}" if day else "Run"),
        name=meta.name, when=when, device=str(meta.device),
        source=Path(meta.source).name if meta.source else "", format=(meta.format or "").upper(),
        sport=" / ".join(x for x in (meta.sport, meta.sub_sport) if x),
        runs=[dict(label=label, href=href, current=k == current) for k, (label, href) in enumerate(run_links or [])],
        run_number=current + 1, n_runs=n_runs,
    )


def _data_notes(analysis: Analysis) -> dict:
    """The data notes: the reader's warnings, then the data-quality hints (``Q…``: no cadence, slope
    unknown, contact time estimated) as one line each, the developer fields, model versions and profile."""
    meta = analysis.run.meta
    quality = [f"{h.title} — {h.message}" for h in analysis.hints or [] if str(h.id).startswith("Q")]
    return dict(
        warnings=list(meta.warnings or []),
        quality=quality,
        developer_fields=[f"{f.name}" + (f" [{f.units}]" if f.units else "")
                          + (f" ({f.application})" if f.application else "") for f in meta.developer_fields],
        model_versions=dict(analysis.model_versions or {}),
        profile=dict(height=f"{analysis.profile.height_m:.2f} m", mass=f"{analysis.profile.mass_kg:.0f} kg",
                     calibrated=analysis.profile.calibration is not None),
    )


def render_report(analysis: Analysis, *, units: Units | str = "metric", plotlyjs: str = "inline",
                  out_dir: Path | None = None, run_links: list[tuple[str, str]] | None = None) -> str:
    """The full HTML page of one analysed run.

    Parameters
    ----------
    analysis : Analysis
    units : {"metric", "imperial"}
    plotlyjs : str  ``"inline"``, ``"cdn"`` or a path (see :func:`plotlyjs_tag`)
    out_dir : Path  folder the page will be written to (for a relative plotly.js path)
    run_links : list of (label, href), optional  the reports of every run of the same file, in file order
    """
    units = get_units(units)
    frame = _render_frame(analysis, units, plotlyjs_tag(plotlyjs, out_dir), run_links)
    return _complete(frame, analysis)


def report_chunks(analysis: Analysis, *, units: Units | str = "metric", plotlyjs: str = "inline",
                  out_dir: Path | None = None, run_links: list[tuple[str, str]] | None = None) -> list[bytes]:
    """:func:`render_report`'s page as UTF-8 byte chunks to write one after the other (what
    :func:`runload.report.write_report` writes), with the newlines of a file written in text mode.

    With ``plotlyjs="inline"`` the ~4.8 MB of plotly.js is one chunk encoded once per process, so a page
    costs the text of the report alone instead of building, checking and encoding 5 MB of text each time.
    The bytes are those of ``render_report(...)`` encoded (tests/report/test_html.py checks it).
    """
    return report_frame(analysis, units=units, plotlyjs=plotlyjs, out_dir=out_dir, run_links=run_links).chunks()


@dataclass(frozen=True)
class ReportFrame:
    """A run's report page, rendered but for the two parts that depend on the hints it shows.

    In a training log a report shows the hints over the whole log and lists the history rules evaluated
    for the run in its methods, both known only once every run is analysed and stored
    (:mod:`runload.batch.engine`); everything else on the page — figures, tables, notes — is known as soon as
    the run is analysed.  A batch therefore renders each page's frame right after the analysis, keeps
    the frame (:meth:`lightened`: the page text, about 0.1 MB for a one-hour run, and the analysis without
    its per-second frames, which those two parts do not read) instead of the analysis (about 1.5 MB), and
    completes the page once the log's hints are known (:meth:`chunks`).  Issue 10: the batch cached
    every analysis between its passes and rendered each page whole in a pass of its own.

    Every page is written this way (:func:`report_chunks`, :func:`render_report`), so a page completed
    later is the page :func:`render_report` gives for the analysis with those hints and rules
    (``tests/report/test_html.py`` checks it on runs of every kind).

    Attributes
    ----------
    page : bytes
        The page encoded in UTF-8, with a mark where the hints section and the methods list go (and where
        the inline plotly.js goes, ``inline``).  Bytes, encoded once: the page is completed and written as
        bytes (the marks are ASCII, and UTF-8 never holds an ASCII byte inside another character), so a
        batch's frame is not decoded from its pickle and encoded again (docs/decisions.md).
    analysis : Analysis
        What the two parts are rendered from.
    inline : bool
        The page embeds plotly.js (``plotlyjs="inline"``).
    """

    page: bytes
    analysis: Analysis
    inline: bool = False

    def lightened(self) -> ReportFrame:
        """The same frame keeping only what :meth:`chunks` reads of the analysis: its per-second frames
        (``samples``, ``load_samples``, ``run.samples``) and ``segments`` are left empty."""
        a = self.analysis
        run = replace(a.run, samples=a.run.samples.iloc[:0])
        light = replace(a, run=run, samples=a.samples.iloc[:0],
                        segments=None if a.segments is None else a.segments.iloc[:0],
                        load_samples=None if a.load_samples is None else a.load_samples.iloc[:0])
        return replace(self, analysis=light)

    def chunks(self, hints: list | None = None, history_rules: tuple[str, ...] | None = None) -> list[bytes]:
        """The whole page showing ``hints`` and listing ``history_rules`` in its methods (``None``: the
        analysis's own), as UTF-8 byte chunks to write one after the other, with the newlines of a file
        written in text mode (the inline plotly.js is one chunk, encoded once per process)."""
        analysis = self.analysis
        if hints is not None:
            analysis = replace(analysis, hints=list(hints))
        if history_rules is not None:
            analysis = replace(analysis, history_rules=tuple(history_rules))
        page = _complete(self.page, analysis)
        if not self.inline:
            return [_disk_newlines(page)]
        head, _, tail = page.partition(_PLOTLYJS_MARK.encode("ascii"))
        return [_disk_newlines(head), _inline_plotlyjs_bytes(), _disk_newlines(tail)]


def report_frame(analysis: Analysis, *, units: Units | str = "metric", plotlyjs: str = "inline",
                 out_dir: Path | None = None, run_links: list[tuple[str, str]] | None = None) -> ReportFrame:
    """The :class:`ReportFrame` of ``analysis``'s page (arguments as :func:`render_report`; a shared
    plotly.js path is written now, when missing)."""
    units = get_units(units)
    inline = plotlyjs == "inline"
    tag = Markup(_PLOTLYJS_MARK) if inline else plotlyjs_tag(plotlyjs, out_dir)
    text = _render_frame(analysis, units, tag, run_links)
    if inline and text.count(_PLOTLYJS_MARK) != 1:
        raise RuntimeError("the page holds the plotly.js mark other than once")  # never: see the marks
    return ReportFrame(text.encode("utf-8"), analysis, inline)


# Stand for the inline plotly.js, the hints section and the methods list while a page is rendered (tags:
# a file string's "<" is always escaped, so no file can put them on a page).
_PLOTLYJS_MARK = "<runload-inline-plotlyjs/>"
_HINTS_MARK = "<runload-hints-section/>"
_METHODS_MARK = "<runload-methods-list/>"


def _disk_newlines(data: bytes) -> bytes:
    """``data`` with the newlines a text-mode write gives on this platform (``\n`` on POSIX)."""
    return data if os.linesep == "\n" else data.replace(b"\n", os.linesep.encode("ascii"))


@lru_cache(maxsize=1)
def _inline_plotlyjs_bytes() -> bytes:
    """The inline plotly.js ``<script>`` as it is written to disk (encoded once per process)."""
    return _disk_newlines(str(_inline_plotlyjs()).encode("utf-8"))


def _render_frame(analysis: Analysis, units: Units, plotlyjs: Markup,
                  run_links: list[tuple[str, str]] | None) -> str:
    """The report page with ``plotlyjs`` as the tag that loads plotly.js, and marks for the hints section
    and the methods list (:func:`_complete`)."""
    figures = {
        "bodymap": bodymap_figure(analysis, units),
        "load": load_figure(analysis),
        "timeseries": timeseries_figure(analysis, units),
        "route": route_figure(analysis, units),
    }
    figures = {k: v for k, v in figures.items() if v is not None}
    payload = "{" + ",".join(f"{json.dumps(k)}:{figure_json(fig)}" for k, fig in figures.items()) + "}"
    template = _ENV.get_template("report.html.j2")
    return printable(template.render(
        header=_header(analysis, run_links),
        summary=_summary_items(analysis, units),
        watch_diffs=_watch_differences(analysis, units),
        hints_section=Markup(_HINTS_MARK),
        load_rows=_load_rows(analysis),
        has_load=analysis.load is not None,
        segment_tables=_segment_tables(analysis, units),
        methods_section=Markup(_METHODS_MARK),
        notes=_data_notes(analysis),
        norms=norms_notes(analysis, units),
        zones=_zone_tables(analysis, units),
        dynamics=_dynamics_notes(analysis),
        figures=list(figures),
        figures_json=Markup(payload),
        plot_config=Markup(safe_json(PLOT_CONFIG)),
        plotlyjs=plotlyjs,
        units=units,
    ))


def _complete(frame, analysis: Analysis):
    """``frame`` (:func:`_render_frame`; ``str``, or ``bytes`` in UTF-8) with the hints section and the
    methods list of ``analysis`` (the same type as ``frame``)."""
    methods, references = _methods(analysis)
    hints = printable(_ENV.get_template("_hints.html.j2").render(hints=_hint_rows(analysis), footer=analysis.footer))
    listed = printable(_ENV.get_template("_methods.html.j2").render(methods=methods, references=references))
    out = []
    for mark, part in ((_HINTS_MARK, hints), (_METHODS_MARK, listed)):
        if isinstance(frame, bytes):
            mark, part = mark.encode("ascii"), part.encode("utf-8")
        head, found, frame = frame.partition(mark)
        if not found or mark in frame:
            raise RuntimeError(f"the page holds {mark} other than once")  # never: see the marks
        out += [head, part]
    return frame[:0].join(out) + frame


def render_index(entries: list[dict], failures: list[dict], *, title: str = "runload reports") -> str:
    """An index page linking several reports.

    ``entries``: dicts with ``href``, ``title``, ``when``, ``distance``, ``source``; ``failures``: dicts
    with ``source`` and ``reason``.  All strings are escaped by the template.
    """
    return printable(_ENV.get_template("index.html.j2").render(entries=entries, failures=failures, title=title))
