"""``wirewatch web``: the analyst's view, one server-rendered page of the tracked stories and latest alerts.

The service reads the enriched records, event updates and alerts from the beginning of their topics
(no consumer group, nothing committed), folds them into :class:`streams.view.model.ViewState` and
keeps following them; aiohttp serves the page. Everything it shows comes from the topics, so a
restart rebuilds the same view; so does a reconnect after the broker was unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from typing import Any

from aiohttp import web
from aiokafka.errors import KafkaError

from agents.logs import RateLimit, get_logger, message_context
from agents.reader import TopicReader
from streams.view.model import Source, ViewConfig, ViewSnapshot, ViewState
from streams.view.render import PageInfo, render_json, render_page

__all__ = ["DESCRIPTION", "ViewFollower", "add_arguments", "cmd_web", "create_web_app"]

DESCRIPTION = """\
Serve the analyst's view: a web page of the tracked stories, newest first, each with its
participants, status and the timeline of its event updates and statements (who said what, with the
stance), and the latest alerts; every item links to its article. The page refreshes itself.

It reads news.articles.enriched, news.events.updates and news.alerts (with WIREWATCH_TOPIC_PREFIX)
from the beginning, without a consumer group, and keeps following them: no database of its own. It
keeps the WIREWATCH_VIEW_MAX_STORIES most recently active stories (default 100) and the
WIREWATCH_VIEW_MAX_ALERTS newest alerts (default 50) in memory. Unreadable records are skipped and
counted. Pages: / (the view), /view.json (the same as JSON), /health.

examples:
  wirewatch web                          (http://127.0.0.1:6068/)
  wirewatch web --host 0.0.0.0 --port 8080 --refresh 30
"""

_MAX_BACKOFF_S = 30.0
#: a missing topic is looked for again this often (it is created by ``topics create`` or the worker)
_MISSING_TOPIC_RETRY_S = 5.0
#: the view counts as caught up once the topics have been quiet this long
_CATCH_UP_IDLE_S = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``web`` subcommand's options."""
    parser.add_argument("--host", metavar="HOST", help="address to listen on (default WIREWATCH_VIEW_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, metavar="PORT", help="port to listen on (default WIREWATCH_VIEW_PORT, 6068)")
    parser.add_argument("--refresh", type=int, metavar="S",
                        help="the page reloads itself every S seconds (default WIREWATCH_VIEW_REFRESH_S, 15)")


def cmd_web(args: argparse.Namespace, settings: Any) -> int:
    """Run the view service until SIGTERM or SIGINT."""
    host = args.host or settings.view_host
    port = settings.view_port if args.port is None else args.port
    refresh_s = max(1, settings.view_refresh_s if args.refresh is None else args.refresh)
    return asyncio.run(_serve(settings, host, port, refresh_s))


class ViewFollower:
    """Folds the three topics into a :class:`ViewState`, from their beginning, and keeps following them."""

    def __init__(self, settings: Any, log: logging.Logger) -> None:
        self._settings = settings
        self._log = log
        self.sources: dict[str, Source] = {settings.topic(settings.topic_enriched): "enriched",
                                           settings.topic(settings.topic_event_updates): "update",
                                           settings.topic(settings.topic_alerts): "alert"}
        self._config = ViewConfig(max_stories=settings.view_max_stories, max_alerts=settings.view_max_alerts,
                                  quiet_period_s=settings.story_quiet_period_s)
        self.view = ViewState(self._config)
        #: unreadable records left out of :attr:`view`
        self.skipped = 0
        self.caught_up = False
        #: why the topics cannot be read now, for the page
        self.problem: str | None = None
        self._generation = 0  # counts rebuilds: a snapshot is cached per (generation, records folded)
        self._cached: tuple[int, int, ViewSnapshot] | None = None

    def snapshot(self) -> ViewSnapshot:
        """The view's content now (the same object until another record is folded)."""
        key = (self._generation, self.view.folded)
        if self._cached is None or self._cached[:2] != key:
            self._cached = (*key, self.view.snapshot())
        return self._cached[2]

    def info(self, refresh_s: int, nonce: str | None = None) -> PageInfo:
        """What the page says about its sources and freshness."""
        return PageInfo(topics=tuple(self.sources), refresh_s=refresh_s, skipped=self.skipped,
                        caught_up=self.caught_up, problem=self.problem, nonce=nonce)

    async def run(self) -> None:
        """Read and follow the topics forever; reconnect (and rebuild) with a back-off when they cannot be read."""
        backoff = self._settings.reconnect_backoff_s
        while True:
            try:
                await self._session()
                backoff = self._settings.reconnect_backoff_s
            except (KafkaError, OSError) as exc:
                self.problem = f"{_describe(exc)} (broker {self._settings.kafka_bootstrap})"
                self._log.warning("view: cannot read the topics (%s); retrying in %.0f s", self.problem, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)

    async def _session(self) -> None:
        async with TopicReader(self._settings.kafka_client_options(), list(self.sources),
                               from_beginning=True) as reader:
            missing = sorted(set(self.sources) - {tp.topic for tp in reader.partitions})
            if missing:
                self.problem = f"topic(s) {', '.join(missing)} do not exist yet"
                self._log.warning("view: %s; looking again in %.0f s", self.problem, _MISSING_TOPIC_RETRY_S)
                await asyncio.sleep(_MISSING_TOPIC_RETRY_S)
                return
            # rebuild into a fresh view and swap it in once read: the page never goes blank on a reconnect
            fresh, skipped = ViewState(self._config), 0
            async for record in reader.records(idle_timeout=_CATCH_UP_IDLE_S):
                skipped += not self._fold(fresh, record)
            self.view, self.skipped, self.caught_up, self.problem = fresh, skipped, True, None
            self._generation += 1
            self._log.info("view: caught up, %d record(s), %d skipped", fresh.folded, skipped)
            async for record in reader.records():
                self.skipped += not self._fold(self.view, record)

    def _fold(self, view: ViewState, record: Any) -> bool:
        source = self.sources[record.topic]
        context = message_context(record.topic, record.partition, record.offset)
        try:
            view.fold(source, record.value, record.key)
            return True
        except ValueError as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._log.warning("view: skipped an unreadable %s record: %s", source, first_line,
                              extra={**context, "reason": "invalid"})
        except Exception:
            self._log.exception("view: could not fold a %s record; skipped", source, extra={**context, "reason": "error"})
        return False


def create_web_app(follower: ViewFollower, refresh_s: int) -> web.Application:
    """The aiohttp application: ``/`` (the page), ``/view.json`` and ``/health``."""

    async def page(request: web.Request) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        html = render_page(follower.snapshot(), follower.info(refresh_s, nonce))
        return web.Response(text=html, content_type="text/html", headers=_page_headers(nonce))

    async def view_json(request: web.Request) -> web.Response:
        body = render_json(follower.snapshot(), follower.info(refresh_s))
        return web.Response(body=body, content_type="application/json", headers={"Cache-Control": "no-store"})

    async def health(request: web.Request) -> web.Response:
        view = follower.snapshot()
        return web.json_response({"status": "ok", "caught_up": follower.caught_up, "problem": follower.problem,
                                  "folded": view.folded, "skipped": follower.skipped,
                                  "stories": len(view.stories), "alerts": len(view.alerts)})

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/view.json", view_json)
    app.router.add_get("/health", health)
    return app


def _describe(exc: BaseException) -> str:
    """``KafkaConnectionError: Unable to bootstrap ...`` (aiokafka's messages often name the class already)."""
    name, message = type(exc).__name__, str(exc)
    if not message:
        return name
    return message if message.startswith(name) else f"{name}: {message}"


def _page_headers(nonce: str) -> dict[str, str]:
    # article text is untrusted: besides escaping, the page may run and style nothing but its own nonce'd code
    policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return {"Content-Security-Policy": policy, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"}


def _logger(settings: Any) -> logging.Logger:
    get_logger(settings.log_level)  # the wirewatch handler, JSON lines on stderr
    log = logging.getLogger("wirewatch.web")
    log.addFilter(RateLimit(settings.log_burst, settings.log_window_s))
    return log


async def _serve(settings: Any, host: str, port: int, refresh_s: int) -> int:
    log = _logger(settings)
    follower = ViewFollower(settings, log)
    runner = web.AppRunner(create_web_app(follower, refresh_s), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound = runner.addresses[0][1] if runner.addresses else port
        print(f"view: http://{host}:{bound}/", file=sys.stderr, flush=True)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        following = asyncio.create_task(follower.run(), name="view-follower")
        stop = asyncio.create_task(stopping.wait(), name="view-stop")
        await asyncio.wait([following, stop], return_when=asyncio.FIRST_COMPLETED)
        for task in (following, stop):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task  # re-raises what ended the follower, if it was not the stop signal
    finally:
        await runner.cleanup()
    log.info("view stopped")
    return 0
