"""Citations of every model runload uses, and the "methods and limits" text generated from them.

Each model id (``gait.*``, ``grade.*``, ``load.*``, ``norms.*``, ``hints.*``; ``hints.log.*`` for the
history forms of the rules judged over a training log, :mod:`runload.history`) maps to the citation keys it
rests on; the report's methods section is built by :func:`methods_for_analysis` from what actually ran on a
run (the contact-time source used, the altitude source, the load model, the personal norms the run used,
the hint rules evaluated, the history rules that ran over the log), and
:func:`methods_items` / :func:`methods_text` give any chosen set, so no citation string is written twice.
The texts quote coefficients from the shipped model files (``gait_v*.toml``, ``load_v*.toml``).  DOIs are given where science.md gives them or where they were checked against the
publisher's record; the rest have none rather than a guessed one.

Examples
--------
>>> cite("lenhart2014").startswith("Lenhart RL")
True
>>> [c.key for c in references_for("load.step_length")][:2]
['lenhart2014', 'lenhart2015']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .analysis import Analysis
from .errors import InvalidMethodError
from .gait_model import GAIT_MODEL
from .hints import THRESHOLDS as _T
from .hints import HintHistory, evaluated_rules
from .load import load_model

__all__ = [
    "Citation",
    "ModelEntry",
    "CITATIONS",
    "MODELS",
    "LIMITS",
    "cite",
    "references_for",
    "methods_items",
    "methods_text",
    "methods_for_analysis",
    "history_rules_run",
    "same_norm_value",
]


@dataclass(frozen=True)
class Citation:
    """One publication.  ``text`` is the reference without the DOI; :meth:`__str__` adds it."""

    key: str
    text: str
    doi: str | None = None

    def __str__(self) -> str:
        return f"{self.text} doi:{self.doi}" if self.doi else self.text


def _c(key: str, text: str, doi: str | None = None) -> tuple[str, Citation]:
    return key, Citation(key, text, doi)


CITATIONS: dict[str, Citation] = dict([
    _c("morin2005", "Morin JB, Dalleau G, Kyröläinen H, Jeannin T, Belli A. A simple method for measuring "
       "stiffness during running. J Appl Biomech 2005;21:167–180.", "10.1123/jab.21.2.167"),
    _c("farley1996", "Farley CT, González O. Leg stiffness and stride frequency in human running. "
       "J Biomech 1996;29:181–186.", "10.1016/0021-9290(95)00029-1"),
    _c("winter", "Winter DA. Biomechanics and Motor Control of Human Movement (segment-length ratios; "
       "leg length 0.53 × height as used and checked by Morin et al. 2005)."),
    _c("minetti2002", "Minetti AE, Moia C, Roi GS, Susta D, Ferretti G. Energy cost of walking and running "
       "at extreme uphill and downhill slopes. J Appl Physiol 2002;93:1039–1046.",
       "10.1152/japplphysiol.01177.2001"),
    _c("meyer2023", "Meyer F, Falbriard M, Aminian K, Millet GP. Vertical and leg stiffness modeling during "
       "running: effect of speed and incline. Int J Sports Med 2023;44:673–679."),
    _c("novacheck1998", "Novacheck TF. The biomechanics of running. Gait Posture 1998;7:77–95."),
    _c("deruiter2020", "de Ruiter CJ, van Oeveren BT et al. Individual optimal step frequency during outdoor "
       "running. Eur J Sport Sci 2020;20:182–190."),
    _c("hamner2010", "Hamner SR, Seth A, Delp SL. Muscle contributions to propulsion and support during "
       "running. J Biomech 2010;43:2709–2716.", "10.1016/j.jbiomech.2010.06.025"),
    _c("dorn2012", "Dorn TW, Schache AG, Pandy MG. Muscular strategy shift in human running: dependence of "
       "running speed on hip and ankle muscle performance. J Exp Biol 2012;215:1944–1956 "
       "(erratum doi:10.1242/jeb.075051).", "10.1242/jeb.064527"),
    _c("lenhart2014", "Lenhart RL, Thelen DG, Wille CM, Chumanov ES, Heiderscheit BC. Increasing running "
       "step rate reduces patellofemoral joint forces. Med Sci Sports Exerc 2014;46:557–564.",
       "10.1249/MSS.0b013e3182a78c3a"),
    _c("lenhart2015", "Lenhart R, Thelen D, Heiderscheit B. Hip muscle loads during running at various step "
       "rates. J Orthop Sports Phys Ther 2014 (PMC4296582)."),
    _c("heiderscheit2011", "Heiderscheit BC et al. Effects of step rate manipulation on joint mechanics "
       "during running. Med Sci Sports Exerc 2011;43:296–302."),
    _c("willson2014", "Willson JD, Sharpee R, Meardon SA, Kernozek TW. Effects of step length on "
       "patellofemoral joint stress in female runners. Clin Biomech 2014;29:243–247."),
    _c("lyght2016", "Lyght M, Nockerts M, Kernozek TW, Ragan R. Effects of foot strike and step frequency "
       "on Achilles tendon stress during running. J Appl Biomech 2016;32:365–372."),
    _c("lieberman2015", "Lieberman DE et al. Effects of stride frequency and foot position at landing on "
       "braking force, hip torque, impact peak force and metabolic cost of running. J Exp Biol "
       "2015;218:3406–3414."),
    _c("lieberman2006", "Lieberman DE et al. The human gluteus maximus and its role in running. J Exp Biol "
       "2006;209:2143–2155."),
    _c("schache2012", "Schache AG et al. Mechanics of the human hamstring muscles during sprinting. "
       "Med Sci Sports Exerc 2012;44:647–658."),
    _c("schache2015", "Schache AG et al. Modulation of work and power by the human lower-limb joints with "
       "increasing steady-state locomotion speed. J Exp Biol 2015;218:2472."),
    _c("petersen2014", "Petersen J, Nielsen RO, Rasmussen S, Sørensen H. Comparisons of increases in knee "
       "and ankle joint moments following an increase in running speed. Clin Biomech 2014."),
    _c("petersen2015", "Petersen J et al. Cumulative knee load at different running speeds. J Orthop Sports "
       "Phys Ther 2015 (PMID 25552288)."),
    _c("tensiometry2024", "Shear-wave tensiometry of the Achilles tendon during walking and running at "
       "several speeds. Med Sci Sports Exerc 2024 (PMC11096059)."),
    _c("gottschall2005", "Gottschall JS, Kram R. Ground reaction forces during downhill and uphill running. "
       "J Biomech 2005;38:445–452.", "10.1016/j.jbiomech.2004.04.023"),
    _c("roberts2005", "Roberts TJ, Belliveau RA. Sources of mechanical power for uphill running in humans. "
       "J Exp Biol 2005;208:1963–1970.", "10.1242/jeb.01555"),
    _c("devita2008", "DeVita P et al. Muscle work is biased toward energy generation over dissipation in "
       "non-level running. J Biomech 2008;41:3354–3359."),
    _c("vernillo2017", "Vernillo G et al. Biomechanics and physiology of uphill and downhill running. "
       "Sports Med 2017;47:615–629."),
    _c("kelly2018", "Kelly LA et al. The foot as an active spring-damper during running. Sci Rep 2018 "
       "(PMC6043578)."),
    _c("behm2009", "Behm DG, Cappa D, Power GA. Trunk muscle activation during moderate- and high-intensity "
       "running. Appl Physiol Nutr Metab 2009."),
    _c("vannatta2015", "Vannatta CN, Kernozek TW. Patellofemoral joint stress during running with "
       "alterations in foot strike pattern. Med Sci Sports Exerc 2015;47:1001–1008.",
       "10.1249/MSS.0000000000000503"),
    _c("anderson2022", "Anderson LM, Martin JF, Barton CJ, Bonanno DR. What is the effect of changing running "
       "step rate on injury, performance and biomechanics? Sports Med Open 2022.",
       "10.1186/s40798-022-00504-0"),
    _c("luedke2016", "Luedke LE, Heiderscheit BC, Williams DSB, Rauh MJ. Influence of step rate on shin "
       "injury and anterior knee pain in high school runners. Med Sci Sports Exerc 2016;48:1244–1250."),
    _c("frandsen2025", "Frandsen JSB, Nielsen RØ et al. How much running is too much? Identifying high-risk "
       "running sessions in a 5200-person cohort study. Br J Sports Med 2025."),
    _c("nielsen2014jospt", "Nielsen RO et al. Excessive progression in weekly running distance and risk of "
       "running-related injuries. J Orthop Sports Phys Ther 2014;44:739–747."),
    _c("nielsen2014plos", "Nielsen RO et al. A prospective study on time to recovery in 254 injured novice "
       "runners. PLoS ONE 2014;9:e99877."),
    _c("gabbett2016", "Gabbett TJ. The training–injury prevention paradox. Br J Sports Med 2016;50:273–280."),
    _c("impellizzeri2021", "Impellizzeri FM et al. What role do chronic workloads play in the acute to "
       "chronic workload ratio? Time to dismiss ACWR and its underlying theory. Sports Med 2021."),
    _c("lolli2019", "Lolli L et al. Mathematical coupling causes spurious correlation within the "
       "conventional acute-to-chronic workload ratio calculations. Br J Sports Med 2019;53:921."),
    _c("williams2017", "Williams S et al. Better way to determine the acute:chronic workload ratio? "
       "Br J Sports Med 2017."),
    _c("malisoux2024", "Malisoux L et al. Gait asymmetry in spatiotemporal and kinetic variables does not "
       "increase running-related injury risk. BMJ Open Sport Exerc Med 2024;10:e001787."),
    _c("girard2019", "Girard O, Morin JB, Ryu J, Read P, Townsend N. Running velocity does not influence "
       "lower limb mechanical asymmetry. Front Sports Act Living 2019."),
    _c("garmin", "Garmin. Running Dynamics manual pages and ground contact time balance colour zones."),
    _c("duhig2016", "Duhig S et al. Effect of high-speed running on hamstring strain injury risk. "
       "Br J Sports Med 2016;50:1536–1540."),
    _c("gurchiek2024", "Gurchiek RD, Teplin Z, Falisse A, Hicks JL, Delp SL. Hamstrings are stretched more "
       "and faster during accelerative running compared to speed-matched constant speed running. "
       "bioRxiv 2024 (preprint)."),
    _c("khassetarash2022", "Khassetarash A, Vernillo G, Krüger RL, Edwards WB, Millet GY. Neuromuscular, "
       "biomechanical, and energetic adjustments following repeated bouts of downhill running. "
       "J Sport Health Sci 2022."),
    _c("almonroeder2013", "Almonroeder T, Willson JD, Kernozek TW. The effect of foot strike pattern on "
       "Achilles tendon load during running. Ann Biomed Eng 2013;41:1758–1766."),
    _c("neves2014", "Neves KA et al. Does Achilles tendon cross-sectional area differ after downhill, level "
       "and uphill running? J Sports Sci Med 2014;13:823–828."),
    _c("padulo2013", "Padulo J et al. A paradigm of uphill running. PLoS ONE 2013."),
    _c("adams2016", "Adams D, Pozzi F, Carroll A, Rombach A, Zeni J. Validity and reliability of a commercial "
       "fitness watch for measuring running dynamics. J Orthop Sports Phys Ther 2016;46(6).",
       "10.2519/jospt.2016.6391"),
    _c("lauersen2014", "Lauersen JB, Bertelsen DM, Andersen LB. The effectiveness of exercise interventions "
       "to prevent sports injuries. Br J Sports Med 2014."),
    _c("cook1985", "Cook SD, Kester MA, Brunet ME. Shock absorption characteristics of running shoes. "
       "Am J Sports Med 1985;13:248–253."),
    _c("science_md", "runload science specification (science.md): design choices marked [D], made for this "
       "project and not published values."),
])


# The texts below quote coefficients from the shipped model files, never retyped numbers.
_GAIT = GAIT_MODEL
_LOAD = load_model()
_SPEED_TERM = (
    f" A fitted device-equivalence term (speed / {_GAIT.speed_reference_mps:g} m/s)^{_GAIT.speed_exponent:g} on the "
    "stiffness makes the estimate comparable with what watches report; it is not physiology."
    if _GAIT.speed_exponent else "")


@dataclass(frozen=True)
class ModelEntry:
    """A model or rule runload uses: what it does, its citations and its limits.

    Attributes
    ----------
    id : str  ``gait.morin2005``, ``load.step_length``, ``hints.H5`` …
    title : str
    text : str  one or two plain sentences for the methods section
    citations : tuple[str, ...]  keys of :data:`CITATIONS`
    evidence : str  evidence grade A–D for hints ("" for models)
    """

    id: str
    title: str
    text: str
    citations: tuple
    evidence: str = ""


def _m(id: str, title: str, text: str, citations: tuple, evidence: str = "") -> tuple[str, ModelEntry]:
    return id, ModelEntry(id, title, text, tuple(citations), evidence)


MODELS: dict[str, ModelEntry] = dict([
    # Gait timing (science.md §1).
    _m("gait.device", "Contact time measured by the watch",
       "Where the watch or sensor recorded ground contact time, that value is used (a short rolling median, "
       "and only where it is plausible for running); device contact times differ between devices.",
       ("garmin", "adams2016", "science_md")),
    _m("gait.morin2005", "Contact time from the spring–mass model",
       "Without a measured contact time, the sine-wave spring–mass model is solved for the contact time that "
       "gives the runner's leg stiffness at the recorded speed and cadence (about ±10 % without personal "
       "calibration)." + _SPEED_TERM, ("morin2005", "science_md")),
    _m("gait.farley1996", "Leg stiffness rises with cadence",
       f"Leg stiffness is scaled with (cadence / preferred cadence)^{_GAIT.cadence_exponent:g}, from the "
       "2.3-fold stiffness change over stride frequencies of −26 % to +36 %.", ("farley1996",)),
    _m("gait.winter_leg_ratio", "Leg length from height",
       f"Leg length is taken as {_GAIT.leg_length_ratio:g} × body height (mean error 1.94 % against measured "
       "trochanter height).", ("winter", "morin2005")),
    _m("gait.minetti2002", "Grade-adjusted pace",
       "Grade-adjusted pace uses the energy cost of running on slopes from −45 % to +45 %; outside that "
       "range it is not given.", ("minetti2002",)),
    _m("gait.walking", "Walking branch",
       f"Seconds below {_GAIT.running_cadence_min_spm:g} steps/min, or where the model finds no flight phase, "
       f"are treated as walking (stance ≈ {100 * _GAIT.walking_stance_fraction:.0f} % of the stride).",
       ("novacheck1998", "science_md")),
    _m("gait.cadence_pref", "Preferred cadence",
       "The runner's preferred cadence at a speed is their own fitted norm, or the population norm "
       f"{_GAIT.cadence_pref_at_reference_spm:g} + {_GAIT.cadence_pref_slope_spm_per_mps:g}·(v − "
       f"{_GAIT.cadence_pref_reference_speed_mps:g}) steps/min.", ("deruiter2020", "science_md")),
    # Personal norms (science.md §3.2, §1.5.4): listed only when the run used them.
    _m("norms.cadence", "Your cadence norm, learnt from your training log",
       "A robust (Huber) regression of your cadence on speed and uphill and downhill grade over your steady "
       "running of the 60 days before the run's month (at least 3 runs and 60 minutes, speeds 2.2–6 m/s); "
       "it replaces the population norm.", ("deruiter2020", "science_md")),
    _m("norms.easy_speed", "Your easy pace, learnt from your training log",
       "The time-weighted median of your level, steady running speed over the 8 weeks before the run's month; "
       "it is the reference (100) of the muscle-group loads and the base of the fast-running threshold.",
       ("science_md",)),
    _m("gait.calibration", "Personal stiffness calibration",
       "Your reference leg stiffness was fitted so that the model's contact times match the ones your watch "
       "measured on your own runs (level, steady running at 2.2–6 m/s); contact times without a sensor stay "
       "estimates, with the fit's typical error instead of about ±10 %.", ("morin2005", "science_md")),
    # Slope (science.md §2.6).
    _m("grade.barometric", "Slope from barometric altitude",
       "Slope is the change of barometric altitude over a centred window of horizontal distance; where the "
       "altitude is locally implausible the slope is unknown and counted as level.", ("science_md",)),
    _m("grade.gps", "Slope from GPS altitude",
       "Slope is the change of GPS altitude over a wide centred window of horizontal distance, because GPS "
       "altitude is noisy; where it is locally implausible the slope is unknown and counted as level.",
       ("science_md",)),
    _m("grade.none", "No slope",
       "The file has no usable altitude, so every stretch is counted as level.", ("science_md",)),
    # Muscle-group load (science.md §2).
    _m("load.phase_weights", "Load shared across gait phases",
       "Each group's load is split over absorption, midstance, propulsion, early and late swing with "
       "weights informed by muscle forces and muscle roles in running simulations.",
       ("lenhart2015", "hamner2010", "dorn2012", "lieberman2006", "kelly2018", "behm2009")),
    _m("load.support_force", "Support-force driver",
       "Stance load scales with the peak vertical force of the sine-wave model, π/2 × step time / contact "
       "time, and with group-specific speed exponents chosen so that ankle load rises more than knee load "
       "with speed.", ("morin2005", "petersen2014", "tensiometry2024", "hamner2010")),
    _m("load.step_length", "Step-length (cadence) driver",
       "Stance load rises when the runner takes longer steps (lower cadence) than their own norm at that "
       "speed: quadriceps −14 % per stride at +10 % cadence.",
       ("lenhart2014", "lenhart2015", "heiderscheit2011", "willson2014", "lyght2016")),
    _m("load.swing", "Swing driver",
       "Swing load scales with speed × stride frequency^γ (hamstrings in late swing, hip flexors in early "
       "swing).", ("lenhart2015", "lieberman2015", "schache2012", "dorn2012")),
    _m("load.calf_cap", "Calf plateau at high speed",
       "Calf load per stride stops rising above about 6 m/s, as ankle work plateaus and plantarflexor "
       "support falls at sprint speeds.", ("schache2015", "dorn2012")),
    _m("load.grade_uphill", "Uphill grade factor",
       "Uphill running raises mainly glute and hamstring load: almost all the extra work of uphill running "
       "comes from the hip.", ("roberts2005", "devita2008", "vernillo2017", "lieberman2006")),
    _m("load.grade_downhill", "Downhill grade factor",
       "Downhill running raises mainly quadriceps and foot load (impact +54 % and braking +73 % at −9°).",
       ("gottschall2005", "devita2008", "vernillo2017")),
    _m("load.normalisation", "Relative load",
       "Loads are summed over strides and divided by one hour of the runner's own easy level running "
       "(= 100), per group; numbers of different groups are not comparable.", ("science_md", "petersen2015")),
    _m("load.walking", "Walking seconds",
       f"Walking seconds use a fixed peak force of {_LOAD.walking_peak_force_bw:g} body weights.", ("science_md",)),
    _m("load.upper_body", "Upper body (approximate)",
       "Core, shoulders and back follow the swing and stance drivers only roughly; the arms add less than "
       "1 % of the body's acceleration. These loads are approximate and never drive hints.",
       ("hamner2010", "behm2009")),
    # Hints (science.md §3): one entry per registered rule.  H2, H3, H10 and H11 of §3.3 need a training
    # log; their entries come with their rules.
    _m("hints.H1", "Single-session distance spike",
       "A run more than 10 % longer than the longest run of the previous 30 days.", ("frandsen2025",), "B"),
    _m("hints.H4", "Ground contact time balance",
       "Contact-time balance outside Garmin's outer zone, informational only: asymmetry was not linked to "
       "injury in an 836-runner cohort.", ("garmin", "girard2019", "malisoux2024"), "D"),
    _m("hints.H5", "Longer steps than usual at this pace",
       "Cadence at least 5 % below the runner's own (or the population) norm for that speed on level ground "
       "for most of the run.", ("heiderscheit2011", "lenhart2014", "willson2014", "anderson2022",
                                "luedke2016"), "B"),
    _m("hints.H6", "Fast running",
       "A large amount of running well above the runner's easy pace loads the hamstrings and hip flexors.",
       ("duhig2016", "schache2012", "dorn2012", "gurchiek2024"), "C"),
    _m("hints.H7", "Downhill running",
       "Substantial steep descent loads the quadriceps (eccentric work), the knee and the foot.",
       ("gottschall2005", "khassetarash2022"), "C"),
    _m("hints.H8", "Uphill running",
       "Substantial steep ascent loads the glutes and hamstrings (hip work) and the calves.",
       ("roberts2005", "vernillo2017", "almonroeder2013", "neves2014"), "D"),
    _m("hints.H9", "Long run and calves",
       "Long runs add calf and Achilles load, the group with the highest tendon forces.",
       ("tensiometry2024", "nielsen2014plos", "frandsen2025"), "D"),
    # History forms of the rules, judged against the runner's training log (runload.history; science.md
    # §3.3): listed for a run only when they ran for it (a hint of theirs is shown, or the analysis names
    # them in ``history_rules``).
    _m("hints.log.H3", "Load change vs your recent average (acute:chronic)",
       f"This week's distance (or a leg group's estimated load) against an exponentially weighted average of the "
       f"previous weeks (a ratio above {_T['H3']['limit']:g}, with at least {_T['H3']['min_chronic_km_per_week']:g} "
       f"km a week and {_T['H3']['min_days'] // 7} weeks of data). A disputed indicator: it is a load change, not "
       "a forecast.", ("williams2017", "gabbett2016", "lolli2019", "impellizzeri2021"), "C"),
    _m("hints.log.H4", "Ground contact time balance over your runs",
       f"The per-run median balance against your own {_T['H4']['baseline_days'] // 7}-week median, or in Garmin's "
       f"outer zone, on {_T['H4']['consecutive_runs']} runs in a row; informational only: asymmetry was not "
       "linked to injury in an 836-runner cohort.", ("garmin", "girard2019", "malisoux2024"), "D"),
    _m("hints.log.H6", "More fast running than usual",
       f"This week's running at or above your fast speed (from your own easy and fast pace) against the previous "
       f"{_T['H6']['base_weeks']} weeks, or the first fast session after {_T['H6']['gap_days'] // 7} weeks "
       "without.", ("duhig2016", "schache2012", "dorn2012", "gurchiek2024"), "C"),
    _m("hints.log.H7", "More downhill than usual",
       f"This week's steep descent against your mean weekly descent of the previous {_T['hills']['base_weeks']} "
       f"weeks, or a single run's descent against your largest of the previous {_T['H1']['window_days']} days.",
       ("gottschall2005", "khassetarash2022"), "C"),
    _m("hints.log.H8", "More uphill than usual",
       f"This week's steep ascent against your mean weekly ascent of the previous {_T['hills']['base_weeks']} "
       f"weeks, or a long climb after {_T['hills']['base_weeks']} weeks with little climbing.",
       ("roberts2005", "vernillo2017", "almonroeder2013", "neves2014"), "D"),
    _m("hints.log.H9", "Calf load above your recent runs",
       f"A run's estimated calf load against the largest single-run calf load of your previous "
       f"{_T['H1']['window_days']} days.", ("tensiometry2024", "nielsen2014plos", "frandsen2025"), "D"),
    _m("hints.log.H10", "Group-load spike",
       f"This week's estimated load of a leg group against its mean weekly load of the previous "
       f"{_T['hills']['base_weeks']} weeks (top group only); estimated from pace, cadence and hills.",
       ("science_md",), "D"),
    _m("hints.log.S1", "Shoe mileage",
       f"The distance logged with a pair of shoes (the gear of your export) passing {_T['shoes']['mileage_km']:g} "
       "km, where lab tests saw the loss of cushioning level off and where many runners replace theirs; no study "
       "links shoe mileage itself to injuries.", ("cook1985", "science_md"), "D"),
    _m("hints.quality", "Data quality",
       "Notes on missing cadence, unknown grade and estimated contact time say how much of the analysis "
       "rests on models rather than measurements.", ("science_md", "adams2016", "meyer2023")),
])

#: science.md §2.11 and §1.5.6: the limits every report states.
LIMITS = (
    "These are indices of mechanical demand, not muscle forces. They ignore individual technique (for "
    "example, forefoot striking lowers peak patellofemoral stress by 27 % and raises calf forces), shoes, "
    "surface, fatigue, strength and tissue capacity.",
    "Coefficients come from laboratory studies of healthy, mostly young recreational runners on treadmills "
    "at 2.5–5 m/s. Outside that range (sprints, trails steeper than 20 %, walking) they are extrapolations.",
    "No injury-validated mapping from muscle-group load to injury exists; hints based on these loads are "
    "model-based (evidence grade D).",
    "Contact time estimated from speed and cadence has an expected error of about ±10 % without personal "
    "calibration, and the spring–mass model is not valid on slopes.",
    "Loads are relative to each group's own easy-run reference; they do not say that one group worked "
    "harder than another.",
)

_LIMIT_CITATIONS = ("vannatta2015", "meyer2023", "science_md")
# What each limit is about: "load" (the muscle-group model) or "contact_model" (estimated contact time).
_LIMIT_TOPICS = ("load", "load", "load", "contact_model", "load")
_LOAD_MODEL_IDS = ("load.phase_weights", "load.support_force", "load.step_length", "load.swing", "load.calf_cap",
                   "load.grade_uphill", "load.grade_downhill", "load.normalisation")
_CONTACT_MODEL_IDS = ("gait.morin2005", "gait.farley1996", "gait.winter_leg_ratio")


def cite(key: str) -> str:
    """The full reference text of citation ``key`` (with DOI when known)."""
    try:
        return str(CITATIONS[key])
    except KeyError:
        raise InvalidMethodError("citation", key, sorted(CITATIONS)) from None


def references_for(model_id: str) -> list[Citation]:
    """Citations of model ``model_id`` (e.g. ``"load.step_length"``, ``"hints.H5"``)."""
    try:
        entry = MODELS[model_id]
    except KeyError:
        raise InvalidMethodError("model_id", model_id, sorted(MODELS)) from None
    return [CITATIONS[k] for k in entry.citations]


def methods_items(model_ids=None) -> list[dict]:
    """The methods-and-limits section as data, one item per model plus one for the limits.

    Parameters
    ----------
    model_ids : iterable of str, optional
        Models to include (default: all, in :data:`MODELS` order).

    Returns
    -------
    list of dict
        ``{"id", "title", "text", "evidence", "references": [str, ...]}``; the last item has id
        ``"limits"`` and the §2.11 limits joined as its text, with ``"items"`` listing them.
    """
    ids = list(MODELS) if model_ids is None else list(model_ids)
    out = []
    for mid in ids:
        entry = MODELS.get(mid)
        if entry is None:
            raise InvalidMethodError("model_id", mid, sorted(MODELS))
        out.append({"id": entry.id, "title": entry.title, "text": entry.text, "evidence": entry.evidence,
                    "references": [str(CITATIONS[k]) for k in entry.citations]})
    out.append({"id": "limits", "title": "Limits", "text": " ".join(LIMITS), "evidence": "",
                "items": list(LIMITS), "references": [str(CITATIONS[k]) for k in _LIMIT_CITATIONS]})
    return out


def methods_text(model_ids=None) -> str:
    """Plain-text methods and limits with a numbered reference list (each citation once)."""
    items = methods_items(model_ids)
    numbers: dict[str, int] = {}
    lines = ["Methods and limits", ""]
    for item in items:
        refs = []
        for ref in item["references"]:
            numbers.setdefault(ref, len(numbers) + 1)
            refs.append(numbers[ref])
        marks = " [" + ", ".join(map(str, refs)) + "]" if refs else ""
        if item["id"] == "limits":
            lines.append(f"{item['title']}{marks}:")
            lines.extend(f"- {text}" for text in item["items"])
        else:
            lines.append(f"{item['title']}: {item['text']}{marks}")
    lines += ["", "References"]
    lines.extend(f"[{n}] {ref}" for ref, n in numbers.items())
    return "\n".join(lines)


def _share(summary: dict, key: str) -> float:
    try:
        x = float(summary.get(key))
    except (TypeError, ValueError):
        return 0.0
    return x if math.isfinite(x) else 0.0


def same_norm_value(a, b) -> bool:
    """Two norm values (numbers or tuples of numbers) are the same, to rounding; False when one is None."""
    if a is None or b is None:
        return False
    a = a if isinstance(a, (tuple, list)) else (a,)
    b = b if isinstance(b, (tuple, list)) else (b,)
    try:
        return len(a) == len(b) and all(math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-12)
                                        for x, y in zip(a, b, strict=True))
    except (TypeError, ValueError):
        return False


def _norms_ids(analysis: Analysis, *, contact_model: bool, cadence_used: bool, load: bool) -> list[str]:
    """Method ids of the personal norms the run USED (a profile value the user gave wins over the log's).

    The learnt cadence norm when c_pref was used and the profile's cadence model is the log's; the learnt
    easy pace when the load model ran with the log's easy speed; the stiffness calibration when the
    contact-time model ran with a calibrated profile (from the log or from ``runload calibrate``).
    """
    profile, norms = analysis.profile, getattr(analysis, "norms", None)
    ids = []
    if cadence_used and same_norm_value(profile.cadence_model, getattr(norms, "cadence_model", None)):
        ids.append("norms.cadence")
    if load and same_norm_value(profile.easy_speed_mps, getattr(norms, "easy_speed_mps", None)):
        ids.append("norms.easy_speed")
    if contact_model and profile.calibration is not None:
        ids.append("gait.calibration")
    return ids


def history_rules_run(analysis: Analysis) -> list[str]:
    """Ids of the history rules (judged against a training log) known to have run for ``analysis``.

    ``analysis.history_rules`` (set by the batch: every history rule evaluated for the run, whether or not
    it raised a hint) and the rules of the hints the report shows with ``origin == "log"`` (they certainly
    ran).  Empty for a run analysed alone.
    """
    named = [str(r) for r in analysis.history_rules]
    shown = [str(h.id) for h in analysis.hints or [] if h.origin == "log"]
    return list(dict.fromkeys(named + shown))


def methods_for_analysis(analysis: Analysis, history: HintHistory | None = None) -> list[dict]:
    """The methods-and-limits items of what actually ran on ``analysis``, and nothing else.

    Parameters
    ----------
    analysis : Analysis
        An analysed run (:func:`runload.analyze_run`).
    history : HintHistory, optional
        The training log the hints were run with (none in ``analyze_run``); decides whether history
        rules were evaluated.

    Returns
    -------
    list of dict
        As :func:`methods_items`, plus ``"version"`` (the model version from ``analysis.model_versions``
        for gait and load items, ``""`` otherwise).  Included:

        - contact time by the source that was used (``summary`` shares): the device, the spring–mass
          model (with leg length and cadence stiffness) and the walking branch;
        - slope by ``summary["altitude_source"]`` when any grade is known (``grade.none`` otherwise), and
          grade-adjusted pace when one was given;
        - the load model's parts when ``analysis.load`` is set (walking seconds and the upper body only
          when they occur; the preferred cadence, which its step-length factor uses);
        - the personal norms the run used (:func:`_norms_ids`): the cadence norm and easy pace learnt from
          the training log, a stiffness calibration;
        - one item per hint rule evaluated (:func:`runload.hints.evaluated_rules`), data-quality rules as
          one item, and the history rules that ran over the training log (:func:`history_rules_run`);
        - the limits that apply (the contact-time limit only when the model estimated contact time).
    """
    summary = analysis.summary or {}
    versions = analysis.model_versions or {}
    ids: list[str] = []
    if _share(summary, "device_contact_share") > 0:
        ids.append("gait.device")
    contact_model = _share(summary, "model_contact_share") > 0
    if contact_model:
        ids += [*_CONTACT_MODEL_IDS, "gait.cadence_pref"]
    walking = _share(summary, "walking_share") > 0
    if walking:
        ids.append("gait.walking")
    if _share(summary, "grade_known_share") > 0:
        ids.append("grade.gps" if str(summary.get("altitude_source")) == "gps" else "grade.barometric")
        if _share(summary, "gap_s_per_km") > 0:
            ids.append("gait.minetti2002")
    else:
        ids.append("grade.none")
    load = analysis.load
    if load is not None and "gait.cadence_pref" not in ids:
        ids.append("gait.cadence_pref")
    rules = evaluated_rules(analysis, history)
    cadence_used = "gait.cadence_pref" in ids or any(rule.id == "H5" for rule in rules)  # H5 judges by c_pref
    ids += _norms_ids(analysis, contact_model=contact_model, cadence_used=cadence_used, load=load is not None)
    if load is not None:
        ids += list(_LOAD_MODEL_IDS)
        if walking:
            ids.append("load.walking")
        if "approximate" in load and load["approximate"].astype(bool).any():
            ids.append("load.upper_body")
    for rule in rules:
        mid = f"hints.{rule.id}" if rule.kind == "training" else "hints.quality"
        if mid in MODELS and mid not in ids:
            ids.append(mid)
    for rule_id in history_rules_run(analysis):
        mid = next((m for m in (f"hints.log.{rule_id}", f"hints.{rule_id}") if m in MODELS), None)
        if mid is not None and mid not in ids:
            ids.append(mid)
    items = methods_items(ids)
    for item in items:
        family = item["id"].split(".", 1)[0]
        item["version"] = str(versions.get(family, "")) if family in ("gait", "load") else ""
    topics = {"load"} if load is not None else set()
    if contact_model:
        topics.add("contact_model")
    limits = [text for text, topic in zip(LIMITS, _LIMIT_TOPICS, strict=True) if topic in topics]
    if limits:
        items[-1].update(text=" ".join(limits), items=limits)
    else:
        items.pop()
    return items
