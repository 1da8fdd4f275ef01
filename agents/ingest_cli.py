"""``wirewatch ingest``: poll feeds into ``news.articles`` (a service), or ingest one feed or file once."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import generate_latest

from agents.ingest import IngestReport, IngestService
from agents.logs import get_logger
from agents.shutdown import Shutdown
from schemas.errors import ConfigError
from streams.ingest.config import FeedConfig, feed_from_url, load_feeds

__all__ = ["DESCRIPTION", "add_arguments", "cmd_ingest"]

DESCRIPTION = """\
Poll news feeds and publish each new or edited item to the articles topic, keyed by its id.

Feeds are RSS 2.0, RSS 1.0/RDF and Atom (parsed with feedparser) and JSON endpoints serving IPTC
ninjs or native items (one item, a list, or {"items": [...]}). The feeds file (YAML) lists, per
feed: url, interval_s (default 300), headers (optional), full_text (default false: fetch each
item's page, honouring robots.txt, and extract its main text with trafilatura), name (optional).

Polls are conditional (ETag / Last-Modified); a feed that fails, answers 429/503 or hangs backs off
on its own schedule without slowing the others. Items already published are not published again,
across restarts: their ids and content hashes are kept in the compacted topic wirewatch.ingest.seen;
an edited item (same id, new content) is published again as a new version. Rejected items go to the
dead-letter topic once, with the reason.

The service serves /metrics, /health and /ready on WIREWATCH_INGEST_WEB_PORT (default 6067) and stops
on SIGTERM, letting polls in progress finish for a few seconds.

examples:
  wirewatch ingest --feeds feeds.yaml
  wirewatch ingest --once https://feeds.bbci.co.uk/news/world/rss.xml
  wirewatch ingest --once saved_feed.xml --json
  wirewatch ingest --feeds feeds.yaml --once        (every feed of the file, once)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``ingest`` subcommand's options."""
    parser.add_argument("--feeds", type=Path, metavar="FILE", help="the feeds file (default: WIREWATCH_FEEDS_FILE)")
    parser.add_argument("--once", nargs="?", const=True, metavar="FILE_OR_URL",
                        help="ingest one feed URL or saved file once and say how many items were new, edited, "
                             "unchanged and rejected; without a value, every feed of --feeds once")
    parser.add_argument("--json", action="store_true", help="with --once: one JSON object per feed on stdout")
    parser.add_argument("--port", type=int, metavar="PORT",
                        help="the service's web port (default WIREWATCH_INGEST_WEB_PORT, 6067; 0: none)")


def cmd_ingest(args: argparse.Namespace, settings: Any) -> int:
    """Run the ingest service, or ``--once``."""
    if args.once is not None:
        return asyncio.run(_once(args, settings))
    feeds = load_feeds(_feeds_path(args, settings))
    return asyncio.run(_serve(feeds, settings, settings.ingest_web_port if args.port is None else args.port))


def _feeds_path(args: argparse.Namespace, settings: Any) -> Path:
    path = args.feeds or settings.feeds_file
    if path is None:
        raise ConfigError("no feeds: give --feeds FILE (or set WIREWATCH_FEEDS_FILE), or --once FILE_OR_URL")
    return Path(path)


async def _once(args: argparse.Namespace, settings: Any) -> int:
    targets: list[FeedConfig | Path]
    if args.once is True:
        targets = list(load_feeds(_feeds_path(args, settings)))
    elif str(args.once).startswith(("http://", "https://")):
        targets = [feed_from_url(str(args.once))]
    else:
        path = Path(str(args.once))
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file (give a file or an http(s) URL)")
        targets = [path]
    service = IngestService(settings, get_logger(settings.log_level))
    await service.start()
    failed = 0
    try:
        for target in targets:
            if isinstance(target, Path):
                report = await service.ingest(str(target), str(target.resolve()), target.read_bytes())
            else:
                report = await service.poll(target, conditional=False)
            failed += not report.ok
            _print_report(report, args.json)
    finally:
        await service.stop()
    return 1 if failed else 0


def _print_report(report: IngestReport, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(report.as_json()).decode() + "\n")
    else:
        print(report.line(), file=sys.stdout if report.ok else sys.stderr)
    sys.stdout.flush()


async def _serve(feeds: list[FeedConfig], settings: Any, port: int) -> int:
    log = get_logger(settings.log_level)
    shutdown = Shutdown(settings.shutdown_grace_s, log)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, shutdown.begin, signal.Signals(signum).name)
    service = IngestService(settings, log)
    runner = await _start_web(service, settings.web_host, port) if port else None
    if runner is not None:
        print(f"ingest: {len(feeds)} feed(s); metrics on http://{settings.web_host}:{port}/metrics",
              file=sys.stderr, flush=True)
    try:
        await service.start()
        await service.run(feeds, shutdown.stopping)
    finally:
        await service.stop()
        if runner is not None:
            await runner.cleanup()
    log.info("ingest stopped")
    return 0


async def _start_web(service: IngestService, host: str, port: int) -> web.AppRunner:
    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(service.metrics.registry),
                            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(request: web.Request) -> web.Response:
        feeds = {name: {"outcome": r.outcome, "error": r.error} for name, r in sorted(service.last.items())}
        return web.json_response({"ready": service.ready, "feeds": feeds}, status=200 if service.ready else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
