"""History over a training log (runload.history): the single-session spike H1 over the store, no look-ahead,
suppression for short histories, the daily/weekly figures, and the dashboard's history-hints section.

Expected tiers are science.md §3.3 H1 as written there (Frandsen/Nielsen 2025, Garmin-RUNSAFE):
> 1.10 … 1.30 "small", 1.30 … 2.00 "moderate", > 2.00 "large".
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings

import pandas as pd
import pytest

import runload
from runload.batch import process_log
from runload.history import (
    daily_group_load,
    history_before,
    history_hints,
    run_table,
    weekly_group_load,
    weekly_volume,
)
from runload.store import check_store

T0 = pd.Timestamp("2024-03-04 06:30", tz="UTC")  # a Monday


def log_runs(days_km: list[tuple[float, float]]) -> pd.DataFrame:
    """A store-like ``runs`` frame: one run per (day offset, distance [km]), local time UTC+2."""
    starts = [T0 + pd.Timedelta(days=d) for d, _ in days_km]
    return pd.DataFrame({
        "run_id": [f"r{i:02d}" for i in range(len(days_km))],
        "start_utc": starts,
        "start_local": [s.tz_localize(None) + pd.Timedelta(hours=2) for s in starts],
        "distance_m": [km * 1000 for _, km in days_km],
        "timer_s": [km * 360 for _, km in days_km],
        "elapsed_s": [km * 370 for _, km in days_km],
        "moving_s": [km * 355 for _, km in days_km],
    })


def base_log(n: int = 10, every_days: float = 3.0, km: float = 10.0) -> list[tuple[float, float]]:
    return [(i * every_days, km) for i in range(n)]


def spikes(days_km) -> dict[str, tuple[str, float]]:
    return {rid: (h.severity, h.values["distance_ratio"]) for rid, h in history_hints(run_table(log_runs(days_km)))}


@pytest.mark.parametrize("ratio, tier", [(1.05, None), (1.2, "small"), (1.6, "moderate"), (2.5, "large")])
def test_spike_tier_follows_science_md(ratio, tier):
    days = base_log() + [(30.0, 10.0 * ratio)]  # 10 runs over 27 days, then the run to judge on day 30
    found = spikes(days)
    if tier is None:
        assert found == {}
    else:
        assert list(found) == ["r10"] and found["r10"][0] == tier
        assert found["r10"][1] == pytest.approx(ratio)


def test_spike_needs_four_weeks_and_eight_runs():
    # 10 runs over 3 weeks (first run 21 days before the long one): too short a history.
    assert spikes([(i * 2.0, 10.0) for i in range(10)] + [(21.0, 16.0)]) == {}
    # 5 runs over 6 weeks: too few runs.
    assert spikes([(i * 9.0, 10.0) for i in range(5)] + [(42.0, 16.0)]) == {}
    # Exactly 8 runs over exactly 28 days: enough.
    assert list(spikes([(i * 3.5, 10.0) for i in range(8)] + [(28.0, 16.0)])) == ["r08"]
    # 7 runs over 28 days: one short.
    assert spikes([(i * 4.0, 10.0) for i in range(7)] + [(28.0, 16.0)]) == {}


def test_no_look_ahead():
    days = base_log() + [(30.0, 16.0), (31.0, 30.0)]
    found = spikes(days)
    # r10 is judged against runs before it only (the 30 km a day later does not hide its spike) …
    assert found["r10"] == ("moderate", pytest.approx(1.6))
    # … and r11 against the 16 km before it; the earlier 10 km runs are not flagged by what came later.
    assert found["r11"] == ("moderate", pytest.approx(30 / 16))
    assert set(found) == {"r10", "r11"}
    history = history_before(run_table(log_runs(days)), T0 + pd.Timedelta(days=30))
    assert history.runs["start"].max() < T0 + pd.Timedelta(days=30) and len(history.runs) == 10


def test_spike_window_is_the_previous_30_days():
    # A 20 km run 40 days before is outside the window: 16 km vs the 10 km runs of the last 30 days.
    days = [(0.0, 20.0)] + [(10.0 + i * 3.0, 10.0) for i in range(10)] + [(40.0, 16.0)]
    assert spikes(days) == {"r11": ("moderate", pytest.approx(1.6))}


def test_daily_and_weekly_figures_use_local_dates():
    # 23:30 UTC on a Sunday is 01:30 on Monday local time (UTC+2): the run belongs to the next week.
    runs = log_runs([(0.0, 5.0), (6.7, 8.0)])
    table = run_table(runs)
    assert list(table["local_date"]) == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-11")]
    weekly = weekly_volume(table)
    assert list(weekly.index) == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-11")]
    assert list(weekly["distance_m"]) == [5000.0, 8000.0]
    load = pd.DataFrame({"run_id": ["r00", "r00", "r01", "r01"], "muscle_group": ["calves", "quads"] * 2,
                         "rel_load": [1.0, 2.0, 3.0, 4.0]})
    daily = daily_group_load(load, table)
    assert daily.loc[pd.Timestamp("2024-03-11"), "quads"] == 4.0
    weekly_load = weekly_group_load(load, table)
    assert weekly_load.loc[pd.Timestamp("2024-03-04"), "calves"] == 1.0
    assert weekly_load.loc[pd.Timestamp("2024-03-11"), "calves"] == 3.0


# --- through runload batch ---------------------------------------------------------------------------------

def _sim_file(days: float, keep_share: float) -> bytes:
    """A simulated 30-min easy run moved by ``days`` and cut to its first ``keep_share`` of seconds."""
    from runload.simulate import simulate_run
    from runload.simulate_write import fit_bytes

    sim = simulate_run("easy", seed=int(days) + 1)
    n = int(len(sim.truth) * keep_share)
    laps = sim.laps[sim.laps["first_row"] < n].copy()
    laps.loc[laps.index[-1], ["last_row", "trigger"]] = [n - 1, "session_end"]
    truth = sim.truth.iloc[:n]
    truth = truth.set_axis(truth.index + pd.Timedelta(days=days))
    return fit_bytes(dataclasses.replace(sim, truth=truth, laps=laps, record_mask=sim.record_mask[:n]))


@pytest.fixture(scope="module")
def spike_log(tmp_path_factory):
    """10 runs of ~3.3 km every 3 days, then ~5.4 km on day 30 (≈ 1.6×), then ~3.3 km on day 33."""
    root = tmp_path_factory.mktemp("history")
    log = root / "log"
    log.mkdir()
    plan = [(i * 3.0, 0.625) for i in range(10)] + [(30.0, 1.0), (33.0, 0.625)]
    for days, share in plan:
        (log / f"run_{int(days):02d}.fit").write_bytes(_sim_file(days, share))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = process_log([log], root / "out", jobs=1, progress="none")
    assert summary.analysed == 12 and summary.failed == 0
    return root / "out"


def test_batch_stores_the_spike_of_exactly_that_run(spike_log):
    log = runload.open_log(spike_log)
    hints = log.history_hints
    assert list(hints["hint_id"]) == ["H1"]
    assert hints["source"].iloc[0].endswith("run_30.fit")
    assert hints["severity"].iloc[0] == "moderate"  # 1.30–2.00 (science.md §3.3)
    values = json.loads(hints["values_json"].iloc[0])
    assert 1.5 < values["distance_ratio"] < 1.7
    assert check_store(spike_log) == []


def test_batch_rerun_keeps_one_copy_of_the_history_hints(spike_log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        process_log([spike_log.parent / "log"], spike_log, jobs=1, progress="none")
    assert len(runload.open_log(spike_log).history_hints) == 1


def test_dashboard_lists_the_history_hint_with_its_run_link(spike_log):
    page = (spike_log / "index.html").read_text()
    section = page[page.index('id="history-hints"'):page.index('id="runs"')]
    rows = re.findall(r'<tr class="history-hint">(.*?)</tr>', section, re.S)
    assert len(rows) == 1
    link = re.search(r'href="(runs/[^"]+)"', rows[0]).group(1)
    assert (spike_log / link).is_file() and "2024-06-05" in link  # the day-30 run (local date)
    assert "moderate" in rows[0] and "Longer than your recent longest run" in rows[0]


def test_history_hints_of_a_replaced_file_go_with_it(spike_log, tmp_path):
    import shutil

    from runload.store import open_store

    out = tmp_path / "out"
    shutil.copytree(spike_log, out)
    source = runload.open_log(out).history_hints["source"].iloc[0]
    with open_store(out) as store:
        store.put_skipped(source, "0" * 64, "not a run (test)")  # the file changed: no longer a run
    assert runload.open_log(out).sql("SELECT count(*) AS n FROM history_hints")["n"].iloc[0] == 0
    assert check_store(out) == []
