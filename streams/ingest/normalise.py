"""Turn raw input (bytes, or a decoded JSON object) into an :class:`Article`.

Accepted shapes:

* native: ``{"uri", "headline", "body_text", "published", "url", "language", "source": {"name", "url"},
  "byline"}`` (``uri`` required, and a headline or a body_text);
* IPTC ninjs 1.x (``headline``, ``body_text``/``body_xhtml``, ``versioncreated``, ``byline``),
  2.x (``headlines[]``, ``bodies[]``, ``by``) and 3.x (the 2.x fields in camelCase: ``versionCreated``,
  ``pubStatus``...). HTML bodies are reduced to plain text, one paragraph per block element.

Every failure raises an :class:`~schemas.errors.InputError` subclass whose message names the field.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

from pydantic import ValidationError

from schemas import Article
from schemas.codec import decode
from schemas.errors import InvalidArticleError, NotJsonError, NotUtf8Error, RecordTooLargeError

__all__ = ["article_from_bytes", "article_from_json", "html_to_text", "is_ninjs"]

_NINJS_ONLY_FIELDS = {
    "headlines", "bodies", "body_xhtml", "body_html", "versioncreated", "versionCreated", "firstcreated",
    "firstCreated", "pubStatus", "by", "located", "subjects", "subject", "profile", "$standard",
    "standard", "representationtype", "representationType", "descriptions", "renditions",
}
_BLOCK_TAGS = {"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "br",
               "tr", "pre", "header", "footer", "figcaption"}


def article_from_bytes(data: bytes, max_bytes: int | None = None) -> Article:
    """Decode one Kafka record value into an :class:`Article`.

    Raises:
        RecordTooLargeError, NotUtf8Error, NotJsonError, InvalidArticleError
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise RecordTooLargeError(f"record is {len(data)} bytes, more than the maximum {max_bytes}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8Error(f"value is not UTF-8 (byte {exc.start}: {exc.reason})") from exc
    try:
        value = decode(text)
    except ValueError as exc:
        raise NotJsonError(f"value is not JSON: {exc}") from exc
    return article_from_json(value)


def is_ninjs(value: dict[str, Any]) -> bool:
    """True when ``value`` looks like an IPTC ninjs item rather than the native shape."""
    return bool(_NINJS_ONLY_FIELDS & value.keys())


def article_from_json(value: Any) -> Article:
    """Validate a decoded JSON object (native or ninjs) into an :class:`Article`."""
    if not isinstance(value, dict):
        raise InvalidArticleError(f"expected a JSON object, got {type(value).__name__}")
    fields = _from_ninjs(value) if is_ninjs(value) else value
    try:
        return Article.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        where = f"field {field!r}" if field else "article"
        raise InvalidArticleError(f"{where}: {message}") from exc


def _get(item: dict[str, Any], *names: str) -> Any:
    for name in names:
        if item.get(name) not in (None, "", []):
            return item[name]
    return None


def _from_ninjs(item: dict[str, Any]) -> dict[str, Any]:
    """Map a ninjs 1.x/2.x/3.x item onto the native field names."""
    headline = _get(item, "headline")
    if headline is None:
        headline = _pick_role(item.get("headlines"), "main") or _get(item, "title")
    body = _get(item, "body_text")
    markup = item.get("body_xhtml") or item.get("body_html")
    if body is None and isinstance(markup, str):
        body = html_to_text(markup)
    if body is None:
        body = _body_from_bodies(item.get("bodies"))
    if body is None:
        body = _get(item, "description_text") or _pick_role(item.get("descriptions"), "summary")
    byline = _get(item, "byline", "by")
    if isinstance(byline, list):
        byline = ", ".join(str(b.get("name", b)) if isinstance(b, dict) else str(b) for b in byline)
    return {
        "uri": item.get("uri"),
        "headline": headline or "",
        "body_text": body or "",
        "published": _get(item, "firstcreated", "firstCreated", "versioncreated", "versionCreated"),
        "updated": _get(item, "versioncreated", "versionCreated"),
        "language": _get(item, "language"),
        "byline": byline if isinstance(byline, str) else None,
        "version": str(item["version"]) if item.get("version") is not None else None,
        "pubstatus": _get(item, "pubstatus", "pubStatus"),
        "urgency": item.get("urgency") if isinstance(item.get("urgency"), int) else None,
    }


def _pick_role(values: Any, preferred: str) -> str | None:
    if not isinstance(values, list):
        return None
    candidates = [v for v in values if isinstance(v, dict) and isinstance(v.get("value"), str)]
    for value in candidates:
        if value.get("role") == preferred:
            return str(value["value"])
    return str(candidates[0]["value"]) if candidates else None


def _body_from_bodies(bodies: Any) -> str | None:
    if not isinstance(bodies, list):
        return None
    entries = [b for b in bodies if isinstance(b, dict) and isinstance(b.get("value"), str)]
    for entry in entries:
        content_type = str(entry.get("contenttype") or entry.get("contentType") or "")
        if content_type.startswith("text/plain"):
            return str(entry["value"])
    for entry in entries:
        return html_to_text(str(entry["value"]))
    return None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.blocks[-1].append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML/XHTML body: one paragraph per block element, blank-line separated."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    paragraphs = [re.sub(r"\s+", " ", html.unescape("".join(block))).strip() for block in parser.blocks]
    return "\n\n".join(p for p in paragraphs if p)
