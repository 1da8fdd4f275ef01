"""Route a record that cannot be processed to the dead-letter topic (KIP-1034 style).

The dead letter keeps the original key, value and headers untouched, whatever their shape (headers as
a list, a tuple or a mapping, ``None`` keys and values), and adds headers that name the failure.
If the dead letter itself cannot be delivered for good, the worker stops loudly (see
:func:`agents.worker.fatal`): moving on would commit the offset past a record that was never kept.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agents.delivery import deliver
from agents.logs import message_context
from agents.metrics import Metrics
from schemas import DeadLetter
from schemas._base import utcnow
from schemas.errors import InputError

__all__ = ["Failure", "dead_letter", "original_headers"]

_MAX_STACKTRACE = 8_000
_MAX_MESSAGE = 2_000


@dataclass(frozen=True)
class Failure:
    """Why one record failed: built from an exception here or in an extraction process."""

    exception: str
    message: str
    stacktrace: str
    reason: str
    bad_input: bool = False

    @classmethod
    def from_exception(cls, exc: BaseException, reason: str | None = None) -> Failure:
        """Describe ``exc``; ``reason`` defaults to the input error's own or ``processing-error``."""
        is_input = isinstance(exc, InputError)
        return cls(
            exception=f"{type(exc).__module__}.{type(exc).__qualname__}",
            message=str(exc)[:_MAX_MESSAGE],
            stacktrace="".join(traceback.format_exception(exc))[-_MAX_STACKTRACE:],
            reason=reason or (str(getattr(exc, "reason", "")) if is_input else "processing-error"),
            bad_input=is_input,
        )


def original_headers(headers: Any) -> list[tuple[str, bytes | None]]:
    """The record's headers as ``(str, bytes | None)`` pairs, from any container Faust or aiokafka gives."""
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    pairs: list[tuple[str, bytes | None]] = []
    for item in items:
        name, value = item
        key = name.decode("utf-8", "replace") if isinstance(name, bytes | bytearray) else str(name)
        if value is None or isinstance(value, bytes):
            pairs.append((key, value))
        elif isinstance(value, bytearray | memoryview):
            pairs.append((key, bytes(value)))
        else:
            pairs.append((key, str(value).encode("utf-8")))
    return pairs


async def dead_letter(
    dlq_topic: Any,
    message: Any,
    failure: Failure,
    *,
    stage: str,
    metrics: Metrics,
    log: logging.Logger,
    retry_max_s: float,
    on_retry: Callable[[], Any] | None = None,
    stopping: asyncio.Event | None = None,
) -> None:
    """Publish ``message``'s original key, value and headers with headers naming ``failure``.

    Raises :class:`agents.delivery.PermanentDeliveryError` if the dead letter can never be delivered,
    :class:`agents.delivery.DeliveryAborted` if the worker stops first.
    """
    letter = DeadLetter(
        exception=failure.exception,
        message=failure.message,
        stacktrace=failure.stacktrace,
        source_topic=message.topic,
        source_partition=message.partition,
        source_offset=message.offset,
        reason=failure.reason,
        stage=stage,
        failed_at=utcnow().isoformat(),
    )
    key = message.key if message.key is None or isinstance(message.key, bytes) else bytes(message.key)
    await deliver(dlq_topic, key=key, value=message.value,
                  headers=[*original_headers(message.headers), *letter.to_headers()],  # type: ignore[list-item]
                  retry_max_s=retry_max_s, log=log, on_retry=on_retry, stopping=stopping)
    metrics.dead_letters.labels(reason=failure.reason, stage=stage).inc()
    log_fn = log.warning if failure.bad_input else log.error
    log_fn("dead-lettered: %s", letter.message,
           extra={**message_context(message.topic, message.partition, message.offset), "reason": failure.reason,
                  "stage": stage})
