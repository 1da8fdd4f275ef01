"""``wirewatch demo``: publish sample articles (or watch the ingest service publish them) and show
what the worker makes of them, live."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import orjson

from agents.article_files import read_articles
from agents.producer import produce
from agents.reader import TopicReader
from schemas.codec import encode

__all__ = ["run_demo", "summarise_alert", "summarise_enriched", "summarise_update"]

_ALERTS_SETTLE_S = 3.0


def summarise_enriched(value: dict[str, Any]) -> str:
    """One line per enriched record: headline, counts, topics, speakers."""
    speakers = sorted({s["speaker"]["name"] for s in value.get("statements", []) if s.get("speaker")})
    topics = ",".join(value.get("topics", [])) or "-"
    events = ",".join(sorted({e["type"] for e in value.get("events", []) if e["type"] != "STATEMENT"})) or "-"
    copy = f" | duplicate of {value['duplicate_of']}" if value.get("duplicate_of") else ""
    return (f"[enriched] {value['uri']} | {value.get('headline', '')[:70]} | "
            f"{len(value.get('actors', []))} actors, {len(value.get('statements', []))} statements, "
            f"{len(value.get('stances', []))} stances | topics: {topics} | events: {events} | "
            f"speakers: {', '.join(speakers) or '-'} | story {value.get('story_id') or '-'}{copy}")


def summarise_update(value: dict[str, Any]) -> str:
    """One line per event update."""
    return f"[update] {value.get('story_id')} {value.get('change')}: {value.get('summary')}"


def summarise_alert(value: dict[str, Any]) -> str:
    """One line per alert."""
    return f"[ALERT {value.get('severity', '?')}] {value.get('type')} {value.get('title')}"


def run_demo(settings: Any, paths: list[str], *, once: bool, timeout: float, ingested_since: float | None = None,
             ) -> int:
    """Publish the samples at ``paths`` and print enriched records and alerts until done (or forever).

    With ``ingested_since`` (a unix time), publish nothing: the ingest service publishes the samples
    from their feed, and the demo watches what the worker makes of them from that time on.
    """
    items = [i for i in read_articles(paths) if i.article is not None]
    if not items:
        print("wirewatch demo: no valid sample articles found", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings, items, once, timeout, ingested_since))


async def _ingested_before(settings: Any, uris: set[str], since_ms: int) -> set[str]:
    """The sample uris the ingest service already published before ``since_ms`` (an earlier run)."""
    topic = settings.topic(settings.topic_ingest_seen)
    async with TopicReader(settings.kafka_client_options(), [topic], from_beginning=True) as reader:
        records = await reader.read_to_end() if reader.partitions else []
    keys = {f"item:{uri}".encode(): uri for uri in uris}
    return {keys[r.key] for r in records if r.key in keys and r.timestamp < since_ms}


async def _run(settings: Any, items: list[Any], once: bool, timeout: float, ingested_since: float | None) -> int:
    since_ms = int((ingested_since or time.time()) * 1000) - 1000
    articles_topic = settings.topic(settings.topic_articles)
    # One at a time, each once the previous is enriched, as a feed delivers them: the input topic has
    # several partitions, so a batch could be processed out of order (a copy before its original).
    queue = [(i.article.uri, encode(i.article.model_dump(mode="json", exclude_none=True))) for i in items]

    async def publish_next() -> None:
        uri, value = queue.pop(0)
        await produce(settings, articles_topic, [(uri.encode(), value)])
        print(f"published {uri} to {articles_topic}", file=sys.stderr)

    pending = {i.article.uri for i in items}
    if ingested_since is None:
        await publish_next()
    else:
        queue.clear()
        earlier = await _ingested_before(settings, pending, since_ms)
        if earlier:
            print(f"{len(earlier)} sample(s) were ingested by an earlier run and are not published again (the "
                  f"ingest service remembers them in {settings.topic(settings.topic_ingest_seen)}); to see them "
                  "processed afresh: scripts/kafka stop; rm -rf .kafka", file=sys.stderr)
            pending -= earlier
    enriched_topic, alerts_topic = settings.topic(settings.topic_enriched), settings.topic(settings.topic_alerts)
    dlq_topic, updates_topic = settings.topic(settings.topic_deadletter), settings.topic(settings.topic_event_updates)
    alerts = updates = enriched = 0
    deadline = time.monotonic() + timeout
    async with TopicReader(settings.kafka_client_options(), [enriched_topic, updates_topic, alerts_topic, dlq_topic],
                           since_ms=since_ms) as reader:
        idle = _ALERTS_SETTLE_S if once else None
        async for record in _until(reader, once, pending, idle, deadline):
            if record.topic == dlq_topic:
                headers = {k: v.decode("utf-8", "replace") for k, v in (record.headers or [])}
                print(f"[deadletter] {headers.get('wirewatch.errors.reason')}: "
                      f"{headers.get('__streams.errors.message')}", flush=True)
                if record.key:
                    pending.discard(record.key.decode("utf-8", "replace"))
                if queue:
                    await publish_next()
                continue
            value = orjson.loads(record.value)
            if record.topic == enriched_topic:
                pending.discard(value["uri"])
                enriched += 1
                print(summarise_enriched(value), flush=True)
                if queue and value["uri"] not in {uri for uri, _ in queue}:
                    await publish_next()
            elif record.topic == updates_topic:
                updates += 1
                print(summarise_update(value), flush=True)
            else:
                alerts += 1
                print(summarise_alert(value), flush=True)
    if pending:
        print(f"wirewatch demo: timed out; {len(pending)} sample(s) not processed: {sorted(pending)}",
              file=sys.stderr)
        return 1
    print(f"done: {enriched} article(s) enriched, {updates} event update(s), {alerts} alert(s)", file=sys.stderr)
    if enriched and not updates:
        print("(no event update: the stories table already holds these samples from an earlier run; "
              "`wirewatch stories` lists them, and `scripts/kafka stop; rm -rf .kafka` starts afresh)",
              file=sys.stderr)
    return 0


async def _until(reader: TopicReader, once: bool, pending: set[str], idle: float | None,
                 deadline: float) -> Any:
    """Records until (with ``once``) nothing is pending and the alerts have settled, or the deadline."""
    while True:
        async for record in reader.records(idle_timeout=idle):
            yield record
            if once and time.monotonic() > deadline:
                return
        # records() returned: idle for ``idle`` seconds
        if not pending or time.monotonic() > deadline:
            return
