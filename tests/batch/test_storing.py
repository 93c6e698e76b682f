"""The batch's group writer (runload.batch.storing): groups written in a thread, in order, accounted in the
main thread; the main thread's store calls wait for the writer; errors reach the main thread."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field

import pytest

from runload.batch.storing import GroupWriter
from runload.errors import OutdirError, StoreError


@dataclass
class _Result:
    source: str
    content_hash: str = "h"
    rows: list = field(default_factory=lambda: ["row"])


class _Store:
    """A store that records its calls (and the thread of each), and can hold a write until released."""

    def __init__(self, refuse: str | None = None, error: BaseException | None = None):
        self.calls: list[tuple[str, object, str]] = []
        self.release = threading.Event()
        self.release.set()
        self.writing = threading.Event()
        self.refuse, self.error = refuse, error
        self.alone = False

    @contextlib.contextmanager
    def single_threaded(self):
        self.alone = True
        try:
            yield self
        finally:
            self.alone = False

    def put_rows_many(self, files):
        self.writing.set()
        self.release.wait(30)
        sources = [s for s, _, _ in files]
        self.calls.append(("many", sources, threading.current_thread().name))
        self.alone_writes = [*getattr(self, "alone_writes", []), self.alone]
        if self.error is not None:
            raise self.error
        if self.refuse in sources:
            raise StoreError(self.refuse, "refused")
        return [[f"{s}#0"] for s in sources]

    def put_rows(self, source, content_hash, rows):
        self.calls.append(("one", source, threading.current_thread().name))
        if source == self.refuse:
            raise StoreError(source, "refused")
        return [f"{source}#0"]

    def put_skipped(self, source, *args):
        self.calls.append(("skipped", source, threading.current_thread().name))

    def needs_processing(self, source, *args):
        return True


def _writer(store, threaded=True):
    outcomes = []

    def accounted(outcome):
        outcomes.append([(r.source, ids, type(e).__name__ if e else None, threading.current_thread().name)
                         for r, ids, e in outcome])

    return GroupWriter(store, threaded=threaded, accounted=accounted), outcomes


def test_groups_are_written_in_the_thread_in_order_and_accounted_in_the_main_thread():
    store = _Store()
    writer, outcomes = _writer(store)
    store.release.clear()
    writer.put([_Result("a"), _Result("b")])  # returns while the write is held
    assert store.writing.wait(10) and outcomes == [] and store.calls == []
    threading.Timer(0.2, store.release.set).start()
    writer.put([_Result("c")])  # waits for the group being written (MAX_QUEUED) and accounts for it
    assert outcomes[0][0][0] == "a"
    writer.sync()
    assert [c[:2] for c in store.calls] == [("many", ["a", "b"]), ("many", ["c"])]
    assert all(c[2].startswith("runload-store") for c in store.calls)
    assert store.alone_writes == [True, True]  # DuckDB on one thread beside the workers
    main = threading.main_thread().name
    assert outcomes == [[("a", ["a#0"], None, main), ("b", ["b#0"], None, main)], [("c", ["c#0"], None, main)]]
    writer.close()


def test_the_main_threads_store_calls_wait_for_the_group_being_written():
    store = _Store()
    writer, outcomes = _writer(store)
    store.release.clear()
    writer.put([_Result("a")])
    assert store.writing.wait(10)
    threading.Timer(0.2, store.release.set).start()
    writer.store.put_skipped("s.gpx", "h", "no run")  # waits for the group, then writes, in this thread
    assert [c[:2] for c in store.calls] == [("many", ["a"]), ("skipped", "s.gpx")]
    assert store.calls[1][2] == threading.main_thread().name and len(outcomes) == 1
    store.release.clear()
    writer.put([_Result("b")])
    assert store.writing.wait(10)
    assert writer.store.needs_processing("x") is True  # in memory: no wait (the write is still held)
    store.release.set()
    writer.close()


def test_a_refused_group_is_written_again_file_by_file_and_only_the_refused_file_fails():
    store = _Store(refuse="b")
    writer, outcomes = _writer(store)
    writer.put([_Result("a"), _Result("b"), _Result("c")])
    writer.sync()
    assert [c[:2] for c in store.calls] == [("many", ["a", "b", "c"]), ("one", "a"), ("one", "b"), ("one", "c")]
    assert [(s, ids, e) for s, ids, e, _ in outcomes[0]] == [("a", ["a#0"], None), ("b", None, "StoreError"),
                                                             ("c", ["c#0"], None)]
    writer.close()


def test_an_error_that_stops_the_batch_is_raised_in_the_main_thread():
    store = _Store(error=OutdirError("out", "cannot write the store: the disk is full"))
    writer, outcomes = _writer(store)
    with pytest.raises(OutdirError, match="the disk is full"):  # at the next put or sync, whichever is first
        writer.put([_Result("a")])
        writer.sync()
    assert outcomes == []
    writer.close(account=False)


@pytest.mark.parametrize("queued", [1, 2])
def test_at_most_max_queued_groups_wait_for_the_writer(monkeypatch, queued):
    import runload.batch.storing as storing

    monkeypatch.setattr(storing, "MAX_QUEUED", queued)
    MAX_QUEUED = queued
    store = _Store()
    writer, outcomes = _writer(store)
    store.release.clear()
    for k in range(MAX_QUEUED):
        writer.put([_Result(f"g{k}")])  # returns at once
    assert len(outcomes) == 0
    threading.Timer(0.3, store.release.set).start()
    writer.put([_Result("last")])  # waits until the oldest group is written
    assert len(outcomes) >= 1 and outcomes[0][0][0] == "g0"
    writer.close()
    assert [o[0][0] for o in outcomes] == [*(f"g{k}" for k in range(MAX_QUEUED)), "last"]


def test_close_finishes_the_group_being_written_and_drops_the_ones_waiting(monkeypatch):
    import runload.batch.storing as storing

    monkeypatch.setattr(storing, "MAX_QUEUED", 2)  # a group waits behind the one being written (as when a
    store = _Store()                               # Ctrl-C cut the main thread's wait for the writer short)
    writer, outcomes = _writer(store)
    store.release.clear()
    writer.put([_Result("a")])
    assert store.writing.wait(10)
    writer.put([_Result("b")])  # waits behind "a"
    threading.Timer(0.2, store.release.set).start()
    writer.close(account=True)
    assert [c[:2] for c in store.calls] == [("many", ["a"])]  # "b" never started
    assert [o[0][0] for o in outcomes] == ["a"]
    writer.put([_Result("c")])  # after close: written at once, in this thread
    assert store.calls[-1][:2] == ("many", ["c"]) and store.calls[-1][2] == threading.main_thread().name


def test_without_a_thread_each_group_is_written_at_once():
    store = _Store()
    writer, outcomes = _writer(store, threaded=False)
    writer.put([_Result("a")])
    assert store.calls[0][2] == threading.main_thread().name and len(outcomes) == 1
    writer.close()


def test_a_group_takes_files_until_the_next_would_take_it_past_the_samples_bound(monkeypatch):
    import runload.batch.storing as storing

    monkeypatch.setattr(storing, "GROUP_SAMPLES", 1000)
    monkeypatch.setattr(storing, "GROUP_FILES", 3)
    group = storing.Group()
    assert group.has_room(5000)  # an empty group takes any file, however long
    group.add("a", 600)
    assert group.has_room(400) and not group.has_room(401)
    group.add("b", 400)
    assert not group.full and not group.has_room(1)
    assert group.take() == ["a", "b"] and group.samples == 0 and group.has_room(1000)
    for name in "cde":
        group.add(name, 1)
    assert group.full


def test_a_batch_never_stores_more_than_the_bound_in_one_transaction(tmp_path, monkeypatch):
    # The batch writes a group before a file would take it past GROUP_SAMPLES (two DuckDB row groups: a
    # transaction just past a row-group boundary leaves a small row group on disk each time).
    from batch_logs import good_files

    import runload.batch.storing as storing
    from runload.batch import process_log
    from runload.store.writer import Store

    good_files(tmp_path / "log", 5)
    put_rows_many = Store.put_rows_many
    groups: list[list[int]] = []

    def recording(self, files):
        groups.append([sum(len(r.samples) for r in rows) for _, _, rows in files])
        return put_rows_many(self, files)

    monkeypatch.setattr(Store, "put_rows_many", recording)
    process_log([tmp_path / "log"], tmp_path / "one", jobs=1, progress="none", reports=False)
    sizes = [n for g in groups for n in g]
    assert len(groups) == 1 and len(sizes) == 5  # the default bound: the five files in one transaction
    bound = sizes[0] + sizes[1] + min(sizes) // 2  # two files and a half
    monkeypatch.setattr(storing, "GROUP_SAMPLES", bound)
    groups.clear()
    process_log([tmp_path / "log"], tmp_path / "two", jobs=1, progress="none", reports=False)
    assert [len(g) for g in groups] == [2, 2, 1] and all(sum(g) <= bound for g in groups)
