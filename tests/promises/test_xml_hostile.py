"""Hostile XML (issue 12): entity expansion, external entities and DTDs, deep nesting and oversized
documents are refused or read safely, in bounded time and memory, on both parser paths (the C parser for
documents without a DOCTYPE, defusedxml for the others: runload/io/xmlsafe.py).

Every case runs in a forked child (:func:`promises.fuzzrun.in_child`) with a wall-time bound, an
address-space limit, and tracemalloc measuring the peak of what Python allocates (expat's buffers and
numpy's arrays included).
"""

from __future__ import annotations

import gzip
import warnings

import pytest
from promises.fuzzrun import in_child

from runload.errors import CorruptFileError, RunloadError
from runload.io.dispatch import read_bytes_runs
from runload.simulate import simulate_run
from runload.simulate_write import gpx_bytes, tcx_bytes

MiB = 1024 * 1024

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{k} "{("&lol%s;" % (k - 1 if k > 1 else "")) * 10}">' for k in range(1, 10))
          + "]>").replace("&lol;", "&lol;")
QUADRATIC = '<!DOCTYPE q [<!ENTITY a "' + "a" * 100_000 + '">]>'
PREAMBLES = {
    "billion_laughs": (LAUGHS, "&lol9;"),
    "quadratic_blowup": (QUADRATIC, "&a;" * 20_000),
    "external_entity": ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
    "external_dtd": ('<!DOCTYPE gpx SYSTEM "http://192.0.2.1/evil.dtd">', ""),
    "parameter_entity": ('<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', ""),
    "recursive_entity": ('<!DOCTYPE x [<!ENTITY a "&b;"><!ENTITY b "&a;">]>', "&a;"),
    "public_entity": ('<!DOCTYPE x [<!ENTITY e PUBLIC "-//x//y" "http://192.0.2.1/e">]>', "&e;"),
}


def _run_doc(fmt: str, seconds: int = 60) -> bytes:
    sim = simulate_run("easy", seed=2, duration_s=seconds)
    return gpx_bytes(sim) if fmt == "gpx" else tcx_bytes(sim)


def _hostile(fmt: str, preamble: str, reference: str) -> bytes:
    data = _run_doc(fmt)
    decl, rest = data.split(b"?>", 1)
    name_tag = b"<name>" if fmt == "gpx" else b"<Notes>"
    if fmt == "tcx":  # TCX: put the reference where a run's text goes
        rest = rest.replace(b"<Lap ", b"<Notes></Notes><Lap ", 1)
    rest = rest.replace(name_tag, name_tag + reference.encode(), 1)
    return decl + b"?>" + preamble.encode() + rest


def _read(data: bytes, name: str):
    def go():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                runs = read_bytes_runs(data, source_name=name)
            except RunloadError as e:
                return ("refused", type(e).__name__, str(e))
            return ("read", len(runs), [r.meta.name for r in runs])
    return go


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
@pytest.mark.parametrize("attack", PREAMBLES)
def test_entities_and_dtds_are_refused_in_bounded_time_and_memory(attack, fmt):
    data = _hostile(fmt, *PREAMBLES[attack])
    res = in_child(_read(data, f"x.{fmt}"), seconds=30, memory_bytes=512 * MiB)
    assert not res.timed_out and res.error is None, res
    kind, *rest = res.value
    assert res.peak_bytes < 64 * MiB, f"{res.peak_bytes / MiB:.0f} MiB for a {len(data) / 1024:.0f} kB document"
    assert res.seconds < 10
    if attack == "external_dtd":  # a DOCTYPE naming a DTD elsewhere: never fetched, the document reads
        assert kind == "read" or rest[0] == "CorruptFileError", res.value
        return
    assert kind == "refused" and rest[0] == "CorruptFileError" and "unsafe XML refused" in rest[1], res.value
    assert "root:" not in rest[1]  # nothing of /etc/passwd in the message


@pytest.mark.parametrize("doctype", [False, True])
@pytest.mark.parametrize("depth", [101, 50_000, 400_000])
def test_deep_nesting_is_refused_on_both_parser_paths(depth, doctype):
    data = _run_doc("gpx")
    at = data.index(b"<trkpt")
    deep = b"<extensions>" * depth + b"</extensions>" * depth
    data = data[:at] + deep + data[at:]
    if doctype:  # the defusedxml path
        data = data.replace(b"?>", b"?><!DOCTYPE gpx>", 1)
    res = in_child(_read(data, "deep.gpx"), seconds=60, memory_bytes=1024 * MiB)
    assert not res.timed_out and res.error is None, res
    assert res.value[0] == "refused" and "nested more than 100 deep" in res.value[2], res.value
    # the C parser builds the tree before the depth check: bounded by the document (~100 bytes an element)
    assert res.peak_bytes < 64 * MiB + 300 * depth, f"{res.peak_bytes / MiB:.0f} MiB at depth {depth}"


def _oversized(what: str, size: int) -> bytes:
    blob = {"text": b"<desc>" + b"A" * size + b"</desc>", "attribute": b'<desc x="' + b"x" * size + b'"/>',
            "attributes": b"<desc " + b" ".join(b"a%d='1'" % k for k in range(size // 12)) + b"/>",
            "comment": b"<!--" + b"c" * size + b"-->"}[what]
    data = _run_doc("gpx")
    at = data.index(b"<trk>")
    return data[:at] + blob + data[at:]


@pytest.mark.parametrize("what", ["text", "attribute", "comment"])
def test_an_oversized_node_is_read_in_bounded_time_and_memory(what):
    data = _oversized(what, 16 * MiB)
    res = in_child(_read(data, "big.gpx"), seconds=120, memory_bytes=2048 * MiB)
    assert not res.timed_out and res.error is None, res
    assert res.value[0] in ("read", "refused"), res.value
    assert res.peak_bytes < 12 * len(data), f"{res.peak_bytes / MiB:.0f} MiB for {len(data) / MiB:.0f} MiB"


def test_an_element_with_a_million_attributes_is_read_in_bounded_memory():
    data = _oversized("attributes", 4 * MiB)
    res = in_child(_read(data, "attrs.gpx"), seconds=120, memory_bytes=2048 * MiB)
    assert not res.timed_out and res.error is None, res
    assert res.peak_bytes < 12 * len(data), f"{res.peak_bytes / MiB:.0f} MiB for {len(data) / MiB:.0f} MiB"


def test_a_long_document_reads_in_linear_time():
    # 20× the points, at most ~40× the time (a quadratic step would be ~400×), memory in proportion
    small, large = _run_doc("tcx", 300), _run_doc("tcx", 6000)
    a = in_child(_read(small, "s.tcx"), seconds=120)
    b = in_child(_read(large, "l.tcx"), seconds=300)
    assert a.value[0] == b.value[0] == "read", (a, b)
    assert b.seconds < 40 * max(a.seconds, 0.05), (a.seconds, b.seconds)
    assert b.peak_bytes < 40 * len(large), f"{b.peak_bytes / MiB:.0f} MiB for {len(large) / MiB:.1f} MiB"


def test_a_document_past_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    from runload.io.archive import ArchiveLimits, load_bytes

    big = tmp_path / "huge.gpx"
    with open(big, "wb") as f:  # sparse: 600 MiB on disk costs nothing
        f.write(b"<gpx>")
        f.truncate(600 * MiB)
    res = in_child(lambda: _refusal(lambda: load_bytes(big)), seconds=30, memory_bytes=256 * MiB)
    assert res.value and "larger than the 512 MiB limit" in res.value, res
    assert res.peak_bytes < 4 * MiB
    gz = tmp_path / "huge.gpx.gz"  # and one that only grows past a (small) limit when decompressed
    gz.write_bytes(gzip.compress(b"<gpx>" + b"<trk></trk>" * (3 * MiB)))
    with pytest.raises(RunloadError, match="more than 8 MiB"):
        load_bytes(gz, ArchiveLimits(max_file_bytes=8 * MiB, max_ratio=1e9))


def _refusal(fn) -> str | None:
    try:
        fn()
    except RunloadError as e:
        return str(e)
    return None


def test_the_refusals_are_corrupt_file_errors_with_one_reason():
    data = _hostile("gpx", *PREAMBLES["billion_laughs"])
    with pytest.raises(CorruptFileError, match=r"unsafe XML refused \(EntitiesForbidden") as info:
        read_bytes_runs(data, source_name="lol.gpx")
    assert str(info.value).count("\n") == 0
