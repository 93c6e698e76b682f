"""Hostile archives and files (issue 12): zip slip, decompression bombs with lying sizes, nested
archives, symlinks out of the given roots, devices, FIFOs and sockets, and 200,000-member archives are
refused or read within bounds, in time linear in their size.

What tests/io/test_archive.py and tests/io/test_discover_hazards.py already pin (member names with
``..``, bzip2/LZMA/deflate members whose declared size lies, an LZMA 4 GiB dictionary, /dev/zero, FIFOs,
symlinks leading out, linear loading of 4,000 members) is not repeated; these tests cover the rest of
the promise.  Memory is measured with tracemalloc in a forked child (:func:`promises.fuzzrun.in_child`).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import socket
import struct
import time
import zipfile
from pathlib import Path

import pytest
from promises.fuzzrun import in_child

from runload.errors import ArchiveError, RunloadError, UnsupportedFormatError
from runload.io import read_runs
from runload.io.archive import ArchiveLimits, discover, load_bytes
from runload.io.dispatch import read_source_runs

MiB = 1024 * 1024


def _outcome(fn):
    def go():
        try:
            value = fn()
        except RunloadError as e:
            return ("refused", type(e).__name__, str(e))
        return ("ok", value)
    return go


# --- zip slip and links inside archives -------------------------------------------------------------


def test_a_symlink_member_is_never_followed_or_extracted(tmp_path):
    # a zip member stored with the Unix symlink mode whose content names a file outside: runload reads
    # members into memory only, so the "link" is its text, which is not a run file
    z = tmp_path / "slip.zip"
    with zipfile.ZipFile(z, "w") as zf:
        info = zipfile.ZipInfo("activities/evil.fit")
        info.external_attr = (0o120777 << 16)  # S_IFLNK
        zf.writestr(info, "/etc/passwd")
        zf.writestr(zipfile.ZipInfo("../../../../tmp/evil.gpx"), "<gpx/>")
    before = set(tmp_path.rglob("*"))
    by_name = {s.member: s for s in discover(tmp_path)}
    assert by_name["activities/evil.fit"].load() == (b"/etc/passwd", None)
    with pytest.raises(UnsupportedFormatError, match="not a FIT, GPX or TCX file"):
        read_source_runs(by_name["activities/evil.fit"])
    with pytest.raises(ArchiveError, match="path traversal"):
        by_name["../../../../tmp/evil.gpx"].load()
    assert set(tmp_path.rglob("*")) == before  # nothing written anywhere


# --- bombs whose sizes lie ----------------------------------------------------------------------------


def test_a_gzip_bomb_with_a_lying_size_trailer_is_refused_in_bounded_memory(tmp_path):
    blob = bytearray(gzip.compress(b"\x00" * (256 * MiB), compresslevel=9))
    struct.pack_into("<I", blob, len(blob) - 4, 100)  # ISIZE: "100 bytes"
    p = tmp_path / "bomb.fit.gz"
    p.write_bytes(bytes(blob))
    res = in_child(_outcome(lambda: load_bytes(p)), seconds=60, memory_bytes=1024 * MiB)
    assert not res.timed_out and res.value[0] == "refused" and "expands more than 200" in res.value[2], res
    # the ratio guard stops at 200 × the compressed size (io/limits.py), never near the 256 MiB inside
    bound = 1.5 * 200 * len(blob) + 8 * MiB  # bytearray growth keeps up to ~1/8 spare
    assert res.peak_bytes < bound, f"{res.peak_bytes / MiB:.0f} MiB held refusing a 256 MiB gzip bomb"


@pytest.mark.parametrize("codec", ["bzip2", "xz"])
def test_bzip2_and_xz_files_are_not_decompressed_at_all(codec, tmp_path):
    # only gzip is decompressed outside zip archives: a bzip2/xz bomb given as a run file is named, not read
    payload = b"\x00" * (64 * MiB)
    blob = bz2.compress(payload) if codec == "bzip2" else lzma.compress(payload)
    p = tmp_path / "bomb.fit"
    p.write_bytes(blob)
    res = in_child(_outcome(lambda: read_runs(p)), seconds=30, memory_bytes=512 * MiB)
    assert res.value[0] == "refused" and res.value[1] == "UnsupportedFormatError", res
    assert ("bzip2 data" if codec == "bzip2" else "xz data") in res.value[2]
    assert res.peak_bytes < 4 * MiB + 2 * len(blob)


# --- nested archives ------------------------------------------------------------------------------------


def _zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def test_a_nested_fan_out_bomb_is_refused_level_by_level(tmp_path):
    # 42.zip in small: 8 × 8 nested archives around deflate bombs (each 16 MiB of zeros, ~16 kB packed);
    # the fourth level is past max_depth; every member is refused on the bytes it actually produces
    bomb = _zip_bytes({f"{k}.fit": b"\x00" * (16 * MiB) for k in range(2)})
    level2 = _zip_bytes({f"l2_{k}.zip": bomb for k in range(8)})
    level1 = _zip_bytes({f"l1_{k}.zip": level2 for k in range(8)})
    z = tmp_path / "42.zip"
    z.write_bytes(level1)

    def survey():
        sources = discover(z)
        outcomes = []
        for s in sources:
            try:
                s.load()
                outcomes.append("loaded")
            except RunloadError as e:
                outcomes.append(e.reason.split(" (")[0][:40])
        return len(sources), sorted(set(outcomes))

    res = in_child(survey, seconds=120, memory_bytes=1024 * MiB)
    assert not res.timed_out and res.error is None, res
    n, outcomes = res.value
    assert n == 8 * 8 * 2 and "loaded" not in outcomes, res.value
    assert res.peak_bytes < 64 * MiB, f"{res.peak_bytes / MiB:.0f} MiB"
    deeper = tmp_path / "deep.zip"
    deeper.write_bytes(_zip_bytes({"a.zip": _zip_bytes({"b.zip": _zip_bytes({"c.zip": _zip_bytes({"r.gpx": b"<gpx/>"})})})}))
    (only,) = discover(deeper)
    with pytest.raises(ArchiveError, match="nested more than 3 deep"):
        only.load()


def test_an_archive_that_holds_itself_ends_at_the_depth_limit(tmp_path):
    # a zip whose member is the zip itself, as deep as the limit allows: never followed for ever
    inner = _zip_bytes({"run.gpx": b"<gpx/>"})
    for _ in range(6):
        inner = _zip_bytes({"self.zip": inner, "run.gpx": b"<gpx/>"})
    z = tmp_path / "self.zip"
    z.write_bytes(inner)
    res = in_child(lambda: [(s.name.count("!"), s.problem) for s in discover(z)], seconds=30)
    assert not res.timed_out and res.error is None, res
    depths = [d for d, _ in res.value]
    assert max(depths) <= 3 and any(p and "nested more than 3 deep" in p for _, p in res.value), res.value


# --- links, devices, sockets ------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_symlink_loops_end(tmp_path):
    root = tmp_path / "log"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "up").symlink_to(root)  # a folder loop
    (root / "a.fit").symlink_to(root / "b.fit")
    (root / "b.fit").symlink_to(root / "a.fit")  # a file loop
    (root / "ok.gpx").write_bytes(b"<gpx/>")
    res = in_child(lambda: sorted((Path(s.name).name, s.problem) for s in discover(root)), seconds=30)
    assert not res.timed_out and res.error is None, res
    names = dict(res.value)
    assert names["ok.gpx"] is None
    assert names["a.fit"] and names["b.fit"]  # recorded with a reason, not followed
    assert "up" not in names or names["up"]


def test_a_socket_and_a_device_link_are_refused(tmp_path):
    sock = tmp_path / "s.fit"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(sock))
        (tmp_path / "dev.fit").symlink_to("/dev/urandom")
        by_name = {Path(s.name).name: s for s in discover(tmp_path)}
        assert "not a regular file" in by_name["s.fit"].problem
        assert by_name["dev.fit"].problem  # outside the given folder, and not a regular file
        with pytest.raises(RunloadError, match="not a regular file|No such device"):
            load_bytes(sock)  # open() itself fails on a socket (ENXIO): one clear reason either way
        (given,) = discover(tmp_path / "dev.fit")  # given directly: still never read
        with pytest.raises(RunloadError, match="not a regular file"):
            given.load()
    finally:
        server.close()


# --- 200,000 members -----------------------------------------------------------------------------------


def _many_members(path: Path, n: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for i in range(n):
            zf.writestr(f"a/{i:06d}.gpx", b"<gpx/>")
    return path


def _load_all(path: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    sources = discover(path)
    for s in sources:
        s.load()
    return len(sources), time.perf_counter() - t0


@pytest.mark.slow
def test_a_200000_member_archive_loads_in_linear_time(tmp_path):
    small = _many_members(tmp_path / "small.zip", 20_000)
    large = _many_members(tmp_path / "large.zip", 200_000)
    n_small, t_small = _load_all(small)
    n_large, t_large = _load_all(large)
    assert (n_small, n_large) == (20_000, 200_000)
    assert t_large < 20 * t_small, f"200,000 members {t_large:.1f} s vs 20,000 members {t_small:.1f} s"


def test_an_archive_past_the_member_limit_is_refused_without_reading_members(tmp_path):
    z = _many_members(tmp_path / "many.zip", 2_001)
    res = in_child(lambda: [(s.name, s.problem) for s in discover(z, ArchiveLimits(max_members=2_000))],
                   seconds=30)
    assert not res.timed_out and res.error is None, res
    (only,) = res.value
    assert only[0] == str(z) and "2001 members, more than the limit of 2000" in only[1]
