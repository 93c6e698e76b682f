"""The FIT CRC-16, computed with numpy over the whole file instead of byte by byte in Python.

The FIT SDK's CRC (FIT protocol, "CRC") is CRC-16/ARC: reflected polynomial 0xA001, initial value 0, no
final xor; fitdecode and fitparse compute it with a nibble table, one Python step per byte (≈ 0.4 s for a
1-MB file).  Here the bytes are split into ``k`` equal chunks (zero bytes in front of the first: with an
initial value of 0 they do not change the CRC) and the CRCs of all chunks are computed side by side, two
bytes per numpy step through a 65,536-entry table (a 16-bit register absorbs exactly two bytes:
``crc ← T16[crc ^ (b0 | b1 << 8)]``).  The chunk CRCs are then combined in order: the CRC is linear over
GF(2), so the CRC of ``A + B`` is the CRC of ``A`` shifted through ``len(B)`` zero bytes (a linear map of
16 bits, tabulated per byte of the register) xor the CRC of ``B``.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["fit_crc"]

#: CRC-16/ARC reflected polynomial (FIT SDK).
_POLY = 0xA001


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """(T8, T16): the byte table and the two-byte table of CRC-16/ARC."""
    x = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        x = np.where(x & 1, (x >> 1) ^ _POLY, x >> 1)
    t8 = x.astype(np.uint32)
    c = np.arange(65536, dtype=np.uint32)
    for _ in range(2):  # feed two zero bytes: the register's 16 bits are the two input bytes
        c = (c >> 8) ^ t8[c & 0xFF]
    return t8, c.astype(np.uint32)


@functools.cache
def _shift_tables(nbytes: int) -> tuple[list[int], list[int]]:
    """The linear map "feed ``nbytes`` zero bytes" as two 256-entry tables (low and high register byte)."""
    _, t16 = _tables()
    x = np.concatenate([np.arange(256, dtype=np.uint32), np.arange(256, dtype=np.uint32) << 8])
    for _ in range(nbytes // 2):
        x = t16[x]
    return x[:256].tolist(), x[256:].tolist()


def _crc_python(view: memoryview, crc: int = 0) -> int:
    t8, _ = _tables()
    table = t8.tolist()
    for b in view:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


def fit_crc(buf: np.ndarray, start: int, end: int) -> int:
    """CRC-16 of ``buf[start:end]`` as the FIT SDK computes it (initial value 0).

    Parameters
    ----------
    buf : numpy.ndarray
        The file's bytes as ``uint8``.
    start, end : int
        Byte range (``end`` excluded).

    Returns
    -------
    int
        The CRC (0 … 65535).
    """
    n = end - start
    if n <= 0:
        return 0
    if n < 4096:
        return _crc_python(memoryview(buf[start:end].tobytes()))
    half = max(int(np.sqrt(n / 8.0)), 16)  # two-byte steps per chunk; chunks ≈ 4 × steps balances the loops
    m = 2 * half
    k = -(-n // m)
    padded = np.zeros(k * m, dtype=np.uint8)
    padded[k * m - n:] = buf[start:end]
    words = padded.view("<u2").reshape(k, half).astype(np.uint32)
    _, t16 = _tables()
    crc = np.zeros(k, dtype=np.uint32)
    for j in range(half):
        crc = t16[crc ^ words[:, j]]
    lo, hi = _shift_tables(m)
    total = 0
    for c in crc.tolist():
        total = lo[total & 0xFF] ^ hi[total >> 8] ^ c
    return total
