"""Produce a record and wait until the broker has acknowledged it, retrying with back-off.

The worker acks an input event only after every record it produced was acknowledged, so a crash at
any point leads to reprocessing, never to loss (at-least-once). A broker outage stalls the agent
(lag grows, visible to kafka-consumer-groups) instead of skipping input.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from typing import Any

__all__ = ["deliver"]


async def deliver(
    topic: Any,
    *,
    key: bytes | None,
    value: bytes,
    headers: Sequence[tuple[str, bytes]] | None = None,
    retry_max_s: float = 30.0,
    log: logging.Logger | None = None,
    on_retry: Any = None,
) -> Any:
    """Send ``value`` to the Faust ``topic`` now and return the broker's RecordMetadata."""
    attempt = 0
    while True:
        attempt += 1
        try:
            future = await topic.send(key=key, value=value, headers=list(headers or []), force=True)
            return await future
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any produce failure is retried: the input must not be acked
            delay = min(retry_max_s, 0.25 * 2 ** min(attempt, 8)) * (0.5 + random.random() / 2)  # noqa: S311
            if log is not None:
                log.warning("delivery to %s failed, retrying in %.1fs", topic.get_topic_name(), delay,
                            extra={"attempt": attempt, "error": f"{type(exc).__name__}: {exc}"})
            if on_retry is not None:
                on_retry()
            await asyncio.sleep(delay)
