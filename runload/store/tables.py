"""The tables of the training-log store: their columns, SQL types and the schema version.

Column names carry their unit like the rest of runload.  The column sets are fixed (a run without a
heart-rate strap still has a ``heart_rate_bpm`` column, all NULL) so queries and exports keep working
across runs and files; they are built from the constants of the modules that produce the values
(:data:`runload.schema.COLUMNS`, :data:`runload.gait.GAIT_COLUMNS`, :data:`runload.segments.SEGMENT_COLUMNS`,
:data:`runload.analysis.MUSCLE_GROUPS`, :class:`runload.run.WatchTotals`).  Names that are SQL keywords in
the analysis frames are renamed here: a segment's ``start``/``end`` are ``start_utc``/``end_utc``, a
load row's ``group`` is ``muscle_group``, a hint's ``id``/``values`` are ``hint_id``/``values_json``.
"""

from __future__ import annotations

from dataclasses import fields

from ..analysis import MUSCLE_GROUPS
from ..gait import GAIT_COLUMNS
from ..run import WatchTotals
from ..schema import COLUMNS
from ..segments import SEGMENT_COLUMNS

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "SAMPLE_COLUMNS",
    "RUN_SUMMARY_COLUMNS",
    "SEGMENT_STORE_COLUMNS",
    "LOAD_COLUMNS",
    "create_statements",
    "sql_string",
]

# Bumped whenever a table or column changes; a store written with another version is refused (the
# message says to use a new OUTDIR) rather than silently mixed.
SCHEMA_VERSION = 3  # 2: the history_hints table; 3: personal norms, log_hints, all hint candidates, gear

_SQL_TYPE = {"float64": "DOUBLE", "object": "VARCHAR", "int64": "INTEGER", "bool": "BOOLEAN"}

# Columns the analysis adds to the canonical ones (runload.clean, runload.gait, runload.load); the
# analysed frame's grade_pct (cleaned) is stored under the canonical name.
_ANALYSED = {
    "dt_s": "DOUBLE",
    "acceleration_mps2": "DOUBLE",
    "accelerating": "BOOLEAN",
    "state": "VARCHAR",
    **{c: "DOUBLE" for c in GAIT_COLUMNS},
    "contact_time_source": "VARCHAR",
    "contact_time_low_confidence": "BOOLEAN",
    **{f"load_{g}_au": "DOUBLE" for g in MUSCLE_GROUPS},
    "strides_au": "DOUBLE",
}

SAMPLE_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR NOT NULL",
    "time": "TIMESTAMPTZ NOT NULL",
    **{c.name: _SQL_TYPE[c.dtype] for c in COLUMNS.values()},
    **_ANALYSED,
}

# Run-level figures of Analysis.summary stored as columns (the whole summary is also kept as JSON in
# runs.summary_json, so a figure added later is never lost).
RUN_SUMMARY_COLUMNS: dict[str, str] = {
    **{k: "DOUBLE" for k in (
        "distance_m", "elapsed_s", "timer_s", "moving_s", "running_s", "walking_s", "standing_s",
        "avg_speed_mps", "pace_s_per_km", "moving_pace_s_per_km", "gap_s_per_km", "avg_cadence_spm",
        "avg_heart_rate_bpm", "max_heart_rate_bpm", "ascent_m", "descent_m", "grade_known_share",
        "contact_time_ms", "flight_time_ms", "swing_time_ms", "step_time_ms", "duty_factor",
        "device_contact_share", "model_contact_share", "walking_share", "none_share",
        "low_confidence_share", "height_m")},
    **{k: "VARCHAR" for k in (
        "contact_time_source", "altitude_source", "gait_source", "profile_source", "units")},
}

_WATCH_COLUMNS = {f"watch_{f.name}": "DOUBLE" for f in fields(WatchTotals)}

_RUNS: dict[str, str] = {
    "run_id": "VARCHAR PRIMARY KEY",
    "source": "VARCHAR NOT NULL",
    "content_hash": "VARCHAR NOT NULL",
    "session_index": "INTEGER NOT NULL",
    "n_sessions": "INTEGER NOT NULL",
    "format": "VARCHAR",
    "compression": "VARCHAR",
    "sport": "VARCHAR",
    "sub_sport": "VARCHAR",
    "name": "VARCHAR",
    "gear": "VARCHAR",  # the export's gear (Strava activities.csv), e.g. a pair of shoes
    "device": "VARCHAR",
    "device_manufacturer": "VARCHAR",
    "device_product": "VARCHAR",
    "device_serial": "VARCHAR",
    "device_software": "VARCHAR",
    "start_utc": "TIMESTAMPTZ",
    "start_local": "TIMESTAMP",  # wall-clock time where the run was (naive); start_utc where unknown
    "utc_offset_s": "DOUBLE",
    "timezone": "VARCHAR",
    **RUN_SUMMARY_COLUMNS,
    **_WATCH_COLUMNS,
    "summary_json": "VARCHAR",
    "reader_warnings": "VARCHAR[]",
    "store_warnings": "VARCHAR[]",
    "model_versions": "VARCHAR NOT NULL",  # canonical JSON of Analysis.model_versions
    "gait_model": "VARCHAR",
    "load_model": "VARCHAR",
    "profile_hash": "VARCHAR NOT NULL",
    "profile_json": "VARCHAR",
    "norms_key": "VARCHAR",  # PersonalNorms.key the run was analysed with; NULL: none (defaults/profile)
    "report_key": "VARCHAR",  # what the written report shows (report_key()); NULL: no report written
    "mass_kg": "DOUBLE",
    "n_samples": "INTEGER NOT NULL",
    "n_segments": "INTEGER NOT NULL",
    "n_load_groups": "INTEGER NOT NULL",
    "n_hints": "INTEGER NOT NULL",
    "runload_version": "VARCHAR NOT NULL",
    "analysed_at": "TIMESTAMPTZ NOT NULL",
}

_SEGMENT_TYPES = {"kind": "VARCHAR", "label": "VARCHAR", "contact_time_source": "VARCHAR",
                  "start": "TIMESTAMPTZ", "end": "TIMESTAMPTZ"}
SEGMENT_RENAME = {"start": "start_utc", "end": "end_utc"}
SEGMENT_STORE_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR NOT NULL",
    "seq": "INTEGER NOT NULL",
    **{SEGMENT_RENAME.get(c, c): _SEGMENT_TYPES.get(c, "DOUBLE") for c in SEGMENT_COLUMNS},
    **{f"rel_load_{g}": "DOUBLE" for g in MUSCLE_GROUPS},
}

# Columns of Analysis.load (runload.load.LoadResult.per_group), one row per muscle group.
LOAD_COLUMNS: dict[str, str] = {
    "rel_load": "DOUBLE",
    "intensity_per_km": "DOUBLE",
    **{f"phase_{p}": "DOUBLE" for p in ("absorption", "midstance", "propulsion", "early_swing", "late_swing")},
    **{f"driver_{d}": "DOUBLE" for d in ("speed", "cadence", "uphill", "downhill", "volume")},
    "top_driver": "VARCHAR",
    "stride_driver": "VARCHAR",
    "cadence_ratio": "DOUBLE",
    "approximate": "BOOLEAN",
}

HINT_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR NOT NULL", "seq": "INTEGER NOT NULL", "hint_id": "VARCHAR", "title": "VARCHAR",
    "severity": "VARCHAR", "evidence": "VARCHAR", "evidence_label": "VARCHAR", "groups": "VARCHAR[]",
    "values_json": "VARCHAR", "message": "VARCHAR", "tips": "VARCHAR[]",
}

TABLES: dict[str, dict[str, str]] = {
    "meta": {"key": "VARCHAR PRIMARY KEY", "value": "VARCHAR"},
    "runs": _RUNS,
    "samples": SAMPLE_COLUMNS,
    "segments": SEGMENT_STORE_COLUMNS,
    "muscle_load": {"run_id": "VARCHAR NOT NULL", "muscle_group": "VARCHAR NOT NULL", **LOAD_COLUMNS},
    # Every hint the single-run rules raised: the training candidates (before the rate limits; `shown`:
    # selected when the run is analysed alone) and the data-quality hints (kind 'quality').
    "hints": {**HINT_COLUMNS, "kind": "VARCHAR", "shown": "BOOLEAN"},
    # Every hint of the history rules (H1 …, runload.history), recomputed over the whole log.
    "history_hints": HINT_COLUMNS,
    # The training hints each run's report shows: single-run and history hints merged under the rate limits
    # over the log (origin 'run' | 'log'), recomputed over the whole log.
    "log_hints": {**HINT_COLUMNS, "origin": "VARCHAR"},
    # Personal norms learnt from the log, one row per local calendar month (runload.norms).
    "norms": {"month": "DATE PRIMARY KEY", "key": "VARCHAR NOT NULL", "norms_json": "VARCHAR NOT NULL",
              "fitted_at": "TIMESTAMPTZ NOT NULL"},
    "skipped": {
        "source": "VARCHAR PRIMARY KEY", "content_hash": "VARCHAR NOT NULL", "reason": "VARCHAR",
        "sport": "VARCHAR", "runload_version": "VARCHAR NOT NULL", "recorded_at": "TIMESTAMPTZ NOT NULL",
    },
    "failures": {
        "source": "VARCHAR PRIMARY KEY", "content_hash": "VARCHAR NOT NULL", "stage": "VARCHAR",
        "error_type": "VARCHAR", "error": "VARCHAR", "model_versions": "VARCHAR",
        "profile_hash": "VARCHAR", "runload_version": "VARCHAR NOT NULL",
        "recorded_at": "TIMESTAMPTZ NOT NULL",
    },
}

# Tables whose rows belong to one run (deleted and written with it).
RUN_CHILD_TABLES = ("samples", "segments", "muscle_load", "hints", "history_hints", "log_hints")


def quote(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal (single quotes doubled).

    >>> sql_string("it's")
    "'it''s'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def create_statements() -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` for every table of :data:`TABLES`."""
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ("
        + ", ".join(f"{quote(c)} {t}" for c, t in cols.items()) + ")"
        for table, cols in TABLES.items()
    ]
