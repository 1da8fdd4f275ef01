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

import asyncio
import logging
from typing import Any

import orjson

from agents.delivery import DeliveryAborted
from agents.reader import TopicReader
from agents.settings import Settings
from agents.tables import TableStore
from schemas import EnrichedArticle
from schemas.errors import InputError
from streams.stories.features import TextFeatures
from streams.stories.tracker import StoryConfig, StoryTracker

__all__ = ["PublishedUpdates", "StoryInput", "TrackerHolder", "decode_story_input", "encode_story_input",
           "story_config"]

#: records read back from the end of each event-updates partition after a start or rebalance
UPDATES_TAIL = 1000

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


class PublishedUpdates:
    """The event update ids already at the end of the updates topic, read once after each start or rebalance.

    The stories agent publishes an article's updates, then writes its table (the changelog), then
    acknowledges the article. Killed between the first two, it meets the article again after the
    restart with a table that does not have it, and computes the same updates (their ids are
    deterministic). Before it publishes again it reads back the last ``tail`` records of each
    partition of the updates topic: it is the topic's only writer (its input has one partition),
    so the updates of the article it had in flight are among them, and an update whose id is
    there is not sent twice. Reading costs one short fetch per start or rebalance.
    """

    def __init__(self, client_options: dict[str, Any], topic: str, stopping: asyncio.Event, log: logging.Logger,
                 tail: int = UPDATES_TAIL, retry_s: float = 1.0) -> None:
        self._client_options = client_options
        self._topic = topic
        self._stopping = stopping
        self._log = log
        self._tail = tail
        self._retry_s = retry_s
        self._ids: set[str] | None = None

    def reset(self) -> None:
        """Read the topic's end again before the next check (after a rebalance)."""
        self._ids = None

    async def seen(self, update_id: str) -> bool:
        """True when ``update_id`` is on the topic (read back at the first call after a reset).

        While the broker cannot be read (an outage) it retries every ``retry_s``; when the worker
        stops meanwhile it raises :class:`DeliveryAborted`, so the article stays unacknowledged.
        """
        while self._ids is None:
            try:
                self._ids = await self._read()
            except Exception as exc:  # the broker is away: as a send would, wait for it
                self._log.warning("cannot read back the event updates topic yet (%s: %s); retrying",
                                  type(exc).__name__, exc)
                try:
                    await asyncio.wait_for(self._stopping.wait(), self._retry_s)
                except TimeoutError:
                    continue
                raise DeliveryAborted(f"stopping before {self._topic} could be read back") from exc
        return update_id in self._ids

    async def _read(self) -> set[str]:
        ids: set[str] = set()
        async with TopicReader(self._client_options, [self._topic], last=self._tail) as reader:
            for record in await reader.read_to_end():
                try:
                    ids.add(str(orjson.loads(record.value or b"null")["id"]))
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    continue  # a tombstone, or not an update: nothing to match
        return ids
