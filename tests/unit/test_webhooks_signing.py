"""Webhook subscriptions, request signing and the ``wirewatch webhooks verify`` tool (no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from agents.cli import main
from agents.webhooks import parse_retry_after
from agents.webhooks_cli import parse_captured_request
from schemas.alert import Alert
from schemas.errors import ConfigError
from streams.alerts.signing import verify_request, webhook_id, webhook_request
from streams.alerts.subscriptions import Subscription, Subscriptions
from streams.datafile import DATA_DIR

WHSEC = "whsec_" + base64.b64encode(b"a 24-byte key for tests!").decode()
RAW = "plain text secret 42"


@pytest.fixture
def alert_factory() -> Callable[..., Alert]:
    """Build an :class:`Alert`; override any field by keyword."""
    counter = iter(range(1_000_000))

    def make(**fields: Any) -> Alert:
        number = next(counter)
        fields.setdefault("id", f"alert{number:04d}")
        fields.setdefault("type", "statement.new")
        fields.setdefault("title", "Minister says talks will resume")
        fields.setdefault("severity", "warning")
        fields.setdefault("article_uri", f"urn:test:article:{number}")
        fields.setdefault("topic", "peace-talks")
        fields.setdefault("created_at", datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
        fields.setdefault("evidence", {"text": "Talks will resume on Monday."})
        fields.setdefault("rule", "statements-on-talks")
        return Alert.model_validate(fields)

    return make


def subscription(**fields: Any) -> Subscription:
    fields.setdefault("id", "newsroom")
    fields.setdefault("url", "https://hooks.example.org/in")
    fields.setdefault("secret", WHSEC)
    return Subscription.model_validate(fields)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(text)
    return path


# -- subscriptions file ------------------------------------------------------------------------------
def test_the_example_file_loads() -> None:
    loaded = Subscriptions.load(DATA_DIR / "subscriptions.example.yaml")
    assert [s.id for s in loaded] == ["newsroom", "ci-bridge"]


def test_defaults() -> None:
    sub = subscription()
    assert (sub.types, sub.min_severity, sub.topics, sub.timeout_s, sub.github_signature) == (["*"], "info", [], 10.0, False)


def test_invalid_entry_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "subscriptions:\n  - id: a\n    url: https://a.example/x\n    secret: s\n"
                           "  - id: b\n    url: https://b.example/x\n    secret: s\n    min_severity: loud\n")
    with pytest.raises(ConfigError) as caught:
        Subscriptions.load(path)
    assert str(caught.value).startswith(f"{path}:5: subscriptions[1].min_severity:")


@pytest.mark.parametrize("url", ["ftp://a.example/x", "file:///etc/passwd", "javascript:alert(1)", "https://", "a.example"])
def test_only_http_urls(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f"subscriptions:\n  - id: a\n    url: '{url}'\n    secret: s\n")
    with pytest.raises(ConfigError, match=r":2: subscriptions\[0\]\.url: .*(http|host)"):
        Subscriptions.load(path)


def test_host_off_the_allow_list_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, "subscriptions:\n  - id: a\n    url: https://ok.example/x\n    secret: s\n"
                           "  - id: b\n    url: https://EVIL.example/x\n    secret: s\n")
    assert len(Subscriptions.load(path, frozenset({"ok.example", "evil.example"}))) == 2
    assert len(Subscriptions.load(path, frozenset())) == 2  # empty allow-list: any host
    with pytest.raises(ConfigError, match=r":5: subscriptions\[1\]\.url: .*'evil.example' is not on the .*allow-list"):
        Subscriptions.load(path, frozenset({"OK.example"}))


def test_duplicate_ids_are_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, "subscriptions:\n  - {id: a, url: 'https://a.example/', secret: s}\n"
                           "  - {id: a, url: 'https://b.example/', secret: t}\n")
    with pytest.raises(ConfigError, match=r":3: subscriptions\[1\]\.id: .*duplicate"):
        Subscriptions.load(path)


@pytest.mark.parametrize("secret, message", [("whsec_!!!not-base64!!!", "base64"), ("''", "empty"), ("whsec_", "at least one byte")])
def test_secret_never_appears_in_errors(tmp_path: Path, secret: str, message: str) -> None:
    path = write(tmp_path, f"subscriptions:\n  - id: a\n    url: https://a.example/x\n    secret: {secret}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        Subscriptions.load(path)
    rendered = "".join(traceback.format_exception(caught.value))
    assert "!!!not-base64!!!" not in rendered and caught.value.__cause__ is None


def test_secret_never_in_repr_str_or_other_fields_errors(tmp_path: Path) -> None:
    sub = subscription(secret=RAW)
    assert RAW not in repr(sub) and RAW not in str(sub) and RAW not in repr(Subscriptions([sub]))
    path = write(tmp_path, f"subscriptions:\n  - id: a\n    url: https://a.example/x\n    secret: {RAW}\n    timeout_s: -1\n")
    with pytest.raises(ConfigError) as caught:
        Subscriptions.load(path)
    assert RAW not in "".join(traceback.format_exception(caught.value))


def test_matching_by_type_glob_severity_and_topic(alert_factory: Callable[..., Alert]) -> None:
    subs = Subscriptions([
        subscription(id="all"),
        subscription(id="statements", types=["statement.*"]),
        subscription(id="critical", min_severity="critical"),
        subscription(id="warnings", min_severity="warning"),
        subscription(id="sanctions", topics=["sanctions"]),
        subscription(id="events", types=["event.*", "story.updated"]),
    ])

    def ids(**fields: Any) -> list[str]:
        return [s.id for s in subs.matching(alert_factory(**fields))]

    assert ids() == ["all", "statements", "warnings"]
    assert ids(severity="info") == ["all", "statements"]
    assert ids(severity="critical", topic="sanctions", type="event.sanction") == ["all", "critical", "warnings", "sanctions", "events"]
    assert ids(topic=None, type="story.updated", severity="info") == ["all", "events"]


# -- signing -----------------------------------------------------------------------------------------
def test_request_verifies_with_the_library_for_a_whsec_secret(alert_factory: Callable[..., Alert]) -> None:
    alert = alert_factory()
    headers, body = webhook_request(subscription(), alert, datetime.now(UTC))
    parsed = Webhook(WHSEC).verify(body, headers)
    assert parsed == {"type": "alert.statement.new", "timestamp": "2026-03-01T12:00:00+00:00",
                      "data": alert.model_dump(mode="json")}
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["content-type"] == "application/json"
    assert "X-Hub-Signature-256" not in headers


def test_raw_secret_signs_with_its_utf8_bytes(alert_factory: Callable[..., Alert]) -> None:
    headers, body = webhook_request(subscription(secret=RAW), alert_factory(), datetime.now(UTC))
    Webhook(RAW.encode()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(WHSEC).verify(body, headers)
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(RAW.encode(), signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"


def test_webhook_id_is_the_same_across_attempts_and_differs_per_subscription(alert_factory: Callable[..., Alert]) -> None:
    alert = alert_factory()
    first, body1 = webhook_request(subscription(), alert, datetime.now(UTC))
    later, body2 = webhook_request(subscription(), alert, datetime.now(UTC) + timedelta(minutes=3))
    other, _ = webhook_request(subscription(id="other"), alert, datetime.now(UTC))
    assert first["webhook-id"] == later["webhook-id"] == webhook_id("newsroom", alert.id)
    assert other["webhook-id"] != first["webhook-id"]
    assert body1 == body2 and first["webhook-signature"] != later["webhook-signature"]


@pytest.mark.parametrize("secret", [RAW, WHSEC])
def test_github_header_is_hmac_of_the_body_with_the_secret_string(alert_factory: Callable[..., Alert], secret: str) -> None:
    headers, body = webhook_request(subscription(secret=secret, github_signature=True), alert_factory(), datetime.now(UTC))
    assert headers["X-Hub-Signature-256"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_verify_request_accepts_ours_and_rejects_tampering(alert_factory: Callable[..., Alert]) -> None:
    headers, body = webhook_request(subscription(github_signature=True), alert_factory(), datetime.now(UTC))
    assert verify_request(WHSEC, headers, body)[0]
    assert verify_request(WHSEC, headers, body.replace(b"resume", b"REsume")) == (False, "No matching signature found")
    assert not verify_request("whsec_" + base64.b64encode(b"another key").decode(), headers, body)[0]
    only_github = {"X-Hub-Signature-256": headers["X-Hub-Signature-256"]}
    assert verify_request(WHSEC, only_github, body) == (True, "X-Hub-Signature-256 matches")
    assert verify_request(WHSEC, {}, body)[1].startswith("no signature header")
    assert verify_request(WHSEC, {**headers, "webhook-signature": "garbage"}, body) == (False, "malformed webhook-signature header")


def test_verify_request_timestamp_tolerance(alert_factory: Callable[..., Alert]) -> None:
    headers, body = webhook_request(subscription(), alert_factory(), datetime.now(UTC) - timedelta(hours=2))
    assert verify_request(WHSEC, headers, body) == (False, "Message timestamp too old")
    ok, reason = verify_request(WHSEC, headers, body, check_timestamp=False)
    assert ok and "ignored" in reason
    assert not verify_request(WHSEC, headers, body + b" ", check_timestamp=False)[0]


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("3", now, 600) == 3.0
    assert parse_retry_after("7200", now, 600) == 600.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now, 600) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now, 600) == 0.0
    assert parse_retry_after("soon", now, 600) is None and parse_retry_after(None, now, 600) is None


# -- wirewatch webhooks verify -----------------------------------------------------------------------
def _run_verify(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: bytes,
                *extra: str, secret: str = WHSEC) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    status = main(["webhooks", "verify", "--secret", secret, *extra])
    return status, capsys.readouterr().out


def _captured_http(headers: dict[str, str], body: bytes, newline: bytes = b"\r\n") -> bytes:
    lines = [b"POST /hooks/wirewatch HTTP/1.1", b"Host: 127.0.0.1:9000", f"Content-Length: {len(body)}".encode()]
    lines += [f"{k}: {v}".encode() for k, v in headers.items()]
    return newline.join(lines) + newline + newline + body


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"])
def test_verify_cli_reads_a_captured_http_request(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                  alert_factory: Callable[..., Alert], newline: bytes) -> None:
    headers, body = webhook_request(subscription(), alert_factory(), datetime.now(UTC))
    status, out = _run_verify(monkeypatch, capsys, _captured_http(headers, body, newline) + b"\n")
    assert (status, out.split(":")[0]) == (0, "valid")
    status, out = _run_verify(monkeypatch, capsys, _captured_http(headers, body.replace(b"Talks", b"Tanks"), newline))
    assert (status, out.strip()) == (1, "invalid: No matching signature found")


def test_verify_cli_reads_the_json_form(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        alert_factory: Callable[..., Alert]) -> None:
    headers, body = webhook_request(subscription(secret=RAW, github_signature=True), alert_factory(), datetime.now(UTC))
    captured = orjson.dumps({"headers": headers, "body": body.decode()})
    status, out = _run_verify(monkeypatch, capsys, captured, secret=RAW)
    assert status == 0 and "webhook-signature matches" in out and "X-Hub-Signature-256 matches" in out
    assert _run_verify(monkeypatch, capsys, captured, secret="wrong")[0] == 1  # noqa: S106


@pytest.mark.parametrize("data", [b"", b"no blank line here", b'{"headers": 3}', b"{not json", b"POST / HTTP/1.1\r\n\r\nbody"])
def test_verify_cli_unreadable_input_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                             data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["webhooks", "verify", "--secret", WHSEC]) == 2
    assert "unreadable request" in capsys.readouterr().err


def test_captured_request_body_is_cut_at_content_length() -> None:
    headers, body = parse_captured_request(b"Content-Length: 4\nWebhook-Id: x\n\nbody\n\n")
    assert body == b"body" and headers["webhook-id"] == "x"


def test_verify_help_documents_both_input_forms(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["webhooks", "verify", "--help"])
    out = capsys.readouterr().out
    assert "Content-Length" in out and '"headers"' in out and "Exit status" in out


def test_verify_cli_forgives_a_trailing_newline_without_content_length(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], alert_factory: Callable[..., Alert]) -> None:
    headers, body = webhook_request(subscription(), alert_factory(), datetime.now(UTC))
    captured = "".join(f"{k}: {v}\n" for k, v in headers.items()).encode() + b"\n" + body + b"\n"
    status, out = _run_verify(monkeypatch, capsys, captured)
    assert status == 0 and "trailing newline removed" in out
