"""The notebooks in notebooks/ run top to bottom in a real Jupyter kernel (nbclient + ipykernel) on the
repository's sample_runs/, so the worked examples cannot rot; they write only into a temporary folder; and
they are stored without outputs.

Each notebook reads two environment variables in its set-up cell: ``RUNLOAD_SAMPLE_RUNS`` (the folder of
runs; default ``../sample_runs`` from the notebook's folder) and ``RUNLOAD_NOTEBOOK_OUT`` (where it writes;
default a new temporary folder).  The test points the first at the repository and the second at tmp_path,
starts the kernel in an empty folder of tmp_path, and checks that the repository is unchanged afterwards.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_single_run.ipynb", "02_training_log.ipynb", "03_model_validation.ipynb"]
CELL_TIMEOUT_S = 600  # one cell; the slowest batches the whole sample log
# Every notebook runs in the default suite (02 batches the whole sample log: ~30 s on 2 cores).
PARAMS = [pytest.param(p, id=p.name) for p in NOTEBOOKS]


# What each notebook must have written into its output folder (so "wrote only there" is not vacuous).
WRITES = {"01_single_run.ipynb": ["single-run.html"],
          "02_training_log.ipynb": ["log/runload.duckdb", "log/index.html", "runload.toml"],
          "03_model_validation.ipynb": []}


def repo_state() -> dict[str, tuple[int, int]]:
    """The places a notebook could write by mistake: every file of notebooks/ and sample_runs/ and the
    names at the repository's top level → (size, mtime in ns).  Not the whole tree: other tests and tools
    write their own caches there."""
    state = {name: (0, 0) for name in os.listdir(ROOT)}
    for folder in ("notebooks", "sample_runs"):
        for path in (ROOT / folder).rglob("*"):
            st = path.lstat()
            state[str(path.relative_to(ROOT))] = (st.st_size, st.st_mtime_ns)
    return state


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", PARAMS)
def test_notebook_runs_in_a_kernel_and_writes_only_into_its_output_folder(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    out, cwd = tmp_path / "out", tmp_path / "cwd"
    out.mkdir()
    cwd.mkdir()
    # The kernel inherits the environment: the runs come from the repository, every output goes to `out`.
    monkeypatch.setenv("RUNLOAD_SAMPLE_RUNS", str(ROOT / "sample_runs"))
    monkeypatch.setenv("RUNLOAD_NOTEBOOK_OUT", str(out))
    before = repo_state()

    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error

    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    # Figures are drawn inline (plotly's HTML output), at least one per notebook.
    html = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if "data" in o and "text/html" in o["data"] and "Plotly.newPlot" in o["data"]["text/html"]]
    assert html, f"{path.name} shows no plotly figure"
    assert repo_state() == before, "the notebook wrote into the repository"
    assert list(cwd.iterdir()) == [], "the notebook wrote into its working folder"
    for name in WRITES[path.name]:
        assert (out / name).is_file(), f"{path.name} did not write {name} into RUNLOAD_NOTEBOOK_OUT"


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
