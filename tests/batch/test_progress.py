"""The batch progress display: a bar on a terminal (even one reporting a 0 × 0 size), lines otherwise."""

from __future__ import annotations

import io

from runload.batch.progress import Counts, make_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _drive(display, n_ok=3, n_failed=1) -> Counts:
    counts = Counts(total=n_ok + n_failed)
    display.start(counts)
    for _ in range(n_ok):
        counts.analysed += 1
        display.update()
    for _ in range(n_failed):
        counts.failed += 1
        display.update()
    display.close()
    return counts


def test_bar_on_a_terminal_shows_done_of_total_and_the_failures(monkeypatch):
    monkeypatch.setenv("COLUMNS", "0")  # a terminal that reports no size must still get a bar
    monkeypatch.setenv("LINES", "0")
    stream = _Tty()
    _drive(make_progress("auto", stream))
    text = stream.getvalue()
    assert "4/4" in text and "1 failed" in text and "3 new" in text


def test_lines_when_not_a_terminal():
    stream = io.StringIO()
    _drive(make_progress("auto", stream))
    lines = stream.getvalue().splitlines()
    assert lines and lines[-1].startswith("batch: 4/4 files (3 analysed, 0 unchanged, 0 skipped, 1 failed)")
    assert "\r" not in stream.getvalue()


def test_none_prints_nothing():
    stream = io.StringIO()
    _drive(make_progress("none", stream))
    assert stream.getvalue() == ""


def test_the_second_pass_grows_the_total_and_is_named():
    stream = io.StringIO()
    display = make_progress("lines", stream)
    counts = _drive(display)
    counts.total += 3  # the second pass refreshes three files
    for _ in range(3):
        counts.refreshed += 1
        display.update()
    display.close()
    assert stream.getvalue().splitlines()[-1].startswith(
        "batch: 7/7 files, then files refreshed (3 analysed, 0 unchanged, 0 skipped, 1 failed, 3 refreshed)")
