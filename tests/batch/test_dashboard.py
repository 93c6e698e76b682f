"""OUTDIR/index.html: weekly charts, the run table with links, skips and failures, everything escaped."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from batch_logs import good_files, mixed_log, run_bytes

from runload.batch import process_log

XSS = "<script>alert(1)</script>"
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
    for section in ('id="volume"', 'id="weekly-load"', 'id="failures"', 'id="skipped"'):
        assert section in page
    assert "Biking" in page and "CorruptFileError" in page and "ArchiveError" in page


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
    assert dict(state["plots"]).keys() == {"volume", "load"}
    assert all(n > 0 for _, n in state["plots"]), state["plots"]
    assert state["links"] == 6
