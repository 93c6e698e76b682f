"""The C-parser path of :func:`runload.io.xmlsafe.read_xml` (issue 10): the same tree as the defused
parse, and never for a document that could declare or reference an entity; the vectorised text
conversions give what they gave."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from conftest import require_shared_data
from xml_pins import documents

from runload.errors import CorruptFileError
from runload.io import xmlsafe
from runload.io.xmlsafe import _parse, _parse_plain, _strip_leading_space, read_xml, to_float

_DOCS = documents()


def _same_tree(a, b) -> None:
    stack = [(a, b)]
    n = 0
    while stack:
        x, y = stack.pop()
        assert (x.tag, x.attrib, x.text, x.tail) == (y.tag, y.attrib, y.text, y.tail)
        assert len(x) == len(y)
        stack.extend(zip(x, y, strict=True))
        n += 1
    assert n > 1


@pytest.mark.parametrize("name", sorted(_DOCS))
def test_plain_parse_builds_the_defused_tree(name):
    if name.startswith("shared:"):
        require_shared_data()
    data, _ = _strip_leading_space(_DOCS[name][1])
    plain = _parse_plain(data)
    try:
        defused = _parse(data)
    except Exception:  # noqa: BLE001 - broken or unsafe: the plain path must not have accepted it
        assert plain is None
        return
    if plain is not None:
        _same_tree(plain, defused)


def test_plain_parse_reads_the_usual_documents():
    assert _parse_plain(_DOCS["sim:easy:False.gpx"][1]) is not None
    assert _parse_plain(_DOCS["sim:easy:False.tcx"][1]) is not None


def _laughs(encoding: str) -> bytes:
    ents = ['<!ENTITY a0 "lol">'] + [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE gpx [{"".join(ents)}]>\n'
            f'<gpx version="1.1"><trk><name>&a9;</name></trk></gpx>').encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "iso-8859-1"])
def test_entity_declarations_never_reach_the_plain_parser(encoding):
    data = _laughs(encoding)
    assert _parse_plain(data) is None
    t0 = time.process_time()
    with pytest.raises(CorruptFileError, match="unsafe XML|unreadable XML"):  # expat reads no BOM-less UTF-16
        read_xml(data, "bomb.gpx")
    assert time.process_time() - t0 < 2.0


def test_external_entity_in_utf16_refused():
    data = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            '<gpx version="1.1"><trk><name>&x;</name></trk></gpx>').encode("utf-16")
    with pytest.raises(CorruptFileError, match="unsafe XML"):
        read_xml(data, "xxe.gpx")


def test_undefined_entity_without_doctype_is_broken_xml():
    data = b'<?xml version="1.0"?>\n<gpx version="1.1"><trk><name>&x;</name></trk></gpx>'
    with pytest.raises(CorruptFileError, match=r"broken XML at line 2, column \d+: undefined entity"):
        read_xml(data, "x.gpx")


def test_nesting_limit_holds_on_the_plain_path():
    ok = b"<a>" * xmlsafe.MAX_XML_DEPTH + b"</a>" * xmlsafe.MAX_XML_DEPTH
    assert _parse_plain(ok) is not None
    deep = b"<a>" * (xmlsafe.MAX_XML_DEPTH + 1) + b"</a>" * (xmlsafe.MAX_XML_DEPTH + 1)
    assert _parse_plain(deep) is None
    with pytest.raises(CorruptFileError, match="nested more than"):
        read_xml(deep, "deep.gpx")


# what to_float and parse_times gave before they were vectorised (xmlsafe at 88314d5, pandas 3.1)
_TEXTS = ["1", " 2.5 ", "", "  ", None, "nan", "NaN", "inf", "-Infinity", "1e400", "1_000", "abc", "١٢", "0x10",
          "1e-400", "+5", ".5", "5.", "1,5", "-0", "3.141592653589793238462643", float("nan")]
_NUMBERS = [1.0, 2.5, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan,
            np.nan, 0.0, 5.0, 0.5, 5.0, np.nan, -0.0, 3.141592653589793, np.nan]


def test_to_float_is_unchanged():
    numbers, n_invalid = to_float(_TEXTS)
    np.testing.assert_array_equal(numbers, _NUMBERS)
    assert np.signbit(numbers[19])
    assert n_invalid == 10  # nan, NaN, inf, -Infinity, 1e400, 1_000, abc, ١٢, 0x10, 1,5
    assert to_float([None, " "])[1] == 0 and np.isnan(to_float([None, " "])[0]).all()
    assert to_float([])[0].shape == (0,)


def test_parse_times_is_unchanged():
    texts = ["2024-05-01T06:00:00Z", " 2024-05-01T06:00:00.123Z ", None, "", "x", "0000-01-01T00:00:00Z",
             "2024-05-01T08:00:00+02:00", "1677-01-01T00:00:00Z", "2024-13-45T99:00:00Z", "1e308"]
    times, n_invalid = xmlsafe.parse_times(texts)
    expected = pd.DatetimeIndex(["2024-05-01T06:00:00Z", "2024-05-01T06:00:00.123Z", None, None, None, None,
                                 "2024-05-01T06:00:00Z", None, None, None]).tz_convert("UTC")
    assert times.equals(expected) and str(times.dtype) == "datetime64[us, UTC]"
    assert n_invalid == 5
