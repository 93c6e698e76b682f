"""The report pages and figures are the ones pinned in tests/report/report_pins.json.

The pins were written from the report as it was before issue 10 (figures built as plotly objects): the
figures now built as plain dicts must give the same pages, value for value (tests/report_pins.py says
what a pin covers and how to write them again when a report is meant to change).
"""

from __future__ import annotations

import json

from report_pins import PINS_FILE, report_pins


def _flat(pins: dict) -> dict:
    """``{"full_1h/metric/page": sha, "full_1h/metric/figures/route": sha, …}``"""
    return {f"{name}/{key}": value for name, parts in pins.items() for key, value in
            [("page", parts["page"]), *((f"figures/{k}", v) for k, v in parts["figures"].items())]}


def test_pages_and_figures_match_the_pins(analysis_factory):
    pinned = _flat(json.loads(PINS_FILE.read_text()))
    current = _flat(report_pins(analysis_factory))
    assert current.keys() == pinned.keys()
    changed = sorted(key for key in pinned if current[key] != pinned[key])
    assert not changed, f"the report changed: {changed}"
