"""The analysis of whatever a reader accepts keeps its invariants (issue 12): muscle-group loads finite
and non-negative, the distance non-negative and non-decreasing — under shuffled and repeated timestamps,
absurd field values and absurd numbers written as text.

The judge is :func:`promises.fuzzrun.check_input` (read, then :func:`runload.analyze_run` on every run
read, then :func:`promises.fuzzrun.analysis_problems`); the quick mutation profile of
test_fuzz_readers.py analyses every input it reads too.
"""

from __future__ import annotations

import random
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from promises.fuzzrun import InputTimeout, analysis_problems, bounded, check_input
from promises.mutate import Seed, fit_absurd_values, fit_records_shuffle, fit_timestamps, xml_timestamps

from runload.errors import RunloadError
from runload.io.tcx import read_tcx_bytes
from runload.pipeline import analyze_run
from runload.simulate import simulate_run
from runload.simulate_write import fit_bytes, gpx_bytes, tcx_bytes

_FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def sims() -> dict[str, Seed]:
    sim = simulate_run("intervals", seed=5, duration_s=150, dynamics=True)
    return {"fit": Seed("s.fit", fit_bytes(sim)), "gpx": Seed("s.gpx", gpx_bytes(sim)),
            "tcx": Seed("s.tcx", tcx_bytes(sim))}


def _analysed(data: bytes, name: str):
    try:
        with bounded(20.0):
            out = check_input(data, name)
    except InputTimeout:
        pytest.fail(f"{name}: more than 20 s of CPU time")
    assert out.kind in ("read", "refused"), out
    return out


@_FUZZ
@given(st.sampled_from(["fit", "gpx", "tcx"]), st.integers(0, 2**32), st.integers(1, 3))
def test_shuffled_and_repeated_timestamps(sims, fmt, rng_seed, rounds):
    rng = random.Random(rng_seed)
    data = sims[fmt].data
    for _ in range(rounds):
        data = (fit_timestamps if fmt == "fit" else xml_timestamps)(data, rng)
    _analysed(data, sims[fmt].name)


@_FUZZ
@given(st.integers(0, 2**32))
def test_absurd_fit_values_and_repeated_records(sims, rng_seed):
    rng = random.Random(rng_seed)
    data = fit_absurd_values(sims["fit"].data, rng)
    data = fit_records_shuffle(data, rng) if rng.random() < 0.5 else data
    _analysed(data, "s.fit")


def test_the_invariants_hold_on_the_unmutated_runs(sims):
    # and the judge sees what it must: a clean analysis has no problem, a doctored one has
    for seed in sims.values():
        assert check_input(seed.data, seed.name).analysed == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (run,) = read_tcx_bytes(sims["tcx"].data, source="s.tcx")
        analysis = analyze_run(run)
    assert analysis_problems(analysis) == []
    analysis.samples.loc[analysis.samples.index[10], "distance_m"] = -1.0
    analysis.load.loc["glutes", "rel_load"] = np.inf
    assert set(analysis_problems(analysis)) == {"a muscle-group load is not finite", "distance is negative"}


# --- defects the fuzzer found (fixed: runload/distance_repair.py MAX_RECORDED_DISTANCE_M) ----------------


def _tcx_with_distance(point: int, text: bytes) -> bytes:
    data = tcx_bytes(simulate_run("easy", seed=3, duration_s=120))
    found = list(re.finditer(rb"<Trackpoint><Time>[^<]*</Time>.*?<DistanceMeters>([^<]*)</DistanceMeters>", data))
    m = found[point]
    return data[:m.start(1)] + text + data[m.end(1):]


def test_a_negative_recorded_distance_gives_a_non_negative_analysed_distance():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (run,) = read_tcx_bytes(_tcx_with_distance(0, b"-5000"), source="t.tcx")
        analysis = analyze_run(run)
    distance = analysis.samples["distance_m"].dropna()
    assert distance.min() >= 0 and analysis_problems(analysis) == []


@pytest.mark.parametrize("text", [b"1e12", b"1e308"])
def test_an_absurd_recorded_distance_is_read_or_refused_cleanly(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (run,) = read_tcx_bytes(_tcx_with_distance(-1, text), source="t.tcx")
        try:
            analysis = analyze_run(run)
        except RunloadError:
            return
    assert analysis_problems(analysis) == []
