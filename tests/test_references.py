"""Tests of runload.references: every model id has citations, and the methods text is generated from them."""

from __future__ import annotations

import re

import pytest

from runload.errors import InvalidMethodError
from runload.hints import RULES
from runload.references import (
    CITATIONS,
    LIMITS,
    MODELS,
    cite,
    methods_for_analysis,
    methods_items,
    methods_text,
    references_for,
)

REQUIRED_IDS = [
    "gait.morin2005", "gait.farley1996", "gait.winter_leg_ratio", "gait.minetti2002",
    "load.support_force", "load.step_length", "load.swing", "load.grade_uphill", "load.grade_downhill",
    "load.calf_cap", "load.normalisation", "load.walking", "load.upper_body",
    "gait.device", "gait.walking", "gait.cadence_pref", "grade.barometric", "grade.gps", "grade.none",
    *[f"hints.{rule_id}" for rule_id in RULES if rule_id.startswith("H")], "hints.quality",
]

# DOIs as science.md (§5) and runload/springmass.py give them.
DOIS = {
    "morin2005": "10.1123/jab.21.2.167",
    "farley1996": "10.1016/0021-9290(95)00029-1",
    "anderson2022": "10.1186/s40798-022-00504-0",
    "adams2016": "10.2519/jospt.2016.6391",
}


@pytest.mark.parametrize("model_id", REQUIRED_IDS)
def test_required_models_have_citations(model_id):
    refs = references_for(model_id)
    assert refs and all(r.key in CITATIONS for r in refs)


def test_every_citation_key_resolves_and_texts_are_unique():
    for entry in MODELS.values():
        assert entry.citations and set(entry.citations) <= set(CITATIONS)
    texts = [c.text for c in CITATIONS.values()]
    assert len(texts) == len(set(texts))


def test_dois_well_formed_and_science_md_dois_present():
    for c in CITATIONS.values():
        if c.doi is not None:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", c.doi), c.key
            assert str(c).endswith(f"doi:{c.doi}")
    for key, doi in DOIS.items():
        assert CITATIONS[key].doi == doi


def test_every_hint_rule_has_a_methods_entry_with_its_grade():
    for rule in RULES.values():
        model_id = f"hints.{rule.id}" if rule.kind == "training" else "hints.quality"
        assert model_id in MODELS
    assert MODELS["hints.H1"].evidence == "B" and MODELS["hints.H9"].evidence == "D"


def test_no_methods_entry_for_a_rule_that_does_not_exist():
    # Defect 10: weekly progression (H2), ACWR (H3), group-load spikes (H10) and within-run drift (H11) were
    # described although no such rule is registered.  The history forms (H3, H10 …) exist now, over a
    # training log (runload.history); H2 is a dashboard note and H11 is not implemented.
    from runload.history import HISTORY_FORMS

    single = {f"hints.{r.id}" for r in RULES.values() if r.kind == "training"} | {"hints.quality"}
    assert {m for m in MODELS if m.startswith("hints.") and not m.startswith("hints.log.")} == single
    assert {m.removeprefix("hints.log.") for m in MODELS if m.startswith("hints.log.")} <= set(HISTORY_FORMS)
    text = methods_text()
    for stale in ("Weekly progression", "Within-run form drift"):
        assert stale not in text


def test_methods_items_and_text():
    items = methods_items()
    assert [i["id"] for i in items[:-1]] == list(MODELS)
    assert items[-1]["id"] == "limits" and items[-1]["items"] == list(LIMITS)
    text = methods_text()
    for limit in LIMITS:
        assert limit in text
    refs = text.split("\nReferences\n", 1)[1].splitlines()
    assert len(refs) == len(set(refs))  # each citation listed once
    assert any("doi:10.1242/jeb.01555" in r for r in refs)
    assert "indices of mechanical demand, not muscle forces" in text  # science.md §2.11


def test_methods_subset_and_errors():
    items = methods_items(["load.step_length"])
    assert [i["id"] for i in items] == ["load.step_length", "limits"]
    assert cite("lenhart2014").startswith("Lenhart RL")
    with pytest.raises(InvalidMethodError):
        references_for("load.wind")
    with pytest.raises(InvalidMethodError):
        cite("nobody2020")
    with pytest.raises(InvalidMethodError):
        methods_items(["load.wind"])


# --- methods of one analysis: only what ran ------------------------------------------------------------------

def _analysis(summary: dict, with_load: bool = True):
    import numpy as np
    import pandas as pd

    from runload.analysis import Analysis
    from runload.load import compute_load
    from runload.profile import AthleteProfile
    from runload.run import Run, RunMeta

    idx = pd.date_range("2024-06-10 07:00", periods=60, freq="s", tz="UTC")
    df = pd.DataFrame({"speed_mps": 3.0, "cadence_spm": 165.0, "grade_pct": 0.0, "dt_s": 1.0, "state": "running",
                       "accelerating": False, "distance_m": np.arange(60) * 3.0}, index=idx)
    profile = AthleteProfile(height_m=1.78)
    result = compute_load(df, profile) if with_load else None
    return Analysis(run=Run(df, RunMeta(source="x.fit", format="fit", start=idx[0])), profile=profile, samples=df,
                    segments=pd.DataFrame(), summary=summary,
                    load=result.per_group if with_load else None, load_samples=result.samples if with_load else None,
                    model_versions={"gait": "gait_vX", "load": "load_v1"} if with_load else {"gait": "gait_vX"})


def test_methods_for_analysis_device_contact_time_lists_no_contact_model():
    a = _analysis({"device_contact_share": 1.0, "model_contact_share": 0.0, "walking_share": 0.0,
                   "grade_known_share": 0.9, "altitude_source": "barometric", "gap_s_per_km": 330.0})
    items = methods_for_analysis(a)
    ids = [i["id"] for i in items]
    assert "gait.device" in ids and "gait.morin2005" not in ids and "gait.farley1996" not in ids
    assert "gait.walking" not in ids and "load.walking" not in ids
    assert "grade.barometric" in ids and "gait.minetti2002" in ids and "grade.gps" not in ids
    assert "hints.H1" not in ids  # a history rule: pipeline runs no history
    assert {"hints.H5", "hints.quality", "load.step_length"} <= set(ids)
    assert ids[-1] == "limits" and not any("Contact time estimated" in t for t in items[-1]["items"])
    versions = {i["id"]: i["version"] for i in items}
    assert versions["load.step_length"] == "load_v1" and versions["gait.device"] == "gait_vX"
    assert versions["hints.H5"] == "" and versions["grade.barometric"] == ""


def test_methods_for_analysis_model_walking_gps_and_history():
    from runload.hints import HintHistory

    a = _analysis({"device_contact_share": 0.0, "model_contact_share": 0.8, "walking_share": 0.2,
                   "grade_known_share": 0.5, "altitude_source": "gps", "gap_s_per_km": float("nan")})
    ids = [i["id"] for i in methods_for_analysis(a, HintHistory())]
    assert {"gait.morin2005", "gait.farley1996", "gait.winter_leg_ratio", "gait.walking", "load.walking",
            "grade.gps", "hints.H1"} <= set(ids)
    assert "gait.device" not in ids and "gait.minetti2002" not in ids
    assert any("Contact time estimated" in t for t in methods_for_analysis(a)[-1]["items"])


def test_methods_for_analysis_without_load_or_altitude():
    a = _analysis({"device_contact_share": 1.0, "grade_known_share": 0.0}, with_load=False)
    items = methods_for_analysis(a)
    ids = [i["id"] for i in items]
    assert "grade.none" in ids and not any(i.startswith("load.") for i in ids)
    assert "limits" not in ids  # the load limits do not apply, and no contact time was estimated
