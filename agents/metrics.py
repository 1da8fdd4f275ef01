"""Prometheus metrics of the worker (served as text format on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["Metrics", "WebhookCounters"]


class Metrics:
    """The worker's counters and histograms, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.articles = Counter("wirewatch_articles_processed_total", "Articles enriched and delivered",
                                registry=self.registry)
        self.dead_letters = Counter("wirewatch_dead_letters_total", "Records sent to the dead-letter topic",
                                    ["reason", "stage"], registry=self.registry)
        self.alerts = Counter("wirewatch_alerts_total", "Alerts published", ["type"], registry=self.registry)
        self.statements = Counter("wirewatch_statements_total", "Statements extracted", registry=self.registry)
        self.delivery_retries = Counter("wirewatch_delivery_retries_total", "Produce attempts retried",
                                        ["topic"], registry=self.registry)
        self.permanent_delivery_failures = Counter(
            "wirewatch_delivery_failures_total", "Produce attempts refused for good (the input is dead-lettered)",
            ["topic", "reason"], registry=self.registry)
        self.tombstones = Counter("wirewatch_tombstones_total", "Null-value records passed on (enrich) or skipped",
                                  ["agent"], registry=self.registry)
        self.extractor_restarts = Counter("wirewatch_extractor_restarts_total",
                                          "Extraction processes restarted (timeout, crashed)", ["reason"],
                                          registry=self.registry)
        self.stalls = Counter("wirewatch_agent_stalls_total", "Times an agent was found stuck", ["agent"],
                              registry=self.registry)
        self.stuck_seconds = Counter("wirewatch_agent_stuck_seconds_total",
                                     "Seconds agents spent stuck past the stall timeout", ["agent"],
                                     registry=self.registry)
        self.stuck = Gauge("wirewatch_agent_stuck", "1 while the agent is stuck", ["agent"], registry=self.registry)
        self.log_lines_suppressed = Counter("wirewatch_log_lines_suppressed_total",
                                            "Repeated log lines dropped by the rate limit", registry=self.registry)
        self.event_updates = Counter("wirewatch_event_updates_total", "Event updates published", ["change"],
                                     registry=self.registry)
        self.duplicates = Counter("wirewatch_duplicates_total", "Articles recognised as near-duplicates",
                                  registry=self.registry)
        self.replays_skipped = Counter("wirewatch_story_replays_skipped_total",
                                       "Stories input records already applied (a replay, or the same article again): no update",
                                       registry=self.registry)
        self.stories_tracked = Gauge("wirewatch_stories_tracked", "Stories in the stories table (open or dormant, "
                                     "within retention), as the stories agent sees them",
                                  registry=self.registry)
        self.alerts_suppressed = Counter("wirewatch_alerts_suppressed_total",
                                         "Alert candidates the gate dropped (duplicate: published before; throttled)",
                                         ["reason"], registry=self.registry)
        self.webhook_deliveries = Counter("wirewatch_webhook_deliveries_total",
                                          "Webhook attempts by outcome (delivered, retried, dead_lettered, disabled)",
                                          ["subscription", "outcome"], registry=self.registry)
        self.webhook_endpoints_disabled = Gauge("wirewatch_webhook_endpoints_disabled",
                                                "Subscriptions whose endpoint answered 410 Gone",
                                                registry=self.registry)
        self.webhook_pending = Gauge("wirewatch_webhook_pending", "Webhook deliveries not yet delivered nor "
                                     "dead-lettered, on this worker", registry=self.registry)
        self.extract_seconds = Histogram(
            "wirewatch_extract_seconds", "Extraction time per article",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0), registry=self.registry,
        )
        self.end_to_end_seconds = Histogram(
            "wirewatch_ingest_to_enriched_seconds", "From the input record's timestamp to enriched delivery",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0), registry=self.registry,
        )


class WebhookCounters:
    """The webhook deliverer's :class:`~agents.webhooks.DeliveryMetrics` on the worker's metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def delivery(self, subscription: str, outcome: str) -> None:
        """Count one attempt's outcome."""
        self._metrics.webhook_deliveries.labels(subscription=subscription, outcome=outcome).inc()

    def endpoints_disabled(self, count: int) -> None:
        """Set the disabled-endpoints gauge."""
        self._metrics.webhook_endpoints_disabled.set(count)
