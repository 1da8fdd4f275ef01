"""Produce a record and wait until the broker has acknowledged it: retry what can succeed, refuse what cannot.

The worker acks an input event only after every record it produced was acknowledged, so a crash at
any point leads to reprocessing, never to loss (at-least-once). Produce errors are classified:

- **retriable** (broker unreachable, timeouts, leader moving): retried with capped exponential
  back-off and jitter, counted, for as long as it takes. A broker outage stalls the agent (lag grows,
  visible to kafka-consumer-groups, and ``/live`` turns 503 after the stall timeout) instead of
  skipping input;
- **permanent** (record too large, invalid record, not authorised, or a bug in what we send):
  never retried. :class:`PermanentDeliveryError` carries a dead-letter ``reason`` so the caller can
  route the *input* to the dead-letter topic and go on.

When the worker is shutting down (``stopping`` is set) no new retry starts: :class:`DeliveryAborted`
leaves the input unacknowledged, to be reprocessed after the restart.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import errors as kafka_errors

from schemas.errors import DeliveryError

__all__ = ["DeliveryAborted", "PermanentDeliveryError", "classify", "deliver"]

#: produce errors that no retry can fix, with the dead-letter reason each one gives
_PERMANENT: tuple[tuple[type[BaseException], str], ...] = (
    (kafka_errors.MessageSizeTooLargeError, "output-too-large"),
    (kafka_errors.RecordTooLargeError, "output-too-large"),
    (kafka_errors.RecordListTooLargeError, "output-too-large"),
    (kafka_errors.CorruptRecordException, "invalid-output"),
    (kafka_errors.InvalidTimestampError, "invalid-output"),
    (kafka_errors.UnsupportedForMessageFormatError, "invalid-output"),
    (kafka_errors.InvalidTopicError, "invalid-topic"),
    (kafka_errors.TopicAuthorizationFailedError, "not-authorised"),
    (kafka_errors.ClusterAuthorizationFailedError, "not-authorised"),
    (kafka_errors.TransactionalIdAuthorizationFailed, "not-authorised"),
    (kafka_errors.SaslAuthenticationFailed, "not-authorised"),
    (kafka_errors.AuthenticationFailedError, "not-authorised"),
)


class PermanentDeliveryError(DeliveryError):
    """The broker (or the producer) refused a record for good; ``reason`` is the dead-letter reason."""

    def __init__(self, reason: str, topic: str, cause: BaseException) -> None:
        super().__init__(f"{topic}: {type(cause).__name__}: {cause}")
        self.reason = reason
        self.topic = topic
        self.cause = cause


class DeliveryAborted(DeliveryError):
    """The worker is shutting down; the record was not delivered and its input stays unacknowledged."""


def classify(exc: BaseException) -> str | None:
    """The dead-letter reason of a permanent produce error, or ``None`` if retrying may succeed."""
    for kind, reason in _PERMANENT:
        if isinstance(exc, kind):
            return reason
    if isinstance(exc, (kafka_errors.KafkaError, OSError, asyncio.TimeoutError)):
        return None  # connection, timeout, leadership, coordinator, unknown broker errors: retry
    return "delivery-failed"  # TypeError, ValueError...: a bug in what we send, no retry fixes it


def backoff_delay(attempt: int, retry_max_s: float) -> float:
    """Capped exponential back-off with jitter: ~0.5 s, 1 s, 2 s ... up to ``retry_max_s``."""
    return min(retry_max_s, 0.25 * 2 ** min(attempt, 8)) * (0.5 + random.random() / 2)  # noqa: S311


async def deliver(
    topic: Any,
    *,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]] | None = None,
    retry_max_s: float = 30.0,
    log: logging.Logger | None = None,
    on_retry: Callable[[], Any] | None = None,
    stopping: asyncio.Event | None = None,
) -> Any:
    """Send ``value`` to the Faust ``topic`` now and return the broker's RecordMetadata.

    Raises:
        PermanentDeliveryError: the record can never be delivered (see :func:`classify`).
        DeliveryAborted: ``stopping`` was set while a retry was due.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            future = await topic.send(key=key, value=value, headers=list(headers or []), force=True)
            return await future
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            name = topic.get_topic_name()
            reason = classify(exc)
            if reason is not None:
                raise PermanentDeliveryError(reason, name, exc) from exc
            if stopping is not None and stopping.is_set():
                raise DeliveryAborted(f"{name}: not delivered, shutting down") from exc
            delay = backoff_delay(attempt, retry_max_s)
            if log is not None:
                log.warning("delivery to %s failed, retrying in %.1fs", name, delay,
                            extra={"attempt": attempt, "error": f"{type(exc).__name__}: {exc}"})
            if on_retry is not None:
                on_retry()
            await _sleep_unless(stopping, delay)


async def _sleep_unless(stopping: asyncio.Event | None, delay: float) -> None:
    if stopping is None:
        await asyncio.sleep(delay)
        return
    try:
        await asyncio.wait_for(stopping.wait(), timeout=delay)
    except TimeoutError:
        return
    raise DeliveryAborted("not delivered, shutting down")
