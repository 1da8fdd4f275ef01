"""Structured JSON logs: one object per line, with the message's uri/topic/partition/offset."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["JsonFormatter", "get_logger", "message_context"]

_CONTEXT_KEYS = ("uri", "topic", "partition", "offset", "reason", "stage", "attempt", "error", "alert_id",
                 "articles", "statements", "alerts", "actors", "seconds")


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
    return logger


def message_context(topic: str, partition: int, offset: int, uri: str | None = None) -> dict[str, Any]:
    """``extra=`` fields for a log line about one Kafka message."""
    context: dict[str, Any] = {"topic": topic, "partition": partition, "offset": offset}
    if uri is not None:
        context["uri"] = uri
    return context
