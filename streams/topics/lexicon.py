"""Configured topics (``peace-talks``, ``sanctions``...) and finding them in text by their cue phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from streams.datafile import DATA_DIR, load_entries
from streams.resources import Resources

__all__ = ["DEFAULT_TOPICS_FILE", "Topic", "TopicHit", "TopicLexicon", "topic_lexicon"]

DEFAULT_TOPICS_FILE = DATA_DIR / "topics.yaml"


class Topic(BaseModel):
    """A topic users follow: an id, a display name and the phrases that signal it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    cues: list[str] = Field(min_length=1, description="phrases, matched case-insensitively on word boundaries; '*' ends a word prefix")
    min_mentions: int = Field(1, ge=1, description="cue matches needed for the article to be about the topic")
    anaphors: list[str] = Field(default_factory=list, description="phrases that refer back to the topic once the "
                                "article has named it ('the talks', 'the negotiations')")


@dataclass(frozen=True, slots=True)
class TopicHit:
    """A cue of ``topic`` found at ``[start, end)``."""

    topic: Topic
    start: int
    end: int


class TopicLexicon:
    """All configured topics, compiled into one regular expression."""

    def __init__(self, topics: list[Topic]) -> None:
        self.topics = {t.id: t for t in topics}
        parts = []
        self._group_topic: dict[str, Topic] = {}
        for index, topic in enumerate(topics):
            group = f"t{index}"
            self._group_topic[group] = topic
            cues = sorted((_cue_pattern(c) for c in topic.cues), key=len, reverse=True)
            parts.append(f"(?P<{group}>{'|'.join(cues)})")
        self._pattern = re.compile(r"\b(?:" + "|".join(parts) + r")", re.IGNORECASE) if parts else None
        self._anaphors = {t.id: re.compile(r"\b(?:" + "|".join(_cue_pattern(a) for a in t.anaphors) + ")",
                                           re.IGNORECASE) for t in topics if t.anaphors}

    @classmethod
    def load(cls, path: Path = DEFAULT_TOPICS_FILE) -> TopicLexicon:
        """Load and validate a topics file; raises ``ConfigError`` naming file, line and field."""
        _, topics = load_entries(path, "topics", Topic)
        return cls(topics)

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[TopicHit]:
        """Every cue match in ``text[start:end]``."""
        if self._pattern is None:
            return []
        end = len(text) if end is None else end
        hits = []
        for match in self._pattern.finditer(text, start, end):
            group = match.lastgroup
            if group is not None:
                hits.append(TopicHit(self._group_topic[group], match.start(), match.end()))
        return hits

    def referred(self, text: str, start: int, end: int) -> list[Topic]:
        """Topics that ``text[start:end]`` refers back to: an anaphor of the topic ("the talks") in
        it, and a cue of the topic earlier in the text."""
        found = []
        for topic_id, pattern in self._anaphors.items():
            if pattern.search(text, start, end) and any(h.topic.id == topic_id for h in self.find(text, 0, start)):
                found.append(self.topics[topic_id])
        return found

    def about(self, hits: list[TopicHit]) -> list[str]:
        """Ids of topics with at least ``min_mentions`` hits, in configuration order."""
        counts: dict[str, int] = {}
        for hit in hits:
            counts[hit.topic.id] = counts.get(hit.topic.id, 0) + 1
        return [tid for tid, topic in self.topics.items() if counts.get(tid, 0) >= topic.min_mentions]


def _cue_pattern(cue: str) -> str:
    words = cue.strip().split()
    escaped = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    tail = "" if cue.strip().endswith("*") else r"\b"
    return r"[\s-]+".join(escaped) + tail


def topic_lexicon(resources: Resources) -> TopicLexicon:
    """The pipeline's topics (option ``topics_file``), loaded once and shared by its stages."""
    return resources.shared("topics.lexicon",
                            lambda: TopicLexicon.load(resources.option("topics_file", DEFAULT_TOPICS_FILE)))
