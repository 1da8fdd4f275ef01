"""Produce records with the broker's full acknowledgement (acks=all, idempotent)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer

__all__ = ["produce"]


async def produce(settings: Any, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    """Send every ``(key, value)`` to ``topic`` and wait until all are acknowledged."""
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **settings.kafka_client_options())
    await producer.start()
    try:
        futures = [await producer.send(topic, value=value, key=key) for key, value in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
