"""Real-world check of the contact-time model against watches' own ground contact time.

For every running FIT file in the shared data with device contact time (``stance_time``): hide it,
estimate contact time with ``gait_source="model"``, and compare with the device on the valid running
seconds (science.md §1.4 rules; time-weighted).  Three estimators:

- ``model``: the inverse Morin model with the population defaults (k̂_ref 13, exponent 1.39, H 1.75 m;
  the runners' heights are unknown);
- ``calibrated``: the same model calibrated (:func:`runload.calibrate.fit_calibration`, k̂_ref and the
  personal cadence model when there is enough data) on the *other* runs of the same device family
  (leave-one-run-out); "–" when the family has no other usable run;
- ``power law``: tc = 0.53·v^−0.62 (science.md §1.5.5).

Then the free default parameters (k̂_ref, cadence exponent) are fitted on the pooled seconds of one
group of source repositories and tested on the others (2-fold split by repository), to show what a
re-fitted default would buy and whether it generalises.

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
from scipy.optimize import minimize

import runload
from runload.calibrate import device_family, fit_calibration, model_contact_time_ms
from runload.errors import RunloadError
from runload.gait import contact_time_powerlaw
from runload.pipeline import analyze_run
from runload.profile import AthleteProfile

DATA = Path(os.environ.get("RUNLOAD_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
MIN_VALID_S = 60.0
# Repositories held out as fold B of the default-parameter fit (the rest is fold A).
FOLD_B_REPOS = ("roznet/connectstats",)


def _stats(est, dev, w):
    e = np.asarray(est, float) - np.asarray(dev, float)
    ok = np.isfinite(e) & (w > 0)
    if not ok.any():
        return float("nan"), float("nan")
    return float(np.average(np.abs(e[ok]), weights=w[ok])), float(np.average(e[ok], weights=w[ok]))


def load_files():
    """Running FIT files with device contact time: one entry per distinct activity."""
    catalog = json.loads((DATA / "catalog.json").read_text())
    files, seen = [], set()
    for entry in catalog["files"]:
        if not (entry.get("is_running") and entry.get("has_running_dynamics") and entry["format"] == "fit"):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                run = runload.read_run(DATA / entry["path"])
            except RunloadError as e:
                print(f"skip {entry['path']}: {e}", file=sys.stderr)
                continue
            key = (run.meta.start, len(run.samples))
            if key in seen:  # the same activity stored twice (summary messages first / last)
                continue
            seen.add(key)
            auto = analyze_run(run)
        s = auto.samples
        valid = ((s["contact_time_source"] == "device") & (s["state"] == "running") & (s["dt_s"] > 0)).to_numpy()
        if s["dt_s"].to_numpy()[valid].sum() < MIN_VALID_S:
            print(f"skip {entry['path']}: under {MIN_VALID_S:.0f} s of valid device contact time",
                  file=sys.stderr)
            continue
        files.append({
            "path": entry["path"], "repo": entry["source_repo"], "run": run,
            "family": device_family(run.meta.device) or "unknown",
            "valid": valid, "samples": s,
            "device_ms": s["contact_time_ms"].to_numpy()[valid], "w": s["dt_s"].to_numpy()[valid],
        })
    return files


def evaluate(files):
    rows = []
    for f in files:
        s, valid, dev, w = f["samples"], f["valid"], f["device_ms"], f["w"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = analyze_run(f["run"], gait_source="model").samples["contact_time_ms"].to_numpy()[valid]
            power = 1000.0 * contact_time_powerlaw(s["speed_mps"].to_numpy()[valid])
            others = [g["run"] for g in files if g is not f and g["family"] == f["family"]]
            cal = {"cal": None, "calc": None}
            khat = float("nan")
            for key, fit_cadence in (("cal", False), ("calc", True)):
                if not others:
                    continue
                try:
                    fit = fit_calibration(others, fit_cadence=fit_cadence)
                except RunloadError:
                    continue
                if key == "cal":
                    khat = fit.khat_ref
                est = analyze_run(f["run"], fit.profile, gait_source="model").samples["contact_time_ms"]
                cal[key] = est.to_numpy()[valid]
        row = {"file": f["path"].split("/", 1)[1], "repo": f["repo"], "family": f["family"],
               "seconds": float(w.sum()), "device_ms": float(np.average(dev, weights=w)),
               "speed_mps": float(np.average(s["speed_mps"].to_numpy()[valid], weights=w)),
               "cadence_spm": float(np.average(s["cadence_spm"].to_numpy()[valid], weights=w)),
               "khat_loro": khat}
        row["model_mae"], row["model_bias"] = _stats(model, dev, w)
        # How the model's error changes with speed: slope of (model − device) on speed, ms per m/s.
        v = s["speed_mps"].to_numpy()[valid]
        ok = np.isfinite(model - dev)
        row["slope"] = float(np.polyfit(v[ok], (model - dev)[ok], 1, w=np.sqrt(w[ok]))[0]) if ok.sum() > 10 else np.nan
        for key in ("cal", "calc"):
            row[f"{key}_mae"], row[f"{key}_bias"] = (_stats(cal[key], dev, w) if cal[key] is not None
                                                     else (float("nan"),) * 2)
        row["power_mae"], row["power_bias"] = _stats(power, dev, w)
        rows.append(row)
    return rows


def fit_defaults(files, train):
    """(k̂_ref, exponent) minimising the median per-file MAE over ``train`` files (Nelder–Mead)."""
    prof = AthleteProfile()

    def per_file_mae(params, subset):
        k, e = params
        out = []
        for f in subset:
            s = f["samples"]
            v, c, g = (s[n].to_numpy()[f["valid"]] for n in ("speed_mps", "cadence_spm", "grade_pct"))
            out.append(_stats(model_contact_time_ms(v, c, g, prof, k, e, fill_no_root=True), f["device_ms"], f["w"])[0])
        return out

    def loss(p):
        if not (4 <= p[0] <= 40 and 0.0 <= p[1] <= 2.0):
            return 1e6
        return float(np.median(per_file_mae(p, train)))

    best = min((minimize(loss, x0, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-3})
                for x0 in ([13.0, 1.39], [11.0, 0.5])), key=lambda r: r.fun)
    return tuple(best.x), per_file_mae


def _fmt(x, nd=1):
    return "–" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def render(rows, folds) -> str:
    lines = ["# Contact-time model against watch ground contact time", "",
             "Generated by `benchmarks/validate_gait.py` from the running FIT files in `../shared/data` that",
             "carry Garmin running dynamics (one row per distinct activity).  Device contact time is hidden and",
             "re-estimated with `gait_source=\"model\"`; errors are estimate − device over the valid running",
             "seconds (science.md §1.4), weighted by time.  Heights are unknown, so every estimate uses",
             "H = 1.75 m.  MAE and bias in ms.", "",
             "- **model**: population defaults (k̂_ref 13, exponent 1.39, c_pref = 165 + 7(v − 3)).",
             "- **cal k̂**: k̂_ref fitted on the *other* runs of the same device family (leave-one-run-out),",
             "  population c_pref.  **cal k̂+c**: also the personal cadence model from those runs.  A family's",
             "  runs come from different repositories, i.e. mostly different runners.",
             "- **power law**: tc = 0.53·v^−0.62 s.", "",
             "- **slope**: change of the model's error with speed (ms per m/s, weighted fit over the file).", "",
             "| file | family | s | device | v m/s | spm | model MAE | bias | slope | cal k̂ MAE | bias | k̂ "
             "| cal k̂+c MAE | bias | power law MAE | bias |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['file']} | {r['family']} | {r['seconds']:.0f} | {r['device_ms']:.0f} | {r['speed_mps']:.2f} | "
            f"{r['cadence_spm']:.0f} | {_fmt(r['model_mae'])} | {_fmt(r['model_bias'])} | {_fmt(r['slope'])} | "
            f"{_fmt(r['cal_mae'])} | "
            f"{_fmt(r['cal_bias'])} | {_fmt(r['khat_loro'])} | {_fmt(r['calc_mae'])} | {_fmt(r['calc_bias'])} | "
            f"{_fmt(r['power_mae'])} | {_fmt(r['power_bias'])} |")
    keys = ("model_mae", "cal_mae", "calc_mae", "power_mae")
    cal_rows = [r for r in rows if np.isfinite(r["cal_mae"])]

    def med(subset, k):
        vals = [r[k] for r in subset if np.isfinite(r[k])]
        return float(np.median(vals)) if vals else float("nan")

    lines += ["", "## Overall (median per-file MAE and bias, ms)", "",
              "| files | model | cal k̂ | cal k̂+c | power law |", "|---|---|---|---|---|",
              f"| all {len(rows)} | " + " | ".join(_fmt(med(rows, k)) for k in keys) + " |",
              f"| the {len(cal_rows)} with a LORO calibration | " + " | ".join(_fmt(med(cal_rows, k)) for k in keys)
              + " |",
              "| bias, all | " + " | ".join(_fmt(med(rows, k.replace('mae', 'bias'))) for k in keys) + " |",
              "", "## By device family (median per-file MAE, ms)", "",
              "| family | files | model | cal k̂ | cal k̂+c | power law | best model variant beats the power law |",
              "|---|---|---|---|---|---|---|"]
    for fam in sorted({r["family"] for r in rows}):
        fr = [r for r in rows if r["family"] == fam]
        m, c, cc, p = (med(fr, k) for k in keys)
        best = np.nanmin([m, c, cc])
        lines.append(f"| {fam} | {len(fr)} | {_fmt(m)} | {_fmt(c)} | {_fmt(cc)} | {_fmt(p)} | "
                     f"{'yes' if best < p else 'no'} |")
    fam_ok = []
    for fam in sorted({r["family"] for r in rows}):
        fr = [r for r in rows if r["family"] == fam]
        fam_ok.append(np.nanmin([med(fr, k) for k in keys[:3]]) < med(fr, "power_mae"))
    slopes = [r["slope"] for r in rows if np.isfinite(r["slope"])]
    lines += ["", "## Targets", "",
              f"- median per-file MAE uncalibrated ≤ 10 ms: **{'met' if med(rows, 'model_mae') <= 10 else 'not met'}** "
              f"({_fmt(med(rows, 'model_mae'))} ms)",
              f"- median per-file MAE calibrated ≤ 6 ms: **{'met' if np.nanmin([med(cal_rows, 'cal_mae'), med(cal_rows, 'calc_mae')]) <= 6 else 'not met'}** "
              f"({_fmt(med(cal_rows, 'cal_mae'))} ms k̂ only, {_fmt(med(cal_rows, 'calc_mae'))} ms with the cadence model)",
              f"- better than the power law on every device family: **{'met' if all(fam_ok) else 'not met'}** "
              f"({sum(fam_ok)} of {len(fam_ok)} families)",
              "",
              f"Why: the model's error falls with speed in {sum(x < 0 for x in slopes)} of {len(slopes)} files "
              f"(median slope {_fmt(float(np.median(slopes)) if slopes else np.nan)} ms per m/s).  The watches' contact",
              "time changes much less with speed within a run than the spring–mass model's (and than the",
              "power law's), so a single stiffness cannot match both ends of a run's speed range; calibrating",
              "k̂_ref removes the bias but not this slope.  Per-second noise in GPS speed adds to it.", ""]
    lines += ["", "## Re-fitted default parameters (2-fold split by source repository)", "",
              "k̂_ref and the cadence exponent fitted to minimise the median per-file MAE of one fold, then",
              "applied unchanged to the other fold.  The shipped defaults stay k̂_ref 13 and exponent 1.39.", "",
              "| fitted on | k̂_ref | exponent | median MAE on the fitting fold | on the held-out fold "
              "| held-out with defaults (13, 1.39) |", "|---|---|---|---|---|---|"]
    for fold in folds:
        lines.append(f"| {fold['name']} | {fold['khat']:.2f} | {fold['exponent']:.2f} | {fold['train_mae']:.1f} | "
                     f"{fold['test_mae']:.1f} | {fold['test_default_mae']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="also write the markdown table here")
    args = parser.parse_args(argv)
    if not (DATA / "catalog.json").is_file():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 2
    files = load_files()
    rows = evaluate(files)
    folds = []
    a = [f for f in files if f["repo"] not in FOLD_B_REPOS]
    b = [f for f in files if f["repo"] in FOLD_B_REPOS]
    for name, train, test in ((f"all but {', '.join(FOLD_B_REPOS)}", a, b), (", ".join(FOLD_B_REPOS), b, a)):
        if not train or not test:
            continue
        (k, e), per_file = fit_defaults(files, train)
        folds.append({"name": name, "khat": k, "exponent": e,
                      "train_mae": float(np.median(per_file((k, e), train))),
                      "test_mae": float(np.median(per_file((k, e), test))),
                      "test_default_mae": float(np.median(per_file((13.0, 1.39), test)))})
    text = render(rows, folds)
    print(text)
    if args.write:
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
