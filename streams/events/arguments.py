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
- **Subjects, not modifiers.** Looking back for the source, a mention right after a preposition
  ("King Hassan of Morocco", "the envoy to Iran", "in Cairo") is passed over for the mention it
  qualifies, unless nothing else stands before the trigger.
- **Mentions that only stand for their head.** A country or organisation that the actors stage
  kept as an affiliation ("Taiwan" in "Taiwan's Vice Foreign Minister visited", "Romania" in
  "leaders of Romania's new government") and a country demonym leading a group noun
  ("Israeli troops", "Swiss doctors", "Senior Hungarian and Romanian officials") or used as a
  plural noun ("Palestinians and Israelis") count as mentions of that actor (a demonym before
  any other noun only as a recipient: "rejected an Australian ultimatum"), unless a resolved
  mention follows within a few title words ("Russian President Boris Yeltsin": the person is the
  actor; the actors stage gives them the country). When such a mention becomes an argument, its
  actor is listed on the document (without the demonym's span: "Dutch" is not a name of the
  Netherlands) so the event's ids resolve.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from schemas import ActorRef
from streams.actors.knowledge import KBMatch, KnowledgeBase
from streams.actors.stage import kb_actor_record
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
#: a mention right after one of these qualifies another word; it is not the subject
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:of|in|at|from|for|to|with|on|near|against|over|into|inside|outside|about|like|toward|towards|"
    r"under|without|by)\s+(?:the\s+|an?\s+|its\s+|their\s+)?$",
    re.IGNORECASE,
)
#: what a demonym leads when it names a group acting for its country ("Israeli troops")
_GROUP_HEADS = frozenset("""
officials official troops soldiers forces force army military navy police government authorities
leaders leader leadership side sides negotiators diplomats diplomat delegation delegates envoy envoys
ministers minister lawmakers legislators parliament parliamentarians deputies rebels militants fighters
guerrillas gunmen militia militiamen warplanes jets helicopters warships ships vessels planes aircraft
gunboats tanks artillery workers farmers doctors students protesters protestors demonstrators villagers
settlers citizens nationals businessmen businessman spokesman spokeswoman sources intelligence
regime junta cabinet court courts judges prosecutors opposition agents commandos paratroopers
marines airmen sailors peacekeepers investigators inspectors team teams union unions party
""".split())
_HEAD_REACH = 3
_TITLE_GAP = re.compile(r"^(?:'s|\u2019s)?(?:\s+[\w.-]+){0,4}\s+$")


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
                 entities: list[Entity], kb: KnowledgeBase | None = None,
                 triggers: list[tuple[int, int]] | None = None,
                 lookups: dict[str, KBMatch | None] | None = None) -> None:
        self.doc = doc
        self._cache = lookups if lookups is not None else {}
        self.start, self.end = sentence
        self.tokens = tokens
        self.places = self._places(entities)
        resolved = [m for m in doc.mentions_in(self.start, self.end) if not self._in_place(m)]
        self._object_only: set[tuple[int, int]] = set()
        self._standing = self._standing_mentions(resolved, kb, triggers or [])
        self.mentions = sorted(resolved + self._standing, key=lambda m: (m.start, m.end))
        self.statements = [s for s in doc.statements if s.span[0] < self.end and s.span[1] > self.start]

    def _standing_mentions(self, resolved: list[MentionRef], kb: KnowledgeBase | None,
                           triggers: list[tuple[int, int]]) -> list[MentionRef]:
        """Affiliation spans and group-leading demonyms of the sentence (see the module docstring)."""
        found: list[MentionRef] = []
        taken = [(m.start, m.end) for m in resolved]
        for actor in self.doc.actors.values():
            for start, end in actor.mentions:
                if self.start <= start and end <= self.end and (start, end) not in taken \
                        and actor.type in ("country", "organization"):
                    found.append(MentionRef(start, end, actor))
        if kb is not None:
            found.extend(self._demonym_mentions(kb))
        kept = []
        for mention in found:
            if any(s < mention.end and mention.start < e for s, e in taken) or self._in_place(mention):
                continue
            if self._heads_a_mention(mention, resolved, triggers):
                continue
            taken.append((mention.start, mention.end))
            kept.append(mention)
        return kept

    def _demonym_mentions(self, kb: KnowledgeBase) -> list[MentionRef]:
        found = []
        for start, end, match in self._demonyms(kb):
            if self.doc.text[end : end + 1] == "-":
                continue  # "Israeli-occupied", "Russian-made": an adjective, not a group
            mention = MentionRef(start, end, kb_actor_record(self.doc, kb, match.actor))
            if not (self._leads_group(end) or self._plural_demonym(start, end)):
                self._object_only.add((start, end))  # "rejected an Australian ultimatum"
            found.append(mention)
        return found

    def _demonyms(self, kb: KnowledgeBase) -> list[tuple[int, int, KBMatch]]:
        """Country demonyms among the sentence's capitalised words ("South Korean" before "Korean")."""
        text = self.doc.text
        found = []
        index = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if not text[token.start].isupper():
                index += 1
                continue
            for size in (2, 1):
                last = self.tokens[min(index + size - 1, len(self.tokens) - 1)]
                match = self._lookup(kb, text[token.start : last.end]) if index + size <= len(self.tokens) else None
                if match is not None and match.kind == "demonym" and match.actor.type == "country":
                    found.append((token.start, last.end, match))
                    index += size - 1
                    break
            index += 1
        return found

    def _lookup(self, kb: KnowledgeBase, surface: str) -> KBMatch | None:
        if surface not in self._cache:
            self._cache[surface] = kb.lookup(surface)
        return self._cache[surface]

    def _leads_group(self, end: int) -> bool:
        index = self._token_index_after(end)
        for token in self.tokens[index : index + _HEAD_REACH]:
            if token.lower in _GROUP_HEADS:
                return True
            if token.lower in ("and", "or"):
                continue  # "Hungarian and Romanian officials"
            if not token.lower.isalpha():
                return False
        return False

    def _plural_demonym(self, start: int, end: int) -> bool:
        word = self.doc.text[start:end]
        return word.endswith("s") and word[:1].isupper() and not self._leads_group(end) \
            and " " not in word

    def _heads_a_mention(self, mention: MentionRef, resolved: list[MentionRef],
                         triggers: list[tuple[int, int]]) -> bool:
        """True when a resolved mention follows within a few title words ("Russian President Boris Yeltsin")."""
        following = next((m for m in resolved if m.start >= mention.end), None)
        if following is None or following.start - mention.end > 50:
            return False
        if any(mention.end <= s < following.start for s, _ in triggers):
            return False
        return bool(_TITLE_GAP.match(self.doc.text[mention.end : following.start] + " "))

    def register(self, args: Arguments) -> None:
        """List on the document the actors of ``args`` that only a standing mention named."""
        for mention in self._standing:
            actor = mention.actor
            if any(a is actor for a in (*args.sources, *args.recipients)):
                # a demonym is not a name of the country: listed, but its span is no mention
                self.doc.actors.setdefault(actor.id, actor)

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
        before = [m for m in self.mentions if scope_start <= m.start and m.end <= hit.start
                  and (m.start, m.end) not in self._object_only]
        subject = self._subject(before)
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

    def _subject(self, before: list[MentionRef]) -> list[MentionRef]:
        """The source group before the trigger, passing over mentions that follow a preposition."""
        for last in range(len(before), 0, -1):
            group = self._group_back(before[:last])
            if not _PREPOSITION_BEFORE.search(self.doc.text, max(self.start, group[0].start - 30), group[0].start):
                return group
        return self._group_back(before)

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
    # "Turkey will send a delegation led by Hakan Fidan": a country's own people (and a person's own
    # country) are not the other side of its event
    own = {actor.country for actor in sources if actor.type == "country" and actor.country}
    members = {actor.country for actor in sources if actor.type != "country" and actor.country}
    recipients = []
    for actor in args.recipients:
        if actor.id in seen or (actor.country in own and actor.type != "country") or (
                actor.type == "country" and actor.country in members):
            continue
        seen.add(actor.id)
        recipients.append(actor)
    return Arguments(sources, recipients, args.location)
