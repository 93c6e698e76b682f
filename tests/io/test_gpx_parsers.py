"""The fast GPX parser (default) against gpxpy (the reference): same frame and meta on every document.

Documents: every GPX of the shared corpus, simulated runs of every kind with GPS (1 Hz and smart
recording) and the edits of ``xml_pins.documents`` (namespace variants, GPX 1.0, extensions absent, the
repairs of test_xml_repairs.py, values gpxpy rejects, several tracks and segments, routes).  Documents the
fast parser cannot promise to read as gpxpy does are handed to gpxpy: they agree too, and say so in
``RunMeta.decoder``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import require_shared_data
from xml_pins import documents, fingerprint

from runload.errors import RunloadError
from runload.io.gpx import read_gpx_bytes
from runload.io.gpx_fast import FAST_DECODER
from runload.io.gpx_gpxpy import GPX_DECODER

_GPX = {name: data for name, (fmt, data) in documents().items() if fmt == "gpx"}
# documents the fast parser leaves to gpxpy: a time text of another form, a <bounds> gpxpy rejects
_LEFT_TO_GPXPY = {"edit:time-1e308.gpx", "edit:bounds.gpx"}


def _both(data: bytes, **kw) -> tuple[list, list]:
    return (fingerprint(read_gpx_bytes, data, source="t.gpx", parser="fast", **kw),
            fingerprint(read_gpx_bytes, data, source="t.gpx", parser="gpxpy", **kw))


def _decoders(data: bytes) -> set[str]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {r.meta.decoder for r in read_gpx_bytes(data, source="t.gpx", include_non_running=True)}
        except RunloadError:
            return set()


@pytest.mark.parametrize("include_non_running", [False, True])
@pytest.mark.parametrize("name", sorted(_GPX))
def test_fast_parser_agrees_with_gpxpy(name, include_non_running):
    if name.startswith("shared:"):
        require_shared_data()
    fast, reference = _both(_GPX[name], include_non_running=include_non_running)
    assert fast == reference


@pytest.mark.parametrize("name", sorted(n for n in _GPX if n.startswith(("sim:", "shared:", "edit:"))))
def test_fast_parser_reads_the_common_documents_itself(name):
    if name.startswith("shared:"):
        require_shared_data()
    decoders = _decoders(_GPX[name])
    if name in _LEFT_TO_GPXPY:
        assert decoders <= {GPX_DECODER}
    else:
        assert decoders <= {FAST_DECODER}  # empty: no run (a route, only waypoints, no valid time)


def _sim() -> bytes:
    return _GPX["sim:easy:False.gpx"]


GPX_NS = b"http://www.topografix.com/GPX/1/1"

# (name, edit) that the fast parser must leave to gpxpy, because gpxpy sees these documents differently
_ODD = {
    "prefixed-gpx-namespace": lambda d: d.replace(b'xmlns="' + GPX_NS + b'"', b'xmlns:g="' + GPX_NS + b'"')
    .replace(b"<trk>", b"<g:trk>").replace(b"</trk>", b"</g:trk>"),
    "gpx-namespace-declared-twice": lambda d: d.replace(b"<trkseg>", b'<trkseg xmlns="' + GPX_NS + b'">', 1),
    "gpx-namespace-also-a-prefix": lambda d: d.replace(b"<gpx ", b'<gpx xmlns:x="' + GPX_NS + b'" ', 1),
    "version-1.2": lambda d: d.replace(b'version="1.1"', b'version="1.2"', 1),
    "no-version": lambda d: d.replace(b'version="1.1"', b"", 1),
    "element-outside-the-namespace": lambda d: d.replace(b"<ele>", b'<ele xmlns="">', 5),
    "single-digit-time": lambda d: d.replace(b"<time>2024-05-06T06:30:0", b"<time>2024-5-6T6:30:0", 3),
    "compact-offset": lambda d: d.replace(b"Z</time>", b"+0000</time>", 4),
    "space-separator": lambda d: d.replace(b"<time>2024-05-06T", b"<time>2024-05-06 ", 3),
    "bad-track-number": lambda d: d.replace(b"<trk>", b"<trk><number>one</number>", 1),
    "windows-1252": lambda d: d.replace(b'encoding="UTF-8"', b'encoding="windows-1252"'),
    "utf-16": lambda d: d.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(_ODD))
def test_documents_gpxpy_sees_differently_go_to_gpxpy_and_agree(name):
    data = _ODD[name](_sim())
    assert data != _sim()
    fast, reference = _both(data)
    assert fast == reference
    assert _decoders(data) <= {GPX_DECODER}


def test_gpxpy_is_not_imported_by_the_default_parser(tmp_path):
    path = tmp_path / "run.gpx"
    path.write_bytes(_sim())
    code = ("import sys, warnings; warnings.simplefilter('ignore'); from runload.io import read_run; "
            f"run = read_run({str(path)!r}); print(run.meta.decoder, 'gpxpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "False" and FAST_DECODER in out.stdout


def test_unknown_parser_is_refused():
    with pytest.raises(ValueError, match="unknown GPX parser"):
        read_gpx_bytes(_sim(), source="t.gpx", parser="lxml")
