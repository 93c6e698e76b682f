"""Exceptions and warnings raised by runload.

Every failure a user can cause with a file is a :class:`RunloadError` subclass whose message names the
file and the problem, so the command line can print one ``Error: FILE: reason`` line (httpx's
``_exceptions.py`` is the model: one root, a few specific leaves).
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "RunloadError",
    "UnsupportedFormatError",
    "CorruptFileError",
    "NotARunError",
    "EmptyRunError",
    "ArchiveError",
    "MissingColumnError",
    "InvalidMethodError",
    "RunloadWarning",
    "TruncatedFileWarning",
]


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
