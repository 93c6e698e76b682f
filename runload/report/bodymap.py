"""The body map: front and back silhouettes with the nine muscle groups coloured by this run's load.

Drawn entirely with plotly filled scatter paths (no image files, so the report works offline).  Each
muscle group is ONE trace whose ``name`` is the group key (``"quadriceps"``, ``"foot_ankle"`` …) and
whose ``meta`` holds ``{"group": key}``, so tests and the DOM can find all nine regions.  Left/right
and front/back pieces of a group are polygons of the same trace separated by ``None`` (plotly fills
each piece with ``fill="toself"``).

Colour: a sequential neutral → amber scale (science.md §3.1 rule 7: no red) of ``rel_load``
(100 = one hour of the runner's easy running), from 0 to max(200, the highest leg-group load), so an
easy hour sits mid-scale.  The upper body (core, shoulders, back) is drawn with a dotted outline and
lower opacity and is labelled approximate (science.md §2.9).

The silhouette is a stylised figure on a unit grid (height 8 units, centre x = 0 for the front view and
x = :data:`BACK_OFFSET` for the back view); it is a diagram, not anatomy.
"""

from __future__ import annotations

import html
from functools import cache

import numpy as np
from plotly.colors import sample_colorscale

from ..analysis import MUSCLE_GROUPS, UPPER_BODY_GROUPS, Analysis
from ..errors import RunloadError
from ..load import driver_text
from ..muscles import muscle_group
from .figure_dicts import plain_records
from .figures import COLORS, LOAD_COLORSCALE, base_layout
from .units import Units, format_number, get_units

__all__ = ["bodymap_figure", "REGIONS", "group_info", "load_color", "load_colors", "BACK_OFFSET"]

BACK_OFFSET = 3.4
NO_DATA_COLOR = "#f1f0ee"

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
    sampled = iter(sample_colorscale(LOAD_COLORSCALE, points) if points else [])
    return [next(sampled) if ok else NO_DATA_COLOR for ok in known]


def _hover(group: str, row, approximate: bool, distance_unit: str = "km") -> str:
    info = group_info(group)
    lines = [f"<b>{html.escape(info['name'])}</b>" + (" (approximate)" if approximate else "")]
    if row is None:
        lines.append("load not available for this run")
    else:
        lines.append(f"estimated load {format_number(row.get('rel_load'))} (100 = one hour of your easy running)")
        lines.append(f"per {distance_unit} {format_number(row.get('intensity_per_km'))} (100 = your easy running)")
        driver = row.get("top_driver")  # set by runload.load.compute_load
        if isinstance(driver, str) and driver:
            lines.append("why: " + html.escape(driver_text(row)))
    if info["members"]:
        lines.append("muscles: " + html.escape(", ".join(info["members"])))
    if approximate:
        lines.append("upper body: low-confidence estimate")
    return "<br>".join(lines)


def bodymap_figure(analysis: Analysis, units: Units | str = "metric") -> dict:
    """Front and back silhouettes with the nine groups coloured by ``rel_load`` (neutral → amber).

    Works without a load (every region neutral, hover says load is not available).  ``units`` only
    names the distance in the hover ("per km" / "per mi": ``intensity_per_km`` is relative to easy
    running over the same distance, so its value does not depend on the unit).  Returns a plotly figure
    dict (:mod:`.figure_dicts`).
    """
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

    rels = {g: float(r["rel_load"]) if r.get("rel_load") is not None else float("nan") for g, r in rows.items()}
    colors = dict(zip(MUSCLE_GROUPS, load_colors([rels.get(g, float("nan")) for g in MUSCLE_GROUPS], cmax),
                      strict=True))
    for group in MUSCLE_GROUPS:
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
            fillcolor=colors[group], opacity=0.75 if approximate else 1.0, line=line,
            hoveron="fills", text=_hover(group, row, approximate, distance_unit), hoverinfo="text", showlegend=False,
        ))

    # Colour bar (an invisible marker trace carries the scale).
    traces.append(dict(
        type="scatter", x=[None], y=[None], mode="markers", name="scale", showlegend=False, hoverinfo="skip",
        marker=dict(colorscale=[list(step) for step in LOAD_COLORSCALE], cmin=0, cmax=cmax, color=[0],
                    showscale=True,
                    colorbar=dict(title=dict(text="estimated load<br>(100 = 1 h easy)", side="right"),
                                  thickness=12, len=0.7)),
    ))
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
        height=520, annotations=annotations, hovermode="closest",
        xaxis=dict(visible=False, range=[-1.7, BACK_OFFSET + 1.7], fixedrange=True),
        yaxis=dict(visible=False, range=[-0.6, 8.7], scaleanchor="x", scaleratio=1, fixedrange=True),
        margin=dict(l=10, r=10, t=10, b=10),
    )
    return {"data": traces, "layout": layout}
