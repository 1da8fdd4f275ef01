"""The ingest service: poll feeds, publish each new or edited item to ``news.articles``.

::

    feeds (RSS, RDF, Atom, ninjs JSON) ──GET, conditional──▶ items ──new/edited──▶ news.articles
                                                              │  └──rejected──────▶ news.deadletter
                                                              └── seen ids, hashes, ETags ──▶ wirewatch.ingest.seen
                                                                                              (compacted)

Each feed runs its own loop (:meth:`IngestService.run`): poll, then wait its interval, or a growing
back-off after an error, 429 or 503 (honouring ``Retry-After``), so a failing or hanging feed never
delays another. An item is published first and remembered as seen only once the broker has
acknowledged it, so a crash between the two publishes the item again (at least once, never lost);
a feed's ETag and Last-Modified are saved only after all its items are kept.

One ingest process per set of feeds: two processes polling the same feeds publish each item twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from agents.fetch import Fetched, PageFetcher, fetch
from agents.reader import TopicReader
from schemas import Article, DeadLetter
from schemas._base import utcnow
from schemas.codec import encode
from schemas.errors import InputError
from streams.ingest.config import FeedConfig
from streams.ingest.feeds import DocumentItem, read_document
from streams.ingest.fulltext import main_text
from streams.ingest.schedule import Backoff
from streams.ingest.seen import judge

__all__ = ["FeedMetrics", "IngestReport", "IngestService"]

_ITEM, _FEED, _REJECTED = "item:", "feed:", "rejected:"
#: a stopping service lets polls in progress finish for this long, then cancels them
_STOP_POLLS_S = 5.0


class FeedMetrics:
    """The ingest service's Prometheus metrics (served on its own web port)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("wirewatch_feed_polls_total", "Feed polls by outcome (ok, not_modified, http_error, "
                             "rate_limited, timeout, network_error, too_large, unreadable, publish_error)",
                             ["feed", "outcome"], registry=self.registry)
        self.items = Counter("wirewatch_feed_items_total", "Feed items by result (new, edited, unchanged, rejected)",
                             ["feed", "result"], registry=self.registry)
        self.pages = Counter("wirewatch_feed_pages_total", "full_text page fetches by outcome (ok, "
                             "robots_disallowed, no_text, and fetch outcomes)", ["outcome"], registry=self.registry)
        self.fetch_seconds = Histogram("wirewatch_feed_fetch_seconds", "Time to fetch a feed", ["feed"],
                                       buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=self.registry)
        self.last_success = Gauge("wirewatch_feed_last_success_timestamp_seconds",
                                  "Unix time of the feed's last successful poll (ok or not_modified)", ["feed"],
                                  registry=self.registry)
        self.seen_items = Gauge("wirewatch_feed_seen_items", "Item ids in the seen state", registry=self.registry)


@dataclass
class IngestReport:
    """One poll or one ``--once`` document: its outcome and its items by result."""

    feed: str
    outcome: str
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    rejected: int = 0
    error: str | None = None
    retry_after: float | None = None
    uris: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The feed answered and its items are kept (or it had not changed)."""
        return self.outcome in ("ok", "not_modified")

    def line(self) -> str:
        """A one-line human summary."""
        if not self.ok:
            return f"{self.feed}: {self.outcome}: {self.error}"
        if self.outcome == "not_modified":
            return f"{self.feed}: not modified (304)"
        total = self.new + self.edited + self.unchanged + self.rejected
        return (f"{self.feed}: {total} items: {self.new} new, {self.edited} edited, {self.unchanged} unchanged, "
                f"{self.rejected} rejected")

    def as_json(self) -> dict[str, Any]:
        """The report as a JSON object (``ingest --once --json``)."""
        return {"feed": self.feed, "outcome": self.outcome, "new": self.new, "edited": self.edited,
                "unchanged": self.unchanged, "rejected": self.rejected, "error": self.error, "uris": self.uris}


class IngestService:
    """Feeds in, articles out; the seen state in a compacted topic."""

    def __init__(self, settings: Any, log: logging.Logger, metrics: FeedMetrics | None = None) -> None:
        self.settings = settings
        self.log = log
        self.metrics = metrics or FeedMetrics()
        self.ready = False
        self.last: dict[str, IngestReport] = {}
        self._seen: dict[str, dict[str, Any]] = {}  # "item:<uri>" / "rejected:<hash>" / "feed:<url>"
        self._producer: AIOKafkaProducer | None = None
        self._client: httpx.AsyncClient | None = None
        self._pages: PageFetcher | None = None
        self._articles = settings.topic(settings.topic_articles)
        self._seen_topic = settings.topic(settings.topic_ingest_seen)
        self._dlq = settings.topic(settings.topic_deadletter)

    # -- lifecycle -----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Create the seen topic if missing, read it to its end, start the producer and HTTP client."""
        await _ensure_compacted(self.settings, self._seen_topic)
        async with TopicReader(self.settings.kafka_client_options(), [self._seen_topic], from_beginning=True) as r:
            for record in await r.read_to_end():
                key = record.key.decode("utf-8", "replace") if record.key else ""
                if record.value is None:
                    self._seen.pop(key, None)
                else:
                    self._seen[key] = orjson.loads(record.value)
        self.metrics.seen_items.set(sum(1 for k in self._seen if k.startswith(_ITEM)))
        self._producer = AIOKafkaProducer(acks="all", enable_idempotence=True,
                                          max_request_size=self.settings.max_request_bytes,
                                          **self.settings.kafka_client_options())
        await self._producer.start()
        timeout = httpx.Timeout(self.settings.ingest_fetch_timeout_s, connect=min(10.0, self.settings.ingest_fetch_timeout_s))
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=True, max_redirects=5,
                                         headers={"User-Agent": self.settings.ingest_user_agent})
        self._pages = PageFetcher(self._client, self.settings.ingest_user_agent, self.settings.ingest_host_delay_s,
                                  self.settings.ingest_fetch_timeout_s, self.settings.ingest_max_document_bytes)
        self.ready = True
        self.log.info("ingest ready", extra={"items": len(self._seen)})

    async def stop(self) -> None:
        """Flush what is in flight and close the producer and the HTTP client."""
        self.ready = False
        if self._client is not None:
            await self._client.aclose()
        if self._producer is not None:
            await self._producer.stop()

    async def run(self, feeds: Iterable[FeedConfig], stopping: asyncio.Event) -> None:
        """Poll every feed on its own schedule until ``stopping`` is set."""
        tasks = [asyncio.create_task(self._feed_loop(feed, stopping), name=f"feed {feed.label}") for feed in feeds]
        await stopping.wait()
        _, pending = await asyncio.wait(tasks, timeout=_STOP_POLLS_S)
        for task in pending:
            task.cancel()  # a poll cut short: its unacknowledged items are not marked seen, so polled again
        for task in pending:
            with suppress(asyncio.CancelledError):
                await task

    async def _feed_loop(self, feed: FeedConfig, stopping: asyncio.Event) -> None:
        backoff = Backoff(feed.interval_s, self.settings.ingest_backoff_max_s)
        while not stopping.is_set():
            report = await self.poll(feed)
            delay = backoff.success() if report.ok else backoff.failure(report.retry_after)
            level = logging.INFO if report.ok else logging.WARNING
            self.log.log(level, "polled %s", feed.label, extra={**_context(report), "delay_s": round(delay, 1)})
            with suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)

    # -- one poll ------------------------------------------------------------------------------------
    async def poll(self, feed: FeedConfig, conditional: bool = True) -> IngestReport:
        """Fetch ``feed`` (conditionally, with its saved validators) and ingest what it holds."""
        assert self._client is not None, "start() first"  # noqa: S101 - a programming error
        validators = self._seen.get(_FEED + feed.url, {}) if conditional else {}
        began = time.monotonic()
        fetched = await fetch(self._client, feed.url, headers=feed.headers, etag=validators.get("etag"),
                              last_modified=validators.get("last_modified"),
                              timeout_s=self.settings.ingest_fetch_timeout_s,
                              max_bytes=self.settings.ingest_max_document_bytes)
        self.metrics.fetch_seconds.labels(feed=feed.label).observe(time.monotonic() - began)
        if fetched.ok:
            report = await self.ingest(feed.label, feed.url, fetched.body, full_text=feed.full_text)
            if report.ok:
                await self._save_validators(feed.url, fetched)
        else:
            report = IngestReport(feed.label, fetched.outcome, error=fetched.error, retry_after=fetched.retry_after)
        self._count(report)
        return report

    async def ingest(self, label: str, source: str, data: bytes, *, full_text: bool = False) -> IngestReport:
        """Judge every item of a fetched body against the seen state; publish the new and the edited."""
        document = read_document(data)
        if document.error is not None:
            return IngestReport(label, "unreadable", error=str(document.error))
        report = IngestReport(label, "ok")
        # oldest first (feeds list the newest first), so the pipeline sees an original before its copies
        ordered = sorted(enumerate(document.items), key=lambda pair: _published_order(pair[1]))
        try:
            for index, item in ordered:
                await self._ingest_item(report, source, index, item, full_text)
        except Exception as exc:  # the broker refused or is unreachable: this poll is retried whole
            report.outcome, report.error = "publish_error", f"{type(exc).__name__}: {exc}"
        return report

    async def _ingest_item(self, report: IngestReport, source: str, index: int, item: DocumentItem,
                           full_text: bool) -> None:
        if item.article is None:
            await self._reject(report, source, index, item)
            return
        verdict = judge(item.article, self._seen.get(_ITEM + item.article.uri))
        if verdict.result == "unchanged":
            report.unchanged += 1
            return
        article = await self._with_full_text(verdict.article) if full_text else verdict.article
        await self._send(self._articles, article.uri.encode(), encode(article.model_dump(mode="json",
                                                                                        exclude_none=True)))
        await self._remember(_ITEM + article.uri, {**verdict.record, "at": time.time()})
        setattr(report, verdict.result, getattr(report, verdict.result) + 1)
        report.uris.append(article.uri)

    async def _reject(self, report: IngestReport, source: str, index: int, item: DocumentItem) -> None:
        """Dead-letter a rejected item once (the same bad item in later polls is only counted)."""
        report.rejected += 1
        key = _REJECTED + _digest(item.raw)
        if key in self._seen:
            return
        error = item.error or InputError("rejected")
        letter = DeadLetter(exception=f"{type(error).__module__}.{type(error).__qualname__}",
                            message=f"{source}#{item.location}: {error}", source_topic=f"feed:{source}",
                            source_partition=-1, source_offset=index, reason=error.reason, stage="ingest",
                            failed_at=utcnow().isoformat())
        await self._send(self._dlq, None, item.raw, headers=letter.to_headers())
        await self._remember(key, {"at": time.time()})
        self.log.warning("rejected item dead-lettered: %s", letter.message,
                         extra={"feed": report.feed, "reason": error.reason})

    async def _with_full_text(self, article: Article) -> Article:
        """The article with its page's main text as body, when robots.txt allows and a text is found."""
        assert self._pages is not None  # noqa: S101
        html, outcome = await self._pages.page(article.url or article.uri)
        text = main_text(html, article.url) if html is not None else None
        if html is not None and not text:
            outcome = "no_text"
        self.metrics.pages.labels(outcome=outcome).inc()
        if not text:
            return article
        paragraphs = text.split("\n\n")
        if paragraphs and paragraphs[0].strip() == article.headline.strip():
            paragraphs = paragraphs[1:]  # the page's own title
        return article.model_copy(update={"body_text": "\n\n".join(paragraphs) or article.body_text})

    # -- Kafka ---------------------------------------------------------------------------------------
    async def _send(self, topic: str, key: bytes | None, value: bytes,
                    headers: list[tuple[str, bytes]] | None = None) -> None:
        assert self._producer is not None  # noqa: S101
        await self._producer.send_and_wait(topic, value=value, key=key, headers=headers)

    async def _remember(self, key: str, value: dict[str, Any]) -> None:
        await self._send(self._seen_topic, key.encode(), orjson.dumps(value))
        if key.startswith(_ITEM) and key not in self._seen:
            self.metrics.seen_items.inc()
        self._seen[key] = value

    async def _save_validators(self, url: str, fetched: Fetched) -> None:
        value = {"etag": fetched.etag, "last_modified": fetched.last_modified}
        if value == {k: self._seen.get(_FEED + url, {}).get(k) for k in value}:
            return
        try:
            await self._remember(_FEED + url, value)
        except Exception as exc:  # not saved: the next poll is a full GET, and its items are seen anyway
            self.log.warning("could not save the validators of %s: %s: %s", url, type(exc).__name__, exc)

    def _count(self, report: IngestReport) -> None:
        self.last[report.feed] = report
        self.metrics.polls.labels(feed=report.feed, outcome=report.outcome).inc()
        for result in ("new", "edited", "unchanged", "rejected"):
            if getattr(report, result):
                self.metrics.items.labels(feed=report.feed, result=result).inc(getattr(report, result))
        if report.ok:
            self.metrics.last_success.labels(feed=report.feed).set(time.time())


def _published_order(item: DocumentItem) -> tuple[int, float]:
    published = item.article.published if item.article is not None else None
    return (0, published.timestamp()) if published is not None else (1, 0.0)


def _context(report: IngestReport) -> dict[str, Any]:
    return {"feed": report.feed, "outcome": report.outcome, "new": report.new, "edited": report.edited,
            "unchanged": report.unchanged, "rejected": report.rejected, "error": report.error}


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


async def _ensure_compacted(settings: Any, topic: str) -> None:
    """Create the seen topic (one partition, compacted) unless it exists."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(**settings.kafka_client_options())
    await admin.start()
    try:
        if topic in set(await admin.list_topics()):
            return
        with suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(topic, 1, settings.replication_factor,
                                                topic_configs={"cleanup.policy": "compact"})])
    finally:
        await admin.close()

