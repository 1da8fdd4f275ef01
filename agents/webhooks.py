"""Deliver alerts to webhook subscriptions: signed POSTs, retries that survive restarts, dead letters.

How it works:

- :meth:`WebhookDeliverer.submit` writes one *pending record* per matching subscription to the
  :class:`PendingStore` first (the worker backs it with a Faust table, so it lives in Kafka as the
  table's changelog), then schedules it. Nothing is awaited: the main stream never waits for HTTP.
- Each subscription has its own asyncio worker task, schedule and ``httpx.AsyncClient``: a slow or
  dead endpoint only delays its own alerts. One attempt at a time per endpoint.
- An attempt: 2xx delivered (record deleted); 429/503 retried after ``Retry-After`` (seconds or an
  HTTP date, capped) or the back-off; 408, other 5xx, timeouts and connection errors retried with
  exponential back-off and full jitter; 410 disables the endpoint (its pending and future alerts
  are dead-lettered, reason ``endpoint-gone``); 3xx (redirects are never followed) and other 4xx
  are permanent (``redirected``, ``rejected``). After ``max_attempts`` the reason is
  ``attempts-exhausted``. Each attempt is appended to the record's history and the record is put
  back into the store, so :meth:`resume` after a restart carries on where the last worker stopped,
  with the same ``webhook-id`` (the receiver's idempotency key).
- Dead letters go to the ``dead_letter`` callback with the record (reason included) and its
  history. The record holds the subscription id, never its URL (which may carry a token) nor its
  secret; logs and metric labels name the subscription id (and the host) only.

The pending record (JSON-able)::

    {"delivery_id": "msg_...", "webhook_id": "msg_...", "subscription": "newsroom", "alert": {...},
     "attempts": 2, "created_at": 1767225600.0, "next_attempt_at": 1767225604.2,
     "history": [{"attempt": 1, "at": "2026-01-01T00:00:00.000+00:00", "status": 503, "seconds": 0.004},
                 {"attempt": 2, "at": "...", "error": "ReadTimeout", "seconds": 10.0}],
     "reason": null}
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import heapq
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from schemas.alert import Alert
from streams.alerts.signing import webhook_id, webhook_request
from streams.alerts.subscriptions import Subscription, Subscriptions

__all__ = ["DeadLetter", "DeliveryMetrics", "MemoryStore", "NoMetrics", "PendingStore", "WebhookDeliverer",
           "WebhookPolicy", "parse_retry_after"]

#: outcomes counted by :meth:`DeliveryMetrics.delivery`
OUTCOMES = ("delivered", "retried", "dead_lettered", "disabled")


class PendingStore(Protocol):
    """Where pending deliveries live between attempts (a Faust table in the worker)."""

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Write (or overwrite) one pending record."""

    def delete(self, key: str) -> None:
        """Forget one record (delivered or dead-lettered); a missing key is not an error."""

    def items(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """Every pending record."""


class MemoryStore:
    """A :class:`PendingStore` in a dict (tests, and a worker without a table)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Write one record."""
        self.records[key] = value

    def delete(self, key: str) -> None:
        """Remove one record if present."""
        self.records.pop(key, None)

    def items(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """A snapshot of every record."""
        return list(self.records.items())


class DeliveryMetrics(Protocol):
    """What the deliverer counts (the worker maps it to Prometheus)."""

    def delivery(self, subscription: str, outcome: str) -> None:
        """One attempt's outcome: delivered, retried, dead_lettered, or disabled (the endpoint answered 410)."""

    def endpoints_disabled(self, count: int) -> None:
        """How many endpoints are disabled now."""


class NoMetrics:
    """:class:`DeliveryMetrics` that counts nothing."""

    def delivery(self, subscription: str, outcome: str) -> None:
        """Ignore."""

    def endpoints_disabled(self, count: int) -> None:
        """Ignore."""


#: ``await dead_letter(record, history)``; ``record["reason"]`` says why
DeadLetter = Callable[[dict[str, Any], list[dict[str, Any]]], Awaitable[None]]


@dataclass(frozen=True)
class WebhookPolicy:
    """Retry and timeout settings shared by every subscription (per-subscription: ``timeout_s``)."""

    max_attempts: int = 8
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0
    retry_after_max_s: float = 600.0
    connect_timeout_s: float = 5.0
    user_agent: str = "wirewatch-webhooks/1"

    def backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(attempt - 1, 30))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography


def parse_retry_after(value: str | None, now: float, cap: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), capped; None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, min(when.timestamp() - now, cap))


@dataclass
class _Verdict:
    """What one attempt means: done (delivered or permanent), or retry after ``delay``."""

    delivered: bool = False
    reason: str | None = None  # set: dead-letter with this reason
    delay: float | None = None  # set: retry after this many seconds (None: the back-off)
    gone: bool = False


class _Endpoint:
    """One subscription's schedule (a heap of due times) and its HTTP client."""

    def __init__(self, subscription: Subscription, policy: WebhookPolicy) -> None:
        self.subscription = subscription
        self.heap: list[tuple[float, int, str]] = []
        self.wake = asyncio.Event()
        self.disabled = False
        self.task: asyncio.Task[None] | None = None
        self.client = httpx.AsyncClient(
            follow_redirects=False, trust_env=False,
            timeout=httpx.Timeout(subscription.timeout_s, connect=policy.connect_timeout_s),
            headers={"user-agent": policy.user_agent})
        self._seq = 0

    def schedule(self, due: float, delivery_id: str) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (due, self._seq, delivery_id))
        self.wake.set()

    async def next_due(self) -> str:
        while True:
            now = time.time()
            if self.heap and self.heap[0][0] <= now:
                return heapq.heappop(self.heap)[2]
            self.wake.clear()
            timeout = self.heap[0][0] - now if self.heap else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout)


class WebhookDeliverer:
    """Deliver alerts to the subscriptions that want them, each endpoint on its own task.

    Args:
        subscriptions: the loaded subscriptions file.
        policy: attempts, back-off and timeouts.
        store: the pending records (written before any attempt; see the module docstring).
        dead_letter: ``async (record, history)`` for what cannot be delivered; if it raises, the
            record stays pending and dead-lettering is retried.
        metrics: outcome counters and the disabled-endpoints gauge.
        log: the wirewatch logger.

    Lifecycle: ``await start()``, then ``resume()`` once the store holds what the last worker left
    (after table recovery), ``submit(alert)`` per alert, ``await close()`` at shutdown.
    """

    def __init__(self, subscriptions: Subscriptions, policy: WebhookPolicy, store: PendingStore,
                 dead_letter: DeadLetter, metrics: DeliveryMetrics | None = None,
                 log: logging.Logger | None = None) -> None:
        self.subscriptions = subscriptions
        self.policy = policy
        self.store = store
        self._dead_letter = dead_letter
        self.metrics = metrics or NoMetrics()
        self.log = log or logging.getLogger("wirewatch.webhooks")
        self._pending: dict[str, dict[str, Any]] = {}
        self._endpoints: dict[str, _Endpoint] = {}
        self._orphans: set[asyncio.Task[None]] = set()
        self._started = False

    # -- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start one worker task per subscription (needs the running event loop)."""
        if self._started:
            return
        for subscription in self.subscriptions:
            endpoint = _Endpoint(subscription, self.policy)
            endpoint.task = asyncio.create_task(self._work(endpoint), name=f"webhook:{subscription.id}")
            self._endpoints[subscription.id] = endpoint
        self._started = True

    def resume(self) -> int:
        """Schedule every pending record found in the store; returns how many were new to this deliverer."""
        resumed = 0
        for key, record in self.store.items():
            if key in self._pending:
                continue
            record = dict(record)
            self._pending[key] = record
            endpoint = self._endpoints.get(record.get("subscription", ""))
            if endpoint is None:  # the subscription was removed from the file since
                record["reason"] = "subscription-removed"
                task = asyncio.create_task(self._dead_letter_until_done(key))
                self._orphans.add(task)
                task.add_done_callback(self._orphans.discard)
            else:
                endpoint.schedule(float(record.get("next_attempt_at", 0.0)), key)
            resumed += 1
        if resumed:
            self.log.info("webhooks: resumed %d pending delivery(ies)", resumed)
        return resumed

    async def close(self) -> None:
        """Stop every worker; a delivery in flight stays pending in the store."""
        tasks = [e.task for e in self._endpoints.values() if e.task is not None] + list(self._orphans)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for endpoint in self._endpoints.values():
            await endpoint.client.aclose()
        self._endpoints.clear()
        self._pending.clear()
        self._started = False

    # -- input --------------------------------------------------------------------------------------
    def submit(self, alert: Alert) -> list[str]:
        """Record and schedule ``alert`` for every matching subscription; returns the delivery ids.

        An alert already pending for a subscription (a redelivered input) is not scheduled twice.
        """
        if not self._started:
            raise RuntimeError("WebhookDeliverer.submit() before start()")
        ids = []
        now = time.time()
        for subscription in self.subscriptions.matching(alert):
            delivery_id = webhook_id(subscription.id, alert.id)
            ids.append(delivery_id)
            if delivery_id in self._pending:
                continue
            record: dict[str, Any] = {
                "delivery_id": delivery_id, "webhook_id": delivery_id, "subscription": subscription.id,
                "alert": alert.model_dump(mode="json"), "attempts": 0, "created_at": now,
                "next_attempt_at": now, "history": [], "reason": None,
            }
            self.store.put(delivery_id, record)  # first: a crash after this line loses nothing
            self._pending[delivery_id] = record
            self._endpoints[subscription.id].schedule(now, delivery_id)
        return ids

    @property
    def pending(self) -> int:
        """Deliveries not yet delivered nor dead-lettered."""
        return len(self._pending)

    @property
    def disabled(self) -> list[str]:
        """Ids of the subscriptions whose endpoint answered 410 Gone."""
        return sorted(i for i, e in self._endpoints.items() if e.disabled)

    # -- the per-endpoint worker --------------------------------------------------------------------
    async def _work(self, endpoint: _Endpoint) -> None:
        while True:
            delivery_id = await endpoint.next_due()
            record = self._pending.get(delivery_id)
            if record is None:
                continue
            try:
                if record.get("reason") or endpoint.disabled:
                    record["reason"] = record.get("reason") or "endpoint-gone"
                    await self._dead_letter_until_done(delivery_id)
                else:
                    await self._attempt(endpoint, delivery_id, record)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not kill the endpoint's worker: log, keep the record
                self.log.exception("webhooks: %s: unexpected error, delivery %s stays pending",
                                   endpoint.subscription.id, delivery_id)
                endpoint.schedule(time.time() + self.policy.backoff_max_s, delivery_id)

    async def _attempt(self, endpoint: _Endpoint, delivery_id: str, record: dict[str, Any]) -> None:
        subscription = endpoint.subscription
        attempt = int(record["attempts"]) + 1
        started = time.time()
        try:
            alert = Alert.model_validate(record["alert"])
        except ValidationError:  # a record left by an older worker that the current model refuses
            verdict, outcome = _Verdict(reason="invalid-record"), {"error": "invalid-record"}
        else:
            verdict, outcome = await self._post(endpoint, alert)
        seconds = round(time.time() - started, 3)
        record["attempts"] = attempt
        record["history"] = [*record["history"], {
            "attempt": attempt, "at": datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
            **outcome, "seconds": seconds}]
        context = {"alert_id": record["alert"].get("id"), "attempt": attempt, "seconds": seconds}
        if verdict.delivered:
            self._forget(delivery_id)
            self.metrics.delivery(subscription.id, "delivered")
            self.log.info("webhooks: %s: delivered (%s)", subscription.id, outcome.get("status"), extra=context)
            return
        if verdict.gone:
            self._disable(endpoint)
        if verdict.reason is None and attempt >= self.policy.max_attempts:
            verdict.reason = "attempts-exhausted"
        if verdict.reason is not None:
            record["reason"] = verdict.reason
            self.store.put(delivery_id, record)
            await self._dead_letter_until_done(delivery_id)
            return
        delay = verdict.delay if verdict.delay is not None else self.policy.backoff(attempt)
        record["next_attempt_at"] = time.time() + delay
        self.store.put(delivery_id, record)
        self.metrics.delivery(subscription.id, "retried")
        self.log.warning("webhooks: %s (%s): attempt failed (%s), retrying in %.1fs", subscription.id,
                         subscription.host, outcome.get("status", outcome.get("error")), delay,
                         extra={**context, "error": str(outcome.get("status", outcome.get("error")))})
        endpoint.schedule(record["next_attempt_at"], delivery_id)

    async def _post(self, endpoint: _Endpoint, alert: Alert) -> tuple[_Verdict, dict[str, Any]]:
        """One POST; the verdict and the history entry's status or error."""
        subscription = endpoint.subscription
        headers, body = webhook_request(subscription, alert, datetime.now(UTC))
        budget = subscription.timeout_s + self.policy.connect_timeout_s
        try:
            async with asyncio.timeout(budget):  # a receiver dripping bytes cannot hold the worker
                async with endpoint.client.stream("POST", subscription.url, content=body,
                                                  headers=headers) as response:
                    status, retry_after = response.status_code, response.headers.get("retry-after")
        except (httpx.TimeoutException, TimeoutError):
            return _Verdict(), {"error": "timeout"}
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return _Verdict(reason="invalid-url"), {"error": type(exc).__name__}
        except httpx.HTTPError as exc:  # connection refused or reset, protocol errors: may heal
            return _Verdict(), {"error": type(exc).__name__}
        return self._judge(status, retry_after), {"status": status}

    def _judge(self, status: int, retry_after: str | None) -> _Verdict:
        if 200 <= status < 300:
            return _Verdict(delivered=True)
        if status == 410:
            return _Verdict(reason="endpoint-gone", gone=True)
        if status in (429, 503):
            return _Verdict(delay=parse_retry_after(retry_after, time.time(), self.policy.retry_after_max_s))
        if status == 408 or status >= 500:
            return _Verdict()
        if 300 <= status < 400:
            return _Verdict(reason="redirected")
        return _Verdict(reason="rejected")

    def _disable(self, endpoint: _Endpoint) -> None:
        if endpoint.disabled:
            return
        endpoint.disabled = True
        subscription = endpoint.subscription
        self.log.error("webhooks: %s (%s) answered 410 Gone: endpoint disabled, its alerts go to the "
                       "dead letter until the worker restarts", subscription.id, subscription.host,
                       extra={"reason": "endpoint-gone"})
        self.metrics.delivery(subscription.id, "disabled")
        self.metrics.endpoints_disabled(len(self.disabled))
        now = time.time()
        for key, record in self._pending.items():  # everything else it has waiting: dead letter now
            if record["subscription"] == subscription.id:
                endpoint.schedule(now, key)

    async def _dead_letter_until_done(self, delivery_id: str) -> None:
        """Hand the record to the dead-letter callback, retrying it with back-off until it succeeds."""
        record = self._pending[delivery_id]
        name = record.get("subscription", "?")
        failures = 0
        while True:
            try:
                await self._dead_letter(dict(record), list(record["history"]))
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                self.log.warning("webhooks: %s: dead letter of %s failed, retrying", name, delivery_id,
                                 extra={"error": f"{type(exc).__name__}: {exc}", "attempt": failures})
                await asyncio.sleep(self.policy.backoff(failures))
        self._forget(delivery_id)
        self.metrics.delivery(name, "dead_lettered")
        self.log.warning("webhooks: %s: alert dead-lettered after %d attempt(s)", name, record["attempts"],
                         extra={"reason": record["reason"], "alert_id": record["alert"].get("id")})

    def _forget(self, delivery_id: str) -> None:
        self._pending.pop(delivery_id, None)
        self.store.delete(delivery_id)
