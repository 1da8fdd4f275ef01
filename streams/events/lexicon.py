"""The event trigger lexicon (``streams/data/events.yaml``) and finding its triggers in a sentence.

Each entry of the file names a PLOVER type, a prior ``weight`` and its trigger words: verb lemmas
(the first word is inflected: ``meet`` -> ``meets, met, meeting``; ``"hold talks"`` -> ``"held
talks"``), nouns (plurals generated) and literal phrases; ``...`` in a verb or phrase is a gap of up
to six words (``"call on ... to"``), or none. Matching works on lower-cased word tokens, so punctuation and
hyphens between words do not matter, and the longest trigger starting at a word wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.enriched import EventType
from streams.datafile import DATA_DIR, load_entries
from streams.resources import Resources

__all__ = [
    "DEFAULT_EVENTS_FILE",
    "EventLexicon",
    "Form",
    "Governs",
    "Token",
    "TriggerEntry",
    "TriggerHit",
    "event_lexicon",
    "tokenize",
]

DEFAULT_EVENTS_FILE = DATA_DIR / "events.yaml"

#: the grammatical form of a matched trigger: decides tense-based status and passives
Form = Literal["base", "third", "past", "ing", "noun", "phrase"]
Governs = Literal["intent", "demand", "threat", "refusal", "report"]

_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_GAP = "..."
_MAX_GAP = 6
_VOWELS = frozenset("aeiou")

# Irregular verbs of news usage: lemma -> (past, past participle)
_IRREGULAR: dict[str, tuple[str, str]] = {
    "meet": ("met", "met"), "hold": ("held", "held"), "fight": ("fought", "fought"),
    "withdraw": ("withdrew", "withdrawn"), "shoot": ("shot", "shot"), "break": ("broke", "broken"),
    "give": ("gave", "given"), "take": ("took", "taken"), "send": ("sent", "sent"),
    "strike": ("struck", "struck"), "lead": ("led", "led"), "fly": ("flew", "flown"),
    "beat": ("beat", "beaten"), "sell": ("sold", "sold"), "hit": ("hit", "hit"),
    "bring": ("brought", "brought"), "throw": ("threw", "thrown"), "tell": ("told", "told"),
    "stand": ("stood", "stood"), "undertake": ("undertook", "undertaken"), "seek": ("sought", "sought"),
    "speak": ("spoke", "spoken"), "forgive": ("forgave", "forgiven"), "lay": ("laid", "laid"),
    "pay": ("paid", "paid"), "set": ("set", "set"), "cut": ("cut", "cut"), "put": ("put", "put"),
    "shut": ("shut", "shut"), "lend": ("lent", "lent"), "come": ("came", "come"), "go": ("went", "gone"),
    "begin": ("began", "begun"), "sit": ("sat", "sat"), "blow": ("blew", "blown"), "win": ("won", "won"),
    "stick": ("stuck", "stuck"), "slay": ("slew", "slain"), "bind": ("bound", "bound"),
    "overthrow": ("overthrew", "overthrown"), "overrun": ("overran", "overrun"), "wage": ("waged", "waged"),
    "make": ("made", "made"), "lose": ("lost", "lost"), "shake": ("shook", "shaken"),
    "draw": ("drew", "drawn"), "rebuild": ("rebuilt", "rebuilt"), "build": ("built", "built"),
    "hang": ("hanged", "hung"), "say": ("said", "said"), "keep": ("kept", "kept"), "get": ("got", "gotten"),
    "forbid": ("forbade", "forbidden"), "burn": ("burned", "burnt"), "lie": ("lay", "lain"),
    "spread": ("spread", "spread"), "quit": ("quit", "quit"), "rid": ("rid", "rid"),
    "arise": ("arose", "arisen"), "drive": ("drove", "driven"), "ride": ("rode", "ridden"),
    "steal": ("stole", "stolen"), "swear": ("swore", "sworn"), "choose": ("chose", "chosen"),
}


class TriggerEntry(BaseModel):
    """One group of trigger words for a PLOVER event type (an item of ``events.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: EventType
    weight: float = Field(0.7, ge=0.0, le=1.0, description="prior that a match names an event of this type")
    verbs: list[str] = Field(default_factory=list)
    nouns: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    lowercase: bool = False
    governs: Governs | None = None
    military: EventType | None = Field(None, description="type to use when the sentence is military")
    unless_next: list[str] = Field(default_factory=list, description="words that cancel a match right after it")
    unless_prev: list[str] = Field(default_factory=list, description="words that cancel a match right before it")

    @field_validator("verbs", "nouns", "phrases")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        for value in values:
            words = _pattern_words(value)
            if not words or words[0] == _GAP or words[-1] == _GAP:
                raise ValueError(f"{value!r}: a trigger needs words, and '...' only between words")
        return values

    @field_validator("type")
    @classmethod
    def _not_statement(cls, value: str) -> str:
        if value == "STATEMENT":
            raise ValueError("STATEMENT events come from the statements stage, not from the lexicon")
        return value


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the text: ``[start, end)`` and its lower-cased form."""

    start: int
    end: int
    lower: str


@dataclass(frozen=True, slots=True)
class _Pattern:
    words: tuple[str, ...]
    entry: TriggerEntry
    form: Form


@dataclass(frozen=True, slots=True)
class TriggerHit:
    """A trigger of ``entry`` covering tokens ``[first, last]`` of the sentence."""

    entry: TriggerEntry
    form: Form
    first: int
    last: int
    start: int
    end: int


def tokenize(text: str, start: int, end: int) -> list[Token]:
    """The words of ``text[start:end]`` with their offsets."""
    return [Token(m.start(), m.end(), m.group().lower().replace("\u2019", "'"))
            for m in _WORD.finditer(text, start, end)]


def _pattern_words(pattern: str) -> list[str]:
    words: list[str] = []
    for number, piece in enumerate(pattern.lower().split(_GAP)):
        if number:
            words.append(_GAP)
        words.extend(w.replace("\u2019", "'") for w in _WORD.findall(piece))
    return words


def _doubled(word: str) -> str | None:
    """``ban`` -> ``bann`` (consonant-vowel-consonant ending), else ``None``."""
    if len(word) >= 3 and word[-1] not in _VOWELS | {"w", "x", "y"} and word[-2] in _VOWELS \
            and word[-3] not in _VOWELS:
        return word + word[-1]
    return None


def verb_forms(lemma: str) -> dict[str, Form]:
    """Inflections of a verb lemma, each with its form (over-generates; unused forms never match)."""
    forms: dict[str, Form] = {lemma: "base"}
    if lemma.endswith(("s", "x", "z", "ch", "sh")):
        forms[lemma + "es"] = "third"
    elif lemma.endswith("y") and len(lemma) > 1 and lemma[-2] not in _VOWELS:
        forms[lemma[:-1] + "ies"] = "third"
    else:
        forms[lemma + "s"] = "third"
    if lemma in _IRREGULAR:
        for past in _IRREGULAR[lemma]:
            forms.setdefault(past, "past")
    elif lemma.endswith("e"):
        forms[lemma + "d"] = "past"
    elif lemma.endswith("y") and len(lemma) > 1 and lemma[-2] not in _VOWELS:
        forms[lemma[:-1] + "ied"] = "past"
    else:
        forms[lemma + "ed"] = "past"
    doubled = _doubled(lemma)
    if lemma.endswith("ie"):
        forms[lemma[:-2] + "ying"] = "ing"
    elif lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")):
        forms[lemma[:-1] + "ing"] = "ing"
    else:
        forms[lemma + "ing"] = "ing"
    if doubled and lemma not in _IRREGULAR:
        forms.setdefault(doubled + "ed", "past")
    if doubled:
        forms.setdefault(doubled + "ing", "ing")
    if lemma.endswith("ic"):
        forms.setdefault(lemma + "ked", "past")
        forms.setdefault(lemma + "king", "ing")
    return forms


def noun_forms(noun: str) -> list[str]:
    """``noun`` and its plural(s)."""
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return [noun, noun + "es"]
    if noun.endswith("y") and len(noun) > 1 and noun[-2] not in _VOWELS:
        return [noun, noun[:-1] + "ies"]
    return [noun, noun + "s"]


class EventLexicon:
    """Every trigger of every entry, indexed by its first word."""

    def __init__(self, entries: list[TriggerEntry], military_context: list[str] | None = None) -> None:
        self.entries = entries
        self.military_context = frozenset(w.lower() for w in military_context or [])
        best: dict[tuple[str, ...], _Pattern] = {}
        for entry in entries:
            for pattern in self._patterns(entry):
                known = best.get(pattern.words)
                # one word form, one meaning: the higher-weight entry keeps it; a noun reading beats
                # a third-person verb reading of the same form ("protests", "attacks")
                if known is None or entry.weight > known.entry.weight:
                    best[pattern.words] = pattern
                elif known.entry is entry and pattern.form == "noun":
                    best[pattern.words] = pattern
        self._by_first: dict[str, list[_Pattern]] = {}
        for pattern in best.values():
            self._by_first.setdefault(pattern.words[0], []).append(pattern)
        for patterns in self._by_first.values():
            patterns.sort(key=lambda p: -len(p.words))

    @classmethod
    def load(cls, path: Path = DEFAULT_EVENTS_FILE) -> EventLexicon:
        """Load and validate an events file; raises ``ConfigError`` naming file, line and field."""
        data, entries = load_entries(path, "events", TriggerEntry)
        context = data.get("military_context") or []
        if not isinstance(context, list) or not all(isinstance(w, str) for w in context):
            from schemas.errors import ConfigError

            raise ConfigError(f"{path}:1: military_context: expected a list of words")
        return cls(entries, context)

    @staticmethod
    def _patterns(entry: TriggerEntry) -> list[_Pattern]:
        found: list[_Pattern] = []
        for verb in entry.verbs:
            words = _pattern_words(verb)
            # the head is the last piece of the first word: "co-operate" inflects "operate"
            head = len(_WORD.findall(verb.split()[0])) - 1
            for form_word, form in verb_forms(words[head]).items():
                found.append(_Pattern((*words[:head], form_word, *words[head + 1 :]), entry, form))
        for noun in entry.nouns:
            words = _pattern_words(noun)
            # "round of talks", "call for": the plural goes before the preposition
            head = next((i - 1 for i, w in enumerate(words) if i and w in ("of", "for", "to")), len(words) - 1)
            for plural in noun_forms(words[head]):
                found.append(_Pattern((*words[:head], plural, *words[head + 1 :]), entry, "noun"))
        for phrase in entry.phrases:
            found.append(_Pattern(tuple(_pattern_words(phrase)), entry, "phrase"))
        return found

    def find(self, text: str, tokens: list[Token]) -> list[TriggerHit]:
        """Triggers among ``tokens`` (one sentence), longest first at each word, not overlapping."""
        hits: list[TriggerHit] = []
        index = 0
        while index < len(tokens):
            hit = self._longest_at(text, tokens, index)
            if hit is None:
                index += 1
                continue
            hits.append(hit)
            index = hit.last + 1
        return hits

    def _longest_at(self, text: str, tokens: list[Token], index: int) -> TriggerHit | None:
        best: TriggerHit | None = None
        for pattern in self._by_first.get(tokens[index].lower, ()):
            last = _match(pattern.words, tokens, index)
            if last is None or (best is not None and tokens[last].end <= best.end):
                continue
            if not self._allowed(text, pattern.entry, tokens, index, last):
                continue
            best = TriggerHit(pattern.entry, pattern.form, index, last, tokens[index].start, tokens[last].end)
        return best

    @staticmethod
    def _allowed(text: str, entry: TriggerEntry, tokens: list[Token], first: int, last: int) -> bool:
        if entry.lowercase and not text[tokens[first].start].islower():
            return False
        if entry.unless_prev and first > 0 and tokens[first - 1].lower in entry.unless_prev:
            return False
        if entry.unless_next:
            following = [t.lower for t in tokens[last + 1 : last + 4]]
            while following and following[0] in _DETERMINERS:
                following.pop(0)
            if following and following[0] in entry.unless_next:
                return False
        return True

    def is_military(self, tokens: list[Token]) -> bool:
        """True when the sentence names armed forces or heavy weapons."""
        return any(t.lower in self.military_context for t in tokens)


_DETERMINERS = frozenset({"a", "an", "the", "its", "his", "her", "their", "our", "new", "this", "that"})


def _match(words: tuple[str, ...], tokens: list[Token], index: int) -> int | None:
    """Index of the last token matched by ``words`` from ``index`` (gaps are non-greedy), else None."""
    position = index
    for offset, word in enumerate(words):
        if word == _GAP:
            rest = words[offset + 1 :]
            for skip in range(_MAX_GAP + 1):
                if position + skip >= len(tokens):
                    return None
                end = _match(rest, tokens, position + skip)
                if end is not None:
                    return end
            return None
        if position >= len(tokens) or tokens[position].lower != word:
            return None
        position += 1
    return position - 1


def event_lexicon(resources: Resources) -> EventLexicon:
    """The pipeline's event lexicon (option ``events_lexicon_file``), loaded once and shared."""
    return resources.shared("events.lexicon",
                            lambda: EventLexicon.load(resources.option("events_lexicon_file", DEFAULT_EVENTS_FILE)))
