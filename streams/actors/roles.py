"""Titles and roles read from the text around a person's name.

Handles a title before the name ("Brazilian Foreign Minister Mauro Vieira", "UN Secretary-General
António Guterres", "former Prime Minister X"), an apposition after it ("Penny Wong, Australia's
foreign minister,"), and a possessive ("India's Subrahmanyam Jaishankar").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TITLE_PATTERN", "RoleCue", "inside_title", "role_after", "role_before", "title_case"]

_TITLES = [
    r"(?:deputy |vice |acting |interim |first )?prime minister",
    r"(?:deputy |vice |acting |interim )?president",
    r"(?:deputy |acting )?(?:foreign|defen[cs]e|interior|finance|trade|economy|energy|justice|health|home|"
    r"security|war|culture|education|agriculture|environment|transport|labou?r|industry|information|oil|"
    r"economic|development|immigration|intelligence|national security|european affairs|foreign affairs) "
    r"(?:minister|secretary|chief)",
    r"minister (?:of|for) (?:state for )?[a-z]+(?: (?:and|of) [a-z]+)?(?: affairs)?",
    r"minister",
    r"secretary of (?:state|defen[cs]e|the treasury|homeland security|war)",
    r"(?:under-?|deputy |assistant )?secretary[- ]general",
    r"high representative(?: for foreign affairs(?: and security policy)?)?",
    r"(?:deputy )?(?:national security|security) adviser",
    r"(?:chief |lead |top )?negotiator",
    r"(?:special |peace |climate |presidential )?envoy",
    r"(?:deputy )?ambassador(?: to [A-Z][a-z]+(?: [A-Z][a-z]+)?)?",
    r"(?:chief )?spokes(?:man|woman|person)",
    r"chancellor",
    r"(?:crown )?prince",
    r"king|queen|emir|sultan|sheikh|pope|supreme leader|grand ayatollah|ayatollah",
    r"(?:deputy |vice )?chair(?:man|woman|person)?",
    r"(?:director[- ]general|director|commissioner|governor|mayor|senator|congressman|congresswoman|"
    r"lawmaker|legislator|speaker|leader|chief executive|ceo|head|chief|commander|general|admiral|"
    r"chief of staff|attorney general|prosecutor|judge|spokesman|adviser|advisor|official|diplomat)",
]
TITLE_PATTERN = "(?:" + "|".join(_TITLES) + ")"

# "Gen." and "Sen." style abbreviations that stand for a title before a name.
_ABBREVIATED = {"gen.": "General", "sen.": "Senator", "rep.": "Representative", "gov.": "Governor",
                "lt.": "Lieutenant", "col.": "Colonel", "adm.": "Admiral", "amb.": "Ambassador",
                "pres.": "President", "sec.": "Secretary"}

_WORD = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w&-]*)"
_BEFORE = re.compile(
    r"(?P<former>\b(?:former|ex-|then-|outgoing)\s*)?"
    r"(?P<affil>(?-i:(?:" + _WORD + r"\s+){0,3}?" + _WORD + r"(?:'s|\u2019s)?\s+))??"
    r"(?P<title>" + TITLE_PATTERN + r"|Gen\.|Sen\.|Rep\.|Gov\.|Lt\.|Col\.|Adm\.|Amb\.)\s+$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"(?P<affil>(?:" + _WORD + r"\s+){0,3}" + _WORD + r")(?:'s|\u2019s)\s+$")
_AFTER = re.compile(
    r"^,\s+(?:(?:who\s+is|who\s+was)\s+)?(?:the\s+|a\s+|an\s+)?(?P<former>(?:former|ex-|outgoing)\s+)?"
    r"(?:(?P<possessor>(?:[A-Z][\w.&-]*\s+){0,3}[A-Z][\w.&-]*)(?:'s|\u2019s)\s+)?"
    r"(?P<adj>(?:[A-Z][\w.&-]*\s+){0,2})?"
    r"(?P<title>" + TITLE_PATTERN + r")"
    r"(?:\s+(?:of|for|at|to)\s+(?:the\s+)?(?P<of>(?:[A-Z][\w.\u2019'&-]*)(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z][\w.\u2019'&-]*){0,5}))?"
    r"(?=\s*(?:[,.;:)]|$|\s+(?:said|says|told|and|who|has|had|is|was|on|in)\b))",
)


@dataclass(frozen=True, slots=True)
class RoleCue:
    """A title and the raw affiliation phrase found next to a name, with its span."""

    title: str | None
    affiliation: str | None
    former: bool
    start: int
    end: int


def title_case(title: str) -> str:
    """Normalise a title as news writes it before a name: "foreign minister" -> "Foreign Minister"."""
    abbreviated = _ABBREVIATED.get(title.lower())
    if abbreviated:
        return abbreviated
    small = {"of", "for", "the", "and", "to"}
    words = re.split(r"(\s+|-)", title.strip())
    return "".join(w if w in small or w.isspace() or w == "-" else w[:1].upper() + w[1:].lower() for w in words)


_TITLE_WORDS = re.compile(r"\b" + TITLE_PATTERN + r"\b", re.IGNORECASE)


def inside_title(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is part of a title ("State" in "Secretary of State",
    "Defence" in "Minister of Defence"): a word of the title, not an organisation or a place."""
    window_start = max(0, start - 40)
    for match in _TITLE_WORDS.finditer(text, window_start, min(len(text), end + 40)):
        if match.start() < start and end <= match.end():
            return True
    return False


def role_before(text: str, sentence_start: int, name_start: int) -> RoleCue | None:
    """A title (and affiliation) directly before the name starting at ``name_start``."""
    window_start = max(sentence_start, name_start - 120)
    window = text[window_start:name_start]
    match = _BEFORE.search(window)
    if match:
        affil = (match.group("affil") or "").strip() or None
        if affil and affil.lower() in {"the", "a", "an"}:
            affil = None
        title = match.group("title")
        if title[:1].islower() and not affil and not match.group("former"):
            # "the minister X" is rare; lower-case titles before names are mostly "said president X"
            pass
        return RoleCue(title_case(title), _strip_possessive(affil), bool(match.group("former")),
                       window_start + match.start(), name_start)
    possessive = _POSSESSIVE.search(window)
    if possessive:
        return RoleCue(None, possessive.group("affil"), False, window_start + possessive.start(), name_start)
    return None


def role_after(text: str, name_end: int, sentence_end: int) -> RoleCue | None:
    """An apposition after the name ending at ``name_end``: ", Australia's foreign minister,"."""
    window = text[name_end:min(sentence_end, name_end + 160)]
    match = _AFTER.match(window)
    if not match:
        return None
    affil = match.group("of") or match.group("possessor") or (match.group("adj") or "").strip() or None
    return RoleCue(title_case(match.group("title")), affil, bool(match.group("former")), name_end,
                   name_end + match.end())


def _strip_possessive(phrase: str | None) -> str | None:
    if phrase is None:
        return None
    phrase = re.sub(r"(?:'s|\u2019s)$", "", phrase.strip())
    return phrase or None
