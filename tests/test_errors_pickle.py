"""runload's errors cross process boundaries (batch workers, dask) as themselves."""

from __future__ import annotations

import pickle

import pytest

from runload import errors


@pytest.mark.parametrize("error", [
    errors.NotARunError("a.fit", "cycling"),
    errors.CorruptFileError("b.gpx", "broken XML at line 3"),
    errors.RunloadError(None, "no path"),
    errors.InvalidMethodError("units", "furlongs", ("metric", "imperial")),
    errors.StoreLockedError("log/", "the store is in use"),
])
def test_errors_pickle_with_their_class_path_reason_and_attributes(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (back.path, back.reason, str(back)) == (error.path, error.reason, str(error))
    assert back.__dict__ == error.__dict__  # e.g. InvalidMethodError.choices
    assert errors.error_reason(back) == errors.error_reason(error)
