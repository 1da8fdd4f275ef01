"""Stage ``wirewatch.statements.v1``: direct and indirect statements attributed to their speakers.

Rules over sentences, quote marks, the cue lexicon (:mod:`streams.statements.cues`) and the mentions the
actors stage resolved; no parser or tagger runs. The work goes in three passes:

1. **Quotations -> direct statements.** A quote is attributed to a cue right before it ("X said:"),
   right after it (", X said" / ", said X"), a dash byline ('"..." - Name'), or a colon with no
   cue word ("Bush: "...""). Quote parts served by the same cue form one statement ("A," he said,
   "B"), and a whole-sentence quote with no cue of its own continues the statement just before it
   (also across paragraphs). A quote embedded in other words is left to pass 2.
2. **Cues -> indirect statements.** Every remaining cue outside quotes gives a statement:
   ``SOURCE CUE (that) CONTENT`` (forward), ``CONTENT, SOURCE CUE`` / ``CONTENT, CUE SOURCE``
   (postposed), ``A, SOURCE CUE, B`` (parenthetical), ``according to SOURCE``, ``SOURCE's claim
   that``, passives ("was criticized by SOURCE") and holder-less hedges ("X appears to ..."); plus
   "Name: ..." paragraph openers (headlines, transcript speaker labels). Partial quotes inside
   reported speech stay part of the indirect statement.
3. **Nesting.** A cue inside another statement's content is reported speech within reported
   speech; only the outer statement is kept.

Speakers: the actor of the mention heading the source phrase; "he"/"she" resolve to the last
person mentioned outside quotes, "who" to the actor just before it; participles (", saying") and
coordinated cues ("and added") share the main clause's subject. A source that is not an actor
("officials said") keeps its ``speaker_span`` with a null speaker.

Confidence: the share of statements of the same kind (direct with a cue word, colon or none;
indirect by cue frame) whose content PolNeAR annotators also marked on their train split, times
1.0 for a named speaker (or a hedge, which has none), 0.95 for a source phrase that is not an
actor, 0.9 for a resolved pronoun and 0.8 for an unresolved pronoun or no source.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from schemas import Statement
from streams.document import ActorRecord, Document
from streams.registry import StageFn, register
from streams.resources import Resources
from streams.statements.cues import Cue, find_cues
from streams.statements.quotes import QuotePart, find_quotations

__all__ = ["StatementFinder", "statements_stage"]

Span = tuple[int, int]

# Initials ("U.S.", "J.") and short title abbreviations ("Mr.", "Sen.") keep their period.
_TOKEN = re.compile(
    r"(?:[A-Z]\.)+|[A-Z][a-z]{1,3}\.(?=\s+[A-Z])|\w+(?:['\u2019.\-]\w+)*|''|[^\w\s]"
)
# Words that may stand between a subject and its cue ("Trump has also repeatedly said").
_BETWEEN = frozenset(
    """has have had also later previously repeatedly then once recently publicly reportedly again
    long would will did does do not never is was were are been be quickly privately further
    often even simply first ultimately initially specifically frequently already still just
    actually separately earlier immediately openly loudly strongly explicitly flatly directly
    himself herself themselves itself personally eventually finally subsequently may might
    could should can must allegedly apparently clearly widely consistently n't not always
    yet""".split()
)
# A subject never runs back across these.
_CLAUSE_WORDS = frozenset(
    """that and but because while when as after if though although since where whereas so or
    before until unless than what whether""".split()
)
_STOP_PUNCT = frozenset([*',;:()[]\u2014\u2013-"\u201c\u201d?!.', "''"])
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his"})
_OTHER_PRONOUNS = frozenset({"they", "we", "i", "it", "you", "them", "us", "me", "their", "its"})
_RELATIVES = frozenset({"who", "which"})
_DETERMINERS = frozenset(
    "a an the one two three four five several some many most another his her their its our my"
    .split()
)
# Head nouns of sources that are not names ("officials said", "a new poll shows").
_SOURCE_NOUNS = frozenset(
    """campaign campaigns poll polls voters officials official candidates candidate supporters
    supporter leaders leader president experts senator aides aide allies ally report reports
    group groups administration governor company advisers adviser advisor team spokesman
    spokeswoman spokesperson party records judge nominee manager survey surveys others
    strategist strategists director office senators government media source sources members
    member analysts analyst lawmakers lawmaker statement critics reporter board crowd agency
    rivals man woman women men politicians organization lawsuit newspaper establishment
    advocates opponents activists activist staff police website filings insiders donors
    delegates committee emails email executives economists court prosecutors authorities
    chairman chairwoman mayor firm camp pollster observers employee video secretary
    researchers unions union lawyers lawyer attorney attorneys friends friend progressives
    employees operatives editorial message paper backers speech person account people
    republicans democrats conservatives liberals independents scientists department convention
    diplomat staffer organizers journalist journalists network host commentators moderators
    documents research officer pundits council speaker foundation consultant investigators
    study studies analysis data letter memo filing complaint ruling decision book article
    story ad ads tweet post ruling spokesmen residents citizens protesters demonstrators
    students teachers workers families parents officers agents minister ministers ambassador
    envoy negotiators commission panel agency pollsters rival opponent challenger incumbent
    hopeful hopefuls contender contenders nominee nominees delegate governors""".split()
)
_THAT = re.compile(
    r"\s*(?:[^\s.;:!?\u201c\u201d\"]+\s+){0,8}?(?P<word>that|whether|:)(?=[\s\u201c\"])"
)
_TRIM_END = ".,;: \n\t"
# Words that open an adjunct after a postposed cue ("..., she said on Tuesday in a statement").
_ADJUNCT_STARTS = frozenset(
    """in on at during after before from to about with while of via through when as last this
    earlier later recently yesterday today tonight monday tuesday wednesday thursday friday
    saturday sunday late early afterward afterwards""".split()
)
_CLOSING_QUOTES = frozenset({"\u201d", '"', "''", "\u2019"})
_APPOSITION_MARKS = frozenset({",", "\u2014", "\u2015", "\u2013", "-", "--"})
_VERB_CHAIN = re.compile(r"\b(?:to|by)\s+(?:(?:also|then|publicly|repeatedly)\s+)?$")
# Heads of a source phrase that speak for the actor named before them ("the Trump campaign").
_PROXY_NOUNS = frozenset(
    """campaign camp spokesman spokeswoman spokesperson office administration team government
    ministry press lawyer lawyers attorney attorneys aide aides staff""".split()
)
# Words that never end a subject ("went so far as to say", "rose to say").
_FUNCTION_WORDS = frozenset(
    "to as so than of for in on at with by from the a an into about over under against".split()
)
# Auxiliaries and modals: a phrase holding one is a clause, not a name.
_VERBISH = frozenset(
    "must will would can could should may might is are was were has have had did does do be been"
    .split()
)
# "Name Name: content" opening a paragraph (capitalised words only, no digits: not "9:34 p.m.").
_NAME_COLON = re.compile(
    r"[\"\u201c]?(?P<name>[A-Z][\w.'\u2019-]*(?:\s+(?:[A-Z][\w.'\u2019-]*|of|the|and)){0,5}):[ \t]+"
    r"(?P<content>[^\s\d])"
)
# A transcript's speaker label: the name in capitals ("PENCE", "SEN. JOHN SMITH").
_SPEAKER_LABEL = re.compile(r"[A-Z][A-Z.'\u2019-]+(?:\s+[A-Z][A-Z.'\u2019-]*){0,3}")
_SPEAKER_LABEL_START = re.compile(r"[A-Z][A-Z.'\u2019-]+(?:\s+[A-Z][A-Z.'\u2019-]*){0,3}:\s")
# A quote signed with a dash and a name, ending its paragraph.
_DASH_BYLINE = re.compile(
    r"[ \t]*(?P<dash>[\u2015\u2014\u2013]|--?)[ \t]*"
    r"(?P<name>[A-Z][\w.'\u2019-]*(?:[ \t]+[A-Z][\w.'\u2019-]*){0,4})"
    r"[ \t]*\.?[ \t]*(?=\n|$)"
)
# The possessor before a noun cue: "Trump's", "the senator's", "his" (an adjective may follow).
_OWNER = re.compile(
    r"(?P<owner>(?:[A-Z][\w.\-]*\s+){0,3}[A-Z][\w.\-]*(?=['\u2019]s?\s)"
    r"|\b(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts))"
    r"(?:['\u2019]s?)?\s+(?:[a-z]+\s+)?$"
)
# A form of "be" (and an adverb) right before a cue: the passive voice.
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_BY_AGENT = re.compile(r"by\s+")
# Share of statements of each kind whose content PolNeAR train annotators also marked, rounded:
# direct with a cue word / with a colon or dash / with none; indirect by cue frame.
_FOUND_RATE = {
    ("direct", "cue"): 0.97,
    ("direct", "mark"): 0.85,
    ("direct", "none"): 0.8,
    ("indirect", "speech"): 0.88,
    ("indirect", "tell"): 0.85,
    ("indirect", "according"): 0.94,
    ("indirect", "object"): 0.88,
    ("indirect", "belief"): 0.75,
    ("indirect", "noun"): 0.78,
    ("indirect", "mark"): 0.8,
    ("indirect", "hedge"): 0.87,
}
# Where a clause starts inside a sentence (for the subject of a hedge).
_CLAUSE_START = re.compile(
    r"(?:[,;:]\s+(?:and\s+|but\s+)?|\s(?:and|but|though|although|because|while)\s+)"
)
# Sentence openers skipped when looking for the subject a participle cue shares.
_OPENERS = frozenset(
    "and but so yet still also meanwhile however then later earlier instead".split()
)
# Where the object of "praised"/"called"/"accused" gives way to a new clause or an aside.
_OBJECT_STOP = re.compile(
    r"\s+(?:when|while|after|before|during|as|because|since|although|though|even as)\s|"
    r",\s+(?:which|who|saying|adding|noting|arguing|as|when|while|after|and)\s"
    r"|\s[\u2014\u2013-]+\s|;"
)
# A cue right after "and"/"but" or a comma shares the subject of the clause before it.
_SHARED_SUBJECT = re.compile(
    r"(?:,[\u201d\"']*|\band|\bbut|\bwhile|\bwhen|\bafter|\bbefore|\bby)\s+"
    r"(?:(?:also|then|later|has|had|have)\s+)?$"
)
# Prepositions that may open a sentence-initial participle clause ("In opposing the request, ...").
_PARTICIPLE_OPENERS = frozenset("in by while when after before since".split())


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()


@dataclass(slots=True)
class _Source:
    start: int
    end: int
    actor: ActorRecord | None
    pronoun: bool = False


@dataclass(slots=True)
class _Draft:
    parts: list[Span]
    kind: str
    cue: Cue | None
    source: _Source | None

    @property
    def span(self) -> Span:
        return self.parts[0][0], self.parts[-1][1]


def _tokens(text: str, start: int, end: int) -> list[_Token]:
    return [_Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in _TRIM_END:
        end -= 1
    return (start, end) if end > start else None


def _inside(position: int, spans: Iterable[Span]) -> bool:
    return any(start <= position < end for start, end in spans)


class _ArticleState:
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
        self.drafts: list[_Draft] = []
        self.used_cues: set[int] = set()

    def in_quote(self, position: int) -> bool:
        index = bisect.bisect_right(self._quote_starts, position) - 1
        return index >= 0 and position < self.quote_spans[index][1]

    def cues_in(self, start: int, end: int) -> list[Cue]:
        first = bisect.bisect_left(self._cue_starts, start)
        last = bisect.bisect_left(self._cue_starts, end)
        return [c for c in self.cues[first:last] if c.end <= end]

    def sentence_index(self, position: int) -> int:
        return max(0, bisect.bisect_right(self._sentence_starts, position) - 1)

    def sentence(self, position: int) -> Span:
        return self.doc.sentence_of(position) or self.doc.sentences[self.sentence_index(position)]


class StatementFinder:
    """Finds an article's statements; one instance serves many articles (it holds no state)."""

    def __call__(self, doc: Document) -> None:
        """Add the article's statements to ``doc.statements``."""
        if not doc.sentences:
            return
        state = _ArticleState(doc)
        self._direct(state)
        self._indirect(state)
        kept = self._outermost(state.drafts)
        doc.statements = [
            self._statement(doc, draft) for draft in sorted(kept, key=lambda d: d.span)
        ]

    # -- pass 1: quotations ------------------------------------------------------------------
    def _direct(self, state: _ArticleState) -> None:
        by_cue: dict[int, _Draft] = {}
        previous: _Draft | None = None
        for quotation in state.quotations:
            draft = self._attribute_part(state, quotation.parts[0], by_cue, previous)
            for part in quotation.parts[1:]:
                if draft is not None:
                    draft.parts.append((part.start, part.end))
            if draft is not None:
                previous = draft

    def _attribute_part(
        self,
        state: _ArticleState,
        part: QuotePart,
        by_cue: dict[int, _Draft],
        previous: _Draft | None,
    ) -> _Draft | None:
        text = state.text
        if _SPEAKER_LABEL_START.match(text, part.start + 1, part.end):
            # a stray mark before a transcript line ('"PENCE: Well, ...'): the label pass reads it
            return None
        s_start, s_end = state.sentence(part.start)
        lead = text[s_start : part.start].strip()
        lead_is_empty = not lead
        # a quote opening its clause ("... - "A," she said - ...") may take the cue after it
        opens_clause = lead_is_empty or lead[-1] in ",;(\u2014\u2013-" or lead.lower() in _OPENERS
        found = (
            self._dash_byline(state, part)
            or self._lead_attribution(state, s_start, part.start)
            or (self._tail_attribution(state, part) if opens_clause else None)
            or self._colon_attribution(state, s_start, part.start)
        )
        if found is not None:
            cue, source = found
            draft = by_cue.get(cue.start)
            if draft is not None:
                draft.parts.append((part.start, part.end))
                return draft
            draft = _Draft([(part.start, part.end)], "direct", cue, source)
            by_cue[cue.start] = draft
            state.used_cues.add(cue.start)
            state.drafts.append(draft)
            return draft
        if not lead_is_empty or not self._stands_alone(state, part):
            return None
        return self._unattributed_quote(state, part, by_cue, previous)

    def _dash_byline(
        self, state: _ArticleState, part: QuotePart
    ) -> tuple[Cue, _Source | None] | None:
        """A line ``"Imagination is more important than knowledge." - Albert Einstein``."""
        text = state.text
        line_start = text.rfind("\n", 0, part.start) + 1
        if not part.closed or text[line_start : part.start].strip():
            return None
        dash = _DASH_BYLINE.match(text, part.end)
        if dash is None:
            return None
        name_start, name_end = dash.span("name")
        cue = Cue(dash.start("dash"), dash.end("dash"), dash.group("dash"), "\u2014", "speech")
        return cue, _Source(name_start, name_end, self._actor_in(state, name_start, name_end))

    def _lead_attribution(
        self, state: _ArticleState, s_start: int, q_start: int
    ) -> tuple[Cue, _Source | None] | None:
        """``X said: "..."`` - a cue just before the quote, after a short gap ending in ':'/','."""
        cues = state.cues_in(s_start, q_start)
        if not cues or not self._short_gap(state, cues[-1].end, q_start):
            return None
        cue = cues[-1]
        _, source = self._source_of(state, cue, s_start, None, lenient=True)
        if source is None:
            source = self._subject_after(state, cue.end, q_start)
        return cue, source

    def _colon_attribution(
        self, state: _ArticleState, s_start: int, q_start: int
    ) -> tuple[Cue, _Source | None] | None:
        """``Bush: "..."`` / ``Her response was: "..."`` - a colon with no cue word is the cue."""
        lead = state.text[s_start:q_start].rstrip()
        if len(lead) < 2 or not lead.endswith(":"):
            return None
        colon = s_start + len(lead) - 1
        cue = Cue(colon, colon + 1, ":", ":", "speech")
        source = self._subject_before(state, s_start, colon, lenient=True)
        return cue, source or self._first_mention(state, s_start, colon)

    @staticmethod
    def _short_gap(state: _ArticleState, cue_end: int, q_start: int) -> bool:
        gap = state.text[cue_end:q_start].strip()
        return not gap or (
            gap.endswith((":", ",")) and len(_tokens(state.text, cue_end, q_start)) <= 8
        )

    def _tail_attribution(
        self, state: _ArticleState, part: QuotePart
    ) -> tuple[Cue, _Source | None] | None:
        """``"...," X said`` / ``"...," said X`` - a cue shortly after a sentence-initial quote."""
        if not part.closed:
            return None
        text = state.text
        s_end = self._tail_end(state, part)
        cues = state.cues_in(part.end, s_end)
        if not cues:
            return None
        cue = cues[0]
        before = [t for t in _tokens(text, part.end, cue.start) if t.text not in ",\u2014"]
        while before and before[-1].lower in _BETWEEN:
            before.pop()
        if len(before) > 30 or any(t.text in '\u201c"' for t in before):
            return None
        if not before:
            return cue, self._subject_after(state, cue.end, s_end)
        if len(before) == 1 and before[0].lower in _PERSON_PRONOUNS | _OTHER_PRONOUNS:
            return cue, self._pronoun_source(state, before[0])
        # everything between the quote and the cue names the speaker ("the city manager, Jo Li,")
        start, end = before[0].start, before[-1].end
        return cue, _Source(start, end, self._actor_in(state, start, end, first=True))

    @staticmethod
    def _tail_end(state: _ArticleState, part: QuotePart) -> int:
        _, s_end = state.sentence(part.end - 1)
        if s_end <= part.end and state.text[part.start : part.end].rstrip(
            "\"'\u201d\u2019 "
        ).endswith(("?", "!")):
            # '"Why?" Trump asked.' is split after the question mark: look into the next sentence.
            index = state.sentence_index(part.end)
            sentences = state.doc.sentences
            if sentences[index][0] < part.end:
                index += 1
            if index < len(sentences):
                s_end = sentences[index][1]
        return s_end

    @staticmethod
    def _stands_alone(state: _ArticleState, part: QuotePart) -> bool:
        """True when the quote is the whole sentence (nothing but punctuation after it)."""
        _, s_end = state.sentence(max(part.start, part.end - 1))
        after = state.text[part.end : max(s_end, part.end)]
        return not any(ch.isalnum() for ch in after)

    def _unattributed_quote(
        self,
        state: _ArticleState,
        part: QuotePart,
        by_cue: dict[int, _Draft],
        previous: _Draft | None,
    ) -> _Draft | None:
        text = state.text
        index = state.sentence_index(part.start)
        if index > 0:
            p_start, p_end = state.doc.sentences[index - 1]
            if text[p_start:p_end].rstrip().endswith(":"):
                intro = self._colon_intro(state, p_start, p_end, by_cue, part)
                if intro is not None:
                    return intro
        if previous is not None and state.sentence_index(previous.parts[-1][1] - 1) >= index - 1:
            previous.parts.append((part.start, part.end))
            return previous
        if len(_tokens(text, part.start, part.end)) < 8:
            return None
        source = self._salient_person(state, part.start)
        draft = _Draft([(part.start, part.end)], "direct", None, source)
        state.drafts.append(draft)
        return draft

    def _colon_intro(
        self,
        state: _ArticleState,
        p_start: int,
        p_end: int,
        by_cue: dict[int, _Draft],
        part: QuotePart,
    ) -> _Draft | None:
        """``Cruz continued:`` as the sentence before a quote paragraph."""
        cues = state.cues_in(p_start, p_end)
        if not cues:
            return None
        cue = cues[-1]
        if cue.start in by_cue:
            draft = by_cue[cue.start]
            draft.parts.append((part.start, part.end))
            return draft
        source = self._subject_before(state, p_start, cue.start)
        draft = _Draft([(part.start, part.end)], "direct", cue, source)
        by_cue[cue.start] = draft
        state.used_cues.add(cue.start)
        state.drafts.append(draft)
        return draft

    # -- pass 2: reported speech -------------------------------------------------------------
    def _indirect(self, state: _ArticleState) -> None:
        direct_parts = [p for d in state.drafts for p in d.parts]
        last_in_sentence = {
            state.sentence(d.cue.start)[0]: d for d in state.drafts if d.cue is not None
        }
        for cue in state.cues:
            if cue.bare or cue.start in state.used_cues or _inside(cue.start, direct_parts):
                continue
            sentence = state.sentence(cue.start)
            draft = self._reported(state, cue, sentence, last_in_sentence.get(sentence[0]))
            if draft is not None:
                state.drafts.append(draft)
                last_in_sentence[sentence[0]] = draft
        for paragraph in state.doc.paragraphs:
            draft = self._name_colon(state, paragraph)
            if draft is not None:
                state.drafts.append(draft)

    def _name_colon(self, state: _ArticleState, paragraph: Span) -> _Draft | None:
        """``Graham: Trump's rhetoric hurts the party`` (headline style) or ``PENCE: Well, ...``
        (a transcript's speaker label) opening a paragraph; the content runs to its end."""
        text = state.text
        match = _NAME_COLON.match(text, paragraph[0], paragraph[1])
        if match is None:
            return None
        name_start, name_end = match.span("name")
        label = _SPEAKER_LABEL.fullmatch(match.group("name")) is not None
        if not label and (
            state.in_quote(match.start("content"))
            or not state.doc.mentions_in(name_start, name_end)
        ):
            return None
        content_end = paragraph[1] if label else state.sentence(match.start("content"))[1]
        content = _trim(text, match.start("content"), content_end)
        if content is None:
            return None
        source = _Source(name_start, name_end, self._actor_in(state, name_start, name_end))
        cue = Cue(name_end, name_end + 1, ":", ":", "speech")
        kind = "direct" if label else "indirect"
        return _Draft([content], kind, cue, source)

    def _reported(
        self, state: _ArticleState, cue: Cue, sentence: Span, previous: _Draft | None
    ) -> _Draft | None:
        if cue.frame == "according":
            return self._according(state, cue, sentence)
        if cue.frame == "noun":
            return self._noun_statement(state, cue, sentence)
        if cue.frame == "hedge":
            return self._hedge(state, cue, sentence)
        if cue.frame in ("speech", "tell", "belief") and not cue.text.endswith("ing"):
            draft = self._postposed(state, cue, sentence)
            if draft is not None:
                return draft
        return self._forward(state, cue, sentence, previous)

    def _postposed(self, state: _ArticleState, cue: Cue, sentence: Span) -> _Draft | None:
        """``CONTENT, X said (on Tuesday).`` or ``CONTENT, said X.`` or ``A, X said, B.``"""
        text = state.text
        s_start, s_end = sentence
        before = _tokens(text, max(s_start, cue.start - 200), cue.start)
        comma = self._comma_before_subject(before)
        if comma is None:
            return None
        boundary = before[comma]
        first = _trim(
            text, s_start, boundary.end if boundary.text in _CLOSING_QUOTES else boundary.start
        )
        if first is None:
            return None
        if comma == len(before) - 1:
            return self._inverted(state, cue, sentence, first) or self._apposed(
                state, cue, sentence
            )
        source = self._subject_before(state, before[comma].end, cue.start)
        if source is None or source.start > before[comma + 1].start:
            return None
        rest = _tokens(text, cue.end, s_end)
        parts = [first]
        if rest and rest[0].text == "," and len(rest) > 4:
            # "The plan, he said, will fail."
            tail = _trim(text, rest[0].end, s_end)
            if tail is not None:
                parts.append(tail)
        elif not self._only_adjuncts(state, rest, cue.end, s_end):
            return None
        kind = "direct" if all(state.in_quote(p[0]) for p in parts) else "indirect"
        return _Draft(parts, kind, cue, source)

    def _apposed(self, state: _ArticleState, cue: Cue, sentence: Span) -> _Draft | None:
        """``CONTENT, Howard Dean, the former governor, proclaimed (to the crowd).``"""
        text = state.text
        source = self._subject_before(state, sentence[0], cue.start)
        if source is None:
            return None
        before = _tokens(text, max(sentence[0], source.start - 4), source.start)
        if not before or before[-1].text not in {",", "\u2014", *_CLOSING_QUOTES}:
            return None
        content = _trim(
            text,
            sentence[0],
            before[-1].end if before[-1].text in _CLOSING_QUOTES else before[-1].start,
        )
        rest = _tokens(text, cue.end, sentence[1])
        if content is None or not self._only_adjuncts(state, rest, cue.end, sentence[1]):
            return None
        kind = "direct" if state.in_quote(content[0]) else "indirect"
        return _Draft([content], kind, cue, source)

    def _inverted(
        self, state: _ArticleState, cue: Cue, sentence: Span, content: Span
    ) -> _Draft | None:
        """``CONTENT, said X (, the governor).``"""
        source = self._subject_after(state, cue.end, sentence[1])
        if source is None:
            return None
        rest = _tokens(state.text, source.end, sentence[1])
        if source.pronoun and any(t.text not in _STOP_PUNCT for t in rest):
            return None  # "X, who ..., said he would ...": the pronoun opens the reported clause
        if (
            rest
            and rest[0].text != ","
            and not self._only_adjuncts(state, rest, source.end, sentence[1])
        ):
            return None
        kind = "direct" if state.in_quote(content[0]) else "indirect"
        return _Draft([content], kind, cue, source)

    @staticmethod
    def _only_adjuncts(state: _ArticleState, rest: list[_Token], start: int, end: int) -> bool:
        """True when what follows a cue reports nothing ("", "on Tuesday", "in a statement")."""
        words = [t for t in rest if t.text not in _STOP_PUNCT]
        if not words:
            return True
        if len(words) > 12 or words[0].lower not in _ADJUNCT_STARTS:
            return False
        return not any(t.lower == "that" for t in words) and not state.cues_in(start, end)

    @staticmethod
    def _comma_before_subject(before: list[_Token]) -> int | None:
        """Index of the comma that opens ``, X said`` (subject of at most 6 tokens), if any."""
        for back in range(1, min(len(before), 9) + 1):
            token = before[-back]
            if token.text in ",\u2014":
                return len(before) - back
            if (
                token.text in _CLOSING_QUOTES
                and back < len(before)
                and before[-back - 1].text in ",\u2014"
            ):
                # '..., which is fine,” Smith said': the comma sits inside the closing quote
                return len(before) - back
            if token.text in _STOP_PUNCT or token.lower in _CLAUSE_WORDS:
                return None
        return None

    def _forward(
        self, state: _ArticleState, cue: Cue, sentence: Span, previous: _Draft | None
    ) -> _Draft | None:
        """``X said (that) CONTENT`` / ``X urged Y to CONTENT``."""
        text = state.text
        s_start, s_end = sentence
        if (
            cue.lemma != "ask"
            and not cue.text.endswith("ing")
            and _PASSIVE.search(text, max(s_start, cue.start - 40), cue.start)
        ):
            # "the plan was rejected by voters": reported, but its subject is not the source
            return self._passive(state, cue, s_end)
        shared, source = self._source_of(
            state, cue, s_start, previous, lenient=cue.frame in ("speech", "tell")
        )
        if source is None and not shared and cue.frame not in ("speech", "tell"):
            return None
        end = self._content_end(state, cue.end, s_end)
        if cue.frame == "object":
            end = self._object_end(state, cue.end, end)
        start = cue.end
        that = _THAT.match(text, cue.end, min(end, cue.end + 80)) if cue.frame != "object" else None
        if that and self._skips_a_clause(state, cue.end, that.start("word")):
            that = None
        if that:
            # "said on Tuesday that ...", "told reporters: ...": the reported clause starts there
            start = that.end("word") if that.group("word") == ":" else that.start("word")
        content = _trim(text, start, end)
        if content is None:
            return None
        return _Draft([content], "indirect", cue, source)

    def _source_of(
        self, state: _ArticleState, cue: Cue, s_start: int, previous: _Draft | None, lenient: bool
    ) -> tuple[bool, _Source | None]:
        """``(shares a subject, source)`` for a forward cue.

        A participle (", saying ...", "Noting that ..., Smith said") or a coordinated verb ("... and
        added") shares the subject of the main clause; other cues take the phrase before them.
        """
        text = state.text
        participle = cue.text.endswith("ing")
        if participle and (
            not text[s_start : cue.start].strip()
            or text[s_start : cue.start].strip().lower() in _PARTICIPLE_OPENERS
        ):
            # "Noting that the polls had closed, Smith said ...": the subject follows the clause
            comma = text.find(",", cue.end, state.sentence(cue.start)[1])
            return True, self._sentence_subject(
                state, comma + 1, state.sentence(cue.start)[1]
            ) if comma > 0 else None
        shared = _SHARED_SUBJECT.search(text, s_start, cue.start)
        if shared and (
            participle
            or shared.group()[:1].isalpha()
            and shared.group().split()[0] in ("and", "but")
        ):
            if previous is not None and previous.source is not None:
                return True, previous.source
            return True, self._sentence_subject(state, s_start, cue.start)
        source = self._subject_before(state, s_start, cue.start, lenient=lenient)
        if source is None and _VERB_CHAIN.search(text, s_start, cue.start):
            # "Clinton took to Twitter to say", "Cruz pivoted to arguing": the clause's subject
            clause = text.rfind(", ", s_start, cue.start)
            subject = self._sentence_subject(state, clause + 2, cue.start) if clause >= 0 else None
            return True, subject or self._sentence_subject(state, s_start, cue.start)
        return False, source

    def _passive(self, state: _ArticleState, cue: Cue, s_end: int) -> _Draft | None:
        """``The plan was praised (by X) ...``: a statement whose source is the agent, if named."""
        content = _trim(state.text, cue.end, self._content_end(state, cue.end, s_end))
        if content is None:
            return None
        agent = _BY_AGENT.match(state.text, content[0], content[1])
        source = (
            self._subject_after(state, agent.end(), content[1], allow_long=True) if agent else None
        )
        return _Draft([content], "indirect", cue, source)

    @staticmethod
    def _skips_a_clause(state: _ArticleState, start: int, end: int) -> bool:
        """True when the words before a "that" hold a subject or a cue ("say she is likely to argue
        that"): the content starts at the cue, not at that "that"."""
        words = _tokens(state.text, start, end)
        return bool(state.cues_in(start, end)) or any(
            w.lower in _PERSON_PRONOUNS | _OTHER_PRONOUNS - {"him", "her", "them", "us", "me", "it"}
            for w in words
        )

    @staticmethod
    def _content_end(state: _ArticleState, start: int, s_end: int) -> int:
        """Where forward content ends: the sentence end, or before a coordinated attribution
        ("X said A, and Y argued B" / "X said A and added B"); a later cue after "that", "who" or
        "which" is nested inside the content instead."""
        for later in state.cues_in(start, s_end):
            between = _tokens(state.text, start, later.start)
            for index in range(len(between) - 1, max(-1, len(between) - 7), -1):
                token = between[index]
                if token.lower in ("who", "which", "that"):
                    break
                if token.text in ",;\u2014" or token.lower in ("and", "but", "while", "whereas"):
                    if index > 0 and between[index - 1].text == ",":
                        return between[index - 1].start
                    return token.start
        return s_end

    def _noun_statement(self, state: _ArticleState, cue: Cue, sentence: Span) -> _Draft | None:
        """``Trump's claim that CONTENT`` / ``her call for CONTENT``: the possessor speaks."""
        text = state.text
        owner = _OWNER.search(text, max(sentence[0], cue.start - 80), cue.start)
        if owner is None:
            return None
        name_start, name_end = owner.span("owner")
        words = _tokens(text, name_start, name_end)
        if len(words) == 1 and words[0].lower in _PERSON_PRONOUNS | _OTHER_PRONOUNS:
            source = self._pronoun_source(state, words[0])
        else:
            source = _Source(name_start, name_end, self._actor_in(state, name_start, name_end))
        end = self._object_end(state, cue.end, self._content_end(state, cue.end, sentence[1]))
        content = _trim(text, cue.end, end)
        if content is None:
            return None
        return _Draft([content], "indirect", cue, source)

    def _hedge(self, state: _ArticleState, cue: Cue, sentence: Span) -> _Draft | None:
        """``Kasich appears to have the state to himself``: the whole clause, with no source."""
        text = state.text
        start = sentence[0]
        for boundary in _CLAUSE_START.finditer(text, sentence[0], cue.start):
            start = boundary.end()
        if not text[start : cue.start].strip() or text[start : cue.start].strip().lower() in (
            "it",
            "there",
        ):
            start = cue.end
        content = _trim(text, start, self._content_end(state, cue.end, sentence[1]))
        if content is None:
            return None
        return _Draft([content], "indirect", cue, None)

    def _according(self, state: _ArticleState, cue: Cue, sentence: Span) -> _Draft | None:
        """``According to X, CONTENT`` or ``CONTENT, according to X``."""
        text = state.text
        s_start, s_end = sentence
        source = self._subject_after(state, cue.end, s_end, allow_long=True)
        lead = _tokens(text, s_start, cue.start)
        if len([t for t in lead if t.text not in _STOP_PUNCT]) <= 1:
            after = source.end if source else cue.end
            comma = text.find(",", after, s_end)
            if comma < 0:
                return None
            content = _trim(text, comma + 1, s_end)
        else:
            content = _trim(text, s_start, cue.start)
        if content is None:
            return None
        return _Draft([content], "indirect", cue, source)

    # -- sources -----------------------------------------------------------------------------
    def _subject_before(
        self, state: _ArticleState, lo: int, cue_start: int, lenient: bool = False
    ) -> _Source | None:
        """The subject phrase ending just before a cue (skipping adverbs and an apposition).

        Unless ``lenient`` (a quote next to it already shows this is speech), the phrase must end in
        an actor mention, a capitalised word or a known source noun ("officials").
        """
        tokens = _tokens(state.text, max(lo, cue_start - 240), cue_start)
        i = len(tokens) - 1
        skipped = 0
        while i >= 0 and tokens[i].lower in _BETWEEN and skipped < 4:
            i -= 1
            skipped += 1
        if i < 0:
            return None
        apposition_end: int | None = None
        if tokens[i].text in _APPOSITION_MARKS:
            # "Jo Li, the city manager, said" / "Jo Li - a teacher - says"
            mark = tokens[i].text
            opening = next(
                (j for j in range(i - 1, max(-1, i - 25), -1) if tokens[j].text in ",;:()" + mark),
                None,
            )
            if opening is None or tokens[opening].text != mark or opening == 0:
                return None
            apposition_end = tokens[i - 1].end
            i = opening - 1
        if i >= 0 and tokens[i].text == ")":
            # "Gov. Phil Bryant (R) said", "Rep. Jo Li (D-Md.), chair of the committee, said"
            opening = next(
                (j for j in range(i - 1, max(-1, i - 12), -1) if tokens[j].text == "("), None
            )
            if opening is None or opening == 0:
                return None
            apposition_end = apposition_end or tokens[i].end
            i = opening - 1
        head = tokens[i]
        if head.lower in _PERSON_PRONOUNS | _OTHER_PRONOUNS | _RELATIVES:
            return self._pronoun_source(state, head)
        if not head.text[:1].isalnum() or head.lower in _FUNCTION_WORDS:
            return None
        first = i
        while first > 0 and i - first < 9:
            previous = tokens[first - 1]
            if (
                previous.text in _STOP_PUNCT
                or previous.lower in _CLAUSE_WORDS
                or previous.lower in _RELATIVES
                or previous.start in state.cue_starts
            ):
                break
            first -= 1
        if not lenient and not self._looks_like_source(state, tokens[first : i + 1]):
            return None
        end = apposition_end or head.end
        actor = self._actor_in(state, tokens[first].start, head.end)
        named_head = state.doc.actor_at(head.start, head.end) is not None
        if actor is not None and head.text.islower() and not named_head:
            # "Trump's critics said" is not Trump speaking; "the Trump campaign said" is, by proxy
            actor = actor if re.sub(r"['\u2019]s$", "", head.lower) in _PROXY_NOUNS else None
        return _Source(tokens[first].start, end, actor)

    def _looks_like_source(self, state: _ArticleState, words: list[_Token]) -> bool:
        if not words:
            return False
        head = words[-1]
        if state.doc.actor_at(head.start, head.end) is not None:
            return True
        lowered = re.sub(r"['\u2019]s$", "", head.lower)
        if lowered in _SOURCE_NOUNS or (head.text[:1].isupper() and lowered not in _BETWEEN):
            return True
        return False

    def _subject_after(
        self, state: _ArticleState, cue_end: int, hi: int, allow_long: bool = False
    ) -> _Source | None:
        """The subject after an inverted cue (``said Smith``, ``according to the report``)."""
        tokens = _tokens(state.text, cue_end, min(hi, cue_end + 200))
        if not tokens:
            return None
        head = tokens[0]
        if head.lower in _PERSON_PRONOUNS | _OTHER_PRONOUNS:
            return self._pronoun_source(state, head)
        limit = 14 if allow_long else 9
        end = 0
        while end < len(tokens) and end < limit and tokens[end].text not in _STOP_PUNCT:
            if (
                end
                and tokens[end].lower in _CLAUSE_WORDS | {"on", "in", "at", "during", "to", "about"}
                and not allow_long
            ):
                break
            end += 1
        words = tokens[:end]
        if not words:
            return None
        if not allow_long and not _name_like(words):
            # "X, the ambassador, said Mexico must act": a clause, not an inverted subject
            return None
        return _Source(
            words[0].start,
            words[-1].end,
            self._actor_in(state, words[0].start, words[-1].end, first=True),
        )

    def _pronoun_source(self, state: _ArticleState, token: _Token) -> _Source:
        lowered = token.lower
        actor: ActorRecord | None = None
        if lowered in _PERSON_PRONOUNS:
            source = self._salient_person(state, token.start)
            actor = source.actor if source else None
        elif lowered in _RELATIVES:
            mentions = state.doc.mentions_in(max(0, token.start - 150), token.start)
            actor = mentions[-1].actor if mentions else None
        return _Source(token.start, token.end, actor, pronoun=True)

    def _salient_person(self, state: _ArticleState, position: int) -> _Source | None:
        """The last person named before ``position`` outside quotes (who "he" most likely is)."""
        for mention in reversed(state.doc.mentions_in(max(0, position - 3000), position)):
            if mention.actor.type == "person" and not state.in_quote(mention.start):
                return _Source(mention.start, mention.end, mention.actor, pronoun=True)
        return None

    def _sentence_subject(self, state: _ArticleState, s_start: int, end: int) -> _Source | None:
        """The subject opening a sentence: a pronoun, or an actor named in its first words."""
        tokens = _tokens(state.text, s_start, min(end, s_start + 120))[:6]
        while tokens and tokens[0].lower in _OPENERS:
            tokens.pop(0)
        if not tokens:
            return None
        if tokens[0].lower in _PERSON_PRONOUNS | _OTHER_PRONOUNS:
            return self._pronoun_source(state, tokens[0])
        mention = self._first_mention(state, tokens[0].start, end)
        if mention is not None and mention.start <= tokens[min(2, len(tokens) - 1)].start:
            return mention
        return None

    @staticmethod
    def _object_end(state: _ArticleState, start: int, end: int) -> int:
        """An object cue's content ("praised X") ends before a subordinate clause or aside."""
        match = _OBJECT_STOP.search(state.text, start, end)
        return match.start() if match else end

    @staticmethod
    def _first_mention(state: _ArticleState, start: int, end: int) -> _Source | None:
        mentions = state.doc.mentions_in(start, end)
        if not mentions:
            return None
        return _Source(mentions[0].start, mentions[0].end, mentions[0].actor)

    @staticmethod
    def _actor_in(
        state: _ArticleState, start: int, end: int, first: bool = False
    ) -> ActorRecord | None:
        """The actor a source phrase names: its last person mention (its first, after a cue)."""
        mentions = state.doc.mentions_in(start, end)
        if not mentions:
            return None
        people = [m for m in mentions if m.actor.type == "person"] or mentions
        return (people[0] if first else people[-1]).actor

    # -- pass 3 and output -------------------------------------------------------------------
    @staticmethod
    def _outermost(drafts: list[_Draft]) -> list[_Draft]:
        """Drop drafts whose cue lies inside another draft's content (nested attributions)."""
        kept = []
        for draft in drafts:
            if draft.cue is None:
                kept.append(draft)
                continue
            position = draft.cue.start
            # when two drafts contain each other's cue ("A said B, C reported"), the later cue is
            # the outer attribution
            nested = any(
                other is not draft
                and _inside(position, other.parts)
                and not (
                    other.cue is not None
                    and other.cue.start < position
                    and _inside(other.cue.start, draft.parts)
                )
                for other in drafts
            )
            if not nested:
                kept.append(draft)
        return kept

    @staticmethod
    def _statement(doc: Document, draft: _Draft) -> Statement:
        start, end = draft.span
        digest = hashlib.blake2b(
            f"{doc.article.uri}\x00{start}:{end}".encode(), digest_size=8
        ).hexdigest()
        source = draft.source
        return Statement(
            id=digest,
            speaker=source.actor.ref() if source and source.actor else None,
            content=" ".join(doc.text[s:e] for s, e in draft.parts),
            kind="direct" if draft.kind == "direct" else "indirect",
            cue=draft.cue.text if draft.cue else None,
            span=(start, end),
            cue_span=(draft.cue.start, draft.cue.end) if draft.cue else None,
            speaker_span=(source.start, source.end) if source else None,
            confidence=_confidence(draft),
        )


def _name_like(words: list[_Token]) -> bool:
    """True for a noun phrase naming a source ("Jo Li", "a spokesman for a party"), not a clause."""
    last = re.sub(r"['\u2019]s$", "", words[-1].lower)
    if not (words[-1].text[:1].isupper() or last in _SOURCE_NOUNS) or words[
        0
    ].lower in _FUNCTION_WORDS - {"the", "a", "an"}:
        return False
    return not any(word.lower in _VERBISH for word in words)


def _confidence(draft: _Draft) -> float:
    """How likely the statement is right: how often PolNeAR annotators marked the same content for
    this kind of cue (measured on its train split), lowered when the speaker is less certain."""
    cue = draft.cue
    if cue is None:
        key = "none"
    elif cue.lemma in (":", "\u2014"):
        key = "mark"
    else:
        key = "cue" if draft.kind == "direct" else cue.frame
    found = _FOUND_RATE[(draft.kind if draft.kind == "direct" else "indirect", key)]
    source = draft.source
    if key == "hedge":
        certainty = 1.0  # a hedge has no holder to get wrong
    elif source is None:
        certainty = 0.8
    elif source.actor is None:
        certainty = 0.8 if source.pronoun else 0.95
    else:
        certainty = 0.9 if source.pronoun else 1.0
    return round(found * certainty, 3)


@register("wirewatch.statements.v1", version="1.0.0")
def statements_stage(resources: Resources) -> StageFn:
    """Fill ``doc.statements`` with direct and indirect statements and their speakers."""
    del resources
    return StatementFinder()
