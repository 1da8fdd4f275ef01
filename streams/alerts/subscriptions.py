"""Webhook subscriptions: who is told about which alerts, loaded from a YAML file.

The file (``WIREWATCH_SUBSCRIPTIONS_FILE``; example in ``streams/data/subscriptions.example.yaml``)::

    subscriptions:
      - id: newsroom
        url: https://hooks.example.org/wirewatch
        secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw     # or any other string: the raw HMAC key
        types: ["statement.*"]                          # fnmatch globs on Alert.type; default ["*"]
        min_severity: warning                           # info | warning | critical; default info
        topics: [sanctions]                             # Alert.topic ids; empty/absent = any topic
        timeout_s: 10                                   # read timeout (and budget) of one attempt
        github_signature: false                         # also send X-Hub-Signature-256

Secrets are ``SecretStr``: they never appear in ``repr``/``str`` of a subscription, nor in a load
error (pydantic is told to hide inputs, and the validation error is not chained).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from schemas.alert import Alert
from schemas.errors import ConfigError
from streams.datafile import load_entries

__all__ = ["SECRET_PREFIX", "SEVERITY_RANK", "Subscription", "Subscriptions"]

#: Standard Webhooks secrets are ``whsec_`` + base64 of the key bytes
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a password
#: alert severities in increasing order
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


class Subscription(BaseModel):
    """One webhook endpoint and the alerts it wants."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
                    description="stable name: part of the webhook-id and the metrics label")
    url: str = Field(description="http(s) URL the alerts are POSTed to")
    secret: SecretStr = Field(description="whsec_<base64> (Standard Webhooks) or a raw string used as the HMAC key")
    types: list[str] = Field(default_factory=lambda: ["*"], min_length=1,
                             description="fnmatch globs on the alert type, e.g. 'statement.*'")
    min_severity: Literal["info", "warning", "critical"] = "info"
    topics: list[str] = Field(default_factory=list, description="alert topic ids; empty = any")
    timeout_s: float = Field(10.0, gt=0, le=300)
    github_signature: bool = Field(False, description="also send GitHub's X-Hub-Signature-256")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
        if not parts.hostname:
            raise ValueError("must name a host")
        return value

    @field_validator("secret")
    @classmethod
    def _usable_secret(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if not raw:
            raise ValueError("must not be empty")
        if raw.startswith(SECRET_PREFIX):
            encoded = raw[len(SECRET_PREFIX):]
            try:
                key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("a whsec_ secret must be followed by base64") from None
            if not key:
                raise ValueError("a whsec_ secret must hold at least one byte")
        return value

    @property
    def host(self) -> str:
        """The URL's host name (lower case): what logs show instead of the URL, which may hold a token."""
        return (urlsplit(self.url).hostname or "").lower()

    def wants(self, alert: Alert) -> bool:
        """Whether ``alert`` matches this subscription's types, severity and topics."""
        if SEVERITY_RANK[alert.severity] < SEVERITY_RANK[self.min_severity]:
            return False
        if self.topics and alert.topic not in self.topics:
            return False
        return any(fnmatchcase(alert.type, pattern) for pattern in self.types)


class Subscriptions:
    """The loaded subscriptions, in file order."""

    def __init__(self, subscriptions: Sequence[Subscription]) -> None:
        ids = [s.id for s in subscriptions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ConfigError(f"duplicate subscription id(s): {', '.join(duplicates)}")
        self._subscriptions = list(subscriptions)

    @classmethod
    def load(cls, path: Path, allowed_hosts: frozenset[str] | None = None) -> Subscriptions:
        """Read and validate ``path``; a URL whose host is not on a non-empty ``allowed_hosts`` is an error.

        Raises:
            ConfigError: ``file:line: subscriptions[i].field: message`` (never the secret).
        """
        model = _checked_model(frozenset(h.lower() for h in allowed_hosts or ()))
        try:
            _, entries = load_entries(path, "subscriptions", model)
        except ConfigError as exc:
            # not chained: the pydantic error behind it would carry the offending input
            raise ConfigError(str(exc)) from None
        return cls([Subscription.model_validate(dict(entry)) for entry in entries])

    def matching(self, alert: Alert) -> list[Subscription]:
        """The subscriptions that want ``alert``."""
        return [s for s in self._subscriptions if s.wants(alert)]

    def get(self, subscription_id: str) -> Subscription | None:
        """The subscription with this id, if there is one."""
        return next((s for s in self._subscriptions if s.id == subscription_id), None)

    def __iter__(self) -> Iterator[Subscription]:
        return iter(self._subscriptions)

    def __len__(self) -> int:
        return len(self._subscriptions)

    def __repr__(self) -> str:
        return f"Subscriptions({[s.id for s in self._subscriptions]!r})"


def _checked_model(allowed_hosts: frozenset[str]) -> type[Subscription]:
    """``Subscription`` plus the checks that need the file's context: allow-list and unique ids."""
    seen: set[str] = set()

    class _FileSubscription(Subscription):
        @field_validator("id")
        @classmethod
        def _unique(cls, value: str) -> str:
            if value in seen:
                raise ValueError(f"duplicate subscription id {value!r}")
            seen.add(value)
            return value

        @field_validator("url")
        @classmethod
        def _allowed(cls, value: str) -> str:
            host = (urlsplit(value).hostname or "").lower()
            if allowed_hosts and host not in allowed_hosts:
                raise ValueError(f"host {host!r} is not on the webhook host allow-list")
            return value

    return _FileSubscription
