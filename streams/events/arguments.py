"""Who did it, to whom, and where: an event's source and recipient actors and its location.

Rules over the resolved actor mentions of the trigger's sentence (no parser runs):

- **Places.** A GPE/LOC/FAC entity after a locative preposition ("in", "at", "near", "outside",
  "across"..., with up to two lower-case words between: "in northern Syria", "at the city of")
  is a place. The event's location is the place nearest the trigger; a place that is a country actor
  is referred to by that actor, any other by ``ww:place:<slug>``. Mentions inside a place are never
  sources or recipients.
- **Source.** The mention nearest before the trigger, with the mentions coordinated with it ("Iran
  and the United States", "Senior Hungarian and Romanian officials"). A trigger inside a
  statement's content looks only inside the content, and falls back to the speaker when the content
  opens with a pronoun ("Russia said it would impose sanctions"); a pronoun subject outside
  statements is the last actor mentioned before the sentence.
- **Recipient.** The first mention after the trigger's first word (so "called on Israel to" finds
  Israel) and before the next trigger, with its coordinated mentions, not a source.
- **Passives.** A past-participle trigger after a form of *be* ("was attacked by Hamas") swaps: the
  actor after "by" is the source and the subject the recipient; a noun trigger followed by "by"
  ("an attack by rebels on the convoy") takes the source from after "by". "talks between A and B"
  ("talks were held between A and B") makes both sources.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from schemas import ActorRef
from streams.document import ActorRecord, Document, MentionRef
from streams.events.lexicon import Token, TriggerHit
from streams.nlp import Entity

__all__ = ["Arguments", "SentenceArguments", "place_ref"]

_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|outside|inside|across|around|throughout|within|off|along|towards?|into)"
    r"\s+(?:[a-z][\w-]*\s+){0,2}$",
    re.IGNORECASE,
)
_COORDINATION = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|&|/)?\s*(?:the\s+)?$", re.IGNORECASE)
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being", "got", "get", "gets", "getting"})
_PRONOUNS = {"he": frozenset({"person"}), "she": frozenset({"person"}),
             "it": frozenset({"country", "organization", "group"}),
             "they": frozenset({"country", "organization", "group", "person"}),
             "we": frozenset({"country", "organization", "group", "person"})}
_AFTER_AGENT = frozenset({"on", "against", "with", "upon", "targeting"})


@dataclass(slots=True)
class Arguments:
    """Source and recipient actors of one event, and where it happened."""

    sources: list[ActorRecord] = field(default_factory=list)
    recipients: list[ActorRecord] = field(default_factory=list)
    location: ActorRef | None = None


def place_ref(name: str) -> ActorRef:
    """The reference of a place that is not a country actor: ``ww:place:<slug>``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "place"
    return ActorRef(id=f"ww:place:{slug}", name=name)


@dataclass(frozen=True, slots=True)
class _Place:
    start: int
    end: int
    ref: ActorRef


class SentenceArguments:
    """Finds the arguments of the triggers of one sentence."""

    def __init__(self, doc: Document, sentence: tuple[int, int], tokens: list[Token],
                 entities: list[Entity]) -> None:
        self.doc = doc
        self.start, self.end = sentence
        self.tokens = tokens
        self.places = self._places(entities)
        self.mentions = [m for m in doc.mentions_in(self.start, self.end) if not self._in_place(m)]
        self.statements = [s for s in doc.statements if s.span[0] < self.end and s.span[1] > self.start]

    def _places(self, entities: list[Entity]) -> list[_Place]:
        places = []
        text = self.doc.text
        for entity in entities:
            if entity.label not in _PLACE_LABELS or entity.start < self.start or entity.end > self.end:
                continue
            if not _LOCATIVE.search(text, max(self.start, entity.start - 40), entity.start):
                continue
            actor = self.doc.actor_at(entity.start, entity.end)
            ref = actor.ref() if actor is not None and actor.type == "country" else place_ref(entity.text)
            places.append(_Place(entity.start, entity.end, ref))
        return places

    def _in_place(self, mention: MentionRef) -> bool:
        return any(p.start <= mention.start and mention.end <= p.end for p in self.places)

    def find(self, hit: TriggerHit, limit: int) -> Arguments:
        """The arguments of ``hit``; recipients are looked for before ``limit`` (the next trigger)."""
        scope_start, scope_end, speaker = self._scope(hit.start)
        args = Arguments(location=self._location(hit))
        before = [m for m in self.mentions if scope_start <= m.start and m.end <= hit.start]
        subject = self._group_back(before)
        agent_start = self._agent(hit)
        if agent_start is not None:
            agents = self._group_forward([m for m in self.mentions if m.start >= agent_start
                                          and m.end <= scope_end])
            args.sources = [m.actor for m in agents]
            if hit.form == "past":
                args.recipients = [m.actor for m in subject]
            else:
                after_agent = agents[-1].end if agents else agent_start
                args.recipients = [m.actor for m in self._object_after(after_agent, min(limit, scope_end))]
            return _distinct(args)
        if self._passive(hit):
            args.recipients = [m.actor for m in subject]
            return _distinct(args)
        if self._between(hit):
            args.sources = [m.actor for m in self._group_forward(
                [m for m in self.mentions if m.start >= hit.end and m.end <= scope_end])]
            return _distinct(args)
        args.sources = [m.actor for m in subject]
        if not args.sources:
            fallback = self._pronoun_source(hit, scope_start, speaker)
            args.sources = [fallback] if fallback is not None else []
        head_end = self.tokens[hit.first].end
        after = [m for m in self.mentions if m.start >= head_end and m.end <= min(limit, scope_end)
                 and m.start - hit.end < 80]
        args.recipients = [m.actor for m in self._group_forward(after)]
        return _distinct(args)

    def _scope(self, position: int) -> tuple[int, int, ActorRecord | None]:
        """The sentence, narrowed to a statement's content when the trigger lies in one."""
        for statement in self.statements:
            start, end = statement.span
            if start <= position < end:
                speaker = self.doc.actors.get(statement.speaker.id) if statement.speaker else None
                return max(start, self.start), min(end, self.end), speaker
        return self.start, self.end, None

    def _location(self, hit: TriggerHit) -> ActorRef | None:
        if not self.places:
            return None
        nearest = min(self.places, key=lambda p: (p.start - hit.end) if p.start >= hit.end
                      else (hit.start - p.end) * 1.5)
        return nearest.ref

    def _group_back(self, before: list[MentionRef]) -> list[MentionRef]:
        if not before:
            return []
        group = [before[-1]]
        for mention in reversed(before[:-1]):
            if not _COORDINATION.match(self.doc.text[mention.end : group[0].start]):
                break
            group.insert(0, mention)
        return group

    def _group_forward(self, after: list[MentionRef]) -> list[MentionRef]:
        if not after:
            return []
        group = [after[0]]
        for mention in after[1:]:
            if not _COORDINATION.match(self.doc.text[group[-1].end : mention.start]):
                break
            group.append(mention)
        return group

    def _token_index_after(self, position: int) -> int:
        for index, token in enumerate(self.tokens):
            if token.start >= position:
                return index
        return len(self.tokens)

    def _agent(self, hit: TriggerHit) -> int | None:
        """Where the agent phrase starts: after "by" following a passive or a noun trigger."""
        reach = 4 if hit.form == "past" else 1
        if hit.form == "past" and not self._passive(hit):
            return None
        if hit.form not in ("past", "noun"):
            return None
        for token in self.tokens[hit.last + 1 : hit.last + 1 + reach]:
            if token.lower == "by":
                return token.end
        return None

    def _passive(self, hit: TriggerHit) -> bool:
        if hit.form != "past":
            return False
        left = [t.lower for t in self.tokens[max(0, hit.first - 3) : hit.first]]
        left = [w for w in left if not w.endswith("ly")]
        return bool(left) and left[-1] in _BE

    def _between(self, hit: TriggerHit) -> bool:
        return any(t.lower == "between" for t in self.tokens[hit.last + 1 : hit.last + 4])

    def _object_after(self, position: int, limit: int) -> list[MentionRef]:
        index = self._token_index_after(position)
        if index < len(self.tokens) and self.tokens[index].lower in _AFTER_AGENT:
            return self._group_forward([m for m in self.mentions if m.start >= self.tokens[index].end
                                        and m.end <= limit])
        return []

    def _pronoun_source(self, hit: TriggerHit, scope_start: int, speaker: ActorRecord | None) -> ActorRecord | None:
        words = [t for t in self.tokens[max(0, hit.first - 4) : hit.first] if t.start >= scope_start]
        pronoun = next((t for t in words if t.lower in _PRONOUNS), None)
        if pronoun is None:
            return None
        if speaker is not None:
            return speaker
        return self.doc.last_actor_before(self.start, _PRONOUNS[pronoun.lower])


def _distinct(args: Arguments) -> Arguments:
    seen: set[str] = set()
    sources = []
    for actor in args.sources:
        if actor.id not in seen:
            seen.add(actor.id)
            sources.append(actor)
    recipients = []
    for actor in args.recipients:
        if actor.id not in seen:
            seen.add(actor.id)
            recipients.append(actor)
    return Arguments(sources, recipients, args.location)
