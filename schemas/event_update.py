"""``news.events.updates``: what one article changed in a tracked story, and the stories themselves.

An update is keyed by ``story_id`` on the topic (so a story's updates stay in order) and carries a
deterministic ``id`` (from the story id, the change and the article uri): a replay after a crash
republishes the same id, so subscribers can deduplicate.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from schemas._base import ActorRef, PublishedModel

__all__ = ["Change", "EventUpdate", "Story", "StoryStatus"]

Change = Literal["new_story", "new_participant", "status_change", "new_statement", "new_detail"]
#: ``dormant``: no article for the configured quiet period; a new article can no longer join it
StoryStatus = Literal["planned", "ongoing", "concluded", "cancelled", "hedged", "active", "dormant"]


class EventUpdate(PublishedModel):
    """One change an article made to a story."""

    schema_version: Literal[1] = 1
    id: str = Field(description="deterministic: hashed from story_id, change, article_uri and what changed")
    story_id: str
    change: Change
    before: Any = Field(None, description="the story's value before the change (null for new_story)")
    after: Any = Field(None, description="the value after it: a participant, a status, a statement, a detail")
    article_uri: str
    created_at: AwareDatetime = Field(description="the article's event time (published, else ingested)")
    summary: str = Field(description="one line for a human: 'Turkey sends deputy foreign minister to Muscat talks'")


class Story(PublishedModel):
    """A story tracked across articles: what ``wirewatch stories`` shows."""

    id: str
    title: str
    kind: str = Field(description="the main event type of the story (PLOVER), or 'STATEMENT'/'OTHER'")
    participants: list[ActorRef] = Field(default_factory=list)
    places: list[ActorRef] = Field(default_factory=list)
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    status: StoryStatus
    articles: list[str] = Field(default_factory=list, description="uris, oldest first")
    statements: list[str] = Field(default_factory=list, description="statement ids, oldest first")
