"""Whether an event is planned, ongoing, concluded, cancelled or hedged, and whether it is negated.

Read from the trigger's form and the words around it in its sentence (no tagger runs), first match wins:

1. ``cancelled``: cancel/call off/postpone/scrap/shelve/put off/suspend near the trigger ("the
   talks were called off", "postponed the meeting");
2. ``hedged``: a hedge before it ("may", "could", "might", "reportedly", "allegedly", "is expected
   to", "appears poised to", "likely to", "believed to"), or a modal right after a noun trigger;
3. ``planned``: a future marker before it ("will", "'ll", "shall", "plans to", "scheduled to",
   "set to", "due to", "is to", "would", "intends to", "upcoming", "to be held"), or after a noun
   trigger ("talks will", "talks are scheduled"); a governing intent/demand/threat verb ("agreed to
   meet") makes the event planned too (done by the stage);
4. ``ongoing``: a progressive trigger after a form of *be* ("are holding talks"), or "continue(s)
   to", "ongoing", "under way", "still";
5. ``concluded``: a past-tense trigger ("met", "attacked", "has imposed"), "ended/concluded/wrapped
   up" near it, "did" before it ("did not attend"), or a noun trigger with "was/were held", "took place", "ended" after it;
6. else null (present tense, bare nouns: the text does not say).

``negated``: "not", "n't", "never", "no", "without" within the three words before the trigger
(also "no talks were held"), unless it reads "not only".
"""

from __future__ import annotations

from schemas.enriched import EventStatus
from streams.events.lexicon import Form, Token

__all__ = ["is_negated", "status_of"]

_CANCEL = frozenset({"cancel", "cancels", "cancelled", "canceled", "cancelling", "canceling", "postpone",
                     "postpones", "postponed", "postponing", "scrap", "scraps", "scrapped", "scrapping",
                     "shelve", "shelved", "shelves", "axed", "abandoned", "abandons", "cancellation",
                     "postponement", "aborted", "delayed", "deferred"})
_CANCEL_PAIRS = frozenset({("called", "off"), ("call", "off"), ("calls", "off"), ("calling", "off"),
                           ("put", "off"), ("puts", "off"), ("putting", "off")})
_HEDGE = frozenset({"may", "might", "could", "reportedly", "allegedly", "apparently", "possibly",
                    "purportedly", "perhaps", "likely", "unlikely", "poised", "expected", "rumoured",
                    "rumored", "believed", "appears", "appeared", "seems", "seemed", "possible", "probably",
                    "supposedly", "unconfirmed", "mooted", "considering", "consider", "weighing", "mulling"})
_FUTURE = frozenset({"will", "ll", "shall", "plans", "planned", "planning", "plan", "scheduled", "due",
                     "intends", "intend", "intending", "upcoming", "forthcoming", "would", "going",
                     "prepares", "preparing", "prepare", "tomorrow", "next", "aims", "hopes", "hope",
                     "wants", "want", "seeks", "ready", "proposed", "proposes", "propose", "offered"})
_FUTURE_PAIRS = frozenset({("set", "to"), ("is", "to"), ("are", "to"), ("to", "be"), ("was", "to"),
                           ("were", "to")})
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being", "am", "s", "re", "'s", "'re"})
_ONGOING = frozenset({"ongoing", "continuing", "continue", "continues", "underway", "still", "resumed",
                      "resume", "resumes", "resuming"})
_DONE = frozenset({"ended", "concluded", "completed", "finished", "wrapped", "held", "took", "happened",
                   "occurred", "began", "started", "broke", "erupted", "ends", "yesterday"})
_HAVE = frozenset({"has", "have", "had"})
_DID = frozenset({"did", "didn't"})
_NEGATORS = frozenset({"not", "never", "no", "without", "cannot", "nor", "neither"})


def _norm(word: str) -> str:
    if word.endswith("'ll") or word == "won't":
        return "will"
    return word


def _window(tokens: list[Token], first: int, last: int, before: int, after: int) -> tuple[list[str], list[str]]:
    left = [_norm(t.lower) for t in tokens[max(0, first - before) : first]]
    right = [_norm(t.lower) for t in tokens[last + 1 : last + 1 + after]]
    return left, right


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:], strict=False))


def status_of(tokens: list[Token], first: int, last: int, form: Form) -> EventStatus | None:
    """The status of the event whose trigger covers ``tokens[first:last + 1]`` (see the module docstring)."""
    left, right = _window(tokens, first, last, 5, 8)
    trigger = [t.lower for t in tokens[first : last + 1]]
    nominal = form in ("noun", "phrase")
    if _CANCEL & set(left + right) or _CANCEL_PAIRS & (_pairs(left) | _pairs(trigger + right)):
        return "cancelled"
    near_left = left[-4:]
    if _HEDGE & set(near_left) or (nominal and _HEDGE & set(right[:2])):
        return "hedged"
    if _FUTURE & set(near_left) or _FUTURE_PAIRS & _pairs(near_left + trigger[:1]) \
            or (nominal and (_FUTURE & set(right[:3]) or _FUTURE_PAIRS & _pairs(right[:3]))):
        return "planned"
    if form == "ing" and left and (left[-1] in _BE or (len(left) > 1 and left[-2] in _BE)):
        return "ongoing"
    if _ONGOING & set(near_left[-2:]) or (nominal and _ONGOING & set(near_left[-1:] + right[:2])):
        return "ongoing"
    if form == "past" or (left and left[-1] in _HAVE) or _DID & set(near_left):
        return "concluded"
    if nominal and (_DONE & set(right[:3]) or ({"was", "were"} & set(right[:2]) and form == "noun")):
        return "concluded"
    if nominal and _DONE & set(near_left[-2:]):
        return "concluded"
    return None


def is_negated(tokens: list[Token], first: int) -> bool:
    """True when a negator stands within the three words before ``tokens[first]``."""
    left = [t.lower for t in tokens[max(0, first - 3) : first]]
    for index, word in enumerate(left):
        if word in _NEGATORS or word.endswith("n't"):
            following = left[index + 1] if index + 1 < len(left) else tokens[first].lower
            if word == "not" and following == "only":
                continue
            return True
    return False
