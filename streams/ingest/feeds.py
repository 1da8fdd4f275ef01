"""RSS 2.0 and Atom (RFC 4287) feeds to articles, one per item or entry.

An item's identity is its ``guid`` (RSS) or ``id`` (Atom), falling back to its link; its text is the
title and the description/summary or content (HTML reduced to paragraphs). Feeds are parsed with
defusedxml, so entity-expansion bombs and external entities are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsing goes through defusedxml

from defusedxml import ElementTree

from schemas import Article
from schemas.errors import InputError, InvalidArticleError, NotJsonError
from streams.ingest.normalise import article_from_json, html_to_text

__all__ = ["FeedItem", "is_feed", "items_from_feed"]

_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"

FeedItem = tuple[str, Article | None, InputError | None]


def is_feed(data: bytes) -> bool:
    """True when ``data`` looks like an XML document rather than JSON."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def items_from_feed(data: bytes) -> Iterator[FeedItem]:
    """Yield ``(location, article, error)`` for each item of an RSS 2.0 or Atom feed."""
    try:
        root = ElementTree.fromstring(data)
    except Exception as exc:  # defusedxml raises ParseError or its own DTD/entity errors
        yield "feed", None, NotJsonError(f"not a well-formed feed: {exc}")
        return
    channel = root.find("channel") if root.tag == "rss" else None
    if root.tag == f"{_ATOM}feed":
        source = {"name": _text(root.find(f"{_ATOM}title"))}
        for index, entry in enumerate(root.findall(f"{_ATOM}entry")):
            yield f"entry[{index}]", *_validate(_atom_entry(entry, source))
    elif channel is not None:
        source = {"name": _text(channel.find("title")), "url": _text(channel.find("link"))}
        language = _text(channel.find("language"))
        for index, item in enumerate(channel.findall("item")):
            yield f"item[{index}]", *_validate(_rss_item(item, source, language))
    else:
        yield "feed", None, InvalidArticleError(f"not an RSS 2.0 or Atom feed (root element {root.tag!r})")


def _validate(fields: dict[str, Any]) -> tuple[Article | None, InputError | None]:
    try:
        return article_from_json(fields), None
    except InputError as exc:
        return None, exc


def _rss_item(item: Element, source: dict[str, str | None], language: str | None) -> dict[str, Any]:
    link = _text(item.find("link"))
    body = _text(item.find(_CONTENT)) or _text(item.find("description")) or ""
    return {
        "uri": _text(item.find("guid")) or link,
        "headline": html_to_text(_text(item.find("title")) or ""),
        "body_text": html_to_text(body),
        "published": _rfc822(_text(item.find("pubDate"))),
        "url": link,
        "language": language,
        "byline": _text(item.find(_DC_CREATOR)) or _text(item.find("author")),
        "source": {k: v for k, v in source.items() if v},
    }


def _atom_entry(entry: Element, source: dict[str, str | None]) -> dict[str, Any]:
    link = next((el.get("href") for el in entry.findall(f"{_ATOM}link") if el.get("rel", "alternate") == "alternate"),
                None)
    body = _text(entry.find(f"{_ATOM}content")) or _text(entry.find(f"{_ATOM}summary")) or ""
    return {
        "uri": _text(entry.find(f"{_ATOM}id")) or link,
        "headline": html_to_text(_text(entry.find(f"{_ATOM}title")) or ""),
        "body_text": html_to_text(body),
        "published": _text(entry.find(f"{_ATOM}published")) or _text(entry.find(f"{_ATOM}updated")),
        "updated": _text(entry.find(f"{_ATOM}updated")),
        "url": link,
        "byline": _text(entry.find(f"{_ATOM}author/{_ATOM}name")),
        "source": {k: v for k, v in source.items() if v},
    }


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _rfc822(value: str | None) -> str | None:
    """RFC 822 dates ("Thu, 08 Aug 2024 19:20:58 GMT") as RFC 3339; unparseable ones are dropped."""
    if not value:
        return None
    try:
        parsed: datetime = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.isoformat() if parsed.tzinfo else None
