"""Pins of the report pages and figures: what tests/report/test_report_pins.py holds the report to.

:func:`report_pins` renders the report of several synthetic analyses (the report tests' factory, every
kind of partial analysis, hostile strings, both unit systems, a 10-hour run) and the training-log dashboard
of a history log, and returns a SHA-256 per page and per figure.  A figure is pinned by its JSON
*values* (``json.dumps(json.loads(text), sort_keys=True)``): the order of keys inside a JSON object means
nothing to plotly.js; any changed value, added or missing property changes the pin.  A page is pinned with
its figures replaced by that canonical text.

``tests/report/report_pins.json`` (:data:`PINS_FILE`) was written from the report before issue 10's speed work (figures built
as ``plotly.graph_objects`` objects), so the test shows the dict-built figures give the same pages.  When a
report is MEANT to change (e.g. issue 11), write the file again from the new code and say so in the commit::

    .venv/bin/python tests/report_pins.py
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
import tempfile
from pathlib import Path

PINS_FILE = Path(__file__).parent / "report" / "report_pins.json"
_FIGURES_BLOCK = re.compile(r'(<script type="application/json" id="runload-figures">)(.*?)(</script>)', re.S)
HOSTILE = dict(name="<script>alert(1)</script> & \u2028", lap_label="<b>Lap</b> \"'", developer_field="<img src=x>",
               manufacturer="<i>m</i>")
# name → (make_analysis arguments, a function of the analysis that removes parts), rendered in both units.
VARIANTS = {
    "full_1h": (dict(duration_s=3600), None),
    "default_30min": (dict(), None),
    "no_load_no_positions": (dict(duration_s=600, with_load=False, positions=False), None),
    "no_hr_altitude_dynamics": (dict(duration_s=600, heart_rate=False, altitude=False, dynamics=False), None),
    "no_hints": (dict(duration_s=600, with_hints=False), None),
    "hostile_strings": (dict(duration_s=600, **HOSTILE), None),
    "no_distance": (dict(duration_s=300), "drop_distance"),
    "long_10h": (dict(duration_s=36000), None),
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def canonical_json(text: str) -> str:
    """JSON text with its values only: keys sorted, no spaces (floats as Python writes them)."""
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _page_pin(page: str) -> str:
    return _sha(_FIGURES_BLOCK.sub(lambda m: m.group(1) + canonical_json(m.group(2)) + m.group(3), page))


def _drop_distance(analysis) -> None:
    analysis.samples = analysis.samples.drop(columns=["distance_m"])
    analysis.run.samples = analysis.run.samples.drop(columns=["distance_m"])


def _history_frames():
    from history_logs import LogBuilder  # tests/ is on the path (pyproject: pythonpath)

    b = LogBuilder()
    b.weeks(5, km=60.0, balance=50.4, gear="<img src=x onerror=alert(5)>Pegasus")
    b.add(35, km=90.0, gear="Trail", balance=51.0)
    for day in (37, 39, 40):
        b.add(day, km=60.0, gear="Trail")
    return b.sql


def report_pins(make_analysis, package: str = "runload.report") -> dict:
    """``{variant: {"page": sha, "figures": {name: sha}}}`` for every report variant and the dashboard.

    Parameters
    ----------
    make_analysis : callable
        The report tests' factory (tests/report/conftest.py).
    package : str
        The report package to pin (``runload.report``; the file was written from a copy of the report
        before issue 10).
    """
    html = importlib.import_module(f"{package}.html")
    figures = importlib.import_module(f"{package}.figures")
    bodymap = importlib.import_module(f"{package}.bodymap")
    dashboard = importlib.import_module(f"{package}.dashboard")
    dashboard_figures = importlib.import_module(f"{package}.dashboard_figures")
    units_mod = importlib.import_module(f"{package}.units")
    pins = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name, (kwargs, change) in VARIANTS.items():
            analysis = make_analysis(**kwargs)
            if change == "drop_distance":
                _drop_distance(analysis)
            for units in ("metric", "imperial"):
                built = {"bodymap": bodymap.bodymap_figure(analysis, units), "load": figures.load_figure(analysis),
                         "timeseries": figures.timeseries_figure(analysis, units),
                         "route": figures.route_figure(analysis, units)}
                pins[f"{name}/{units}"] = {
                    "page": _page_pin(html.render_report(analysis, units=units, plotlyjs="plotly.min.js",
                                                         out_dir=out)),
                    "figures": {k: None if f is None else _sha(canonical_json(html.figure_json(f)))
                                for k, f in built.items()},
                }
        frames = dashboard.dashboard_frames(_history_frames())
        for units in ("metric", "imperial"):
            shown = units_mod.get_units(units)
            built = {"volume": dashboard_figures.volume_figure(frames["weekly"], shown),
                     "load": dashboard_figures.weekly_load_figure(frames["load"]),
                     "spikes": dashboard_figures.spikes_figure(frames["spikes"], shown),
                     "balance": dashboard_figures.balance_figure(frames["balance"])}
            pins[f"dashboard/{units}"] = {
                "page": _page_pin(dashboard.render_dashboard(frames, out, units=units)),
                "figures": {k: None if f is None else _sha(canonical_json(html.figure_json(f)))
                            for k, f in built.items()},
            }
    return pins


def main(argv: list[str]) -> None:
    """Write :data:`PINS_FILE` from ``runload.report`` (or from a copy of the report package given as
    ``--from PATH``, imported as ``runload._pinned_report``)."""
    sys.path.insert(0, str(Path(__file__).parent / "report"))
    sys.path.insert(1, str(Path(__file__).parent))
    from conftest import make_analysis  # tests/report/conftest.py (first on the path)

    package = "runload.report"
    if argv[:1] == ["--from"]:
        import importlib.util

        folder = Path(argv[1])
        spec = importlib.util.spec_from_file_location("runload._pinned_report", folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["runload._pinned_report"] = module
        spec.loader.exec_module(module)
        package = "runload._pinned_report"
    PINS_FILE.write_text(json.dumps(report_pins(make_analysis, package), indent=1, sort_keys=True) + "\n")
    print(f"wrote {PINS_FILE}")


if __name__ == "__main__":
    main(sys.argv[1:])
