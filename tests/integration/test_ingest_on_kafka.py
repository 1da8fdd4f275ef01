"""``wirewatch ingest`` against real HTTP servers on 127.0.0.1 and the real broker.

The real captured feeds of ``eval/rss_real`` and the ninjs examples of ``eval/ninjs`` are served
from where they are (never copied into the repository); the counts, ids and dates the tests expect
are read from those files with the standard library's XML parser, not with feedparser.
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import orjson
import pytest

from tests.integration.conftest import REPO, WIREWATCH, Namespace, free_port

pytestmark = pytest.mark.integration

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class FeedServer:
    """A real HTTP server: each path answers through a route; requests are recorded."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path)
                status, headers, body = route(self) if route else (404, {}, b"not found")
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def serve_file(self, path: str, file: Path, content_type: str) -> None:
        """Serve ``file`` with an ETag, answering 304 to a matching If-None-Match."""
        body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

        def route(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            if request.headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, b""
            return 200, {"Content-Type": content_type, "ETag": etag}, body

        self.routes[path] = route

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _rss_items(path: Path) -> list[tuple[str, str | None]]:
    """``(guid or link, pubDate as UTC ISO or None)`` of every item, read with the standard library."""
    root = ElementTree.parse(path).getroot()  # noqa: S314 - our own eval fixtures
    found: list[tuple[str, str | None]] = []
    for item in root.iter("item"):
        guid = item.findtext("guid") or item.findtext("link") or ""
        date = item.findtext("pubDate")
        found.append((guid.strip(), parsedate_to_datetime(date).astimezone(UTC).isoformat() if date else None))
    return found


def _ingest_once(namespace: Namespace, target: str) -> dict[str, Any]:
    done = namespace.cli("ingest", "--once", target, "--json")
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return dict(orjson.loads(done.stdout.splitlines()[-1]))


def _articles(namespace: Namespace, expected: int, settle: float = 2.0) -> list[Any]:
    return namespace.read("news.articles", expected, timeout=30, settle=settle)


def test_real_rss_feeds_publish_every_item_once_with_its_id_and_utc_date(namespace: Namespace, feeds: FeedServer,
                                                                           eval_dir: Path) -> None:
    expected: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    for path in sorted((eval_dir / "rss_real").glob("*.xml")):
        feeds.serve_file(f"/{path.name}", path, "application/rss+xml")
        items = _rss_items(path)
        if items:  # the Atom file has no <item>: checked below
            counts[path.name] = len(items)
            expected.update(items)
    assert len(counts) >= 3
    for name, count in counts.items():
        report = _ingest_once(namespace, f"{feeds.url}/{name}")
        assert report["new"] + report["unchanged"] == count and report["rejected"] == 0, (name, report)
    records = _articles(namespace, len(expected))
    published = {r.key.decode(): orjson.loads(r.value) for r in records}
    assert set(published) == set(expected)
    assert len(records) == len(expected)  # a guid repeated inside a feed is published once
    for uri, when in expected.items():
        assert (published[uri].get("published") or "").replace("Z", "+00:00") == (when or ""), uri
    # a second pass publishes nothing: every id is in the seen state
    again = [_ingest_once(namespace, f"{feeds.url}/{name}") for name in counts]
    assert all(r["new"] == 0 and r["edited"] == 0 for r in again)
    assert len(_articles(namespace, len(expected))) == len(expected)


def test_atom_and_ninjs_documents_are_ingested_with_their_ids(namespace: Namespace, feeds: FeedServer,
                                                             eval_dir: Path) -> None:
    atom = eval_dir / "rss_real" / "huffpost_business_googlenews_atom_2015.xml"
    root = ElementTree.parse(atom).getroot()  # noqa: S314
    atom_ids = [e.findtext("{http://www.w3.org/2005/Atom}id") for e in root.iter("{http://www.w3.org/2005/Atom}entry")]
    feeds.serve_file("/atom.xml", atom, "application/atom+xml")
    timeline = eval_dir / "ninjs" / "3.0" / "collection" / "20231016-event-timeline-sample.json"
    feeds.serve_file("/ninjs/timeline", timeline, "application/json")
    text_items = sorted((eval_dir / "ninjs").glob("*/*_text*.json"))
    assert _ingest_once(namespace, f"{feeds.url}/atom.xml")["new"] == len(atom_ids)
    report = _ingest_once(namespace, f"{feeds.url}/ninjs/timeline")
    timeline_uris = [item["uri"] for item in json.loads(timeline.read_text())]
    assert report["new"] == len(set(timeline_uris)) and report["uris"] == list(dict.fromkeys(timeline_uris))
    item_uris = {json.loads(p.read_text())["uri"] for p in text_items}
    for path in text_items:  # a saved file works like a URL
        _ingest_once(namespace, str(path))
    keys = {r.key.decode() for r in _articles(namespace, len(atom_ids) + len(timeline_uris) + len(item_uris))}
    assert set(atom_ids) | set(timeline_uris) | item_uris <= keys


def test_an_edited_item_is_published_again_as_its_next_version(namespace: Namespace, feeds: FeedServer,
                                                               tmp_path: Path) -> None:
    feed = tmp_path / "wire.xml"

    def write(body: str) -> None:
        feed.write_text(f"""<rss version="2.0"><channel><title>Wire</title>
<item><guid>urn:test:truce</guid><title>Truce agreed in Doha</title><description>{body}</description>
<pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>
<item><guid>urn:test:other</guid><title>Markets steady</title><description>Nothing new.</description></item>
</channel></rss>""")
        feeds.serve_file("/wire.xml", feed, "application/rss+xml")

    write("The truce starts at noon.")
    assert _ingest_once(namespace, f"{feeds.url}/wire.xml")["new"] == 2
    write("The truce started at noon and held overnight, officials said.")
    report = _ingest_once(namespace, f"{feeds.url}/wire.xml")
    assert (report["new"], report["edited"], report["unchanged"]) == (0, 1, 1)
    truce = [orjson.loads(r.value) for r in _articles(namespace, 3) if r.key == b"urn:test:truce"]
    assert [t.get("version") for t in truce] == [None, "2"]
    assert "held overnight" in truce[1]["body_text"]


def test_a_rejected_item_is_dead_lettered_once_with_its_reason(namespace: Namespace, feeds: FeedServer,
                                                              tmp_path: Path) -> None:
    feed = tmp_path / "bad.xml"
    feed.write_text("<rss version='2.0'><channel><title>W</title><item><title>Good</title><guid>urn:good</guid>"
                    "</item><item><description>an item without id, link or title</description></item>"
                    "</channel></rss>")
    feeds.serve_file("/bad.xml", feed, "application/rss+xml")
    first = _ingest_once(namespace, f"{feeds.url}/bad.xml")
    second = _ingest_once(namespace, f"{feeds.url}/bad.xml")
    assert (first["new"], first["rejected"], second["rejected"]) == (1, 1, 1)
    [letter] = namespace.read("news.deadletter", 1, timeout=20, settle=2.0)
    headers = {k: (v or b"").decode() for k, v in letter.headers}
    assert headers["wirewatch.errors.reason"] == "invalid-article"
    assert headers["wirewatch.errors.stage"] == "ingest"
    assert headers["__streams.errors.topic"] == f"feed:{feeds.url}/bad.xml"
    assert "'uri'" in headers["__streams.errors.message"] and b"without id" in letter.value


class _Service:
    """``wirewatch ingest --feeds FILE`` as a real process."""

    def __init__(self, namespace: Namespace, feeds_file: Path, **env: str) -> None:
        self.port = free_port()
        self.log = namespace.tmp / f"ingest-{self.port}.log"
        environment = {**namespace.env, "WIREWATCH_INGEST_WEB_PORT": str(self.port), **env}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([*WIREWATCH, "ingest", "--feeds", str(feeds_file)], env=environment,
                                            cwd=REPO, stdout=out, stderr=subprocess.STDOUT)

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:  # noqa: S310
            return str(response.read().decode())

    def wait_for(self, condition: Callable[[str], bool], timeout: float = 60) -> str:
        deadline, text = time.monotonic() + timeout, ""
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                text = self.metrics()
            except OSError:
                text = ""
            if condition(text):
                return text
            time.sleep(0.3)
        raise AssertionError(f"condition not met; metrics:\n{text[-3000:]}\nlog:\n{self.log.read_text()[-3000:]}")

    def stop(self, timeout: float = 30) -> tuple[int, float]:
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - began


def _counter(metrics: str, name: str, **labels: str) -> float:
    """The value of the sample of ``name`` with these labels in Prometheus text, 0 when absent."""
    for line in metrics.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_service_polls_conditionally_and_a_restart_publishes_nothing_again(namespace: Namespace,
                                                                         feeds: FeedServer,
                                                                         eval_dir: Path) -> None:
    nyt = eval_dir / "rss_real" / "nyt_world_2024-08-08.xml"
    feeds.serve_file("/nyt.xml", nyt, "application/rss+xml")
    count = len(dict(_rss_items(nyt)))
    feeds_file = namespace.tmp / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - url: {feeds.url}/nyt.xml\n    interval_s: 1\n    name: nyt\n")
    service = _Service(namespace, feeds_file)
    service.wait_for(lambda m: _counter(m, "wirewatch_feed_polls_total", feed="nyt", outcome="not_modified") >= 2)
    assert service.stop()[0] == 0
    assert any(h.get("If-None-Match") for h in feeds.hits("/nyt.xml"))
    assert len(_articles(namespace, count)) == count
    # restarted: the validators and seen ids come back from the seen topic, so the first poll is a 304
    polls_before = len(feeds.hits("/nyt.xml"))
    again = _Service(namespace, feeds_file)
    metrics = again.wait_for(lambda m: _counter(m, "wirewatch_feed_polls_total", feed="nyt",
                                                outcome="not_modified") >= 1)
    assert _counter(metrics, "wirewatch_feed_polls_total", feed="nyt", outcome="ok") == 0
    assert feeds.hits("/nyt.xml")[polls_before].get("If-None-Match")
    code, seconds = again.stop()
    assert code == 0 and seconds < 10
    assert len(_articles(namespace, count)) == count


def test_feeds_that_fail_hang_or_throttle_do_not_stop_the_others(namespace: Namespace, feeds: FeedServer,
                                                                 eval_dir: Path) -> None:
    release = threading.Event()

    def hang(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        release.wait(60)
        return 200, {}, b""

    feeds.routes["/500"] = lambda r: (500, {}, b"internal error")
    feeds.routes["/garbage"] = lambda r: (200, {"Content-Type": "application/rss+xml"}, b"\x89PNG\r\n not a feed")
    feeds.routes["/hang"] = hang
    feeds.routes["/busy"] = lambda r: (429, {"Retry-After": "30"}, b"slow down")
    good = eval_dir / "ninjs" / "3.0" / "collection" / "20231016-event-timeline-sample.json"
    feeds.serve_file("/good", good, "application/json")
    names = ["500", "garbage", "hang", "busy", "good"]
    feeds_file = namespace.tmp / "feeds.yaml"
    feeds_file.write_text("feeds:\n" + "".join(f"  - url: {feeds.url}/{n}\n    interval_s: 1\n    name: \"{n}\"\n"
                                               for n in names))
    service = _Service(namespace, feeds_file, WIREWATCH_INGEST_FETCH_TIMEOUT_S="3")
    try:
        began = time.monotonic()
        metrics = service.wait_for(lambda m: _counter(m, "wirewatch_feed_polls_total", feed="good",
                                                      outcome="not_modified") >= 3
                                   and _counter(m, "wirewatch_feed_polls_total", feed="hang", outcome="timeout") >= 1)
        # the good feed was polled every second while the other feeds failed
        assert time.monotonic() - began < 30
        assert _counter(metrics, "wirewatch_feed_polls_total", feed="500", outcome="http_error") >= 1
        assert _counter(metrics, "wirewatch_feed_polls_total", feed="garbage", outcome="unreadable") >= 1
        # Retry-After: 30 is honoured: one request only so far
        assert _counter(metrics, "wirewatch_feed_polls_total", feed="busy", outcome="rate_limited") == 1
        assert len(feeds.hits("/busy")) == 1
        # the failing feeds back off: fewer polls than the good one
        assert len(feeds.hits("/500")) < len(feeds.hits("/good"))
        items = len({item["uri"] for item in json.loads(good.read_text())})
        assert _counter(metrics, "wirewatch_feed_items_total", feed="good", result="new") == items
    finally:
        release.set()
        code, seconds = service.stop()
    assert code == 0 and seconds < 15


def test_full_text_fetches_pages_that_robots_txt_allows(namespace: Namespace, feeds: FeedServer) -> None:
    page = (b"<html><head><title>Talks</title></head><body><nav>Home | World | Sport | Weather | Markets</nav>"
            b"<article><h1>Envoys meet in Oslo</h1><p>The envoys met in Oslo on Monday to discuss a ceasefire, "
            b"officials said, and the talks lasted well into the evening.</p><p>Foreign Minister Anna Berg said "
            b"she was guardedly hopeful about the negotiations and expected a second round.</p></article>"
            b"<footer>Copyright 2026 Example Wire</footer></body></html>")
    feeds.routes["/robots.txt"] = lambda r: (200, {"Content-Type": "text/plain"},
                                             b"User-agent: *\nDisallow: /private/\n")
    feeds.routes["/news/oslo"] = lambda r: (200, {"Content-Type": "text/html"}, page)
    feeds.routes["/private/memo"] = lambda r: (200, {"Content-Type": "text/html"}, page)
    feeds.routes["/feed.xml"] = lambda r: (200, {"Content-Type": "application/rss+xml"}, f"""<rss version="2.0">
<channel><title>Wire</title>
<item><guid>urn:ft:oslo</guid><title>Envoys meet in Oslo</title><link>{feeds.url}/news/oslo</link>
<description>Envoys met.</description></item>
<item><guid>urn:ft:memo</guid><title>Memo</title><link>{feeds.url}/private/memo</link>
<description>A memo, summary only.</description></item></channel></rss>""".encode())
    feeds_file = namespace.tmp / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - url: {feeds.url}/feed.xml\n    full_text: true\n    name: wire\n")
    done = namespace.cli("ingest", "--feeds", str(feeds_file), "--once", "--json")
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert orjson.loads(done.stdout.splitlines()[-1])["new"] == 2
    bodies = {r.key.decode(): orjson.loads(r.value)["body_text"] for r in _articles(namespace, 2)}
    assert "guardedly hopeful" in bodies["urn:ft:oslo"] and "Weather" not in bodies["urn:ft:oslo"]
    assert bodies["urn:ft:memo"] == "A memo, summary only."
    assert not feeds.hits("/private/memo")  # robots.txt disallows it: never fetched
    assert feeds.hits("/robots.txt")


def test_the_sample_feed_flows_through_ingest_and_the_worker_as_make_run_shows(namespace: Namespace,
                                                                               feeds: FeedServer) -> None:
    feeds.serve_file("/feed.xml", REPO / "samples" / "feed.xml", "application/rss+xml")
    feeds.serve_file("/ninjs", REPO / "samples" / "ninjs_ceasefire.json", "application/json")
    namespace.worker()
    feeds_file = namespace.tmp / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - url: {feeds.url}/feed.xml\n    interval_s: 2\n"
                          f"  - url: {feeds.url}/ninjs\n    interval_s: 2\n")
    service = _Service(namespace, feeds_file)
    try:
        enriched = {orjson.loads(r.value)["uri"]: orjson.loads(r.value)
                    for r in namespace.read("news.articles.enriched", 5, timeout=120)}
    finally:
        service.stop()
    assert len(enriched) == 5
    # the feed lists the newest first; ingest publishes the oldest first, so the copy follows its original
    assert enriched["urn:wirewatch:sample:delegation-2-syndicated"]["duplicate_of"] == "urn:wirewatch:sample:delegation-2"
    assert enriched["urn:wirewatch:sample:delegation-2"].get("duplicate_of") is None
    assert namespace.read("news.alerts", 1, timeout=60)
