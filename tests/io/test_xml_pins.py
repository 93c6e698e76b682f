"""The GPX and TCX readers give what they gave before the speed work (issue 10), document for document.

``xml_pins.json`` was written by ``xml_pins.py`` with the readers of commit 88314d5 (gpxpy for GPX); every
parser of today must reproduce it: the streaming GPX reader, gpxpy (still selectable) and the TCX reader.
"""

from __future__ import annotations

import json

import pytest
from conftest import require_shared_data
from xml_pins import PINS, documents, fingerprint

from runload.io.gpx import GPX_PARSERS, read_gpx_bytes
from runload.io.tcx import read_tcx_bytes

_DOCS = documents()
_PINS = json.loads(PINS.read_text())


def _cases():
    for name, (fmt, _) in _DOCS.items():
        for parser in (GPX_PARSERS if fmt == "gpx" else (None,)):
            yield pytest.param(name, parser, id=f"{name}-{parser}" if parser else name)


@pytest.mark.parametrize(("name", "parser"), list(_cases()))
def test_reader_output_is_pinned(name, parser):
    if name.startswith("shared:"):
        require_shared_data()
    fmt, data = _DOCS[name]
    source = name.split(":", 1)[1]
    got = (fingerprint(read_gpx_bytes, data, source=source, parser=parser) if fmt == "gpx"
           else fingerprint(read_tcx_bytes, data, source=source))
    assert _comparable(got, _PINS[name]) == _PINS[name]


def _comparable(got: list, pinned: list) -> list:
    """``got`` with only the meta fields the pin has (a field added to RunMeta later is not a change)."""
    out = []
    for g, p in zip(got, pinned, strict=False):
        if "meta" in g and "meta" in p:
            g = {**g, "meta": {k: v for k, v in g["meta"].items() if k in p["meta"]}}
        out.append(g)
    return out + got[len(pinned):]


def test_every_document_is_pinned():
    assert set(_DOCS) == set(_PINS)
