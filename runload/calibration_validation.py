"""How much automatic personal calibration (``runload batch`` with personal norms) improves the contact
time of runs without a sensor — the measurement core of ``benchmarks/validate_calibration.py`` and
``tests/test_calibration_accuracy.py``, so the README's figure and the benchmark cannot drift apart.

Simulated runners (:func:`measure_simulated_runner`): one runner's log from
:func:`runload.simulate_log.simulate_log` (known k̂_ref, height, cadence model, easy speed; some runs with
a chest strap) is written as FIT files and processed by the real batch twice,
``process_log(..., norms=False)`` (before) and ``norms=True`` (after), each into its own store.  For each
run **without** a strap the stored model contact time (``samples.contact_time_ms`` where
``contact_time_source = 'model'`` and ``state = 'running'``) is compared second by second with the
simulator's true contact time: the run's error is the median |model − truth| [ms].

The per-second truth carries the simulated cadence noise (the model sees 30 s averaged inputs), so even
a perfect calibration leaves a few ms of error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RunloadError
from .simulate import Athlete
from .simulate_log import log_file_name, simulate_log, write_log
from .store.tables import sql_string

__all__ = ["RunError", "model_contact_error", "stored_model_contact_time", "measure_simulated_runner",
           "measure_simulated", "strip_running_dynamics", "RUNNING_DYNAMICS_FIELDS", "SIMULATED_RUNNERS",
           "README_LOG"]

SIMULATED_RUNNERS: tuple[tuple[str, Athlete], ...] = (
    # Three runners around the model default k̂_ref 13: softer, the sample athlete, stiffer; with their own
    # height, easy pace and cadence, so the population cadence model and easy speed are off too.
    ("soft", Athlete(khat_ref=9.0, height_m=1.70, easy_speed_mps=2.8, cadence_offset_spm=4.0)),
    ("sample", Athlete(khat_ref=11.5)),
    ("stiff", Athlete(khat_ref=15.0, height_m=1.86, easy_speed_mps=3.4, cadence_offset_spm=-6.0,
                      cadence_slope_spm_per_mps=10.0)),
)
"""The simulated runners of the measurement (name, athlete): true k̂_ref 9, 11.5 and 15."""

README_LOG = {"n_runs": 8, "weeks": 6, "sensor_runs": 3, "duration_s": 1200, "seed": 1}
"""The log each simulated runner has for the README's figure (and its test): 8 runs of 20 min over six
weeks from 4 March (so April's runs also get a cadence model from March), 3 of them with a strap."""

# FIT profile: record (global message 20) fields of running dynamics, by field number.
_FIT_RECORD = 20
RUNNING_DYNAMICS_FIELDS = {39: "vertical_oscillation", 40: "stance_time_percent", 41: "stance_time",
                           83: "vertical_ratio", 84: "stance_time_balance", 85: "step_length"}


@dataclass(frozen=True)
class RunError:
    """Contact-time error of one run's model estimate against a reference.

    Attributes
    ----------
    median_abs_ms : float  [ms]  median |model − reference| over the compared seconds
    bias_ms : float  [ms]  median of model − reference
    seconds : int  seconds compared (running, model estimate, finite reference)
    """

    median_abs_ms: float
    bias_ms: float
    seconds: int


def model_contact_error(samples: pd.DataFrame, reference_ms: pd.Series) -> RunError:
    """Error of the model contact time of ``samples`` against ``reference_ms`` on the same timestamps.

    Parameters
    ----------
    samples : pandas.DataFrame
        Index ``time`` (UTC); ``contact_time_ms``, ``contact_time_source``, ``state`` (an analysed run,
        from the store or :attr:`runload.analysis.Analysis.samples`).
    reference_ms : pandas.Series  [ms]
        True (or device) contact time, index ``time`` (UTC); NaN where there is none.

    Returns
    -------
    RunError
        NaN errors and 0 seconds when no second compares.
    """
    use = samples[(samples["contact_time_source"] == "model") & (samples["state"] == "running")]
    ref = reference_ms.reindex(use.index)
    err = (use["contact_time_ms"].astype(float) - ref.astype(float)).to_numpy()
    err = err[np.isfinite(err)]
    if not len(err):
        return RunError(float("nan"), float("nan"), 0)
    return RunError(float(np.median(np.abs(err))), float(np.median(err)), int(len(err)))


def stored_model_contact_time(sql, source: str, session_index: int = 0) -> pd.DataFrame:
    """The stored samples of the run from file ``source`` (its session ``session_index``): index ``time``
    (UTC), ``contact_time_ms``, ``contact_time_source``, ``state``, plus the run's ``norms_key`` (NULL:
    analysed without norms).

    Raises
    ------
    RunloadError
        The store holds no run from ``source`` (it failed or was skipped).
    """
    frame = sql("SELECT s.time, s.contact_time_ms, s.contact_time_source, s.state, r.norms_key "
                f"FROM samples s JOIN runs r USING (run_id) WHERE r.source = {sql_string(source)} "
                f"AND r.session_index = {int(session_index)} ORDER BY s.time")
    if frame.empty:
        raise RunloadError(source, "no stored run from this file")
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame.set_index("time")


def _batch(folder: Path, outdir: Path, *, norms: bool, height_m: float, jobs: int):
    from .batch import process_log  # noqa: PLC0415 - the batch pulls the store and the report stack

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = process_log([folder], outdir, jobs=jobs, height_m=height_m, reports=False, dashboard=False,
                              progress="none", norms=norms)
    if summary.failed:
        raise RunloadError(outdir, f"{summary.failed} simulated files failed: {summary.failures}")
    from .store import open_log  # noqa: PLC0415

    return open_log(outdir)


def measure_simulated_runner(athlete: Athlete, workdir: str | Path, *, name: str = "runner", n_runs: int = 12,
                             weeks: int = 4, sensor_runs: int = 4, seed: int = 0, duration_s: int | None = None,
                             jobs: int = 1) -> pd.DataFrame:
    """Before/after contact-time error of one simulated runner's runs without a sensor (module docstring).

    Parameters
    ----------
    athlete : Athlete
        The runner (true k̂_ref, height, cadence model, easy speed).  The batch is given the runner's
        height (``--height``), as a runner who set it would; everything else it learns from the log.
    workdir : path-like
        An empty folder for the log and the two stores.
    name : str
        Label of the runner in the result.
    n_runs, weeks, sensor_runs, seed, duration_s
        The log (:func:`runload.simulate_log.simulate_log`).
    jobs : int
        Worker processes of each batch (1: in this process).

    Returns
    -------
    pandas.DataFrame
        One row per run without a sensor: ``runner``, ``khat_true``, ``file``, ``kind``, ``before_ms``,
        ``after_ms`` (median |model − truth|), ``bias_before_ms``, ``bias_after_ms``, ``seconds``,
        ``norms_used`` (the after-batch stored the run with personal norms), ``norms_used_before`` (the
        before-batch did: never, a check of the measurement).
    """
    work = Path(workdir)
    runs = simulate_log(athlete, n_runs=n_runs, weeks=weeks, sensor_runs=sensor_runs, seed=seed,
                        duration_s=duration_s)
    folder = work / "log"
    write_log(runs, folder)
    before = _batch(folder, work / "before", norms=False, height_m=athlete.height_m, jobs=jobs)
    after = _batch(folder, work / "after", norms=True, height_m=athlete.height_m, jobs=jobs)
    rows = []
    for sim in runs:
        if sim.has_running_dynamics:
            continue
        source = str(folder / log_file_name(sim))
        truth = sim.truth["contact_time_ms"]
        a = stored_model_contact_time(before.sql, source)
        b = stored_model_contact_time(after.sql, source)
        ea, eb = model_contact_error(a, truth), model_contact_error(b, truth)
        rows.append({"runner": name, "khat_true": athlete.khat_ref, "file": Path(source).name, "kind": sim.kind,
                     "before_ms": ea.median_abs_ms, "after_ms": eb.median_abs_ms, "bias_before_ms": ea.bias_ms,
                     "bias_after_ms": eb.bias_ms, "seconds": eb.seconds,
                     "norms_used": bool(b["norms_key"].notna().all()),
                     "norms_used_before": bool(a["norms_key"].notna().any())})
    return pd.DataFrame(rows)


def strip_running_dynamics(data: bytes, source: str = "<bytes>") -> bytes:
    """A FIT file's bytes with every record's running dynamics set to FIT's invalid value (0xFF bytes).

    The file is otherwise byte for byte the same (the file CRC is recomputed): a copy "recorded without
    the strap", to hide a run's device contact time from the whole batch.  Fields of
    :data:`RUNNING_DYNAMICS_FIELDS` in record messages only (lap and session averages stay; the analysis
    does not use them for contact time).

    Raises
    ------
    RunloadError
        Not a single FIT file (chained files are not handled), or a message runs past the end.
    """
    from .simulate_write import fit_crc16  # noqa: PLC0415

    buf = bytearray(data)
    if len(buf) < 14 or buf[8:12] != b".FIT":
        raise RunloadError(source, "not a FIT file")
    head = buf[0]
    end = head + int.from_bytes(buf[4:8], "little")
    if end + 2 != len(buf):
        raise RunloadError(source, "chained or truncated FIT file: not handled")
    layouts: dict[int, tuple[int, list[tuple[int, int]], int]] = {}  # local → (global, [(offset, size)], size)
    pos = head
    while pos < end:
        h = buf[pos]
        pos += 1
        if h & 0x80:  # compressed timestamp header: a data message of local type (h >> 5) & 3
            local, definition, dev = (h >> 5) & 0x03, False, False
        else:
            local, definition, dev = h & 0x0F, bool(h & 0x40), bool(h & 0x20)
        if definition:
            little = buf[pos + 1] == 0
            glob = int.from_bytes(buf[pos + 2:pos + 4], "little" if little else "big")
            n = buf[pos + 4]
            fields, offset, q = [], 0, pos + 5
            for _ in range(n):
                num, size = buf[q], buf[q + 1]
                if glob == _FIT_RECORD and num in RUNNING_DYNAMICS_FIELDS:
                    fields.append((offset, size))
                offset += size
                q += 3
            if dev:
                for _ in range(buf[q]):
                    offset += buf[q + 2]
                    q += 3
                q += 1
            layouts[local] = (glob, fields, offset)
            pos = q
        else:
            if local not in layouts:
                raise RunloadError(source, f"data message without a definition at byte offset {pos - 1}")
            _, fields, size = layouts[local]
            for off, width in fields:
                buf[pos + off:pos + off + width] = b"\xff" * width
            pos += size
        if pos > end:
            raise RunloadError(source, f"a message runs past the end of the data at byte offset {pos}")
    crc = fit_crc16(bytes(buf[:end]))
    buf[end:end + 2] = crc.to_bytes(2, "little")
    return bytes(buf)


def measure_simulated(workdir: str | Path, runners=SIMULATED_RUNNERS, *, jobs: int = 1, **log) -> pd.DataFrame:
    """:func:`measure_simulated_runner` for each of ``runners`` (default :data:`SIMULATED_RUNNERS`), each in
    its own sub-folder of ``workdir``; ``log``: the log's parameters (default :data:`README_LOG`)."""
    log = {**README_LOG, **log}
    parts = [measure_simulated_runner(athlete, Path(workdir) / name, name=name, jobs=jobs, **log)
             for name, athlete in runners]
    return pd.concat(parts, ignore_index=True)
