"""A record Faust's stream skipped is not acknowledged, and its partition is read again from the commit."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP

from agents import transport
from agents.transport import Consumer


def _consumer(flow_active: bool = True, rebalancing: bool = False, assigned: bool = True) -> Any:
    consumer: Any = Consumer.__new__(Consumer)  # the real class, without a Faust app behind it
    consumer.app = SimpleNamespace(topics=SimpleNamespace(acks_enabled_for=lambda topic: True),
                                   rebalancing=rebalancing)
    consumer.flow_active = flow_active
    consumer._rewinds = set()
    consumer._committed_offset = defaultdict(lambda: None, {TP("t.news.articles", 0): 13})
    consumer.assignment = lambda: {TP("t.news.articles", 0)} if assigned else set()
    consumer.sought = []

    async def seek(tp: TP, offset: int) -> None:
        consumer.sought.append((tp, offset))

    consumer.seek = seek
    return consumer


def _skipped(partition: int = 0) -> Any:
    return SimpleNamespace(tracked=False, topic="t.news.articles", partition=partition)


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "_REWIND_AFTER_S", 0.01)
    monkeypatch.setitem(transport._runtime, "stopping", asyncio.Event())


async def test_a_skipped_record_is_not_acknowledged_and_its_partition_is_sought_back_once() -> None:
    consumer = _consumer()
    assert consumer.ack(_skipped()) is False
    assert consumer.ack(_skipped()) is False  # 17 skipped in a row: one seek
    await asyncio.sleep(0.1)
    assert consumer.sought == [(TP("t.news.articles", 0), 13)]


async def test_while_the_flow_is_stopped_the_seek_waits_until_it_runs() -> None:
    consumer = _consumer(flow_active=False)
    consumer.ack(_skipped())
    await asyncio.sleep(0.1)
    assert consumer.sought == []
    consumer.flow_active = True
    await asyncio.sleep(0.1)
    assert consumer.sought == [(TP("t.news.articles", 0), 13)]


async def test_no_seek_when_stopping_or_when_the_partition_went_to_another_member() -> None:
    gone = _consumer(assigned=False)
    gone.ack(_skipped())
    stopping = _consumer()
    transport._runtime["stopping"].set()  # type: ignore[union-attr]
    stopping.ack(_skipped())
    await asyncio.sleep(0.1)
    assert gone.sought == [] and stopping.sought == []
