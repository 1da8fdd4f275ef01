"""Stage ``wirewatch.statements.v1``: direct and indirect statements attributed to their speakers.

Rules over sentences, quote marks, the cue lexicon (:mod:`streams.statements.cues`) and the mentions the
actors stage resolved; no parser or tagger runs. The work goes in three passes,
each a module of this wing (:mod:`~streams.statements.direct`, :mod:`~streams.statements.indirect`,
then nesting here), with speaker resolution in :mod:`~streams.statements.speakers`:

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

Speakers: the actor the source phrase names (:mod:`~streams.statements.sources`), in the knowledge
base or not ("Rep. Dana Whitfield (D-Ohio)", "the Clinton campaign", "Boeing"); "he"/"she" resolve
by salience (the subject of the nearest sentence naming a person, with gender agreement), "who" to
the actor just before it; participles (", saying") and coordinated cues ("and added") share the
main clause's subject. Every statement with a source carries ``source`` ``{text, span, kind}``; one
that names no one ("officials said", "the report found") has kind group, anonymous or document and a
null speaker.

Confidence: the share of statements of the same kind (direct with a cue word, colon or none;
indirect by cue frame) whose content PolNeAR annotators also marked on their train split, times
1.0 for a named speaker (or a hedge, which has none), 0.95 for a source phrase that is not an
actor, 0.9 for a resolved pronoun and 0.8 for an unresolved pronoun or no source.
"""

from __future__ import annotations

import hashlib

from schemas import Statement
from schemas.enriched import StatementSource
from streams.actors.knowledge import KnowledgeBase, knowledge_base
from streams.document import Document
from streams.registry import StageFn, register
from streams.resources import Resources
from streams.statements.direct import QuoteAttributor
from streams.statements.indirect import ReportedSpeech
from streams.statements.sources import read_source
from streams.statements.speakers import SpeakerResolver
from streams.statements.state import (
    ArticleState,
    Draft,
    inside,
)

__all__ = ["StatementFinder", "statements_stage"]


class StatementFinder:
    """Finds an article's statements; one instance serves many articles (it holds no state)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        speakers = SpeakerResolver()
        self._quotes = QuoteAttributor(speakers)
        self._reported = ReportedSpeech(speakers)

    def __call__(self, doc: Document) -> None:
        """Add the article's statements to ``doc.statements``."""
        if not doc.sentences:
            return
        state = ArticleState(doc)
        self._quotes.find(state)
        self._reported.find(state)
        kept = self._outermost(state.drafts)
        doc.statements = [
            self._statement(doc, draft) for draft in sorted(kept, key=lambda d: d.span)
        ]

    @staticmethod
    def _outermost(drafts: list[Draft]) -> list[Draft]:
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
                and inside(position, other.parts)
                and not (
                    other.cue is not None
                    and other.cue.start < position
                    and inside(other.cue.start, draft.parts)
                )
                for other in drafts
            )
            if not nested:
                kept.append(draft)
        return kept

    def _statement(self, doc: Document, draft: Draft) -> Statement:
        start, end = draft.span
        digest = hashlib.blake2b(
            f"{doc.article.uri}\x00{start}:{end}".encode(), digest_size=8
        ).hexdigest()
        source = draft.source
        described: StatementSource | None = None
        if source is not None:
            transcript = draft.cue is not None and draft.cue.lemma == ":"
            reading = read_source(doc, self._kb, source, transcript=transcript)
            source.actor = reading.actor
            described = StatementSource(text=doc.text[source.start : source.end],
                                        span=(source.start, source.end), kind=reading.kind)
        return Statement(
            id=digest,
            speaker=source.actor.ref() if source and source.actor else None,
            content=" ".join(doc.text[s:e] for s, e in draft.parts),
            kind="direct" if draft.kind == "direct" else "indirect",
            cue=draft.cue.text if draft.cue else None,
            span=(start, end),
            cue_span=(draft.cue.start, draft.cue.end) if draft.cue else None,
            speaker_span=(source.start, source.end) if source else None,
            source=described,
            confidence=_confidence(draft),
        )


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


def _confidence(draft: Draft) -> float:
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
    return StatementFinder(knowledge_base(resources))

