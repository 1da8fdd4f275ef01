"""Throughput and end-to-end latency of the worker on a real Kafka broker.

Starts a ``wirewatch worker`` process (with the pass-through agent enabled), publishes N articles
to the input topic and measures, from each article's publish to its enriched record arriving,
articles/s and latency percentiles; then does the same through the pass-through agent (decode and
re-publish, no extraction), the framework's ceiling. Prints one JSON object.

    scripts/kafka start
    .venv/bin/python bench/throughput.py --articles ../shared/eval/polnear/dev/text -n 300

The broker is ``WIREWATCH_KAFKA_BOOTSTRAP`` (default 127.0.0.1:9092). Topics get a fresh prefix per run.
By default all N articles are published at once (a burst: throughput, and latency under a backlog);
``--rate R`` paces publishing at R articles/s to measure latency below saturation.
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
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from agents.reader import TopicReader
from agents.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def _texts(folder: Path | None) -> list[str]:
    if folder is None:
        return [f"Delegation {n} met mediators on Monday. \"We are here to listen,\" said Anna Berg, who leads "
                f"group {n}. Officials said the peace talks would resume next week." for n in range(50)]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"bench: no .txt files in {folder}")
    return texts


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50": values[0] if values else 0.0, "p95": values[0] if values else 0.0,
                "p99": values[0] if values else 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


async def _measure(settings: Settings, source: str, sink: str, texts: list[str], n: int, rate: float | None,
                   label: str) -> dict[str, Any]:
    """Publish ``n`` articles to ``source`` and time their arrival on ``sink``."""
    sent: dict[str, float] = {}
    received: dict[str, float] = {}
    async with TopicReader(settings.kafka_client_options(), [sink]) as reader:
        producer = AIOKafkaProducer(acks="all", **settings.kafka_client_options())
        await producer.start()

        async def publish() -> None:
            interval = 1.0 / rate if rate else 0.0
            start = time.monotonic()
            for i in range(n):
                if interval:
                    await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
                uri = f"urn:bench:{label}:{i}"
                value = orjson.dumps({"uri": uri, "headline": "", "body_text": texts[i % len(texts)]})
                sent[uri] = time.monotonic()
                await producer.send(source, key=uri.encode(), value=value)
            await producer.flush()

        async def collect() -> None:
            async for record in reader.records(idle_timeout=120):
                uri = record.key.decode() if record.key else ""
                if uri in sent and uri not in received:
                    received[uri] = time.monotonic()
                    if len(received) == n:
                        return

        try:
            await asyncio.gather(publish(), collect())
        finally:
            await producer.stop()
    if len(received) < n:
        raise SystemExit(f"bench: only {len(received)}/{n} {label} records arrived")
    latencies = [(received[u] - sent[u]) * 1000 for u in sent]
    elapsed = max(received.values()) - min(sent.values())
    return {"articles_per_s": round(n / elapsed, 2), "latency_ms": _percentiles(latencies),
            "seconds": round(elapsed, 2)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_worker(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "agents", "worker"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=REPO)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"bench: worker exited; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1):  # noqa: S310
                return worker
        except OSError:
            time.sleep(0.3)
    worker.kill()
    raise SystemExit(f"bench: worker not ready; see {log_path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, help="folder of .txt article texts (default: built-in short texts)")
    parser.add_argument("-n", type=int, default=200, help="articles per measurement (default 200)")
    parser.add_argument("--rate", type=float, help="publish at this many articles/s instead of all at once")
    parser.add_argument("--warmup", type=int, default=20, help="articles sent first and not measured")
    parser.add_argument("--keep-cache", action="store_true",
                        help="keep the worker's NER paragraph cache (off by default: with -n larger than the "
                             "number of texts, repeated texts would otherwise be cache hits)")
    args = parser.parse_args()

    base = Settings()
    tag = uuid.uuid4().hex[:8]
    port = _free_port()
    scratch = Path(tempfile.mkdtemp(prefix=f"wirewatch-bench-{tag}-"))
    env = {k: v for k, v in os.environ.items()}
    env.update({"WIREWATCH_TOPIC_PREFIX": f"bench-{tag}.", "WIREWATCH_APP_ID": f"wirewatch-bench-{tag}",
                "WIREWATCH_PASSTHROUGH_ENABLED": "true", "WIREWATCH_WEB_PORT": str(port),
                "WIREWATCH_DATA_DIR": str(scratch / "faust"), "WIREWATCH_LOG_LEVEL": "warning",
                "WIREWATCH_KAFKA_BOOTSTRAP": base.kafka_bootstrap,
                "WIREWATCH_NER_CACHE_SIZE": os.environ.get("WIREWATCH_NER_CACHE_SIZE", "4096") if args.keep_cache else "0"})
    settings = Settings(kafka_bootstrap=base.kafka_bootstrap, topic_prefix=f"bench-{tag}.", passthrough_enabled=True)
    created = subprocess.run([sys.executable, "-m", "agents", "topics", "create"], env=env, capture_output=True,
                             cwd=REPO, check=False)
    if created.returncode != 0:
        sys.stderr.write(created.stderr.decode())
        return 1
    texts = _texts(args.articles)
    words = sum(len(t.split()) for t in texts) / len(texts)
    log_path = scratch / "worker.log"
    worker = _start_worker(env, port, log_path)
    try:
        topic = settings.topic
        print(f"bench: warming up with {args.warmup} articles", file=sys.stderr)
        asyncio.run(_measure(settings, topic(settings.topic_articles), topic(settings.topic_enriched), texts,
                             args.warmup, None, "warmup"))
        print(f"bench: pipeline, {args.n} articles", file=sys.stderr)
        pipeline = asyncio.run(_measure(settings, topic(settings.topic_articles), topic(settings.topic_enriched),
                                        texts, args.n, args.rate, "pipeline"))
        print(f"bench: pass-through, {args.n} articles", file=sys.stderr)
        passthrough = asyncio.run(_measure(settings, topic(settings.topic_passthrough_in),
                                           topic(settings.topic_passthrough_out), texts, args.n, args.rate,
                                           "passthrough"))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    result = {"n": args.n, "pipeline": pipeline, "passthrough": passthrough,
              "mode": f"paced at {args.rate}/s" if args.rate else "burst",
              "articles": str(args.articles) if args.articles else "built-in", "mean_words_per_article": round(words),
              "broker": settings.kafka_bootstrap, "cores": os.cpu_count(),
              "ner_cache": "on" if args.keep_cache else "off"}
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
