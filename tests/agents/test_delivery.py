"""The delivery loop that gates every input ack: retries until the broker acknowledges."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import errors as kafka_errors

from agents import delivery
from agents.delivery import DeliveryAborted, PermanentDeliveryError, classify, deliver


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


class _RefusingTopic(_FlakyTopic):
    """A topic whose broker refuses every record with ``error``."""

    def __init__(self, error: Exception) -> None:
        super().__init__(failures=0)
        self.error = error
        self.attempts = 0

    async def send(self, *, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]], force: bool) -> Any:
        self.attempts += 1
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.set_exception(self.error)
        return future


@pytest.mark.parametrize(("error", "reason"), [
    (kafka_errors.MessageSizeTooLargeError(), "output-too-large"),
    (kafka_errors.RecordTooLargeError(), "output-too-large"),
    (kafka_errors.TopicAuthorizationFailedError(), "not-authorised"),
    (kafka_errors.CorruptRecordException(), "invalid-output"),
    (TypeError("bad value"), "delivery-failed"),
])
async def test_permanent_error_is_not_retried_and_names_its_reason(error: Exception, reason: str) -> None:
    topic = _RefusingTopic(error)
    with pytest.raises(PermanentDeliveryError) as raised:
        await deliver(topic, key=None, value=b"v", retry_max_s=0.01)
    assert topic.attempts == 1
    assert raised.value.reason == reason and raised.value.cause is error


@pytest.mark.parametrize("error", [kafka_errors.KafkaTimeoutError(), kafka_errors.NotLeaderForPartitionError(),
                                   kafka_errors.KafkaConnectionError(), kafka_errors.BrokerNotAvailableError(),
                                   ConnectionRefusedError()])
def test_outage_errors_are_retriable(error: Exception) -> None:
    assert classify(error) is None


async def test_no_retry_starts_once_the_worker_is_stopping() -> None:
    stopping = asyncio.Event()
    topic = _FlakyTopic(failures=10**6)
    task = asyncio.create_task(deliver(topic, key=None, value=b"v", retry_max_s=30.0, stopping=stopping))
    await asyncio.sleep(0.05)
    stopping.set()
    with pytest.raises(DeliveryAborted):
        await asyncio.wait_for(task, timeout=2)
