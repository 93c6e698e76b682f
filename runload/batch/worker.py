"""The work of one file in a batch: bytes → runs → analyses → reports, in a worker process.

:func:`process_file` is what a worker runs (the batch's parent calls it directly with ``jobs=1``).  It
gets the file's decompressed bytes (read and hashed by the parent, so a worker never opens a user's
path and a remote worker could run it unchanged), and returns a :class:`FileResult` that pickles:
the :class:`~runload.analysis.Analysis` objects (about 0.7 MB for a 30-minute run) for the parent to
write to the store, or the stage and error that stopped the file.  Workers never touch the store.

Which outcome a file gets (every file exactly one):

``runs``
    At least one running session was read and analysed (with the personal norms of its month, when the
    task carries norms: :func:`runload.norms.norms_for`).  When the task asks for reports (the batch's
    second pass, once the hints over the whole log are known: ``final_hints``), they are written here, by
    the worker (rendering takes longer than the analysis), to ``OUTDIR/runs/<name>``
    (:mod:`runload.batch.names`), showing the final hints, and ``report_keys`` says what each shows.
    A report that cannot be written does NOT move the file out of ``runs``: the analysis is good and
    stored; the report error is returned in ``report_errors`` (the batch counts it, prints it and exits
    1, the dashboard shows "no report") and the next batch writes the missing report again.
``skipped``
    The file decodes but holds no running session (:class:`~runload.errors.NotARunError`, with the
    sport found), or it holds no timed samples (:class:`~runload.errors.EmptyRunError`: a planned route
    or a GPX of waypoints, not a recorded run).
``failure``
    Stage ``read`` (any other error while sniffing or decoding) or ``analyse`` (an analysis raised; a
    file of several sessions fails whole, so it is retried whole).

Errors cross the process boundary as :class:`PortableError` values (runload's exceptions take two
constructor arguments and do not unpickle by themselves).
"""

from __future__ import annotations

import gc
import signal
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import EmptyRunError, NotARunError, RunloadWarning, error_reason

__all__ = ["FileTask", "FileResult", "PortableError", "process_file", "init_worker", "one_blas_thread",
           "ANALYSE_HOOK"]


@dataclass(frozen=True)
class PortableError:
    """An exception as data: its class name, its one-line reason and the traceback text."""

    type_name: str
    message: str
    traceback: str = ""

    @classmethod
    def of(cls, exc: BaseException) -> PortableError:
        return cls(type(exc).__name__, error_reason(exc),
                   "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


@dataclass(frozen=True)
class FileTask:
    """What a worker needs for one file (all picklable).

    Attributes
    ----------
    source : str  display name, also the store key
    data : bytes  the decompressed file content
    compression : str or None
    content_hash : str
    profile : AthleteProfile or None  the batch's profile (``None``: each run's own / defaults)
    height_m, mass_kg : float or None  overrides, as ``--height``/``--mass``
    reports_dir : str or None  ``OUTDIR/runs`` (``None``: no reports)
    extra : dict or None  export metadata (activities.csv); its ``name`` names a run without one
    norms : dict or None  month → :class:`~runload.norms.PersonalNorms` of the log (``None``: none)
    final_hints : dict or None  run id → the training hints its report shows (the hints over the log);
        a run not in it shows its own selection
    history_rules : dict or None  run id → the history rules evaluated for it (its report's methods)
    profile_hash : str or None  the batch's profile fingerprint (:func:`runload.store.profile_hash`) for the
        store rows
    gear : str or None  the export's gear for the file (Strava ``activities.csv``)
    mode : {"analyse", "norm_inputs", "render"}
        ``"analyse"``: read, analyse, build the store rows and write the reports (when asked).
        ``"norm_inputs"``: read and compute only what the personal norms read
        (:func:`runload.pipeline.gait_samples` without the timing, :func:`runload.store.rows.norm_input_rows`).
        ``"render"``: complete the reports of the frames cached at ``cache`` (no reading, no analysis).
    cache : list of str or None
        ``"analyse"``: the folder to pickle each run's report frame into (one file per run id; the report
        rendered but for its hints and methods, :class:`runload.report.html.ReportFrame`), for a later
        ``"render"`` task of the same batch, which completes the pages once the hints over the log are
        known; ``"render"``: those files, in the file's run order;
        ``"norm_inputs"``: the folder to pickle the runs read into (:func:`runs_path`), with each run's
        cleaned samples (:func:`runload.clean.clean_samples`), the warnings cleaning raised and the
        altitude profiles its grade repaired (:func:`runload.grade.remembered_repairs`), so that the
        ``"analyse"`` task of the same batch neither reads nor cleans the file again, nor repairs the
        same profile for the climbs.
    report_folder : str or None
        ``"analyse"`` with ``cache``: the folder the reports of the cached frames will be written to
        (``OUTDIR/runs``: their links and plotly.js path are relative to it); no frame is cached without it.
    runs_file : str or None
        ``"analyse"``: the runs as a ``"norm_inputs"`` task of this batch read and cleaned them (``data``
        is then empty; the cleaning's warnings are raised again, in the order a fresh analysis raises
        them); a file that cannot be loaded fails at stage ``"cache"`` (the batch reads the file again).
    """

    source: str
    data: bytes
    compression: str | None
    content_hash: str
    profile: object = None
    height_m: float | None = None
    mass_kg: float | None = None
    reports_dir: str | None = None
    extra: dict | None = None
    norms: dict | None = None
    final_hints: dict | None = None
    history_rules: dict | None = None
    profile_hash: str | None = None
    gear: str | None = None
    mode: str = "analyse"
    cache: object = None
    report_folder: str | None = None
    runs_file: str | None = None


@dataclass
class FileResult:
    """What became of one file: ``status`` ∈ {"runs", "skipped", "failure"}.

    Attributes
    ----------
    rows : list of RunRows  the store rows of each analysed run (``runs``), built here so the batch's one
        writer only inserts them; the analyses themselves stay in the worker (they are several times
        larger to send)
    reports : list of str  report paths written (``runs``)
    report_keys : dict  run id → :func:`runload.store.report_key` of each report written (``runs``)
    report_errors : list of PortableError  reports that could not be written (``runs``)
    reason, sport : str  (``skipped``)
    stage : str, error : PortableError  (``failure``)
    staged : tuple of (list of dict, list of pandas.DataFrame) or None  what the norms read of the file's
        runs: one row and one frame of seconds per run (``runs`` of a ``"norm_inputs"`` task;
        :func:`runload.store.rows.norm_input_rows`, :class:`runload.batch.staging.StagedRuns`)
    """

    source: str
    content_hash: str
    status: str
    rows: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    report_keys: dict = field(default_factory=dict)
    report_errors: list = field(default_factory=list)
    reason: str | None = None
    sport: str | None = None
    stage: str | None = None
    error: PortableError | None = None
    staged: tuple | None = None


#: Test hook: called with each run before it is analysed (counts analyses in the tests).
ANALYSE_HOOK = None


def init_worker() -> None:
    """Start of each worker process: Ctrl-C is the parent's business (it finishes or drops the files in
    flight and closes the store), so workers ignore SIGINT; BLAS runs on one thread (:func:`one_blas_thread`)
    for the worker's life; the objects the worker starts with are moved out of the garbage collector's
    reach (``gc.freeze``).

    Why freeze: a worker starts with the modules its forkserver preloaded (:func:`runload.batch.engine._pool`),
    about 60,000 objects that live as long as it does, and every full collection would walk them again.
    Frozen, they are never collected (they never were garbage); what the files allocate is collected as
    before.  Measured on the 2-core development machine (issue 10, callgrind): a worker's three tasks over
    13 one-hour files of the simulated log in one process, frozen after a first file, took 1.4 % fewer
    instructions (9,836 M against 9,973 M).
    """
    global _BLAS_LIMIT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _BLAS_LIMIT = one_blas_thread()
    gc.freeze()


_BLAS_LIMIT = None  # a worker's limit, kept for its life


def one_blas_thread():
    """Keep BLAS (numpy's and scipy's linear algebra) on one thread in this process: a context manager
    (``threadpoolctl.threadpool_limits``) whose limit holds from now until it exits.

    A batch keeps every core busy with its own processes (the workers, the parent writing the store);
    BLAS's threads on top of them only compete for the same cores, and the matrices here are small (the
    cadence model's Huber fit: 4 columns).  Measured on the 2-core development machine (issue 10): learning
    the personal norms of 800 runs in one process took 3.67 s on one BLAS thread against 4.41 s on BLAS's
    default two (``benchmarks/bench_norms.py --files 800 --workers 2`` with ``OPENBLAS_NUM_THREADS=1`` and
    without), and ``runload batch`` over 2,000 one-hour runs 135 and 146 s against 171 and 157 s, run in turn.
    The numbers change only by the order of the sums (a cadence-model coefficient by 2e-10; the norms' keys,
    rounded to 6 decimals, are the same), and a batch's no longer depend on how many cores BLAS would use.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _keep_warnings(caught, analyses) -> None:
    """Runload warnings raised while reading go into each run's ``meta.warnings`` (never lost)."""
    _keep_run_warnings(caught, [a.run for a in analyses])


def _runload_warnings(caught) -> list[tuple[type, str]]:
    """The runload warnings among ``caught``, as (category, text)."""
    return [(w.category, str(w.message)) for w in caught if issubclass(w.category, RunloadWarning)]


def _keep_run_warnings(caught, runs) -> None:
    for _, text in _runload_warnings(caught):
        for run in runs:
            if text not in run.meta.warnings:
                run.meta.warnings.append(text)


def runs_path(cache: Path, source: str, content_hash: str) -> Path:
    """Where a ``"norm_inputs"`` task pickles the runs it read of ``source`` (at ``content_hash``)."""
    import hashlib

    key = hashlib.sha256(f"{source}\0{content_hash}".encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return cache / f"{key}.runs.pickle"


def _dump_pickle(value, target: Path) -> bool:
    """Pickle ``value`` to ``target`` (written whole or not at all); False when it cannot be written
    (a cache: the batch then does the work again)."""
    import pickle

    part = target.with_suffix(".part")
    try:
        with open(part, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        part.replace(target)
    except OSError:
        return False
    return True


def _load_pickle(path):
    import pickle

    with open(path, "rb") as f:
        return pickle.load(f)  # noqa: S301 - written by this batch into its own OUTDIR's cache


def process_file(task: FileTask, reports_dir: Path | None = None) -> FileResult:
    """Read, analyse and report one file (see the module docstring for the outcomes).

    ``reports_dir`` overrides where the reports go (a dask worker renders into a private folder); they are
    written only when the task asks for reports (``task.reports_dir``).
    """
    from ..clean import clean_samples
    from ..grade import remember_repairs, remembered_repairs
    from ..io.dispatch import read_bytes_runs
    from ..norms import norms_for
    from ..pipeline import analyze_run, gait_samples
    from ..profile import given_profile
    from ..store.rows import analysis_rows, norm_input_rows

    result = FileResult(task.source, task.content_hash, "failure")
    if task.mode == "render":
        return _render_cached(task, result, reports_dir)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            cleaned, read_warnings = None, 0  # read_warnings: how many of ``caught`` reading raised
            if task.runs_file is not None:
                try:
                    runs, cleaned, repairs = _load_pickle(task.runs_file)
                    remember_repairs(repairs)
                except Exception as e:  # noqa: BLE001 - the batch reads the file again
                    result.stage, result.error = "cache", PortableError.of(e)
                    return result
            else:
                runs = read_bytes_runs(task.data, source_name=task.source, compression=task.compression)
                read_warnings = len(caught)
        except NotARunError as e:
            result.status, result.reason, result.sport = "skipped", e.reason, e.sport
            return result
        except EmptyRunError as e:
            result.status, result.reason = "skipped", f"no recorded run ({e.reason})"
            return result
        except Exception as e:  # noqa: BLE001 - any reader error is this file's failure, kept with its type
            result.stage, result.error = "read", PortableError.of(e)
            return result
        analyses, staged, cleaning = [], [], []
        known_repairs = remembered_repairs().keys()
        try:
            for i, run in enumerate(runs):
                if not run.meta.name and task.extra and task.extra.get("name"):
                    run.meta.name = str(task.extra["name"])
                given = given_profile(run, task.profile, height_m=task.height_m, mass_kg=task.mass_kg)
                norms = norms_for(task.norms, local_start(run.meta)) if task.norms else None
                if task.mode == "norm_inputs":
                    before = len(caught)
                    clean = clean_samples(run)
                    cleaning.append((clean, _runload_warnings(caught[before:])))
                    profile, samples = gait_samples(run, given, norms=norms, cleaned=clean, timing=False)
                    staged.append(norm_input_rows(run, profile, samples, task.source, task.content_hash))
                    continue
                if ANALYSE_HOOK is not None:
                    ANALYSE_HOOK(run)
                clean = None
                if cleaned is not None:  # cleaned by this batch's first look: its warnings raised again here
                    clean, raised = cleaned[i]
                    for category, text in raised:
                        warnings.warn(text, category, stacklevel=1)
                analyses.append(analyze_run(run, given, norms=norms, cleaned=clean))
        except Exception as e:  # noqa: BLE001 - as above, stage "analyse"
            result.stage, result.error = "analyse", PortableError.of(e)
            return result
        if task.mode == "norm_inputs":
            if task.cache is not None:
                _keep_run_warnings(caught[:read_warnings], runs)
                # with the grade's repaired profiles, which the analysis's climbs would otherwise repeat
                repairs = {k: v for k, v in remembered_repairs().items() if k not in known_repairs}
                _dump_pickle((runs, cleaning, repairs), runs_path(Path(task.cache), task.source, task.content_hash))
            result.staged = ([row for row, _ in staged], [seconds for _, seconds in staged])
            result.status = "runs"
            return result
        _keep_warnings(caught, analyses)
    try:
        result.rows = [analysis_rows(a, task.source, task.content_hash, task.profile_hash, gear=task.gear)
                       for a in analyses]
    except Exception as e:  # noqa: BLE001 - a value the store cannot take is this file's analysis failure
        result.stage, result.error = "analyse", PortableError.of(e)
        return result
    result.status = "runs"
    if task.cache is not None and task.report_folder is not None:
        _cache_frames(result, analyses, Path(task.cache), Path(task.report_folder))
    if task.reports_dir is not None:
        write_run_reports(result, analyses, Path(reports_dir or task.reports_dir), task.final_hints,
                          task.history_rules)
    return result


def cache_path(cache: Path, rid: str) -> Path:
    """Where an ``"analyse"`` task pickles the report frame of run ``rid`` for a later ``"render"`` task."""
    return cache / f"{rid}.pickle"


def _cache_frames(result: FileResult, analyses: list, cache: Path, reports_dir: Path) -> None:
    """Render each run's report but for its hints and methods, and pickle that frame (lightened:
    :meth:`runload.report.html.ReportFrame.lightened`) for this batch's ``"render"`` task, which completes
    the page once the hints over the log are known.  A frame that cannot be rendered or written only costs
    the file a second analysis then (the ``"render"`` task finds no frame)."""
    for (rid, target, links), analysis in zip(_report_plan(result, analyses, reports_dir), analyses, strict=True):
        try:
            frame = _report_frame(analysis, target, links)
        except Exception:  # noqa: BLE001 - the render task then analyses the file again and reports the error
            return
        if not _dump_pickle(frame.lightened(), cache_path(cache, rid)):
            return


def _report_frame(analysis, target: Path, links: list | None):
    """The :class:`~runload.report.html.ReportFrame` of a run's report at ``target`` (a batch's reports share
    ``OUTDIR/plotly.min.js``)."""
    from ..report.html import report_frame
    from .names import PLOTLY_FROM_RUN

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return report_frame(analysis, plotlyjs=PLOTLY_FROM_RUN, out_dir=target.parent, run_links=links)


def _render_cached(task: FileTask, result: FileResult, reports_dir: Path | None) -> FileResult:
    """A ``"render"`` task: the reports of the frames this batch cached (:func:`_cache_frames`)."""
    try:
        frames = [_load_pickle(path) for path in task.cache]
    except Exception as e:  # noqa: BLE001 - a cache that cannot be read: the batch analyses the file again
        result.stage, result.error = "cache", PortableError.of(e)
        return result
    result.status = "runs"
    _write_pages(result, [(f.analysis, f) for f in frames], Path(reports_dir or task.reports_dir),
                 task.final_hints, task.history_rules)
    return result


def local_start(meta):
    """The run's local start (naive wall-clock time where it was; the UTC start where unknown), as the
    store's ``runs.start_local``; None without a start."""
    from ..report.units import local_time

    if meta.start is None:
        return None
    return local_time(meta.start, meta.utc_offset_s, meta.timezone).tz_localize(None)


def _report_plan(result: FileResult, analyses: list, reports_dir: Path) -> list[tuple[str, Path, list | None]]:
    """Run id, report path and the links between the reports of the file (``None`` for a file of one run)
    of each analysed run of ``result``'s file."""
    from ..store import run_id
    from .names import report_name

    ids, targets = [], []
    for a in analyses:
        meta = a.run.meta
        rid = run_id(result.source, result.content_hash, meta.session_index)
        ids.append(rid)
        targets.append(reports_dir / report_name(rid, result.source, meta.name, local_start(meta), meta.session_index))
    links = [(f"run {k}", t.name) for k, t in enumerate(targets, start=1)] if len(targets) > 1 else None
    return [(rid, target, links) for rid, target in zip(ids, targets, strict=True)]


def write_run_reports(result: FileResult, analyses: list, reports_dir: Path, final_hints: dict | None = None,
                      history_rules: dict | None = None) -> None:
    """Write the report of each run (``analyses``) of ``result`` (runs of one file link each other), showing the hints
    over the log (``final_hints``: run id → training hints) where given, else each run's own selection,
    and the history rules evaluated for it (``history_rules``: run id → rule ids) in its methods."""
    _write_pages(result, [(a, None) for a in analyses], reports_dir, final_hints, history_rules)


def _write_pages(result: FileResult, pages: list, reports_dir: Path, final_hints: dict | None,
                 history_rules: dict | None) -> None:
    """Write each report of ``pages`` — (analysis, its :class:`~runload.report.html.ReportFrame`, or None to
    render it here) — and record it (or its error) in ``result``."""
    from ..report import write_report_frame
    from ..store import report_key, versions_key

    plan = _report_plan(result, [a for a, _ in pages], reports_dir)
    for (analysis, frame), (rid, target, links) in zip(pages, plan, strict=True):
        quality = analysis.quality_hints
        training = [h for h in analysis.hints if not any(h is q for q in quality)]
        if final_hints is not None and rid in final_hints:  # the hints over the whole log
            training = list(final_hints[rid])
        rules = tuple((history_rules or {}).get(rid, ()))
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                write_report_frame(frame or _report_frame(analysis, target, links), target,
                                   hints=training + quality, history_rules=rules)
            result.reports.append(str(target))
            result.report_keys[rid] = report_key(rid, versions_key(analysis.model_versions), analysis.norms,
                                                 training, rules)
        except Exception as e:  # noqa: BLE001 - the run stays stored; the report error is reported
            result.report_errors.append(PortableError.of(e))
