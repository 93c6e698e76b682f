"""Tests of `runload report` (runload/cli/report.py) on real files from ../shared/data."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import PROJECT_DIR, catalog_entries, entry_path, shared_params

from runload.analysis import HINTS_FOOTER
from runload.cli import cli

GPX = [e for e in catalog_entries() if e["path"] == "corriporai__runpandas/runpandas/tests/io/data/gpx/run.gpx"]
TCX = [e for e in catalog_entries() if e["path"] == "corriporai__runpandas/runpandas/tests/io/data/tcx/run.tcx"]
BAD = [e for e in catalog_entries() if e["path"] == "corriporai__runpandas/runpandas/tests/io/data/tcx/malformed.tcx"]


def _run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.mark.parametrize("entry", shared_params(GPX))
def test_one_file_one_html(entry, tmp_path):
    out = tmp_path / "run.html"
    result = _run(["report", str(entry_path(entry)), "-o", str(out), "--units", "imperial", "--plotlyjs", "cdn",
                   "--height", "1.80"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert HINTS_FOOTER in page and " /mi" in page and "height 1.80 m" in page


@pytest.mark.parametrize("entry", shared_params(GPX))
def test_several_files_folder_index_and_errors(entry, tmp_path):
    good = entry_path(entry)
    bad = entry_path(BAD[0]) if BAD else good
    missing = tmp_path / "nope.fit"
    out = tmp_path / "reports"
    result = _run(["report", str(good), str(bad), str(missing), "-o", str(out), "--plotlyjs", "js/plotly.min.js"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert f"Error: {missing}: no such file" in errors
    assert any(line.startswith(f"Error: {bad}: ") for line in errors)
    assert (out / "run.gpx.html").is_file() and (out / "js" / "plotly.min.js").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="run.gpx.html"' in index and "nope.fit" in index and "no such file" in index


@pytest.mark.parametrize("entry", shared_params(TCX))
def test_same_names_are_made_unique(entry, tmp_path):
    path = entry_path(entry)
    other = tmp_path / "copy"
    other.mkdir()
    (other / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    result = _run(["report", str(path), str(other / path.name), "-o", str(out), "--plotlyjs", "cdn"])
    assert result.exit_code == 0, result.output
    assert (out / "run.tcx.html").is_file() and (out / "run.tcx-2.html").is_file()


@pytest.mark.parametrize("entry", shared_params(GPX))
def test_bad_height_is_one_error_line(entry, tmp_path):
    result = CliRunner().invoke(cli, ["report", str(entry_path(entry)), "-o", str(tmp_path / "r.html"),
                                      "--height", "3.5"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "Error: height 3.5 m is outside 1.0–2.5 m"


def test_help_lists_options():
    result = _run(["report", "--help"])
    assert result.exit_code == 0
    for option in ("--height", "--mass", "--profile", "--units", "--plotlyjs", "-o"):
        assert option in result.output


@pytest.mark.parametrize("entry", shared_params(GPX))
def test_index_links_are_url_encoded(entry, tmp_path):
    # "#" would start a fragment and a name like "javascript:…" would be a script URL if left as is.
    data = entry_path(entry).read_bytes()
    names = ["run #1.gpx", "javascript:alert(1).gpx"]
    for name in names:
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "out"
    result = _run(["report", *(str(tmp_path / n) for n in names), "-o", str(out), "--plotlyjs", "cdn"])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="run%20%231.gpx.html"' in index and 'href="javascript%3Aalert%281%29.gpx.html"' in index
    assert 'href="javascript:' not in index
    assert (out / "run #1.gpx.html").is_file()


@pytest.mark.parametrize("entry", shared_params(GPX))
def test_output_ending_in_slash_is_a_folder(entry, tmp_path):
    # Defect 8: `report x.gpx -o dir/` wrote a FILE named dir.
    out = tmp_path / "dir"
    result = _run(["report", str(entry_path(entry)), "-o", str(out) + "/", "--plotlyjs", "cdn"])
    assert result.exit_code == 0, result.output
    assert out.is_dir() and (out / "run.gpx.html").is_file()
    assert [ln for ln in result.output.splitlines() if not ln.startswith("Warning: ")] == [
        f"Wrote {out / 'run.gpx.html'}"]


@pytest.mark.parametrize("entry", shared_params(GPX))
def test_existing_file_as_output_with_several_inputs_is_one_error_line(entry, tmp_path):
    # Defect 9: an existing regular file as -o with several inputs.
    out = tmp_path / "taken"
    out.write_text("keep", encoding="utf-8")
    path = str(entry_path(entry))
    result = CliRunner().invoke(cli, ["report", path, path, "-o", str(out), "--plotlyjs", "cdn"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {out}: is a file; with several inputs the output must be a folder"]
    assert out.read_text(encoding="utf-8") == "keep"


def test_every_run_of_a_multi_run_file_is_reported(tmp_path):
    # Defect 6: a TCX holding three runs reported only the first.
    from multirun_files import three_run_tcx

    tcx = three_run_tcx(tmp_path / "three.tcx")
    out = tmp_path / "reports"
    result = _run(["report", str(tcx), "-o", str(out) + "/", "--plotlyjs", "cdn"])
    assert result.exit_code == 0, result.output
    wrote = [line for line in result.output.splitlines() if line.startswith("Wrote ")]
    assert wrote == [f"Wrote {out / n}" for n in ("three.tcx.html", "three.tcx-run2.html", "three.tcx-run3.html",
                                                  "index.html")]


def test_missing_profile_is_the_common_error_line(tmp_path):
    # Defect 9: one convention for a missing file (exit 1, `Error: FILE: no such file`).
    missing = tmp_path / "nope.toml"
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "x.fit"), "-o", str(tmp_path / "r.html"),
                                      "--profile", str(missing)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {missing}: no such file"]


def test_missing_input_is_the_common_error_line(tmp_path):
    missing = tmp_path / "nope.fit"
    result = CliRunner().invoke(cli, ["report", str(missing), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {missing}: no such file"]


SAMPLE_RUNS = PROJECT_DIR / "sample_runs"


def test_easy_pace_reaches_the_page_and_the_load(tmp_path):
    # The assumed pace zones state the easy pace they came from; the run (a 5:36 /km easy run) is faster
    # than a 7:00 easy pace and slower than a 4:00 one, so its per-km hamstring load must be higher against
    # the slow reference.
    out = tmp_path / "r.html"
    result = _run(["report", str(SAMPLE_RUNS / "easy.fit"), "-o", str(out), "--plotlyjs", "cdn",
                   "--easy-pace", "7:00"])
    assert result.exit_code == 0, result.output
    assert "from the easy pace 7:00 /km" in out.read_text(encoding="utf-8")
    imperial = tmp_path / "i.html"
    _run(["report", str(SAMPLE_RUNS / "easy.fit"), "-o", str(imperial), "--plotlyjs", "cdn", "--units", "imperial",
          "--easy-pace", "11:16"])  # 11:16 /mi = 7:00 /km
    assert "from the easy pace 11:16 /mi" in imperial.read_text(encoding="utf-8")

    def hamstrings(pace):
        result = _run(["analyze", str(SAMPLE_RUNS / "easy.fit"), "--json", "--easy-pace", pace])
        assert result.exit_code == 0, result.output
        load = json.loads(result.output.splitlines()[0])["load"]
        rows = load if isinstance(load, list) else [dict(v, group=k) for k, v in load.items()]
        return next(r for r in rows if r.get("group") == "hamstrings")["intensity_per_km"]

    assert hamstrings("7:00") > hamstrings("4:00")


@pytest.mark.parametrize("command", ["report", "analyze"])
@pytest.mark.parametrize("pace", ["5.5", "5:75", "0:30"])
def test_bad_easy_pace_is_one_error_line(command, pace, tmp_path):
    args = [command, str(SAMPLE_RUNS / "easy.fit"), "--easy-pace", pace]
    if command == "report":
        args += ["-o", str(tmp_path / "r.html")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: --easy-pace") and ("M:SS" in last or "not a running pace" in last)
    assert not (tmp_path / "r.html").exists()
