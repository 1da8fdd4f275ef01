"""Read article files for ``wirewatch publish`` and ``wirewatch extract``.

A file holds one JSON object, a JSON array of objects, or JSON lines (native or ninjs), or is an RSS
2.0 or Atom feed (one article per item); a ``.txt``
file is one article's body text; a directory contributes its ``.json``, ``.jsonl`` and ``.txt`` files;
``-`` reads standard input. Every item comes back with its location (``file:line`` or
``file[index]``) and either an :class:`Article` or the :class:`InputError` explaining the rejection.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from schemas import Article
from schemas.errors import InputError, NotJsonError
from streams.ingest.feeds import is_feed, items_from_feed
from streams.ingest.normalise import article_from_json

__all__ = ["ArticleItem", "read_articles"]

_SUFFIXES = {".json", ".jsonl", ".ndjson", ".txt", ".xml", ".rss", ".atom"}


@dataclass(frozen=True, slots=True)
class ArticleItem:
    """One article read from a file, or the reason it was rejected."""

    location: str
    article: Article | None
    error: InputError | None
    raw: bytes

    def rejection(self) -> str:
        """``location: reason: message`` for a rejected item."""
        reason = self.error.reason if self.error else "unknown"
        return f"{self.location}: {reason}: {self.error}"


def read_articles(paths: list[str]) -> Iterator[ArticleItem]:
    """Yield every article item in ``paths`` (files, directories, or ``-`` for stdin)."""
    for name in paths:
        if name == "-":
            yield from _parse("<stdin>", sys.stdin.buffer.read())
            continue
        path = Path(name)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _SUFFIXES):
                yield from _read_file(child)
        else:
            yield from _read_file(path)


def _read_file(path: Path) -> Iterator[ArticleItem]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileNotFoundError(f"{path}: {exc.strerror}") from exc
    if path.suffix == ".txt":
        yield _from_text(path, data)
    else:
        yield from _parse(str(path), data)


def _from_text(path: Path, data: bytes) -> ArticleItem:
    text = data.decode("utf-8", errors="replace")
    article = Article(uri=f"file:{path.as_posix()}", headline="", body_text=text) if text.strip() else None
    error = None if article else InputError(f"{path}: empty text file")
    return ArticleItem(str(path), article, error, data)


def _parse(name: str, data: bytes) -> Iterator[ArticleItem]:
    if is_feed(data):
        for location, article, error in items_from_feed(data):
            raw = orjson.dumps(article.model_dump(mode="json", exclude_none=True)) if article else b""
            yield ArticleItem(f"{name}#{location}", article, error, raw)
        return
    stripped = data.lstrip()
    if not stripped:
        yield ArticleItem(name, None, NotJsonError(f"{name}: empty input"), data)
        return
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        yield from _parse_lines(name, data)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield _item(f"{name}[{index}]", item, orjson.dumps(item))
    else:
        yield _item(name, value, data)


def _parse_lines(name: str, data: bytes) -> Iterator[ArticleItem]:
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        location = f"{name}:{number}"
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield ArticleItem(location, None, NotJsonError(f"not JSON: {exc}"), line)
            continue
        yield _item(location, value, line)


def _item(location: str, value: object, raw: bytes) -> ArticleItem:
    try:
        return ArticleItem(location, article_from_json(value), None, raw)
    except InputError as exc:
        return ArticleItem(location, None, exc, raw)
