"""A small FIT encoder for tests, written with ``struct`` from the FIT protocol (not from runload).

fit-tool writes little-endian definitions with normal headers only; the columnar decoder must also read
what watches write and fit-tool does not: big-endian definitions, compressed-timestamp headers, developer
fields, identical re-definitions, chained files.  :class:`FitWriter` writes those byte by byte (FIT
protocol 2.0: 14-byte header with its CRC, definition and data messages, CRC-16 of the file at the end).
Import it as ``from fit_bytes import FitWriter`` (``tests/`` is on the path).
"""

from __future__ import annotations

import struct

__all__ = ["FitWriter", "crc16", "BASE"]

#: FIT base types used here: name → (base type number, struct code).
BASE = {
    "enum": (0x00, "B"), "sint8": (0x01, "b"), "uint8": (0x02, "B"), "sint16": (0x83, "h"),
    "uint16": (0x84, "H"), "sint32": (0x85, "i"), "uint32": (0x86, "I"), "string": (0x07, "s"),
    "float32": (0x88, "f"), "uint8z": (0x0A, "B"), "uint16z": (0x8B, "H"), "uint32z": (0x8C, "I"),
    "byte": (0x0D, "B"),
}
_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)


def crc16(data: bytes, crc: int = 0) -> int:
    """The FIT SDK's CRC-16, nibble by nibble as the SDK's reference code computes it."""
    for byte in data:
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _CRC_TABLE[byte & 0xF]
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _CRC_TABLE[(byte >> 4) & 0xF]
    return crc


class FitWriter:
    """Build one FIT file message by message; :meth:`bytes` closes it (header, body, CRC).

    Fields are ``(field number, base type name, count)`` (count: array length, or string length);
    values are given in the same order, ``None`` writing the base type's invalid value.
    """

    _INVALID = {"enum": 0xFF, "sint8": 0x7F, "uint8": 0xFF, "sint16": 0x7FFF, "uint16": 0xFFFF,
                "sint32": 0x7FFFFFFF, "uint32": 0xFFFFFFFF, "uint8z": 0, "uint16z": 0, "uint32z": 0,
                "byte": 0xFF}

    def __init__(self):
        self.body = bytearray()
        self.layouts: dict[int, tuple] = {}

    def define(self, local: int, global_num: int, fields: list[tuple], *, big_endian: bool = False,
               dev_fields: list[tuple] = ()) -> None:
        """A definition message.  ``dev_fields``: ``(field number, size, developer data index, base)``."""
        endian = ">" if big_endian else "<"
        header = 0x40 | local | (0x20 if dev_fields else 0)
        out = struct.pack(endian + "BBBHB", header, 0, 1 if big_endian else 0, global_num, len(fields))
        for num, base, count in fields:
            size = struct.calcsize("<" + BASE[base][1]) * count
            out += struct.pack("BBB", num, size, BASE[base][0])
        if dev_fields:
            out += struct.pack("B", len(dev_fields))
            for num, size, index, _base in dev_fields:
                out += struct.pack("BBB", num, size, index)
        self.body += out
        layout = [(base, count) for _, base, count in fields]
        layout += [(base, size // struct.calcsize("<" + BASE[base][1])) for _, size, _, base in dev_fields]
        self.layouts[local] = (endian, layout)

    def data(self, local: int, values: list, *, time_offset: int | None = None) -> None:
        """A data message; ``time_offset`` (0–31) writes a compressed-timestamp header (local 0–3)."""
        endian, layout = self.layouts[local]
        if time_offset is None:
            out = struct.pack("B", local)
        else:
            out = struct.pack("B", 0x80 | (local << 5) | (time_offset & 0x1F))
        for (base, count), value in zip(layout, values, strict=True):
            code = BASE[base][1]
            if base == "string":
                raw = (value or "").encode()[:count]
                out += raw + b"\0" * (count - len(raw))
                continue
            items = value if isinstance(value, (list, tuple)) else [value] * count if count > 1 else [value]
            for item in items:
                if item is None:
                    out += struct.pack(endian + code, self._INVALID[base]) if base != "float32" else \
                        struct.pack(endian + "I", 0xFFFFFFFF)
                else:
                    out += struct.pack(endian + code, item)
        self.body += out

    def bytes(self) -> bytes:
        head = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        head += struct.pack("<H", crc16(head))
        whole = head + bytes(self.body)
        return whole + struct.pack("<H", crc16(whole))
