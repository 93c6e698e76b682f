"""From bytes to runs: sniff the format, then call the reader for it from an explicit dict.

:func:`read_bytes_runs` is the one place where a format name meets a reader; files, archive members
(:class:`~runload.io.archive.Source`) and bytes sent to a remote worker all go through it.

A reader's module is imported when the first file of its format is read (:class:`LazyReader`), so
reading FIT files never loads gpxpy or the XML parsers, and the other way round.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import UnsupportedFormatError
from .fit_decode import DEFAULT_FIT_DECODER
from .sniff import sniff_format

if TYPE_CHECKING:
    from ..run import Run
    from .archive import Source

__all__ = ["READERS", "LazyReader", "read_bytes_runs", "read_source_runs"]


class LazyReader:
    """A reader ``function(data, *, source, decoder, include_non_running) -> list[Run]`` named by its
    module and function, imported on the first call.

    Examples
    --------
    >>> LazyReader("runload.io.gpx", "read_gpx_bytes")
    LazyReader('runload.io.gpx', 'read_gpx_bytes')
    """

    __slots__ = ("module", "name", "_function")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._function: Callable[..., list[Run]] | None = None

    @property
    def function(self) -> Callable[..., list[Run]]:
        """The reader itself (its module is imported now if it was not yet)."""
        if self._function is None:
            self._function = getattr(importlib.import_module(self.module), self.name)
        return self._function

    def __call__(self, data: bytes, **kwargs) -> list[Run]:
        return self.function(data, **kwargs)

    def __repr__(self) -> str:
        return f"LazyReader({self.module!r}, {self.name!r})"


#: Format name (as returned by :func:`~runload.io.sniff.sniff_format`) → reader.
READERS: dict[str, Callable[..., list[Run]]] = {
    "fit": LazyReader("runload.io.fit", "read_fit_bytes"),
    "gpx": LazyReader("runload.io.gpx", "read_gpx_bytes"),
    "tcx": LazyReader("runload.io.tcx", "read_tcx_bytes"),
}


def read_bytes_runs(data: bytes, *, source_name: str, compression: str | None = None,
                    decoder: str = DEFAULT_FIT_DECODER, include_non_running: bool = False) -> list[Run]:
    """Read every running session in the (decompressed) bytes of a FIT, GPX or TCX file.

    Parameters
    ----------
    data : bytes
        File content after decompression.
    source_name : str
        Display path (``runs/a.fit``, ``export.zip!activities/1.fit.gz``): used in messages, recorded in
        ``RunMeta.source``, and its extension breaks ties when the bytes alone do not decide.
    compression : {"gzip", None}
        Recorded in ``RunMeta.compression``.
    decoder : {"columnar", "fitdecode", "fitparse"}
        FIT decoder; the XML readers ignore it.
    include_non_running : bool
        Return sessions of other sports too.

    Returns
    -------
    list of Run

    Raises
    ------
    UnsupportedFormatError, CorruptFileError, NotARunError, EmptyRunError
    """
    fmt = sniff_format(data, source_name)
    try:
        reader = READERS[fmt]
    except KeyError:
        raise UnsupportedFormatError(source_name, f"format {fmt!r} is not one of {', '.join(READERS)}") from None
    if isinstance(reader, LazyReader):  # call the reader itself: warnings point where they always did
        reader = reader.function
    runs = reader(data, source=source_name, decoder=decoder, include_non_running=include_non_running)
    for run in runs:
        run.meta.compression = compression
    return runs


def read_source_runs(source: Source, *, decoder: str = DEFAULT_FIT_DECODER, include_non_running: bool = False) -> list[Run]:
    """Load a discovered :class:`~runload.io.archive.Source` and read its runs (see :func:`read_bytes_runs`)."""
    data, compression = source.load()
    return read_bytes_runs(data, source_name=source.name, compression=compression, decoder=decoder,
                           include_non_running=include_non_running)
