"""The Faust app: topics, agents and web endpoints, built from one :class:`Settings`.

::

    news.articles ──enrich──▶ wirewatch.stories.in ──stories──▶ news.articles.enriched ──alerts──┐
          │                     (one partition)         └──────▶ news.events.updates ──updates──┤
          │                                                                                      ▼
          │     news.alerts.deadletter ◀── webhooks ◀── news.alerts ◀──gate── wirewatch.alerts.candidates
          └──────── bad input (any agent) ──────────▶ news.deadletter          (one partition)

enrich extracts in parallel (any number of partitions and workers); stories sees every article in
one partition, marks near-duplicates, links the article to its story in a changelog-backed table and
publishes the enriched record and the story's event updates (README "Stories"). alerts and updates
turn records into alert candidates routed by actor or story; gate drops the ones already published
or throttled and keeps stance memories (table ``alert_gate``); webhooks POSTs each alert to the
subscriptions that want it (table ``webhook_pending``; :mod:`agents.alerting`).

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
import orjson
from faust.types import TP
from prometheus_client import generate_latest

from agents import transport
from agents.alerting import PendingTable
from agents.deadletter import Failure, dead_letter
from agents.delivery import DeliveryAborted, PermanentDeliveryError, deliver
from agents.extractor import Extracted, ExtractorPool, build_pipeline
from agents.liveness import Progress
from agents.logs import get_logger, message_context
from agents.metrics import Metrics, WebhookCounters, open_stories
from agents.readiness import Readiness
from agents.settings import Settings
from agents.shutdown import Shutdown
from agents.stories import PublishedUpdates, TrackerHolder, decode_story_input, story_config
from agents.tables import TableStore
from agents.webhooks import WebhookDeliverer, WebhookPolicy
from schemas import Alert, EnrichedArticle
from schemas.codec import decode_model, encode
from schemas.errors import InputError, OutputTooLargeError
from schemas.event_update import EventUpdate
from streams.alerts.gate import expired_keys
from streams.alerts.routed import (
    GateOutcome,
    decode_routed,
    encode_candidate,
    encode_stance,
    pass_gate,
)
from streams.alerts.rules import AlertRules
from streams.alerts.shifts import expired_stance_keys
from streams.alerts.subscriptions import Subscriptions
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
    progress: Progress


class _Tombstone:
    """A record with a null value: passed on as a tombstone, never extracted nor dead-lettered."""


_TOMBSTONE = _Tombstone()

#: how often the gate and the webhooks table drop what their retention no longer covers
_EXPIRE_EVERY_S = 60.0


def create_app(settings: Settings) -> Runtime:
    """Create the worker app with its agents, timers and web endpoints."""
    log = get_logger(settings.log_level)
    metrics = Metrics()
    shutdown = Shutdown(settings.shutdown_grace_s, log)
    extractor = ExtractorPool(settings, log, on_restart=lambda why: metrics.extractor_restarts.labels(reason=why).inc())
    rules = AlertRules.load(settings.rules_file, TopicLexicon.load(settings.topics_file))
    subscriptions = (Subscriptions.load(settings.subscriptions_file, frozenset(settings.webhook_allowed_hosts))
                     if settings.subscriptions_file else None)
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
                     settings.topic_event_updates, settings.topic_alert_candidates, settings.topic_alerts,
                     settings.topic_alert_deadletter, settings.topic_deadletter,
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
    published_updates = PublishedUpdates(settings.kafka_client_options(), updates.get_topic_name(), shutdown.stopping,
                                         log)
    story_tracker: dict[str, Any] = {"seen": None}  # the tracker the gauge reads: the last one the agent used
    metrics.stories_open.read_from(
        lambda: [((), open_stories(story_tracker["seen"]))] if story_tracker["seen"] is not None else [])
    candidates_topic, alert_dlq = topic[settings.topic_alert_candidates], topic[settings.topic_alert_deadletter]
    # One partition, like the candidates topic: every actor's and story's gate state in one place (README: Alerts)
    gate = TableStore(app.Table("alert_gate", default=None, partitions=1, key_type=bytes, value_type=bytes))
    gate_expired_at = {"t": time.monotonic()}
    agents = (["enrich", "stories", "alerts", "updates", "gate"] + (["webhooks"] if subscriptions else [])
              + (["passthrough"] if settings.passthrough_enabled else []))
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
        story_tracker["seen"] = stories.tracker
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
            if await published_updates.seen(update.id):
                # the replay of the article in flight at a crash: this update went out before it
                log.info("event update already published; not sent again", extra={**context, "update_id": update.id})
                continue
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

    async def route_findings(message: Any) -> list[tuple[str, bytes]]:
        if message.value is None:
            metrics.tombstones.labels(agent="alerts").inc()
            return []
        record = decode_model(EnrichedArticle, message.value)  # a syndicated copy raises nothing (rules)
        routed = [(c.route, encode_candidate(c)) for c in rules.candidates(record, datetime.now(UTC))]
        return routed + [(o.route, encode_stance(o)) for o in rules.stance_observations(record)]

    async def route_update(message: Any) -> list[tuple[str, bytes]]:
        if message.value is None:
            metrics.tombstones.labels(agent="updates").inc()
            return []
        update = decode_model(EventUpdate, message.value)
        return [(c.route, encode_candidate(c)) for c in rules.update_candidates(update, datetime.now(UTC))]

    async def publish_routed(message: Any, routed: list[tuple[str, bytes]]) -> None:
        for route, value in routed:
            await driver.send(candidates_topic, route.encode(), value)

    async def decide_routed(message: Any) -> GateOutcome | _Tombstone:
        if message.value is None:
            return _TOMBSTONE
        return pass_gate(gate, decode_routed(message.value), rules, datetime.now(UTC), settings.alert_id_retention_s)

    async def publish_admitted(message: Any, outcome: GateOutcome | _Tombstone) -> None:
        if isinstance(outcome, _Tombstone):
            metrics.tombstones.labels(agent="gate").inc()
            return
        context = message_context(message.topic, message.partition, message.offset)
        for candidate in outcome.published:
            item = candidate.alert
            await driver.send(alerts, item.id.encode(), encode(item))
            metrics.alerts.labels(type=item.type).inc()
            log.info("alert", extra={**context, "uri": item.article_uri, "alert_id": item.id, "rule": item.rule})
        for candidate, reason in outcome.dropped:
            metrics.alerts_suppressed.labels(reason=reason).inc()
            log.info("alert suppressed", extra={**context, "uri": candidate.alert.article_uri, "reason": reason,
                                                "alert_id": candidate.alert.id})
        for key, value in outcome.writes.items():  # after publishing: a crash before replays, never loses
            gate[key] = value
        if time.monotonic() - gate_expired_at["t"] > _EXPIRE_EVERY_S:
            gate_expired_at["t"] = time.monotonic()
            now = datetime.now(UTC)
            for key in expired_keys(gate, now, settings.alert_id_retention_s) + expired_stance_keys(
                    gate, now, settings.stance_memory_s):
                del gate[key]
        await app.producer.flush()  # the table's changelog before the input's ack

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
        published_updates.reset()
        story_tracker["seen"] = None

    @app.agent(enriched, name="alerts")
    async def alert(stream: Any) -> None:
        """Evaluate the alert rules on each enriched record; route the candidates and stances to the gate."""
        await driver.run(stream, "alerts", route_findings, publish_routed)

    @app.agent(updates, name="updates")
    async def update_alerts(stream: Any) -> None:
        """Evaluate the event-update and new-story rules on each event update; route the candidates."""
        await driver.run(stream, "updates", route_update, publish_routed)

    @app.agent(candidates_topic, name="gate")
    async def alert_gate(stream: Any) -> None:
        """Drop candidates published before or throttled, turn stance changes into shifts, publish alerts."""
        await driver.run(stream, "gate", decide_routed, publish_admitted)

    if subscriptions:
        _add_webhooks(app, settings, subscriptions, driver, alerts, alert_dlq, metrics, log)

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

    readiness = Readiness(app, {t.get_topic_name() for t in topic.values()})
    metrics.consumer_lag.read_from(lambda: [  # at scrape time: only the partitions assigned now
        ((name, str(partition)), lag)
        for name, partition, lag in progress.partition_lag(readiness.assigned(), readiness.committed)
    ] if readiness.settled() else [])
    _add_web_endpoints(app, metrics, progress, readiness)
    return Runtime(app=app, settings=settings, metrics=metrics, shutdown=shutdown, extractor=extractor,
                   progress=progress)


def _add_webhooks(app: faust.App, settings: Settings, subscriptions: Subscriptions, driver: _Driver, alerts: Any,
                  alert_dlq: Any, metrics: Metrics, log: Any) -> None:
    """The webhooks agent and the lifecycle of its deliverer (:mod:`agents.alerting`)."""
    alerts_topic = alerts.get_topic_name()
    table = app.Table("webhook_pending", default=None, partitions=settings.partitions, key_type=bytes,
                      value_type=bytes, use_partitioner=True)
    pending = PendingTable(table, settings.partitions, owned=lambda: {
        tp.partition for tp in app.consumer.assignment() if tp.topic == alerts_topic})
    policy = WebhookPolicy(max_attempts=settings.webhook_max_attempts, backoff_base_s=settings.webhook_backoff_base_s,
                           backoff_max_s=settings.webhook_backoff_max_s,
                           retry_after_max_s=settings.webhook_retry_after_max_s,
                           connect_timeout_s=settings.webhook_connect_timeout_s)

    async def dead_letter_delivery(record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        value = orjson.dumps({"reason": record.get("reason"), "subscription": record.get("subscription"),
                              "webhook_id": record.get("webhook_id"), "attempts": record.get("attempts"),
                              "alert": record.get("alert"), "history": history})
        await driver.send(alert_dlq, str(record["alert"]["id"]).encode(), value)
        metrics.dead_letters.labels(reason=str(record.get("reason")), stage="webhooks").inc()

    deliverer = WebhookDeliverer(subscriptions, policy, pending, dead_letter_delivery, WebhookCounters(metrics), log)

    async def decode_alert(message: Any) -> Alert | _Tombstone:
        return _TOMBSTONE if message.value is None else decode_model(Alert, message.value)

    async def submit(message: Any, item: Alert | _Tombstone) -> None:
        if isinstance(item, _Tombstone):
            metrics.tombstones.labels(agent="webhooks").inc()
            return
        if pending.known(item.id):  # a replayed alert record: its deliveries are pending or done
            return
        if deliverer.submit(item):
            await app.producer.flush()  # the pending records' changelog before the input's ack
        metrics.webhook_pending.set(deliverer.pending)

    @app.agent(alerts, name="webhooks")
    async def webhooks(stream: Any) -> None:
        """Record each alert's deliveries in the pending table; the deliverer POSTs them in the background."""
        await driver.run(stream, "webhooks", decode_alert, submit)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def stop_deliveries(sender: Any, *args: Any, **kwargs: Any) -> None:
        await deliverer.close()  # the new owner of a partition resumes its pending deliveries

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]
    async def resume_deliveries(sender: Any, *args: Any, **kwargs: Any) -> None:
        await deliverer.start()
        deliverer.resume()
        metrics.webhook_pending.set(deliverer.pending)

    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def close_deliveries(sender: Any, *args: Any, **kwargs: Any) -> None:
        await deliverer.close()

    @app.timer(interval=_EXPIRE_EVERY_S)
    async def expire_deliveries() -> None:
        pending.expire(time.time(), settings.alert_id_retention_s)
        metrics.webhook_pending.set(deliverer.pending)


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
        sent = await deliver(target, key=key, value=value, retry_max_s=self._settings.delivery_retry_max_s,
                             log=self._log, on_retry=self._metrics.delivery_retries.labels(topic=name).inc,
                             stopping=self._shutdown.stopping)
        self._metrics.messages_out.labels(topic=name).inc()
        return sent

    async def run(self, stream: Any, stage: str, compute: Compute, publish: Publish) -> None:
        """Process ``stream`` one record at a time; ack each only once its outputs are acknowledged."""
        manual = stream.noack()
        async for event in manual.events():
            message = event.message
            if self._shutdown.stopping.is_set():
                break  # taken but not processed: not acked, so reprocessed after the restart
            self._progress.begin(stage, message)
            self._metrics.messages_in.labels(topic=message.topic).inc()
            try:
                await self._process(stage, message, compute, publish)
            except DeliveryAborted:
                self._log.info("stopping with a record in flight; it is reprocessed after the restart",
                               extra=message_context(message.topic, message.partition, message.offset))
                break
            await manual.ack(event)
            self._progress.end(stage, message)  # after the ack: a SIGTERM drain waits for both
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
            self._metrics.messages_out.labels(topic=name).inc()
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
    """Faust's broker credentials for the configured security protocol (None for PLAINTEXT).

    Faust hands them to every client its aiokafka transport (and :mod:`agents.transport`) creates:
    the consumer, the producers and the topic creation through the producer's client.
    """
    context = settings.kafka_ssl_context()
    if not settings.kafka_sasl_mechanism:
        return faust.SSLCredentials(context) if context is not None else None
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    # with a context Faust speaks SASL_SSL, without one SASL_PLAINTEXT
    return faust.SASLCredentials(username=settings.kafka_sasl_username or "", password=password,
                                 mechanism=settings.kafka_sasl_mechanism, ssl_context=context)


def _add_web_endpoints(app: faust.App, metrics: Metrics, progress: Progress, readiness: Readiness) -> None:
    @app.page("/metrics")
    async def prometheus(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry), content_type="text/plain; version=0.0.4")

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:  # the process and its event loop answer: nothing else
        return web.json({"status": "ok", "time": time.time()})

    @app.page("/live")
    async def live(web: Any, request: Any) -> Any:
        agents = progress.check()
        stuck = sorted(name for name, state in agents.items() if state["stuck"])
        return web.json({"live": not stuck, "stuck": stuck, "agents": agents}, status=503 if stuck else 200)

    @app.page("/ready")
    async def ready(web: Any, request: Any) -> Any:  # joined, tables recovered, broker answers, none stuck
        stuck = sorted(name for name, state in progress.check().items() if state["stuck"])
        report = await readiness.check(stuck)
        return web.json(report, status=200 if report["ready"] else 503)
