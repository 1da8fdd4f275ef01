"""``news.articles``: the input article, normalised.

Producers may send either this native shape or an IPTC ninjs 1.x/2.x/3.x text item; the worker
normalises both to :class:`Article` (see ``streams.ingest.normalise``). Unknown fields are ignored on
input so agencies can add to their payloads without breaking us.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

__all__ = ["Article", "Source"]


class Source(BaseModel):
    """The outlet or agency an article came from."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str | None = None
    url: str | None = None


class Article(BaseModel):
    """One news article, identified by ``uri``; a later ``version`` of the same ``uri`` is an update."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)

    uri: str = Field(min_length=1, description="stable identity of the article; the Kafka key")
    headline: str = ""
    body_text: str = Field("", description="plain text, paragraphs separated by blank lines")
    published: AwareDatetime | None = Field(None, description="RFC 3339 publication time")
    updated: AwareDatetime | None = None
    url: str | None = None
    language: str | None = Field(None, description="BCP 47 language tag")
    source: Source | None = None
    byline: str | None = None
    version: str | None = Field(None, description="the provider's version of this uri, if any")
    pubstatus: str | None = Field(None, description="ninjs pubstatus: usable, withheld or canceled")
    urgency: int | None = Field(None, ge=1, le=9)

    @model_validator(mode="after")
    def _needs_text(self) -> Article:
        if not self.headline.strip() and not self.body_text.strip():
            raise ValueError("an article needs a headline or a body_text")
        return self

    @property
    def text(self) -> str:
        """The text every finding's offsets point into: ``headline + "\\n\\n" + body_text``."""
        return f"{self.headline}\n\n{self.body_text}"

    @property
    def body_offset(self) -> int:
        """Offset of the first body character in :attr:`text`."""
        return len(self.headline) + 2

    def published_or(self, fallback: datetime) -> datetime:
        """The publication time, or ``fallback`` when the feed gave none."""
        return self.published or fallback
