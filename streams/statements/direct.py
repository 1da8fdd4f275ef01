"""Pass 1: quotations become direct statements, attributed to the cue before or after them, a dash
byline or a colon; quote parts served by one cue form one statement."""

from __future__ import annotations

import re

from streams.statements.cues import Cue
from streams.statements.quotes import QuotePart
from streams.statements.speakers import SpeakerResolver
from streams.statements.state import (
    BETWEEN,
    OPENERS,
    OTHER_PRONOUNS,
    PERSON_PRONOUNS,
    ArticleState,
    Draft,
    Source,
    tokenize,
)

__all__ = ["QuoteAttributor"]

_SPEAKER_LABEL_START = re.compile(r"[A-Z][A-Z.'\u2019-]+(?:\s+[A-Z][A-Z.'\u2019-]*){0,3}:\s")


# A quote signed with a dash and a name, ending its paragraph.
_DASH_BYLINE = re.compile(
    r"[ \t]*(?P<dash>[\u2015\u2014\u2013]|--?)[ \t]*"
    r"(?P<name>[A-Z][\w.'\u2019-]*(?:[ \t]+[A-Z][\w.'\u2019-]*){0,4})"
    r"[ \t]*\.?[ \t]*(?=\n|$)"
)


class QuoteAttributor:
    """Pass 1: quotations become direct statements, attributed to a cue, byline or colon."""

    def __init__(self, speakers: SpeakerResolver) -> None:
        self._speakers = speakers

    def find(self, state: ArticleState) -> None:
        """Add a direct statement to ``state.drafts`` for each attributed quotation."""
        by_cue: dict[int, Draft] = {}
        previous: Draft | None = None
        for quotation in state.quotations:
            draft = self._attribute_part(state, quotation.parts[0], by_cue, previous)
            for part in quotation.parts[1:]:
                if draft is not None:
                    draft.parts.append((part.start, part.end))
            if draft is not None:
                previous = draft

    def _attribute_part(
        self,
        state: ArticleState,
        part: QuotePart,
        by_cue: dict[int, Draft],
        previous: Draft | None,
    ) -> Draft | None:
        text = state.text
        if _SPEAKER_LABEL_START.match(text, part.start + 1, part.end):
            # a stray mark before a transcript line ('"PENCE: Well, ...'): the label pass reads it
            return None
        s_start, s_end = state.sentence(part.start)
        lead = text[s_start : part.start].strip()
        lead_is_empty = not lead
        # a quote opening its clause ("... - "A," she said - ...") may take the cue after it
        opens_clause = lead_is_empty or lead[-1] in ",;(\u2014\u2013-" or lead.lower() in OPENERS
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
            draft = Draft([(part.start, part.end)], "direct", cue, source)
            by_cue[cue.start] = draft
            state.used_cues.add(cue.start)
            state.drafts.append(draft)
            return draft
        if not lead_is_empty or not self._stands_alone(state, part):
            return None
        return self._unattributed_quote(state, part, by_cue, previous)

    def _dash_byline(
        self, state: ArticleState, part: QuotePart
    ) -> tuple[Cue, Source | None] | None:
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
        return cue, Source(name_start, name_end, self._speakers.actor_in(state, name_start, name_end))

    def _lead_attribution(
        self, state: ArticleState, s_start: int, q_start: int
    ) -> tuple[Cue, Source | None] | None:
        """``X said: "..."`` - a cue just before the quote, after a short gap ending in ':'/','."""
        cues = state.cues_in(s_start, q_start)
        if not cues or not self._short_gap(state, cues[-1].end, q_start):
            return None
        cue = cues[-1]
        _, source = self._speakers.source_of(state, cue, s_start, None, lenient=True)
        if source is None:
            source = self._speakers.subject_after(state, cue.end, q_start)
        return cue, source

    def _colon_attribution(
        self, state: ArticleState, s_start: int, q_start: int
    ) -> tuple[Cue, Source | None] | None:
        """``Bush: "..."`` / ``Her response was: "..."`` - a colon with no cue word is the cue."""
        lead = state.text[s_start:q_start].rstrip()
        if len(lead) < 2 or not lead.endswith(":"):
            return None
        colon = s_start + len(lead) - 1
        cue = Cue(colon, colon + 1, ":", ":", "speech")
        source = self._speakers.subject_before(state, s_start, colon, lenient=True)
        return cue, source or self._speakers.first_mention(state, s_start, colon)

    @staticmethod
    def _short_gap(state: ArticleState, cue_end: int, q_start: int) -> bool:
        gap = state.text[cue_end:q_start].strip()
        return not gap or (
            gap.endswith((":", ",")) and len(tokenize(state.text, cue_end, q_start)) <= 8
        )

    def _tail_attribution(
        self, state: ArticleState, part: QuotePart
    ) -> tuple[Cue, Source | None] | None:
        """``"...," X said`` / ``"...," said X`` - a cue shortly after a sentence-initial quote."""
        if not part.closed:
            return None
        text = state.text
        s_end = self._tail_end(state, part)
        cues = state.cues_in(part.end, s_end)
        if not cues:
            return None
        cue = cues[0]
        before = [t for t in tokenize(text, part.end, cue.start) if t.text not in ",\u2014"]
        while before and before[-1].lower in BETWEEN:
            before.pop()
        if len(before) > 30 or any(t.text in '\u201c"' for t in before):
            return None
        if not before:
            return cue, self._speakers.subject_after(state, cue.end, s_end)
        if len(before) == 1 and before[0].lower in PERSON_PRONOUNS | OTHER_PRONOUNS:
            return cue, self._speakers.pronoun_source(state, before[0])
        # everything between the quote and the cue names the speaker ("the city manager, Jo Li,")
        start, end = before[0].start, before[-1].end
        return cue, Source(start, end, self._speakers.actor_in(state, start, end, first=True))

    @staticmethod
    def _tail_end(state: ArticleState, part: QuotePart) -> int:
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
    def _stands_alone(state: ArticleState, part: QuotePart) -> bool:
        """True when the quote is the whole sentence (nothing but punctuation after it)."""
        _, s_end = state.sentence(max(part.start, part.end - 1))
        after = state.text[part.end : max(s_end, part.end)]
        return not any(ch.isalnum() for ch in after)

    def _unattributed_quote(
        self,
        state: ArticleState,
        part: QuotePart,
        by_cue: dict[int, Draft],
        previous: Draft | None,
    ) -> Draft | None:
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
        if len(tokenize(text, part.start, part.end)) < 8:
            return None
        source = self._speakers.salient_person(state, part.start)
        draft = Draft([(part.start, part.end)], "direct", None, source)
        state.drafts.append(draft)
        return draft

    def _colon_intro(
        self,
        state: ArticleState,
        p_start: int,
        p_end: int,
        by_cue: dict[int, Draft],
        part: QuotePart,
    ) -> Draft | None:
        """``Cruz continued:`` as the sentence before a quote paragraph."""
        cues = state.cues_in(p_start, p_end)
        if not cues:
            return None
        cue = cues[-1]
        if cue.start in by_cue:
            draft = by_cue[cue.start]
            draft.parts.append((part.start, part.end))
            return draft
        source = self._speakers.subject_before(state, p_start, cue.start)
        draft = Draft([(part.start, part.end)], "direct", cue, source)
        by_cue[cue.start] = draft
        state.used_cues.add(cue.start)
        state.drafts.append(draft)
        return draft
