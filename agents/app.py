"""The Faust app: topics, agents and web endpoints, built from one :class:`Settings`.

::

    news.articles ──enrich──▶ wirewatch.stories.in ──stories──▶ news.articles.enriched ──alerts──▶ news.alerts
          │                     (one partition)         │  └──────▶ news.events.updates
          └──────── bad input ──────────────────────────┴──────────────────────▶ news.deadletter

enrich extracts in parallel (any number of partitions and workers); stories sees every article in
one partition, marks near-duplicates, links the article to its story in a changelog-backed table and
publishes the enriched record and the story's event updates (README "Stories").

Every agent runs one loop (:func:`_Driver.run`): take a record, compute (extraction runs in
:class:`~agents.extractor.ExtractorPool` processes, off the event loop), publish and wait for the
broker's ack, then ack the input. Bad input, a timeout, or an output the broker refuses for good goes
to the dead-letter topic with its reason; a record that cannot even be dead-lettered stops the
worker (:meth:`~agents.shutdown.Shutdown.fatal`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust
from faust.types import TP
from prometheus_client import generate_latest

from agents import transport
from agents.deadletter import Failure, dead_letter
from agents.delivery import DeliveryAborted, PermanentDeliveryError, deliver
from agents.extractor import Extracted, ExtractorPool, build_pipeline
from agents.liveness import Progress
from agents.logs import get_logger, message_context
from agents.metrics import Metrics
from agents.settings import Settings
from agents.shutdown import Shutdown
from agents.stories import TrackerHolder, decode_story_input, story_config
from schemas import Alert, EnrichedArticle
from schemas.codec import decode_model, encode
from schemas.errors import InputError, OutputTooLargeError
from streams.alerts.rules import AlertRules
from streams.ingest.normalise import article_from_bytes
from streams.topics.lexicon import TopicLexicon

__all__ = ["Runtime", "build_pipeline", "create_app"]

Compute = Callable[[Any], Awaitable[Any]]
Publish = Callable[[Any, Any], Awaitable[None]]


@dataclass
class Runtime:
    """The app and what its worker needs to run and stop it."""

    app: faust.App
    settings: Settings
    metrics: Metrics
    shutdown: Shutdown
    extractor: ExtractorPool


class _Tombstone:
    """A record with a null value: passed on as a tombstone, never extracted nor dead-lettered."""


_TOMBSTONE = _Tombstone()


def create_app(settings: Settings) -> Runtime:
    """Create the worker app with its agents, timers and web endpoints."""
    log = get_logger(settings.log_level)
    metrics = Metrics()
    shutdown = Shutdown(settings.shutdown_grace_s, log)
    extractor = ExtractorPool(settings, log, on_restart=lambda why: metrics.extractor_restarts.labels(reason=why).inc())
    rules = AlertRules.load(settings.rules_file, TopicLexicon.load(settings.topics_file))
    scheme = transport.register(settings.reconnect_backoff_s, shutdown.stopping)
    app = faust.App(
        settings.app_id,
        broker=f"{scheme}://{settings.kafka_bootstrap}",
        broker_credentials=_credentials(settings),
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.heartbeat_interval_s,
        broker_max_poll_interval=settings.max_poll_interval_s,
        broker_commit_interval=settings.commit_interval_s,
        producer_max_request_size=settings.max_request_bytes,
        producer_request_timeout=settings.produce_timeout_s,
        consumer_max_fetch_size=settings.max_request_bytes,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        producer_acks=-1,
        stream_publish_on_commit=False,
        consumer_auto_offset_reset="earliest",
        datadir=str(settings.data_dir),
        store=settings.store,
        web_enabled=settings.web_enabled,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
    )
    topic = {
        name: app.topic(settings.topic(name), key_type=bytes, value_type=bytes, key_serializer="raw",
                        value_serializer="raw", partitions=settings.topic_partitions(name),
                        replicas=settings.replication_factor,
                        config={"max.message.bytes": str(settings.topic_max_message_bytes(name))})
        for name in (settings.topic_articles, settings.topic_story_input, settings.topic_enriched,
                     settings.topic_event_updates, settings.topic_alerts, settings.topic_deadletter,
                     settings.topic_passthrough_in, settings.topic_passthrough_out)
    }
    articles, story_input = topic[settings.topic_articles], topic[settings.topic_story_input]
    enriched, updates = topic[settings.topic_enriched], topic[settings.topic_event_updates]
    alerts, dlq = topic[settings.topic_alerts], topic[settings.topic_deadletter]
    # One partition, like its source topic: every story is visible to the one agent that links (README).
    # Keys and values are raw bytes (the app's serializers); agents.stories.TableStore does the JSON.
    story_table = app.Table("stories", default=None, partitions=1, key_type=bytes, value_type=bytes,
                            use_partitioner=True)
    stories = TrackerHolder(story_table, story_config(settings))
    agents = ["enrich", "stories", "alerts"] + (["passthrough"] if settings.passthrough_enabled else [])
    progress = Progress(agents, settings.stall_timeout_s, metrics,
                        highwater=lambda t, p: _highwater(app, t, p))
    driver = _Driver(settings, metrics, shutdown, progress, dlq, log)

    async def extract(message: Any) -> Extracted | Failure | _Tombstone:
        if message.value is None:
            return _TOMBSTONE
        return await extractor.extract(message.value, _timestamp(message))

    async def publish_extracted(message: Any, result: Extracted | _Tombstone) -> None:
        if isinstance(result, _Tombstone):
            await driver.send(story_input, message.key, None)
            metrics.tombstones.labels(agent="enrich").inc()
            return
        if len(result.value) > settings.max_output_bytes:
            raise OutputTooLargeError(f"the enriched record of {result.uri!r} is {len(result.value):,} bytes, "
                                      f"over max_output_bytes={settings.max_output_bytes:,}")
        await driver.send(story_input, result.uri.encode(), result.story_input)
        metrics.statements.inc(result.statements)
        metrics.extract_seconds.observe(result.seconds)
        log.info("extracted", extra={**message_context(message.topic, message.partition, message.offset, result.uri),
                                     "actors": result.actors, "statements": result.statements})

    async def observe_story(message: Any) -> Any:
        if message.value is None:
            return _TOMBSTONE
        record, features = decode_story_input(message.value)
        return record, stories.tracker.observe(record, features)

    async def publish_story(message: Any, result: Any) -> None:
        if isinstance(result, _Tombstone):
            await driver.send(enriched, message.key, None)
            metrics.tombstones.labels(agent="stories").inc()
            return
        record, seen = result
        context = message_context(message.topic, message.partition, message.offset, record.uri)
        record = record.model_copy(update={"duplicate_of": seen.duplicate_of, "story_id": seen.story_id})
        await driver.send(enriched, record.uri.encode(), encode(record))
        metrics.articles.inc()
        if seen.applied_before:
            # a replay after a restart, or the same article sent again: the story already has it, so
            # no update; the enriched record goes out again (at least once, the same story and copy)
            metrics.replays_skipped.inc()
            log.info("already applied; enriched record sent again, no update", extra=context)
            return
        for update in seen.updates:
            await driver.send(updates, update.story_id.encode(), encode(update))
            metrics.event_updates.labels(change=update.change).inc()
        stories.tracker.apply(seen)
        metrics.stories_tracked.set(len(stories.tracker.index.story_keys))
        # the table's changelog records are buffered: have them acknowledged before the input is,
        # so a restart finds this article applied and publishes nothing twice
        await app.producer.flush()
        if seen.duplicate_of:
            metrics.duplicates.inc()
        metrics.end_to_end_seconds.observe(max(0.0, (datetime.now(UTC) - record.ingested_at).total_seconds()))
        log.info("enriched", extra={**context, "story_id": seen.story_id, "duplicate_of": seen.duplicate_of,
                                    "updates": len(seen.updates)})

    async def evaluate_rules(message: Any) -> tuple[str, list[Alert]]:
        if message.value is None:
            metrics.tombstones.labels(agent="alerts").inc()
            return "", []
        record = decode_model(EnrichedArticle, message.value)
        if record.duplicate_of:  # a syndicated copy raises nothing its original did not
            return record.uri, []
        return record.uri, rules.evaluate(record, datetime.now(UTC))

    async def publish_alerts(message: Any, found: tuple[str, list[Alert]]) -> None:
        uri, alerts_found = found
        for item in alerts_found:
            await driver.send(alerts, item.id.encode(), encode(item))
            metrics.alerts.labels(type=item.type).inc()
            log.info("alert", extra={**message_context(message.topic, message.partition, message.offset, uri),
                                     "alert_id": item.id})

    @app.agent(articles, name="enrich")
    async def enrich(stream: Any) -> None:
        """Decode each article, extract its findings, pass them to the stories agent."""
        await driver.run(stream, "enrich", extract, publish_extracted)

    @app.agent(story_input, name="stories")
    async def track(stream: Any) -> None:
        """Mark near-duplicates, link each article to its story, publish the enriched record and updates."""
        await driver.run(stream, "stories", observe_story, publish_story)

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]  # mode's stub wants a positional-only sender
    async def forget_story_indexes(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        stories.reset()

    @app.agent(enriched, name="alerts")
    async def alert(stream: Any) -> None:
        """Evaluate the alert rules on each enriched record and publish the alerts."""
        await driver.run(stream, "alerts", evaluate_rules, publish_alerts)

    if settings.passthrough_enabled:
        passthrough_out = topic[settings.topic_passthrough_out]

        async def validate(message: Any) -> bytes:
            return article_from_bytes(message.value or b"", settings.max_record_bytes).uri.encode()

        async def republish(message: Any, key: bytes) -> None:
            await driver.send(passthrough_out, key, message.value)

        @app.agent(topic[settings.topic_passthrough_in], name="passthrough")
        async def passthrough(stream: Any) -> None:
            """The framework's ceiling for bench/: decode and validate, no extraction, re-publish."""
            await driver.run(stream, "passthrough", validate, republish)

    @app.task
    async def start_extractor() -> None:
        await extractor.start()

    @app.timer(interval=1.0)
    async def watch_progress() -> None:
        progress.check()

    _add_web_endpoints(app, metrics, progress, {t.get_topic_name() for t in topic.values()})
    return Runtime(app=app, settings=settings, metrics=metrics, shutdown=shutdown, extractor=extractor)


class _Driver:
    """The loop every agent runs: compute, dead-letter on failure, publish, ack."""

    def __init__(self, settings: Settings, metrics: Metrics, shutdown: Shutdown, progress: Progress, dlq: Any,
                 log: Any) -> None:
        self._settings = settings
        self._metrics = metrics
        self._shutdown = shutdown
        self._progress = progress
        self._dlq = dlq
        self._log = log

    async def send(self, target: Any, key: bytes | None, value: bytes | None) -> Any:
        """Deliver one record, retrying what can succeed (see :func:`agents.delivery.deliver`)."""
        name = target.get_topic_name()
        return await deliver(target, key=key, value=value, retry_max_s=self._settings.delivery_retry_max_s,
                             log=self._log, on_retry=self._metrics.delivery_retries.labels(topic=name).inc,
                             stopping=self._shutdown.stopping)

    async def run(self, stream: Any, stage: str, compute: Compute, publish: Publish) -> None:
        """Process ``stream`` one record at a time; ack each only once its outputs are acknowledged."""
        manual = stream.noack()
        async for event in manual.events():
            message = event.message
            if self._shutdown.stopping.is_set():
                break  # taken but not processed: not acked, so reprocessed after the restart
            self._progress.begin(stage, message)
            try:
                await self._process(stage, message, compute, publish)
            except DeliveryAborted:
                self._log.info("stopping with a record in flight; it is reprocessed after the restart",
                               extra=message_context(message.topic, message.partition, message.offset))
                break
            self._progress.end(stage, message)
            await manual.ack(event)
        await asyncio.Future()  # stopping: wait here until Faust cancels the agent

    async def _process(self, stage: str, message: Any, compute: Compute, publish: Publish) -> None:
        try:
            result = await compute(message)
        except Exception as exc:  # bad input or a bug in a stage: dead-letter it, keep going
            result = Failure.from_exception(exc)
        if isinstance(result, Failure):
            await self._dead_letter(stage, message, result)
            return
        try:
            await publish(message, result)
        except PermanentDeliveryError as exc:
            self._metrics.permanent_delivery_failures.labels(topic=exc.topic, reason=exc.reason).inc()
            await self._dead_letter(stage, message, Failure.from_exception(exc.cause, reason=exc.reason))
        except InputError as exc:
            await self._dead_letter(stage, message, Failure.from_exception(exc))

    async def _dead_letter(self, stage: str, message: Any, failure: Failure) -> None:
        name = self._dlq.get_topic_name()
        try:
            await dead_letter(self._dlq, message, failure, stage=stage, metrics=self._metrics, log=self._log,
                              retry_max_s=self._settings.delivery_retry_max_s,
                              on_retry=self._metrics.delivery_retries.labels(topic=name).inc,
                              stopping=self._shutdown.stopping)
        except PermanentDeliveryError as exc:
            self._shutdown.fatal(f"record {message.topic}:{message.partition}:{message.offset} could not be "
                                 f"dead-lettered ({failure.reason})", exc.cause)


def _highwater(app: faust.App, topic: str, partition: int) -> int | None:
    try:
        return int(app.consumer.highwater(TP(topic, partition)))
    except Exception:  # not assigned (any more), or not fetched yet
        return None


def _timestamp(message: Any) -> datetime | None:
    if message.timestamp is None or message.timestamp <= 0:
        return None
    return datetime.fromtimestamp(message.timestamp, UTC)


def _credentials(settings: Settings) -> Any:
    if not settings.kafka_sasl_mechanism:
        return None
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    return faust.SASLCredentials(username=settings.kafka_sasl_username or "", password=password,
                                 mechanism=settings.kafka_sasl_mechanism)


def _add_web_endpoints(app: faust.App, metrics: Metrics, progress: Progress, inputs: set[str]) -> None:
    @app.page("/metrics")
    async def prometheus(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry), content_type="text/plain; version=0.0.4")

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        return web.json({"status": "ok", "time": time.time()})

    @app.page("/live")
    async def live(web: Any, request: Any) -> Any:
        agents = progress.check()
        stuck = sorted(name for name, state in agents.items() if state["stuck"])
        return web.json({"live": not stuck, "stuck": stuck, "agents": agents}, status=503 if stuck else 200)

    @app.page("/ready")
    async def ready(web: Any, request: Any) -> Any:
        # the agents' input partitions: a table's changelog partitions (standbys too) are not work
        assigned = sorted(f"{tp.topic}:{tp.partition}" for tp in app.consumer.assignment() if tp.topic in inputs)
        stuck = sorted(name for name, state in progress.check().items() if state["stuck"])
        ok = bool(assigned) and not stuck
        return web.json({"ready": ok, "assigned": assigned, "stuck": stuck}, status=200 if ok else 503)
