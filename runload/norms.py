"""Personal norms learnt from a training log: cadence model, easy speed and contact-time calibration.

:func:`update_norms` reads a training-log store (``runs`` and ``samples``, through a ``sql(query)`` function
such as :meth:`runload.store.Store.sql` or :meth:`runload.store.TrainingLog.sql`) and returns one
:class:`PersonalNorms` per local calendar month that has runs:

- the personal cadence model c_pref(v, i) = b0 + b1·v + b2·i⁺ + b3·i⁻ (science.md §3.2; Huber fit of
  :func:`runload.calibrate.fit_cadence_model`) on the steady running seconds of the **60 days before** the
  month, v 2.2–6 m/s, when there are ≥ 3 runs and ≥ 60 min (else ``None``: the population model);
- the easy-run reference speed v_easy (science.md §3.2 v_easy_med, the v_ref of the load model §2.3): the
  time-weighted median of the level (|i| < 2 %) steady running speed of the **56 days before** the month,
  with the same minimum of data (else ``None``: the default 3.0 m/s);
- the contact-time calibration k̂_ref (science.md §1.5.4, §1.5.8 "calibration from the runner's own log")
  on the log's runs with device contact time (``samples.stance_time_ms``) of one device family (the one
  with the most seconds of device contact time), with the rules of :mod:`runload.calibrate` (level,
  steady, 2.2–6 m/s, ≥ 60 s per run, ≥ 2 runs).

Stable numbers (science.md §2.8, "rebuild the reference at most monthly"): a month's cadence model and easy
speed use only the data BEFORE the month (no look-ahead), so they do not change while the month fills up
and reports and trends are not rescaled with every batch.

Deviations and decisions [D]:

- The calibration uses runs of **all dates**, also later ones: leg stiffness is treated as a property of the
  runner, and device contact time is rare, so a month gets the best calibration the log offers.  It is
  fitted with each second's c_pref from the cadence model of **that second's month**, so k̂ is consistent
  with how the gait model uses it.  science.md §1.5.4 says "refit monthly"; here the calibration is
  refitted only when the set of runs it can use grew by ≥ 20 % (:data:`REFIT_GROWTH`) or lost a run it was
  fitted on (a removed or changed file: its run id changes with its content hash), or when another device
  family now has the most device contact time, so the numbers stay stable rather than move with every
  batch.  "Runs it can use" is the pool of runs of the family with any device contact time (one cheap
  aggregate query, :attr:`PersonalNorms.calibration_pool` at the fit); the exact §1.5.4 rules are applied
  to the pool's seconds only when fitting.
  Only k̂ is fitted (the cadence exponent and the device-equivalence speed term keep the gait model file's
  values); the leg length is the median height the log's runs were analysed with (one runner per log).
- The seconds are the store's analysed samples (:func:`runload.calibrate.calibration_frame`), whose
  ``state`` is the gait's: a second the watch measured as running counts as running (science.md §1.5.8).
  The gait also marks as walking a second whose model has no root, which depends on the profile the run
  was analysed with; at the ≥ 2.2 m/s of these seconds that is rare, and a month's numbers are recomputed
  only when its runs' content changes, so norms do not feed back into themselves.
- The easy speed is the median of the windowed model-input speed (30 s, :func:`runload.gait.model_inputs`)
  of those seconds — the same seconds as the cadence model.
- Memory stays bounded: samples are read one window of runs at a time, never the whole table; a
  calibration over a very long log thins each run's seconds evenly to at most :data:`CAL_MAX_ROWS` in all
  (the model inputs are 30 s averages, so neighbouring seconds carry little new information).

A month is recomputed only when the set of runs (run id and content hash) in its 60-day window changed
versus the ``previous`` norms (:attr:`PersonalNorms.fingerprint`); a new calibration replaces the one of
every month (the cadence model and easy speed do not depend on it).  Months with no personal data at all
(no cadence model, no easy speed, no calibration) get no entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .calibrate import (
    CADENCE_MIN_RUNS,
    CADENCE_MIN_SECONDS,
    CAL_MIN_RUNS,
    calibration_frame,
    device_family,
    fit_stiffness,
    personal_cadence_model,
    usable_seconds,
)
from .errors import RunloadError
from .gait import GAIT_MODEL_ID, cadence_pref
from .history.figures import local_start_times
from .profile import AthleteProfile, Calibration
from .run import Device
from .stats import weighted_median
from .store.tables import sql_string

__all__ = ["PersonalNorms", "update_norms", "norms_for", "month_of", "norm_seconds", "device_seconds",
           "norms_rows", "norms_from_rows", "norms_json", "SAME_CALIBRATION",
           "CADENCE_WINDOW_DAYS", "EASY_WINDOW_DAYS", "REFIT_GROWTH", "NORM_RUN_COLUMNS", "NORM_SAMPLE_COLUMNS"]

CADENCE_WINDOW_DAYS = 60  # science.md §3.2: steady running seconds from the last 60 days
EASY_WINDOW_DAYS = 56  # science.md §3.2: v_easy_med = median level speed over 56 days
REFIT_GROWTH = 0.2  # refit the calibration when its usable runs grew by ≥ 20 % [D, module docstring]
CAL_MAX_ROWS = 400_000  # memory bound of the calibration fit, seconds in all [D]
NORMS_FORMAT = 1  # version of the JSON of PersonalNorms.to_json

_DEFAULT = AthleteProfile()
_SAMPLE_COLUMNS = ("speed_mps", "cadence_spm", "grade_pct", "dt_s", "acceleration_mps2", "state")
#: The columns of the store's ``runs`` and ``samples`` tables :func:`update_norms` reads (a batch computes
#: the same of files not stored yet: :func:`runload.store.rows.norm_input_rows`).
NORM_RUN_COLUMNS = ("run_id", "content_hash", "start_local", "start_utc", "device_manufacturer",
                    "device_product", "height_m")
NORM_SAMPLE_COLUMNS = ("run_id", "time", *_SAMPLE_COLUMNS, "stance_time_ms")
#: The columns of a run's :func:`norm_seconds`.
NORM_SECONDS_COLUMNS = ["speed_mps", "cadence_spm", "grade_pct", "dt_s", "level", "contact_time_device_ms"]


@dataclass(frozen=True)
class PersonalNorms:
    """The personal norms of one local calendar month, learnt from the training log before it.

    Attributes
    ----------
    month : datetime.date  first day of the local calendar month these norms apply to
    cadence_model : (b0, b1, b2, b3) or None
        Personal c_pref = b0 + b1·v + b2·i⁺ + b3·i⁻ [steps/min] (science.md §3.2); ``None``: population model.
    cadence_runs : int  runs with steady running seconds in the 60-day window
    cadence_minutes : float  [min]  their steady running time (what the model was, or would be, fitted on)
    easy_speed_mps : float or None  [m/s]  v_easy (§3.2); ``None``: the default 3.0 m/s
    easy_runs : int  runs with level steady running in the 56-day window
    easy_minutes : float  [min]  their level steady running time
    window_start, window_end : datetime.date  the 60-day data window (``window_end`` = ``month``, exclusive)
    calibration : Calibration or None
        k̂_ref fitted on the log's device contact time (``runs``: run ids; ``device``: device family).
    fingerprint : str  digest of the window's runs (run id + content hash), to know when to recompute
    calibration_pool : int  runs with device contact time of the calibration's family when it was fitted
    gait_model : str  the gait model version (:data:`runload.gait.GAIT_MODEL_ID`) they were fitted with; norms
        of another version are recomputed from scratch (its model inputs and k̂ may mean something else)
    """

    month: date
    cadence_model: tuple[float, float, float, float] | None
    cadence_runs: int
    cadence_minutes: float
    easy_speed_mps: float | None
    easy_runs: int
    easy_minutes: float
    window_start: date
    window_end: date
    calibration: Calibration | None
    fingerprint: str = ""
    calibration_pool: int = 0
    gait_model: str = GAIT_MODEL_ID

    @property
    def key(self) -> str:
        """16 hex digits from the values that change an analysis's numbers (cadence model, easy speed,
        k̂_ref and its exponents); not from the fit date, the run counts or the fingerprint."""
        def r(x):
            return None if x is None else round(float(x), 6)

        cal = self.calibration
        data = {
            "cadence_model": None if self.cadence_model is None else [r(b) for b in self.cadence_model],
            "easy_speed_mps": r(self.easy_speed_mps),
            "calibration": None if cal is None else [r(cal.khat_ref), r(cal.cadence_exponent),
                                                     r(cal.speed_exponent)],
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def apply(self, profile: AthleteProfile | None) -> AthleteProfile:
        """``profile`` filled with these norms where the user set nothing.

        The user's explicit values win: the cadence model is set only when the profile has none, the easy
        speed only when it is the default (3.0 m/s), and the calibration (k̂_ref, cadence exponent, speed
        exponent and the ``calibration`` record) only when the profile has no calibration and k̂_ref and
        both exponents are the defaults (a hand-set k̂ is an explicit value too).  ``None`` stands for the
        default profile.
        """
        profile = profile or AthleteProfile()
        changes: dict = {}
        if profile.cadence_model is None and self.cadence_model is not None:
            changes["cadence_model"] = tuple(self.cadence_model)
        if profile.easy_speed_mps == _DEFAULT.easy_speed_mps and self.easy_speed_mps is not None:
            changes["easy_speed_mps"] = self.easy_speed_mps
        untouched = (profile.calibration is None and profile.khat_ref == _DEFAULT.khat_ref
                     and profile.cadence_exponent == _DEFAULT.cadence_exponent
                     and profile.speed_exponent == _DEFAULT.speed_exponent)
        if untouched and self.calibration is not None:
            cal = self.calibration
            changes.update(khat_ref=cal.khat_ref, cadence_exponent=cal.cadence_exponent,
                           speed_exponent=cal.speed_exponent, calibration=dataclasses.replace(cal))
        return dataclasses.replace(profile, **changes) if changes else profile

    def describe(self, units: str = "metric") -> list[str]:
        """Plain sentences for a report: which norms are the runner's own, and from how much data.

        Parameters
        ----------
        units : {"metric", "imperial"}  how a pace is shown (:mod:`runload.report.units`)
        """
        from .report.units import get_units  # noqa: PLC0415 - display only; imports no plotly

        u = get_units(units)
        month = f"{self.month:%B %Y}"
        last = self.window_end - timedelta(days=1)
        out = []
        if self.cadence_model is not None:
            out.append(f"Cadence norm: yours, fitted on {self.cadence_runs} runs ({self.cadence_minutes / 60:.1f} h) "
                       f"from {_span(self.window_start, last)}.")
        else:
            enough = (self.cadence_runs >= CADENCE_MIN_RUNS and self.cadence_minutes * 60 >= CADENCE_MIN_SECONDS)
            why = ("a fit on your running was not plausible" if enough else
                   f"the {CADENCE_WINDOW_DAYS} days before {month} hold {_runs(self.cadence_runs)} "
                   f"({self.cadence_minutes:.0f} min) of steady running; yours needs ≥ {CADENCE_MIN_RUNS} runs and "
                   f"≥ {CADENCE_MIN_SECONDS / 60:.0f} min")
            out.append(f"Cadence norm: population model ({why}).")
        weeks = EASY_WINDOW_DAYS // 7
        if self.easy_speed_mps is not None:
            out.append(f"Easy pace: yours, {u.format_speed_as_pace(self.easy_speed_mps)}, median level running of "
                       f"{_runs(self.easy_runs)} in the {weeks} weeks before {month}.")
        else:
            out.append(f"Easy pace: default {u.format_speed_as_pace(_DEFAULT.easy_speed_mps)} (the {weeks} weeks "
                       f"before {month} hold {_runs(self.easy_runs)} ({self.easy_minutes:.0f} min) of level "
                       f"running; yours needs ≥ {CADENCE_MIN_RUNS} runs and ≥ {CADENCE_MIN_SECONDS / 60:.0f} min).")
        cal = self.calibration
        if cal is not None:
            err = (f" (typical error ±{cal.residual_sd_ms:.0f} ms on those runs)" if math.isfinite(cal.residual_sd_ms)
                   else "")
            out.append(f"Contact time where the watch did not measure it: estimated, calibrated on "
                       f"{len(cal.runs)} of your runs with {_device_name(cal.device)}{err}.")
        else:
            out.append("Contact time where the watch did not measure it: estimated with the population model "
                       "(no runs of yours with enough device contact time to calibrate on).")
        return out

    def to_json(self) -> str:
        """The norms as JSON (sorted keys; dates ISO; :meth:`from_json` reads it back)."""
        data = dataclasses.asdict(self)
        for k in ("month", "window_start", "window_end"):
            data[k] = data[k].isoformat()
        if data["cadence_model"] is not None:
            data["cadence_model"] = list(data["cadence_model"])
        data["format"] = NORMS_FORMAT
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PersonalNorms:
        """Read :meth:`to_json`'s output.

        Raises
        ------
        RunloadError
            Not JSON, another format, or fields missing or of the wrong type.
        """
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.pop("format", None) != NORMS_FORMAT:
                raise ValueError(f"not personal norms of format {NORMS_FORMAT}")
            for k in ("month", "window_start", "window_end"):
                data[k] = date.fromisoformat(data[k])
            if data["cadence_model"] is not None:
                data["cadence_model"] = tuple(float(b) for b in data["cadence_model"])
                if len(data["cadence_model"]) != 4:
                    raise ValueError("cadence_model needs 4 coefficients")
            if data["calibration"] is not None:
                data["calibration"] = Calibration(**data["calibration"])
            return cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise RunloadError(None, f"bad personal norms JSON: {e}") from e


#: How the store writes a month's calibration when it equals the last month's (the log's calibration is
#: one for every month, and its list of runs grows with the log: written in full in every month's row, a
#: 20,000-run log's norms took ~90 MB and their commit failed under the store's memory limit).
SAME_CALIBRATION = "as in the last month"


def norms_rows(norms: dict[date, PersonalNorms]) -> list[tuple[date, str, str]]:
    """``(month, key, JSON)`` of each month, in month order, as the store's ``norms`` table holds them: a
    calibration equal to the last month's is written as :data:`SAME_CALIBRATION` (:func:`norms_from_rows`
    reads them back)."""
    months = sorted(norms)
    last = norms[months[-1]].calibration if months else None
    rows = []
    for month in months:
        n = norms[month]
        if month != months[-1] and last is not None and n.calibration == last:
            # Serialised without it (the calibration's list of runs is what grows), then marked.
            data = json.loads(dataclasses.replace(n, calibration=None).to_json())
            data["calibration"] = SAME_CALIBRATION
            text = json.dumps(data, sort_keys=True)
        else:
            text = n.to_json()
        rows.append((month, n.key, text))
    return rows


def norms_json(texts: list[str]) -> list[str]:
    """The JSON of each month (in month order) as :meth:`PersonalNorms.to_json` writes it, from the
    store's rows (:func:`norms_rows`: :data:`SAME_CALIBRATION` replaced by the last month's calibration)."""
    if not texts:
        return []
    last = None
    try:
        last = json.loads(texts[-1]).get("calibration")
    except (ValueError, AttributeError):
        pass
    out = []
    for text in texts:
        if SAME_CALIBRATION in text:
            try:
                data = json.loads(text)
            except ValueError:
                out.append(text)
                continue
            if isinstance(data, dict) and data.get("calibration") == SAME_CALIBRATION:
                data["calibration"] = last
                text = json.dumps(data, sort_keys=True)
        out.append(text)
    return out


def norms_from_rows(rows: list[tuple[date, str]]) -> dict[date, PersonalNorms]:
    """Month → PersonalNorms from the store's ``(month, JSON)`` rows in month order (:func:`norms_rows`);
    the months written with :data:`SAME_CALIBRATION` share the last month's Calibration object (a batch
    sends every month's norms with each file: pickled, one calibration is then written once).

    Raises
    ------
    RunloadError
        A row is not personal norms of this format.
    """
    norms, marked = {}, []
    for month, text in rows:
        if SAME_CALIBRATION in text:  # read without the marker; the last month's calibration is put in below
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if isinstance(data, dict) and data.get("calibration") == SAME_CALIBRATION:
                data["calibration"] = None
                text = json.dumps(data)
                marked.append(month)
        norms[month] = PersonalNorms.from_json(text)
    if norms:
        last = norms[max(norms)].calibration
        for month, n in norms.items():
            if month in marked or (last is not None and n.calibration == last):
                norms[month] = dataclasses.replace(n, calibration=last)
    return norms


def month_of(when) -> date | None:
    """First day of the calendar month of ``when`` (a date, datetime or Timestamp; local time), or None."""
    if when is None:
        return None
    try:
        if pd.isna(when):
            return None
    except (TypeError, ValueError):
        pass
    if not isinstance(when, date):  # str, numpy datetime64 …
        when = pd.Timestamp(when)
    return date(when.year, when.month, 1)


def norms_for(norms: dict[date, PersonalNorms], start_local) -> PersonalNorms | None:
    """The norms of the local calendar month a run started in (``start_local``), or ``None``."""
    month = month_of(start_local)
    return None if month is None else norms.get(month)


# --- fitting ----------------------------------------------------------------------------------------------

def update_norms(sql: Callable[[str], pd.DataFrame],
                 previous: dict[date, PersonalNorms] | None = None, *, staged=None,
                 map: Callable | None = None) -> dict[date, PersonalNorms]:  # noqa: A002 - as the builtin
    """Personal norms per local calendar month of a training-log store.

    Parameters
    ----------
    sql : callable
        ``sql(query) -> pandas.DataFrame`` on the store (``Store.sql``, ``TrainingLog.sql``).
    previous : dict, optional
        The norms of the previous batch (month → :class:`PersonalNorms`); months whose window did not change
        keep their cadence model and easy speed, and the calibration is kept unless it is due for a refit
        (module docstring); norms of another gait model version are not reused.
    staged : runload.batch.staging.StagedRuns, optional
        Files not stored yet (a batch's first look at new and changed files), read in place of what the
        store holds for the same sources: its ``runs()`` (a frame of ``source``, :data:`NORM_RUN_COLUMNS`
        and ``device_s``, the seconds with a device contact time of :func:`device_seconds`) and
        ``seconds(run_id)`` (the run's :func:`norm_seconds`), ``seconds_file(run_id)`` (the file holding
        them, or ``None``) and ``read_seconds(file)``.
    map : callable, optional
        ``map(function, items)`` → the results in order, e.g. a process pool's (a batch's workers, idle
        while the norms are learnt): the cadence model and easy speed of the months whose window holds
        only staged runs in files are computed through it, each task reading its runs' files (the same
        numbers as computed here, month by month; issue 10).  Default: here.

    Returns
    -------
    dict
        month (first day, :class:`datetime.date`) → :class:`PersonalNorms`, for every month that has runs
        and any personal data; in month order.
    """
    previous = previous or {}
    if any(n.gait_model != GAIT_MODEL_ID for n in previous.values()):
        previous = {}  # fitted with another gait model: nothing is reused
    runs = _run_table(sql, staged)
    if runs.empty:
        return {}
    months = sorted(set(runs["month"]))
    reader = _Seconds(sql, runs, staged)
    parts: dict[date, dict] = {}
    elsewhere = []  # (month, window, run id → file) computed through ``map``
    for month in months:
        start = month - timedelta(days=CADENCE_WINDOW_DAYS)
        window = runs[(runs["local_date"] >= start) & (runs["local_date"] < month)]
        fingerprint = _digest(sorted(zip(window["run_id"], window["content_hash"], strict=True)))
        prev = previous.get(month)
        if prev is not None and prev.fingerprint == fingerprint:
            parts[month] = {k: getattr(prev, k) for k in (
                "cadence_model", "cadence_runs", "cadence_minutes", "easy_speed_mps", "easy_runs", "easy_minutes")}
        elif map is not None and (files := reader.files(window)) is not None:
            parts[month] = {}
            elsewhere.append((month, window[["run_id", "local_date"]], files))
        else:
            frames = reader.window(window)
            parts[month] = _month_values(frames, window, month)
        parts[month].update(month=month, window_start=start, window_end=month, fingerprint=fingerprint)
    reader.clear()
    if elsewhere:
        tasks = [(month, window, files, staged.read_seconds) for month, window, files in elsewhere]
        for (month, _, _), values in zip(elsewhere, map(_month_task, tasks), strict=True):
            parts[month].update(values)

    calibration, pool = _calibration(reader, runs, parts, previous)
    out = {}
    for month in months:
        p = parts[month]
        if p["cadence_model"] is None and p["easy_speed_mps"] is None and calibration is None:
            continue
        out[month] = PersonalNorms(**p, calibration=calibration, calibration_pool=pool)
    return out


def _month_task(task: tuple) -> dict:
    """:func:`_month_values` of ``(month, window, run id → file, read)``, each run's seconds read from its
    file by ``read`` (in a batch's worker process: :func:`update_norms`'s ``map``)."""
    month, window, files, read = task
    return _month_values({rid: read(path) for rid, path in files.items()}, window, month)


def _month_values(frames: dict[str, pd.DataFrame], window: pd.DataFrame, month: date) -> dict:
    """Cadence model and easy speed of one month from its window's steady seconds."""
    ids = list(window["run_id"])
    model, n_cad, cad_s = personal_cadence_model(frames[r] for r in ids if r in frames)
    easy_start = month - timedelta(days=EASY_WINDOW_DAYS)
    easy_ids = list(window.loc[window["local_date"] >= easy_start, "run_id"])
    level = [f[f["level"]] for f in (frames.get(r) for r in easy_ids) if f is not None]
    level = [f for f in level if f["dt_s"].sum() > 0]
    easy_s = float(sum(f["dt_s"].sum() for f in level))
    easy = None
    if len(level) >= CADENCE_MIN_RUNS and easy_s >= CADENCE_MIN_SECONDS:
        both = pd.concat(level)
        median = weighted_median(both["speed_mps"].to_numpy(float), both["dt_s"].to_numpy(float))
        easy = median if np.isfinite(median) else None
    return {"cadence_model": model, "cadence_runs": n_cad, "cadence_minutes": cad_s / 60.0,
            "easy_speed_mps": easy, "easy_runs": len(level), "easy_minutes": easy_s / 60.0}


def _calibration(reader: _Seconds, runs: pd.DataFrame, parts: dict[date, dict],
                 previous: dict[date, PersonalNorms]) -> tuple[Calibration | None, int]:
    """The log's calibration: the previous one unless due for a refit, else a new fit (or None)."""
    with_tc = runs[runs["device_s"] > 0]
    if with_tc.empty:
        return None, 0
    per_family = with_tc.groupby("family")["device_s"].sum()
    family = str(per_family.sort_values(kind="stable", ascending=False).index[0])
    pool = with_tc[with_tc["family"] == family].sort_values("local_date", kind="stable")
    ids = set(pool["run_id"])
    last = previous[max(previous)] if previous else None
    if last is not None:
        cal, prev_pool = last.calibration, last.calibration_pool
        grew = len(ids) >= (1.0 + REFIT_GROWTH) * prev_pool
        if cal is not None and cal.device == family and set(cal.runs) <= ids and not grew:
            return cal, prev_pool
        if cal is None and prev_pool and not grew:
            return None, prev_pool  # nothing usable then, too little new since
    return _fit_calibration(reader, pool, parts, family, runs), len(ids)


def _fit_calibration(reader: _Seconds, pool: pd.DataFrame, parts: dict[date, dict], family: str,
                     runs: pd.DataFrame) -> Calibration | None:
    budget = max(int(CAL_MAX_ROWS // max(len(pool), 1)), 1)
    used = []
    for month, group in pool.groupby("month", sort=True):
        frames = reader.window(group)
        reader.clear()
        model = parts[month]["cadence_model"]
        for rid in group["run_id"]:
            secs = frames.get(rid)
            if secs is None:
                continue
            use, why_not = usable_seconds(secs)
            if why_not is not None:
                continue
            if len(use) > budget:  # thin evenly, the kept seconds standing for the dropped ones
                step = int(math.ceil(len(use) / budget))
                total = use["dt_s"].sum()
                use = use.iloc[::step]
                use = use.assign(dt_s=use["dt_s"] * (total / use["dt_s"].sum()))
            cp = cadence_pref(use["speed_mps"].to_numpy(float), use["grade_pct"].to_numpy(float), model)
            used.append(use.assign(source=rid, cadence_pref_spm=np.asarray(cp, dtype=float)))
    if len(used) < CAL_MIN_RUNS:
        return None
    heights = runs.loc[runs["run_id"].isin([u["source"].iloc[0] for u in used]), "height_m"].dropna()
    height = float(heights.median()) if len(heights) else _DEFAULT.height_m
    profile = AthleteProfile(height_m=height) if 1.0 <= height <= 2.5 else AthleteProfile()
    return fit_stiffness(pd.concat(used), profile, device=family).calibration


# --- reading the store ------------------------------------------------------------------------------------

def norm_seconds(samples: pd.DataFrame) -> pd.DataFrame:
    """What the norms keep of one run: its steady running seconds (:func:`runload.calibrate.calibration_frame`
    of its samples, the columns :data:`NORM_SECONDS_COLUMNS`).

    Parameters
    ----------
    samples : pandas.DataFrame
        One run's samples (DatetimeIndex) with the columns of :data:`NORM_SAMPLE_COLUMNS` but ``run_id`` and
        ``time``, as the store's ``samples`` table holds them (or :func:`runload.pipeline.gait_samples` of a
        run not stored yet); ``stance_time_ms`` may be missing (no device contact time).
    """
    if "stance_time_ms" not in samples:
        samples = samples.assign(stance_time_ms=np.nan)
    return calibration_frame(samples)[NORM_SECONDS_COLUMNS]


def device_seconds(samples: pd.DataFrame) -> float:
    """Seconds [s] of one run's samples with a device contact time (``stance_time_ms``), as
    :func:`update_norms` weighs device families: ``sum(dt_s)`` over the rows with one and ``dt_s > 0``."""
    if "stance_time_ms" not in samples:
        return 0.0
    dt = samples["dt_s"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        keep = samples["stance_time_ms"].notna().to_numpy() & (dt > 0)
    return float(dt[keep].sum())


def _run_table(sql, staged=None) -> pd.DataFrame:
    """run_id, content_hash, local_date, month, device family, height and device seconds (``device_s``) of
    every dated run: the stored ones (but those of the sources ``staged`` holds) and the staged ones."""
    stored = sql(f"SELECT source, {', '.join(NORM_RUN_COLUMNS)} FROM runs")
    times = sql("SELECT run_id, min(time) AS first_time, max(time) AS last_time, "
                "sum(dt_s) FILTER (WHERE stance_time_ms IS NOT NULL AND dt_s > 0) AS device_s "
                "FROM samples GROUP BY run_id")
    stored = stored.merge(times, on="run_id", how="left")
    parts = [stored]
    if staged is not None:
        new = staged.runs()
        if len(new):
            parts = [stored[~stored["source"].isin(set(new["source"]))], new]
    runs = pd.concat([_dated(p) for p in parts], ignore_index=True)
    runs["device_s"] = pd.to_numeric(runs["device_s"], errors="coerce").fillna(0.0)
    return runs.sort_values(["local_date", "run_id"], kind="stable").reset_index(drop=True)


def _dated(runs: pd.DataFrame) -> pd.DataFrame:
    runs = runs.reset_index(drop=True)
    when = local_start_times(runs) if len(runs) else pd.Series([], dtype="datetime64[ns]")
    runs = runs[when.notna()].copy()
    when = when[when.notna()]
    runs["local_date"] = [d.date() for d in when]
    runs["month"] = [date(d.year, d.month, 1) for d in when]
    runs["family"] = [device_family(Device(m if isinstance(m, str) else None, p if isinstance(p, str) else None))
                      or "unknown" for m, p in zip(runs["device_manufacturer"], runs["device_product"], strict=True)]
    runs["height_m"] = pd.to_numeric(runs["height_m"], errors="coerce")
    return runs


class _Seconds:
    """Each run's :func:`norm_seconds`, read one window of runs at a time (from the staged runs, or from
    the store's samples, the rows pruned by their time) and kept only while the next windows need them."""

    def __init__(self, sql, runs: pd.DataFrame, staged=None):
        self.sql, self.staged, self.cache = sql, staged, {}
        self.bounds = runs.set_index("run_id")[["first_time", "last_time"]]

    def window(self, window: pd.DataFrame) -> dict[str, pd.DataFrame]:
        ids = list(window["run_id"])
        self.cache = {r: f for r, f in self.cache.items() if r in set(ids)}
        missing = [r for r in ids if r not in self.cache]
        stored = []
        for rid in missing:
            secs = self.staged.seconds(rid) if self.staged is not None else None
            if secs is not None:
                self.cache[rid] = secs
            else:
                stored.append(rid)
        if stored:
            bounds = self.bounds.loc[stored].dropna()
            if len(bounds):  # runs with no samples have no bounds, and nothing to read
                # The time predicate lets DuckDB skip the row groups of other runs (stored in time order
                # in a log stored batch after batch): a window reads its own runs' rows, not the table's.
                lo, hi = bounds["first_time"].min(), bounds["last_time"].max()
                cols = ", ".join(NORM_SAMPLE_COLUMNS)
                query = (f"SELECT {cols} FROM samples WHERE run_id IN "
                         f"({', '.join(sql_string(r) for r in bounds.index)}) "
                         f"AND time BETWEEN {_timestamp(lo)} AND {_timestamp(hi)} ORDER BY run_id, time")
                samples = self.sql(query)
                for rid, frame in samples.groupby("run_id", sort=False):
                    self.cache[rid] = norm_seconds(frame.drop(columns="run_id").set_index("time"))
        return {r: self.cache[r] for r in ids if r in self.cache}

    def files(self, window: pd.DataFrame) -> dict | None:
        """Run id → the file of its staged seconds, for every run of ``window``; ``None`` unless there are
        runs and each one is a staged run kept in a file."""
        if self.staged is None or window.empty:
            return None
        out = {}
        for rid in window["run_id"]:
            path = self.staged.seconds_file(rid)
            if path is None:
                return None
            out[rid] = path
        return out

    def clear(self) -> None:
        self.cache = {}


def _timestamp(when) -> str:
    """A TIMESTAMPTZ literal of an instant (a tz-aware Timestamp; naive: UTC)."""
    when = pd.Timestamp(when)
    if when.tzinfo is None:
        when = when.tz_localize("UTC")
    return f"TIMESTAMPTZ '{when.tz_convert('UTC').isoformat()}'"


def _digest(items: Iterable) -> str:
    return hashlib.sha256(json.dumps(list(items), default=str).encode()).hexdigest()[:16]


# --- wording ------------------------------------------------------------------------------------------------

def _span(first: date, last: date) -> str:
    """``2 Sep to 31 Oct 2026`` (the year once when both dates share it)."""
    a = f"{first.day} {first:%b}" + ("" if first.year == last.year else f" {first.year}")
    return f"{a} to {last.day} {last:%b %Y}"


def _runs(n: int) -> str:
    return f"{n} run" + ("" if n == 1 else "s")


_FAMILY_NAMES = {"fr": "Forerunner", "fenix": "Fenix", "epix": "Epix", "vivoactive": "Vivoactive",
                 "venu": "Venu", "instinct": "Instinct", "enduro": "Enduro", "marq": "MARQ"}


def _device_name(family: str | None) -> str:
    """``fr965`` → ``a Forerunner 965``: the device family of :func:`runload.calibrate.device_family`."""
    if not family or family == "unknown":
        return "an unnamed device"
    for prefix, name in _FAMILY_NAMES.items():
        if family.startswith(prefix) and family[len(prefix):].isdigit():
            return f"a {name} {family[len(prefix):]}"
    return f"a {family}"
