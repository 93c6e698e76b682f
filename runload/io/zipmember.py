"""Reading zip members into memory with a cap on the bytes actually decompressed, and one open handle
per archive.

Why not ``ZipFile.open(...).read(n)``: for bzip2 and LZMA members :mod:`zipfile` calls the decompressor
without an output limit, so 921 bytes of bzip2 become 2.2 GB in one call before any check can run, and
the declared size (which a hostile archive sets to anything) only truncates the result afterwards.
:func:`read_member` therefore reads the member's compressed bytes itself (after the local header) and
decompresses them with an explicit output limit for every supported method — stored (0), deflate (8),
bzip2 (12), LZMA (14) — checking :func:`~runload.io.limits.check_output` on the bytes actually produced
and consumed, and the CRC-32 at the end.  Other methods (deflate64, zstd, …) and encrypted members are
refused with an :class:`~runload.errors.ArchiveError`.

:class:`ArchiveCache` keeps a few archives open (a file handle or, for an archive inside an archive, its
bytes) so that loading the members of one archive one after the other parses its central directory
once, not once per member (which made a 6,000-member archive take minutes).
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import stat
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path

from ..errors import IS_A_FOLDER, NO_SUCH_FILE, ArchiveError, RunloadError
from .limits import ArchiveLimits, check_output

__all__ = ["ArchiveCache", "ARCHIVES", "NOT_REGULAR", "archive_name", "open_regular", "open_zip", "read_member"]

_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 1024 * 1024  # most output per decompressor call: the limits are checked between calls
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, (version … uncompressed size), name len, extra len
NOT_REGULAR = "not a regular file (a device, FIFO or socket): not read"


def open_regular(path: str | os.PathLike):
    """Open a regular file for reading without ever blocking on a FIFO or device.

    The file is opened with ``O_NONBLOCK`` (which does not change reads of regular files) and checked
    with ``fstat`` on the open descriptor, so a path swapped for a FIFO after discovery cannot block.

    Returns
    -------
    file : io.BufferedReader
    st : os.stat_result

    Raises
    ------
    RunloadError
        Missing, a folder, not a regular file, or unreadable.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise RunloadError(path, NO_SUCH_FILE) from None
    except IsADirectoryError:
        raise RunloadError(path, IS_A_FOLDER) from None
    except PermissionError:
        raise RunloadError(path, "permission denied") from None
    except OSError as e:
        raise RunloadError(path, f"cannot open the file ({e.strerror or e})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise RunloadError(path, IS_A_FOLDER)
        raise RunloadError(path, NOT_REGULAR)
    return os.fdopen(fd, "rb"), st


class _Stored:
    """The stored method as a decompressor: output is input (the output cap still applies per chunk)."""

    eof = False
    needs_input = True

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return data


class _Deflate:
    """Raw deflate with an output cap; keeps the unconsumed input between calls."""

    def __init__(self):
        self._d = zlib.decompressobj(-zlib.MAX_WBITS)
        self._tail = b""
        self._full = False

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        return not self._tail and not self._full

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self._d.decompress(self._tail + data, max_length)
        self._tail = self._d.unconsumed_tail
        self._full = len(out) >= max_length  # output may be pending inside zlib: ask again without input
        return out


class _Lzma:
    """Zip's LZMA (method 14): a 4-byte header (version, properties size), the LZMA1 properties, then a
    raw LZMA1 stream (APPNOTE.TXT §5.8)."""

    def __init__(self, name: str, file_size: int):
        self._name = name
        self._file_size = file_size
        self._head = b""
        self._d: lzma.LZMADecompressor | None = None

    @property
    def eof(self) -> bool:
        return self._d is not None and self._d.eof

    @property
    def needs_input(self) -> bool:
        return self._d is None or self._d.needs_input

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._d is None:
            self._head += data
            if len(self._head) < 4:
                return b""
            (psize,) = struct.unpack("<H", self._head[2:4])
            if len(self._head) < 4 + psize:
                return b""
            props = self._head[4:4 + psize]
            if psize < 5 or props[0] >= 9 * 5 * 5:
                raise ArchiveError(self._name, "damaged LZMA properties in the archive member")
            pb, rest = divmod(props[0], 9 * 5)
            lp, lc = divmod(rest, 9)
            (dict_size,) = struct.unpack("<I", props[1:5])
            # The decoder allocates the whole dictionary at once (up to 4 GiB if the header says so); one
            # larger than the output is never used, and the output is held to the declared size.
            dict_size = max(4096, min(dict_size, self._file_size))
            filt = {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": dict_size}
            self._d = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[filt])
            data = self._head[4 + psize:]
            self._head = b""
        return self._d.decompress(data, max_length)


def _decompressor(method: int, name: str, file_size: int):
    if method == zipfile.ZIP_STORED:
        return _Stored()
    if method == zipfile.ZIP_DEFLATED:
        return _Deflate()
    if method == zipfile.ZIP_BZIP2:
        return bz2.BZ2Decompressor()
    if method == zipfile.ZIP_LZMA:
        return _Lzma(name, file_size)
    label = zipfile.compressor_names.get(method, "unknown")
    raise ArchiveError(name, f"archive member uses compression method {method} ({label}), which runload "
                             "does not read (stored, deflate, bzip2 and LZMA are read)")


def read_member(fp, info: zipfile.ZipInfo, name: str, limits: ArchiveLimits) -> bytes:
    """Decompress one zip member from the open archive file ``fp``, never producing more than the limit.

    Parameters
    ----------
    fp : binary file
        The archive (seekable); the caller serialises access.
    info : zipfile.ZipInfo
        The member, from the archive's central directory.
    name : str
        Display name for messages (``export.zip!activities/1.fit.gz``).
    limits : ArchiveLimits

    Returns
    -------
    bytes

    Raises
    ------
    ArchiveError
        Encrypted, unsupported method, declared or actual output or ratio beyond ``limits``, more output
        than the member declares, damaged data (bad header, truncated, CRC-32 mismatch).
    """
    if info.flag_bits & 0x1:
        raise ArchiveError(name, "archive member is encrypted")
    check_output(info.file_size, info.compress_size, name, limits, "zip member")  # declared: cheap early refusal
    d = _decompressor(info.compress_type, name, info.file_size)
    try:
        fp.seek(info.header_offset)
        head = fp.read(_LOCAL_HEADER.size)
        if len(head) < _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
            raise ArchiveError(name, "damaged archive: no local header where the member should start")
        _, n_name, n_extra = _LOCAL_HEADER.unpack(head)
        fp.seek(n_name + n_extra, io.SEEK_CUR)
        left = info.compress_size
        n_in = 0
        out = bytearray()
        cap = limits.max_file_bytes + 1
        while not d.eof:
            chunk = b""
            if d.needs_input:
                if left <= 0:
                    break
                chunk = fp.read(min(_IN_CHUNK, left))
                if not chunk:
                    raise ArchiveError(name, f"archive member data ends after {n_in} of {info.compress_size} bytes")
                left -= len(chunk)
                n_in += len(chunk)
            out += d.decompress(chunk, min(_OUT_CHUNK, cap - len(out)))
            check_output(len(out), n_in, name, limits, "zip member")
            if len(out) > info.file_size:
                raise ArchiveError(name, f"archive member decompresses to more than the {info.file_size} bytes it "
                                         "declares (a decompression bomb?): refused")
            if info.compress_type == zipfile.ZIP_STORED and left <= 0:
                break
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError) as e:
        raise ArchiveError(name, f"cannot read the archive member ({e})") from e
    if zlib.crc32(out) != info.CRC or len(out) != info.file_size:
        raise ArchiveError(name, f"archive member is damaged (CRC-32 or size mismatch after {len(out)} bytes)")
    return bytes(out)


def open_zip(fp, name: str) -> zipfile.ZipFile:
    """A :class:`zipfile.ZipFile` over an open file, with readable errors."""
    try:
        return zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ArchiveError(name, f"cannot read the zip archive ({e})") from e


def archive_name(path: str | os.PathLike, via: tuple[str, ...] = ()) -> str:
    """Display name of the archive at ``path``, or nested in it along ``via``: ``outer.zip!inner.zip``."""
    return "!".join((os.fspath(path), *via))


class _Open:
    __slots__ = ("zf", "fp", "owns", "nbytes")

    def __init__(self, zf: zipfile.ZipFile, fp, owns: bool, nbytes: int = 0):
        self.zf, self.fp, self.owns = zf, fp, owns
        self.nbytes = nbytes  # memory held [bytes] (a nested archive's content)

    def close(self) -> None:
        self.zf.close()
        if self.owns:
            self.fp.close()


class ArchiveCache:
    """A few open archives, most recently used last; an archive inside an archive is held as bytes.

    One process-wide instance, :data:`ARCHIVES`, serves :meth:`runload.io.archive.Source.load`.  Entries
    are keyed by the archive file's identity (device, inode, size, modification time) and the chain of
    nested members, so a file replaced on disk is opened afresh.  Access is serialised by a lock.  A
    forked worker process starts with an empty cache (a shared file offset would mix reads).

    Parameters
    ----------
    size : int
        Most archives kept open.
    max_bytes : int  [bytes]
        Most memory held by nested archives' contents; the most recently used one is always kept (it is
        at most ``ArchiveLimits.max_file_bytes``).  A batch that loads the members of one archive
        together reads each nested archive once.
    """

    def __init__(self, size: int = 4, max_bytes: int = 1024 * 1024 * 1024):
        self.size = size
        self.max_bytes = max_bytes
        self._forget()

    def _forget(self) -> None:
        """Start empty, without closing anything (after a fork the parent still uses its handles, whose
        file offsets a child would share)."""
        self.lock = threading.RLock()
        self._open: OrderedDict[tuple, _Open] = OrderedDict()
        self._pid = os.getpid()

    def _get(self, key: tuple, make) -> _Open:
        if self._pid != os.getpid():  # forked without the at-fork hook
            self._forget()
        entry = self._open.pop(key, None)
        if entry is None:
            entry = make()
        self._open[key] = entry
        while len(self._open) > 1 and (len(self._open) > self.size
                                       or sum(e.nbytes for e in self._open.values()) > self.max_bytes):
            _, old = self._open.popitem(last=False)
            old.close()
        return entry

    def _archive(self, path: Path, via: tuple[str, ...], limits: ArchiveLimits) -> tuple[tuple, _Open]:
        display = archive_name(path, via)
        if not via:
            try:
                st = os.stat(path)
            except OSError as e:
                raise ArchiveError(display, f"cannot read the archive ({e.strerror or e})") from None
            key = (os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

            def make():
                fp, _ = open_regular(path)
                try:
                    return _Open(open_zip(fp, display), fp, True)
                except BaseException:
                    fp.close()
                    raise

            return key, self._get(key, make)
        parent_key, parent = self._archive(path, via[:-1], limits)
        key = (*parent_key, via)

        def make_nested():
            data = self._read(parent, via[-1], display, limits)
            fp = io.BytesIO(data)
            return _Open(open_zip(fp, display), fp, True, len(data))

        return key, self._get(key, make_nested)

    @staticmethod
    def _read(entry: _Open, member: str, display: str, limits: ArchiveLimits) -> bytes:
        try:
            info = entry.zf.getinfo(member)
        except KeyError:
            raise ArchiveError(display, "no such member in the archive (changed since it was listed?)") from None
        return read_member(entry.fp, info, display, limits)

    def infolist(self, path: Path, via: tuple[str, ...], limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
        """The members of the archive at ``path`` (or nested in it along ``via``), as listed."""
        with self.lock:
            return self._archive(path, via, limits)[1].zf.infolist()

    def read(self, path: Path, via: tuple[str, ...], member: str, name: str, limits: ArchiveLimits) -> bytes:
        """The bytes of ``member`` of the archive at ``path`` (nested along ``via``), within ``limits``."""
        with self.lock:
            return self._read(self._archive(path, via, limits)[1], member, name, limits)

    @property
    def held_bytes(self) -> int:
        """Memory held by the nested archives kept [bytes]."""
        with self.lock:
            return sum(e.nbytes for e in self._open.values())

    def clear(self) -> None:
        """Close every archive held open."""
        with self.lock:
            while self._open:
                self._open.popitem()[1].close()


#: The process-wide cache used when loading archive members.
ARCHIVES = ArchiveCache()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=ARCHIVES._forget)
