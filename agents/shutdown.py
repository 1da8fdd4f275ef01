"""Bounded shutdown and loud failure.

``SIGTERM`` (or ``SIGINT``) sets :attr:`Shutdown.stopping`: agents take no new input, deliveries start
no new retry, and Faust stops the app (commits what was acknowledged, leaves the group). A watchdog
ends the process after ``shutdown_grace_s`` whatever is still pending (a broker outage, a commit that
cannot reach the broker): what was not acknowledged is reprocessed after the restart, so nothing is
lost, and the orchestrator never has to SIGKILL.

:meth:`Shutdown.fatal` is for the one failure the worker must not step over: a record that could
not be dead-lettered. It exits non-zero at once, without committing, so the record is met again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time

__all__ = ["EXIT_FATAL", "Shutdown"]

#: exit status when a record could be neither processed nor dead-lettered (EX_SOFTWARE)
EXIT_FATAL = 70


class Shutdown:
    """The worker's stop signal, its grace-period watchdog and its fatal exit."""

    def __init__(self, grace_s: float, log: logging.Logger) -> None:
        self.grace_s = grace_s
        self.stopping = asyncio.Event()
        self._log = log
        self._began: float | None = None

    def begin(self, why: str) -> None:
        """Start draining; the process exits at the latest ``grace_s`` from now."""
        if self._began is not None:
            return
        self._began = time.monotonic()
        self.stopping.set()
        self._log.info("shutting down (%s): draining for at most %.0f s", why, self.grace_s)
        watchdog = threading.Timer(self.grace_s, self._expire)
        watchdog.daemon = True
        watchdog.start()

    def _expire(self) -> None:
        self._log.warning("shutdown grace period of %.0f s expired: exiting; records not yet acknowledged "
                          "will be reprocessed after the restart", self.grace_s)
        _flush()
        os._exit(0)

    def fatal(self, message: str, exc: BaseException) -> None:
        """Log ``message`` and exit with :data:`EXIT_FATAL` now, committing nothing more."""
        self._log.critical("%s: %s: %s; exiting without committing", message, type(exc).__name__, exc)
        _flush()
        os._exit(EXIT_FATAL)


def _flush() -> None:
    for handler in logging.getLogger("wirewatch").handlers + logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()
    sys.stdout.flush()
