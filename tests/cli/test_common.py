"""runload.cli._common: the shared input/output-path helpers and the one error convention."""

from __future__ import annotations

import errno

import pytest

from runload.cli._common import (
    check_inputs,
    error_line,
    input_error,
    output_file,
    output_folder,
    printable,
    sources_of,
)
from runload.errors import CorruptFileError, RunloadError


def test_input_errors(tmp_path):
    (tmp_path / "a.fit").write_bytes(b"x")
    assert input_error(tmp_path / "a.fit") is None
    assert input_error(tmp_path) is None  # folders are fine where folders are accepted
    assert str(input_error(tmp_path / "b.fit")) == f"{tmp_path / 'b.fit'}: no such file"
    assert "is a folder" in str(input_error(tmp_path, dir_okay=False))
    with pytest.raises(RunloadError, match="no such file"):
        check_inputs([tmp_path / "a.fit", tmp_path / "b.fit"])


def test_sources_keep_the_order_and_name_missing_and_empty_inputs(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "a.fit").write_bytes(b"x")
    items = sources_of([tmp_path / "a.fit", tmp_path / "gone.gpx", empty, tmp_path / "a.fit"])
    assert [type(i).__name__ for i in items] == ["Source", "RunloadError", "RunloadError"]
    assert items[1].reason == "no such file" and "no run files" in items[2].reason


def test_output_paths(tmp_path):
    existing = tmp_path / "report.html"
    existing.write_text("old")
    # several inputs: -o must be a folder, not an existing file
    with pytest.raises(RunloadError, match="is not a folder"):
        output_folder(existing)
    assert output_folder(tmp_path / "new") == tmp_path / "new"
    # one input: `-o dir/` (even when dir does not exist yet) or an existing folder means a file inside it
    assert output_file(f"{tmp_path}/out/", "run.fit.html") == tmp_path / "out" / "run.fit.html"
    assert output_file(tmp_path, "run.fit.html") == tmp_path / "run.fit.html"
    assert output_file(existing, "run.fit.html") == existing


def test_error_lines():
    assert error_line(CorruptFileError("x.fit", "bad CRC at offset 12")) == "x.fit: bad CRC at offset 12"
    assert error_line(RunloadError(None, "units='x' is not one of 'metric'"), "y.gpx") == \
        "y.gpx: units='x' is not one of 'metric'"
    assert error_line(PermissionError(errno.EACCES, "Permission denied", "/root/p.toml")) == \
        "/root/p.toml: Permission denied"
    assert error_line(OSError(errno.ENOSPC, "No space left on device")) == \
        "standard output: No space left on device"
    assert error_line(ValueError("boom"), "z.tcx") == "z.tcx: unexpected ValueError: boom"
    assert printable("a\udcff.fit") == "a\\xff.fit"
    assert error_line(RunloadError("a\udcfe.fit", "no such file")) == "a\\xfe.fit: no such file"
