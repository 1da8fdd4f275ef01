"""The stance lexicon: cue words by which a holder evaluates an actor or a topic, and their modifiers.

Loaded from ``streams/data/stance_lexicon.yaml`` (format in that file's header). Cues and modifiers
are each compiled into one regular expression, so finding them in a clause is one ``finditer``.
:meth:`StanceLexicon.evaluate` scores a clause the way a reader would: a hedge weakens the cue it
precedes ("guardedly hopeful"), a negator flips it ("no reason to doubt"), and in a contrast the
main clause outweighs the conceded one ("despite the upbeat communique, delegates were sceptical").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from streams.datafile import DATA_DIR, load_entries

__all__ = [
    "DEFAULT_LEXICON_FILE",
    "ClauseScore",
    "CueHit",
    "ModifierHit",
    "StanceCue",
    "StanceLexicon",
    "StanceModifier",
]

DEFAULT_LEXICON_FILE = DATA_DIR / "stance_lexicon.yaml"

CueTarget = Literal["actor", "topic", "any"]
ModifierRole = Literal["hedge", "intensifier", "negator", "contrast", "concessive"]

_TOPIC_TARGETS: frozenset[CueTarget] = frozenset({"topic", "any"})
_HEDGE_FACTOR = 0.4
_INTENSIFIER_FACTOR = 1.3
# A negated cue keeps less than its full strength: "not hopeful" is milder than "pessimistic".
_NEGATION_FACTOR = -0.8
# Weight of a cue in the clause that a contrast overrides ("despite X, ...", "X, but ...").
_CONCEDED_WEIGHT = 0.25
_NEGATION_REACH = 3
_MODIFIER_REACH = 2
_WORD = re.compile(r"\w+")
_CLAUSE_BREAK = re.compile(r"[,;:\u2014()]|\s-\s")


class StanceCue(BaseModel):
    """A word or phrase expressing a stance, with its polarity and what it takes as target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cue: str = Field(min_length=1)
    polarity: float = Field(ge=-1.0, le=1.0)
    target: CueTarget = "any"
    voice: Literal["verb", "other"] = "other"


class StanceModifier(BaseModel):
    """A word that changes the cues near it (hedge, intensifier, negator, contrast, concessive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cue: str = Field(min_length=1)
    role: ModifierRole


@dataclass(frozen=True, slots=True)
class CueHit:
    """A stance cue found at ``[start, end)``."""

    start: int
    end: int
    cue: StanceCue


@dataclass(frozen=True, slots=True)
class ModifierHit:
    """A modifier found at ``[start, end)``."""

    start: int
    end: int
    role: ModifierRole


@dataclass(frozen=True, slots=True)
class ClauseScore:
    """The stance a clause expresses: ``score`` in [-1, 1] and the cues it rests on."""

    score: float
    hits: tuple[CueHit, ...]

    @property
    def evaluative(self) -> bool:
        """True when the clause contains at least one stance cue."""
        return bool(self.hits)


class StanceLexicon:
    """Stance cues and modifiers compiled for fast scanning."""

    def __init__(self, cues: list[StanceCue], modifiers: list[StanceModifier]) -> None:
        self.cues = cues
        self.modifiers = modifiers
        self._cue_pattern = _compile([c.cue for c in cues])
        self._modifier_pattern = _compile([m.cue for m in modifiers])

    @classmethod
    def load(cls, path: Path = DEFAULT_LEXICON_FILE) -> StanceLexicon:
        """Load and validate a lexicon file; raises ``ConfigError`` naming file, line and field."""
        _, cues = load_entries(path, "cues", StanceCue)
        _, modifiers = load_entries(path, "modifiers", StanceModifier)
        return cls(cues, modifiers)

    def find_cues(self, text: str, start: int = 0, end: int | None = None) -> list[CueHit]:
        """Every stance cue in ``text[start:end]``, in text order."""
        end = len(text) if end is None else end
        return [
            CueHit(m.start(), m.end(), self.cues[_group_index(m.lastgroup)])
            for m in self._cue_pattern.finditer(text, start, end)
            if m.lastgroup is not None
        ]

    def find_modifiers(self, text: str, start: int = 0, end: int | None = None) -> list[ModifierHit]:
        """Every modifier in ``text[start:end]``, in text order."""
        end = len(text) if end is None else end
        return [
            ModifierHit(m.start(), m.end(), self.modifiers[_group_index(m.lastgroup)].role)
            for m in self._modifier_pattern.finditer(text, start, end)
            if m.lastgroup is not None
        ]

    def weigh(
        self,
        text: str,
        start: int,
        end: int,
        targets: frozenset[CueTarget] = _TOPIC_TARGETS,
        keep: Callable[[CueHit], bool] | None = None,
    ) -> list[tuple[CueHit, float]]:
        """Each cue in ``text[start:end]`` whose target is in ``targets`` (and that ``keep`` accepts),
        with its polarity after hedges, intensifiers and negation, times its clause weight."""
        hits = [h for h in self.find_cues(text, start, end) if h.cue.target in targets and (keep is None or keep(h))]
        if not hits:
            return []
        modifiers = [m for m in self.find_modifiers(text, start, end) if not _inside_any(m, hits)]
        return [(hit, self.cue_value(text, hit, modifiers) * _clause_weight(text, hit, modifiers, end)) for hit in hits]

    def evaluate(
        self,
        text: str,
        start: int,
        end: int,
        targets: frozenset[CueTarget] = _TOPIC_TARGETS,
        keep: Callable[[CueHit], bool] | None = None,
    ) -> ClauseScore:
        """Score the stance ``text[start:end]`` expresses (see :meth:`weigh`).

        Returns:
            The clipped sum of the weighted cue values, and the cues used.
        """
        weighted = self.weigh(text, start, end, targets, keep)
        total = sum(value for _, value in weighted)
        return ClauseScore(max(-1.0, min(1.0, total)), tuple(hit for hit, _ in weighted))

    @staticmethod
    def cue_value(text: str, hit: CueHit, modifiers: list[ModifierHit]) -> float:
        """The polarity of ``hit`` after the hedges, intensifiers and negators just before it."""
        value = hit.cue.polarity
        for modifier in modifiers:
            if modifier.end > hit.start:
                break
            gap = _words_between(text, modifier.end, hit.start)
            if gap is None:
                continue
            if modifier.role == "negator" and gap <= _NEGATION_REACH:
                value *= _NEGATION_FACTOR
            elif modifier.role == "hedge" and gap <= _MODIFIER_REACH:
                value *= _HEDGE_FACTOR
            elif modifier.role == "intensifier" and gap <= _MODIFIER_REACH:
                value *= _INTENSIFIER_FACTOR
        return max(-1.0, min(1.0, value))


def _compile(phrases: list[str]) -> re.Pattern[str]:
    """One regex for all phrases, branching on the first letter so a word start is tested cheaply.

    Each phrase is a named group ``g<index>``; a phrase whose first word lists alternatives is
    split into one branch per alternative, all under the same index.
    """
    branches: dict[str, list[tuple[int, str]]] = {}
    glued: list[str] = []
    for index, phrase in enumerate(phrases):
        words = phrase.strip().split()
        if words[0].startswith(("n't", "n\u2019t")):
            # "n't" is glued to its verb ("wasn't"), every other cue starts a word
            glued.append(f"(?P<g{index}>n['\u2019]t)")
            continue
        tail = "" if words[-1].endswith("*") else r"(?![\w'\u2019])"
        rest = "".join(r"[\s-]+" + _word_pattern(w) for w in words[1:]) + tail
        firsts = words[0][1:-1].split("|") if words[0].startswith("(") else [words[0]]
        for first in firsts:
            head = _word_pattern(first)
            branches.setdefault(first[0].lower(), []).append((index, head[len(re.escape(first[0])):] + rest))
    parts = []
    for char, alternatives in sorted(branches.items()):
        alternatives.sort(key=lambda item: len(item[1]), reverse=True)
        # the branch letter keeps names unique when one phrase's alternatives start with different
        # letters ("(real|good|genuine) chance")
        inner = "|".join(f"(?P<g{index}_{ord(char)}x{k}>{body})" for k, (index, body) in enumerate(alternatives))
        parts.append(re.escape(char) + "(?:" + inner + ")")
    pattern = r"(?<![\w'\u2019])(?:" + "|".join(parts) + ")"
    return re.compile("|".join([pattern, *glued]), re.IGNORECASE)


def _group_index(name: str) -> int:
    """The phrase index of a group name ``g<index>`` or ``g<index>_<branch>``."""
    return int(name[1:].partition("_")[0])


def _word_pattern(word: str) -> str:
    if word.startswith("(") and word.endswith(")"):
        return "(?:" + "|".join(re.escape(w) for w in word[1:-1].split("|")) + ")"
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"\w*"
    if word.startswith("n't") or word.startswith("n\u2019t"):
        return r"n['\u2019]t"
    return re.escape(word)


def _inside_any(modifier: ModifierHit, hits: list[CueHit]) -> bool:
    return any(h.start <= modifier.start and modifier.end <= h.end for h in hits)


def _words_between(text: str, start: int, end: int) -> int | None:
    """Number of words in ``text[start:end]``, or None when a clause break lies between."""
    if _CLAUSE_BREAK.search(text, start, end):
        return None
    return len(_WORD.findall(text, start, end))


def _clause_weight(text: str, hit: CueHit, modifiers: list[ModifierHit], end: int) -> float:
    """Down-weight a cue that sits in a clause a contrast overrides."""
    for modifier in modifiers:
        if modifier.role == "contrast" and modifier.start > hit.end:
            return _CONCEDED_WEIGHT
        if modifier.role == "concessive" and modifier.end <= hit.start:
            # the conceded clause runs from the marker to the next clause break
            brk = _CLAUSE_BREAK.search(text, modifier.end, end)
            if brk is not None and hit.end <= brk.start():
                return _CONCEDED_WEIGHT
    return 1.0
