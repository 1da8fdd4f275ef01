"""What /metrics and /ready compute: the lag per partition, the open stories, and the parts of readiness."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from agents.liveness import Progress
from agents.metrics import Metrics, SampledGauge, open_stories
from agents.readiness import Readiness
from schemas import EnrichedArticle
from streams.stories.features import text_features
from streams.stories.tracker import StoryConfig, StoryTracker

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _record(topic: str, partition: int, offset: int) -> Any:
    return SimpleNamespace(topic=topic, partition=partition, offset=offset)


def test_partition_lag_counts_from_the_last_ack_or_the_committed_offset_whichever_is_further() -> None:
    highwater = {("a", 0): 10, ("a", 1): 5, ("a", 2): 7}
    progress = Progress(["enrich"], 60.0, Metrics(), highwater=lambda t, p: highwater.get((t, p)))
    progress.end("enrich", _record("a", 0, 3))  # next to process: 4
    progress.end("enrich", _record("a", 1, 1))  # next 2, but 4 was committed since (a rebalance)
    committed = {("a", 1): 4}

    lag = progress.partition_lag([("a", 0), ("a", 1), ("a", 2), ("a", 3)], lambda t, p: committed.get((t, p)))

    # a:2 was neither processed nor committed here: read from its start; a:3 has no highwater yet
    assert lag == [("a", 0, 6), ("a", 1, 1), ("a", 2, 7)]


def test_sampled_gauge_shows_only_what_its_source_gives_at_scrape_time() -> None:
    registry = CollectorRegistry()
    gauge = SampledGauge("wirewatch_consumer_lag", "lag", ["topic", "partition"], registry=registry)
    assert b"wirewatch_consumer_lag{" not in generate_latest(registry)  # registering reads nothing
    samples = [(("a", "0"), 3.0), (("a", "1"), 0.0)]
    gauge.read_from(lambda: samples)
    text = generate_latest(registry).decode()
    assert 'wirewatch_consumer_lag{partition="0",topic="a"} 3.0' in text
    samples = [(("a", "1"), 2.0)]  # partition 0 was revoked: its label set goes with it
    text = generate_latest(registry).decode()
    assert 'partition="0"' not in text and 'wirewatch_consumer_lag{partition="1",topic="a"} 2.0' in text


def _apply(tracker: StoryTracker, uri: str, headline: str, body: str, at: datetime) -> None:
    record = EnrichedArticle(uri=uri, headline=headline, published=at, extractor={}, ingested_at=at,
                             processed_at=at, text_length=len(body))
    tracker.apply(tracker.observe(record, text_features(headline, body, StoryConfig())))


def test_open_stories_are_the_ones_the_tracker_does_not_call_dormant() -> None:
    tracker = StoryTracker({}, StoryConfig(quiet_period_s=7 * 86400.0))
    _apply(tracker, "urn:a", "Harbour strike in Rotterdam", "Dock workers in Rotterdam stopped work over pay "
           "on Monday, halting container traffic at the port.", T0)
    _apply(tracker, "urn:b", "Glacier survey in Patagonia", "Scientists measured the retreat of three glaciers "
           "in Patagonia during a month-long survey.", T0 + timedelta(days=1))
    assert open_stories(tracker) == 2
    _apply(tracker, "urn:c", "Orchestra tour of Japan", "The Vienna orchestra begins a tour of six Japanese "
           "cities with a concert in Osaka.", T0 + timedelta(days=7, hours=12))

    statuses = [story.status for story in tracker.stories()]
    assert len(statuses) == 3 and statuses.count("dormant") == 1
    assert open_stories(tracker) == 2


def _app(generation: int = 3, rebalancing: bool = False, recovered: bool = True, in_recovery: bool = False,
         client: Any = None) -> Any:
    completed = asyncio.Event()
    if recovered:
        completed.set()

    def ensure_producer() -> Any:
        if client is None:
            raise RuntimeError("Producer service not yet started")
        return SimpleNamespace(client=client)

    assignment = [SimpleNamespace(topic="t.news.articles", partition=1),
                  SimpleNamespace(topic="wirewatch-stories-changelog", partition=0)]
    return SimpleNamespace(
        consumer_generation_id=generation, rebalancing=rebalancing,
        tables=SimpleNamespace(_recovery=SimpleNamespace(completed=completed, in_recovery=in_recovery)),
        consumer=SimpleNamespace(assignment=lambda: assignment, _committed_offset={}),
        producer=SimpleNamespace(_ensure_producer=ensure_producer))


class _Client:
    """An aiokafka client whose brokers answer, refuse, or hang."""

    def __init__(self, answers: dict[int, str]) -> None:
        self.answers = answers
        self.cluster = SimpleNamespace(brokers=lambda: [SimpleNamespace(nodeId=n) for n in answers])

    async def send(self, node: int, request: Any) -> Any:
        if self.answers[node] == "hang":
            await asyncio.sleep(60)
        if self.answers[node] == "down":
            raise ConnectionError(f"broker {node} refused")
        return object()


async def test_ready_when_joined_recovered_and_a_broker_answers() -> None:
    readiness = Readiness(_app(client=_Client({1: "down", 2: "up"})), {"t.news.articles"})
    report = await readiness.check(stuck=[])
    assert report["ready"] is True
    assert report["assigned"] == ["t.news.articles:1"], "a changelog partition is not work"
    assert report["group"] == {"joined": True, "generation": 3, "rebalancing": False}
    assert report["tables"] == {"recovered": True, "in_recovery": False}
    assert report["broker"] == {"reachable": True, "node": 2}


@pytest.mark.parametrize(("app", "part"), [
    (_app(generation=0, client=_Client({1: "up"})), "group"),
    (_app(rebalancing=True, client=_Client({1: "up"})), "group"),
    (_app(recovered=False, client=_Client({1: "up"})), "tables"),
    (_app(in_recovery=True, client=_Client({1: "up"})), "tables"),
    (_app(client=_Client({1: "down"})), "broker"),
    (_app(client=None), "broker"),
])
async def test_not_ready_says_which_part_is_missing(app: Any, part: str) -> None:
    report = await Readiness(app, {"t.news.articles"}).check(stuck=[])
    assert report["ready"] is False
    assert [name for name in ("group", "tables", "broker") if not next(iter(report[name].values()))] == [part]


async def test_a_broker_that_does_not_answer_fails_the_probe_within_its_timeout() -> None:
    readiness = Readiness(_app(client=_Client({1: "hang"})), {"t.news.articles"}, probe_timeout_s=0.2)
    started = asyncio.get_running_loop().time()
    report = await readiness.check(stuck=[])
    assert asyncio.get_running_loop().time() - started < 2
    assert report["broker"] == {"reachable": False, "error": "no broker answered within 0.2 s"}


async def test_a_stuck_agent_makes_the_worker_not_ready() -> None:
    report = await Readiness(_app(client=_Client({1: "up"})), {"t.news.articles"}).check(stuck=["enrich"])
    assert report["ready"] is False and report["stuck"] == ["enrich"]


@pytest.mark.parametrize(("app", "settled"), [
    (_app(client=None), True),
    (_app(generation=0, client=None), False),
    (_app(rebalancing=True, client=None), False),
    (_app(recovered=False, client=None), False),
    (_app(in_recovery=True, client=None), False),
])
def test_the_lag_gauge_waits_until_the_consumer_has_sought_to_the_committed_offsets(app: Any, settled: bool) -> None:
    # before the recovery has sought to them, a partition's resume offset is unknown and its lag would count from 0
    assert Readiness(app, {"t.news.articles"}).settled() is settled
