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
    spikes = hints[hints["hint_id"] == "H1"]
    assert len(spikes) == 1  # only the day-30 run is > 1.10 × the longest of its previous 30 days
    hints = spikes
    assert hints["source"].iloc[0].endswith("run_30.fit")
    assert hints["severity"].iloc[0] == "moderate"  # 1.30–2.00 (science.md §3.3)
    values = json.loads(hints["values_json"].iloc[0])
    assert 1.5 < values["distance_ratio"] < 1.7
    assert check_store(spike_log) == []


def test_batch_rerun_keeps_one_copy_of_the_history_hints(spike_log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        process_log([spike_log.parent / "log"], spike_log, jobs=1, progress="none")
    hints = runload.open_log(spike_log).history_hints
    assert len(hints) == len(hints.drop_duplicates(["run_id", "hint_id"])) and list(hints["hint_id"]).count("H1") == 1


def test_dashboard_lists_the_history_hint_with_its_run_link(spike_log):
    page = (spike_log / "index.html").read_text()
    section = page[page.index('id="hint-history"'):page.index('id="runs"')]
    rows = re.findall(r'<tr class="hint-row" data-hint="H1" data-origin="log">(.*?)</tr>', section, re.S)
    assert len(rows) == 1
    link = re.search(r'href="(runs/[^"]+)"', rows[0]).group(1)
    assert (spike_log / link).is_file() and "2024-06-05" in link  # the day-30 run (local date)
    assert "moderate" in rows[0] and "Longer than your recent longest run" in rows[0]


def test_history_hints_of_a_replaced_file_go_with_it(spike_log, tmp_path):
    import shutil

    from runload.store import open_store

    out = tmp_path / "out"
    shutil.copytree(spike_log, out)
    hints = runload.open_log(out).history_hints
    source = hints["source"].iloc[0]
    assert (hints["source"] == source).any()
    with open_store(out) as store:
        store.put_skipped(source, "0" * 64, "not a run (test)")  # the file changed: no longer a run
    left = runload.open_log(out).history_hints
    assert len(left) == (hints["source"] != source).sum() and not (left["source"] == source).any()
    assert check_store(out) == []


# --- the history rules over a store (tests/history_logs.py builds the rows) ---------------------------------
# Expected thresholds are science.md §3.3 as written there; each rule is shown firing on its trigger and
# silent just below it.

from history_logs import T0 as LOG_T0  # noqa: E402
from history_logs import LogBuilder  # noqa: E402

from runload.hints import ANCHOR_PERSONAL, ANCHOR_POPULATION, check_wording  # noqa: E402
from runload.history import compute_history  # noqa: E402
from runload.history.frames import shoe_mileage, spike_frame, weekly_summary  # noqa: E402


def hints_of(history, rid: str, hint_id: str | None = None) -> list:
    return [h for r, h in history.candidates if r == rid and (hint_id is None or h.id == hint_id)]


def ids_of(history, hint_id: str) -> set[str]:
    return {r for r, h in history.candidates if h.id == hint_id}


def base_weeks(b: LogBuilder, n_weeks: int = 6, hill: str | None = None, hill_m: float = 0.0, **kw) -> None:
    """3 runs a week (Mon, Wed, Fri); the Monday run carries ``hill`` (descent_m/ascent_m) = ``hill_m``."""
    for w in range(n_weeks):
        b.add(7 * w, **({hill: hill_m} if hill else {}), **kw)
        b.add(7 * w + 2, **kw)
        b.add(7 * w + 4, **kw)


@pytest.mark.parametrize("hill, rule, grade", [("descent_m", "H7", 0.10), ("ascent_m", "H8", 0.06)])
@pytest.mark.parametrize("each, fires", [(210.0, True), (190.0, False)])
def test_week_of_hills_more_than_twice_the_four_week_mean(hill, rule, grade, each, fires):
    # §3.3 H7/H8: 7-day steep descent (ascent) > 2× the mean weekly of the previous 4 weeks and ≥ 300 m.
    # Previous 4 weeks: 200 m a week; this week 2 × 210 m = 420 m > 400 m fires, 2 × 190 m = 380 m does not
    # (each run alone is ~1× the 30-day maximum, so the single-run branch stays silent).
    b = LogBuilder()
    base_weeks(b, hill=hill, hill_m=200.0, hill_grade=grade)
    first = b.add(42, **{hill: each}, hill_grade=grade)
    second = b.add(44, **{hill: each}, hill_grade=grade)
    history = compute_history(b.sql)
    assert hints_of(history, first, rule) == []  # its 7 days hold only its own ~210 m (< 300 m)
    found = hints_of(history, second, rule)
    assert bool(found) == fires
    assert ids_of(history, rule) == ({second} if fires else set())
    if fires:
        key = "steep_descent" if rule == "H7" else "steep_ascent"
        assert found[0].values[f"{key}_7d_m"] == pytest.approx(420, abs=3)
        assert found[0].values[f"{key}_weekly_mean_4w_m"] == pytest.approx(200, abs=3)


@pytest.mark.parametrize("hill, rule", [("descent_m", "H7"), ("ascent_m", "H8")])
@pytest.mark.parametrize("this_run, fires", [(340.0, True), (320.0, False)])
def test_single_run_hills_more_than_1_5x_the_30_day_max(hill, rule, this_run, fires):
    # §3.3: a single-run descent (ascent) > 1.5× the 30-day maximum single run: 340/220 = 1.55 fires,
    # 320/220 = 1.45 does not; the week (340 m) stays below 2× its 220 m mean.
    b = LogBuilder()
    base_weeks(b, hill=hill, hill_m=220.0, hill_grade=0.06)
    rid = b.add(44, **{hill: this_run}, hill_grade=0.06)
    history = compute_history(b.sql)
    assert ids_of(history, rule) == ({rid} if fires else set())


@pytest.mark.parametrize("minutes, earlier, fires", [(10.0, None, True), (9.5, None, False), (10.0, 30.0, False)])
def test_climb_ten_minutes_after_a_month_without(minutes, earlier, fires):
    # §3.3 H8: ≥ 10 min at i ≥ 0.08 when the last 4 weeks had < 10 min in total.
    b = LogBuilder()
    base_weeks(b)
    if earlier is not None:
        b.add(earlier, climb_min=10.0)  # 10 min of climbing 14 days before: the 4 weeks are not "< 10 min"
    rid = b.add(44, climb_min=minutes)
    history = compute_history(b.sql)
    assert bool(hints_of(history, rid, "H8")) == fires


@pytest.mark.parametrize("fast_min, fires", [(8.0, True), (7.0, False)])
def test_fast_running_spike_needs_z_one_and_ratio_one_and_a_half(fast_min, fires):
    # §3.3 H6: the previous 8 weekly HSR totals alternate 6 and 4 min (mean 5, SD 1.07): 7 min has z = 1.9
    # but a ratio of 1.4 (< 1.5) and does not fire; 8 min (ratio 1.6) does.
    b = LogBuilder()
    for w in range(10):
        b.add(7 * w, fast_min=4.0 if w % 2 == 0 else 6.0)
        b.add(7 * w + 2)
        b.add(7 * w + 4)
    b.add(70)
    rid = b.add(73, fast_min=fast_min)
    history = compute_history(b.sql)
    assert 3.0 < history.figures.loc[rid, "v_fast_mps"] < 4.5  # 1.15 × the easy 3.0 m/s (§3.2)
    assert history.figures.loc[rid, "hsr_s"] == pytest.approx(fast_min * 60)
    found = hints_of(history, rid, "H6")
    assert bool(found) == fires
    if fires:
        assert not found[0].values["first_after_gap"]
        assert found[0].groups == ["hamstrings", "hip_flexors"]


@pytest.mark.parametrize("gap_days, fires", [(22, True), (20, False)])
def test_first_fast_session_after_21_days(gap_days, fires):
    # §3.3 H6: the first HSR session after ≥ 21 days without any (here below the 8-week mean, so the
    # z-score branch cannot fire).
    b = LogBuilder()
    for w in range(7):
        b.add(7 * w, fast_min=8.0)
        b.add(7 * w + 2)
        b.add(7 * w + 4)
    last = 42
    for d in range(last + 2, last + gap_days, 2):
        b.add(d)
    rid = b.add(last + gap_days, fast_min=5.0)
    found = hints_of(compute_history(b.sql), rid, "H6")
    assert bool(found) == fires
    if fires:
        assert found[0].values["first_after_gap"]


@pytest.mark.parametrize("calves, fires", [(135.0, True), (125.0, False)])
def test_calves_load_above_1_3x_the_30_day_max(calves, fires):
    # §3.3 H9: the run's calves L_g ≥ 1.3× the 30-day maximum single-session calves L_g (100 here).
    b = LogBuilder()
    base_weeks(b, samples=False)
    rid = b.add(44, loads={"calves": calves}, samples=False)
    history = compute_history(b.sql)
    assert ids_of(history, "H9") == ({rid} if fires else set())


def test_calves_note_rides_on_the_spike_as_one_message():
    # §3.3 H9 "piggyback on H1 (one message)": a long run flagged by H1 carries the calves note and no
    # separate H9, even with calves ≥ 1.3×.
    b = LogBuilder()
    base_weeks(b, samples=False)
    rid = b.add(44, km=8.0, loads={"calves": 150.0}, samples=False, moving_min=80)
    found = hints_of(compute_history(b.sql), rid)
    assert [h.id for h in found] == ["H1"] and found[0].groups == ["calves"]


@pytest.mark.parametrize("quads, fires", [(155.0, True), (145.0, False)])
def test_group_load_spike_reports_the_top_group_only(quads, fires):
    # §3.3 H10: 7-day L_g ÷ mean of the previous 4 weekly L_g ≥ 1.5; previous weeks 3 × 100 = 300:
    # 3 × 155 = 465 (1.55) fires, 3 × 145 = 435 (1.45) does not.  Hamstrings at 152 also pass, but only
    # the top group is reported.
    b = LogBuilder()
    base_weeks(b, samples=False)
    loads = {"quadriceps": quads, "hamstrings": 152.0 if fires else 100.0}
    rids = [b.add(d, loads=loads, samples=False) for d in (42, 44, 46)]
    history = compute_history(b.sql)
    assert ids_of(history, "H10") == ({rids[2]} if fires else set())
    if fires:
        (hint,) = hints_of(history, rids[2], "H10")
        assert hint.groups == ["quadriceps"] and hint.values["group_load_ratio"] == pytest.approx(1.55)


def _ewma_ratio(daily_km: pd.Series) -> pd.Series:
    """EWMA acute:chronic of Williams et al. 2017 with λ = 2/(N+1), N = 7 and 28, starting from 0."""
    padded = pd.concat([pd.Series([0.0]), daily_km.reset_index(drop=True)])
    acute = padded.ewm(alpha=2 / 8, adjust=False).mean().iloc[1:]
    chronic = padded.ewm(alpha=2 / 29, adjust=False).mean().iloc[1:]
    return pd.Series((acute / chronic).to_numpy(), index=daily_km.index)


def _acwr_log(scale: float, big_from_week: int = 8) -> tuple[LogBuilder, list[str], pd.Series]:
    b = LogBuilder()
    for w in range(big_from_week):
        for d in (0, 2, 4):
            b.add(7 * w + d, km=6.0 * scale, samples=False)
    big = [b.add(7 * big_from_week + d, km=12.0 * scale, samples=False) for d in range(7)]
    days = pd.date_range(LOG_T0.normalize().tz_localize(None), periods=7 * big_from_week + 7, freq="D")
    km = pd.Series(0.0, index=days)
    for w in range(big_from_week):
        km.iloc[[7 * w, 7 * w + 2, 7 * w + 4]] = 6.0 * scale
    km.iloc[7 * big_from_week:] = 12.0 * scale
    return b, big, _ewma_ratio(km)


def test_acwr_above_one_and_a_half_with_enough_chronic_load():
    # §3.3 H3: EWMA-ACWR on distance > 1.5, with chronic ≥ 10 km/week and ≥ 6 weeks of data.  18 km/week
    # for 8 weeks, then 12 km a day: the ratio (computed here with pandas' EWMA) passes 1.5 in that week.
    b, big, expected = _acwr_log(1.0)
    history = compute_history(b.sql)
    fired = ids_of(history, "H3")
    assert fired and fired <= set(big)
    first_day = 56 + big.index(min(fired))
    assert expected.iloc[first_day] > 1.5 and expected.iloc[first_day - 1] <= 1.5 or first_day == 56
    (hint,) = hints_of(history, min(fired), "H3")
    assert hint.values["acwr_distance"] == pytest.approx(expected.iloc[first_day], rel=1e-6)
    assert hint.values["chronic_km_per_week"] >= 10
    text = hint.message.lower()
    assert "load change vs your recent average" in text and "risk" not in text and "sweet spot" not in text


def test_acwr_is_silent_below_ten_km_a_week_or_six_weeks():
    # The same shape at 0.2× the distance (3.6 km/week, at most 8.8 km/week in the big week) has the same
    # ratios but chronic < 10 km/week; the same shape after only 5 weeks of log has < 6 weeks of data.
    b, _, _ = _acwr_log(0.2)
    assert ids_of(compute_history(b.sql), "H3") == set()
    b, _, expected = _acwr_log(1.0, big_from_week=5)
    assert expected.iloc[35:].max() > 1.5  # the ratio itself is high
    assert ids_of(compute_history(b.sql), "H3") == set()


@pytest.mark.parametrize("shifted, fires", [(51.6, True), (51.4, False)])
def test_balance_shift_of_one_point_on_three_consecutive_runs(shifted, fires):
    # §3.3 H4: the run's median |b − 50| exceeds the 8-week median by ≥ 1.0 percentage point on ≥ 3
    # consecutive runs.  Baseline 50.5 % (0.5 points): 51.6 % (1.1 points more) fires on the third run
    # only; 51.4 % (0.9) never.
    b = LogBuilder()
    base_weeks(b, n_weeks=4, balance=50.5)
    rids = [b.add(d, balance=shifted) for d in (28, 30, 32)]
    history = compute_history(b.sql)
    assert ids_of(history, "H4") == ({rids[2]} if fires else set())


@pytest.mark.parametrize("balance, fires", [(52.5, True), (47.5, True), (52.1, False)])
def test_balance_in_the_red_zone_on_three_runs(balance, fires):
    # §3.3 H4: median b in Garmin's red zone (> 52.2 % either side) on ≥ 3 runs, even when it is the
    # runner's usual balance; never on the absolute band alone below it.
    b = LogBuilder()
    base_weeks(b, n_weeks=5, balance=balance)
    history = compute_history(b.sql)
    found = [h for _, h in history.candidates if h.id == "H4"]
    assert bool(found) == fires
    assert all(h.values["red_zone"] for h in found)


def test_shoe_mileage_note_once_when_a_gear_passes_the_threshold():
    b = LogBuilder()
    rids = [b.add(2 * i, km=20.0, speed=4.0, gear="Trail shoe", samples=False) for i in range(42)]
    b.add(85, km=30.0, samples=False)  # no gear: not counted
    history = compute_history(b.sql)
    # 40 × 20 km = 800 km, the documented threshold (≈ 500 miles, Cook et al. 1985).
    assert ids_of(history, "S1") == {rids[39]}
    (hint,) = hints_of(history, rids[39], "S1")
    assert hint.values["gear_distance_km"] == pytest.approx(800)
    table = shoe_mileage(history.figures)
    assert table.loc["Trail shoe", "distance_km"] == pytest.approx(840)
    assert table.loc["Trail shoe", "passed_on"] == history.figures.loc[rids[39], "local_date"]


def _mixed_log(extra_weeks: int = 0) -> LogBuilder:
    """Eight weeks with every rule's trigger somewhere, then ``extra_weeks`` of bigger running."""
    b = LogBuilder()
    for w in range(8):
        b.add(7 * w, descent_m=100.0 * (w % 3), fast_min=2.0 * (w % 4), balance=50.5 + 0.4 * (w % 5))
        b.add(7 * w + 2, km=6.0 + w, ascent_m=50.0 * w, loads={"calves": 100 + 10 * w})
        b.add(7 * w + 4, climb_min=11.0 if w == 6 else 0.0, loads={"quadriceps": 100 + 30 * (w % 2)})
    for w in range(8, 8 + extra_weeks):
        for d in (0, 1, 2, 3, 5):
            b.add(7 * w + d, km=15.0, descent_m=400.0, fast_min=12.0, speed=3.5,
                  loads={g: 300.0 for g in ("calves", "quadriceps")})
    return b


def test_no_look_ahead_later_runs_change_nothing_before_them():
    short = compute_history(_mixed_log().sql)
    long = compute_history(_mixed_log(extra_weeks=3).sql)
    early = set(short.figures.index)
    assert long.figures.index[: len(early)].tolist() == short.figures.index.tolist()

    def view(history):
        return [(r, h.id, h.severity, h.values) for r, h in history.candidates if r in early]

    assert view(long) == view(short) and view(short)
    cols = ["v_easy_mps", "v_fast_mps", "hsr_m", "steep_descent_m", "balance_offset_pct"]
    pd.testing.assert_frame_equal(long.figures.loc[short.figures.index, cols], short.figures[cols])
    assert {r: [h.id for h in hs] for r, hs in long.final.items() if r in early} == \
        {r: [h.id for h in hs] for r, hs in short.final.items()}


@pytest.mark.parametrize("plan", [
    [(i * 5.0, 6.0) for i in range(7)],  # 7 runs over 30 days: one run short
    [(i * 2.0, 6.0) for i in range(12)],  # 12 runs over 22 days: under 4 weeks
])
def test_short_history_suppresses_every_history_rule(plan):
    b = LogBuilder()
    for day, km in plan:
        b.add(day, km=km, hints=[("H5", "tier 1", True), ("H7", "info", False), ("Q1", "info", True)])
    rid = b.add(plan[-1][0] + 2, km=25.0, descent_m=900.0, fast_min=20.0, climb_min=15.0, balance=54.0,
                loads={g: 400.0 for g in ("calves", "quadriceps")}, gear="shoe",
                hints=[("H7", "info", True), ("H6", "info", True), ("H5", "tier 1", False)])
    history = compute_history(b.sql)
    assert history.candidates == []
    assert not history.figures["sufficient"].any()
    # the single-run selection (hints.shown) is kept as it is, quality hints aside
    assert [h.id for h in history.final[rid]] == ["H7", "H6"]
    assert all(history.final[rid][i].origin == "run" for i in range(2))
    assert all([h.id for h in hs] == ["H5"] for r, hs in history.final.items() if r != rid)


def test_rate_limits_across_single_run_and_history_hints():
    # §3.1 rule 6: ≤ 2 hints per run, ≤ 3 per 7 days, no repeat within 7 days unless the tier rises; the
    # history forms replace the stored single-run H6/H7 once the history is sufficient, H5 stays.
    b = LogBuilder()
    stored = [("H5", "tier 1", True), ("H7", "info", True), ("H6", "info", False), ("Q2", "info", True)]
    for w in range(6):
        for d in (0, 2, 4):
            b.add(7 * w + d, hints=stored)
    spike = b.add(43, km=13.0, descent_m=700.0, hints=stored)  # H1 large (> 2×) and the history H7
    later = [b.add(d, hints=[("H5", "tier 2" if d == 54 else "tier 1", True)]) for d in (50, 52, 54)]
    history = compute_history(b.sql)
    fig = history.figures
    assert [h.id for h in history.final[spike]] == ["H1", "H7"]
    assert history.final[spike][0].severity == "large"
    assert [history.final[spike][i].origin for i in range(2)] == ["log", "log"]
    # day 50: the spike's hints are 7 days old; day 52: the same H5 within 7 days is not repeated;
    # day 54: its tier rose, so it is shown again
    assert [(h.id, h.severity) for h in history.final[later[0]]] == [("H5", "tier 1")]
    assert history.final[later[1]] == []
    assert [(h.id, h.severity) for h in history.final[later[2]]] == [("H5", "tier 2")]
    times = fig["start"]
    shown = [(times[r], h) for r, hs in history.final.items() for h in hs]
    for rid, hs in history.final.items():
        assert len(hs) <= 2 and all(not h.id.startswith("Q") for h in hs)
        if not fig.loc[rid, "sufficient"]:
            assert [h.id for h in hs] == ["H5", "H7"]  # its own selection, unchanged
            continue
        assert all(not (h.id in ("H6", "H7") and h.origin == "run") for h in hs)
        t = times[rid]
        week = [h for s, h in shown if t - pd.Timedelta(days=7) < s <= t]
        assert not hs or len(week) <= 3  # the unchanged selections before the history was sufficient
        # may fill a week by themselves; then nothing more is shown
        for h in hs:  # no repeat within 7 days unless the tier rose
            before = [x for s, x in shown if t - pd.Timedelta(days=7) < s < t and x.id == h.id]
            assert all(x.severity != h.severity for x in before)


def test_every_history_message_follows_the_wording_rules():
    history = compute_history(_mixed_log(extra_weeks=3).sql)
    b = LogBuilder()
    for i in range(42):
        b.add(2 * i, km=20.0, gear="shoe", samples=False)
    candidates = history.candidates + compute_history(b.sql).candidates
    assert {h.id for _, h in candidates} >= {"H1", "H3", "H6", "H7", "H10", "S1"}
    for _, h in candidates:
        check_wording(h.message)
        assert ANCHOR_PERSONAL in h.message or (h.id == "S1" and ANCHOR_POPULATION in h.message)
        assert h.origin == "log"


def test_weekly_summary_flags_more_than_30_percent_with_10_km_before():
    # §3.3 H2 (weekly summary only): > 30 % more than the previous week, with ≥ 10 km that week.
    b = LogBuilder()
    for w, km in enumerate([10.0, 13.5, 13.5, 9.0, 13.0, 16.8, 22.0]):
        b.add(7 * w, km=km, speed=2.5, samples=False)
    figures = compute_history(b.sql).figures
    weeks = weekly_summary(figures)
    assert weeks["h2"].tolist() == [False, True, False, False, False, False, True]
    assert weeks["change_ratio"].iloc[1] == pytest.approx(0.35)
    # every run against the longest of its previous 30 days (H1's figure): 13.5 / 10 = 1.35 is "moderate"
    spikes = spike_frame(figures)
    assert spikes["ratio"].iloc[1] == pytest.approx(1.35) and spikes["tier"].iloc[1] == "moderate"
    assert pd.isna(spikes["tier"].iloc[2]) and pd.isna(spikes["ratio"].iloc[0])


def test_a_run_without_a_start_keeps_its_single_run_selection():
    b = LogBuilder()
    base_weeks(b, samples=False, hints=[("H5", "tier 1", True)])
    rid = b.add(44, samples=False, hints=[("H8", "info", True), ("H5", "tier 1", False)])
    b.con.execute("UPDATE runs SET start_utc = NULL, start_local = NULL WHERE run_id = ?", [rid])
    history = compute_history(b.sql)
    assert rid not in history.figures.index
    assert [h.id for h in history.final[rid]] == ["H8"] and history.final[rid][0].origin == "run"
