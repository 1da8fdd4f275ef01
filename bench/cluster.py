"""What bench/throughput.py and bench/soak.py share: N worker processes in one group, paced publishing,
and the arrival times of each article's enriched record and first alert.

The workers are real ``wirewatch worker`` processes on the broker of ``WIREWATCH_KAFKA_BOOTSTRAP``
(default 127.0.0.1:9092), with a fresh topic prefix and consumer group per run, so runs never see each
other's records. Each worker's memory is read with psutil as the worker's own RSS plus its extraction
processes' (its children), the memory one worker costs the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from agents.reader import TopicReader
from agents.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def texts_from(folder: Path | None) -> list[str]:
    """The article texts of ``folder`` (``*.txt``), or short built-in ones."""
    if folder is None:
        return [f"Delegation {n} met mediators on Monday. \"We are here to listen,\" said Anna Berg, who leads "
                f"group {n}. Officials said the peace talks would resume next week." for n in range(50)]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"bench: no .txt files in {folder}")
    return texts


#: the speakers of the paragraph that makes an article raise an alert (``with_alert``): one name per
#: article, so the gate's throttle per actor (README "Alerts") does not hold the alerts back
_FIRST = ("Anna Tomas Leila Marco Ines Kwame Yuki Olga Samir Clara Diego Hana Pavel Amara Jonas Mira Rafael "
          "Sofia Emil Nadia Omar Petra Luca Zainab Hugo Elena Tariq Greta Felix Noor").split()
_LAST = ("Berg Halvorsen Haddad Ferri Duarte Mensah Tanaka Petrenko Nasser Jensen Salas Novak Lindqvist "
         "Moreau Okafor Varga Costa Ibrahim Keller Rossi Dahl Sato Kowalski Mendes Aziz Brandt Silva "
         "Horvat Nilsen Farouk").split()


def with_alert(text: str, i: int) -> str:
    """``text`` with a closing paragraph the default alert rules fire on (a statement on the peace talks)."""
    first, rest = _FIRST[i % len(_FIRST)], i // len(_FIRST)
    initial = chr(ord("A") + rest // len(_LAST) % 26)
    speaker = f"{first} {initial}. {_LAST[rest % len(_LAST)]}"
    return (f"{text.rstrip()}\n\n\"We are ready to return to the peace talks in round {i},\" said {speaker}, "
            f"who leads delegation {i}.\n")


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and the maximum of ``values`` (ms), rounded to 0.1."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    if len(values) < 2:
        return {"p50": round(values[0], 1), "p95": round(values[0], 1), "p99": round(values[0], 1),
                "max": round(values[0], 1)}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1),
            "max": round(max(values), 1)}


def worker_settings(parser: argparse.ArgumentParser, items: list[str]) -> dict[str, str]:
    """The ``--set WIREWATCH_NAME=VALUE`` options as environment variables for the workers."""
    pairs = [item.split("=", 1) for item in items]
    if any(len(pair) != 2 or not pair[0].startswith("WIREWATCH_") for pair in pairs):
        parser.error("--set takes WIREWATCH_NAME=VALUE")
    return dict((name, value) for name, value in pairs)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Worker:
    """One ``wirewatch worker`` process and its web port."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def ready(self) -> dict[str, Any] | None:
        """Its ``/ready`` JSON, or None while it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=2) as answer:  # noqa: S310
                return dict(orjson.loads(answer.read()))
        except OSError as exc:  # 503 while not ready carries the JSON too
            body = getattr(exc, "read", None)
            try:
                return dict(orjson.loads(body())) if body else None
            except (orjson.JSONDecodeError, OSError):
                return None

    def rss_bytes(self) -> int:
        """The worker's resident memory plus its extraction processes' (0 once it has exited)."""
        import psutil  # the bench extra (pip install -e '.[bench]')

        try:
            main = psutil.Process(self.process.pid)
            return int(main.memory_info().rss + sum(c.memory_info().rss for c in main.children(recursive=True)))
        except psutil.Error:
            return 0

    def cpu_seconds(self) -> float:
        """User + system CPU of the worker and its extraction processes so far."""
        import psutil

        try:
            main = psutil.Process(self.process.pid)
            times = [main.cpu_times()] + [c.cpu_times() for c in main.children(recursive=True)]
        except psutil.Error:
            return 0.0
        return float(sum(t.user + t.system for t in times))


@dataclass
class Cluster:
    """``workers`` worker processes in one consumer group on fresh topics (``partitions`` per input topic)."""

    workers: int
    partitions: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __post_init__(self) -> None:
        base = Settings()
        self.scratch = Path(tempfile.mkdtemp(prefix=f"wirewatch-bench-{self.tag}-"))
        self.env = dict(os.environ)
        self.env.update({"WIREWATCH_TOPIC_PREFIX": f"bench-{self.tag}.", "WIREWATCH_APP_ID": f"wirewatch-bench-{self.tag}",
                         "WIREWATCH_PASSTHROUGH_ENABLED": "true", "WIREWATCH_LOG_LEVEL": "warning",
                         "WIREWATCH_KAFKA_BOOTSTRAP": base.kafka_bootstrap,
                         "WIREWATCH_PARTITIONS": str(self.partitions), **self.extra_env})
        self.settings = Settings(kafka_bootstrap=base.kafka_bootstrap, topic_prefix=f"bench-{self.tag}.",
                                 passthrough_enabled=True, partitions=self.partitions)
        self.running: list[Worker] = []

    def topic(self, name: str) -> str:
        return self.settings.topic(name)

    def start(self) -> None:
        """Create the topics, start the workers, and wait until each is ready and holds input partitions."""
        created = subprocess.run([sys.executable, "-m", "agents", "topics", "create"], env=self.env,
                                 capture_output=True, cwd=REPO, check=False)
        if created.returncode != 0:
            raise SystemExit(f"bench: could not create the topics: {created.stderr.decode()}")
        for n in range(self.workers):
            port = _free_port()
            env = {**self.env, "WIREWATCH_WEB_PORT": str(port), "WIREWATCH_DATA_DIR": str(self.scratch / f"faust-{n}")}
            log_path = self.scratch / f"worker-{n}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen([sys.executable, "-m", "agents", "worker"], env=env, stdout=log,
                                           stderr=subprocess.STDOUT, cwd=REPO)
            self.running.append(Worker(process, port, log_path))
        self.wait_settled()

    def wait_settled(self, timeout: float = 240) -> None:
        """Until every worker is ready and the articles topic's partitions are all assigned among them."""
        articles = self.topic(self.settings.topic_articles)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for worker in self.running:
                if worker.process.poll() is not None:
                    raise SystemExit(f"bench: a worker exited; see {worker.log_path}")
            reports = [worker.ready() for worker in self.running]
            if all(r and r.get("ready") for r in reports):
                held = [[a for a in r["assigned"] if a.startswith(articles + ":")] for r in reports if r]
                if all(held) and sum(len(h) for h in held) == self.partitions:
                    return
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"bench: the workers did not settle in {timeout:g} s; see {self.scratch}")

    def stop(self) -> None:
        for worker in self.running:
            worker.process.terminate()
        for worker in self.running:
            try:
                worker.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.process.kill()


@dataclass
class Arrivals:
    """Publish and arrival times (``time.monotonic()``) per article uri."""

    sent: dict[str, float] = field(default_factory=dict)
    enriched: dict[str, float] = field(default_factory=dict)
    alerted: dict[str, float] = field(default_factory=dict)
    dead: dict[str, float] = field(default_factory=dict)

    def latencies_ms(self, arrived: dict[str, float], since: float = 0.0, until: float = float("inf")) -> list[float]:
        """Publish→arrival of the articles published in [since, until) that arrived."""
        return [(arrived[u] - t) * 1000 for u, t in self.sent.items() if since <= t < until and u in arrived]


async def publish_and_collect(settings: Settings, source: str, texts: list[str], n: int, rate: float | None,
                              label: str, arrivals: Arrivals, *, sink: str, alerts: str | None = None,
                              deadletters: str | None = None, idle_timeout: float = 120,
                              on_tick: Callable[[], None] | None = None, alert_every: int = 0) -> None:
    """Publish ``n`` articles (at ``rate``/s, or all at once) and record when each one's records arrive.

    Ends when every article has reached ``sink`` or a dead-letter topic, or after ``idle_timeout`` s with
    nothing arriving. Alerts are recorded by their ``article_uri`` (the first one of each article);
    collecting stops waiting for them a few seconds after the last enriched record. ``on_tick`` is
    called about once a second while publishing (the soak samples memory there). Every
    ``alert_every``-th article (0: none) gets a paragraph that raises an alert (:func:`with_alert`).
    """
    topics = [sink] + ([alerts] if alerts else []) + ([deadletters] if deadletters else [])
    async with TopicReader(settings.kafka_client_options(), topics) as reader:
        producer = AIOKafkaProducer(acks="all", linger_ms=0, **settings.kafka_client_options())
        await producer.start()
        done = asyncio.Event()

        async def publish() -> None:
            interval = 1.0 / rate if rate else 0.0
            start = last_tick = time.monotonic()
            for i in range(n):
                if interval:
                    await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
                uri = f"urn:bench:{label}:{i}"
                text = texts[i % len(texts)]
                if alert_every and i % alert_every == 0:
                    text = with_alert(text, i)
                value = orjson.dumps({"uri": uri, "headline": "", "body_text": text})
                arrivals.sent[uri] = time.monotonic()
                await producer.send(source, key=uri.encode(), value=value)
                if on_tick and time.monotonic() - last_tick >= 1.0:
                    last_tick = time.monotonic()
                    on_tick()
            await producer.flush()

        async def collect() -> None:
            async for record in reader.records(idle_timeout=idle_timeout):
                now = time.monotonic()
                if record.topic == sink:
                    uri = record.key.decode() if record.key else ""
                    if uri.startswith(f"urn:bench:{label}:"):
                        arrivals.enriched.setdefault(uri, now)
                elif record.topic == alerts and record.value:
                    uri = orjson.loads(record.value).get("article_uri", "")
                    if uri.startswith(f"urn:bench:{label}:"):
                        arrivals.alerted.setdefault(uri, now)
                elif record.topic == deadletters:
                    uri = record.key.decode(errors="replace") if record.key else ""
                    if uri.startswith(f"urn:bench:{label}:"):
                        arrivals.dead.setdefault(uri, now)
                if len(arrivals.enriched) + len(arrivals.dead) >= n and not done.is_set():
                    done.set()

        async def until_done() -> None:
            await done.wait()
            await asyncio.sleep(3.0 if alerts else 0.0)  # alerts come after their enriched record

        collector = asyncio.ensure_future(collect())
        try:
            await publish()
            finisher = asyncio.ensure_future(until_done())
            await asyncio.wait([collector, finisher], return_when=asyncio.FIRST_COMPLETED)
        finally:
            collector.cancel()
            await producer.stop()
