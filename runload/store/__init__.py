"""The training-log store: what ``runload batch`` writes to ``OUTDIR/runload.duckdb`` and how to read it.

An embedded DuckDB database (one file, transactional, SQL, columnar).  Tables (columns in
:mod:`runload.store.tables`, units in the column names):

``runs``
    One row per running session: ``run_id``, ``source`` (``archive.zip!member`` inside archives),
    ``content_hash`` (sha256 of the file's bytes), ``session_index``, format, device, sport, ``start_utc``,
    ``start_local`` with ``utc_offset_s`` and ``timezone``, the summary figures, the watch's own totals
    (``watch_*``), ``model_versions``, ``profile_hash``, ``analysed_at``.
``samples``
    The analysed per-sample frame of every run (``run_id``, ``time`` and a fixed set of columns:
    the canonical ones of :mod:`runload.schema`, the cleaned, gait and per-sample load columns).
``segments``, ``muscle_load``, ``hints``
    Laps/splits/detected segments, per-muscle-group load and every hint the single-run rules raised
    (``kind`` training or quality; ``shown`` when selected for the run alone), keyed by ``run_id``.
``history_hints``, ``log_hints``
    Every hint of the history rules (:mod:`runload.history`), and the hints each run's report shows
    (single-run and history hints merged under the rate limits over the log; ``origin`` run or log),
    rebuilt over the whole log after each batch that changed it.
``norms``
    The personal norms learnt from the log, one row per local calendar month (:mod:`runload.norms`).
``skipped``, ``failures``
    Files that hold no run (with the reason and the sport) and files that failed (stage and error).
``meta``
    ``schema_version`` of the store.

Every discovered file is in exactly one of ``runs`` / ``skipped`` / ``failures``; each file is written in
one transaction (:class:`Store`).  Reading::

    log = runload.open_log("out/")
    log.runs                       # pandas, one row per run
    log.samples(log.runs.index[0])
    log.sql("SELECT date_trunc('week', start_local) AS week, sum(distance_m) / 1000 AS km "
            "FROM runs GROUP BY 1 ORDER BY 1")

or with DuckDB directly (``duckdb.connect("out/runload.duckdb", read_only=True)``, or the DuckDB CLI
with ``-readonly``), and as Parquet files with :func:`export_parquet`.  DuckDB allows one writer or many
readers: while a batch is writing, readers get :class:`StoreLockedError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from .log import TrainingLog, check_store, export_parquet, open_log
    from .rows import content_hash, hints_from_rows, profile_hash, report_key, run_id, versions_key
    from .tables import SCHEMA_VERSION
    from .writer import STORE_FILE, Entry, Store, StoreError, StoreLockedError, open_store, store_path

__all__ = [
    "SCHEMA_VERSION",
    "STORE_FILE",
    "Entry",
    "Store",
    "StoreError",
    "StoreLockedError",
    "TrainingLog",
    "check_store",
    "content_hash",
    "export_parquet",
    "hints_from_rows",
    "open_log",
    "open_store",
    "profile_hash",
    "report_key",
    "run_id",
    "store_path",
    "versions_key",
]

# Each name is imported from its submodule on first use (PEP 562): a batch worker builds rows
# (:mod:`.rows`, pandas only) and must not pay for importing duckdb, which only the writer and the
# reader need (0.3–0.6 s per process on the project's machine).
_LAZY = {
    **dict.fromkeys(("TrainingLog", "check_store", "export_parquet", "open_log"), "log"),
    **dict.fromkeys(("content_hash", "hints_from_rows", "profile_hash", "report_key", "run_id", "versions_key"),
                    "rows"),
    "SCHEMA_VERSION": "tables",
    **dict.fromkeys(("STORE_FILE", "Entry", "Store", "StoreError", "StoreLockedError", "open_store",
                     "store_path"), "writer"),
}


__getattr__, __dir__ = lazy_attributes(globals(), {name: f"{__name__}.{m}" for name, m in _LAZY.items()},
                                       dir_lists="globals")
