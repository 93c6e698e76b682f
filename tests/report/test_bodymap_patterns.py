"""Issue 11, "done when": the body map of simulated runs shows distinct patterns, read from the FIGURE.

Simulated runs (runload.simulate, known ground truth) are written as FIT, read and analysed like a real
file; the test then reads only the fill colours of the body map's default view (per km against the
runner's easy running) and compares them with the colours the same figure gives groups whose intensity
is set to a known value (an edited copy of the report tests' analysis).  What physiology says
(science.md §2.4, §2.6, §2.10; Gottschall & Kram 2005, Roberts & Belliveau 2005, Dorn 2012):

* easy, level-ish running: every group near its easy-running reference;
* hill repeats: the hip extensors (glutes) and calves above easy running, glutes the most;
* a downhill run: the quadriceps and foot/ankle above easy running (eccentric braking), quadriceps the most;
* intervals and a steady fast run: the hamstrings and hip flexors above the knee and ankle groups.

No downhill kind exists in runload.simulate, so the downhill run is built from its public API: the six
descents of a simulated hill-repeat session, joined into one point-to-point descent (the simulator's own
per-second speed, cadence, contact time and grade; distance, altitude and positions re-integrated).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from runload.analysis import UPPER_BODY_GROUPS
from runload.geo import EARTH_RADIUS_M
from runload.io.dispatch import read_bytes_runs
from runload.pipeline import analyze_run
from runload.profile import AthleteProfile
from runload.report.bodymap import bodymap_figure
from runload.simulate import Athlete, SimulatedRun, simulate_run
from runload.simulate_write import fit_bytes

LEGS = ("glutes", "quadriceps", "hamstrings", "hip_flexors", "calves", "foot_ankle")
VISIBLE = 105.0  # "above easy": at least as far from the centre colour as 5 % more than easy running
NEAR = 1.10  # "near 100": within ±10 % of easy running


def _rgb(color: str) -> np.ndarray:
    if color.startswith("#"):
        return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return np.array([float(p) for p in color[color.index("(") + 1:color.index(")")].split(",")[:3]])


def _fills(figure: dict) -> dict[str, str]:
    return {t["meta"]["group"]: t["fillcolor"] for t in figure["data"] if isinstance(t.get("meta"), dict)}


@pytest.fixture
def reference_colour(analysis_factory):
    """Colour the figure gives a group of a known intensity (the report tests' analysis, edited)."""
    base = analysis_factory(600, seed=4)

    def colour(value: float) -> str:
        base.load["intensity_per_km"] = value
        return _fills(bodymap_figure(base))["calves"]

    return colour


@pytest.fixture
def departure(reference_colour):
    """Signed distance of a fill colour from the "as easy running" colour (+ warm/amber, − cool/slate) [RGB]."""
    centre = _rgb(reference_colour(100.0))

    def signed(color: str) -> float:
        rgb = _rgb(color)
        warm = (rgb[0] - rgb[2]) > (centre[0] - centre[2])
        return float(np.linalg.norm(rgb - centre)) * (1.0 if warm else -1.0)

    return signed


def _descent(seed: int = 3) -> SimulatedRun:
    """A point-to-point descent: the descents (6–10 %) of a simulated hill-repeat session joined together."""
    hills = simulate_run("hills", seed=seed)
    t = hills.truth
    down = t[t["grade_pct"] < -5.0].copy()  # the hill road; the park loop stays within ±3.3 %
    n = len(down)
    down.index = pd.DatetimeIndex(t.index[0] + pd.to_timedelta(np.arange(n), unit="s"), name="time")
    down["elapsed_s"] = np.arange(n, dtype=float)
    down["timer_on"] = True
    down["lap"] = 0
    step = np.concatenate([[0.0], down["speed_mps"].to_numpy()[1:]])  # metres in each 1-s row
    down["distance_m"] = np.cumsum(step)
    down["altitude_m"] = 800.0 + np.cumsum(step * down["grade_pct"].to_numpy() / 100.0)
    bearing = np.deg2rad(240.0)
    lat0, lon0 = float(t["latitude_deg"].iloc[0]), float(t["longitude_deg"].iloc[0])
    down["latitude_deg"] = lat0 + np.rad2deg(np.cumsum(step * np.cos(bearing)) / EARTH_RADIUS_M)
    down["longitude_deg"] = lon0 + np.rad2deg(
        np.cumsum(step * np.sin(bearing)) / (EARTH_RADIUS_M * np.cos(np.deg2rad(lat0))))
    laps = pd.DataFrame({"first_row": [0], "last_row": [n - 1], "intensity": ["active"], "trigger": ["session_end"]})
    return SimulatedRun(kind="hills", truth=down, laps=laps, params=dict(hills.params), record_mask=np.ones(n, bool))


SIMULATED = {
    "easy": lambda: simulate_run("easy", seed=1),
    "hills": lambda: simulate_run("hills", seed=3),
    "downhill": _descent,
    "intervals": lambda: simulate_run("intervals", seed=2),
    # A steady tempo: the same plan at 4.0 m/s for a runner whose easy pace (the profile's) is 3.0 m/s.
    "fast": lambda: simulate_run("easy", seed=1, athlete=Athlete(easy_speed_mps=4.0)),
}


@pytest.fixture(scope="module")
def maps() -> dict[str, dict]:
    """kind → (body-map fill colours of the default view, the analysis' distance and descent)."""
    out = {}
    for kind, make in SIMULATED.items():
        run = read_bytes_runs(fit_bytes(make()), source_name=f"{kind}.fit")[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            analysis = analyze_run(run, AthleteProfile(height_m=1.78))  # the simulated athlete's height
        out[kind] = {"fills": _fills(bodymap_figure(analysis)), "summary": analysis.summary}
    return out


def _warmth(maps, departure, kind: str) -> dict[str, float]:
    return {g: departure(c) for g, c in maps[kind]["fills"].items()}


def test_the_descent_is_a_downhill_run(maps):
    summary = maps["downhill"]["summary"]
    assert summary["distance_m"] > 1500 and summary["descent_m"] > 0.06 * summary["distance_m"]
    assert summary["ascent_m"] < 0.1 * summary["descent_m"]


def test_easy_run_is_near_easy_running_everywhere(maps, departure, reference_colour):
    warm = _warmth(maps, departure, "easy")
    hi, lo = departure(reference_colour(100 * NEAR)), departure(reference_colour(100 / NEAR))
    for group in LEGS + UPPER_BODY_GROUPS:
        assert lo < warm[group] < hi, group


def test_hills_light_glutes_and_calves(maps, departure, reference_colour):
    warm = _warmth(maps, departure, "hills")
    visible = departure(reference_colour(VISIBLE))
    assert warm["glutes"] > visible and warm["calves"] > visible
    assert warm["glutes"] == max(warm[g] for g in LEGS)  # uphill work goes mainly to the hip extensors


def test_downhill_lights_quadriceps_and_feet(maps, departure, reference_colour):
    warm = _warmth(maps, departure, "downhill")
    visible = departure(reference_colour(VISIBLE))
    assert warm["quadriceps"] > visible and warm["foot_ankle"] > visible
    assert warm["quadriceps"] == max(warm[g] for g in LEGS)
    assert warm["glutes"] < warm["foot_ankle"]  # unlike the hills, the hip is not what lights up
    hills = _warmth(maps, departure, "hills")
    assert warm["quadriceps"] > hills["quadriceps"] and warm["glutes"] < hills["glutes"]


@pytest.mark.parametrize("kind", ["intervals", "fast"])
def test_fast_running_shifts_load_to_hamstrings_and_hip_flexors(maps, departure, reference_colour, kind):
    # Per km, faster running raises the hip groups relative to the knee and ankle (fewer, harder strides:
    # science.md §2.10 "how to read it"), so hamstrings and hip flexors are warmer than quads/calves/foot.
    warm = _warmth(maps, departure, kind)
    for hip in ("hamstrings", "hip_flexors"):
        for other in ("quadriceps", "calves", "foot_ankle"):
            assert warm[hip] > warm[other] + 15, (hip, other)
    assert warm["quadriceps"] < 0 and warm["calves"] < 0  # below easy running per km
    hi, lo = departure(reference_colour(100 * NEAR)), departure(reference_colour(100 / NEAR))
    assert lo < warm["hamstrings"] < hi and lo < warm["hip_flexors"] < hi  # the hip groups stay near 100


@pytest.mark.xfail(strict=True, reason="model question (science.md §2.10): per km, the hamstrings and hip flexors "
                                       "of these runs stay within ~1 % of easy running (100.5/99.7 intervals, "
                                       "101.3/100.3 steady 4.0 m/s); reported to the lead, the figure is not bent")
@pytest.mark.parametrize("kind", ["intervals", "fast"])
def test_fast_running_lights_hamstrings_and_hip_flexors_above_easy(maps, departure, reference_colour, kind):
    warm = _warmth(maps, departure, kind)
    visible = departure(reference_colour(VISIBLE))
    assert warm["hamstrings"] > visible and warm["hip_flexors"] > visible


def test_the_four_runs_look_different(maps, departure):
    # Pairwise: some leg group's colour differs by a clearly visible amount between any two runs.
    kinds = ["easy", "hills", "downhill", "intervals"]
    for i, a in enumerate(kinds):
        for b in kinds[i + 1:]:
            wa, wb = _warmth(maps, departure, a), _warmth(maps, departure, b)
            assert max(abs(wa[g] - wb[g]) for g in LEGS) > 40, (a, b)
