"""Stories on the real broker: one story over three articles, and a SIGKILL between two of them.

The articles are our own writing: a first report of talks, another outlet's follow-up that brings in
a new participant, and a syndicated copy of that follow-up (new headline, agency boilerplate, a
paragraph dropped).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from typing import Any

import orjson
import pytest

from agents.stories import PublishedUpdates
from tests.integration.conftest import Namespace

pytestmark = pytest.mark.integration

FIRST = {
    "uri": "urn:test:muscat-talks-1",
    "headline": "Iran and United States to hold talks in Muscat on Thursday",
    "published": "2026-11-30T08:00:00Z",
    "body_text": (
        "Iran and the United States will hold indirect talks in Muscat on Thursday, Oman's foreign ministry "
        "said on Monday, the first such meeting in months.\n\n"
        "Omani mediators will shuttle between the two delegations, the ministry said in a statement. "
        "\"Both sides have agreed to come to the table,\" the ministry said.\n\n"
        "The talks are expected to focus on sanctions relief and on limits to uranium enrichment."),
}
FOLLOW_UP = {
    "uri": "urn:test:muscat-talks-2",
    "headline": "Turkey sends deputy foreign minister to Muscat talks",
    "published": "2026-12-01T09:30:00Z",
    "body_text": (
        "Turkey will send its deputy foreign minister to the talks between Iran and the United States in "
        "Muscat on Thursday, the Turkish foreign ministry said on Tuesday.\n\n"
        "Ankara has offered to help Oman mediate between the two delegations, the ministry said.\n\n"
        "The indirect talks, the first in months, are expected to focus on sanctions relief and on limits "
        "to uranium enrichment.\n\n"
        "Omani mediators will shuttle between the two delegations."),
}
COPY = {
    "uri": "urn:test:muscat-talks-2-syndicated",
    "headline": "Ankara to join Iran-U.S. talks in Oman",
    "published": "2026-12-01T10:05:00Z",
    "body_text": (
        "ANKARA (Reuters) - Turkey will send its deputy foreign minister to the talks between Iran and the "
        "United States in Muscat on Thursday, the Turkish foreign ministry said on Tuesday.\n\n"
        "Ankara has offered to help Oman mediate between the two delegations, the ministry said.\n\n"
        "The indirect talks, the first in months, are expected to focus on sanctions relief and on limits "
        "to uranium enrichment.\n\n"
        "(Reporting by Staff; Editing by Desk)"),
}


def _publish(namespace: Namespace, *articles: dict[str, str]) -> None:
    namespace.produce("news.articles", [(a["uri"].encode(), orjson.dumps(a), []) for a in articles])


def _enriched(namespace: Namespace, count: int) -> dict[str, dict[str, Any]]:
    records = namespace.read("news.articles.enriched", count, timeout=120)
    assert len(records) >= count, f"expected {count} enriched record(s), got {len(records)}"
    return {orjson.loads(r.value)["uri"]: orjson.loads(r.value) for r in records}


def _updates(namespace: Namespace, at_least: int, settle: float = 3.0) -> list[dict[str, Any]]:
    records = namespace.read("news.events.updates", at_least, timeout=60, settle=settle)
    return [orjson.loads(r.value) for r in records]


def _wait_applied(namespace: Namespace, uri: str, timeout: float = 30.0) -> None:
    """Wait until the stories table's changelog holds ``uri``: the article is applied for good."""
    topic = namespace.settings.story_changelog_topic
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = namespace.read_raw(topic, timeout=3)
        if any(uri.encode() in (r.key or b"") for r in records):
            return
    raise AssertionError(f"{uri} never reached the stories changelog {topic}")


def test_three_articles_make_one_story_and_the_copy_changes_nothing(namespace: Namespace) -> None:
    worker = namespace.worker()
    _publish(namespace, FIRST)
    _enriched(namespace, 1)
    _publish(namespace, FOLLOW_UP)
    _enriched(namespace, 2)
    _publish(namespace, COPY)
    records = _enriched(namespace, 3)
    updates = _updates(namespace, 2)

    first, follow_up, copy = (records[a["uri"]] for a in (FIRST, FOLLOW_UP, COPY))
    assert copy["duplicate_of"] == FOLLOW_UP["uri"], worker.log()
    assert first["duplicate_of"] is None and follow_up["duplicate_of"] is None
    assert first["story_id"] == follow_up["story_id"] == copy["story_id"] is not None
    kinds = Counter(u["change"] for u in updates)
    assert kinds["new_story"] == 1, updates
    assert worker.metric("wirewatch_stories_tracked") == 1
    turkey = [u for u in updates if u["change"] == "new_participant" and u["article_uri"] == FOLLOW_UP["uri"]]
    assert [u["after"]["name"] for u in turkey] == ["Turkey"], updates
    assert not [u for u in updates if u["article_uri"] == COPY["uri"]], "the syndicated copy made updates"
    assert all(u["story_id"] == first["story_id"] for u in updates)
    assert len({u["id"] for u in updates}) == len(updates)

    alerts = namespace.read("news.alerts", 1, timeout=10, settle=2.0)
    assert not [a for a in alerts if orjson.loads(a.value)["article_uri"] == COPY["uri"]], "the copy raised alerts"


def test_sigkill_between_articles_changes_nothing(namespace: Namespace) -> None:
    # No offset commit before the kill: the restarted worker meets both articles again.
    worker = namespace.worker(WIREWATCH_COMMIT_INTERVAL_S="600")
    _publish(namespace, FIRST, FOLLOW_UP)
    _enriched(namespace, 2)
    _wait_applied(namespace, FOLLOW_UP["uri"])
    before = _updates(namespace, 2)
    worker.stop(signal.SIGKILL)

    restarted = namespace.worker()  # recovers the table from its changelog, replays the uncommitted input
    _publish(namespace, COPY)
    assert not namespace.missing_uris({COPY["uri"]}, timeout=120), restarted.log()
    records = namespace.read("news.articles.enriched", 3, timeout=30, settle=3.0)
    after = _updates(namespace, len(before), settle=3.0)
    # both stories input records again, and the same articles re-extracted by enrich: all skipped
    assert restarted.metric("wirewatch_story_replays_skipped_total") >= 2, restarted.log()

    # replayed articles are sent again as enriched records (at least once), with the same story
    seen = {(v["uri"], v["story_id"], v["duplicate_of"]) for v in (orjson.loads(r.value) for r in records)}
    assert {uri for uri, _, _ in seen} == {FIRST["uri"], FOLLOW_UP["uri"], COPY["uri"]}
    assert len(seen) == 3, seen
    ids = Counter(u["id"] for u in after)
    assert all(n == 1 for n in ids.values()), f"update ids published twice: {ids}"
    assert set(ids) == {u["id"] for u in before}, "the restarted worker changed the story"


def test_the_stories_agent_reads_back_the_update_ids_at_the_end_of_the_updates_topic(namespace: Namespace) -> None:
    """What keeps the replay of the article in flight at a crash from publishing its updates twice."""
    records: list[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]] = [
        (b"story-1", orjson.dumps({"id": f"update-{n}", "story_id": "story-1"}), []) for n in range(30)]
    records += [(b"story-1", None, []), (b"story-1", b"not json", [])]  # neither is an update: ignored
    namespace.produce("news.events.updates", records)
    topic = namespace.settings.topic("news.events.updates")

    async def check() -> tuple[list[bool], bool]:
        published = PublishedUpdates(namespace.settings.kafka_client_options(), topic, asyncio.Event(),
                                     logging.getLogger("test"), tail=12)
        found = [await published.seen(f"update-{n}") for n in (29, 20, 19, 0)]
        published.reset()
        return found, await published.seen("update-29")

    found, after_reset = asyncio.run(check())
    # the last 12 records of the partition: updates 20..29 and the two that are not updates
    assert found == [True, True, False, False]
    assert after_reset
