"""Real-world check of the contact-time model against watches' own ground contact time.

For every running FIT file in the shared data with device contact time (``stance_time``): hide it,
estimate contact time with ``gait_source="model"``, and compare with the device.

Reference and scored seconds (the same for every estimator): the device ``stance_time`` treated per
science.md §1.4 (120–450 ms, 7 s rolling median, cadence ≥ 140 spm, speed ≥ 1.8 m/s, flight ≥ 10 ms)
on running seconds with a timer weight, **excluding accelerations** (|dv/dt| > 0.3 m/s², §1.5.7: the
steady-state model does not apply there); time-weighted.

Estimators:

- ``model``: the shipped estimator (the gait model file's population k̂_ref, exponents and the fitted
  device-equivalence speed term, the runner's height from the watch's user profile where the file
  records it — else 1.75 m — and 30 s model inputs, :func:`runload.gait.model_inputs`);
  ``δ = 0``: the same without the speed term (the science.md model, shipped before gait_v3);
- ``cal k̂`` / ``cal k̂+c``: calibrated (:func:`runload.calibrate.fit_calibration`) on the *other* runs of
  the same device family (leave-one-run-out), without / with the personal cadence model;
- ``power law``: tc = 0.53·v^−0.62 on the same 30 s speed (science.md §1.5.5);
- personal calibration (the feature's real use): k̂_ref (and k̂_ref + speed exponent) fitted on the first
  half of a run's scored running time, scored on the second half; and on the other runs of the same
  repository and device family (probably the same runner).

Then the decision on the device-equivalence speed term (science.md §1.5.8): a population speed exponent
δ is fitted on all repositories but one and scored on the held-out one (leave-one-repository-out; a
repository is the ``<owner>__<repo>`` folder of the shared data), and adopted only if that lowers the
median per-file MAE.  An ablation table shows what limits the accuracy.  The reference and scored seconds
come from :mod:`runload.gait_validation` (the same code the accuracy test runs).

Run:  .venv/bin/python benchmarks/validate_gait.py [--write docs/gait_validation.md]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import runload
from runload.calibrate import device_family, fit_calibration, model_contact_time_ms
from runload.clean import ACCELERATING_MPS2, clean_samples
from runload.errors import RunloadError
from runload.gait import MODEL_INPUT_WINDOW_S, compute_gait, contact_time_powerlaw, model_inputs
from runload.gait_model import GAIT_MODEL
from runload.gait_validation import device_reference, error_stats
from runload.profile import AthleteProfile, profile_for_run
from runload.run import Run

DATA = Path(os.environ.get("RUNLOAD_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
MIN_VALID_S = 60.0
# k̂_ref, cadence exponent, speed exponent of the shipped gait model file.
DEFAULTS = (GAIT_MODEL.khat_ref, GAIT_MODEL.cadence_exponent, GAIT_MODEL.speed_exponent)
# Candidate population speed exponents of the leave-one-repository-out fit (grid: the objective, a
# median over files, is piecewise; the calibration bounds −1.5…1 cut to the plausible side).
SPEED_EXPONENT_GRID = np.round(np.arange(-1.5, 0.5 + 1e-9, 0.05), 2)
_stats = error_stats


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def load_files():
    """Running FIT files with device contact time: one entry per distinct activity."""
    catalog = json.loads((DATA / "catalog.json").read_text())
    files, seen = [], set()
    for entry in catalog["files"]:
        if not (entry.get("is_running") and entry.get("has_running_dynamics") and entry["format"] == "fit"):
            continue
        try:
            run = _quiet(runload.read_run, DATA / entry["path"])
        except RunloadError as e:
            print(f"skip {entry['path']}: {e}", file=sys.stderr)
            continue
        key = (run.meta.start, len(run.samples))
        if key in seen:  # the same activity stored twice (summary messages first / last)
            continue
        seen.add(key)
        cleaned = _quiet(clean_samples, run)
        dev, valid, scored = device_reference(cleaned)
        w = cleaned["dt_s"].to_numpy(float)
        if w[valid].sum() < MIN_VALID_S:
            print(f"skip {entry['path']}: under {MIN_VALID_S:.0f} s of valid device contact time", file=sys.stderr)
            continue
        acc = cleaned["acceleration_mps2"].to_numpy(float)
        vm, cm = model_inputs(cleaned)
        files.append({
            "path": entry["path"], "repo": entry["source_repo"], "run": run, "cleaned": cleaned,
            "family": device_family(run.meta.device) or "unknown", "valid": valid, "scored": scored,
            "dev_all": dev, "w_all": w, "vm": vm, "cm": cm, "grade": cleaned["grade_pct"].to_numpy(float),
            "t": cleaned["elapsed_s"].to_numpy(float), "acc": acc,
            # The runner's height from the watch's user profile when the file has one (else 1.75 m).
            "profile": profile_for_run(run),
        })
    return files


def _model(f, profile=None, speed_exponent=None, window=MODEL_INPUT_WINDOW_S):
    g = _quiet(compute_gait, f["cleaned"], profile or f["profile"], "model", input_window_s=window,
               speed_exponent=speed_exponent)
    return g["contact_time_ms"].to_numpy(float)


def _sub_run(run: Run, mask) -> Run:
    return Run(run.samples[np.asarray(mask)].copy(), run.meta)


def _personal_half(f):
    """Fit on the first half of the scored running time, score the second half (k̂; k̂ + speed exponent)."""
    m, w = f["scored"], f["w_all"]
    cum = np.cumsum(np.where(m, w, 0.0))
    first = cum <= cum[-1] / 2
    second = m & ~first
    out = {"half_default": _stats(_model(f), f["dev_all"], np.where(second, w, 0.0))[0]}
    for key, fit_d in (("half_k", False), ("half_kd", True)):
        try:
            fit = _quiet(fit_calibration, [_sub_run(f["run"], first)], f["profile"], fit_cadence=False,
                         fit_speed_exponent=fit_d)
        except RunloadError:
            out[key], out[key + "_d"] = float("nan"), float("nan")
            continue
        est = _model(f, fit.profile, speed_exponent=fit.speed_exponent)
        out[key] = _stats(est, f["dev_all"], np.where(second, w, 0.0))[0]
        out[key + "_d"] = fit.speed_exponent
    return out


def _loro(f, others, **kw):
    """MAE on ``f``'s scored seconds after calibrating on ``others`` (NaN when none is usable)."""
    if not others:
        return float("nan"), float("nan"), float("nan")
    try:
        fit = _quiet(fit_calibration, [g["run"] for g in others], f["profile"], **kw)
    except RunloadError:
        return float("nan"), float("nan"), float("nan")
    est = _model(f, fit.profile, speed_exponent=fit.speed_exponent)
    mae, bias = _stats(est, f["dev_all"], np.where(f["scored"], f["w_all"], 0.0))
    return mae, bias, fit.khat_ref


def evaluate(files):
    rows = []
    for f in files:
        m, dev_all = f["scored"], f["dev_all"]
        w = np.where(m, f["w_all"], 0.0)
        model, model0 = _model(f), _model(f, speed_exponent=0.0)
        power = 1000.0 * contact_time_powerlaw(f["vm"])
        fam = [g for g in files if g is not f and g["family"] == f["family"]]
        same = [g for g in fam if g["repo"] == f["repo"]]
        row = {"file": f["path"].split("/", 1)[1], "repo": f["repo"], "family": f["family"],
               "height": f"{f['run'].meta.athlete_height_m:.2f}" if f["run"].meta.athlete_height_m else "–",
               "seconds": float(w.sum()), "device_ms": float(np.average(dev_all[m], weights=w[m])),
               "speed_mps": float(np.average(f["vm"][m], weights=w[m])),
               "cadence_spm": float(np.average(f["cm"][m], weights=w[m]))}
        row["model_mae"], row["model_bias"] = _stats(model, dev_all, w)
        row["model0_mae"], row["model0_bias"] = _stats(model0, dev_all, w)
        ok = m & np.isfinite(model0 - dev_all)
        row["slope"] = (float(np.polyfit(f["vm"][ok], (model0 - dev_all)[ok], 1, w=np.sqrt(w[ok]))[0])
                        if ok.sum() > 10 else float("nan"))
        row["cal_mae"], row["cal_bias"], row["khat_loro"] = _loro(f, fam, fit_cadence=False)
        row["calc_mae"], row["calc_bias"], _ = _loro(f, fam, fit_cadence=True)
        row["power_mae"], row["power_bias"] = _stats(power, dev_all, w)
        row.update(_personal_half(f))
        row["same_k"] = _loro(f, same, fit_cadence=False)[0]
        row["same_kd"] = _loro(f, same, fit_cadence=False, fit_speed_exponent=True)[0]
        rows.append(row)
    return rows


def _file_arrays(f):
    m = f["scored"]
    return f["vm"][m], f["cm"][m], f["grade"][m], f["dev_all"][m], f["w_all"][m]


def per_file_mae(params, subset):
    k, e, d = params
    out = []
    for f in subset:
        prof = f["profile"]
        v, c, g, dev, w = _file_arrays(f)
        est = model_contact_time_ms(v, c, g, prof, k, e, fill_no_root=True, speed_exponent=d)
        out.append(_stats(est, dev, w)[0])
    return out


def loro_speed_exponent(files):
    """Leave-one-repository-out cross-validation of a population speed exponent δ (science.md §1.5.8).

    For each repository: δ minimising the median per-file MAE over the files of all *other* repositories
    (grid :data:`SPEED_EXPONENT_GRID`, k̂_ref and cadence exponent at the model file's values), then the
    held-out files are scored with the shipped estimator (:func:`runload.gait.compute_gait`) at that δ and
    at δ = 0 (the science.md model).  Also δ fitted on all files (the value for the model file).

    Returns
    -------
    dict
        ``repos``: one row per repository (files, fitted δ, median MAE held out at δ = 0 and at δ);
        ``before``, ``after``: per-file MAE at δ = 0 and held out (lists in ``files`` order);
        ``all_d``: δ fitted on every file, ``all_fit_mae``: its in-sample median per-file MAE.
    """
    k, e, _ = DEFAULTS
    table = np.array([per_file_mae((k, e, d), files) for d in SPEED_EXPONENT_GRID])  # (δ, file)
    n = len(files)
    before, after, repos = np.full(n, np.nan), np.full(n, np.nan), []
    for repo in sorted({f["repo"] for f in files}):
        test = [i for i, f in enumerate(files) if f["repo"] == repo]
        train = [i for i in range(n) if i not in test]
        d = float(SPEED_EXPONENT_GRID[int(np.argmin(np.median(table[:, train], axis=1)))])
        for i in test:
            f = files[i]
            w = np.where(f["scored"], f["w_all"], 0.0)
            before[i] = _stats(_model(f, speed_exponent=0.0), f["dev_all"], w)[0]
            after[i] = _stats(_model(f, speed_exponent=d), f["dev_all"], w)[0]
        repos.append({"repo": repo, "files": len(test), "d": d,
                      "before": float(np.median(before[test])), "after": float(np.median(after[test]))})
    j = int(np.argmin(np.median(table, axis=1)))
    return {"repos": repos, "before": before.tolist(), "after": after.tolist(),
            "all_d": float(SPEED_EXPONENT_GRID[j]), "all_fit_mae": float(np.median(table[j]))}


def _mask_variants(f):
    t0 = f["t"] - f["t"][0]
    steady = f["valid"] & ~(np.abs(f["acc"]) > ACCELERATING_MPS2)
    return {
        "all valid running seconds (accelerations included)": f["valid"],
        "**scored: valid, no accelerations (headline)**": steady,
        "valid, |dv/dt| < 0.1 m/s² (calibration rule, §1.5.4)": f["valid"] & (np.abs(f["acc"]) < 0.1),
        "scored, first 5 min dropped": steady & (t0 > 300),
        "scored, level only (|i| < 2 %)": steady & (np.abs(f["grade"]) < 2),
    }


def _windowed_mean(f, x, window):
    frame = f["cleaned"].assign(speed_mps=x, cadence_spm=x)
    return model_inputs(frame, window)[0]


def ablation(files):
    """Median per-file MAE of the default model under one change at a time (ms)."""
    lines = []

    def med(vals):
        return float(np.nanmedian(vals))

    def score(est_fn, mask_fn=lambda f: f["scored"], dev_fn=lambda f: f["dev_all"]):
        return med([_stats(est_fn(f), dev_fn(f), np.where(mask_fn(f), f["w_all"], 0.0))[0] for f in files])

    lines.append(("model inputs: 5 s median only (before)", score(lambda f: _model(f, window=None))))
    for win in (10, 30, 60, 120):
        lines.append((f"model inputs: {win} s window" + (" (shipped)" if win == MODEL_INPUT_WINDOW_S else ""),
                      score(lambda f, win=win: _model(f, window=win))))
    for name in _mask_variants(files[0]):
        lines.append((f"scored seconds: {name}", score(_model, lambda f, n=name: _mask_variants(f)[n])))
    for ref in (5, 10):
        def dev_ref(f, ref=ref):
            raw = pd.to_numeric(f["cleaned"]["stance_time_ms"], errors="coerce").to_numpy(float, copy=True)
            raw[(raw < 120) | (raw > 450)] = np.nan
            return (pd.Series(raw, index=f["cleaned"].index)
                    .rolling(pd.Timedelta(seconds=ref), center=True, min_periods=1).median().to_numpy(float))
        lines.append((f"reference: {ref} s rolling median of the device value (7 s shipped)",
                      score(_model, dev_fn=dev_ref)))
    lines.append(("reference: device value averaged over 30 s (as smooth as the model inputs)",
                  score(_model, dev_fn=lambda f: _windowed_mean(f, np.where(f["valid"], f["dev_all"], np.nan), 30))))
    for h in (1.65, 1.85):
        lines.append((f"height {h} m for every runner", score(lambda f, h=h: _model(f, AthleteProfile(height_m=h)))))

    # Floors: what no choice of these default parameters can remove.
    def resid(f, kind):
        m = f["scored"]
        est = _model(f)
        e, w, v = (est - f["dev_all"])[m], f["w_all"][m], f["vm"][m]
        ok = np.isfinite(e)
        e, w, v = e[ok], w[ok], v[ok]
        if kind == "bias":
            r = e - np.average(e, weights=w)
        else:
            r = e - np.polyval(np.polyfit(v, e, 1, w=np.sqrt(w)), v)
        return float(np.average(np.abs(r), weights=w))

    lines.append(("floor: model with each file's own bias removed (oracle)", med([resid(f, "bias") for f in files])))
    lines.append(("floor: model with each file's own bias and speed slope removed (oracle)",
                  med([resid(f, "slope") for f in files])))
    lines.append(("floor: device value vs its own 30 s mean (stride-to-stride variation)",
                  med([_stats(_windowed_mean(f, np.where(f["valid"], f["dev_all"], np.nan), 30), f["dev_all"],
                              np.where(f["scored"], f["w_all"], 0.0))[0] for f in files])))
    return lines


def _fmt(x, nd=1):
    return "–" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def _med(subset, k):
    vals = [r[k] for r in subset if np.isfinite(r[k])]
    return float(np.median(vals)) if vals else float("nan")


def render(rows, loro, ablation_lines) -> str:
    lines = [
        "# Contact-time model against watch ground contact time", "",
        "Generated by `.venv/bin/python benchmarks/validate_gait.py --write docs/gait_validation.md` from the",
        "running FIT files in `../shared/data` that carry Garmin running dynamics (one row per distinct",
        "activity).  Device contact time is hidden and re-estimated with `gait_source=\"model\"`.",
        "",
        "**Reference and scored seconds** (the same for every estimator and row): the device `stance_time`",
        "per science.md §1.4 (120–450 ms, 7 s rolling median, cadence ≥ 140 spm, speed ≥ 1.8 m/s, flight",
        "≥ 10 ms) on running seconds with a timer weight, *excluding accelerations* (|dv/dt| > 0.3 m/s²,",
        "§1.5.7), weighted by time.  Errors are estimate − device; MAE and bias in ms.  Height: the watch's",
        "user profile where the file records one (column H), else 1.75 m (`runload.profile.profile_for_run`,",
        "as `runload analyze` does).  All 13 runs are outdoor runs with GPS speed (no footpod-only run",
        "exists in the data, so GPS vs footpod speed cannot be compared here).", "",
        f"- **model**: the shipped estimator, gait model `{GAIT_MODEL.version}` "
        f"(`runload/models/{GAIT_MODEL.version}.toml`): population defaults k̂_ref {DEFAULTS[0]:g}, exponent "
        f"{DEFAULTS[1]:g},",
        "  c_pref = 165 + 7(v − 3) and the device-equivalence speed term "
        f"(v / 3 m/s)^δ with δ = {DEFAULTS[2]:g}, on speed and",
        "  cadence averaged over 30 s of running (`gait.model_inputs`).  **δ = 0**: the same without the speed",
        "  term (the science.md model; the shipped estimator before gait_v3).",
        "- **cal k̂**: k̂_ref fitted on the *other* runs of the same device family (leave-one-run-out; the issue's",
        "  \"calibrated\"), population c_pref.  **cal k̂+c**: also the cadence model from those runs.  A family's",
        "  runs come from different repositories, i.e. mostly different runners.",
        "- **power law**: tc = 0.53·v^−0.62 s on the same 30 s speed.",
        "- **slope**: change of the δ = 0 model's error with speed within the file (ms per m/s).", "",
        "| file | family | H m | s | device | v m/s | spm | model MAE | bias | slope | δ = 0 MAE | cal k̂ MAE | bias "
        "| k̂ | cal k̂+c MAE | power law MAE | bias |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['file']} | {r['family']} | {r['height']} | {r['seconds']:.0f} | {r['device_ms']:.0f} | {r['speed_mps']:.2f} | "
            f"{r['cadence_spm']:.0f} | {_fmt(r['model_mae'])} | {_fmt(r['model_bias'])} | {_fmt(r['slope'])} | "
            f"{_fmt(r['model0_mae'])} | {_fmt(r['cal_mae'])} | {_fmt(r['cal_bias'])} | {_fmt(r['khat_loro'])} | "
            f"{_fmt(r['calc_mae'])} | {_fmt(r['power_mae'])} | {_fmt(r['power_bias'])} |")
    keys = ("model_mae", "model0_mae", "cal_mae", "calc_mae", "power_mae")
    cal_rows = [r for r in rows if np.isfinite(r["cal_mae"])]
    lines += ["", "## Overall (median per-file MAE and bias, ms)", "",
              "| files | model | δ = 0 | cal k̂ | cal k̂+c | power law |", "|---|---|---|---|---|---|",
              f"| all {len(rows)} | " + " | ".join(_fmt(_med(rows, k)) for k in keys) + " |",
              f"| the {len(cal_rows)} with a family calibration | "
              + " | ".join(_fmt(_med(cal_rows, k)) for k in keys) + " |",
              "| bias, all | " + " | ".join(_fmt(_med(rows, k.replace("mae", "bias"))) for k in keys) + " |",
              "", "## By device family (median per-file MAE, ms)", "",
              "| family | files | model | cal k̂ | cal k̂+c | power law | best model variant beats the power law |",
              "|---|---|---|---|---|---|---|"]
    fam_ok = []
    for fam in sorted({r["family"] for r in rows}):
        fr = [r for r in rows if r["family"] == fam]
        m, c, cc, p = (_med(fr, k) for k in ("model_mae", "cal_mae", "calc_mae", "power_mae"))
        ok = bool(np.nanmin([m, c, cc]) < p)
        fam_ok.append(ok)
        lines.append(f"| {fam} | {len(fr)} | {_fmt(m)} | {_fmt(c)} | {_fmt(cc)} | {_fmt(p)} | {'yes' if ok else 'no'} |")

    # Personal calibration.
    same = [r for r in rows if np.isfinite(r["same_k"])]
    half = [r for r in rows if np.isfinite(r["half_k"])]
    lines += ["", "## Personal calibration (what the feature is for; not the issue's \"calibrated\" figure)", "",
              "- **first half → second half**: k̂_ref fitted (science.md §1.5.4 seconds: level, |dv/dt| < 0.1 m/s²,",
              "  2.2–6 m/s) on the first half of the run's scored running time; scored on the second half.",
              "  **+speed**: k̂_ref and the speed exponent of the target stiffness (`fit_speed_exponent=True`).",
              "- **same runner, other runs**: calibrated on the other runs of the same repository *and* device",
              "  family (probably the same runner; the data does not say), scored on the whole run.", "",
              "| file | second half: model | cal k̂ | cal k̂+speed | fitted speed exponent | other runs: cal k̂ "
              "| cal k̂+speed |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['file']} | {_fmt(r['half_default'])} | {_fmt(r['half_k'])} | {_fmt(r['half_kd'])} | "
                     f"{_fmt(r['half_kd_d'], 2)} | {_fmt(r['same_k'])} | {_fmt(r['same_kd'])} |")
    lines += ["", "| median per-file MAE, ms | files | uncalibrated | cal k̂ | cal k̂+speed |", "|---|---|---|---|---|",
              f"| first half → second half | {len(half)} | {_fmt(_med(half, 'half_default'))} | "
              f"{_fmt(_med(half, 'half_k'))} | {_fmt(_med(half, 'half_kd'))} |",
              f"| same runner, other runs | {len(same)} | {_fmt(_med(same, 'model_mae'))} | "
              f"{_fmt(_med(same, 'same_k'))} | {_fmt(_med(same, 'same_kd'))} |"]

    unc = _med(rows, "model_mae")
    held = float(np.nanmedian(loro["after"]))
    cal = np.nanmin([_med(cal_rows, "cal_mae"), _med(cal_rows, "calc_mae")])
    slopes = [r["slope"] for r in rows if np.isfinite(r["slope"])]
    verdict = "met" if max(unc, held) <= 10 else ("met in-sample only" if unc <= 10 else "not met")
    lines += ["", "## Targets (issue)", "",
              f"- median per-file MAE uncalibrated ≤ 10 ms: **{verdict}** ({_fmt(unc)} ms with the shipped δ, "
              f"fitted on these files; {_fmt(held)} ms with δ fitted leave-one-repository-out; "
              f"{_fmt(_med(rows, 'model0_mae'))} ms with δ = 0, the science.md model)",
              f"- median per-file MAE calibrated on the other runs of the family ≤ 6 ms: "
              f"**{'met' if cal <= 6 else 'not met'}** ({_fmt(_med(cal_rows, 'cal_mae'))} ms k̂ only, "
              f"{_fmt(_med(cal_rows, 'calc_mae'))} ms with the cadence model)",
              f"- better than the power law on every device family: **{'met' if all(fam_ok) else 'not met'}** "
              f"({sum(fam_ok)} of {len(fam_ok)} families)",
              f"- (not an issue target) personal calibration, first half → second half: "
              f"{_fmt(_med(half, 'half_k'))} ms (k̂), {_fmt(_med(half, 'half_kd'))} ms (k̂ + speed exponent)",
              "",
              f"What limits it: the science.md model's error falls with speed in {sum(x < 0 for x in slopes)} of {len(slopes)} "
              f"files (median slope {_fmt(float(np.median(slopes)) if slopes else np.nan)} ms per m/s) after the 30 s "
              "inputs, so the slope is not mainly input noise (regression dilution): in the runs with a wide,",
              "clean speed range (68MK1405, garmin-stamina: speed–device correlation −0.96) the watch's contact",
              "time still falls about 25 % less with speed than the constant-stiffness spring–mass model's.  Most",
              "of the uncalibrated error is a per-runner offset (between-runner stiffness, science.md §1.5.6):",
              "removing each file's own bias, or its bias and speed slope, leaves the *floors* of the ablation",
              "table, so ≤ 6 ms needs a per-runner fit of both, which a calibration on other runners cannot",
              "supply.  The speed exponent δ is that slope as a parameter; the next section decides whether a",
              "population δ is shipped.",
              ""]

    before, after = np.array(loro["before"]), np.array(loro["after"])
    better = np.nanmedian(after) < np.nanmedian(before)
    lines += ["## Decision: device-equivalence speed term (leave-one-repository-out)", "",
              "The target stiffness carries a factor (v / 3 m/s)^δ (`gait.target_stiffness`; δ = 0 in",
              "science.md).  For each source repository, δ is fitted on the files of all *other* repositories",
              "(minimum median per-file MAE, k̂_ref and exponent at the model file's values, δ on a 0.05 grid",
              "from −1.5 to 0.5) and the held-out files are scored with the shipped estimator at that δ.",
              "Rule (science.md §1.5.8): adopt a population δ only if this lowers the median per-file MAE.", "",
              "| held-out repository | files | δ fitted on the others | median MAE, δ = 0 | median MAE, held-out δ |",
              "|---|---|---|---|---|"]
    lines += [f"| {r['repo']} | {r['files']} | {r['d']:.2f} | {_fmt(r['before'])} | {_fmt(r['after'])} |"
              for r in loro["repos"]]
    lines += [f"| **all files: median per-file MAE** | {len(before)} | – | "
              f"**{_fmt(float(np.nanmedian(before)))}** | **{_fmt(float(np.nanmedian(after)))}** |",
              f"| all files: mean per-file MAE | {len(before)} | – | {_fmt(float(np.nanmean(before)))} | "
              f"{_fmt(float(np.nanmean(after)))} |",
              f"| files better / worse held out | {len(before)} | – | – | "
              f"{int(np.sum(after < before))} / {int(np.sum(after > before))} |",
              "",
              f"Result: the held-out median per-file MAE goes from {_fmt(float(np.nanmedian(before)))} ms to "
              f"{_fmt(float(np.nanmedian(after)))} ms, so the term is **{'adopted' if better else 'not adopted'}**.",
              f"δ fitted on all files: {loro['all_d']:.2f} (in-sample median per-file MAE "
              f"{_fmt(loro['all_fit_mae'])} ms, fill-no-root scoring); the model file `{GAIT_MODEL.version}` "
              f"ships δ = {DEFAULTS[2]:g}"
              + (" (the same value)." if abs(loro["all_d"] - DEFAULTS[2]) < 1e-9 else
                 " — **differs from the fit: update the model file**."),
              "It is a fitted device-equivalence term, not physiology: it makes the estimate comparable with",
              "what a Garmin watch reports (the watches' contact time falls less with speed than the spring–mass",
              "model's); the §1.5.5 table is the δ = 0 model.  The headline *model* figure above is in-sample",
              "for δ; the held-out figure is the out-of-sample estimate.",
              ""]

    lines += ["## What limits the accuracy (median per-file MAE of the default model, ms)", "",
              "One change at a time from the headline set-up (30 s inputs, scored seconds, 7 s reference).", "",
              "| variant | median MAE |", "|---|---|"]
    lines += [f"| {name} | {_fmt(val)} |" for name, val in ablation_lines]

    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="also write the markdown report here")
    args = parser.parse_args(argv)
    if not (DATA / "catalog.json").is_file():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 2
    files = load_files()
    rows = evaluate(files)
    loro = loro_speed_exponent(files)
    text = render(rows, loro, ablation(files))
    print(text)
    if args.write:
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
