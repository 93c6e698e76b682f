"""The muscle-group catalogue: members, roles per gait phase, injuries, the guide's tips and corrections.

The content is data (``runload/models/muscles_v1.toml``), not prose in code.  It follows the popular
running-muscles guide the project started from, with muscle names spelt correctly, and says where the
science specification (science.md §2.1) corrects the guide — for example that the calves, not the glutes,
give most of the propulsion in steady running, and that "quad-dominant" or "weak hamstrings" cannot be
seen by a watch.  Where the guide gives no strengthening tips (quadriceps, feet, upper body) the catalogue
says so instead of inventing any.

Tips are categorised (:data:`TIP_CATEGORIES`: strengthening, mobility, shoes and equipment) and each carries
its source, the guide's section or science.md and the study it cites (:class:`Tip`).  The guide's own
lists are split by what they are: its calf "strengthening" list holds the weight-bearing lunge test, an
ankle-mobility check.  For the quadriceps, which the guide gives no exercises for, the catalogue borrows
the guide's squats, lunges and box squats (they also straighten the knee under load) and, for downhill
hints only, the eccentric work of repeated easy descents (science.md §3.3 H7, Khassetarash 2022).
:func:`advice_for` gives the tips of a set of groups (what a hint shows).

Examples
--------
>>> muscle_group("hamstrings").tips
('Romanian deadlifts', 'Glute–hamstring raises', 'Box squats')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .analysis import MUSCLE_GROUPS
from .errors import InvalidMethodError, RunloadError
from .model_files import read_model_file

__all__ = [
    "PHASE_NAMES",
    "TIP_CATEGORIES",
    "Tip",
    "MuscleGroup",
    "muscle_catalogue",
    "muscle_group",
    "tips_for",
    "advice_for",
    "shoe_advice_for",
    "display_name",
]

#: Gait phases of science.md §1.8, in order, with display names.
PHASE_NAMES = {
    "absorption": "initial contact and absorption",
    "midstance": "midstance",
    "propulsion": "propulsion",
    "early_swing": "early swing",
    "late_swing": "late swing",
}

#: Tip categories, in display order, with the heading a report shows for each.
TIP_CATEGORIES = {
    "strengthening": "Strengthening ideas",
    "mobility": "Mobility",
    "shoes": "Shoes and equipment",
}


@dataclass(frozen=True)
class Tip:
    """One tip of the catalogue.

    Attributes
    ----------
    name : str  the tip as the guide words it (the key that removes duplicates across groups)
    detail : str  what it is, when the name alone would mislead ("" otherwise)
    category : str  a key of :data:`TIP_CATEGORIES`
    source : str  the guide's section, or the science.md section
    guide_list : bool  the guide lists it under this group (else borrowed from another section or a study)
    rules : tuple[str, ...]  hint rule ids the tip is limited to (empty: any hint of the group)
    cite : tuple[str, ...]  keys of :data:`runload.references.CITATIONS` for the studies the tip rests on
    """

    name: str
    detail: str
    category: str
    source: str
    guide_list: bool = True
    rules: tuple = ()
    cite: tuple = ()

    @property
    def text(self) -> str:
        """The name, with the detail in brackets when there is one."""
        return f"{self.name} ({self.detail})" if self.detail else self.name

    @property
    def reference(self) -> str:
        """Where the tip comes from: :attr:`source`, then each cited study as "Author et al. year"; the full
        reference is in :data:`runload.references.CITATIONS` (and the report's numbered reference list)."""
        return "; ".join([self.source, *(_short_citation(key) for key in self.cite)])


def _short_citation(key: str) -> str:
    """"Khassetarash et al. 2022" for citation ``key`` of :data:`runload.references.CITATIONS`."""
    from .references import CITATIONS

    if key not in CITATIONS:
        raise InvalidMethodError("citation", key, sorted(CITATIONS))
    text = CITATIONS[key].text
    first = text.split(",")[0].split(".")[0].split()
    surname = " ".join(w for w in first if not (w.isupper() and len(w) <= 3)) or first[0]
    year = re.search(r"\b(?:19|20)\d{2}\b", text)
    return f"{surname} et al. {year.group(0)}" if year else f"{surname} et al."


@dataclass(frozen=True)
class MuscleGroup:
    """One muscle group of the catalogue.

    Attributes
    ----------
    key : str  one of :data:`runload.analysis.MUSCLE_GROUPS`
    display_name : str
    region : str  ``"legs"`` or ``"upper body"``
    approximate : bool  upper-body group: its load is a rough estimate and never drives hints
    members : tuple[str, ...]  muscles as the guide lists them, spelling corrected
    guide_functions : tuple[str, ...]  what the guide says the group does
    roles : dict[str, str]  gait phase → role (phases without a role are absent)
    injuries : tuple[str, ...]  injuries the guide links to the group
    tips : tuple[str, ...]  the guide's tips listed under this group (exercises and the mobility check; empty
        when the guide gives none)
    tips_note : str  says so when ``tips`` is empty
    shoe_advice : tuple[str, ...]  the guide's shoe advice for the group
    advice : tuple[Tip, ...]  every categorised tip for the group, with its source (``tips`` and
        ``shoe_advice`` are the texts of those the guide lists under this group)
    correction : str  where science.md corrects the guide ("" when it does not)
    notes : str
    """

    key: str
    display_name: str
    region: str
    approximate: bool
    members: tuple
    guide_functions: tuple
    roles: dict
    injuries: tuple
    tips: tuple
    tips_note: str
    shoe_advice: tuple
    correction: str
    notes: str
    advice: tuple = ()


def _read_tips(resource: str, key: str, entries: list) -> tuple:
    """The ``advice`` entries of group ``key`` as :class:`Tip` objects (validated)."""
    tips = []
    for entry in entries:
        category = entry.get("category")
        if category not in TIP_CATEGORIES:
            raise RunloadError(resource, f"{key}: tip category {category!r} is not one of {list(TIP_CATEGORIES)}")
        if not str(entry.get("name", "")).strip() or not str(entry.get("source", "")).strip():
            raise RunloadError(resource, f"{key}: every tip needs a name and a source ({entry})")
        tips.append(Tip(name=entry["name"], detail=entry.get("detail", ""), category=category,
                        source=entry["source"], guide_list=bool(entry.get("guide_list", True)),
                        rules=tuple(entry.get("rules", ())), cite=tuple(entry.get("cite", ()))))
    return tuple(tips)


@lru_cache(maxsize=4)
def muscle_catalogue(version: str = "muscles_v1") -> dict[str, MuscleGroup]:
    """All nine groups, in the order of :data:`~runload.analysis.MUSCLE_GROUPS`.

    Raises
    ------
    InvalidMethodError
        ``version`` is not shipped.
    RunloadError
        The data file lacks a group or a key.
    """
    data, resource = read_model_file(version, "muscles")
    out = {}
    try:
        for key in MUSCLE_GROUPS:
            g = data["groups"][key]
            unknown = set(g.get("roles", {})) - set(PHASE_NAMES)
            if unknown:
                raise RunloadError(resource, f"{key}: unknown gait phases {sorted(unknown)}")
            advice = _read_tips(resource, key, g.get("advice", []))
            own = [t for t in advice if t.guide_list]
            tips = tuple(t.text for t in own if t.category != "shoes")
            tips_note = g.get("tips_note", "")
            if not tips and not tips_note:
                raise RunloadError(resource, f"{key}: no tips and no tips_note saying why")
            out[key] = MuscleGroup(
                key=key,
                display_name=g["display_name"],
                region=g["region"],
                approximate=bool(g["approximate"]),
                members=tuple(g["members"]),
                guide_functions=tuple(g["guide_functions"]),
                roles={p: g["roles"][p] for p in PHASE_NAMES if p in g.get("roles", {})},
                injuries=tuple(g["injuries"]),
                tips=tips,
                tips_note=tips_note,
                shoe_advice=tuple(t.text for t in own if t.category == "shoes"),
                correction=g.get("correction", ""),
                notes=g.get("notes", ""),
                advice=advice,
            )
    except KeyError as e:
        raise RunloadError(resource, f"muscle catalogue is missing key {e}") from e
    return out


def muscle_group(key: str) -> MuscleGroup:
    """The catalogue entry of one group; :class:`InvalidMethodError` for an unknown key."""
    catalogue = muscle_catalogue()
    if key not in catalogue:
        raise InvalidMethodError("group", key, MUSCLE_GROUPS)
    return catalogue[key]


def display_name(key: str) -> str:
    """Display name of a group key (``"foot_ankle"`` → ``"Foot and ankle"``)."""
    return muscle_group(key).display_name


def tips_for(groups) -> list[str]:
    """The guide's tip lists for ``groups`` as the guide gives them, in order, without duplicates.

    A foot group contributes its shoe advice, since the guide gives that instead of exercises.  Hints use
    :func:`advice_for` (categorised, with sources) instead.
    """
    out: list[str] = []
    for key in groups:
        g = muscle_group(key)
        for tip in g.tips or (g.shoe_advice if key == "foot_ankle" else ()):
            if tip not in out:
                out.append(tip)
    return out


def advice_for(groups, rule_id: str | None = None) -> dict[str, list[Tip]]:
    """The categorised tips for ``groups``: category → tips, in :data:`TIP_CATEGORIES` order.

    Groups are taken in order and a tip whose name an earlier group already gave is left out (the
    glutes' "Squats" and the quadriceps' "Squats" are one exercise).  A tip limited to some rules
    (``Tip.rules``) appears only for ``rule_id`` among them.  Empty categories are left out.

    Examples
    --------
    >>> [t.name for t in advice_for(["calves"])["mobility"]]
    ['Weight-bearing lunge test']
    """
    seen: set[str] = set()
    out: dict[str, list[Tip]] = {c: [] for c in TIP_CATEGORIES}
    for key in groups:
        for tip in muscle_group(key).advice:
            if tip.name in seen or (tip.rules and rule_id not in tip.rules):
                continue
            seen.add(tip.name)
            out[tip.category].append(tip)
    return {c: tips for c, tips in out.items() if tips}


def shoe_advice_for(groups) -> list[str]:
    """The guide's shoe advice attached to ``groups`` (calves, foot), without duplicates."""
    out: list[str] = []
    for key in groups:
        for tip in muscle_group(key).shoe_advice:
            if tip not in out:
                out.append(tip)
    return out
