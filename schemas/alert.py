"""``news.alerts``: something a subscriber asked to be told about."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from schemas._base import ActorRef, PublishedModel, Span

__all__ = ["Alert", "AlertEvidence"]


class AlertEvidence(PublishedModel):
    """What triggered the alert: the statement (or stance, shift, event update) and its text."""

    statement_id: str | None = None
    text: str
    span: Span | None = None


class Alert(PublishedModel):
    """One alert, keyed by ``id`` (stable across redeliveries, so consumers can deduplicate)."""

    schema_version: Literal[1] = 1
    id: str = Field(description="deterministic: the same rule, finding and article give the same id, "
                                "across redeliveries and new versions of the article")
    type: str = Field(pattern=r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$", description="dotted, e.g. statement.new")
    title: str
    severity: Literal["info", "warning", "critical"]
    article_uri: str
    topic: str | None = Field(description="the configured topic id that matched")
    actors: list[ActorRef] = Field(default_factory=list)
    created_at: AwareDatetime
    evidence: AlertEvidence
    rule: str = Field(description="the id of the alert rule that fired")
    finding: Literal["statement", "stance", "stance_shift", "event_update", "new_story"] | None = Field(
        None, description="the kind of finding the rule matched")
    story_id: str | None = Field(None, description="the tracked story the article or event update belongs to, "
                                                   "when known")
