"""The one wording of the load drivers: which driver made a group's load high, in a runner's words.

:func:`runload.load.compute_load` names each group's ``top_driver`` and ``stride_driver`` with
:func:`top_driver` and the model's ``[drivers] min_factor``; :func:`driver_text` turns a row of
``Analysis.load`` into the words the CLI table (``short=True``), ``analyze --json`` (``"why"``) and the HTML
report show, so the three always agree.  :mod:`runload.load` re-exports everything here.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidMethodError

__all__ = ["DRIVERS", "DRIVER_LABELS", "top_driver", "describe_driver", "main_drivers", "driver_text"]

DRIVERS = ("speed", "cadence", "uphill", "downhill", "volume")


def top_driver(row: dict, min_factor: float) -> str:
    """The driver with the largest factor above ``min_factor``; ``"none"`` if no driver stands out."""
    factors = {d: row[f"driver_{d}"] for d in DRIVERS}
    factors = {d: f for d, f in factors.items() if np.isfinite(f) and f > min_factor}
    return max(factors, key=factors.get) if factors else "none"


#: Short names of the drivers, for column headings and legends (the one place they are worded).
DRIVER_LABELS = {"speed": "pace", "cadence": "cadence", "uphill": "uphill", "downhill": "downhill",
                 "volume": "duration"}
_NO_DRIVER = {False: "close to your easy running", True: "like easy running"}


def _longer_steps(cadence_ratio: float) -> bool | None:
    """True for a cadence below the runner's norm (longer steps), False above, None unknown."""
    if cadence_ratio is None or not np.isfinite(cadence_ratio):
        return None
    return bool(cadence_ratio < 1.0)


def describe_driver(driver: str, factor: float, cadence_ratio: float = float("nan"), *,
                    short: bool = False) -> str:
    """One phrase a runner can read for a driver and its factor (1 = as in easy running).

    Parameters
    ----------
    driver : str  one of :data:`DRIVERS` or ``"none"``
    factor : float  [-]  the driver's factor (``driver_<name>`` of :attr:`LoadResult.per_group`)
    cadence_ratio : float  [-]  the run's c/c_pref; below 1 the cadence driver reads "longer steps"
    short : bool
        The compact form of a table cell (``"downhill +31 %"``, ``"duration 1.6×"``).

    Examples
    --------
    >>> describe_driver("downhill", 1.31)
    'downhill running (+31 % per stride)'
    >>> describe_driver("volume", 1.62, short=True)
    'duration 1.6×'
    """
    if driver == "none" or factor is None or not np.isfinite(factor):
        return _NO_DRIVER[short]
    pct = f"{(factor - 1.0) * 100:+.0f} %"
    longer = _longer_steps(cadence_ratio)
    if short:
        words = {"speed": "faster pace", "uphill": "uphill", "downhill": "downhill", "volume": "duration",
                 "cadence": {None: "cadence for the pace", True: "longer steps", False: "quicker steps"}[longer]}
        if driver not in words:
            raise InvalidMethodError("driver", driver, (*DRIVERS, "none"))
        return f"{words[driver]} {factor:.1f}×" if driver == "volume" else f"{words[driver]} {pct}"
    if driver == "speed":
        return f"a pace faster than your easy pace ({pct} per stride)"
    if driver == "cadence":
        if longer:
            return f"longer steps (lower cadence) than usual at this pace ({pct} per stride)"
        return f"shorter, quicker steps (higher cadence) than usual at this pace ({pct} per stride)"
    if driver == "uphill":
        return f"uphill running ({pct} per stride)"
    if driver == "downhill":
        return f"downhill running ({pct} per stride)"
    if driver == "volume":
        return f"the duration: {factor:.1f}× the strides of an hour of easy running"
    raise InvalidMethodError("driver", driver, (*DRIVERS, "none"))


def main_drivers(row) -> list[tuple[str, float]]:
    """What made one group's load high: ``[(driver, factor), …]`` (empty when nothing stands out).

    The ``top_driver`` of ``row`` (a row of :attr:`LoadResult.per_group`) and, when that is the volume,
    also its ``stride_driver`` (the strongest per-stride driver), because "a long run" alone does not say
    whether the strides themselves were harder (faster, hillier) than easy running.  Both were chosen by
    :func:`compute_load` with the model's ``[drivers] min_factor``.
    """
    driver = str(row["top_driver"])
    if driver == "none":
        return []
    out = [(driver, float(row[f"driver_{driver}"]))]
    second = str(row.get("stride_driver", "none"))
    if driver == "volume" and second not in ("none", "volume"):
        out.append((second, float(row[f"driver_{second}"])))
    return out


def driver_text(row, *, short: bool = False) -> str:
    """Why one group's load is what it is, in a runner's words: the one wording of the load drivers.

    The CLI table (``short=True``), the JSON (``"why"``) and the report use this function, so they
    always say the same thing.

    Parameters
    ----------
    row : pandas.Series or mapping
        One row of :attr:`LoadResult.per_group` / ``Analysis.load`` (``top_driver``, ``stride_driver``,
        ``cadence_ratio`` and the ``driver_*`` factors).
    short : bool
        ``True``: a table cell, e.g. ``"duration 1.6×, downhill +18 %"`` or ``"like easy running"``.
        ``False``: a sentence, e.g. ``"Mainly from the duration: …; per stride, mostly from downhill
        running (+18 % per stride)."``

    Returns
    -------
    str
    """
    drivers = main_drivers(row)
    ratio = row.get("cadence_ratio", float("nan"))
    ratio = float(ratio) if ratio is not None else float("nan")
    if short:
        return ", ".join(describe_driver(d, f, ratio, short=True) for d, f in drivers) or _NO_DRIVER[True]
    if not drivers:
        return "No single driver stands out: close to your easy running per stride and volume."
    text = "Mainly from " + describe_driver(*drivers[0], ratio)
    if len(drivers) > 1:
        text += "; per stride, mostly from " + describe_driver(*drivers[1], ratio)
    return text + "."
