"""The report's layout in headless Chromium at phone width (420 px) and desktop width (1400 px).

Issue 11, "Layout": plotly's toolbar (modebar) overlapped the phase-chart legend and the distance/time
buttons; at 420 px the phase chart and the route axis were clipped and table rows were 115 px tall.  For
the sample runs (sample_runs/) and every running file of ../shared/data (FIT, GPX, TCX), at both
widths:

* nothing is wider than the viewport and the page does not scroll sideways (an element inside a frame
  that scrolls sideways itself, a wide table, counts only by its frame);
* no table row is taller than :data:`MAX_ROW_PX`;
* in every plot the modebar's box meets neither the legend's nor the buttons' box;
* the time-series hover is one box across all rows, each value with its unit.

Full-page screenshots go to ``test-artifacts/layout-<run>-<width>.png`` (gitignored).
"""

from __future__ import annotations

import re
import shutil
import warnings

import pytest
from conftest import PROJECT_DIR, catalog_entries, entry_path, shared_params

import runload
from runload.report import write_report, write_reports

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_DIR / "test-artifacts"
SAMPLES = PROJECT_DIR / "sample_runs"
WIDTHS = (420, 1400)
MAX_ROW_PX = 64  # one line of text, or a header of two short lines
SAMPLE_FILES = ("easy_dynamics.fit", "hills.fit", "intervals.fit", "treadmill.fit", "hills.tcx.gz")
#: Every running file of the shared corpus (the catalogue's ``is_running``): FIT, GPX and TCX from Garmin,
#: Suunto, COROS, Polar, Wahoo and Strava, with and without running dynamics, power, positions.
REAL_FILES = catalog_entries(is_running=True)


def _report_name(path) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(path))


LAYOUT_JS = """() => {
  const W = document.documentElement.clientWidth;
  const scrollsItself = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const over = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || (r.left >= -1 && r.right <= W + 1)) continue;
    if (el.closest('#js-plotly-tester')) continue;  // plotly's text-measuring svg, off-screen by design
    let p = el.parentElement, framed = false;
    while (p && p !== document.body) {
      if (scrollsItself(p)) { framed = true; break; }
      p = p.parentElement;
    }
    const plot = el.closest('div.plot[data-figure]');
    if (!framed) over.push(`${plot ? plot.dataset.figure + ' ' : ''}${el.tagName.toLowerCase()}#${el.id}.${el.getAttribute('class') || ''}: ` +
                           `${Math.round(r.left)}–${Math.round(r.right)}`);
  }
  const frames = Array.from(document.querySelectorAll('.table-wrap')).map(f => f.getBoundingClientRect())
    .filter(r => r.right > W + 1).length;
  // Table rows (the index shows one block per run at phone width: those are not table rows then).
  const rows = Array.from(document.querySelectorAll('table tr'))
    .filter(tr => getComputedStyle(tr).display === 'table-row')
    .map(tr => [Math.round(tr.getBoundingClientRect().height), tr.innerText.slice(0, 40)]);
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const meets = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  const clashes = [];
  for (const plot of document.querySelectorAll('div.plot[data-figure]')) {
    const bar = plot.querySelector('.modebar');
    if (!bar) continue;
    const others = Array.from(plot.querySelectorAll('g.legend, g.updatemenu-container'))
      .filter(g => g.getBoundingClientRect().width > 0);
    for (const g of others) if (meets(box(bar), box(g))) clashes.push(plot.dataset.figure + ': ' + g.getAttribute('class'));
  }
  return {W, scrollWidth: document.documentElement.scrollWidth, over: over.slice(0, 10), frames, rows, clashes};
}"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """One report per sample run and real file (written once for the module), keyed by a short name."""
    out_dir = tmp_path_factory.mktemp("layout")
    out = {}
    named = [(name.replace(".", "_"), SAMPLES / name) for name in SAMPLE_FILES]
    named += [(_report_name(e["path"]), entry_path(e)) for e in REAL_FILES]
    for name, path in named:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                analysis = runload.analyze_run(runload.read_run(path))
            except runload.RunloadError as e:  # a damaged file: a clear error instead of a report
                out[name] = e
                continue
        out[name] = write_report(analysis, out_dir / f"{name}.html", plotlyjs="plotly.min.js")
    return out


def _open(browser, path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.wait_for_function("Array.from(document.querySelectorAll('div.plot[data-figure]'))"
                           ".every(d => d.querySelector('.main-svg'))", timeout=15000)
    return page, errors


def _check_layout(page, errors, shot: str) -> dict:
    state = page.evaluate(LAYOUT_JS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
    assert errors == [], errors
    assert state["scrollWidth"] <= state["W"], state
    assert state["over"] == [], state["over"]
    assert state["frames"] == 0
    tall = [r for r in state["rows"] if r[0] > MAX_ROW_PX]
    assert tall == [], tall
    assert state["clashes"] == [], state["clashes"]
    return state


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [n.replace(".", "_") for n in SAMPLE_FILES])
def test_sample_run_layout(browser, reports, name, width):
    page, errors = _open(browser, reports[name], width)
    try:
        _check_layout(page, errors, f"layout-{name}-{width}")
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("entry", shared_params(REAL_FILES))
def test_real_file_layout(browser, reports, entry, width):
    name = _report_name(entry["path"])
    if isinstance(reports[name], Exception):  # damaged: a clear error instead of a report to lay out
        assert entry.get("parses_ok_fitparse") is False, reports[name]  # the reference decoder refuses it too
        return
    page, errors = _open(browser, reports[name], width)
    try:
        _check_layout(page, errors, f"layout-{name}-{width}")
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_one_hover_across_all_rows_with_units(browser, reports, width):
    page, errors = _open(browser, reports["easy_dynamics_fit"], width)
    try:
        page.hover("#fig-timeseries .nsewdrag >> nth=2")  # the third row: the hover must reach them all
        page.wait_for_timeout(300)
        text = page.evaluate("() => document.querySelector('#fig-timeseries .hoverlayer').textContent")
        spikes = page.evaluate("() => document.querySelectorAll('#fig-timeseries .spikeline').length")
    finally:
        page.close()
    assert errors == []
    assert re.match(r"\d+\.\d\d km", text), text  # the box's title: the distance with its unit
    for value in ("/km", "bpm", "steps/min", " m,", "ms", "mm", "% left"):  # pace … balance, one box
        assert value in text, (value, text)
    assert spikes > 0


def test_index_page_long_names_do_not_overflow(browser, tmp_path):
    long_name = "a-very-long-run-name-" * 8 + ".fit"
    inputs = [tmp_path / long_name, SAMPLES / "easy.fit", SAMPLES / "intervals.fit"]
    shutil.copy(SAMPLES / "hills.fit", inputs[0])
    batch = write_reports(inputs, tmp_path / "out", plotlyjs="cdn")
    for width in WIDTHS:
        page, errors = _open(browser, batch.index, width)
        try:
            _check_layout(page, errors, f"layout-index-{width}")
            cut = page.evaluate("() => Array.from(document.querySelectorAll('#runs td.name a'))"
                                ".some(a => a.scrollWidth > a.clientWidth)")
            headers = page.evaluate("() => Array.from(document.querySelectorAll('#runs th')).map(t => t.textContent)")
            runs = page.evaluate("() => Array.from(document.querySelectorAll('#runs tr')).slice(1).map(tr => {"
                                 " const r = tr.getBoundingClientRect(); return [r.height, tr.innerText]; })")
        finally:
            page.close()
        assert cut, "the long name is cut with an ellipsis"
        assert headers == ["run", "date", "distance", "moving time", "pace", "top hint"]
        assert len(runs) == 3
        for height, text in runs:  # every run shows its distance, time and pace on screen
            assert height < 160 and " km" in text and " /km" in text, (width, text)
