"""The dead-letter path's tolerance of record shapes, the log rate limit and the progress tracker."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from agents.deadletter import Failure, dead_letter, original_headers
from agents.liveness import Progress
from agents.logs import RateLimit
from agents.metrics import Metrics
from agents.settings import Settings
from schemas import DeadLetter
from schemas.errors import NotJsonError


@pytest.mark.parametrize("headers", [
    [("origin", b"x"), ("n", None)],
    (("origin", b"x"), ("n", None)),            # aiokafka hands headers over as a tuple
    {"origin": b"x", "n": None},
    [(b"origin", bytearray(b"x")), ("n", None)],
])
def test_original_headers_accept_any_container(headers: Any) -> None:
    assert original_headers(headers) == [("origin", b"x"), ("n", None)]


def test_original_headers_of_none_and_empty() -> None:
    assert original_headers(None) == [] and original_headers(()) == []


@dataclass
class _Message:
    value: bytes | None
    key: bytes | None = None
    headers: Any = (("origin", b"x"),)
    topic: str = "news.articles"
    partition: int = 1
    offset: int = 42


@dataclass
class _Topic:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def get_topic_name(self) -> str:
        return "news.deadletter"

    async def send(self, **record: Any) -> Any:
        self.sent.append(record)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.set_result("ok")
        return future


async def test_dead_letter_keeps_key_value_and_headers_and_appends_the_reason() -> None:
    topic, metrics = _Topic(), Metrics()
    failure = Failure.from_exception(NotJsonError("line 1: expected value"))
    await dead_letter(topic, _Message(value=b"{oops"), failure, stage="enrich", metrics=metrics,
                      log=logging.getLogger("test"), retry_max_s=1.0)
    [record] = topic.sent
    assert record["key"] is None and record["value"] == b"{oops"
    assert record["headers"][0] == ("origin", b"x")
    letter = DeadLetter.from_headers(record["headers"])
    assert (letter.reason, letter.source_partition, letter.source_offset) == ("not-json", 1, 42)
    assert metrics.dead_letters.labels(reason="not-json", stage="enrich")._value.get() == 1


def _record(msg: str, *args: Any) -> logging.LogRecord:
    return logging.LogRecord("aiokafka", logging.ERROR, __file__, 1, msg, args, None)


def test_rate_limit_keeps_a_burst_per_window_and_reports_what_it_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("agents.logs.time.monotonic", lambda: clock[0])
    dropped: list[int] = []
    limit = RateLimit(burst=3, window_s=10.0, on_suppressed=lambda: dropped.append(1))
    passed = [limit.filter(_record("Unable connect to node %s", n)) for n in range(50)]
    assert passed == [True] * 3 + [False] * 47 and len(dropped) == 47
    assert limit.filter(_record("another message")), "each message template has its own budget"
    clock[0] += 10.5
    after = _record("Unable connect to node %s", 7)
    assert limit.filter(after)
    assert after.getMessage() == "Unable connect to node 7 [47 similar line(s) suppressed in the last 10 s]"


def test_rate_limit_decides_once_per_record_for_several_handlers() -> None:
    limit = RateLimit(burst=1, window_s=10.0)
    record = _record("same")
    assert limit.filter(record) and limit.filter(record), "a second handler sees the same verdict"
    assert not limit.filter(_record("same"))


def test_progress_marks_an_agent_stuck_when_it_holds_a_record_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr("agents.liveness.time.monotonic", lambda: clock[0])
    metrics = Metrics()
    progress = Progress(["enrich"], stall_timeout_s=30.0, metrics=metrics)
    message = _Message(value=b"x")
    progress.begin("enrich", message)
    clock[0] = 29.0
    assert not progress.check()["enrich"]["stuck"]
    clock[0] = 31.0
    assert progress.check()["enrich"]["stuck"]
    clock[0] = 41.0
    progress.end("enrich", message)
    assert not progress.check()["enrich"]["stuck"]
    assert metrics.stalls.labels(agent="enrich")._value.get() == 1
    assert metrics.stuck_seconds.labels(agent="enrich")._value.get() == pytest.approx(10.0)


def test_progress_marks_an_idle_agent_with_lag_stuck(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr("agents.liveness.time.monotonic", lambda: clock[0])
    highwater = {("news.articles", 1): 43}
    progress = Progress(["enrich"], 30.0, Metrics(), highwater=lambda t, p: highwater.get((t, p)))
    progress.begin("enrich", _Message(value=b"x"))
    progress.end("enrich", _Message(value=b"x"))  # offset 42 acked: nothing left
    clock[0] = 100.0
    assert progress.check()["enrich"] == {"stuck": False, "lag": 0, "holding_record_s": 0.0,
                                          "since_last_ack_s": 100.0}
    highwater[("news.articles", 1)] = 50
    assert progress.check()["enrich"]["stuck"] and progress.lag("enrich") == 7


def test_settings_align_topic_limits_with_the_producer() -> None:
    settings = Settings(max_record_bytes=1_000_000, max_output_bytes=4_000_000)
    articles = settings.topic_max_message_bytes(settings.topic_articles)
    enriched = settings.topic_max_message_bytes(settings.topic_enriched)
    deadletter = settings.topic_max_message_bytes(settings.topic_deadletter)
    assert articles > settings.max_record_bytes and enriched > settings.max_output_bytes
    assert deadletter >= max(articles, enriched) and settings.max_request_bytes == deadletter


def test_settings_refuse_a_heartbeat_slower_than_a_third_of_the_session() -> None:
    with pytest.raises(ValueError, match="heartbeat_interval_s"):
        Settings(session_timeout_s=6.0, heartbeat_interval_s=3.0)


async def test_worker_producer_is_idempotent_and_backs_off(tmp_path: Any) -> None:
    from agents.app import create_app
    from agents.transport import BackoffProducer

    runtime = create_app(Settings(web_enabled=False, data_dir=tmp_path, reconnect_backoff_s=2.5))
    producer = runtime.app.producer
    extra = producer._settings_extra()
    assert extra["enable_idempotence"] is True and extra["acks"] == "all"
    client = producer._new_producer()
    try:
        assert isinstance(client, BackoffProducer)
        assert client._txn_manager is not None, "aiokafka keeps a transaction manager only when idempotent"
    finally:
        await client.stop()
