"""One wording of the load drivers (issue 8): the CLI table, ``analyze --json`` and the HTML report all say
what :func:`runload.load.driver_text` says, on a simulated hilly run."""

from __future__ import annotations

import html
import json
import warnings

import pytest
from click.testing import CliRunner

from runload.cli import cli
from runload.io import read_run
from runload.load import driver_text
from runload.pipeline import analyze_run
from runload.simulate import simulate_run
from runload.simulate_write import fit_bytes


@pytest.fixture(scope="module")
def hilly(tmp_path_factory):
    path = tmp_path_factory.mktemp("wording") / "hills.fit"
    path.write_bytes(fit_bytes(simulate_run("hills", seed=3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = analyze_run(read_run(path))
    return path, analysis


def test_the_run_has_drivers_worth_wording(hilly):
    _, analysis = hilly
    assert (analysis.load["top_driver"] != "none").any()  # otherwise the comparisons below say little


def test_json_why_is_driver_text(hilly):
    path, analysis = hilly
    result = CliRunner().invoke(cli, ["analyze", "--json", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.splitlines()[0])
    for group, row in analysis.load.iterrows():
        assert data["load"][group]["why"] == driver_text(row)


def test_cli_table_shows_driver_text(hilly):
    path, analysis = hilly
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    from runload.muscles import display_name

    for group, row in analysis.load.iterrows():
        line = next(x for x in lines if x.strip().startswith(display_name(group)))
        assert line.rstrip().endswith(driver_text(row, short=True)), line


def test_report_shows_driver_text(hilly, tmp_path):
    from runload.report import write_report

    _, analysis = hilly
    out = tmp_path / "hills.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_report(analysis, out)
    page = out.read_text(encoding="utf-8")
    for _, row in analysis.load.iterrows():
        assert html.escape(driver_text(row, short=True)) in page or html.escape(driver_text(row)) in page
