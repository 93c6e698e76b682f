"""plotly figures as plain dicts: the few pieces of plotly.py's object layer the report figures need.

The report's figures are built as figure dicts (``{"data": [trace, …], "layout": {…}}``), which plotly.js
reads as they are, instead of ``plotly.graph_objects`` objects: building and validating the objects cost
about 0.1–0.2 s a report, the dicts a few milliseconds (benchmarks/bench_report.py).  What the object
layer did for us is done here, in the same form plotly.py writes it, so the JSON of a page is what
``plotly.graph_objects.Figure(that_dict).to_plotly_json()`` gives (tests/report/test_figure_dicts.py
checks that every figure validates and serialises unchanged, so a misspelt property fails a test):

* :func:`typed_array` — numpy arrays as plotly.js typed arrays (``{"dtype", "bdata"[, "shape"]}``), as
  plotly.py's own encoder writes them;
* :func:`subplot_grid` — the axes and row-title positions of ``make_subplots`` for a one-column grid
  with a shared x axis, without building plotly objects (checked against ``make_subplots``);
* :func:`vline`/:func:`hline` — the shapes ``Figure.add_vline``/``add_hline`` add;
* :data:`BLANK_TEMPLATE` — ``plotly.graph_objects.layout.Template()`` (no theme) as plotly serialises it;
* :func:`plain_records` — the rows of a small frame (load per group, segments) as dicts of plain values,
  for the figures and tables built from them.

Figure dicts are serialised by :func:`runload.report.html.figure_json` (plotly's JSON encoder, without
validation).  This module imports no plotly.
"""

from __future__ import annotations

import base64
import copy

import numpy as np

__all__ = ["BLANK_TEMPLATE", "typed_array", "data_array", "subplot_grid", "axis_ref", "axis_name", "vline", "hline",
           "plain_records"]

# plotly.graph_objects.layout.Template() as to_plotly_json() writes it: an empty theme (plotly's default
# template would add ~10 kB to every figure).
BLANK_TEMPLATE = {"data": {"scatter": [{"type": "scatter"}]}}


def typed_array(values, dtype: str = "f4") -> dict | list:
    """A numeric array as plotly.js's typed-array spec ``{"dtype": "f4", "bdata": base64}``.

    The form plotly.py's encoder (``_plotly_utils.utils.to_typed_array_spec``) writes for a numpy array of
    that dtype: little-endian bytes, ``"shape": "rows, cols"`` for a 2-D array, and an empty list for an
    empty array.  float32 (``"f4"``, the default) stores 5.3 bytes a value instead of ~8 as a JSON list;
    NaN stays NaN, which plotly draws as a gap.

    Parameters
    ----------
    values : array-like of numbers
    dtype : {"f4", "f8"}
        float32 or float64.
    """
    arr = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    if arr.size == 0:
        return []
    spec = {"dtype": dtype, "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in arr.shape)
    return spec


def data_array(values) -> list:
    """Non-numeric data (labels, dates as text) as the JSON list plotly writes for it."""
    return np.asarray(values, dtype=object).tolist()


def axis_ref(kind: str, row: int) -> str:
    """The trace reference of row ``row``'s axis: ``"x"``, ``"x2"`` … (``kind`` ``"x"`` or ``"y"``)."""
    return kind if row == 1 else f"{kind}{row}"


def axis_name(kind: str, row: int) -> str:
    """The layout key of row ``row``'s axis: ``"xaxis"``, ``"xaxis2"`` …"""
    return f"{kind}axis" if row == 1 else f"{kind}axis{row}"


def _clamp(y: float) -> float:
    """A domain end within a rounding error of [0, 1] put on the edge (as make_subplots does)."""
    if -0.01 < y < 0.0:
        return 0.0
    if 1.0 < y < 1.01:
        return 1.0
    return y


def subplot_grid(n_rows: int, vertical_spacing: float) -> tuple[dict, list[dict]]:
    """Axes and row-title annotations of ``make_subplots(rows=n_rows, cols=1, shared_xaxes=True,
    vertical_spacing=…, subplot_titles=…)``: ``(axes, titles)``, new dicts the caller may change.

    ``axes`` maps ``"xaxis"``, ``"yaxis"``, ``"xaxis2"`` … to their domains and anchors (the upper x axes
    match the bottom one and hide their tick labels); ``titles`` holds one annotation per row, top first,
    whose ``text`` the caller sets.  Traces of row ``k`` use ``xaxis=axis_ref("x", k)``,
    ``yaxis=axis_ref("y", k)``.

    The domains follow plotly's own arithmetic (plotly/_subplots.py: equal row heights, rows from the top,
    the same float operations in the same order), so the values are bit for bit plotly's;
    tests/report/test_figure_dicts.py compares them with ``make_subplots`` for 1–8 rows.  Importing
    plotly.subplots and building the figure objects would cost ~0.25 s CPU the first time in a process.
    """
    n_rows = int(n_rows)
    heights = [(1.0 - vertical_spacing * (n_rows - 1)) / n_rows] * n_rows
    bottom = axis_ref("x", n_rows)
    axes, titles = {}, []
    for row in range(1, n_rows + 1):
        below = n_rows - row  # rows under this one
        start = sum(heights[:below]) + below * vertical_spacing
        y_domain = [_clamp(start), _clamp(start + heights[-row])]
        x_axis = {"anchor": axis_ref("y", row), "domain": [0.0, 1.0]}
        if row < n_rows:
            x_axis.update(matches=bottom, showticklabels=False)
        axes[axis_name("x", row)] = x_axis
        axes[axis_name("y", row)] = {"anchor": axis_ref("x", row), "domain": y_domain}
        titles.append({"font": {"size": 16}, "showarrow": False, "text": "", "x": 0.5, "xanchor": "center",
                       "xref": "paper", "y": y_domain[1], "yanchor": "bottom", "yref": "paper"})
    return axes, titles


def vline(x: float, line: dict) -> dict:
    """The shape ``Figure.add_vline(x=x, line=line)`` adds: a vertical line over the whole plot height."""
    return {"line": copy.deepcopy(line), "type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1,
            "yref": "y domain"}


def hline(y: float, line: dict) -> dict:
    """The shape ``Figure.add_hline(y=y, line=line)`` adds: a horizontal line over the whole plot width."""
    return {"line": copy.deepcopy(line), "type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y,
            "yref": "y"}


def plain_records(frame, columns=None) -> list[dict]:
    """The rows of ``frame`` as dicts of plain Python values (``float``, ``str``, ``Timestamp`` …).

    Column by column (``Series.tolist``): ``DataFrame.to_dict("records")`` costs ~4 ms even for a dozen
    rows, per-cell ``.at``/``.loc`` more.  Missing values stay what the column holds (NaN, None, NaT).
    ``columns``: only these (those ``frame`` has), e.g. to leave out timestamps a table does not show.
    """
    if columns is not None:
        wanted = set(columns)
        frame = frame[[c for c in frame.columns if c in wanted]]
    if frame.shape[1] == 0:
        return [{} for _ in range(len(frame))]
    names = frame.columns.tolist()  # a list: iterating a (pandas ≥ 3 "str") Index per row costs ~1 µs a name
    if frame.columns.is_unique:
        columns = [frame[c].tolist() for c in names]
    else:
        columns = [frame.iloc[:, k].tolist() for k in range(frame.shape[1])]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
