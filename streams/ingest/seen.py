"""Which feed items are new, unchanged or edited, against what was published before.

The state is a mapping ``uri -> {"hash", "version"}`` (kept by the ingest service in a compacted
Kafka topic). An item whose content hash is already recorded is unchanged and not published again;
the same uri with a different hash is an edit, published as the next version of that uri.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from schemas import Article

__all__ = ["Verdict", "content_hash", "judge"]

Result = Literal["new", "unchanged", "edited"]


def content_hash(article: Article) -> str:
    """A hash of what a reader sees: the headline, the text and the link (whitespace-normalised)."""
    parts = (article.headline, article.body_text, article.url or "")
    text = "\x1f".join(" ".join(part.split()) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Verdict:
    """What to do with one item, and the seen record to keep once it is published."""

    result: Result
    article: Article
    record: dict[str, Any]


def judge(article: Article, before: Mapping[str, Any] | None) -> Verdict:
    """New, unchanged or edited against ``before``, the seen record of the article's uri (None: never seen).

    An edit carries the next version number unless the feed gave a version of its own.
    """
    digest = content_hash(article)
    if before is None:
        return Verdict("new", article, {"hash": digest, "version": 1})
    if before.get("hash") == digest:
        return Verdict("unchanged", article, dict(before))
    version = int(before.get("version") or 1) + 1
    edited = article if article.version else article.model_copy(update={"version": str(version)})
    return Verdict("edited", edited, {"hash": digest, "version": version})
