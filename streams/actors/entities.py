"""Stage ``wirewatch.ner.v1``: named entities from spaCy's small English model."""

from __future__ import annotations

from streams.document import Document
from streams.nlp import entity_recognizer
from streams.registry import StageFn, register
from streams.resources import Resources

__all__ = ["ner_stage"]


@register("wirewatch.ner.v1", version="1.0.0")
def ner_stage(resources: Resources) -> StageFn:
    """Fill ``doc.entities`` with spaCy NER mentions."""
    recognizer = entity_recognizer(resources)

    def run(doc: Document) -> None:
        doc.entities = recognizer.entities(doc.text, doc.paragraphs)

    return run
