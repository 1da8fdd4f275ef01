"""Throughput and end-to-end latency of N worker processes in one group, on a real Kafka broker.

Starts ``--workers`` ``wirewatch worker`` processes (pass-through agent enabled) in one consumer group,
on fresh topics whose input topics have ``--partitions`` partitions (default 4), publishes N articles
to the input topic and measures, from each article's publish to its enriched record arriving,
articles/s and latency percentiles, and from publish to the article's first alert (for the articles
that raise one); then does the same through the pass-through agent (decode and re-publish, no
extraction), the framework's ceiling. Extraction is the whole pipeline: NER, actors, statements,
topics, stances, events, and the stories agent. Prints one JSON object with the configuration.

    scripts/kafka start
    .venv/bin/python bench/throughput.py --articles ../shared/eval/polnear/train/text -n 300 --workers 2
    .venv/bin/python bench/throughput.py --articles ../shared/eval/polnear/train/text -n 300 --workers 2 --rate 10

The broker is ``WIREWATCH_KAFKA_BOOTSTRAP`` (default 127.0.0.1:9092). Topics get a fresh prefix per run.
By default all N articles are published at once (a burst: throughput, and latency under a backlog);
``--rate R`` paces publishing at R articles/s to measure latency below saturation.
``--results FILE`` appends the JSON to a JSON-lines file and ``--plot PNG`` draws the throughput of
every configuration recorded there (needs the bench extra: ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from cluster import Arrivals, Cluster, percentiles, publish_and_collect, texts_from, worker_settings


def _measure(cluster: Cluster, texts: list[str], n: int, rate: float | None, label: str,
             passthrough: bool = False, alert_every: int = 0) -> dict[str, Any]:
    settings = cluster.settings
    arrivals = Arrivals()
    source = cluster.topic(settings.topic_passthrough_in if passthrough else settings.topic_articles)
    sink = cluster.topic(settings.topic_passthrough_out if passthrough else settings.topic_enriched)
    cpu_before = sum(w.cpu_seconds() for w in cluster.running)
    asyncio.run(publish_and_collect(settings, source, texts, n, rate, label, arrivals, sink=sink,
                                    alerts=None if passthrough else cluster.topic(settings.topic_alerts),
                                    deadletters=cluster.topic(settings.topic_deadletter),
                                    alert_every=0 if passthrough else alert_every))
    if len(arrivals.enriched) + len(arrivals.dead) < n:
        raise SystemExit(f"bench: only {len(arrivals.enriched)} {label} records and {len(arrivals.dead)} dead "
                         f"letters of {n} arrived")
    elapsed = max(arrivals.enriched.values()) - min(arrivals.sent.values())
    result: dict[str, Any] = {"articles_per_s": round(len(arrivals.enriched) / elapsed, 2),
                              "latency_ms": percentiles(arrivals.latencies_ms(arrivals.enriched)),
                              "seconds": round(elapsed, 2), "dead_letters": len(arrivals.dead),
                              "worker_cpu_s": round(sum(w.cpu_seconds() for w in cluster.running) - cpu_before, 1)}
    if not passthrough:
        result["alerts"] = {"articles_with_an_alert": len(arrivals.alerted),
                            "publish_to_first_alert_ms": percentiles(arrivals.latencies_ms(arrivals.alerted))}
    return result


def _plot(results_file: Path, png: Path) -> None:
    import matplotlib  # the bench extra

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [orjson.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
    bursts = [r for r in rows if r["mode"] == "burst"]
    paced = [r for r in rows if r["mode"] != "burst"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    labels = [f"{r['workers']} worker{'s' if r['workers'] > 1 else ''}" for r in bursts]
    pipeline = [r["pipeline"]["articles_per_s"] for r in bursts]
    bars = left.bar(labels, pipeline, color="#3b6ea5")
    left.bar_label(bars, fmt="%.1f")
    left.axhline(20, color="#b04040", linestyle="--", linewidth=1, label="target with 2 workers: 20/s")
    left.set_ylabel("articles/s (burst, full extraction)")
    left.set_title("Throughput per configuration")
    left.legend(loc="upper left", fontsize=8)
    if paced:
        names = [f"{r['workers']}w @ {r['rate']:g}/s" for r in paced]
        x = range(len(paced))
        for offset, (key, colour) in enumerate([("p50", "#7aa6d6"), ("p95", "#3b6ea5"), ("p99", "#1d3a5c")]):
            right.bar([i + (offset - 1) * 0.25 for i in x], [r["pipeline"]["latency_ms"][key] for r in paced],
                      width=0.25, color=colour, label=f"enriched {key}")
        right.scatter(list(x), [r["pipeline"]["alerts"]["publish_to_first_alert_ms"]["p99"] for r in paced],
                      color="#b04040", marker="D", zorder=3, label="first alert p99")
        right.axhline(500, color="#b04040", linestyle="--", linewidth=1, label="target p99: 500 ms")
        right.set_xticks(list(x), names)
        right.set_ylabel("publish → arrival, ms")
        right.set_title("Latency, paced")
        right.legend(fontsize=8)
    else:
        right.axis("off")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"bench: wrote {png}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, help="folder of .txt article texts (default: built-in short texts)")
    parser.add_argument("-n", type=int, default=200, help="articles per measurement (default 200)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes in the group (default 1)")
    parser.add_argument("--partitions", type=int, default=4, help="partitions of the input topics (default 4)")
    parser.add_argument("--rate", type=float, help="publish at this many articles/s instead of all at once")
    parser.add_argument("--warmup", type=int, default=20, help="articles sent first and not measured")
    parser.add_argument("--keep-cache", action="store_true",
                        help="keep the worker's caches (off by default: with -n larger than the number of texts, "
                             "repeated texts would otherwise be cache hits)")
    parser.add_argument("--alert-every", type=int, default=4, metavar="K",
                        help="every K-th article gets a closing paragraph that raises an alert (a statement "
                             "on the peace talks), to time publish→alert; 0: none (default 4)")
    parser.add_argument("--no-passthrough", action="store_true", help="skip the pass-through measurement")
    parser.add_argument("--results", type=Path, help="append the JSON to this JSON-lines file")
    parser.add_argument("--set", action="append", default=[], metavar="WIREWATCH_NAME=VALUE",
                        help="a setting for the workers (repeatable), e.g. WIREWATCH_STORY_RETENTION_S=300")
    parser.add_argument("--plot", type=Path, help="draw every configuration in --results to this PNG")
    args = parser.parse_args()
    settings_env = worker_settings(parser, args.set)
    if args.plot and not args.results:
        parser.error("--plot draws the configurations recorded in --results: give both")
    if args.partitions < args.workers:
        parser.error(f"--partitions {args.partitions} < --workers {args.workers}: some workers would idle")

    texts = texts_from(args.articles)
    words = sum(len(t.split()) for t in texts) / len(texts)
    caches = {} if args.keep_cache else {"WIREWATCH_NER_CACHE_SIZE": "0", "WIREWATCH_STANCE_MODEL_CACHE_SIZE": "0"}
    cluster = Cluster(args.workers, args.partitions, extra_env={**caches, **settings_env})
    print(f"bench: starting {args.workers} worker(s), {args.partitions} partitions ({cluster.scratch})", file=sys.stderr)
    started = time.monotonic()
    cluster.start()
    print(f"bench: group settled in {time.monotonic() - started:.1f} s", file=sys.stderr)
    try:
        print(f"bench: warming up with {args.warmup} articles", file=sys.stderr)
        _measure(cluster, texts[::-1], args.warmup, None, "warmup")
        print(f"bench: pipeline, {args.n} articles", file=sys.stderr)
        pipeline = _measure(cluster, texts, args.n, args.rate, "pipeline", alert_every=args.alert_every)
        passthrough = None
        if not args.no_passthrough:
            print(f"bench: pass-through, {args.n} articles", file=sys.stderr)
            passthrough = _measure(cluster, texts, args.n, args.rate, "passthrough", passthrough=True)
        peak_rss = [round(w.rss_bytes() / 2**20) for w in cluster.running]
    finally:
        cluster.stop()
    result = {"n": args.n, "pipeline": pipeline, "passthrough": passthrough,
              "mode": f"paced at {args.rate:g}/s" if args.rate else "burst", "rate": args.rate,
              "workers": args.workers, "partitions": args.partitions, "alert_every": args.alert_every,
              "extract_processes_per_worker": int(cluster.env.get("WIREWATCH_EXTRACT_PROCESSES", "1")),
              "articles": str(args.articles) if args.articles else "built-in", "mean_words_per_article": round(words),
              "broker": cluster.settings.kafka_bootstrap, "cores": os.cpu_count(),
              "caches": "on" if args.keep_cache else "off", "settings": settings_env, "worker_rss_mib_at_end": peak_rss}
    line = orjson.dumps(result).decode()
    print(line)
    if args.results:
        with args.results.open("a") as out:
            out.write(line + "\n")
        if args.plot:
            _plot(args.results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
