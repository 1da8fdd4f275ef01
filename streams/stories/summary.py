"""The one-line human summaries of event updates ("Turkey joins talks in Muscat", "Talks in Geneva cancelled").

All wording lives here so it can be changed (or translated) without touching the linking code.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "detail_summary",
    "new_story_summary",
    "participant_summary",
    "statement_summary",
    "status_summary",
    "story_label",
]

#: how a story of each PLOVER kind is named in a summary ("talks in Muscat")
_KIND_NOUN = {
    "AGREE": "agreement", "CONSULT": "talks", "SUPPORT": "support", "CONCEDE": "concession",
    "COOPERATE": "cooperation", "AID": "aid", "RETREAT": "withdrawal", "DEMAND": "demands",
    "DISAPPROVE": "criticism", "REJECT": "rejection", "THREATEN": "threats", "PROTEST": "protests",
    "INVESTIGATE": "investigation", "SANCTION": "sanctions", "MOBILIZE": "mobilisation",
    "COERCE": "crackdown", "ASSAULT": "attack", "FIGHT": "fighting",
}
#: what a PLOVER kind's actor does, for a new story's line ("Turkey holds talks with Oman in Muscat")
_KIND_VERB = {
    "AGREE": "agrees with", "CONSULT": "holds talks with", "SUPPORT": "backs", "CONCEDE": "concedes to",
    "COOPERATE": "cooperates with", "AID": "sends aid to", "RETREAT": "withdraws from",
    "DEMAND": "makes demands of", "DISAPPROVE": "criticises", "REJECT": "rejects", "THREATEN": "threatens",
    "PROTEST": "protests against", "INVESTIGATE": "investigates", "SANCTION": "sanctions",
    "MOBILIZE": "mobilises against", "COERCE": "cracks down on", "ASSAULT": "attacks", "FIGHT": "fights",
}
_STATUS_WORD = {"planned": "planned", "ongoing": "under way", "concluded": "concluded",
                "cancelled": "cancelled", "hedged": "expected", "active": "active", "dormant": "dormant"}
_MAX = 140


def story_label(kind: str, places: Sequence[str], title: str) -> str:
    """What a story is called in a summary: "talks in Muscat", else its title."""
    noun = _KIND_NOUN.get(kind)
    if noun and places:
        return f"{noun} in {places[0]}"
    if noun:
        return f"{noun}: {_clip(title, 90)}"
    return _clip(title, 100)


def new_story_summary(kind: str, actors: Sequence[str], recipients: Sequence[str], places: Sequence[str],
                      headline: str) -> str:
    """A new story's line: "Turkey holds talks with Oman in Muscat", else the headline."""
    verb = _KIND_VERB.get(kind)
    if not verb or not actors or not recipients:  # "Turkey: agreement" says less than the headline
        return _clip(headline or "New story", _MAX)
    line = f"{_names(actors)} {verb} {_names(recipients)}"
    if places:
        line += f" in {places[0]}"
    return _clip(line, _MAX)


def participant_summary(name: str, label: str, role: str | None = None) -> str:
    """A new participant's line: "Turkey joins talks in Muscat: deputy foreign minister"."""
    line = f"{name} joins {label}"
    return _clip(f"{line}: {role}" if role else line, _MAX)


def status_summary(label: str, status: str) -> str:
    """A status change's line: "Talks in Geneva cancelled"."""
    word = _STATUS_WORD.get(status, status)
    return _clip(f"{_capital(label)} {word}", _MAX)


def statement_summary(speaker: str | None, content: str) -> str:
    """A new statement's line: 'Erdogan: "we will not accept this"'."""
    who = speaker or "Unattributed"
    return _clip(f"{who}: \u201c{_clip(content.strip(), 100)}\u201d", _MAX)


def detail_summary(label: str, what: str, value: str) -> str:
    """A new detail's line: "Talks in Muscat: new place Oman" (``what`` is place, date or kind)."""
    if what == "kind":
        return _clip(f"{_capital(label)}: {_KIND_NOUN.get(value, value.lower())} reported", _MAX)
    if what == "date":
        return _clip(f"{_capital(label)}: dated {value}", _MAX)
    return _clip(f"{_capital(label)}: also in {value}", _MAX)


def _names(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))[:3]
    if len(unique) <= 1:
        return unique[0] if unique else ""
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
