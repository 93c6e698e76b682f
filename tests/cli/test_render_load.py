"""Tests of runload.cli.render_load: the text load table and hint list of ``runload analyze``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runload.analysis import HINTS_FOOTER, MUSCLE_GROUPS, Hint
from runload.cli.render_load import format_hints, format_load_table, load_bar
from runload.load import compute_load
from runload.muscles import display_name
from runload.profile import AthleteProfile
from runload.report.units import MISSING


def per_group(speed=3.0, cadence=165.0, grade=-8.0, n=3600):
    idx = pd.date_range("2024-06-01", periods=n, freq="s", tz="UTC")
    df = pd.DataFrame({"speed_mps": speed, "cadence_spm": cadence, "grade_pct": grade, "dt_s": 1.0,
                       "state": "running"}, index=idx)
    return compute_load(df, AthleteProfile(height_m=1.78)).per_group


@pytest.mark.parametrize(("value", "expected"), [
    (0, " " * 8), (100, "████    "), (25, "█       "), (200, "████████"), (12.5, "▌       "),
    (450, "███████▶"), (float("nan"), " " * 8), (-5, " " * 8),
])
def test_load_bar(value, expected):
    # Full scale 200 over 8 characters: 25 per block, eighth-block resolution.
    assert load_bar(value, width=8, full_scale=200) == expected


def test_load_table_lists_legs_then_approximate_upper_body():
    text = format_load_table(per_group())
    lines = text.splitlines()
    assert lines[0].startswith("Muscle-group load (estimated; 100 = one hour of your easy running)")
    upper = lines.index("Upper body (approximate)")
    legs = [ln for ln in lines[2:upper] if ln.strip()]
    assert [ln.split()[0] for ln in legs] == ["Glutes", "Quadriceps", "Hamstrings", "Hip", "Calves", "Foot"]
    assert [ln.split()[0] for ln in lines[upper + 1:upper + 4]] == ["Core", "Shoulders", "Back"]
    quads = next(ln for ln in legs if "Quadriceps" in ln)
    assert " 140 " in quads and quads.endswith("downhill +40 %")  # 1 + 5·0.08 (science.md §2.7 Dn = 5)
    assert "█" * 14 + " " in quads  # 140 of 200 over 20 characters
    assert "compare runs, not groups" in text and "Why: what raised" in text
    assert max(len(ln) for ln in lines) <= 88


def test_load_table_names_duration_and_the_per_stride_driver_in_words():
    # 100 min at −8 %: volume is the top driver (100/60 of the reference strides); the table also says that
    # each stride was harder because of the descent, instead of a bare "duration ×1.67".
    quads = next(ln for ln in format_load_table(per_group(n=6000)).splitlines() if "Quadriceps" in ln)
    assert quads.endswith("duration 1.7×, downhill +40 %")
    assert "×1." not in quads


def test_load_table_handles_nan_and_no_driver():
    pg = per_group(grade=0.0)
    assert all(ln.endswith("like easy running") for ln in format_load_table(pg).splitlines()
               if ln.startswith("  ") and "load" not in ln)  # one hour easy: no driver stands out
    pg.loc["calves", ["rel_load", "intensity_per_km"]] = np.nan
    calves = next(ln for ln in format_load_table(pg).splitlines() if "Calves" in ln)
    assert "nan" not in calves and calves.split()[1:3] == [MISSING, MISSING]


def _hint(rule_id, groups, tips, severity="info"):
    return Hint(rule_id, f"Title {rule_id}", severity, "C", "limited", groups, {"x_m": 1.0},
                "A long message " * 12 + "Evidence: limited.", tips)


def test_format_hints_with_tips_quality_and_footer():
    hints = [_hint("H7", ["quadriceps", "foot_ankle"], ["Finger test: slide a finger " * 6]),
             _hint("Q2", list(MUSCLE_GROUPS[:6]), [])]
    text = format_hints(hints, HINTS_FOOTER)
    assert "[H7] Title H7 (info; evidence: limited)" in text
    assert "Groups: Quadriceps, Foot and ankle" in text
    assert "Tips from the running-muscles guide:" in text and "      - Finger test" in text
    assert text.index("Data quality") < text.index("[Q2]")
    assert max(len(ln) for ln in text.splitlines()) <= 88
    assert " ".join(text.split()).endswith(" ".join(HINTS_FOOTER.split()))


def test_format_hints_empty_still_shows_footer():
    text = format_hints([], HINTS_FOOTER)
    assert "Nothing stood out in this run." in text and "not medical advice" in text


def test_load_table_says_what_the_json_says_and_follows_the_units():
    # One wording of the drivers (runload.load.driver_text): the table cell is the JSON's short form.
    from runload.load import driver_text, load_to_json

    pg = per_group(n=6000)
    doc = load_to_json(pg)
    table = format_load_table(pg, "imperial")
    for group, row in pg.iterrows():
        line = next(ln for ln in table.splitlines() if ln.lstrip().startswith(display_name(group) + " "))
        assert line.endswith(driver_text(row, short=True))
        assert doc[group]["why"] == driver_text(row)
    head = next(ln for ln in table.splitlines() if ln.lstrip().startswith("Group"))
    assert "/mi" in head and "/km" not in table
