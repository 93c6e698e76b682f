"""Reports as a person sees them: opened in headless Chromium (Debian's /usr/bin/chromium) via playwright.

Checks that each page loads without console errors, every plot draws (an svg/canvas inside each plot
div), the body map holds all nine muscle groups, the hints and the standing footer are visible, and that
a file whose strings contain ``<script>alert(1)</script>`` executes nothing.  One screenshot per report
goes to ``test-artifacts/`` (gitignored).  Without chromium the tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, catalog_entries, entry_path, shared_params

import runload
from runload.analysis import HINTS_FOOTER, MUSCLE_GROUPS
from runload.report import write_report

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_DIR / "test-artifacts"
XSS = "<script>alert(1)</script>"

REAL_FILES = [e for e in catalog_entries() if e["path"] in {
    "MaksVasilev__fit2gpx/test/68MK1405.FIT",  # Fenix 3 with running dynamics
    "corriporai__runpandas/runpandas/tests/io/data/gpx/run.gpx",
    "corriporai__runpandas/runpandas/tests/io/data/samples/2020-12-20T05_50_47-300_Running.tcx",
}]

CRAFTED_GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="&lt;script&gt;alert(1)&lt;/script&gt;" xmlns="http://www.topografix.com/GPX/1/1">
 <metadata><name>&lt;img src=x onerror=alert(2)&gt;</name></metadata>
 <trk><name>&lt;script&gt;alert(1)&lt;/script&gt;</name><type>running</type><trkseg>
{points}
 </trkseg></trk>
</gpx>
"""


def _crafted_gpx(path: Path) -> Path:
    points = "\n".join(
        f'  <trkpt lat="{46.0 + i * 2.5e-5:.6f}" lon="{14.0 + i * 1.0e-5:.6f}"><ele>{300 + i * 0.05:.2f}</ele>'
        f"<time>2024-05-04T06:{i // 60:02d}:{i % 60:02d}Z</time></trkpt>"
        for i in range(0, 600, 2)
    )
    path.write_text(CRAFTED_GPX.format(points=points), encoding="utf-8")
    return path


def _open(browser, html_path: Path, shot_name: str) -> dict:
    """Open a report; return what the page did (console errors, dialogs) and what it shows."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, dialogs = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(html_path.resolve().as_uri())
    page.wait_for_function("Array.from(document.querySelectorAll('div.plot[data-figure]'))"
                           ".every(d => d.querySelector('.main-svg'))", timeout=15000)
    state = page.evaluate("""() => {
        const plots = Array.from(document.querySelectorAll('div.plot[data-figure]'));
        return {
          plots: plots.map(d => [d.dataset.figure, d.querySelectorAll('svg, canvas').length]),
          bodymap: (document.getElementById('fig-bodymap').data || []).map(t => t.name),
          footer: (document.getElementById('hints-footer') || {}).innerText || '',
          footerVisible: !!(document.getElementById('hints-footer') || {}).offsetParent,
          hints: !!document.getElementById('hints'),
          scripts: Array.from(document.scripts).map(s => s.src ? 'src' : s.textContent.slice(0, 60)),
          injected: document.querySelectorAll('img[src="x"]').length
                    + Array.from(document.scripts).filter(s => s.textContent.includes('alert(')).length,
          body: document.body.innerHTML.includes('<script>alert'),
        };
    }""")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{shot_name}.png"), full_page=True)
    page.close()
    state.update(errors=errors, dialogs=dialogs)
    return state


def _check(state: dict) -> None:
    assert state["errors"] == [], state["errors"]
    assert state["dialogs"] == [], state["dialogs"]
    assert state["plots"], "no plots on the page"
    for name, n_drawn in state["plots"]:
        assert n_drawn > 0, f"plot {name} did not render"
    assert set(MUSCLE_GROUPS) <= set(state["bodymap"])
    assert state["hints"] and HINTS_FOOTER in state["footer"] and state["footerVisible"]


@pytest.mark.parametrize("entry", shared_params(REAL_FILES))
def test_real_file_reports_render(browser, entry, tmp_path):
    path = entry_path(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = runload.analyze_run(runload.read_run(path))
    out = write_report(analysis, tmp_path / "report.html")
    _check(_open(browser, out, "report-" + path.name.replace(".", "_")))


def test_simulated_run_report_renders(browser, tmp_path):
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes

    fit = tmp_path / "hills.fit"
    fit.write_bytes(fit_bytes(simulate_run("hills", seed=3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = runload.analyze_run(runload.read_run(fit))
    out = write_report(analysis, tmp_path / "hills.html", units="imperial", plotlyjs="js/plotly.min.js")
    state = _open(browser, out, "report-simulated-hills")
    _check(state)


def test_synthetic_full_analysis_renders(browser, analysis, tmp_path):
    out = write_report(analysis, tmp_path / "full.html")
    state = _open(browser, out, "report-synthetic-full")
    _check(state)
    assert {name for name, _ in state["plots"]} == {"bodymap", "load", "timeseries", "route"}


def test_crafted_strings_execute_nothing(browser, analysis_factory, tmp_path):
    gpx = _crafted_gpx(tmp_path / "crafted.gpx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_file = runload.analyze_run(runload.read_run(gpx))
    crafted = analysis_factory(600, name=XSS, manufacturer=XSS, product="<img src=x onerror=alert(3)>",
                               lap_label=XSS, developer_field=XSS)
    crafted.hints[0].message = XSS
    for label, analysis in (("gpx", from_file), ("meta", crafted)):
        out = write_report(analysis, tmp_path / f"{label}.html")
        state = _open(browser, out, f"report-crafted-{label}")
        _check(state)
        assert state["injected"] == 0 and not state["body"]


def test_switch_to_time_and_back_keeps_the_axes(browser, analysis, tmp_path):
    # Clicking "over time" must show the run over its elapsed minutes with the pace axis still m:ss and
    # reversed (before, plotly turned the pace axis linear and the x range was nonsense).
    out = write_report(analysis, tmp_path / "switch.html", plotlyjs="inline")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.resolve().as_uri())
    page.wait_for_function("document.querySelector('#fig-timeseries .main-svg')", timeout=15000)
    axes = """() => { const L = document.getElementById('fig-timeseries')._fullLayout;
        return {x: L.xaxis.range, xtype: L.xaxis.type, ytype: L.yaxis.type, y: L.yaxis.range.map(v => Date.parse(String(v).replace(' ', 'T') + 'Z'))}; }"""
    before = page.evaluate(axes)
    page.click("#fig-timeseries .updatemenu-button >> nth=1")
    page.wait_for_timeout(300)
    over_time = page.evaluate(axes)
    page.click("#fig-timeseries .updatemenu-button >> nth=0")
    page.wait_for_timeout(300)
    back = page.evaluate(axes)
    page.screenshot(path=str(ARTIFACTS / "report-switch-back.png"))
    page.close()
    assert errors == []
    minutes = len(analysis.samples) / 60.0
    assert over_time["xtype"] == "linear" and over_time["x"][0] < 0 < minutes < over_time["x"][1] < 1.2 * minutes
    assert over_time["ytype"] == back["ytype"] == "date"
    assert over_time["y"][0] > over_time["y"][1]  # still reversed: fast at the top
    assert back["x"][1] < before["x"][1] * 1.01 and back["x"][1] > before["x"][1] * 0.99
