"""The notebooks run top to bottom on the sample runs (code cells executed in order, in the notebook's
folder), so the worked examples in notebooks/ cannot rot."""

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    cells = json.loads(path.read_text())["cells"]
    code = [("".join(c["source"]), i) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cells"
    # Run in a copy of the notebook folder layout so outputs land in tmp_path, not in the repository.
    (tmp_path / "notebooks").mkdir()
    os.symlink(path.parents[1] / "sample_runs", tmp_path / "sample_runs")
    monkeypatch.chdir(tmp_path / "notebooks")
    namespace: dict = {"__name__": "__main__"}
    for source, index in code:
        exec(compile(source, f"{path.name}[cell {index}]", "exec"), namespace)  # noqa: S102


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
