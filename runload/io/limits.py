"""Bounds on decompression: the limits every archive level and every compression method obeys; and
on the number of runs one file may hold (:data:`MAX_RUNS_PER_FILE`).

Archives come from strangers (a zip bomb is 42 KB of deflate that lists 4.5 PB), so every byte runload
decompresses is counted as it comes out — the sizes an archive *declares* are checked too, but never
trusted.  :func:`check_output` is the one place where the limits are compared with actual bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ArchiveError, TooManyRunsError

__all__ = ["ArchiveLimits", "DEFAULT_LIMITS", "MiB", "check_output", "MAX_RUNS_PER_FILE", "check_run_count"]

MiB = 1024 * 1024

#: Most runs (FIT sessions, GPX tracks, TCX activities) read from one file.  A watch writes one file per
#: activity (a multisport FIT file a handful of sessions); each run costs ~2–3 ms to build however short
#: it is, so a 1.7 MB GPX of 5,001 two-point tracks took 11 s to read (issue 12's fuzzing) and more tracks
#: would have read for minutes.  A file with more is refused with this reason, not cut short.
MAX_RUNS_PER_FILE = 1_000


def check_run_count(n_runs: int, source, what: str) -> None:
    """Raise :class:`~runload.errors.TooManyRunsError` before the run beyond :data:`MAX_RUNS_PER_FILE`
    is built (``n_runs``: the runs built so far; ``what``: ``"tracks"``, ``"sessions"``, ``"activities"``)."""
    if n_runs >= MAX_RUNS_PER_FILE:
        raise TooManyRunsError(source, f"more than {MAX_RUNS_PER_FILE:,} running {what} in one file; runload "
                                       f"reads at most {MAX_RUNS_PER_FILE:,} runs from one file (split it)")


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on decompression (zip and gzip bombs), applied at every level of nested archives.

    Attributes
    ----------
    max_file_bytes : int  [bytes]
        Largest decompressed run file, archive member or nested archive (512 MiB: a 24-hour 1 Hz FIT
        file is ~10 MiB; a Garmin export's ``UploadedFiles_*.zip`` parts are a few hundred MiB).
    max_total_bytes : int  [bytes]
        Largest declared uncompressed total of one zip archive, nested archives included (16 GiB: years
        of 1 Hz runs).
    max_ratio : float  [-]
        Largest decompressed/compressed size ratio, checked on the bytes actually produced and consumed
        once the output exceeds ``ratio_min_bytes``.  Run files compress 3–30×; a deflate bomb ~1000×,
        a bzip2 bomb over a million times.
    ratio_min_bytes : int  [bytes]
        Output size below which the ratio is not checked (small files can compress very well).
    max_members : int
        Most members one zip archive may list, nested archives included.
    max_depth : int
        Most levels of zip archives inside each other (1: a zip; 2: a zip inside a zip, as in a Garmin
        account export).
    """

    max_file_bytes: int = 512 * MiB
    max_total_bytes: int = 16 * 1024 * MiB
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1 * MiB
    max_members: int = 200_000
    max_depth: int = 3


DEFAULT_LIMITS = ArchiveLimits()


def check_output(n_out: int, n_in: int, name: str, limits: ArchiveLimits, what: str) -> None:
    """Raise :class:`~runload.errors.ArchiveError` when ``n_out`` bytes from ``n_in`` break a limit.

    Parameters
    ----------
    n_out : int  [bytes]
        Decompressed bytes so far (or declared).
    n_in : int  [bytes]
        Compressed bytes they came from.
    name : str
        Display name for the message.
    limits : ArchiveLimits
    what : str
        What is being decompressed ("gzip data", "zip member").
    """
    if n_out > limits.max_file_bytes:
        raise ArchiveError(name, f"{what} decompresses to more than {limits.max_file_bytes / MiB:.0f} MiB "
                                 "(limit; a run file is far smaller): refused")
    if n_out > limits.ratio_min_bytes and n_out > limits.max_ratio * max(n_in, 1):
        raise ArchiveError(name, f"{what} expands more than {limits.max_ratio:.0f}× when decompressed "
                                 "(a decompression bomb?): refused")
