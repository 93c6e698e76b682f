"""Issue 12 promise: every string a file can carry is inert in the reports — in headless Chromium.

A training log is built whose every string carrier holds a payload that, if it ever ran, would record
its carrier in ``window.__pwned`` (an ``<img onerror>`` and a ``<script>``): GPX creator, metadata name,
track name, description and comment, the GPX activity type; TCX device (Creator) name and notes; the FIT
device's product name and a FIT developer field's name (a real file of the shared corpus, edited);
file names (of a run and of a corrupt file, whose error names it); and every column of a Strava
``activities.csv`` runload reads (Activity ID, Date, Name, Type, Gear, Filename).  ``runload batch`` writes the
store, the per-run reports and the dashboard; each page is opened in Debian's Chromium (playwright).

Checked on every page: ``window.__pwned`` is undefined, no dialog, no injected ``img[src=x]``/script
element; and each carrier's payload appears as text (``innerText``) where the page shows that string —
:data:`SHOWN` lists, per carrier, the pages that must show it (a carrier a page does not show must still
not execute there).
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import re
import warnings
import zipfile
from pathlib import Path

import pytest
from batch_logs import run_bytes
from conftest import catalog_entries, entry_path, shared_params

pytestmark = pytest.mark.browser

PUSH = "(window.__pwned=window.__pwned||[]).push"


def payload(tag: str, script: bool = True) -> str:
    """Markup that records ``tag`` in ``window.__pwned`` if the browser ever parses it as HTML; without
    ``script`` no ``/`` (for file names)."""
    img = f"<img src=x onerror=\"{PUSH}('{tag}')\">"
    return f"{tag} {img}<script>{PUSH}('{tag}')</script>" if script else f"{tag} {img}"


#: carrier → the pages that must show its payload as text ("report": the run's own report page,
#: "index": the dashboard).  Carriers not listed for a page are only checked not to execute there.
SHOWN = {
    "gpx_trk_name": {"report", "index"},  # the run's name
    "gpx_creator": {"report"},  # the recording app or device
    "gpx_meta_name": set(),  # the track's name wins
    "gpx_desc": set(),
    "gpx_cmt": set(),
    "gpx_type": {"report"},  # the sport as the file says it
    "tcx_creator": {"report"},  # the device
    "tcx_notes": {"report", "index"},  # a TCX has no name: its notes name the run
    "fit_product": {"report"},  # the device
    "fit_devfield": {"report"},  # listed with the file's fields
    "file_name": {"report", "index"},
    "bad_file_name": {"index"},  # the failures list
    "strava_id": set(),
    "strava_name": {"report", "index"},  # a track without a name: the export's name
    "strava_type": set(),  # not another sport: analysed as a run
    "strava_date": set(),  # not a date: the file's own start is used
    "strava_gear": {"index"},  # shoe mileage
    "strava_filename": {"report"},
}

#: A developer field's name is a 64-byte string: a shorter payload.
DEVFIELD = "fit_devfield <img src=x onerror=__pwned=1>"
DEV_FIT = [e for e in catalog_entries() if e["path"] == "jimmykane__fit-parser/test/running-with-developer-data.fit"]


def _xml(text: str) -> str:
    return html.escape(text, quote=True)


def _gpx(seed: int, **strings: str) -> bytes:
    text = run_bytes("easy", seed, "gpx").decode("utf-8")
    if "creator" in strings:
        text = text.replace('creator="runload simulator"', f'creator="{_xml(strings["creator"])}"', 1)
    if "meta_name" in strings:
        text = re.sub(r"<metadata><name>[^<]*</name>", f"<metadata><name>{_xml(strings['meta_name'])}</name>",
                      text, count=1)
    name = strings.get("trk_name", "easy")  # None: a track without a name (the export's csv names it)
    trk = "<trk>" + ("" if name is None else f"<name>{_xml(name)}</name>")
    for tag in ("desc", "cmt"):
        if tag in strings:
            trk += f"<{tag}>{_xml(strings[tag])}</{tag}>"
    text = re.sub(r"<trk><name>[^<]*</name>", trk, text, count=1)
    if "type" in strings:
        text = text.replace("<type>running</type>", f"<type>{_xml(strings['type'])}</type>", 1)
    return text.encode("utf-8")


def _tcx(seed: int, creator: str, notes: str) -> bytes:
    text = run_bytes("easy", seed, "tcx").decode("utf-8")
    text = text.replace("<Name>runload simulator</Name>", f"<Name>{_xml(creator)}</Name>", 1)
    text = text.replace('<Creator xsi:type="Device_t">', f'<Notes>{_xml(notes)}</Notes><Creator xsi:type="Device_t">', 1)
    return text.encode("utf-8")


def _fit_product(seed: int, product: str, monkeypatch) -> bytes:
    import runload.simulate_write as simulate_write
    from runload.simulate import simulate_run

    with monkeypatch.context() as m:
        m.setattr(simulate_write, "PRODUCT_NAME", product)
        return simulate_write.fit_bytes(simulate_run("easy", seed=seed))


def _fit_devfield(name: str) -> bytes:
    from runload.simulate_write import fit_crc16

    data = bytearray(entry_path(DEV_FIT[0]).read_bytes())
    at = data.find(b"Leg Spring Stiffness")  # a 64-byte string field
    raw = name.encode("utf-8")
    assert len(raw) < 64
    data[at:at + len(raw) + 1] = raw + b"\x00"
    data[-2:] = fit_crc16(bytes(data[:-2])).to_bytes(2, "little")
    return bytes(data)


def _strava_zip() -> bytes:
    member = f"activities/{payload('strava_filename', script=False)}.gpx.gz"
    rows = [{"Activity ID": payload("strava_id"), "Activity Date": "May 6, 2024, 6:30:00 AM",
             "Activity Name": payload("strava_name"), "Activity Type": "Run",
             "Activity Gear": payload("strava_gear"), "Filename": member},
            {"Activity ID": "2", "Activity Date": payload("strava_date"), "Activity Name": "typed",
             "Activity Type": payload("strava_type"), "Activity Gear": "", "Filename": "activities/2.gpx.gz"}]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("activities.csv", buf.getvalue())
        z.writestr(member, gzip.compress(_gpx(41, trk_name=None, meta_name=""), mtime=0))
        z.writestr("activities/2.gpx.gz", gzip.compress(_gpx(42), mtime=0))
    return out.getvalue()


@pytest.fixture(scope="module")
def outdir(tmp_path_factory, request) -> Path:
    from runload.batch import process_log

    entry = request.param
    entry_path(entry)  # skips (fails under CI) without the shared data
    root = tmp_path_factory.mktemp("strings")
    log = root / "log"
    log.mkdir()
    (log / "named.gpx").write_bytes(_gpx(31, creator=payload("gpx_creator"), meta_name=payload("gpx_meta_name"),
                                         trk_name=payload("gpx_trk_name"), desc=payload("gpx_desc"),
                                         cmt=payload("gpx_cmt")))
    (log / "typed.gpx").write_bytes(_gpx(32, type=payload("gpx_type")))
    (log / "notes.tcx").write_bytes(_tcx(33, payload("tcx_creator"), payload("tcx_notes")))
    mp = pytest.MonkeyPatch()
    try:
        (log / "device.fit").write_bytes(_fit_product(34, payload("fit_product"), mp))
    finally:
        mp.undo()
    (log / "devfield.fit").write_bytes(_fit_devfield(DEVFIELD))
    (log / f"{payload('file_name', script=False)}.gpx").write_bytes(_gpx(35))
    (log / f"{payload('bad_file_name', script=False)}.fit").write_bytes(b"\x0e\x10garbage" + b"\x00" * 40)
    (log / "export.zip").write_bytes(_strava_zip())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = process_log([log], root / "out", jobs=1, progress="none")
    assert summary.failed == 1 and summary.analysed >= 7, summary.line()
    return root / "out"


def _visit(browser, path: Path) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # an onerror of a broken image fires after load
    state = page.evaluate("""() => ({
        pwned: window.__pwned === undefined ? null : window.__pwned,
        injected: document.querySelectorAll('img[src="x"]').length
                  + Array.from(document.scripts).filter(s => s.textContent.includes('__pwned')).length,
        text: (() => {  // every text node of the page, shown or folded away, but not script or style
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: n =>
                ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(n.parentNode.nodeName)
                    ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
            const parts = [];
            while (walk.nextNode()) parts.push(walk.currentNode.nodeValue);
            return parts.join('');
        })(),
        title: document.title,
    })""")
    page.close()
    state.update(dialogs=dialogs, errors=errors)
    return state


def _shown(state: dict) -> set[str]:
    text = state["text"] + "\n" + state["title"]
    return {tag for tag in SHOWN if payload(tag) in text or payload(tag, script=False) in text
            or (tag == "fit_devfield" and DEVFIELD in text)}


@pytest.mark.parametrize("outdir", shared_params(DEV_FIT), indirect=True)
def test_no_file_string_executes_and_each_is_shown_as_text(browser, outdir):
    pages = {"index": [outdir / "index.html"], "report": sorted((outdir / "runs").glob("*.html"))}
    assert len(pages["report"]) >= 7
    seen: dict[str, set[str]] = {"index": set(), "report": set()}
    for kind, paths in pages.items():
        for path in paths:
            state = _visit(browser, path)
            assert state["pwned"] is None, (path.name, state["pwned"])
            assert state["injected"] == 0 and state["dialogs"] == [], (path.name, state)
            seen[kind] |= _shown(state)
    for kind in ("report", "index"):
        want = {tag for tag, where in SHOWN.items() if kind in where}
        assert want <= seen[kind], f"{kind}: payloads not shown as text: {sorted(want - seen[kind])}"
