"""runload.jsonable: the one JSON cleaner writes strict JSON for everything the analysis holds."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from runload.jsonable import dumps, jsonable


def test_missing_values_become_null_and_numbers_stay_numbers():
    doc = jsonable({"a": np.float32("nan"), "b": -np.inf, "c": pd.NA, "d": np.int16(7), "e": np.bool_(True),
                    "f": 0.0, "g": np.float64(2.5)})
    assert doc == {"a": None, "b": None, "c": None, "d": 7, "e": True, "f": 0.0, "g": 2.5}
    assert type(doc["d"]) is int and type(doc["e"]) is bool


def test_times_are_iso_8601_with_their_offset():
    ts = pd.Timestamp("2021-03-22 10:48:05", tz="UTC")
    doc = jsonable({"t": ts, "local": ts.tz_convert("Europe/Ljubljana"), "nat": pd.NaT,
                    "np": np.datetime64("2021-03-22T10:48:05"), "dt": datetime(2021, 3, 22, tzinfo=UTC),
                    "td": timedelta(minutes=2), "ptd": pd.Timedelta(seconds=90)})
    assert doc["t"] == "2021-03-22T10:48:05+00:00"
    assert doc["local"] == "2021-03-22T11:48:05+01:00"
    assert doc["nat"] is None
    assert doc["np"] == "2021-03-22T10:48:05"
    assert doc["dt"] == "2021-03-22T00:00:00+00:00"
    assert doc["td"] == 120.0 and doc["ptd"] == 90.0


def test_containers_frames_and_paths():
    frame = pd.DataFrame({"x": [1.0, np.nan]}, index=pd.date_range("2021-01-01", periods=2, tz="UTC"))
    doc = jsonable({1: (np.arange(2), frame, frame["x"], {Path("a/b.fit")})})
    assert doc == {"1": [[0, 1], [{"x": 1.0}, {"x": None}], [1.0, None], ["a/b.fit"]]}


def test_dumps_is_strict_json():
    text = dumps({"pace": np.float64("nan"), "when": pd.Timestamp("2021-03-22", tz="UTC")})
    assert "NaN" not in text
    assert json.loads(text) == {"pace": None, "when": "2021-03-22T00:00:00+00:00"}
