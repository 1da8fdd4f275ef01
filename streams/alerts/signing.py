"""Build and verify signed webhook requests (Standard Webhooks, optionally GitHub's header too).

One request per (subscription, alert)::

    POST <url>
    content-type: application/json
    webhook-id: msg_<32 hex>             sha256(subscription id, alert id): the same on every retry
    webhook-timestamp: <unix seconds>    the time of this attempt (receivers reject > 5 min skew)
    webhook-signature: v1,<base64>       HMAC-SHA256 of "id.timestamp.body" (the standardwebhooks package)
    X-Hub-Signature-256: sha256=<hex>    with github_signature: true; HMAC-SHA256 of the body

    {"type": "alert.<Alert.type>", "timestamp": "<Alert.created_at, ISO 8601>", "data": <the Alert as JSON>}

The payload ``type`` is the alert type behind an ``alert.`` namespace (``statement.new`` becomes
``alert.statement.new``), the dotted form the Standard Webhooks specification uses. The body is
the same bytes on every attempt; only the timestamp and so the signature change.

Keys: a ``whsec_<base64>`` secret signs with the decoded bytes (as the specification says); any
other secret signs with its UTF-8 bytes. ``X-Hub-Signature-256`` is always keyed with the secret
*string exactly as written* (UTF-8), ``whsec_`` prefix included: that is what GitHub does and what
GitHub-style receivers (adnanh/webhook's ``payload-hmac-sha256``, Probot, ...) take in their
configuration, a text secret, which the decoded bytes of a whsec_ secret usually are not.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from math import floor

from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from schemas.alert import Alert
from schemas.codec import encode
from streams.alerts.subscriptions import SECRET_PREFIX, Subscription

_SIGNATURE_ENTRY = re.compile(r"v\d+,[A-Za-z0-9+/]+={0,2}")

__all__ = ["GITHUB_HEADER", "TOLERANCE_S", "github_signature", "payload", "verify_request", "webhook_id", "webhook_request"]

GITHUB_HEADER = "X-Hub-Signature-256"
#: the standardwebhooks package rejects timestamps further than this from now
TOLERANCE_S = 300


def webhook_id(subscription_id: str, alert_id: str) -> str:
    """The deterministic ``webhook-id`` of one alert for one subscription (same across retries and restarts)."""
    digest = hashlib.sha256(f"{subscription_id}\x00{alert_id}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def payload(alert: Alert) -> bytes:
    """The request body: ``{type, timestamp, data}`` as compact JSON."""
    return encode({"type": f"alert.{alert.type}", "timestamp": alert.created_at.astimezone(UTC).isoformat(),
                   "data": alert.model_dump(mode="json")})


def webhook_request(subscription: Subscription, alert: Alert, timestamp: datetime) -> tuple[dict[str, str], bytes]:
    """The headers and body of one delivery attempt of ``alert`` to ``subscription`` at ``timestamp``."""
    body = payload(alert)
    secret = subscription.secret.get_secret_value()
    message_id = webhook_id(subscription.id, alert.id)
    at = timestamp.astimezone(UTC)  # the library replaces tzinfo with UTC: it must already be UTC
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": _webhook(secret).sign(message_id, at, body.decode()),
    }
    if subscription.github_signature:
        headers[GITHUB_HEADER] = github_signature(secret, body)
    return headers, body


def github_signature(secret: str, body: bytes) -> str:
    """GitHub's ``sha256=<hex>``: HMAC-SHA256 of the raw body keyed with the secret string's UTF-8 bytes."""
    # the standardwebhooks package has no GitHub scheme; this is the whole of it
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_request(secret: str | SecretStr, headers: Mapping[str, str], body: bytes,
                   check_timestamp: bool = True) -> tuple[bool, str]:
    """Check a received request's signatures; returns ``(valid, reason)``.

    The Standard Webhooks signature is checked with the ``standardwebhooks`` package when
    ``webhook-signature`` is present, GitHub's ``X-Hub-Signature-256`` when present; every
    signature present must be valid, and at least one must be. ``check_timestamp=False`` accepts
    a correctly signed request older (or newer) than the library's 5-minute tolerance.
    """
    raw = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if not raw:
        return False, "empty secret"
    lowered = {k.lower(): v for k, v in headers.items()}
    checked: list[str] = []
    if "webhook-signature" in lowered:
        ok, reason = _verify_standard(raw, lowered, body, check_timestamp)
        if not ok:
            return False, reason
        checked.append(reason)
    github = lowered.get(GITHUB_HEADER.lower())
    if github is not None:
        if not hmac.compare_digest(github.strip().encode(), github_signature(raw, body).encode()):
            return False, f"{GITHUB_HEADER} does not match the body"
        checked.append(f"{GITHUB_HEADER} matches")
    if not checked:
        return False, f"no signature header (webhook-signature or {GITHUB_HEADER})"
    return True, "; ".join(checked)


def _verify_standard(secret: str, headers: dict[str, str], body: bytes, check_timestamp: bool) -> tuple[bool, str]:
    try:
        hook = _webhook(secret)
        text = body.decode()
    except (binascii.Error, ValueError) as exc:  # bad base64 after whsec_, or a body that is not UTF-8
        return False, f"cannot check webhook-signature: {type(exc).__name__}"
    if not _well_formed(headers.get("webhook-signature", "")):
        # checked here: standardwebhooks 1.0 raised on it, later versions skip such entries silently
        return False, "malformed webhook-signature header"
    try:
        hook.verify(text, headers, json_parse=False)
        return True, "webhook-signature matches (Standard Webhooks v1)"
    except WebhookVerificationError as exc:
        reason = str(exc)
    except (ValueError, binascii.Error):  # a signature without "v1," or with bad base64
        return False, "malformed webhook-signature header"
    if check_timestamp or "timestamp" not in reason:
        return False, reason
    # outside the tolerance: still tell whether the signature itself is right, with the library's sign()
    try:
        at = datetime.fromtimestamp(float(headers["webhook-timestamp"]), tz=UTC)
        expected = hook.sign(headers["webhook-id"], at, text)
    except (KeyError, ValueError, OverflowError):
        return False, "invalid webhook-timestamp"
    if any(hmac.compare_digest(expected, s) for s in headers["webhook-signature"].split()):
        return True, f"webhook-signature matches (timestamp outside the {TOLERANCE_S} s tolerance, ignored)"
    return False, "No matching signature found"


def _well_formed(header: str) -> bool:
    """Every space-separated entry is ``v<n>,<base64>``."""
    entries = header.split()
    return bool(entries) and all(_SIGNATURE_ENTRY.fullmatch(entry) for entry in entries)


def _webhook(secret: str) -> Webhook:
    """The library's signer: a whsec_ secret decoded by the library, any other secret as raw UTF-8 bytes."""
    return Webhook(secret) if secret.startswith(SECRET_PREFIX) else Webhook(secret.encode())
