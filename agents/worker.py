"""``wirewatch worker``: Faust's worker with a bounded shutdown and rate-limited logs."""

from __future__ import annotations

import logging
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
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._stop.begin("SIGINT")
        super()._on_sigint()

    def on_worker_shutdown(self) -> None:
        """Stop the extraction processes once the app has stopped."""
        self._runtime.extractor.close()

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        """Rate-limit every handler: the root logger's (Faust, aiokafka) and wirewatch's own."""
        for handler in [*logger.handlers, *logging.getLogger("wirewatch").handlers]:
            handler.addFilter(self._rate_limit)
