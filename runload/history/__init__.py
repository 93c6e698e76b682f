"""History over a training log: per-run figures, the history hints and the final hints of every run.

Entry point: :func:`compute_history` (``sql`` is ``Store.sql`` / ``TrainingLog.sql``) →
:class:`LogHistory`.  Three aggregate SQL queries over ``samples`` grouped by run (never the whole table
in pandas) give the per-run figures (:mod:`runload.history.figures`); the history rules of science.md
§3.3 run on them (:mod:`runload.history.rules`: H1, H3, H4, H6, H7, H8, H9, H10 and the shoe-mileage note
S1), each judging a run only against runs that started before it (no look-ahead), all suppressed while
the history is short (< 4 weeks or < 8 runs, §3.1 rule 6).

Final hints (§3.1 rule 6 over the whole log): the runs are walked in start order; a run's candidates are
its single-run training candidates stored in ``hints`` (``kind = 'training'``, before rate limits) plus
its history candidates; when its history is sufficient the history forms REPLACE the single-run forms of
H1, H4, H6, H7, H8 and H9 (:data:`runload.history.rules.HISTORY_FORMS`; H5 stays single-run), and
:func:`runload.hints.select_hints` picks ≤ 2, with ≤ 3 per 7 days and no repeat within 7 days unless the
tier rises, counting the final hints of the earlier runs.  A run whose history is not sufficient keeps its
single-run selection (``hints.shown``) unchanged; it still counts for the runs after it.  A run without a
start time cannot be placed in the log: it keeps its single-run selection and has no history figures.

Dashboard frames: :mod:`runload.history.frames` (weekly distance/time with the H2 flag, ACWR per week,
spikes vs the recent past, balance trend, shoe mileage) and :func:`daily_group_load` /
:func:`weekly_group_load` (per-group load per day / week).  Dates are LOCAL dates (``start_local``; the UTC
start where the local time is unknown); weeks start on Monday.

Speed: the three queries are single scans of ``samples``; the rules are vectorised over runs (prefix sums
over start-sorted runs).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis import Hint
from ..hints import REPEAT_DAYS, HintHistory, history_is_sufficient, select_hints
from .figures import (
    RUN_COLUMNS,
    daily_group_load,
    daily_volume,
    run_figures,
    run_table,
    weekly_group_load,
    weekly_volume,
)
from .frames import acwr_weekly, balance_trend, shoe_mileage, spike_frame, weekly_summary
from .rules import HISTORY_FORMS, history_candidates, spike_candidates

__all__ = ["LogHistory", "compute_history", "final_hints", "stored_candidates", "run_table", "run_figures",
           "daily_group_load", "weekly_group_load", "daily_volume", "weekly_volume", "weekly_summary",
           "acwr_weekly", "spike_frame", "balance_trend", "shoe_mileage", "history_before", "history_hints",
           "RUN_COLUMNS", "HISTORY_FORMS"]


@dataclass
class LogHistory:
    """What :func:`compute_history` finds over a training log.

    Attributes
    ----------
    figures : pandas.DataFrame
        :func:`runload.history.figures.run_figures`, plus ``sufficient`` (bool: the run's history is long
        enough for history hints).
    candidates : list of (str, Hint)
        Every history-rule hint per run id (``origin = "log"``), in start order.
    final : dict
        run id → the training hints its report shows (≤ 2), in order, single-run and history merged; each
        hint's ``origin`` says which (``"run"``: a single-run rule, ``"log"``: a history rule).
    """

    figures: pd.DataFrame
    candidates: list[tuple[str, Hint]] = field(default_factory=list)
    final: dict[str, list[Hint]] = field(default_factory=dict)


def stored_candidates(sql) -> dict[str, tuple[list[Hint], list[bool]]]:
    """The single-run training candidates stored in ``hints``, per run id, in ``seq`` order.

    Returns
    -------
    dict
        run id → (hints, shown flags: selected when the run was analysed alone).
    """
    from ..store.rows import hints_from_rows

    rows = sql("SELECT * FROM hints WHERE kind = 'training' ORDER BY run_id, seq")
    hints = hints_from_rows(rows)
    flags: dict[str, list[bool]] = {}
    for rid, shown in zip(rows["run_id"].astype(str), rows["shown"], strict=True):
        flags.setdefault(rid, []).append(bool(shown) if shown is not None and shown == shown else True)
    return {rid: (hints[rid], flags[rid]) for rid in hints}


def final_hints(figures: pd.DataFrame, candidates: list[tuple[str, Hint]],
                stored: dict[str, tuple[list[Hint], list[bool]]],
                sufficient: np.ndarray) -> dict[str, list[Hint]]:
    """The §3.1 rule 6 selection over the log, in start order (see the module docstring).

    Parameters
    ----------
    figures : pandas.DataFrame
        Runs in start order (index run id, ``start`` UTC).
    candidates : list of (str, Hint)
        History candidates (:func:`runload.history.rules.history_candidates`).
    stored : dict
        :func:`stored_candidates`.
    sufficient : numpy.ndarray of bool
        Per run of ``figures``: history long enough.

    Returns
    -------
    dict
        As :attr:`LogHistory.final`.
    """
    by_run: dict[str, list[Hint]] = {}
    for rid, hint in candidates:
        by_run.setdefault(rid, []).append(hint)
    final = {}
    shown_rows: deque[tuple[pd.Timestamp, str, str]] = deque()  # the final hints of the last 7 days
    for k, (rid, start) in enumerate(zip(figures.index, figures["start"], strict=True)):
        single, flags = stored.get(rid, ([], []))
        while shown_rows and shown_rows[0][0] <= start - pd.Timedelta(days=REPEAT_DAYS):
            shown_rows.popleft()
        if sufficient[k]:
            pool = [h for h in single if h.id not in HISTORY_FORMS] + by_run.get(rid, [])
            chosen = select_hints(pool, now=start, shown=list(shown_rows))
        else:
            chosen = [h for h, flag in zip(single, flags, strict=True) if flag]
        final[rid] = chosen
        shown_rows.extend((start, h.id, h.severity) for h in chosen)
    for rid, (single, flags) in stored.items():  # runs without a start cannot be placed in the log
        if rid not in final:
            final[rid] = [h for h, flag in zip(single, flags, strict=True) if flag]
    return final


def compute_history(sql) -> LogHistory:
    """Figures, history candidates and the final hints of every run of a training-log store.

    Parameters
    ----------
    sql : callable
        ``sql(query) -> pandas.DataFrame`` (``Store.sql`` / ``TrainingLog.sql``); reads ``runs``,
        ``samples`` (aggregated in SQL), ``muscle_load`` and ``hints``.

    Returns
    -------
    LogHistory
    """
    figures = run_figures(sql)
    candidates, sufficient = history_candidates(figures)
    figures["sufficient"] = sufficient
    final = final_hints(figures, candidates, stored_candidates(sql), sufficient)
    return LogHistory(figures=figures, candidates=candidates, final=final)


# --- run-table helpers kept for callers of the first version ---------------------------------------------

def history_before(runs: pd.DataFrame, start) -> HintHistory | None:
    """The :class:`~runload.hints.HintHistory` for a run starting at ``start``: only runs before it.

    None while the history is too short for load-change hints (< 4 weeks or < 8 runs, §3.1 rule 6).
    """
    start = pd.Timestamp(start)
    before = runs[runs["start"] < start]
    if not history_is_sufficient(before, start):
        return None
    return HintHistory(runs=before[["start", "distance_m", "duration_s"]].reset_index(drop=True))


def history_hints(runs: pd.DataFrame) -> Iterator[tuple[str, Hint]]:
    """H1 (the single-session spike) of every run of :func:`run_table`, in start order, as ``(run_id, hint)``."""
    for rid, hint in spike_candidates(runs):
        hint.origin = "log"
        yield rid, hint
