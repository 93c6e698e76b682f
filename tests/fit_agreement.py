"""Comparing two FIT decodes or two FIT reads value for value (the columnar decoder's agreement tests).

Import as ``from fit_agreement import assert_same_decode, assert_same_read`` (``tests/`` is on the path).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from runload.io.fit_decode import FitDecodeResult, FitRecords

__all__ = ["assert_same_decode", "assert_same_read"]


def _plain(v):
    """A record value as the reader sees it: a number, a name, or None (missing, tuple, NaN)."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None


def _column(records: FitRecords, name: str) -> list:
    col = records.columns.get(name)
    if col is None:
        return [None] * len(records)
    return [_plain(v) for v in col.tolist()]


def assert_same_decode(fast: FitDecodeResult, ref: FitDecodeResult, only: frozenset | None = None) -> None:
    """``fast`` (columnar) gives what ``ref`` (fitdecode) gives: damage, warnings, every message (of the
    ``only`` names, if given), their order around the records, and every record value."""
    fast, ref = fast.with_records(), ref.with_records()
    assert fast.error == ref.error
    assert fast.warnings == ref.warnings
    ref_pairs = [(p, m) for p, m in zip(ref.positions, ref.messages, strict=True)
                 if only is None or m.name in only]
    assert [m.name for m in fast.messages] == [m.name for _, m in ref_pairs]
    for a, (_, b) in zip(fast.messages, ref_pairs, strict=True):
        assert a == b, (a, b)
    a_rank = np.searchsorted(np.asarray(fast.positions, dtype=np.int64), fast.records.positions)
    b_rank = np.searchsorted(np.asarray([p for p, _ in ref_pairs], dtype=np.int64), ref.records.positions)
    np.testing.assert_array_equal(a_rank, b_rank)
    ra, rb = fast.records, ref.records
    assert len(ra) == len(rb)
    np.testing.assert_array_equal(ra.timestamp_s, rb.timestamp_s)
    for name in sorted(set(ra.columns) | set(rb.columns)):
        assert _column(ra, name) == _column(rb, name), name
    assert list(ra.developer) == list(rb.developer)
    for key, (present, values) in ra.developer.items():
        np.testing.assert_array_equal(present, rb.developer[key][0])
        np.testing.assert_array_equal(values, rb.developer[key][1])


def assert_same_read(fast, ref, fast_warnings, ref_warnings) -> None:
    """Two ``read_fit_bytes`` outcomes (runs or the error) are the same, the decoder's name aside."""
    assert [(w.category, str(w.message)) for w in fast_warnings] == \
        [(w.category, str(w.message)) for w in ref_warnings]
    if isinstance(fast, Exception) or isinstance(ref, Exception):
        assert type(fast) is type(ref) and str(fast) == str(ref), (fast, ref)
        return
    assert len(fast) == len(ref)
    for x, y in zip(fast, ref, strict=True):
        pd.testing.assert_frame_equal(x.samples, y.samples, check_exact=True)
        for f in dataclasses.fields(x.meta):
            if f.name == "decoder":
                continue
            u, v = getattr(x.meta, f.name), getattr(y.meta, f.name)
            if isinstance(u, pd.DataFrame):
                pd.testing.assert_frame_equal(u, v, check_exact=True)
            else:
                assert u == v, (f.name, u, v)
