"""One :class:`~runload.analysis.Analysis` as the rows of the store's tables (no database here).

Column sets are fixed (:mod:`runload.store.tables`); a column an analysis has that the store does not
know is not silently dropped: it is named in the run's ``store_warnings`` and a
:class:`~runload.errors.RunloadWarning` is issued.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import asdict, fields, replace
from datetime import datetime, timezone

import pandas as pd

from .. import __version__
from ..analysis import Analysis
from ..errors import RunloadWarning
from ..profile import AthleteProfile
from ..run import WatchTotals
from .tables import LOAD_COLUMNS, RUN_SUMMARY_COLUMNS, SAMPLE_COLUMNS, SEGMENT_RENAME, SEGMENT_STORE_COLUMNS

__all__ = ["content_hash", "profile_hash", "versions_key", "run_id", "RunRows", "analysis_rows", "hint_row",
           "norm_input_rows"]


def content_hash(data: bytes) -> str:
    """The store's key of a file: sha256 of its bytes, as 64 lowercase hex digits.

    For a member of an archive, hash the member's bytes (not the archive's), so a run keeps its key when
    it is re-exported in another archive.
    """
    return hashlib.sha256(data).hexdigest()


def profile_hash(profile: AthleteProfile | None) -> str:
    """A short fingerprint of the athlete profile a batch runs with (16 hex digits).

    ``None`` stands for "no profile given" (each run then uses its watch's user profile or the defaults,
    :func:`runload.profile.profile_for_run`) and has its own fingerprint.  Any change of a field —
    height, mass, a new calibration — changes it, so :meth:`Store.needs_processing` re-analyses.
    """
    data = None if profile is None else asdict(profile)
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def versions_key(model_versions: dict) -> str:
    """Canonical JSON of ``model_versions`` (sorted keys), as compared by ``needs_processing``."""
    return json.dumps({str(k): str(v) for k, v in model_versions.items()}, sort_keys=True, separators=(",", ":"))


def run_id(source: str, content: str, session_index: int) -> str:
    """A run's stable id: 16 hex digits from its source, the file's content hash and the session index.

    Stable across re-runs of an unchanged file, different for two copies of a file at two sources.
    """
    key = f"{source}\0{content}\0{int(session_index)}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class RunRows:
    """The rows of one run: ``run`` (dict for ``runs``) and frames for the child tables."""

    def __init__(self, run: dict, samples: pd.DataFrame, segments: pd.DataFrame, load: pd.DataFrame,
                 hints: list[tuple]):
        self.run, self.samples, self.segments, self.load, self.hints = run, samples, segments, load, hints


def _num(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _text(x) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return str(x)


def _known(frame: pd.DataFrame, known, what: str, lost: list[str]) -> pd.DataFrame:
    """``frame`` restricted to the ``known`` columns; the others are named in ``lost``."""
    extra = [c for c in frame.columns if c not in known]
    if extra:
        lost.append(f"{what}: column(s) not stored: {', '.join(map(str, extra))}")
    return frame[[c for c in frame.columns if c in known]]


def _utc(ts) -> datetime | None:
    if ts is None or ts is pd.NaT:
        return None
    ts = pd.Timestamp(ts)
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).to_pydatetime()


def _start_times(meta) -> tuple[datetime | None, datetime | None]:
    """The run's start in UTC and its local wall-clock start (naive), as ``runs.start_utc`` /
    ``start_local``."""
    from ..report.units import local_time

    start = _utc(meta.start)
    if start is None:
        return None, None
    return start, local_time(start, meta.utc_offset_s, meta.timezone).tz_localize(None).to_pydatetime()


def norm_input_rows(run, profile, samples: pd.DataFrame, source: str, content: str) -> tuple[dict, pd.DataFrame]:
    """What :func:`runload.norms.update_norms` reads of one run not stored yet, as if it were stored.

    Parameters
    ----------
    run : Run
    profile : AthleteProfile  the profile the samples were analysed with
    samples : pandas.DataFrame  :func:`runload.pipeline.gait_samples` of ``run`` (its timing is not read)
    source, content : str  as :func:`analysis_rows`

    Returns
    -------
    (dict, pandas.DataFrame)
        The ``runs`` columns :data:`runload.norms.NORM_RUN_COLUMNS` (with the values :func:`analysis_rows`
        would store), ``source`` and ``device_s`` (:func:`runload.norms.device_seconds`); and the run's
        :func:`runload.norms.norm_seconds`, computed from the columns the store would hold.
    """
    from ..norms import NORM_RUN_COLUMNS, NORM_SAMPLE_COLUMNS, device_seconds, norm_seconds

    meta = run.meta
    rid = run_id(source, content, meta.session_index)
    start, local = _start_times(meta)
    values = {"run_id": rid, "content_hash": content, "start_local": local, "start_utc": start,
              "device_manufacturer": meta.device.manufacturer, "device_product": meta.device.product,
              "height_m": _num(profile.height_m)}
    frame = samples.reindex(columns=[c for c in NORM_SAMPLE_COLUMNS if c not in ("run_id", "time")])
    row = {"source": source, **{c: values[c] for c in NORM_RUN_COLUMNS}, "device_s": device_seconds(frame)}
    return row, norm_seconds(frame)


def analysis_rows(analysis: Analysis, source: str, content: str, profile_key: str | None,
                  analysed_at: datetime | None = None, gear: str | None = None) -> RunRows:
    """The store rows of ``analysis`` (one running session of the file at ``source``).

    Parameters
    ----------
    analysis : Analysis
    source : str
        Where the file was found (``archive.zip!member`` inside archives).
    content : str
        :func:`content_hash` of the file's bytes.
    profile_key : str or None
        :func:`profile_hash` of the profile the batch runs with; ``None``: the hash of the analysis's
        own profile.
    analysed_at : datetime, optional
        UTC; now when omitted.
    gear : str, optional
        The export's gear for this file (Strava ``activities.csv``), e.g. a pair of shoes.
    """
    meta, summary = analysis.run.meta, analysis.summary
    rid = run_id(source, content, meta.session_index)
    lost: list[str] = []

    frame = analysis.samples
    if analysis.load_samples is not None:
        load_samples = analysis.load_samples
        frame = frame.join(load_samples[[c for c in load_samples.columns if c not in frame.columns]])
    samples = _known(frame, SAMPLE_COLUMNS, "samples", lost).copy()
    samples.insert(0, "time", samples.index)
    samples.insert(0, "run_id", rid)
    samples = samples.reset_index(drop=True)

    segments = analysis.segments.rename(columns=SEGMENT_RENAME)
    segments = _known(segments, SEGMENT_STORE_COLUMNS, "segments", lost).reset_index(drop=True).copy()
    segments.insert(0, "seq", range(len(segments)))
    segments.insert(0, "run_id", rid)

    if analysis.load is not None:
        load = _known(analysis.load, LOAD_COLUMNS, "muscle_load", lost).copy()
        load.insert(0, "muscle_group", [str(g) for g in load.index])
        load.insert(0, "run_id", rid)
        load = load.reset_index(drop=True)
    else:
        load = pd.DataFrame(columns=["run_id", "muscle_group"])

    hints = [hint_row(rid, i, h) + (kind, shown) for i, (h, kind, shown) in enumerate(stored_hints(analysis))]

    watch = summary.get("watch") or {}
    start, local = _start_times(meta)
    device = meta.device
    has_device = bool(device.manufacturer or device.product)
    model_versions = dict(analysis.model_versions)
    run = {
        "run_id": rid,
        "source": source,
        "content_hash": content,
        "session_index": int(meta.session_index),
        "n_sessions": int(meta.n_sessions),
        "format": meta.format,
        "compression": meta.compression,
        "sport": meta.sport,
        "sub_sport": meta.sub_sport,
        "name": meta.name,
        "gear": _text(gear),
        "device": str(device) if has_device else None,
        "device_manufacturer": device.manufacturer,
        "device_product": device.product,
        "device_serial": device.serial,
        "device_software": device.software,
        "start_utc": start,
        "start_local": local,
        "utc_offset_s": _num(meta.utc_offset_s),
        "timezone": meta.timezone,
        **{k: (_num(summary.get(k)) if t == "DOUBLE" else _text(summary.get(k)))
           for k, t in RUN_SUMMARY_COLUMNS.items()},
        **{f"watch_{f.name}": _num(watch.get(f.name)) for f in fields(WatchTotals)},
        "summary_json": _json(summary),
        "reader_warnings": [str(w) for w in meta.warnings],
        "store_warnings": lost,
        "model_versions": versions_key(model_versions),
        "gait_model": _text(model_versions.get("gait")),
        "load_model": _text(model_versions.get("load")),
        "profile_hash": profile_key if profile_key is not None else profile_hash(analysis.profile),
        "profile_json": _profile_json(analysis.profile),
        "norms_key": analysis.norms.key if analysis.norms is not None else None,
        "report_key": None,
        "mass_kg": _num(analysis.profile.mass_kg),
        "n_samples": len(samples),
        "n_segments": len(segments),
        "n_load_groups": len(load),
        "n_hints": len(hints),
        "runload_version": __version__,
        "analysed_at": analysed_at or datetime.now(timezone.utc),
    }
    for message in lost:
        warnings.warn(f"{source}: {message}", RunloadWarning, stacklevel=3)
    return RunRows(run, samples, segments, load, hints)


def stored_hints(analysis: Analysis) -> list[tuple]:
    """The rows of the ``hints`` table for ``analysis`` as ``(hint, kind, shown)``.

    Every training candidate (``Analysis.hint_candidates``; ``shown`` when it is among the run's own
    selection ``Analysis.hints``), then the data-quality hints (kind ``quality``, always shown).
    """
    out = [(h, "training", any(h is s for s in analysis.hints)) for h in analysis.hint_candidates]
    return out + [(h, "quality", True) for h in analysis.quality_hints]


def report_key(run_id_: str, model_versions: str, norms, hints, history_rules=()) -> str:
    """What a run's report shows, as a key: the run, its model versions and norms, its training hints.

    The batch writes a run's report again when this key differs from the one stored with the run
    (``runs.report_key``): after its norms or its hints over the log changed.

    Parameters
    ----------
    run_id_ : str
    model_versions : str  :func:`versions_key` of the analysis
    norms : runload.norms.PersonalNorms or None  the norms (their numbers and what the report says of them)
    hints : list of Hint  the training hints the report shows, in order
    history_rules : sequence of str  the history rules evaluated for the run (its methods list)
    """
    said = None if norms is None else [norms.key, *norms.describe()]
    text = _json([run_id_, model_versions, said, [list(hint_row("", 0, h)[2:]) + [h.origin] for h in hints],
                  sorted(history_rules)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def hints_from_rows(frame: pd.DataFrame) -> dict[str, list]:
    """Hints back from rows of the ``hints``, ``history_hints`` or ``log_hints`` table (in row order).

    Returns
    -------
    dict
        Run id → list of :class:`~runload.analysis.Hint` (``origin`` from the ``origin`` column where
        there is one, else ``"run"`` for ``hints`` and ``"log"`` for ``history_hints``).
    """
    from ..analysis import Hint

    out: dict[str, list] = {}
    default = "log" if "kind" not in frame.columns and "origin" not in frame.columns else "run"
    for r in frame.to_dict("records"):
        out.setdefault(str(r["run_id"]), []).append(Hint(
            id=r["hint_id"], title=r["title"], severity=r["severity"], evidence=r["evidence"],
            evidence_label=r["evidence_label"], groups=_strings(r["groups"]),
            values=json.loads(r["values_json"]) if isinstance(r["values_json"], str) else {},
            message=r["message"], tips=_strings(r["tips"]), origin=str(r.get("origin") or default)))
    return out


def _strings(value) -> list[str]:
    """A ``VARCHAR[]`` cell as a list of str (NULL: empty)."""
    return [] if value is None or isinstance(value, float) else [str(x) for x in value]


def hint_row(rid: str, seq: int, h) -> tuple:
    """One row of the ``hints`` (or ``history_hints``) table for hint ``h`` of run ``rid``."""
    return (rid, seq, h.id, h.title, h.severity, h.evidence, h.evidence_label, [str(g) for g in h.groups],
            _json(h.values), h.message, [str(t) for t in h.tips])


def _profile_json(profile) -> str:
    """The profile as the ``runs`` table keeps it: its calibration's list of runs as their number
    (``n_runs``).  A log's calibration lists the ids of every run it was fitted on; written with each run,
    it grew the store with the square of the log (the first 3,392 runs of a 20,000-run log held 341 MB of
    it, and the store's checkpoint failed under its memory limit).  The ids are in the ``norms`` table."""
    cal = getattr(profile, "calibration", None)
    if cal is not None:  # the ids left out before asdict, which would copy them one by one
        n_runs = len(cal.runs or ())
        profile = replace(profile, calibration=replace(cal, runs=[]))
    data = asdict(profile)
    if cal is not None:
        data["calibration"].pop("runs")
        data["calibration"]["n_runs"] = n_runs
    return _json(data)


def _json(value) -> str:
    from ..jsonable import dumps

    return dumps(value)
