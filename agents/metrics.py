"""Prometheus metrics of the worker (served as text format on ``/metrics``).

Most are counters and histograms updated where the work happens. Two gauges are read at scrape time
instead (:class:`SampledGauge`): the consumer lag per assigned partition, whose label sets come and go
with the assignment, and the open stories, which would cost a scan per article if kept up to date.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # the stories wing (numpy, datasketch) is not loaded for the metrics alone
    from streams.stories.tracker import StoryTracker

__all__ = ["Metrics", "SampledGauge", "WebhookCounters", "open_stories"]

#: what a sampled gauge reads at scrape time: (label values, value) pairs
Samples = Callable[[], Iterable[tuple[Sequence[str], float]]]


class SampledGauge(Collector):
    """A gauge whose samples are computed when Prometheus scrapes: no label set outlives its source."""

    def __init__(self, name: str, documentation: str, labels: Sequence[str] = (),
                 registry: CollectorRegistry | None = None) -> None:
        self.name = name
        self.documentation = documentation
        self.labels = list(labels)
        self._source: Samples = lambda: ()
        if registry is not None:
            registry.register(self)

    def read_from(self, source: Samples) -> None:
        """Compute the samples with ``source`` from now on (it runs on every scrape)."""
        self._source = source

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The family without samples: registering must not call ``source`` before the app exists."""
        yield GaugeMetricFamily(self.name, self.documentation, labels=self.labels)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The family with the samples ``source`` gives now."""
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        for labels, value in self._source():
            family.add_metric(list(labels), value)
        yield family


def open_stories(tracker: StoryTracker) -> int:
    """Stories not dormant: last seen within the quiet period of the newest article the tracker saw."""
    from streams.stories.index import STORY

    index = tracker.index
    start = bisect.bisect_left(index.timeline, (index.clock - tracker.config.quiet_period_s, ""))
    return sum(1 for _, key in index.timeline[start:] if key.startswith(STORY))


class Metrics:
    """The worker's counters and histograms, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.articles = Counter("wirewatch_articles_processed_total", "Articles enriched and delivered",
                                registry=self.registry)
        self.messages_in = Counter("wirewatch_messages_in_total", "Records an agent took from its input topic",
                                   ["topic"], registry=self.registry)
        self.messages_out = Counter("wirewatch_messages_out_total",
                                    "Records published and acknowledged by the broker (dead letters included)",
                                    ["topic"], registry=self.registry)
        self.consumer_lag = SampledGauge(
            "wirewatch_consumer_lag", "Records on an assigned input partition after the last one acknowledged "
            "or committed (highwater minus the next offset), as this worker sees it", ["topic", "partition"],
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
        self.stories_open = SampledGauge(
            "wirewatch_stories_open", "Stories not dormant (an article within the quiet period of the newest one), "
            "as the stories agent sees them; absent until it has a story input since the start or rebalance",
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
