"""Running fuzz inputs with a time and a memory bound, checking the promises, and the long profile.

The promise checked for every input (:func:`check_input`): reading it either gives runs or raises a
:class:`~runload.errors.RunloadError`; every run read is analysed by :func:`runload.analyze_run` (which may
refuse it with a ``RunloadError`` too), and every analysis has finite, non-negative muscle-group loads and
a non-negative, non-decreasing distance.  Anything else is a failure with a *signature*: the exception
type and the deepest runload frame (``ValueError at runload/io/gpx.py:120``), ``timeout``, ``memory``, or
the broken invariant.

Bounds: :func:`bounded` runs one input under an interval timer counting the process's CPU time
(``ITIMER_PROF``: a shared, busy machine does not make a fast input look slow; a Python-level hang raises
:class:`InputTimeout`), ``faulthandler`` as a wall-clock backstop (a hang inside C code ends the process
with a traceback instead of stalling CI) and a soft ``RLIMIT_AS`` (an allocation beyond the budget raises
``MemoryError``).  The long profile (:func:`run_campaign`) runs the inputs in worker processes (``python -m
promises.fuzzrun --worker``) watched by a supervisor that kills a worker which spent more than ``3 ×
seconds + 60`` s of CPU time (or 30 min of wall time) on one input and records a hang, or a crash for a
worker that died, for the input it was on, then carries on after it.

Command line (from the project folder)::

    PYTHONPATH=tests .venv/bin/python -m promises.fuzzrun --inputs 100000 --workers 2 --json out.json
    PYTHONPATH=tests .venv/bin/python -m promises.fuzzrun --only 1234 --write /tmp/input-1234.bin
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from promises.mutate import Seed, make_input

from runload.errors import RunloadError

__all__ = ["InputTimeout", "bounded", "in_child", "ChildResult", "load_seeds", "check_input", "analysis_problems", "signature",
           "run_campaign", "Outcome", "FIT_DECODER_CYCLE", "KNOWN_DEFECTS"]

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DATA_DIR = Path(os.environ.get("RUNLOAD_SHARED_DATA", PROJECT_DIR.parent / "shared" / "data"))
#: Largest shared file used as a seed [bytes] (larger ones make every input slow, not more thorough).
MAX_SEED_BYTES = 25_000
#: FIT decoders the inputs are read with, in turn (the default most often).
FIT_DECODER_CYCLE = ("columnar", "columnar", "fitdecode", "columnar", "fitparse")
GiB = 1024**3
#: Runs of one input analysed (an input duplicating its track 700 times reads as 700 runs, in linear time,
#: and 700 analyses of copies would only test the time bound).
MAX_ANALYSED = 8
#: Failure signatures of defects diagnosed but not fixed here (each has a strict xfail test naming the
#: file and line); any other signature fails the quick and the long profile.
KNOWN_DEFECTS = {
    "invariant: distance is negative":
        "tests/promises/test_fuzz_analysis.py::test_a_negative_recorded_distance_gives_a_non_negative_analysed_distance",
    "OutOfBoundsTimedelta at runload/grade.py:187 (analyze)":
        "tests/promises/test_fuzz_analysis.py::test_an_absurd_recorded_distance_is_read_or_refused_cleanly",
}


class InputTimeout(BaseException):
    """One input took longer than its bound (a BaseException, so no ``except Exception`` swallows it)."""


def _alarm(signum, frame):
    raise InputTimeout()


#: Wall-clock backstop of :func:`bounded` for a bound of ``seconds`` of CPU time [s].
def backstop_s(seconds: float) -> float:
    return 10 * seconds + 120


@contextlib.contextmanager
def bounded(seconds: float, memory_bytes: int | None = GiB):
    """Run the body with a bound of ``seconds`` of CPU time (``InputTimeout``) and ``memory_bytes`` of
    address space beyond what the process holds now (``MemoryError``); a hang in C code ends the process
    after :func:`backstop_s` seconds of wall time with a traceback (faulthandler)."""
    old_handler = signal.signal(signal.SIGPROF, _alarm)
    old_limit = resource.getrlimit(resource.RLIMIT_AS)
    if memory_bytes is not None:
        import psutil

        soft = psutil.Process().memory_info().vms + memory_bytes
        if old_limit[1] != resource.RLIM_INFINITY:
            soft = min(soft, old_limit[1])
        resource.setrlimit(resource.RLIMIT_AS, (soft, old_limit[1]))
    faulthandler.dump_traceback_later(backstop_s(seconds), exit=True)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        faulthandler.cancel_dump_traceback_later()
        resource.setrlimit(resource.RLIMIT_AS, old_limit)
        signal.signal(signal.SIGPROF, old_handler)


@dataclass
class ChildResult:
    """What :func:`in_child` saw: the value or the exception (type name and text), the Python memory peak
    (tracemalloc: every allocation through Python's allocators, expat's and numpy's included) [bytes], the
    wall time [s], and whether the time bound ended it."""

    value: object = None
    error: str | None = None
    message: str = ""
    peak_bytes: int = 0
    seconds: float = 0.0
    timed_out: bool = False


def _child_main(conn, fn, memory_bytes: int | None) -> None:
    import tracemalloc

    if memory_bytes is not None:
        import psutil

        resource.setrlimit(resource.RLIMIT_AS, (psutil.Process().memory_info().vms + memory_bytes,
                                                resource.getrlimit(resource.RLIMIT_AS)[1]))
    tracemalloc.start()
    t0 = time.perf_counter()
    out = ChildResult()
    try:
        out.value = fn()
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        out.error, out.message = type(e).__name__, str(e)[:500]
    out.seconds = time.perf_counter() - t0
    out.peak_bytes = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    try:
        conn.send(out)
    except Exception:  # noqa: BLE001 - an unpicklable value: say so
        conn.send(ChildResult(error="unpicklable result", peak_bytes=out.peak_bytes, seconds=out.seconds))
    conn.close()


def in_child(fn, seconds: float, memory_bytes: int | None = GiB) -> ChildResult:
    """Run ``fn()`` in a forked process with ``memory_bytes`` of address space beyond what it starts with
    and ``seconds`` of wall time (then it is killed: ``timed_out``); ``fn`` and its value must pickle only
    on the way back."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the child runs no thread
        p = ctx.Process(target=_child_main, args=(child, fn, memory_bytes), daemon=True)
        p.start()
    child.close()
    t0 = time.perf_counter()
    if parent.poll(seconds):
        try:
            result = parent.recv()
        except EOFError:
            result = ChildResult(error=f"child died (exit {p.exitcode})")
    else:
        result = ChildResult(timed_out=True, seconds=time.perf_counter() - t0)
    if p.is_alive() and result.timed_out:
        p.kill()
    p.join(10)
    if result.error is None and not result.timed_out and p.exitcode not in (0, None):
        result.error = f"child died (exit {p.exitcode})"
    return result


def _simulated_seeds() -> list[Seed]:
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes, gpx_bytes, tcx_bytes

    out = []
    for kind, kw in (("easy", {"duration_s": 90, "dynamics": True}), ("intervals", {"duration_s": 120}),
                     ("hills", {"duration_s": 100, "smart_recording": True}), ("treadmill", {"duration_s": 60})):
        sim = simulate_run(kind, seed=7, **kw)
        for writer, ext in ((fit_bytes, "fit"), (gpx_bytes, "gpx"), (tcx_bytes, "tcx")):
            if ext == "gpx" and kind == "treadmill":  # no positions: GPX cannot hold it
                continue
            out.append(Seed(f"sim-{kind}.{ext}", writer(sim)))
    return out


def load_seeds(max_bytes: int = MAX_SEED_BYTES, shared: bool = True) -> list[Seed]:
    """The seeds: short simulated runs in the three formats, then the shared data's files (running or not)
    up to ``max_bytes`` when ``shared`` and the folder exists."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seeds = _simulated_seeds()
    catalog = SHARED_DATA_DIR / "catalog.json"
    if shared and catalog.is_file():
        for e in json.loads(catalog.read_text())["files"]:
            if e["bytes"] <= max_bytes:
                path = SHARED_DATA_DIR / e["path"]
                seeds.append(Seed(f"shared/{path.name.lower()}", path.read_bytes()))
    return seeds


def signature(exc: BaseException) -> str:
    """``Type at runload/…:line`` (the deepest frame inside runload, else the deepest frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/runload/" in f.filename.replace(os.sep, "/")]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return type(exc).__name__
    path = frame.filename.replace(os.sep, "/")
    path = path[path.rfind("/runload/") + 1:] if "/runload/" in path else Path(path).name
    return f"{type(exc).__name__} at {path}:{frame.lineno}"


def _caused_by_memory(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, MemoryError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def analysis_problems(analysis) -> list[str]:
    """What breaks the analysis promise: loads finite and ≥ 0, distance ≥ 0 and non-decreasing."""
    problems = []
    load = analysis.load
    if load is None or len(load) == 0:
        problems.append("no muscle-group loads")
    else:
        rel = np.asarray(load["rel_load"], dtype=float)
        if not np.isfinite(rel).all():
            problems.append("a muscle-group load is not finite")
        elif (rel < 0).any():
            problems.append("a muscle-group load is negative")
    if analysis.load_samples is not None:
        cols = [c for c in analysis.load_samples.columns if c.startswith("load_") and c.endswith("_au")]
        values = analysis.load_samples[cols].to_numpy(dtype=float)
        if np.isinf(values).any():
            problems.append("a per-sample load is infinite")
        if (values < 0).any():
            problems.append("a per-sample load is negative")
    if "distance_m" in analysis.samples:
        d = analysis.samples["distance_m"].to_numpy(dtype=float)
        d = d[~np.isnan(d)]
        if np.isinf(d).any():
            problems.append("distance is infinite")
        elif (d < 0).any():
            problems.append("distance is negative")
        elif (np.diff(d) < 0).any():
            problems.append("distance decreases")
    total = analysis.summary.get("distance_m")
    if total is not None and not (np.isfinite(total) and total >= 0):
        problems.append(f"summary distance {total!r} is not finite and non-negative")
    return problems


@dataclass
class Outcome:
    """What one input did: ``kind`` ∈ {read, refused, failed}; ``signature`` for a failure."""

    kind: str
    signature: str | None = None
    runs: int = 0
    analysed: int = 0
    detail: str = ""
    problems: list[str] = field(default_factory=list)


def check_input(data: bytes, name: str, decoder: str = "columnar", analyze: bool = True) -> Outcome:
    """Read ``data`` (and analyse what it gives) and judge it against the promise.  Exceptions other than
    RunloadError and the bounds' own (timeout, memory) become a failed Outcome; InputTimeout propagates."""
    from runload.io.dispatch import read_bytes_runs
    from runload.pipeline import analyze_run

    stage = "read"
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            runs = read_bytes_runs(data, source_name=name, decoder=decoder)
            out = Outcome("read", runs=len(runs))
            if analyze:
                stage = "analyze"
                for run in runs[:MAX_ANALYSED]:
                    try:
                        analysis = analyze_run(run)
                    except RunloadError:
                        continue
                    out.analysed += 1
                    out.problems += analysis_problems(analysis)
    except RunloadError as e:
        if _caused_by_memory(e):
            return Outcome("failed", f"memory ({stage}; wrapped in {type(e).__name__})", detail=str(e)[:300])
        if stage == "analyze":  # a run was read, then the analysis refused it as a whole
            return Outcome("read", detail=str(e)[:300])
        return Outcome("refused", detail=str(e)[:300])
    except MemoryError as e:
        return Outcome("failed", f"memory ({stage})", detail=signature(e))
    except RecursionError as e:
        return Outcome("failed", f"{signature(e)} ({stage})", detail=str(e)[:300])
    except Exception as e:  # noqa: BLE001 - every other exception breaks the promise
        return Outcome("failed", f"{signature(e)} ({stage})", detail=f"{e!s}"[:300])
    if out.problems:
        out.kind, out.signature = "failed", "invariant: " + "; ".join(sorted(set(out.problems)))
    return out


def decoder_for(i: int) -> str:
    return FIT_DECODER_CYCLE[i % len(FIT_DECODER_CYCLE)]


def run_one(seeds: list[Seed], campaign: int, i: int, seconds: float, memory_bytes: int | None,
            analyze: bool = True) -> dict:
    """Input ``i`` built, checked within the bounds; a JSON-able record."""
    try:
        with bounded(seconds, None):
            seed, data, ops = make_input(seeds, campaign, i)
    except InputTimeout:  # the fuzzer's own fault, never runload's: reported apart
        return {"i": i, "kind": "failed", "signature": "fuzzer: building the input timed out", "seed": "?",
                "ops": [], "bytes": 0, "decoder": "", "analysed": 0, "seconds": seconds, "cpu_s": seconds,
                "detail": ""}
    t0 = time.perf_counter()
    c0 = time.process_time()
    try:
        with bounded(seconds, memory_bytes):
            outcome = check_input(data, seed.name, decoder_for(i), analyze)
    except InputTimeout:
        outcome = Outcome("failed", "timeout", detail=f"more than {seconds} s")
    except MemoryError:
        outcome = Outcome("failed", "memory (outside the reader)")
    return {"i": i, "kind": outcome.kind, "signature": outcome.signature, "seed": seed.name, "ops": ops,
            "bytes": len(data), "decoder": decoder_for(i), "analysed": outcome.analysed,
            "seconds": round(time.perf_counter() - t0, 3), "cpu_s": round(time.process_time() - c0, 3),
            "detail": outcome.detail if outcome.signature else ""}


# --- the long profile: workers and their supervisor ------------------------------------------------------


def _worker(campaign: int, start: int, stop: int, seconds: float, memory_bytes: int, max_seed_bytes: int) -> None:
    seeds = load_seeds(max_seed_bytes)
    print(json.dumps({"ready": len(seeds)}), flush=True)
    for i in range(start, stop):
        print(json.dumps(run_one(seeds, campaign, i, seconds, memory_bytes)), flush=True)


@dataclass
class CampaignResult:
    """Counts by outcome, failures by signature (with the first inputs), slowest inputs, wall time."""

    inputs: int = 0
    kinds: Counter = field(default_factory=Counter)
    failures: dict = field(default_factory=dict)  # signature → {"count", "first": [i, …], "example"}
    slowest: list = field(default_factory=list)
    seconds: float = 0.0
    restarts: int = 0

    def add(self, rec: dict) -> None:
        self.inputs += 1
        self.kinds[rec["kind"]] += 1
        if rec["kind"] == "failed":
            f = self.failures.setdefault(rec["signature"], {"count": 0, "first": [], "example": rec})
            f["count"] += 1
            if len(f["first"]) < 10:
                f["first"].append(rec["i"])
        self.slowest = sorted([*self.slowest, (rec.get("cpu_s", 0.0), rec["i"], rec["seed"], rec["ops"])],
                              reverse=True)[:5]

    def as_dict(self) -> dict:
        return {"inputs": self.inputs, "kinds": dict(self.kinds), "failures": self.failures,
                "slowest": self.slowest, "seconds": round(self.seconds, 1), "restarts": self.restarts}


def _spawn(campaign: int, start: int, stop: int, seconds: float, memory_bytes: int, nice: int,
           max_seed_bytes: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_DIR / "tests"),
                                                                    os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "promises.fuzzrun", "--worker", "--campaign", str(campaign), "--start",
           str(start), "--stop", str(stop), "--seconds", str(seconds), "--memory", str(memory_bytes),
           "--max-seed-bytes", str(max_seed_bytes)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=PROJECT_DIR, env=env,
                            preexec_fn=(lambda: os.nice(nice)) if nice else None)


def run_campaign(n: int, *, campaign: int = 12, workers: int = 2, seconds: float = 20.0,
                 memory_bytes: int = GiB, nice: int = 0, max_seed_bytes: int = MAX_SEED_BYTES,
                 progress=None) -> CampaignResult:
    """Check inputs ``0 … n-1`` of ``campaign`` in ``workers`` processes; a worker that dies, or spends
    ``3 × seconds + 60`` s of CPU time (30 min of wall time) on one input, is recorded as a crash or hang of
    the input it was on, then restarted after it."""
    import psutil

    result = CampaignResult()
    t0 = time.perf_counter()
    bounds = np.linspace(0, n, workers + 1).astype(int)
    todo = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    sel = selectors.DefaultSelector()
    # worker → [process, next input expected, stop, wall time of the last line, partial line, CPU time then]
    state: dict[int, list] = {}

    def start(a: int, b: int) -> None:
        p = _spawn(campaign, a, b, seconds, memory_bytes, nice, max_seed_bytes)
        os.set_blocking(p.stdout.fileno(), True)
        state[p.pid] = [p, a, b, time.monotonic(), b"", 0.0]
        sel.register(p.stdout, selectors.EVENT_READ, p.pid)

    for a, b in todo:
        start(a, b)
    silence = 3 * seconds + 60  # seeds take a few seconds to build before the first input

    def p_of(pid: int):
        return state[pid][0]

    def _cpu(p) -> float:
        try:
            t = psutil.Process(p.pid).cpu_times()
        except psutil.Error:
            return 0.0
        return t.user + t.system
    while state:
        for key, _ in sel.select(timeout=5):
            pid = key.data
            st = state[pid]
            chunk = os.read(key.fileobj.fileno(), 1 << 16)
            if chunk:
                st[4] += chunk
                *lines, st[4] = st[4].split(b"\n")
                for line in lines:
                    rec = json.loads(line)
                    st[3] = time.monotonic()
                    st[5] = _cpu(p_of(pid))
                    if "ready" in rec:
                        continue
                    result.add(rec)
                    st[1] = rec["i"] + 1
                    if progress is not None:
                        progress(result)
                continue
            sel.unregister(key.fileobj)
            p = st[0]
            rc = p.wait()
            del state[pid]
            if st[1] < st[2]:  # died before its last input: that input crashed it
                rec = {"i": st[1], "kind": "failed", "signature": f"worker died (exit {rc})", "seed": "?",
                       "ops": [], "seconds": 0.0}
                result.add(rec)
                result.restarts += 1
                if st[1] + 1 < st[2]:
                    start(st[1] + 1, st[2])
        now = time.monotonic()
        for pid, st in list(state.items()):
            if _cpu(st[0]) - st[5] > silence or now - st[3] > 1800:
                p = st[0]
                p.kill()
                p.wait()
                sel.unregister(p.stdout)
                del state[pid]
                result.add({"i": st[1], "kind": "failed", "signature": "hang (worker silent)", "seed": "?",
                            "ops": [], "seconds": round(now - st[3], 1)})
                result.restarts += 1
                if st[1] + 1 < st[2]:
                    start(st[1] + 1, st[2])
    result.seconds = time.perf_counter() - t0
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m promises.fuzzrun", description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=100_000)
    ap.add_argument("--campaign", type=int, default=12)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20.0, help="time bound per input [s]")
    ap.add_argument("--memory", type=int, default=GiB, help="address space per input beyond the worker's [bytes]")
    ap.add_argument("--nice", type=int, default=0)
    ap.add_argument("--max-seed-bytes", type=int, default=MAX_SEED_BYTES, help="largest shared file used as a seed")
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--only", type=int, help="check one input and print its record")
    ap.add_argument("--write", type=Path, help="with --only: write the input's bytes here")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--stop", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(args.campaign, args.start, args.stop, args.seconds, args.memory, args.max_seed_bytes)
        return 0
    if args.only is not None:
        seeds = load_seeds(args.max_seed_bytes)
        if args.write:
            args.write.write_bytes(make_input(seeds, args.campaign, args.only)[1])
        print(json.dumps(run_one(seeds, args.campaign, args.only, args.seconds, args.memory), indent=1))
        return 0
    last = [0.0]

    def progress(r: CampaignResult) -> None:
        if time.monotonic() - last[0] > 30:
            last[0] = time.monotonic()
            print(f"{r.inputs} inputs, {dict(r.kinds)}, {len(r.failures)} failure signatures", file=sys.stderr,
                  flush=True)
            if args.json:
                args.json.write_text(json.dumps(r.as_dict(), indent=1, default=str))

    result = run_campaign(args.inputs, campaign=args.campaign, workers=args.workers, seconds=args.seconds,
                          memory_bytes=args.memory, nice=args.nice, max_seed_bytes=args.max_seed_bytes,
                          progress=progress)
    text = json.dumps(result.as_dict(), indent=1, default=str)
    if args.json:
        args.json.write_text(text)
    print(text)
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
