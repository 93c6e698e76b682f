"""From bytes to runs: sniff the format, then call the reader for it from an explicit dict.

:func:`read_bytes_runs` is the one place where a format name meets a reader; files, archive members
(:class:`~runload.io.archive.Source`) and bytes sent to a remote worker all go through it.
"""

from __future__ import annotations

from ..errors import UnsupportedFormatError
from ..run import Run
from .archive import Source
from .fit import read_fit_bytes
from .fit_decode import DEFAULT_FIT_DECODER
from .gpx import read_gpx_bytes
from .sniff import sniff_format
from .tcx import read_tcx_bytes

__all__ = ["READERS", "read_bytes_runs", "read_source_runs"]

#: Format name (as returned by :func:`~runload.io.sniff.sniff_format`) → reader.
READERS = {
    "fit": read_fit_bytes,
    "gpx": read_gpx_bytes,
    "tcx": read_tcx_bytes,
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
    decoder : {"fitdecode", "fitparse"}
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
    runs = reader(data, source=source_name, decoder=decoder, include_non_running=include_non_running)
    for run in runs:
        run.meta.compression = compression
    return runs


def read_source_runs(source: Source, *, decoder: str = DEFAULT_FIT_DECODER, include_non_running: bool = False) -> list[Run]:
    """Load a discovered :class:`~runload.io.archive.Source` and read its runs (see :func:`read_bytes_runs`)."""
    data, compression = source.load()
    return read_bytes_runs(data, source_name=source.name, compression=compression, decoder=decoder,
                           include_non_running=include_non_running)
