"""Issue 11, "data the file holds, shown": running dynamics, power and its source, zones, calories and
temperature, the route coloured by pace or heart rate, and one hover across the time-series rows.

Checked on the sample runs (simulated FIT files with and without running dynamics) and on real files whose
content is known from ../shared/data/catalog.json (a Stryd developer field, a Fenix 3 with a temperature
sensor)."""

from __future__ import annotations

import base64
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import PROJECT_DIR, catalog_entries, entry_path, shared_params

import runload
from runload.report.figures import route_figure, timeseries_figure
from runload.report.html import render_report

SAMPLES = PROJECT_DIR / "sample_runs"
STRYD = [e for e in catalog_entries() if e["path"] == "jimmykane__fit-parser/test/running-with-developer-data.fit"]
FENIX3 = [e for e in catalog_entries() if e["path"] == "MaksVasilev__fit2gpx/test/68MK1405.FIT"]


def _analyse(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return runload.analyze_run(runload.read_run(path))


def _row_titles(fig: dict) -> list[str]:
    return [a["text"] for a in fig["layout"]["annotations"]]


def _figures(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="runload-figures">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_dynamics_rows_only_when_the_file_has_them():
    with_dyn = timeseries_figure(_analyse(SAMPLES / "easy_dynamics.fit"))
    without = timeseries_figure(_analyse(SAMPLES / "easy.fit"))
    wanted = {"Vertical oscillation [mm]", "Vertical ratio [%]", "Step length [m]",
              "Contact-time balance [% left foot]"}
    assert wanted <= set(_row_titles(with_dyn))
    assert not wanted & set(_row_titles(without))
    assert not any(t.startswith("Power") for t in _row_titles(with_dyn))  # the simulated file has no power


def test_dynamics_values_are_the_files_in_display_units():
    # The simulator writes a step length of about 1.1 m at easy pace and a balance near 50 %; the panel
    # must show metres (or feet) and per cent, not the file's millimetres.
    a = _analyse(SAMPLES / "easy_dynamics.fit")
    for system, low, high in (("metric", 0.6, 1.6), ("imperial", 2.0, 5.3)):
        fig = timeseries_figure(a, system)
        step = next(t for t in fig["data"] if t["name"] == "step length")
        values = np.frombuffer(base64.b64decode(step["y"]["bdata"]), "<f4")
        assert low < np.nanmedian(values) < high
    balance = next(t for t in timeseries_figure(a)["data"] if t["name"] == "contact-time balance")
    values = np.frombuffer(base64.b64decode(balance["y"]["bdata"]), "<f4")
    assert 45 < np.nanmedian(values) < 55


def test_one_x_axis_for_every_row_with_units_in_the_hover():
    fig = timeseries_figure(_analyse(SAMPLES / "easy_dynamics.fit"))
    layout = fig["layout"]
    assert layout["hovermode"] == "x unified" and layout["hoversubplots"] == "axis"
    assert {t["xaxis"] for t in fig["data"]} == {"x"}
    assert not any(k.startswith("xaxis") and k != "xaxis" for k in layout)
    assert layout["xaxis"]["showspikes"] and layout["xaxis"]["spikemode"] == "across"
    for t in fig["data"]:  # every value carries its unit (or the m:ss of a pace)
        value = t["hovertemplate"].split("<extra>")[0]
        assert re.search(r"( bpm| steps/min| ms| mm| m| ft| %| W| /km| /mi|% left)$", value), t["hovertemplate"]


def test_balance_caveat_and_dynamics_summary(tmp_path):
    page = render_report(_analyse(SAMPLES / "easy_dynamics.fit"), plotlyjs="cdn")
    caveat = re.search(r'<span id="balance-caveat">(.*?)</span>', page, re.S).group(1)
    assert "informational only" in caveat and "836 runners" in caveat and "49.3–50.7" in caveat
    assert "Vertical oscillation" in page and "Contact-time balance" in page
    plain = render_report(_analyse(SAMPLES / "easy.fit"), plotlyjs="cdn")
    assert 'id="balance-caveat"' not in plain and 'id="dynamics-notes"' not in plain


def test_calories_from_the_watch_in_the_summary():
    a = _analyse(SAMPLES / "easy.fit")
    page = render_report(a, plotlyjs="cdn")
    kcal = a.run.meta.watch.calories_kcal
    assert kcal and f"{kcal:.0f} kcal" in page


@pytest.mark.parametrize("entry", shared_params(STRYD))
def test_stryd_power_is_shown_with_its_source(entry):
    page = render_report(_analyse(entry_path(entry)), plotlyjs="cdn")
    assert "Power comes from Stryd (developer field &#39;Power&#39;)" in page
    titles = _row_titles(_figures(page)["timeseries"])
    assert "Power [W]" in titles


@pytest.mark.parametrize("entry", shared_params(FENIX3))
def test_temperature_from_the_file_in_the_summary(entry):
    a = _analyse(entry_path(entry))
    page = render_report(a, plotlyjs="cdn")
    mean_c = float(np.nanmean(a.run.samples["temperature_c"]))
    assert f"{mean_c:.0f} °C" in page


def test_zones_section_says_where_the_anchors_came_from():
    a = _analyse(SAMPLES / "easy.fit")
    page = render_report(a, plotlyjs="cdn")
    hr_max = float(np.nanmax(a.samples["heart_rate_bpm"]))
    assert f"the highest heart rate of this run, {hr_max:.0f} bpm" in page
    assert "assumed 4:34 /km, from the easy pace 5:33 /km" in page  # 5:33 × 129/114 midpoint … /1.215 = 4:34
    from dataclasses import replace

    a.profile = replace(a.profile, hr_max_bpm=190.0, threshold_pace_s_per_km=270.0)
    page = render_report(a, plotlyjs="cdn")
    assert "HRmax 190 bpm from your profile" in page and "threshold pace 4:30 /km from your profile" in page
    # zone 1 of heart rate starts at 50 % of 190 = 95 bpm
    assert "<td>&lt; 95</td>" in page


def test_route_toggles_between_pace_and_heart_rate():
    a = _analyse(SAMPLES / "intervals.fit")
    fig = route_figure(a)
    coloured = [t for t in fig["data"] if t["name"] in ("pace", "heart rate")]
    assert [t["name"] for t in coloured] == ["pace", "heart rate"]
    assert coloured[0].get("visible", True) is True and coloured[1]["visible"] is False
    buttons = fig["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["colour by pace", "colour by heart rate"]
    names = [t["name"] for t in fig["data"]]
    for button, shown in zip(buttons, ("pace", "heart rate"), strict=True):
        visible = dict(zip(names, button["args"][0]["visible"], strict=True))
        assert visible[shown] and not visible[{"pace": "heart rate", "heart rate": "pace"}[shown]]
        assert visible["start"] and visible["finish"]
    # Intervals: the fast repeats are the darkest (lowest pace value = fastest end of the scale).
    pace = coloured[0]
    assert pace["marker"]["reversescale"] is True and pace["marker"]["cmin"] < pace["marker"]["cmax"]


def test_route_without_heart_rate_has_no_buttons():
    a = _analyse(SAMPLES / "easy.fit")
    a.samples = a.samples.drop(columns=["heart_rate_bpm"])
    a.run.samples = a.run.samples.drop(columns=["heart_rate_bpm"])
    fig = route_figure(a)
    assert "updatemenus" not in fig["layout"]
    assert [t["name"] for t in fig["data"]] == ["pace", "finish", "start"]


def test_route_without_speed_or_heart_rate_is_a_plain_line(analysis_factory):
    a = analysis_factory(600, heart_rate=False)
    a.samples = a.samples.drop(columns=["speed_mps"])
    a.run.samples = a.run.samples.drop(columns=[c for c in ("speed_mps", "heart_rate_bpm") if c in a.run.samples])
    fig = route_figure(a)
    assert [t["name"] for t in fig["data"]] == ["route", "finish", "start"]
    assert "updatemenus" not in fig["layout"]
