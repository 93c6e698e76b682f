"""Pure figure builders: :class:`~runload.analysis.Analysis` → plotly figures.

Nothing here computes science: every number comes from the analysis.  Builders return ``None`` when the
analysis lacks what a figure needs (no positions → no route, ``load is None`` → no load chart), so a
partial analysis still gives a report.

Long runs are decimated for plotting: series with more than :data:`MAX_PLOT_POINTS` samples are averaged
over consecutive bins of equal sample count (NaN-aware), so a 1-h run at 1 Hz is drawn from at most
``MAX_PLOT_POINTS`` points per trace.  Averaging (not picking every k-th sample) keeps the shape of the
series and smooths GPS noise the same way the eye would; the numbers in tables and hovers of segments are
the analysis's own, never recomputed from the decimated series.  Arrays go into the figure as float32
(plotly serialises them as compact base64 typed arrays), so a 1-h report stays small.

Strings that come from files are HTML-escaped before they go into a figure: plotly renders a subset of
HTML in hover text and titles.

Every builder returns a plotly figure dict (``{"data": [...], "layout": {...}}``, see
:mod:`.figure_dicts`), not a ``plotly.graph_objects.Figure``: plotly.js reads the dict as it is, and
skipping plotly.py's object layer makes a report about ten times cheaper.  ``plotly.graph_objects.Figure(
fig)`` turns one into an object (the tests do, which also validates every property).
"""

from __future__ import annotations

import copy
import html

import numpy as np
import pandas as pd

from ..analysis import MUSCLE_GROUPS, Analysis
from ..geo import local_xy_m
from ..muscles import display_name
from .figure_dicts import BLANK_TEMPLATE, axis_name, axis_ref, subplot_grid, typed_array, vline
from .units import Units, format_number, get_units

__all__ = [
    "MAX_PLOT_POINTS",
    "COLORS",
    "base_layout",
    "sample_column",
    "plot_series",
    "timeseries_figure",
    "load_figure",
    "route_figure",
    "typed_array",
    "pace_axis_range",
]

MAX_PLOT_POINTS = 500
MIN_PACE_SPEED_MPS = 1.0  # slower than 16:40 /km is not shown as a pace [m/s]
PACE_RANGE_QUANTILES = (0.005, 0.995)  # the pace axis spans these quantiles (plus padding): outliers are cut

# Neutral and amber only (science.md §3.1 rule 7: no red "danger" styling).
COLORS = {
    "ink": "#1f2937",
    "muted": "#6b7280",
    "grid": "#e5e7eb",
    "neutral": "#e7e5e4",
    "slate": "#475569",
    "slate_light": "#94a3b8",
    "amber": "#d97706",
    "amber_dark": "#92400e",
    "amber_light": "#fcd34d",
}
LOAD_COLORSCALE = [[0.0, "#eceae6"], [0.35, "#f6d68b"], [0.7, "#e19a2c"], [1.0, "#92400e"]]
GRADE_COLORSCALE = [[0.0, "#475569"], [0.5, "#d6d3d1"], [1.0, "#b45309"]]
PHASE_COLORS = {
    "phase_absorption": ("absorption (landing)", "#92400e"),
    "phase_midstance": ("midstance", "#d97706"),
    "phase_propulsion": ("propulsion (push-off)", "#fbbf24"),
    "phase_early_swing": ("early swing", "#64748b"),
    "phase_late_swing": ("late swing", "#cbd5e1"),
}
# Power and the device's running dynamics (runload.schema), drawn when the file holds them.
DYNAMICS_COLUMNS = ("power_w", "vertical_oscillation_mm", "vertical_ratio_pct", "step_length_mm",
                    "stance_time_balance_pct")
# A short modebar (zoom, pan, reset, save as PNG): the full one spans most of a phone-wide plot.
PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]}


def base_layout(**overrides) -> dict:
    """A small layout shared by all figures (no plotly default template: it adds ~10 kB per figure)."""
    layout = dict(
        template=copy.deepcopy(BLANK_TEMPLATE),
        font=dict(family="system-ui, -apple-system, 'Segoe UI', sans-serif", size=13, color=COLORS["ink"]),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=60, r=20, t=40, b=40),
        hoverlabel=dict(bgcolor="white", font=dict(size=13)),
    )
    layout.update(overrides)
    return layout


def _axis_style() -> dict:
    return dict(showgrid=True, gridcolor=COLORS["grid"], zeroline=False, linecolor="#9ca3af", ticks="outside")


def sample_column(analysis: Analysis, name: str) -> pd.Series | None:
    """Column ``name`` from the analysed samples, else from the raw run samples; ``None`` if absent/all-NaN."""
    for frame in (analysis.samples, analysis.run.samples):
        if frame is not None and name in frame.columns:
            col = frame[name]
            if frame is not analysis.samples:
                col = col.reindex(analysis.samples.index)
            if col.count():  # any value present (count() is notna().any() without the mask)
                return col
    return None


def _elapsed_s(analysis: Analysis) -> np.ndarray:
    index = analysis.samples.index
    if isinstance(index, pd.DatetimeIndex) and len(index):
        return np.asarray((index - index[0]).total_seconds(), dtype=float)
    col = sample_column(analysis, "elapsed_s")
    return np.asarray(col, dtype=float) if col is not None else np.arange(len(index), dtype=float)


def _binned_mean(values: np.ndarray, bins: np.ndarray, n_bins: int) -> np.ndarray:
    """NaN-aware mean of ``values`` per bin (vectorised with bincount)."""
    ok = np.isfinite(values)
    sums = np.bincount(bins[ok], weights=values[ok], minlength=n_bins)
    counts = np.bincount(bins[ok], minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def plot_series(analysis: Analysis, max_points: int = MAX_PLOT_POINTS) -> pd.DataFrame:
    """The per-sample series the time-series figure draws, decimated to at most ``max_points`` rows.

    Columns: ``elapsed_s`` [s], ``distance_m`` [m], ``pace_s_per_km`` [s/km] (NaN when standing, paused
    or slower than 1 m/s), ``heart_rate_bpm``, ``cadence_spm``, ``altitude_m``, ``grade_pct``, and the
    gait timing split by source: ``contact_device_ms``, ``contact_model_ms``, ``flight_device_ms``,
    ``flight_model_ms`` [ms], and as the file holds them ``power_w`` [W], ``vertical_oscillation_mm``,
    ``vertical_ratio_pct``, ``step_length_mm``, ``stance_time_balance_pct``.  Absent inputs give all-NaN
    columns.
    """
    return pd.DataFrame(_plot_arrays(analysis, max_points))


def _plot_arrays(analysis: Analysis, max_points: int = MAX_PLOT_POINTS) -> dict[str, np.ndarray]:
    """:func:`plot_series` as a dict of float arrays (what the figure uses; no frame to build)."""
    n = len(analysis.samples)
    out = {"elapsed_s": _elapsed_s(analysis)}

    def col(name):
        c = sample_column(analysis, name)
        return np.full(n, np.nan) if c is None else pd.to_numeric(c, errors="coerce").to_numpy(float)

    out["distance_m"] = col("distance_m")
    speed = col("speed_mps")
    moving = np.ones(n, dtype=bool)
    if "state" in analysis.samples.columns:
        moving = ~analysis.samples["state"].isin(["standing", "paused"]).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pace_s_per_km"] = np.where(moving & (speed >= MIN_PACE_SPEED_MPS), 1000.0 / speed, np.nan)
    for name in ("heart_rate_bpm", "cadence_spm", "altitude_m", "grade_pct", *DYNAMICS_COLUMNS):
        out[name] = col(name)
    source = analysis.samples.get("contact_time_source")
    source = np.asarray(source.astype(object)) if source is not None else np.full(n, None, dtype=object)
    contact, flight = col("contact_time_ms"), col("flight_time_ms")
    for kind, mask in (("device", source == "device"), ("model", source == "model")):
        out[f"contact_{kind}_ms"] = np.where(mask, contact, np.nan)
        out[f"flight_{kind}_ms"] = np.where(mask, flight, np.nan)
    out = {c: np.asarray(v, dtype=float) for c, v in out.items()}
    if n <= max_points:
        return out
    per_bin = int(np.ceil(n / max_points))
    bins = np.arange(n) // per_bin
    n_bins = int(bins[-1]) + 1
    return {c: _binned_mean(v, bins, n_bins) for c, v in out.items()}


def pace_axis_range(pace_ms: np.ndarray) -> list[float] | None:
    """Reversed y range [ms] of the pace row: :data:`PACE_RANGE_QUANTILES` of the values, padded by 25 %.

    A few seconds of standing start or a GPS glitch would otherwise stretch the axis so the run itself is a
    flat line (fast at the top, so the range runs from slow to fast).  ``None`` without finite values.
    """
    values = np.asarray(pace_ms, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    fast, slow = np.quantile(values, PACE_RANGE_QUANTILES)
    pad = max(0.25 * (slow - fast), 5000.0)  # at least 5 s either side
    return [float(slow + pad), float(fast - pad)]


# Rows of the running-dynamics and power part: (key, plot column, title, hover format); ``{unit}`` is the
# elevation unit (step length in m or ft).
DYNAMICS_ROWS = (
    ("power", "power_w", "Power [W]", "%{{y:.0f}} W"),
    ("vo", "vertical_oscillation_mm", "Vertical oscillation [mm]", "%{{y:.0f}} mm"),
    ("vr", "vertical_ratio_pct", "Vertical ratio [%]", "%{{y:.1f}} %"),
    ("step", "step_length_mm", "Step length [{unit}]", "%{{y:.2f}} {unit}"),
    ("balance", "stance_time_balance_pct", "Contact-time balance [% left foot]", "%{{y:.1f}} % left"),
)
TIMESERIES_ROW_PX = (170, 120)  # height of a row [px]: up to 5 rows, more rows


def power_source(analysis: Analysis) -> str | None:
    """Where the run's power came from, in words (``None`` without power).

    The FIT reader takes a developer field that declares itself as ``record.power`` (Stryd's Connect IQ
    field "Power" does) when the watch wrote no power of its own; such a field is named with its app.
    Otherwise the power is the file's own power field, recorded by the watch or a sensor paired with it.
    Plain text from the file (the page's template escapes it).

    >>> from runload.run import DeveloperField
    >>> _power_words([DeveloperField("Power", "Watts", "Stryd")], "Garmin fenix5x")
    "Stryd (developer field 'Power') or the watch"
    """
    if sample_column(analysis, "power_w") is None:
        return None
    meta = analysis.run.meta
    return _power_words(meta.developer_fields or [], str(meta.device))


def _power_words(developer_fields, device: str) -> str:
    for f in developer_fields:
        if str(f.name).strip().lower() == "power":
            app = str(f.application) if f.application else "an app"
            return f"{app} (developer field '{f.name}') or the watch"
    return f"{device} or a sensor paired with it (the file's power field)"


def timeseries_figure(analysis: Analysis, units: Units | str = "metric") -> dict | None:
    """Pace, heart rate, cadence, elevation (coloured by grade), gait timing, power and running dynamics
    over distance or time.

    One row per quantity the run has (running dynamics and power only when the file holds them), titled at
    its top left.  All rows share one x axis, so one hover shows every row's value at that point (with its
    unit) and a spike line runs across all rows (``hoversubplots="axis"``, ``hovermode="x unified"``).
    Buttons switch the x axis between distance and elapsed time.  Contact and flight time measured by
    the device are solid lines; estimated ones are dashed and labelled "estimated (±~10 %)" (science.md
    §1.5.6), with their legend under the x axis.  The pace axis is reversed (fast at the top) and spans
    the bulk of the run (:func:`pace_axis_range`).

    Returns a plotly figure dict, or ``None`` when the run has none of these series.
    """
    units = get_units(units)
    data = _plot_arrays(analysis)
    has = {c: bool(np.isfinite(v).any()) for c, v in data.items()}
    rows = []
    if has["pace_s_per_km"]:
        rows.append(("pace", f"Pace [min:s {units.pace_unit}]"))
    if has["heart_rate_bpm"]:
        rows.append(("hr", "Heart rate [bpm]"))
    if has["cadence_spm"]:
        rows.append(("cadence", "Cadence [steps/min]"))
    if has["altitude_m"]:
        rows.append(("elevation", f"Elevation [{units.elevation_unit}]"))
    gait_cols = ("contact_device_ms", "contact_model_ms", "flight_device_ms", "flight_model_ms")
    if any(has[c] for c in gait_cols):
        rows.append(("gait", "Contact / flight time [ms]"))
    for key, column, title, _fmt in DYNAMICS_ROWS:
        if has[column]:
            rows.append((key, title.format(unit=units.elevation_unit)))
    if not rows:
        return None

    use_distance = has["distance_m"]
    x_dist = typed_array(units.distance(data["distance_m"]))
    x_time_min = typed_array(data["elapsed_s"] / 60.0)
    x = x_dist if use_distance else x_time_min
    n_rows = len(rows)
    grid, titles = subplot_grid(n_rows, vertical_spacing=0.05 if n_rows <= 5 else 0.03)
    # One x axis for every row (anchored under the bottom row); each row its own y axis on that x axis.
    axes = {"xaxis": dict(anchor=axis_ref("y", n_rows), domain=[0.0, 1.0])}
    for i in range(1, n_rows + 1):
        axes[axis_name("y", i)] = dict(anchor="x", domain=grid[axis_name("y", i)]["domain"])
    for annotation, (_key, title) in zip(titles, rows, strict=True):  # row titles at the top left of their row
        annotation.update(text=title, x=0, xanchor="left", font=dict(size=13, color=COLORS["ink"]))
    traces = []

    def add(row, y, name, color, unit_fmt, dash=None, showlegend=False, **kw):
        line = dict(color=color, width=1.6)
        if dash is not None:
            line["dash"] = dash
        trace = dict(type="scatter", x=x, y=typed_array(y), name=name, line=line, mode="lines",
                     hovertemplate=f"{unit_fmt}<extra>{html.escape(name)}</extra>",
                     showlegend=showlegend, connectgaps=False, xaxis="x", yaxis=axis_ref("y", row))
        trace.update(kw)
        traces.append(trace)

    pace_axis, pace_axis_name = {}, None
    dynamics = {key: (column, fmt) for key, column, _title, fmt in DYNAMICS_ROWS}
    for i, (key, _title) in enumerate(rows, start=1):
        y_axis = axes[axis_name("y", i)]
        if key == "pace":
            pace_ms = np.round(units.pace(data["pace_s_per_km"]) * 1000.0)
            add(i, pace_ms, "pace", COLORS["slate"], f"%{{y|%-M:%S}} {units.pace_unit}")
            pace_axis = dict(type="date", tickformat="%-M:%S", hoverformat="%-M:%S", range=pace_axis_range(pace_ms))
            pace_axis_name = axis_name("y", i)
            y_axis.update({k: v for k, v in pace_axis.items() if v is not None})
        elif key == "hr":
            add(i, data["heart_rate_bpm"], "heart rate", COLORS["amber_dark"], "%{y:.0f} bpm")
        elif key == "cadence":
            add(i, data["cadence_spm"], "cadence", COLORS["slate"], "%{y:.0f} steps/min")
        elif key == "elevation":
            elev = units.elevation(data["altitude_m"])
            unit_fmt = f"%{{y:.0f}} {units.elevation_unit}"
            if has["grade_pct"]:  # one trace: a grey line with markers coloured by grade
                grade = np.clip(data["grade_pct"], -15, 15)
                add(i, elev, "elevation", COLORS["muted"], unit_fmt + ", grade %{marker.color:.1f} %",
                    mode="lines+markers",
                    marker=dict(size=5, color=typed_array(grade), colorscale=GRADE_COLORSCALE, cmin=-15, cmax=15,
                                colorbar=dict(title=dict(text="grade [%]"), len=0.7 / n_rows, thickness=10,
                                              y=_row_centre(i, n_rows), x=1.01)))
            else:
                add(i, elev, "elevation", COLORS["muted"], unit_fmt)
        elif key == "gait":
            specs = [
                ("contact_device_ms", "contact time — measured by device", COLORS["amber_dark"], None),
                ("contact_model_ms", "contact time — estimated (±~10 %)", COLORS["amber"], "dash"),
                ("flight_device_ms", "flight time — measured by device", COLORS["slate"], None),
                ("flight_model_ms", "flight time — estimated (±~10 %)", COLORS["slate_light"], "dash"),
            ]
            for column, name, color, dash in specs:
                if has[column]:
                    add(i, data[column], name, color, "%{y:.0f} ms", dash=dash, showlegend=True,
                        legendgroup="gait")
        else:  # running dynamics and power, as the file holds them
            column, fmt = dynamics[key]
            y = data[column]
            if key == "step":
                y = units.elevation(y / 1000.0)
            add(i, y, _title.split(" [")[0].lower(), COLORS["slate"] if key != "power" else COLORS["amber_dark"],
                fmt.format(unit=units.elevation_unit))
        y_axis.update(_axis_style())

    dist_title, time_title = f"Distance [{units.distance_unit}]", "Elapsed time [min]"
    axes["xaxis"].update(_axis_style())
    # The hover box's title is the x value with its unit ("3.77 km", "21.5 min").
    dist_hover, time_hover = f"%{{x:.2f}} {units.distance_unit}", "%{x:.1f} min"
    axes["xaxis"].update(title=dict(text=dist_title if use_distance else time_title), type="linear",
                         hoverformat=".2f" if use_distance else ".1f",
                         unifiedhovertitle=dict(text=dist_hover if use_distance else time_hover),
                         showspikes=True, spikemode="across",
                         spikethickness=1, spikecolor=COLORS["muted"], spikedash="solid", spikesnap="cursor")
    row_px = TIMESERIES_ROW_PX[0] if n_rows <= 5 else TIMESERIES_ROW_PX[1]
    height, top, bottom_margin = 180 + row_px * n_rows, 90, 120
    layout = dict(axes, annotations=titles)
    layout.update(base_layout(
        height=height,
        hovermode="x unified",
        hoversubplots="axis",
        # The legend (only the gait lines have entries) sits under the x-axis title.
        legend=dict(orientation="h", x=0, xanchor="left", y=-62 / (height - top - bottom_margin), yanchor="top",
                    font=dict(size=12)),
        margin=dict(l=60, r=60, t=top, b=bottom_margin),
    ))
    if use_distance:
        # Buttons: all traces share the same decimated x, so one array restyles every trace.  Both x
        # values are linear (time in minutes), so the axis keeps its type; plotly's update re-autotypes the
        # y axes when x data change, so the pace axis (a date axis of m:ss) is restated.
        keep = {f"{pace_axis_name}.{k}": v for k, v in pace_axis.items()} if pace_axis_name else {}

        def relayout(title: str, hoverformat: str, hover_title: str) -> dict:
            out = {"xaxis.autorange": True, "xaxis.hoverformat": hoverformat, "xaxis.title.text": title,
                   "xaxis.unifiedhovertitle.text": hover_title}
            out.update(keep)
            return out

        # At the top left, above the first row's title: the modebar sits at the top right.
        layout["updatemenus"] = [dict(
            type="buttons", direction="right", x=0.0, xanchor="left", y=1.0, yanchor="bottom",
            pad=dict(b=24), showactive=True,  # buttons 33–66 px from the top; the modebar is 0–27 px bgcolor="#f5f5f4", bordercolor="#d6d3d1",
            buttons=[
                dict(label="over distance", method="update",
                     args=[{"x": [x_dist]}, relayout(dist_title, ".2f", dist_hover)]),
                dict(label="over time", method="update",
                     args=[{"x": [x_time_min]}, relayout(time_title, ".1f", time_hover)]),
            ],
        )]
    return {"data": traces, "layout": layout}


def _row_centre(row: int, n_rows: int) -> float:
    """Approximate paper-y centre of subplot ``row`` (1 = top) for placing a colour bar."""
    return 1.0 - (row - 0.5) / n_rows


def load_figure(analysis: Analysis) -> dict | None:
    """Relative load per muscle group, each bar split into its gait phases (stacked, horizontal).

    The bar length is ``rel_load`` (100 = one hour of the runner's easy running, science.md §2.8); each
    phase's segment is ``rel_load × phase share``.  Upper-body groups are labelled "(approximate)"
    (science.md §2.9).  A plotly figure dict; ``None`` when the analysis has no load.
    """
    load = analysis.load
    if load is None or len(load) == 0:
        return None
    load = load.iloc[::-1]  # plotly draws the first category at the bottom
    approximate = (load["approximate"].to_numpy() if "approximate" in load else np.zeros(len(load), dtype=bool))
    labels = [_group_label(g, bool(a)) for g, a in zip(load.index, approximate, strict=True)]
    rel = pd.to_numeric(load["rel_load"], errors="coerce").to_numpy(float)
    traces = []
    for column, (name, color) in PHASE_COLORS.items():
        if column not in load.columns:
            continue
        share = pd.to_numeric(load[column], errors="coerce").to_numpy(float)
        traces.append(dict(
            type="bar", y=labels, x=typed_array(rel * share), name=name, orientation="h", marker=dict(color=color),
            customdata=typed_array(share * 100.0),
            hovertemplate="%{y}<br>" + html.escape(name) + ": %{customdata:.0f} % of the load<extra></extra>",
        ))
    traces.append(dict(
        type="scatter", y=labels, x=typed_array(rel), mode="text", text=[format_number(v, missing="") for v in rel],
        textposition="middle right", showlegend=False, hoverinfo="skip", textfont=dict(color=COLORS["ink"]),
    ))
    xmax = np.nanmax(rel) if np.isfinite(rel).any() else 100.0
    # The phase legend sits under the axis title (plotly widens the bottom margin when it wraps at phone
    # width), so the modebar at the top right never covers it.
    top, bottom = 30, 130
    height = top + bottom + 34 * len(load)
    layout = base_layout(
        barmode="stack", height=height,
        xaxis=dict(title=dict(text="estimated load<br>(100 = an hour of your easy running)", font=dict(size=12)),
                   range=[0, max(110.0, xmax * 1.15)], **_axis_style()),
        yaxis=dict(automargin=True),
        legend=dict(orientation="h", y=-70 / (height - top - bottom), yanchor="top", x=0, traceorder="normal"),
        margin=dict(l=10, r=20, t=top, b=bottom),
        shapes=[vline(100, dict(color=COLORS["muted"], dash="dot", width=1))],
    )
    return {"data": traces, "layout": layout}


def _group_label(group: str, approximate: bool) -> str:
    label = display_name(group) if group in MUSCLE_GROUPS else html.escape(str(group))
    return f"{label} (approximate)" if approximate else label


ROUTE_PACE_COLORSCALE = [[0.0, "#cbd5e1"], [0.5, "#64748b"], [1.0, "#1e293b"]]  # slow (light) → fast (dark)
ROUTE_HR_COLORSCALE = [[0.0, "#fef3c7"], [0.5, "#f59e0b"], [1.0, "#78350f"]]  # low → high heart rate
# Colour bars lie under the route (a bar at the side would squeeze the map at phone width).
ROUTE_COLORBAR = dict(orientation="h", x=0.0, xanchor="left", y=-0.2, yanchor="top", len=0.5, thickness=10,
                      title=dict(side="top"))


def _pace_ticks(lo_s: float, hi_s: float, n: int = 4) -> tuple[list[float], list[str]]:
    """Colour-bar ticks of a pace range [s per displayed unit] as ``m:ss``."""
    values = np.linspace(lo_s, hi_s, n)
    seconds = [round(float(v)) for v in values]
    return [float(v) for v in values], [f"{s // 60}:{s % 60:02d}" for s in seconds]


def route_figure(analysis: Analysis, units: Units | str = "metric") -> dict | None:
    """The route as an x/y track in local metres (equal aspect; no map tiles, so it works offline),
    its points coloured by pace or by heart rate (buttons switch; only the colourings the run has).

    Pace colours run from light (slow) to dark (fast) over the bulk of the run's paces
    (:data:`PACE_RANGE_QUANTILES`); points where the runner stood or paused have no pace ("—" in the
    hover).  A plotly figure dict; ``None`` when the run has no positions.
    """
    units = get_units(units)
    lat, lon = sample_column(analysis, "latitude_deg"), sample_column(analysis, "longitude_deg")
    if lat is None or lon is None:
        return None
    x, y = local_xy_m(lat.to_numpy(float), lon.to_numpy(float))
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if len(ok) < 2:
        return None
    if len(ok) > MAX_PLOT_POINTS:
        ok = ok[np.unique(np.linspace(0, len(ok) - 1, MAX_PLOT_POINTS).round().astype(int))]
    x, y = x[ok], y[ok]
    scale = units.metres_per_elevation_unit  # metres or feet for the local axes
    xs, ys = typed_array(x / scale), typed_array(y / scale)
    # One trace per colouring (a neutral line with coloured markers; the buttons show one at a time), or a
    # plain line when the run has neither speed nor heart rate.
    traces = []
    colourings = []  # (button label, trace index)
    line = dict(color=COLORS["neutral"], width=3)
    speed = sample_column(analysis, "speed_mps")
    if speed is not None:
        v = speed.to_numpy(float)[ok]
        if "state" in analysis.samples.columns:
            v = np.where(analysis.samples["state"].isin(["standing", "paused"]).to_numpy()[ok], np.nan, v)
        with np.errstate(divide="ignore", invalid="ignore"):
            pace = np.where(v >= MIN_PACE_SPEED_MPS, units.pace(1000.0 / v), np.nan)  # s per displayed unit
        if np.isfinite(pace).any():
            fast, slow = np.quantile(pace[np.isfinite(pace)], PACE_RANGE_QUANTILES)
            slow = max(slow, fast + 10.0)
            tickvals, ticktext = _pace_ticks(fast, slow)
            minutes, seconds = np.divmod(np.round(np.nan_to_num(pace, nan=0.0)), 60)
            text = [f"{int(m)}:{int(s):02d}" if p == p else "—" for m, s, p in zip(minutes, seconds, pace, strict=True)]
            colourings.append(("colour by pace", len(traces)))
            traces.append(dict(
                type="scatter", x=xs, y=ys, mode="lines+markers", name="pace", showlegend=False, text=text, line=line,
                hovertemplate=f"%{{text}} {units.pace_unit}<extra>pace</extra>",
                marker=dict(size=6, color=typed_array(np.clip(pace, fast, slow)), colorscale=ROUTE_PACE_COLORSCALE,
                            reversescale=True, cmin=fast, cmax=slow,
                            colorbar=dict(ROUTE_COLORBAR, title=dict(text=f"pace [{units.pace_unit}]"),
                                          tickvals=tickvals, ticktext=ticktext))))
    hr = sample_column(analysis, "heart_rate_bpm")
    if hr is not None:
        h = hr.to_numpy(float)[ok]
        if np.isfinite(h).any():
            colourings.append(("colour by heart rate", len(traces)))
            traces.append(dict(
                type="scatter", x=xs, y=ys, mode="lines+markers", name="heart rate", showlegend=False, line=line,
                hovertemplate="%{marker.color:.0f} bpm<extra>heart rate</extra>", visible=not colourings[:-1],
                marker=dict(size=6, color=typed_array(h), colorscale=ROUTE_HR_COLORSCALE,
                            colorbar=dict(ROUTE_COLORBAR, title=dict(text="heart rate [bpm]")))))
    if not traces:
        traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", name="route", line=dict(color=COLORS["slate"],
                                                                                              width=2),
                           hoverinfo="skip", showlegend=False))
    traces += [
        # Finish first so that the start (often the same place) is drawn on top; legend order: start, finish.
        dict(type="scatter", x=[float(x[-1] / scale)], y=[float(y[-1] / scale)], mode="markers", name="finish",
             legendrank=2, marker=dict(size=11, color=COLORS["ink"], symbol="square"),
             hovertemplate="finish<extra></extra>"),
        dict(type="scatter", x=[float(x[0] / scale)], y=[float(y[0] / scale)], mode="markers", name="start",
             legendrank=1, marker=dict(size=13, color="rgba(0,0,0,0)", symbol="circle",
                                       line=dict(color=COLORS["amber"], width=3)),
             hovertemplate="start<extra></extra>"),
    ]
    unit = units.elevation_unit
    layout = base_layout(
        height=520 if colourings else 460,
        xaxis=dict(title=dict(text=f"east [{unit}] from start"), **_axis_style()),
        yaxis=dict(title=dict(text=f"north [{unit}] from start"), scaleanchor="x", scaleratio=1, **_axis_style()),
        # Start/finish under the plot at the right, beside the colour bar (the buttons are above the plot).
        legend=dict(orientation="v", x=1.0, xanchor="right", y=-0.2, yanchor="top") if colourings
        else dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        margin=dict(l=60, r=20, t=80 if colourings else 40, b=130 if colourings else 50),
    )
    if len(colourings) > 1:
        # Above the plot at the right, below the modebar (which sits in the top 30 px).
        n, coloured = len(traces), {index for _label, index in colourings}
        layout["updatemenus"] = [dict(
            type="buttons", direction="right", x=1.0, xanchor="right", y=1.0, yanchor="bottom", showactive=True,
            pad=dict(b=6), bgcolor="#f5f5f4", bordercolor="#d6d3d1",
            buttons=[dict(label=label, method="restyle",
                          args=[{"visible": [k == index or k not in coloured for k in range(n)]}])
                     for label, index in colourings],
        )]
    return {"data": traces, "layout": layout}
