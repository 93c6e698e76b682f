"""Getting run files' bytes: plain and gzip files, folders, and zip exports (Garmin, Strava).

:func:`load_bytes` reads one file and decompresses gzip (recognised by its magic bytes, not the name).
:func:`discover` turns the paths a user gives into :class:`Source` objects, one per run file:

* a file is taken as given, whatever its name (the format is sniffed from the bytes later);
* a folder is walked recursively in sorted order, keeping files named like runs
  (``.fit``/``.gpx``/``.tcx``, optionally ``.gz``, any case) and zip archives;
* a zip archive (Garmin and Strava bulk exports hold ``activities/*.fit.gz``, ``*.gpx``, …, possibly in
  nested folders) is listed, and each run member becomes a Source read in memory when loaded — nothing
  is ever extracted to disk.

Archives come from strangers, so every decompression is bounded (:class:`ArchiveLimits`): a per-file
output limit, a compression-ratio guard and, for zip files, a limit on the declared total size and on
the number of members.  Exceeding one raises :class:`~runload.errors.ArchiveError`.  Members whose names
would escape a folder (``..``, absolute paths, drive letters) are never read; they become Sources whose
``problem`` says why and whose :meth:`Source.load` raises ``ArchiveError`` — so a batch records them as
failures instead of losing them or crashing.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArchiveError, CorruptFileError, RunloadError, TruncatedFileWarning

__all__ = ["ArchiveLimits", "DEFAULT_LIMITS", "Source", "discover", "load_bytes", "gunzip_limited",
           "looks_like_run", "unsafe_member_reason"]

_MiB = 1024 * 1024
_CHUNK = _MiB
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_RUN_NAME = re.compile(r"\.(fit|gpx|tcx)(\.gz)?$", re.IGNORECASE)


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on decompression (zip and gzip bombs).

    Attributes
    ----------
    max_file_bytes : int  [bytes]
        Largest decompressed run file or archive member (512 MiB: a 24-hour 1 Hz FIT file is ~10 MiB).
    max_total_bytes : int  [bytes]
        Largest declared uncompressed total of one zip archive (16 GiB: years of 1 Hz runs).
    max_ratio : float  [-]
        Largest decompressed/compressed size ratio, checked once the output exceeds ``ratio_min_bytes``.
        Run files compress 3–30×; a bomb compresses ~1000× (deflate's limit is ~1032×).
    ratio_min_bytes : int  [bytes]
        Output size below which the ratio is not checked (small files can compress very well).
    max_members : int
        Most members a zip archive may list.
    """

    max_file_bytes: int = 512 * _MiB
    max_total_bytes: int = 16 * 1024 * _MiB
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1 * _MiB
    max_members: int = 200_000


DEFAULT_LIMITS = ArchiveLimits()


def _check_output(n_out: int, n_in: int, name: str, limits: ArchiveLimits, what: str) -> None:
    if n_out > limits.max_file_bytes:
        raise ArchiveError(name, f"{what} decompresses to more than {limits.max_file_bytes / _MiB:.0f} MiB "
                                 "(limit; a run file is far smaller): refused")
    if n_out > limits.ratio_min_bytes and n_out > limits.max_ratio * max(n_in, 1):
        raise ArchiveError(name, f"{what} expands more than {limits.max_ratio:.0f}× when decompressed "
                                 "(a decompression bomb?): refused")


def gunzip_limited(raw: bytes, name: str, limits: ArchiveLimits = DEFAULT_LIMITS) -> bytes:
    """Decompress gzip data (all members) with output and ratio limits.

    Parameters
    ----------
    raw : bytes
        Gzip data.
    name : str
        Display name for messages.
    limits : ArchiveLimits

    Returns
    -------
    bytes
        The decompressed data.  A stream that ends early gives what could be decompressed and a
        :class:`~runload.errors.TruncatedFileWarning` (the readers then keep the samples before the cut).

    Raises
    ------
    ArchiveError
        Output beyond ``limits.max_file_bytes`` or a ratio beyond ``limits.max_ratio``.
    CorruptFileError
        The data is not valid gzip.
    """
    out = bytearray()
    data = raw
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        tail = data
        try:
            while True:
                chunk = d.decompress(tail, _CHUNK)
                out += chunk
                _check_output(len(out), len(raw), name, limits, "gzip data")
                tail = d.unconsumed_tail
                if d.eof or (not tail and not chunk):
                    break
        except zlib.error as e:
            if not out:
                raise CorruptFileError(name, f"damaged gzip data ({e})") from e
            msg = f"{name}: gzip data is damaged after {len(out)} bytes ({e}); using the part before the damage"
            warnings.warn(msg, TruncatedFileWarning, stacklevel=2)
            break
        if not d.eof:
            if not out:
                raise CorruptFileError(name, "gzip data ends before any content")
            msg = f"{name}: gzip data ends early (truncated download?); using the {len(out)} bytes before the cut"
            warnings.warn(msg, TruncatedFileWarning, stacklevel=2)
            break
        data = d.unused_data
        if not data.strip(b"\x00"):  # trailing zero padding is allowed after the last member
            break
        if data[:2] != _GZIP_MAGIC:
            msg = f"{name}: {len(data)} bytes of non-gzip data after the compressed stream were ignored"
            warnings.warn(msg, TruncatedFileWarning, stacklevel=2)
            break
    return bytes(out)


def load_bytes(path: str | Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> tuple[bytes, str | None]:
    """Read a file; gzip (recognised by its magic bytes) is decompressed within ``limits``.

    Returns
    -------
    data : bytes
        The (decompressed) content.
    compression : {"gzip", None}

    Raises
    ------
    RunloadError
        The file is missing, a folder, unreadable or larger than ``limits.max_file_bytes``.
    ArchiveError, CorruptFileError
        See :func:`gunzip_limited`.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise RunloadError(p, "is a folder, not a run file (discover() walks folders)")
        if size > limits.max_file_bytes:
            raise RunloadError(p, f"file is {size / _MiB:.0f} MiB, larger than the "
                                  f"{limits.max_file_bytes / _MiB:.0f} MiB limit for one run file")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise RunloadError(p, "no such file") from None
    except PermissionError:
        raise RunloadError(p, "permission denied") from None
    except OSError as e:
        raise RunloadError(p, f"cannot read the file ({e.strerror or e})") from None
    if raw[:2] == _GZIP_MAGIC:
        return gunzip_limited(raw, str(p), limits), "gzip"
    return raw, None


def looks_like_run(name: str) -> bool:
    """True for names ending in .fit, .gpx or .tcx, optionally followed by .gz (any case)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return bool(_RUN_NAME.search(base)) and not base.startswith("._")  # ._x: macOS resource forks


def unsafe_member_reason(name: str) -> str | None:
    """Why a zip member name is unsafe (would escape a folder if extracted), or ``None`` if it is fine."""
    norm = name.replace("\\", "/")
    if "\x00" in name:
        return "member name contains a NUL character"
    if norm.startswith("/"):
        return "member name is an absolute path"
    if re.match(r"^[A-Za-z]:", norm):
        return "member name starts with a drive letter"
    if ".." in norm.split("/"):
        return "member name contains '..' (path traversal)"
    return None


@dataclass(frozen=True)
class Source:
    """One run file to read: a file on disk or a member of a zip archive.

    Attributes
    ----------
    name : str
        Display path: ``runs/a.fit`` or ``export.zip!activities/123.fit.gz``.
    path : pathlib.Path
        The file on disk (the archive, for a member).
    member : str or None
        Name of the member inside the zip archive at ``path``.
    problem : str or None
        Set when discovery refused this entry (unsafe name, archive too large, unreadable archive);
        :meth:`load` then raises :class:`~runload.errors.ArchiveError` with it.
    limits : ArchiveLimits
    """

    name: str
    path: Path
    member: str | None = None
    problem: str | None = None
    limits: ArchiveLimits = DEFAULT_LIMITS

    def load(self) -> tuple[bytes, str | None]:
        """The decompressed bytes and ``"gzip"`` or ``None``, like :func:`load_bytes`."""
        if self.problem is not None:
            raise ArchiveError(self.name, self.problem)
        if self.member is None:
            return load_bytes(self.path, self.limits)
        raw = _read_member(self.path, self.member, self.name, self.limits)
        if raw[:2] == _GZIP_MAGIC:
            return gunzip_limited(raw, self.name, self.limits), "gzip"
        return raw, None


def _read_member(path: Path, member: str, name: str, limits: ArchiveLimits) -> bytes:
    """Read one zip member into memory, bounded by ``limits`` (declared sizes and actual output)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
            if info.flag_bits & 0x1:
                raise ArchiveError(name, "member is encrypted")
            _check_output(info.file_size, info.compress_size, name, limits, "zip member")
            out = bytearray()
            with zf.open(info) as f:
                while chunk := f.read(_CHUNK):
                    out += chunk
                    _check_output(len(out), info.compress_size, name, limits, "zip member")
            return bytes(out)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError) as e:
        raise ArchiveError(name, f"cannot read the archive member ({e})") from e
    except OSError as e:
        raise ArchiveError(name, f"cannot read the archive ({e.strerror or e})") from e


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) in _ZIP_MAGICS
    except OSError:
        return False


def _zip_sources(path: Path, limits: ArchiveLimits) -> list[Source]:
    """One Source per run member of a zip archive (refused members and archives carry a problem)."""
    display = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return [Source(display, path, problem=f"cannot read the zip archive ({e})", limits=limits)]
    if len(infos) > limits.max_members:
        return [Source(display, path, limits=limits,
                       problem=f"archive lists {len(infos)} members, more than the limit of {limits.max_members}")]
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        return [Source(display, path, limits=limits,
                       problem=f"archive declares {total / _MiB:.0f} MiB uncompressed, more than the "
                               f"{limits.max_total_bytes / _MiB:.0f} MiB limit (a zip bomb?): refused")]
    out = []
    for info in sorted(infos, key=lambda i: i.filename):
        member = info.filename
        if info.is_dir() or member.replace("\\", "/").startswith("__MACOSX/"):
            continue
        reason = unsafe_member_reason(member)
        if reason is not None:
            out.append(Source(f"{display}!{member}", path, member, problem=f"{reason}: refused", limits=limits))
        elif looks_like_run(member):
            out.append(Source(f"{display}!{member}", path, member, limits=limits))
    return out


def _walk(folder: Path) -> list[Path]:
    """Run-like files and zip archives under ``folder``, sorted, not following symlinked folders."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for fn in sorted(filenames):
            if looks_like_run(fn) or fn.lower().endswith(".zip"):
                found.append(Path(dirpath) / fn)
    return found


def discover(paths, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[Source]:
    """Expand files, folders and zip archives into the run files they hold.

    Parameters
    ----------
    paths : path-like or iterable of path-like
    limits : ArchiveLimits
        Decompression bounds, carried by every Source.

    Returns
    -------
    list of Source
        In the order given (folders and archives sorted inside), each name once.  A missing path is
        kept: loading it raises :class:`~runload.errors.RunloadError` ("no such file").
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    sources: list[Source] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for f in _walk(p):
                if looks_like_run(f.name):
                    sources.append(Source(str(f), f, limits=limits))
                elif _is_zip(f):
                    sources.extend(_zip_sources(f, limits))
        elif p.is_file() and _is_zip(p):
            sources.extend(_zip_sources(p, limits))
        else:
            sources.append(Source(str(p), p, limits=limits))
    seen: set[str] = set()
    unique = []
    for s in sources:
        if s.name not in seen:
            seen.add(s.name)
            unique.append(s)
    return unique
