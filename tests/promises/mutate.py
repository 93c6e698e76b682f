"""Mutation operators for fuzzing the FIT, GPX and TCX readers, seeded from real and simulated files.

Every operator takes ``(data, rng)`` and returns new bytes.  The FIT operators understand the record
structure (FIT protocol 2.0, walked here with ``struct``, not with runload's decoders): they insert and
duplicate definition messages, swap a definition's byte order (with or without its data), write huge sizes,
shuffle and repeat timestamps, and write absurd field values; the file CRC is usually recomputed afterwards
so that the damage reaches the decoder instead of stopping at the CRC check.  The XML operators shuffle and
repeat timestamps, put absurd numbers in as text, nest elements deeply, duplicate elements, add DOCTYPEs
and entity declarations, and play with encodings.  Generic operators flip bytes, truncate, delete and
duplicate chunks, and splice from another seed.

:func:`make_input` derives input ``i`` of a campaign from ``(campaign seed, i)`` alone, so any failing
input can be rebuilt from its number (``python -m promises.fuzzrun --only I --write out.bin``).
"""

from __future__ import annotations

import gzip
import random
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fit_bytes import crc16

from runload.io.fit_crc import fit_crc

__all__ = ["Seed", "FitRecord", "walk_fit", "swap_byte_order", "FIT_MUTATORS", "XML_MUTATORS",
           "GENERIC_MUTATORS", "mutate", "make_input", "fix_fit"]

Mutator = Callable[[bytes, random.Random], bytes]


@dataclass(frozen=True)
class Seed:
    """One unmutated input: a display name whose extension says the format, and its (plain) bytes."""

    name: str
    data: bytes

    @property
    def fmt(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower()


# --- FIT structure --------------------------------------------------------------------------------------

#: FIT base type number (low 5 bits) → element size [bytes] (FIT SDK profile, "Base Types").
BASE_SIZES = {0: 1, 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 1, 8: 4, 9: 8, 10: 1, 11: 2, 12: 4, 13: 1,
              14: 8, 15: 8, 16: 8}
RECORD_MESG = 20
TIMESTAMP_FIELD = 253


@dataclass
class FitRecord:
    """One record of a FIT body: ``kind`` "def" or "data", its byte range in the file, local message type,
    and (for both kinds) the definition that governs it."""

    start: int
    end: int
    kind: str
    local: int
    arch: int = 0
    global_num: int = -1
    fields: tuple = ()  # (field number, size, base type) per field
    dev_size: int = 0
    def_start: int = -1  # start of the definition (for data records)


def walk_fit(data: bytes) -> tuple[int, int, list[FitRecord]]:
    """``(header size, body end, records)`` of the first FIT file in ``data``; stops at the first record it
    cannot follow (the records before it are returned)."""
    if len(data) < 12 or data[0] not in (12, 14) or data[8:12] != b".FIT":
        return 0, 0, []
    hsize = data[0]
    (size,) = struct.unpack_from("<I", data, 4)
    end = min(hsize + size, len(data))
    pos, out, defs = hsize, [], {}
    while pos < end:
        b = data[pos]
        if b & 0x80:  # compressed timestamp header: a data message of local type 0-3
            local = (b >> 5) & 0x3
            kind = "data"
        else:
            local = b & 0x0F
            kind = "def" if b & 0x40 else "data"
        if kind == "def":
            if pos + 6 > end:
                break
            arch = data[pos + 2]
            (gnum,) = struct.unpack_from(">H" if arch == 1 else "<H", data, pos + 3)
            n = data[pos + 5]
            q = pos + 6
            fields = []
            for k in range(n):
                if q + 3 * k + 3 > end:
                    break
                num, fsize, base = data[q + 3 * k:q + 3 * k + 3]
                fields.append((num, fsize, base))
            q += 3 * n
            dev = 0
            if b & 0x20 and q < end:
                nd = data[q]
                dev = sum(data[q + 1 + 3 * k + 1] for k in range(nd) if q + 3 * k + 3 < end)
                q += 1 + 3 * nd
            if q > end:
                break
            rec = FitRecord(pos, q, "def", local, arch, gnum, tuple(fields), dev, pos)
            defs[local] = rec
            out.append(rec)
            pos = q
        else:
            d = defs.get(local)
            if d is None:
                break
            q = pos + 1 + sum(f[1] for f in d.fields) + d.dev_size
            if q > end:
                break
            out.append(FitRecord(pos, q, "data", local, d.arch, d.global_num, d.fields, d.dev_size, d.start))
            pos = q
    return hsize, end, out


def fix_fit(data: bytes, *, size: bool = True, crc: bool = True) -> bytes:
    """Rewrite the header's data size (to what follows the header, less the CRC), the header CRC and the
    file CRC, so a mutated body reaches the decoder."""
    if len(data) < 14 or data[0] not in (12, 14):
        return data
    hsize = data[0]
    buf = bytearray(data)
    if size:
        struct.pack_into("<I", buf, 4, max(len(buf) - hsize - 2, 0))
    (n,) = struct.unpack_from("<I", buf, 4)
    end = hsize + n
    if crc:
        if hsize == 14:
            struct.pack_into("<H", buf, 12, crc16(bytes(buf[:12])))
        if end + 2 <= len(buf):  # runload's numpy CRC for speed; tests/promises checks it against crc16
            struct.pack_into("<H", buf, end, fit_crc(np.frombuffer(bytes(buf), dtype=np.uint8), 0, end))
    return bytes(buf)


def _with_body_change(data: bytes, new: bytes, rng: random.Random) -> bytes:
    """``new`` with its header size and CRCs fixed (most of the time: a wrong CRC is a mutation too)."""
    r = rng.random()
    if r < 0.85:
        return fix_fit(new)
    if r < 0.95:
        return fix_fit(new, crc=False)
    return new


def _swap_fields(payload: bytes, fields: tuple) -> bytes:
    """The data bytes of one message with every multi-byte element reversed (the other byte order)."""
    out = bytearray()
    pos = 0
    for _num, fsize, base in fields:
        chunk = payload[pos:pos + fsize]
        pos += fsize
        el = BASE_SIZES.get(base & 0x1F, 1)
        if el > 1 and fsize % el == 0:
            chunk = b"".join(chunk[k:k + el][::-1] for k in range(0, fsize, el))
        out += chunk
    return bytes(out + payload[pos:])


def swap_byte_order(data: bytes, which: int | None = None) -> bytes:
    """The same FIT file with definition ``which`` (every definition when ``None``) in the other byte
    order, its global message number and its data messages' multi-byte values swapped to match, and the
    CRCs recomputed: a file that says exactly what ``data`` says."""
    hsize, end, recs = walk_fit(data)
    if not recs:
        return data
    defs = [r.start for r in recs if r.kind == "def"]
    chosen = set(defs) if which is None else {defs[which % len(defs)]}
    buf = bytearray(data)
    for r in recs:
        if r.def_start not in chosen:
            continue
        if r.kind == "def":
            buf[r.start + 2] = 1 - buf[r.start + 2] if buf[r.start + 2] in (0, 1) else buf[r.start + 2]
            buf[r.start + 3:r.start + 5] = buf[r.start + 3:r.start + 5][::-1]
        else:
            buf[r.start + 1:r.end] = _swap_fields(bytes(buf[r.start + 1:r.end]), r.fields)
    return fix_fit(bytes(buf), size=False)


def _fit_records(data: bytes, rng: random.Random, kind: str | None = None):
    hsize, end, recs = walk_fit(data)
    if kind is not None:
        recs = [r for r in recs if r.kind == kind]
    return hsize, end, recs


def fit_duplicate_definition(data: bytes, rng: random.Random) -> bytes:
    _, _, recs = _fit_records(data, rng)
    defs = [r for r in recs if r.kind == "def"]
    if not defs:
        return data
    d = rng.choice(defs)
    at = rng.choice(recs).start if rng.random() < 0.5 else d.end
    copies = data[d.start:d.end] * rng.choice([1, 1, 2, 50])
    return _with_body_change(data, data[:at] + copies + data[at:], rng)


def fit_insert_definition(data: bytes, rng: random.Random) -> bytes:
    _, _, recs = _fit_records(data, rng)
    if not recs:
        return data
    local = rng.randrange(16)
    n = rng.choice([0, 1, 3, 8, 255])
    fields = b"".join(bytes([rng.choice([253, 0, 1, 2, 3, 4, 5, 6, 7, rng.randrange(256)]),
                             rng.choice([0, 1, 2, 4, 8, 255, rng.randrange(256)]),
                             rng.choice([0x00, 0x02, 0x84, 0x86, 0x85, 0x07, 0x88, 0x89, rng.randrange(256)])])
                      for _ in range(n))
    arch = rng.choice([0, 1, 2])
    gnum = rng.choice([0, 18, 19, 20, 21, 23, 34, 49, 207, rng.randrange(65536)])
    definition = bytes([0x40 | local, 0, arch]) + struct.pack(">H" if arch == 1 else "<H", gnum) + bytes([n]) + fields
    at = rng.choice(recs).start
    return _with_body_change(data, data[:at] + definition + data[at:], rng)


def fit_swap_byte_order(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return swap_byte_order(data, None if rng.random() < 0.3 else rng.randrange(1 << 16))
    _, _, defs = _fit_records(data, rng, "def")  # the architecture byte alone: the data reads backwards
    if not defs:
        return data
    d = rng.choice(defs)
    buf = bytearray(data)
    buf[d.start + 2] = rng.choice([0, 1, 2, 0xFF])
    return _with_body_change(data, bytes(buf), rng)


def fit_huge_sizes(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    choice = rng.randrange(4)
    if choice == 0 and len(buf) >= 12:  # the header's data size
        struct.pack_into("<I", buf, 4, rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 1 << 30, 0, 1, len(buf) * 1000]))
        return bytes(buf)
    _, _, defs = _fit_records(data, rng, "def")
    if not defs:
        return bytes(buf)
    d = rng.choice(defs)
    if choice == 1 and d.fields:  # a field size
        k = rng.randrange(len(d.fields))
        buf[d.start + 6 + 3 * k + 1] = rng.choice([255, 254, 0, 128])
    elif choice == 2:  # the number of fields
        buf[d.start + 5] = rng.choice([255, 0, len(d.fields) + 1])
    else:  # a huge data message: a string of 255 bytes appended to the definition (and to nothing else)
        n = buf[d.start + 5]
        if n < 255:
            buf[d.start + 5] = n + 1
            buf[d.start + 6 + 3 * n:d.start + 6 + 3 * n] = bytes([rng.randrange(256), 255, 0x07])
    return _with_body_change(data, bytes(buf), rng)


def _timestamp_slots(recs: list[FitRecord], data: bytes) -> list[tuple[int, str]]:
    """Byte offsets and struct codes of the timestamp field of every record message."""
    out = []
    for r in recs:
        if r.kind != "data" or r.global_num != RECORD_MESG:
            continue
        pos = r.start + 1
        for num, fsize, _base in r.fields:
            if num == TIMESTAMP_FIELD and fsize == 4:
                out.append((pos, ">I" if r.arch == 1 else "<I"))
            pos += fsize
    return out


def _disorder(values: list, rng: random.Random, *others) -> None:
    """Disorder a random window of ``values`` in place: shuffled, repeated, reversed, or one of ``others``
    (window → new window).  The draws are in a fixed order, so an input index always rebuilds the same input."""
    a = rng.randrange(len(values))
    b = min(len(values), a + rng.choice([2, 5, 30, len(values)]))
    how = rng.randrange(3 + len(others))
    window = values[a:b]
    if how == 0:
        rng.shuffle(window)
    elif how == 1:
        window = [window[0]] * len(window)
    elif how == 2:
        window = window[::-1]
    else:
        window = others[how - 3](window)
    values[a:b] = window


def fit_timestamps(data: bytes, rng: random.Random) -> bytes:
    _, _, recs = _fit_records(data, rng)
    slots = _timestamp_slots(recs, data)
    if len(slots) < 2:
        return data
    buf = bytearray(data)
    values = [struct.unpack_from(code, buf, pos)[0] for pos, code in slots]

    def absurd(window):
        return [rng.choice([0, 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFFFE, 1]) for _ in window]

    def jumped(window):
        jump = rng.choice([-10**6, -3600, 3600, 10**8])
        return [max(0, min(0xFFFFFFFF, v + jump)) for v in window]

    _disorder(values, rng, absurd, jumped)
    for (pos, code), v in zip(slots, values, strict=True):
        struct.pack_into(code, buf, pos, v)
    return _with_body_change(data, bytes(buf), rng)


def fit_absurd_values(data: bytes, rng: random.Random) -> bytes:
    _, _, recs = _fit_records(data, rng, "data")
    recs = [r for r in recs if r.fields]
    if not recs:
        return data
    buf = bytearray(data)
    for r in rng.sample(recs, min(len(recs), rng.choice([1, 5, 100]))):
        k = rng.randrange(len(r.fields))
        pos = r.start + 1 + sum(f[1] for f in r.fields[:k])
        fsize = r.fields[k][1]
        fill = rng.choice([b"\xff", b"\x00", b"\x7f", b"\x80"])
        buf[pos:pos + fsize] = (fill * fsize)[:fsize] if rng.random() < 0.7 else bytes(
            rng.randrange(256) for _ in range(fsize))
    return _with_body_change(data, bytes(buf), rng)


def fit_records_shuffle(data: bytes, rng: random.Random) -> bytes:
    """Delete, duplicate or repeat runs of records (a repeated stretch repeats its timestamps)."""
    _, _, recs = _fit_records(data, rng)
    if len(recs) < 2:
        return data
    a = rng.randrange(len(recs))
    b = min(len(recs), a + rng.choice([1, 3, 20, 500]))
    lo, hi = recs[a].start, recs[b - 1].end
    how = rng.randrange(3)
    if how == 0:
        new = data[:lo] + data[hi:]
    elif how == 1:
        new = data[:hi] + data[lo:hi] * rng.choice([1, 2, 10]) + data[hi:]
    else:  # a run of data messages behind a compressed-timestamp header
        buf = bytearray(data)
        for r in recs[a:b]:
            if r.kind == "data" and r.local < 4:
                buf[r.start] = 0x80 | (r.local << 5) | rng.randrange(32)
        new = bytes(buf)
    return _with_body_change(data, new, rng)


FIT_MUTATORS: dict[str, Mutator] = {
    "fit_duplicate_definition": fit_duplicate_definition,
    "fit_insert_definition": fit_insert_definition,
    "fit_swap_byte_order": fit_swap_byte_order,
    "fit_huge_sizes": fit_huge_sizes,
    "fit_timestamps": fit_timestamps,
    "fit_absurd_values": fit_absurd_values,
    "fit_records_shuffle": fit_records_shuffle,
}

# --- XML ------------------------------------------------------------------------------------------------

_TIME = re.compile(rb"(<(?:[\w.-]+:)?(?:time|Time|Id)>)([^<]{0,64})(</)")
_NUMBER_TEXT = re.compile(rb">(\s*-?\d+(?:\.\d+)?\s*)<")
_NUMBER_ATTR = re.compile(rb"""((?:lat|lon)\s*=\s*["'])([^"']{0,40})(["'])""")
_ELEMENT = re.compile(rb"<(trkpt|Trackpoint|trkseg|Lap|Track|trk|Activity|extensions|Extensions)[\s>]")
ABSURD_NUMBERS = [b"1e308", b"-1e308", b"1e309", b"NaN", b"nan", b"inf", b"-inf", b"-0", b"0", b"-1",
                  b"99999999999999999999999999", b"0x10", b"1,5", b"", b" ", b"1.2.3", b"+-1", b"\xe2\x88\x9e",
                  b"9" * 5000, b"0." + b"0" * 5000 + b"1", b"1e-400", b"4294967296", b"-2147483649"]
ABSURD_TIMES = [b"0000-01-01T00:00:00Z", b"9999-12-31T23:59:59Z", b"2020-13-45T99:99:99Z", b"1e308", b"",
                b"1969-12-31T23:59:59Z", b"2262-04-12T00:00:00Z", b"1677-09-21T00:12:43Z", b"NaN",
                b"2024-05-06T06:30:00+99:00", b"2024-05-06T06:30:00.99999999999999999Z", b"2024-05-06",
                b"T", b"2024-05-06T06:30:00Z" * 100]


def _sub_some(pattern: re.Pattern, data: bytes, rng: random.Random, replace) -> bytes:
    matches = list(pattern.finditer(data))
    if not matches:
        return data
    k = rng.choice([1, 3, 50, len(matches)])
    chosen = sorted(rng.sample(range(len(matches)), min(k, len(matches))))
    out, last = [], 0
    for i in chosen:
        m = matches[i]
        out += [data[last:m.start()], replace(m)]
        last = m.end()
    out.append(data[last:])
    return b"".join(out)


def xml_timestamps(data: bytes, rng: random.Random) -> bytes:
    matches = list(_TIME.finditer(data))
    if len(matches) < 2:
        return data
    values = [m.group(2) for m in matches]
    _disorder(values, rng, lambda window: [rng.choice(ABSURD_TIMES) for _ in window])
    out, last = [], 0
    for m, v in zip(matches, values, strict=True):
        out += [data[last:m.start(2)], v]
        last = m.end(2)
    out.append(data[last:])
    return b"".join(out)


def xml_absurd_numbers(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return _sub_some(_NUMBER_TEXT, data, rng, lambda m: b">" + rng.choice(ABSURD_NUMBERS) + b"<")
    return _sub_some(_NUMBER_ATTR, data, rng, lambda m: m.group(1) + rng.choice(ABSURD_NUMBERS) + m.group(3))


def _element_spans(data: bytes, rng: random.Random) -> list[tuple[int, int]]:
    """Byte ranges of some complete elements (track points, segments, laps …) found by their tags: at
    most 64 start tags, picked at random (looking for the end of each of 100,000 nested ones is
    quadratic)."""
    spans = []
    found = list(_ELEMENT.finditer(data))
    for m in sorted(rng.sample(found, min(64, len(found))), key=lambda m: m.start()):
        name = m.group(1)
        close = data.find(b"</" + name + b">", m.end())
        if close >= 0:
            spans.append((m.start(), close + len(name) + 3))
    return spans


def xml_deep_nesting(data: bytes, rng: random.Random) -> bytes:
    spans = _element_spans(data, rng)
    at = rng.choice(spans)[0] if spans else data.find(b">", data.find(b"<", 2)) + 1
    n = rng.choice([50, 99, 101, 1000, 100_000])
    tag = rng.choice([b"a", b"extensions", b"trkpt", b"Trackpoint", b"x:y"])
    return data[:at] + (b"<" + tag + b">") * n + (b"</" + tag + b">") * n + data[at:]


def xml_duplicate_elements(data: bytes, rng: random.Random) -> bytes:
    spans = _element_spans(data, rng)
    if not spans:
        return data
    lo, hi = rng.choice(spans)
    how = rng.randrange(3)
    if how == 0:  # repeated (at most ~4 MB more: repeated timestamps, not a size test)
        k = min(rng.choice([1, 2, 100, 5000]), max(1, 4_000_000 // max(hi - lo, 1)))
        return data[:hi] + data[lo:hi] * k + data[hi:]
    if how == 1:
        return data[:lo] + data[hi:]
    lo2, hi2 = rng.choice(spans)  # an element moved elsewhere (a lap inside a point, …)
    piece = data[lo:hi]
    rest = data[:lo] + data[hi:]
    at = min(lo2, len(rest))
    return rest[:at] + piece + rest[at:]


_PROLOG = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*\?>)?")


def xml_doctype_and_encoding(data: bytes, rng: random.Random) -> bytes:
    m = _PROLOG.match(data)
    head, body = data[:m.end()], data[m.end():]
    how = rng.randrange(7)
    if how == 0:  # a harmless DOCTYPE: the defused parser path
        return head + b"<!DOCTYPE gpx>" + body
    if how == 1:
        return head + b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + body.replace(
            b"<name>", b"<name>&b;", 1)
    if how == 2:
        return head + b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body.replace(b"<name>", b"<name>&e;", 1)
    if how == 3:
        enc = rng.choice([b"UTF-16", b"x-unknown", b"latin-1", b"ascii", b"utf-32", b"cp500"])
        return b'<?xml version="1.0" encoding="' + enc + b'"?>' + body
    if how == 4:
        return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"   \n"]) + data
    if how == 5:  # the whole document re-encoded
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        return text.encode(rng.choice(["utf-16", "utf-16-be", "utf-32"]))
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice([b"\x00", b"\xff\xfe", b"\xc3", b"&#0;", b"&#x110000;", b"&amp", b"]]>",
                                   b"<![CDATA[", b"<!--", b"&lt;trkpt&gt;"]) + data[at:]


def xml_huge(data: bytes, rng: random.Random) -> bytes:
    spans = _element_spans(data, rng)
    at = rng.choice(spans)[0] if spans else len(data) // 2
    size = rng.choice([10_000, 100_000, 1_000_000, 4_000_000])
    how = rng.randrange(3)
    if how == 0:
        piece = b"<name>" + b"A" * size + b"</name>"
    elif how == 1:
        piece = b'<a b="' + b"x" * size + b'"/>'
    else:
        piece = b"<a " + b" ".join(b"a%d='1'" % k for k in range(size // 10)) + b"/>"
    return data[:at] + piece + data[at:]


XML_MUTATORS: dict[str, Mutator] = {
    "xml_timestamps": xml_timestamps,
    "xml_absurd_numbers": xml_absurd_numbers,
    "xml_deep_nesting": xml_deep_nesting,
    "xml_duplicate_elements": xml_duplicate_elements,
    "xml_doctype_and_encoding": xml_doctype_and_encoding,
    "xml_huge": xml_huge,
}

# --- any bytes ------------------------------------------------------------------------------------------


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    for _ in range(rng.choice([1, 2, 8, 64])):
        i = rng.randrange(len(buf))
        buf[i] = rng.choice([buf[i] ^ (1 << rng.randrange(8)), 0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    return bytes(buf)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)] if data else data


def delete_chunk(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    a = rng.randrange(len(data))
    return data[:a] + data[a + rng.choice([1, 4, 64, 4096]):]


def duplicate_chunk(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.choice([1, 4, 64, 4096]))
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[a:b] * rng.choice([1, 2, 16]) + data[at:]


def insert_random(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.choice([1, 4, 64]))) + data[at:]


GENERIC_MUTATORS: dict[str, Mutator] = {
    "flip_bytes": flip_bytes,
    "truncate": truncate,
    "delete_chunk": delete_chunk,
    "duplicate_chunk": duplicate_chunk,
    "insert_random": insert_random,
}


def mutate(seed: Seed, rng: random.Random, others: list[Seed] = ()) -> tuple[bytes, list[str]]:
    """Apply one to three operators suited to the seed's format; ``(bytes, operator names)``."""
    special = FIT_MUTATORS if seed.fmt == "fit" else XML_MUTATORS
    data, names = seed.data, []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if others and rng.random() < 0.03:
            other = rng.choice(others).data
            a = rng.randrange(len(data) + 1)
            data, name = data[:a] + other[rng.randrange(len(other) + 1):], "splice"
        elif rng.random() < 0.7:
            name = rng.choice(sorted(special))
            data = special[name](data, rng)
        else:
            name = rng.choice(sorted(GENERIC_MUTATORS))
            data = GENERIC_MUTATORS[name](data, rng)
        names.append(name)
    if rng.random() < 0.05:  # through the gzip path too
        data, names = gzip.compress(data, compresslevel=1), [*names, "gzip"]
    return data, names


def make_input(seeds: list[Seed], campaign: int, i: int) -> tuple[Seed, bytes, list[str]]:
    """Input ``i`` of campaign ``campaign``: the seed it came from, its bytes and the operators applied."""
    rng = random.Random(f"{campaign}:{i}")
    seed = seeds[rng.randrange(len(seeds))]
    data, names = mutate(seed, rng, seeds)
    return seed, data, names


def write_input(path: Path, data: bytes) -> None:
    """Write a failing input out for a bug report (never into the project)."""
    Path(path).write_bytes(data)
