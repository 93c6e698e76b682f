"""gzip with limits, folder and zip discovery, unsafe members, decompression bombs."""

from __future__ import annotations

import gzip
import os
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA_DIR, catalog_entries

from runload.errors import ArchiveError, CorruptFileError, RunloadError, RunloadWarning, TruncatedFileWarning
from runload.io import read_runs
from runload.io.archive import (
    ArchiveLimits,
    Source,
    discover,
    load_bytes,
    looks_like_run,
    unsafe_member_reason,
)
from runload.io.dispatch import read_source_runs

ONE_OF_EACH = {
    "fit": "corriporai__runpandas/runpandas/tests/io/data/fit/run.fit",
    "gpx": "corriporai__runpandas/runpandas/tests/io/data/gpx/garmin_connect.gpx",
    "tcx": "corriporai__runpandas/runpandas/tests/io/data/tcx/run_garmin.tcx",
}


def shared_file(fmt: str) -> Path:
    if not catalog_entries(path=ONE_OF_EACH[fmt]):
        from conftest import require_shared_data

        require_shared_data()
        pytest.fail(f"{ONE_OF_EACH[fmt]} missing from the catalogue")
    return SHARED_DATA_DIR / ONE_OF_EACH[fmt]


def quiet_read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        return read_runs(path)


# --- gzip ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["fit", "gpx", "tcx"])
def test_gz_reads_the_same_as_plain(fmt, tmp_path):
    plain = shared_file(fmt)
    gz = tmp_path / (plain.name + ".gz")
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert load_bytes(gz) == (plain.read_bytes(), "gzip")
    assert load_bytes(plain) == (plain.read_bytes(), None)
    a, b = quiet_read(plain), quiet_read(gz)
    assert len(a) == len(b) and b[0].meta.compression == "gzip" and a[0].meta.compression is None
    pd.testing.assert_frame_equal(a[0].samples, b[0].samples)


def test_gz_detected_by_magic_not_name(tmp_path):
    p = tmp_path / "run.gpx"  # gzip data without .gz
    p.write_bytes(gzip.compress(b"<gpx/>"))
    assert load_bytes(p) == (b"<gpx/>", "gzip")


def test_multi_member_gzip(tmp_path):
    p = tmp_path / "x.gpx.gz"
    p.write_bytes(gzip.compress(b"<gpx>") + gzip.compress(b"</gpx>") + b"\x00" * 8)
    assert load_bytes(p)[0] == b"<gpx></gpx>"


def test_truncated_gzip_keeps_the_part_before_the_cut(tmp_path):
    payload = os.urandom(200_000)  # incompressible: the cut falls inside the content
    blob = gzip.compress(payload)
    p = tmp_path / "cut.fit.gz"
    p.write_bytes(blob[: len(blob) // 2])
    with pytest.warns(TruncatedFileWarning, match="ends early"):
        data, compression = load_bytes(p)
    assert compression == "gzip" and 0 < len(data) < len(payload) and payload.startswith(data)


def test_garbage_after_gzip_magic_is_corrupt(tmp_path):
    p = tmp_path / "bad.fit.gz"
    p.write_bytes(b"\x1f\x8b" + b"\xff" * 30)
    with pytest.raises(CorruptFileError, match="gzip"):
        load_bytes(p)


def test_gzip_bomb_ratio_guard(tmp_path):
    p = tmp_path / "bomb.fit.gz"
    p.write_bytes(gzip.compress(b"\x00" * (32 * 1024 * 1024), compresslevel=6))  # ~1000:1
    with pytest.raises(ArchiveError, match="expands more than 200"):
        load_bytes(p)


def test_gzip_output_limit(tmp_path):
    p = tmp_path / "big.fit.gz"
    digits = (np.frombuffer(os.urandom(3 * 1024 * 1024), dtype=np.uint8) % 10 + 48).tobytes()
    p.write_bytes(gzip.compress(digits, compresslevel=1))  # ~2.4:1, far below the ratio guard
    assert p.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ArchiveError, match="more than 2 MiB"):
        load_bytes(p, ArchiveLimits(max_file_bytes=2 * 1024 * 1024))


def test_missing_and_folder_paths(tmp_path):
    with pytest.raises(RunloadError, match="no such file") as info:
        load_bytes(tmp_path / "nope.fit")
    assert info.value.path == str(tmp_path / "nope.fit")
    with pytest.raises(RunloadError, match="is a folder"):
        load_bytes(tmp_path)
    with pytest.raises(RunloadError, match="larger than"):
        (tmp_path / "a.fit").write_bytes(b"x" * 2000)
        load_bytes(tmp_path / "a.fit", ArchiveLimits(max_file_bytes=1000))


# --- names ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, ok", [
    ("a.fit", True), ("A.FIT.GZ", True), ("x/y/run.Gpx", True), ("run.tcx.gz", True), ("run.fit.zip", False),
    ("notes.txt", False), ("fit", False), ("._run.fit", False), ("run.gz", False),
])
def test_looks_like_run(name, ok):
    assert looks_like_run(name) is ok


@pytest.mark.parametrize("name", ["../evil.fit", "a/../../evil.fit", "/etc/x.gpx", "C:/win.tcx", "c:evil.fit",
                                  "a\\..\\..\\b.fit", "\\\\server\\share\\a.fit"])
def test_unsafe_member_names(name):
    assert unsafe_member_reason(name) is not None


@pytest.mark.parametrize("name", ["activities/1.fit.gz", "a..b.fit", "x/..hidden/y.gpx"])
def test_safe_member_names(name):
    assert unsafe_member_reason(name) is None


# --- discovery -----------------------------------------------------------------------------------------


def test_discover_folder_sorted_recursive_filtered(tmp_path):
    for rel in ["b/2.gpx", "b/c/1.FIT.GZ", "a.tcx", "notes.txt", "b/._3.fit", "b/c/d/4.fit"]:
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"x")
    names = [Path(s.name).relative_to(tmp_path).as_posix() for s in discover([tmp_path])]
    assert names == ["a.tcx", "b/2.gpx", "b/c/1.FIT.GZ", "b/c/d/4.fit"]


def test_discover_files_as_given_missing_kept_and_duplicates_once(tmp_path):
    f = tmp_path / "whatever.bin"
    f.write_bytes(b"x")
    sources = discover([f, tmp_path / "missing.fit", f])
    assert [s.name for s in sources] == [str(f), str(tmp_path / "missing.fit")]
    with pytest.raises(RunloadError, match="no such file"):
        sources[1].load()


def make_export(tmp_path: Path, members: dict[str, bytes]) -> Path:
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return z


def test_zip_export_nested_gz_members(tmp_path):
    gpx, tcx = shared_file("gpx").read_bytes(), shared_file("tcx").read_bytes()
    z = make_export(tmp_path, {
        "activities/2018/123.gpx.gz": gzip.compress(gpx),
        "activities/456.tcx": tcx,
        "activities/": b"",
        "README.txt": b"not a run",
        "__MACOSX/activities/._456.tcx": b"junk",
    })
    sources = discover([tmp_path])  # found inside the folder too
    assert [s.name for s in sources] == [f"{z}!activities/2018/123.gpx.gz", f"{z}!activities/456.tcx"]
    assert sources[0].load() == (gpx, "gzip")
    assert sources[1].load() == (tcx, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        runs = read_source_runs(sources[0])
    assert runs[0].meta.source == f"{z}!activities/2018/123.gpx.gz" and runs[0].meta.compression == "gzip"
    assert len(runs[0].samples) == 3
    assert not list(tmp_path.glob("activities"))  # nothing extracted
    # a Source travels to worker processes
    assert pickle.loads(pickle.dumps(sources[0])) == sources[0]


def test_zip_unsafe_members_recorded_not_read(tmp_path):
    z = make_export(tmp_path, {"../evil.fit": b"x", "/abs.gpx": b"x", "C:/win.tcx": b"x", "ok.gpx": b"<gpx/>"})
    sources = {s.name: s for s in discover(z)}
    assert set(sources) == {f"{z}!{n}" for n in ("../evil.fit", "/abs.gpx", "C:/win.tcx", "ok.gpx")}
    with pytest.raises(ArchiveError, match=r"'\.\.' \(path traversal\)"):
        sources[f"{z}!../evil.fit"].load()
    with pytest.raises(ArchiveError, match="absolute path"):
        sources[f"{z}!/abs.gpx"].load()
    with pytest.raises(ArchiveError, match="drive letter"):
        sources[f"{z}!C:/win.tcx"].load()
    assert sources[f"{z}!ok.gpx"].load() == (b"<gpx/>", None)
    assert not (tmp_path.parent / "evil.fit").exists()


def test_zip_bomb_member(tmp_path):
    z = make_export(tmp_path, {"activities/bomb.fit": b"\x00" * (32 * 1024 * 1024), "activities/ok.gpx": b"<gpx/>"})
    sources = discover(z)
    with pytest.raises(ArchiveError, match="expands more than"):
        sources[0].load()
    assert sources[1].load() == (b"<gpx/>", None)
    small = discover(z, ArchiveLimits(max_file_bytes=1024 * 1024, max_ratio=1e9))
    with pytest.raises(ArchiveError, match="more than 1 MiB"):
        small[0].load()


def test_zip_total_and_member_count_limits(tmp_path):
    z = make_export(tmp_path, {f"a/{i}.fit": b"x" * 600 for i in range(5)})
    (only,) = discover(z, ArchiveLimits(max_total_bytes=2000))
    assert only.name == str(z)
    with pytest.raises(ArchiveError, match="declares"):
        only.load()
    (only,) = discover(z, ArchiveLimits(max_members=3))
    with pytest.raises(ArchiveError, match="5 members"):
        only.load()


def test_gzip_bomb_inside_zip(tmp_path):
    z = make_export(tmp_path, {"a/1.fit.gz": gzip.compress(b"\x00" * (16 * 1024 * 1024))})
    with pytest.raises(ArchiveError, match="expands more than"):
        discover(z)[0].load()


def test_broken_zip_is_a_recorded_failure(tmp_path):
    z = tmp_path / "broken.zip"
    z.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (only,) = discover([tmp_path])
    assert only.name == str(z) and only.problem
    with pytest.raises(ArchiveError, match="cannot read the zip archive"):
        only.load()


def test_source_for_plain_file(tmp_path):
    f = tmp_path / "a.gpx.gz"
    f.write_bytes(gzip.compress(b"<gpx/>"))
    assert Source(str(f), f).load() == (b"<gpx/>", "gzip")


def test_reading_a_small_file_allocates_in_proportion_to_it(tmp_path):
    # load_bytes read with f.read(max_file_bytes + 1), which allocates a 512 MiB buffer for every file
    # (found by tests/promises: a 79-byte file "peaked" at 512 MiB; under RLIMIT_AS or strict overcommit a
    # worker could read nothing)
    import tracemalloc

    p = tmp_path / "a.gpx"
    p.write_bytes(b"<gpx/>" * 2000)
    tracemalloc.start()
    try:
        data, _ = load_bytes(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data == b"<gpx/>" * 2000
    assert peak < 1024 * 1024, f"{peak / 1024 / 1024:.0f} MiB allocated to read 12 kB"


def test_a_file_that_grows_while_read_is_still_capped(tmp_path, monkeypatch):
    # the size is taken from fstat; a file that grows between fstat and read is read on, up to the cap
    p = tmp_path / "grow.fit"
    p.write_bytes(b"x" * 100)
    real_fstat = os.fstat

    def stale_fstat(fd):
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 10,
                               st.st_atime, st.st_mtime, st.st_ctime))

    monkeypatch.setattr(os, "fstat", stale_fstat)
    assert load_bytes(p) == (b"x" * 100, None)
    with pytest.raises(RunloadError, match="larger than"):
        load_bytes(p, ArchiveLimits(max_file_bytes=50))
