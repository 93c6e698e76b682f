"""The batch's second pass: personal norms, the hints over the log, and which files to analyse again.

After the first pass has stored every new or changed file (:func:`runload.batch.process_log`):

1. :func:`learn_norms` fits the personal norms of every month from the store
   (:func:`runload.norms.update_norms`) and stores them when they changed.
2. :func:`log_history` evaluates the history rules over the whole log and the rate limits across a run's
   single-run and history hints (:func:`runload.history.compute_history`), and stores both.
3. :func:`stale_sources` names the files to read and analyse again: a run analysed with other personal
   norms than its month's now, or whose report is missing or shows other hints or norms than the final
   ones (``runs.report_key`` against :func:`runload.store.report_key`).

The engine analyses those files again with the norms, writes their reports with the final hints, stores
them again when their norms changed, and repeats 2–3 (at most :data:`MAX_ROUNDS` times) while that
changed the store: a run's loads depend on its norms, and the history rules read the loads.  The norms
themselves do not depend on any analysis result (they are fitted on speed, cadence, grade and the device's
contact time), so the rounds converge: the second round can only re-render reports.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .names import report_name

__all__ = ["learn_norms", "log_history", "history_rules", "stale_sources", "MAX_ROUNDS"]

#: Rounds of (history → files to refresh → analyse again) after the first pass.
MAX_ROUNDS = 3


def learn_norms(store, previous: dict, staged=None, map=None) -> dict:  # noqa: A002 - as the builtin
    """The personal norms of every month of the log (month → PersonalNorms), stored when they changed.

    Parameters
    ----------
    store : runload.store.Store
    previous : dict
        The norms the store held before this batch (:meth:`runload.store.Store.norms`).
    staged : runload.batch.staging.StagedRuns, optional
        The files this batch's first look read and has not stored yet, read in place of what the store
        holds for them; cleared once the norms are learnt.
    map : callable, optional
        ``map(function, items)`` on the batch's workers (:func:`runload.norms.update_norms`).
    """
    from ..norms import update_norms

    norms = update_norms(store.sql, previous, staged=staged, map=map)
    if staged is not None:
        staged.clear()
    if {m: n.to_json() for m, n in norms.items()} != {m: n.to_json() for m, n in previous.items()}:
        store.put_norms(norms)
    return norms


def log_history(store):
    """Evaluate the history rules and the rate limits over the whole log and store the hints.

    Returns
    -------
    runload.history.LogHistory
    """
    from ..history import compute_history

    history = compute_history(store.sql)
    store.put_history_hints(history.candidates, history.final)
    return history


def history_rules(history) -> dict[str, tuple[str, ...]]:
    """Run id → the history rules evaluated for it (every history form, once its history is sufficient)."""
    from ..history import HISTORY_FORMS

    figures = history.figures
    if figures is None or not len(figures) or "sufficient" not in figures:
        return {}
    return {str(rid): tuple(HISTORY_FORMS) for rid in figures.index[figures["sufficient"].to_numpy(bool)]}


def stale_sources(store, norms: dict | None, final: dict | None, reports_dir: Path | None,
                  rules: dict | None = None) -> dict[str, set]:
    """The files whose runs must be analysed again, with why (``"norms"``, ``"report"``).

    Parameters
    ----------
    store : runload.store.Store
    norms : dict or None
        Month → PersonalNorms (``None``: personal norms are off; runs analysed with norms count as stale).
    final : dict or None
        Run id → the training hints its report must show (:attr:`LogHistory.final`, which holds every run
        with a training hint to show); a run not in it shows none.
    reports_dir : pathlib.Path or None
        ``OUTDIR/runs``; ``None`` when the batch writes no reports.
    rules : dict, optional
        Run id → the history rules evaluated for it (:func:`history_rules`).
    """
    from ..norms import norms_for
    from ..store import report_key

    runs = store.sql("SELECT run_id, source, name, start_local, session_index, model_versions, norms_key, "
                     "report_key FROM runs")
    out: dict[str, set] = {}
    for r in runs.itertuples(index=False):
        start = None if pd.isna(r.start_local) else pd.Timestamp(r.start_local)
        want = norms_for(norms, start) if norms else None
        want_key = want.key if want is not None else None
        have_key = None if pd.isna(r.norms_key) else r.norms_key
        if want_key != have_key:
            out.setdefault(r.source, set()).add("norms")
        if reports_dir is None:
            continue
        hints = (final or {}).get(r.run_id, [])
        key = report_key(r.run_id, r.model_versions, want, hints, (rules or {}).get(r.run_id, ()))
        if key != r.report_key or not (reports_dir / report_name(r.run_id, r.source, r.name, start,
                                                                 r.session_index)).is_file():
            out.setdefault(r.source, set()).add("report")
    return out
