"""Reading watch files into :class:`~runload.run.Run` objects.

The flow is ``load_bytes`` (decompress with limits) → ``sniff_format`` (decide from the bytes, not the
extension) → one reader per format, chosen from the explicit dict in :mod:`runload.io.dispatch`.
Folders and zip exports are found by :func:`~runload.io.archive.discover`.

The names below are imported on first use (PEP 562), so ``import runload.io`` (and the command line's
``--help``) does not load pandas or a decoder; a reader's module loads when a file of its format is read.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotARunError, RunloadWarning
from ..lazy import lazy_attributes
from .fit_decode import DEFAULT_FIT_DECODER

if TYPE_CHECKING:
    from ..run import Run
    from .archive import Source, discover
    from .dispatch import READERS, read_bytes_runs, read_source_runs
    from .fit import FIT_DECODERS

__all__ = ["read_run", "read_runs", "read_source_runs", "read_bytes_runs", "discover", "Source", "READERS",
           "FIT_DECODERS"]

#: Name → the submodule that defines it (imported on first access).
_LAZY = {
    "Source": "archive",
    "discover": "archive",
    "READERS": "dispatch",
    "read_bytes_runs": "dispatch",
    "read_source_runs": "dispatch",
    "FIT_DECODERS": "fit",
}


__getattr__, __dir__ = lazy_attributes(globals(), {name: f"{__name__}.{m}" for name, m in _LAZY.items()},
                                       dir_lists="globals")


def read_runs(path: str | Path, *, decoder: str = DEFAULT_FIT_DECODER, include_non_running: bool = False) -> list[Run]:
    """Read every running session in a FIT, GPX or TCX file (plain or ``.gz``).

    Parameters
    ----------
    path : path-like
        The file.  Its format is sniffed from the bytes; the extension is only a hint.
    decoder : {"columnar", "fitdecode", "fitparse"}
        FIT decoder.  ``fitdecode`` is the default; ``fitparse`` is the owner's reference decoder.
    include_non_running : bool
        Return sessions of other sports too (``inspect`` uses it to describe any file).

    Returns
    -------
    list of Run
        One per running session, in file order.

    Raises
    ------
    UnsupportedFormatError, CorruptFileError, NotARunError, EmptyRunError, ArchiveError
    """
    from .archive import load_bytes  # noqa: PLC0415 - see the module docstring
    from .dispatch import read_bytes_runs  # noqa: PLC0415

    data, compression = load_bytes(Path(path))
    return read_bytes_runs(data, source_name=str(path), compression=compression, decoder=decoder,
                           include_non_running=include_non_running)


def read_run(path: str | Path, *, decoder: str = DEFAULT_FIT_DECODER) -> Run:
    """Read the first running session of a file.

    A file with several running sessions (multisport, chained FIT) gives the first one and a
    :class:`~runload.errors.RunloadWarning` saying how many there are; use :func:`read_runs` for all.

    Parameters
    ----------
    path : str or pathlib.Path
        A FIT, GPX or TCX file, plain or gzip-compressed (the format is sniffed from the content).
    decoder : {"columnar", "fitdecode", "fitparse"}
        FIT decoder (``columnar``, runload's own, falls back to fitdecode on a damaged file).

    Returns
    -------
    Run
        The canonical frame (``run.samples``, units in the column names) and what the file says about
        the run (``run.meta``).

    Raises
    ------
    RunloadError
        The file cannot be read: :class:`~runload.errors.UnsupportedFormatError`,
        :class:`~runload.errors.CorruptFileError`, :class:`~runload.errors.NotARunError`,
        :class:`~runload.errors.EmptyRunError` and the others of :mod:`runload.errors`.
    """
    runs = read_runs(path, decoder=decoder)
    if not runs:  # readers raise NotARunError themselves; this guards a reader bug
        raise NotARunError(path, None)
    if len(runs) > 1:
        msg = (f"{path}: {len(runs)} running sessions in the file; using the first, {len(runs) - 1} more "
               "not read (read_runs gives all)")
        warnings.warn(msg, RunloadWarning, stacklevel=2)
        runs[0].meta.warnings.append(msg)
    return runs[0]
