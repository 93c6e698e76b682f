"""Tests of page assembly and write_report (runload/report/html.py, runload/report/__init__.py)."""

from __future__ import annotations

import dataclasses
import json
import pickle
import re
import warnings

import pytest
from conftest import catalog_entries, entry_path, shared_params
from plotly.offline import get_plotlyjs

import runload
from runload.analysis import HINTS_FOOTER, MUSCLE_GROUPS, Hint
from runload.errors import InvalidMethodError
from runload.report import write_report, write_report_frame
from runload.report.html import render_index, render_report, report_frame, safe_json

XSS = "<script>alert(1)</script>"
PLOTLYJS_HEAD = get_plotlyjs()[:200]

REAL_FILES = [e for e in catalog_entries() if e["path"] in {
    "MaksVasilev__fit2gpx/test/68MK1405.FIT",
    "corriporai__runpandas/runpandas/tests/io/data/gpx/run.gpx",
    "corriporai__runpandas/runpandas/tests/io/data/samples/2020-12-20T05_50_47-300_Running.tcx",
}]


def _figures(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="runload-figures">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_write_report_has_every_part(analysis, tmp_path):
    out = write_report(analysis, tmp_path / "sub" / "run.html")
    page = out.read_text(encoding="utf-8")
    assert "Morning run by the lake" in page and "Garmin fenix3" in page
    assert HINTS_FOOTER in page
    assert "Evidence: limited" in page  # the data-quality note (Q1) is with the data notes, not a hint (issue 11)
    assert "Data quality: Contact time estimated — Contact time was estimated" in page
    assert "Lunges" in page  # the hint's tips
    for section in ("summary", "hints", "load", "timeseries", "route", "segments", "methods"):
        assert f'id="{section}"' in page
    assert page.count(PLOTLYJS_HEAD) == 1  # plotly.js embedded once for all figures
    figures = _figures(page)
    assert set(figures) == {"bodymap", "load", "timeseries", "route"}
    names = {t.get("name") for t in figures["bodymap"]["data"]}
    assert set(MUSCLE_GROUPS) <= names
    assert "not medical advice" in page
    assert "Lap 1" in page and "measured by device" in page


def test_methods_are_generated_from_references(analysis):
    from runload.references import methods_for_analysis

    page = render_report(analysis, plotlyjs="cdn")
    items = methods_for_analysis(analysis)
    assert items
    import html

    for item in items:
        assert html.escape(item["title"]) in page


HISTORY_METHODS = ("Weekly progression", "acute:chronic", "ACWR", "Group-load spike", "Within-run form drift",
                   "Single-session distance spike")


def _methods_section(page: str) -> str:
    return re.search(r'<section id="methods">.*?</section>', page, re.S).group(0)


def test_methods_list_only_what_ran_device_contact_time(tmp_path):
    # Defect 10: the methods listed the contact-time model and history rules that never ran.
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes

    path = tmp_path / "dynamics.fit"
    path.write_bytes(fit_bytes(simulate_run("easy_dynamics", seed=4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = runload.analyze_run(runload.read_run(path), gait_source="device")
    assert analysis.summary["device_contact_share"] > 0.9 and not analysis.summary.get("model_contact_share")
    methods = _methods_section(render_report(analysis, plotlyjs="cdn"))
    assert "Contact time measured by the watch" in methods
    assert "spring–mass model is solved" not in methods  # the contact-time model did not run
    assert "Contact time estimated from speed and cadence" not in methods
    for title in HISTORY_METHODS:
        assert title not in methods


def test_methods_list_the_model_when_it_estimated(analysis_factory):
    methods = _methods_section(render_report(analysis_factory(600, dynamics=False), plotlyjs="cdn"))
    assert "Contact time from the spring–mass model" in methods
    assert "Contact time measured by the watch" not in methods
    for title in HISTORY_METHODS:
        assert title not in methods


@pytest.mark.parametrize("switch", ["positions", "heart_rate", "altitude", "dynamics", "with_load", "with_hints"])
def test_partial_analyses_render(analysis_factory, tmp_path, switch):
    a = analysis_factory(600, **{switch: False})
    page = write_report(a, tmp_path / "r.html", plotlyjs="cdn").read_text(encoding="utf-8")
    figures = _figures(page)
    assert "bodymap" in figures
    assert HINTS_FOOTER in page
    if switch == "positions":
        assert "route" not in figures and 'id="route"' not in page
    if switch == "with_load":
        assert "load" not in figures and 'id="no-load"' in page
    if switch == "with_hints":
        assert 'id="no-hints"' in page


def test_bare_analysis_renders(analysis_factory, tmp_path):
    a = analysis_factory(200, positions=False, heart_rate=False, altitude=False, dynamics=False,
                         with_load=False, with_hints=False, name=None, manufacturer=None, product=None)
    a.run.meta.watch = None
    page = write_report(a, tmp_path / "r.html", plotlyjs="cdn").read_text(encoding="utf-8")
    assert "unknown device" in page and "Run on 04 May 2024" in page


def test_file_strings_are_escaped_everywhere(analysis_factory):
    a = analysis_factory(300, name=XSS, manufacturer=XSS, product="x&y", lap_label=XSS, developer_field=XSS)
    a.run.meta.warnings.append(XSS)
    a.hints[0].message = XSS
    a.hints[0].tips = [XSS]
    page = render_report(a, plotlyjs="cdn")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    block = re.search(r'id="runload-figures">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    # Inside the figures, the file strings are HTML-escaped for plotly's hover/title renderer too.
    figures = json.loads(block)
    texts = json.dumps(figures)
    assert "<script>" not in texts


def test_safe_json_escapes_script_breakers():
    text = safe_json({"a": "</script><b>&\u2028\u2029"})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"a": "</script><b>&\u2028\u2029"}


def test_plotlyjs_modes(analysis, tmp_path):
    cdn = write_report(analysis, tmp_path / "cdn.html", plotlyjs="cdn").read_text(encoding="utf-8")
    assert PLOTLYJS_HEAD not in cdn and re.search(r'<script src="https://cdn\.plot\.ly/plotly-[\d.]+\.min\.js"', cdn)
    shared = write_report(analysis, tmp_path / "a" / "run.html", plotlyjs="../js/plotly.min.js")
    assert (tmp_path / "js" / "plotly.min.js").read_text(encoding="utf-8")[:200] == PLOTLYJS_HEAD
    assert '<script src="../js/plotly.min.js"' in shared.read_text(encoding="utf-8")


def test_imperial_units(analysis):
    page = render_report(analysis, units="imperial", plotlyjs="cdn")
    assert " /mi" in page and " mi<" in page and " ft" in page
    assert " /km" not in page
    with pytest.raises(InvalidMethodError):
        render_report(analysis, units="parsecs", plotlyjs="cdn")


def test_watch_totals_shown_where_they_differ(analysis):
    analysis.run.meta.watch.distance_m = analysis.summary["distance_m"] * 1.05
    page = render_report(analysis, plotlyjs="cdn")
    table = re.search(r'<table id="watch-totals".*?</table>', page, re.S).group(0)
    assert "Distance" in table and "Timer" not in table  # timer agrees, so it is not repeated


def test_index_escapes_and_links():
    page = render_index([dict(href="a.fit.html", title=XSS, when="2024", distance="1 km", source="a.fit")],
                        [dict(source="b.fit", reason=XSS)])
    assert "<script>alert" not in page and 'href="a.fit.html"' in page and 'id="failures"' in page


@pytest.mark.parametrize("entry", shared_params(REAL_FILES))
def test_real_files_end_to_end(entry, tmp_path):
    path = entry_path(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = runload.analyze_run(runload.read_run(path))
    page = write_report(analysis, tmp_path / "r.html").read_text(encoding="utf-8")
    figures = _figures(page)
    assert {"bodymap", "timeseries"} <= set(figures)
    assert HINTS_FOOTER in page
    if entry.get("has_running_dynamics"):
        names = {t.get("name") for t in figures["timeseries"]["data"]}
        assert "contact time — measured by device" in names


def test_no_negative_zero_and_no_empty_ascent_cards(analysis_factory):
    a = analysis_factory(600, altitude=False)
    a.segments.loc[0, "grade_pct"] = -0.01  # rounds to zero: shown as "0.0 %", never "-0.0 %"
    page = render_report(a, plotlyjs="cdn")
    assert "-0.0 %" not in page and ">0.0 %<" in page
    assert "— / —" not in page
    assert '<div class="label">Ascent</div>' not in page  # no altitude: no ascent/descent cards
    with_alt = render_report(analysis_factory(600), plotlyjs="cdn")
    assert '<div class="label">Ascent</div>' in with_alt and '<div class="label">Descent</div>' in with_alt


def test_methods_cite_each_reference_once_by_number(analysis):
    from runload.references import methods_for_analysis

    page = render_report(analysis, plotlyjs="cdn")
    import html

    citations = list(dict.fromkeys(c for item in methods_for_analysis(analysis) for c in item["references"]))
    refs = re.search(r'<ol id="references".*?</ol>', page, re.S).group(0)
    for number, citation in enumerate(citations, start=1):
        assert page.count(html.escape(citation)) == 1  # listed once, not under every method
        assert f'<li id="ref-{number}">{html.escape(citation)}</li>' in refs
    assert re.search(r'<span class="refs">\[<a href="#ref-1">1</a>', page)


def test_segments_one_table_per_kind_splits_folded_when_laps_exist(analysis):
    import pandas as pd

    laps = analysis.segments[analysis.segments["kind"] == "lap"]
    splits = laps.assign(kind="split", label=[f"km {k + 1}" for k in range(len(laps))])
    analysis.segments = pd.concat([splits, analysis.segments], ignore_index=True)  # splits first in the frame
    page = render_report(analysis, plotlyjs="cdn")
    kinds = re.findall(r'<details class="segments"( open)? data-kind="(\w+)">', page)
    assert [k for _, k in kinds] == ["lap", "split", "climb"]
    assert dict((k, bool(o)) for o, k in kinds) == {"lap": True, "split": False, "climb": True}
    analysis.segments = splits
    kinds = re.findall(r'<details class="segments"( open)? data-kind="(\w+)">', render_report(analysis, plotlyjs="cdn"))
    assert kinds == [(" open", "split")]  # no laps: the splits are open


def test_imperial_names_the_per_distance_column_and_hover(analysis):
    page = render_report(analysis, units="imperial", plotlyjs="cdn")
    assert '<th class="num">per mi</th>' in page and "per km" not in page


def test_no_standout_driver_reads_as_words(analysis):
    analysis.load.loc["calves", "top_driver"] = "none"
    page = render_report(analysis, plotlyjs="cdn")
    row = re.search(r'<tr data-group="calves".*?</tr>', page, re.S).group(0)
    assert "like easy running" in row and "<td>none</td>" not in row


def test_driver_wording_is_the_one_of_runload_load(analysis):
    # Issue 8: the CLI, the JSON and the report word the load drivers alike (runload.load.driver_text).
    import html

    from runload.cli.render_load import format_load_table
    from runload.load import driver_text

    analysis.load.loc["quadriceps", ["top_driver", "driver_downhill"]] = ["downhill", 1.31]
    page = render_report(analysis, plotlyjs="cdn")
    row = re.search(r'<tr data-group="quadriceps".*?</tr>', page, re.S).group(0)
    short = driver_text(analysis.load.loc["quadriceps"], short=True)
    assert short == "downhill +31 %"
    assert f"<td>{short}</td>" in row
    assert short in format_load_table(analysis.load)  # the CLI's table says the same
    hover = next(t["text"] for t in _figures(page)["bodymap"]["data"] if t.get("name") == "quadriceps")
    assert html.escape(driver_text(analysis.load.loc["quadriceps"])) in hover


def test_pace_card_is_the_moving_pace(analysis):
    # Defect 8: the "Pace" card (moving) showed the timer pace, 8:48 /km where the moving pace was 5:31.
    analysis.summary.update(pace_s_per_km=528.0, moving_pace_s_per_km=331.0, gap_s_per_km=520.0,
                            moving_gap_s_per_km=326.0)
    cards = dict(re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>',
                            render_report(analysis, plotlyjs="cdn")))
    assert cards["Pace"] == "5:31 /km"
    assert cards["Pace over timer time"] == "8:48 /km"
    assert cards["Grade-adjusted pace"] == "5:26 /km"  # over moving time too, as the pace beside it
    analysis.summary.update(pace_s_per_km=331.2)  # reads the same: one card only
    cards = dict(re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>',
                            render_report(analysis, plotlyjs="cdn")))
    assert cards["Pace"] == "5:31 /km" and "Pace over timer time" not in cards


def test_lap_where_the_runner_stood_shows_no_pace(analysis):
    # Defect 8: a lap of a few metres over minutes showed "4:04:09 /km".
    analysis.segments.loc[0, ["distance_m", "duration_s", "pace_s_per_km"]] = [12.0, 175.8, 14649.0]
    page = render_report(analysis, plotlyjs="cdn")
    row = re.search(r"<tr><td>Lap 1</td>.*?</tr>", page, re.S).group(0)
    assert "4:04:09" not in page
    assert row.count('<td class="num">—</td>') >= 1


@pytest.mark.parametrize(("offset", "zone", "expected"), [
    (None, None, "Saturday 2024-05-04 06:30 UTC"),
    (7200, None, "Saturday 2024-05-04 08:30 (UTC+02:00)"),
    (7200, "Europe/Ljubljana", "Saturday 2024-05-04 08:30 (UTC+02:00, Europe/Ljubljana)"),
    (-36000, None, "Friday 2024-05-03 20:30 (UTC-10:00)"),  # the local date, not the UTC one
])
def test_start_in_the_runs_local_time(analysis_factory, offset, zone, expected):
    # Defect 8: times were shown in UTC although the file knows the local time.
    a = analysis_factory(300, name=None)
    a.run.meta.utc_offset_s, a.run.meta.timezone = offset, zone
    page = render_report(a, plotlyjs="cdn")
    assert f"{expected} · " in page
    day = "03 May 2024" if offset == -36000 else "04 May 2024"
    assert f"<h1>Run on {day}</h1>" in page


def test_device_by_name(analysis_factory):
    a = analysis_factory(300, manufacturer="suunto", product="Suunto 9 Baro")
    page = render_report(a, plotlyjs="cdn")
    assert "Suunto 9 Baro" in page and "suunto Suunto" not in page  # the maker once


def test_safe_json_takes_numpy_and_times():
    import numpy as np
    import pandas as pd

    text = safe_json({"x": np.float32(1.5), "n": np.float64("nan"), "t": pd.Timestamp("2024-05-04T06:30Z")})
    assert json.loads(text) == {"x": 1.5, "n": None, "t": "2024-05-04T06:30:00+00:00"}


DEV_FIT = [e for e in catalog_entries() if e["path"] == "jimmykane__fit-parser/test/running-with-developer-data.fit"]


@pytest.mark.parametrize("entry", shared_params(DEV_FIT))
def test_crafted_fit_developer_field_names_are_escaped(entry, tmp_path):
    from runload.simulate_write import fit_crc16

    data = bytearray(entry_path(entry).read_bytes())
    at = data.find(b"Leg Spring Stiffness")  # a 64-byte string field: room for the markup
    data[at:at + len(XSS)] = XSS.encode()
    at = data.find(b"kN/m\x00")  # units: a 16-byte string field
    data[at:at + 8] = b"<b>u</b>"
    data[-2:] = fit_crc16(bytes(data[:-2])).to_bytes(2, "little")  # keep the file CRC valid
    crafted = tmp_path / "crafted.fit"
    crafted.write_bytes(bytes(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = runload.read_run(crafted)
        assert XSS in [f.name for f in run.meta.developer_fields]  # the markup reached the report
        page = render_report(runload.analyze_run(run), plotlyjs="cdn")
    assert XSS not in page and "<b>u</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [&lt;b&gt;u&lt;/b&gt;]" in page


def test_one_hour_page_without_plotlyjs_stays_small(analysis_factory):
    # The inline page is plotly.js (4.82 MB) + this; the limit is 5 MB inline, so this part must
    # stay well under the ~180 kB left (measured 113 kB: benchmarks/bench_report.py).
    page = render_report(analysis_factory(3600), plotlyjs="cdn")
    assert len(page.encode("utf-8")) < 140_000
    assert len(page.encode("utf-8")) + len(get_plotlyjs().encode("utf-8")) < 5_000_000


@pytest.mark.parametrize("plotlyjs", ["inline", "cdn", "js/plotly.min.js"])
def test_written_page_is_the_rendered_page(tmp_path, analysis_factory, plotlyjs):
    # write_report writes plotly.js inline as one chunk encoded once per process (runload.report.html.
    # report_chunks); the file must still be render_report's page, byte for byte, whatever the strings say
    # (one is the stand-in the inline script replaces; one is an undecodable byte of a file name).
    analysis = analysis_factory(300, name="<runload-inline-plotlyjs/> run-\udcff", lap_label="<runload-inline-plotlyjs/>")
    path = write_report(analysis, tmp_path / "run.html", plotlyjs=plotlyjs)
    page = render_report(analysis, plotlyjs=plotlyjs, out_dir=tmp_path)
    assert path.read_bytes() == page.encode("utf-8")
    assert page.count(PLOTLYJS_HEAD) == (plotlyjs == "inline") and "run-\\xff" in page


def _log_spike() -> Hint:
    # A history hint as the batch shows it (runload.hints.spike_hint's wording), raised over the training log.
    return Hint(id="H1", title="Longer than your recent longest run", severity="moderate", evidence="B",
                evidence_label="moderate", groups=[], values={"distance_m": 21000.0, "longest_30d_m": 15000.0},
                message="This run was about 40 % longer than your longest run in the last 30 days.", origin="log")


def _frame_cases(analysis_factory):
    marks = "<runload-hints-section/> <runload-methods-list/> <runload-inline-plotlyjs/>"
    yield "full", analysis_factory(1800)
    yield "no load, no positions", analysis_factory(600, with_load=False, positions=False)
    yield "no hints, no dynamics", analysis_factory(600, with_hints=False, dynamics=False)
    yield "strings that are the marks", analysis_factory(300, name=marks + " \udcff", lap_label=marks,
                                                        developer_field=marks)
    for entry in REAL_FILES:
        path = entry_path(entry)
        if path.exists():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield entry["path"], runload.analyze_run(runload.read_run(path))


@pytest.mark.parametrize("plotlyjs", ["inline", "../plotly.min.js"])
def test_a_page_completed_from_a_kept_frame_is_the_rendered_page(tmp_path, analysis_factory, plotlyjs):
    # A batch renders each page's frame after the analysis, keeps it lightened (pickled, without the
    # per-second frames) and completes it with the hints over the log and the history rules once known
    # (runload.batch.worker): the page must be render_report's for the analysis with those hints and rules,
    # byte for byte, on runs of every kind.
    folder = tmp_path / "runs"
    for name, analysis in _frame_cases(analysis_factory):
        frame = report_frame(analysis, plotlyjs=plotlyjs, out_dir=folder, run_links=[("run 1", "a.html")])
        kept = pickle.loads(pickle.dumps(frame.lightened(), protocol=pickle.HIGHEST_PROTOCOL))
        assert len(kept.analysis.samples) == 0 and len(kept.analysis.run.samples) == 0
        quality = analysis.quality_hints
        own = [h for h in analysis.hints if not any(h is q for q in quality)]
        for hints, rules in ((None, None), ([_log_spike(), *own[:1]], ("H1", "H2")), ([], ())):
            path = write_report_frame(kept, folder / "page.html", hints=None if hints is None else hints + quality,
                                      history_rules=rules)
            shown = analysis if hints is None else dataclasses.replace(analysis, hints=hints + quality,
                                                                        history_rules=rules)
            page = render_report(shown, plotlyjs=plotlyjs, out_dir=folder, run_links=[("run 1", "a.html")])
            assert path.read_bytes() == page.encode("utf-8"), (name, hints, rules)
            if rules:
                assert 'data-origin="log"' in page and page.count(PLOTLYJS_HEAD) == (plotlyjs == "inline")


def test_a_kept_frame_is_an_eighth_of_the_analysis(analysis_factory):
    # What a batch keeps per run between its passes (issue 10: the analysis, 1.5 MB per one-hour run of the
    # simulated log, in a cache of every run of the log; its frame is 0.12 MB).
    analysis = analysis_factory(3600)
    kept = len(pickle.dumps(report_frame(analysis, plotlyjs="cdn").lightened(), protocol=pickle.HIGHEST_PROTOCOL))
    assert kept * 8 < len(pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)), kept
