"""Security on the real broker: SCRAM-SHA-512 over TLS, and no secret in logs, metrics or dead letters.

The test broker of ``make test`` has a SASL_SSL listener besides the PLAINTEXT one (scripts/test starts
it with ``KAFKA_SCRAM_PORT``, 29094) and exports ``WIREWATCH_TEST_SCRAM_BOOTSTRAP``, ``_CAFILE``,
``_USERNAME`` and ``_PASSWORD``; without them these tests skip. Each namespace's topics are created on the
PLAINTEXT listener and read there by the test; the workers and CLI runs under test see only the SCRAM one.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
import pytest

from tests.integration.conftest import REPO, WIREWATCH, Namespace, talks_file, until, web_port
from tests.integration.test_webhook_receivers import Answer, Receiver, verifying

pytestmark = pytest.mark.integration

SAMPLES = REPO / "samples"


@dataclass(frozen=True)
class Scram:
    """The test broker's SCRAM-SHA-512 + TLS listener and its user."""

    bootstrap: str
    cafile: str
    username: str
    password: str = field(repr=False)  # not in pytest's failure reports either

    def env(self, **overrides: str) -> dict[str, str]:
        """``WIREWATCH_*`` settings of a client that uses only this listener."""
        return {"WIREWATCH_KAFKA_BOOTSTRAP": self.bootstrap, "WIREWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                "WIREWATCH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "WIREWATCH_KAFKA_SASL_USERNAME": self.username,
                "WIREWATCH_KAFKA_SASL_PASSWORD": self.password, "WIREWATCH_KAFKA_SSL_CAFILE": self.cafile,
                **overrides}


@pytest.fixture
def scram() -> Scram:
    """The SCRAM listener scripts/test started; skip when there is none (a plain broker)."""
    names = ("BOOTSTRAP", "CAFILE", "USERNAME", "PASSWORD")
    values = {name: os.environ.get(f"WIREWATCH_TEST_SCRAM_{name}", "") for name in names}
    if not all(values.values()):
        pytest.skip("no SCRAM + TLS listener on the test broker: run `make test` (scripts/test starts one with "
                    "KAFKA_SCRAM_PORT) or set WIREWATCH_TEST_SCRAM_BOOTSTRAP, _CAFILE, _USERNAME, _PASSWORD")
    return Scram(values["BOOTSTRAP"], values["CAFILE"], values["USERNAME"], values["PASSWORD"])


def _cli(namespace: Namespace, env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``wirewatch ARGS`` with the namespace's environment and ``env`` on top."""
    return subprocess.run([*WIREWATCH, *args], env={**namespace.env, **env}, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, check=False)


def _uris(namespace: Namespace, expected: int) -> set[str]:
    return {orjson.loads(r.value)["uri"] for r in namespace.read("news.articles.enriched", expected, settle=2.0)}


def test_a_worker_on_the_scram_tls_listener_turns_sample_articles_into_enriched_records_and_alerts(
        scram: Scram, namespace: Namespace) -> None:
    namespace.worker(True, **scram.env())
    published = _cli(namespace, scram.env(), "publish", str(SAMPLES / "peace_talks.json"),
                     str(SAMPLES / "ninjs_ceasefire.json"))
    assert published.returncode == 0, published.stderr
    assert "published 4 record(s)" in published.stderr

    assert len(_uris(namespace, 4)) == 4
    alerts = namespace.read("news.alerts", 1, settle=3.0)
    assert alerts, "no alert from the sample articles"
    assert {orjson.loads(r.value)["type"] for r in alerts} >= {"statement.new"}
    tailed = _cli(namespace, scram.env(), "tail", "alerts", "--from-beginning", "--max", "1", "--timeout", "30")
    assert tailed.returncode == 0 and orjson.loads(tailed.stdout.splitlines()[0])["type"] == "statement.new"


def test_a_wrong_password_fails_saying_authentication_failed_and_never_prints_the_password(
        scram: Scram, namespace: Namespace) -> None:
    wrong = f"wrong-{secrets.token_hex(8)}"
    env = scram.env(WIREWATCH_KAFKA_SASL_PASSWORD=wrong)

    worker = subprocess.run([*WIREWATCH, "worker"], env={**namespace.env, **env}, capture_output=True, text=True,
                            timeout=120, cwd=REPO, check=False)
    output = worker.stdout + worker.stderr
    assert worker.returncode != 0, output[-3000:]
    assert "SaslAuthenticationFailed" in output and "Authentication failed" in output, output[-3000:]

    created = _cli(namespace, env, "topics", "create")
    assert created.returncode == 1
    assert "Authentication failed" in created.stderr, created.stderr
    for shown in (output, created.stdout + created.stderr):
        assert wrong not in shown and scram.password not in shown


@pytest.mark.parametrize(("security", "refusal"), [
    ({"WIREWATCH_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", "WIREWATCH_KAFKA_SASL_MECHANISM": "",
      "WIREWATCH_KAFKA_SASL_USERNAME": "", "WIREWATCH_KAFKA_SASL_PASSWORD": "", "WIREWATCH_KAFKA_SSL_CAFILE": ""},
     "KafkaConnectionError"),
    ({"WIREWATCH_KAFKA_SSL_CAFILE": ""}, "CERTIFICATE_VERIFY_FAILED"),  # TLS, but the system CAs only
], ids=["plaintext-client", "tls-without-the-ca"])
def test_a_client_without_tls_or_without_the_ca_is_refused_by_the_tls_listener(
        scram: Scram, namespace: Namespace, security: dict[str, str], refusal: str) -> None:
    created = _cli(namespace, {k: v for k, v in scram.env(**security).items() if v}, "topics", "create")
    assert created.returncode == 1, created.stdout + created.stderr
    assert refusal in created.stderr, created.stderr
    assert scram.password not in created.stdout + created.stderr


def _failing(n: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
    return 500, {}


def test_no_secret_reaches_the_worker_log_its_metrics_or_any_dead_letter(
        scram: Scram, namespace: Namespace, receiver: Callable[[Answer], Receiver]) -> None:
    whsec = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    raw_secret = f"raw-webhook-secret-{secrets.token_hex(8)}"
    tokens = [secrets.token_hex(12), secrets.token_hex(12)]
    good, bad = receiver(verifying(whsec)), receiver(_failing)
    path = namespace.tmp / "subscriptions.yaml"
    path.write_text(f"subscriptions:\n"
                    f"  - id: newsroom\n    url: '{good.url}?token={tokens[0]}'\n    secret: {whsec}\n"
                    f"    timeout_s: 2\n"
                    f"  - id: broken\n    url: '{bad.url}?token={tokens[1]}'\n    secret: {raw_secret}\n"
                    f"    timeout_s: 2\n    github_signature: true\n")
    env = scram.env(WIREWATCH_SUBSCRIPTIONS_FILE=str(path), WIREWATCH_LOG_LEVEL="debug",
                    WIREWATCH_WEBHOOK_MAX_ATTEMPTS="2", WIREWATCH_WEBHOOK_BACKOFF_BASE_S="0.2",
                    WIREWATCH_WEBHOOK_BACKOFF_MAX_S="0.5", **web_port())
    worker = namespace.worker(True, **env)
    published = _cli(namespace, scram.env(), "publish", str(talks_file(namespace.tmp, 3, "secrets")))
    assert published.returncode == 0, published.stderr
    namespace.produce("news.articles", [(b"bad-json", b'{"uri": "urn:test:bad", "headline": ', []),
                                        (None, b"\xff\xfe not utf-8", [("source", b"test")])])

    letters = namespace.read("news.deadletter", 2, timeout=90)
    assert len(letters) == 2
    alerts = namespace.read("news.alerts", 3, settle=2.0)
    assert len(alerts) == 3
    until(lambda: len(good.delivered()) >= 3, 60, "the newsroom's three deliveries")
    alert_letters = namespace.read("news.alerts.deadletter", 3, timeout=60)
    assert len(alert_letters) == 3, "every alert dead-lettered for the broken endpoint"
    assert len(bad.requests) >= 6, "two attempts per alert at the broken endpoint"
    metrics = worker.metrics()
    assert 'subscription="broken"' in metrics  # the endpoint is in the metrics, by id
    assert worker.stop(signal.SIGTERM) is not None
    log = worker.log_path.read_text(errors="replace")
    assert "SCRAM-SHA-512" in log  # debug logging shows the SASL exchange: the grep below is not vacuous

    found = [("worker log", log), ("/metrics", metrics)]
    for letter in [*letters, *alert_letters]:
        where = f"dead letter {letter.topic}[{letter.partition}]@{letter.offset}"
        found.append((f"{where} key", (letter.key or b"").decode(errors="replace")))
        found.append((f"{where} value", (letter.value or b"").decode(errors="replace")))
        found += [(f"{where} header {name}", name + "=" + (value or b"").decode(errors="replace"))
                  for name, value in letter.headers]
    hidden = {"SCRAM password": scram.password, "whsec secret": whsec, "its key": whsec.removeprefix("whsec_"),
              "raw webhook secret": raw_secret}
    leaks = [f"{what} in {where}" for where, text in found for what, secret in hidden.items() if secret in text]
    assert not leaks, leaks
    # a token in a webhook URL is a secret too: wirewatch's own lines and the dead letters show only the host,
    # and httpx's request log (the full URL, at INFO) is turned down to warnings (agents/logs.py)
    url_leaks = [f"URL token in {where}" for where, text in found for token in tokens if token in text]
    assert not url_leaks, url_leaks
