"""``runload calibrate FILES... -o profile.toml``: fit the personal leg stiffness from device contact time."""

from __future__ import annotations

import math
from pathlib import Path

import click

from . import RunloadCommand
from ._common import check_inputs, echo

__all__ = ["calibrate"]


def _ms(x) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.1f} ms"


@click.command(name="calibrate", cls=RunloadCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Profile TOML to write.")
@click.option("--height", "height_m", type=click.FloatRange(1.0, 2.5), help="Body height [m] (default 1.75).")
@click.option("--mass", "mass_kg", type=click.FloatRange(25, 250), help="Body mass [kg] (default 70).")
@click.option("--profile", "profile_path", type=click.Path(path_type=Path),
              help="Start from this profile (its height and mass are kept unless overridden).")
@click.option("--fit-exponent", is_flag=True, help="Also fit the cadence exponent (0.8–2.0).")
@click.option("--fit-speed-exponent", is_flag=True,
              help="Also fit a personal speed term of the stiffness (needs ≥ 0.4 m/s of speed range; "
                   "see docs/gait_validation.md).")
def calibrate(paths: tuple[Path, ...], output: Path, height_m: float | None, mass_kg: float | None,
              profile_path: Path | None, fit_exponent: bool, fit_speed_exponent: bool) -> None:
    """Fit your leg stiffness from runs whose watch measured ground contact time.

    Uses level, steady running at 2.2–6 m/s with a plausible device contact time (chest strap, pod or
    watch running dynamics), ideally from at least 2 runs with the same watch.  Runs without running
    dynamics then get estimates calibrated to that device (`runload analyze --profile`).
    """
    from ..calibrate import fit_calibration  # noqa: PLC0415 - scipy loads when calibrating, not for --help
    from ..io import read_run  # noqa: PLC0415
    from ..profile import save_profile  # noqa: PLC0415
    from .analyze import build_profile  # noqa: PLC0415

    check_inputs([*paths, *([profile_path] if profile_path is not None else [])])
    runs = [read_run(p) for p in paths]
    profile = build_profile(profile_path, height_m, mass_kg, runs[0])
    fit = fit_calibration(runs, profile, fit_exponent=fit_exponent, fit_speed_exponent=fit_speed_exponent)
    save_profile(fit.profile, output)
    cm = fit.cadence_model
    lines = [
        f"k̂_ref {fit.khat_ref:.2f}   cadence exponent {fit.cadence_exponent:.2f}"
        + ("" if fit_exponent else " (not fitted)")
        + (f"   speed exponent {fit.speed_exponent:+.2f}" if fit_speed_exponent else ""),
        f"residual SD {_ms(fit.residual_sd_ms)}   MAE {_ms(fit.mae_before_ms)} before → {_ms(fit.mae_after_ms)} after"
        f"   bias {_ms(fit.bias_before_ms)} → {_ms(fit.bias_after_ms)}",
        f"{fit.n_seconds:.0f} s from {len(fit.runs_used)} run(s), device {fit.device}",
        "cadence model: " + (f"c_pref = {cm[0]:.1f} + {cm[1]:.2f}·v + {cm[2]:.1f}·i⁺ + {cm[3]:.1f}·i⁻ spm" if cm
                             else f"not fitted ({fit.cadence_seconds / 60:.0f} min of steady running; needs "
                                  "≥ 3 runs and ≥ 60 min)"),
        "runs used:",
        *(f"  {Path(r).name}" for r in fit.runs_used),
    ]
    if fit.skipped:
        lines.append("runs skipped:")
        lines += [f"  {Path(k).name}: {v}" for k, v in fit.skipped.items()]
    lines.append(f"wrote {output}")
    echo("\n".join(lines))
