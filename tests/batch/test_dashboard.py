"""OUTDIR/index.html: weekly charts, runs against the recent past, hint history, balance, shoes, the run
table with links, skips and failures, everything escaped, each part with an honest empty state.

Two logs: a real batch (process_log on a mixed folder: runs without balance, gear or history hints) and a
store built row by row (tests/history_logs.py) whose figures trigger every part: a distance spike, a week
more than 30 % above the one before, a contact-time balance, shoes past the shoe-mileage threshold, hints
over the log, and hostile names, gear, skip reasons and errors."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from batch_logs import good_files, mixed_log, run_bytes
from history_logs import LogBuilder

from runload.batch import process_log
from runload.batch.names import report_name
from runload.history import compute_history
from runload.report.dashboard import write_dashboard

XSS = "<script>alert(1)</script>"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
XSS_FILE = "<img src=x onerror=alert(2)>.fit"


@pytest.fixture(scope="module")
def outdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dash")
    log = root / "log"
    mixed_log(log)
    good_files(log / "more", 2)
    gpx = run_bytes("easy", 7, "gpx")
    gpx = re.sub(rb"<name>[^<]*</name>", b"<name>&lt;script&gt;alert(1)&lt;/script&gt;</name>", gpx)
    (log / "named.gpx").write_bytes(gpx)
    (log / XSS_FILE).write_bytes(b"\x0e\x10garbage" + b"\x00" * 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = process_log([log], root / "out", jobs=2, progress="none")
    assert summary.analysed == 6 and summary.failed == 3
    return root / "out"


def test_dashboard_lists_runs_skips_and_failures_escaped(outdir):
    page = (outdir / "index.html").read_text()
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;.fit" in page
    links = re.findall(r'href="(runs/[^"]+)"', page)
    assert len(links) == 6 and all((outdir / link).is_file() for link in links)
    assert 'src="plotly.min.js"' in page
    dates = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d \d\d:\d\d)</td>", page)
    assert len(dates) == 6 and dates == sorted(dates, reverse=True)
    for section in ('id="volume"', 'id="weekly-load"', 'id="spikes"', 'id="failures"', 'id="skipped"'):
        assert section in page
    assert "Biking" in page and "CorruptFileError" in page and "ArchiveError" in page


def test_dashboard_without_history_data_says_so(outdir):
    # A few runs on two days: no balance sensor, no gear, no week to compare: each part says it is empty.
    page = (outdir / "index.html").read_text()
    assert 'id="no-balance"' in page and "No contact-time balance in this log" in page
    assert 'id="no-shoes"' in page and 'id="no-week-notes"' in page
    assert 'data-figure="spikes"' in page  # every dated run is still drawn against its recent past


@pytest.mark.browser
def test_dashboard_renders_in_chromium(browser, outdir):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, dialogs = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((outdir / "index.html").resolve().as_uri())
    page.wait_for_function("Array.from(document.querySelectorAll('div.plot[data-figure]'))"
                           ".every(d => d.querySelector('.main-svg'))", timeout=15000)
    state = page.evaluate("""() => ({
        plots: Array.from(document.querySelectorAll('div.plot[data-figure]'))
                    .map(d => [d.dataset.figure, d.querySelectorAll('.bars .point').length]),
        links: document.querySelectorAll('#runs a').length,
    })""")
    page.close()
    assert errors == [] and dialogs == []
    assert dict(state["plots"]).keys() == {"volume", "load", "spikes"}
    assert all(n > 0 for name, n in state["plots"] if name != "spikes"), state["plots"]
    assert state["links"] == 6


# --- a log with history -------------------------------------------------------------------------------------

GEAR = "<img src=x onerror=alert(5)>Pegasus"
NAME = "<script>alert(6)</script> long run"


def _store_log_hints(b: LogBuilder) -> dict:
    """``log_hints`` as the batch writes it: the final hints of every run over the log, with their origin."""
    history = compute_history(b.sql)
    for rid, hints in history.final.items():
        for seq, h in enumerate(hints):
            b.con.execute(
                "INSERT INTO log_hints (run_id, seq, hint_id, title, severity, evidence, evidence_label, groups, "
                "values_json, message, tips, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [rid, seq, h.id, h.title, h.severity, h.evidence, h.evidence_label, list(h.groups),
                 json.dumps(h.values), h.message, list(h.tips), h.origin])
    return history.final


@pytest.fixture(scope="module")
def history_log(tmp_path_factory):
    """Five weeks of three 60 km runs on one pair of shoes (900 km: past the shoe-mileage threshold), then a
    week of 270 km (+50 %) opening with a 90 km run (1.5× the longest of the previous 30 days)."""
    b = LogBuilder()
    b.weeks(5, km=60.0, balance=50.4, gear=GEAR)
    spike = b.add(35, km=90.0, gear="Trail", balance=51.0)
    for day in (37, 39, 40):
        b.add(day, km=60.0, gear="Trail")
    b.con.execute("UPDATE runs SET name = ? WHERE run_id = ?", [NAME, spike])
    b.con.execute("INSERT INTO skipped VALUES ('ride.fit', 'h', ?, 'cycling', 'test', now())",
                  ["<b>not running</b>"])
    b.con.execute("INSERT INTO failures (source, content_hash, stage, error_type, error, runload_version, "
                  "recorded_at) VALUES ('bad.fit', 'h', 'read', 'CorruptFileError', ?, 'test', now())",
                  ["<script>alert(7)</script>"])
    final = _store_log_hints(b)
    out = tmp_path_factory.mktemp("history") / "out"
    runs = b.sql("SELECT run_id, source, name, start_local, session_index FROM runs")
    (out / "runs").mkdir(parents=True)
    for r in runs.itertuples(index=False):  # a report for every run but the first, which has none
        if r.run_id != "r000":
            name = r.name if isinstance(r.name, str) else None
            (out / "runs" / report_name(r.run_id, r.source, name, r.start_local, r.session_index)).write_text("x")
    write_dashboard(b.sql, out)
    return out, spike, final


def _part(page: str, ident: str) -> str:
    return re.search(rf'<section id="{ident}">.*?</section>', page, re.S).group(0)


def test_history_parts_render_with_data(history_log):
    out, spike, final = history_log
    page = (out / "index.html").read_text()
    # Hint history: the final hints of the runs, newest first, origin shown, linked to the run report.
    assert [h.id for h in final[spike]][:1] == ["H1"]
    part = _part(page, "hint-history")
    rows = re.findall(r'<tr class="hint-row" data-hint="(\w+)" data-origin="(\w+)"><td>([\d: -]+)</td>', part)
    assert ("H1", "log") in [(h, o) for h, o, _ in rows] and ("S1", "log") in [(h, o) for h, o, _ in rows]
    assert [w for _, _, w in rows] == sorted((w for _, _, w in rows), reverse=True)
    assert "your training log" in part and "vs the longest of the previous 30 days" in part
    h1 = re.search(r'<tr class="hint-row" data-hint="H1".*?</tr>', part, re.S).group(0)
    assert re.search(r'<a href="runs/[^"]+\.html">', h1)
    # Weekly change (H2): a note under the weekly chart, not an alert.
    notes = re.search(r'<div id="week-notes">.*?</div>', page, re.S).group(0)
    assert "Week of 2024-02-05: 270.0 km, 50 % more than the week before (180.0 km)." in notes
    assert "A note, not an alert" in notes
    # Shoes: distance per gear, most used first, with the day the first pair passed the threshold.
    shoes = _part(page, "shoes")
    cells = re.findall(r'<tr class="shoe"><td>(.*?)</td><td class="num">(.*?)</td>', shoes)
    assert cells == [("&lt;img src=x onerror=alert(5)&gt;Pegasus", "900 km"), ("Trail", "270 km")]
    assert "past 800 km on 2024-01-31" in shoes  # the 14th run of 60 km took it to 840 km
    assert 'data-figure="balance"' in page and 'data-figure="spikes"' in page


def test_history_log_strings_are_escaped(history_log):
    page = (history_log[0] / "index.html").read_text()
    for raw in (GEAR, NAME, "<b>not running</b>", "<script>alert(7)</script>"):
        assert raw not in page
    assert "&lt;script&gt;alert(6)&lt;/script&gt; long run" in page and "&lt;b&gt;not running&lt;/b&gt;" in page


def test_empty_store_says_so_for_every_part(tmp_path):
    target = write_dashboard(LogBuilder().sql, tmp_path / "out")
    page = target.read_text()
    for ident in ("no-volume", "no-load", "no-spikes", "no-hints", "no-balance", "no-shoes"):
        assert f'id="{ident}"' in page, ident
    assert "plotly.min.js" not in page and "No runs in the store yet." in page


@pytest.mark.browser
def test_history_dashboard_renders_in_chromium(browser, history_log):
    out, _, _ = history_log
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, dialogs = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((out / "index.html").resolve().as_uri())
    page.wait_for_function("Array.from(document.querySelectorAll('div.plot[data-figure]'))"
                           ".every(d => d.querySelector('.main-svg'))", timeout=15000)
    state = page.evaluate("""() => ({
        plots: Array.from(document.querySelectorAll('div.plot[data-figure]')).map(d => d.dataset.figure),
        traces: Object.fromEntries(Array.from(document.querySelectorAll('div.plot[data-figure]'))
                    .map(d => [d.dataset.figure, d.data.map(t => [t.name, (t.x || []).length])])),
        injected: document.querySelectorAll('img[src="x"]').length
                  + Array.from(document.scripts).filter(s => s.textContent.includes('alert(')).length,
        gear: document.querySelector('#shoes tr.shoe td').innerText,
    })""")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-history.png"), full_page=True)
    page.close()
    assert errors == [] and dialogs == [] and state["injected"] == 0
    assert state["gear"] == GEAR  # shown as text, not run as markup
    assert set(state["plots"]) == {"volume", "load", "spikes", "balance"}
    spikes = dict(state["traces"]["spikes"])
    assert spikes["run above the 110 % line"] == 1  # the 90 km run only
    assert sum(n for name, n in state["traces"]["volume"] if name.startswith("weekly change")) == 1
    assert dict(state["traces"]["balance"])["median balance"] == 16  # every run with a sensor
