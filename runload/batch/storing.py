"""The batch's one store writer: groups of analysed files written in a thread while the workers go on.

The parent process writes the store alone (:mod:`runload.batch.engine`), a group of analysed files per
transaction (:meth:`runload.store.Store.put_rows_many`).  A group costs the parent ~12 ms of CPU per
one-hour run; written in the parent's main loop, the loop sent no file to the workers meanwhile, and they
ran dry: the analysis pass of a 2,000-run log kept the 2 cores of the benchmark 81 % busy, 98 % with the
groups written in a thread (65–70 s → 56–58 s, ``benchmarks/bench_batch.py``; issue 10).

:class:`GroupWriter` writes each group in one thread of its own, in the order given.  What became of the
files of a group (stored, or refused by the store) is handed to the batch's callback in the main thread
only, when the main thread next calls :meth:`~GroupWriter.put` or :meth:`~GroupWriter.sync`.  The main
thread uses the store only through :attr:`GroupWriter.store`, which first waits for every group given
to be written and accounted: the DuckDB connection is never used by two threads at once.  An error of a
write that stops the batch (:class:`~runload.errors.OutdirError`, a Ctrl-C) is raised in the main thread
at that point.  At most :data:`MAX_QUEUED` groups wait for the writer, so the parent's memory stays bounded
when the store is slower than the workers.

Without a thread (``threaded=False``: ``jobs=1``, where the main thread analyses the files itself and a
thread would only compete with it) each group is written at once, as before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from ..errors import StoreError

__all__ = ["Group", "GroupWriter", "MAX_QUEUED", "GROUP_FILES", "GROUP_SAMPLES"]

#: DuckDB's row group: 122,880 rows of a table (``ROW_GROUP_SIZE``, DuckDB 1.x–2.x).
DUCKDB_ROW_GROUP = 122_880
#: A group of analysed files stored in one transaction: at most this many files, and never more samples
#: than two DuckDB row groups — the group is written before a file would take it past them (68 one-hour
#: runs).  A transaction whose rows fill a row group has DuckDB write them to the database file at once,
#: compressed, instead of through its write-ahead log: for 240 runs of 20 min to 2 h the writer's CPU per
#: run fell from 13.0 ms (groups of 32 files or 60,000 samples) to 7.8 ms, the store the same size (195
#: against 200 MiB).  Not past them: a transaction a few rows past a row-group boundary leaves a small row
#: group on disk each time; groups closed once past two row groups made a store of 282 MiB (35 or 48
#: one-hour runs per transaction: twice the size).  Issue 10, ``benchmarks/bench_store.py --mixed 240``.
GROUP_FILES, GROUP_SAMPLES = 128, 2 * DUCKDB_ROW_GROUP


class Group:
    """The analysed files waiting to be stored together (:data:`GROUP_FILES`, :data:`GROUP_SAMPLES`)."""

    def __init__(self):
        self.results: list = []
        self.samples = 0

    def has_room(self, samples: int) -> bool:
        """Whether a file of ``samples`` samples joins the group without taking it past :data:`GROUP_SAMPLES`
        (an empty group takes any file)."""
        return not self.results or self.samples + samples <= GROUP_SAMPLES

    def add(self, result, samples: int) -> None:
        self.results.append(result)
        self.samples += samples

    @property
    def full(self) -> bool:
        return len(self.results) >= GROUP_FILES

    def take(self) -> list:
        """The group's files, the group emptied."""
        results, self.results, self.samples = self.results, [], 0
        return results


#: Groups given to the writer and not yet written, at most (the one being written): the main thread fills
#: the next meanwhile, and waits for the writer before it gives it (a group holds up to ~90 MB of samples,
#: :data:`GROUP_SAMPLES`).
MAX_QUEUED = 1

#: What became of each file of a group: ``(result, run ids, None)`` stored, ``(result, None, StoreError)``
#: refused.
Outcome = list[tuple[object, "list[str] | None", "StoreError | None"]]

#: Store methods that only look at what the store keeps in memory (never the connection): the main thread
#: calls them without waiting for the writer.
_IN_MEMORY = frozenset({"needs_processing", "known_hash", "note_stat", "entry", "outdir"})


def write_group(store, group: list) -> Outcome:
    """Store ``group`` (:class:`~runload.batch.worker.FileResult` of analysed files) in one transaction; a
    group the store refuses is written again file by file, so only the file it refuses fails."""
    try:
        ids = store.put_rows_many([(r.source, r.content_hash, r.rows) for r in group])
        return [(r, these, None) for r, these in zip(group, ids, strict=True)]
    except StoreError:
        pass
    out: Outcome = []
    for r in group:
        try:
            out.append((r, store.put_rows(r.source, r.content_hash, r.rows), None))
        except StoreError as e:
            out.append((r, None, e))
    return out


def write_group_alone(store, group: list) -> Outcome:
    """:func:`write_group` with DuckDB on one thread (:meth:`~runload.store.Store.single_threaded`): the
    writer thread's, beside the workers that take every core."""
    with store.single_threaded():
        return write_group(store, group)


class _MainThreadStore:
    """The store as the main thread sees it: any use of the connection waits for the writer first."""

    def __init__(self, writer: GroupWriter):
        self._writer = writer

    def __getattr__(self, name: str):
        if name in _IN_MEMORY:
            return getattr(self._writer._store, name)
        self._writer.sync()
        value = getattr(self._writer._store, name)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            self._writer.sync()
            return value(*args, **kwargs)

        return call


class GroupWriter:
    """Writes groups of analysed files to ``store`` (in a thread when ``threaded``), in order.

    Parameters
    ----------
    store : runload.store.Store
    threaded : bool
    accounted : callable
        ``accounted(outcome)``, called in the main thread with each group's :data:`Outcome`, in order.
    """

    def __init__(self, store, threaded: bool, accounted: Callable[[Outcome], None]):
        self._store = store
        self._accounted = accounted
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="runload-store") if threaded else None
        self._pending: deque[Future] = deque()
        self.store = _MainThreadStore(self)

    def put(self, group: list) -> None:
        """Write ``group`` (in the thread: returns at once, unless :data:`MAX_QUEUED` groups are being written)."""
        if not group:
            return
        if self._pool is None:
            self._accounted(write_group(self._store, group))
            return
        self._pending.append(self._pool.submit(write_group_alone, self._store, group))
        self._collect(block_while=MAX_QUEUED)

    def sync(self) -> None:
        """Wait until every group given is written, and account for it."""
        self._collect(block_while=0)

    def close(self, account: bool = True) -> None:
        """Stop the thread: groups not started are dropped, the one being written is finished (a transaction
        is never left half done) and, when ``account``, accounted; its error is not raised then (the batch
        is already stopping).  Groups given later are written at once."""
        if self._pool is None:
            return
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)
        self._pool = None
        written = [f for f in self._pending if not f.cancelled() and f.exception() is None]
        self._pending.clear()
        if account:
            for future in written:
                self._accounted(future.result())

    def _collect(self, block_while: int) -> None:
        # Account for the groups written, in order; wait for the oldest while more than ``block_while`` are
        # not written.  A group's error is raised here, in the main thread.
        while self._pending and (self._pending[0].done() or len(self._pending) > block_while):
            outcome = self._pending.popleft().result()
            self._accounted(outcome)
