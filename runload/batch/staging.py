"""The new files a batch's first look read, kept for the personal norms until they are learnt.

A batch learns the personal norms before it analyses new files for good (each file is then analysed,
stored and reported once, :mod:`runload.batch.engine`).  Its first look at each new or changed file computes
what the norms read of its runs (:func:`runload.store.rows.norm_input_rows`): one small row per run, kept in
memory, and the run's steady running seconds (:func:`runload.norms.norm_seconds`), pickled into a folder of
the batch's cache so that memory stays bounded however long the log.  :func:`runload.norms.update_norms`
reads them in place of what the store holds for the same sources, each run by its id — never a scan of
every staged second (issue 10: staged in DuckDB temporary tables, the norms of a 2,000-run first batch spent
100 s scanning them, one window of runs at a time).  Nothing of it is in the store file: a crash leaves at
most the folder, which the next batch deletes with the rest of its cache.
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
from pathlib import Path

import pandas as pd

__all__ = ["StagedRuns", "read_seconds"]


def read_seconds(path: Path) -> pd.DataFrame:
    """A staged run's seconds from its file (:meth:`StagedRuns.seconds_file`)."""
    with open(path, "rb") as f:
        return pickle.load(f)  # noqa: S301 - written by this batch into its own OUTDIR's cache


class StagedRuns:
    """The runs of files not stored yet, for :func:`runload.norms.update_norms` (``staged``).

    Parameters
    ----------
    folder : pathlib.Path or None
        Where each run's seconds are pickled (created; deleted by :meth:`clear`).  ``None``, or a folder
        that cannot be written, keeps them in memory.
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._rows: dict[str, list[dict]] = {}  # source → its runs' rows, in the order staged
        self._memory: dict[str, pd.DataFrame] = {}  # seconds not in the folder (it could not be written)
        self._files: dict[str, Path] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, source: str, rows: list[dict], seconds: list[pd.DataFrame]) -> None:
        """Stage ``source``'s runs (in place of what was staged for it before): one row each
        (:func:`runload.store.rows.norm_input_rows`) and their seconds."""
        self._forget(source)
        for row, secs in zip(rows, seconds, strict=True):
            rid = row["run_id"]
            path = self._write(rid, secs)
            if path is None:
                self._memory[rid] = secs
            else:
                self._files[rid] = path
        self._rows[source] = list(rows)

    def runs(self) -> pd.DataFrame:
        """One row per staged run: ``source``, :data:`runload.norms.NORM_RUN_COLUMNS` and ``device_s``."""
        from ..norms import NORM_RUN_COLUMNS

        rows = [row for rows in self._rows.values() for row in rows]
        return pd.DataFrame(rows, columns=["source", *NORM_RUN_COLUMNS, "device_s"])

    def seconds(self, run_id: str) -> pd.DataFrame | None:
        """The staged run's :func:`runload.norms.norm_seconds`; ``None`` for a run not staged."""
        if run_id in self._memory:
            return self._memory[run_id]
        path = self._files.get(run_id)
        return None if path is None else read_seconds(path)

    read_seconds = staticmethod(read_seconds)

    def seconds_file(self, run_id: str) -> Path | None:
        """The file holding the staged run's seconds (read by :func:`read_seconds`, in any process of this
        machine); ``None`` for a run not staged or kept in memory."""
        return self._files.get(run_id)

    def clear(self) -> None:
        """Forget every staged run and delete the folder."""
        self._rows.clear()
        self._memory.clear()
        self._files.clear()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _forget(self, source: str) -> None:
        for row in self._rows.pop(source, []):
            self._memory.pop(row["run_id"], None)
            path = self._files.pop(row["run_id"], None)
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _write(self, run_id: str, seconds: pd.DataFrame) -> Path | None:
        if self.folder is None:
            return None
        path = self.folder / f"{run_id}.seconds.pickle"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                pickle.dump(seconds, f, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return path
