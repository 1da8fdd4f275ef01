"""Structured JSON logs: one object per line, with the message's uri/topic/partition/offset."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["JsonFormatter", "RateLimit", "get_logger", "message_context"]

_CONTEXT_KEYS = ("uri", "topic", "partition", "offset", "reason", "stage", "attempt", "error", "alert_id",
                 "articles", "statements", "alerts", "actors", "seconds", "story_id", "duplicate_of", "updates",
                 "feed", "outcome", "status", "items", "new", "edited", "unchanged", "rejected", "delay_s")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object with the wirewatch context fields it carries."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON line: time, level, logger, message, context fields and any exception."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in _CONTEXT_KEYS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def get_logger(level: str = "info") -> logging.Logger:
    """The ``wirewatch`` logger, writing JSON lines to stderr (configured once)."""
    logger = logging.getLogger("wirewatch")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level.upper())
    # httpx logs every request's full URL at INFO, and a webhook URL may carry a token in its query:
    # the deliverer logs deliveries itself, without the URL (README "Security")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return logger


def message_context(topic: str, partition: int, offset: int, uri: str | None = None) -> dict[str, Any]:
    """``extra=`` fields for a log line about one Kafka message."""
    context: dict[str, Any] = {"topic": topic, "partition": partition, "offset": offset}
    if uri is not None:
        context["uri"] = uri
    return context


class RateLimit(logging.Filter):
    """Let at most ``burst`` lines of one message template through per ``window_s`` seconds.

    During a broker outage the Kafka client repeats the same few lines many times a second; the
    rate limit keeps the first ``burst`` of each window and notes on the next line that passes how
    many were dropped. Lines are told apart by logger, level and message template (not arguments).
    """

    _MAX_KEYS = 2048

    def __init__(self, burst: int, window_s: float, on_suppressed: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self._on_suppressed = on_suppressed
        self._seen: dict[tuple[str, int, str], list[float]] = {}  # key -> [window start, passed, dropped]
        self._last: tuple[logging.LogRecord | None, bool] = (None, True)

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a line over the limit; the first line of a new window reports the dropped count."""
        if record is self._last[0]:  # one record passes every handler's filter: decide once
            return self._last[1]
        verdict = self._decide(record)
        self._last = (record, verdict)
        return verdict

    def _decide(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        state = self._seen.get(key)
        if state is None or now - state[0] >= self.window_s:
            if len(self._seen) >= self._MAX_KEYS:
                self._seen.clear()
            if state is not None and state[2]:
                # no '%' in the note, so the record's own arguments still format the message
                record.msg = f"{record.msg} [{int(state[2])} similar line(s) suppressed in the last " \
                             f"{now - state[0]:.0f} s]"
            self._seen[key] = [now, 1, 0]
            return True
        if state[1] < self.burst:
            state[1] += 1
            return True
        state[2] += 1
        if self._on_suppressed is not None:
            self._on_suppressed()
        return False
