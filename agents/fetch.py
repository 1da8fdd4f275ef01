"""HTTP for the ingest service: conditional GETs of feeds, and polite fetches of article pages.

Every fetch has a total deadline (a server that trickles bytes or never answers fails as
``timeout``) and a size limit (``too_large``); neither ever raises. Pages (``full_text`` feeds) are
fetched at most once per ``host_delay_s`` per host (longer when robots.txt asks a Crawl-delay) and
only where robots.txt allows.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from agents.webhooks import parse_retry_after
from streams.ingest.fulltext import RobotsRules

__all__ = ["Fetched", "PageFetcher", "fetch"]

#: robots.txt is read again after this long
_ROBOTS_TTL_S = 3600.0
#: an unreachable robots.txt is asked again after this long
_ROBOTS_RETRY_S = 60.0


@dataclass(frozen=True)
class Fetched:
    """What one GET came to: an ``outcome`` (ok, not_modified, http_error, rate_limited, timeout,
    network_error, too_large), the body when ok, and the validators for the next conditional GET."""

    outcome: str
    status: int | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The server answered 2xx with a body."""
        return self.outcome == "ok"


async def fetch(client: httpx.AsyncClient, url: str, *, headers: dict[str, str] | None = None,
                etag: str | None = None, last_modified: str | None = None, timeout_s: float,
                max_bytes: int) -> Fetched:
    """GET ``url``, conditionally when validators are given; never raises."""
    request_headers = dict(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout_s):
            return await _get(client, url, request_headers, max_bytes)
    except TimeoutError:
        return Fetched("timeout", error=f"no complete answer within {timeout_s:.0f} s")
    except httpx.TimeoutException as exc:
        return Fetched("timeout", error=f"{type(exc).__name__}: {exc}")
    except (httpx.HTTPError, OSError) as exc:
        return Fetched("network_error", error=f"{type(exc).__name__}: {exc}")


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int) -> Fetched:
    async with client.stream("GET", url, headers=headers) as response:
        status = response.status_code
        if status == 304:
            return Fetched("not_modified", status, etag=response.headers.get("ETag"),
                           last_modified=response.headers.get("Last-Modified"))
        if status in (429, 503):
            return Fetched("rate_limited", status, retry_after=parse_retry_after(response.headers.get("Retry-After"), time.time(),
                                                                  float("inf")),
                           error=f"HTTP {status}")
        if not 200 <= status < 300:
            return Fetched("http_error", status, error=f"HTTP {status}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            return Fetched("too_large", status, error=f"{declared} bytes, over the limit of {max_bytes:,}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                return Fetched("too_large", status, error=f"over the limit of {max_bytes:,} bytes")
            chunks.append(chunk)
        return Fetched("ok", status, b"".join(chunks), etag=response.headers.get("ETag"),
                       last_modified=response.headers.get("Last-Modified"))


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0
    robots: RobotsRules | None = None
    robots_at: float = 0.0


class PageFetcher:
    """Article pages, politely: robots.txt honoured, one request per host per delay."""

    def __init__(self, client: httpx.AsyncClient, user_agent: str, host_delay_s: float, timeout_s: float,
                 max_bytes: int) -> None:
        self._client = client
        self._user_agent = user_agent
        self._delay_s = host_delay_s
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._hosts: dict[str, _Host] = {}

    async def page(self, url: str) -> tuple[str | None, str]:
        """``(html, outcome)``; outcome is ``ok``, ``robots_disallowed``, ``not_http`` or a fetch outcome."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None, "not_http"
        host = self._hosts.setdefault(f"{parts.scheme}://{parts.netloc}", _Host())
        async with host.lock:
            robots = await self._robots(f"{parts.scheme}://{parts.netloc}", host)
            if not robots.allowed(self._user_agent, url):
                return None, "robots_disallowed"
            delay = max(self._delay_s, robots.crawl_delay(self._user_agent) or 0.0)
            await self._wait_turn(host, delay)
            fetched = await fetch(self._client, url, timeout_s=self._timeout_s, max_bytes=self._max_bytes)
        if not fetched.ok:
            return None, fetched.outcome
        return fetched.body.decode("utf-8", "replace"), "ok"

    async def _robots(self, origin: str, host: _Host) -> RobotsRules:
        if host.robots is not None and time.monotonic() - host.robots_at < _ROBOTS_TTL_S:
            return host.robots
        fetched = await fetch(self._client, f"{origin}/robots.txt", timeout_s=self._timeout_s,
                              max_bytes=512_000)
        host.next_at = time.monotonic() + self._delay_s  # robots.txt was a request to this host too
        if fetched.ok:
            rules = RobotsRules(fetched.body.decode("utf-8", "replace"))
        elif fetched.status is not None and 400 <= fetched.status < 500 and fetched.status != 429:
            rules = RobotsRules(None)  # RFC 9309: no robots.txt (4xx) means no restriction
        else:  # unreachable: assume everything disallowed (RFC 9309), and ask again in a minute
            host.robots, host.robots_at = RobotsRules("User-agent: *\nDisallow: /\n"), \
                time.monotonic() - _ROBOTS_TTL_S + _ROBOTS_RETRY_S
            return host.robots
        host.robots, host.robots_at = rules, time.monotonic()
        return rules

    @staticmethod
    async def _wait_turn(host: _Host, delay: float) -> None:
        wait = host.next_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        host.next_at = time.monotonic() + delay
