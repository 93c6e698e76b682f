"""Exceptions and warnings raised by runload.

Every failure a user can cause with a file is a :class:`RunloadError` subclass whose message names the
file and the problem, so the command line can print one ``Error: FILE: reason`` line (httpx's
``_exceptions.py`` is the model: one root, a few specific leaves).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

__all__ = [
    "RunloadError",
    "UnsupportedFormatError",
    "CorruptFileError",
    "NotARunError",
    "EmptyRunError",
    "TooManyRunsError",
    "ArchiveError",
    "MissingColumnError",
    "InvalidMethodError",
    "StoreError",
    "StoreLockedError",
    "OutdirError",
    "RunloadWarning",
    "TruncatedFileWarning",
    "NO_SUCH_FILE",
    "IS_A_FOLDER",
    "error_reason",
    "printable",
    "outdir_problem",
]

#: The reasons every reader and command gives for an input path it cannot use, worded once.
NO_SUCH_FILE = "no such file"
IS_A_FOLDER = "is a folder, not a run file (FIT, GPX or TCX); folders are read by discover() and inspect"


class RunloadError(Exception):
    """Root of every error runload raises on purpose.

    Parameters
    ----------
    path : path-like or None
        The file the problem is in (``None`` when it is not about one file).
    reason : str
        What is wrong, in words a runner can act on.
    """

    def __init__(self, path: str | Path | None, reason: str):
        self.path = None if path is None else str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}" if self.path else reason)

    def __reduce__(self):
        """Pickle as (class, path, reason) plus any other attributes, so errors cross process boundaries
        (batch workers, dask) as themselves.

        Examples
        --------
        >>> import pickle
        >>> e = pickle.loads(pickle.dumps(NotARunError("a.fit", "cycling")))
        >>> type(e).__name__, str(e), e.sport
        ('NotARunError', 'a.fit: not a run (sport: cycling)', 'cycling')
        """
        return _rebuild_error, (type(self), self.path, self.reason, dict(self.__dict__))


class UnsupportedFormatError(RunloadError):
    """The bytes are not FIT, GPX or TCX (plain or gzip)."""


class CorruptFileError(RunloadError):
    """The file claims a supported format but cannot be decoded (bad CRC, broken XML, bad header)."""


class NotARunError(RunloadError):
    """The file decodes but holds no running session; the message names the sport found."""

    def __init__(self, path: str | Path | None, sport: str | None, reason: str | None = None):
        self.sport = sport
        super().__init__(path, reason or f"not a run (sport: {sport or 'unknown'})")


class EmptyRunError(RunloadError):
    """The file decodes but has no usable samples (no timestamps, no track points)."""


class TooManyRunsError(RunloadError):
    """The file holds more runs (sessions, tracks, activities) than runload reads from one file
    (:data:`runload.io.limits.MAX_RUNS_PER_FILE`): a watch writes one file per activity."""


class ArchiveError(RunloadError):
    """An archive is unsafe (path traversal, too large when decompressed) or unreadable."""


class MissingColumnError(RunloadError):
    """A computation needs a canonical column the run does not have."""


class InvalidMethodError(RunloadError, ValueError):
    """An option was given a value outside its documented choices."""

    def __init__(self, name: str, value: object, choices: list[str] | tuple[str, ...]):
        self.choices = tuple(choices)
        super().__init__(None, f"{name}={value!r} is not one of {', '.join(map(repr, choices))}")


class RunloadWarning(UserWarning):
    """A repairable problem: runload went on, and the message says what it did."""


class TruncatedFileWarning(RunloadWarning):
    """A file ended early (a watch that died mid-run); the samples before the damage are kept."""



class StoreError(RunloadError):
    """The training-log store cannot be opened, read or written (not a store, another schema version, a
    failed query); a full disk or a read-only file system is an :class:`OutdirError`."""


class StoreLockedError(StoreError):
    """Another writer (a running ``runload batch``) holds the store."""


class OutdirError(RunloadError):
    """The output folder cannot be written any more: its disk is full or its file system is read-only.

    Not a problem of one file, so deliberately not a :class:`StoreError` (which a batch records as that
    file's failure): every later file would fail the same way, so ``runload batch`` stops at once with
    this one error.  What was committed before stays in the store; once there is space (or the folder is
    writable) the same command resumes.  ``path`` is the output folder; see :func:`outdir_problem`.
    """


#: errno → what it means for an output folder, in words a runner can act on.
_OUTDIR_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the folder is on a read-only file system",
}


def outdir_problem(error: BaseException | str | None) -> str | None:
    """Why ``error`` means that the output folder cannot take any more writes, or ``None``.

    Recognised: an :class:`OSError` with errno ENOSPC, EDQUOT or EROFS, and any other error (DuckDB's,
    which carry no errno, or a worker's message) whose text holds the operating system's wording of one
    of them (``os.strerror``: "No space left on device", "Read-only file system" …), following the
    ``__cause__``/``__context__`` chain.

    Examples
    --------
    >>> outdir_problem(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "out/runs/a.html"))
    'the disk is full (No space left on device)'
    >>> outdir_problem('IO Error: Could not write file "log.wal": Read-only file system')
    'the folder is on a read-only file system (Read-only file system)'
    >>> outdir_problem(OSError(errno.EACCES, "Permission denied")) is None
    True
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        code = getattr(error, "errno", None)
        text = str(error)
        for number, meaning in _OUTDIR_ERRNOS.items():
            if code == number or os.strerror(number) in text:
                return f"{meaning} ({os.strerror(number)})"
        if isinstance(error, str):
            return None
        error = error.__cause__ or error.__context__
    return None


def _rebuild_error(cls, path, reason, state):
    """Inverse of :meth:`RunloadError.__reduce__` (subclasses may take other constructor arguments)."""
    error = cls.__new__(cls)
    RunloadError.__init__(error, path, reason)
    error.__dict__.update(state)
    return error


def printable(text) -> str:
    """``text`` with the undecodable bytes of a file name shown as ``\\xNN`` (never a UnicodeEncodeError).

    File names on Unix are bytes; Python keeps the undecodable ones as surrogate escapes, which cannot be
    printed or written as UTF-8.  Every message and page that shows a file name goes through this.

    Examples
    --------
    >>> printable("run-\\udcff.fit")
    'run-\\\\xff.fit'
    """
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def error_reason(exc: BaseException | None) -> str:
    """The ``reason`` part of an error line for any exception (``RunloadError`` and ``OSError`` read clean).

    Examples
    --------
    >>> import errno
    >>> error_reason(OSError(errno.ENOSPC, "No space left on device", "out.toml"))
    'No space left on device'
    >>> error_reason(CorruptFileError("a.fit", "CRC mismatch"))
    'CRC mismatch'
    """
    if isinstance(exc, RunloadError):
        return exc.reason
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, UnicodeError):
        return f"cannot be read as text ({exc})"
    return f"unexpected {type(exc).__name__}: {exc}"
