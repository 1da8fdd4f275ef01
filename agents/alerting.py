"""The alert side of the worker: the webhook deliverer over a Faust table, and its partition ownership.

::

    news.articles.enriched ─alerts─┐                      ┌─▶ news.alerts ─webhooks─▶ POST (signed)
    news.events.updates ─updates───┴▶ wirewatch.alerts.candidates ─gate─┘               └─▶ news.alerts.deadletter
                                      (keyed actor:/story:, one partition)

- **gate** (``agents.app``): a changelog-backed table ``alert_gate`` over the candidates topic (one
  partition, so one worker holds every actor's last stance, every published alert id and every
  throttle); :func:`streams.alerts.routed.pass_gate` decides, the agent publishes and then writes.
- **webhooks**: consumes ``news.alerts`` (keyed by alert id, N partitions). Each alert's deliveries
  live in the table ``webhook_pending`` under the alert id. The table uses the producer's
  partitioner, like ``news.alerts`` itself, so an alert's entry is in the changelog partition of the
  same number as the alert's record, and Faust gives both to the same worker.
  :class:`PendingTable` keeps the deliveries of one alert in one entry, marks a finished delivery
  ``done`` (so a replayed alert record, not yet committed when the worker died, is not delivered
  again) and lists for :meth:`~agents.webhooks.WebhookDeliverer.resume` only the deliveries of the
  partitions this worker owns: the table also holds standby copies of other workers' partitions.
- On a rebalance the deliverer is closed when partitions are revoked (an attempt in flight is
  cancelled; its record stays pending, so it may repeat with the same ``webhook-id``) and started
  again, resuming from the table, once the tables are recovered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
from aiokafka.partitioner import murmur2

__all__ = ["PendingTable", "partition_of"]


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives ``key`` (aiokafka's and the Java client's)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class PendingTable:
    """A :class:`~agents.webhooks.PendingStore` over a Faust table of raw bytes keyed by alert id.

    Value per alert id: ``{"t": first seen (unix s), "deliveries": {delivery id: record | {"done": t}}}``.
    """

    def __init__(self, table: Any, partitions: int, owned: Callable[[], set[int]]) -> None:
        self._table = table
        self._partitions = partitions
        self._owned = owned
        self._alert_of: dict[str, str] = {}

    def _load(self, alert_id: str) -> dict[str, Any]:
        raw = self._table.get(alert_id.encode())
        return orjson.loads(raw) if raw is not None else {"t": time.time(), "deliveries": {}}

    def known(self, alert_id: str) -> bool:
        """Whether deliveries of this alert were recorded before (pending or done)."""
        return self._table.get(alert_id.encode()) is not None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Write one pending delivery record into its alert's entry."""
        alert_id = str(value["alert"]["id"])
        entry = self._load(alert_id)
        entry["deliveries"][key] = value
        self._alert_of[key] = alert_id
        self._table[alert_id.encode()] = orjson.dumps(entry)

    def delete(self, key: str) -> None:
        """Mark one delivery done (delivered or dead-lettered)."""
        alert_id = self._alert_of.pop(key, None)
        if alert_id is None:
            return
        entry = self._load(alert_id)
        entry["deliveries"][key] = {"done": time.time()}
        self._table[alert_id.encode()] = orjson.dumps(entry)

    def _owned_entries(self) -> Iterator[tuple[bytes, dict[str, Any]]]:
        """(raw key, entry) of every alert in a partition this worker owns."""
        owned = self._owned()
        for raw_key in list(self._table.keys()):
            if partition_of(raw_key, self._partitions) not in owned:
                continue
            raw = self._table.get(raw_key)
            if raw is not None:
                yield raw_key, orjson.loads(raw)

    def items(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """Every pending delivery of the alerts in the partitions this worker owns."""
        found = []
        for raw_key, entry in self._owned_entries():
            for key, record in entry["deliveries"].items():
                if "done" not in record:
                    self._alert_of[key] = raw_key.decode()
                    found.append((key, record))
        return found

    def expire(self, now: float, retention_s: float) -> int:
        """Drop the entries of owned alerts first seen over ``retention_s`` ago with nothing pending."""
        dropped = 0
        for raw_key, entry in list(self._owned_entries()):
            if now - float(entry["t"]) >= retention_s and all("done" in r for r in entry["deliveries"].values()):
                del self._table[raw_key]
                dropped += 1
        return dropped
