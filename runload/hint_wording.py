"""The wording rules of run hints (science.md §3.1): anchors, forbidden phrases and the message check.

Every hint message passes :func:`check_wording`: it must contain an "estimated" qualifier, an anchor
(:data:`ANCHOR_PERSONAL` or :data:`ANCHOR_POPULATION`) and a closing evidence label, and must not contain a
forbidden phrase (diagnosis, prediction, risk figures, weakness claims, alarm words).  Used by
:mod:`runload.hints` (single-run rules) and :mod:`runload.history.rules` (history rules).
"""

from __future__ import annotations

import re

__all__ = ["ANCHOR_PERSONAL", "ANCHOR_POPULATION", "FORBIDDEN_PATTERNS", "WordingError", "find_forbidden",
           "check_wording"]

ANCHOR_PERSONAL = "compared with your own recent running"
ANCHOR_POPULATION = "compared with typical runners"

FORBIDDEN_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"\byou will (get|develop|suffer|injure|have|tear|strain)\b",
    r"\byou('| a)re (at|in) (risk|danger)\b",
    r"\brisk\b",
    r"\byou have (a |an )?(runner'?s knee|tendin|injur|strain|tear|patellofemoral|plantar|shin|weak|"
    r"stress fracture|achilles)",
    r"\bdiagnos",
    r"\b(will|going to) (cause|lead to|result in) (an |a )?(injur|strain|tendin|pain)",
    r"\bdanger(ous)?\b",
    r"\bweak (hamstrings|glutes|quads|quadriceps|muscles|calves|core)\b",
    r"\bquad[- ]dominan",
    r"\b(guarantee[sd]?|definitely|certainly|inevitabl[ey])\b",
    r"\bprevents? (injur|runner)",
    r"\b(increase|raise|change|lift) (your )?(cadence|step rate) by (about )?(1[1-9]|[2-9]\d|\d{3,})\s?%",
))


class WordingError(ValueError):
    """A hint message breaks the wording rules of science.md §3.1 (a bug in a rule, not a user error)."""


def find_forbidden(message: str) -> list[str]:
    """The forbidden phrases of §3.1 found in ``message`` (empty list when clean)."""
    return [m.group(0) for p in FORBIDDEN_PATTERNS for m in [p.search(message)] if m]


def check_wording(message: str, require_anchor: bool = True) -> str:
    """Return ``message`` if it follows §3.1, else raise :class:`WordingError` naming the problem."""
    bad = find_forbidden(message)
    if bad:
        raise WordingError(f"forbidden phrase {bad[0]!r} in hint: {message}")
    if "estimated" not in message.lower():
        raise WordingError(f"no 'estimated' qualifier in hint: {message}")
    if require_anchor and ANCHOR_PERSONAL not in message and ANCHOR_POPULATION not in message:
        raise WordingError(f"no personal or population anchor in hint: {message}")
    if not re.search(r"Evidence: (strong|moderate|limited|model-based)\.$", message):
        raise WordingError(f"no closing evidence label in hint: {message}")
    return message
