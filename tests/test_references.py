"""Tests of runload.references: every model id has citations, and the methods text is generated from them."""

from __future__ import annotations

import re

import pytest

from runload.errors import InvalidMethodError
from runload.hints import RULES
from runload.references import CITATIONS, LIMITS, MODELS, cite, methods_items, methods_text, references_for

REQUIRED_IDS = [
    "gait.morin2005", "gait.farley1996", "gait.winter_leg_ratio", "gait.minetti2002",
    "load.support_force", "load.step_length", "load.swing", "load.grade_uphill", "load.grade_downhill",
    "load.calf_cap", "load.normalisation", "load.walking", "load.upper_body",
    *[f"hints.H{i}" for i in range(1, 12)], "hints.quality",
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
    assert MODELS["hints.H1"].evidence == "B" and MODELS["hints.H10"].evidence == "D"


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
