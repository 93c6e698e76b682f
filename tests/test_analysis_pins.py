"""``analyze_run`` gives what it gave before the speed work (issue 10), run for run.

``analysis_pins.json`` was written by ``analysis_pins.py`` with the analysis of commit 88314d5; today's
analysis must reproduce it up to floating-point round-off (relative 1e-9): the samples, load samples and
segments column by column, the load table, the summary, the hints and the warnings.
"""

from __future__ import annotations

import json

import pytest
from analysis_pins import CORPUS, KINDS, PINS, differences, fingerprint, norms, runs
from conftest import require_shared_data

_PINS = json.loads(PINS.read_text())


@pytest.fixture(scope="module")
def pinned_runs(tmp_path_factory):
    return runs(tmp_path_factory.mktemp("pins"))


@pytest.mark.parametrize("name", sorted(_PINS))
def test_analysis_is_pinned(name, pinned_runs):
    run_name, mode = name.rsplit("|", 1)
    if run_name.startswith("shared:"):
        require_shared_data()
    kw = {"plain": {}, "norms": {"norms": norms()},
          "model-imperial": {"gait_source": "model", "units": "imperial"}}[mode]
    got = json.loads(json.dumps(fingerprint(pinned_runs[run_name], **kw)))
    assert differences(_PINS[name], got) == []


def test_every_run_is_pinned():
    names = {n.rsplit("|", 1)[0] for n in _PINS}
    assert {n for n in names if n.startswith("sim:")} == {f"sim:{k}.fit" for k in KINDS} | {
        "sim:hills.gpx", "sim:hills.tcx"}
    assert {n.split(":", 1)[1].rsplit("#", 1)[0] for n in names if n.startswith("shared:")} == set(CORPUS)
