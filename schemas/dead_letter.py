"""``news.deadletter``: records wirewatch could not process.

Following Kafka Streams (KIP-1034) the dead letter's key and value are the original bytes,
untouched, and the reason travels in headers. :class:`DeadLetter` is the typed view of those
headers, for tools that read the topic.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from schemas._base import PublishedModel

__all__ = ["HEADER_PREFIX", "DeadLetter"]

HEADER_PREFIX = "__streams.errors."

_FIELDS_TO_HEADERS = {
    "exception": "__streams.errors.exception",
    "message": "__streams.errors.message",
    "stacktrace": "__streams.errors.stacktrace",
    "source_topic": "__streams.errors.topic",
    "source_partition": "__streams.errors.partition",
    "source_offset": "__streams.errors.offset",
    "reason": "wirewatch.errors.reason",
    "stage": "wirewatch.errors.stage",
    "failed_at": "wirewatch.errors.failed_at",
}


class DeadLetter(PublishedModel):
    """Why a record was dead-lettered and where it came from."""

    exception: str = Field(description="fully qualified exception class")
    message: str
    stacktrace: str = ""
    source_topic: str
    source_partition: int
    source_offset: int
    reason: str = Field(description="short code: not-utf8, not-json, too-large, invalid-article, processing-error, ...")
    stage: str = Field(description="the agent or stage that failed")
    failed_at: str = Field(description="RFC 3339 UTC time of the failure")

    def to_headers(self) -> list[tuple[str, bytes]]:
        """The Kafka headers carrying this dead letter (KIP-1034 names plus wirewatch's own)."""
        data = self.model_dump()
        return [(header, str(data[name]).encode("utf-8")) for name, header in _FIELDS_TO_HEADERS.items()]

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, bytes | None]]) -> DeadLetter:
        """Read a dead letter back from Kafka headers (unknown headers, null values are ignored)."""
        by_header = {name: value.decode("utf-8", "replace") for name, value in headers if value is not None}
        return cls.model_validate(
            {field: by_header.get(header, "") for field, header in _FIELDS_TO_HEADERS.items()}
        )
