"""runload.stats.labelled: np.isin's answer for object arrays of labels, without its sort."""

from __future__ import annotations

import numpy as np
import pytest

from runload.stats import labelled


@pytest.mark.parametrize("names", [(), ("running",), ("running", "walking"), ("device", "model", "absent")])
def test_labelled_answers_as_np_isin_does(names):
    rng = np.random.default_rng(3)
    labels = rng.choice(np.array(["running", "walking", "standing", "paused", "device", "model", "none"],
                                 dtype=object), 3600)
    got = labelled(labels, names)
    assert got.dtype == bool and got.shape == labels.shape
    assert np.array_equal(got, np.isin(labels, names))
    assert got.sum() == sum(int((labels == n).sum()) for n in set(names))  # not vacuous: counts the names


def test_labelled_of_no_labels_is_empty():
    assert labelled(np.array([], dtype=object), ("running",)).tolist() == []
