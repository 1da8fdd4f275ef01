"""Webhook delivery to real HTTP receivers on 127.0.0.1 (no Kafka: the deliverer runs on an in-memory store).

Receivers: one that verifies the Standard Webhooks signature with the library, one that answers
503 twice, one that never answers, one that answers 410, and the Debian ``webhook`` server
(adnanh/webhook), which nobody here wrote, checking GitHub's ``X-Hub-Signature-256``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from agents.webhooks import MemoryStore, WebhookDeliverer, WebhookPolicy
from schemas.alert import Alert
from streams.alerts.subscriptions import Subscription, Subscriptions

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - a test key
FAST = WebhookPolicy(max_attempts=3, backoff_base_s=0.05, backoff_max_s=0.2, retry_after_max_s=5.0,
                     connect_timeout_s=1.0)

#: (status, extra headers) for the n-th request (0-based) a receiver gets
Answer = Callable[[int, dict[str, str], bytes], tuple[int, dict[str, str]]]


@dataclass
class Receiver:
    """A stdlib HTTP server in a thread that records every request it gets."""

    answer: Answer
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/wirewatch"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra = receiver.answer(len(receiver.requests), headers, body)
                receiver.requests.append({"headers": headers, "body": body, "at": time.time(), "status": status})
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def delivered(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if 200 <= r["status"] < 300]


def verifying(secret: str) -> Answer:
    """Verify the Standard Webhooks signature with the library: 204 if valid, 401 if not."""
    def answer(n: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        try:
            Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return 401, {}
        return 204, {}
    return answer


class SilentReceiver:
    """Accepts TCP connections and never answers (holds them open)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.connections: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/never"

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(connection)

    def stop(self) -> None:
        self._stop = True
        for connection in self.connections:
            connection.close()
        self.sock.close()


@pytest.fixture
def receivers() -> Iterator[Callable[[Answer], Receiver]]:
    started: list[Receiver] = []

    def make(answer: Answer) -> Receiver:
        started.append(Receiver(answer).start())
        return started[-1]

    yield make
    for receiver in started:
        receiver.stop()


def alert(number: int, **fields: Any) -> Alert:
    fields = {"id": f"alert-{number:04d}", "type": "statement.new", "title": f"Alert {number}", "severity": "warning",
              "article_uri": f"urn:test:{number}", "topic": "peace-talks", "created_at": datetime.now(UTC),
              "evidence": {"text": "Talks will resume."}, "rule": "talks", **fields}
    return Alert.model_validate(fields)


def sub(id: str, url: str, **fields: Any) -> Subscription:
    return Subscription.model_validate({"id": id, "url": url, "secret": SECRET, **fields})


class DeadLetters:
    def __init__(self) -> None:
        self.records: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []

    async def __call__(self, record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        self.records.append((record, history))


class Counts:
    def __init__(self) -> None:
        self.outcomes: list[tuple[str, str]] = []
        self.disabled = 0

    def delivery(self, subscription: str, outcome: str) -> None:
        self.outcomes.append((subscription, outcome))

    def endpoints_disabled(self, count: int) -> None:
        self.disabled = count


async def until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def started(subscriptions: list[Subscription], store: MemoryStore | None = None,
                  policy: WebhookPolicy = FAST) -> tuple[WebhookDeliverer, DeadLetters, Counts, MemoryStore]:
    store = store if store is not None else MemoryStore()
    dead, counts = DeadLetters(), Counts()
    deliverer = WebhookDeliverer(Subscriptions(subscriptions), policy, store, dead, counts)
    await deliverer.start()
    return deliverer, dead, counts, store


# -- the tests ---------------------------------------------------------------------------------------
async def test_verifying_receiver_gets_every_matching_alert_signed(receivers: Callable[[Answer], Receiver]) -> None:
    good = receivers(verifying(SECRET))
    deliverer, dead, counts, store = await started([sub("good", good.url), sub("critical-only", good.url, min_severity="critical")])
    try:
        for n in range(5):
            deliverer.submit(alert(n))
        await until(lambda: deliverer.pending == 0, 5)
    finally:
        await deliverer.close()
    assert len(good.delivered()) == 5 and not dead.records and not store.records
    assert {json.loads(r["body"])["data"]["id"] for r in good.requests} == {f"alert-{n:04d}" for n in range(5)}
    assert json.loads(good.requests[0]["body"])["type"] == "alert.statement.new"
    assert counts.outcomes.count(("good", "delivered")) == 5


async def test_retry_after_twice_then_ok_is_one_delivery_with_one_webhook_id(receivers: Callable[[Answer], Receiver]) -> None:
    def busy_twice(n: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        return (503, {"Retry-After": "1"}) if n < 2 else verifying(SECRET)(n, headers, body)

    busy = receivers(busy_twice)
    deliverer, dead, counts, _ = await started([sub("busy", busy.url)])
    try:
        deliverer.submit(alert(1))
        await until(lambda: deliverer.pending == 0, 10)
    finally:
        await deliverer.close()
    assert [r["status"] for r in busy.requests] == [503, 503, 204]
    assert len(busy.delivered()) == 1 and not dead.records
    assert len({r["headers"]["webhook-id"] for r in busy.requests}) == 1
    gaps = [b["at"] - a["at"] for a, b in zip(busy.requests, busy.requests[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # Retry-After: 1 honoured, not the 0.2 s back-off
    assert counts.outcomes == [("busy", "retried"), ("busy", "retried"), ("busy", "delivered")]


async def test_silent_endpoint_is_dead_lettered_while_another_keeps_getting_alerts_on_time(
        receivers: Callable[[Answer], Receiver]) -> None:
    good = receivers(verifying(SECRET))
    silent = SilentReceiver()
    silent_url = silent.url
    subscriptions = [sub("silent", silent.url, timeout_s=0.5, types=["statement.*"]), sub("good", good.url)]
    deliverer, dead, _, store = await started(subscriptions)
    submitted: dict[str, float] = {}
    try:
        for n in range(12):
            kind = "statement.new" if n < 2 else "event.protest"  # the silent one wants the first two
            submitted[f"alert-{n:04d}"] = time.time()
            deliverer.submit(alert(n, type=kind))
            await asyncio.sleep(0.15)
        await until(lambda: len(dead.records) == 2, 15)
    finally:
        await deliverer.close()
        silent.stop()
    latencies = [r["at"] - submitted[json.loads(r["body"])["data"]["id"]] for r in good.delivered()]
    assert len(latencies) == 12
    assert max(latencies) < 0.5, latencies  # the silent endpoint (3 x 0.5 s per alert) never held it up
    for record, history in dead.records:
        assert record["subscription"] == "silent" and record["reason"] == "attempts-exhausted"
        assert [h["attempt"] for h in history] == [1, 2, 3] and {h["error"] for h in history} == {"timeout"}
        assert SECRET not in json.dumps(record) and silent_url not in json.dumps(record)
    assert not store.records


async def test_gone_endpoint_is_disabled_and_its_alerts_dead_lettered(receivers: Callable[[Answer], Receiver]) -> None:
    gone = receivers(lambda n, h, b: (410, {}))
    deliverer, dead, counts, _ = await started([sub("gone", gone.url)])
    try:
        deliverer.submit(alert(1))
        await until(lambda: deliverer.pending == 0, 5)
        deliverer.submit(alert(2))  # after the 410: not sent, dead-lettered
        await until(lambda: len(dead.records) == 2, 5)
        assert deliverer.disabled == ["gone"]
    finally:
        await deliverer.close()
    assert len(gone.requests) == 1
    assert [r["reason"] for r, _ in dead.records] == ["endpoint-gone", "endpoint-gone"]
    assert ("gone", "disabled") in counts.outcomes and counts.disabled == 1


async def test_pending_retry_survives_a_restart_with_the_same_webhook_id(receivers: Callable[[Answer], Receiver]) -> None:
    flaky = receivers(lambda n, h, b: (503, {"Retry-After": "1"}) if n == 0 else (200, {}))
    store = MemoryStore()
    first, _, _, _ = await started([sub("flaky", flaky.url)], store)
    first.submit(alert(7))
    await until(lambda: len(flaky.requests) == 1, 5)
    await asyncio.sleep(0.1)
    await first.close()  # the worker stops while the retry is pending
    assert len(store.records) == 1 and next(iter(store.records.values()))["attempts"] == 1
    second, dead, _, _ = await started([sub("flaky", flaky.url)], store)
    try:
        assert second.resume() == 1
        await until(lambda: not store.records, 5)
    finally:
        await second.close()
    assert [r["status"] for r in flaky.requests] == [503, 200] and not dead.records
    assert flaky.requests[0]["headers"]["webhook-id"] == flaky.requests[1]["headers"]["webhook-id"]


async def test_redirects_are_not_followed(receivers: Callable[[Answer], Receiver]) -> None:
    target = receivers(lambda n, h, b: (200, {}))
    redirecting = receivers(lambda n, h, b: (307, {"Location": target.url}))
    deliverer, dead, _, _ = await started([sub("redirect", redirecting.url)])
    try:
        deliverer.submit(alert(1))
        await until(lambda: len(dead.records) == 1, 5)
    finally:
        await deliverer.close()
    assert not target.requests and dead.records[0][0]["reason"] == "redirected"


# -- the Debian webhook server (adnanh/webhook) -------------------------------------------------------
def _webhook_binary() -> str:
    found = shutil.which("webhook")
    if found is None and os.geteuid() == 0:
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "webhook"]):
            subprocess.run(command, capture_output=True, timeout=600, check=False,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("webhook")
    if found is None:
        pytest.skip("the Debian `webhook` package (adnanh/webhook) is not installed and could not be installed")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["a text secret the receiver was configured with", SECRET], ids=["raw-secret", "whsec-secret"])
def adnanh_webhook(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, str, Path]]:
    """The ``webhook`` server with one hook whose trigger rule checks X-Hub-Signature-256; (url, secret, output).

    Its ``secret`` is the subscription's secret string as written, for a whsec_ secret too.
    """
    binary = _webhook_binary()
    secret = str(request.param)
    output = tmp_path / "received.txt"
    script = tmp_path / "record.sh"
    script.write_text(f'#!/bin/sh\necho "$1 $2" >> {output}\n')
    script.chmod(0o755)
    hooks = [{
        "id": "wirewatch", "execute-command": str(script), "include-command-output-in-response": True,
        "trigger-rule-mismatch-http-response-code": 403,
        "pass-arguments-to-command": [{"source": "payload", "name": "type"}, {"source": "payload", "name": "data.id"}],
        "trigger-rule": {"match": {"type": "payload-hmac-sha256", "secret": secret,
                                   "parameter": {"source": "header", "name": "X-Hub-Signature-256"}}},
    }]
    (tmp_path / "hooks.json").write_text(json.dumps(hooks))
    port = _free_port()
    log = (tmp_path / "webhook.log").open("wb")
    process = subprocess.Popen([binary, "-hooks", str(tmp_path / "hooks.json"), "-ip", "127.0.0.1",
                                "-port", str(port), "-verbose"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"webhook did not start: {(tmp_path / 'webhook.log').read_text()}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/hooks/wirewatch", secret, output
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


async def test_debian_webhook_server_accepts_our_github_signature_and_rejects_a_tampered_body(
        adnanh_webhook: tuple[str, str, Path]) -> None:
    url, secret, output = adnanh_webhook
    subscription = Subscription.model_validate({"id": "adnanh", "url": url, "secret": secret, "github_signature": True})
    deliverer, dead, counts, store = await started([subscription])
    try:
        deliverer.submit(alert(42))
        await until(lambda: deliverer.pending == 0, 10)
    finally:
        await deliverer.close()
    assert not dead.records and counts.outcomes == [("adnanh", "delivered")]
    assert output.read_text().split() == ["alert.statement.new", "alert-0042"]

    from streams.alerts.signing import webhook_request

    headers, body = webhook_request(subscription, alert(43), datetime.now(UTC))
    async with httpx.AsyncClient() as client:
        tampered = await client.post(url, content=body.replace(b"alert-0043", b"alert-9999"), headers=headers)
        genuine = await client.post(url, content=body, headers=headers)
    assert tampered.status_code == 500 and "rules" in tampered.text, tampered.text  # a signature error
    assert genuine.status_code == 200
    assert output.read_text().split() == ["alert.statement.new", "alert-0042", "alert.statement.new", "alert-0043"]
