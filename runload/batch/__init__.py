"""``runload batch``: a whole training log into a store, one report per run and a dashboard.

:func:`process_log` (:mod:`.engine`) is the library entry point; :mod:`.worker` is the work of one file
(run in worker processes), :mod:`.names` the report file names, :mod:`.progress` the progress display.
The store it writes is :mod:`runload.store` (read it with :func:`runload.open_log`).
"""

from __future__ import annotations

from .engine import BatchInterrupted, BatchSummary, FileProblem, default_jobs, process_log

__all__ = ["process_log", "BatchSummary", "BatchInterrupted", "FileProblem", "default_jobs"]
