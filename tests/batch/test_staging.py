"""runload.batch.staging: what a batch's first look keeps for the personal norms (issue 10)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from runload.batch.staging import StagedRuns
from runload.norms import NORM_RUN_COLUMNS, NORM_SECONDS_COLUMNS, device_seconds, norm_seconds, update_norms
from runload.simulate import simulate_run
from runload.store import open_store


def _row(source: str, rid: str) -> dict:
    return {"source": source, **dict.fromkeys(NORM_RUN_COLUMNS), "run_id": rid, "content_hash": "c" + rid,
            "device_s": 12.0}


def _seconds(n: int, speed: float) -> pd.DataFrame:
    index = pd.date_range("2026-01-05 07:00", periods=n, freq="s", tz="UTC")
    frame = pd.DataFrame({c: np.full(n, speed) for c in NORM_SECONDS_COLUMNS}, index=index)
    return frame.assign(level=True)


def test_staged_seconds_wait_in_files_not_in_memory(tmp_path):
    staged = StagedRuns(tmp_path / "norms")
    staged.add("a.fit", [_row("a.fit", "r1"), _row("a.fit", "r2")], [_seconds(5, 3.0), _seconds(7, 3.5)])
    assert sorted(p.name for p in (tmp_path / "norms").iterdir()) == ["r1.seconds.pickle", "r2.seconds.pickle"]
    assert not staged._memory
    pd.testing.assert_frame_equal(staged.seconds("r2"), _seconds(7, 3.5))
    assert staged.seconds("elsewhere") is None
    runs = staged.runs()
    assert list(runs["run_id"]) == ["r1", "r2"] and list(runs.columns) == ["source", *NORM_RUN_COLUMNS, "device_s"]


def test_a_source_staged_again_replaces_its_runs(tmp_path):
    staged = StagedRuns(tmp_path / "norms")
    staged.add("a.fit", [_row("a.fit", "r1")], [_seconds(5, 3.0)])
    staged.add("b.gpx", [_row("b.gpx", "r9")], [_seconds(5, 2.0)])
    staged.add("a.fit", [_row("a.fit", "r3")], [_seconds(4, 4.0)])  # the file changed and was read again
    assert sorted(staged.runs()["run_id"]) == ["r3", "r9"] and len(staged) == 2
    assert staged.seconds("r1") is None and not (tmp_path / "norms" / "r1.seconds.pickle").exists()
    staged.clear()
    assert not (tmp_path / "norms").exists() and staged.runs().empty and staged.seconds("r3") is None


def test_a_folder_that_cannot_be_written_keeps_the_seconds_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    staged = StagedRuns(blocker / "norms")  # mkdir fails: NotADirectoryError
    staged.add("a.fit", [_row("a.fit", "r1")], [_seconds(5, 3.0)])
    pd.testing.assert_frame_equal(staged.seconds("r1"), _seconds(5, 3.0))


def test_device_seconds_count_the_seconds_with_a_device_contact_time():
    frame = pd.DataFrame({"dt_s": [1.0, 1.0, 2.0, 0.0, np.nan, 1.0],
                          "stance_time_ms": [250.0, np.nan, 240.0, 230.0, 260.0, 255.0]})
    assert device_seconds(frame) == 4.0  # rows 0, 2 and 5; a zero or missing dt_s counts nothing
    assert device_seconds(frame.drop(columns="stance_time_ms")) == 0.0


def test_norm_seconds_without_device_contact_time():
    from runload.io.dispatch import read_bytes_runs
    from runload.pipeline import gait_samples
    from runload.simulate_write import fit_bytes

    run = read_bytes_runs(fit_bytes(simulate_run("easy", duration_s=600, seed=3)), source_name="easy.fit")[0]
    _, samples = gait_samples(run)
    seconds = norm_seconds(samples.drop(columns=["stance_time_ms"], errors="ignore"))
    assert list(seconds.columns) == NORM_SECONDS_COLUMNS and len(seconds) > 0
    assert seconds["contact_time_device_ms"].isna().all()


def test_no_runs_at_all(tmp_path):
    store = open_store(tmp_path / "out")
    try:
        assert update_norms(store.sql, staged=StagedRuns(tmp_path / "s")) == {}
    finally:
        store.close()
