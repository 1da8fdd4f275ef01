"""Faust's aiokafka transport with the two producer fixes the worker needs.

- **Idempotent producer** (``enable_idempotence=True``, ``acks=all``): a retried produce request never
  writes a record twice. Faust enables it only inside transactions.
- **Back-off on metadata while the broker is unreachable.** aiokafka's sender asks for new metadata
  whenever a partition's leader is unknown and waits only for that request, which fails at once while
  the broker is down: the loop spins (thousands of connects and log lines a second at full CPU).
  :class:`BackoffProducer` makes a failed metadata update wait ``reconnect_backoff_s`` first.

And one consumer change: **on stop, commit what was acknowledged and go**. Faust's app and consumer
first wait (``wait_empty``) until every record an agent has taken is acknowledged; the worker's agents stop taking records
when SIGTERM arrives and leave a record they could not finish unacknowledged on purpose (it is
reprocessed after the restart), so that wait would last until the grace-period watchdog ends it.

The transport is registered under the URL scheme ``wirewatch://`` (the app's broker URL); everything
else is Faust's own aiokafka driver.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import aiokafka
from faust.transport import drivers
from faust.transport.drivers import aiokafka as faust_aiokafka

__all__ = ["SCHEME", "BackoffProducer", "Consumer", "Transport", "register"]

SCHEME = "wirewatch"

#: set by :func:`register`: read by every producer and consumer the transport creates
_backoff = {"seconds": 1.0}
_runtime: dict[str, asyncio.Event | None] = {"stopping": None}


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


class Consumer(faust_aiokafka.Consumer):
    """Faust's consumer; once the worker is stopping, it commits what was acknowledged without waiting."""

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
