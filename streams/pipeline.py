"""The extraction pipeline: an article in, an :class:`EnrichedArticle` out.

The same pipeline runs in the Kafka worker, in ``wirewatch extract`` and in ``wirewatch eval``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from schemas import Article, EnrichedArticle
from schemas._base import utcnow
from streams.document import Document
from streams.registry import StageFn, get_stage
from streams.resources import Resources

__all__ = ["DEFAULT_STAGES", "Pipeline"]

#: ninjs pubstatus values for which nothing is extracted: the record only tells consumers to retract
WITHDRAWN = frozenset({"canceled", "cancelled", "withheld"})

DEFAULT_STAGES = (
    "wirewatch.ner.v1",
    "wirewatch.actors.v1",
    "wirewatch.statements.v1",
    "wirewatch.topics.v1",
    "wirewatch.stance.v1",
    "wirewatch.events.v1",
)


class Pipeline:
    """Runs the configured stages in order over each article."""

    def __init__(self, resources: Resources, stages: Iterable[str] = DEFAULT_STAGES) -> None:
        self.resources = resources
        specs = [get_stage(name) for name in stages]
        self.extractor = {spec.name: spec.version for spec in specs}
        self._stages: list[StageFn] = [spec.factory(resources) for spec in specs]

    def analyse(self, article: Article) -> Document:
        """Run every stage and return the working document (for tools that want the internals)."""
        doc = Document.from_article(article)
        for stage in self._stages:
            stage(doc)
        return doc

    def extract(self, article: Article, ingested_at: datetime | None = None) -> EnrichedArticle:
        """Extract the findings of one article into the published record.

        A withdrawn article (ninjs ``pubstatus`` canceled or withheld) yields a record with no findings.
        """
        withdrawn = (article.pubstatus or "").lower() in WITHDRAWN
        doc = Document.from_article(article) if withdrawn else self.analyse(article)
        now = utcnow()
        return EnrichedArticle(
            uri=article.uri,
            headline=article.headline,
            published=article.published,
            url=article.url,
            language=article.language,
            source_name=article.source.name if article.source else None,
            version=article.version,
            pubstatus=article.pubstatus,
            extractor=self.extractor,
            ingested_at=ingested_at or now,
            processed_at=now,
            text_length=len(doc.text),
            actors=[actor.to_model() for actor in doc.actors.values()],
            statements=list(doc.statements),
            stances=list(doc.stances),
            topics=list(doc.topics),
            events=list(doc.events),
        )
