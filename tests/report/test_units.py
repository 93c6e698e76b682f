"""runload.report.units: the one display formatter (CLI and report) — paces, durations, local times."""

import subprocess
import sys

import pandas as pd
import pytest

from runload.report.units import (
    FASTEST_PACE_S_PER_KM,
    SLOWEST_PACE_S_PER_KM,
    format_duration,
    format_local_time,
    format_number,
    get_units,
    local_time,
)


@pytest.mark.parametrize(("seconds", "text"), [(359.6, "6:00"), (359.4, "5:59"), (3599.5, "1:00:00"),
                                                (59.5, "1:00"), (-61, "-1:01")])
def test_durations_round_the_total_first_never_60_seconds(seconds, text):
    assert format_duration(seconds) == text


def test_pace_rounds_the_total_first():
    # 359.6 s/km is six minutes, not "5:60"; 7:59.7 /mi (479.7 s/mi) is 8:00 /mi.
    assert get_units("metric").format_pace(359.6) == "6:00 /km"
    assert get_units("imperial").format_pace(479.7 / 1.609344) == "8:00 /mi"


def test_pace_of_standing_or_absurd_stretch_is_a_dash():
    metric = get_units("metric")
    assert metric.format_pace(4 * 3600 + 4 * 60 + 9) == "—"  # the lap where the runner stood
    assert metric.format_pace(30) == "—"  # 33 m/s: a GPS jump, not running
    assert metric.format_pace(-300) == "—"
    # A slow walk (20:00 /km) and a fast 1 km (2:30 /km) are shown.
    assert metric.format_pace(1200) == "20:00 /km"
    assert metric.format_pace(150) == "2:30 /km"
    assert FASTEST_PACE_S_PER_KM < 150 and SLOWEST_PACE_S_PER_KM > 1200


def test_pace_without_unit_for_tables():
    assert get_units("imperial").format_pace(300, unit=False) == "8:03"
    assert get_units("imperial").format_speed_as_pace(1000 / 300, unit=False) == "8:03"


def test_numbers_never_negative_zero():
    assert format_number(-0.3) == "0"
    assert format_number(-0.04, "{:+.1f}", "%") == "+0.0 %"
    assert format_number(float("inf")) == "—"
    assert format_number(None, missing="") == ""


def test_distance_and_elevation_follow_the_units():
    imperial = get_units("imperial")
    assert imperial.format_distance(5000) == "3.11 mi"
    assert imperial.format_distance(5000, unit=False) == "3.11"
    assert imperial.format_elevation(30.48) == "100 ft"
    assert get_units("metric").format_elevation(-2.4, signed=True) == "-2 m"


def test_local_time_with_offset_and_utc_when_unknown():
    start = pd.Timestamp("2021-03-22 10:48:07", tz="UTC")
    assert format_local_time(start, 3600) == "2021-03-22 11:48 (UTC+01:00)"
    assert format_local_time(start, -5 * 3600 - 1800) == "2021-03-22 05:18 (UTC-05:30)"
    assert format_local_time(start, seconds=True) == "2021-03-22 10:48:07 UTC"
    assert format_local_time(None) == "—"
    # The IANA zone wins over the offset and follows daylight saving (a run across the March switch).
    summer = pd.Timestamp("2021-03-28 01:30", tz="UTC")
    assert format_local_time(summer, 3600, "Europe/Ljubljana") == "2021-03-28 03:30 (UTC+02:00)"
    # An unknown zone name falls back to the offset; an absurd offset to UTC.
    assert format_local_time(start, 3600, "Mars/Olympus") == "2021-03-22 11:48 (UTC+01:00)"
    assert format_local_time(start, 40 * 3600) == "2021-03-22 10:48 UTC"
    assert local_time(start.tz_localize(None), 7200).hour == 12  # naive means UTC


def test_units_module_imports_no_plotly():
    code = "import sys, runload.report.units; print('plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
