"""Fingerprints of what the GPX and TCX readers make of a set of documents, to pin their output across a
rewrite (issue 10): ``python tests/xml_pins.py`` writes ``tests/io/xml_pins.json`` from the readers
importable at that moment; ``tests/io/test_xml_pins.py`` compares today's readers with it.

The documents are the corpus GPX/TCX files (by their path under the shared data folder) and simulated
runs of every kind, written with :mod:`runload.simulate_write` and edited the ways
``test_xml_repairs.py`` edits them.  A fingerprint holds each run's samples (column names, dtypes and a
hash of the values and index), its laps and every :class:`~runload.run.RunMeta` field except
``decoder`` (which names the parser that ran), or the error's type and message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
import warnings
from pathlib import Path

import pandas as pd

PINS = Path(__file__).parent / "io" / "xml_pins.json"
SHARED = Path(os.environ.get("RUNLOAD_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def _frame_digest(frame: pd.DataFrame) -> str:
    if frame is None or frame.empty:
        return "empty"
    h = hashlib.sha256()
    h.update(repr([(c, str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(repr((str(frame.index.dtype), frame.index.name)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()[:24]


def fingerprint(read, data: bytes, source: str, **kw) -> list:
    """What ``read(data, source=source, **kw)`` returns (one entry per run) or raises, as JSON data."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            runs = read(data, source=source, **kw)
        except Exception as e:  # noqa: BLE001 - the error is part of the fingerprint
            return [{"error": type(e).__name__, "message": str(e)}]
    out = []
    for run in runs:
        meta = {}
        for f in dataclasses.fields(run.meta):
            if f.name in ("decoder", "laps"):
                continue
            meta[f.name] = repr(getattr(run.meta, f.name))
        out.append({"samples": _frame_digest(run.samples), "columns": list(run.samples.columns),
                    "n": len(run.samples), "laps": _frame_digest(run.meta.laps), "meta": meta})
    out.append({"warnings": [str(w.message) for w in caught]})
    return out


def _retime(tag: bytes, data: bytes, which: list[int], text: bytes, skip: int) -> bytes:
    end = b"</" + tag[1:]
    parts = data.split(tag)
    for i in which:
        k = i + 1 + skip
        parts[k] = text + parts[k][parts[k].index(end):]
    return tag.join(parts)


def documents() -> dict[str, tuple[str, bytes]]:
    """Name → (format, bytes) of every pinned document."""
    from runload.simulate import simulate_run
    from runload.simulate_write import gpx_bytes, tcx_bytes

    docs: dict[str, tuple[str, bytes]] = {}
    for path in sorted(SHARED.rglob("*")):
        if path.suffix.lower() in (".gpx", ".tcx") and path.is_file():
            docs["shared:" + str(path.relative_to(SHARED))] = (path.suffix[1:].lower(), path.read_bytes())
    for kind in ("easy", "intervals", "hills", "treadmill", "easy_dynamics"):
        for smart in (False, True):
            sim = simulate_run(kind, seed=5, smart_recording=smart)
            if sim.has_gps:
                docs[f"sim:{kind}:{smart}.gpx"] = ("gpx", gpx_bytes(sim))
            docs[f"sim:{kind}:{smart}.tcx"] = ("tcx", tcx_bytes(sim))
    gpx, tcx = docs["sim:easy:False.gpx"][1], docs["sim:easy:False.tcx"][1]
    plain = re.sub(rb"<extensions>.*?</extensions>", b"", gpx)
    docs["edit:no-extensions.gpx"] = ("gpx", plain)
    docs["edit:gpx10.gpx"] = ("gpx", gpx.replace(b'version="1.1"', b'version="1.0"').replace(
        b"http://www.topografix.com/GPX/1/1", b"http://www.topografix.com/GPX/1/0"))
    docs["edit:gpx10-speed.gpx"] = ("gpx", plain.replace(b'version="1.1"', b'version="1.0"').replace(
        b"http://www.topografix.com/GPX/1/1", b"http://www.topografix.com/GPX/1/0").replace(
        b"</time></trkpt>", b"</time><speed>3.25</speed></trkpt>"))
    docs["edit:ns3-prefix.gpx"] = ("gpx", gpx.replace(b"gpxtpx", b"ns3"))
    docs["edit:tpx-v1.gpx"] = ("gpx", gpx.replace(b"TrackPointExtension/v2", b"TrackPointExtension/v1"))
    docs["edit:no-namespace.gpx"] = ("gpx", gpx.replace(b' xmlns="http://www.topografix.com/GPX/1/1"', b""))
    docs["edit:undeclared-prefix.gpx"] = ("gpx", gpx.replace(
        b' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"', b"").replace(
        b"gpxtpx:", b"gpxdata:"))
    docs["edit:undeclared-prefix.tcx"] = ("tcx", tcx.replace(
        b' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"', b""))
    for fmt, data in (("gpx", gpx), ("tcx", tcx)):
        docs[f"edit:leading-blanks.{fmt}"] = (fmt, b"\xef\xbb\xbf\n  " + data)
        docs[f"edit:latin1.{fmt}"] = (fmt, data.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'))
        tag, skip = (b"<time>", 1) if fmt == "gpx" else (b"<Time>", 0)
        for text in (b"0000-01-01T00:00:00Z", b"1677-01-01T00:00:00Z", b"2024-13-45T99:00:00Z", b"1e308",
                     b" 2024-05-06T06:31:00+02:00 ", b"2024-05-06T04:31:00.123456789Z"):
            docs[f"edit:time-{text.decode().strip()}.{fmt}"] = (fmt, _retime(tag, data, [100, 200], text, skip))
        n = data.count(b"<trkpt" if fmt == "gpx" else b"<Trackpoint>")
        docs[f"edit:all-year-zero.{fmt}"] = (fmt, _retime(tag, data, list(range(n)), b"0000-01-01T00:00:00Z", skip))
    for text in (b"NaN", b"inf", b"1e400", b"n/a", b" 12.5 ", b""):
        docs[f"edit:ele-{text.decode()}.gpx"] = ("gpx", re.sub(rb"<ele>[^<]*</ele>", b"<ele>" + text + b"</ele>",
                                                               gpx, count=3))
        docs[f"edit:hr-{text.decode()}.gpx"] = ("gpx", re.sub(rb"<gpxtpx:hr>[^<]*</", b"<gpxtpx:hr>" + text + b"</",
                                                              gpx, count=3))
        docs[f"edit:alt-{text.decode()}.tcx"] = ("tcx", re.sub(
            rb"<AltitudeMeters>[^<]*</", b"<AltitudeMeters>" + text + b"</", tcx, count=3))
    docs["edit:lat-missing.gpx"] = ("gpx", gpx.replace(b'<trkpt lat="', b'<trkpt x="', 2))
    docs["edit:lat-empty.gpx"] = ("gpx", re.sub(rb'<trkpt lat="[^"]*"', b'<trkpt lat=""', gpx, count=2))
    docs["edit:fix-sat.gpx"] = ("gpx", gpx.replace(b"</ele>", b"</ele><fix>bogus</fix><sat>many</sat>", 5))
    docs["edit:bounds.gpx"] = ("gpx", gpx.replace(b"<metadata>", b'<metadata><bounds minlat="x" maxlat="1" '
                                                   b'minlon="1" maxlon="1"/>'))
    docs["edit:segments.gpx"] = ("gpx", gpx.replace(b"</trkpt>\n", b"</trkpt>\n</trkseg><trkseg>\n", 3))
    docs["edit:two-tracks.gpx"] = ("gpx", gpx.replace(b"</trk>", b"</trk><trk><type>cycling</type>"
                                                      + gpx[gpx.index(b"<trkseg>"):gpx.index(b"</trk>")] + b"</trk>"))
    docs["edit:route.gpx"] = ("gpx", gpx[:gpx.index(b"<trk>")] + b'<rte><rtept lat="1" lon="2"/></rte></gpx>')
    docs["edit:pretty-time.gpx"] = ("gpx", gpx.replace(b"<time>", b"<time>\n  ").replace(b"</time>", b"\n</time>"))
    return docs


def readers() -> dict[str, object]:
    from runload.io.gpx import read_gpx_bytes
    from runload.io.tcx import read_tcx_bytes

    return {"gpx": read_gpx_bytes, "tcx": read_tcx_bytes}


def main() -> None:
    read = readers()
    pins = {name: fingerprint(read[fmt], data, source=name.split(":", 1)[1])
            for name, (fmt, data) in documents().items()}
    PINS.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n")
    print(f"{len(pins)} documents pinned in {PINS}", file=sys.stderr)


if __name__ == "__main__":
    main()
