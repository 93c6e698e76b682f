"""Benchmark: :func:`runload.history.compute_history` on a simulated store of one-hour runs.

Run: ``.venv/bin/python benchmarks/bench_history.py [--runs 250 500 1000]``.  Not a timed test.  For each
size, builds an in-memory store with the schema of :mod:`runload.store.tables` directly in SQL (one run a
day, 3600 samples at 1 Hz with random speed 2.8–4.3 m/s, grade ±10 %, a contact-time balance, 9 load rows,
a gear per 100 runs) and prints the time of ``compute_history`` (best of 2) and how many samples it
aggregated.  Every part is linear in the number of runs (three scans of ``samples``; windows over runs by
prefix sums and binary search), so the time for a log of N runs is extrapolated linearly from the largest
size measured.
"""

from __future__ import annotations

import argparse
import time

import duckdb

from runload.analysis import MUSCLE_GROUPS
from runload.history import compute_history
from runload.store.tables import create_statements


def build(n: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for statement in create_statements():
        con.execute(statement)
    con.execute(f"""INSERT INTO runs (run_id, source, content_hash, session_index, n_sessions, start_utc,
        start_local, distance_m, timer_s, elapsed_s, moving_s, model_versions, profile_hash, n_samples,
        n_segments, n_load_groups, n_hints, runload_version, analysed_at, gear)
      SELECT 'r' || i, 's' || i, 'h', 0, 1, TIMESTAMPTZ '2020-01-01 06:00+00' + i * INTERVAL 1 DAY,
        TIMESTAMP '2020-01-01 07:00' + i * INTERVAL 1 DAY, 10000 + (i % 7) * 1000, 3600, 3600, 3600, '{{}}',
        'p', 3600, 0, 9, 0, 'bench', now(), 'shoe ' || (i // 100)
      FROM range({n}) t(i)""")
    con.execute(f"""INSERT INTO samples BY NAME
      SELECT 'r' || i AS run_id, TIMESTAMPTZ '2020-01-01 06:00+00' + i * INTERVAL 1 DAY + j * INTERVAL 1 SECOND
          AS time, 1.0 AS dt_s, 2.8 + random() * 1.5 AS speed_mps, (random() - 0.5) * 20 AS grade_pct,
        CASE WHEN random() < 0.95 THEN 'running' ELSE 'walking' END AS state, random() < 0.1 AS accelerating,
        49 + random() * 2 AS stance_time_balance_pct
      FROM range({n}) a(i), range(3600) b(j)""")
    groups = ", ".join(f"('{g}')" for g in MUSCLE_GROUPS)
    con.execute(f"INSERT INTO muscle_load (run_id, muscle_group, rel_load) SELECT 'r' || i, g, 80 + random() * 60 "
                f"FROM range({n}) a(i), (VALUES {groups}) v(g)")
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[250, 500, 1000])
    args = parser.parse_args()
    for n in args.runs:
        con = build(n)

        def sql(query, con=con):
            return con.execute(query).df()

        best = float("inf")
        for _ in range(2):
            t = time.perf_counter()
            history = compute_history(sql)
            best = min(best, time.perf_counter() - t)
        print(f"{n} runs ({n * 3600:,} samples): compute_history {best:.2f} s, "
              f"{len(history.candidates)} history candidates; linear estimate for 2000 runs "
              f"{best * 2000 / n:.1f} s")
        con.close()


if __name__ == "__main__":
    main()
