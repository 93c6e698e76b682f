"""Wall time of short command lines: ``runload --help``, ``runload inspect small.fit``, ``runload batch --help``.

What it measures: each command line is started as a new process (the user's view: interpreter start,
imports, work), ``--repeat`` times (default 7) in interleaved rounds so that the machine's load drifts
evenly over all of them, and reports the median wall time, absolute and as a ratio to the reference
``python -c pass`` measured in the same rounds (the interpreter's own start), and the median CPU time
(user + system) of the process, which a busy machine inflates less than the wall time.  ``python -c "import pandas"``
is measured beside them: it is the floor of any command that reads a file (the canonical frame is a pandas
DataFrame).  Goals (issue 10): ``runload --help`` ≤ 0.25 s, ``runload inspect small.fit`` ≤ 0.4 s.

Run::

    .venv/bin/python benchmarks/bench_cli.py [--repeat 7] [--file PATH.fit] [--pythonpath DIR]

``--pythonpath`` puts another copy of the package first on the path (e.g. an unpacked ``git archive`` of an
older commit) to compare two versions with the same interpreter.  The file defaults to the fitparse test
file ``Activity.fit`` from the shared corpus, else to ``sample_runs/easy.fit``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SMALL_FIT = PROJECT.parent / "shared/data/dtcooper__python-fitparse/tests/files/Activity.fit"


def _runload() -> list[str]:
    """The installed ``runload`` script beside this interpreter, else ``python -m runload``."""
    script = Path(sys.executable).with_name("runload")
    return [str(script)] if script.exists() else [sys.executable, "-m", "runload"]


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """[s] wall and CPU time of one run of ``argv`` (its output discarded; a failure stops the benchmark)."""
    cpu = _cpu_children()
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed, _cpu_children() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--file", type=Path, default=SMALL_FIT if SMALL_FIT.exists() else PROJECT / "sample_runs/easy.fit")
    parser.add_argument("--pythonpath", type=Path, default=None)
    args = parser.parse_args()

    env = dict(os.environ)
    # A user's interpreter writes runload's .pyc files on the first import (pip writes them at install);
    # a machine set to never write them (PYTHONDONTWRITEBYTECODE, as the development machine is) would
    # compile every module on every start: 40-50 ms of `inspect` that no user pays.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(args.pythonpath), *filter(None, [env.get("PYTHONPATH")])])
    runload = _runload()
    cases = {
        "python -c pass (reference)": [sys.executable, "-c", "pass"],
        "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
        "runload --help": [*runload, "--help"],
        "runload batch --help": [*runload, "batch", "--help"],
        "runload inspect --help": [*runload, "inspect", "--help"],
        f"runload inspect {args.file.name}": [*runload, "inspect", str(args.file)],
    }
    for argv in cases.values():  # warm the file cache and write the .pyc files
        _wall(argv, env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, argv in cases.items():
            times[name].append(_wall(argv, env))
    ref_wall = statistics.median(w for w, _ in times["python -c pass (reference)"])
    ref_cpu = statistics.median(c for _, c in times["python -c pass (reference)"])
    print(f"medians of {args.repeat} runs (interleaved); ratios to `python -c pass`"
          + (f"; PYTHONPATH={args.pythonpath}" if args.pythonpath else ""))
    print(f"  {'':<36} {'wall':>8} {'ratio':>6}   {'CPU':>8} {'ratio':>6}   wall min–max")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        walls = [w for w, _ in values]
        print(f"  {name:<36} {wall:6.3f} s {wall / ref_wall:5.1f}×   {cpu:6.3f} s {cpu / ref_cpu:5.1f}×   "
              f"{min(walls):.3f}–{max(walls):.3f} s")


if __name__ == "__main__":
    main()
