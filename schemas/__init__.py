"""wirewatch's published contracts: one pydantic v2 module per topic, one orjson codec."""

from schemas._base import ActorRef, Span
from schemas.alert import Alert, AlertEvidence
from schemas.article import Article, Source
from schemas.dead_letter import DeadLetter
from schemas.enriched import SCHEMA_VERSION, Actor, EnrichedArticle, Event, Role, Stance, Statement
from schemas.event_update import EventUpdate, Story

__all__ = [
    "SCHEMA_VERSION",
    "Actor",
    "ActorRef",
    "Alert",
    "AlertEvidence",
    "Article",
    "DeadLetter",
    "EnrichedArticle",
    "Event",
    "EventUpdate",
    "Role",
    "Source",
    "Span",
    "Stance",
    "Statement",
    "Story",
]
