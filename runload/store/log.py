"""Reading a training-log store: :func:`open_log` (pandas frames), :func:`export_parquet`, :func:`check_store`.

Each query opens its own read-only DuckDB connection and closes it, so a :class:`TrainingLog` kept in a
notebook never blocks the next ``runload batch``.  DuckDB lets many read-only processes OR one writer
open the file: while a batch is writing, reads raise :class:`StoreLockedError`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..analysis import MUSCLE_GROUPS
from .tables import TABLES, sql_string
from .writer import StoreError, connect

__all__ = ["TrainingLog", "open_log", "export_parquet", "check_store"]


class TrainingLog:
    """A training-log store as pandas frames (returned by :func:`open_log`).

    Times are tz-aware UTC (``start_utc``, ``time``); ``start_local`` is the wall-clock time where the
    run was (naive).  Every property reads the store afresh.

    Examples
    --------
    >>> log = runload.open_log("out/")                                      # doctest: +SKIP
    >>> log.runs[["start_local", "distance_m", "sport"]]                    # doctest: +SKIP
    >>> log.sql("SELECT muscle_group, sum(rel_load) FROM muscle_load GROUP BY 1")  # doctest: +SKIP
    """

    def __init__(self, outdir: str | os.PathLike):
        self.outdir = Path(outdir)
        self.sql("SELECT 1")  # fail now, with a clear message, if there is no store

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """The result of a SQL ``query`` (DuckDB dialect, read-only) as a DataFrame.

        Tables: ``runs``, ``samples``, ``segments``, ``muscle_load``, ``hints``, ``history_hints``,
        ``log_hints``, ``norms``, ``skipped``, ``failures``, ``meta`` (:mod:`runload.store.tables`).
        """
        import duckdb

        con = connect(self.outdir, read_only=True)
        try:
            return con.execute(query, params or []).df()
        except duckdb.Error as e:
            raise StoreError(self.outdir, f"query failed: {e}") from e
        finally:
            con.close()

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run, sorted by start time; index ``run_id``."""
        return self.sql("SELECT * FROM runs ORDER BY start_utc, source, session_index").set_index("run_id")

    @property
    def load(self) -> pd.DataFrame:
        """Per-group load of every run (``muscle_load``) with the run's ``start_utc``, ``start_local`` and
        ``source``, sorted by start time and then in the order of :data:`runload.analysis.MUSCLE_GROUPS`."""
        return self.sql(
            "SELECT r.start_utc, r.start_local, r.source, m.* FROM muscle_load m JOIN runs r USING (run_id) "
            "ORDER BY r.start_utc, m.run_id, list_position(?, m.muscle_group), m.muscle_group",
            [list(MUSCLE_GROUPS)])

    @property
    def hints(self) -> pd.DataFrame:
        """Every run hint with its run's ``start_utc``, ``start_local`` and ``source``."""
        return self.sql(
            "SELECT r.start_utc, r.start_local, r.source, h.* FROM hints h JOIN runs r USING (run_id) "
            "ORDER BY r.start_utc, h.run_id, h.seq")

    @property
    def history_hints(self) -> pd.DataFrame:
        """Every history hint (H1 …, :mod:`runload.history`) with its run's ``start_utc``, ``start_local``
        and ``source``."""
        return self.sql(
            "SELECT r.start_utc, r.start_local, r.source, h.* FROM history_hints h JOIN runs r USING (run_id) "
            "ORDER BY r.start_utc, h.run_id, h.seq")

    @property
    def log_hints(self) -> pd.DataFrame:
        """The training hints each run's report shows (single-run and history hints merged under the rate
        limits over the log; ``origin`` run or log), with the run's ``start_utc``, ``start_local`` and
        ``source``."""
        return self.sql(
            "SELECT r.start_utc, r.start_local, r.source, h.* FROM log_hints h JOIN runs r USING (run_id) "
            "ORDER BY r.start_utc, h.run_id, h.seq")

    @property
    def norms(self) -> pd.DataFrame:
        """The personal norms learnt from the log, one row per local calendar month (:mod:`runload.norms`):
        ``month``, ``key`` and the norms as JSON (``norms_json``; :meth:`runload.norms.PersonalNorms.from_json`).
        The table writes the log's calibration in full in the last month's row only (the others say
        :data:`runload.norms.SAME_CALIBRATION`); here every month's JSON is whole."""
        from ..norms import norms_json

        frame = self.sql("SELECT * FROM norms ORDER BY month")
        frame["norms_json"] = norms_json(list(frame["norms_json"]))
        return frame

    @property
    def segments(self) -> pd.DataFrame:
        """Laps, splits and detected segments of every run."""
        return self.sql("SELECT * FROM segments ORDER BY run_id, seq")

    @property
    def skipped(self) -> pd.DataFrame:
        """Files that held no run (source, content hash, reason, sport)."""
        return self.sql("SELECT * FROM skipped ORDER BY source")

    @property
    def failures(self) -> pd.DataFrame:
        """Files that failed (source, content hash, stage, error)."""
        return self.sql("SELECT * FROM failures ORDER BY source")

    def samples(self, run_id: str) -> pd.DataFrame:
        """The analysed per-sample data of one run, index ``time`` (UTC), in time order.

        Raises
        ------
        StoreError
            No run ``run_id`` in the store.
        """
        frame = self.sql("SELECT * FROM samples WHERE run_id = ? ORDER BY time", [run_id])
        if frame.empty and self.sql("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).empty:
            raise StoreError(self.outdir, f"no run {run_id!r} in the store")
        return frame.drop(columns="run_id").set_index("time")

    def __repr__(self) -> str:
        return f"<TrainingLog {self.outdir}>"


def open_log(outdir: str | os.PathLike) -> TrainingLog:
    """Open the training log that ``runload batch`` wrote to ``OUTDIR`` for reading.

    Parameters
    ----------
    outdir : str or os.PathLike
        The batch's output folder (holding ``runload.duckdb``).

    Returns
    -------
    TrainingLog
        Read-only access to the store as pandas frames (``runs``, ``load``, ``hints``, ``sql(...)``, …).

    Raises
    ------
    StoreError
        There is no store in ``OUTDIR``.
    StoreLockedError
        A batch is writing it right now.
    """
    return TrainingLog(outdir)


def export_parquet(outdir: str | os.PathLike, dest: str | os.PathLike) -> dict[str, Path]:
    """Write every table of the store in ``OUTDIR`` as ``DEST/<table>.parquet`` (DuckDB's own writer).

    ``samples`` is written sorted by run and time; the others as stored.  Existing files are replaced.

    Parameters
    ----------
    outdir : str or os.PathLike
        The batch's output folder (holding ``runload.duckdb``).
    dest : str or os.PathLike
        The folder to write the Parquet files into (created).

    Returns
    -------
    dict
        Table name → Parquet file.

    Raises
    ------
    StoreError
        No store, or ``DEST`` cannot be written.
    """
    import duckdb

    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(dest, f"cannot create the export folder: {e.strerror or e}") from e
    con = connect(outdir, read_only=True)
    written = {}
    try:
        for table in TABLES:
            path = dest / f"{table}.parquet"
            order = " ORDER BY run_id, time" if table == "samples" else ""
            con.execute(f"COPY (SELECT * FROM {table}{order}) TO {sql_string(str(path))} (FORMAT PARQUET)")
            written[table] = path
    except duckdb.Error as e:
        raise StoreError(dest, f"Parquet export failed: {e}") from e
    finally:
        con.close()
    return written


def check_store(outdir: str | os.PathLike) -> list[str]:
    """Consistency problems of the store (an empty list when it is consistent).

    Checked: every run has all its rows (``n_samples``, ``n_segments``, ``n_load_groups``, ``n_hints``),
    no row belongs to a missing run, every file with runs has all its running sessions, and every source
    is in exactly one of ``runs``, ``skipped``, ``failures`` with one content hash.
    """
    problems: list[str] = []
    con = connect(outdir, read_only=True)
    try:
        def rows(sql):
            return con.execute(sql).fetchall()

        for table, count in (("samples", "n_samples"), ("segments", "n_segments"),
                             ("muscle_load", "n_load_groups"), ("hints", "n_hints")):
            for rid, want, got in rows(
                    f"SELECT r.run_id, r.{count}, count(t.run_id) FROM runs r LEFT JOIN {table} t USING (run_id) "
                    f"GROUP BY r.run_id, r.{count} HAVING r.{count} <> count(t.run_id)"):
                problems.append(f"run {rid}: {got} {table} rows, expected {want}")
            for rid, n in rows(f"SELECT run_id, count(*) FROM {table} WHERE run_id NOT IN "
                               f"(SELECT run_id FROM runs) GROUP BY run_id"):
                problems.append(f"{n} {table} rows of missing run {rid}")
        for table in ("history_hints", "log_hints"):
            for rid, n in rows(f"SELECT run_id, count(*) FROM {table} WHERE run_id NOT IN "
                               "(SELECT run_id FROM runs) GROUP BY run_id"):
                problems.append(f"{n} {table} rows of missing run {rid}")
        for source, n, want, hashes in rows(
                "SELECT source, count(*), max(n_sessions), count(DISTINCT content_hash) FROM runs "
                "GROUP BY source HAVING count(*) <> max(n_sessions) OR count(DISTINCT content_hash) > 1"):
            problems.append(f"{source}: {n} runs of {want} sessions, {hashes} content hash(es)")
        for source, n in rows(
                "SELECT source, count(*) FROM (SELECT DISTINCT source, 'run' FROM runs UNION ALL "
                "SELECT source, 'skipped' FROM skipped UNION ALL SELECT source, 'failure' FROM failures) "
                "GROUP BY source HAVING count(*) > 1"):
            problems.append(f"{source}: in {n} of runs / skipped / failures")
    finally:
        con.close()
    return problems

