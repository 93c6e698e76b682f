"""What every fault test of issue 12 checks after a fault: the store, the reports and what the user saw.

:func:`fault_log` builds a training log with every outcome (runs, skipped files, failures, an archive)
and returns the table each input must end in — the truth, written down when the files are made, not
taken from discovery.  After a fault (and after the batch that resumes) the tests call:

- :func:`assert_accounted`: the store opens with :mod:`runload.store`; every input is in exactly one of
  ``runs`` / ``skipped`` / ``failures`` — the one it belongs in — and nothing else is; no ``samples``,
  ``segments``, ``muscle_load`` or ``hints`` row belongs to a run that is not in ``runs`` (own SQL, beside
  :func:`runload.store.check_store`).  ``complete=False`` after a fault: inputs may be missing (not yet
  stored), never misfiled or doubled.
- :func:`assert_reports_match`: one complete report page per stored run, each linked from ``index.html``,
  no stray page and no temporary file left behind.
- :func:`assert_one_message`: the user saw one ``Error: …`` line or the summary line, never a traceback.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from batch_logs import good_files, mixed_log

RUNLOAD = Path(sys.executable).with_name("runload")
TABLES = ("runs", "skipped", "failures")
CHILD_TABLES = ("samples", "segments", "muscle_load", "hints")
SUMMARY = re.compile(r"^\d+ files in \d+\.\d s: \d+ analysed \(\d+ runs\), \d+ unchanged, \d+ skipped, "
                     r"\d+ failed.*Output: ")


def fault_log(folder: Path, n_good: int = 3) -> dict[str, str]:
    """:func:`batch_logs.mixed_log` (runs, skipped files, failures, a zip export) plus ``n_good`` simulated
    easy runs in ``folder/more``; returns source → the table it must end in."""
    expect = mixed_log(folder)
    for path in good_files(folder / "more", n_good):
        expect[str(path)] = "runs"
    return expect


def batch_args(log: Path, out: Path, *extra: str) -> list[str]:
    """The ``runload batch`` command line of the fault tests (no progress display: stdout is the summary)."""
    return [str(RUNLOAD), "batch", str(log), "-o", str(out), "--progress", "none", *extra]


def run_batch(log: Path, out: Path, *extra: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(batch_args(log, out, *extra), capture_output=True, text=True, timeout=timeout)


def stored_sources(out: Path) -> dict[str, list[str]]:
    """Table → the sources it holds (one entry per source, duplicates kept so that a doubled one shows)."""
    import runload

    log = runload.open_log(out)
    # In source order: the callers compare these lists, and DISTINCT (a hash aggregate) returns its rows in
    # any order (CI once saw the same sources in another order after a second batch).
    found = {t: list(log.sql(f"SELECT source FROM {t} ORDER BY source")["source"]) for t in ("skipped", "failures")}
    found["runs"] = list(log.sql("SELECT DISTINCT source FROM runs ORDER BY source")["source"])  # a file's sessions
    return found


def assert_accounted(out: Path, expect: dict[str, str], complete: bool = True) -> dict[str, list[str]]:
    """Every input in exactly its table, no orphan rows; ``complete``: every input is there."""
    import duckdb

    from runload.store import check_store, store_path

    assert check_store(out) == []
    found = stored_sources(out)
    where: dict[str, list[str]] = {}
    for table, sources in found.items():
        for source in sources:
            where.setdefault(source, []).append(table)
    doubled = {s: t for s, t in where.items() if len(t) != 1}
    assert not doubled, f"sources in more than one table: {doubled}"
    unknown = set(where) - set(expect)
    assert not unknown, f"sources that are no input: {unknown}"
    misfiled = {s: (t[0], expect[s]) for s, t in where.items() if t[0] != expect[s]}
    assert not misfiled, f"sources in the wrong table (found, expected): {misfiled}"
    if complete:
        missing = set(expect) - set(where)
        assert not missing, f"inputs not accounted for: {missing}"
    con = duckdb.connect(str(store_path(out)), read_only=True)
    try:
        for table in CHILD_TABLES:
            orphans = con.execute(f"SELECT count(*) FROM {table} WHERE run_id NOT IN (SELECT run_id FROM runs)"
                                  ).fetchone()[0]
            assert orphans == 0, f"{orphans} {table} rows of runs not in runs"
        runs_without_samples = con.execute(
            "SELECT count(*) FROM runs WHERE run_id NOT IN (SELECT run_id FROM samples)").fetchone()[0]
        assert runs_without_samples == 0
    finally:
        con.close()
    return found


def assert_reports_match(out: Path, exact: bool = True) -> None:
    """One complete page per stored run in ``OUTDIR/runs``, each linked from ``index.html``; no temporary
    file; ``exact``: no other page (``False`` lets pages of runs no longer stored stay, a known defect)."""
    import runload

    n_runs = len(runload.open_log(out).runs)
    pages = sorted(p.name for p in (out / "runs").glob("*.html"))
    index = (out / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="runs/([^"]+\.html)"', index))
    assert len(linked) == n_runs, (len(linked), n_runs)
    if exact:
        assert linked == set(pages), sorted(linked ^ set(pages))
    else:
        assert linked <= set(pages), sorted(linked - set(pages))
    for name in linked:
        with open(out / "runs" / name, "rb") as f:
            f.seek(-64, 2)
            assert f.read().rstrip().endswith(b"</html>"), f"{name} is cut short"
    leftovers = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def assert_one_message(done: subprocess.CompletedProcess, *, error: bool) -> str:
    """What the user saw: one ``Error: …`` line on stderr (``error``) or the summary line on stdout; never
    a traceback.  Returns that line."""
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    if error:
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error: "), \
            (done.returncode, done.stdout, done.stderr)
        return lines[0]
    lines = done.stdout.strip().splitlines()
    assert done.returncode in (0, 1) and len(lines) == 1 and SUMMARY.match(lines[0]), \
        (done.returncode, done.stdout, done.stderr)
    failed = done.stderr.strip().splitlines()  # one ``Error: SOURCE: stage: reason`` line per failed file
    assert all(f.startswith("Error: ") for f in failed) and (not failed or done.returncode == 1), done.stderr
    return lines[0]
