"""Pass 2: reported speech. Every cue outside quotes gives an indirect statement: forward,
postposed, parenthetical, 'according to', possessive noun cues, passives and hedges."""

from __future__ import annotations

import re

from streams.statements.cues import Cue
from streams.statements.speakers import SpeakerResolver
from streams.statements.state import (
    CLAUSE_WORDS,
    OTHER_PRONOUNS,
    PERSON_PRONOUNS,
    STOP_PUNCT,
    ArticleState,
    Draft,
    Source,
    Span,
    Token,
    inside,
    tokenize,
)

__all__ = ["ReportedSpeech"]

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


# "Name Name: content" opening a paragraph (capitalised words only, no digits: not "9:34 p.m.").
_NAME_COLON = re.compile(
    r"[\"\u201c]?(?P<name>[A-Z][\w.'\u2019-]*(?:\s+(?:[A-Z][\w.'\u2019-]*|of|the|and)){0,5}):[ \t]+"
    r"(?P<content>[^\s\d])"
)


# A transcript's speaker label: the name in capitals ("PENCE", "SEN. JOHN SMITH").
_SPEAKER_LABEL = re.compile(r"[A-Z][A-Z.'\u2019-]+(?:\s+[A-Z][A-Z.'\u2019-]*){0,3}")


# The possessor before a noun cue: "Trump's", "the senator's", "his" (an adjective may follow).
_OWNER = re.compile(
    r"(?P<owner>(?:[A-Z][\w.\-]*\s+){0,3}[A-Z][\w.\-]*(?=['\u2019]s?\s)"
    r"|\b(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts))"
    r"(?:['\u2019]s?)?\s+(?:[a-z]+\s+)?$"
)


# A form of "be" (and an adverb) right before a cue: the passive voice.
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", re.IGNORECASE)


_BY_AGENT = re.compile(r"by\s+")


# Where a clause starts inside a sentence (for the subject of a hedge).
_CLAUSE_START = re.compile(
    r"(?:[,;:]\s+(?:and\s+|but\s+)?|\s(?:and|but|though|although|because|while)\s+)"
)


# Where the object of "praised"/"called"/"accused" gives way to a new clause or an aside.
_OBJECT_STOP = re.compile(
    r"\s+(?:when|while|after|before|during|as|because|since|although|though|even as)\s|"
    r",\s+(?:which|who|saying|adding|noting|arguing|as|when|while|after|and)\s"
    r"|\s[\u2014\u2013-]+\s|;"
)


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in _TRIM_END:
        end -= 1
    return (start, end) if end > start else None


class ReportedSpeech:
    """Pass 2: every cue outside quotes gives an indirect statement."""

    def __init__(self, speakers: SpeakerResolver) -> None:
        self._speakers = speakers

    def find(self, state: ArticleState) -> None:
        """Add an indirect statement to ``state.drafts`` for each cue outside quotes not used yet."""
        direct_parts = [p for d in state.drafts for p in d.parts]
        last_in_sentence = {
            state.sentence(d.cue.start)[0]: d for d in state.drafts if d.cue is not None
        }
        for cue in state.cues:
            if cue.bare or cue.start in state.used_cues or inside(cue.start, direct_parts):
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

    def _name_colon(self, state: ArticleState, paragraph: Span) -> Draft | None:
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
        source = Source(name_start, name_end, self._speakers.actor_in(state, name_start, name_end))
        cue = Cue(name_end, name_end + 1, ":", ":", "speech")
        kind = "direct" if label else "indirect"
        return Draft([content], kind, cue, source)

    def _reported(
        self, state: ArticleState, cue: Cue, sentence: Span, previous: Draft | None
    ) -> Draft | None:
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

    def _postposed(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``CONTENT, X said (on Tuesday).`` or ``CONTENT, said X.`` or ``A, X said, B.``"""
        text = state.text
        s_start, s_end = sentence
        before = tokenize(text, max(s_start, cue.start - 200), cue.start)
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
        source = self._speakers.subject_before(state, before[comma].end, cue.start)
        if source is None or source.start > before[comma + 1].start:
            return None
        rest = tokenize(text, cue.end, s_end)
        parts = [first]
        if rest and rest[0].text == "," and len(rest) > 4:
            # "The plan, he said, will fail."
            tail = _trim(text, rest[0].end, s_end)
            if tail is not None:
                parts.append(tail)
        elif not self._only_adjuncts(state, rest, cue.end, s_end):
            return None
        kind = "direct" if all(state.in_quote(p[0]) for p in parts) else "indirect"
        return Draft(parts, kind, cue, source)

    def _apposed(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``CONTENT, Howard Dean, the former governor, proclaimed (to the crowd).``"""
        text = state.text
        source = self._speakers.subject_before(state, sentence[0], cue.start)
        if source is None:
            return None
        before = tokenize(text, max(sentence[0], source.start - 4), source.start)
        if not before or before[-1].text not in {",", "\u2014", *_CLOSING_QUOTES}:
            return None
        content = _trim(
            text,
            sentence[0],
            before[-1].end if before[-1].text in _CLOSING_QUOTES else before[-1].start,
        )
        rest = tokenize(text, cue.end, sentence[1])
        if content is None or not self._only_adjuncts(state, rest, cue.end, sentence[1]):
            return None
        kind = "direct" if state.in_quote(content[0]) else "indirect"
        return Draft([content], kind, cue, source)

    def _inverted(
        self, state: ArticleState, cue: Cue, sentence: Span, content: Span
    ) -> Draft | None:
        """``CONTENT, said X (, the governor).``"""
        source = self._speakers.subject_after(state, cue.end, sentence[1])
        if source is None:
            return None
        rest = tokenize(state.text, source.end, sentence[1])
        if source.pronoun and any(t.text not in STOP_PUNCT for t in rest):
            return None  # "X, who ..., said he would ...": the pronoun opens the reported clause
        if (
            rest
            and rest[0].text != ","
            and not self._only_adjuncts(state, rest, source.end, sentence[1])
        ):
            return None
        kind = "direct" if state.in_quote(content[0]) else "indirect"
        return Draft([content], kind, cue, source)

    @staticmethod
    def _only_adjuncts(state: ArticleState, rest: list[Token], start: int, end: int) -> bool:
        """True when what follows a cue reports nothing ("", "on Tuesday", "in a statement")."""
        words = [t for t in rest if t.text not in STOP_PUNCT]
        if not words:
            return True
        if len(words) > 12 or words[0].lower not in _ADJUNCT_STARTS:
            return False
        return not any(t.lower == "that" for t in words) and not state.cues_in(start, end)

    @staticmethod
    def _comma_before_subject(before: list[Token]) -> int | None:
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
            if token.text in STOP_PUNCT or token.lower in CLAUSE_WORDS:
                return None
        return None

    def _forward(
        self, state: ArticleState, cue: Cue, sentence: Span, previous: Draft | None
    ) -> Draft | None:
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
        shared, source = self._speakers.source_of(
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
        return Draft([content], "indirect", cue, source)

    def _passive(self, state: ArticleState, cue: Cue, s_end: int) -> Draft | None:
        """``The plan was praised (by X) ...``: a statement whose source is the agent, if named."""
        content = _trim(state.text, cue.end, self._content_end(state, cue.end, s_end))
        if content is None:
            return None
        agent = _BY_AGENT.match(state.text, content[0], content[1])
        source = (
            self._speakers.subject_after(state, agent.end(), content[1], allow_long=True) if agent else None
        )
        return Draft([content], "indirect", cue, source)

    @staticmethod
    def _skips_a_clause(state: ArticleState, start: int, end: int) -> bool:
        """True when the words before a "that" hold a subject or a cue ("say she is likely to argue
        that"): the content starts at the cue, not at that "that"."""
        words = tokenize(state.text, start, end)
        return bool(state.cues_in(start, end)) or any(
            w.lower in PERSON_PRONOUNS | OTHER_PRONOUNS - {"him", "her", "them", "us", "me", "it"}
            for w in words
        )

    @staticmethod
    def _content_end(state: ArticleState, start: int, s_end: int) -> int:
        """Where forward content ends: the sentence end, or before a coordinated attribution
        ("X said A, and Y argued B" / "X said A and added B"); a later cue after "that", "who" or
        "which" is nested inside the content instead."""
        for later in state.cues_in(start, s_end):
            between = tokenize(state.text, start, later.start)
            for index in range(len(between) - 1, max(-1, len(between) - 7), -1):
                token = between[index]
                if token.lower in ("who", "which", "that"):
                    break
                if token.text in ",;\u2014" or token.lower in ("and", "but", "while", "whereas"):
                    if index > 0 and between[index - 1].text == ",":
                        return between[index - 1].start
                    return token.start
        return s_end

    def _noun_statement(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``Trump's claim that CONTENT`` / ``her call for CONTENT``: the possessor speaks."""
        text = state.text
        owner = _OWNER.search(text, max(sentence[0], cue.start - 80), cue.start)
        if owner is None:
            return None
        name_start, name_end = owner.span("owner")
        words = tokenize(text, name_start, name_end)
        if len(words) == 1 and words[0].lower in PERSON_PRONOUNS | OTHER_PRONOUNS:
            source = self._speakers.pronoun_source(state, words[0])
        else:
            source = Source(name_start, name_end, self._speakers.actor_in(state, name_start, name_end))
        end = self._object_end(state, cue.end, self._content_end(state, cue.end, sentence[1]))
        content = _trim(text, cue.end, end)
        if content is None:
            return None
        return Draft([content], "indirect", cue, source)

    def _hedge(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
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
        return Draft([content], "indirect", cue, None)

    def _according(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``According to X, CONTENT`` or ``CONTENT, according to X``."""
        text = state.text
        s_start, s_end = sentence
        source = self._speakers.subject_after(state, cue.end, s_end, allow_long=True)
        lead = tokenize(text, s_start, cue.start)
        if len([t for t in lead if t.text not in STOP_PUNCT]) <= 1:
            after = source.end if source else cue.end
            comma = text.find(",", after, s_end)
            if comma < 0:
                return None
            content = _trim(text, comma + 1, s_end)
        else:
            content = _trim(text, s_start, cue.start)
        if content is None:
            return None
        return Draft([content], "indirect", cue, source)

    @staticmethod
    def _object_end(state: ArticleState, start: int, end: int) -> int:
        """An object cue's content ("praised X") ends before a subordinate clause or aside."""
        match = _OBJECT_STOP.search(state.text, start, end)
        return match.start() if match else end
