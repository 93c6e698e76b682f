"""Fingerprints of what :func:`runload.analyze_run` makes of a set of runs, to pin its output across the
speed work of issue 10: ``python tests/analysis_pins.py`` writes ``analysis_pins.json`` next to this file
from the ``runload`` importable at that moment; ``test_analysis_pins.py`` compares today's analysis with it.

The runs are simulated runs of every kind (read back from the FIT, GPX or TCX the simulator writes) and a
few corpus files, analysed as a single run, with personal norms (as a training log does) and with the
model's contact time in imperial units.  A fingerprint holds, for every output of the analysis, what lets
a change show: per numeric column of the samples, load samples and segments the NaN count, the sum, the
absolute sum and a position-weighted sum; per text, time or boolean column a hash of the values; the load
table and the summary value for value; the hints and candidates; the warnings.  Numbers are compared with
a relative tolerance of 1e-9 (floating-point round-off), everything else exactly.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
PINS = HERE / "analysis_pins.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
RTOL = 1e-9

#: Corpus files pinned (paths under the shared data folder): a 2.35-hour FIT run, two runs with running
#: dynamics, a hilly FIT run with barometer catch-ups, a TCX and a GPX export.
CORPUS = (
    "roznet__connectstats/ConnectStatsTests/samples/fit_files/activity_2944936628.fit",
    "roznet__connectstats/ConnectStatsTests/samples/fit_files/activity_2545022458.fit",
    "dtcooper__python-fitparse/tests/files/garmin-fenix-5-run.fit",
    "corriporai__runpandas/runpandas/tests/io/data/fit/run.fit",
    "corriporai__runpandas/runpandas/tests/io/data/tcx/run_garmin.tcx",
    "tkrajina__gpxpy/test_files/korita-zbevnica.gpx",
)
KINDS = ("easy", "intervals", "hills", "treadmill", "easy_dynamics")


def norms():
    """Personal norms as a training log learns them (cadence model, easy speed, calibration)."""
    from runload.norms import PersonalNorms
    from runload.profile import Calibration

    cal = Calibration(khat_ref=15.5, cadence_exponent=1.39, residual_sd_ms=9.0, mae_ms=7.0, n_seconds=5000,
                      runs=["a", "b", "c"], fitted_at="2026-11-01", device="fr965")
    return PersonalNorms(month=date(2026, 11, 1), cadence_model=(150.0, 6.0, 20.0, -10.0), cadence_runs=14,
                         cadence_minutes=576.0, easy_speed_mps=3.2, easy_runs=12, easy_minutes=500.0,
                         window_start=date(2026, 9, 2), window_end=date(2026, 11, 1), calibration=cal)


def runs(folder: Path) -> dict:
    """Name → run of every pinned run (simulated files are written to ``folder``)."""
    from runload import read_run, read_runs
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes, gpx_bytes, tcx_bytes

    out = {}
    for kind in KINDS:
        sim = simulate_run(kind, seed=4)
        writers = [("fit", fit_bytes)] + ([("gpx", gpx_bytes), ("tcx", tcx_bytes)] if kind == "hills" else [])
        for ext, write in writers:
            path = folder / f"{kind}.{ext}"
            path.write_bytes(write(sim))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[f"sim:{kind}.{ext}"] = read_run(path)
    if SHARED.is_dir():
        for rel in CORPUS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for i, run in enumerate(read_runs(SHARED / rel)):
                    out[f"shared:{rel}#{i}"] = run
    return out


def _number(x):
    if x is None or isinstance(x, (bool, np.bool_, str)):
        return x
    if isinstance(x, (int, float, np.integer, np.floating)):
        x = float(x)
        return None if math.isnan(x) else x
    return repr(x)


def _column(values: pd.Series):
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        x = values.to_numpy(dtype=float)
        ok = np.isfinite(x)
        pos = np.linspace(1.0, 2.0, len(x))
        return {"nan": int((~ok).sum()), "sum": float(x[ok].sum()), "abs": float(np.abs(x[ok]).sum()),
                "pos": float((x[ok] * pos[ok]).sum())}
    text = "\x1f".join(map(str, values.tolist()))
    return {"str": hashlib.sha256(text.encode()).hexdigest()[:24], "dtype": str(values.dtype)}


def _table(frame: pd.DataFrame | None):
    if frame is None:
        return None
    return {"index": [str(i) for i in frame.index], "columns": list(frame.columns),
            "values": [[_number(v) for v in row] for row in frame.itertuples(index=False)]}


def _json_ready(obj):
    if isinstance(obj, dict):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    return _number(obj)


def fingerprint(run, **kw) -> dict:
    """What ``analyze_run(run, **kw)`` returns (or raises), as JSON data."""
    from runload.pipeline import analyze_run

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            a = analyze_run(run, **kw)
        except Exception as e:  # noqa: BLE001 - the error is part of the fingerprint
            return {"error": type(e).__name__, "message": _portable(str(e))}
    return {
        "samples": {c: _column(a.samples[c]) for c in a.samples.columns},
        "load_samples": {c: _column(a.load_samples[c]) for c in a.load_samples.columns},
        "segments": {"n": len(a.segments), **{c: _column(a.segments[c]) for c in a.segments.columns}},
        "load": _table(a.load),
        "summary": _json_ready(a.summary),
        "hints": _json_ready([h.as_dict() for h in a.hints]),
        "hint_candidates": _json_ready([h.as_dict() for h in a.hint_candidates]),
        "model_versions": a.model_versions,
        "warnings": sorted({_portable(str(w.message)) for w in caught}),
    }


def _portable(text: str) -> str:
    """``text`` with the shared data folder written as ``<shared>`` (a checkout's location is not a result)."""
    return text.replace(str(SHARED), "<shared>")


def fingerprints(folder: Path) -> dict:
    """Name → fingerprint of every pinned analysis."""
    out = {}
    for name, run in runs(folder).items():
        out[f"{name}|plain"] = fingerprint(run)
        out[f"{name}|norms"] = fingerprint(run, norms=norms())
        out[f"{name}|model-imperial"] = fingerprint(run, gait_source="model", units="imperial")
    return out


def differences(expected, got, path: str = "") -> list[str]:
    """Where ``got`` differs from ``expected``: numbers beyond :data:`RTOL` (relative to the absolute sum
    for column sums), anything else at all."""
    if isinstance(expected, dict) and isinstance(got, dict):
        if set(expected) != set(got):
            return [f"{path}: keys {sorted(set(expected) ^ set(got))}"]
        scale = expected.get("abs") if "abs" in expected else None
        out = []
        for k in expected:
            if scale is not None and k in ("sum", "pos", "abs"):
                if not math.isclose(expected[k], got[k], rel_tol=RTOL, abs_tol=RTOL * 2 * scale + 1e-12):
                    out.append(f"{path}.{k}: {expected[k]!r} != {got[k]!r}")
                continue
            out += differences(expected[k], got[k], f"{path}.{k}")
        return out
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [f"{path}: length {len(expected)} != {len(got)}"]
        return [d for i, (e, g) in enumerate(zip(expected, got, strict=True)) for d in differences(e, g, f"{path}[{i}]")]
    if isinstance(expected, float) and isinstance(got, float):
        return [] if math.isclose(expected, got, rel_tol=RTOL, abs_tol=1e-12) else [f"{path}: {expected!r} != {got!r}"]
    return [] if expected == got else [f"{path}: {expected!r} != {got!r}"]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pins = fingerprints(Path(tmp))
    PINS.write_text(json.dumps(pins, sort_keys=True, allow_nan=False, separators=(",", ":")) + "\n")
    print(f"wrote {len(pins)} fingerprints to {PINS}", file=sys.stderr)
