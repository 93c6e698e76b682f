"""The figures are plain dicts (runload/report/figure_dicts.py); plotly must accept each one unchanged.

For the report's synthetic analyses, a simulated run of every kind, real files and the dashboard's
figures, every figure dict is turned into a validated ``plotly.graph_objects.Figure`` and serialised by
plotly: the JSON must equal the one the page carries (:func:`runload.report.html.figure_json`, no
validation), so a misspelt property, a value plotly would coerce or drop (``None``), or an array plotly
would encode differently fails here.
"""

from __future__ import annotations

import base64
import json
import warnings

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from _plotly_utils.utils import to_typed_array_spec
from conftest import catalog_entries, entry_path, shared_params
from report_pins import HOSTILE, VARIANTS, _drop_distance, _history_frames

import runload
from runload.report.bodymap import bodymap_figure
from runload.report.dashboard import dashboard_frames
from runload.report.dashboard_figures import balance_figure, spikes_figure, volume_figure, weekly_load_figure
from runload.report.figure_dicts import plain_records, subplot_grid, typed_array
from runload.report.figures import load_figure, route_figure, timeseries_figure
from runload.report.html import figure_json, safe_json
from runload.report.units import get_units
from runload.simulate import KINDS, simulate_run
from runload.simulate_write import fit_bytes

REAL_FILES = [e for e in catalog_entries() if e["path"] in {
    "roznet__connectstats/ConnectStatsTests/samples/fit_files/activity_2944936628.fit",  # 2.35 h, wrist
    "jimmykane__fit-parser/test/running-with-developer-data.fit",  # running dynamics, developer fields
    "corriporai__runpandas/runpandas/tests/io/data/gpx/stopped_example.gpx",
    "corriporai__runpandas/runpandas/tests/io/data/tcx/run_garmin.tcx",
}]


def assert_plotly_agrees(fig: dict) -> None:
    """``fig`` validated by plotly serialises to the same JSON values as the page's (unvalidated) text."""
    ours = json.loads(figure_json(fig))
    validated = json.loads(pio.to_json(go.Figure(fig), validate=True, engine="json"))
    assert validated == ours


def _report_figures(analysis) -> list[dict]:
    out = []
    for units in ("metric", "imperial"):
        out += [bodymap_figure(analysis, units), load_figure(analysis), timeseries_figure(analysis, units),
                route_figure(analysis, units)]
    return [f for f in out if f is not None]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_report_figures_of_synthetic_analyses_validate(analysis_factory, variant):
    kwargs, change = VARIANTS[variant]
    analysis = analysis_factory(**kwargs)
    if change == "drop_distance":
        _drop_distance(analysis)
    figures = _report_figures(analysis)
    assert len(figures) >= 3
    for fig in figures:
        assert_plotly_agrees(fig)


@pytest.mark.parametrize("kind", KINDS)
def test_report_figures_of_simulated_runs_validate(tmp_path, kind):
    path = tmp_path / f"{kind}.fit"
    path.write_bytes(fit_bytes(simulate_run(kind, seed=2)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = runload.analyze_run(runload.read_run(path))
    figures = _report_figures(analysis)
    assert len(figures) >= 6  # body map, load, time series (both units); treadmill runs have no route
    for fig in figures:
        assert_plotly_agrees(fig)


@pytest.mark.parametrize("entry", shared_params(REAL_FILES))
def test_report_figures_of_real_files_validate(entry):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analyses = runload.analyze_file(entry_path(entry))
    for analysis in analyses:
        for fig in _report_figures(analysis):
            assert_plotly_agrees(fig)


def test_dashboard_figures_validate():
    frames = dashboard_frames(_history_frames())
    for units in ("metric", "imperial"):
        shown = get_units(units)
        figures = [volume_figure(frames["weekly"], shown), weekly_load_figure(frames["load"]),
                   spikes_figure(frames["spikes"], shown), balance_figure(frames["balance"])]
        assert all(f is not None for f in figures)
        for fig in figures:
            assert_plotly_agrees(fig)


def test_figure_json_is_the_text_plotly_writes(analysis_factory):
    # plotly.io.to_json (plotly's encoder and escapes) made safe for <script>, character for character
    analysis = analysis_factory(600, **HOSTILE)
    analysis.load.index = [*analysis.load.index[:-1], "</script><b>x</b>"]  # a group name from nowhere
    figures = _report_figures(analysis)
    texts = [figure_json(f) for f in figures]
    assert any("\\u0026lt;\\u002fscript\\u0026gt;" in t for t in texts)  # escaped for HTML, then for <script>
    assert not any("</" in t or "<" in t or "&" in t for t in texts)
    for fig in figures:
        assert figure_json(fig) == safe_json(pio.to_json(fig, validate=False, engine="json"))
    assert figure_json(go.Figure(figures[0])) == safe_json(pio.to_json(go.Figure(figures[0]), engine="json"))
    odd = {"data": [{"type": "scatter", "x": [np.nan, np.inf, 1.0], "y": np.array([np.nan, 2.0]), "name": "NaN"}],
           "layout": {"xaxis": {"range": [np.nan, 1]}}}  # non-finite floats are written as null
    assert figure_json(odd) == safe_json(pio.to_json(odd, validate=False, engine="json"))
    assert json.loads(figure_json(odd))["data"][0]["x"] == [None, None, 1.0]


def test_a_misspelt_or_dropped_property_fails_the_check(analysis_factory):
    fig = timeseries_figure(analysis_factory(300, **HOSTILE))
    fig["data"][0]["linee"] = fig["data"][0].pop("line")
    with pytest.raises(ValueError, match="linee"):
        assert_plotly_agrees(fig)
    fig = timeseries_figure(analysis_factory(300))
    fig["data"][0]["line"]["dash"] = None  # plotly drops a None: the page would differ from plotly's JSON
    with pytest.raises(AssertionError):
        assert_plotly_agrees(fig)


@pytest.mark.parametrize("dtype", ["f4", "f8"])
@pytest.mark.parametrize("values", [np.array([0.0, 1.5, np.nan, -1e6, 3.25]), np.arange(12.0).reshape(6, 2),
                                    np.array([])])
def test_typed_array_is_what_plotly_writes(values, dtype):
    expected = to_typed_array_spec(values.astype({"f4": np.float32, "f8": np.float64}[dtype]))
    ours = typed_array(values, dtype)
    if values.size == 0:
        assert ours == [] and len(expected) == 0
    else:
        assert ours == expected
        decoded = np.frombuffer(base64.b64decode(ours["bdata"]), dtype=f"<{dtype}")
        np.testing.assert_array_equal(decoded, values.ravel().astype(decoded.dtype))


@pytest.mark.parametrize("spacing", [0.05, 0.3 / 7])
@pytest.mark.parametrize("n_rows", range(1, 9))
def test_subplot_grid_is_plotly_make_subplots(n_rows, spacing):
    from plotly.subplots import make_subplots

    axes, titles = subplot_grid(n_rows, spacing)
    layout = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=spacing,
                           subplot_titles=[f"row {k}" for k in range(n_rows)]).to_plotly_json()["layout"]
    expected = {k: v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))}
    # JSON text, so 0.8400000000000001 vs 0.84 or 0 vs 0.0 would show
    assert json.dumps(axes, sort_keys=True) == json.dumps(expected, sort_keys=True)
    for k, title in enumerate(titles):
        title["text"] = f"row {k}"
    assert json.dumps(titles, sort_keys=True) == json.dumps(layout["annotations"], sort_keys=True)


def test_plain_records_hold_the_frame_values():
    frame = pd.DataFrame({"kind": ["lap", None], "n": [1, 2], "x": [0.5, np.nan],
                          "t": pd.to_datetime(["2024-05-04 06:30", None], utc=True)})
    records = plain_records(frame)
    assert records[0] == {"kind": "lap", "n": 1, "x": 0.5, "t": pd.Timestamp("2024-05-04 06:30", tz="UTC")}
    assert pd.isna(records[1]["kind"]) and np.isnan(records[1]["x"]) and records[1]["t"] is pd.NaT
    assert type(records[0]["x"]) is float and type(records[0]["n"]) is int
    only_x = plain_records(frame, ["x", "missing"])
    assert [list(r) for r in only_x] == [["x"], ["x"]] and only_x[0]["x"] == 0.5 and np.isnan(only_x[1]["x"])
    assert plain_records(frame.iloc[:0]) == [] and plain_records(frame[[]]) == [{}, {}]
