"""Training-log stores built row by row for the history tests (runload.history).

A :class:`LogBuilder` writes the store's tables directly (DuckDB in memory, the schema of
runload.store.tables), so a test controls every figure a history rule reads: a run's distance, its
samples in coarse 10-second blocks (level easy running, steep descent/ascent, climbs, fast running, a
contact-time balance), its per-group ``rel_load`` and its stored single-run hint candidates.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from runload.analysis import MUSCLE_GROUPS
from runload.store.tables import create_statements

T0 = pd.Timestamp("2024-01-01 06:30", tz="UTC")  # a Monday
DT = 10.0  # seconds per sample


class LogBuilder:
    """Rows of a store; :meth:`sql` is what :func:`runload.history.compute_history` takes."""

    def __init__(self):
        self.con = duckdb.connect()
        for statement in create_statements():
            self.con.execute(statement)
        # Schema v3 columns (no-ops once runload.store.tables has them).
        self.con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS gear VARCHAR")
        self.con.execute("ALTER TABLE hints ADD COLUMN IF NOT EXISTS kind VARCHAR")
        self.con.execute("ALTER TABLE hints ADD COLUMN IF NOT EXISTS shown BOOLEAN")
        self.n = 0

    def sql(self, query: str) -> pd.DataFrame:
        return self.con.execute(query).df()

    def add(self, day: float, km: float = 6.0, *, speed: float = 3.0, descent_m: float = 0.0,
            ascent_m: float = 0.0, hill_grade: float = 0.10, climb_min: float = 0.0, fast_min: float = 0.0,
            fast_speed: float = 4.5, balance: float | None = None, loads: dict | None = None,
            gear: str | None = None, hints: list[tuple[str, str, bool]] = (), samples: bool = True,
            moving_min: float | None = None) -> str:
        """One run ``day`` days after :data:`T0`; returns its run id.

        ``descent_m``/``ascent_m``: vertical metres on ±``hill_grade`` at 3 m/s; ``climb_min``: minutes at
        +10 % grade; ``fast_min``: minutes of level running at ``fast_speed``; the rest level running at
        ``speed`` up to ``km``.  ``loads``: group → rel_load (default 100 for every group).  ``hints``:
        stored single-run candidates (hint id, severity, shown).
        """
        rid = f"r{self.n:03d}"
        self.n += 1
        start = T0 + pd.Timedelta(days=day)
        blocks = []  # (n samples, speed, grade %)
        if descent_m:
            blocks.append((int(round(descent_m / (3.0 * hill_grade * DT))), 3.0, -100 * hill_grade))
        if ascent_m:
            blocks.append((int(round(ascent_m / (3.0 * hill_grade * DT))), 3.0, 100 * hill_grade))
        if climb_min:
            blocks.append((int(round(climb_min * 60 / DT)), 3.0, 10.0))
        if fast_min:
            blocks.append((int(round(fast_min * 60 / DT)), fast_speed, 0.0))
        done = sum(n * v * DT for n, v, _ in blocks)
        blocks.append((max(0, int(round((km * 1000 - done) / (speed * DT)))), speed, 0.0))
        speeds = np.concatenate([np.full(n, v) for n, v, _ in blocks])
        grades = np.concatenate([np.full(n, g) for n, _, g in blocks])
        distance = float((speeds * DT).sum())
        moving_s = len(speeds) * DT if moving_min is None else moving_min * 60
        if samples and len(speeds):
            frame = pd.DataFrame({
                "run_id": rid, "time": start + pd.to_timedelta(np.arange(len(speeds)) * DT, unit="s"),
                "dt_s": DT, "speed_mps": speeds, "grade_pct": grades, "state": "running", "accelerating": False,
                "stance_time_balance_pct": np.nan if balance is None else balance})
            self.con.register("frame", frame)
            self.con.execute("INSERT INTO samples BY NAME SELECT * FROM frame")
            self.con.unregister("frame")
        self.con.execute(
            "INSERT INTO runs (run_id, source, content_hash, session_index, n_sessions, start_utc, start_local, "
            "distance_m, timer_s, elapsed_s, moving_s, model_versions, profile_hash, n_samples, n_segments, "
            "n_load_groups, n_hints, runload_version, analysed_at, gear) "
            "VALUES (?, ?, 'h', 0, 1, ?, ?, ?, ?, ?, ?, '{}', 'p', ?, 0, 0, 0, 'test', now(), ?)",
            [rid, f"{rid}.fit", start.to_pydatetime(), (start + pd.Timedelta(hours=1)).tz_localize(None)
             .to_pydatetime(), distance, moving_s, moving_s, moving_s, len(speeds), gear])
        for group in MUSCLE_GROUPS:
            value = (loads or {}).get(group, 100.0)
            self.con.execute("INSERT INTO muscle_load (run_id, muscle_group, rel_load) VALUES (?, ?, ?)",
                             [rid, group, value])
        for seq, (hint_id, severity, shown) in enumerate(hints):
            kind = "quality" if hint_id.startswith("Q") else "training"
            self.con.execute(
                "INSERT INTO hints (run_id, seq, hint_id, title, severity, evidence, evidence_label, groups, "
                "values_json, message, tips, kind, shown) VALUES (?, ?, ?, ?, ?, 'D', 'model-based', [], ?, ?, "
                "[], ?, ?)", [rid, seq, hint_id, f"single-run {hint_id}", severity, json.dumps({}),
                              f"stored {hint_id}", kind, shown])
        return rid

    def weeks(self, n_weeks: int, days=(0, 2, 4), first_week: int = 0, **kw) -> list[str]:
        """Runs on ``days`` of each of ``n_weeks`` weeks from ``first_week`` (same figures)."""
        return [self.add(7 * w + d, **kw) for w in range(first_week, first_week + n_weeks) for d in days]
