"""What the extraction stages share: the NER model, the actor knowledge base and the topic lexicon.

Built once at start from explicit paths and passed down; nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from streams.actors.knowledge import DEFAULT_ACTORS_FILE, KnowledgeBase
from streams.nlp import EntityRecognizer, load_spacy_model
from streams.stance.lexicon import DEFAULT_LEXICON_FILE
from streams.stance.pairs import DEFAULT_MODEL_FILE
from streams.topics.lexicon import DEFAULT_TOPICS_FILE, TopicLexicon

__all__ = ["Resources"]


@dataclass
class Resources:
    """Loaded lazily so a stage that is disabled never pays for what it does not use."""

    actors_file: Path = DEFAULT_ACTORS_FILE
    topics_file: Path = DEFAULT_TOPICS_FILE
    stance_lexicon_file: Path = DEFAULT_LEXICON_FILE
    stance_model_file: Path = DEFAULT_MODEL_FILE
    spacy_model: str | None = None
    ner_cache_size: int = 4096

    @cached_property
    def knowledge_base(self) -> KnowledgeBase:
        """The actor knowledge base."""
        return KnowledgeBase.load(self.actors_file)

    @cached_property
    def topics(self) -> TopicLexicon:
        """The configured topics."""
        return TopicLexicon.load(self.topics_file)

    @cached_property
    def recognizer(self) -> EntityRecognizer:
        """spaCy NER, with its paragraph cache."""
        return EntityRecognizer(load_spacy_model(self.spacy_model), cache_size=self.ner_cache_size)
