"""The analyst's view in a real browser: the samples go through a worker, ``wirewatch web`` serves them,
and Debian's headless Chromium loads the page (its DOM after load, and a screenshot).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.integration.conftest import REPO, WIREWATCH, Namespace, free_port

pytestmark = pytest.mark.integration

SAMPLES = [str(REPO / "samples" / name) for name in ("peace_talks.json", "ninjs_ceasefire.json", "syndicated_copy.json")]
HEADLINES = [  # newest first, as the page lists the stories
    "NATO chief backs ceasefire proposal, warns against delay",
    "Markets steady as energy prices ease",
    "Turkey sends delegation as ceasefire talks move to Istanbul",
    "UN chief cautiously hopeful as Geneva peace talks open",
]
COPY_HEADLINE = "Ankara to send Fidan to ceasefire talks, wants Istanbul venue"
HOSTILE = {
    "uri": "urn:test:view:hostile",
    "headline": "<img src=x onerror=\"document.body.setAttribute('data-pwned', '1')\"> Harbour reopens",
    "body_text": "The harbour reopened on Friday after repairs, the port authority said.",
    "published": "2026-11-20T08:00:00Z",
    "url": "javascript:document.body.setAttribute('data-pwned', '2')",
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def chromium() -> str:
    """Debian's ``chromium`` (scripts/test installs it)."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed (apt-get install chromium; scripts/test installs it)")
    return path


@pytest.fixture
def start_view(namespace: Namespace) -> Iterator[Callable[[], tuple[str, Path]]]:
    """Start ``wirewatch web`` as a real process on a free port: returns (its URL, its log file)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[str, Path]:
        port = free_port()
        log_path = namespace.tmp / f"web-{port}.log"
        with log_path.open("ab") as log:
            processes.append(subprocess.Popen([*WIREWATCH, "web", "--port", str(port), "--refresh", "5"],
                                              env=namespace.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO))
        return f"http://127.0.0.1:{port}/", log_path

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{url}health", timeout=2) as response:  # noqa: S310
            return dict(json.loads(response.read()))
    except OSError:
        return None


def _wait_for_view(url: str, log: Path, stories: int, alerts: int, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    health: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        health = _health(url)
        if health and health["caught_up"] and health["stories"] >= stories and health["alerts"] >= alerts:
            return health
        time.sleep(0.5)
    raise AssertionError(f"the view never showed {stories} stories and {alerts} alerts: {health}\n"
                         f"{log.read_text(errors='replace')[-4000:]}")


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return done


class _Text(HTMLParser):
    """The text a reader sees in a DOM (scripts and styles left out), whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("script", "style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style", "title")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split())


def test_the_view_shows_the_samples_stories_and_alerts_in_a_real_browser(
        namespace: Namespace, chromium: str, start_view: Callable[[], tuple[str, Path]], tmp_path: Path) -> None:
    namespace.worker()
    published = namespace.cli("publish", *SAMPLES)
    assert published.returncode == 0, published.stderr.decode()
    assert len(namespace.read("news.articles.enriched", 5, timeout=120)) >= 5
    alerts = [orjson.loads(r.value) for r in namespace.read("news.alerts", 1, settle=5.0)]
    assert alerts, "the samples raise alerts"
    alert_ids = {a["id"] for a in alerts}

    # started after the samples were processed: it rebuilds the view from the beginning of the topics
    url, log = start_view()
    _wait_for_view(url, log, stories=len(HEADLINES), alerts=len(alert_ids))
    assert f"view: {url}" in log.read_text()
    # and it follows them: an article published now shows up without a restart
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(HOSTILE))
    assert namespace.cli("publish", str(hostile)).returncode == 0
    _wait_for_view(url, log, stories=len(HEADLINES) + 1, alerts=len(alert_ids))

    dom = _chromium(chromium, tmp_path / "profile", "--dump-dom", url).stdout.decode()
    text = _text(dom)
    positions = [text.find(headline) for headline in HEADLINES]
    assert all(p >= 0 for p in positions), f"missing stories: {[h for h in HEADLINES if h not in text]}"
    assert positions == sorted(positions), "stories are listed newest first"
    assert text.count(COPY_HEADLINE) == 1 and "copy of an earlier article" in text
    for participant in ("António Guterres", "Hakan Fidan", "Penny Wong", "Mark Rutte"):
        assert participant in text, participant
    assert 'Dmitry Peskov said: "The most we can expect from this round' in text, "a statement with its speaker"
    assert "negative on ceasefire" in text, "the statement's stance is shown"
    for alert in alerts:
        assert " ".join(alert["title"].split()) in text, alert["title"]
    assert dom.count('class="alert severity-') == len(alert_ids)
    assert 'href="https://example.org/samples/geneva-talks-1"' in dom, "items link to the article url"
    assert 'href="urn:wirewatch:sample:markets-3"' in dom, "else to its uri"

    # the hostile article is shown as text: nothing in it ran, and its javascript: url is no link
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert '<img src="x"' not in dom and "Harbour reopens" in text
    assert 'href="javascript:' not in dom

    screenshot = tmp_path / "view.png"
    _chromium(chromium, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,1600", url)
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000, f"screenshot of {len(data)} bytes"
