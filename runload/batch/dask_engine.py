"""The dask engine of ``runload batch``: files analysed on a dask.distributed cluster.

``process_log(..., engine="dask", scheduler="tcp://HOST:PORT")`` (CLI ``--engine dask --scheduler
tcp://HOST:PORT``) connects a :class:`distributed.Client` to an existing scheduler and sends each file
to the cluster as a :class:`~runload.batch.worker.FileTask` (the bytes the parent read and hashed: a dask
worker never opens a user's path).  Results stream back as they complete
(:class:`distributed.as_completed`) and the parent alone writes them to the store, one transaction per
file, with the same code as the local engine.  At most ``2 ×`` the cluster's worker threads (counted
when the batch starts, at least 2) files are in flight, so the parent's memory stays bounded whatever
the size of the log.

Reports: the dask workers may not share ``OUTDIR``'s filesystem, so a worker renders each run's report
into a temporary folder of its own and returns the HTML bytes with the result; the parent writes them
to ``OUTDIR/runs/`` (each atomically: a temporary file, then a rename).  Rendering stays on the cluster;
a report the parent cannot write is a report error as with the local engine (the run stays stored).

A dask worker that dies mid-task (killed, out of memory): the scheduler gives the task to another worker,
up to its ``distributed.scheduler.allowed-failures`` (default 3), then gives up with ``KilledWorker``.
The scheduler counts a death against every task the dead worker held, so a good file that ran beside a
bad one comes back ``KilledWorker`` too.  Such a file is therefore a suspect, not a failure: once the
files in flight are done, each suspect runs again alone on the cluster (nothing else of the batch in
flight), and only a file that is given up again while alone is recorded as a failure at stage
``analyse`` (``WorkerDied``) — the rule of the local engine, whose broken pool retries its files one at
a time.  A bad file thus kills up to ``2 × (allowed-failures + 1)`` workers.  The store never sees half
a file.

Every dask worker needs runload (the same version) and its dependencies installed.  This module imports
:mod:`distributed`; :mod:`runload.batch.engine` imports it only when the dask engine is chosen.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import OutdirError, RunloadError, outdir_problem
from .worker import FileResult, FileTask, PortableError, process_file

try:
    import distributed
    from distributed import Client, as_completed
    from distributed.scheduler import KilledWorker
except ImportError as e:  # pragma: no cover - depends on the installation
    raise RunloadError(None, "the dask engine needs dask.distributed: pip install 'dask[distributed]'") \
        from e

__all__ = ["DaskRunner", "remote_process_file", "CONNECT_TIMEOUT_S"]

#: [s] how long to wait for the scheduler before giving up (a wrong address fails in this time).
CONNECT_TIMEOUT_S = 20

_WORKER_DIED = ("the dask worker analysing this file died (killed, or out of memory) each time the "
                "scheduler gave it the file, also when it ran alone on the cluster")


def remote_process_file(task: FileTask) -> tuple[FileResult, dict[str, bytes]]:
    """What a dask worker runs: :func:`~runload.batch.worker.process_file`, with the reports rendered
    into a private temporary folder and returned as ``{file name: HTML bytes}``."""
    pages: dict[str, bytes] = {}
    if task.reports_dir is None:
        return process_file(task), pages
    with tempfile.TemporaryDirectory(prefix="runload-reports-") as tmp:
        result = process_file(task, reports_dir=Path(tmp))
        for written in result.reports:
            pages[Path(written).name] = Path(written).read_bytes()
    result.reports = []
    return result, pages


def _write_pages(result: FileResult, pages: dict[str, bytes], reports_dir: Path) -> None:
    """Write the reports a worker rendered into ``reports_dir``; a failure is a report error.

    Raises
    ------
    OutdirError
        The disk is full or read-only (:func:`runload.errors.outdir_problem`): every later page would fail
        too, so the batch stops; this file is not recorded (the next batch does it again).
    """
    for name, page in pages.items():
        target = reports_dir / name
        tmp = target.with_name(f".{name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(page)
            os.replace(tmp, target)
        except OSError as e:
            with contextlib.suppress(OSError):  # on a read-only file system even this may fail
                tmp.unlink(missing_ok=True)
            problem = outdir_problem(e)
            if problem is not None:
                raise OutdirError(reports_dir.parent, f"cannot write the reports: {problem}") from e
            result.report_errors.append(PortableError("OSError", f"{target}: {e.strerror or e}"))
            continue
        result.reports.append(str(target))


def _deliver(task: FileTask, outcome, record, fail) -> None:
    """Record a task's outcome: its result (with the reports the worker rendered) or its failure."""
    if isinstance(outcome, (BaseException, PortableError)):
        fail(task.source, task.content_hash, "analyse", outcome)
        return
    result, pages = outcome
    if pages:
        _write_pages(result, pages, Path(task.reports_dir))
    record(result)


class DaskRunner:
    """Submit / drain / close over a dask.distributed cluster (the interface of the local runner).

    Parameters
    ----------
    scheduler : str
        The scheduler's address, e.g. ``"tcp://SCHEDULER-HOST:8786"``.

    Raises
    ------
    RunloadError
        The scheduler cannot be reached within :data:`CONNECT_TIMEOUT_S`.
    """

    def __init__(self, scheduler: str):
        self.scheduler = scheduler
        try:
            self.client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise RunloadError(None, f"cannot connect to the dask scheduler {scheduler}: {e}") from e
        threads = sum(self.client.nthreads().values())
        self.limit = max(2, 2 * threads)
        self.in_flight: dict[distributed.Future, FileTask] = {}
        self.completed = as_completed(loop=self.client.loop)
        #: Files given up (KilledWorker) while other files were in flight: run again alone before judging.
        self.suspects: list[FileTask] = []

    def submit(self, task: FileTask) -> None:
        # pure=False: every submission is its own task (never merged with an identical one).
        future = self.client.submit(remote_process_file, task, pure=False)
        self.in_flight[future] = task
        self.completed.add(future)

    def drain(self, block_until: int, record, fail) -> None:
        """Record results as they complete until at most ``block_until`` files are in flight; when a worker
        death left suspects, until the files in flight are done and each suspect ran alone."""
        while self.suspects or len(self.in_flight) > block_until:
            if not self.in_flight:
                self._run_alone(self.suspects.pop(0), record, fail)
                continue
            future = next(self.completed)
            task = self.in_flight.pop(future)
            try:
                outcome = future.result()
            except KilledWorker:  # this file's worker died, or it only ran beside the file that killed it
                self.suspects.append(task)
                continue
            except Exception as e:  # noqa: BLE001 - e.g. a result that would not unpickle: this file only
                outcome = e
            finally:
                future.release()
            _deliver(task, outcome, record, fail)

    def _run_alone(self, task: FileTask, record, fail) -> None:
        """Run a suspect with no other file of the batch on the cluster: a death now is its own doing."""
        future = self.client.submit(remote_process_file, task, pure=False)
        self.in_flight[future] = task  # a Ctrl-C while waiting: close(cancel=True) cancels it
        try:
            outcome = future.result()
        except KilledWorker:
            outcome = PortableError("WorkerDied", _WORKER_DIED)
        except Exception as e:  # noqa: BLE001 - as in drain: this file only
            outcome = e
        del self.in_flight[future]
        future.release()
        _deliver(task, outcome, record, fail)

    def norms_map(self):
        """``None``: the norms are learnt in the parent (the staged runs' files are on this machine only)."""
        return None

    def close(self, cancel: bool = False) -> None:
        """Disconnect (``cancel``: drop the files in flight and the suspects first; nothing of them is
        recorded)."""
        if cancel and self.in_flight:
            self.client.cancel(list(self.in_flight))
        self.in_flight.clear()
        self.suspects.clear()
        self.completed.clear()
        self.client.close()
