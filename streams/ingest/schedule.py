"""When to poll a feed next: its interval when all is well, an exponential back-off on errors.

A 429 or 503 with ``Retry-After`` (read by :func:`agents.webhooks.parse_retry_after`) waits at
least that long, capped. Each feed has its own schedule, so one failing feed never delays another.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass
class Backoff:
    """One feed's failure count and the delay before its next poll."""

    interval_s: float
    max_s: float = 3600.0
    failures: int = 0

    def success(self) -> float:
        """The poll worked (or answered 304): back to the regular interval."""
        self.failures = 0
        return self.interval_s

    def failure(self, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """The poll failed: double the wait per consecutive failure (with jitter), at least ``retry_after``."""
        self.failures += 1
        ceiling = min(self.max_s, self.interval_s * 2 ** min(self.failures, 16))
        delay = (rng or random).uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_s))
        return delay
