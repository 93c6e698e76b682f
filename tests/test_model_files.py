"""Tests of runload.model_files: one reader for every versioned model file."""

from __future__ import annotations

import pytest

from runload.errors import InvalidMethodError
from runload.load import available_load_models, load_model
from runload.model_files import available_models, read_model_file
from runload.muscles import muscle_catalogue


def test_families_are_kept_apart():
    assert available_models("load") == available_load_models() and "load_v1" in available_models("load")
    assert "muscles_v1" in available_models("muscles")
    assert not set(available_models("load")) & set(available_models("muscles"))


def test_unknown_version_names_the_choices():
    with pytest.raises(InvalidMethodError, match="load_v1"):
        read_model_file("load_v0", "load")
    with pytest.raises(InvalidMethodError):
        read_model_file("muscles_v1", "load")  # a file of another family is not a load model
    with pytest.raises(InvalidMethodError):
        load_model("muscles_v1")
    with pytest.raises(InvalidMethodError):
        muscle_catalogue("load_v1")


def test_reads_the_file_and_says_where_it_is():
    data, where = read_model_file("load_v1", "load")
    assert data["version"] == "load_v1" and where == "runload/models/load_v1.toml"
