"""Read topics without joining a consumer group (for ``tail``, ``demo``, tests and bench)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

__all__ = ["TopicReader"]


class TopicReader:
    """Assigns every partition of ``topics`` and reads from the start, the end, a timestamp, or the last N."""

    def __init__(self, client_options: dict[str, Any], topics: list[str], *, from_beginning: bool = False,
                 since_ms: int | None = None, last: int | None = None) -> None:
        self._consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **client_options)
        self._topics = topics
        self._from_beginning = from_beginning
        self._since_ms = since_ms
        self._last = last  # start this many records before each partition's end
        self.partitions: list[TopicPartition] = []
        self._pending: deque[ConsumerRecord] = deque()

    async def __aenter__(self) -> TopicReader:
        try:
            await self._consumer.start()
            await self._assign()
        except BaseException:
            await self._consumer.stop()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self._consumer.stop()

    async def _assign(self) -> None:
        # consumer.topics() does not refresh the consumer's own metadata cache, so read the cluster
        # metadata directly: a group-less consumer has no other way to learn the partitions.
        cluster = await self._consumer._client.fetch_all_metadata()
        for topic in self._topics:
            for partition in sorted(cluster.partitions_for_topic(topic) or ()):
                self.partitions.append(TopicPartition(topic, partition))
        if not self.partitions:
            return
        self._consumer.assign(self.partitions)
        if self._since_ms is not None:
            found = await self._consumer.offsets_for_times({tp: self._since_ms for tp in self.partitions})
            ends = await self._consumer.end_offsets(self.partitions)
            for tp in self.partitions:
                stamp = found.get(tp)
                self._consumer.seek(tp, stamp.offset if stamp is not None else ends[tp])
        elif self._last is not None:
            starts = await self._consumer.beginning_offsets(self.partitions)
            ends = await self._consumer.end_offsets(self.partitions)
            for tp in self.partitions:
                self._consumer.seek(tp, max(starts[tp], ends[tp] - self._last))
        elif self._from_beginning:
            await self._consumer.seek_to_beginning(*self.partitions)
        else:
            await self._consumer.seek_to_end(*self.partitions)

    async def read_to_end(self) -> list[ConsumerRecord]:
        """Every record from the current position up to the end offsets as of this call."""
        ends = await self._consumer.end_offsets(self.partitions)
        records: list[ConsumerRecord] = []
        while True:
            positions = {tp: await self._consumer.position(tp) for tp in ends}
            if all(positions[tp] >= end for tp, end in ends.items()):
                return records
            batch = await self._consumer.getmany(timeout_ms=500)
            records.extend(r for tp, part in batch.items() for r in part if r.offset < ends[tp])

    async def records(self, idle_timeout: float | None = None) -> AsyncIterator[ConsumerRecord]:
        """Yield records as they arrive; stop after ``idle_timeout`` seconds without one.

        Records fetched but not yet yielded when the caller stops iterating are kept for the next call.
        """
        loop = asyncio.get_running_loop()
        last_seen = loop.time()
        while True:
            if not self._pending:
                batch = await self._consumer.getmany(timeout_ms=250)
                fetched = [r for part in batch.values() for r in part]
                self._pending.extend(sorted(fetched, key=lambda r: (r.timestamp, r.partition, r.offset)))
            if not self._pending:
                if idle_timeout is not None and loop.time() - last_seen >= idle_timeout:
                    return
                continue
            last_seen = loop.time()
            yield self._pending.popleft()
