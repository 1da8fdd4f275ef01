"""What the worker's ``/ready`` and ``wirewatch_consumer_lag`` read off the running Faust app.

``/ready`` is true when all of these hold, and its JSON reports each:

- **group**: the worker is a member of its consumer group with a generation, not in a rebalance
  (``assigned`` lists the agents' input partitions it holds; a member with none is still ready);
- **tables**: Faust's table recovery has completed and none is running (after every rebalance the
  tables' changelogs are read again before an agent sees a record);
- **broker**: a broker answered a metadata request within ``probe_timeout_s``, now;
- **stuck**: no agent is stuck (:mod:`agents.liveness`).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import faust
from aiokafka.protocol.metadata import MetadataRequest
from faust.types import TP

__all__ = ["PROBE_TIMEOUT_S", "Readiness"]

#: how long ``/ready`` waits for a broker to answer
PROBE_TIMEOUT_S = 2.0


class Readiness:
    """The parts of ``/ready`` and the partitions the lag gauge covers, for one app."""

    def __init__(self, app: faust.App, inputs: set[str], probe_timeout_s: float = PROBE_TIMEOUT_S) -> None:
        self._app = app
        self._inputs = inputs
        self._probe_timeout_s = probe_timeout_s

    def assigned(self) -> list[tuple[str, int]]:
        """The agents' input partitions assigned to this worker (a table's changelog partitions are not work)."""
        try:
            assignment = self._app.consumer.assignment()
        except Exception:  # the consumer has not started yet
            return []
        return sorted((tp.topic, tp.partition) for tp in assignment if tp.topic in self._inputs)

    def committed(self, topic: str, partition: int) -> int | None:
        """The partition's committed offset as the consumer knows it (sought to after a rebalance, or committed)."""
        # Faust keeps it privately; its monitor's copy misses the offsets sought to after a rebalance
        offsets = getattr(self._app.consumer, "_committed_offset", None)
        return offsets.get(TP(topic, partition)) if offsets is not None else None

    def group(self) -> dict[str, Any]:
        """Membership: a generation (set when Faust receives an assignment), and no rebalance running."""
        generation = int(self._app.consumer_generation_id)
        rebalancing = bool(self._app.rebalancing)
        return {"joined": generation > 0 and not rebalancing, "generation": generation, "rebalancing": rebalancing}

    def settled(self) -> bool:
        """In the group, out of any rebalance, and recovered: the consumer has sought to the committed offsets.

        Before that (at a start, during a rebalance) the offsets an assigned partition resumes from are not
        known yet, and a lag taken then would count the partition from its start; the gauge shows nothing
        instead (Faust seeks to the committed offsets in its recovery, before it marks it completed).
        """
        return bool(self.group()["joined"] and self.tables()["recovered"])

    def tables(self) -> dict[str, Any]:
        """Recovery: completed at least once since the start and not running again now."""
        # the private slot, not the ``recovery`` property: a probe must not create the service early
        recovery = getattr(self._app.tables, "_recovery", None)
        if recovery is None:  # the table manager has not started yet
            return {"recovered": False, "in_recovery": False}
        in_recovery = bool(recovery.in_recovery)
        return {"recovered": recovery.completed.is_set() and not in_recovery, "in_recovery": in_recovery}

    async def broker(self) -> dict[str, Any]:
        """Ask the known brokers, in random order, for metadata (no topics) until one answers."""
        try:
            client = self._app.producer._ensure_producer().client  # type: ignore[attr-defined]
        except Exception as exc:  # the producer has not started yet
            return {"reachable": False, "error": f"{type(exc).__name__}: {exc}"}
        nodes = [broker.nodeId for broker in client.cluster.brokers()]
        random.shuffle(nodes)
        try:
            node = await asyncio.wait_for(_first_answer(client, nodes), self._probe_timeout_s)
        except TimeoutError:
            return {"reachable": False, "error": f"no broker answered within {self._probe_timeout_s:g} s"}
        if node is None:
            return {"reachable": False, "error": "no broker answered" if nodes else "no broker known yet"}
        return {"reachable": True, "node": node}

    async def check(self, stuck: list[str]) -> dict[str, Any]:
        """The JSON of ``/ready``, given the stuck agents."""
        group, tables, broker = self.group(), self.tables(), await self.broker()
        ready = group["joined"] and tables["recovered"] and broker["reachable"] and not stuck
        return {"ready": ready, "assigned": [f"{topic}:{partition}" for topic, partition in self.assigned()],
                "group": group, "tables": tables, "broker": broker, "stuck": stuck}


async def _first_answer(client: Any, nodes: list[Any]) -> Any:
    for node in nodes:
        try:
            await client.send(node, MetadataRequest([]))
        except Exception:  # noqa: S112  # this broker is down: try the next
            continue
        return node
    return None
