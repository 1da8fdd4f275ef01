"""Faust's aiokafka transport with the two producer fixes the worker needs.

- **Idempotent producer** (``enable_idempotence=True``, ``acks=all``): a retried produce request never
  writes a record twice. Faust enables it only inside transactions.
- **Back-off on metadata while the broker is unreachable.** aiokafka's sender asks for new metadata
  whenever a partition's leader is unknown and waits only for that request, which fails at once while
  the broker is down: the loop spins (thousands of connects and log lines a second at full CPU).
  :class:`BackoffProducer` makes a failed metadata update wait ``reconnect_backoff_s`` first.

And three consumer changes, each closing a way Faust loses or stalls input around a rebalance or a stop:

- **A record the stream skipped is not acknowledged, and is read again.** While the flow is stopped
  (a rebalance, a table's recovery, shutdown) or when a record was fetched in an older group
  generation, Faust's stream loop drops the record without handing it to the agent, and then
  acknowledges it "so the lag does not grow" (faust-streaming #527); the next commit moves past a
  record nobody processed. Such a record was never *tracked* (Faust tracks a record only when it
  hands it to an agent), so :meth:`Consumer.ack` ignores the acknowledgement of an untracked record.
  Its offset is not committed, and a second later, once the flow runs, the partition is sought back
  to its committed offset (:meth:`Consumer._rewind_soon`), so the record is not left behind until
  the next rebalance or restart.
- **A partition without a committed offset is sought to its start.** After a rebalance Faust seeks
  every partition to its committed offset, and aiokafka's ``seek_to_committed`` leaves a partition
  whose committed offset is missing (or 0) where the fetcher stands. Records fetched and dropped while
  the flow was stopped are then skipped for good: a partition taken over from a worker that died
  before its first commit was never read. :meth:`Consumer.seek_to_committed` seeks such an agent input
  partition to offset 0 (``auto_offset_reset=earliest`` would have started there).
- **A record read again is not dropped.** Faust drops a fetched record whose offset is below the
  last one it *read* (handed to a stream, processed or skipped) and treats a jump in offsets as a gap
  to acknowledge. After the seek back both hide the very records the seek is for, so on agent input
  partitions the read offset is not consulted (:class:`_ReadOffsets`). A record processed twice is
  the at-least-once duplicate the agents already handle; its second acknowledgement still releases it.
- **On stop, commit what was acknowledged and go.** Faust's app and consumer first wait
  (``wait_empty``) until every record an agent has taken is acknowledged; the worker's agents stop
  taking records when SIGTERM arrives and leave a record they could not finish unacknowledged on
  purpose (it is reprocessed after the restart), so that wait would last until the grace-period
  watchdog ends it.

The transport is registered under the URL scheme ``wirewatch://`` (the app's broker URL); everything
else is Faust's own aiokafka driver.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import aiokafka
from faust.transport import drivers
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

__all__ = ["SCHEME", "BackoffProducer", "Consumer", "Transport", "register"]

SCHEME = "wirewatch"

#: set by :func:`register`: read by every producer and consumer the transport creates
_backoff = {"seconds": 1.0}
_runtime: dict[str, asyncio.Event | None] = {"stopping": None}
#: how long after a skipped record its partition is sought back to the committed offset
_REWIND_AFTER_S = 1.0


class BackoffProducer(aiokafka.AIOKafkaProducer):
    """An aiokafka producer whose failed metadata updates wait before the next one."""

    def __init__(self, *args: Any, reconnect_backoff_s: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client = self.client
        update = client._metadata_update

        async def _metadata_update_with_backoff(cluster_metadata: Any, topics: Any) -> Any:
            updated = await update(cluster_metadata, topics)
            if not updated:
                await asyncio.sleep(reconnect_backoff_s)
            return updated

        client._metadata_update = _metadata_update_with_backoff


class Producer(faust_aiokafka.Producer):
    """Faust's producer, idempotent and with :class:`BackoffProducer` underneath."""

    def _settings_extra(self) -> Any:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}

    def _new_producer(self, transactional_id: str | None = None) -> aiokafka.AIOKafkaProducer:
        return BackoffProducer(
            **{**self._settings_default(), **self._settings_auth(), **self._settings_extra()},
            transactional_id=transactional_id,
            reconnect_backoff_s=_backoff["seconds"],
        )


class _ReadOffsets(defaultdict[Any, int | None]):
    """Faust's last-read offset per partition, which reads as unknown for agent input partitions."""

    def __init__(self, unfiltered: Callable[[str], bool]) -> None:
        super().__init__(lambda: None)
        self._unfiltered = unfiltered

    def __getitem__(self, tp: Any) -> int | None:
        if self._unfiltered(tp.topic):
            return None  # never drop a record read again, never acknowledge a "gap" (module doc)
        return super().__getitem__(tp)


class Consumer(faust_aiokafka.Consumer):
    """Faust's consumer: skipped records stay uncommitted, uncommitted partitions rewind, stop commits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_offset = _ReadOffsets(lambda topic: topic in self.app.topics.acking_topics)
        self._rewinds: set[TP] = set()

    def ack(self, message: Any) -> bool:
        """Acknowledge ``message``, unless the stream skipped it without handing it to an agent."""
        if not message.tracked and self.app.topics.acks_enabled_for(message.topic):
            # skipped: its offset stays uncommitted, and the partition is read again from there
            self._rewind_soon(TP(message.topic, message.partition))
            return False
        acked = bool(super().ack(message))
        # Faust leaves a record whose offset was acknowledged before (read twice) among the unacked,
        # and the next rebalance would wait for it forever
        self._unacked_messages.discard(message)
        return acked

    def _rewind_soon(self, tp: TP) -> None:
        """Seek ``tp`` back to its committed offset in a moment, once the flow runs again.

        A record skipped outside a rebalance (CI saw one just after a restart's recovery, 17 records
        in a row) would otherwise wait for the next rebalance or restart: its partition's commit is
        held at it (:meth:`_new_offset`) while the agent goes on with later records. The seek reads
        it again, and the later records a second time (at least once; the agents handle repeats).
        """
        if tp in self._rewinds:
            return
        self._rewinds.add(tp)
        loop = asyncio.get_running_loop()
        loop.call_later(_REWIND_AFTER_S, lambda: loop.create_task(self._rewind(tp)))

    async def _rewind(self, tp: TP) -> None:
        self._rewinds.discard(tp)
        stopping = _runtime["stopping"]
        if (stopping is not None and stopping.is_set()) or tp not in self.assignment():
            return  # the restart, or the partition's new owner, reads it again
        if not self.flow_active or self.app.rebalancing:
            self._rewind_soon(tp)  # the flow is stopped: look again in a moment
            return
        await self.seek(tp, self._committed_offset.get(tp) or 0)

    def _new_offset(self, tp: TP) -> int | None:
        """Faust's next offset to commit, but never past a committed offset not yet acknowledged.

        Faust's own check lets the first acknowledged offset be one past the committed one (it reads
        ``min(acked) - committed > 1``), so a record the agent never received, followed by one it
        acknowledged, was committed past and lost. Here the partition's commit waits instead: the
        record is read again after the next rebalance or restart, and the lag shows meanwhile.
        """
        acked = self._acked[tp]
        committed = self._committed_offset[tp]
        if acked and committed and tp.topic in self.app.topics.acking_topics and min(acked) > committed:
            return None
        result: int | None = super()._new_offset(tp)
        return result

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Seek to the committed offsets; an agent input partition with none (or 0) to its start."""
        committed: Mapping[Any, int] = await super().seek_to_committed()
        acking = self.app.topics.acking_topics
        for tp, offset in committed.items():
            if not offset and tp.topic in acking:
                await self.seek(TP(tp.topic, tp.partition), 0)
        return committed

    async def wait_empty(self) -> None:
        """Wait until every record taken is acknowledged, unless the worker is stopping (then commit)."""
        stopping = _runtime["stopping"]
        if stopping is not None and stopping.is_set():
            await self.commit_and_end_transactions()
            return
        await super().wait_empty()


class Transport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with :class:`Producer` and :class:`Consumer`."""

    Consumer: ClassVar[Any] = Consumer
    Producer: ClassVar[Any] = Producer


def register(reconnect_backoff_s: float, stopping: asyncio.Event | None = None) -> str:
    """Make ``wirewatch://`` URLs use :class:`Transport`; return the scheme.

    Args:
        reconnect_backoff_s: pause after a failed metadata update.
        stopping: set when the worker shuts down (:class:`agents.shutdown.Shutdown`).
    """
    _backoff["seconds"] = reconnect_backoff_s
    _runtime["stopping"] = stopping
    drivers.TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
    return SCHEME
