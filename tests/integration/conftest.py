"""The integration tier: a real Apache Kafka broker (started by ``make test``) and real worker processes.

Each test gets its own topic prefix and consumer group, so tests never see each other's records.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from agents.reader import TopicReader
from agents.settings import Settings

if TYPE_CHECKING:
    from tests.integration.test_webhook_receivers import Answer, Receiver

REPO = Path(__file__).resolve().parents[2]
WIREWATCH = [sys.executable, "-m", "agents"]


def _bootstrap() -> str:
    value = os.environ.get("WIREWATCH_TEST_BOOTSTRAP")
    if not value:
        pytest.skip("no test broker: run `make test` (it starts one) or set WIREWATCH_TEST_BOOTSTRAP")
    return value


def free_port() -> int:
    """A TCP port nothing listens on now."""
    return _free_port()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def web_port() -> dict[str, str]:
    """A worker web port chosen now, after the receivers are bound (the namespace's could be one they took since)."""
    return {"WIREWATCH_WEB_PORT": str(_free_port())}


def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 0.2 s; fail the test naming ``what`` if it is not true within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


_WORDS = ("harbour", "grain", "convoy", "bridge", "winter", "border", "railway", "village", "market", "river",
          "school", "hospital", "factory", "airport", "mountain", "coast", "valley", "province", "capital", "island",
          "farmers", "teachers", "doctors", "engineers", "pilots", "miners", "students", "workers", "traders", "monks")


def talks(count: int, tag: str) -> list[dict[str, str]]:
    """Distinct articles of our own (not near-duplicates), each with one statement on the peace talks (one alert)."""
    speakers = ["Anna Berg", "Tomas Lind", "Maria Costa", "Jonas Weber", "Lea Novak"]
    rng = random.Random(tag)
    found = []
    for n in range(count):
        speaker = speakers[n % len(speakers)]
        scene = " ".join(rng.sample(_WORDS, 12))
        detail = " ".join(rng.sample(_WORDS, 12))
        found.append({
            "uri": f"urn:test:{tag}:{n}",
            "headline": f"Envoy reports on the peace talks: {' '.join(rng.sample(_WORDS, 4))}",
            "body_text": f"Reporters listed {scene}.\n\n"
                         f"\"The peace talks must continue without preconditions,\" said {speaker}, "
                         f"who spoke about {detail}.",
            "published": "2026-11-20T10:00:00Z",
        })
    return found


def talks_file(tmp: Path, count: int, tag: str) -> Path:
    """:func:`talks` as a JSON-lines file for ``wirewatch publish``."""
    import orjson

    path = tmp / f"{tag}.jsonl"
    path.write_text("\n".join(orjson.dumps(item).decode() for item in talks(count, tag)) + "\n")
    return path


def subscriptions_file(tmp: Path, url: str, timeout_s: float = 2) -> Path:
    """A subscriptions file with one subscription, ``newsroom``, to every alert, signed with the tests' secret."""
    from tests.integration.test_webhook_receivers import SECRET

    path = tmp / "subscriptions.yaml"
    path.write_text(f"subscriptions:\n  - id: newsroom\n    url: {url}\n    secret: {SECRET}\n"
                    f"    timeout_s: {timeout_s}\n")
    return path


@dataclass
class Namespace:
    """One test's private slice of the broker: topic prefix, group id, env for the CLI and worker."""

    settings: Settings
    env: dict[str, str]
    tmp: Path
    workers: list[Worker] = field(default_factory=list)

    def cli(self, *args: str, input: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        """Run ``wirewatch ARGS`` as a real process with this namespace's environment."""
        return subprocess.run([*WIREWATCH, *args], env=self.env, input=input, capture_output=True,
                              timeout=timeout, cwd=REPO, check=False)

    def worker(self, wait_ready: bool = True, **env: str) -> Worker:
        """Start ``wirewatch worker`` (extra ``WIREWATCH_*`` settings as keywords) and wait until ready."""
        handle = Worker(self, env)
        self.workers.append(handle)
        handle.start(wait_ready=wait_ready)
        return handle

    def produce(self, topic: str, records: list[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]]) -> None:
        """Send raw ``(key, value, headers)`` records to ``topic`` (unprefixed name) and wait for the acks."""
        asyncio.run(_produce(self.settings, self.settings.topic(topic), records))

    def missing_uris(self, expected: set[str], timeout: float) -> list[str]:
        """Re-read the enriched topic until every expected uri is there (duplicates allowed); the missing."""
        import orjson

        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while not expected <= seen and time.monotonic() < deadline:
            records = self.read("news.articles.enriched", len(expected) + 200, timeout=5)
            seen = {orjson.loads(r.value)["uri"] for r in records if r.value is not None}
        return sorted(expected - seen)

    def read(self, topic: str, expected: int, timeout: float = 90.0, settle: float = 0.0) -> list[Any]:
        """Read ``topic`` from the beginning until ``expected`` records arrived (or time runs out).

        With ``settle``, keep reading after that until the topic has been quiet for ``settle`` seconds.
        """
        return asyncio.run(_read(self.settings, self.settings.topic(topic), expected, timeout, settle))

    def read_raw(self, topic: str, timeout: float = 5.0) -> list[Any]:
        """Every record of ``topic`` (its full name, e.g. a table's changelog) now on the broker."""
        return asyncio.run(_read(self.settings, topic, 10**9, timeout, 0.0))


async def _produce(settings: Settings, topic: str,
                   records: list[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(acks="all", max_request_size=8_000_000, **settings.kafka_client_options())
    await producer.start()
    try:
        futures = [await producer.send(topic, key=key, value=value, headers=headers)
                   for key, value, headers in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _read(settings: Settings, topic: str, expected: int, timeout: float, settle: float) -> list[Any]:
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    async with TopicReader(settings.kafka_client_options(), [topic], from_beginning=True) as reader:
        while len(found) < expected and time.monotonic() < deadline:
            async for record in reader.records(idle_timeout=1.0):
                found.append(record)
                if len(found) >= expected:
                    break
        if settle and found:
            async for record in reader.records(idle_timeout=settle):
                found.append(record)
    return found


class Worker:
    """A real ``wirewatch worker`` process."""

    def __init__(self, namespace: Namespace, env: dict[str, str] | None = None) -> None:
        self.namespace = namespace
        self.env = {**namespace.env, **(env or {})}
        self.port = int(self.env["WIREWATCH_WEB_PORT"])
        self.log_path = namespace.tmp / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0, wait_ready: bool = True) -> None:
        """Start the process and wait for ``/ready`` (it has partitions assigned)."""
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen([*WIREWATCH, "worker"], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, cwd=REPO)
        if not wait_ready:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log()}")
            if self._ready():
                return
            time.sleep(0.3)
        raise AssertionError(f"worker not ready after {timeout}s:\n{self.log()}")

    def _ready(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=1) as response:  # noqa: S310
                return bool(response.status == 200)
        except OSError:
            return False

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, Any]:
        """``GET path`` on the worker's web port: (status, parsed JSON body)."""
        import json
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as response:  # noqa: S310
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), json.loads(error.read())

    def metric(self, name: str, **labels: str) -> float:
        """The sum of the worker's Prometheus samples called ``name`` that carry ``labels``."""
        from prometheus_client.parser import text_string_to_metric_families

        return sum(sample.value for family in text_string_to_metric_families(self.metrics())
                   for sample in family.samples
                   if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()))

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker process itself (not its extraction processes)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_lines(self) -> int:
        """Lines the worker has written so far."""
        return len(self.log_path.read_bytes().splitlines()) if self.log_path.exists() else 0

    def metrics(self) -> str:
        """The worker's Prometheus text."""
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:  # noqa: S310
            return str(response.read().decode())

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int | None:
        """Signal the process and wait for it to exit."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)

    def log(self) -> str:
        """The worker's output so far (for failure messages)."""
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""


def make_namespace(bootstrap: str, tmp_path: Path) -> Namespace:
    """A fresh topic prefix, group id and web port on the broker at ``bootstrap``, topics created."""
    tag = uuid.uuid4().hex[:10]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env.update({
        "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
        "WIREWATCH_TOPIC_PREFIX": f"t{tag}.",
        "WIREWATCH_APP_ID": f"wirewatch-test-{tag}",
        "WIREWATCH_WEB_PORT": str(_free_port()),
        "WIREWATCH_DATA_DIR": str(tmp_path / "faust"),
        "WIREWATCH_PARTITIONS": "3",
        "PYTHONUNBUFFERED": "1",
    })
    if os.environ.get("WIREWATCH_TEST_STAGES"):  # e.g. to isolate a stage while debugging
        env["WIREWATCH_STAGES"] = os.environ["WIREWATCH_TEST_STAGES"]
    settings = Settings(kafka_bootstrap=bootstrap, topic_prefix=f"t{tag}.", app_id=f"wirewatch-test-{tag}")
    space = Namespace(settings=settings, env=env, tmp=tmp_path)
    created = space.cli("topics", "create")
    assert created.returncode == 0, created.stderr.decode()
    return space


@pytest.fixture
def receiver() -> Iterator[Callable[[Answer], Receiver]]:
    """A factory of recording HTTP receivers (each answering with its ``Answer``), stopped afterwards."""
    from tests.integration.test_webhook_receivers import Receiver

    started: list[Receiver] = []

    def make(answer: Answer) -> Receiver:
        started.append(Receiver(answer).start())
        return started[-1]

    yield make
    for item in started:
        item.stop()


@pytest.fixture
def namespace(tmp_path: Path) -> Iterator[Namespace]:
    """A fresh namespace on the shared test broker; its workers are killed afterwards."""
    space = make_namespace(_bootstrap(), tmp_path)
    yield space
    for worker in space.workers:
        worker.stop(signal.SIGKILL, timeout=10)


class Broker:
    """A private Apache Kafka broker (scripts/kafka on its own ports and data dir) a test may stop."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.env = {**os.environ, "KAFKA_PORT": str(self.port), "KAFKA_CONTROLLER_PORT": str(_free_port()),
                    "KAFKA_DATA_DIR": str(data_dir)}
        self.bootstrap = f"127.0.0.1:{self.port}"

    def _run(self, command: str) -> None:
        done = subprocess.run([str(REPO / "scripts" / "kafka"), command], env=self.env, capture_output=True,
                              text=True, timeout=180, check=False)
        assert done.returncode == 0, f"scripts/kafka {command}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        """Start the broker (keeps its data across a stop) and wait until it answers."""
        self._run("start")

    def stop(self) -> None:
        """Stop the broker: clients see connections refused until :meth:`start`."""
        self._run("stop")


@pytest.fixture(scope="module")
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker of the test module's own, for outages; started once and stopped at the end."""
    _bootstrap()  # skip like the other integration tests when no test broker was started
    broker = Broker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def outage_namespace(private_broker: Broker, tmp_path: Path) -> Iterator[Namespace]:
    """A namespace on the private broker; the broker is running again afterwards."""
    space = make_namespace(private_broker.bootstrap, tmp_path)
    yield space
    for worker in space.workers:
        worker.stop(signal.SIGKILL, timeout=10)
    private_broker.start()
