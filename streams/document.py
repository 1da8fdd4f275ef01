"""The working state of one article as it flows through the extraction stages.

Stages read what earlier stages added and append their own findings: the actors stage fills
``actors``; the statements stage reads them to resolve speakers and fills ``statements``; the
stance stage reads both. Offsets are into :attr:`Document.text` (``headline + "\\n\\n" + body_text``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from schemas import Actor, ActorRef, Article, Event, Role, Stance, Statement
from schemas.enriched import ActorType
from streams.nlp import Entity
from streams.text import paragraph_spans, sentence_spans

__all__ = ["ActorRecord", "Document", "MentionRef"]


@dataclass(slots=True)
class ActorRecord:
    """An actor being built up while reading one article."""

    id: str
    name: str
    type: ActorType
    roles: list[Role] = field(default_factory=list)
    mentions: list[tuple[int, int]] = field(default_factory=list)
    country: str | None = None
    in_knowledge_base: bool = False

    def ref(self) -> ActorRef:
        """The ``{id, name}`` reference used in statements, stances and alerts."""
        return ActorRef(id=self.id, name=self.name)

    def add_role(self, role: Role) -> None:
        """Add ``role`` unless an equal (case-insensitive) role is already known."""
        key = (role.title or "").lower(), (role.affiliation or "").lower(), role.former
        for known in self.roles:
            if ((known.title or "").lower(), (known.affiliation or "").lower(), known.former) == key:
                return
        self.roles.append(role)

    def to_model(self) -> Actor:
        """Freeze into the published :class:`schemas.Actor`."""
        return Actor(
            id=self.id,
            name=self.name,
            type=self.type,
            roles=list(self.roles),
            mentions=sorted(set(self.mentions)),
            country=self.country,
            in_knowledge_base=self.in_knowledge_base,
        )


@dataclass(frozen=True, slots=True)
class MentionRef:
    """A resolved mention: where it is and which actor it denotes."""

    start: int
    end: int
    actor: ActorRecord


@dataclass
class Document:
    """One article under extraction."""

    article: Article
    text: str
    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    entities: list[Entity] = field(default_factory=list)
    actors: dict[str, ActorRecord] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    stances: list[Stance] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    #: NER entities with boundaries and types corrected (``streams.nlp.refine_entities``), once computed.
    refined_entities: list[Entity] | None = None
    #: ``[start, end)`` of the dateline ("WASHINGTON (Reuters) -"), if any; no actor is made from it.
    dateline: tuple[int, int] | None = None
    _mentions: list[MentionRef] = field(default_factory=list)
    _mention_starts: list[int] = field(default_factory=list)
    _sentence_starts: list[int] = field(default_factory=list)

    @classmethod
    def from_article(cls, article: Article) -> Document:
        """A document with the text segmented into paragraphs and sentences."""
        text = article.text
        return cls(article=article, text=text, paragraphs=paragraph_spans(text), sentences=sentence_spans(text))

    # -- actors -------------------------------------------------------------------------------
    def add_mention(self, actor: ActorRecord, start: int, end: int) -> None:
        """Record that ``text[start:end]`` denotes ``actor`` (registering the actor if new)."""
        self.actors.setdefault(actor.id, actor)
        actor = self.actors[actor.id]
        actor.mentions.append((start, end))
        index = bisect.bisect_left(self._mention_starts, start)
        self._mention_starts.insert(index, start)
        self._mentions.insert(index, MentionRef(start, end, actor))

    def mentions(self) -> list[MentionRef]:
        """All resolved mentions in text order."""
        return list(self._mentions)

    def mentions_in(self, start: int, end: int) -> list[MentionRef]:
        """Resolved mentions lying inside ``[start, end)``, in text order."""
        first = bisect.bisect_left(self._mention_starts, start)
        return [m for m in self._mentions[first:] if m.start < end and m.end <= end]

    def actor_at(self, start: int, end: int) -> ActorRecord | None:
        """The actor of the longest resolved mention overlapping ``[start, end)``, if any."""
        best: MentionRef | None = None
        first = max(0, bisect.bisect_left(self._mention_starts, start) - 8)
        for mention in self._mentions[first:]:
            if mention.start >= end:
                break
            if mention.end > start and (best is None or mention.end - mention.start > best.end - best.start):
                best = mention
        return best.actor if best else None

    def last_actor_before(self, position: int, types: frozenset[str] = frozenset({"person"})) -> ActorRecord | None:
        """The actor of the nearest resolved mention ending before ``position`` with a type in ``types``."""
        index = bisect.bisect_left(self._mention_starts, position)
        for mention in reversed(self._mentions[:index]):
            if mention.end <= position and mention.actor.type in types:
                return mention.actor
        return None

    def sentence_of(self, position: int) -> tuple[int, int] | None:
        """The sentence span containing ``position``."""
        if len(self._sentence_starts) != len(self.sentences):
            self._sentence_starts = [start for start, _ in self.sentences]
        index = bisect.bisect_right(self._sentence_starts, position) - 1
        if index >= 0 and self.sentences[index][0] <= position < self.sentences[index][1]:
            return self.sentences[index]
        return None
