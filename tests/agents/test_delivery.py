"""The delivery loop that gates every input ack: retries until the broker acknowledges."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents import delivery
from agents.delivery import deliver


class _FlakyTopic:
    """A topic whose first ``failures`` sends fail the way a broker outage does."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[Any, Any, Any]] = []

    def get_topic_name(self) -> str:
        return "news.articles.enriched"

    async def send(self, *, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]], force: bool) -> Any:
        assert force, "sends must bypass Faust's publish-on-commit buffering"
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.failures:
            self.failures -= 1
            future.set_exception(ConnectionError("broker unavailable"))
        else:
            self.sent.append((key, value, headers))
            future.set_result("metadata")
        return future


async def test_delivery_retries_until_acknowledged(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(delivery.asyncio, "sleep", no_wait)
    topic, retries = _FlakyTopic(failures=3), []
    result = await deliver(topic, key=b"k", value=b"v", headers=[("h", b"1")], retry_max_s=5.0,
                           on_retry=lambda: retries.append(1))
    assert result == "metadata"
    assert topic.sent == [(b"k", b"v", [("h", b"1")])]
    assert len(retries) == 3 and len(sleeps) == 3
    assert all(0 < s <= 5.0 for s in sleeps) and sleeps[2] > sleeps[0] / 2


async def test_delivery_is_cancellable_while_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    task = asyncio.create_task(deliver(_FlakyTopic(failures=10**6), key=None, value=b"v", retry_max_s=0.01))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
