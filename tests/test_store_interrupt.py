"""A Ctrl-C inside the store's frame conversion (DuckDB's ``con.register``) is an interrupt, not a store error.

Found under load in CI (dask engine): the SIGINT landed while DuckDB converted a sample frame; DuckDB
returned it as a ``duckdb.Error`` whose text is the Python traceback of the KeyboardInterrupt, the writer
reported "writing the store failed", the batch recorded a store failure, went on and exited 1 instead
of 130.  Here the Ctrl-C is sent at that exact point (:class:`ctrl_c.InterruptingConnection`).
"""

from __future__ import annotations

import pytest
from ctrl_c import InterruptingConnection

from runload.io import read_runs
from runload.pipeline import analyze_run
from runload.simulate import simulate_run
from runload.simulate_write import fit_bytes
from runload.store import check_store, content_hash, open_log, open_store


@pytest.fixture(scope="module")
def easy(tmp_path_factory):
    data = fit_bytes(simulate_run("easy", seed=3))
    path = tmp_path_factory.mktemp("sim") / "easy.fit"
    path.write_bytes(data)
    return data, [analyze_run(r) for r in read_runs(path)]


@pytest.mark.parametrize("at", [1, 2], ids=["samples", "segments"])
def test_ctrl_c_inside_the_frame_conversion_is_an_interrupt(tmp_path, easy, at):
    data, analyses = easy
    with open_store(tmp_path) as store:
        store.put_result("before.fit", "h0", analyses)
        real = store._con
        store._con = wrapped = InterruptingConnection(real, at=at)
        with pytest.raises(KeyboardInterrupt):
            store.put_result("a.fit", content_hash(data), analyses)
        assert wrapped.interrupted
        store._con = real
        assert store.entry("a.fit") is None  # rolled back, and the store knows it
        store.put_result("b.fit", "h2", analyses)  # the connection is usable again
    assert check_store(tmp_path) == []
    assert sorted(open_log(tmp_path).sql("SELECT DISTINCT source FROM runs")["source"]) == \
        ["b.fit", "before.fit"]
