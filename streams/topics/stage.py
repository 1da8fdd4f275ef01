"""Stage ``wirewatch.topics.v1``: which configured topics the article is about."""

from __future__ import annotations

from streams.document import Document
from streams.registry import StageFn, register
from streams.resources import Resources
from streams.topics.lexicon import topic_lexicon

__all__ = ["topics_stage"]


@register("wirewatch.topics.v1", version="1.0.0")
def topics_stage(resources: Resources) -> StageFn:
    """Fill ``doc.topics`` with the ids of topics whose cues occur often enough."""
    lexicon = topic_lexicon(resources)

    def run(doc: Document) -> None:
        doc.topics = lexicon.about(lexicon.find(doc.text))

    return run
