"""Route a record that cannot be processed to the dead-letter topic (KIP-1034 style)."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from agents.delivery import deliver
from agents.logs import message_context
from agents.metrics import Metrics
from schemas import DeadLetter
from schemas._base import utcnow
from schemas.errors import InputError

__all__ = ["dead_letter"]

_MAX_STACKTRACE = 8_000


async def dead_letter(
    dlq_topic: Any,
    event: Any,
    exc: BaseException,
    *,
    stage: str,
    metrics: Metrics,
    log: logging.Logger,
    retry_max_s: float,
) -> None:
    """Publish ``event``'s original key and value bytes with headers naming ``exc`` and its source."""
    message = event.message
    reason = exc.reason if isinstance(exc, InputError) else "processing-error"
    stack = "".join(traceback.format_exception(exc))[-_MAX_STACKTRACE:]
    letter = DeadLetter(
        exception=f"{type(exc).__module__}.{type(exc).__qualname__}",
        message=str(exc)[:2000],
        stacktrace=stack,
        source_topic=message.topic,
        source_partition=message.partition,
        source_offset=message.offset,
        reason=reason,
        stage=stage,
        failed_at=utcnow().isoformat(),
    )
    original_headers = [(k, v) for k, v in (message.headers or [])] if isinstance(message.headers, list) else (
        list((message.headers or {}).items()))
    await deliver(dlq_topic, key=message.key, value=message.value or b"",
                  headers=original_headers + letter.to_headers(), retry_max_s=retry_max_s, log=log)
    metrics.dead_letters.labels(reason=reason, stage=stage).inc()
    log_fn = log.warning if isinstance(exc, InputError) else log.error
    log_fn("dead-lettered: %s", letter.message,
           extra={**message_context(message.topic, message.partition, message.offset), "reason": reason,
                  "stage": stage})
