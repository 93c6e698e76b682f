"""Getting run files' bytes: plain and gzip files, folders, and zip exports (Garmin, Strava).

:func:`load_bytes` reads one file and decompresses gzip (recognised by its magic bytes, not the name).
:func:`discover` turns the paths a user gives into :class:`Source` objects, one per run file:

* a file is taken as given, whatever its name (the format is sniffed from the bytes later);
* a folder is walked recursively in sorted order, keeping files named like runs
  (``.fit``/``.gpx``/``.tcx``, optionally ``.gz``, any case) and zip archives;
* a zip archive is listed, and each run member becomes a Source read in memory when loaded — nothing is
  ever extracted to disk.  A zip inside a zip (a Garmin account export keeps its activity files in
  ``DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_*.zip``) is opened too, up to
  ``ArchiveLimits.max_depth`` levels; its members are named ``outer.zip!inner.zip!member.fit``;
* a Strava bulk export (``activities/*.fit.gz|gpx.gz|tcx.gz`` beside ``activities.csv``, zipped or
  unpacked) is enriched from its csv (:mod:`runload.io.strava`): each Source's ``extra`` holds the
  activity's name, type and gear, and an activity of another sport (Ride, Walk, …) gets a
  ``skip_reason`` before anything is read.

Nothing is dropped silently: every file discovery finds but will not read becomes a Source whose
``problem`` says why (its :meth:`Source.load` raises :class:`~runload.errors.ArchiveError`), so a batch
records it as a failure:

* members whose names would escape a folder (``..``, absolute paths, drive letters);
* archives beyond the limits, unreadable archives, zips nested too deep;
* paths that are not regular files (``/dev/zero``, a FIFO, a socket: reading them would never end or
  would block) — only regular files are ever opened, and :func:`load_bytes` checks again on the open
  descriptor;
* symbolic links found in a folder whose target lies outside the paths given (followed when inside),
  broken links, and sub-folders that cannot be listed.

The same file reached twice (a symlink inside the given folders, the same folder given twice under two
spellings) is read once; the other Source carries ``skip_reason = "same file as …"``.

Archives come from strangers, so every decompression is bounded (:class:`ArchiveLimits`, applied at
every nesting level and to the bytes actually produced, for every compression method — see
:mod:`runload.io.zipmember`): a per-file output limit, a compression-ratio guard, a limit on the
declared total size and on the number of members (both counted over the nested archives of one
export).  Exceeding one raises :class:`~runload.errors.ArchiveError`.  Loading the members of an
archive one after the other opens it once (:data:`~runload.io.zipmember.ARCHIVES`), so time is linear
in the number of members.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ArchiveError, CorruptFileError, RunloadError, RunloadWarning, TruncatedFileWarning
from . import strava
from .limits import DEFAULT_LIMITS, ArchiveLimits, MiB
from .limits import check_output as _check_output
from .zipmember import ARCHIVES, NOT_REGULAR, archive_name, open_regular

__all__ = ["ArchiveLimits", "DEFAULT_LIMITS", "Source", "discover", "load_bytes", "gunzip_limited",
           "looks_like_run", "unsafe_member_reason"]

_CHUNK = MiB
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_RUN_NAME = re.compile(r"\.(fit|gpx|tcx)(\.gz)?$", re.IGNORECASE)


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


def _read_capped(f, size: int, cap: int) -> bytes:
    """Read an open file of ``size`` bytes (its fstat size), at most ``cap + 1`` bytes in all.

    ``f.read(n)`` allocates ``n`` bytes before reading, so asking for the cap itself would take 512 MiB
    of address space for every file; the size from fstat is asked for instead, and a file that grew
    since (or reports no size, as /proc files do) is read on in chunks until the cap is passed.
    """
    raw = f.read(min(size, cap) + 1)
    if len(raw) <= size:
        return raw
    out = bytearray(raw)
    while len(out) <= cap:
        chunk = f.read(min(_CHUNK, cap + 1 - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def load_bytes(path: str | Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> tuple[bytes, str | None]:
    """Read a regular file (at most ``limits.max_file_bytes``); gzip, recognised by its magic bytes, is
    decompressed within ``limits``.

    Returns
    -------
    data : bytes
        The (decompressed) content.
    compression : {"gzip", None}

    Raises
    ------
    RunloadError
        The file is missing, a folder, not a regular file (device, FIFO, socket), unreadable or larger
        than ``limits.max_file_bytes``.
    ArchiveError, CorruptFileError
        See :func:`gunzip_limited`.
    """
    p = Path(path)
    f, st = open_regular(p)
    with f:
        too_big = RunloadError(p, f"file is larger than the {limits.max_file_bytes / MiB:.0f} MiB limit for "
                                  "one run file")
        if st.st_size > limits.max_file_bytes:
            raise too_big
        try:
            raw = _read_capped(f, st.st_size, limits.max_file_bytes)
        except OSError as e:
            raise RunloadError(p, f"cannot read the file ({e.strerror or e})") from None
    if len(raw) > limits.max_file_bytes:
        raise too_big
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
    """One run file to read: a file on disk or a member of a zip archive (possibly nested).

    Attributes
    ----------
    name : str
        Display path: ``runs/a.fit``, ``export.zip!activities/123.fit.gz`` or
        ``export.zip!DI_CONNECT/…/UploadedFiles_0-_Part1.zip!run.fit``.
    path : pathlib.Path
        The file on disk (the outermost archive, for a member).
    member : str or None
        Name of the member inside the innermost zip archive.
    problem : str or None
        Set when discovery refused this entry (unsafe name, archive too large or too deep, unreadable
        archive, not a regular file, symlink leading outside the given paths); :meth:`load` then raises
        :class:`~runload.errors.ArchiveError` with it.  A batch records it as a failure.
    limits : ArchiveLimits
    via : tuple of str
        Members leading from the archive at ``path`` to the nested archive holding ``member`` (empty for a
        plain zip member).
    skip_reason : str or None
        Set when the file is known not to be worth reading before it is read: ``"not a run (sport: Ride,
        from activities.csv)"`` from a Strava export, ``"same file as …"`` for a duplicate.  A batch
        records it as skipped; :meth:`load` still works.
    extra : dict or None
        Metadata from the export around the file: for a Strava export ``{"activity_id", "date", "name",
        "type", "gear"}`` (see :mod:`runload.io.strava`).
    """

    name: str
    path: Path
    member: str | None = None
    problem: str | None = None
    limits: ArchiveLimits = DEFAULT_LIMITS
    via: tuple[str, ...] = ()
    skip_reason: str | None = None
    extra: dict | None = field(default=None, hash=False)

    def load(self) -> tuple[bytes, str | None]:
        """The decompressed bytes and ``"gzip"`` or ``None``, like :func:`load_bytes`."""
        if self.problem is not None:
            raise ArchiveError(self.name, self.problem)
        if self.member is None:
            return load_bytes(self.path, self.limits)
        raw = ARCHIVES.read(self.path, self.via, self.member, self.name, self.limits)
        if raw[:2] == _GZIP_MAGIC:
            return gunzip_limited(raw, self.name, self.limits), "gzip"
        return raw, None


class _Budget:
    """Members and declared bytes counted over one archive and the archives nested in it."""

    def __init__(self):
        self.members = 0
        self.declared = 0


def _refused(path: Path, via: tuple[str, ...], problem: str, limits: ArchiveLimits) -> Source:
    """The Source standing for an archive (or nested archive) that is not opened."""
    return Source(archive_name(path, via), path, via[-1] if via else None, problem=problem, limits=limits,
                  via=via[:-1])


def _zip_sources(path: Path, via: tuple[str, ...], limits: ArchiveLimits, budget: _Budget) -> list[Source]:
    """One Source per run member of a zip archive, nested archives opened (refusals carry a problem)."""
    display = archive_name(path, via)
    try:
        infos = ARCHIVES.infolist(path, via, limits)
    except RunloadError as e:
        return [_refused(path, via, e.reason, limits)]
    budget.members += len(infos)
    declared = sum(i.file_size for i in infos)
    budget.declared += declared
    if len(infos) > limits.max_members:
        return [_refused(path, via, f"archive lists {len(infos)} members, more than the limit of "
                                    f"{limits.max_members}", limits)]
    if budget.members > limits.max_members:
        return [_refused(path, via, f"archives nested in {path} list {budget.members} members in all, more "
                                    f"than the limit of {limits.max_members}", limits)]
    if declared > limits.max_total_bytes or budget.declared > limits.max_total_bytes:
        return [_refused(path, via, f"archive declares {max(declared, budget.declared) / MiB:.0f} MiB "
                                    f"uncompressed, more than the {limits.max_total_bytes / MiB:.0f} MiB limit "
                                    "(a zip bomb?): refused", limits)]
    out: list[Source] = []
    csvs: list[str] = []
    for info in sorted(infos, key=lambda i: i.filename):
        member = info.filename
        norm = member.replace("\\", "/")
        if info.is_dir() or norm.startswith("__MACOSX/"):
            continue
        reason = unsafe_member_reason(member)
        base = norm.rsplit("/", 1)[-1].lower()
        if reason is not None:
            out.append(Source(f"{display}!{member}", path, member, problem=f"{reason}: refused", limits=limits,
                              via=via))
        elif looks_like_run(member):
            out.append(Source(f"{display}!{member}", path, member, limits=limits, via=via))
        elif base.endswith(".zip") and not base.startswith("._"):
            if len(via) + 1 >= limits.max_depth:
                out.append(_refused(path, (*via, member), f"zip archive nested more than {limits.max_depth} deep: "
                                                          "not opened", limits))
            else:
                out.extend(_zip_sources(path, (*via, member), limits, budget))
        elif base == strava.STRAVA_CSV:
            csvs.append(member)
    for member in csvs:
        try:
            data = ARCHIVES.read(path, via, member, f"{display}!{member}", limits)
        except RunloadError as e:
            warnings.warn(f"{e}; runs are read without their Strava names, types and gear", RunloadWarning,
                          stacklevel=2)
            continue
        rows = strava.read_activities_csv(data, f"{display}!{member}")
        folder = strava.normalize_filename(member.rsplit("/", 1)[0]) if "/" in member.replace("\\", "/") else ""
        prefix = folder + "/" if folder else ""
        for i, s in enumerate(out):
            if s.via == via and s.member is not None and s.problem is None:
                key = strava.normalize_filename(s.member)
                if key.startswith(prefix) and key[len(prefix):] in rows:
                    out[i] = strava.enrich(s, rows[key[len(prefix):]])
    return out


def _is_zip(path: Path) -> bool:
    try:
        f, _ = open_regular(path)
    except RunloadError:
        return False
    with f:
        try:
            return f.read(4) in _ZIP_MAGICS
        except OSError:
            return False


def _inside(real: str, roots: list[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _file_sources(f: Path, roots: list[str], limits: ArchiveLimits, *, given: bool) -> list[Source]:
    """The Sources of one path that is not a folder: a run file, a zip archive, or a refusal."""
    if not given and os.path.islink(f):
        real = os.path.realpath(f)
        if not _inside(real, roots):
            return [Source(str(f), f, problem=f"symbolic link to {real}, outside the paths given: not followed",
                           limits=limits)]
    try:
        st = os.stat(f)
    except FileNotFoundError:
        if given:
            return [Source(str(f), f, limits=limits)]  # loading says "no such file"
        return [Source(str(f), f, problem="broken symbolic link", limits=limits)]
    except OSError as e:
        return [Source(str(f), f, problem=f"cannot examine the file ({e.strerror or e})", limits=limits)]
    if not stat.S_ISREG(st.st_mode):
        return [Source(str(f), f, problem=NOT_REGULAR, limits=limits)]
    if (given or f.name.lower().endswith(".zip")) and _is_zip(f):
        return _zip_sources(f, (), limits, _Budget())
    return [Source(str(f), f, limits=limits)]


def _walk(folder: Path, roots: list[str], limits: ArchiveLimits) -> list[Source]:
    """Sources under ``folder``, sorted; Strava ``activities.csv`` files enrich the ones they list."""
    out: list[Source] = []
    csvs: list[Path] = []

    def unlistable(e: OSError) -> None:
        where = Path(e.filename) if e.filename else folder
        out.append(Source(str(where), where, problem=f"cannot list the folder ({e.strerror or e}): the files in it "
                                                     "were not read", limits=limits))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unlistable):
        dirnames.sort()
        for d in dirnames:
            sub = Path(dirpath) / d
            if os.path.islink(sub):  # not walked; its files are reached by the given paths or refused here
                real = os.path.realpath(sub)
                if not _inside(real, roots):
                    out.append(Source(str(sub), sub, problem=f"symbolic link to the folder {real}, outside the "
                                                             "paths given: not followed", limits=limits))
        for fn in sorted(filenames):
            f = Path(dirpath) / fn
            lower = fn.lower()
            if lower == strava.STRAVA_CSV:
                csvs.append(f)
            elif looks_like_run(fn) or (lower.endswith(".zip") and not fn.startswith("._")):
                out.extend(_file_sources(f, roots, limits, given=False))
    for csv_path in csvs:
        try:
            data, _ = load_bytes(csv_path, limits)
        except RunloadError as e:
            warnings.warn(f"{e}; runs are read without their Strava names, types and gear", RunloadWarning,
                          stacklevel=2)
            continue
        rows = strava.read_activities_csv(data, str(csv_path))
        base = csv_path.parent
        wanted = {os.path.normpath(base / name): extra for name, extra in rows.items()}
        for i, s in enumerate(out):
            if s.member is None and s.problem is None and (extra := wanted.get(os.path.normpath(s.path))):
                out[i] = strava.enrich(s, extra)
    return out


def _dedupe(sources: list[Source]) -> list[Source]:
    """Each name once; the same file under two names is read once (a non-symlink name preferred)."""
    named: dict[str, Source] = {}
    for s in sources:
        named.setdefault(s.name, s)
    real: dict[Path, str] = {}

    def identity(s: Source) -> tuple:
        if s.path not in real:
            real[s.path] = os.path.realpath(s.path)
        return (real[s.path], s.via, s.member)

    groups: dict[tuple, list[Source]] = {}
    for s in named.values():
        if s.problem is None:
            groups.setdefault(identity(s), []).append(s)
    out = []
    for s in named.values():
        group = groups[identity(s)] if s.problem is None else [s]
        first = group[0] if len(group) == 1 else min(group, key=lambda g: os.path.islink(g.path))
        out.append(s if first is s else replace(s, skip_reason=f"same file as {first.name}"))
    return out


def discover(paths, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[Source]:
    """Expand files, folders and zip archives (nested ones too) into the run files they hold.

    Parameters
    ----------
    paths : path-like or iterable of path-like
    limits : ArchiveLimits
        Decompression bounds, carried by every Source.

    Returns
    -------
    list of Source
        In the order given (folders and archives sorted inside), each name once.  A missing path is
        kept: loading it raises :class:`~runload.errors.RunloadError` ("no such file").  Paths that will
        not be read carry a ``problem``; duplicates and activities of other sports a ``skip_reason``.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    roots = [os.path.realpath(p) for p in paths]
    sources: list[Source] = []
    for p in paths:
        if p.is_dir():
            sources.extend(_walk(p, roots, limits))
        else:
            sources.extend(_file_sources(p, roots, limits, given=True))
    return _dedupe(sources)
