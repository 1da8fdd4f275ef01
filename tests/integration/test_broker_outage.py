"""Broker outages, on a broker of this module's own that the tests stop and start again."""

from __future__ import annotations

import time

import pytest

from tests.integration.conftest import Broker, Namespace
from tests.integration.test_faults import article, timed_stop

pytestmark = pytest.mark.integration

_OUTAGE_S = 20.0


def _publish(namespace: Namespace, tag: str, count: int) -> set[str]:
    uris = {f"urn:test:{tag}:{n}" for n in range(count)}
    namespace.produce("news.articles", [(uri.encode(), article(uri), []) for uri in sorted(uris)])
    return uris


def test_broker_outage_costs_little_cpu_and_few_log_lines_and_loses_nothing(
        private_broker: Broker, outage_namespace: Namespace) -> None:
    namespace = outage_namespace
    worker = namespace.worker()
    uris = _publish(namespace, "outage", 200)
    namespace.read("news.articles.enriched", 5)  # mid-stream now
    private_broker.stop()
    cpu, lines, started = worker.cpu_seconds(), worker.log_lines(), time.monotonic()
    time.sleep(_OUTAGE_S)
    cpu, lines = worker.cpu_seconds() - cpu, worker.log_lines() - lines
    elapsed = time.monotonic() - started
    status, live = worker.get("/live")
    private_broker.start()

    print(f"\n{elapsed:.0f} s broker outage: worker CPU {cpu:.2f} s ({100 * cpu / elapsed:.1f}% of a core), "
          f"{lines} log lines; /live {status}")
    assert worker.process is not None and worker.process.poll() is None, "the worker survives the outage"
    assert cpu / elapsed < 0.10, "no busy loop while the broker is down"
    assert lines < 400, "log volume stays bounded during the outage"
    assert not namespace.missing_uris(uris, timeout=180), "every article is enriched after the outage"
    print(f"retries counted {worker.metric('wirewatch_delivery_retries_total'):.0f}, log lines suppressed "
          f"{worker.metric('wirewatch_log_lines_suppressed_total'):.0f}")


def test_sigterm_with_a_delivery_pending_during_an_outage_exits_within_the_grace_period(
        private_broker: Broker, outage_namespace: Namespace) -> None:
    namespace = outage_namespace
    grace = 10.0
    worker = namespace.worker(WIREWATCH_SHUTDOWN_GRACE_S=str(grace), WIREWATCH_PRODUCE_TIMEOUT_S="3")
    uris = _publish(namespace, "pending", 200)
    namespace.read("news.articles.enriched", 5)
    private_broker.stop()
    deadline = time.monotonic() + 60
    while worker.metric("wirewatch_delivery_retries_total") == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert worker.metric("wirewatch_delivery_retries_total") > 0, "a delivery is pending"
    status, seconds = timed_stop(worker, timeout=grace + 30)
    print(f"\nSIGTERM with a delivery pending, broker down: exit {status} in {seconds:.1f} s (grace {grace:.0f} s)")
    assert status == 0 and seconds <= grace + 2

    private_broker.start()
    namespace.worker()
    assert not namespace.missing_uris(uris, timeout=180), "what was not acknowledged is reprocessed"
