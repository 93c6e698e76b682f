"""Plain-text rendering of muscle-group load and hints for ``runload analyze`` (pure functions, no I/O).

The load table shows one line per group: relative load (100 = one hour of your easy running), per-km
intensity, a small bar and, in a runner's words, what made the group high (:func:`runload.load.driver_text`,
the one wording of the drivers that the JSON and the report use too); the upper body follows in a separate
"approximate" block.  Hints show tier, evidence, message and the guide's tips, and always end with the
standing footer (science.md §3.1 rule 5).
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd

from ..load import driver_text
from ..muscles import display_name
from ..report.units import MISSING, Units, get_units

__all__ = ["BAR_WIDTH", "BAR_FULL_SCALE", "load_bar", "format_load_table", "format_hints"]

BAR_WIDTH = 20  # characters for BAR_FULL_SCALE
BAR_FULL_SCALE = 200.0  # rel load drawn as a full bar; larger values end in "▶"
_EIGHTHS = " ▏▎▍▌▋▊▉"
_TEXT_WIDTH = 88

_DRIVER_LEGEND = (
    "Why: what raised a group's load above one hour of easy, level running. \"duration 1.6×\" means 1.6 "
    "times the strides of that hour; a % for pace, cadence, uphill or downhill is how much harder each stride "
    "was."
)


def load_bar(value: float, width: int = BAR_WIDTH, full_scale: float = BAR_FULL_SCALE) -> str:
    """A unicode bar of ``width`` characters for ``value`` out of ``full_scale`` (eighth-block resolution).

    NaN gives a blank bar; values beyond ``full_scale`` end in ``▶``.

    Examples
    --------
    >>> load_bar(100, width=4, full_scale=200)
    '██  '
    """
    if value is None or not math.isfinite(value):
        return " " * width
    eighths = round(max(value, 0.0) / full_scale * width * 8)
    if eighths > width * 8:
        return "█" * (width - 1) + "▶"
    full, rest = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[rest] if rest else "")
    return bar.ljust(width)


def _num(x) -> str:
    """A load figure in a 5-character column (an em dash when missing)."""
    return f"{x:5.0f}" if x is not None and math.isfinite(float(x)) else f"{MISSING:>5}"


def _lines(frame: pd.DataFrame, name_width: int) -> list[str]:
    out = []
    for group, row in frame.iterrows():
        out.append(f"  {display_name(str(group)):<{name_width}} {_num(row['rel_load'])} "
                   f"{_num(row['intensity_per_km'])}  {load_bar(float(row['rel_load']))}  "
                   f"{driver_text(row, short=True)}")
    return out


def format_load_table(per_group: pd.DataFrame, units: str | Units = "metric") -> str:
    """The per-group load as a text table (leg groups, then the approximate upper body).

    Parameters
    ----------
    per_group : pandas.DataFrame
        :attr:`runload.load.LoadResult.per_group` / ``Analysis.load``.
    units : {"metric", "imperial"}
        Labels the per-distance column ``/km`` or ``/mi``.  The figure is the same: intensity relative
        to easy running over the same distance, whatever the unit.
    """
    per = get_units(units).pace_unit
    name_width = max(len(display_name(str(g))) for g in per_group.index) if len(per_group) else 10
    legs = per_group[~per_group["approximate"].astype(bool)]
    upper = per_group[per_group["approximate"].astype(bool)]
    head = f"  {'Group':<{name_width}} {'load':>5} {per:>5}  {'':<{BAR_WIDTH}}  why"
    lines = ["Muscle-group load (estimated; 100 = one hour of your easy running)", head]
    lines += _lines(legs, name_width)
    if len(upper):
        lines += ["", "Upper body (approximate)"] + _lines(upper, name_width)
    lines += [""] + textwrap.wrap(_DRIVER_LEGEND, width=_TEXT_WIDTH)
    lines += ["Each group is relative to its own easy-run reference: compare runs, not groups."]
    return "\n".join(lines)


def format_hints(hints, footer: str) -> str:
    """Hints with tier, evidence and the guide's tips, then ``footer`` (always shown).

    Parameters
    ----------
    hints : list[runload.analysis.Hint]
    footer : str
        :data:`runload.analysis.HINTS_FOOTER`.
    """
    wrap = textwrap.TextWrapper(width=_TEXT_WIDTH, initial_indent="    ", subsequent_indent="    ")
    lines = ["Hints"]
    training = [h for h in hints if not h.id.startswith("Q")]
    quality = [h for h in hints if h.id.startswith("Q")]
    if not training:
        lines.append("  Nothing stood out in this run.")
    for h in training:
        lines.append(f"  [{h.id}] {h.title} ({h.severity}; evidence: {h.evidence_label})")
        lines += wrap.wrap(h.message)
        if h.groups:
            lines.append("    Groups: " + ", ".join(display_name(g) for g in h.groups))
        if h.tips:
            lines.append("    Tips from the running-muscles guide:")
            for tip in h.tips:
                lines += textwrap.wrap(tip, width=_TEXT_WIDTH, initial_indent="      - ",
                                       subsequent_indent="        ")
    if quality:
        lines += ["", "Data quality"]
        for h in quality:
            lines.append(f"  [{h.id}] {h.title}")
            lines += wrap.wrap(h.message)
    lines += [""] + textwrap.wrap(footer, width=_TEXT_WIDTH)
    return "\n".join(lines)
