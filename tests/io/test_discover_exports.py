"""Account exports: a Garmin export (zips inside a zip) and a Strava bulk export (activities.csv)."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import warnings
import zipfile

import pytest
from conftest import SAMPLE_RUNS_DIR

from runload.errors import ArchiveError, RunloadWarning
from runload.io.archive import ArchiveLimits, discover
from runload.io.dispatch import read_source_runs

UPLOADS = "DI_CONNECT/DI-Connect-Uploaded-Files"


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def quiet_runs(source):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        return read_source_runs(source)


# --- Garmin: zips inside a zip ------------------------------------------------------------------------


def test_garmin_export_nested_zips_are_opened(tmp_path):
    fit = (SAMPLE_RUNS_DIR / "easy.fit").read_bytes()
    part1 = zip_bytes({"runner@example.com_101.fit": fit, "runner@example.com_102.gpx": b"<gpx/>"})
    part2 = zip_bytes({"runner@example.com_103.fit": b"not a watch file"}, zipfile.ZIP_BZIP2)
    export = tmp_path / "garmin.zip"
    export.write_bytes(zip_bytes({
        f"{UPLOADS}/UploadedFiles_0-_Part1.zip": part1,
        f"{UPLOADS}/UploadedFiles_0-_Part2.zip": part2,
        "DI_CONNECT/DI-Connect-Fitness/runner_summarizedActivities.json": b"[]",
    }))
    sources = discover(tmp_path)
    inner1, inner2 = f"{export}!{UPLOADS}/UploadedFiles_0-_Part1.zip", f"{export}!{UPLOADS}/UploadedFiles_0-_Part2.zip"
    assert [s.name for s in sources] == [f"{inner1}!runner@example.com_101.fit", f"{inner1}!runner@example.com_102.gpx",
                                         f"{inner2}!runner@example.com_103.fit"]
    assert all(s.problem is None for s in sources)
    assert sources[0].via == (f"{UPLOADS}/UploadedFiles_0-_Part1.zip",) and sources[0].path == export
    assert sources[0].load() == (fit, None) and sources[1].load() == (b"<gpx/>", None)
    runs = quiet_runs(pickle.loads(pickle.dumps(sources[0])))  # a Source travels to worker processes
    assert runs[0].meta.source == f"{inner1}!runner@example.com_101.fit" and len(runs[0].samples) > 1000
    assert sources[2].load() == (b"not a watch file", None)


def test_nested_zip_limits_at_every_level(tmp_path):
    bomb = zip_bytes({"bomb.fit": b"\x00" * (32 * 1024 * 1024), "ok.gpx": b"<gpx/>"})
    many = zip_bytes({f"{i}.gpx": b"<gpx/>" for i in range(50)})
    export = tmp_path / "export.zip"
    export.write_bytes(zip_bytes({"a/bomb.zip": bomb, "b/many.zip": many, "c/fake.zip": b"not a zip",
                                  "d/../evil.zip": many}))
    by_name = {s.name: s for s in discover(export, ArchiveLimits(max_members=40))}
    # a member of the inner archive is refused by the same ratio guard as a member of the outer one
    with pytest.raises(ArchiveError, match="expands more than 200"):
        by_name[f"{export}!a/bomb.zip!bomb.fit"].load()
    assert by_name[f"{export}!a/bomb.zip!ok.gpx"].load() == (b"<gpx/>", None)
    # the member-count limit applies to the inner archive
    assert "50 members, more than the limit of 40" in by_name[f"{export}!b/many.zip"].problem
    with pytest.raises(ArchiveError, match="50 members"):
        by_name[f"{export}!b/many.zip"].load()
    assert "cannot read the zip archive" in by_name[f"{export}!c/fake.zip"].problem
    assert "path traversal" in by_name[f"{export}!d/../evil.zip"].problem
    assert set(by_name) == {f"{export}!{n}" for n in ("a/bomb.zip!bomb.fit", "a/bomb.zip!ok.gpx", "b/many.zip",
                                                       "c/fake.zip", "d/../evil.zip")}


def test_nested_archive_too_large_to_read_is_a_recorded_problem(tmp_path):
    inner = zip_bytes({"x.gpx": b"<gpx>" + b"y" * 3_000_000 + b"</gpx>"}, zipfile.ZIP_STORED)
    export = tmp_path / "export.zip"
    export.write_bytes(zip_bytes({"inner.zip": inner}, zipfile.ZIP_STORED))
    (only,) = discover(export, ArchiveLimits(max_file_bytes=2 * 1024 * 1024))
    assert only.name == f"{export}!inner.zip" and "more than 2 MiB" in only.problem


def test_member_count_and_declared_total_are_counted_over_the_nesting(tmp_path):
    inner = zip_bytes({f"{i}.gpx": b"<gpx/>" for i in range(30)})
    export = tmp_path / "export.zip"
    export.write_bytes(zip_bytes({"one.zip": inner, "two.zip": inner, "three.zip": inner}))
    by_name = {s.name: s for s in discover(export, ArchiveLimits(max_members=70))}
    # 3 + 30 + 30 members so far fit; the third inner archive brings the total to 93
    assert len([n for n in by_name if "!one.zip!" in n or "!three.zip!" in n]) == 60
    assert "93 members in all, more than the limit of 70" in by_name[f"{export}!two.zip"].problem


def test_zip_nesting_depth_limit(tmp_path):
    data = zip_bytes({"deep.gpx": b"<gpx/>"})
    for level in range(4):
        data = zip_bytes({f"level{level}.zip": data})
    export = tmp_path / "deep.zip"
    export.write_bytes(data)
    (only,) = discover(export)  # 5 levels of zip: level3 (2nd) and level2 (3rd) open, level1 is a 4th
    assert only.name == f"{export}!level3.zip!level2.zip!level1.zip"
    assert only.problem == "zip archive nested more than 3 deep: not opened"
    (found,) = discover(export, ArchiveLimits(max_depth=5))
    assert found.name == f"{export}!level3.zip!level2.zip!level1.zip!level0.zip!deep.gpx"
    assert found.load() == (b"<gpx/>", None)


# --- Strava bulk export ---------------------------------------------------------------------------------

CSV = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,"
    "Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Elapsed Time,Distance\n"
    '101,"Mar 2, 2024, 7:01:02 AM",Easy Sunday,Run,,3600,10.02,160,30,false,,Pegasus 40,activities/101.fit.gz,'
    "3600.0,10020.0\n"
    '102,"Mar 3, 2024, 5:00:00 PM","Commute, home",Ride,,1800,12.5,140,,true,,,activities/102.gpx.gz,1800.0,12500\n'
    '103,"Mar 4, 2024, 6:00:00 AM",Hill reps,Trail Run,,2400,6.1,170,50,false,,Speedgoat,activities/103.tcx.gz,,\n'
    '104,"Mar 5, 2024, 6:00:00 AM",Manual entry,Run,,1200,3,,,false,,,,1200,3000\n'
)


def strava_members() -> dict[str, bytes]:
    return {
        "activities.csv": CSV.encode(),
        "activities/101.fit.gz": gzip.compress((SAMPLE_RUNS_DIR / "easy.fit").read_bytes()),
        "activities/102.gpx.gz": gzip.compress(b"<gpx/>"),
        "activities/103.tcx.gz": (SAMPLE_RUNS_DIR / "hills.tcx.gz").read_bytes(),
        "activities/999.gpx": b"<gpx/>",  # not in the csv
        "profile.csv": b"x",
    }


def check_strava(sources, prefix: str):
    by_name = {s.name: s for s in sources}
    assert set(by_name) == {prefix + n for n in ("101.fit.gz", "102.gpx.gz", "103.tcx.gz", "999.gpx")}
    run, ride, trail, other = (by_name[prefix + n] for n in ("101.fit.gz", "102.gpx.gz", "103.tcx.gz", "999.gpx"))
    assert run.extra == {"activity_id": "101", "date": "Mar 2, 2024, 7:01:02 AM", "name": "Easy Sunday",
                         "type": "Run", "gear": "Pegasus 40"}
    assert run.skip_reason is None
    assert ride.extra["type"] == "Ride" and ride.extra["name"] == "Commute, home" and ride.extra["gear"] is None
    assert ride.skip_reason == "not a run (sport: Ride, from activities.csv)"
    assert trail.extra["gear"] == "Speedgoat" and trail.skip_reason is None
    assert other.extra is None and other.skip_reason is None
    runs = quiet_runs(pickle.loads(pickle.dumps(run)))
    assert runs[0].meta.compression == "gzip" and len(runs[0].samples) > 1000


def test_strava_zip_export_enriched_from_activities_csv(tmp_path):
    export = tmp_path / "export_12345.zip"
    export.write_bytes(zip_bytes(strava_members()))
    check_strava(discover(export), f"{export}!activities/")


def test_strava_export_in_a_folder_of_the_zip(tmp_path):
    export = tmp_path / "strava.zip"
    export.write_bytes(zip_bytes({f"export_12345/{k}": v for k, v in strava_members().items()}))
    check_strava(discover(export), f"{export}!export_12345/activities/")


def test_strava_unpacked_export_folder(tmp_path):
    root = tmp_path / "export_12345"
    for name, data in strava_members().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    check_strava(discover(tmp_path), f"{root}/activities/")


def test_unusable_activities_csv_warns_and_keeps_the_runs(tmp_path):
    export = tmp_path / "export.zip"
    export.write_bytes(zip_bytes({"activities.csv": b"Activity ID,Activity Name\n1,x\n",
                                  "activities/1.gpx": b"<gpx/>"}))
    with pytest.warns(RunloadWarning, match="no 'Filename' column"):
        (only,) = discover(export)
    assert only.name == f"{export}!activities/1.gpx" and only.extra is None and only.problem is None


def test_memory_held_for_nested_archives_is_bounded(tmp_path):
    from runload.io.zipmember import ArchiveCache

    parts = {f"part{i}.zip": zip_bytes({f"{i}.fit": os.urandom(300_000)}, zipfile.ZIP_STORED) for i in range(3)}
    export = tmp_path / "export.zip"
    export.write_bytes(zip_bytes(parts, zipfile.ZIP_STORED))
    cache = ArchiveCache(size=8, max_bytes=400_000)  # room for one part only
    for i in range(3):
        data = cache.read(export, (f"part{i}.zip",), f"{i}.fit", f"{export}!part{i}.zip!{i}.fit", ArchiveLimits())
        assert len(data) == 300_000
        assert 300_000 < cache.held_bytes < 400_000
    cache.clear()
    assert cache.held_bytes == 0
