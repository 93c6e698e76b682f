"""Reading a GPX or TCX document both ways: with the fast read's cut bodies (runload/io/xml_cut.py) and
from the whole tree, for the agreement tests of tests/io/test_gpx_points.py and test_tcx_points.py."""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from xml_pins import fingerprint

from runload.errors import CorruptFileError, RunloadWarning
from runload.io.xmlsafe import read_xml


@contextmanager
def whole_tree(target: str):
    """Make the reader that calls ``target`` (e.g. ``"runload.io.gpx.read_gpx_xml"``) parse the whole
    document and read every point from the tree."""
    with mock.patch(target, lambda data, source: (read_xml(data, source), None)):
        yield


@dataclass(frozen=True)
class CutReads:
    """One format's reader read both ways.

    ``read`` is the reader (``read_gpx_bytes``), ``cut`` its fast parse (``read_gpx_xml``), ``target`` the
    name under which the reader calls ``cut`` (patched for the whole-tree read) and ``source`` the file
    name the documents are read under.
    """

    read: Callable
    cut: Callable
    target: str
    source: str

    def both_ways(self, data: bytes, **kw) -> tuple[list, list]:
        """:func:`xml_pins.fingerprint` of the reader on ``data`` with the cut, and from the whole tree."""
        fast = fingerprint(self.read, data, source=self.source, **kw)
        with whole_tree(self.target):
            tree = fingerprint(self.read, data, source=self.source, **kw)
        return fast, tree

    def n_cut(self, data: bytes) -> int:
        """How many bodies the fast parse cuts out of ``data``."""
        try:
            _, bodies = self.cut(data, self.source)
        except CorruptFileError:
            return 0
        return 0 if bodies is None else len(bodies)

    def cpu_both_ways(self, data: bytes, rounds: int = 7) -> tuple[float, float]:
        """Median CPU [ms] of the reader on ``data`` with the cut and from the whole tree, in interleaved
        rounds of one process (the machine is shared: the medians' ratio is what compares)."""

        def cpu() -> float:
            t0 = time.process_time()
            self.read(data, source=self.source)
            return time.process_time() - t0

        fast, tree = [], []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunloadWarning)
            for _ in range(rounds):
                fast.append(cpu())
                with whole_tree(self.target):
                    tree.append(cpu())
        return statistics.median(fast) * 1e3, statistics.median(tree) * 1e3


def edited(base: bytes, offset: int, edits) -> bytes:
    """``base`` with each ``(position, mode, snippet)`` of ``edits`` applied at ``offset + position`` (a
    ``<``): inserted before (mode 0) or after (1) the tag there, or replacing it (2); last first."""
    data = base
    for pos, mode, snippet in sorted(edits, reverse=True):
        at = offset + pos
        if mode == 2:
            data = data[:at] + snippet + data[data.index(b">", at) + 1:]
        else:
            at += mode * (data.index(b">", at) + 1 - at)
            data = data[:at] + snippet + data[at:]
    return data

