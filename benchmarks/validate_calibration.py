"""Benchmark: automatic personal calibration (issue 9, "Measure") — the contact-time error of runs without a
sensor before and after calibrating on the same runner's other runs.

Run: ``.venv/bin/python benchmarks/validate_calibration.py [--part simulated|real|both] [--runs 8]
[--weeks 6] [--sensor-runs 3] [--duration 1200] [--jobs 1]``.  Not a timed test; docs/calibration.md has
the method and the figures.

(a) Simulated runners (:data:`runload.calibration_validation.SIMULATED_RUNNERS`, true k̂_ref 9, 11.5, 15):
each runner's log (:func:`runload.simulate_log.simulate_log`, default :data:`README_LOG`) goes through the
real ``runload batch`` twice, ``process_log(..., norms=False)`` and ``norms=True``; the stored model
contact time of every run without a strap is compared with the simulator's true contact time
(:func:`runload.calibration_validation.measure_simulated`).  Prints one row per run, the per-runner and
overall medians of the per-run median |error|.

(b) Real files of ../shared/data: running FIT sessions grouped by runner where that is knowable — the same
device serial number (a watch belongs to one person; placeholder serials such as 0x7FFFFFFF of the FIT
SDK samples are not a runner), with the heights of the watch's user profile shown as a check.  In every
group with ≥ 2 sessions with device contact time (≥ 60 s valid, as the gait benchmark), leave one run
out: its file is copied with the running dynamics stripped
(:func:`runload.calibration_validation.strip_running_dynamics`) into a temporary folder with copies of the
runner's OTHER files, that folder goes through ``process_log`` with and without norms, and the stored
model contact time of the stripped run is compared with its hidden device contact time (the reference of
:func:`runload.gait_validation.device_reference`, scored seconds).  Because the batch needs ≥ 2 runs with
device contact time to calibrate (science.md §1.5.4) and no runner of the corpus has more than 2, the
table also shows, for information only, ``runload calibrate`` on the single other run
(:func:`runload.calibrate.calibrate_profile`, which warns about it) applied to the stripped run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RUNLOAD_SHARED_DATA", ROOT.parent / "shared" / "data"))
MIN_VALID_S = 60.0  # as benchmarks/validate_gait.py: a run needs a minute of valid device contact time
PLACEHOLDER_SERIALS = {"2147483647", "4294967295", "0"}  # 0x7FFFFFFF (FIT SDK samples), 0xFFFFFFFF, none


def simulated(args) -> pd.DataFrame:
    from runload.calibration_validation import README_LOG, measure_simulated

    log = {**README_LOG, **{k: v for k, v in (("n_runs", args.runs), ("weeks", args.weeks),
                                               ("sensor_runs", args.sensor_runs), ("duration_s", args.duration),
                                               ("seed", args.seed)) if v is not None}}
    if log["duration_s"] == 0:
        log["duration_s"] = None
    print(f"(a) simulated runners, log per runner: {log}")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        df = measure_simulated(tmp, jobs=args.jobs, **log)
    print(f"    {len(df)} runs without a sensor in {time.perf_counter() - t0:.0f} s; error = median |model − truth| "
          "over the run's running seconds with a model contact time [ms]\n")
    show = df[["runner", "khat_true", "file", "kind", "seconds", "before_ms", "after_ms", "bias_before_ms",
               "bias_after_ms", "norms_used"]]
    print(show.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    per = df.groupby("runner", sort=False).agg(khat_true=("khat_true", "first"), runs=("file", "size"),
                                                 before_ms=("before_ms", "median"), after_ms=("after_ms", "median"))
    print("\nper runner (median of the per-run errors):")
    print(per.to_string(float_format=lambda x: f"{x:.1f}"))
    print(f"\nALL {len(df)} runs without a sensor: median per-run error {df['before_ms'].median():.1f} ms before, "
          f"{df['after_ms'].median():.1f} ms after calibration; after < before in "
          f"{int((df['after_ms'] < df['before_ms']).sum())} of {len(df)} runs\n")
    return df


def _sessions() -> pd.DataFrame:
    """Every running FIT session of the corpus with its serial, start, heights and valid device seconds."""
    import json

    from runload import read_runs
    from runload.clean import clean_samples
    from runload.errors import RunloadError
    from runload.gait_validation import device_reference

    catalog = json.loads((SHARED / "catalog.json").read_text())
    rows = []
    for entry in catalog["files"]:
        if not (entry.get("is_running") and entry["format"] == "fit"):
            continue
        path = SHARED / entry["path"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                runs = read_runs(path)
            except RunloadError:
                continue
            for run in runs:
                valid_s = 0.0
                if "stance_time_ms" in run.samples and run.samples["stance_time_ms"].notna().any():
                    cleaned = clean_samples(run)
                    _, valid, _ = device_reference(cleaned)
                    valid_s = float(cleaned["dt_s"].to_numpy(dtype=float)[valid].sum())
                m = run.meta
                rows.append({"path": entry["path"], "repo": entry["path"].split("/")[0],
                             "session": m.session_index, "serial": m.device.serial, "device": str(m.device),
                             "start": m.start, "n": len(run.samples), "height_m": m.athlete_height_m,
                             "valid_s": valid_s})
    df = pd.DataFrame(rows)
    df = df.drop_duplicates(subset=["serial", "start", "n"])  # the same activity stored twice in the corpus
    df["runner"] = [None if (pd.isna(s) or str(s) in PLACEHOLDER_SERIALS) else f"serial {s}" for s in df["serial"]]
    df["sensor"] = df["valid_s"] >= MIN_VALID_S
    return df


def _error(sql, source: str, session: int, reference: pd.Series):
    from runload.calibration_validation import model_contact_error, stored_model_contact_time

    stored = stored_model_contact_time(sql, source, session)
    return model_contact_error(stored, reference), bool(stored["norms_key"].notna().all())


def real(args) -> pd.DataFrame:
    from runload import read_runs
    from runload.batch import process_log
    from runload.calibrate import calibrate_profile
    from runload.calibration_validation import model_contact_error, strip_running_dynamics
    from runload.clean import clean_samples
    from runload.errors import RunloadError
    from runload.gait_validation import device_reference
    from runload.pipeline import analyze_run
    from runload.profile import profile_for_run
    from runload.store import open_log

    sessions = _sessions()
    known = sessions[sessions["runner"].notna()]
    groups = known.groupby("runner")
    summary = groups.agg(device=("device", "first"), repos=("repo", lambda r: ", ".join(sorted(set(r)))),
                         runs=("path", "size"), sensor_runs=("sensor", "sum"),
                         heights=("height_m", lambda h: ", ".join(sorted({f"{x:.2f}" for x in h if pd.notna(x)}))))
    summary = summary.sort_values(["sensor_runs", "runs"], ascending=False)
    print(f"(b) real files: {len(sessions)} running FIT sessions, {len(known)} with a real serial in "
          f"{len(summary)} groups (one serial = one watch = one runner); sessions with ≥ {MIN_VALID_S:.0f} s of "
          "valid device contact time = sensor runs")
    print(summary.to_string())
    print(f"    groups with ≥ 3 sensor runs: {int((summary['sensor_runs'] >= 3).sum())}; with ≥ 2: "
          f"{int((summary['sensor_runs'] >= 2).sum())}\n")

    rows = []
    for runner, group in groups:
        sensor = group[group["sensor"]]
        if len(sensor) < 2:
            continue
        for _, held in sensor.iterrows():
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / "log"
                folder.mkdir()
                for path in sorted(set(group["path"]) - {held["path"]}):  # the runner's other files
                    shutil.copyfile(SHARED / path, folder / Path(path).name)
                stripped = folder / ("nostrap_" + Path(held["path"]).name)
                original = SHARED / held["path"]
                stripped.write_bytes(strip_running_dynamics(original.read_bytes(), str(original)))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    run = next(r for r in read_runs(original) if r.meta.session_index == held["session"])
                    cleaned = clean_samples(run)
                    ref, _, scored = device_reference(cleaned)
                    reference = pd.Series(np.where(scored, ref, np.nan), index=cleaned.index)
                    errs = {}
                    for label, norms in (("before", False), ("after", True)):
                        out = Path(tmp) / label
                        process_log([folder], out, jobs=1, reports=False, dashboard=False, progress="none",
                                    norms=norms)
                        errs[label] = _error(open_log(out).sql, str(stripped), int(held["session"]), reference)
                    # For information: `runload calibrate` on the other sensor run(s) (fewer than the batch needs).
                    others = [r for p in sorted(set(sensor["path"]) - {held["path"]}) for r in read_runs(SHARED / p)
                              if (sensor["path"].eq(p) & sensor["session"].eq(r.meta.session_index)).any()]
                    single = float("nan")
                    try:
                        cal = calibrate_profile(others, profile_for_run(run))
                        nostrap = read_runs(stripped)
                        hidden = next(r for r in nostrap if r.meta.session_index == held["session"])
                        single = model_contact_error(analyze_run(hidden, cal).samples, reference).median_abs_ms
                    except RunloadError as e:
                        print(f"    {held['path']}: runload calibrate on the other run failed: {e}")
            (before, _), (after, used) = errs["before"], errs["after"]
            rows.append({"runner": runner, "device": held["device"], "file": Path(held["path"]).name,
                         "start": f"{held['start']:%Y-%m-%d}", "seconds": before.seconds,
                         "before_ms": before.median_abs_ms, "after_ms": after.median_abs_ms,
                         "norms_used": used, "calibrate_1run_ms": single})
    df = pd.DataFrame(rows)
    if df.empty:
        print("    no runner has 2 sensor runs: nothing to leave out")
        return df
    print("leave-one-run-out (error = median |model − hidden device contact time| over the scored seconds [ms]; "
          "norms_used: the batch analysed the stripped run with personal norms; calibrate_1run_ms: "
          "`runload calibrate` on the one other sensor run, for information):")
    print(df.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print(f"\nALL {len(df)} held-out runs: median per-run error {df['before_ms'].median():.1f} ms before, "
          f"{df['after_ms'].median():.1f} ms after the batch's personal norms "
          f"({int(df['norms_used'].sum())} of {len(df)} runs got norms); "
          f"{df['calibrate_1run_ms'].median():.1f} ms with a one-run `runload calibrate`\n")
    return df


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=("simulated", "real", "both"), default="both")
    ap.add_argument("--runs", type=int, help="runs per simulated runner")
    ap.add_argument("--weeks", type=int)
    ap.add_argument("--sensor-runs", type=int)
    ap.add_argument("--duration", type=int, help="seconds per simulated run (0: each kind's full plan)")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.part in ("simulated", "both"):
        simulated(args)
    if args.part in ("real", "both"):
        if not (SHARED / "catalog.json").is_file():
            print(f"(b) skipped: no corpus at {SHARED}")
        else:
            real(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
