"""The body map: front and back silhouettes with the nine muscle groups coloured by this run's load.

Drawn entirely with plotly filled scatter paths (no image files, so the report works offline).  Each
muscle group is ONE trace whose ``name`` is the group key (``"quadriceps"``, ``"foot_ankle"`` …) and
whose ``meta`` holds ``{"group": key}``, so tests and the DOM can find all nine regions.  Left/right
and front/back pieces of a group are polygons of the same trace separated by ``None`` (plotly fills
each piece with ``fill="toself"``).

Two views, switched by buttons the figure carries itself (``layout.updatemenus``, restyling the fill
colours and showing the matching colour bar), so the page needs no script of its own:

* ``"intensity"`` (default): each group's ``intensity_per_km`` — this run's load per km relative to the
  runner's easy running per km (science.md §2.8; App. B item 5: intensity for single-run cards) — on a
  DIVERGING scale centred on 100 ("as easy running"): below in a cool slate, above in amber (science.md
  §3.1 rule 7: no red).  The scale is symmetric in log ratio and clipped at :data:`INTENSITY_SPAN`
  (÷1.5 … ×1.5, i.e. 67–150; the colour bar says "≤ 67" and "≥ 150"), so +8 % is visible while a steep
  descent at 190 does not wash the other groups out.  The span was chosen from the numbers the model gives:
  simulated easy runs 98–106, hill repeats up to 122, a descent of 6–10 % up to 139, and 80–140 for
  most of the real files in ../shared/data.
* ``"total"``: ``rel_load`` (100 = one hour of the runner's easy running) on the sequential neutral →
  amber scale from 0 to max(200, the highest leg-group load), so an easy hour sits mid-scale.

The upper body (core, shoulders, back) is drawn with a dotted outline and lower opacity and is labelled
approximate (science.md §2.9).

The silhouette is a stylised figure on a unit grid (height 8 units, centre x = 0 for the front view and
x = :data:`BACK_OFFSET` for the back view); it is a diagram, not anatomy.
"""

from __future__ import annotations

import html
import math
from functools import cache

import numpy as np
from plotly.colors import sample_colorscale

from ..analysis import MUSCLE_GROUPS, UPPER_BODY_GROUPS, Analysis
from ..errors import InvalidMethodError, RunloadError
from ..load import driver_text
from ..muscles import muscle_group
from .figure_dicts import plain_records
from .figures import COLORS, LOAD_COLORSCALE, base_layout
from .units import Units, format_number, get_units

__all__ = ["bodymap_figure", "REGIONS", "VIEWS", "group_info", "load_color", "load_colors", "intensity_colors",
           "intensity_position", "BACK_OFFSET", "INTENSITY_COLORSCALE", "INTENSITY_SPAN"]

BACK_OFFSET = 3.4
NO_DATA_COLOR = "#f1f0ee"

#: The views of the map: per km against easy running (default), and total load.
VIEWS = ("intensity", "total")

#: Ratio to easy running at which the intensity colours saturate, both ways (÷1.5 and ×1.5: 67 and 150).
INTENSITY_SPAN = 1.5

#: Diverging scale over the log ratio to easy running: slate (easier) – warm neutral at 100 – amber
#: (harder); no red (science.md §3.1 rule 7).  Positions 0 / 0.5 / 1 are 67 / 100 / 150; the inner stops
#: (0.38, 0.62 ≈ 91, 110) put more of the colour change near 100, so small differences show.
INTENSITY_COLORSCALE = [
    [0.0, "#64748b"], [0.2, "#94a3b8"], [0.38, "#cbd5e1"], [0.5, "#eceae6"],
    [0.62, "#f6d68b"], [0.8, "#e19a2c"], [1.0, "#92400e"],
]

_INTENSITY_TICKS = ((100 / INTENSITY_SPAN, "≤ 67<br>easier"), (80.0, "80"), (100.0, "100<br>as easy running"),
                    (125.0, "125"), (100 * INTENSITY_SPAN, "≥ 150<br>harder"))

# Right half of the body outline (x ≥ 0), from the neck down to the inner ankle; mirrored for the left.
_OUTLINE_RIGHT = [
    (0.0, 6.95), (0.2, 6.95), (0.24, 6.82), (0.72, 6.74), (1.02, 6.62), (1.2, 6.3), (1.28, 5.6),
    (1.38, 4.85), (1.46, 4.2), (1.36, 4.12), (1.22, 4.75), (1.12, 5.5), (1.02, 5.85), (0.96, 5.3),
    (0.74, 4.6), (0.82, 4.05), (0.8, 3.2), (0.7, 2.35), (0.68, 1.65), (0.56, 0.72), (0.64, 0.12),
    (0.62, 0.0), (0.14, 0.0), (0.16, 0.25), (0.2, 0.72), (0.2, 1.65), (0.13, 2.5), (0.07, 3.6), (0.0, 3.75),
]

# Region polygons for the RIGHT side of the body (x ≥ 0) or centred ones (mirror=False), per view.
# view: "front" or "back"; (polygon, mirror)
REGIONS: dict[str, list[tuple[str, list[tuple[float, float]], bool]]] = {
    "shoulders": [
        ("front", [(0.72, 6.68), (1.0, 6.58), (1.17, 6.3), (1.16, 5.95), (0.97, 6.05), (0.74, 6.4)], True),
        ("back", [(0.72, 6.68), (1.0, 6.58), (1.17, 6.3), (1.16, 5.95), (0.97, 6.05), (0.74, 6.4)], True),
    ],
    "core": [
        ("front", [(-0.46, 6.0), (0.46, 6.0), (0.52, 5.0), (0.4, 4.35), (-0.4, 4.35), (-0.52, 5.0)], False),
    ],
    "back": [
        ("back", [(-0.62, 6.7), (0.62, 6.7), (0.78, 6.3), (0.66, 5.3), (0.34, 4.7), (-0.34, 4.7),
                  (-0.66, 5.3), (-0.78, 6.3)], False),
    ],
    "hip_flexors": [
        ("front", [(0.1, 4.28), (0.56, 4.36), (0.72, 4.08), (0.5, 3.78), (0.16, 3.86)], True),
    ],
    "quadriceps": [
        ("front", [(0.16, 3.76), (0.48, 3.7), (0.76, 3.96), (0.77, 3.2), (0.66, 2.45), (0.3, 2.38),
                   (0.17, 2.9)], True),
    ],
    "glutes": [
        ("back", [(0.03, 4.5), (0.62, 4.55), (0.82, 4.1), (0.74, 3.68), (0.36, 3.58), (0.03, 3.74)], True),
    ],
    "hamstrings": [
        ("back", [(0.12, 3.52), (0.74, 3.58), (0.77, 3.0), (0.64, 2.4), (0.3, 2.4), (0.15, 2.9)], True),
    ],
    "calves": [
        ("back", [(0.2, 2.22), (0.62, 2.22), (0.69, 1.7), (0.56, 1.1), (0.42, 0.76), (0.28, 0.92),
                  (0.21, 1.5)], True),
        ("front", [(0.52, 2.1), (0.66, 2.0), (0.66, 1.6), (0.56, 1.05), (0.5, 1.5)], True),
    ],
    "foot_ankle": [
        ("front", [(0.2, 0.5), (0.54, 0.5), (0.62, 0.12), (0.62, 0.02), (0.15, 0.02), (0.16, 0.25)], True),
        ("back", [(0.27, 0.68), (0.5, 0.68), (0.56, 0.26), (0.56, 0.02), (0.2, 0.02), (0.23, 0.3)], True),
    ],
}


def _mirror(points, offset=0.0):
    return [(offset - x, y) for x, y in points]


def _shift(points, offset):
    return [(x + offset, y) for x, y in points]


def _paths(pieces) -> tuple[list, list]:
    """Concatenate closed polygons into one x/y pair with ``None`` separators."""
    xs, ys = [], []
    for poly in pieces:
        closed = list(poly) + [poly[0]]
        xs += [round(p[0], 3) for p in closed] + [None]
        ys += [round(p[1], 3) for p in closed] + [None]
    return xs[:-1], ys[:-1]


@cache
def _outline_paths() -> tuple[list, list]:
    """The silhouettes (front and back: body and head) as one x/y pair of paths (computed once)."""
    pieces = []
    for offset in (0.0, BACK_OFFSET):
        body = _shift(_OUTLINE_RIGHT, offset) + _mirror(_OUTLINE_RIGHT[::-1], offset)
        pieces.append(body)
        theta = np.linspace(0, 2 * np.pi, 28)
        pieces.append(list(zip(offset + 0.36 * np.cos(theta), 7.42 + 0.42 * np.sin(theta), strict=True)))
    return _paths(pieces)


@cache
def _group_paths(group: str) -> tuple[list, list]:
    """A group's polygons as one x/y pair of paths (computed once per group)."""
    return _paths(_group_polygons(group))


def _group_polygons(group: str) -> list[list[tuple[float, float]]]:
    pieces = []
    for view, poly, mirror in REGIONS[group]:
        offset = 0.0 if view == "front" else BACK_OFFSET
        pieces.append(_shift(poly, offset))
        if mirror:
            pieces.append(_mirror(poly, offset))
    return pieces


def group_info(group: str) -> dict:
    """Display name and member muscles of a group from the catalogue (:mod:`runload.muscles`).

    Returns ``{"name": str, "members": list[str]}``; an unknown key gives its own name and no members.
    """
    try:
        entry = muscle_group(group)
    except RunloadError:
        return {"name": group.replace("_", " "), "members": []}
    return {"name": entry.display_name, "members": list(entry.members)}


def load_color(rel_load: float, cmax: float) -> str:
    """Colour of a region for ``rel_load`` on the 0–``cmax`` neutral→amber scale (grey when missing)."""
    return load_colors([rel_load], cmax)[0]


def load_colors(rel_loads, cmax: float) -> list[str]:
    """:func:`load_color` of several loads at once (plotly checks the colour scale once, not per region)."""
    known = [v is not None and bool(np.isfinite(v)) for v in rel_loads]
    points = [float(np.clip(v / cmax, 0.0, 1.0)) for v, ok in zip(rel_loads, known, strict=True) if ok]
    sampled = iter(_sample_hex(LOAD_COLORSCALE, points))
    return [next(sampled) if ok else NO_DATA_COLOR for ok in known]


def _sample_hex(colorscale, points: list[float]) -> list[str]:
    """Colours of ``colorscale`` at ``points`` (0–1) as ``#rrggbb`` (shorter in the page than ``rgb(…)``)."""
    if not points:
        return []
    return ["#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in rgb))
            for rgb in sample_colorscale(colorscale, points, colortype="tuple")]


def _log_ratio(intensity: float) -> float:
    """ln(intensity / 100), clipped to ±ln :data:`INTENSITY_SPAN` (0 or below counts as the lower end)."""
    bound = math.log(INTENSITY_SPAN)
    if intensity <= 0:
        return -bound
    return min(max(math.log(intensity / 100.0), -bound), bound)


def intensity_position(intensity: float) -> float:
    """Position 0–1 of ``intensity_per_km`` on :data:`INTENSITY_COLORSCALE` (0.5 = as easy running).

    Symmetric in log ratio: 150 and 100/1.5 ≈ 67 lie at 1 and 0, anything beyond is clipped.

    Examples
    --------
    >>> intensity_position(100.0), intensity_position(150.0), intensity_position(50.0)
    (0.5, 1.0, 0.0)
    """
    return 0.5 + 0.5 * _log_ratio(float(intensity)) / math.log(INTENSITY_SPAN)


def intensity_colors(intensities) -> list[str]:
    """Colours of ``intensity_per_km`` values on the diverging scale (:data:`NO_DATA_COLOR` when missing)."""
    known = [v is not None and bool(np.isfinite(v)) for v in intensities]
    points = [intensity_position(v) for v, ok in zip(intensities, known, strict=True) if ok]
    sampled = iter(_sample_hex(INTENSITY_COLORSCALE, points))
    return [next(sampled) if ok else NO_DATA_COLOR for ok in known]


def _finite(value) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def _intensity_sentence(intensity: float | None, distance_unit: str) -> str:
    """The value in words: "estimated 128 per km = 28 % more than your easy running per km"."""
    if intensity is None:
        return f"per {distance_unit}: not available for this run"
    shown = round(intensity)
    diff = shown - 100
    if diff > 0:
        meaning = f"{diff} % more than"
    elif diff < 0:
        meaning = f"{-diff} % less than"
    else:
        meaning = "the same as"
    return f"estimated {shown} per {distance_unit} = {meaning} your easy running per {distance_unit}"


def _hover(group: str, row, approximate: bool, distance_unit: str = "km") -> str:
    info = group_info(group)
    lines = [f"<b>{html.escape(info['name'])}</b>" + (" (approximate)" if approximate else "")]
    if row is None:
        lines.append("load not available for this run")
    else:
        lines.append(_intensity_sentence(_finite(row.get("intensity_per_km")), distance_unit))
        lines.append(f"total: estimated load {format_number(row.get('rel_load'))} "
                     "(100 = one hour of your easy running)")
        driver = row.get("top_driver")  # set by runload.load.compute_load
        if isinstance(driver, str) and driver:
            lines.append("why: " + html.escape(driver_text(row)))
    if info["members"]:
        lines.append("muscles: " + html.escape(", ".join(info["members"])))
    if approximate:
        lines.append("upper body: low-confidence estimate")
    return "<br>".join(lines)


def _scale_trace(name: str, colorscale, cmin: float, cmax: float, colorbar: dict, visible: bool) -> dict:
    """An invisible marker trace that carries one view's colour bar."""
    return dict(type="scatter", x=[None], y=[None], mode="markers", name=name, showlegend=False, hoverinfo="skip",
                visible=visible,
                marker=dict(colorscale=[list(step) for step in colorscale], cmin=cmin, cmax=cmax, color=[cmin],
                            showscale=True,
                            # horizontal, under the figures: the silhouettes keep the width on a phone
                            colorbar=dict(orientation="h", x=0.5, xanchor="center", y=0.0, yanchor="top",
                                          thickness=10, len=0.9, **colorbar)))


def _view_buttons(view: str, fills: dict[str, list[str]], first_region: int, n_scales: int,
                  distance_unit: str = "km") -> list[dict]:
    """The toggle: one button per view restyling the regions' fill colours and showing its colour bar."""
    labels = {"intensity": f"per {distance_unit} vs easy", "total": "total load"}
    n = len(MUSCLE_GROUPS)
    indices = list(range(first_region, first_region + n + n_scales))
    buttons = []
    for k, name in enumerate(VIEWS):
        shown = [j == k for j in range(n_scales)]
        buttons.append(dict(label=labels[name], method="restyle",
                            args=[{"fillcolor": fills[name] + [None] * n_scales, "visible": [True] * n + shown},
                                  indices]))
    return [dict(type="buttons", direction="right", x=0.0, xanchor="left", y=1.0, yanchor="bottom",
                 pad=dict(b=4), showactive=True, active=VIEWS.index(view), bgcolor="#f5f5f4",
                 bordercolor="#d6d3d1", font=dict(size=11), buttons=buttons)]


def bodymap_figure(analysis: Analysis, units: Units | str = "metric", view: str = "intensity") -> dict:
    """Front and back silhouettes with the nine groups coloured by this run's load, with a view toggle.

    Parameters
    ----------
    analysis : Analysis
        Without a load every region is :data:`NO_DATA_COLOR`, the hover says load is not available and
        there is neither a colour bar nor a toggle.
    units : Units or str
        Only names the distance ("per km" / "per mi": ``intensity_per_km`` is relative to easy running
        over the same distance, so its value does not depend on the unit).
    view : {"intensity", "total"}
        The view shown first: per km against easy running on the diverging scale, or ``rel_load``
        (100 = one hour of easy running); the figure's buttons switch between them.

    Returns
    -------
    dict
        A plotly figure dict (:mod:`.figure_dicts`).

    Raises
    ------
    InvalidMethodError
        ``view`` is not one of :data:`VIEWS`.
    """
    if view not in VIEWS:
        raise InvalidMethodError("view", view, VIEWS)
    distance_unit = get_units(units).distance_unit
    load = analysis.load
    rows = {}
    if load is not None:
        rows = {g: r for g, r in zip(load.index, plain_records(load), strict=True) if g in MUSCLE_GROUPS}
    leg_values = [float(r["rel_load"]) for g, r in rows.items()
                  if g not in UPPER_BODY_GROUPS and r.get("rel_load") is not None and np.isfinite(r["rel_load"])]
    cmax = max(200.0, max(leg_values, default=0.0))
    cmax = float(np.ceil(cmax / 50.0) * 50.0)

    xs, ys = _outline_paths()
    traces = [dict(type="scatter", x=list(xs), y=list(ys), mode="lines", fill="toself", fillcolor="#fafaf9",
                   line=dict(color="#a8a29e", width=1.2), name="silhouette", hoverinfo="skip", showlegend=False)]

    def column(name: str) -> list[float]:
        return [_finite(rows[g].get(name)) if g in rows else None for g in MUSCLE_GROUPS]

    fills = {"intensity": intensity_colors(column("intensity_per_km")),
             "total": load_colors(column("rel_load"), cmax)}
    for k, group in enumerate(MUSCLE_GROUPS):
        row = rows.get(group)
        approximate = group in UPPER_BODY_GROUPS
        if row is not None and "approximate" in row and row["approximate"] is not None:
            approximate = bool(row["approximate"]) or approximate
        xs, ys = _group_paths(group)
        line = dict(color="#78716c" if approximate else "#57534e", width=1)
        if approximate:
            line["dash"] = "dot"
        traces.append(dict(
            type="scatter", x=list(xs), y=list(ys), mode="lines", fill="toself", name=group, meta={"group": group},
            fillcolor=fills[view][k], opacity=0.75 if approximate else 1.0, line=line,
            hoveron="fills", text=_hover(group, row, approximate, distance_unit), hoverinfo="text", showlegend=False,
        ))

    layout_extra = {}
    if load is not None:
        bound = math.log(INTENSITY_SPAN)
        traces.append(_scale_trace(
            "scale", INTENSITY_COLORSCALE, -bound, bound, visible=view == "intensity", colorbar=dict(
                title=dict(text=f"per {distance_unit} vs your easy running", side="top", font=dict(size=12)),
                tickvals=[round(_log_ratio(v), 4) for v, _ in _INTENSITY_TICKS],
                ticktext=[text for _, text in _INTENSITY_TICKS])))
        traces.append(_scale_trace(
            "scale_total", LOAD_COLORSCALE, 0.0, cmax, visible=view == "total",
            colorbar=dict(title=dict(text="estimated load (100 = one hour of easy running)", side="top",
                                        font=dict(size=12)))))
        layout_extra["updatemenus"] = _view_buttons(view, fills, first_region=1, n_scales=2,
                                                    distance_unit=distance_unit)
    annotations = [
        dict(x=0, y=8.05, text="front", showarrow=False, font=dict(color=COLORS["muted"])),
        dict(x=BACK_OFFSET, y=8.05, text="back", showarrow=False, font=dict(color=COLORS["muted"])),
        dict(x=BACK_OFFSET / 2, y=-0.35, showarrow=False, font=dict(size=11, color=COLORS["muted"]),
             text="dotted outline: upper body, approximate"),
    ]
    if load is None:
        annotations.append(dict(x=BACK_OFFSET / 2, y=8.45, showarrow=False, font=dict(color=COLORS["muted"]),
                                text="muscle-group load not available for this run"))
    layout = base_layout(
        height=600 if load is not None else 520, annotations=annotations, hovermode="closest",
        xaxis=dict(visible=False, range=[-1.7, BACK_OFFSET + 1.7], fixedrange=True),
        yaxis=dict(visible=False, range=[-0.6, 8.7], scaleanchor="x", scaleratio=1, fixedrange=True),
        margin=dict(l=10, r=10, t=36, b=90) if load is not None else dict(l=10, r=10, t=10, b=10), **layout_extra,
    )
    return {"data": traces, "layout": layout}
