"""What the statement passes share: tokens, drafts, sources and one article's quotes and cues."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from streams.document import ActorRecord, Document
from streams.statements.cues import Cue, find_cues
from streams.statements.quotes import find_quotations

__all__ = ["ArticleState", "BETWEEN", "CLAUSE_WORDS", "DETERMINERS", "Draft", "OPENERS", "OTHER_PRONOUNS", "PERSON_PRONOUNS", "STOP_PUNCT", "Source", "Span", "TOKEN", "Token", "inside", "tokenize"]

Span = tuple[int, int]


# Initials ("U.S.", "J.") and short title abbreviations ("Mr.", "Sen.") keep their period, as do
# "Jr." and "Sr." ("John G. Roberts Jr. spoke of").
TOKEN = re.compile(
    r"(?:[A-Z]\.)+|[A-Z][a-z]{1,3}\.(?=\s+[A-Z])|(?:Jr|Sr)\.|\w+(?:['\u2019.\-]\w+)*|''|[^\w\s]"
)


# Words that may stand between a subject and its cue ("Trump has also repeatedly said").
BETWEEN = frozenset(
    """has have had also later previously repeatedly then once recently publicly reportedly again
    long would will did does do not never is was were are been be quickly privately further
    often even simply first ultimately initially specifically frequently already still just
    actually separately earlier immediately openly loudly strongly explicitly flatly directly
    himself herself themselves itself personally eventually finally subsequently may might
    could should can must allegedly apparently clearly widely consistently n't not always
    yet""".split()
)


# A subject never runs back across these.
CLAUSE_WORDS = frozenset(
    """that and but because while when as after if though although since where whereas so or
    before until unless than what whether""".split()
)


STOP_PUNCT = frozenset([*',;:()[]\u2014\u2013-"\u201c\u201d?!.', "''"])


PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his"})


OTHER_PRONOUNS = frozenset({"they", "we", "i", "it", "you", "them", "us", "me", "their", "its"})


DETERMINERS = frozenset(
    "a an the one two three four five several some many most another his her their its our my"
    .split()
)


# Sentence openers skipped when looking for the subject a participle cue shares.
OPENERS = frozenset(
    "and but so yet still also meanwhile however then later earlier instead".split()
)


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        """The token in lower case."""
        return self.text.lower()


@dataclass(slots=True)
class Source:
    start: int
    end: int
    actor: ActorRecord | None
    pronoun: bool = False


@dataclass(slots=True)
class Draft:
    parts: list[Span]
    kind: str
    cue: Cue | None
    source: Source | None

    @property
    def span(self) -> Span:
        """From the start of the first part to the end of the last."""
        return self.parts[0][0], self.parts[-1][1]


def tokenize(text: str, start: int, end: int) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text, start, end)]


def inside(position: int, spans: Iterable[Span]) -> bool:
    return any(start <= position < end for start, end in spans)


class ArticleState:
    """What one article's passes share: text, quotes, cues and the drafts made so far."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text = doc.text
        self.quotations = find_quotations(doc.text, doc.paragraphs)
        self.quote_spans = [(p.start, p.end) for q in self.quotations for p in q.parts]
        self._quote_starts = [start for start, _ in self.quote_spans]
        self.cues = [c for c in find_cues(doc.text) if not self.in_quote(c.start)]
        self._cue_starts = [c.start for c in self.cues]
        self.cue_starts = frozenset(self._cue_starts)
        self._sentence_starts = [start for start, _ in doc.sentences]
        self.drafts: list[Draft] = []
        self.used_cues: set[int] = set()

    def in_quote(self, position: int) -> bool:
        """True inside a quotation."""
        index = bisect.bisect_right(self._quote_starts, position) - 1
        return index >= 0 and position < self.quote_spans[index][1]

    def cues_in(self, start: int, end: int) -> list[Cue]:
        """The cues (outside quotes) that lie between ``start`` and ``end``."""
        first = bisect.bisect_left(self._cue_starts, start)
        last = bisect.bisect_left(self._cue_starts, end)
        return [c for c in self.cues[first:last] if c.end <= end]

    def sentence_index(self, position: int) -> int:
        """The index of the sentence holding ``position``."""
        return max(0, bisect.bisect_right(self._sentence_starts, position) - 1)

    def sentence(self, position: int) -> Span:
        """The sentence holding ``position``."""
        return self.doc.sentence_of(position) or self.doc.sentences[self.sentence_index(position)]

