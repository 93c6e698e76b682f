"""Strava ``activities.csv``: the columns read, and what an unusable csv does."""

from __future__ import annotations

from pathlib import Path

import pytest

from runload.errors import RunloadWarning
from runload.io.archive import Source
from runload.io.strava import enrich, normalize_filename, read_activities_csv


def test_first_of_repeated_columns_bom_and_quoting():
    data = ("\ufeffActivity ID,Activity Date,Activity Name,Activity Type,Distance,Activity Gear,Filename,Distance\n"
            '7,"Jan 1, 2023, 8:00:00 AM","Tempo, 3x10",Run,12.3,"Shoe ""A""",activities/7.fit.gz,12300\n')
    rows = read_activities_csv(data.encode("utf-8"), "activities.csv")
    assert rows == {"activities/7.fit.gz": {"activity_id": "7", "date": "Jan 1, 2023, 8:00:00 AM",
                                            "name": "Tempo, 3x10", "type": "Run", "gear": 'Shoe "A"'}}


def test_older_gear_column_missing_columns_short_rows_and_manual_entries():
    data = b"Filename,Activity Type,Gear\n./activities\\8.gpx,Walk,Old boots\n,Run,\nactivities/9.tcx\n"
    rows = read_activities_csv(data, "activities.csv")
    assert rows == {
        "activities/8.gpx": {"activity_id": None, "date": None, "name": None, "type": "Walk", "gear": "Old boots"},
        "activities/9.tcx": {"activity_id": None, "date": None, "name": None, "type": None, "gear": None},
    }


@pytest.mark.parametrize("data, match", [
    (b"Activity ID,Activity Name\n1,x\n", "no 'Filename' column"),
    (b"", "no 'Filename' column"),
    (b"Filename,Activity Name\nactivities/1.fit,\xff\xfe bad\n", "cannot read the activity list"),
])
def test_unusable_csv_warns_and_gives_nothing(data, match):
    with pytest.warns(RunloadWarning, match=match):
        assert read_activities_csv(data, "x/activities.csv") == {}


@pytest.mark.parametrize("sport, skipped", [("Run", False), ("Virtual Run", False), ("TrailRun", False),
                                            ("Ride", True), ("Walk", True), ("Swim", True), ("Hike", True),
                                            ("Workout", False), (None, False)])
def test_enrich_marks_explicitly_other_sports_only(sport, skipped):
    s = enrich(Source("x.fit", Path("x.fit")), {"type": sport, "name": "n"})
    assert s.extra == {"type": sport, "name": "n"}
    assert (s.skip_reason == f"not a run (sport: {sport}, from activities.csv)") if skipped else s.skip_reason is None


def test_normalize_filename():
    assert normalize_filename(" ./activities//1.fit.gz ") == "activities/1.fit.gz"
    assert normalize_filename("activities\\2.gpx") == "activities/2.gpx"
    assert normalize_filename("/activities/3.tcx") == "activities/3.tcx"
