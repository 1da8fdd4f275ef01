"""``news.articles.enriched``: an article with the actors, statements, stances and topics found in it.

Every ``span``/``mentions``/``evidence`` offset is a ``[start, end)`` character offset into the article
text ``headline + "\\n\\n" + body_text`` (Python string indices, i.e. Unicode code points).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from schemas._base import ActorRef, PublishedModel, Span

__all__ = [
    "SCHEMA_VERSION",
    "Actor",
    "ActorType",
    "EnrichedArticle",
    "Event",
    "EventStatus",
    "EventType",
    "Polarity",
    "Role",
    "Stance",
    "Statement",
    "StatementSource",
    "SourceKind",
]

SCHEMA_VERSION = 1

ActorType = Literal["person", "organization", "country", "group"]
Polarity = Literal["positive", "negative", "neutral"]
#: PLOVER event types (see CONVENTIONS.md), plus STATEMENT: CAMEO's "make public statement", which
#: PLOVER drops and wirewatch keeps because users alert on statements.
EventType = Literal[
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "DEMAND", "DISAPPROVE",
    "REJECT", "THREATEN", "PROTEST", "INVESTIGATE", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT", "FIGHT",
    "STATEMENT",
]
#: ``hedged``: the text expects or signals it without committing ("is expected to", "appears poised to")
EventStatus = Literal["planned", "ongoing", "concluded", "cancelled", "hedged"]


class Role(PublishedModel):
    """A title an actor holds, with the body it belongs to ("Foreign Minister" of "Brazil")."""

    title: str
    affiliation: str | None = None
    former: bool = Field(False, description="true for a past role ('former prime minister')")


class Actor(PublishedModel):
    """One real-world entity named in the article, all its mentions resolved to one id."""

    id: str = Field(description="Wikidata QID when known (Q311440), else a stable wirewatch id")
    name: str = Field(description="canonical name")
    type: ActorType
    roles: list[Role] = Field(default_factory=list)
    mentions: list[Span] = Field(default_factory=list)
    country: str | None = Field(None, description="ISO 3166-1 alpha-3 of the actor's country, when known")
    in_knowledge_base: bool = Field(False, description="true when resolved to the actor knowledge base")


#: ``named``: a person or organisation by name ("Trump", "the Clinton campaign"); ``anonymous``: one
#: unnamed person ("a senior diplomat"); ``group``: people in the plural ("officials", "critics");
#: ``document``: a text, poll or recording ("the report", "a Bloomberg poll")
SourceKind = Literal["named", "anonymous", "group", "document"]


class StatementSource(PublishedModel):
    """Who or what the text gives as the statement's source, named or not ("a senior official")."""

    text: str = Field(description="the source phrase as written")
    span: Span
    kind: SourceKind


class Statement(PublishedModel):
    """A direct or indirect quote attributed to its speaker (BBC Citron / PARC layout)."""

    id: str = Field(description="stable within the article: '<uri>#s<n>' hashed")
    speaker: ActorRef | None = Field(description="the attributed actor, or null when unattributed")
    content: str
    kind: Literal["direct", "indirect"]
    cue: str | None = Field(description="the reporting verb or phrase ('said', 'according to')")
    span: Span = Field(description="the content's offsets")
    cue_span: Span | None = None
    speaker_span: Span | None = Field(None, description="the mention naming the speaker for this statement")
    source: StatementSource | None = Field(None, description="the source phrase and its kind; null when the "
                                           "text gives no source")
    confidence: float = Field(ge=0.0, le=1.0)


class Stance(PublishedModel):
    """An actor's stance toward a configured topic or another actor."""

    holder: ActorRef
    target: ActorRef = Field(description="an actor, or a configured topic with id 'topic:<id>'")
    target_kind: Literal["actor", "topic"] = "actor"
    polarity: Polarity
    score: float = Field(ge=-1.0, le=1.0, description="-1 most negative .. +1 most positive")
    evidence: str | Span = Field(description="the id of the statement it rests on, or a span")
    all_evidence: list[str | Span] = Field(default_factory=list, description="every statement id or span "
                                           "showing this stance, in the order found; ``evidence`` is the "
                                           "strongest of them")


class Event(PublishedModel):
    """Who did what to whom, where and when: one event mentioned in the article, typed with PLOVER."""

    id: str = Field(description="stable within the article version: hashed from the uri, type and first mention")
    type: EventType
    actors: list[str] = Field(default_factory=list, description="actor ids of the source(s)")
    recipients: list[str] = Field(default_factory=list, description="actor ids of the target(s)")
    location: ActorRef | None = Field(None, description="where: a country actor, or a place 'ww:place:<slug>'")
    date: str | None = Field(None, description="ISO date (YYYY-MM-DD), month (YYYY-MM) or year (YYYY), resolved "
                                               "against the article's published time")
    status: EventStatus | None = Field(None, description="null when the text does not say")
    negated: bool = Field(False, description="true for 'did not attend', 'refused to meet' is REJECT instead")
    confidence: float = Field(ge=0.0, le=1.0)
    trigger: str = Field(description="the word(s) that name the event ('talks', 'sanctioned')")
    mentions: list[Span] = Field(default_factory=list, description="the trigger's spans, first one first")


class EnrichedArticle(PublishedModel):
    """The product: one record per processed article version."""

    schema_version: Literal[1] = 1
    uri: str
    headline: str
    published: AwareDatetime | None
    url: str | None = None
    language: str | None = None
    source_name: str | None = None
    version: str | None = None
    pubstatus: str | None = Field(None, description="ninjs pubstatus; 'canceled' or 'withheld' records carry no findings")
    extractor: dict[str, str] = Field(description="registered stage name -> implementation version")
    ingested_at: AwareDatetime = Field(description="when the article landed on the input topic")
    processed_at: AwareDatetime = Field(description="when this record was produced")
    text_length: int = Field(description="len(headline + '\\n\\n' + body_text), to check offsets")
    actors: list[Actor] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list, description="ids of configured topics the article is about")
    events: list[Event] = Field(default_factory=list)
    duplicate_of: str | None = Field(None, description="the uri of an earlier article this one is a near-duplicate "
                                                       "of (syndicated copy, light rewrite); set by the stories agent")
    story_id: str | None = Field(None, description="the tracked story this article mainly reports; set by the "
                                                   "stories agent")
