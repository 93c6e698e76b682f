"""What every command shares: input paths, printing, and the one error convention.

The convention, for every command: a problem with one input prints one line ``Error: PATH: reason`` on
stderr (a missing file reads ``Error: PATH: no such file``) and the command exits with code 1; commands
that take several inputs go on with the others first.  Click's exit code 2 is kept for wrong options
only.  An operating-system error (full disk, permission denied) is ``Error: PATH: <strerror>``; a closed
stdout (``runload inspect x.fit | head -c0``) ends the command quietly, as Unix tools do.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import IS_A_FOLDER, NO_SUCH_FILE, RunloadError, error_reason, printable

if TYPE_CHECKING:
    from ..io import Source

__all__ = ["printable", "echo", "input_error", "check_inputs", "error_reason", "error_line", "sources_of",
           "is_broken_pipe", "quiet_broken_pipe", "output_folder", "output_file", "NO_SUCH_FILE",
           "DEVELOPER_WARNINGS", "is_developer_warning"]

_STDOUT = "standard output"
# Warnings meant for developers, not runners (numpy floating-point RuntimeWarning, deprecations): the
# command line shows them only with --debug.
DEVELOPER_WARNINGS = (RuntimeWarning, DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def is_developer_warning(category: type[Warning]) -> bool:
    """True for a warning category shown only with ``--debug`` (:data:`DEVELOPER_WARNINGS`)."""
    return issubclass(category, DEVELOPER_WARNINGS)


def echo(text: str = "", err: bool = False) -> None:
    """:func:`click.echo` of :func:`printable` text."""
    click.echo(printable(text), err=err)


def input_error(path: str | os.PathLike, dir_okay: bool = True) -> RunloadError | None:
    """The error for an input path that cannot be used (missing, or a folder where a file is needed).

    ``None`` when the path is fine.  Every command checks its inputs with this (or
    :func:`check_inputs`), so a missing file reads the same everywhere.
    """
    p = Path(path)
    if not p.exists():
        return RunloadError(p, NO_SUCH_FILE)
    if p.is_dir() and not dir_okay:
        return RunloadError(p, IS_A_FOLDER)
    return None


def check_inputs(paths, dir_okay: bool = False) -> None:
    """Raise the :func:`input_error` of the first unusable path (the group prints it, exit 1)."""
    for p in paths:
        problem = input_error(p, dir_okay=dir_okay)
        if problem is not None:
            raise problem


def output_folder(path: str | os.PathLike) -> Path:
    """The folder ``-o`` names for several outputs; :class:`RunloadError` when it is an existing file.

    The folder itself is created by the writer.

    Examples
    --------
    >>> output_folder("reports/")
    PosixPath('reports')
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise RunloadError(p, "exists and is not a folder; with several inputs -o names a folder")
    return p


def output_file(path: str | os.PathLike, name: str) -> Path:
    """The file ``-o`` names for one output: ``path`` itself, or ``path/name`` when ``path`` is an
    existing folder or is written with a trailing slash (``-o reports/``).

    Pass the option's raw string (``click.Path()`` without ``path_type=Path``): a ``Path`` has already
    lost the trailing slash.

    Examples
    --------
    >>> output_file("reports/", "easy.fit.html")
    PosixPath('reports/easy.fit.html')
    >>> output_file("easy.html", "easy.fit.html")
    PosixPath('easy.html')
    """
    text = os.fspath(path)
    p = Path(text)
    if p.is_dir() or text.endswith(("/", os.sep)):
        return p / name
    return p


def sources_of(paths) -> list[Source | RunloadError]:
    """The run files of each given path, in order (:func:`runload.io.discover`), with an error in place of
    a missing path or a folder holding no run files."""
    from ..io import Source, discover  # noqa: PLC0415 - the readers load only for commands that read

    out: list[Source | RunloadError] = []
    for p in paths:
        problem = input_error(p)
        if problem is not None:
            out.append(problem)
            continue
        found = discover([p])
        if not found and Path(p).is_dir():
            out.append(RunloadError(p, "no run files (FIT, GPX, TCX, .gz or zip exports) in this folder"))
        out.extend(found)
    seen: set[str] = set()
    unique = []
    for item in out:
        key = item.name if isinstance(item, Source) else f"error:{item}"
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def error_line(exc: BaseException, path: str | os.PathLike | None = None) -> str:
    """``PATH: reason`` for ``exc`` (the text after ``Error: ``); ``path`` when the error names none.

    Examples
    --------
    >>> error_line(RunloadError("a.fit", "no such file"))
    'a.fit: no such file'
    >>> error_line(OSError(errno.ENOSPC, "No space left on device"))
    'standard output: No space left on device'
    """
    if isinstance(exc, RunloadError):
        where = exc.path or (None if path is None else str(path))
    elif isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else (path if path is not None else _STDOUT)
        where = os.fsdecode(where) if isinstance(where, bytes) else str(where)
    else:
        where = None if path is None else str(path)
    reason = error_reason(exc)
    return printable(f"{where}: {reason}" if where else reason)


def is_broken_pipe(exc: BaseException) -> bool:
    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE)


def quiet_broken_pipe() -> None:
    """Point stdout at /dev/null so Python's final flush raises nothing after the reader went away."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass
