"""The run report written by ``runload batch``: history hints marked as such, the personal norms used,
and methods that list only what ran (runload/report/html.py, norms_notes.py, runload/references.py)."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date

import pytest

from runload.analysis import Hint
from runload.norms import PersonalNorms
from runload.profile import AthleteProfile, Calibration
from runload.report.html import render_report

XSS = "<script>alert(1)</script>"


def _spike(origin: str = "log") -> Hint:
    # The H1 hint as runload.hints.spike_hint words it (Frandsen/Nielsen 2025), from the training log.
    return Hint(id="H1", title="Longer than your recent longest run", severity="moderate", evidence="B",
                evidence_label="moderate", groups=[], values={"distance_m": 21000.0, "longest_30d_m": 15000.0,
                                                             "distance_ratio": 1.4},
                message="This run was about 40 % longer than your longest run in the last 30 days, compared with "
                        "your own recent running, with a correspondingly higher estimated load. Evidence: moderate.",
                origin=origin)


def _norms(*, device: str = "fr965", cadence=(150.0, 6.0, 20.0, -10.0), easy=3.2, khat=15.5) -> PersonalNorms:
    cal = Calibration(khat_ref=khat, cadence_exponent=1.39, residual_sd_ms=9.0, mae_ms=7.0, n_seconds=5000,
                      runs=["a", "b", "c"], fitted_at="2026-11-01", device=device)
    return PersonalNorms(month=date(2026, 11, 1), cadence_model=cadence, cadence_runs=14, cadence_minutes=576.0,
                         easy_speed_mps=easy, easy_runs=12, easy_minutes=500.0, window_start=date(2026, 9, 2),
                         window_end=date(2026, 11, 1), calibration=cal if khat else None)


def _with_norms(analysis, norms: PersonalNorms, given: AthleteProfile | None = None):
    """The analysis as the batch makes it: the profile with the norms applied, and the norms recorded."""
    analysis.profile = norms.apply(given or AthleteProfile(height_m=1.78))
    analysis.norms = norms
    return analysis


def _section(page: str, ident: str, tag: str = "section") -> str:
    return re.search(rf'<{tag} id="{ident}">.*?</{tag}>', page, re.S).group(0)


def _hint_block(page: str, hint_id: str) -> str:
    return re.search(rf'<div class="hint [^"]*" data-hint="{hint_id}".*?</div>', page, re.S).group(0)


def test_history_hint_is_marked_from_the_training_log(analysis):
    analysis.hints.insert(0, _spike("log"))
    page = render_report(analysis, plotlyjs="cdn")
    spike, downhill = _hint_block(page, "H1"), _hint_block(page, "H7")
    assert 'data-origin="log"' in spike and "from your training log" in spike
    assert 'data-origin="run"' in downhill and "from your training log" not in downhill
    # Same neutral/amber styling as a hint of the run itself (science.md §3.1 rule 7): the class is the tier's.
    assert spike.startswith('<div class="hint attention"') and downhill.startswith('<div class="hint attention"')
    assert "red" not in re.search(r"\.origin \{[^}]*\}", page).group(0)


def test_without_norms_the_population_defaults_are_named(analysis):
    norms = _section(page := render_report(analysis, plotlyjs="cdn"), "norms", "div")
    assert "the population defaults were used" in norms
    # The defaults of science.md §3.2 / §1.5.4 and AthleteProfile: 165 + 7(v − 3) spm, 3.0 m/s, k̂ = 13.
    assert "165 + 7·(v − 3) steps/min" in norms
    assert "5:33 /km (3.00 m/s)" in norms
    assert "uncalibrated population stiffness k̂ = 13" in norms and "estimated" in norms
    assert "from your training log" not in page


def test_without_norms_the_profile_values_are_named(analysis):
    # A user profile with its own cadence model (150 + 5·v → 165 spm at 3 m/s) and easy speed 3.5 m/s.
    analysis.profile = AthleteProfile(height_m=1.78, cadence_model=(150.0, 5.0, 0.0, 0.0), easy_speed_mps=3.5)
    norms = _section(render_report(analysis, plotlyjs="cdn"), "norms", "div")
    assert "your profile's values and the population defaults" in norms
    assert "<strong>Cadence norm</strong> (your profile): 165 steps/min at 5:33 /km on the level, +5.0 steps/min" in norms
    assert "<strong>Easy pace</strong> (your profile): 4:46 /km (3.50 m/s)" in norms  # 1000 / 3.5 s = 4:45.7
    assert "<strong>Contact time</strong> (population default)" in norms


def test_with_norms_the_log_norms_are_described(analysis_factory):
    a = _with_norms(analysis_factory(600, dynamics=False), _norms())
    page = render_report(a, plotlyjs="cdn")
    norms = _section(page, "norms", "div")
    assert "Learnt from your training log for November 2026" in norms
    for sentence in a.norms.describe("metric"):
        assert html.escape(sentence) in norms
    assert "Cadence norm: yours, fitted on 14 runs (9.6 h) from 2 Sep to 31 Oct 2026." in norms
    assert "calibrated on 3 of your runs with a Forerunner 965" in norms  # labelled "estimated" by describe()
    assert 'data-source="population default"' not in norms
    methods = _section(page, "methods")
    assert "Your cadence norm, learnt from your training log" in methods
    assert "Your easy pace, learnt from your training log" in methods
    assert "Personal stiffness calibration" in methods  # the contact-time model ran with the calibration


def test_a_profile_value_that_wins_over_the_log_is_said(analysis_factory):
    given = AthleteProfile(height_m=1.78, easy_speed_mps=3.5)  # the user's easy speed wins over the log's 3.2
    a = _with_norms(analysis_factory(600, dynamics=False), _norms(), given)
    assert a.profile.easy_speed_mps == 3.5 and a.profile.cadence_model == _norms().cadence_model
    page = render_report(a, plotlyjs="cdn")
    norms = _section(page, "norms", "div")
    assert ("<strong>Easy pace</strong> (your profile): 4:46 /km (3.50 m/s); your profile&#39;s value was used for "
            "this run, not the log&#39;s.") in norms
    methods = _section(page, "methods")
    assert "Your easy pace, learnt from your training log" not in methods  # the log's was not used
    assert "Your cadence norm, learnt from your training log" in methods


def test_methods_leave_out_norms_that_did_not_run(analysis_factory):
    # Device contact time all through the run: the calibration did not touch a number.
    a = _with_norms(analysis_factory(600, dynamics=True), _norms(khat=None))
    a.summary.update(device_contact_share=1.0, model_contact_share=0.0)
    methods = _section(render_report(a, plotlyjs="cdn"), "methods")
    assert "Personal stiffness calibration" not in methods
    assert "Your cadence norm, learnt from your training log" in methods  # the load model used c_pref
    plain = _section(render_report(analysis_factory(600), plotlyjs="cdn"), "methods")
    for title in ("learnt from your training log", "Personal stiffness calibration"):
        assert title not in plain


def test_methods_list_the_history_rules_that_ran(analysis):
    downhill = dataclasses.replace(analysis.hints[0], origin="log")  # the history form of H7
    analysis.hints = [_spike("log"), downhill, analysis.hints[1]]
    methods = _section(render_report(analysis, plotlyjs="cdn"), "methods")
    assert "Single-session distance spike" in methods
    assert "More downhill than usual" in methods and "mean weekly descent of the previous" in methods
    for title in ("acute:chronic", "Group-load spike", "More fast running than usual", "Shoe mileage",
                  "Calf load above your recent runs"):
        assert title not in methods  # no hint of theirs is shown, so nothing says they ran


def test_methods_list_every_history_rule_the_batch_names(analysis):
    # When the batch records which history rules were evaluated for the run, all of them are listed.
    from runload.history import HISTORY_FORMS
    from runload.references import MODELS

    analysis.history_rules = HISTORY_FORMS
    methods = _section(render_report(analysis, plotlyjs="cdn"), "methods")
    for rule in HISTORY_FORMS:
        entry = MODELS.get(f"hints.log.{rule}") or MODELS[f"hints.{rule}"]
        assert html.escape(entry.title) in methods, rule


@pytest.mark.parametrize("field", ["device", "hint"])
def test_file_strings_in_norms_and_log_hints_are_escaped(analysis_factory, field):
    a = _with_norms(analysis_factory(600, dynamics=False), _norms(device=XSS if field == "device" else "fr965"))
    hint = _spike("log")
    if field == "hint":
        hint.title, hint.message = XSS, XSS  # e.g. a gear name inside the shoe-mileage message
    a.hints.insert(0, hint)
    page = render_report(a, plotlyjs="cdn")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.browser
def test_log_report_renders_in_chromium(browser, analysis_factory, tmp_path):
    from runload.report import write_report

    a = _with_norms(analysis_factory(600, dynamics=False), _norms(device=XSS))
    hint = _spike("log")
    hint.message = XSS
    a.hints.insert(0, hint)
    out = write_report(a, tmp_path / "log-run.html")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, dialogs = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(out.resolve().as_uri())
    page.wait_for_function("Array.from(document.querySelectorAll('div.plot[data-figure]'))"
                           ".every(d => d.querySelector('.main-svg'))", timeout=15000)
    state = page.evaluate("""() => ({
        marker: Array.from(document.querySelectorAll('#hints .hint')).map(
            h => [h.dataset.hint, !!h.querySelector('.origin') && h.querySelector('.origin').offsetParent !== null]),
        norms: Array.from(document.querySelectorAll('#norms-list li')).map(li => li.innerText),
        injected: Array.from(document.scripts).filter(s => s.textContent.includes('alert(')).length,
    })""")
    page.close()
    assert errors == [] and dialogs == [] and state["injected"] == 0
    assert state["marker"] == [["H1", True], ["H7", False]]  # Q1 is a data note, not a hint (issue 11)
    assert len(state["norms"]) == 3 and any(XSS in line for line in state["norms"])  # shown as text


def test_a_methods_entry_for_every_history_rule_and_no_other():
    # Every rule of runload.history has its history form described (or shares the single-run entry, as H1),
    # and no "hints.log." entry describes a rule that does not exist (defect 10 of the methods list).
    from runload.history import HISTORY_FORMS
    from runload.references import MODELS

    logged = {m.removeprefix("hints.log.") for m in MODELS if m.startswith("hints.log.")}
    assert logged <= set(HISTORY_FORMS)
    assert all(f"hints.log.{r}" in MODELS or f"hints.{r}" in MODELS for r in HISTORY_FORMS)
    assert all(MODELS[f"hints.log.{r}"].evidence in "ABCD" and MODELS[f"hints.log.{r}"].evidence for r in logged)
