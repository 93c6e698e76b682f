"""One decode per (FIT file, decoder) for the whole test session.

Decoding is nearly all the time the FIT tests take (the corpus: ~50 s with fitparse, ~30 s with
fitdecode on one core), and several test modules read the same files: the reader tests with both
decoders, the pair tests, ``runload inspect`` over the whole corpus.  :func:`use_decode_cache` swaps the
functions in :data:`runload.io.fit_decode.DECODERS` for memoised ones for one test (``monkeypatch``), so
everything above the decoder — the reader, ``read_run``, the CLI — still runs for real on every call.

Results are keyed by decoder and the SHA-256 of the bytes (so a truncated or edited copy of a file is
decoded afresh) and stored pickled: every call gets its own message objects, as from a real decode
(the reader may change them in place).  Import it as ``from fit_cache import use_decode_cache``
(``tests/`` is on the path: ``pythonpath`` in pyproject.toml).
"""

from __future__ import annotations

import hashlib
import pickle

from runload.io.fit_decode import DECODERS, FitDecodeResult

__all__ = ["use_decode_cache", "decode_cached", "STATS"]

_REAL = dict(DECODERS)
_CACHE: dict[tuple[str, str], bytes] = {}
#: How many decodes ran and how many were served from the cache (the tests of this helper read it).
STATS = {"decoded": 0, "reused": 0}


def _memoised(name: str):
    decode = _REAL[name]

    def cached(data: bytes) -> FitDecodeResult:
        key = (name, hashlib.sha256(data).hexdigest())
        blob = _CACHE.get(key)
        if blob is None:
            STATS["decoded"] += 1
            result = decode(data)
            _CACHE[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            return result
        STATS["reused"] += 1
        return pickle.loads(blob)

    return cached


_MEMOISED = {name: _memoised(name) for name in _REAL}


def use_decode_cache(monkeypatch) -> None:
    """Make :data:`~runload.io.fit_decode.DECODERS` memoised for the current test."""
    for name, fn in _MEMOISED.items():
        monkeypatch.setitem(DECODERS, name, fn)


def decode_cached(name: str, data: bytes) -> FitDecodeResult:
    """Decode ``data`` with decoder ``name`` through the session's cache (a fresh result per call)."""
    return _MEMOISED[name](data)
