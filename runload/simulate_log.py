"""A simulated training log: one runner's dated runs, some with a chest strap, with known ground truth.

:func:`simulate_log` builds the runs with :func:`runload.simulate.simulate_run` for one
:class:`~runload.simulate.Athlete` (so the true k̂_ref, height, cadence model and easy speed are known);
:func:`write_log` writes them as files a ``runload batch`` reads.  Used by
``benchmarks/validate_calibration.py`` and the tests of personal norms and calibration.

:func:`sample_log` and :func:`write_sample_log` are the designed 12-week log of ``sample_runs/``
(``runload sample``): the plan :data:`SAMPLE_LOG` (easy runs, long runs, tempo, intervals, hill sessions,
a downhill race, a treadmill run, a walk break, a long-run spike, a shoe change, a few chest-strap runs)
written as a real export mixes them, with every run's truth and the hints each scenario is built to
raise in ``manifest.json``.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RunloadError
from .simulate import (
    KINDS,
    Athlete,
    gzip_bytes,
    sample_file_entry,
    sample_run,
    simulate_run,
    write_bytes,
    write_manifest,
    write_sample_files,
)
from .simulate_write import WRITERS, gpx_bytes
from .simulated_run import SimulatedRun

__all__ = ["LOG_KINDS", "EXPORT_MIX", "simulate_log", "write_log", "log_file_name", "SAMPLE_LOG", "SPIKE_WEEK",
           "SAMPLE_LOG_FIRST_DAY", "SAMPLE_LOG_EXPECTED", "SAMPLE_LOG_NOT_EXPECTED", "sample_log", "write_sample_log"]

LOG_KINDS = ("easy", "intervals", "easy", "hills")
"""The default weekly rotation of run kinds (two easy runs, intervals, hills)."""

EXPORT_MIX = ("fit", "gpx", "fit", "tcx", "fit.gz", "gpx.gz", "fit", "fit", "tcx.gz", "fit")
"""The formats of ``write_log(..., fmt="mix")`` in rotation, like a bulk export of several years: half FIT,
GPX and TCX from other apps, some gzipped.  Runs with a strap are always FIT (only FIT keeps running
dynamics)."""

_FIRST_DAY = date(2024, 3, 4)  # a Monday: files never depend on the wall clock
_START_UTC = time(6, 30)


def simulate_log(athlete: Athlete | None = None, *, n_runs: int = 12, weeks: int = 4, sensor_runs: int = 4,
                 seed: int = 0, kinds: tuple[str, ...] = LOG_KINDS, first_day: date = _FIRST_DAY,
                 duration_s: int | None = None, only: range | None = None) -> list[SimulatedRun]:
    """``n_runs`` runs of one athlete spread evenly over ``weeks`` weeks, ``sensor_runs`` of them with a strap.

    Parameters
    ----------
    athlete : Athlete, optional
        Who runs (default :class:`~runload.simulate.Athlete` ()).
    n_runs : int
        Number of runs (1–2000).
    weeks : int
        Weeks the log spans (≥ 1); run *i* starts on day ⌊i·7·weeks/n_runs⌋ after ``first_day``, at
        06:30 UTC plus up to 2 h (from the seed).
    sensor_runs : int
        How many runs carry running dynamics (``stance_time_ms`` …); which ones is drawn from ``seed``.
    seed : int
        Same seed, same log; run *i* is simulated with seed ``1000·seed + i``.
    kinds : tuple of str
        Kinds of :data:`runload.simulate.KINDS` in rotation (``easy_dynamics`` is not needed: any kind
        gets a strap through ``sensor_runs``).
    first_day : datetime.date
        Day of the first run.
    duration_s : int, optional  [s]
        Length of every run (:func:`~runload.simulate.simulate_run`); ``None``: each kind's plan.
    only : range, optional
        Simulate only the runs with these indices (the same runs as in the whole log), e.g. to write a
        long log in parts.

    Returns
    -------
    list of SimulatedRun
        In start order; ``run.has_running_dynamics`` tells the sensor runs, ``run.truth`` holds the true
        contact time.

    Raises
    ------
    RunloadError
        A count is out of range or a kind is unknown.
    """
    n_runs, weeks, sensor_runs = int(n_runs), int(weeks), int(sensor_runs)
    if not 1 <= n_runs <= 2000:
        raise RunloadError(None, f"n_runs must be between 1 and 2000, got {n_runs}")
    if weeks < 1:
        raise RunloadError(None, f"weeks must be at least 1, got {weeks}")
    if not 0 <= sensor_runs <= n_runs:
        raise RunloadError(None, f"sensor_runs must be between 0 and n_runs ({n_runs}), got {sensor_runs}")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise RunloadError(None, f"unknown run kinds {unknown}; use some of {', '.join(KINDS)}")
    athlete = athlete or Athlete()
    rng = np.random.default_rng([0x109, int(seed)])
    with_sensor = set(rng.choice(n_runs, size=sensor_runs, replace=False).tolist())
    minutes = rng.integers(0, 120, n_runs)
    runs = []
    for i in (range(n_runs) if only is None else only):
        day = first_day + timedelta(days=(i * 7 * weeks) // n_runs)
        start = datetime.combine(day, _START_UTC, tzinfo=timezone.utc) + timedelta(minutes=int(minutes[i]))
        sim = simulate_run(kinds[i % len(kinds)], seed=1000 * int(seed) + i, athlete=athlete,
                           dynamics=i in with_sensor, start=start, duration_s=duration_s)
        sim.params["log_index"] = i  # which format write_log(fmt="mix") gives it
        runs.append(sim)
    return runs


def log_file_name(sim: SimulatedRun, fmt: str = "fit", kind: str | None = None) -> str:
    """``YYYY-MM-DD_HHMM_<kind>[_strap].<fmt>``: unique within a log, sorted by start (``kind``: default
    the simulated kind)."""
    strap = "_strap" if sim.has_running_dynamics else ""
    return f"{sim.start:%Y-%m-%d_%H%M}_{kind or sim.kind}{strap}.{fmt}"


def write_log(runs: list[SimulatedRun], folder: str | Path, fmt: str = "fit") -> list[Path]:
    """Write ``runs`` into ``folder`` (created) as ``fmt`` files named by :func:`log_file_name`.

    ``fmt`` is ``"fit"``, ``"gpx"``, ``"tcx"`` (``.gz`` appended: gzipped) or ``"mix"``: run *i* of the log
    (its index in :func:`simulate_log`, so a log written in parts is the same) in the format
    :data:`EXPORT_MIX` ``[i % 10]``, a strap run in FIT.  Only FIT keeps the running dynamics; GPX and
    TCX files of sensor runs lose them (as exports do).

    Raises
    ------
    RunloadError
        Unknown format, or the folder or a file cannot be written.
    """
    def known(f: str) -> bool:
        return f.removesuffix(".gz") in WRITERS

    if fmt != "mix" and not known(fmt):
        raise RunloadError(None, f"unknown format {fmt!r}; use one of {', '.join(WRITERS)} (.gz) or mix")
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RunloadError(out, f"cannot create the log folder: {e.strerror or e}") from e
    paths: list[Path] = []
    for sim in runs:
        this = fmt
        if fmt == "mix":
            index = sim.params.get("log_index", 0)
            this = "fit" if sim.has_running_dynamics else EXPORT_MIX[index % len(EXPORT_MIX)]
        path = out / log_file_name(sim, this)
        if path in paths:  # two runs started in the same minute
            path = path.with_name(f"{path.name.split('.')[0]}_{len(paths)}.{this}")
        data = WRITERS[this.removesuffix(".gz")](sim)
        if this.endswith(".gz"):
            data = gzip.compress(data, mtime=0)  # byte for byte the same file for the same log
        try:
            path.write_bytes(data)
        except OSError as e:
            raise RunloadError(path, f"cannot write: {e.strerror or e}") from e
        paths.append(path)
    return paths


# --- the designed sample log of sample_runs/ ------------------------------------------------------------

SAMPLE_LOG_FIRST_DAY = date(2024, 3, 25)  # a Monday; week 7 is the week of the sample set's fixed starts
SAMPLE_LOG_WEEKS = 12
SPIKE_WEEK = 9  # its easy runs are longer and the Sunday long run is 140 min, after months of 70–80 min
SHOE_CHANGE_DAY = 64  # from this day (2024-05-28) the runner wears new shoes
SHOES = ("Nike Pegasus 40", "ASICS Novablast 4")
STRAVA_FOLDER = "strava_export"
_LOW_CADENCE_SPM = 18.0  # the over-striding run: cadence this far below the runner's own [steps/min]
_BALANCE_SHIFT_PCT = 2.4  # the last three strap runs: contact-time balance 50.6 → 53.0 % left (red zone)

SAMPLE_LOG = (
    # (day after SAMPLE_LOG_FIRST_DAY, "HH:MM" UTC, log kind, minutes, where, format, options, expected hints)
    # where: a SAMPLE_SET file name (its own start), "log" (plain files) or "strava" (the export folder)
    (1, "06:35", "easy", 40, "log", "fit", "strap", ()),
    (3, "", "easy", None, "easy.gpx.gz", "gpx.gz", "", ()),
    (5, "07:20", "easy", 30, "log", "tcx", "", ()),
    (6, "08:05", "long", 75, "log", "fit", "smart", ("H9",)),
    (8, "06:30", "easy", 40, "log", "fit", "", ()),
    (10, "17:20", "tempo", None, "log", "fit.gz", "", ("H6",)),
    (12, "", "easy", None, "easy.tcx.gz", "tcx.gz", "", ()),
    (13, "08:00", "long", 78, "log", "fit", "smart", ("H9",)),
    (15, "06:40", "easy", 40, "log", "fit", "strap", ()),
    (17, "17:30", "tempo", None, "log", "gpx", "", ("H6",)),
    (19, "08:30", "walk_break", None, "log", "fit", "", ()),
    (20, "08:10", "long", 80, "log", "fit", "smart", ("H9",)),
    (22, "06:35", "easy", 40, "log", "tcx.gz", "", ()),
    (24, "", "hills", None, "hills.gpx.gz", "gpx.gz", "", ()),
    (26, "", "easy", None, "easy_smart.fit", "fit", "", ()),
    (27, "08:00", "long", 80, "log", "fit", "smart", ("H9",)),
    (29, "06:30", "easy", 40, "log", "fit", "strap", ()),
    (31, "", "hills", None, "hills.tcx.gz", "tcx.gz", "", ()),
    (33, "07:45", "easy", 35, "log", "gpx", "phone", ("Q1",)),
    (34, "08:05", "long", 80, "log", "fit", "smart", ()),
    (36, "06:40", "easy", 40, "log", "fit", "", ()),
    (38, "17:10", "easy", 45, "log", "gpx.gz", "", ()),
    (40, "07:30", "easy", 30, "log", "fit", "", ()),
    (41, "08:00", "long", 80, "log", "fit", "smart", ()),
    (42, "", "easy", None, "easy.fit", "fit", "", ()),
    (43, "", "intervals", None, "intervals.fit", "fit", "", ("H6",)),
    (45, "", "hills", None, "hills.fit", "fit", "", ()),
    (46, "", "treadmill", None, "treadmill.fit", "fit", "", ("Q2",)),
    (47, "08:15", "long", 80, "log", "fit", "smart", ()),
    (48, "", "easy_dynamics", None, "easy_dynamics.fit", "fit", "", ()),
    (50, "06:35", "easy", 40, "strava", "fit.gz", "low_cadence", ("H5",)),
    (52, "17:25", "tempo", None, "strava", "gpx.gz", "", ()),
    (54, "07:30", "easy", 30, "strava", "tcx.gz", "", ()),
    (55, "08:00", "long", 80, "strava", "fit.gz", "smart", ()),
    (57, "06:30", "easy", 50, "strava", "fit.gz", "strap balance", ()),
    (59, "17:15", "easy", 50, "strava", "gpx.gz", "", ()),
    (61, "07:40", "easy", 45, "strava", "fit.gz", "", ()),
    (62, "07:30", "long", 140, "strava", "fit.gz", "smart", ("H1", "H3", "H10")),
    (64, "06:40", "easy", 40, "strava", "fit.gz", "strap balance", ()),
    (66, "06:45", "hill_repeats", None, "strava", "fit.gz", "", ("H8",)),
    (68, "07:30", "easy", 30, "strava", "gpx.gz", "", ()),
    (69, "08:00", "long", 70, "strava", "fit.gz", "smart", ()),
    (71, "06:35", "easy", 40, "strava", "fit.gz", "strap balance", ("H4",)),
    (73, "17:15", "intervals", None, "strava", "fit.gz", "", ()),
    (75, "07:00", "easy", 25, "strava", "tcx.gz", "", ()),
    (76, "07:00", "downhill_race", None, "strava", "fit.gz", "", ("H7",)),
    (78, "06:45", "easy", 30, "strava", "gpx.gz", "", ()),
    (80, "17:20", "tempo", None, "strava", "tcx.gz", "", ()),
    (82, "07:30", "easy", 35, "strava", "fit.gz", "", ()),
    (83, "08:00", "long", 75, "strava", "fit.gz", "smart", ()),
)
"""The plan of the sample log, one row per run.  Options: ``strap`` (chest-strap running dynamics, FIT),
``smart`` (smart recording), ``balance`` (contact-time balance shifted to 53 % left), ``low_cadence``
(cadence 18 spm below the runner's own: over-striding), ``phone`` (GPX without cadence, as a phone app
records).  The expected hints are what each scenario is built to raise (single-run forms in the first four
weeks, the log's history forms later); what the log as a whole is built to show is in
:data:`SAMPLE_LOG_EXPECTED`."""

SAMPLE_LOG_EXPECTED = {
    "H1": "the spike week's 140 min long run: longer than 110 % of the longest run of the 30 days before",
    "H3": "the spike week's long run lifts the acute:chronic ratio above 1.5",
    "H10": "the spike week: a leg group's 7-day load ≥ 1.5× its mean of the 4 weeks before",
    "Q3": "every run without a strap: contact time estimated",
}
SAMPLE_LOG_NOT_EXPECTED = {
    "S1": "shoe mileage needs 800 km logged with one pair; the 12-week log holds 451 km in all, and only the "
          "Strava export's runs carry a gear",
    "H2": "not a per-run hint: the weekly table's flag (the spike week is > 30 % above the week before)",
}
_KIND_OF = {"long": "easy"}  # log kind → simulated kind (a long run is a long easy run)


def sample_log(athlete: Athlete | None = None) -> list[tuple[dict, SimulatedRun]]:
    """The runs of :data:`SAMPLE_LOG`: ``(plan, run)`` pairs in start order.

    ``plan`` holds the row's fields (``day``, ``log_kind``, ``where``, ``fmt``, ``options``,
    ``expected_hints``, ``week``, ``shoe``, ``seed``); the runs of :data:`runload.simulate.SAMPLE_SET` are
    :func:`runload.simulate.sample_run`, the others are simulated with seed 200 + the row's index.
    """
    athlete = athlete or Athlete()
    out = []
    for i, (day, hhmm, log_kind, minutes, where, fmt, options, expect) in enumerate(SAMPLE_LOG):
        opts = set(options.split())
        plan = {"day": day, "log_kind": log_kind, "where": where, "fmt": fmt, "options": sorted(opts),
                "expected_hints": list(expect), "week": day // 7 + 1,
                "shoe": SHOES[int(day >= SHOE_CHANGE_DAY)]}
        if where not in ("log", "strava"):
            sim = sample_run(where, athlete)
        else:
            who = athlete
            if "low_cadence" in opts:
                who = replace(athlete, cadence_offset_spm=athlete.cadence_offset_spm - _LOW_CADENCE_SPM)
            hour, minute = (int(x) for x in hhmm.split(":"))
            start = datetime.combine(SAMPLE_LOG_FIRST_DAY + timedelta(days=day), time(hour, minute),
                                     tzinfo=timezone.utc)
            sim = simulate_run(_KIND_OF.get(log_kind, log_kind), seed=200 + i, athlete=who, start=start,
                               dynamics="strap" in opts, smart_recording="smart" in opts,
                               duration_s=None if minutes is None else 60 * minutes)
            if "balance" in opts:
                sim.truth["stance_time_balance_pct"] += _BALANCE_SHIFT_PCT
        plan["seed"] = sim.params["seed"]
        out.append((plan, sim))
    return out


def _encode(sim: SimulatedRun, fmt: str, options: list[str]) -> tuple[bytes, bytes]:
    """(raw, written) bytes of ``sim`` as ``fmt`` (``.gz``: gzip without time or name)."""
    base = fmt.removesuffix(".gz")
    raw = gpx_bytes(sim, cadence=False) if base == "gpx" and "phone" in options else WRITERS[base](sim)
    return raw, gzip_bytes(raw) if fmt.endswith(".gz") else raw


def _strava_date(t: pd.Timestamp) -> str:
    """Strava's ``Activity Date``: ``May 14, 2024, 6:35:00 AM`` (UTC)."""
    hour = t.hour % 12 or 12
    return f"{t:%b} {t.day}, {t.year}, {hour}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


_STRAVA_HEADER = ("Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
                  "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute",
                  "Activity Private Note", "Activity Gear", "Filename")


def _strava_row(activity_id: int, sim: SimulatedRun, log_kind: str, shoe: str, filename: str) -> list[str]:
    t = sim.start
    part = "Morning" if t.hour < 11 else "Afternoon" if t.hour < 16 else "Evening"
    name = {"downhill_race": "Downhill 10K", "hill_repeats": "Hill repeats", "tempo": "Tempo",
            "intervals": "Intervals", "long": "Long run"}.get(log_kind, f"{part} Run")
    summary = sim.summary()
    return [str(activity_id), _strava_date(t), name, "Run", "", str(int(summary["elapsed_s"])),
            f"{summary['distance_m'] / 1000:.2f}", str(int(round(sim.truth["heart_rate_bpm"].max()))), "", "false",
            "", shoe, filename]


def write_sample_log(out_dir: str | Path, athlete: Athlete | None = None) -> list[Path]:
    """Write the sample training log (:data:`SAMPLE_LOG`) and its ``manifest.json`` into ``out_dir``.

    The ten files of :data:`runload.simulate.SAMPLE_SET` at the top, the other plain files in ``log/``
    (:func:`log_file_name`, FIT, GPX and TCX, some gzipped), and a Strava bulk export in
    ``strava_export/`` (``activities.csv`` naming, dating and shoeing ``activities/<id>.<fmt>.gz``, plus one
    manual entry without a file, as Strava lists them).  ``manifest.json``: ``files`` (every run file, with
    its ground truth, week, shoe, scenario and expected hints) and ``log`` (the runner's true k̂_ref, the
    spike week, the shoe change, the hints expected over the log and those it cannot raise).

    Returns
    -------
    list of Path
        The run files (the sample set first, then the log in start order), ``activities.csv`` and
        ``manifest.json``.  Byte for byte the same on every call.

    Raises
    ------
    RunloadError
        A file or folder cannot be written.
    """
    out = Path(out_dir)
    athlete = athlete or Athlete()
    runs = sample_log(athlete)
    top = {plan["where"]: (plan, sim) for plan, sim in runs}
    written, entries = write_sample_files(out, athlete)
    for entry in entries:
        _add_log_fields(entry, *top[entry["file"]])
    rows = [list(_STRAVA_HEADER)]
    for i, (plan, sim) in enumerate(runs):
        if plan["where"] not in ("log", "strava"):
            continue
        raw, data = _encode(sim, plan["fmt"], plan["options"])
        if plan["where"] == "log":
            name = "log/" + log_file_name(sim, plan["fmt"], plan["log_kind"])
        else:
            activity_id = 11_400_000_000 + 7919 * i
            member = f"activities/{activity_id}.{plan['fmt']}"
            rows.append(_strava_row(activity_id, sim, plan["log_kind"], plan["shoe"], member))
            name = f"{STRAVA_FOLDER}/{member}"
        path = out / name
        write_bytes(path, data)
        written.append(path)
        entries.append(_add_log_fields(sample_file_entry(name, sim, plan["fmt"].removesuffix(".gz"), raw, data),
                                       plan, sim))
    rows.insert(len(rows) // 2, ["11400000001", "May 29, 2024, 6:00:00 PM", "Strength", "Weight Training", "",
                                 "2700", "0.00", "", "", "false", "", "", ""])  # a manual entry: no file
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    csv_path = out / STRAVA_FOLDER / "activities.csv"
    write_bytes(csv_path, buf.getvalue().encode("utf-8"))
    written.append(csv_path)
    return written + [write_manifest(out, entries, athlete, log=_log_section(runs, athlete))]


def _add_log_fields(entry: dict, plan: dict, sim: SimulatedRun) -> dict:
    opts = plan["options"]
    entry.update({
        "start_utc": sim.start.isoformat(), "week": plan["week"], "log_kind": plan["log_kind"],
        "source": "strava" if plan["where"] == "strava" else "file", "shoe": plan["shoe"],
        "gear_in_export": plan["shoe"] if plan["where"] == "strava" else None,
        "options": opts, "expected_hints": plan["expected_hints"],
        "has_cadence": "phone" not in opts, "walking_s": float(np.isnan(sim.truth["khat_leg_ratio"]).sum()
                                                               if plan["log_kind"] == "walk_break" else 0.0),
        "expected_status": "runs",
    })
    return entry


def _log_section(runs: list[tuple[dict, SimulatedRun]], athlete: Athlete) -> dict:
    spike = next(sim for plan, sim in runs if "H1" in plan["expected_hints"])
    spike_monday = SAMPLE_LOG_FIRST_DAY + timedelta(days=7 * (SPIKE_WEEK - 1))
    return {
        "first_day": SAMPLE_LOG_FIRST_DAY.isoformat(), "weeks": SAMPLE_LOG_WEEKS, "runs": len(runs),
        "strap_runs": sum(plan["where"] == "easy_dynamics.fit" or "strap" in plan["options"] for plan, _ in runs),
        "true_khat_ref": athlete.khat_ref, "height_m": athlete.height_m,
        "spike_week": {"week": SPIKE_WEEK, "monday": spike_monday.isoformat(),
                       "long_run_start_utc": spike.start.isoformat(),
                       "long_run_distance_m": round(float(spike.summary()["distance_m"]), 1)},
        "shoe_change": {"day": (SAMPLE_LOG_FIRST_DAY + timedelta(days=SHOE_CHANGE_DAY)).isoformat(),
                        "from": SHOES[0], "to": SHOES[1]},
        "distance_km": round(sum(float(sim.summary()["distance_m"]) for _, sim in runs) / 1000.0, 1),
        "expected_log_hints": SAMPLE_LOG_EXPECTED, "not_expected": SAMPLE_LOG_NOT_EXPECTED,
        "scenarios": {"strap": "chest-strap running dynamics (stance time = true contact time + N(0, 3 ms))",
                      "balance": f"contact-time balance shifted by +{_BALANCE_SHIFT_PCT} points (53 % left)",
                      "low_cadence": f"cadence {_LOW_CADENCE_SPM:.0f} spm below the runner's own (over-striding)",
                      "phone": "GPX without cadence, as a phone app records", "smart": "smart recording"},
    }
