"""Is each agent making progress? The truth behind ``/live``, the ``stuck`` part of ``/ready``, the
stall metrics and ``wirewatch_consumer_lag`` (:meth:`Progress.partition_lag`).

An agent is **stuck** when it has held one record for longer than ``stall_timeout_s`` (a delivery
retried through an outage, an extraction that does not end), or when its partitions have lag and it
has acknowledged nothing for that long. An idle agent with no lag is never stuck.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agents.metrics import Metrics

__all__ = ["Progress"]


@dataclass
class _AgentState:
    in_flight_since: float | None = None
    last_progress: float = field(default_factory=time.monotonic)
    next_offset: dict[tuple[str, int], int] = field(default_factory=dict)
    stuck_since: float | None = None


class Progress:
    """Per-agent progress: call :meth:`begin` when a record is taken and :meth:`end` when it is acked."""

    def __init__(self, agents: Iterable[str], stall_timeout_s: float, metrics: Metrics,
                 highwater: Callable[[str, int], int | None] | None = None) -> None:
        self.stall_timeout_s = stall_timeout_s
        self._metrics = metrics
        self._highwater = highwater
        self._agents = {name: _AgentState() for name in agents}

    def begin(self, agent: str, message: Any) -> None:
        """The agent took ``message`` and has not acknowledged it yet."""
        self._agents[agent].in_flight_since = time.monotonic()

    def in_flight(self) -> list[str]:
        """The agents holding a record they have not acknowledged yet."""
        return sorted(name for name, state in self._agents.items() if state.in_flight_since is not None)

    def end(self, agent: str, message: Any) -> None:
        """The agent acknowledged ``message``."""
        state = self._agents[agent]
        state.in_flight_since = None
        state.last_progress = time.monotonic()
        state.next_offset[(message.topic, message.partition)] = message.offset + 1

    def lag(self, agent: str) -> int:
        """Records on the agent's partitions it has not acknowledged yet, as far as this worker knows."""
        if self._highwater is None:
            return 0
        total = 0
        for (topic, partition), next_offset in self._agents[agent].next_offset.items():
            high = self._highwater(topic, partition)
            if high is not None and high > next_offset:
                total += high - next_offset
        return total

    def partition_lag(self, partitions: Iterable[tuple[str, int]],
                      committed: Callable[[str, int], int | None]) -> list[tuple[str, int, int]]:
        """``(topic, partition, lag)`` for each of ``partitions`` whose highwater is known.

        The lag is the highwater minus the next offset to process: past the last record an agent
        acknowledged, or the committed offset if that is further (a partition nobody here has
        processed since it was assigned), or 0 when neither is known (it is read from its start).
        """
        if self._highwater is None:
            return []
        acked: dict[tuple[str, int], int] = {}
        for state in self._agents.values():
            acked.update(state.next_offset)
        found = []
        for topic, partition in partitions:
            high = self._highwater(topic, partition)
            if high is None:
                continue
            next_offset = max(acked.get((topic, partition), 0), committed(topic, partition) or 0)
            found.append((topic, partition, max(0, high - next_offset)))
        return found

    def check(self) -> dict[str, dict[str, Any]]:
        """Each agent's state now; updates the stall metrics (call it periodically)."""
        now = time.monotonic()
        report: dict[str, dict[str, Any]] = {}
        for name, state in self._agents.items():
            lag = self.lag(name)
            held = now - state.in_flight_since if state.in_flight_since is not None else 0.0
            idle = now - state.last_progress
            stuck = held > self.stall_timeout_s or (lag > 0 and idle > self.stall_timeout_s)
            self._record(name, state, stuck, now)
            report[name] = {"stuck": stuck, "lag": lag, "holding_record_s": round(held, 1),
                            "since_last_ack_s": round(idle, 1)}
        return report

    def _record(self, name: str, state: _AgentState, stuck: bool, now: float) -> None:
        if stuck and state.stuck_since is None:
            state.stuck_since = now
            self._metrics.stalls.labels(agent=name).inc()
        elif stuck and state.stuck_since is not None:
            self._metrics.stuck_seconds.labels(agent=name).inc(now - state.stuck_since)
            state.stuck_since = now
        elif state.stuck_since is not None:
            self._metrics.stuck_seconds.labels(agent=name).inc(now - state.stuck_since)
            state.stuck_since = None
        self._metrics.stuck.labels(agent=name).set(1 if stuck else 0)
