"""Laps, distance splits and detected segments (steady running, work/recovery intervals, climbs, descents).

:func:`detect_segments` returns the ``segments`` table of :class:`runload.analysis.Analysis`: one row per
span of samples with the columns of :data:`SEGMENT_COLUMNS`.  Every summary is weighted by time
(``dt_s``) or by distance, never by sample count, so a run recorded with smart (irregular) recording
gives the same table as the same run recorded every second.  With the zero-order-hold weights of
:mod:`runload.clean`, a span of samples i0…i1 covers [t_i0, t_(i1+1)).

Grade-adjusted pace uses the energy cost of running on slopes of Minetti et al. 2002 [1]_ (science.md
§2.6): the distance run at grade i counts as Cr(i)/Cr(0) level metres.

References
----------
.. [1] Minetti AE, Moia C, Roi GS, Susta D, Ferretti G. Energy cost of walking and running at extreme
   uphill and downhill slopes. J Appl Physiol 2002;93:1039–1046. doi:10.1152/japplphysiol.01177.2001
.. [2] Otsu N. A threshold selection method from gray-level histograms. IEEE Trans Syst Man Cybern
   1979;9:62–66. doi:10.1109/TSMC.1979.4310076 (the two-class split of the 30 s speed used to find
   interval sessions)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InvalidMethodError
from .grade import grade_from_altitude, plausible_altitude
from .stats import labelled

__all__ = [
    "SEGMENT_KINDS",
    "SEGMENT_COLUMNS",
    "UNITS",
    "MINETTI2002_COEFFICIENTS",
    "GAP_MAX_SPEED_FACTOR",
    "cost_of_running_minetti2002",
    "detect_segments",
    "segment_spans",
    "summarize_spans",
]

SEGMENT_KINDS = ("lap", "split", "steady", "work", "recovery", "climb", "descent")
SEGMENT_COLUMNS = (
    "kind", "label", "start", "end", "duration_s", "distance_m", "pace_s_per_km", "gap_s_per_km",
    "grade_pct", "cadence_spm", "heart_rate_bpm", "contact_time_ms", "flight_time_ms", "duty_factor",
    "contact_time_source",
)
UNITS = {"metric": (1000.0, "km"), "imperial": (1609.344, "mi")}

# Minetti 2002 [1] cost of running Cr(i) [J/kg/m], i from −0.45 to +0.45, highest power first
# (science.md §2.6, §4.3: Cr(0) = 3.6, Cr(+0.10) ≈ 5.97, Cr(−0.10) ≈ 2.15).
MINETTI2002_COEFFICIENTS = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)
MINETTI2002_GRADE_RANGE = (-0.45, 0.45)

# Grade-adjusted speed is at most this multiple of the actual speed [D]: Cr(+0.25)/Cr(0) of Minetti 2002
# (10.7 / 3.6 ≈ 3.0).  A grade steeper than about +25 % counts as +25 % for GAP, so a wrong grade (a
# GPS altitude artefact that got through) cannot make the GAP of a 5:00 /km stretch faster than 1:40 /km,
# and a steep hike cannot claim more than three times its speed.
GAP_MAX_SPEED_FACTOR = 3.0
MIN_PACE_DISTANCE_M = 10.0  # below this a pace is meaningless
# Interval detection [D]
SPEED_WINDOW_S = 30.0
# A unimodal (Gaussian) speed distribution splits with η = 2/π ≈ 0.64; a run/walk mix or GPS noise in the
# corpus reaches 0.78, a real interval session 0.8 and above [D, measured on the shared run files].
INTERVAL_MIN_SEPARABILITY = 0.8
INTERVAL_MIN_WORK_SPEED_MPS = 2.5  # the fast bouts are running
INTERVAL_MIN_SPEED_GAP_MPS = 0.7  # fast and slow cluster means at least this far apart …
INTERVAL_MIN_SPEED_RATIO = 1.2  # … and the fast one at least 20 % faster
INTERVAL_MIN_BLOCK_S = 30.0  # a work bout lasts at least this long
INTERVAL_MERGE_S = 15.0  # blocks shorter than this are absorbed by their neighbours
INTERVAL_MIN_BOUTS = 2
# Steady running [D]
STEADY_MIN_S = 120.0
STEADY_MAX_SPEED_CV = 0.12
STEADY_GAP_S = 10.0  # non-running interruptions shorter than this do not break a steady block
# Climbs and descents [D]
HILL_WINDOW_M = 200.0
HILL_MIN_GRADE_PCT = 3.0
HILL_MIN_LENGTH_M = 200.0
HILL_MIN_GAIN_M = 10.0


def cost_of_running_minetti2002(grade_ratio):
    """Energy cost of running at a grade, Cr(i) [J/kg/m] (Minetti et al. 2002 [1]_).

    Parameters
    ----------
    grade_ratio : array-like  [-]  rise/run, e.g. 0.10 for 10 %

    Returns
    -------
    ndarray or float  [J/kg/m]
        Cr(i) = 155.4i⁵ − 30.4i⁴ − 43.3i³ + 46.3i² + 19.5i + 3.6; NaN outside −0.45…+0.45.

    Examples
    --------
    >>> round(cost_of_running_minetti2002(0.10), 2)
    5.97
    """
    i = np.asarray(grade_ratio, dtype=float)
    lo, hi = MINETTI2002_GRADE_RANGE
    with np.errstate(invalid="ignore"):
        cr = np.where((i >= lo) & (i <= hi), np.polyval(MINETTI2002_COEFFICIENTS, i), np.nan)
    return float(cr) if np.ndim(grade_ratio) == 0 else cr


def _runs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (inclusive) positions of runs of equal consecutive labels."""
    n = len(labels)
    if n == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change - 1, [n - 1]])
    return starts, ends


def _span_sum(cum: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """Σ x[i0..i1] from the cumulative sum of x (vectorised over spans)."""
    before = np.where(i0 > 0, cum[np.maximum(i0 - 1, 0)], 0.0)
    return cum[i1] - before


def summarize_spans(samples: pd.DataFrame, i0, i1, kinds, labels) -> pd.DataFrame:
    """Summarise spans of samples (positions i0…i1 inclusive) into rows of :data:`SEGMENT_COLUMNS`.

    Parameters
    ----------
    samples : pandas.DataFrame
        Cleaned frame with gait columns (``dt_s``, ``distance_m``, ``state``, ``contact_time_ms`` …).
    i0, i1 : array-like of int  first and last sample position of each span
    kinds, labels : sequence of str

    Returns
    -------
    pandas.DataFrame
        ``duration_s`` Σ dt [s] (timer time, standing included); ``distance_m`` [m]; ``pace_s_per_km``
        = 1000·duration/distance; ``gap_s_per_km`` the same over Minetti-equivalent level distance (each
        metre counting at most :data:`GAP_MAX_SPEED_FACTOR` level metres);
        ``grade_pct`` distance-weighted mean (NaN when under half the distance has a grade);
        ``cadence_spm`` time-weighted over moving samples; ``heart_rate_bpm`` time-weighted;
        ``contact_time_ms``, ``flight_time_ms``, ``duty_factor`` time-weighted over running samples with a
        device or model contact time; ``contact_time_source`` the source with the most running time.
    """
    i0 = np.asarray(i0, dtype=int)
    i1 = np.asarray(i1, dtype=int)
    n = len(samples)
    if len(i0) == 0 or n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("kind", "label", "contact_time_source")
                                          else float) for c in SEGMENT_COLUMNS})
    w = samples["dt_s"].to_numpy(dtype=float)
    d = samples["distance_m"].to_numpy(dtype=float)
    inc = np.nan_to_num(np.diff(d, append=d[-1] if n else 0.0))
    state = samples["state"].to_numpy(dtype=object)
    src = samples["contact_time_source"].to_numpy(dtype=object)
    grade = samples["grade_pct"].to_numpy(dtype=float)
    moving = labelled(state, ("running", "walking"))
    running_est = (state == "running") & labelled(src, ("device", "model"))

    def csum(x):
        x = np.asarray(x, dtype=float)
        return np.cumsum(np.where(np.isfinite(x), x, 0.0))  # NaN and ±inf count 0

    def wmean(x, weight):
        ok = np.isfinite(x) & (weight > 0)
        num = _span_sum(csum(np.where(ok, x * weight, 0.0)), i0, i1)
        den = _span_sum(csum(np.where(ok, weight, 0.0)), i0, i1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)

    duration = _span_sum(csum(w), i0, i1)
    distance = _span_sum(csum(inc), i0, i1)
    factor = cost_of_running_minetti2002(np.clip(grade / 100.0, *MINETTI2002_GRADE_RANGE))
    factor = np.where(np.isfinite(factor), factor / MINETTI2002_COEFFICIENTS[-1], 1.0)
    factor = np.minimum(factor, GAP_MAX_SPEED_FACTOR)
    eq_distance = _span_sum(csum(inc * factor), i0, i1)
    known = np.isfinite(grade)
    known_dist = _span_sum(csum(np.where(known, inc, 0.0)), i0, i1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = np.where(distance >= MIN_PACE_DISTANCE_M, 1000.0 * duration / distance, np.nan)
        gap = np.where(eq_distance >= MIN_PACE_DISTANCE_M, 1000.0 * duration / eq_distance, np.nan)
        mean_grade = _span_sum(csum(np.where(known, inc * grade, 0.0)), i0, i1) / known_dist
        mean_grade = np.where(known_dist >= 0.5 * distance, mean_grade, np.nan)
        mean_grade = np.where(distance > 0, mean_grade, np.nan)
    hr = samples["heart_rate_bpm"].to_numpy(dtype=float)
    cadence = samples["cadence_spm"].to_numpy(dtype=float)
    w_run = np.where(running_est, w, 0.0)
    t_dev = _span_sum(csum(np.where((state == "running") & (src == "device"), w, 0.0)), i0, i1)
    t_mod = _span_sum(csum(np.where((state == "running") & (src == "model"), w, 0.0)), i0, i1)
    source = np.where((t_dev == 0) & (t_mod == 0), "none", np.where(t_dev >= t_mod, "device", "model"))
    index = samples.index
    end_pos = np.minimum(i1 + 1, n - 1)
    return pd.DataFrame({
        "kind": list(kinds),
        "label": list(labels),
        "start": index[i0],
        "end": index[end_pos],
        "duration_s": duration,
        "distance_m": distance,
        "pace_s_per_km": pace,
        "gap_s_per_km": gap,
        "grade_pct": mean_grade,
        "cadence_spm": wmean(cadence, np.where(moving, w, 0.0)),
        "heart_rate_bpm": wmean(hr, w),
        "contact_time_ms": wmean(samples["contact_time_ms"].to_numpy(dtype=float), w_run),
        "flight_time_ms": wmean(samples["flight_time_ms"].to_numpy(dtype=float), w_run),
        "duty_factor": wmean(samples["duty_factor"].to_numpy(dtype=float), w_run),
        "contact_time_source": source.astype(object),
    })


def _lap_spans(samples: pd.DataFrame, laps: pd.DataFrame | None) -> list[tuple[int, int, str]]:
    """Spans of the watch's laps, from the ``lap`` column or from the lap start times."""
    if "lap" in samples.columns and samples["lap"].notna().any():
        lap = samples["lap"].to_numpy()
    elif laps is not None and len(laps) > 0 and "start" in laps.columns:
        starts = pd.DatetimeIndex(pd.to_datetime(laps["start"], utc=True)).sort_values()
        lap = np.searchsorted(starts.as_unit("ns").asi8, samples.index.as_unit("ns").asi8, side="right") - 1
        lap = np.maximum(lap, 0)
    else:
        return []
    s, e = _runs(lap)
    return [(int(a), int(b), f"Lap {int(lap[a]) + 1}") for a, b in zip(s, e, strict=True)]


def _split_spans(samples: pd.DataFrame, units: str) -> list[tuple[int, int, str]]:
    """Spans of whole kilometres (or miles) by cumulative distance at the start of each sample."""
    unit_m, name = UNITS[units]
    d = samples["distance_m"].to_numpy(dtype=float)
    if not np.isfinite(d).any() or np.nanmax(d) - np.nanmin(d) <= 0:
        return []
    d = np.nan_to_num(d - np.nanmin(d), nan=0.0)
    idx = np.floor(d / unit_m).astype(int)
    s, e = _runs(idx)
    return [(int(a), int(b), f"{name} {int(idx[a]) + 1}") for a, b in zip(s, e, strict=True)]


def _merge_short_blocks(labels: np.ndarray, t: np.ndarray, min_s: float) -> np.ndarray:
    """Flip blocks shorter than ``min_s`` to the label before them (loops over blocks, not samples)."""
    labels = labels.copy()
    for _ in range(3):
        s, e = _runs(labels)
        end_t = np.append(t[s[1:]], t[-1])
        short = (end_t - t[s]) < min_s
        if not short[1:].any():
            break
        for k in np.flatnonzero(short):
            if k > 0:
                labels[s[k]:e[k] + 1] = labels[s[k] - 1]
    return labels


def _otsu_split(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float] | None:
    """Weighted two-class split of ``x`` maximising the between-class variance (Otsu 1979).

    Returns (cut, mean below, mean above, separability η = between-class / total variance) or None.
    Vectorised over all cut points of the sorted values.
    """
    order = np.argsort(x)
    x, w = x[order], w[order]
    total_w = w.sum()
    if total_w <= 0 or np.ptp(x) <= 0:
        return None
    mean = np.sum(w * x) / total_w
    var = np.sum(w * (x - mean) ** 2) / total_w
    cw = np.cumsum(w)[:-1]
    cx = np.cumsum(w * x)[:-1]
    p = cw / total_w
    with np.errstate(invalid="ignore", divide="ignore"):
        m0 = cx / cw
        m1 = (np.sum(w * x) - cx) / (total_w - cw)
        between = p * (1 - p) * (m1 - m0) ** 2
    between[~np.isfinite(between) | (x[1:] == x[:-1])] = -1.0
    k = int(np.argmax(between))
    if between[k] <= 0:
        return None
    return float(0.5 * (x[k] + x[k + 1])), float(m0[k]), float(m1[k]), float(between[k] / var)


def _interval_and_steady_spans(samples: pd.DataFrame) -> list[tuple[int, int, str, str]]:
    """Work/recovery bouts when the run has an interval structure, else steady running blocks."""
    t = samples["elapsed_s"].to_numpy(dtype=float)
    w = samples["dt_s"].to_numpy(dtype=float)
    state = samples["state"].to_numpy(dtype=object)
    v = samples["speed_mps"].to_numpy(dtype=float)
    active = state != "paused"
    v30 = (pd.Series(np.where(active, v, np.nan), index=samples.index)
           .rolling(pd.Timedelta(seconds=SPEED_WINDOW_S), center=True, min_periods=1).mean()
           .to_numpy(dtype=float))
    ok = active & np.isfinite(v30) & (w > 0)
    spans: list[tuple[int, int, str, str]] = []
    split = _otsu_split(v30[ok], w[ok]) if ok.sum() >= 10 else None
    if split is not None:
        cut, lo_c, hi_c, eta = split
        if (eta >= INTERVAL_MIN_SEPARABILITY and hi_c - lo_c >= INTERVAL_MIN_SPEED_GAP_MPS
                and hi_c >= INTERVAL_MIN_SPEED_RATIO * max(lo_c, 0.1) and hi_c >= INTERVAL_MIN_WORK_SPEED_MPS):
            labels = np.where(np.isfinite(v30) & (v30 >= cut) & active, 1, 0)
            labels = _merge_short_blocks(labels, t, INTERVAL_MERGE_S)
            s, e = _runs(labels)
            end_t = np.append(t[s[1:]], t[-1])
            work = [(a, b) for a, b, et in zip(s, e, end_t, strict=True)
                    if labels[a] == 1 and et - t[a] >= INTERVAL_MIN_BLOCK_S]
            if len(work) >= INTERVAL_MIN_BOUTS:
                for k, (a, b) in enumerate(work):
                    spans.append((int(a), int(b), "work", f"Work {k + 1}"))
                    if k + 1 < len(work) and work[k + 1][0] > b + 1:
                        spans.append((int(b + 1), int(work[k + 1][0] - 1), "recovery", f"Recovery {k + 1}"))
                return spans
    # Steady running: running blocks (short interruptions bridged) with a stable speed.
    running = (state == "running").astype(int)
    s, e = _runs(running)
    end_t = np.append(t[s[1:]], t[-1])
    bridged = running.copy()
    for a, b, et in zip(s, e, end_t, strict=True):
        if running[a] == 0 and et - t[a] < STEADY_GAP_S and a > 0 and b < len(running) - 1:
            bridged[a:b + 1] = 1
    s, e = _runs(bridged)
    end_t = np.append(t[s[1:]], t[-1])
    k = 0
    for a, b, et in zip(s, e, end_t, strict=True):
        if bridged[a] != 1 or et - t[a] < STEADY_MIN_S:
            continue
        vv, ww = v[a:b + 1], w[a:b + 1]
        good = np.isfinite(vv) & (ww > 0)
        if not good.any():
            continue
        mean = np.average(vv[good], weights=ww[good])
        sd = np.sqrt(np.average((vv[good] - mean) ** 2, weights=ww[good]))
        if mean > 0 and sd / mean <= STEADY_MAX_SPEED_CV:
            k += 1
            spans.append((int(a), int(b), "steady", f"Steady {k}"))
    return spans


def _hill_spans(samples: pd.DataFrame) -> list[tuple[int, int, str, str]]:
    """Climbs and descents: ≥ 200 m at a 200 m-window grade of ≥ 3 % (or ≤ −3 %) gaining ≥ 10 m."""
    if not samples["grade_pct"].notna().any():
        return []
    d = samples["distance_m"].to_numpy(dtype=float)
    alt = plausible_altitude(d, samples["altitude_m"].to_numpy(dtype=float))
    g, _ = grade_from_altitude(d, alt, HILL_WINDOW_M)
    g[~np.isfinite(samples["grade_pct"].to_numpy(dtype=float))] = np.nan  # no hill where grade is unknown
    sign = np.where(g >= HILL_MIN_GRADE_PCT, 1, np.where(g <= -HILL_MIN_GRADE_PCT, -1, 0))
    s, e = _runs(sign)
    spans = []
    counts = {1: 0, -1: 0}
    for a, b in zip(s, e, strict=True):
        if sign[a] == 0:
            continue
        b_end = min(b + 1, len(d) - 1)
        length = d[b_end] - d[a]
        gain = alt[b_end] - alt[a]
        if length >= HILL_MIN_LENGTH_M and np.isfinite(gain) and abs(gain) >= HILL_MIN_GAIN_M:
            counts[sign[a]] += 1
            kind = "climb" if sign[a] == 1 else "descent"
            spans.append((int(a), int(b), kind, f"{kind.capitalize()} {counts[sign[a]]}"))
    return spans


def detect_segments(samples: pd.DataFrame, laps: pd.DataFrame | None = None,
                    units: str = "metric") -> pd.DataFrame:
    """All segments of a run: laps, splits, then detected steady/work/recovery, climbs and descents.

    Parameters
    ----------
    samples : pandas.DataFrame
        Cleaned frame with gait columns (:func:`runload.gait.compute_gait`).
    laps : pandas.DataFrame, optional
        ``run.meta.laps`` (used when ``samples`` has no ``lap`` column).
    units : {"metric", "imperial"}
        Split per kilometre or per mile (pace columns stay in s/km).

    Returns
    -------
    pandas.DataFrame
        One row per segment with the columns of :data:`SEGMENT_COLUMNS`, in the order laps, splits,
        steady/work/recovery, climbs/descents (each in time order).

    Raises
    ------
    InvalidMethodError
        ``units`` is not ``metric`` or ``imperial``.
    """
    rows = segment_spans(samples, laps, units)
    if not rows:
        return summarize_spans(samples, [], [], [], [])
    i0, i1, kinds, labels = zip(*rows, strict=True)
    return summarize_spans(samples, i0, i1, kinds, labels)


def segment_spans(samples: pd.DataFrame, laps: pd.DataFrame | None = None,
                  units: str = "metric") -> list[tuple[int, int, str, str]]:
    """The rows :func:`detect_segments` summarises: (first, last sample position, kind, label) each.

    Raises
    ------
    InvalidMethodError
        ``units`` is not ``metric`` or ``imperial``.
    """
    if units not in UNITS:
        raise InvalidMethodError("units", units, tuple(UNITS))
    rows: list[tuple[int, int, str, str]] = []
    if len(samples):
        rows += [(a, b, "lap", lab) for a, b, lab in _lap_spans(samples, laps)]
        rows += [(a, b, "split", lab) for a, b, lab in _split_spans(samples, units)]
        rows += sorted(_interval_and_steady_spans(samples))
        rows += _hill_spans(samples)
    return rows
