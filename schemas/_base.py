"""Base model configuration shared by every published contract."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ActorRef", "PublishedModel", "Span", "utcnow"]

#: ``[start, end)`` character offsets into the article text ``headline + "\n\n" + body_text``.
Span = Annotated[tuple[int, int], Field(description="[start, end) character offsets into headline + '\\n\\n' + body_text")]


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class PublishedModel(BaseModel):
    """A record wirewatch publishes: immutable, and unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ActorRef(PublishedModel):
    """A reference to an actor (or a configured topic, for stance targets) by id and display name."""

    id: str
    name: str
