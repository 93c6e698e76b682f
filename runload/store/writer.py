"""The store's one writer: :func:`open_store` and :class:`Store`.

Every file a batch discovers ends in exactly one of the tables ``runs`` (all its running sessions),
``skipped`` or ``failures``: :meth:`Store.put_result`, :meth:`Store.put_skipped` and
:meth:`Store.put_failure` each delete whatever the store held for that source (whatever its content hash)
and write the new rows in ONE transaction.  A crash, SIGKILL or Ctrl-C loses at most the file being
written; DuckDB's write-ahead log replays only committed transactions when the store is next opened.

One writer at a time: DuckDB takes an exclusive lock on the database file for a read-write connection,
so a second writer — in another process or, through a registry kept here, in the same process — fails at
once with :class:`StoreLockedError`.  While a writer holds the store, readers
(:func:`runload.store.open_log`) are refused too (DuckDB allows many read-only processes OR one writer).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from .. import __version__
from ..analysis import Analysis
from ..errors import OutdirError, RunloadError, StoreError, StoreLockedError, outdir_problem
from .rows import RunRows, analysis_rows, versions_key
from .tables import RUN_CHILD_TABLES, SCHEMA_VERSION, TABLES, create_statements

__all__ = ["STORE_FILE", "StoreError", "StoreLockedError", "Entry", "Store", "open_store", "store_path",
           "connect"]

STORE_FILE = "runload.duckdb"

_WRITERS: set[str] = set()  # store files this process holds open for writing
_WRITERS_LOCK = threading.Lock()




def store_path(outdir: str | os.PathLike) -> Path:
    """``OUTDIR/runload.duckdb``."""
    return Path(outdir) / STORE_FILE


def _is_lock_error(e: Exception) -> bool:
    """DuckDB's refusal to open a file another connection holds (not "could not read block …")."""
    text = str(e)
    return bool(re.search(r"\block\b", text, re.IGNORECASE)) or "different configuration" in text


#: Most memory one store connection may use for DuckDB's buffers (see :func:`connect`).
STORE_MEMORY_LIMIT = "128MB"
#: Write-ahead log size at which a writer checkpoints (DuckDB's default is 16 MB).  A one-hour run is about
#: 1.5 MB of WAL, so the default checkpointed every ~10 runs, each checkpoint costing 0.4–0.7 s: writing
#: one-hour runs and writing them again (a batch's two passes) takes about three quarters of the time at
#: 128 MB (``benchmarks/bench_store.py`` prints the ratio).  Durability is the same: a commit is in the
#: WAL, which the next open replays; the store is checkpointed when the writer closes.
STORE_CHECKPOINT_THRESHOLD = "128MB"

#: A private cache table of the writer (not part of the store's schema, :data:`~runload.store.tables.TABLES`):
#: the size and modification time each plain file had when its bytes were hashed, so an unchanged re-run
#: need not read and hash files whose ``stat`` is unchanged (as make, rsync and git do).
FILE_STATS_TABLE = "file_stats"
_FILE_STATS_COLUMNS = ("source VARCHAR PRIMARY KEY, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, "
                       "content_hash VARCHAR NOT NULL")
#: A file modified this close to the moment it was stat'ed may change again within the same timestamp
#: ("racily clean" in git's words): its stat is not trusted, and the next batch reads and hashes it.
RACY_WINDOW_NS = 2_000_000_000


def connect(outdir: str | os.PathLike, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to ``OUTDIR/runload.duckdb`` with the session time zone set to UTC.

    Raises
    ------
    StoreLockedError
        Another process (or this one) writes the store, or (for a writer) readers have it open.
    StoreError
        No store there (``read_only``), or it cannot be opened.
    """
    path = store_path(outdir)
    if read_only and not path.is_file():
        raise StoreError(outdir, f"no training-log store here (expected {STORE_FILE}; run `runload batch`)")
    if read_only and str(path.resolve()) in _WRITERS:
        raise StoreLockedError(outdir, "this process is writing the store; read it after the writer closes")
    created = not read_only and not path.exists()
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as e:
        if _is_lock_error(e):
            who = "another runload batch is writing it" if read_only else \
                "another runload batch (or a reader) has it open"
            raise StoreLockedError(outdir, f"the store is in use: {who}; wait for it to finish ({e})") from e
        if created:  # a full disk leaves an empty file that every later batch would call "not a database"
            for leftover in (path, path.with_name(path.name + ".wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        problem = outdir_problem(e)
        if problem:
            raise OutdirError(outdir, f"cannot open the store {path.name}: {problem}") from e
        raise StoreError(outdir, f"cannot open the store {path.name}: {e}") from e
    try:
        con.execute("SET TimeZone = 'UTC'")
        # DuckDB's buffer pool may grow to 80 % of the machine's memory; a batch writes one file at a
        # time, so a small pool bounds the writer's memory whatever the size of the log (larger
        # operations spill to disk).  Measured, peak RSS of a process writing a 30-min run 120 times:
        # 361 MiB with DuckDB's default, 337 MiB at 128 MB, 292 MiB at 64 MB.
        con.execute(f"SET memory_limit = '{STORE_MEMORY_LIMIT}'")
        if not read_only:
            con.execute(f"SET checkpoint_threshold = '{STORE_CHECKPOINT_THRESHOLD}'")
    except duckdb.Error as e:  # pragma: no cover - the ICU extension ships with the Python package
        con.close()
        raise StoreError(outdir, f"cannot set the store's time zone: {e}") from e
    if read_only:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "meta" not in tables:
            con.close()
            if not tables:  # killed between DuckDB creating the file and the schema's commit
                raise StoreError(outdir, f"the store {path.name} is empty: a batch was interrupted while creating "
                                         "it; run `runload batch` again")
            raise StoreError(outdir, f"{path.name} is a DuckDB file but not a runload store")
    return con


@dataclass(frozen=True)
class Entry:
    """What the store holds for one source: ``status`` ∈ {run, skipped, failure} and how it was made."""

    status: str
    content_hash: str
    model_versions: str | None
    profile_hash: str | None
    runload_version: str


class Store:
    """The writer of a training-log store (use :func:`open_store`; a context manager).

    Attributes
    ----------
    outdir : pathlib.Path
    path : pathlib.Path  the DuckDB file
    """

    def __init__(self, outdir: str | os.PathLike):
        self.outdir = Path(outdir)
        try:
            self.outdir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(self.outdir, f"cannot create the output folder: {e.strerror or e}") from e
        self.path = store_path(self.outdir)
        key = str(self.path.resolve())
        with _WRITERS_LOCK:
            if key in _WRITERS:
                raise StoreLockedError(self.outdir, "the store is in use: this process already writes it")
            self._con = connect(self.outdir, read_only=False)
            _WRITERS.add(key)
        self._key = key
        try:
            self._init_schema()
            self._entries = self._load_entries()
            self._stats = self._load_stats()
            self._pending_stats: dict[str, tuple[int, int, str]] = {}
        except BaseException:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------------------------
    def close(self) -> None:
        """Write the file stats noted (:meth:`note_stat`), checkpoint and release the store (idempotent)."""
        if getattr(self, "_con", None) is not None and getattr(self, "_pending_stats", None):
            with contextlib.suppress(StoreError, OutdirError):  # a cache: losing it costs one re-hash
                self.flush_stats()
        con, self._con = getattr(self, "_con", None), None
        if con is None:
            return
        try:
            con.close()
        finally:
            with _WRITERS_LOCK:
                _WRITERS.discard(self._key)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _init_schema(self) -> None:
        con = self._con
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "meta" in tables:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            found = row[0] if row else None
            if found != str(SCHEMA_VERSION):
                raise StoreError(self.outdir, f"the store has schema version {found}, this runload writes "
                                              f"version {SCHEMA_VERSION}; use a new output folder")
            if FILE_STATS_TABLE not in tables:  # a store written before the cache existed
                self._write(lambda: con.execute(f"CREATE TABLE {FILE_STATS_TABLE} ({_FILE_STATS_COLUMNS})"))
            return
        if tables:
            raise StoreError(self.outdir, f"{STORE_FILE} is a DuckDB file but not a runload store")
        self._write(lambda: [
            *(con.execute(sql) for sql in create_statements()),
            con.execute(f"CREATE TABLE {FILE_STATS_TABLE} ({_FILE_STATS_COLUMNS})"),
            con.execute("INSERT INTO meta VALUES ('schema_version', ?), ('created_by', ?), ('created_at', ?)",
                        [str(SCHEMA_VERSION), f"runload {__version__}", _now().isoformat()]),
        ])

    def _load_entries(self) -> dict[str, Entry]:
        entries: dict[str, Entry] = {}
        con = self._con
        for source, h, mv, ph, rv in con.execute(
                "SELECT source, any_value(content_hash), any_value(model_versions), any_value(profile_hash), "
                "any_value(runload_version) FROM runs GROUP BY source").fetchall():
            entries[source] = Entry("run", h, mv, ph, rv)
        for source, h, rv in con.execute("SELECT source, content_hash, runload_version FROM skipped").fetchall():
            entries[source] = Entry("skipped", h, None, None, rv)
        for source, h, mv, ph, rv in con.execute(
                "SELECT source, content_hash, model_versions, profile_hash, runload_version FROM failures"
        ).fetchall():
            entries[source] = Entry("failure", h, mv, ph, rv)
        return entries

    # -- queries -----------------------------------------------------------------------------------------
    def entry(self, source: str) -> Entry | None:
        """What the store holds for ``source``, ``None`` when nothing."""
        return self._entries.get(source)

    def sources(self) -> dict[str, Entry]:
        """Every source the store accounts for, with its :class:`Entry` (a copy)."""
        return dict(self._entries)

    def _load_stats(self) -> dict[str, tuple[int, int, str]]:
        rows = self._con.execute(f"SELECT source, size, mtime_ns, content_hash FROM {FILE_STATS_TABLE}").fetchall()
        return {source: (size, mtime, h) for source, size, mtime, h in rows}

    def known_hash(self, source: str, size: int, mtime_ns: int) -> str | None:
        """The content hash ``source`` had when it last had this size and modification time, or ``None``
        (never seen so, or its entry is gone: the file must be read and hashed)."""
        got = self._stats.get(source)
        if got is None or got[0] != size or got[1] != mtime_ns:
            return None
        e = self._entries.get(source)
        return got[2] if e is not None and e.content_hash == got[2] else None

    def note_stat(self, source: str, size: int, mtime_ns: int, content_hash: str, stat_time_ns: int) -> None:
        """Remember that ``source``, stat'ed at ``stat_time_ns`` (before its bytes were read) with this size
        and modification time, hashed to ``content_hash``; written by :meth:`flush_stats` (or on close).
        A file modified within :data:`RACY_WINDOW_NS` of its stat is not remembered."""
        if stat_time_ns - mtime_ns < RACY_WINDOW_NS:
            self._stats.pop(source, None)
            self._pending_stats[source] = None
            return
        self._stats[source] = self._pending_stats[source] = (size, mtime_ns, content_hash)

    def flush_stats(self) -> None:
        """Write the file stats noted since the last flush, in one transaction."""
        pending, self._pending_stats = self._pending_stats, {}
        if not pending:
            return
        keep = [(s, *v) for s, v in pending.items() if v is not None]

        def write():  # one statement each (executemany runs a statement per row)
            self._con.execute(f"DELETE FROM {FILE_STATS_TABLE} WHERE source IN (SELECT unnest(?))", [list(pending)])
            if keep:
                columns = [list(c) for c in zip(*keep, strict=True)]
                self._con.execute(f"INSERT INTO {FILE_STATS_TABLE} SELECT unnest(?), unnest(?), unnest(?), "
                                  "unnest(?)", columns)

        self._write(write)

    def needs_processing(self, source: str, content_hash: str, model_versions: dict,
                         profile_hash: str) -> bool:
        """Whether the file at ``source`` with these bytes must be (re-)read and analysed.

        True when the store has nothing for ``source`` or another content hash; for a stored run when
        the model versions or the profile fingerprint differ; for a failure when the model versions, the
        profile or the runload version differ (a fixed reader may now succeed); for a skipped file (not a
        run) when the runload version differs.  A lookup in memory: no query per file.

        Parameters
        ----------
        source : str
        content_hash : str  :func:`runload.store.content_hash` of the file's bytes
        model_versions : dict  the versions the batch would analyse with (``Analysis.model_versions``)
        profile_hash : str  :func:`runload.store.profile_hash` of the batch's profile
        """
        e = self._entries.get(source)
        if e is None or e.content_hash != content_hash:
            return True
        if e.status == "skipped":
            return e.runload_version != __version__
        changed = e.model_versions != versions_key(model_versions) or e.profile_hash != profile_hash
        if e.status == "failure":
            return changed or e.runload_version != __version__
        return changed

    def sql(self, query: str, params: list | None = None):
        """A read query through the writer's own connection, as a pandas DataFrame (for the batch that
        holds the store, e.g. to build the dashboard: :func:`runload.store.open_log` is refused meanwhile)."""
        if self._con is None:
            raise StoreError(self.outdir, "the store is closed")
        try:
            return self._con.execute(query, params or []).df()
        except duckdb.Error as e:
            raise StoreError(self.outdir, f"query failed: {e}") from e

    @contextlib.contextmanager
    def single_threaded(self):
        """DuckDB runs the statements of the block on one thread (its setting restored after).

        For a writer that runs beside processes taking every core (``runload batch`` writes its groups in a
        thread while its workers analyse): DuckDB's own threads then only compete with them.  Writing 240
        runs of 20 min to 2 h in the batch's groups cost 0.93 × the CPU of DuckDB's default, one thread per
        core (9.1 against 9.9 ms per run; issue 10, ``benchmarks/bench_store.py --mixed 240``).
        """
        con = self._con
        if con is None:
            raise StoreError(self.outdir, "the store is closed")
        before = con.execute("SELECT current_setting('threads')").fetchone()[0]
        con.execute("SET threads = 1")
        try:
            yield self
        finally:
            with contextlib.suppress(duckdb.Error):  # a closed or broken connection has no setting to restore
                con.execute(f"SET threads = {int(before)}")

    # -- writes ------------------------------------------------------------------------------------------
    def put_result(self, source: str, content_hash: str, analyses: list[Analysis], *,
                   profile_hash: str | None = None, gear: str | None = None) -> list[str]:
        """Replace what the store holds for ``source`` by its analysed runs, in one transaction.

        Parameters
        ----------
        source : str
            Where the file was found (``archive.zip!member`` inside archives).
        content_hash : str
            sha256 of the file's bytes (:func:`runload.store.content_hash`).
        analyses : list of Analysis
            Every running session of the file (``runload.pipeline.analyze_file``); at least one.
        profile_hash : str, optional
            Fingerprint of the profile the batch runs with (the one given to :meth:`needs_processing`);
            default: each analysis's own profile.
        gear : str, optional
            The export's gear for the file (Strava ``activities.csv``: the shoes), kept for shoe mileage.

        Returns
        -------
        list of str
            The run ids, in session order.

        Raises
        ------
        StoreError
            ``analyses`` is empty (record the file with :meth:`put_skipped`), or the write failed (the
            store is left as it was).
        """
        if not analyses:
            _check_key(source, content_hash)
            raise StoreError(source, "put_result needs at least one analysed run; use put_skipped")
        now = _now()
        return self.put_rows(source, content_hash,
                             [analysis_rows(a, source, content_hash, profile_hash, now, gear=gear)
                              for a in analyses])

    def put_rows(self, source: str, content_hash: str, rows: list[RunRows]) -> list[str]:
        """:meth:`put_result` for rows already built (:func:`runload.store.rows.analysis_rows`, e.g. by a
        batch's worker process, so the one writer only inserts).

        Raises
        ------
        StoreError
            ``rows`` is empty, two rows share a run id, a row belongs to another file, or the write failed
            (the store is left as it was).
        """
        return self.put_rows_many([(source, content_hash, rows)])[0]

    def put_rows_many(self, files: list[tuple[str, str, list[RunRows]]]) -> list[list[str]]:
        """:meth:`put_rows` for several files ``(source, content_hash, rows)``, in one transaction: all are
        stored or none.  A batch stores its files in groups: a transaction per file cost the one writer
        41–46 ms of CPU per one-hour run, a group of 16 with each table's rows inserted together 17–18 ms
        (issue 10, measured like ``benchmarks/bench_store.py``).

        Returns
        -------
        list of list of str
            Each file's run ids, in session order.

        Raises
        ------
        StoreError
            As :meth:`put_rows` for any of the files, or a file given twice; nothing is written.
        """
        ids = []
        for source, content_hash, rows in files:
            _check_key(source, content_hash)
            if not rows:
                raise StoreError(source, "put_rows needs at least one analysed run; use put_skipped")
            these = [r.run["run_id"] for r in rows]
            if len(set(these)) != len(these):
                raise StoreError(source, "two analyses of the file share a session index")
            if any(r.run["source"] != source or r.run["content_hash"] != content_hash for r in rows):
                raise StoreError(source, "rows of another file (source or content hash differ)")
            ids.append(these)
        sources = [source for source, _, _ in files]
        if len(set(sources)) != len(sources):
            raise StoreError(sources[0], "the same file twice in one write")
        all_ids = [rid for these in ids for rid in these]
        if len(set(all_ids)) != len(all_ids):
            raise StoreError(sources[0], "two files share a run id")

        def write():
            for source in sources:
                self._delete(source)
            self._insert_runs([r for _, _, rows in files for r in rows])

        self._write(write)
        for source, content_hash, rows in files:
            first = rows[0].run
            self._entries[source] = Entry("run", content_hash, first["model_versions"], first["profile_hash"],
                                          __version__)
        return ids

    def put_skipped(self, source: str, content_hash: str, reason: str, sport: str | None = None) -> None:
        """Record that the file at ``source`` holds no run to analyse (``reason``; the ``sport`` found)."""
        _check_key(source, content_hash)

        def write():
            self._delete(source)
            self._con.execute("INSERT INTO skipped VALUES (?, ?, ?, ?, ?, ?)",
                              [source, content_hash, str(reason), sport, __version__, _now()])

        self._write(write)
        self._entries[source] = Entry("skipped", content_hash, None, None, __version__)

    def put_failure(self, source: str, content_hash: str, stage: str, error: BaseException | str, *,
                    model_versions: dict | None = None, profile_hash: str | None = None,
                    error_type: str | None = None) -> None:
        """Record that the file at ``source`` failed at ``stage`` (``"read"``, ``"analyse"`` …).

        ``error`` is the exception (its type and message are stored) or a message, with ``error_type``
        naming its kind when the exception itself is not at hand (it failed in another process).
        ``model_versions`` and ``profile_hash`` are what the batch ran with, so a model change retries the
        file.
        """
        _check_key(source, content_hash)
        if error_type is None and isinstance(error, BaseException):
            error_type = type(error).__name__
        mv = versions_key(model_versions) if model_versions is not None else None

        def write():
            self._delete(source)
            self._con.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              [source, content_hash, stage, error_type, str(error), mv, profile_hash,
                               __version__, _now()])

        self._write(write)
        self._entries[source] = Entry("failure", content_hash, mv, profile_hash, __version__)

    def put_history_hints(self, hints, final: dict | None = None) -> int:
        """Replace the ``history_hints`` (and, with ``final``, the ``log_hints``) tables, in one transaction.

        Parameters
        ----------
        hints : iterable of (str, Hint)
            ``(run_id, hint)`` pairs of every history-rule candidate (:func:`runload.history.compute_history`);
            the run ids must be in ``runs``.
        final : dict of str to list of Hint, optional
            Run id → the training hints its report shows (each with its ``origin``), for ``log_hints``.

        Returns
        -------
        int
            Number of ``history_hints`` rows written.
        """
        from .rows import hint_row

        rows, seq = [], {}
        for rid, hint in hints:
            seq[rid] = seq.get(rid, -1) + 1
            rows.append(hint_row(rid, seq[rid], hint))
        shown = [hint_row(rid, i, h) + (h.origin,) for rid, hs in (final or {}).items() for i, h in enumerate(hs)]

        def write():
            for table, values in (("history_hints", rows), ("log_hints", shown)):
                if table == "log_hints" and final is None:
                    continue
                self._con.execute(f"DELETE FROM {table}")
                self._insert_records(table, list(TABLES[table]), values)

        self._write(write)
        return len(rows)

    def norms(self) -> dict:
        """The personal norms the store holds: month (first day, ``datetime.date``) → PersonalNorms."""
        from ..norms import norms_from_rows

        rows = self._con.execute("SELECT month, norms_json FROM norms ORDER BY month").fetchall()
        try:
            return norms_from_rows(rows)
        except RunloadError:  # written by another runload: fitted again from the log
            return {}

    def put_norms(self, norms: dict) -> None:
        """Replace the stored personal norms by ``norms`` (month → PersonalNorms), in one transaction."""
        from ..norms import norms_rows

        now = _now()
        rows = [(month, key, text, now) for month, key, text in norms_rows(norms)]

        def write():
            self._con.execute("DELETE FROM norms")
            if rows:
                self._con.executemany("INSERT INTO norms VALUES (?, ?, ?, ?)", rows)

        self._write(write)

    def meta(self, key: str) -> str | None:
        """A value of the store's ``meta`` table (None when unset)."""
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (``None``: delete) a value of the ``meta`` table, in one transaction."""
        def write():
            self._con.execute("DELETE FROM meta WHERE key = ?", [key])
            if value is not None:
                self._con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])

        self._write(write)

    def set_report_keys(self, keys: dict[str, str | None]) -> None:
        """Record what each run's written report shows (run id → :func:`runload.store.report_key`)."""
        if not keys:
            return
        frame = pd.DataFrame({"run_id": list(keys), "report_key": list(keys.values())}, dtype=object)
        # One statement (executemany updates one row at a time: ~1 ms each).
        self._write(lambda: self._execute_with(
            "_runload_report_keys", frame,
            "UPDATE runs SET report_key = k.report_key FROM _runload_report_keys AS k WHERE runs.run_id = k.run_id"))

    def remove(self, source: str) -> None:
        """Forget ``source`` (a file no longer found), in one transaction."""
        self._write(lambda: self._delete(source))
        self._entries.pop(source, None)

    # -- internals ---------------------------------------------------------------------------------------
    def _write(self, fn) -> None:
        """Run ``fn`` in one transaction: committed whole or rolled back (Ctrl-C included).

        Raises
        ------
        KeyboardInterrupt
            Ctrl-C during the transaction (in whichever form DuckDB returns it); rolled back.
        OutdirError
            The disk is full or the file system read-only (:func:`runload.errors.outdir_problem`); rolled
            back, and every committed transaction stays.  Not a StoreError: no later write can succeed, so
            a batch stops instead of recording the file as failed.
        StoreError
            Any other DuckDB error; rolled back.
        """

        con = self._con
        if con is None:
            raise StoreError(self.outdir, "the store is closed")
        try:
            con.begin()
            fn()
            con.commit()
        except BaseException as e:
            try:
                con.rollback()
            except duckdb.Error:
                pass
            if _interrupted(e):
                raise KeyboardInterrupt from e  # DuckDB's form of a Ctrl-C during a statement: rolled back
            if isinstance(e, duckdb.Error):
                problem = outdir_problem(e)
                if problem is not None:
                    raise OutdirError(self.outdir, f"cannot write the store: {problem}; what was stored before "
                                                   "is kept, and the same command resumes once the folder "
                                                   "can be written") from e
                raise StoreError(self.outdir, f"writing the store failed, nothing was written: {e}") from e
            raise

    def _delete(self, source: str) -> None:
        e = self._entries.get(source)
        if e is None:
            return  # a new source: nothing to delete (and no scan of the samples table)
        con = self._con
        if e.status == "run":
            for table in RUN_CHILD_TABLES:
                con.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT run_id FROM runs WHERE source = ?)",
                            [source])
        con.execute("DELETE FROM runs WHERE source = ?", [source])
        con.execute("DELETE FROM skipped WHERE source = ?", [source])
        con.execute("DELETE FROM failures WHERE source = ?", [source])

    def _insert_runs(self, rows: list[RunRows]) -> None:
        """Insert runs' rows, each table's rows of all of them together."""
        by_columns: dict[tuple, list] = {}
        for r in rows:
            by_columns.setdefault(tuple(r.run), []).append(r.run)
        for cols, runs in by_columns.items():
            self._insert_records("runs", list(cols), [[run[c] for c in cols] for run in runs])
        for table, frames in (("samples", [r.samples for r in rows]), ("segments", [r.segments for r in rows]),
                              ("muscle_load", [r.load for r in rows])):
            for frame in _concat_alike(frames):
                self._insert_frame(table, frame)
        self._insert_records("hints", list(TABLES["hints"]), [h for r in rows for h in r.hints])

    def _insert_records(self, table: str, columns: list[str], records: list) -> None:
        """Insert ``records`` (sequences of values in the order of ``columns``) through a frame: one statement
        (``executemany`` runs one per row: 132 ms for 35 rows of ``runs`` against 19 ms, issue 10).  The
        values are the rows' own (:mod:`runload.store.rows`: None for a missing value, never NaN, which
        the frame would store as NULL all the same); DuckDB casts each column to the table's type, as it casts
        parameters (``tests/test_store.py`` compares the two)."""
        if records:
            self._insert_frame(table, pd.DataFrame.from_records(records, columns=columns))

    def _insert_frame(self, table: str, frame) -> None:
        """``INSERT … BY NAME SELECT`` from the registered frame: columnar, no Python loop over rows."""
        # pandas ≥ 3 "str" columns go in as they are: DuckDB ≥ 1.4 (pyproject's floor) reads them, missing
        # values as NULL, faster than object columns (an object copy cost 10 ms of a 1-hour run's put).
        view = f"_runload_{table}"
        self._execute_with(view, frame, f"INSERT INTO {table} BY NAME SELECT * FROM {view}")

    def _execute_with(self, view: str, frame, statement: str) -> None:
        """Run ``statement`` with ``frame`` registered as the view ``view`` (unregistered after)."""
        con = self._con
        con.register(view, frame)
        try:
            con.execute(statement)
        except BaseException:
            # The statement failed or was interrupted, which leaves the transaction aborted: unregistering
            # then fails too, and its error must not hide the one that matters (a Ctrl-C).
            with contextlib.suppress(duckdb.Error):
                con.unregister(view)
            raise
        con.unregister(view)


def _concat_alike(frames: list) -> list:
    """The non-empty ``frames``, those with the same columns and dtypes concatenated (one insert each;
    frames of different columns are never mixed, so no column changes its type by filling in)."""
    groups: dict[tuple, list] = {}
    for frame in frames:
        if len(frame):
            groups.setdefault(tuple(zip(frame.columns, frame.dtypes, strict=True)), []).append(frame)
    return [group[0] if len(group) == 1 else pd.concat(group, ignore_index=True) for group in groups.values()]


def _interrupted(error: BaseException) -> bool:
    """Whether ``error`` is, or was caused while handling, DuckDB's form of a Ctrl-C during a statement
    (``InterruptException``; ``RuntimeError("Query interrupted")`` in some versions) or while DuckDB ran
    Python code, e.g. converting a pandas frame in ``con.register``: Python's handler raised the
    KeyboardInterrupt there and DuckDB returned it as a ``duckdb.Error`` whose text is the Python
    traceback, ending in ``KeyboardInterrupt`` (seen in CI; measured with a real SIGINT, DuckDB 2.0)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, duckdb.InterruptException) or (
                type(error) is RuntimeError and str(error) == "Query interrupted"):
            return True
        if isinstance(error, duckdb.Error):
            last = str(error).strip().rpartition("\n")[2]
            if last.partition(":")[0] == "KeyboardInterrupt":
                return True
        error = error.__cause__ or error.__context__
    return False


def open_store(outdir: str | os.PathLike) -> Store:
    """Open (creating when needed) the training-log store ``OUTDIR/runload.duckdb`` for writing.

    Raises
    ------
    StoreLockedError
        Another writer holds it (another ``runload batch`` on the same OUTDIR), or readers have it open.
    StoreError
        The folder cannot be created or written, the file is not a runload store, or it was written with
        another store schema version.
    """
    return Store(outdir)


def _check_key(source: str, content_hash: str) -> None:
    if not isinstance(source, str) or not source:
        raise StoreError(None, f"a store source must be a non-empty string, not {source!r}")
    if not isinstance(content_hash, str) or not content_hash:
        raise StoreError(source, f"a content hash must be a non-empty string, not {content_hash!r}")


def _now() -> datetime:
    return datetime.now(timezone.utc)
