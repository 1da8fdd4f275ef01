"""The stories agent's runtime side: its input records, its table, and one tracker over that table.

The linking itself is :class:`streams.stories.tracker.StoryTracker`, a pure class over a mapping;
here the mapping is a Faust table (changelog-backed, one partition, see README "Stories"). The
agent that uses these pieces is declared in :mod:`agents.app`.

Input records on ``wirewatch.stories.in`` are written by the enrich agent::

    {"features": <TextFeatures as JSON>, "enriched": <EnrichedArticle as JSON>}

so the CPU-heavy part (extraction, MinHash of the text) stays in the extraction processes and the
stories agent only looks up and updates its indexes.
"""

from __future__ import annotations

from typing import Any

import orjson

from agents.settings import Settings
from agents.tables import TableStore
from schemas import EnrichedArticle
from schemas.errors import InputError
from streams.stories.features import TextFeatures
from streams.stories.tracker import StoryConfig, StoryTracker

__all__ = ["StoryInput", "TrackerHolder", "decode_story_input", "encode_story_input", "story_config"]

StoryInput = tuple[EnrichedArticle, TextFeatures]


def story_config(settings: Settings) -> StoryConfig:
    """The tracker's configuration from the worker's settings."""
    return StoryConfig(duplicate_window_s=settings.story_duplicate_window_s,
                       quiet_period_s=settings.story_quiet_period_s, retention_s=settings.story_retention_s)


def encode_story_input(enriched: bytes, features: TextFeatures) -> bytes:
    """The record the enrich agent sends to the stories agent (the enriched JSON is embedded as is)."""
    return b'{"features":' + orjson.dumps(features.to_dict()) + b',"enriched":' + enriched + b"}"


def decode_story_input(value: bytes) -> StoryInput:
    """Parse a stories input record; raises :class:`InputError` (dead-lettered) when it is not one."""
    try:
        data = orjson.loads(value)
        return EnrichedArticle.model_validate(data["enriched"]), TextFeatures.from_dict(data["features"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"not a stories input record: {exc}") from exc


class TrackerHolder:
    """One tracker over the table, rebuilt after each rebalance (the table may hold other state then)."""

    def __init__(self, table: Any, config: StoryConfig) -> None:
        self._table = table
        self._config = config
        self._tracker: StoryTracker | None = None

    def reset(self) -> None:
        """Forget the indexes; the next record rebuilds them from the (recovered) table."""
        self._tracker = None

    @property
    def tracker(self) -> StoryTracker:
        """The tracker, built from the table's contents on first use after start or a rebalance."""
        if self._tracker is None:
            self._tracker = StoryTracker(TableStore(self._table), self._config)
        return self._tracker
