"""Progress of a batch on stderr: a tqdm bar on a terminal, quiet lines otherwise.

:func:`make_progress` picks the display: ``"bar"`` (tqdm: files done of total, with the analysed /
unchanged / skipped / failed counts, rate and ETA), ``"lines"`` (one line at most every
``LINE_INTERVAL_S`` seconds and at the end, for logs and CI, where a bar's carriage returns make a mess),
``"none"``, or ``"auto"`` (a bar when stderr is a terminal, else lines).  A callable is called with a
:class:`Counts` after every file (for a GUI or a test).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Counts", "Progress", "make_progress", "LINE_INTERVAL_S", "format_eta"]

#: Most one progress line per this many seconds when stderr is not a terminal.
LINE_INTERVAL_S = 10.0


@dataclass
class Counts:
    """Files of a batch by outcome so far (``total`` is known after discovery).

    ``staged`` counts the new files read once for the personal norms before they are analysed;
    ``refreshed`` counts the reports written once the hints over the log are known (and the stored files
    analysed again because their month's norms changed); ``total`` grows by the files of each of those
    passes when it starts.
    """

    total: int = 0
    analysed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    refreshed: int = 0
    staged: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        return self.analysed + self.unchanged + self.skipped + self.failed + self.refreshed + self.staged

    def rate(self) -> float:
        """Files per second since the start [1/s]."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def describe(self) -> str:
        text = (f"{self.analysed} analysed, {self.unchanged} unchanged, {self.skipped} skipped, "
                f"{self.failed} failed")
        return text + (f", {self.refreshed} refreshed" if self.refreshed else "")


def format_eta(seconds: float | None) -> str:
    """``h:mm:ss`` (``?`` when unknown).

    Examples
    --------
    >>> format_eta(3725.2)
    '1:02:05'
    """
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "?"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """No display (the base of the others)."""

    def start(self, counts: Counts) -> None:
        self.counts = counts

    def update(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Callback(Progress):
    def __init__(self, fn: Callable[[Counts], None]):
        self.fn = fn

    def update(self) -> None:
        self.fn(self.counts)


class _Lines(Progress):
    def __init__(self, stream=None, interval_s: float = LINE_INTERVAL_S):
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self._last = time.monotonic()

    def _line(self) -> None:
        c = self.counts
        rate = c.rate()
        eta = (c.total - c.done) / rate if rate > 0 else None
        what = "files" if not c.refreshed else "files, then files refreshed"
        print(f"batch: {c.done}/{c.total} {what} ({c.describe()}), {rate:.1f} files/s, ETA {format_eta(eta)}",
              file=self.stream, flush=True)

    def update(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval_s:
            self._last = now
            self._line()

    def close(self) -> None:
        if self.counts.done and time.monotonic() - self._last > 0:
            self._line()


class _Bar(Progress):
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.bar = None

    def start(self, counts: Counts) -> None:
        from tqdm import tqdm

        super().start(counts)
        # The size from shutil (COLUMNS/LINES, the terminal, else 80 × 24): on a terminal that reports a
        # size of 0 × 0 tqdm's own probe hides the bar.
        size = shutil.get_terminal_size((80, 24))
        self.bar = tqdm(total=counts.total, unit="file", file=self.stream, ncols=size.columns or 80,
                        nrows=size.lines or 24, leave=True,
                        bar_format="{n_fmt}/{total_fmt} files |{bar}| {desc} {rate_fmt} ETA {remaining}")

    def update(self) -> None:
        c = self.counts
        if self.bar.total != c.total:
            self.bar.total = c.total
        refreshed = f", {c.refreshed} refreshed" if c.refreshed else ""
        self.bar.set_description_str(f"{c.analysed} new, {c.unchanged} unchanged, {c.skipped} skipped, "
                                     f"{c.failed} failed{refreshed}", refresh=False)
        self.bar.update(c.done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def make_progress(progress="auto", stream=None) -> Progress:
    """The display for ``progress`` ∈ {"auto", "bar", "lines", "none", None} or a callable (see module)."""
    if callable(progress):
        return _Callback(progress)
    if progress in (None, "none", False):
        return Progress()
    stream = stream or sys.stderr
    if progress == "auto":
        progress = "bar" if getattr(stream, "isatty", lambda: False)() else "lines"
    if progress == "bar":
        return _Bar(stream)
    if progress == "lines":
        return _Lines(stream)
    from ..errors import InvalidMethodError

    raise InvalidMethodError("progress", progress, ("auto", "bar", "lines", "none"))
