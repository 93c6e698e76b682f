"""Run files holding several runs, built from simulated runs (for the multi-run tests of issue 8, defect 6).

A Garmin Connect TCX export can hold several ``<Activity>`` elements; :func:`three_run_tcx` writes one by
putting the activities of three simulated TCX files (different kinds and seeds, so the runs differ) into
one ``<Activities>``.
"""

from __future__ import annotations

import re
from pathlib import Path

from runload.simulate import simulate_run
from runload.simulate_write import tcx_bytes

#: (kind, seed) of the three runs, in file order.
THREE_RUNS = (("easy", 1), ("intervals", 2), ("easy", 3))


def three_run_tcx(path: Path) -> Path:
    """Write a TCX with three running activities to ``path`` and return it."""
    texts = [tcx_bytes(simulate_run(kind, seed=seed)).decode("utf-8") for kind, seed in THREE_RUNS]
    activities = [re.search(r"<Activity .*?</Activity>", t, re.S).group(0) for t in texts]
    head, tail = texts[0].split(activities[0])
    path.write_text(head + "\n".join(activities) + tail, encoding="utf-8")
    return path
