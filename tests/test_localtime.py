"""Local time of GPX/TCX runs from the start position (issue 8, defect 8): zone, offset with summer time."""

from __future__ import annotations

import subprocess
import sys
import warnings
from datetime import datetime, timezone

import pandas as pd
import pytest

from runload.errors import RunloadWarning
from runload.io.gpx import read_gpx_bytes
from runload.io.tcx import read_tcx_bytes
from runload.localtime import local_time, run_local_time
from runload.simulate import simulate_run
from runload.simulate_write import gpx_bytes, tcx_bytes

pytest.importorskip("timezonefinder")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# Offsets are the civil-time rules of each zone (IANA tz database): CET/CEST, EST/EDT, AEST/AEDT, IST.
@pytest.mark.parametrize(("lat", "lon", "when", "offset_h", "zone"), [
    (46.05, 14.51, utc(2024, 7, 1, 6), 2, "Europe/Ljubljana"),     # CEST
    (46.05, 14.51, utc(2024, 1, 15, 6), 1, "Europe/Ljubljana"),    # CET
    (46.05, 14.51, utc(2024, 3, 31, 0, 59), 1, "Europe/Ljubljana"),  # a minute before the switch (01:00 UTC)
    (46.05, 14.51, utc(2024, 3, 31, 1, 0), 2, "Europe/Ljubljana"),
    (40.78, -73.97, utc(2024, 7, 1, 12), -4, "America/New_York"),   # EDT
    (40.78, -73.97, utc(2024, 12, 1, 12), -5, "America/New_York"),  # EST
    (-33.87, 151.21, utc(2024, 1, 10, 0), 11, "Australia/Sydney"),  # AEDT in the southern summer
    (-33.87, 151.21, utc(2024, 7, 10, 0), 10, "Australia/Sydney"),
    (28.61, 77.21, utc(2024, 7, 1, 0), 5.5, "Asia/Kolkata"),
])
def test_zone_and_offset_at_a_position(lat, lon, when, offset_h, zone):
    assert local_time(lat, lon, when) == (offset_h * 3600.0, zone)


@pytest.mark.parametrize(("lat", "lon"), [(float("nan"), 14.0), (91.0, 0.0), (46.0, 181.0)])
def test_no_position_no_local_time(lat, lon):
    assert local_time(lat, lon, utc(2024, 7, 1)) == (None, None)


def test_run_without_positions_has_no_local_time():
    samples = pd.DataFrame({"heart_rate_bpm": [120.0]},
                           index=pd.DatetimeIndex([pd.Timestamp("2024-07-01", tz="UTC")], name="time"))
    assert run_local_time(samples) == (None, None)


@pytest.mark.parametrize(("fmt", "write", "reader"), [("gpx", gpx_bytes, read_gpx_bytes),
                                                      ("tcx", tcx_bytes, read_tcx_bytes)])
def test_gpx_and_tcx_readers_fill_the_local_time(fmt, write, reader):
    sim = simulate_run("easy", seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunloadWarning)
        run = reader(write(sim), source=f"t.{fmt}")[0]
    lat, lon = sim.records["latitude_deg"].iloc[0], sim.records["longitude_deg"].iloc[0]
    expected = local_time(lat, lon, run.meta.start)
    assert expected[1] is not None
    assert (run.meta.utc_offset_s, run.meta.timezone) == expected


def test_timezonefinder_is_imported_only_when_a_zone_is_looked_up():
    code = ("import sys, runload, runload.io, runload.localtime; "
            "print('timezonefinder' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
