"""The whole pipeline under faults, stories and webhooks included (issue #12 §2), on a real broker.

A worker SIGKILLed with articles, stories and webhook retries in flight; a webhook receiver that
hangs while articles stream through; a 20-second broker outage during a paced run. Figures are
printed with ``-s``.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import pytest
from aiokafka.errors import KafkaError
from standardwebhooks.webhooks import Webhook

from agents.settings import Settings
from tests.integration.conftest import Broker, Namespace, subscriptions_file, talks, until, web_port
from tests.integration.test_stories_on_kafka import COPY, FIRST, FOLLOW_UP
from tests.integration.test_webhook_receivers import SECRET, Answer, Receiver, verifying

pytestmark = pytest.mark.integration

_OUTAGE_S = 20.0


def _records(articles: list[dict[str, str]]) -> list[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]]:
    return [(a["uri"].encode(), orjson.dumps(a), []) for a in articles]


def _alert_id(request: dict[str, Any]) -> str:
    """The alert id in a request the receiver recorded (its signature verified)."""
    return str(Webhook(SECRET).verify(request["body"], request["headers"])["data"]["id"])


def _complete(request: dict[str, Any]) -> bool:
    """Whether the receiver got the whole body (a worker killed mid-request leaves it short)."""
    return len(request["body"]) == int(request["headers"].get("content-length", -1))


def _delivered_alerts(hook: Receiver) -> set[str]:
    return {_alert_id(r) for r in hook.delivered()}


def _latest(namespace: Namespace, topic: str) -> dict[bytes, bytes | None]:
    """The last value of every key of ``topic`` (full name) now on the broker: a table's state."""
    return {r.key: r.value for r in namespace.read_raw(topic)}


def _refusing_half(times: int, retry_after_s: int) -> Answer:
    """Refuse the first ``times`` attempts of about half the deliveries (by webhook-id) with 503 and Retry-After."""
    attempts: Counter[str] = Counter()
    lock = threading.Lock()
    verify = verifying(SECRET)

    def answer(n: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        message_id = headers.get("webhook-id", "")
        with lock:
            attempts[message_id] += 1
            tries = attempts[message_id]
        if hashlib.sha256(message_id.encode()).digest()[0] % 2 == 0 and tries <= times:
            return 503, {"retry-after": str(retry_after_s)}
        return verify(n, headers, body)

    return answer


def _awaiting_retry(hook: Receiver) -> set[str]:
    """Webhook-ids the receiver refused and has not acknowledged yet."""
    acknowledged = {r["headers"]["webhook-id"] for r in hook.delivered()}
    return {r["headers"]["webhook-id"] for r in hook.requests} - acknowledged


def _committed(namespace: Namespace) -> tuple[set[str], set[str], set[str]]:
    """What a dead worker left on the broker: uris enriched, deliveries marked done, articles applied to stories."""
    settings = namespace.settings
    enriched = {orjson.loads(r.value)["uri"] for r in namespace.read_raw(settings.topic("news.articles.enriched"))
                if r.value}
    done = {delivery for value in _latest(namespace, settings.webhook_changelog_topic).values() if value
            for delivery, record in orjson.loads(value)["deliveries"].items() if "done" in record}
    applied = {key.decode().removeprefix("article:") for key in _latest(namespace, settings.story_changelog_topic)
               if key and key.startswith(b"article:")}
    return enriched, done, applied


def test_a_worker_killed_with_stories_and_webhook_retries_in_flight_repeats_only_what_was_in_flight(
        namespace: Namespace, receiver: Callable[[Answer], Receiver]) -> None:
    count = 60
    hook = receiver(_refusing_half(times=2, retry_after_s=2))
    env = {"WIREWATCH_SUBSCRIPTIONS_FILE": str(subscriptions_file(namespace.tmp, hook.url)),
           "WIREWATCH_WEBHOOK_MAX_ATTEMPTS": "1000", **web_port()}
    # no offset commit before the kill: every agent meets all of its inputs again after the restart
    first = namespace.worker(WIREWATCH_COMMIT_INTERVAL_S="600", **env)
    articles = talks(count, "inflight")
    namespace.produce("news.articles", _records([FIRST, FOLLOW_UP, *articles[:40]]))
    until(lambda: len(hook.delivered()) >= 3 and len(_awaiting_retry(hook)) >= 2, 120,
          "deliveries acknowledged and retries pending")
    # the rest, the syndicated copy among them, acknowledged by the broker just before the kill: in flight
    namespace.produce("news.articles", _records([*articles[40:30 + count // 2], COPY, *articles[30 + count // 2:]]))
    killed_at = time.time()
    first.stop(signal.SIGKILL)

    enriched_at_kill, done, applied_at_kill = _committed(namespace)
    assert len(enriched_at_kill) < count + 3, "killed mid-stream: articles were still to be enriched"

    restarted_at = time.time()  # every request the receiver got before this came from the killed worker
    second = namespace.worker(**env)
    uris = {a["uri"] for a in [FIRST, FOLLOW_UP, COPY, *articles]}
    assert not namespace.missing_uris(uris, timeout=120), second.log()
    until(lambda: len(_delivered_alerts(hook)) >= count, 120, f"{count} alerts delivered")
    time.sleep(4)  # replayed inputs have reached every agent; a repeat would have arrived by now
    alerts = [orjson.loads(r.value) for r in namespace.read("news.alerts", 10**6, timeout=5) if r.value]
    alert_ids = {a["id"] for a in alerts}
    until(lambda: _delivered_alerts(hook) >= alert_ids, 60, "every alert delivered")
    story = {(v["uri"], v["story_id"], v["duplicate_of"]) for v in (orjson.loads(r.value) for r in namespace.read(
        "news.articles.enriched", 10**6, timeout=5)) if v["uri"] in {FIRST["uri"], FOLLOW_UP["uri"], COPY["uri"]}}
    before = [r for r in hook.requests if r["at"] < restarted_at]
    after = [r for r in hook.requests if r["at"] >= restarted_at]
    attempted = {r["headers"]["webhook-id"] for r in before}
    in_flight = attempted - done  # started before the kill, its outcome not in the table's changelog
    awaiting_retry = in_flight - {r["headers"]["webhook-id"] for r in before if 200 <= r["status"] < 300}
    repeated = attempted & {r["headers"]["webhook-id"] for r in after}
    acknowledged_twice = repeated - awaiting_retry
    acknowledged_before_kill = sorted(killed_at - r["at"] for r in before
                                      if r["headers"]["webhook-id"] in acknowledged_twice and r["status"] < 300)
    truncated = [r for r in hook.requests if not _complete(r)]
    webhook_ids: dict[str, set[str]] = {}
    for request in filter(_complete, hook.requests):
        webhook_ids.setdefault(_alert_id(request), set()).add(request["headers"]["webhook-id"])

    updates = [orjson.loads(r.value) for r in namespace.read("news.events.updates", 10**6, timeout=5) if r.value]
    update_ids = Counter(u["id"] for u in updates)
    twice = {u["article_uri"] for u in updates if update_ids[u["id"]] > 1}
    print(f"\nSIGKILL mid-stream: {len(enriched_at_kill)} of {count + 3} articles enriched, {len(attempted)} "
          f"deliveries started and {len(done)} committed done at the kill; in flight {len(in_flight)} "
          f"({len(awaiting_retry)} awaiting a retry, {len(in_flight) - len(awaiting_retry)} acknowledged by the "
          f"receiver, not committed); "
          f"repeated after the restart {len(repeated)} ({len(acknowledged_twice)} delivered twice, acknowledged "
          f"{', '.join(f'{gap:.3f}' for gap in acknowledged_before_kill) or '-'} s before the kill); "
          f"{len(hook.requests)} requests ({len(truncated)} cut short by the kill), {len(alert_ids)} alerts; "
          f"{len(updates)} event updates, {len(update_ids)} ids, articles whose updates repeat: {sorted(twice)}; "
          f"enriched but not applied at the kill: {sorted(enriched_at_kill - applied_at_kill)}")
    assert len(awaiting_retry) >= 2, "webhook retries were pending at the kill"
    assert all(r["at"] < restarted_at for r in truncated), "only the killed worker left a request unfinished"
    assert {a["uri"] for a in articles} <= {a["article_uri"] for a in alerts}, "an alert for every article"
    assert _delivered_alerts(hook) == alert_ids, "every alert reached the receiver"
    # the story across the kill: one story, the copy marked as such, every replay sent with the same story
    assert len(story) == 3 and len({story_id for _, story_id, _ in story}) == 1, story
    assert (COPY["uri"], next(iter(story))[1], FOLLOW_UP["uri"]) in story, story
    assert not [u for u in updates if u["article_uri"] == COPY["uri"]], "the syndicated copy made updates"
    assert all(len(ids) == 1 for ids in webhook_ids.values()), "one webhook-id per alert across the restart"
    assert repeated <= in_flight, f"deliveries committed before the kill were repeated: {sorted(repeated - in_flight)}"
    assert len(repeated) <= len(in_flight)
    assert updates, "the articles made event updates"
    # an article applied for good before the kill (in the stories changelog) publishes no update again, and the
    # one the stories agent had in flight (updates out, changelog not yet) finds its updates on the topic after
    # the restart and does not send them twice (agents.stories.PublishedUpdates)
    assert not twice, f"event update ids published twice: {sorted(twice)}, {dict(update_ids)}"


def _publish_paced(namespace: Namespace, articles: list[dict[str, str]], interval_s: float) -> None:
    """Publish one article every ``interval_s`` seconds (each acknowledged before the next)."""
    for item in articles:
        started = time.monotonic()
        namespace.produce("news.articles", _records([item]))
        time.sleep(max(0.0, interval_s - (time.monotonic() - started)))


def _latencies(namespace: Namespace, uris: set[str], seen: int) -> list[float]:
    """Seconds from each article's input record to its enriched record (both Kafka timestamps)."""
    records = namespace.read("news.articles.enriched", seen, timeout=90)
    found: dict[str, float] = {}
    for record in records:
        value = orjson.loads(record.value)
        if value["uri"] in uris and value["uri"] not in found:
            found[value["uri"]] = record.timestamp / 1000 - datetime.fromisoformat(value["ingested_at"]).timestamp()
    assert set(found) == uris, f"not enriched: {sorted(uris - set(found))}"
    return sorted(found.values())


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def test_a_hanging_webhook_receiver_never_slows_the_enriched_stream(
        namespace: Namespace, receiver: Callable[[Answer], Receiver]) -> None:
    per_phase, interval = 20, 0.6
    hanging = {"on": False}
    hung: list[float] = []
    release = threading.Event()
    verify = verifying(SECRET)

    def answer(n: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        if hanging["on"]:  # the connection is accepted and the request read; no answer comes
            hung.append(time.time())
            release.wait()
        return verify(n, headers, body)

    hook = receiver(answer)
    try:
        namespace.worker(WIREWATCH_SUBSCRIPTIONS_FILE=str(subscriptions_file(namespace.tmp, hook.url, timeout_s=5)),
                         WIREWATCH_WEBHOOK_MAX_ATTEMPTS="1000", WIREWATCH_WEBHOOK_BACKOFF_BASE_S="0.1",
                         WIREWATCH_WEBHOOK_BACKOFF_MAX_S="0.2", **web_port())
        articles = talks(2 * per_phase + 6, "hanging")
        warm, healthy, primer, hung_phase = (articles[:5], articles[5:5 + per_phase], articles[5 + per_phase],
                                             articles[6 + per_phase:])
        _publish_paced(namespace, warm, interval)
        _publish_paced(namespace, healthy, interval)
        baseline = _latencies(namespace, {a["uri"] for a in healthy}, len(warm) + per_phase)
        until(lambda: len(hook.delivered()) >= len(warm) + per_phase, 30, "the healthy receiver's deliveries")

        hanging["on"] = True
        _publish_paced(namespace, [primer], interval)
        until(lambda: bool(hung), 30, "a delivery hanging at the receiver")
        hung_from = len(hung)
        _publish_paced(namespace, hung_phase, interval)
        slowed = _latencies(namespace, {a["uri"] for a in hung_phase}, len(articles))
        hung_during = len(hung) - hung_from + 1  # the connection hanging when the phase began
    finally:
        release.set()

    print(f"\npublish -> enriched, {per_phase} articles each, one every {interval} s: healthy receiver median "
          f"{statistics.median(baseline):.3f} s p90 {_p90(baseline):.3f} s max {max(baseline):.3f} s; hanging "
          f"receiver median {statistics.median(slowed):.3f} s p90 {_p90(slowed):.3f} s max {max(slowed):.3f} s "
          f"({hung_during} requests left hanging during the phase)")
    assert hung_during >= 2, "the receiver hung throughout the second phase"
    assert statistics.median(slowed) <= 2 * statistics.median(baseline) + 0.25, "the hanging receiver slowed enrich"
    assert _p90(slowed) <= 2 * _p90(baseline) + 0.5, "the hanging receiver slowed enrich"


async def _publish_through(settings: Settings, topic: str,
                           records: list[tuple[bytes, bytes]], interval_s: float, acked: list[bytes]) -> None:
    """Send one record every ``interval_s`` whatever the broker does; ``acked`` gets the keys it acknowledged.

    A send the broker never acknowledged (it was down too long) is sent again once it is back.
    """
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(acks="all", request_timeout_ms=120_000, **settings.kafka_client_options())
    await producer.start()
    try:
        sent = []
        for key, value in records:
            started = time.monotonic()
            sent.append((key, value, await producer.send(topic, key=key, value=value)))
            await asyncio.sleep(max(0.0, interval_s - (time.monotonic() - started)))
        for key, value, future in sent:
            try:
                await future
            except KafkaError:
                await producer.send_and_wait(topic, key=key, value=value)
            acked.append(key)
    finally:
        await producer.stop()


def test_a_broker_outage_during_a_paced_run_loses_nothing_end_to_end(
        private_broker: Broker, outage_namespace: Namespace, receiver: Callable[[Answer], Receiver]) -> None:
    namespace, count, interval = outage_namespace, 72, 0.5
    hook = receiver(verifying(SECRET))
    worker = namespace.worker(WIREWATCH_SUBSCRIPTIONS_FILE=str(subscriptions_file(namespace.tmp, hook.url)),
                              **web_port())
    articles = talks(count, "soak")
    bad = {a["uri"] for n, a in enumerate(articles) if n % 8 == 7}  # every eighth is not JSON: a dead letter
    records = [(a["uri"].encode(), b"{not json " + a["uri"].encode() if a["uri"] in bad else orjson.dumps(a))
               for a in articles]
    acked: list[bytes] = []
    publisher = threading.Thread(target=lambda: asyncio.run(_publish_through(
        namespace.settings, namespace.settings.topic("news.articles"), records, interval, acked)), daemon=True)
    publisher.start()
    time.sleep(count * interval / 4)
    burst = talks(40, "soak-burst")  # acknowledged just before the stop: the worker is mid-stream with them
    namespace.produce("news.articles", _records(burst))
    private_broker.stop()
    stopped, down_at = time.monotonic(), time.time()
    time.sleep(_OUTAGE_S)
    private_broker.start()
    outage = time.monotonic() - stopped
    publisher.join(timeout=240)
    assert not publisher.is_alive(), "every article was acknowledged once the broker was back"

    inputs = {key.decode() for key in acked} | {a["uri"] for a in burst}
    good = inputs - bad
    assert inputs == {a["uri"] for a in articles + burst}
    missing = namespace.missing_uris(good, timeout=180)
    letters = namespace.read("news.deadletter", len(bad), timeout=60, settle=2.0)
    enriched_records = namespace.read("news.articles.enriched", len(good), timeout=30, settle=2.0)
    enriched = {orjson.loads(r.value)["uri"] for r in enriched_records if r.value}
    burst_after = {orjson.loads(r.value)["uri"] for r in enriched_records
                   if r.value and r.timestamp / 1000 > down_at} & {a["uri"] for a in burst}
    dead = {r.key.decode() for r in letters if r.key}
    until(lambda: len(_delivered_alerts(hook)) >= len(good), 120, "an alert delivered for every article")
    time.sleep(2)
    alerts = [orjson.loads(r.value) for r in namespace.read("news.alerts", len(good), timeout=30, settle=2.0)]
    delivered = _delivered_alerts(hook)
    print(f"\n{outage:.0f} s broker outage (stop to started again) during a paced run ({count} inputs, one every "
          f"{interval} s, and a burst of {len(burst)} just before the stop): "
          f"{len(enriched)} enriched + {len(dead)} dead letters of {len(inputs)} inputs ({len(burst_after)} of the "
          f"burst enriched after the broker was down); {len({a['id'] for a in alerts})} "
          f"alerts, {len(delivered)} delivered ({len(hook.requests)} requests); worker retries "
          f"{worker.metric('wirewatch_delivery_retries_total'):.0f}")
    assert burst_after, "the outage caught the worker mid-stream"
    assert not missing, f"articles lost in the outage: {missing}"
    assert enriched | dead == inputs and enriched == good and dead == bad, "inputs = enriched + dead letters"
    assert {a["article_uri"] for a in alerts} == good, "one alert per article"
    assert delivered == {a["id"] for a in alerts}, "every alert delivered to the receiver"
    assert worker.process is not None and worker.process.poll() is None, "the worker survived the outage"
