"""The README's contact-time accuracy figure, measured on the real watch files (issue 8, "Honest tests").

Every running FIT file of ../shared/data with running dynamics: hide the watch's contact time, estimate it
with ``gait_source="model"`` as ``runload analyze`` would (height from the watch's user profile), and
score it on the seconds :func:`runload.gait_validation.device_reference` defines — the same code
``benchmarks/validate_gait.py`` runs.  The median per-file MAE must be the figure the README states
(±1 ms), so the headline cannot rot.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
from conftest import CATALOG, PROJECT_DIR, SHARED_DATA_DIR, require_shared_data
from fit_cache import use_decode_cache

from runload import read_run
from runload.clean import clean_samples
from runload.errors import RunloadError
from runload.gait_validation import score_contact_time
from runload.profile import profile_for_run

MIN_VALID_S = 60.0  # as benchmarks/validate_gait.py: a file needs a minute of valid device contact time
README_ERROR = re.compile(r"median per-run error of \*\*([0-9.]+) ms\*\*")
README_FILES = re.compile(r"on (\d+) real Garmin runs")


def _readme_claim() -> tuple[float, int]:
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    error, files = README_ERROR.search(text), README_FILES.search(text)
    assert error and files, "README 'Accuracy on real watches' no longer states the figure this test checks"
    return float(error.group(1)), int(files.group(1))


def _per_file_mae_ms() -> list[float]:
    maes, seen = [], set()
    for entry in CATALOG["files"]:
        if not (entry.get("is_running") and entry.get("has_running_dynamics") and entry["format"] == "fit"):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                run = read_run(SHARED_DATA_DIR / entry["path"])
            except RunloadError:
                continue  # as the benchmark: unreadable files are other tests' business
            key = (run.meta.start, len(run.samples))
            if key in seen:  # the same activity stored twice in the corpus
                continue
            seen.add(key)
            score = score_contact_time(clean_samples(run), profile_for_run(run))
        if score.valid_s >= MIN_VALID_S:
            maes.append(score.mae_ms)
    return maes


def test_model_contact_time_error_on_real_watches_is_the_readme_figure(monkeypatch):
    require_shared_data()
    use_decode_cache(monkeypatch)
    stated_ms, stated_files = _readme_claim()
    maes = _per_file_mae_ms()
    assert len(maes) == stated_files
    assert np.all(np.isfinite(maes))
    median = float(np.median(maes))
    assert abs(median - stated_ms) <= 1.0, f"median per-file MAE {median:.2f} ms, README says {stated_ms} ms"
