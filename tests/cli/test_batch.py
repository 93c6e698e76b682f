"""`runload batch` and `runload export`: exit codes, the summary line, the one-writer message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from batch_logs import good_files, mixed_log
from click.testing import CliRunner

from runload.cli import cli

RUNLOAD = Path(sys.executable).with_name("runload")


def test_batch_all_good_exits_0_and_names_the_dashboard(tmp_path):
    good_files(tmp_path / "log", 2)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "log"), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "2 files in" in result.output and "2 analysed (2 runs)" in result.output
    assert f"Output: {out / 'index.html'}" in result.output
    again = CliRunner().invoke(cli, ["batch", str(tmp_path / "log"), "-o", str(out), "--progress", "lines"])
    assert again.exit_code == 0 and "2 unchanged" in again.output


def test_batch_with_failures_exits_1_and_says_so(tmp_path):
    mixed_log(tmp_path / "log")
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "log"), "-o", str(tmp_path / "out"), "-j", "1",
                                      "--no-reports"])
    assert result.exit_code == 1
    assert "2 failed" in result.output and "see the failures in the dashboard" in result.output
    assert "corrupt.fit: read:" in result.output and "Traceback" not in result.output


def test_second_batch_fails_at_once_with_the_stores_message(tmp_path):
    good_files(tmp_path / "log", 1)
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["batch", str(tmp_path / "log"), "-o", str(out), "-j", "1", "--no-reports"])
    holder = duckdb.connect(str(out / "runload.duckdb"))  # another writer in this process holds the file
    try:
        done = subprocess.run([str(RUNLOAD), "batch", str(tmp_path / "log"), "-o", str(out)],
                              capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert done.returncode == 1
    assert "the store is in use" in done.stderr and "Traceback" not in done.stderr


def test_missing_path_is_one_error_line(tmp_path):
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "nope"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_export_parquet(tmp_path):
    good_files(tmp_path / "log", 1)
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["batch", str(tmp_path / "log"), "-o", str(out), "-j", "1", "--no-reports"])
    result = CliRunner().invoke(cli, ["export", str(out), "--parquet", str(tmp_path / "pq")])
    assert result.exit_code == 0, result.output
    def rows(table):
        path = tmp_path / "pq" / f"{table}.parquet"
        return duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]

    assert rows("runs") == 1 and rows("samples") > 1000


def test_export_without_a_store_is_one_error(tmp_path):
    result = CliRunner().invoke(cli, ["export", str(tmp_path), "--parquet", str(tmp_path / "pq")])
    assert result.exit_code == 1 and "no training-log store" in result.output
