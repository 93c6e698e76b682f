"""The versioned gait model file (runload/models/gait_v*.toml, runload/gait_model.py)."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import pytest

from runload import gait_model, model_files
from runload.errors import InvalidMethodError, RunloadError
from runload.gait import GAIT_MODEL_ID, PHASE_FRACTIONS
from runload.gait_model import GAIT_MODEL, available_gait_models, load_gait_model
from runload.profile import AthleteProfile


def test_published_coefficients():
    m = load_gait_model("gait_v3")
    assert m.khat_ref == 13.0  # Morin et al. 2005, treadmill group (science.md §1.5.4)
    # Farley & González 1996: stiffness 7.0 → 16.3 kN/m over stride frequency −26 % … +36 %.
    assert m.cadence_exponent == pytest.approx(math.log(16.3 / 7.0) / math.log(1.36 / 0.74), abs=0.005)
    assert m.leg_length_ratio == 0.53  # Winter's ratio, as in Morin 2005
    assert m.walking_stance_fraction == 0.62  # Novacheck 1998: stance ≈ 62 % of the walking cycle
    assert m.running_cadence_min_spm == 140.0  # science.md §1.4 walk–run transition
    assert m.cadence_pref_at_reference_spm == 165.0  # de Ruiter / van Oeveren: 165 ± 8 spm at ~3 m/s
    assert m.device_contact_time_range_ms == (120.0, 450.0)  # science.md §1.4
    assert m.measured_running_contact_time_ms == (150.0, 400.0)  # science.md §1.5.8
    assert m.measured_running_speed_min_mps == 2.0


def test_the_model_version_follows_the_file_and_the_defaults_come_from_it():
    assert "gait_v3" in available_gait_models()
    assert GAIT_MODEL_ID == GAIT_MODEL.version == gait_model.DEFAULT_GAIT_MODEL
    assert PHASE_FRACTIONS == GAIT_MODEL.phase_fractions
    profile = AthleteProfile()
    assert (profile.khat_ref, profile.cadence_exponent) == (GAIT_MODEL.khat_ref, GAIT_MODEL.cadence_exponent)
    assert profile.leg_length_m == pytest.approx(GAIT_MODEL.leg_length_ratio * profile.height_m)


def test_the_device_equivalence_term_is_labelled_as_fitted_not_physiology():
    text = (resources.files("runload") / "models" / "gait_v3.toml").read_text(encoding="utf-8")
    section = text.split("[device_equivalence]", 1)[1].split("\n[", 1)[0]
    assert "FITTED DEVICE-EQUIVALENCE TERM, NOT PHYSIOLOGY" in section
    assert "leave-one-repository-out" in section


def test_unknown_version_is_refused():
    with pytest.raises(InvalidMethodError, match="gait_v3"):
        load_gait_model("gait_v99")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("khat_ref = 13.0\n", "", "khat_ref"),
    ("population_range_spm = [150.0, 200.0]", "population_range_spm = [200.0, 150.0]", "not increasing"),
    ('{ part = "contact", fraction = 0.45 }', '{ part = "contact", fraction = 0.50 }', "sum to"),
])
def test_a_malformed_model_file_is_a_runload_error(tmp_path, monkeypatch, old, new, message):
    models = tmp_path / "runload" / "models"
    models.mkdir(parents=True)
    text = (resources.files("runload") / "models" / "gait_v3.toml").read_text(encoding="utf-8")
    assert old in text
    (models / "gait_v3.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setattr(model_files.resources, "files", lambda package: Path(tmp_path / package))
    with pytest.raises(RunloadError, match=message) as err:
        load_gait_model("gait_v3")
    assert "gait_v3.toml" in str(err.value)
