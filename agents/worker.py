"""``wirewatch worker``: Faust's worker with a bounded shutdown and rate-limited logs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import faust

from agents.app import Runtime
from agents.logs import RateLimit

__all__ = ["Worker"]


class Worker(faust.Worker):
    """Starts :class:`agents.shutdown.Shutdown` on SIGTERM/SIGINT before Faust stops the app."""

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        settings = runtime.settings
        super().__init__(runtime.app, loglevel=settings.log_level.upper(), quiet=True, **kwargs)
        self._runtime = runtime
        self._stop = runtime.shutdown
        self._rate_limit = RateLimit(settings.log_burst, settings.log_window_s,
                                     on_suppressed=runtime.metrics.log_lines_suppressed.inc)

    def _on_sigterm(self) -> None:
        self._stop.begin("SIGTERM")
        asyncio.ensure_future(self._drain_then(super()._on_sigterm))

    def _on_sigint(self) -> None:
        self._stop.begin("SIGINT")
        asyncio.ensure_future(self._drain_then(super()._on_sigint))

    async def _drain_then(self, stop: Callable[[], None]) -> None:
        """Let the records agents hold finish (no new one is taken), then let Faust stop the app.

        Bounded by a third of the grace period; a record still held then (a delivery waiting for
        the broker, say) is left unacknowledged and processed again after the restart.
        """
        progress, log = self._runtime.progress, logging.getLogger("wirewatch")
        deadline = time.monotonic() + self._runtime.settings.shutdown_grace_s / 3
        while progress.in_flight() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        held = progress.in_flight()
        if held:
            log.warning("stopping with records still in flight in %s: reprocessed after the restart", held)
        stop()

    def on_worker_shutdown(self) -> None:
        """Stop the extraction processes once the app has stopped."""
        self._runtime.extractor.close()

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        """Rate-limit every handler: the root logger's (Faust, aiokafka) and wirewatch's own."""
        for handler in [*logger.handlers, *logging.getLogger("wirewatch").handlers]:
            handler.addFilter(self._rate_limit)
