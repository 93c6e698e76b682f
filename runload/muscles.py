"""The muscle-group catalogue: members, roles per gait phase, injuries, the guide's tips and corrections.

The content is data (``runload/models/muscles_v1.toml``), not prose in code.  It follows the popular
running-muscles guide the project started from, with muscle names spelt correctly, and says where the
science specification (science.md §2.1) corrects the guide — for example that the calves, not the glutes,
give most of the propulsion in steady running, and that "quad-dominant" or "weak hamstrings" cannot be
seen by a watch.  Where the guide gives no strengthening tips (quadriceps, feet, upper body) the catalogue
says so instead of inventing any.

Examples
--------
>>> muscle_group("hamstrings").tips
('Romanian deadlifts', 'Glute–hamstring raises', 'Box squats')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .analysis import MUSCLE_GROUPS
from .errors import InvalidMethodError, RunloadError
from .model_files import read_model_file

__all__ = [
    "PHASE_NAMES",
    "MuscleGroup",
    "muscle_catalogue",
    "muscle_group",
    "tips_for",
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
    tips : tuple[str, ...]  the guide's strengthening tips (empty when the guide gives none)
    tips_note : str  says so when ``tips`` is empty
    shoe_advice : tuple[str, ...]  the guide's shoe advice for the group
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
            tips = tuple(g["tips"])
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
                shoe_advice=tuple(g.get("shoe_advice", ())),
                correction=g.get("correction", ""),
                notes=g.get("notes", ""),
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
    """The guide's strengthening tips for ``groups``, in order, without duplicates.

    A foot group contributes its shoe advice, since the guide gives that instead of exercises.
    """
    out: list[str] = []
    for key in groups:
        g = muscle_group(key)
        for tip in g.tips or (g.shoe_advice if key == "foot_ankle" else ()):
            if tip not in out:
                out.append(tip)
    return out


def shoe_advice_for(groups) -> list[str]:
    """The guide's shoe advice attached to ``groups`` (calves, foot), without duplicates."""
    out: list[str] = []
    for key in groups:
        for tip in muscle_group(key).shoe_advice:
            if tip not in out:
                out.append(tip)
    return out
