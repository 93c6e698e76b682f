"""A simulated training log written as a bulk export: mixed formats, some gzipped, byte for byte again."""

from __future__ import annotations

import pytest

import runload
from runload.errors import RunloadError
from runload.simulate_log import EXPORT_MIX, simulate_log, write_log


def test_a_mixed_export_has_every_format_strap_runs_in_fit_and_is_the_same_when_written_in_parts(tmp_path):
    runs = simulate_log(n_runs=12, weeks=3, sensor_runs=2, seed=4, duration_s=600)
    paths = write_log(runs, tmp_path / "log", fmt="mix")
    suffixes = ["".join(p.suffixes[-2:]) if p.suffix == ".gz" else p.suffix for p in paths]
    assert {s.lstrip(".") for s in suffixes} == set(EXPORT_MIX)
    for path, sim, suffix in zip(paths, runs, suffixes, strict=True):
        if sim.has_running_dynamics:
            assert suffix == ".fit"
        run = runload.read_run(path)
        assert run.meta.start == sim.start, path.name
        assert run.meta.format == suffix.split(".")[1], path.name
    # Written in two parts (as benchmarks/bench_batch.py does in parallel): the same files, byte for byte.
    parts = (simulate_log(n_runs=12, weeks=3, sensor_runs=2, seed=4, duration_s=600, only=range(0, 5)),
             simulate_log(n_runs=12, weeks=3, sensor_runs=2, seed=4, duration_s=600, only=range(5, 12)))
    again = [p for part in parts for p in write_log(part, tmp_path / "again", fmt="mix")]
    assert [p.name for p in again] == [p.name for p in paths]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(again, paths, strict=True))
    with pytest.raises(RunloadError, match="unknown format"):
        write_log(runs[:1], tmp_path / "x", fmt="kml")
