"""The alert gate: drop candidates already published (dedupe) or inside their rule's throttle window.

Pure, over the store it is given (a ``MutableMapping[str, JSON]``: a Faust table in the worker, a
dict offline), read-only: :func:`decide` returns the writes, which the caller applies once the alert
is published. Candidates are routed by actor or story (``Candidate.route``), so the partition that
sees a candidate holds its throttle entry and, because an alert id always comes from one finding
and therefore one route, its published id too.

Store keys (values JSON)::

    published:<alert id>       {"t": unix seconds}                 dropped after the retention window
    throttle:<rule>|<route>    {"t": unix seconds, "w": window s}  dropped once its window is over

``now`` is the gate's clock: wall time in the worker; ``wirewatch rules test`` passes each article's
event time so its output is reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from streams.alerts.candidate import Candidate

__all__ = ["DEFAULT_RETENTION_S", "PUBLISHED_PREFIX", "THROTTLE_PREFIX", "GateDecision", "admit", "decide",
           "expired_keys"]

#: how long a published alert id is remembered (a replay or a re-sent article within it is dropped)
DEFAULT_RETENTION_S = 7 * 24 * 3600.0
PUBLISHED_PREFIX = "published:"
THROTTLE_PREFIX = "throttle:"


@dataclass(frozen=True)
class GateDecision:
    """Whether a candidate is published, why not, and the store writes when it is."""

    admitted: bool
    reason: Literal["published", "duplicate", "throttled"]
    writes: dict[str, Any] = field(default_factory=dict)


def decide(store: Mapping[str, Any], candidate: Candidate, now: datetime,
           retention_s: float = DEFAULT_RETENTION_S) -> GateDecision:
    """Decide on ``candidate``: ``duplicate`` when its id was published within ``retention_s``,
    ``throttled`` when its throttle key fired within its ``throttle_s``, else ``published``."""
    clock = now.timestamp()
    published = store.get(PUBLISHED_PREFIX + candidate.alert.id)
    if published is not None and clock - float(published["t"]) < retention_s:
        return GateDecision(False, "duplicate")
    throttle_key = THROTTLE_PREFIX + candidate.throttle_key
    if candidate.throttle_s > 0:
        fired = store.get(throttle_key)
        if fired is not None and abs(clock - float(fired["t"])) < candidate.throttle_s:
            return GateDecision(False, "throttled")
    writes: dict[str, Any] = {PUBLISHED_PREFIX + candidate.alert.id: {"t": clock}}
    if candidate.throttle_s > 0:
        writes[throttle_key] = {"t": clock, "w": candidate.throttle_s}
    return GateDecision(True, "published", writes)


def admit(store: Mapping[str, Any], candidate: Candidate, now: datetime,
          retention_s: float = DEFAULT_RETENTION_S) -> tuple[bool, dict[str, Any]]:
    """Whether to publish ``candidate``, and the store writes to apply after publishing it."""
    decision = decide(store, candidate, now, retention_s)
    return decision.admitted, decision.writes


def expired_keys(store: Mapping[str, Any], now: datetime, retention_s: float = DEFAULT_RETENTION_S) -> list[str]:
    """The gate's keys that no longer matter: published ids past ``retention_s``, throttles past their window."""
    clock = now.timestamp()
    expired = []
    for key in list(store):
        if key.startswith(PUBLISHED_PREFIX):
            if clock - float(store[key]["t"]) >= retention_s:
                expired.append(key)
        elif key.startswith(THROTTLE_PREFIX):
            value = store[key]
            if clock - float(value["t"]) >= float(value.get("w", 0.0)):
                expired.append(key)
    return expired
