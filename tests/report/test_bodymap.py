"""Tests of the body map (runload/report/bodymap.py)."""

from __future__ import annotations

import colorsys

import numpy as np
import plotly.graph_objects as go
import pytest

from runload.analysis import MUSCLE_GROUPS, UPPER_BODY_GROUPS
from runload.muscles import muscle_group
from runload.report.bodymap import NO_DATA_COLOR, bodymap_figure, load_color, load_colors
from runload.report.figures import LOAD_COLORSCALE


def _figure(fig_dict):
    """A builder's figure dict as a plotly Figure (validated: a misspelt property raises); ``None`` stays."""
    return None if fig_dict is None else go.Figure(fig_dict)


def _regions(fig):
    return {t.name: t for t in fig.data if t.meta and "group" in t.meta}


def _rgb(color: str) -> tuple[float, float, float]:
    if color.startswith("#"):
        return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    parts = color[color.index("(") + 1:color.index(")")].split(",")
    return tuple(float(p) / 255 for p in parts[:3])


def test_all_nine_groups_are_regions(analysis):
    regions = _regions(_figure(bodymap_figure(analysis)))
    assert set(regions) == set(MUSCLE_GROUPS)
    for name, trace in regions.items():
        assert trace.meta["group"] == name
        assert trace.fill == "toself" and trace.hoveron == "fills"


def test_hover_names_members_load_and_driver(analysis):
    regions = _regions(_figure(bodymap_figure(analysis)))
    text = regions["calves"].text
    for member in muscle_group("calves").members:
        assert member in text
    rel = analysis.load.at["calves", "rel_load"]
    assert f"estimated load {rel:.0f}" in text
    assert "why: " in text
    assert "(approximate)" in regions["core"].text
    assert "(approximate)" not in regions["quadriceps"].text


def test_upper_body_drawn_as_approximate(analysis):
    regions = _regions(_figure(bodymap_figure(analysis)))
    for group in UPPER_BODY_GROUPS:
        assert regions[group].line.dash == "dot"
    assert regions["glutes"].line.dash is None


def test_colour_follows_load(analysis):
    a = analysis
    a.load.loc[:, "rel_load"] = np.linspace(10, 250, len(a.load))
    regions = _regions(_figure(bodymap_figure(a)))
    light = sum(_rgb(regions[MUSCLE_GROUPS[0]].fillcolor))
    dark = sum(_rgb(regions[MUSCLE_GROUPS[5]].fillcolor))
    assert dark < light  # more load → darker amber
    assert load_color(0, 200) == load_color(-5, 200)
    assert load_color(float("nan"), 200) == NO_DATA_COLOR
    values = [12.0, None, 250.0, float("nan"), 0.0, 133.3, float("inf")]
    assert load_colors(values, 200) == [load_color(v, 200) for v in values]  # one plotly call, same colours
    assert load_colors(values, 200)[1] == NO_DATA_COLOR and load_colors([], 200) == []


@pytest.mark.parametrize("value", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_scale_is_neutral_or_amber_never_red(value):
    # science.md §3.1 rule 7: neutral or amber only.  Amber hues lie near 30–45°; red is ~0°.
    h, _l, s = colorsys.rgb_to_hls(*_rgb(load_color(value * 200, 200)))
    assert s < 0.2 or 20 <= h * 360 <= 60
    for _, color in LOAD_COLORSCALE:
        h, _l, s = colorsys.rgb_to_hls(*_rgb(color))
        assert s < 0.2 or 20 <= h * 360 <= 60


def test_without_load_every_region_is_neutral(analysis_factory):
    fig = _figure(bodymap_figure(analysis_factory(300, with_load=False)))
    regions = _regions(fig)
    assert set(regions) == set(MUSCLE_GROUPS)
    assert {t.fillcolor for t in regions.values()} == {NO_DATA_COLOR}
    assert all("not available" in t.text for t in regions.values())


def test_hover_names_the_display_distance_unit(analysis):
    metric = _regions(_figure(bodymap_figure(analysis)))["calves"].text
    imperial = _regions(_figure(bodymap_figure(analysis, "imperial")))["calves"].text
    assert "per km " in metric and "per mi " in imperial and "per km" not in imperial
