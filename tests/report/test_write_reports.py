"""Tests of the multi-file, multi-run report loop (runload/report/many.py, ``write_reports``).

Issue 8, defect 6: a TCX holding three runs reported only the first; defect 8: ``-o dir/`` with one
input wrote a file named ``dir``; defect 9: an existing regular file as the output folder.
"""

from __future__ import annotations

import re
import warnings

import pytest
from multirun_files import three_run_tcx

from runload.errors import RunloadError
from runload.report import write_reports
from runload.report.many import report_names


@pytest.fixture(scope="module")
def tcx3(tmp_path_factory):
    return three_run_tcx(tmp_path_factory.mktemp("multi") / "three.tcx")


@pytest.fixture(scope="module")
def folder_batch(tcx3, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the simulated TCX stores strides/min: a cadence-unit warning
        batch = write_reports([tcx3], str(out) + "/", plotlyjs="cdn")
    return out, batch


def test_every_run_of_a_three_run_tcx_gets_a_report(folder_batch):
    out, batch = folder_batch
    assert not batch.failures
    names = [o.path.name for o in batch.written]
    assert names == ["three.tcx.html", "three.tcx-run2.html", "three.tcx-run3.html"]
    assert [(o.run, o.n_runs) for o in batch.written] == [(1, 3), (2, 3), (3, 3)]
    # The three runs are different runs, not three copies of the first (the intervals run is the longest).
    distances = [o.distance for o in batch.written]
    assert len(set(distances)) == 3
    for k, name in enumerate(names, start=1):
        page = (out / name).read_text(encoding="utf-8")
        assert f"Run {k} of 3 in this file" in page
        others = [n for n in names if n != name]
        assert all(f'href="{n}"' in page for n in others) and f'href="{name}"' not in page


def test_index_links_every_run(folder_batch):
    out, batch = folder_batch
    assert batch.index == out / "index.html"
    index = batch.index.read_text(encoding="utf-8")
    hrefs = re.findall(r'<a href="([^"]+)"', index)
    assert sorted(hrefs) == ["three.tcx-run2.html", "three.tcx-run3.html", "three.tcx.html"]
    assert "(run 2 of 3)" in index
    # Issue 11: newest first, with the date, distance, moving time, pace and top hint of each run.
    dates = re.findall(r'<td class="when">([^<]+)</td>', index)
    assert len(dates) == 3 and dates == sorted(dates, reverse=True)
    row = re.search(r'<tr><td class="name"><a href="three.tcx-run2.html".*?</tr>', index, re.S).group(0)
    run2 = next(o for o in batch.written if o.run == 2)
    assert re.search(r'<td class="num">\d+\.\d\d km</td><td class="num">\d+:\d\d(:\d\d)?</td>'
                     r'\s*<td class="num">\d+:\d\d /km</td>', row), row
    page = run2.path.read_text(encoding="utf-8")
    first_hint = re.search(r'<div class="hint [^"]*"[^>]*>\s*<h3>([^<]+?) <span', page)
    shown = first_hint.group(1) if first_hint else "no hints"  # the index shows the report's first hint
    assert f'<td class="hint-title">{shown}</td>' in row


def test_one_input_to_a_file_writes_its_runs_beside_it(tcx3, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = write_reports([tcx3], tmp_path / "morning.html", plotlyjs="cdn")
    assert [o.path.name for o in batch.written] == ["morning.html", "morning-run2.html", "morning-run3.html"]
    assert batch.index is None and not (tmp_path / "index.html").exists()


@pytest.mark.parametrize("existing", [False, True])
def test_output_ending_in_slash_or_an_existing_folder_is_a_folder(existing, tmp_path, sample_fit):
    target = tmp_path / "dir"
    if existing:
        target.mkdir()
        out = target
    else:
        out = str(target) + "/"
    batch = write_reports([sample_fit], out, plotlyjs="cdn")
    assert target.is_dir()
    assert [o.path for o in batch.written] == [target / "easy.fit.html"]
    assert batch.index is None  # one input, one run: no index


def test_existing_file_as_output_with_several_inputs_is_an_error(tmp_path, sample_fit):
    out = tmp_path / "taken.html"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(RunloadError, match="is a file; with several inputs the output must be a folder"):
        write_reports([sample_fit, sample_fit], out, plotlyjs="cdn")
    assert out.read_text(encoding="utf-8") == "keep me"


def test_a_missing_file_is_a_failure_and_the_others_are_reported(tmp_path, sample_fit):
    missing = tmp_path / "nope.fit"
    seen = []
    batch = write_reports([missing, sample_fit], tmp_path / "out", plotlyjs="cdn", on_outcome=seen.append)
    assert seen == batch.outcomes
    assert [o.ok for o in batch.outcomes] == [False, True]
    assert isinstance(batch.failures[0].error, RunloadError)
    assert batch.failures[0].error.reason == "no such file"
    index = batch.index.read_text(encoding="utf-8")
    assert "nope.fit" in index and "no such file" in index


def test_bad_height_is_one_error_before_any_file(tmp_path, sample_fit):
    with pytest.raises(RunloadError, match="height 3.5 m"):
        write_reports([sample_fit, sample_fit], tmp_path / "out", height_m=3.5)
    assert not (tmp_path / "out").exists()


def test_report_names_are_unique_and_never_the_index():
    assert report_names(["a.fit", "sub/A.FIT", "index"]) == ["a.fit.html", "A.FIT-2.html", "index-2.html"]


@pytest.fixture
def sample_fit():
    from conftest import PROJECT_DIR

    path = PROJECT_DIR / "sample_runs" / "easy.fit"
    if not path.is_file():
        pytest.skip("sample_runs/easy.fit missing")
    return path


def test_non_utf8_file_name_is_reported_and_linked(tmp_path, sample_fit):
    # Defect 9: a non-UTF-8 file name broke writing the page ("surrogates not allowed").
    import os

    odd = tmp_path / os.fsdecode(b"run-\xff.fit")
    odd.write_bytes(sample_fit.read_bytes())
    batch = write_reports([odd, sample_fit], tmp_path / "out", plotlyjs="cdn")
    assert not batch.failures
    page = batch.written[0].path.read_bytes().decode("utf-8")  # valid UTF-8
    assert "run-\\xff.fit" in page
    index = batch.index.read_bytes().decode("utf-8")
    assert 'href="run-%FF.fit.html"' in index  # the bytes on disk, so the link finds the file
