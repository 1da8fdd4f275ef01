"""A soak: N workers at a steady rate for a long time; latency over time and each worker's memory.

    scripts/kafka start
    .venv/bin/python bench/soak.py --articles ../shared/eval/polnear/train/text --minutes 30 --rate 10 \\
        --workers 2 --plot docs/soak.png

Publishes ``--rate`` articles/s for ``--minutes`` to ``--workers`` worker processes in one group (as
bench/throughput.py starts them, default settings: caches on) and records each article's
publish→enriched and publish→first-alert times. Every article is distinct (:func:`_distinct`).
Every ``--sample-s`` seconds it reads each worker's resident memory (the worker process plus its
extraction processes, psutil). Prints one JSON object: latency percentiles per window and overall,
peak RSS per worker, and its growth after ``--warmup-minutes``: the median of the last sample
window's minute against the median of the first minute after warm-up. A benchmark, not a test.
Needs the bench extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from cluster import Arrivals, Cluster, percentiles, publish_and_collect, texts_from, worker_settings


def _distinct(texts: list[str], count: int) -> list[str]:
    """``count`` distinct articles from ``texts``: the first half of one text and the second half of another.

    Over a long soak the texts come round again and again; pairing the halves differently each round
    keeps every article distinct enough that the stories agent does not take it for a copy (a copy
    raises no alert), and the serial number in each paragraph keeps the paragraph NER cache and the
    stance model's row cache from answering repeats, as on a live feed.
    """
    halves = []
    for text in texts:
        paragraphs = [p for p in text.split("\n") if p.strip()]
        middle = max(1, len(paragraphs) // 2)
        halves.append((paragraphs[:middle], paragraphs[middle:]))
    out = []
    for n in range(count):
        first = n % len(texts)
        second = (first + 1 + n // len(texts)) % len(texts)
        paragraphs = halves[first][0] + halves[second][1]
        out.append("\n".join(f"{p} (Item {n}.)" for p in paragraphs))
    return out


def _growth(samples: list[tuple[float, list[int]]], worker: int, start: float, warmup_s: float,
            window_s: float = 60.0) -> dict[str, Any]:
    after = [(t - start, rss[worker]) for t, rss in samples if t - start >= warmup_s]
    if len(after) < 2:
        return {"growth_after_warmup": None}
    end = after[-1][0]
    first = [r for t, r in after if t < warmup_s + window_s]
    last = [r for t, r in after if t > end - window_s]
    base, final = statistics.median(first), statistics.median(last)
    return {"peak_mib": round(max(rss[worker] for _, rss in samples) / 2**20, 1),
            "after_warmup_mib": round(base / 2**20, 1), "at_end_mib": round(final / 2**20, 1),
            "growth_after_warmup": round(final / base - 1, 4)}


def _plot(png: Path, windows: list[dict[str, Any]], samples: list[tuple[float, list[int]]], start: float,
          warmup_s: float, title: str) -> None:
    import matplotlib  # the bench extra

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    minutes = [w["t_s"] / 60 for w in windows]
    for key, colour in (("p50", "#7aa6d6"), ("p95", "#3b6ea5"), ("p99", "#1d3a5c")):
        top.plot(minutes, [w["enriched_ms"][key] for w in windows], color=colour, label=f"enriched {key}")
    top.plot(minutes, [w["alert_ms"]["p99"] or float("nan") for w in windows], color="#b04040", linestyle=":",
             label="first alert p99")
    top.axhline(500, color="#b04040", linestyle="--", linewidth=1, label="target p99: 500 ms")
    top.set_ylabel("publish → arrival, ms")
    top.set_yscale("log")
    top.legend(fontsize=8, ncol=3)
    top.set_title(title)
    for worker in range(len(samples[0][1]) if samples else 0):
        bottom.plot([(t - start) / 60 for t, _ in samples], [rss[worker] / 2**20 for _, rss in samples],
                    label=f"worker {worker} (with its extraction process)")
    bottom.axvline(warmup_s / 60, color="grey", linestyle="--", linewidth=1, label="end of warm-up")
    bottom.set_ylabel("resident memory, MiB")
    bottom.set_xlabel("minutes")
    bottom.set_ylim(bottom=0)
    bottom.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"soak: wrote {png}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, help="folder of .txt article texts (default: built-in short texts)")
    parser.add_argument("--minutes", type=float, default=30, help="how long to publish (default 30)")
    parser.add_argument("--rate", type=float, default=10, help="articles/s (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes in the group (default 2)")
    parser.add_argument("--partitions", type=int, default=4, help="partitions of the input topics (default 4)")
    parser.add_argument("--warmup-minutes", type=float, default=5, help="memory growth is measured after this")
    parser.add_argument("--sample-s", type=float, default=10, help="seconds between memory samples and "
                                                                   "latency windows (default 10)")
    parser.add_argument("--alert-every", type=int, default=4, metavar="K",
                        help="every K-th article raises an alert (see bench/throughput.py; default 4)")
    parser.add_argument("--set", action="append", default=[], metavar="WIREWATCH_NAME=VALUE",
                        help="a setting for the workers (repeatable), e.g. WIREWATCH_STORY_RETENTION_S=300")
    parser.add_argument("--plot", type=Path, help="write the latency and memory plot to this PNG")
    parser.add_argument("--json", type=Path, help="also write the JSON (with every window and sample) here")
    args = parser.parse_args()
    settings_env = worker_settings(parser, args.set)

    n = int(args.rate * args.minutes * 60)
    texts = _distinct(texts_from(args.articles), n + 20)  # the last 20: the warm-up
    cluster = Cluster(args.workers, args.partitions, extra_env=settings_env)
    print(f"soak: starting {args.workers} worker(s), {n} articles at {args.rate:g}/s over {args.minutes:g} min "
          f"({cluster.scratch})", file=sys.stderr)
    cluster.start()
    samples: list[tuple[float, list[int]]] = []
    last = {"t": 0.0, "report": time.monotonic()}
    arrivals = Arrivals()

    def sample() -> None:
        now = time.monotonic()
        if now - last["t"] < args.sample_s:
            return
        last["t"] = now
        samples.append((now, [w.rss_bytes() for w in cluster.running]))
        if now - last["report"] >= 60:
            last["report"] = now
            done = len(arrivals.enriched)
            print(f"soak: {len(arrivals.sent)} published, {done} enriched, RSS "
                  f"{[round(r / 2**20) for r in samples[-1][1]]} MiB", file=sys.stderr)

    settings = cluster.settings
    # the extraction processes load their models at the first article: not part of the soak
    asyncio.run(publish_and_collect(settings, cluster.topic(settings.topic_articles), texts[n:], 20, None,
                                    "warmup", Arrivals(), sink=cluster.topic(settings.topic_enriched)))
    started = time.monotonic()
    try:
        asyncio.run(publish_and_collect(settings, cluster.topic(settings.topic_articles), texts, n, args.rate, "soak",
                                        arrivals, sink=cluster.topic(settings.topic_enriched),
                                        alerts=cluster.topic(settings.topic_alerts),
                                        deadletters=cluster.topic(settings.topic_deadletter),
                                        on_tick=sample, alert_every=args.alert_every))
        sample()
    finally:
        cluster.stop()
    if not arrivals.sent:
        raise SystemExit("soak: nothing was published")
    start = min(arrivals.sent.values())
    windows = []
    t = start
    end = max(arrivals.sent.values())
    while t <= end:
        windows.append({"t_s": round(t - start + args.sample_s / 2, 1),
                        "enriched_ms": percentiles(arrivals.latencies_ms(arrivals.enriched, t, t + args.sample_s)),
                        "alert_ms": percentiles(arrivals.latencies_ms(arrivals.alerted, t, t + args.sample_s))})
        t += args.sample_s
    warmup_s = args.warmup_minutes * 60
    after_warmup = start + warmup_s
    result = {
        "minutes": args.minutes, "rate": args.rate, "workers": args.workers, "partitions": args.partitions,
        "published": len(arrivals.sent), "enriched": len(arrivals.enriched), "dead_letters": len(arrivals.dead),
        "lost": len(arrivals.sent) - len(set(arrivals.enriched) | set(arrivals.dead)),
        "articles_with_an_alert": len(arrivals.alerted),
        "seconds": round(time.monotonic() - started, 1),
        "enriched_ms_after_warmup": percentiles(arrivals.latencies_ms(arrivals.enriched, after_warmup)),
        "alert_ms_after_warmup": percentiles(arrivals.latencies_ms(arrivals.alerted, after_warmup)),
        "memory": [_growth(samples, k, start, warmup_s) for k in range(args.workers)],
        "articles": str(args.articles) if args.articles else "built-in", "settings": settings_env,
    }
    print(orjson.dumps(result).decode())
    if args.json:
        args.json.write_bytes(orjson.dumps({**result, "windows": windows,
                                            "rss_samples": [[round(t - start, 1), rss] for t, rss in samples]}))
    if args.plot:
        _plot(args.plot, windows, samples, start, warmup_s,
              f"Soak: {args.workers} workers, {args.rate:g} articles/s for {args.minutes:g} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
