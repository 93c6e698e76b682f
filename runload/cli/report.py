"""``runload report FILE... -o OUT``: HTML reports of runs.

One file: OUT is the HTML file.  Several files: OUT is a folder with one ``<file name>.html`` per run and
an ``index.html`` linking them.  A file that cannot be read or analysed prints one ``Error: FILE: reason``
line; the others are still reported and the exit code is 1 if any failed.
"""

from __future__ import annotations

import traceback
import warnings
from pathlib import Path
from urllib.parse import quote

import click

from ..errors import RunloadError

UNIT_CHOICES = ("metric", "imperial")


def analyze_file(path: Path, profile, units: str, height: float | None = None, mass: float | None = None):
    """Read and analyse one file (the library does the work; kept separate so tests can replace it).

    ``profile`` is the ``--profile`` file's (or None: the defaults with the height and mass the file's
    user profile records); ``--height``/``--mass`` override either.
    """
    from ..io import read_run
    from ..pipeline import analyze_run
    from ..profile import profile_for_run

    run = read_run(path)
    if profile is not None or height is not None or mass is not None:
        profile = profile_for_run(run, profile, height_m=height, mass_kg=mass)
    return analyze_run(run, profile=profile, units=units)


def _output_names(files: list[Path]) -> list[str]:
    """``<file name>.html`` per input, made unique with ``-2``, ``-3`` … when names repeat."""
    names, seen = [], {}
    for f in files:
        base = f.name
        count = seen.get(base.lower(), 0) + 1
        seen[base.lower()] = count
        names.append(f"{base}.html" if count == 1 else f"{base}-{count}.html")
    return names


@click.command(name="report")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="HTML file (one input) or folder (several inputs).")
@click.option("--height", type=float, default=None, help="Body height [m] (default 1.75 or the profile's).")
@click.option("--mass", type=float, default=None, help="Body mass [kg] (default 70 or the profile's).")
@click.option("--profile", "profile_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Athlete profile TOML (as written by `runload calibrate`).")
@click.option("--units", type=click.Choice(UNIT_CHOICES), default="metric", show_default=True,
              help="Display units.")
@click.option("--plotlyjs", default="inline", show_default=True, metavar="inline|cdn|PATH",
              help="Embed plotly.js (offline), link the CDN, or use a shared plotly.min.js at PATH "
                   "relative to the report (written there if missing).")
@click.pass_context
def report(ctx: click.Context, files: tuple[Path, ...], output: Path, height: float | None, mass: float | None,
           profile_path: Path | None, units: str, plotlyjs: str) -> None:
    """Write HTML reports: summary, hints, body map and muscle-group load, charts, laps and route.

    \b
    runload report morning.fit -o morning.html
    runload report runs/*.fit -o reports/      (one report per file + index.html)
    """
    from ..report import write_report
    from ..report.html import render_index
    from ..report.units import get_units

    debug = bool(ctx.obj and ctx.obj.get("debug"))
    from ..profile import AthleteProfile, load_profile

    profile = load_profile(profile_path) if profile_path is not None else None
    if height is not None or mass is not None:
        AthleteProfile(**{k: v for k, v in (("height_m", height), ("mass_kg", mass)) if v is not None})  # validate
    files = list(files)
    several = len(files) > 1
    if several:
        targets = [output / name for name in _output_names(files)]
    else:
        targets = [output / _output_names(files)[0] if output.is_dir() else output]

    entries, failures = [], []
    for path, target in zip(files, targets, strict=True):
        try:
            if not path.is_file():
                raise RunloadError(path, "no such file")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                analysis = analyze_file(path, profile, units, height, mass)
            for w in caught:
                click.echo(f"Warning: {w.message}", err=True)
            write_report(analysis, target, units=units, plotlyjs=plotlyjs)
        except RunloadError as e:
            if debug:
                traceback.print_exc()
            message = str(e) if e.path else f"{path}: {e}"
            click.echo(f"Error: {message}", err=True)
            failures.append(dict(source=str(path), reason=e.reason))
            continue
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
            if debug:
                traceback.print_exc()
            click.echo(f"Error: {path}: unexpected {type(e).__name__}: {e}", err=True)
            failures.append(dict(source=str(path), reason=f"unexpected {type(e).__name__}: {e}"))
            continue
        click.echo(f"Wrote {target}")
        meta, summary = analysis.run.meta, analysis.summary or {}
        entries.append(dict(
            href=quote(target.name), title=meta.name or path.name, source=path.name,
            when=meta.start.strftime("%Y-%m-%d %H:%M") if meta.start else "",
            distance=get_units(units).format_distance(summary.get("distance_m")),
        ))

    if several:
        index = output / "index.html"
        output.mkdir(parents=True, exist_ok=True)
        index.write_text(render_index(entries, failures), encoding="utf-8")
        click.echo(f"Wrote {index}")
    if failures:
        ctx.exit(1)
