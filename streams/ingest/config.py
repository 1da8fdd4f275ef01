"""The feeds file of ``wirewatch ingest --feeds FILE``: which feeds to poll, how often, how.

::

    feeds:
      - url: https://feeds.bbci.co.uk/news/world/rss.xml
        interval_s: 300             # seconds between polls (default 300)
        headers: {Accept-Language: en}
        full_text: false            # true: fetch each item's page and extract its main text
      - url: https://agency.example/ninjs/latest
        name: agency                # label in logs and metrics (default: the URL's host and path)

Validated at start; an error names the file, line and field.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.errors import ConfigError
from streams.datafile import load_entries

__all__ = ["FeedConfig", "feed_from_url", "load_feeds"]


class FeedConfig(BaseModel):
    """One feed to poll."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    interval_s: float = Field(300.0, ge=1.0, description="seconds between two polls when all is well")
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers")
    full_text: bool = Field(False, description="fetch each item's page and extract its main text")
    name: str | None = Field(None, description="label in logs and metrics")

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value

    @property
    def label(self) -> str:
        """The feed's name, or its host and path."""
        if self.name:
            return self.name
        parts = urlsplit(self.url)
        return f"{parts.netloc}{parts.path}".rstrip("/")


def load_feeds(path: Path) -> list[FeedConfig]:
    """Read and validate a feeds file; raises ``ConfigError`` naming file, line and field."""
    _, feeds = load_entries(path, "feeds", FeedConfig)
    if not feeds:
        raise ConfigError(f"{path}:1: feeds: the list is empty")
    urls = [feed.url for feed in feeds]
    for index, url in enumerate(urls):
        if url in urls[:index]:
            raise ConfigError(f"{path}: feeds[{index}].url: {url} is listed twice")
    return feeds


def feed_from_url(url: str) -> FeedConfig:
    """A feed for ``ingest --once URL``, with the defaults; raises ``ConfigError`` on a bad URL."""
    try:
        return FeedConfig(url=url)
    except ValueError as exc:
        raise ConfigError(f"{url}: must be an http:// or https:// URL") from exc
