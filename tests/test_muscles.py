"""Tests of the muscle-group catalogue (runload/muscles.py, runload/models/muscles_v1.toml)."""

from __future__ import annotations

import pytest

from runload.analysis import LEG_GROUPS, MUSCLE_GROUPS, UPPER_BODY_GROUPS
from runload.errors import InvalidMethodError
from runload.load import load_model
from runload.muscles import (
    PHASE_NAMES,
    display_name,
    muscle_catalogue,
    muscle_group,
    shoe_advice_for,
    tips_for,
)

CATALOGUE = muscle_catalogue()

# The guide's members (guide.md), spelling corrected as the task asks.
MEMBERS = {
    "glutes": ["gluteus maximus", "gluteus medius", "gluteus minimus"],
    "quadriceps": ["vastus medialis", "vastus intermedius", "vastus lateralis", "rectus femoris"],
    "hamstrings": ["biceps femoris", "semitendinosus", "semimembranosus"],
    "hip_flexors": ["iliacus", "psoas major", "rectus femoris", "pectineus", "sartorius", "adductors"],
    "calves": ["gastrocnemius", "soleus"],
    "foot_ankle": ["flexor hallucis longus", "flexor hallucis brevis", "tibialis posterior",
                   "flexor digitorum longus", "peroneus brevis", "peroneus longus"],
    "core": ["pectoralis major", "external oblique", "internal oblique", "rectus abdominis",
             "transversus abdominis"],
    "shoulders": ["anterior deltoid", "posterior deltoid"],
    "back": ["latissimus dorsi"],
}

# The guide's strengthening tips, verbatim apart from capitalisation and the en dash.
TIPS = {
    "glutes": ["Squats", "Donkey kicks", "Lunges"],
    "hamstrings": ["Romanian deadlifts", "Glute–hamstring raises", "Box squats"],
    "hip_flexors": ["Skating squats", "Low lunges", "Crescent lunge knee-up"],
    "calves": ["Weight-bearing lunge test (an ankle-mobility check rather than a strengthening exercise)",
               "Double-leg calf raise", "Seated calf raise"],
}


def test_guide_tips_that_are_not_exercises_say_so():
    # The guide lists an ankle-mobility test among its calf "strengthening" tips; the hint shows the tips
    # under "Tips from the running-muscles guide", so the tip itself must say what it is.
    lunge = next(t for t in CATALOGUE["calves"].tips if t.startswith("Weight-bearing lunge test"))
    assert "mobility check" in lunge and "not a strengthening" in lunge.replace("rather than", "not")
    assert "mobility check" in " ".join(tips_for(["calves"]))


def test_all_nine_groups_in_order():
    assert list(CATALOGUE) == list(MUSCLE_GROUPS)
    assert all(CATALOGUE[g].region == "legs" and not CATALOGUE[g].approximate for g in LEG_GROUPS)
    assert all(CATALOGUE[g].region == "upper body" and CATALOGUE[g].approximate for g in UPPER_BODY_GROUPS)


@pytest.mark.parametrize("group", MUSCLE_GROUPS)
def test_members_as_the_guide_lists_them(group):
    assert list(CATALOGUE[group].members) == MEMBERS[group]


def test_no_misspellings_from_the_guide_survive():
    text = " ".join(m for g in CATALOGUE.values() for m in g.members).lower()
    for wrong in ("vastusmedialis", "lateralus", "intermediate", "transverse abdominis", "posterior tibialis"):
        assert wrong not in text


@pytest.mark.parametrize("group", MUSCLE_GROUPS)
def test_tips_from_the_guide_or_an_honest_note(group):
    g = CATALOGUE[group]
    if group in TIPS:
        assert list(g.tips) == TIPS[group]
    else:
        assert g.tips == ()
        assert "guide gives no" in g.tips_note


def test_shoe_advice_from_the_guide():
    calves = " ".join(CATALOGUE["calves"].shoe_advice).lower()
    for symptom in ("toenail", "blisters", "heel pain", "uneven wear"):
        assert symptom in calves
    assert "finger test" in " ".join(CATALOGUE["foot_ankle"].shoe_advice).lower()
    assert shoe_advice_for(["calves", "calves", "foot_ankle"]) == list(CATALOGUE["calves"].shoe_advice) + list(
        CATALOGUE["foot_ankle"].shoe_advice)


def test_injuries_the_guide_links():
    injuries = {g: " ".join(CATALOGUE[g].injuries).lower() for g in MUSCLE_GROUPS}
    assert "runner's knee" in injuries["quadriceps"]
    assert "achilles tendinitis" in injuries["calves"] and "calf strain" in injuries["calves"]
    assert "hamstring" in injuries["hamstrings"]
    assert "hip flexor strain" in injuries["hip_flexors"]


def test_corrections_where_science_md_disagrees():
    assert "calf" in CATALOGUE["glutes"].correction.lower() and "not supported" in CATALOGUE["glutes"].correction
    assert "quad-dominant" in CATALOGUE["quadriceps"].correction and "watch" in CATALOGUE["quadriceps"].correction
    assert "weak" in CATALOGUE["hamstrings"].correction and "watch" in CATALOGUE["hamstrings"].correction
    assert "propulsion" in CATALOGUE["calves"].correction
    for g in UPPER_BODY_GROUPS:
        assert CATALOGUE[g].correction.startswith("Approximate")


@pytest.mark.parametrize("group", MUSCLE_GROUPS)
def test_roles_cover_every_loaded_phase(group):
    # Every phase with a load weight > 0 in load_v1 (science.md §2.7) has a described role.
    weights = load_model().groups[group].weights
    roles = CATALOGUE[group].roles
    assert set(roles) <= set(PHASE_NAMES)
    assert {p for p, w in weights.items() if w > 0} <= set(roles)


def test_lookup_helpers():
    assert display_name("foot_ankle") == "Foot and ankle"
    assert muscle_group("calves").members == ("gastrocnemius", "soleus")
    assert tips_for(["glutes", "hamstrings", "glutes"]) == TIPS["glutes"] + TIPS["hamstrings"]
    assert tips_for(["quadriceps"]) == []
    assert tips_for(["foot_ankle"]) == list(CATALOGUE["foot_ankle"].shoe_advice)
    with pytest.raises(InvalidMethodError):
        muscle_group("biceps")
    with pytest.raises(InvalidMethodError):
        muscle_catalogue("muscles_v0")
