"""Format sniffing from bytes; the extension only breaks ties."""

from __future__ import annotations

import pytest
from conftest import CATALOG, entry_path, shared_params

from runload.errors import UnsupportedFormatError
from runload.io.sniff import sniff_format

FIT_HEADER_14 = bytes([14, 0x10, 0x52, 0x08]) + (100).to_bytes(4, "little") + b".FIT" + b"\x00\x00"
FIT_HEADER_12 = bytes([12, 0x10, 0x52, 0x08]) + (100).to_bytes(4, "little") + b".FIT"
GPX = b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk/></gpx>'
TCX = (b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
       b"<Activities/></TrainingCenterDatabase>")


@pytest.mark.parametrize("data", [FIT_HEADER_14 + b"\x00" * 100, FIT_HEADER_12 + b"\x00" * 100])
def test_fit_header(data):
    assert sniff_format(data) == "fit"
    assert sniff_format(data, "misnamed.gpx") == "fit"  # bytes win over the extension


@pytest.mark.parametrize("prolog", [
    b"",
    b"\xef\xbb\xbf",  # UTF-8 byte order mark
    b'<?xml version="1.0" encoding="UTF-8"?>\n',
    b'\xef\xbb\xbf<?xml version="1.0"?>\r\n  <!-- exported by X -->\n<?xml-stylesheet href="a.xsl"?>\n',
    b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "b">]>',
    b'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "gpx.dtd">\n\n\t ',
])
def test_xml_prolog_tolerated(prolog):
    assert sniff_format(prolog + GPX, "a.tcx") == "gpx"
    assert sniff_format(prolog + TCX, "b.gpx") == "tcx"


def test_prefixed_root_and_utf16():
    prefixed = b'<t:TrainingCenterDatabase xmlns:t="x"></t:TrainingCenterDatabase>'
    assert sniff_format(prefixed) == "tcx"
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + GPX.decode()).encode("utf-16")
    assert sniff_format(utf16) == "gpx"


def test_empty_file():
    with pytest.raises(UnsupportedFormatError, match="empty"):
        sniff_format(b"", "run.fit")


def test_other_xml_names_its_root():
    with pytest.raises(UnsupportedFormatError, match="<kml>") as info:
        sniff_format(b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>', "route.kml")
    assert info.value.path == "route.kml"


def test_random_bytes_and_text():
    with pytest.raises(UnsupportedFormatError, match=r"not a FIT, GPX or TCX file \(a PNG image\)"):
        sniff_format(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "photo.fit.png")
    with pytest.raises(UnsupportedFormatError, match=r"not a FIT, GPX or TCX file \(binary data\)"):
        sniff_format(b"\x00\x01\xfe\xff" * 10, "blob.bin")
    # The message says what kind of file it is, never what it holds (it may be private).
    with pytest.raises(UnsupportedFormatError, match=r"not a FIT, GPX or TCX file \(text\)") as info:
        sniff_format(b"date,distance\n2024-01-01,5000\n", "log.csv")
    assert "date" not in str(info.value)


def test_archives_are_not_run_files():
    with pytest.raises(UnsupportedFormatError, match="zip archive"):
        sniff_format(b"PK\x03\x04" + b"\x00" * 40, "export.zip")
    with pytest.raises(UnsupportedFormatError, match="gzip"):
        sniff_format(b"\x1f\x8b\x08\x00" + b"\x00" * 20, "x.fit.gz")


def test_extension_breaks_ties_for_damaged_files():
    truncated = b'<?xml version="1.0"?>\n<!-- a comment that never ends'
    assert sniff_format(truncated, "run.gpx") == "gpx"  # the GPX reader then names the broken line
    assert sniff_format(truncated, "export.zip!activities/run.TCX.gz") == "tcx"
    with pytest.raises(UnsupportedFormatError, match="XML without a recognisable root"):
        sniff_format(truncated, "run.xml")
    lost_root = b"<?xml version='1.0'?>\n<Activities><Activity/></Activities>"
    assert sniff_format(lost_root, "a.tcx") == "tcx"
    bad_fit = bytes([14]) + b"\x00" * 30
    assert sniff_format(bad_fit, "a.fit") == "fit"  # damaged header: the FIT reader reports it
    with pytest.raises(UnsupportedFormatError):
        sniff_format(bad_fit, "a.bin")


@pytest.mark.parametrize("entry", shared_params(CATALOG["files"] if CATALOG else []))
def test_catalogue_formats(entry):
    path = entry_path(entry)
    assert sniff_format(path.read_bytes(), path) == entry["format"]
