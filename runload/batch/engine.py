"""``process_log``: a whole training log into the store, the run reports and the dashboard.

Flow (the parent process alone writes the store):

1. The store ``OUTDIR/runload.duckdb`` is opened for writing first, so a second batch on the same
   OUTDIR fails at once with :class:`~runload.errors.StoreLockedError`, before any work.
2. :func:`runload.io.discover` lists the files.  For each, in discovery order, the parent loads the
   (decompressed) bytes, hashes them (:func:`runload.store.content_hash`) and asks
   :meth:`~runload.store.Store.needs_processing`; an unchanged file whose reports exist costs one read
   and one hash, nothing else — and not even that when it is a plain file (not an archive member) whose
   size and modification time are those it had when it was hashed (:meth:`~runload.store.Store.known_hash`;
   a file modified within 2 s of that stat is read again, :data:`runload.store.writer.RACY_WINDOW_NS`).  A file discovery refused (``Source.problem``) or that cannot be loaded
   is a failure at stage ``read``; one with a ``skip_reason`` (another sport in activities.csv, the same
   file twice) is skipped without reading.  Those have no bytes to hash: their key is
   ``unread:<sha256 of the reason>``, so an unchanged re-run leaves them alone.
3. Files to process go to local worker processes (:mod:`runload.batch.worker`, ``jobs`` of them,
   default all cores; ``jobs=1`` runs in this process) as bytes, with at most ``2 × jobs`` files in
   flight, so memory stays bounded whatever the size of the log.  With personal norms on (the default)
   this first look only reads each file and computes what the norms read (the cleaned samples and the
   gait's state: :func:`runload.pipeline.gait_samples` without the timing, reduced to the steady seconds
   the norms read, :func:`runload.store.rows.norm_input_rows`); the parent keeps it in the batch's cache folder
   (:class:`runload.batch.staging.StagedRuns`, never in the store file).  Skipped and failed files are
   recorded here.
4. The personal norms of every month are learnt from the stored runs and the staged files together
   (:func:`runload.batch.refresh.learn_norms`), then each staged file is analysed — once — with its
   month's norms, from the runs and cleaned samples its first look cached (local engine; else it is read
   and cleaned again); the parent writes the results to the store as they complete, in groups of
   files, one transaction each (:class:`runload.batch.storing.Group`, :meth:`~runload.store.Store.put_rows_many`), in a
   thread of its own while the workers go on (:mod:`runload.batch.storing`; with ``jobs=1``, at once).
   The worker also renders each run's report but for its hints and methods, and pickles that frame
   (:class:`runload.report.html.ReportFrame`, about 0.12 MB for a one-hour run, against 1.5 MB for the
   analysis) into ``OUTDIR/.runload-cache`` (local engine, deleted when the batch ends): a run's report
   shows the hints over the whole log, known only once every run is stored.
   With ``norms=False`` step 3 is this analysis.
5. The refresh (:mod:`runload.batch.refresh`): the history rules and the rate limits run over the whole
   log, and the files whose runs had other norms (a new run changed a later month's norms) or whose
   reports are missing or stale are done again — a report whose frame this batch cached is completed
   from it with the final hints (no reading, no analysis, no figures); any other file is read, analysed
   and stored again.
   Each run of a first batch is thus read twice (once for the norms), analysed and stored once, and its
   report rendered once.  Why: issue 10 (the batch analysed and stored every file twice, then cached
   every analysis and rendered every page in a pass of its own).
6. ``OUTDIR/index.html`` (:mod:`runload.report.dashboard`) is written from the store (kept as it is when
   the batch changed nothing).

Every discovered file ends in exactly one of the store's ``runs`` / ``skipped`` / ``failures``.  A report
that cannot be written leaves its run in ``runs`` (the analysis is stored), is listed in
:attr:`BatchSummary.report_errors` (exit code 1 in the CLI) and is written again by the next batch.

Ctrl-C: workers ignore SIGINT; the parent stops submitting, drops the files in flight (nothing of them
is written, nor of the groups of analysed files not yet stored: each group is one transaction; a group the
writer thread is writing is finished first, one the main thread is writing is rolled back), closes the
store and raises :class:`BatchInterrupted`; SIGTERM to the parent does the same.  The next batch
on the same OUTDIR resumes with the files not yet stored.  A SIGKILL loses at most the group not yet
committed (DuckDB's write-ahead log).

``engine="dask"`` sends the same tasks to a dask.distributed cluster instead of local processes
(:mod:`runload.batch.dask_engine`); everything else above is the same.

A worker process that dies (killed, out of memory) breaks the pool: the files in flight are retried one
at a time in a fresh pool, and the one that kills its worker again is recorded as a failure at stage
``analyse``.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import (
    NO_SUCH_FILE,
    ArchiveError,
    OutdirError,
    RunloadError,
    StoreError,
    error_reason,
    outdir_problem,
)
from .names import CACHE_FOLDER, PLOTLY_FILE, RUNS_FOLDER, report_name
from .progress import Counts, make_progress
from .refresh import MAX_ROUNDS, history_rules, learn_norms, log_history, stale_sources
from .staging import StagedRuns
from .storing import Group, GroupWriter
from .worker import (
    FileResult,
    FileTask,
    PortableError,
    cache_path,
    init_worker,
    one_blas_thread,
    process_file,
    runs_path,
)

if TYPE_CHECKING:
    from ..profile import AthleteProfile

__all__ = ["process_log", "BatchSummary", "BatchInterrupted", "FileProblem", "default_jobs"]

_REFRESH_PENDING = "refresh_pending"  # meta key: the second pass has not completed since files were stored
_WORKER_DIED = ("the worker process analysing this file died (killed, or out of memory); "
                "it died again when the file was retried alone")


@dataclass(frozen=True)
class FileProblem:
    """A file that failed (``stage`` ∈ read / analyse / store) or a report that was not written
    (``stage`` = report)."""

    source: str
    stage: str
    reason: str


@dataclass
class BatchSummary:
    """What :func:`process_log` did.

    Attributes
    ----------
    outdir : pathlib.Path
    files : int  files discovered (each counted once below)
    analysed, unchanged, skipped, failed : int
        Files analysed now (stored in ``runs``), already up to date in the store (any status), skipped
        now (no run in them), failed now.
    runs : int  running sessions stored now
    elapsed_s : float  [s]
    failures : list of FileProblem  the files that failed now
    report_errors : list of FileProblem  reports not written (their runs are stored)
    index : pathlib.Path or None  the dashboard
    interrupted : bool
    not_refreshed : list of str
        Stored files this batch was not given (another folder into the same OUTDIR) whose runs would need
        their norms or reports refreshed; they keep what they have until a batch is given them again.
    """

    outdir: Path
    files: int = 0
    analysed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    runs: int = 0
    elapsed_s: float = 0.0
    failures: list[FileProblem] = field(default_factory=list)
    report_errors: list[FileProblem] = field(default_factory=list)
    index: Path | None = None
    interrupted: bool = False
    not_refreshed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file ended analysed, unchanged or skipped and every report was written."""
        return not self.failed and not self.report_errors and not self.interrupted

    def line(self) -> str:
        """The one summary line the CLI prints at the end."""
        parts = [f"{self.analysed} analysed ({self.runs} runs)", f"{self.unchanged} unchanged",
                 f"{self.skipped} skipped", f"{self.failed} failed"]
        text = f"{self.files} files in {self.elapsed_s:.1f} s: " + ", ".join(parts)
        if self.report_errors:
            text += f"; {len(self.report_errors)} reports not written"
        if self.not_refreshed:
            text += (f"; {len(self.not_refreshed)} stored files not given this time keep their older norms or "
                     "reports")
        if self.interrupted:
            text += "; interrupted (run the same command again to resume)"
        elif self.failed or self.report_errors:
            text += " — see the failures in the dashboard"
        where = self.index if self.index is not None else self.outdir
        return f"{text}. Output: {where}"


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`process_log`; ``summary`` holds what was stored before it."""

    def __init__(self, summary: BatchSummary):
        super().__init__("interrupted")
        self.summary = summary


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _unread_key(reason: str) -> str:
    return "unread:" + hashlib.sha256(reason.encode("utf-8", "surrogateescape")).hexdigest()


def _batch_profile_key(profile, height_m, mass_kg) -> str:
    from ..store import profile_hash

    key = profile_hash(profile)
    if height_m is None and mass_kg is None:
        return key
    return hashlib.sha256(f"{key}|{height_m!r}|{mass_kg!r}".encode()).hexdigest()[:16]


def _write_plotlyjs(outdir: Path) -> None:
    """``OUTDIR/plotly.min.js`` once, atomically, before any worker looks for it."""
    from ..report.html import write_plotlyjs

    write_plotlyjs(outdir / PLOTLY_FILE)


class _InProcess:
    """The executor of ``jobs=1``: runs each file here, at submit time."""

    def submit(self, fn, *args) -> Future:
        f: Future = Future()
        try:
            f.set_result(fn(*args))
        except BaseException as e:  # noqa: BLE001 - delivered through the future, as a pool would
            f.set_exception(e)
        return f

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


#: The modules a worker process starts with (its forkserver imports them once; the worker freezes their
#: objects, :func:`runload.batch.worker.init_worker`).
WORKER_PRELOAD = ("runload.batch.worker", "runload.pipeline", "runload.report.html")


def _pool(jobs: int, in_process: bool = True):
    """``jobs`` worker processes (this process itself for one job, unless ``in_process`` is false)."""
    if jobs == 1 and in_process:
        return _InProcess()
    if multiprocessing.parent_process() is not None:
        # A worker re-running a script's unguarded main module: never start workers from a worker.
        raise RunloadError(None, "runload.batch.process_log with jobs > 1 was called while a worker "
                                 "process started; call it under `if __name__ == '__main__':`")
    methods = multiprocessing.get_all_start_methods()
    # Never fork the parent: it holds the DuckDB connection and its threads.
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(list(WORKER_PRELOAD))
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=init_worker)


def process_log(paths: str | os.PathLike | Iterable[str | os.PathLike], outdir: str | os.PathLike, *,
                jobs: int | None = None, profile: AthleteProfile | None = None, height_m: float | None = None,
                mass_kg: float | None = None, reports: bool = True, dashboard: bool = True,
                progress: str | Callable | None = "auto", engine: str = "local",
                scheduler: str | None = None, norms: bool = True) -> BatchSummary:
    """Analyse a training log into ``OUTDIR``: the store, one report per run and ``index.html``.

    Parameters
    ----------
    paths : path-like or iterable of path-like
        Files, folders (recursive) and zip exports (Garmin, Strava), as :func:`runload.io.discover`.
    outdir : path-like
        Output folder (created): ``runload.duckdb``, ``runs/*.html``, ``plotly.min.js``, ``index.html``.
    jobs : int, optional
        Worker processes of the local engine (default: all cores; 1 runs in this process).
    profile : AthleteProfile, optional
        One profile for every run (default: each run's watch profile, else the defaults).
    height_m, mass_kg : float, optional
        [m], [kg] override the profile's (or each file's) values.
    reports : bool
        Write a report per run (``--no-reports``: the store and the dashboard only).
    dashboard : bool
        Write ``OUTDIR/index.html``.
    progress : {"auto", "bar", "lines", "none"} or callable
        See :mod:`runload.batch.progress`.
    engine : {"local", "dask"}
        ``"local"``: worker processes on this machine.  ``"dask"``: the files are analysed on the
        dask.distributed cluster at ``scheduler`` (:mod:`runload.batch.dask_engine`).
    scheduler : str, optional
        The dask scheduler's address, e.g. ``"tcp://SCHEDULER-HOST:8786"`` (``engine="dask"`` only).
    norms : bool
        Learn personal norms from the log (:mod:`runload.norms`: cadence model, easy speed, contact-time
        calibration) and analyse each run with its month's norms; ``False`` (``--no-norms``): population
        defaults, or what ``profile`` sets.

    Returns
    -------
    BatchSummary

    Notes
    -----
    Worker processes start with ``forkserver`` (``spawn`` where there is none): in a script, call
    ``process_log`` under ``if __name__ == "__main__":`` as :mod:`multiprocessing` requires.

    Raises
    ------
    StoreLockedError
        Another batch (or a reader) holds the store.
    RunloadError
        A given path does not exist; the output folder or the store cannot be written; bad options.
    BatchInterrupted
        Ctrl-C; the store is consistent and the next batch resumes.
    """
    from ..io import discover
    from ..pipeline import current_model_versions
    from ..profile import AthleteProfile
    from ..store import content_hash, open_store

    started = time.monotonic()
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise RunloadError(None, "no input paths")
    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise RunloadError(p, NO_SUCH_FILE)
    if engine not in ("local", "dask"):
        raise RunloadError(None, f"unknown engine {engine!r}: use 'local' or 'dask'")
    if engine == "dask" and not scheduler:
        raise RunloadError(None, "the dask engine needs the scheduler's address (--scheduler tcp://HOST:PORT)")
    if engine == "local" and scheduler:
        raise RunloadError(None, "--scheduler is for the dask engine (--engine dask)")
    if engine == "dask" and jobs is not None:
        raise RunloadError(None, "--jobs is for the local engine; the dask cluster's workers set the "
                                 "parallelism")
    jobs = default_jobs() if jobs is None else int(jobs)
    if jobs < 1:
        raise RunloadError(None, f"--jobs must be at least 1, not {jobs}")
    if height_m is not None or mass_kg is not None:  # one error up front, not one per file
        AthleteProfile(**{k: v for k, v in (("height_m", height_m), ("mass_kg", mass_kg)) if v is not None})
    outdir = Path(outdir)
    summary = BatchSummary(outdir=outdir)
    versions = current_model_versions()
    pkey = _batch_profile_key(profile, height_m, mass_kg)
    reports_dir = outdir / RUNS_FOLDER

    with open_store(outdir) as the_store, one_blas_thread(), _terminate_as_interrupt():
        # The main thread uses the store only through the group writer's view of it, which waits for the
        # groups being written first (runload.batch.storing); with worker processes (jobs > 1, dask) the
        # groups are written in a thread while the workers go on.
        writer = GroupWriter(the_store, threaded=engine != "local" or jobs > 1,
                             accounted=lambda outcome: stored(outcome))
        store = writer.store
        sources = discover(paths)
        seen: set[str] = set()
        sources = [s for s in sources if not (s.name in seen or seen.add(s.name))]
        summary.files = len(sources)
        by_name = {s.name: s for s in sources}
        known_norms = store.norms() if norms else {}
        missing_reports = _sources_missing_reports(store, reports_dir) if reports else set()
        if reports:
            _write_plotlyjs(outdir)
            try:
                reports_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise RunloadError(reports_dir, f"cannot create the reports folder: {e.strerror or e}") from e

        counts = Counts(total=len(sources))
        display = make_progress(progress)
        display.start(counts)

        def note(kind: str) -> None:
            setattr(counts, kind, getattr(counts, kind) + 1)
            setattr(summary, kind, getattr(summary, kind) + 1)
            display.update()

        def fail(source: str, key: str, stage: str, error: BaseException | PortableError) -> None:
            if isinstance(error, PortableError):  # failed in a worker: its kind and reason as data
                store.put_failure(source, key, stage, error.message, model_versions=versions,
                                  profile_hash=pkey, error_type=error.type_name)
                reason = error.message
            else:
                store.put_failure(source, key, stage, error, model_versions=versions, profile_hash=pkey)
                reason = error_reason(error)
            summary.failures.append(FileProblem(source, stage, reason))
            note("failed")

        def record(result: FileResult) -> None:
            src, key = result.source, result.content_hash
            if result.status == "skipped":
                store.put_skipped(src, key, result.reason or "no run", result.sport)
                note("skipped")
                return
            if result.status == "failure":
                fail(src, key, result.stage, result.error)
                return
            samples = sum(len(r.samples) for r in result.rows)
            if any(r.source == src for r in to_store.results) or not to_store.has_room(samples):
                flush_rows()  # the same file again (read once more): its earlier result goes first
            to_store.add(result, samples)
            if to_store.full:
                flush_rows()

        # Analysed files are stored in groups, one transaction each (a transaction per file cost the one
        # writer more than twice the CPU: Store.put_rows_many); a group is written when full and whenever
        # the batch has drained its workers, before it reads the store again.  A crash or Ctrl-C loses only
        # the group not yet written: those files are new again to the next batch.
        to_store = Group()

        def flush_rows() -> None:
            writer.put(to_store.take())

        def stored(outcome) -> None:  # a group written (GroupWriter: in the main thread)
            for r, ids, error in outcome:
                if error is not None:
                    fail(r.source, r.content_hash, "store", error)
                else:
                    summary.runs += len(ids)
                    note("analysed")

        staged: list = []  # (source, content hash) of the files staged for the norms, in discovery order

        def record_staged(result: FileResult) -> None:
            # The norms' look at a new file: skipped and failed files end here; the others are analysed
            # once the norms are known.
            if result.status != "runs":
                record(result)
                return
            staged_runs.add(result.source, *result.staged)
            staged.append((result.source, result.content_hash))
            counts.staged += 1
            display.update()

        refreshed: list[bool] = []
        uncached: list[str] = []
        report_keys: dict[str, str] = {}  # what the reports written show (run id → key), not yet recorded

        def flush_report_keys() -> None:
            # One transaction for the keys of a round's reports (a transaction per report cost as much as
            # rendering it).  Lost to a crash, they only make the next batch write those reports again.
            if report_keys:
                store.set_report_keys(dict(report_keys))
                report_keys.clear()

        def record_refresh(result: FileResult) -> None:
            # A stored file done again: store it again when its norms changed, and record what its reports
            # show.
            src, key = result.source, result.content_hash
            if result.status != "runs":  # it read and analysed before: a failure now is still its failure
                if result.stage == "cache":  # its cached report frame is unreadable: analysed again
                    uncached.append(src)
                elif result.status == "failure":
                    fail(src, key, result.stage, result.error)
                return
            counts.refreshed += 1
            display.update()
            want = {r.run["run_id"]: r.run["norms_key"] for r in result.rows}  # none for a cached report
            have = {}
            if want:
                stored = store.sql("SELECT run_id, norms_key FROM runs WHERE source = ?", [src])
                have = {rid: k if isinstance(k, str) else None
                        for rid, k in zip(stored["run_id"], stored["norms_key"], strict=True)}
            for e in result.report_errors:  # a full or read-only OUTDIR stops the batch (resumable), not a file
                problem = outdir_problem(e.message)
                if problem:
                    raise OutdirError(outdir, f"cannot write the reports: {problem}")
            if any(rid not in have or have[rid] != k for rid, k in want.items()):
                for r in result.rows:  # what each report shows, in the same transaction as the rows
                    r.run["report_key"] = result.report_keys.get(r.run["run_id"])
                try:
                    store.put_rows(src, key, result.rows)
                except StoreError as e:
                    fail(src, key, "store", e)
                    return
                refreshed.append(True)
            else:
                report_keys.update(result.report_keys)  # recorded together when the round is drained
            summary.report_errors.extend(FileProblem(src, "report", e.message) for e in result.report_errors)

        first_record = record_staged if norms else record
        # The local engine's cache: the runs each first look read and cleaned (so the analysis does neither
        # again) and the analyses waiting for their reports (pickles, only when reports are written).
        cache_dir = outdir / CACHE_FOLDER
        shutil.rmtree(cache_dir, ignore_errors=True)  # never a cache of another batch
        cache = cache_dir if engine == "local" else None
        if cache is not None:
            try:
                cache.mkdir(parents=True)
            except OSError:
                cache = None
        frames_cache = cache if reports else None
        # What the first look read for the norms, until they are learnt (any engine: the parent writes it).
        staged_runs = StagedRuns(cache_dir / "norms")

        unreadable_cache: list = []

        def record_analysed(result: FileResult) -> None:
            if result.stage == "cache":
                unreadable_cache.append((result.source, result.content_hash))
            else:
                record(result)

        def task_of(source, data: bytes, compression, key: str, **kw) -> FileTask:
            # A task of this batch for ``source`` (its profile, overrides, export metadata and gear).
            return FileTask(source.name, data, compression, key, profile, height_m, mass_kg,
                            kw.pop("reports_dir", None), source.extra, profile_hash=pkey, gear=_gear(source),
                            report_folder=str(reports_dir) if reports else None, **kw)

        def loaded_task(source, **kw) -> FileTask | None:
            # ``task_of`` the file read now; None (a failure at stage "read") when it cannot be read.
            try:
                data, compression = source.load()
            except RunloadError as e:  # gone or unreadable since it was first read
                fail(source.name, _unread_key(error_reason(e)), "read", e)
                return None
            return task_of(source, data, compression, content_hash(data), **kw)

        def analyse_staged(source, key: str | None, current) -> None:
            # A staged file, analysed with its month's norms: from the runs its first look cached (the
            # content it had then, under that content's hash), else read again.
            cached = runs_path(cache, source.name, key) if cache is not None and key is not None else None
            if cached is not None and cached.is_file():
                task = task_of(source, b"", None, key, norms=current or None, cache=frames_cache,
                               runs_file=str(cached))
            else:
                task = loaded_task(source, norms=current or None, cache=frames_cache)
                if task is None:
                    return
            runner.drain(runner.limit - 1, record_analysed, fail)
            runner.submit(task)

        def refresh(source, report_only: bool, ids, history, rules) -> None:
            # One stale file: its report completed from the frame this batch cached when only its report is
            # stale and its frames are cached, else read and analysed again.
            run_ids = ids.get(source.name, [])
            hints = {r: history.final[r] for r in run_ids if r in history.final}
            evaluated = {r: rules[r] for r in run_ids if r in rules}
            target = str(reports_dir) if reports else None
            paths = [cache_path(frames_cache, r) for r in run_ids] if frames_cache is not None else []
            if report_only and paths and all(p.is_file() for p in paths):
                task = FileTask(source.name, b"", None, store.entry(source.name).content_hash,
                                reports_dir=target, final_hints=hints, history_rules=evaluated,
                                mode="render", cache=[str(p) for p in paths])
            else:
                task = loaded_task(source, reports_dir=target, norms=current or None, final_hints=hints,
                                   history_rules=evaluated)
                if task is None:
                    return
            runner.drain(runner.limit - 1, record_refresh, fail)
            runner.submit(task)

        try:
            runner = _make_runner(engine, scheduler, jobs)
        except BaseException:
            display.close()
            _drop_cache(cache_dir)
            raise

        try:
            for source in sources:
                name = source.name
                if source.skip_reason is not None or source.problem is not None:
                    reason = source.skip_reason or source.problem
                    key = _unread_key(reason)
                    if not store.needs_processing(name, key, versions, pkey):
                        note("unchanged")
                    elif source.skip_reason is not None:
                        sport = (source.extra or {}).get("type")
                        store.put_skipped(name, key, source.skip_reason, str(sport) if sport else None)
                        note("skipped")
                    else:
                        fail(name, key, "read", ArchiveError(name, source.problem))  # what Source.load raises
                    continue
                stat = _file_stat(source)  # before reading: a change while reading shows next time
                if stat is not None:
                    known = store.known_hash(name, stat[0], stat[1])
                    if known is not None and not store.needs_processing(name, known, versions, pkey):
                        note("unchanged")  # same size and modification time as when hashed: not read
                        continue
                try:
                    data, compression = source.load()
                except RunloadError as e:
                    key = _unread_key(error_reason(e))
                    if store.needs_processing(name, key, versions, pkey):
                        fail(name, key, "read", e)
                    else:
                        note("unchanged")
                    continue
                key = content_hash(data)
                if stat is not None:
                    store.note_stat(name, stat[0], stat[1], key, stat[2])
                if not store.needs_processing(name, key, versions, pkey):  # a missing report: second pass
                    note("unchanged")
                    continue
                task = task_of(source, data, compression, key, norms=known_norms or None,
                               mode="norm_inputs" if norms else "analyse", cache=cache if norms else frames_cache)
                del data
                runner.drain(runner.limit - 1, first_record, fail)
                runner.submit(task)
            runner.drain(0, first_record, fail)
            flush_rows()
            store.flush_stats()

            current = known_norms if norms else None
            if staged:
                # The personal norms, from the stored runs and the files just staged; then each staged file
                # is analysed (once) with its month's norms and stored.  Its report waits for the hints
                # over the whole log (below), completed from the report frame cached here.
                store.set_meta(_REFRESH_PENDING, "1")
                current = learn_norms(store, known_norms, staged_runs, map=runner.norms_map())
                counts.total += len(staged)
                display.update()
                for name, key in staged:
                    analyse_staged(by_name[name], key, current)
                runner.drain(0, record_analysed, fail)
                flush_rows()
                while unreadable_cache:  # a cached read that would not load: the file is read again
                    for name, key in list(unreadable_cache):
                        unreadable_cache.remove((name, key))
                        analyse_staged(by_name[name], None, current)
                    runner.drain(0, record_analysed, fail)
                    flush_rows()

            # Second pass (runload.batch.refresh): norms, the hints over the log, files to analyse again.
            # A batch interrupted after storing files but before its second pass finished leaves the flag.
            changed = bool(summary.analysed or summary.skipped or summary.failed)
            pending = store.meta(_REFRESH_PENDING) is not None
            figures, index_stale = None, False
            setting = "on" if norms else "off"  # a batch with the other --norms setting refreshes every run
            if changed or pending or missing_reports or store.meta("norms") != setting:
                store.set_meta(_REFRESH_PENDING, "1")
                index_stale = True
                if norms and not staged:
                    current = learn_norms(store, known_norms)
                for _ in range(MAX_ROUNDS):
                    history = log_history(store)
                    figures = history.figures
                    rules = history_rules(history)
                    stale = stale_sources(store, current, history.final, reports_dir if reports else None, rules)
                    todo = [by_name[src] for src in stale if src in by_name]
                    summary.not_refreshed = sorted(src for src in stale if src not in by_name)
                    if not todo:
                        break
                    ids = store.sql("SELECT source, run_id FROM runs").groupby("source")["run_id"].agg(list)
                    refreshed.clear()
                    counts.total += len(todo)
                    display.update()

                    for source in todo:
                        refresh(source, stale[source.name] == {"report"}, ids, history, rules)
                    runner.drain(0, record_refresh, fail)
                    flush_report_keys()
                    while uncached:
                        for name in list(uncached):
                            uncached.remove(name)
                            refresh(by_name[name], False, ids, history, rules)
                        runner.drain(0, record_refresh, fail)
                        flush_report_keys()
                    if not refreshed:
                        break
                else:  # the last round stored runs again: the stored hints and figures follow them
                    figures = log_history(store).figures
                if reports:
                    _remove_stale_reports(store, reports_dir)
                store.set_meta("norms", setting)
                store.set_meta(_REFRESH_PENDING, None)
        except KeyboardInterrupt:
            summary.interrupted = True
            runner.close(cancel=True)
            writer.close(account=True)  # the group being written is finished and counted, the others dropped
            display.close()
            _drop_cache(cache_dir)
            summary.elapsed_s = time.monotonic() - started
            raise BatchInterrupted(summary) from None
        except BaseException:
            runner.close(cancel=True)
            writer.close(account=False)
            display.close()
            _drop_cache(cache_dir)
            raise
        runner.close()
        writer.close()
        display.close()
        _drop_cache(cache_dir)

        if dashboard:
            from ..report.dashboard import INDEX_FILE, write_dashboard

            index = outdir / INDEX_FILE
            if index_stale or not index.is_file():  # an unchanged log keeps its dashboard
                write_dashboard(store.sql, outdir, reports=reports, figures=figures)
            summary.index = index
    summary.elapsed_s = time.monotonic() - started
    return summary


@contextlib.contextmanager
def _terminate_as_interrupt():
    """While the batch runs, SIGTERM (``kill``, a service manager, a CI timeout) stops it as Ctrl-C does:
    the workers are stopped, the store closed consistent, :class:`BatchInterrupted` raised.

    Without it SIGTERM ended the parent at once and left the forkserver and the worker processes running,
    orphaned, holding the batch's output pipes (found on 2026-12-03; ``tests/batch/test_interrupt.py``).
    Only in the main thread (where Python handles signals) and only over Python's default action: a
    handler the caller installed is kept.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _LocalRunner:
    """The local engine: ``jobs`` worker processes, at most ``2 × jobs`` files in flight."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.limit = 2 * jobs
        self.pool = _pool(jobs)
        self.in_flight: dict[Future, FileTask] = {}

    def submit(self, task: FileTask) -> None:
        try:
            future = self.pool.submit(process_file, task)
        except BrokenProcessPool as e:
            # A worker died and broke the pool before drain collected it: this file joins the files in
            # flight that drain retries, one at a time, in a fresh pool.
            future = Future()
            future.set_exception(e)
        self.in_flight[future] = task

    def drain(self, block_until: int, record, fail) -> None:
        """Record results as they complete until at most ``block_until`` files are in flight."""
        while len(self.in_flight) > block_until:
            done, _ = wait(list(self.in_flight), return_when=FIRST_COMPLETED)
            broken = []
            for f in done:
                task = self.in_flight.pop(f)
                try:
                    result = f.result()
                except BrokenProcessPool:
                    broken.append(task)
                    continue
                except Exception as e:  # noqa: BLE001 - e.g. a result that would not pickle: this file only
                    fail(task.source, task.content_hash, "analyse", e)
                    continue
                record(result)
            if broken:
                broken += list(self.in_flight.values())
                self.in_flight.clear()
                self.pool.shutdown(wait=True, cancel_futures=True)
                self.pool = _pool(self.jobs)
                for task in broken:
                    _retry_alone(task, record, fail)

    def norms_map(self):
        """``map(function, items)`` on the workers for :func:`runload.batch.refresh.learn_norms` (which they
        would otherwise wait for); ``None`` with one job (in this process)."""
        return self.map if self.jobs > 1 else None

    def map(self, fn, items: list) -> list:
        """``[fn(item) for item in items]`` computed by the workers (none may be in flight); in this process
        when a worker dies meanwhile (the pool is then started again)."""
        try:
            return list(self.pool.map(fn, items))
        except BrokenProcessPool:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = _pool(self.jobs)
            return [fn(item) for item in items]

    def close(self, cancel: bool = False) -> None:
        """Stop the workers (``cancel``: drop the files in flight, nothing of them is recorded)."""
        if cancel:
            for f in self.in_flight:
                f.cancel()
            self.in_flight.clear()
        self.pool.shutdown(wait=True, cancel_futures=cancel)


def _make_runner(engine: str, scheduler: str | None, jobs: int):
    """The runner of ``engine``: submit / drain / close, the same for every engine."""
    if engine == "local":
        return _LocalRunner(jobs)
    from .dask_engine import DaskRunner  # lazily: only the dask engine needs dask.distributed

    return DaskRunner(scheduler)


def _retry_alone(task: FileTask, record, fail) -> None:
    """Run one file whose pool broke in a fresh one-worker pool; a second death is the file's failure."""
    pool = _pool(1, in_process=False)
    try:
        record(pool.submit(process_file, task).result())
    except BrokenProcessPool:
        fail(task.source, task.content_hash, "analyse", PortableError("WorkerDied", _WORKER_DIED))
    finally:
        pool.shutdown(wait=True)


def _file_stat(source) -> tuple[int, int, int] | None:
    """``(size, mtime_ns, when)`` of a plain file (not an archive member), ``when`` the time of the stat
    [ns since the epoch], for :meth:`runload.store.Store.known_hash`; ``None`` when it cannot be stat'ed."""
    if source.member is not None or source.via:
        return None
    when = time.time_ns()
    try:
        st = os.stat(source.path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, when


def _drop_cache(cache: Path | None) -> None:
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)


def _gear(source) -> str | None:
    """The export's gear of a discovered file (Strava activities.csv), else None."""
    gear = ((source.extra or {}).get("gear") if source is not None else None)
    return str(gear) if gear else None


def _report_names(store) -> dict[str, str]:
    """Report file name (in ``OUTDIR/runs``) → source, of every stored run."""
    frame = store.sql("SELECT run_id, source, name, start_local, session_index FROM runs")
    names = {}
    for row in frame.itertuples(index=False):
        start = None if row.start_local is None or row.start_local != row.start_local else row.start_local
        names[report_name(row.run_id, row.source, row.name, start, row.session_index)] = row.source
    return names


def _sources_missing_reports(store, reports_dir: Path) -> set[str]:
    """Sources stored as runs whose report file is missing (written again by this batch)."""
    return {source for name, source in _report_names(store).items() if not (reports_dir / name).is_file()}


def _remove_stale_reports(store, reports_dir: Path) -> None:
    """Delete the report pages of runs the store no longer holds (a file whose content changed has new
    runs, so new pages; a file gone from the log or now failing has none), so that ``OUTDIR/runs`` shows
    only what the dashboard links.  Only ``*.html`` pages of this folder are touched."""
    keep = set(_report_names(store))
    try:
        pages = [p for p in reports_dir.iterdir() if p.suffix == ".html" and p.name not in keep]
    except OSError:
        return
    for page in pages:
        try:
            page.unlink()
        except OSError:
            pass  # removed next time
