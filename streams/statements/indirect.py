"""Pass 2: reported speech. Every cue outside quotes gives an indirect statement: forward,
postposed, parenthetical, 'according to', noun cues (possessive or open: "criticism of"),
passives (full and reduced: the subject or the noun phrase is the content, the "by" agent the
source) and hedges; plus sentences opened by a source phrase ("In the latest poll, ...") and
headline-style "Name: ..." / "Poll: ..." paragraph openers."""

from __future__ import annotations

import re

from streams.statements.cues import Cue
from streams.statements.speakers import SpeakerResolver
from streams.statements.state import (
    BETWEEN,
    CLAUSE_WORDS,
    DETERMINERS,
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


# What may follow an adjunct "to" ("said to reporters", "told to CNN"); anything else after
# "to" is an infinitive complement.
_RECIPIENT = re.compile(
    r"[A-Z]|(?:the|an?|his|her|their|its|him|them|us|me|reporters|supporters|voters|"
    r"journalists|members|donors|students|lawmakers)$"
)


_CLOSING_QUOTES = frozenset({"\u201d", '"', "''", "\u2019"})


# "Name Name: content" opening a paragraph (capitalised words only, no digits: not "9:34 p.m.").
_NAME_COLON = re.compile(
    r"[\"\u201c]?(?P<name>[A-Z][\w.'\u2019-]*(?:\s+(?:[A-Z][\w.'\u2019-]*|of|the|and)){0,5}):[ \t]+"
    r"(?P<content>[^\s\d])"
)


# A transcript's speaker label: the name in capitals ("PENCE", "SEN. JOHN SMITH").
_SPEAKER_LABEL = re.compile(r"[A-Z][A-Z.'\u2019-]+(?:\s+[A-Z][A-Z.'\u2019-]*){0,3}")


# "In the new Post-ABC poll," / "In Mr. Li's view," / "In the eyes of many voters," opening a
# sentence: the phrase is the source (with its cue word), the rest of the sentence the content.
_IN_SOURCE = re.compile(
    r"[\"\u201c]?(?:In|in)\s+(?:the\s+eyes\s+of\s+|the\s+view\s+of\s+)?"
    r"(?P<source>(?:[\w.'\u2019/&-]+\s+){0,6}?"
    r"(?:poll|polls|survey|surveys|study|report|analysis|view|opinion|estimation|judgment|"
    r"eyes|mind|assessment|estimate|projections?|forecast|memo|ruling|filing|complaint|lawsuit))"
    r"(?:\s+(?:of|by|from|for|released|published|conducted|taken)\s+[^,]{1,60}?)?\s*,\s+"
)


# Headline sources that are not named actors: "Poll: ...", "Report: ...", "Experts: ...".
_SOURCE_NOUNS = frozenset(
    """poll polls survey surveys study studies report reports sources source officials experts
    analysts historians critics aides insiders advisers economists voters democrats republicans
    conservatives liberals lawmakers leaders scientists researchers investigators data
    document documents memo lawsuit filing newspaper""".split()
)


# The possessor before a noun cue: "Trump's", "the senator's", "his" (an adjective may follow).
_OWNER = re.compile(
    r"(?P<owner>(?:[A-Z][\w.\-]*\s+){0,3}[A-Z][\w.\-]*(?=['\u2019]s?\s)"
    r"|\b(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts))"
    r"(?:['\u2019]s?)?\s+(?:[a-z]+\s+)?$"
)


# A form of "be" (and an adverb) right before a cue: the passive voice.
_PASSIVE = re.compile(
    r"\b(?:is|are|was|were|be|been|being)\s+"
    r"(?:(?:\w+ly|not|never|first|also|still|already|now|long|once|then|later|often|even|just)"
    r"\s+){0,2}$",
    re.IGNORECASE,
)


# Cues that keep their subject as the source after a form of "be": "was asked", and adjectives
# ("is eager to", "are confident that", "is worried about").
_NOT_PASSIVE = frozenset({"ask", "eager", "confident", "worry"})


# Words that open an adverbial clause before a main clause ("Though he ..., Sanders promised").
_SUBORDINATE_OPENERS = frozenset(
    """though although while with without after before when whenever if since because despite
    unless until once following during given amid steering""".split()
)


_BY_AGENT = re.compile(r"by\s+")
_BY_AGENT_AFTER = re.compile(r"\s+(?:\w+ly\s+)?by\s+")
_FROM_AGENT = re.compile(r"\b(?:from|by|among)\s+")


# Subjects that report nothing themselves: "it was reported that", "who was praised".
_EMPTY_SUBJECTS = frozenset({"it", "there", "who", "which", "that", "this"})


# Where a clause starts inside a sentence (for the subject of a hedge).
_CLAUSE_START = re.compile(
    r"(?:[,;:]\s+(?:and\s+|but\s+)?|\s(?:and|but|though|although|because|while)\s+)"
)


# Words after which a later cue is nested in the content, not a coordinated attribution
# ("said he was told that ...", "asked, if you do end up endorsing X, ...").
_NESTING_WORDS = frozenset("who which that if whether because unless until how why what".split())


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
        for sentence in state.doc.sentences:
            draft = self._in_source(state, sentence)
            if draft is not None:
                state.drafts.append(draft)

    def _in_source(self, state: ArticleState, sentence: Span) -> Draft | None:
        """``In the latest Quinnipiac poll, CONTENT`` / ``In Mr. Li's view, CONTENT``: a source
        that holds the content itself, opening a sentence that has no cue of its own."""
        text = state.text
        match = _IN_SOURCE.match(text, sentence[0], sentence[1])
        if match is None or state.in_quote(match.start()):
            return None
        content = _trim(text, match.end(), sentence[1])
        if content is None or state.cues_in(match.end(), sentence[1]):
            return None
        start, end = match.span("source")
        source = Source(start, end, self._speakers.actor_in(state, start, end))
        lead = text[match.start() : start]
        cue_end = match.start() + len(lead.rstrip())
        cue = Cue(match.start(), cue_end, lead.strip(), "in", "according")
        return Draft([content], "indirect", cue, source)

    def _name_colon(self, state: ArticleState, paragraph: Span) -> Draft | None:
        """``Graham: Trump's rhetoric hurts the party`` (headline style) or ``PENCE: Well, ...``
        (a transcript's speaker label) opening a paragraph; the content runs to its end."""
        text = state.text
        match = _NAME_COLON.match(text, paragraph[0], paragraph[1])
        if match is None:
            return None
        name_start, name_end = match.span("name")
        label = _SPEAKER_LABEL.fullmatch(match.group("name")) is not None
        named = bool(state.doc.mentions_in(name_start, name_end)) or (
            match.group("name").split()[-1].lower() in _SOURCE_NOUNS
        )
        if not label and (state.in_quote(match.start("content")) or not named):
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
        participle = cue.text.split()[0].lower().endswith("ing")
        if (
            not participle
            and cue.lemma not in _NOT_PASSIVE
            and _PASSIVE.search(state.text, max(sentence[0], cue.start - 40), cue.start)
        ):
            # "the plan was rejected by voters": reported, but its subject is not the source
            return self._passive(state, cue, sentence)
        if (
            cue.frame in ("object", "belief")
            and not participle
            and _BY_AGENT_AFTER.match(state.text, cue.end)
        ):
            draft = self._reduced_passive(state, cue, sentence)
            if draft is not None:
                return draft
        if cue.frame in ("speech", "tell", "belief") and not participle:
            draft = self._postposed(state, cue, sentence) or self._after_clause(
                state, cue, sentence
            )
            if draft is not None:
                return draft
        return self._forward(state, cue, sentence, previous)

    def _after_clause(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``CONTENT, their school, Leaders' College, confirmed on Friday.``: a speech cue ending
        its sentence after a source too long to resolve; the content runs to the first comma of
        the last 15 words before the cue."""
        text = state.text
        if cue.frame == "belief" or not self._only_adjuncts(
            state, tokenize(text, cue.end, sentence[1]), cue.end, sentence[1]
        ):
            return None
        before = tokenize(text, max(sentence[0], cue.start - 200), cue.start)[-15:]
        comma = next((t for t in before if t.text == ","), None)
        if comma is None or state.cues_in(comma.end, cue.start):
            return None
        content = _trim(text, sentence[0], comma.start)
        if content is None or self._opens_with_adjunct_clause(state, content):
            return None
        named = _trim(text, comma.end, cue.start)
        if named is None:
            return None
        source = Source(*named, self._speakers.actor_in(state, *named))
        kind = "direct" if state.in_quote(content[0]) else "indirect"
        return Draft([content], kind, cue, source)

    @staticmethod
    def _opens_with_adjunct_clause(state: ArticleState, content: Span) -> bool:
        """True when a would-be content opens with a subordinator ("Though he ...", "With so
        many ..."): an adverbial clause before the main clause, not what was said."""
        words = tokenize(state.text, *content)
        return bool(words) and words[0].lower in _SUBORDINATE_OPENERS

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
        if first is None or self._opens_with_adjunct_clause(state, first):
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
        if words[0].lower == "to" and len(words) > 1 and not _RECIPIENT.match(words[1].text):
            return False  # "want to improve the law": an infinitive, not "to reporters"
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
        # any noun phrase may hold a belief or voice an attitude ("the companies expect"), not
        # only a named actor
        shared, source = self._speakers.source_of(state, cue, s_start, previous, lenient=True)
        if source is None and not shared and cue.frame not in ("speech", "tell"):
            # an adjective after "be" ("are eager to") reports even with an unresolved subject
            adjective = cue.lemma in _NOT_PASSIVE and _PASSIVE.search(
                text, max(s_start, cue.start - 40), cue.start
            )
            if not adjective:
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

    def _passive(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``The plan was praised (by X)`` / ``Sanders is seen as the outsider``: the subject is
        reported content, and so is what follows the cue unless it is the agent ("by X", the
        source). ``It was reported that ...`` reports only what follows."""
        text = state.text
        tail = _trim(text, cue.end, self._content_end(state, cue.end, sentence[1]))
        agent = _BY_AGENT.match(text, tail[0], tail[1]) if tail else None
        source = (
            self._speakers.subject_after(state, agent.end(), tail[1], allow_long=True)
            if agent and tail
            else None
        )
        subject = self._passive_subject(state, cue, sentence)
        if subject and state.cues_in(*subject):
            subject = None  # "Harper's claim that ... was doubted": its own cue reports it
        parts = [p for p in (subject, tail) if p]
        if agent is not None and len(parts) > 1:
            parts.pop()  # "by X ..." names the source: it is not content
        return Draft(parts, "indirect", cue, source) if parts else None

    def _reduced_passive(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``a sentiment endorsed by the 10,000 people in the arena``: the noun phrase before the
        participle is the content, the agent after "by" the source."""
        text = state.text
        before = tokenize(text, max(sentence[0], cue.start - 120), cue.start)
        first = len(before)
        while first > 0 and len(before) - first < 8:
            word = before[first - 1]
            if word.text in STOP_PUNCT or word.lower in CLAUSE_WORDS:
                break
            if word.start in state.cue_starts:
                break
            first -= 1
            if word.lower in DETERMINERS:
                break  # the noun phrase starts at its determiner
        if first == len(before):
            return None
        content = (before[first].start, before[-1].end)
        by = _BY_AGENT_AFTER.match(text, cue.end)
        source = (
            self._speakers.subject_after(state, by.end(), sentence[1], allow_long=True)
            if by
            else None
        )
        return Draft([content], "indirect", cue, source)

    @staticmethod
    def _passive_subject(state: ArticleState, cue: Cue, sentence: Span) -> Span | None:
        """The subject of a passive cue: from its clause start to the form of "be" before the cue;
        None for an empty "it"/"there" or a relative pronoun."""
        text = state.text
        be = _PASSIVE.search(text, max(sentence[0], cue.start - 40), cue.start)
        if be is None:
            return None
        start = sentence[0]
        for boundary in _CLAUSE_START.finditer(text, sentence[0], be.start()):
            start = boundary.end()
        subject = _trim(text, start, be.start())
        if subject is None:
            return None
        words = tokenize(text, *subject)
        while words and words[-1].lower in BETWEEN:
            words.pop()  # "has been", "will be": auxiliaries before the form of "be"
        if not words or (len(words) == 1 and words[0].lower in _EMPTY_SUBJECTS):
            return None
        return subject[0], words[-1].end

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
            if later.bare:
                continue  # "must consider policies": no attribution of its own
            between = tokenize(state.text, start, later.start)
            for index in range(len(between) - 1, max(0, len(between) - 7), -1):
                token = between[index]
                if token.lower in _NESTING_WORDS:
                    break
                if token.text in ",;\u2014" or token.lower in ("and", "but", "while", "whereas"):
                    if index > 0 and between[index - 1].text == ",":
                        return between[index - 1].start
                    return token.start
        return s_end

    def _noun_statement(self, state: ArticleState, cue: Cue, sentence: Span) -> Draft | None:
        """``Trump's claim that CONTENT`` / ``her call for CONTENT``: the possessor speaks;
        ``criticism of CONTENT (from X)``: an open noun, whose source follows "from"/"by" if
        named."""
        text = state.text
        end = self._object_end(state, cue.end, self._content_end(state, cue.end, sentence[1]))
        content = _trim(text, cue.end, end)
        if content is None:
            return None
        owner = _OWNER.search(text, max(sentence[0], cue.start - 80), cue.start)
        if owner is None:
            return Draft([content], "indirect", cue, self._agent_after(state, *content))
        name_start, name_end = owner.span("owner")
        words = tokenize(text, name_start, name_end)
        if len(words) == 1 and words[0].lower in PERSON_PRONOUNS | OTHER_PRONOUNS:
            source = self._speakers.pronoun_source(state, words[0])
        else:
            source = Source(name_start, name_end, self._speakers.actor_in(state, name_start, name_end))
        return Draft([content], "indirect", cue, source)

    def _agent_after(self, state: ArticleState, start: int, end: int) -> Source | None:
        """The source named by "from X"/"by X" inside ``[start, end)`` ("criticism from X")."""
        agent = _FROM_AGENT.search(state.text, start, end)
        if agent is None:
            return None
        return self._speakers.subject_after(state, agent.end(), end, allow_long=True)

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
