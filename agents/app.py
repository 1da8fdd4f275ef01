"""The Faust app: topics, agents and web endpoints, built from one :class:`Settings`.

::

    news.articles ──enrich──▶ news.articles.enriched ──alerts──▶ news.alerts
          │                                │
          └──────── bad input ─────────────┴──────▶ news.deadletter
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import faust
from prometheus_client import generate_latest

from agents.deadletter import dead_letter
from agents.delivery import deliver
from agents.logs import get_logger, message_context
from agents.metrics import Metrics
from agents.settings import Settings
from schemas import Alert, EnrichedArticle
from schemas._base import utcnow
from schemas.codec import decode_model, encode
from streams.alerts import AlertRules
from streams.normalise import article_from_bytes
from streams.pipeline import Pipeline
from streams.resources import Resources

__all__ = ["build_pipeline", "create_app"]


def build_pipeline(settings: Settings) -> Pipeline:
    """The extraction pipeline configured by ``settings`` (loads models and data files)."""
    resources = Resources(actors_file=settings.actors_file, topics_file=settings.topics_file,
                          stance_lexicon_file=settings.stance_lexicon_file,
                          stance_model_file=settings.stance_model_file, spacy_model=settings.spacy_model,
                          ner_cache_size=settings.ner_cache_size)
    return Pipeline(resources, settings.stages)


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> faust.App:
    """Create the worker app; ``pipeline`` defaults to :func:`build_pipeline`."""
    pipeline = pipeline or build_pipeline(settings)
    rules = AlertRules.load(settings.alert_rules_file, pipeline.resources.topics)
    log = get_logger(settings.log_level)
    metrics = Metrics()
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        broker_credentials=_credentials(settings),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        producer_acks=-1,
        stream_publish_on_commit=False,
        consumer_auto_offset_reset="earliest",
        datadir=str(settings.data_dir),
        store="memory://",
        web_enabled=settings.web_enabled,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
    )
    topic = {
        name: app.topic(settings.topic(name), key_type=bytes, value_type=bytes, key_serializer="raw",
                        value_serializer="raw", partitions=settings.partitions,
                        replicas=settings.replication_factor)
        for name in (settings.topic_articles, settings.topic_enriched, settings.topic_alerts,
                     settings.topic_deadletter, settings.topic_passthrough_in, settings.topic_passthrough_out)
    }
    articles, enriched = topic[settings.topic_articles], topic[settings.topic_enriched]
    alerts, dlq = topic[settings.topic_alerts], topic[settings.topic_deadletter]
    retry = settings.delivery_retry_max_s

    def send(target: Any, key: bytes | None, value: bytes) -> Any:
        return deliver(target, key=key, value=value, retry_max_s=retry, log=log,
                       on_retry=metrics.delivery_retries.labels(topic=target.get_topic_name()).inc)

    async def each_event(stream: Any, stage: str, compute: Any, publish: Any) -> None:
        """Drive one agent: ``compute`` each message (failures go to the dead-letter topic),
        ``publish`` the result (waits for the broker's ack), then ack the input event."""
        manual = stream.noack()
        async for event in manual.events():
            message = event.message
            try:
                result = compute(message)
            except Exception as exc:  # bad input or a bug in a stage: dead-letter it, keep going
                await dead_letter(dlq, event, exc, stage=stage, metrics=metrics, log=log, retry_max_s=retry)
            else:
                await publish(message, result)
            await manual.ack(event)

    def extract(message: Any) -> EnrichedArticle:
        article = article_from_bytes(message.value or b"", settings.max_record_bytes)
        started = time.perf_counter()
        record = pipeline.extract(article, ingested_at=_timestamp(message))
        metrics.extract_seconds.observe(time.perf_counter() - started)
        return record

    async def publish_enriched(message: Any, record: EnrichedArticle) -> None:
        await send(enriched, record.uri.encode(), encode(record))
        metrics.articles.inc()
        metrics.statements.inc(len(record.statements))
        metrics.end_to_end_seconds.observe(max(0.0, (utcnow() - record.ingested_at).total_seconds()))
        log.info("enriched", extra={**message_context(message.topic, message.partition, message.offset, record.uri),
                                    "actors": len(record.actors), "statements": len(record.statements)})

    def evaluate_rules(message: Any) -> tuple[str, list[Alert]]:
        record = decode_model(EnrichedArticle, message.value or b"")
        return record.uri, rules.evaluate(record, utcnow())

    async def publish_alerts(message: Any, found: tuple[str, list[Alert]]) -> None:
        uri, alerts_found = found
        for item in alerts_found:
            await send(alerts, item.id.encode(), encode(item))
            metrics.alerts.labels(type=item.type).inc()
            log.info("alert", extra={**message_context(message.topic, message.partition, message.offset, uri),
                                     "alert_id": item.id})

    @app.agent(articles, name="enrich")
    async def enrich(stream: Any) -> None:
        """Decode each article, extract its findings, publish the enriched record."""
        await each_event(stream, "enrich", extract, publish_enriched)

    @app.agent(enriched, name="alerts")
    async def alert(stream: Any) -> None:
        """Evaluate the alert rules on each enriched record and publish the alerts."""
        await each_event(stream, "alerts", evaluate_rules, publish_alerts)

    if settings.passthrough_enabled:
        passthrough_out = topic[settings.topic_passthrough_out]

        def validate(message: Any) -> bytes:
            article = article_from_bytes(message.value or b"", settings.max_record_bytes)
            return article.uri.encode()

        async def republish(message: Any, key: bytes) -> None:
            await send(passthrough_out, key, message.value or b"")

        @app.agent(topic[settings.topic_passthrough_in], name="passthrough")
        async def passthrough(stream: Any) -> None:
            """The framework's ceiling for bench/: decode and validate, no extraction, re-publish."""
            await each_event(stream, "passthrough", validate, republish)

    _add_web_endpoints(app, metrics)
    app.wirewatch_metrics = metrics  # type: ignore[attr-defined]
    return app


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


def _add_web_endpoints(app: faust.App, metrics: Metrics) -> None:
    @app.page("/metrics")
    async def prometheus(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry), content_type="text/plain; version=0.0.4")

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        return web.json({"status": "ok"})

    @app.page("/ready")
    async def ready(web: Any, request: Any) -> Any:
        assigned = sorted(f"{tp.topic}:{tp.partition}" for tp in app.consumer.assignment())
        status = 200 if assigned else 503
        return web.json({"ready": bool(assigned), "assigned": assigned}, status=status)
