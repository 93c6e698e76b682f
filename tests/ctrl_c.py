"""A Ctrl-C that lands inside DuckDB's conversion of a pandas frame (``con.register``), for the store tests.

DuckDB calls back into Python while it converts a frame's object columns; a SIGINT that arrives then is
raised by Python's handler inside that callback, and DuckDB returns it as a ``duckdb.Error`` whose text is
the Python traceback ending in ``KeyboardInterrupt`` (measured with a real timer-driven SIGINT during
``con.register`` of a large frame, DuckDB 1.x–2.0).  :class:`InterruptingConnection` makes that happen at a
chosen ``register`` call, with a real SIGINT, instead of by timing.

A batch with worker processes writes its groups of files in a thread (:mod:`runload.batch.storing`), where
no signal is ever handled: a ``register`` there sends the SIGINT to the process, whose main thread raises
the KeyboardInterrupt wherever it waits, and goes on once that had time to happen (the group is finished).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np


class _CtrlC:
    """A value whose type DuckDB asks for (``isinstance``) while it converts the frame: the user presses
    Ctrl-C right then (only while ``armed``: pandas asks too, when the column is built)."""

    armed = False

    @property
    def __class__(self):
        if _CtrlC.armed:
            _CtrlC.armed = False
            signal.raise_signal(signal.SIGINT)  # Python's handler raises KeyboardInterrupt here, in DuckDB
        return _CtrlC


class InterruptingConnection:
    """A DuckDB connection whose ``at``-th ``register`` (1-based) is hit by Ctrl-C during the conversion.

    Everything else goes to the wrapped connection.  ``interrupted`` tells whether the Ctrl-C was sent.
    """

    def __init__(self, con, at: int = 1):
        self._con = con
        self.at = at
        self.calls = 0
        self.interrupted = False

    def __getattr__(self, name):
        return getattr(self._con, name)

    def register(self, view, frame):
        self.calls += 1
        if self.calls != self.at:
            return self._con.register(view, frame)
        if threading.current_thread() is not threading.main_thread():
            os.kill(os.getpid(), signal.SIGINT)  # handled by the main thread, as a terminal's Ctrl-C
            time.sleep(0.5)
            self.interrupted = True
            return self._con.register(view, frame)
        column = np.empty(len(frame), dtype=object)
        column[:] = [_CtrlC() for _ in range(len(frame))]
        frame = frame.assign(_ctrl_c=column)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
        _CtrlC.armed = True
        try:
            return self._con.register(view, frame)
        finally:
            self.interrupted = not _CtrlC.armed
            _CtrlC.armed = False
            signal.signal(signal.SIGINT, previous)
