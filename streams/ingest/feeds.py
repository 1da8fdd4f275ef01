"""Feeds to articles, one per item: RSS 2.0, RSS 1.0/RDF and Atom (with ``feedparser``), and JSON.

An item's identity is its ``guid`` (RSS), ``rdf:about`` (RSS 1.0) or ``id`` (Atom), falling back to its
link; its text is the title and the content or summary, HTML reduced to paragraphs; its dates are
normalised to UTC. A JSON document (an agency's ninjs endpoint) is one item, a list of items, or an
object with the list under ``items``; each is read as a native or ninjs article.

feedparser expands no external entity; a document that declares entities of its own (the
"billion laughs" shape) is refused before it is parsed.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import orjson

from schemas import Article
from schemas.errors import InputError, InvalidArticleError, NotJsonError
from streams.ingest.normalise import article_from_json, html_to_text

__all__ = ["DocumentItem", "FeedDocument", "FeedItem", "is_feed", "items_from_feed", "read_document"]

#: ``(location in the document, article, error)``: exactly one of article and error is set
FeedItem = tuple[str, Article | None, InputError | None]

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True)
class DocumentItem:
    """One item of a document: its article or the reason it was rejected, and the item as JSON bytes."""

    location: str
    article: Article | None
    error: InputError | None
    raw: bytes


@dataclass(frozen=True)
class FeedDocument:
    """A parsed feed or JSON document: its items, or the reason it could not be read at all."""

    kind: str
    items: list[DocumentItem]
    error: InputError | None = None


def is_feed(data: bytes) -> bool:
    """True when ``data`` looks like an XML document rather than JSON."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def read_document(data: bytes) -> FeedDocument:
    """Parse a fetched body: an XML feed (RSS 2.0, RSS 1.0/RDF, Atom) or JSON (native or ninjs)."""
    if is_feed(data):
        return _read_feed(data)
    return _read_json(data)


def items_from_feed(data: bytes) -> Iterator[FeedItem]:
    """Yield ``(location, article, error)`` for each item of an XML feed."""
    document = _read_feed(data)
    if document.error is not None:
        yield "feed", None, document.error
    for item in document.items:
        yield item.location, item.article, item.error


def _read_feed(data: bytes) -> FeedDocument:
    if _ENTITY_DECLARATION.search(data[:65536]):
        return FeedDocument("xml", [], NotJsonError("the feed declares XML entities: refused"))
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    version = parsed.get("version") or ""
    if not version:
        why = parsed.get("bozo_exception")
        detail = f": {why}" if why else ""
        return FeedDocument("xml", [], NotJsonError(f"not an RSS, RDF or Atom feed{detail}"))
    feed = parsed.get("feed", {})
    source = {"name": feed.get("title"), "url": feed.get("link")}
    language = feed.get("language")
    label = "entry" if version.startswith("atom") else "item"
    items = [_feed_item(f"{label}[{index}]", entry, source, language)
             for index, entry in enumerate(parsed.get("entries", []))]
    return FeedDocument(version, items)


def _feed_item(location: str, entry: Any, source: dict[str, str | None], language: str | None) -> DocumentItem:
    raw = orjson.dumps(entry, default=str)
    fields = _entry_fields(entry, source, language)
    if not fields.get("uri"):
        return DocumentItem(location, None, InvalidArticleError("field 'uri': the item has no guid, id or link"), raw)
    article, error = _validate(fields)
    return DocumentItem(location, article, error, raw)


def _read_json(data: bytes) -> FeedDocument:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return FeedDocument("json", [], NotJsonError(f"neither a feed nor JSON: {exc}"))
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        value = value["items"]
    values = value if isinstance(value, list) else [value]
    return FeedDocument("json", [DocumentItem(f"[{index}]" if isinstance(value, list) else "item",
                                              *_validate(item), orjson.dumps(item))
                                 for index, item in enumerate(values)])


def _validate(value: Any) -> tuple[Article | None, InputError | None]:
    try:
        return article_from_json(value), None
    except InputError as exc:
        return None, exc


def _entry_fields(entry: Any, source: dict[str, str | None], language: str | None) -> dict[str, Any]:
    content = entry.get("content") or []
    body = (content[0].get("value") if content else None) or entry.get("summary") or ""
    # dict.get: feedparser's own get() maps a missing updated_parsed to published_parsed, with a warning
    updated = _utc(dict.get(entry, "updated_parsed"))
    published = _utc(dict.get(entry, "published_parsed")) or updated
    return {
        "uri": entry.get("id") or entry.get("link"),
        "headline": html_to_text(entry.get("title") or ""),
        "body_text": html_to_text(body),
        "published": published,
        "updated": updated,
        "url": entry.get("link"),
        "language": entry.get("language") or language,
        "byline": entry.get("author"),
        "source": {k: v for k, v in source.items() if v},
    }


def _utc(value: time.struct_time | None) -> str | None:
    """feedparser's parsed dates are UTC ``struct_time``s; RFC 3339 UTC, or None."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None
