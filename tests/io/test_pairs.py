"""The same activity exported as FIT and as TCX/GPX gives the same frame within tolerance."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import catalog_entries, entry_path, shared_params
from fit_cache import use_decode_cache
from numpy.testing import assert_allclose

from runload.errors import RunloadWarning
from runload.io import read_run
from runload.summary import summarize_run


@pytest.fixture(autouse=True)
def _decode_once(monkeypatch):
    use_decode_cache(monkeypatch)  # each (file, decoder) is decoded once per session (tests/io/fit_cache.py)


PAIRS = [
    # (FIT, other export, whole-hour clock offset allowed in the export)
    ("roznet__connectstats/ConnectStatsTests/samples/tcx/activity_234979239.fit",
     "roznet__connectstats/ConnectStatsTests/samples/tcx/activity_234979239.tcx", False),
    # fit2gpx wrote the Fenix 3's local time (UTC+3 at 67° N 54° E) with a "Z" suffix: its times are
    # 3 h late.  The catalogue shows it: FIT session start 17:05:16Z, GPX first <time> 20:05:16Z.
    ("MaksVasilev__fit2gpx/test/Garmin_Fenix_Forerunner/Fenix3-Run-1321421020.fit",
     "MaksVasilev__fit2gpx/test/Garmin_Fenix_Forerunner/Fenix3-Run-1321421020.fit.gpx", True),
]


def _pair_params():
    params = []
    for fit, other, offset in PAIRS:
        a, b = catalog_entries(path=fit), catalog_entries(path=other)
        if a and b:
            params.append(pytest.param((a[0], b[0], offset), id=other.rsplit("/", 1)[-1]))
    return params or shared_params([])


def _read(entry):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        return read_run(entry_path(entry))


@pytest.mark.parametrize("pair", _pair_params())
def test_pair_frames_agree(pair):
    if pair is None:
        entry_path(None)
    fit_entry, other_entry, hour_offset_allowed = pair
    fit, other = _read(fit_entry), _read(other_entry)
    a, b = fit.samples, other.samples
    assert fit.meta.format == "fit" and other.meta.format in ("gpx", "tcx")

    offset = other.meta.start - fit.meta.start
    if hour_offset_allowed:
        hours = round(offset.total_seconds() / 3600)
        assert abs(hours) <= 14
        offset -= pd.Timedelta(hours=hours)
    # same start within 1 s (FIT: session start_time; TCX: <Id>; GPX: first <time>)
    assert abs(offset.total_seconds()) <= 1.0
    shift = other.meta.start - fit.meta.start - offset

    # duration within 0.1 % and the number of samples within 1 %
    assert_allclose(b["elapsed_s"].iloc[-1], a["elapsed_s"].iloc[-1], rtol=1e-3)
    assert_allclose(len(b), len(a), rtol=1e-2)
    # distance within 1 % (TCX records the watch's distance; GPX's is haversine over positions)
    assert_allclose(b["distance_m"].max(), a["distance_m"].max(), rtol=1e-2)
    # heart rate and cadence (both in steps/min after the readers' conversions) agree
    assert_allclose(b["heart_rate_bpm"].median(), a["heart_rate_bpm"].median(), atol=1.0)
    assert_allclose(b["cadence_spm"].median(), a["cadence_spm"].median(), atol=2.0)
    # sample by sample at the same instants: heart rate equal for ≥ 95 % of the common samples
    common = a.index.intersection(b.index - shift)
    assert len(common) >= 0.95 * min(len(a), len(b))
    hr_a = a.loc[common, "heart_rate_bpm"].to_numpy()
    hr_b = b.set_axis(b.index - shift).loc[common, "heart_rate_bpm"].to_numpy()
    ok = ~np.isnan(hr_a) & ~np.isnan(hr_b)
    assert np.mean(np.abs(hr_a[ok] - hr_b[ok]) <= 1.0) >= 0.95
    # timer: GPX/TCX have no timer events, yet give the FIT file's timer state (FR610 TCX: the same ten
    # start → stop intervals, found as gaps spent standing) and so the same totals over timer time
    on_a = a.loc[common, "timer_on"].to_numpy()
    on_b = b.set_axis(b.index - shift).loc[common, "timer_on"].to_numpy()
    assert np.array_equal(on_a, on_b)
    sum_a, sum_b = summarize_run(fit), summarize_run(other)
    assert_allclose(sum_b["timer_s"], sum_a["timer_s"], rtol=1e-3)
    assert_allclose(sum_b["avg_cadence_spm"], sum_a["avg_cadence_spm"], atol=1.0)
    assert_allclose(sum_b["avg_heart_rate_bpm"], sum_a["avg_heart_rate_bpm"], atol=1.0)
    if other.meta.watch is not None:  # TCX lap sums against the FIT session
        assert_allclose(other.meta.watch.timer_s, fit.meta.watch.timer_s, rtol=1e-3)
        assert_allclose(other.meta.watch.distance_m, fit.meta.watch.distance_m, rtol=1e-3)
