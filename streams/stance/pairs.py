"""Directed stance between two parties in one sentence: features, a linear classifier, and voice rules.

For an ordered pair (A first in the text, B second) the classifier picks one of five classes:
neutral, positive A->B, positive B->A, negative A->B, negative B->A (the classes of the
directed-sentiment dataset it is trained on, ``scripts/train_stance.py``). Its features are
general: the words between and around the two mentions (other parties masked as ``ENT``), their
positions, lexicon cues with the hedges and negators before them, passive-voice and possessive
markers, distance and the parties' types; never the names themselves.

A small set of voice rules decides the clear cases outright ("A blamed B" and "A, a fierce critic
of B" are A->B negative; "B was blamed by A", "B, criticised by A," and "B drew praise from A" are
A->B as well), so the ordinary phrasing of a news sentence does not depend on what a statistical
model happened to learn (on the train split these rules agree with the annotators about 97% of
the time they fire).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schemas.errors import ConfigError
from streams.datafile import DATA_DIR
from streams.stance.lexicon import CueHit, ModifierHit, StanceLexicon

__all__ = [
    "CLASSES",
    "DEFAULT_MODEL_FILE",
    "Direction",
    "PairModel",
    "SentenceView",
    "class_direction",
    "pair_features",
    "voice_rule",
]

DEFAULT_MODEL_FILE = DATA_DIR / "stance_pairs.json"

#: class index -> (polarity sign, direction); direction "ab" means first party -> second party
CLASSES = ("neutral", "positive-ab", "positive-ba", "negative-ab", "negative-ba")

_TOKEN = re.compile(r"\w+(?:['\u2019]\w+)*|n['\u2019]t|['\u2019]s\b|[^\w\s]")
_SAY = frozenset("said say says told tell add added wrote write argu insist claim explain".split())
_BE = frozenset("is are was were be been being has have had got gets get 's".split())
_NEGATORS = frozenset("not n't no never nor without hardly barely".split())
_QUOTES = frozenset("\" \u201c \u201d ' \u2018 \u2019 ''".split())
_CLAUSE_TOKENS = frozenset(", ; : ( ) \u2014 -- who which that".split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s")
_MAX_BETWEEN = 14
_CONTEXT = 3


@dataclass(frozen=True, slots=True)
class Direction:
    """A decided directed stance between the first (a) and second (b) party of a pair."""

    holder_first: bool
    score: float


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    norm: str
    stem: str


class SentenceView:
    """One sentence tokenised once, with its cues and modifiers, for scoring many pairs."""

    def __init__(self, text: str, start: int, end: int, lexicon: StanceLexicon) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.tokens = [_make_token(m) for m in _TOKEN.finditer(text, start, end)]
        self._starts = [t.start for t in self.tokens]
        self.cues = [h for h in lexicon.find_cues(text, start, end)]
        self.modifiers: list[ModifierHit] = [
            m for m in lexicon.find_modifiers(text, start, end)
            if not any(h.start <= m.start and m.end <= h.end for h in self.cues)
        ]
        self.lexicon = lexicon

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Indexes ``[i, j)`` of the tokens overlapping ``[start, end)``."""
        i = bisect.bisect_right(self._starts, start) - 1
        i = max(i, 0)
        while i < len(self.tokens) and self.tokens[i].end <= start:
            i += 1
        j = bisect.bisect_left(self._starts, end)
        return i, max(j, i + 1)

    def cue_value(self, hit: CueHit) -> float:
        """The polarity of ``hit`` after the modifiers before it."""
        return self.lexicon.cue_value(self.text, hit, self.modifiers)


def _make_token(match: re.Match[str]) -> _Token:
    norm = match.group().lower().replace("\u2019", "'")
    if norm.isdigit():
        norm = "0"
    return _Token(match.start(), match.end(), norm, _stem(norm))


def _stem(word: str) -> str:
    word = word.replace("iz", "is") if len(word) > 6 else word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def pair_features(
    view: SentenceView,
    a: tuple[int, int],
    b: tuple[int, int],
    others: list[tuple[int, int]],
    types: tuple[str, str],
) -> list[str]:
    """The classifier features of the ordered pair ``a`` (first) and ``b`` (second).

    Args:
        view: the sentence.
        a: character span of the first party's mention.
        b: character span of the second party's mention.
        others: character spans of the sentence's other parties (masked as ``ENT``).
        types: the actor types of a and b.
    """
    a_first, a_last = view.token_range(*a)
    b_first, b_last = view.token_range(*b)
    words = _masked(view, others)
    between = words[a_last:b_first]
    feats = ["bias", f"ta:{types[0]}", f"tb:{types[1]}", f"d:{_bucket(len(between))}"]
    feats += _between_features(between)
    feats += [f"l{k}:{w}" for k, w in enumerate(reversed(words[max(0, a_first - _CONTEXT):a_first]), 1)]
    feats += [f"r{k}:{w}" for k, w in enumerate(words[b_last : b_last + _CONTEXT], 1)]
    feats += [f"lw:{w}" for w in words[max(0, a_first - 8) : a_first]]
    feats += [f"rw:{w}" for w in words[b_last : b_last + 8]]
    cue_feats = _cue_features(view, a, b)
    markers = _marker_features(view, words, a_first, a_last, b_first, b_last)
    feats += cue_feats + markers
    feats += _conjunctions(view, a, b, cue_feats, markers)
    return feats


def _masked(view: SentenceView, others: list[tuple[int, int]]) -> list[str]:
    words = [t.stem for t in view.tokens]
    for start, end in others:
        first, last = view.token_range(start, end)
        for k in range(first, min(last, len(words))):
            words[k] = "ENT"
    return words


def _between_features(between: list[str]) -> list[str]:
    if len(between) > _MAX_BETWEEN:
        half = _MAX_BETWEEN // 2
        between = between[:half] + ["..."] + between[-half:]
    feats = [f"b:{w}" for w in between]
    feats += [f"bb:{x}_{y}" for x, y in zip(between, between[1:], strict=False)]
    feats += [f"b{k}:{w}" for k, w in enumerate(between[:3], 1)]
    feats += [f"e{k}:{w}" for k, w in enumerate(reversed(between[-2:]), 1)]
    if between and between[0] in ("'s", "'"):
        feats.append("poss:a")
    if not between:
        feats.append("adjacent")
    return feats


def _cue_features(view: SentenceView, a: tuple[int, int], b: tuple[int, int]) -> list[str]:
    feats = []
    for hit in view.cues:
        where = "b" if a[1] <= hit.start and hit.end <= b[0] else ("l" if hit.end <= a[0] else "r")
        if not (a[1] <= hit.start and hit.end <= b[0]) and hit.start < b[1] and hit.end > a[0]:
            continue
        value = view.cue_value(hit)
        sign = "pos" if value > 0 else "neg"
        feats.append(f"cue:{where}:{sign}")
        feats.append(f"cue:{where}:{sign}:{hit.cue.target}:{hit.cue.voice}")
        if value * hit.cue.polarity < 0:
            feats.append(f"cue:{where}:negated")
    return feats


def _marker_features(
    view: SentenceView, words: list[str], a_first: int, a_last: int, b_first: int, b_last: int
) -> list[str]:
    feats = []
    between = words[a_last:b_first]
    if between and between[-1] in ("by", "from"):
        feats.append(f"agent:{between[-1]}")
        if any(w in _BE for w in between[:4]):
            feats.append("passive:be-by")
    if any(w in _NEGATORS for w in between):
        feats.append("neg:between")
    if any(w in _QUOTES for w in between):
        feats.append("quote:between")
    if any(w in _CLAUSE_TOKENS for w in between):
        feats.append("clause:between")
    if b_last < len(words) and words[b_last] in ("'s", "'"):
        feats.append("poss:b")
    if any(w in _SAY for w in words[b_last : b_last + 3]) or words[max(0, b_first - 2) : b_first] == ["accord", "to"]:
        feats.append("say:b")
    if any(w in _SAY for w in words[a_last : min(a_last + 3, b_first)]):
        feats.append("say:a")
    if any(w in _QUOTES for w in words[:a_first]) or any(w in _QUOTES for w in words[b_last:]):
        feats.append("quote:outside")
    return feats


def _conjunctions(
    view: SentenceView, a: tuple[int, int], b: tuple[int, int], cue_feats: list[str], markers: list[str]
) -> list[str]:
    """Cue polarity crossed with who speaks and with voice: the direction evidence."""
    signs = {f.split(":")[2] for f in cue_feats if f.count(":") == 2 and not f.endswith("negated")}
    overall = "mixed" if len(signs) > 1 else (signs.pop() if signs else "none")
    between = {f.split(":")[2] for f in cue_feats if f.startswith("cue:b:") and f.count(":") == 2}
    between_sign = "mixed" if len(between) > 1 else (between.pop() if between else "none")
    feats = [f"sent:{overall}"]
    for marker in markers:
        if marker.startswith(("agent:", "passive:", "say:", "poss:", "quote:")):
            feats.append(f"{marker}|{between_sign}")
            feats.append(f"{marker}|all:{overall}")
    ruled = voice_rule(view, a, b)
    if ruled is not None:
        feats.append(f"rule:{'ab' if ruled.holder_first else 'ba'}:{'pos' if ruled.score > 0 else 'neg'}")
    return feats


def _bucket(n: int) -> str:
    for limit, name in ((0, "0"), (2, "1-2"), (5, "3-5"), (10, "6-10"), (20, "11-20")):
        if n <= limit:
            return name
    return "21+"


# -- voice rules ---------------------------------------------------------------------------------
# Words that may stand between a subject and its verb ("Trump on Monday again accused ...").
_ADVERB = (
    r"(?:(?:\w+ly|also|again|even|then|now|long|once|still|later|earlier|just|already|first|twice|"
    r"had|has|have|did|does|do|would|will|could|may|might|should|must|to|is|was|are|were|not|never|"
    r"(?:did|does|do|had|has|have|would|could|wo|ca|is|was|are|were)n['\u2019]t|"
    r"expected|going|set|plans|planned|vowed|wants|wanted|tried|sought|appeared|seemed|\w+ed\s+to|"
    r"on\s+\w+day|last\s+\w+|this\s+\w+|in\s+a\s+\w+)\s+)*"
)
# What may follow the first party inside its own subject: "A's campaign", "A prosecutors",
# ", the board chairman,", "and Iran".
_SUBJECT_HEADS = (
    r"campaign|administration|government|officials?|team|camp|supporters|spokes(?:man|woman|person)|aides?|"
    r"allies|lawyers?|attorneys?|prosecutors|forces|troops|police|ministry|office|leaders?|leadership|"
    r"party|president|chairman|speaker|minister|senator|lawmakers?|critics|staff|advisers?|advisors?|"
    r"media|army|military|regime|court|judge"
)
_SUBJECT_TAIL = (
    r"\s*(?:['\u2019]s?\s+(?:\w+\s+)?(?:" + _SUBJECT_HEADS + r")\s+|\s+(?:\w+\s+)?(?:" + _SUBJECT_HEADS + r")\s+|"
    r",[^,]{1,80},\s*|\s+and\s+(?:(?-i:[A-Z][\w.'\u2019-]*)\s+){1,3})?"
)
_ACTIVE_GAP = re.compile(_SUBJECT_TAIL + r"\s*" + _ADVERB, re.IGNORECASE)
# Determiners, titles and "the work of" between a verb and its object ("praised US President Trump").
_OBJECT_GAP = re.compile(
    r"\s*(?:to\s+\w+\s+)?(?:the\s+(?:work|job|efforts?|leadership|courage|role|decisions?|response|handling|"
    r"policies|policy|plans?|record|conduct|behaviou?r)\s+(?:of\s+)?)?"
    r"(?:(?:the|its|his|her|their|both|former|fellow|(?-i:[A-Z][\w.'\u2019-]*))\s+){0,4}",
    re.IGNORECASE,
)
_PASSIVE_BEFORE = re.compile(
    r"\s*(?:,\s*(?:who|which)?\s*)?(?:(?:is|are|was|were|has\s+been|have\s+been|had\s+been|being|been|got|gets|"
    r"will\s+be|would\s+be)\s+)?" + _ADVERB,
    re.IGNORECASE,
)
_PASSIVE_AFTER = re.compile(r"\s*(?:\w+\s+){0,2}?by\s+(?:the\s+)?", re.IGNORECASE)
_ROLE_NOUNS = {
    "critic": -0.7, "opponent": -0.6, "detractor": -0.7, "foe": -0.8, "enemy": -0.8, "adversary": -0.7,
    "ally": 0.6, "supporter": 0.7, "backer": 0.7, "admirer": 0.8, "defender": 0.6, "champion": 0.6,
    "friend": 0.5, "loyalist": 0.6, "fan": 0.6,
}
_ACT_NOUNS = {
    "criticism": -0.8, "condemnation": -0.9, "attack": -0.8, "attacks": -0.8, "accusations": -0.8,
    "accusation": -0.8, "rebuke": -0.8, "denunciation": -0.9, "opposition": -0.7, "distrust": -0.7,
    "contempt": -0.8, "disdain": -0.8, "hostility": -0.7, "lawsuit": -0.7, "complaint": -0.5,
    "praise": 0.8, "support": 0.6, "endorsement": 0.8, "backing": 0.7, "admiration": 0.8,
    "defense": 0.6, "defence": 0.6, "embrace": 0.6, "thanks": 0.6, "gratitude": 0.7,
}
_ROLE_PATTERN = re.compile(
    r"\s*(?:,[^,]{1,80},\s*)?(?:,\s*|\s+(?:is|was|has\s+been|had\s+been|became|remains|remained)\s+)(?:also\s+)?(?:a|an|the)\s+"
    r"(?:(?:\w+(?:est|ly)?|longtime|long-time|fierce|vocal|harsh|staunch|close|key|frequent|top|"
    r"outspoken|leading|prominent|loyal|strong)\s+){0,2}(?P<noun>" + "|".join(_ROLE_NOUNS) + r")s?\s+of\s+(?:the\s+)?",
    re.IGNORECASE,
)
_POSSESSIVE_ACT = re.compile(
    r"\s*['\u2019]s?\s+(?:(?:\w+)\s+){0,2}?(?P<noun>" + "|".join(_ACT_NOUNS) + r")\s+(?:of|for|on|against|to)\s+"
    r"(?:the\s+)?",
    re.IGNORECASE,
)
_SHOWN_ACT = re.compile(
    _SUBJECT_TAIL + r"\s*" + _ADVERB + r"(?:\w+\s+){1,2}?(?:its|his|her|their|a|an)\s+(?:\w+\s+){0,2}?"
    r"(?P<noun>" + "|".join(_ACT_NOUNS) + r")\s+(?:of|for|to|on|against)\s+(?:the\s+)?",
    re.IGNORECASE,
)
_RECEIVED_FROM = re.compile(
    r"\s*(?:has\s+|have\s+|had\s+)?(?:drew|draws|drawn|drawing|received|receives|faced|faces|won|wins|earned|"
    r"got|came\s+under|comes\s+under|is\s+under|was\s+under)\s+(?:(?:\w+)\s+){0,2}?"
    r"(?P<noun>" + "|".join(_ACT_NOUNS) + r"|fire)\s+from\s+(?:the\s+)?",
    re.IGNORECASE,
)


def voice_rule(view: SentenceView, a: tuple[int, int], b: tuple[int, int]) -> Direction | None:
    """Decide the clear cases between the first party ``a`` and the second ``b``.

    "A <verb> B", "A, a critic of B", "A's criticism of B", "A voiced its support for B" are A->B;
    "A was <verb>ed by B", "A, <verb>ed by B" and "A drew criticism from B" are B->A. A negated
    positive verb is negative ("did not trust"); a negated negative one decides nothing.

    Returns:
        The direction and signed score, or None when no rule applies.
    """
    text = view.text
    if b[0] - a[1] > 160:
        return None
    noun = _noun_rule(text, a, b)
    if noun is not None:
        return noun
    for hit in view.cues:
        if hit.cue.voice != "verb" or hit.cue.target == "topic" or not (a[1] <= hit.start and hit.end <= b[0]):
            continue
        score = view.cue_value(hit)
        if score * hit.cue.polarity <= 0 and hit.cue.polarity < 0:
            # "did not criticise B" says little; "did not trust B" is against B
            return None
        if _full(_PASSIVE_BEFORE, text, a[1], hit.start) and _full(_PASSIVE_AFTER, text, hit.end, b[0]):
            return Direction(holder_first=False, score=score)
        if (_full(_ACTIVE_GAP, text, a[1], hit.start) and _full(_OBJECT_GAP, text, hit.end, b[0])
                and not _is_passive(text, hit)):
            return Direction(holder_first=True, score=score)
    return None


def _noun_rule(text: str, a: tuple[int, int], b: tuple[int, int]) -> Direction | None:
    for pattern, nouns, holder_first in ((_ROLE_PATTERN, _ROLE_NOUNS, True),
                                         (_POSSESSIVE_ACT, _ACT_NOUNS, True),
                                         (_SHOWN_ACT, _ACT_NOUNS, True),
                                         (_RECEIVED_FROM, {**_ACT_NOUNS, "fire": -0.8}, False)):
        match = pattern.fullmatch(text, a[1], b[0])
        if match is not None:
            return Direction(holder_first=holder_first, score=nouns[match.group("noun").lower()])
    return None


def _full(pattern: re.Pattern[str], text: str, start: int, end: int) -> bool:
    return pattern.fullmatch(text, start, end) is not None


def _is_passive(text: str, hit: CueHit) -> bool:
    head = text[max(0, hit.start - 12) : hit.start].lower().split()
    return bool(head) and head[-1] in ("was", "were", "been", "being", "is", "are")


# -- the classifier ------------------------------------------------------------------------------
class PairModel:
    """A multinomial logistic regression over sparse string features, shipped as JSON."""

    def __init__(self, features: list[str], weights: np.ndarray, bias: np.ndarray, offsets: np.ndarray) -> None:
        self._index = {f: i for i, f in enumerate(features)}
        self._weights = weights
        self._bias = bias
        self._offsets = offsets

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_FILE) -> PairModel:
        """Load a model written by ``scripts/train_stance.py``; raises ``ConfigError`` if unusable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            weights = np.asarray(data["weights"], dtype=np.float32)
            bias = np.asarray(data["bias"], dtype=np.float32)
            offsets = np.asarray(data.get("offsets", [0.0] * len(CLASSES)), dtype=np.float32)
            features = list(data["features"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a usable stance pair model: {exc}") from exc
        if weights.shape != (len(features), len(CLASSES)) or tuple(data.get("classes", CLASSES)) != CLASSES:
            raise ConfigError(f"{path}: weights do not match {len(features)} features x {len(CLASSES)} classes")
        return cls(features, weights, bias, offsets)

    def probabilities(self, features: list[str]) -> np.ndarray:
        """Class probabilities (softmax), before the decision offsets."""
        rows = [self._index[f] for f in features if f in self._index]
        logits = self._bias + (self._weights[rows].sum(axis=0) if rows else 0.0)
        logits = logits - logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def decide(self, features: list[str]) -> tuple[int, float]:
        """The predicted class (with the tuned per-class offsets) and its probability."""
        probs = self.probabilities(features)
        adjusted = np.log(probs + 1e-12) + self._offsets
        best = int(adjusted.argmax())
        return best, float(probs[best])


def class_direction(index: int, probability: float) -> Direction | None:
    """Turn a predicted class into a :class:`Direction` (None for neutral)."""
    if index == 0:
        return None
    sign = 1.0 if CLASSES[index].startswith("positive") else -1.0
    return Direction(holder_first=CLASSES[index].endswith("ab"), score=sign * max(0.05, min(1.0, probability)))
