"""Stage ``wirewatch.events.v1``: PLOVER-typed events, plus one STATEMENT event per statement.

Lexicon and rules over sentences, no parser or tagger: the trigger lexicon
(:mod:`streams.events.lexicon`, ``streams/data/events.yaml``) finds triggers in each sentence;
:mod:`~streams.events.arguments` finds source, recipient and location among the mentions the
actors stage resolved; :mod:`~streams.events.status` reads status and negation from the words around
the trigger; :mod:`~streams.events.dates` resolves the nearest date expression of the sentence
against the article's ``published`` date.

A control verb that governs a following trigger within eight words ("agreed to hold talks",
"threatened to impose sanctions", "refused to meet", "accused X of attacking") keeps both events;
the governed one is ``planned`` (intent, demand, threat) or ``negated`` (refusal) and ranks lower;
a control verb without recipients of its own takes the governed event's ("promised to continue
aid to Mozambique": Mozambique is the recipient of the promise too).
A generic violence word ("attack", "killed") is FIGHT instead of ASSAULT when its sentence names
armed forces or heavy weapons. Runs after the statements stage: every statement becomes a
STATEMENT event (actors: its speaker; trigger: its cue, empty when it has none; mention: the cue
span, else the content span; its confidence is the statement's; no date or status is guessed).
Triggers of one type at most three words apart are one event with several mentions ("did not
attend the meeting").

A trigger inside a name is not an event: a match within an actor mention or a named entity
(ORG, PERSON, GPE, NORP, FAC, EVENT, LAW, WORK_OF_ART: "the Warsaw Pact", "World War Two", "the
Agency for Development and Cooperation") is dropped.

A weak noun trigger (an entry of ``weight`` below 0.7: "war", "deal", "trip", "violence") with
neither source nor recipient is dropped: on its own such a word mostly sets the scene.

Confidence of a lexicon event (0..1): the entry's ``weight`` (the prior that the trigger names an
event of that type), times 0.8 when no source actor was found, times 0.6 when another trigger
governs it, times 0.9 when it is hedged; times 0.85 for a noun or phrase trigger with neither
source nor recipient (a bare "war", "talks" is often background); times 0.9 when a verb trigger
not governing it comes earlier in the sentence (the first predicate of a news sentence is its main
event; later ones sit in relative or adverbial clauses: "Serbia lifted a curfew in Montenegro,
where 28 people were killed in riots").
"""

from __future__ import annotations

import hashlib
from datetime import date

from schemas import Event, Statement
from schemas.enriched import EventStatus, EventType
from streams.actors.knowledge import KBMatch, KnowledgeBase, knowledge_base
from streams.document import Document
from streams.events.arguments import SentenceArguments
from streams.events.dates import DateMention, find_dates, resolve
from streams.events.lexicon import EventLexicon, Token, TriggerHit, event_lexicon, tokenize
from streams.events.status import is_negated, status_of
from streams.nlp import Entity
from streams.registry import StageFn, register
from streams.resources import Resources

__all__ = ["EventFinder", "event_id", "events_stage"]

#: how many words may stand between a governing verb and the trigger it governs
_GOVERN_REACH = 8
_PLANNED_BY = frozenset({"intent", "demand", "threat"})
_NAME_LABELS = frozenset({"ORG", "PERSON", "GPE", "NORP", "FAC", "EVENT", "LAW", "WORK_OF_ART"})
_VERB_FORMS = frozenset({"base", "third", "past", "ing"})
#: a noun trigger of an entry weighing less than this needs a source or recipient to be an event
_WEAK = 0.7


def event_id(uri: str, event_type: str, start: int) -> str:
    """The event id: a hash of the article uri, the type and the first mention's start."""
    return hashlib.blake2b(f"{uri}\x00{event_type}\x00{start}".encode(), digest_size=8).hexdigest()


class EventFinder:
    """Finds an article's events; one instance serves many articles (it holds no state)."""

    def __init__(self, lexicon: EventLexicon, kb: KnowledgeBase | None = None) -> None:
        self.lexicon = lexicon
        self.kb = kb
        # surface -> knowledge-base match, shared by the articles (the surfaces of news repeat)
        self._lookups: dict[str, KBMatch | None] = {}

    def __call__(self, doc: Document) -> None:
        """Set ``doc.events`` to the article's events, in text order."""
        published = doc.article.published.date() if doc.article.published else None
        entities = doc.refined_entities if doc.refined_entities is not None else doc.entities
        events: list[Event] = []
        for sentence in doc.sentences:
            tokens = tokenize(doc.text, *sentence)
            hits = self.lexicon.find(doc.text, tokens)
            if hits:
                hits = _outside_names(doc, hits, entities, sentence)
            if hits:
                events.extend(self._sentence_events(doc, sentence, tokens, hits, entities, published))
        events.extend(self._statement_event(doc, s) for s in doc.statements)
        doc.events = sorted(events, key=lambda e: (e.mentions[0] if e.mentions else (0, 0), e.type))

    def _sentence_events(self, doc: Document, sentence: tuple[int, int], tokens: list[Token],
                         hits: list[TriggerHit], entities: list[Entity], published: date | None) -> list[Event]:
        arguments = SentenceArguments(doc, sentence, tokens, entities, self.kb,
                                      [(h.start, h.end) for h in hits], self._lookups)
        dates = find_dates(doc.text, *sentence)
        military = self.lexicon.is_military(tokens)
        events = []
        found: dict[int, list[str]] = {}
        governed_by: list[TriggerHit] = []
        for index, group in enumerate(groups := _same_event(hits, military)):
            hit = group[0]
            governor = _governor(doc.text, hits, hits.index(hit))
            limit = groups[index + 1][0].start if index + 1 < len(groups) else sentence[1]
            args = arguments.find(hit, limit)
            arguments.register(args)
            if governor is not None and args.recipients:
                found.setdefault(id(governor), [a.id for a in args.recipients])
            status = next((s for s in (status_of(tokens, h.first, h.last, h.form) for h in group) if s), None)
            negated = any(is_negated(tokens, h.first) for h in group)
            if governor is not None and governor.entry.governs in _PLANNED_BY and status not in ("cancelled", "hedged"):
                status = "planned"
            if governor is not None and governor.entry.governs == "refusal":
                negated = True
            event_type = _type_of(hit, military)
            weight = max(h.entry.weight for h in group)
            if weight < _WEAK and hit.form not in _VERB_FORMS and not args.sources and not args.recipients:
                continue
            confidence = weight * (1.0 if args.sources else 0.8) \
                * (0.6 if governor is not None else 1.0) * (0.9 if status == "hedged" else 1.0) \
                * (0.85 if hit.form not in _VERB_FORMS and not args.sources and not args.recipients else 1.0) \
                * (0.9 if _later_clause(hits, hit, governor) else 1.0)
            events.append(Event(
                id=event_id(doc.article.uri, event_type, hit.start),
                type=event_type,
                actors=[a.id for a in args.sources],
                recipients=[a.id for a in args.recipients],
                location=args.location,
                date=_date(dates, hit.start, group[-1].end, published, status),
                status=status,
                negated=negated,
                confidence=round(confidence, 3),
                trigger=doc.text[hit.start : hit.end],
                mentions=[(h.start, h.end) for h in group],
            ))
            governed_by.append(hit)
        return [_with_governed_recipients(e, h, found) for e, h in zip(events, governed_by, strict=True)]

    @staticmethod
    def _statement_event(doc: Document, statement: Statement) -> Event:
        span = statement.cue_span or statement.span
        return Event(
            id=event_id(doc.article.uri, "STATEMENT", span[0]),
            type="STATEMENT",
            actors=[statement.speaker.id] if statement.speaker else [],
            confidence=statement.confidence,
            trigger=statement.cue or "",
            mentions=[span],
        )


def _with_governed_recipients(event: Event, hit: TriggerHit, found: dict[int, list[str]]) -> Event:
    """A control verb without recipients takes those of the event it governs ("offered to hand over X to Y")."""
    if event.recipients or id(hit) not in found:
        return event
    recipients = [r for r in found[id(hit)] if r not in event.actors]
    return event.model_copy(update={"recipients": recipients}) if recipients else event


def _outside_names(doc: Document, hits: list[TriggerHit], entities: list[Entity],
                   sentence: tuple[int, int]) -> list[TriggerHit]:
    """``hits`` without the triggers that lie inside a name (see the module docstring)."""
    names = [(e.start, e.end) for e in entities if e.label in _NAME_LABELS
             and e.start < sentence[1] and e.end > sentence[0]]
    names.extend((m.start, m.end) for m in doc.mentions_in(*sentence))
    if not names:
        return hits
    return [h for h in hits if not any(s <= h.start and h.end <= e for s, e in names)]


def _later_clause(hits: list[TriggerHit], hit: TriggerHit, governor: TriggerHit | None) -> bool:
    """True when a verb trigger that does not govern ``hit`` comes before it in the sentence."""
    return any(h.end <= hit.start and h.form in _VERB_FORMS and h is not governor and h.entry.governs is None
               for h in hits)


def _type_of(hit: TriggerHit, military: bool) -> EventType:
    return hit.entry.military if military and hit.entry.military else hit.entry.type


def _same_event(hits: list[TriggerHit], military: bool) -> list[list[TriggerHit]]:
    """Triggers of one type at most three words apart name one event ("did not attend the meeting")."""
    groups: list[list[TriggerHit]] = []
    for hit in hits:
        last = groups[-1][-1] if groups else None
        if last is not None and hit.first - last.last <= 4 and _type_of(hit, military) == _type_of(last, military) \
                and last.entry.governs is None:
            groups[-1].append(hit)
        else:
            groups.append([hit])
    return groups


def _governor(text: str, hits: list[TriggerHit], index: int) -> TriggerHit | None:
    """The nearest earlier trigger of the sentence that governs ``hits[index]``, if any."""
    hit = hits[index]
    for earlier in reversed(hits[:index]):
        if hit.first - earlier.last > _GOVERN_REACH or ";" in text[earlier.end : hit.start]:
            return None
        if earlier.entry.governs is not None:
            return earlier
    return None


def _date(dates: list[DateMention], start: int, end: int, published: date | None,
          status: EventStatus | None) -> str | None:
    if not dates:
        return None
    nearest = min(dates, key=lambda d: d.start - end if d.start >= end else start - d.end)
    return resolve(nearest, published, forward=status == "planned")


@register("wirewatch.events.v1", version="1.0.0")
def events_stage(resources: Resources) -> StageFn:
    """Fill ``doc.events`` with PLOVER events and STATEMENT events (see the module docstring)."""
    return EventFinder(event_lexicon(resources), knowledge_base(resources))
