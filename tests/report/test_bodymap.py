"""Tests of the body map (runload/report/bodymap.py)."""

from __future__ import annotations

import colorsys

import numpy as np
import plotly.graph_objects as go
import pytest

from runload.analysis import MUSCLE_GROUPS, UPPER_BODY_GROUPS
from runload.errors import InvalidMethodError
from runload.muscles import muscle_group
from runload.report.bodymap import (
    INTENSITY_COLORSCALE,
    NO_DATA_COLOR,
    bodymap_figure,
    intensity_colors,
    load_color,
    load_colors,
)
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
    regions = _regions(_figure(bodymap_figure(a, view="total")))
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


# --- issue 11: the default view is per km against easy running, on a diverging scale -----------------

def _distance(a: str, b: str) -> float:
    return float(np.linalg.norm(np.subtract(_rgb(a), _rgb(b)))) * 255


def _fills_at(analysis, values) -> dict[str, str]:
    analysis.load["intensity_per_km"] = values
    return {name: t.fillcolor for name, t in _regions(_figure(bodymap_figure(analysis))).items()}


def test_default_view_colours_intensity_not_total_load(analysis):
    # Same total load everywhere, different per-km intensity: the default view must tell them apart.
    analysis.load["rel_load"] = 120.0
    fills = _fills_at(analysis, np.linspace(70, 140, len(analysis.load)))
    assert len(set(fills.values())) == len(MUSCLE_GROUPS)
    total = {n: t.fillcolor for n, t in _regions(_figure(bodymap_figure(analysis, view="total"))).items()}
    assert len(set(total.values())) == 1


def test_diverging_scale_is_centred_on_easy_running(analysis):
    centre = _fills_at(analysis, 100.0)["calves"]
    assert centre != NO_DATA_COLOR
    h, _l, s = colorsys.rgb_to_hls(*_rgb(centre))
    assert s < 0.2  # "as easy running" is a neutral
    # Above: amber (warm, r > b); below: cool slate (b > r); both further from the centre the further out.
    ups = [_fills_at(analysis, v)["calves"] for v in (105, 115, 130, 150)]
    downs = [_fills_at(analysis, v)["calves"] for v in (95, 87, 77, 67)]
    for up, down in zip(ups, downs, strict=True):
        r, _g, b = _rgb(up)
        assert r > b + 0.05
        r, _g, b = _rgb(down)
        assert b > r + 0.01
    for side in (ups, downs):
        dist = [_distance(c, centre) for c in side]
        assert dist == sorted(dist) and dist[0] > 10  # 5 % from easy running is visible
    # Symmetric in log ratio: ×1.5 and ÷1.5 are the ends; beyond them the colour is clipped.
    assert _fills_at(analysis, 400.0)["calves"] == _fills_at(analysis, 150.0)["calves"] == ups[-1]
    assert _fills_at(analysis, 20.0)["calves"] == _fills_at(analysis, 100 / 1.5)["calves"]
    assert _fills_at(analysis, 0.0)["calves"] == _fills_at(analysis, 100 / 1.5)["calves"]


@pytest.mark.parametrize("position", [0.0, 0.1, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 1.0])
def test_intensity_scale_has_no_red(position):
    # science.md §3.1 rule 7: neutral, cool slate or amber; never red (hue near 0°).
    from plotly.colors import sample_colorscale

    for color in sample_colorscale(INTENSITY_COLORSCALE, [position]) + [c for _, c in INTENSITY_COLORSCALE]:
        h, _l, s = colorsys.rgb_to_hls(*_rgb(color))
        assert s < 0.2 or 20 <= h * 360 <= 60 or 200 <= h * 360 <= 230


def test_missing_intensity_is_no_data_in_the_intensity_view(analysis):
    values = [120.0, float("nan"), None]
    assert intensity_colors(values)[1:] == [NO_DATA_COLOR, NO_DATA_COLOR]
    analysis.load.loc["calves", "intensity_per_km"] = np.nan
    regions = _regions(_figure(bodymap_figure(analysis)))
    assert regions["calves"].fillcolor == NO_DATA_COLOR
    assert "per km: not available" in regions["calves"].text


@pytest.mark.parametrize(("value", "sentence"), [
    (128.4, "128 per km = 28 % more than your easy running per km"),
    (87.0, "87 per km = 13 % less than your easy running per km"),
    (100.2, "100 per km = the same as your easy running per km"),
])
def test_hover_says_what_the_value_means(analysis, value, sentence):
    analysis.load.loc["glutes", "intensity_per_km"] = value
    text = _regions(_figure(bodymap_figure(analysis)))["glutes"].text
    assert sentence in text
    assert "(100 = one hour of your easy running)" in text  # the total load is in the hover too
    assert "why: " in text


def test_colour_bar_explains_itself_in_words(analysis):
    fig = _figure(bodymap_figure(analysis))
    scales = [t for t in fig.data if t.marker is not None and t.marker.showscale]
    assert len(scales) == 2
    shown = [t for t in scales if t.visible is not False]
    assert len(shown) == 1
    bar = shown[0].marker.colorbar
    assert "per km vs your" in bar.title.text and "easy running" in bar.title.text
    labels = " ".join(bar.ticktext)
    for word in ("easier", "as easy running", "harder", "≤ 67", "≥ 150"):
        assert word in labels
    # Each tick sits where that intensity's colour is: a region at the tick value has the bar's colour there.
    from plotly.colors import sample_colorscale

    lo, hi = shown[0].marker.cmin, shown[0].marker.cmax
    for tick, label in zip(bar.tickvals, bar.ticktext, strict=True):
        value = float(label.lstrip("≤≥ ").split("<br>")[0])
        scale = [[float(pos), color] for pos, color in shown[0].marker.colorscale]
        expected = sample_colorscale(scale, [min(max((tick - lo) / (hi - lo), 0.0), 1.0)])[0]
        assert _distance(_fills_at(analysis, value)["calves"], expected) < 2.5, label
    imperial = _figure(bodymap_figure(analysis, "imperial"))
    assert any("per mi vs your" in (t.marker.colorbar.title.text or "") for t in imperial.data
               if t.marker is not None and t.marker.showscale)


def test_toggle_switches_fills_and_colour_bar(analysis):
    analysis.load["intensity_per_km"] = np.linspace(70, 140, len(analysis.load))
    fig = _figure(bodymap_figure(analysis))
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == ["per km vs easy", "total load"] and menu.active == 0
    total = _figure(bodymap_figure(analysis, view="total"))
    assert total.layout.updatemenus[0].active == 1
    names = [t.name for t in fig.data]
    for button, shown_fig in zip(menu.buttons, (fig, total), strict=True):
        update, indices = button.args
        assert button.method == "restyle"
        after = {names[i]: (c, v) for i, c, v in zip(indices, update["fillcolor"], update["visible"], strict=True)}
        for name, region in _regions(shown_fig).items():
            assert after[name] == (region.fillcolor, True)
        # the other view's colour bar is hidden
        scale_shown = {name for name, (_c, visible) in after.items() if name.startswith("scale") and visible}
        assert scale_shown == {t.name for t in shown_fig.data if t.name.startswith("scale") and t.visible}
    with pytest.raises(InvalidMethodError):
        bodymap_figure(analysis, view="per_minute")


def test_without_load_there_is_no_scale_or_toggle(analysis_factory):
    fig = _figure(bodymap_figure(analysis_factory(300, with_load=False)))
    assert not fig.layout.updatemenus
    assert not [t for t in fig.data if t.marker is not None and t.marker.showscale]


def test_toggle_works_in_plotly_js(browser, analysis, tmp_path):
    # The buttons restyle in the real plotly.js: after a click on "total load" the regions carry the total
    # view's colours and its colour bar; a click back restores the per-km view.
    import json
    from pathlib import Path

    import plotly

    analysis.load["intensity_per_km"] = np.linspace(70, 140, len(analysis.load))
    fig = bodymap_figure(analysis)
    total = _regions(_figure(bodymap_figure(analysis, view="total")))
    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    page = tmp_path / "map.html"
    page.write_text(f'<html><body><div id="m" style="width:600px;height:520px"></div>'
                    f'<script src="{js.as_uri()}"></script><script>'
                    f'Plotly.newPlot("m", {json.dumps(fig["data"])}, {json.dumps(fig["layout"])});</script>'
                    '</body></html>', encoding="utf-8")
    tab = browser.new_page()
    try:
        tab.goto(page.as_uri())
        tab.wait_for_function("document.getElementById('m').data !== undefined")
        state = "Array.from(document.getElementById('m').data, t => [t.name, t.fillcolor, t.visible])"
        before = {n: (c, v) for n, c, v in tab.evaluate(state)}
        tab.locator(".updatemenu-button", has_text="total load").click()
        tab.wait_for_timeout(200)
        after = {n: (c, v) for n, c, v in tab.evaluate(state)}
        for name, region in total.items():
            assert after[name][0] == region.fillcolor
        assert after["scale_total"][1] is True and after["scale"][1] is False
        assert after["silhouette"] == before["silhouette"]
        tab.locator(".updatemenu-button", has_text="per km vs easy").click()
        tab.wait_for_timeout(200)
        back = {n: (c, v) for n, c, v in tab.evaluate(state)}
        for name in MUSCLE_GROUPS:
            assert back[name][0] == before[name][0]
        assert back["scale"][1] is True and back["scale_total"][1] is False
    finally:
        tab.close()
