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
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis import MUSCLE_GROUPS, Analysis
from ..muscles import display_name
from .units import Units, get_units

__all__ = [
    "MAX_PLOT_POINTS",
    "COLORS",
    "DRIVER_WORDS",
    "base_layout",
    "sample_column",
    "plot_series",
    "timeseries_figure",
    "load_figure",
    "route_figure",
    "local_xy_m",
]

MAX_PLOT_POINTS = 500
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius [m] (IUGG)
MIN_PACE_SPEED_MPS = 1.0  # slower than 16:40 /km is not shown as a pace [m/s]

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
DRIVER_WORDS = {
    "speed": "pace: faster than your easy running",
    "cadence": "cadence: steps longer or shorter than usual at this pace",
    "uphill": "uphill running",
    "downhill": "downhill running",
    "volume": "duration: the amount of running",
}
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def base_layout(**overrides) -> dict:
    """A small layout shared by all figures (no plotly default template: it adds ~10 kB per figure)."""
    layout = dict(
        template=go.layout.Template(),
        font=dict(family="system-ui, -apple-system, 'Segoe UI', sans-serif", size=13, color=COLORS["ink"]),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=60, r=20, t=40, b=40),
        hoverlabel=dict(bgcolor="white", font_size=13),
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
            if col.notna().any():
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
    ``flight_model_ms`` [ms].  Absent inputs give all-NaN columns.
    """
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
    for name in ("heart_rate_bpm", "cadence_spm", "altitude_m", "grade_pct"):
        out[name] = col(name)
    source = analysis.samples.get("contact_time_source")
    source = np.asarray(source.astype(object)) if source is not None else np.full(n, None, dtype=object)
    contact, flight = col("contact_time_ms"), col("flight_time_ms")
    for kind, mask in (("device", source == "device"), ("model", source == "model")):
        out[f"contact_{kind}_ms"] = np.where(mask, contact, np.nan)
        out[f"flight_{kind}_ms"] = np.where(mask, flight, np.nan)
    frame = pd.DataFrame(out)
    if n <= max_points:
        return frame
    per_bin = int(np.ceil(n / max_points))
    bins = np.arange(n) // per_bin
    n_bins = int(bins[-1]) + 1
    return pd.DataFrame({c: _binned_mean(frame[c].to_numpy(float), bins, n_bins) for c in frame.columns})


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _ms_list(seconds: np.ndarray) -> list:
    """Seconds → whole milliseconds as a JSON-friendly list (None for NaN), for a date-typed axis."""
    ms = np.round(np.asarray(seconds, dtype=float) * 1000.0)
    return [None if not np.isfinite(v) else int(v) for v in ms]


def timeseries_figure(analysis: Analysis, units: Units | str = "metric") -> go.Figure | None:
    """Pace, heart rate, cadence, elevation (coloured by grade) and gait timing over distance or time.

    One row per quantity the run has.  Buttons switch the shared x axis between distance and elapsed
    time.  Contact and flight time measured by the device are solid lines; estimated ones are dashed and
    labelled "estimated (±~10 %)" (science.md §1.5.6).

    Returns ``None`` when the run has none of these series.
    """
    units = get_units(units)
    data = plot_series(analysis)
    has = {c: bool(np.isfinite(data[c]).any()) for c in data.columns}
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
    if not rows:
        return None

    use_distance = has["distance_m"]
    x_dist = _f32(units.distance(data["distance_m"]))
    x_time_ms = _f32(np.round(data["elapsed_s"].to_numpy(float) * 1000.0))
    x = x_dist if use_distance else x_time_ms
    fig = make_subplots(rows=len(rows), cols=1, shared_xaxes=True, vertical_spacing=0.045,
                        subplot_titles=[title for _, title in rows])

    def add(row, y, name, color, unit_fmt, dash=None, showlegend=False, **kw):
        fig.add_trace(
            go.Scatter(x=x, y=_f32(y), name=name, mode="lines", line=dict(color=color, width=1.6, dash=dash),
                       hovertemplate=f"{unit_fmt}<extra>{html.escape(name)}</extra>",
                       showlegend=showlegend, connectgaps=False, **kw),
            row=row, col=1,
        )

    for i, (key, _title) in enumerate(rows, start=1):
        if key == "pace":
            pace_ms = np.round(units.pace(data["pace_s_per_km"]) * 1000.0)
            add(i, pace_ms, "pace", COLORS["slate"], f"%{{y|%M:%S}} {units.pace_unit}")
            fig.update_yaxes(type="date", tickformat="%M:%S", hoverformat="%M:%S", autorange="reversed",
                             row=i, col=1)
        elif key == "hr":
            add(i, data["heart_rate_bpm"], "heart rate", COLORS["amber_dark"], "%{y:.0f} bpm")
        elif key == "cadence":
            add(i, data["cadence_spm"], "cadence", COLORS["slate"], "%{y:.0f} steps/min")
        elif key == "elevation":
            elev = units.elevation(data["altitude_m"])
            add(i, elev, "elevation", COLORS["muted"], f"%{{y:.0f}} {units.elevation_unit}")
            if has["grade_pct"]:
                grade = np.clip(data["grade_pct"].to_numpy(float), -15, 15)
                fig.add_trace(
                    go.Scatter(
                        x=x, y=_f32(elev), mode="markers", name="grade", showlegend=False,
                        marker=dict(size=5, color=_f32(grade), colorscale=GRADE_COLORSCALE, cmin=-15, cmax=15,
                                    colorbar=dict(title=dict(text="grade [%]"), len=0.18, thickness=10,
                                                  y=_row_centre(i, len(rows)), x=1.01)),
                        hovertemplate="grade %{marker.color:.1f} %<extra></extra>",
                    ),
                    row=i, col=1,
                )
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
        fig.update_yaxes(title_text=None, row=i, col=1, **_axis_style())

    n_rows = len(rows)
    fig.update_xaxes(**_axis_style())
    bottom = "xaxis" if n_rows == 1 else f"xaxis{n_rows}"
    layout = base_layout(
        height=150 + 170 * n_rows,
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, font=dict(size=12)),
        margin=dict(l=60, r=60, t=110, b=60),
    )
    layout[bottom] = dict(title=dict(text=f"Distance [{units.distance_unit}]" if use_distance else "Elapsed time"))
    fig.update_layout(**layout)
    axis_names = ["xaxis"] + [f"xaxis{k}" for k in range(2, n_rows + 1)]
    if not use_distance:
        fig.update_xaxes(type="date", tickformat="%H:%M:%S", hoverformat="%H:%M:%S")
    else:
        fig.update_xaxes(hoverformat=".2f")
        # Buttons: all traces share the same decimated x, so one array restyles every trace.
        to_time = {f"{a}.type": "date" for a in axis_names}
        to_time.update({f"{a}.tickformat": "%H:%M:%S" for a in axis_names})
        to_time.update({f"{a}.hoverformat": "%H:%M:%S" for a in axis_names})
        to_time.update({f"{a}.autorange": True for a in axis_names})
        to_time[f"{bottom}.title.text"] = "Elapsed time"
        to_dist = {f"{a}.type": "linear" for a in axis_names}
        to_dist.update({f"{a}.tickformat": "" for a in axis_names})
        to_dist.update({f"{a}.hoverformat": ".2f" for a in axis_names})
        to_dist.update({f"{a}.autorange": True for a in axis_names})
        to_dist[f"{bottom}.title.text"] = f"Distance [{units.distance_unit}]"
        dist_list = [None if not np.isfinite(v) else round(float(v), 3) for v in x_dist]
        time_list = [None if not np.isfinite(v) else int(v) for v in x_time_ms]
        fig.update_layout(updatemenus=[dict(
            type="buttons", direction="right", x=1.0, xanchor="right", y=1.0, yanchor="bottom",
            pad=dict(b=40), showactive=True, bgcolor="#f5f5f4", bordercolor="#d6d3d1",
            buttons=[
                dict(label="over distance", method="update", args=[{"x": [dist_list]}, to_dist]),
                dict(label="over time", method="update", args=[{"x": [time_list]}, to_time]),
            ],
        )])
    return fig


def _row_centre(row: int, n_rows: int) -> float:
    """Approximate paper-y centre of subplot ``row`` (1 = top) for placing a colour bar."""
    return 1.0 - (row - 0.5) / n_rows


def load_figure(analysis: Analysis) -> go.Figure | None:
    """Relative load per muscle group, each bar split into its gait phases (stacked, horizontal).

    The bar length is ``rel_load`` (100 = one hour of the runner's easy running, science.md §2.8); each
    phase's segment is ``rel_load × phase share``.  Upper-body groups are labelled "(approximate)"
    (science.md §2.9).  ``None`` when the analysis has no load.
    """
    load = analysis.load
    if load is None or len(load) == 0:
        return None
    load = load.iloc[::-1]  # plotly draws the first category at the bottom
    labels = [_group_label(g, bool(load.at[g, "approximate"]) if "approximate" in load else False)
              for g in load.index]
    rel = pd.to_numeric(load["rel_load"], errors="coerce").to_numpy(float)
    fig = go.Figure()
    for column, (name, color) in PHASE_COLORS.items():
        if column not in load.columns:
            continue
        share = pd.to_numeric(load[column], errors="coerce").to_numpy(float)
        fig.add_trace(go.Bar(
            y=labels, x=_f32(rel * share), name=name, orientation="h", marker_color=color,
            customdata=_f32(share * 100.0),
            hovertemplate="%{y}<br>" + html.escape(name) + ": %{customdata:.0f} % of the load<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        y=labels, x=_f32(rel), mode="text", text=[_fmt0(v) for v in rel], textposition="middle right",
        showlegend=False, hoverinfo="skip", textfont=dict(color=COLORS["ink"]),
    ))
    xmax = np.nanmax(rel) if np.isfinite(rel).any() else 100.0
    fig.add_vline(x=100, line=dict(color=COLORS["muted"], dash="dot", width=1))
    fig.update_layout(**base_layout(
        barmode="stack", height=90 + 34 * len(load),
        xaxis=dict(title=dict(text="estimated load (100 = one hour of your easy running)"),
                   range=[0, max(110.0, xmax * 1.15)], **_axis_style()),
        yaxis=dict(automargin=True),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
        margin=dict(l=10, r=20, t=50, b=50),
    ))
    return fig


def _fmt0(value: float) -> str:
    return "" if not np.isfinite(value) else f"{value:.0f}"


def _group_label(group: str, approximate: bool) -> str:
    label = display_name(group) if group in MUSCLE_GROUPS else html.escape(str(group))
    return f"{label} (approximate)" if approximate else label


def local_xy_m(lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray]:
    """Local east/north coordinates [m] of positions, relative to their first valid point.

    Equirectangular projection about the mean latitude: x = R·Δλ·cos φ̄, y = R·Δφ.  Error < 0.1 % over
    the few kilometres of a run; good enough for drawing a track, not for distances.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return np.full(lat.shape, np.nan), np.full(lat.shape, np.nan)
    lat0, lon0 = lat[ok][0], lon[ok][0]
    cos_mean = np.cos(np.nanmean(lat[ok]))
    return EARTH_RADIUS_M * (lon - lon0) * cos_mean, EARTH_RADIUS_M * (lat - lat0)


def route_figure(analysis: Analysis, units: Units | str = "metric") -> go.Figure | None:
    """The route as an x/y track in local metres (equal aspect; no map tiles, so it works offline).

    ``None`` when the run has no positions.
    """
    units = get_units(units)
    lat, lon = sample_column(analysis, "latitude_deg"), sample_column(analysis, "longitude_deg")
    if lat is None or lon is None:
        return None
    x, y = local_xy_m(lat.to_numpy(float), lon.to_numpy(float))
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return None
    x, y = x[ok], y[ok]
    if len(x) > MAX_PLOT_POINTS:
        keep = np.unique(np.linspace(0, len(x) - 1, MAX_PLOT_POINTS).round().astype(int))
        x, y = x[keep], y[keep]
    scale = units.metres_per_elevation_unit  # metres or feet for the local axes
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=_f32(x / scale), y=_f32(y / scale), mode="lines", name="route",
                             line=dict(color=COLORS["slate"], width=2), hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=[x[0] / scale], y=[y[0] / scale], mode="markers", name="start",
                             marker=dict(size=11, color=COLORS["amber"], symbol="circle"),
                             hovertemplate="start<extra></extra>"))
    fig.add_trace(go.Scatter(x=[x[-1] / scale], y=[y[-1] / scale], mode="markers", name="finish",
                             marker=dict(size=11, color=COLORS["ink"], symbol="square"),
                             hovertemplate="finish<extra></extra>"))
    unit = units.elevation_unit
    fig.update_layout(**base_layout(
        height=460,
        xaxis=dict(title=dict(text=f"east [{unit}] from start"), **_axis_style()),
        yaxis=dict(title=dict(text=f"north [{unit}] from start"), scaleanchor="x", scaleratio=1, **_axis_style()),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        margin=dict(l=60, r=20, t=40, b=50),
    ))
    return fig
