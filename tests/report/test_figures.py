"""Tests of the pure figure builders (runload/report/figures.py) and display units (units.py)."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import pytest
from numpy.testing import assert_allclose

from runload.errors import InvalidMethodError
from runload.report.figures import (
    MAX_PLOT_POINTS,
    load_figure,
    pace_axis_range,
    plot_series,
    route_figure,
    timeseries_figure,
    typed_array,
)
from runload.report.units import format_duration, get_units


def _figure(fig_dict):
    """A builder's figure dict as a plotly Figure (validated: a misspelt property raises); ``None`` stays."""
    return None if fig_dict is None else go.Figure(fig_dict)


def _traces(fig):
    return {t.name: t for t in fig.data}


def test_plot_series_decimates_by_bin_means(analysis_factory):
    a = analysis_factory(3600)
    data = plot_series(a)
    assert len(data) <= MAX_PLOT_POINTS
    per_bin = int(np.ceil(3600 / MAX_PLOT_POINTS))
    # The first bin is the plain mean of the first `per_bin` samples (hand calculation).
    assert_allclose(data["cadence_spm"].iloc[0], a.samples["cadence_spm"].iloc[:per_bin].mean(), rtol=1e-12)
    assert_allclose(data["elapsed_s"].iloc[0], (per_bin - 1) / 2, rtol=1e-12)


def test_plot_series_keeps_short_runs_and_hides_pace_when_standing(analysis_factory):
    a = analysis_factory(300)
    data = plot_series(a)
    assert len(data) == 300
    standing = (a.samples["state"] == "standing").to_numpy()
    assert np.isnan(data["pace_s_per_km"].to_numpy()[standing]).all()
    moving = ~standing
    # pace = 1000 / speed [s/km] where moving
    assert_allclose(data["pace_s_per_km"].to_numpy()[moving], 1000 / a.samples["speed_mps"].to_numpy()[moving],
                    rtol=1e-12)


def test_timeseries_marks_device_and_estimated_gait_differently(analysis):
    fig = _figure(timeseries_figure(analysis))
    traces = _traces(fig)
    device = traces["contact time — measured by device"]
    model = traces["contact time — estimated (±~10 %)"]
    assert device.line.dash is None and model.line.dash == "dash"
    assert device.showlegend and model.showlegend
    titles = [a.text for a in fig.layout.annotations]
    assert any("Pace" in t for t in titles) and any("Heart rate" in t for t in titles)
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["over distance", "over time"]


def _decode(spec: dict) -> np.ndarray:
    assert spec["dtype"] == "f4"
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")


def _values(data) -> np.ndarray:
    """A trace's data array: a typed-array spec decoded, else the values as floats."""
    return _decode(data) if isinstance(data, dict) else np.asarray(data, dtype=float)


def test_timeseries_switch_uses_one_x_for_all_traces(analysis):
    fig = _figure(timeseries_figure(analysis))
    buttons = fig.layout.updatemenus[0].buttons
    x_time = buttons[1].args[0]["x"]
    assert len(x_time) == 1  # one array, applied to every trace by plotly.restyle
    minutes = _decode(x_time[0])
    assert all(len(_values(t.x)) == len(minutes) for t in fig.data)
    # elapsed time in minutes of the decimated bins (plot_series), float32 storage
    assert_allclose(minutes, plot_series(analysis)["elapsed_s"] / 60.0, rtol=1e-6)
    assert_allclose(_decode(buttons[0].args[0]["x"][0]), _values(fig.data[0].x), rtol=1e-6)


def test_timeseries_switch_keeps_axes_linear_and_restates_the_pace_axis(analysis):
    # plotly's update re-autotypes y axes when x data change; a date x axis (as before) broke the switch.
    fig = _figure(timeseries_figure(analysis))
    assert fig.layout.xaxis.type == "linear"
    for button in fig.layout.updatemenus[0].buttons:
        layout = button.args[1]
        assert not any(k.endswith(".type") and k.startswith("xaxis") for k in layout)
        assert layout["yaxis.type"] == "date" and layout["yaxis.tickformat"] == "%-M:%S"
        assert list(layout["yaxis.range"]) == list(fig.layout.yaxis.range)


def test_pace_axis_is_reversed_unpadded_mss_and_ignores_outliers(analysis_factory):
    a = analysis_factory(1800)
    a.samples.iloc[:8, a.samples.columns.get_loc("speed_mps")] = 1.05  # a standing start: ~15:50 /km
    fig = _figure(timeseries_figure(a))
    assert fig.layout.yaxis.tickformat == "%-M:%S"  # 4:30, not 04:30
    slow, fast = fig.layout.yaxis.range
    assert slow > fast  # reversed: fast at the top
    pace_ms = _values(fig.data[0].y)
    assert np.nanmax(pace_ms) > slow  # the standing start is off the axis …
    assert np.mean((pace_ms >= fast) & (pace_ms <= slow)) > 0.98  # … the run is on it
    assert pace_axis_range(np.array([np.nan])) is None


def test_elevation_is_one_trace_coloured_by_grade(analysis):
    traces = [t for t in _figure(timeseries_figure(analysis)).data if t.name in ("elevation", "grade")]
    assert [t.name for t in traces] == ["elevation"]
    assert traces[0].mode == "lines+markers" and "grade" in traces[0].hovertemplate
    assert len(_values(traces[0].marker.color)) == len(_values(traces[0].y)) > 1


def test_gait_legend_sits_below_the_plots(analysis):
    fig = _figure(timeseries_figure(analysis))
    assert fig.layout.legend.y < 0 and fig.layout.legend.yanchor == "top"
    assert all(a.xanchor == "left" for a in fig.layout.annotations)  # row titles at the top left


def test_typed_array_round_trip():
    values = np.array([0.0, 1.5, np.nan, 1e6])
    assert_allclose(_decode(typed_array(values)), values.astype(np.float32), rtol=0, equal_nan=True)


def test_timeseries_rows_follow_available_data(analysis_factory):
    a = analysis_factory(600, heart_rate=False, altitude=False, dynamics=False)
    fig = _figure(timeseries_figure(a))
    titles = [t.text for t in fig.layout.annotations]
    assert not any("Heart rate" in t for t in titles)
    assert not any("Elevation" in t for t in titles)
    names = set(_traces(fig))
    assert "contact time — estimated (±~10 %)" in names
    assert "contact time — measured by device" not in names


def test_timeseries_none_without_series(analysis_factory):
    a = analysis_factory(120, heart_rate=False, altitude=False)
    a.samples = a.samples[["dt_s"]].copy()
    a.run.samples = a.run.samples[["elapsed_s"]].copy()
    assert _figure(timeseries_figure(a)) is None


def test_time_axis_only_without_distance(analysis_factory):
    a = analysis_factory(300)
    a.samples = a.samples.drop(columns=["distance_m"])
    a.run.samples = a.run.samples.drop(columns=["distance_m"])
    fig = _figure(timeseries_figure(a))
    assert not fig.layout.updatemenus
    assert fig.layout.xaxis.type == "linear"
    assert fig.layout.xaxis.title.text == "Elapsed time [min]"  # the one x axis all rows share
    assert_allclose(_values(fig.data[0].x)[:3], np.arange(3) / 60.0, rtol=1e-6)


def test_load_figure_bars_add_up_to_rel_load(analysis):
    fig = _figure(load_figure(analysis))
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 5
    total = np.sum([_values(b.x) for b in bars], axis=0)
    expected = analysis.load["rel_load"].to_numpy()[::-1]
    # phase shares sum to 1, so the stacked segments add up to rel_load (float32 storage: rtol 1e-6)
    assert_allclose(total, expected, rtol=1e-5)
    assert any("(approximate)" in y for y in bars[0].y)


def test_load_figure_none_without_load(analysis_factory):
    assert _figure(load_figure(analysis_factory(300, with_load=False))) is None


def test_route_figure_equal_aspect_and_optional(analysis_factory):
    fig = _figure(route_figure(analysis_factory(600)))
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert {"pace", "start", "finish"} <= set(_traces(fig))  # the route line is the pace trace's (issue 11)
    names = [t.name for t in fig.data]
    assert names.index("start") > names.index("finish")  # start drawn on top when both are one place
    assert _traces(fig)["start"].legendrank < _traces(fig)["finish"].legendrank
    assert _figure(route_figure(analysis_factory(600, positions=False))) is None


def test_units_formatting_and_conversion():
    metric, imperial = get_units("metric"), get_units("imperial")
    assert metric.format_pace(300) == "5:00 /km"
    # 300 s/km × 1.609344 km/mi = 482.8 s/mi → 8:03 /mi
    assert imperial.format_pace(300) == "8:03 /mi"
    assert metric.format_distance(10_000) == "10.00 km"
    assert imperial.format_distance(1609.344) == "1.00 mi"
    assert imperial.format_elevation(100) == "328 ft"
    assert format_duration(0) == "0:00"  # zero is data
    assert format_duration(3723) == "1:02:03"
    assert format_duration(float("nan")) == "—"
    assert metric.format_pace(float("nan")) == "—"
    assert_allclose(imperial.distance(imperial.metres_per_distance_unit * 3.5), 3.5, rtol=1e-12)


def test_units_reject_unknown_system():
    with pytest.raises(InvalidMethodError, match="units"):
        get_units("furlongs")
